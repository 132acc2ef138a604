/* SPDX-License-Identifier: BSD-3-Clause */
/* The two ways vigil runs: over a capture file, or live on DPDK ports. */
#ifndef VG_RUN_H
#define VG_RUN_H

#include <stdint.h>

#include "vg_logring.h"
#include "vg_options.h"
#include "vg_worker.h"

/* Offline: reads o->read_file; returns the exit status. */
int vg_run_offline(const struct vg_options *o);
/* -s: loads and compiles the signature files into o->sig_db (nothing without
 * -s); 0, or 1 after the problems were printed one per line. */
int vg_sig_setup(struct vg_options *o);
/* The signature counters (struct vg_sig_stats) on one --stats line. */
void vg_print_sig_counters(const uint64_t *vals);

/* --shadow-listen: the Istio mirror target until a stop signal; the exit status. */
int vg_run_shadow(const struct vg_options *o);
/* -T with --shadow-listen: the address and the options are checked, nothing is opened. */
int vg_check_shadow(const struct vg_options *o);

/* Live: EAL's arguments, then vigil's after --; returns the exit status. */
int vg_run_live(int argc, char **argv);
/* Live on a kernel interface (-i): vigil writes EAL's arguments itself. */
int vg_run_iface(const struct vg_options *o, const char *prog);

/* The log segment: named for vigil-logd (name set), else anonymous. NULL
 * after printing the reason. */
struct vg_logshm *vg_log_segment(
	const char *name, uint32_t nrings, uint64_t ring_size, uint32_t features, bool json);
/* The producer is done: a named segment is kept for vigil-logd when keep. */
void vg_log_segment_done(struct vg_logshm *shm, bool keep);
/*
 * --stats: every analyzer and files counter (vg_an_counter_name), as
 * "vigil: analyzer-counters NAME VALUE ..." on stderr.
 */
void vg_print_an_counters(const uint64_t *vals);

/* Shared by both: the worker configuration the options describe. */
uint32_t vg_options_features(const struct vg_options *o);
void vg_options_worker_cfg(const struct vg_options *o, const struct vg_port_set *ports,
	uint32_t features, struct vg_worker_cfg *wc);

/* Live: asks the main loop to reload the -s signature files (as SIGHUP). */
void vg_live_ask_sig_reload(void);

/* Live, the console's `reload pods`: reads the --k8s files again now. */
int vg_live_reload_pods(char *msg, size_t len);

#endif /* VG_RUN_H */
