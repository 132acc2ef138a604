/* SPDX-License-Identifier: BSD-3-Clause */
/* The exception path's classifier: which frames go to the host's kernel. */
#include <string.h>

#include "vg_exc_class.h"
#include "vg_test.h"

static uint8_t frame[256];

/* An Ethernet frame with `vlans` 802.1Q tags and ethertype `type`; returns the payload's offset. */
static uint32_t
eth(uint16_t type, int vlans)
{
	uint32_t off = 12;

	memset(frame, 0, sizeof(frame));
	for (int i = 0; i < vlans; i++, off += 4) {
		frame[off] = 0x81;
		frame[off + 3] = 7;
	}
	frame[off] = (uint8_t)(type >> 8);
	frame[off + 1] = (uint8_t)type;
	return off + 2;
}

/* IPv4 src -> dst (last octets, 10.0.0.x), protocol, then UDP/TCP ports; the frame's length. */
static uint32_t
ip4(int vlans, uint8_t src, uint8_t dst, uint8_t proto, uint16_t sport, uint16_t dport)
{
	uint32_t o = eth(0x0800, vlans);
	uint8_t *p = frame + o;

	p[0] = 0x45;
	p[9] = proto;
	p[12] = 10, p[15] = src;
	p[16] = 10, p[19] = dst;
	p[20] = (uint8_t)(sport >> 8), p[21] = (uint8_t)sport;
	p[22] = (uint8_t)(dport >> 8), p[23] = (uint8_t)dport;
	return o + 20 + 8;
}

static void
test_ipv4(struct vg_exc_cfg *c)
{
	uint32_t n;

	/* SSH and ICMP to the host: the kernel's. */
	n = ip4(0, 1, 2, 6, 40000, 22);
	CHECK_EQ(vg_exc_classify(c, frame, n), VG_EXC_KERNEL);
	n = ip4(1, 1, 2, 1, 0, 0);
	CHECK_EQ(vg_exc_classify(c, frame, n), VG_EXC_KERNEL);
	/* VXLAN and GENEVE to the host: mirror transport, captured. */
	n = ip4(0, 1, 2, 17, 50000, 4789);
	CHECK_EQ(vg_exc_classify(c, frame, n), VG_EXC_CAPTURE);
	n = ip4(2, 1, 2, 17, 50000, 6081);
	CHECK_EQ(vg_exc_classify(c, frame, n), VG_EXC_CAPTURE);
	/* Other UDP to the host (DNS answers): the kernel's. */
	n = ip4(0, 1, 2, 17, 53, 41000);
	CHECK_EQ(vg_exc_classify(c, frame, n), VG_EXC_KERNEL);
	/* Traffic between other addresses: captured; from the host: ignored. */
	n = ip4(0, 1, 3, 6, 40000, 22);
	CHECK_EQ(vg_exc_classify(c, frame, n), VG_EXC_CAPTURE);
	n = ip4(0, 2, 1, 6, 22, 40000);
	CHECK_EQ(vg_exc_classify(c, frame, n), VG_EXC_IGNORE);
	/* DHCP to a client port, whatever the address. */
	n = ip4(0, 1, 255, 17, 67, 68);
	CHECK_EQ(vg_exc_classify(c, frame, n), VG_EXC_KERNEL);
	/* A later fragment to the host: no ports to look at, the kernel's. */
	n = ip4(0, 1, 2, 17, 50000, 4789);
	frame[14 + 6] = 0x00, frame[14 + 7] = 0x10;
	CHECK_EQ(vg_exc_classify(c, frame, n), VG_EXC_KERNEL);
	/* Too short to tell: captured (the decode counts it). */
	n = ip4(0, 1, 2, 6, 40000, 22);
	CHECK_EQ(vg_exc_classify(c, frame, 30), VG_EXC_CAPTURE);
	CHECK_EQ(vg_exc_classify(c, frame, 10), VG_EXC_CAPTURE);
	frame[14] = 0x4f; /* header longer than the frame */
	CHECK_EQ(vg_exc_classify(c, frame, 40), VG_EXC_CAPTURE);
}

static void
test_mirror_config(struct vg_exc_cfg *c)
{
	uint32_t n = ip4(0, 1, 2, 17, 50000, 4789);

	/* Without --mirror, VXLAN to the host is the host's. */
	c->mirror = 0;
	CHECK_EQ(vg_exc_classify(c, frame, n), VG_EXC_KERNEL);
	/* --mirror-port replaces the standard ports. */
	c->mirror = VG_EXC_MIRROR_VXLAN;
	c->mirror_port = 9999;
	CHECK_EQ(vg_exc_classify(c, frame, n), VG_EXC_KERNEL);
	n = ip4(0, 1, 2, 17, 50000, 9999);
	CHECK_EQ(vg_exc_classify(c, frame, n), VG_EXC_CAPTURE);
	c->mirror_port = 0;
	/* ERSPAN in GRE only with erspan in --mirror. */
	n = ip4(0, 1, 2, 47, 0x0000, 0x88be);
	CHECK_EQ(vg_exc_classify(c, frame, n), VG_EXC_KERNEL);
	c->mirror |= VG_EXC_MIRROR_ERSPAN;
	CHECK_EQ(vg_exc_classify(c, frame, n), VG_EXC_CAPTURE);
	c->mirror = VG_EXC_MIRROR_VXLAN | VG_EXC_MIRROR_GENEVE;
}

static void
test_arp(struct vg_exc_cfg *c)
{
	uint32_t o = eth(0x0806, 0);
	uint8_t *p = frame + o;

	p[1] = 1, p[2] = 0x08, p[4] = 6, p[5] = 4, p[7] = 1;
	p[14] = 10, p[17] = 1; /* who has 10.0.0.2? tell 10.0.0.1 */
	p[24] = 10, p[27] = 2;
	CHECK_EQ(vg_exc_classify(c, frame, o + 28), VG_EXC_KERNEL);
	p[27] = 3;
	CHECK_EQ(vg_exc_classify(c, frame, o + 28), VG_EXC_CAPTURE);
	CHECK_EQ(vg_exc_classify(c, frame, o + 20), VG_EXC_CAPTURE);
}

static void
test_ipv6(struct vg_exc_cfg *c)
{
	uint32_t o = eth(0x86dd, 0);
	uint8_t *p = frame + o;

	p[0] = 0x60;
	p[6] = 6;
	p[8] = 0x20, p[9] = 0x01, p[23] = 1;   /* 2001::1 */
	p[24] = 0x20, p[25] = 0x01, p[39] = 2; /* 2001::2, the host */
	CHECK_EQ(vg_exc_classify(c, frame, o + 60), VG_EXC_KERNEL);
	p[6] = 17, p[42] = 6081 >> 8, p[43] = 6081 & 0xff;
	CHECK_EQ(vg_exc_classify(c, frame, o + 60), VG_EXC_CAPTURE);
	/* A neighbour solicitation to a solicited-node group. */
	memset(p + 24, 0, 16);
	p[24] = 0xff, p[25] = 0x02, p[35] = 1, p[36] = 0xff, p[39] = 2;
	p[6] = 58, p[40] = 135;
	CHECK_EQ(vg_exc_classify(c, frame, o + 64), VG_EXC_KERNEL);
	p[40] = 128; /* an echo request to a group: not the host's */
	CHECK_EQ(vg_exc_classify(c, frame, o + 64), VG_EXC_CAPTURE);
}

int
main(void)
{
	struct vg_exc_cfg c;

	memset(&c, 0, sizeof(c));
	c.mirror = VG_EXC_MIRROR_VXLAN | VG_EXC_MIRROR_GENEVE;
	CHECK_EQ(vg_exc_add_addr(&c, "10.0.0.2"), 0);
	CHECK_EQ(vg_exc_add_addr(&c, "2001::2"), 0);
	CHECK(vg_exc_add_addr(&c, "10.0.0.300") != 0);
	CHECK(vg_exc_add_addr(&c, "host") != 0);
	test_ipv4(&c);
	test_mirror_config(&c);
	test_arp(&c);
	test_ipv6(&c);
	/* The port's own MAC as source: the kernel's output seen again. */
	c.has_mac = true;
	memcpy(c.mac, "\x02\0\0\0\0\x09", 6);
	uint32_t n = ip4(0, 1, 3, 6, 40000, 22);

	CHECK_EQ(vg_exc_classify(&c, frame, n), VG_EXC_CAPTURE);
	memcpy(frame + 6, c.mac, 6);
	CHECK_EQ(vg_exc_classify(&c, frame, n), VG_EXC_IGNORE);
	printf("exc-class: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed != 0;
}
