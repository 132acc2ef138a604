/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decoder defaults and link types taken from Zeek's own scripts and packet
 * analyzers: Tunnel::max_depth (scripts/base/init-bare.zeek), FDDI
 * (src/packet_analysis/protocol/fddi), and the fragment table under a flood
 * of datagrams that never complete.
 */
#include <stdio.h>
#include <string.h>

#include "vg_test.h"
#include "vg_decode.h"

struct pb {
	uint8_t b[2048];
	uint32_t len;
};

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
pb_put(struct pb *p, const void *d, uint32_t n)
{
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

static const uint8_t ip_a[4] = {10, 0, 0, 1};
static const uint8_t ip_b[4] = {10, 0, 0, 2};

/* An IPv4 header (checksum filled) with body; frag is the flags/offset word. */
static void
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
	uint16_t ck = vg_cksum_fold(vg_cksum_add(0, p->b + start, 20));

	p->b[start + 10] = (uint8_t)(ck >> 8);
	p->b[start + 11] = (uint8_t)ck;
	pb_put(p, body, blen);
}

/* A UDP datagram 10.0.0.1:1234 -> 10.0.0.2:5678 with 8 payload bytes, no checksum. */
static void
pb_udp_packet(struct pb *p)
{
	uint8_t udp[16] = {
		0x04, 0xd2, 0x16, 0x2e, 0, 16, 0, 0, 'p', 'a', 'y', 'l', 'o', 'a', 'd', '!'};

	pb_ipv4(p, 17, ip_a, ip_b, 1, 0, udp, sizeof(udp));
}

static bool
has_weird(const struct vg_pkt *pkt, enum vg_weird w)
{
	for (uint8_t i = 0; i < pkt->nweirds; i++)
		if (pkt->weirds[i].code == w)
			return true;
	return false;
}

/* The UDP packet inside depth IP-in-IP layers, on a raw IP link. */
static enum vg_decode_result
decode_nested(struct vg_decoder *d, int depth, struct vg_pkt *pkt)
{
	struct pb cur = {.len = 0}, next;

	pb_udp_packet(&cur);
	for (int i = 0; i < depth; i++) {
		uint8_t outer_src[4] = {192, 0, 2, (uint8_t)(i + 1)};
		uint8_t outer_dst[4] = {198, 51, 100, (uint8_t)(i + 1)};

		next.len = 0;
		pb_ipv4(&next, 4, outer_src, outer_dst, (uint16_t)(100 + i), 0, cur.b, cur.len);
		cur = next;
	}
	return vg_decode(d, VG_LINK_LINKTYPE_RAW, cur.b, cur.len, cur.len, 1000000000ULL, pkt);
}

/* Zeek's Tunnel::max_depth is 4: four nested tunnels reach the inner flow, a fifth does not. */
static void
test_tunnel_max_depth(void)
{
	struct vg_decode_cfg cfg = {.frag_slots = 4};
	struct vg_decoder d;
	struct vg_pkt pkt;

	CHECK_EQ(vg_decoder_init(&d, &cfg), 0);
	for (int depth = 1; depth <= VG_MAX_TUNNELS; depth++) {
		CHECK_EQ(decode_nested(&d, depth, &pkt), VG_DECODE_IP);
		CHECK_EQ(pkt.ntunnels, depth);
		CHECK_EQ(pkt.ip_proto, 17);
		CHECK_EQ(pkt.sport, 1234);
		CHECK_EQ(pkt.dport, 5678);
		CHECK(!has_weird(&pkt, VG_WEIRD_TUNNEL_DEPTH));
	}
	CHECK_EQ(VG_MAX_TUNNELS, 4);
	/* The fifth stops there: the UDP flow inside is not reached. */
	decode_nested(&d, 5, &pkt);
	CHECK_EQ(pkt.ntunnels, 4);
	CHECK_EQ(pkt.ip_proto, 4);
	CHECK(has_weird(&pkt, VG_WEIRD_TUNNEL_DEPTH));
	vg_decoder_fini(&d);

	/* A configured cap still applies below Zeek's default. */
	cfg.max_tunnels = 2;
	CHECK_EQ(vg_decoder_init(&d, &cfg), 0);
	CHECK_EQ(decode_nested(&d, 2, &pkt), VG_DECODE_IP);
	decode_nested(&d, 3, &pkt);
	CHECK_EQ(pkt.ntunnels, 2);
	CHECK_EQ(pkt.ip_proto, 4);
	CHECK(has_weird(&pkt, VG_WEIRD_TUNNEL_DEPTH));
	vg_decoder_fini(&d);
}

/* FDDI frame control, destination, source, then LLC/SNAP with an EtherType. */
static void
pb_fddi(struct pb *p, uint16_t ethertype)
{
	static const uint8_t hdr[13] = {
		0x50, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0x66, 0x77, 0x88, 0x99, 0xaa};

	pb_put(p, hdr, sizeof(hdr));
	pb_u8(p, 0xaa);
	pb_u8(p, 0xaa);
	pb_u8(p, 0x03);
	pb_u8(p, 0);
	pb_u8(p, 0);
	pb_u8(p, 0);
	pb_u16(p, ethertype);
}

/* Zeek's FDDI analyzer skips 13 + 8 header bytes and hands the rest to the default analyzer. */
static void
test_fddi(void)
{
	struct vg_decode_cfg cfg = {.frag_slots = 4};
	struct vg_decoder d;
	struct vg_pkt pkt;
	struct pb p = {.len = 0};

	CHECK_EQ(vg_decoder_init(&d, &cfg), 0);
	CHECK(vg_link_supported(VG_LINK_FDDI));
	CHECK_EQ(VG_LINK_FDDI, 10);

	pb_fddi(&p, 0x0800);
	pb_udp_packet(&p);
	CHECK_EQ(vg_decode(&d, VG_LINK_FDDI, p.b, p.len, p.len, 1, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.ip_version, 4);
	CHECK_EQ(pkt.ip_proto, 17);
	CHECK_EQ(pkt.sport, 1234);
	CHECK_EQ(pkt.dport, 5678);
	CHECK_EQ(pkt.payload_len, 8);
	CHECK_EQ(pkt.has_l2, 0); /* Zeek does not read the FDDI addresses */
	CHECK_EQ(pkt.nweirds, 0);

	/* The SNAP EtherType is not read: an IP packet is IP whatever it says. */
	p.len = 0;
	pb_fddi(&p, 0x86dd);
	pb_udp_packet(&p);
	CHECK_EQ(vg_decode(&d, VG_LINK_FDDI, p.b, p.len, p.len, 1, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.ip_version, 4);

	/* ARP (hardware type 1: version nibble 0) is not IP. */
	p.len = 0;
	pb_fddi(&p, 0x0806);
	pb_u16(&p, 1);
	pb_u16(&p, 0x0800);
	uint64_t not_ip = d.stats.not_ip;

	CHECK_EQ(vg_decode(&d, VG_LINK_FDDI, p.b, p.len, p.len, 1, &pkt), VG_DECODE_NOT_IP);
	CHECK_EQ(d.stats.not_ip, not_ip + 1);

	/* 21 bytes or less: FDDI_analyzer_failed, as in Zeek. */
	p.len = 0;
	pb_fddi(&p, 0x0800);
	uint64_t dropped = d.stats.dropped;

	CHECK_EQ(vg_decode(&d, VG_LINK_FDDI, p.b, p.len, p.len, 1, &pkt), VG_DECODE_DROPPED);
	CHECK(has_weird(&pkt, VG_WEIRD_FDDI_FAILED));
	CHECK(strcmp(vg_weird_name(VG_WEIRD_FDDI_FAILED), "FDDI_analyzer_failed") == 0);
	CHECK_EQ(d.stats.dropped, dropped + 1);
	CHECK_EQ(vg_decode(&d, VG_LINK_FDDI, p.b, 3, 3, 1, &pkt), VG_DECODE_DROPPED);
	CHECK(has_weird(&pkt, VG_WEIRD_FDDI_FAILED));
	vg_decoder_fini(&d);
}

/* One IPv4 fragment from 10.0.0.1 to dst: 16 payload bytes at offset off8 * 8. */
static enum vg_decode_result
decode_frag(struct vg_decoder *d, uint8_t dst_last, uint16_t id, uint16_t off8, bool more,
	uint64_t ts, const uint8_t *payload, struct vg_pkt *pkt)
{
	struct pb p = {.len = 0};
	uint8_t dst[4] = {10, 0, 1, dst_last};

	pb_ipv4(&p, 17, ip_a, dst, id, (uint16_t)((more ? 0x2000 : 0) | off8), payload, 16);
	return vg_decode(d, VG_LINK_LINKTYPE_RAW, p.b, p.len, p.len, ts, pkt);
}

#define SEC 1000000000ULL

/* Fragments that never complete: slots bounded, every drop counted by cause. */
static void
test_frag_flood(void)
{
	struct vg_decode_cfg cfg = {.frag_slots = 8, .frag_timeout_ns = 30 * SEC};
	struct vg_decoder d;
	struct vg_pkt pkt;
	uint8_t zero[16] = {0};

	CHECK_EQ(vg_decoder_init(&d, &cfg), 0);
	for (uint16_t i = 0; i < 1000; i++) {
		CHECK_EQ(decode_frag(&d, 1, i, 0, true, 100 * SEC + i, zero, &pkt), VG_DECODE_HELD);
		CHECK(d.stats.frag_active <= 8);
	}
	CHECK_EQ(d.stats.frag_opened, 1000);
	CHECK_EQ(d.stats.frag_evicted, 1000 - 8);
	CHECK_EQ(d.stats.frag_timeouts, 0);
	CHECK_EQ(d.stats.frag_active, 8);

	/* The 8 left are the newest: a last fragment completes one of them. */
	CHECK_EQ(decode_frag(&d, 1, 999, 2, false, 101 * SEC, zero, &pkt), VG_DECODE_IP);
	CHECK_EQ(pkt.ip_len, 20 + 32);
	CHECK_EQ(d.stats.frag_opened, 1000); /* same datagram, same slot */
	/* An evicted one cannot: its last fragment opens a new slot (the free one). */
	CHECK_EQ(decode_frag(&d, 1, 5, 2, false, 101 * SEC, zero, &pkt), VG_DECODE_HELD);
	CHECK_EQ(d.stats.frag_opened, 1001);
	CHECK_EQ(d.stats.frag_evicted, 1000 - 8);
	CHECK_EQ(d.stats.reassembled, 1);
	CHECK_EQ(d.stats.frag_active, 8);

	/* Past the timeout every slot left goes at the next fragment. */
	CHECK_EQ(decode_frag(&d, 2, 1, 0, true, 200 * SEC, zero, &pkt), VG_DECODE_HELD);
	CHECK_EQ(d.stats.frag_timeouts, 8);
	CHECK_EQ(d.stats.frag_active, 1);
	CHECK_EQ(d.stats.frag_evicted, 1000 - 8);
	vg_decoder_fini(&d);
}

/* Many datagrams under reassembly at once, completed out of order: each fragment finds its own. */
static void
test_frag_many(void)
{
	enum { N = 3000 };
	struct vg_decode_cfg cfg = {.frag_slots = N};
	struct vg_decoder d;
	struct vg_pkt pkt;
	uint8_t zero[16] = {0};

	CHECK_EQ(vg_decoder_init(&d, &cfg), 0);
	for (uint32_t i = 0; i < N; i++) {
		uint8_t udp[16] = {(uint8_t)(i >> 8), (uint8_t)i, 0x20, 0x00, 0, 32, 0, 0};

		CHECK_EQ(decode_frag(&d, (uint8_t)(i % 7), (uint16_t)i, 0, true, SEC, udp, &pkt),
			VG_DECODE_HELD);
	}
	CHECK_EQ(d.stats.frag_active, N);
	int good = 0;

	for (uint32_t k = 0; k < N; k++) {
		uint32_t i = (k * 7919u) % N; /* a permutation of 0..N-1 */

		if (decode_frag(&d, (uint8_t)(i % 7), (uint16_t)i, 2, false, 2 * SEC, zero, &pkt) ==
				VG_DECODE_IP &&
			pkt.sport == (uint16_t)i)
			good++;
	}
	CHECK_EQ(good, N);
	CHECK_EQ(d.stats.reassembled, N);
	CHECK_EQ(d.stats.frag_active, 0);
	CHECK_EQ(d.stats.frag_evicted, 0);
	vg_decoder_fini(&d);
}

/* decode(link, bytes) and the one weird it must raise, by Zeek's name. */
static void
check_link_weird(int link, const uint8_t *b, uint32_t len, const char *name)
{
	struct vg_decode_cfg cfg = {.frag_slots = 4};
	struct vg_decoder d;
	struct vg_pkt pkt;

	CHECK_EQ(vg_decoder_init(&d, &cfg), 0);
	CHECK_EQ(vg_decode(&d, link, b, len, len, 1, &pkt), VG_DECODE_DROPPED);
	CHECK_EQ(pkt.nweirds, 1);
	if (pkt.nweirds == 1 && strcmp(vg_weird_name(pkt.weirds[0].code), name) != 0) {
		fprintf(stderr, "link %d, %u bytes: weird %s, wanted %s\n", link, len,
			vg_weird_name(pkt.weirds[0].code), name);
		CHECK(0);
	}
	vg_decoder_fini(&d);
}

/*
 * Link-layer weird names and limits of Zeek's packet analyzers: Null.cc,
 * LinuxSLL.cc, LinuxSLL2.cc, PPPoE.cc, MPLS.cc, NFLog.cc. Each weirds when
 * nothing follows its header ("hdr >= len").
 */
static void
test_link_weird_names(void)
{
	uint8_t b[64];

	memset(b, 0, sizeof(b));
	b[0] = 2; /* null: AF_INET, little endian */
	check_link_weird(VG_LINK_NULL, b, 4, "null_analyzer_failed");
	check_link_weird(VG_LINK_NULL, b, 2, "null_analyzer_failed");
	check_link_weird(VG_LINK_LINUX_SLL, b, 16, "truncated_Linux_SLL_header");
	check_link_weird(VG_LINK_LINUX_SLL2, b, 20, "truncated_Linux_SLL2_header");

	/* PPPoE session header with nothing after it. */
	static const uint8_t pppoe[] = {0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0x66, 0x77, 0x88, 0x99,
		0xaa, 0x88, 0x64, 0x11, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x21};

	check_link_weird(VG_LINK_ETHERNET, pppoe, sizeof(pppoe), "truncated_pppoe_header");
	/* An MPLS label, bottom of stack, with nothing after it. */
	static const uint8_t mpls[] = {0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0x66, 0x77, 0x88, 0x99,
		0xaa, 0x88, 0x47, 0x00, 0x01, 0x01, 0x40};

	check_link_weird(VG_LINK_ETHERNET, mpls, sizeof(mpls), "truncated_link_header");

	/* NFLOG: header only; version 1; no payload TLV; a TLV shorter than 4. */
	uint8_t nf[16] = {2, 0, 0, 0};

	check_link_weird(VG_LINK_NFLOG, nf, 4, "truncated_nflog_header");
	nf[1] = 1;
	check_link_weird(VG_LINK_NFLOG, nf, 12, "unknown_nflog_version");
	nf[1] = 0;
	nf[4] = 8; /* a prefix TLV (type 10) of 8 bytes, then nothing */
	nf[6] = 10;
	check_link_weird(VG_LINK_NFLOG, nf, 16, "nflog_no_pcap_payload");
	nf[4] = 2;
	check_link_weird(VG_LINK_NFLOG, nf, 16, "nflog_bad_tlv_len");
	nf[4] = 200; /* past the end */
	check_link_weird(VG_LINK_NFLOG, nf, 16, "nflog_no_pcap_payload");
}

int
main(void)
{
	test_link_weird_names();
	test_frag_flood();
	test_frag_many();
	test_tunnel_max_depth();
	test_fddi();
	printf("decode_zeek: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
