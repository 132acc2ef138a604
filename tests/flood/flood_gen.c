/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flood_gen: the captures of the flood tests, small and exact.
 *
 *   flood_gen syn N TAIL OUT    N TCP SYNs, each from its own client address,
 *                               to 192.0.2.1:80, 1 us apart; none answered.
 *                               Then TAIL UDP packets of one flow from 6 s on,
 *                               10 us apart (the SYNs' attempt timers fall due
 *                               while they pass).
 *   flood_gen flows N TAIL OUT  N UDP packets, each a flow of its own, 1 us
 *                               apart; then the same tail.
 *
 * Classic pcap, Ethernet, times from 1700000000 s; valid checksums.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1700000000u

static FILE *out;

static uint16_t
csum(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* One IPv4 packet (TCP SYN or UDP) in an Ethernet frame at time us. */
static void
frame(uint64_t us, uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp, int tcp)
{
	uint8_t f[64] = {0};
	uint8_t *ip = f + 14, *l4 = ip + 20;
	uint16_t l4len = tcp ? 20 : 8, iplen = (uint16_t)(20 + l4len);
	uint32_t rec[4] = {
		(uint32_t)(T0 + us / 1000000), (uint32_t)(us % 1000000), 14u + iplen, 14u + iplen};

	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	ip[0] = 0x45;
	put16(ip + 2, iplen);
	ip[8] = 64;
	ip[9] = tcp ? 6 : 17;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	put16(ip + 10, csum(0, ip, 20));
	put16(l4, sp);
	put16(l4 + 2, dp);
	if (tcp) {
		l4[4] = 0x12;
		l4[12] = 5 << 4;
		l4[13] = 0x02; /* SYN */
		put16(l4 + 14, 65535);
	} else {
		put16(l4 + 4, l4len);
	}
	uint32_t pseudo = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
		(tcp ? 6u : 17u) + l4len;

	put16(l4 + (tcp ? 16 : 6), csum(pseudo, l4, l4len));
	fwrite(rec, sizeof(rec), 1, out);
	fwrite(f, 14u + iplen, 1, out);
}

int
main(int argc, char **argv)
{
	const uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};

	if (argc != 5 || (strcmp(argv[1], "syn") != 0 && strcmp(argv[1], "flows") != 0)) {
		fprintf(stderr, "usage: flood_gen syn|flows N TAIL OUT\n");
		return 2;
	}
	int tcp = strcmp(argv[1], "syn") == 0;
	uint32_t n = (uint32_t)strtoul(argv[2], NULL, 0),
		 tail = (uint32_t)strtoul(argv[3], NULL, 0);

	out = fopen(argv[4], "wb");
	if (out == NULL || n > (1u << 24)) {
		fprintf(stderr, "flood_gen: cannot write %s (or N over 2^24)\n", argv[4]);
		return 1;
	}
	fwrite(hdr, sizeof(hdr), 1, out);
	/* Client i is 10.a.b.c from i's 24 bits, port 1024 + i % 60000. */
	for (uint32_t i = 0; i < n; i++)
		frame(i, 0x0a000000u | i, (uint16_t)(1024 + i % 60000),
			tcp ? 0xc0000201 : 0xc0000202, tcp ? 80 : 53, tcp);
	for (uint32_t i = 0; i < tail; i++)
		frame(6000000ull + 10ull * i, 0xc6336401, 5000, 0xc0000203, 5001, 0);
	return fclose(out) == 0 ? 0 : 1;
}
