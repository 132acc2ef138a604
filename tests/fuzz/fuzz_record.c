/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: what the log writer (vigil-logd) does with bytes it finds
 * in a shared-memory ring, which another process wrote and may have left
 * corrupt.
 *
 * 1. The input as one record: vg_rec_read_begin/next over every field (set
 *    items through vg_rec_set_item), then vg_logfmt_tsv and vg_logfmt_json.
 *    The record's length word (bytes 0-3) is not read by the reader, so
 *    byte 0 doubles as the column feature mask.
 * 2. The input as the data area of a ring: vg_ring_peek/release walk the
 *    length words (records and pad words) and every record is formatted.
 *
 * Neither may read outside the input, crash or loop: -1 and NULL are the
 * only allowed answers to garbage.
 */
#include <stdlib.h>
#include <string.h>

#include "vg_logfmt.h"
#include "vg_logring.h"
#include "vg_record.h"
#include "vg_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RING_SIZE 4096u

static struct vg_logshm *shm;
static struct vg_buf text;
static volatile uint8_t sink_byte;

static void
touch(const uint8_t *p, uint32_t n)
{
	uint8_t x = 0;

	for (uint32_t i = 0; i < n; i++)
		x ^= p[i];
	sink_byte = x;
}

/* Walks a record field by field; returns 0 when every field read. */
static int
walk(const uint8_t *rec, uint32_t len)
{
	struct vg_rec_reader rd;
	struct vg_rec_value v;

	if (vg_rec_read_begin(&rd, rec, len) != 0)
		return -1;
	while (rd.field < rd.nfields) {
		uint16_t i = rd.field;

		if (vg_rec_read_next(&rd, &v) != 0)
			return -1;
		if (v.unset)
			continue;
		switch (rd.schema->fields[i].type) {
		case VG_FT_STRING:
		case VG_FT_ENUM:
			touch(v.v.str.p, v.v.str.len);
			break;
		case VG_FT_SET_STRING:
		case VG_FT_SET_ENUM:
		case VG_FT_VECTOR_STRING:
		case VG_FT_VECTOR_ADDR:
			for (uint16_t k = 0; k < v.v.set.n; k++) {
				const uint8_t *p;
				uint16_t l;

				if (vg_rec_set_item(&v, rec + len, k, &p, &l) != 0)
					return -1;
				touch(p, l);
			}
			break;
		default:
			break;
		}
	}
	return 0;
}

static void
format(const uint8_t *rec, uint32_t len, uint32_t features)
{
	int ok = walk(rec, len);
	int t, j;

	vg_buf_reset(&text);
	t = vg_logfmt_tsv(&text, features, rec, len);
	vg_buf_reset(&text);
	j = vg_logfmt_json(&text, features, rec, len);
	/* The reader and both formatters agree on what is well-formed. */
	if ((ok == 0) != (t == 0) || (ok == 0) != (j == 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (shm == NULL) {
		shm = vg_logshm_create(NULL, 1, RING_SIZE, 0);
		if (shm == NULL)
			abort();
	}
	if (size > VG_REC_MAX_LEN)
		return 0;

	/* 1: one record, of exactly the input's size. */
	format(data, (uint32_t)size, size > 0 ? data[0] & 0x0e : 0);

	/* 2: a ring whose data area holds the input, read from the start. */
	struct vg_ring *r = &shm->rings[0];
	uint32_t n = size < RING_SIZE ? (uint32_t)size : RING_SIZE;
	const uint8_t *rec;
	uint32_t len;

	memset(r->data, 0, RING_SIZE);
	memcpy(r->data, data, n);
	r->hdr->head = n;
	r->hdr->tail = 0;
	/*
	 * Each step zeroes at least one non-zero length word, so the walk ends
	 * within RING_SIZE steps; more would be a consumer running away.
	 */
	for (uint32_t steps = 0; (rec = vg_ring_peek(r, &len)) != NULL; steps++) {
		if (steps > RING_SIZE)
			abort();
		if (rec < r->data || len > RING_SIZE || rec + len > r->data + RING_SIZE)
			abort();
		format(rec, len, 0x0e);
		vg_ring_release(r, len);
	}
	return 0;
}
