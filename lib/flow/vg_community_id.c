/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Community ID v1 (https://github.com/corelight/community-id-spec) as Zeek's
 * policy script logs it: SHA-1 over seed, ordered endpoints, protocol and
 * ports, base64-encoded with a "1:" prefix. The hash comes from libcrypto.
 */
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "vg_flow.h"

uint32_t
vg_community_id(const struct vg_addr *oh, uint16_t op, const struct vg_addr *rh, uint16_t rp,
	uint8_t proto, bool is_v4, uint16_t seed, char *out, uint32_t outlen)
{
	const struct vg_addr *sa = oh, *da = rh;
	uint16_t sp = op, dp = rp;
	bool one_way = false;
	uint8_t buf[2 + 16 + 16 + 4 + 4];
	uint8_t digest[SHA_DIGEST_LENGTH];
	uint32_t n = 0, alen = is_v4 ? 4 : 16, off = is_v4 ? 12 : 0;

	if (outlen < 32)
		return 0;
	if (proto == 1 || proto == 58)
		vg_icmp_counterpart(proto == 58, (uint8_t)op, (uint8_t)rp, &one_way);
	if (!one_way) {
		int c = memcmp(oh->b + off, rh->b + off, alen);
		/* Ties on the address compare the ports as stored in network order. */
		uint16_t nop = (uint16_t)(op >> 8 | op << 8), nrp = (uint16_t)(rp >> 8 | rp << 8);

		if (c > 0 || (c == 0 && nop > nrp)) {
			sa = rh;
			da = oh;
			sp = rp;
			dp = op;
		}
	}
	buf[n++] = (uint8_t)(seed >> 8);
	buf[n++] = (uint8_t)seed;
	memcpy(buf + n, sa->b + off, alen);
	n += alen;
	memcpy(buf + n, da->b + off, alen);
	n += alen;
	buf[n++] = proto;
	buf[n++] = 0;
	if (proto == 6 || proto == 17 || proto == 1 || proto == 58 || proto == 132) {
		buf[n++] = (uint8_t)(sp >> 8);
		buf[n++] = (uint8_t)sp;
		buf[n++] = (uint8_t)(dp >> 8);
		buf[n++] = (uint8_t)dp;
	}
	SHA1(buf, n, digest);
	out[0] = '1';
	out[1] = ':';
	int len = EVP_EncodeBlock((unsigned char *)out + 2, digest, sizeof(digest));

	return len < 0 ? 0 : (uint32_t)len + 2;
}
