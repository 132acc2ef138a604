/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --metrics-listen ADDR:PORT: the live sensor's Prometheus metrics, per port,
 * per worker and per log, served by lib/metrics' server thread from the same
 * relaxed snapshot as DPDK telemetry (vg_live_figures.h). doc/metrics.md
 * lists every series.
 */
#ifndef VG_LIVE_METRICS_H
#define VG_LIVE_METRICS_H

#include "vg_live.h"
#include "vg_logfmt.h"
#include "vg_logring.h"

/*
 * Before EAL starts: binds ADDR:PORT (nothing without the option), so a bad
 * address or a port in use ends the run before any device is probed. 0, or 1
 * after a one-line error.
 */
int vg_live_metrics_bind(const char *listen);

/* The in-process writer's per-log tally (the writer adds to it). */
struct vg_log_tally *vg_live_metrics_tally(void);

/*
 * Main lcore, once the workers run: serves the series from a thread that
 * inherits the main lcore's CPU. A failure is said and leaves the sensor running.
 */
void vg_live_metrics_start(const struct vg_live *live, const struct vg_logshm *shm, bool writer);

/* Before the workers and the segment go away; harmless when never started. */
void vg_live_metrics_stop(void);

#endif /* VG_LIVE_METRICS_H */
