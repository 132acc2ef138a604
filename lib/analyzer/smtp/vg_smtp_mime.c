/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A MIME message parser with the behaviour of Zeek's MIME_Mail / MIME_Entity
 * (src/analyzer/protocol/mime/MIME.cc): header lines and their continuations,
 * Content-Type (multipart boundary, message/rfc822 opens a child entity) and
 * Content-Transfer-Encoding, body lines decoded (base64, quoted-printable,
 * binary with the implicit CRLFs Zeek keeps) and handed over line by line in
 * pieces of at most mime_segment_length bytes. Entities nest as a chain: the
 * innermost open one gets the lines; its parents only look for boundaries.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "vg_smtp.h"

static bool
is_lws(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_tspecial(char c, bool boundary)
{
	if (boundary)
		return c == '"';
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL && c != '\0';
}

static bool
is_token_char(char c, bool boundary)
{
	return c >= 33 && c <= 126 && !is_tspecial(c, boundary);
}

/* MIME_skip_comments / MIME_skip_lws_comments (RFC 2822 comments). */
static uint32_t
skip_comment(const char *p, uint32_t len)
{
	int par = 0;

	if (len == 0 || p[0] != '(')
		return 0;
	for (uint32_t i = 0; i < len; i++) {
		if (p[i] == '(')
			par++;
		else if (p[i] == ')' && --par == 0)
			return i + 1;
		else if (p[i] == '\\')
			i++;
	}
	return len;
}

static uint32_t
skip_lws_comments(const char *p, uint32_t len)
{
	uint32_t i = 0;

	while (i < len) {
		if (is_lws(p[i]))
			i++;
		else if (p[i] == '(')
			i += skip_comment(p + i, len - i);
		else
			return i;
	}
	return len;
}

/* MIME_get_token: the token's start and length; returns the end offset or -1. */
static int32_t
get_token(const char *p, uint32_t len, uint32_t *ts, uint32_t *tl, bool boundary)
{
	uint32_t i = boundary ? 0 : skip_lws_comments(p, len);

	while (i < len) {
		if (is_token_char(p[i], boundary)) {
			uint32_t j = i;

			while (j < len && is_token_char(p[j], boundary))
				j++;
			*ts = i;
			*tl = j - i;
			return (int32_t)j;
		}
		uint32_t j = skip_lws_comments(p + i, len - i);

		i += j > 0 ? j : 1;
	}
	return -1;
}

static bool
ieq(const char *p, uint32_t n, const char *want)
{
	return strlen(want) == n && strncasecmp(p, want, n) == 0;
}

/* ---- entities ---- */

static struct vg_mime_entity *
ent(struct vg_mime *m, uint32_t level)
{
	return &m->ent[level];
}

static void
entity_init(struct vg_mime *m, uint32_t level)
{
	struct vg_mime_entity *e = ent(m, level);
	uint8_t enc = level > 0 ? ent(m, level - 1)->enc : VG_MIME_ENC_OTHER;

	memset(e, 0, sizeof(*e));
	e->type = VG_MIME_TEXT;
	e->enc = enc; /* a child starts with its parent's encoding */
	e->in_header = true;
	m->depth = (uint8_t)(level + 1);
	m->hdr_open = false;
	m->ops->begin_entity(m->owner);
}

static void end_of_data(struct vg_mime *m, uint32_t level);

static void
begin_child(struct vg_mime *m, uint32_t level)
{
	if (level + 1 >= VG_MIME_MAX_DEPTH) {
		/* MIME::max_depth: the child is not made (vigil keeps fewer levels) */
		m->ops->weird(m->owner, "exceeded_mime_max_depth", NULL, false);
		return;
	}
	ent(m, level)->has_child = true;
	entity_init(m, level + 1);
}

static void
end_child(struct vg_mime *m, uint32_t level)
{
	end_of_data(m, level + 1);
	ent(m, level)->has_child = false;
	m->depth = (uint8_t)(level + 1);
}

/* ---- decoded data ---- */

static void
flush(struct vg_mime *m)
{
	if (m->out_len > 0)
		m->ops->data(m->owner, m->out, m->out_len);
	m->out_len = 0;
}

static void
octets(struct vg_mime *m, const uint8_t *p, uint32_t len)
{
	while (len > 0) {
		uint32_t n = VG_MIME_SEGMENT - m->out_len;

		if (n > len)
			n = len;
		memcpy(m->out + m->out_len, p, n);
		m->out_len = (uint16_t)(m->out_len + n);
		p += n;
		len -= n;
		if (m->out_len == VG_MIME_SEGMENT)
			flush(m);
	}
}

static void
octet(struct vg_mime *m, uint8_t c)
{
	octets(m, &c, 1);
}

static int
b64_val(uint8_t c)
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

/*
 * Base64 as Zeek's Base64Converter decodes it (src/Base64.cc): '=' counts as
 * a character of value 0 and as padding; a group of four gives 3 - padding
 * bytes; groups after a padded one are ignored; other characters are
 * skipped. The first error of a decoder is a connection weird
 * (base64_illegal_encoding, no source).
 */
static void
b64_error(struct vg_mime *m, struct vg_mime_entity *e, const char *msg)
{
	if (e->b64_errored < 255 && ++e->b64_errored == 1)
		m->ops->weird(m->owner, "base64_illegal_encoding", msg, true);
}

static void
b64_group(struct vg_mime *m, struct vg_mime_entity *e)
{
	uint8_t o[3];
	int32_t n = 3 - e->b64_pad;
	uint32_t v;

	e->b64_n = 0;
	if (e->b64_after_pad) {
		b64_error(m, e, "extra base64 groups after '=' padding are ignored");
		return;
	}
	v = (uint32_t)e->b64_q[0] << 18 | (uint32_t)e->b64_q[1] << 12 | (uint32_t)e->b64_q[2] << 6 |
		e->b64_q[3];
	o[0] = (uint8_t)(v >> 16);
	o[1] = (uint8_t)(v >> 8);
	o[2] = (uint8_t)v;
	if (n > 0)
		octets(m, o, (uint32_t)n);
	if (e->b64_pad > 0)
		e->b64_after_pad = true;
	e->b64_pad = 0;
}

static void
b64_char(struct vg_mime *m, struct vg_mime_entity *e, uint8_t c)
{
	int k = c == '=' ? 0 : b64_val(c);

	if (c == '=' && e->b64_pad < 255)
		e->b64_pad++;
	if (k >= 0) {
		e->b64_q[e->b64_n++] = (uint8_t)k;
	} else {
		char msg[48];

		snprintf(msg, sizeof(msg), "character %d ignored by Base64 decoding",
			(int)(signed char)c);
		b64_error(m, e, msg);
	}
	if (e->b64_n == 4)
		b64_group(m, e);
}

static void
decode_base64(struct vg_mime *m, struct vg_mime_entity *e, const char *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		b64_char(m, e, (uint8_t)p[i]);
}

/* Base64Converter::Done: an incomplete group is padded with '='. */
static void
b64_done(struct vg_mime *m, struct vg_mime_entity *e)
{
	char msg[64];
	uint8_t n = e->b64_n;

	if (n == 0)
		return;
	snprintf(msg, sizeof(msg), "incomplete base64 group, padding with %d bits of 0",
		(4 - n) * 6);
	m->ops->weird(m->owner, "base64_illegal_encoding", msg, true);
	for (uint8_t i = n; i < 4; i++)
		b64_char(m, e, '=');
}

static void
decode_qp(struct vg_mime *m, const char *p, uint32_t len)
{
	int32_t end = (int32_t)len - 1;
	bool soft = false;

	while (end >= 0 && (p[end] == '\t' || p[end] == ' '))
		end--;
	for (int32_t i = 0; i <= end; i++) {
		if (p[i] == '=') {
			if (i == end) {
				soft = true;
			} else if ((uint32_t)i + 2 < len) {
				int a = -1, b = -1;
				char x = p[i + 1], y = p[i + 2];

				a = x >= '0' && x <= '9'       ? x - '0'
					: x >= 'a' && x <= 'f' ? x - 'a' + 10
					: x >= 'A' && x <= 'F' ? x - 'A' + 10
							       : -1;
				b = y >= '0' && y <= '9'       ? y - '0'
					: y >= 'a' && y <= 'f' ? y - 'a' + 10
					: y >= 'A' && y <= 'F' ? y - 'A' + 10
							       : -1;
				if (a >= 0 && b >= 0) {
					octet(m, (uint8_t)(a << 4 | b));
					i += 2;
				} else {
					octet(m, '=');
				}
			} else {
				octet(m, '=');
			}
		} else {
			octet(m, (uint8_t)p[i]);
		}
	}
	if (!soft)
		octets(m, (const uint8_t *)"\r\n", 2);
}

static void
decode_line(struct vg_mime *m, uint32_t level, const char *p, uint32_t len, bool crlf)
{
	struct vg_mime_entity *e = ent(m, level);

	switch (e->enc) {
	case VG_MIME_QP:
		decode_qp(m, p, len);
		break;
	case VG_MIME_BASE64:
		decode_base64(m, e, p, len);
		break;
	default:
		if (e->delay_crlf) {
			e->delay_crlf = false;
			octets(m, (const uint8_t *)"\r\n", 2);
		}
		octets(m, (const uint8_t *)p, len);
		if (crlf) {
			/* the CRLF before a boundary belongs to the boundary */
			if (level > 0 && ent(m, level - 1)->type == VG_MIME_MULTIPART)
				e->delay_crlf = true;
			else
				octets(m, (const uint8_t *)"\r\n", 2);
		}
		break;
	}
	flush(m);
}

/* ---- headers ---- */

static void
parse_params(struct vg_mime_entity *e, const char *p, uint32_t len, bool is_ctype)
{
	for (;;) {
		uint32_t o = skip_lws_comments(p, len), as, al;
		int32_t t;

		if (o >= len || p[o] != ';')
			return;
		o++;
		p += o;
		len -= o;
		t = get_token(p, len, &as, &al, false);
		if (t < 0)
			return;
		const char *attr = p + as;

		p += t;
		len -= (uint32_t)t;
		o = skip_lws_comments(p, len);
		if (o >= len || p[o] != '=')
			continue;
		o++;
		p += o;
		len -= o;
		bool bnd = is_ctype && e->type == VG_MIME_MULTIPART && ieq(attr, al, "boundary");
		uint32_t v0 = bnd ? 0 : skip_lws_comments(p, len), vs = 0, vl = 0;
		int32_t end;

		if (v0 < len && p[v0] == '"') {
			uint32_t i = v0 + 1;

			while (i < len && p[i] != '"')
				i += p[i] == '\\' ? 2 : 1;
			if (i >= len)
				return;
			vs = v0 + 1;
			vl = i - vs;
			end = (int32_t)(i + 1);
			if (bnd) {
				/* quoted pairs decoded */
				uint32_t n = 0;

				for (uint32_t k = vs; k < vs + vl && n < VG_MIME_BOUNDARY; k++) {
					if (p[k] == '\\' && ++k >= vs + vl)
						break;
					e->boundary[n++] = p[k];
				}
				e->boundary_len = (uint16_t)n;
				e->has_boundary = true;
			}
		} else {
			end = get_token(p + v0, len - v0, &vs, &vl, bnd);
			if (end < 0)
				continue;
			vs += v0;
			end += (int32_t)v0;
			if (bnd) {
				if (vl > VG_MIME_BOUNDARY)
					vl = VG_MIME_BOUNDARY;
				memcpy(e->boundary, p + vs, vl);
				e->boundary_len = (uint16_t)vl;
				e->has_boundary = true;
			}
		}
		p += end;
		len -= (uint32_t)end;
	}
}

static void
parse_content_type(struct vg_mime_entity *e, const char *v, uint32_t len)
{
	uint32_t ts, tl, ss, sl, o;
	int32_t t = get_token(v, len, &ts, &tl, false);

	if (t < 0)
		return;
	o = (uint32_t)t + skip_lws_comments(v + t, len - (uint32_t)t);
	if (o >= len || v[o] != '/')
		return;
	o++;
	t = get_token(v + o, len - o, &ss, &sl, false);
	if (t < 0)
		return;
	o += (uint32_t)t;
	if (ieq(v + ts, tl, "MULTIPART"))
		e->type = VG_MIME_MULTIPART;
	else if (ieq(v + ts, tl, "MESSAGE"))
		e->type = VG_MIME_MESSAGE;
	else if (ieq(v + ts, tl, "TEXT"))
		e->type = VG_MIME_TEXT;
	else
		e->type = VG_MIME_OTHER;
	if (e->type == VG_MIME_MULTIPART || e->type == VG_MIME_MESSAGE)
		parse_params(e, v + o, len - o, true);
	if (e->type == VG_MIME_MULTIPART && !e->has_boundary)
		e->type = VG_MIME_OTHER; /* treated as application/octet-stream */
}

static void
parse_encoding(struct vg_mime_entity *e, const char *v, uint32_t len)
{
	static const char *const names[] = {"7BIT", "8BIT", "BINARY", "QUOTED-PRINTABLE", "BASE64"};
	uint32_t ts, tl;

	if (get_token(v, len, &ts, &tl, false) < 0)
		return;
	e->enc = VG_MIME_ENC_OTHER;
	for (uint8_t i = 0; i < 5; i++)
		if (ieq(v + ts, tl, names[i]))
			e->enc = i;
}

/* MIME_Header and FinishHeader: the header's name and value, then its meaning. */
static void
finish_header(struct vg_mime *m, uint32_t level)
{
	struct vg_mime_entity *e = ent(m, level);
	const char *p = m->hdr;
	uint32_t len = m->hdr_len, i, n0, n1;

	if (!m->hdr_open)
		return;
	m->hdr_open = false;
	i = skip_lws_comments(p, len);
	while (i < len && !(p[i] >= 33 && p[i] <= 126 && p[i] != ':')) {
		uint32_t j = skip_lws_comments(p + i, len - i);

		i += j > 0 ? j : 1;
	}
	if (i >= len)
		return;
	n0 = i;
	while (i < len && p[i] >= 33 && p[i] <= 126 && p[i] != ':')
		i++;
	n1 = i;
	i += skip_lws_comments(p + i, len - i);
	if (i >= len || p[i] != ':')
		return; /* malformed: no header */
	i++;
	while (i < len && (p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r')))
		i++;
	if (ieq(p + n0, n1 - n0, "content-type"))
		parse_content_type(e, p + i, len - i);
	else if (ieq(p + n0, n1 - n0, "content-transfer-encoding"))
		parse_encoding(e, p + i, len - i);
	m->ops->header(m->owner, p + n0, n1 - n0, p + i, len - i);
}

static void
hdr_append(struct vg_mime *m, const char *p, uint32_t len)
{
	uint32_t room = VG_MIME_HDR_BUF - m->hdr_len;

	m->hdr_total += len;
	if (len > room)
		len = room;
	memcpy(m->hdr + m->hdr_len, p, len);
	m->hdr_len = (uint16_t)(m->hdr_len + len);
}

static void
new_header(struct vg_mime *m, uint32_t level, const char *p, uint32_t len)
{
	finish_header(m, level);
	if (len == 0)
		return;
	m->hdr_len = 0;
	m->hdr_total = 0;
	m->hdr_open = true;
	hdr_append(m, p, len);
}

static void
cont_header(struct vg_mime *m, uint32_t level, const char *p, uint32_t len)
{
	if (!m->hdr_open) {
		uint32_t ws = 0;

		while (ws < len && is_lws(p[ws]))
			ws++;
		new_header(m, level, p + ws, len - ws);
		return;
	}
	if (m->hdr_total >= VG_MIME_HDR_MAX) {
		char buf[24];

		snprintf(buf, sizeof(buf), "%u", m->hdr_total);
		m->ops->weird(m->owner, "exceeded_mime_max_header_bytes", buf, false);
		return;
	}
	hdr_append(m, p, len);
}

/* ---- lines ---- */

static void deliver(struct vg_mime *m, uint32_t level, const char *p, uint32_t len, bool crlf);

static void
begin_body(struct vg_mime *m, uint32_t level)
{
	struct vg_mime_entity *e = ent(m, level);

	if (e->enc == VG_MIME_BASE64) {
		e->b64_n = 0;
		e->b64_pad = 0;
		e->b64_after_pad = false;
		e->b64_errored = 0;
	}
	if (e->type == VG_MIME_MESSAGE)
		begin_child(m, level);
}

static void
end_of_data(struct vg_mime *m, uint32_t level)
{
	struct vg_mime_entity *e = ent(m, level);

	if (e->ended)
		return;
	e->ended = true;
	if (e->in_header) {
		finish_header(m, level);
		e->in_header = false;
	} else {
		if (e->has_child)
			end_child(m, level);
		if (e->enc == VG_MIME_BASE64)
			b64_done(m, e);
		flush(m);
	}
	m->ops->end_entity(m->owner);
}

/* 0: no boundary; 1: a boundary; 2: the closing one. */
static int
boundary(const struct vg_mime_entity *e, const char *p, uint32_t len)
{
	if (len < 2 || p[0] != '-' || p[1] != '-')
		return 0;
	p += 2;
	len -= 2;
	if (len < e->boundary_len || memcmp(p, e->boundary, e->boundary_len) != 0)
		return 0;
	p += e->boundary_len;
	len -= e->boundary_len;
	return len >= 2 && p[0] == '-' && p[1] == '-' ? 2 : 1;
}

static void
data_line(struct vg_mime *m, uint32_t level, const char *p, uint32_t len, bool crlf)
{
	struct vg_mime_entity *e = ent(m, level);

	if (e->type == VG_MIME_MULTIPART) {
		switch (boundary(e, p, len)) {
		case 1:
			if (e->has_child)
				end_child(m, level);
			if (!e->ended)
				begin_child(m, level);
			return;
		case 2:
			if (e->has_child)
				end_child(m, level);
			end_of_data(m, level);
			return;
		default:
			break;
		}
	}
	if (e->type == VG_MIME_MULTIPART || e->type == VG_MIME_MESSAGE) {
		/* preamble and epilogue lines go nowhere */
		if (e->has_child)
			deliver(m, level + 1, p, len, crlf);
		return;
	}
	decode_line(m, level, p, len, crlf);
}

/* MIME_Entity::Deliver for the entity at `level`. */
static void
deliver(struct vg_mime *m, uint32_t level, const char *p, uint32_t len, bool crlf)
{
	struct vg_mime_entity *e = ent(m, level);

	if (e->in_header) {
		if (len == 0 || p[0] == '\0') {
			finish_header(m, level);
			e->in_header = false;
			if (!e->ended)
				begin_body(m, level);
		} else if (is_lws(p[0])) {
			cont_header(m, level, p, len);
		} else {
			new_header(m, level, p, len);
		}
		return;
	}
	if (!e->ended)
		data_line(m, level, p, len, crlf);
}

void
vg_mime_begin(struct vg_mime *m, const struct vg_mime_ops *ops, void *owner)
{
	m->ops = ops;
	m->owner = owner;
	m->active = true;
	m->out_len = 0;
	entity_init(m, 0);
}

void
vg_mime_line(struct vg_mime *m, const char *line, uint32_t len, bool crlf)
{
	if (m->active)
		deliver(m, 0, line, len, crlf);
}

void
vg_mime_end(struct vg_mime *m)
{
	if (!m->active)
		return;
	end_of_data(m, 0);
	m->active = false;
}
