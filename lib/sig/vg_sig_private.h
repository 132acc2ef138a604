/* SPDX-License-Identifier: BSD-3-Clause */
/* The signature matcher's insides: the compiled database and match state. */
#ifndef VG_SIG_PRIVATE_H
#define VG_SIG_PRIVATE_H

#include <hs/hs.h>
#include <stdatomic.h>

#include "vg_flow_private.h"
#include "vg_sig.h"

/* A requires-(reverse-)signature, resolved to the rule's index. */
struct vg_sig_creq {
	uint32_t rule;
	bool reverse;
	bool negated;
};

/* One compiled rule (the parts matching needs; strings owned by the db). */
struct vg_sig_crule {
	char *id;
	char *msg; /* NULL: event without a message */
	struct vg_sig_hdr *hdrs;
	uint32_t nhdrs;
	uint32_t pat_first, npats; /* its patterns: ids pat_first .. + npats */
	struct vg_sig_creq *reqs;
	uint32_t nreqs;
	uint32_t *deps; /* rules that require this one (Zeek's dependents) */
	uint32_t ndeps;
	bool has_event;
	bool same_ip;
	bool has_psize;
	uint8_t psize_cmp;
	uint32_t psize;
	uint8_t tcp_state;
	uint8_t udp_state;
	uint32_t *tests; /* its header tests as indexes into the database's distinct ones */
	char **enable;   /* `enable "analyzer"` actions: names, as written */
	uint32_t nenable;
};

/* What a Hyperscan database scans: the stream of a TCP direction, a packet. */
enum vg_sig_dbkind {
	VG_SIG_DB_TCP,    /* payload, streaming mode */
	VG_SIG_DB_PACKET, /* payload of UDP and ICMP packets, block mode */
	/* VG_SIG_DB_PDU + type: a PDU type (http-*, ftp, finger), streaming mode
	 * per PDU (a URI, a header block, a body) */
	VG_SIG_DB_PDU,
	VG_SIG_DB_N = VG_SIG_DB_PDU + VG_SIG_PAT_TYPES,
};

/*
 * `src-ip ==` / `dst-ip ==` tests by hash: every prefix of such a test,
 * masked to its length, keyed by (side, length, bits). A direction's
 * address is masked once per distinct length and looked up, so many such
 * tests cost a few lookups, not one compare each.
 */
struct vg_sig_pfx {
	uint64_t hi, lo;
	uint32_t test;
	uint32_t next; /* entry index + 1 in the same bucket, 0 none */
	uint8_t side;  /* 0 src, 1 dst */
	uint8_t len;
};

struct vg_sig_pfx_index {
	struct vg_sig_pfx *e;
	uint32_t n;
	uint32_t *bucket; /* entry index + 1, 0 empty; cap entries */
	uint32_t cap;
	uint8_t lens[2][129]; /* distinct lengths per side */
	uint32_t nlens[2];
	uint8_t *hashed; /* per test: 1 when the index answers it */
};

struct vg_sig_class {
	uint32_t *tests; /* the tests that must all hold (indexes, ascending) */
	uint32_t ntests;
	uint64_t *rules; /* its rules: a bit set of words_r words */
};

struct vg_sig_db {
	atomic_uint refs;
	struct vg_sig_crule *rules;
	uint32_t nrules;
	uint32_t npats;
	uint32_t *pat_rule; /* pattern id → rule index */
	uint8_t *pat_type;  /* pattern id → enum vg_sig_pat_type */
	uint32_t *pure;     /* rules without patterns */
	uint32_t npure;
	uint32_t words_r;                /* 64-bit words of a bit set over the rules */
	uint32_t words_p;                /* ... over the patterns */
	const struct vg_sig_hdr **tests; /* distinct header tests (in the rules' hdrs) */
	uint32_t ntests;
	uint32_t words_t; /* 64-bit words of a bit set over them */
	/* Rules with the same header tests form a class: a direction's first
	 * packet checks each class once and ORs its rule mask into hdr_ok. */
	struct vg_sig_class *classes;
	uint32_t nclasses;
	struct vg_sig_pfx_index pfx;
	hs_database_t *hs[VG_SIG_DB_N];
	hs_scratch_t *scratch;            /* a prototype, cloned per worker */
	size_t stream_bytes[VG_SIG_DB_N]; /* one stream of each streaming database */
	size_t hs_bytes;
};

/*
 * One direction's match state (Zeek's RuleEndpointState); its bit sets
 * follow the connection's state in the same slot.
 */
struct vg_sig_dir {
	int32_t payload_size; /* -1: not set; 0: no payload yet */
	uint8_t init;         /* the header tests ran (InitEndpoint) */
	uint8_t no_stream;    /* TCP: no stream could be had: not matched */
	uint8_t pdu_kind;     /* the database of the open PDU stream */
	uint8_t pad;
	uint32_t stream; /* TCP payload stream: slot + 1, 0 none */
	uint32_t pdu;    /* the PDU's stream: slot + 1, 0 none */
};

/* A connection's match state: header, then 2 x (hdr_ok, fired, done, hit). */
struct vg_sig_cstate {
	uint32_t conn, gen; /* the connection it belongs to */
	uint32_t next_free;
	uint8_t skipping;           /* past the depth: no more payload (PIA's SKIPPING) */
	uint8_t kind;               /* enum vg_conn_kind */
	uint16_t chunks;            /* payload deliveries so far, both directions */
	uint32_t bytes;             /* payload bytes so far, both directions */
	const struct vg_sig_db *db; /* the database its streams were opened with */
	struct vg_sig_dir dir[2];
	uint64_t bits[];
};

/* The bit sets of a direction. */
struct vg_sig_bits {
	uint64_t *hdr_ok; /* rules whose header tests passed on the direction's first packet */
	uint64_t *fired;  /* rules that fired in this direction (matched_rules) */
	uint64_t *done;   /* rules whose patterns all matched (matched_by_patterns) */
	uint64_t *hit;    /* patterns that matched */
};

static inline bool
vg_bit(const uint64_t *s, uint32_t i)
{
	return (s[i / 64] >> (i % 64)) & 1;
}

static inline void
vg_bit_set(uint64_t *s, uint32_t i)
{
	s[i / 64] |= 1ULL << (i % 64);
}

/* Header tests (vg_sig_hdr.c): every test of the rule holds for the packet. */
bool vg_sig_hdr_match(const struct vg_sig_crule *r, const struct vg_pkt *pkt);
/* The same without a packet (a direction that started mid-stream): the
 * connection's addresses, ports and protocol; byte tests fail. */
bool vg_sig_hdr_match_conn(const struct vg_sig_crule *r, const struct vg_conn *c, bool is_orig);
/* One header test, on a packet or (no packet) on the connection's 5-tuple. */
bool vg_sig_hdr_test(const struct vg_sig_hdr *h, const struct vg_pkt *pkt);
bool vg_sig_hdr_test_conn(const struct vg_sig_hdr *h, const struct vg_conn *c, bool is_orig);
/*
 * The database's distinct header tests (vg_sig_hdr.c): equal tests of
 * different rules become one, which a direction's first packet evaluates
 * once (vg_sig_tests_eval); each rule names its tests by index.
 */
int vg_sig_tests_index(struct vg_sig_db *db);
/* Then the classes of rules (after words_r is known). */
int vg_sig_classes_index(struct vg_sig_db *db);
/* And the prefix index of the `==` address tests; its free. */
int vg_sig_pfx_index_build(struct vg_sig_db *db);
void vg_sig_pfx_index_free(struct vg_sig_pfx_index *x);
/* Sets in tok the bits of the `==` address tests that src and dst pass. */
void vg_sig_pfx_eval(const struct vg_sig_pfx_index *x, const struct vg_addr *src,
	const struct vg_addr *dst, uint64_t *tok);
/* Zeek's compare() over a list of masked values. */
bool vg_sig_cmp_list(const struct vg_sig_hdr *h, uint32_t v);

/* signatures.log (vg_sig_log.c). */
struct vg_sig_worker;
void vg_sig_log_match(struct vg_sig_worker *sw, struct vg_flow_table *ft, const struct vg_conn *c,
	uint64_t ts, const struct vg_sig_crule *r, bool is_orig, const uint8_t *data, uint32_t len);
int vg_sig_summary_init(struct vg_sig_worker *sw);
void vg_sig_summary_free(struct vg_sig_worker *sw);

/* The summary tables (vg_sig_log.c): fixed size, per worker. */
#define VG_SIG_SUM_SLOTS 4096
#define VG_SIG_SUM_PROBE 16

struct vg_sig_sum_entry {
	uint64_t key; /* hash of (orig, resp, sig) or (orig, sig, resp); 0 free */
	uint64_t ts;  /* last use, network time */
};

struct vg_sig_sum_count {
	uint64_t key; /* hash of (orig, resp) or (orig, sig); 0 free */
	uint64_t ts;
	uint32_t n;
	uint32_t last; /* the threshold last reported */
};

struct vg_sig_worker {
	const struct vg_sig_db *db;
	hs_scratch_t *scratch;
	/* Where it counts: cfg.stats (shared by the generations a reload makes
	 * of one worker's matcher), or own_stats. */
	struct vg_sig_stats *stats;
	struct vg_sig_stats own_stats;
	uint64_t *test_ok; /* the distinct header tests that held (db->words_t words) */
	/* `enable` actions go here (cfg.enable); NULL: nowhere. */
	void (*enable)(void *arg, const struct vg_conn *c, const char *analyzer);
	void *enable_arg;
	uint32_t depth, max_chunks;
	/* Match states: fixed slots in one mapping. */
	uint8_t *states;
	size_t states_bytes;
	uint32_t slot, cap, high, free_head;
	uint32_t used; /* states in use (stats->conns_used counts every generation's) */
	/* Connection index → state slot + 1 (0 none). */
	uint32_t *by_conn;
	uint32_t nconn;
	/* Streams of each streaming database, opened at start. */
	hs_stream_t **streams[VG_SIG_DB_N];
	uint32_t *stream_free[VG_SIG_DB_N];
	uint32_t stream_cap[VG_SIG_DB_N], stream_nfree[VG_SIG_DB_N];
	/* The call in progress (the Hyperscan callback's view). */
	uint64_t *cb_hit;
	uint32_t cb_new;
	/* Summaries: (orig, resp, sig) and (orig, sig, resp) seen; counts. */
	struct vg_sig_sum_entry *seen;
	struct vg_sig_sum_count *counts;
	uint8_t rec[VG_REC_MAX_LEN];
};

#endif /* VG_SIG_PRIVATE_H */
