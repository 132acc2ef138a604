/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Address classes Zeek's default scripts use: the private address space that
 * counts as local (Site::private_address_space in
 * scripts/base/utils/site.zeek), the configured local networks
 * (Site::local_nets), and ICMP type counterparts that pair requests with
 * replies in one connection.
 *
 * The private address space is site.zeek's list as of zeek/zeek pull request
 * #4164 (January 2025): the IANA IPv4 and IPv6 special-purpose ranges that are
 * not globally reachable, the 6to4 form (2002::/16) of each IPv4 range, and
 * 224.0.0.0/24 (RFC 5771), 239.0.0.0/8 (RFC 2365) and fec0::/10 (RFC 3879).
 * The Zeek that wrote the parity corpus already has them: core.pbb logs
 * 224.0.0.5 and 224.0.0.18 as local, core.q-in-q 224.2.127.254 not.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_flow.h"

struct prefix {
	uint8_t b[16];
	uint8_t len; /* in bits, over the 16-byte (IPv4-mapped) form */
};

#define V4(a, b_, c, d, l)                                                                         \
	{                                                                                          \
		{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b_, c, d}, 96 + (l)                  \
	}

static const struct prefix private_space[] = {
	/* 6to4 forms (RFC 3056) of the IPv4 ranges in v4_private(). */
	{{0x20, 0x02, 0x00}, 24},                   /* 0.0.0.0/8 */
	{{0x20, 0x02, 0x0a}, 24},                   /* 10.0.0.0/8 */
	{{0x20, 0x02, 0x64, 0x40}, 26},             /* 100.64.0.0/10 */
	{{0x20, 0x02, 0x7f}, 24},                   /* 127.0.0.0/8 */
	{{0x20, 0x02, 0xa9, 0xfe}, 32},             /* 169.254.0.0/16 */
	{{0x20, 0x02, 0xac, 0x10}, 28},             /* 172.16.0.0/12 */
	{{0x20, 0x02, 0xc0, 0x00, 0x00}, 40},       /* 192.0.0.0/24 */
	{{0x20, 0x02, 0xc0, 0x00, 0x02}, 40},       /* 192.0.2.0/24 */
	{{0x20, 0x02, 0xc0, 0xa8}, 32},             /* 192.168.0.0/16 */
	{{0x20, 0x02, 0xc6, 0x12}, 31},             /* 198.18.0.0/15 */
	{{0x20, 0x02, 0xc6, 0x33, 0x64}, 40},       /* 198.51.100.0/24 */
	{{0x20, 0x02, 0xcb, 0x00, 0x71}, 40},       /* 203.0.113.0/24 */
	{{0x20, 0x02, 0xe0, 0x00, 0x00}, 40},       /* 224.0.0.0/24 */
	{{0x20, 0x02, 0xef}, 24},                   /* 239.0.0.0/8 */
	{{0x20, 0x02, 0xf0}, 20},                   /* 240.0.0.0/4 */
	{{0x20, 0x02, 0xff, 0xff, 0xff, 0xff}, 48}, /* 255.255.255.255/32 */
	/* IPv6 special-purpose ranges. */
	{{0}, 128},                                              /* :: */
	{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128}, /* ::1 */
	{{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48},              /* 64:ff9b:1::/48 */
	{{0x01, 0x00}, 64},                                      /* 100::/64 */
	{{0x20, 0x01, 0x00}, 23},                                /* 2001::/23 */
	{{0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, 48},              /* 2001:2::/48 */
	{{0x20, 0x01, 0x0d, 0xb8}, 32},                          /* 2001:db8::/32 */
	{{0xfc}, 7},                                             /* fc00::/7 */
	{{0xfe, 0x80}, 10},                                      /* fe80::/10 */
	{{0xfe, 0xc0}, 10},                                      /* fec0::/10, RFC 3879 */
};

static bool
prefix_match(const struct prefix *p, const struct vg_addr *a)
{
	uint8_t full = p->len / 8, rest = p->len % 8;

	if (memcmp(p->b, a->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));

	return (p->b[full] & mask) == (a->b[full] & mask);
}

/* site.zeek's IPv4 private address space as (network, mask) words, one compare each. */
static bool
v4_private(uint32_t ip)
{
	static const struct {
		uint32_t net, mask;
	} nets[] = {
		{0x00000000, 0xff000000},
		{0x0a000000, 0xff000000},
		{0x64400000, 0xffc00000},
		{0x7f000000, 0xff000000},
		{0xa9fe0000, 0xffff0000},
		{0xac100000, 0xfff00000},
		{0xc0000000, 0xffffff00},
		{0xc0000200, 0xffffff00},
		{0xc0a80000, 0xffff0000},
		{0xc6120000, 0xfffe0000},
		{0xc6336400, 0xffffff00},
		{0xcb007100, 0xffffff00},
		{0xe0000000, 0xffffff00}, /* 224.0.0.0/24, local network control block */
		{0xef000000, 0xff000000}, /* 239.0.0.0/8, administratively scoped multicast */
		{0xf0000000, 0xf0000000},
		{0xffffffff, 0xffffffff},
	};

	for (size_t i = 0; i < VG_ARRAY_SIZE(nets); i++)
		if ((ip & nets[i].mask) == nets[i].net)
			return true;
	return false;
}

bool
vg_addr_is_private(const struct vg_addr *a)
{
	bool v4 = vg_addr_is_v4(a);

	if (v4)
		return v4_private(vg_be32(a->b + 12));
	for (size_t i = 0; i < VG_ARRAY_SIZE(private_space); i++) {
		if (prefix_match(&private_space[i], a))
			return true;
	}
	return false;
}

/* One CIDR of n bytes at s into ln's next slot; -1 with the reason in err. */
static int
local_net_parse(struct vg_local_nets *ln, const char *s, size_t n, char *err, size_t errlen)
{
	char text[64];
	uint8_t b[16] = {0};
	const char *slash;
	long bits = -1;
	uint8_t base = 0;

	if (n == 0 || n >= sizeof(text)) {
		snprintf(err, errlen, "'%.*s' is not a CIDR (like 10.1.0.0/16 or 2001:db8::/32)",
			(int)VG_MIN(n, 64), s);
		return -1;
	}
	memcpy(text, s, n);
	text[n] = '\0';
	slash = strchr(text, '/');
	if (slash != NULL) {
		char *end;

		text[slash - text] = '\0';
		bits = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || bits < 0)
			bits = 999;
	}
	if (inet_pton(AF_INET, text, b + 12) == 1) {
		b[10] = b[11] = 0xff;
		base = 96;
		if (bits > 32)
			bits = -2;
	} else if (inet_pton(AF_INET6, text, b) == 1) {
		if (bits > 128)
			bits = -2;
	} else {
		bits = -3;
	}
	if (bits < -1) {
		if (slash != NULL)
			text[slash - text] = '/';
		snprintf(err, errlen, "'%s' is not a CIDR (like 10.1.0.0/16 or 2001:db8::/32)",
			text);
		return -1;
	}
	if (ln->n >= VG_LOCAL_NETS_MAX) {
		snprintf(err, errlen, "at most %d local networks", VG_LOCAL_NETS_MAX);
		return -1;
	}
	uint8_t len = (uint8_t)(bits < 0 ? 128 : base + bits);

	/* Clear the host bits, as Zeek's subnet values do. */
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = len > i * 8 ? len - i * 8 : 0;

		if (keep < 8)
			b[i] &= (uint8_t)(0xff00 >> keep);
	}
	memcpy(ln->nets[ln->n].b, b, 16);
	ln->nets[ln->n].len = len;
	ln->n++;
	return 0;
}

int
vg_local_nets_add(struct vg_local_nets *ln, const char *list, char *err, size_t errlen)
{
	const char *p = list;

	do {
		size_t n = strcspn(p, ",");

		while (n > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (local_net_parse(ln, p, n, err, errlen) != 0)
			return -1;
		p += strcspn(p, ",");
	} while (*p++ == ',');
	return 0;
}

bool
vg_local_nets_has(const struct vg_local_nets *ln, const struct vg_addr *a)
{
	if (ln == NULL)
		return false;
	for (uint32_t i = 0; i < ln->n; i++) {
		struct prefix p;

		memcpy(p.b, ln->nets[i].b, 16);
		p.len = ln->nets[i].len;
		if (prefix_match(&p, a))
			return true;
	}
	return false;
}

bool
vg_addr_local(const struct vg_flow_cfg *cfg, const struct vg_addr *a, bool *local)
{
	bool nets = cfg->local_nets != NULL && cfg->local_nets->n > 0;

	if (!cfg->local_private && !nets)
		return false;
	*local = (cfg->local_private && vg_addr_is_private(a)) ||
		vg_local_nets_has(cfg->local_nets, a);
	return true;
}

uint16_t
vg_icmp_counterpart(bool v6, uint8_t type, uint8_t code, bool *one_way)
{
	*one_way = false;
	if (!v6) {
		switch (type) {
		case 8:
			return 0;
		case 0:
			return 8;
		case 13:
			return 14;
		case 14:
			return 13;
		case 15:
			return 16;
		case 16:
			return 15;
		case 10:
			return 9;
		case 9:
			return 10;
		case 17:
			return 18;
		case 18:
			return 17;
		}
	} else {
		switch (type) {
		case 128:
			return 129;
		case 129:
			return 128;
		case 133:
			return 134;
		case 134:
			return 133;
		case 135:
			return 136;
		case 136:
			return 135;
		case 130:
			return 131;
		case 131:
			return 130;
		case 139:
			return 140;
		case 140:
			return 139;
		case 144:
			return 145;
		case 145:
			return 144;
		}
	}
	*one_way = true;
	return code;
}
