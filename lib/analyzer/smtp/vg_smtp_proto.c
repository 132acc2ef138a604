/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SMTP's command/reply state machine, as Zeek's SMTP_Analyzer keeps it
 * (src/analyzer/protocol/smtp/SMTP.cc: ProcessLine, NewCmd, NewReply,
 * UpdateState, BeginData/EndData, ProcessBdatArg) and the BDAT chunk line
 * splitter (BDAT.cc). Its purpose is Zeek's: to know when the client sends
 * message data, not to judge the protocol; what Zeek only reports through
 * smtp_unexpected (no default script logs it) is not reported here either.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "vg_smtp.h"

static const char *const cmd_names[VG_SMTP_NCMDS] = {
	"EHLO",
	"HELO",
	"MAIL",
	"RCPT",
	"DATA",
	"QUIT",
	"RSET",
	"VRFY",
	"EXPN",
	"HELP",
	"NOOP",
	"STARTTLS",
	"X_ANONYMOUSTLS",
	"CONN_ESTABLISHMENT",
	"END_OF_DATA",
	"SEND",
	"SOML",
	"SAML",
	"TURN",
	"BDAT",
	"ETRN",
	"AUTH",
	"AUTH_ANSWER",
};

const char *
vg_smtp_cmd_name(uint8_t cmd)
{
	return cmd < VG_SMTP_NCMDS ? cmd_names[cmd] : "(UNKNOWN)";
}

static uint8_t
parse_cmd(const char *w, uint32_t n)
{
	if (n == 14 && strncasecmp(w, "X-ANONYMOUSTLS", 14) == 0)
		return VG_SMTP_X_ANONYMOUSTLS;
	for (uint8_t c = 0; c < VG_SMTP_NCMDS; c++)
		if (strlen(cmd_names[c]) == n && strncasecmp(w, cmd_names[c], n) == 0)
			return c;
	return VG_SMTP_NONE;
}

static uint32_t
skip_ws(const char *p, uint32_t i, uint32_t len)
{
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i;
}

/* ---- the MIME message (Zeek's `mail`) ---- */

static void
begin_data(struct vg_smtp *s, bool orig, uint8_t new_state)
{
	s->state = new_state;
	if (s->in_mail) {
		vg_an_weird(s->cx, "smtp_nested_mail_transaction", NULL);
		vg_mime_end(&s->mime);
	}
	s->in_mail = true;
	s->mail_is_orig = orig;
	vg_mime_begin(&s->mime, &vg_smtp_mime_ops, s);
}

/* BDAT.cc: the chunk bytes are cut into lines at CRLF for the message. */
static void
bdat_deliver(struct vg_smtp *s, uint32_t from, uint32_t n, bool crlf)
{
	if (s->in_mail)
		vg_mime_line(&s->mime, s->lbuf_bdat + from, n, crlf);
}

static void
bdat_flush(struct vg_smtp *s)
{
	struct vg_smtp_line *l = &s->bdat_line;

	if (l->len > 0)
		bdat_deliver(s, 0, l->len, false);
	l->len = 0;
}

void
vg_smtp_end_data(struct vg_smtp *s)
{
	if (s->in_bdat) {
		if (s->bdat_remaining > 0) {
			vg_an_weird(s->cx, "smtp_bdat_remaining_at_end_data", NULL);
			s->bdat_remaining = 0;
		}
		if (s->bdat_line.len > 0) {
			vg_an_weird_src(s->cx, "smtp_bdat_undelivered_at_done", NULL, "SMTP_BDAT");
			bdat_flush(s);
		}
		s->in_bdat = false;
	}
	if (!s->in_mail) {
		vg_an_weird(s->cx, "smtp_unmatched_end_of_data", NULL);
		return;
	}
	s->in_mail = false;
	vg_mime_end(&s->mime);
}

void
vg_smtp_bdat_bytes(struct vg_smtp *s, bool orig, const uint8_t *p, uint32_t len)
{
	struct vg_smtp_line *l = &s->bdat_line;

	(void)orig;
	if (len > s->bdat_remaining)
		len = (uint32_t)s->bdat_remaining;
	/* A CR at the end of what was buffered, and no LF now: the CR stays in the line. */
	if (l->len > 0 && s->lbuf_bdat[l->len - 1] == '\r' && (len == 0 || p[0] != '\n')) {
		vg_an_weird(s->cx, "smtp_bdat_line_cr_only", NULL);
		bdat_flush(s);
	}
	for (uint32_t i = 0; i < len; i++) {
		uint8_t c = p[i];

		if (c == '\n' && l->len > 0 && s->lbuf_bdat[l->len - 1] == '\r') {
			bdat_deliver(s, 0, l->len - 1, true);
			l->len = 0;
			continue;
		}
		if (l->len >= VG_SMTP_LINE_ORIG) {
			vg_an_weird(s->cx, "smtp_bdat_line_too_long", NULL);
			bdat_flush(s);
		}
		s->lbuf_bdat[l->len++] = (char)c;
		if (c == '\n') {
			vg_an_weird(s->cx, "smtp_bdat_line_lf_only", NULL);
			bdat_flush(s);
		}
	}
	s->bdat_remaining -= len;
	if (s->bdat_last && s->bdat_remaining == 0)
		bdat_flush(s);
}

/* ---- state ---- */

static void update_state(struct vg_smtp *s, uint8_t cmd, uint16_t reply, bool orig);

static void
start_tls(struct vg_smtp *s)
{
	s->state = VG_SMTP_ST_IN_TLS;
	vg_smtp_starttls(s);
}

static void
update_state(struct vg_smtp *s, uint8_t cmd, uint16_t reply, bool orig)
{
	uint8_t st = s->state;

	switch (cmd) {
	case VG_SMTP_CONN_ESTABLISHMENT:
		if (reply == 0)
			s->state = VG_SMTP_ST_INITIATED;
		else if (reply == 421 || reply == 554)
			s->state = VG_SMTP_ST_NOT_AVAILABLE;
		break;
	case VG_SMTP_EHLO:
	case VG_SMTP_HELO:
		if (reply == 0)
			s->state = VG_SMTP_ST_READY;
		else if (reply == 421 || reply == 500 || reply == 501 || reply == 504 ||
			reply == 550)
			s->state = VG_SMTP_ST_INITIATED;
		break;
	case VG_SMTP_MAIL:
	case VG_SMTP_SEND:
	case VG_SMTP_SOML:
	case VG_SMTP_SAML:
		if (reply == 0)
			s->state = VG_SMTP_ST_MAIL_OK;
		else if ((reply == 421 || reply == 451 || reply == 452 || reply == 500 ||
				 reply == 501 || reply == 503 || reply == 550 || reply == 552 ||
				 reply == 553) &&
			s->state != VG_SMTP_ST_IN_DATA)
			s->state = VG_SMTP_ST_READY;
		break;
	case VG_SMTP_RCPT:
		if (reply == 0)
			s->state = VG_SMTP_ST_RCPT_OK;
		break;
	case VG_SMTP_DATA:
		if (reply == 0) {
			begin_data(s, orig, VG_SMTP_ST_IN_DATA);
		} else if (reply != 354) {
			if (s->state == VG_SMTP_ST_IN_DATA)
				vg_smtp_end_data(s);
			s->state = reply == 421 ? VG_SMTP_ST_QUIT : VG_SMTP_ST_READY;
		}
		break;
	case VG_SMTP_BDAT:
		if (reply == 0)
			s->state = VG_SMTP_ST_IN_BDAT;
		/* Replies change nothing: the client finishes its chunk anyway. */
		break;
	case VG_SMTP_END_OF_DATA:
		if (reply == 0) {
			vg_smtp_end_data(s);
			s->state = VG_SMTP_ST_AFTER_DATA;
		} else {
			s->state = VG_SMTP_ST_READY;
		}
		break;
	case VG_SMTP_RSET:
		if (reply == 0)
			s->state = VG_SMTP_ST_READY;
		break;
	case VG_SMTP_QUIT:
		if (reply == 0)
			s->state = VG_SMTP_ST_QUIT;
		break;
	case VG_SMTP_AUTH:
	case VG_SMTP_AUTH_ANSWER:
		if (reply == 334)
			s->state = VG_SMTP_ST_IN_AUTH;
		else if (reply != 0)
			s->state = VG_SMTP_ST_INITIATED;
		break;
	case VG_SMTP_TURN:
		if (reply == 250) {
			s->orig_is_sender = !s->orig_is_sender;
			s->state = VG_SMTP_ST_CONNECTED;
		}
		break;
	case VG_SMTP_STARTTLS:
	case VG_SMTP_X_ANONYMOUSTLS:
		if (reply == 220)
			start_tls(s);
		break;
	default:
		if (st == VG_SMTP_ST_GAP_RECOVERY && reply == 354)
			begin_data(s, orig, VG_SMTP_ST_IN_DATA);
		break;
	}
}

/* SMTP.cc's NewCmd: with pipelining (always on) commands queue for their replies. */
static void
new_cmd(struct vg_smtp *s, uint8_t cmd)
{
	if (s->first_cmd == VG_SMTP_NONE) {
		s->first_cmd = cmd;
		return;
	}
	if (s->q_len == VG_SMTP_QMAX) {
		vg_an_weird(s->cx, "smtp_excessive_pending_cmds", NULL);
		s->q_len = 0;
	}
	s->q[(s->q_head + s->q_len) % VG_SMTP_QMAX] = cmd;
	s->q_len++;
}

static void
request_event(struct vg_smtp *s, const char *cmd, uint32_t clen, const char *arg, uint32_t alen)
{
	if (!s->confirmed) {
		s->confirmed = true;
		vg_an_confirm(s->cx);
		vg_smtp_set_session(s);
	}
	vg_smtp_request(s, cmd, clen, arg, alen);
}

static void
new_reply(struct vg_smtp *s, uint16_t code, bool orig)
{
	uint8_t cmd = s->first_cmd;

	if (s->state == VG_SMTP_ST_AFTER_GAP) {
		s->state = VG_SMTP_ST_GAP_RECOVERY;
		request_event(s, "(UNKNOWN)", 9, "", 0);
	}
	s->last_replied_cmd = cmd;
	s->first_cmd = VG_SMTP_NONE;
	if (s->q_len > 0) {
		s->first_cmd = s->q[s->q_head];
		s->q_head = (uint16_t)((s->q_head + 1) % VG_SMTP_QMAX);
		s->q_len--;
	}
	update_state(s, cmd, code, orig);
}

/* BDAT.cc's parse_bdat_arg. */
const char *
vg_smtp_bdat_arg(const char *arg, uint32_t len, uint64_t *size, bool *last)
{
	uint64_t v = 0;
	uint32_t i = 0;

	*size = 0;
	*last = false;
	if (len == 0 || len > 25)
		return "BDAT argument bad length";
	if (!isdigit((unsigned char)arg[0]))
		return "BDAT not followed by a valid chunk-size";
	for (; i < len && isdigit((unsigned char)arg[i]); i++) {
		unsigned d = (unsigned)(arg[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return "BDAT chunk-size too large";
		v = v * 10 + d;
	}
	if (i < len && arg[i] != ' ')
		return "BDAT chunk-size not valid";
	*size = v;
	if (i < len) {
		*last = len - i >= 5 && strncasecmp(arg + i, " LAST", 5) == 0;
		if (!*last || i + 5 != len)
			return "BDAT chunk-size followed by junk";
	}
	return NULL;
}

/* SMTP.cc's ProcessBdatArg: false when the command is not taken. */
static bool
process_bdat_arg(struct vg_smtp *s, const char *arg, uint32_t len, bool orig)
{
	uint64_t size;
	bool last;
	const char *err = vg_smtp_bdat_arg(arg, len, &size, &last);

	if (err != NULL) {
		/* Zeek keeps the chunk size it parsed even when junk follows it. */
		vg_an_weird(s->cx, "smtp_invalid_bdat_command", err);
		return false;
	}
	if (size > (uint64_t)INT64_MAX) {
		char buf[24];
		uint32_t n = 0;
		char tmp[24];

		do
			tmp[n++] = (char)('0' + size % 10);
		while ((size /= 10) > 0);
		for (uint32_t k = 0; k < n; k++)
			buf[k] = tmp[n - 1 - k];
		buf[n] = '\0';
		vg_an_weird(s->cx, "smtp_huge_bdat_chunk", buf);
		return false;
	}
	if (!s->in_bdat) {
		begin_data(s, orig, VG_SMTP_ST_IN_BDAT);
		s->in_bdat = true;
		s->bdat_line.len = 0;
	}
	s->bdat_last = last;
	s->bdat_remaining = size;
	return true;
}

static void
sender_line(struct vg_smtp *s, bool orig, const char *line, uint32_t len)
{
	uint8_t code = VG_SMTP_NONE;
	const char *cmd = "";
	uint32_t clen = 0, a = 0;

	if (s->state == VG_SMTP_ST_AFTER_GAP)
		return; /* a command or data: Zeek cannot tell and keeps it aside */
	if (s->state == VG_SMTP_ST_IN_DATA && len == 1 && line[0] == '.') {
		cmd = ".";
		clen = 1;
		code = VG_SMTP_END_OF_DATA;
		new_cmd(s, code);
	} else if (s->state == VG_SMTP_ST_IN_DATA) {
		uint32_t o = len > 0 && line[0] == '.' ? 1 : 0;

		if (!s->in_mail)
			begin_data(s, orig, VG_SMTP_ST_IN_DATA);
		vg_mime_line(&s->mime, line + o, len - o, true);
		return;
	} else if (s->state == VG_SMTP_ST_IN_AUTH) {
		cmd = "**";
		clen = 2;
		code = VG_SMTP_AUTH_ANSWER;
		new_cmd(s, code);
	} else {
		while (clen < len && line[clen] != '\0' && !isspace((unsigned char)line[clen]))
			clen++;
		cmd = line;
		a = skip_ws(line, clen, len);
		code = parse_cmd(cmd, clen);
		if (code != VG_SMTP_NONE)
			new_cmd(s, code);
	}
	if (code == VG_SMTP_NONE)
		return;
	if (code == VG_SMTP_END_OF_DATA)
		update_state(s, code, 0, orig);
	if (clen > 0 || len > a)
		request_event(s, cmd, clen, line + a, len - a);
	if (code == VG_SMTP_END_OF_DATA)
		return;
	bool update = true;

	if (code == VG_SMTP_BDAT) {
		update = process_bdat_arg(s, line + a, len - a, orig);
	} else if (s->in_bdat) {
		vg_an_weird(s->cx, "smtp_missing_bdat_last_chunk", NULL);
		vg_smtp_end_data(s);
	}
	if (update)
		update_state(s, code, 0, orig);
}

static void
receiver_line(struct vg_smtp *s, bool orig, const char *line, uint32_t len)
{
	int code = -1;
	uint32_t m;

	if (len >= 3 && isdigit((unsigned char)line[0]) && isdigit((unsigned char)line[1]) &&
		isdigit((unsigned char)line[2]))
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (code < 100 || code > 599) {
		vg_an_violate(s->cx, "reply code out of range");
		return;
	}
	if (s->pending_reply != 0 && code != s->pending_reply)
		s->pending_reply = 0;
	if (s->pending_reply == 0)
		new_reply(s, (uint16_t)code, orig);
	if (len > 3 && line[3] == '-') {
		s->pending_reply = (uint16_t)code;
		m = skip_ws(line, 4, len);
	} else {
		s->pending_reply = 0;
		m = skip_ws(line, 3, len);
	}
	vg_smtp_reply(
		s, (uint16_t)code, s->last_replied_cmd, line + m, len - m, s->pending_reply > 0);
}

/* SMTP.cc's DeliverStream after the line analyzer: one line of one direction. */
void
vg_smtp_line(struct vg_smtp *s, bool orig, const char *line, uint32_t len)
{
	bool sender = s->orig_is_sender ? orig : !orig;

	/* BDAT 0 LAST: its (empty) chunk ends before the next line is looked at. */
	if (len > 0 && sender && s->in_bdat && s->bdat_last && s->bdat_remaining == 0)
		update_state(s, VG_SMTP_END_OF_DATA, 0, orig);
	while (len > 0 && line[len - 1] == '\r')
		len--;
	if (sender)
		sender_line(s, orig, line, len);
	else
		receiver_line(s, orig, line, len);
}

/* SMTP.cc's Undelivered. */
void
vg_smtp_gap(struct vg_smtp *s, bool orig, uint64_t len)
{
	(void)orig;
	if (len == 0)
		return;
	/*
	 * SMTP_Analyzer::Undelivered ends the message at a gap in DATA and in a
	 * BDAT chunk (BDAT ran in SMTP_IN_DATA until Zeek gave it SMTP_IN_BDAT,
	 * and Undelivered tests for both since): the entity's file records the
	 * gap, the chunk's rest and partial line are given up
	 * (smtp_bdat_remaining_at_end_data, smtp_bdat_undelivered_at_done).
	 */
	if (s->state == VG_SMTP_ST_IN_DATA || s->state == VG_SMTP_ST_IN_BDAT) {
		if (s->in_mail)
			vg_smtp_file_gap(s, len);
		vg_smtp_end_data(s);
	}
	s->q_len = 0;
	s->first_cmd = s->last_replied_cmd = VG_SMTP_NONE;
	s->state = VG_SMTP_ST_AFTER_GAP;
}

/* The last BDAT chunk is complete: the message ends (UpdateState(END_OF_DATA, 0)). */
void
vg_smtp_line_end_of_bdat(struct vg_smtp *s, bool orig)
{
	update_state(s, VG_SMTP_END_OF_DATA, 0, orig);
}
