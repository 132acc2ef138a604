/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The script layer of Zeek's base/protocols/smtp: main.zeek (the transaction
 * record, smtp_request/smtp_reply/mime_one_header handlers, when a row is
 * written), entities.zeek (the current entity's filename) and files.zeek
 * (fuids), with the helpers of base/utils/email.zeek and addrs.zeek.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "vg_common.h"
#include "vg_files.h"
#include "vg_smtp.h"

/* ---- smtp.log's schema ---- */

enum {
	COL_TS,
	COL_UID,
	COL_ORIG_H,
	COL_ORIG_P,
	COL_RESP_H,
	COL_RESP_P,
	COL_TRANS_DEPTH,
	COL_HELO,
	COL_MAILFROM,
	COL_RCPTTO,
	COL_DATE,
	COL_FROM,
	COL_TO,
	COL_CC,
	COL_REPLY_TO,
	COL_MSG_ID,
	COL_IN_REPLY_TO,
	COL_SUBJECT,
	COL_X_ORIGINATING_IP,
	COL_FIRST_RECEIVED,
	COL_SECOND_RECEIVED,
	COL_LAST_REPLY,
	COL_PATH,
	COL_USER_AGENT,
	COL_TLS,
	COL_FUIDS,
	NCOLS
};

static const struct vg_field smtp_fields[NCOLS] = {
	VG_AN_CONN_PREFIX_FIELDS,
	[COL_TRANS_DEPTH] = {"trans_depth", VG_FT_COUNT, VG_FEAT_BASE},
	[COL_HELO] = {"helo", VG_FT_STRING, VG_FEAT_BASE},
	[COL_MAILFROM] = {"mailfrom", VG_FT_STRING, VG_FEAT_BASE},
	[COL_RCPTTO] = {"rcptto", VG_FT_SET_STRING, VG_FEAT_BASE},
	[COL_DATE] = {"date", VG_FT_STRING, VG_FEAT_BASE},
	[COL_FROM] = {"from", VG_FT_STRING, VG_FEAT_BASE},
	[COL_TO] = {"to", VG_FT_SET_STRING, VG_FEAT_BASE},
	[COL_CC] = {"cc", VG_FT_SET_STRING, VG_FEAT_BASE},
	[COL_REPLY_TO] = {"reply_to", VG_FT_STRING, VG_FEAT_BASE},
	[COL_MSG_ID] = {"msg_id", VG_FT_STRING, VG_FEAT_BASE},
	[COL_IN_REPLY_TO] = {"in_reply_to", VG_FT_STRING, VG_FEAT_BASE},
	[COL_SUBJECT] = {"subject", VG_FT_STRING, VG_FEAT_BASE},
	[COL_X_ORIGINATING_IP] = {"x_originating_ip", VG_FT_ADDR, VG_FEAT_BASE},
	[COL_FIRST_RECEIVED] = {"first_received", VG_FT_STRING, VG_FEAT_BASE},
	[COL_SECOND_RECEIVED] = {"second_received", VG_FT_STRING, VG_FEAT_BASE},
	[COL_LAST_REPLY] = {"last_reply", VG_FT_STRING, VG_FEAT_BASE},
	[COL_PATH] = {"path", VG_FT_VECTOR_ADDR, VG_FEAT_BASE},
	[COL_USER_AGENT] = {"user_agent", VG_FT_STRING, VG_FEAT_BASE},
	[COL_TLS] = {"tls", VG_FT_BOOL, VG_FEAT_BASE},
	[COL_FUIDS] = {"fuids", VG_FT_VECTOR_STRING, VG_FEAT_BASE},
};

struct vg_schema vg_smtp_schema = {
	.path = "smtp",
	.nfields = NCOLS,
	.fields = smtp_fields,
};

uint16_t vg_smtp_log_id;

/* ---- strings of the transaction ---- */

static bool
put_str(struct vg_smtp *s, struct vg_smtp_str *dst, const char *p, uint32_t len)
{
	struct vg_smtp_info *in = &s->info;
	uint32_t room = VG_SMTP_ARENA - in->arena_used;

	if (len > room) {
		s->truncated++;
		len = room;
	}
	memcpy(in->arena + in->arena_used, p, len);
	dst->off = in->arena_used;
	dst->len = (uint16_t)len;
	dst->set = true;
	in->arena_used = (uint16_t)(in->arena_used + len);
	return true;
}

static void
set_field(struct vg_smtp *s, enum vg_smtp_field f, const char *p, uint32_t len)
{
	put_str(s, &s->info.f[f], p, len);
}

static const char *
str_of(const struct vg_smtp *s, const struct vg_smtp_str *x)
{
	return s->info.arena + x->off;
}

/* `add set[x]`: nothing when x is already a member. */
static void
set_add(struct vg_smtp *s, enum vg_smtp_set set, const char *p, uint32_t len)
{
	struct vg_smtp_info *in = &s->info;

	for (uint16_t i = 0; i < in->nrefs; i++)
		if (in->refs[i].set == set && in->refs[i].s.len == len &&
			memcmp(str_of(s, &in->refs[i].s), p, len) == 0)
			return;
	if (in->nrefs == VG_SMTP_REFS) {
		s->truncated++;
		return;
	}
	in->refs[in->nrefs].set = (uint8_t)set;
	put_str(s, &in->refs[in->nrefs].s, p, len);
	in->nrefs++;
}

/* ---- the record's life (main.zeek) ---- */

static void
new_smtp_log(struct vg_smtp *s)
{
	struct vg_smtp_info *in = &s->info;
	struct vg_addr oh, rh;

	memset(in, 0, offsetof(struct vg_smtp_info, arena));
	in->ts = vg_an_now(s->cx);
	in->trans_depth = s->messages_transferred + 1;
	in->process_smtp_headers = true;
	in->process_received_from = true;
	if (s->helo.set)
		set_field(s, VG_SF_HELO, s->helo_buf, s->helo.len);
	vg_an_id(s->cx, &oh, NULL, &rh, NULL);
	in->path[0] = rh;
	in->path[1] = oh;
	in->npath = 2;
}

void
vg_smtp_set_session(struct vg_smtp *s)
{
	if (s->session)
		return;
	s->session = true;
	new_smtp_log(s);
}

static void
rec_opt(struct vg_rec *r, const struct vg_smtp *s, const struct vg_smtp_str *x)
{
	if (x->set)
		vg_rec_str(r, str_of(s, x), x->len);
	else
		vg_rec_unset(r);
}

static void
rec_set(struct vg_rec *r, const struct vg_smtp *s, enum vg_smtp_set set)
{
	const struct vg_smtp_info *in = &s->info;
	uint16_t n = 0;

	if (!in->set_present[set]) {
		vg_rec_unset(r);
		return;
	}
	for (uint16_t i = 0; i < in->nrefs; i++)
		n += in->refs[i].set == set;
	vg_rec_set_begin(r, n);
	for (uint16_t i = 0; i < in->nrefs; i++)
		if (in->refs[i].set == set)
			vg_rec_str(r, str_of(s, &in->refs[i].s), in->refs[i].s.len);
}

static void
write_log(struct vg_smtp *s)
{
	const struct vg_smtp_info *in = &s->info;
	struct vg_rec r;

	vg_an_rec_begin(s->cx, &r, vg_smtp_log_id, in->ts);
	vg_rec_count(&r, in->trans_depth);
	rec_opt(&r, s, &in->f[VG_SF_HELO]);
	rec_opt(&r, s, &in->f[VG_SF_MAILFROM]);
	rec_set(&r, s, VG_SS_RCPTTO);
	rec_opt(&r, s, &in->f[VG_SF_DATE]);
	rec_opt(&r, s, &in->f[VG_SF_FROM]);
	rec_set(&r, s, VG_SS_TO);
	rec_set(&r, s, VG_SS_CC);
	rec_opt(&r, s, &in->f[VG_SF_REPLY_TO]);
	rec_opt(&r, s, &in->f[VG_SF_MSG_ID]);
	rec_opt(&r, s, &in->f[VG_SF_IN_REPLY_TO]);
	rec_opt(&r, s, &in->f[VG_SF_SUBJECT]);
	if (in->has_xoip)
		vg_rec_addr(&r, &in->xoip);
	else
		vg_rec_unset(&r);
	rec_opt(&r, s, &in->f[VG_SF_FIRST_RECEIVED]);
	rec_opt(&r, s, &in->f[VG_SF_SECOND_RECEIVED]);
	rec_opt(&r, s, &in->f[VG_SF_LAST_REPLY]);
	vg_rec_set_begin(&r, in->npath);
	for (uint8_t i = 0; i < in->npath; i++) {
		char buf[64];
		size_t n = vg_addr_format(&in->path[i], buf, sizeof(buf));

		vg_rec_str(&r, buf, (uint32_t)n);
	}
	rec_opt(&r, s, &in->f[VG_SF_USER_AGENT]);
	vg_rec_bool(&r, in->tls);
	vg_rec_set_begin(&r, in->nfuids);
	for (uint8_t i = 0; i < in->nfuids; i++)
		vg_rec_cstr(&r, in->fuids[i]);
	vg_an_rec_write(s->cx, &r);
}

/* main.zeek's smtp_message: a transaction with client activity is logged. */
static void
smtp_message(struct vg_smtp *s)
{
	if (!s->info.has_client_activity)
		return;
	write_log(s);
	new_smtp_log(s);
}

void
vg_smtp_finalize(struct vg_smtp *s)
{
	if (s->session)
		smtp_message(s);
}

static void
mail_transaction_invalid(struct vg_smtp *s, const char *addl)
{
	vg_an_weird(s->cx, "smtp_mail_transaction_invalid", addl);
	s->invalid_transactions++;
	/* max_invalid_mail_transactions = 25: the analyzer is disabled. */
	if (s->invalid_transactions > 25 && !s->disabled) {
		vg_an_weird(s->cx, "smtp_excessive_invalid_mail_transactions", NULL);
		s->disabled = true;
	}
}

/* ---- base/utils/email.zeek ---- */

static bool
in_set(char c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/*
 * One match of email.zeek's address pattern at i (find_all tries every
 * start, so `^` matches anywhere): an optional delimiter, a local part
 * without "<,: \t@", "@", a domain without ">,; \t", an optional delimiter.
 * Returns the match's end, or 0.
 */
static uint32_t
email_match(const char *s, uint32_t len, uint32_t i)
{
	uint32_t j = i;

	if (in_set(s[j], "<,: \t"))
		j++;
	uint32_t l0 = j;

	while (j < len && !in_set(s[j], "<,: \t@"))
		j++;
	if (j == l0 || j >= len || s[j] != '@')
		return 0;
	j++;
	uint32_t d0 = j;

	while (j < len && !in_set(s[j], ">,; \t"))
		j++;
	if (j == d0)
		return 0;
	if (j < len)
		j++; /* the delimiter that ends it */
	return j;
}

bool
vg_smtp_email_nth(
	const char *s, uint32_t len, uint32_t n, uint32_t *off, uint32_t *alen, uint32_t *next)
{
	uint32_t i = *next;

	(void)n;
	while (i < len) {
		uint32_t e = email_match(s, len, i);

		if (e == 0) {
			i++;
			continue;
		}
		*off = i;
		*alen = e - i;
		*next = e;
		return true;
	}
	*next = len;
	return false;
}

/* gsub(x, /[<>,:;[:blank:]]/, "") into out; returns the length. */
static uint32_t
email_clean(const char *p, uint32_t len, char *out)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < len; i++)
		if (!in_set(p[i], "<>,:; \t"))
			out[n++] = p[i];
	return n;
}

/* ---- base/utils/addrs.zeek (IPv4) ---- */

/* Digits at p that make one octet of ipv4_decim (at most 3 digits, <= 255). */
static bool
octet_ok(const char *p, uint32_t n)
{
	uint32_t v = 0;

	if (n == 0 || n > 3)
		return false;
	for (uint32_t i = 0; i < n; i++)
		v = v * 10 + (uint32_t)(p[i] - '0');
	return v <= 255;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The longest dotted quad that starts at i, or 0. */
static uint32_t
ipv4_at(const char *s, uint32_t len, uint32_t i, uint8_t out[4])
{
	uint32_t j = i;

	for (int k = 0; k < 4; k++) {
		uint32_t d = j;

		while (j < len && is_digit(s[j]) && j - d < 3)
			j++;
		if (k < 3) {
			if (!octet_ok(s + d, j - d) || j >= len || s[j] != '.')
				return 0;
		} else {
			while (j > d && !octet_ok(s + d, j - d))
				j--;
			if (j == d)
				return 0;
		}
		uint32_t v = 0;

		for (uint32_t x = d; x < j; x++)
			v = v * 10 + (uint32_t)(s[x] - '0');
		out[k] = (uint8_t)v;
		if (k < 3)
			j++;
	}
	return j - i;
}

static bool
wrapped(char before, char after)
{
	return (before == '[' && after == ']') || (before == '(' && after == ')') ||
		(before == '{' && after == '}') || (before == ' ' && after == ' ');
}

uint32_t
vg_smtp_ipv4s(const char *s, uint32_t len, bool wrap, struct vg_addr *out, uint32_t max)
{
	uint32_t n = 0, i = 0, prev_end = 0;
	struct {
		uint32_t start, end;
		uint8_t q[4];
		bool valid;
	} m[33];
	uint32_t nm = 0;

	while (i < len && nm < 33) {
		uint8_t q[4];
		uint32_t l = ipv4_at(s, len, i, q);

		if (l == 0) {
			i++;
			continue;
		}
		m[nm].start = i;
		m[nm].end = i + l;
		/* is_valid_ip (inet_pton): no octet with a leading zero */
		m[nm].valid = true;
		for (uint32_t k = i; k + 1 < i + l; k++)
			if (s[k] == '0' && is_digit(s[k + 1]) && (k == i || s[k - 1] == '.'))
				m[nm].valid = false;
		memcpy(m[nm].q, q, 4);
		nm++;
		i += l;
	}
	for (uint32_t k = 0; k < nm && n < max; k++) {
		bool ok = true;

		if (wrap) {
			/* the parts around the match, as split_string_all gives them */
			uint32_t p1 = m[k].start - prev_end;
			uint32_t next = k + 1 < nm ? m[k + 1].start : len;
			uint32_t p3 = next - m[k].end;

			ok = (p1 == 0 && p3 == 0) ||
				(p1 > 0 && p3 > 0 && wrapped(s[m[k].start - 1], s[m[k].end]));
		}
		prev_end = m[k].end;
		if (ok && m[k].valid)
			vg_addr_from_v4(&out[n++], m[k].q);
	}
	return n;
}

/* ---- smtp_request / smtp_reply (main.zeek) ---- */

static bool
prefix_ci(const char *p, uint32_t len, const char *want)
{
	size_t n = strlen(want);

	return len >= n && strncasecmp(p, want, n) == 0;
}

static bool
cmd_is(const char *cmd, uint32_t clen, const char *want)
{
	return strlen(want) == clen && strncasecmp(cmd, want, clen) == 0;
}

/* Removes "ORCPT=rfc822" and an optional ";" after it, everywhere. */
static uint32_t
strip_orcpt(char *p, uint32_t len)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < len;) {
		if (len - i >= 12 && memcmp(p + i, "ORCPT=rfc822", 12) == 0) {
			i += 12;
			if (i < len && p[i] == ';')
				i++;
			continue;
		}
		p[n++] = p[i++];
	}
	return n;
}

static void
rcpt_to(struct vg_smtp *s, const char *arg, uint32_t alen)
{
	uint32_t next = 0, off, l;
	char buf[512];

	s->info.set_present[VG_SS_RCPTTO] = true;
	while (vg_smtp_email_nth(arg, alen, 0, &off, &l, &next)) {
		if (l > sizeof(buf))
			l = sizeof(buf);
		uint32_t n = email_clean(arg + off, l, buf);

		n = strip_orcpt(buf, n);
		set_add(s, VG_SS_RCPTTO, buf, n);
	}
	s->info.has_client_activity = true;
	s->trans_rcpt_to_seen = true;
	if (!s->trans_mail_from_seen)
		mail_transaction_invalid(s, "rcpt to missing mail from");
}

static void
mail_from(struct vg_smtp *s, const char *arg, uint32_t alen)
{
	uint32_t next = 0, off, l;
	char buf[512];

	smtp_message(s);
	if (vg_smtp_email_nth(arg, alen, 0, &off, &l, &next)) {
		if (l > sizeof(buf))
			l = sizeof(buf);
		uint32_t n = email_clean(arg + off, l, buf);

		if (n > 0)
			set_field(s, VG_SF_MAILFROM, buf, n);
	}
	s->info.has_client_activity = true;
	s->trans_mail_from_seen = true;
	s->trans_rcpt_to_seen = false;
}

void
vg_smtp_request(struct vg_smtp *s, const char *cmd, uint32_t clen, const char *arg, uint32_t alen)
{
	vg_smtp_set_session(s);
	if (cmd_is(cmd, clen, "HELO") || cmd_is(cmd, clen, "EHLO")) {
		uint32_t n = alen < sizeof(s->helo_buf) ? alen : sizeof(s->helo_buf);

		memcpy(s->helo_buf, arg, n);
		s->helo.len = (uint16_t)n;
		s->helo.set = true;
		set_field(s, VG_SF_HELO, arg, alen);
	} else if (cmd_is(cmd, clen, "RCPT") && prefix_ci(arg, alen, "to:")) {
		rcpt_to(s, arg, alen);
	} else if (cmd_is(cmd, clen, "MAIL") && prefix_ci(arg, alen, "from:")) {
		mail_from(s, arg, alen);
	} else if (cmd_is(cmd, clen, "DATA") || cmd_is(cmd, clen, "BDAT")) {
		if (!s->trans_rcpt_to_seen)
			mail_transaction_invalid(s, "data missing rcpt to");
		if (cmd_is(cmd, clen, "BDAT") && alen >= 5 &&
			memcmp(arg + alen - 5, " LAST", 5) == 0) {
			s->trans_mail_from_seen = false;
			s->trans_rcpt_to_seen = false;
			s->bdat_last_observed = true;
		}
	} else if (cmd_is(cmd, clen, ".")) {
		s->trans_mail_from_seen = false;
		s->trans_rcpt_to_seen = false;
	}
}

void
vg_smtp_reply(
	struct vg_smtp *s, uint16_t code, uint8_t cmd, const char *msg, uint32_t mlen, bool cont)
{
	char buf[VG_SMTP_LINE_RESP + 8];
	uint32_t n;

	vg_smtp_set_session(s);
	/* fmt("%d %s", code, msg) */
	buf[0] = (char)('0' + code / 100);
	buf[1] = (char)('0' + code / 10 % 10);
	buf[2] = (char)('0' + code % 10);
	buf[3] = ' ';
	n = mlen < VG_SMTP_LINE_RESP ? mlen : VG_SMTP_LINE_RESP;
	memcpy(buf + 4, msg, n);
	set_field(s, VG_SF_LAST_REPLY, buf, n + 4);
	/* the &priority=-5 handler: a message was transferred */
	if (cmd == VG_SMTP_END_OF_DATA || (!cont && cmd == VG_SMTP_BDAT && s->bdat_last_observed)) {
		s->messages_transferred++;
		s->bdat_last_observed = false;
		smtp_message(s);
		new_smtp_log(s);
	}
}

void
vg_smtp_starttls(struct vg_smtp *s)
{
	if (!s->session)
		return;
	s->info.tls = true;
	s->info.has_client_activity = true;
}

/* ---- MIME events: mime_begin_entity, mime_one_header, files ---- */

static void
ev_begin_entity(void *owner)
{
	struct vg_smtp *s = owner;

	if (!s->session)
		return;
	s->info.entity_open = true; /* entities.zeek: a new Entity */
	s->info.filename.set = false;
	s->mime_depth++;
	if (++s->info.entity_count > 1)
		s->info.process_smtp_headers = false;
}

static bool
name_is(const char *n, uint32_t nlen, const char *want)
{
	return strlen(want) == nlen && strncasecmp(n, want, nlen) == 0;
}

static bool
has_ci(const char *p, uint32_t len, const char *word, uint32_t *after)
{
	size_t w = strlen(word);

	for (uint32_t i = 0; i + w <= len; i++)
		if (strncasecmp(p + i, word, w) == 0) {
			*after = i + (uint32_t)w;
			return true;
		}
	return false;
}

/* /name[[:blank:]]*\*?=/ (with_star) or /name[[:blank:]]*=/ in v: the end of the last match, or 0.
 */
static uint32_t
name_eq(const char *v, uint32_t len, const char *word, bool with_star)
{
	uint32_t last = 0, base = 0, a;

	while (has_ci(v + base, len - base, word, &a)) {
		uint32_t j = base + a;

		while (j < len && (v[j] == ' ' || v[j] == '\t'))
			j++;
		if (with_star && j < len && v[j] == '*')
			j++;
		if (j < len && v[j] == '=')
			last = j + 1;
		base += a - (uint32_t)strlen(word) + 1;
	}
	return last;
}

static bool
lang_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '+' && c <= '^') || in_set(c, "!#$%&_`{}~");
}

/* base/utils/files.zeek's extract_filename_from_content_disposition. */
static void
entity_filename(struct vg_smtp *s, const char *v, uint32_t len)
{
	uint32_t st = name_eq(v, len, "name", true);
	char buf[VG_FILE_NAME];
	uint32_t n = 0;
	const char *p;
	uint32_t l;

	while (st < len && (v[st] == ' ' || v[st] == '\t'))
		st++;
	p = v + st;
	l = len - st;
	if (l > 0 && p[0] == '"') {
		uint32_t e = 1;

		while (e < l && p[e] != '"')
			e++;
		p++;
		l = e - 1;
	}
	/* language'encoding' prefix (RFC 2231) */
	uint32_t i = 0;

	while (i < l && lang_char(p[i]) && p[i] != '\'')
		i++;
	if (i > 0 && i < l && p[i] == '\'') {
		uint32_t j = i + 1;

		while (j < l && (lang_char(p[j]) && p[j] != '\''))
			j++;
		if (j < l && p[j] == '\'') {
			uint32_t lastq = 0;

			for (uint32_t k = 0; k < l; k++)
				if (p[k] == '\'')
					lastq = k;
			p += lastq + 1;
			l -= lastq + 1;
		}
	}
	/* unescape_URI */
	for (uint32_t k = 0; k < l && n < sizeof(buf); k++) {
		if (p[k] == '%' && k + 2 < l && vg_hexval(p[k + 1]) >= 0 &&
			vg_hexval(p[k + 2]) >= 0) {
			buf[n++] = (char)(vg_hexval(p[k + 1]) * 16 + vg_hexval(p[k + 2]));
			k += 2;
		} else {
			buf[n++] = p[k];
		}
	}
	put_str(s, &s->info.filename, buf, n);
}

/* split_mime_email_addresses: /(\"[^"]*\")?[^,]+/ everywhere, each stripped. */
static void
add_mime_addrs(struct vg_smtp *s, enum vg_smtp_set set, const char *v, uint32_t len)
{
	s->info.set_present[set] = true;
	for (uint32_t i = 0; i < len;) {
		uint32_t e = i;

		while (e < len && v[e] != ',')
			e++;
		if (v[i] == '"') {
			uint32_t q = i + 1, k;

			while (q < len && v[q] != '"')
				q++;
			if (q < len) {
				k = q + 1;
				while (k < len && v[k] != ',')
					k++;
				if (k > q + 1 && k > e)
					e = k;
			}
		}
		if (e == i) {
			i++;
			continue;
		}
		uint32_t a = i, b = e;

		while (a < b && (v[a] == ' ' || v[a] == '\t' || v[a] == '\r' || v[a] == '\n'))
			a++;
		while (b > a &&
			(v[b - 1] == ' ' || v[b - 1] == '\t' || v[b - 1] == '\r' ||
				v[b - 1] == '\n'))
			b--;
		set_add(s, set, v + a, b - a);
		i = e;
	}
}

/* find_address_in_smtp_header and the path (main.zeek, &priority=3). */
static void
received_path(struct vg_smtp *s, const char *v, uint32_t len)
{
	struct vg_smtp_info *in = &s->info;
	struct vg_addr ips[2];
	uint32_t n = vg_smtp_ipv4s(v, len, true, ips, 2);
	struct vg_addr *ip;

	if (n == 0 || !in->process_received_from)
		return;
	ip = &ips[n > 1 ? 1 : 0];
	if (vg_addr_cmp(&in->path[in->npath - 1], ip) == 0)
		return;
	if (in->npath == VG_SMTP_PATH) {
		s->truncated++;
		return;
	}
	in->path[in->npath++] = *ip;
}

static void
ev_header(void *owner, const char *n, uint32_t nlen, const char *v, uint32_t vlen)
{
	struct vg_smtp *s = owner;
	struct vg_smtp_info *in = &s->info;
	uint32_t a;

	if (!s->session)
		return;
	if (in->process_smtp_headers) {
		if (name_is(n, nlen, "MESSAGE-ID")) {
			set_field(s, VG_SF_MSG_ID, v, vlen);
		} else if (name_is(n, nlen, "RECEIVED")) {
			if (in->f[VG_SF_FIRST_RECEIVED].set)
				in->f[VG_SF_SECOND_RECEIVED] = in->f[VG_SF_FIRST_RECEIVED];
			set_field(s, VG_SF_FIRST_RECEIVED, v, vlen);
			received_path(s, v, vlen);
		} else if (name_is(n, nlen, "IN-REPLY-TO")) {
			set_field(s, VG_SF_IN_REPLY_TO, v, vlen);
		} else if (name_is(n, nlen, "SUBJECT")) {
			set_field(s, VG_SF_SUBJECT, v, vlen);
		} else if (name_is(n, nlen, "FROM")) {
			set_field(s, VG_SF_FROM, v, vlen);
		} else if (name_is(n, nlen, "REPLY-TO")) {
			set_field(s, VG_SF_REPLY_TO, v, vlen);
		} else if (name_is(n, nlen, "DATE")) {
			set_field(s, VG_SF_DATE, v, vlen);
		} else if (name_is(n, nlen, "TO")) {
			add_mime_addrs(s, VG_SS_TO, v, vlen);
		} else if (name_is(n, nlen, "CC")) {
			add_mime_addrs(s, VG_SS_CC, v, vlen);
		} else if (name_is(n, nlen, "X-ORIGINATING-IP")) {
			struct vg_addr ip;

			if (vg_smtp_ipv4s(v, vlen, false, &ip, 1) == 1) {
				in->xoip = ip;
				in->has_xoip = true;
			}
		} else if (name_is(n, nlen, "X-MAILER") || name_is(n, nlen, "USER-AGENT") ||
			name_is(n, nlen, "X-USER-AGENT")) {
			set_field(s, VG_SF_USER_AGENT, v, vlen);
		}
	}
	/* entities.zeek */
	if (!in->entity_open)
		return;
	if (name_is(n, nlen, "CONTENT-DISPOSITION") && name_eq(v, vlen, "filename", true) > 0)
		entity_filename(s, v, vlen);
	if (name_is(n, nlen, "CONTENT-TYPE") && name_eq(v, vlen, "name", false) > 0)
		entity_filename(s, v, vlen);
	(void)a;
}

/* The current entity's file, begun at its first bytes (or a gap in them). */
static struct vg_file *
entity_file(struct vg_smtp *s)
{
	if (s->file == NULL && !s->file_failed) {
		struct vg_file_info fi = {
			.source = "SMTP",
			.is_orig = s->mail_is_orig,
			.depth = (uint32_t)s->mime_depth,
			.total_bytes = -1,
			.seq = ++s->file_seq,
		};

		if (s->info.entity_open && s->info.filename.set) {
			fi.filename = str_of(s, &s->info.filename);
			fi.filename_len = s->info.filename.len;
		}
		s->file = vg_file_begin(s->cx, &fi, s->fuid);
		if (s->file == NULL) {
			s->file_failed = true;
			return NULL;
		}
		/* files.zeek: file_over_new_connection */
		if (s->session && !s->info.tls) {
			if (s->info.nfuids < VG_SMTP_FUIDS)
				memcpy(s->info.fuids[s->info.nfuids++], s->fuid, sizeof(s->fuid));
			else
				s->truncated++;
		}
	}
	return s->file;
}

/* MIME_Mail::SubmitData */
static void
ev_data(void *owner, const uint8_t *p, uint32_t len)
{
	struct vg_smtp *s = owner;
	struct vg_file *f = entity_file(s);

	if (f != NULL)
		vg_file_data(s->cx, f, p, len);
}

/* MIME_Mail::Undelivered: the entity's file misses `len` bytes. */
void
vg_smtp_file_gap(struct vg_smtp *s, uint64_t len)
{
	struct vg_file *f = entity_file(s);

	if (f != NULL)
		vg_file_gap(s->cx, f, len);
}

static void
ev_end_entity(void *owner)
{
	struct vg_smtp *s = owner;

	s->info.entity_open = false;
	s->file_failed = false;
	if (s->file != NULL) {
		vg_file_end(s->cx, s->file);
		s->file = NULL;
	}
}

static void
ev_weird(void *owner, const char *name, const char *addl, bool conn_level)
{
	struct vg_smtp *s = owner;

	if (conn_level)
		vg_an_weird_src(s->cx, name, addl, NULL);
	else
		vg_an_weird(s->cx, name, addl);
}

const struct vg_mime_ops vg_smtp_mime_ops = {
	.begin_entity = ev_begin_entity,
	.header = ev_header,
	.data = ev_data,
	.end_entity = ev_end_entity,
	.weird = ev_weird,
};
