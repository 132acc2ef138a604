/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the TCP reassembler (lib/tcp) under any order of
 * segments, acknowledgements and losses, with a pool small enough that it
 * runs dry. The input is a list of commands; the first byte of each chooses
 * the direction and what happens:
 *
 *   bit 0      direction (two streams, each 64 KiB of known bytes)
 *   bits 1-2   0, 1: a segment [off, off + len) of the stream;
 *              2: an acknowledgement up to off; 3: a segment with other
 *              bytes than the stream's (an inconsistent retransmission)
 *   bit 3      without analyzer (ranges only) for this command
 *   then off (2 bytes) and len (1 byte, times 8 when bit 4 is set)
 *
 * What must hold: no crash or out-of-bounds access, and what a direction
 * delivers is its stream: each data byte equals the stream's byte at that
 * position (until a differing segment was sent for it), gaps are '#' per
 * byte, and positions only grow. The pool never holds more than it was given.
 */
#include <stdlib.h>
#include <string.h>

#include "vg_reasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STREAM 65536u

static uint8_t stream[2][STREAM];
static uint8_t other[STREAM];

struct dir {
	struct vg_reasm r;
	uint32_t head;
	uint64_t pos; /* stream offset of the next delivered byte (relative seq - 1) */
	bool dirty;   /* a differing segment was sent: bytes may be either */
	int d;
	struct vg_reasm_out out;
};

static void
d_data(void *ctx, const uint8_t *p, uint32_t len)
{
	struct dir *x = ctx;

	if (!x->dirty && x->pos + len <= STREAM && memcmp(p, stream[x->d] + x->pos, len) != 0)
		abort();
	x->pos += len;
}

static void
d_gap(void *ctx, uint64_t len)
{
	struct dir *x = ctx;

	x->pos += len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vg_reasm_pool *p;
	struct dir dirs[2];

	if (p == NULL) {
		struct vg_reasm_cfg cfg = {.memory = 16 * VG_REASM_CHUNK, .depth = 20000};

		for (uint32_t i = 0; i < STREAM; i++) {
			stream[0][i] = (uint8_t)(i * 7 + (i >> 8));
			stream[1][i] = (uint8_t)(i * 13 + 5 + (i >> 9));
			other[i] = (uint8_t)~stream[0][i];
		}
		p = vg_reasm_pool_create(&cfg);
		if (p == NULL)
			abort();
	}
	for (int k = 0; k < 2; k++) {
		memset(&dirs[k], 0, sizeof(dirs[k]));
		dirs[k].r.next = dirs[k].r.trim = 1;
		dirs[k].head = VG_REASM_NIL;
		dirs[k].d = k;
		dirs[k].out.data = d_data;
		dirs[k].out.gap = d_gap;
		dirs[k].out.ctx = &dirs[k];
	}
	for (size_t i = 0; i + 4 <= size; i += 4) {
		uint8_t op = data[i];
		struct dir *x = &dirs[op & 1];
		uint64_t off = (uint64_t)data[i + 1] | (uint64_t)data[i + 2] << 8;
		uint64_t len = data[i + 3] * ((op & 0x10) ? 8u : 1u);
		const struct vg_reasm_out *out = (op & 8) ? NULL : &x->out;
		uint64_t before = x->r.next;

		if (off + len > STREAM)
			len = STREAM - off;
		switch ((op >> 1) & 3) {
		case 0:
		case 1:
			if (len > 0)
				vg_reasm_data(p, &x->r, &x->head, off + 1, off + 1 + len,
					stream[x->d] + off, out);
			break;
		case 2:
			vg_reasm_ack(p, &x->r, &x->head, off + 1, out);
			break;
		default:
			if (len > 0) {
				x->dirty = true;
				vg_reasm_data(p, &x->r, &x->head, off + 1, off + 1 + len,
					other + off, out);
			}
			break;
		}
		if (x->r.next < before)
			abort();
		/* Without an analyzer the position moves without delivery. */
		if (out == NULL)
			x->pos = x->r.next - 1;
		if (x->pos != x->r.next - 1)
			abort();
	}
	const struct vg_reasm_stats *st = vg_reasm_stats(p);

	if (st->chunks > 16 || st->buffered_bytes > 16 * VG_REASM_CHUNK)
		abort();
	vg_reasm_clear(p, &dirs[0].head);
	vg_reasm_clear(p, &dirs[1].head);
	if (st->blocks != 0 || st->chunks != 0 || st->buffered_bytes != 0)
		abort();
	return 0;
}
