/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals shared by the decoder's files; not part of the public API. */
#ifndef VG_DECODE_PRIVATE_H
#define VG_DECODE_PRIVATE_H

#include "vg_decode.h"

/* Decodes the transport header of an IP packet whose L3 fields are set. */
enum vg_decode_result vg_decode_l4(
	struct vg_decoder *d, const uint8_t *l4, uint32_t cap, uint32_t len, struct vg_pkt *pkt);

/* Decodes an Ethernet frame (also inside tunnels). */
enum vg_decode_result vg_decode_ether(
	struct vg_decoder *d, const uint8_t *p, uint32_t len, struct vg_pkt *pkt);

/* Decodes an 802.11 frame (also inside Aruba's GRE). */
enum vg_decode_result vg_decode_80211(
	struct vg_decoder *d, const uint8_t *p, uint32_t len, struct vg_pkt *pkt);

/* Decodes PPP's protocol field and what follows (also inside PPTP). */
enum vg_decode_result vg_decode_ppp(
	struct vg_decoder *d, const uint8_t *p, uint32_t len, struct vg_pkt *pkt);

/* Decapsulates GRE (ERSPAN I/II/III, bridging, IP, PPTP) and decodes the inner packet. */
enum vg_decode_result vg_decode_gre(struct vg_decoder *d, struct vg_pkt *pkt);

/* Decapsulates IP in IP (4in4, 6in4, 4in6, 6in6). */
enum vg_decode_result vg_decode_ip_in_ip(struct vg_decoder *d, struct vg_pkt *pkt);

/* Fragment reassembly. */
struct vg_frag_key {
	struct vg_addr src;
	struct vg_addr dst;
	uint32_t id;
	uint8_t proto;
	uint8_t version;
};

struct vg_frag_table *vg_frag_table_create(uint32_t slots, uint64_t timeout_ns);
void vg_frag_table_free(struct vg_frag_table *t);

/*
 * Adds one fragment. hdr/hdr_len is the unfragmentable part (IPv4 header, or
 * IPv6 header plus headers before the fragment header, with next-header fixed
 * up by the caller); data is the fragment's payload at byte offset off.
 * Returns a pointer to the whole datagram (its length in *out_len) when it is
 * complete, else NULL.
 */
const uint8_t *vg_frag_add(struct vg_decoder *d, struct vg_pkt *pkt, const struct vg_frag_key *key,
	const uint8_t *hdr, uint32_t hdr_len, const uint8_t *data, uint32_t data_len, uint32_t off,
	bool more, uint32_t *out_len);

#endif /* VG_DECODE_PRIVATE_H */
