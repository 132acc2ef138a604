/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-logd --metrics-listen ADDR:PORT: its own Prometheus series (records
 * and bytes written per log, lag, the sensor's drops per ring), served by
 * lib/metrics' server thread. The main loop publishes the figures with
 * relaxed stores (the rings' once a second); the server thread only reads
 * them, never the segment itself, which the main loop may swap for another.
 */
#ifndef VG_LOGD_METRICS_H
#define VG_LOGD_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_k8s_api.h"
#include "vg_logfmt.h"
#include "vg_logring.h"
#include "vg_sink.h"
#include "vg_policy.h"

#define VG_LOGD_MAX_RINGS 128 /* rings shown; a segment has workers + 1 */

struct vg_logd_ring_figures {
	uint64_t used, size;     /* bytes waiting, bytes of room */
	uint64_t records, drops; /* the sensor's: records it put in, and dropped (full) */
};

struct vg_logd_figures {
	struct vg_log_tally written; /* the writer adds (vg_logwriter_cfg.tally) */
	uint64_t records;            /* records written */
	uint64_t malformed;          /* records skipped as malformed */
	uint64_t caught_up_ns;       /* CLOCK_MONOTONIC when every ring was last drained */
	uint32_t nrings;
	uint32_t attached;       /* 1 once a segment is read */
	uint32_t producer_alive; /* 1 while the sensor is attached to it */
	struct vg_logd_ring_figures ring[VG_LOGD_MAX_RINGS];
	struct vg_k8s_api *k8s_api; /* --k8s-api: its counters too (set before the server starts) */
	struct vg_sinks *sinks;     /* --sink, or NULL; set before the server starts */
	const struct vg_policy_ctl *policy; /* per log offered/exported; set before serving */
};

/* Adds one to a figure the server thread reads. */
static inline void
vg_logd_bump(uint64_t *v, uint64_t n)
{
	__atomic_store_n(v, *v + n, __ATOMIC_RELAXED);
}

/* Main loop, once a second and on a new segment: the rings' figures. */
void vg_logd_figures_rings(struct vg_logd_figures *f, const struct vg_logshm *shm);

/*
 * Binds ADDR:PORT and serves f from a thread of its own; 0 (also without the
 * option), or -1 after a one-line error.
 */
int vg_logd_metrics_start(const char *listen, struct vg_logd_figures *f);
void vg_logd_metrics_stop(void);

#endif /* VG_LOGD_METRICS_H */
