/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Console commands about workers and their rings: show workers, show worker
 * <n>, show rings, show memory. Counters are the workers' own, read relaxed
 * (as stats.log reads them); rates are over the last whole second.
 */
#include <inttypes.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "vg_con.h"

static uint64_t
rd(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Per second over the last sample pair. */
static double
rate(uint64_t a, uint64_t b)
{
	uint64_t dt = vg_con.last.tsc - vg_con.prev.tsc;

	return dt > 0 && b > a ? (double)(b - a) * (double)vg_con.hz / (double)dt : 0.0;
}

static double
cycles_per_pkt(uint16_t i)
{
	uint64_t p = vg_con.last.pkts[i] - vg_con.prev.pkts[i];

	return p ? (double)(vg_con.last.work[i] - vg_con.prev.work[i]) / (double)p : 0.0;
}

/* Packets the pollers dropped because worker i's dispatch rings were full. */
static uint64_t
ring_full_to(const struct vg_live *live, uint16_t i)
{
	uint64_t n = 0;

	for (uint16_t p = 0; p < live->nworkers; p++)
		n += rd(&live->workers[p]->cnt.ring_full_to[i]);
	return n;
}

static double
log_ring_fill(const struct vg_live_worker *lw)
{
	const struct vg_ring *r = lw->w.ring;

	return r != NULL && r->size ? 100.0 * (double)vg_ring_used(r) / (double)r->size : 0.0;
}

static double
dispatch_fill(const struct vg_live_worker *lw)
{
	unsigned used = 0, cap = 0;

	for (uint16_t r = 0; r < lw->nin; r++) {
		used += rte_ring_count(lw->in[r]);
		cap += rte_ring_get_capacity(lw->in[r]);
	}
	return cap ? 100.0 * used / cap : 0.0;
}

struct drops {
	uint64_t decode, dispatch, ring_full, log_ring, evicted, untracked;
};

static void
drops_of(const struct vg_live *live, uint16_t i, struct drops *d)
{
	const struct vg_live_worker *lw = live->workers[i];
	const struct vg_flow_stats *f = vg_flow_stats(lw->w.flows);

	d->decode = rd(&lw->w.dec.stats.dropped) + rd(&lw->poll_dec.stats.dropped);
	d->dispatch = rd(&lw->cnt.dispatch_drops);
	d->ring_full = ring_full_to(live, i);
	d->log_ring = lw->w.ring ? rd(&lw->w.ring->hdr->drops) : 0;
	d->evicted = rd(&f->evicted);
	d->untracked = rd(&f->untracked);
}

static void
worker_row(const struct vg_live *live, uint16_t i)
{
	const struct vg_live_worker *lw = live->workers[i];
	const struct vg_flow_stats *f = vg_flow_stats(lw->w.flows);
	struct drops d;

	drops_of(live, i, &d);
	vg_con_printf("%6u %5u %14" PRIu64 " %10.0f %12.0f %8.1f %10" PRIu64 " %5.1f%% %5.1f%%"
		      "  decode=%" PRIu64 " dispatch=%" PRIu64 " ring-full=%" PRIu64
		      " log-ring=%" PRIu64 " evicted=%" PRIu64 " untracked=%" PRIu64 "\n",
		i, lw->lcore, rd(&lw->w.dec.stats.packets),
		rate(vg_con.prev.pkts[i], vg_con.last.pkts[i]),
		8.0 * rate(vg_con.prev.bytes[i], vg_con.last.bytes[i]), cycles_per_pkt(i),
		rd(&f->active), log_ring_fill(lw), dispatch_fill(lw), d.decode, d.dispatch,
		d.ring_full, d.log_ring, d.evicted, d.untracked);
}

static void
show_workers_parsed(void *res, struct cmdline *cl, void *data)
{
	const struct vg_live *live = vg_con.cfg.live;

	(void)res;
	(void)cl;
	(void)data;
	if (live == NULL || live->nworkers == 0) {
		vg_con_printf("no workers\n");
		return;
	}
	vg_con_printf("worker lcore        packets        pps          bps  cyc/pkt      flows "
		      "  log  disp  drops\n");
	for (uint16_t i = 0; i < live->nworkers; i++)
		worker_row(live, i);
	if (__atomic_load_n(&live->paused, __ATOMIC_RELAXED))
		vg_con_printf("capture stopped ('start' resumes it)\n");
}

struct show_workers_res {
	cmdline_fixed_string_t show, workers;
};

static cmdline_parse_token_string_t tk_wshow =
	TOKEN_STRING_INITIALIZER(struct show_workers_res, show, "show");
static cmdline_parse_token_string_t tk_workers =
	TOKEN_STRING_INITIALIZER(struct show_workers_res, workers, "workers");

cmdline_parse_inst_t vg_cmd_show_workers = {
	.f = show_workers_parsed,
	.help_str = "show workers: per worker: packets, pps, bps, cycles per packet, flows "
		    "active, log and dispatch ring fill, drops by reason",
	.tokens = {(void *)&tk_wshow, (void *)&tk_workers, NULL},
};

/* ---- show worker <n> ---- */

struct show_worker_res {
	cmdline_fixed_string_t show, worker;
	uint16_t n;
};

static void
worker_detail(const struct vg_live *live, uint16_t i)
{
	const struct vg_live_worker *lw = live->workers[i];
	const struct vg_live_counters *c = &lw->cnt;
	const struct vg_decode_stats *ds = &lw->w.dec.stats;
	const struct vg_flow_stats *f = vg_flow_stats(lw->w.flows);
	struct drops d;

	drops_of(live, i, &d);
	vg_con_printf("worker %u lcore %u rx-queues %u\n", i, lw->lcore, lw->nrxq);
	vg_con_printf("  packets %" PRIu64 " bytes %" PRIu64
		      " pps %.0f bps %.0f cycles/packet %.1f\n",
		rd(&ds->packets), rd(&ds->bytes), rate(vg_con.prev.pkts[i], vg_con.last.pkts[i]),
		8.0 * rate(vg_con.prev.bytes[i], vg_con.last.bytes[i]), cycles_per_pkt(i));
	vg_con_printf("  rx %" PRIu64 " port-rx %" PRIu64 " dispatched %" PRIu64
		      " idle-polls %" PRIu64 " filtered %" PRIu64 "\n",
		rd(&c->rx), rd(&c->port_rx), rd(&c->dispatched), rd(&c->idle_polls),
		rd(&c->filtered));
	vg_con_printf("  flows active %" PRIu64 " created %" PRIu64 " logged %" PRIu64 "\n",
		rd(&f->active), rd(&f->created), rd(&f->logged));
	vg_con_printf("  fragments %" PRIu64 " reassembled %" PRIu64 " mirror %" PRIu64
		      " nic-checksums %" PRIu64 "\n",
		rd(&ds->fragments), rd(&ds->reassembled), rd(&ds->mirror_packets),
		rd(&ds->nic_cksum));
	vg_con_printf("  log-ring %.1f%% records %" PRIu64 " dispatch-rings %.1f%%\n",
		log_ring_fill(lw), lw->w.ring ? rd(&lw->w.ring->hdr->records) : 0,
		dispatch_fill(lw));
	vg_con_printf("  drops decode %" PRIu64 " dispatch %" PRIu64 " ring-full %" PRIu64
		      " log-ring %" PRIu64 " evicted %" PRIu64 " untracked %" PRIu64 "\n",
		d.decode, d.dispatch, d.ring_full, d.log_ring, d.evicted, d.untracked);
}

static void
show_worker_parsed(void *res, struct cmdline *cl, void *data)
{
	struct show_worker_res *r = res;
	const struct vg_live *live = vg_con.cfg.live;
	uint16_t n = live ? live->nworkers : 0;

	(void)cl;
	(void)data;
	if (r->n >= n) {
		vg_con_fail(
			"no worker %u; the workers are 0 to %d ('show workers')", r->n, (int)n - 1);
		return;
	}
	worker_detail(live, r->n);
}

static cmdline_parse_token_string_t tk_w1show =
	TOKEN_STRING_INITIALIZER(struct show_worker_res, show, "show");
static cmdline_parse_token_string_t tk_worker =
	TOKEN_STRING_INITIALIZER(struct show_worker_res, worker, "worker");
static cmdline_parse_token_num_t tk_wn =
	TOKEN_NUM_INITIALIZER(struct show_worker_res, n, RTE_UINT16);

cmdline_parse_inst_t vg_cmd_show_worker = {
	.f = show_worker_parsed,
	.help_str = "show worker <n>: one worker's counters in full",
	.tokens = {(void *)&tk_w1show, (void *)&tk_worker, (void *)&tk_wn, NULL},
};

/* ---- show rings ---- */

struct show_rings_res {
	cmdline_fixed_string_t show, rings;
};

static void
show_rings_parsed(void *res, struct cmdline *cl, void *data)
{
	const struct vg_live *live = vg_con.cfg.live;
	const struct vg_logshm *shm = vg_con.cfg.shm;

	(void)res;
	(void)cl;
	(void)data;
	for (uint32_t i = 0; shm != NULL && i < shm->nrings; i++) {
		const struct vg_ring *r = &shm->rings[i];

		vg_con_printf("log-ring %u (%s): used %" PRIu64 " of %" PRIu64
			      " bytes records %" PRIu64 " drops %" PRIu64 "\n",
			i, live && i < live->nworkers ? "worker" : "main", vg_ring_used(r), r->size,
			rd(&r->hdr->records), rd(&r->hdr->drops));
	}
	for (uint16_t w = 0; live != NULL && w < live->nworkers; w++) {
		const struct vg_live_worker *lw = live->workers[w];

		for (uint16_t r = 0; r < lw->nin; r++)
			vg_con_printf("dispatch-ring %s: %u of %u packets\n", lw->in[r]->name,
				rte_ring_count(lw->in[r]), rte_ring_get_capacity(lw->in[r]));
	}
}

static cmdline_parse_token_string_t tk_rshow =
	TOKEN_STRING_INITIALIZER(struct show_rings_res, show, "show");
static cmdline_parse_token_string_t tk_rings =
	TOKEN_STRING_INITIALIZER(struct show_rings_res, rings, "rings");

cmdline_parse_inst_t vg_cmd_show_rings = {
	.f = show_rings_parsed,
	.help_str = "show rings: log rings (fill, records, drops) and dispatch rings (fill)",
	.tokens = {(void *)&tk_rshow, (void *)&tk_rings, NULL},
};

/* ---- show memory ---- */

struct show_memory_res {
	cmdline_fixed_string_t show, memory;
};

static void
show_memory_parsed(void *res, struct cmdline *cl, void *data)
{
	const struct vg_live *live = vg_con.cfg.live;

	(void)res;
	(void)cl;
	(void)data;
	vg_con_printf("resident %" PRIu64 " MiB\n", vg_rss_mb());
	for (int s = 0; vg_con.cfg.eal && s < RTE_MAX_NUMA_NODES; s++) {
		struct rte_malloc_socket_stats ms;

		if (rte_malloc_get_socket_stats(s, &ms) != 0 || ms.heap_totalsz_bytes == 0)
			continue;
		vg_con_printf("heap socket %d: %zu bytes, %zu allocated, %zu free\n", s,
			ms.heap_totalsz_bytes, ms.heap_allocsz_bytes, ms.heap_freesz_bytes);
	}
	for (uint16_t i = 0; live != NULL && live->ports != NULL && i < live->ports->n; i++) {
		const struct vg_port *p = &live->ports->port[i];

		if (p->pool == NULL)
			continue;
		vg_con_printf("mbuf pool port %u: %u in use, %u free of %u\n", p->id,
			rte_mempool_in_use_count(p->pool), rte_mempool_avail_count(p->pool),
			p->pool->size);
	}
}

static cmdline_parse_token_string_t tk_mshow =
	TOKEN_STRING_INITIALIZER(struct show_memory_res, show, "show");
static cmdline_parse_token_string_t tk_memory =
	TOKEN_STRING_INITIALIZER(struct show_memory_res, memory, "memory");

cmdline_parse_inst_t vg_cmd_show_memory = {
	.f = show_memory_parsed,
	.help_str = "show memory: resident memory, DPDK heaps, packet buffer pools",
	.tokens = {(void *)&tk_mshow, (void *)&tk_memory, NULL},
};
