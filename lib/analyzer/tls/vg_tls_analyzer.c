/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS analyzer's entry in the registry and ssl.log
 * (scripts/base/protocols/ssl/main.zeek): the record is written when the
 * session is established, else when the connection ends.
 */
#include <stdio.h>
#include <string.h>

#include "vg_tls.h"

enum {
	COL_TS,
	COL_UID,
	COL_ORIG_H,
	COL_ORIG_P,
	COL_RESP_H,
	COL_RESP_P,
	COL_VERSION,
	COL_CIPHER,
	COL_CURVE,
	COL_SERVER_NAME,
	COL_RESUMED,
	COL_LAST_ALERT,
	COL_NEXT_PROTOCOL,
	COL_ESTABLISHED,
	COL_HISTORY,
	COL_CERT_FPS,
	COL_CLIENT_CERT_FPS,
	COL_SNI_MATCHES,
	COL_REQUESTED_CAS,
	NCOLS
};

static const struct vg_field ssl_fields[NCOLS] = {
	VG_AN_CONN_PREFIX_FIELDS,
	[COL_VERSION] = {"version", VG_FT_STRING, VG_FEAT_BASE},
	[COL_CIPHER] = {"cipher", VG_FT_STRING, VG_FEAT_BASE},
	[COL_CURVE] = {"curve", VG_FT_STRING, VG_FEAT_BASE},
	[COL_SERVER_NAME] = {"server_name", VG_FT_STRING, VG_FEAT_BASE},
	[COL_RESUMED] = {"resumed", VG_FT_BOOL, VG_FEAT_BASE},
	[COL_LAST_ALERT] = {"last_alert", VG_FT_STRING, VG_FEAT_BASE},
	[COL_NEXT_PROTOCOL] = {"next_protocol", VG_FT_STRING, VG_FEAT_BASE},
	[COL_ESTABLISHED] = {"established", VG_FT_BOOL, VG_FEAT_BASE},
	[COL_HISTORY] = {"ssl_history", VG_FT_STRING, VG_FEAT_BASE},
	[COL_CERT_FPS] = {"cert_chain_fps", VG_FT_VECTOR_STRING, VG_FEAT_BASE},
	[COL_CLIENT_CERT_FPS] = {"client_cert_chain_fps", VG_FT_VECTOR_STRING, VG_FEAT_BASE},
	[COL_SNI_MATCHES] = {"sni_matches_cert", VG_FT_BOOL, VG_FEAT_BASE},
	/* policy/protocols/ssl/certificate-request-info */
	[COL_REQUESTED_CAS] = {"requested_client_certificate_authorities", VG_FT_VECTOR_STRING,
		VG_FEAT_SSL_CERT_REQ},
};

static const struct vg_schema ssl_schema = {
	.path = "ssl",
	.nfields = NCOLS,
	.fields = ssl_fields,
};

static uint16_t ssl_log_id;

static const struct vg_an_log tls_logs[] = {
	{&ssl_schema, &ssl_log_id},
	{&vg_x509_schema, &vg_x509_log_id},
	{NULL, NULL},
};

/* main.zeek: ssl_ports */
static const uint16_t tls_tcp_ports[] = {443, 563, 585, 614, 636, 989, 990, 992, 993, 995, 5223, 0};

void
vg_tls_set_session(struct vg_tls *t, struct vg_an_ctx *cx)
{
	if (t->session)
		return;
	t->session = true;
	t->ts = vg_an_now(cx);
	t->sni_matches = -1;
}

/* add_to_history: the client's letters in upper case; at most 100. */
void
vg_tls_history(struct vg_tls *t, bool is_client, char letter)
{
	if (t->history_len >= VG_TLS_HISTORY)
		return;
	t->history[t->history_len++] = is_client ? (char)(letter - 'a' + 'A') : letter;
	t->history[t->history_len] = '\0';
}

static void
rec_opt(struct vg_rec *r, bool set, const char *s)
{
	if (set)
		vg_rec_cstr(r, s);
	else
		vg_rec_unset(r);
}

static void
rec_fps(struct vg_rec *r, const struct vg_tls_dir *d)
{
	uint32_t n = d->ncerts < VG_TLS_MAX_CERTS ? d->ncerts : VG_TLS_MAX_CERTS;
	static const char digits[] = "0123456789abcdef";

	vg_rec_set_begin(r, (uint16_t)n);
	for (uint32_t i = 0; i < n; i++) {
		char h[65];

		for (int k = 0; k < 32; k++) {
			h[2 * k] = digits[d->fps[i][k] >> 4];
			h[2 * k + 1] = digits[d->fps[i][k] & 15];
		}
		vg_rec_str(r, h, 64);
	}
}

static void
write_log(struct vg_tls *t, struct vg_an_ctx *cx)
{
	struct vg_rec r;
	char b1[VG_TLS_NAME_BUF], b2[VG_TLS_NAME_BUF], b3[VG_TLS_NAME_BUF], b4[VG_TLS_NAME_BUF];
	const struct vg_tls_dir *server = &t->dir[t->flipped ? 0 : 1];
	const struct vg_tls_dir *client = &t->dir[t->flipped ? 1 : 0];

	t->logged = true;
	vg_an_rec_begin(cx, &r, ssl_log_id, t->ts);
	rec_opt(&r, t->has_version, vg_tls_version_name(t->version, b1));
	rec_opt(&r, t->has_cipher, vg_tls_cipher_name(t->cipher, b2));
	rec_opt(&r, t->has_curve, vg_tls_group_name(t->curve, b3));
	rec_opt(&r, t->sni[0] != '\0', t->sni);
	vg_rec_bool(&r, t->resumed);
	rec_opt(&r, t->has_alert, vg_tls_alert_name(t->last_alert, b4));
	rec_opt(&r, t->alpn[0] != '\0', t->alpn);
	vg_rec_bool(&r, t->established);
	vg_rec_str(&r, t->history, t->history_len);
	/* files.zeek: both chains exist once any certificate was seen. */
	if (t->certs_seen) {
		rec_fps(&r, server);
		rec_fps(&r, client);
	} else {
		vg_rec_unset(&r);
		vg_rec_unset(&r);
	}
	if (t->sni_matches >= 0)
		vg_rec_bool(&r, t->sni_matches == 1);
	else
		vg_rec_unset(&r);
	if (t->cert_request_seen) {
		uint8_t n = t->cas != NULL ? t->ncas : 0;

		vg_rec_set_begin(&r, n);
		for (uint8_t i = 0; i < n; i++)
			vg_rec_cstr(&r, t->cas[i]);
	} else {
		vg_rec_unset(&r);
	}
	vg_an_rec_write(cx, &r);
	/* Written once: the authorities are not needed any more. */
	if (t->cas != NULL) {
		vg_an_buf_put(cx, t->cas, VG_TLS_CAS_BYTES);
		t->cas = NULL;
	}
}

void
vg_tls_established(struct vg_tls *t, struct vg_an_ctx *cx)
{
	t->established = true;
	vg_tls_set_session(t, cx);
	if (!t->logged)
		write_log(t, cx);
}

static void
tls_stream(void *st, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len)
{
	struct vg_tls *t = st;

	if (t->had_gap)
		return;
	vg_tls_feed(t, cx, is_orig, data, len);
}

static void
tls_gap(void *st, struct vg_an_ctx *cx, bool is_orig, uint64_t len)
{
	struct vg_tls *t = st;

	(void)cx;
	(void)is_orig;
	(void)len;
	t->had_gap = true; /* record framing is lost */
}

static void
tls_flip(void *st)
{
	struct vg_tls *t = st;
	struct vg_tls_dir tmp = t->dir[0];

	t->dir[0] = t->dir[1];
	t->dir[1] = tmp;
	if (t->client_seen)
		t->flipped = !t->flipped;
}

static void
tls_end(void *st, struct vg_an_ctx *cx, enum vg_an_end why)
{
	struct vg_tls *t = st;

	(void)why;
	if (t->session && !t->logged)
		write_log(t, cx);
	vg_tls_release(t, cx);
}

/*
 * dpd.sig: a handshake record (type 22, version 3.x) that carries a
 * ClientHello or ServerHello, or an SSLv2-framed hello.
 */
static enum vg_an_probe
tls_probe(const uint8_t *data, uint32_t len, bool is_orig)
{
	(void)is_orig;
	if (len < 6)
		return VG_PROBE_MAYBE;
	if (data[0] == 22 && data[1] == 3 && data[2] <= 4 && (data[5] == 1 || data[5] == 2))
		return VG_PROBE_YES;
	return VG_PROBE_NO;
}

_Thread_local struct vg_tls_stats vg_tls_stats;

static const char *const counter_names[] = {
	"ssl_certs_cut",
	"ssl_cert_msgs_busy",
	"ssl_handshakes_cut",
	"ssl_chain_fps_cut",
};
VG_AN_COUNTERS(static, tls_counters, vg_tls_stats, counter_names);

const struct vg_analyzer vg_tls_analyzer = {
	.name = "ssl",
	.transports = VG_AN_TCP,
	.tcp_ports = tls_tcp_ports,
	.state_size = sizeof(struct vg_tls),
	.logs = tls_logs,
	.counters = &tls_counters,
	.probe = tls_probe,
	.stream = tls_stream,
	.gap = tls_gap,
	.flip = tls_flip,
	.end = tls_end,
};
