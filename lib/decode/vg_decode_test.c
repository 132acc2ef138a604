/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the packet decoder: every packet is built byte by byte here,
 * with checksums computed by the test, then decoded and checked field by field.
 */
#include <stdio.h>
#include <string.h>

#include "vg_test.h"
#include "vg_decode.h"

/* ---- packet building ---------------------------------------------------- */

/* A packet under construction: bytes are appended in wire order. */
struct pb {
	uint8_t b[2048];
	uint32_t len;
};

static void
pb_put(struct pb *p, const void *d, uint32_t n)
{
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

static void
pb_u8(struct pb *p, uint8_t v)
{
	p->b[p->len++] = v;
}

static void
pb_u16(struct pb *p, uint16_t v)
{
	pb_u8(p, (uint8_t)(v >> 8));
	pb_u8(p, (uint8_t)v);
}

static void
pb_u32(struct pb *p, uint32_t v)
{
	pb_u16(p, (uint16_t)(v >> 16));
	pb_u16(p, (uint16_t)v);
}

static void
set_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static const uint8_t mac_dst[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
static const uint8_t mac_src[6] = {0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
static const uint8_t ip_a[4] = {10, 0, 0, 1};
static const uint8_t ip_b[4] = {192, 168, 1, 2};
static const uint8_t ip6_a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t ip6_b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static void
pb_eth(struct pb *p, uint16_t type)
{
	pb_put(p, mac_dst, 6);
	pb_put(p, mac_src, 6);
	pb_u16(p, type);
}

/* The transport checksum over the IPv4 pseudo header; computed independently. */
static uint16_t
cksum_v4(const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *l4, uint32_t len)
{
	uint8_t ph[12];
	uint32_t sum;

	memcpy(ph, src, 4);
	memcpy(ph + 4, dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	set_u16(ph + 10, (uint16_t)len);
	sum = vg_cksum_add(0, ph, sizeof(ph));
	sum = vg_cksum_add(sum, l4, len);
	return vg_cksum_fold(sum);
}

static uint16_t
cksum_v6(const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *l4, uint32_t len)
{
	uint8_t ph[40];
	uint32_t sum;

	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	ph[32] = (uint8_t)(len >> 24);
	ph[33] = (uint8_t)(len >> 16);
	ph[34] = (uint8_t)(len >> 8);
	ph[35] = (uint8_t)len;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = proto;
	sum = vg_cksum_add(0, ph, sizeof(ph));
	sum = vg_cksum_add(sum, l4, len);
	return vg_cksum_fold(sum);
}

/* A TCP segment (header of doff 32-bit words, then payload) into out. */
static uint32_t
mk_tcp(uint8_t *out, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
	uint16_t win, uint8_t doff, const uint8_t *payload, uint32_t plen)
{
	struct pb p = {.len = 0};
	uint32_t hlen = doff >= 5 ? (uint32_t)doff * 4 : 20;

	pb_u16(&p, sport);
	pb_u16(&p, dport);
	pb_u32(&p, seq);
	pb_u32(&p, ack);
	pb_u8(&p, (uint8_t)(doff << 4));
	pb_u8(&p, flags);
	pb_u16(&p, win);
	pb_u16(&p, 0); /* checksum, filled by the caller */
	pb_u16(&p, 0); /* urgent pointer */
	while (p.len < hlen) {
		/* MSS option then end-of-options padding. */
		if (p.len == 20 && hlen >= 24) {
			pb_u8(&p, 2);
			pb_u8(&p, 4);
			pb_u16(&p, 1460);
		} else {
			pb_u8(&p, 0);
		}
	}
	if (plen)
		pb_put(&p, payload, plen);
	memcpy(out, p.b, p.len);
	return p.len;
}

static uint32_t
mk_udp(uint8_t *out, uint16_t sport, uint16_t dport, const uint8_t *payload, uint32_t plen)
{
	set_u16(out, sport);
	set_u16(out + 2, dport);
	set_u16(out + 4, (uint16_t)(8 + plen));
	set_u16(out + 6, 0);
	if (plen)
		memcpy(out + 8, payload, plen);
	return 8 + plen;
}

static void
fill_cksum_v4(uint8_t *l4, uint32_t len, uint8_t proto, const uint8_t *src, const uint8_t *dst)
{
	uint8_t *ck = l4 + (proto == 6 ? 16 : 6);
	uint16_t v;

	set_u16(ck, 0);
	v = cksum_v4(src, dst, proto, l4, len);
	if (proto == 17 && v == 0)
		v = 0xffff;
	set_u16(ck, v);
}

static void
fill_cksum_v6(uint8_t *l4, uint32_t len, uint8_t proto, const uint8_t *src, const uint8_t *dst)
{
	uint8_t *ck = l4 + (proto == 6 ? 16 : 6);
	uint16_t v;

	set_u16(ck, 0);
	v = cksum_v6(src, dst, proto, l4, len);
	if (proto == 17 && v == 0)
		v = 0xffff;
	set_u16(ck, v);
}

/* An IPv4 header (20 bytes, checksum filled) followed by body; returns the offset of body. */
static uint32_t
pb_ipv4(struct pb *p, uint8_t proto, const uint8_t *src, const uint8_t *dst, uint16_t id,
	uint16_t frag, const uint8_t *body, uint32_t blen)
{
	uint32_t start = p->len;

	pb_u8(p, 0x45);
	pb_u8(p, 0);
	pb_u16(p, (uint16_t)(20 + blen));
	pb_u16(p, id);
	pb_u16(p, frag);
	pb_u8(p, 64);
	pb_u8(p, proto);
	pb_u16(p, 0);
	pb_put(p, src, 4);
	pb_put(p, dst, 4);
	set_u16(p->b + start + 10, vg_cksum_fold(vg_cksum_add(0, p->b + start, 20)));
	if (blen)
		pb_put(p, body, blen);
	return start + 20;
}

/* The standard test segment: 10.0.0.1:12345 -> 192.168.1.2:80, SYN. */
static uint32_t
mk_syn(uint8_t *tcp)
{
	uint32_t n = mk_tcp(tcp, 12345, 80, 0x01020304, 0, VG_TCP_SYN, 65535, 5, NULL, 0);

	fill_cksum_v4(tcp, n, 6, ip_a, ip_b);
	return n;
}

static bool
has_weird(const struct vg_pkt *pkt, enum vg_weird w)
{
	for (uint8_t i = 0; i < pkt->nweirds; i++)
		if (pkt->weirds[i].code == w)
			return true;
	return false;
}

static bool
addr_is_v4(const struct vg_addr *a, const uint8_t *v4)
{
	struct vg_addr e;

	vg_addr_from_v4(&e, v4);
	return vg_addr_cmp(a, &e) == 0;
}

static enum vg_decode_result
decode(struct vg_decoder *d, int link, const struct pb *p, struct vg_pkt *pkt)
{
	return vg_decode(d, link, p->b, p->len, p->len, 1000000000ULL, pkt);
}

/* ---- tests -------------------------------------------------------------- */

static void
test_eth_ipv4_tcp_syn(struct vg_decoder *d)
{
	struct pb p = {.len = 0};
	uint8_t tcp[64];
	uint32_t tl = mk_syn(tcp);
	struct vg_pkt pkt;

	pb_eth(&p, 0x0800);
	pb_ipv4(&p, 6, ip_a, ip_b, 0x1234, 0x4000, tcp, tl);
	CHECK_EQ(decode(d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.ts_ns, 1000000000ULL);
	CHECK_EQ(pkt.has_l2, 1);
	CHECK(memcmp(pkt.l2_src, mac_src, 6) == 0);
	CHECK(memcmp(pkt.l2_dst, mac_dst, 6) == 0);
	CHECK_EQ(pkt.nvlan, 0);
	CHECK_EQ(pkt.ip_version, 4);
	CHECK_EQ(pkt.ip_proto, 6);
	CHECK_EQ(pkt.ttl, 64);
	CHECK_EQ(pkt.ip_len, 40);
	CHECK_EQ(pkt.ip_hdr_len, 20);
	CHECK(pkt.ip == p.b + 14);
	CHECK(addr_is_v4(&pkt.src, ip_a));
	CHECK(addr_is_v4(&pkt.dst, ip_b));
	CHECK(vg_addr_is_v4(&pkt.src));
	CHECK_EQ(pkt.sport, 12345);
	CHECK_EQ(pkt.dport, 80);
	CHECK_EQ(pkt.tcp_flags, VG_TCP_SYN);
	CHECK_EQ(pkt.tcp_seq, 0x01020304);
	CHECK_EQ(pkt.tcp_ack, 0);
	CHECK_EQ(pkt.tcp_win, 65535);
	CHECK_EQ(pkt.l4_ok, VG_L4_FULL);
	CHECK(pkt.l4 == p.b + 34);
	CHECK_EQ(pkt.l4_len, 20);
	CHECK_EQ(pkt.l4_cap, 20);
	CHECK_EQ(pkt.payload_len, 0);
	CHECK_EQ(pkt.bad_checksum, 0);
	CHECK_EQ(pkt.nweirds, 0);
	CHECK_EQ(pkt.reassembled, 0);
}

static void
test_tcp_options_payload(struct vg_decoder *d)
{
	static const uint8_t data[] = "hello, world";
	struct pb p = {.len = 0};
	uint8_t tcp[128];
	uint32_t tl = mk_tcp(
		tcp, 80, 12345, 0xfffffff0, 0x01020305, VG_TCP_ACK | VG_TCP_PSH, 512, 6, data, 12);
	struct vg_pkt pkt;

	fill_cksum_v4(tcp, tl, 6, ip_b, ip_a);
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, 6, ip_b, ip_a, 7, 0, tcp, tl);
	CHECK_EQ(decode(d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.tcp_flags, VG_TCP_ACK | VG_TCP_PSH);
	CHECK_EQ(pkt.tcp_seq, 0xfffffff0u);
	CHECK_EQ(pkt.tcp_ack, 0x01020305);
	CHECK_EQ(pkt.tcp_win, 512);
	CHECK_EQ(pkt.l4_ok, VG_L4_FULL);
	CHECK_EQ(pkt.payload_len, 12);
	CHECK_EQ(pkt.payload_cap, 12);
	CHECK(pkt.payload == p.b + 14 + 20 + 24);
	CHECK(pkt.payload != NULL && memcmp(pkt.payload, data, 12) == 0);
	CHECK_EQ(pkt.bad_checksum, 0);
	CHECK_EQ(pkt.nweirds, 0);

	/* Ethernet padding after a short datagram is not payload. */
	memset(p.b + p.len, 0, 10);
	p.len += 10;
	CHECK_EQ(decode(d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.payload_len, 12);
	CHECK_EQ(pkt.ip_len, 20 + 24 + 12);
	CHECK_EQ(pkt.bad_checksum, 0);
}

static void
test_vlan(struct vg_decoder *d)
{
	struct pb p = {.len = 0};
	uint8_t tcp[64];
	uint32_t tl = mk_syn(tcp);
	struct vg_pkt pkt;

	/* 802.1Q with priority bits set: only the 12-bit id counts. */
	pb_eth(&p, 0x8100);
	pb_u16(&p, 0xe000 | 100);
	pb_u16(&p, 0x0800);
	pb_ipv4(&p, 6, ip_a, ip_b, 1, 0, tcp, tl);
	CHECK_EQ(decode(d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.nvlan, 1);
	CHECK_EQ(pkt.vlan, 100);
	CHECK_EQ(pkt.sport, 12345);
	CHECK_EQ(pkt.dport, 80);

	/* QinQ: an 802.1ad outer tag, then an 802.1Q inner tag. */
	p.len = 0;
	pb_eth(&p, 0x88a8);
	pb_u16(&p, 200);
	pb_u16(&p, 0x8100);
	pb_u16(&p, 0x1000 | 300);
	pb_u16(&p, 0x0800);
	pb_ipv4(&p, 6, ip_a, ip_b, 1, 0, tcp, tl);
	CHECK_EQ(decode(d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.nvlan, 2);
	CHECK_EQ(pkt.vlan, 200);
	CHECK_EQ(pkt.inner_vlan, 300);
	CHECK_EQ(pkt.tcp_flags, VG_TCP_SYN);
	CHECK(addr_is_v4(&pkt.dst, ip_b));

	/* The old 0x9100 QinQ ethertype. */
	p.len = 0;
	pb_eth(&p, 0x9100);
	pb_u16(&p, 7);
	pb_u16(&p, 0x8100);
	pb_u16(&p, 8);
	pb_u16(&p, 0x0800);
	pb_ipv4(&p, 6, ip_a, ip_b, 1, 0, tcp, tl);
	CHECK_EQ(decode(d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.nvlan, 2);
	CHECK_EQ(pkt.vlan, 7);
	CHECK_EQ(pkt.inner_vlan, 8);

	/* A VLAN tag cut short. */
	p.len = 0;
	pb_eth(&p, 0x8100);
	pb_u16(&p, 5);
	CHECK_EQ(decode(d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_DROPPED);
	CHECK(has_weird(&pkt, VG_WEIRD_TRUNCATED_VLAN));
}

static void
test_mpls(struct vg_decoder *d)
{
	static const uint8_t data[] = "mpls";
	struct pb p = {.len = 0};
	uint8_t udp[64];
	uint32_t ul = mk_udp(udp, 5000, 53, data, 4);
	struct vg_pkt pkt;

	fill_cksum_v4(udp, ul, 17, ip_a, ip_b);
	pb_eth(&p, 0x8847);
	/* Label 16 (not bottom), label 17 (bottom of stack), each TTL 64. */
	pb_u32(&p, (16u << 12) | 64);
	pb_u32(&p, (17u << 12) | 0x100 | 64);
	pb_ipv4(&p, 17, ip_a, ip_b, 2, 0, udp, ul);
	CHECK_EQ(decode(d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.ip_version, 4);
	CHECK_EQ(pkt.ip_proto, 17);
	CHECK_EQ(pkt.sport, 5000);
	CHECK_EQ(pkt.dport, 53);
	CHECK_EQ(pkt.udp_len, 12);
	CHECK_EQ(pkt.payload_len, 4);
	CHECK(pkt.ip == p.b + 14 + 8);
	CHECK_EQ(pkt.bad_checksum, 0);
	CHECK_EQ(pkt.nweirds, 0);

	/* A label stack with no bottom-of-stack bit runs out of bytes. */
	p.len = 0;
	pb_eth(&p, 0x8847);
	pb_u32(&p, (16u << 12) | 64);
	pb_u16(&p, 0);
	CHECK_EQ(decode(d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_DROPPED);
	CHECK(has_weird(&pkt, VG_WEIRD_TRUNCATED_MPLS));
}

/* An IPv6 header with the given next header, then body. */
static void
pb_ipv6(struct pb *p, uint8_t nh, const uint8_t *src, const uint8_t *dst, const uint8_t *body,
	uint32_t blen)
{
	pb_u32(p, 0x60000000);
	pb_u16(p, (uint16_t)blen);
	pb_u8(p, nh);
	pb_u8(p, 55);
	pb_put(p, src, 16);
	pb_put(p, dst, 16);
	pb_put(p, body, blen);
}

static void
test_pppoe_ipv6_udp(struct vg_decoder *d)
{
	static const uint8_t data[] = "over pppoe";
	struct pb p = {.len = 0};
	struct pb ip6 = {.len = 0};
	uint8_t udp[64];
	uint32_t ul = mk_udp(udp, 546, 547, data, 10);
	struct vg_pkt pkt;

	fill_cksum_v6(udp, ul, 17, ip6_a, ip6_b);
	pb_ipv6(&ip6, 17, ip6_a, ip6_b, udp, ul);
	pb_eth(&p, 0x8864);
	pb_u8(&p, 0x11);
	pb_u8(&p, 0);
	pb_u16(&p, 0x1234);
	pb_u16(&p, (uint16_t)(ip6.len + 2));
	pb_u16(&p, 0x0057);
	pb_put(&p, ip6.b, ip6.len);
	CHECK_EQ(decode(d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.ip_version, 6);
	CHECK_EQ(pkt.ip_proto, 17);
	CHECK_EQ(pkt.ttl, 55);
	CHECK(memcmp(pkt.src.b, ip6_a, 16) == 0);
	CHECK(memcmp(pkt.dst.b, ip6_b, 16) == 0);
	CHECK(!vg_addr_is_v4(&pkt.src));
	CHECK_EQ(pkt.sport, 546);
	CHECK_EQ(pkt.dport, 547);
	CHECK_EQ(pkt.payload_len, 10);
	CHECK(pkt.payload != NULL && memcmp(pkt.payload, data, 10) == 0);
	CHECK_EQ(pkt.ip_len, 40 + 18);
	CHECK_EQ(pkt.ip_hdr_len, 40);
	CHECK_EQ(pkt.bad_checksum, 0);
	CHECK_EQ(pkt.nweirds, 0);

	/* PPPoE carrying a PPP control protocol (LCP) is not IP. */
	p.b[14 + 6] = 0xc0;
	p.b[14 + 7] = 0x21;
	CHECK_EQ(decode(d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_NOT_IP);
}

static void
test_ipv6_ext_headers(struct vg_decoder *d)
{
	static const uint8_t data[] = "ext hdrs";
	struct pb p = {.len = 0};
	struct pb ext = {.len = 0};
	uint8_t udp[64];
	uint32_t ul = mk_udp(udp, 1000, 2000, data, 8);
	struct vg_pkt pkt;

	fill_cksum_v6(udp, ul, 17, ip6_a, ip6_b);
	/* Hop-by-hop options (8 bytes: PadN), next header destination options. */
	pb_u8(&ext, 60);
	pb_u8(&ext, 0);
	pb_u8(&ext, 1);
	pb_u8(&ext, 4);
	pb_u32(&ext, 0);
	/* Destination options (16 bytes: PadN of 12), next header UDP. */
	pb_u8(&ext, 17);
	pb_u8(&ext, 1);
	pb_u8(&ext, 1);
	pb_u8(&ext, 12);
	pb_u32(&ext, 0);
	pb_u32(&ext, 0);
	pb_u32(&ext, 0);
	pb_put(&ext, udp, ul);
	pb_ipv6(&p, 0, ip6_a, ip6_b, ext.b, ext.len);
	CHECK_EQ(decode(d, VG_LINK_RAW, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.ip_version, 6);
	CHECK_EQ(pkt.ip_proto, 17);
	CHECK_EQ(pkt.ip_hdr_len, 40 + 8 + 16);
	CHECK(pkt.l4 == p.b + 64);
	CHECK_EQ(pkt.sport, 1000);
	CHECK_EQ(pkt.dport, 2000);
	CHECK_EQ(pkt.payload_len, 8);
	CHECK_EQ(pkt.l4_ok, VG_L4_FULL);
	CHECK_EQ(pkt.bad_checksum, 0);
	CHECK_EQ(pkt.nweirds, 0);
	CHECK(memcmp(pkt.src.b, ip6_a, 16) == 0);

	/* A destination option longer than its header is reported. */
	p.b[40 + 8 + 3] = 14;
	CHECK_EQ(decode(d, VG_LINK_RAW, &p, &pkt), VG_DECODE_IP);
	CHECK(has_weird(&pkt, VG_WEIRD_BAD_IPV6_DEST_OPT_LEN));
}

static void
test_raw_links(struct vg_decoder *d)
{
	struct pb p = {.len = 0};
	uint8_t tcp[64];
	uint32_t tl = mk_syn(tcp);
	struct vg_pkt pkt;
	static const int links[] = {
		VG_LINK_RAW, VG_LINK_LINKTYPE_RAW, VG_LINK_RAW_ALT, VG_LINK_IPV4};

	pb_ipv4(&p, 6, ip_a, ip_b, 3, 0, tcp, tl);
	for (size_t i = 0; i < VG_ARRAY_SIZE(links); i++) {
		memset(&pkt, 0xa5, sizeof(pkt));
		CHECK_EQ(decode(d, links[i], &p, &pkt), VG_DECODE_IP);
		CHECK_EQ(pkt.has_l2, 0);
		CHECK_EQ(pkt.nvlan, 0);
		CHECK_EQ(pkt.ip_version, 4);
		CHECK(pkt.ip == p.b);
		CHECK_EQ(pkt.sport, 12345);
		CHECK_EQ(pkt.dport, 80);
		CHECK_EQ(pkt.nweirds, 0);
	}

	/* Raw IPv6 on link type 101. */
	uint8_t udp[32];
	uint32_t ul = mk_udp(udp, 7, 9, NULL, 0);

	fill_cksum_v6(udp, ul, 17, ip6_b, ip6_a);
	p.len = 0;
	pb_ipv6(&p, 17, ip6_b, ip6_a, udp, ul);
	CHECK_EQ(decode(d, VG_LINK_LINKTYPE_RAW, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.ip_version, 6);
	CHECK_EQ(pkt.sport, 7);
	CHECK_EQ(pkt.dport, 9);
	CHECK_EQ(pkt.payload_len, 0);
	CHECK_EQ(pkt.nweirds, 0);

	/* A raw packet that is neither IPv4 nor IPv6. */
	p.b[0] = 0x20;
	CHECK_EQ(decode(d, VG_LINK_RAW, &p, &pkt), VG_DECODE_NOT_IP);
	CHECK(vg_link_supported(VG_LINK_RAW));
	CHECK(vg_link_supported(VG_LINK_LINUX_SLL2));
	CHECK(!vg_link_supported(147));
	CHECK_EQ(decode(d, 147, &p, &pkt), VG_DECODE_DROPPED);
	CHECK(has_weird(&pkt, VG_WEIRD_UNKNOWN_LINK_TYPE));
}

static void
test_cooked(struct vg_decoder *d)
{
	struct pb ip = {.len = 0};
	struct pb p = {.len = 0};
	uint8_t tcp[64];
	uint32_t tl = mk_syn(tcp);
	struct vg_pkt pkt;

	pb_ipv4(&ip, 6, ip_a, ip_b, 4, 0, tcp, tl);

	/* Linux cooked v1: type, ARPHRD, address length, 8 address bytes, protocol. */
	pb_u16(&p, 0); /* to us */
	pb_u16(&p, 1); /* ARPHRD_ETHER */
	pb_u16(&p, 6);
	pb_put(&p, mac_src, 6);
	pb_u16(&p, 0);
	pb_u16(&p, 0x0800);
	pb_put(&p, ip.b, ip.len);
	CHECK_EQ(p.len, 16 + 40);
	CHECK_EQ(decode(d, VG_LINK_LINUX_SLL, &p, &pkt), VG_DECODE_IP);
	CHECK(pkt.ip == p.b + 16);
	CHECK_EQ(pkt.sport, 12345);
	CHECK_EQ(pkt.tcp_flags, VG_TCP_SYN);
	CHECK(addr_is_v4(&pkt.src, ip_a));

	/* A cooked v1 header cut short. */
	CHECK_EQ(vg_decode(d, VG_LINK_LINUX_SLL, p.b, 10, 10, 1, &pkt), VG_DECODE_DROPPED);
	CHECK(has_weird(&pkt, VG_WEIRD_TRUNCATED_SLL));

	/* Linux cooked v2: protocol, reserved, ifindex, ARPHRD, type, addr len, addr. */
	p.len = 0;
	pb_u16(&p, 0x0800);
	pb_u16(&p, 0);
	pb_u32(&p, 3);
	pb_u16(&p, 1);
	pb_u8(&p, 4); /* outgoing */
	pb_u8(&p, 6);
	pb_put(&p, mac_src, 6);
	pb_u16(&p, 0);
	pb_put(&p, ip.b, ip.len);
	CHECK_EQ(p.len, 20 + 40);
	CHECK_EQ(decode(d, VG_LINK_LINUX_SLL2, &p, &pkt), VG_DECODE_IP);
	CHECK(pkt.ip == p.b + 20);
	CHECK_EQ(pkt.dport, 80);
	CHECK(addr_is_v4(&pkt.dst, ip_b));

	/* Cooked v2 with VLAN-tagged ethertype behind it. */
	p.len = 0;
	pb_u16(&p, 0x8100);
	pb_u16(&p, 0);
	pb_u32(&p, 3);
	pb_u16(&p, 1);
	pb_u8(&p, 0);
	pb_u8(&p, 6);
	pb_put(&p, mac_src, 6);
	pb_u16(&p, 0);
	pb_u16(&p, 42);
	pb_u16(&p, 0x0800);
	pb_put(&p, ip.b, ip.len);
	CHECK_EQ(decode(d, VG_LINK_LINUX_SLL2, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.nvlan, 1);
	CHECK_EQ(pkt.vlan, 42);
}

static void
test_null(struct vg_decoder *d)
{
	struct pb p = {.len = 0};
	uint8_t tcp[64];
	uint32_t tl = mk_syn(tcp);
	struct vg_pkt pkt;

	/* AF_INET in the writer's (little-endian) byte order. */
	pb_u8(&p, 2);
	pb_u8(&p, 0);
	pb_u8(&p, 0);
	pb_u8(&p, 0);
	pb_ipv4(&p, 6, ip_a, ip_b, 5, 0, tcp, tl);
	CHECK_EQ(decode(d, VG_LINK_NULL, &p, &pkt), VG_DECODE_IP);
	CHECK(pkt.ip == p.b + 4);
	CHECK_EQ(pkt.sport, 12345);
	CHECK_EQ(pkt.nweirds, 0);

	/* The same written big-endian is accepted too. */
	p.b[0] = 0;
	p.b[3] = 2;
	CHECK_EQ(decode(d, VG_LINK_NULL, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.dport, 80);

	/* Loopback (108) is always network order. */
	CHECK_EQ(decode(d, VG_LINK_LOOP, &p, &pkt), VG_DECODE_IP);

	/* AF_INET6 as BSD writes it (24) with an IPv6 packet. */
	uint8_t udp[32];
	uint32_t ul = mk_udp(udp, 1, 2, NULL, 0);

	fill_cksum_v6(udp, ul, 17, ip6_a, ip6_b);
	p.len = 0;
	pb_u8(&p, 24);
	pb_u8(&p, 0);
	pb_u8(&p, 0);
	pb_u8(&p, 0);
	pb_ipv6(&p, 17, ip6_a, ip6_b, udp, ul);
	CHECK_EQ(decode(d, VG_LINK_NULL, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.ip_version, 6);
	CHECK_EQ(pkt.sport, 1);

	/* An unknown family is a valid frame without IP. */
	p.b[0] = 7;
	CHECK_EQ(decode(d, VG_LINK_NULL, &p, &pkt), VG_DECODE_NOT_IP);
}

static void
test_truncated_ipv4(struct vg_decoder *d)
{
	struct pb p = {.len = 0};
	uint8_t tcp[64];
	uint32_t tl = mk_syn(tcp);
	struct vg_pkt pkt;
	uint64_t before = d->stats.dropped;

	pb_eth(&p, 0x0800);
	pb_ipv4(&p, 6, ip_a, ip_b, 6, 0, tcp, tl);

	/* Only 10 bytes of the IPv4 header were captured. */
	CHECK_EQ(vg_decode(d, VG_LINK_ETHERNET, p.b, 24, 24, 1, &pkt), VG_DECODE_DROPPED);
	CHECK_EQ(pkt.nweirds, 1);
	CHECK_EQ(pkt.weirds[0].code, VG_WEIRD_TRUNCATED_IP);
	CHECK_EQ(pkt.weirds[0].scope, VG_WEIRD_SCOPE_NET);
	CHECK(strcmp(vg_weird_name(VG_WEIRD_TRUNCATED_IP), "truncated_IP") == 0);
	CHECK_EQ(d->stats.dropped, before + 1);

	/* The header says 40 bytes, the wire carried 30. */
	CHECK_EQ(vg_decode(d, VG_LINK_ETHERNET, p.b, 44, 44, 1, &pkt), VG_DECODE_DROPPED);
	CHECK(has_weird(&pkt, VG_WEIRD_TRUNCATED_IP));

	/* An IHL below 5 words. */
	p.b[14] = 0x44;
	CHECK_EQ(decode(d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_DROPPED);
	CHECK(has_weird(&pkt, VG_WEIRD_INVALID_IP_HEADER_SIZE));
}

/* The checksum of every length and alignment against RFC 1071's plain loop. */
static void
test_cksum_reference(void)
{
	static uint8_t buf[2100];
	uint32_t x = 12345, bad = 0;

	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	/* All-ones runs are the worst case for carries. */
	memset(buf + 1000, 0xff, 600);
	for (uint32_t off = 0; off < 8; off++) {
		for (uint32_t len = 0; len <= 2000; len += (len < 200 ? 1 : 37)) {
			uint32_t ref = 0x1234;

			for (uint32_t i = 0; i + 1 < len; i += 2)
				ref += (uint32_t)buf[off + i] << 8 | buf[off + i + 1];
			if (len & 1)
				ref += (uint32_t)buf[off + len - 1] << 8;
			while (ref >> 16)
				ref = (ref & 0xffff) + (ref >> 16);
			if (vg_cksum_fold(vg_cksum_add(0x1234, buf + off, len)) != (uint16_t)~ref)
				bad++;
		}
	}
	CHECK_EQ(bad, 0);
}

static void
test_ip_checksum(void)
{
	struct vg_decode_cfg strict = {.ignore_checksums = false, .frag_slots = 4};
	struct vg_decode_cfg lax = {.ignore_checksums = true, .frag_slots = 4};
	struct vg_decoder ds, dl;
	struct pb p = {.len = 0};
	uint8_t tcp[64];
	uint32_t tl = mk_syn(tcp);
	struct vg_pkt pkt;

	CHECK_EQ(vg_decoder_init(&ds, &strict), 0);
	CHECK_EQ(vg_decoder_init(&dl, &lax), 0);
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, 6, ip_a, ip_b, 8, 0, tcp, tl);
	p.b[14 + 10] ^= 0x5a;
	CHECK_EQ(decode(&ds, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_DROPPED);
	CHECK_EQ(pkt.nweirds, 1);
	CHECK_EQ(pkt.weirds[0].code, VG_WEIRD_BAD_IP_CHECKSUM);
	CHECK(strcmp(vg_weird_name(pkt.weirds[0].code), "bad_IP_checksum") == 0);
	CHECK_EQ(ds.stats.weird[VG_WEIRD_BAD_IP_CHECKSUM], 1);

	CHECK_EQ(decode(&dl, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.nweirds, 0);
	CHECK_EQ(pkt.sport, 12345);
	CHECK_EQ(pkt.l4_ok, VG_L4_FULL);

	/* A bad TCP checksum: decoded, flagged, reported once. */
	p.b[14 + 10] ^= 0x5a;
	p.b[14 + 20 + 16] ^= 0x01;
	CHECK_EQ(decode(&ds, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.bad_checksum, 1);
	CHECK_EQ(pkt.l4_ok, VG_L4_FULL);
	CHECK_EQ(pkt.nweirds, 1);
	CHECK_EQ(pkt.weirds[0].code, VG_WEIRD_BAD_TCP_CHECKSUM);
	CHECK_EQ(pkt.weirds[0].scope, VG_WEIRD_SCOPE_CONN);
	CHECK_EQ(pkt.sport, 12345);

	/* With checksums ignored the same segment is clean. */
	CHECK_EQ(decode(&dl, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.bad_checksum, 0);
	CHECK_EQ(pkt.nweirds, 0);

	/* The NIC's verdict stands in for the software check, for one frame only. */
	ds.rx_cksum = VG_RX_CKSUM_IP_GOOD | VG_RX_CKSUM_L4_GOOD;
	CHECK_EQ(decode(&ds, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.bad_checksum, 0);
	CHECK_EQ(pkt.nweirds, 0);
	CHECK_EQ(ds.stats.nic_cksum, 1);
	CHECK_EQ(ds.rx_cksum, 0);
	CHECK_EQ(decode(&ds, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.bad_checksum, 1);
	/* An IP header verdict alone leaves the TCP checksum to software. */
	ds.rx_cksum = VG_RX_CKSUM_IP_GOOD;
	CHECK_EQ(decode(&ds, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.bad_checksum, 1);
	CHECK_EQ(ds.stats.nic_cksum, 1);

	/* A bad UDP checksum; and zero, which means "none" over IPv4. */
	uint8_t udp[32];
	uint32_t ul = mk_udp(udp, 53, 53, (const uint8_t *)"abcd", 4);

	fill_cksum_v4(udp, ul, 17, ip_a, ip_b);
	p.len = 0;
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, 17, ip_a, ip_b, 9, 0, udp, ul);
	CHECK_EQ(decode(&ds, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.bad_checksum, 0);
	p.b[14 + 20 + 8] = 'x';
	CHECK_EQ(decode(&ds, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.bad_checksum, 1);
	CHECK(has_weird(&pkt, VG_WEIRD_BAD_UDP_CHECKSUM));
	p.b[14 + 20 + 6] = p.b[14 + 20 + 7] = 0;
	CHECK_EQ(decode(&ds, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.bad_checksum, 0);
	CHECK_EQ(pkt.nweirds, 0);

	vg_decoder_fini(&ds);
	vg_decoder_fini(&dl);
}

static void
test_tcp_doff_beyond_capture(struct vg_decoder *d)
{
	struct pb p = {.len = 0};
	uint8_t tcp[128];
	uint32_t tl = mk_tcp(tcp, 4444, 443, 99, 0, VG_TCP_SYN, 1024, 15, NULL, 0);
	struct vg_pkt pkt;

	fill_cksum_v4(tcp, tl, 6, ip_a, ip_b);
	CHECK_EQ(tl, 60);
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, 6, ip_a, ip_b, 10, 0, tcp, tl);
	/* A snaplen of 54 keeps only the TCP header's first 20 of 60 bytes. */
	CHECK_EQ(vg_decode(d, VG_LINK_ETHERNET, p.b, 54, p.len, 1, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.l4_ok, VG_L4_PORTS);
	CHECK_EQ(pkt.sport, 4444);
	CHECK_EQ(pkt.dport, 443);
	CHECK_EQ(pkt.l4_cap, 20);
	CHECK_EQ(pkt.l4_len, 60);
	CHECK_EQ(pkt.bad_checksum, 0);
	CHECK(has_weird(&pkt, VG_WEIRD_TRUNCATED_HEADER));

	/* A data offset beyond the datagram itself. */
	p.len = 0;
	tl = mk_tcp(tcp, 4444, 443, 99, 0, VG_TCP_SYN, 1024, 5, NULL, 0);
	tcp[12] = 0xf0;
	fill_cksum_v4(tcp, tl, 6, ip_a, ip_b);
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, 6, ip_a, ip_b, 11, 0, tcp, tl);
	CHECK_EQ(decode(d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.l4_ok, VG_L4_PORTS);
	CHECK_EQ(pkt.sport, 4444);

	/* A data offset below 5 words. */
	tcp[12] = 0x40;
	p.len = 0;
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, 6, ip_a, ip_b, 11, 0, tcp, tl);
	CHECK_EQ(decode(d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.l4_ok, VG_L4_PORTS);
	CHECK(has_weird(&pkt, VG_WEIRD_BAD_TCP_HEADER_LEN));

	/* Less than a minimal TCP header: no ports at all. */
	p.len = 0;
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, 6, ip_a, ip_b, 12, 0, tcp, 12);
	CHECK_EQ(decode(d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.l4_ok, VG_L4_NONE);
	CHECK(has_weird(&pkt, VG_WEIRD_TRUNCATED_HEADER));
}

static void
test_fragments(void)
{
	struct vg_decode_cfg cfg = {.frag_slots = 4};
	struct vg_decoder d;
	uint8_t payload[32];
	uint8_t udp[64];
	uint32_t ul;
	struct pb f1 = {.len = 0}, f2 = {.len = 0};
	struct vg_pkt pkt;

	CHECK_EQ(vg_decoder_init(&d, &cfg), 0);
	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(0x40 + i);
	ul = mk_udp(udp, 6000, 7000, payload, sizeof(payload));
	CHECK_EQ(ul, 40);
	fill_cksum_v4(udp, ul, 17, ip_a, ip_b);

	/* Fragment 1: offset 0, 16 bytes, MF. Fragment 2: offset 16, 24 bytes, last. */
	pb_eth(&f1, 0x0800);
	pb_ipv4(&f1, 17, ip_a, ip_b, 0xbeef, 0x2000, udp, 16);
	pb_eth(&f2, 0x0800);
	pb_ipv4(&f2, 17, ip_a, ip_b, 0xbeef, 16 / 8, udp + 16, 24);

	CHECK_EQ(vg_decode(&d, VG_LINK_ETHERNET, f2.b, f2.len, f2.len, 5, &pkt), VG_DECODE_HELD);
	CHECK_EQ(pkt.nweirds, 0);
	CHECK_EQ(d.stats.fragments, 1);
	CHECK_EQ(vg_decode(&d, VG_LINK_ETHERNET, f1.b, f1.len, f1.len, 6, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.reassembled, 1);
	CHECK_EQ(pkt.nweirds, 0);
	CHECK_EQ(pkt.ip_proto, 17);
	CHECK_EQ(pkt.sport, 6000);
	CHECK_EQ(pkt.dport, 7000);
	CHECK_EQ(pkt.udp_len, 40);
	CHECK_EQ(pkt.payload_len, 32);
	CHECK_EQ(pkt.payload_cap, 32);
	CHECK_EQ(pkt.ip_len, 60);
	CHECK_EQ(pkt.l4_len, 40);
	CHECK_EQ(pkt.l4_ok, VG_L4_FULL);
	CHECK_EQ(pkt.bad_checksum, 0);
	CHECK(pkt.payload != NULL && memcmp(pkt.payload, payload, 32) == 0);
	CHECK(addr_is_v4(&pkt.src, ip_a));
	CHECK_EQ(d.stats.reassembled, 1);
	CHECK_EQ(d.stats.fragments, 2);

	/* The same datagram again, in order, is reassembled afresh. */
	CHECK_EQ(vg_decode(&d, VG_LINK_ETHERNET, f1.b, f1.len, f1.len, 7, &pkt), VG_DECODE_HELD);
	CHECK_EQ(vg_decode(&d, VG_LINK_ETHERNET, f2.b, f2.len, f2.len, 8, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.reassembled, 1);
	CHECK_EQ(pkt.payload_len, 32);
	CHECK(pkt.payload != NULL && memcmp(pkt.payload, payload, 32) == 0);

	/* Holes keep a datagram held: at the start, then in the middle. */
	struct pb h1 = {.len = 0}, h2 = {.len = 0}, h3 = {.len = 0};

	pb_eth(&h1, 0x0800);
	pb_ipv4(&h1, 17, ip_a, ip_b, 0xf00d, 16 / 8, udp + 16, 24);
	pb_eth(&h2, 0x0800);
	pb_ipv4(&h2, 17, ip_a, ip_b, 0xf00d, 0x2000 | 1, udp + 8, 8);
	pb_eth(&h3, 0x0800);
	pb_ipv4(&h3, 17, ip_a, ip_b, 0xf00d, 0x2000, udp, 8);
	CHECK_EQ(vg_decode(&d, VG_LINK_ETHERNET, h1.b, h1.len, h1.len, 9, &pkt), VG_DECODE_HELD);
	CHECK_EQ(vg_decode(&d, VG_LINK_ETHERNET, h2.b, h2.len, h2.len, 9, &pkt), VG_DECODE_HELD);
	CHECK_EQ(vg_decode(&d, VG_LINK_ETHERNET, h3.b, h3.len, h3.len, 9, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.reassembled, 1);
	CHECK_EQ(pkt.payload_len, 32);
	CHECK(pkt.payload != NULL && memcmp(pkt.payload, payload, 32) == 0);
	CHECK_EQ(vg_decode(&d, VG_LINK_ETHERNET, h3.b, h3.len, h3.len, 9, &pkt), VG_DECODE_HELD);
	CHECK_EQ(vg_decode(&d, VG_LINK_ETHERNET, h1.b, h1.len, h1.len, 9, &pkt), VG_DECODE_HELD);
	CHECK_EQ(vg_decode(&d, VG_LINK_ETHERNET, h2.b, h2.len, h2.len, 9, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.payload_len, 32);

	/* Overlap: offset 0 len 16 then offset 8 len 16 of the same datagram. */
	struct pb o1 = {.len = 0}, o2 = {.len = 0};

	pb_eth(&o1, 0x0800);
	pb_ipv4(&o1, 17, ip_a, ip_b, 0xcafe, 0x2000, udp, 16);
	pb_eth(&o2, 0x0800);
	pb_ipv4(&o2, 17, ip_a, ip_b, 0xcafe, 0x2000 | 1, udp + 8, 16);
	CHECK_EQ(vg_decode(&d, VG_LINK_ETHERNET, o1.b, o1.len, o1.len, 9, &pkt), VG_DECODE_HELD);
	vg_decode(&d, VG_LINK_ETHERNET, o2.b, o2.len, o2.len, 10, &pkt);
	CHECK(has_weird(&pkt, VG_WEIRD_FRAG_OVERLAP));
	CHECK(strcmp(vg_weird_name(VG_WEIRD_FRAG_OVERLAP), "fragment_overlap") == 0);
	CHECK_EQ(d.stats.weird[VG_WEIRD_FRAG_OVERLAP], 1);

	/* A non-final fragment whose length is not a multiple of 8. */
	struct pb b1 = {.len = 0};

	pb_eth(&b1, 0x0800);
	pb_ipv4(&b1, 17, ip_a, ip_b, 0xd00d, 0x2000, udp, 13);
	CHECK_EQ(
		vg_decode(&d, VG_LINK_ETHERNET, b1.b, b1.len, b1.len, 11, &pkt), VG_DECODE_DROPPED);
	CHECK(has_weird(&pkt, VG_WEIRD_FRAG_SIZE_INCONSISTENCY));

	vg_decoder_fini(&d);
}

static void
test_ipv6_fragments(void)
{
	struct vg_decode_cfg cfg = {.frag_slots = 4};
	struct vg_decoder d;
	uint8_t payload[40];
	uint8_t udp[64];
	uint32_t ul;
	struct vg_pkt pkt;

	CHECK_EQ(vg_decoder_init(&d, &cfg), 0);
	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(0x80 + i);
	ul = mk_udp(udp, 1111, 2222, payload, sizeof(payload));
	fill_cksum_v6(udp, ul, 17, ip6_a, ip6_b);

	/* Two fragments: 24 bytes at 0 (M), 24 bytes at 24 (last). */
	struct pb f[2];

	for (int i = 0; i < 2; i++) {
		struct pb body = {.len = 0};

		pb_u8(&body, 17);
		pb_u8(&body, 0);
		pb_u16(&body, (uint16_t)((i * 24 / 8) << 3 | (i == 0 ? 1 : 0)));
		pb_u32(&body, 0x11223344);
		pb_put(&body, udp + i * 24, 24);
		f[i].len = 0;
		pb_ipv6(&f[i], 44, ip6_a, ip6_b, body.b, body.len);
	}
	CHECK_EQ(vg_decode(&d, VG_LINK_RAW, f[1].b, f[1].len, f[1].len, 1, &pkt), VG_DECODE_HELD);
	CHECK_EQ(vg_decode(&d, VG_LINK_RAW, f[0].b, f[0].len, f[0].len, 2, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.reassembled, 1);
	CHECK_EQ(pkt.ip_version, 6);
	CHECK_EQ(pkt.ip_proto, 17);
	CHECK_EQ(pkt.sport, 1111);
	CHECK_EQ(pkt.dport, 2222);
	CHECK_EQ(pkt.payload_len, 40);
	CHECK_EQ(pkt.ip_len, 40 + 48);
	CHECK_EQ(pkt.bad_checksum, 0);
	CHECK_EQ(pkt.nweirds, 0);
	CHECK(pkt.payload != NULL && memcmp(pkt.payload, payload, 40) == 0);
	vg_decoder_fini(&d);
}

static void
test_layer_cap(void)
{
	struct vg_decode_cfg cfg = {.max_layers = 16, .frag_slots = 4};
	struct vg_decoder d;
	struct pb p = {.len = 0};
	uint8_t tcp[64];
	uint32_t tl = mk_syn(tcp);
	struct vg_pkt pkt;

	CHECK_EQ(vg_decoder_init(&d, &cfg), 0);
	pb_eth(&p, 0x8100);
	for (int i = 0; i < 20; i++) {
		pb_u16(&p, (uint16_t)(i + 1));
		pb_u16(&p, i < 19 ? 0x8100 : 0x0800);
	}
	pb_ipv4(&p, 6, ip_a, ip_b, 13, 0, tcp, tl);
	CHECK_EQ(decode(&d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_DROPPED);
	CHECK(has_weird(&pkt, VG_WEIRD_TOO_MANY_LAYERS));
	CHECK(strcmp(vg_weird_name(VG_WEIRD_TOO_MANY_LAYERS), "exceeded_layer_limit") == 0);

	/* Ten tags stay under the cap. */
	p.len = 0;
	pb_eth(&p, 0x8100);
	for (int i = 0; i < 10; i++) {
		pb_u16(&p, (uint16_t)(i + 1));
		pb_u16(&p, i < 9 ? 0x8100 : 0x0800);
	}
	pb_ipv4(&p, 6, ip_a, ip_b, 13, 0, tcp, tl);
	CHECK_EQ(decode(&d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.nvlan, 10);
	CHECK_EQ(pkt.vlan, 1);
	CHECK_EQ(pkt.inner_vlan, 2);
	CHECK_EQ(pkt.sport, 12345);
	vg_decoder_fini(&d);
}

static void
test_icmp(struct vg_decoder *d)
{
	struct pb p = {.len = 0};
	uint8_t icmp[16] = {8, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g', 0, 0, 0, 0};
	struct vg_pkt pkt;

	set_u16(icmp + 2, vg_cksum_fold(vg_cksum_add(0, icmp, sizeof(icmp))));
	pb_eth(&p, 0x0800);
	pb_ipv4(&p, 1, ip_a, ip_b, 14, 0, icmp, sizeof(icmp));
	CHECK_EQ(decode(d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.ip_proto, 1);
	CHECK_EQ(pkt.icmp_type, 8);
	CHECK_EQ(pkt.icmp_code, 0);
	CHECK_EQ(pkt.payload_len, 8);
	CHECK_EQ(pkt.l4_ok, VG_L4_FULL);
	CHECK_EQ(pkt.bad_checksum, 0);
	p.b[p.len - 1] ^= 0xff;
	CHECK_EQ(decode(d, VG_LINK_ETHERNET, &p, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.bad_checksum, 1);
	CHECK(has_weird(&pkt, VG_WEIRD_BAD_ICMP_CHECKSUM));
}

int
main(void)
{
	struct vg_decode_cfg cfg = {.frag_slots = 4};
	struct vg_decoder d;

	if (vg_decoder_init(&d, &cfg) != 0) {
		fprintf(stderr, "decode: vg_decoder_init failed\n");
		return 1;
	}
	test_eth_ipv4_tcp_syn(&d);
	test_tcp_options_payload(&d);
	test_vlan(&d);
	test_mpls(&d);
	test_pppoe_ipv6_udp(&d);
	test_ipv6_ext_headers(&d);
	test_raw_links(&d);
	test_cooked(&d);
	test_null(&d);
	test_truncated_ipv4(&d);
	test_cksum_reference();
	test_ip_checksum();
	test_tcp_doff_beyond_capture(&d);
	test_fragments();
	test_ipv6_fragments();
	test_layer_cap();
	test_icmp(&d);
	vg_decoder_fini(&d);

	printf("decode: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
