/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keyed hashing of flow keys, shared by the flow table and software dispatch.
 * The key is drawn once per process from getrandom(), so an attacker who
 * cannot read vigil's memory cannot build keys that collide; a fixed key
 * (--hash-seed) makes runs repeatable for tests. The key decides only where
 * connections sit in memory and which worker owns them: uids, conn.log
 * order and every logged field are the same whatever the key.
 *
 * Each 64-bit word is mixed with a key word through a folded 128-bit
 * multiply (the high and low halves of the product XORed), which keeps the
 * per-packet cost at three multiplies.
 */
#ifndef VG_HASH_H
#define VG_HASH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "vg_common.h"

struct vg_hash_key {
	uint64_t k[4];
};

/* The process's key (a fixed, nonzero default until vg_hash_key_init runs). */
extern struct vg_hash_key vg_hash_key;

/*
 * Sets the process's key: from seed when fixed is true (repeatable runs),
 * else from getrandom(). Call once at start, before any worker runs.
 * Returns -1 with errno set when the random source failed.
 */
int vg_hash_key_init(bool fixed, uint64_t seed);

static inline uint64_t
vg_hash_fold(uint64_t a, uint64_t b)
{
	unsigned __int128 p = (unsigned __int128)a * b;

	return (uint64_t)p ^ (uint64_t)(p >> 64);
}

/* One endpoint (address and port, or ICMP type). */
static inline uint64_t
vg_hash_endpoint(const struct vg_addr *a, uint16_t port)
{
	uint64_t w0, w1;

	memcpy(&w0, a->b, 8);
	memcpy(&w1, a->b + 8, 8);
	return vg_hash_fold(w0 ^ vg_hash_key.k[0] ^ port, w1 ^ vg_hash_key.k[1]);
}

/*
 * A connection's key. Two-way keys hash the same from both ends (the sum of
 * the endpoint hashes); a one-way key (ICMP errors) keeps its direction.
 */
static inline uint64_t
vg_hash_flow(const struct vg_addr *s, uint16_t sp, const struct vg_addr *d, uint16_t dp,
	uint8_t proto, uint64_t session, bool one_way)
{
	uint64_t hs = vg_hash_endpoint(s, sp), hd = vg_hash_endpoint(d, dp);
	uint64_t h =
		one_way ? hs ^ vg_hash_fold(hd ^ vg_hash_key.k[3], vg_hash_key.k[2] | 1) : hs + hd;

	return vg_hash_fold(
		h ^ vg_hash_key.k[2], session ^ ((uint64_t)proto << 56) ^ vg_hash_key.k[3]);
}

/* An address pair and mirror session, either way round (software dispatch). */
static inline uint64_t
vg_hash_addr_pair(const struct vg_addr *a, const struct vg_addr *b, uint64_t session)
{
	return vg_hash_flow(a, 0, b, 0, 0, session, false);
}

#endif /* VG_HASH_H */
