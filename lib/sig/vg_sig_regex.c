/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zeek's pattern syntax to a Hyperscan expression.
 *
 * What Zeek does (read in its sources, not copied): the syntax is flex's
 * (src/re-scan.l, src/re-parse.y): literal characters, `.`, `[...]` with
 * ranges, `^` negation and `[:name:]` classes, `"..."` quoted literals,
 * `\` escapes (C escapes, octal, \xHH), `( )`, `|`, `* + ?`, `{n}`,
 * `{n,}`, `{n,m}`, `^`, `$` and `(?i:...)`. `{NAME}` names a definition,
 * and signature patterns have none ("undefined definition").
 * Case-insensitivity (`/.../i` is wrapped in `(?i:...)` by src/rule-scan.l)
 * is applied by the scanner to literal letters and inside classes only: an
 * escaped letter (\x41) and letters inside "..." keep their case.
 * RuleMatcher::BuildPatternSets compiles a rule's patterns with
 * Specific_RE_Matcher(MATCH_EXACTLY, multiline=true) (src/RuleMatcher.cc,
 * src/RE.cc): no `.*` is put in front, and the DFA runs from the first byte
 * of the data, so a signature pattern is anchored at the start of the data
 * (payload /GET/ matches data that begins with GET; /.*GET/ finds it
 * anywhere); an accepting state anywhere is a match (no end anchor).
 * multiline makes `.` match every byte, newline included. `^` is the
 * begin-of-line symbol Zeek feeds before the first byte only, `$` the
 * end-of-line symbol fed after the last one.
 *
 * The Hyperscan expression: ^(?: ... ) with HS_FLAG_DOTALL (and
 * HS_FLAG_ALLOWEMPTY: /.*\/ matches at once in Zeek). Letters are written
 * [aA] where Zeek's scanner makes them case-insensitive, classes as explicit
 * byte sets, every byte that is not a letter or digit as \xHH; `^` is `^`
 * (start of data without HS_FLAG_MULTILINE) and `$` is `\z` (the end of the
 * data only, not before a final newline). A quantifier on a quantified item
 * (a** is valid for Zeek) gets a (?: ) around the item.
 */
#include <stdio.h>
#include <string.h>

#include <hs/hs.h>

#include "vg_sig_build.h"
#include "vg_sig_load.h"

#define MAX_DEPTH 256

struct tr {
	const char *s; /* the Zeek pattern, NUL-terminated */
	char *out;
	size_t cap, n;
	char *why;
	size_t whycap;
	bool failed, unsupported;
	bool ci;   /* literal letters match both cases */
	long atom; /* where the last item starts in out; -1: none to repeat */
	bool quantified;
	int depth;
	struct {
		size_t start;
		bool ci;
	} stk[MAX_DEPTH];
};

static bool
fail(struct tr *t, const char *why)
{
	if (!t->failed && t->whycap > 0)
		snprintf(t->why, t->whycap, "%s", why);
	t->failed = true;
	return false;
}

static bool
emit(struct tr *t, const char *s, size_t len)
{
	if (t->n + len + 1 > t->cap)
		return fail(t, "expression too long");
	memcpy(t->out + t->n, s, len);
	t->n += len;
	t->out[t->n] = '\0';
	return true;
}

static bool
emits(struct tr *t, const char *s)
{
	return emit(t, s, strlen(s));
}

static bool
is_alpha_c(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit_c(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_hex_c(int c)
{
	return is_digit_c(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static int
hex_val(int c)
{
	return is_digit_c(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

static int
other_case(int c)
{
	return c ^ 0x20;
}

static bool
emit_hex(struct tr *t, int b)
{
	char buf[8];

	snprintf(buf, sizeof(buf), "\\x%02x", b & 0xff);
	return emits(t, buf);
}

/* One literal byte; a letter as [aA] when case-insensitive. */
static bool
emit_byte(struct tr *t, int b, bool ci)
{
	char c = (char)b;

	if (ci && is_alpha_c(b)) {
		char buf[5] = {'[', c, (char)other_case(b), ']', '\0'};

		return emits(t, buf);
	}
	if (is_alpha_c(b) || is_digit_c(b))
		return emit(t, &c, 1);
	return emit_hex(t, b);
}

/*
 * An escape after a backslash (flex's ESCSEQ and Zeek's expand_escape):
 * C escapes, octal digits (the first three count), \xHH, else the
 * character itself (\XHH is one token for the caseless scanner, but only
 * 'X' for expand_escape). Advances *s; -1 on a bad escape.
 */
static int
read_escape(const char **s)
{
	const char *q = *s;
	int c = (unsigned char)*q;

	if (c == '\0')
		return -1;
	if (c >= '0' && c <= '7') {
		int v = 0, k = 0;

		while (*q >= '0' && *q <= '7') {
			if (k++ < 3)
				v = v * 8 + (*q - '0');
			q++;
		}
		*s = q;
		return v & 0xff;
	}
	bool hex2 = is_hex_c((unsigned char)q[1]) && is_hex_c((unsigned char)q[2]);

	if (c == 'x') {
		if (!hex2)
			return -1;
		*s = q + 3;
		return hex_val((unsigned char)q[1]) * 16 + hex_val((unsigned char)q[2]);
	}
	if (c == 'X' && hex2) { /* the scanner takes \XHH whole; expand_escape keeps 'X' */
		*s = q + 3;
		return 'X';
	}
	static const char from[] = "abfnrtv", to[] = "\a\b\f\n\r\t\v";
	const char *e = strchr(from, c);

	*s = q + 1;
	return e != NULL ? to[e - from] : c;
}

/* Starts a new item at the current end of out. */
static void
item(struct tr *t)
{
	t->atom = (long)t->n;
	t->quantified = false;
}

/* Wraps the last item in (?: ) so that it can take another quantifier. */
static bool
wrap_atom(struct tr *t)
{
	size_t a = (size_t)t->atom, len = t->n - a;

	if (t->n + 4 + 1 > t->cap)
		return fail(t, "expression too long");
	memmove(t->out + a + 3, t->out + a, len);
	memcpy(t->out + a, "(?:", 3);
	t->n += 3;
	return emits(t, ")");
}

static bool
quantifier(struct tr *t, const char *q, size_t len)
{
	if (t->atom < 0)
		return fail(t, "syntax error (nothing to repeat)");
	if (t->quantified && !wrap_atom(t))
		return false;
	t->quantified = true;
	return emit(t, q, len);
}

/* {n}, {n,}, {n,m}; *s after the '{'. */
static bool
repeat(struct tr *t, const char **s)
{
	const char *q = *s;
	unsigned long lo = 0, hi = 0;
	bool comma = false, has_hi = false;
	char buf[48];

	while (is_digit_c((unsigned char)*q) && lo < 100000)
		lo = lo * 10 + (unsigned long)(*q++ - '0');
	if (*q == ',') {
		comma = true;
		q++;
		while (is_digit_c((unsigned char)*q) && hi < 100000) {
			hi = hi * 10 + (unsigned long)(*q++ - '0');
			has_hi = true;
		}
	}
	if (*q != '}')
		return fail(t, "bad character inside {}'s");
	*s = q + 1;
	if (has_hi && lo > hi)
		return fail(t, "bad iteration values");
	if (!comma)
		snprintf(buf, sizeof(buf), "{%lu}", lo);
	else if (!has_hi)
		snprintf(buf, sizeof(buf), "{%lu,}", lo);
	else
		snprintf(buf, sizeof(buf), "{%lu,%lu}", lo, hi);
	return quantifier(t, buf, strlen(buf));
}

/* A character class's set of bytes. */
struct ccl {
	bool in[256];
};

static void
ccl_add(struct ccl *c, int b, bool ci)
{
	c->in[b & 0xff] = true;
	if (ci && is_alpha_c(b))
		c->in[other_case(b)] = true;
}

static bool
cce_test(const char *name, int c)
{
	bool alpha = is_alpha_c(c), digit = is_digit_c(c);
	bool print = c >= 0x20 && c < 0x7f;

	if (strcmp(name, "alnum") == 0)
		return alpha || digit;
	if (strcmp(name, "alpha") == 0)
		return alpha;
	if (strcmp(name, "blank") == 0)
		return c == ' ' || c == '\t';
	if (strcmp(name, "cntrl") == 0)
		return c < 0x20 || c == 0x7f;
	if (strcmp(name, "digit") == 0)
		return digit;
	if (strcmp(name, "graph") == 0)
		return print && c != ' ';
	if (strcmp(name, "print") == 0)
		return print;
	if (strcmp(name, "punct") == 0)
		return print && c != ' ' && !alpha && !digit;
	if (strcmp(name, "space") == 0)
		return c == ' ' || (c >= '\t' && c <= '\r');
	if (strcmp(name, "xdigit") == 0)
		return is_hex_c(c);
	if (strcmp(name, "lower") == 0)
		return c >= 'a' && c <= 'z';
	return c >= 'A' && c <= 'Z'; /* upper */
}

/* [:name:] at *s: 1 added, 0 not one (a plain '['), -1 an unknown name. */
static int
ccl_expr(struct tr *t, const char **s, struct ccl *c)
{
	static const char *const names[] = {"alnum", "alpha", "blank", "cntrl", "digit", "graph",
		"print", "punct", "space", "xdigit", "lower", "upper"};
	const char *q = *s;
	char name[16];
	size_t n = 0;

	if (q[0] != '[' || q[1] != ':')
		return 0;
	q += 2;
	while (is_alpha_c((unsigned char)q[n]) && n < sizeof(name) - 1) {
		name[n] = (char)(q[n] | 0x20); /* Zeek's scanner is caseless */
		n++;
	}
	name[n] = '\0';
	if (n == 0 || q[n] != ':' || q[n + 1] != ']')
		return 0;
	*s = q + n + 2;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(names[i], name) != 0)
			continue;
		/* Case-insensitive, lower and upper are both alpha (re-scan.l). */
		const char *use = t->ci && (i == 10 || i == 11) ? "alpha" : name;

		for (int b = 0; b < 128; b++)
			if (cce_test(use, b))
				c->in[b] = true;
		return 1;
	}
	return -1;
}

/* One character of a class (literal or escape); -1 bad escape. */
static int
ccl_char(const char **s)
{
	if (**s == '\\') {
		(*s)++;
		return read_escape(s);
	}
	return (unsigned char)*(*s)++;
}

static bool
ccl_range(struct tr *t, struct ccl *c, int lo, int hi)
{
	if (lo > hi)
		return fail(t, "negative range in character class");
	if (t->ci && (is_alpha_c(lo) || is_alpha_c(hi))) {
		bool same = is_alpha_c(lo) && is_alpha_c(hi) && (lo >= 'a') == (hi >= 'a');

		if (!same)
			return fail(t, "ambiguous case-insensitive character class");
	}
	for (int b = lo; b <= hi; b++)
		ccl_add(c, b, t->ci);
	return true;
}

/* The class's members after '[' (and '^'); *s ends after the ']'. */
static bool
ccl_body(struct tr *t, const char **s, struct ccl *c)
{
	bool first = true;

	for (;;) {
		const char *q = *s;

		if (*q == '\0')
			return fail(t, "bad character class");
		if (*q == ']' && !first) {
			*s = q + 1;
			return true;
		}
		int e = ccl_expr(t, s, c);

		if (e < 0)
			return fail(t, "bad character class expression");
		/* A '-' that is not first, not last and not in a range (a-b-c). */
		if (e == 0 && !first && *q == '-' && q[1] != ']')
			return fail(t, "syntax error in character class");
		first = false;
		if (e > 0)
			continue;
		int lo = ccl_char(s);

		if (lo < 0)
			return fail(t, "bad escape");
		if ((*s)[0] == '-' && (*s)[1] != ']' && (*s)[1] != '\0') {
			(*s)++;
			if ((*s)[0] == '[' && (*s)[1] == ':')
				return fail(t, "syntax error in character class");
			int hi = ccl_char(s);

			if (hi < 0)
				return fail(t, "bad escape");
			if (!ccl_range(t, c, lo, hi))
				return false;
		} else {
			ccl_add(c, lo, t->ci);
		}
	}
}

static bool
emit_ccl(struct tr *t, const struct ccl *c)
{
	bool any = false;

	if (!emits(t, "["))
		return false;
	for (int b = 0; b < 256; b++) {
		if (!c->in[b])
			continue;
		int e = b;

		while (e + 1 < 256 && c->in[e + 1])
			e++;
		any = true;
		if (!emit_hex(t, b) || (e > b && (!emits(t, "-") || !emit_hex(t, e))))
			return false;
		b = e;
	}
	if (!any) {
		t->unsupported = true;
		return fail(t, "a character class that matches nothing");
	}
	return emits(t, "]");
}

/* '[' at *s: a class, or a literal '[' when nothing follows it. */
static bool
char_class(struct tr *t, const char **s)
{
	struct ccl c;
	bool neg = false;

	memset(&c, 0, sizeof(c));
	(*s)++;
	if (**s == '\0')
		return item(t), emit_hex(t, '[');
	if (**s == '^') {
		neg = true;
		(*s)++;
	}
	if (!ccl_body(t, s, &c))
		return false;
	if (neg)
		for (int b = 0; b < 256; b++)
			c.in[b] = !c.in[b];
	item(t);
	return emit_ccl(t, &c);
}

/* "...": literal bytes, case-sensitive even inside (?i: ). */
static bool
quoted(struct tr *t, const char **s)
{
	const char *q = *s + 1;

	item(t);
	if (!emits(t, "(?:"))
		return false;
	while (*q != '"') {
		int b;

		if (*q == '\0')
			return fail(t, "missing quote");
		if (*q == '\\') {
			q++;
			b = read_escape(&q);
			if (b < 0)
				return fail(t, "bad escape");
		} else {
			b = (unsigned char)*q++;
		}
		if (!emit_byte(t, b, false))
			return false;
	}
	*s = q + 1;
	return emits(t, ")");
}

static bool
open_group(struct tr *t, const char **s)
{
	const char *q = *s;

	if (t->depth >= MAX_DEPTH)
		return fail(t, "pattern nests too deep");
	t->stk[t->depth].start = t->n;
	t->stk[t->depth].ci = t->ci;
	t->depth++;
	if (q[1] == '?' && (q[2] | 0x20) == 'i' && q[3] == ':') {
		t->ci = true;
		*s = q + 4;
	} else if (q[1] == '?' && (q[2] | 0x20) == 's' && q[3] == ':') {
		*s = q + 4; /* `.` matches newlines in signatures anyway */
	} else {
		*s = q + 1;
	}
	t->atom = -1;
	t->quantified = false;
	return emits(t, "(?:");
}

static bool
close_group(struct tr *t, const char **s)
{
	if (t->depth == 0)
		return fail(t, "syntax error (unbalanced parenthesis)");
	t->depth--;
	t->ci = t->stk[t->depth].ci;
	t->atom = (long)t->stk[t->depth].start;
	t->quantified = false;
	(*s)++;
	return emits(t, ")");
}

/* `{`: a repeat, or an undefined definition {NAME}, or a syntax error. */
static bool
brace(struct tr *t, const char **s)
{
	const char *q = *s + 1;

	if (is_digit_c((unsigned char)*q)) {
		*s = q;
		return repeat(t, s);
	}
	if (is_alpha_c((unsigned char)*q) || *q == '_') {
		while (is_alpha_c((unsigned char)*q) || is_digit_c((unsigned char)*q) ||
			*q == '_' || *q == '-')
			q++;
		if (*q == '}')
			return fail(t, "undefined definition");
	}
	return fail(t, "syntax error ({)");
}

static bool
step(struct tr *t, const char **s)
{
	int c = (unsigned char)**s;
	char ch = (char)c;

	switch (c) {
	case '(':
		return open_group(t, s);
	case ')':
		return close_group(t, s);
	case '|':
		(*s)++;
		t->atom = -1;
		return emits(t, "|");
	case '*':
	case '+':
	case '?':
		(*s)++;
		return quantifier(t, &ch, 1);
	case '{':
		return brace(t, s);
	case '}':
		return fail(t, "syntax error (})");
	case '[':
		return char_class(t, s);
	case '"':
		return quoted(t, s);
	case '.':
	case '^':
		(*s)++;
		item(t);
		return emit(t, &ch, 1);
	case '$':
		(*s)++;
		item(t);
		return emits(t, "\\z");
	case '\\': {
		(*s)++;
		int b = read_escape(s);

		if (b < 0)
			return fail(t, "bad escape");
		item(t);
		return emit_byte(t, b, false);
	}
	default:
		(*s)++;
		item(t);
		return emit_byte(t, c, t->ci);
	}
}

bool
vg_sig_regex_translate(const struct vg_sig_pattern *p, char *out, size_t cap, unsigned *flags,
	char *why, size_t whycap, bool *unsupported)
{
	struct tr t = {.s = p->regex, .out = out, .cap = cap, .why = why, .whycap = whycap};
	const char *s = p->regex;

	*unsupported = false;
	*flags = HS_FLAG_DOTALL | HS_FLAG_ALLOWEMPTY;
	if (cap > 0)
		out[0] = '\0';
	if (whycap > 0)
		why[0] = '\0';
	t.ci = p->nocase;
	t.atom = -1;
	if (!emits(&t, "^(?:"))
		return false;
	while (*s != '\0' && step(&t, &s))
		;
	if (!t.failed && t.depth > 0)
		fail(&t, "syntax error (unbalanced parenthesis)");
	if (!t.failed)
		emits(&t, ")");
	*unsupported = t.unsupported;
	return !t.failed;
}

bool
vg_sig_regex_to_hs(const struct vg_sig_pattern *p, char *out, size_t cap, unsigned *flags,
	char *why, size_t whycap)
{
	bool unsupported;

	return vg_sig_regex_translate(p, out, cap, flags, why, whycap, &unsupported);
}

size_t
vg_sig_regex_hs_size(const struct vg_sig_pattern *p)
{
	/* Worst cases per input byte: a class member as a range (\xHH-\xHH
	 * twice, 18 bytes), a wrapped quantifier (4 more). */
	return strlen(p->regex) * 24 + 64;
}
