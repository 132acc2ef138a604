/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The state of two parts of a live sensor that the console (`show sig`,
 * `show logd`) and DPDK telemetry (/vigil/sig, /vigil/logd) show alike:
 * the running signature set and its reloads, and the log rings handed to
 * vigil-logd. The main lcore publishes what it knows with relaxed stores;
 * the workers' counters are read relaxed as the other figures are.
 */
#ifndef VG_LIVE_STATUS_H
#define VG_LIVE_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_live.h"
#include "vg_logring.h"
#include "vg_sig.h"

/* What a reload is doing now (vg_live_sig_status.state). */
enum vg_live_sig_state {
	VG_LIVE_SIG_IDLE,
	VG_LIVE_SIG_LOADING,   /* reading and compiling the files */
	VG_LIVE_SIG_SWITCHING, /* handing the workers the new set */
};

/* Published by the main lcore (app/vigil/vg_sig_reload.c). */
struct vg_live_sig_status {
	const char *const *files; /* the -s files, as given */
	uint32_t nfiles;
	uint32_t rules;      /* rules in the running set */
	uint32_t refused;    /* signatures of the files left out of it (warnings) */
	uint32_t state;      /* enum vg_live_sig_state */
	uint64_t generation; /* 0: the set of the start; +1 per reload every worker runs */
	uint64_t asked;      /* reloads asked (SIGHUP, reload sig) and started */
	uint64_t failed;     /* of those, files that did not load: the set stayed */
	uint64_t load_us;    /* the last load's reading and compiling time */
};

struct vg_live_sig_figures {
	struct vg_live_sig_status st; /* a copy */
	uint64_t draining; /* earlier sets still matching their connections, all workers */
	uint64_t c[VG_SIG_NCOUNTERS]; /* the workers' counters summed (vg_sig_counter_names) */
};

/* false when the sensor runs without signatures. */
bool vg_live_sig_figures(const struct vg_live *live, struct vg_live_sig_figures *f);

/*
 * vigil-logd's side of the rings. The main lcore notes, every loop, when it
 * last found each ring empty (vg_live_logd_tick); a ring's lag is the time
 * since then, 0 while it was empty within VG_LIVE_LOGD_KEEPUP_MS (vigil-logd's
 * own vigil_logd_lag_seconds means the same).
 */
#define VG_LIVE_LOGD_KEEPUP_MS 50

struct vg_live_logd {
	const struct vg_logshm *shm; /* NULL: no --logd */
	uint64_t empty_tsc[VG_LIVE_MAX_WORKERS + 1];
};

struct vg_live_logd_ring {
	uint64_t used, size, records, drops;
	uint64_t lag_us; /* 0 while the reader keeps up */
};

struct vg_live_logd_figures {
	const char *name;    /* the segment, as /dev/shm/NAME */
	bool reader;         /* a vigil-logd holds the segment */
	uint64_t generation; /* producer generation: +1 each time a sensor took it over */
	uint32_t nrings;
	uint64_t lag_us; /* the largest ring lag */
	struct vg_live_logd_ring ring[VG_LIVE_MAX_WORKERS + 1];
};

/* Main lcore, every loop while the workers run. */
void vg_live_logd_tick(struct vg_live_logd *ld, uint64_t tsc);
/* false without --logd. */
bool vg_live_logd_figures(
	const struct vg_live *live, const struct vg_live_logd *ld, struct vg_live_logd_figures *f);

#endif /* VG_LIVE_STATUS_H */
