/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Expected connections (Zeek's Analyzer::schedule_analyzer and the analyzer
 * manager's ApplyScheduledAnalyzers): an analyzer announces a connection to
 * come (FTP's data connections); when a TCP connection with those endpoints
 * starts, it gets the announced analyzer instead of the ones its port or its
 * content would give.
 *
 * Each worker keeps the expectations it knows in a bounded table of its own
 * (open addressing on the responder's address and port, VG_AN_EXPECT_WINDOW
 * slots looked at), so a new connection costs one short scan and nothing
 * when the table is empty. With several workers the expected connection may
 * hash to another worker than the one that saw the announcement (RSS hashes
 * each connection on its own): an expectation is therefore also sent to every
 * other worker through a single-producer single-consumer ring per ordered
 * pair of workers, which the receiver drains into its table at the start of
 * each burst (vg_an_worker_poll). No lock is taken; a full ring or a full
 * table drops the expectation and counts it. Entries end when used (the
 * first connection that matches) or when their time is up (checked when a
 * lookup or an insertion meets them).
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "vg_an_private.h"

/* Expectations one ring holds between two drains. */
#define BUS_RING 128

struct bus_ring {
	_Alignas(64) _Atomic uint32_t head; /* written by the producer */
	_Alignas(64) _Atomic uint32_t tail; /* written by the consumer */
	_Alignas(64) struct vg_an_expect slot[BUS_RING];
};

struct vg_an_bus {
	uint32_t n;
	struct bus_ring *rings; /* [from * n + to] */
};

struct vg_an_bus *
vg_an_bus_create(uint32_t nworkers)
{
	struct vg_an_bus *b;

	if (nworkers == 0 || nworkers > VG_AN_BUS_MAX_WORKERS)
		return NULL;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->n = nworkers;
	b->rings = aligned_alloc(64, sizeof(struct bus_ring) * nworkers * nworkers);
	if (b->rings == NULL) {
		free(b);
		return NULL;
	}
	memset(b->rings, 0, sizeof(struct bus_ring) * nworkers * nworkers);
	return b;
}

void
vg_an_bus_free(struct vg_an_bus *b)
{
	if (b == NULL)
		return;
	free(b->rings);
	free(b);
}

static bool
ring_put(struct bus_ring *r, const struct vg_an_expect *e)
{
	uint32_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (h - t >= BUS_RING)
		return false;
	r->slot[h % BUS_RING] = *e;
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
	return true;
}

static bool
ring_get(struct bus_ring *r, struct vg_an_expect *e)
{
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t h = atomic_load_explicit(&r->head, memory_order_acquire);

	if (t == h)
		return false;
	*e = r->slot[t % BUS_RING];
	atomic_store_explicit(&r->tail, t + 1, memory_order_release);
	return true;
}

/* ---- the worker's table ---- */

static uint32_t
bucket(const struct vg_addr *resp_h, uint16_t resp_p)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL * (resp_p + 1u);

	for (int i = 0; i < 16; i += 8) {
		uint64_t w;

		memcpy(&w, resp_h->b + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
	}
	return (uint32_t)(h >> 40) % VG_AN_EXPECT_SLOTS;
}

static void
slot_free(struct vg_an_worker *w, struct vg_an_expect *e)
{
	e->expires = 0;
	w->exp_used--;
}

/* Keeps e in the table; false when its window is full of live entries. */
static bool
table_put(struct vg_an_worker *w, const struct vg_an_expect *e, uint64_t now)
{
	uint32_t b = bucket(&e->resp_h, e->resp_p);
	struct vg_an_expect *free_slot = NULL;

	for (uint32_t k = 0; k < VG_AN_EXPECT_WINDOW; k++) {
		struct vg_an_expect *s = &w->exp[(b + k) % VG_AN_EXPECT_SLOTS];

		if (s->expires != 0 && s->expires <= now) {
			slot_free(w, s);
			w->exp_stats.expect_expired++;
		}
		if (s->expires == 0 && free_slot == NULL)
			free_slot = s;
	}
	if (free_slot == NULL) {
		w->exp_stats.expect_full++;
		return false;
	}
	*free_slot = *e;
	w->exp_used++;
	return true;
}

void
vg_an_worker_poll(struct vg_an_worker *w, uint64_t now)
{
	struct vg_an_expect e;

	if (w->bus == NULL)
		return;
	for (uint32_t from = 0; from < w->bus->n; from++) {
		if (from == w->index)
			continue;
		struct bus_ring *r = &w->bus->rings[from * w->bus->n + w->index];

		while (ring_get(r, &e)) {
			if (e.expires > now)
				table_put(w, &e, now);
			else
				w->exp_stats.expect_expired++;
		}
	}
}

const struct vg_analyzer *
vg_an_expect_find(struct vg_an_worker *w, const struct vg_addr *orig_h,
	const struct vg_addr *resp_h, uint16_t resp_p, uint64_t now, struct vg_an_expect *out)
{
	uint32_t b = bucket(resp_h, resp_p);
	struct vg_an_expect *any = NULL;

	if (w->exp_used == 0)
		return NULL;
	for (uint32_t k = 0; k < VG_AN_EXPECT_WINDOW; k++) {
		struct vg_an_expect *s = &w->exp[(b + k) % VG_AN_EXPECT_SLOTS];

		if (s->expires == 0)
			continue;
		if (s->expires <= now) {
			slot_free(w, s);
			w->exp_stats.expect_expired++;
			continue;
		}
		if (s->resp_p != resp_p || vg_addr_cmp(&s->resp_h, resp_h) != 0)
			continue;
		if (!s->any_orig && vg_addr_cmp(&s->orig_h, orig_h) == 0) {
			any = s; /* the exact one wins over a wildcard */
			break;
		}
		if (s->any_orig && any == NULL)
			any = s;
	}
	if (any == NULL)
		return NULL;
	*out = *any;
	slot_free(w, any);
	w->exp_stats.expect_used++;
	return out->an;
}

bool
vg_an_expect(struct vg_an_ctx *cx, const struct vg_addr *orig_h, const struct vg_addr *resp_h,
	uint16_t resp_p, const struct vg_analyzer *an, uint64_t timeout_ns)
{
	struct vg_an_worker *w = cx->w;
	struct vg_an_expect e;
	bool kept;

	memset(&e, 0, sizeof(e));
	if (orig_h != NULL)
		e.orig_h = *orig_h;
	e.any_orig = orig_h == NULL;
	e.resp_h = *resp_h;
	e.resp_p = resp_p;
	e.an = an;
	e.expires = cx->now + (timeout_ns ? timeout_ns : 1);
	e.origin_worker = w->index;
	e.origin = cx->c->an;
	e.origin_conn = cx->ac->conn;
	e.origin_gen = cx->ac->gen;
	e.origin_att = cx->att;
	w->exp_stats.expects++;
	kept = table_put(w, &e, cx->now);
	for (uint32_t to = 0; w->bus != NULL && to < w->bus->n; to++) {
		if (to == w->index)
			continue;
		if (!ring_put(&w->bus->rings[w->index * w->bus->n + to], &e))
			w->exp_stats.expect_bus_full++;
	}
	return kept;
}

void *
vg_an_expect_origin(struct vg_an_ctx *cx, const struct vg_analyzer *origin)
{
	struct vg_an_worker *w = cx->w;
	const struct vg_an_conn *ac = cx->ac;

	if (ac->origin == 0 || !vg_an_handle_valid(w, ac->origin, ac->origin_conn, ac->origin_gen))
		return NULL;
	const struct vg_an_conn *oc = &w->conns[ac->origin - 1];

	if (ac->origin_att >= oc->natt)
		return NULL;
	const struct vg_an_att *a = &oc->att[ac->origin_att];

	if (w->ans[a->an] != origin)
		return NULL;
	return vg_an_state(w, a);
}
