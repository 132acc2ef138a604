/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for vigil-tap: the VXLAN header, the Ethernet frame made up for
 * cooked and raw captures, the symmetric flow hash, the token bucket, and the
 * sender end to end on loopback (every datagram arrives, VXLAN-wrapped, and
 * both directions of a flow leave from one source port).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vg_tap_encap.h"
#include "vg_tap_rate.h"
#include "vg_tap_send.h"
#include "vg_test.h"

/* An Ethernet + IPv4 + UDP frame from a to b (last octets), ports pa -> pb. */
static uint32_t
make_frame(uint8_t *f, uint8_t a, uint8_t b, uint16_t pa, uint16_t pb, bool vlan)
{
	uint32_t o = 12;

	memset(f, 0, 128);
	if (vlan) {
		f[o] = 0x81;
		f[o + 1] = 0x00;
		f[o + 3] = 7;
		o += 4;
	}
	f[o] = 0x08;
	f[o + 1] = 0x00;
	o += 2;
	uint8_t *ip = f + o;

	ip[0] = 0x45;
	ip[9] = 17;
	ip[12] = 10, ip[15] = a;
	ip[16] = 10, ip[19] = b;
	ip[20] = (uint8_t)(pa >> 8), ip[21] = (uint8_t)pa;
	ip[22] = (uint8_t)(pb >> 8), ip[23] = (uint8_t)pb;
	return o + 28;
}

static void
test_vxlan_header(void)
{
	uint8_t h[8];

	vg_tap_vxlan_header(h, 0x123456);
	CHECK_EQ(h[0], 0x08);
	CHECK(h[1] == 0 && h[2] == 0 && h[3] == 0 && h[7] == 0);
	CHECK(h[4] == 0x12 && h[5] == 0x34 && h[6] == 0x56);
}

static void
test_links(void)
{
	CHECK_EQ(vg_tap_link_of(1), VG_TAP_LINK_ETHERNET);
	CHECK_EQ(vg_tap_link_of(113), VG_TAP_LINK_SLL);
	CHECK_EQ(vg_tap_link_of(276), VG_TAP_LINK_SLL2);
	CHECK_EQ(vg_tap_link_of(101), VG_TAP_LINK_RAW);
	CHECK_EQ(vg_tap_link_of(105), VG_TAP_LINK_UNKNOWN); /* 802.11 */
}

static void
test_frames(void)
{
	uint8_t eth[14], pkt[64];
	uint32_t hl;

	/* Ethernet: as captured; too short refused. */
	memset(pkt, 0, sizeof(pkt));
	CHECK_EQ(vg_tap_frame(VG_TAP_LINK_ETHERNET, pkt, 60, eth, &hl), 0);
	CHECK_EQ(hl, 0);
	CHECK_EQ(vg_tap_frame(VG_TAP_LINK_ETHERNET, pkt, 13, eth, &hl), -1);
	/* Cooked (SLL): header dropped, protocol and source address kept. */
	pkt[5] = 6;
	memcpy(pkt + 6, "\x02\x11\x22\x33\x44\x55", 6);
	pkt[14] = 0x86, pkt[15] = 0xdd;
	CHECK_EQ(vg_tap_frame(VG_TAP_LINK_SLL, pkt, 60, eth, &hl), 16);
	CHECK_EQ(hl, 14);
	CHECK(memcmp(eth + 6, "\x02\x11\x22\x33\x44\x55", 6) == 0);
	CHECK(eth[12] == 0x86 && eth[13] == 0xdd);
	CHECK_EQ(vg_tap_frame(VG_TAP_LINK_SLL, pkt, 15, eth, &hl), -1);
	/* SLL2: protocol first, address at 12. */
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x08;
	pkt[11] = 6;
	memcpy(pkt + 12, "\x02\xaa\xbb\xcc\xdd\xee", 6);
	CHECK_EQ(vg_tap_frame(VG_TAP_LINK_SLL2, pkt, 60, eth, &hl), 20);
	CHECK(eth[12] == 0x08 && eth[13] == 0x00 && eth[6] == 0x02 && eth[11] == 0xee);
	/* Raw IP: the version picks the EtherType; neither 4 nor 6 is refused. */
	pkt[0] = 0x60;
	CHECK_EQ(vg_tap_frame(VG_TAP_LINK_RAW, pkt, 40, eth, &hl), 0);
	CHECK(eth[12] == 0x86 && eth[13] == 0xdd && eth[6] == 0);
	pkt[0] = 0x50;
	CHECK_EQ(vg_tap_frame(VG_TAP_LINK_RAW, pkt, 40, eth, &hl), -1);
	CHECK_EQ(vg_tap_frame(VG_TAP_LINK_RAW, pkt, 0, eth, &hl), -1);
}

static void
test_flow_hash(void)
{
	uint8_t f1[128], f2[128], f3[128];
	uint32_t l1 = make_frame(f1, 1, 2, 40000, 53, false);
	uint32_t l2 = make_frame(f2, 2, 1, 53, 40000, true);
	uint32_t l3 = make_frame(f3, 1, 3, 40000, 53, false);

	CHECK(vg_tap_flow_hash(f1, l1, false) != 0);
	/* Both directions alike, through a VLAN tag too. */
	CHECK_EQ(vg_tap_flow_hash(f1, l1, false), vg_tap_flow_hash(f2, l2, false));
	CHECK(vg_tap_flow_hash(f1, l1, false) != vg_tap_flow_hash(f3, l3, false));
	/* The IP packet alone hashes as the frame does. */
	CHECK_EQ(vg_tap_flow_hash(f1 + 14, l1 - 14, true), vg_tap_flow_hash(f1, l1, false));
	/* Short or non-IP: 0, never a read past the end. */
	CHECK_EQ(vg_tap_flow_hash(f1, 20, false), 0);
	CHECK_EQ(vg_tap_flow_hash(f2, 17, false), 0);
	f3[12] = 0x08, f3[13] = 0x06; /* ARP */
	CHECK_EQ(vg_tap_flow_hash(f3, l3, false), 0);
}

static void
test_bucket(void)
{
	struct vg_tap_bucket b;
	int n = 0;

	vg_tap_bucket_init(&b, 1000, 10, 0); /* 1000/s, burst 10 */
	for (int i = 0; i < 100; i++)
		n += vg_tap_bucket_take(&b, 1, 0);
	CHECK_EQ(n, 10);
	/* 5 ms later: 5 more. */
	n = 0;
	for (int i = 0; i < 100; i++)
		n += vg_tap_bucket_take(&b, 1, 5000000);
	CHECK_EQ(n, 5);
	/* An hour later: never more than the burst. */
	n = 0;
	for (int i = 0; i < 100; i++)
		n += vg_tap_bucket_take(&b, 1, 3600000000000ull);
	CHECK_EQ(n, 10);
	/* No limit. */
	vg_tap_bucket_init(&b, 0, 0, 0);
	CHECK(vg_tap_bucket_take(&b, 1e9, 0));
}

/* A receiver on loopback: its address in a. */
static int
receiver(struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	socklen_t l = sizeof(*a);
	int big = 4 << 20;

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (bind(fd, (struct sockaddr *)a, sizeof(*a)) != 0 ||
		getsockname(fd, (struct sockaddr *)a, &l) != 0)
		return -1;
	struct timeval tv = {.tv_sec = 2};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void
test_sender(void)
{
	struct sockaddr_in a;
	int rx = receiver(&a);
	struct vg_tap_sender s;
	uint8_t f[2][128];
	uint32_t len[2];

	CHECK(rx >= 0);
	CHECK_EQ(
		vg_tap_sender_open(&s, (struct sockaddr *)&a, sizeof(a), 4, 8, 65536 * 4, 4242), 0);
	len[0] = make_frame(f[0], 1, 2, 40000, 80, false);
	len[1] = make_frame(f[1], 2, 1, 80, 40000, false);
	/* 50 frames, alternating directions of one flow; a made-up header on odd ones. */
	uint8_t head[14] = {[12] = 0x08};

	for (int i = 0; i < 50; i++) {
		uint32_t h = vg_tap_flow_hash(f[i & 1], len[i & 1], false);

		if (i & 1)
			CHECK_EQ(vg_tap_sender_add(&s, h, head, 14, f[1] + 14, len[1] - 14), 0);
		else
			CHECK_EQ(vg_tap_sender_add(&s, h, NULL, 0, f[0], len[0]), 0);
	}
	vg_tap_sender_flush(&s);
	CHECK_EQ(s.c.sent, 50);
	CHECK_EQ(s.c.send_drops, 0);
	/* Too big for a datagram: refused, nothing queued. */
	static uint8_t huge[70000];

	CHECK_EQ(vg_tap_sender_add(&s, 1, NULL, 0, huge, sizeof(huge)), -1);

	int got = 0, same_port = 1;
	uint16_t port0 = 0;

	for (int i = 0; i < 50; i++) {
		uint8_t d[256];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(rx, d, sizeof(d), 0, (struct sockaddr *)&from, &fl);

		if (n != 8 + (ssize_t)len[i & 1])
			break;
		if (d[0] != 0x08 || d[4] != 0x00 || d[5] != 0x10 || d[6] != 0x92)
			break;
		if (memcmp(d + 8 + 14, f[i & 1] + 14, len[i & 1] - 14) != 0)
			break;
		if (i == 0)
			port0 = from.sin_port;
		same_port &= from.sin_port == port0;
		got++;
	}
	CHECK_EQ(got, 50);
	CHECK(same_port);
	vg_tap_sender_close(&s);
	close(rx);
}

int
main(void)
{
	test_vxlan_header();
	test_links();
	test_frames();
	test_flow_hash();
	test_bucket();
	test_sender();
	printf("vg_tap: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed != 0;
}
