/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zeek's site defaults, read from Zeek's scripts: Site::private_address_space
 * (scripts/base/utils/site.zeek) range by range, at both edges of each range;
 * Site::local_nets and how conn/main.zeek derives local_orig/local_resp.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "vg_test.h"
#include "vg_flow.h"

static struct vg_addr
addr(const char *s)
{
	struct vg_addr a;
	uint8_t b[16];

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, b) == 1)
		vg_addr_from_v4(&a, b);
	else if (inet_pton(AF_INET6, s, a.b) != 1)
		fprintf(stderr, "site: bad test address %s\n", s);
	return a;
}

static bool private(const char *s)
{
	struct vg_addr a = addr(s);

	return vg_addr_is_private(&a);
}

#define CHECK_PRIVATE(s)     CHECK(private(s))
#define CHECK_NOT_PRIVATE(s) CHECK(!private(s))

/* Every range of site.zeek, first and last address, and its neighbours outside. */
static void
test_private_v4(void)
{
	static const char *const in[] = {"0.0.0.0", "0.255.255.255", "10.0.0.0", "10.255.255.255",
		"100.64.0.0", "100.127.255.255", "127.0.0.0", "127.255.255.255", "169.254.0.0",
		"169.254.255.255", "172.16.0.0", "172.31.255.255", "192.0.0.0", "192.0.0.255",
		"192.0.2.0", "192.0.2.255", "192.168.0.0", "192.168.255.255", "198.18.0.0",
		"198.19.255.255", "198.51.100.0", "198.51.100.255", "203.0.113.0", "203.0.113.255",
		"224.0.0.0", "224.0.0.255", "239.0.0.0", "239.255.255.255", "240.0.0.0",
		"255.255.255.254", "255.255.255.255"};
	static const char *const out[] = {"1.0.0.0", "9.255.255.255", "11.0.0.0", "100.63.255.255",
		"100.128.0.0", "126.255.255.255", "128.0.0.0", "169.253.255.255", "169.255.0.0",
		"172.15.255.255", "172.32.0.0", "192.0.1.0", "192.0.3.0", "192.167.255.255",
		"192.169.0.0", "198.17.255.255", "198.20.0.0", "198.51.99.255", "198.51.101.0",
		"203.0.112.255", "203.0.114.0", "223.255.255.255", "224.0.1.0", "224.2.127.254",
		"238.255.255.255", "8.8.8.8"};

	for (size_t i = 0; i < VG_ARRAY_SIZE(in); i++)
		CHECK_PRIVATE(in[i]);
	for (size_t i = 0; i < VG_ARRAY_SIZE(out); i++)
		CHECK_NOT_PRIVATE(out[i]);
}

static void
test_private_v6(void)
{
	static const char *const in[] = {"::", "::1", "64:ff9b:1::", "64:ff9b:1:ffff::1",
		"100::", "100::ffff:ffff:ffff:ffff",
		"2001::", "2001:1ff:ffff::", "2001:2::", "2001:db8::1", "fc00::", "fdff::1",
		"fe80::1", "febf::1", "fec0::1", "feff::1",
		/* 6to4 forms: 2002: + the IPv4 range. */
		"2002::", "2002:a00::", "2002:aff:ffff::", "2002:6440::", "2002:647f::",
		"2002:7f00::", "2002:a9fe::", "2002:ac10::", "2002:ac1f::", "2002:c000::",
		"2002:c000:2ff::", "2002:c0a8::", "2002:c612::", "2002:c613::", "2002:c633:6400::",
		"2002:cb00:7100::", "2002:e000::", "2002:e000:ff::", "2002:ef00::", "2002:efff::",
		"2002:f000::", "2002:ffff:ffff::"};
	static const char *const out[] = {"::2", "64:ff9b::1",
		"100:0:0:1::", "2001:200::", "2001:db9::", "fbff::1", "ff02::1",
		"2002:808:808::", "2002:e000:100::", "2002:eeff::", "2002:c614::", "2003::1",
		"2600::1"};

	for (size_t i = 0; i < VG_ARRAY_SIZE(in); i++)
		CHECK_PRIVATE(in[i]);
	for (size_t i = 0; i < VG_ARRAY_SIZE(out); i++)
		CHECK_NOT_PRIVATE(out[i]);
}

static bool
in_nets(const struct vg_local_nets *ln, const char *s)
{
	struct vg_addr a = addr(s);

	return vg_local_nets_has(ln, &a);
}

static void
test_local_nets_parse(void)
{
	static struct vg_local_nets ln;
	char err[160];

	CHECK_EQ(vg_local_nets_add(&ln, "1.2.3.0/24, 2001:db8::/32", err, sizeof(err)), 0);
	CHECK_EQ(ln.n, 2);
	CHECK_EQ(ln.nets[0].len, 96 + 24);
	CHECK_EQ(ln.nets[1].len, 32);
	CHECK(in_nets(&ln, "1.2.3.0") && in_nets(&ln, "1.2.3.255"));
	CHECK(!in_nets(&ln, "1.2.4.0") && !in_nets(&ln, "1.2.2.255"));
	CHECK(in_nets(&ln, "2001:db8:ffff::1") && !in_nets(&ln, "2001:db9::1"));
	/* An IPv4 prefix never matches an IPv6 address with the same bits. */
	CHECK(!in_nets(&ln, "102:300::"));

	/* Host bits are cleared; an address alone is a host; /0 is everything. */
	CHECK_EQ(vg_local_nets_add(&ln, "5.6.7.8/8", err, sizeof(err)), 0);
	CHECK(in_nets(&ln, "5.0.0.0") && in_nets(&ln, "5.255.255.255") && !in_nets(&ln, "6.0.0.0"));
	CHECK_EQ(vg_local_nets_add(&ln, "9.9.9.9,fe90::1", err, sizeof(err)), 0);
	CHECK(in_nets(&ln, "9.9.9.9") && !in_nets(&ln, "9.9.9.8"));
	CHECK(in_nets(&ln, "fe90::1") && !in_nets(&ln, "fe90::2"));
	CHECK(!in_nets(&ln, "8.8.8.8"));
	CHECK_EQ(vg_local_nets_add(&ln, "0.0.0.0/0", err, sizeof(err)), 0);
	CHECK(in_nets(&ln, "8.8.8.8") && !in_nets(&ln, "2600::1"));
	CHECK_EQ(ln.n, 6);

	/* Bad CIDRs: refused with a reason, nothing added. */
	static const char *const bad[] = {"", "1.2.3.0/33", "1.2.3.0/", "1.2.3.0/x", "1.2.3/24",
		"2001:db8::/129", "/8", "1.2.3.0/-1", "10.0.0.0/8,", ",10.0.0.0/8", "host.example",
		"1.2.3.0/24/8"};

	for (size_t i = 0; i < VG_ARRAY_SIZE(bad); i++) {
		uint32_t n = ln.n;

		err[0] = '\0';
		CHECK(vg_local_nets_add(&ln, bad[i], err, sizeof(err)) == -1);
		CHECK(strstr(err, "not a CIDR") != NULL);
		CHECK(ln.n == n || strcmp(bad[i], "10.0.0.0/8,") == 0);
	}

	/* The list is bounded. */
	static struct vg_local_nets full;

	for (int i = 0; i < VG_LOCAL_NETS_MAX; i++) {
		char cidr[32];

		snprintf(cidr, sizeof(cidr), "11.%d.0.0/16", i);
		CHECK_EQ(vg_local_nets_add(&full, cidr, err, sizeof(err)), 0);
	}
	CHECK(vg_local_nets_add(&full, "12.0.0.0/8", err, sizeof(err)) == -1);
	CHECK(strstr(err, "at most 64") != NULL);
	CHECK_EQ(full.n, VG_LOCAL_NETS_MAX);
}

/* local(cfg, addr): "T", "F", or "-" for an unset column. */
static const char *
local(const struct vg_flow_cfg *cfg, const char *s)
{
	struct vg_addr a = addr(s);
	bool l = false;

	if (!vg_addr_local(cfg, &a, &l))
		return "-";
	return l ? "T" : "F";
}

/*
 * conn/main.zeek sets local_orig/local_resp only when |Site::local_nets| > 0;
 * site.zeek adds Site::private_address_space to local_nets unless
 * Site::private_address_space_is_local is F (vigil's --no-local).
 */
static void
test_local_semantics(void)
{
	static struct vg_local_nets ln, empty;
	struct vg_flow_cfg cfg = {.local_private = true};
	char err[160];

	CHECK_EQ(vg_local_nets_add(&ln, "1.2.3.0/24", err, sizeof(err)), 0);

	/* Zeek's default: local_nets = the private address space. */
	CHECK(strcmp(local(&cfg, "10.0.0.1"), "T") == 0);
	CHECK(strcmp(local(&cfg, "1.2.3.4"), "F") == 0);
	cfg.local_nets = &empty;
	CHECK(strcmp(local(&cfg, "1.2.3.4"), "F") == 0);

	/* local_nets given: added to the private space. */
	cfg.local_nets = &ln;
	CHECK(strcmp(local(&cfg, "10.0.0.1"), "T") == 0);
	CHECK(strcmp(local(&cfg, "1.2.3.4"), "T") == 0);
	CHECK(strcmp(local(&cfg, "8.8.8.8"), "F") == 0);

	/* private_address_space_is_local off: local_nets alone. */
	cfg.local_private = false;
	CHECK(strcmp(local(&cfg, "10.0.0.1"), "F") == 0);
	CHECK(strcmp(local(&cfg, "1.2.3.4"), "T") == 0);

	/* ... and local_nets empty: the columns stay unset. */
	cfg.local_nets = &empty;
	CHECK(strcmp(local(&cfg, "10.0.0.1"), "-") == 0);
	cfg.local_nets = NULL;
	CHECK(strcmp(local(&cfg, "1.2.3.4"), "-") == 0);
}

/* likely_server_ports per analyzer, as each base script adds them. */
static void
test_server_ports(void)
{
	static struct vg_port_set ps;
	const char *bad = NULL;

	/* ssl/main.zeek: ssl_ports and dtls_ports (443/udp). */
	CHECK_EQ(vg_port_set_from_analyzers(&ps, "ssl", &bad), 0);
	CHECK(vg_port_set_has(&ps, VG_PORT_TCP, 443) && vg_port_set_has(&ps, VG_PORT_TCP, 5223));
	CHECK(vg_port_set_has(&ps, VG_PORT_UDP, 443));
	/* quic/main.zeek registers its ports for the analyzer only. */
	CHECK_EQ(vg_port_set_from_analyzers(&ps, "quic", &bad), 0);
	CHECK(!vg_port_set_has(&ps, VG_PORT_UDP, 443));
	CHECK(!vg_port_set_has(&ps, VG_PORT_UDP, 853) && !vg_port_set_has(&ps, VG_PORT_UDP, 784));
	/* dce-rpc/main.zeek: 135/tcp. */
	CHECK_EQ(vg_port_set_from_analyzers(&ps, "dce-rpc", &bad), 0);
	CHECK(vg_port_set_has(&ps, VG_PORT_TCP, 135) && !vg_port_set_has(&ps, VG_PORT_UDP, 135));
	CHECK_EQ(vg_port_set_from_analyzers(&ps, "all", &bad), 0);
	CHECK(vg_port_set_has(&ps, VG_PORT_UDP, 443) && vg_port_set_has(&ps, VG_PORT_UDP, 53));
	CHECK(vg_port_set_from_analyzers(&ps, "ssl,nope", &bad) == -1 && strcmp(bad, "nope") == 0);
}

int
main(void)
{
	test_server_ports();
	test_local_nets_parse();
	test_local_semantics();
	test_private_v4();
	test_private_v6();
	printf("site: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
