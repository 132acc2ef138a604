/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP stream reassembly (Zeek's Reassembler and TCP_Reassembler): per
 * direction, bytes are put in sequence order, holes are found when the peer
 * acknowledges past them, and for a connection with an analyzer the bytes
 * themselves are delivered in order with explicit gaps.
 *
 * A direction is two sequence numbers in the connection (struct vg_reasm:
 * the in-order point and the acknowledged point) and the head of a list of
 * blocks received above the in-order point. Blocks come from one pool per
 * worker, allocated at start: nodes (a range) and chunks (a range's bytes,
 * VG_REASM_CHUNK at most). A connection without an analyzer keeps ranges
 * only, merged; one with an analyzer keeps the bytes (copied out of the
 * packet, which is freed with its burst) for data at most `depth` bytes above
 * its in-order point. When the pool runs dry the oldest block of the worker
 * is given up (counted); never an allocation per packet.
 *
 * Overlaps as Zeek's DataBlockList::Insert: data already held wins, a new
 * segment only fills holes; bytes already delivered or acknowledged are
 * ignored. A retransmission whose bytes differ from the held ones is counted
 * (Zeek raises the rexmit_inconsistency event, which no default script logs).
 */
#ifndef VG_REASM_H
#define VG_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_REASM_NIL   UINT32_MAX
#define VG_REASM_CHUNK 2048 /* bytes of data per block at most */

/* One direction's sequence state (relative sequence numbers). */
struct vg_reasm {
	uint64_t next; /* the next in-order byte */
	uint64_t trim; /* acknowledged up to here */
};

/* Where in-order bytes and gaps go (a connection with an analyzer). */
struct vg_reasm_out {
	void (*data)(void *ctx, const uint8_t *p, uint32_t len);
	void (*gap)(void *ctx, uint64_t len);
	void *ctx;
};

struct vg_reasm_cfg {
	uint64_t memory; /* bytes of block data per worker (0: 64 MiB) */
	uint32_t depth;  /* bytes kept above a direction's in-order point (0: 1 MiB) */
};

struct vg_reasm_stats {
	uint64_t blocks;         /* blocks in use */
	uint64_t chunks;         /* of them, holding data */
	uint64_t buffered_bytes; /* data bytes held */
	uint64_t evicted_blocks; /* given up because the pool was full */
	uint64_t evicted_bytes;  /* their data bytes */
	uint64_t depth_bytes;    /* data not kept: more than depth above the in-order point */
	uint64_t inconsistent;   /* retransmitted bytes that differ from the held ones */
	uint64_t long_lists;     /* segments not kept: a direction's list too long to walk */
};

struct vg_reasm_pool;

/* NULL with errno set. */
struct vg_reasm_pool *vg_reasm_pool_create(const struct vg_reasm_cfg *cfg);
void vg_reasm_pool_free(struct vg_reasm_pool *p);
const struct vg_reasm_stats *vg_reasm_stats(const struct vg_reasm_pool *p);
/* Bytes the pool was given at start (nodes and chunks). */
size_t vg_reasm_pool_bytes(const struct vg_reasm_pool *p);

/*
 * Segment [lo, hi) of a direction arrived. With out (and data) the bytes are
 * delivered or kept; without, only the range is tracked.
 */
void vg_reasm_data(struct vg_reasm_pool *p, struct vg_reasm *r, uint32_t *head, uint64_t lo,
	uint64_t hi, const uint8_t *data, const struct vg_reasm_out *out);
/*
 * The peer acknowledged up to up_to: holes below it will never be filled.
 * Returns the bytes missed (content gaps); with out they are delivered as
 * gaps, and the blocks after them as data.
 */
uint64_t vg_reasm_ack(struct vg_reasm_pool *p, struct vg_reasm *r, uint32_t *head, uint64_t up_to,
	const struct vg_reasm_out *out);
/* Frees every block of a direction. */
void vg_reasm_clear(struct vg_reasm_pool *p, uint32_t *head);
/* The head moved (the connection's roles were swapped): its blocks follow it. */
void vg_reasm_rehome(struct vg_reasm_pool *p, uint32_t *head);
/* Blocks held by a direction (for tests). */
uint32_t vg_reasm_count(const struct vg_reasm_pool *p, uint32_t head);

#endif /* VG_REASM_H */
