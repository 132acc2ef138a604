/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The live pipeline's side of the exception path (vg_exc_port.h) and of the
 * health checks (vg_health.h): the workers' diversion of the host's frames,
 * the totals --stats and telemetry show, and the main lcore's judgement of
 * the sensor's health.
 */
#ifndef VG_LIVE_EXC_H
#define VG_LIVE_EXC_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_exc_port.h"
#include "vg_health.h"
#include "vg_live.h"

struct rte_mbuf;

static inline uint16_t
vg_live_exc_port(const struct vg_live *live)
{
	return live->exc->port_id;
}

/*
 * Worker, on a burst from the exception's capture port: the host's frames go
 * to the main lcore's ring (one enqueue per burst; dropped and counted when
 * it is full), frames from the host are freed and counted, the rest stay in
 * m, in order. Returns how many stay.
 */
uint16_t vg_live_exc_divert(struct vg_live_worker *lw, struct rte_mbuf **m, uint16_t n);

/* Worker, once per poll loop: it holds no host address set (vg_exc_hosts.h). */
static inline void
vg_live_exc_quiesce(const struct vg_live *live, uint16_t worker)
{
	vg_exc_hosts_quiesce(&live->exc->hosts, worker);
}

struct vg_live_exc_totals {
	uint64_t to_kernel;           /* written to the kernel interface */
	uint64_t to_kernel_drops;     /* ring to the main lcore full, or the tap refused */
	uint64_t to_kernel_ring_full; /* of those: a worker's ring to the main lcore was full */
	uint64_t to_kernel_refused;   /* of those: the tap did not take them */
	uint64_t from_kernel;         /* the kernel's frames sent out of the capture port */
	uint64_t from_kernel_drops;   /* the port's TX queue refused them */
	uint64_t host_ignored;        /* frames from a host address, not analysed */
	uint64_t paused_drops;        /* read while capture was stopped (console) */
	uint64_t host_addrs;          /* --host-addr addresses */
	uint64_t learned_addrs;       /* addresses learned from the interface now */
	uint64_t addr_changes;        /* times the learned addresses changed */
};

void vg_live_exc_totals(const struct vg_live *live, struct vg_live_exc_totals *t);

/*
 * Health (the load balancer's checks): healthy while every worker's poll
 * loop moved in the last second, capture is not stopped (console), and the
 * packets dropped before analysis (NIC misses and missing mbufs, dispatch
 * drops) over the last VG_HEALTH_WINDOW_S seconds stay at or below
 * VG_HEALTH_DROP_PERMILLE of the packets offered (or below
 * VG_HEALTH_DROP_MIN in number).
 */
#define VG_HEALTH_WINDOW_S      10
#define VG_HEALTH_DROP_PERMILLE 10 /* 1 % */
#define VG_HEALTH_DROP_MIN      100

struct vg_live_health {
	uint64_t loops[VG_LIVE_MAX_WORKERS];
	uint64_t pkts[VG_HEALTH_WINDOW_S], drops[VG_HEALTH_WINDOW_S];
	uint64_t last_pkts, last_drops;
	uint32_t slot;
	bool started;
};

/*
 * Main lcore, once a second: judges from the totals (packets analysed,
 * packets dropped before analysis) and the workers' loops; why[] says what
 * is wrong when it does not return VG_HEALTH_HEALTHY.
 */
enum vg_health_state vg_live_health_tick(struct vg_live_health *h, const struct vg_live *live,
	uint64_t pkts, uint64_t drops, char *why, size_t len);

#endif /* VG_LIVE_EXC_H */
