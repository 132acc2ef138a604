/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DNS analyzer: pairs queries with replies and writes dns.log the way
 * base/protocols/dns/main.zeek does (set_session, do_reply, dns_end,
 * finalize_dns), over UDP datagrams and length-prefixed TCP messages
 * (Zeek's Contents_DNS framing).
 *
 * Differences from the script, all for bounded per-connection state:
 * - At most VG_DNS_PENDING unanswered queries are kept per connection; when
 *   a new one does not fit, the oldest is logged at once (as the script
 *   logs unmatched queries at the end) and counted (pending_evicted).
 * - A reply without a pending query is logged at once rather than at the
 *   connection's end; Zeek would merge it with a query of the same id that
 *   arrives after it (a reordering the script allows for).
 * Every other rule is the script's: the oldest pending query with the
 * reply's id is the match, the rtt is the time from the query to the first
 * answer (unset when zero), a reply's fields come from the reply and the
 * question's from the query, multicast messages are each their own record.
 */
#include <stdlib.h>
#include <string.h>

#include "vg_analyzer.h"
#include "vg_dns.h"
#include "vg_dns_log.h"

/* A query waiting for its reply (the script's pending_query(ies)). */
struct dns_pending {
	uint64_t ts;
	uint32_t age; /* order of arrival */
	uint16_t trans_id;
	uint16_t qtype, qclass;
	uint8_t used, has_question, has_query, rd, tc, z, opcode, rejected;
	uint8_t qlen, olen, has_original;
	char qname[VG_DNS_QNAME_SLOT];
};

/* TCP framing of one direction (Contents_DNS). */
struct dns_tcp_dir {
	uint8_t state; /* LEN_HI, LEN_LO, BODY */
	int16_t buf;   /* index in tcp_bufs, -1: none */
	uint16_t need;
	uint16_t have;
};

enum { TCP_LEN_HI, TCP_LEN_LO, TCP_BODY };

struct vg_dns_state {
	struct dns_pending pend[VG_DNS_PENDING];
	struct dns_tcp_dir tcp[2];
	uint32_t next_age;
	uint8_t first_done;
};

/* The record being built for the message in hand (the script's c$dns). */
struct dns_session {
	uint64_t ts;
	int64_t rtt;
	bool has_rtt, has_query, has_question, has_rcode;
	bool aa, tc, rd, ra, rejected, saw_query, saw_reply;
	uint8_t z, rcode, opcode;
	uint16_t trans_id, qtype, qclass;
	uint32_t qlen, olen;
	bool has_original;
	char query[VG_DNS_NAME_MAX + 1];
	char original[VG_DNS_NAME_MAX + 1];
	uint16_t nans;
	uint32_t text_len;
	uint32_t ans_off[VG_DNS_ANSWERS_MAX];
	uint32_t ans_len[VG_DNS_ANSWERS_MAX];
	uint8_t ans_sec[VG_DNS_ANSWERS_MAX]; /* enum vg_dns_section */
	int64_t ttl[VG_DNS_ANSWERS_MAX];
	char text[VG_DNS_TEXT_MAX];
};

/* What one parse call works with. */
struct dns_call {
	struct vg_dns_state *st;
	struct vg_an_ctx *cx;
	struct dns_session *s;
	bool tracked;  /* opcode query, notify or dynamic update */
	bool has_sess; /* c$dns exists */
	int slot;      /* pending slot the session came from or went to, -1 */
	bool multicast;
	uint16_t resp_port;
};

/* Per-worker scratch: the session being built. */
struct dns_worker {
	struct dns_session sess;
};
static _Thread_local struct dns_worker W;

/*
 * Buffers for TCP messages that span segments, shared by all workers: taken
 * and given back with an atomic bitmap (only when a message does not arrive
 * whole, which is rare); static, so pages are touched only when used.
 */
#define TCP_BUFS 256
static uint8_t tcp_bufs[TCP_BUFS][65536];
static uint64_t tcp_used[TCP_BUFS / 64];
static struct vg_dns_config config;

void
vg_dns_configure(const struct vg_dns_config *c)
{
	config = *c;
}

/*
 * The drop counters, per worker (a worker is one thread); the framework reads
 * them relaxed from other threads (dns_* in --stats, stats.log, telemetry).
 */
static _Thread_local struct vg_dns_stats drops;

#define COUNT(field) (drops.field++)

void
vg_dns_stats(struct vg_dns_stats *out)
{
	*out = drops;
}

static const char *const counter_names[] = {
	"dns_pending_evicted",
	"dns_answers_dropped",
	"dns_tcp_truncated",
	"dns_names_truncated",
};
VG_AN_COUNTERS(static, dns_counters, drops, counter_names);

/* ---- Writing dns.log ---- */

static bool
resp_is_multicast(const struct vg_addr *a)
{
	if (vg_addr_is_v4(a))
		return (a->b[12] & 0xf0) == 0xe0; /* main.zeek multicast_subnets: 224.0.0.0/4 */
	return a->b[0] == 0xff;                   /* ff00::/8 */
}

/* answers and TTLs: the records of the answer, prerequisite and update sections. */
static void
write_answers(struct vg_rec *r, const struct dns_session *s)
{
	int64_t ttl[VG_DNS_ANSWERS_MAX];
	uint16_t n = 0;

	for (uint16_t i = 0; i < s->nans; i++)
		if (s->ans_sec[i] != VG_DNS_AUTH && s->ans_sec[i] != VG_DNS_ADDL)
			ttl[n++] = s->ttl[i];
	if (n == 0) {
		vg_rec_unset(r);
		vg_rec_unset(r);
		return;
	}
	vg_rec_set_begin(r, n);
	for (uint16_t i = 0; i < s->nans; i++)
		if (s->ans_sec[i] != VG_DNS_AUTH && s->ans_sec[i] != VG_DNS_ADDL)
			vg_rec_str(r, s->text + s->ans_off[i], s->ans_len[i]);
	vg_rec_interval_vec(r, ttl, n);
}

static bool
same_answer(const struct dns_session *s, uint16_t a, uint16_t b)
{
	return s->ans_len[a] == s->ans_len[b] &&
		memcmp(s->text + s->ans_off[a], s->text + s->ans_off[b], s->ans_len[a]) == 0;
}

/* auth-addl.zeek's auth / addl: a set of the section's renderings (first seen first). */
static void
write_section_set(struct vg_rec *r, const struct dns_session *s, enum vg_dns_section sec)
{
	uint16_t idx[VG_DNS_ANSWERS_MAX], n = 0;

	for (uint16_t i = 0; i < s->nans; i++) {
		bool dup = false;

		if (s->ans_sec[i] != sec)
			continue;
		for (uint16_t k = 0; k < n && !dup; k++)
			dup = same_answer(s, idx[k], i);
		if (!dup)
			idx[n++] = i;
	}
	if (n == 0) {
		vg_rec_unset(r);
		return;
	}
	vg_rec_set_begin(r, n);
	for (uint16_t k = 0; k < n; k++)
		vg_rec_str(r, s->text + s->ans_off[idx[k]], s->ans_len[idx[k]]);
}

static void
write_session(struct dns_call *c, const struct dns_session *s)
{
	struct vg_rec r;
	char b1[24], b2[24];

	vg_an_rec_begin(c->cx, &r, vg_dns_log_id(), s->ts);
	vg_rec_cstr(&r, vg_an_is_tcp(c->cx) ? "tcp" : "udp");
	vg_rec_count(&r, s->trans_id);
	if (s->has_rtt)
		vg_rec_interval(&r, s->rtt);
	else
		vg_rec_unset(&r);
	if (s->has_query)
		vg_rec_str(&r, s->query, s->qlen);
	else
		vg_rec_unset(&r);
	if (s->has_question) {
		vg_rec_count(&r, s->qclass);
		vg_rec_cstr(&r, vg_dns_class_name(s->qclass, b1, sizeof(b1)));
		vg_rec_count(&r, s->qtype);
		/* main.zeek: on 137/udp the SRV code is NetBIOS's NBSTAT. */
		if (c->resp_port == 137 && s->qtype == 33)
			vg_rec_cstr(&r, "NBSTAT");
		else
			vg_rec_cstr(&r, vg_dns_qtype_name(s->qtype, b2, sizeof(b2)));
	} else {
		for (int i = 0; i < 4; i++)
			vg_rec_unset(&r);
	}
	if (s->has_rcode) {
		vg_rec_count(&r, s->rcode);
		vg_rec_cstr(&r, vg_dns_rcode_name(s->rcode, b1, sizeof(b1)));
	} else {
		vg_rec_unset(&r);
		vg_rec_unset(&r);
	}
	vg_rec_bool(&r, s->aa);
	vg_rec_bool(&r, s->tc);
	vg_rec_bool(&r, s->rd);
	vg_rec_bool(&r, s->ra);
	vg_rec_count(&r, s->z);
	write_answers(&r, s);
	vg_rec_bool(&r, s->rejected);
	vg_rec_count(&r, s->opcode);
	vg_rec_cstr(&r, vg_dns_opcode_name(s->opcode, c->resp_port == 137, b1, sizeof(b1)));
	write_section_set(&r, s, VG_DNS_AUTH);
	write_section_set(&r, s, VG_DNS_ADDL);
	if (config.original_query && s->has_original)
		vg_rec_str(&r, s->original, s->olen);
	else
		vg_rec_unset(&r);
	vg_an_rec_write(c->cx, &r);
}

/* ---- Pending queries ---- */

static void
session_from_pending(struct dns_session *s, const struct dns_pending *q)
{
	memset(s, 0, offsetof(struct dns_session, ans_off));
	s->ts = q->ts;
	s->trans_id = q->trans_id;
	s->has_question = q->has_question;
	s->has_query = q->has_query;
	s->qtype = q->qtype;
	s->qclass = q->qclass;
	s->rd = q->rd;
	s->tc = q->tc;
	s->z = q->z;
	s->opcode = q->opcode;
	s->rejected = q->rejected;
	s->saw_query = true;
	s->qlen = q->qlen;
	memcpy(s->query, q->qname, q->qlen);
	s->query[q->qlen] = '\0';
	/* With the original case kept, the query is its downcased copy. */
	s->has_original = q->has_original;
	s->olen = q->olen;
	if (q->has_original) {
		memcpy(s->original, q->qname, q->olen);
		for (uint32_t i = 0; i < q->qlen; i++)
			if (s->query[i] >= 'A' && s->query[i] <= 'Z')
				s->query[i] = (char)(s->query[i] - 'A' + 'a');
	}
}

static void
pending_from_session(struct dns_pending *q, const struct dns_session *s)
{
	q->ts = s->ts;
	q->trans_id = s->trans_id;
	q->has_question = s->has_question;
	q->has_query = s->has_query;
	q->qtype = s->qtype;
	q->qclass = s->qclass;
	q->rd = s->rd;
	q->tc = s->tc;
	q->z = s->z;
	q->opcode = s->opcode;
	q->rejected = s->rejected;
	uint32_t n = s->qlen;

	if (n > sizeof(q->qname)) {
		n = sizeof(q->qname);
		COUNT(names_truncated);
	}
	q->qlen = (uint8_t)n;
	memcpy(q->qname, s->query, n);
	q->has_original = 0;
	q->olen = 0;
	if (config.original_query && s->has_original && s->olen == s->qlen && s->olen <= n) {
		/* Keep the original case instead: the query is its downcased copy. */
		memcpy(q->qname, s->original, s->olen);
		q->has_original = 1;
		q->olen = (uint8_t)s->olen;
	}
}

/* The oldest used slot matching `id` (any id when match_id is false), or -1. */
static int
oldest_pending(const struct vg_dns_state *st, bool match_id, uint16_t id)
{
	int best = -1;

	for (int i = 0; i < VG_DNS_PENDING; i++) {
		const struct dns_pending *q = &st->pend[i];

		if (!q->used || (match_id && q->trans_id != id))
			continue;
		if (best < 0 || (int32_t)(q->age - st->pend[best].age) < 0)
			best = i;
	}
	return best;
}

static void
log_pending(struct dns_call *c, int i)
{
	struct dns_session *tmp = &W.sess;
	struct dns_session saved;
	bool busy = c->has_sess;

	/* The scratch session may be in use: keep its head (no answers yet). */
	if (busy)
		memcpy(&saved, tmp, offsetof(struct dns_session, ans_off));
	session_from_pending(tmp, &c->st->pend[i]);
	write_session(c, tmp);
	c->st->pend[i].used = 0;
	if (busy)
		memcpy(tmp, &saved, offsetof(struct dns_session, ans_off));
}

static int
pending_slot(struct dns_call *c)
{
	for (int i = 0; i < VG_DNS_PENDING; i++)
		if (!c->st->pend[i].used)
			return i;
	int old = oldest_pending(c->st, false, 0);

	COUNT(pending_evicted);
	log_pending(c, old);
	return old;
}

/* ---- The script's event handlers ---- */

static void
new_session(struct dns_call *c, uint16_t id)
{
	memset(c->s, 0, offsetof(struct dns_session, ans_off));
	c->s->ts = vg_an_now(c->cx);
	c->s->trans_id = id;
	c->has_sess = true;
	c->slot = -1;
}

static void
on_message(void *u, const struct vg_dns_hdr *h)
{
	struct dns_call *c = u;
	struct dns_session *s = c->s;

	c->tracked = h->opcode == VG_DNS_OP_QUERY || h->opcode == VG_DNS_OP_UPDATE ||
		h->opcode == VG_DNS_OP_NOTIFY;
	if (!c->tracked)
		return;
	if (c->multicast) {
		new_session(c, h->id);
		s->saw_query = s->saw_reply = true;
	} else if (!h->qr) {
		new_session(c, h->id);
		c->slot = pending_slot(c);
		c->st->pend[c->slot].used = 1;
		c->st->pend[c->slot].age = c->st->next_age++;
	} else {
		int i = oldest_pending(c->st, true, h->id);

		if (i >= 0) {
			session_from_pending(s, &c->st->pend[i]);
			c->st->pend[i].used = 0;
			c->has_sess = true;
			c->slot = -1;
		} else {
			new_session(c, h->id);
		}
	}
	if (h->qr) {
		s->has_rcode = true;
		s->rcode = h->rcode;
		if (h->rcode != 0 && h->qdcount == 0)
			s->rejected = true;
	}
	s->opcode = h->opcode;
}

static void
on_question(void *u, const struct vg_dns_hdr *h, const char *name, const char *original,
	uint32_t len, uint16_t qtype, uint16_t qclass)
{
	struct dns_call *c = u;
	struct dns_session *s = c->s;

	if (h->qr) { /* dns_rejected */
		if (c->has_sess)
			s->rejected = true;
		return;
	}
	/* dns_request; a dynamic update's zone section is not a question. */
	if (!c->tracked || !c->has_sess || h->opcode == VG_DNS_OP_UPDATE)
		return;
	s->rd = h->rd;
	s->tc = h->tc;
	s->z = h->z;
	s->has_question = true;
	s->qclass = qclass;
	s->qtype = qtype;
	s->has_query = true;
	s->qlen = len;
	memcpy(s->query, name, len);
	s->query[len] = '\0';
	s->has_original = true;
	s->olen = len;
	memcpy(s->original, original, len);
}

static void
add_answer(struct dns_session *s, enum vg_dns_section sec, uint32_t ttl, const char *text,
	uint32_t len, bool add)
{
	uint32_t need = len + (add ? 5 : 0);

	if (s->nans >= VG_DNS_ANSWERS_MAX || s->text_len + need > sizeof(s->text)) {
		COUNT(answers_dropped);
		return;
	}
	s->ans_off[s->nans] = s->text_len;
	if (add) {
		memcpy(s->text + s->text_len, "add: ", 5);
		s->text_len += 5;
	}
	memcpy(s->text + s->text_len, text, len);
	s->text_len += len;
	s->ans_len[s->nans] = need;
	s->ans_sec[s->nans] = (uint8_t)sec;
	s->ttl[s->nans] = (int64_t)ttl * 1000000000LL;
	s->nans++;
}

static void
on_answer(void *u, const struct vg_dns_hdr *h, enum vg_dns_section sec, const char *owner,
	uint32_t owner_len, uint32_t ttl, const char *text, uint32_t len)
{
	struct dns_call *c = u;
	struct dns_session *s = c->s;

	if (!c->tracked || !c->has_sess || !h->qr)
		return;
	if (sec == VG_DNS_AUTH || sec == VG_DNS_ADDL) {
		/* auth-addl.zeek's do_reply hook: standard queries only. */
		if (h->opcode == VG_DNS_OP_QUERY && len > 0)
			add_answer(s, sec, ttl, text, len, false);
		return;
	}
	if (sec != VG_DNS_ANS && sec != VG_DNS_PREREQUISITE && sec != VG_DNS_UPDATE)
		return;
	if (!s->has_query) {
		s->has_query = true;
		s->qlen = owner_len;
		memcpy(s->query, owner, owner_len);
		s->query[owner_len] = '\0';
	}
	s->aa = h->aa;
	s->ra = h->ra;
	if (!s->has_rtt) {
		s->rtt = (int64_t)(vg_an_now(c->cx) - s->ts);
		s->has_rtt = s->rtt != 0;
	}
	if (len == 0)
		return;
	bool add = h->opcode == VG_DNS_OP_UPDATE && sec == VG_DNS_UPDATE &&
		!(len >= 4 && memcmp(text, "del:", 4) == 0);

	add_answer(s, sec, ttl, text, len, add);
}

static void
on_end(void *u, const struct vg_dns_hdr *h)
{
	struct dns_call *c = u;
	struct dns_session *s = c->s;

	if (!c->has_sess)
		return;
	if (h->qr)
		s->saw_reply = true;
	else
		s->saw_query = true;
	if (s->saw_reply && s->saw_query) {
		write_session(c, s);
		c->has_sess = false;
		if (c->slot >= 0)
			c->st->pend[c->slot].used = 0;
	} else if (c->slot >= 0) {
		pending_from_session(&c->st->pend[c->slot], s);
	} else if (s->saw_reply) {
		/* A reply without its query: logged now (see the top of this file). */
		write_session(c, s);
		c->has_sess = false;
	}
}

static void
on_weird(void *u, const char *name, const char *addl)
{
	struct dns_call *c = u;

	vg_an_weird(c->cx, name, addl);
}

static void
on_confirm(void *u)
{
	struct dns_call *c = u;

	vg_an_confirm(c->cx);
}

static void
on_violate(void *u, const char *reason)
{
	struct dns_call *c = u;

	vg_an_violate(c->cx, reason);
}

static const struct vg_dns_events dns_events = {
	.message = on_message,
	.question = on_question,
	.answer = on_answer,
	.end = on_end,
	.weird = on_weird,
	.confirm = on_confirm,
	.violate = on_violate,
};

static void
call_init(struct dns_call *c, struct vg_dns_state *st, struct vg_an_ctx *cx)
{
	struct vg_addr oh, rh;
	uint16_t op;

	memset(c, 0, sizeof(*c));
	c->st = st;
	c->cx = cx;
	c->s = &W.sess;
	c->slot = -1;
	vg_an_id(cx, &oh, &op, &rh, &c->resp_port);
	c->multicast = resp_is_multicast(&rh);
}

static void
parse_one(struct vg_dns_state *st, struct vg_an_ctx *cx, const uint8_t *data, uint32_t len)
{
	struct dns_call c;
	struct vg_dns_parse_opts o;

	call_init(&c, st, cx);
	o.resp_port = c.resp_port;
	o.tcp = vg_an_is_tcp(cx);
	o.auth_addl = config.auth_addl;
	vg_dns_parse(data, len, &o, &dns_events, &c);
	st->first_done = 1;
}

/* ---- The analyzer entry points ---- */

static void
dns_datagram(void *st, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len)
{
	(void)is_orig;
	parse_one(st, cx, data, len);
}

static uint8_t *
tcp_buf(int i)
{
	return tcp_bufs[i];
}

static int
tcp_buf_get(void)
{
	for (int w = 0; w < TCP_BUFS / 64; w++) {
		uint64_t used = __atomic_load_n(&tcp_used[w], __ATOMIC_RELAXED);

		while (~used != 0) {
			int b = __builtin_ctzll(~used);

			if (__atomic_compare_exchange_n(&tcp_used[w], &used, used | 1ull << b,
				    false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				return w * 64 + b;
		}
	}
	return -1;
}

static void
tcp_buf_put(struct dns_tcp_dir *d)
{
	if (d->buf >= 0)
		__atomic_fetch_and(
			&tcp_used[d->buf / 64], ~(1ull << (d->buf % 64)), __ATOMIC_RELEASE);
	d->buf = -1;
}

static void
dns_init(void *stp, struct vg_an_ctx *cx)
{
	struct vg_dns_state *st = stp;

	(void)cx;
	st->tcp[0].buf = st->tcp[1].buf = -1;
}

/* Contents_DNS::ProcessChunk: a length word, then that many bytes. */
static void
dns_stream(void *stp, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len)
{
	struct vg_dns_state *st = stp;
	struct dns_tcp_dir *d = &st->tcp[is_orig ? 0 : 1];

	while (len > 0) {
		if (d->state == TCP_LEN_HI) {
			d->need = (uint16_t)(data[0] << 8);
			d->state = TCP_LEN_LO;
			data++;
			len--;
			continue;
		}
		if (d->state == TCP_LEN_LO) {
			d->need |= data[0];
			d->have = 0;
			d->state = TCP_BODY;
			data++;
			len--;
			if (d->need == 0) { /* an empty message: Zeek hands it on */
				parse_one(st, cx, data, 0);
				d->state = TCP_LEN_HI;
			}
			continue;
		}
		uint32_t want = (uint32_t)d->need - d->have;

		if (d->have == 0 && d->buf < 0 && len >= want) {
			parse_one(st, cx, data, want); /* whole in this chunk: no copy */
		} else {
			uint32_t n = len < want ? len : want;

			if (d->buf < 0 && (d->buf = (int16_t)tcp_buf_get()) < 0)
				COUNT(tcp_truncated);
			if (d->buf >= 0)
				memcpy(tcp_buf(d->buf) + d->have, data, n);
			d->have = (uint16_t)(d->have + n);
			data += n;
			len -= n;
			if (d->have < d->need)
				return;
			if (d->buf >= 0)
				parse_one(st, cx, tcp_buf(d->buf), d->need);
			tcp_buf_put(d);
			d->state = TCP_LEN_HI;
			continue;
		}
		data += want;
		len -= want;
		d->state = TCP_LEN_HI;
	}
}

/* Contents_DNS::Flush: a partial message is interpreted as it is. */
static void
tcp_flush(struct vg_dns_state *st, struct vg_an_ctx *cx)
{
	for (int i = 0; i < 2; i++) {
		struct dns_tcp_dir *d = &st->tcp[i];

		if (d->state == TCP_BODY && d->have > 0 && d->buf >= 0)
			parse_one(st, cx, tcp_buf(d->buf), d->have);
		tcp_buf_put(d);
		d->state = TCP_LEN_HI;
		d->have = 0;
	}
}

static void
dns_gap(void *stp, struct vg_an_ctx *cx, bool is_orig, uint64_t len)
{
	struct vg_dns_state *st = stp;
	struct dns_tcp_dir *d = &st->tcp[is_orig ? 0 : 1];

	(void)cx;
	(void)len;
	/* The message in progress cannot be completed: start over at the next length word. */
	tcp_buf_put(d);
	d->state = TCP_LEN_HI;
	d->have = 0;
}

static void
dns_eof(void *st, struct vg_an_ctx *cx, bool is_orig)
{
	(void)is_orig;
	tcp_flush(st, cx); /* DNS_Analyzer::ConnectionClosed flushes both sides */
}

/* finalize_dns: unanswered queries are logged when the connection goes. */
static void
dns_end(void *stp, struct vg_an_ctx *cx, enum vg_an_end why)
{
	struct vg_dns_state *st = stp;
	struct dns_call c;
	int i;

	(void)why;
	tcp_buf_put(&st->tcp[0]);
	tcp_buf_put(&st->tcp[1]);
	call_init(&c, st, cx);
	while ((i = oldest_pending(st, false, 0)) >= 0)
		log_pending(&c, i);
}

static void
dns_flip(void *stp)
{
	struct vg_dns_state *st = stp;
	struct dns_tcp_dir t = st->tcp[0];

	st->tcp[0] = st->tcp[1];
	st->tcp[1] = t;
}

/* A header and a whole first question, with sane counts. */
static bool
probe_msg(const uint8_t *p, uint32_t len)
{
	if (len < 17)
		return false;
	uint16_t f = vg_be16(p + 2);
	uint16_t qd = vg_be16(p + 4);

	if (((f >> 11) & 15) != 0 || qd != 1 || vg_be16(p + 6) > 64 || vg_be16(p + 8) > 64 ||
		vg_be16(p + 10) > 64 || (f & 0x0040) != 0)
		return false;
	uint32_t i = 12;

	while (i < len && p[i] != 0) {
		if (p[i] > 63)
			return false;
		i += 1u + p[i];
	}
	if (i + 5 > len || i == 12)
		return false;
	uint16_t qtype = vg_be16(p + i + 1), qclass = vg_be16(p + i + 3) & 0x7fff;

	return qtype != 0 && (qclass == 1 || qclass == 3 || qclass == 255);
}

static enum vg_an_probe
dns_probe(const uint8_t *data, uint32_t len, bool is_orig)
{
	(void)is_orig;
	if (len < 12)
		return VG_PROBE_MAYBE;
	if (probe_msg(data, len))
		return VG_PROBE_YES;
	if (len >= 14 && vg_be16(data) >= 17 && probe_msg(data + 2, len - 2))
		return VG_PROBE_YES;
	return VG_PROBE_NO;
}

/* main.zeek: const ports = { 53/udp, 53/tcp, 137/udp, 5353/udp, 5355/udp }. */
static const uint16_t dns_tcp_ports[] = {53, 0};
static const uint16_t dns_udp_ports[] = {53, 137, 5353, 5355, 0};

static const struct vg_an_log dns_logs[] = {
	{&vg_dns_log_schema, &vg_dns_log_id_value},
	{NULL, NULL},
};

const struct vg_analyzer vg_dns_analyzer = {
	.name = "dns",
	.transports = VG_AN_TCP | VG_AN_UDP,
	.tcp_ports = dns_tcp_ports,
	.udp_ports = dns_udp_ports,
	.state_size = sizeof(struct vg_dns_state),
	.logs = dns_logs,
	.counters = &dns_counters,
	.probe = dns_probe,
	.init = dns_init,
	.stream = dns_stream,
	.gap = dns_gap,
	.eof = dns_eof,
	.datagram = dns_datagram,
	.flip = dns_flip,
	.end = dns_end,
};
