/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SOCKS analyzer: socks.log for v5 (no authentication, username/password,
 * an unsupported method), v4 and v4a; the Tunnel::SOCKS registration and
 * the hand-off of what follows the handshake; violations for cut and
 * malformed messages; the dpd.sig probe.
 */
#include "vg_an_testctx.h"
#include "vg_socks.h"
#include "vg_test.h"

static struct vg_an_ctx cx = {.now = 1000000000ULL * 1700000000ULL, .uid = "CSocksTest1"};
static struct vg_socks s;

static void
begin(void)
{
	memset(&s, 0, sizeof(s));
	tc_reset(&cx);
	vg_socks_analyzer.init(&s, &cx);
}

static void
feed(bool is_orig, const void *d, size_t len)
{
	vg_socks_analyzer.stream(&s, &cx, is_orig, d, (uint32_t)len);
}

static void
end(void)
{
	vg_socks_analyzer.end(&s, &cx, VG_AN_END_CLOSE);
}

#define FEED(o, lit) feed(o, lit, sizeof(lit) - 1)

static void
test_v5_connect(void)
{
	begin();
	FEED(true, "\x05\x01\x00");
	FEED(false, "\x05\x00");
	FEED(true, "\x05\x01\x00\x03\x0ewww.google.com\x01\xbb");
	CHECK_EQ(cx.confirms, 0);
	CHECK_EQ(cx.redetects, 0);
	FEED(false, "\x05\x00\x00\x01\x00\x00\x00\x00\x01\xbb");
	CHECK_EQ(cx.confirms, 1);
	CHECK_EQ(cx.redetects, 1);
	/* the tunnelled TLS is not SOCKS's */
	FEED(true, "\x16\x03\x01\x00\x05hello");
	CHECK_EQ(cx.violations, 0);
	end();
	CHECK(strstr(cx.out, "tunnel\tTunnel::SOCKS\t0\t80\n") != NULL);
	CHECK(strstr(cx.out,
		      "socks\t1700000000.000000\tCSocksTest1\taddr\t40000\taddr\t80\t5\t-\t-\t"
		      "succeeded\t-\twww.google.com\t443\taddr\t-\t443\n") != NULL);
	CHECK_EQ(cx.records, 1);
}

static void
test_v5_userpass(void)
{
	begin();
	FEED(true, "\x05\x02\x00\x02");
	FEED(false, "\x05\x02");
	FEED(true, "\x01\x04user\x06secret");
	FEED(false, "\x01\x00");
	FEED(true, "\x05\x01\x00\x01\x0a\x00\x00\x02\x00\x50");
	FEED(false,
		"\x05\x05\x00\x04\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
		"\x01\x00\x00");
	end();
	/* the password stays out (SOCKS::default_capture_password is F) */
	CHECK(strstr(cx.out, "\t5\tuser\t-\tConnection refused\taddr\t-\t80\taddr\t-\t0\n") !=
		NULL);
	CHECK_EQ(cx.violations, 0);
	CHECK(strstr(cx.out, "secret") == NULL);
}

static void
test_v5_unsupported_method(void)
{
	begin();
	cx.with_weirds = true;
	FEED(true, "\x05\x01\x01");
	FEED(false, "\x05\x01");
	FEED(true, "\x01\x00\x00\x10gss");
	CHECK(strstr(cx.out, "weird\tsocks5_unsupported_authentication_method\t1\n") != NULL);
	FEED(false, "\x01\x00");
	/* the reply ended the sub-negotiation: a request follows */
	FEED(true, "\x05\x01\x00\x01\x0a\x00\x00\x02\x00\x50");
	FEED(false, "\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00");
	CHECK_EQ(cx.confirms, 1);
	end();
	cx.with_weirds = false;
	CHECK(strstr(cx.out, "\t5\t-\t-\tsucceeded\taddr\t-\t80\t") != NULL);
}

/*
 * Zeek's grammar reads a version byte before the v4 reply too: a standard
 * reply (VN 0) is an unknown version, so SOCKS is never confirmed and
 * nothing is logged but the tunnel the request registered.
 */
static void
test_v4(void)
{
	begin();
	FEED(true, "\x04\x01\x00\x50\xc0\x96\xbb\x0c\x00");
	CHECK(strstr(cx.out, "tunnel\tTunnel::SOCKS\t0\t80\n") != NULL);
	FEED(false, "\x00\x5a\x00\x00\x00\x00\x00\x00");
	CHECK_EQ(cx.violations, 1);
	CHECK_EQ(cx.confirms, 0);
	CHECK_EQ(cx.redetects, 0);
	end();
	CHECK(strstr(cx.out, "socks\t") == NULL);

	/* v4a: 0.0.0.x, then the user id and the name; a reply that starts with 4 */
	begin();
	FEED(true,
		"\x04\x01\x01\xbb\x00\x00\x00\x01me\x00"
		"example.org\x00");
	FEED(false, "\x04\x00\x5b\x00\x00\x0a\x00\x00\x01");
	CHECK_EQ(vg_socks_stats.names_cut, 0);
	CHECK_EQ(cx.confirms, 1);
	CHECK_EQ(cx.redetects, 1);
	end();
	/* SOCKS4_Reply reads zero (0), status 0x5b, port 0, 10.0.0.1 */
	CHECK(strstr(cx.out,
		      "\t4\t-\t-\tgeneral SOCKS server failure\taddr\texample.org\t443\taddr\t-"
		      "\t0\n") != NULL);
}

/* A v4a name longer than 255 bytes is logged cut, and counted. */
static void
test_long_name(void)
{
	uint8_t req[400];

	memcpy(req, "\x04\x01\x00\x50\x00\x00\x00\x09\x00", 9);
	memset(req + 9, 'n', 300);
	req[309] = 0;
	begin();
	feed(true, req, 310);
	FEED(false, "\x04\x00\x5a\x00\x00\x00\x00\x00\x00");
	end();
	CHECK_EQ(vg_socks_stats.names_cut, 1);
	CHECK(cx.out != NULL && strstr(cx.out, "\taddr\tnnnn") != NULL);
	CHECK(cx.out != NULL && strstr(cx.out, "nnn\t80\t") != NULL);
}

static void
test_malformed(void)
{
	/* a request cut short */
	begin();
	FEED(true, "\x04\x01\x00\x50\xc0\x96");
	CHECK_EQ(cx.violations, 1);
	/* a user id without its NUL */
	begin();
	FEED(true,
		"\x04\x01\x00\x50\xc0\x96\xbb\x0c"
		"abc");
	CHECK_EQ(cx.violations, 1);
	/* an unknown version */
	begin();
	FEED(true, "GET / HTTP/1.1\r\n");
	CHECK_EQ(cx.violations, 1);
	/* v5: reserved byte set, unknown command, unknown address type */
	begin();
	FEED(true, "\x05\x01\x00");
	FEED(false, "\x05\x00");
	FEED(true, "\x05\x01\x01\x01\x0a\x00\x00\x02\x00\x50");
	CHECK_EQ(cx.violations, 1);
	begin();
	FEED(true, "\x05\x01\x00");
	FEED(false, "\x05\x00");
	FEED(true, "\x05\x09\x00\x01\x0a\x00\x00\x02\x00\x50");
	CHECK_EQ(cx.violations, 1);
	begin();
	FEED(true, "\x05\x01\x00");
	FEED(false, "\x05\x00");
	FEED(true, "\x05\x01\x00\x07\x0a\x00\x00\x02\x00\x50");
	CHECK_EQ(cx.violations, 1);
	/* a domain name longer than the bytes */
	begin();
	FEED(true, "\x05\x01\x00");
	FEED(false, "\x05\x00");
	FEED(true, "\x05\x01\x00\x03\x40short\x00\x50");
	CHECK_EQ(cx.violations, 1);
	CHECK_EQ(cx.confirms, 0);
	end();
	CHECK(cx.out == NULL || strstr(cx.out, "socks\t") == NULL);
}

static void
test_flip(void)
{
	begin();
	FEED(true, "\x05\x01\x00");
	vg_socks_analyzer.flip(&s);
	CHECK(!s.orig_done && !s.resp_done);
	s.orig_done = true;
	vg_socks_analyzer.flip(&s);
	CHECK(!s.orig_done && s.resp_done);
}

static void
test_probe(void)
{
	enum vg_an_probe (*p)(const uint8_t *, uint32_t, bool) = vg_socks_analyzer.probe;
	const uint8_t v4req[] = "\x04\x01\x00\x50\xc0\x96\xbb\x0cuser\x00";
	const uint8_t v4rep[] = "\x00\x5a\x00\x00\x00\x00\x00\x00";
	uint8_t longuser[64];

	CHECK(vg_socks_analyzer.probe_both);
	CHECK_EQ(p(v4req, sizeof(v4req) - 1, true), VG_PROBE_YES);
	CHECK_EQ(p(v4req, 2, true), VG_PROBE_MAYBE);
	CHECK_EQ(p(v4rep, sizeof(v4rep) - 1, false), VG_PROBE_YES);
	/* the reverse pair: a v4 request from the responder */
	CHECK_EQ(p(v4req, sizeof(v4req) - 1, false), VG_PROBE_YES);
	CHECK_EQ(p(v4rep, sizeof(v4rep) - 1, true), VG_PROBE_YES);
	/* more than 32 bytes before the NUL */
	memset(longuser, 'a', sizeof(longuser));
	longuser[0] = 4;
	longuser[1] = 1;
	longuser[sizeof(longuser) - 1] = 0;
	CHECK_EQ(p(longuser, sizeof(longuser), true), VG_PROBE_NO);
	CHECK_EQ(p((const uint8_t *)"\x05\x01\x00", 3, true), VG_PROBE_YES);
	CHECK_EQ(p((const uint8_t *)"\x05\x01\x03", 3, true), VG_PROBE_NO);
	CHECK_EQ(p((const uint8_t *)"\x05\x00", 2, false), VG_PROBE_YES);
	CHECK_EQ(p((const uint8_t *)"\x05\x01\x02", 3, false), VG_PROBE_YES);
	CHECK_EQ(p((const uint8_t *)"\x05\x02", 2, false), VG_PROBE_NO);
	CHECK_EQ(p((const uint8_t *)"\x05", 1, false), VG_PROBE_MAYBE);
	CHECK_EQ(p((const uint8_t *)"GET / HTTP/1.1\r\n", 16, true), VG_PROBE_NO);
	CHECK_EQ(p((const uint8_t *)"SSH-2.0-x\r\n", 11, false), VG_PROBE_NO);
}

int
main(void)
{
	static struct vg_schema schema;

	/* socks.log under an id of its own, as registration gives it */
	schema = *vg_socks_analyzer.logs[0].schema;
	schema.id = 7;
	*vg_socks_analyzer.logs[0].id = 7;
	cx.schemas[0] = &schema;
	test_v5_connect();
	test_v5_userpass();
	test_v5_unsupported_method();
	test_v4();
	test_long_name();
	test_malformed();
	test_flip();
	test_probe();
	free(cx.out);
	printf("socks: %u checks, %u failed (state %zu bytes)\n", n_checks, n_failed,
		sizeof(struct vg_socks));
	return n_failed != 0;
}
