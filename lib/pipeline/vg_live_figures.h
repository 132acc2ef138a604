/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The live sensor's figures per worker, per port and per log, read relaxed
 * while the workers run: one snapshot for DPDK telemetry (/vigil/worker,N,
 * /vigil/ports, /vigil/logs) and the Prometheus metrics, so both show the same
 * numbers. Reading never writes anything a worker reads and never waits: two
 * figures can be a burst apart.
 */
#ifndef VG_LIVE_FIGURES_H
#define VG_LIVE_FIGURES_H

#include <stdint.h>

#include "vg_live.h"
#include "vg_logfmt.h"
#include "vg_record.h"

/* Why a worker lost packets (vg_live_worker_figures.drops[]). */
enum vg_live_drop {
	VG_DROP_RING_FULL, /* its dispatch rings were full: a poller dropped the packet */
	VG_DROP_DECODE,    /* malformed: decode gave up on it */
	VG_DROP_UNTRACKED, /* no connection could take it (table full, none idle) */
	VG_DROP_COUNT,
};

/* The reason as metrics and telemetry name it ("ring_full", ...). */
const char *vg_live_drop_name(enum vg_live_drop d);

struct vg_live_worker_figures {
	unsigned lcore;
	uint16_t rx_queues;
	uint64_t rx, port_rx, dispatched, dispatch_drops, idle_polls, filtered;
	uint64_t packets, bytes, drops[VG_DROP_COUNT];
	uint64_t fragments, reassembled, frag_timeouts, frag_evicted, frag_active;
	uint64_t mirror_packets, nic_checksums;
	uint64_t active[4], created[4]; /* connections by kind: tcp, udp, icmp, other */
	uint64_t evicted, time_outside, time_jumps, timers_late, acks, gap_acks;
	uint64_t records, ring_drops, flush_waits; /* its log ring */
	uint64_t ring_used, ring_size;             /* bytes */
	uint64_t dispatch_used, dispatch_size;     /* packets in (room of) its dispatch rings */
	uint64_t an[VG_REC_MAX_FIELDS];            /* analyzer and files counters */
};

/* Worker i (< live->nworkers). ring is its log ring. */
void vg_live_worker_figures(const struct vg_live *live, uint16_t i, const struct vg_ring *ring,
	struct vg_live_worker_figures *f);

/* The kind names of active[]/created[]: "tcp", "udp", "icmp", "other". */
const char *vg_live_kind_name(unsigned k);

struct vg_live_port_figures {
	uint64_t packets, bytes, missed, nombuf, errors;
	bool link_up, gone;
};

/* Port index i of live->ports (its counters from the PMD); -1 when unreadable. */
int vg_live_port_figures(const struct vg_live *live, uint16_t i, struct vg_live_port_figures *f);

struct vg_live_log_figures {
	uint64_t records; /* made by the workers */
	uint64_t dropped; /* of those, dropped: the worker's log ring was full */
	uint64_t written; /* written by the in-process writer (0 with vigil-logd) */
	uint64_t bytes;   /* and their bytes */
};

/* Log id (< VG_LOG_MAX); written is the in-process writer's tally or NULL. */
void vg_live_log_figures(const struct vg_live *live, const struct vg_log_tally *written,
	uint16_t id, struct vg_live_log_figures *f);

#endif /* VG_LIVE_FIGURES_H */
