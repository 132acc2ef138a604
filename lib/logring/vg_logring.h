/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared-memory log rings: one single-producer, single-consumer byte ring per
 * worker, all in one segment that a separate process (vigil-logd) can attach
 * to. Layout, version 1 (all integers little-endian, offsets from the
 * segment's start):
 *
 *   0       struct vg_shm_header      magic "VIGILLOG", version, ring count,
 *                                     ring data size, column features
 *   4096    ring 0: struct vg_ring_hdr (3 cache lines: producer, consumer,
 *           counters) followed by `ring_size` data bytes
 *   ...     ring 1, ring 2, ... each 4096-aligned
 *
 * Records (see vg_record.h) are written at the producer's cursor: payload
 * first, then a zero length word where the next record will start, a write
 * barrier, and the record's own length word last. The consumer reads a length
 * word with acquire order; zero means "nothing yet". A record never wraps:
 * when it does not fit before the end, the producer writes a pad word
 * (VG_RING_PAD | bytes to the end) and continues at offset 0. The consumer's
 * cursor lives in the segment, so a restarted consumer resumes where the last
 * one stopped. When the ring is full the producer drops the record and counts
 * it; it never waits.
 */
#ifndef VG_LOGRING_H
#define VG_LOGRING_H

#include <stdbool.h>
#include <stdint.h>

#define VG_SHM_MAGIC   "VIGILLOG"
#define VG_SHM_VERSION 1
#define VG_RING_PAD    0x80000000u
#define VG_SHM_ALIGN   4096u

struct vg_shm_header {
	char magic[8];
	uint32_t version;
	uint32_t nrings;
	uint64_t ring_size;     /* data bytes per ring, a power of two */
	uint64_t segment_size;
	uint32_t features;      /* enabled optional columns (enum vg_feature bits) */
	uint32_t json;          /* writer's preferred format: 0 TSV, 1 JSON */
	uint64_t producer_pid;
	uint64_t generation;    /* bumped each time a producer (re)attaches */
	uint32_t producer_done; /* set when the producer has flushed and stopped */
	uint32_t pad0;
};

struct vg_ring_hdr {
	/* Written by the producer. */
	uint64_t head;
	uint64_t records;
	uint64_t drops;
	uint64_t drop_bytes;
	uint8_t pad0[64 - 32];
	/* Written by the consumer. */
	uint64_t tail;
	uint8_t pad1[64 - 8];
	uint8_t pad2[64];
};

/* A handle on one ring of a mapped segment. */
struct vg_ring {
	struct vg_ring_hdr *hdr;
	uint8_t *data;
	uint64_t size;
	uint64_t mask;
};

/* A mapped segment. */
struct vg_logshm {
	struct vg_shm_header *hdr;
	uint64_t size;
	uint32_t nrings;
	struct vg_ring *rings;
	char name[64]; /* shm name, empty for an anonymous segment */
	bool owner;    /* created it (unlinks on destroy) */
};

/*
 * Creates a segment with nrings rings of ring_size bytes (rounded up to a
 * power of two). name NULL or "" makes a private anonymous mapping (offline
 * mode with the writer in-process). Returns NULL with errno set on failure.
 */
struct vg_logshm *vg_logshm_create(const char *name, uint32_t nrings, uint64_t ring_size,
	uint32_t features);
/* Attaches to an existing named segment; NULL with errno set on failure. */
struct vg_logshm *vg_logshm_attach(const char *name);
/* Unmaps (and for the creator, unlinks unless keep is true). */
void vg_logshm_close(struct vg_logshm *shm, bool keep);

/* Producer: copies one finished record in; false when dropped (ring full). */
bool vg_ring_write(struct vg_ring *r, const uint8_t *rec, uint32_t len);

/* Producer: true when a record of len bytes would fit now. */
bool vg_ring_has_room(const struct vg_ring *r, uint32_t len);

/* Consumer: the next record or NULL when empty; release it after use. */
const uint8_t *vg_ring_peek(struct vg_ring *r, uint32_t *len);
void vg_ring_release(struct vg_ring *r, uint32_t len);

/* Bytes waiting to be read. */
uint64_t vg_ring_used(const struct vg_ring *r);

#endif /* VG_LOGRING_H */
