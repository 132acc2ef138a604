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

#define DEFAULT_MAX_FLOWS (1u << 20)

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

static int
fifo_init(struct vg_timer_fifo *f, uint32_t cap)
{
	f->q = calloc(cap, sizeof(*f->q));
	f->cap = cap;
	f->head = f->count = 0;
	return f->q == NULL ? -1 : 0;
}

static void
fifo_push(struct vg_timer_fifo *f, uint32_t conn, uint32_t gen, uint64_t at)
{
	if (f->count == f->cap) {
		/* Full: the oldest timer is the least useful; let it fall off. */
		f->head = (f->head + 1) % f->cap;
		f->count--;
	}
	struct vg_timer *t = &f->q[(f->head + f->count) % f->cap];

	t->conn = conn;
	t->gen = gen;
	t->at_ns = at;
	f->count++;
}

void
vg_flow_arm_attempt(struct vg_flow_table *ft, struct vg_conn *c)
{
	fifo_push(&ft->attempt, conn_index(ft, c), c->gen, c->start_ns + VG_TCP_ATTEMPT_DELAY);
}

void
vg_flow_arm_close(struct vg_flow_table *ft, struct vg_conn *c, uint64_t at_ns)
{
	fifo_push(&ft->close, conn_index(ft, c), c->gen, at_ns);
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
	if (ft->conns == NULL || ft->buckets == NULL || ft->reasm == NULL ||
		fifo_init(&ft->attempt, n) != 0 || fifo_init(&ft->close, n) != 0) {
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
	free(ft->attempt.q);
	free(ft->close.q);
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
		uint32_t victim = VG_NIL;

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

static void
run_attempt_timers(struct vg_flow_table *ft, uint64_t now)
{
	struct vg_timer_fifo *f = &ft->attempt;

	while (f->count > 0 && f->q[f->head].at_ns <= now) {
		struct vg_timer t = f->q[f->head];
		struct vg_conn *c = &ft->conns[t.conn];

		f->head = (f->head + 1) % f->cap;
		f->count--;
		if (!c->in_use || c->gen != t.gen)
			continue;
		uint8_t os = c->tcp[0].state, rs = c->tcp[1].state;

		if ((os == VG_TCP_SYN_SENT || os == VG_TCP_SYN_ACK_SENT) && rs == VG_TCP_INACTIVE)
			conn_remove(ft, c, VG_CONN_END_TIMEOUT);
	}
}

static void
run_close_timers(struct vg_flow_table *ft, uint64_t now)
{
	struct vg_timer_fifo *f = &ft->close;

	while (f->count > 0 && f->q[f->head].at_ns <= now) {
		struct vg_timer t = f->q[f->head];
		struct vg_conn *c = &ft->conns[t.conn];

		f->head = (f->head + 1) % f->cap;
		f->count--;
		if (!c->in_use || c->gen != t.gen)
			continue;
		if (c->removable_at_close) {
			conn_remove(ft, c, VG_CONN_END_TIMEOUT);
		} else if (c->last_ns + VG_TCP_LINGER < now && tcp_removable(c)) {
			conn_remove(ft, c, VG_CONN_END_TIMEOUT);
		} else {
			/* Zeek's expire timer: look again after tcp_session_timer. */
			fifo_push(f, t.conn, t.gen, now + VG_TCP_SESSION_TIMER);
		}
	}
}

/* Collects one wheel slot: idle connections go, the others move on. */
static void
idle_collect_slot(struct vg_flow_table *ft, uint32_t slot, uint64_t now)
{
	uint32_t idx = ft->idle_wheel[slot];

	ft->idle_wheel[slot] = VG_NIL;
	while (idx != VG_NIL) {
		struct vg_conn *c = &ft->conns[idx];

		idx = c->idle_next;
		if (idx != VG_NIL)
			ft->conns[idx].idle_prev = VG_NIL;
		if (idle_expiry(c) <= now) {
			c->idle_class = VG_IDLE_NONE; /* already off the list */
			conn_remove(ft, c, VG_CONN_END_TIMEOUT);
		} else {
			idle_insert(ft, c, c->idle_class);
		}
	}
}

static void
run_inactivity(struct vg_flow_table *ft, uint64_t now)
{
	uint64_t due = now >> VG_IDLE_SLOT_SHIFT; /* slots below this are in the past */

	if (ft->idle_cursor == 0 || due - ft->idle_cursor > VG_IDLE_SLOTS) {
		/* First packet, or a jump longer than the wheel: every slot once. */
		uint64_t from = ft->idle_cursor;

		ft->idle_cursor = due;
		if (from != 0)
			for (uint32_t s = 0; s < VG_IDLE_SLOTS; s++)
				idle_collect_slot(ft, s, now);
		return;
	}
	while (ft->idle_cursor < due) {
		uint64_t s = ft->idle_cursor++;

		idle_collect_slot(ft, (uint32_t)(s % VG_IDLE_SLOTS), now);
	}
}

void
vg_flow_advance(struct vg_flow_table *ft, uint64_t now_ns)
{
	/* Timers are looked at once per millisecond of network time at most: every
	 * timeout is seconds long, and most packets come closer together. */
	if (now_ns < ft->next_check_ns)
		return;
	ft->next_check_ns = now_ns + 1000000;
	ft->now_ns = now_ns;
	run_attempt_timers(ft, now_ns);
	run_close_timers(ft, now_ns);
	run_inactivity(ft, now_ns);
}

void
vg_flow_flush(struct vg_flow_table *ft)
{
	/* Every slot ever used, in pool order. */
	for (uint32_t i = 0; i < ft->high_water; i++)
		if (ft->conns[i].in_use)
			conn_remove(ft, &ft->conns[i], VG_CONN_END_FLUSH);
	ft->attempt.count = ft->close.count = 0;
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

	vg_flow_advance(ft, pkt->ts_ns);
	if (pkt->l4_ok == VG_L4_NONE) {
		vg_flow_packet_weirds(ft, pkt);
		return VG_FLOW_NONE;
	}
	pkt_key_of(pkt, &k);
	uint64_t h = pkt->flow_hashed ? pkt->flow_hash : packet_hash(pkt, &k);

	c = lookup(ft, pkt, &k, h, &is_orig);
	if (c != NULL && idle_expired(c, pkt->ts_ns)) {
		/* Timed out, not yet collected: it ends here, as if its timer had run. */
		conn_remove(ft, c, VG_CONN_END_TIMEOUT);
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
		if (flip) {
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
