/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sink queue: entries of [u32 length][u32 unused][bytes, padded to 8]
 * in a ring of a power-of-two size. An entry never wraps: when it does not
 * fit before the end, a skip mark fills the rest and it starts at byte 0.
 */
#include <stdlib.h>
#include <string.h>

#include "vg_sink_int.h"

#define HDR  8u
#define SKIP UINT32_MAX

static uint64_t
entry_size(uint32_t len)
{
	return HDR + (((uint64_t)len + 7) & ~7ULL);
}

int
vg_spsc_init(struct vg_spsc *q, uint64_t bytes, uint32_t max_entries)
{
	uint64_t size = 4096;

	while (size < bytes)
		size <<= 1;
	memset(q, 0, sizeof(*q));
	q->buf = malloc(size);
	if (q->buf == NULL)
		return -1;
	q->size = size;
	q->max_entries = max_entries;
	return 0;
}

void
vg_spsc_fini(struct vg_spsc *q)
{
	free(q->buf);
	q->buf = NULL;
}

uint32_t
vg_spsc_max_len(const struct vg_spsc *q)
{
	/* Half the ring: an entry plus the skip before it always fit an empty ring. */
	return (uint32_t)(q->size / 2 - HDR);
}

uint8_t *
vg_spsc_reserve(struct vg_spsc *q, uint32_t len)
{
	uint64_t need = entry_size(len);
	uint64_t tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
	uint64_t pos = q->head & (q->size - 1), before_end = q->size - pos;
	uint64_t skip = before_end < need ? before_end : 0;

	if (len > vg_spsc_max_len(q) ||
		q->pushed - __atomic_load_n(&q->popped, __ATOMIC_ACQUIRE) >= q->max_entries ||
		q->size - (q->head - tail) < need + skip)
		return NULL;
	if (skip != 0) {
		uint32_t mark = SKIP;

		/* Published with the entry's commit: the consumer sees both or neither. */
		memcpy(q->buf + pos, &mark, sizeof(mark));
		pos = 0;
	}
	q->skip = skip;
	memcpy(q->buf + pos, &len, sizeof(len));
	return q->buf + pos + HDR;
}

void
vg_spsc_commit(struct vg_spsc *q, uint32_t len)
{
	__atomic_store_n(&q->pushed, q->pushed + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&q->head, q->head + q->skip + entry_size(len), __ATOMIC_RELEASE);
	/* Orders head before the sender's idle flag is read (vg_sink_stream.c). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

const uint8_t *
vg_spsc_peek(struct vg_spsc *q, uint32_t *len)
{
	for (;;) {
		uint64_t head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
		uint64_t pos = q->tail & (q->size - 1);
		uint32_t l;

		if (q->tail == head)
			return NULL;
		memcpy(&l, q->buf + pos, sizeof(l));
		if (l == SKIP) {
			__atomic_store_n(&q->tail, q->tail + (q->size - pos), __ATOMIC_RELEASE);
			continue;
		}
		*len = l;
		return q->buf + pos + HDR;
	}
}

void
vg_spsc_release(struct vg_spsc *q, uint32_t len)
{
	__atomic_store_n(&q->popped, q->popped + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&q->tail, q->tail + entry_size(len), __ATOMIC_RELEASE);
}

uint64_t
vg_spsc_count(const struct vg_spsc *q)
{
	return __atomic_load_n(&q->pushed, __ATOMIC_RELAXED) -
		__atomic_load_n(&q->popped, __ATOMIC_RELAXED);
}
