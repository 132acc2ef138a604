/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A counter (the TSC, a NIC's clock) mapped to network time, ns since the
 * epoch: pinned to the wall clock at (base_ticks, base_ns) and running at
 * `mult` ns per tick (fixed point, VG_CLOCK_SHIFT bits). Ticks before the pin
 * map to times before it: a packet stamped just before the pin (a NIC starts
 * stamping before it is calibrated) is not centuries off.
 *
 * One writer (the main lcore) re-pins the map now and then, so that a
 * counter whose rate was measured a little wrong, or a wall clock that NTP
 * moved, does not take network time away from the wall clock; readers on
 * other lcores take a consistent copy through a sequence counter (even:
 * stable, odd: being written) and never block the writer. Re-pinning can step
 * a map back by the drift since the last pin, so a reader that must never go
 * backwards keeps its own high-water mark (vg_clock_forward).
 */
#ifndef VG_CLOCK_H
#define VG_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define VG_CLOCK_SHIFT 32

struct vg_clock_pin {
	uint64_t base_ticks;
	uint64_t base_ns;
	uint64_t mult; /* ns per tick << VG_CLOCK_SHIFT */
	uint64_t hz;   /* ticks per second, as measured */
};

struct vg_clock {
	uint32_t seq;
	struct vg_clock_pin pin;
	uint64_t first_hz; /* the writer's: the rate measured at start */
};

/* ns per tick in fixed point for a counter of hz ticks per second. */
static inline uint64_t
vg_clock_mult(uint64_t hz)
{
	return (uint64_t)(((unsigned __int128)1000000000ULL << VG_CLOCK_SHIFT) / hz);
}

/* Network time of `ticks` under a pin; signed around the pin, 0 at the floor. */
static inline uint64_t
vg_clock_pin_ns(const struct vg_clock_pin *p, uint64_t ticks)
{
	if (ticks >= p->base_ticks)
		return p->base_ns +
			(uint64_t)(((unsigned __int128)(ticks - p->base_ticks) * p->mult) >>
				VG_CLOCK_SHIFT);
	uint64_t back = (uint64_t)(((unsigned __int128)(p->base_ticks - ticks) * p->mult) >>
		VG_CLOCK_SHIFT);

	return back < p->base_ns ? p->base_ns - back : 0;
}

/* Reader: a consistent copy of the current pin (retries while it is re-pinned). */
static inline void
vg_clock_load(const struct vg_clock *c, struct vg_clock_pin *p)
{
	uint32_t s0, s1;

	do {
		s0 = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
		p->base_ticks = __atomic_load_n(&c->pin.base_ticks, __ATOMIC_RELAXED);
		p->base_ns = __atomic_load_n(&c->pin.base_ns, __ATOMIC_RELAXED);
		p->mult = __atomic_load_n(&c->pin.mult, __ATOMIC_RELAXED);
		p->hz = __atomic_load_n(&c->pin.hz, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s1 = __atomic_load_n(&c->seq, __ATOMIC_RELAXED);
	} while ((s0 & 1u) != 0 || s0 != s1);
}

/* Reader: network time of `ticks` under the current pin. */
static inline uint64_t
vg_clock_ns(const struct vg_clock *c, uint64_t ticks)
{
	struct vg_clock_pin p;

	vg_clock_load(c, &p);
	return vg_clock_pin_ns(&p, ticks);
}

/*
 * A reader's time that never steps back: t, or the last time handed out when
 * t is older (another port's clock, a re-pin, NIC and TSC stamps mixed).
 */
static inline uint64_t
vg_clock_forward(uint64_t *last, uint64_t t)
{
	if (t < *last)
		return *last;
	*last = t;
	return t;
}

/* Writer: publishes a pin (one writer at a time). */
void vg_clock_store(struct vg_clock *c, const struct vg_clock_pin *p);

/* Writer: the first pin: the counter read `ticks` when the wall clock read wall_ns. */
void vg_clock_start(struct vg_clock *c, uint64_t ticks, uint64_t wall_ns, uint64_t hz);

/*
 * Writer: re-pins at (ticks, wall_ns). The rate is measured again over the
 * interval since the last pin when that lasted at least VG_CLOCK_MIN_SPAN_NS
 * and the new rate is within VG_CLOCK_MAX_PPM of the first one; a wall clock
 * stepped by more (set by hand, a large NTP correction) only moves the pin.
 * Returns true when the rate was measured again.
 */
bool vg_clock_repin(struct vg_clock *c, uint64_t ticks, uint64_t wall_ns);

#define VG_CLOCK_MIN_SPAN_NS 500000000ULL
#define VG_CLOCK_MAX_PPM     1000

/* How often the main lcore re-pins the TSC and the NICs' clocks. */
#define VG_CLOCK_REPIN_S 1

#endif /* VG_CLOCK_H */
