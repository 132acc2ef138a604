/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table: one per worker, bounded in memory, with Zeek's connection
 * semantics (roles and flips, the TCP endpoint state machine, history letters,
 * sequence-space byte counts, content gaps, inactivity and close timers).
 * When a connection ends it is written as a conn.log record to the log sink.
 */
#ifndef VG_FLOW_H
#define VG_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_decode.h"
#include "vg_reasm.h"

/* Where finished records go (the worker's log ring). */
struct vg_log_sink {
	/* Takes one finished record; false when it was dropped. */
	bool (*write)(void *ctx, const uint8_t *rec, uint32_t len);
	void *ctx;
};

/* Transport protocols known to likely_server_ports. */
#define VG_PORT_TCP 0
#define VG_PORT_UDP 1

/* A set of likely server ports (Zeek's likely_server_ports). */
struct vg_port_set {
	uint64_t bits[2][65536 / 64];
};

/*
 * Fills a port set from a comma-separated list of analyzer names as Zeek
 * loads them ("http,dns"); "all" (or NULL) loads every analyzer, "none"
 * none. Returns -1 and names the unknown analyzer in bad (if not NULL).
 */
int vg_port_set_from_analyzers(struct vg_port_set *ps, const char *list, const char **bad);
bool vg_port_set_has(const struct vg_port_set *ps, int proto, uint16_t port);

struct vg_flow_table;
struct vg_conn;

/* Why a connection ends (the values of enum vg_an_end in vg_analyzer.h). */
enum vg_conn_end {
	VG_CONN_END_TIMEOUT, /* inactivity, attempt or close timer */
	VG_CONN_END_CLOSE,   /* a new SYN reused its ports */
	VG_CONN_END_EVICT,   /* the table was full */
	VG_CONN_END_FLUSH,   /* end of input or shutdown */
};

/*
 * What the flow table tells the analyzer framework (lib/analyzer). The table
 * calls these only for connections whose `an` handle is set, except conn_new,
 * which may set it. None is called while another is running: timers and
 * evictions end connections before the packet that triggered them reaches
 * its own connection (doc/analyzers.md, "Re-entrancy").
 */
struct vg_flow_hooks {
	/* A connection was created and its roles settled by port (Zeek's
	 * BuildInitialAnalyzerTree); its first packet is accounted next. */
	void (*conn_new)(void *ctx, struct vg_flow_table *ft, struct vg_conn *c, uint64_t ts);
	/*
	 * Signatures' header tests and packet payloads (NULL without
	 * signatures, so a run without them pays one test per packet): the
	 * first packet of each TCP direction, before its data reaches the
	 * reassembler, and every UDP and ICMP packet, before it is accounted.
	 * Packets with a bad checksum never come.
	 */
	void (*packet)(void *ctx, struct vg_flow_table *ft, struct vg_conn *c,
		const struct vg_pkt *pkt, bool is_orig);
	/* A UDP datagram's payload, after the packet was accounted. */
	void (*udp_payload)(void *ctx, struct vg_flow_table *ft, struct vg_conn *c,
		const struct vg_pkt *pkt, bool is_orig);
	/*
	 * TCP (from the reassembler): the next in-order bytes of one direction,
	 * bytes that will never come (a content gap), and its end (FIN, once
	 * every byte before it was delivered, or RST). ts: the packet's time.
	 */
	void (*tcp_data)(void *ctx, struct vg_flow_table *ft, struct vg_conn *c, uint64_t ts,
		bool is_orig, const uint8_t *data, uint32_t len);
	void (*tcp_gap)(void *ctx, struct vg_flow_table *ft, struct vg_conn *c, uint64_t ts,
		bool is_orig, uint64_t len);
	void (*tcp_eof)(
		void *ctx, struct vg_flow_table *ft, struct vg_conn *c, uint64_t ts, bool is_orig);
	/* The roles were swapped (vg_conn_flip) after analyzers attached. */
	void (*flip)(void *ctx, struct vg_flow_table *ft, struct vg_conn *c);
	/*
	 * The connection ends: before its conn.log record is built. Analyzers
	 * flush their records; the confirmed services are written to svc
	 * (comma-separated, at most cap bytes) and their length returned. The
	 * handle is released afterwards.
	 */
	uint32_t (*conn_end)(void *ctx, struct vg_flow_table *ft, struct vg_conn *c,
		enum vg_conn_end why, char *svc, uint32_t cap);
	/* The services confirmed so far, as conn_end gives them (the console's
	 * show flows, called by the table's owner only); NULL: none. */
	uint32_t (*services)(
		void *ctx, struct vg_flow_table *ft, struct vg_conn *c, char *svc, uint32_t cap);
};

/*
 * Site::local_nets (scripts/base/utils/site.zeek): networks the operator calls
 * local. At most VG_LOCAL_NETS_MAX prefixes, looked up when a connection is
 * logged, never per packet.
 */
#define VG_LOCAL_NETS_MAX 64

struct vg_local_nets {
	uint32_t n;
	struct {
		uint8_t b[16]; /* network, IPv4 in the IPv4-mapped form */
		uint8_t len;   /* prefix length in bits over the 16 bytes */
	} nets[VG_LOCAL_NETS_MAX];
};

/*
 * Adds a comma-separated list of CIDRs ("10.1.0.0/16,2001:db8::/32"; an
 * address alone is a host) to ln. Host bits below the prefix are cleared, as
 * Zeek's subnet type does. Returns -1 and a one-line reason in err on a bad
 * CIDR or when the list is full.
 */
int vg_local_nets_add(struct vg_local_nets *ln, const char *list, char *err, size_t errlen);
bool vg_local_nets_has(const struct vg_local_nets *ln, const struct vg_addr *a);

/* Connections tracked at once by default (vg_flow_cfg.max_flows 0). */
#define VG_FLOW_DEFAULT_MAX (1u << 20)

struct vg_flow_cfg {
	uint32_t max_flows; /* connections tracked at once; 0 = default */
	uint32_t features;  /* conn.log optional columns (vg_schema.h) */
	uint64_t uid_seed;  /* uids are deterministic for a seed and input */
	/* Site::private_address_space_is_local (Zeek's default: true). */
	bool local_private;
	const struct vg_local_nets *local_nets; /* Site::local_nets; NULL = empty */
	/* Packets further than this from network time do not move it (0: default). */
	uint64_t time_window_ns;
	const struct vg_port_set *server_ports;
	struct vg_log_sink sink;
	uint64_t reasm_memory;             /* TCP reassembly bytes per table (0: 64 MiB) */
	uint32_t reasm_depth;              /* bytes kept above a hole per direction (0: 1 MiB) */
	const struct vg_flow_hooks *hooks; /* NULL: no analyzers */
	void *hooks_ctx;
	/* Every connection is one vigil accepted itself as an Istio shadow
	 * target (lib/shadow): analyzers log what it carries as shadow copies. */
	bool shadow;
};

struct vg_flow_stats {
	uint64_t created;
	uint64_t logged;
	uint64_t active;
	uint64_t evicted; /* removed early because the table was full */
	uint64_t reused;  /* TCP connections ended by a new SYN */
	uint64_t records_dropped;
	uint64_t weirds_logged;
	uint64_t weirds_suppressed;
	uint64_t created_kind[4]; /* by kind: tcp, udp, icmp, other */
	uint64_t active_kind[4];
	uint64_t acks;         /* TCP ACKs that advanced (capture_loss.log) */
	uint64_t gap_acks;     /* of those, ACKs that revealed a content gap */
	uint64_t time_outside; /* packets outside the time window, taken at network time */
	uint64_t time_jumps;   /* jumps beyond the window that packets agreed on */
	uint64_t untracked;    /* packets no connection could take (table full, none idle) */
	uint64_t timers_late;  /* calls that left due timer work for later (budget) */
};

/* Creates a table (memory is allocated once, here); NULL with errno set. */
struct vg_flow_table *vg_flow_table_create(const struct vg_flow_cfg *cfg);
void vg_flow_table_free(struct vg_flow_table *ft);

/*
 * Network time. Packets whose time lies within the window (cfg
 * time_window_ns, default VG_TIME_WINDOW_DEFAULT) of network time move it
 * forward (never back). A packet outside it is processed at network time
 * instead of its own, logs a packet_time_out_of_window weird and counts in
 * time_outside; VG_TIME_CONFIRM packets in a row that agree with each other
 * outside the window are a real jump (a capture with a gap), which network
 * time then takes. Returns the time the packet is to be processed at; call it
 * once per captured packet, before decoding.
 */
#define VG_TIME_WINDOW_DEFAULT (3600ULL * 1000000000ULL)
#define VG_TIME_CONFIRM        4
uint64_t vg_flow_time(struct vg_flow_table *ft, uint64_t ts_ns);

/* Network time: the latest packet time accepted (0 before any). */
uint64_t vg_flow_clock(const struct vg_flow_table *ft);

/*
 * Runs the timers due at network time now (call before each packet): at most
 * VG_TIMER_BUDGET steps (a connection logged and freed, or moved on the
 * inactivity wheel) per call, plus the look at up to VG_IDLE_SLOTS empty wheel
 * slots after a jump. Work left over runs in the next calls.
 */
#define VG_TIMER_BUDGET 16
void vg_flow_advance(struct vg_flow_table *ft, uint64_t now_ns);

/*
 * The same when no packet comes (live idle polls): network time moves to now
 * and up to VG_TIMER_IDLE_BUDGET steps run. True while due work is left, so
 * the caller polls again soon.
 */
#define VG_TIMER_IDLE_BUDGET 1024
bool vg_flow_idle(struct vg_flow_table *ft, uint64_t now_ns);

#define VG_FLOW_NONE UINT32_MAX

/*
 * Accounts one decoded IP packet and logs the packet's weirds. Returns a
 * handle on the packet's connection, valid until the next call, or
 * VG_FLOW_NONE.
 */
uint32_t vg_flow_packet(struct vg_flow_table *ft, struct vg_pkt *pkt);

/*
 * Prefetching for a packet that vg_flow_packet() will see soon: stage 1
 * hashes its key (kept in the packet) and prefetches the hash bucket; stage 2,
 * a little later, prefetches the connection the bucket points at.
 */
void vg_flow_prefetch(struct vg_flow_table *ft, struct vg_pkt *pkt);
void vg_flow_prefetch_conn(struct vg_flow_table *ft, const struct vg_pkt *pkt);

/*
 * The packet just accounted to connection h carries a UDP tunnel: marks the
 * connection as that tunnel (its service) and fills the tunnel record the
 * inner packet will carry (type, the connection's endpoints and uid).
 */
void vg_flow_tunnel_outer(
	struct vg_flow_table *ft, uint32_t h, const struct vg_udp_tunnel *t, struct vg_tunnel *out);

/* Logs the weirds of a packet that did not reach the flow table. */
void vg_flow_packet_weirds(struct vg_flow_table *ft, const struct vg_pkt *pkt);

/* Ends every connection (end of input, shutdown) and logs it. */
void vg_flow_flush(struct vg_flow_table *ft);

const struct vg_flow_stats *vg_flow_stats(const struct vg_flow_table *ft);
/* The TCP reassembler's counters (lib/tcp/vg_reasm.h). */
const struct vg_reasm_stats *vg_flow_reasm_stats(const struct vg_flow_table *ft);

/* ---- For the analyzer framework (lib/analyzer) ---- */

/* Hands a finished record to the sink; false (and counted) when dropped. */
bool vg_flow_emit(struct vg_flow_table *ft, const uint8_t *rec, uint32_t len);
/*
 * Tunnel::register (base/frameworks/tunnels/main.zeek) for a tunnel an
 * analyzer found in a connection's content, such as SOCKS: tunnel.log gets
 * a DISCOVER row, without a uid, the first time this table sees these
 * endpoints and type (`type` is the enum's name, "Tunnel::SOCKS"). Such a
 * tunnel has no connection of its own, so it is never closed. True when the
 * row was written.
 */
bool vg_flow_tunnel_register(struct vg_flow_table *ft, uint64_t ts, const char *type,
	const struct vg_addr *orig_h, uint16_t orig_p, const struct vg_addr *resp_h,
	uint16_t resp_p);
/* A weird.log line for connection c with a free-form name (not deduplicated). */
void vg_flow_conn_weird_named(struct vg_flow_table *ft, const struct vg_conn *c, uint64_t ts,
	const char *name, const char *addl, const char *source);
/*
 * The same for the TCP connection orig_h:orig_p -> resp_h:resp_p (no mirror
 * session), as one that is not a packet's finds it (lib/shadow); false when
 * the table has no such connection.
 */
bool vg_flow_tcp_weird(struct vg_flow_table *ft, const struct vg_addr *orig_h, uint16_t orig_p,
	const struct vg_addr *resp_h, uint16_t resp_p, uint64_t ts, const char *name,
	const char *addl, const char *source);
/* The index of c in the table (stable while it lives) and its generation. */
uint32_t vg_flow_conn_index(const struct vg_flow_table *ft, const struct vg_conn *c);
/* The connection at index idx if it is in use with generation gen, else NULL. */
struct vg_conn *vg_flow_conn_at(struct vg_flow_table *ft, uint32_t idx, uint32_t gen);
/* Network time when the timers last ran. */
uint64_t vg_flow_now(const struct vg_flow_table *ft);

/* Formats a uid ("C" + base62) from two 64-bit words; returns its length. */
uint32_t vg_uid_format(uint64_t hi, uint64_t lo, char *buf);

/* Community ID v1 ("1:" + base64 SHA-1) of a connection's 5-tuple. */
uint32_t vg_community_id(const struct vg_addr *oh, uint16_t op, const struct vg_addr *rh,
	uint16_t rp, uint8_t proto, bool is_v4, uint16_t seed, char *out, uint32_t outlen);

/* True for an address in Zeek's default private address space. */
bool vg_addr_is_private(const struct vg_addr *a);

/*
 * conn.log's local_orig/local_resp as scripts/base/protocols/conn/main.zeek
 * sets them: only when Site::local_nets is not empty, which site.zeek makes
 * it by adding the private address space unless
 * Site::private_address_space_is_local is off. Returns false when the columns
 * stay unset; else sets *local to whether a is in Site::local_nets.
 */
bool vg_addr_local(const struct vg_flow_cfg *cfg, const struct vg_addr *a, bool *local);

/* ICMP type to its counterpart (Zeek's ICMP4/6_counterpart); sets one_way. */
uint16_t vg_icmp_counterpart(bool v6, uint8_t type, uint8_t code, bool *one_way);

/* What the console shows of a live connection (vg_flow_scan). */
struct vg_flow_view {
	struct vg_addr orig_h, resp_h;
	uint16_t orig_p, resp_p;
	uint8_t ip_proto;
	uint8_t is_v4;
	uint64_t session;     /* mirror session (0: none) */
	uint64_t pkts, bytes; /* both directions: packets and IP bytes */
	uint64_t start_ns, last_ns;
	uint64_t uid_hi, uid_lo;
	/* conn.log's service so far: the tunnel it carries, then the analyzers'
	 * confirmations, comma-separated ("" when none). */
	char service[48];
};

/*
 * For the table's owner only: calls fn for each connection in use among at
 * most `budget` slots from slot `from`; returns the slot to go on from, or 0
 * once the walk reached the end (a walk starts at 0).
 */
uint32_t vg_flow_scan(struct vg_flow_table *ft, uint32_t from, uint32_t budget,
	void (*fn)(void *ctx, const struct vg_flow_view *v), void *ctx);

#endif /* VG_FLOW_H */
