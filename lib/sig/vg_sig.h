/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signature matching on Hyperscan (doc/signatures.md): a rule set
 * (vg_sig_rule.h) compiled once into an immutable database shared read-only
 * by every worker, and per worker a matcher with its own Hyperscan scratch,
 * its own pool of per-connection match state and its own pool of Hyperscan
 * streams, all allocated at start.
 *
 * The semantics are Zeek's (src/RuleMatcher.cc, src/RuleCondition.cc,
 * src/analyzer/protocol/pia/PIA.cc): header conditions on the packet that
 * opened each direction, TCP payload as the reassembled stream of each
 * direction (one Hyperscan stream per direction, so a match may cross
 * segments), UDP and ICMP payload one packet at a time, a signature fires at
 * most once per connection, and only the start of a connection is matched
 * (dpd_buffer_size, dpd_max_packets, dpd_match_only_beginning).
 */
#ifndef VG_SIG_H
#define VG_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vg_sig_rule.h"

struct vg_flow_table;
struct vg_conn;
struct vg_pkt;

/* Zeek's dpd_buffer_size and dpd_max_packets (scripts/base/init-bare.zeek). */
#define VG_SIG_DEPTH_DEFAULT  1024
#define VG_SIG_CHUNKS_DEFAULT 100

/* A compiled rule set. Immutable once built; counted references. */
struct vg_sig_db;

/*
 * Compiles the active rules of rs. A rule that cannot be compiled (a
 * pattern Hyperscan refuses, a requires-* naming a rule that was dropped) is
 * reported through diag (not fatal) and left out; the others load. Returns
 * NULL (and a reason in err) only when nothing usable can be built
 * (memory, Hyperscan itself failing). An empty rule set gives a database
 * with no rules.
 */
struct vg_sig_db *vg_sig_db_build(
	const struct vg_sig_ruleset *rs, vg_sig_diag_fn diag, void *arg, char *err, size_t errlen);
/* Another reference (a worker, a connection's streams). */
const struct vg_sig_db *vg_sig_db_ref(const struct vg_sig_db *db);
/* Drops a reference; the last one frees the database. NULL is ignored. */
void vg_sig_db_unref(const struct vg_sig_db *db);
uint32_t vg_sig_db_rules(const struct vg_sig_db *db);
uint32_t vg_sig_db_patterns(const struct vg_sig_db *db);
/* Bytes of the Hyperscan databases, and of one stream's state. */
size_t vg_sig_db_bytes(const struct vg_sig_db *db);
size_t vg_sig_db_stream_bytes(const struct vg_sig_db *db);

struct vg_sig_worker_cfg {
	/* Connections with match state at once (0: 65536), at most what 1 GiB
	 * of states holds (a state is 64 bytes and, per direction, 3 bits per
	 * rule and 1 per pattern, rounded up to 64-bit words). */
	uint32_t max_conns;
	/* Hyperscan streams at once, two per TCP connection while it is
	 * matched (0: 2 * max_conns, at most 65536 or what 64 MiB of stream
	 * state holds), and per PDU type (0: max_conns / 16, at least 256). */
	uint32_t max_streams;
	/* Bytes of a connection matched, both directions together (Zeek's
	 * dpd_buffer_size with dpd_match_only_beginning); 0: VG_SIG_DEPTH_DEFAULT;
	 * UINT32_MAX: no limit (dpd_match_only_beginning off). */
	uint32_t depth;
	/* Flow table slots (connection indexes) the worker may see. */
	uint32_t max_flows;
	/* Where the matcher counts; NULL: its own. The matchers a reload makes
	 * for one worker share the worker's, so its counters run on across
	 * reloads and the gauges cover every generation. */
	struct vg_sig_stats *stats;
	/*
	 * A fired rule's `enable "analyzer"` actions (Zeek's RuleActionEnable,
	 * DPD by signature), one call each, during the vg_sig_* call that fired
	 * it; NULL: ignored.
	 */
	void (*enable)(void *arg, const struct vg_conn *c, const char *analyzer);
	void *enable_arg;
};

/* Per worker. Gauges say so; the rest count since the start. */
struct vg_sig_stats {
	uint64_t matches;          /* signatures that fired (signature_match events and silent) */
	uint64_t logged;           /* signatures.log rows written */
	uint64_t notices;          /* notice.log rows written */
	uint64_t log_dropped;      /* rows the log ring refused */
	uint64_t rules_evaluated;  /* rules whose conditions were evaluated */
	uint64_t bytes_scanned;    /* payload bytes given to Hyperscan */
	uint64_t conns;            /* connections that got match state */
	uint64_t conns_full;       /* connections not matched: the state pool was full */
	uint64_t streams_opened;   /* Hyperscan streams taken for a TCP direction */
	uint64_t streams_full;     /* TCP directions not matched: no free stream */
	uint64_t skipped;          /* connections past the depth (no more payload matched) */
	uint64_t scan_errors;      /* Hyperscan scans that failed (a bug when not 0) */
	uint64_t summaries;        /* Multiple_Signatures / Multiple_Sig_Responders rows */
	uint64_t summary_full;     /* matches not counted for summaries: table full */
	uint64_t reloads;          /* new signature sets this worker switched to */
	uint64_t reload_abandoned; /* connections whose matching a reload gave up */
	uint64_t enabled;          /* connections an `enable` action gave an analyzer */
	uint64_t conns_used, conns_high;     /* gauges: match states in use, most at once */
	uint64_t streams_used, streams_high; /* gauges: streams in use, most at once */
};

/* Counter names in struct order, for --stats and telemetry. */
#define VG_SIG_NCOUNTERS 21
extern const char *const vg_sig_counter_names[VG_SIG_NCOUNTERS];
bool vg_sig_counter_is_gauge(uint32_t i);

struct vg_sig_worker;

/* NULL with errno set when memory or Hyperscan scratch cannot be had. */
struct vg_sig_worker *vg_sig_worker_create(
	const struct vg_sig_db *db, const struct vg_sig_worker_cfg *cfg);
void vg_sig_worker_free(struct vg_sig_worker *sw);
const struct vg_sig_stats *vg_sig_worker_stats(const struct vg_sig_worker *sw);

/*
 * What the flow table's hooks hand the matcher (lib/analyzer calls these).
 * packet: every packet of a connection with good checksums, before the
 * flow table handles it (TCP: only the first of each direction is looked
 * at; UDP and ICMP: the payload is matched). stream: TCP's in-order bytes.
 */
void vg_sig_packet(struct vg_sig_worker *sw, struct vg_flow_table *ft, struct vg_conn *c,
	const struct vg_pkt *pkt, bool is_orig);
void vg_sig_stream(struct vg_sig_worker *sw, struct vg_flow_table *ft, struct vg_conn *c,
	uint64_t ts, bool is_orig, const uint8_t *data, uint32_t len);
/* TCP bytes that will never come: a hole in the stream. */
void vg_sig_gap(
	struct vg_sig_worker *sw, struct vg_flow_table *ft, struct vg_conn *c, bool is_orig);

/* A PDU of an analyzer (vg_an_sig_pdu): type is enum vg_sig_pat_type. */
enum {
	VG_SIG_PDU_BEGIN = 1 << 0, /* the first piece of a PDU (a body's first chunk) */
	VG_SIG_PDU_END = 1 << 1,   /* the last piece (data may be empty) */
};
void vg_sig_pdu(struct vg_sig_worker *sw, struct vg_flow_table *ft, struct vg_conn *c, uint64_t ts,
	uint8_t type, bool is_orig, const uint8_t *data, uint32_t len, unsigned flags);
void vg_sig_flip(struct vg_sig_worker *sw, struct vg_flow_table *ft, struct vg_conn *c);
/* The connection ends: end-of-stream rules run, the state is released. */
void vg_sig_conn_end(
	struct vg_sig_worker *sw, struct vg_flow_table *ft, struct vg_conn *c, uint64_t ts);

/*
 * Generations. A reload (SIGHUP, doc/signatures.md) gives each worker a new
 * matcher on the new database; connections whose match state the old one
 * holds stay with it until they end (no match in progress is lost), new
 * connections go to the new one. These let the owner route and retire.
 */
/* The matcher holds state for connection c. */
bool vg_sig_worker_has_conn(
	const struct vg_sig_worker *sw, const struct vg_flow_table *ft, const struct vg_conn *c);
/* Connections it holds state for now. */
uint32_t vg_sig_worker_conns(const struct vg_sig_worker *sw);
/*
 * Gives up every connection's state without running end-of-connection rules
 * (a reload while the generation before is still draining); returns how
 * many connections lost their matching.
 */
uint32_t vg_sig_worker_abandon(struct vg_sig_worker *sw);

#endif /* VG_SIG_H */
