/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop: the one place that knows the order of the stages.
 * A burst of packets goes through decode, then the flow table; finished
 * records go into the worker's log ring. Offline, the writer runs in the same
 * thread and drains the ring when it fills, so no record is lost; live, a full
 * ring drops the record and counts it.
 */
#ifndef VG_WORKER_H
#define VG_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_an_worker.h"
#include "vg_decode.h"
#include "vg_flow.h"
#include "vg_logring.h"
#include "vg_pcap_source.h"
#include "vg_schema.h"

struct vg_worker_cfg {
	struct vg_decode_cfg decode;
	struct vg_flow_cfg flow; /* its sink and hooks are set by the worker */
	struct vg_an_worker_cfg analyzers;
	struct vg_ring *ring; /* where records go */
	/* Called when the ring is full; returns true if it made room (offline). */
	bool (*ring_full)(void *ctx);
	void *ring_full_ctx;
};

struct vg_worker_stats {
	uint64_t bursts;
	uint64_t packets;
	uint64_t records;
	uint64_t ring_waits; /* times the in-process writer had to drain a full ring */
	uint64_t predecoded; /* of the packets, decoded elsewhere (vg_worker_burst_decoded) */
	uint64_t log_records[VG_LOG_MAX]; /* records made, by log id */
	uint64_t log_drops[VG_LOG_MAX];   /* of those, dropped: the ring was full (live) */
};

struct vg_worker {
	struct vg_decoder dec;
	struct vg_flow_table *flows;
	struct vg_an_worker *an;
	struct vg_ring *ring;
	bool (*ring_full)(void *ctx);
	void *ring_full_ctx;
	struct vg_worker_stats stats;
};

/* Sets a worker up; -1 with errno set on failure. */
int vg_worker_init(struct vg_worker *w, const struct vg_worker_cfg *cfg);
void vg_worker_fini(struct vg_worker *w);

/* Runs one burst of captured packets of the given link type. */
void vg_worker_burst(struct vg_worker *w, int link, const struct vg_raw_pkt *pkts, uint16_t n);

/*
 * A packet decoded elsewhere (a software dispatch poller): the packet as the
 * flow table takes it, with mirror transport stripped, but its network time.
 */
struct vg_decoded {
	struct vg_pkt pkt;
	uint8_t result;   /* enum vg_decode_result, never VG_DECODE_DEFERRED when handed in */
	uint8_t stripped; /* mirror transport was stripped (pkt is the mirrored packet) */
};

/*
 * As vg_worker_burst, where pre[i] (when pre and pre[i] are not NULL) is
 * packet i already decoded: it is not decoded again; its time is set here.
 */
void vg_worker_burst_decoded(struct vg_worker *w, int link, const struct vg_raw_pkt *pkts,
	struct vg_decoded *const *pre, uint16_t n);

/* Ends all connections (end of input or shutdown). */
void vg_worker_flush(struct vg_worker *w);

#endif /* VG_WORKER_H */
