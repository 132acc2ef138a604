/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <sys/random.h>

#include "vg_hash.h"

struct vg_hash_key vg_hash_key = {{
	0x243f6a8885a308d3ULL,
	0x13198a2e03707344ULL,
	0xa4093822299f31d0ULL,
	0x082efa98ec4e6c89ULL,
}};

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int
vg_hash_key_init(bool fixed, uint64_t seed)
{
	struct vg_hash_key k;

	if (fixed) {
		for (int i = 0; i < 4; i++)
			k.k[i] = splitmix(&seed);
	} else {
		uint8_t *p = (uint8_t *)k.k;
		size_t got = 0;

		while (got < sizeof(k.k)) {
			ssize_t n = getrandom(p + got, sizeof(k.k) - got, 0);

			if (n < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			got += (size_t)n;
		}
	}
	/* A zero multiplier would lose a word: keep every key word odd. */
	for (int i = 0; i < 4; i++)
		k.k[i] |= 1;
	vg_hash_key = k;
	return 0;
}
