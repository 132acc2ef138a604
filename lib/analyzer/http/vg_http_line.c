/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bytes to lines, per direction, as Zeek's ContentLine_Analyzer splits them
 * for HTTP: CR, LF and CRLF end a line (only CRLF inside a multipart part),
 * a CRLF split over two deliveries counts once, and "plain delivery" hands
 * the next N bytes through as they are (bodies). A line longer than the
 * buffer keeps its first VG_HTTP_LINE_MAX - VG_HTTP_TAIL bytes and its last
 * VG_HTTP_TAIL (so a long URI keeps its " HTTP/1.1"), with Zeek's weird
 * contentline_size_exceeded; Zeek's own limit is far larger. Each line goes to
 * vg_http_line(), which may switch the mode for the bytes after it.
 */
#include "vg_http.h"

static void
emit(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, struct vg_http_dir *d)
{
	if (d->over > 0) {
		/* The line was too long: its head and its last bytes are kept. */
		uint32_t n = VG_MIN(d->over, (uint32_t)VG_HTTP_TAIL);
		for (uint32_t i = 0; i < n; i++)
			d->line[d->line_len++] = d->tail[(d->tail_pos - n + i) % VG_HTTP_TAIL];
		vg_an_weird_src(cx, "contentline_size_exceeded", NULL, "CONTENTLINE");
		vg_http_stats.lines_cut++;
		d->over = 0;
		d->tail_pos = 0;
	}
	uint32_t n = d->line_len;
	d->line_len = 0;
	d->piece_cont = d->frag_cont;
	d->frag_cont = 0;
	vg_http_line(h, cx, is_orig, d->line, n, true);
}

/*
 * Inside a multipart part's body a long line is data, not a header: the
 * buffer goes on as a piece without a line end (a CR at its end waits for
 * the LF that may follow), so files and body lengths lose nothing.
 */
static void
emit_piece(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, struct vg_http_dir *d)
{
	uint32_t n = d->line_len;
	bool cr = n > 0 && d->line[n - 1] == '\r';

	if (cr)
		n--;
	d->piece_cont = d->frag_cont;
	d->frag_cont = 1;
	d->line_len = 0;
	vg_http_line(h, cx, is_orig, d->line, n, false);
	if (cr)
		d->line[d->line_len++] = '\r';
}

static void
push(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, struct vg_http_dir *d, uint8_t c)
{
	if (d->over == 0 && d->line_len < VG_HTTP_LINE_MAX - VG_HTTP_TAIL) {
		d->line[d->line_len++] = (char)c;
		return;
	}
	if (d->crlf_only && d->over == 0) {
		emit_piece(h, cx, is_orig, d);
		d->line[d->line_len++] = (char)c;
		return;
	}
	d->tail[d->tail_pos++ % VG_HTTP_TAIL] = c;
	d->over++;
}

/* Drops the line's last byte (the CR of a CRLF). */
static void
unpush(struct vg_http_dir *d)
{
	if (d->over > 0) {
		d->over--;
		d->tail_pos--;
	} else if (d->line_len > 0) {
		d->line_len--;
	}
}

/* Consumes bytes up to and including one line end; returns how many. */
static uint32_t
line_once(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, struct vg_http_dir *d,
	const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		uint8_t c = p[i];

		switch (c) {
		case '\r':
			if (i + 1 < len && p[i + 1] == '\n') {
				d->last_char = '\n';
				emit(h, cx, is_orig, d);
				return i + 2;
			}
			if (!d->crlf_only) {
				d->last_char = c;
				emit(h, cx, is_orig, d);
				return i + 1;
			}
			push(h, cx, is_orig, d, c);
			break;
		case '\n':
			if (d->last_char == '\r') {
				if (d->line_len == 0 && d->over == 0) {
					d->last_char = c;
					continue;
				}
				unpush(d); /* the CR before it */
				d->last_char = c;
				emit(h, cx, is_orig, d);
				return i + 1;
			}
			if (!d->crlf_only) {
				d->last_char = c;
				emit(h, cx, is_orig, d);
				return i + 1;
			}
			push(h, cx, is_orig, d, c);
			break;
		default:
			push(h, cx, is_orig, d, c);
			break;
		}
		d->last_char = c;
	}
	return len;
}

static bool
stopped(const struct vg_http *h, const struct vg_http_dir *d)
{
	return d->skip || h->tunnel || h->upgraded;
}

/*
 * ContentLine's delivery size: when the body of known length ends inside a
 * line, that line ends there (weird line_terminated_without_CRLF). Zeek
 * counts whole deliveries after the one that set the size; vigil counts the
 * bytes after the headers, so the result does not depend on segmentation.
 */
static void
count_delivery(
	struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, int64_t was, uint32_t consumed)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	if (d->delivery != was) {
		d->delivery_fresh = d->delivery > 0; /* set by this step */
		return;
	}
	if (was <= 0)
		return;
	d->delivery_fresh = 0;
	d->delivery -= VG_MIN((int64_t)consumed, d->delivery);
	if (d->delivery > 0)
		return;
	d->delivery = -1;
	if (d->line_len > 0 || d->over > 0) {
		vg_an_weird_src(cx, "line_terminated_without_CRLF", NULL, "CONTENTLINE");
		line_once(h, cx, is_orig, d, (const uint8_t *)"\r\n", 2);
	}
}

static void
deliver_run(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const uint8_t *p, uint32_t len)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	while (len > 0 && !stopped(h, d)) {
		int64_t was = d->delivery;
		if (!d->crlf_only && d->last_char == '\r' && *p == '\n') {
			/* the LF of a CRLF split after the CR: part of that line */
			d->last_char = '\n';
			p++;
			len--;
			if (d->delivery_fresh)
				d->delivery_fresh = 0; /* that line set the size: not body */
			else
				count_delivery(h, cx, is_orig, was, 1);
			continue;
		}
		uint32_t n;
		if (d->plain > 0) {
			n = (uint32_t)VG_MIN((int64_t)len, d->plain);
			d->last_char = 0;
			d->plain -= n;
			vg_http_plain(h, cx, is_orig, p, n);
		} else {
			n = line_once(h, cx, is_orig, d, p, len);
		}
		p += n;
		len -= n;
		count_delivery(h, cx, is_orig, was, n);
	}
}

void
vg_http_deliver(
	struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const uint8_t *p, uint32_t len)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	if (len == 0 || stopped(h, d))
		return;
	if (!is_orig && d->state == VG_HTTP_REPLY_HTTP09) {
		/* Zeek removed the responder's line splitter: raw data. */
		vg_http_http09(h, cx, p, len);
		return;
	}
	deliver_run(h, cx, is_orig, p, len);
}

void
vg_http_eof_line(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	if (d->line_len > 0 || d->over > 0)
		vg_http_deliver(h, cx, is_orig, (const uint8_t *)"\n", 1);
}
