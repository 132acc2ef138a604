/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A token bucket: vigil-tap's limits on packets and bytes per second, so a
 * sidecar never sends the sensor (or the node's uplink) more than it was
 * allowed. A packet over the limit is not sent and is counted.
 */
#ifndef VG_TAP_RATE_H
#define VG_TAP_RATE_H

#include <stdbool.h>
#include <stdint.h>

struct vg_tap_bucket {
	double rate;   /* tokens per second; 0: no limit */
	double burst;  /* at most this many tokens saved up */
	double tokens; /* tokens now */
	uint64_t last_ns;
};

/* A bucket of rate tokens a second that may save up burst (full at start). */
void vg_tap_bucket_init(struct vg_tap_bucket *b, double rate, double burst, uint64_t now_ns);
/* Takes n tokens if there are that many at now_ns; false (nothing taken) if not. */
bool vg_tap_bucket_take(struct vg_tap_bucket *b, double n, uint64_t now_ns);

#endif /* VG_TAP_RATE_H */
