/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The signature rule model: what the parser (vg_sig_parse.c) makes of a
 * file in Zeek's signature language and what the compiler (vg_sig_compile.c)
 * turns into Hyperscan databases and header tests. The meaning of every
 * field follows Zeek's rule grammar (src/rule-parse.y, src/rule-scan.l) and
 * matcher (src/RuleMatcher.cc, src/RuleCondition.cc); see doc/signatures.md.
 *
 * A rule set owns all its memory (one allocation per string/array, freed
 * by vg_sig_ruleset_free). It is built once at load, never on the data path.
 */
#ifndef VG_SIG_RULE_H
#define VG_SIG_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The comparison of a condition: ==, !=, <, <=, >, >=. */
enum vg_sig_cmp {
	VG_SIG_EQ,
	VG_SIG_NE,
	VG_SIG_LT,
	VG_SIG_LE,
	VG_SIG_GT,
	VG_SIG_GE,
};

/*
 * What a header test reads. src-port/dst-port read the transport header's
 * ports (TCP and UDP alike, Zeek's RuleHdrTest::TCP at offsets 0 and 2);
 * `header <proto>[off:size]` reads `size` bytes (1, 2 or 4, network order)
 * at `off` of that header; ip-proto compares the packet's transport
 * protocol number (`ip-proto == ip` or `ip6` is no test at all, as in Zeek).
 */
enum vg_sig_hdr_kind {
	VG_SIG_H_SRC_IP,
	VG_SIG_H_DST_IP,
	VG_SIG_H_SRC_PORT,
	VG_SIG_H_DST_PORT,
	VG_SIG_H_IP_PROTO,
	VG_SIG_H_HEADER,
};

/* The header a `header` test reads. */
enum vg_sig_hdr_proto {
	VG_SIG_PROTO_IP,
	VG_SIG_PROTO_IP6,
	VG_SIG_PROTO_TCP,
	VG_SIG_PROTO_UDP,
	VG_SIG_PROTO_ICMP,
	VG_SIG_PROTO_ICMP6,
};

/* One value of a list: matches when (field & mask) cmp val. */
struct vg_sig_masked {
	uint32_t val;
	uint32_t mask;
};

/* An address or network: IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), len of 128. */
struct vg_sig_prefix {
	uint8_t addr[16];
	uint8_t len;
};

struct vg_sig_hdr {
	uint8_t kind;  /* enum vg_sig_hdr_kind */
	uint8_t cmp;   /* enum vg_sig_cmp */
	uint8_t proto; /* VG_SIG_H_HEADER: enum vg_sig_hdr_proto */
	uint8_t size;  /* VG_SIG_H_HEADER: 1, 2 or 4 */
	uint32_t offset;
	/* Addresses (SRC_IP, DST_IP): prefixes; everything else: vals. A list
	 * with == matches when any entry does, != when none does. Port ranges
	 * (1-1024) are expanded into single values, as Zeek does. */
	struct vg_sig_masked *vals;
	struct vg_sig_prefix *prefixes;
	uint32_t nvals;
};

/* Where a pattern is matched (Zeek's Rule::PatternType). */
enum vg_sig_pat_type {
	VG_SIG_PAT_PAYLOAD,
	VG_SIG_PAT_HTTP_REQUEST, /* the request's URI */
	VG_SIG_PAT_HTTP_REQUEST_HEADER,
	VG_SIG_PAT_HTTP_REQUEST_BODY,
	VG_SIG_PAT_HTTP_REPLY_HEADER,
	VG_SIG_PAT_HTTP_REPLY_BODY,
	VG_SIG_PAT_FTP,
	VG_SIG_PAT_FINGER,
	VG_SIG_PAT_TYPES,
};

struct vg_sig_pattern {
	uint8_t type; /* enum vg_sig_pat_type */
	bool nocase;  /* written /.../i */
	/* The regular expression between the slashes, in Zeek's syntax, as
	 * written (vg_sig_regex.c translates it for Hyperscan). */
	char *regex;
	/* payload[:N]: only the first N bytes; UINT32_MAX: no limit. */
	uint32_t depth;
};

/* requires-signature [!]id, requires-reverse-signature [!]id */
struct vg_sig_require {
	char *id;
	bool reverse; /* the other direction must have matched it */
	bool negated; /* ... must not have matched it */
};

/* tcp-state / udp-state bits (Zeek's RuleConditionTCPState). */
enum vg_sig_state {
	VG_SIG_STATE_ESTABLISHED = 1 << 0,
	VG_SIG_STATE_ORIGINATOR = 1 << 1,
	VG_SIG_STATE_RESPONDER = 1 << 2,
	VG_SIG_STATE_STATELESS = 1 << 3,
};

struct vg_sig_rule {
	char *id;
	char *file; /* as given on the command line */
	uint32_t line;
	bool active; /* `active false` turns a rule off (default true) */

	struct vg_sig_hdr *hdrs;
	uint32_t nhdrs;
	struct vg_sig_pattern *pats;
	uint32_t npats;

	bool has_payload_size;
	uint8_t payload_size_cmp; /* enum vg_sig_cmp */
	uint32_t payload_size;
	uint8_t tcp_state; /* enum vg_sig_state bits; 0: no condition */
	uint8_t udp_state;
	bool same_ip;

	struct vg_sig_require *reqs;
	uint32_t nreqs;

	/* Actions. `event "msg"`: a signature_match (signatures.log); without
	 * an event action a match is silent (DPD-only rules). */
	bool has_event;
	char *event_msg; /* NULL: `event` without a message */
	char **enable;   /* `enable "http"`: analyzers to attach on a match */
	uint32_t nenable;
	char **disable;
	uint32_t ndisable;
};

struct vg_sig_ruleset {
	struct vg_sig_rule *rules;
	uint32_t n;
	/* Ids of the signatures dropped at load (added by the parser): they
	 * still count as defined ("rule defined twice"), and a signature that
	 * requires one of them is dropped too instead of failing the load. */
	char **dropped;
	uint32_t ndropped;
};

/*
 * Where the parser reports: one call per problem, with the file and line it
 * is at and a reason (no trailing newline). `fatal` problems (syntax errors,
 * an unknown id in requires-*, an invalid state name) fail the load as Zeek
 * fails it; the others (a condition vigil does not honour, such as `eval`)
 * drop that one rule and the rest still load. A non-fatal reason that
 * starts with "warning: " drops nothing (e.g. a pattern offset Zeek ignores).
 */
typedef void (*vg_sig_diag_fn)(
	void *arg, const char *file, uint32_t line, bool fatal, const char *reason);

/*
 * Parses one signature file (`len` bytes of `text`; `file` names it in
 * diagnostics) and appends its rules to `rs`. Returns the number of fatal
 * problems (0: loaded); rules of a file with fatal problems are not added.
 * -1 with errno when memory cannot be had.
 */
int vg_sig_parse_text(struct vg_sig_ruleset *rs, const char *file, const char *text, size_t len,
	vg_sig_diag_fn diag, void *arg);
/* The same for a file on disk; a file that cannot be read is a fatal problem. */
int vg_sig_parse_file(struct vg_sig_ruleset *rs, const char *path, vg_sig_diag_fn diag, void *arg);
/*
 * After every file: checks what spans files (requires-* naming an id that no
 * rule has is fatal, as in Zeek). Returns the number of fatal problems.
 */
int vg_sig_ruleset_check(struct vg_sig_ruleset *rs, vg_sig_diag_fn diag, void *arg);
void vg_sig_ruleset_free(struct vg_sig_ruleset *rs);

/*
 * A pattern in Hyperscan's syntax, with the flags hs_compile_multi wants
 * (HS_FLAG_*), anchored as Zeek's RuleMatcher anchors signature patterns.
 * Writes a NUL-terminated expression of at most cap bytes; false (with a
 * reason in why, cap whycap) when Zeek's syntax has no Hyperscan equivalent.
 */
bool vg_sig_regex_to_hs(const struct vg_sig_pattern *p, char *out, size_t cap, unsigned *flags,
	char *why, size_t whycap);

#endif /* VG_SIG_RULE_H */
