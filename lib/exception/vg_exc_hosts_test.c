/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host's address set of the exception path: configured addresses stay,
 * learned ones come and go, a change reaches the readers only once every
 * reader is past the copy it overwrites, and the classifier goes by it
 * (an IPv6 neighbour advertisement to the tap's link-local address).
 */
#include <arpa/inet.h>
#include <string.h>

#include "vg_exc_hosts.h"
#include "vg_test.h"

static struct vg_addr
addr(const char *text)
{
	struct vg_addr a;
	uint8_t b[16];

	if (inet_pton(AF_INET, text, b) == 1)
		vg_addr_from_v4(&a, b);
	else
		inet_pton(AF_INET6, text, a.b);
	return a;
}

static bool
has(const struct vg_exc_hostset *s, const char *text)
{
	struct vg_addr a = addr(text);

	for (uint8_t i = 0; i < s->n; i++)
		if (vg_addr_cmp(&s->a[i], &a) == 0)
			return true;
	return false;
}

static void
test_publish(void)
{
	struct vg_exc_cfg c;
	static struct vg_exc_hosts h;
	struct vg_addr l[3] = {addr("fe80::1"), addr("10.0.0.5"), addr("10.0.0.2")};

	memset(&c, 0, sizeof(c));
	CHECK_EQ(vg_exc_add_addr(&c, "10.0.0.2"), 0);
	vg_exc_hosts_init(&h, &c, 2);
	CHECK_EQ(vg_exc_hosts_read(&h)->n, 1);
	CHECK(has(vg_exc_hosts_read(&h), "10.0.0.2"));
	/* Learned: published at once, since both readers saw generation 0. */
	CHECK(vg_exc_hosts_learn(&h, l, 3));
	CHECK_EQ(h.changes, 1);
	CHECK_EQ(h.learned_n, 3);
	CHECK(vg_exc_hosts_publish(&h));
	const struct vg_exc_hostset *s = vg_exc_hosts_read(&h);

	CHECK_EQ(s->n, 3); /* 10.0.0.2 once */
	CHECK(has(s, "10.0.0.2") && has(s, "10.0.0.5") && has(s, "fe80::1"));
	/* The same addresses in another order: no change. */
	struct vg_addr same[4] = {l[2], l[0], l[1], l[0]};

	CHECK(!vg_exc_hosts_learn(&h, same, 4));
	CHECK_EQ(h.changes, 1);
	/* Reader 1 has not seen generation 1: it may still hold the old copy,
	 * which the next change would overwrite. */
	vg_exc_hosts_quiesce(&h, 0);
	CHECK(vg_exc_hosts_learn(&h, l, 1));
	CHECK(!vg_exc_hosts_publish(&h));
	CHECK(vg_exc_hosts_read(&h) == s);
	CHECK_EQ(s->n, 3);
	vg_exc_hosts_quiesce(&h, 1);
	CHECK(vg_exc_hosts_publish(&h));
	s = vg_exc_hosts_read(&h);
	CHECK_EQ(s->n, 2);
	CHECK(has(s, "10.0.0.2") && has(s, "fe80::1") && !has(s, "10.0.0.5"));
	/* Everything learned gone: the configured address stays. */
	vg_exc_hosts_quiesce(&h, 0);
	vg_exc_hosts_quiesce(&h, 1);
	CHECK(vg_exc_hosts_learn(&h, l, 0));
	CHECK(vg_exc_hosts_publish(&h));
	s = vg_exc_hosts_read(&h);
	CHECK_EQ(s->n, 1);
	CHECK(has(s, "10.0.0.2"));
	CHECK_EQ(h.changes, 3);
	CHECK_EQ(h.learned_n, 0);
}

/* A neighbour advertisement from fe80::2 to the host's link-local fe80::1. */
static void
test_link_local(void)
{
	static uint8_t f[14 + 40 + 24];
	struct vg_exc_cfg c;
	struct vg_addr ll = addr("fe80::1"), src = addr("fe80::2");

	memset(&c, 0, sizeof(c));
	f[12] = 0x86, f[13] = 0xdd;
	f[14] = 0x60, f[14 + 6] = 58, f[14 + 7] = 255;
	memcpy(f + 14 + 8, src.b, 16);
	memcpy(f + 14 + 24, ll.b, 16);
	f[14 + 40] = 136;
	CHECK_EQ(vg_exc_classify_hosts(&c, NULL, 0, f, sizeof(f)), VG_EXC_CAPTURE);
	CHECK_EQ(vg_exc_classify_hosts(&c, &ll, 1, f, sizeof(f)), VG_EXC_KERNEL);
}

/*
 * The loopback interface's addresses, as the kernel reports them (none in a
 * network namespace whose lo is down; the live test learns a tap's).
 */
static void
test_if_addrs(void)
{
	struct vg_addr a[8];
	int n = vg_exc_if_addrs("lo", a, 8);
	struct vg_addr lo4 = addr("127.0.0.1"), lo6 = addr("::1");
	bool found = n == 0;

	CHECK(n >= 0);
	for (int i = 0; i < n; i++)
		found |= vg_addr_cmp(&a[i], &lo4) == 0 || vg_addr_cmp(&a[i], &lo6) == 0;
	CHECK(found);
	CHECK_EQ(vg_exc_if_addrs("vg-no-such-if", a, 8), 0);
}

int
main(void)
{
	test_publish();
	test_link_local();
	test_if_addrs();
	printf("exc-hosts: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed != 0;
}
