/* SPDX-License-Identifier: BSD-3-Clause */
/* Flow-table internals shared by the table, the protocol state and the logger. */
#ifndef VG_FLOW_PRIVATE_H
#define VG_FLOW_PRIVATE_H

#include "vg_flow.h"
#include "vg_reasm.h"
#include "vg_record.h"
#include "vg_schema.h"

#define VG_NIL UINT32_MAX

/* TCP endpoint states (Zeek's TCP_ENDPOINT_*). */
enum vg_tcp_state {
	VG_TCP_INACTIVE,
	VG_TCP_SYN_SENT,
	VG_TCP_SYN_ACK_SENT,
	VG_TCP_PARTIAL,
	VG_TCP_ESTABLISHED,
	VG_TCP_CLOSED,
	VG_TCP_RESET,
};

/* Connection kinds, as conn.log's proto column. */
enum vg_conn_kind {
	VG_KIND_TCP,
	VG_KIND_UDP,
	VG_KIND_ICMP,
	VG_KIND_OTHER,
};

/* A letter repeated at 1, 10, 100, ... occurrences. */
struct vg_scaled {
	uint32_t count;
	uint32_t threshold;
};

/* A TCP endpoint's state that packets read or write (72 bytes). */
struct vg_tcp_ep {
	uint8_t state;
	uint8_t prev_state;
	uint8_t did_close;
	uint8_t window_scale;
	uint32_t rhead; /* blocks above reasm.next (lib/tcp), VG_REASM_NIL none */
	uint32_t start_seq;
	uint32_t last_seq;
	uint32_t ack_seq;
	uint32_t seq_wraps;
	uint32_t ack_wraps;
	uint32_t fin_cnt;
	uint32_t rst_cnt;
	/* Relative seq (low 32 bits) of the last SYN, FIN and RST: a repeat at
	 * the same place is not a new history letter. */
	uint32_t hist_last_syn;
	uint32_t hist_last_fin;
	uint32_t hist_last_rst;
	uint64_t fin_seq;      /* relative, one past the FIN */
	struct vg_reasm reasm; /* in-order and acknowledged points (lib/tcp) */
};
_Static_assert(sizeof(struct vg_tcp_ep) == 72, "vg_tcp_ep grew");

/* The rest, touched only by bad checksums, retransmissions, zero windows,
 * content gaps and analyzers' EOF: kept apart so the per-packet part stays small. */
struct vg_tcp_ep_cold {
	struct vg_scaled hist_c, hist_t, hist_w, hist_g;
	uint8_t eof_sent; /* the analyzers were told this direction ended */
};

/* Per-direction counters kept for every protocol. */
struct vg_side {
	uint64_t pkts;
	uint64_t ip_bytes;
	int64_t size;            /* UDP/ICMP payload bytes; -1 while the side is inactive */
	struct vg_scaled hist_c; /* UDP bad checksums */
};

#define VG_HISTORY_MAX 40

struct vg_conn {
	/* Hash chain and the inactivity list. */
	uint32_t hnext;
	uint32_t idle_prev, idle_next; /* on the idle wheel's slot list */
	uint32_t gen;                  /* bumped on free: stale timer entries are skipped */
	uint8_t in_use;
	uint8_t kind; /* enum vg_conn_kind */
	uint8_t ip_proto;
	uint8_t idle_class; /* enum vg_idle_class: which inactivity timeout applies */
	uint8_t is_v4;
	uint8_t one_way; /* ICMP one-way: the key keeps direction */
	uint8_t partial; /* TCP: started without a clean SYN */
	uint8_t tq_on;   /* on timer lists: VG_TQ_ON_* bits */
	uint8_t removable_at_close;
	uint8_t nvlan;
	uint8_t has_l2;
	uint8_t mirrored;
	uint8_t history_len;
	uint16_t idle_slot; /* the idle wheel slot it is on */
	uint64_t key_hash;
	uint64_t session; /* mirror session: part of the key */
	struct vg_addr orig_h, resp_h;
	uint16_t orig_p, resp_p;
	uint32_t an; /* analyzer attachment handle (lib/analyzer), 0 none; fills padding */
	uint64_t start_ns;
	uint64_t last_ns;
	uint8_t nparents;
	uint8_t tunnel_type;    /* this UDP connection carries a tunnel (service) */
	uint8_t tunnel_changes; /* encapsulation changes seen (Zeek allows 5) */
	uint8_t hist_x;         /* 'X' written: more changes than allowed */
	uint32_t hist_seen;
	uint64_t encap_hash; /* the encapsulation the last packet came in */
	uint64_t missed_bytes;
	char history[VG_HISTORY_MAX];
	struct vg_side orig, resp;
	struct vg_tcp_ep tcp[2]; /* [0] orig, [1] resp */
	/* Cold: read when the connection is logged, rarely written. */
	uint8_t weird_logged[(VG_WEIRD_MAX + 7) / 8]; /* names logged for this conn */
	uint16_t vlan, inner_vlan;
	uint8_t orig_l2[6], resp_l2[6];
	uint64_t uid_hi, uid_lo;
	uint64_t parent_uid[VG_MAX_TUNNELS][2]; /* tunnel_parents */
	struct vg_tcp_ep_cold tcp_cold[2];      /* [0] orig, [1] resp */
	/* Timer lists ([VG_TQ_ATTEMPT], [VG_TQ_CLOSE]; the close link also serves
	 * the expire list), in what was tail padding. */
	uint32_t tq_prev[2], tq_next[2];
	uint64_t close_at;      /* when its close or expire timer runs */
} __attribute__((aligned(64))); /* each starts a cache line (the pool is page-aligned) */

/* The per-packet part (up to tcp[]) is six cache lines, which
 * vg_flow_prefetch_conn() fetches ahead. */
_Static_assert(offsetof(struct vg_conn, weird_logged) <= 6 * 64, "vg_conn: hot part grew");
/* The analyzer handle lives in what was padding before start_ns. */
_Static_assert(
	offsetof(struct vg_conn, start_ns) == 88, "vg_conn: the analyzer handle moved fields");

/* The cold half of one of c's TCP endpoints. */
static inline struct vg_tcp_ep_cold *
vg_tcp_cold(struct vg_conn *c, const struct vg_tcp_ep *ep)
{
	return &c->tcp_cold[ep - c->tcp];
}

/* The timer links fill what was tail padding: still nine cache lines. */
_Static_assert(sizeof(struct vg_conn) == 9 * 64, "vg_conn grew a cache line");

/*
 * Timer lists: connections linked through their tq_* fields, in the order
 * armed, which is time order (each is armed a fixed delay after a time that
 * only grows). A connection leaves its lists when it is removed, so a list
 * never holds a stale entry and can never overflow: it is bounded by the pool.
 */
enum vg_tq {
	VG_TQ_ATTEMPT, /* TCP attempt timers, start + 5 s (the time is start_ns + delay) */
	VG_TQ_CLOSE,   /* close timers, at close_at */
	VG_TQ_EXPIRE,  /* Zeek's expire timer, re-armed every tcp_session_timer */
	VG_TQ_N,
};

#define VG_TQ_ON_ATTEMPT 1
#define VG_TQ_ON_CLOSE   2 /* on the close or the expire list ... */
#define VG_TQ_ON_EXPIRE  4 /* ... the expire one */

struct vg_tq_list {
	uint32_t head, tail;
	uint64_t count;
};

#define VG_WEIRD_SEEN_SLOTS    1024
#define VG_WEIRD_REPEAT_WINDOW (600ULL * VG_NS_PER_SEC)

struct vg_weird_seen {
	uint64_t key;
	uint64_t ts;
};

/* Tunnels already announced in tunnel.log (uids; 0 empty). */
#define VG_TUNNEL_REG_SLOTS 65536

/*
 * Inactivity timeouts: a wheel of one-second (2^30 ns) slots covering more
 * than the longest timeout. A connection sits in the slot of the time it
 * would expire if no packet came; packets do not move it. When its slot comes
 * round, it is removed if it really is idle, else put in the slot of its new
 * expiry. The lookup checks the exact expiry, so a packet never joins a
 * connection that has timed out but not yet been collected.
 */
#define VG_IDLE_SLOT_SHIFT 30
#define VG_IDLE_SLOTS      512

enum vg_idle_class {
	VG_IDLE_SHORT, /* UDP, ICMP, other, TCP before the handshake completes: 1 min */
	VG_IDLE_TCP,   /* established TCP: 5 min */
	VG_IDLE_NONE,  /* not on the wheel */
};

struct vg_flow_table {
	struct vg_flow_cfg cfg;
	struct vg_flow_stats stats;
	struct vg_conn *conns;
	uint32_t *buckets;
	uint32_t nbuckets;
	uint32_t free_head;
	uint32_t idle_wheel[VG_IDLE_SLOTS]; /* slot list heads */
	uint32_t sweep_head;                /* the slot being collected, taken off the wheel */
	uint64_t idle_cursor;               /* the next slot (absolute number) to collect */
	struct vg_tq_list tq[VG_TQ_N];
	uint64_t now_ns;        /* network time when the timers last ran */
	uint64_t next_check_ns; /* when they run next */
	bool timer_backlog;     /* due timer work was left for the next call */
	/* Network time (vg_flow_time): the latest packet time accepted. */
	uint64_t clock_ns;
	uint64_t time_window_ns;
	uint64_t pending_ns; /* the first of a run of packets outside the window */
	uint32_t pending_n;  /* how many agree with it so far */
	uint32_t settled;    /* packets accepted, up to VG_TIME_CONFIRM */
	uint64_t uid_state;
	struct vg_weird_seen weird_seen[VG_WEIRD_SEEN_SLOTS];
	uint64_t tunnel_reg[VG_TUNNEL_REG_SLOTS];
	uint32_t tunnel_reg_count;
	uint32_t high_water;         /* slots below this have been handed out at least once */
	struct vg_reasm_pool *reasm; /* blocks above the in-order points (lib/tcp) */
	uint8_t rec[VG_REC_MAX_LEN];
};

/* Timeouts from Zeek's init-bare.zeek. */
#define VG_SEC(x)            ((uint64_t)(x)*VG_NS_PER_SEC)
#define VG_TIMEOUT_SHORT     VG_SEC(60)
#define VG_TIMEOUT_TCP       VG_SEC(300)
#define VG_TCP_ATTEMPT_DELAY VG_SEC(5)
#define VG_TCP_CLOSE_DELAY   VG_SEC(5)
#define VG_TCP_SESSION_TIMER VG_SEC(6)
#define VG_TCP_LINGER        VG_SEC(5)

/* History helpers (Zeek's CheckHistory/AddHistory with per-role case). */
void vg_conn_add_history(struct vg_conn *c, char code);
bool vg_conn_check_history(struct vg_conn *c, uint32_t mask, char code, bool is_orig);
void vg_conn_scaled_history(struct vg_conn *c, struct vg_scaled *s, char code, bool is_orig);
void vg_conn_flip(struct vg_conn *c);

/* Weird for a packet's connection (deduplicated per conn). */
void vg_conn_weird(struct vg_flow_table *ft, struct vg_conn *c, enum vg_weird w, const char *source,
	uint64_t ts);

/* Protocol handlers. */
void vg_tcp_packet(struct vg_flow_table *ft, struct vg_conn *c, struct vg_pkt *pkt, bool is_orig);
bool vg_tcp_is_reuse(const struct vg_conn *c, const struct vg_pkt *pkt);
bool vg_tcp_wants_flip(const struct vg_flow_table *ft, const struct vg_pkt *pkt);
uint64_t vg_tcp_size(const struct vg_tcp_ep *ep, const struct vg_tcp_ep *peer);
void vg_udp_packet(struct vg_flow_table *ft, struct vg_conn *c, struct vg_pkt *pkt, bool is_orig);
void vg_icmp_packet(struct vg_flow_table *ft, struct vg_conn *c, struct vg_pkt *pkt, bool is_orig);

/* Timer hooks used by the TCP code. */
void vg_flow_arm_attempt(struct vg_flow_table *ft, struct vg_conn *c);
void vg_flow_arm_close(struct vg_flow_table *ft, struct vg_conn *c, uint64_t at_ns);
void vg_flow_set_long_timeout(struct vg_flow_table *ft, struct vg_conn *c);

/* The roles swap, and attached analyzers are told. */
void vg_flow_flip(struct vg_flow_table *ft, struct vg_conn *c);

/* The signatures' packet hook (vg_flow_hooks.packet), when there is one. */
static inline void
vg_flow_packet_hook(
	struct vg_flow_table *ft, struct vg_conn *c, const struct vg_pkt *pkt, bool is_orig)
{
	const struct vg_flow_hooks *h = ft->cfg.hooks;

	if (h != NULL && h->packet != NULL && c->an != 0)
		h->packet(ft->cfg.hooks_ctx, ft, c, pkt, is_orig);
}

/* Logging; svc is the analyzers' service list (svc_len 0: none). */
void vg_conn_log(struct vg_flow_table *ft, struct vg_conn *c, const char *svc, uint32_t svc_len);
void vg_weird_log(struct vg_flow_table *ft, uint64_t ts, const struct vg_conn *c,
	const struct vg_addr *src, const struct vg_addr *dst, enum vg_weird w, const char *source);
const char *vg_conn_state_str(const struct vg_conn *c);
void vg_tunnel_log(struct vg_flow_table *ft, uint64_t ts, const uint64_t uid[2], uint8_t type,
	const struct vg_addr *oh, uint16_t op, const struct vg_addr *rh, uint16_t rp, bool close);
/* The same with the type by name and, when uid is NULL, the uid unset. */
void vg_tunnel_log_named(struct vg_flow_table *ft, uint64_t ts, const uint64_t uid[2],
	const char *type, const struct vg_addr *oh, uint16_t op, const struct vg_addr *rh,
	uint16_t rp, bool close);

/* Tunnel bookkeeping (vg_tunnel.c). */
void vg_tunnels_on_packet(
	struct vg_flow_table *ft, struct vg_conn *c, struct vg_pkt *pkt, bool created);
void vg_tunnels_on_remove(struct vg_flow_table *ft, struct vg_conn *c);
uint64_t vg_flow_mix64(uint64_t x);

#endif /* VG_FLOW_PRIVATE_H */
