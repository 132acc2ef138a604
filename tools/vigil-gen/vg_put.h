/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the generator and the mirror wrapper: big-endian stores, a mixer. */
#ifndef VG_PUT_H
#define VG_PUT_H

#include <stdint.h>

static inline void
vg_put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
vg_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* splitmix64's finalizer: spreads a 64-bit value over all bits. */
static inline uint64_t
vg_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

#endif /* VG_PUT_H */
