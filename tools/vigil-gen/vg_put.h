/* SPDX-License-Identifier: BSD-3-Clause */
/* Big-endian stores shared by the generator and the mirror wrapper. */
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

#endif /* VG_PUT_H */
