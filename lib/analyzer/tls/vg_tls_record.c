/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS record layer of one direction (RFC 5246 6.2, RFC 8446 5):
 * 5-byte headers, then the body. Handshake bodies are cut into handshake
 * messages, which may span records; Certificate messages are streamed one
 * certificate at a time. Once a direction is encrypted its records are only
 * counted as ciphertext.
 */
#include <string.h>

#include "vg_tls.h"

#define CT_CCS         20
#define CT_ALERT       21
#define CT_HANDSHAKE   22
#define CT_APPDATA     23
#define CT_HEARTBEAT   24
#define HS_CERTIFICATE 11

static uint32_t
be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t
min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* main.zeek's is_client: the side that sent the ClientHello. */
static bool
client_side(const struct vg_tls *t, bool is_orig)
{
	return t->flipped ? !is_orig : is_orig;
}

/* ---- certificates ---- */

/*
 * A whole Certificate message (as much as was kept): its certificates are
 * taken in order when the message is complete, as Zeek's analyzer does, so
 * they all carry that time.
 */
static void
certificates(struct vg_tls *t, struct vg_an_ctx *cx, bool is_orig, const uint8_t *m, uint32_t len,
	uint32_t full_len)
{
	uint32_t off = 3, idx = 0;

	if (len < 3)
		return;
	while (len - off >= 3) {
		uint32_t n = be24(m + off);

		off += 3;
		if (n > full_len - off)
			break; /* malformed chain */
		if (n <= len - off)
			vg_tls_certificate(t, cx, is_orig, idx, m + off, n, true);
		else {
			t->dir[!is_orig].ncerts_cut++; /* beyond what was kept */
			vg_tls_stats.certs_cut++;
		}
		idx++;
		if (n >= len - off)
			break;
		off += n;
	}
}

/* ---- handshake messages ---- */

/* A message with no body, still handed over as one (a length of 0 is parsed). */
static const uint8_t empty_body[1];

static void
hs_release(struct vg_an_ctx *cx, struct vg_tls_dir *d)
{
	if (d->buf != NULL) {
		vg_an_buf_put(cx, d->buf, d->hs_keep);
		d->buf = NULL;
	}
}

/* A whole message (body: as much as was kept, NULL when it was given up). */
static void
hs_message_done(struct vg_tls *t, struct vg_an_ctx *cx, bool is_orig, struct vg_tls_dir *d,
	const uint8_t *body, uint32_t len)
{
	if (d->hs_type == HS_CERTIFICATE) {
		vg_tls_handshake(t, cx, is_orig, d->hs_type, NULL, 0);
		if (body != NULL)
			certificates(t, cx, is_orig, body, len, d->hs_len);
	} else {
		vg_tls_handshake(t, cx, is_orig, d->hs_type, body, len);
	}
	hs_release(cx, d);
	d->hs_mode = VG_HS_HEADER;
	d->hs_hdr_have = 0;
}

static void
hs_header(struct vg_tls *t, struct vg_an_ctx *cx, bool is_orig, struct vg_tls_dir *d)
{
	d->hs_type = d->hs_hdr[0];
	d->hs_left = be24(d->hs_hdr + 1);
	d->hs_len = d->hs_left;
	d->hs_have = 0;
	d->hs_mode = VG_HS_BODY;
	d->hs_keep = d->hs_type == HS_CERTIFICATE ? VG_TLS_CERT_KEEP : VG_TLS_HS_KEEP;
	if (d->hs_type != HS_CERTIFICATE && d->hs_left > VG_TLS_HS_KEEP)
		vg_tls_stats.handshakes_cut++;
	if (d->hs_left == 0)
		hs_message_done(t, cx, is_orig, d, empty_body, 0);
}

/*
 * n bytes of the message body at p, hs_left before them. A message whole in
 * this delivery is parsed in place; one that spans deliveries is kept in a
 * side buffer (up to hs_keep bytes) until its end.
 */
static void
hs_body(struct vg_tls *t, struct vg_an_ctx *cx, bool is_orig, struct vg_tls_dir *d,
	const uint8_t *p, uint32_t n)
{
	if (d->hs_mode == VG_HS_BODY && d->buf == NULL && d->hs_have == 0 && n == d->hs_left) {
		d->hs_left = 0;
		hs_message_done(t, cx, is_orig, d, p, min32(n, d->hs_keep));
		return;
	}
	if (d->hs_mode == VG_HS_BODY && d->buf == NULL) {
		d->buf = vg_an_buf_get(cx, d->hs_keep);
		if (d->buf == NULL) {
			vg_tls_stats.cert_msgs_busy++;
			d->hs_mode = VG_HS_SKIP;
		}
	}
	if (d->hs_mode == VG_HS_BODY && d->hs_have < d->hs_keep) {
		uint32_t keep = min32(n, d->hs_keep - d->hs_have);

		memcpy(d->buf + d->hs_have, p, keep);
		d->hs_have += keep;
	}
	d->hs_left -= n;
	if (d->hs_left == 0)
		hs_message_done(
			t, cx, is_orig, d, d->hs_mode == VG_HS_BODY ? d->buf : NULL, d->hs_have);
}

static void
feed_handshake(struct vg_tls *t, struct vg_an_ctx *cx, bool is_orig, const uint8_t *p, uint32_t len)
{
	struct vg_tls_dir *d = &t->dir[!is_orig];
	uint32_t used = 0;

	while (used < len && !t->had_gap) {
		if (d->hs_mode == VG_HS_HEADER) {
			uint32_t n = min32(4u - d->hs_hdr_have, len - used);

			memcpy(d->hs_hdr + d->hs_hdr_have, p + used, n);
			d->hs_hdr_have = (uint8_t)(d->hs_hdr_have + n);
			used += n;
			if (d->hs_hdr_have == 4)
				hs_header(t, cx, is_orig, d);
			continue;
		}
		uint32_t n = min32(d->hs_left, len - used);

		hs_body(t, cx, is_orig, d, p + used, n);
		used += n;
	}
}

void
vg_tls_release(struct vg_tls *t, struct vg_an_ctx *cx)
{
	hs_release(cx, &t->dir[0]);
	hs_release(cx, &t->dir[1]);
	if (t->cas != NULL) {
		vg_an_buf_put(cx, t->cas, VG_TLS_CAS_BYTES);
		t->cas = NULL;
	}
}

/* ---- records ---- */

/* A record of ciphertext (an encrypted direction, or application data). */
static void
ciphertext(struct vg_tls *t, struct vg_an_ctx *cx, bool is_orig)
{
	struct vg_tls_dir *d = &t->dir[!is_orig];

	/* TLS 1.3: the client's first encrypted record ends its clear part
	 * even without a compatibility ChangeCipherSpec. */
	if (!d->encrypted && t->has_version && t->version == 0x0304 && client_side(t, is_orig))
		d->encrypted = true;
	if (t->dir[0].encrypted && t->dir[1].encrypted && !t->established)
		vg_tls_established(t, cx);
}

/* The small records, once their first bytes are in. */
static void
record_small(struct vg_tls *t, struct vg_an_ctx *cx, bool is_orig, struct vg_tls_dir *d)
{
	bool is_client = client_side(t, is_orig);

	switch (d->rec_type) {
	case CT_CCS:
		vg_tls_set_session(t, cx);
		vg_tls_history(t, is_client, 'i');
		/* main.zeek: a ticket with an empty session id and no key exchange. */
		if (is_client && t->client_ticket_empty_session_seen &&
			!t->client_key_exchange_seen)
			t->resumed = true;
		d->encrypted = true;
		break;
	case CT_ALERT:
		if (d->rec_first_have < 2)
			break;
		vg_tls_set_session(t, cx);
		vg_tls_history(t, is_client, 'l');
		t->has_alert = true;
		t->last_alert = d->rec_first[1];
		break;
	case CT_HEARTBEAT:
		vg_tls_set_session(t, cx);
		vg_tls_history(t, is_client, 'b');
		break;
	default:
		break;
	}
}

static bool
record_header(struct vg_tls *t, struct vg_an_ctx *cx, struct vg_tls_dir *d)
{
	uint8_t type = d->rec_hdr[0];
	uint16_t len = (uint16_t)(d->rec_hdr[3] << 8 | d->rec_hdr[4]);

	bool odd = type < CT_CCS || type > CT_HEARTBEAT || d->rec_hdr[1] > 0x03;

	/*
	 * Before the hellos, a header that is not TLS's (or SSLv2 framing, not
	 * parsed) is a violation. After them, as Zeek's record layer does, an
	 * unknown record is passed over by its length; only an impossible
	 * length stops the analysis.
	 */
	if (len > VG_TLS_RECORD_MAX || (odd && !t->client_seen)) {
		vg_an_violate(cx, "invalid TLS record");
		t->had_gap = true;
		return false;
	}
	d->rec_type = odd ? 0 : type;
	d->rec_left = len;
	d->rec_first_have = 0;
	return true;
}

/*
 * A record whose contents are not read: application data, and anything
 * an encrypted direction sends but a ChangeCipherSpec, which TLS 1.3 peers
 * send in the clear for middleboxes (RFC 8446 D.4).
 */
static bool
is_ciphertext(const struct vg_tls_dir *d)
{
	return d->rec_type == CT_APPDATA || (d->encrypted && d->rec_type != CT_CCS);
}

static uint32_t
feed_record_body(
	struct vg_tls *t, struct vg_an_ctx *cx, bool is_orig, const uint8_t *p, uint32_t len)
{
	struct vg_tls_dir *d = &t->dir[!is_orig];
	uint32_t n = min32(d->rec_left, len);

	if (is_ciphertext(d)) {
		/* Only the record's end matters. */
	} else if (d->rec_type == CT_HANDSHAKE) {
		feed_handshake(t, cx, is_orig, p, n);
	} else if (d->rec_first_have < sizeof(d->rec_first)) {
		uint32_t k = min32(n, (uint32_t)sizeof(d->rec_first) - d->rec_first_have);

		memcpy(d->rec_first + d->rec_first_have, p, k);
		d->rec_first_have = (uint8_t)(d->rec_first_have + k);
	}
	d->rec_left -= n;
	if (d->rec_left == 0) {
		d->rec_hdr_have = 0;
		if (is_ciphertext(d))
			ciphertext(t, cx, is_orig);
		else if (d->rec_type != CT_HANDSHAKE)
			record_small(t, cx, is_orig, d);
	}
	return n;
}

void
vg_tls_feed(struct vg_tls *t, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len)
{
	struct vg_tls_dir *d = &t->dir[!is_orig];
	uint32_t off = 0;

	while (off < len && !t->had_gap) {
		if (d->rec_hdr_have < 5) {
			uint32_t n = min32(5u - d->rec_hdr_have, len - off);

			memcpy(d->rec_hdr + d->rec_hdr_have, data + off, n);
			d->rec_hdr_have = (uint8_t)(d->rec_hdr_have + n);
			off += n;
			if (d->rec_hdr_have < 5 || !record_header(t, cx, d))
				continue;
			if (d->rec_left == 0) {
				d->rec_hdr_have = 0;
				continue;
			}
			continue;
		}
		off += feed_record_body(t, cx, is_orig, data + off, len - off);
	}
}
