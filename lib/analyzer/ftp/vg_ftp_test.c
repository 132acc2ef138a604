/* SPDX-License-Identifier: BSD-3-Clause */
/* FTP analyzer unit tests, through the test context (vg_an_testctx.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_an_testctx.h"
#include "vg_files.h"
#include "vg_ftp.h"
#include "vg_test.h"

static struct vg_an_ctx cx;
static struct vg_ftp st;

/* One message of a session: 'C' client, 'S' server. */
struct msg {
	char dir;
	const char *text;
};

static void
start(void)
{
	memset(&st, 0, sizeof(st));
	tc_reset(&cx);
	cx.expects = 0;
	cx.now = 1000000000;
	vg_ftp_analyzer.init(&st, &cx);
}

static void
feed(char dir, const char *p, uint32_t n)
{
	if (n > 0)
		vg_ftp_analyzer.stream(&st, &cx, dir == 'C', (const uint8_t *)p, n);
}

/* The whole session; each message is cut at `cut` (0: whole) or byte by byte (-1). */
static char *
run(const struct msg *m, int cut)
{
	start();
	for (; m->text != NULL; m++) {
		uint32_t n = (uint32_t)strlen(m->text);

		cx.now += 1000000;
		if (cut < 0) {
			for (uint32_t i = 0; i < n; i++)
				feed(m->dir, m->text + i, 1);
		} else {
			uint32_t k = (uint32_t)cut < n ? (uint32_t)cut : n;

			feed(m->dir, m->text, k);
			feed(m->dir, m->text + k, n - k);
		}
	}
	vg_ftp_analyzer.end(&st, &cx, VG_AN_END_CLOSE);
	return strdup(cx.out ? cx.out : "");
}

static const struct msg passive_session[] = {
	{'S', "220 (vsFTPd 3.0.3)\r\n"},
	{'C', "USER anonymous\r\n"},
	{'S', "331 Please specify the password.\r\n"},
	{'C', "PASS me@example.com\r\n"},
	{'S', "230-Welcome\r\n to the server\r\n230 Login successful.\r\n"},
	{'C', "CWD pub\r\n"},
	{'S', "250 Directory successfully changed.\r\n"},
	{'C', "PASV\r\n"},
	{'S', "227 Entering Passive Mode (10,0,0,2,117,48).\r\n"},
	{'C', "RETR a.txt\r\n"},
	{'S', "150 Opening BINARY mode data connection for a.txt (1234 bytes).\r\n"},
	{'S', "226 Transfer complete.\r\n"},
	{'C', "QUIT\r\n"},
	{'S', "221 Goodbye.\r\n"},
	{0, NULL},
};

static void
test_session(void)
{
	char *whole = run(passive_session, 0);

	CHECK(strstr(whole, "ftp\t1.0") != NULL);
	if (getenv("FTP_DEBUG"))
		fputs(whole, stderr);
	CHECK(strstr(whole,
		      "\tanonymous\tme@example.com\tPASV\t-\t-\t-\t227\tEntering Passive "
		      "Mode (10,0,0,2,117,48).\tT\taddr\taddr\t30000\t-\n") != NULL);
	CHECK(strstr(whole,
		      "\tanonymous\tme@example.com\tRETR\tftp://93.184.216.34/./pub/a.txt\t-"
		      "\t1234\t226\tTransfer complete.\t-\t-\t-\t-\t-\n") != NULL);
	CHECK_EQ(cx.records, 2);
	CHECK_EQ(cx.confirms, 1);
	/* PASV's reply announced the data connection: client -> 10.0.0.2:30000. */
	CHECK_EQ(cx.expects, 1);
	CHECK(cx.expect_an == &vg_ftp_data_analyzer);
	CHECK_EQ(cx.expect_resp_p, 30000);
	CHECK(!cx.expect_any_orig && cx.expect_orig_h.b[15] == 1 && cx.expect_resp_h.b[15] == 2);
	CHECK_EQ(cx.violations, 0);
	/* Every cut of every message, and byte by byte: the same log. */
	for (int cut = -1; cut < 80; cut++) {
		char *o = run(passive_session, cut);

		if (strcmp(o, whole) != 0) {
			fprintf(stderr, "cut %d:\n%s\nwant:\n%s\n", cut, o, whole);
			CHECK(0);
		}
		free(o);
	}
	free(whole);
}

static const struct msg active_session[] = {
	{'S', "220 ready\r\n"},
	{'C', "USER bob\r\n"},
	{'S', "331 pw\r\n"},
	{'C', "PASS secret\r\n"},
	{'S', "230 ok\r\n"},
	{'C', "PORT 10,0,0,1,4,1\r\n"},
	{'S', "200 PORT command successful.\r\n"},
	{'C', "STOR /up/b.bin\r\n"},
	{'S', "150 Ok to send data.\r\n"},
	{'S', "226 Transfer complete.\r\n"},
	{'C', "EPRT |2|::1|2000|\r\n"},
	{'S', "200 EPRT ok.\r\n"},
	{'C', "DELE x\r\n"},
	{'S', "250 deleted\r\n"},
	{0, NULL},
};

static void
test_active_and_hidden_password(void)
{
	char *o = run(active_session, 0);

	/* PORT and EPRT: the server (93.184.216.34) connects to the client's port. */
	CHECK_EQ(cx.expects, 2);
	CHECK_EQ(cx.expect_resp_p, 2000);
	CHECK(cx.expect_orig_h.b[15] == 34 && cx.expect_resp_h.b[15] == 1);

	/* Not a guest: the password is hidden; PORT's channel runs server -> client. */
	CHECK(strstr(o,
		      "\tbob\t<hidden>\tPORT\t10,0,0,1,4,1\t-\t-\t200\tPORT command "
		      "successful.\tF\taddr\taddr\t1025\t-\n") != NULL);
	/* STOR's 150 does not set file_size; the path is absolute. */
	CHECK(strstr(o, "\tbob\t<hidden>\tSTOR\tftp://93.184.216.34/up/b.bin\t-\t-\t226\t") !=
		NULL);
	CHECK(strstr(o, "\tEPRT\t|2|::1|2000|\t-\t-\t200\tEPRT ok.\tF\taddr\taddr\t2000\t-\n") !=
		NULL);
	/* The last command is logged when the connection ends (finalize_ftp). */
	CHECK(strstr(o, "\tDELE\tftp://93.184.216.34/./x\t-\t-\t250\tdeleted\t") != NULL);
	CHECK_EQ(cx.records, 4);
	free(o);
}

static const struct msg failed_login[] = {
	{'S', "220 ready\r\n"},
	{'C', "USER deploy\r\n"},
	{'S', "331 pw\r\n"},
	{'C', "PASS wrong\r\n"},
	{'S', "530 Authentication failed.\r\n"},
	{0, NULL},
};

static void
test_at_least_one(void)
{
	char *o = run(failed_login, 0);

	/* FTP::log_at_least_one_command: the PASS line, password and arg hidden. */
	CHECK_EQ(cx.records, 1);
	CHECK(strstr(o,
		      "\tdeploy\t<hidden>\tPASS\t<hidden>\t-\t-\t530\tAuthentication "
		      "failed.\t-\t-\t-\t-\t-\n") != NULL);
	free(o);
}

static const struct msg pipelined[] = {
	{'S', "220 ready\r\n"},
	{'C', "USER a\r\nPASS b\r\nPASV\r\n"},
	{'S', "331 pw\r\n230 ok\r\n227 Entering Passive Mode (1,2,3,4,0,21)\r\n"},
	{'C', "NOOP\r\n"},
	{'S', "200 ok\r\n"},
	{0, NULL},
};

static void
test_pipelined(void)
{
	char *o = run(pipelined, 0);

	/* Replies pair with the queued commands by code (get_pending_cmd). */
	CHECK(strstr(o,
		      "\tPASV\t-\t-\t-\t227\tEntering Passive Mode (1,2,3,4,0,21)\tT\taddr\t"
		      "addr\t21\t-\n") != NULL);
	CHECK_EQ(cx.records, 1);
	free(o);
}

static const struct msg garbage[] = {
	{'S', "220 ready\r\n"},
	{'C', "\x01\x02\r\nUSER x\r\n\xff\xfe\r\n"},
	{'S', "hello\r\n"},
	{0, NULL},
};

static void
test_garbage(void)
{
	char *o;

	cx.with_weirds = true;
	o = run(garbage, 0);
	CHECK(strstr(o, "weird\tFTP_invalid_command") != NULL);
	CHECK_EQ(cx.violations, 1);
	cx.with_weirds = false;
	free(o);
	/* Too many pending commands: a weird, never more than the table. */
	start();
	cx.with_weirds = true;
	for (int i = 0; i < 30; i++)
		feed('C', "NOOP\r\n", 6);
	CHECK(strstr(cx.out, "weird\tFTP_too_many_pending_commands\t20") != NULL);
	CHECK_EQ(st.npending, VG_FTP_MAX_PENDING);
	cx.with_weirds = false;
	vg_ftp_analyzer.end(&st, &cx, VG_AN_END_CLOSE);
	/* A line longer than the buffer is cut and counted, never overrun. */
	start();
	uint64_t before = vg_ftp_stats.lines_truncated;
	char big[5000];

	memset(big, 'A', sizeof(big));
	feed('C', "USER ", 5);
	feed('C', big, sizeof(big));
	feed('C', "\r\n", 2);
	CHECK_EQ(vg_ftp_stats.lines_truncated, before + 1);
	CHECK_EQ(st.user_len, VG_FTP_MAX_USER - 1);
	vg_ftp_analyzer.end(&st, &cx, VG_AN_END_CLOSE);
}

static void
check_port(struct vg_ftp_port p, bool valid, const char *addr, uint16_t port)
{
	char b[64];

	CHECK_EQ(p.valid, valid);
	if (!valid || !p.valid)
		return;
	vg_addr_format(&p.h, b, sizeof(b));
	if (strcmp(b, addr) != 0) {
		fprintf(stderr, "addr %s want %s\n", b, addr);
		CHECK(0);
	}
	CHECK_EQ(p.p, port);
}

static void
test_port_parsing(void)
{
	check_port(vg_ftp_parse_port("10,0,0,1,4,31"), true, "10.0.0.1", 1055);
	check_port(vg_ftp_parse_port(" 10, 0,0,1,4,31 trailing"), true, "10.0.0.1", 1055);
	check_port(vg_ftp_parse_port("10,0,0,1,4"), false, NULL, 0);
	check_port(vg_ftp_parse_port("10,0,0,1,4,256"), false, NULL, 0);
	check_port(vg_ftp_parse_port("10,0,0,-1,4,3"), false, NULL, 0);
	check_port(vg_ftp_parse_port("10 ,0,0,1,4,3"), false, NULL, 0);
	check_port(vg_ftp_parse_port("1,2,3,4,5,6"), true, "1.2.3.4", 1286);
	check_port(vg_ftp_parse_port("1,2,3,4,5"), false, NULL, 0);
	check_port(vg_ftp_parse_port(""), false, NULL, 0);
	check_port(vg_ftp_parse_port("99999999999999999999,1,1,1,1,1"), false, NULL, 0);
	check_port(vg_ftp_parse_pasv("Entering Passive Mode (164,107,123,6,183,187)"), true,
		"164.107.123.6", 47035);
	check_port(vg_ftp_parse_pasv("Entering Passive Mode 10,1,2,3,0,80"), true, "10.1.2.3", 80);
	check_port(vg_ftp_parse_pasv("PORT 10,1,2,3,0,80"), true, "10.1.2.3", 80);
	check_port(vg_ftp_parse_pasv("xPORT"), false, NULL, 0);
	check_port(vg_ftp_parse_pasv("no address"), false, NULL, 0);
	check_port(vg_ftp_parse_pasv("("), false, NULL, 0);
	check_port(vg_ftp_parse_pasv(""), false, NULL, 0);
	check_port(
		vg_ftp_parse_epsv("Entering Extended Passive Mode (|||40044|)"), true, "::", 40044);
	check_port(vg_ftp_parse_epsv("(!!!9!)"), true, "::", 9);
	check_port(vg_ftp_parse_epsv("(|||70000|)"), false, NULL, 0);
	check_port(vg_ftp_parse_epsv("(|||12)"), false, NULL, 0);
	check_port(vg_ftp_parse_epsv("no paren"), false, NULL, 0);
	check_port(vg_ftp_parse_epsv("("), false, NULL, 0);
	check_port(vg_ftp_parse_epsv("(|"), false, NULL, 0);
	check_port(vg_ftp_parse_eprt("|1|10.23.1.2|53747|"), true, "10.23.1.2", 53747);
	check_port(vg_ftp_parse_eprt("|2|2001:db8::1|21|"), true, "2001:db8::1", 21);
	check_port(vg_ftp_parse_eprt("|1|10.23.1|5|"), false, NULL, 0);
	check_port(vg_ftp_parse_eprt("|1|300.1.1.1|5|"), false, NULL, 0);
	check_port(vg_ftp_parse_eprt("|x|1.1.1.1|5|"), false, NULL, 0);
	check_port(vg_ftp_parse_eprt("|1|1.1.1.1|5"), false, NULL, 0);
	check_port(vg_ftp_parse_eprt("|1|1.1.1.1"), true, "1.1.1.1", 0);
	check_port(vg_ftp_parse_eprt(""), false, NULL, 0);
	check_port(vg_ftp_parse_eprt(NULL), false, NULL, 0);
}

static void
check_path(const char *dir, const char *name, const char *want)
{
	char out[1100];
	uint32_t n = vg_ftp_build_path(
		dir, (uint32_t)strlen(dir), name, (uint32_t)strlen(name), out, sizeof(out));

	out[n] = '\0';
	if (strcmp(out, want) != 0) {
		fprintf(stderr, "build_path(%s, %s) = %s, want %s\n", dir, name, out, want);
		CHECK(0);
	}
}

static void
test_paths(void)
{
	char out[256];
	uint32_t n;

	check_path(".", "robots.txt", "./robots.txt");
	check_path("/pub", "a.txt", "/pub/a.txt");
	check_path("/pub/", "a.txt", "/pub/a.txt");
	check_path("/pub", "/etc/x", "/etc/x");
	check_path("/a/b", "../c", "/a/c");
	check_path("/a/b", "./c//d/", "/a/b/c/d");
	check_path(".", "/..", "/..");
	check_path("./x", "..", ".");
	check_path("", "x/", "x");
	check_path("a", "../../b", "../b");
	n = vg_ftp_extract_path("\"/home/user\" is the current directory", 37, out, sizeof(out));
	CHECK(n == 10 && memcmp(out, "/home/user", 10) == 0);
	n = vg_ftp_extract_path("current dir /var/a\\ b now", 25, out, sizeof(out));
	CHECK(n == 9 && memcmp(out, "/var/a\\ b", 9) == 0);
	CHECK_EQ(vg_ftp_extract_path("no path", 7, out, sizeof(out)), 0);
	CHECK_EQ(vg_ftp_last_count("Opening (1234 bytes)", 20), 1234);
	CHECK_EQ(vg_ftp_last_count("a 1 b 22 c", 10), 22);
	CHECK_EQ(vg_ftp_last_count("none", 4), 0);
	CHECK(vg_ftp_reply_expected("RETR", 150));
	CHECK(!vg_ftp_reply_expected("RETR", 227));
	CHECK(vg_ftp_reply_expected("QUIT", 0));
	CHECK(!vg_ftp_reply_expected("NOSUCH", 200));
}

static const struct msg epsv_session[] = {
	{'S', "220 ready\r\n"},
	{'C', "EPSV\r\n"},
	{'S', "229 Entering Extended Passive Mode (|||40044|)\r\n"},
	{'C', "EPSV\r\n"},
	{'S', "229 Entering Extended Passive Mode (|||70000|)\r\n"},
	{'C', "PASV\r\n"},
	{'S', "227 garbage\r\n"},
	{'C', "PORT 1,2,3\r\n"},
	{'S', "200 ok\r\n"},
	{0, NULL},
};

static void
test_epsv_and_malformed(void)
{
	char *o = run(epsv_session, 0);

	/* No address in the reply: the control connection's server (main.zeek). */
	CHECK_EQ(cx.expects, 1);
	CHECK_EQ(cx.expect_resp_p, 40044);
	CHECK(cx.expect_resp_h.b[15] == 34);
	/* The malformed ones are logged without a data channel, never expected. */
	CHECK(strstr(o,
		      "\tEPSV\t-\t-\t-\t229\tEntering Extended Passive Mode (|||70000|)\t-\t-\t-"
		      "\t-\t-\n") != NULL);
	CHECK(strstr(o, "\tPORT\t1,2,3\t-\t-\t200\tok\t-\t-\t-\t-\t-\n") != NULL);
	free(o);
}

/* The data connection's content: files.log, and fuid/mime_type for the control. */
static void
test_data(void)
{
	static uint8_t dstate[4096];
	static struct vg_ftp ctl;
	char text[3000];
	const char *fl;

	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + i % 26);
	for (size_t i = 80; i < sizeof(text); i += 81)
		text[i] = '\n';
	CHECK(vg_ftp_data_analyzer.state_size <= sizeof(dstate));
	/* A large text file: typed at 1 KiB, while it streams. */
	memset(&ctl, 0, sizeof(ctl));
	memset(dstate, 0, sizeof(dstate));
	tc_reset(&cx);
	cx.origin = &ctl;
	vg_ftp_data_analyzer.init(dstate, &cx);
	CHECK_EQ(cx.confirms, 1);
	vg_ftp_data_analyzer.stream(dstate, &cx, false, (const uint8_t *)text, 500);
	CHECK(ctl.fuid[0] == 'F');
	CHECK(ctl.mime[0] == '\0');
	vg_ftp_data_analyzer.stream(dstate, &cx, false, (const uint8_t *)text + 500, 2500);
	CHECK(strcmp(ctl.mime, "text/plain") == 0);
	vg_ftp_data_analyzer.end(dstate, &cx, VG_AN_END_CLOSE);
	fl = strstr(cx.out ? cx.out : "", "files\t");
	CHECK(fl != NULL && strstr(fl, "\tFTP_DATA\t0\t(empty)\ttext/plain\t") != NULL);
	CHECK(fl != NULL && strstr(fl, "\tF\t3000\t") != NULL);
	/* A small binary file: typed only when the connection ends, "<unknown>". */
	memset(&ctl, 0, sizeof(ctl));
	memset(dstate, 0, sizeof(dstate));
	tc_reset(&cx);
	vg_ftp_data_analyzer.init(dstate, &cx);
	vg_ftp_data_analyzer.stream(dstate, &cx, true, (const uint8_t *)"\x01\x02\x03\xff", 4);
	CHECK(ctl.mime[0] == '\0');
	vg_ftp_data_analyzer.end(dstate, &cx, VG_AN_END_CLOSE);
	CHECK(strcmp(ctl.mime, "<unknown>") == 0);
	/* The control connection on another worker: files.log still, nothing else. */
	memset(&ctl, 0, sizeof(ctl));
	memset(dstate, 0, sizeof(dstate));
	tc_reset(&cx);
	cx.origin = NULL;
	vg_ftp_data_analyzer.init(dstate, &cx);
	vg_ftp_data_analyzer.stream(dstate, &cx, false, (const uint8_t *)text, 2000);
	vg_ftp_data_analyzer.gap(dstate, &cx, false, 100);
	vg_ftp_data_analyzer.end(dstate, &cx, VG_AN_END_CLOSE);
	CHECK(ctl.fuid[0] == '\0' && ctl.mime[0] == '\0');
	CHECK(cx.out != NULL && strstr(cx.out, "\tFTP_DATA\t") != NULL);
}

static const struct msg adat_bad[] = {
	{'S', "220 GridFTP ready\r\n"},
	{'C', "AUTH GSSAPI\r\n"},
	{'S', "334 Using authentication type; ADAT must follow.\r\n"},
	{'C', "ADAT FgMB AAAA\r\n"},
	{'S', "335 ADAT=Fg==\r\n"},
	{0, NULL},
};

/* "FgMBAAE=" is 16 03 01 00 01: five bytes of a record that claims one more. */
static const struct msg adat_good[] = {
	{'S', "220 GridFTP ready\r\n"},
	{'C', "AUTH GSSAPI\r\n"},
	{'S', "334 ADAT must follow.\r\n"},
	{'C', "ADAT FgMBAAEA\r\n"},
	{'S', "335 ADAT=Fg==\r\n"},
	{0, NULL},
};

static void
test_adat(void)
{
	char *o;

	cx.with_weirds = true;
	o = run(adat_bad, 0);
	CHECK(strstr(o,
		      "weird\tbase64_illegal_encoding\tcharacter 32 ignored by Base64 "
		      "decoding\n") != NULL);
	CHECK(strstr(o, "weird\tftp_adat_bad_first_token_encoding\t-\n") != NULL);
	/* The first bad token ends the ADAT analysis: the reply is not decoded. */
	CHECK_EQ(st.adat, 0);
	free(o);
	o = run(adat_good, 0);
	CHECK(strstr(o, "weird\t") == NULL);
	CHECK_EQ(st.adat, 2);
	free(o);
	cx.with_weirds = false;
}

static void
test_auth_tls(void)
{
	static const char reply[] = "234 Proceed with negotiation.\r\n\x16\x03\x01";

	start();
	cx.handoff[0] = '\0';
	feed('S', "220 ready\r\n", 11);
	feed('C', "AUTH TLS\r\n", 10);
	feed('S', reply, sizeof(reply) - 1);
	/* The bytes after the 234 line go to the TLS analyzer, and so does the rest. */
	CHECK(strcmp(cx.handoff, "ssl") == 0);
	CHECK_EQ(cx.handoff_from, sizeof(reply) - 1 - 3);
	CHECK(st.tls);
	vg_ftp_analyzer.end(&st, &cx, VG_AN_END_CLOSE);
	/* AUTH SSL or a refusal: no hand-off. */
	start();
	cx.handoff[0] = '\0';
	feed('C', "AUTH TLS\r\n", 10);
	feed('S', "534 no\r\n", 8);
	CHECK(cx.handoff[0] == '\0' && !st.tls);
	vg_ftp_analyzer.end(&st, &cx, VG_AN_END_CLOSE);
}

int
main(void)
{
	cx.uid = "Ctest";
	cx.schemas[0] = vg_ftp_analyzer.logs[0].schema;
	*vg_ftp_analyzer.logs[0].id = cx.schemas[0]->id;
	vg_files_schema.id = 101;
	cx.schemas[1] = &vg_files_schema;
	test_session();
	test_active_and_hidden_password();
	test_at_least_one();
	test_pipelined();
	test_garbage();
	test_port_parsing();
	test_paths();
	test_epsv_and_malformed();
	test_data();
	test_adat();
	test_auth_tls();
	free(cx.out);
	printf("ftp: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed != 0;
}
