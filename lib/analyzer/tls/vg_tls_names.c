/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The names ssl.log shows for numbers on the wire: protocol versions,
 * cipher suites and groups (the IANA TLS registries), alert descriptions
 * (RFC 8446 6). A number without a name is shown as Zeek shows it,
 * "unknown-N".
 */
#include <stdio.h>

#include "vg_tls.h"

struct vg_name {
	uint16_t id;
	const char *name;
};

static const char *
find(const struct vg_name *t, size_t n, uint16_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) { /* the tables are sorted by id */
		size_t mid = (lo + hi) / 2;

		if (t[mid].id == id)
			return t[mid].name;
		if (t[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const char *
unknown(uint32_t v, char *buf)
{
	snprintf(buf, VG_TLS_NAME_BUF, "unknown-%u", v);
	return buf;
}

const char *
vg_tls_version_name(uint16_t v, char *buf)
{
	switch (v) {
	case 0x0002:
		return "SSLv2";
	case 0x0300:
		return "SSLv3";
	case 0x0301:
		return "TLSv10";
	case 0x0302:
		return "TLSv11";
	case 0x0303:
		return "TLSv12";
	case 0x0304:
		return "TLSv13";
	case 0xfeff:
		return "DTLSv10";
	case 0xfefd:
		return "DTLSv12";
	case 0xfefc:
		return "DTLSv13";
	default:
		break;
	}
	if ((v >> 8) == 0x7f) { /* TLS 1.3 drafts */
		snprintf(buf, VG_TLS_NAME_BUF, "TLSv13-draft%u", v & 0xffu);
		return buf;
	}
	return unknown(v, buf);
}

#define C(id, n)                                                                                   \
	{                                                                                          \
		id, "TLS_" n                                                                       \
	}
static const struct vg_name ciphers[] = {
	C(0x0000, "NULL_WITH_NULL_NULL"),
	C(0x0001, "RSA_WITH_NULL_MD5"),
	C(0x0002, "RSA_WITH_NULL_SHA"),
	C(0x0003, "RSA_EXPORT_WITH_RC4_40_MD5"),
	C(0x0004, "RSA_WITH_RC4_128_MD5"),
	C(0x0005, "RSA_WITH_RC4_128_SHA"),
	C(0x0006, "RSA_EXPORT_WITH_RC2_CBC_40_MD5"),
	C(0x0007, "RSA_WITH_IDEA_CBC_SHA"),
	C(0x0008, "RSA_EXPORT_WITH_DES40_CBC_SHA"),
	C(0x0009, "RSA_WITH_DES_CBC_SHA"),
	C(0x000a, "RSA_WITH_3DES_EDE_CBC_SHA"),
	C(0x000b, "DH_DSS_EXPORT_WITH_DES40_CBC_SHA"),
	C(0x000c, "DH_DSS_WITH_DES_CBC_SHA"),
	C(0x000d, "DH_DSS_WITH_3DES_EDE_CBC_SHA"),
	C(0x000e, "DH_RSA_EXPORT_WITH_DES40_CBC_SHA"),
	C(0x000f, "DH_RSA_WITH_DES_CBC_SHA"),
	C(0x0010, "DH_RSA_WITH_3DES_EDE_CBC_SHA"),
	C(0x0011, "DHE_DSS_EXPORT_WITH_DES40_CBC_SHA"),
	C(0x0012, "DHE_DSS_WITH_DES_CBC_SHA"),
	C(0x0013, "DHE_DSS_WITH_3DES_EDE_CBC_SHA"),
	C(0x0014, "DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"),
	C(0x0015, "DHE_RSA_WITH_DES_CBC_SHA"),
	C(0x0016, "DHE_RSA_WITH_3DES_EDE_CBC_SHA"),
	C(0x0017, "DH_anon_EXPORT_WITH_RC4_40_MD5"),
	C(0x0018, "DH_anon_WITH_RC4_128_MD5"),
	C(0x0019, "DH_anon_EXPORT_WITH_DES40_CBC_SHA"),
	C(0x001a, "DH_anon_WITH_DES_CBC_SHA"),
	C(0x001b, "DH_anon_WITH_3DES_EDE_CBC_SHA"),
	C(0x002f, "RSA_WITH_AES_128_CBC_SHA"),
	C(0x0030, "DH_DSS_WITH_AES_128_CBC_SHA"),
	C(0x0031, "DH_RSA_WITH_AES_128_CBC_SHA"),
	C(0x0032, "DHE_DSS_WITH_AES_128_CBC_SHA"),
	C(0x0033, "DHE_RSA_WITH_AES_128_CBC_SHA"),
	C(0x0034, "DH_anon_WITH_AES_128_CBC_SHA"),
	C(0x0035, "RSA_WITH_AES_256_CBC_SHA"),
	C(0x0036, "DH_DSS_WITH_AES_256_CBC_SHA"),
	C(0x0037, "DH_RSA_WITH_AES_256_CBC_SHA"),
	C(0x0038, "DHE_DSS_WITH_AES_256_CBC_SHA"),
	C(0x0039, "DHE_RSA_WITH_AES_256_CBC_SHA"),
	C(0x003a, "DH_anon_WITH_AES_256_CBC_SHA"),
	C(0x003b, "RSA_WITH_NULL_SHA256"),
	C(0x003c, "RSA_WITH_AES_128_CBC_SHA256"),
	C(0x003d, "RSA_WITH_AES_256_CBC_SHA256"),
	C(0x003e, "DH_DSS_WITH_AES_128_CBC_SHA256"),
	C(0x003f, "DH_RSA_WITH_AES_128_CBC_SHA256"),
	C(0x0040, "DHE_DSS_WITH_AES_128_CBC_SHA256"),
	C(0x0041, "RSA_WITH_CAMELLIA_128_CBC_SHA"),
	C(0x0042, "DH_DSS_WITH_CAMELLIA_128_CBC_SHA"),
	C(0x0043, "DH_RSA_WITH_CAMELLIA_128_CBC_SHA"),
	C(0x0044, "DHE_DSS_WITH_CAMELLIA_128_CBC_SHA"),
	C(0x0045, "DHE_RSA_WITH_CAMELLIA_128_CBC_SHA"),
	C(0x0046, "DH_anon_WITH_CAMELLIA_128_CBC_SHA"),
	C(0x0067, "DHE_RSA_WITH_AES_128_CBC_SHA256"),
	C(0x0068, "DH_DSS_WITH_AES_256_CBC_SHA256"),
	C(0x0069, "DH_RSA_WITH_AES_256_CBC_SHA256"),
	C(0x006a, "DHE_DSS_WITH_AES_256_CBC_SHA256"),
	C(0x006b, "DHE_RSA_WITH_AES_256_CBC_SHA256"),
	C(0x006c, "DH_anon_WITH_AES_128_CBC_SHA256"),
	C(0x006d, "DH_anon_WITH_AES_256_CBC_SHA256"),
	C(0x0084, "RSA_WITH_CAMELLIA_256_CBC_SHA"),
	C(0x0085, "DH_DSS_WITH_CAMELLIA_256_CBC_SHA"),
	C(0x0086, "DH_RSA_WITH_CAMELLIA_256_CBC_SHA"),
	C(0x0087, "DHE_DSS_WITH_CAMELLIA_256_CBC_SHA"),
	C(0x0088, "DHE_RSA_WITH_CAMELLIA_256_CBC_SHA"),
	C(0x0089, "DH_anon_WITH_CAMELLIA_256_CBC_SHA"),
	C(0x008a, "PSK_WITH_RC4_128_SHA"),
	C(0x008b, "PSK_WITH_3DES_EDE_CBC_SHA"),
	C(0x008c, "PSK_WITH_AES_128_CBC_SHA"),
	C(0x008d, "PSK_WITH_AES_256_CBC_SHA"),
	C(0x0096, "RSA_WITH_SEED_CBC_SHA"),
	C(0x009a, "DHE_RSA_WITH_SEED_CBC_SHA"),
	C(0x009c, "RSA_WITH_AES_128_GCM_SHA256"),
	C(0x009d, "RSA_WITH_AES_256_GCM_SHA384"),
	C(0x009e, "DHE_RSA_WITH_AES_128_GCM_SHA256"),
	C(0x009f, "DHE_RSA_WITH_AES_256_GCM_SHA384"),
	C(0x00a0, "DH_RSA_WITH_AES_128_GCM_SHA256"),
	C(0x00a1, "DH_RSA_WITH_AES_256_GCM_SHA384"),
	C(0x00a2, "DHE_DSS_WITH_AES_128_GCM_SHA256"),
	C(0x00a3, "DHE_DSS_WITH_AES_256_GCM_SHA384"),
	C(0x00a8, "PSK_WITH_AES_128_GCM_SHA256"),
	C(0x00a9, "PSK_WITH_AES_256_GCM_SHA384"),
	C(0x00ba, "RSA_WITH_CAMELLIA_128_CBC_SHA256"),
	C(0x00be, "DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"),
	C(0x00c0, "RSA_WITH_CAMELLIA_256_CBC_SHA256"),
	C(0x00c4, "DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256"),
	C(0x00ff, "EMPTY_RENEGOTIATION_INFO_SCSV"),
	C(0x1301, "AES_128_GCM_SHA256"),
	C(0x1302, "AES_256_GCM_SHA384"),
	C(0x1303, "CHACHA20_POLY1305_SHA256"),
	C(0x1304, "AES_128_CCM_SHA256"),
	C(0x1305, "AES_128_CCM_8_SHA256"),
	C(0x5600, "FALLBACK_SCSV"),
	C(0xc001, "ECDH_ECDSA_WITH_NULL_SHA"),
	C(0xc002, "ECDH_ECDSA_WITH_RC4_128_SHA"),
	C(0xc003, "ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA"),
	C(0xc004, "ECDH_ECDSA_WITH_AES_128_CBC_SHA"),
	C(0xc005, "ECDH_ECDSA_WITH_AES_256_CBC_SHA"),
	C(0xc006, "ECDHE_ECDSA_WITH_NULL_SHA"),
	C(0xc007, "ECDHE_ECDSA_WITH_RC4_128_SHA"),
	C(0xc008, "ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"),
	C(0xc009, "ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
	C(0xc00a, "ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
	C(0xc00b, "ECDH_RSA_WITH_NULL_SHA"),
	C(0xc00c, "ECDH_RSA_WITH_RC4_128_SHA"),
	C(0xc00d, "ECDH_RSA_WITH_3DES_EDE_CBC_SHA"),
	C(0xc00e, "ECDH_RSA_WITH_AES_128_CBC_SHA"),
	C(0xc00f, "ECDH_RSA_WITH_AES_256_CBC_SHA"),
	C(0xc010, "ECDHE_RSA_WITH_NULL_SHA"),
	C(0xc011, "ECDHE_RSA_WITH_RC4_128_SHA"),
	C(0xc012, "ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"),
	C(0xc013, "ECDHE_RSA_WITH_AES_128_CBC_SHA"),
	C(0xc014, "ECDHE_RSA_WITH_AES_256_CBC_SHA"),
	C(0xc015, "ECDH_anon_WITH_NULL_SHA"),
	C(0xc016, "ECDH_anon_WITH_RC4_128_SHA"),
	C(0xc017, "ECDH_anon_WITH_3DES_EDE_CBC_SHA"),
	C(0xc018, "ECDH_anon_WITH_AES_128_CBC_SHA"),
	C(0xc019, "ECDH_anon_WITH_AES_256_CBC_SHA"),
	C(0xc023, "ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
	C(0xc024, "ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"),
	C(0xc025, "ECDH_ECDSA_WITH_AES_128_CBC_SHA256"),
	C(0xc026, "ECDH_ECDSA_WITH_AES_256_CBC_SHA384"),
	C(0xc027, "ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
	C(0xc028, "ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
	C(0xc029, "ECDH_RSA_WITH_AES_128_CBC_SHA256"),
	C(0xc02a, "ECDH_RSA_WITH_AES_256_CBC_SHA384"),
	C(0xc02b, "ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
	C(0xc02c, "ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
	C(0xc02d, "ECDH_ECDSA_WITH_AES_128_GCM_SHA256"),
	C(0xc02e, "ECDH_ECDSA_WITH_AES_256_GCM_SHA384"),
	C(0xc02f, "ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
	C(0xc030, "ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
	C(0xc031, "ECDH_RSA_WITH_AES_128_GCM_SHA256"),
	C(0xc032, "ECDH_RSA_WITH_AES_256_GCM_SHA384"),
	C(0xc035, "ECDHE_PSK_WITH_AES_128_CBC_SHA"),
	C(0xc036, "ECDHE_PSK_WITH_AES_256_CBC_SHA"),
	C(0xc09c, "RSA_WITH_AES_128_CCM"),
	C(0xc09d, "RSA_WITH_AES_256_CCM"),
	C(0xc09e, "DHE_RSA_WITH_AES_128_CCM"),
	C(0xc09f, "DHE_RSA_WITH_AES_256_CCM"),
	C(0xc0ac, "ECDHE_ECDSA_WITH_AES_128_CCM"),
	C(0xc0ad, "ECDHE_ECDSA_WITH_AES_256_CCM"),
	C(0xc0ae, "ECDHE_ECDSA_WITH_AES_128_CCM_8"),
	C(0xc0af, "ECDHE_ECDSA_WITH_AES_256_CCM_8"),
	C(0xcca8, "ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
	C(0xcca9, "ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
	C(0xccaa, "DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
	C(0xccab, "PSK_WITH_CHACHA20_POLY1305_SHA256"),
	C(0xccac, "ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"),
	C(0xccad, "DHE_PSK_WITH_CHACHA20_POLY1305_SHA256"),
	C(0xccae, "RSA_PSK_WITH_CHACHA20_POLY1305_SHA256"),
};
#undef C

const char *
vg_tls_cipher_name(uint16_t v, char *buf)
{
	const char *n = find(ciphers, sizeof(ciphers) / sizeof(ciphers[0]), v);

	return n != NULL ? n : unknown(v, buf);
}

static const struct vg_name groups[] = {
	{1, "sect163k1"},
	{2, "sect163r1"},
	{3, "sect163r2"},
	{4, "sect193r1"},
	{5, "sect193r2"},
	{6, "sect233k1"},
	{7, "sect233r1"},
	{8, "sect239k1"},
	{9, "sect283k1"},
	{10, "sect283r1"},
	{11, "sect409k1"},
	{12, "sect409r1"},
	{13, "sect571k1"},
	{14, "sect571r1"},
	{15, "secp160k1"},
	{16, "secp160r1"},
	{17, "secp160r2"},
	{18, "secp192k1"},
	{19, "secp192r1"},
	{20, "secp224k1"},
	{21, "secp224r1"},
	{22, "secp256k1"},
	{23, "secp256r1"},
	{24, "secp384r1"},
	{25, "secp521r1"},
	{26, "brainpoolP256r1"},
	{27, "brainpoolP384r1"},
	{28, "brainpoolP512r1"},
	{29, "x25519"},
	{30, "x448"},
	{31, "brainpoolP256r1tls13"},
	{32, "brainpoolP384r1tls13"},
	{33, "brainpoolP512r1tls13"},
	{256, "ffdhe2048"},
	{257, "ffdhe3072"},
	{258, "ffdhe4096"},
	{259, "ffdhe6144"},
	{260, "ffdhe8192"},
	{512, "MLKEM512"},
	{513, "MLKEM768"},
	{514, "MLKEM1024"},
	{4587, "SecP256r1MLKEM768"},
	{4588, "X25519MLKEM768"},
	{4589, "SecP384r1MLKEM1024"},
	{25497, "X25519Kyber768Draft00"},
	{25498, "SecP256r1Kyber768Draft00"},
	{0xff01, "arbitrary_explicit_prime_curves"},
	{0xff02, "arbitrary_explicit_char2_curves"},
};

const char *
vg_tls_group_name(uint16_t v, char *buf)
{
	const char *n = find(groups, sizeof(groups) / sizeof(groups[0]), v);

	return n != NULL ? n : unknown(v, buf);
}

static const struct vg_name alerts[] = {
	{0, "close_notify"},
	{10, "unexpected_message"},
	{20, "bad_record_mac"},
	{21, "decryption_failed"},
	{22, "record_overflow"},
	{30, "decompression_failure"},
	{40, "handshake_failure"},
	{41, "no_certificate"},
	{42, "bad_certificate"},
	{43, "unsupported_certificate"},
	{44, "certificate_revoked"},
	{45, "certificate_expired"},
	{46, "certificate_unknown"},
	{47, "illegal_parameter"},
	{48, "unknown_ca"},
	{49, "access_denied"},
	{50, "decode_error"},
	{51, "decrypt_error"},
	{60, "export_restriction"},
	{70, "protocol_version"},
	{71, "insufficient_security"},
	{80, "internal_error"},
	{86, "inappropriate_fallback"},
	{90, "user_canceled"},
	{100, "no_renegotiation"},
	{109, "missing_extension"},
	{110, "unsupported_extension"},
	{111, "certificate_unobtainable"},
	{112, "unrecognized_name"},
	{113, "bad_certificate_status_response"},
	{114, "bad_certificate_hash_value"},
	{115, "unknown_psk_identity"},
	{116, "certificate_required"},
	{120, "no_application_protocol"},
	{121, "ech_required"},
};

const char *
vg_tls_alert_name(uint8_t v, char *buf)
{
	const char *n = find(alerts, sizeof(alerts) / sizeof(alerts[0]), v);

	return n != NULL ? n : unknown(v, buf);
}
