/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The signature parser: every construct of Zeek's signature language into
 * the rule model, every comparison, every error and non-fatal drop with its
 * message and line, CRLF, comments, unterminated strings and patterns, long
 * lines, deep lists, NUL bytes; the pattern translation compiled by
 * Hyperscan and run on data (anchoring, /i, classes, escapes, $).
 */
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

#include "vg_sig_load.h"
#include "vg_sig_rule.h"
#include "vg_test.h"

/* Every problem as "E<line>: reason" or "W<line>: reason", one per line. */
struct diags {
	char buf[8192];
	size_t n;
	unsigned fatal, nonfatal;
};

static void
collect(void *arg, const char *file, uint32_t line, bool fatal, const char *reason)
{
	struct diags *d = arg;

	(void)file;
	if (fatal)
		d->fatal++;
	else
		d->nonfatal++;
	int k = snprintf(d->buf + d->n, sizeof(d->buf) - d->n, "%c%u: %s\n", fatal ? 'E' : 'W',
		line, reason);

	if (k > 0 && d->n + (size_t)k < sizeof(d->buf))
		d->n += (size_t)k;
}

static struct vg_sig_ruleset rs;
static struct diags dg;

/* Parses text (a fresh rule set) and runs the cross-file check; the fatal count. */
static int
parse_len(const char *text, size_t len)
{
	vg_sig_ruleset_free(&rs);
	memset(&dg, 0, sizeof(dg));
	int rc = vg_sig_parse_text(&rs, "t.sig", text, len, collect, &dg);

	if (rc == 0)
		rc = vg_sig_ruleset_check(&rs, collect, &dg);
	return rc;
}

static int
parse(const char *text)
{
	return parse_len(text, strlen(text));
}

static bool
has(const char *s)
{
	return strstr(dg.buf, s) != NULL;
}

static const struct vg_sig_rule *
rule(const char *id)
{
	for (uint32_t i = 0; i < rs.n; i++)
		if (strcmp(rs.rules[i].id, id) == 0)
			return &rs.rules[i];
	return NULL;
}

static void
test_header_conditions(void)
{
	CHECK_EQ(parse("signature a {\n"
		       "  src-ip == 10.0.0.0/8, 192.168.1.1, [2001:db8::]/32, [fe80::1]\n"
		       "  dst-ip != 1.2.3.4/24\n"
		       "  src-port < 1024\n"
		       "  dst-port == 80,8000-8002, 443\n"
		       "  ip-proto == tcp\n"
		       "  header ip[9:1] == 6\n"
		       "  header udp[2:1] & 0x0f == 0x02\n"
		       "  header ip[16:4] == 127.0.0.0/24, 10.1.1.1\n"
		       "  event \"m\"\n"
		       "}\n"),
		0);
	const struct vg_sig_rule *r = rule("a");

	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK_EQ(r->line, 1);
	CHECK(strcmp(r->file, "t.sig") == 0);
	CHECK_EQ(r->nhdrs, 8);
	const struct vg_sig_hdr *h = &r->hdrs[0];

	CHECK_EQ(h->kind, VG_SIG_H_SRC_IP);
	CHECK_EQ(h->cmp, VG_SIG_EQ);
	CHECK_EQ(h->nvals, 4);
	CHECK_EQ(h->prefixes[0].len, 96 + 8);
	CHECK_EQ(h->prefixes[0].addr[10], 0xff);
	CHECK_EQ(h->prefixes[0].addr[12], 10);
	CHECK_EQ(h->prefixes[1].len, 128);
	CHECK_EQ(h->prefixes[1].addr[15], 1);
	CHECK_EQ(h->prefixes[2].len, 32);
	CHECK_EQ(h->prefixes[2].addr[0], 0x20);
	CHECK_EQ(h->prefixes[3].len, 128);
	CHECK_EQ(h->prefixes[3].addr[15], 1);
	h = &r->hdrs[1];
	CHECK_EQ(h->kind, VG_SIG_H_DST_IP);
	CHECK_EQ(h->cmp, VG_SIG_NE);
	CHECK_EQ(h->prefixes[0].len, 96 + 24);
	CHECK_EQ(h->prefixes[0].addr[15], 0); /* masked to the network */
	h = &r->hdrs[2];
	CHECK_EQ(h->kind, VG_SIG_H_SRC_PORT);
	CHECK_EQ(h->cmp, VG_SIG_LT);
	CHECK_EQ(h->offset, 0);
	CHECK_EQ(h->vals[0].val, 1024);
	h = &r->hdrs[3];
	CHECK_EQ(h->kind, VG_SIG_H_DST_PORT);
	CHECK_EQ(h->offset, 2);
	CHECK_EQ(h->nvals, 5); /* 80, 8000, 8001, 8002, 443 */
	CHECK_EQ(h->vals[3].val, 8002);
	CHECK_EQ(h->vals[4].val, 443);
	CHECK_EQ(h->vals[4].mask, 0xffffffff);
	h = &r->hdrs[4];
	CHECK_EQ(h->kind, VG_SIG_H_IP_PROTO);
	CHECK_EQ(h->vals[0].val, 6);
	h = &r->hdrs[5];
	CHECK_EQ(h->kind, VG_SIG_H_HEADER);
	CHECK_EQ(h->proto, VG_SIG_PROTO_IP);
	CHECK_EQ(h->offset, 9);
	CHECK_EQ(h->size, 1);
	h = &r->hdrs[6];
	CHECK_EQ(h->proto, VG_SIG_PROTO_UDP);
	CHECK_EQ(h->vals[0].val, 2);
	CHECK_EQ(h->vals[0].mask, 0x0f);
	h = &r->hdrs[7];
	CHECK_EQ(h->size, 4);
	CHECK_EQ(h->vals[0].val, 0x7f000000);
	CHECK_EQ(h->vals[0].mask, 0xffffff00);
	CHECK_EQ(h->vals[1].mask, 0xffffffff);
	CHECK(r->has_event && strcmp(r->event_msg, "m") == 0);
}

static void
test_comparisons(void)
{
	static const struct {
		const char *op;
		uint8_t cmp;
	} ops[] = {{"==", VG_SIG_EQ}, {"=", VG_SIG_EQ}, {"!=", VG_SIG_NE}, {"<", VG_SIG_LT},
		{"<=", VG_SIG_LE}, {">", VG_SIG_GT}, {">=", VG_SIG_GE}};
	char text[256];

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		snprintf(text, sizeof(text),
			"signature c { dst-port %s 80 payload-size %s 3 ip-proto %s 17 header "
			"tcp[13:1] %s 2 src-ip %s 1.1.1.1 }",
			ops[i].op, ops[i].op, ops[i].op, ops[i].op, ops[i].op);
		CHECK_EQ(parse(text), 0);
		const struct vg_sig_rule *r = rule("c");

		CHECK(r != NULL);
		if (r == NULL)
			continue;
		CHECK_EQ(r->hdrs[0].cmp, ops[i].cmp);
		CHECK_EQ(r->hdrs[1].cmp, ops[i].cmp);
		CHECK_EQ(r->hdrs[2].cmp, ops[i].cmp);
		CHECK_EQ(r->hdrs[3].cmp, ops[i].cmp);
		CHECK(r->has_payload_size);
		CHECK_EQ(r->payload_size_cmp, ops[i].cmp);
		CHECK_EQ(r->payload_size, 3);
	}
}

static void
test_protocols(void)
{
	CHECK_EQ(parse("signature p { ip-proto == udp ip-proto == icmp ip-proto == icmp6 "
		       "ip-proto == ip ip-proto == ip6 ip-proto == 6, 17 ip-proto != 50-51 "
		       "header icmp[0:1] == 8 header icmp6[0:1] == 0x80 header ip6[6:1] == 17 "
		       "header tcp[12:2] == 0x5000 }"),
		0);
	const struct vg_sig_rule *r = rule("p");

	CHECK(r != NULL);
	if (r == NULL)
		return;
	/* ip and ip6 test nothing, as in Zeek's grammar. */
	CHECK_EQ(r->nhdrs, 9);
	CHECK_EQ(r->hdrs[0].vals[0].val, 17);
	CHECK_EQ(r->hdrs[1].vals[0].val, 1);
	CHECK_EQ(r->hdrs[2].vals[0].val, 58);
	CHECK_EQ(r->hdrs[3].nvals, 2);
	CHECK_EQ(r->hdrs[4].nvals, 2);
	CHECK_EQ(r->hdrs[4].cmp, VG_SIG_NE);
	CHECK_EQ(r->hdrs[5].proto, VG_SIG_PROTO_ICMP);
	CHECK_EQ(r->hdrs[6].proto, VG_SIG_PROTO_ICMP6);
	CHECK_EQ(r->hdrs[7].proto, VG_SIG_PROTO_IP6);
	CHECK_EQ(r->hdrs[8].proto, VG_SIG_PROTO_TCP);
	CHECK_EQ(r->hdrs[8].size, 2);
}

static void
test_content_conditions(void)
{
	CHECK_EQ(parse("signature q {\n"
		       " payload /GET/\n"
		       " payload[:10] /.*x/i\n"
		       " http-request /\\/admin/\n"
		       " http-request-header /Host: a/\n"
		       " http-request-body /^AB$/\n"
		       " http-reply-header /Server/\n"
		       " http-reply-body /CD/\n"
		       " ftp /USER/\n"
		       " finger /root/\n"
		       " http /u/\n"
		       " http-body /b/\n"
		       "}\n"),
		0);
	const struct vg_sig_rule *r = rule("q");

	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK_EQ(r->npats, 11);
	static const uint8_t types[] = {VG_SIG_PAT_PAYLOAD, VG_SIG_PAT_PAYLOAD,
		VG_SIG_PAT_HTTP_REQUEST, VG_SIG_PAT_HTTP_REQUEST_HEADER,
		VG_SIG_PAT_HTTP_REQUEST_BODY, VG_SIG_PAT_HTTP_REPLY_HEADER,
		VG_SIG_PAT_HTTP_REPLY_BODY, VG_SIG_PAT_FTP, VG_SIG_PAT_FINGER,
		VG_SIG_PAT_HTTP_REQUEST, VG_SIG_PAT_HTTP_REPLY_BODY};

	for (uint32_t i = 0; i < r->npats && i < 11; i++)
		CHECK_EQ(r->pats[i].type, types[i]);
	CHECK(strcmp(r->pats[0].regex, "GET") == 0);
	CHECK_EQ(r->pats[0].depth, UINT32_MAX);
	CHECK(!r->pats[0].nocase);
	CHECK(strcmp(r->pats[1].regex, ".*x") == 0);
	CHECK(r->pats[1].nocase);
	CHECK_EQ(r->pats[1].depth, 10);
	CHECK(strcmp(r->pats[2].regex, "\\/admin") == 0);

	/* payload[N] is a depth of 1 at offset N: Zeek warns that it ignores offsets. */
	CHECK_EQ(parse("signature d { payload[5:20] /a/ payload[3:] /b/ payload[7] /c/ }"), 0);
	r = rule("d");
	CHECK(r != NULL && r->npats == 3);
	if (r != NULL && r->npats == 3) {
		CHECK_EQ(r->pats[0].depth, 20);
		CHECK_EQ(r->pats[1].depth, UINT32_MAX);
		CHECK_EQ(r->pats[2].depth, 1);
	}
	CHECK(has("W1: warning: signature d: offsets are ignored for patterns"));
	CHECK_EQ(dg.nonfatal, 3);
}

static void
test_conditions_and_actions(void)
{
	CHECK_EQ(parse("signature s1 {\n"
		       "  tcp-state established, originator\n"
		       "  same-ip\n"
		       "  event \"one \\\"two\\\"\"\n"
		       "  enable \"ftp\"\n"
		       "  enable \"http\"\n"
		       "  disable \"ssh\"\n"
		       "  file-mime \"text/plain\", -5\n"
		       "  file-mime \"text/html\"\n"
		       "  active false\n"
		       "}\n"
		       "signature s2 {\n"
		       "  udp-state responder\n"
		       "  tcp-state stateless\n"
		       "  requires-signature s1\n"
		       "  requires-signature ! s1\n"
		       "  requires-reverse-signature s1\n"
		       "  requires-reverse-signature !s1\n"
		       "  active true\n"
		       "}\n"),
		0);
	const struct vg_sig_rule *a = rule("s1"), *b = rule("s2");

	CHECK(a != NULL && b != NULL);
	if (a == NULL || b == NULL)
		return;
	CHECK_EQ(a->tcp_state, VG_SIG_STATE_ESTABLISHED | VG_SIG_STATE_ORIGINATOR);
	CHECK(a->same_ip);
	/* Strings are kept as written, backslashes and all (rule-scan.l). */
	CHECK(strcmp(a->event_msg, "one \\\"two\\\"") == 0);
	CHECK_EQ(a->nenable, 2);
	CHECK(strcmp(a->enable[1], "http") == 0);
	CHECK_EQ(a->ndisable, 1);
	CHECK(strcmp(a->disable[0], "ssh") == 0);
	CHECK(!a->active);
	CHECK_EQ(b->line, 12);
	CHECK_EQ(b->udp_state, VG_SIG_STATE_RESPONDER);
	CHECK_EQ(b->tcp_state, VG_SIG_STATE_STATELESS);
	CHECK(b->active);
	CHECK(!b->has_event);
	CHECK_EQ(b->nreqs, 4);
	CHECK(!b->reqs[0].reverse && !b->reqs[0].negated);
	CHECK(!b->reqs[1].reverse && b->reqs[1].negated);
	CHECK(b->reqs[2].reverse && !b->reqs[2].negated);
	CHECK(b->reqs[3].reverse && b->reqs[3].negated);
	CHECK(strcmp(b->reqs[3].id, "s1") == 0);
}

static void
test_lexing(void)
{
	/* Comments, meta lines, CRLF, tabs, ids with - and ::, hex numbers. */
	CHECK_EQ(parse("# a comment\r\n"
		       ".meta data that is skipped\r\n"
		       "signature my-sig::x_1\r\n"
		       "\t{ # brace\r\n"
		       "\tdst-port == 0x50 # http\r\n"
		       "\tpayload /a#b/\r\n"
		       "\tevent \"a # not a comment\"\r\n"
		       "\t}\r\n"),
		0);
	const struct vg_sig_rule *r = rule("my-sig::x_1");

	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_EQ(r->line, 3);
		CHECK_EQ(r->hdrs[0].vals[0].val, 80);
		CHECK(strcmp(r->pats[0].regex, "a#b") == 0);
		CHECK(strcmp(r->event_msg, "a # not a comment") == 0);
	}
	/* An escaped slash continues the pattern, also two in a row. */
	CHECK_EQ(parse("signature e { payload /a\\/b/ }"), 0);
	CHECK(rule("e") && strcmp(rule("e")->pats[0].regex, "a\\/b") == 0);
	CHECK_EQ(parse("signature e { payload /\\/x/ }"), 0);
	CHECK(rule("e") && strcmp(rule("e")->pats[0].regex, "\\/x") == 0);
	CHECK_EQ(parse("signature e { payload /http:\\/\\/x\\/\\/\\//i }"), 0);
	CHECK(rule("e") && strcmp(rule("e")->pats[0].regex, "http:\\/\\/x\\/\\/\\/") == 0);
	CHECK(rule("e") && rule("e")->pats[0].nocase);
	/* An escaped backslash before the slash: the slash ends the pattern. */
	CHECK_EQ(parse("signature e { payload /a\\\\/ payload /\\\\/ event \"x/y\" }"), 0);
	CHECK(rule("e") && strcmp(rule("e")->pats[0].regex, "a\\\\") == 0);
	CHECK(rule("e") && strcmp(rule("e")->pats[1].regex, "\\\\") == 0);
	/* The longest reading wins: the pattern runs to the last slash it can. */
	CHECK_EQ(parse("signature e { payload /a/ }\nsignature f { payload /b\\/c/ }"), 0);
	CHECK(rule("e") && strcmp(rule("e")->pats[0].regex, "a") == 0);
	CHECK(rule("f") && strcmp(rule("f")->pats[0].regex, "b\\/c") == 0);
	CHECK_EQ(parse("signature e { payload //\npayload /\\//\n}"), 0);
	CHECK(rule("e") && strcmp(rule("e")->pats[0].regex, "") == 0);
	CHECK(rule("e") && strcmp(rule("e")->pats[1].regex, "\\/") == 0);
	/* Empty input and a file of comments load nothing. */
	CHECK_EQ(parse(""), 0);
	CHECK_EQ(rs.n, 0);
	CHECK_EQ(parse("# only\n# comments"), 0);
	/* Every rule of a file, in order. */
	CHECK_EQ(parse("signature x1 {}\nsignature x2 { }\nsignature x3 {\n}\n"), 0);
	CHECK_EQ(rs.n, 3);
	CHECK(strcmp(rs.rules[2].id, "x3") == 0);
}

static void
test_errors(void)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{"invalid", "E1: syntax error"},
		{"signature {", "E1: syntax error"},
		{"signature a { dst-port 80 }", "E1: syntax error"},
		{"signature a {\n dst-port == }", "E2: syntax error"},
		{"signature a { payload }", "E1: syntax error"},
		{"signature a { event }", "E1: syntax error"},
		{"signature a { event 5 }", "E1: syntax error"},
		{"signature a { enable ftp }", "E1: syntax error"},
		{"signature a { tcp-state foo }", "E1: syntax error"},
		{"signature a { active yes }", "E1: syntax error"},
		{"signature a { header tcp[1:2] }", "E1: syntax error"},
		{"signature a { header foo[1] == 1 }", "E1: syntax error"},
		{"signature a { src-ip == 80 }", "E1: syntax error"},
		{"signature a { requires-signature }", "E1: syntax error"},
		{"signature a { eval }", "E1: syntax error"},
		{"signature a { signature b { } }", "E1: syntax error"},
		{"signature a { }\n}", "E2: syntax error"},
		{"signature a {\n\n", "E3: syntax error"},
		{"signature true { }", "E1: syntax error"},
		{"signature a {\n udp-state established\n event \"x\"\n}",
			"E3: 'established' is not a valid 'udp-state'"},
		{"signature a { }\nsignature a {\n}", "E3: rule defined twice (a)"},
		{"signature a { event \"x }", "E1: unterminated string"},
		{"signature a {\n payload /abc\n}", "E2: unterminated pattern"},
		{"signature a { payload /abc", "E1: unterminated pattern"},
		{"signature a { dst-port == 1 @ }", "E1: unrecognized character in input (@)"},
		{"signature a { src-ip == 1.2.3.300 }", "E1: invalid IPv4 address"},
		{"signature a { src-ip == 1.2.3.4/33 }", "E1: invalid IPv4 address"},
		{"signature a { src-ip == [1::2::3] }", "E1: invalid IPv6 address"},
		{"signature a { src-ip == [::1]/129 }", "E1: invalid IPv6 prefix length"},
		{"signature a { header ip[0:3] == 1 }", "E1: header size must be 1, 2 or 4"},
		{"signature a { dst-port == 99999999999 }", "E1: number out of range"},
		{"signature a { dst-port == 1-70000 }", "E1: range too large"},
		{"signature a { payload /a[b/ }",
			"E1: error compiling pattern: bad character class"},
		{"signature a { payload /a{NAME}/ }",
			"error compiling pattern: undefined definition"},
		{"signature a { payload /*a/ }", "error compiling pattern: syntax error"},
		{"signature a { payload /(a/ }", "error compiling pattern: syntax error"},
		{"signature a { payload /a)/ }", "error compiling pattern: syntax error"},
		{"signature a { payload /a{3,1}/ }", "bad iteration values"},
		{"signature a { payload /[z-a]/ }", "negative range in character class"},
		{"signature a { payload /[A-z]/i }", "ambiguous case-insensitive character class"},
		{"signature a { payload /[[:foo:]]/ }", "bad character class expression"},
		{"signature a { payload /\"abc/ }", "missing quote"},
		{"signature a { payload /a\\x4/ }", "bad escape"},
		{"signature a { requires-signature nope }",
			"E1: signature a: unknown rule referenced (nope)"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i].text);

		CHECK(rc > 0);
		/* Nothing of a failed file loads (the cross-file check only reports). */
		CHECK(rs.n == 0 || strstr(bad[i].msg, "unknown rule") != NULL);
		if (!has(bad[i].msg))
			fprintf(stderr, "case %zu: wanted '%s', got:\n%s", i, bad[i].msg, dg.buf);
		CHECK(has(bad[i].msg));
	}
	/* A syntax error stops the file: one message. */
	CHECK(parse("signature a { x } signature b { y }") == 1);
	/* The other fatal problems do not stop it: every one is reported. */
	CHECK_EQ(parse("signature a { src-ip == 1.2.3.300 }\n"
		       "signature b { header ip[0:3] == 1 }\n"
		       "signature c { udp-state established }\n"),
		3);
	/* An inactive rule's requirements are not checked (Zeek inserts active rules only). */
	CHECK_EQ(parse("signature a { active false requires-signature nope }"), 0);
}

static void
test_dropped(void)
{
	static const struct {
		const char *text;
		const char *msg;
	} drop[] = {
		{"signature a {\n payload /x/\n eval my_func\n}",
			"W3: eval is not supported (it calls a Zeek script function); signature a "
			"dropped"},
		{"signature a { eval Mod::func }", "eval is not supported"},
		{"signature a { dst-ip == mynets }",
			"W1: 'mynets' names a Zeek script value, which vigil cannot look up"},
		{"signature a { dst-ip == 1.2.3.4, mynets }", "'mynets' names a Zeek script value"},
		{"signature a { ip-proto == udp_proto_number }", "'udp_proto_number' names"},
		{"signature a { dst-port == 80, http_ports }", "'http_ports' names"},
		{"signature a { payload-size > min_size }", "'min_size' names"},
		{"signature a { header ip[off:1] == 1 }", "'off' names"},
		{"signature a { payload my_pattern }", "'my_pattern' names"},
		{"signature a { payload[:depth] /x/ }", "'depth' names"},
		{"signature a { file-mime mime_const }", "'mime_const' names"},
		{"signature a { ip-options lsrr, ssrr }", "ip-options is not supported"},
		{"signature a { ip-options rr, lsrre }", "ip-options is not supported"},
		{"signature a { file-magic /\\x89PNG/ }", "file-magic matches file content"},
		{"signature a { payload /[^\\x00-\\xff]/ }",
			"pattern has no Hyperscan equivalent: a character class that matches "
			"nothing"},
	};

	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
		int rc = parse(drop[i].text);

		CHECK_EQ(rc, 0);
		CHECK_EQ(rs.n, 0);
		CHECK_EQ(rs.ndropped, 1);
		CHECK(dg.nonfatal >= 1);
		if (!has(drop[i].msg))
			fprintf(stderr, "case %zu: wanted '%s', got:\n%s", i, drop[i].msg, dg.buf);
		CHECK(has(drop[i].msg));
	}
	/* A custom script event: a warning, and the signature stays (silent). */
	CHECK_EQ(parse("signature a {\n event my_event\n}\n"
		       "signature b { event Mod::ev \"msg\" enable \"ftp\" }"),
		0);
	CHECK_EQ(rs.n, 2);
	CHECK(rule("a") && !rule("a")->has_event && rule("a")->event_msg == NULL);
	CHECK(rule("b") && !rule("b")->has_event && rule("b")->nenable == 1);
	CHECK(has("W2: warning: signature a: event my_event is a Zeek script event, which vigil "
		  "does not raise"));
	CHECK(has("event Mod::ev is a Zeek script event"));
	/* The others load; what requires a dropped rule is dropped in turn. */
	CHECK_EQ(parse("signature ok { payload /x/ event \"ok\" }\n"
		       "signature ev { payload /.*/ eval f }\n"
		       "signature dep { requires-signature ev }\n"
		       "signature dep2 { requires-reverse-signature !dep }\n"
		       "signature ok2 { requires-signature ok }\n"),
		0);
	CHECK_EQ(rs.n, 2);
	CHECK(rule("ok") != NULL && rule("ok2") != NULL);
	CHECK(has("signature dep requires signature ev, which was dropped; signature dep dropped"));
	CHECK(has("signature dep2 requires signature dep, which was dropped"));
	/* A dropped rule's id still counts as defined. */
	CHECK(parse("signature a { eval f }\nsignature a { }") > 0);
	CHECK(has("E2: rule defined twice (a)"));
}

static void
test_files_and_sets(void)
{
	struct diags d = {0};
	struct vg_sig_ruleset two = {0};

	/* Rules of several files add up; ids are checked across files. */
	CHECK_EQ(vg_sig_parse_text(&two, "1.sig", "signature a { }", 15, collect, &d), 0);
	CHECK_EQ(vg_sig_parse_text(
			 &two, "2.sig", "signature b { requires-signature a }", 36, collect, &d),
		0);
	CHECK_EQ(vg_sig_parse_text(&two, "3.sig", "signature a { }", 15, collect, &d), 1);
	CHECK_EQ(two.n, 2);
	CHECK(strcmp(two.rules[1].file, "2.sig") == 0);
	CHECK_EQ(vg_sig_ruleset_check(&two, collect, &d), 0);
	/* A file that cannot be read is a fatal problem. */
	CHECK_EQ(vg_sig_parse_file(&two, "/nonexistent/x.sig", collect, &d), 1);
	CHECK(strstr(d.buf, "can't open signature file") != NULL);
	vg_sig_ruleset_free(&two);
	vg_sig_ruleset_free(&two); /* freeing twice is harmless */
}

static void
test_limits(void)
{
	/* A very long line, a deep list, NUL bytes. */
	size_t n = 1 << 20;
	char *big = malloc(n + 256);

	if (big == NULL)
		return;
	int k = snprintf(big, 256, "signature long { payload /");
	memset(big + k, 'a', n);
	k += (int)n;
	k += snprintf(big + k, 64, "/ event \"x\" }");
	CHECK_EQ(parse_len(big, (size_t)k), 0);
	CHECK(rule("long") && strlen(rule("long")->pats[0].regex) == n);

	k = snprintf(big, 256, "signature deep { dst-port == 1");
	for (int i = 0; i < 50000; i++)
		k += snprintf(big + k, 16, ",%d", i % 65536);
	k += snprintf(big + k, 8, " }");
	CHECK_EQ(parse_len(big, (size_t)k), 0);
	CHECK(rule("deep") && rule("deep")->hdrs[0].nvals == 50001);
	k = snprintf(big, 256, "signature deep { dst-port == ");
	for (int i = 0; i < 20; i++)
		k += snprintf(big + k, 32, "%s0-65535", i ? "," : "");
	k += snprintf(big + k, 8, " }");
	CHECK(parse_len(big, (size_t)k) > 0);
	CHECK(has("too many values"));

	/* Deeply nested groups are refused, not recursed into. */
	k = snprintf(big, 256, "signature g { payload /");
	for (int i = 0; i < 1000; i++)
		big[k++] = '(';
	for (int i = 0; i < 1000; i++)
		big[k++] = ')';
	k += snprintf(big + k, 8, "/ }");
	CHECK(parse_len(big, (size_t)k) > 0);
	CHECK(has("pattern nests too deep"));
	free(big);

	/* Binary input: a bounded number of messages. */
	char junk[4096];

	memset(junk, '@', sizeof(junk));
	CHECK(parse_len(junk, sizeof(junk)) > 0);
	CHECK(dg.fatal <= 22);
	CHECK(has("too many errors; the rest of the file is not read"));

	static const char nul1[] = "signature a { }\0signature b { }";
	CHECK(parse_len(nul1, sizeof(nul1) - 1) > 0);
	CHECK(has("E1: unrecognized character in input (\\x00)"));
	static const char nul2[] = "signature a { payload /a\0b/ }";
	CHECK(parse_len(nul2, sizeof(nul2) - 1) > 0);
	CHECK(has("NUL byte in pattern"));
	static const char nul3[] = "signature a { event \"a\0b\" }";
	CHECK(parse_len(nul3, sizeof(nul3) - 1) > 0);
	CHECK(has("NUL byte in string"));
}

/* Translates a pattern and compiles it; NULL when either fails. */
static hs_database_t *
compile(const char *re, bool nocase)
{
	struct vg_sig_pattern p = {.type = VG_SIG_PAT_PAYLOAD, .nocase = nocase};
	char out[4096], why[128];
	unsigned flags;
	hs_database_t *db = NULL;
	hs_compile_error_t *err = NULL;

	p.regex = (char *)re;
	if (!vg_sig_regex_to_hs(&p, out, sizeof(out), &flags, why, sizeof(why))) {
		fprintf(stderr, "translate /%s/: %s\n", re, why);
		return NULL;
	}
	if (hs_compile(out, flags, HS_MODE_BLOCK, NULL, &db, &err) != HS_SUCCESS) {
		fprintf(stderr, "hs_compile /%s/ as %s: %s\n", re, out, err->message);
		hs_free_compile_error(err);
		return NULL;
	}
	return db;
}

static int
on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned fl, void *ctx)
{
	(void)id, (void)from, (void)to, (void)fl;
	*(int *)ctx = 1;
	return 1;
}

/* Whether the translated /re/ matches data (block mode, as for one UDP packet). */
static int
matches(const char *re, bool nocase, const char *data, size_t len)
{
	hs_database_t *db = compile(re, nocase);
	hs_scratch_t *s = NULL;
	int hit = 0;

	if (db == NULL)
		return -1;
	if (hs_alloc_scratch(db, &s) == HS_SUCCESS)
		hs_scan(db, data, (unsigned)len, 0, s, on_match, &hit);
	hs_free_scratch(s);
	hs_free_database(db);
	return hit;
}

#define M(re, data)  matches(re, false, data, sizeof(data) - 1)
#define MI(re, data) matches(re, true, data, sizeof(data) - 1)

static void
test_regex_semantics(void)
{
	/* Anchored at the start of the data (MATCH_EXACTLY), no end anchor. */
	CHECK_EQ(M("GET", "GET / HTTP/1.1"), 1);
	CHECK_EQ(M("GET", "xGET /"), 0);
	CHECK_EQ(M(".*GET", "xGET /"), 1);
	CHECK_EQ(M("^GET", "GET"), 1);
	/* Never matches in Zeek; Hyperscan refuses an embedded ^ (the rule is dropped). */
	CHECK_EQ(M("a^b", "ab"), -1);
	CHECK_EQ(M("^AB$", "AB"), 1);
	CHECK_EQ(M("^AB$", "AB\n"), 0); /* $ is the end of data only */
	CHECK_EQ(M("^AB$", "ABC"), 0);
	CHECK_EQ(M(".*", "anything"), 1);
	CHECK_EQ(M("", "x"), 1);
	CHECK_EQ(M(".+", "\n"), 1); /* multiline: . matches newline */
	CHECK_EQ(M("a.c", "a\nc"), 1);
	/* /i and (?i:): literal letters and classes, not escapes, not "...". */
	CHECK_EQ(MI("xXxX", "XXXX"), 1);
	CHECK_EQ(MI("^yyyy", "YYYY"), 1);
	CHECK_EQ(MI("[a-c]+d", "ABCD"), 1);
	CHECK_EQ(MI("\\x41", "a"), 0);
	CHECK_EQ(MI("\\x41", "A"), 1);
	CHECK_EQ(MI("\"ab\"c", "ABC"), 0);
	CHECK_EQ(MI("\"ab\"c", "abC"), 1);
	CHECK_EQ(M("(?i:ab)c", "ABc"), 1);
	CHECK_EQ(M("(?i:ab)c", "ABC"), 0);
	CHECK_EQ(MI("[[:lower:]]+1", "AbC1"), 1);
	CHECK_EQ(M("[[:lower:]]+1", "AbC1"), 0);
	CHECK_EQ(M("xXxX", "XXXX"), 0);
	/* Classes: negation, ranges, leading ] and -, escapes, named classes. */
	CHECK_EQ(M("[^0-9]", "a"), 1);
	CHECK_EQ(M("[^0-9]", "5"), 0);
	CHECK_EQ(M("[^a]", "\n"), 1);
	CHECK_EQ(M("[]a]", "]"), 1);
	CHECK_EQ(M("[-a]", "-"), 1);
	CHECK_EQ(M("[a-]", "-"), 1);
	CHECK_EQ(M("[^]a]", "]"), 0);
	CHECK_EQ(M("[\\n\\r ]*220", "\r\n 220"), 1);
	CHECK_EQ(M("[[:digit:][:space:]]+x", "1 2\tx"), 1);
	CHECK_EQ(M("[[:alpha:]]", "1"), 0);
	CHECK_EQ(M("a[", "a["), 1);
	/* Escapes, quoting, repeats, alternation, groups. */
	CHECK_EQ(M("\\x00\\377\\t\\n", "\x00\xff\t\n"), 1);
	CHECK_EQ(M("\\101\\.", "A."), 1);
	CHECK_EQ(M("\\1011", "A"), 1); /* digits after the third are dropped */
	CHECK_EQ(M("\\X41b", "Xb"), 1);
	CHECK_EQ(M("\\101\\.", "Ax"), 0);
	CHECK_EQ(M("\"a.b\"", "a.b"), 1);
	CHECK_EQ(M("\"a.b\"", "axb"), 0);
	CHECK_EQ(M("\"a*\"", "a*"), 1);
	CHECK_EQ(M("a{3}b", "aaab"), 1);
	CHECK_EQ(M("a{3}b", "aab"), 0);
	CHECK_EQ(M("a{2,}b", "aaaab"), 1);
	CHECK_EQ(M("a{1,2}b", "aaab"), 0);
	CHECK_EQ(M("a{0,2}b", "b"), 1);
	CHECK_EQ(M("(ab|cd)+e", "abcde"), 1);
	CHECK_EQ(M("(|.*[\\n\\r]) *[uU][sS][eE][rR] ", "220 hi\r\nUSER x"), 1);
	CHECK_EQ(M("(|.*[\\n\\r]) *[uU][sS][eE][rR] ", "xUSER x"), 0);
	CHECK_EQ(M("a**b", "aab"), 1);
	CHECK_EQ(M("a+?b", "b"), 1);
	CHECK_EQ(M("(?s:a.)b", "a\nb"), 1);
	CHECK_EQ(M("a\\/b", "a/b"), 1);
	CHECK_EQ(M("HTTP\\/1\\.1 [0-9]+", "HTTP/1.1 200"), 1);
	CHECK_EQ(M("\\$\\^\\(\\)\\[\\]\\{\\}\\|\\*\\+\\?\\.\\\\", "$^()[]{}|*+?.\\"), 1);
	CHECK_EQ(M("[\\]]", "]"), 1);
	CHECK_EQ(M("\xe9t\xe9", "\xe9t\xe9"), 1);
}

/* Every pattern of the corpus's style translates to something hs_compile takes. */
static void
test_regex_compiles(void)
{
	static const char *const res[] = {"", ".*", ".+", "GET", "^GET", ".*passwd",
		"[\\n\\r ]*(120|220)[^0-9].*[\\n\\r] *(230|331)[^0-9]", "(|.*[\\n\\r]) *[uU][sS]",
		"HTTP\\/1\\.1 [0-9]+", "^AB$", ".*portability.*", "a{100}", "(a|b|)*c",
		"[[:print:]]{4,8}", "\\x00{4}", "(?i:select.*from)", "\"quoted\"+", "((a))((b))",
		"$", "^", "a|", "|a", "()", "[^\\x00]"};

	for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
		for (int ci = 0; ci < 2; ci++) {
			hs_database_t *db = compile(res[i], ci);

			CHECK(db != NULL);
			hs_free_database(db);
		}
	}
	/* The output bound holds and a small buffer is refused, not overrun. */
	struct vg_sig_pattern p = {.regex = (char *)"[^acegikmoqsuwy]", .nocase = true};
	char small[8], why[64];
	unsigned fl;

	CHECK(!vg_sig_regex_to_hs(&p, small, sizeof(small), &fl, why, sizeof(why)));
	CHECK(strstr(why, "too long") != NULL);
	size_t cap = vg_sig_regex_hs_size(&p);
	char *out = malloc(cap);

	CHECK(out != NULL && vg_sig_regex_to_hs(&p, out, cap, &fl, why, sizeof(why)));
	CHECK(out != NULL && strlen(out) < cap);
	free(out);
}

int
main(void)
{
	test_header_conditions();
	test_comparisons();
	test_protocols();
	test_content_conditions();
	test_conditions_and_actions();
	test_lexing();
	test_errors();
	test_dropped();
	test_files_and_sets();
	test_limits();
	test_regex_semantics();
	test_regex_compiles();
	vg_sig_ruleset_free(&rs);
	printf("sig_parse: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed != 0;
}
