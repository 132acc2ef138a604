/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small helpers shared by every vigil library: branch hints, byte-order
 * readers that never read past a bound the caller checked, and the address
 * type used by decode, flow and the log records.
 */
#ifndef VG_COMMON_H
#define VG_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define vg_likely(x)   __builtin_expect(!!(x), 1)
#define vg_unlikely(x) __builtin_expect(!!(x), 0)

#define VG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define VG_MIN(a, b)     ((a) < (b) ? (a) : (b))
#define VG_MAX(a, b)     ((a) > (b) ? (a) : (b))

#define VG_NS_PER_SEC 1000000000ULL

/*
 * Zeroed memory for a large table from its own mapping, with transparent huge
 * pages asked for (vg_bigmem.c); NULL when out of memory. Freed with the same
 * length.
 */
void *vg_bigmem_alloc(size_t len);
void vg_bigmem_free(void *p, size_t len);

/* The wall clock in nanoseconds since the epoch (not for the data path). */
static inline uint64_t
vg_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The monotonic clock in nanoseconds: timeouts and rates (not for the data path). */
static inline uint64_t
vg_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The value of a hexadecimal digit, or -1 for any other character. */
static inline int
vg_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Big-endian loads from a byte pointer; callers check the length first. */
static inline uint16_t
vg_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t
vg_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t
vg_le16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[1] << 8 | p[0]);
}

static inline uint32_t
vg_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/*
 * An IPv4 or IPv6 address. IPv4 is kept in the IPv4-mapped IPv6 form
 * (::ffff:a.b.c.d) so that keys and comparisons need no family branch.
 */
struct vg_addr {
	uint8_t b[16];
};

static inline void
vg_addr_from_v4(struct vg_addr *a, const uint8_t *p)
{
	memset(a->b, 0, 10);
	a->b[10] = 0xff;
	a->b[11] = 0xff;
	memcpy(a->b + 12, p, 4);
}

static inline bool
vg_addr_is_v4(const struct vg_addr *a)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a->b, prefix, 12) == 0;
}

static inline int
vg_addr_cmp(const struct vg_addr *a, const struct vg_addr *b)
{
	return memcmp(a->b, b->b, 16);
}

/* Formats an address the way Zeek prints it (dotted quad or RFC 5952). */
size_t vg_addr_format(const struct vg_addr *a, char *buf, size_t len);
/* An address from text (dotted quad or IPv6, len bytes, no NUL needed); false if not one. */
bool vg_addr_parse(const char *text, size_t len, struct vg_addr *a);

#endif /* VG_COMMON_H */
