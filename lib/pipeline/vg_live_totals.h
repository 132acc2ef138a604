/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The live sensor's counters, summed over workers and log rings: one snapshot
 * for stats.log, --stats, DPDK telemetry and the console.
 */
#ifndef VG_LIVE_TOTALS_H
#define VG_LIVE_TOTALS_H

#include <stdint.h>

#include "vg_live.h"
#include "vg_logring.h"
#include "vg_sig.h"

/* Totals since the start, read relaxed while the workers run. */
struct vg_live_totals {
	uint64_t pkts, bytes, decode_drops, dispatch_drops, ring_drops, evicted;
	uint64_t time_outside, time_jumps, untracked, timers_late; /* flow tables' */
	uint64_t active[4], created[4]; /* by kind: TCP, UDP, ICMP, other */
	uint64_t acks, gap_acks, nic_cksum;
	uint64_t fragments, reassembled, frag_timeouts, frag_evicted, frag_active;
	uint64_t nic_missed, link;      /* filled by the caller from the ports */
	uint64_t an[VG_REC_MAX_FIELDS]; /* analyzer and files counters (vg_an_counter_name) */
	uint64_t sig[VG_SIG_NCOUNTERS]; /* signature counters (vg_sig_counter_names) */
};

void vg_live_totals(
	const struct vg_live *live, const struct vg_logshm *shm, struct vg_live_totals *t);

/* Resident memory of the process in MiB. */
uint64_t vg_rss_mb(void);

/* Network time: the newest packet any worker has processed (0 before any). */
uint64_t vg_live_net_ns(const struct vg_live *live);

#endif /* VG_LIVE_TOTALS_H */
