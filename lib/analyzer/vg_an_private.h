/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The framework's insides: per-worker pools of analyzer state, the record of
 * which analyzers a connection has, and the context handed to analyzers.
 */
#ifndef VG_AN_PRIVATE_H
#define VG_AN_PRIVATE_H

#include "vg_an_worker.h"
#include "vg_analyzer.h"
#include "vg_flow_private.h"

/* Counter sets at most: the frameworks' and one per analyzer. */
#define VG_AN_COUNTER_SETS (VG_AN_MAX + 4)

/* Analyzers attached to one connection at once. */
#define VG_AN_PER_CONN 4
/* Distinct weird names remembered per connection (more are logged each time). */
#define VG_AN_WEIRDS 8
/* DPD::ignore_violations_after (base/frameworks/analyzer/dpd.zeek). */
#define VG_AN_IGNORE_VIOLATIONS_AFTER (10 * 1024)

enum {
	VG_ATT_LIVE = 1 << 0,      /* gets calls (cleared by a violation) */
	VG_ATT_CONFIRMED = 1 << 1, /* confirmed at least once */
	VG_ATT_HANDED = 1 << 2,    /* handed its streams to another (vg_an_handoff) */
};

/* vg_an_redetect: asked during a call, started when the call returns. */
enum vg_an_redetect_state {
	VG_REDETECT_NONE,
	VG_REDETECT_ASKED,
	VG_REDETECT_DONE,
};

struct vg_an_att {
	uint8_t an;     /* registry index */
	uint8_t flags;  /* VG_ATT_* */
	uint32_t state; /* slot in the analyzer's state pool */
};

/*
 * One connection's analyzers, reached from vg_conn.an (slot + 1). It names
 * its connection by index and generation, so a handle that outlived its
 * connection is recognised (vg_an_conn_get).
 */
struct vg_an_conn {
	uint32_t conn;
	uint32_t gen;
	uint32_t next_free;
	uint32_t probe;   /* TCP content detection buffers: slot + 1, 0 none */
	uint32_t probing; /* analyzers whose probe is still asked (bits) */
	uint32_t no[2];   /* of them, those that said no for orig [0] / resp [1] */
	uint8_t natt;
	uint8_t nsvc;
	uint8_t nweird;
	uint8_t redetect;            /* enum vg_an_redetect_state */
	uint8_t svc[VG_AN_PER_CONN]; /* registry indexes of confirmed analyzers, in order */
	struct vg_an_att att[VG_AN_PER_CONN];
	uint32_t weird_seen[VG_AN_WEIRDS]; /* hashes of weird names logged */
	/* Attached by an expectation made on this worker: the connection that made
	 * it (a handle, checked as any other) and its analyzer (vg_an_expect_origin). */
	uint32_t origin, origin_conn, origin_gen;
	uint8_t origin_att;
};

/* Expected connections (vg_an_expect.c): slots per worker, slots a key may use. */
#define VG_AN_EXPECT_SLOTS  1024
#define VG_AN_EXPECT_WINDOW 16

/* One expectation, as a worker keeps it and as the bus carries it. */
struct vg_an_expect {
	struct vg_addr orig_h, resp_h;
	uint64_t expires; /* network time; 0: a free slot */
	const struct vg_analyzer *an;
	uint32_t origin, origin_conn, origin_gen; /* the connection that made it */
	uint16_t resp_p;
	uint16_t origin_worker;
	uint8_t any_orig;
	uint8_t origin_att;
};

/* Zeek's dpd_buffer_size (init-bare.zeek): bytes per direction a probe may see. */
#define VG_AN_PROBE_BYTES 1024
#define VG_AN_PROBE_SEGS  32

/* The first bytes of each direction while probes decide (TCP). */
struct vg_an_probebuf {
	uint32_t next_free;
	uint16_t len[2];
	uint8_t full[2]; /* no more room: a MAYBE now counts as no */
	uint32_t yes[2]; /* probe_both analyzers that said yes for one direction so far */
	uint8_t nseg;
	struct {
		uint8_t dir;
		uint16_t len;
	} seg[VG_AN_PROBE_SEGS]; /* arrival order, for the replay */
	uint8_t buf[2][VG_AN_PROBE_BYTES];
};

/* Fixed-size slots for one analyzer's state, from one mapping made at start. */
struct vg_an_pool {
	uint8_t *mem;
	size_t bytes;
	uint32_t slot; /* bytes per slot */
	uint32_t cap;
	uint32_t high; /* slots below this were handed out at least once */
	uint32_t free_head;
	uint32_t used;
};

/* Signature matchers of earlier reloads still draining, at most; and
 * finished ones a worker can hold for the main lcore to free. */
#define VG_AN_SIG_GENS    8
#define VG_AN_SIG_RETIRED 8

/*
 * The matcher that holds connection c's signature state: the generation
 * before a reload while c began under it, else the current one.
 */
static inline struct vg_sig_worker *vg_an_sig_for(
	const struct vg_an_worker *w, const struct vg_flow_table *ft, const struct vg_conn *c);

/* Side buffers (vg_an_buf_get): 4 KiB and 16 KiB, address space per class. */
#define VG_AN_BUF_CLASSES     2
#define VG_AN_BUF_SMALL       4096
#define VG_AN_BUF_CLASS_BYTES (256ULL << 20)

struct vg_an_worker {
	const struct vg_analyzer *const *ans;
	uint32_t nan;
	struct vg_an_pool states[VG_AN_MAX];
	struct vg_an_pool bufs[VG_AN_BUF_CLASSES];
	struct vg_an_conn *conns;
	size_t conns_bytes;
	uint32_t conn_cap, conn_high, conn_free;
	struct vg_an_probebuf *probes;
	size_t probes_bytes;
	uint32_t probe_cap, probe_high, probe_free;
	uint32_t probe_tcp, probe_udp; /* analyzers with a probe, per transport (bits) */
	/* Ports some analyzer is registered for (resp port), per transport. */
	uint64_t udp_ports[65536 / 64];
	uint64_t tcp_ports[65536 / 64];
	char source[VG_AN_MAX][24]; /* weird.log source: the name in upper case */
	struct vg_an_stats stats;
	struct vg_an_mem_stats mem;
	/* Counters kept per thread: this worker's, bound on its thread. */
	int bound;
	const uint64_t *set_vals[VG_AN_COUNTER_SETS];
	struct vg_sig_worker *sig; /* signature matching; NULL: no signatures */
	/* Reload (vg_an_sig_reload.c): the generations before, oldest first,
	 * each still matching the connections it began; the next one, handed
	 * in by the main lcore; finished ones for the main lcore to free. */
	struct vg_sig_worker *sig_old[VG_AN_SIG_GENS];
	uint32_t sig_nold;
	struct vg_sig_worker *sig_pending;
	struct vg_sig_worker *sig_retired[VG_AN_SIG_RETIRED];
	struct vg_sig_worker_cfg sig_cfg;
	struct vg_sig_stats sig_stats; /* every generation counts here */
	/* `enable` actions of the signature call in progress: analyzers (bits)
	 * for connection en_conn, taken by the hook that made the call. */
	const struct vg_conn *en_conn;
	uint32_t en_bits;
	uint32_t idle_an;      /* vg_conn.an of a connection without analyzers */
	struct vg_an_bus *bus; /* NULL: the only worker */
	uint32_t index;        /* this worker's number on the bus */
	uint32_t exp_used;     /* slots of exp[] in use */
	struct vg_an_expect_stats exp_stats;
	struct vg_an_expect exp[VG_AN_EXPECT_SLOTS];
	uint8_t rec[VG_REC_MAX_LEN];
};

struct vg_an_ctx {
	struct vg_an_worker *w;
	struct vg_flow_table *ft;
	struct vg_conn *c;
	struct vg_an_conn *ac;
	uint8_t att; /* index in ac->att of the analyzer being called */
	/* vg_an_handoff during a stream call: the new analyzer's index, 0xff none */
	uint8_t handoff_att;
	uint32_t handoff_from;
	uint64_t now;
	char uid[32];
};

/* Attaches analyzer i to cx's connection (vg_an_worker.c); false when full. */
bool vg_an_attach(struct vg_an_worker *w, struct vg_an_ctx *cx, uint32_t i);

/* Counter sets of the frameworks (files), NULL-terminated (the registry). */
extern const struct vg_an_counters *const vg_framework_counters[];

/* Takes the addresses of the calling thread's counters (the worker's thread). */
void vg_an_counters_bind(struct vg_an_worker *w);

/* The connection's analyzer record, or NULL (and counted) when its handle is stale. */
struct vg_an_conn *vg_an_conn_get(
	struct vg_an_worker *w, struct vg_flow_table *ft, struct vg_conn *c);

static inline void *
vg_an_state(struct vg_an_worker *w, const struct vg_an_att *a)
{
	struct vg_an_pool *p = &w->states[a->an];

	return p->mem + (size_t)a->state * p->slot;
}

/*
 * The expectation a new TCP connection matches (used up), its analyzer
 * returned and the entry copied to *out; NULL when none.
 */
const struct vg_analyzer *vg_an_expect_find(struct vg_an_worker *w, const struct vg_addr *orig_h,
	const struct vg_addr *resp_h, uint16_t resp_p, uint64_t now, struct vg_an_expect *out);

static inline struct vg_sig_worker *
vg_an_sig_for(const struct vg_an_worker *w, const struct vg_flow_table *ft, const struct vg_conn *c)
{
	for (uint32_t i = w->sig_nold; i-- > 0;)
		if (vg_sig_worker_has_conn(w->sig_old[i], ft, c))
			return w->sig_old[i];
	return w->sig;
}

/* After a connection of an earlier generation ended: frees those that hold no more. */
void vg_an_sig_retire_if_done(struct vg_an_worker *w);

#endif /* VG_AN_PRIVATE_H */
