/* SPDX-License-Identifier: BSD-3-Clause */
/* SSH analyzer unit tests, through the test context (vg_an_testctx.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_an_testctx.h"
#include "vg_ssh.h"
#include "vg_test.h"

/* A byte stream under construction. */
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
put32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	put(b, x, 4);
}

static void
put_str(struct buf *b, const char *s)
{
	put32(b, (uint32_t)strlen(s));
	put(b, s, (uint32_t)strlen(s));
}

/* An SSH-2 packet: type and payload, padded to a multiple of 8. */
static void
packet(struct buf *b, uint8_t type, const struct buf *payload)
{
	uint32_t body = 1 + 1 + (payload ? payload->n : 0);
	uint8_t pad = (uint8_t)(8 - (4 + body) % 8);
	uint8_t zeros[16] = {0};

	if (pad < 4)
		pad += 8;
	put32(b, body + pad);
	put(b, &pad, 1);
	put(b, &type, 1);
	if (payload)
		put(b, payload->b, payload->n);
	put(b, zeros, pad);
}

static void
kexinit(struct buf *b, const char *kex, const char *hostkey, const char *cipher, const char *mac,
	const char *cmp)
{
	struct buf p = {.n = 0};
	uint8_t cookie[16] = {1, 2, 3};
	uint8_t tail[5] = {0};

	put(&p, cookie, 16);
	put_str(&p, kex);
	put_str(&p, hostkey);
	put_str(&p, cipher);
	put_str(&p, cipher);
	put_str(&p, mac);
	put_str(&p, mac);
	put_str(&p, cmp);
	put_str(&p, cmp);
	put_str(&p, "");
	put_str(&p, "");
	put(&p, tail, 5);
	packet(b, 20, &p);
}

static void
ecdh_reply(struct buf *b)
{
	struct buf p = {.n = 0};
	struct buf key = {.n = 0};
	uint8_t k[32];

	for (int i = 0; i < 32; i++)
		k[i] = (uint8_t)i;
	put_str(&key, "ssh-ed25519");
	put32(&key, 32);
	put(&key, k, 32);
	put32(&p, key.n);
	put(&p, key.b, key.n);
	put32(&p, 32);
	put(&p, k, 32);
	put_str(&p, "signature");
	packet(b, 31, &p);
}

static void
encrypted(struct buf *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		b->b[b->n++] = (uint8_t)(0xa5 ^ i);
}

/* A whole session, as (is_orig, bytes) deliveries in order. */
struct step {
	bool orig;
	struct buf data;
};

static struct step steps[16];
static int nsteps;

static struct buf *
step(bool orig)
{
	steps[nsteps].orig = orig;
	steps[nsteps].data.n = 0;
	return &steps[nsteps++].data;
}

static void
build_session(const char *cmp, bool success)
{
	nsteps = 0;
	put(step(false), "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", 32);
	put(step(true), "SSH-2.0-OpenSSH_9.7\r\n", 21);
	kexinit(step(true), "sntrup761x25519-sha512,curve25519-sha256,ext-info-c",
		"ssh-ed25519,rsa-sha2-512", "chacha20-poly1305@openssh.com,aes128-ctr",
		"umac-64-etm@openssh.com", cmp);
	kexinit(step(false), "curve25519-sha256,sntrup761x25519-sha512", "rsa-sha2-512,ssh-ed25519",
		"aes128-ctr,chacha20-poly1305@openssh.com", "hmac-sha2-256,umac-64-etm@openssh.com",
		"none,zlib@openssh.com");
	{
		struct buf p = {.n = 0};
		uint8_t q[32] = {9};

		put32(&p, 32);
		put(&p, q, 32);
		packet(step(true), 30, &p);
	}
	struct buf *r = step(false);
	ecdh_reply(r);
	packet(r, 21, NULL); /* NEWKEYS */
	packet(step(true), 21, NULL);
	encrypted(&steps[nsteps - 1].data, 52); /* NEWKEYS, then SERVICE_REQUEST */
	encrypted(step(false), 44);             /* SERVICE_ACCEPT: service_accept_size */
	encrypted(step(true), 100);             /* USERAUTH_REQUEST (none) */
	encrypted(step(false), 60);             /* USERAUTH_FAILURE: userauth_failure_size */
	encrypted(step(true), 100);
	encrypted(step(false), success ? 28 : 60); /* 28 = 44 - 16: success */
}

static struct vg_an_ctx cx;

static void
run(void *st, bool bytewise)
{
	memset(st, 0, sizeof(struct vg_ssh));
	for (int i = 0; i < nsteps; i++) {
		struct step *s = &steps[i];

		if (!bytewise) {
			vg_ssh_analyzer.stream(st, &cx, s->orig, s->data.b, s->data.n);
			continue;
		}
		for (uint32_t k = 0; k < s->data.n; k++)
			vg_ssh_analyzer.stream(st, &cx, s->orig, s->data.b + k, 1);
	}
	vg_ssh_analyzer.end(st, &cx, VG_AN_END_FLUSH);
}

static const char *want_success =
	"ssh\t1.000000\tCtest\taddr\t40000\taddr\t80\t2\tT\t1\tOUTBOUND\tSSH-2.0-OpenSSH_9.7\t"
	"SSH-2.0-OpenSSH_9.2p1 Debian-2\tchacha20-poly1305@openssh.com\tumac-64-etm@openssh.com\t"
	"none\tsntrup761x25519-sha512\tssh-ed25519\tSHA256:";

static void
test_session(void)
{
	struct vg_ssh *st = calloc(1, sizeof(*st));

	build_session("none", true);
	tc_reset(&cx);
	run(st, false);
	CHECK(cx.records == 1);
	CHECK(cx.confirms >= 1);
	CHECK(cx.violations == 0);
	CHECK(cx.out != NULL && strncmp(cx.out, want_success, strlen(want_success)) == 0);
	if (cx.out && strncmp(cx.out, want_success, strlen(want_success)) != 0)
		fprintf(stderr, "got: %s", cx.out);
	/* SHA256: and 32 base64 characters */
	CHECK(cx.out && strlen(strstr(cx.out, "SHA256:")) == 7 + 32 + 1);

	/* The same bytes one at a time give the same record... */
	char *whole = strdup(cx.out ? cx.out : "");
	tc_reset(&cx);
	run(st, true);
	/* ...but for the authentication guess, which reads the sizes of TCP
	 * deliveries as Zeek does: from OUTBOUND on, the columns are equal. */
	CHECK(cx.out && strstr(whole, "OUTBOUND") && strstr(cx.out, "OUTBOUND") &&
		strcmp(strstr(whole, "OUTBOUND"), strstr(cx.out, "OUTBOUND")) == 0);
	free(whole);
	free(st);
}

static void
test_failure_and_compression(void)
{
	struct vg_ssh *st = calloc(1, sizeof(*st));

	build_session("none", false);
	tc_reset(&cx);
	run(st, false);
	/* Two failures of the same size: auth_success F, two attempts, logged at the end. */
	CHECK(cx.records == 1);
	CHECK(cx.out && strstr(cx.out, "\t2\tF\t1\t") != NULL);

	build_session("zlib@openssh.com,none", true);
	tc_reset(&cx);
	run(st, false);
	/* zlib@openssh.com chosen: sizes are not trusted, nothing is counted. */
	CHECK(cx.out && strstr(cx.out, "\t2\t-\t0\t") != NULL);
	CHECK(cx.out && strstr(cx.out, "\tzlib@openssh.com\t") != NULL);
	free(st);
}

static void
test_half_duplex_and_gap(void)
{
	struct vg_ssh *st = calloc(1, sizeof(*st));

	tc_reset(&cx);
	vg_ssh_analyzer.stream(st, &cx, true, (const uint8_t *)"SSH-1.5-OpenSSH_6.2\n", 20);
	vg_ssh_analyzer.end(st, &cx, VG_AN_END_TIMEOUT);
	CHECK(cx.records == 1);
	CHECK(cx.out &&
		strstr(cx.out, "\t80\t-\t-\t0\tOUTBOUND\tSSH-1.5-OpenSSH_6.2\t-\t") != NULL);

	memset(st, 0, sizeof(*st));
	tc_reset(&cx);
	vg_ssh_analyzer.gap(st, &cx, false, 100);
	vg_ssh_analyzer.stream(st, &cx, true, (const uint8_t *)"SSH-2.0-x\n", 10);
	vg_ssh_analyzer.end(st, &cx, VG_AN_END_TIMEOUT);
	CHECK(cx.records == 0); /* after a gap nothing is parsed, no session */
	free(st);
}

static void
test_pre_banner_and_garbage(void)
{
	struct vg_ssh *st = calloc(1, sizeof(*st));
	uint8_t junk[4096];

	tc_reset(&cx);
	vg_ssh_analyzer.stream(
		st, &cx, false, (const uint8_t *)"hello there\r\nSSH-2.0-srv\r\n", 26);
	vg_ssh_analyzer.end(st, &cx, VG_AN_END_TIMEOUT);
	CHECK(cx.out && strstr(cx.out, "\t-\tSSH-2.0-srv\t") != NULL);

	/* A banner, then a packet length far past any real one: a violation, no crash. */
	memset(st, 0, sizeof(*st));
	tc_reset(&cx);
	vg_ssh_analyzer.stream(st, &cx, true, (const uint8_t *)"SSH-2.0-c\n\xff\xff\xff\xff", 14);
	CHECK(cx.violations == 1);
	for (uint32_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 7);
	vg_ssh_analyzer.stream(st, &cx, true, junk, sizeof(junk));
	vg_ssh_analyzer.stream(st, &cx, false, junk, sizeof(junk));
	vg_ssh_analyzer.end(st, &cx, VG_AN_END_TIMEOUT);
	CHECK(cx.records == 1);
	free(st);
}

static void
test_probe(void)
{
	CHECK(vg_ssh_analyzer.probe((const uint8_t *)"SSH-2.0-x", 9, true) == VG_PROBE_YES);
	CHECK(vg_ssh_analyzer.probe((const uint8_t *)"ssh-1.99", 8, false) == VG_PROBE_YES);
	CHECK(vg_ssh_analyzer.probe((const uint8_t *)"SSH", 3, true) == VG_PROBE_MAYBE);
	CHECK(vg_ssh_analyzer.probe((const uint8_t *)"SSH-3.0", 7, true) == VG_PROBE_NO);
	CHECK(vg_ssh_analyzer.probe((const uint8_t *)"GET / ", 6, true) == VG_PROBE_NO);
}

int
main(void)
{
	cx.uid = "Ctest";
	cx.now = 1000000000;
	/* The schema is the analyzer's own; the test context finds it by id. */
	cx.schemas[0] = vg_ssh_analyzer.logs[0].schema;
	*vg_ssh_analyzer.logs[0].id = cx.schemas[0]->id;
	test_session();
	test_failure_and_compression();
	test_half_duplex_and_gap();
	test_pre_banner_and_garbage();
	test_probe();
	free(cx.out);
	printf("ssh: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed != 0;
}
