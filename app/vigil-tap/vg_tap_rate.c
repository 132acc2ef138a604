/* SPDX-License-Identifier: BSD-3-Clause */
#include "vg_tap_rate.h"

void
vg_tap_bucket_init(struct vg_tap_bucket *b, double rate, double burst, uint64_t now_ns)
{
	b->rate = rate;
	b->burst = burst;
	b->tokens = burst;
	b->last_ns = now_ns;
}

bool
vg_tap_bucket_take(struct vg_tap_bucket *b, double n, uint64_t now_ns)
{
	if (b->rate <= 0)
		return true;
	if (now_ns > b->last_ns) {
		b->tokens += (double)(now_ns - b->last_ns) * 1e-9 * b->rate;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->last_ns = now_ns;
	}
	if (b->tokens < n)
		return false;
	b->tokens -= n;
	return true;
}
