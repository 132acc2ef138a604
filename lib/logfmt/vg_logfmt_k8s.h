/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Kubernetes columns appended to every log that has ts, id.orig_h and
 * id.resp_h: what each address was at the record's ts (lib/enrich). Names
 * and meanings in doc/logs.md.
 */
#ifndef VG_LOGFMT_K8S_H
#define VG_LOGFMT_K8S_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_k8s.h"
#include "vg_logfmt.h"
#include "vg_schema.h"

/* Where a log's ts and id columns are (schema indexes; -1 none), found once. */
struct vg_logfmt_idcols {
	bool found;  /* filled for this schema */
	bool has_id; /* ts, id.orig_h and id.resp_h are all there */
	int8_t ts, orig_h, orig_p, resp_h, resp_p;
	/* http.log with --shadow-listen: the Host and the shadowed flag (-1 none). */
	int8_t host, shadowed;
};

/*
 * Finds them; host and shadowed only when the features write the shadowed
 * column (--shadow-listen), so other runs read no further than the id.
 */
void vg_logfmt_idcols_find(
	const struct vg_schema *s, uint32_t features, struct vg_logfmt_idcols *ic);

/*
 * Looks up both addresses of a record of a log with id at its ts: who[0] the
 * originator, who[1] the responder. -1 (both unset) when the record is
 * malformed or its ts or an address is unset. A shadow copy (shadowed T)
 * whose host names a Service (vg_k8s_lookup_name, a bare name in the
 * originator's namespace) gets that Service as its responder.
 */
int vg_logfmt_k8s_who(const struct vg_k8s_inv *inv, const struct vg_logfmt_idcols *ic,
	const uint8_t *rec, uint32_t len, struct vg_k8s_who who[2]);

#define VG_K8S_SIDE_COLS 9
#define VG_K8S_COLS      (2 * VG_K8S_SIDE_COLS)

/* The appended columns, orig_k8s.* then resp_k8s.*. */
extern const struct vg_field vg_logfmt_k8s_cols[VG_K8S_COLS];

/* Their values for a record (pointers into who). */
void vg_logfmt_k8s_vals(const struct vg_k8s_who who[2], struct vg_logfmt_val vals[VG_K8S_COLS]);

/*
 * Appends the k8s columns to a line vg_logfmt_tsv_drop or vg_logfmt_json_drop
 * wrote. Each side's text is kept by the who's version in cache (a writer's,
 * from vg_logfmt_k8s_cache_new), so an address seen again costs one copy.
 */
struct vg_logfmt_k8s_cache;

struct vg_logfmt_k8s_cache *vg_logfmt_k8s_cache_new(void);
void vg_logfmt_k8s_cache_free(struct vg_logfmt_k8s_cache *c);
void vg_logfmt_k8s_append(struct vg_logfmt_k8s_cache *c, struct vg_buf *line, bool json,
	const struct vg_k8s_who who[2]);

/*
 * Where the inventory's lines about bad input go (vg_k8s_src_cfg.report):
 * stderr as "prog: k8s: line", and reporter.log (Reporter::WARNING, location
 * "k8s") through *w. Lines said before the writer exists wait (up to
 * VG_K8S_REPORT_PENDING) for vg_k8s_report_flush, called once it does.
 */
#define VG_K8S_REPORT_PENDING 16

struct vg_k8s_reporter {
	struct vg_logwriter **w;
	const char *prog;
	char pending[VG_K8S_REPORT_PENDING][320];
	uint64_t pending_ns[VG_K8S_REPORT_PENDING];
	unsigned int npending;
	uint64_t lost; /* lines that found no room to wait: stderr only */
};

void vg_k8s_report(void *reporter, const char *line);
void vg_k8s_report_flush(struct vg_k8s_reporter *r);

#endif /* VG_LOGFMT_K8S_H */
