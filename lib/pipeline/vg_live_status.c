/* SPDX-License-Identifier: BSD-3-Clause */
/* The signature set's and vigil-logd's rings' state, read alike by console and telemetry. */
#include <string.h>

#include <rte_cycles.h>

#include "vg_an_worker.h"
#include "vg_live_status.h"

static uint64_t
rd(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static uint32_t
rd32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

bool
vg_live_sig_figures(const struct vg_live *live, struct vg_live_sig_figures *f)
{
	const struct vg_live_sig_status *st = live->sig_status;

	memset(f, 0, sizeof(*f));
	if (st == NULL)
		return false;
	f->st.files = st->files;
	f->st.nfiles = st->nfiles;
	f->st.rules = rd32(&st->rules);
	f->st.refused = rd32(&st->refused);
	f->st.state = rd32(&st->state);
	f->st.generation = rd(&st->generation);
	f->st.asked = rd(&st->asked);
	f->st.failed = rd(&st->failed);
	f->st.load_us = rd(&st->load_us);
	for (uint16_t i = 0; i < live->nworkers; i++) {
		const struct vg_an_worker *aw = live->workers[i]->w.an;
		const struct vg_sig_stats *ss = aw != NULL ? vg_an_worker_sig_stats(aw) : NULL;

		if (ss == NULL)
			continue;
		for (uint32_t k = 0; k < VG_SIG_NCOUNTERS; k++)
			f->c[k] += rd(&((const uint64_t *)ss)[k]);
		f->draining += vg_an_worker_sig_draining(aw);
	}
	return true;
}

void
vg_live_logd_tick(struct vg_live_logd *ld, uint64_t tsc)
{
	if (ld == NULL || ld->shm == NULL)
		return;
	for (uint32_t i = 0; i < ld->shm->nrings && i <= VG_LIVE_MAX_WORKERS; i++)
		if (vg_ring_used(&ld->shm->rings[i]) == 0)
			__atomic_store_n(&ld->empty_tsc[i], tsc, __ATOMIC_RELAXED);
}

bool
vg_live_logd_figures(
	const struct vg_live *live, const struct vg_live_logd *ld, struct vg_live_logd_figures *f)
{
	memset(f, 0, sizeof(*f));
	if (ld == NULL || ld->shm == NULL)
		return false;
	const struct vg_logshm *shm = ld->shm;
	uint64_t now = rte_rdtsc(), keep_up = live->tsc_hz / 1000 * VG_LIVE_LOGD_KEEPUP_MS;

	f->name = shm->name[0] == '/' ? shm->name + 1 : shm->name;
	f->reader = vg_logshm_reader_attached(shm);
	f->generation = rd(&shm->hdr->generation);
	f->nrings = shm->nrings <= VG_LIVE_MAX_WORKERS + 1 ? shm->nrings : VG_LIVE_MAX_WORKERS + 1;
	for (uint32_t i = 0; i < f->nrings; i++) {
		const struct vg_ring *r = &shm->rings[i];
		struct vg_live_logd_ring *o = &f->ring[i];
		uint64_t seen = rd(&ld->empty_tsc[i]);

		o->used = vg_ring_used(r);
		o->size = r->size;
		o->records = rd(&r->hdr->records);
		o->drops = rd(&r->hdr->drops);
		if (o->used != 0 && now > seen && now - seen > keep_up)
			o->lag_us = (now - seen) * 1000000 / live->tsc_hz;
		if (o->lag_us > f->lag_us)
			f->lag_us = o->lag_us;
	}
	return true;
}
