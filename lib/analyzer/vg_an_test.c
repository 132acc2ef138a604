/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the analyzer framework: a test analyzer on a UDP port goes
 * through a real flow table with the framework's hooks; what it is called
 * with, what conn.log says (service) and the records' order are checked.
 * Also the schema registry, the pools' limits and stale handles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_an_private.h"
#include "vg_test.h"

/* ---- the record sink ---------------------------------------------------- */

#define MAX_RECS 256

struct coll {
	uint32_t n;
	uint32_t len[MAX_RECS];
	uint8_t *rec[MAX_RECS];
};

static bool
coll_write(void *ctx, const uint8_t *rec, uint32_t len)
{
	struct coll *c = ctx;

	if (c->n >= MAX_RECS)
		return false;
	c->rec[c->n] = malloc(len);
	if (c->rec[c->n] == NULL)
		return false;
	memcpy(c->rec[c->n], rec, len);
	c->len[c->n] = len;
	c->n++;
	return true;
}

static void
coll_free(struct coll *c)
{
	for (uint32_t i = 0; i < c->n; i++)
		free(c->rec[i]);
	c->n = 0;
}

/* Column col of record i as a string ("-" when unset, "?" when unreadable). */
static const char *
col_str(const struct coll *c, uint32_t i, uint16_t col)
{
	static char buf[256];
	struct vg_rec_reader rd;
	struct vg_rec_value v;

	if (i >= c->n || vg_rec_read_begin(&rd, c->rec[i], c->len[i]) != 0)
		return "?";
	for (uint16_t f = 0; f <= col; f++)
		if (vg_rec_read_next(&rd, &v) != 0)
			return "?";
	if (v.unset)
		return "-";
	snprintf(buf, sizeof(buf), "%.*s", (int)v.v.str.len, (const char *)v.v.str.p);
	return buf;
}

static int
find_rec(const struct coll *c, uint16_t log_id, uint32_t k)
{
	for (uint32_t i = 0; i < c->n; i++)
		if (vg_rec_log_id(c->rec[i]) == log_id && k-- == 0)
			return (int)i;
	return -1;
}

/* ---- the test analyzer -------------------------------------------------- */

static uint16_t test_log_id;
static const struct vg_field test_fields[] = {
	{"ts", VG_FT_TIME, VG_FEAT_BASE},
	{"uid", VG_FT_STRING, VG_FEAT_BASE},
	{"id.orig_h", VG_FT_ADDR, VG_FEAT_BASE},
	{"id.orig_p", VG_FT_PORT, VG_FEAT_BASE},
	{"id.resp_h", VG_FT_ADDR, VG_FEAT_BASE},
	{"id.resp_p", VG_FT_PORT, VG_FEAT_BASE},
	{"datagrams", VG_FT_COUNT, VG_FEAT_BASE},
};
static const struct vg_schema test_schema = {0, "antest", 7, test_fields};
static const struct vg_an_log test_logs[] = {{&test_schema, &test_log_id}, {NULL, NULL}};

struct test_state {
	uint32_t inits, orig, resp, ends, flips;
	uint32_t last_len;
	/* TCP: what each direction got, '#' per byte of a gap; eofs seen. */
	char stream[2][256];
	uint32_t slen[2];
	uint32_t eof[2];
};

static uint32_t ends_total;

static void
t_init(void *st, struct vg_an_ctx *cx)
{
	(void)cx;
	((struct test_state *)st)->inits++;
}

/* The first byte says what to do: 'Y' confirm, 'N' violate, 'W' a weird. */
static void
t_datagram(void *st, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len)
{
	struct test_state *s = st;

	if (is_orig)
		s->orig++;
	else
		s->resp++;
	s->last_len = len;
	if (len == 0)
		return;
	if (data[0] == 'Y')
		vg_an_confirm(cx);
	else if (data[0] == 'N')
		vg_an_violate(cx, "test");
	else if (data[0] == 'W')
		vg_an_weird(cx, "test_weird", "x");
}

static uint32_t handoff_answers; /* bit 0: a refused hand-off, bit 1: a taken one */

/* "SWITCH;" hands what follows it to "prb" (and tries unknown and own names first). */
static void
t_stream(void *st, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len)
{
	struct test_state *s = st;
	int d = is_orig ? 0 : 1;

	for (uint32_t i = 0; i < len && s->slen[d] + 1 < sizeof(s->stream[d]); i++) {
		s->stream[d][s->slen[d]++] = (char)data[i];
		if (i >= 6 && memcmp(data + i - 6, "SWITCH;", 7) == 0) {
			if (!vg_an_handoff(cx, "nosuch", i + 1) &&
				!vg_an_handoff(cx, "antest", i + 1))
				handoff_answers |= 1;
			if (vg_an_handoff(cx, "prb", i + 1))
				handoff_answers |= 2;
			return;
		}
	}
	/* "HO": the rest of the connection is for content detection */
	if (len >= 2 && data[0] == 'H' && data[1] == 'O') {
		vg_an_confirm(cx);
		vg_an_redetect(cx);
	}
}

static void
t_gap(void *st, struct vg_an_ctx *cx, bool is_orig, uint64_t len)
{
	struct test_state *s = st;
	int d = is_orig ? 0 : 1;

	(void)cx;
	for (uint64_t i = 0; i < len && s->slen[d] + 1 < sizeof(s->stream[d]); i++)
		s->stream[d][s->slen[d]++] = '#';
}

static void
t_eof(void *st, struct vg_an_ctx *cx, bool is_orig)
{
	(void)cx;
	((struct test_state *)st)->eof[is_orig ? 0 : 1]++;
}

static void
t_flip(void *st)
{
	struct test_state *s = st;
	char tmp[256];
	uint32_t l = s->slen[0];

	memcpy(tmp, s->stream[0], sizeof(tmp));
	memcpy(s->stream[0], s->stream[1], sizeof(tmp));
	memcpy(s->stream[1], tmp, sizeof(tmp));
	s->slen[0] = s->slen[1];
	s->slen[1] = l;
	s->flips++;
}

static struct test_state last_end;

static void
t_end(void *st, struct vg_an_ctx *cx, enum vg_an_end why)
{
	struct test_state *s = st;
	struct vg_rec r;

	(void)why;
	s->ends++;
	ends_total++;
	last_end = *s;
	vg_an_rec_begin(cx, &r, test_log_id, vg_an_now(cx));
	vg_rec_count(&r, s->orig + s->resp);
	vg_an_rec_write(cx, &r);
}

static const uint16_t test_udp_ports[] = {9999, 0};
static const uint16_t test_tcp_ports[] = {8888, 0};

static const struct vg_analyzer test_an = {
	.name = "antest",
	.transports = VG_AN_UDP | VG_AN_TCP,
	.udp_ports = test_udp_ports,
	.tcp_ports = test_tcp_ports,
	.stream = t_stream,
	.gap = t_gap,
	.eof = t_eof,
	.flip = t_flip,
	.state_size = sizeof(struct test_state),
	.logs = test_logs,
	.init = t_init,
	.datagram = t_datagram,
	.end = t_end,
};

/* A second analyzer found by content only: "PRB" starts one of the directions. */
static enum vg_an_probe
p_probe(const uint8_t *data, uint32_t len, bool is_orig)
{
	(void)is_orig;
	if (len >= 3)
		return memcmp(data, "PRB", 3) == 0 ? VG_PROBE_YES : VG_PROBE_NO;
	return memcmp(data, "PRB", len) == 0 ? VG_PROBE_MAYBE : VG_PROBE_NO;
}

static struct test_state probe_end;

static void
p_end(void *st, struct vg_an_ctx *cx, enum vg_an_end why)
{
	(void)cx;
	(void)why;
	probe_end = *(struct test_state *)st;
}

static void
p_datagram(void *st, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len)
{
	(void)data;
	t_datagram(st, cx, is_orig, (const uint8_t *)"x", len ? 1 : 0);
	vg_an_confirm(cx);
}

static const struct vg_analyzer probe_an = {
	.name = "prb",
	.transports = VG_AN_UDP | VG_AN_TCP,
	.state_size = sizeof(struct test_state),
	.probe = p_probe,
	.init = t_init,
	.datagram = p_datagram,
	.stream = t_stream,
	.gap = t_gap,
	.eof = t_eof,
	.end = p_end,
};

static const struct vg_analyzer *const test_ans[] = {&test_an, &probe_an, NULL};

/* ---- packets ------------------------------------------------------------ */

#define T0  1300475167000000000ULL
#define MS  1000000ULL
#define SEC 1000000000ULL

static uint8_t payload[2048];
static const uint8_t cli[4] = {10, 0, 0, 1};
static const uint8_t srv[4] = {10, 0, 0, 2};

static void
udp(struct vg_flow_table *ft, uint64_t ts, const uint8_t *s, uint16_t sp, const uint8_t *d,
	uint16_t dp, char first, uint32_t plen)
{
	static uint8_t hdr[64];
	struct vg_pkt p;

	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.ip_version = 4;
	p.ip_proto = 17;
	p.ttl = 64;
	vg_addr_from_v4(&p.src, s);
	vg_addr_from_v4(&p.dst, d);
	p.ip = hdr;
	p.ip_hdr_len = 20;
	p.l4 = hdr + 20;
	p.l4_ok = VG_L4_FULL;
	p.sport = sp;
	p.dport = dp;
	p.udp_len = (uint16_t)(8 + plen);
	p.l4_len = p.l4_cap = 8 + plen;
	p.ip_len = 20 + p.l4_len;
	p.cap_len = p.wire_len = 14 + p.ip_len;
	payload[0] = (uint8_t)first;
	p.payload = payload;
	p.payload_len = p.payload_cap = plen;
	vg_flow_packet(ft, &p);
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

#define SYN VG_TCP_SYN
#define ACK VG_TCP_ACK
#define FIN VG_TCP_FIN
#define PSH VG_TCP_PSH

struct rig {
	struct coll c;
	struct vg_an_worker *w;
	struct vg_flow_table *ft;
};

static bool
rig_up(struct rig *r, uint32_t max_states)
{
	struct vg_an_worker_cfg ac = {
		.max_conns = 16,
		.max_states = max_states,
		.analyzers = test_ans,
		.nanalyzers = 2,
	};

	memset(r, 0, sizeof(*r));
	r->w = vg_an_worker_create(&ac);
	struct vg_flow_cfg fc = {
		.max_flows = 8,
		.local_private = true,
		.sink = {.write = coll_write, .ctx = &r->c},
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
	coll_free(&r->c);
}

/* ---- tests -------------------------------------------------------------- */

static void
test_schema_register(void)
{
	uint16_t n0 = vg_schema_count();
	uint64_t h0 = vg_schema_set_hash();

	CHECK_EQ(n0, VG_LOG_CORE_COUNT);
	vg_analyzers_register_logs();
	/* The registry is empty in this build's unit tests or not: either way stable. */
	uint16_t n1 = vg_schema_count();
	uint64_t h1 = vg_schema_set_hash();

	vg_analyzers_register_logs(); /* once per process: a second call changes nothing */
	CHECK_EQ(vg_schema_count(), n1);
	CHECK_EQ(vg_schema_set_hash(), h1);
	CHECK(n1 == n0 || h1 != h0);

	int id = vg_schema_register(&test_schema);

	CHECK_EQ(id, n1);
	test_log_id = (uint16_t)id;
	CHECK(vg_schema_set_hash() != h1);
	CHECK_EQ(vg_schema_register(&test_schema), id); /* the same again: the same id */
	CHECK(vg_schema_get((uint16_t)id) != NULL);
	CHECK_EQ(vg_schema_get((uint16_t)id)->id, id);
	CHECK(vg_schema_get((uint16_t)(id + 1)) == NULL);

	/* Another schema under a taken path is refused. */
	struct vg_schema other = {0, "antest", 6, test_fields};

	CHECK_EQ(vg_schema_register(&other), -1);
	struct vg_schema conn_again = {0, "conn", 6, test_fields};

	CHECK_EQ(vg_schema_register(&conn_again), -1);
	struct vg_schema empty = {0, "empty", 0, test_fields};

	CHECK_EQ(vg_schema_register(&empty), -1);

	/* Bounded: registration stops at VG_LOG_MAX. */
	static char names[VG_LOG_MAX][16];
	static struct vg_schema many[VG_LOG_MAX];
	int last = 0, refused = 0;

	for (int i = 0; i < VG_LOG_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "many%d", i);
		many[i] = (struct vg_schema){0, names[i], 7, test_fields};
		int r = vg_schema_register(&many[i]);

		if (r < 0)
			refused++;
		else
			last = r;
	}
	CHECK_EQ(last, VG_LOG_MAX - 1);
	CHECK_EQ(vg_schema_count(), VG_LOG_MAX);
	CHECK(refused > 0);
}

static void
test_udp_port_attach(void)
{
	struct rig r;

	if (!rig_up(&r, 0))
		return;
	ends_total = 0;
	/* A connection to the analyzer's port and one to another port. */
	udp(r.ft, T0, cli, 40000, srv, 9999, 'x', 10);
	udp(r.ft, T0 + MS, srv, 9999, cli, 40000, 'Y', 20);
	udp(r.ft, T0 + 2 * MS, cli, 40001, srv, 53, 'Y', 10);
	CHECK_EQ(r.w->stats.attached, 1);
	CHECK_EQ(r.w->stats.confirmed, 1);
	/* A reply from the server port first: the flow table flips it to the port. */
	vg_flow_flush(r.ft);
	CHECK_EQ(ends_total, 1);
	CHECK_EQ(r.w->states[0].used, 0);
	CHECK_EQ(r.w->conn_high, 2); /* the port-53 one was probed */

	/* The analyzer's record comes before its conn.log record, with the common prefix. */
	int t = find_rec(&r.c, test_log_id, 0);
	int c0 = find_rec(&r.c, VG_LOG_CONN, 0), c1 = find_rec(&r.c, VG_LOG_CONN, 1);

	CHECK(t >= 0 && c0 > t);
	CHECK(c1 > c0);
	CHECK(strcmp(col_str(&r.c, (uint32_t)t, 1), col_str(&r.c, (uint32_t)c0, 1)) == 0);
	CHECK(strcmp(col_str(&r.c, (uint32_t)c0, VG_CONN_SERVICE), "antest") == 0);
	CHECK(strcmp(col_str(&r.c, (uint32_t)c1, VG_CONN_SERVICE), "-") == 0);
	rig_down(&r);
}

static void
test_directions_and_flip_by_port(void)
{
	struct rig r;

	if (!rig_up(&r, 0))
		return;
	/* The first packet comes from the analyzer's port: likely_server_ports are
	 * not set here, so the sender is the originator and port 9999 is orig_p:
	 * nothing attaches (Zeek looks at the responder's port only). */
	udp(r.ft, T0, srv, 9999, cli, 40000, 'Y', 10);
	CHECK_EQ(r.w->stats.attached, 0);
	/* A normal one: both directions arrive with the right is_orig. */
	udp(r.ft, T0 + MS, cli, 40002, srv, 9999, 'x', 10);
	udp(r.ft, T0 + 2 * MS, cli, 40002, srv, 9999, 'x', 11);
	udp(r.ft, T0 + 3 * MS, srv, 9999, cli, 40002, 'x', 12);
	CHECK_EQ(r.w->stats.attached, 1);
	struct vg_conn *c = NULL;

	for (uint32_t i = 0; i < 8; i++) {
		struct vg_conn *k = &r.ft->conns[i];

		if (k->in_use && k->an != 0)
			c = k;
	}
	CHECK(c != NULL);
	if (c != NULL) {
		struct vg_an_conn *ac = vg_an_conn_get(r.w, r.ft, c);
		struct test_state *s = ac ? vg_an_state(r.w, &ac->att[0]) : NULL;

		CHECK(s != NULL && s->inits == 1 && s->orig == 2 && s->resp == 1 &&
			s->last_len == 12);
	}
	rig_down(&r);
}

static void
test_violation(void)
{
	struct rig r;

	if (!rig_up(&r, 0))
		return;
	/* Confirmed, then a violation: the service goes again (dpd.zeek). */
	udp(r.ft, T0, cli, 40000, srv, 9999, 'Y', 10);
	udp(r.ft, T0 + MS, cli, 40000, srv, 9999, 'N', 10);
	udp(r.ft, T0 + 2 * MS, cli, 40000, srv, 9999, 'Y', 10); /* detached: not seen */
	/* Past 10 KiB a violation is ignored and the analyzer keeps going. */
	udp(r.ft, T0, cli, 40003, srv, 9999, 'Y', 1400);
	for (int i = 0; i < 8; i++)
		udp(r.ft, T0 + (uint64_t)i * MS, cli, 40003, srv, 9999, 'x', 1400);
	udp(r.ft, T0 + 9 * MS, cli, 40003, srv, 9999, 'N', 10);
	vg_flow_flush(r.ft);
	CHECK_EQ(r.w->stats.violations, 1);
	CHECK_EQ(r.w->stats.violations_ignored, 1);
	CHECK_EQ(r.w->stats.confirmed, 2);
	int c0 = find_rec(&r.c, VG_LOG_CONN, 0), c1 = find_rec(&r.c, VG_LOG_CONN, 1);

	CHECK(c0 >= 0 && c1 >= 0);
	CHECK(strcmp(col_str(&r.c, (uint32_t)c0, VG_CONN_SERVICE), "-") == 0);
	CHECK(strcmp(col_str(&r.c, (uint32_t)c1, VG_CONN_SERVICE), "antest") == 0);
	rig_down(&r);
}

static void
test_weird_dedup(void)
{
	struct rig r;

	if (!rig_up(&r, 0))
		return;
	udp(r.ft, T0, cli, 40000, srv, 9999, 'W', 10);
	udp(r.ft, T0 + MS, cli, 40000, srv, 9999, 'W', 10);
	CHECK_EQ(r.w->stats.weirds_suppressed, 1);
	int wi = find_rec(&r.c, VG_LOG_WEIRD, 0);

	CHECK(wi >= 0 && find_rec(&r.c, VG_LOG_WEIRD, 1) < 0);
	if (wi >= 0) {
		CHECK(strcmp(col_str(&r.c, (uint32_t)wi, VG_WEIRD_COL_NAME), "test_weird") == 0);
		CHECK(strcmp(col_str(&r.c, (uint32_t)wi, VG_WEIRD_COL_ADDL), "x") == 0);
		CHECK(strcmp(col_str(&r.c, (uint32_t)wi, VG_WEIRD_COL_SOURCE), "ANTEST") == 0);
		CHECK(col_str(&r.c, (uint32_t)wi, VG_WEIRD_COL_UID)[0] == 'C');
	}
	rig_down(&r);
}

static void
test_pool_limit_and_stale_handle(void)
{
	struct rig r;

	if (!rig_up(&r, 1))
		return;
	udp(r.ft, T0, cli, 40000, srv, 9999, 'x', 10);
	udp(r.ft, T0 + MS, cli, 40001, srv, 9999, 'x', 10);
	CHECK_EQ(r.w->stats.attached, 1);
	CHECK_EQ(r.w->stats.states_full, 1);

	/* Remember the first connection's handle, end it by timeout, reuse its slot. */
	struct vg_conn *c = &r.ft->conns[0];
	uint32_t handle = c->an, idx = 0, gen = c->gen;

	CHECK(handle != 0);
	CHECK(vg_an_handle_valid(r.w, handle, idx, gen));
	udp(r.ft, T0 + 120 * SEC, cli, 50000, srv, 7, 'x', 10); /* both time out first */
	CHECK_EQ(ends_total > 0, 1);
	CHECK(!vg_an_handle_valid(r.w, handle, idx, gen));
	/* The slot is reused by a connection of a new generation. */
	udp(r.ft, T0 + 121 * SEC, cli, 50001, srv, 9999, 'x', 10);
	CHECK_EQ(r.w->stats.attached, 2);
	bool reused = false;

	for (uint32_t i = 0; i < 8; i++) {
		struct vg_conn *k = &r.ft->conns[i];

		if (k->in_use && k->an == handle) {
			reused = true;
			/* The old (index, generation) no longer owns the handle ... */
			CHECK(!vg_an_handle_valid(r.w, handle, idx, gen) || i != idx ||
				k->gen != gen);
			/* ... and a connection whose handle is not its own is caught. */
			uint32_t saved = k->gen;

			k->gen++;
			CHECK(vg_an_conn_get(r.w, r.ft, k) == NULL);
			CHECK_EQ(r.w->stats.stale, 1);
			CHECK_EQ(k->an, 0);
			k->gen = saved;
		}
	}
	CHECK(reused);
	rig_down(&r);
}

/* TCP by port: ordered bytes, a reordered segment, a lost one (a gap once
 * acknowledged), FIN -> eof after the last byte; missed_bytes as before. */
static void
test_tcp_stream(void)
{
	struct rig r;

	if (!rig_up(&r, 0))
		return;
	memset(&last_end, 0, sizeof(last_end));
	tcp(r.ft, T0, cli, 40000, srv, 8888, SYN, 1000, 0, NULL);
	tcp(r.ft, T0 + 1 * MS, srv, 8888, cli, 40000, SYN | ACK, 5000, 1001, NULL);
	tcp(r.ft, T0 + 2 * MS, cli, 40000, srv, 8888, ACK, 1001, 5001, NULL);
	/* The handshake carries no byte: no state yet. */
	CHECK_EQ(r.w->stats.attached, 0);
	CHECK_EQ(r.w->stats.conns_high, 0);
	/* Client: "hello " then "world" arrives before "there ". */
	tcp(r.ft, T0 + 3 * MS, cli, 40000, srv, 8888, PSH | ACK, 1001, 5001, "hello ");
	CHECK_EQ(r.w->stats.attached, 1);
	tcp(r.ft, T0 + 4 * MS, cli, 40000, srv, 8888, PSH | ACK, 1013, 5001, "world");
	tcp(r.ft, T0 + 5 * MS, cli, 40000, srv, 8888, PSH | ACK, 1007, 5001, "there ");
	/* A retransmission of delivered bytes changes nothing. */
	tcp(r.ft, T0 + 6 * MS, cli, 40000, srv, 8888, PSH | ACK, 1001, 5001, "HELLO ");
	/* Server: "abc", "def" lost, "ghi"; the client acks past the loss. */
	tcp(r.ft, T0 + 7 * MS, srv, 8888, cli, 40000, PSH | ACK, 5001, 1018, "abc");
	tcp(r.ft, T0 + 8 * MS, srv, 8888, cli, 40000, PSH | ACK, 5007, 1018, "ghi");
	tcp(r.ft, T0 + 9 * MS, cli, 40000, srv, 8888, ACK, 1018, 5010, NULL);
	/* Both close. */
	tcp(r.ft, T0 + 10 * MS, cli, 40000, srv, 8888, FIN | ACK, 1018, 5010, NULL);
	tcp(r.ft, T0 + 11 * MS, srv, 8888, cli, 40000, FIN | ACK, 5010, 1019, NULL);
	tcp(r.ft, T0 + 12 * MS, cli, 40000, srv, 8888, ACK, 1019, 5011, NULL);
	vg_flow_flush(r.ft);
	CHECK_EQ(last_end.ends, 1);
	CHECK(last_end.slen[0] == 17 && memcmp(last_end.stream[0], "hello there world", 17) == 0);
	CHECK(last_end.slen[1] == 9 && memcmp(last_end.stream[1], "abc###ghi", 9) == 0);
	CHECK_EQ(last_end.eof[0], 1);
	CHECK_EQ(last_end.eof[1], 1);
	int c0 = find_rec(&r.c, VG_LOG_CONN, 0);

	CHECK(c0 >= 0);
	if (c0 >= 0) {
		struct vg_rec_reader rd;
		struct vg_rec_value v;

		vg_rec_read_begin(&rd, r.c.rec[c0], r.c.len[c0]);
		for (int f = 0; f <= VG_CONN_MISSED_BYTES; f++)
			vg_rec_read_next(&rd, &v);
		CHECK(!v.unset && v.v.u == 3);
		CHECK(strcmp(col_str(&r.c, (uint32_t)c0, VG_CONN_HISTORY), "ShADadtgFf") == 0 ||
			strchr(col_str(&r.c, (uint32_t)c0, VG_CONN_HISTORY), 'g') != NULL);
	}
	CHECK_EQ(vg_flow_reasm_stats(r.ft)->blocks, 0);
	rig_down(&r);
}

/*
 * vg_an_handoff: the analyzer on port 8888 hands its streams to "prb" in the
 * middle of a segment; "prb" gets the rest of that segment, the other
 * direction's bytes, the gap and the eofs, the first one nothing more but
 * its end; both confirmations stay in the service.
 */
static void
test_tcp_handoff(void)
{
	struct rig r;

	if (!rig_up(&r, 0))
		return;
	memset(&last_end, 0, sizeof(last_end));
	memset(&probe_end, 0, sizeof(probe_end));
	handoff_answers = 0;
	tcp(r.ft, T0, cli, 40000, srv, 8888, SYN, 1000, 0, NULL);
	tcp(r.ft, T0 + 1 * MS, srv, 8888, cli, 40000, SYN | ACK, 5000, 1001, NULL);
	tcp(r.ft, T0 + 2 * MS, cli, 40000, srv, 8888, ACK, 1001, 5001, NULL);
	tcp(r.ft, T0 + 3 * MS, cli, 40000, srv, 8888, PSH | ACK, 1001, 5001, "abSWITCH;xyz");
	tcp(r.ft, T0 + 4 * MS, srv, 8888, cli, 40000, PSH | ACK, 5001, 1013, "srv");
	tcp(r.ft, T0 + 5 * MS, cli, 40000, srv, 8888, PSH | ACK, 1013, 5004, "more");
	/* two client bytes lost, acknowledged by the server */
	tcp(r.ft, T0 + 6 * MS, cli, 40000, srv, 8888, PSH | ACK, 1019, 5004, "end");
	tcp(r.ft, T0 + 7 * MS, srv, 8888, cli, 40000, ACK, 5004, 1022, NULL);
	tcp(r.ft, T0 + 8 * MS, cli, 40000, srv, 8888, FIN | ACK, 1022, 5004, NULL);
	tcp(r.ft, T0 + 9 * MS, srv, 8888, cli, 40000, FIN | ACK, 5004, 1023, NULL);
	vg_flow_flush(r.ft);
	CHECK_EQ(handoff_answers, 3);
	CHECK_EQ(r.w->stats.handoffs, 1);
	CHECK_EQ(r.w->stats.handoffs_failed, 2);
	CHECK_EQ(last_end.ends, 1);
	CHECK(last_end.slen[0] == 9 && memcmp(last_end.stream[0], "abSWITCH;", 9) == 0);
	CHECK_EQ(last_end.slen[1], 0);
	CHECK_EQ(last_end.eof[0] + last_end.eof[1], 0);
	CHECK_EQ(probe_end.inits, 1);
	CHECK(probe_end.slen[0] == 12 && memcmp(probe_end.stream[0], "xyzmore##end", 12) == 0);
	CHECK(probe_end.slen[1] == 3 && memcmp(probe_end.stream[1], "srv", 3) == 0);
	CHECK_EQ(probe_end.eof[0] + probe_end.eof[1], 2);
	rig_down(&r);
}

/*
 * A SYN-ACK seen first without likely server ports: the connection is made
 * with its sender as originator, the analyzer is chosen by the other port
 * (the responder's at creation), then the TCP code flips the roles before
 * any byte: the state, made at the first byte, needs no flip, and the bytes
 * arrive with the new directions.
 */
static void
test_tcp_flip(void)
{
	struct rig r;

	if (!rig_up(&r, 0))
		return;
	memset(&last_end, 0, sizeof(last_end));
	tcp(r.ft, T0, cli, 40000, srv, 8888, SYN | ACK, 5000, 1001, NULL);
	CHECK_EQ(r.w->stats.attached, 0);
	/* Now srv:8888 is the originator. */
	tcp(r.ft, T0 + MS, srv, 8888, cli, 40000, PSH | ACK, 1001, 5001, "abc");
	CHECK_EQ(r.w->stats.attached, 1);
	tcp(r.ft, T0 + 2 * MS, cli, 40000, srv, 8888, PSH | ACK, 5001, 1004, "xy");
	vg_flow_flush(r.ft);
	CHECK_EQ(last_end.flips, 0);
	CHECK(last_end.slen[0] == 3 && memcmp(last_end.stream[0], "abc", 3) == 0);
	CHECK(last_end.slen[1] == 2 && memcmp(last_end.stream[1], "xy", 2) == 0);
	int c0 = find_rec(&r.c, VG_LOG_CONN, 0);

	CHECK(c0 >= 0 && col_str(&r.c, (uint32_t)c0, VG_CONN_HISTORY)[0] == '^');
	rig_down(&r);
}

/* Content detection: an analyzer without ports attaches when its probe says
 * yes, and gets both directions' first bytes in the order they came. */
static void
test_probe(void)
{
	struct rig r;

	if (!rig_up(&r, 0))
		return;
	memset(&probe_end, 0, sizeof(probe_end));
	tcp(r.ft, T0, cli, 40000, srv, 7777, SYN, 1000, 0, NULL);
	tcp(r.ft, T0 + 1 * MS, srv, 7777, cli, 40000, SYN | ACK, 5000, 1001, NULL);
	tcp(r.ft, T0 + 2 * MS, cli, 40000, srv, 7777, ACK, 1001, 5001, NULL);
	CHECK_EQ(r.w->stats.probed, 0); /* probing starts with the first byte */
	CHECK(r.ft->conns[0].an != 0);
	/* The server speaks first with something else; the client's "PR" is not enough. */
	tcp(r.ft, T0 + 3 * MS, srv, 7777, cli, 40000, PSH | ACK, 5001, 1001, "hi");
	CHECK_EQ(r.w->stats.probed, 1);
	tcp(r.ft, T0 + 4 * MS, cli, 40000, srv, 7777, PSH | ACK, 1001, 5003, "PR");
	CHECK_EQ(r.w->stats.attached, 0);
	tcp(r.ft, T0 + 5 * MS, cli, 40000, srv, 7777, PSH | ACK, 1003, 5003, "B go");
	CHECK_EQ(r.w->stats.attached, 1);
	CHECK_EQ(r.w->stats.probe_attached, 1);
	tcp(r.ft, T0 + 6 * MS, srv, 7777, cli, 40000, PSH | ACK, 5003, 1007, "!");
	vg_flow_flush(r.ft);
	CHECK(probe_end.slen[0] == 6 && memcmp(probe_end.stream[0], "PRB go", 6) == 0);
	CHECK(probe_end.slen[1] == 3 && memcmp(probe_end.stream[1], "hi!", 3) == 0);
	CHECK_EQ(r.w->probe_high, 1);
	CHECK_EQ(r.w->probe_free, 0); /* the buffer went back */

	/* Nothing matches either direction: the connection leaves the framework. */
	tcp(r.ft, T0 + 10 * MS, cli, 40001, srv, 7777, SYN, 1000, 0, NULL);
	tcp(r.ft, T0 + 11 * MS, srv, 7777, cli, 40001, SYN | ACK, 5000, 1001, NULL);
	tcp(r.ft, T0 + 12 * MS, cli, 40001, srv, 7777, PSH | ACK, 1001, 5001, "GET /");
	struct vg_conn *c = NULL;

	for (uint32_t i = 0; i < 8; i++)
		if (r.ft->conns[i].in_use && r.ft->conns[i].orig_p == 40001)
			c = &r.ft->conns[i];
	CHECK(c != NULL && c->an != 0); /* the server has not spoken yet */
	tcp(r.ft, T0 + 13 * MS, srv, 7777, cli, 40001, PSH | ACK, 5001, 1006, "200");
	CHECK(c != NULL && c->an == 0);
	CHECK_EQ(r.w->stats.attached, 1);

	/* UDP: a datagram that matches attaches at once and is delivered. */
	udp(r.ft, T0 + 20 * MS, cli, 40002, srv, 7000, 'z', 10);
	udp(r.ft, T0 + 21 * MS, srv, 7000, cli, 40002, 'P', 10); /* "P" + zeros: no */
	CHECK_EQ(r.w->stats.attached, 1);
	vg_flow_flush(r.ft);
	CHECK_EQ(r.w->stats.stale, 0);
	rig_down(&r);
}

/*
 * A SYN flood: half-open connections to the analyzer's port and to a port
 * only probes could take hold no record, buffer or state; they end and are
 * logged as before.
 */
static void
test_syn_takes_nothing(void)
{
	struct rig r;

	if (!rig_up(&r, 0))
		return;
	for (uint16_t i = 0; i < 6; i++) {
		tcp(r.ft, T0 + i * MS, cli, (uint16_t)(41000 + i), srv, i % 2 ? 8888 : 7777, SYN,
			1000, 0, NULL);
		CHECK(r.ft->conns[i].an != 0); /* marked: the flow table keeps delivering */
	}
	CHECK_EQ(r.w->stats.conns_high, 0);
	CHECK_EQ(r.w->stats.states_high, 0);
	CHECK_EQ(r.w->stats.probes_high, 0);
	CHECK_EQ(r.w->stats.probed, 0);
	vg_flow_flush(r.ft);
	CHECK_EQ(r.w->stats.attached, 0);
	CHECK_EQ(r.w->stats.conns_full + r.w->stats.states_full + r.w->stats.stale, 0);
	CHECK(find_rec(&r.c, VG_LOG_CONN, 5) >= 0);
	rig_down(&r);
}

/*
 * A direction that ends before any byte (the client's FIN straight after
 * the handshake) is told to the analyzer, before the server's bytes, when
 * those bring the state.
 */
static void
test_eof_before_first_byte(void)
{
	struct rig r;

	if (!rig_up(&r, 0))
		return;
	memset(&last_end, 0, sizeof(last_end));
	tcp(r.ft, T0, cli, 40000, srv, 8888, SYN, 1000, 0, NULL);
	tcp(r.ft, T0 + 1 * MS, srv, 8888, cli, 40000, SYN | ACK, 5000, 1001, NULL);
	tcp(r.ft, T0 + 2 * MS, cli, 40000, srv, 8888, ACK, 1001, 5001, NULL);
	tcp(r.ft, T0 + 3 * MS, cli, 40000, srv, 8888, FIN | ACK, 1001, 5001, NULL);
	tcp(r.ft, T0 + 4 * MS, srv, 8888, cli, 40000, ACK, 5001, 1002, NULL);
	CHECK_EQ(r.w->stats.attached, 0);
	tcp(r.ft, T0 + 5 * MS, srv, 8888, cli, 40000, PSH | ACK, 5001, 1002, "bye");
	CHECK_EQ(r.w->stats.attached, 1);
	vg_flow_flush(r.ft);
	CHECK_EQ(last_end.eof[0], 1);
	CHECK(last_end.slen[0] == 0);
	CHECK(last_end.slen[1] == 3 && memcmp(last_end.stream[1], "bye", 3) == 0);
	rig_down(&r);
}

/*
 * vg_an_redetect: after the call, the next bytes of both directions also go
 * to the probes; what one attaches gets them from there (replayed once),
 * while the analyzer that handed off keeps getting every byte once.
 */
static void
test_redetect(void)
{
	struct rig r;

	if (!rig_up(&r, 0))
		return;
	memset(&last_end, 0, sizeof(last_end));
	memset(&probe_end, 0, sizeof(probe_end));
	tcp(r.ft, T0, cli, 40000, srv, 8888, SYN, 1000, 0, NULL);
	tcp(r.ft, T0 + 1 * MS, srv, 8888, cli, 40000, SYN | ACK, 5000, 1001, NULL);
	tcp(r.ft, T0 + 2 * MS, cli, 40000, srv, 8888, ACK, 1001, 5001, NULL);
	CHECK_EQ(r.w->stats.probed, 0);
	/* The bytes that ask are not probed: "PRB" in them is ignored. */
	tcp(r.ft, T0 + 3 * MS, cli, 40000, srv, 8888, PSH | ACK, 1001, 5001, "HO PRB");
	CHECK_EQ(r.w->stats.attached, 1);
	CHECK_EQ(r.w->stats.redetects, 1);
	CHECK_EQ(r.w->stats.probe_attached, 0);
	tcp(r.ft, T0 + 4 * MS, srv, 8888, cli, 40000, PSH | ACK, 5001, 1007, "ok");
	tcp(r.ft, T0 + 5 * MS, cli, 40000, srv, 8888, PSH | ACK, 1007, 5003, "PR");
	CHECK_EQ(r.w->stats.probe_attached, 0);
	tcp(r.ft, T0 + 6 * MS, cli, 40000, srv, 8888, PSH | ACK, 1009, 5003, "B1");
	CHECK_EQ(r.w->stats.probe_attached, 1);
	tcp(r.ft, T0 + 7 * MS, srv, 8888, cli, 40000, PSH | ACK, 5003, 1011, "!");
	/* a second call changes nothing */
	tcp(r.ft, T0 + 8 * MS, cli, 40000, srv, 8888, PSH | ACK, 1011, 5004, "HO");
	CHECK_EQ(r.w->stats.redetects, 1);
	vg_flow_flush(r.ft);
	CHECK(last_end.slen[0] == 12 && memcmp(last_end.stream[0], "HO PRBPRB1HO", 12) == 0);
	CHECK(last_end.slen[1] == 3 && memcmp(last_end.stream[1], "ok!", 3) == 0);
	CHECK(probe_end.slen[0] == 6 && memcmp(probe_end.stream[0], "PRB1HO", 6) == 0);
	CHECK(probe_end.slen[1] == 3 && memcmp(probe_end.stream[1], "ok!", 3) == 0);
	int c0 = find_rec(&r.c, VG_LOG_CONN, 0);

	/* the analyzer found by the probe confirmed too ("HO" in its bytes) */
	CHECK(c0 >= 0 && strcmp(col_str(&r.c, (uint32_t)c0, VG_CONN_SERVICE), "antest,prb") == 0);
	CHECK_EQ(r.w->stats.stale, 0);
	rig_down(&r);
}

static void
test_select(void)
{
	const struct vg_analyzer *sel[VG_AN_MAX];
	uint32_t n;

	vg_analyzers(&n);
	CHECK_EQ(vg_analyzers_select(NULL, sel), n);
	CHECK_EQ(vg_analyzers_select("all", sel), n);
	CHECK_EQ(vg_analyzers_select("none", sel), 0);
	CHECK_EQ(vg_analyzers_select("conn,tunnels", sel), 0);
}

int
main(void)
{
	test_schema_register();
	test_udp_port_attach();
	test_directions_and_flip_by_port();
	test_violation();
	test_weird_dedup();
	test_pool_limit_and_stale_handle();
	test_tcp_stream();
	test_tcp_flip();
	test_tcp_handoff();
	test_probe();
	test_syn_takes_nothing();
	test_eof_before_first_byte();
	test_redetect();
	test_select();
	printf("%u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
