/* SPDX-License-Identifier: BSD-3-Clause */
#include "vg_clock.h"

void
vg_clock_store(struct vg_clock *c, const struct vg_clock_pin *p)
{
	uint32_t s = __atomic_load_n(&c->seq, __ATOMIC_RELAXED);

	__atomic_store_n(&c->seq, s + 1u, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&c->pin.base_ticks, p->base_ticks, __ATOMIC_RELAXED);
	__atomic_store_n(&c->pin.base_ns, p->base_ns, __ATOMIC_RELAXED);
	__atomic_store_n(&c->pin.mult, p->mult, __ATOMIC_RELAXED);
	__atomic_store_n(&c->pin.hz, p->hz, __ATOMIC_RELAXED);
	__atomic_store_n(&c->seq, s + 2u, __ATOMIC_RELEASE);
}

void
vg_clock_start(struct vg_clock *c, uint64_t ticks, uint64_t wall_ns, uint64_t hz)
{
	struct vg_clock_pin p = {
		.base_ticks = ticks, .base_ns = wall_ns, .mult = vg_clock_mult(hz), .hz = hz};

	c->seq = 0;
	vg_clock_store(c, &p);
	c->first_hz = hz;
}

bool
vg_clock_repin(struct vg_clock *c, uint64_t ticks, uint64_t wall_ns)
{
	struct vg_clock_pin p = c->pin; /* the writer's own copy: no race */
	bool measured = false;

	if (ticks > p.base_ticks && wall_ns > p.base_ns + VG_CLOCK_MIN_SPAN_NS) {
		uint64_t hz = (uint64_t)((unsigned __int128)(ticks - p.base_ticks) * 1000000000ULL /
			(wall_ns - p.base_ns));
		/* Re-measured rates stay near the first: a counter's rate drifts by a
		 * few ppm, a stepped wall clock looks like a wild one. */
		uint64_t tol =
			(uint64_t)((unsigned __int128)c->first_hz * VG_CLOCK_MAX_PPM / 1000000);

		if (hz > 0 && hz >= c->first_hz - tol && hz <= c->first_hz + tol) {
			p.hz = hz;
			p.mult = vg_clock_mult(hz);
			measured = true;
		}
	}
	p.base_ticks = ticks;
	p.base_ns = wall_ns;
	vg_clock_store(c, &p);
	return measured;
}
