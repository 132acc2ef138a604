/* SPDX-License-Identifier: BSD-3-Clause */
/* The k8s options and their inventory (vg_k8s_opts.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_k8s_opts.h"

static int
add_source(const char **list, unsigned int *n, const char *arg, const char *opt, const char *prog)
{
	if (arg[0] == '\0') {
		fprintf(stderr, "%s: %s needs a path\n", prog, opt);
		return 2;
	}
	if (*n == VG_K8S_SOURCES_MAX) {
		fprintf(stderr, "%s: more than %d %s; put the objects in fewer files\n", prog,
			VG_K8S_SOURCES_MAX, opt);
		return 2;
	}
	list[(*n)++] = arg;
	return 0;
}

int
vg_k8s_opt(struct vg_k8s_opts *o, int c, const char *arg, const char *prog)
{
	char *end;
	unsigned long long v;

	switch (c) {
	case VG_K8S_OPT_FILE:
		return add_source(o->files, &o->nfiles, arg, "--k8s", prog);
	case VG_K8S_OPT_WATCH:
		return add_source(o->streams, &o->nstreams, arg, "--k8s-watch", prog);
	case VG_K8S_OPT_LABELS:
		o->labels = arg;
		return 0;
	case VG_K8S_OPT_HISTORY:
		errno = 0;
		v = strtoull(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0' || v == 0 || v > 100000000ULL) {
			fprintf(stderr,
				"%s: --k8s-history needs a number of intervals from 1 to "
				"100000000, "
				"not '%s'\n",
				prog, arg);
			return 2;
		}
		o->history = (uint32_t)v;
		return 0;
	default:
		return 1;
	}
}

bool
vg_k8s_opts_set(const struct vg_k8s_opts *o)
{
	return o->nfiles > 0 || o->nstreams > 0;
}

/* --k8s-labels: the comma list split in place (an empty list keeps none). */
static int
split_keys(struct vg_k8s_run *r, const char *labels, unsigned int *n, const char *prog)
{
	char *save = NULL, *k;

	*n = 0;
	r->keys_buf = strdup(labels);
	if (r->keys_buf == NULL)
		return -1;
	for (k = strtok_r(r->keys_buf, ",", &save); k != NULL; k = strtok_r(NULL, ",", &save)) {
		if (*n == VG_K8S_LABELS_MAX) {
			fprintf(stderr, "%s: --k8s-labels takes at most %d keys\n", prog,
				VG_K8S_LABELS_MAX);
			return -1;
		}
		r->keys[(*n)++] = k;
	}
	return 0;
}

int
vg_k8s_run_start(struct vg_k8s_run *r, const struct vg_k8s_opts *o,
	void (*report)(void *ctx, const char *line), void *ctx, const char *prog)
{
	struct vg_k8s_cfg cfg = {.max_history = o->history};
	struct vg_k8s_src_cfg sc = {.files = o->files,
		.nfiles = o->nfiles,
		.streams = o->streams,
		.nstreams = o->nstreams,
		.report = report,
		.ctx = ctx};
	unsigned int nkeys = 0;
	char err[512];

	memset(r, 0, sizeof(*r));
	if (o->labels != NULL) {
		if (split_keys(r, o->labels, &nkeys, prog) != 0) {
			vg_k8s_run_stop(r);
			return -1;
		}
		cfg.labels = r->keys;
		cfg.nlabels = nkeys;
	}
	r->inv = vg_k8s_inv_create(&cfg);
	if (r->inv == NULL) {
		fprintf(stderr, "%s: out of memory for the Kubernetes inventory\n", prog);
		vg_k8s_run_stop(r);
		return -1;
	}
	r->src = vg_k8s_src_open(r->inv, &sc, err, sizeof(err));
	if (r->src == NULL) {
		fprintf(stderr,
			"%s: k8s: %s; give files of kubectl get ... -o json (--k8s) and an "
			"existing pipe (--k8s-watch)\n",
			prog, err);
		vg_k8s_run_stop(r);
		return -1;
	}
	return 0;
}

void
vg_k8s_run_stop(struct vg_k8s_run *r)
{
	vg_k8s_src_close(r->src);
	vg_k8s_inv_free(r->inv);
	free(r->keys_buf);
	memset(r, 0, sizeof(*r));
}

void
vg_k8s_run_print_stats(const struct vg_k8s_run *r, FILE *f, const char *prog)
{
	struct vg_k8s_stats st;
	struct vg_k8s_src_stats ss;

	if (r->inv == NULL)
		return;
	vg_k8s_inv_stats(r->inv, &st);
	vg_k8s_src_stats(r->src, &ss);
	fprintf(f,
		"%s: k8s: pods %" PRIu64 " services %" PRIu64 " nodes %" PRIu64
		" endpointslices %" PRIu64 " replicasets %" PRIu64 " jobs %" PRIu64
		" holders %" PRIu64 " history-evicted %" PRIu64 " lookups %" PRIu64
		" lookup-hits %" PRIu64 " bad-objects %" PRIu64 " loads %" PRIu64
		" load-errors %" PRIu64 " stream-errors %" PRIu64 "\n",
		prog, st.objects[VG_K8S_POD], st.objects[VG_K8S_SERVICE], st.objects[VG_K8S_NODE],
		st.objects[VG_K8S_ENDPOINTSLICE], st.objects[VG_K8S_REPLICASET],
		st.objects[VG_K8S_JOB], st.holders, st.history_evicted, st.lookups, st.lookup_hits,
		st.bad_objects + ss.bad_objects, ss.loads, ss.load_errors, ss.stream_errors);
}
