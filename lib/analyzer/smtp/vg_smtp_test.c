/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SMTP analyzer: smtp.log and files.log for whole sessions, the same records
 * whatever the split of the byte streams, pipelined commands, multi-line
 * replies, nested multipart with base64 and quoted-printable parts, BDAT
 * chunks, invalid transactions, STARTTLS, the helpers and the probe.
 */
#include "vg_an_testctx.h"
#include "vg_files.h"
#include "vg_smtp.h"
#include "vg_test.h"

extern struct vg_schema vg_smtp_schema;
extern uint16_t vg_smtp_log_id;

static struct vg_an_ctx cx = {.now = 1000000000ULL * 1700000000ULL, .uid = "CSmtpTest1"};
static struct vg_smtp *s;

static void
conn_begin(void)
{
	memset(s, 0, sizeof(*s));
	vg_smtp_analyzer.init(s, &cx);
	tc_reset(&cx);
}

static void
feed(bool is_orig, const char *d, size_t len)
{
	vg_smtp_analyzer.stream(s, &cx, is_orig, (const uint8_t *)d, (uint32_t)len);
}

static void
feed_cut(bool is_orig, const char *d, size_t len, size_t cut)
{
	if (cut == 0 || cut >= len) {
		feed(is_orig, d, len);
		return;
	}
	feed(is_orig, d, cut);
	feed(is_orig, d + cut, len - cut);
}

static char *
conn_end(void)
{
	vg_smtp_analyzer.end(s, &cx, VG_AN_END_CLOSE);
	return strdup(cx.out ? cx.out : "");
}

/* A session as turns: even entries are the client's, odd ones the server's. */
static char *
run_turns(const char *const *turns, size_t n, size_t cut)
{
	conn_begin();
	for (size_t i = 0; i < n; i++)
		feed_cut(i % 2 == 0, turns[i], strlen(turns[i]), cut);
	return conn_end();
}

static int
count_lines(const char *s, const char *prefix)
{
	int n = 0;

	for (const char *p = s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

static const char mime_msg[] = "Received: from a.example (a.example [192.0.2.7]) by mx\r\n"
			       "\tfor <b@example.org>; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
			       "From: \"Doe, Alice\" <alice@example.com>\r\n"
			       "To: Bob <bob@example.org>, carol@example.org\r\n"
			       "Subject: nested\r\n"
			       "Message-ID: <m1@example.com>\r\n"
			       "X-Mailer: tmail 1.0\r\n"
			       "X-Originating-IP: [198.51.100.9]\r\n"
			       "MIME-Version: 1.0\r\n"
			       "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
			       "\r\n"
			       "preamble\r\n"
			       "--outer\r\n"
			       "Content-Type: multipart/alternative; boundary=inner\r\n"
			       "\r\n"
			       "--inner\r\n"
			       "Content-Type: text/plain\r\n"
			       "Content-Transfer-Encoding: quoted-printable\r\n"
			       "\r\n"
			       "caf=65 soft=\r\n"
			       "break\r\n"
			       "--inner\r\n"
			       "Content-Type: text/html\r\n"
			       "\r\n"
			       "<html><body>hi</body></html>\r\n"
			       "--inner--\r\n"
			       "--outer\r\n"
			       "Content-Type: application/octet-stream; name=\"x.bin\"\r\n"
			       "Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
			       "Content-Transfer-Encoding: base64\r\n"
			       "\r\n"
			       "JVBERi0x\r\n"
			       "LjQKJeLj\r\n"
			       "z9MK\r\n"
			       "--outer--\r\n"
			       "..dot-stuffed epilogue\r\n"
			       ".\r\n";

static const char *const session[] = {
	"",
	"220 mx.example.org ESMTP\r\n",
	"EHLO client.example\r\n",
	"250-mx.example.org\r\n250-PIPELINING\r\n250 CHUNKING\r\n",
	/* pipelined: MAIL, two RCPTs and DATA in one go */
	"MAIL FROM:<alice@example.com> SIZE=100\r\nRCPT TO:<bob@example.org>\r\n"
	"RCPT TO:<carol@example.org> ORCPT=rfc822;carol@example.org\r\nDATA\r\n",
	"250 ok\r\n250 ok\r\n250 ok\r\n354 go ahead\r\n",
	mime_msg,
	"250 2.0.0 queued as 1\r\n",
	"QUIT\r\n",
	"221 bye\r\n",
};

static void
test_session(void)
{
	char *whole = run_turns(session, sizeof(session) / sizeof(session[0]), 0);
	if (getenv("SMTP_DEBUG"))
		fprintf(stderr, "%s", whole);

	CHECK_EQ(count_lines(whole, "smtp\t"), 1);
	CHECK_EQ(count_lines(whole, "files\t"), 3);
	CHECK(strstr(whole,
		      "\t80\t1\tclient.example\talice@example.com\t"
		      "bob@example.org,carol@example.org\t-\t\"Doe, Alice\" "
		      "<alice@example.com>\tBob <bob@example.org>,carol@example.org\t-\t-\t"
		      "<m1@example.com>\t-\tnested\taddr\tfrom a.example (a.example "
		      "[192.0.2.7]) by mx\tfor <b@example.org>; Mon, 1 Jan 2024 00:00:00 "
		      "+0000\t-\t250 2.0.0 queued as 1\t93.184.216.34,10.0.0.1,192.0.2.7\t"
		      "tmail 1.0\tF\t") != NULL);
	/* quoted-printable: soft break joined, CRLF kept but the one before the boundary */
	CHECK(strstr(whole, "\tSMTP\t3\t(empty)\ttext/plain\t-\t") != NULL);
	CHECK(strstr(whole, "\tSMTP\t4\t(empty)\ttext/html\t-\t") != NULL);
	/* base64 across lines: 15 bytes of a PDF, named by Content-Disposition */
	CHECK(strstr(whole, "\tSMTP\t5\t(empty)\tapplication/pdf\treport.pdf\t") != NULL);
	CHECK(strstr(whole, "\t15\t-\t0\t0\tF\t") != NULL);
	CHECK(strstr(whole, "\t16\t-\t0\t0\tF\t") != NULL); /* "cafe softbreak\r\n" */
	/* every split of every turn gives the same records */
	for (size_t cut = 1; cut < 2200; cut++) {
		char *o = run_turns(session, sizeof(session) / sizeof(session[0]), cut);
		int same = strcmp(o, whole) == 0;

		if (!same)
			fprintf(stderr, "cut %zu:\n%s\nwant:\n%s\n", cut, o, whole);
		CHECK(same);
		free(o);
		if (!same)
			break;
	}
	free(whole);
}

static void
test_multiline_and_transactions(void)
{
	static const char *const t[] = {
		"",
		"220-first\r\n220-second\r\n220 third\r\n",
		"HELO h\r\nRCPT TO:<x@y>\r\n",
		"250 hi\r\n503 need mail\r\n",
		"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n",
		"250 a\r\n250 b\r\n354 c\r\n",
		"Subject: one\r\n\r\nbody\r\n.\r\n",
		"250 one done\r\n",
		"MAIL FROM:<e@f>\r\nRCPT TO:<g@h>\r\nDATA\r\n",
		"250 a\r\n250 b\r\n354 c\r\n",
		"Subject: two\r\n\r\n.\r\n",
		"250 two done\r\n",
	};
	cx.with_weirds = true;
	char *o = run_turns(t, sizeof(t) / sizeof(t[0]), 0);

	cx.with_weirds = false;
	CHECK_EQ(count_lines(o, "smtp\t"), 3);
	/* RCPT without MAIL: a weird and a row of its own at the next MAIL */
	CHECK(strstr(o, "smtp_mail_transaction_invalid") != NULL);
	CHECK(strstr(o, "\t1\th\t-\tx@y\t") != NULL);
	CHECK(strstr(o, "\t1\th\ta@b\tc@d\t-\t-\t(empty)\t-\t-\t-\t-\tone\t") == NULL);
	CHECK(strstr(o, "\t1\th\ta@b\tc@d\t-\t-\t-\t-\t-\t-\t-\tone\t-\t-\t-\t250 one done\t") !=
		NULL);
	CHECK(strstr(o, "\t2\th\te@f\tg@h\t-\t-\t-\t-\t-\t-\t-\ttwo\t-\t-\t-\t250 two done\t") !=
		NULL);
	free(o);
}

static void
test_bdat(void)
{
	static const char *const t[] = {
		"",
		"220 x\r\n",
		"EHLO h\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 20\r\nSubject: chunked\r\n"
		"\r\nBDAT 6 LAST\r\nab\r\ncd",
		"250 h\r\n250 a\r\n250 b\r\n250 20 octets\r\n250 ok queued\r\n",
		"QUIT\r\n",
		"221 bye\r\n",
	};
	char *whole = run_turns(t, sizeof(t) / sizeof(t[0]), 0);

	CHECK_EQ(count_lines(whole, "smtp\t"), 1);
	if (getenv("SMTP_DEBUG"))
		fprintf(stderr, "%s", whole);
	/* pipelined: the first chunk's reply comes after BDAT LAST was seen (main.zeek) */
	CHECK(strstr(whole, "\tchunked\t-\t-\t-\t250 20 octets\t") != NULL);
	CHECK(strstr(whole, "\t6\t-\t0\t0\tF\t") != NULL); /* "ab\r\ncd": 2 + 2 + 2 */
	for (size_t cut = 1; cut < 90; cut++) {
		char *o = run_turns(t, sizeof(t) / sizeof(t[0]), cut);

		CHECK(strcmp(o, whole) == 0);
		free(o);
	}
	free(whole);
	uint64_t size;
	bool last;

	CHECK(vg_smtp_bdat_arg("86 LAST", 7, &size, &last) == NULL && size == 86 && last);
	CHECK(vg_smtp_bdat_arg("86 last", 7, &size, &last) == NULL && last);
	CHECK(strcmp(vg_smtp_bdat_arg(" 86", 3, &size, &last),
		      "BDAT not followed by a valid chunk-size") == 0);
	CHECK(strcmp(vg_smtp_bdat_arg("86LAST", 6, &size, &last), "BDAT chunk-size not valid") ==
		0);
	CHECK(strcmp(vg_smtp_bdat_arg("86 LASTX", 8, &size, &last),
		      "BDAT chunk-size followed by junk") == 0);
	CHECK(strcmp(vg_smtp_bdat_arg("184467440737095516150", 21, &size, &last),
		      "BDAT chunk-size too large") == 0);
}

static void
test_starttls(void)
{
	static const char srv_tls[] = "250 h\r\n220 Ready to start TLS\r\n\x16\x03\x03\x00\x02hi";
	static const char *const t[] = {
		"",
		"220 x\r\n",
		"EHLO h\r\nSTARTTLS\r\n",
		srv_tls,
		"\x16\x03\x01\x00\x05hello",
		"\x16\x03\x03\x00\x02hi",
	};
	cx.handoff[0] = '\0';
	char *o = run_turns(t, sizeof(t) / sizeof(t[0]), 0);

	CHECK_EQ(count_lines(o, "smtp\t"), 1);
	CHECK(strstr(o,
		      "\t1\th\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t220 Ready to start TLS\t"
		      "93.184.216.34,10.0.0.1\t-\tT\t(empty)\n") != NULL);
	CHECK_EQ(cx.violations, 0);
	/* the TLS bytes after the 220 line, and all later ones, go to "ssl" */
	CHECK(strcmp(cx.handoff, "ssl") == 0);
	CHECK_EQ(cx.handoff_from, 31);
	free(o);
	/* STARTTLS refused: no hand-off, SMTP goes on */
	static const char *const u[] = {
		"",
		"220 x\r\n",
		"EHLO h\r\nSTARTTLS\r\nMAIL FROM:<a@b>\r\n",
		"250 h\r\n454 TLS not available\r\n250 ok\r\n",
	};
	cx.handoff[0] = '\0';
	o = run_turns(u, sizeof(u) / sizeof(u[0]), 0);
	CHECK(cx.handoff[0] == '\0');
	CHECK(strstr(o, "\ta@b\t") != NULL && strstr(o, "\t250 ok\t") != NULL);
	CHECK(strstr(o, "\tF\t(empty)\n") != NULL);
	free(o);
}

/* A content gap in a BDAT chunk ends the message (as Zeek's smtp/bdat-gap shows). */
static void
test_gap(void)
{
	static const char c1[] = "EHLO h\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 200\r\nAAAA";
	static const char s1[] = "220 x\r\n250 h\r\n250 a\r\n250 b\r\n250 ok\r\n";

	cx.with_weirds = true;
	conn_begin();
	feed(false, s1, strlen(s1));
	feed(true, c1, strlen(c1));
	vg_smtp_analyzer.gap(s, &cx, true, 100);
	feed(true, "DATA\r\n", 6);
	feed(false, "354 go\r\n", 8);
	feed(true, "Subject: after\r\n\r\nbody\r\n.\r\n", 31);
	feed(false, "250 queued\r\n", 12);
	char *o = conn_end();

	cx.with_weirds = false;
	if (getenv("SMTP_DEBUG"))
		fprintf(stderr, "%s", o);
	CHECK(strstr(o, "smtp_bdat_remaining_at_end_data") != NULL);
	CHECK(strstr(o, "smtp_bdat_undelivered_at_done") != NULL);
	CHECK(strstr(o, "smtp_nested_mail_transaction") == NULL);
	CHECK_EQ(count_lines(o, "files\t"), 2);
	/* "AAAA" was a partial header line: no body bytes, 100 missing */
	CHECK(strstr(o, "\tT\tT\t0\t-\t100\t0\tF\t") != NULL);
	/* the 354 after the gap restarts data (from the reply's side, as SMTP.cc);
	 * the transaction's second entity: its headers are not the message's */
	CHECK(strstr(o, "\tF\tF\t6\t-\t0\t0\tF\t") != NULL);
	CHECK(strstr(o, "\t-\t-\t-\t250 queued\t") != NULL);
	free(o);
}

/* Base64 as Zeek's Base64Converter: groups after padding ignored, short groups padded. */
static void
test_base64(void)
{
	static const char body[] =
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		"--b\r\nContent-Transfer-Encoding: base64\r\n\r\nSGk=SGVsbG8=\r\n"
		"--b\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVs\r\nbG8\r\n"
		"--b--\r\n.\r\n";
	static const char *const t[] = {
		"",
		"220 x\r\n",
		"HELO h\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n",
		"250 h\r\n250 a\r\n250 b\r\n354 go\r\n",
		body,
		"250 ok\r\n",
	};
	cx.with_weirds = true;
	char *o = run_turns(t, sizeof(t) / sizeof(t[0]), 0);

	cx.with_weirds = false;
	CHECK(strstr(o, "extra base64 groups after '=' padding are ignored") != NULL);
	CHECK(strstr(o, "\tT\tT\t2\t-\t0\t0\tF\t") != NULL); /* "Hi" only */
	CHECK(strstr(o, "\tT\tT\t5\t-\t0\t0\tF\t") != NULL); /* "Hello", padded */
	free(o);
	/* the incomplete group's weird (the name is logged once per connection) */
	static const char body2[] = "Content-Transfer-Encoding: base64\r\n\r\nSGVsbG8\r\n.\r\n";
	const char *t2[] = {t[0], t[1], t[2], t[3], body2, t[5]};

	cx.with_weirds = true;
	o = run_turns(t2, 6, 0);
	cx.with_weirds = false;
	CHECK(strstr(o, "incomplete base64 group, padding with 6 bits of 0") != NULL);
	CHECK(strstr(o, "\tT\tT\t5\t-\t0\t0\tF\t") != NULL);
	free(o);
}

static void
test_helpers(void)
{
	struct vg_addr a[4];
	uint32_t next = 0, off, len;
	const char *x = "TO:<x@y.org> ORCPT=rfc822;x@y.org";

	CHECK_EQ(vg_smtp_ipv4s("from h ([10.1.2.3]) by 1.2.3.4 x", 33, true, a, 4), 2);
	CHECK_EQ(vg_smtp_ipv4s("from h (10.1.2.3) by 1.2.3.4:x", 31, true, a, 4), 1);
	CHECK_EQ(vg_smtp_ipv4s("a 10.1.2.3 b 300.1.1.1 c 1.2.3.4", 32, false, a, 4), 2);
	CHECK_EQ(vg_smtp_ipv4s("10.0.0.1", 8, true, a, 4), 1);
	CHECK(vg_smtp_email_nth(x, (uint32_t)strlen(x), 0, &off, &len, &next));
	CHECK(off == 3 && len == 9);
	CHECK(vg_smtp_email_nth(x, (uint32_t)strlen(x), 0, &off, &len, &next));
	CHECK(!vg_smtp_email_nth(x, (uint32_t)strlen(x), 0, &off, &len, &next));
	const char *srv = "220 mx ESMTP\r\n", *cli = "EHLO me\r\n";

	CHECK(vg_smtp_analyzer.probe((const uint8_t *)srv, 14, false) == VG_PROBE_YES);
	CHECK(vg_smtp_analyzer.probe((const uint8_t *)cli, 9, true) == VG_PROBE_YES);
	CHECK(vg_smtp_analyzer.probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16, false) ==
		VG_PROBE_NO);
}

int
main(void)
{
	struct vg_files_config fc = {.pool_files = 64};

	vg_files_configure(&fc);
	vg_smtp_schema.id = 100;
	vg_smtp_log_id = 100;
	vg_files_schema.id = 101;
	cx.schemas[0] = &vg_smtp_schema;
	cx.schemas[1] = &vg_files_schema;
	s = calloc(1, sizeof(*s));
	test_session();
	test_multiline_and_transactions();
	test_bdat();
	test_starttls();
	test_gap();
	test_base64();
	test_helpers();
	free(s);
	printf("smtp: %u checks, %u failed (state %zu bytes)\n", n_checks, n_failed,
		sizeof(struct vg_smtp));
	return n_failed != 0;
}
