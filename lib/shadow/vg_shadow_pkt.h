/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packets a shadow connection would have put on the wire, made up from
 * what its socket read and wrote, so the same worker code that analyses
 * captured traffic (flow table, reassembly, the HTTP analyzer, files,
 * signatures) logs it: conn.log, http.log, files.log and weird.log come out
 * as for a capture of that connection. Raw IPv4 or IPv6 with a TCP header;
 * payload is read straight into the packet (no copy), and a burst goes to the
 * worker when it is full or the caller flushes it.
 */
#ifndef VG_SHADOW_PKT_H
#define VG_SHADOW_PKT_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_common.h"
#include "vg_worker.h"

#define VG_SHPKT_BURST   32
#define VG_SHPKT_PAYLOAD 32768 /* the most one made-up packet carries */
#define VG_SHPKT_HDR     60    /* IPv6 (40) + TCP (20): room before every payload */

/* TCP flags as the header carries them. */
#define VG_SHPKT_FIN 0x01
#define VG_SHPKT_SYN 0x02
#define VG_SHPKT_RST 0x04
#define VG_SHPKT_PSH 0x08
#define VG_SHPKT_ACK 0x10

/* One connection as the packets show it: the client's end [1] and vigil's [0]. */
struct vg_shpkt_conn {
	struct vg_addr addr[2];
	uint16_t port[2];
	uint32_t seq[2]; /* the next sequence number each end sends */
	bool v4;
};

struct vg_shpkt_burst {
	struct vg_worker *w;
	uint8_t *mem; /* VG_SHPKT_BURST slots of VG_SHPKT_HDR + VG_SHPKT_PAYLOAD bytes */
	struct vg_raw_pkt pkts[VG_SHPKT_BURST];
	uint16_t n;
	uint64_t packets, bytes; /* made so far */
};

/* 0, or -1 (out of memory). */
int vg_shpkt_init(struct vg_shpkt_burst *b, struct vg_worker *w);
void vg_shpkt_fini(struct vg_shpkt_burst *b);

/*
 * Where the next packet's payload goes (VG_SHPKT_PAYLOAD bytes of room):
 * read into it, then vg_shpkt_add with the length. The burst is flushed
 * first when it is full.
 */
uint8_t *vg_shpkt_room(struct vg_shpkt_burst *b);

/*
 * Adds a packet from one end (from_client) with the payload at
 * vg_shpkt_room (len bytes, 0 for none) and moves that end's sequence number.
 */
void vg_shpkt_add(struct vg_shpkt_burst *b, struct vg_shpkt_conn *c, bool from_client,
	uint8_t flags, uint32_t len, uint64_t ts_ns);

/* As vg_shpkt_add, with the payload copied from p. */
void vg_shpkt_add_copy(struct vg_shpkt_burst *b, struct vg_shpkt_conn *c, bool from_client,
	uint8_t flags, const uint8_t *p, uint32_t len, uint64_t ts_ns);

/* The three-way handshake, and the two FINs and last ACK of a close. */
void vg_shpkt_open(struct vg_shpkt_burst *b, struct vg_shpkt_conn *c, uint64_t ts_ns);
void vg_shpkt_close(
	struct vg_shpkt_burst *b, struct vg_shpkt_conn *c, bool client_first, uint64_t ts_ns);

/* Hands the packets made so far to the worker. */
void vg_shpkt_flush(struct vg_shpkt_burst *b);

#endif /* VG_SHADOW_PKT_H */
