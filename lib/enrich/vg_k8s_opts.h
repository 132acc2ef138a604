/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Kubernetes options shared by vigil and vigil-logd (doc/k8s.md):
 *   --k8s FILE          inventory file (repeatable), reloaded on change
 *   --k8s-watch PATH    a pipe or FIFO carrying `kubectl get --watch -o json`
 *   --k8s-labels KEYS   pod label keys for the labels column (comma list)
 *   --k8s-history N     ended address intervals kept (default 65536)
 * and the inventory and sources they make.
 */
#ifndef VG_K8S_OPTS_H
#define VG_K8S_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vg_k8s.h"
#include "vg_k8s_src.h"

#define VG_K8S_SOURCES_MAX 32
#define VG_K8S_LABELS_MAX  VG_K8S_WHO_LABELS

/* getopt_long values of the options (above any program's own). */
enum {
	VG_K8S_OPT_FILE = 0x4b00,
	VG_K8S_OPT_WATCH,
	VG_K8S_OPT_LABELS,
	VG_K8S_OPT_HISTORY,
};

#define VG_K8S_LONG_OPTIONS                                                                        \
	{"k8s", required_argument, NULL, VG_K8S_OPT_FILE},                                         \
		{"k8s-watch", required_argument, NULL, VG_K8S_OPT_WATCH},                          \
		{"k8s-labels", required_argument, NULL, VG_K8S_OPT_LABELS},                        \
	{                                                                                          \
		"k8s-history", required_argument, NULL, VG_K8S_OPT_HISTORY                         \
	}

#define VG_K8S_USAGE                                                                               \
	"      --k8s FILE         Kubernetes inventory: kubectl get pods,services,nodes,\n"        \
	"                         endpointslices,replicasets,jobs -A -o json (repeatable;\n"       \
	"                         reloaded when it changes): adds the k8s columns\n"               \
	"      --k8s-watch PATH   a pipe or FIFO with kubectl get --watch -o json\n"               \
	"      --k8s-labels KEYS  pod label keys for the labels columns (comma list; default\n"    \
	"                         app.kubernetes.io/name,app,k8s-app)\n"                           \
	"      --k8s-history N    ended address intervals kept (default 65536)\n"

struct vg_k8s_opts {
	const char *files[VG_K8S_SOURCES_MAX];
	unsigned int nfiles;
	const char *streams[VG_K8S_SOURCES_MAX];
	unsigned int nstreams;
	const char *labels; /* --k8s-labels as given, NULL: the default keys */
	uint32_t history;   /* 0: the default */
};

/*
 * Takes option c with its argument: 0 when taken, 1 when c is not a k8s
 * option, 2 after a one-line error on stderr ("prog: ...").
 */
int vg_k8s_opt(struct vg_k8s_opts *o, int c, const char *arg, const char *prog);
/* True when a source was given (the k8s columns are then written). */
bool vg_k8s_opts_set(const struct vg_k8s_opts *o);

/* An inventory with its sources. */
struct vg_k8s_run {
	struct vg_k8s_inv *inv;
	struct vg_k8s_src *src;
	char *keys_buf;
	const char *keys[VG_K8S_LABELS_MAX];
};

/*
 * Makes the inventory and reads the sources once; -1 after a one-line error
 * on stderr (a file that cannot be read or parsed, a stream that cannot be
 * opened). report gets the later lines about bad input (NULL: stderr).
 */
int vg_k8s_run_start(struct vg_k8s_run *r, const struct vg_k8s_opts *o,
	void (*report)(void *ctx, const char *line), void *ctx, const char *prog);
void vg_k8s_run_stop(struct vg_k8s_run *r);
/* The --stats line: "PROG: k8s: pods P services S ... stream-errors T". */
void vg_k8s_run_print_stats(const struct vg_k8s_run *r, FILE *f, const char *prog);

#endif /* VG_K8S_OPTS_H */
