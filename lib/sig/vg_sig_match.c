/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The matcher, per worker: Zeek's RuleMatcher (src/RuleMatcher.cc) on
 * Hyperscan. Each direction of a connection has Zeek's RuleEndpointState:
 * the rules whose header tests passed on its first packet, the rules that
 * fired, the rules whose patterns all matched, the patterns that matched and
 * the size of its first payload. PIA's limits (src/analyzer/protocol/pia/
 * PIA.cc) decide how much of a connection is matched.
 *
 * Nothing here allocates or locks: states and streams come from pools made
 * by vg_sig_worker_create, and every loop is bounded by the rule set.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vg_sig_private.h"

#define DEFAULT_MAX_CONNS   65536
#define STREAM_POOL_BYTES   (64ULL << 20)
#define STATE_POOL_BYTES    (1ULL << 30)
#define PDU_STREAMS_DIVISOR 16

const char *const vg_sig_counter_names[VG_SIG_NCOUNTERS] = {
	"sig_matches",
	"sig_logged",
	"sig_notices",
	"sig_log_dropped",
	"sig_rules_evaluated",
	"sig_bytes_scanned",
	"sig_conns",
	"sig_conns_full",
	"sig_streams_opened",
	"sig_streams_full",
	"sig_skipped",
	"sig_scan_errors",
	"sig_summaries",
	"sig_summary_full",
	"sig_reloads",
	"sig_reload_abandoned",
	"sig_enabled",
	"sig_conns_used",
	"sig_conns_high",
	"sig_streams_used",
	"sig_streams_high",
};
_Static_assert(sizeof(struct vg_sig_stats) == VG_SIG_NCOUNTERS * sizeof(uint64_t),
	"a signature counter without a name");

bool
vg_sig_counter_is_gauge(uint32_t i)
{
	return i >= 17;
}

/* ---- pools ------------------------------------------------------------- */

static int
stream_pool_init(struct vg_sig_worker *sw, int k, uint32_t cap)
{
	const struct vg_sig_db *db = sw->db;

	if (db->hs[k] == NULL || cap == 0)
		return 0;
	sw->streams[k] = calloc(cap, sizeof(*sw->streams[k]));
	sw->stream_free[k] = calloc(cap, sizeof(*sw->stream_free[k]));
	if (sw->streams[k] == NULL || sw->stream_free[k] == NULL)
		return -1;
	for (uint32_t i = 0; i < cap; i++) {
		if (hs_open_stream(db->hs[k], 0, &sw->streams[k][i]) != HS_SUCCESS)
			return -1;
		sw->stream_cap[k]++;
		sw->stream_free[k][sw->stream_nfree[k]++] = cap - 1 - i;
	}
	return 0;
}

static uint32_t
stream_cap_for(const struct vg_sig_db *db, int k, uint32_t want)
{
	size_t each = db->stream_bytes[k] ? db->stream_bytes[k] : 64;
	uint64_t fit = STREAM_POOL_BYTES / each;

	if (fit < 1024)
		fit = 1024;
	if (want > 65536)
		want = 65536;
	return want < fit ? want : (uint32_t)fit;
}

struct vg_sig_worker *
vg_sig_worker_create(const struct vg_sig_db *db, const struct vg_sig_worker_cfg *cfg)
{
	struct vg_sig_worker *sw = calloc(1, sizeof(*sw));

	if (sw == NULL)
		return NULL;
	sw->db = vg_sig_db_ref(db);
	sw->stats = cfg->stats != NULL ? cfg->stats : &sw->own_stats;
	sw->enable = cfg->enable;
	sw->test_ok = calloc(db->words_t ? db->words_t : 1, sizeof(uint64_t));
	if (sw->test_ok == NULL) {
		vg_sig_db_unref(sw->db);
		free(sw);
		return NULL;
	}
	sw->enable_arg = cfg->enable_arg;
	sw->depth = cfg->depth ? cfg->depth : VG_SIG_DEPTH_DEFAULT;
	sw->max_chunks = VG_SIG_CHUNKS_DEFAULT;
	sw->cap = cfg->max_conns ? cfg->max_conns : DEFAULT_MAX_CONNS;
	sw->slot = (uint32_t)(sizeof(struct vg_sig_cstate) +
		2 * (3 * db->words_r + db->words_p) * sizeof(uint64_t));
	sw->slot = (sw->slot + 63) & ~63u;
	/* The mapping stays within STATE_POOL_BYTES (pages are backed when used):
	 * a large rule set gets fewer states, and a full pool is counted. */
	if ((uint64_t)sw->slot * sw->cap > STATE_POOL_BYTES)
		sw->cap = (uint32_t)VG_MAX(STATE_POOL_BYTES / sw->slot, 1024ULL);
	sw->states_bytes = (size_t)sw->slot * sw->cap;
	sw->states = vg_bigmem_alloc(sw->states_bytes);
	sw->free_head = UINT32_MAX;
	sw->nconn = cfg->max_flows;
	sw->by_conn = vg_bigmem_alloc((size_t)sw->nconn * sizeof(uint32_t) + 64);
	if (sw->states == NULL || sw->by_conn == NULL)
		goto fail;
	if (db->scratch != NULL && hs_clone_scratch(db->scratch, &sw->scratch) != HS_SUCCESS)
		goto fail;
	uint32_t tcp = cfg->max_streams ? cfg->max_streams : 2 * sw->cap;

	if (stream_pool_init(sw, VG_SIG_DB_TCP, stream_cap_for(db, VG_SIG_DB_TCP, tcp)) != 0)
		goto fail;
	for (int k = VG_SIG_DB_PDU; k < VG_SIG_DB_N; k++) {
		/* A PDU holds its stream only while it is delivered. */
		uint32_t want = cfg->max_streams ? cfg->max_streams
						 : VG_MAX(sw->cap / PDU_STREAMS_DIVISOR, 256u);

		if (stream_pool_init(sw, k, stream_cap_for(db, k, want)) != 0)
			goto fail;
	}
	if (vg_sig_summary_init(sw) != 0)
		goto fail;
	return sw;
fail:
	vg_sig_worker_free(sw);
	errno = ENOMEM;
	return NULL;
}

void
vg_sig_worker_free(struct vg_sig_worker *sw)
{
	if (sw == NULL)
		return;
	for (int k = 0; k < VG_SIG_DB_N; k++) {
		for (uint32_t i = 0; i < sw->stream_cap[k]; i++)
			hs_close_stream(sw->streams[k][i], NULL, NULL, NULL);
		free(sw->streams[k]);
		free(sw->stream_free[k]);
	}
	hs_free_scratch(sw->scratch);
	free(sw->test_ok);
	vg_bigmem_free(sw->states, sw->states_bytes);
	vg_bigmem_free(sw->by_conn, (size_t)sw->nconn * sizeof(uint32_t) + 64);
	vg_sig_summary_free(sw);
	vg_sig_db_unref(sw->db);
	free(sw);
}

const struct vg_sig_stats *
vg_sig_worker_stats(const struct vg_sig_worker *sw)
{
	return sw->stats;
}

static struct vg_sig_cstate *
state_at(const struct vg_sig_worker *sw, uint32_t s)
{
	return (struct vg_sig_cstate *)(sw->states + (size_t)s * sw->slot);
}

static struct vg_sig_cstate *
state_get(struct vg_sig_worker *sw, struct vg_flow_table *ft, const struct vg_conn *c)
{
	uint32_t idx = vg_flow_conn_index(ft, c);

	if (idx >= sw->nconn || sw->by_conn[idx] == 0)
		return NULL;
	struct vg_sig_cstate *st = state_at(sw, sw->by_conn[idx] - 1);

	if (st->conn != idx || st->gen != c->gen) {
		sw->by_conn[idx] = 0; /* left over from an earlier connection */
		return NULL;
	}
	return st;
}

static struct vg_sig_cstate *
state_new(struct vg_sig_worker *sw, struct vg_flow_table *ft, const struct vg_conn *c)
{
	uint32_t idx = vg_flow_conn_index(ft, c), s;

	if (idx >= sw->nconn)
		return NULL;
	if (sw->free_head != UINT32_MAX) {
		s = sw->free_head;
		sw->free_head = state_at(sw, s)->next_free;
	} else if (sw->high < sw->cap) {
		s = sw->high++;
	} else {
		sw->stats->conns_full++;
		return NULL;
	}
	struct vg_sig_cstate *st = state_at(sw, s);

	memset(st, 0, sw->slot);
	st->conn = idx;
	st->gen = c->gen;
	st->kind = c->kind;
	st->db = sw->db;
	st->dir[0].payload_size = st->dir[1].payload_size = -1;
	sw->by_conn[idx] = s + 1;
	sw->used++;
	sw->stats->conns++;
	if (++sw->stats->conns_used > sw->stats->conns_high)
		sw->stats->conns_high = sw->stats->conns_used;
	return st;
}

static hs_stream_t *
stream_of(struct vg_sig_worker *sw, int k, uint32_t h)
{
	return sw->streams[k][h - 1];
}

/* A stream of database k in its initial state: slot + 1, 0 when none is free. */
static uint32_t
stream_take(struct vg_sig_worker *sw, int k)
{
	if (sw->stream_nfree[k] == 0) {
		sw->stats->streams_full++;
		return 0;
	}
	uint32_t s = sw->stream_free[k][--sw->stream_nfree[k]];

	sw->stats->streams_opened++;
	if (++sw->stats->streams_used > sw->stats->streams_high)
		sw->stats->streams_high = sw->stats->streams_used;
	return s + 1;
}

/* Back to the pool, reset without reporting (its end was reported or is not wanted). */
static void
stream_put(struct vg_sig_worker *sw, int k, uint32_t *h)
{
	if (*h == 0)
		return;
	hs_reset_stream(stream_of(sw, k, *h), 0, NULL, NULL, NULL);
	sw->stream_free[k][sw->stream_nfree[k]++] = *h - 1;
	sw->stats->streams_used--;
	*h = 0;
}

static void
bits_of(const struct vg_sig_worker *sw, struct vg_sig_cstate *st, int d, struct vg_sig_bits *b)
{
	const struct vg_sig_db *db = st->db;
	uint64_t *base = st->bits + (size_t)d * (3 * db->words_r + db->words_p);

	(void)sw;
	b->hdr_ok = base;
	b->fired = base + db->words_r;
	b->done = base + 2 * db->words_r;
	b->hit = base + 3 * db->words_r;
}

/* ---- rule evaluation (RuleMatcher::EvalRuleConditions and friends) ------- */

/* The call in progress: a connection, its state and the packet's time. */
struct mctx {
	struct vg_sig_worker *sw;
	struct vg_flow_table *ft;
	struct vg_conn *c;
	struct vg_sig_cstate *st;
	uint64_t ts;
};

/* RuleCondition.cc's is_established: past the handshake (partial included). */
static bool
tcp_established(const struct vg_tcp_ep *ep)
{
	return ep->state != VG_TCP_INACTIVE && ep->state != VG_TCP_SYN_SENT &&
		ep->state != VG_TCP_SYN_ACK_SENT;
}

static bool
cmp_size(uint8_t cmp, uint32_t a, uint32_t b)
{
	switch (cmp) {
	case VG_SIG_EQ:
		return a == b;
	case VG_SIG_NE:
		return a != b;
	case VG_SIG_LT:
		return a < b;
	case VG_SIG_LE:
		return a <= b;
	case VG_SIG_GT:
		return a > b;
	case VG_SIG_GE:
		return a >= b;
	}
	return false;
}

/* RuleConditionTCPState / RuleConditionUDPState. */
static bool
state_cond(const struct vg_conn *c, uint8_t want, uint8_t kind, int d)
{
	if (c->kind != kind)
		return false;
	if (want & VG_SIG_STATE_STATELESS)
		return true;
	if ((want & VG_SIG_STATE_ORIGINATOR) && d != 0)
		return false;
	if ((want & VG_SIG_STATE_RESPONDER) && d == 0)
		return false;
	if ((want & VG_SIG_STATE_ESTABLISHED) &&
		!(kind == VG_KIND_TCP && tcp_established(&c->tcp[0]) &&
			tcp_established(&c->tcp[1])))
		return false;
	return true;
}

/* requires-(reverse-)signature: a negated one can only be decided at the end. */
static bool
preconds_hold(struct mctx *m, const struct vg_sig_crule *r, int d, bool eos)
{
	for (uint32_t k = 0; k < r->nreqs; k++) {
		const struct vg_sig_creq *q = &r->reqs[k];
		int pd = q->reverse ? !d : d;
		struct vg_sig_bits b;

		if (q->reverse && !m->st->dir[pd].init)
			return false; /* nothing matched in the other direction yet */
		bits_of(m->sw, m->st, pd, &b);
		bool fired = vg_bit(b.fired, q->rule);

		if (!q->negated && !fired)
			return false;
		if (q->negated && (!eos || fired))
			return false;
	}
	return true;
}

static bool
eval_conditions(struct mctx *m, const struct vg_sig_crule *r, int d, bool eos)
{
	const struct vg_conn *c = m->c;

	m->sw->stats->rules_evaluated++;
	if (!preconds_hold(m, r, d, eos))
		return false;
	if (r->has_psize) {
		int32_t ps = m->st->dir[d].payload_size;

		/* Unset or no payload yet: the first non-empty chunk decides. */
		if (ps <= 0 || !cmp_size(r->psize_cmp, (uint32_t)ps, r->psize))
			return false;
	}
	if (r->tcp_state && !state_cond(c, r->tcp_state, VG_KIND_TCP, d))
		return false;
	if (r->udp_state && !state_cond(c, r->udp_state, VG_KIND_UDP, d))
		return false;
	if (r->same_ip && memcmp(&c->orig_h, &c->resp_h, sizeof(c->orig_h)) != 0)
		return false;
	return true;
}

static void exec_rule(struct mctx *m, uint32_t ri, int d, bool eos);

/* RuleMatcher::ExecRuleActions: once per connection, then its dependents. */
static void
exec_actions(struct mctx *m, uint32_t ri, int d, const uint8_t *data, uint32_t len, bool eos)
{
	const struct vg_sig_crule *r = &m->st->db->rules[ri];
	struct vg_sig_bits b, o;

	bits_of(m->sw, m->st, d, &b);
	bits_of(m->sw, m->st, !d, &o);
	if (vg_bit(o.fired, ri))
		return; /* fired in the other direction already */
	vg_bit_set(b.fired, ri);
	m->sw->stats->matches++;
	if (r->has_event)
		vg_sig_log_match(m->sw, m->ft, m->c, m->ts, r, d == 0, data, len);
	for (uint32_t k = 0; k < r->nenable && m->sw->enable != NULL; k++)
		m->sw->enable(m->sw->enable_arg, m->c, r->enable[k]);
	for (uint32_t k = 0; k < r->ndeps; k++) {
		exec_rule(m, r->deps[k], d, eos);
		if (m->st->dir[!d].init)
			exec_rule(m, r->deps[k], !d, eos);
	}
}

/* RuleMatcher::ExecRulePurely. */
static void
exec_purely(struct mctx *m, uint32_t ri, int d, const uint8_t *data, uint32_t len, bool eos)
{
	struct vg_sig_bits b;

	bits_of(m->sw, m->st, d, &b);
	if (vg_bit(b.fired, ri))
		return;
	if (eval_conditions(m, &m->st->db->rules[ri], d, eos))
		exec_actions(m, ri, d, data, len, eos);
}

/*
 * RuleMatcher::ExecRule: a rule another one enabled, if it belongs to the
 * direction and is pure or has all its patterns matched already. The data
 * it fires with is not kept (Zeek passes the text its patterns matched in):
 * it fires with none.
 */
static void
exec_rule(struct mctx *m, uint32_t ri, int d, bool eos)
{
	struct vg_sig_bits b;
	const struct vg_sig_crule *r = &m->st->db->rules[ri];

	bits_of(m->sw, m->st, d, &b);
	if (vg_bit(b.fired, ri) || !vg_bit(b.hdr_ok, ri))
		return;
	if (r->npats == 0 || vg_bit(b.done, ri))
		exec_purely(m, ri, d, NULL, 0, eos);
}

/* RuleMatcher::ExecPureRules. */
static void
exec_pure_rules(struct mctx *m, int d, bool eos)
{
	const struct vg_sig_db *db = m->st->db;
	struct vg_sig_bits b;

	bits_of(m->sw, m->st, d, &b);
	for (uint32_t k = 0; k < db->npure; k++)
		if (vg_bit(b.hdr_ok, db->pure[k]))
			exec_purely(m, db->pure[k], d, NULL, 0, eos);
}

static bool
all_patterns_hit(const struct vg_sig_crule *r, const uint64_t *hit)
{
	for (uint32_t k = 0; k < r->npats; k++)
		if (!vg_bit(hit, r->pat_first + k))
			return false;
	return true;
}

/*
 * After a scan with new pattern matches (RuleMatcher::Match): every rule of
 * the direction whose patterns have all matched and that has not fired is
 * remembered as matched by its patterns and, if its conditions hold, fires
 * with the data of this call.
 */
static void
check_patterns(struct mctx *m, int d, const uint8_t *data, uint32_t len)
{
	const struct vg_sig_db *db = m->st->db;
	struct vg_sig_bits b;

	bits_of(m->sw, m->st, d, &b);
	for (uint32_t w = 0; w < db->words_p; w++) {
		uint64_t bits = b.hit[w];

		while (bits != 0) {
			uint32_t id = w * 64 + (uint32_t)__builtin_ctzll(bits);
			uint32_t ri = db->pat_rule[id];
			const struct vg_sig_crule *r = &db->rules[ri];

			bits &= bits - 1;
			/* A rule is looked at once: through its first pattern. */
			if (id != r->pat_first || !vg_bit(b.hdr_ok, ri) || vg_bit(b.fired, ri))
				continue;
			if (!all_patterns_hit(r, b.hit))
				continue;
			vg_bit_set(b.done, ri);
			if (eval_conditions(m, r, d, false))
				exec_actions(m, ri, d, data, len, false);
		}
	}
}

/* ---- scanning --------------------------------------------------------------- */

static int
on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
	struct vg_sig_worker *sw = ctx;

	(void)from;
	(void)to;
	(void)flags;
	if (!vg_bit(sw->cb_hit, id)) {
		vg_bit_set(sw->cb_hit, id);
		sw->cb_new++;
	}
	return 0;
}

/* Zeek's Match() remembers the size of the direction's first non-empty data. */
static void
note_payload_size(struct vg_sig_dir *dir, uint32_t len)
{
	if (dir->payload_size <= 0 && len > 0)
		dir->payload_size = (int32_t)len;
	else if (dir->payload_size < 0)
		dir->payload_size = 0;
}

/* Scans data on database k (stream h, or a block when h is 0). */
static void
scan(struct mctx *m, int d, int k, uint32_t h, const uint8_t *data, uint32_t len)
{
	struct vg_sig_worker *sw = m->sw;
	struct vg_sig_bits b;
	hs_error_t rc;

	bits_of(sw, m->st, d, &b);
	sw->cb_hit = b.hit;
	sw->cb_new = 0;
	sw->stats->bytes_scanned += len;
	if (h != 0)
		rc = hs_scan_stream(
			stream_of(sw, k, h), (const char *)data, len, 0, sw->scratch, on_match, sw);
	else
		rc = hs_scan(
			m->st->db->hs[k], (const char *)data, len, 0, sw->scratch, on_match, sw);
	if (rc != HS_SUCCESS)
		sw->stats->scan_errors++;
	if (sw->cb_new > 0)
		check_patterns(m, d, data, len);
}

/* The end of a stream: patterns anchored at its end ($) match now, with no data. */
static void
scan_end(struct mctx *m, int d, int k, uint32_t *h)
{
	struct vg_sig_worker *sw = m->sw;
	struct vg_sig_bits b;

	if (*h == 0)
		return;
	bits_of(sw, m->st, d, &b);
	sw->cb_hit = b.hit;
	sw->cb_new = 0;
	if (hs_reset_stream(stream_of(sw, k, *h), 0, sw->scratch, on_match, sw) != HS_SUCCESS)
		sw->stats->scan_errors++;
	sw->stream_free[k][sw->stream_nfree[k]++] = *h - 1;
	sw->stats->streams_used--;
	*h = 0;
	if (sw->cb_new > 0)
		check_patterns(m, d, (const uint8_t *)"", 0);
}

/* ---- directions ------------------------------------------------------------ */

/*
 * RuleMatcher::InitEndpoint: the header tests on the packet that opened
 * the direction (or the connection's endpoints when none was seen), the
 * rules without patterns, and an empty first match (payload size 0).
 */
static void
dir_init(struct mctx *m, int d, const struct vg_pkt *pkt)
{
	const struct vg_sig_db *db = m->st->db;
	struct vg_sig_dir *dir = &m->st->dir[d];
	struct vg_sig_bits b;

	dir->init = 1;
	bits_of(m->sw, m->st, d, &b);
	/* Each distinct header test once, then each rule from those bits. */
	uint64_t *tok = m->sw->test_ok;

	memset(tok, 0, db->words_t * sizeof(uint64_t));
	if (db->pfx.n > 0) {
		const struct vg_conn *c = m->c;

		if (pkt != NULL)
			vg_sig_pfx_eval(&db->pfx, &pkt->src, &pkt->dst, tok);
		else if (d == 0)
			vg_sig_pfx_eval(&db->pfx, &c->orig_h, &c->resp_h, tok);
		else
			vg_sig_pfx_eval(&db->pfx, &c->resp_h, &c->orig_h, tok);
	}
	for (uint32_t t = 0; t < db->ntests; t++) {
		if (db->pfx.hashed[t])
			continue;
		bool ok = pkt != NULL ? vg_sig_hdr_test(db->tests[t], pkt)
				      : vg_sig_hdr_test_conn(db->tests[t], m->c, d == 0);

		if (ok)
			vg_bit_set(tok, t);
	}
	for (uint32_t i = 0; i < db->nclasses; i++) {
		const struct vg_sig_class *c = &db->classes[i];
		uint32_t k = 0;

		while (k < c->ntests && vg_bit(tok, c->tests[k]))
			k++;
		if (k < c->ntests)
			continue;
		for (uint32_t w = 0; w < db->words_r; w++)
			b.hdr_ok[w] |= c->rules[w];
	}
	for (uint32_t k = 0; k < db->npure; k++) {
		uint32_t ri = db->pure[k];

		if (vg_bit(b.hdr_ok, ri) && !vg_bit(b.fired, ri) &&
			eval_conditions(m, &db->rules[ri], d, false))
			exec_actions(m, ri, d, NULL, 0, false);
	}
	note_payload_size(dir, 0);
}

/* PIA's buffer: the delivery that passes the limit is still matched. */
static bool
pia_count(struct vg_sig_worker *sw, struct vg_sig_cstate *st, uint32_t len)
{
	if (sw->depth == UINT32_MAX)
		return false;
	st->bytes += len;
	if (st->chunks < UINT16_MAX)
		st->chunks++;
	return st->bytes > sw->depth || st->chunks > sw->max_chunks;
}

static void
pia_skip(struct vg_sig_worker *sw, struct vg_sig_cstate *st)
{
	st->skipping = 1;
	sw->stats->skipped++;
	stream_put(sw, VG_SIG_DB_TCP, &st->dir[0].stream);
	stream_put(sw, VG_SIG_DB_TCP, &st->dir[1].stream);
}

static void
mctx_init(struct mctx *m, struct vg_sig_worker *sw, struct vg_flow_table *ft, struct vg_conn *c,
	struct vg_sig_cstate *st, uint64_t ts)
{
	m->sw = sw;
	m->ft = ft;
	m->c = c;
	m->st = st;
	m->ts = ts;
}

/* UDP and ICMP: one packet's payload, then the direction's match state is
 * cleared (PIA_UDP passes clear_state; ClearEndpointState runs the pure
 * rules as at the end, and forgets the payload size and the matchers). */
static void
packet_payload(struct mctx *m, int d, const uint8_t *data, uint32_t len, bool pia)
{
	struct vg_sig_cstate *st = m->st;
	bool skip_after = pia && len > 0 && pia_count(m->sw, st, len);
	struct vg_sig_bits b;

	note_payload_size(&st->dir[d], len);
	if (st->db->hs[VG_SIG_DB_PACKET] != NULL)
		scan(m, d, VG_SIG_DB_PACKET, 0, data, len);
	exec_pure_rules(m, d, true);
	st->dir[d].payload_size = -1;
	bits_of(m->sw, st, d, &b);
	memset(b.hit, 0, st->db->words_p * sizeof(uint64_t));
	if (skip_after) {
		st->skipping = 1;
		m->sw->stats->skipped++;
	}
}

void
vg_sig_packet(struct vg_sig_worker *sw, struct vg_flow_table *ft, struct vg_conn *c,
	const struct vg_pkt *pkt, bool is_orig)
{
	struct vg_sig_cstate *st = state_get(sw, ft, c);
	int d = is_orig ? 0 : 1;
	struct mctx m;

	if (pkt->bad_checksum)
		return;
	if (st == NULL && (st = state_new(sw, ft, c)) == NULL)
		return;
	mctx_init(&m, sw, ft, c, st, pkt->ts_ns);
	if (c->kind == VG_KIND_UDP) {
		/* PIA_DeliverPacket: nothing once the buffer was passed, not even
		 * the header tests of a direction that starts afterwards. */
		if (st->skipping)
			return;
		if (!st->dir[d].init)
			dir_init(&m, d, pkt);
		uint32_t len = VG_MIN(pkt->payload_len, pkt->payload_cap);

		packet_payload(&m, d, pkt->payload, len, true);
		return;
	}
	if (!st->dir[d].init)
		dir_init(&m, d, pkt);
	if (c->kind == VG_KIND_ICMP && pkt->l4 != NULL && pkt->l4_cap >= 8)
		packet_payload(&m, d, pkt->l4 + 8, pkt->l4_cap - 8, false);
}

void
vg_sig_stream(struct vg_sig_worker *sw, struct vg_flow_table *ft, struct vg_conn *c, uint64_t ts,
	bool is_orig, const uint8_t *data, uint32_t len)
{
	struct vg_sig_cstate *st = state_get(sw, ft, c);
	int d = is_orig ? 0 : 1;
	struct mctx m;

	if (st == NULL || st->skipping || len == 0)
		return;
	mctx_init(&m, sw, ft, c, st, ts);
	if (!st->dir[d].init)
		dir_init(&m, d, NULL);
	bool skip_after = pia_count(sw, st, len);
	struct vg_sig_dir *dir = &st->dir[d];

	note_payload_size(dir, len);
	if (st->db->hs[VG_SIG_DB_TCP] != NULL && !dir->no_stream) {
		if (dir->stream == 0 && (dir->stream = stream_take(sw, VG_SIG_DB_TCP)) == 0)
			dir->no_stream = 1;
		if (dir->stream != 0)
			scan(&m, d, VG_SIG_DB_TCP, dir->stream, data, len);
	}
	if (skip_after)
		pia_skip(sw, st);
}

void
vg_sig_gap(struct vg_sig_worker *sw, struct vg_flow_table *ft, struct vg_conn *c, bool is_orig)
{
	struct vg_sig_cstate *st = state_get(sw, ft, c);

	(void)is_orig;
	/* PIA_TCP::Undelivered counts the hole as a chunk; matching goes on after it. */
	if (st == NULL || st->skipping || sw->depth == UINT32_MAX)
		return;
	if (st->chunks < UINT16_MAX)
		st->chunks++;
	if (st->chunks > sw->max_chunks)
		pia_skip(sw, st);
}

void
vg_sig_pdu(struct vg_sig_worker *sw, struct vg_flow_table *ft, struct vg_conn *c, uint64_t ts,
	uint8_t type, bool is_orig, const uint8_t *data, uint32_t len, unsigned flags)
{
	struct vg_sig_cstate *st = state_get(sw, ft, c);
	int d = is_orig ? 0 : 1;
	int k = VG_SIG_DB_PDU + type;
	struct mctx m;

	if (st == NULL || type == VG_SIG_PAT_PAYLOAD || type >= VG_SIG_PAT_TYPES ||
		st->db->hs[k] == NULL)
		return;
	mctx_init(&m, sw, ft, c, st, ts);
	if (!st->dir[d].init)
		dir_init(&m, d, NULL);
	struct vg_sig_dir *dir = &st->dir[d];

	if (flags & VG_SIG_PDU_BEGIN) {
		if (dir->pdu != 0)
			stream_put(sw, dir->pdu_kind, &dir->pdu);
		dir->pdu = stream_take(sw, k);
		dir->pdu_kind = (uint8_t)k;
	}
	if (dir->pdu == 0 || dir->pdu_kind != k)
		return; /* no PDU of this type begun (or no stream for it) */
	if (len > 0)
		scan(&m, d, k, dir->pdu, data, len);
	if (flags & VG_SIG_PDU_END)
		scan_end(&m, d, k, &dir->pdu);
}

void
vg_sig_flip(struct vg_sig_worker *sw, struct vg_flow_table *ft, struct vg_conn *c)
{
	struct vg_sig_cstate *st = state_get(sw, ft, c);

	if (st == NULL)
		return;
	struct vg_sig_dir t = st->dir[0];
	size_t words = 3 * st->db->words_r + st->db->words_p;

	st->dir[0] = st->dir[1];
	st->dir[1] = t;
	for (size_t i = 0; i < words; i++) {
		uint64_t x = st->bits[i];

		st->bits[i] = st->bits[words + i];
		st->bits[words + i] = x;
	}
}

/*
 * RuleMatcher::FinishEndpoint for each direction: the end of its stream,
 * the pure rules at the end (a negated requires-* is decided now), and the
 * rules whose patterns matched but whose conditions did not hold then.
 */
static void
dir_finish(struct mctx *m, int d)
{
	const struct vg_sig_db *db = m->st->db;
	struct vg_sig_dir *dir = &m->st->dir[d];
	struct vg_sig_bits b;

	scan_end(m, d, VG_SIG_DB_TCP, &dir->stream);
	if (dir->pdu != 0)
		stream_put(m->sw, dir->pdu_kind, &dir->pdu);
	exec_pure_rules(m, d, true);
	bits_of(m->sw, m->st, d, &b);
	for (uint32_t w = 0; w < db->words_r; w++) {
		uint64_t bits = b.done[w] & ~b.fired[w];

		while (bits != 0) {
			uint32_t ri = w * 64 + (uint32_t)__builtin_ctzll(bits);

			bits &= bits - 1;
			exec_purely(m, ri, d, NULL, 0, true);
		}
	}
}

/* Its streams back to their pools, the slot to the free list. */
static void
state_release(struct vg_sig_worker *sw, struct vg_sig_cstate *st)
{
	for (int d = 0; d < 2; d++) {
		stream_put(sw, VG_SIG_DB_TCP, &st->dir[d].stream);
		if (st->dir[d].pdu != 0)
			stream_put(sw, st->dir[d].pdu_kind, &st->dir[d].pdu);
	}
	uint32_t s = sw->by_conn[st->conn] - 1;

	sw->by_conn[st->conn] = 0;
	st->gen = ~st->gen;
	st->next_free = sw->free_head;
	sw->free_head = s;
	sw->stats->conns_used--;
	sw->used--;
}

void
vg_sig_conn_end(struct vg_sig_worker *sw, struct vg_flow_table *ft, struct vg_conn *c, uint64_t ts)
{
	struct vg_sig_cstate *st = state_get(sw, ft, c);
	struct mctx m;

	if (st == NULL)
		return;
	mctx_init(&m, sw, ft, c, st, ts);
	for (int d = 0; d < 2; d++)
		if (st->dir[d].init)
			dir_finish(&m, d);
	state_release(sw, st);
}

/* ---- Generations (a reload, doc/signatures.md) ---------------------------- */

bool
vg_sig_worker_has_conn(
	const struct vg_sig_worker *sw, const struct vg_flow_table *ft, const struct vg_conn *c)
{
	uint32_t idx = vg_flow_conn_index(ft, c);

	if (idx >= sw->nconn || sw->by_conn[idx] == 0)
		return false;
	const struct vg_sig_cstate *st = state_at(sw, sw->by_conn[idx] - 1);

	return st->conn == idx && st->gen == c->gen;
}

uint32_t
vg_sig_worker_conns(const struct vg_sig_worker *sw)
{
	return sw->used;
}

uint32_t
vg_sig_worker_abandon(struct vg_sig_worker *sw)
{
	uint32_t n = 0;

	for (uint32_t s = 0; s < sw->high; s++) {
		struct vg_sig_cstate *st = state_at(sw, s);

		if (st->conn >= sw->nconn || sw->by_conn[st->conn] != s + 1)
			continue;
		state_release(sw, st);
		n++;
	}
	return n;
}
