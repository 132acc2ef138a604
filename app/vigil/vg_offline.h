/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the runs without DPDK share (vigil.c): -r over a file, and the
 * shadow listener (vg_run_shadow.c). Both put records into one ring that an
 * in-process writer drains (or vigil-logd with --logd).
 */
#ifndef VG_OFFLINE_H
#define VG_OFFLINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "vg_logfmt.h"
#include "vg_logfmt_k8s.h"
#include "vg_logring.h"
#include "vg_options.h"
#include "vg_policy.h"
#include "vg_sink.h"
#include "vg_worker.h"

struct offline {
	struct vg_logwriter *writer;
	struct vg_k8s_src *k8s; /* --k8s: files reloaded and streams read as records go */
	struct vg_sinks *sinks; /* --sink, or NULL */
	struct vg_ring *ring;
	int write_error;
	uint32_t logd_wait;          /* --logd-wait: seconds a full ring waits for vigil-logd */
	bool logd_gone;              /* --logd: vigil-logd did not drain a full ring in time */
	struct vg_policy_ctl policy; /* --export-policy (doc/policy.md) */
	bool have_policy;
};

/* SIGINT/SIGTERM (the signal), SIGHUP (reopen the logs): set by vg_offline_signals. */
extern volatile sig_atomic_t vg_stop_signal;
extern volatile sig_atomic_t vg_reopen_logs;
void vg_offline_signals(void);

/* The record path after the ring; 0, or the exit status after a one-line error. */
int vg_offline_writer_open(const struct vg_options *o, struct offline *off, struct vg_k8s_run *k8s,
	struct vg_k8s_reporter *rep, uint32_t features, const char *dir);
void vg_offline_writer_close(const struct vg_options *o, struct offline *off,
	struct vg_k8s_run *k8s, struct vg_k8s_reporter *rep);
/* Writes what the ring holds (a worker's ring_full callback, too). */
bool vg_offline_drain(void *ctx);
/* -T's end: --k8s is read (and dropped), then "configuration OK"; the exit status. */
int vg_offline_check_done(const struct vg_options *o);
/* --stats: the worker's, the ring's and the writer's counters. */
void vg_offline_print_stats(const struct vg_worker *w, const struct vg_ring *ring,
	const struct vg_logwriter *writer, double secs);

#endif /* VG_OFFLINE_H */
