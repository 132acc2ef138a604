/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The live pipeline on DPDK lcores: each worker runs to completion on its
 * packets (RX, decode, flow table, records into its own log ring). When the
 * NIC cannot spread flows by the inner headers (vdevs, ENA, gVNIC, most VFs),
 * every RX queue the port offers is read by one worker (a poller), which
 * hashes each packet's inner address pair and mirror session symmetrically,
 * keeps its own share and hands the rest to the owning worker through a
 * ring of that poller-worker pair (one producer, one consumer). Network time
 * comes from NIC timestamps when the port has them, else from the TSC mapped
 * to the wall clock once at start.
 */
#ifndef VG_LIVE_H
#define VG_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_dpdk_port.h"
#include "vg_bpf.h"
#include "vg_worker.h"

struct rte_rcu_qsbr;
struct vg_exc;

#define VG_LIVE_MAX_WORKERS 64 /* a bit each in vg_live_worker.staged */

/* Packets per receive burst (64 measured a few per cent faster than 32: the
 * worker's prefetch pipeline drains less often). */
#define VG_LIVE_BURST 64

/* Per-worker counters, written by the worker and read relaxed by main. */
struct vg_live_counters {
	uint64_t rx;             /* packets taken from the port (or the dispatch rings) */
	uint64_t port_rx;        /* of those, read from a port's RX queue */
	uint64_t dispatched;     /* passed on to other workers */
	uint64_t dispatch_drops; /* another worker's ring was full */
	uint64_t idle_polls;
	uint64_t decode_tsc;   /* TSC ticks a poller spent decoding (the packets' one decode) */
	uint64_t dispatch_tsc; /* TSC ticks spent choosing owners and handing over */
	uint64_t receive_tsc;  /* TSC ticks spent taking packets from dispatch rings */
	uint64_t flush_waits;  /* at stop: times the log ring was full and the worker waited */
	uint64_t filtered;     /* not passed by the capture filter (-f) */
	uint64_t work_tsc;     /* TSC ticks spent on bursts (decode, flows, analyzers) */
	/* The exception path (vg_live_exc.h): frames read from the port that are
	 * not counted in rx/port_rx. */
	uint64_t exc_handed;    /* host frames handed to the main lcore for the kernel */
	uint64_t exc_ring_full; /* host frames dropped: the ring to the main lcore was full */
	uint64_t exc_ignored;   /* frames from a host address: neither analysed nor forwarded */
	uint64_t paused_drops;  /* read while the console stopped capture (exception path on) */
	uint64_t loops;         /* poll-loop passes: the health check's sign of life */
	/* dispatch_drops by the worker whose ring was full */
	uint64_t ring_full_to[VG_LIVE_MAX_WORKERS];
};

/* An RX queue a worker polls. */
struct vg_live_rxq {
	uint16_t port; /* index in vg_ports.port[] */
	uint16_t queue;
};

#define VG_LIVE_MAX_RXQ 64

/* Packets a software dispatch ring holds (mbufs the port pools must count). */
#define VG_LIVE_DISPATCH_RING 4096

/*
 * Software dispatch decodes a packet once, on its poller, which finds the
 * owner from that decode and leaves it in the mbuf's private area for the
 * owner (struct vg_decoded). An IP fragment, or a frame spread over several
 * mbufs, is left to the owner to decode whole (VG_DECODE_DEFERRED): only the
 * owner can reassemble it.
 */
#define VG_LIVE_MBUF_PRIV ((sizeof(struct vg_decoded) + 7) & ~(size_t)7)

/*
 * The console's `show flows`: the main lcore fills the filter, then bumps
 * req (release); the worker notices at the end of a loop, walks its own
 * table VG_LIVE_QUERY_BUDGET slots per loop keeping the top entries, and
 * publishes them by setting done to req (release). No other thread ever
 * reads the flow table.
 */
#define VG_LIVE_QUERY_TOP    100
#define VG_LIVE_QUERY_BUDGET 256

enum vg_flow_order { VG_ORDER_BYTES, VG_ORDER_PACKETS, VG_ORDER_DURATION };

/* Filter bits (vg_flow_filter.have). */
#define VG_FF_HOST    1u
#define VG_FF_NET     2u
#define VG_FF_PORT    4u
#define VG_FF_PROTO   8u
#define VG_FF_SERVICE 16u
#define VG_FF_SESSION 32u

struct vg_flow_filter {
	uint32_t have; /* VG_FF_* */
	struct vg_addr host, net;
	uint8_t net_bits; /* prefix over the 16-byte form (IPv4: 96 + len) */
	uint8_t proto;
	uint16_t port;
	char service[16]; /* one of conn.log's services so far (http, ssl, vxlan, ...) */
	uint64_t session; /* the mirror session (VNI, GENEVE network id, ERSPAN session) */
};

struct vg_live_query {
	struct vg_flow_filter filter; /* main: set before req */
	uint8_t order;                /* enum vg_flow_order */
	uint16_t top;                 /* entries wanted, at most VG_LIVE_QUERY_TOP */
	uint32_t req;                 /* main: the request's number */
	uint32_t seen;                /* worker: the request it is walking for */
	uint32_t cursor;              /* worker: the next slot */
	uint32_t done;                /* worker: the request answered */
	uint32_t n;                   /* entries in view[] */
	uint64_t matched;             /* connections that passed the filter */
	uint64_t walked;              /* connections looked at */
	struct vg_flow_view view[VG_LIVE_QUERY_TOP];
};

/* Worker side, at the end of a loop: one step of a pending request. */
void vg_live_query_step(struct vg_flow_table *ft, struct vg_live_query *q);
/* True when the flow passes the filter. */
bool vg_flow_filter_match(const struct vg_flow_filter *f, const struct vg_flow_view *v);

struct vg_live_worker {
	uint16_t index;
	unsigned lcore;
	struct vg_worker w;
	struct vg_live *live;
	uint16_t nrxq; /* RX queues this worker polls (0: it only receives) */
	struct vg_live_rxq rxq[VG_LIVE_MAX_RXQ];
	/* Software dispatch. */
	bool dispatching;
	struct vg_decoder poll_dec;                /* pollers: the one decode of a packet */
	uint16_t nin;                              /* rings from the other pollers */
	struct rte_ring *in[VG_LIVE_MAX_WORKERS];  /* consumer side, owned here */
	struct rte_ring *out[VG_LIVE_MAX_WORKERS]; /* to each other worker (pollers) */
	uint64_t staged;                           /* bit w: stage[w] holds packets */
	uint16_t nstage[VG_LIVE_MAX_WORKERS];      /* packets waiting for worker w */
	struct rte_mbuf *stage[VG_LIVE_MAX_WORKERS][2 * VG_LIVE_BURST];
	struct vg_live_counters cnt;
	struct vg_live_query query; /* the console's show flows */
	uint64_t last_rx_tsc;       /* TSC when the last packet was processed */
	uint64_t first_rx_tsc;      /* TSC before the first burst processed (0 before any) */
	uint64_t done_rx_tsc;       /* and after the last: the time packets flowed (--stats) */
	uint64_t last_ts_ns;        /* and its network time */
	uint64_t last_clock_ns;     /* the last NIC- or TSC-clock stamp handed out */
	int flushed;                /* set (release) once its connections are all in its ring */
	bool flush_gave_up;         /* at stop: the ring's reader made no progress in time */
	uint8_t linear[VG_LIVE_BURST * 16384]; /* multi-segment frames of one burst, copied flat */
};

struct vg_live {
	struct vg_ports *ports;
	uint16_t nworkers;
	struct vg_live_worker *workers[VG_LIVE_MAX_WORKERS];
	const struct vg_bpf *filter; /* -f: capture filter, NULL when none */
	struct vg_exc *exc;          /* --exception: the host's traffic to its kernel, or NULL */
	volatile int stop;
	volatile int paused; /* the console's `stop`: workers read no packets */
	/* Software dispatch stops in order: each poller hands over its last
	 * packets and counts itself here; workers do their final drain only once
	 * every poller has. */
	uint16_t npollers;
	uint16_t pollers_done;
	uint64_t tsc_hz;
	uint64_t tsc_mult;         /* ns per TSC tick for intervals (VG_CLOCK_SHIFT bits) */
	struct vg_clock tsc_clock; /* the TSC pinned to the wall clock, re-pinned by main */
	uint64_t stop_drops;       /* software dispatch: packets left in a dispatch ring at stop */
	/* Signature reload: the workers' quiescent-state variable (DPDK RCU),
	 * NULL without signatures. Each worker reports a quiescent state after
	 * every poll-loop pass, which begins by taking a new matcher if one
	 * was offered (vg_an_worker_sig_poll); a grace period that starts after
	 * the offers therefore ends once every worker runs the new set. */
	struct rte_rcu_qsbr *sig_qsbr;
	/* What `show sig` and `show logd` read (vg_live_status.h); NULL: no
	 * signatures, no --logd. */
	struct vg_live_sig_status *sig_status;
	struct vg_live_logd *logd;
	/* Tests only (VIGIL_TEST_DISPATCH_DELAY_US): a pause before every hand-over
	 * to another worker, which widens the window a stop can fall into. */
	uint32_t test_dispatch_delay_us;
};

/* Maps the TSC to the wall clock from now on (the TSC rate from DPDK). */
void vg_live_clock_init(struct vg_live *live);

/*
 * Main lcore, every VG_CLOCK_REPIN_S: re-pins the TSC and the NICs' clocks to
 * the wall clock (published to the workers through vg_clock's sequence).
 */
void vg_live_clock_repin(struct vg_live *live);

/*
 * Sets up a worker (memory on its NUMA node), after workers 0 .. index-1 and
 * the ports: it learns the RX queues it polls and, in software dispatch, the
 * rings between it and each worker before it. -1 with errno set.
 */
int vg_live_worker_init(
	struct vg_live *live, uint16_t index, unsigned lcore, const struct vg_worker_cfg *cfg);

/* Frees a worker (after its lcore has returned). */
void vg_live_worker_fini(struct vg_live_worker *lw);

/* The lcore function: runs until live->stop, then flushes its flows. */
int vg_live_worker_main(void *arg);

/*
 * At stop, a worker waits for room in its full log ring while the reader
 * makes progress; after this many seconds without any, it drops and counts.
 */
#define VG_LIVE_FLUSH_WAIT_S 10

/* Ends every connection of a stopping worker into its ring, waiting for room. */
void vg_live_worker_flush(struct vg_live_worker *lw);

/* True once every worker has flushed (the main lcore drains until then). */
bool vg_live_flushed(const struct vg_live *live);

/*
 * After every worker lcore returned: frees packets still left in dispatch
 * rings (none when the stop order holds) and counts them in stop_drops.
 */
void vg_live_reap(struct vg_live *live);

/* Network time now from the TSC (ns since the epoch). */
uint64_t vg_live_now_ns(const struct vg_live *live);

#endif /* VG_LIVE_H */
