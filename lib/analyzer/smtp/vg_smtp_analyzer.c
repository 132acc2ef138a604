/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SMTP analyzer's entry in the registry: its ports and probe, the line
 * analyzer in front of it (Zeek's ContentLine_Analyzer with the BDAT plain
 * delivery switch), and the connection's end.
 */
#include <string.h>

#include "vg_files.h"
#include "vg_smtp.h"

extern struct vg_schema vg_smtp_schema;
extern uint16_t vg_smtp_log_id;

static const struct vg_an_log smtp_logs[] = {
	{&vg_smtp_schema, &vg_smtp_log_id},
	{NULL, NULL},
};

/* main.zeek: ports = { 25/tcp, 587/tcp } */
static const uint16_t smtp_tcp_ports[] = {25, 587, 0};

static void
smtp_init(void *st, struct vg_an_ctx *cx)
{
	struct vg_smtp *s = st;

	(void)cx;
	s->orig_is_sender = true;
	s->state = VG_SMTP_ST_CONNECTED;
	s->last_replied_cmd = VG_SMTP_NONE;
	s->first_cmd = VG_SMTP_CONN_ESTABLISHMENT;
	/* UpdateState(CONN_ESTABLISHMENT, 0): the connection is initiated. */
	s->state = VG_SMTP_ST_INITIATED;
}

/*
 * One direction's bytes cut into lines as ContentLine_Analyzer does with its
 * defaults (CR_as_EOL | LF_as_EOL): CRLF, a lone CR or a lone LF ends a line;
 * an LF right after a CR that ended a line (even in the next segment) is
 * swallowed.
 */
static void
emit(struct vg_smtp *s, bool orig, char *buf, uint32_t n)
{
	s->line[!orig].len = 0;
	vg_smtp_line(s, orig, buf, n);
}

/*
 * STARTTLS was accepted (SMTP.cc's StartTLS): what follows the line, and
 * everything after it, goes to the TLS analyzer ("ssl") as a child.
 */
static bool
tls_now(struct vg_smtp *s, uint32_t from)
{
	if (s->state != VG_SMTP_ST_IN_TLS)
		return false;
	if (!s->tls_handed_off) {
		s->tls_handed_off = true;
		vg_an_handoff(s->cx, "ssl", from);
	}
	return true;
}

static void
lines(struct vg_smtp *s, bool orig, const uint8_t *p, uint32_t len)
{
	struct vg_smtp_line *l = &s->line[!orig];
	char *buf = orig ? s->lbuf_orig : s->lbuf_resp;
	uint32_t cap = orig ? VG_SMTP_LINE_ORIG : VG_SMTP_LINE_RESP;
	bool sender = s->orig_is_sender ? orig : !orig;

	for (uint32_t i = 0; i < len; i++) {
		if (s->state == VG_SMTP_ST_IN_TLS || s->disabled)
			return;
		if (l->last_cr && p[i] == '\n') {
			l->last_cr = false;
			continue;
		}
		l->last_cr = false;
		if (sender && s->in_bdat && s->bdat_remaining > 0 && l->len == 0) {
			/* BDAT: the chunk's bytes as they are (SetPlainDelivery) */
			uint64_t n = len - i;

			if (n > s->bdat_remaining)
				n = s->bdat_remaining;
			vg_smtp_bdat_bytes(s, orig, p + i, (uint32_t)n);
			if (s->bdat_last && s->bdat_remaining == 0)
				vg_smtp_line_end_of_bdat(s, orig);
			i += (uint32_t)n - 1;
			continue;
		}
		if (p[i] == '\n') {
			emit(s, orig, buf, l->len);
			if (tls_now(s, i + 1))
				return;
			continue;
		}
		if (p[i] == '\r') {
			l->last_cr = true;
			emit(s, orig, buf, l->len);
			if (tls_now(s, i + 1 < len && p[i + 1] == '\n' ? i + 2 : i + 1))
				return;
			continue;
		}
		if (l->len == cap) {
			/* longer than vigil keeps: what is there goes as a line */
			s->truncated++;
			emit(s, orig, buf, cap);
		}
		buf[l->len++] = (char)p[i];
	}
}

static void
smtp_stream(void *st, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len)
{
	struct vg_smtp *s = st;

	s->cx = cx;
	lines(s, is_orig, data, len);
}

static void
smtp_gap(void *st, struct vg_an_ctx *cx, bool is_orig, uint64_t len)
{
	struct vg_smtp *s = st;

	s->cx = cx;
	if (s->state == VG_SMTP_ST_IN_TLS || s->disabled)
		return;
	s->line[!is_orig].len = 0;
	vg_smtp_gap(s, is_orig, len);
}

/* ContentLine's EndpointEOF: a partial line is delivered as a line. */
static void
smtp_eof(void *st, struct vg_an_ctx *cx, bool is_orig)
{
	struct vg_smtp *s = st;

	s->cx = cx;
	if (s->line[!is_orig].len > 0)
		lines(s, is_orig, (const uint8_t *)"\n", 1);
}

static void
smtp_flip(void *st)
{
	struct vg_smtp *s = st;

	/* partial lines are dropped; the message's direction follows the roles */
	s->line[0].len = s->line[1].len = 0;
	s->mail_is_orig = !s->mail_is_orig;
}

/* Done(): an open message ends, then finalize_smtp logs what is pending. */
static void
smtp_end(void *st, struct vg_an_ctx *cx, enum vg_an_end why)
{
	struct vg_smtp *s = st;

	(void)why;
	s->cx = cx;
	if (s->in_mail)
		vg_smtp_end_data(s);
	if (s->file != NULL) {
		vg_file_end(cx, s->file);
		s->file = NULL;
	}
	vg_smtp_finalize(s);
}

static bool
word_ci(const uint8_t *p, uint32_t len, const char *w)
{
	for (uint32_t i = 0; w[i]; i++)
		if (i >= len || (p[i] | 0x20) != (uint8_t)w[i])
			return false;
	return true;
}

static bool
is_space(uint8_t c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * dpd.sig: the client sends HELO or EHLO at the start of a line
 * (dpd_smtp_client), the server begins with 220 (dpd_smtp_server); both.
 */
static enum vg_an_probe
smtp_probe(const uint8_t *data, uint32_t len, bool is_orig)
{
	uint32_t i = 0;

	if (!is_orig) {
		while (i < len && is_space(data[i]))
			i++;
		if (len - i < 4)
			return VG_PROBE_MAYBE;
		return data[i] == '2' && data[i + 1] == '2' && data[i + 2] == '0' &&
				(data[i + 3] == '-' || is_space(data[i + 3]))
			? VG_PROBE_YES
			: VG_PROBE_NO;
	}
	for (uint32_t ls = 0; ls <= len;) {
		uint32_t j = ls;

		while (j < len && is_space(data[j]))
			j++;
		if (word_ci(data + j, len - j, "helo") || word_ci(data + j, len - j, "ehlo"))
			return VG_PROBE_YES;
		while (ls < len && data[ls] != '\n' && data[ls] != '\r')
			ls++;
		if (ls >= len)
			break;
		ls++;
	}
	return VG_PROBE_MAYBE;
}

const struct vg_analyzer vg_smtp_analyzer = {
	.name = "smtp",
	.transports = VG_AN_TCP,
	.tcp_ports = smtp_tcp_ports,
	.state_size = sizeof(struct vg_smtp),
	.logs = smtp_logs,
	.probe = smtp_probe,
	.probe_both = true, /* dpd.sig: dpd_smtp_client requires dpd_smtp_server */
	.init = smtp_init,
	.stream = smtp_stream,
	.gap = smtp_gap,
	.eof = smtp_eof,
	.flip = smtp_flip,
	.end = smtp_end,
};
