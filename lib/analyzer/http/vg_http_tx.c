/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The script layer of Zeek's HTTP analysis: base/protocols/http/main.zeek
 * (the pending table of HTTP::Info records, set_state, the http_request,
 * http_reply, http_header and http_message_done handlers, finalize_http)
 * and entities.zeek (fuids, filenames and MIME types of the files), and
 * http.log built from a finished record.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "vg_http.h"
#include "vg_record.h"

_Thread_local struct vg_http_stats vg_http_stats;

void
vg_http_stats_get(struct vg_http_stats *out)
{
	*out = vg_http_stats;
}

static const char *const counter_names[] = {
	"http_requests",
	"http_replies",
	"http_lines_cut",
	"http_pending_flushed",
	"http_strings_cut",
	"http_inflate_busy",
	"http_log_drops",
};
VG_AN_COUNTERS(, vg_http_counters, vg_http_stats, counter_names);

enum {
	C_TRANS_DEPTH = 6,
	C_NCOLS = 31,
};

#define F(n, t)                                                                                    \
	{                                                                                          \
		n, VG_FT_##t, VG_FEAT_BASE                                                         \
	}
static const struct vg_field http_fields[C_NCOLS] = {
	VG_AN_CONN_PREFIX_FIELDS,
	F("trans_depth", COUNT),
	F("method", STRING),
	F("host", STRING),
	F("uri", STRING),
	F("referrer", STRING),
	F("version", STRING),
	F("user_agent", STRING),
	F("origin", STRING),
	F("request_body_len", COUNT),
	F("response_body_len", COUNT),
	F("status_code", COUNT),
	F("status_msg", STRING),
	F("info_code", COUNT),
	F("info_msg", STRING),
	F("tags", SET_ENUM), /* vigil never has a tag */
	F("username", STRING),
	F("password", STRING),
	F("proxied", SET_STRING),
	F("orig_fuids", VECTOR_STRING),
	F("orig_filenames", VECTOR_STRING),
	F("orig_mime_types", VECTOR_STRING),
	F("resp_fuids", VECTOR_STRING),
	F("resp_filenames", VECTOR_STRING),
	F("resp_mime_types", VECTOR_STRING),
	/* vigil: an Istio shadow copy vigil took itself (--shadow-listen, doc/shadow.md) */
	{"shadowed", VG_FT_BOOL, VG_FEAT_SHADOW},
};
#undef F

struct vg_schema vg_http_schema = {0, "http", C_NCOLS, http_fields};

_Static_assert(sizeof(struct vg_http_txmem) <= VG_AN_BUF_MAX, "a side buffer holds the strings");

/* ---- strings in a transaction's arena ---- */

void
vg_http_tx_set(struct vg_http_tx *t, enum vg_http_sfield f, const char *s, uint32_t len)
{
	uint32_t room = VG_HTTP_ARENA - t->used;
	uint32_t cap = f == VG_HTTP_S_URI ? VG_HTTP_URI_MAX : VG_HTTP_STR_MAX;

	if (t->m == NULL) {
		vg_http_stats.strings_cut++; /* no side buffer was free */
		return;
	}
	if (len > room || len > cap) {
		vg_http_stats.strings_cut++;
		len = VG_MIN(room, cap);
	}
	memcpy(t->m->arena + t->used, s, len);
	t->str[f].off = t->used;
	t->str[f].len = (uint16_t)len;
	t->used = (uint16_t)(t->used + len);
	t->str_set |= (uint16_t)(1u << f);
}

void
vg_http_tx_push(struct vg_http_tx *t, enum vg_http_vfield f, const char *s, uint32_t len)
{
	uint32_t room = VG_HTTP_ARENA - t->used;

	t->vec_set |= (uint8_t)(1u << f);
	if (t->nvec[f] >= VG_HTTP_VEC_MAX)
		return;
	if (t->m == NULL) {
		vg_http_stats.strings_cut++; /* no side buffer was free */
		return;
	}
	if (f == VG_HTTP_V_PROXIED) /* a set: no duplicates */
		for (uint8_t i = 0; i < t->nvec[f]; i++)
			if (t->m->vec[f][i].len == len &&
				memcmp(t->m->arena + t->m->vec[f][i].off, s, len) == 0)
				return;
	if (len > room || len > VG_HTTP_STR_MAX) {
		vg_http_stats.strings_cut++;
		len = VG_MIN(room, (uint32_t)VG_HTTP_STR_MAX);
	}
	memcpy(t->m->arena + t->used, s, len);
	t->m->vec[f][t->nvec[f]].off = t->used;
	t->m->vec[f][t->nvec[f]].len = (uint16_t)len;
	t->nvec[f]++;
	t->used = (uint16_t)(t->used + len);
}

/* ---- http.log ---- */

static void
rec_str(struct vg_rec *r, const struct vg_http_tx *t, enum vg_http_sfield f)
{
	if (t->str_set & (1u << f))
		vg_rec_str(r, t->m->arena + t->str[f].off, t->str[f].len);
	else
		vg_rec_unset(r);
}

static void
rec_vec(struct vg_rec *r, const struct vg_http_tx *t, enum vg_http_vfield f)
{
	if (!(t->vec_set & (1u << f))) {
		vg_rec_unset(r);
		return;
	}
	uint8_t n = t->m != NULL ? t->nvec[f] : 0;

	vg_rec_set_begin(r, n);
	for (uint8_t i = 0; i < n; i++)
		vg_rec_str(r, t->m->arena + t->m->vec[f][i].off, t->m->vec[f][i].len);
}

/* The first columns up to host: a shadow copy's with its real endpoints and host. */
static void
tx_log_head(struct vg_an_ctx *cx, struct vg_rec *r, const struct vg_http_tx *t)
{
	char host[VG_HTTP_STR_MAX];
	uint32_t hlen = 0;
	bool has_host = t->str_set & (1u << VG_HTTP_S_HOST);

	if (!vg_an_shadowed(cx)) {
		vg_an_rec_begin(cx, r, vg_http_schema.id, t->ts);
		vg_rec_count(r, t->depth);
		rec_str(r, t, VG_HTTP_S_METHOD);
		rec_str(r, t, VG_HTTP_S_HOST);
		return;
	}
	if (has_host)
		hlen = vg_http_shadow_host(t->m->arena + t->str[VG_HTTP_S_HOST].off,
			t->str[VG_HTTP_S_HOST].len, host, sizeof(host));
	vg_http_shadow_rec_begin(cx, r, t, has_host ? host : NULL, hlen);
	vg_rec_count(r, t->depth);
	rec_str(r, t, VG_HTTP_S_METHOD);
	if (has_host)
		vg_rec_str(r, host, hlen);
	else
		vg_rec_unset(r);
}

static void
tx_log(struct vg_an_ctx *cx, const struct vg_http_tx *t)
{
	struct vg_rec r;

	tx_log_head(cx, &r, t);
	rec_str(&r, t, VG_HTTP_S_URI);
	rec_str(&r, t, VG_HTTP_S_REFERRER);
	rec_str(&r, t, VG_HTTP_S_VERSION);
	rec_str(&r, t, VG_HTTP_S_USER_AGENT);
	rec_str(&r, t, VG_HTTP_S_ORIGIN);
	vg_rec_count(&r, t->req_body_len);
	vg_rec_count(&r, t->resp_body_len);
	if (t->has_status)
		vg_rec_count(&r, t->status_code);
	else
		vg_rec_unset(&r);
	rec_str(&r, t, VG_HTTP_S_STATUS_MSG);
	if (t->has_info)
		vg_rec_count(&r, t->info_code);
	else
		vg_rec_unset(&r);
	rec_str(&r, t, VG_HTTP_S_INFO_MSG);
	vg_rec_set_begin(&r, 0); /* tags */
	rec_str(&r, t, VG_HTTP_S_USERNAME);
	rec_str(&r, t, VG_HTTP_S_PASSWORD);
	rec_vec(&r, t, VG_HTTP_V_PROXIED);
	rec_vec(&r, t, VG_HTTP_V_ORIG_FUIDS);
	rec_vec(&r, t, VG_HTTP_V_ORIG_FILENAMES);
	rec_vec(&r, t, VG_HTTP_V_ORIG_MIME);
	rec_vec(&r, t, VG_HTTP_V_RESP_FUIDS);
	rec_vec(&r, t, VG_HTTP_V_RESP_FILENAMES);
	rec_vec(&r, t, VG_HTTP_V_RESP_MIME);
	vg_rec_bool(&r, vg_an_shadowed(cx));
	if (!vg_an_rec_write(cx, &r))
		vg_http_stats.log_drops++;
}

/* ---- the pending table ---- */

struct vg_http_tx *
vg_http_tx_by_idx(struct vg_http *h, uint32_t idx)
{
	for (int i = 0; i < VG_HTTP_PENDING; i++)
		if (h->tx[i].in_use && h->tx[i].idx == idx)
			return &h->tx[i];
	return NULL;
}

struct vg_http_tx *
vg_http_cur(struct vg_http *h)
{
	return h->cur_tx >= 0 && h->tx[h->cur_tx].in_use ? &h->tx[h->cur_tx] : NULL;
}

static void
tx_delete(struct vg_an_ctx *cx, struct vg_http_tx *t)
{
	t->in_use = 0;
	/* c$http still names the logged record; writes to it are lost. */
	vg_an_buf_put(cx, t->m, sizeof(*t->m));
	t->m = NULL;
}

/* A free slot; when all are taken the oldest is logged now (counted). */
static struct vg_http_tx *
tx_slot(struct vg_http *h, struct vg_an_ctx *cx)
{
	struct vg_http_tx *old = NULL;

	for (int i = 0; i < VG_HTTP_PENDING; i++) {
		if (!h->tx[i].in_use)
			return &h->tx[i];
		if (!old || h->tx[i].idx < old->idx)
			old = &h->tx[i];
	}
	vg_http_stats.pending_flushed++;
	if (old->idx != 0)
		tx_log(cx, old);
	tx_delete(cx, old);
	return old;
}

/* main.zeek's set_state: the record of the current request or response. */
struct vg_http_tx *
vg_http_set_state(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig)
{
	uint32_t idx = is_orig ? h->cur_req : h->cur_resp;
	struct vg_http_tx *t;

	/* A shadow copy's reply is vigil's own: it goes into no record. */
	if (!is_orig && vg_an_shadowed(cx))
		return NULL;
	t = vg_http_tx_by_idx(h, idx);

	if (!t) {
		t = tx_slot(h, cx);
		memset(t, 0, sizeof(*t));
		t->m = vg_an_buf_get(cx, sizeof(*t->m));
		t->in_use = 1;
		t->idx = idx;
		t->ts = vg_an_now(cx);
		t->depth = ++h->trans_depth;
	}
	h->cur_tx = (int32_t)(t - h->tx);
	return t;
}

static bool
known_method(const char *m, uint32_t n)
{
	/* HTTP::http_methods (main.zeek) */
	static const char *const methods[] = {"GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE",
		"TRACE", "CONNECT", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK",
		"UNLOCK", "POLL", "REPORT", "SUBSCRIBE", "BMOVE", "SEARCH"};
	for (size_t i = 0; i < VG_ARRAY_SIZE(methods); i++)
		if (strlen(methods[i]) == n && memcmp(methods[i], m, n) == 0)
			return true;
	return false;
}

void
vg_http_ev_request(struct vg_http *h, struct vg_an_ctx *cx, const char *method, uint32_t mlen,
	const char *uri, uint32_t ulen)
{
	if (h->cur_req < h->cur_resp) {
		vg_an_weird_src(
			cx, "HTTP_response_before_request", NULL, NULL); /* a script weird */
		h->cur_req = h->cur_resp;
	}
	++h->cur_req;
	struct vg_http_tx *t = vg_http_set_state(h, cx, true);
	vg_http_tx_set(t, VG_HTTP_S_METHOD, method, mlen);
	vg_http_tx_set(t, VG_HTTP_S_URI, uri, ulen);
	if (!known_method(method, mlen)) {
		char m[64];
		uint32_t n = VG_MIN(mlen, (uint32_t)sizeof(m) - 1);
		memcpy(m, method, n);
		m[n] = '\0';
		vg_an_weird_src(cx, "unknown_HTTP_method", m, NULL); /* a script weird */
	}
}

static bool
informational(uint16_t code)
{
	return code >= 100 && code <= 199;
}

void
vg_http_ev_reply(
	struct vg_http *h, struct vg_an_ctx *cx, uint16_t code, const char *reason, uint32_t rlen)
{
	if (vg_an_shadowed(cx))
		return; /* vigil's own answer (vg_http_set_state) */
	struct vg_http_tx *cur = vg_http_tx_by_idx(h, h->cur_resp);
	if (!cur || (cur->has_status && !informational(cur->status_code)))
		++h->cur_resp;
	struct vg_http_tx *t = vg_http_set_state(h, cx, false);
	t->status_code = code;
	t->has_status = 1;
	vg_http_tx_set(t, VG_HTTP_S_STATUS_MSG, reason, rlen);
	char ver[8];
	ver[0] = (char)('0' + h->dir[0].ver_major);
	ver[1] = '.';
	ver[2] = (char)('0' + h->dir[0].ver_minor);
	vg_http_tx_set(t, VG_HTTP_S_VERSION, ver, 3);
	if (informational(code)) {
		t->info_code = code;
		t->has_info = 1;
		vg_http_tx_set(t, VG_HTTP_S_INFO_MSG, reason, rlen);
	}
	/*
	 * main.zeek's http_reply: an answered CONNECT is a Tunnel::HTTP, with
	 * orig_p 0 (every connection through the proxy is the one tunnel).
	 */
	if (code == 200 && (t->str_set & (1u << VG_HTTP_S_METHOD)) &&
		t->str[VG_HTTP_S_METHOD].len == 7 &&
		memcmp(t->m->arena + t->str[VG_HTTP_S_METHOD].off, "CONNECT", 7) == 0) {
		struct vg_addr oh, rh;
		uint16_t rp;

		vg_an_id(cx, &oh, NULL, &rh, &rp);
		vg_an_tunnel_register(cx, "Tunnel::HTTP", &oh, 0, &rh, rp);
	}
}

static bool
name_is(const char *n, uint32_t len, const char *upper)
{
	return vg_http_ieq(n, len, upper);
}

static bool
proxy_header(const char *n, uint32_t len)
{
	/* HTTP::proxy_headers (main.zeek) */
	static const char *const names[] = {"FORWARDED", "X-FORWARDED-FOR", "X-FORWARDED-FROM",
		"CLIENT-IP", "VIA", "XROXY-CONNECTION", "PROXY-CONNECTION"};
	for (size_t i = 0; i < VG_ARRAY_SIZE(names); i++)
		if (name_is(n, len, names[i]))
			return true;
	return false;
}

static void
basic_auth(struct vg_http_tx *t, const char *v, uint32_t len)
{
	/* /^[bB][aA][sS][iI][cC] / then the blanks after "basic" go */
	if (len < 6 || !vg_http_ieq(v, 5, "basic") || v[5] != ' ')
		return;
	uint32_t i = 5;
	while (i < len && (v[i] == ' ' || v[i] == '\t'))
		i++;
	char up[512];
	uint32_t n = vg_http_base64(v + i, len - i, up, sizeof(up));
	for (uint32_t k = 0; k < n; k++)
		if (up[k] == ':') {
			vg_http_tx_set(t, VG_HTTP_S_USERNAME, up, k);
			/* HTTP::default_capture_password is F: no password. */
			return;
		}
	char msg[600];
	int m = snprintf(msg, sizeof(msg), "<problem-decoding> (%.*s)", (int)VG_MIN(len, 500u), v);
	vg_http_tx_set(t, VG_HTTP_S_USERNAME, msg, (uint32_t)VG_MIN(m, (int)sizeof(msg) - 1));
}

void
vg_http_ev_header(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const char *name,
	uint32_t nlen, const char *value, uint32_t vlen)
{
	struct vg_http_tx *t = vg_http_set_state(h, cx, is_orig);

	if (!is_orig)
		return;
	if (vg_an_shadowed(cx))
		vg_http_shadow_header(t, name, nlen, value, vlen);
	if (name_is(name, nlen, "REFERER"))
		vg_http_tx_set(t, VG_HTTP_S_REFERRER, value, vlen);
	else if (name_is(name, nlen, "HOST"))
		vg_http_tx_set(t, VG_HTTP_S_HOST, value, vlen);
	else if (name_is(name, nlen, "RANGE"))
		;
	else if (name_is(name, nlen, "ORIGIN"))
		vg_http_tx_set(t, VG_HTTP_S_ORIGIN, value, vlen);
	else if (name_is(name, nlen, "USER-AGENT"))
		vg_http_tx_set(t, VG_HTTP_S_USER_AGENT, value, vlen);
	else if (proxy_header(name, nlen)) {
		char buf[VG_HTTP_ARENA];
		uint32_t n = 0;
		for (uint32_t i = 0; i < nlen && n < sizeof(buf); i++) {
			char c = name[i];
			buf[n++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
		}
		const char *arrow = " -> ";
		for (int i = 0; arrow[i] && n < sizeof(buf); i++)
			buf[n++] = arrow[i];
		uint32_t m = VG_MIN(vlen, (uint32_t)sizeof(buf) - n);
		memcpy(buf + n, value, m);
		vg_http_tx_push(t, VG_HTTP_V_PROXIED, buf, n + m);
	} else if (name_is(name, nlen, "AUTHORIZATION") ||
		name_is(name, nlen, "PROXY-AUTHORIZATION"))
		basic_auth(t, value, vlen);
}

void
vg_http_ev_message_done(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, uint64_t body_len)
{
	struct vg_http_tx *t = vg_http_set_state(h, cx, is_orig);

	if (t == NULL)
		return; /* a shadow copy's reply */
	if (is_orig)
		t->req_body_len = body_len;
	else
		t->resp_body_len = body_len;
	/* A shadow copy is logged as soon as it is whole: no reply of its own will come. */
	if ((is_orig && vg_an_shadowed(cx)) ||
		(!is_orig && !(t->has_status && informational(t->status_code)))) {
		tx_log(cx, t);
		tx_delete(cx, t);
	}
}

/* entities.zeek's file_over_new_connection: the file goes to c$http. */
void
vg_http_ev_file(struct vg_http *h, bool is_orig, const char *fuid, const char *fname, uint32_t flen)
{
	struct vg_http_tx *t = vg_http_cur(h);
	struct vg_http_dir *d = &h->dir[is_orig];

	d->file_tx_ok = t != NULL;
	if (!t)
		return;
	d->file_tx_idx = t->idx;
	enum vg_http_vfield fv = is_orig ? VG_HTTP_V_ORIG_FUIDS : VG_HTTP_V_RESP_FUIDS;
	if (t->nvec[fv] >= VG_HTTP_VEC_MAX)
		return;
	vg_http_tx_push(t, fv, fuid, (uint32_t)strlen(fuid));
	if (fname)
		vg_http_tx_push(t, is_orig ? VG_HTTP_V_ORIG_FILENAMES : VG_HTTP_V_RESP_FILENAMES,
			fname, flen);
}

/* entities.zeek's file_sniff: the MIME type goes to the file's record. */
void
vg_http_ev_mime(struct vg_http *h, bool is_orig, uint32_t tx_idx, const char *mime)
{
	struct vg_http_tx *t = vg_http_tx_by_idx(h, tx_idx);

	if (!t || !mime)
		return;
	vg_http_tx_push(t, is_orig ? VG_HTTP_V_ORIG_MIME : VG_HTTP_V_RESP_MIME, mime,
		(uint32_t)strlen(mime));
}

/* finalize_http: every pending record but index 0, in index order. */
void
vg_http_finalize(struct vg_http *h, struct vg_an_ctx *cx)
{
	for (;;) {
		struct vg_http_tx *next = NULL;
		for (int i = 0; i < VG_HTTP_PENDING; i++)
			if (h->tx[i].in_use && (!next || h->tx[i].idx < next->idx))
				next = &h->tx[i];
		if (!next)
			return;
		if (next->idx != 0)
			tx_log(cx, next);
		tx_delete(cx, next);
	}
}
