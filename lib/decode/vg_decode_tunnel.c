/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tunnels decoded in Zeek's "tunnel" treatment: the outer header is noted in
 * pkt->tunnels and the inner packet decoded in its place, so the inner flow is
 * tracked with the tunnel as its parent.
 *
 * IP tunnels (GRE with ERSPAN I/II/III, bridging, IP and PPTP's PPP; IP in
 * IP) are entered straight from the IP decoder. UDP tunnels (VXLAN, GENEVE,
 * Teredo, AYIYA, GTPv1-U, GRE over UDP) are entered in two steps, because
 * their outer flow is a connection of its own: the worker first runs the outer
 * packet through the flow table, then probes and enters the tunnel.
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

#define PORT_VXLAN   4789
#define PORT_GENEVE  6081
#define PORT_AYIYA   5072
#define PORT_GTPV1_U 2152
#define PORT_GRE_UDP 4754

enum inner_kind {
	INNER_ETHER,
	INNER_IP,
	INNER_GRE,
	INNER_80211,
};

/* Aruba's access points tunnel 802.11 frames in GRE with these protocols. */
#define GRE_PROTO_ARUBA_LO 0x8200
#define GRE_PROTO_ARUBA_HI 0x82ff

const char *
vg_tunnel_type_name(enum vg_tunnel_type t)
{
	static const char *const names[VG_TUN_MAX] = {
		[VG_TUN_NONE] = "Tunnel::NONE",
		[VG_TUN_GRE] = "Tunnel::GRE",
		[VG_TUN_IP] = "Tunnel::IP",
		[VG_TUN_VXLAN] = "Tunnel::VXLAN",
		[VG_TUN_GENEVE] = "Tunnel::GENEVE",
		[VG_TUN_TEREDO] = "Tunnel::TEREDO",
		[VG_TUN_AYIYA] = "Tunnel::AYIYA",
		[VG_TUN_GTPV1] = "Tunnel::GTPv1",
	};
	return (unsigned)t < VG_TUN_MAX ? names[t] : "Tunnel::NONE";
}

const char *
vg_tunnel_service(enum vg_tunnel_type t)
{
	static const char *const names[VG_TUN_MAX] = {
		[VG_TUN_VXLAN] = "vxlan",
		[VG_TUN_GENEVE] = "geneve",
		[VG_TUN_TEREDO] = "teredo",
		[VG_TUN_AYIYA] = "ayiya",
		[VG_TUN_GTPV1] = "gtpv1",
	};
	return (unsigned)t < VG_TUN_MAX ? names[t] : NULL;
}

/* Clears what the outer packet left in the L3/L4 fields before the inner decode. */
static void
reset_inner(struct vg_pkt *pkt)
{
	size_t from = offsetof(struct vg_pkt, ip_version);
	size_t to = offsetof(struct vg_pkt, ntunnels);

	memset((uint8_t *)pkt + from, 0, to - from);
}

static bool
push_tunnel(struct vg_decoder *d, struct vg_pkt *pkt, const struct vg_tunnel *t)
{
	uint8_t max = d->cfg.max_tunnels ? d->cfg.max_tunnels : VG_MAX_TUNNELS;

	if (pkt->ntunnels >= max || pkt->ntunnels >= VG_MAX_TUNNELS) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TUNNEL_DEPTH, VG_WEIRD_SCOPE_FLOW, NULL);
		return false;
	}
	pkt->tunnels[pkt->ntunnels++] = *t;
	return true;
}

/* An IP tunnel's record: the outer addresses, no ports, uid set later. */
static void
ip_tunnel_of(const struct vg_pkt *pkt, uint8_t type, uint32_t vni, struct vg_tunnel *t)
{
	memset(t, 0, sizeof(*t));
	t->type = type;
	t->src = pkt->src;
	t->dst = pkt->dst;
	t->vni = vni;
}

static enum vg_decode_result
decode_inner(struct vg_decoder *d, struct vg_pkt *pkt, enum inner_kind kind, uint16_t proto,
	const uint8_t *p, uint32_t len)
{
	reset_inner(pkt);
	if (kind == INNER_ETHER)
		return vg_decode_ether(d, p, len, pkt);
	if (kind == INNER_80211)
		return vg_decode_80211(d, p, len, pkt);
	if (proto == GRE_PROTO_PPP)
		return vg_decode_ppp(d, p, len, pkt);
	return vg_decode_ip(d, p, len, pkt);
}

/* True when the packet is addressed to a configured collector (or any, if none). */
static bool
to_collector(const struct vg_decoder *d, const struct vg_pkt *pkt)
{
	if (d->cfg.ncollectors == 0)
		return true;
	for (uint8_t i = 0; i < d->cfg.ncollectors && i < VG_MIRROR_MAX_COLLECTORS; i++)
		if (vg_addr_cmp(&d->cfg.collectors[i], &pkt->dst) == 0)
			return true;
	return false;
}

static enum vg_decode_result
decode_gre_at(struct vg_decoder *d, struct vg_pkt *pkt, const uint8_t *g, uint32_t len)
{
	if (len < 4) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_HEADER, VG_WEIRD_SCOPE_FLOW, "GRE");
		return VG_DECODE_IP;
	}
	uint16_t flags = vg_be16(g);
	uint16_t proto = vg_be16(g + 2);
	uint8_t version = flags & 0x7;
	uint32_t off = 4, key = 0, session = 0;

	if (version > 1) {
		vg_pkt_weird(d, pkt, VG_WEIRD_GRE_VERSION, VG_WEIRD_SCOPE_FLOW, "GRE");
		return VG_DECODE_IP;
	}
	if (flags & GRE_C)
		off += 4;
	if (flags & GRE_K) {
		if (len >= off + 4)
			key = vg_be32(g + off);
		off += 4;
	}
	if (flags & GRE_S)
		off += 4;
	if (version == 1 && (flags & GRE_A))
		off += 4;
	switch (proto) {
	case GRE_PROTO_ERSPAN2:
		/* Type II has a sequence number and an 8-byte header; type I neither. */
		if (flags & GRE_S) {
			if (len >= off + 4)
				session = vg_be16(g + off + 2) & 0x3ff;
			off += 8;
		}
		break;
	case GRE_PROTO_ERSPAN3:
		if (len < off + 12)
			break;
		session = vg_be16(g + off + 2) & 0x3ff;
		off += (g[off + 11] & 0x01) ? 20 : 12; /* O bit: platform sub-header */
		break;
	case GRE_PROTO_TEB:
	case GRE_PROTO_IPV4:
	case GRE_PROTO_IPV6:
	case GRE_PROTO_PPP:
		break;
	default:
		if (proto >= GRE_PROTO_ARUBA_LO && proto <= GRE_PROTO_ARUBA_HI)
			break;
		vg_pkt_weird(d, pkt, VG_WEIRD_GRE_PROTOCOL, VG_WEIRD_SCOPE_FLOW, "GRE");
		return VG_DECODE_IP;
	}
	if (len < off) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_HEADER, VG_WEIRD_SCOPE_FLOW, "GRE");
		return VG_DECODE_IP;
	}
	bool erspan = proto == GRE_PROTO_ERSPAN2 || proto == GRE_PROTO_ERSPAN3;

	if (erspan && (d->cfg.mirror & VG_MIRROR_ERSPAN) && to_collector(d, pkt)) {
		/* Mirror transport: stripped, the session goes into the flow key. */
		pkt->mirrored = 1;
		pkt->session = session ? session : key;
		pkt->has_l2 = 0;
		pkt->nvlan = 0;
		d->stats.mirror_packets++;
		return decode_inner(d, pkt, INNER_ETHER, proto, g + off, len - off);
	}
	/* The dispatch hash looks through mirror transport only, never tunnels:
	 * a tunnel's outer flow and the flows inside it belong together. */
	if (d->cfg.peek)
		return VG_DECODE_IP;
	struct vg_tunnel t;

	ip_tunnel_of(pkt, VG_TUN_GRE, session ? session : key, &t);
	if (!push_tunnel(d, pkt, &t))
		return VG_DECODE_IP;
	enum inner_kind kind = INNER_IP;

	if (proto == GRE_PROTO_TEB || proto == GRE_PROTO_ERSPAN2 || proto == GRE_PROTO_ERSPAN3)
		kind = INNER_ETHER;
	else if (proto >= GRE_PROTO_ARUBA_LO && proto <= GRE_PROTO_ARUBA_HI)
		kind = INNER_80211;
	return decode_inner(d, pkt, kind, proto, g + off, len - off);
}

enum vg_decode_result
vg_decode_gre(struct vg_decoder *d, struct vg_pkt *pkt)
{
	return decode_gre_at(d, pkt, pkt->l4, pkt->l4_cap);
}

enum vg_decode_result
vg_decode_ip_in_ip(struct vg_decoder *d, struct vg_pkt *pkt)
{
	struct vg_tunnel t;

	if (d->cfg.peek)
		return VG_DECODE_IP;
	ip_tunnel_of(pkt, VG_TUN_IP, 0, &t);
	if (!push_tunnel(d, pkt, &t))
		return VG_DECODE_IP;
	return decode_inner(d, pkt, INNER_IP, 0, pkt->l4, pkt->l4_cap);
}

/* ---- UDP tunnels --------------------------------------------------------- */

static bool
probe_vxlan(const uint8_t *p, uint32_t len, struct vg_udp_tunnel *t)
{
	if (len < 8 + 14)
		return false;
	t->type = VG_TUN_VXLAN;
	t->inner = INNER_ETHER;
	t->off = 8;
	t->vni = vg_be32(p + 4) >> 8;
	t->session = t->vni;
	return true;
}

static bool
probe_geneve(const uint8_t *p, uint32_t len, struct vg_udp_tunnel *t)
{
	if (len < 8 || (p[0] >> 6) != 0)
		return false;
	uint32_t off = 8 + (uint32_t)(p[0] & 0x3f) * 4;
	uint16_t proto = vg_be16(p + 2);

	if (off > len)
		return false;
	t->type = VG_TUN_GENEVE;
	t->off = off;
	t->vni = vg_be32(p + 4) >> 8;
	t->session = t->vni;
	/* Options: class (2), type (1), length in words (low 5 bits), data. */
	for (uint32_t o = 8; o + 4 <= off;) {
		uint16_t cls = vg_be16(p + o);
		uint8_t type = p[o + 2];
		uint32_t olen = 4 + (uint32_t)(p[o + 3] & 0x1f) * 4;

		if (o + olen > off)
			break;
		/* Google's network id (top bit: direction) names the mirror session. */
		if (cls == 0x0132 && (type & 0x7f) == 1 && olen >= 12) {
			uint64_t id = (uint64_t)vg_be32(p + o + 4) << 32 | vg_be32(p + o + 8);

			t->session = id & ~(1ULL << 63);
		}
		o += olen;
	}
	if (proto == GRE_PROTO_TEB)
		t->inner = INNER_ETHER;
	else if (proto == GRE_PROTO_IPV4 || proto == GRE_PROTO_IPV6)
		t->inner = INNER_IP;
	else
		return false;
	return true;
}

static bool
probe_ayiya(const uint8_t *p, uint32_t len, struct vg_udp_tunnel *t)
{
	if (len < 8)
		return false;
	uint32_t id_len = 1u << (p[0] >> 4);
	uint32_t sig_len = (uint32_t)(p[1] >> 4) * 4;
	uint8_t op = p[2] & 0x0f;
	uint8_t next = p[3];
	uint32_t off = 8 + id_len + sig_len;

	if (op != 1 || (next != 4 && next != 41) || off > len)
		return false;
	t->type = VG_TUN_AYIYA;
	t->inner = INNER_IP;
	t->off = off;
	t->vni = 0;
	return true;
}

static bool
probe_gtpv1(const uint8_t *p, uint32_t len, struct vg_udp_tunnel *t)
{
	if (len < 8 || (p[0] >> 5) != 1 || !(p[0] & 0x10) || p[1] != 0xff)
		return false;
	uint32_t off = 8;

	if (p[0] & 0x07) {
		/* Sequence number, N-PDU number and next extension header type. */
		if (len < 12)
			return false;
		uint8_t next = p[11];

		off = 12;
		while (next != 0) {
			if (off + 1 > len || p[off] == 0)
				return false;
			uint32_t elen = (uint32_t)p[off] * 4;

			if (off + elen > len)
				return false;
			next = p[off + elen - 1];
			off += elen;
		}
	}
	if (off >= len || ((p[off] >> 4) != 4 && (p[off] >> 4) != 6))
		return false;
	t->type = VG_TUN_GTPV1;
	t->inner = INNER_IP;
	t->off = off;
	t->vni = vg_be32(p + 4);
	return true;
}

/* Teredo: IPv6 right after optional authentication and origin headers. */
static bool
probe_teredo(const uint8_t *p, uint32_t len, struct vg_udp_tunnel *t)
{
	uint32_t off = 0;

	if (len >= 4 && p[0] == 0x00 && p[1] == 0x01) {
		/* Authentication: id length, auth length, nonce (8), confirmation (1). */
		uint32_t alen = 13u + p[2] + p[3];

		if (alen > len)
			return false;
		off += alen;
	}
	if (off + 8 <= len && p[off] == 0x00 && p[off + 1] == 0x00)
		off += 8; /* origin indication */
	if (off + 40 > len || (p[off] >> 4) != 6)
		return false;
	/* The IPv6 payload length must account for exactly the rest. */
	if (40u + vg_be16(p + off + 4) != len - off)
		return false;
	t->type = VG_TUN_TEREDO;
	t->inner = INNER_IP;
	t->off = off;
	t->vni = 0;
	return true;
}

bool
vg_udp_tunnel_probe(struct vg_decoder *d, const struct vg_pkt *pkt, struct vg_udp_tunnel *t)
{
	const uint8_t *p = pkt->payload;
	uint32_t len = pkt->payload_cap;

	(void)d;
	if (pkt->ip_proto != 17 || pkt->l4_ok != VG_L4_FULL || pkt->bad_checksum || p == NULL)
		return false;
	memset(t, 0, sizeof(*t));
	if (pkt->dport == PORT_VXLAN || pkt->sport == PORT_VXLAN)
		return probe_vxlan(p, len, t);
	if (pkt->dport == PORT_GENEVE || pkt->sport == PORT_GENEVE)
		return probe_geneve(p, len, t);
	if (pkt->dport == PORT_AYIYA || pkt->sport == PORT_AYIYA)
		return probe_ayiya(p, len, t);
	if (pkt->dport == PORT_GTPV1_U || pkt->sport == PORT_GTPV1_U)
		return probe_gtpv1(p, len, t);
	if (pkt->dport == PORT_GRE_UDP || pkt->sport == PORT_GRE_UDP) {
		t->type = VG_TUN_GRE;
		t->inner = INNER_GRE;
		return len >= 4;
	}
	return probe_teredo(p, len, t);
}

enum vg_decode_result
vg_udp_tunnel_enter(struct vg_decoder *d, struct vg_pkt *pkt, const struct vg_udp_tunnel *t,
	const struct vg_tunnel *outer)
{
	const uint8_t *p = pkt->payload + t->off;
	uint32_t len = pkt->payload_cap - t->off;

	if (t->inner == INNER_GRE) {
		uint8_t before = pkt->ntunnels;
		enum vg_decode_result r = decode_gre_at(d, pkt, p, len);

		/* Not entered (depth, bad header): the packet ends here. */
		return pkt->ntunnels == before ? VG_DECODE_DROPPED : r;
	}
	if (!push_tunnel(d, pkt, outer))
		return VG_DECODE_DROPPED;
	return decode_inner(d, pkt, (enum inner_kind)t->inner, 0, p, len);
}

/* ---- mirror transport ---------------------------------------------------- */

bool
vg_mirror_strip(struct vg_decoder *d, struct vg_pkt *pkt, enum vg_decode_result *r)
{
	struct vg_udp_tunnel t;
	const uint8_t *p = pkt->payload;
	uint32_t len = pkt->payload_cap;
	bool vx, gn;

	if (d->cfg.mirror == 0 || pkt->ip_proto != 17 || pkt->l4_ok != VG_L4_FULL || p == NULL)
		return false;
	vx = (d->cfg.mirror & VG_MIRROR_VXLAN) &&
		pkt->dport == (d->cfg.mirror_port ? d->cfg.mirror_port : PORT_VXLAN);
	gn = (d->cfg.mirror & VG_MIRROR_GENEVE) &&
		pkt->dport == (d->cfg.mirror_port ? d->cfg.mirror_port : PORT_GENEVE);
	if ((!vx && !gn) || !to_collector(d, pkt))
		return false;
	memset(&t, 0, sizeof(t));
	/* A configured port may carry either: VXLAN has its I flag, GENEVE version 0. */
	if (vx && len >= 8 && (p[0] & 0x08) && probe_vxlan(p, len, &t)) {
	} else if (gn && probe_geneve(p, len, &t)) {
	} else {
		return false;
	}
	pkt->mirrored = 1;
	pkt->session = t.session;
	pkt->has_l2 = 0; /* the mirrored frame's own L2 is what counts */
	pkt->nvlan = 0;
	d->stats.mirror_packets++;
	*r = decode_inner(d, pkt, (enum inner_kind)t.inner, 0, p + t.off, len - t.off);
	return true;
}
