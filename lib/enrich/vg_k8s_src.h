/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where the inventory's objects come from, besides the API client:
 *  - files of the API's JSON (`kubectl get pods,services,... -A -o json`: a
 *    List, a typed list such as PodList, single objects, or watch events),
 *    reloaded whole when one of them changes (size, mtime or inode, looked at
 *    about once a second). Every kind that a List in the files holds is
 *    listed: its objects that no file holds any more are deleted.
 *  - watch streams on a pipe or FIFO (`kubectl get --watch -o json`, with or
 *    without --output-watch-events): concatenated JSON values, each an object
 *    (added or changed) or a {type, object} event.
 * Bad input keeps the last good state: a file that does not parse changes
 * nothing, a stream broken mid-object loses that object, an object missing
 * fields keeps its earlier version. Each is counted and said in one line
 * through the report callback. Runs on the writer's thread (vg_k8s.h).
 */
#ifndef VG_K8S_SRC_H
#define VG_K8S_SRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vg_k8s.h"

struct vg_k8s_src_cfg {
	const char *const *files; /* inventory files, read together */
	unsigned int nfiles;
	const char *const *streams; /* pipes or FIFOs carrying a watch stream */
	unsigned int nstreams;
	/* One line (no newline) about bad input; NULL: stderr. */
	void (*report)(void *ctx, const char *line);
	void *ctx;
};

struct vg_k8s_src_stats {
	uint64_t loads;         /* times the files were read into the inventory */
	uint64_t load_errors;   /* times they could not be (kept the last good state) */
	uint64_t stream_values; /* JSON values read from the streams */
	uint64_t stream_errors; /* stream input that was not JSON or broke mid-value */
	uint64_t bad_objects;   /* objects the inventory refused (files and streams) */
	uint64_t ignored;       /* objects of kinds the inventory does not keep */
};

struct vg_k8s_src;

/*
 * Opens the sources and reads the files once: NULL with a one-line reason in
 * err when a file cannot be read or parsed, or a stream cannot be opened (a
 * user error at start; later the last good state is kept).
 */
struct vg_k8s_src *vg_k8s_src_open(
	struct vg_k8s_inv *inv, const struct vg_k8s_src_cfg *cfg, char *err, size_t errlen);
/*
 * Looks at the sources: files at most once a second (always when force),
 * streams at most every 100 ms. Returns the number of objects applied.
 */
unsigned int vg_k8s_src_poll(struct vg_k8s_src *s, bool force);
/*
 * Reads the files again now, changed or not ("reload pods"): 0, or -1 with
 * the reason in err (also said through report) and the last good state kept.
 */
int vg_k8s_src_reload(struct vg_k8s_src *s, char *err, size_t errlen);
void vg_k8s_src_stats(const struct vg_k8s_src *s, struct vg_k8s_src_stats *out);
void vg_k8s_src_close(struct vg_k8s_src *s);

/*
 * Applies one parsed JSON value of a file or stream (a List, an object, or a
 * watch event) to the inventory; the fuzz target's entry too. where names
 * the source in reports. Returns objects applied.
 */
unsigned int vg_k8s_src_apply_value(struct vg_k8s_src *s, const json_t *v, const char *where);

#endif /* VG_K8S_SRC_H */
