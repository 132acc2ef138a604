/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tokens of Zeek's signature language, as Zeek's scanner
 * (src/rule-scan.l) cuts them: read for its token rules, not copied. The
 * lexer works on a buffer with a length (NUL bytes are input like any other
 * byte) and never allocates: text tokens point into the buffer.
 */
#ifndef VG_SIG_LEX_H
#define VG_SIG_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vg_sig_rule.h"

enum vg_sig_tok {
	VG_TK_EOF,
	VG_TK_ERR,      /* a problem the lexer already reported; the file stops */
	VG_TK_CHAR,     /* one of ! ] [ { } & : , - (in sub) */
	VG_TK_COMP,     /* sub: enum vg_sig_cmp */
	VG_TK_PROT,     /* ip ip6 icmp icmp6 tcp udp; sub: enum vg_sig_hdr_proto */
	VG_TK_BOOL,     /* true false; sub: 0 or 1 */
	VG_TK_STATE,    /* established originator responder stateless; sub: bit */
	VG_TK_IPOPT,    /* lsrr lsrre rr ssrr */
	VG_TK_KEYWORD,  /* sub: enum vg_sig_kw */
	VG_TK_PATTYPE,  /* sub: enum vg_sig_pat_type, or VG_SIG_PAT_FILE_MAGIC */
	VG_TK_INT,      /* num */
	VG_TK_IP,       /* IPv4 (with /len): val, mask */
	VG_TK_IP6,      /* [IPv6] (with /len): pfx */
	VG_TK_STRING,   /* text, len: between the quotes, as written */
	VG_TK_IDENT,    /* text, len */
	VG_TK_PATTERN,  /* text, len: between the slashes; nocase for /.../i */
	VG_TK_POLICYID, /* the name after eval */
};

enum vg_sig_kw {
	VG_KW_SIGNATURE,
	VG_KW_DST_IP,
	VG_KW_DST_PORT,
	VG_KW_SRC_IP,
	VG_KW_SRC_PORT,
	VG_KW_ENABLE,
	VG_KW_DISABLE,
	VG_KW_EVAL,
	VG_KW_EVENT,
	VG_KW_FILE_MIME,
	VG_KW_HEADER,
	VG_KW_IP_OPTIONS,
	VG_KW_IP_PROTO,
	VG_KW_PAYLOAD_SIZE,
	VG_KW_REQUIRES_SIG,
	VG_KW_REQUIRES_REV_SIG,
	VG_KW_SAME_IP,
	VG_KW_TCP_STATE,
	VG_KW_UDP_STATE,
	VG_KW_ACTIVE,
};

/* file-magic: a pattern type Zeek matches on file content only. */
#define VG_SIG_PAT_FILE_MAGIC VG_SIG_PAT_TYPES

struct vg_sig_token {
	uint8_t type; /* enum vg_sig_tok */
	int sub;
	bool nocase;
	uint32_t line;
	uint64_t num;
	uint32_t val, mask;
	struct vg_sig_prefix pfx;
	const char *text;
	size_t len;
};

struct vg_sig_lexer {
	const char *p, *end;
	uint32_t line;
	bool policy_mode; /* the next word is eval's function name */
	const char *file;
	vg_sig_diag_fn diag;
	void *arg;
	int fatal; /* problems reported as fatal */
};

void vg_sig_lex_init(struct vg_sig_lexer *lx, const char *file, const char *text, size_t len,
	vg_sig_diag_fn diag, void *arg);
void vg_sig_lex_next(struct vg_sig_lexer *lx, struct vg_sig_token *t);

/* A fatal problem at `line` (the lexer's and the parser's way to report). */
void vg_sig_report(vg_sig_diag_fn diag, void *arg, const char *file, uint32_t line, bool fatal,
	const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif /* VG_SIG_LEX_H */
