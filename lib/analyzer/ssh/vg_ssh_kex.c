/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SSH-2 key exchange: the two KEXINITs give the negotiated algorithms
 * (main.zeek's find_alg / find_bidirectional_alg) and the key exchange
 * method, which says where the server's host key travels
 * (ssh-protocol.pac's update_kex and its KEX_* states).
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "vg_ssh.h"

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads an SSH string at *off; false when it runs past len. */
static bool
get_string(const uint8_t *p, uint32_t len, uint32_t *off, const uint8_t **s, uint32_t *slen)
{
	if (len - *off < 4 || *off > len)
		return false;
	uint32_t n = be32(p + *off);

	if (n > len - *off - 4)
		return false;
	*s = p + *off + 4;
	*slen = n;
	*off += 4 + n;
	return true;
}

/* The name lists of a KEXINIT payload (after the type byte). */
static bool
parse_lists(const uint8_t *p, uint32_t len, struct vg_ssh_lists *l)
{
	uint32_t off = 16; /* cookie */

	if (len < off)
		return false;
	for (int i = 0; i < VG_SSH_NLISTS; i++)
		if (!get_string(p, len, &off, &l->p[i], &l->len[i]))
			return false;
	return true;
}

/*
 * The next name of a comma-separated list from *off (empty names between
 * commas are passed over, as name_list_to_vector does); false at the end.
 */
static bool
next_name(const uint8_t *p, uint32_t len, uint32_t *off, const uint8_t **n, uint32_t *nlen)
{
	while (*off < len && p[*off] == ',')
		(*off)++;
	if (*off >= len)
		return false;
	const uint8_t *c = memchr(p + *off, ',', len - *off);
	uint32_t end = c != NULL ? (uint32_t)(c - p) : len;

	*n = p + *off;
	*nlen = end - *off;
	*off = end;
	return true;
}

/* main.zeek's find_alg: the client's first choice the server also offers. */
static bool
find_alg(const uint8_t *cl, uint32_t cl_len, const uint8_t *sv, uint32_t sv_len,
	const uint8_t **alg, uint32_t *alg_len)
{
	const uint8_t *a, *b;
	uint32_t an, bn, i = 0;

	while (next_name(cl, cl_len, &i, &a, &an)) {
		uint32_t j = 0;

		while (next_name(sv, sv_len, &j, &b, &bn))
			if (an == bn && memcmp(a, b, an) == 0) {
				*alg = a;
				*alg_len = an;
				return true;
			}
	}
	return false;
}

static void
put_alg(char *out, const uint8_t *cl, uint32_t cl_len, const uint8_t *sv, uint32_t sv_len)
{
	const uint8_t *a;
	uint32_t n;

	if (!find_alg(cl, cl_len, sv, sv_len, &a, &n)) {
		snprintf(out, VG_SSH_NAME_MAX, "Algorithm negotiation failed");
		return;
	}
	snprintf(out, VG_SSH_NAME_MAX, "%.*s", (int)n, (const char *)a);
}

/* find_bidirectional_alg: one name when both directions agree. */
static void
put_bidi(char *out, const struct vg_ssh_lists *c, const struct vg_ssh_lists *s, int cs, int sc)
{
	char a[VG_SSH_NAME_MAX], b[VG_SSH_NAME_MAX];

	put_alg(a, c->p[cs], c->len[cs], s->p[cs], s->len[cs]);
	put_alg(b, c->p[sc], c->len[sc], s->p[sc], s->len[sc]);
	if (strcmp(a, b) == 0)
		snprintf(out, VG_SSH_NAME_MAX, "%s", a);
	else
		snprintf(out, VG_SSH_NAME_MAX, "To server: %.64s, to client: %.64s", a, b);
}

static bool
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ssh-protocol.pac update_kex: the key exchange method decides the parsing. */
static uint8_t
kex_kind(const char *k)
{
	if (strcmp(k, "rsa1024-sha1") == 0 || strcmp(k, "rsa2048-sha256") == 0)
		return VG_KEX_RSA;
	if (starts(k, "diffie-hellman-group-exchange-"))
		return VG_KEX_DH_GEX;
	if (starts(k, "diffie-hellman-group"))
		return VG_KEX_DH;
	if (starts(k, "gss-"))
		return VG_KEX_GSS;
	/* ECDH, curve25519 and the hybrid post-quantum methods all reply with
	 * the host key, the server's public value and a signature. */
	if (starts(k, "ecdh-sha2-") || strcmp(k, "ecmqv-sha2") == 0 ||
		starts(k, "curve25519-sha256") || starts(k, "curve448-sha512") ||
		starts(k, "sntrup761x25519-sha512") || starts(k, "mlkem768x25519-sha256") ||
		starts(k, "mlkem1024nistp384-sha384") || starts(k, "mlkem768nistp256-sha256"))
		return VG_KEX_ECC;
	return VG_KEX_UNKNOWN;
}

static void
negotiate(struct vg_ssh *s, struct vg_an_ctx *cx, const struct vg_ssh_lists *cl,
	const struct vg_ssh_lists *sv)
{
	put_bidi(s->cipher, cl, sv, VG_SSH_L_ENC_CS, VG_SSH_L_ENC_SC);
	put_bidi(s->mac, cl, sv, VG_SSH_L_MAC_CS, VG_SSH_L_MAC_SC);
	put_bidi(s->compression, cl, sv, VG_SSH_L_CMP_CS, VG_SSH_L_CMP_SC);
	put_alg(s->kex_alg, cl->p[VG_SSH_L_KEX], cl->len[VG_SSH_L_KEX], sv->p[VG_SSH_L_KEX],
		sv->len[VG_SSH_L_KEX]);
	put_alg(s->host_key_alg, cl->p[VG_SSH_L_HOSTKEY], cl->len[VG_SSH_L_HOSTKEY],
		sv->p[VG_SSH_L_HOSTKEY], sv->len[VG_SSH_L_HOSTKEY]);
	s->caps_done = true;

	const uint8_t *k;
	uint32_t kn;

	if (!find_alg(cl->p[VG_SSH_L_KEX], cl->len[VG_SSH_L_KEX], sv->p[VG_SSH_L_KEX],
		    sv->len[VG_SSH_L_KEX], &k, &kn))
		return; /* no common method: the state stays (update_kex) */
	s->kex = kex_kind(s->kex_alg);
	if (s->kex == VG_KEX_UNKNOWN)
		vg_an_weird(cx, "ssh_unknown_kex_algorithm", s->kex_alg);
}

void
vg_ssh_kexinit(
	struct vg_ssh *s, struct vg_an_ctx *cx, bool is_orig, const uint8_t *payload, uint32_t len)
{
	struct vg_ssh_lists mine, cached;

	if (!parse_lists(payload, len, &mine)) {
		vg_an_violate(cx, "truncated KEXINIT");
		return;
	}
	if (!s->session || s->caps_done)
		return;
	if (!s->kex_seen) {
		/* Kept until the other side's arrives (ssh_capabilities, update_kex). */
		s->kex_seen = true;
		s->kex_cached_orig = is_orig;
		s->kex_cache_len = len < sizeof(s->kex_cache) ? len : sizeof(s->kex_cache);
		memcpy(s->kex_cache, payload, s->kex_cache_len);
		return;
	}
	if (s->kex_cached_orig == is_orig)
		return;
	if (!parse_lists(s->kex_cache, s->kex_cache_len, &cached))
		return;
	if (is_orig)
		negotiate(s, cx, &mine, &cached);
	else
		negotiate(s, cx, &cached, &mine);
}

/*
 * The server's host key: "SHA256:" and the base64 of its SHA-256, cut to
 * 32 characters, the way ssh.log's host_key_fingerprint shows it.
 */
static void
host_key(struct vg_ssh *s, const uint8_t *key, uint32_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned char b64[64];
	unsigned int mdlen = 0;

	if (EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		return;
	EVP_EncodeBlock(b64, md, (int)mdlen);
	snprintf(s->host_key, sizeof(s->host_key), "SHA256:%.32s", (const char *)b64);
}

/* Where each method carries K_S, the host key (ssh-protocol.pac). */
static bool
carries_host_key(uint8_t kex, uint8_t type)
{
	switch (kex) {
	case VG_KEX_DH:
	case VG_KEX_ECC:
		return type == 31; /* KEXDH_REPLY, KEX_ECDH_REPLY */
	case VG_KEX_DH_GEX:
		return type == 33; /* KEX_DH_GEX_REPLY */
	case VG_KEX_GSS:
		return type == 33; /* KEXGSS_HOSTKEY */
	case VG_KEX_RSA:
		return type == 30; /* KEXRSA_PUBKEY */
	default:
		return false;
	}
}

void
vg_ssh_kex_msg(
	struct vg_ssh *s, struct vg_an_ctx *cx, uint8_t type, const uint8_t *payload, uint32_t len)
{
	const uint8_t *k;
	uint32_t kn, off = 0;

	if (!carries_host_key(s->kex, type))
		return;
	if (!get_string(payload, len, &off, &k, &kn)) {
		vg_an_violate(cx, "truncated SSH key exchange reply");
		return;
	}
	if (s->session)
		host_key(s, k, kn);
}
