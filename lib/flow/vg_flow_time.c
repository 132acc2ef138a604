/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Network time, guarded. Every timer runs on the packets' own times, so one
 * packet stamped years ahead (a bad NIC stamp, a corrupt capture record, a
 * 32-bit seconds field that wrapped) would otherwise carry network time with
 * it: every connection would time out at once and the timers would wait for
 * that time to come round again. A packet further than the window from
 * network time is therefore taken at network time instead, and counted. A
 * capture that really jumps (a gap, files merged) is recognised by
 * VG_TIME_CONFIRM packets in a row that agree with each other; network time
 * then follows them. It never runs backwards, except while the very first
 * packets are still setting it (a bad first stamp must not fix it for good).
 */
#include "vg_flow_private.h"

static inline uint64_t
time_dist(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

uint64_t
vg_flow_clock(const struct vg_flow_table *ft)
{
	return ft->clock_ns;
}

/*
 * A bad first stamp is replaced: the few connections made on it (fewer than
 * 2 * VG_TIME_CONFIRM packets) are logged now, as at the end of input, and
 * the timers start again from the new time.
 */
static void
time_restart(struct vg_flow_table *ft)
{
	vg_flow_flush(ft);
	ft->now_ns = 0;
	ft->next_check_ns = 0;
	ft->idle_cursor = 0;
}

uint64_t
vg_flow_time(struct vg_flow_table *ft, uint64_t ts)
{
	uint64_t w = ft->time_window_ns;

	if (ft->clock_ns == 0 || time_dist(ts, ft->clock_ns) <= w) {
		ft->pending_n = 0;
		if (ts > ft->clock_ns)
			ft->clock_ns = ts;
		if (ft->settled < VG_TIME_CONFIRM)
			ft->settled++;
		return ts;
	}
	/* Outside the window: is it one of a run that agrees on a new time? */
	if (ft->pending_n == 0 || time_dist(ts, ft->pending_ns) > w) {
		ft->pending_ns = ts;
		ft->pending_n = 0;
	}
	if (++ft->pending_n >= VG_TIME_CONFIRM &&
		(ts > ft->clock_ns || ft->settled < VG_TIME_CONFIRM)) {
		if (ts < ft->clock_ns)
			time_restart(ft);
		ft->clock_ns = ts;
		ft->pending_n = 0;
		ft->stats.time_jumps++;
		return ts;
	}
	ft->stats.time_outside++;
	vg_weird_log(ft, ft->clock_ns, NULL, NULL, NULL, VG_WEIRD_TIME_OUT_OF_WINDOW, "vigil");
	return ft->clock_ns;
}
