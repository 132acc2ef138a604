/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A recursive-descent parser for Zeek's signature language. The grammar and
 * the checks it makes while parsing follow Zeek's src/rule-parse.y (read for
 * its semantics; this is vigil's own code):
 *
 *   file   := rule*
 *   rule   := 'signature' IDENT '{' attr* '}'
 *   attr   := (src-ip|dst-ip) COMP prefix (',' prefix)*
 *           | (src-port|dst-port) COMP values | ip-proto COMP (PROT | values)
 *           | header PROT '[' int [':' int] ']' ['&' int] COMP values
 *           | PATTYPE ['[' range ']'] PATTERN | payload-size COMP int
 *           | tcp-state STATE (',' STATE)* | udp-state STATE (',' STATE)*
 *           | ip-options OPT (',' OPT)* | same-ip | active BOOL
 *           | requires-signature ['!'] IDENT
 *           | requires-reverse-signature ['!'] IDENT
 *           | event STRING | event IDENT [STRING] | enable STRING
 *           | disable STRING | file-mime STRING [',' ['-'] INT] | eval NAME
 *   values := (INT | INT '-' INT | IP) (',' ...)*
 *
 * A syntax error stops the file (Zeek's parser has no error recovery).
 * Where Zeek would look an IDENT up among its script's constants, vigil has
 * no script layer: the signature is dropped with the reason (non-fatal), as
 * are eval, ip-options, file-magic and custom events. No recursion: lists
 * are loops.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vg_sig_build.h"
#include "vg_sig_lex.h"
#include "vg_sig_load.h"

#define MAX_LIST_VALUES  (1u << 20) /* values in one list */
#define MAX_FILE_VALUES  (1u << 22) /* values in one file */
#define MAX_RANGE_VALUES 65536u     /* values one a-b range expands to */

struct parser {
	struct vg_sig_lexer lx;
	struct vg_sig_token tok;
	struct vg_sig_ruleset local; /* this file's rules, moved to rs at the end */
	struct vg_sig_idset ids;     /* every id defined so far */
	const char *file;
	vg_sig_diag_fn diag;
	void *arg;
	int fatal;
	bool oom;
	bool stop; /* a syntax error (or a lexer error): the file ends here */
	uint64_t nvals;
	struct vg_sig_rule r; /* the rule being read */
	bool drop;            /* ... has a condition vigil does not honour */
};

static void
next(struct parser *p)
{
	vg_sig_lex_next(&p->lx, &p->tok);
	if (p->tok.type == VG_TK_ERR)
		p->stop = true;
}

static bool
syntax_error(struct parser *p)
{
	if (!p->stop) {
		p->fatal++;
		vg_sig_report(p->diag, p->arg, p->file, p->tok.line, true, "syntax error");
	}
	p->stop = true;
	return false;
}

static bool
fatal(struct parser *p, uint32_t line, const char *what, const char *detail)
{
	p->fatal++;
	vg_sig_report(p->diag, p->arg, p->file, line, true, "%s%s", what, detail);
	return true;
}

/* A condition vigil does not honour: the rule is dropped, the file loads. */
static bool
drop(struct parser *p, uint32_t line, const char *fmt, const char *what)
{
	char why[256];

	snprintf(why, sizeof(why), fmt, what);
	p->drop = true;
	vg_sig_report(p->diag, p->arg, p->file, line, false, "%s; signature %s dropped", why,
		p->r.id ? p->r.id : "?");
	return true;
}

static bool
no_memory(struct parser *p)
{
	p->oom = true;
	p->stop = true;
	return false;
}

static bool
is_char(const struct parser *p, char c)
{
	return p->tok.type == VG_TK_CHAR && p->tok.sub == c;
}

static bool
is_kw(const struct parser *p, int kw)
{
	return p->tok.type == VG_TK_KEYWORD && p->tok.sub == kw;
}

/* Expects the character c and moves past it. */
static bool
eat_char(struct parser *p, char c)
{
	if (!is_char(p, c))
		return syntax_error(p);
	next(p);
	return !p->stop;
}

/* COMP: its value, and moves past it. */
static bool
eat_comp(struct parser *p, uint8_t *cmp)
{
	if (p->tok.type != VG_TK_COMP)
		return syntax_error(p);
	*cmp = (uint8_t)p->tok.sub;
	next(p);
	return !p->stop;
}

/* A token's text for a message (an identifier, cut to 64 bytes). */
static const char *
tok_text(const struct vg_sig_token *t, char *buf, size_t cap)
{
	size_t n = t->len < cap - 1 ? t->len : cap - 1;

	memcpy(buf, t->text, n);
	buf[n] = '\0';
	return buf;
}

static bool
drop_ident(struct parser *p)
{
	char name[65];

	return drop(p, p->tok.line,
		"'%s' names a Zeek script value, which vigil cannot look up (write the value "
		"itself)",
		tok_text(&p->tok, name, sizeof(name)));
}

/* integer := INT | IDENT (a script constant: the rule is dropped). */
static bool
eat_integer(struct parser *p, uint32_t *v)
{
	*v = 0;
	if (p->tok.type == VG_TK_IDENT) {
		drop_ident(p);
	} else if (p->tok.type == VG_TK_INT) {
		if (p->tok.num > UINT32_MAX)
			fatal(p, p->tok.line, "number out of range (at most 4294967295)", "");
		else
			*v = (uint32_t)p->tok.num;
	} else {
		return syntax_error(p);
	}
	next(p);
	return !p->stop;
}

static bool
add_value(struct parser *p, struct vg_sig_hdr *h, uint32_t val, uint32_t mask)
{
	struct vg_sig_masked m = {.val = val, .mask = mask};

	if (h->nvals >= MAX_LIST_VALUES || p->nvals >= MAX_FILE_VALUES) {
		if (!p->stop)
			fatal(p, p->tok.line,
				"too many values (a list holds at most 1048576, a "
				"file 4194304)",
				"");
		p->stop = true;
		return false;
	}
	p->nvals++;
	if (!vg_sig_push(&h->vals, &h->nvals, sizeof(m), &m))
		return no_memory(p);
	return true;
}

/* INT '-' INT (the INT is read, the '-' is the token): expanded as Zeek does. */
static bool
add_range(struct parser *p, struct vg_sig_hdr *h, uint64_t lo)
{
	next(p);
	if (p->tok.type != VG_TK_INT)
		return syntax_error(p);
	uint64_t hi = p->tok.num;

	if (hi > UINT32_MAX || lo > UINT32_MAX)
		return fatal(p, p->tok.line, "number out of range (at most 4294967295)", ""),
		       next(p), !p->stop;
	if (hi >= lo && hi - lo >= MAX_RANGE_VALUES)
		return fatal(p, p->tok.line, "range too large (at most 65536 values)", ""), next(p),
		       !p->stop;
	for (uint64_t v = lo; v <= hi; v++)
		if (!add_value(p, h, (uint32_t)v, 0xffffffffu))
			return false;
	next(p);
	return !p->stop;
}

/* values := (INT | INT '-' INT | IP | IDENT) (',' ...)* */
static bool
parse_values(struct parser *p, struct vg_sig_hdr *h)
{
	for (;;) {
		if (p->tok.type == VG_TK_INT) {
			uint64_t v = p->tok.num;

			next(p);
			if (p->stop)
				return false;
			if (is_char(p, '-')) {
				if (!add_range(p, h, v))
					return false;
			} else if (v > UINT32_MAX) {
				fatal(p, p->tok.line, "number out of range (at most 4294967295)",
					"");
			} else if (!add_value(p, h, (uint32_t)v, 0xffffffffu)) {
				return false;
			}
		} else if (p->tok.type == VG_TK_IP) {
			if (!add_value(p, h, p->tok.val, p->tok.mask))
				return false;
			next(p);
		} else if (p->tok.type == VG_TK_IDENT) {
			drop_ident(p);
			next(p);
		} else {
			return syntax_error(p);
		}
		if (p->stop)
			return false;
		if (!is_char(p, ','))
			return true;
		next(p);
	}
}

static uint8_t
mask_len(uint32_t mask)
{
	uint8_t n = 0;

	while (n < 32 && (mask & (0x80000000u >> n)))
		n++;
	return n;
}

static bool
add_prefix(struct parser *p, struct vg_sig_hdr *h, const struct vg_sig_prefix *pfx)
{
	if (h->nvals >= MAX_LIST_VALUES || p->nvals >= MAX_FILE_VALUES)
		return add_value(p, h, 0, 0); /* reports */
	p->nvals++;
	if (!vg_sig_push(&h->prefixes, &h->nvals, sizeof(*pfx), pfx))
		return no_memory(p);
	return true;
}

/* prefix := IP | IP6 | IDENT, (',' prefix)* */
static bool
parse_prefixes(struct parser *p, struct vg_sig_hdr *h)
{
	for (;;) {
		struct vg_sig_prefix pfx = {0};

		if (p->tok.type == VG_TK_IP) {
			pfx.addr[10] = pfx.addr[11] = 0xff;
			for (int i = 0; i < 4; i++)
				pfx.addr[12 + i] = (uint8_t)(p->tok.val >> (24 - 8 * i));
			pfx.len = (uint8_t)(96 + mask_len(p->tok.mask));
			if (!add_prefix(p, h, &pfx))
				return false;
		} else if (p->tok.type == VG_TK_IP6) {
			if (!add_prefix(p, h, &p->tok.pfx))
				return false;
		} else if (p->tok.type == VG_TK_IDENT) {
			drop_ident(p);
		} else {
			return syntax_error(p);
		}
		next(p);
		if (p->stop)
			return false;
		if (!is_char(p, ','))
			return true;
		next(p);
	}
}

static bool
push_hdr(struct parser *p, struct vg_sig_hdr *h)
{
	if (!vg_sig_push(&p->r.hdrs, &p->r.nhdrs, sizeof(*h), h)) {
		free(h->vals);
		free(h->prefixes);
		return no_memory(p);
	}
	return true;
}

/* (src-ip|dst-ip) COMP prefixes */
static bool
parse_ip(struct parser *p, uint8_t kind)
{
	struct vg_sig_hdr h = {.kind = kind};

	next(p);
	if (!eat_comp(p, &h.cmp))
		return false;
	bool ok = parse_prefixes(p, &h);

	return push_hdr(p, &h) && ok;
}

/* (src-port|dst-port) COMP values: the transport header's port, as Zeek reads it. */
static bool
parse_port(struct parser *p, uint8_t kind)
{
	struct vg_sig_hdr h = {.kind = kind, .proto = VG_SIG_PROTO_TCP, .size = 2};

	h.offset = kind == VG_SIG_H_DST_PORT ? 2 : 0;
	next(p);
	if (!eat_comp(p, &h.cmp))
		return false;
	bool ok = parse_values(p, &h);

	return push_hdr(p, &h) && ok;
}

static const uint8_t proto_numbers[] = {
	[VG_SIG_PROTO_IP] = 0,
	[VG_SIG_PROTO_IP6] = 0,
	[VG_SIG_PROTO_TCP] = 6,
	[VG_SIG_PROTO_UDP] = 17,
	[VG_SIG_PROTO_ICMP] = 1,
	[VG_SIG_PROTO_ICMP6] = 58,
};

/* ip-proto COMP (PROT | values); `ip` and `ip6` test nothing, as in Zeek. */
static bool
parse_ip_proto(struct parser *p)
{
	struct vg_sig_hdr h = {.kind = VG_SIG_H_IP_PROTO};

	next(p);
	if (!eat_comp(p, &h.cmp))
		return false;
	if (p->tok.type == VG_TK_PROT) {
		uint8_t num = proto_numbers[p->tok.sub];

		next(p);
		if (num == 0)
			return !p->stop;
		if (!add_value(p, &h, num, 0xffffffffu)) {
			free(h.vals);
			return false;
		}
		return push_hdr(p, &h) && !p->stop;
	}
	bool ok = parse_values(p, &h);

	return push_hdr(p, &h) && ok;
}

/* header PROT '[' int [':' int] ']' ['&' int COMP value | COMP values] */
static bool
parse_header(struct parser *p)
{
	struct vg_sig_hdr h = {.kind = VG_SIG_H_HEADER, .size = 1};
	uint32_t size = 1, mask;
	uint32_t line;

	next(p);
	if (p->tok.type != VG_TK_PROT)
		return syntax_error(p);
	h.proto = (uint8_t)p->tok.sub;
	next(p);
	if (!eat_char(p, '[') || !eat_integer(p, &h.offset))
		return false;
	line = p->tok.line;
	if (is_char(p, ':') && (next(p), !eat_integer(p, &size)))
		return false;
	if (!eat_char(p, ']'))
		return false;
	if (size != 1 && size != 2 && size != 4)
		fatal(p, line, "header size must be 1, 2 or 4", "");
	h.size = (uint8_t)size;
	if (!is_char(p, '&')) {
		if (!eat_comp(p, &h.cmp))
			return false;
		bool ok = parse_values(p, &h);

		return push_hdr(p, &h) && ok;
	}
	next(p);
	if (!eat_integer(p, &mask) || !eat_comp(p, &h.cmp))
		return false;
	if (p->tok.type != VG_TK_INT && p->tok.type != VG_TK_IP)
		return syntax_error(p);
	if (p->tok.type == VG_TK_INT && p->tok.num > UINT32_MAX)
		fatal(p, p->tok.line, "number out of range (at most 4294967295)", "");
	uint32_t val = p->tok.type == VG_TK_INT ? (uint32_t)p->tok.num : p->tok.val;

	if (!add_value(p, &h, val, mask))
		return false;
	next(p);
	return push_hdr(p, &h) && !p->stop;
}

/* '[' (int | int ':' int | ':' int | int ':') ']': the pattern's depth. */
static bool
parse_depth(struct parser *p, uint32_t *depth)
{
	uint32_t off = 0, len = 1;
	uint32_t line = p->tok.line;

	next(p);
	if (is_char(p, ':')) {
		next(p);
		if (!eat_integer(p, &len))
			return false;
	} else {
		if (!eat_integer(p, &off))
			return false;
		if (is_char(p, ':')) {
			next(p);
			len = UINT32_MAX;
			if ((p->tok.type == VG_TK_INT || p->tok.type == VG_TK_IDENT) &&
				!eat_integer(p, &len))
				return false;
		}
	}
	if (!eat_char(p, ']'))
		return false;
	if (off > 0)
		vg_sig_report(p->diag, p->arg, p->file, line, false,
			"warning: signature %s: offsets are ignored for patterns (as in Zeek)",
			p->r.id);
	*depth = len;
	return true;
}

/* Checks the pattern translates; false: fatal problem or no memory. */
static bool
check_regex(struct parser *p, const struct vg_sig_pattern *pat, uint32_t line)
{
	size_t cap = vg_sig_regex_hs_size(pat);
	char *out = malloc(cap), why[160];
	unsigned flags;
	bool unsupported = false;

	if (out == NULL)
		return no_memory(p);
	bool ok = vg_sig_regex_translate(pat, out, cap, &flags, why, sizeof(why), &unsupported);

	free(out);
	if (ok)
		return true;
	if (unsupported)
		drop(p, line, "pattern has no Hyperscan equivalent: %s", why);
	else
		fatal(p, line, "error compiling pattern: ", why);
	return true;
}

/* PATTYPE ['[' range ']'] (PATTERN | IDENT) */
static bool
parse_pattern(struct parser *p)
{
	struct vg_sig_pattern pat = {.type = (uint8_t)p->tok.sub, .depth = UINT32_MAX};
	uint32_t line = p->tok.line;

	next(p);
	if (is_char(p, '[') && !parse_depth(p, &pat.depth))
		return false;
	if (p->tok.type == VG_TK_IDENT) {
		drop_ident(p);
		next(p);
		return !p->stop;
	}
	if (p->tok.type != VG_TK_PATTERN)
		return syntax_error(p);
	if (memchr(p->tok.text, '\0', p->tok.len) != NULL) {
		fatal(p, p->tok.line, "NUL byte in pattern", "");
		next(p);
		return !p->stop;
	}
	if (pat.type == VG_SIG_PAT_FILE_MAGIC) {
		drop(p, line,
			"file-magic matches file content, which vigil's signatures do not "
			"see%s",
			"");
		next(p);
		return !p->stop;
	}
	pat.nocase = p->tok.nocase;
	pat.regex = vg_sig_strndup(p->tok.text, p->tok.len);
	if (pat.regex == NULL)
		return no_memory(p);
	if (!vg_sig_push(&p->r.pats, &p->r.npats, sizeof(pat), &pat)) {
		free(pat.regex);
		return no_memory(p);
	}
	if (!check_regex(p, &pat, p->tok.line))
		return false;
	next(p);
	return !p->stop;
}

/* A STRING token's text, owned; NULL with p->oom or a reported problem. */
static char *
take_string(struct parser *p)
{
	if (memchr(p->tok.text, '\0', p->tok.len) != NULL) {
		fatal(p, p->tok.line, "NUL byte in string", "");
		return NULL;
	}
	char *s = vg_sig_strndup(p->tok.text, p->tok.len);

	if (s == NULL)
		no_memory(p);
	return s;
}

/* event STRING | event IDENT [STRING] */
static bool
parse_event(struct parser *p)
{
	char name[65];

	next(p);
	if (p->tok.type == VG_TK_STRING) {
		char *s = take_string(p);

		if (s != NULL) {
			free(p->r.event_msg);
			p->r.event_msg = s;
			p->r.has_event = true;
		}
	} else if (p->tok.type == VG_TK_IDENT) {
		/* A custom script event (event my_event ["msg"]): Zeek raises it
		 * instead of signature_match, so nothing is logged; vigil has no
		 * script layer to raise it in. The rule still matches (requires-*,
		 * enable). */
		vg_sig_report(p->diag, p->arg, p->file, p->tok.line, false,
			"warning: signature %s: event %s is a Zeek script event, which vigil "
			"does not raise; the signature matches without a log entry",
			p->r.id, tok_text(&p->tok, name, sizeof(name)));
		next(p);
		if (p->tok.type != VG_TK_STRING)
			return !p->stop;
	} else {
		return syntax_error(p);
	}
	next(p);
	return !p->stop;
}

/* (enable|disable) STRING */
static bool
parse_analyzer_action(struct parser *p, char ***list, uint32_t *n)
{
	next(p);
	if (p->tok.type != VG_TK_STRING)
		return syntax_error(p);
	char *s = take_string(p);

	if (s != NULL && !vg_sig_push(list, n, sizeof(s), &s)) {
		free(s);
		return no_memory(p);
	}
	next(p);
	return !p->stop && !p->oom;
}

/* file-mime (STRING | IDENT) [',' ['-'] INT]: file magic, kept as nothing. */
static bool
parse_mime(struct parser *p)
{
	next(p);
	if (p->tok.type == VG_TK_IDENT)
		drop_ident(p);
	else if (p->tok.type != VG_TK_STRING)
		return syntax_error(p);
	next(p);
	if (!is_char(p, ','))
		return !p->stop;
	next(p);
	if (is_char(p, '-'))
		next(p);
	if (p->tok.type != VG_TK_INT)
		return syntax_error(p);
	next(p);
	return !p->stop;
}

/* (requires-signature|requires-reverse-signature) ['!'] IDENT */
static bool
parse_requires(struct parser *p, bool reverse)
{
	struct vg_sig_require rq = {.reverse = reverse};

	next(p);
	if (is_char(p, '!')) {
		rq.negated = true;
		next(p);
	}
	if (p->tok.type != VG_TK_IDENT)
		return syntax_error(p);
	rq.id = vg_sig_strndup(p->tok.text, p->tok.len);
	if (rq.id == NULL || !vg_sig_push(&p->r.reqs, &p->r.nreqs, sizeof(rq), &rq)) {
		free(rq.id);
		return no_memory(p);
	}
	next(p);
	return !p->stop;
}

/* STATE (',' STATE)*, or OPT (',' OPT)*: the bits. */
static bool
parse_symbols(struct parser *p, uint8_t type, uint8_t *bits)
{
	*bits = 0;
	for (;;) {
		next(p);
		if (p->tok.type != type)
			return syntax_error(p);
		*bits |= (uint8_t)p->tok.sub;
		next(p);
		if (p->stop)
			return false;
		if (!is_char(p, ','))
			return true;
	}
}

static bool
parse_state(struct parser *p, bool udp)
{
	uint8_t bits;

	if (!parse_symbols(p, VG_TK_STATE, &bits))
		return false;
	/* Zeek reports this at the line of the token after the list. */
	if (udp && (bits & VG_SIG_STATE_ESTABLISHED))
		fatal(p, p->tok.line, "'established' is not a valid 'udp-state'", "");
	*(udp ? &p->r.udp_state : &p->r.tcp_state) |= bits;
	return true;
}

static bool
parse_keyword_attr(struct parser *p)
{
	uint32_t line = p->tok.line;
	uint8_t bits;

	switch (p->tok.sub) {
	case VG_KW_SRC_IP:
		return parse_ip(p, VG_SIG_H_SRC_IP);
	case VG_KW_DST_IP:
		return parse_ip(p, VG_SIG_H_DST_IP);
	case VG_KW_SRC_PORT:
		return parse_port(p, VG_SIG_H_SRC_PORT);
	case VG_KW_DST_PORT:
		return parse_port(p, VG_SIG_H_DST_PORT);
	case VG_KW_IP_PROTO:
		return parse_ip_proto(p);
	case VG_KW_HEADER:
		return parse_header(p);
	case VG_KW_PAYLOAD_SIZE:
		next(p);
		p->r.has_payload_size = true;
		return eat_comp(p, &p->r.payload_size_cmp) && eat_integer(p, &p->r.payload_size);
	case VG_KW_TCP_STATE:
		return parse_state(p, false);
	case VG_KW_UDP_STATE:
		return parse_state(p, true);
	case VG_KW_IP_OPTIONS:
		if (!parse_symbols(p, VG_TK_IPOPT, &bits))
			return false;
		return drop(p, line, "ip-options is not supported%s", "");
	case VG_KW_SAME_IP:
		p->r.same_ip = true;
		next(p);
		return !p->stop;
	case VG_KW_ACTIVE:
		next(p);
		if (p->tok.type != VG_TK_BOOL)
			return syntax_error(p);
		p->r.active = p->tok.sub != 0;
		next(p);
		return !p->stop;
	case VG_KW_REQUIRES_SIG:
		return parse_requires(p, false);
	case VG_KW_REQUIRES_REV_SIG:
		return parse_requires(p, true);
	case VG_KW_EVENT:
		return parse_event(p);
	case VG_KW_ENABLE:
		return parse_analyzer_action(p, &p->r.enable, &p->r.nenable);
	case VG_KW_DISABLE:
		return parse_analyzer_action(p, &p->r.disable, &p->r.ndisable);
	case VG_KW_FILE_MIME:
		return parse_mime(p);
	case VG_KW_EVAL:
		p->lx.policy_mode = true;
		next(p);
		if (p->tok.type != VG_TK_POLICYID)
			return syntax_error(p);
		drop(p, line, "eval is not supported%s (it calls a Zeek script function)", "");
		next(p);
		return !p->stop;
	default:
		return syntax_error(p);
	}
}

static bool
parse_attr(struct parser *p)
{
	if (p->tok.type == VG_TK_KEYWORD)
		return parse_keyword_attr(p);
	if (p->tok.type == VG_TK_PATTYPE)
		return parse_pattern(p);
	return syntax_error(p);
}

/* The rule just read: kept, dropped (its id noted) or refused as a duplicate. */
static void
finish_rule(struct parser *p)
{
	struct vg_sig_rule *r = &p->r;

	if (vg_sig_idset_has(&p->ids, r->id)) {
		/* At the closing brace (the token), where Zeek's parser adds the rule. */
		p->fatal++;
		vg_sig_report(p->diag, p->arg, p->file, p->tok.line, true,
			"rule defined twice (%s)", r->id);
		vg_sig_rule_free(r);
		return;
	}
	if (p->drop) {
		if (!vg_sig_ruleset_note_dropped(&p->local, r->id))
			no_memory(p);
		else if (!vg_sig_idset_add(&p->ids, p->local.dropped[p->local.ndropped - 1]))
			no_memory(p);
		vg_sig_rule_free(r);
		return;
	}
	if (!vg_sig_push(&p->local.rules, &p->local.n, sizeof(*r), r)) {
		vg_sig_rule_free(r);
		no_memory(p);
		return;
	}
	if (!vg_sig_idset_add(&p->ids, r->id))
		no_memory(p);
	memset(r, 0, sizeof(*r));
}

/* 'signature' IDENT '{' attr* '}' (the keyword is the token). */
static void
parse_rule(struct parser *p)
{
	memset(&p->r, 0, sizeof(p->r));
	p->drop = false;
	next(p);
	if (p->tok.type != VG_TK_IDENT) {
		syntax_error(p);
		return;
	}
	p->r.active = true;
	p->r.line = p->tok.line;
	p->r.id = vg_sig_strndup(p->tok.text, p->tok.len);
	p->r.file = vg_sig_strndup(p->file, strlen(p->file));
	if (p->r.id == NULL || p->r.file == NULL) {
		no_memory(p);
	} else {
		next(p);
		if (eat_char(p, '{'))
			while (!p->stop && !is_char(p, '}') && parse_attr(p))
				;
	}
	if (p->stop || p->oom) {
		vg_sig_rule_free(&p->r);
		return;
	}
	finish_rule(p);
	next(p);
}

static bool
seed_ids(struct parser *p, const struct vg_sig_ruleset *rs)
{
	for (uint32_t i = 0; i < rs->n; i++)
		if (!vg_sig_idset_add(&p->ids, rs->rules[i].id))
			return false;
	for (uint32_t i = 0; i < rs->ndropped; i++)
		if (!vg_sig_idset_add(&p->ids, rs->dropped[i]))
			return false;
	return true;
}

/* Moves this file's rules and dropped ids into rs. */
static bool
merge(struct parser *p, struct vg_sig_ruleset *rs)
{
	struct vg_sig_ruleset *l = &p->local;

	for (uint32_t i = 0; i < l->n; i++) {
		if (!vg_sig_push(&rs->rules, &rs->n, sizeof(l->rules[i]), &l->rules[i]))
			return false;
		memset(&l->rules[i], 0, sizeof(l->rules[i]));
	}
	for (uint32_t i = 0; i < l->ndropped; i++) {
		if (!vg_sig_push(&rs->dropped, &rs->ndropped, sizeof(char *), &l->dropped[i]))
			return false;
		l->dropped[i] = NULL;
	}
	return true;
}

int
vg_sig_parse_text(struct vg_sig_ruleset *rs, const char *file, const char *text, size_t len,
	vg_sig_diag_fn diag, void *arg)
{
	struct parser p = {.file = file, .diag = diag, .arg = arg};

	vg_sig_lex_init(&p.lx, file, text, len, diag, arg);
	if (!seed_ids(&p, rs))
		p.oom = true;
	else
		next(&p);
	while (!p.stop && !p.oom && p.tok.type != VG_TK_EOF) {
		if (!is_kw(&p, VG_KW_SIGNATURE)) {
			syntax_error(&p);
			break;
		}
		parse_rule(&p);
	}
	int nfatal = p.fatal + p.lx.fatal;

	if (!p.oom && nfatal == 0 && !merge(&p, rs))
		p.oom = true;
	vg_sig_ruleset_free(&p.local);
	vg_sig_idset_free(&p.ids);
	if (p.oom) {
		errno = ENOMEM;
		return -1;
	}
	return nfatal;
}

/* The whole file in memory (signature files are small; 256 MiB at most). */
static char *
read_all(const char *path, size_t *len, char *why, size_t whycap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (256 << 20)) {
		snprintf(why, whycap, "%s",
			fd < 0 || errno ? strerror(errno)
					: "not a regular file of at most 256 MiB");
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		snprintf(why, whycap, "%s", strerror(ENOMEM));
		goto out;
	}
	size_t got = 0;

	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0) {
			snprintf(why, whycap, "%s", n < 0 ? strerror(errno) : "file shrank");
			free(buf);
			buf = NULL;
			goto out;
		}
		got += (size_t)n;
	}
	*len = got;
out:
	if (fd >= 0)
		close(fd);
	return buf;
}

int
vg_sig_parse_file(struct vg_sig_ruleset *rs, const char *path, vg_sig_diag_fn diag, void *arg)
{
	char why[160] = "";
	size_t len = 0;

	errno = 0;
	char *text = read_all(path, &len, why, sizeof(why));

	if (text == NULL) {
		vg_sig_report(diag, arg, path, 0, true, "can't open signature file: %s", why);
		return 1;
	}
	int rc = vg_sig_parse_text(rs, path, text, len, diag, arg);

	free(text);
	return rc;
}
