/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loading signature files the way vigil's command line does: every file,
 * then the checks that span files, each problem printed as one line.
 */
#ifndef VG_SIG_LOAD_H
#define VG_SIG_LOAD_H

#include <stdio.h>

#include "vg_sig_rule.h"

/* Problems seen while loading. */
struct vg_sig_load_report {
	FILE *out;         /* where problems are printed (stderr) */
	unsigned fatal;    /* problems that fail the load */
	unsigned dropped;  /* signatures dropped (loaded without them) */
	unsigned warnings; /* notes that drop nothing */
};

/*
 * A vg_sig_diag_fn that prints one line per problem to report->out:
 *   Error in signature (FILE:LINE): REASON         (fatal, as Zeek words it)
 *   Warning in signature (FILE:LINE): REASON       (the signature is dropped)
 * Reasons starting with "warning: " drop nothing and print as warnings too.
 */
void vg_sig_diag_print(
	void *report, const char *file, uint32_t line, bool fatal, const char *reason);

/*
 * Parses every file into rs and runs vg_sig_ruleset_check. Returns the
 * number of fatal problems (0: rs holds the loaded signatures), -1 when
 * memory ran out.
 */
int vg_sig_load_files(
	struct vg_sig_ruleset *rs, char *const *paths, int n, struct vg_sig_load_report *report);

/*
 * A bound on the size vg_sig_regex_to_hs needs for p's expression (with the
 * terminating NUL), so a caller can size its buffer once.
 */
size_t vg_sig_regex_hs_size(const struct vg_sig_pattern *p);

#endif /* VG_SIG_LOAD_H */
