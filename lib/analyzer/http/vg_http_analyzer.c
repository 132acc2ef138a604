/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP analyzer's registry entry: ports, the content probe, and the
 * framework's calls mapped onto Zeek's HTTP_Analyzer (DeliverStream,
 * Undelivered, EndpointEOF, FlipRoles, Done) and finalize_http.
 */
#include <string.h>

#include "vg_http.h"

/* HTTP::ports (base/protocols/http/main.zeek) */
static const uint16_t http_tcp_ports[] = {80, 81, 631, 1080, 3128, 8000, 8080, 8888, 0};

static bool
is_space(uint8_t c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * Zeek's DPD signatures (base/protocols/http/dpd.sig): the client starts
 * with optional whitespace and one of the methods below; the server with
 * "HTTP/" and a digit.
 */
static const char *const dpd_methods[] = {"OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE",
	"TRACE", "CONNECT", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK",
	"VERSION-CONTROL", "REPORT", "CHECKOUT", "CHECKIN", "UNCHECKOUT", "MKWORKSPACE", "UPDATE",
	"LABEL", "MERGE", "BASELINE-CONTROL", "MKACTIVITY", "ORDERPATCH", "ACL", "PATCH", "SEARCH",
	"BCOPY", "BDELETE", "BMOVE", "BPROPFIND", "BPROPPATCH", "NOTIFY", "POLL", "SUBSCRIBE",
	"UNSUBSCRIBE", "X-MS-ENUMATTS", "RPC_OUT_DATA", "RPC_IN_DATA"};
static enum vg_an_probe
http_probe(const uint8_t *p, uint32_t len, bool is_orig)
{
	uint32_t i = 0;

	if (!is_orig) {
		static const char pre[] = "HTTP/";
		for (i = 0; i < 5; i++) {
			if (i >= len)
				return VG_PROBE_MAYBE;
			if (p[i] != (uint8_t)pre[i])
				return VG_PROBE_NO;
		}
		if (len < 6)
			return VG_PROBE_MAYBE;
		return p[5] >= '0' && p[5] <= '9' ? VG_PROBE_YES : VG_PROBE_NO;
	}
	while (i < len && is_space(p[i]))
		i++;
	if (i == len)
		return VG_PROBE_MAYBE;
	bool maybe = false;
	for (size_t m = 0; m < VG_ARRAY_SIZE(dpd_methods); m++) {
		uint32_t n = (uint32_t)strlen(dpd_methods[m]);
		uint32_t have = VG_MIN(n, len - i);
		if (memcmp(p + i, dpd_methods[m], have) != 0)
			continue;
		if (have == n)
			return VG_PROBE_YES;
		maybe = true;
	}
	return maybe ? VG_PROBE_MAYBE : VG_PROBE_NO;
}

static void
http_init(void *st, struct vg_an_ctx *cx)
{
	struct vg_http *h = st;

	(void)cx;
	for (int i = 0; i < 2; i++) {
		h->dir[i].zslot = -1;
		h->dir[i].delivery = -1;
	}
	h->cur_tx = -1;
}

static void
http_stream(void *st, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len)
{
	struct vg_http *h = st;

	if (is_orig)
		h->orig_bytes += len;
	vg_http_deliver(h, cx, is_orig, data, len);
}

static void
http_gap(void *st, struct vg_an_ctx *cx, bool is_orig, uint64_t len)
{
	vg_http_gap(st, cx, is_orig, len);
}

/* EndpointEOF: the partial line is flushed, then the message ends. */
static void
http_eof(void *st, struct vg_an_ctx *cx, bool is_orig)
{
	struct vg_http *h = st;

	vg_http_eof_line(h, cx, is_orig);
	vg_http_made(h, cx, is_orig, false);
}

/* FlipRoles: harmless before any request or reply, too late after. */
static void
http_flip(void *st)
{
	struct vg_http *h = st;

	if (h->num_requests > 0 || h->num_replies > 0) {
		h->dir[0].skip = h->dir[1].skip = 1; /* Zeek: HTTP_late_flip_roles */
		return;
	}
	uint8_t *a = (uint8_t *)&h->dir[0], *b = (uint8_t *)&h->dir[1];
	for (size_t i = 0; i < sizeof(h->dir[0]); i++) {
		uint8_t t = a[i];
		a[i] = b[i];
		b[i] = t;
	}
}

/* Done() and finalize_http: every pending record is written now. */
static void
http_end(void *st, struct vg_an_ctx *cx, enum vg_an_end why)
{
	struct vg_http *h = st;

	(void)why;
	vg_http_made(h, cx, true, true);
	vg_http_made(h, cx, false, true);
	for (int i = 0; i < 2; i++) {
		vg_http_file_end(h, cx, i);
		vg_http_inflate_end(&h->dir[i]);
	}
	vg_http_finalize(h, cx);
	for (int i = 0; i < 2; i++) {
		h->dir[i].line_len = h->dir[i].over = 0; /* a line left unfinished */
		vg_http_line_release(cx, &h->dir[i]);
	}
}

static const struct vg_an_log http_logs[] = {
	{&vg_http_schema, &vg_http_schema.id},
	{NULL, NULL},
};

const struct vg_analyzer vg_http_analyzer = {
	.name = "http",
	.transports = VG_AN_TCP,
	.tcp_ports = http_tcp_ports,
	.udp_ports = NULL,
	.state_size = sizeof(struct vg_http),
	.logs = http_logs,
	.counters = &vg_http_counters,
	.probe = http_probe,
	.init = http_init,
	.stream = http_stream,
	.gap = http_gap,
	.eof = http_eof,
	.datagram = NULL,
	.flip = http_flip,
	.end = http_end,
};
