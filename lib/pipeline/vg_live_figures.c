/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ring.h>

#include "vg_live_figures.h"

/* A counter another thread writes; plain stores there, relaxed loads here. */
#define RD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

static const char *const drop_names[VG_DROP_COUNT] = {
	[VG_DROP_RING_FULL] = "ring_full",
	[VG_DROP_DECODE] = "decode",
	[VG_DROP_UNTRACKED] = "untracked",
};

const char *
vg_live_drop_name(enum vg_live_drop d)
{
	return (unsigned)d < VG_DROP_COUNT ? drop_names[d] : "unknown";
}

const char *
vg_live_kind_name(unsigned k)
{
	static const char *const kind[4] = {"tcp", "udp", "icmp", "other"};

	return k < 4 ? kind[k] : "unknown";
}

static void
decode_figures(const struct vg_live_worker *lw, struct vg_live_worker_figures *f)
{
	const struct vg_decode_stats *d = &lw->w.dec.stats;
	const struct vg_decode_stats *pd = &lw->poll_dec.stats; /* as a poller */

	f->packets = RD(d->packets);
	f->bytes = RD(d->bytes);
	f->drops[VG_DROP_DECODE] = RD(d->dropped) + RD(pd->dropped);
	f->fragments = RD(d->fragments);
	f->reassembled = RD(d->reassembled);
	f->frag_timeouts = RD(d->frag_timeouts);
	f->frag_evicted = RD(d->frag_evicted);
	f->frag_active = RD(d->frag_active);
	f->mirror_packets = RD(d->mirror_packets) + RD(pd->mirror_packets);
	f->nic_checksums = RD(d->nic_cksum) + RD(pd->nic_cksum);
}

static void
flow_figures(const struct vg_live_worker *lw, struct vg_live_worker_figures *f)
{
	const struct vg_flow_stats *s = vg_flow_stats(lw->w.flows);

	for (unsigned k = 0; k < 4; k++) {
		f->active[k] = RD(s->active_kind[k]);
		f->created[k] = RD(s->created_kind[k]);
	}
	f->drops[VG_DROP_UNTRACKED] = RD(s->untracked);
	f->evicted = RD(s->evicted);
	f->time_outside = RD(s->time_outside);
	f->time_jumps = RD(s->time_jumps);
	f->timers_late = RD(s->timers_late);
	f->acks = RD(s->acks);
	f->gap_acks = RD(s->gap_acks);
}

/* Packets waiting in the rings that bring this worker its share, and their room. */
static void
dispatch_fill(const struct vg_live_worker *lw, struct vg_live_worker_figures *f)
{
	for (uint16_t r = 0; r < lw->nin; r++) {
		f->dispatch_used += rte_ring_count(lw->in[r]);
		f->dispatch_size += rte_ring_get_capacity(lw->in[r]);
	}
}

void
vg_live_worker_figures(const struct vg_live *live, uint16_t i, const struct vg_ring *ring,
	struct vg_live_worker_figures *f)
{
	const struct vg_live_worker *lw = live->workers[i];
	const struct vg_live_counters *c = &lw->cnt;

	memset(f, 0, sizeof(*f));
	f->lcore = lw->lcore;
	f->rx_queues = lw->nrxq;
	f->rx = RD(c->rx);
	f->port_rx = RD(c->port_rx);
	f->dispatched = RD(c->dispatched);
	f->dispatch_drops = RD(c->dispatch_drops);
	f->idle_polls = RD(c->idle_polls);
	f->filtered = RD(c->filtered);
	f->flush_waits = RD(c->flush_waits);
	/* Dropped by every poller because this worker's rings were full. */
	for (uint16_t p = 0; p < live->nworkers; p++)
		f->drops[VG_DROP_RING_FULL] += RD(live->workers[p]->cnt.ring_full_to[i]);
	decode_figures(lw, f);
	flow_figures(lw, f);
	dispatch_fill(lw, f);
	if (ring != NULL) {
		f->records = RD(ring->hdr->records);
		f->ring_drops = RD(ring->hdr->drops);
		f->ring_used = vg_ring_used(ring);
		f->ring_size = ring->size;
	}
	if (lw->w.an != NULL)
		vg_an_worker_counters_add(lw->w.an, f->an);
}

int
vg_live_port_figures(const struct vg_live *live, uint16_t i, struct vg_live_port_figures *f)
{
	const struct vg_port *p = &live->ports->port[i];
	struct rte_eth_stats st;

	memset(f, 0, sizeof(*f));
	f->gone = RD(p->gone);
	f->link_up = RD(p->link_up);
	if (f->gone || rte_eth_stats_get(p->id, &st) != 0)
		return -1;
	f->packets = st.ipackets;
	f->bytes = st.ibytes;
	f->missed = st.imissed;
	f->nombuf = st.rx_nombuf;
	f->errors = st.ierrors;
	return 0;
}

void
vg_live_log_figures(const struct vg_live *live, const struct vg_log_tally *written, uint16_t id,
	struct vg_live_log_figures *f)
{
	memset(f, 0, sizeof(*f));
	if (id >= VG_LOG_MAX)
		return;
	for (uint16_t i = 0; i < live->nworkers; i++) {
		const struct vg_worker_stats *s = &live->workers[i]->w.stats;

		f->records += RD(s->log_records[id]);
		f->dropped += RD(s->log_drops[id]);
	}
	if (written != NULL) {
		f->written = RD(written->records[id]);
		f->bytes = RD(written->bytes[id]);
	}
}
