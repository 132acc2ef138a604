/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The matcher on rule sets built by hand: header tests, TCP streams across
 * segments, UDP per packet, once per connection, the depth, requires-*,
 * payload-size, tcp-state, the end of a connection, PDUs, flips and a full
 * state pool. Connections come from a real flow table (without hooks); the
 * matcher is called as the analyzer framework's hooks call it.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_flow_private.h"
#include "vg_flow_test_util.h"
#include "vg_sig.h"
#include "vg_sig_log.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

/* ---- a sink that keeps the signatures.log rows ------------------------- */

#define MAX_ROWS 64

struct row {
	char sig_id[64];
	char note[64];
	char sub[256];
	struct vg_addr src;
	uint16_t src_port;
};

static struct row rows[MAX_ROWS];
static int nrows;

static void
str_of(const struct vg_rec_value *v, char *out, size_t cap)
{
	size_t n = v->unset ? 0 : v->v.str.len;

	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(out, v->v.str.p, n);
	out[n] = '\0';
}

static bool
keep_rows(void *ctx, const uint8_t *rec, uint32_t len)
{
	struct vg_rec_reader rd;
	struct vg_rec_value v;
	struct row r = {0};

	(void)ctx;
	if (vg_rec_log_id(rec) != vg_sig_log_schema.id || nrows == MAX_ROWS)
		return true;
	if (vg_rec_read_begin(&rd, rec, len) != 0)
		return true;
	for (int f = 0; vg_rec_read_next(&rd, &v) == 0; f++) {
		if (f == VG_SIG_LOG_SRC_ADDR)
			r.src = v.v.addr;
		else if (f == VG_SIG_LOG_SRC_PORT)
			r.src_port = v.v.port;
		else if (f == VG_SIG_LOG_NOTE)
			str_of(&v, r.note, sizeof(r.note));
		else if (f == VG_SIG_LOG_SIG_ID)
			str_of(&v, r.sig_id, sizeof(r.sig_id));
		else if (f == VG_SIG_LOG_SUB_MSG)
			str_of(&v, r.sub, sizeof(r.sub));
	}
	rows[nrows++] = r;
	return true;
}

static int
count_rows(const char *id)
{
	int n = 0;

	for (int i = 0; i < nrows; i++)
		n += strcmp(rows[i].sig_id, id) == 0;
	return n;
}

static const struct row *
find_row(const char *id)
{
	for (int i = 0; i < nrows; i++)
		if (strcmp(rows[i].sig_id, id) == 0)
			return &rows[i];
	return NULL;
}

/* ---- rules by hand ------------------------------------------------------ */

static struct vg_sig_rule *
add_rule(struct vg_sig_ruleset *rs, const char *id)
{
	rs->rules = realloc(rs->rules, (rs->n + 1) * sizeof(*rs->rules));
	assert(rs->rules != NULL);
	struct vg_sig_rule *r = &rs->rules[rs->n++];

	memset(r, 0, sizeof(*r));
	r->id = strdup(id);
	r->file = strdup("test.sig");
	r->line = rs->n;
	r->active = true;
	r->has_event = true;
	r->event_msg = strdup(id);
	return r;
}

static void
add_pattern(struct vg_sig_rule *r, uint8_t type, const char *re)
{
	r->pats = realloc(r->pats, (r->npats + 1) * sizeof(*r->pats));
	assert(r->pats != NULL);
	r->pats[r->npats++] =
		(struct vg_sig_pattern){.type = type, .regex = strdup(re), .depth = UINT32_MAX};
}

static void
add_hdr(struct vg_sig_rule *r, uint8_t kind, uint8_t cmp, uint32_t val)
{
	r->hdrs = realloc(r->hdrs, (r->nhdrs + 1) * sizeof(*r->hdrs));
	assert(r->hdrs != NULL);
	struct vg_sig_hdr *h = &r->hdrs[r->nhdrs++];

	memset(h, 0, sizeof(*h));
	h->kind = kind;
	h->cmp = cmp;
	h->vals = malloc(sizeof(*h->vals));
	h->vals[0] = (struct vg_sig_masked){val, 0xffffffffu};
	h->nvals = 1;
}

static void
add_require(struct vg_sig_rule *r, const char *id, bool reverse, bool negated)
{
	r->reqs = realloc(r->reqs, (r->nreqs + 1) * sizeof(*r->reqs));
	assert(r->reqs != NULL);
	r->reqs[r->nreqs++] = (struct vg_sig_require){strdup(id), reverse, negated};
}

/* The rule set every test runs on. */
static struct vg_sig_db *
build_db(void)
{
	struct vg_sig_ruleset rs = {0};
	struct vg_sig_rule *r;
	char err[256];

	r = add_rule(&rs, "http-get"); /* across segments, to port 80 only */
	add_hdr(r, VG_SIG_H_IP_PROTO, VG_SIG_EQ, 6);
	add_hdr(r, VG_SIG_H_DST_PORT, VG_SIG_EQ, 80);
	add_pattern(r, VG_SIG_PAT_PAYLOAD, "GET /x");
	r = add_rule(&rs, "server-ok"); /* the server, after the client's GET */
	add_pattern(r, VG_SIG_PAT_PAYLOAD, "HTTP/1\\.. 200");
	r->tcp_state = VG_SIG_STATE_RESPONDER;
	add_require(r, "http-get", true, false);
	r = add_rule(&rs, "no-get"); /* only at the end: a connection without a GET */
	add_hdr(r, VG_SIG_H_IP_PROTO, VG_SIG_EQ, 6);
	add_require(r, "http-get", false, true);
	r = add_rule(&rs, "udp-xx"); /* UDP, anchored at each packet */
	add_hdr(r, VG_SIG_H_IP_PROTO, VG_SIG_EQ, 17);
	add_pattern(r, VG_SIG_PAT_PAYLOAD, "XX");
	r = add_rule(&rs, "udp-small"); /* pure: the first payload's size */
	add_hdr(r, VG_SIG_H_IP_PROTO, VG_SIG_EQ, 17);
	r->has_payload_size = true;
	r->payload_size_cmp = VG_SIG_LT;
	r->payload_size = 3;
	r = add_rule(&rs, "never"); /* payload-size < 1 never holds */
	r->has_payload_size = true;
	r->payload_size_cmp = VG_SIG_LT;
	r->payload_size = 1;
	r = add_rule(&rs, "body-ab"); /* an HTTP body that is exactly AB */
	add_pattern(r, VG_SIG_PAT_HTTP_REQUEST_BODY, "AB$");
	r = add_rule(&rs, "off"); /* inactive */
	r->active = false;
	add_pattern(r, VG_SIG_PAT_PAYLOAD, "GET");
	r = add_rule(&rs, "silent"); /* no event: fires, not logged */
	r->has_event = false;
	add_hdr(r, VG_SIG_H_IP_PROTO, VG_SIG_EQ, 17);

	struct vg_sig_db *db = vg_sig_db_build(&rs, NULL, NULL, err, sizeof(err));

	if (db == NULL)
		fprintf(stderr, "build: %s\n", err);
	vg_sig_ruleset_free(&rs);
	return db;
}

/* ---- packets ------------------------------------------------------------- */

static uint8_t frame[2048];

/* A TCP or UDP packet with real headers for the header tests. */
static void
mk_pkt(struct vg_pkt *p, uint64_t ts, uint8_t proto, uint32_t src, uint16_t sp, uint32_t dst,
	uint16_t dp, const char *payload)
{
	uint32_t hl = proto == 6 ? 20 : 8, n = (uint32_t)strlen(payload);

	tcp_pkt(p, ts, src, sp, dst, dp, proto == 6 ? VG_TCP_ACK : 0);
	memset(frame, 0, 40);
	frame[0] = 0x45;
	frame[9] = proto;
	frame[20] = (uint8_t)(sp >> 8);
	frame[21] = (uint8_t)sp;
	frame[22] = (uint8_t)(dp >> 8);
	frame[23] = (uint8_t)dp;
	memcpy(frame + 20 + hl, payload, n);
	p->ip = frame;
	p->l4 = frame + 20;
	p->ip_proto = proto;
	p->l4_len = p->l4_cap = hl + n;
	p->payload = frame + 20 + hl;
	p->payload_len = p->payload_cap = n;
	p->udp_len = (uint16_t)(8 + n);
}

static struct vg_conn *
conn_of(struct vg_flow_table *ft, struct vg_pkt *p)
{
	uint32_t h = vg_flow_packet(ft, p);

	assert(h != VG_FLOW_NONE);
	return &ft->conns[h];
}

static void
stream(struct vg_sig_worker *sw, struct vg_flow_table *ft, struct vg_conn *c, bool is_orig,
	const char *s)
{
	vg_sig_stream(sw, ft, c, T0, is_orig, (const uint8_t *)s, (uint32_t)strlen(s));
}

/* ---- the tests ------------------------------------------------------------ */

static struct vg_flow_table *
table(void)
{
	struct vg_flow_cfg cfg = {
		.max_flows = 64,
		.uid_seed = 7,
		.local_private = true,
		.sink = {.write = keep_rows},
	};

	nrows = 0;
	return vg_flow_table_create(&cfg);
}

static void
test_tcp(const struct vg_sig_db *db)
{
	struct vg_flow_table *ft = table();
	struct vg_sig_worker_cfg wc = {.max_conns = 8, .max_flows = 64};
	struct vg_sig_worker *sw = vg_sig_worker_create(db, &wc);
	struct vg_pkt p;

	assert(ft && sw);
	mk_pkt(&p, T0, 6, 1, 40000, 2, 80, "");
	struct vg_conn *c = conn_of(ft, &p);

	vg_sig_packet(sw, ft, c, &p, true);
	mk_pkt(&p, T0, 6, 2, 80, 1, 40000, "");
	vg_sig_packet(sw, ft, c, &p, false);
	/* The server's reply first: requires-reverse does not hold yet. */
	stream(sw, ft, c, false, "HTTP/1.1 200 OK\r\n");
	CHECK(count_rows("server-ok") == 0);
	/* "GET /x" across two segments. */
	stream(sw, ft, c, true, "GE");
	CHECK(count_rows("http-get") == 0);
	stream(sw, ft, c, true, "T /x HTTP/1.1\r\n");
	CHECK(count_rows("http-get") == 1);
	const struct row *r = find_row("http-get");

	CHECK(r != NULL && strcmp(r->sub, "T /x HTTP/1.1\r\n") == 0);
	CHECK(r != NULL && r->src_port == 40000);
	CHECK(r != NULL && strcmp(r->note, "Signatures::Sensitive_Signature") == 0);
	/* The client's match lets the server's pending rule fire (dependents). */
	CHECK(count_rows("server-ok") == 1);
	r = find_row("server-ok");
	CHECK(r != NULL && r->src_port == 80);
	/* Once per connection. */
	stream(sw, ft, c, true, "GET /x again");
	CHECK(count_rows("http-get") == 1);
	CHECK(count_rows("off") == 0);
	vg_sig_conn_end(sw, ft, c, T0);
	/* Requirements are per direction (Zeek's matched_rules): the client
	 * sent the GET, so only the server's direction lacks it. */
	CHECK(count_rows("no-get") == 1);
	r = find_row("no-get");
	CHECK(r != NULL && r->src_port == 80);
	CHECK(vg_sig_worker_stats(sw)->conns_used == 0);
	CHECK(vg_sig_worker_stats(sw)->streams_used == 0);

	/* Another connection to port 8080: no http-get (header test), and at
	 * its end the negated requirement holds. */
	mk_pkt(&p, T0, 6, 3, 40001, 2, 8080, "");
	c = conn_of(ft, &p);
	vg_sig_packet(sw, ft, c, &p, true);
	stream(sw, ft, c, true, "GET /x");
	CHECK(count_rows("http-get") == 1);
	CHECK(count_rows("no-get") == 1); /* a negated requirement waits for the end */
	vg_sig_conn_end(sw, ft, c, T0);
	CHECK(count_rows("no-get") == 2);
	vg_sig_worker_free(sw);
	vg_flow_table_free(ft);
}

static void
test_depth(const struct vg_sig_db *db, uint32_t depth, int want)
{
	struct vg_flow_table *ft = table();
	struct vg_sig_worker_cfg wc = {.max_conns = 8, .max_flows = 64, .depth = depth};
	struct vg_sig_worker *sw = vg_sig_worker_create(db, &wc);
	struct vg_pkt p;
	char filler[1026];

	memset(filler, 'a', 1025);
	filler[1025] = '\0';
	mk_pkt(&p, T0, 6, 1, 40000, 2, 80, "");
	struct vg_conn *c = conn_of(ft, &p);

	vg_sig_packet(sw, ft, c, &p, true);
	stream(sw, ft, c, false, filler); /* the other direction counts too */
	stream(sw, ft, c, true, "GET /x");
	CHECK(count_rows("http-get") == want);
	vg_sig_conn_end(sw, ft, c, T0);
	vg_sig_worker_free(sw);
	vg_flow_table_free(ft);
}

static void
test_udp(const struct vg_sig_db *db)
{
	struct vg_flow_table *ft = table();
	struct vg_sig_worker_cfg wc = {.max_conns = 8, .max_flows = 64};
	struct vg_sig_worker *sw = vg_sig_worker_create(db, &wc);
	struct vg_pkt p;

	mk_pkt(&p, T0, 17, 1, 5000, 2, 5001, "aXX");
	struct vg_conn *c = conn_of(ft, &p);

	vg_sig_packet(sw, ft, c, &p, true);
	CHECK(count_rows("udp-xx") == 0); /* ^ anchors at the packet's start */
	CHECK(count_rows("udp-small") == 0);
	CHECK(count_rows("silent") == 0);
	mk_pkt(&p, T0, 17, 2, 5001, 1, 5000, "XXb");
	vg_sig_packet(sw, ft, c, &p, false);
	CHECK(count_rows("udp-xx") == 1);
	const struct row *r = find_row("udp-xx");

	CHECK(r != NULL && r->src_port == 5001 && strcmp(r->sub, "XXb") == 0);
	/* Once per connection, both directions together. */
	mk_pkt(&p, T0, 17, 1, 5000, 2, 5001, "XXc");
	vg_sig_packet(sw, ft, c, &p, true);
	CHECK(count_rows("udp-xx") == 1);
	mk_pkt(&p, T0, 17, 1, 5000, 2, 5001, "ab");
	vg_sig_packet(sw, ft, c, &p, true);
	CHECK(count_rows("udp-small") == 1); /* the size of this packet */
	CHECK(count_rows("never") == 0);
	vg_sig_conn_end(sw, ft, c, T0);
	CHECK(count_rows("never") == 0);
	CHECK(vg_sig_worker_stats(sw)->matches >= 3); /* silent counts, is not logged */
	vg_sig_worker_free(sw);
	vg_flow_table_free(ft);
}

static void
test_pdu(const struct vg_sig_db *db)
{
	struct vg_flow_table *ft = table();
	struct vg_sig_worker_cfg wc = {.max_conns = 8, .max_flows = 64};
	struct vg_sig_worker *sw = vg_sig_worker_create(db, &wc);
	struct vg_pkt p;
	uint8_t t = VG_SIG_PAT_HTTP_REQUEST_BODY;

	mk_pkt(&p, T0, 6, 1, 40000, 2, 80, "");
	struct vg_conn *c = conn_of(ft, &p);

	vg_sig_packet(sw, ft, c, &p, true);
	vg_sig_pdu(sw, ft, c, T0, t, true, (const uint8_t *)"ABC", 3, VG_SIG_PDU_BEGIN);
	vg_sig_pdu(sw, ft, c, T0, t, true, (const uint8_t *)"", 0, VG_SIG_PDU_END);
	CHECK(count_rows("body-ab") == 0);
	vg_sig_pdu(sw, ft, c, T0, t, true, (const uint8_t *)"A", 1, VG_SIG_PDU_BEGIN);
	vg_sig_pdu(sw, ft, c, T0, t, true, (const uint8_t *)"B", 1, 0);
	CHECK(count_rows("body-ab") == 0); /* $: only at the end */
	vg_sig_pdu(sw, ft, c, T0, t, true, (const uint8_t *)"", 0, VG_SIG_PDU_END);
	CHECK(count_rows("body-ab") == 1);
	const struct row *r = find_row("body-ab");

	CHECK(r != NULL && r->sub[0] == '\0');
	vg_sig_conn_end(sw, ft, c, T0);
	vg_sig_worker_free(sw);
	vg_flow_table_free(ft);
}

static void
test_flip_and_full(const struct vg_sig_db *db)
{
	struct vg_flow_table *ft = table();
	struct vg_sig_worker_cfg wc = {.max_conns = 1, .max_flows = 64};
	struct vg_sig_worker *sw = vg_sig_worker_create(db, &wc);
	struct vg_pkt p;

	mk_pkt(&p, T0, 6, 1, 40000, 2, 80, "");
	struct vg_conn *c = conn_of(ft, &p);

	vg_sig_packet(sw, ft, c, &p, true);
	/* The roles swap: what was the originator's state is now the responder's. */
	vg_conn_flip(c);
	vg_sig_flip(sw, ft, c);
	stream(sw, ft, c, false, "GET /x");
	CHECK(count_rows("http-get") == 1);
	const struct row *r = find_row("http-get");

	CHECK(r != NULL && r->src_port == 40000); /* the sender: the responder now */
	/* A second connection finds the pool full: counted, not matched. */
	mk_pkt(&p, T0, 6, 5, 40005, 2, 80, "");
	struct vg_conn *c2 = conn_of(ft, &p);

	vg_sig_packet(sw, ft, c2, &p, true);
	stream(sw, ft, c2, true, "GET /x");
	CHECK(count_rows("http-get") == 1);
	CHECK(vg_sig_worker_stats(sw)->conns_full == 1);
	vg_sig_conn_end(sw, ft, c, T0);
	vg_sig_conn_end(sw, ft, c2, T0);
	vg_sig_worker_free(sw);
	vg_flow_table_free(ft);
}

int
main(void)
{
	vg_sig_log_schema.id = (uint16_t)vg_schema_register(&vg_sig_log_schema);
	struct vg_sig_db *db = build_db();

	if (db == NULL)
		return 1;
	CHECK(vg_sig_db_rules(db) == 8); /* "off" is inactive */
	test_tcp(db);
	test_depth(db, 0, 0);          /* Zeek's 1024 bytes: the GET comes after them */
	test_depth(db, UINT32_MAX, 1); /* no limit */
	test_udp(db);
	test_pdu(db);
	test_flip_and_full(db);
	vg_sig_db_unref(db);
	if (failures)
		fprintf(stderr, "sig_match: %d failure(s)\n", failures);
	else
		printf("sig_match: ok\n");
	return failures != 0;
}
