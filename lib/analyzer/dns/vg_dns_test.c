/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the DNS analyzer against a fake framework context (the
 * vg_an_* calls are implemented here): query/reply pairing, unanswered
 * queries at the end, replies without a query, rendering of record types,
 * TCP framing split at every byte, truncation at every byte, compression
 * loops and oversized names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_analyzer.h"
#include "vg_dns.h"
#include "vg_dns_log.h"
#include "vg_logfmt.h"
#include "vg_test.h"

/* ---- The fake context: records are rendered as TSV lines into `out`. ---- */

struct vg_an_ctx {
	uint64_t now;
	bool tcp;
	struct vg_addr oh, rh;
	uint16_t op, rp;
	uint8_t buf[VG_REC_MAX_LEN];
	char out[1 << 17];
	size_t outlen;
	int records;
	char weirds[4096];
	int nweirds;
	int confirms, violations;
	uint32_t last_len; /* the last record, still in buf */
};

uint64_t
vg_an_now(const struct vg_an_ctx *cx)
{
	return cx->now;
}

const char *
vg_an_uid(const struct vg_an_ctx *cx)
{
	(void)cx;
	return "Ctest";
}

void
vg_an_id(const struct vg_an_ctx *cx, struct vg_addr *orig_h, uint16_t *orig_p,
	struct vg_addr *resp_h, uint16_t *resp_p)
{
	*orig_h = cx->oh;
	*orig_p = cx->op;
	*resp_h = cx->rh;
	*resp_p = cx->rp;
}

bool
vg_an_is_tcp(const struct vg_an_ctx *cx)
{
	return cx->tcp;
}

void
vg_an_rec_begin(struct vg_an_ctx *cx, struct vg_rec *r, uint16_t log_id, uint64_t ts_ns)
{
	const struct vg_schema *sc = vg_schema_get(log_id);

	vg_rec_begin(r, cx->buf, sizeof(cx->buf), sc ? sc : &vg_dns_log_schema);
	vg_rec_time(r, ts_ns);
	vg_rec_cstr(r, vg_an_uid(cx));
	vg_rec_addr(r, &cx->oh);
	vg_rec_port(r, cx->op);
	vg_rec_addr(r, &cx->rh);
	vg_rec_port(r, cx->rp);
}

static void
put(struct vg_an_ctx *cx, const char *s, size_t n)
{
	if (cx->outlen + n + 1 < sizeof(cx->out)) {
		memcpy(cx->out + cx->outlen, s, n);
		cx->outlen += n;
		cx->out[cx->outlen] = '\0';
	}
}

static uint64_t
le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void
put_secs(struct vg_an_ctx *cx, int64_t ns)
{
	char b[48];
	int n = snprintf(b, sizeof(b), "%.6f", (double)ns / 1e9);

	put(cx, b, (size_t)n);
}

/* Walks the binary record with dns.log's schema (the layout of vg_record.h). */
bool
vg_an_rec_write(struct vg_an_ctx *cx, struct vg_rec *r)
{
	uint32_t len = vg_rec_end(r);

	cx->last_len = len;
	const uint8_t *p = cx->buf + VG_REC_HDR_LEN + 8;
	uint64_t unset = le(cx->buf + VG_REC_HDR_LEN, 8);
	char b[64];

	CHECK(len > 0);
	if (len == 0)
		return false;
	for (int i = 0; i < VG_DNS_NCOLS; i++) {
		if (i > 0)
			put(cx, "\t", 1);
		if ((unset >> i) & 1) {
			put(cx, "-", 1);
			continue;
		}
		switch (vg_dns_log_schema.fields[i].type) {
		case VG_FT_TIME:
		case VG_FT_INTERVAL:
			put_secs(cx, (int64_t)le(p, 8));
			p += 8;
			break;
		case VG_FT_COUNT:
			put(cx, b,
				(size_t)snprintf(
					b, sizeof(b), "%llu", (unsigned long long)le(p, 8)));
			p += 8;
			break;
		case VG_FT_PORT:
			put(cx, b, (size_t)snprintf(b, sizeof(b), "%u", (unsigned)le(p, 2)));
			p += 2;
			break;
		case VG_FT_BOOL:
			put(cx, *p ? "T" : "F", 1);
			p++;
			break;
		case VG_FT_ADDR: {
			struct vg_addr a;

			memcpy(a.b, p, 16);
			put(cx, b, vg_addr_format(&a, b, sizeof(b)));
			p += 16;
			break;
		}
		case VG_FT_STRING:
		case VG_FT_ENUM:
			put(cx, (const char *)p + 2, le(p, 2));
			p += 2 + le(p, 2);
			break;
		case VG_FT_SET_STRING:
		case VG_FT_VECTOR_STRING: {
			unsigned n = (unsigned)le(p, 2);

			p += 2;
			for (unsigned k = 0; k < n; k++) {
				if (k)
					put(cx, ",", 1);
				put(cx, (const char *)p + 2, le(p, 2));
				p += 2 + le(p, 2);
			}
			break;
		}
		case VG_FT_VECTOR_INTERVAL: {
			unsigned n = (unsigned)le(p, 2);

			p += 2;
			for (unsigned k = 0; k < n; k++) {
				if (k)
					put(cx, ",", 1);
				put_secs(cx, (int64_t)le(p, 8));
				p += 8;
			}
			break;
		}
		default:
			CHECK(0);
		}
	}
	put(cx, "\n", 1);
	cx->records++;
	return true;
}

void
vg_an_confirm(struct vg_an_ctx *cx)
{
	cx->confirms++;
}

void
vg_an_violate(struct vg_an_ctx *cx, const char *reason)
{
	(void)reason;
	cx->violations++;
}

void
vg_an_weird(struct vg_an_ctx *cx, const char *name, const char *addl)
{
	size_t l = strlen(cx->weirds);

	snprintf(cx->weirds + l, sizeof(cx->weirds) - l, "%s%s%s;", name, addl ? ":" : "",
		addl ? addl : "");
	cx->nweirds++;
}

/* ---- Building messages ---- */

struct msg {
	uint8_t b[4096];
	uint32_t n;
};

static void
m16(struct msg *m, unsigned v)
{
	m->b[m->n++] = (uint8_t)(v >> 8);
	m->b[m->n++] = (uint8_t)v;
}

static void
m32(struct msg *m, uint32_t v)
{
	m16(m, v >> 16);
	m16(m, v & 0xffff);
}

static void
mbytes(struct msg *m, const void *p, uint32_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

/* A name in wire form from "a.b.c" (no compression). */
static void
mname(struct msg *m, const char *s)
{
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);

		m->b[m->n++] = (uint8_t)l;
		mbytes(m, s, (uint32_t)l);
		s += l + (dot ? 1 : 0);
	}
	m->b[m->n++] = 0;
}

static void
mhdr(struct msg *m, unsigned id, unsigned flags, unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
	m->n = 0;
	m16(m, id);
	m16(m, flags);
	m16(m, qd);
	m16(m, an);
	m16(m, ns);
	m16(m, ar);
}

/* An RR whose owner is a pointer to the question name (offset 12). */
static void
mrr(struct msg *m, unsigned type, uint32_t ttl, const void *rdata, unsigned rdlen)
{
	m16(m, 0xc00c);
	m16(m, type);
	m16(m, 1);
	m32(m, ttl);
	m16(m, rdlen);
	mbytes(m, rdata, rdlen);
}

static void
ctx_init(struct vg_an_ctx *cx, bool tcp, uint16_t rp)
{
	uint8_t o[4] = {10, 0, 0, 1}, r[4] = {10, 0, 0, 53};

	memset(cx, 0, sizeof(*cx));
	cx->tcp = tcp;
	vg_addr_from_v4(&cx->oh, o);
	vg_addr_from_v4(&cx->rh, r);
	cx->op = 40000;
	cx->rp = rp;
	cx->now = 1000000000000ull;
}

static void *
state_new(struct vg_an_ctx *cx)
{
	void *st = calloc(1, vg_dns_analyzer.state_size);

	vg_dns_analyzer.init(st, cx);
	return st;
}

static const char *
fields_from(const char *line, int col)
{
	while (col-- > 0 && line) {
		line = strchr(line, '\t');
		if (line)
			line++;
	}
	return line;
}

#define PREFIX "1000.000000\tCtest\t10.0.0.1\t40000\t10.0.0.53\t53\t"

static void
query_a(struct msg *m, unsigned id, const char *name)
{
	mhdr(m, id, 0x0100, 1, 0, 0, 0);
	mname(m, name);
	m16(m, 1);
	m16(m, 1);
}

static void
reply_a(struct msg *m, unsigned id, const char *name)
{
	static const uint8_t a1[4] = {192, 0, 2, 1}, a2[4] = {192, 0, 2, 2};

	mhdr(m, id, 0x8180, 1, 2, 0, 0);
	mname(m, name);
	m16(m, 1);
	m16(m, 1);
	mrr(m, 1, 300, a1, 4);
	mrr(m, 1, 60, a2, 4);
}

static void
test_pair(void)
{
	static struct vg_an_ctx cx;
	struct msg q, r;

	ctx_init(&cx, false, 53);
	void *st = state_new(&cx);

	query_a(&q, 0x1234, "WWW.Example.com");
	reply_a(&r, 0x1234, "www.example.com");
	vg_dns_analyzer.datagram(st, &cx, true, q.b, q.n);
	CHECK_EQ(cx.records, 0);
	cx.now += 1500000; /* 1.5 ms */
	vg_dns_analyzer.datagram(st, &cx, false, r.b, r.n);
	CHECK_EQ(cx.records, 1);
	CHECK(strcmp(cx.out,
		      PREFIX
		      "udp\t4660\t0.001500\twww.example.com\t1\tC_INTERNET\t1\tA\t0\t"
		      "NOERROR\tF\tF\tT\tT\t0\t192.0.2.1,192.0.2.2\t300.000000,60.000000\tF\t0\t"
		      "query\t-\t-\t-\n") == 0);
	if (cx.records == 1 && strncmp(cx.out, PREFIX "udp\t4660\t0.001500", 20) != 0)
		fprintf(stderr, "got: %s", cx.out);
	CHECK_EQ(cx.confirms, 2);
	vg_dns_analyzer.end(st, &cx, VG_AN_END_TIMEOUT);
	CHECK_EQ(cx.records, 1);
	free(st);
}

/* The registered schema through Zeek's formats: TSV and JSON (vector[interval] included). */
static void
test_formats(void)
{
	static struct vg_an_ctx cx;
	struct vg_buf b = {0};
	struct msg q, r;

	ctx_init(&cx, false, 53);
	void *st = state_new(&cx);

	query_a(&q, 0x99, "fmt.test");
	reply_a(&r, 0x99, "fmt.test");
	vg_dns_analyzer.datagram(st, &cx, true, q.b, q.n);
	cx.now += 2000000;
	vg_dns_analyzer.datagram(st, &cx, false, r.b, r.n);
	CHECK_EQ(cx.records, 1);
	CHECK_EQ(vg_logfmt_tsv(&b, 0, cx.buf, cx.last_len), 0);
	CHECK(b.p &&
		strcmp(b.p,
			PREFIX "udp\t153\t0.002000\tfmt.test\t1\tC_INTERNET\t1\tA\t0\t"
			       "NOERROR\tF\tF\tT\tT\t0\t192.0.2.1,192.0.2.2\t300.000000,"
			       "60.000000\tF\t0\tquery\n") == 0);
	vg_buf_reset(&b);
	CHECK_EQ(vg_logfmt_json(&b, 0, cx.buf, cx.last_len), 0);
	CHECK(b.p &&
		strstr(b.p,
			"\"answers\":[\"192.0.2.1\",\"192.0.2.2\"],\"TTLs\":[300.0,60.0],"
			"\"rejected\":false") != NULL);
	vg_buf_reset(&b);
	CHECK_EQ(vg_logfmt_tsv(&b, 1u << VG_FEAT_DNS_AUTH_ADDL, cx.buf, cx.last_len), 0);
	CHECK(b.p && strstr(b.p, "\tquery\t-\t-\n") != NULL);
	vg_buf_free(&b);
	vg_dns_analyzer.end(st, &cx, VG_AN_END_TIMEOUT);
	free(st);
}

static void
test_unanswered_and_orphan(void)
{
	static struct vg_an_ctx cx;
	struct msg q, r;

	ctx_init(&cx, false, 53);
	void *st = state_new(&cx);

	/* Two queries with the same id: the reply pairs with the older one. */
	query_a(&q, 7, "one.test");
	vg_dns_analyzer.datagram(st, &cx, true, q.b, q.n);
	cx.now += 1000;
	query_a(&q, 7, "two.test");
	vg_dns_analyzer.datagram(st, &cx, true, q.b, q.n);
	reply_a(&r, 7, "one.test");
	cx.now += 1000;
	vg_dns_analyzer.datagram(st, &cx, false, r.b, r.n);
	CHECK_EQ(cx.records, 1);
	CHECK(strstr(cx.out, "\tone.test\t") != NULL);
	/* A duplicate reply for id 8 without a query: its own record, no rtt. */
	reply_a(&r, 8, "orphan.test");
	vg_dns_analyzer.datagram(st, &cx, false, r.b, r.n);
	CHECK_EQ(cx.records, 2);
	const char *l2 = strchr(cx.out, '\n') + 1;

	CHECK(strncmp(fields_from(l2, 7), "8\t-\torphan.test\t-\t-\t-\t-\t0\tNOERROR", 32) == 0);
	/* The second query is logged at the end, without reply fields. */
	vg_dns_analyzer.end(st, &cx, VG_AN_END_TIMEOUT);
	CHECK_EQ(cx.records, 3);
	const char *l3 = strchr(l2, '\n') + 1;

	CHECK(strncmp(fields_from(l3, 7),
		      "7\t-\ttwo.test\t1\tC_INTERNET\t1\tA\t-\t-\tF\tF\tT\tF\t0\t-\t-\tF",
		      48) == 0);
	free(st);
}

static void
test_eviction(void)
{
	static struct vg_an_ctx cx;
	struct msg q;

	ctx_init(&cx, false, 53);
	void *st = state_new(&cx);
	struct vg_dns_stats st0, st1;

	vg_dns_stats(&st0);

	for (unsigned i = 0; i < VG_DNS_PENDING + 3; i++) {
		query_a(&q, 100 + i, "q.test");
		vg_dns_analyzer.datagram(st, &cx, true, q.b, q.n);
	}
	CHECK_EQ(cx.records, 3);
	vg_dns_stats(&st1);
	CHECK_EQ(st1.pending_evicted - st0.pending_evicted, 3);
	CHECK(strncmp(fields_from(cx.out, 7), "100\t", 4) == 0); /* the oldest first */
	vg_dns_analyzer.end(st, &cx, VG_AN_END_TIMEOUT);
	CHECK_EQ(cx.records, VG_DNS_PENDING + 3);
	free(st);
}

/* Record types and their renderings (main.zeek's reply handlers). */
static void
test_types(void)
{
	static struct vg_an_ctx cx;
	struct msg m;
	uint8_t rd[600];
	unsigned n;

	ctx_init(&cx, false, 53);
	void *st = state_new(&cx);

	mhdr(&m, 1, 0x8400, 1, 12, 0, 0);
	mname(&m, "x.test");
	m16(&m, 255);
	m16(&m, 1);
	/* CNAME with a pointer to the question name */
	n = 0;
	rd[n++] = 1;
	rd[n++] = 'y';
	rd[n++] = 0xc0;
	rd[n++] = 12;
	mrr(&m, 5, 10, rd, n);
	/* MX */
	uint8_t mx[] = {0, 10, 4, 'm', 'a', 'i', 'l', 0xc0, 12};
	mrr(&m, 15, 10, mx, sizeof(mx));
	/* TXT with two strings */
	uint8_t txt[] = {2, 'h', 'i', 3, 'y', 'o', 'u'};
	mrr(&m, 16, 10, txt, sizeof(txt));
	/* AAAA */
	uint8_t aaaa[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	mrr(&m, 28, 10, aaaa, 16);
	/* SRV */
	uint8_t srv[] = {0, 1, 0, 2, 0, 80, 3, 's', 'r', 'v', 0};
	mrr(&m, 33, 10, srv, sizeof(srv));
	/* SSHFP */
	uint8_t fp[] = {1, 1, 0xab, 0xcd};
	mrr(&m, 44, 10, fp, sizeof(fp));
	/* DS: key tag, algorithm 8, digest type 2 */
	uint8_t ds[] = {0, 1, 8, 2, 0xaa};
	mrr(&m, 43, 10, ds, sizeof(ds));
	/* DNSKEY flags 257, protocol 3, algorithm 13 */
	uint8_t key[] = {1, 1, 3, 13, 0xaa, 0xbb};
	mrr(&m, 48, 10, key, sizeof(key));
	/* RRSIG covering A, root signer */
	uint8_t sig[19 + 2] = {0, 1, 8, 2};
	mrr(&m, 46, 10, sig, sizeof(sig));
	/* HINFO: no base handler, nothing logged */
	uint8_t hinfo[] = {1, 'a', 1, 'b'};
	mrr(&m, 13, 10, hinfo, sizeof(hinfo));
	/* LOC */
	uint8_t loc[16] = {0, 0x12, 0x16, 0x13};
	mrr(&m, 29, 10, loc, sizeof(loc));
	/* an unknown type */
	uint8_t unk[] = {1, 2};
	mrr(&m, 4242, 10, unk, sizeof(unk));
	vg_dns_analyzer.datagram(st, &cx, false, m.b, m.n);
	CHECK_EQ(cx.records, 1);
	const char *ans = fields_from(cx.out, 21);

	const char *want = "y.x.test,mail.x.test,TXT 2 hi TXT 3 you,2001:db8::1,srv,"
			   "SSHFP: abcd,DS 8 2,DNSKEY 13,RRSIG 1 <Root>,LOC:  18 22 19,"
			   "<unknown type=4242>\t";

	CHECK(ans && strncmp(ans, want, strlen(want)) == 0);
	CHECK(strstr(cx.weirds, "DNS_RR_unknown_type:4242;") != NULL);
	free(st);
}

/* Every prefix of a reply: never a crash, always one record per message. */
static void
test_truncation(void)
{
	static struct vg_an_ctx cx;
	struct msg r;

	reply_a(&r, 9, "trunc.example.com");
	for (uint32_t cut = 0; cut <= r.n; cut++) {
		ctx_init(&cx, false, 53);
		void *st = state_new(&cx);
		uint8_t *copy = malloc(cut ? cut : 1);

		memcpy(copy, r.b, cut);
		vg_dns_analyzer.datagram(st, &cx, false, copy, cut);
		vg_dns_analyzer.end(st, &cx, VG_AN_END_TIMEOUT);
		CHECK_EQ(cx.records, cut < 12 ? 0 : 1);
		if (cut < 12)
			CHECK(strcmp(cx.weirds, "DNS_truncated_len_lt_hdr_len;") == 0);
		if (cut == r.n)
			CHECK_EQ(cx.nweirds, 0);
		else if (cut >= 12)
			CHECK(cx.nweirds > 0 || cut == 12 + 0); /* something is reported */
		free(copy);
		free(st);
	}
}

/* Compression: a pointer to itself or forward is refused; a long backward chain works. */
static void
test_compression(void)
{
	static struct vg_an_ctx cx;
	struct msg m;

	ctx_init(&cx, false, 53);
	void *st = state_new(&cx);

	mhdr(&m, 3, 0x0100, 1, 0, 0, 0);
	m16(&m, 0xc00c); /* points at itself */
	m16(&m, 1);
	m16(&m, 1);
	vg_dns_analyzer.datagram(st, &cx, true, m.b, m.n);
	CHECK(strstr(cx.weirds, "DNS_label_forward_compress_offset") != NULL);
	vg_dns_analyzer.end(st, &cx, VG_AN_END_TIMEOUT);
	free(st);

	/* A chain of 1000 pointers, each to the one before: a 2 KiB name walk, no recursion. */
	static struct msg big;

	ctx_init(&cx, false, 53);
	st = state_new(&cx);
	mhdr(&big, 4, 0x0100, 1, 0, 0, 0);
	big.n = 12;
	mbytes(&big, "\001a\000", 3); /* offset 12: "a" */
	for (int i = 0; i < 1000; i++) {
		unsigned prev = big.n - (i == 0 ? 3 : 2);

		m16(&big, 0xc000 | prev);
	}
	/* The question is at 12: make it a pointer chain by pointing the header's name there. */
	vg_dns_analyzer.datagram(st, &cx, true, big.b, big.n);
	vg_dns_analyzer.end(st, &cx, VG_AN_END_TIMEOUT);
	CHECK_EQ(cx.records, 1);
	free(st);
}

/* Names: 255 bytes or more give DNS_NAME_too_long; the 512-byte buffer is not overrun. */
static void
test_long_names(void)
{
	static struct vg_an_ctx cx;
	struct msg m;
	char name[700];
	size_t n = 0;

	for (int i = 0; i < 10; i++) {
		memset(name + n, 'a' + i, 63);
		n += 63;
		name[n++] = '.';
	}
	name[n - 1] = '\0';
	ctx_init(&cx, false, 53);
	void *st = state_new(&cx);

	mhdr(&m, 5, 0x0100, 1, 0, 0, 0);
	mname(&m, name);
	m16(&m, 1);
	m16(&m, 1);
	vg_dns_analyzer.datagram(st, &cx, true, m.b, m.n);
	CHECK(strstr(cx.weirds, "DNS_label_len_gt_name_len") != NULL);
	CHECK(strstr(cx.weirds, "DNS_NAME_too_long") != NULL);
	vg_dns_analyzer.end(st, &cx, VG_AN_END_TIMEOUT);
	CHECK_EQ(cx.records, 1);
	struct vg_dns_stats sn;

	vg_dns_stats(&sn);
	CHECK(sn.names_truncated > 0);
	free(st);
}

/* TCP: the same query and reply, delivered split at every byte, give the same record. */
static void
test_tcp_split(void)
{
	static struct vg_an_ctx cx;
	static char want[4096];
	struct msg q, r;
	uint8_t qs[600], rs[600];

	query_a(&q, 0x42, "tcp.test");
	reply_a(&r, 0x42, "tcp.test");
	qs[0] = (uint8_t)(q.n >> 8);
	qs[1] = (uint8_t)q.n;
	memcpy(qs + 2, q.b, q.n);
	rs[0] = (uint8_t)(r.n >> 8);
	rs[1] = (uint8_t)r.n;
	memcpy(rs + 2, r.b, r.n);
	want[0] = '\0';
	for (uint32_t cut = 0; cut <= r.n + 2; cut++) {
		ctx_init(&cx, true, 53);
		void *st = state_new(&cx);

		vg_dns_analyzer.stream(st, &cx, true, qs, q.n + 2);
		cx.now += 1000;
		if (cut > 0)
			vg_dns_analyzer.stream(st, &cx, false, rs, cut);
		if (cut < r.n + 2)
			vg_dns_analyzer.stream(st, &cx, false, rs + cut, r.n + 2 - cut);
		vg_dns_analyzer.end(st, &cx, VG_AN_END_CLOSE);
		CHECK_EQ(cx.records, 1);
		if (want[0] == '\0')
			strcpy(want, cx.out);
		CHECK(strcmp(cx.out, want) == 0);
		free(st);
	}
	CHECK(strstr(want, "tcp\t66\t0.000001\ttcp.test") != NULL);
	/* Byte by byte, both messages in one direction chunk each. */
	ctx_init(&cx, true, 53);
	void *st = state_new(&cx);

	for (uint32_t i = 0; i < q.n + 2; i++)
		vg_dns_analyzer.stream(st, &cx, true, qs + i, 1);
	for (uint32_t i = 0; i < r.n + 2; i++)
		vg_dns_analyzer.stream(st, &cx, false, rs + i, 1);
	CHECK_EQ(cx.records, 1);
	vg_dns_analyzer.end(st, &cx, VG_AN_END_CLOSE);
	free(st);
}

/* auth-addl and log-original-query-case. */
static void
test_policies(void)
{
	static struct vg_an_ctx cx;
	struct vg_dns_config conf = {.auth_addl = true, .original_query = true};
	struct msg q, r;
	static const uint8_t a[4] = {192, 0, 2, 9};
	uint8_t ns[] = {2, 'n', 's', 0xc0, 12};

	vg_dns_configure(&conf);
	ctx_init(&cx, false, 53);
	void *st = state_new(&cx);

	query_a(&q, 11, "MiXed.Test");
	vg_dns_analyzer.datagram(st, &cx, true, q.b, q.n);
	mhdr(&r, 11, 0x8180, 1, 1, 2, 1);
	mname(&r, "mixed.test");
	m16(&r, 1);
	m16(&r, 1);
	mrr(&r, 1, 5, a, 4);
	mrr(&r, 2, 5, ns, sizeof(ns)); /* authority: NS ns.mixed.test, twice */
	mrr(&r, 2, 5, ns, sizeof(ns));
	mrr(&r, 1, 5, a, 4); /* additional: A */
	cx.now += 1000;
	vg_dns_analyzer.datagram(st, &cx, false, r.b, r.n);
	CHECK_EQ(cx.records, 1);
	CHECK(strstr(cx.out, "\tmixed.test\t") != NULL);
	CHECK(strstr(cx.out,
		      "\t192.0.2.9\t5.000000\tF\t0\tquery\tns.mixed.test\t192.0.2.9\tMiXed."
		      "Test\n") != NULL);
	vg_dns_analyzer.end(st, &cx, VG_AN_END_TIMEOUT);
	free(st);
	conf.auth_addl = conf.original_query = false;
	vg_dns_configure(&conf);
}

static void
test_probe(void)
{
	struct msg q;

	query_a(&q, 1, "probe.test");
	CHECK_EQ(vg_dns_analyzer.probe(q.b, q.n, true), VG_PROBE_YES);
	CHECK_EQ(vg_dns_analyzer.probe(q.b, 8, true), VG_PROBE_MAYBE);
	CHECK_EQ(vg_dns_analyzer.probe((const uint8_t *)"GET / HTTP/1.1\r\nHost: x\r\n", 25, true),
		VG_PROBE_NO);
}

int
main(void)
{
	int id = vg_schema_register(&vg_dns_log_schema);

	CHECK(id >= VG_LOG_CORE_COUNT);
	vg_dns_log_id_value = (uint16_t)id;
	test_pair();
	test_formats();
	test_unanswered_and_orphan();
	test_eviction();
	test_types();
	test_truncation();
	test_compression();
	test_long_names();
	test_tcp_split();
	test_policies();
	test_probe();
	printf("dns: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
