/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Record to text: Zeek's TSV (escaping, "-" for unset, "(empty)" for empty
 * strings and sets, "," between set items) and Zeek's JSON (dotted keys,
 * epoch-float times, unset fields left out).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vg_common.h"
#include "vg_logfmt.h"
#include "vg_record.h"

static void
buf_reserve(struct vg_buf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 4096;

	while (cap < b->len + n + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);

	if (p == NULL)
		abort(); /* out of memory in the log writer: nothing sane to do */
	b->p = p;
	b->cap = cap;
}

static void
buf_add(struct vg_buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_str(struct vg_buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_ch(struct vg_buf *b, char c)
{
	buf_add(b, &c, 1);
}

/* Decimal digits without printf: formatting is most of the writer's work. */
static size_t
fmt_u64(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

static void
buf_fmt_u64(struct vg_buf *b, uint64_t v)
{
	char tmp[24];

	buf_add(b, tmp, fmt_u64(tmp, v));
}

static void
buf_fmt_i64(struct vg_buf *b, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);

	buf_add(b, tmp, (size_t)n);
}

void
vg_buf_add(struct vg_buf *b, const char *s, size_t n)
{
	buf_add(b, s, n);
}

void
vg_buf_reset(struct vg_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void
vg_buf_free(struct vg_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* Seconds with six decimals from nanoseconds, rounded to the microsecond. */
static void
buf_fmt_secs(struct vg_buf *b, int64_t ns, bool trim)
{
	char tmp[40];
	bool neg = ns < 0;
	uint64_t a = neg ? 0 - (uint64_t)ns : (uint64_t)ns; /* no overflow at INT64_MIN */
	uint64_t us = (a + 500) / 1000;
	uint64_t frac = us % 1000000;
	int n = 0;

	if (neg)
		tmp[n++] = '-';
	n += (int)fmt_u64(tmp + n, us / 1000000);
	tmp[n++] = '.';
	for (int i = 5; i >= 0; i--) {
		tmp[n + i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	n += 6;

	if (trim) {
		/* JSON: the shortest form, as a double-printing library writes it. */
		while (n > 0 && tmp[n - 1] == '0')
			n--;
		if (n > 0 && tmp[n - 1] == '.')
			n++; /* keep one zero: "5.0" */
	}
	buf_add(b, tmp, (size_t)n);
}

static void
buf_fmt_double(struct vg_buf *b, double d)
{
	char tmp[64];
	int n = snprintf(tmp, sizeof(tmp), "%.6f", d);

	buf_add(b, tmp, (size_t)n);
}

/* TSV escaping: separators, backslash and non-printable bytes as \xNN. */
static void
tsv_escaped(struct vg_buf *b, const uint8_t *s, size_t n, bool in_set)
{
	static const char hex[] = "0123456789abcdef";

	buf_reserve(b, n * 4);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];

		if (c == '\t' || c == '\\' || c < 0x20 || c >= 0x7f || (in_set && c == ',')) {
			char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};

			buf_add(b, e, 4);
		} else {
			b->p[b->len++] = (char)c;
		}
	}
	b->p[b->len] = '\0';
}

static void
tsv_string(struct vg_buf *b, const uint8_t *s, size_t n, bool in_set)
{
	if (n == 0) {
		buf_str(b, "(empty)");
		return;
	}
	/* A value that reads like the unset or empty marker has its first byte escaped. */
	if ((n == 1 && s[0] == '-') || (n == 7 && memcmp(s, "(empty)", 7) == 0)) {
		char e[5];

		snprintf(e, sizeof(e), "\\x%02x", s[0]);
		buf_str(b, e);
		tsv_escaped(b, s + 1, n - 1, in_set);
		return;
	}
	tsv_escaped(b, s, n, in_set);
}

static void
fmt_addr(struct vg_buf *b, const struct vg_addr *a)
{
	char tmp[64];
	size_t n = vg_addr_format(a, tmp, sizeof(tmp));

	buf_add(b, tmp, n);
}

int
vg_logfmt_tsv(struct vg_buf *out, uint32_t features, const uint8_t *rec, uint32_t len)
{
	return vg_logfmt_tsv_drop(out, features, 0, rec, len);
}

int
vg_logfmt_tsv_drop(
	struct vg_buf *out, uint32_t features, uint64_t drop, const uint8_t *rec, uint32_t len)
{
	struct vg_rec_reader rd;
	struct vg_rec_value v;
	bool first = true;

	if (vg_rec_read_begin(&rd, rec, len) != 0)
		return -1;
	for (uint16_t i = 0; i < rd.nfields; i++) {
		const struct vg_field *f = &rd.schema->fields[i];

		if (vg_rec_read_next(&rd, &v) != 0)
			return -1;
		if (!vg_field_enabled(f, features) || (drop >> i & 1))
			continue;
		if (!first)
			buf_ch(out, '\t');
		first = false;
		if (v.unset) {
			buf_ch(out, '-');
			continue;
		}
		switch ((enum vg_ftype)f->type) {
		case VG_FT_TIME:
		case VG_FT_INTERVAL:
			buf_fmt_secs(out, v.v.i, false);
			break;
		case VG_FT_COUNT:
			buf_fmt_u64(out, v.v.u);
			break;
		case VG_FT_INT:
			buf_fmt_i64(out, v.v.i);
			break;
		case VG_FT_PORT:
			buf_fmt_u64(out, v.v.port);
			break;
		case VG_FT_BOOL:
			buf_ch(out, v.v.b ? 'T' : 'F');
			break;
		case VG_FT_DOUBLE:
			buf_fmt_double(out, v.v.d);
			break;
		case VG_FT_ADDR:
			fmt_addr(out, &v.v.addr);
			break;
		case VG_FT_STRING:
		case VG_FT_ENUM:
			tsv_string(out, v.v.str.p, v.v.str.len, false);
			break;
		case VG_FT_SET_STRING:
		case VG_FT_SET_ENUM:
		case VG_FT_VECTOR_STRING:
		case VG_FT_VECTOR_ADDR:
			if (v.v.set.n == 0) {
				buf_str(out, "(empty)");
				break;
			}
			for (uint16_t k = 0; k < v.v.set.n; k++) {
				const uint8_t *p;
				uint16_t l;

				if (vg_rec_set_item(&v, rec + len, k, &p, &l) != 0)
					return -1;
				if (k)
					buf_ch(out, ',');
				tsv_string(out, p, l, true);
			}
			break;
		case VG_FT_VECTOR_INTERVAL:
			if (v.v.set.n == 0) {
				buf_str(out, "(empty)");
				break;
			}
			for (uint16_t k = 0; k < v.v.set.n; k++) {
				if (k)
					buf_ch(out, ',');
				buf_fmt_secs(out, vg_rec_interval_item(&v, k), false);
			}
			break;
		}
	}
	buf_ch(out, '\n');
	return 0;
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t
utf8_len(const uint8_t *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past Unicode are not UTF-8. */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * JSON strings as Zeek writes them: valid UTF-8 kept as is, control bytes as
 * \u00NN, and bytes that are not UTF-8 as the text \\xNN.
 */
static void
json_string(struct vg_buf *b, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	buf_ch(b, '"');
	buf_reserve(b, n * 6);
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		size_t l;

		if (c == '"' || c == '\\') {
			b->p[b->len++] = '\\';
			b->p[b->len++] = (char)c;
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

			memcpy(b->p + b->len, e, 6);
			b->len += 6;
			i++;
		} else if ((l = utf8_len(s + i, n - i)) > 0) {
			memcpy(b->p + b->len, s + i, l);
			b->len += l;
			i += l;
		} else {
			char e[5] = {'\\', '\\', 'x', hex[c >> 4], hex[c & 15]};

			memcpy(b->p + b->len, e, 5);
			b->len += 5;
			i++;
		}
	}
	b->p[b->len] = '\0';
	buf_ch(b, '"');
}

int
vg_logfmt_json(struct vg_buf *out, uint32_t features, const uint8_t *rec, uint32_t len)
{
	return vg_logfmt_json_drop(out, features, 0, rec, len);
}

int
vg_logfmt_json_drop(
	struct vg_buf *out, uint32_t features, uint64_t drop, const uint8_t *rec, uint32_t len)
{
	struct vg_rec_reader rd;
	struct vg_rec_value v;
	bool first = true;

	if (vg_rec_read_begin(&rd, rec, len) != 0)
		return -1;
	buf_ch(out, '{');
	for (uint16_t i = 0; i < rd.nfields; i++) {
		const struct vg_field *f = &rd.schema->fields[i];

		if (vg_rec_read_next(&rd, &v) != 0)
			return -1;
		if (!vg_field_enabled(f, features) || (drop >> i & 1) || v.unset)
			continue;
		if (!first)
			buf_ch(out, ',');
		first = false;
		json_string(out, (const uint8_t *)f->name, strlen(f->name));
		buf_ch(out, ':');
		switch ((enum vg_ftype)f->type) {
		case VG_FT_TIME:
		case VG_FT_INTERVAL:
			buf_fmt_secs(out, v.v.i, true);
			break;
		case VG_FT_COUNT:
			buf_fmt_u64(out, v.v.u);
			break;
		case VG_FT_INT:
			buf_fmt_i64(out, v.v.i);
			break;
		case VG_FT_PORT:
			buf_fmt_u64(out, v.v.port);
			break;
		case VG_FT_BOOL:
			buf_str(out, v.v.b ? "true" : "false");
			break;
		case VG_FT_DOUBLE:
			buf_fmt_double(out, v.v.d);
			break;
		case VG_FT_ADDR: {
			char tmp[64];
			size_t n = vg_addr_format(&v.v.addr, tmp, sizeof(tmp));

			json_string(out, (const uint8_t *)tmp, n);
			break;
		}
		case VG_FT_STRING:
		case VG_FT_ENUM:
			json_string(out, v.v.str.p, v.v.str.len);
			break;
		case VG_FT_SET_STRING:
		case VG_FT_SET_ENUM:
		case VG_FT_VECTOR_STRING:
		case VG_FT_VECTOR_ADDR:
			buf_ch(out, '[');
			for (uint16_t k = 0; k < v.v.set.n; k++) {
				const uint8_t *p;
				uint16_t l;

				if (vg_rec_set_item(&v, rec + len, k, &p, &l) != 0)
					return -1;
				if (k)
					buf_ch(out, ',');
				json_string(out, p, l);
			}
			buf_ch(out, ']');
			break;
		case VG_FT_VECTOR_INTERVAL:
			buf_ch(out, '[');
			for (uint16_t k = 0; k < v.v.set.n; k++) {
				if (k)
					buf_ch(out, ',');
				buf_fmt_secs(out, vg_rec_interval_item(&v, k), true);
			}
			buf_ch(out, ']');
			break;
		}
	}
	buf_str(out, "}\n");
	return 0;
}

void
vg_logfmt_tsv_header(
	struct vg_buf *out, const struct vg_schema *s, uint32_t features, double open_time)
{
	vg_logfmt_tsv_header_cols(out, s, features, 0, NULL, 0, open_time);
}

void
vg_logfmt_tsv_header_cols(struct vg_buf *out, const struct vg_schema *s, uint32_t features,
	uint64_t drop, const struct vg_field *extra, uint16_t nextra, double open_time)
{
	char stamp[32];
	time_t t = (time_t)open_time;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d-%H-%M-%S", &tm);
	buf_str(out,
		"#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
		"#unset_field\t-\n#path\t");
	buf_str(out, s->path);
	buf_str(out, "\n#open\t");
	buf_str(out, stamp);
	buf_str(out, "\n#fields");
	for (uint16_t i = 0; i < s->nfields; i++) {
		if (!vg_field_enabled(&s->fields[i], features) || (drop >> i & 1))
			continue;
		buf_ch(out, '\t');
		buf_str(out, s->fields[i].name);
	}
	for (uint16_t i = 0; i < nextra; i++) {
		buf_ch(out, '\t');
		buf_str(out, extra[i].name);
	}
	buf_str(out, "\n#types");
	for (uint16_t i = 0; i < s->nfields; i++) {
		if (!vg_field_enabled(&s->fields[i], features) || (drop >> i & 1))
			continue;
		buf_ch(out, '\t');
		buf_str(out, vg_ftype_name((enum vg_ftype)s->fields[i].type));
	}
	for (uint16_t i = 0; i < nextra; i++) {
		buf_ch(out, '\t');
		buf_str(out, vg_ftype_name((enum vg_ftype)extra[i].type));
	}
	buf_ch(out, '\n');
}

/*
 * Appended columns: the line's end ("\n", or "}\n" for JSON) is taken off,
 * the values added, and the end put back.
 */
void
vg_logfmt_tsv_append(struct vg_buf *out, const struct vg_field *cols, uint16_t n,
	const struct vg_logfmt_val *vals)
{
	if (out->len > 0 && out->p[out->len - 1] == '\n')
		out->len--;
	for (uint16_t i = 0; i < n; i++) {
		const struct vg_logfmt_val *v = &vals[i];

		if (out->len > 0 || i > 0)
			buf_ch(out, '\t');
		if (v->unset) {
			buf_ch(out, '-');
			continue;
		}
		switch ((enum vg_ftype)cols[i].type) {
		case VG_FT_BOOL:
			buf_ch(out, v->b ? 'T' : 'F');
			break;
		case VG_FT_SET_STRING:
		case VG_FT_VECTOR_STRING:
			if (v->n == 0)
				buf_str(out, "(empty)");
			for (uint16_t k = 0; k < v->n; k++) {
				if (k)
					buf_ch(out, ',');
				tsv_string(out, (const uint8_t *)v->items[k], strlen(v->items[k]),
					true);
			}
			break;
		default: /* string, enum */
			tsv_string(out, (const uint8_t *)v->s, strlen(v->s), false);
			break;
		}
	}
	buf_ch(out, '\n');
}

void
vg_logfmt_json_append(struct vg_buf *out, const struct vg_field *cols, uint16_t n,
	const struct vg_logfmt_val *vals)
{
	bool empty;

	if (out->len >= 2 && out->p[out->len - 1] == '\n' && out->p[out->len - 2] == '}')
		out->len -= 2;
	empty = out->len > 0 && out->p[out->len - 1] == '{';
	for (uint16_t i = 0; i < n; i++) {
		const struct vg_logfmt_val *v = &vals[i];

		if (v->unset)
			continue;
		if (!empty)
			buf_ch(out, ',');
		empty = false;
		json_string(out, (const uint8_t *)cols[i].name, strlen(cols[i].name));
		buf_ch(out, ':');
		switch ((enum vg_ftype)cols[i].type) {
		case VG_FT_BOOL:
			buf_str(out, v->b ? "true" : "false");
			break;
		case VG_FT_SET_STRING:
		case VG_FT_VECTOR_STRING:
			buf_ch(out, '[');
			for (uint16_t k = 0; k < v->n; k++) {
				if (k)
					buf_ch(out, ',');
				json_string(out, (const uint8_t *)v->items[k], strlen(v->items[k]));
			}
			buf_ch(out, ']');
			break;
		default:
			json_string(out, (const uint8_t *)v->s, strlen(v->s));
			break;
		}
	}
	buf_str(out, "}\n");
}
