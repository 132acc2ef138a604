/* SPDX-License-Identifier: BSD-3-Clause */
/* TLS analyzer unit tests, through the test context (vg_an_testctx.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_an_testctx.h"
#include "vg_test.h"
#include "vg_tls.h"

/* vigil-gen's self-signed certificate (CN *.vigil-gen.example). */
static const uint8_t cert[] = {
#include "../../../tools/vigil-gen/vg_gen_cert.inc"
};

struct buf {
	uint8_t b[8192];
	uint32_t n;
};

static void
put(struct buf *b, const void *p, uint32_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void
u8(struct buf *b, uint32_t v)
{
	b->b[b->n++] = (uint8_t)v;
}

static void
u16(struct buf *b, uint32_t v)
{
	u8(b, v >> 8);
	u8(b, v);
}

static void
u24(struct buf *b, uint32_t v)
{
	u8(b, v >> 16);
	u16(b, v);
}

/* A record of the given type around body. */
static void
record(struct buf *out, uint8_t type, const struct buf *body)
{
	u8(out, type);
	u16(out, 0x0303);
	u16(out, body->n);
	put(out, body->b, body->n);
}

static void
handshake(struct buf *out, uint8_t type, const struct buf *msg)
{
	struct buf h = {.n = 0};

	u8(&h, type);
	u24(&h, msg->n);
	put(&h, msg->b, msg->n);
	record(out, 22, &h);
}

static void
client_hello(struct buf *out)
{
	struct buf m = {.n = 0}, ext = {.n = 0};
	uint8_t rnd[32] = {1};
	const char *sni = "www.vigil-gen.example";

	u16(&m, 0x0303);
	put(&m, rnd, 32);
	u8(&m, 0);
	u16(&m, 4);
	u16(&m, 0xc02f);
	u16(&m, 0x1301);
	u8(&m, 1);
	u8(&m, 0);
	u16(&ext, 0); /* server_name */
	u16(&ext, (uint32_t)strlen(sni) + 5);
	u16(&ext, (uint32_t)strlen(sni) + 3);
	u8(&ext, 0);
	u16(&ext, (uint32_t)strlen(sni));
	put(&ext, sni, (uint32_t)strlen(sni));
	u16(&m, ext.n);
	put(&m, ext.b, ext.n);
	handshake(out, 1, &m);
}

static void
server_flight(struct buf *out)
{
	struct buf m = {.n = 0}, c = {.n = 0}, k = {.n = 0}, d = {.n = 0};
	uint8_t rnd[32] = {2};

	u16(&m, 0x0303);
	put(&m, rnd, 32);
	u8(&m, 0);
	u16(&m, 0xc02f);
	u8(&m, 0);
	u16(&m, 13); /* extensions: ALPN http/1.1 */
	u16(&m, 16);
	u16(&m, 9);
	u16(&m, 7);
	u8(&m, 6);
	put(&m, "http/1", 6);
	handshake(out, 2, &m);
	u24(&c, sizeof(cert) + 3);
	u24(&c, sizeof(cert));
	put(&c, cert, sizeof(cert));
	handshake(out, 11, &c);
	u8(&k, 3);
	u16(&k, 23); /* secp256r1 */
	u8(&k, 1);
	u8(&k, 4);
	handshake(out, 12, &k);
	handshake(out, 14, &d);
}

static void
ccs_finished(struct buf *out)
{
	struct buf one = {.n = 0}, fin = {.n = 0};

	u8(&one, 1);
	record(out, 20, &one);
	for (int i = 0; i < 40; i++)
		u8(&fin, (uint32_t)(i * 13));
	record(out, 22, &fin); /* encrypted Finished */
}

static struct vg_an_ctx cx;

/* Runs the session delivering `chunk` bytes at a time. */
static void
session(struct vg_tls *t, uint32_t chunk)
{
	struct buf c1 = {.n = 0}, s1 = {.n = 0}, c2 = {.n = 0}, s2 = {.n = 0}, kx = {.n = 0};
	struct buf *steps[4] = {&c1, &s1, &c2, &s2};
	bool orig[4] = {true, false, true, false};

	client_hello(&c1);
	server_flight(&s1);
	u8(&kx, 65);
	for (int i = 0; i < 65; i++)
		u8(&kx, (uint32_t)i);
	handshake(&c2, 16, &kx);
	ccs_finished(&c2);
	ccs_finished(&s2);
	memset(t, 0, sizeof(*t));
	for (int s = 0; s < 4; s++)
		for (uint32_t off = 0; off < steps[s]->n; off += chunk) {
			uint32_t n = steps[s]->n - off < chunk ? steps[s]->n - off : chunk;

			vg_tls_analyzer.stream(t, &cx, orig[s], steps[s]->b + off, n);
		}
	vg_tls_analyzer.end(t, &cx, VG_AN_END_FLUSH);
}

static void
test_tls12(void)
{
	struct vg_tls *t = calloc(1, sizeof(*t));

	tc_reset(&cx);
	session(t, 100000);
	CHECK_EQ(cx.records, 2); /* x509.log, then ssl.log at establishment */
	CHECK(cx.out &&
		strstr(cx.out,
			"ssl\t1.000000\tCtest\taddr\t40000\taddr\t80\tTLSv12\t"
			"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\tsecp256r1\t"
			"www.vigil-gen.example\tF\t-\thttp/1\tT\tCsxknGIi\t") != NULL);
	CHECK(cx.out &&
		strstr(cx.out, "\t(empty)\tT\t-\n") != NULL); /* no client chain; SNI matches */
	CHECK(cx.out && strstr(cx.out, "x509\t1.000000\t") != NULL);
	CHECK(cx.out && strstr(cx.out, "CN=*.vigil-gen.example,O=vigil-gen,C=US") != NULL);
	CHECK(cx.out &&
		strstr(cx.out,
			"\tid-ecPublicKey\tecdsa-with-SHA256\tecdsa\t256\t-\t"
			"prime256v1\t*.vigil-gen.example,vigil-gen.example\t") != NULL);
	if (cx.out && strstr(cx.out, "CsxknGIi") == NULL)
		fprintf(stderr, "got:\n%s", cx.out);
	CHECK(cx.confirms >= 1 && cx.violations == 0);

	/* Every delivery size gives the same logs (the certificate is logged once a day). */
	char *whole = strdup(cx.out ? cx.out : "");
	const char *ssl_line = strstr(whole, "ssl\t");

	for (uint32_t chunk = 1; chunk < 64; chunk += 7) {
		tc_reset(&cx);
		session(t, chunk);
		CHECK(cx.out && ssl_line && strcmp(cx.out, ssl_line) == 0);
		CHECK_EQ(cx.bufs_out, 0); /* every side buffer given back */
	}

	/*
	 * No side buffer free: the messages that span deliveries are given up
	 * (counted), the session is still logged, nothing is held.
	 */
	uint64_t busy0 = vg_tls_stats.cert_msgs_busy;

	tc_reset(&cx);
	cx.bufs_refuse = true;
	session(t, 50);
	cx.bufs_refuse = false;
	CHECK(vg_tls_stats.cert_msgs_busy - busy0 >= 2); /* the hellos and the chain at least */
	CHECK(cx.out && strstr(cx.out, "ssl\t") != NULL && strstr(cx.out, "x509\t") == NULL);
	CHECK_EQ(cx.bufs_out, 0);
	free(whole);
	free(t);
}

static void
test_garbage_and_names(void)
{
	struct vg_tls *t = calloc(1, sizeof(*t));
	uint8_t junk[3000];
	char b[VG_TLS_NAME_BUF];

	for (uint32_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 31 + 7);
	junk[0] = 22;
	junk[1] = 3;
	junk[2] = 1;
	junk[3] = 0x0b;
	junk[4] = 0xb8; /* a 3000-byte record of nonsense handshake messages */
	tc_reset(&cx);
	vg_tls_analyzer.stream(t, &cx, true, junk, sizeof(junk));
	vg_tls_analyzer.stream(t, &cx, false, junk + 1, sizeof(junk) - 1);
	vg_tls_analyzer.end(t, &cx, VG_AN_END_FLUSH);
	CHECK(cx.violations >= 1);

	CHECK(strcmp(vg_tls_version_name(0x7f17, b), "TLSv13-draft23") == 0);
	CHECK(strcmp(vg_tls_cipher_name(0x1302, b), "TLS_AES_256_GCM_SHA384") == 0);
	CHECK(strcmp(vg_tls_cipher_name(0xbeef, b), "unknown-48879") == 0);
	CHECK(strcmp(vg_tls_group_name(29, b), "x25519") == 0);
	CHECK(strcmp(vg_tls_alert_name(112, b), "unrecognized_name") == 0);
	CHECK(vg_tls_analyzer.probe((const uint8_t *)"\x16\x03\x01\x02\x00\x01", 6, true) ==
		VG_PROBE_YES);
	CHECK(vg_tls_analyzer.probe((const uint8_t *)"GET / HTTP", 10, true) == VG_PROBE_NO);
	free(t);
}

/*
 * A chain longer than the certificate buffer (16 KiB): the first certificate
 * is logged, the one that crosses the limit is not parsed and is counted
 * (ssl_certs_cut in --stats, stats.log and telemetry).
 */
static void
test_chain_cut(void)
{
	struct vg_tls *t = calloc(1, sizeof(*t));
	enum { BIG = 17000 };
	uint32_t chain = 3 + sizeof(cert) + 3 + BIG, mlen = 3 + chain, n = 0;
	uint8_t *m = calloc(1, 4 + mlen), rec[5 + 16384];
	uint64_t cut0 = vg_tls_stats.certs_cut;

	m[n++] = 11; /* Certificate */
	m[n++] = (uint8_t)(mlen >> 16), m[n++] = (uint8_t)(mlen >> 8), m[n++] = (uint8_t)mlen;
	m[n++] = (uint8_t)(chain >> 16), m[n++] = (uint8_t)(chain >> 8), m[n++] = (uint8_t)chain;
	m[n++] = 0, m[n++] = (uint8_t)(sizeof(cert) >> 8), m[n++] = (uint8_t)sizeof(cert);
	memcpy(m + n, cert, sizeof(cert));
	n += sizeof(cert);
	m[n++] = (uint8_t)(BIG >> 16), m[n++] = (uint8_t)(BIG >> 8), m[n++] = (uint8_t)BIG;
	n += BIG; /* zeros: never looked at */
	tc_reset(&cx);
	cx.now += 2 * 86400 * 1000000000ull; /* past the relog interval of test_tls12's */
	for (uint32_t off = 0; off < n; off += 16384) {
		uint32_t k = n - off < 16384 ? n - off : 16384;

		rec[0] = 22, rec[1] = 3, rec[2] = 3, rec[3] = (uint8_t)(k >> 8),
		rec[4] = (uint8_t)k;
		memcpy(rec + 5, m + off, k);
		vg_tls_analyzer.stream(t, &cx, false, rec, 5 + k);
	}
	CHECK_EQ(vg_tls_stats.certs_cut - cut0, 1);
	CHECK(cx.out && strstr(cx.out, "x509\t") != NULL); /* the first one is logged */
	vg_tls_analyzer.end(t, &cx, VG_AN_END_FLUSH);
	CHECK_EQ(cx.bufs_out, 0);
	free(m);
	free(t);
}

int
main(void)
{
	cx.uid = "Ctest";
	cx.now = 1000000000;
	/* Copies with ids of their own, as registration gives them. */
	static struct vg_schema ssl, x509;

	ssl = *vg_tls_analyzer.logs[0].schema;
	x509 = *vg_tls_analyzer.logs[1].schema;
	ssl.id = 0;
	x509.id = 1;
	cx.schemas[0] = &ssl;
	cx.schemas[1] = &x509;
	*vg_tls_analyzer.logs[0].id = 0;
	*vg_tls_analyzer.logs[1].id = 1;
	test_tls12();
	test_garbage_and_names();
	test_chain_cut();
	free(cx.out);
	printf("tls: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed != 0;
}
