/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the flow table: hand-built packets (the fields vg_decode
 * fills) go through a table whose sink keeps every record in memory; the
 * conn.log records are then read back column by column.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_test.h"
#include "vg_flow.h"
#include "vg_record.h"
#include "vg_schema.h"

/* A string column equals s (and is set). */
#define CHECK_VSTR(val, s)                                                                         \
	do {                                                                                       \
		const struct vg_rec_value *v_ = &(val);                                            \
		const char *s_ = (s);                                                              \
		n_checks++;                                                                        \
		if (v_->unset || v_->v.str.len != strlen(s_) ||                                    \
			memcmp(v_->v.str.p, s_, strlen(s_)) != 0) {                                \
			n_failed++;                                                                \
			fprintf(stderr,                                                            \
				"%s:%d: %s: check failed: %s is \"%.*s\"%s, want \"%s\"\n",        \
				__FILE__, __LINE__, __func__, #val,                                \
				v_->unset ? 0 : (int)v_->v.str.len,                                \
				v_->unset ? "" : (const char *)v_->v.str.p,                        \
				v_->unset ? " (unset)" : "", s_);                                  \
		}                                                                                  \
	} while (0)

/* A count/interval/port column is set and equals x. */
#define CHECK_VNUM(val, x)                                                                         \
	do {                                                                                       \
		n_checks++;                                                                        \
		if ((val).unset || (val).v.u != (uint64_t)(x)) {                                   \
			n_failed++;                                                                \
			fprintf(stderr, "%s:%d: %s: check failed: %s is %llu%s, want %llu\n",      \
				__FILE__, __LINE__, __func__, #val, (unsigned long long)(val).v.u, \
				(val).unset ? " (unset)" : "", (unsigned long long)(x));           \
		}                                                                                  \
	} while (0)

#define CHECK_VPORT(val, x) CHECK(!(val).unset && (val).v.port == (x))

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

static uint32_t
coll_count(const struct coll *c, uint16_t log_id)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->n; i++)
		if (vg_rec_log_id(c->rec[i]) == log_id)
			n++;
	return n;
}

/* The columns of one conn record. */
struct conn_row {
	struct vg_rec_value v[VG_CONN_NCOLS];
};

/* Reads the k-th conn record; false when there is none or it is malformed. */
static bool
get_conn(const struct coll *c, uint32_t k, struct conn_row *row)
{
	for (uint32_t i = 0; i < c->n; i++) {
		struct vg_rec_reader rd;

		if (vg_rec_log_id(c->rec[i]) != VG_LOG_CONN || k-- != 0)
			continue;
		if (vg_rec_read_begin(&rd, c->rec[i], c->len[i]) != 0)
			return false;
		for (int f = 0; f < VG_CONN_NCOLS; f++)
			if (vg_rec_read_next(&rd, &row->v[f]) != 0)
				return false;
		return true;
	}
	return false;
}

/* ---- packets ------------------------------------------------------------ */

#define T0  1300475167000000000ULL
#define MS  1000000ULL
#define SEC 1000000000ULL

static const uint8_t zeros[2048];
static const uint8_t cli[4] = {10, 0, 0, 1};
static const uint8_t srv[4] = {10, 0, 0, 2};
static const uint8_t ext[4] = {8, 8, 8, 8};

static void
base_pkt(struct vg_pkt *p, uint64_t ts, uint8_t proto, const uint8_t *s, const uint8_t *d)
{
	memset(p, 0, sizeof(*p));
	p->ts_ns = ts;
	p->ip_version = 4;
	p->ip_proto = proto;
	p->ttl = 64;
	vg_addr_from_v4(&p->src, s);
	vg_addr_from_v4(&p->dst, d);
	p->ip = zeros;
	p->ip_hdr_len = 20;
	p->l4 = zeros + 20;
	p->l4_ok = VG_L4_FULL;
}

static void
tcp_pkt(struct vg_pkt *p, uint64_t ts, const uint8_t *s, uint16_t sp, const uint8_t *d, uint16_t dp,
	uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, uint32_t plen)
{
	base_pkt(p, ts, 6, s, d);
	p->sport = sp;
	p->dport = dp;
	p->tcp_flags = flags;
	p->tcp_seq = seq;
	p->tcp_ack = ack;
	p->tcp_win = win;
	p->l4_len = p->l4_cap = 20 + plen;
	p->ip_len = 20 + p->l4_len;
	p->cap_len = p->wire_len = 14 + p->ip_len;
	p->payload = zeros + 40;
	p->payload_len = p->payload_cap = plen;
}

static void
udp_pkt(struct vg_pkt *p, uint64_t ts, const uint8_t *s, uint16_t sp, const uint8_t *d, uint16_t dp,
	uint32_t plen)
{
	base_pkt(p, ts, 17, s, d);
	p->sport = sp;
	p->dport = dp;
	p->udp_len = (uint16_t)(8 + plen);
	p->l4_len = p->l4_cap = 8 + plen;
	p->ip_len = 20 + p->l4_len;
	p->cap_len = p->wire_len = 14 + p->ip_len;
	p->payload = zeros + 28;
	p->payload_len = p->payload_cap = plen;
}

static void
icmp_pkt(struct vg_pkt *p, uint64_t ts, const uint8_t *s, const uint8_t *d, uint8_t type,
	uint8_t code, uint32_t plen)
{
	base_pkt(p, ts, 1, s, d);
	p->icmp_type = type;
	p->icmp_code = code;
	p->l4_len = p->l4_cap = 8 + plen;
	p->ip_len = 20 + p->l4_len;
	p->cap_len = p->wire_len = 14 + p->ip_len;
	p->payload = zeros + 28;
	p->payload_len = p->payload_cap = plen;
}

static struct vg_flow_table *
mk_table(struct coll *c, const struct vg_port_set *ps, uint32_t features, uint64_t seed)
{
	struct vg_flow_cfg cfg = {
		.max_flows = 64,
		.features = features,
		.uid_seed = seed,
		.local_private = true,
		.server_ports = ps,
		.sink = {.write = coll_write, .ctx = c},
	};

	c->n = 0;
	return vg_flow_table_create(&cfg);
}

#define TCP(ts, s, sp, d, dp, fl, seq, ack, plen)                                                  \
	do {                                                                                       \
		struct vg_pkt p_;                                                                  \
		tcp_pkt(&p_, ts, s, sp, d, dp, fl, seq, ack, 65535, plen);                         \
		vg_flow_packet(ft, &p_);                                                           \
	} while (0)

#define SYN VG_TCP_SYN
#define ACK VG_TCP_ACK
#define FIN VG_TCP_FIN
#define RST VG_TCP_RST
#define PSH VG_TCP_PSH

static bool
uid_ok(const struct vg_rec_value *v)
{
	if (v->unset || v->v.str.len < 2 || v->v.str.len > 18 || v->v.str.p[0] != 'C')
		return false;
	for (uint16_t i = 1; i < v->v.str.len; i++) {
		uint8_t ch = v->v.str.p[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
			    (ch >= 'A' && ch <= 'Z')))
			return false;
	}
	return true;
}

static bool
addr_is(const struct vg_rec_value *v, const uint8_t *v4)
{
	struct vg_addr a;

	vg_addr_from_v4(&a, v4);
	return !v->unset && vg_addr_cmp(&v->v.addr, &a) == 0;
}

/* ---- TCP ---------------------------------------------------------------- */

static void
test_tcp_full(void)
{
	struct coll c = {0};
	struct vg_flow_table *ft = mk_table(&c, NULL, 0, 1);
	struct conn_row r;

	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	TCP(T0, cli, 40000, srv, 80, SYN, 1000, 0, 0);
	TCP(T0 + 100 * MS, srv, 80, cli, 40000, SYN | ACK, 5000, 1001, 0);
	TCP(T0 + 200 * MS, cli, 40000, srv, 80, ACK, 1001, 5001, 0);
	TCP(T0 + 300 * MS, cli, 40000, srv, 80, PSH | ACK, 1001, 5001, 100);
	TCP(T0 + 400 * MS, srv, 80, cli, 40000, ACK, 5001, 1101, 0);
	TCP(T0 + 500 * MS, srv, 80, cli, 40000, PSH | ACK, 5001, 1101, 200);
	TCP(T0 + 600 * MS, cli, 40000, srv, 80, FIN | ACK, 1101, 5201, 0);
	TCP(T0 + 700 * MS, srv, 80, cli, 40000, FIN | ACK, 5201, 1102, 0);
	TCP(T0 + 800 * MS, cli, 40000, srv, 80, ACK, 1102, 5202, 0);
	CHECK_EQ(vg_flow_stats(ft)->created, 1);
	CHECK_EQ(vg_flow_stats(ft)->active, 1);
	CHECK_EQ(c.n, 0);

	/* Both sides closed: the close timer logs it without a flush. */
	vg_flow_advance(ft, T0 + 7 * SEC);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 1);
	CHECK_EQ(vg_flow_stats(ft)->active, 0);
	vg_flow_flush(ft);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 1);
	CHECK_EQ(coll_count(&c, VG_LOG_WEIRD), 0);
	CHECK(get_conn(&c, 0, &r));
	CHECK_VNUM(r.v[VG_CONN_TS], T0);
	CHECK(uid_ok(&r.v[VG_CONN_UID]));
	CHECK(addr_is(&r.v[VG_CONN_ORIG_H], cli));
	CHECK_VPORT(r.v[VG_CONN_ORIG_P], 40000);
	CHECK(addr_is(&r.v[VG_CONN_RESP_H], srv));
	CHECK_VPORT(r.v[VG_CONN_RESP_P], 80);
	CHECK_VSTR(r.v[VG_CONN_PROTO], "tcp");
	CHECK(r.v[VG_CONN_SERVICE].unset);
	/* As in Zeek, a packet after both FINs no longer moves the last time. */
	CHECK_VNUM(r.v[VG_CONN_DURATION], 700 * MS);
	CHECK_VNUM(r.v[VG_CONN_ORIG_BYTES], 100);
	CHECK_VNUM(r.v[VG_CONN_RESP_BYTES], 200);
	CHECK_VSTR(r.v[VG_CONN_STATE], "SF");
	CHECK(!r.v[VG_CONN_LOCAL_ORIG].unset && r.v[VG_CONN_LOCAL_ORIG].v.b);
	CHECK(!r.v[VG_CONN_LOCAL_RESP].unset && r.v[VG_CONN_LOCAL_RESP].v.b);
	CHECK_VNUM(r.v[VG_CONN_MISSED_BYTES], 0);
	CHECK_VSTR(r.v[VG_CONN_HISTORY], "ShADadFf");
	CHECK_VNUM(r.v[VG_CONN_ORIG_PKTS], 5);
	CHECK_VNUM(r.v[VG_CONN_ORIG_IP_BYTES], 4 * 40 + 140);
	CHECK_VNUM(r.v[VG_CONN_RESP_PKTS], 4);
	CHECK_VNUM(r.v[VG_CONN_RESP_IP_BYTES], 3 * 40 + 240);
	CHECK(r.v[VG_CONN_TUNNEL_PARENTS].unset);
	CHECK_VNUM(r.v[VG_CONN_IP_PROTO], 6);
	CHECK(r.v[VG_CONN_VLAN].unset);
	CHECK(r.v[VG_CONN_COMMUNITY_ID].unset);
	vg_flow_table_free(ft);
	coll_free(&c);
}

static void
test_tcp_rej(void)
{
	struct coll c = {0};
	struct vg_flow_table *ft = mk_table(&c, NULL, 0, 1);
	struct conn_row r;

	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	TCP(T0, cli, 40001, srv, 81, SYN, 1000, 0, 0);
	TCP(T0 + 10 * MS, srv, 81, cli, 40001, RST | ACK, 0, 1001, 0);
	vg_flow_flush(ft);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 1);
	CHECK(get_conn(&c, 0, &r));
	CHECK_VSTR(r.v[VG_CONN_HISTORY], "Sr");
	CHECK_VSTR(r.v[VG_CONN_STATE], "REJ");
	CHECK_VPORT(r.v[VG_CONN_ORIG_P], 40001);
	CHECK_VPORT(r.v[VG_CONN_RESP_P], 81);
	CHECK_VNUM(r.v[VG_CONN_DURATION], 10 * MS);
	CHECK_VNUM(r.v[VG_CONN_ORIG_BYTES], 0);
	CHECK_VNUM(r.v[VG_CONN_RESP_BYTES], 0);
	CHECK_VNUM(r.v[VG_CONN_ORIG_PKTS], 1);
	CHECK_VNUM(r.v[VG_CONN_RESP_PKTS], 1);
	vg_flow_table_free(ft);
	coll_free(&c);
}

static void
test_tcp_lone_syn(void)
{
	struct coll c = {0};
	struct vg_flow_table *ft = mk_table(&c, NULL, 0, 1);
	struct conn_row r;

	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	TCP(T0, cli, 40002, ext, 443, SYN, 77, 0, 0);
	vg_flow_advance(ft, T0 + 4 * SEC);
	CHECK_EQ(c.n, 0);
	/* The attempt timer (5 s) ends it. */
	vg_flow_advance(ft, T0 + 6 * SEC);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 1);
	vg_flow_flush(ft);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 1);
	CHECK(get_conn(&c, 0, &r));
	CHECK_VSTR(r.v[VG_CONN_STATE], "S0");
	CHECK_VSTR(r.v[VG_CONN_HISTORY], "S");
	CHECK(r.v[VG_CONN_DURATION].unset);
	CHECK(r.v[VG_CONN_ORIG_BYTES].unset);
	CHECK(r.v[VG_CONN_RESP_BYTES].unset);
	CHECK_VNUM(r.v[VG_CONN_ORIG_PKTS], 1);
	CHECK_VNUM(r.v[VG_CONN_ORIG_IP_BYTES], 40);
	CHECK_VNUM(r.v[VG_CONN_RESP_PKTS], 0);
	CHECK_VNUM(r.v[VG_CONN_RESP_IP_BYTES], 0);
	CHECK(!r.v[VG_CONN_LOCAL_ORIG].unset && r.v[VG_CONN_LOCAL_ORIG].v.b);
	CHECK(!r.v[VG_CONN_LOCAL_RESP].unset && !r.v[VG_CONN_LOCAL_RESP].v.b);
	vg_flow_table_free(ft);
	coll_free(&c);
}

static void
test_tcp_flip(void)
{
	struct vg_port_set ps;
	struct coll c = {0};
	struct vg_flow_table *ft;
	struct conn_row r;

	CHECK_EQ(vg_port_set_from_analyzers(&ps, "http", NULL), 0);
	CHECK(vg_port_set_has(&ps, VG_PORT_TCP, 80));
	CHECK(vg_port_set_has(&ps, VG_PORT_TCP, 8080));
	CHECK(!vg_port_set_has(&ps, VG_PORT_TCP, 443));
	CHECK(!vg_port_set_has(&ps, VG_PORT_UDP, 80));

	/* The SYN-ACK is the first packet seen: the server is the responder. */
	ft = mk_table(&c, &ps, 0, 1);
	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	TCP(T0, srv, 80, cli, 40003, SYN | ACK, 5000, 1001, 0);
	TCP(T0 + 1 * MS, cli, 40003, srv, 80, ACK, 1001, 5001, 0);
	vg_flow_flush(ft);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 1);
	CHECK(get_conn(&c, 0, &r));
	CHECK(addr_is(&r.v[VG_CONN_ORIG_H], cli));
	CHECK_VPORT(r.v[VG_CONN_ORIG_P], 40003);
	CHECK(addr_is(&r.v[VG_CONN_RESP_H], srv));
	CHECK_VPORT(r.v[VG_CONN_RESP_P], 80);
	CHECK(!r.v[VG_CONN_HISTORY].unset && r.v[VG_CONN_HISTORY].v.str.len >= 2 &&
		memcmp(r.v[VG_CONN_HISTORY].v.str.p, "^h", 2) == 0);
	CHECK_VSTR(r.v[VG_CONN_HISTORY], "^hA");
	CHECK_VNUM(r.v[VG_CONN_ORIG_PKTS], 1);
	CHECK_VNUM(r.v[VG_CONN_RESP_PKTS], 1);
	vg_flow_table_free(ft);
	coll_free(&c);

	/* Mid-stream data from a likely server port is flipped too... */
	ft = mk_table(&c, &ps, 0, 1);
	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	TCP(T0, srv, 8080, cli, 40004, PSH | ACK, 5000, 1000, 10);
	vg_flow_flush(ft);
	CHECK(get_conn(&c, 0, &r));
	CHECK_VPORT(r.v[VG_CONN_ORIG_P], 40004);
	CHECK_VPORT(r.v[VG_CONN_RESP_P], 8080);
	CHECK_VSTR(r.v[VG_CONN_HISTORY], "^d");
	vg_flow_table_free(ft);
	coll_free(&c);

	/* ...but not when that analyzer is not loaded. */
	CHECK_EQ(vg_port_set_from_analyzers(&ps, "dns,ssh", NULL), 0);
	ft = mk_table(&c, &ps, 0, 1);
	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	TCP(T0, srv, 8080, cli, 40004, PSH | ACK, 5000, 1000, 10);
	vg_flow_flush(ft);
	CHECK(get_conn(&c, 0, &r));
	CHECK_VPORT(r.v[VG_CONN_ORIG_P], 8080);
	CHECK_VPORT(r.v[VG_CONN_RESP_P], 40004);
	CHECK_VSTR(r.v[VG_CONN_HISTORY], "D");
	vg_flow_table_free(ft);
	coll_free(&c);

	const char *bad = NULL;

	CHECK_EQ(vg_port_set_from_analyzers(&ps, "http,nosuch", &bad), -1);
	CHECK(bad != NULL && strcmp(bad, "nosuch") == 0);
}

/* A handshake from cli:cport to srv:80, client ISN 1000, server ISN 5000. */
static void
handshake(struct vg_flow_table *ft, uint64_t t, uint16_t cport)
{
	TCP(t, cli, cport, srv, 80, SYN, 1000, 0, 0);
	TCP(t + 1 * MS, srv, 80, cli, cport, SYN | ACK, 5000, 1001, 0);
	TCP(t + 2 * MS, cli, cport, srv, 80, ACK, 1001, 5001, 0);
}

static void
test_tcp_retransmit_and_window(void)
{
	struct coll c = {0};
	struct vg_flow_table *ft = mk_table(&c, NULL, 0, 1);
	struct conn_row r;

	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	handshake(ft, T0, 40005);
	TCP(T0 + 3 * MS, cli, 40005, srv, 80, PSH | ACK, 1001, 5001, 100);
	TCP(T0 + 4 * MS, cli, 40005, srv, 80, PSH | ACK, 1001, 5001, 100);
	vg_flow_flush(ft);
	CHECK(get_conn(&c, 0, &r));
	CHECK(!r.v[VG_CONN_HISTORY].unset &&
		memchr(r.v[VG_CONN_HISTORY].v.str.p, 'T', r.v[VG_CONN_HISTORY].v.str.len));
	CHECK_VSTR(r.v[VG_CONN_HISTORY], "ShADT");
	CHECK_VSTR(r.v[VG_CONN_STATE], "S1");
	CHECK_VNUM(r.v[VG_CONN_ORIG_BYTES], 100);
	CHECK_VNUM(r.v[VG_CONN_ORIG_PKTS], 4);
	vg_flow_table_free(ft);
	coll_free(&c);

	/* A zero-window ACK from the originator. */
	ft = mk_table(&c, NULL, 0, 1);
	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	handshake(ft, T0, 40006);
	struct vg_pkt p;

	tcp_pkt(&p, T0 + 3 * MS, cli, 40006, srv, 80, ACK, 1001, 5001, 0, 0);
	vg_flow_packet(ft, &p);
	vg_flow_flush(ft);
	CHECK(get_conn(&c, 0, &r));
	CHECK(!r.v[VG_CONN_HISTORY].unset &&
		memchr(r.v[VG_CONN_HISTORY].v.str.p, 'W', r.v[VG_CONN_HISTORY].v.str.len));
	CHECK_VSTR(r.v[VG_CONN_HISTORY], "ShAW");
	vg_flow_table_free(ft);
	coll_free(&c);

	/* A content gap: the server acknowledges data never seen. */
	ft = mk_table(&c, NULL, 0, 1);
	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	handshake(ft, T0, 40007);
	TCP(T0 + 3 * MS, cli, 40007, srv, 80, PSH | ACK, 1101, 5001, 50);
	TCP(T0 + 4 * MS, srv, 80, cli, 40007, ACK, 5001, 1151, 0);
	vg_flow_flush(ft);
	CHECK(get_conn(&c, 0, &r));
	CHECK_VNUM(r.v[VG_CONN_MISSED_BYTES], 100);
	CHECK(!r.v[VG_CONN_HISTORY].unset &&
		memchr(r.v[VG_CONN_HISTORY].v.str.p, 'G', r.v[VG_CONN_HISTORY].v.str.len));
	vg_flow_table_free(ft);
	coll_free(&c);

	/*
	 * Six blocks above six holes, then one ACK past all: exactly the holes are
	 * missed. (The gap tracker before lib/tcp held four blocks, so the fifth
	 * and sixth counted as missed too: 700 here.)
	 */
	ft = mk_table(&c, NULL, 0, 1);
	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	handshake(ft, T0, 40008);
	for (uint32_t i = 0; i < 6; i++)
		TCP(T0 + (3 + i) * MS, cli, 40008, srv, 80, PSH | ACK, 1101 + 200 * i, 5001, 100);
	TCP(T0 + 10 * MS, srv, 80, cli, 40008, ACK, 5001, 2201, 0);
	vg_flow_flush(ft);
	CHECK(get_conn(&c, 0, &r));
	CHECK_VNUM(r.v[VG_CONN_MISSED_BYTES], 600);
	vg_flow_table_free(ft);
	coll_free(&c);
}

/* ---- UDP and ICMP ------------------------------------------------------- */

static void
test_udp(void)
{
	struct coll c = {0};
	struct vg_flow_table *ft = mk_table(&c, NULL, 0, 1);
	struct conn_row r;
	struct vg_pkt p;

	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	udp_pkt(&p, T0, cli, 5353, srv, 53, 30);
	vg_flow_packet(ft, &p);
	udp_pkt(&p, T0 + 10 * MS, srv, 53, cli, 5353, 60);
	vg_flow_packet(ft, &p);
	vg_flow_flush(ft);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 1);
	CHECK(get_conn(&c, 0, &r));
	CHECK(addr_is(&r.v[VG_CONN_ORIG_H], cli));
	CHECK_VPORT(r.v[VG_CONN_ORIG_P], 5353);
	CHECK_VPORT(r.v[VG_CONN_RESP_P], 53);
	CHECK_VSTR(r.v[VG_CONN_PROTO], "udp");
	CHECK_VSTR(r.v[VG_CONN_STATE], "SF");
	CHECK_VSTR(r.v[VG_CONN_HISTORY], "Dd");
	CHECK_VNUM(r.v[VG_CONN_DURATION], 10 * MS);
	CHECK_VNUM(r.v[VG_CONN_ORIG_BYTES], 30);
	CHECK_VNUM(r.v[VG_CONN_RESP_BYTES], 60);
	CHECK_VNUM(r.v[VG_CONN_ORIG_PKTS], 1);
	CHECK_VNUM(r.v[VG_CONN_ORIG_IP_BYTES], 58);
	CHECK_VNUM(r.v[VG_CONN_RESP_PKTS], 1);
	CHECK_VNUM(r.v[VG_CONN_RESP_IP_BYTES], 88);
	CHECK_VNUM(r.v[VG_CONN_IP_PROTO], 17);
	vg_flow_table_free(ft);
	coll_free(&c);

	/* A reply seen first from a likely server port (dns loaded) is flipped. */
	struct vg_port_set ps;

	CHECK_EQ(vg_port_set_from_analyzers(&ps, "dns", NULL), 0);
	ft = mk_table(&c, &ps, 0, 1);
	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	udp_pkt(&p, T0, srv, 53, cli, 5354, 60);
	vg_flow_packet(ft, &p);
	vg_flow_flush(ft);
	CHECK(get_conn(&c, 0, &r));
	CHECK(addr_is(&r.v[VG_CONN_ORIG_H], cli));
	CHECK_VPORT(r.v[VG_CONN_ORIG_P], 5354);
	CHECK_VPORT(r.v[VG_CONN_RESP_P], 53);
	CHECK_VSTR(r.v[VG_CONN_HISTORY], "^d");
	CHECK_VSTR(r.v[VG_CONN_STATE], "SHR");
	vg_flow_table_free(ft);
	coll_free(&c);

	/* ...but not when it goes to the limited broadcast (a DHCP offer). */
	static const uint8_t bcast[4] = {255, 255, 255, 255};

	CHECK_EQ(vg_port_set_from_analyzers(&ps, "dhcp", NULL), 0);
	ft = mk_table(&c, &ps, 0, 1);
	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	udp_pkt(&p, T0, srv, 67, bcast, 68, 300);
	vg_flow_packet(ft, &p);
	vg_flow_flush(ft);
	CHECK(get_conn(&c, 0, &r));
	CHECK(addr_is(&r.v[VG_CONN_ORIG_H], srv));
	CHECK_VPORT(r.v[VG_CONN_ORIG_P], 67);
	CHECK_VSTR(r.v[VG_CONN_HISTORY], "D");
	CHECK_VSTR(r.v[VG_CONN_STATE], "S0");
	vg_flow_table_free(ft);
	coll_free(&c);
}

static void
test_udp_expiry(void)
{
	struct coll c = {0};
	struct vg_flow_table *ft = mk_table(&c, NULL, 0, 1);
	struct conn_row r;
	struct vg_pkt p;

	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	udp_pkt(&p, T0, cli, 1234, ext, 9999, 12);
	vg_flow_packet(ft, &p);
	vg_flow_advance(ft, T0 + 59 * SEC);
	CHECK_EQ(c.n, 0);
	CHECK_EQ(vg_flow_stats(ft)->active, 1);
	vg_flow_advance(ft, T0 + 61 * SEC);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 1);
	CHECK_EQ(vg_flow_stats(ft)->active, 0);
	CHECK_EQ(vg_flow_stats(ft)->logged, 1);
	CHECK(get_conn(&c, 0, &r));
	CHECK_VSTR(r.v[VG_CONN_STATE], "S0");
	CHECK_VSTR(r.v[VG_CONN_HISTORY], "D");
	CHECK(r.v[VG_CONN_DURATION].unset);
	CHECK(r.v[VG_CONN_ORIG_BYTES].unset);
	CHECK_VNUM(r.v[VG_CONN_ORIG_PKTS], 1);

	/* A later packet of the same 5-tuple starts a new connection. */
	udp_pkt(&p, T0 + 62 * SEC, cli, 1234, ext, 9999, 12);
	vg_flow_packet(ft, &p);
	vg_flow_flush(ft);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 2);
	CHECK_EQ(vg_flow_stats(ft)->created, 2);
	struct conn_row r2;

	CHECK(get_conn(&c, 1, &r2));
	CHECK_VNUM(r2.v[VG_CONN_TS], T0 + 62 * SEC);
	CHECK(!r.v[VG_CONN_UID].unset && !r2.v[VG_CONN_UID].unset &&
		(r.v[VG_CONN_UID].v.str.len != r2.v[VG_CONN_UID].v.str.len ||
			memcmp(r.v[VG_CONN_UID].v.str.p, r2.v[VG_CONN_UID].v.str.p,
				r.v[VG_CONN_UID].v.str.len) != 0));
	vg_flow_table_free(ft);
	coll_free(&c);
}

/* Sends one UDP packet from cli:sp to ext:9999. */
static void
udp_at(struct vg_flow_table *ft, uint64_t ts, uint16_t sp)
{
	struct vg_pkt p;

	udp_pkt(&p, ts, cli, sp, ext, 9999, 12);
	vg_flow_packet(ft, &p);
}

/* The inactivity wheel: active connections stay, idle ones go, on time. */
static void
test_idle_wheel(void)
{
	struct coll c = {0};
	struct vg_flow_table *ft = mk_table(&c, NULL, 0, 1);
	struct conn_row r;

	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	/* A stays busy (a packet every 30 s, so it moves slot several times); B goes idle. */
	udp_at(ft, T0, 1000);
	udp_at(ft, T0, 2000);
	for (int i = 1; i <= 5; i++)
		udp_at(ft, T0 + (uint64_t)i * 30 * SEC, 1000);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 1);
	CHECK(get_conn(&c, 0, &r));
	CHECK_VPORT(r.v[VG_CONN_ORIG_P], 2000);
	vg_flow_advance(ft, T0 + 150 * SEC + 58 * SEC);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 1);
	vg_flow_advance(ft, T0 + 150 * SEC + 62 * SEC);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 2);
	CHECK(get_conn(&c, 1, &r));
	CHECK_VPORT(r.v[VG_CONN_ORIG_P], 1000);
	CHECK_VNUM(r.v[VG_CONN_ORIG_PKTS], 6);
	coll_free(&c);

	/* A packet exactly one timeout after the last starts a new connection,
	 * though the wheel has not reached its slot yet; one a nanosecond earlier
	 * joins it. */
	uint64_t t = T0 + 1000 * SEC;

	udp_at(ft, t, 3000);
	udp_at(ft, t, 3001);
	udp_at(ft, t + 60 * SEC - 1, 3001);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 0);
	udp_at(ft, t + 60 * SEC, 3000);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 1);
	CHECK(get_conn(&c, 0, &r));
	CHECK_VPORT(r.v[VG_CONN_ORIG_P], 3000);
	CHECK_VNUM(r.v[VG_CONN_ORIG_PKTS], 1);
	coll_free(&c);

	/* Network time jumping further than the wheel turns collects everything due. */
	vg_flow_advance(ft, t + 5000 * SEC);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 2);
	CHECK_EQ(vg_flow_stats(ft)->active, 0);
	coll_free(&c);

	/* Established TCP waits five minutes. */
	t += 6000 * SEC;
	TCP(t, cli, 40000, srv, 80, SYN, 100, 0, 0);
	TCP(t + 1 * MS, srv, 80, cli, 40000, SYN | ACK, 500, 101, 0);
	TCP(t + 2 * MS, cli, 40000, srv, 80, ACK, 101, 501, 0);
	vg_flow_advance(ft, t + 200 * SEC);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 0);
	vg_flow_advance(ft, t + 303 * SEC);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 1);
	coll_free(&c);

	/* A full table (64 slots) gives up the connection due to time out first. */
	t += 1000 * SEC;
	udp_at(ft, t, 100);
	for (uint16_t i = 1; i < 64; i++)
		udp_at(ft, t + 10 * SEC, (uint16_t)(100 + i));
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 0);
	udp_at(ft, t + 11 * SEC, 999);
	CHECK_EQ(vg_flow_stats(ft)->evicted, 1);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 1);
	CHECK(get_conn(&c, 0, &r));
	CHECK_VPORT(r.v[VG_CONN_ORIG_P], 100);
	vg_flow_table_free(ft);
	coll_free(&c);
}

static void
test_icmp(void)
{
	struct coll c = {0};
	struct vg_flow_table *ft = mk_table(&c, NULL, 0, 1);
	struct conn_row r;
	struct vg_pkt p;

	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	icmp_pkt(&p, T0, cli, ext, 8, 0, 56);
	vg_flow_packet(ft, &p);
	icmp_pkt(&p, T0 + 20 * MS, ext, cli, 0, 0, 56);
	vg_flow_packet(ft, &p);
	vg_flow_flush(ft);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 1);
	CHECK(get_conn(&c, 0, &r));
	CHECK(addr_is(&r.v[VG_CONN_ORIG_H], cli));
	CHECK(addr_is(&r.v[VG_CONN_RESP_H], ext));
	CHECK_VPORT(r.v[VG_CONN_ORIG_P], 8);
	CHECK_VPORT(r.v[VG_CONN_RESP_P], 0);
	CHECK_VSTR(r.v[VG_CONN_PROTO], "icmp");
	CHECK_VSTR(r.v[VG_CONN_STATE], "OTH");
	CHECK_VNUM(r.v[VG_CONN_DURATION], 20 * MS);
	CHECK_VNUM(r.v[VG_CONN_ORIG_BYTES], 56);
	CHECK_VNUM(r.v[VG_CONN_RESP_BYTES], 56);
	CHECK_VNUM(r.v[VG_CONN_ORIG_PKTS], 1);
	CHECK_VNUM(r.v[VG_CONN_ORIG_IP_BYTES], 84);
	CHECK_VNUM(r.v[VG_CONN_RESP_PKTS], 1);
	CHECK_VNUM(r.v[VG_CONN_IP_PROTO], 1);
	vg_flow_table_free(ft);
	coll_free(&c);
}

/* Weirds of a packet are logged with its connection's uid. */
static void
test_weird_records(void)
{
	struct coll c = {0};
	struct vg_flow_table *ft = mk_table(&c, NULL, 0, 1);
	struct vg_pkt p;

	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	tcp_pkt(&p, T0, cli, 40010, srv, 80, SYN, 1, 0, 100, 0);
	p.bad_checksum = 1;
	p.nweirds = 1;
	p.weirds[0].code = VG_WEIRD_BAD_TCP_CHECKSUM;
	p.weirds[0].scope = VG_WEIRD_SCOPE_CONN;
	p.weirds[0].source = "TCP";
	vg_flow_packet(ft, &p);
	p.ts_ns += MS;
	vg_flow_packet(ft, &p); /* the same weird again: once per connection */
	vg_flow_flush(ft);
	CHECK_EQ(coll_count(&c, VG_LOG_WEIRD), 1);
	CHECK_EQ(coll_count(&c, VG_LOG_CONN), 1);

	struct conn_row r;
	struct vg_rec_reader rd;
	struct vg_rec_value w[VG_WEIRD_NCOLS];
	uint32_t wi = c.rec[0] && vg_rec_log_id(c.rec[0]) == VG_LOG_WEIRD ? 0 : 1;

	CHECK(get_conn(&c, 0, &r));
	CHECK_VSTR(r.v[VG_CONN_HISTORY], "C");
	CHECK_EQ(vg_rec_read_begin(&rd, c.rec[wi], c.len[wi]), 0);
	for (int i = 0; i < VG_WEIRD_NCOLS; i++)
		CHECK_EQ(vg_rec_read_next(&rd, &w[i]), 0);
	CHECK_VSTR(w[VG_WEIRD_COL_NAME], "bad_TCP_checksum");
	CHECK_VSTR(w[VG_WEIRD_COL_SOURCE], "TCP");
	CHECK_VPORT(w[VG_WEIRD_COL_ORIG_P], 40010);
	CHECK(!w[VG_WEIRD_COL_UID].unset && !r.v[VG_CONN_UID].unset &&
		w[VG_WEIRD_COL_UID].v.str.len == r.v[VG_CONN_UID].v.str.len &&
		memcmp(w[VG_WEIRD_COL_UID].v.str.p, r.v[VG_CONN_UID].v.str.p,
			r.v[VG_CONN_UID].v.str.len) == 0);
	vg_flow_table_free(ft);
	coll_free(&c);
}

/*
 * vg_flow_tunnel_register (Tunnel::register for SOCKS): one DISCOVER per
 * endpoints and type, uid unset, the ports as given.
 */
static void
test_tunnel_register(void)
{
	struct coll c = {0};
	struct vg_flow_table *ft = mk_table(&c, NULL, 0, 1);
	struct vg_addr a, b;

	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	vg_addr_from_v4(&a, cli);
	vg_addr_from_v4(&b, srv);
	CHECK(vg_flow_tunnel_register(ft, T0, "Tunnel::SOCKS", &a, 0, &b, 1080));
	CHECK(!vg_flow_tunnel_register(ft, T0 + MS, "Tunnel::SOCKS", &a, 0, &b, 1080));
	CHECK(vg_flow_tunnel_register(ft, T0 + MS, "Tunnel::SOCKS", &a, 0, &b, 1081));
	CHECK(vg_flow_tunnel_register(ft, T0 + MS, "Tunnel::OTHER", &a, 0, &b, 1080));
	CHECK_EQ(coll_count(&c, VG_LOG_TUNNEL), 3);

	struct vg_rec_reader rd;
	struct vg_rec_value t[VG_TUNNEL_NCOLS];

	CHECK_EQ(vg_rec_read_begin(&rd, c.rec[0], c.len[0]), 0);
	for (int i = 0; i < VG_TUNNEL_NCOLS; i++)
		CHECK_EQ(vg_rec_read_next(&rd, &t[i]), 0);
	CHECK(t[VG_TUNNEL_COL_UID].unset);
	CHECK_VPORT(t[VG_TUNNEL_COL_ORIG_P], 0);
	CHECK_VPORT(t[VG_TUNNEL_COL_RESP_P], 1080);
	CHECK_VSTR(t[VG_TUNNEL_COL_TYPE], "Tunnel::SOCKS");
	CHECK_VSTR(t[VG_TUNNEL_COL_ACTION], "Tunnel::DISCOVER");
	vg_flow_table_free(ft);
	coll_free(&c);
}

/* ---- uids, community id, address classes -------------------------------- */

static bool
uid_chars_ok(const char *s, uint32_t n)
{
	struct vg_rec_value v;

	v.unset = false;
	v.v.str.p = (const uint8_t *)s;
	v.v.str.len = (uint16_t)n;
	return uid_ok(&v) && strlen(s) == n;
}

static void
test_uid(void)
{
	char buf[64];
	uint32_t n;

	n = vg_uid_format(UINT64_MAX, UINT64_MAX, buf);
	CHECK_EQ(n, 18);
	CHECK(uid_chars_ok(buf, n));
	n = vg_uid_format(0, 0, buf);
	CHECK(uid_chars_ok(buf, n));
	CHECK(strcmp(buf, "C00") == 0);
	n = vg_uid_format(0x0123456789abcdefULL, 0xfedcba9876543210ULL, buf);
	CHECK(uid_chars_ok(buf, n));
	/* 61 is the last base-62 digit, "Z"; 62 is "01" (least significant first). */
	n = vg_uid_format(61ULL << 32, 62, buf);
	CHECK(strcmp(buf, "CZ01") == 0);

	/* The same seed and input give the same uids; another seed others. */
	struct coll c1 = {0}, c2 = {0}, c3 = {0};
	struct vg_flow_table *f1 = mk_table(&c1, NULL, 0, 42);
	struct vg_flow_table *f2 = mk_table(&c2, NULL, 0, 42);
	struct vg_flow_table *f3 = mk_table(&c3, NULL, 0, 43);
	struct conn_row r1, r2, r3;
	struct vg_pkt p;

	CHECK(f1 && f2 && f3);
	if (!(f1 && f2 && f3))
		return;
	udp_pkt(&p, T0, cli, 1, srv, 2, 0);
	vg_flow_packet(f1, &p);
	vg_flow_packet(f2, &p);
	vg_flow_packet(f3, &p);
	vg_flow_flush(f1);
	vg_flow_flush(f2);
	vg_flow_flush(f3);
	CHECK(get_conn(&c1, 0, &r1) && get_conn(&c2, 0, &r2) && get_conn(&c3, 0, &r3));
	CHECK(uid_ok(&r1.v[VG_CONN_UID]));
	CHECK(r1.v[VG_CONN_UID].v.str.len == r2.v[VG_CONN_UID].v.str.len &&
		memcmp(r1.v[VG_CONN_UID].v.str.p, r2.v[VG_CONN_UID].v.str.p,
			r1.v[VG_CONN_UID].v.str.len) == 0);
	CHECK(r1.v[VG_CONN_UID].v.str.len != r3.v[VG_CONN_UID].v.str.len ||
		memcmp(r1.v[VG_CONN_UID].v.str.p, r3.v[VG_CONN_UID].v.str.p,
			r1.v[VG_CONN_UID].v.str.len) != 0);
	vg_flow_table_free(f1);
	vg_flow_table_free(f2);
	vg_flow_table_free(f3);
	coll_free(&c1);
	coll_free(&c2);
	coll_free(&c3);
}

static bool
parse_addr(const char *s, struct vg_addr *a, bool *is_v4)
{
	uint8_t b[16];

	if (inet_pton(AF_INET, s, b) == 1) {
		vg_addr_from_v4(a, b);
		*is_v4 = true;
		return true;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		*is_v4 = false;
		return true;
	}
	return false;
}

/* The Community ID spec's baseline (baseline/baseline_deflt.json), seed 0. */
static const struct {
	uint8_t proto;
	const char *saddr, *daddr;
	uint16_t sport, dport;
	const char *id;
} cid_vectors[] = {
	{6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
	{6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
	{17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
	{17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
	{1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
	{1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
	{1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM="},
	{6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
		"1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
	{6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943,
		"1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
	{58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136,
		"1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
	{58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135,
		"1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
	{58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136,
		"1:zavyT/cezQr1fmImYCwYnMXbgck="},
	{58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
		"1:2ObVBgIn28oZvibYZhZMBgh7WdQ="},
	{58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4,
		"1:hLZd0XGWojozrvxqE0dWB1iM6R0="},
	{58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129,
		"1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="},
	{58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0="},
	{132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
	{132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
	{46, "10.1.12.1", "10.1.12.2", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
	{46, "10.1.12.2", "10.1.12.1", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
};

static void
test_community_id(void)
{
	for (size_t i = 0; i < VG_ARRAY_SIZE(cid_vectors); i++) {
		struct vg_addr s, d;
		bool v4a = false, v4b = false;
		char out[64];
		uint32_t n;

		CHECK(parse_addr(cid_vectors[i].saddr, &s, &v4a));
		CHECK(parse_addr(cid_vectors[i].daddr, &d, &v4b));
		memset(out, 0, sizeof(out));
		n = vg_community_id(&s, cid_vectors[i].sport, &d, cid_vectors[i].dport,
			cid_vectors[i].proto, v4a, 0, out, sizeof(out));
		n_checks++;
		if (n != strlen(cid_vectors[i].id) || strcmp(out, cid_vectors[i].id) != 0) {
			n_failed++;
			fprintf(stderr,
				"%s:%d: community id %s:%u -> %s:%u proto %u: got \"%s\", "
				"want \"%s\"\n",
				__FILE__, __LINE__, cid_vectors[i].saddr, cid_vectors[i].sport,
				cid_vectors[i].daddr, cid_vectors[i].dport, cid_vectors[i].proto,
				out, cid_vectors[i].id);
		}
	}
	/* Too small an output buffer gives nothing. */
	struct vg_addr s, d;
	bool v4;
	char small[16];

	parse_addr("1.2.3.4", &s, &v4);
	parse_addr("5.6.7.8", &d, &v4);
	CHECK_EQ(vg_community_id(&s, 1, &d, 2, 6, true, 0, small, sizeof(small)), 0);

	/* The conn.log column, when enabled. */
	struct coll c = {0};
	struct vg_flow_table *ft = mk_table(&c, NULL, 1u << VG_FEAT_COMMUNITY_ID, 1);
	const uint8_t a[4] = {128, 232, 110, 120}, b[4] = {66, 35, 250, 204};
	struct conn_row r;

	CHECK(ft != NULL);
	if (ft == NULL)
		return;
	TCP(T0, a, 34855, b, 80, SYN, 1, 0, 0);
	vg_flow_flush(ft);
	CHECK(get_conn(&c, 0, &r));
	CHECK_VSTR(r.v[VG_CONN_COMMUNITY_ID], "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
	CHECK(!r.v[VG_CONN_LOCAL_ORIG].unset && !r.v[VG_CONN_LOCAL_ORIG].v.b);
	vg_flow_table_free(ft);
	coll_free(&c);
}

static void
test_private(void)
{
	static const struct {
		const char *a;
		bool priv;
	} cases[] = {
		{"10.1.2.3", true},
		{"8.8.8.8", false},
		{"fe80::1", true},
		{"192.168.100.1", true},
		{"172.16.0.1", true},
		{"172.32.0.1", false},
		{"100.64.0.1", true},
		{"127.0.0.1", true},
		{"2607:f8b0::1", false},
		{"fc00::1", true},
		{"::1", true},
		{"11.0.0.1", false},
	};

	for (size_t i = 0; i < VG_ARRAY_SIZE(cases); i++) {
		struct vg_addr a;
		bool v4;

		CHECK(parse_addr(cases[i].a, &a, &v4));
		n_checks++;
		if (vg_addr_is_private(&a) != cases[i].priv) {
			n_failed++;
			fprintf(stderr, "%s:%d: vg_addr_is_private(%s) is %d, want %d\n", __FILE__,
				__LINE__, cases[i].a, !cases[i].priv, cases[i].priv);
		}
	}
}

int
main(void)
{
	test_tcp_full();
	test_tcp_rej();
	test_tcp_lone_syn();
	test_tcp_flip();
	test_tcp_retransmit_and_window();
	test_udp();
	test_udp_expiry();
	test_idle_wheel();
	test_icmp();
	test_weird_records();
	test_tunnel_register();
	test_uid();
	test_community_id();
	test_private();

	printf("flow: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
