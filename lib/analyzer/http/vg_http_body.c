/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Entity bodies (HTTP_Entity::DeliverBody and MIME_Entity): gzip and deflate
 * bodies are inflated first as Zeek does (body lengths and files count the
 * inflated bytes), multipart bodies are split at their boundaries into
 * parts, and each leaf entity's bytes go to the files framework as one file.
 *
 * Inflaters come from a small per-worker pool of zlib streams made at the
 * thread's first gzip body; a body that finds none free is counted
 * (inflate_busy) and its bytes are not inflated.
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "vg_http.h"

#define INFLATERS 64

struct inflater {
	z_stream z;
	uint8_t inited;
	uint8_t busy;
	uint8_t failed;   /* Z_DATA_ERROR etc: the rest of the body is dropped */
	uint8_t finished; /* Z_STREAM_END */
	uint8_t raw_tried;
	uint8_t method;
	uint64_t out;
};

static _Thread_local struct inflater *inflaters;
static _Thread_local uint8_t zout[16384];

static struct inflater *
inflater_get(struct vg_http_dir *d, uint8_t method)
{
	if (d->zslot >= 0)
		return &inflaters[d->zslot];
	if (!inflaters) {
		inflaters = calloc(INFLATERS, sizeof(*inflaters));
		if (!inflaters)
			return NULL;
	}
	for (int i = 0; i < INFLATERS; i++) {
		struct inflater *z = &inflaters[i];
		if (z->busy)
			continue;
		int rc = z->inited ? inflateReset2(&z->z, 15 + 32) : inflateInit2(&z->z, 15 + 32);
		if (rc != Z_OK)
			continue;
		z->inited = 1;
		z->busy = 1;
		z->failed = z->finished = z->raw_tried = 0;
		z->method = method;
		z->out = 0;
		d->zslot = (int8_t)i;
		return z;
	}
	vg_http_stats.inflate_busy++;
	return NULL;
}

void
vg_http_inflate_end(struct vg_http_dir *d)
{
	if (d->zslot >= 0 && inflaters)
		inflaters[d->zslot].busy = 0;
	d->zslot = -1;
}

/* ---- files ---- */

static void
check_mime(struct vg_http *h, bool is_orig)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	if (!d->file || d->mime_done || !vg_file_sniffed(d->file))
		return;
	d->mime_done = 1;
	if (d->file_tx_ok)
		vg_http_ev_mime(h, is_orig, d->file_tx_idx, vg_file_mime(d->file));
}

static void
file_start(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, struct vg_http_ent *e)
{
	struct vg_http_dir *d = &h->dir[is_orig];
	struct vg_file_info fi = {
		.source = "HTTP",
		.is_orig = is_orig,
		.depth = 0, /* Zeek 9 leaves depth at 0 for HTTP */
		.total_bytes = -1,
		.filename = d->fname_len ? d->fname : NULL,
		.filename_len = d->fname_len,
		.seq = h->file_seq++,
	};
	/* HTTP_Entity::SubmitData: the size unless the body is compressed */
	if (e->send_size && !e->encoding) {
		if (e->partial && e->instance_len > 0)
			fi.total_bytes = e->instance_len;
		else if (!e->partial && e->content_length > 0)
			fi.total_bytes = e->content_length;
	}
	d->file = vg_file_begin(cx, &fi, d->fuid);
	d->mime_done = 0;
	d->file_tx_ok = 0;
	if (d->file)
		vg_http_ev_file(h, is_orig, d->fuid, fi.filename, fi.filename_len);
}

static void
file_data(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, struct vg_http_ent *e,
	const char *p, uint32_t len)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	if (len == 0)
		return;
	if (!d->file) {
		file_start(h, cx, is_orig, e);
		if (d->file && d->in_piece)
			vg_file_set_untimed_start(d->file);
	}
	e->send_size = 0;
	if (d->in_piece)
		vg_file_data_untimed(d->file, (const uint8_t *)p, len);
	else
		vg_file_data(cx, d->file, (const uint8_t *)p, len);
	check_mime(h, is_orig);
	if (vg_file_complete(d->file))
		vg_http_file_end(h, cx, is_orig);
}

void
vg_http_file_gap(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, uint64_t len)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	if (!d->file)
		return;
	vg_file_gap(cx, d->file, len);
	check_mime(h, is_orig);
	if (vg_file_complete(d->file))
		vg_http_file_end(h, cx, is_orig);
}

void
vg_http_file_end(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	if (!d->file)
		return;
	vg_file_sniff_now(d->file);
	check_mime(h, is_orig);
	vg_file_end(cx, d->file);
	d->file = NULL;
}

/* ---- multipart ---- */

static int
boundary_kind(const struct vg_http_dir *d, const char *p, uint32_t len)
{
	uint32_t b = d->boundary_len;

	if (len < 2 + b || p[0] != '-' || p[1] != '-' || memcmp(p + 2, d->boundary, b) != 0)
		return 0;
	if (len >= 4 + b && p[2 + b] == '-' && p[3 + b] == '-')
		return 2;
	return 1;
}

static void
part_end(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	/* The part's EndOfData: its end for the signatures ($). */
	vg_an_sig_pdu(cx, is_orig ? VG_AN_SIG_HTTP_REQUEST_BODY : VG_AN_SIG_HTTP_REPLY_BODY,
		is_orig, (const uint8_t *)"", 0, VG_AN_SIG_END);
	if (is_orig || h->reply_code != 206)
		vg_http_file_end(h, cx, is_orig);
	d->crlf_only = 0; /* back to CR, LF and CRLF */
	d->fname_len = 0;
}

/* One body line of a multipart entity (MIME_Entity::Deliver). */
void
vg_http_part_line(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const char *p,
	uint32_t len, bool crlf)
{
	struct vg_http_dir *d = &h->dir[is_orig];
	int kind = d->piece_cont ? 0 : boundary_kind(d, p, len);

	if (kind) {
		if (d->mp_state == VG_MP_HEADERS || d->mp_state == VG_MP_BODY)
			part_end(h, cx, is_orig);
		if (kind == 1) {
			memset(&d->part, 0, sizeof(d->part));
			d->part.in_header = 1;
			d->part.content_length = -1;
			d->part.send_size = 1;
			d->mp_state = VG_MP_HEADERS;
			d->mp_first = 0;
			vg_http_set_state(h, cx, is_orig); /* http_begin_entity */
		} else {
			d->mp_state = VG_MP_DONE;
			vg_http_end_message(h, cx, is_orig);
		}
		return;
	}
	switch (d->mp_state) {
	case VG_MP_HEADERS:
		d->part.header_len += len;
		if (len == 0) {
			d->part.in_header = 0;
			d->mp_state = VG_MP_BODY;
			d->crlf_only = 1; /* a part's body: only CRLF ends a line */
		} else if (p[0] != ' ' && p[0] != '\t') {
			vg_http_header(h, cx, is_orig, &d->part, p, len);
		}
		break;
	case VG_MP_BODY:
		/* A part is an HTTP_Entity of its own: its lines go to the
		 * signatures through its DeliverBodyClear. */
		vg_an_sig_pdu(cx, is_orig ? VG_AN_SIG_HTTP_REQUEST_BODY : VG_AN_SIG_HTTP_REPLY_BODY,
			is_orig, (const uint8_t *)p, len,
			d->part.body_len == 0 ? VG_AN_SIG_BEGIN : 0);
		/* The CRLF after a line is added before the next one: the last
		 * belongs to the boundary (MIME_Entity::DecodeBinary). */
		d->part.body_len += len + (crlf ? 2 : 0);
		if (d->mp_first)
			file_data(h, cx, is_orig, &d->part, "\r\n", 2);
		d->mp_first = 0;
		d->in_piece = !crlf && !d->top.encoding;
		file_data(h, cx, is_orig, &d->part, p, len);
		d->in_piece = 0;
		if (crlf) {
			d->mp_first = 1;
			vg_file_touch(cx, d->file); /* the line is complete now */
		}
		break;
	default:
		break; /* preamble and epilogue */
	}
}

/* ---- bodies ---- */

/* HTTP_Entity::DeliverBodyClear */
static void
body_clear(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const char *p, uint32_t len,
	bool crlf)
{
	struct vg_http_dir *d = &h->dir[is_orig];
	struct vg_http_ent *e = &d->top;

	unsigned sig = e->body_len == 0 ? VG_AN_SIG_BEGIN : 0;
	enum vg_an_sig_type t = is_orig ? VG_AN_SIG_HTTP_REQUEST_BODY : VG_AN_SIG_HTTP_REPLY_BODY;

	e->body_len += len + (crlf ? 2 : 0);
	/*
	 * The body to the signatures, its first piece clearing the matcher
	 * (DeliverBodyClear). A multipart body's lines go to its part first
	 * (the part is an entity of its own, whose first body line clears the
	 * matcher again), then go on the top entity's match as well.
	 */
	if (e->multipart) {
		vg_http_part_line(h, cx, is_orig, p, len, crlf);
		vg_an_sig_pdu(cx, t, is_orig, (const uint8_t *)p, len, sig);
		return;
	}
	vg_an_sig_pdu(cx, t, is_orig, (const uint8_t *)p, len, sig);
	file_data(h, cx, is_orig, e, p, len);
	if (crlf)
		file_data(h, cx, is_orig, e, "\r\n", 2);
}

static void
inflate_body(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const char *p, uint32_t len)
{
	struct vg_http_dir *d = &h->dir[is_orig];
	struct inflater *z = inflater_get(d, d->top.encoding);

	if (!z || z->failed || z->finished)
		return;
	z->z.next_in = (Bytef *)(uintptr_t)p;
	z->z.avail_in = len;
	for (;;) {
		z->z.next_out = zout;
		z->z.avail_out = sizeof(zout);
		int rc = inflate(&z->z, Z_SYNC_FLUSH);
		if (rc == Z_DATA_ERROR && z->method == 2 && !z->raw_tried && z->out == 0) {
			/* deflate without the zlib header: try raw */
			z->raw_tried = 1;
			if (inflateReset2(&z->z, -15) != Z_OK)
				rc = Z_STREAM_ERROR;
			else {
				z->z.next_in = (Bytef *)(uintptr_t)p;
				z->z.avail_in = len;
				continue;
			}
		}
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
			vg_an_weird_src(cx, "inflate_failed", NULL, "ZIP");
			z->failed = 1;
			return;
		}
		uint32_t have = (uint32_t)(sizeof(zout) - z->z.avail_out);
		z->out += have;
		if (have)
			body_clear(h, cx, is_orig, (const char *)zout, have, false);
		if (d->zslot < 0)
			return; /* the message ended meanwhile */
		if (rc == Z_STREAM_END) {
			z->finished = 1;
			return;
		}
		if (z->z.avail_in == 0 && z->z.avail_out != 0)
			return;
		if (rc == Z_BUF_ERROR && z->z.avail_in == 0)
			return;
	}
}

/* HTTP_Entity::DeliverBody of the top entity */
void
vg_http_body(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const char *p, uint32_t len,
	bool crlf)
{
	struct vg_http_ent *e = &h->dir[is_orig].top;

	if (e->encoding && !e->multipart)
		inflate_body(h, cx, is_orig, p, len);
	else
		body_clear(h, cx, is_orig, p, len, crlf);
}
