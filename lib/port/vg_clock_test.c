/* SPDX-License-Identifier: BSD-3-Clause */
/* The counter-to-network-time map (vg_clock.h) and NIC stamps (vg_port_ts_ns), no NIC. */
#include <pthread.h>
#include <string.h>

#include "vg_clock.h"
#include "vg_dpdk_port.h"
#include "vg_test.h"

#define SEC 1000000000ULL
#define T0  (1700000000ULL * SEC) /* the wall clock at the pin */

/* A NIC clock at 800 MHz stamps packets in the calibration window, before its pin. */
static void
test_before_pin(void)
{
	struct vg_ports ps;
	struct vg_port_ts *t = &ps.ts[3];
	const uint64_t pin = 5000000000ULL;

	memset(&ps, 0, sizeof(ps));
	t->mode = VG_TS_DEVICE;
	vg_clock_start(&t->clock, pin, T0, 800000000ULL);
	CHECK_EQ(vg_port_ts_ns(&ps, 3, pin, 0), T0);
	CHECK_EQ(vg_port_ts_ns(&ps, 3, pin + 800, 0), T0 + 1000);
	/* 50 ms (40M ticks) before the pin: 50 ms before T0, not centuries after. */
	CHECK_EQ(vg_port_ts_ns(&ps, 3, pin - 40000000ULL, 0), T0 - 50000000ULL);
	CHECK_EQ(vg_port_ts_ns(&ps, 3, pin - 8, 0), T0 - 10);
	/* A counter far before the epoch floors at 0 rather than wrapping. */
	struct vg_clock_pin p = {.base_ticks = ~0ULL, .base_ns = 10, .mult = vg_clock_mult(1000)};

	CHECK_EQ(vg_clock_pin_ns(&p, 0), 0);
	/* Other modes: net_pcap's microseconds, and no stamp at all. */
	ps.ts[4].mode = VG_TS_EPOCH_US;
	CHECK_EQ(vg_port_ts_ns(&ps, 4, 1700000000123456ULL, 0), 1700000000123456000ULL);
	CHECK_EQ(vg_port_ts_ns(&ps, 5, 77, 99), 99);
	CHECK_EQ(vg_port_ts_ns(&ps, VG_PORT_TS_IDS, 77, 99), 99);
}

/* A 156.25 MHz clock (6.4 ns a tick) converts exactly enough over an hour. */
static void
test_rate(void)
{
	struct vg_clock c;

	vg_clock_start(&c, 0, T0, 156250000ULL);
	uint64_t hour = 3600ULL * 156250000ULL;
	uint64_t got = vg_clock_ns(&c, hour), want = T0 + 3600ULL * SEC;

	CHECK(got <= want + 1000 && got + 1000 >= want);
	got = vg_clock_ns(&c, 10); /* 64 ns, less the fixed point's truncation */
	CHECK(got == T0 + 64 || got == T0 + 63);
}

/*
 * Re-pinning: a counter believed at 1 GHz that runs 50 ppm fast; each second
 * of wall time the main lcore re-pins it, which re-measures the rate and keeps
 * network time within the error of one interval. A stepped wall clock moves
 * the pin but not the rate.
 */
static void
test_repin(void)
{
	struct vg_clock c;
	const uint64_t real_hz = 1000050000ULL;

	vg_clock_start(&c, 0, T0, 1000000000ULL);
	/* Without a re-pin, an hour later it would be 180 ms ahead. */
	uint64_t drifted = vg_clock_ns(&c, 3600ULL * real_hz);

	CHECK(drifted > T0 + 3600ULL * SEC + 170000000ULL);
	CHECK(vg_clock_repin(&c, real_hz, T0 + SEC));
	CHECK(c.pin.hz > real_hz - 2 && c.pin.hz < real_hz + 2);
	CHECK_EQ(c.pin.base_ns, T0 + SEC);
	for (uint64_t s = 2; s <= 3600; s++)
		vg_clock_repin(&c, s * real_hz, T0 + s * SEC);
	uint64_t later = vg_clock_ns(&c, 3601ULL * real_hz), want = T0 + 3601ULL * SEC;

	CHECK(later <= want + 1000 && later + 1000 >= want);
	/* The wall clock is set 2 s back: the pin follows, the rate stays. */
	uint64_t hz = c.pin.hz;

	CHECK(!vg_clock_repin(&c, 3602ULL * real_hz, T0 + 3600ULL * SEC));
	CHECK_EQ(c.pin.hz, hz);
	CHECK_EQ(vg_clock_ns(&c, 3602ULL * real_hz), T0 + 3600ULL * SEC);
	/* Too short an interval is no measurement. */
	CHECK(!vg_clock_repin(&c, 3602ULL * real_hz + 1000, T0 + 3600ULL * SEC + 1000));
}

/* A worker reading two ports whose clocks disagree by 30 us never steps back. */
static void
test_forward(void)
{
	struct vg_ports ps;
	uint64_t last = 0, prev = 0;
	int back = 0;

	memset(&ps, 0, sizeof(ps));
	ps.ts[0].mode = ps.ts[1].mode = VG_TS_DEVICE;
	vg_clock_start(&ps.ts[0].clock, 0, T0, 1000000000ULL);
	vg_clock_start(&ps.ts[1].clock, 0, T0 - 30000, 1000000000ULL);
	for (uint64_t i = 0; i < 1000; i++) {
		uint64_t raw = vg_port_ts_ns(&ps, (uint16_t)(i & 1), i * 1000, 0);
		uint64_t t = vg_clock_forward(&last, raw);

		if (t < prev)
			back++;
		prev = t;
	}
	CHECK_EQ(back, 0);
	CHECK_EQ(last, T0 + 998000); /* port 0's last packet; port 1's came 30 us behind */
	/* A re-pin that steps a clock back is absorbed the same way. */
	vg_clock_store(&ps.ts[0].clock,
		&(struct vg_clock_pin){.base_ticks = 0,
			.base_ns = T0 - SEC,
			.mult = 1ULL << 32,
			.hz = 1000000000ULL});
	CHECK_EQ(vg_clock_forward(&last, vg_port_ts_ns(&ps, 0, 1001000, 0)), T0 + 998000);
	CHECK_EQ(vg_clock_forward(&last, T0 + 998001), T0 + 998001);
}

/* Readers on another thread never see half a re-pin. */
static struct vg_clock shared_clock;
static volatile int writer_done;

static void *
writer(void *arg)
{
	(void)arg;
	for (uint64_t i = 1; i <= 2000000; i++) {
		struct vg_clock_pin p = {
			.base_ticks = i, .base_ns = i * 3, .mult = i * 5, .hz = i * 7};

		vg_clock_store(&shared_clock, &p);
	}
	__atomic_store_n(&writer_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void
test_concurrent(void)
{
	pthread_t th;
	uint64_t torn = 0, reads = 0;

	vg_clock_start(&shared_clock, 0, 0, 1);
	shared_clock.pin = (struct vg_clock_pin){0, 0, 0, 0};
	CHECK_EQ(pthread_create(&th, NULL, writer, NULL), 0);
	while (!__atomic_load_n(&writer_done, __ATOMIC_ACQUIRE)) {
		struct vg_clock_pin p;

		vg_clock_load(&shared_clock, &p);
		if (p.base_ns != p.base_ticks * 3 || p.mult != p.base_ticks * 5 ||
			p.hz != p.base_ticks * 7)
			torn++;
		reads++;
	}
	pthread_join(th, NULL);
	CHECK_EQ(torn, 0);
	CHECK(reads > 0);
}

int
main(void)
{
	test_before_pin();
	test_rate();
	test_repin();
	test_forward();
	test_concurrent();
	printf("clock: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed != 0;
}
