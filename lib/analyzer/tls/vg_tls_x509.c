/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificates from a TLS handshake: the SHA-256 fingerprint for ssl.log's
 * cert_chain_fps, and x509.log with the fields of
 * scripts/base/files/x509/main.zeek rendered as Zeek's X509 analyzer does
 * (src/file_analysis/analyzer/x509), parsed with libcrypto. A certificate
 * libcrypto cannot parse gives a weird and no x509.log row. Like Zeek's
 * default, a certificate is logged once per worker for the same
 * (fingerprint, host_cert, client_cert) within a day
 * (X509::relog_known_certificates_after).
 */
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_tls.h"

#define NS_PER_SEC   1000000000ull
#define RELOG_AFTER  (86400ull * NS_PER_SEC)
#define KNOWN_CERTS  1024
#define PARSED_CERTS 256 /* parsed certificates kept per worker */
#define MAX_CACHES   256 /* workers (threads) that may parse certificates */
#define X509_STR_MAX 1024

enum {
	COL_TS,
	COL_FP,
	COL_VERSION,
	COL_SERIAL,
	COL_SUBJECT,
	COL_ISSUER,
	COL_NOT_BEFORE,
	COL_NOT_AFTER,
	COL_KEY_ALG,
	COL_SIG_ALG,
	COL_KEY_TYPE,
	COL_KEY_LENGTH,
	COL_EXPONENT,
	COL_CURVE,
	COL_SAN_DNS,
	COL_SAN_URI,
	COL_SAN_EMAIL,
	COL_SAN_IP,
	COL_BC_CA,
	COL_BC_PATH_LEN,
	COL_HOST_CERT,
	COL_CLIENT_CERT,
	COL_CERT,
	NCOLS
};

static const struct vg_field x509_fields[NCOLS] = {
	[COL_TS] = {"ts", VG_FT_TIME, VG_FEAT_BASE},
	[COL_FP] = {"fingerprint", VG_FT_STRING, VG_FEAT_BASE},
	[COL_VERSION] = {"certificate.version", VG_FT_COUNT, VG_FEAT_BASE},
	[COL_SERIAL] = {"certificate.serial", VG_FT_STRING, VG_FEAT_BASE},
	[COL_SUBJECT] = {"certificate.subject", VG_FT_STRING, VG_FEAT_BASE},
	[COL_ISSUER] = {"certificate.issuer", VG_FT_STRING, VG_FEAT_BASE},
	[COL_NOT_BEFORE] = {"certificate.not_valid_before", VG_FT_TIME, VG_FEAT_BASE},
	[COL_NOT_AFTER] = {"certificate.not_valid_after", VG_FT_TIME, VG_FEAT_BASE},
	[COL_KEY_ALG] = {"certificate.key_alg", VG_FT_STRING, VG_FEAT_BASE},
	[COL_SIG_ALG] = {"certificate.sig_alg", VG_FT_STRING, VG_FEAT_BASE},
	[COL_KEY_TYPE] = {"certificate.key_type", VG_FT_STRING, VG_FEAT_BASE},
	[COL_KEY_LENGTH] = {"certificate.key_length", VG_FT_COUNT, VG_FEAT_BASE},
	[COL_EXPONENT] = {"certificate.exponent", VG_FT_STRING, VG_FEAT_BASE},
	[COL_CURVE] = {"certificate.curve", VG_FT_STRING, VG_FEAT_BASE},
	[COL_SAN_DNS] = {"san.dns", VG_FT_VECTOR_STRING, VG_FEAT_BASE},
	[COL_SAN_URI] = {"san.uri", VG_FT_VECTOR_STRING, VG_FEAT_BASE},
	[COL_SAN_EMAIL] = {"san.email", VG_FT_VECTOR_STRING, VG_FEAT_BASE},
	[COL_SAN_IP] = {"san.ip", VG_FT_VECTOR_ADDR, VG_FEAT_BASE},
	[COL_BC_CA] = {"basic_constraints.ca", VG_FT_BOOL, VG_FEAT_BASE},
	[COL_BC_PATH_LEN] = {"basic_constraints.path_len", VG_FT_COUNT, VG_FEAT_BASE},
	[COL_HOST_CERT] = {"host_cert", VG_FT_BOOL, VG_FEAT_BASE},
	[COL_CLIENT_CERT] = {"client_cert", VG_FT_BOOL, VG_FEAT_BASE},
	/* policy/protocols/ssl/log-certs-base64 */
	[COL_CERT] = {"cert", VG_FT_STRING, VG_FEAT_X509_CERT},
};

const struct vg_schema vg_x509_schema = {
	.path = "x509",
	.nfields = NCOLS,
	.fields = x509_fields,
};

uint16_t vg_x509_log_id;

/* Certificates this worker logged lately. */
struct known {
	uint8_t fp[32];
	uint8_t flags; /* bit 0 host_cert, bit 1 client_cert, bit 7 used */
	uint64_t at;
};
static __thread struct known known[KNOWN_CERTS];

static bool
seen_lately(const uint8_t fp[32], uint8_t flags, uint64_t now)
{
	uint32_t h = (((uint32_t)fp[0] | (uint32_t)fp[1] << 8) * 4 + flags) % KNOWN_CERTS;
	struct known *k = &known[h];

	flags |= 0x80;
	if (k->flags == flags && memcmp(k->fp, fp, 32) == 0 && now - k->at < RELOG_AFTER)
		return true;
	memcpy(k->fp, fp, 32);
	k->flags = flags;
	k->at = now;
	return false;
}

static void
hex(const uint8_t *p, uint32_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (uint32_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Renders through a memory BIO into out (NUL-terminated, cut to fit). */
static void
bio_text(BIO *b, char *out, size_t cap)
{
	int n = BIO_read(b, out, (int)cap - 1);

	out[n > 0 ? n : 0] = '\0';
}

bool
vg_tls_dn_text(const uint8_t *der, uint32_t len, char *out, size_t cap)
{
	const unsigned char *p = der;
	X509_NAME *name = d2i_X509_NAME(NULL, &p, len);
	BIO *b = BIO_new(BIO_s_mem());
	bool ok = name != NULL && b != NULL;

	if (ok) {
		X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
		bio_text(b, out, cap);
	}
	X509_NAME_free(name);
	BIO_free(b);
	return ok;
}

static void
rec_name(struct vg_rec *r, const X509_NAME *name, BIO *b)
{
	char s[X509_STR_MAX];

	/* X509_NAME_print_ex with RFC 2253 flags, UTF-8 left as it is. */
	(void)BIO_reset(b);
	X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	bio_text(b, s, sizeof(s));
	vg_rec_cstr(r, s);
}

static void
rec_time(struct vg_rec *r, const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		vg_rec_unset(r);
		return;
	}
	vg_rec_time(r, (uint64_t)timegm(&tm) * NS_PER_SEC);
}

static void
rec_obj(struct vg_rec *r, const ASN1_OBJECT *o)
{
	char s[128];

	if (o == NULL || OBJ_obj2txt(s, sizeof(s), o, 0) <= 0) {
		vg_rec_unset(r);
		return;
	}
	vg_rec_cstr(r, s);
}

static void
rec_serial(struct vg_rec *r, const ASN1_INTEGER *serial, BIO *b)
{
	char s[X509_STR_MAX];

	(void)BIO_reset(b);
	i2a_ASN1_INTEGER(b, serial);
	bio_text(b, s, sizeof(s));
	vg_rec_cstr(r, s);
}

/*
 * ML-DSA (FIPS 204) keys, which this libcrypto cannot load: Zeek (on a
 * libcrypto that can) names them by their algorithm and gives the public
 * key's size in bits.
 */
static const char *const ml_dsa[][2] = {
	{"2.16.840.1.101.3.4.3.17", "ML-DSA-44"},
	{"2.16.840.1.101.3.4.3.18", "ML-DSA-65"},
	{"2.16.840.1.101.3.4.3.19", "ML-DSA-87"},
};
static pthread_once_t oids_once = PTHREAD_ONCE_INIT;

static void
add_oids(void)
{
	for (size_t i = 0; i < sizeof(ml_dsa) / sizeof(ml_dsa[0]); i++)
		if (OBJ_txt2nid(ml_dsa[i][0]) == NID_undef)
			OBJ_create(ml_dsa[i][0], ml_dsa[i][1], ml_dsa[i][1]);
}

static bool
rec_key_unloadable(struct vg_rec *r, X509 *x)
{
	const ASN1_OBJECT *o = NULL;
	const unsigned char *pk = NULL;
	int pklen = 0;
	char s[64];

	if (X509_PUBKEY_get0_param(
		    (ASN1_OBJECT **)&o, &pk, &pklen, NULL, X509_get_X509_PUBKEY(x)) != 1 ||
		OBJ_obj2txt(s, sizeof(s), o, 1) <= 0)
		return false;
	for (size_t i = 0; i < sizeof(ml_dsa) / sizeof(ml_dsa[0]); i++) {
		if (strcmp(s, ml_dsa[i][0]) != 0)
			continue;
		vg_rec_cstr(r, ml_dsa[i][1]);
		vg_rec_count(r, (uint64_t)pklen * 8);
		vg_rec_unset(r);
		vg_rec_unset(r);
		return true;
	}
	return false;
}

/* key_type, key_length, exponent, curve. */
static void
rec_key(struct vg_rec *r, X509 *x)
{
	EVP_PKEY *k = X509_get0_pubkey(x);

	if (k == NULL && rec_key_unloadable(r, x))
		return;
	int id = k != NULL ? EVP_PKEY_base_id(k) : NID_undef;
	char s[64];

	if (id == EVP_PKEY_RSA)
		vg_rec_cstr(r, "rsa");
	else if (id == EVP_PKEY_DSA)
		vg_rec_cstr(r, "dsa");
	else if (id == EVP_PKEY_EC)
		vg_rec_cstr(r, "ecdsa");
	else
		vg_rec_unset(r);
	if (k != NULL && (id == EVP_PKEY_RSA || id == EVP_PKEY_DSA || id == EVP_PKEY_EC))
		vg_rec_count(r, (uint64_t)EVP_PKEY_get_bits(k));
	else
		vg_rec_unset(r);

	BIGNUM *e = NULL;

	if (id == EVP_PKEY_RSA && EVP_PKEY_get_bn_param(k, "e", &e) == 1) {
		char *d = BN_bn2dec(e);

		vg_rec_cstr(r, d != NULL ? d : "");
		OPENSSL_free(d);
		BN_free(e);
	} else {
		vg_rec_unset(r);
	}
	size_t n = 0;

	if (id == EVP_PKEY_EC &&
		EVP_PKEY_get_utf8_string_param(k, "group", s, sizeof(s), &n) == 1) {
		int nid = OBJ_txt2nid(s);

		vg_rec_cstr(r, nid != NID_undef ? OBJ_nid2sn(nid) : s);
	} else {
		vg_rec_unset(r);
	}
}

/* san.dns, san.uri, san.email, san.ip (unset when the extension has none of a kind). */
static void
rec_sans(struct vg_rec *r, X509 *x)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	static const int kinds[4] = {GEN_DNS, GEN_URI, GEN_EMAIL, GEN_IPADD};

	for (int k = 0; k < 4; k++) {
		int n = 0;

		for (int i = 0; names != NULL && i < sk_GENERAL_NAME_num(names); i++)
			n += sk_GENERAL_NAME_value(names, i)->type == kinds[k];
		if (n == 0) {
			vg_rec_unset(r);
			continue;
		}
		vg_rec_set_begin(r, (uint16_t)n);
		for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
			const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);

			if (g->type != kinds[k])
				continue;
			if (k < 3) {
				const ASN1_STRING *s = g->d.ia5;

				vg_rec_str(r, (const char *)ASN1_STRING_get0_data(s),
					(uint32_t)ASN1_STRING_length(s));
				continue;
			}
			char ip[64];
			struct vg_addr a;
			const ASN1_OCTET_STRING *o = g->d.iPAddress;

			if (o->length == 4)
				vg_addr_from_v4(&a, o->data);
			else if (o->length == 16)
				memcpy(&a, o->data, 16);
			else
				memset(&a, 0, sizeof(a));
			vg_addr_format(&a, ip, sizeof(ip));
			vg_rec_cstr(r, ip);
		}
	}
	GENERAL_NAMES_free(names);
}

static void
rec_constraints(struct vg_rec *r, X509 *x)
{
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);

	if (bc == NULL) {
		vg_rec_unset(r);
		vg_rec_unset(r);
		return;
	}
	vg_rec_bool(r, bc->ca != 0);
	if (bc->pathlen != NULL)
		vg_rec_count(r, (uint64_t)ASN1_INTEGER_get(bc->pathlen));
	else
		vg_rec_unset(r);
	BASIC_CONSTRAINTS_free(bc);
}

/* The certificate in base64 (written always; shown with its policy). */
static void
rec_base64(struct vg_rec *r, const uint8_t *der, uint32_t len)
{
	static __thread char b64[4 * (VG_TLS_CERT_KEEP / 3) + 8];

	if (len > VG_TLS_CERT_KEEP) {
		vg_rec_unset(r);
		return;
	}
	int n = EVP_EncodeBlock((unsigned char *)b64, der, (int)len);

	vg_rec_str(r, b64, n > 0 ? (uint32_t)n : 0);
}

static void
write_x509(struct vg_an_ctx *cx, X509 *x, const char *fp, bool host, bool client,
	const uint8_t *der, uint32_t len)
{
	struct vg_rec r;
	BIO *b = BIO_new(BIO_s_mem());
	const X509_ALGOR *sig = NULL;
	const ASN1_OBJECT *key_obj = NULL, *sig_obj = NULL;

	if (b == NULL)
		return;
	vg_an_rec_begin_plain(cx, &r, vg_x509_log_id);
	vg_rec_time(&r, vg_an_now(cx));
	vg_rec_cstr(&r, fp);
	vg_rec_count(&r, (uint64_t)X509_get_version(x) + 1);
	rec_serial(&r, X509_get0_serialNumber(x), b);
	rec_name(&r, X509_get_subject_name(x), b);
	rec_name(&r, X509_get_issuer_name(x), b);
	rec_time(&r, X509_get0_notBefore(x));
	rec_time(&r, X509_get0_notAfter(x));
	X509_PUBKEY_get0_param((ASN1_OBJECT **)&key_obj, NULL, NULL, NULL, X509_get_X509_PUBKEY(x));
	rec_obj(&r, key_obj);
	X509_get0_signature(NULL, &sig, x);
	if (sig != NULL)
		X509_ALGOR_get0(&sig_obj, NULL, NULL, sig);
	rec_obj(&r, sig_obj);
	rec_key(&r, x);
	rec_sans(&r, x);
	rec_constraints(&r, x);
	vg_rec_bool(&r, host);
	vg_rec_bool(&r, client);
	rec_base64(&r, der, len);
	vg_an_rec_write(cx, &r);
	BIO_free(b);
}

/*
 * Parsed certificates by fingerprint, one table per worker thread: a server
 * sends the same certificate in every full handshake, and parsing it costs
 * more than the rest of the connection (d2i_X509 was 45 % of a full run on
 * vigil-gen's mix). Zeek keeps a certificate cache for the same reason
 * (base/files/x509/main.zeek, X509::caching_required_encounters). The digest
 * is fetched once per thread, so libcrypto's implicit fetch (and its locks)
 * stays off the per-certificate path. The tables stay reachable from
 * `caches` until the process ends.
 */
struct parsed_cert {
	uint8_t fp[32];
	X509 *x;
};
struct cert_cache {
	EVP_MD *sha256;
	struct parsed_cert e[PARSED_CERTS];
};
static struct cert_cache *caches[MAX_CACHES];
static pthread_mutex_t caches_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread struct cert_cache *cache;
static __thread bool cache_failed;

/* This thread's table, made at its first certificate; NULL if memory ran out. */
static struct cert_cache *
thread_cache(void)
{
	if (cache != NULL || cache_failed)
		return cache;
	struct cert_cache *c = calloc(1, sizeof(*c));

	if (c != NULL)
		c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	pthread_mutex_lock(&caches_lock);
	for (size_t i = 0; c != NULL && c->sha256 != NULL && i < MAX_CACHES; i++)
		if (caches[i] == NULL) {
			caches[i] = c;
			cache = c;
			break;
		}
	pthread_mutex_unlock(&caches_lock);
	if (cache == NULL) {
		cache_failed = true;
		if (c != NULL)
			EVP_MD_free(c->sha256);
		free(c);
	}
	return cache;
}

static bool
cert_digest(const uint8_t *der, uint32_t len, uint8_t md[32])
{
	struct cert_cache *c = thread_cache();
	unsigned int n = 0;

	return EVP_Digest(der, len, md, &n, c != NULL ? c->sha256 : EVP_sha256(), NULL) == 1 &&
		n == 32;
}

/* The certificate parsed, from the table or now; owned by the table (or the
 * caller when the table could not be had: *own says to free it). */
static X509 *
parsed_cert(const uint8_t fp[32], const uint8_t *der, uint32_t len, bool *own)
{
	struct cert_cache *c = thread_cache();
	const unsigned char *p = der;
	X509 *x;

	*own = c == NULL;
	if (c == NULL)
		return d2i_X509(NULL, &p, len);
	struct parsed_cert *e = &c->e[((uint32_t)fp[2] | (uint32_t)fp[3] << 8) % PARSED_CERTS];

	if (e->x != NULL && memcmp(e->fp, fp, 32) == 0)
		return e->x;
	x = d2i_X509(NULL, &p, len);
	if (x == NULL)
		return NULL;
	X509_free(e->x);
	e->x = x;
	memcpy(e->fp, fp, 32);
	return x;
}

void
vg_tls_certificate(struct vg_tls *t, struct vg_an_ctx *cx, bool is_orig, uint32_t index,
	const uint8_t *der, uint32_t len, bool complete)
{
	struct vg_tls_dir *d = &t->dir[!is_orig];
	bool client = t->flipped ? !is_orig : is_orig;
	uint8_t md[32];
	char fp[65];
	bool own;

	if (!complete || !cert_digest(der, len, md))
		return;
	t->certs_seen = true;
	if (index < VG_TLS_MAX_CERTS)
		memcpy(d->fps[index], md, 32);
	else
		vg_tls_stats.chain_fps_cut++;
	if (d->ncerts < 255)
		d->ncerts++;
	hex(md, 32, fp);

	pthread_once(&oids_once, add_oids);
	X509 *x = parsed_cert(md, der, len, &own);

	if (x == NULL) {
		vg_an_weird(cx, "x509_cert_parse_error", NULL);
		return;
	}
	/* sni_matches_cert: the host certificate against the server name. */
	if (index == 0 && !client && t->sni[0] != '\0')
		t->sni_matches = X509_check_host(x, t->sni, strlen(t->sni), 0, NULL) == 1;
	if (!seen_lately(md, (uint8_t)((index == 0) | (client << 1)), vg_an_now(cx)))
		write_x509(cx, x, fp, index == 0, client, der, len);
	if (own)
		X509_free(x);
}
