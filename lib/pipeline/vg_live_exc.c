/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdio.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "vg_live_exc.h"

uint16_t
vg_live_exc_divert(struct vg_live_worker *lw, struct rte_mbuf **m, uint16_t n)
{
	const struct vg_exc *x = lw->live->exc;
	const struct vg_exc_hostset *hs = vg_exc_hosts_read(&x->hosts);
	struct rte_mbuf *host[VG_LIVE_BURST], *ignored[VG_LIVE_BURST];
	uint16_t keep = 0, nh = 0, ni = 0;

	for (uint16_t i = 0; i < n; i++) {
		switch (vg_exc_classify_hosts(&x->cls, hs->a, hs->n,
			rte_pktmbuf_mtod(m[i], const uint8_t *), m[i]->data_len)) {
		case VG_EXC_KERNEL:
			host[nh++] = m[i];
			break;
		case VG_EXC_IGNORE:
			ignored[ni++] = m[i];
			break;
		default:
			m[keep++] = m[i];
		}
	}
	if (nh > 0) {
		unsigned sent = lw->index < x->nrings
			? rte_ring_enqueue_burst(x->ring[lw->index], (void **)host, nh, NULL)
			: 0;

		lw->cnt.exc_handed += sent;
		if (sent < nh) {
			lw->cnt.exc_ring_full += nh - sent;
			rte_pktmbuf_free_bulk(host + sent, nh - sent);
		}
	}
	if (ni > 0) {
		lw->cnt.exc_ignored += ni;
		rte_pktmbuf_free_bulk(ignored, ni);
	}
	return keep;
}

void
vg_live_exc_totals(const struct vg_live *live, struct vg_live_exc_totals *t)
{
	*t = (struct vg_live_exc_totals){0};
	for (uint16_t i = 0; i < live->nworkers; i++) {
		const struct vg_live_counters *c = &live->workers[i]->cnt;

		t->to_kernel_drops += __atomic_load_n(&c->exc_ring_full, __ATOMIC_RELAXED);
		t->host_ignored += __atomic_load_n(&c->exc_ignored, __ATOMIC_RELAXED);
		t->paused_drops += __atomic_load_n(&c->paused_drops, __ATOMIC_RELAXED);
	}
	if (live->exc != NULL) {
		const struct vg_exc *x = live->exc;

		t->to_kernel_ring_full = t->to_kernel_drops;
		t->to_kernel_refused = __atomic_load_n(&x->to_kernel_refused, __ATOMIC_RELAXED);
		t->to_kernel = __atomic_load_n(&x->to_kernel, __ATOMIC_RELAXED);
		t->to_kernel_drops += t->to_kernel_refused;
		t->from_kernel = __atomic_load_n(&x->from_kernel, __ATOMIC_RELAXED);
		t->from_kernel_drops = __atomic_load_n(&x->from_kernel_drops, __ATOMIC_RELAXED);
		t->host_addrs = x->hosts.conf.n;
		t->learned_addrs = __atomic_load_n(&x->hosts.learned_n, __ATOMIC_RELAXED);
		t->addr_changes = __atomic_load_n(&x->hosts.changes, __ATOMIC_RELAXED);
	}
}

enum vg_health_state
vg_live_health_tick(struct vg_live_health *h, const struct vg_live *live, uint64_t pkts,
	uint64_t drops, char *why, size_t len)
{
	enum vg_health_state st = VG_HEALTH_HEALTHY;
	uint64_t wp = 0, wd = 0;

	why[0] = '\0';
	for (uint16_t i = 0; i < live->nworkers; i++) {
		uint64_t l = __atomic_load_n(&live->workers[i]->cnt.loops, __ATOMIC_RELAXED);

		if (h->started && l == h->loops[i] && st == VG_HEALTH_HEALTHY) {
			snprintf(why, len, "worker %u is not polling", i);
			st = VG_HEALTH_NOT_POLLING;
		}
		h->loops[i] = l;
	}
	if (h->started) {
		h->pkts[h->slot] = pkts - h->last_pkts;
		h->drops[h->slot] = drops - h->last_drops;
		h->slot = (h->slot + 1) % VG_HEALTH_WINDOW_S;
	}
	h->last_pkts = pkts;
	h->last_drops = drops;
	for (int i = 0; i < VG_HEALTH_WINDOW_S; i++) {
		wp += h->pkts[i];
		wd += h->drops[i];
	}
	if (!h->started) {
		h->started = true;
		snprintf(why, len, "starting");
		return VG_HEALTH_STARTING;
	}
	if (st == VG_HEALTH_HEALTHY && __atomic_load_n(&live->paused, __ATOMIC_RELAXED)) {
		snprintf(why, len, "capture stopped (console)");
		st = VG_HEALTH_PAUSED;
	}
	if (st == VG_HEALTH_HEALTHY && wd >= VG_HEALTH_DROP_MIN &&
		wd * 1000 > (wp + wd) * VG_HEALTH_DROP_PERMILLE) {
		snprintf(why, len,
			"%" PRIu64 " of %" PRIu64 " packets dropped in the last %d seconds", wd,
			wp + wd, VG_HEALTH_WINDOW_S);
		st = VG_HEALTH_DROPPING;
	}
	return st;
}
