/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's last act at stop: end every open connection into its log ring.
 * While running, a full ring drops a record rather than stall the data path;
 * at stop nothing is waiting behind the worker, so a full ring waits for its
 * reader (the main lcore's writer or vigil-logd) to make room, for as long as
 * the reader makes progress (VG_LIVE_FLUSH_WAIT_S without any gives up).
 */
#include <time.h>

#include <rte_cycles.h>

#include "vg_live.h"
#include "vg_record.h"

static bool
flush_wait(void *ctx)
{
	struct vg_live_worker *lw = ctx;
	struct vg_ring *r = lw->w.ring;
	const struct timespec pause = {0, 50000};
	uint64_t hz = lw->live->tsc_hz, since = rte_rdtsc();
	uint64_t tail = __atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE);

	if (lw->flush_gave_up)
		return false;
	__atomic_fetch_add(&lw->cnt.flush_waits, 1, __ATOMIC_RELAXED);
	while (vg_ring_used(r) + VG_REC_MAX_LEN + 16 > r->size) {
		uint64_t t = __atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE);

		if (t != tail) {
			tail = t;
			since = rte_rdtsc();
		} else if (rte_rdtsc() - since > VG_LIVE_FLUSH_WAIT_S * hz) {
			/* The reader is gone: drop (and count) the rest without waiting. */
			lw->flush_gave_up = true;
			return false;
		}
		nanosleep(&pause, NULL);
	}
	return true;
}

void
vg_live_worker_flush(struct vg_live_worker *lw)
{
	lw->w.ring_full = flush_wait;
	lw->w.ring_full_ctx = lw;
	vg_worker_flush(&lw->w);
	lw->w.ring_full = NULL;
	__atomic_store_n(&lw->flushed, 1, __ATOMIC_RELEASE);
}

bool
vg_live_flushed(const struct vg_live *live)
{
	for (uint16_t i = 0; i < live->nworkers; i++)
		if (live->workers[i] != NULL &&
			!__atomic_load_n(&live->workers[i]->flushed, __ATOMIC_ACQUIRE))
			return false;
	return true;
}
