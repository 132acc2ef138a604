/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table: a connection pool and a chained hash, both allocated once;
 * inactivity lists (least recently active first) per timeout class; and two
 * FIFO timer queues for TCP attempt and close timers, which are armed in time
 * order so the earliest is always at the head. Everything runs on network
 * time, advanced by the packets themselves.
 */
#include <errno.h>
#include <stdlib.h>

#include "vg_flow_private.h"
#include "vg_hash.h"

#define DEFAULT_MAX_FLOWS VG_FLOW_DEFAULT_MAX

static const uint64_t idle_timeout[] = {VG_TIMEOUT_SHORT, VG_TIMEOUT_TCP};

/* ---- hashing ---------------------------------------------------------- */

uint64_t
vg_flow_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* ---- lists and timers ------------------------------------------------- */

static inline uint32_t
conn_index(const struct vg_flow_table *ft, const struct vg_conn *c)
{
	return (uint32_t)(c - ft->conns);
}

/* When the connection times out if nothing more is seen. */
static inline uint64_t
idle_expiry(const struct vg_conn *c)
{
	return c->last_ns + idle_timeout[c->idle_class];
}

static inline bool
idle_expired(const struct vg_conn *c, uint64_t now)
{
	return c->idle_class < VG_IDLE_NONE && idle_expiry(c) <= now;
}

static void
idle_unlink(struct vg_flow_table *ft, struct vg_conn *c)
{
	if (c->idle_class >= VG_IDLE_NONE)
		return;
	if (c->idle_prev != VG_NIL)
		ft->conns[c->idle_prev].idle_next = c->idle_next;
	else if (ft->sweep_head == conn_index(ft, c))
		ft->sweep_head = c->idle_next; /* its slot is being collected */
	else
		ft->idle_wheel[c->idle_slot] = c->idle_next;
	if (c->idle_next != VG_NIL)
		ft->conns[c->idle_next].idle_prev = c->idle_prev;
	c->idle_class = VG_IDLE_NONE;
}

/* Puts the connection in the slot of its expiry (never one already collected). */
static void
idle_insert(struct vg_flow_table *ft, struct vg_conn *c, uint8_t cls)
{
	uint32_t idx = conn_index(ft, c);
	uint64_t at;
	uint16_t slot;

	c->idle_class = cls;
	at = idle_expiry(c) >> VG_IDLE_SLOT_SHIFT;
	if (at < ft->idle_cursor)
		at = ft->idle_cursor;
	slot = (uint16_t)(at % VG_IDLE_SLOTS);
	c->idle_slot = slot;
	c->idle_prev = VG_NIL;
	c->idle_next = ft->idle_wheel[slot];
	if (c->idle_next != VG_NIL)
		ft->conns[c->idle_next].idle_prev = idx;
	ft->idle_wheel[slot] = idx;
}

void
vg_flow_set_long_timeout(struct vg_flow_table *ft, struct vg_conn *c)
{
	/* The expiry only moves later: the wheel finds out when the slot comes. */
	(void)ft;
	if (c->idle_class < VG_IDLE_NONE)
		c->idle_class = VG_IDLE_TCP;
}

/* ---- timer lists -------------------------------------------------------- */

/* Which link of the connection a list uses. */
static inline int
tq_link(enum vg_tq q)
{
	return q == VG_TQ_ATTEMPT ? 0 : 1;
}

static void
tq_append(struct vg_flow_table *ft, enum vg_tq q, struct vg_conn *c)
{
	struct vg_tq_list *l = &ft->tq[q];
	uint32_t idx = conn_index(ft, c);
	int k = tq_link(q);

	c->tq_prev[k] = l->tail;
	c->tq_next[k] = VG_NIL;
	if (l->tail != VG_NIL)
		ft->conns[l->tail].tq_next[k] = idx;
	else
		l->head = idx;
	l->tail = idx;
	l->count++;
}

static void
tq_unlink(struct vg_flow_table *ft, enum vg_tq q, struct vg_conn *c)
{
	struct vg_tq_list *l = &ft->tq[q];
	int k = tq_link(q);

	if (c->tq_prev[k] != VG_NIL)
		ft->conns[c->tq_prev[k]].tq_next[k] = c->tq_next[k];
	else
		l->head = c->tq_next[k];
	if (c->tq_next[k] != VG_NIL)
		ft->conns[c->tq_next[k]].tq_prev[k] = c->tq_prev[k];
	else
		l->tail = c->tq_prev[k];
	l->count--;
}

/* The list the connection's close link is on. */
static inline enum vg_tq
tq_close_list(const struct vg_conn *c)
{
	return (c->tq_on & VG_TQ_ON_EXPIRE) ? VG_TQ_EXPIRE : VG_TQ_CLOSE;
}

/* Takes the connection off every timer list (it is being removed). */
static void
tq_remove(struct vg_flow_table *ft, struct vg_conn *c)
{
	if (c->tq_on & VG_TQ_ON_ATTEMPT)
		tq_unlink(ft, VG_TQ_ATTEMPT, c);
	if (c->tq_on & VG_TQ_ON_CLOSE)
		tq_unlink(ft, tq_close_list(c), c);
	c->tq_on = 0;
}

/*
 * Arms the close or expire timer at `at`. Kept in time order: a time earlier
 * than the list's last (a packet out of order) runs with it, a little late,
 * never early.
 */
static void
tq_arm_close(struct vg_flow_table *ft, struct vg_conn *c, enum vg_tq q, uint64_t at)
{
	struct vg_tq_list *l = &ft->tq[q];

	if (c->tq_on & VG_TQ_ON_CLOSE)
		tq_unlink(ft, tq_close_list(c), c);
	if (l->tail != VG_NIL && ft->conns[l->tail].close_at > at)
		at = ft->conns[l->tail].close_at;
	c->close_at = at;
	c->tq_on = (uint8_t)((c->tq_on & VG_TQ_ON_ATTEMPT) | VG_TQ_ON_CLOSE |
		(q == VG_TQ_EXPIRE ? VG_TQ_ON_EXPIRE : 0));
	tq_append(ft, q, c);
}

void
vg_flow_arm_attempt(struct vg_flow_table *ft, struct vg_conn *c)
{
	/* One attempt timer per connection: an earlier one already covers it. */
	if (c->tq_on & VG_TQ_ON_ATTEMPT)
		return;
	c->tq_on |= VG_TQ_ON_ATTEMPT;
	tq_append(ft, VG_TQ_ATTEMPT, c);
}

void
vg_flow_arm_close(struct vg_flow_table *ft, struct vg_conn *c, uint64_t at_ns)
{
	tq_arm_close(ft, c, VG_TQ_CLOSE, at_ns);
}

/* ---- pool ------------------------------------------------------------- */

struct vg_flow_table *
vg_flow_table_create(const struct vg_flow_cfg *cfg)
{
	struct vg_flow_table *ft = calloc(1, sizeof(*ft));
	uint32_t n;

	if (ft == NULL)
		return NULL;
	ft->cfg = *cfg;
	n = cfg->max_flows ? cfg->max_flows : DEFAULT_MAX_FLOWS;
	ft->cfg.max_flows = n;
	/*
	 * A quarter as many buckets as connections: chains stay short (four on
	 * average in a full table) while the bucket array, read at a random place
	 * for every packet, stays small enough for the caches. Measured on a
	 * 10000-flow replay: 1M buckets 2.45 Mpps, 64K buckets 3.0 Mpps.
	 */
	ft->nbuckets = 1;
	while (ft->nbuckets < n / 4)
		ft->nbuckets <<= 1;
	ft->conns = vg_bigmem_alloc((size_t)n * sizeof(*ft->conns));
	ft->buckets = vg_bigmem_alloc((size_t)ft->nbuckets * sizeof(*ft->buckets));
	struct vg_reasm_cfg rc = {.memory = cfg->reasm_memory, .depth = cfg->reasm_depth};

	ft->reasm = vg_reasm_pool_create(&rc);
	if (ft->conns == NULL || ft->buckets == NULL || ft->reasm == NULL) {
		vg_flow_table_free(ft);
		errno = ENOMEM;
		return NULL;
	}
	memset(ft->buckets, 0xff, (size_t)ft->nbuckets * sizeof(*ft->buckets));
	/* Slots are handed out from high_water up, so untouched memory stays unbacked;
	 * freed ones go on the free list. */
	ft->free_head = VG_NIL;
	ft->high_water = 0;
	for (int i = 0; i < VG_IDLE_SLOTS; i++)
		ft->idle_wheel[i] = VG_NIL;
	ft->sweep_head = VG_NIL;
	for (int q = 0; q < VG_TQ_N; q++)
		ft->tq[q].head = ft->tq[q].tail = VG_NIL;
	ft->time_window_ns = cfg->time_window_ns ? cfg->time_window_ns : VG_TIME_WINDOW_DEFAULT;
	ft->uid_state = cfg->uid_seed ^ 0x5851f42d4c957f2dULL;
	return ft;
}

void
vg_flow_table_free(struct vg_flow_table *ft)
{
	if (ft == NULL)
		return;
	vg_bigmem_free(ft->conns, (size_t)ft->cfg.max_flows * sizeof(*ft->conns));
	vg_bigmem_free(ft->buckets, (size_t)ft->nbuckets * sizeof(*ft->buckets));
	vg_reasm_pool_free(ft->reasm);
	free(ft);
}

const struct vg_flow_stats *
vg_flow_stats(const struct vg_flow_table *ft)
{
	return &ft->stats;
}

const struct vg_reasm_stats *
vg_flow_reasm_stats(const struct vg_flow_table *ft)
{
	return vg_reasm_stats(ft->reasm);
}

uint32_t
vg_flow_conn_index(const struct vg_flow_table *ft, const struct vg_conn *c)
{
	return conn_index(ft, c);
}

struct vg_conn *
vg_flow_conn_at(struct vg_flow_table *ft, uint32_t idx, uint32_t gen)
{
	if (idx >= ft->high_water)
		return NULL;
	struct vg_conn *c = &ft->conns[idx];

	return c->in_use && c->gen == gen ? c : NULL;
}

uint64_t
vg_flow_now(const struct vg_flow_table *ft)
{
	return ft->now_ns;
}

void
vg_flow_flip(struct vg_flow_table *ft, struct vg_conn *c)
{
	vg_conn_flip(c);
	if (c->kind == VG_KIND_TCP) {
		vg_reasm_rehome(ft->reasm, &c->tcp[0].rhead);
		vg_reasm_rehome(ft->reasm, &c->tcp[1].rhead);
	}
	if (c->an != 0 && ft->cfg.hooks != NULL)
		ft->cfg.hooks->flip(ft->cfg.hooks_ctx, ft, c);
}

static uint64_t
next_rand(struct vg_flow_table *ft)
{
	/* splitmix64: deterministic per seed, so uids repeat for the same input. */
	uint64_t z = (ft->uid_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
bucket_unlink(struct vg_flow_table *ft, struct vg_conn *c, uint32_t idx)
{
	uint32_t *pp = &ft->buckets[c->key_hash & (ft->nbuckets - 1)];

	while (*pp != VG_NIL && *pp != idx)
		pp = &ft->conns[*pp].hnext;
	if (*pp == idx)
		*pp = c->hnext;
}

/*
 * Logs a connection and returns it to the pool. Its analyzers end first, so
 * their records precede conn.log and `service` is known when it is built.
 */
static void
conn_remove(struct vg_flow_table *ft, struct vg_conn *c, enum vg_conn_end why)
{
	uint32_t idx = conn_index(ft, c);
	char svc[256];
	uint32_t svc_len = 0;

	if (c->an != 0 && ft->cfg.hooks != NULL)
		svc_len = ft->cfg.hooks->conn_end(ft->cfg.hooks_ctx, ft, c, why, svc, sizeof(svc));
	c->an = 0;
	if (c->kind == VG_KIND_TCP) {
		vg_reasm_clear(ft->reasm, &c->tcp[0].rhead);
		vg_reasm_clear(ft->reasm, &c->tcp[1].rhead);
	}
	vg_conn_log(ft, c, svc, svc_len);
	vg_tunnels_on_remove(ft, c);
	bucket_unlink(ft, c, idx);
	idle_unlink(ft, c);
	tq_remove(ft, c);
	c->in_use = 0;
	c->gen++;
	c->hnext = ft->free_head;
	ft->free_head = idx;
	ft->stats.active--;
	ft->stats.active_kind[c->kind]--;
}

static struct vg_conn *
conn_alloc(struct vg_flow_table *ft)
{
	if (ft->free_head == VG_NIL && ft->high_water < ft->cfg.max_flows) {
		struct vg_conn *c = &ft->conns[ft->high_water++];

		memset(c, 0, sizeof(*c));
		c->in_use = 1;
		c->idle_class = VG_IDLE_NONE;
		return c;
	}
	if (ft->free_head == VG_NIL) {
		/* Full: the connection due to time out first makes room. */
		uint32_t victim = ft->sweep_head; /* the slot being collected comes first */

		for (uint32_t i = 0; i < VG_IDLE_SLOTS && victim == VG_NIL; i++)
			victim = ft->idle_wheel[(ft->idle_cursor + i) % VG_IDLE_SLOTS];
		if (victim == VG_NIL)
			return NULL;
		ft->stats.evicted++;
		if (ft->stats.evicted == 1)
			vg_weird_log(ft, ft->now_ns, NULL, NULL, NULL, VG_WEIRD_FLOW_TABLE_FULL,
				"vigil");
		conn_remove(ft, &ft->conns[victim], VG_CONN_END_EVICT);
	}
	uint32_t idx = ft->free_head;
	struct vg_conn *c = &ft->conns[idx];
	uint32_t gen = c->gen;

	ft->free_head = c->hnext;
	memset(c, 0, sizeof(*c));
	c->gen = gen;
	c->in_use = 1;
	c->idle_class = VG_IDLE_NONE;
	return c;
}

/* ---- timers ----------------------------------------------------------- */

static bool
tcp_removable(const struct vg_conn *c)
{
	const struct vg_tcp_ep *o = &c->tcp[0], *r = &c->tcp[1];

	if (o->did_close || r->did_close) {
		if ((o->did_close && r->did_close) || o->state == VG_TCP_RESET ||
			r->state == VG_TCP_RESET || o->state == VG_TCP_INACTIVE ||
			r->state == VG_TCP_INACTIVE)
			return true;
	}
	return o->state == VG_TCP_INACTIVE && r->state == VG_TCP_INACTIVE;
}

/*
 * Timer work runs on a budget: each step (a connection logged and freed,
 * moved on the wheel, or re-armed) takes one unit. Whatever is due beyond the
 * budget waits for the next call, in the same order; lookups check idle
 * expiry exactly, so a packet never joins a connection that is overdue.
 */
/* The attempt timer: a connection still unanswered goes. True if it went. */
static bool
attempt_timer(struct vg_flow_table *ft, struct vg_conn *c)
{
	uint8_t os = c->tcp[0].state, rs = c->tcp[1].state;

	tq_unlink(ft, VG_TQ_ATTEMPT, c);
	c->tq_on &= (uint8_t)~VG_TQ_ON_ATTEMPT;
	if ((os == VG_TCP_SYN_SENT || os == VG_TCP_SYN_ACK_SENT) && rs == VG_TCP_INACTIVE) {
		conn_remove(ft, c, VG_CONN_END_TIMEOUT);
		return true;
	}
	return false;
}

/* The close timer, then Zeek's expire timer (re-armed until removable). */
static bool
close_timer(struct vg_flow_table *ft, struct vg_conn *c, uint64_t now)
{
	if (c->removable_at_close || (c->last_ns + VG_TCP_LINGER < now && tcp_removable(c))) {
		conn_remove(ft, c, VG_CONN_END_TIMEOUT);
		return true;
	}
	tq_arm_close(ft, c, VG_TQ_EXPIRE, now + VG_TCP_SESSION_TIMER);
	return false;
}

static uint32_t
run_attempt_timers(struct vg_flow_table *ft, uint64_t now, uint32_t budget)
{
	struct vg_tq_list *l = &ft->tq[VG_TQ_ATTEMPT];

	while (budget > 0 && l->head != VG_NIL) {
		struct vg_conn *c = &ft->conns[l->head];

		if (c->start_ns + VG_TCP_ATTEMPT_DELAY > now)
			break;
		budget--;
		attempt_timer(ft, c);
	}
	return budget;
}

static uint32_t
run_close_timers(struct vg_flow_table *ft, enum vg_tq q, uint64_t now, uint32_t budget)
{
	struct vg_tq_list *l = &ft->tq[q];

	while (budget > 0 && l->head != VG_NIL) {
		struct vg_conn *c = &ft->conns[l->head];

		if (c->close_at > now)
			break;
		budget--;
		close_timer(ft, c, now);
	}
	return budget;
}

/*
 * The timers of the packet's own connection that are due by its time run
 * before it, whether or not the budget (or the once-a-millisecond look) got to
 * them: the packet sees the connection as Zeek would. True if it went.
 */
static bool
conn_timers_due(struct vg_flow_table *ft, struct vg_conn *c, uint64_t now)
{
	if ((c->tq_on & VG_TQ_ON_ATTEMPT) && c->start_ns + VG_TCP_ATTEMPT_DELAY <= now &&
		attempt_timer(ft, c))
		return true;
	if ((c->tq_on & VG_TQ_ON_CLOSE) && c->close_at <= now)
		return close_timer(ft, c, now);
	return false;
}

/* One connection of the slot being collected: it goes if idle, else moves on. */
static void
idle_collect_one(struct vg_flow_table *ft, uint64_t now)
{
	struct vg_conn *c = &ft->conns[ft->sweep_head];

	ft->sweep_head = c->idle_next;
	if (c->idle_next != VG_NIL)
		ft->conns[c->idle_next].idle_prev = VG_NIL;
	if (idle_expiry(c) <= now) {
		c->idle_class = VG_IDLE_NONE; /* already off the list */
		conn_remove(ft, c, VG_CONN_END_TIMEOUT);
	} else {
		idle_insert(ft, c, c->idle_class);
	}
}

static uint32_t
run_inactivity(struct vg_flow_table *ft, uint64_t now, uint32_t budget)
{
	uint64_t due = now >> VG_IDLE_SLOT_SHIFT; /* slots below this are in the past */

	if (ft->idle_cursor == 0) {
		ft->idle_cursor = due; /* the first packet */
		return budget;
	}
	/* A jump longer than the wheel turns: every slot once is enough. */
	if (due > ft->idle_cursor && due - ft->idle_cursor > VG_IDLE_SLOTS)
		ft->idle_cursor = due - VG_IDLE_SLOTS;
	while (budget > 0) {
		if (ft->sweep_head != VG_NIL) {
			idle_collect_one(ft, now);
			budget--;
			continue;
		}
		if (ft->idle_cursor >= due)
			break;
		/* Take the next slot off the wheel; what moves on lands in later slots. */
		uint32_t slot = (uint32_t)(ft->idle_cursor++ % VG_IDLE_SLOTS);

		ft->sweep_head = ft->idle_wheel[slot];
		ft->idle_wheel[slot] = VG_NIL;
	}
	return budget;
}

/* True while timer work is due at now (what a budget left over). */
static bool
timers_due(const struct vg_flow_table *ft, uint64_t now)
{
	const struct vg_tq_list *a = &ft->tq[VG_TQ_ATTEMPT], *c = &ft->tq[VG_TQ_CLOSE],
				*e = &ft->tq[VG_TQ_EXPIRE];

	return ft->sweep_head != VG_NIL || (now >> VG_IDLE_SLOT_SHIFT) > ft->idle_cursor ||
		(a->head != VG_NIL && ft->conns[a->head].start_ns + VG_TCP_ATTEMPT_DELAY <= now) ||
		(c->head != VG_NIL && ft->conns[c->head].close_at <= now) ||
		(e->head != VG_NIL && ft->conns[e->head].close_at <= now);
}

static void
run_timers(struct vg_flow_table *ft, uint64_t now, uint32_t budget)
{
	/* Never past network time as vg_flow_time() took it: a packet decoded
	 * before a bad first stamp was replaced still carries that stamp. */
	if (ft->clock_ns != 0 && now > ft->clock_ns)
		now = ft->clock_ns;
	if (now < ft->now_ns)
		now = ft->now_ns; /* network time never runs backwards */
	ft->now_ns = now;
	ft->next_check_ns = now + 1000000;
	budget = run_attempt_timers(ft, now, budget);
	budget = run_close_timers(ft, VG_TQ_CLOSE, now, budget);
	budget = run_close_timers(ft, VG_TQ_EXPIRE, now, budget);
	budget = run_inactivity(ft, now, budget);
	ft->timer_backlog = budget == 0 && timers_due(ft, now);
	if (ft->timer_backlog)
		ft->stats.timers_late++;
}

void
vg_flow_advance(struct vg_flow_table *ft, uint64_t now_ns)
{
	/* Timers are looked at once per millisecond of network time at most (every
	 * timeout is seconds long, and most packets come closer together), and at
	 * every packet while work is left over. */
	if (now_ns < ft->next_check_ns && !ft->timer_backlog)
		return;
	run_timers(ft, now_ns, VG_TIMER_BUDGET);
}

bool
vg_flow_idle(struct vg_flow_table *ft, uint64_t now_ns)
{
	if (now_ns > ft->clock_ns && ft->clock_ns != 0)
		ft->clock_ns = now_ns;
	run_timers(ft, now_ns, VG_TIMER_IDLE_BUDGET);
	return ft->timer_backlog;
}

void
vg_flow_flush(struct vg_flow_table *ft)
{
	/* Every slot ever used, in pool order; removal takes each off its lists. */
	for (uint32_t i = 0; i < ft->high_water; i++)
		if (ft->conns[i].in_use)
			conn_remove(ft, &ft->conns[i], VG_CONN_END_FLUSH);
	ft->timer_backlog = false;
}

/* ---- the per-packet path ---------------------------------------------- */

/* The connection's view of a packet's endpoints (ports, or ICMP type pairs). */
struct pkt_key {
	uint16_t sp, dp;
	uint8_t kind;
	bool one_way;
};

static void
pkt_key_of(const struct vg_pkt *pkt, struct pkt_key *k)
{
	k->one_way = false;
	switch (pkt->ip_proto) {
	case 6:
		k->kind = VG_KIND_TCP;
		k->sp = pkt->sport;
		k->dp = pkt->dport;
		return;
	case 17:
		k->kind = VG_KIND_UDP;
		k->sp = pkt->sport;
		k->dp = pkt->dport;
		return;
	case 1:
	case 58:
		if ((pkt->ip_proto == 1) == (pkt->ip_version == 4)) {
			k->kind = VG_KIND_ICMP;
			k->sp = pkt->icmp_type;
			k->dp = vg_icmp_counterpart(
				pkt->ip_proto == 58, pkt->icmp_type, pkt->icmp_code, &k->one_way);
			return;
		}
		break;
	}
	k->kind = VG_KIND_OTHER;
	k->sp = k->dp = 0;
}

static struct vg_conn *
lookup(struct vg_flow_table *ft, const struct vg_pkt *pkt, const struct pkt_key *k, uint64_t h,
	bool *is_orig)
{
	uint32_t idx = ft->buckets[h & (ft->nbuckets - 1)];

	while (idx != VG_NIL) {
		struct vg_conn *c = &ft->conns[idx];

		if (c->key_hash == h && c->ip_proto == pkt->ip_proto &&
			c->session == pkt->session) {
			if (c->orig_p == k->sp && c->resp_p == k->dp &&
				vg_addr_cmp(&c->orig_h, &pkt->src) == 0 &&
				vg_addr_cmp(&c->resp_h, &pkt->dst) == 0) {
				*is_orig = true;
				return c;
			}
			if (!c->one_way && c->orig_p == k->dp && c->resp_p == k->sp &&
				vg_addr_cmp(&c->orig_h, &pkt->dst) == 0 &&
				vg_addr_cmp(&c->resp_h, &pkt->src) == 0) {
				*is_orig = false;
				return c;
			}
		}
		idx = c->hnext;
	}
	return NULL;
}

/*
 * A packet outside the time window (vg_flow_time) is taken at network time
 * when it joins a connection that lives at network time: one stray stamp
 * changes nothing. It keeps its own time when it starts a connection, or
 * joins one that such packets started: the first packets after a real gap in
 * a capture (which network time follows once VG_TIME_CONFIRM agree) make
 * their connections at their own time, as Zeek would.
 */
static void
own_time(const struct vg_flow_table *ft, const struct vg_conn *c, struct vg_pkt *pkt)
{
	uint64_t own = pkt->ts_own_ns;

	if (c == NULL ||
		(own > c->last_ns ? own - c->last_ns : c->last_ns - own) <= ft->time_window_ns)
		pkt->ts_ns = own;
}

static struct vg_conn *
conn_create(struct vg_flow_table *ft, const struct vg_pkt *pkt, const struct pkt_key *k, uint64_t h)
{
	struct vg_conn *c = conn_alloc(ft);

	if (c == NULL)
		return NULL;
	uint32_t idx = conn_index(ft, c);

	c->kind = k->kind;
	c->ip_proto = pkt->ip_proto;
	c->is_v4 = pkt->ip_version == 4;
	c->one_way = k->one_way;
	c->key_hash = h;
	c->orig_h = pkt->src;
	c->resp_h = pkt->dst;
	c->orig_p = k->sp;
	c->resp_p = k->dp;
	c->start_ns = c->last_ns = pkt->ts_ns;
	c->session = pkt->session;
	c->mirrored = pkt->mirrored;
	c->nvlan = pkt->nvlan;
	c->vlan = pkt->vlan;
	c->inner_vlan = pkt->inner_vlan;
	c->has_l2 = pkt->has_l2;
	memcpy(c->orig_l2, pkt->l2_src, 6);
	memcpy(c->resp_l2, pkt->l2_dst, 6);
	c->orig.size = c->resp.size = -1;
	c->orig.hist_c.threshold = c->resp.hist_c.threshold = 1;
	for (int i = 0; i < 2; i++) {
		struct vg_tcp_ep_cold *cold = &c->tcp_cold[i];

		cold->hist_c.threshold = cold->hist_t.threshold = 1;
		cold->hist_w.threshold = cold->hist_g.threshold = 1;
		c->tcp[i].reasm.next = c->tcp[i].reasm.trim = 1;
		c->tcp[i].rhead = VG_REASM_NIL;
	}
	c->uid_hi = next_rand(ft);
	c->uid_lo = next_rand(ft);
	c->hnext = ft->buckets[h & (ft->nbuckets - 1)];
	ft->buckets[h & (ft->nbuckets - 1)] = idx;
	idle_insert(ft, c, VG_IDLE_SHORT);
	ft->stats.created++;
	ft->stats.active++;
	ft->stats.created_kind[k->kind]++;
	ft->stats.active_kind[k->kind]++;
	return c;
}

/* Keyed (vg_hash.h): the key is per process, so chains cannot be aimed at. */
static inline uint64_t
packet_hash(const struct vg_pkt *pkt, const struct pkt_key *k)
{
	return vg_hash_flow(
		&pkt->src, k->sp, &pkt->dst, k->dp, pkt->ip_proto, pkt->session, k->one_way);
}

bool
vg_flow_tcp_weird(struct vg_flow_table *ft, const struct vg_addr *orig_h, uint16_t orig_p,
	const struct vg_addr *resp_h, uint16_t resp_p, uint64_t ts, const char *name,
	const char *addl, const char *source)
{
	uint64_t h = vg_hash_flow(orig_h, orig_p, resp_h, resp_p, 6, 0, false);

	for (uint32_t idx = ft->buckets[h & (ft->nbuckets - 1)]; idx != VG_NIL;
		idx = ft->conns[idx].hnext) {
		const struct vg_conn *c = &ft->conns[idx];

		if (c->key_hash == h && c->ip_proto == 6 && c->session == 0 &&
			c->orig_p == orig_p && c->resp_p == resp_p &&
			vg_addr_cmp(&c->orig_h, orig_h) == 0 &&
			vg_addr_cmp(&c->resp_h, resp_h) == 0) {
			vg_flow_conn_weird_named(ft, c, ts, name, addl, source);
			return true;
		}
	}
	return false;
}

void
vg_flow_prefetch(struct vg_flow_table *ft, struct vg_pkt *pkt)
{
	struct pkt_key k;

	if (pkt->l4_ok == VG_L4_NONE)
		return;
	pkt_key_of(pkt, &k);
	pkt->flow_hash = packet_hash(pkt, &k);
	pkt->flow_hashed = 1;
	__builtin_prefetch(&ft->buckets[pkt->flow_hash & (ft->nbuckets - 1)]);
}

void
vg_flow_prefetch_conn(struct vg_flow_table *ft, const struct vg_pkt *pkt)
{
	if (!pkt->flow_hashed)
		return;
	uint32_t idx = ft->buckets[pkt->flow_hash & (ft->nbuckets - 1)];

	if (idx != VG_NIL) {
		/* The part every packet touches: the key, counters, history, TCP state. */
		const uint8_t *c = (const uint8_t *)&ft->conns[idx];

		for (size_t off = 0; off < offsetof(struct vg_conn, weird_logged); off += 64)
			__builtin_prefetch(c + off);
	}
}

/* 255.255.255.255 (IPv6 has no broadcast address). */
static bool
addr_is_broadcast(const struct vg_addr *a)
{
	static const uint8_t bcast[4] = {0xff, 0xff, 0xff, 0xff};

	return vg_addr_is_v4(a) && memcmp(a->b + 12, bcast, 4) == 0;
}

/* Zeek's UDPAnalyzer::WantConnection. */
static bool
udp_wants_flip(const struct vg_flow_table *ft, const struct vg_pkt *pkt)
{
	const struct vg_port_set *ps = ft->cfg.server_ports;

	return vg_port_set_has(ps, VG_PORT_UDP, pkt->sport) &&
		!vg_port_set_has(ps, VG_PORT_UDP, pkt->dport);
}

/* A weird that names no connection: addresses unless it is below IP. */
static void
log_pkt_weird(struct vg_flow_table *ft, const struct vg_pkt *pkt, const struct vg_pkt_weird *w)
{
	bool has_addr = w->scope != VG_WEIRD_SCOPE_NET && pkt->ip_version != 0;

	vg_weird_log(ft, pkt->ts_ns, NULL, has_addr ? &pkt->src : NULL, has_addr ? &pkt->dst : NULL,
		(enum vg_weird)w->code, w->source);
}

uint32_t
vg_flow_packet(struct vg_flow_table *ft, struct vg_pkt *pkt)
{
	struct pkt_key k;
	struct vg_conn *c;
	bool is_orig = true, created = false;

	/* Never later than network time (only a packet decoded before a bad first
	 * stamp was replaced can be: see vg_flow_time). */
	if (pkt->ts_ns > ft->clock_ns && ft->clock_ns != 0)
		pkt->ts_ns = ft->clock_ns;
	vg_flow_advance(ft, pkt->ts_ns);
	if (pkt->l4_ok == VG_L4_NONE) {
		vg_flow_packet_weirds(ft, pkt);
		return VG_FLOW_NONE;
	}
	pkt_key_of(pkt, &k);
	uint64_t h = pkt->flow_hashed ? pkt->flow_hash : packet_hash(pkt, &k);

	c = lookup(ft, pkt, &k, h, &is_orig);
	if (pkt->ts_own_ns != 0)
		own_time(ft, c, pkt);
	if (c != NULL && idle_expired(c, pkt->ts_ns)) {
		/* Timed out, not yet collected: it ends here, as if its timer had run. */
		conn_remove(ft, c, VG_CONN_END_TIMEOUT);
		c = NULL;
	} else if (c != NULL && c->tq_on != 0 && conn_timers_due(ft, c, pkt->ts_ns)) {
		c = NULL;
	}
	if (c != NULL && c->kind == VG_KIND_TCP && pkt->l4_ok == VG_L4_FULL && !pkt->bad_checksum &&
		vg_tcp_is_reuse(c, pkt)) {
		ft->stats.reused++;
		conn_remove(ft, c, VG_CONN_END_CLOSE);
		c = NULL;
	}
	if (c == NULL) {
		c = conn_create(ft, pkt, &k, h);
		if (c == NULL) {
			ft->stats.untracked++;
			vg_flow_packet_weirds(ft, pkt);
			return VG_FLOW_NONE;
		}
		is_orig = true;
		created = true;
		bool flip = false;

		if (k.kind == VG_KIND_TCP && pkt->l4_ok == VG_L4_FULL)
			flip = vg_tcp_wants_flip(ft, pkt);
		else if (k.kind == VG_KIND_UDP)
			flip = udp_wants_flip(ft, pkt);
		/* Zeek's IPBasedAnalyzer::NewConn flips only when the destination is
		 * not the IPv4 limited broadcast (IPAddr::IsBroadcast). */
		if (flip && !addr_is_broadcast(&pkt->dst)) {
			vg_conn_flip(c);
			is_orig = false;
		}
		if (ft->cfg.hooks != NULL)
			ft->cfg.hooks->conn_new(ft->cfg.hooks_ctx, ft, c, pkt->ts_ns);
	}
	vg_tunnels_on_packet(ft, c, pkt, created);
	/* Weirds are logged once the connection (and its uid) exists. */
	for (uint8_t i = 0; i < pkt->nweirds; i++) {
		const struct vg_pkt_weird *w = &pkt->weirds[i];

		if (w->scope == VG_WEIRD_SCOPE_CONN)
			vg_conn_weird(ft, c, (enum vg_weird)w->code, w->source, pkt->ts_ns);
		else
			log_pkt_weird(ft, pkt, w);
	}
	if (pkt->l4_ok != VG_L4_FULL)
		return conn_index(ft, c);
	switch (c->kind) {
	case VG_KIND_TCP:
		vg_tcp_packet(ft, c, pkt, is_orig);
		break;
	case VG_KIND_UDP:
		vg_udp_packet(ft, c, pkt, is_orig);
		break;
	default:
		vg_icmp_packet(ft, c, pkt, is_orig);
		break;
	}
	return c->in_use ? conn_index(ft, c) : VG_FLOW_NONE;
}

void
vg_flow_packet_weirds(struct vg_flow_table *ft, const struct vg_pkt *pkt)
{
	for (uint8_t i = 0; i < pkt->nweirds; i++)
		log_pkt_weird(ft, pkt, &pkt->weirds[i]);
}
