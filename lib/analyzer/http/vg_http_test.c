/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP analyzer: http.log and files.log for keep-alive exchanges (chunked,
 * 100-continue, multipart, gzip), the same records whatever the split of
 * the byte streams, 64 KiB header lines, chunked edge cases, HTTP/0.9,
 * content gaps and the probe.
 */
#include <zlib.h>

#include "vg_an_testctx.h"
#include "vg_http.h"
#include "vg_test.h"

static struct vg_an_ctx cx = {.now = 1000000000ULL * 1700000000ULL, .uid = "CHttpTest1"};
static struct vg_http *h;

static void
conn_begin(void)
{
	memset(h, 0, sizeof(*h));
	vg_http_analyzer.init(h, &cx);
	tc_reset(&cx);
}

static void
feed(bool is_orig, const char *d, size_t len)
{
	vg_http_analyzer.stream(h, &cx, is_orig, (const uint8_t *)d, (uint32_t)len);
}

static void
conn_end(void)
{
	vg_http_analyzer.eof(h, &cx, true);
	vg_http_analyzer.eof(h, &cx, false);
	vg_http_analyzer.end(h, &cx, VG_AN_END_CLOSE);
}

/* The records for a request stream and a reply stream, each cut at `cut`. */
static char *
run(const char *req, size_t rlen, const char *rsp, size_t plen, size_t cut)
{
	conn_begin();
	size_t c1 = VG_MIN(cut, rlen), c2 = VG_MIN(cut, plen);
	feed(true, req, c1);
	feed(true, req + c1, rlen - c1);
	feed(false, rsp, c2);
	feed(false, rsp + c2, plen - c2);
	conn_end();
	return strdup(cx.out ? cx.out : "");
}

static size_t
gzip_text(const char *in, uint8_t *out, size_t cap)
{
	z_stream z = {0};
	deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)strlen(in);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	size_t n = z.total_out;
	deflateEnd(&z);
	return n;
}

static char req_buf[4096], rsp_buf[4096];
static size_t req_len, rsp_len;

static void
build_exchange(void)
{
	static const char mp[] =
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n"
		"Content-Type: text/plain\r\n"
		"\r\n"
		"line one\r\n"
		"line two\r\n"
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=\"k\"\r\n"
		"\r\n"
		"value\r\n"
		"--XyZ--\r\n";
	req_len = (size_t)snprintf(req_buf, sizeof(req_buf),
		"GET /a%%20b?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t/1\r\n"
		"Authorization: Basic dXNlcjpwYXNz\r\nX-Forwarded-For: 1.2.3.4\r\n"
		"Referer: http://r/\r\n\r\n"
		"POST /up HTTP/1.1\r\nHost: example.com\r\nExpect: 100-continue\r\n"
		"Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: %zu\r\n\r\n%s"
		"GET /gz HTTP/1.1\r\nHost: example.com\r\nOrigin: http://o\r\n\r\n",
		sizeof(mp) - 1, mp);
	uint8_t gz[512];
	size_t gzlen = gzip_text("compressed body text, long enough to sniff\n", gz, sizeof(gz));
	rsp_len = (size_t)snprintf(rsp_buf, sizeof(rsp_buf),
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/html\r\n\r\n"
		"6\r\n<html>\r\nA;ext=1\r\n<body>hi</\r\n7\r\nbody>\n\n\r\n0\r\nX-Trailer: "
		"1\r\n\r\n"
		"HTTP/1.1 100 Continue\r\n\r\n"
		"HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello"
		"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n",
		gzlen);
	memcpy(rsp_buf + rsp_len, gz, gzlen);
	rsp_len += gzlen;
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

static void
test_exchange(void)
{
	char *whole = run(req_buf, req_len, rsp_buf, rsp_len, 0);

	CHECK_EQ(count_lines(whole, "http\t"), 3);
	CHECK_EQ(count_lines(whole, "files\t"), 5);
	/* GET: unescaped URI, basic auth user, proxied, chunked body of 23 bytes */
	CHECK(strstr(whole,
		      "\t1\tGET\texample.com\t/a b?x=1\thttp://r/\t1.1\tt/1\t-\t0\t23\t200\tOK\t"
		      "-\t-\t(empty)\tuser\t-\tX-FORWARDED-FOR -> 1.2.3.4\t-\t-\t-\t") != NULL);
	CHECK(strstr(whole, "\t-\ttext/html\tF\n") != NULL); /* shadowed: F */
	/* POST: 100 Continue kept as info, multipart parts as two files, one name */
	CHECK(strstr(whole, "\t2\tPOST\texample.com\t/up\t-\t1.1\t-\t-\t") != NULL);
	CHECK(strstr(whole, "\t5\t201\tCreated\t100\tContinue\t(empty)\t") != NULL);
	CHECK(strstr(whole, "\ta.txt\ttext/plain\t") != NULL);
	CHECK(strstr(whole, "\t18\t-\t0\t0\tF\t") != NULL); /* "line one\r\nline two" */
	/* gzip: the inflated length */
	CHECK(strstr(whole, "\t3\tGET\texample.com\t/gz\t-\t1.1\t-\thttp://o\t0\t43\t200\tOK\t") !=
		NULL);
	CHECK_EQ(cx.violations, 0);
	CHECK(cx.confirms > 0);
	if (n_failed)
		fprintf(stderr, "%s", whole);

	/* Every cut point gives the same records. */
	size_t maxlen = VG_MAX(req_len, rsp_len);
	int bad = 0;
	for (size_t cut = 1; cut < maxlen; cut++) {
		char *o = run(req_buf, req_len, rsp_buf, rsp_len, cut);
		if (strcmp(o, whole) != 0 && bad++ == 0)
			fprintf(stderr, "cut %zu differs:\n%s\nvs\n%s\n", cut, o, whole);
		free(o);
		if (cx.bufs_out != 0 && bad++ == 0) /* every side buffer given back */
			fprintf(stderr, "cut %zu: %d side buffers held\n", cut, cx.bufs_out);
	}
	CHECK_EQ(bad, 0);
	/*
	 * No side buffer free: the transactions lose their strings and the lines
	 * cut in two keep their tails (counted), the records are still written,
	 * nothing is held.
	 */
	uint64_t cut0 = vg_http_stats.strings_cut, lines0 = vg_http_stats.lines_cut;
	cx.bufs_refuse = true;
	char *none = run(req_buf, req_len, rsp_buf, rsp_len, 20);
	cx.bufs_refuse = false;
	CHECK_EQ(count_lines(none, "http\t"), 3);
	CHECK(vg_http_stats.strings_cut > cut0 && vg_http_stats.lines_cut > lines0);
	CHECK_EQ(cx.bufs_out, 0);
	free(none);
	/* One byte at a time. */
	conn_begin();
	cx.with_weirds = getenv("HTTP_TEST_DEBUG") != NULL;
	for (size_t i = 0; i < req_len; i++)
		feed(true, req_buf + i, 1);
	for (size_t i = 0; i < rsp_len; i++)
		feed(false, rsp_buf + i, 1);
	conn_end();
	CHECK_EQ(cx.bufs_out, 0);
	CHECK(strcmp(cx.out, whole) == 0);
	if (strcmp(cx.out, whole) != 0)
		fprintf(stderr, "bytewise:\n%s\nwhole:\n%s\n", cx.out, whole);
	free(whole);
}

static void
test_long_headers(void)
{
	static char req[200000];
	int n = snprintf(req, sizeof(req), "GET /");
	memset(req + n, 'u', 70000);
	n += 70000;
	n += snprintf(req + n, sizeof(req) - (size_t)n, " HTTP/1.1\r\nHost: h\r\nCookie: ");
	memset(req + n, 'a', 65536);
	n += 65536;
	n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\nUser-Agent: ua\r\n\r\n");
	const char rsp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

	cx.with_weirds = true;
	char *o = run(req, (size_t)n, rsp, sizeof(rsp) - 1, 0);
	cx.with_weirds = false;
	CHECK_EQ(count_lines(o, "weird\tcontentline_size_exceeded"), 2);
	CHECK_EQ(count_lines(o, "http\t"), 1);
	CHECK(strstr(o, "\th\t/uuu") != NULL);
	CHECK(strstr(o, "uuu\t-\t1.1\tua\t-\t0\t0\t200\tOK\t") != NULL);
	/* the URI keeps the buffer's head and tail */
	const char *u = strstr(o, "\t/u");
	size_t ulen = u ? strcspn(u + 1, "\t") : 0;
	CHECK_EQ(ulen, VG_HTTP_URI_MAX);
	if (n_failed)
		fprintf(stderr, "%.300s\n", o);
	free(o);
}

static void
test_chunked_edges(void)
{
	const char req[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n"
			   "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n";
	/* upper-case hex, an extension, data before the CRLF, empty trailer */
	const char rsp[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			   "A\r\n0123456789\r\n1;x=y\r\nZjunk\r\n0\r\n\r\n"
			   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			   "zz\r\n";
	cx.with_weirds = true;
	char *o = run(req, sizeof(req) - 1, rsp, sizeof(rsp) - 1, 0);
	cx.with_weirds = false;
	CHECK(strstr(o, "\t1\tGET\th\t/\t-\t1.1\t-\t-\t0\t11\t200\tOK\t") != NULL);
	CHECK_EQ(count_lines(o, "weird\tHTTP_bad_chunk_size\tzz"), 1);
	/* a bad size ends the body: the second reply is logged with no body */
	CHECK(strstr(o, "\t2\tGET\th\t/2\t-\t1.1\t-\t-\t0\t0\t200\tOK\t") != NULL);
	free(o);

	/* HTTP/1.0 does not chunk: the body runs to the close as lines */
	const char rsp10[] = "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n";
	const char req1[] = "GET / HTTP/1.0\r\n\r\n";
	o = run(req1, sizeof(req1) - 1, rsp10, sizeof(rsp10) - 1, 0);
	CHECK(strstr(o, "\t0\t8\t200\tOK\t") != NULL); /* "3" CRLF "abc" CRLF */
	if (n_failed)
		fprintf(stderr, "%s", o);
	free(o);
}

static void
test_http09_and_gaps(void)
{
	const char req[] = "GET /zeek.html\r\n";
	const char rsp[] = "<html><body>old</body></html>\n";
	/* the server closes first, then the client: Zeek's second, empty record */
	conn_begin();
	feed(true, req, sizeof(req) - 1);
	feed(false, rsp, sizeof(rsp) - 1);
	vg_http_analyzer.eof(h, &cx, false);
	vg_http_analyzer.eof(h, &cx, true);
	vg_http_analyzer.end(h, &cx, VG_AN_END_CLOSE);
	char *o = strdup(cx.out);
	CHECK(strstr(o, "\t1\tGET\t-\t/zeek.html\t-\t0.9\t-\t-\t0\t30\t0\t<empty>\t") != NULL);
	CHECK(strstr(o, "\t2\t-\t-\t-\t-\t-\t-\t-\t0\t0\t-\t-\t-\t-\t(empty)\t") != NULL);
	if (n_failed)
		fprintf(stderr, "%s", o);
	free(o);

	/* a gap inside a Content-Length body is skipped and counted */
	conn_begin();
	const char q[] = "GET /f HTTP/1.1\r\nHost: h\r\n\r\n";
	const char r1[] = "HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n0123456789";
	feed(true, q, sizeof(q) - 1);
	feed(false, r1, sizeof(r1) - 1);
	vg_http_analyzer.gap(h, &cx, false, 10);
	feed(false, "abcdefghij", 10);
	conn_end();
	CHECK(strstr(cx.out, "\t0\t30\t200\tOK\t") != NULL);
	CHECK(strstr(cx.out, "\t20\t30\t10\t0\tF\t") != NULL); /* seen, total, missing */

	/* a gap in the headers stops the direction; the request is still logged */
	conn_begin();
	feed(true, "GET /x HTTP/1.1\r\nHo", 19);
	vg_http_analyzer.gap(h, &cx, true, 5);
	feed(true, "st: h\r\n\r\n", 9);
	conn_end();
	CHECK_EQ(count_lines(cx.out, "http\t"), 1);
	CHECK(strstr(cx.out, "\t1\tGET\t-\t/x\t") != NULL);
}

static void
test_probe(void)
{
#define P(s, o) vg_http_analyzer.probe((const uint8_t *)(s), sizeof(s) - 1, o)
	CHECK(P("GET / HTTP/1.1\r\n", true) == VG_PROBE_YES);
	CHECK(P("  POST /", true) == VG_PROBE_YES);
	CHECK(P("HE", true) == VG_PROBE_MAYBE);
	CHECK(P("SSH-2.0-", true) == VG_PROBE_NO);
	CHECK(P("HTTP/1.1 200 OK", false) == VG_PROBE_YES);
	CHECK(P("HTTP/", false) == VG_PROBE_MAYBE);
	CHECK(P("HTTPX", false) == VG_PROBE_NO);
#undef P
}

static void
test_violation(void)
{
	/* A bad first line, then an HTTP reply: Zeek's DPD starts HTTP anew */
	const char bad[] = "\x16\x03\x01\x02\x00 binary\r\n";
	const char ok[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nno\n";
	char *o = run(bad, sizeof(bad) - 1, ok, sizeof(ok) - 1, 0);
	CHECK_EQ(cx.violations, 1); /* after the reply */
	CHECK_EQ(cx.confirms, 0);
	CHECK(strstr(o, "\t1\t-\t-\t-\t-\t1.1\t-\t-\t0\t3\t400\tBad Request\t") != NULL);
	free(o);

	/* ... but not when the reply is not HTTP */
	o = run(bad, sizeof(bad) - 1, "SSH-2.0-x\r\n", 11, 0);
	CHECK_EQ(cx.violations, 1);
	CHECK_EQ(count_lines(o, "http\t"), 0);
	free(o);

	/* ... nor when the client sent more than Zeek's DPD buffer first */
	static char big[1100];
	memset(big, 'x', sizeof(big));
	big[0] = '\x01';
	big[sizeof(big) - 2] = '\r';
	big[sizeof(big) - 1] = '\n';
	o = run(big, sizeof(big), ok, sizeof(ok) - 1, 0);
	CHECK(cx.violations >= 1);
	free(o);

	/* cruft after a confirmed request: a violation at once */
	const char req[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n\x01\x02cruft\r\n";
	const char rsp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	o = run(req, sizeof(req) - 1, rsp, sizeof(rsp) - 1, 0);
	CHECK_EQ(cx.violations, 1);
	CHECK_EQ(count_lines(o, "http\t"), 1);
	free(o);
}

/*
 * Zeek confirms HTTP on a reply line that answers a request, not on the
 * request (HTTP.cc): requests that are never answered leave service empty.
 */
static void
test_confirm_on_reply(void)
{
	const char req[] = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
	const char rsp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

	conn_begin();
	feed(true, req, sizeof(req) - 1);
	CHECK_EQ(cx.confirms, 0);
	feed(false, rsp, sizeof(rsp) - 1);
	CHECK_EQ(cx.confirms, 1);
	conn_end();

	/* a request alone: logged, never confirmed */
	char *o = run(req, sizeof(req) - 1, "", 0, 0);
	CHECK_EQ(cx.confirms, 0);
	CHECK_EQ(cx.violations, 0);
	CHECK_EQ(count_lines(o, "http\t"), 1);
	free(o);

	/* a reply before any request does not confirm either */
	o = run("", 0, rsp, sizeof(rsp) - 1, 0);
	CHECK_EQ(cx.confirms, 0);
	free(o);
}

/*
 * An answered CONNECT: main.zeek registers a Tunnel::HTTP (orig_p 0), and
 * HTTP.cc hands what follows to content detection; a refused one neither.
 */
static void
test_connect(void)
{
	const char req[] = "CONNECT mail.example:25 HTTP/1.1\r\nHost: mail.example\r\n\r\n";
	const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n220 mail ESMTP\r\n";
	const char no[] = "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n";

	char *o = run(req, sizeof(req) - 1, ok, sizeof(ok) - 1, 0);
	CHECK(strstr(o, "tunnel\tTunnel::HTTP\t0\t80\n") != NULL);
	CHECK_EQ(cx.redetects, 1);
	CHECK_EQ(cx.violations, 0); /* the tunnel's bytes are not HTTP's */
	free(o);
	o = run(req, sizeof(req) - 1, no, sizeof(no) - 1, 0);
	CHECK(strstr(o, "tunnel\t") == NULL);
	CHECK_EQ(cx.redetects, 0);
	free(o);
}

/* A header's client address in a fresh transaction. */
static struct vg_http_tx
shadow_client(const char *const *hdr, int n)
{
	struct vg_http_tx t;

	memset(&t, 0, sizeof(t));
	for (int i = 0; i < n; i += 2)
		vg_http_shadow_header(&t, hdr[i], (uint32_t)strlen(hdr[i]), hdr[i + 1],
			(uint32_t)strlen(hdr[i + 1]));
	return t;
}

static bool
addr_is(const struct vg_http_tx *t, const char *text)
{
	struct vg_addr a;

	return t->client_rank != 0 && vg_addr_parse(text, strlen(text), &a) &&
		vg_addr_cmp(&a, &t->client) == 0;
}

static void
test_shadow_headers(void)
{
	static const char *const xff[] = {"X-Forwarded-For", " 10.1.2.3:5555 , 10.9.9.9"};
	static const char *const v6[] = {"x-forwarded-for", "[2001:db8::7]:80"};
	static const char *const fwd[] = {
		"Forwarded", "proto=http;For=\"[2001:db8::1]:4711\", for=1.1.1.1"};
	static const char *const peer[] = {"x-envoy-peer-metadata-id",
		"sidecar~10.44.0.7~productpage-v1-7d9f.default~default.svc.cluster.local"};
	/* x-envoy-external-address is Envoy's own verdict: it wins, whatever the order. */
	static const char *const all[] = {"X-Forwarded-For", "10.1.2.3", "x-envoy-peer-metadata-id",
		"sidecar~10.44.0.7~p.d~d", "X-Envoy-External-Address", "192.0.2.7"};
	static const char *const junk[] = {
		"X-Forwarded-For", "unknown", "x-envoy-peer-metadata-id", "router~nothing"};
	struct vg_http_tx t;

	t = shadow_client(xff, 2);
	CHECK(addr_is(&t, "10.1.2.3"));
	t = shadow_client(v6, 2);
	CHECK(addr_is(&t, "2001:db8::7"));
	t = shadow_client(fwd, 2);
	CHECK(addr_is(&t, "2001:db8::1"));
	t = shadow_client(peer, 2);
	CHECK(addr_is(&t, "10.44.0.7"));
	t = shadow_client(all, 6);
	CHECK(addr_is(&t, "192.0.2.7"));
	t = shadow_client(all + 2, 2);
	CHECK(addr_is(&t, "10.44.0.7"));
	t = shadow_client(junk, 4);
	CHECK_EQ(t.client_rank, 0);

	static const char *const hosts[][2] = {
		{"reviews-shadow:9080", "reviews:9080"},
		{"reviews:9080-shadow", "reviews:9080"},
		{"reviews-shadow", "reviews"},
		{"a.b.svc.cluster.local-shadow", "a.b.svc.cluster.local"},
		{"reviews", "reviews"},
		{"shadow", "shadow"},
		{"x-shadowy:80", "x-shadowy:80"},
		{"10.96.0.15-shadow:8080", "10.96.0.15:8080"},
	};
	for (size_t i = 0; i < VG_ARRAY_SIZE(hosts); i++) {
		char out[64];
		uint32_t n = vg_http_shadow_host(
			hosts[i][0], (uint32_t)strlen(hosts[i][0]), out, sizeof(out));

		CHECK(n == strlen(hosts[i][1]) && memcmp(out, hosts[i][1], n) == 0);
	}
}

/* A shadow copy is logged when it ends, with nothing of vigil's own reply. */
static void
test_shadow_copy(void)
{
	static const char req[] =
		"GET /s HTTP/1.1\r\nHost: svc-shadow:80\r\n\r\n"
		"POST /t HTTP/1.1\r\nHost: svc-shadow:80\r\nContent-Length: 2\r\n\r\nok";
	static const char rsp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

	cx.shadow = true;
	conn_begin();
	feed(true, req, sizeof(req) - 1);
	/* Both logged before any reply came. */
	CHECK_EQ(count_lines(cx.out ? cx.out : "", "http\t"), 2);
	CHECK(cx.out && strstr(cx.out, "\t1\tGET\tsvc:80\t/s\t") != NULL);
	CHECK(cx.out && strstr(cx.out, "\t2\tPOST\tsvc:80\t/t\t-\t-\t-\t-\t2\t0\t-\t-\t") != NULL);
	feed(false, rsp, sizeof(rsp) - 1);
	feed(false, rsp, sizeof(rsp) - 1);
	conn_end();
	CHECK_EQ(count_lines(cx.out, "http\t"), 2);
	CHECK(strstr(cx.out, "\tT\n") != NULL);
	CHECK(strstr(cx.out, "\tF\n") == NULL);
	cx.shadow = false;
}

int
main(void)
{
	struct vg_files_config fc = {.pool_files = 64};

	vg_files_configure(&fc);
	vg_http_schema.id = 100;
	vg_files_schema.id = 101;
	cx.schemas[0] = &vg_http_schema;
	cx.schemas[1] = &vg_files_schema;
	h = calloc(1, sizeof(*h));
	build_exchange();
	test_exchange();
	test_long_headers();
	test_chunked_edges();
	test_http09_and_gaps();
	test_probe();
	test_violation();
	test_confirm_on_reply();
	test_connect();
	test_shadow_headers();
	test_shadow_copy();
	free(h);
	printf("http: %u checks, %u failed (state %zu bytes)\n", n_checks, n_failed,
		sizeof(struct vg_http));
	return n_failed != 0;
}
