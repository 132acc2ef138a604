/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen mirror wrapping: re-encapsulate packets exactly as a cloud or switch mirror source
 * sends them to a collector (VXLAN, GENEVE, ERSPAN over GRE, or unchanged). See
 * doc/mirror-formats.md for the byte layouts.
 */
#ifndef VG_WRAP_H
#define VG_WRAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Output snaplen of a wrapped capture. */
#define VG_WRAP_SNAPLEN 262144u
/* Largest --truncate value. */
#define VG_WRAP_MAX_TRUNC 65535u
/* Most L3 units (A-MSDU subframes) taken from one input packet. */
#define VG_WRAP_MAX_UNITS 64u

enum vg_wrap_fmt {
	VG_WRAP_NONE = 0,
	VG_WRAP_AWS_VXLAN,
	VG_WRAP_AZURE_VXLAN,
	VG_WRAP_AWS_GWLB,
	VG_WRAP_GCP_RAW,
	VG_WRAP_GCP_GENEVE,
	VG_WRAP_ERSPAN2,
	VG_WRAP_ERSPAN3,
	VG_WRAP_NFMT,
};

/* Input link types, as libpcap reports them (DLT_ values; 101 is LINKTYPE_RAW). */
#define VG_LT_NULL         0
#define VG_LT_EN10MB       1
#define VG_LT_PPP          9
#define VG_LT_RAW          12
#define VG_LT_RAW_OPENBSD  14
#define VG_LT_PPP_SERIAL   50
#define VG_LT_LINKTYPE_RAW 101
#define VG_LT_IEEE802_11   105
#define VG_LT_LOOP         108
#define VG_LT_LINUX_SLL    113
#define VG_LT_RADIOTAP     127
#define VG_LT_IPV4         228
#define VG_LT_IPV6         229
#define VG_LT_NFLOG        239
#define VG_LT_LINUX_SLL2   276

struct vg_wrap_stats {
	uint64_t in;      /* input packets */
	uint64_t out;     /* packets written */
	uint64_t no_ip;   /* skipped by gcp-geneve: no IP packet inside */
	uint64_t no_conv; /* skipped: the link layer cannot be converted to Ethernet */
	uint64_t too_big; /* skipped: the outer IPv4 packet would exceed 65535 bytes */
};

/*
 * One network-layer unit of an input packet (an 802.11 A-MSDU gives several): what follows the
 * link header, with the Ethernet type to convert it with, and the IP packet inside it.
 */
struct vg_wrap_l3 {
	const uint8_t *pay; /* link payload (NULL for Ethernet input: the frame itself is used) */
	uint32_t pay_cap;   /* its captured bytes */
	uint32_t pay_wire;  /* its bytes on the wire */
	uint16_t etype;     /* Ethernet type of pay; 0 if it cannot be put in an Ethernet frame */
	uint8_t ipver;      /* 4 or 6 if ip is set, else 0 */
	const uint8_t *ip;  /* the IP packet inside, NULL if there is none */
	uint32_t ip_cap;
	uint32_t ip_wire;
};

/* Called for each wrapped packet; returns 0, or -1 to stop. */
typedef int (*vg_wrap_emit_t)(void *ctx, const uint8_t *pkt, uint32_t caplen, uint32_t len);

struct vg_wrap;

/* vg_wrap.c */
int vg_wrap_parse_format(const char *name);
const char *vg_wrap_format_name(enum vg_wrap_fmt fmt);
extern const char vg_wrap_format_list[];
bool vg_wrap_eth_inner(enum vg_wrap_fmt fmt);
uint32_t vg_wrap_session_max(enum vg_wrap_fmt fmt);
uint32_t vg_wrap_trunc_min(enum vg_wrap_fmt fmt);
struct vg_wrap *vg_wrap_new(enum vg_wrap_fmt fmt, uint32_t session, uint32_t truncate, int link);
void vg_wrap_free(struct vg_wrap *w);
int vg_wrap_packet(struct vg_wrap *w, uint64_t usec, const uint8_t *pkt, uint32_t caplen,
	uint32_t len, vg_wrap_emit_t emit, void *ctx);
const struct vg_wrap_stats *vg_wrap_get_stats(const struct vg_wrap *w);

/* vg_wrap_link.c */
bool vg_wrap_link_supported(int link);
unsigned int vg_wrap_link(int link, const uint8_t *pkt, uint32_t cap, uint32_t wire,
	struct vg_wrap_l3 *units, unsigned int max);

/* vg_wrap_in.c */
FILE *vg_wrap_open_input(const char *path, bool *nano, char *err, size_t errlen);

#endif /* VG_WRAP_H */
