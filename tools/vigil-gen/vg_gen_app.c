/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Application payloads (--apps): TCP flows to port 80 speak HTTP/1.1, to 443
 * TLS 1.2, to 22 SSH-2, to 25 SMTP (one message with a small attachment), so
 * the analyzers have real protocol to parse in benchmarks and tests.
 *
 * Each request/response exchange of a flow is two messages, one per
 * direction. A message is a header part built on demand (HTTP headers, TLS
 * handshake records, SSH packets) followed by a body whose bytes depend only
 * on their offset, so any slice of a message can be rebuilt from the flow's
 * state alone: the flow keeps the exchange number, a per-exchange nonce and
 * the offset sent so far, never the bytes.
 */
#include <stdio.h>
#include <string.h>

#include "vg_gen.h"

static const uint8_t vg_cert_der[] = {
#include "vg_gen_cert.inc"
};

#define VG_APP_HDR_MAX 4096u

/* The header part of the message being sliced (vigil-gen is single-threaded). */
static uint8_t vg_app_hdr[VG_APP_HDR_MAX];

static const char *const vg_app_words[8] = {
	"www", "api", "cdn", "shop", "img", "static", "login", "app"};

static uint64_t
vg_app_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/* A value fixed for the flow's current exchange and direction. */
static uint64_t
vg_app_h(const struct vg_gen_flow *f, int dir, uint32_t salt)
{
	return vg_app_mix(((uint64_t)f->nonce << 32) ^ ((uint64_t)f->xchg << 16) ^
		((uint64_t)dir << 8) ^ salt ^ ((uint64_t)f->sidx << 40));
}

/* Body length: mostly small, some medium, a few large (bytes). */
static uint32_t
vg_app_body_len(uint64_t h, uint32_t cap)
{
	uint32_t r = (uint32_t)(h % 100), v = (uint32_t)(h >> 20);
	uint32_t n;

	if (r < 70)
		n = 100 + v % 1400;
	else if (r < 95)
		n = 1500 + v % 18500;
	else
		n = 20000 + v % 80000;
	return n < cap ? n : cap;
}

struct vg_buf {
	uint8_t *p;
	uint32_t len, cap;
};

static void
put(struct vg_buf *b, const void *src, uint32_t n)
{
	if (b->len + n > b->cap)
		n = b->cap - b->len;
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void
put8(struct vg_buf *b, uint32_t v)
{
	uint8_t x = (uint8_t)v;

	put(b, &x, 1);
}

static void
put16(struct vg_buf *b, uint32_t v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void
put24(struct vg_buf *b, uint32_t v)
{
	put8(b, v >> 16);
	put16(b, v);
}

static void
put32(struct vg_buf *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b, v);
}

static void
puts_(struct vg_buf *b, const char *s)
{
	put(b, s, (uint32_t)strlen(s));
}

static void
putrand(struct vg_buf *b, uint64_t h, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		h = vg_app_mix(h + i);
		put8(b, (uint32_t)h);
	}
}

/* Patches a big-endian length of `width` bytes at `at` to cover up to the end. */
static void
patch_len(struct vg_buf *b, uint32_t at, uint32_t width)
{
	uint32_t n = b->len - at - width;

	for (uint32_t i = 0; i < width; i++)
		b->p[at + i] = (uint8_t)(n >> (8 * (width - 1 - i)));
}

static void
vg_app_host(const struct vg_gen_flow *f, char *out, size_t n)
{
	snprintf(out, n, "%s%u.vigil-gen.example", vg_app_words[f->sidx & 7], f->sidx % 100);
}

/* ---- HTTP/1.1 ---- */

static const char vg_html_head[] = "<!DOCTYPE html>\n<html><head><title>vigil-gen</title>"
				   "</head><body>\n";
static const char vg_text[] = "<p>The quick brown fox jumps over the lazy dog.</p>\n";

static uint8_t
vg_http_body_byte(uint32_t off)
{
	if (off < sizeof(vg_html_head) - 1)
		return (uint8_t)vg_html_head[off];
	return (uint8_t)vg_text[(off - (sizeof(vg_html_head) - 1)) % (sizeof(vg_text) - 1)];
}

static uint32_t
vg_http_status(const struct vg_gen_flow *f)
{
	uint32_t r = (uint32_t)(vg_app_h(f, VG_GEN_S2C, 7) % 100);

	return r < 90 ? 200 : (r < 97 ? 404 : 304);
}

static bool
vg_http_is_post(const struct vg_gen_flow *f)
{
	return vg_app_h(f, VG_GEN_C2S, 3) % 10 == 0;
}

static uint32_t
vg_http_header(const struct vg_gen_flow *f, int dir, struct vg_buf *b, uint32_t *body)
{
	char line[256], host[64];
	uint64_t h = vg_app_h(f, dir, 1);

	vg_app_host(f, host, sizeof(host));
	if (dir == VG_GEN_C2S) {
		bool post = vg_http_is_post(f);

		*body = post ? 50 + (uint32_t)(h % 1950) : 0;
		if (post)
			snprintf(line, sizeof(line), "POST /api/v1/upload?id=%u HTTP/1.1\r\n",
				(uint32_t)(h >> 40));
		else
			snprintf(line, sizeof(line), "GET /%s/%u.html HTTP/1.1\r\n",
				vg_app_words[(h >> 8) & 7], (uint32_t)(h >> 40) % 1000);
		puts_(b, line);
		snprintf(line, sizeof(line), "Host: %s\r\n", host);
		puts_(b, line);
		puts_(b,
			(h >> 12) & 1
				? "User-Agent: curl/7.88.1\r\n"
				: "User-Agent: Mozilla/5.0 (X11; Linux x86_64) vigil-gen\r\n");
		puts_(b, "Accept: */*\r\n");
		if (post) {
			snprintf(line, sizeof(line),
				"Content-Type: text/html\r\nContent-Length: %u\r\n", *body);
			puts_(b, line);
		}
		puts_(b, "\r\n");
		return b->len;
	}
	uint32_t status = vg_http_status(f);

	*body = status == 304 ? 0 : vg_app_body_len(h, 100000);
	snprintf(line, sizeof(line), "HTTP/1.1 %u %s\r\n", status,
		status == 200 ? "OK" : (status == 404 ? "Not Found" : "Not Modified"));
	puts_(b, line);
	puts_(b, "Server: nginx/1.22.1\r\nContent-Type: text/html\r\n");
	if (status != 304) {
		snprintf(line, sizeof(line), "Content-Length: %u\r\n", *body);
		puts_(b, line);
	}
	puts_(b, "\r\n");
	return b->len;
}

/* ---- TLS 1.2 ---- */

static uint32_t
tls_record_begin(struct vg_buf *b, uint32_t type)
{
	put8(b, type);
	put16(b, 0x0303);
	put16(b, 0);
	return b->len - 2;
}

static void
tls_client_hello(const struct vg_gen_flow *f, struct vg_buf *b)
{
	static const uint16_t suites[] = {
		0xc02f, 0xc030, 0xc02b, 0xc02c, 0xcca8, 0xcca9, 0x009c, 0x009d, 0x002f, 0x0035};
	char host[64];
	uint32_t rec = tls_record_begin(b, 22), hs, ext, e;

	vg_app_host(f, host, sizeof(host));
	put8(b, 1);
	hs = b->len;
	put24(b, 0);
	put16(b, 0x0303);
	putrand(b, vg_app_h(f, 0, 11), 32);
	put8(b, 0); /* no session id */
	put16(b, sizeof(suites));
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		put16(b, suites[i]);
	put8(b, 1);
	put8(b, 0);
	ext = b->len;
	put16(b, 0);
	/* server_name */
	put16(b, 0);
	e = b->len;
	put16(b, 0);
	put16(b, (uint32_t)strlen(host) + 3);
	put8(b, 0);
	put16(b, (uint32_t)strlen(host));
	puts_(b, host);
	patch_len(b, e, 2);
	/* supported_groups: x25519, secp256r1, secp384r1 */
	put16(b, 10);
	put16(b, 8);
	put16(b, 6);
	put16(b, 0x001d);
	put16(b, 0x0017);
	put16(b, 0x0018);
	/* ec_point_formats: uncompressed */
	put16(b, 11);
	put16(b, 2);
	put8(b, 1);
	put8(b, 0);
	/* signature_algorithms */
	put16(b, 13);
	put16(b, 8);
	put16(b, 6);
	put16(b, 0x0403);
	put16(b, 0x0804);
	put16(b, 0x0401);
	/* ALPN: h2, http/1.1 */
	put16(b, 16);
	put16(b, 14);
	put16(b, 12);
	put8(b, 2);
	puts_(b, "h2");
	put8(b, 8);
	puts_(b, "http/1.1");
	patch_len(b, ext, 2);
	patch_len(b, hs, 3);
	patch_len(b, rec, 2);
}

static void
tls_server_flight(const struct vg_gen_flow *f, struct vg_buf *b)
{
	uint32_t rec = tls_record_begin(b, 22), hs, ext, e;

	/* ServerHello: TLS 1.2, ECDHE-RSA-AES128-GCM-SHA256, ALPN http/1.1 */
	put8(b, 2);
	hs = b->len;
	put24(b, 0);
	put16(b, 0x0303);
	putrand(b, vg_app_h(f, 1, 12), 32);
	put8(b, 32);
	putrand(b, vg_app_h(f, 1, 13), 32);
	put16(b, 0xc02f);
	put8(b, 0);
	ext = b->len;
	put16(b, 0);
	put16(b, 0xff01); /* renegotiation_info */
	put16(b, 1);
	put8(b, 0);
	put16(b, 11);
	put16(b, 2);
	put8(b, 1);
	put8(b, 0);
	put16(b, 16);
	e = b->len;
	put16(b, 0);
	put16(b, 9);
	put8(b, 8);
	puts_(b, "http/1.1");
	patch_len(b, e, 2);
	patch_len(b, ext, 2);
	patch_len(b, hs, 3);
	/* Certificate: one certificate */
	put8(b, 11);
	put24(b, sizeof(vg_cert_der) + 6);
	put24(b, sizeof(vg_cert_der) + 3);
	put24(b, sizeof(vg_cert_der));
	put(b, vg_cert_der, sizeof(vg_cert_der));
	/* ServerKeyExchange: named curve secp256r1, a point, an ecdsa_secp256r1_sha256 signature */
	put8(b, 12);
	hs = b->len;
	put24(b, 0);
	put8(b, 3);
	put16(b, 0x0017);
	put8(b, 65);
	put8(b, 4);
	putrand(b, vg_app_h(f, 1, 14), 64);
	put16(b, 0x0403);
	put16(b, 72);
	putrand(b, vg_app_h(f, 1, 15), 72);
	patch_len(b, hs, 3);
	/* ServerHelloDone */
	put8(b, 14);
	put24(b, 0);
	patch_len(b, rec, 2);
}

/* ChangeCipherSpec, then the encrypted Finished. */
static void
tls_ccs_finished(const struct vg_gen_flow *f, int dir, struct vg_buf *b)
{
	uint32_t rec = tls_record_begin(b, 20);

	put8(b, 1);
	patch_len(b, rec, 2);
	rec = tls_record_begin(b, 22);
	putrand(b, vg_app_h(f, dir, 16), 40);
	patch_len(b, rec, 2);
}

static uint32_t
vg_tls_header(const struct vg_gen_flow *f, int dir, struct vg_buf *b, uint32_t *body)
{
	*body = 0;
	if (f->xchg == 0) {
		if (dir == VG_GEN_C2S)
			tls_client_hello(f, b);
		else
			tls_server_flight(f, b);
	} else if (f->xchg == 1) {
		if (dir == VG_GEN_C2S) {
			uint32_t rec = tls_record_begin(b, 22);

			put8(b, 16); /* ClientKeyExchange */
			put24(b, 66);
			put8(b, 65);
			put8(b, 4);
			putrand(b, vg_app_h(f, dir, 17), 64);
			patch_len(b, rec, 2);
		}
		tls_ccs_finished(f, dir, b);
	} else {
		/* Application data: one record, its contents random. */
		*body = vg_app_body_len(vg_app_h(f, dir, 18), 16384 + 24);
		put8(b, 23);
		put16(b, 0x0303);
		put16(b, *body);
	}
	return b->len;
}

/* ---- SSH-2 ---- */

/* Starts a binary packet; vg_ssh_end() pads it to a multiple of 8. */
static uint32_t
ssh_begin(struct vg_buf *b)
{
	put32(b, 0);
	put8(b, 0);
	return b->len - 5;
}

static void
ssh_end(struct vg_buf *b, uint32_t at, uint64_t h)
{
	uint32_t pad = 8 - ((b->len - at) % 8);

	if (pad < 4)
		pad += 8;
	putrand(b, h, pad);
	b->p[at + 4] = (uint8_t)pad;
	patch_len(b, at, 4);
}

static void
ssh_string(struct vg_buf *b, const char *s)
{
	put32(b, (uint32_t)strlen(s));
	puts_(b, s);
}

static void
ssh_kexinit(const struct vg_gen_flow *f, int dir, struct vg_buf *b)
{
	uint32_t at = ssh_begin(b);

	put8(b, 20);
	putrand(b, vg_app_h(f, dir, 21), 16);
	ssh_string(b, "curve25519-sha256,ecdh-sha2-nistp256,diffie-hellman-group14-sha256");
	ssh_string(b, "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512");
	ssh_string(b, "chacha20-poly1305@openssh.com,aes128-ctr,aes256-gcm@openssh.com");
	ssh_string(b, "chacha20-poly1305@openssh.com,aes128-ctr,aes256-gcm@openssh.com");
	ssh_string(b, "umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-256");
	ssh_string(b, "umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-256");
	ssh_string(b, "none,zlib@openssh.com");
	ssh_string(b, "none,zlib@openssh.com");
	ssh_string(b, "");
	ssh_string(b, "");
	put8(b, 0);
	put32(b, 0);
	ssh_end(b, at, vg_app_h(f, dir, 22));
}

static void
ssh_ecdh(const struct vg_gen_flow *f, int dir, struct vg_buf *b)
{
	uint32_t at = ssh_begin(b);

	if (dir == VG_GEN_C2S) {
		put8(b, 30); /* KEX_ECDH_INIT */
		put32(b, 32);
		putrand(b, vg_app_h(f, dir, 23), 32);
		ssh_end(b, at, vg_app_h(f, dir, 24));
		return;
	}
	put8(b, 31); /* KEX_ECDH_REPLY: host key, server's key, signature */
	put32(b, 51);
	ssh_string(b, "ssh-ed25519");
	put32(b, 32);
	putrand(b, vg_app_mix(f->sidx + 1), 32); /* the same host key every time */
	put32(b, 32);
	putrand(b, vg_app_h(f, dir, 25), 32);
	put32(b, 83);
	ssh_string(b, "ssh-ed25519");
	put32(b, 64);
	putrand(b, vg_app_h(f, dir, 26), 64);
	ssh_end(b, at, vg_app_h(f, dir, 27));
	at = ssh_begin(b);
	put8(b, 21); /* NEWKEYS */
	ssh_end(b, at, vg_app_h(f, dir, 28));
}

static uint32_t
vg_ssh_header(const struct vg_gen_flow *f, int dir, struct vg_buf *b, uint32_t *body)
{
	*body = 0;
	switch (f->xchg) {
	case 0:
		puts_(b,
			dir == VG_GEN_C2S ? "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"
					  : "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n");
		break;
	case 1:
		ssh_kexinit(f, dir, b);
		break;
	case 2:
		ssh_ecdh(f, dir, b);
		break;
	default:
		if (f->xchg == 3 && dir == VG_GEN_C2S) {
			uint32_t at = ssh_begin(b);

			put8(b, 21); /* NEWKEYS, then encrypted packets */
			ssh_end(b, at, vg_app_h(f, dir, 29));
		}
		/* Encrypted packets: random, in whole 16-byte blocks plus a MAC. */
		*body = 16 * (1 + (uint32_t)(vg_app_h(f, dir, 30) % 24)) + 16;
		break;
	}
	return b->len;
}

/* ---- SMTP ---- */

/* The session, one exchange per command (the greeting answers an empty one). */
#define VG_SMTP_XCHGS 7

static const char vg_smtp_attachment[] =
	"JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PCAvVHlwZSAvQ2F0YWxvZyA+PgplbmRvYmoKdHJhaWxl\r\n"
	"cgo8PCAvUm9vdCAxIDAgUiA+PgolJUVPRgo=\r\n";

static void
vg_smtp_message(const struct vg_gen_flow *f, struct vg_buf *b)
{
	char line[256];
	uint64_t h = vg_app_h(f, VG_GEN_C2S, 40);
	const char *who = vg_app_words[h % 8];

	snprintf(line, sizeof(line),
		"From: %s <%s@vigil-gen.example>\r\nTo: ops <ops@vigil-gen.example>\r\n"
		"Subject: report %u\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
		"Message-ID: <%08x@vigil-gen.example>\r\n",
		who, who, (unsigned)(h >> 8 & 0xffff), (unsigned)(h >> 24));
	puts_(b, line);
	puts_(b,
		"MIME-Version: 1.0\r\nX-Mailer: vigil-gen\r\n"
		"Content-Type: multipart/mixed; boundary=\"vg-boundary\"\r\n\r\n"
		"--vg-boundary\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
		"The weekly report is attached.\r\n\r\n"
		"--vg-boundary\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\n"
		"Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n");
	puts_(b, vg_smtp_attachment);
	puts_(b, "--vg-boundary--\r\n.\r\n");
}

static uint32_t
vg_smtp_header(const struct vg_gen_flow *f, int dir, struct vg_buf *b, uint32_t *body)
{
	static const char *const srv[VG_SMTP_XCHGS] = {
		"220 mx.vigil-gen.example ESMTP\r\n",
		"250-mx.vigil-gen.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
		"250 8BITMIME\r\n",
		"250 2.1.0 Ok\r\n",
		"250 2.1.5 Ok\r\n",
		"354 End data with <CR><LF>.<CR><LF>\r\n",
		"250 2.0.0 Ok: queued\r\n",
		"221 2.0.0 Bye\r\n",
	};
	static const char *const cli[VG_SMTP_XCHGS] = {
		"",
		"EHLO ws.vigil-gen.example\r\n",
		"MAIL FROM:<alice@vigil-gen.example>\r\n",
		"RCPT TO:<ops@vigil-gen.example>\r\n",
		"DATA\r\n",
		NULL, /* the message */
		"QUIT\r\n",
	};
	uint32_t x = f->xchg < VG_SMTP_XCHGS ? f->xchg : VG_SMTP_XCHGS - 1;

	*body = 0;
	if (dir == VG_GEN_S2C)
		puts_(b, srv[x]);
	else if (cli[x] != NULL)
		puts_(b, cli[x]);
	else
		vg_smtp_message(f, b);
	return b->len;
}

/* ---- FTP (21) and its data connection ---- */

static const char vg_ftp_text[] =
	"vigil-gen sample file: the quick brown fox jumps over the lazy dog.\n";

/* The port the session's EPSV reply announces (fixed for its exchange). */
static uint16_t
vg_ftp_data_port(const struct vg_gen_flow *f)
{
	return (uint16_t)(30000 + vg_app_h(f, VG_GEN_S2C, 41) % 10000);
}

/*
 * A session of five exchanges: USER, PASS, EPSV, RETR (its reply says the
 * file's size, f->id), QUIT. The client speaks first here; the server's
 * greeting comes with the first reply.
 */
static uint32_t
vg_ftp_header(const struct vg_gen_flow *f, int dir, struct vg_buf *b, uint32_t *body)
{
	char line[200];
	uint32_t x = f->xchg < 4 ? f->xchg : 4;
	const char *name = vg_app_words[f->id & 7];

	*body = 0;
	if (dir == VG_GEN_C2S) {
		static const char *const req[] = {"USER anonymous\r\n",
			"PASS guest@example.com\r\n", "EPSV\r\n", NULL, "QUIT\r\n"};

		if (x == 3)
			snprintf(line, sizeof(line), "RETR pub/%s-%u.txt\r\n", name, f->id);
		puts_(b, x == 3 ? line : req[x]);
		return b->len;
	}
	switch (x) {
	case 0:
		puts_(b, "220 (vsFTPd 3.0.3)\r\n331 Please specify the password.\r\n");
		break;
	case 1:
		puts_(b, "230-Welcome to the vigil-gen FTP server.\r\n230 Login successful.\r\n");
		break;
	case 2:
		snprintf(line, sizeof(line), "229 Entering Extended Passive Mode (|||%u|)\r\n",
			vg_ftp_data_port(f));
		puts_(b, line);
		break;
	case 3:
		snprintf(line, sizeof(line),
			"150 Opening BINARY mode data connection for pub/%s-%u.txt (%u bytes).\r\n"
			"226 Transfer complete.\r\n",
			name, f->id, f->id);
		puts_(b, line);
		break;
	default:
		puts_(b, "221 Goodbye.\r\n");
		break;
	}
	return b->len;
}

void
vg_app_sent(struct vg_gen *g, const struct vg_gen_flow *f)
{
	if (f->app != VG_APP_FTP || f->xchg != 2)
		return;
	g->ftp_data.set = 1;
	g->ftp_data.ipv6 = f->ipv6;
	g->ftp_data.cidx = f->cidx;
	g->ftp_data.sidx = f->sidx;
	g->ftp_data.port = vg_ftp_data_port(f);
	g->ftp_data.size = f->id;
}

/* ---- the messages ---- */

static uint32_t
vg_app_header(const struct vg_gen_flow *f, int dir, struct vg_buf *b, uint32_t *body)
{
	switch (f->app) {
	case VG_APP_HTTP:
		return vg_http_header(f, dir, b, body);
	case VG_APP_TLS:
		return vg_tls_header(f, dir, b, body);
	case VG_APP_SMTP:
		return vg_smtp_header(f, dir, b, body);
	case VG_APP_FTP:
		return vg_ftp_header(f, dir, b, body);
	case VG_APP_FTP_DATA:
		/* The client sends nothing; the server sends the file (f->id bytes). */
		*body = dir == VG_GEN_S2C ? f->id : 0;
		return 0;
	case VG_APP_SSH:
	default:
		return vg_ssh_header(f, dir, b, body);
	}
}

void
vg_app_pick(struct vg_gen *g, struct vg_gen_flow *f)
{
	(void)g;
	f->app = VG_APP_NONE;
	if (!g->cfg->apps || (f->kind != 0 && f->kind != 1)) /* FIN or RST flows only */
		return;
	if (f->sport == 80)
		f->app = VG_APP_HTTP;
	else if (f->sport == 443)
		f->app = VG_APP_TLS;
	else if (f->sport == 22)
		f->app = VG_APP_SSH;
	else if (f->sport == 25)
		f->app = VG_APP_SMTP;
	else if (f->sport == 21)
		f->app = VG_APP_FTP;
	if (f->app == VG_APP_FTP) {
		f->left = 5;
		f->id = (uint16_t)(200 + vg_gen_below(g, 8000)); /* the file's size */
	}
	/* TLS and SSH get through their handshakes before any data. */
	if (f->app == VG_APP_TLS && f->left < 3)
		f->left = 3;
	if (f->app == VG_APP_SSH && f->left < 5)
		f->left = 5;
	/* SMTP: greeting, EHLO, MAIL, RCPT, DATA, the message, QUIT. */
	if (f->app == VG_APP_SMTP)
		f->left = VG_SMTP_XCHGS;
}

void
vg_app_exchange(struct vg_gen *g, struct vg_gen_flow *f, uint32_t xchg)
{
	struct vg_buf b = {vg_app_hdr, 0, VG_APP_HDR_MAX};
	uint32_t body;

	f->xchg = (uint8_t)(xchg > 255 ? 255 : xchg);
	f->nonce = (uint32_t)vg_gen_rand(g);
	f->moff = 0;
	for (int dir = 0; dir < 2; dir++) {
		b.len = 0;
		f->mlen[dir] = vg_app_header(f, dir, &b, &body) + body;
	}
}

uint32_t
vg_app_slice(
	const struct vg_gen *g, const struct vg_gen_flow *f, int dir, uint32_t len, uint8_t *out)
{
	struct vg_buf b = {vg_app_hdr, 0, VG_APP_HDR_MAX};
	uint32_t body, hdr = vg_app_header(f, dir, &b, &body);
	uint32_t off = f->moff;

	if (len > f->mlen[dir] - off)
		len = f->mlen[dir] - off;
	for (uint32_t i = 0; i < len; i++, off++) {
		if (off < hdr)
			out[i] = vg_app_hdr[off];
		else if (f->app == VG_APP_HTTP)
			out[i] = vg_http_body_byte(off - hdr);
		else if (f->app == VG_APP_FTP_DATA)
			out[i] = (uint8_t)vg_ftp_text[(off - hdr) % (sizeof(vg_ftp_text) - 1)];
		else
			out[i] = g->fill[(f->nonce + off) & VG_GEN_FILL_MASK];
	}
	return len;
}
