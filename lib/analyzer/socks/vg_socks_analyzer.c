/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SOCKS analyzer's entry in the registry, socks.log, and what the
 * script does with the analyzer's events (scripts/base/protocols/socks/
 * main.zeek): set_session on the first event, the request's endpoints as a
 * Tunnel::SOCKS tunnel, the status from consts.zeek's tables, and the
 * record written when the connection goes, if SOCKS is still in its
 * service (finalize_socks).
 */
#include <stdio.h>
#include <string.h>

#include "vg_socks.h"

enum {
	COL_TS,
	COL_UID,
	COL_ORIG_H,
	COL_ORIG_P,
	COL_RESP_H,
	COL_RESP_P,
	COL_VERSION,
	COL_USER,
	COL_PASSWORD,
	COL_STATUS,
	COL_REQUEST_HOST,
	COL_REQUEST_NAME,
	COL_REQUEST_P,
	COL_BOUND_HOST,
	COL_BOUND_NAME,
	COL_BOUND_P,
	NCOLS
};

static const struct vg_field socks_fields[NCOLS] = {
	VG_AN_CONN_PREFIX_FIELDS,
	[COL_VERSION] = {"version", VG_FT_COUNT, VG_FEAT_BASE},
	[COL_USER] = {"user", VG_FT_STRING, VG_FEAT_BASE},
	[COL_PASSWORD] = {"password", VG_FT_STRING, VG_FEAT_BASE},
	[COL_STATUS] = {"status", VG_FT_STRING, VG_FEAT_BASE},
	[COL_REQUEST_HOST] = {"request.host", VG_FT_ADDR, VG_FEAT_BASE},
	[COL_REQUEST_NAME] = {"request.name", VG_FT_STRING, VG_FEAT_BASE},
	[COL_REQUEST_P] = {"request_p", VG_FT_PORT, VG_FEAT_BASE},
	[COL_BOUND_HOST] = {"bound.host", VG_FT_ADDR, VG_FEAT_BASE},
	[COL_BOUND_NAME] = {"bound.name", VG_FT_STRING, VG_FEAT_BASE},
	[COL_BOUND_P] = {"bound_p", VG_FT_PORT, VG_FEAT_BASE},
};

static const struct vg_schema socks_schema = {
	.path = "socks",
	.nfields = NCOLS,
	.fields = socks_fields,
};

static uint16_t socks_log_id;

static const struct vg_an_log socks_logs[] = {
	{&socks_schema, &socks_log_id},
	{NULL, NULL},
};

/* main.zeek: const ports = { 1080/tcp } */
static const uint16_t socks_tcp_ports[] = {1080, 0};

/* ---- consts.zeek ---- */

const char *
vg_socks_status_name(uint8_t kind, uint8_t code, char *buf, uint32_t cap)
{
	static const char *const v5[] = {
		"succeeded",
		"general SOCKS server failure",
		"connection not allowed by ruleset",
		"Network unreachable",
		"Host unreachable",
		"Connection refused",
		"TTL expired",
		"Command not supported",
		"Address type not supported",
	};
	static const char *const v4[] = {
		"succeeded",
		"general SOCKS server failure",
		"request failed because client is not running identd",
		"request failed because client's identd could not confirm the user ID string in "
		"the "
		"request",
	};

	if (kind == VG_SOCKS_ST_V5 && code < sizeof(v5) / sizeof(v5[0]))
		return v5[code];
	if (kind == VG_SOCKS_ST_V4 && code >= 0x5a && code <= 0x5d)
		return v4[code - 0x5a];
	snprintf(buf, cap, "unknown-%u", code); /* the tables' &default */
	return buf;
}

/* ---- the script's event handlers ---- */

void
vg_socks_session(struct vg_socks *s, struct vg_an_ctx *cx, uint8_t version)
{
	if (s->session)
		return;
	s->session = true;
	s->ts = vg_an_now(cx);
	s->version = version;
}

void
vg_socks_on_request(struct vg_socks *s, struct vg_an_ctx *cx, uint8_t version,
	const struct vg_socks_addr *sa, uint16_t port)
{
	struct vg_addr oh, rh;
	uint16_t rp;

	vg_socks_session(s, cx, version);
	s->request = *sa;
	s->request_p = port;
	s->has_request = true;
	/*
	 * The connection's id with orig_p 0: every connection a client makes
	 * through the proxy is the one tunnel.
	 */
	vg_an_id(cx, &oh, NULL, &rh, &rp);
	vg_an_tunnel_register(cx, "Tunnel::SOCKS", &oh, 0, &rh, rp);
}

void
vg_socks_on_reply(struct vg_socks *s, struct vg_an_ctx *cx, uint8_t version, uint8_t reply,
	const struct vg_socks_addr *sa, uint16_t port)
{
	vg_socks_session(s, cx, version);
	if (version == 5 || version == 4) {
		s->status_kind = version == 5 ? VG_SOCKS_ST_V5 : VG_SOCKS_ST_V4;
		s->status_code = reply;
	}
	s->bound = *sa;
	s->bound_p = port;
	s->has_bound = true;
}

void
vg_socks_on_login(struct vg_socks *s, struct vg_an_ctx *cx, const uint8_t *user, uint8_t len)
{
	vg_socks_session(s, cx, 5);
	memcpy(s->user, user, len);
	s->user_len = len;
	s->has_user = true;
	/* The password is logged only with SOCKS::default_capture_password (F). */
}

void
vg_socks_on_login_reply(struct vg_socks *s, struct vg_an_ctx *cx, uint8_t code)
{
	vg_socks_session(s, cx, 5);
	s->status_kind = VG_SOCKS_ST_V5;
	s->status_code = code;
}

/* ---- socks.log ---- */

static void
rec_addr(struct vg_rec *r, const struct vg_socks_addr *a, bool has)
{
	if (has && a->has_host)
		vg_rec_addr(r, &a->host);
	else
		vg_rec_unset(r);
	if (has && a->has_name)
		vg_rec_str(r, a->name, a->name_len);
	else
		vg_rec_unset(r);
}

static void
write_log(struct vg_socks *s, struct vg_an_ctx *cx)
{
	struct vg_rec r;
	char buf[32];

	vg_an_rec_begin(cx, &r, socks_log_id, s->ts);
	vg_rec_count(&r, s->version);
	if (s->has_user)
		vg_rec_str(&r, s->user, s->user_len);
	else
		vg_rec_unset(&r);
	vg_rec_unset(&r); /* password */
	if (s->status_kind != VG_SOCKS_ST_NONE)
		vg_rec_cstr(
			&r, vg_socks_status_name(s->status_kind, s->status_code, buf, sizeof(buf)));
	else
		vg_rec_unset(&r);
	rec_addr(&r, &s->request, s->has_request);
	if (s->has_request)
		vg_rec_port(&r, s->request_p);
	else
		vg_rec_unset(&r);
	rec_addr(&r, &s->bound, s->has_bound);
	if (s->has_bound)
		vg_rec_port(&r, s->bound_p);
	else
		vg_rec_unset(&r);
	vg_an_rec_write(cx, &r);
}

/* ---- the analyzer's callbacks ---- */

static void
socks_init(void *st, struct vg_an_ctx *cx)
{
	struct vg_socks *s = st;

	(void)cx;
	s->v5_method = 255;
}

/*
 * SOCKS_Analyzer::DeliverStream: until both sides are done with their part,
 * each delivery is a message; after, the bytes are the tunnelled
 * application's, for the analyzers content detection finds.
 */
static void
socks_stream(void *st, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len)
{
	struct vg_socks *s = st;

	if (s->orig_done && s->resp_done)
		return;
	vg_socks_message(s, cx, is_orig, data, len);
	if (s->orig_done && s->resp_done)
		vg_an_redetect(cx);
}

static void
socks_flip(void *st)
{
	struct vg_socks *s = st;
	bool d = s->orig_done;

	s->orig_done = s->resp_done;
	s->resp_done = d;
}

/* finalize_socks: logged only while "SOCKS" is in c$service. */
static void
socks_end(void *st, struct vg_an_ctx *cx, enum vg_an_end why)
{
	struct vg_socks *s = st;

	(void)why;
	if (s->session && vg_an_in_service(cx))
		write_log(s, cx);
}

/*
 * dpd.sig: a SOCKS4 request (\x04 then CONNECT or BIND, then a NUL within
 * the next 39 bytes) and its reply (\x00 then a status 0x5a-0x5d), in
 * either direction; or a SOCKS5 greeting offering method 0, 1 or 2 in its
 * first slot, answered by \x05\x00 or \x05\x01 and one of those. The
 * analyzer attaches when both directions matched (requires-reverse-
 * signature); the pairing of a v4 side with a v5 side is not checked.
 */
static enum vg_an_probe
v4_request_sig(const uint8_t *d, uint32_t len)
{
	if (len < 1)
		return VG_PROBE_MAYBE;
	if (d[0] != 0x04)
		return VG_PROBE_NO;
	if (len < 2)
		return VG_PROBE_MAYBE;
	if (d[1] != 0x01 && d[1] != 0x02)
		return VG_PROBE_NO;
	/* .{0,32}\x00 after the two bytes: '.' is any byte but a newline */
	for (uint32_t i = 2; i < len && i <= 34; i++) {
		if (d[i] == 0x00)
			return VG_PROBE_YES;
		if (d[i] == '\n')
			return VG_PROBE_NO;
	}
	return len > 34 ? VG_PROBE_NO : VG_PROBE_MAYBE;
}

static enum vg_an_probe
v4_reply_sig(const uint8_t *d, uint32_t len)
{
	if (len < 1)
		return VG_PROBE_MAYBE;
	if (d[0] != 0x00)
		return VG_PROBE_NO;
	if (len < 2)
		return VG_PROBE_MAYBE;
	return d[1] >= 0x5a && d[1] <= 0x5d ? VG_PROBE_YES : VG_PROBE_NO;
}

static enum vg_an_probe
v5_sig(const uint8_t *d, uint32_t len, bool is_orig)
{
	if (len < 1)
		return VG_PROBE_MAYBE;
	if (d[0] != 0x05)
		return VG_PROBE_NO;
	if (is_orig) {
		/* ^\x05.[\x00\x01\x02] */
		if (len < 3)
			return d[1] == '\n' ? VG_PROBE_NO : VG_PROBE_MAYBE;
		return d[1] != '\n' && d[2] <= 0x02 ? VG_PROBE_YES : VG_PROBE_NO;
	}
	/* ^\x05(\x00|\x01[\x00\x01\x02]) */
	if (len < 2)
		return VG_PROBE_MAYBE;
	if (d[1] == 0x00)
		return VG_PROBE_YES;
	if (d[1] != 0x01)
		return VG_PROBE_NO;
	if (len < 3)
		return VG_PROBE_MAYBE;
	return d[2] <= 0x02 ? VG_PROBE_YES : VG_PROBE_NO;
}

static enum vg_an_probe
best(enum vg_an_probe a, enum vg_an_probe b)
{
	if (a == VG_PROBE_YES || b == VG_PROBE_YES)
		return VG_PROBE_YES;
	return a == VG_PROBE_MAYBE || b == VG_PROBE_MAYBE ? VG_PROBE_MAYBE : VG_PROBE_NO;
}

static enum vg_an_probe
socks_probe(const uint8_t *data, uint32_t len, bool is_orig)
{
	/* dpd_socks4_reverse_*: the v4 pair may run from the responder */
	enum vg_an_probe v4 = best(v4_request_sig(data, len), v4_reply_sig(data, len));

	return best(v4, v5_sig(data, len, is_orig));
}

_Thread_local struct vg_socks_stats vg_socks_stats;

static const char *const counter_names[] = {
	"socks_names_cut",
};
VG_AN_COUNTERS(static, socks_counters, vg_socks_stats, counter_names);

const struct vg_analyzer vg_socks_analyzer = {
	.name = "socks",
	.transports = VG_AN_TCP,
	.tcp_ports = socks_tcp_ports,
	.state_size = sizeof(struct vg_socks),
	.logs = socks_logs,
	.counters = &socks_counters,
	.probe = socks_probe,
	.probe_both = true, /* dpd.sig: each server signature requires its client's */
	.init = socks_init,
	.stream = socks_stream,
	.flip = socks_flip,
	.end = socks_end,
};
