/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tunnels decoded in Zeek's "tunnel" treatment: the outer header is noted in
 * pkt->tunnels and the inner packet decoded in its place, so the inner flow is
 * tracked with the tunnel as its parent. GRE carries ERSPAN type I, II and III,
 * transparent Ethernet bridging, IP, and PPTP's PPP.
 */
#include "vg_decode.h"
#include "vg_decode_private.h"

#define GRE_C 0x8000
#define GRE_K 0x2000
#define GRE_S 0x1000
#define GRE_A 0x0080 /* enhanced GRE (PPTP) acknowledgment present */

#define GRE_PROTO_ERSPAN2 0x88be
#define GRE_PROTO_ERSPAN3 0x22eb
#define GRE_PROTO_TEB     0x6558
#define GRE_PROTO_IPV4    0x0800
#define GRE_PROTO_IPV6    0x86dd
#define GRE_PROTO_PPP     0x880b

/* Clears what the outer packet left in the L3/L4 fields before the inner decode. */
static void
reset_inner(struct vg_pkt *pkt)
{
	size_t from = offsetof(struct vg_pkt, ip_version);
	size_t to = offsetof(struct vg_pkt, ntunnels);

	memset((uint8_t *)pkt + from, 0, to - from);
}

static bool
push_tunnel(struct vg_decoder *d, struct vg_pkt *pkt, uint8_t type)
{
	if (pkt->ntunnels >= VG_MAX_TUNNELS) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TOO_MANY_LAYERS, VG_WEIRD_SCOPE_FLOW, "GRE");
		return false;
	}
	struct vg_tunnel *t = &pkt->tunnels[pkt->ntunnels++];

	t->type = type;
	t->src = pkt->src;
	t->dst = pkt->dst;
	t->sport = t->dport = 0;
	return true;
}

enum vg_decode_result
vg_decode_gre(struct vg_decoder *d, struct vg_pkt *pkt)
{
	const uint8_t *g = pkt->l4;
	uint32_t len = pkt->l4_cap;

	if (len < 4) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_HEADER, VG_WEIRD_SCOPE_FLOW, "GRE");
		return VG_DECODE_IP;
	}
	uint16_t flags = vg_be16(g);
	uint16_t proto = vg_be16(g + 2);
	uint8_t version = flags & 0x7;
	uint32_t off = 4;

	if (version > 1) {
		vg_pkt_weird(d, pkt, VG_WEIRD_GRE_VERSION, VG_WEIRD_SCOPE_FLOW, "GRE");
		return VG_DECODE_IP;
	}
	if (flags & GRE_C)
		off += 4;
	if (flags & GRE_K)
		off += 4;
	if (flags & GRE_S)
		off += 4;
	if (version == 1 && (flags & GRE_A))
		off += 4;
	switch (proto) {
	case GRE_PROTO_ERSPAN2:
		/* Type II has a sequence number and an 8-byte header; type I neither. */
		if (flags & GRE_S)
			off += 8;
		break;
	case GRE_PROTO_ERSPAN3:
		if (len < off + 12)
			break;
		off += (g[off + 11] & 0x01) ? 20 : 12; /* O bit: platform sub-header */
		break;
	case GRE_PROTO_TEB:
	case GRE_PROTO_IPV4:
	case GRE_PROTO_IPV6:
	case GRE_PROTO_PPP:
		break;
	default:
		vg_pkt_weird(d, pkt, VG_WEIRD_GRE_PROTOCOL, VG_WEIRD_SCOPE_FLOW, "GRE");
		return VG_DECODE_IP;
	}
	if (len < off) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_HEADER, VG_WEIRD_SCOPE_FLOW, "GRE");
		return VG_DECODE_IP;
	}
	if (!push_tunnel(d, pkt, VG_TUN_GRE))
		return VG_DECODE_IP;
	reset_inner(pkt);
	g += off;
	len -= off;
	switch (proto) {
	case GRE_PROTO_IPV4:
	case GRE_PROTO_IPV6:
		return vg_decode_ip(d, g, len, pkt);
	case GRE_PROTO_PPP:
		return vg_decode_ppp(d, g, len, pkt);
	default:
		return vg_decode_ether(d, g, len, pkt);
	}
}
