/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The live sensor's counters summed over workers and log rings, read relaxed
 * while the workers run: stats.log, --stats, telemetry and the console all
 * take this one snapshot.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vg_live_totals.h"

void
vg_live_totals(const struct vg_live *live, const struct vg_logshm *shm, struct vg_live_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (uint16_t i = 0; i < live->nworkers; i++) {
		const struct vg_live_worker *lw = live->workers[i];
		const struct vg_decode_stats *d = &lw->w.dec.stats;
		/* Software dispatch: the decode a poller did for the owners. */
		const struct vg_decode_stats *pd = &lw->poll_dec.stats;
		const struct vg_flow_stats *f = vg_flow_stats(lw->w.flows);

		t->pkts += d->packets;
		t->bytes += d->bytes;
		t->decode_drops += d->dropped + pd->dropped;
		t->nic_cksum += d->nic_cksum + pd->nic_cksum;
		t->fragments += d->fragments;
		t->reassembled += d->reassembled;
		t->frag_timeouts += d->frag_timeouts;
		t->frag_evicted += d->frag_evicted;
		t->frag_active += d->frag_active;
		t->dispatch_drops += lw->cnt.dispatch_drops;
		t->evicted += f->evicted;
		t->time_outside += f->time_outside;
		t->time_jumps += f->time_jumps;
		t->untracked += f->untracked;
		t->timers_late += f->timers_late;
		t->acks += f->acks;
		t->gap_acks += f->gap_acks;
		for (int k = 0; k < 4; k++) {
			t->active[k] += f->active_kind[k];
			t->created[k] += f->created_kind[k];
		}
		if (lw->w.an != NULL)
			vg_an_worker_counters_add(lw->w.an, t->an);
		const struct vg_sig_stats *ss =
			lw->w.an != NULL ? vg_an_worker_sig_stats(lw->w.an) : NULL;

		for (uint32_t k = 0; ss != NULL && k < VG_SIG_NCOUNTERS; k++)
			t->sig[k] += ((const uint64_t *)ss)[k];
	}
	for (uint32_t i = 0; i < shm->nrings; i++)
		t->ring_drops += shm->rings[i].hdr->drops;
}

uint64_t
vg_rss_mb(void)
{
	long pages = 0, rss = 0;
	FILE *fp = fopen("/proc/self/statm", "r");

	if (fp != NULL) {
		if (fscanf(fp, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(fp);
	}
	return (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE) / (1024 * 1024);
}

uint64_t
vg_live_net_ns(const struct vg_live *live)
{
	uint64_t net = 0;

	for (uint16_t i = 0; i < live->nworkers; i++)
		net = VG_MAX(net, __atomic_load_n(&live->workers[i]->last_ts_ns, __ATOMIC_RELAXED));
	return net;
}
