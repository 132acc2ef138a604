/* SPDX-License-Identifier: BSD-3-Clause */
/* Request framing for the shadow listener (vg_shadow_req.h); RFC 9112's grammar. */
#include <string.h>

#include "vg_common.h"
#include "vg_shadow_req.h"

enum {
	S_START, /* between requests: empty lines are skipped (RFC 9112 2.2) */
	S_METHOD,
	S_TARGET,
	S_VERSION,   /* "HTTP/d.d" then the line's end; sub: position */
	S_LINE_END,  /* after a CR: the LF */
	S_HDR_START, /* a header line's first byte, or the head's end */
	S_HDR_NAME,
	S_HDR_VALUE,
	S_HEAD_END, /* after the empty line's CR: its LF */
	S_BODY,
	S_CHUNK_SIZE,
	S_CHUNK_EXT, /* the rest of a chunk-size line */
	S_CHUNK_DATA,
	S_CHUNK_CRLF, /* the CRLF after a chunk's data; sub 1: CR seen */
	S_TRL_START,  /* a trailer line's first byte, or the message's end */
	S_TRL_LINE,
	S_DEAD, /* after BAD or TOO_BIG */
};

#define HEAD_MAX_DEFAULT (64u * 1024)
#define NAME_SKIP        0xff /* name_len: a name too long to be a framing header */

void
vg_shreq_init(struct vg_shreq *q, uint32_t head_max)
{
	memset(q, 0, sizeof(*q));
	q->head_max = head_max ? head_max : HEAD_MAX_DEFAULT;
}

bool
vg_shreq_busy(const struct vg_shreq *q)
{
	return q->state != S_START && q->state != S_DEAD;
}

/* RFC 9110 5.6.2 tchar */
static bool
is_tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool
ieq(const char *a, uint32_t alen, const char *b)
{
	uint32_t i = 0;

	for (; i < alen && b[i]; i++) {
		char x = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] + 32) : a[i];

		if (x != b[i])
			return false;
	}
	return i == alen && b[i] == '\0';
}

static enum vg_shreq_event
bad(struct vg_shreq *q, const char *why)
{
	q->why = why;
	q->state = S_DEAD;
	return VG_SHREQ_BAD;
}

/* A new request: what the last one said is forgotten. */
static void
begin_request(struct vg_shreq *q)
{
	uint32_t max = q->head_max;

	vg_shreq_init(q, max);
	q->state = S_METHOD;
}

/* The value without blanks around it. */
static void
trimmed(const struct vg_shreq *q, const char **v, uint32_t *n)
{
	*v = q->value;
	*n = q->value_len;
	while (*n > 0 && (**v == ' ' || **v == '\t')) {
		(*v)++;
		(*n)--;
	}
	while (*n > 0 && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t'))
		(*n)--;
}

static enum vg_shreq_event
content_length(struct vg_shreq *q, const char *v, uint32_t n)
{
	uint64_t len = 0;

	if (n == 0 || n > 18 || q->value_len >= VG_SHREQ_VALUE_MAX)
		return bad(q, "bad Content-Length");
	for (uint32_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return bad(q, "bad Content-Length");
		len = len * 10 + (uint64_t)(v[i] - '0');
	}
	if (q->has_length && q->length != len)
		return bad(q, "conflicting Content-Length");
	q->has_length = 1;
	q->length = len;
	return VG_SHREQ_MORE;
}

/* Connection: a list of tokens; close and keep-alive matter. */
static void
connection_tokens(struct vg_shreq *q, const char *v, uint32_t n)
{
	uint32_t i = 0;

	while (i < n) {
		uint32_t s, e;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (ieq(v + s, e - s, "close"))
			q->close = 1;
		else if (ieq(v + s, e - s, "keep-alive"))
			q->keep_alive = 1;
	}
}

/* A header line ended: the framing ones change what comes next. */
static enum vg_shreq_event
header_done(struct vg_shreq *q)
{
	const char *v;
	uint32_t n;

	if (q->name_len == NAME_SKIP)
		return VG_SHREQ_MORE;
	trimmed(q, &v, &n);
	if (ieq(q->name, q->name_len, "content-length"))
		return content_length(q, v, n);
	if (ieq(q->name, q->name_len, "transfer-encoding")) {
		/* Only chunked can be framed here, and it must come last (RFC 9112 6.1). */
		const char *last = v;
		uint32_t ln = n;

		for (uint32_t i = 0; i < n; i++)
			if (v[i] == ',') {
				last = v + i + 1;
				ln = n - i - 1;
			}
		while (ln > 0 && (*last == ' ' || *last == '\t')) {
			last++;
			ln--;
		}
		if (!ieq(last, ln, "chunked") || q->value_len >= VG_SHREQ_VALUE_MAX)
			return bad(q, "unsupported Transfer-Encoding");
		q->chunked = 1;
	} else if (ieq(q->name, q->name_len, "connection")) {
		connection_tokens(q, v, n);
	} else if (ieq(q->name, q->name_len, "expect")) {
		q->expect_continue = ieq(v, n, "100-continue");
	}
	return VG_SHREQ_MORE;
}

/* The head ended: what body follows. */
static enum vg_shreq_event
head_done(struct vg_shreq *q)
{
	if (q->chunked && q->has_length)
		return bad(q, "both Content-Length and chunked");
	q->head_len = 0; /* from here the limit counts chunk lines and trailers */
	if (q->ver_major == 1 && q->ver_minor == 0 && !q->keep_alive)
		q->close = 1;
	if (q->chunked) {
		q->state = S_CHUNK_SIZE;
		q->remaining = 0;
		q->sub = 0;
	} else if (q->length > 0) {
		q->state = S_BODY;
		q->remaining = q->length;
	} else {
		q->state = S_START;
		return VG_SHREQ_DONE;
	}
	return q->expect_continue ? VG_SHREQ_CONTINUE : VG_SHREQ_MORE;
}

static enum vg_shreq_event
request_line(struct vg_shreq *q, uint8_t c)
{
	static const char http[] = "HTTP/";

	switch (q->state) {
	case S_METHOD:
		if (c == ' ' && q->sub > 0) {
			q->state = S_TARGET;
			q->sub = 0;
		} else if (is_tchar(c)) {
			q->sub = 1;
		} else {
			return bad(q, "bad request method");
		}
		return VG_SHREQ_MORE;
	case S_TARGET:
		if (c == ' ' && q->sub > 0) {
			q->state = S_VERSION;
			q->sub = 0;
		} else if (c == '\r' || c == '\n') {
			return bad(q, "request line without HTTP version");
		} else if (c <= ' ' || c == 0x7f) {
			return bad(q, "bad request target");
		} else {
			q->sub = 1;
		}
		return VG_SHREQ_MORE;
	default: /* S_VERSION */
		if (q->sub < 5) {
			if (c != (uint8_t)http[q->sub])
				return bad(q, "bad HTTP version");
		} else if (q->sub == 5 || q->sub == 7) {
			if (c < '0' || c > '9')
				return bad(q, "bad HTTP version");
			if (q->sub == 5)
				q->ver_major = (uint8_t)(c - '0');
			else
				q->ver_minor = (uint8_t)(c - '0');
		} else if (q->sub == 6) {
			if (c != '.')
				return bad(q, "bad HTTP version");
		} else if (c == '\r' || c == '\n') {
			if (q->ver_major != 1)
				return bad(q, "unsupported HTTP version");
			q->state = c == '\r' ? S_LINE_END : S_HDR_START;
			return VG_SHREQ_MORE;
		} else {
			return bad(q, "bad HTTP version");
		}
		q->sub++;
		return VG_SHREQ_MORE;
	}
}

static enum vg_shreq_event
header_byte(struct vg_shreq *q, uint8_t c)
{
	switch (q->state) {
	case S_LINE_END:
		if (c != '\n')
			return bad(q, "CR without LF");
		q->state = S_HDR_START;
		return VG_SHREQ_MORE;
	case S_HDR_START:
		if (c == '\r') {
			q->state = S_HEAD_END;
			return VG_SHREQ_MORE;
		}
		if (c == '\n')
			return head_done(q);
		if (c == ' ' || c == '\t')
			return bad(q, "obsolete header line folding");
		q->state = S_HDR_NAME;
		q->name_len = 0;
		/* fall through */
	case S_HDR_NAME:
		if (c == ':' && q->name_len > 0) {
			q->state = S_HDR_VALUE;
			q->value_len = 0;
			q->saw_cr = 0;
		} else if (!is_tchar(c)) {
			return bad(q, "bad header name");
		} else if (q->name_len < VG_SHREQ_NAME_MAX) {
			q->name[q->name_len++] = (char)c;
		} else {
			q->name_len = NAME_SKIP;
		}
		return VG_SHREQ_MORE;
	case S_HDR_VALUE:
		if (q->saw_cr && c != '\n')
			return bad(q, "CR without LF");
		if (c == '\n') {
			q->state = S_HDR_START;
			return header_done(q);
		}
		if (c == '\r')
			q->saw_cr = 1;
		else if (c == 0)
			return bad(q, "NUL in a header");
		else if (q->value_len < VG_SHREQ_VALUE_MAX)
			q->value[q->value_len++] = (char)c;
		return VG_SHREQ_MORE;
	default: /* S_HEAD_END */
		if (c != '\n')
			return bad(q, "CR without LF");
		return head_done(q);
	}
}

static enum vg_shreq_event
chunk_byte(struct vg_shreq *q, uint8_t c)
{
	int h;

	switch (q->state) {
	case S_CHUNK_SIZE:
		if ((h = vg_hexval(c)) >= 0) {
			if (q->remaining >> 56)
				return bad(q, "chunk size too large");
			q->remaining = q->remaining << 4 | (uint64_t)h;
			q->sub = 1;
			return VG_SHREQ_MORE;
		}
		if (q->sub == 0)
			return bad(q, "bad chunk size");
		if (c == ';' || c == ' ' || c == '\t' || c == '\r') {
			q->state = S_CHUNK_EXT;
			return VG_SHREQ_MORE;
		}
		if (c != '\n')
			return bad(q, "bad chunk size");
		/* fall through */
	case S_CHUNK_EXT:
		if (c != '\n')
			return VG_SHREQ_MORE;
		q->sub = 0;
		q->state = q->remaining == 0 ? S_TRL_START : S_CHUNK_DATA;
		if (q->remaining != 0)
			q->head_len = 0; /* the limit is per chunk line, not per body */
		return VG_SHREQ_MORE;
	case S_CHUNK_CRLF:
		if (c == '\r' && q->sub == 0) {
			q->sub = 1;
			return VG_SHREQ_MORE;
		}
		if (c != '\n')
			return bad(q, "chunk data without CRLF");
		q->state = S_CHUNK_SIZE;
		q->sub = 0;
		q->remaining = 0;
		return VG_SHREQ_MORE;
	case S_TRL_START:
		if (c == '\r')
			return VG_SHREQ_MORE;
		if (c == '\n') {
			q->state = S_START;
			return VG_SHREQ_DONE;
		}
		q->state = S_TRL_LINE;
		return VG_SHREQ_MORE;
	default: /* S_TRL_LINE */
		if (c == '\n')
			q->state = S_TRL_START;
		return VG_SHREQ_MORE;
	}
}

/* Body bytes taken at once: a whole run of Content-Length or chunk data. */
static uint32_t
body_run(struct vg_shreq *q, uint32_t avail)
{
	uint32_t n = (uint32_t)VG_MIN((uint64_t)avail, q->remaining);

	q->remaining -= n;
	if (q->remaining == 0 && q->state == S_CHUNK_DATA) {
		q->state = S_CHUNK_CRLF;
		q->sub = 0;
	}
	return n;
}

/* One byte of a head (request line, headers, chunk lines, trailers). */
static enum vg_shreq_event
head_byte(struct vg_shreq *q, uint8_t c)
{
	if (++q->head_len > q->head_max) {
		q->state = S_DEAD;
		return VG_SHREQ_TOO_BIG;
	}
	if (q->state <= S_VERSION)
		return request_line(q, c);
	if (q->state <= S_HEAD_END)
		return header_byte(q, c);
	return chunk_byte(q, c);
}

enum vg_shreq_event
vg_shreq_feed(struct vg_shreq *q, const uint8_t *p, uint32_t len, uint32_t *used)
{
	uint32_t i = 0;
	enum vg_shreq_event ev = VG_SHREQ_MORE;

	while (i < len && ev == VG_SHREQ_MORE) {
		switch (q->state) {
		case S_DEAD:
			*used = i;
			return VG_SHREQ_BAD;
		case S_START:
			if (p[i] == '\r' || p[i] == '\n') {
				i++;
				continue;
			}
			begin_request(q);
			break;
		case S_BODY:
			i += body_run(q, len - i);
			if (q->remaining == 0) {
				q->state = S_START;
				ev = VG_SHREQ_DONE;
			}
			continue;
		case S_CHUNK_DATA:
			i += body_run(q, len - i);
			continue;
		default:
			break;
		}
		ev = head_byte(q, p[i++]);
	}
	*used = i;
	return ev;
}
