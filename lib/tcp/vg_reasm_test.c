/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the reassembler: what comes out (bytes and gaps) for
 * segments in every order, split at every byte, overlapping, retransmitted,
 * lost and acknowledged, and the pool's limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_common.h"
#include "vg_reasm.h"
#include "vg_test.h"

/* What a direction delivered: bytes, with '#' for each byte of a gap. */
struct sink {
	uint8_t buf[1 << 16];
	uint32_t len;
	uint64_t gaps, gap_bytes;
};

static void
s_data(void *ctx, const uint8_t *p, uint32_t len)
{
	struct sink *s = ctx;

	if (s->len + len <= sizeof(s->buf)) {
		memcpy(s->buf + s->len, p, len);
		s->len += len;
	}
}

static void
s_gap(void *ctx, uint64_t len)
{
	struct sink *s = ctx;

	s->gaps++;
	s->gap_bytes += len;
	for (uint64_t i = 0; i < len && s->len < sizeof(s->buf); i++)
		s->buf[s->len++] = '#';
}

struct dir {
	struct vg_reasm r;
	uint32_t head;
	struct sink s;
	struct vg_reasm_out out;
};

static void
dir_init(struct dir *d)
{
	memset(d, 0, sizeof(*d));
	d->head = VG_REASM_NIL;
	d->out.data = s_data;
	d->out.gap = s_gap;
	d->out.ctx = &d->s;
}

static struct vg_reasm_pool *
pool(uint64_t memory, uint32_t depth)
{
	struct vg_reasm_cfg cfg = {.memory = memory, .depth = depth};
	struct vg_reasm_pool *p = vg_reasm_pool_create(&cfg);

	CHECK(p != NULL);
	return p;
}

static uint8_t msg[65536];

static void
seg(struct vg_reasm_pool *p, struct dir *d, uint64_t lo, uint64_t hi)
{
	vg_reasm_data(p, &d->r, &d->head, lo, hi, msg + lo, &d->out);
}

/* Every split of a message into two segments, in both orders. */
static void
test_every_split(void)
{
	struct vg_reasm_pool *p = pool(1 << 20, 0);
	uint32_t n = 300, bad = 0;

	if (p == NULL)
		return;
	for (uint32_t k = 1; k < n; k++) {
		for (int order = 0; order < 2; order++) {
			struct dir d;

			dir_init(&d);
			if (order == 0) {
				seg(p, &d, 0, k);
				seg(p, &d, k, n);
			} else {
				seg(p, &d, k, n);
				seg(p, &d, 0, k);
			}
			if (d.s.len != n || memcmp(d.s.buf, msg, n) != 0 || d.s.gaps != 0 ||
				d.head != VG_REASM_NIL || d.r.next != n)
				bad++;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(vg_reasm_stats(p)->blocks, 0);
	CHECK_EQ(vg_reasm_stats(p)->buffered_bytes, 0);
	vg_reasm_pool_free(p);
}

/* Random segments (overlapping, repeated, any order) of one stream: it comes out whole. */
static void
test_random_orders(void)
{
	struct vg_reasm_pool *p = pool(1 << 20, 0);
	uint32_t bad = 0;

	if (p == NULL)
		return;
	srand(7);
	for (int round = 0; round < 300; round++) {
		struct dir d;
		uint32_t n = 1 + (uint32_t)rand() % 6000;
		uint64_t lo[64], hi[64];
		int ns = 0;

		dir_init(&d);
		/* Cover [0, n) in pieces, then add random overlapping ones. */
		for (uint64_t at = 0; at < n && ns < 40;) {
			uint64_t l = 1 + (uint64_t)rand() % 400;

			if (ns == 39)
				l = n - at;
			lo[ns] = at;
			hi[ns] = VG_MIN(n, at + l);
			at = hi[ns++];
		}
		while (ns < 64) {
			uint64_t a = (uint64_t)rand() % n, b = a + 1 + (uint64_t)rand() % 3000;

			lo[ns] = a;
			hi[ns++] = VG_MIN(b, n);
		}
		for (int i = ns - 1; i > 0; i--) {
			int j = rand() % (i + 1);
			uint64_t t = lo[i];

			lo[i] = lo[j];
			lo[j] = t;
			t = hi[i];
			hi[i] = hi[j];
			hi[j] = t;
		}
		for (int i = 0; i < ns; i++)
			seg(p, &d, lo[i], hi[i]);
		if (d.s.len != n || memcmp(d.s.buf, msg, n) != 0 || d.s.gaps != 0 ||
			d.head != VG_REASM_NIL)
			bad++;
		CHECK_EQ(vg_reasm_ack(p, &d.r, &d.head, n, &d.out), 0);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(vg_reasm_stats(p)->inconsistent, 0);
	CHECK_EQ(vg_reasm_stats(p)->blocks, 0);
	vg_reasm_pool_free(p);
}

/* Held data wins an overlap; a differing retransmission is counted. */
static void
test_overlap_first_wins(void)
{
	struct vg_reasm_pool *p = pool(1 << 20, 0);
	struct dir d;
	uint8_t a[10], b[30], want[30];

	if (p == NULL)
		return;
	memset(a, 'A', sizeof(a));
	memset(b, 'B', sizeof(b));
	memcpy(want, b, 30);
	memcpy(want + 10, a, 10);
	dir_init(&d);
	vg_reasm_data(p, &d.r, &d.head, 10, 20, a, &d.out);
	CHECK_EQ(d.s.len, 0);
	vg_reasm_data(p, &d.r, &d.head, 0, 30, b, &d.out);
	CHECK_EQ(d.s.len, 30);
	CHECK(memcmp(d.s.buf, want, 30) == 0);
	CHECK_EQ(vg_reasm_stats(p)->inconsistent, 0); /* delivered in order: nothing held */

	/* Two held blocks, then a retransmission over them with other bytes. */
	dir_init(&d);
	vg_reasm_data(p, &d.r, &d.head, 10, 20, a, &d.out);
	vg_reasm_data(p, &d.r, &d.head, 5, 25, b, &d.out);
	CHECK_EQ(vg_reasm_stats(p)->inconsistent, 1);
	CHECK_EQ(vg_reasm_count(p, d.head), 3); /* [5,10) B, [10,20) A, [20,25) B */
	vg_reasm_data(p, &d.r, &d.head, 0, 5, b, &d.out);
	CHECK_EQ(d.s.len, 25);
	CHECK(memcmp(d.s.buf, want, 25) == 0);
	/* Bytes already delivered are ignored. */
	vg_reasm_data(p, &d.r, &d.head, 0, 25, a, &d.out);
	CHECK_EQ(d.s.len, 25);
	vg_reasm_pool_free(p);
}

/* A lost segment: the ack past it delivers a gap of its size, then what follows. */
static void
test_gaps(void)
{
	struct vg_reasm_pool *p = pool(1 << 20, 0);
	struct dir d;

	if (p == NULL)
		return;
	dir_init(&d);
	seg(p, &d, 0, 100);
	seg(p, &d, 200, 300);
	seg(p, &d, 400, 500);
	CHECK_EQ(d.s.len, 100);
	CHECK_EQ(vg_reasm_ack(p, &d.r, &d.head, 100, &d.out), 0);
	/* Acknowledged space never seen is missed: [100,200) and [300,350). */
	CHECK_EQ(vg_reasm_ack(p, &d.r, &d.head, 350, &d.out), 150);
	CHECK_EQ(d.s.gaps, 2);
	CHECK_EQ(d.s.gap_bytes, 150);
	CHECK_EQ(d.s.len, 350); /* bytes and '#' at their stream offsets */
	CHECK(memcmp(d.s.buf + 200, msg + 200, 100) == 0);
	CHECK_EQ(d.r.next, 350);
	CHECK_EQ(vg_reasm_ack(p, &d.r, &d.head, 600, &d.out), 150);
	CHECK_EQ(d.s.len, 600);
	CHECK(memcmp(d.s.buf + 400, msg + 400, 100) == 0);
	CHECK(d.s.buf[399] == '#' && d.s.buf[500] == '#');
	CHECK_EQ(d.head, VG_REASM_NIL);

	/* Ranges only (no analyzer): many holes, every one counted (the old tracker
	 * held four out-of-order blocks and miscounted from the fifth on). */
	dir_init(&d);
	for (uint64_t i = 0; i < 20; i++)
		vg_reasm_data(p, &d.r, &d.head, 100 * i + 50, 100 * i + 100, NULL, NULL);
	CHECK_EQ(vg_reasm_count(p, d.head), 20);
	CHECK_EQ(vg_reasm_ack(p, &d.r, &d.head, 2000, NULL), 20 * 50);
	/* Adjacent ranges merge. */
	for (uint64_t i = 0; i < 20; i++)
		vg_reasm_data(p, &d.r, &d.head, 3000 + 10 * i, 3010 + 10 * i, NULL, NULL);
	CHECK_EQ(vg_reasm_count(p, d.head), 1);
	vg_reasm_data(p, &d.r, &d.head, 2000, 3000, NULL, NULL);
	CHECK_EQ(d.r.next, 3200);
	CHECK_EQ(d.head, VG_REASM_NIL);
	vg_reasm_pool_free(p);
}

/* The pool's limit: the oldest blocks are given up and counted; nothing grows. */
static void
test_memory_limit(void)
{
	struct vg_reasm_pool *p = pool(8 * VG_REASM_CHUNK, 0);
	struct dir d[3];

	if (p == NULL)
		return;
	for (int k = 0; k < 3; k++)
		dir_init(&d[k]);
	/* Each direction holds 1000-byte blocks above a hole, far more than 8 chunks. */
	for (uint64_t i = 1; i <= 40; i++)
		for (int k = 0; k < 3; k++)
			seg(p, &d[k], 1000 * i, 1000 * i + 1000);
	const struct vg_reasm_stats *st = vg_reasm_stats(p);

	CHECK(st->chunks <= 8);
	CHECK(st->buffered_bytes <= 8 * VG_REASM_CHUNK);
	CHECK(st->evicted_bytes > 0);
	CHECK(st->evicted_blocks > 0);
	/* The last direction written keeps its newest blocks; all still deliver in order. */
	for (int k = 0; k < 3; k++) {
		seg(p, &d[k], 0, 1000);
		vg_reasm_ack(p, &d[k].r, &d[k].head, 41000, &d[k].out);
		CHECK_EQ(d[k].s.len, 41000);
		CHECK_EQ(d[k].r.next, 41000);
		CHECK_EQ(d[k].head, VG_REASM_NIL);
	}
	/* Given-up blocks come out as gaps, never as wrong bytes. */
	for (int k = 0; k < 3; k++)
		for (uint32_t i = 0; i < 41000; i++)
			if (d[k].s.buf[i] != (uint8_t)0x23 && d[k].s.buf[i] != msg[i] &&
				i < sizeof(msg))
				CHECK(0);
	CHECK_EQ(st->blocks, 0);
	CHECK_EQ(st->buffered_bytes, 0);
	vg_reasm_pool_free(p);
}

/* Data further than depth above the in-order point is not kept: a gap. */
static void
test_depth(void)
{
	struct vg_reasm_pool *p = pool(1 << 20, 1000);
	struct dir d;

	if (p == NULL)
		return;
	dir_init(&d);
	seg(p, &d, 500, 1500); /* [500,1000) kept, [1000,1500) range only */
	CHECK_EQ(vg_reasm_stats(p)->depth_bytes, 500);
	seg(p, &d, 0, 500);
	CHECK_EQ(d.s.len, 1500);
	CHECK(memcmp(d.s.buf, msg, 1000) == 0);
	CHECK_EQ(d.s.gap_bytes, 500);
	CHECK_EQ(d.r.next, 1500);
	vg_reasm_pool_free(p);
}

/* Blocks follow their direction when the connection's roles swap. */
static void
test_rehome(void)
{
	struct vg_reasm_pool *p = pool(4 * VG_REASM_CHUNK, 0);
	struct dir a, b;

	if (p == NULL)
		return;
	dir_init(&a);
	seg(p, &a, 100, 200);
	seg(p, &a, 300, 400);
	b = a; /* the direction moved */
	memset(&a, 0xee, sizeof(a));
	vg_reasm_rehome(p, &b.head);
	b.out.ctx = &b.s;
	vg_reasm_clear(p, &b.head);
	CHECK_EQ(b.head, VG_REASM_NIL);
	CHECK_EQ(vg_reasm_stats(p)->blocks, 0);
	vg_reasm_pool_free(p);
}

int
main(void)
{
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)('a' + (i * 7 + i / 26) % 26);
	test_every_split();
	test_random_orders();
	test_overlap_first_wins();
	test_gaps();
	test_memory_limit();
	test_depth();
	test_rehome();
	printf("reasm: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
