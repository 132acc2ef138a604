/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The FTP control connection: lines (FTP.cc's DeliverStream over a
 * ContentLine with LF as end of line), requests and replies, and ftp.log as
 * base/protocols/ftp/main.zeek writes it: a command is paired with its reply
 * by get_pending_cmd (utils-commands.zeek), logged by ftp_message when the
 * next command comes, when more than one command waits, or when the
 * connection ends (finalize_ftp), and only for FTP::logged_commands.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "vg_ftp.h"

_Thread_local struct vg_ftp_stats vg_ftp_stats;

enum {
	COL_TS,
	COL_UID,
	COL_ORIG_H,
	COL_ORIG_P,
	COL_RESP_H,
	COL_RESP_P,
	COL_USER,
	COL_PASSWORD,
	COL_COMMAND,
	COL_ARG,
	COL_MIME,
	COL_FILE_SIZE,
	COL_REPLY_CODE,
	COL_REPLY_MSG,
	COL_DC_PASSIVE,
	COL_DC_ORIG_H,
	COL_DC_RESP_H,
	COL_DC_RESP_P,
	COL_FUID,
	NCOLS
};

static const struct vg_field ftp_fields[NCOLS] = {
	VG_AN_CONN_PREFIX_FIELDS,
	[COL_USER] = {"user", VG_FT_STRING, VG_FEAT_BASE},
	[COL_PASSWORD] = {"password", VG_FT_STRING, VG_FEAT_BASE},
	[COL_COMMAND] = {"command", VG_FT_STRING, VG_FEAT_BASE},
	[COL_ARG] = {"arg", VG_FT_STRING, VG_FEAT_BASE},
	[COL_MIME] = {"mime_type", VG_FT_STRING, VG_FEAT_BASE},
	[COL_FILE_SIZE] = {"file_size", VG_FT_COUNT, VG_FEAT_BASE},
	[COL_REPLY_CODE] = {"reply_code", VG_FT_COUNT, VG_FEAT_BASE},
	[COL_REPLY_MSG] = {"reply_msg", VG_FT_STRING, VG_FEAT_BASE},
	[COL_DC_PASSIVE] = {"data_channel.passive", VG_FT_BOOL, VG_FEAT_BASE},
	[COL_DC_ORIG_H] = {"data_channel.orig_h", VG_FT_ADDR, VG_FEAT_BASE},
	[COL_DC_RESP_H] = {"data_channel.resp_h", VG_FT_ADDR, VG_FEAT_BASE},
	[COL_DC_RESP_P] = {"data_channel.resp_p", VG_FT_PORT, VG_FEAT_BASE},
	[COL_FUID] = {"fuid", VG_FT_STRING, VG_FEAT_BASE},
};

static const struct vg_schema ftp_schema = {
	.path = "ftp",
	.nfields = NCOLS,
	.fields = ftp_fields,
};

static uint16_t ftp_log_id;

static const struct vg_an_log ftp_logs[] = {
	{&ftp_schema, &ftp_log_id},
	{NULL, NULL},
};

/* ftp/main.zeek: ports = { 21/tcp, 2811/tcp } */
static const uint16_t ftp_tcp_ports[] = {21, 2811, 0};

/* FTP::logged_commands (ftp/main.zeek). */
static const char *const logged_commands[] = {
	"APPE", "DELE", "RETR", "STOR", "STOU", "ACCT", "PORT", "PASV", "EPRT", "EPSV", NULL};
/* file_cmds (ftp/main.zeek): the arg names a file or directory. */
static const char *const file_cmds[] = {"APPE", "CWD", "DELE", "MKD", "RETR", "RMD", "RNFR", "RNTO",
	"STOR", "STOU", "REST", "SIZE", "MDTM", NULL};
/* FTP::guest_ids (ftp/main.zeek). */
static const char *const guest_ids[] = {"anonymous", "ftp", "ftpuser", "guest", NULL};

static bool
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static void
set_str(char *dst, uint16_t *dlen, uint32_t cap, const char *src, uint32_t len)
{
	len = VG_MIN(len, cap - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
	*dlen = (uint16_t)len;
}

/* ---- pending commands (ftp/utils-commands.zeek) ---- */

static void
pending_add(struct vg_ftp *s, struct vg_an_ctx *cx, const char *cmd, uint32_t cmd_len,
	const char *arg, uint32_t arg_len)
{
	int i;

	for (i = 0; i < VG_FTP_MAX_PENDING && s->pending[i].seq != 0; i++)
		;
	if (i == VG_FTP_MAX_PENDING)
		return;
	struct vg_ftp_cmd *c = &s->pending[i];
	uint16_t cl;

	memset(c, 0, offsetof(struct vg_ftp_cmd, arg));
	c->seq = ++s->command_seq;
	c->ts = vg_an_now(cx);
	set_str(c->cmd, &cl, sizeof(c->cmd), cmd, cmd_len);
	c->cmd_len = (uint8_t)cl;
	set_str(c->arg, &c->arg_len, sizeof(c->arg), arg, arg_len);
	s->npending++;
}

static bool
pending_remove(struct vg_ftp *s, int i)
{
	if (i < 0 || s->pending[i].seq == 0)
		return false;
	s->pending[i].seq = 0;
	s->npending--;
	return true;
}

/* strstr(big, little) > 0 in Zeek: found (an empty little is found at 1). */
static bool
contains(const char *big, uint32_t blen, const char *little, uint32_t llen)
{
	if (llen == 0)
		return true;
	for (uint32_t i = 0; i + llen <= blen; i++)
		if (memcmp(big + i, little, llen) == 0)
			return true;
	return false;
}

/* get_pending_cmd: the best score, ties to the oldest command. */
static int
pending_best(const struct vg_ftp *s, uint32_t code, const char *msg, uint32_t len)
{
	int best = -1, best_score = -1;

	for (int i = 0; i < VG_FTP_MAX_PENDING; i++) {
		const struct vg_ftp_cmd *c = &s->pending[i];
		int score = 0;

		if (c->seq == 0)
			continue;
		if (code == 500 || vg_ftp_reply_expected(c->cmd, code))
			score += 100;
		if (contains(msg, len, c->cmd, c->cmd_len))
			score += 20;
		if (contains(msg, len, c->arg, c->arg_len))
			score += 10;
		if (score > best_score || (score == best_score && s->pending[best].seq > c->seq)) {
			best_score = score;
			best = i;
		}
	}
	return best;
}

/* ---- ftp.log ---- */

static bool
hide_password(const struct vg_ftp *s)
{
	char low[VG_FTP_MAX_USER];

	/* should_hide_password: not captured, and the user is not a guest. */
	for (uint16_t i = 0; i <= s->user_len && i < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)s->user[i]);
	low[sizeof(low) - 1] = '\0';
	return !in_list(guest_ids, low);
}

static void
rec_opt(struct vg_rec *r, bool set, const char *s, uint32_t len)
{
	if (set)
		vg_rec_str(r, s, len);
	else
		vg_rec_unset(r);
}

static void
write_log(struct vg_ftp *s, struct vg_an_ctx *cx)
{
	struct vg_rec r;

	vg_an_rec_begin(cx, &r, ftp_log_id, s->ts);
	vg_rec_str(&r, s->user, s->user_len);
	rec_opt(&r, s->has_password, s->password, s->password_len);
	rec_opt(&r, s->has_command, s->command, s->command_len);
	rec_opt(&r, s->has_arg, s->arg, s->arg_len);
	rec_opt(&r, s->mime[0] != '\0', s->mime, (uint32_t)strlen(s->mime));
	if (s->has_file_size)
		vg_rec_count(&r, s->file_size);
	else
		vg_rec_unset(&r);
	if (s->has_reply) {
		vg_rec_count(&r, s->reply_code);
		vg_rec_str(&r, s->reply_msg, s->reply_len);
	} else {
		vg_rec_unset(&r);
		vg_rec_unset(&r);
	}
	if (s->has_chan) {
		vg_rec_bool(&r, s->chan.passive);
		vg_rec_addr(&r, &s->chan.orig_h);
		vg_rec_addr(&r, &s->chan.resp_h);
		vg_rec_port(&r, s->chan.resp_p);
	} else {
		for (int i = 0; i < 4; i++)
			vg_rec_unset(&r);
	}
	rec_opt(&r, s->fuid[0] != '\0', s->fuid, (uint32_t)strlen(s->fuid));
	vg_an_rec_write(cx, &r);
}

/* build_url_ftp (ftp/utils.zeek): ftp://<resp_h><compressed path>. */
static void
build_url(struct vg_ftp *s, struct vg_an_ctx *cx, const struct vg_ftp_cmd *c)
{
	char path[VG_FTP_CWD + VG_FTP_ARG];
	struct vg_addr rh;
	char host[64];
	uint32_t n, o = 0;

	n = vg_ftp_build_path(s->cwd, s->cwd_len, c->arg, c->arg_len, path, sizeof(path));
	vg_an_id(cx, NULL, NULL, &rh, NULL);
	vg_addr_format(&rh, host, sizeof(host));
	/* addr_to_uri: IPv6 addresses in brackets. */
	o = (uint32_t)snprintf(
		s->arg, sizeof(s->arg), vg_addr_is_v4(&rh) ? "ftp://%s" : "ftp://[%s]", host);
	if (n == 0 || path[0] != '/')
		s->arg[o++] = '/';
	n = VG_MIN(n, (uint32_t)sizeof(s->arg) - o);
	memcpy(s->arg + o, path, n);
	s->arg_len = (uint16_t)(o + n);
}

/* ftp_message (ftp/main.zeek): the session takes the command; logged if listed. */
static void
message(struct vg_ftp *s, struct vg_an_ctx *cx, const struct vg_ftp_cmd *c)
{
	static const char hidden[] = "<hidden>";

	s->ts = c->ts;
	set_str(s->command, &s->command_len, sizeof(s->command), c->cmd, c->cmd_len);
	s->has_command = true;
	if (in_list(file_cmds, c->cmd))
		build_url(s, cx, c);
	else
		set_str(s->arg, &s->arg_len, sizeof(s->arg), c->arg, c->arg_len);
	if (strcmp(c->cmd, "PASS") == 0 && hide_password(s))
		set_str(s->arg, &s->arg_len, sizeof(s->arg), hidden, sizeof(hidden) - 1);
	s->has_arg = s->arg_len > 0;
	if (s->has_password && hide_password(s))
		set_str(s->password, &s->password_len, sizeof(s->password), hidden,
			sizeof(hidden) - 1);
	if (in_list(logged_commands, c->cmd)) {
		write_log(s, cx);
		s->logged_seen = true;
	}
	/* Specific to one transfer: cleared after every message. */
	s->mime[0] = '\0';
	s->has_file_size = false;
	s->has_chan = false;
	s->fuid[0] = '\0';
}

/* ---- requests and replies ---- */

/* set_ftp_session: the session and its "<init>" shim for the server's greeting. */
static void
session(struct vg_ftp *s, struct vg_an_ctx *cx)
{
	if (s->session)
		return;
	s->session = true;
	s->ts = vg_an_now(cx);
	memcpy(s->user, "<unknown>", sizeof("<unknown>"));
	s->user_len = sizeof("<unknown>") - 1;
	s->cwd[0] = '.';
	s->cwd_len = 1;
	s->cmdarg = -1;
	pending_add(s, cx, "<init>", 6, "", 0);
}

/* add_expected_data_channel (ftp/main.zeek). */
static void
expect_data(struct vg_ftp *s, struct vg_an_ctx *cx, const struct vg_ftp_chan *ch)
{
	s->passive = ch->passive;
	s->chan = *ch;
	s->has_chan = true;
	vg_ftp_stats.expects++;
	/* Analyzer::schedule_analyzer(orig_h, resp_h, resp_p, ANALYZER_FTP_DATA, 5mins) */
	if (!vg_an_expect(cx, &ch->orig_h, &ch->resp_h, ch->resp_p, &vg_ftp_data_analyzer,
		    VG_FTP_EXPECT_NS))
		vg_ftp_stats.expects_refused++;
}

static void
count_weird(struct vg_an_ctx *cx, const char *name, uint64_t n)
{
	char addl[24];

	snprintf(addl, sizeof(addl), "%llu", (unsigned long long)n);
	vg_an_weird(cx, name, addl);
}

/* PORT/EPRT: the server will connect to the address the client gave. */
static void
port_request(struct vg_ftp *s, struct vg_an_ctx *cx, bool eprt, const char *arg, uint32_t len)
{
	char buf[VG_FTP_ARG];
	struct vg_ftp_port p;
	struct vg_ftp_chan ch;

	len = VG_MIN(len, (uint32_t)sizeof(buf) - 1);
	memcpy(buf, arg, len);
	buf[len] = '\0';
	p = eprt ? vg_ftp_parse_eprt(buf) : vg_ftp_parse_port(buf);
	if (!p.valid)
		return; /* main.zeek: "TODO: raise a notice?" */
	ch.passive = false;
	vg_an_id(cx, NULL, NULL, &ch.orig_h, NULL);
	ch.resp_h = p.h;
	ch.resp_p = p.p;
	expect_data(s, cx, &ch);
}

/* ftp_request (ftp/main.zeek). */
static void
request(struct vg_ftp *s, struct vg_an_ctx *cx, const char *cmd, uint32_t cmd_len, const char *arg,
	uint32_t arg_len)
{
	if (s->session && s->cmdarg >= 0 && s->has_reply) {
		int i = s->cmdarg;

		if (s->pending[i].seq != 0) {
			struct vg_ftp_cmd c = s->pending[i];

			pending_remove(s, i);
			s->cmdarg = -1;
			message(s, cx, &c);
		}
	}
	session(s, cx);
	if (s->npending < VG_FTP_MAX_PENDING)
		pending_add(s, cx, cmd, cmd_len, arg, arg_len);
	else
		count_weird(cx, "FTP_too_many_pending_commands", s->npending);
	if (cmd_len == 4 && memcmp(cmd, "USER", 4) == 0) {
		if (arg_len > VG_FTP_MAX_USER)
			count_weird(cx, "FTP_user_too_long", arg_len);
		set_str(s->user, &s->user_len, sizeof(s->user), arg,
			VG_MIN(arg_len, (uint32_t)VG_FTP_MAX_USER - 1));
	} else if (cmd_len == 4 && memcmp(cmd, "PASS", 4) == 0) {
		if (arg_len > VG_FTP_MAX_USER)
			count_weird(cx, "FTP_password_too_long", arg_len);
		set_str(s->password, &s->password_len, sizeof(s->password), arg,
			VG_MIN(arg_len, (uint32_t)VG_FTP_MAX_USER - 1));
		s->has_password = true;
	} else if (cmd_len == 4 && (memcmp(cmd, "PORT", 4) == 0 || memcmp(cmd, "EPRT", 4) == 0)) {
		port_request(s, cx, cmd[0] == 'E', arg, arg_len);
	}
}

/* /^[1-9][0-9]{2} [[:print:]]{10}.* / in ftp_reply. */
static bool
looks_like_reply(const char *m, uint32_t len)
{
	if (len < 14 || m[0] < '1' || m[0] > '9' || !isdigit((unsigned char)m[1]) ||
		!isdigit((unsigned char)m[2]) || m[3] != ' ')
		return false;
	for (int i = 4; i < 14; i++)
		if (!isprint((unsigned char)m[i]))
			return false;
	return true;
}

/* PASV/EPSV replies: the client will connect to the address the server gave. */
static void
passive_reply(struct vg_ftp *s, struct vg_an_ctx *cx, uint32_t code)
{
	struct vg_ftp_port p =
		code == 227 ? vg_ftp_parse_pasv(s->reply_msg) : vg_ftp_parse_epsv(s->reply_msg);
	static const struct vg_addr unspec;
	struct vg_ftp_chan ch;

	if (!p.valid)
		return;
	ch.passive = true;
	vg_an_id(cx, &ch.orig_h, NULL, &ch.resp_h, NULL);
	if (!(code == 229 && vg_addr_cmp(&p.h, &unspec) == 0))
		ch.resp_h = p.h;
	ch.resp_p = p.p;
	expect_data(s, cx, &ch);
}

/* directory_cmds (ftp/main.zeek): the command changed or showed the cwd. */
static void
track_cwd(struct vg_ftp *s, struct vg_ftp_cmd *c, uint32_t code)
{
	char out[VG_FTP_CWD];
	uint32_t n;

	if (c->cwd_consumed)
		return;
	if (strcmp(c->cmd, "CWD") == 0 && code == 250) {
		n = vg_ftp_build_path(s->cwd, s->cwd_len, c->arg, c->arg_len, out, sizeof(out));
	} else if (strcmp(c->cmd, "CDUP") == 0 && (code == 200 || code == 250)) {
		n = vg_ftp_build_path(s->cwd, s->cwd_len, "/..", 3, out, sizeof(out));
	} else if ((strcmp(c->cmd, "PWD") == 0 || strcmp(c->cmd, "XPWD") == 0) && code == 257) {
		n = vg_ftp_extract_path(s->reply_msg, s->reply_len, out, sizeof(out));
	} else {
		return;
	}
	c->cwd_consumed = true;
	memcpy(s->cwd, out, n);
	s->cwd_len = (uint16_t)n;
}

/* ftp_reply (ftp/main.zeek). */
static void
reply(struct vg_ftp *s, struct vg_an_ctx *cx, uint32_t code, const char *msg, uint32_t len,
	bool cont)
{
	session(s, cx);
	if (cont && code == 0 && s->has_reply && !looks_like_reply(msg, len))
		return;
	s->cmdarg = (int8_t)pending_best(s, code, msg, len);
	s->reply_code = (uint16_t)code;
	set_str(s->reply_msg, &s->reply_len, sizeof(s->reply_msg), msg, len);
	s->has_reply = true;
	if (cont || s->cmdarg < 0)
		return;
	struct vg_ftp_cmd *c = &s->pending[s->cmdarg];

	if ((code == 150 && strcmp(c->cmd, "RETR") == 0) ||
		(code == 213 && strcmp(c->cmd, "SIZE") == 0)) {
		s->file_size = vg_ftp_last_count(s->reply_msg, s->reply_len);
		s->has_file_size = true;
	} else if ((code == 227 || code == 229) &&
		(strcmp(c->cmd, "PASV") == 0 || strcmp(c->cmd, "EPSV") == 0)) {
		passive_reply(s, cx, code);
	}
	track_cwd(s, c, code);
	if (s->npending > 1) {
		struct vg_ftp_cmd copy = *c;

		pending_remove(s, s->cmdarg);
		s->cmdarg = -1;
		message(s, cx, &copy);
	}
}

/* is_ftp_cmd (FTP.cc): at least 3 printable characters, no white space. */
static bool
is_cmd(const char *s, uint32_t len)
{
	if (len < 3)
		return false;
	for (uint32_t i = 0; i < len; i++)
		if (!isprint((unsigned char)s[i]) || isspace((unsigned char)s[i]))
			return false;
	return true;
}

static uint32_t
skip_ws(const char *l, uint32_t i, uint32_t len)
{
	while (i < len && isspace((unsigned char)l[i]))
		i++;
	return i;
}

/* FTP_Analyzer::DeliverStream, the client's side. */
static void
client_line(struct vg_ftp *s, struct vg_an_ctx *cx, const char *l, uint32_t len)
{
	char cmd[VG_FTP_CMD];
	uint32_t b = skip_ws(l, 0, len), e = b;

	while (e < len && !isspace((unsigned char)l[e]))
		e++;
	uint32_t cl = e - b, a = skip_ws(l, e, len);

	if (!is_cmd(l + b, cl)) {
		if (s->confirmed)
			vg_an_weird(cx, "FTP_invalid_command", NULL);
		return;
	}
	if (cl > VG_FTP_MAX_CMD) {
		char addl[48];

		snprintf(addl, sizeof(addl), "%u > %u", cl, VG_FTP_MAX_CMD);
		if (s->confirmed)
			vg_an_weird(cx, "FTP_max_command_length_exceeded", addl);
		return;
	}
	cl = VG_MIN(cl, (uint32_t)sizeof(cmd) - 1);
	for (uint32_t i = 0; i < cl; i++)
		cmd[i] = (char)toupper((unsigned char)l[b + i]);
	cmd[cl] = '\0';
	if (!s->confirmed) {
		s->confirmed = true;
		vg_an_confirm(cx);
	}
	if (strcmp(cmd, "AUTH") == 0) {
		s->auth_tls = len - a == 3 && memcmp(l + a, "TLS", 3) == 0;
		s->auth_gssapi = len - a == 6 && memcmp(l + a, "GSSAPI", 6) == 0;
	}
	/* FTP_Analyzer::DeliverStream matches the command to the line's end. */
	vg_an_sig_pdu(cx, VG_AN_SIG_FTP, true, (const uint8_t *)l + b, len - b,
		VG_AN_SIG_BEGIN | VG_AN_SIG_END);
	request(s, cx, cmd, cl, l + a, len - a);
}

static uint32_t
reply_code(const char *l, uint32_t len)
{
	if (len >= 3 && isdigit((unsigned char)l[0]) && isdigit((unsigned char)l[1]) &&
		isdigit((unsigned char)l[2]))
		return (uint32_t)((l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0'));
	return 0;
}

/* FTP_Analyzer::DeliverStream, the server's side. */
static void
server_line(struct vg_ftp *s, struct vg_an_ctx *cx, const char *l, uint32_t len)
{
	uint32_t code = reply_code(l, len), at = 0;
	bool cont;

	if (s->pending_reply != 0) {
		if (code == s->pending_reply && len > 3 && l[3] == ' ') {
			at = skip_ws(l, 3, len); /* the multi-line reply's last line */
			s->pending_reply = 0;
			cont = false;
		} else {
			cont = true; /* an intermediate line, given whole */
			code = 0;
		}
	} else {
		cont = false;
		if (code == 0) {
			vg_an_violate(cx, "non-numeric reply code");
			return;
		} else if (code < 100) {
			vg_an_violate(cx, "invalid reply code");
			return;
		} else if (len > 3 && l[3] == '-') {
			s->pending_reply = (uint16_t)code;
			at = skip_ws(l, 4, len);
			cont = true;
		} else if (len > 3 && l[3] != ' ') {
			vg_an_violate(cx, "invalid reply line");
			return;
		} else {
			at = len > 3 ? skip_ws(l, 3, len) : len;
		}
	}
	if (code == 234 && s->auth_tls)
		s->tls = true; /* Zeek hands the rest to its SSL analyzer */
	if (code == 334 && s->auth_gssapi && s->adat == 0)
		s->adat = 1; /* FTP.cc: an SSL analyzer with FTP_ADAT_Analyzers under it */
	reply(s, cx, code, l + at, len - at, cont);
}

/* decode_base64 with the connection: its weird, and whether it decoded. */
static bool
adat_decode(struct vg_an_ctx *cx, const char *p, uint32_t n, uint8_t *head, uint32_t *dlen)
{
	int bad;

	if (vg_ftp_base64(p, n, head, 5, dlen, &bad))
		return true;
	char addl[64];

	snprintf(addl, sizeof(addl), "character %d ignored by Base64 decoding", bad);
	vg_an_weird_src(cx, "base64_illegal_encoding", addl, NULL);
	return false;
}

/*
 * FTP_ADAT_Analyzer::DeliverStream (FTP.cc): the GSSAPI security exchange's
 * base64 tokens (GSI starts TLS in them). vigil only checks them as Zeek
 * does, for its weirds; what they carry is not analyzed.
 */
static void
adat_line(struct vg_ftp *s, struct vg_an_ctx *cx, bool is_orig, const char *l, uint32_t len)
{
	uint8_t head[5];
	uint32_t dlen, i = skip_ws(l, 0, len), e = i;
	bool done = false;

	if (is_orig) {
		while (e < len && !isspace((unsigned char)l[e]))
			e++;
		if (e - i == 4 && memcmp(l + i, "ADAT", 4) == 0) {
			uint32_t a = skip_ws(l, e, len);
			bool ok = adat_decode(cx, l + a, len - a, head, &dlen);

			if (s->adat == 1) {
				if (!ok)
					vg_an_weird_src(cx, "ftp_adat_bad_first_token_encoding",
						NULL, "FTP_ADAT");
				/* A TLS handshake record whose length is what decoded, or done. */
				if (!ok || dlen < 5 || head[0] != 0x16 ||
					dlen - 5 != (uint32_t)(head[3] << 8 | head[4]))
					done = true;
			}
			s->adat = 2;
		} else if (e - i == 4 && memcmp(l + i, "AUTH", 4) == 0) {
			done = true;
		}
	} else {
		uint32_t code = reply_code(l, len);

		done = code == 232 || code == 234 || code == 235 || code == 421 || code == 431 ||
			code == 500 || code == 501 || code == 503 || code == 535 ||
			(code >= 631 && code <= 633);
		if (code == 235 || code == 334 || code == 335) {
			uint32_t a = 3;

			if (len > 3 && l[3] == '-')
				a++;
			a = skip_ws(l, a, len);
			if (len - a >= 5 && memcmp(l + a, "ADAT=", 5) == 0)
				adat_decode(cx, l + a + 5, len - a - 5, head, &dlen);
		}
	}
	if (done)
		s->adat = 0; /* Parent()->Remove() */
}

static void
line_done(struct vg_ftp *s, struct vg_an_ctx *cx, bool is_orig)
{
	struct vg_ftp_line *ln = &s->line[is_orig ? 0 : 1];
	uint32_t len = ln->len;

	if (len > 0 && ln->b[len - 1] == '\r')
		len--;
	ln->len = 0;
	ln->overflow = false;
	if (len == 0 || s->tls)
		return; /* FTP.cc ignores empty lines */
	bool adat = s->adat != 0;

	if (is_orig)
		client_line(s, cx, ln->b, len);
	else
		server_line(s, cx, ln->b, len);
	/* FTP forwards each line to its children: the ADAT analyzer once it exists. */
	if (adat || s->adat != 0)
		adat_line(s, cx, is_orig, ln->b, len);
}

static void
ftp_stream(void *st, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len)
{
	struct vg_ftp *s = st;
	struct vg_ftp_line *ln = &s->line[is_orig ? 0 : 1];
	const uint8_t *base = data;

	while (len > 0 && !s->tls) {
		const uint8_t *nl = memchr(data, '\n', len);
		uint32_t take = nl != NULL ? (uint32_t)(nl - data) : len;
		uint32_t room = VG_FTP_LINE - ln->len;

		if (take > room && !ln->overflow) {
			ln->overflow = true;
			vg_ftp_stats.lines_truncated++;
		}
		memcpy(ln->b + ln->len, data, VG_MIN(take, room));
		ln->len += (uint16_t)VG_MIN(take, room);
		if (nl == NULL)
			return;
		data += take + 1;
		len -= take + 1;
		line_done(s, cx, is_orig);
		/* AUTH TLS accepted: FTP.cc adds an SSL child and forwards it the rest. */
		if (s->tls)
			vg_an_handoff(cx, "ssl", (uint32_t)(data - base));
	}
}

static void
ftp_gap(void *st, struct vg_an_ctx *cx, bool is_orig, uint64_t len)
{
	struct vg_ftp *s = st;

	(void)cx;
	(void)len;
	/* The line in progress lost its bytes: start over at the next one. */
	s->line[is_orig ? 0 : 1].len = 0;
}

static void
ftp_eof(void *st, struct vg_an_ctx *cx, bool is_orig)
{
	struct vg_ftp *s = st;

	/* ContentLine delivers a last line without its end at the direction's end. */
	if (s->line[is_orig ? 0 : 1].len > 0)
		line_done(s, cx, is_orig);
}

static void
ftp_init(void *st, struct vg_an_ctx *cx)
{
	struct vg_ftp *s = st;

	(void)cx;
	s->cmdarg = -1;
}

/* finalize_ftp (ftp/main.zeek): every waiting command, then at least one line. */
static void
ftp_end(void *st, struct vg_an_ctx *cx, enum vg_an_end why)
{
	struct vg_ftp *s = st;

	(void)why;
	if (!s->session)
		return;
	for (;;) {
		int first = -1;

		for (int i = 0; i < VG_FTP_MAX_PENDING; i++)
			if (s->pending[i].seq != 0 &&
				(first < 0 || s->pending[i].seq < s->pending[first].seq))
				first = i;
		if (first < 0)
			break;
		struct vg_ftp_cmd c = s->pending[first];

		pending_remove(s, first);
		s->cmdarg = -1;
		message(s, cx, &c);
	}
	/* FTP::log_at_least_one_command: a session that logged nothing gets its last state. */
	if (!s->logged_seen)
		write_log(s, cx);
}

const struct vg_analyzer vg_ftp_analyzer = {
	.name = "ftp",
	.transports = VG_AN_TCP,
	.tcp_ports = ftp_tcp_ports,
	.state_size = sizeof(struct vg_ftp),
	.logs = ftp_logs,
	.init = ftp_init,
	.stream = ftp_stream,
	.gap = ftp_gap,
	.eof = ftp_eof,
	.end = ftp_end,
};
