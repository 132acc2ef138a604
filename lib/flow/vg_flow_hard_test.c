/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the flow table under hostile input: the keyed flow hash,
 * network time that jumps, bounded timer work and timers that are never lost.
 * Records are kept in memory, compared byte for byte or counted by log.
 */
#include "vg_flow_test_util.h"
#include "vg_hash.h"
#include "vg_test.h"

/* ---- the keyed hash ------------------------------------------------------ */

static void
test_hash_keyed(void)
{
	struct vg_addr a, b;
	uint8_t va[4] = {192, 168, 1, 1}, vb[4] = {8, 8, 4, 4};
	uint32_t moved = 0;

	vg_addr_from_v4(&a, va);
	vg_addr_from_v4(&b, vb);
	CHECK(vg_hash_key_init(true, 1) == 0);
	/* Symmetric for two-way keys, directed for one-way ones. */
	CHECK_EQ(vg_hash_flow(&a, 1234, &b, 80, 6, 0, false),
		vg_hash_flow(&b, 80, &a, 1234, 6, 0, false));
	CHECK(vg_hash_flow(&a, 8, &b, 0, 1, 0, true) != vg_hash_flow(&b, 0, &a, 8, 1, 0, true));
	CHECK_EQ(vg_hash_addr_pair(&a, &b, 3), vg_hash_addr_pair(&b, &a, 3));
	CHECK(vg_hash_addr_pair(&a, &b, 3) != vg_hash_addr_pair(&a, &b, 4));

	/* The key decides the hash: another key moves (nearly) every flow's bucket. */
	uint64_t h1[256];

	for (uint32_t i = 0; i < 256; i++)
		h1[i] = vg_hash_flow(&a, (uint16_t)i, &b, 80, 6, 0, false);
	CHECK(vg_hash_key_init(true, 2) == 0);
	for (uint32_t i = 0; i < 256; i++)
		moved += (h1[i] & 0xffff) !=
			(vg_hash_flow(&a, (uint16_t)i, &b, 80, 6, 0, false) & 0xffff);
	CHECK(moved >= 250);
	/* A fixed seed gives the same key again; a random one another. */
	CHECK(vg_hash_key_init(true, 1) == 0);
	CHECK_EQ(h1[5], vg_hash_flow(&a, 5, &b, 80, 6, 0, false));
	CHECK(vg_hash_key_init(false, 0) == 0);
	CHECK(h1[5] != vg_hash_flow(&a, 5, &b, 80, 6, 0, false));
}

/* The same input gives the same records (uids, order) whatever the hash key. */
static uint64_t
run_flows_with_key(uint64_t seed)
{
	struct sink s;
	struct vg_flow_table *ft;

	vg_hash_key_init(true, seed);
	ft = mk_table(&s, 64); /* small: evictions and chains both happen */
	CHECK(ft != NULL);
	if (ft == NULL)
		return 0;
	for (uint32_t i = 0; i < 500; i++)
		syn(ft, T0 + i * 10 * MS, i * 7919 % 300);
	vg_flow_flush(ft);
	CHECK(s.conns > 64);
	vg_flow_table_free(ft);
	return s.digest;
}

static void
test_hash_key_keeps_output(void)
{
	uint64_t d1 = run_flows_with_key(11), d2 = run_flows_with_key(12);

	CHECK(d1 != 0);
	CHECK_EQ(d1, d2);
}

/* ---- network time ---------------------------------------------------- */

#define HOUR  (3600 * SEC)
#define YEARS (20ULL * 365 * 24 * HOUR)

/* A SYN as the worker runs it: its time through the guard, then the table. */
static uint64_t
timed_syn(struct vg_flow_table *ft, uint64_t ts, uint32_t i)
{
	uint64_t at = vg_flow_time(ft, ts);

	syn(ft, at, i);
	return at;
}

static void
test_time_outlier(void)
{
	struct sink s;
	struct vg_flow_table *ft = mk_table(&s, 1024);

	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	CHECK_EQ(timed_syn(ft, T0, 1), T0);
	/* One packet 20 years ahead is taken at network time, weird and counted. */
	CHECK_EQ(timed_syn(ft, T0 + YEARS, 2), T0);
	CHECK_EQ(vg_flow_stats(ft)->time_outside, 1);
	CHECK_EQ(s.weirds, 1);
	CHECK_EQ(vg_flow_clock(ft), T0);
	/* The timers go on: both half-open connections time out 5 s later. */
	for (uint32_t k = 0; k < 10; k++)
		timed_syn(ft, T0 + 6 * SEC + k * MS, 100 + k);
	CHECK_EQ(s.conns, 2);
	/* 20 years back: the same, and time does not run backwards. */
	CHECK_EQ(timed_syn(ft, T0 - YEARS, 3), T0 + 6 * SEC + 9 * MS);
	CHECK_EQ(vg_flow_stats(ft)->time_outside, 2);
	/* Within the window, earlier packets keep their time; the clock stays. */
	CHECK_EQ(timed_syn(ft, T0 + 5 * SEC, 4), T0 + 5 * SEC);
	CHECK_EQ(vg_flow_clock(ft), T0 + 6 * SEC + 9 * MS);
	vg_flow_table_free(ft);
}

static void
test_time_jump(void)
{
	struct sink s;
	struct vg_flow_table *ft = mk_table(&s, 1024);
	uint64_t t = T0 + 2 * HOUR;

	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	for (uint32_t i = 0; i < 8; i++)
		timed_syn(ft, T0 + i * MS, i);
	/* A gap of two hours: the packets after it agree, so time follows them. */
	for (uint32_t i = 0; i < VG_TIME_CONFIRM - 1; i++)
		CHECK_EQ(timed_syn(ft, t + i * MS, 100 + i), T0 + 7 * MS);
	CHECK_EQ(timed_syn(ft, t + 10 * MS, 200), t + 10 * MS);
	CHECK_EQ(vg_flow_stats(ft)->time_jumps, 1);
	CHECK_EQ(vg_flow_clock(ft), t + 10 * MS);
	/* Packets that do not agree with each other never move it. */
	for (uint32_t i = 0; i < 20; i++)
		CHECK_EQ(timed_syn(ft, t + (i % 2 ? 5 : 9) * HOUR, 300 + i), t + 10 * MS);
	/* Nor do ones that agree, backwards, once time is settled. */
	for (uint32_t i = 0; i < 20; i++)
		CHECK_EQ(timed_syn(ft, T0 + i * MS, 400 + i), t + 10 * MS);
	vg_flow_flush(ft);
	CHECK_EQ(vg_flow_stats(ft)->active, 0);
	vg_flow_table_free(ft);

	/* A bad first stamp does not fix network time: the packets after it
	 * agree on the real time, which replaces it. */
	ft = mk_table(&s, 1024);
	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	CHECK_EQ(timed_syn(ft, T0 + YEARS, 1), T0 + YEARS);
	for (uint32_t i = 0; i < VG_TIME_CONFIRM; i++)
		timed_syn(ft, T0 + i * MS, 10 + i);
	CHECK_EQ(vg_flow_clock(ft), T0 + (VG_TIME_CONFIRM - 1) * MS);
	/* The connections of the packets taken at the bad time are logged; the
	 * timers run on the real time. */
	CHECK_EQ(s.conns, VG_TIME_CONFIRM);
	CHECK_EQ(vg_flow_stats(ft)->active, 1);
	/* A packet decoded before the change (the worker decodes a few ahead)
	 * still has the bad stamp: it is taken at network time, and the timers
	 * stay there too. */
	syn(ft, T0 + YEARS, 99);
	for (uint32_t i = 0; i < 40; i++)
		timed_syn(ft, T0 + 10 * SEC + i * MS, 100 + i);
	CHECK_EQ(s.conns, VG_TIME_CONFIRM + 2);
	vg_flow_flush(ft);
	CHECK_EQ(s.conns, VG_TIME_CONFIRM + 42);
	vg_flow_table_free(ft);
}

int
main(void)
{
	test_time_outlier();
	test_time_jump();
	test_hash_keyed();
	test_hash_key_keeps_output();
	printf("flow-hard: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
