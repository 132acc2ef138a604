/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS: the message interpreter (vg_dns_parse.c), the names Zeek gives to
 * codes (vg_dns_names.c) and the analyzer that pairs queries with replies and
 * writes dns.log (vg_dns.c).
 *
 * The interpreter follows Zeek's DNS_Interpreter
 * (src/analyzer/protocol/dns/DNS.cc): it walks one message and reports what
 * Zeek's events would carry (dns_message, dns_request / dns_rejected,
 * one rendered answer per resource record as base/protocols/dns/main.zeek
 * renders it, dns_end) through callbacks, so the analyzer can apply Zeek's
 * script logic and the fuzzer and unit tests can drive it alone.
 */
#ifndef VG_DNS_H
#define VG_DNS_H

#include <stdbool.h>
#include <stdint.h>

/* Zeek's name buffer: u_char name[513], 512 usable (DNS.cc). */
#define VG_DNS_NAME_MAX 512
/* The longest rendered answer kept (a TXT record may carry 64 KiB). */
#define VG_DNS_ANSWER_MAX 4096
/* init-bare.zeek: const dns_max_queries = 25. */
#define VG_DNS_MAX_QUERIES 25

/* Section of a resource record (Zeek's dns_answer$answer_type). */
enum vg_dns_section {
	VG_DNS_QUESTION,
	VG_DNS_ANS,
	VG_DNS_AUTH,
	VG_DNS_ADDL,
	VG_DNS_PREREQUISITE, /* dynamic update (opcode 5): answer section */
	VG_DNS_UPDATE,       /* dynamic update: authority section */
};

enum vg_dns_opcode {
	VG_DNS_OP_QUERY = 0,
	VG_DNS_OP_NOTIFY = 4,
	VG_DNS_OP_UPDATE = 5,
};

struct vg_dns_hdr {
	uint16_t id;
	uint8_t qr, opcode, aa, tc, rd, ra, z, rcode;
	uint16_t qdcount, ancount, nscount, arcount;
};

/* What the interpreter reports while it walks a message. */
struct vg_dns_events {
	/* dns_message: the header was read (always first). */
	void (*message)(void *u, const struct vg_dns_hdr *h);
	/*
	 * dns_request (QR=0) or dns_rejected (QR=1 without any record): one
	 * question, its name downcased. Replies with records (dns_query_reply)
	 * are not reported: no base script handles them.
	 */
	void (*question)(void *u, const struct vg_dns_hdr *h, const char *name,
		const char *original, uint32_t len, uint16_t qtype, uint16_t qclass);
	/*
	 * One record that base/protocols/dns/main.zeek passes to do_reply:
	 * `text` is its rendering ("" for WKS), `owner` the record's name.
	 */
	void (*answer)(void *u, const struct vg_dns_hdr *h, enum vg_dns_section sec,
		const char *owner, uint32_t owner_len, uint32_t ttl, const char *text,
		uint32_t len);
	/* dns_end: the message is over (also after an error part way). */
	void (*end)(void *u, const struct vg_dns_hdr *h);
	void (*weird)(void *u, const char *name, const char *addl);
	/* analyzer_confirmation: questions and answers parsed. */
	void (*confirm)(void *u);
	void (*violate)(void *u, const char *reason);
};

struct vg_dns_parse_opts {
	uint16_t resp_port; /* 137: NetBIOS name service rules */
	bool tcp;
	bool auth_addl; /* policy/protocols/dns/auth-addl: read authority and additional */
};

/*
 * What the Zeek policy scripts a run emulates ask of the DNS analyzer. Set
 * once at start, before any worker runs (vg_dns_configure).
 */
struct vg_dns_config {
	bool auth_addl;      /* policy/protocols/dns/auth-addl: dns.log auth, addl */
	bool original_query; /* policy/protocols/dns/log-original-query-case */
};
void vg_dns_configure(const struct vg_dns_config *c);

/* Interprets one DNS message (UDP payload, or one TCP message without its length). */
void vg_dns_parse(const uint8_t *msg, uint32_t len, const struct vg_dns_parse_opts *o,
	const struct vg_dns_events *ev, void *u);

/* consts.zeek's tables, with their &default renderings written into buf. */
const char *vg_dns_qtype_name(uint16_t t, char *buf, uint32_t cap);
const char *vg_dns_class_name(uint16_t c, char *buf, uint32_t cap);
const char *vg_dns_rcode_name(uint16_t r, char *buf, uint32_t cap);
const char *vg_dns_opcode_name(uint8_t op, bool netbios, char *buf, uint32_t cap);

/* ---- The analyzer ---- */

struct vg_analyzer;
extern const struct vg_analyzer vg_dns_analyzer;

/* Pending queries kept per connection; the oldest is logged when full. */
#define VG_DNS_PENDING 4

/* What the DNS analyzer gave up, over all workers (also in doc/logs.md). */
struct vg_dns_stats {
	uint64_t pending_evicted; /* unanswered queries logged early: table full */
	uint64_t answers_dropped; /* answers past the per-record limit */
	uint64_t tcp_truncated;   /* TCP messages cut: no buffer free or too long */
	uint64_t names_truncated; /* query names longer than the pending slot */
};
/* A snapshot of the calling thread's (worker's) counters. */
void vg_dns_stats(struct vg_dns_stats *out);

#endif /* VG_DNS_H */
