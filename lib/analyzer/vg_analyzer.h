/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The analyzer framework: how a protocol plugs in (see ../shared/DESIGN.md
 * and doc/analyzers.md).
 *
 * One const `struct vg_analyzer` per protocol, listed once in the registry
 * (vg_analyzer_registry.c). The flow table owns connections; an analyzer owns
 * its state, `state_size` bytes in a per-worker pool beside the connection,
 * reached through a handle that carries the connection's generation. The
 * framework calls the analyzer with ordered stream bytes (TCP, through the
 * reassembler in lib/tcp) or whole datagrams (UDP), tells it about gaps, FINs,
 * role flips and the connection's end, and gives it a context (`struct
 * vg_an_ctx`) through which it writes log records, weirds and files, and
 * confirms or violates the protocol (Zeek's analyzer_confirmation /
 * analyzer_violation; conn.log's `service` lists the confirmed ones).
 *
 * Analyzers never format text and never allocate per packet: records are
 * built with vg_rec_* (vg_record.h) into the context's scratch buffer.
 *
 * Contract status: this header is the interface the analyzers are written
 * against. The framework owner may extend it; changing a call that analyzers
 * already use means updating those analyzers in the same commit.
 */
#ifndef VG_ANALYZER_H
#define VG_ANALYZER_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_common.h"
#include "vg_record.h"
#include "vg_schema.h"

/* The framework's view of one connection for one analyzer call. */
struct vg_an_ctx;

enum vg_an_transport {
	VG_AN_TCP = 1 << 0,
	VG_AN_UDP = 1 << 1,
};

/* What a probe thinks of the first bytes of one direction. */
enum vg_an_probe {
	VG_PROBE_NO,    /* not this protocol */
	VG_PROBE_MAYBE, /* too few bytes to tell; ask again with more */
	VG_PROBE_YES,   /* looks like this protocol: attach the analyzer */
};

/* Why a connection ends (the analyzer flushes its records either way). */
enum vg_an_end {
	VG_AN_END_TIMEOUT,
	VG_AN_END_CLOSE,
	VG_AN_END_EVICT,
	VG_AN_END_FLUSH,
};

/*
 * A log an analyzer writes: its schema (a static table in the analyzer's own
 * folder; the schema's id is ignored) and where the log id goes when it is
 * registered. Lists end with {NULL, NULL}.
 */
struct vg_an_log {
	const struct vg_schema *schema;
	uint16_t *id;
};

/*
 * Counters of something given up or cut that has no log line of its own
 * (every drop has a named counter): `n` names, each as --stats, stats.log's
 * column and telemetry's key show it ("tls_certs_cut": the analyzer's name
 * first), and `values`, which returns the calling thread's n counters
 * (uint64_t, in name order). Analyzers keep them per thread (_Thread_local:
 * a worker is one thread), count with a plain increment, and the framework
 * takes each worker's address on that worker and reads it relaxed.
 */
struct vg_an_counters {
	const char *const *names;
	uint32_t n;
	const uint64_t *(*values)(void);
};

/*
 * Defines `name`, a struct vg_an_counters over `stats` (an object of
 * uint64_t counters, per thread) named by the array `label`, with a
 * compile-time check that every counter has a name. `storage` is static or
 * empty (an extern table).
 */
#define VG_AN_COUNTERS(storage, name, stats, label)                                                \
	_Static_assert(sizeof(stats) == sizeof(label) / sizeof((label)[0]) * sizeof(uint64_t),     \
		"a counter of " #stats " without a name");                                         \
	static const uint64_t *name##_values(void)                                                 \
	{                                                                                          \
		return (const uint64_t *)&(stats);                                                 \
	}                                                                                          \
	storage const struct vg_an_counters name = {                                               \
		.names = label,                                                                    \
		.n = sizeof(label) / sizeof((label)[0]),                                           \
		.values = name##_values,                                                           \
	}

struct vg_analyzer {
	const char *name;   /* Zeek's analyzer name as conn.log's service shows it: "dns" */
	uint8_t transports; /* enum vg_an_transport bits */
	/* Likely server ports (Zeek's Analyzer::register_for_ports); 0-terminated. */
	const uint16_t *tcp_ports;
	const uint16_t *udp_ports;
	uint32_t state_size; /* bytes of per-connection state (zeroed before init) */
	/* The logs it writes (registered at start, in registry order); NULL none. */
	const struct vg_an_log *logs;
	/* Its counters (--stats, stats.log, telemetry); NULL none. */
	const struct vg_an_counters *counters;
	/*
	 * Loaded whenever the named analyzer is (one protocol script loads
	 * both: ftp-data with ftp); NULL: only by its own name.
	 */
	const char *loaded_with;

	/*
	 * Content detection on any port: the first bytes the direction sent
	 * (at most a few hundred). NULL: ports only.
	 */
	enum vg_an_probe (*probe)(const uint8_t *data, uint32_t len, bool is_orig);
	/*
	 * dpd.sig's requires-reverse-signature: the analyzer attaches only once
	 * the probes of both directions said yes (SSH waits for the server's
	 * banner too), so what it is replayed carries that later time.
	 */
	bool probe_both;

	/* Attached to a connection; `st` is zeroed. */
	void (*init)(void *st, struct vg_an_ctx *cx);
	/* TCP: the next in-order bytes of one direction. */
	void (*stream)(
		void *st, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len);
	/* TCP: `len` bytes of one direction will never arrive (content gap). */
	void (*gap)(void *st, struct vg_an_ctx *cx, bool is_orig, uint64_t len);
	/* TCP: one direction finished (FIN or RST) after its last byte. */
	void (*eof)(void *st, struct vg_an_ctx *cx, bool is_orig);
	/* UDP: one datagram's payload. */
	void (*datagram)(
		void *st, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len);
	/* The connection's roles were swapped (Zeek's FlipRoles). NULL: nothing to do. */
	void (*flip)(void *st);
	/*
	 * The connection ends, before its conn.log record is built: write
	 * every pending record now. The state is released after this returns.
	 */
	void (*end)(void *st, struct vg_an_ctx *cx, enum vg_an_end why);
};

/* ---- What the framework gives an analyzer (implemented in lib/analyzer) ---- */

/* Network time of the packet being handled (ns since the epoch). */
uint64_t vg_an_now(const struct vg_an_ctx *cx);
/* The connection's uid ("C..."), NUL-terminated, valid during the call. */
const char *vg_an_uid(const struct vg_an_ctx *cx);
/* The connection's endpoints as conn.log's id.* columns show them. */
void vg_an_id(const struct vg_an_ctx *cx, struct vg_addr *orig_h, uint16_t *orig_p,
	struct vg_addr *resp_h, uint16_t *resp_p);
/* True for TCP, false for UDP. */
bool vg_an_is_tcp(const struct vg_an_ctx *cx);
/*
 * Site::is_local_addr (base/utils/site.zeek) as this run sees it: the
 * address is in the configured local networks, or private while private
 * address space counts as local (the default). conn.log's local_orig and
 * local_resp give the same answer for the connection's endpoints.
 */
bool vg_an_is_local(const struct vg_an_ctx *cx, const struct vg_addr *a);

/*
 * Starts a record of the given log in the context's scratch buffer and
 * writes Zeek's common prefix: ts, uid, id.orig_h, id.orig_p, id.resp_h,
 * id.resp_p. The analyzer then writes its own columns in schema order and
 * calls vg_an_rec_write().
 */
void vg_an_rec_begin(struct vg_an_ctx *cx, struct vg_rec *r, uint16_t log_id, uint64_t ts_ns);
/*
 * As vg_an_rec_begin, with other endpoints in the id.* columns than the
 * connection's: a shadow copy's real client and destination, which the
 * request's headers name (lib/shadow, doc/shadow.md).
 */
void vg_an_rec_begin_id(struct vg_an_ctx *cx, struct vg_rec *r, uint16_t log_id, uint64_t ts_ns,
	const struct vg_addr *orig_h, uint16_t orig_p, const struct vg_addr *resp_h,
	uint16_t resp_p);
/*
 * True when the connection is one vigil accepted itself as the target of
 * Istio (Envoy) traffic shadowing (--shadow-listen): its requests are copies
 * whose replies go nowhere, logged as shadowed when they end.
 */
bool vg_an_shadowed(const struct vg_an_ctx *cx);
/*
 * Starts a record of a log that is not per connection (dhcp.log: ts, uids,
 * ...): nothing is written for it; the analyzer writes every column.
 */
void vg_an_rec_begin_plain(struct vg_an_ctx *cx, struct vg_rec *r, uint16_t log_id);
/* Finishes the record and hands it to the worker's log ring; false if dropped. */
bool vg_an_rec_write(struct vg_an_ctx *cx, struct vg_rec *r);

/*
 * The first six columns of a per-connection log, as vg_an_rec_begin() writes
 * them (ts, uid, id.orig_h, id.orig_p, id.resp_h, id.resp_p): a schema table
 * starts with this initializer, then its own columns.
 */
#define VG_AN_CONN_PREFIX_FIELDS                                                                   \
	{"ts", VG_FT_TIME, VG_FEAT_BASE}, {"uid", VG_FT_STRING, VG_FEAT_BASE},                     \
		{"id.orig_h", VG_FT_ADDR, VG_FEAT_BASE}, {"id.orig_p", VG_FT_PORT, VG_FEAT_BASE},  \
		{"id.resp_h", VG_FT_ADDR, VG_FEAT_BASE},                                           \
	{                                                                                          \
		"id.resp_p", VG_FT_PORT, VG_FEAT_BASE                                              \
	}

/* Zeek's analyzer_confirmation: adds the analyzer's name to conn.log's service. */
void vg_an_confirm(struct vg_an_ctx *cx);
/*
 * Zeek's analyzer_violation (base/frameworks/analyzer/dpd.zeek): unless the
 * connection already carried more than 10 KiB (DPD::ignore_violations_after),
 * the analyzer is detached (no more calls but `end`) and, if it had
 * confirmed, its name leaves conn.log's service again. Past 10 KiB the
 * violation is ignored and the analyzer carries on.
 */
void vg_an_violate(struct vg_an_ctx *cx, const char *reason);

/*
 * True when the analyzer's name is in conn.log's service as it stands: it
 * confirmed and no violation took it out again (Zeek's `"SOCKS" in
 * c$service`, which scripts check before they log).
 */
bool vg_an_in_service(const struct vg_an_ctx *cx);

/*
 * TCP: from the next bytes on, both directions of the connection also go
 * to content detection, as a new connection's first bytes do: an analyzer
 * whose probe says yes attaches (again, if it had been detached) and gets
 * them from there. This is the PIA that Zeek's SOCKS analyzer (after its
 * handshake) and HTTP (after an answered CONNECT) put below themselves,
 * when the protocol inside is not known (vg_an_handoff names it when it
 * is). The caller stays attached and keeps getting the bytes. Once per
 * connection; nothing for UDP.
 */
void vg_an_redetect(struct vg_an_ctx *cx);

/*
 * Tunnel::register (base/frameworks/tunnels/main.zeek) for a tunnel found
 * in the content, such as SOCKS: tunnel.log gets a DISCOVER row, uid unset,
 * the first time the worker sees these endpoints and type ("Tunnel::SOCKS").
 */
void vg_an_tunnel_register(struct vg_an_ctx *cx, const char *type, const struct vg_addr *orig_h,
	uint16_t orig_p, const struct vg_addr *resp_h, uint16_t resp_p);

/*
 * A weird for this connection (weird.log), with the analyzer's name in upper
 * case as its source ("DNS"), as Zeek's analyzers report them. A name is
 * logged once per connection, as the flow table's weirds are. addl may be NULL.
 */
void vg_an_weird(struct vg_an_ctx *cx, const char *name, const char *addl);
/* The same with another source (NULL: unset), as script-level weirds have. */
void vg_an_weird_src(struct vg_an_ctx *cx, const char *name, const char *addl, const char *source);

/*
 * Hands the connection's byte streams to another analyzer mid-stream, as
 * Zeek's protocol analyzers add a child after StartTLS (SMTP, IMAP, POP3,
 * XMPP add "SSL"). Analyzer `name` is attached now and its `init` runs
 * (during the caller's call); when the caller's current `stream` call
 * returns, that call's bytes from offset `from` on go to the new analyzer,
 * and so does every later `stream`, `gap` and `eof` of the connection. The
 * caller gets none of them any more, but keeps its state, its confirmation
 * and its `end`. Outside a `stream` call `from` is ignored. Returns false,
 * changing nothing, when `name` is not among the run's analyzers, is already
 * attached to the connection, or has no room (the worker's `handoffs_failed`).
 */
bool vg_an_handoff(struct vg_an_ctx *cx, const char *name, uint32_t from);

/* ---- Signatures: content that is not payload (lib/sig) ---- */

/* Where a PDU goes: Zeek's Rule::PatternType other than payload. */
enum vg_an_sig_type {
	VG_AN_SIG_HTTP_REQUEST = 1, /* the unescaped URI */
	VG_AN_SIG_HTTP_REQUEST_HEADER,
	VG_AN_SIG_HTTP_REQUEST_BODY,
	VG_AN_SIG_HTTP_REPLY_HEADER,
	VG_AN_SIG_HTTP_REPLY_BODY,
	VG_AN_SIG_FTP,
	VG_AN_SIG_FINGER,
};

/* A PDU's first piece (Zeek's bol and clear), and its last (eol; may be empty). */
#define VG_AN_SIG_BEGIN 1u
#define VG_AN_SIG_END   2u

/*
 * Hands a piece of a PDU to the signatures' http-* / ftp / finger patterns
 * (Zeek's Connection::Match): each PDU is matched as a stream of its own
 * that starts at the piece marked VG_AN_SIG_BEGIN and ends at the one
 * marked VG_AN_SIG_END (a URI is one piece with both). Nothing without -s.
 */
void vg_an_sig_pdu(struct vg_an_ctx *cx, enum vg_an_sig_type type, bool is_orig,
	const uint8_t *data, uint32_t len, unsigned flags);

/* ---- Side buffers ---- */

/* The largest side buffer vg_an_buf_get gives. */
#define VG_AN_BUF_MAX 16384

/*
 * A buffer of at least `size` bytes (at most VG_AN_BUF_MAX) from the
 * worker's pools of side buffers, for what a connection needs only for a
 * while (a certificate being assembled, a line that spans packets), so that
 * it need not sit in every connection's state. Its contents are undefined
 * (never zeroed); the last buffers given back are given out first, so they
 * are warm. NULL when the pool of that size is full (the worker's
 * bufs_full): the analyzer gives up what it wanted it for and counts that
 * under its own name. Given back with vg_an_buf_put and the same size, at the
 * latest in the analyzer's `end`.
 */
void *vg_an_buf_get(struct vg_an_ctx *cx, uint32_t size);
void vg_an_buf_put(struct vg_an_ctx *cx, void *buf, uint32_t size);

/* ---- Expected connections (Zeek's Analyzer::schedule_analyzer) ---- */

/*
 * Announces a TCP connection from orig_h (NULL: any address) to
 * resp_h:resp_p within timeout_ns of network time. The first such connection
 * to start, on whichever worker, gets analyzer `an` (when this run loads it)
 * and no analyzer by port or content; the announcement is then used up.
 * False when it could not be kept on this worker (its table slots were
 * taken; counted as expect_full). Workers that the bus could not reach are
 * counted as expect_bus_full.
 */
bool vg_an_expect(struct vg_an_ctx *cx, const struct vg_addr *orig_h, const struct vg_addr *resp_h,
	uint16_t resp_p, const struct vg_analyzer *an, uint64_t timeout_ns);
/*
 * For an analyzer that an expectation attached: the state of the analyzer
 * that made it (which must be `origin`), while that connection is still open
 * on this worker; NULL when it ended or lives on another worker.
 */
void *vg_an_expect_origin(struct vg_an_ctx *cx, const struct vg_analyzer *origin);

/* ---- The registry ---- */

/* Every analyzer, in registry order; the count in *n. */
const struct vg_analyzer *const *vg_analyzers(uint32_t *n);
/* The analyzer by name, or NULL. */
const struct vg_analyzer *vg_analyzer_find(const char *name);
/*
 * The analyzers a comma-separated list loads, as --analyzers gives it (Zeek's
 * loaded protocol scripts): NULL or "all" every one, "none" none; names that
 * are not analyzers of the registry (ports-only protocols) load nothing.
 * Fills out (VG_AN_MAX entries) in registry order; returns the count.
 */
uint32_t vg_analyzers_select(const char *list, const struct vg_analyzer **out);

/*
 * Registers every analyzer's logs with logring (vg_schema_register), once
 * per process, in registry order, so a sensor and vigil-logd built from the
 * same tables give every log the same id and the same schema-set hash. The
 * frameworks' own logs (files.log, ...) come first, from
 * vg_framework_logs in the registry. Exits the process with a message if a
 * log cannot be registered (a build error: too many logs or a duplicate).
 */
void vg_analyzers_register_logs(void);

/*
 * Every analyzer and files counter, in a fixed order (the framework's own
 * first, then the frameworks' (files), then each analyzer's in registry
 * order): how many, and the i-th's name. Gauges (a level now, not a count
 * since the start) say so; stats.log shows them as they are, counters as
 * their growth in the interval.
 */
uint32_t vg_an_counter_count(void);
const char *vg_an_counter_name(uint32_t i);
bool vg_an_counter_is_gauge(uint32_t i);

/* At most this many analyzers in the registry (conn.log's service is a bit set). */
#define VG_AN_MAX 32

#endif /* VG_ANALYZER_H */
