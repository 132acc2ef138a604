/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen mirror wrapping, input side: find the network-layer packet(s) of an input packet
 * whatever its link type (Ethernet, raw IP, Linux cooked v1/v2, BSD null/loop, PPP, NFLOG,
 * 802.11 with or without radiotap), so that it can be put in an Ethernet frame or stripped
 * down to its IP header. The L3 bytes are never changed: only the link header goes, and link
 * trailers known as such (Ethernet padding, an FCS that radiotap flags).
 */
#include <string.h>

#include "vg_wrap.h"

#define VG_ETH_HLEN       14u
#define VG_ETH_MIN_PADDED 64u

#define VG_ET_IP4         0x0800u
#define VG_ET_IP6         0x86ddu
#define VG_ET_VLAN        0x8100u
#define VG_ET_QINQ        0x88a8u
#define VG_ET_QINQ_OLD    0x9100u
#define VG_ET_MPLS        0x8847u
#define VG_ET_MPLS_MC     0x8848u
#define VG_ET_PPPOE_S     0x8864u
#define VG_ET_PBB         0x88e7u
#define VG_ET_FABRIC      0x8903u
#define VG_ET_VNTAG       0x8926u
#define VG_ET_MIN         1536u
#define VG_PPP_IP4        0x0021u
#define VG_PPP_IP6        0x0057u
#define VG_ARPHRD_NETLINK 824u

#define VG_NFULA_PAYLOAD      9u
#define VG_RADIOTAP_F_DATAPAD 0x20u
#define VG_RADIOTAP_F_FCS     0x10u
#define VG_WALK_MAX_DEPTH     16

static inline uint16_t
vg_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint16_t
vg_le16(const uint8_t *p)
{
	return (uint16_t)((p[1] << 8) | p[0]);
}

static inline uint32_t
vg_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint32_t
vg_be32(const uint8_t *p)
{
	return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

bool
vg_wrap_link_supported(int link)
{
	switch (link) {
	case VG_LT_NULL:
	case VG_LT_EN10MB:
	case VG_LT_PPP:
	case VG_LT_RAW:
	case VG_LT_RAW_OPENBSD:
	case VG_LT_PPP_SERIAL:
	case VG_LT_LINKTYPE_RAW:
	case VG_LT_IEEE802_11:
	case VG_LT_LOOP:
	case VG_LT_LINUX_SLL:
	case VG_LT_RADIOTAP:
	case VG_LT_IPV4:
	case VG_LT_IPV6:
	case VG_LT_NFLOG:
	case VG_LT_LINUX_SLL2:
		return true;
	default:
		return false;
	}
}

/* A view of bytes: captured length and length on the wire (wire >= cap). */
struct vg_span {
	const uint8_t *p;
	uint32_t cap;
	uint32_t wire;
};

static inline bool
vg_span_skip(struct vg_span *s, uint32_t n)
{
	if (s->cap < n)
		return false;
	s->p += n;
	s->cap -= n;
	s->wire -= n;
	return true;
}

/* The IP packet in s if it starts with the version nibble the Ethernet type promises. */
static bool
vg_set_ip(struct vg_wrap_l3 *u, const struct vg_span *s, uint8_t want)
{
	uint8_t ver;

	if (s->cap < 1)
		return false;
	ver = s->p[0] >> 4;
	if ((ver != 4 && ver != 6) || (want != 0 && ver != want))
		return false;
	u->ip = s->p;
	u->ip_cap = s->cap;
	u->ip_wire = s->wire;
	u->ipver = ver;
	return true;
}

/*
 * Follow an Ethernet type through VLAN tags, VN-Tag, FabricPath, 802.1ah, MPLS and PPPoE down to
 * an IP header, as vigil's decoder does. Sets u->ip when one is found.
 */
static bool
vg_walk_etype(uint16_t type, struct vg_span s, struct vg_wrap_l3 *u)
{
	int depth;

	for (depth = 0; depth < VG_WALK_MAX_DEPTH; depth++) {
		switch (type) {
		case VG_ET_IP4:
			return vg_set_ip(u, &s, 4);
		case VG_ET_IP6:
			return vg_set_ip(u, &s, 6);
		case VG_ET_VLAN:
		case VG_ET_QINQ:
		case VG_ET_QINQ_OLD:
			if (s.cap < 4)
				return false;
			type = vg_be16(s.p + 2);
			vg_span_skip(&s, 4);
			break;
		case VG_ET_VNTAG:
			if (s.cap < 6)
				return false;
			type = vg_be16(s.p + 4);
			vg_span_skip(&s, 6);
			break;
		case VG_ET_FABRIC:
		case VG_ET_PBB:
			/* a 2-byte FTag/TTL or a 4-byte I-TAG, then a whole Ethernet frame */
			if (!vg_span_skip(&s, type == VG_ET_FABRIC ? 2 : 4) || s.cap < VG_ETH_HLEN)
				return false;
			type = vg_be16(s.p + 12);
			vg_span_skip(&s, VG_ETH_HLEN);
			if (type < VG_ET_MIN) {
				if (s.cap < 8 || s.p[0] != 0xaa || s.p[1] != 0xaa || s.p[2] != 0x03)
					return false;
				type = vg_be16(s.p + 6);
				vg_span_skip(&s, 8);
			}
			break;
		case VG_ET_MPLS:
		case VG_ET_MPLS_MC:
			for (;;) {
				bool bottom;

				if (s.cap < 4)
					return false;
				bottom = s.p[2] & 0x01;
				vg_span_skip(&s, 4);
				if (bottom)
					break;
			}
			return vg_set_ip(u, &s, 0);
		case VG_ET_PPPOE_S:
			if (s.cap < 8)
				return false;
			type = vg_be16(s.p + 6);
			vg_span_skip(&s, 8);
			if (type == VG_PPP_IP4)
				return vg_set_ip(u, &s, 4);
			if (type == VG_PPP_IP6)
				return vg_set_ip(u, &s, 6);
			return false;
		default:
			return false;
		}
	}
	return false;
}

/* The link payload s has Ethernet type type: record it and look for IP inside. */
static void
vg_set_pay(struct vg_wrap_l3 *u, uint16_t type, const struct vg_span *s)
{
	u->pay = s->p;
	u->pay_cap = s->cap;
	u->pay_wire = s->wire;
	u->etype = type >= VG_ET_MIN ? type : 0;
	if (u->etype != 0)
		vg_walk_etype(type, *s, u);
}

/* A payload that is an IP packet (raw, PPP, NFLOG, null): its Ethernet type from its version. */
static void
vg_set_ip_pay(struct vg_wrap_l3 *u, const struct vg_span *s, uint8_t want)
{
	if (!vg_set_ip(u, s, want))
		return;
	u->pay = s->p;
	u->pay_cap = s->cap;
	u->pay_wire = s->wire;
	u->etype = u->ipver == 4 ? VG_ET_IP4 : VG_ET_IP6;
}

static void
vg_link_ether(struct vg_span s, struct vg_wrap_l3 *u)
{
	uint16_t type;

	if (s.cap < VG_ETH_HLEN)
		return;
	type = vg_be16(s.p + 12);
	vg_span_skip(&s, VG_ETH_HLEN);
	if (type < VG_ET_MIN) {
		/* 802.3 length field: LLC, and SNAP may carry an Ethernet type */
		if (s.cap < 8 || s.p[0] != 0xaa || s.p[1] != 0xaa || s.p[2] != 0x03)
			return;
		type = vg_be16(s.p + 6);
		vg_span_skip(&s, 8);
	}
	vg_walk_etype(type, s, u);
}

static void
vg_link_null(struct vg_span s, bool net_order, struct vg_wrap_l3 *u)
{
	uint32_t family;

	if (s.cap < 4)
		return;
	family = net_order ? vg_be32(s.p) : vg_le32(s.p);
	/* the writer's byte order is not known: accept either */
	if (family > 0xffff)
		family = net_order ? vg_le32(s.p) : vg_be32(s.p);
	vg_span_skip(&s, 4);
	switch (family) {
	case 2: /* AF_INET */
		vg_set_ip_pay(u, &s, 4);
		break;
	case 10: /* AF_INET6: Linux */
	case 23: /* Windows */
	case 24: /* NetBSD, OpenBSD */
	case 28: /* FreeBSD */
	case 30: /* macOS */
		vg_set_ip_pay(u, &s, 6);
		break;
	default:
		break;
	}
}

static void
vg_link_ppp(struct vg_span s, bool serial, struct vg_wrap_l3 *u)
{
	uint16_t proto;

	/* Cisco HDLC framing in a PPP-serial capture: address, control, Ethernet type */
	if (serial && s.cap >= 4 && (s.p[0] == 0x0f || s.p[0] == 0x8f) && s.p[1] == 0x00) {
		proto = vg_be16(s.p + 2);
		vg_span_skip(&s, 4);
		vg_set_pay(u, proto, &s);
		return;
	}
	if (s.cap >= 2 && s.p[0] == 0xff && s.p[1] == 0x03)
		vg_span_skip(&s, 2);
	if (s.cap < 1)
		return;
	/* the protocol field may be compressed to one odd byte */
	if (s.p[0] & 0x01) {
		proto = s.p[0];
		vg_span_skip(&s, 1);
	} else {
		if (s.cap < 2)
			return;
		proto = vg_be16(s.p);
		vg_span_skip(&s, 2);
	}
	if (proto == VG_PPP_IP4)
		vg_set_ip_pay(u, &s, 4);
	else if (proto == VG_PPP_IP6)
		vg_set_ip_pay(u, &s, 6);
}

static void
vg_link_sll(struct vg_span s, bool v2, struct vg_wrap_l3 *u)
{
	uint32_t hlen = v2 ? 20 : 16;
	uint16_t arphrd, proto;

	if (s.cap < hlen)
		return;
	arphrd = vg_be16(s.p + (v2 ? 8 : 2));
	proto = vg_be16(s.p + (v2 ? 0 : 14));
	if (arphrd == VG_ARPHRD_NETLINK)
		return;
	vg_span_skip(&s, hlen);
	vg_set_pay(u, proto, &s);
}

static void
vg_link_nflog(struct vg_span s, struct vg_wrap_l3 *u)
{
	uint32_t off = 4;

	/* family, version, resource id; then 4-byte aligned TLVs in the host's byte order */
	while (off + 4 <= s.cap) {
		uint16_t tlen, ttype;

		memcpy(&tlen, s.p + off, 2);
		memcpy(&ttype, s.p + off + 2, 2);
		if (tlen < 4)
			return;
		if (ttype == VG_NFULA_PAYLOAD) {
			struct vg_span pl = s;

			vg_span_skip(&pl, off + 4);
			pl.wire = tlen - 4u;
			if (pl.cap > pl.wire)
				pl.cap = pl.wire;
			vg_set_ip_pay(u, &pl, 0);
			return;
		}
		off += (tlen + 3u) & ~3u;
	}
}

/* An LLC/SNAP header and what follows it. */
static void
vg_snap_pay(struct vg_span s, struct vg_wrap_l3 *u)
{
	uint16_t type;

	if (s.cap < 8 || s.p[0] != 0xaa || s.p[1] != 0xaa || s.p[2] != 0x03)
		return;
	type = vg_be16(s.p + 6);
	vg_span_skip(&s, 8);
	vg_set_pay(u, type, &s);
}

/* An 802.11 frame; data frames with LLC/SNAP (or A-MSDU subframes of them) are convertible. */
static unsigned int
vg_link_80211(struct vg_span s, bool datapad, struct vg_wrap_l3 *units, unsigned int max)
{
	uint8_t fc0, fc1, type, subtype;
	uint32_t hlen = 24;
	bool amsdu = false;
	unsigned int n = 0;

	if (s.cap < 24)
		return 1;
	fc0 = s.p[0];
	fc1 = s.p[1];
	type = (fc0 >> 2) & 0x3;
	subtype = fc0 >> 4;
	/* only data frames with a body; protected ones are encrypted */
	if (type != 2 || (subtype & 0x4) || (fc1 & 0x40))
		return 1;
	if ((fc1 & 0x03) == 0x03)
		hlen += 6; /* four addresses */
	if (subtype & 0x8) {
		if (s.cap < hlen + 2)
			return 1;
		amsdu = (s.p[hlen] & 0x80) != 0;
		hlen += 2; /* QoS control */
		if (fc1 & 0x80)
			hlen += 4; /* HT control */
	}
	if (datapad)
		hlen = (hlen + 3u) & ~3u;
	if (!vg_span_skip(&s, hlen))
		return 1;
	if (!amsdu) {
		vg_snap_pay(s, units);
		return 1;
	}
	/* A-MSDU: subframes of DA, SA, length, LLC/SNAP and payload, each padded to 4 bytes */
	while (n < max && s.cap >= VG_ETH_HLEN + 8) {
		uint32_t sub = vg_be16(s.p + 12);
		uint32_t step = (VG_ETH_HLEN + sub + 3u) & ~3u;
		struct vg_span f = s;

		vg_span_skip(&f, VG_ETH_HLEN);
		if (f.wire > sub)
			f.wire = sub;
		if (f.cap > sub)
			f.cap = sub;
		memset(&units[n], 0, sizeof(units[n]));
		vg_snap_pay(f, &units[n]);
		n++;
		if (step >= s.cap)
			break;
		vg_span_skip(&s, step);
	}
	return n == 0 ? 1 : n;
}

static unsigned int
vg_link_radiotap(struct vg_span s, struct vg_wrap_l3 *units, unsigned int max)
{
	uint32_t hlen, present, off = 4;
	uint8_t flags = 0;

	if (s.cap < 8)
		return 1;
	hlen = vg_le16(s.p + 2);
	if (hlen < 8 || hlen > s.cap)
		return 1;
	/* present bitmaps (bit 31: another follows); TSFT (8 bytes, 8-aligned), then Flags */
	present = vg_le32(s.p + 4);
	while ((vg_le32(s.p + off) & 0x80000000u) && off + 8 <= hlen)
		off += 4;
	off += 4;
	if (present & 0x1)
		off = ((off + 7u) & ~7u) + 8;
	if ((present & 0x2) && off < hlen)
		flags = s.p[off];
	vg_span_skip(&s, hlen);
	if (flags & VG_RADIOTAP_F_FCS) {
		/* the 4-byte FCS at the end is not part of the frame's payload */
		if (s.wire < 4)
			return 1;
		s.wire -= 4;
		if (s.cap > s.wire)
			s.cap = s.wire;
	}
	return vg_link_80211(s, (flags & VG_RADIOTAP_F_DATAPAD) != 0, units, max);
}

/*
 * Ethernet pads frames to 60 bytes (64 with a tag or a captured FCS): in a frame that short, the
 * bytes after the IP packet's own length are padding, not part of the packet. Longer frames are
 * kept whole, whatever follows the IP packet in them.
 */
static void
vg_trim_padding(struct vg_wrap_l3 *u, uint32_t frame_wire)
{
	uint32_t len = 0;

	if (u->ip == NULL || frame_wire > VG_ETH_MIN_PADDED)
		return;
	if (u->ipver == 4 && u->ip_cap >= 4) {
		len = vg_be16(u->ip + 2);
		if (len < 20)
			len = 0;
	} else if (u->ipver == 6 && u->ip_cap >= 6) {
		len = vg_be16(u->ip + 4);
		len = len != 0 ? len + 40 : 0; /* 0: jumbogram */
	}
	if (len == 0 || len > u->ip_wire)
		return;
	u->ip_wire = len;
	if (u->ip_cap > len)
		u->ip_cap = len;
}

/*
 * Split one input packet into its network-layer units (one, except for an 802.11 A-MSDU).
 * A unit with etype 0 cannot be put in an Ethernet frame; for Ethernet input only ip is set.
 * Returns the number of units, at least 1.
 */
unsigned int
vg_wrap_link(int link, const uint8_t *pkt, uint32_t cap, uint32_t wire, struct vg_wrap_l3 *units,
	unsigned int max)
{
	struct vg_span s = {pkt, cap, wire < cap ? cap : wire};
	unsigned int n = 1;

	memset(&units[0], 0, sizeof(units[0]));
	switch (link) {
	case VG_LT_EN10MB:
		vg_link_ether(s, &units[0]);
		vg_trim_padding(&units[0], s.wire);
		break;
	case VG_LT_RAW:
	case VG_LT_RAW_OPENBSD:
	case VG_LT_LINKTYPE_RAW:
		vg_set_ip_pay(&units[0], &s, 0);
		break;
	case VG_LT_IPV4:
		vg_set_ip_pay(&units[0], &s, 4);
		break;
	case VG_LT_IPV6:
		vg_set_ip_pay(&units[0], &s, 6);
		break;
	case VG_LT_NULL:
	case VG_LT_LOOP:
		vg_link_null(s, link == VG_LT_LOOP, &units[0]);
		break;
	case VG_LT_PPP:
	case VG_LT_PPP_SERIAL:
		vg_link_ppp(s, link == VG_LT_PPP_SERIAL, &units[0]);
		break;
	case VG_LT_LINUX_SLL:
	case VG_LT_LINUX_SLL2:
		vg_link_sll(s, link == VG_LT_LINUX_SLL2, &units[0]);
		break;
	case VG_LT_NFLOG:
		vg_link_nflog(s, &units[0]);
		break;
	case VG_LT_IEEE802_11:
		n = vg_link_80211(s, false, units, max);
		break;
	case VG_LT_RADIOTAP:
		n = vg_link_radiotap(s, units, max);
		break;
	default:
		break;
	}
	return n;
}
