/* SPDX-License-Identifier: BSD-3-Clause */
#include "vg_tap_encap.h"

#include <string.h>

/* pcap's link types (pcap/dlt.h), spelled here so this file needs no libpcap. */
#define DLT_EN10MB_     1
#define DLT_RAW_BSD_    12
#define DLT_RAW_        101
#define DLT_LINUX_SLL_  113
#define DLT_IPV4_       228
#define DLT_IPV6_       229
#define DLT_LINUX_SLL2_ 276

#define SLL_LEN  16
#define SLL2_LEN 20

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

enum vg_tap_link
vg_tap_link_of(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB_:
		return VG_TAP_LINK_ETHERNET;
	case DLT_LINUX_SLL_:
		return VG_TAP_LINK_SLL;
	case DLT_LINUX_SLL2_:
		return VG_TAP_LINK_SLL2;
	case DLT_RAW_BSD_:
	case DLT_RAW_:
	case DLT_IPV4_:
	case DLT_IPV6_:
		return VG_TAP_LINK_RAW;
	default:
		return VG_TAP_LINK_UNKNOWN;
	}
}

void
vg_tap_vxlan_header(uint8_t out[VG_TAP_VXLAN_LEN], uint32_t vni)
{
	out[0] = 0x08; /* I flag: the VNI is valid (RFC 7348, 5) */
	out[1] = out[2] = out[3] = 0;
	out[4] = (uint8_t)(vni >> 16);
	out[5] = (uint8_t)(vni >> 8);
	out[6] = (uint8_t)vni;
	out[7] = 0;
}

/* An Ethernet header with the given source address (or zeros) and type. */
static void
made_up_eth(uint8_t eth[VG_TAP_ETH_LEN], const uint8_t *src, uint16_t len, uint16_t type)
{
	memset(eth, 0, VG_TAP_ETH_LEN);
	if (src != NULL && len == 6)
		memcpy(eth + 6, src, 6);
	eth[12] = (uint8_t)(type >> 8);
	eth[13] = (uint8_t)type;
}

/* EtherType of a bare IP packet from its version nibble, or 0. */
static uint16_t
ip_ethertype(const uint8_t *p, uint32_t len)
{
	if (len < 1)
		return 0;
	switch (p[0] >> 4) {
	case 4:
		return ETHERTYPE_IPV4;
	case 6:
		return ETHERTYPE_IPV6;
	default:
		return 0;
	}
}

int
vg_tap_frame(enum vg_tap_link link, const uint8_t *pkt, uint32_t caplen,
	uint8_t eth[VG_TAP_ETH_LEN], uint32_t *hdr_len)
{
	uint16_t type;

	*hdr_len = 0;
	switch (link) {
	case VG_TAP_LINK_ETHERNET:
		return caplen >= VG_TAP_ETH_LEN ? 0 : -1;
	case VG_TAP_LINK_SLL:
		if (caplen < SLL_LEN)
			return -1;
		type = be16(pkt + 14);
		made_up_eth(eth, pkt + 6, be16(pkt + 4), type);
		*hdr_len = VG_TAP_ETH_LEN;
		return SLL_LEN;
	case VG_TAP_LINK_SLL2:
		if (caplen < SLL2_LEN)
			return -1;
		type = be16(pkt);
		made_up_eth(eth, pkt + 12, pkt[11], type);
		*hdr_len = VG_TAP_ETH_LEN;
		return SLL2_LEN;
	case VG_TAP_LINK_RAW:
		type = ip_ethertype(pkt, caplen);
		if (type == 0)
			return -1;
		made_up_eth(eth, NULL, 0, type);
		*hdr_len = VG_TAP_ETH_LEN;
		return 0;
	default:
		return -1;
	}
}

/* FNV-1a over a run of bytes, continuing h. */
static uint32_t
fnv1a(uint32_t h, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The two addresses in a fixed order, so both directions hash alike. */
static uint32_t
pair_hash(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint32_t h = 2166136261u;

	if (memcmp(a, b, n) > 0) {
		const uint8_t *t = a;

		a = b;
		b = t;
	}
	h = fnv1a(h, a, n);
	h = fnv1a(h, b, n);
	return h ? h : 1;
}

/*
 * Only the addresses are hashed, not the ports: a fragment carries no ports,
 * and every packet of a flow, fragments included, must take the same socket.
 */
static uint32_t
ip_hash(const uint8_t *p, uint32_t len)
{
	if (len >= 20 && p[0] >> 4 == 4)
		return pair_hash(p + 12, p + 16, 4);
	if (len >= 40 && p[0] >> 4 == 6)
		return pair_hash(p + 8, p + 24, 16);
	return 0;
}

uint32_t
vg_tap_flow_hash(const uint8_t *frame, uint32_t len, bool is_ip)
{
	if (is_ip)
		return ip_hash(frame, len);
	if (len < VG_TAP_ETH_LEN)
		return 0;
	uint32_t off = 12;
	uint16_t type = be16(frame + off);

	/* Up to two 802.1Q / 802.1ad tags. */
	for (int tags = 0; tags < 2 && (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ); tags++) {
		off += 4;
		if (off + 2 > len)
			return 0;
		type = be16(frame + off);
	}
	off += 2;
	if (type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6)
		return 0;
	return ip_hash(frame + off, len - off);
}
