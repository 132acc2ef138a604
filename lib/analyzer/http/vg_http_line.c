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
 *
 * A line that ends in the delivery it began in goes to vg_http_line() where
 * it lies. Only one that spans deliveries (or runs long) is gathered in a
 * side buffer of the worker's (vg_an_buf_get, VG_HTTP_LINE_MAX bytes), held
 * until a delivery ends with no line begun. When none is free the line keeps
 * only its last VG_HTTP_TAIL bytes, as an over-long line does (counted in
 * http_lines_cut).
 */
#include "vg_http.h"

/* Gives the line buffer back when no line is begun in it. */
void
vg_http_line_release(struct vg_an_ctx *cx, struct vg_http_dir *d)
{
	if (d->line != NULL && d->line_len == 0 && d->over == 0) {
		vg_an_buf_put(cx, d->line, VG_HTTP_LINE_MAX);
		d->line = NULL;
	}
}

static void
emit(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, struct vg_http_dir *d)
{
	char tail_only[VG_HTTP_TAIL];
	char *line = d->line != NULL ? d->line : tail_only; /* no buffer: line_len is 0 */

	if (d->over > 0) {
		/* The line was too long: its head and its last bytes are kept. */
		uint32_t n = VG_MIN(d->over, (uint32_t)VG_HTTP_TAIL);
		for (uint32_t i = 0; i < n; i++)
			line[d->line_len++] = (char)d->tail[(d->tail_pos - n + i) % VG_HTTP_TAIL];
		vg_an_weird_src(cx, "contentline_size_exceeded", NULL, "CONTENTLINE");
		vg_http_stats.lines_cut++;
		d->over = 0;
		d->tail_pos = 0;
	}
	uint32_t n = d->line_len;
	d->line_len = 0;
	d->piece_cont = d->frag_cont;
	d->frag_cont = 0;
	vg_http_line(h, cx, is_orig, line, n, true);
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
	if (d->over == 0 && d->line == NULL)
		d->line = vg_an_buf_get(cx, VG_HTTP_LINE_MAX); /* NULL: only the tail is kept */
	if (d->over == 0 && d->line_len < VG_HTTP_LINE_MAX - VG_HTTP_TAIL && d->line != NULL) {
		d->line[d->line_len++] = (char)c;
		return;
	}
	if (d->crlf_only && d->over == 0 && d->line != NULL) {
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

/*
 * A line that begins at p and ends within the delivery (and within the
 * buffer's size) goes to vg_http_line() where it lies, as line_once would
 * have handed it over; returns the bytes consumed, 0 when line_once must
 * do it (a line begun before, only-CRLF mode, the LF of a CRLF split after
 * the CR, or a line that does not end here).
 */
static uint32_t
line_whole(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, struct vg_http_dir *d,
	const uint8_t *p, uint32_t len)
{
	uint32_t lim = VG_MIN(len, (uint32_t)(VG_HTTP_LINE_MAX - VG_HTTP_TAIL) + 1), i, used;

	if (d->crlf_only || d->line_len != 0 || d->over != 0 ||
		(d->last_char == '\r' && p[0] == '\n'))
		return 0;
	for (i = 0; i < lim && p[i] != '\r' && p[i] != '\n'; i++)
		;
	if (i == lim)
		return 0;
	if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n') {
		d->last_char = '\n';
		used = i + 2;
	} else {
		d->last_char = p[i];
		used = i + 1;
	}
	d->piece_cont = d->frag_cont;
	d->frag_cont = 0;
	vg_http_line(h, cx, is_orig, (const char *)p, i, true);
	return used;
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
			n = line_whole(h, cx, is_orig, d, p, len);
			if (n == 0)
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
	vg_http_line_release(cx, d);
}

void
vg_http_eof_line(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig)
{
	struct vg_http_dir *d = &h->dir[is_orig];

	if (d->line_len > 0 || d->over > 0)
		vg_http_deliver(h, cx, is_orig, (const uint8_t *)"\n", 1);
}
