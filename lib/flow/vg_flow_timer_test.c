/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the flow table's timers under load, through the table's
 * packet and advance calls only: expiry work is bounded per call (a time jump
 * over thousands of idle connections must not run inside one packet) and no
 * timer is ever lost, however many connections come and go.
 */
#include "vg_flow_test_util.h"
#include "vg_test.h"

#define BUDGET 16 /* VG_TIMER_BUDGET */

/* 10000 idle connections all due at once: at most BUDGET go per call. */
static void
test_budget(void)
{
	struct sink s;
	struct vg_flow_table *ft = mk_table(&s, 20000);
	const uint32_t n = 10000;
	uint64_t t = T0 + 200 * SEC;
	uint32_t calls = 0;

	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	for (uint32_t i = 0; i < n; i++)
		udp(ft, T0 + i * 1000ULL, i);
	CHECK_EQ(s.conns, 0);
	vg_flow_advance(ft, t);
	CHECK(s.conns > 0);
	CHECK(s.conns <= BUDGET);
	/* An overdue connection not yet collected is not joined: a packet of it
	 * starts a new one (and the call runs one more budget of work). */
	udp(ft, t + 1, n - 1);
	CHECK(s.conns <= 2 * BUDGET + 1);
	CHECK_EQ(vg_flow_stats(ft)->created, n + 1);
	while (s.conns < n && calls < 10 * n) {
		vg_flow_advance(ft, t + 2);
		calls++;
	}
	CHECK_EQ(s.conns, n);
	CHECK(calls >= n / BUDGET - 2);
	CHECK_EQ(vg_flow_stats(ft)->active, 1);

	/* A jump longer than the wheel turns: the same bound. */
	for (uint32_t i = 0; i < 3000; i++)
		udp(ft, t + 10 * SEC + i * 1000ULL, 100000 + i);
	uint64_t before = s.conns;

	vg_flow_advance(ft, t + 3000 * SEC);
	CHECK(s.conns - before <= BUDGET);
	calls = 0;
	while (vg_flow_stats(ft)->active > 0 && calls < 100000) {
		vg_flow_advance(ft, t + 3000 * SEC + 1);
		calls++;
	}
	CHECK_EQ(vg_flow_stats(ft)->active, 0);
	CHECK_EQ(s.conns, n + 1 + 3000);

	/* The end of input still logs everything at once. */
	for (uint32_t i = 0; i < 500; i++)
		udp(ft, t + 4000 * SEC + i * 1000ULL, 200000 + i);
	vg_flow_advance(ft, t + 5000 * SEC);
	vg_flow_flush(ft);
	CHECK_EQ(s.conns, n + 1 + 3000 + 500);
	CHECK_EQ(vg_flow_stats(ft)->active, 0);
	vg_flow_table_free(ft);
}

/*
 * A full table churns: evicted connections leave timers behind in a queue
 * sized by the table. The attempt timer of a connection still open must
 * still run 5 s after its SYN (it once fell off the full queue).
 */
static void
test_attempt_timer_kept(void)
{
	struct sink s;
	struct vg_flow_table *ft = mk_table(&s, 64);

	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	syn(ft, T0, 50000); /* A */
	for (uint32_t i = 1; i < 64; i++)
		syn(ft, T0 + i * MS, i);
	CHECK_EQ(vg_flow_stats(ft)->active, 64);
	syn(ft, T0 + 100 * MS, 60000); /* evicts one, arms one more timer */
	CHECK_EQ(vg_flow_stats(ft)->evicted, 1);
	for (uint32_t k = 0; k < 100; k++)
		vg_flow_advance(ft, T0 + 6 * SEC + k);
	/* Every half-open attempt timed out, A among them. */
	CHECK_EQ(vg_flow_stats(ft)->active, 0);
	CHECK_EQ(s.conns, 65);
	vg_flow_table_free(ft);
}

int
main(void)
{
	test_budget();
	test_attempt_timer_kept();
	printf("flow-timer: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
