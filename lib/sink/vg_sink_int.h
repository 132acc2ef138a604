/* SPDX-License-Identifier: BSD-3-Clause */
/* Inside lib/sink: what every sink has, the queue, and the two kinds of sink. */
#ifndef VG_SINK_INT_H
#define VG_SINK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vg_sink.h"

#define RD(x)     __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define ADD(x, n) __atomic_fetch_add(&(x), (n), __ATOMIC_RELAXED)
#define SET(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Counters a sink keeps; each written with atomic adds, read from any thread. */
struct sink_counters {
	uint64_t offered, sent, sent_bytes;
	uint64_t dropped[VG_SINK_DROP_N];
	uint64_t connects, conn_failures;
	uint32_t up;
};

struct sink {
	struct vg_sink_url url;
	struct sink_counters c;
	/* One record: log name, line without its newline, wall clock in microseconds. */
	void (*put)(struct sink *, const char *log, size_t loglen, const char *line, size_t len,
		int64_t now_us);
	uint64_t (*queued)(const struct sink *);
	void (*begin_stop)(struct sink *); /* may be NULL: stop does it all */
	void (*stop)(struct sink *);
	void (*free)(struct sink *);
};

/* Stdout and syslog: a queue drained by a sender thread. NULL + err. */
struct sink *vg_sink_stream_new(const struct vg_sink_url *u, char *err, size_t errlen);
/* Kafka through librdkafka. NULL + err. */
struct sink *vg_sink_kafka_new(const struct vg_sink_url *u, char *err, size_t errlen);

/*
 * A bounded single-producer, single-consumer queue of byte entries (the
 * writer's thread puts, the sender thread takes), limited in bytes and in
 * entries. No lock: head and tail move with release stores.
 */
struct vg_spsc {
	uint8_t *buf;
	uint64_t size;   /* power of two */
	uint64_t head;   /* producer's next byte */
	uint64_t skip;   /* producer: bytes skipped before the entry reserved last */
	uint64_t tail;   /* consumer's next byte */
	uint64_t pushed; /* entries put (producer) */
	uint64_t popped; /* entries taken (consumer) */
	uint32_t max_entries;
};

int vg_spsc_init(struct vg_spsc *q, uint64_t bytes, uint32_t max_entries);
void vg_spsc_fini(struct vg_spsc *q);
/* The largest entry the queue takes. */
uint32_t vg_spsc_max_len(const struct vg_spsc *q);
/* Room for an entry of len bytes, or NULL when the queue is full. */
uint8_t *vg_spsc_reserve(struct vg_spsc *q, uint32_t len);
/* Publishes the entry reserved last (len as reserved). */
void vg_spsc_commit(struct vg_spsc *q, uint32_t len);
/* The oldest entry, or NULL when empty. */
const uint8_t *vg_spsc_peek(struct vg_spsc *q, uint32_t *len);
/* Gives back the entry peek returned. */
void vg_spsc_release(struct vg_spsc *q, uint32_t len);
/* Entries waiting (any thread). */
uint64_t vg_spsc_count(const struct vg_spsc *q);

#endif /* VG_SINK_INT_H */
