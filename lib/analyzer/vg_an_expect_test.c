/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for expected connections (vg_an_expect.c) through real flow
 * tables: an expectation made by one connection's analyzer attaches the
 * expected analyzer to the matching connection, on the same worker or, over
 * the bus, on another one; it is used once, times out, and a full table or
 * a full ring is counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_an_private.h"
#include "vg_test.h"

#define T0  1300475167000000000ULL
#define MS  1000000ULL
#define SEC 1000000000ULL

static const uint8_t cli[4] = {10, 0, 0, 1};
static const uint8_t srv[4] = {10, 0, 0, 2};
static const uint8_t other[4] = {10, 0, 0, 9};

/* ---- a control analyzer that expects, and the analyzer it expects ---- */

struct ctl_state {
	uint32_t magic;
};

struct dat_state {
	uint32_t dummy;
};

static const struct vg_analyzer dat_an;
static uint32_t dat_inits;
static struct ctl_state *dat_origin; /* what vg_an_expect_origin gave at init */

/*
 * The client's first byte says what to expect: 'E' any originator to
 * srv:5000, 'X' only from cli, 'F' twenty times the same, 'B' two hundred
 * distinct ones. Each for 10 s.
 */
static void
ctl_stream(void *st, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len)
{
	struct ctl_state *s = st;
	struct vg_addr o, r;

	s->magic = 0xf7f7;
	if (!is_orig || len == 0)
		return;
	vg_addr_from_v4(&o, cli);
	vg_addr_from_v4(&r, srv);
	if (data[0] == 'E')
		vg_an_expect(cx, NULL, &r, 5000, &dat_an, 10 * SEC);
	else if (data[0] == 'X')
		vg_an_expect(cx, &o, &r, 5000, &dat_an, 10 * SEC);
	for (int i = 0; data[0] == 'F' && i < 20; i++)
		vg_an_expect(cx, NULL, &r, 5000, &dat_an, 10 * SEC);
	for (int i = 0; data[0] == 'B' && i < 200; i++)
		vg_an_expect(cx, NULL, &r, (uint16_t)(6000 + i), &dat_an, 10 * SEC);
}

static const uint16_t ctl_ports[] = {2121, 0};

static const struct vg_analyzer ctl_an = {
	.name = "ctl",
	.transports = VG_AN_TCP,
	.tcp_ports = ctl_ports,
	.state_size = sizeof(struct ctl_state),
	.stream = ctl_stream,
};

static void
dat_init(void *st, struct vg_an_ctx *cx)
{
	(void)st;
	dat_inits++;
	dat_origin = vg_an_expect_origin(cx, &ctl_an);
	vg_an_confirm(cx);
}

static const struct vg_analyzer dat_an = {
	.name = "dat",
	.transports = VG_AN_TCP,
	.state_size = sizeof(struct dat_state),
	.init = dat_init,
};

static const struct vg_analyzer *const ans[] = {&ctl_an, &dat_an, NULL};

/* ---- workers and packets ---- */

static bool
sink(void *ctx, const uint8_t *rec, uint32_t len)
{
	(void)ctx;
	(void)rec;
	(void)len;
	return true;
}

struct rig {
	struct vg_an_worker *w;
	struct vg_flow_table *ft;
};

static bool
rig_up(struct rig *r, struct vg_an_bus *bus, uint32_t index)
{
	struct vg_an_worker_cfg ac = {
		.max_conns = 64,
		.analyzers = ans,
		.nanalyzers = 2,
		.bus = bus,
		.index = index,
	};

	r->w = vg_an_worker_create(&ac);
	struct vg_flow_cfg fc = {
		.max_flows = 64,
		.local_private = true,
		.sink = {.write = sink},
		.hooks = &vg_an_flow_hooks,
		.hooks_ctx = r->w,
	};

	r->ft = r->w != NULL ? vg_flow_table_create(&fc) : NULL;
	CHECK(r->ft != NULL);
	return r->ft != NULL;
}

static void
rig_down(struct rig *r)
{
	vg_flow_table_free(r->ft);
	vg_an_worker_free(r->w);
}

static void
tcp(struct vg_flow_table *ft, uint64_t ts, const uint8_t *s, uint16_t sp, const uint8_t *d,
	uint16_t dp, uint8_t flags, uint32_t seq, uint32_t ack, const char *data)
{
	static uint8_t hdr[64];
	struct vg_pkt p;
	uint32_t plen = data ? (uint32_t)strlen(data) : 0;

	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.ip_version = 4;
	p.ip_proto = 6;
	p.ttl = 64;
	vg_addr_from_v4(&p.src, s);
	vg_addr_from_v4(&p.dst, d);
	p.ip = hdr;
	p.ip_hdr_len = 20;
	p.l4 = hdr + 20;
	p.l4_ok = VG_L4_FULL;
	p.sport = sp;
	p.dport = dp;
	p.tcp_flags = flags;
	p.tcp_seq = seq;
	p.tcp_ack = ack;
	p.tcp_win = 65535;
	p.l4_len = p.l4_cap = 20 + plen;
	p.ip_len = 20 + p.l4_len;
	p.cap_len = p.wire_len = 14 + p.ip_len;
	p.payload = (const uint8_t *)data;
	p.payload_len = p.payload_cap = plen;
	vg_flow_packet(ft, &p);
}

/* A control connection cli:(a new port) -> srv:2121 whose client sends `what`. */
static void
control(struct vg_flow_table *ft, uint64_t t, const char *what)
{
	static uint16_t port = 40000;

	port++;
	tcp(ft, t, cli, port, srv, 2121, VG_TCP_SYN, 100, 0, NULL);
	tcp(ft, t + 1 * MS, srv, 2121, cli, port, VG_TCP_SYN | VG_TCP_ACK, 900, 101, NULL);
	tcp(ft, t + 2 * MS, cli, port, srv, 2121, VG_TCP_ACK | VG_TCP_PSH, 101, 901, what);
}

/* The SYN of a would-be data connection from h:sp to srv:dp. */
static void
data_syn(struct vg_flow_table *ft, uint64_t t, const uint8_t *h, uint16_t sp, uint16_t dp)
{
	tcp(ft, t, h, sp, srv, dp, VG_TCP_SYN, 5000, 0, NULL);
}

/* ---- tests ---- */

static void
test_same_worker(void)
{
	struct rig r;

	if (!rig_up(&r, NULL, 0))
		return;
	dat_inits = 0;
	dat_origin = NULL;
	control(r.ft, T0, "E");
	CHECK_EQ(r.w->exp_stats.expects, 1);
	data_syn(r.ft, T0 + 10 * MS, cli, 41000, 5000);
	CHECK_EQ(dat_inits, 1);
	CHECK_EQ(r.w->exp_stats.expect_used, 1);
	/* The control connection lives here: its analyzer's state is reachable. */
	CHECK(dat_origin != NULL && dat_origin->magic == 0xf7f7);
	/* Used up: a second connection to the same port gets nothing. */
	data_syn(r.ft, T0 + 20 * MS, cli, 41001, 5000);
	CHECK_EQ(dat_inits, 1);
	rig_down(&r);
}

static void
test_timeout_and_exact_orig(void)
{
	struct rig r;

	if (!rig_up(&r, NULL, 0))
		return;
	dat_inits = 0;
	control(r.ft, T0, "E");
	data_syn(r.ft, T0 + 11 * SEC, cli, 41000, 5000);
	CHECK_EQ(dat_inits, 0);
	CHECK_EQ(r.w->exp_stats.expect_expired, 1);
	CHECK_EQ(r.w->exp_used, 0);
	rig_down(&r);

	if (!rig_up(&r, NULL, 0))
		return;
	control(r.ft, T0, "X");
	data_syn(r.ft, T0 + 10 * MS, other, 41000, 5000); /* not the expected originator */
	CHECK_EQ(dat_inits, 0);
	data_syn(r.ft, T0 + 20 * MS, cli, 41001, 5000);
	CHECK_EQ(dat_inits, 1);
	rig_down(&r);
}

static void
test_table_full(void)
{
	struct rig r;

	if (!rig_up(&r, NULL, 0))
		return;
	control(r.ft, T0, "F");
	/* One key has VG_AN_EXPECT_WINDOW slots: the rest is refused and counted. */
	CHECK_EQ(r.w->exp_stats.expects, 20);
	CHECK_EQ(r.w->exp_stats.expect_full, 20 - VG_AN_EXPECT_WINDOW);
	CHECK_EQ(r.w->exp_used, VG_AN_EXPECT_WINDOW);
	rig_down(&r);
}

/*
 * The control connection on worker 0, its data connection hashed to worker 1:
 * worker 1 knows the expectation once it drained the bus, and only then.
 */
static void
test_other_worker(void)
{
	struct vg_an_bus *bus = vg_an_bus_create(2);
	struct rig a, b;

	CHECK(bus != NULL);
	if (bus == NULL || !rig_up(&a, bus, 0) || !rig_up(&b, bus, 1))
		return;
	dat_inits = 0;
	dat_origin = (struct ctl_state *)1;
	control(a.ft, T0, "E");
	data_syn(b.ft, T0 + 5 * MS, cli, 41000, 5000); /* before worker 1 drained its ring */
	CHECK_EQ(dat_inits, 0);
	vg_an_worker_poll(b.w, T0 + 6 * MS);
	CHECK_EQ(b.w->exp_used, 1);
	data_syn(b.ft, T0 + 10 * MS, cli, 41001, 5000);
	CHECK_EQ(dat_inits, 1);
	CHECK(dat_origin == NULL); /* the control connection is on worker 0 */
	CHECK_EQ(b.w->exp_stats.expect_used, 1);
	/* A ring holds 128 between drains: the rest is counted, never blocks. */
	control(a.ft, T0 + SEC, "B");
	CHECK_EQ(a.w->exp_stats.expect_bus_full, 200 - 128);
	vg_an_worker_poll(b.w, T0 + SEC + 5 * MS);
	CHECK_EQ(b.w->exp_used, 128);
	/* An expectation that arrives after its time is dropped. */
	control(a.ft, T0 + 2 * SEC, "X");
	vg_an_worker_poll(b.w, T0 + 30 * SEC);
	CHECK(b.w->exp_stats.expect_expired >= 1);
	rig_down(&a);
	rig_down(&b);
	vg_an_bus_free(bus);
	CHECK(vg_an_bus_create(0) == NULL);
	CHECK(vg_an_bus_create(VG_AN_BUS_MAX_WORKERS + 1) == NULL);
}

int
main(void)
{
	test_same_worker();
	test_timeout_and_exact_orig();
	test_table_full();
	test_other_worker();
	printf("analyzer_expect: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed != 0;
}
