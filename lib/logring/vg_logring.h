/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared-memory log rings: one single-producer, single-consumer byte ring per
 * worker, all in one segment that a separate process (vigil-logd) can attach
 * to. Layout, version 2 (all integers little-endian, offsets from the
 * segment's start):
 *
 *   0       struct vg_shm_header      magic "VIGILLOG", version, ring count,
 *                                     ring data size, column features, the
 *                                     hash of the log schema set
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
 *
 * Lifecycle of a named segment: the sensor opens it as producer
 * (vg_logshm_open_producer), which creates it or takes over the segment of a
 * producer that is gone, keeping the rings and both cursors; at the end it
 * sets producer_done (vg_logshm_producer_done) and keeps the segment
 * (vg_logshm_close(shm, true)). vigil-logd attaches (vg_logshm_attach), sees a
 * restarted producer by a new generation, and a finished one by
 * vg_logshm_done(). doc/logring.md and doc/vigil-logd.md tell the whole story.
 */
#ifndef VG_LOGRING_H
#define VG_LOGRING_H

#include <stdbool.h>
#include <stdint.h>

#define VG_SHM_MAGIC   "VIGILLOG"
#define VG_SHM_VERSION 2
#define VG_RING_PAD    0x80000000u
#define VG_SHM_ALIGN   4096u

struct vg_shm_header {
	char magic[8];
	uint32_t version;
	uint32_t nrings;
	uint64_t ring_size; /* data bytes per ring, a power of two */
	uint64_t segment_size;
	uint32_t features; /* enabled optional columns (enum vg_feature bits) */
	uint32_t json;     /* writer's preferred format: 0 TSV, 1 JSON */
	uint64_t producer_pid;
	uint64_t generation;    /* bumped each time a producer (re)attaches */
	uint32_t producer_done; /* set when the producer has flushed and stopped */
	uint32_t flags;         /* VG_SHM_F_* */
	uint64_t schema_hash;   /* vg_schema_set_hash() of the producer (version 2) */
};

/*
 * The producer holds an open-file-description write lock on byte 0 of the
 * object for as long as it is attached, so a later producer can tell a live
 * one from a reused pid. Byte 1 is locked briefly by whoever creates, takes
 * over or removes the segment. The consumer (vigil-logd) holds byte 2, so a
 * second consumer is refused. The kernel drops these locks when their holder
 * dies, however it dies.
 */
#define VG_SHM_F_LIVE_LOCK 1u

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
	char name[64]; /* shm name ("/NAME"), empty for an anonymous segment */
	bool owner;    /* created it (unlinks on destroy) */
	int fd;        /* the object, kept open by a producer (its live lock); -1 */
	uint64_t dev;  /* device and inode of the object, to notice a replacement */
	uint64_t ino;
};

/*
 * Creates a segment with nrings rings of ring_size bytes (rounded up to a
 * power of two). name NULL or "" makes a private anonymous mapping (offline
 * mode with the writer in-process). Returns NULL with errno set on failure.
 */
struct vg_logshm *vg_logshm_create(
	const char *name, uint32_t nrings, uint64_t ring_size, uint32_t features);
/*
 * Opens the named segment as its producer. When /dev/shm/NAME does not exist
 * it is created; when it holds a vigil segment of the same nrings and
 * ring_size whose producer is gone (dead, or producer_done set) it is taken
 * over: producer_pid becomes this process, generation grows by one,
 * producer_done is cleared, features are replaced, and the rings keep their
 * records and cursors (each ring's head is first moved past a record that a
 * killed producer published but did not account). A segment of another layout
 * whose producer is gone is removed and created anew. A live producer, a
 * foreign object or another layout version is an error. name NULL or "" gives
 * an anonymous segment, as vg_logshm_create. On failure returns NULL with errno
 * set and one line for the user in err (without a "program: " prefix).
 */
struct vg_logshm *vg_logshm_open_producer(const char *name, uint32_t nrings, uint64_t ring_size,
	uint32_t features, char *err, size_t errlen);
/* Producer: everything is written; sets producer_done (release order). */
void vg_logshm_producer_done(struct vg_logshm *shm);
/* Attaches to an existing named segment; NULL with errno set on failure. */
struct vg_logshm *vg_logshm_attach(const char *name);
/* Unmaps (and for the creator, unlinks unless keep is true). */
void vg_logshm_close(struct vg_logshm *shm, bool keep);

/*
 * Consumer: claims the segment as its only reader for as long as it stays
 * attached; -1 with errno EBUSY when another consumer holds it.
 */
int vg_logshm_claim_consumer(struct vg_logshm *shm);
/* Consumer: the producer generation, 1 at creation, +1 per take-over. */
uint64_t vg_logshm_generation(const struct vg_logshm *shm);
/* Consumer: the producer set producer_done and every ring is empty. */
bool vg_logshm_done(const struct vg_logshm *shm);
/*
 * True while a producer is attached: it holds the live lock or, for a segment
 * made without one, its pid exists; false once it set producer_done.
 */
bool vg_logshm_producer_alive(const struct vg_logshm *shm);
/* Producer: a consumer (vigil-logd) has claimed the segment and holds it. */
bool vg_logshm_reader_attached(const struct vg_logshm *shm);
/* True when /dev/shm/NAME is gone or is now another object than the one mapped. */
bool vg_logshm_replaced(const struct vg_logshm *shm);
/*
 * Consumer: removes the named object when it is still this mapping and
 * vg_logshm_done() holds, under the lock producers take, so a producer taking
 * it over at the same moment is never left writing to a removed segment.
 * 1 removed, 0 not (in use, replaced or gone), -1 on error (errno).
 */
int vg_logshm_remove_if_done(struct vg_logshm *shm);

/* Producer: copies one finished record in; false when dropped (ring full). */
bool vg_ring_write(struct vg_ring *r, const uint8_t *rec, uint32_t len);

/* Producer: true when a record of len bytes would fit now. */
bool vg_ring_has_room(const struct vg_ring *r, uint32_t len);

/* Consumer: the next record or NULL when empty; release it after use. */
const uint8_t *vg_ring_peek(struct vg_ring *r, uint32_t *len);
void vg_ring_release(struct vg_ring *r, uint32_t len);

/* Bytes waiting to be read. */
uint64_t vg_ring_used(const struct vg_ring *r);

/* Consumer: nothing to read at the cursor (the length word there is 0). */
bool vg_ring_empty(const struct vg_ring *r);
/* Consumer: the word at the cursor is neither 0 nor a valid record or pad. */
bool vg_ring_corrupt(const struct vg_ring *r);

#endif /* VG_LOGRING_H */
