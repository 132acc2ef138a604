/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signature reload, the worker's side (doc/signatures.md, "Reload").
 *
 * The main lcore compiles the new set and makes each worker a new matcher
 * on it (vg_an_worker_sig_make: all allocation happens there, never on a
 * worker), then hands it over (vg_an_worker_sig_offer). The worker takes it
 * between bursts (vg_an_worker_sig_poll): from then on new connections are
 * matched by the new set, while the connections an earlier matcher holds
 * state for stay with it until they end, so no match in progress is lost.
 * A matcher that holds no connection any more goes to a small outbox that
 * the main lcore empties (vg_an_worker_sig_collect) and frees. At most
 * VG_AN_SIG_GENS earlier generations drain at once: a reload beyond that
 * gives up the oldest one's connections (sig_reload_abandoned). Every
 * hand-over is one pointer written with release and read with acquire: no
 * lock, and a worker never waits.
 */
#include "vg_an_private.h"

/* A free place in the outbox, -1 when it is full (the main lcore is behind). */
static int
outbox_slot(const struct vg_an_worker *w)
{
	for (int i = 0; i < VG_AN_SIG_RETIRED; i++)
		if (__atomic_load_n(&w->sig_retired[i], __ATOMIC_ACQUIRE) == NULL)
			return i;
	return -1;
}

/* Generation i, done with, to the outbox: the worker never touches it again. */
static void
retire_old(struct vg_an_worker *w, uint32_t i, int slot)
{
	__atomic_store_n(&w->sig_retired[slot], w->sig_old[i], __ATOMIC_RELEASE);
	for (uint32_t k = i + 1; k < w->sig_nold; k++)
		w->sig_old[k - 1] = w->sig_old[k];
	w->sig_nold--;
}

void
vg_an_sig_retire_if_done(struct vg_an_worker *w)
{
	for (uint32_t i = 0; i < w->sig_nold;) {
		int slot;

		if (vg_sig_worker_conns(w->sig_old[i]) == 0 && (slot = outbox_slot(w)) >= 0)
			retire_old(w, i, slot);
		else
			i++;
	}
}

void
vg_an_worker_sig_poll(struct vg_an_worker *w)
{
	struct vg_sig_worker *next = __atomic_load_n(&w->sig_pending, __ATOMIC_ACQUIRE);

	if (next == NULL) {
		if (w->sig_nold > 0)
			vg_an_sig_retire_if_done(w);
		return;
	}
	if (w->sig_nold == VG_AN_SIG_GENS) {
		/* Too many generations draining: the oldest has to go now. */
		int slot = outbox_slot(w);

		if (slot < 0)
			return; /* the outbox is full: take the new set at a later poll */
		w->sig_stats.reload_abandoned += vg_sig_worker_abandon(w->sig_old[0]);
		retire_old(w, 0, slot);
	}
	w->sig_old[w->sig_nold++] = w->sig;
	w->sig = next;
	w->sig_stats.reloads++;
	__atomic_store_n(&w->sig_pending, NULL, __ATOMIC_RELEASE);
	vg_an_sig_retire_if_done(w);
}

struct vg_sig_worker *
vg_an_worker_sig_make(const struct vg_an_worker *w, const struct vg_sig_db *db)
{
	if (w->sig == NULL)
		return NULL; /* started without signatures: nothing to hook into */
	return vg_sig_worker_create(db, &w->sig_cfg);
}

bool
vg_an_worker_sig_offer(struct vg_an_worker *w, struct vg_sig_worker *sw)
{
	if (__atomic_load_n(&w->sig_pending, __ATOMIC_ACQUIRE) != NULL)
		return false;
	__atomic_store_n(&w->sig_pending, sw, __ATOMIC_RELEASE);
	return true;
}

bool
vg_an_worker_sig_taken(const struct vg_an_worker *w)
{
	return __atomic_load_n(&w->sig_pending, __ATOMIC_ACQUIRE) == NULL;
}

struct vg_sig_worker *
vg_an_worker_sig_collect(struct vg_an_worker *w)
{
	for (int i = 0; i < VG_AN_SIG_RETIRED; i++) {
		struct vg_sig_worker *sw = __atomic_load_n(&w->sig_retired[i], __ATOMIC_ACQUIRE);

		if (sw != NULL) {
			__atomic_store_n(&w->sig_retired[i], NULL, __ATOMIC_RELEASE);
			return sw;
		}
	}
	return NULL;
}

uint32_t
vg_an_worker_sig_draining(const struct vg_an_worker *w)
{
	return __atomic_load_n(&w->sig_nold, __ATOMIC_RELAXED);
}
