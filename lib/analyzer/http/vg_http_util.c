/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small string helpers of the HTTP analyzer, each after the Zeek function it
 * stands for: unescape_URI (HTTP.cc), util::atoi_n, the MIME value token,
 * decode_base64 and extract_filename_from_content_disposition
 * (base/utils/files.zeek).
 */
#include <ctype.h>

#include "vg_common.h"
#include "vg_http.h"

/* Zeek's unescape_URI; weirds when cx is given. out has room for len bytes. */
uint32_t
vg_http_unescape_uri(struct vg_an_ctx *cx, const char *s, uint32_t len, char *out)
{
	const char *p = s, *end = s + len;
	uint32_t n = 0;

	while (p < end) {
		if (*p != '%') {
			out[n++] = *p++;
			continue;
		}
		++p;
		if (p == end) {
			out[n++] = '%';
			if (cx)
				vg_an_weird(cx, "illegal_%_at_end_of_URI", NULL);
			break;
		}
		if (p + 1 == end) {
			out[n++] = '%';
			out[n++] = *p;
			if (cx)
				vg_an_weird(cx, "partial_escape_at_end_of_URI", NULL);
			break;
		}
		if (*p == '%') {
			if (cx)
				vg_an_weird(cx, "double_%_in_URI", NULL);
			/* the first '%' is dropped; this one starts over */
			continue;
		}
		if (isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1])) {
			out[n++] = (char)(vg_hexval(p[0]) << 4 | vg_hexval(p[1]));
			p += 2;
			continue;
		}
		if (end - p >= 5 && p[0] == 'u' && isxdigit((unsigned char)p[1]) &&
			isxdigit((unsigned char)p[2]) && isxdigit((unsigned char)p[3]) &&
			isxdigit((unsigned char)p[4])) {
			if (!(p[1] == '0' && p[2] == '0'))
				out[n++] = (char)(vg_hexval(p[1]) << 4 | vg_hexval(p[2]));
			out[n++] = (char)(vg_hexval(p[3]) << 4 | vg_hexval(p[4]));
			p += 5;
			continue;
		}
		if (cx)
			vg_an_weird(cx, "unescaped_%_in_URI", NULL);
		out[n++] = '%';
		out[n++] = *p++;
	}
	return n;
}

static int
b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Base64 decoding that skips characters outside the alphabet. */
uint32_t
vg_http_base64(const char *s, uint32_t len, char *out, uint32_t cap)
{
	uint32_t acc = 0, bits = 0, n = 0;

	for (uint32_t i = 0; i < len; i++) {
		if (s[i] == '=')
			break;
		int v = b64val(s[i]);
		if (v < 0)
			continue;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n < cap)
				out[n++] = (char)(acc >> bits & 0xff);
		}
	}
	return n;
}

bool
vg_http_ieq(const char *a, uint32_t alen, const char *b)
{
	uint32_t i = 0;

	for (; i < alen && b[i]; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return false;
	return i == alen && b[i] == '\0';
}

/* util::atoi_n: the first byte must be a digit; stops at the first non-digit. */
bool
vg_http_atoi(const char *s, uint32_t len, int base, int64_t *out)
{
	uint64_t n = 0;
	bool neg = false;
	uint32_t i = 0;

	if (len > 0 && s[0] == '-') {
		neg = true;
		i = 1;
	}
	uint32_t start = i;
	for (; i < len; i++) {
		int d;
		char c = s[i];
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c < 'a' - 10 + base)
			d = c - 'a' + 10;
		else if (c >= 'A' && c < 'A' - 10 + base)
			d = c - 'A' + 10;
		else if (i > start)
			break;
		else
			return false;
		if (n > (UINT64_C(1) << 58))
			n = UINT64_C(1) << 62; /* saturate instead of wrapping */
		else
			n = n * (uint64_t)base + (uint64_t)d;
	}
	if (i == start)
		return false;
	*out = neg ? -(int64_t)n : (int64_t)n;
	return true;
}

static bool
mime_tspecial(char c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '@' || c == ',' || c == ';' ||
		c == ':' || c == '\\' || c == '"' || c == '/' || c == '[' || c == ']' || c == '?' ||
		c == '=';
}

/* The MIME value token (first token of a header value) and what follows it. */
void
vg_http_token(const char *v, uint32_t len, const char **tok, uint32_t *tlen, const char **rest,
	uint32_t *rlen)
{
	uint32_t i = 0, j;

	while (i < len && (v[i] == ' ' || v[i] == '\t'))
		i++;
	for (j = i; j < len; j++) {
		unsigned char c = (unsigned char)v[j];
		if (c <= ' ' || c >= 127 || mime_tspecial((char)c))
			break;
	}
	*tok = v + i;
	*tlen = j - i;
	while (j < len && (v[j] == ' ' || v[j] == '\t'))
		j++;
	*rest = v + j;
	*rlen = len - j;
}

static bool
charset_char(unsigned char c)
{
	return isalnum(c) || (c >= '+' && c <= '^') || c == '!' || c == '#' || c == '$' ||
		c == '%' || c == '&' || c == '_' || c == '`' || c == '{' || c == '}' || c == '~';
}

/* extract_filename_from_content_disposition (base/utils/files.zeek). */
uint32_t
vg_http_filename(const char *v, uint32_t len, char *out, uint32_t cap)
{
	const char *start = NULL;

	/* The last "name", blanks, an optional '*', '=' and blanks. */
	for (uint32_t i = 0; i + 4 <= len; i++) {
		if (!vg_http_ieq(v + i, 4, "name"))
			continue;
		uint32_t j = i + 4;
		while (j < len && (v[j] == ' ' || v[j] == '\t'))
			j++;
		if (j < len && v[j] == '*')
			j++;
		if (j >= len || v[j] != '=')
			continue;
		j++;
		while (j < len && (v[j] == ' ' || v[j] == '\t'))
			j++;
		start = v + j;
	}
	if (!start)
		start = v; /* sub() without a match leaves the string */
	const char *end = v + len;
	if (start < end && *start == '"') {
		start++;
		const char *q = start;
		while (q < end && *q != '"')
			q++;
		end = q;
	}
	/* charset'language' prefix (RFC 2231) */
	const char *p = start;
	while (p < end && charset_char((unsigned char)*p))
		p++;
	if (p > start && p < end && *p == '\'') {
		const char *q = p + 1;
		while (q < end && charset_char((unsigned char)*q))
			q++;
		if (q < end && *q == '\'') {
			const char *last = end - 1;
			while (*last != '\'')
				last--;
			start = last + 1;
		}
	}
	uint32_t n = (uint32_t)(end - start);
	if (n > cap)
		n = cap;
	return vg_http_unescape_uri(NULL, start, n, out);
}
