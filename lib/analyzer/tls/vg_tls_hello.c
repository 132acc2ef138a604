/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handshake messages in the clear: their history letters
 * (main.zeek's ssl_handshake_message), the hellos and their extensions
 * (version, cipher, session id, server name, ALPN, supported_versions,
 * key_share, session ticket, pre_shared_key) and the curve of an ECDHE
 * ServerKeyExchange. Every read is bounded by the kept message.
 */
#include <string.h>

#include "vg_tls.h"

enum {
	HS_HELLO_REQUEST = 0,
	HS_CLIENT_HELLO = 1,
	HS_SERVER_HELLO = 2,
	HS_HELLO_VERIFY_REQUEST = 3,
	HS_SESSION_TICKET = 4,
	HS_END_OF_EARLY_DATA = 5,
	HS_HELLO_RETRY_REQUEST = 6,
	HS_ENCRYPTED_EXTENSIONS = 8,
	HS_CERTIFICATE = 11,
	HS_SERVER_KEY_EXCHANGE = 12,
	HS_CERTIFICATE_REQUEST = 13,
	HS_SERVER_HELLO_DONE = 14,
	HS_CERTIFICATE_VERIFY = 15,
	HS_CLIENT_KEY_EXCHANGE = 16,
	HS_FINISHED = 20,
	HS_CERTIFICATE_URL = 21,
	HS_CERTIFICATE_STATUS = 22,
	HS_SUPPLEMENTAL_DATA = 23,
	HS_KEY_UPDATE = 24,
	HS_MESSAGE_HASH = 254,
};

enum {
	EXT_SERVER_NAME = 0,
	EXT_ALPN = 16,
	EXT_SESSION_TICKET = 35,
	EXT_PRE_SHARED_KEY = 41,
	EXT_SUPPORTED_VERSIONS = 43,
	EXT_KEY_SHARE = 51,
};

/* RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest. */
static const uint8_t hrr_random[32] = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d,
	0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07,
	0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

/* A bounded reader over a message. */
struct rd {
	const uint8_t *p;
	uint32_t len, off;
	bool bad;
};

static uint32_t
get(struct rd *r, uint32_t n)
{
	uint32_t v = 0;

	if (r->bad || r->len - r->off < n || r->off > r->len) {
		r->bad = true;
		return 0;
	}
	for (uint32_t i = 0; i < n; i++)
		v = v << 8 | r->p[r->off + i];
	r->off += n;
	return v;
}

static const uint8_t *
take(struct rd *r, uint32_t n)
{
	const uint8_t *p = r->p + r->off;

	if (r->bad || r->len - r->off < n || r->off > r->len) {
		r->bad = true;
		return NULL;
	}
	r->off += n;
	return p;
}

static char
letter(const struct vg_tls *t, uint8_t type)
{
	switch (type) {
	case HS_HELLO_REQUEST:
		return 'h';
	case HS_CLIENT_HELLO:
		return 'c';
	case HS_SERVER_HELLO:
		return t->hrr_seen ? 'j' : 's';
	case HS_HELLO_VERIFY_REQUEST:
		return 'v';
	case HS_SESSION_TICKET:
		return 't';
	case HS_END_OF_EARLY_DATA:
		return 'e';
	case HS_HELLO_RETRY_REQUEST:
		return 'j';
	case HS_ENCRYPTED_EXTENSIONS:
		return 'o';
	case HS_CERTIFICATE:
		return 'x';
	case HS_SERVER_KEY_EXCHANGE:
		return 'k';
	case HS_CERTIFICATE_REQUEST:
		return 'r';
	case HS_SERVER_HELLO_DONE:
		return 'n';
	case HS_CERTIFICATE_VERIFY:
		return 'y';
	case HS_CLIENT_KEY_EXCHANGE:
		return 'g';
	case HS_FINISHED:
		return 'f';
	case HS_CERTIFICATE_URL:
		return 'w';
	case HS_CERTIFICATE_STATUS:
		return 'u';
	case HS_SUPPLEMENTAL_DATA:
		return 'a';
	case HS_KEY_UPDATE:
		return 'p';
	case HS_MESSAGE_HASH:
		return 'm';
	default:
		return 'z';
	}
}

/* The first host name of a server_name extension (main.zeek keeps names[0]). */
static void
ext_server_name(struct vg_tls *t, struct vg_an_ctx *cx, struct rd *e)
{
	uint32_t list = get(e, 2);
	uint32_t end = e->off + list, names = 0;

	while (!e->bad && e->off < end) {
		uint32_t type = get(e, 1), n = get(e, 2);
		const uint8_t *name = take(e, n);

		if (e->bad)
			return;
		if (type != 0)
			continue;
		if (names++ == 0) {
			uint32_t k = n < sizeof(t->sni) - 1 ? n : (uint32_t)sizeof(t->sni) - 1;

			memcpy(t->sni, name, k);
			t->sni[k] = '\0';
		}
	}
	if (names > 1)
		vg_an_weird(cx, "SSL_many_server_names", NULL);
}

static void
ext_alpn_server(struct vg_tls *t, struct rd *e)
{
	get(e, 2);
	uint32_t n = get(e, 1);
	const uint8_t *p = take(e, n);

	if (p == NULL)
		return;
	if (n >= sizeof(t->alpn))
		n = sizeof(t->alpn) - 1;
	memcpy(t->alpn, p, n);
	t->alpn[n] = '\0';
}

/* One extension (main.zeek: extensions come before their hello's event). */
static void
extension(struct vg_tls *t, struct vg_an_ctx *cx, bool is_client, uint16_t code, struct rd *e)
{
	switch (code) {
	case EXT_SERVER_NAME:
		if (is_client)
			ext_server_name(t, cx, e);
		break;
	case EXT_ALPN:
		if (!is_client)
			ext_alpn_server(t, e);
		break;
	case EXT_SESSION_TICKET:
		if (is_client && e->len > 0)
			t->client_ticket_empty_session_seen = true;
		break;
	case EXT_PRE_SHARED_KEY:
		if (is_client)
			t->client_psk_seen = true;
		else if (t->client_psk_seen)
			t->resumed = true;
		break;
	case EXT_SUPPORTED_VERSIONS:
		/* The server names the one version it chose. */
		if (!is_client && e->len == 2) {
			t->version = (uint16_t)get(e, 2);
			t->has_version = true;
		}
		break;
	case EXT_KEY_SHARE:
		/* The server's share names the group (a HelloRetryRequest only the group). */
		if (!is_client && e->len >= 2) {
			t->curve = (uint16_t)get(e, 2);
			t->has_curve = true;
		}
		break;
	default:
		break;
	}
}

static void
extensions(struct vg_tls *t, struct vg_an_ctx *cx, bool is_client, struct rd *r)
{
	if (r->off >= r->len)
		return; /* no extensions */
	uint32_t total = get(r, 2);
	const uint8_t *p = take(r, total);

	if (p == NULL)
		return;
	struct rd all = {p, total, 0, false};

	while (!all.bad && all.off < all.len) {
		uint16_t code = (uint16_t)get(&all, 2);
		uint32_t n = get(&all, 2);
		const uint8_t *v = take(&all, n);

		if (v == NULL)
			break;
		struct rd e = {v, n, 0, false};

		extension(t, cx, is_client, code, &e);
	}
}

static void
client_hello(struct vg_tls *t, struct vg_an_ctx *cx, const uint8_t *b, uint32_t len)
{
	struct rd r = {b, len, 0, false};

	get(&r, 2); /* client_version */
	take(&r, 32);
	uint32_t sid_len = get(&r, 1);
	const uint8_t *sid = take(&r, sid_len);
	uint32_t suites = get(&r, 2);

	take(&r, suites);
	take(&r, get(&r, 1)); /* compression methods */
	if (r.bad) {
		vg_an_violate(cx, "truncated ClientHello");
		return;
	}
	extensions(t, cx, true, &r);
	/* Save a session id the client offers (not all zeros). */
	if (sid_len > 0 && sid_len <= 32) {
		static const uint8_t zeros[32];

		if (!(sid_len == 32 && memcmp(sid, zeros, 32) == 0)) {
			memcpy(t->session_id, sid, sid_len);
			t->session_id_len = (uint8_t)sid_len;
			t->client_ticket_empty_session_seen = false;
		}
	}
}

static void
server_hello(struct vg_tls *t, struct vg_an_ctx *cx, const uint8_t *b, uint32_t len)
{
	struct rd r = {b, len, 0, false};
	uint16_t version = (uint16_t)get(&r, 2);
	const uint8_t *random = take(&r, 32);
	uint32_t sid_len = get(&r, 1);
	const uint8_t *sid = take(&r, sid_len);
	uint16_t cipher = (uint16_t)get(&r, 2);

	get(&r, 1); /* compression */
	if (r.bad) {
		vg_an_violate(cx, "truncated ServerHello");
		return;
	}
	extensions(t, cx, false, &r);
	if (!t->has_version) {
		t->version = version;
		t->has_version = true;
	}
	t->cipher = cipher;
	t->has_cipher = true;
	if (memcmp(random, hrr_random, 32) == 0)
		t->hrr_seen = true;
	if (t->session_id_len > 0 && t->session_id_len == sid_len &&
		memcmp(t->session_id, sid, sid_len) == 0 && (t->version >> 8) != 0x7f &&
		t->version != 0x0304)
		t->resumed = true;
	/* TLS 1.3 (or a draft): everything the server sends next is encrypted. */
	if (t->version == 0x0304 || (t->version >> 8) == 0x7f)
		t->dir[t->flipped ? 0 : 1].encrypted = !t->hrr_seen;
}

/* An ECDHE ServerKeyExchange starts with the named curve (RFC 8422 5.4). */
static void
server_key_exchange(struct vg_tls *t, const uint8_t *b, uint32_t len)
{
	char buf[VG_TLS_NAME_BUF];
	const char *cipher;

	if (!t->has_cipher || len < 3 || b[0] != 3)
		return;
	cipher = vg_tls_cipher_name(t->cipher, buf);
	if (strstr(cipher, "_ECDHE_") == NULL && strstr(cipher, "_ECDH_anon_") == NULL)
		return;
	t->curve = (uint16_t)(b[1] << 8 | b[2]);
	t->has_curve = true;
}

/*
 * CertificateRequest (RFC 5246 7.4.4): certificate types, then from TLS 1.2
 * the signature algorithms, then the distinguished names of the acceptable
 * authorities (policy/protocols/ssl/certificate-request-info).
 */
static void
certificate_request(struct vg_tls *t, struct vg_an_ctx *cx, const uint8_t *b, uint32_t len)
{
	struct rd r = {b, len, 0, false};

	t->cert_request_seen = true;
	t->ncas = 0;
	if (t->cas == NULL)
		t->cas = vg_an_buf_get(cx, VG_TLS_CAS_BYTES);
	if (t->cas == NULL) {
		vg_tls_stats.cert_msgs_busy++;
		return;
	}
	take(&r, get(&r, 1));
	if (t->has_version && t->version >= 0x0303 && (t->version >> 8) != 0x7f)
		take(&r, get(&r, 2));
	uint32_t total = get(&r, 2);
	const uint8_t *p = take(&r, total);

	if (p == NULL)
		return;
	struct rd names = {p, total, 0, false};

	while (!names.bad && names.off < names.len && t->ncas < VG_TLS_MAX_CAS) {
		uint32_t n = get(&names, 2);
		const uint8_t *dn = take(&names, n);

		if (dn != NULL && vg_tls_dn_text(dn, n, t->cas[t->ncas], VG_TLS_CA_MAX))
			t->ncas++;
	}
}

void
vg_tls_handshake(struct vg_tls *t, struct vg_an_ctx *cx, bool is_orig, uint8_t type,
	const uint8_t *body, uint32_t len)
{
	if (type == HS_CLIENT_HELLO && !t->client_seen) {
		t->client_seen = true;
		/* ssl_connection_flipped: the responder sent the ClientHello. */
		if (!is_orig) {
			t->flipped = true;
			vg_tls_set_session(t, cx);
			if (t->history_len < VG_TLS_HISTORY)
				t->history[t->history_len++] = '^';
		}
	}
	bool is_client = t->flipped ? !is_orig : is_orig;

	vg_tls_set_session(t, cx);
	if (body == NULL)
		; /* given up: no side buffer was free (vg_tls_record.c) */
	else if (type == HS_CLIENT_HELLO && is_client)
		client_hello(t, cx, body, len);
	else if (type == HS_SERVER_HELLO && !is_client)
		server_hello(t, cx, body, len);
	else if (type == HS_SERVER_KEY_EXCHANGE && !is_client)
		server_key_exchange(t, body, len);
	else if (type == HS_CERTIFICATE_REQUEST && !is_client)
		certificate_request(t, cx, body, len);
	if (is_client && type == HS_CLIENT_KEY_EXCHANGE)
		t->client_key_exchange_seen = true;
	vg_tls_history(t, is_client, letter(t, type));
	if (type == HS_SERVER_HELLO && t->hrr_seen) {
		t->hrr_seen = false; /* the letter was j */
		t->has_version = false;
	}
	if (type == HS_CLIENT_HELLO || type == HS_SERVER_HELLO)
		vg_an_confirm(cx);
}
