/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reassembler's blocks: a sorted, doubly linked list per direction and
 * one list per worker in allocation order (oldest first), which is what is
 * given up when the pool runs dry. See vg_reasm.h for the rules.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vg_common.h"
#include "vg_reasm.h"

#define DEFAULT_MEMORY  (64ULL << 20)
#define DEFAULT_DEPTH   (1u << 20)
#define NODES_PER_CHUNK 4   /* ranges without data need no chunk */
#define MAX_WALK        512 /* blocks looked at per segment, at most */
#define MAX_EVICT_WALK  64  /* blocks looked at to find one to give up */

struct rnode {
	uint64_t lo, hi;
	uint32_t next, prev;         /* the direction's list, ascending */
	uint32_t age_next, age_prev; /* the worker's list, oldest first */
	uint32_t *owner;             /* the direction's head */
	uint32_t chunk;              /* the bytes of [lo, hi), or NIL: range only */
};

struct vg_reasm_pool {
	struct rnode *nodes;
	uint8_t *chunks;
	size_t nodes_bytes, chunks_bytes;
	uint32_t nnodes, nchunks;
	uint32_t free_node, free_chunk;
	uint32_t node_high, chunk_high; /* handed out at least once below these */
	uint32_t age_head, age_tail;
	uint32_t depth;
	struct vg_reasm_stats st;
};

struct vg_reasm_pool *
vg_reasm_pool_create(const struct vg_reasm_cfg *cfg)
{
	struct vg_reasm_pool *p = calloc(1, sizeof(*p));
	uint64_t mem = cfg->memory ? cfg->memory : DEFAULT_MEMORY;

	if (p == NULL)
		return NULL;
	p->depth = cfg->depth ? cfg->depth : DEFAULT_DEPTH;
	p->nchunks = (uint32_t)VG_MIN(mem / VG_REASM_CHUNK, (uint64_t)UINT32_MAX / 8);
	if (p->nchunks == 0)
		p->nchunks = 1;
	p->nnodes = p->nchunks * NODES_PER_CHUNK;
	p->nodes_bytes = (size_t)p->nnodes * sizeof(struct rnode);
	p->chunks_bytes = (size_t)p->nchunks * VG_REASM_CHUNK;
	p->nodes = vg_bigmem_alloc(p->nodes_bytes);
	p->chunks = vg_bigmem_alloc(p->chunks_bytes);
	p->free_node = p->free_chunk = VG_REASM_NIL;
	p->age_head = p->age_tail = VG_REASM_NIL;
	if (p->nodes == NULL || p->chunks == NULL) {
		vg_reasm_pool_free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

void
vg_reasm_pool_free(struct vg_reasm_pool *p)
{
	if (p == NULL)
		return;
	vg_bigmem_free(p->nodes, p->nodes_bytes);
	vg_bigmem_free(p->chunks, p->chunks_bytes);
	free(p);
}

const struct vg_reasm_stats *
vg_reasm_stats(const struct vg_reasm_pool *p)
{
	return &p->st;
}

size_t
vg_reasm_pool_bytes(const struct vg_reasm_pool *p)
{
	return p->nodes_bytes + p->chunks_bytes;
}

static inline uint8_t *
chunk_mem(struct vg_reasm_pool *p, uint32_t c)
{
	return p->chunks + (size_t)c * VG_REASM_CHUNK;
}

/* ---- freeing ------------------------------------------------------------ */

static void
chunk_put(struct vg_reasm_pool *p, struct rnode *n)
{
	if (n->chunk == VG_REASM_NIL)
		return;
	memcpy(chunk_mem(p, n->chunk), &p->free_chunk, sizeof(uint32_t));
	p->free_chunk = n->chunk;
	n->chunk = VG_REASM_NIL;
	p->st.chunks--;
	p->st.buffered_bytes -= n->hi - n->lo;
}

static void
node_free(struct vg_reasm_pool *p, uint32_t i)
{
	struct rnode *n = &p->nodes[i];

	if (n->prev != VG_REASM_NIL)
		p->nodes[n->prev].next = n->next;
	else
		*n->owner = n->next;
	if (n->next != VG_REASM_NIL)
		p->nodes[n->next].prev = n->prev;
	if (n->age_prev != VG_REASM_NIL)
		p->nodes[n->age_prev].age_next = n->age_next;
	else
		p->age_head = n->age_next;
	if (n->age_next != VG_REASM_NIL)
		p->nodes[n->age_next].age_prev = n->age_prev;
	else
		p->age_tail = n->age_prev;
	chunk_put(p, n);
	n->next = p->free_node;
	n->owner = NULL;
	p->free_node = i;
	p->st.blocks--;
}

/*
 * Gives up the oldest block that is not the direction's being changed
 * (protect); false when none was found near the old end.
 */
static bool
evict_oldest(struct vg_reasm_pool *p, const uint32_t *protect)
{
	uint32_t i = p->age_head;

	for (int k = 0; i != VG_REASM_NIL && k < MAX_EVICT_WALK; k++) {
		struct rnode *n = &p->nodes[i];

		if (n->owner != protect) {
			p->st.evicted_blocks++;
			if (n->chunk != VG_REASM_NIL)
				p->st.evicted_bytes += n->hi - n->lo;
			node_free(p, i);
			return true;
		}
		i = n->age_next;
	}
	return false;
}

/* ---- allocation --------------------------------------------------------- */

static uint32_t
node_get(struct vg_reasm_pool *p, const uint32_t *protect)
{
	uint32_t i;

	if (p->free_node == VG_REASM_NIL && p->node_high == p->nnodes && !evict_oldest(p, protect))
		return VG_REASM_NIL;
	if (p->free_node != VG_REASM_NIL) {
		i = p->free_node;
		p->free_node = p->nodes[i].next;
	} else {
		i = p->node_high++;
	}
	struct rnode *n = &p->nodes[i];

	/* Owned by the direction at once, so finding a chunk never gives it up. */
	n->owner = (uint32_t *)protect;
	n->chunk = VG_REASM_NIL;
	n->age_next = VG_REASM_NIL;
	n->age_prev = p->age_tail;
	if (p->age_tail != VG_REASM_NIL)
		p->nodes[p->age_tail].age_next = i;
	else
		p->age_head = i;
	p->age_tail = i;
	p->st.blocks++;
	return i;
}

static uint32_t
chunk_get(struct vg_reasm_pool *p, const uint32_t *protect)
{
	uint32_t c;

	while (p->free_chunk == VG_REASM_NIL && p->chunk_high == p->nchunks)
		if (!evict_oldest(p, protect))
			return VG_REASM_NIL;
	if (p->free_chunk != VG_REASM_NIL) {
		c = p->free_chunk;
		memcpy(&p->free_chunk, chunk_mem(p, c), sizeof(uint32_t));
	} else {
		c = p->chunk_high++;
	}
	p->st.chunks++;
	return c;
}

/* ---- the direction's list ----------------------------------------------- */

/* Links node i into head's list before `before` (NIL: at the end, after last). */
static void
link_before(struct vg_reasm_pool *p, uint32_t *head, uint32_t i, uint32_t before, uint32_t last)
{
	struct rnode *n = &p->nodes[i];

	n->owner = head;
	n->next = before;
	n->prev = before != VG_REASM_NIL ? p->nodes[before].prev : last;
	if (n->prev != VG_REASM_NIL)
		p->nodes[n->prev].next = i;
	else
		*head = i;
	if (before != VG_REASM_NIL)
		p->nodes[before].prev = i;
}

/*
 * Stores [lo, hi) before node `before` (the hole is known to be free). Data
 * goes in chunk-sized blocks; a range without data merges with a range-only
 * neighbour that touches it.
 */
static void
store(struct vg_reasm_pool *p, uint32_t *head, uint32_t before, uint32_t last, uint64_t lo,
	uint64_t hi, const uint8_t *data)
{
	uint32_t prev = before != VG_REASM_NIL ? p->nodes[before].prev : last;

	/* (Never frees `before`: the caller still holds it.) */
	if (data == NULL && prev != VG_REASM_NIL && p->nodes[prev].chunk == VG_REASM_NIL &&
		p->nodes[prev].hi == lo) {
		p->nodes[prev].hi = hi;
		return;
	}
	if (data == NULL && before != VG_REASM_NIL && p->nodes[before].chunk == VG_REASM_NIL &&
		p->nodes[before].lo == hi) {
		p->nodes[before].lo = lo;
		return;
	}
	while (lo < hi) {
		uint64_t end = data != NULL ? VG_MIN(hi, lo + VG_REASM_CHUNK) : hi;
		uint32_t i = node_get(p, head);

		if (i == VG_REASM_NIL)
			return; /* counted as an eviction failure: the range is lost */
		/* The neighbours may have been given up meanwhile (never this direction's). */
		struct rnode *n = &p->nodes[i];

		n->lo = lo;
		n->hi = end;
		if (data != NULL) {
			uint32_t c = chunk_get(p, head);

			if (c != VG_REASM_NIL) {
				n->chunk = c;
				memcpy(chunk_mem(p, c), data, end - lo);
				p->st.buffered_bytes += end - lo;
			} else {
				p->st.evicted_bytes += end - lo;
			}
			data += end - lo;
		}
		link_before(p, head, i, before, before == VG_REASM_NIL ? last : VG_REASM_NIL);
		last = i;
		lo = end;
	}
}

/* Puts [lo, hi) above the in-order point into the list, filling holes only. */
static void
insert(struct vg_reasm_pool *p, uint32_t *head, uint64_t lo, uint64_t hi, const uint8_t *data)
{
	uint32_t i = *head, last = VG_REASM_NIL;
	int steps = 0;

	/* Skip the blocks wholly before the segment. */
	while (i != VG_REASM_NIL && p->nodes[i].hi <= lo) {
		if (++steps > MAX_WALK) {
			p->st.long_lists++;
			return;
		}
		last = i;
		i = p->nodes[i].next;
	}
	while (lo < hi) {
		if (i == VG_REASM_NIL || p->nodes[i].lo >= hi) {
			store(p, head, i, last, lo, hi, data);
			return;
		}
		struct rnode *n = &p->nodes[i];

		if (n->lo > lo) {
			uint64_t cut = n->lo;

			store(p, head, i, last, lo, cut, data);
			if (data != NULL)
				data += cut - lo;
			lo = cut;
		}
		/* Overlap with n: what is held wins (DataBlockList::Insert). */
		uint64_t end = VG_MIN(hi, n->hi);

		if (data != NULL && n->chunk != VG_REASM_NIL &&
			memcmp(chunk_mem(p, n->chunk) + (lo - n->lo), data, end - lo) != 0)
			p->st.inconsistent++;
		if (data != NULL)
			data += end - lo;
		lo = end;
		last = i;
		i = n->next;
		if (++steps > MAX_WALK) {
			p->st.long_lists++;
			return;
		}
	}
}

/* Delivers the part of node i from r->next on, then frees it. */
static void
consume(struct vg_reasm_pool *p, struct vg_reasm *r, uint32_t i, const struct vg_reasm_out *out)
{
	struct rnode *n = &p->nodes[i];

	if (n->hi > r->next) {
		uint64_t from = VG_MAX(r->next, n->lo);

		if (out != NULL) {
			if (n->chunk != VG_REASM_NIL)
				out->data(out->ctx, chunk_mem(p, n->chunk) + (from - n->lo),
					(uint32_t)(n->hi - from));
			else
				out->gap(out->ctx, n->hi - from);
		}
		r->next = n->hi;
	}
	node_free(p, i);
}

/* Moves the in-order point over every block that now starts at or below it. */
static void
absorb(struct vg_reasm_pool *p, struct vg_reasm *r, uint32_t *head, const struct vg_reasm_out *out)
{
	while (*head != VG_REASM_NIL && p->nodes[*head].lo <= r->next)
		consume(p, r, *head, out);
}

/*
 * An in-order segment (lo <= next < hi): its bytes go out except where a
 * held block already covers them (held data wins), blocks in between too.
 */
static void
deliver_segment(struct vg_reasm_pool *p, struct vg_reasm *r, uint32_t *head, uint64_t lo,
	uint64_t hi, const uint8_t *data, const struct vg_reasm_out *out)
{
	for (;;) {
		absorb(p, r, head, out);
		if (r->next >= hi)
			return;
		uint64_t end = hi;

		if (*head != VG_REASM_NIL && p->nodes[*head].lo < end)
			end = p->nodes[*head].lo;
		if (end > r->next && out != NULL) {
			if (data != NULL)
				out->data(
					out->ctx, data + (r->next - lo), (uint32_t)(end - r->next));
			else
				out->gap(out->ctx, end - r->next);
		}
		r->next = end;
	}
}

void
vg_reasm_data(struct vg_reasm_pool *p, struct vg_reasm *r, uint32_t *head, uint64_t lo, uint64_t hi,
	const uint8_t *data, const struct vg_reasm_out *out)
{
	if (hi <= r->next || hi <= r->trim)
		return; /* delivered or acknowledged already */
	if (out == NULL)
		data = NULL;
	if (lo <= r->next) {
		deliver_segment(p, r, head, lo, hi, data, out);
		return;
	}
	/* Above a hole: kept until the hole is filled or acknowledged. */
	if (data != NULL && lo - r->next >= p->depth) {
		p->st.depth_bytes += hi - lo;
		data = NULL;
	} else if (data != NULL && hi - r->next > p->depth) {
		uint64_t keep = r->next + p->depth;

		p->st.depth_bytes += hi - keep;
		insert(p, head, lo, keep, data);
		insert(p, head, keep, hi, NULL);
		return;
	}
	insert(p, head, lo, hi, data);
}

uint64_t
vg_reasm_ack(struct vg_reasm_pool *p, struct vg_reasm *r, uint32_t *head, uint64_t up_to,
	const struct vg_reasm_out *out)
{
	uint64_t missed = 0;

	if (up_to <= r->trim)
		return 0;
	r->trim = up_to;
	while (r->next < up_to) {
		uint32_t i = *head;
		uint64_t to = i != VG_REASM_NIL && p->nodes[i].lo < up_to ? p->nodes[i].lo : up_to;

		if (to > r->next) {
			missed += to - r->next;
			if (out != NULL)
				out->gap(out->ctx, to - r->next);
			r->next = to;
		}
		if (i != VG_REASM_NIL && p->nodes[i].lo < up_to)
			consume(p, r, i, out);
	}
	absorb(p, r, head, out);
	return missed;
}

void
vg_reasm_clear(struct vg_reasm_pool *p, uint32_t *head)
{
	while (*head != VG_REASM_NIL)
		node_free(p, *head);
}

void
vg_reasm_rehome(struct vg_reasm_pool *p, uint32_t *head)
{
	for (uint32_t i = *head; i != VG_REASM_NIL; i = p->nodes[i].next)
		p->nodes[i].owner = head;
}

uint32_t
vg_reasm_count(const struct vg_reasm_pool *p, uint32_t head)
{
	uint32_t n = 0;

	for (uint32_t i = head; i != VG_REASM_NIL; i = p->nodes[i].next)
		n++;
	return n;
}
