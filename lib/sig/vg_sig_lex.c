/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lexer of Zeek's signature language. The token rules follow Zeek's
 * src/rule-scan.l (read for its semantics; this is vigil's own code):
 * - `#` to the end of the line, blanks and tabs are skipped, and so is a
 *   "meta" line (a `.` word, blanks, then the rest of the line). A CR is
 *   a blank too, so CRLF files read as LF files.
 * - A word ([A-Za-z_][A-Za-z0-9_-]*, `::`-joined) is a keyword when it is
 *   one as a whole (`tcp` is a protocol, `tcp-state` a keyword, `tcpx` an
 *   identifier).
 * - Numbers are decimal or 0x hex; a.b.c.d[/n] is an IPv4 address or
 *   network; [v6 address][/n] an IPv6 one (a `[` that does not open one is
 *   the `[` of header and payload ranges).
 * - "..." ends at the first quote not written \" (a \" right before the
 *   end of the line may close it, as flex's longest match does); the text
 *   is kept as written.
 * - /.../ (and /.../i, case-insensitive) is as long as Zeek's scanner
 *   makes it: a slash written \/ stays inside (lex_pattern).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "vg_sig_lex.h"

void
vg_sig_report(vg_sig_diag_fn diag, void *arg, const char *file, uint32_t line, bool fatal,
	const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (diag != NULL)
		diag(arg, file, line, fatal, why);
}

static void
lex_error(struct vg_sig_lexer *lx, const char *fmt, const char *what)
{
	lx->fatal++;
	vg_sig_report(lx->diag, lx->arg, lx->file, lx->line, true, fmt, what);
}

void
vg_sig_lex_init(struct vg_sig_lexer *lx, const char *file, const char *text, size_t len,
	vg_sig_diag_fn diag, void *arg)
{
	memset(lx, 0, sizeof(*lx));
	lx->p = text;
	lx->end = text + len;
	lx->line = 1;
	lx->file = file;
	lx->diag = diag;
	lx->arg = arg;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* A meta line: `.`, a run of non-blanks, blanks, then at least one character. */
static bool
skip_meta(struct vg_sig_lexer *lx)
{
	const char *q = lx->p + 1;

	if (q >= lx->end || is_blank(*q) || *q == '\n')
		return false;
	while (q < lx->end && !is_blank(*q) && *q != '\n')
		q++;
	if (q >= lx->end || !is_blank(*q))
		return false;
	while (q < lx->end && is_blank(*q))
		q++;
	if (q >= lx->end || *q == '\n')
		return false;
	while (q < lx->end && *q != '\n')
		q++;
	lx->p = q;
	return true;
}

/* Blanks, newlines, comments and meta lines; false at the end of input. */
static bool
skip_space(struct vg_sig_lexer *lx)
{
	while (lx->p < lx->end) {
		char c = *lx->p;

		if (is_blank(c)) {
			lx->p++;
		} else if (c == '\n') {
			lx->line++;
			lx->p++;
		} else if (c == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else if (c == '.' && skip_meta(lx)) {
			continue;
		} else {
			return true;
		}
	}
	return false;
}

struct word {
	const char *w;
	uint8_t type;
	int sub;
};

static const struct word words[] = {
	{"signature", VG_TK_KEYWORD, VG_KW_SIGNATURE},
	{"dst-ip", VG_TK_KEYWORD, VG_KW_DST_IP},
	{"dst-port", VG_TK_KEYWORD, VG_KW_DST_PORT},
	{"src-ip", VG_TK_KEYWORD, VG_KW_SRC_IP},
	{"src-port", VG_TK_KEYWORD, VG_KW_SRC_PORT},
	{"enable", VG_TK_KEYWORD, VG_KW_ENABLE},
	{"disable", VG_TK_KEYWORD, VG_KW_DISABLE},
	{"eval", VG_TK_KEYWORD, VG_KW_EVAL},
	{"event", VG_TK_KEYWORD, VG_KW_EVENT},
	{"file-mime", VG_TK_KEYWORD, VG_KW_FILE_MIME},
	{"header", VG_TK_KEYWORD, VG_KW_HEADER},
	{"ip-options", VG_TK_KEYWORD, VG_KW_IP_OPTIONS},
	{"ip-proto", VG_TK_KEYWORD, VG_KW_IP_PROTO},
	{"payload-size", VG_TK_KEYWORD, VG_KW_PAYLOAD_SIZE},
	{"requires-signature", VG_TK_KEYWORD, VG_KW_REQUIRES_SIG},
	{"requires-reverse-signature", VG_TK_KEYWORD, VG_KW_REQUIRES_REV_SIG},
	{"same-ip", VG_TK_KEYWORD, VG_KW_SAME_IP},
	{"tcp-state", VG_TK_KEYWORD, VG_KW_TCP_STATE},
	{"udp-state", VG_TK_KEYWORD, VG_KW_UDP_STATE},
	{"active", VG_TK_KEYWORD, VG_KW_ACTIVE},
	{"ip", VG_TK_PROT, VG_SIG_PROTO_IP},
	{"ip6", VG_TK_PROT, VG_SIG_PROTO_IP6},
	{"icmp", VG_TK_PROT, VG_SIG_PROTO_ICMP},
	{"icmp6", VG_TK_PROT, VG_SIG_PROTO_ICMP6},
	{"tcp", VG_TK_PROT, VG_SIG_PROTO_TCP},
	{"udp", VG_TK_PROT, VG_SIG_PROTO_UDP},
	{"true", VG_TK_BOOL, 1},
	{"false", VG_TK_BOOL, 0},
	{"established", VG_TK_STATE, VG_SIG_STATE_ESTABLISHED},
	{"originator", VG_TK_STATE, VG_SIG_STATE_ORIGINATOR},
	{"responder", VG_TK_STATE, VG_SIG_STATE_RESPONDER},
	{"stateless", VG_TK_STATE, VG_SIG_STATE_STATELESS},
	{"lsrr", VG_TK_IPOPT, 1},
	{"lsrre", VG_TK_IPOPT, 2},
	{"rr", VG_TK_IPOPT, 4},
	{"ssrr", VG_TK_IPOPT, 8},
	{"file-magic", VG_TK_PATTYPE, VG_SIG_PAT_FILE_MAGIC},
	{"payload", VG_TK_PATTYPE, VG_SIG_PAT_PAYLOAD},
	{"http-request", VG_TK_PATTYPE, VG_SIG_PAT_HTTP_REQUEST},
	{"http-request-body", VG_TK_PATTYPE, VG_SIG_PAT_HTTP_REQUEST_BODY},
	{"http-reply-body", VG_TK_PATTYPE, VG_SIG_PAT_HTTP_REPLY_BODY},
	{"http-body", VG_TK_PATTYPE, VG_SIG_PAT_HTTP_REPLY_BODY},
	{"http-request-header", VG_TK_PATTYPE, VG_SIG_PAT_HTTP_REQUEST_HEADER},
	{"http-reply-header", VG_TK_PATTYPE, VG_SIG_PAT_HTTP_REPLY_HEADER},
	{"http", VG_TK_PATTYPE, VG_SIG_PAT_HTTP_REQUEST},
	{"ftp", VG_TK_PATTYPE, VG_SIG_PAT_FTP},
	{"finger", VG_TK_PATTYPE, VG_SIG_PAT_FINGER},
};

/* [A-Za-z_][A-Za-z0-9_-]* ("::" and another such part)*, as long as it goes. */
static size_t
word_len(const char *s, const char *end, bool dash)
{
	const char *q = s;

	for (;;) {
		if (q >= end || !is_alpha(*q))
			return (size_t)(q - s);
		q++;
		while (q < end && (is_alpha(*q) || is_digit(*q) || (dash && *q == '-')))
			q++;
		if (end - q >= 3 && q[0] == ':' && q[1] == ':' && is_alpha(q[2]))
			q += 2;
		else
			return (size_t)(q - s);
	}
}

static void
lex_word(struct vg_sig_lexer *lx, struct vg_sig_token *t)
{
	size_t n = word_len(lx->p, lx->end, !lx->policy_mode);

	t->text = lx->p;
	t->len = n;
	lx->p += n;
	if (lx->policy_mode) {
		lx->policy_mode = false;
		t->type = VG_TK_POLICYID;
		return;
	}
	t->type = VG_TK_IDENT;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].w) == n && memcmp(words[i].w, t->text, n) == 0) {
			t->type = words[i].type;
			t->sub = words[i].sub;
			return;
		}
}

/* Decimal digits at s (at most 20 of them count); the count read. */
static size_t
read_dec(const char *s, const char *end, uint64_t *v)
{
	size_t n = 0;

	*v = 0;
	while (s + n < end && is_digit(s[n])) {
		if (*v <= UINT64_MAX / 10 - 10)
			*v = *v * 10 + (uint64_t)(s[n] - '0');
		else
			*v = UINT64_MAX;
		n++;
	}
	return n;
}

/* Optional blanks, '/', optional blanks, digits: the prefix length, or -1. */
static int
read_cidr_len(struct vg_sig_lexer *lx, const char **q)
{
	const char *s = *q;
	uint64_t v;

	while (s < lx->end && (*s == ' ' || *s == '\t'))
		s++;
	if (s >= lx->end || *s != '/')
		return -1;
	s++;
	while (s < lx->end && (*s == ' ' || *s == '\t'))
		s++;
	size_t n = read_dec(s, lx->end, &v);

	if (n == 0)
		return -1;
	*q = s + n;
	return v > 255 ? 255 : (int)v;
}

/* a.b.c.d with decimal parts: its length in bytes, 0 if it is not one. */
static size_t
ipv4_len(const char *s, const char *end, uint32_t *addr, bool *bad)
{
	const char *q = s;
	uint32_t a = 0;

	*bad = false;
	for (int i = 0; i < 4; i++) {
		uint64_t part;
		size_t n = read_dec(q, end, &part);

		if (n == 0)
			return 0;
		q += n;
		if (part > 255)
			*bad = true;
		a = (a << 8) | (uint32_t)(part & 0xff);
		if (i < 3) {
			if (q >= end || *q != '.' || q + 1 >= end || !is_digit(q[1]))
				return 0;
			q++;
		}
	}
	*addr = a;
	return (size_t)(q - s);
}

static void
lex_number(struct vg_sig_lexer *lx, struct vg_sig_token *t)
{
	uint32_t addr;
	bool bad;
	size_t n = ipv4_len(lx->p, lx->end, &addr, &bad);

	if (n > 0) {
		const char *q = lx->p + n;
		int len = read_cidr_len(lx, &q);

		t->text = lx->p;
		t->len = (size_t)(q - lx->p);
		lx->p = q;
		if (bad || len > 32) { /* reported; parsing goes on */
			lex_error(lx, "invalid IPv4 address or network (%s)", "a.b.c.d[/0-32]");
			len = 32;
		}
		t->type = VG_TK_IP;
		t->mask = len < 0 ? 0xffffffffu : (len == 0 ? 0 : ~0u << (32 - len));
		t->val = addr & t->mask;
		return;
	}
	t->type = VG_TK_INT;
	t->text = lx->p;
	if (lx->end - lx->p > 2 && lx->p[0] == '0' && lx->p[1] == 'x' && is_hex(lx->p[2])) {
		const char *q = lx->p + 2;
		uint64_t v = 0;

		while (q < lx->end && is_hex(*q)) {
			int d = is_digit(*q) ? *q - '0' : (*q | 0x20) - 'a' + 10;

			v = v > (UINT64_MAX >> 4) ? UINT64_MAX : (v << 4) | (uint64_t)d;
			q++;
		}
		t->num = v;
		lx->p = q;
	} else {
		lx->p += read_dec(lx->p, lx->end, &t->num);
	}
	t->len = (size_t)(lx->p - t->text);
}

/* The `[` of an IPv6 address: true (token made, or an error reported) or false. */
static bool
lex_ip6(struct vg_sig_lexer *lx, struct vg_sig_token *t)
{
	const char *q = lx->p + 1;
	char buf[64];
	size_t n = 0;
	int colons = 0;
	bool dcolon = false;

	while (q < lx->end && (is_hex(*q) || *q == ':' || *q == '.') && n < sizeof(buf) - 1) {
		if (*q == ':') {
			colons++;
			if (q[-1] == ':' && q - 1 > lx->p)
				dcolon = true;
		}
		buf[n++] = *q++;
	}
	buf[n] = '\0';
	if (q >= lx->end || *q != ']' || (!dcolon && colons != 7))
		return false;
	q++;
	int len = read_cidr_len(lx, &q);

	t->text = lx->p;
	t->len = (size_t)(q - lx->p);
	lx->p = q;
	memset(&t->pfx, 0, sizeof(t->pfx));
	t->type = VG_TK_IP6; /* problems are reported and parsing goes on */
	if (inet_pton(AF_INET6, buf, t->pfx.addr) != 1) {
		lex_error(lx, "invalid IPv6 address (%s)", buf);
		t->pfx.len = 128;
		return true;
	}
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	bool v4 = memcmp(t->pfx.addr, mapped, 12) == 0;

	/* As Zeek's IPPrefix: an IPv4-mapped address takes an IPv4 length. */
	if (len > (v4 ? 32 : 128)) {
		lex_error(lx, "invalid IPv6 prefix length (%s)", buf);
		len = -1;
	}
	t->pfx.len = (uint8_t)(len < 0 ? 128 : (v4 ? 96 + len : len));
	for (int b = t->pfx.len; b < 128; b++)
		t->pfx.addr[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
	return true;
}

/*
 * "...": the body is any character but newline and quote, or \" (so a
 * backslash-quote does not end it). The token is as long as it can be: the
 * first quote not after a backslash ends it; failing that, the last
 * backslash-quote of the line does.
 */
static void
lex_string(struct vg_sig_lexer *lx, struct vg_sig_token *t)
{
	const char *q = lx->p + 1, *last = NULL;

	while (q < lx->end && *q != '\n') {
		if (*q == '"') {
			if (q[-1] != '\\' || q - 1 == lx->p)
				break;
			last = q;
		}
		q++;
	}
	if (q >= lx->end || *q != '"') {
		if (last == NULL) {
			lex_error(lx, "unterminated string%s", "");
			t->type = VG_TK_ERR;
			return;
		}
		q = last;
	}
	t->type = VG_TK_STRING;
	t->text = lx->p + 1;
	t->len = (size_t)(q - t->text);
	lx->p = q + 1;
}

/*
 * /.../ and /.../i. Zeek's scanner takes the longest text of the form
 * '/' ['\\/'] (X | Y)* '/' ['i'], where X is any character but a slash and
 * Y is a character other than a backslash, then a backslash and a slash.
 * So \/ is a slash inside the pattern (also \/\/: the first backslash is an
 * X, and "/\/" a Y), and the pattern ends at the last slash such a reading
 * allows. This runs that as a small automaton over the line (vigil keeps a
 * pattern on one line: Zeek's pattern scanner stops at a newline anyway).
 */
enum {
	PAT_ITEM = 1, /* between items */
	PAT_Y1 = 2,   /* read Y's first character */
	PAT_Y2 = 4,   /* read Y's backslash */
	PAT_PRE1 = 8, /* read the leading \ of the optional \/ */
};

static unsigned
pattern_step(unsigned st, char c)
{
	unsigned nx = 0;

	if ((st & PAT_ITEM) && c != '/')
		nx |= PAT_ITEM;
	if ((st & PAT_ITEM) && c != '\\')
		nx |= PAT_Y1;
	if ((st & PAT_Y1) && c == '\\')
		nx |= PAT_Y2;
	if ((st & (PAT_Y2 | PAT_PRE1)) && c == '/')
		nx |= PAT_ITEM;
	return nx;
}

static void
lex_pattern(struct vg_sig_lexer *lx, struct vg_sig_token *t)
{
	const char *start = lx->p + 1, *q = start, *close = NULL;
	unsigned st = PAT_ITEM | (q < lx->end && *q == '\\' ? PAT_PRE1 : 0);

	if (st & PAT_PRE1) { /* the optional leading \/: both readings go on */
		st = pattern_step(PAT_ITEM, '\\') | PAT_PRE1;
		q++;
	}
	for (; st != 0 && q < lx->end && *q != '\n'; q++) {
		if (*q == '/' && (st & PAT_ITEM))
			close = q; /* the pattern may end here; a longer reading wins */
		st = pattern_step(st, *q);
	}
	if (close == NULL) {
		lex_error(lx, "unterminated pattern (a pattern ends with / on its line)%s", "");
		t->type = VG_TK_ERR;
		return;
	}
	t->type = VG_TK_PATTERN;
	t->text = start;
	t->len = (size_t)(close - start);
	q = close + 1;
	t->nocase = q < lx->end && *q == 'i';
	lx->p = q + (t->nocase ? 1 : 0);
}

static bool
lex_comp(struct vg_sig_lexer *lx, struct vg_sig_token *t)
{
	char c = *lx->p, d = lx->p + 1 < lx->end ? lx->p[1] : '\0';

	t->type = VG_TK_COMP;
	if (c == '<' || c == '>') {
		bool eq = d == '=';

		t->sub = c == '<' ? (eq ? VG_SIG_LE : VG_SIG_LT) : (eq ? VG_SIG_GE : VG_SIG_GT);
		lx->p += eq ? 2 : 1;
		return true;
	}
	if (c == '=') {
		t->sub = VG_SIG_EQ;
		lx->p += d == '=' ? 2 : 1;
		return true;
	}
	if (c == '!' && d == '=') {
		t->sub = VG_SIG_NE;
		lx->p += 2;
		return true;
	}
	return false;
}

static bool
lex_punct(struct vg_sig_lexer *lx, struct vg_sig_token *t)
{
	if (strchr("!][{}&:,-", *lx->p) == NULL || *lx->p == '\0')
		return false;
	t->type = VG_TK_CHAR;
	t->sub = *lx->p++;
	return true;
}

static void
unrecognized(struct vg_sig_lexer *lx)
{
	char what[8];
	unsigned char c = (unsigned char)*lx->p;

	if (c >= 0x21 && c < 0x7f)
		snprintf(what, sizeof(what), "%c", c);
	else
		snprintf(what, sizeof(what), "\\x%02x", c);
	lex_error(lx, "unrecognized character in input (%s)", what);
	lx->p++;
}

/* Past this many problems the rest of a file is not read (binary input). */
#define MAX_LEX_ERRORS 20

void
vg_sig_lex_next(struct vg_sig_lexer *lx, struct vg_sig_token *t)
{
	memset(t, 0, sizeof(*t));
	for (;;) {
		if (!skip_space(lx)) {
			t->type = VG_TK_EOF;
			t->line = lx->line;
			return;
		}
		t->line = lx->line;
		char c = *lx->p;

		if (is_alpha(c)) {
			lex_word(lx, t);
			return;
		}
		if (lx->fatal >= MAX_LEX_ERRORS) {
			lex_error(lx, "too many errors%s; the rest of the file is not read", "");
			t->type = VG_TK_ERR;
			return;
		}
		if (lx->policy_mode) { /* only a name may follow eval */
			unrecognized(lx);
			continue;
		}
		if (is_digit(c)) {
			lex_number(lx, t);
			return;
		}
		if (c == '"') {
			lex_string(lx, t);
			return;
		}
		if (c == '/') {
			lex_pattern(lx, t);
			return;
		}
		if (c == '[' && lex_ip6(lx, t))
			return;
		if (lex_comp(lx, t) || lex_punct(lx, t))
			return;
		unrecognized(lx);
	}
}
