/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SSH analyzer's entry in the registry, ssh.log, and what happens once a
 * direction is encrypted: the authentication guess from packet sizes
 * (SSH.cc's ProcessEncrypted) and when the record is written
 * (main.zeek: at a successful authentication, else when the connection ends).
 */
#include <string.h>

#include "vg_flow.h"
#include "vg_ssh.h"

enum {
	COL_TS,
	COL_UID,
	COL_ORIG_H,
	COL_ORIG_P,
	COL_RESP_H,
	COL_RESP_P,
	COL_VERSION,
	COL_AUTH_SUCCESS,
	COL_AUTH_ATTEMPTS,
	COL_DIRECTION,
	COL_CLIENT,
	COL_SERVER,
	COL_CIPHER,
	COL_MAC,
	COL_COMPRESSION,
	COL_KEX,
	COL_HOST_KEY_ALG,
	COL_HOST_KEY,
	NCOLS
};

static const struct vg_field ssh_fields[NCOLS] = {
	VG_AN_CONN_PREFIX_FIELDS,
	[COL_VERSION] = {"version", VG_FT_COUNT, VG_FEAT_BASE},
	[COL_AUTH_SUCCESS] = {"auth_success", VG_FT_BOOL, VG_FEAT_BASE},
	[COL_AUTH_ATTEMPTS] = {"auth_attempts", VG_FT_COUNT, VG_FEAT_BASE},
	[COL_DIRECTION] = {"direction", VG_FT_ENUM, VG_FEAT_BASE},
	[COL_CLIENT] = {"client", VG_FT_STRING, VG_FEAT_BASE},
	[COL_SERVER] = {"server", VG_FT_STRING, VG_FEAT_BASE},
	[COL_CIPHER] = {"cipher_alg", VG_FT_STRING, VG_FEAT_BASE},
	[COL_MAC] = {"mac_alg", VG_FT_STRING, VG_FEAT_BASE},
	[COL_COMPRESSION] = {"compression_alg", VG_FT_STRING, VG_FEAT_BASE},
	[COL_KEX] = {"kex_alg", VG_FT_STRING, VG_FEAT_BASE},
	[COL_HOST_KEY_ALG] = {"host_key_alg", VG_FT_STRING, VG_FEAT_BASE},
	[COL_HOST_KEY] = {"host_key_fingerprint", VG_FT_STRING, VG_FEAT_BASE},
};

static const struct vg_schema ssh_schema = {
	.path = "ssh",
	.nfields = NCOLS,
	.fields = ssh_fields,
};

static uint16_t ssh_log_id;

static const struct vg_an_log ssh_logs[] = {
	{&ssh_schema, &ssh_log_id},
	{NULL, NULL},
};

/* main.zeek: ports = { 22/tcp } */
static const uint16_t ssh_tcp_ports[] = {22, 0};

/* ---- ssh.log ---- */

static void
rec_str(struct vg_rec *r, const char *s)
{
	if (s[0] == '\0')
		vg_rec_unset(r);
	else
		vg_rec_cstr(r, s);
}

static const char *
direction(struct vg_an_ctx *cx)
{
	struct vg_addr oh, rh;
	bool lo, lr;

	vg_an_id(cx, &oh, NULL, &rh, NULL);
	lo = vg_an_is_local(cx, &oh);
	lr = vg_an_is_local(cx, &rh);
	/* set_session: no direction when both or neither are local. */
	if (lo == lr)
		return NULL;
	return lo ? "OUTBOUND" : "INBOUND";
}

static void
write_log(struct vg_ssh *s, struct vg_an_ctx *cx)
{
	struct vg_rec r;
	const char *dir = direction(cx);

	s->logged = true;
	vg_an_rec_begin(cx, &r, ssh_log_id, s->ts);
	if (s->version == VG_SSH_UNK || s->client[0] == '\0' || s->server[0] == '\0')
		vg_rec_unset(&r);
	else
		vg_rec_count(&r, s->version == VG_SSH_1 ? 1 : 2);
	if (s->auth_set)
		vg_rec_bool(&r, s->auth_success);
	else
		vg_rec_unset(&r);
	vg_rec_count(&r, s->auth_attempts);
	if (dir != NULL)
		vg_rec_cstr(&r, dir);
	else
		vg_rec_unset(&r);
	rec_str(&r, s->client);
	rec_str(&r, s->server);
	rec_str(&r, s->cipher);
	rec_str(&r, s->mac);
	rec_str(&r, s->compression);
	rec_str(&r, s->kex_alg);
	rec_str(&r, s->host_key_alg);
	rec_str(&r, s->host_key);
	vg_an_rec_write(cx, &r);
}

/* ---- session and versions ---- */

void
vg_ssh_set_session(struct vg_ssh *s, struct vg_an_ctx *cx)
{
	if (s->session)
		return;
	s->session = true;
	s->ts = vg_an_now(cx);
}

static uint8_t
side_version(const char *v, uint32_t len)
{
	if (len < 5)
		return VG_SSH_UNK;
	if (v[4] == '2')
		return VG_SSH_2;
	if (v[4] == '1')
		return len >= 8 && v[6] == '9' && v[7] == '9' ? VG_SSH_199 : VG_SSH_1;
	return VG_SSH_UNK;
}

/* ssh-protocol.pac update_version: 1.99 speaks both. */
static uint8_t
conn_version(uint8_t c, uint8_t sv, uint8_t old)
{
	if (c == sv)
		return c == VG_SSH_199 ? VG_SSH_2 : c;
	if ((c == VG_SSH_1 && sv == VG_SSH_2) || (c == VG_SSH_2 && sv == VG_SSH_1))
		return VG_SSH_UNK;
	if ((c == VG_SSH_199 && sv == VG_SSH_2) || (c == VG_SSH_2 && sv == VG_SSH_199))
		return VG_SSH_2;
	if ((c == VG_SSH_1 && sv == VG_SSH_199) || (c == VG_SSH_199 && sv == VG_SSH_1))
		return VG_SSH_1;
	return old;
}

void
vg_ssh_version(struct vg_ssh *s, struct vg_an_ctx *cx, bool is_orig, const char *line, uint32_t len)
{
	struct vg_ssh_dir *d = &s->dir[!is_orig];
	char *dst = is_orig ? s->client : s->server;

	d->ver = side_version(line, len);
	s->version = conn_version(s->dir[0].ver, s->dir[1].ver, s->version);
	vg_ssh_set_session(s, cx);
	memcpy(dst, line, len);
	dst[len] = '\0';
}

void
vg_ssh_confirm(struct vg_ssh *s, struct vg_an_ctx *cx)
{
	vg_ssh_set_session(s, cx); /* protocol_confirmation sets the session too */
	vg_an_confirm(cx);
}

/* ---- authentication, from encrypted packet sizes ---- */

/* main.zeek's ssh_auth_attempted. */
static void
auth_attempted(struct vg_ssh *s, struct vg_an_ctx *cx, bool authenticated)
{
	if (!s->session || (s->auth_set && s->auth_success))
		return;
	/* compression_algorithms: sizes say nothing under compression. */
	if (strcmp(s->compression, "zlib") == 0 || strcmp(s->compression, "zlib@openssh.com") == 0)
		return;
	s->auth_set = true;
	s->auth_success = authenticated;
	s->auth_attempts++;
	if (authenticated && !s->logged)
		write_log(s, cx);
}

/* SSH.cc ProcessEncrypted: the server's answers to the client's first packets. */
static void
encrypted(struct vg_ssh *s, struct vg_an_ctx *cx, int32_t len, bool is_orig)
{
	if (s->auth_decision_made || s->version != VG_SSH_2)
		return;
	if (is_orig) {
		s->saw_encrypted_client_data = true;
		return;
	}
	if (!s->saw_encrypted_client_data)
		return;
	if (s->service_accept_size == 0) {
		s->service_accept_size = len;
		return;
	}
	if (s->userauth_failure_size == 0 && len + 16 == s->service_accept_size) {
		s->auth_decision_made = true;
		auth_attempted(s, cx, true);
		return;
	}
	if (s->userauth_failure_size == 0) {
		if (!s->skipped_banner && len - s->service_accept_size > 256) {
			s->skipped_banner = true;
			return;
		}
		s->userauth_failure_size = len;
		return;
	}
	if (len == s->userauth_failure_size) {
		auth_attempted(s, cx, false);
		return;
	}
	if (len - s->service_accept_size == -16) {
		s->auth_decision_made = true;
		auth_attempted(s, cx, true);
	}
}

/* ---- the analyzer's callbacks ---- */

static void
ssh_stream(void *st, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len)
{
	struct vg_ssh *s = st;
	uint32_t enc;

	if (s->had_gap)
		return;
	if (s->dir[!is_orig].state == VG_SSH_ENCRYPTED) {
		encrypted(s, cx, (int32_t)len, is_orig);
		return;
	}
	enc = vg_ssh_feed(s, cx, is_orig, data, len);
	if (enc > 0)
		encrypted(s, cx, (int32_t)enc, is_orig);
}

static void
ssh_gap(void *st, struct vg_an_ctx *cx, bool is_orig, uint64_t len)
{
	struct vg_ssh *s = st;

	(void)cx;
	(void)is_orig;
	(void)len;
	s->had_gap = true;
}

static void
ssh_flip(void *st)
{
	struct vg_ssh *s = st;
	struct vg_ssh_dir tmp = s->dir[0];
	char banner[sizeof(s->client)];

	s->dir[0] = s->dir[1];
	s->dir[1] = tmp;
	memcpy(banner, s->client, sizeof(banner));
	memcpy(s->client, s->server, sizeof(banner));
	memcpy(s->server, banner, sizeof(banner));
	if (s->kex_seen)
		s->kex_cached_orig = !s->kex_cached_orig;
}

/* main.zeek's finalize_ssh: whatever was not logged yet is logged now. */
static void
ssh_end(void *st, struct vg_an_ctx *cx, enum vg_an_end why)
{
	struct vg_ssh *s = st;

	(void)why;
	if (!s->session || s->logged)
		return;
	write_log(s, cx);
}

/* dpd.sig: a direction that starts with "SSH-1." or "SSH-2." (any case of "ssh"). */
static enum vg_an_probe
ssh_probe(const uint8_t *data, uint32_t len, bool is_orig)
{
	static const char want[] = "ssh-";

	(void)is_orig;
	for (uint32_t i = 0; i < 4; i++) {
		if (i >= len)
			return VG_PROBE_MAYBE;
		if ((data[i] | 0x20) != (uint8_t)want[i])
			return VG_PROBE_NO;
	}
	if (len < 6)
		return VG_PROBE_MAYBE;
	return (data[4] == '1' || data[4] == '2') && data[5] == '.' ? VG_PROBE_YES : VG_PROBE_NO;
}

const struct vg_analyzer vg_ssh_analyzer = {
	.name = "ssh",
	.transports = VG_AN_TCP,
	.tcp_ports = ssh_tcp_ports,
	.state_size = sizeof(struct vg_ssh),
	.logs = ssh_logs,
	.probe = ssh_probe,
	.probe_both = true, /* dpd.sig: dpd_ssh_client requires dpd_ssh_server */
	.stream = ssh_stream,
	.gap = ssh_gap,
	.flip = ssh_flip,
	.end = ssh_end,
};
