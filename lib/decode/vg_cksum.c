/* SPDX-License-Identifier: BSD-3-Clause */
/* The Internet checksum (RFC 1071) and the TCP/UDP/ICMPv6 pseudo header. */
#include "vg_decode.h"

uint32_t
vg_cksum_add(uint32_t sum, const uint8_t *p, uint32_t len)
{
	uint64_t s = sum;

	while (len >= 4) {
		s += vg_be32(p);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		s += vg_be16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

uint16_t
vg_cksum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

bool
vg_cksum_l4_ok(const struct vg_pkt *pkt, const uint8_t *l4, uint32_t len)
{
	uint32_t sum = 0;
	uint8_t tail[4];

	if (pkt->ip_version == 4) {
		sum = vg_cksum_add(sum, pkt->src.b + 12, 4);
		sum = vg_cksum_add(sum, pkt->dst.b + 12, 4);
	} else {
		sum = vg_cksum_add(sum, pkt->src.b, 16);
		sum = vg_cksum_add(sum, pkt->dst.b, 16);
	}
	tail[0] = (uint8_t)(len >> 8);
	tail[1] = (uint8_t)len;
	tail[2] = 0;
	tail[3] = pkt->ip_proto;
	if (pkt->ip_version == 6) {
		uint8_t l32[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			(uint8_t)len};
		uint8_t nh[4] = {0, 0, 0, pkt->ip_proto};

		sum = vg_cksum_add(sum, l32, 4);
		sum = vg_cksum_add(sum, nh, 4);
	} else {
		uint8_t ph[4] = {0, pkt->ip_proto, tail[0], tail[1]};

		sum = vg_cksum_add(sum, ph, 4);
	}
	sum = vg_cksum_add(sum, l4, len);
	return vg_cksum_fold(sum) == 0;
}
