/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <string.h>

#include "vg_exc_class.h"

#define ETH_IPV4 0x0800
#define ETH_ARP  0x0806
#define ETH_IPV6 0x86dd
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8

#define PROTO_UDP    17
#define PROTO_GRE    47
#define PROTO_ICMPV6 58

#define PORT_VXLAN       4789 /* RFC 7348 */
#define PORT_GENEVE      6081 /* RFC 8926 */
#define PORT_DHCP_CLIENT 68
#define GRE_ERSPAN2      0x88be
#define GRE_ERSPAN3      0x22eb

static inline uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* What one classification goes by: the configuration and the host's addresses. */
struct ctx {
	const struct vg_exc_cfg *cfg;
	const struct vg_addr *host;
	uint8_t nhost;
};

static bool
is_host(const struct ctx *x, const struct vg_addr *a)
{
	for (uint8_t i = 0; i < x->nhost; i++)
		if (memcmp(x->host[i].b, a->b, 16) == 0)
			return true;
	return false;
}

/* Mirror transport as --mirror says: UDP to the VXLAN/GENEVE port, GRE carrying ERSPAN. */
static bool
is_mirror(const struct vg_exc_cfg *cfg, uint8_t proto, const uint8_t *l4, uint32_t len)
{
	if (proto == PROTO_UDP && len >= 8) {
		uint16_t dport = be16(l4 + 2);

		if (cfg->mirror_port != 0)
			return (cfg->mirror & (VG_EXC_MIRROR_VXLAN | VG_EXC_MIRROR_GENEVE)) &&
				dport == cfg->mirror_port;
		return ((cfg->mirror & VG_EXC_MIRROR_VXLAN) && dport == PORT_VXLAN) ||
			((cfg->mirror & VG_EXC_MIRROR_GENEVE) && dport == PORT_GENEVE);
	}
	if (proto == PROTO_GRE && len >= 4 && (cfg->mirror & VG_EXC_MIRROR_ERSPAN)) {
		uint16_t type = be16(l4 + 2);

		return type == GRE_ERSPAN2 || type == GRE_ERSPAN3;
	}
	return false;
}

/* The class of an IP packet from its addresses and first transport bytes. */
static enum vg_exc_class
ip_class(const struct ctx *x, const struct vg_addr *src, const struct vg_addr *dst, uint8_t proto,
	const uint8_t *l4, uint32_t l4len)
{
	if (l4 != NULL && is_mirror(x->cfg, proto, l4, l4len))
		return VG_EXC_CAPTURE;
	if (is_host(x, dst))
		return VG_EXC_KERNEL;
	if (l4 != NULL && proto == PROTO_UDP && l4len >= 8 && be16(l4 + 2) == PORT_DHCP_CLIENT)
		return VG_EXC_KERNEL;
	if (is_host(x, src))
		return VG_EXC_IGNORE;
	return VG_EXC_CAPTURE;
}

static enum vg_exc_class
ipv4_class(const struct ctx *x, const uint8_t *p, uint32_t len)
{
	struct vg_addr src, dst;
	uint32_t ihl;

	if (len < 20 || (p[0] >> 4) != 4 || (ihl = (uint32_t)(p[0] & 0x0f) * 4) < 20 || ihl > len)
		return VG_EXC_CAPTURE;
	vg_addr_from_v4(&src, p + 12);
	vg_addr_from_v4(&dst, p + 16);
	/* A later fragment has no transport header: its addresses decide. */
	bool first = (be16(p + 6) & 0x1fff) == 0;

	return ip_class(x, &src, &dst, p[9], first ? p + ihl : NULL, len - ihl);
}

static enum vg_exc_class
ipv6_class(const struct ctx *x, const uint8_t *p, uint32_t len)
{
	struct vg_addr src, dst;
	uint8_t next;

	if (len < 40 || (p[0] >> 4) != 6)
		return VG_EXC_CAPTURE;
	memcpy(src.b, p + 8, 16);
	memcpy(dst.b, p + 24, 16);
	next = p[6];
	/* Neighbour discovery and router advertisements to link multicast (RFC 4861). */
	if (next == PROTO_ICMPV6 && len >= 41 && dst.b[0] == 0xff && (dst.b[1] & 0x0f) == 0x02 &&
		p[40] >= 133 && p[40] <= 137)
		return VG_EXC_KERNEL;
	/* Extension headers are not walked: the first header after IPv6 decides. */
	return ip_class(x, &src, &dst, next, p + 40, len - 40);
}

static enum vg_exc_class
arp_class(const struct ctx *x, const uint8_t *p, uint32_t len)
{
	struct vg_addr tpa;

	/* Ethernet/IPv4 ARP: hardware 1, protocol 0x0800, lengths 6 and 4. */
	if (len < 28 || be16(p) != 1 || be16(p + 2) != ETH_IPV4 || p[4] != 6 || p[5] != 4)
		return VG_EXC_CAPTURE;
	vg_addr_from_v4(&tpa, p + 24);
	return is_host(x, &tpa) ? VG_EXC_KERNEL : VG_EXC_CAPTURE;
}

static enum vg_exc_class
classify(const struct ctx *x, const uint8_t *f, uint32_t len)
{
	const struct vg_exc_cfg *cfg = x->cfg;
	uint32_t off = 12;
	uint16_t type;

	if (len < 14)
		return VG_EXC_CAPTURE;
	if (cfg->has_mac && memcmp(f + 6, cfg->mac, 6) == 0)
		return VG_EXC_IGNORE;
	type = be16(f + off);
	for (int tags = 0; (type == ETH_VLAN || type == ETH_QINQ) && tags < 2; tags++) {
		off += 4;
		if (off + 2 > len)
			return VG_EXC_CAPTURE;
		type = be16(f + off);
	}
	off += 2;
	switch (type) {
	case ETH_IPV4:
		return ipv4_class(x, f + off, len - off);
	case ETH_IPV6:
		return ipv6_class(x, f + off, len - off);
	case ETH_ARP:
		return arp_class(x, f + off, len - off);
	default:
		return VG_EXC_CAPTURE;
	}
}

enum vg_exc_class
vg_exc_classify(const struct vg_exc_cfg *cfg, const uint8_t *f, uint32_t len)
{
	const struct ctx x = {cfg, cfg->addrs, cfg->naddrs};

	return classify(&x, f, len);
}

enum vg_exc_class
vg_exc_classify_hosts(const struct vg_exc_cfg *cfg, const struct vg_addr *host, uint8_t nhost,
	const uint8_t *f, uint32_t len)
{
	const struct ctx x = {cfg, host, nhost};

	return classify(&x, f, len);
}

int
vg_exc_add_addr(struct vg_exc_cfg *cfg, const char *text)
{
	uint8_t b[16];

	if (cfg->naddrs >= VG_EXC_MAX_ADDRS)
		return -1;
	if (inet_pton(AF_INET, text, b) == 1) {
		vg_addr_from_v4(&cfg->addrs[cfg->naddrs++], b);
		return 0;
	}
	if (inet_pton(AF_INET6, text, b) == 1) {
		memcpy(cfg->addrs[cfg->naddrs++].b, b, 16);
		return 0;
	}
	return -1;
}
