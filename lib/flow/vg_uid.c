/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection uids in Zeek's format: "C", then 32 bits and 64 bits of an id,
 * each in base 62 (0-9a-zA-Z), least significant digit first, unpadded.
 */
#include "vg_flow.h"

static const char b62[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

static uint32_t
base62(uint64_t v, char *out)
{
	uint32_t n = 0;

	do {
		out[n++] = b62[v % 62];
		v /= 62;
	} while (v != 0);
	return n;
}

uint32_t
vg_uid_format(uint64_t hi, uint64_t lo, char *buf)
{
	uint32_t n = 0;

	buf[n++] = 'C';
	n += base62(hi >> 32, buf + n);
	n += base62(lo, buf + n);
	buf[n] = '\0';
	return n;
}
