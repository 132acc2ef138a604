/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker analyzer state: a pool of connection records and one pool of
 * state slots per analyzer, each a single mapping made at start whose pages
 * are backed only when first used (vg_bigmem). Free slots go on LIFO lists so
 * the memory in use stays warm.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vg_an_private.h"

_Static_assert(VG_AN_BUF_SMALL << 2 == VG_AN_BUF_MAX, "two side-buffer classes: 4 and 16 KiB");

#define DEFAULT_MAX_CONNS 65536
#define STATE_POOL_BYTES  (1ULL << 30)

/*
 * A connection that wants analyzers but has sent no byte yet (a SYN, a
 * handshake): vg_conn.an holds PENDING, the responder's port when it was
 * created (the port attachment is decided on it, as Zeek's
 * BuildInitialAnalyzerTree does at creation) and the directions that ended
 * before any byte came. Nothing is taken from a pool until the first byte,
 * gap or datagram: a flood of half-open connections holds no analyzer state.
 * Handles (slot + 1) stay below PENDING.
 */
#define PENDING       0x80000000u
#define PENDING_EOF_O 0x00010000u
#define PENDING_EOF_R 0x00020000u
#define PENDING_PORT  0x0000ffffu
/*
 * With signatures every TCP, UDP and ICMP connection goes through the hooks
 * (the matcher keeps its own state, lib/sig): one without analyzers holds
 * SIG_ONLY instead of 0, so the flow table still calls the hooks and the
 * reassembler still keeps its bytes. Handles stay below SIG_ONLY.
 */
#define SIG_ONLY 0x40000000u

static int
pool_init(struct vg_an_pool *p, uint32_t size, uint32_t cap)
{
	p->slot = (size + 15u) & ~15u;
	if (p->slot == 0)
		p->slot = 16;
	p->cap = cap;
	p->bytes = (size_t)p->slot * cap;
	p->mem = vg_bigmem_alloc(p->bytes);
	p->free_head = UINT32_MAX;
	return p->mem == NULL ? -1 : 0;
}

/*
 * A slot, zeroed when `zero`, or UINT32_MAX when the pool is full. The
 * slots first handed out now add to *touched (bytes of the pools in use so far).
 */
static uint32_t
pool_get(struct vg_an_pool *p, bool zero, uint64_t *touched)
{
	uint32_t s;

	if (p->free_head != UINT32_MAX) {
		s = p->free_head;
		memcpy(&p->free_head, p->mem + (size_t)s * p->slot, sizeof(uint32_t));
		if (zero)
			memset(p->mem + (size_t)s * p->slot, 0, p->slot);
	} else if (p->high < p->cap) {
		/* Never used: still the zero pages of the mapping (writing them now
		 * would only fault them in early). */
		s = p->high++;
		*touched += p->slot;
	} else {
		return UINT32_MAX;
	}
	p->used++;
	return s;
}

static void
pool_put(struct vg_an_pool *p, uint32_t s)
{
	memcpy(p->mem + (size_t)s * p->slot, &p->free_head, sizeof(uint32_t));
	p->free_head = s;
	p->used--;
}

static void
add_ports(uint64_t *bits, const uint16_t *ports)
{
	for (; ports != NULL && *ports != 0; ports++)
		bits[*ports / 64] |= 1ULL << (*ports % 64);
}

/*
 * A signature's `enable "name"` (Zeek's RuleActionEnable): the analyzer of
 * that name, if this run loads it, is attached to the connection by the hook
 * that made the signature call (enable_take). Names are compared without
 * case, as Zeek's analyzer tags are.
 */
static void
sig_enable(void *arg, const struct vg_conn *c, const char *name)
{
	struct vg_an_worker *w = arg;

	for (uint32_t i = 0; i < w->nan; i++) {
		if (strcasecmp(w->ans[i]->name, name) != 0)
			continue;
		if (w->en_conn != c)
			w->en_bits = 0;
		w->en_conn = c;
		w->en_bits |= 1u << i;
		return;
	}
}

struct vg_an_worker *
vg_an_worker_create(const struct vg_an_worker_cfg *cfg)
{
	struct vg_an_worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	if (cfg->analyzers != NULL) {
		w->ans = cfg->analyzers;
		w->nan = cfg->nanalyzers;
	} else {
		w->ans = vg_analyzers(&w->nan);
	}
	if (w->nan > VG_AN_MAX) {
		free(w);
		errno = EINVAL;
		return NULL;
	}
	w->bus = cfg->bus;
	w->index = cfg->index;
	w->conn_cap = cfg->max_conns ? VG_MIN(cfg->max_conns, SIG_ONLY - 1) : DEFAULT_MAX_CONNS;
	if (cfg->sig_db != NULL) {
		w->sig_cfg = cfg->sig;
		w->sig_cfg.stats = &w->sig_stats;
		w->sig_cfg.enable = sig_enable;
		w->sig_cfg.enable_arg = w;
		w->sig = vg_sig_worker_create(cfg->sig_db, &w->sig_cfg);
		if (w->sig == NULL) {
			free(w);
			errno = ENOMEM;
			return NULL;
		}
		w->idle_an = SIG_ONLY;
	}
	/* A quarter of the connections with any one analyzer at once, by default. */
	uint32_t states = cfg->max_states ? cfg->max_states : VG_MAX(w->conn_cap / 4, 1024u);

	w->conns_bytes = (size_t)w->conn_cap * sizeof(*w->conns);
	w->conns = vg_bigmem_alloc(w->conns_bytes);
	w->conn_free = UINT32_MAX;
	/* Probing lasts a connection's first packets: a sixteenth is plenty. */
	w->probe_cap = VG_MAX(w->conn_cap / 16, 256u);
	w->probes_bytes = (size_t)w->probe_cap * sizeof(*w->probes);
	w->probes = vg_bigmem_alloc(w->probes_bytes);
	w->probe_free = UINT32_MAX;
	if (w->conns == NULL || w->probes == NULL)
		goto fail;
	for (uint32_t c = 0; c < VG_AN_BUF_CLASSES; c++) {
		uint32_t size = VG_AN_BUF_SMALL << (2 * c); /* 4 KiB, 16 KiB */

		if (pool_init(&w->bufs[c], size, (uint32_t)(VG_AN_BUF_CLASS_BYTES / size)) != 0)
			goto fail;
	}
	for (uint32_t i = 0; i < w->nan; i++) {
		const struct vg_analyzer *a = w->ans[i];
		uint32_t k = 0;

		/* By default a pool maps at most STATE_POOL_BYTES: a large state
		 * (HTTP's is over 20 KiB) gets fewer slots, so the reservation stays
		 * well inside what a small node can map. */
		uint32_t cap = states;

		if (cfg->max_states == 0 && a->state_size > 0)
			cap = (uint32_t)VG_MIN(
				(uint64_t)cap, VG_MAX(STATE_POOL_BYTES / a->state_size, 1024ULL));
		if (pool_init(&w->states[i], a->state_size, cap) != 0)
			goto fail;
		if (a->transports & VG_AN_UDP)
			add_ports(w->udp_ports, a->udp_ports);
		if (a->transports & VG_AN_TCP)
			add_ports(w->tcp_ports, a->tcp_ports);
		if (a->probe != NULL && (a->transports & VG_AN_TCP))
			w->probe_tcp |= 1u << i;
		if (a->probe != NULL && (a->transports & VG_AN_UDP))
			w->probe_udp |= 1u << i;
		for (const char *n = a->name; *n && k + 1 < sizeof(w->source[i]); n++)
			w->source[i][k++] = (char)toupper((unsigned char)*n);
		w->source[i][k] = '\0';
	}
	return w;
fail:
	vg_an_worker_free(w);
	errno = ENOMEM;
	return NULL;
}

void
vg_an_worker_free(struct vg_an_worker *w)
{
	if (w == NULL)
		return;
	for (uint32_t i = 0; i < w->nan; i++)
		vg_bigmem_free(w->states[i].mem, w->states[i].bytes);
	for (uint32_t c = 0; c < VG_AN_BUF_CLASSES; c++)
		vg_bigmem_free(w->bufs[c].mem, w->bufs[c].bytes);
	vg_bigmem_free(w->conns, w->conns_bytes);
	vg_bigmem_free(w->probes, w->probes_bytes);
	vg_sig_worker_free(w->sig);
	for (uint32_t i = 0; i < w->sig_nold; i++)
		vg_sig_worker_free(w->sig_old[i]);
	vg_sig_worker_free(w->sig_pending);
	for (int i = 0; i < VG_AN_SIG_RETIRED; i++)
		vg_sig_worker_free(w->sig_retired[i]);
	free(w);
}

uint32_t
vg_an_worker_count(const struct vg_an_worker *w)
{
	return w->nan;
}

const struct vg_an_stats *
vg_an_worker_stats(const struct vg_an_worker *w)
{
	return &w->stats;
}

const struct vg_an_expect_stats *
vg_an_worker_expect_stats(const struct vg_an_worker *w)
{
	return &w->exp_stats;
}

const struct vg_an_mem_stats *
vg_an_worker_mem_stats(const struct vg_an_worker *w)
{
	return &w->mem;
}

/* ---- side buffers --------------------------------------------------------- */

void *
vg_an_buf_get(struct vg_an_ctx *cx, uint32_t size)
{
	struct vg_an_worker *w = cx->w;
	uint32_t c = size <= VG_AN_BUF_SMALL ? 0 : 1;

	if (size > VG_AN_BUF_MAX)
		return NULL;
	uint32_t s = pool_get(&w->bufs[c], false, &w->mem.state_bytes);

	if (s == UINT32_MAX) {
		w->mem.bufs_full++;
		return NULL;
	}
	if (++w->mem.bufs_used > w->mem.bufs_high)
		w->mem.bufs_high = w->mem.bufs_used;
	return w->bufs[c].mem + (size_t)s * w->bufs[c].slot;
}

void
vg_an_buf_put(struct vg_an_ctx *cx, void *buf, uint32_t size)
{
	struct vg_an_worker *w = cx->w;
	struct vg_an_pool *p = &w->bufs[size <= VG_AN_BUF_SMALL ? 0 : 1];

	if (buf == NULL)
		return;
	pool_put(p, (uint32_t)(((uint8_t *)buf - p->mem) / p->slot));
	w->mem.bufs_used--;
}

/* ---- connection records ------------------------------------------------ */

static struct vg_an_conn *
conn_rec_new(struct vg_an_worker *w, struct vg_flow_table *ft, struct vg_conn *c)
{
	uint32_t s;

	if (w->conn_free != UINT32_MAX) {
		s = w->conn_free;
		w->conn_free = w->conns[s].next_free;
	} else if (w->conn_high < w->conn_cap) {
		s = w->conn_high++;
		w->mem.state_bytes += sizeof(*w->conns);
	} else {
		w->stats.conns_full++;
		return NULL;
	}
	struct vg_an_conn *ac = &w->conns[s];

	memset(ac, 0, sizeof(*ac));
	if (++w->stats.conns_used > w->stats.conns_high)
		w->stats.conns_high = w->stats.conns_used;
	ac->conn = vg_flow_conn_index(ft, c);
	ac->gen = c->gen;
	c->an = s + 1;
	return ac;
}

static void
conn_rec_free(struct vg_an_worker *w, struct vg_an_conn *ac)
{
	uint32_t s = (uint32_t)(ac - w->conns);

	ac->gen = ~ac->gen; /* no connection matches a freed record */
	w->stats.conns_used--;
	ac->next_free = w->conn_free;
	w->conn_free = s;
}

bool
vg_an_handle_valid(const struct vg_an_worker *w, uint32_t handle, uint32_t conn, uint32_t gen)
{
	if (handle == 0 || handle > w->conn_high)
		return false;
	const struct vg_an_conn *ac = &w->conns[handle - 1];

	return ac->conn == conn && ac->gen == gen;
}

struct vg_an_conn *
vg_an_conn_get(struct vg_an_worker *w, struct vg_flow_table *ft, struct vg_conn *c)
{
	if (c->an == 0 || (c->an & (PENDING | SIG_ONLY)))
		return NULL; /* detached during this packet (probing ended), or no byte yet */
	if (!vg_an_handle_valid(w, c->an, vg_flow_conn_index(ft, c), c->gen)) {
		w->stats.stale++;
		c->an = 0;
		return NULL;
	}
	return &w->conns[c->an - 1];
}

/* Attaches analyzer i; false when a pool is full (counted). */
bool
vg_an_attach(struct vg_an_worker *w, struct vg_an_ctx *cx, uint32_t i)
{
	struct vg_an_conn *ac = cx->ac;

	if (ac->natt >= VG_AN_PER_CONN)
		return false;
	uint32_t s = pool_get(&w->states[i], true, &w->mem.state_bytes);

	if (s == UINT32_MAX) {
		w->stats.states_full++;
		return false;
	}
	struct vg_an_att *a = &ac->att[ac->natt];

	if (++w->stats.states_used > w->stats.states_high)
		w->stats.states_high = w->stats.states_used;
	a->an = (uint8_t)i;
	a->flags = VG_ATT_LIVE;
	a->state = s;
	cx->att = ac->natt++;
	w->stats.attached++;
	if (w->ans[i]->init != NULL)
		w->ans[i]->init(vg_an_state(w, a), cx);
	return true;
}

static void
ctx_init(struct vg_an_ctx *cx, struct vg_an_worker *w, struct vg_flow_table *ft, struct vg_conn *c,
	struct vg_an_conn *ac, uint64_t now)
{
	cx->w = w;
	cx->ft = ft;
	cx->c = c;
	cx->ac = ac;
	cx->att = 0;
	cx->handoff_att = 0xff;
	cx->now = now;
	cx->uid[0] = '\0';
}

/* ---- content detection (probes) ----------------------------------------- */

static struct vg_an_probebuf *
probe_get(struct vg_an_worker *w)
{
	uint32_t s;

	if (w->probe_free != UINT32_MAX) {
		s = w->probe_free;
		w->probe_free = w->probes[s].next_free;
	} else if (w->probe_high < w->probe_cap) {
		s = w->probe_high++;
		w->mem.state_bytes += sizeof(*w->probes);
	} else {
		w->stats.probes_full++;
		return NULL;
	}
	struct vg_an_probebuf *pb = &w->probes[s];

	if (++w->stats.probes_used > w->stats.probes_high)
		w->stats.probes_high = w->stats.probes_used;
	/* The buffers are written before they are read: only the header is cleared. */
	memset(pb, 0, offsetof(struct vg_an_probebuf, buf));
	return pb;
}

static void
probe_release(struct vg_an_worker *w, struct vg_an_conn *ac)
{
	if (ac->probe != 0) {
		uint32_t s = ac->probe - 1;

		w->probes[s].next_free = w->probe_free;
		w->probe_free = s;
		ac->probe = 0;
		w->stats.probes_used--;
	}
	ac->probing = 0;
}

/* Every probe has answered no in both directions: the connection goes unanalyzed. */
static void
probe_check_done(struct vg_an_worker *w, struct vg_conn *c, struct vg_an_conn *ac)
{
	if ((ac->probing & ~ac->no[0]) != 0 || (ac->probing & ~ac->no[1]) != 0)
		return;
	probe_release(w, ac);
	if (ac->natt == 0) {
		conn_rec_free(w, ac);
		c->an = w->idle_an;
	}
}

/* The connection has an analyzer record (not pending, not signatures only). */
static inline bool
has_rec(const struct vg_conn *c)
{
	return c->an != 0 && !(c->an & (PENDING | SIG_ONLY));
}

/* Live, and not handed its streams to another: gets stream, gap and eof. */
static bool
gets_streams(const struct vg_an_att *a)
{
	return (a->flags & (VG_ATT_LIVE | VG_ATT_HANDED)) == VG_ATT_LIVE;
}

/*
 * In-order bytes to the live analyzers attached at index `first` and later.
 * One that hands off during its call (vg_an_handoff) passes the rest of
 * these bytes to the analyzer it started, once its call returned.
 */
static void
stream_from(struct vg_an_worker *w, struct vg_an_ctx *cx, uint8_t first, bool is_orig,
	const uint8_t *data, uint32_t len)
{
	struct vg_an_conn *ac = cx->ac;
	uint8_t n = ac->natt;

	if (len == 0)
		return;
	for (uint8_t i = first; i < n; i++) {
		struct vg_an_att *a = &ac->att[i];
		const struct vg_analyzer *an = w->ans[a->an];

		if (!gets_streams(a) || an->stream == NULL)
			continue;
		cx->att = i;
		an->stream(vg_an_state(w, a), cx, is_orig, data, len);
		if (cx->handoff_att == 0xff)
			continue;
		struct vg_an_att *b = &ac->att[cx->handoff_att];
		const struct vg_analyzer *bn = w->ans[b->an];
		uint32_t from = cx->handoff_from;

		cx->att = cx->handoff_att;
		cx->handoff_att = 0xff;
		if (from < len && gets_streams(b) && bn->stream != NULL)
			bn->stream(vg_an_state(w, b), cx, is_orig, data + from, len - from);
	}
}

/* In-order bytes to every live analyzer of the connection. */
static void
stream_to_all(struct vg_an_worker *w, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data,
	uint32_t len)
{
	stream_from(w, cx, 0, is_orig, data, len);
}

/* Attaches every analyzer in `yes`; true when one attached. */
static bool
attach_set(struct vg_an_worker *w, struct vg_an_ctx *cx, uint32_t yes)
{
	bool any = false;

	for (uint32_t i = 0; i < w->nan; i++) {
		if (!(yes >> i & 1) || !vg_an_attach(w, cx, i))
			continue;
		w->stats.probe_attached++;
		any = true;
	}
	return any;
}

/* What the probes buffered, in the order it came, to the analyzers attached at `first` on. */
static void
probe_replay(struct vg_an_worker *w, struct vg_an_ctx *cx, uint8_t first,
	const struct vg_an_probebuf *pb)
{
	uint32_t off[2] = {0, 0};

	for (uint8_t k = 0; k < pb->nseg; k++) {
		uint8_t sd = pb->seg[k].dir;

		stream_from(w, cx, first, sd == 0, pb->buf[sd] + off[sd], pb->seg[k].len);
		off[sd] += pb->seg[k].len;
	}
}

/*
 * TCP: the direction's first bytes (up to VG_AN_PROBE_BYTES, Zeek's
 * dpd_buffer_size) go to every probe still undecided. YES attaches the
 * analyzer, which then gets what both directions sent so far, in the order
 * it came; NO, or MAYBE with the buffer full, rules it out for the direction.
 */
static void
tcp_probe(struct vg_an_worker *w, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data,
	uint32_t len)
{
	struct vg_an_conn *ac = cx->ac;

	if (ac->probe == 0) {
		struct vg_an_probebuf *fresh = probe_get(w);

		if (fresh == NULL) {
			ac->no[0] = ac->no[1] = ac->probing;
			probe_check_done(w, cx->c, ac);
			return;
		}
		ac->probe = (uint32_t)(fresh - w->probes) + 1;
	}
	struct vg_an_probebuf *pb = &w->probes[ac->probe - 1];
	int d = is_orig ? 0 : 1;
	uint32_t take = VG_MIN(len, (uint32_t)(VG_AN_PROBE_BYTES - pb->len[d]));

	if (take > 0 && pb->nseg > 0 && pb->seg[pb->nseg - 1].dir == d) {
		pb->seg[pb->nseg - 1].len += (uint16_t)take;
	} else if (take > 0 && pb->nseg < VG_AN_PROBE_SEGS) {
		pb->seg[pb->nseg].dir = (uint8_t)d;
		pb->seg[pb->nseg++].len = (uint16_t)take;
	} else {
		take = 0; /* the order could not be kept: decide with what there is */
		pb->full[0] = pb->full[1] = 1;
	}
	memcpy(pb->buf[d] + pb->len[d], data, take);
	pb->len[d] += (uint16_t)take;
	if (take < len)
		pb->full[d] = 1;

	uint32_t yes = 0, ask = ac->probing & ~ac->no[d] & ~pb->yes[d];

	for (uint32_t i = 0; i < w->nan; i++) {
		uint32_t bit = 1u << i;

		if (!(ask & bit))
			continue;
		enum vg_an_probe r = w->ans[i]->probe(pb->buf[d], pb->len[d], is_orig);

		if (r == VG_PROBE_YES && w->ans[i]->probe_both && !(pb->yes[!d] & bit)) {
			pb->yes[d] |= bit; /* wait for the other direction */
		} else if (r == VG_PROBE_YES) {
			yes |= bit;
		} else if (r == VG_PROBE_NO || pb->full[d]) {
			ac->no[d] |= bit;
			if (pb->yes[!d] & bit)
				ac->no[!d] |= bit; /* the pair can no longer match */
		}
	}
	/* Analyzers attached before (vg_an_redetect's) already have these bytes. */
	uint8_t first = ac->natt;

	if (yes != 0 && attach_set(w, cx, yes)) {
		probe_replay(w, cx, first, pb);
		stream_from(w, cx, first, is_orig, data + take, len - take);
		probe_release(w, ac);
		return;
	}
	probe_check_done(w, cx->c, ac);
}

/* ---- DPD by signature (`enable` actions) --------------------------------- */

/* The analyzers signatures enabled for c in the call just made. */
static uint32_t
enable_take(struct vg_an_worker *w, const struct vg_conn *c)
{
	if (w->en_bits == 0 || w->en_conn != c)
		return 0;
	uint32_t bits = w->en_bits;

	w->en_bits = 0;
	w->en_conn = NULL;
	return bits;
}

/* The analyzer record of a connection that has none yet (nothing attached by port or probe). */
static struct vg_an_conn *
enable_rec(struct vg_an_worker *w, struct vg_flow_table *ft, struct vg_conn *c)
{
	if (c->an != w->idle_an)
		return NULL;
	return conn_rec_new(w, ft, c);
}

/*
 * Attaches the enabled analyzers not attached yet (PIA's ActivateAnalyzer):
 * each first gets what the content probes buffered of both directions, in
 * the order it came; the bytes of the current call come after, as to every
 * analyzer. Content detection ends here: a signature decided.
 */
static void
enable_attach(struct vg_an_worker *w, struct vg_an_ctx *cx, uint32_t en)
{
	struct vg_an_conn *ac = cx->ac;
	uint8_t first = ac->natt;

	for (uint8_t i = 0; i < ac->natt; i++)
		en &= ~(1u << ac->att[i].an);
	if (en == 0 || !attach_set(w, cx, en))
		return;
	w->sig_stats.enabled++;
	if (ac->probe != 0)
		probe_replay(w, cx, first, &w->probes[ac->probe - 1]);
	probe_release(w, ac);
}

/* UDP: each datagram is whole, so MAYBE counts as no. */
static bool
udp_probe(struct vg_an_worker *w, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data,
	uint32_t len)
{
	struct vg_an_conn *ac = cx->ac;
	int d = is_orig ? 0 : 1;
	uint32_t yes = 0, ask = ac->probing & ~ac->no[d];

	for (uint32_t i = 0; i < w->nan; i++) {
		if (!(ask >> i & 1))
			continue;
		if (w->ans[i]->probe(data, len, is_orig) == VG_PROBE_YES)
			yes |= 1u << i;
		else
			ac->no[d] |= 1u << i;
	}
	if (yes != 0 && attach_set(w, cx, yes)) {
		probe_release(w, ac);
		return true;
	}
	probe_check_done(w, cx->c, ac);
	return false;
}

/* After the ports: probes get the connection's first bytes (none attached by port). */
static void
start_probing(struct vg_an_worker *w, struct vg_an_conn *ac, uint32_t mask)
{
	/* TCP's buffers come with the first bytes: a SYN-only attempt holds none. */
	ac->probing = mask;
	w->stats.probed++;
}

/*
 * vg_an_redetect only asks; the probes start over once the call that asked
 * has returned (it may come in the middle of a probe's replay, whose
 * buffer must not go away under it), on the bytes that come next.
 */
void
vg_an_redetect(struct vg_an_ctx *cx)
{
	if (cx->ac->redetect == VG_REDETECT_NONE && cx->c->kind == VG_KIND_TCP)
		cx->ac->redetect = VG_REDETECT_ASKED;
}

/*
 * The probes of the analyzers not live on the connection start over, both
 * directions, beside the analyzers already there (Zeek's PIA_TCP child with
 * FirstPacket for each side). What one attaches is replayed only what was
 * buffered for the probes.
 */
static void
redetect_start(struct vg_an_worker *w, struct vg_an_conn *ac)
{
	uint32_t live = 0;

	if (ac->redetect != VG_REDETECT_ASKED)
		return;
	ac->redetect = VG_REDETECT_DONE;
	for (uint8_t i = 0; i < ac->natt; i++)
		if (ac->att[i].flags & VG_ATT_LIVE)
			live |= 1u << ac->att[i].an;
	probe_release(w, ac);
	ac->no[0] = ac->no[1] = 0;
	ac->probing = w->probe_tcp & ~live;
	w->stats.redetects++;
}

/* ---- the flow table's hooks -------------------------------------------- */

static inline bool
port_bit(const uint64_t *bits, uint16_t port)
{
	return (bits[port / 64] >> (port % 64)) & 1;
}

static bool
has_port(const uint16_t *ports, uint16_t port)
{
	for (; ports != NULL && *ports != 0; ports++)
		if (*ports == port)
			return true;
	return false;
}

static void tcp_eof(struct vg_an_worker *w, struct vg_flow_table *ft, struct vg_conn *c,
	struct vg_an_conn *ac, uint64_t ts, bool is_orig);

/*
 * ApplyScheduledAnalyzers: a TCP connection that was expected gets the
 * expected analyzer and no other (BuildInitialAnalyzerTree skips the ports
 * then). True when the connection was expected.
 */
static bool
expected_attach(struct vg_an_worker *w, struct vg_flow_table *ft, struct vg_conn *c, uint64_t ts)
{
	struct vg_an_expect e;
	const struct vg_analyzer *an =
		vg_an_expect_find(w, &c->orig_h, &c->resp_h, c->resp_p, ts, &e);
	uint32_t i;

	if (an == NULL)
		return false;
	for (i = 0; i < w->nan && w->ans[i] != an; i++)
		;
	if (i == w->nan)
		return false; /* not loaded in this run */
	struct vg_an_conn *ac = conn_rec_new(w, ft, c);

	if (ac == NULL)
		return true;
	if (e.origin_worker == w->index) {
		ac->origin = e.origin;
		ac->origin_conn = e.origin_conn;
		ac->origin_gen = e.origin_gen;
		ac->origin_att = e.origin_att;
	}
	struct vg_an_ctx cx;

	ctx_init(&cx, w, ft, c, ac, ts);
	if (!vg_an_attach(w, &cx, i)) {
		conn_rec_free(w, ac);
		c->an = w->idle_an;
	}
	return true;
}

/*
 * A new connection: remembered as wanting analyzers when some analyzer is
 * registered for the responder's port or a probe could take it; the state
 * comes with its first content (conn_start). An expected TCP connection
 * gets its analyzer at once (expected_attach): it is rare, and Zeek applies
 * scheduled analyzers when the connection is made.
 */
static void
hook_conn_new(void *ctx, struct vg_flow_table *ft, struct vg_conn *c, uint64_t ts)
{
	struct vg_an_worker *w = ctx;

	if (__builtin_expect(!w->bound, 0))
		vg_an_counters_bind(w); /* on the worker's thread, once */
	if (c->kind == VG_KIND_TCP && w->exp_used > 0 && expected_attach(w, ft, c, ts))
		return;
	if (c->kind == VG_KIND_UDP) {
		if (port_bit(w->udp_ports, c->resp_p) || w->probe_udp != 0)
			c->an = PENDING | c->resp_p;
	} else if (c->kind == VG_KIND_TCP) {
		if (port_bit(w->tcp_ports, c->resp_p) || w->probe_tcp != 0)
			c->an = PENDING | c->resp_p;
	}
	if (c->an == 0 && c->kind != VG_KIND_OTHER)
		c->an = w->idle_an;
}

/*
 * Zeek's BuildInitialAnalyzerTree, at the connection's first content: the
 * analyzers registered for the responder's port when it was created, else
 * the probes. Directions that ended before any byte are told now, in order.
 */
static void
conn_start(struct vg_an_worker *w, struct vg_flow_table *ft, struct vg_conn *c, uint64_t ts)
{
	uint32_t pend = c->an;
	uint16_t port = (uint16_t)(pend & PENDING_PORT);
	bool udp = c->kind == VG_KIND_UDP;
	uint8_t want = udp ? VG_AN_UDP : VG_AN_TCP;
	uint32_t probes = udp ? w->probe_udp : w->probe_tcp;

	c->an = w->idle_an;
	struct vg_an_conn *ac = conn_rec_new(w, ft, c);

	if (ac == NULL)
		return;
	struct vg_an_ctx cx;

	ctx_init(&cx, w, ft, c, ac, ts);
	/* A shadow listener's connections carry HTTP only (as a port registered for it). */
	bool shadow = ft->cfg.shadow && !udp;

	if (shadow || port_bit(udp ? w->udp_ports : w->tcp_ports, port)) {
		for (uint32_t i = 0; i < w->nan; i++) {
			const struct vg_analyzer *a = w->ans[i];
			const uint16_t *ports = udp ? a->udp_ports : a->tcp_ports;
			bool http = shadow && strcmp(a->name, "http") == 0;

			if ((a->transports & want) && (http || (!shadow && has_port(ports, port))))
				vg_an_attach(w, &cx, i);
		}
	}
	if (ac->natt == 0 && probes != 0)
		start_probing(w, ac, probes);
	if (ac->natt == 0 && ac->probing == 0) {
		conn_rec_free(w, ac);
		c->an = w->idle_an;
		return;
	}
	if ((pend & PENDING_EOF_O) && (ac = vg_an_conn_get(w, ft, c)) != NULL)
		tcp_eof(w, ft, c, ac, ts, true);
	if ((pend & PENDING_EOF_R) && (ac = vg_an_conn_get(w, ft, c)) != NULL)
		tcp_eof(w, ft, c, ac, ts, false);
}

/* The connection's analyzer record, made at its first content; NULL: none. */
static struct vg_an_conn *
conn_rec_content(struct vg_an_worker *w, struct vg_flow_table *ft, struct vg_conn *c, uint64_t ts)
{
	if (c->an & PENDING)
		conn_start(w, ft, c, ts);
	return vg_an_conn_get(w, ft, c);
}

static void
hook_tcp_data(void *ctx, struct vg_flow_table *ft, struct vg_conn *c, uint64_t ts, bool is_orig,
	const uint8_t *data, uint32_t len)
{
	struct vg_an_worker *w = ctx;

	uint32_t en = 0;

	if (w->sig != NULL) {
		vg_sig_stream(vg_an_sig_for(w, ft, c), ft, c, ts, is_orig, data, len);
		en = enable_take(w, c);
	}
	struct vg_an_conn *ac = conn_rec_content(w, ft, c, ts);

	if (ac == NULL && en != 0)
		ac = enable_rec(w, ft, c);
	if (ac == NULL)
		return;
	struct vg_an_ctx cx;

	ctx_init(&cx, w, ft, c, ac, ts);
	if (en != 0)
		enable_attach(w, &cx, en);
	/* After vg_an_redetect the analyzers above the probes get the bytes first. */
	if (ac->natt > 0)
		stream_to_all(w, &cx, is_orig, data, len);
	if (ac->probing != 0 && ac->redetect != VG_REDETECT_ASKED)
		tcp_probe(w, &cx, is_orig, data, len);
	if (has_rec(c))
		redetect_start(w, ac);
}

static void
hook_tcp_gap(void *ctx, struct vg_flow_table *ft, struct vg_conn *c, uint64_t ts, bool is_orig,
	uint64_t len)
{
	struct vg_an_worker *w = ctx;

	if (w->sig != NULL)
		vg_sig_gap(vg_an_sig_for(w, ft, c), ft, c, is_orig);
	struct vg_an_conn *ac = conn_rec_content(w, ft, c, ts);

	if (ac == NULL)
		return;
	if (ac->probing != 0) {
		/* A hole in the first bytes: the probes give up on this direction. */
		ac->no[is_orig ? 0 : 1] = ac->probing;
		probe_check_done(w, c, ac);
		if (!has_rec(c))
			return;
	}
	struct vg_an_ctx cx;

	ctx_init(&cx, w, ft, c, ac, ts);
	for (uint8_t i = 0; i < ac->natt; i++) {
		struct vg_an_att *a = &ac->att[i];
		const struct vg_analyzer *an = w->ans[a->an];

		if (!gets_streams(a) || an->gap == NULL)
			continue;
		cx.att = i;
		an->gap(vg_an_state(w, a), &cx, is_orig, len);
	}
	redetect_start(w, ac);
}

static void
tcp_eof(struct vg_an_worker *w, struct vg_flow_table *ft, struct vg_conn *c, struct vg_an_conn *ac,
	uint64_t ts, bool is_orig)
{
	if (ac->probing != 0) {
		/* The direction ended undecided: what it sent is all a probe gets. */
		ac->no[is_orig ? 0 : 1] = ac->probing;
		probe_check_done(w, c, ac);
		if (!has_rec(c))
			return;
	}
	struct vg_an_ctx cx;

	ctx_init(&cx, w, ft, c, ac, ts);
	for (uint8_t i = 0; i < ac->natt; i++) {
		struct vg_an_att *a = &ac->att[i];
		const struct vg_analyzer *an = w->ans[a->an];

		if (!gets_streams(a) || an->eof == NULL)
			continue;
		cx.att = i;
		an->eof(vg_an_state(w, a), &cx, is_orig);
	}
	redetect_start(w, ac);
}

static void
hook_tcp_eof(void *ctx, struct vg_flow_table *ft, struct vg_conn *c, uint64_t ts, bool is_orig)
{
	struct vg_an_worker *w = ctx;

	if (c->an & PENDING) {
		/* Ended before its first byte: told when the other direction sends one. */
		c->an |= is_orig ? PENDING_EOF_O : PENDING_EOF_R;
		return;
	}
	struct vg_an_conn *ac = vg_an_conn_get(w, ft, c);

	if (ac != NULL)
		tcp_eof(w, ft, c, ac, ts, is_orig);
}

static void
hook_udp_payload(void *ctx, struct vg_flow_table *ft, struct vg_conn *c, const struct vg_pkt *pkt,
	bool is_orig)
{
	struct vg_an_worker *w = ctx;
	/* The packet hook matched this datagram's signatures before. */
	uint32_t en = enable_take(w, c);
	struct vg_an_conn *ac = conn_rec_content(w, ft, c, pkt->ts_ns);

	if (ac == NULL && en != 0)
		ac = enable_rec(w, ft, c);
	if (ac == NULL)
		return;
	uint32_t len = pkt->payload_len < pkt->payload_cap ? pkt->payload_len : pkt->payload_cap;
	struct vg_an_ctx cx;

	ctx_init(&cx, w, ft, c, ac, pkt->ts_ns);
	if (en != 0)
		enable_attach(w, &cx, en);
	if (ac->probing != 0 && !udp_probe(w, &cx, is_orig, pkt->payload, len))
		return;
	for (uint8_t i = 0; i < ac->natt; i++) {
		struct vg_an_att *a = &ac->att[i];
		const struct vg_analyzer *an = w->ans[a->an];

		if (!(a->flags & VG_ATT_LIVE) || an->datagram == NULL)
			continue;
		cx.att = i;
		an->datagram(vg_an_state(w, a), &cx, is_orig, pkt->payload, len);
	}
}

static void
hook_flip(void *ctx, struct vg_flow_table *ft, struct vg_conn *c)
{
	struct vg_an_worker *w = ctx;

	if (w->sig != NULL)
		vg_sig_flip(vg_an_sig_for(w, ft, c), ft, c);
	if (c->an & PENDING) {
		/* No state yet: only the ended directions swap (the port stays the
		 * creation's, as the analyzers attached by it would have). */
		uint32_t o = c->an & PENDING_EOF_O, r = c->an & PENDING_EOF_R;

		c->an = (c->an & ~(PENDING_EOF_O | PENDING_EOF_R)) | (o ? PENDING_EOF_R : 0) |
			(r ? PENDING_EOF_O : 0);
		return;
	}
	struct vg_an_conn *ac = vg_an_conn_get(w, ft, c);

	if (ac == NULL)
		return;
	for (uint8_t i = 0; i < ac->natt; i++) {
		const struct vg_analyzer *an = w->ans[ac->att[i].an];

		if (an->flip != NULL)
			an->flip(vg_an_state(w, &ac->att[i]));
	}
}

/* The confirmed services, comma-separated, in the order they were confirmed. */
static uint32_t
service_list(const struct vg_an_worker *w, const struct vg_an_conn *ac, char *svc, uint32_t cap)
{
	uint32_t n = 0;

	for (uint8_t i = 0; i < ac->nsvc; i++) {
		const char *name = w->ans[ac->svc[i]]->name;
		uint32_t l = (uint32_t)strlen(name);

		if (n + (n > 0) + l > cap)
			break;
		if (n > 0)
			svc[n++] = ',';
		memcpy(svc + n, name, l);
		n += l;
	}
	return n;
}

static uint32_t
hook_conn_end(void *ctx, struct vg_flow_table *ft, struct vg_conn *c, enum vg_conn_end why,
	char *svc, uint32_t cap)
{
	struct vg_an_worker *w = ctx;

	/* The signatures' end-of-connection rules (Zeek's PIA_Done) come first. */
	if (w->sig != NULL) {
		struct vg_sig_worker *sw = vg_an_sig_for(w, ft, c);

		vg_sig_conn_end(sw, ft, c, VG_MAX(vg_flow_now(ft), c->last_ns));
		if (sw != w->sig)
			vg_an_sig_retire_if_done(w);
	}
	struct vg_an_conn *ac = vg_an_conn_get(w, ft, c);

	if (ac == NULL) {
		c->an = 0; /* never sent a byte: nothing was taken */
		return 0;
	}
	struct vg_an_ctx cx;

	ctx_init(&cx, w, ft, c, ac, vg_flow_now(ft) > c->last_ns ? vg_flow_now(ft) : c->last_ns);
	/* Every analyzer flushes, detached ones too: their pending records still count. */
	for (uint8_t i = 0; i < ac->natt; i++) {
		const struct vg_analyzer *an = w->ans[ac->att[i].an];

		cx.att = i;
		if (an->end != NULL)
			an->end(vg_an_state(w, &ac->att[i]), &cx, (enum vg_an_end)why);
	}
	uint32_t n = service_list(w, ac, svc, cap);

	for (uint8_t i = 0; i < ac->natt; i++)
		pool_put(&w->states[ac->att[i].an], ac->att[i].state);
	w->stats.states_used -= ac->natt;
	probe_release(w, ac);
	conn_rec_free(w, ac);
	c->an = 0;
	return n;
}

/* The console's show flows: the services confirmed so far. */
static uint32_t
hook_services(void *ctx, struct vg_flow_table *ft, struct vg_conn *c, char *svc, uint32_t cap)
{
	struct vg_an_worker *w = ctx;
	const struct vg_an_conn *ac = vg_an_conn_get(w, ft, c);

	return ac != NULL ? service_list(w, ac, svc, cap) : 0;
}

static void
hook_packet(void *ctx, struct vg_flow_table *ft, struct vg_conn *c, const struct vg_pkt *pkt,
	bool is_orig)
{
	struct vg_an_worker *w = ctx;

	vg_sig_packet(vg_an_sig_for(w, ft, c), ft, c, pkt, is_orig);
}

bool
vg_an_worker_has_sig(const struct vg_an_worker *w)
{
	return w->sig != NULL;
}

const struct vg_sig_stats *
vg_an_worker_sig_stats(const struct vg_an_worker *w)
{
	return w->sig != NULL ? &w->sig_stats : NULL;
}

const struct vg_flow_hooks vg_an_flow_hooks_sig = {
	.conn_new = hook_conn_new,
	.packet = hook_packet,
	.udp_payload = hook_udp_payload,
	.tcp_data = hook_tcp_data,
	.tcp_gap = hook_tcp_gap,
	.tcp_eof = hook_tcp_eof,
	.flip = hook_flip,
	.conn_end = hook_conn_end,
	.services = hook_services,
};

const struct vg_flow_hooks vg_an_flow_hooks = {
	.conn_new = hook_conn_new,
	.udp_payload = hook_udp_payload,
	.tcp_data = hook_tcp_data,
	.tcp_gap = hook_tcp_gap,
	.tcp_eof = hook_tcp_eof,
	.flip = hook_flip,
	.conn_end = hook_conn_end,
	.services = hook_services,
};
