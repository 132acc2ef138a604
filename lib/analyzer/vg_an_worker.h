/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The analyzer framework's per-worker part: what the worker creates at start
 * and hands to its flow table as hooks (struct vg_flow_hooks). Everything is
 * allocated here, once; nothing is allocated per packet.
 */
#ifndef VG_AN_WORKER_H
#define VG_AN_WORKER_H

#include <stdint.h>

#include "vg_analyzer.h"
#include "vg_flow.h"
#include "vg_sig.h"

struct vg_an_worker_cfg {
	/* Connections with analyzers at once (0: 65536). */
	uint32_t max_conns;
	/* States per analyzer at once (0: a quarter of max_conns, at least 1024). */
	uint32_t max_states;
	/* The analyzers to run; NULL: the whole registry (unit tests pass their own). */
	const struct vg_analyzer *const *analyzers;
	uint32_t nanalyzers;
	/* Several workers: the bus that carries expected connections between
	 * them (vg_an_bus_create) and this worker's number on it; NULL: alone. */
	struct vg_an_bus *bus;
	uint32_t index;
	/* Signatures (lib/sig): the compiled set, NULL none, and the matcher's
	 * sizes (sig.max_flows: the flow table's max_flows). */
	const struct vg_sig_db *sig_db;
	struct vg_sig_worker_cfg sig;
};

struct vg_an_stats {
	uint64_t attached;           /* analyzer instances attached */
	uint64_t confirmed;          /* confirmations */
	uint64_t violations;         /* violations that detached an analyzer */
	uint64_t violations_ignored; /* past DPD::ignore_violations_after */
	uint64_t conns_full;         /* not attached: no free connection record */
	uint64_t states_full;        /* not attached: the analyzer's state pool was full */
	uint64_t stale;              /* handles whose connection had gone (a bug if not 0) */
	uint64_t records;            /* records analyzers wrote */
	uint64_t weirds_suppressed;
	uint64_t probed;          /* connections whose first bytes went to probes */
	uint64_t probe_attached;  /* analyzers attached by a probe */
	uint64_t probes_full;     /* not probed: no free probe buffer */
	uint64_t handoffs;        /* streams handed to another analyzer (vg_an_handoff) */
	uint64_t handoffs_failed; /* hand-offs refused: not loaded, attached, or no room */
	uint64_t redetects;       /* connections whose content went to the probes again */
	/* Pool use now and its high-water mark (gauges, not counters): connection
	 * records, probe buffers, analyzer states (all analyzers together). */
	uint64_t conns_used, conns_high;
	uint64_t probes_used, probes_high;
	uint64_t states_used, states_high;
};

/*
 * The analyzers' memory, per worker (vigil -r --stats prints it; stats.log
 * has no room left for more columns).
 */
struct vg_an_mem_stats {
	uint64_t bufs_used, bufs_high; /* side buffers (vg_an_buf_get) now, and the most at once */
	uint64_t bufs_full;            /* side buffers refused: their pool was full */
	/* Bytes of the pools touched so far: every connection record, probe
	 * buffer, analyzer state and side buffer handed out at least once (the
	 * pools' high-water marks). Pages are backed on first touch: this is
	 * the memory the analyzers took. */
	uint64_t state_bytes;
};

/*
 * Expected connections (vg_an_expect), per worker. Not in stats.log, whose
 * columns are full: vigil -r --stats prints them on a line of their own.
 */
struct vg_an_expect_stats {
	uint64_t expects;         /* connections this worker's analyzers expected */
	uint64_t expect_used;     /* connections attached by an expectation */
	uint64_t expect_expired;  /* expectations whose time ran out unused */
	uint64_t expect_full;     /* expectations not kept: their table slots were taken */
	uint64_t expect_bus_full; /* expectations not sent: a peer's ring was full */
};

struct vg_an_worker;

/* NULL with errno set when memory cannot be had. */
struct vg_an_worker *vg_an_worker_create(const struct vg_an_worker_cfg *cfg);
void vg_an_worker_free(struct vg_an_worker *w);
const struct vg_an_stats *vg_an_worker_stats(const struct vg_an_worker *w);
const struct vg_an_expect_stats *vg_an_worker_expect_stats(const struct vg_an_worker *w);
const struct vg_an_mem_stats *vg_an_worker_mem_stats(const struct vg_an_worker *w);
/* How many analyzers the worker runs (0: the flow table needs no hooks). */
uint32_t vg_an_worker_count(const struct vg_an_worker *w);

/*
 * Adds the worker's counters to vals[0 .. vg_an_counter_count()) (see
 * vg_analyzer.h), reading them relaxed: any thread may call it while the
 * worker runs. Counters kept per thread read 0 until the worker's first
 * connection.
 */
void vg_an_worker_counters_add(const struct vg_an_worker *w, uint64_t *vals);

/*
 * The bus between workers for expected connections: one single-producer
 * single-consumer ring per ordered pair of workers. Made before the workers,
 * freed after them. NULL when nworkers is 0 or above VG_AN_BUS_MAX_WORKERS,
 * or memory cannot be had.
 */
#define VG_AN_BUS_MAX_WORKERS 64
struct vg_an_bus;
struct vg_an_bus *vg_an_bus_create(uint32_t nworkers);
void vg_an_bus_free(struct vg_an_bus *b);
/*
 * Takes in the expectations other workers sent (call at the start of each
 * burst, with the burst's network time; nothing to do without a bus).
 */
void vg_an_worker_poll(struct vg_an_worker *w, uint64_t now);

/* The hooks to put in vg_flow_cfg (ctx: the worker); with signatures, the
 * second set, which also has the packet hook. */
extern const struct vg_flow_hooks vg_an_flow_hooks;
extern const struct vg_flow_hooks vg_an_flow_hooks_sig;
/* The worker matches signatures (and needs vg_an_flow_hooks_sig). */
bool vg_an_worker_has_sig(const struct vg_an_worker *w);
/*
 * Signature reload (vg_an_sig_reload.c). Main lcore: make a matcher on the
 * new database for this worker (NULL: no memory, or the worker runs without
 * signatures), offer it (false: the last offer is not taken yet), see
 * whether it was taken, and collect finished matchers to free
 * (vg_sig_worker_free), until NULL. Worker, between bursts: poll.
 */
struct vg_sig_worker *vg_an_worker_sig_make(
	const struct vg_an_worker *w, const struct vg_sig_db *db);
bool vg_an_worker_sig_offer(struct vg_an_worker *w, struct vg_sig_worker *sw);
bool vg_an_worker_sig_taken(const struct vg_an_worker *w);
struct vg_sig_worker *vg_an_worker_sig_collect(struct vg_an_worker *w);
void vg_an_worker_sig_poll(struct vg_an_worker *w);
/* Its signature counters (every generation's); NULL without signatures. */
const struct vg_sig_stats *vg_an_worker_sig_stats(const struct vg_an_worker *w);
/* Main lcore: earlier signature sets the worker still matches connections
 * with (read relaxed: a burst apart from the truth). */
uint32_t vg_an_worker_sig_draining(const struct vg_an_worker *w);

/*
 * True when a connection record handle still belongs to the connection at
 * index conn with generation gen (a stale handle says false). For tests and
 * for code that keeps a handle across packets.
 */
bool vg_an_handle_valid(const struct vg_an_worker *w, uint32_t handle, uint32_t conn, uint32_t gen);

#endif /* VG_AN_WORKER_H */
