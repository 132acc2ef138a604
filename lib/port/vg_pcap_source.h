/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Offline packet source: reads pcap and pcapng files through libpcap and
 * hands packets out in bursts, like a DPDK port would. Packets of a burst
 * stay valid until the next call.
 */
#ifndef VG_PCAP_SOURCE_H
#define VG_PCAP_SOURCE_H

#include <stddef.h>
#include <stdint.h>

/* One captured packet. */
struct vg_raw_pkt {
	const uint8_t *data;
	uint32_t cap_len;
	uint32_t wire_len;
	uint64_t ts_ns;
	uint8_t rx_cksum; /* VG_RX_CKSUM_* (vg_decode.h): what the NIC verified; 0 from files */
};

struct vg_pcap_source;

/* Opens a capture file ("-": standard input); NULL with a one-line reason in err. */
struct vg_pcap_source *vg_pcap_open(const char *path, char *err, size_t errlen);
/* Applies a BPF capture filter (tcpdump's syntax); -1 with libpcap's reason in err. */
int vg_pcap_set_filter(struct vg_pcap_source *src, const char *expr, char *err, size_t errlen);
void vg_pcap_close(struct vg_pcap_source *src);

/* The file's link type (DLT_ value). */
int vg_pcap_link(const struct vg_pcap_source *src);

/*
 * Reads up to n packets. Returns how many; 0 at the end of the file or on a
 * read error, which vg_pcap_error() then describes.
 */
uint16_t vg_pcap_read_burst(struct vg_pcap_source *src, struct vg_raw_pkt *pkts, uint16_t n);

/* NULL after a clean end of file, else what went wrong (e.g. truncation). */
const char *vg_pcap_error(const struct vg_pcap_source *src);

/* Bytes of the file consumed so far and its size (0: not a regular file), for progress. */
uint64_t vg_pcap_offset(const struct vg_pcap_source *src);
uint64_t vg_pcap_size(const struct vg_pcap_source *src);

#endif /* VG_PCAP_SOURCE_H */
