/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zeek's site defaults, read from Zeek's scripts: Site::private_address_space
 * (scripts/base/utils/site.zeek) range by range, at both edges of each range.
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

int
main(void)
{
	test_private_v4();
	test_private_v6();
	printf("site: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
