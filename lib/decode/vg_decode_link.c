/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Link-layer decoding: from the capture's link type down to an IP header.
 * Ethernet with 802.1Q/QinQ, VN-Tag, Cisco FabricPath, 802.1ah (PBB), MPLS,
 * PPPoE; PPP, Linux cooked v1/v2, BSD null/loopback, NFLOG, 802.11 with or
 * without radiotap, FDDI, raw IP.
 */
#include "vg_decode.h"
#include "vg_decode_private.h"

#define ETH_HLEN 14

#define ETHERTYPE_IPV4     0x0800
#define ETHERTYPE_ARP      0x0806
#define ETHERTYPE_VLAN     0x8100
#define ETHERTYPE_QINQ     0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_IPV6     0x86dd
#define ETHERTYPE_MPLS     0x8847
#define ETHERTYPE_MPLS_MC  0x8848
#define ETHERTYPE_PPPOE_S  0x8864
#define ETHERTYPE_PBB      0x88e7
#define ETHERTYPE_FABRIC   0x8903
#define ETHERTYPE_VNTAG    0x8926

#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057

static enum vg_decode_result decode_ethertype(
	struct vg_decoder *d, uint16_t type, const uint8_t *p, uint32_t len, struct vg_pkt *pkt);

static bool
layer_step(struct vg_decoder *d, struct vg_pkt *pkt)
{
	uint8_t max = d->cfg.max_layers ? d->cfg.max_layers : 16;

	if (++pkt->layers > max) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TOO_MANY_LAYERS, VG_WEIRD_SCOPE_NET, "ETHERNET");
		return false;
	}
	return true;
}

/* Chooses IPv4 or IPv6 from the version nibble (MPLS, raw links). */
static enum vg_decode_result
decode_ip_guess(struct vg_decoder *d, const uint8_t *p, uint32_t len, struct vg_pkt *pkt)
{
	if (len < 1) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_IP, VG_WEIRD_SCOPE_NET, "IP");
		return VG_DECODE_DROPPED;
	}
	switch (p[0] >> 4) {
	case 4:
	case 6:
		return vg_decode_ip(d, p, len, pkt);
	default:
		d->stats.not_ip++;
		return VG_DECODE_NOT_IP;
	}
}

static enum vg_decode_result
decode_mpls(struct vg_decoder *d, const uint8_t *p, uint32_t len, struct vg_pkt *pkt)
{
	for (;;) {
		if (!layer_step(d, pkt))
			return VG_DECODE_DROPPED;
		if (len <= 4) { /* Zeek's MPLS.cc: a label with nothing after it too */
			vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_MPLS, VG_WEIRD_SCOPE_NET, "MPLS");
			return VG_DECODE_DROPPED;
		}
		bool bottom = p[2] & 0x01;
		p += 4;
		len -= 4;
		if (bottom)
			break;
	}
	return decode_ip_guess(d, p, len, pkt);
}

static enum vg_decode_result
decode_ppp_proto(
	struct vg_decoder *d, uint16_t proto, const uint8_t *p, uint32_t len, struct vg_pkt *pkt)
{
	switch (proto) {
	case PPP_IPV4:
	case PPP_IPV6:
		return vg_decode_ip(d, p, len, pkt);
	default:
		d->stats.not_ip++;
		return VG_DECODE_NOT_IP;
	}
}

static enum vg_decode_result
decode_pppoe(struct vg_decoder *d, const uint8_t *p, uint32_t len, struct vg_pkt *pkt)
{
	/* ver/type, code, session id, length, then the PPP protocol. */
	if (len <= 8) { /* Zeek's PPPoE.cc: nothing after the header is a weird too */
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_PPPOE, VG_WEIRD_SCOPE_NET, "PPPOE");
		return VG_DECODE_DROPPED;
	}
	return decode_ppp_proto(d, vg_be16(p + 6), p + 8, len - 8, pkt);
}

enum vg_decode_result
vg_decode_ether(struct vg_decoder *d, const uint8_t *p, uint32_t len, struct vg_pkt *pkt)
{
	if (!layer_step(d, pkt))
		return VG_DECODE_DROPPED;
	if (len < ETH_HLEN) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_ETHERNET, VG_WEIRD_SCOPE_NET, "ETHERNET");
		return VG_DECODE_DROPPED;
	}
	if (!pkt->has_l2) {
		memcpy(pkt->l2_dst, p, 6);
		memcpy(pkt->l2_src, p + 6, 6);
		pkt->has_l2 = 1;
	}
	uint16_t type = vg_be16(p + 12);

	if (type < 1536) {
		/* 802.3 length field: LLC; SNAP may carry an ethertype. */
		if (len >= ETH_HLEN + 8 && p[14] == 0xaa && p[15] == 0xaa && p[16] == 0x03)
			return decode_ethertype(d, vg_be16(p + 20), p + 22, len - 22, pkt);
		d->stats.not_ip++;
		return VG_DECODE_NOT_IP;
	}
	return decode_ethertype(d, type, p + ETH_HLEN, len - ETH_HLEN, pkt);
}

static enum vg_decode_result
decode_ethertype(
	struct vg_decoder *d, uint16_t type, const uint8_t *p, uint32_t len, struct vg_pkt *pkt)
{
	for (;;) {
		switch (type) {
		case ETHERTYPE_IPV4:
		case ETHERTYPE_IPV6:
			return vg_decode_ip(d, p, len, pkt);
		case ETHERTYPE_VLAN:
		case ETHERTYPE_QINQ:
		case ETHERTYPE_QINQ_OLD:
			if (!layer_step(d, pkt))
				return VG_DECODE_DROPPED;
			if (len < 4) {
				vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_VLAN, VG_WEIRD_SCOPE_NET,
					"VLAN");
				return VG_DECODE_DROPPED;
			}
			if (pkt->nvlan == 0)
				pkt->vlan = vg_be16(p) & 0x0fff;
			else if (pkt->nvlan == 1)
				pkt->inner_vlan = vg_be16(p) & 0x0fff;
			pkt->nvlan++;
			type = vg_be16(p + 2);
			p += 4;
			len -= 4;
			continue;
		case ETHERTYPE_VNTAG:
			/* 4 bytes of tag, then the ethertype. */
			if (!layer_step(d, pkt))
				return VG_DECODE_DROPPED;
			if (len < 6) {
				vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_ETHERNET,
					VG_WEIRD_SCOPE_NET, "VNTAG");
				return VG_DECODE_DROPPED;
			}
			type = vg_be16(p + 4);
			p += 6;
			len -= 6;
			continue;
		case ETHERTYPE_FABRIC:
			/* FabricPath: 2 bytes of FTag/TTL, then the original frame. */
			if (len < 2) {
				vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_ETHERNET,
					VG_WEIRD_SCOPE_NET, "ETHERNET");
				return VG_DECODE_DROPPED;
			}
			return vg_decode_ether(d, p + 2, len - 2, pkt);
		case ETHERTYPE_PBB:
			/* 802.1ah: a 4-byte I-TAG, then the customer's frame. */
			if (len < 4) {
				vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_ETHERNET,
					VG_WEIRD_SCOPE_NET, "ETHERNET");
				return VG_DECODE_DROPPED;
			}
			return vg_decode_ether(d, p + 4, len - 4, pkt);
		case ETHERTYPE_MPLS:
		case ETHERTYPE_MPLS_MC:
			return decode_mpls(d, p, len, pkt);
		case ETHERTYPE_PPPOE_S:
			if (!layer_step(d, pkt))
				return VG_DECODE_DROPPED;
			return decode_pppoe(d, p, len, pkt);
		default:
			d->stats.not_ip++;
			return VG_DECODE_NOT_IP;
		}
	}
}

enum vg_decode_result
vg_decode_ppp(struct vg_decoder *d, const uint8_t *p, uint32_t len, struct vg_pkt *pkt)
{
	if (len >= 2 && p[0] == 0xff && p[1] == 0x03) {
		p += 2;
		len -= 2;
	}
	if (len < 2) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_LINK_HEADER, VG_WEIRD_SCOPE_NET, "PPP");
		return VG_DECODE_DROPPED;
	}
	/* A protocol field may be compressed to one odd byte. */
	if (p[0] & 0x01)
		return decode_ppp_proto(d, p[0], p + 1, len - 1, pkt);
	return decode_ppp_proto(d, vg_be16(p), p + 2, len - 2, pkt);
}

static enum vg_decode_result
decode_ppp_serial(struct vg_decoder *d, const uint8_t *p, uint32_t len, struct vg_pkt *pkt)
{
	if (len >= 4 && (p[0] == 0x0f || p[0] == 0x8f) && p[1] == 0x00)
		return decode_ethertype(d, vg_be16(p + 2), p + 4, len - 4, pkt);
	return vg_decode_ppp(d, p, len, pkt);
}

static enum vg_decode_result
decode_null(
	struct vg_decoder *d, const uint8_t *p, uint32_t len, bool net_order, struct vg_pkt *pkt)
{
	if (len <= 4) { /* Zeek's Null.cc */
		vg_pkt_weird(d, pkt, VG_WEIRD_NULL_FAILED, VG_WEIRD_SCOPE_NET, "NULL");
		return VG_DECODE_DROPPED;
	}
	uint32_t family = net_order ? vg_be32(p) : vg_le32(p);

	/* The writer's byte order is unknown: accept either. */
	if (family > 0xffff)
		family = net_order ? vg_le32(p) : vg_be32(p);
	switch (family) {
	case 2: /* AF_INET */
		return vg_decode_ip(d, p + 4, len - 4, pkt);
	case 10: /* Linux */
	case 24: /* NetBSD, OpenBSD */
	case 28: /* FreeBSD */
	case 30: /* macOS */
		return vg_decode_ip(d, p + 4, len - 4, pkt);
	default:
		d->stats.not_ip++;
		return VG_DECODE_NOT_IP;
	}
}

/*
 * FDDI as Zeek's packet analyzer takes it (src/packet_analysis/protocol/fddi,
 * scripts/base/packet-protocols/fddi/main.zeek): 13 bytes of FDDI header
 * (frame control, destination, source) and 8 of LLC/SNAP are skipped without
 * reading them, and what follows goes to the default analyzer, which picks IPv4
 * or IPv6 by the version nibble. A frame of 21 bytes or less is a weird.
 */
#define FDDI_HLEN (13 + 8)

static enum vg_decode_result
decode_fddi(struct vg_decoder *d, const uint8_t *p, uint32_t len, struct vg_pkt *pkt)
{
	if (len <= FDDI_HLEN) {
		vg_pkt_weird(d, pkt, VG_WEIRD_FDDI_FAILED, VG_WEIRD_SCOPE_NET, "FDDI");
		return VG_DECODE_DROPPED;
	}
	return decode_ip_guess(d, p + FDDI_HLEN, len - FDDI_HLEN, pkt);
}

static enum vg_decode_result
decode_sll(struct vg_decoder *d, const uint8_t *p, uint32_t len, struct vg_pkt *pkt)
{
	if (len <= 16) { /* Zeek's LinuxSLL.cc */
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_SLL, VG_WEIRD_SCOPE_NET, "SLL");
		return VG_DECODE_DROPPED;
	}
	return decode_ethertype(d, vg_be16(p + 14), p + 16, len - 16, pkt);
}

static enum vg_decode_result
decode_sll2(struct vg_decoder *d, const uint8_t *p, uint32_t len, struct vg_pkt *pkt)
{
	if (len <= 20) { /* Zeek's LinuxSLL2.cc */
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_SLL2, VG_WEIRD_SCOPE_NET, "SLL2");
		return VG_DECODE_DROPPED;
	}
	return decode_ethertype(d, vg_be16(p), p + 20, len - 20, pkt);
}

/*
 * NFLOG as Zeek's NFLog.cc takes it: family, version (must be 0), resource
 * id, then TLVs (host byte order, padded to 4) up to the payload TLV (type 9).
 */
static enum vg_decode_result
decode_nflog(struct vg_decoder *d, const uint8_t *p, uint32_t len, struct vg_pkt *pkt)
{
	if (len <= 4) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_NFLOG, VG_WEIRD_SCOPE_NET, "NFLOG");
		return VG_DECODE_DROPPED;
	}
	if (p[1] != 0) {
		vg_pkt_weird(d, pkt, VG_WEIRD_NFLOG_VERSION, VG_WEIRD_SCOPE_NET, "NFLOG");
		return VG_DECODE_DROPPED;
	}
	uint8_t family = p[0];
	uint32_t off = 4;

	for (;;) {
		if (len - off <= 4) {
			vg_pkt_weird(
				d, pkt, VG_WEIRD_NFLOG_NO_PAYLOAD, VG_WEIRD_SCOPE_NET, "NFLOG");
			return VG_DECODE_DROPPED;
		}
		uint32_t tlv_len = vg_le16(p + off);
		uint16_t tlv_type = vg_le16(p + off + 2);

		if (tlv_type == 9) { /* NFULA_PAYLOAD */
			if (family != 2 && family != 10) {
				d->stats.not_ip++;
				return VG_DECODE_NOT_IP;
			}
			/* The payload's own length, when it fits; else what was captured. */
			uint32_t plen = tlv_len >= 4 && tlv_len <= len - off ? tlv_len - 4u
									     : len - off - 4u;

			return vg_decode_ip(d, p + off + 4, plen, pkt);
		}
		if (tlv_len < 4) {
			vg_pkt_weird(
				d, pkt, VG_WEIRD_NFLOG_BAD_TLV_LEN, VG_WEIRD_SCOPE_NET, "NFLOG");
			return VG_DECODE_DROPPED;
		}
		tlv_len = (tlv_len + 3u) & ~3u;
		if (tlv_len >= len - off) {
			/* Past the end: no payload TLV in what was captured. */
			vg_pkt_weird(
				d, pkt, VG_WEIRD_NFLOG_NO_PAYLOAD, VG_WEIRD_SCOPE_NET, "NFLOG");
			return VG_DECODE_DROPPED;
		}
		off += tlv_len;
	}
}

enum vg_decode_result
vg_decode_80211(struct vg_decoder *d, const uint8_t *p, uint32_t len, struct vg_pkt *pkt)
{
	if (len < 24) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_80211, VG_WEIRD_SCOPE_NET, "IEEE802_11");
		return VG_DECODE_DROPPED;
	}
	uint16_t fc = vg_le16(p);
	uint8_t type = (fc >> 2) & 0x3;
	uint8_t subtype = (fc >> 4) & 0xf;
	uint8_t flags = fc >> 8;
	uint32_t hlen = 24;
	bool amsdu = false;

	if (type != 2) { /* only data frames carry IP */
		d->stats.not_ip++;
		return VG_DECODE_NOT_IP;
	}
	if (subtype & 0x4) { /* null function: no body */
		d->stats.not_ip++;
		return VG_DECODE_NOT_IP;
	}
	if ((flags & 0x03) == 0x03)
		hlen += 6; /* four addresses */
	if (subtype & 0x8) {
		uint32_t qos = ((flags & 0x03) == 0x03) ? 30 : 24;

		hlen += 2; /* QoS control */
		amsdu = len > qos && (p[qos] & 0x80);
		if (flags & 0x80)
			hlen += 4; /* HT control */
	}
	if (flags & 0x40) { /* protected: encrypted payload */
		d->stats.not_ip++;
		return VG_DECODE_NOT_IP;
	}
	if (len < hlen + 8) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_80211, VG_WEIRD_SCOPE_NET, "IEEE802_11");
		return VG_DECODE_DROPPED;
	}
	/* Source and destination depend on the DS bits. */
	const uint8_t *da = p + 4, *sa = p + 10;

	switch (flags & 0x03) {
	case 0x01: /* to DS */
		da = p + 16;
		sa = p + 10;
		break;
	case 0x02: /* from DS */
		da = p + 4;
		sa = p + 16;
		break;
	case 0x03:
		da = p + 16;
		sa = p + 24;
		break;
	}
	memcpy(pkt->l2_dst, da, 6);
	memcpy(pkt->l2_src, sa, 6);
	pkt->has_l2 = 1;

	p += hlen;
	len -= hlen;
	if (amsdu) {
		/* An A-MSDU: the first subframe (DA, SA, length, then LLC) is decoded. */
		if (len < 14 + 8) {
			vg_pkt_weird(
				d, pkt, VG_WEIRD_TRUNCATED_80211, VG_WEIRD_SCOPE_NET, "IEEE802_11");
			return VG_DECODE_DROPPED;
		}
		uint32_t sub = vg_be16(p + 12);
		uint32_t step = (14 + sub + 3u) & ~3u;

		/* Later subframes are handed out by vg_decode_next(). */
		if (step < len) {
			d->more = p + step;
			d->more_len = len - step;
		}
		p += 14;
		len = VG_MIN(len - 14, sub);
		if (len < 8) {
			vg_pkt_weird(
				d, pkt, VG_WEIRD_TRUNCATED_80211, VG_WEIRD_SCOPE_NET, "IEEE802_11");
			return VG_DECODE_DROPPED;
		}
	}
	if (p[0] != 0xaa || p[1] != 0xaa || p[2] != 0x03) {
		d->stats.not_ip++;
		return VG_DECODE_NOT_IP;
	}
	return decode_ethertype(d, vg_be16(p + 6), p + 8, len - 8, pkt);
}

static enum vg_decode_result
decode_radiotap(struct vg_decoder *d, const uint8_t *p, uint32_t len, struct vg_pkt *pkt)
{
	if (len < 8) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_RADIOTAP, VG_WEIRD_SCOPE_NET, "RADIOTAP");
		return VG_DECODE_DROPPED;
	}
	uint16_t hlen = vg_le16(p + 2);

	if (hlen < 8 || hlen > len) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_RADIOTAP, VG_WEIRD_SCOPE_NET, "RADIOTAP");
		return VG_DECODE_DROPPED;
	}
	return vg_decode_80211(d, p + hlen, len - hlen, pkt);
}

enum vg_decode_result
vg_decode_next(struct vg_decoder *d, struct vg_pkt *pkt)
{
	while (d->more_len >= 14 + 8) {
		const uint8_t *p = d->more;
		uint32_t len = d->more_len;
		uint32_t sub = vg_be16(p + 12);
		uint32_t step = (14 + sub + 3u) & ~3u;

		if (step < len) {
			d->more = p + step;
			d->more_len = len - step;
		} else {
			d->more_len = 0;
		}
		len = VG_MIN(len - 14, sub);
		p += 14;
		if (len < 8 || p[0] != 0xaa || p[1] != 0xaa || p[2] != 0x03)
			continue;
		size_t from = offsetof(struct vg_pkt, ip_version);
		size_t to = offsetof(struct vg_pkt, ntunnels);

		memset((uint8_t *)pkt + from, 0, to - from);
		pkt->nweirds = 0;
		return decode_ethertype(d, vg_be16(p + 6), p + 8, len - 8, pkt);
	}
	d->more_len = 0;
	return VG_DECODE_NOT_IP;
}

bool
vg_link_supported(int link)
{
	switch (link) {
	case VG_LINK_NULL:
	case VG_LINK_ETHERNET:
	case VG_LINK_PPP:
	case VG_LINK_FDDI:
	case VG_LINK_RAW:
	case VG_LINK_RAW_ALT:
	case VG_LINK_PPP_SERIAL:
	case VG_LINK_LINKTYPE_RAW:
	case VG_LINK_IEEE802_11:
	case VG_LINK_LOOP:
	case VG_LINK_LINUX_SLL:
	case VG_LINK_IEEE802_11_RADIO:
	case VG_LINK_IPV4:
	case VG_LINK_IPV6:
	case VG_LINK_NFLOG:
	case VG_LINK_LINUX_SLL2:
		return true;
	default:
		return false;
	}
}

enum vg_decode_result
vg_decode(struct vg_decoder *d, int link, const uint8_t *data, uint32_t cap_len, uint32_t wire_len,
	uint64_t ts_ns, struct vg_pkt *pkt)
{
	enum vg_decode_result r;

	memset(pkt, 0, offsetof(struct vg_pkt, weirds));
	d->more_len = 0;
	pkt->ts_ns = ts_ns;
	pkt->cap_len = cap_len;
	pkt->wire_len = wire_len;
	d->stats.packets++;
	d->stats.bytes += wire_len;

	switch (link) {
	case VG_LINK_ETHERNET:
		r = vg_decode_ether(d, data, cap_len, pkt);
		break;
	case VG_LINK_RAW:
	case VG_LINK_RAW_ALT:
	case VG_LINK_LINKTYPE_RAW:
	case VG_LINK_IPV4:
	case VG_LINK_IPV6:
		r = decode_ip_guess(d, data, cap_len, pkt);
		break;
	case VG_LINK_NULL:
		r = decode_null(d, data, cap_len, false, pkt);
		break;
	case VG_LINK_LOOP:
		r = decode_null(d, data, cap_len, true, pkt);
		break;
	case VG_LINK_PPP:
		r = vg_decode_ppp(d, data, cap_len, pkt);
		break;
	case VG_LINK_PPP_SERIAL:
		r = decode_ppp_serial(d, data, cap_len, pkt);
		break;
	case VG_LINK_FDDI:
		r = decode_fddi(d, data, cap_len, pkt);
		break;
	case VG_LINK_LINUX_SLL:
		r = decode_sll(d, data, cap_len, pkt);
		break;
	case VG_LINK_LINUX_SLL2:
		r = decode_sll2(d, data, cap_len, pkt);
		break;
	case VG_LINK_NFLOG:
		r = decode_nflog(d, data, cap_len, pkt);
		break;
	case VG_LINK_IEEE802_11:
		r = vg_decode_80211(d, data, cap_len, pkt);
		break;
	case VG_LINK_IEEE802_11_RADIO:
		r = decode_radiotap(d, data, cap_len, pkt);
		break;
	default:
		vg_pkt_weird(d, pkt, VG_WEIRD_UNKNOWN_LINK_TYPE, VG_WEIRD_SCOPE_NET, "LINK");
		r = VG_DECODE_DROPPED;
		break;
	}
	if (r == VG_DECODE_DROPPED)
		d->stats.dropped++;
	d->rx_cksum = 0; /* for this frame only, even when it held no IP */
	return r;
}
