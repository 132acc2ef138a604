/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The live sensor's counters, summed over workers, rings and ports: for
 * stats.log, the --stats lines and DPDK telemetry (/vigil/... commands).
 */
#ifndef VG_LIVE_STATS_H
#define VG_LIVE_STATS_H

#include <stdint.h>

#include "vg_live.h"
#include "vg_live_totals.h"
#include "vg_logring.h"
#include "vg_sig.h"

/*
 * Registers the telemetry commands (/vigil/stats, /vigil/workers,
 * /vigil/worker,N) over this sensor; vg_telemetry_close() makes them answer
 * with an error from then on (DPDK cannot unregister a command).
 */
void vg_telemetry_open(const struct vg_live *live, const struct vg_logshm *shm);
void vg_telemetry_close(void);

#endif /* VG_LIVE_STATS_H */
