/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the shadow listener's request framing
 * (lib/shadow/vg_shadow_req.c). The input is one client's byte stream. Fed
 * whole and fed in pieces whose sizes the first byte picks, it must end the
 * same requests and stop at the same refusal; a call never takes more bytes
 * than it was given, and one that reports nothing took them all.
 */
#include <stdlib.h>
#include <string.h>

#include "vg_shadow_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct outcome {
	unsigned done, cont;
	int end; /* the refusal, or VG_SHREQ_MORE */
};

static struct outcome
run(const uint8_t *p, size_t size, size_t step)
{
	struct vg_shreq q;
	struct outcome o = {0, 0, VG_SHREQ_MORE};
	size_t off = 0;

	vg_shreq_init(&q, 512);
	while (off < size) {
		uint32_t n = (uint32_t)(size - off < step ? size - off : step), used = 0;
		enum vg_shreq_event ev = vg_shreq_feed(&q, p + off, n, &used);

		if (used > n || (ev == VG_SHREQ_MORE && used != n))
			abort();
		off += used;
		if (ev == VG_SHREQ_DONE)
			o.done++;
		else if (ev == VG_SHREQ_CONTINUE)
			o.cont++;
		else if (ev == VG_SHREQ_BAD || ev == VG_SHREQ_TOO_BIG) {
			o.end = ev;
			break;
		}
	}
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = (size_t)(data[0] % 17) + 1;
	struct outcome a = run(data + 1, size - 1, size);
	struct outcome b = run(data + 1, size - 1, step);

	if (a.done != b.done || a.cont != b.cont || a.end != b.end)
		abort();
	return 0;
}
