/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS analyzer (ssl.log, x509.log), after Zeek's SSL analyzer
 * (src/analyzer/protocol/ssl) and scripts/base/protocols/ssl/main.zeek:
 * the record layer of each direction, the handshake messages in the clear
 * (hellos and their extensions, the server's key exchange, certificates),
 * change-cipher-spec and alerts, until both directions are encrypted.
 * Certificates are parsed with libcrypto (vg_tls_x509.c).
 *
 * Bounds: a handshake message is kept up to VG_TLS_HS_KEEP bytes (the rest
 * is skipped, and what was kept is parsed), a Certificate message up to
 * VG_TLS_CERT_KEEP bytes (certificates past that are not logged),
 * VG_TLS_MAX_CERTS fingerprints per side.
 *
 * Memory: a message that arrives whole in one delivery is parsed where it
 * lies; only one that spans deliveries is assembled, in a side buffer of the
 * worker's (vg_an_buf_get) held until the message is complete, and so are a
 * CertificateRequest's authorities until ssl.log is written. The state
 * itself keeps no message buffer. A direction that finds no buffer free
 * gives that message up (counted in ssl_cert_msgs_busy).
 */
#ifndef VG_TLS_H
#define VG_TLS_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_analyzer.h"

#define VG_TLS_HS_KEEP    4096
#define VG_TLS_CERT_KEEP  16384
#define VG_TLS_MAX_CERTS  8
#define VG_TLS_HISTORY    100 /* SSL::max_ssl_history_length */
#define VG_TLS_SNI_MAX    256
#define VG_TLS_ALPN_MAX   64
#define VG_TLS_NAME_BUF   32
#define VG_TLS_RECORD_MAX (16384 + 2048) /* TLSCiphertext limit */
#define VG_TLS_MAX_CAS    8              /* CertificateRequest authorities kept */
#define VG_TLS_CA_MAX     256            /* one authority's name as logged */

/* Where a handshake message's bytes go. */
enum vg_tls_hs_mode {
	VG_HS_HEADER, /* reading the 4-byte type and length */
	VG_HS_BODY,   /* a message: parsed in place when whole, else kept in buf */
	VG_HS_SKIP,   /* a message given up (no side buffer): only its end counts */
};

struct vg_tls_dir {
	uint8_t rec_hdr[5];
	uint8_t rec_hdr_have;
	uint8_t rec_type;
	uint8_t rec_first[4]; /* the first bytes of a non-handshake record */
	uint8_t rec_first_have;
	bool encrypted; /* after its ChangeCipherSpec (or TLS 1.3's ServerHello) */
	uint32_t rec_left;
	/* handshake assembly */
	uint8_t hs_mode;
	uint8_t hs_hdr[4];
	uint8_t hs_hdr_have;
	uint8_t hs_type;
	uint32_t hs_left; /* bytes of the message still to come */
	uint32_t hs_have; /* bytes of it in buf */
	uint32_t hs_len;  /* its length */
	uint32_t hs_keep; /* bytes of it kept at most (VG_TLS_HS_KEEP or VG_TLS_CERT_KEEP) */
	uint8_t *buf;     /* side buffer of hs_keep bytes while a message spans deliveries */
	uint8_t ncerts;
	uint8_t ncerts_cut;                /* certificates past VG_TLS_CERT_KEEP, not parsed */
	uint8_t fps[VG_TLS_MAX_CERTS][32]; /* SHA-256 of each certificate */
};

struct vg_tls {
	struct vg_tls_dir dir[2]; /* [0] orig, [1] resp */
	uint64_t ts;
	bool session, logged, established, resumed, had_gap, client_seen, flipped;
	bool has_version, has_cipher, has_curve, has_alert, hrr_seen, certs_seen;
	bool client_ticket_empty_session_seen, client_key_exchange_seen, client_psk_seen;
	int8_t sni_matches; /* -1 unknown */
	uint16_t version, cipher, curve;
	uint8_t last_alert;
	uint8_t session_id_len;
	uint8_t session_id[32];
	uint16_t history_len;
	char history[VG_TLS_HISTORY + 1];
	char sni[VG_TLS_SNI_MAX];
	char alpn[VG_TLS_ALPN_MAX];
	bool cert_request_seen;
	uint8_t ncas;
	/* the CertificateRequest's authorities: a side buffer until ssl.log is written */
	char (*cas)[VG_TLS_CA_MAX];
};

/* The side buffer of the authorities. */
#define VG_TLS_CAS_BYTES (VG_TLS_MAX_CAS * VG_TLS_CA_MAX)

extern const struct vg_analyzer vg_tls_analyzer;

/* What was cut or not parsed (this worker; ssl_* in --stats, stats.log, telemetry). */
struct vg_tls_stats {
	uint64_t certs_cut; /* certificates past VG_TLS_CERT_KEEP of their message: not parsed */
	/* Certificate messages (and any other handshake message, or a
	 * CertificateRequest's authorities) given up: no side buffer was free */
	uint64_t cert_msgs_busy;
	uint64_t handshakes_cut; /* handshake messages past VG_TLS_HS_KEEP: parsed as far as kept */
	uint64_t chain_fps_cut;  /* certificates past VG_TLS_MAX_CERTS: not in cert_chain_fps */
};
extern _Thread_local struct vg_tls_stats vg_tls_stats;

/* vg_tls_names.c (buf: at least VG_TLS_NAME_BUF bytes, used for unknown numbers) */
const char *vg_tls_version_name(uint16_t v, char *buf);
const char *vg_tls_cipher_name(uint16_t v, char *buf);
const char *vg_tls_group_name(uint16_t v, char *buf);
const char *vg_tls_alert_name(uint8_t v, char *buf);

/* vg_tls_record.c: a direction's bytes in order. */
void vg_tls_feed(
	struct vg_tls *t, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len);

/* vg_tls_hello.c: a whole handshake message (as much as was kept; body NULL:
 * none was, the message only counts in the history). */
void vg_tls_handshake(struct vg_tls *t, struct vg_an_ctx *cx, bool is_orig, uint8_t type,
	const uint8_t *body, uint32_t len);

/* vg_tls_x509.c: one certificate of a chain; writes x509.log. */
void vg_tls_certificate(struct vg_tls *t, struct vg_an_ctx *cx, bool is_orig, uint32_t index,
	const uint8_t *der, uint32_t len, bool complete);
extern uint16_t vg_x509_log_id;
/* A DER distinguished name as x509.log shows names (RFC 2253); false if unparsable. */
bool vg_tls_dn_text(const uint8_t *der, uint32_t len, char *out, size_t cap);
extern const struct vg_schema vg_x509_schema;

/* vg_tls_analyzer.c */
void vg_tls_set_session(struct vg_tls *t, struct vg_an_ctx *cx);
void vg_tls_history(struct vg_tls *t, bool is_client, char letter);
void vg_tls_established(struct vg_tls *t, struct vg_an_ctx *cx);
/* Gives the side buffers back (the connection ends). */
void vg_tls_release(struct vg_tls *t, struct vg_an_ctx *cx);

#endif /* VG_TLS_H */
