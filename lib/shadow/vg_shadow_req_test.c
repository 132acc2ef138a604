/* SPDX-License-Identifier: BSD-3-Clause */
/* The shadow listener's request framing and address parsing. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "vg_shadow.h"
#include "vg_shadow_req.h"
#include "vg_test.h"

/* Feeds s in pieces of `step` bytes; counts the events; returns the last one. */
static enum vg_shreq_event
feed_all(struct vg_shreq *q, const char *s, uint32_t step, unsigned *done, unsigned *cont)
{
	uint32_t len = (uint32_t)strlen(s), off = 0;
	enum vg_shreq_event last = VG_SHREQ_MORE;

	while (off < len) {
		uint32_t n = len - off < step ? len - off : step;
		uint32_t used = 0;

		last = vg_shreq_feed(q, (const uint8_t *)s + off, n, &used);
		if (last == VG_SHREQ_BAD || last == VG_SHREQ_TOO_BIG)
			return last;
		if (last == VG_SHREQ_DONE)
			(*done)++;
		if (last == VG_SHREQ_CONTINUE)
			(*cont)++;
		if (used == 0 && last == VG_SHREQ_MORE)
			break;
		off += used;
	}
	return last;
}

static unsigned
requests(const char *s, uint32_t step, enum vg_shreq_event *last)
{
	struct vg_shreq q;
	unsigned done = 0, cont = 0;

	vg_shreq_init(&q, 1024);
	*last = feed_all(&q, s, step, &done, &cont);
	return done;
}

static void
test_keep_alive_and_bodies(void)
{
	const char *s = "GET / HTTP/1.1\r\nHost: a-shadow\r\n\r\n"
			"\r\n" /* an empty line between requests is skipped */
			"POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
			"PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
			"3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\n\r\n"
			"GET /last HTTP/1.1\nHost: b\n\n";
	enum vg_shreq_event last;

	/* Every split gives the same requests. */
	for (uint32_t step = 1; step <= 64; step++)
		CHECK_EQ(requests(s, step, &last), 4);
	CHECK_EQ(requests(s, 100000, &last), 4);
}

static void
test_close(void)
{
	struct vg_shreq q;
	uint32_t used;

	vg_shreq_init(&q, 0);
	CHECK_EQ(vg_shreq_feed(&q, (const uint8_t *)"GET / HTTP/1.0\r\n\r\n", 18, &used),
		VG_SHREQ_DONE);
	CHECK(q.close);
	vg_shreq_init(&q, 0);
	const char *ka = "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n";
	CHECK_EQ(
		vg_shreq_feed(&q, (const uint8_t *)ka, (uint32_t)strlen(ka), &used), VG_SHREQ_DONE);
	CHECK(!q.close);
	vg_shreq_init(&q, 0);
	const char *cl = "GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n";
	CHECK_EQ(
		vg_shreq_feed(&q, (const uint8_t *)cl, (uint32_t)strlen(cl), &used), VG_SHREQ_DONE);
	CHECK(q.close);
}

static void
test_continue(void)
{
	struct vg_shreq q;
	unsigned done = 0, cont = 0;

	vg_shreq_init(&q, 0);
	feed_all(&q, "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok", 7,
		&done, &cont);
	CHECK_EQ(cont, 1);
	CHECK_EQ(done, 1);
	/* No body: nothing to continue. */
	done = cont = 0;
	vg_shreq_init(&q, 0);
	feed_all(&q, "GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n", 100, &done, &cont);
	CHECK_EQ(cont, 0);
	CHECK_EQ(done, 1);
}

static void
test_malformed(void)
{
	static const char *const bad[] = {
		"GET /\r\n\r\n",                                /* HTTP/0.9 */
		"GET / HTTX/1.1\r\n\r\n",                       /* version */
		"G(T / HTTP/1.1\r\n\r\n",                       /* method */
		"GET / HTTP/2.0\r\n\r\n",                       /* major 2 */
		"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",        /* space in a name */
		"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",    /* obs-fold */
		"GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", /* length */
		"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", /* not chunked last */
		"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
		"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
		"GET / HTTP/1.1\rX\n\r\n", /* bare CR */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum vg_shreq_event last;

		CHECK_EQ(requests(bad[i], 3, &last), 0);
		if (last != VG_SHREQ_BAD)
			fprintf(stderr, "not refused: case %zu\n", i);
		CHECK_EQ(last, VG_SHREQ_BAD);
	}
	/* The same content length twice is one. */
	enum vg_shreq_event last;

	CHECK_EQ(requests("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-length: 1\r\n\r\nx", 5,
			 &last),
		1);
}

static void
test_too_big(void)
{
	char big[4096];
	enum vg_shreq_event last;
	int n = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX: ");

	memset(big + n, 'a', 2000);
	strcpy(big + n + 2000, "\r\n\r\n");
	CHECK_EQ(requests(big, 100, &last), 0);
	CHECK_EQ(last, VG_SHREQ_TOO_BIG);
	/* A long chunked body of small chunks is not a long head. */
	static char chunks[40000];
	size_t k = (size_t)snprintf(
		chunks, sizeof(chunks), "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (int i = 0; i < 4000; i++) {
		memcpy(chunks + k, "1\r\nx\r\n", 6);
		k += 6;
	}
	strcpy(chunks + k, "0\r\n\r\n");
	CHECK_EQ(requests(chunks, 1000, &last), 1);
}

static void
test_listen_parse(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256];

	CHECK_EQ(vg_shadow_parse_listen("127.0.0.1:15080", &ss, &len, err, sizeof(err)), 0);
	CHECK_EQ(ss.ss_family, AF_INET);
	CHECK_EQ(ntohs(((struct sockaddr_in *)&ss)->sin_port), 15080);
	CHECK_EQ(vg_shadow_parse_listen("[::1]:80", &ss, &len, err, sizeof(err)), 0);
	CHECK_EQ(ss.ss_family, AF_INET6);
	CHECK_EQ(vg_shadow_parse_listen(":8080", &ss, &len, err, sizeof(err)), 0);
	CHECK_EQ(ss.ss_family, AF_INET6);
	CHECK_EQ(vg_shadow_parse_listen("8080", &ss, &len, err, sizeof(err)), -1);
	CHECK(strstr(err, "ADDR:PORT") != NULL);
	CHECK_EQ(vg_shadow_parse_listen("1.2.3.4:0", &ss, &len, err, sizeof(err)), 0);
	CHECK_EQ(vg_shadow_parse_listen("1.2.3.4:", &ss, &len, err, sizeof(err)), -1);
	CHECK_EQ(vg_shadow_parse_listen("1.2.3.4:70000", &ss, &len, err, sizeof(err)), -1);
	CHECK_EQ(vg_shadow_parse_listen("host:80", &ss, &len, err, sizeof(err)), -1);
}

int
main(void)
{
	test_keep_alive_and_bodies();
	test_close();
	test_continue();
	test_malformed();
	test_too_big();
	test_listen_parse();
	printf("shadow_req: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed != 0;
}
