/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Requests, replies and messages, after Zeek's HTTP_Analyzer and
 * HTTP_Message (src/analyzer/protocol/http/HTTP.cc): the request and reply
 * lines, message headers, when a message has a body and how it ends,
 * RequestMade/ReplyMade, HTTP/0.9, CONNECT, upgrades and content gaps.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "vg_http.h"

/* ---- versions, methods, the unanswered queue ---- */

static void
set_version(struct vg_http *h, struct vg_an_ctx *cx, struct vg_http_dir *d, uint8_t major,
	uint8_t minor)
{
	if (d->ver_major == 0 && d->ver_minor == 0) {
		d->ver_major = major;
		d->ver_minor = minor;
	} else if (d->ver_major != major || d->ver_minor != minor) {
		vg_an_weird(cx, "HTTP_version_mismatch", NULL);
		d->ver_major = major;
		d->ver_minor = minor;
	}
	if (d->ver_major > 1 || (d->ver_major == 1 && d->ver_minor > 0))
		h->keep_alive = 1;
}

bool
vg_http_version_is(const struct vg_http_dir *d, uint8_t major, uint8_t minor)
{
	return d->ver_major == major && d->ver_minor == minor;
}

/* Zeek's HTTP_Version: "d.d" or 0.0 (unset). */
static void
parse_version(
	struct vg_http *h, struct vg_an_ctx *cx, struct vg_http_dir *d, const char *p, uint32_t len)
{
	if (len >= 3 && p[0] >= '0' && p[0] <= '9' && p[1] == '.' && p[2] >= '0' && p[2] <= '9')
		set_version(h, cx, d, (uint8_t)(p[0] - '0'), (uint8_t)(p[2] - '0'));
	else
		set_version(h, cx, d, 0, 0);
}

/* strncasecmp(method, word, method_len) == 0, as Zeek compares methods. */
static bool
method_prefix_of(const char *m, uint32_t mlen, const char *word)
{
	return mlen <= strlen(word) && strncasecmp(m, word, mlen) == 0;
}

static void
unanswered_push(struct vg_http *h, bool is_head)
{
	if (h->unanswered < 64 && is_head)
		h->head_bits |= UINT64_C(1) << h->unanswered;
	h->unanswered++;
}

static void
unanswered_pop(struct vg_http *h)
{
	if (h->unanswered == 0)
		return;
	h->unanswered--;
	h->head_bits >>= 1;
}

static uint8_t
expect_reply_body(const struct vg_http *h)
{
	if (h->unanswered > 0 && (h->head_bits & 1))
		return VG_BODY_NOT_EXPECTED;
	if ((h->reply_code >= 100 && h->reply_code < 200) || h->reply_code == 204 ||
		h->reply_code == 304)
		return VG_BODY_NOT_EXPECTED;
	return VG_BODY_EXPECTED;
}

static void
confirm(struct vg_http *h, struct vg_an_ctx *cx)
{
	h->confirmed = 1;
	vg_an_confirm(cx);
}

/* ---- messages ---- */

static void
ent_reset(struct vg_http_ent *e, uint8_t expect_body)
{
	memset(e, 0, sizeof(*e));
	e->in_header = 1;
	e->expect_body = expect_body;
	e->content_length = -1;
	e->range_len = -1;
	e->instance_len = -1;
	e->send_size = 1;
}

static void
msg_init(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, uint8_t expect_body)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	if (d->msg) {
		vg_an_weird(cx, "HTTP_overlapping_messages", NULL);
		vg_http_file_end(h, cx, is_orig);
		vg_http_inflate_end(d);
	}
	ent_reset(&d->top, expect_body);
	d->msg = 1;
	d->had_msg = 1;
	d->mp_state = VG_MP_PREAMBLE;
	d->boundary_len = 0;
	d->fname_len = 0;
	d->gap_len = 0;
	d->delivery = -1;
	vg_http_set_state(h, cx, is_orig); /* http_begin_entity */
}

/* HTTP_Analyzer::HTTP_Header: "name", ": ", "value", one PDU per header. */
static void
sig_header(struct vg_an_ctx *cx, bool is_orig, const char *name, uint32_t nlen, const char *v,
	uint32_t vlen)
{
	enum vg_an_sig_type t =
		is_orig ? VG_AN_SIG_HTTP_REQUEST_HEADER : VG_AN_SIG_HTTP_REPLY_HEADER;

	vg_an_sig_pdu(cx, t, is_orig, (const uint8_t *)name, nlen, VG_AN_SIG_BEGIN);
	vg_an_sig_pdu(cx, t, is_orig, (const uint8_t *)": ", 2, 0);
	vg_an_sig_pdu(cx, t, is_orig, (const uint8_t *)v, vlen, VG_AN_SIG_END);
}

/* HTTP_Entity::EndOfData: the end of the body for the signatures ($). */
static void
sig_body_end(struct vg_an_ctx *cx, bool is_orig)
{
	vg_an_sig_pdu(cx, is_orig ? VG_AN_SIG_HTTP_REQUEST_BODY : VG_AN_SIG_HTTP_REPLY_BODY,
		is_orig, (const uint8_t *)"", 0, VG_AN_SIG_END);
}

/* HTTP_Message::Done */
static void
msg_done(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	if (!d->msg)
		return;
	d->msg = 0;
	if (!d->top.end_of_data) {
		vg_http_inflate_end(d);
		d->top.end_of_data = 1;
		sig_body_end(cx, is_orig);
	}
	d->crlf_only = 0;
	/* A 206 reply's file may go on in another connection: Zeek keeps it. */
	if (is_orig || h->reply_code != 206)
		vg_http_file_end(h, cx, is_orig);
	vg_http_ev_message_done(h, cx, is_orig, d->top.body_len);
	vg_http_made(h, cx, is_orig, false);
}

/* The top entity's EndOfData: the message is done. */
void
vg_http_end_message(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	if (d->top.end_of_data)
		return;
	vg_http_inflate_end(d);
	d->top.end_of_data = 1;
	sig_body_end(cx, is_orig);
	d->fname_len = 0; /* http_end_entity */
	msg_done(h, cx, is_orig);
}

/* RequestMade / ReplyMade */
void
vg_http_made(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, bool interrupted)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	if (!d->ongoing)
		return;
	d->ongoing = 0;
	msg_done(h, cx, is_orig);
	if (is_orig) {
		d->state = interrupted ? VG_HTTP_EXPECT_NOTHING : VG_HTTP_EXPECT_LINE;
		return;
	}
	if ((h->reply_code < 100 || h->reply_code >= 200) && h->unanswered > 0)
		unanswered_pop(h);
	if (h->reply_code == 101 && h->unanswered == 1 && h->upgrade_connection &&
		h->upgrade_protocol)
		h->upgraded = 1; /* the rest goes to another protocol (not HTTP) */
	h->reply_code = 0;
	h->upgrade_connection = 0;
	h->upgrade_protocol = 0;
	d->state = interrupted || h->upgraded ? VG_HTTP_EXPECT_NOTHING : VG_HTTP_EXPECT_LINE;
	if (h->dpd_again) {
		/* the second analyzer's violation on the same request line */
		h->dpd_again = 0;
		vg_an_violate(cx, "not a http request line");
	}
}

/* ---- headers ---- */

static bool
ieq(const char *a, uint32_t alen, const char *b)
{
	return vg_http_ieq(a, alen, b);
}

/* Content-Type: the type, and a multipart body's boundary. */
static void
content_type(struct vg_http_dir *d, struct vg_http_ent *e, bool top, const char *v, uint32_t len)
{
	const char *tok, *rest;
	uint32_t tlen, rlen;

	vg_http_token(v, len, &tok, &tlen, &rest, &rlen);
	if (!top || !ieq(tok, tlen, "multipart"))
		return;
	e->multipart = 1;
	/* parameters: ; name=value or name="value" */
	for (uint32_t i = 0; i + 9 <= rlen; i++) {
		if (!ieq(rest + i, 8, "boundary") ||
			(i > 0 && rest[i - 1] != ';' && rest[i - 1] != ' ' && rest[i - 1] != '\t'))
			continue;
		uint32_t j = i + 8;
		while (j < rlen && (rest[j] == ' ' || rest[j] == '\t'))
			j++;
		if (j >= rlen || rest[j] != '=')
			continue;
		j++;
		while (j < rlen && (rest[j] == ' ' || rest[j] == '\t'))
			j++;
		uint32_t k = j;
		if (k < rlen && rest[k] == '"') {
			j = ++k;
			while (k < rlen && rest[k] != '"')
				k++;
		} else {
			while (k < rlen && rest[k] != ';' && rest[k] != ' ' && rest[k] != '\t')
				k++;
		}
		uint32_t n = VG_MIN(k - j, (uint32_t)VG_HTTP_BOUNDARY);
		memcpy(d->boundary, rest + j, n);
		d->boundary_len = (uint8_t)n;
		return;
	}
}

/* Content-Range of a 206 reply (HTTP_Entity::SubmitHeader). */
static void
content_range(struct vg_an_ctx *cx, struct vg_http_ent *e, const char *v, uint32_t len)
{
	const char *tok, *rest;
	uint32_t tlen, rlen;
	char r[128];
	uint32_t n = 0;

	vg_http_token(v, len, &tok, &tlen, &rest, &rlen);
	if (!(tlen == 5 && memcmp(tok, "bytes", 5) == 0)) {
		vg_an_weird(cx, "HTTP_content_range_unknown_byte_unit", NULL);
		return;
	}
	for (uint32_t i = 0; i < rlen && n < sizeof(r) - 1; i++)
		if (rest[i] != ' ')
			r[n++] = rest[i];
	r[n] = '\0';
	char *slash = memchr(r, '/', n);
	char *dash = slash ? memchr(r, '-', (size_t)(slash - r)) : NULL;
	if (!slash || !dash) {
		vg_an_weird(cx, "HTTP_content_range_cannot_parse", slash ? r : NULL);
		return;
	}
	int64_t f, l;
	if (!vg_http_atoi(r, (uint32_t)(dash - r), 10, &f) ||
		!vg_http_atoi(dash + 1, (uint32_t)(slash - dash - 1), 10, &l)) {
		vg_an_weird(cx, "HTTP_content_range_cannot_parse", r);
		return;
	}
	if (f < 0 || l < 0) {
		vg_an_weird(cx, "HTTP_content_range_invalid", r);
		return;
	}
	if (l < f) {
		vg_an_weird(cx, "HTTP_non_positive_content_range", r);
		return;
	}
	int64_t rl = l - f + 1;
	const char *inst = slash + 1;
	uint32_t ilen = (uint32_t)(r + n - inst);
	if (!(ilen == 1 && inst[0] == '*') && !vg_http_atoi(inst, ilen, 10, &e->instance_len)) {
		vg_an_weird(cx, "HTTP_content_range_invalid_instance", r);
		e->instance_len = 0;
	}
	e->partial = 1;
	e->range_len = rl;
	if (e->content_length > 0) {
		if (e->content_length != rl) {
			vg_an_weird(cx, "HTTP_range_not_matching_len", NULL);
			if (rl > e->content_length)
				e->content_length = rl;
		}
	} else {
		e->content_length = rl;
	}
}

static void
content_length(struct vg_an_ctx *cx, struct vg_http_ent *e, const char *v, uint32_t len)
{
	const char *tok, *rest;
	uint32_t tlen, rlen;
	char addl[64];
	int64_t n;

	if (e->chunk != VG_CHUNK_NONE)
		vg_an_weird(cx, "HTTP_content_length_and_chunked", NULL);
	vg_http_token(v, len, &tok, &tlen, &rest, &rlen);
	snprintf(addl, sizeof(addl), "%.*s", (int)VG_MIN(tlen, 60u), tok);
	if (vg_http_atoi(tok, tlen, 10, &n) && n >= 0) {
		if (n > 0 && tlen > 0 && tok[0] == '0')
			vg_an_weird(cx, "HTTP_content_length_leading_zeros", addl);
		e->content_length = n;
		if (e->partial && e->range_len != n) {
			vg_an_weird(cx, "HTTP_range_not_matching_len", NULL);
			if (e->range_len > n)
				e->content_length = e->range_len;
		}
	} else {
		vg_an_weird(cx, "HTTP_bad_content_length", addl);
		e->content_length = 0;
	}
}

static void
transfer_encoding(struct vg_http *h, struct vg_an_ctx *cx, struct vg_http_ent *e, bool top,
	const char *v, uint32_t len)
{
	const char *tok, *rest;
	uint32_t tlen, rlen;

	if (!top) {
		vg_an_weird(cx, "HTTP_nested_transfer_encoding_header", NULL);
		return;
	}
	const struct vg_http_dir *vd = h->dir[1].ongoing ? &h->dir[1] : &h->dir[0];
	vg_http_token(v, len, &tok, &tlen, &rest, &rlen);
	if (!ieq(tok, tlen, "chunked") || !vg_http_version_is(vd, 1, 1))
		return;
	e->chunk = VG_CHUNK_BEFORE;
	if (rlen > 0) {
		char addl[128];
		snprintf(addl, sizeof(addl), "%.*s", (int)VG_MIN(rlen, 120u), rest);
		vg_an_weird(cx, "HTTP_chunked_multi", addl);
	}
	if (e->content_length >= 0)
		vg_an_weird(cx, "HTTP_content_length_and_chunked", NULL);
}

/* Content-Disposition filename= and Content-Type name= (entities.zeek). */
static void
entity_filename(struct vg_http_dir *d, const char *v, uint32_t len, bool disposition)
{
	const char *key = disposition ? "filename" : "name";
	uint32_t klen = (uint32_t)strlen(key);

	for (uint32_t i = 0; i + klen <= len; i++) {
		if (!ieq(v + i, klen, key))
			continue;
		uint32_t j = i + klen;
		while (j < len && (v[j] == ' ' || v[j] == '\t'))
			j++;
		if (disposition && j < len && v[j] == '*')
			j++;
		if (j < len && v[j] == '=') {
			d->fname_len =
				(uint16_t)vg_http_filename(v, len, d->fname, VG_HTTP_FNAME_MAX);
			return;
		}
	}
}

/* One header line of an entity (MIME_Header, HTTP_Entity::SubmitHeader, HTTP_Header). */
void
vg_http_header(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, struct vg_http_ent *e,
	const char *line, uint32_t len)
{
	struct vg_http_dir *d = &h->dir[is_orig];
	bool top = e == &d->top;
	const char *colon = memchr(line, ':', len);

	if (!colon)
		return; /* MIME: a header line without a colon is ignored */
	uint32_t nlen = (uint32_t)(colon - line);
	while (nlen > 0 && (line[nlen - 1] == ' ' || line[nlen - 1] == '\t'))
		nlen--;
	const char *v = colon + 1;
	uint32_t vlen = len - (uint32_t)(v - line);
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	const char *tok, *rest;
	uint32_t tlen, rlen;
	vg_http_token(v, vlen, &tok, &tlen, &rest, &rlen);
	sig_header(cx, is_orig, line, nlen, v, vlen);

	if (top && ieq(line, nlen, "content-length")) {
		content_length(cx, e, v, vlen);
	} else if (top && ieq(line, nlen, "content-range") && h->reply_code == 206) {
		if (e->chunk != VG_CHUNK_NONE)
			vg_an_weird(cx, "HTTP_content_range_and_chunked", NULL);
		content_range(cx, e, v, vlen);
	} else if (ieq(line, nlen, "transfer-encoding")) {
		transfer_encoding(h, cx, e, top, v, vlen);
	} else if (ieq(line, nlen, "content-encoding")) {
		if (ieq(tok, tlen, "gzip") || ieq(tok, tlen, "x-gzip"))
			e->encoding = 1;
		if (ieq(tok, tlen, "deflate"))
			e->encoding = 2;
	} else if (ieq(line, nlen, "expect")) {
		if (!ieq(tok, tlen, "100-continue")) {
			char addl[64];
			snprintf(addl, sizeof(addl), "%.*s", (int)VG_MIN(tlen, 60u), tok);
			vg_an_weird(cx, "HTTP_expect_not_100_continue", addl);
		}
		if (e->content_length == 0)
			vg_an_weird(cx, "HTTP_content_length_0_and_expect_100_cont", NULL);
	} else if (ieq(line, nlen, "content-type")) {
		content_type(d, e, top, v, vlen);
	}

	/* HTTP_Analyzer::HTTP_Header */
	if (ieq(line, nlen, "connection")) {
		if (is_orig && ieq(tok, tlen, "keep-alive"))
			h->keep_alive = 1;
		if (!is_orig && ieq(tok, tlen, "close"))
			h->connection_close = 1;
		else if (!is_orig && ieq(tok, tlen, "upgrade"))
			h->upgrade_connection = 1;
	}
	if (!is_orig && ieq(line, nlen, "upgrade"))
		h->upgrade_protocol = tlen > 0;

	/* the http_header event: main.zeek (priority 5), then entities.zeek (3) */
	vg_http_ev_header(h, cx, is_orig, line, nlen, v, vlen);
	if (ieq(line, nlen, "content-disposition"))
		entity_filename(d, v, vlen, true);
	else if (ieq(line, nlen, "content-type"))
		entity_filename(d, v, vlen, false);
}

/* HTTP_Entity::SubmitAllHeaders for the top entity. */
void
vg_http_all_headers(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, struct vg_http_ent *e)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	if (e->content_length >= 0)
		d->delivery = e->content_length;
	if (e->chunk == VG_CHUNK_TRAILER) {
		e->chunk = VG_CHUNK_NOTHING;
		vg_http_end_message(h, cx, is_orig);
		return;
	}
	if (e->expect_body == VG_BODY_NOT_EXPECTED) {
		vg_http_end_message(h, cx, is_orig);
		return;
	}
	if (e->multipart && d->boundary_len > 0) {
		if (e->chunk != VG_CHUNK_NONE)
			vg_an_weird(cx, "HTTP_chunked_transfer_for_multipart_message", NULL);
		if (e->content_length > 0) {
			e->expect = e->content_length;
			d->delivery = e->content_length;
		} else if (e->content_length == 0) {
			vg_http_end_message(h, cx, is_orig);
		}
		return;
	}
	e->multipart = 0;
	if (e->chunk != VG_CHUNK_NONE) {
		e->chunk = VG_CHUNK_SIZE;
	} else if (e->content_length >= 0) {
		if (e->content_length > 0) {
			e->expect = e->content_length;
			d->plain = e->content_length;
		} else {
			vg_http_end_message(h, cx, is_orig);
		}
	} else if (h->connection_close || e->encoding) {
		e->expect = INT_MAX;
		d->plain = INT_MAX;
	} else if (e->expect_body != VG_BODY_EXPECTED) {
		vg_http_end_message(h, cx, is_orig);
	}
}

static void
chunk_line(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const char *p, uint32_t len)
{
	struct vg_http_dir *d = &h->dir[is_orig];
	struct vg_http_ent *e = &d->top;

	if (e->chunk == VG_CHUNK_SIZE) {
		int64_t n = 0;
		if (!vg_http_atoi(p, len, 16, &n)) {
			char addl[64];
			snprintf(addl, sizeof(addl), "%.*s", (int)VG_MIN(len, 60u), p);
			vg_an_weird(cx, "HTTP_bad_chunk_size", addl);
			n = 0;
		}
		if (n > 0) {
			e->chunk = VG_CHUNK_DATA;
			e->expect = n;
			d->plain = n;
		} else {
			e->in_header = 1; /* the trailer */
			e->chunk = VG_CHUNK_TRAILER;
		}
	} else if (e->chunk == VG_CHUNK_DATA_CRLF) {
		e->chunk = VG_CHUNK_SIZE; /* data before the CRLF: no weird in Zeek */
	}
}

/* HTTP_Message::Deliver -> HTTP_Entity::Deliver of the top entity. */
void
vg_http_msg_deliver(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const char *p,
	uint32_t len, bool crlf)
{
	struct vg_http_dir *d = &h->dir[is_orig];
	struct vg_http_ent *e = &d->top;

	if (!d->msg || e->end_of_data)
		return;
	if (e->in_header) {
		if (!crlf)
			vg_an_weird(cx, "http_no_crlf_in_header_list", NULL);
		e->header_len += len;
		if (len == 0) {
			e->in_header = 0;
			vg_http_all_headers(h, cx, is_orig, e);
		} else if (p[0] != ' ' && p[0] != '\t') {
			vg_http_header(h, cx, is_orig, e, p, len);
		}
		return;
	}
	if (e->multipart) {
		vg_http_body(h, cx, is_orig, p, len, crlf);
		if (!e->end_of_data && e->content_length > 0) {
			e->expect -= len + (crlf ? 2 : 0);
			if (e->expect <= 0) {
				d->plain = 0;
				vg_http_end_message(h, cx, is_orig);
			}
		}
		return;
	}
	switch (e->chunk) {
	case VG_CHUNK_NONE:
		break;
	case VG_CHUNK_SIZE:
	case VG_CHUNK_DATA_CRLF:
		chunk_line(h, cx, is_orig, p, len);
		return;
	case VG_CHUNK_DATA:
		e->expect -= len;
		if (e->expect <= 0) {
			d->plain = 0;
			e->chunk = VG_CHUNK_DATA_CRLF;
		}
		vg_http_body(h, cx, is_orig, p, len, false);
		return;
	default:
		return;
	}
	if (e->content_length >= 0) {
		vg_http_body(h, cx, is_orig, p, len, false);
		e->expect -= len;
		if (e->expect <= 0) {
			d->plain = 0;
			d->delivery = -1;
			vg_http_end_message(h, cx, is_orig);
		}
		return;
	}
	vg_http_body(h, cx, is_orig, p, len, crlf);
}

/* ---- request and reply lines ---- */

static bool
token_char(unsigned char c)
{
	return c > 31 && c < 127 && !strchr(" \t()<>@,;:\\\"/[]?={}", c);
}

static bool
uri_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z') ||
		(c && strchr(":/?#[]@!$&'()*+,;=-_.~%", c));
}

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static bool
prefix_http(struct vg_an_ctx *cx, const char *p, const char *end, bool *lower)
{
	if (end - p < 5)
		return false;
	if (memcmp(p, "HTTP/", 5) == 0)
		return true;
	if (strncasecmp(p, "HTTP/", 5) == 0) {
		vg_an_weird(cx, "lowercase_HTTP_keyword", NULL);
		if (lower)
			*lower = true;
		return true;
	}
	return false;
}

struct req {
	const char *method;
	uint32_t mlen;
	const char *uri;
	uint32_t ulen;
};

/* HTTP_RequestLine + ParseRequest; 1 a request, 0 not one. */
static int
request_line(
	struct vg_http *h, struct vg_an_ctx *cx, const char *line, uint32_t len, struct req *rq)
{
	const char *end = line + len, *eom = line;
	struct vg_http_dir *d = &h->dir[1];

	while (eom < end && token_char((unsigned char)*eom))
		eom++;
	if (eom == line) {
		if (len >= 9 && strncasecmp(end - 9, " HTTP/", 6) == 0) {
			vg_an_weird(cx, "bad_HTTP_request_with_version", NULL);
			return 0;
		}
		vg_an_weird(cx, "bad_HTTP_request", NULL);
		return 0;
	}
	const char *rest = skip_ws(eom, end);
	if (rest == eom) {
		vg_an_weird(cx, "bad_HTTP_request", NULL);
		return 0;
	}
	const char *eou = rest, *vs;
	while (eou < end && uri_char((unsigned char)*eou))
		eou++;
	bool lower = false;
	bool at_http = end - rest >= 5 && memcmp(rest, "HTTP/", 5) == 0;
	if (!at_http)
		at_http = prefix_http(cx, rest, end, &lower);
	if (eou >= end && at_http) {
		vg_an_weird(cx, "missing_HTTP_uri", NULL);
		eou = rest;
	}
	for (vs = eou; vs < end; ++vs) {
		eou = vs;
		vs = skip_ws(vs, end);
		if (prefix_http(cx, vs, end, NULL))
			break;
	}
	if (vs >= end) {
		set_version(h, cx, d, 0, 9);
	} else if (vs + 8 <= end) {
		vs += 5;
		parse_version(h, cx, d, vs, (uint32_t)(end - vs));
	}
	rq->uri = rest;
	rq->ulen = (uint32_t)(eou - rest);
	if (vg_http_version_is(d, 0, 9) && (eom - line < 3 || rq->ulen == 0)) {
		vg_an_weird(cx, "bad_HTTP_request", NULL);
		return 0;
	}
	rq->method = line;
	rq->mlen = (uint32_t)(eom - line);
	return 1;
}

static void
request(struct vg_http *h, struct vg_an_ctx *cx, const char *line, uint32_t len)
{
	struct vg_http_dir *d = &h->dir[1];
	struct req rq;
	char uri[VG_HTTP_LINE_MAX];

	if (!request_line(h, cx, line, len, &rq)) {
		if (!(h->num_requests == 0 || h->keep_alive))
			return; /* crud_trailing_HTTP_request: an event only */
		if (len == 0) {
			vg_an_weird(cx, "empty_http_request", NULL);
		} else if (h->num_requests == 0 && h->num_replies == 0 && h->orig_bytes <= 1024) {
			/*
			 * Zeek removes the analyzer here; when the server then
			 * answers "HTTP/" and a digit, http/dpd.sig's reverse
			 * signature starts a new HTTP analyzer on the buffered
			 * stream, which fails on the same line and parses the
			 * reply (zeek/zeek issue 4422; not once the client sent
			 * more than dpd_buffer_size, 1024 bytes). The reply is
			 * parsed here, then the analyzer leaves.
			 */
			h->dpd_again = 1;
			d->state = VG_HTTP_EXPECT_NOTHING;
		} else {
			vg_an_violate(cx, "not a http request line");
			d->state = VG_HTTP_EXPECT_NOTHING;
		}
		return;
	}
	uint32_t ulen = vg_http_unescape_uri(cx, rq.uri, rq.ulen, uri);

	/* HTTP_Analyzer::HTTP_RequestLine matches the unescaped URI. */
	vg_an_sig_pdu(cx, VG_AN_SIG_HTTP_REQUEST, true, (const uint8_t *)uri, ulen,
		VG_AN_SIG_BEGIN | VG_AN_SIG_END);
	++h->num_requests;
	vg_http_stats.requests++;
	if (!h->keep_alive && h->num_requests > 1)
		vg_an_weird(cx, "unexpected_multiple_HTTP_requests", NULL);
	d->state = VG_HTTP_EXPECT_MESSAGE;
	d->ongoing = 1;
	/*
	 * No confirmation here: Zeek's HTTP_Analyzer::DeliverStream confirms
	 * only on a reply line while a request is unanswered (or on an HTTP/0.9
	 * reply's first bytes), so requests that are never answered leave
	 * conn.log's service empty (core.mpls-in-vlan).
	 */
	unanswered_push(h, method_prefix_of(rq.method, rq.mlen, "HEAD"));
	if (method_prefix_of(rq.method, rq.mlen, "CONNECT"))
		h->connect_request = 1;
	vg_http_ev_request(h, cx, rq.method, rq.mlen, uri, ulen);
	msg_init(h, cx, true, VG_BODY_MAYBE);
	if (vg_http_version_is(d, 0, 9)) {
		if (!(rq.mlen == 3 && memcmp(rq.method, "GET", 3) == 0)) {
			char m[64];
			snprintf(m, sizeof(m), "%.*s", (int)VG_MIN(rq.mlen, 60u), rq.method);
			vg_an_weird(cx, "invalid_http_09_request_method", m);
		}
		if (h->dir[0].had_msg) {
			vg_an_weird(cx, "http_09_reply_before_request", NULL);
			h->dir[0].msg = 0;
		}
		h->dir[0].state = VG_HTTP_REPLY_HTTP09;
		h->dir[0].had_msg = 0;
	}
}

/* HTTP_ReplyLine; the code in h->reply_code, the reason in *reason. */
static int
reply_line(struct vg_http *h, struct vg_an_ctx *cx, const char *line, uint32_t len,
	const char **reason, uint32_t *rlen)
{
	const char *end = line + len, *p;

	if (!prefix_http(cx, line, end, NULL))
		return 0; /* bad_HTTP_reply: an event only */
	p = line + 5;
	parse_version(h, cx, &h->dir[0], p, (uint32_t)(end - p));
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	if (p >= end)
		return 0;
	p = skip_ws(p, end);
	if (p + 3 > end)
		return 0;
	if (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9')
		h->reply_code = (uint16_t)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
	else
		h->reply_code = 0;
	for (p += 3; p < end; p++)
		if (*p == ' ' || *p == '\t')
			break;
	*reason = NULL;
	*rlen = 0;
	if (p >= end)
		return 1; /* no reason phrase: Zeek logs "<empty>" */
	p = skip_ws(p, end);
	*reason = p;
	*rlen = (uint32_t)(end - p);
	return 1;
}

static void
reply(struct vg_http *h, struct vg_an_ctx *cx, const char *line, uint32_t len)
{
	struct vg_http_dir *d = &h->dir[0];
	const char *reason;
	uint32_t rlen;

	if (!reply_line(h, cx, line, len, &reason, &rlen)) {
		if (len > 0) {
			vg_an_violate(cx, "not a http reply line");
			d->state = VG_HTTP_EXPECT_NOTHING;
		}
		return;
	}
	++h->num_replies;
	vg_http_stats.replies++;
	if (h->unanswered > 0)
		confirm(h, cx);
	d->state = VG_HTTP_EXPECT_MESSAGE;
	d->ongoing = 1;
	if (reason)
		vg_http_ev_reply(h, cx, h->reply_code, reason, rlen);
	else
		vg_http_ev_reply(h, cx, h->reply_code, "<empty>", 7);
	if (h->connect_request && h->reply_code != 200)
		h->connect_request = 0;
	msg_init(h, cx, false, expect_reply_body(h));
}

/* One line from the line splitter (HTTP_Analyzer::DeliverStream). */
void
vg_http_line(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const char *line, uint32_t len,
	bool eol)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	if (!eol) {
		/* a piece of a long line inside a multipart part's body */
		if (d->state == VG_HTTP_EXPECT_MESSAGE)
			vg_http_msg_deliver(h, cx, is_orig, line, len, false);
		return;
	}

	switch (d->state) {
	case VG_HTTP_EXPECT_LINE:
		if (is_orig)
			request(h, cx, line, len);
		else
			reply(h, cx, line, len);
		break;
	case VG_HTTP_EXPECT_MESSAGE:
		vg_http_msg_deliver(h, cx, is_orig, line, len, true);
		if (!is_orig && h->connect_request && len == 0 && !h->tunnel) {
			/*
			 * The answered CONNECT's headers ended: what follows is
			 * the tunnel's, for the analyzers content detection
			 * finds (HTTP.cc puts a PIA_TCP below HTTP here).
			 */
			h->tunnel = 1;
			vg_an_redetect(cx);
		}
		break;
	default:
		break;
	}
}

/* Bytes in plain delivery mode (bodies of known length). */
void
vg_http_plain(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const uint8_t *p, uint32_t len)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	if (!d->had_msg) {
		vg_an_weird(cx,
			is_orig ? "unexpected_client_HTTP_data" : "unexpected_server_HTTP_data",
			NULL);
		return;
	}
	vg_http_msg_deliver(h, cx, is_orig, (const char *)p, len, false);
}

/* The responder of an HTTP/0.9 request: everything is the body. */
void
vg_http_http09(struct vg_http *h, struct vg_an_ctx *cx, const uint8_t *p, uint32_t len)
{
	struct vg_http_dir *d = &h->dir[0];

	if (!d->had_msg) {
		set_version(h, cx, d, 0, 9);
		if (h->unanswered > 0) {
			confirm(h, cx);
			unanswered_pop(h);
		}
		h->connection_close = 1;
		d->ongoing = 1;
		vg_http_ev_reply(h, cx, h->reply_code, "<empty>", 7);
		msg_init(h, cx, false, expect_reply_body(h));
		vg_http_msg_deliver(h, cx, false, "", 0, true);
	}
	d->plain = 0;
	vg_http_msg_deliver(h, cx, false, (const char *)p, len, false);
}

/* ---- content gaps (HTTP_Analyzer::Undelivered) ---- */

static bool
entity_undelivered(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, uint64_t len)
{
	struct vg_http_dir *d = &h->dir[is_orig];
	bool in_part =
		d->top.multipart && (d->mp_state == VG_MP_HEADERS || d->mp_state == VG_MP_BODY);
	struct vg_http_ent *e = in_part ? &d->part : &d->top;

	if ((e->end_of_data && e->in_header) || e->body_len == 0)
		return false;
	vg_http_file_gap(h, cx, is_orig, len);
	if (e->chunk != VG_CHUNK_NONE) {
		if (e->chunk == VG_CHUNK_DATA && e->expect >= (int64_t)len) {
			e->body_len += len;
			e->expect -= (int64_t)len;
			d->plain = e->expect;
			if (e->expect == 0)
				e->chunk = VG_CHUNK_DATA_CRLF;
			return true;
		}
		return false;
	}
	if (e->content_length >= 0 && e->expect >= (int64_t)len) {
		e->body_len += len;
		e->expect -= (int64_t)len;
		d->plain = e->expect;
		if (e->expect <= 0 && e == &d->top)
			vg_http_end_message(h, cx, is_orig);
		return true;
	}
	return false;
}

void
vg_http_gap(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, uint64_t len)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	if (d->skip || h->tunnel || h->upgraded)
		return;
	if (d->msg && entity_undelivered(h, cx, is_orig, len)) {
		d->gap_len += len;
		return;
	}
	if (is_orig)
		vg_http_made(h, cx, true, true);
	vg_http_made(h, cx, false, true);
	d->skip = 1;
	d->line_len = 0;
	vg_http_line_release(cx, d);
}
