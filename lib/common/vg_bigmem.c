/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Large tables (the flow table's connections and buckets) come from their
 * own anonymous mapping, with transparent huge pages asked for: the
 * connections are read at random, one per packet, and with 4 KiB pages a
 * table of a few thousand busy flows already misses the TLB on most of them.
 * Pages are backed on first touch, by the thread that touches them (a live
 * worker, on its own NUMA node).
 */
#include <sys/mman.h>

#include "vg_common.h"

#define HUGE_2M (2u << 20)

static size_t
round_len(size_t len)
{
	return len >= HUGE_2M ? (len + HUGE_2M - 1) & ~(size_t)(HUGE_2M - 1) : len;
}

void *
vg_bigmem_alloc(size_t len)
{
	size_t n = round_len(len);
	void *p;

	if (len == 0)
		return NULL;
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	/* Advice only: where huge pages are off, the table works on small ones. */
	if (n >= HUGE_2M)
		(void)madvise(p, n, MADV_HUGEPAGE);
#endif
	return p;
}

void
vg_bigmem_free(void *p, size_t len)
{
	if (p != NULL)
		munmap(p, round_len(len));
}
