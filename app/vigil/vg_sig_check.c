/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

#include "vg_sig_check.h"
#include "vg_sig_load.h"
#include "vg_sig_rule.h"

/* Compiles one translated pattern alone; false with Hyperscan's message. */
static bool
pattern_compiles(const struct vg_sig_pattern *p, char *why, size_t whycap)
{
	size_t cap = vg_sig_regex_hs_size(p);
	char *expr = malloc(cap);
	unsigned flags;
	hs_database_t *db = NULL;
	hs_compile_error_t *err = NULL;
	bool ok = false;

	if (expr == NULL) {
		snprintf(why, whycap, "out of memory");
		return false;
	}
	if (!vg_sig_regex_to_hs(p, expr, cap, &flags, why, whycap))
		goto out;
	if (hs_compile(expr, flags, HS_MODE_BLOCK, NULL, &db, &err) != HS_SUCCESS) {
		snprintf(why, whycap, "%s", err != NULL ? err->message : "hs_compile failed");
		hs_free_compile_error(err);
		goto out;
	}
	hs_free_database(db);
	ok = true;
out:
	free(expr);
	return ok;
}

/*
 * Hyperscan compiles what the parser accepted: a pattern it refuses is a
 * dropped signature at run time, so it is reported here the same way.
 */
static unsigned
check_patterns(const struct vg_sig_ruleset *rs, struct vg_sig_load_report *rep)
{
	unsigned bad = 0;
	char why[256];

	for (uint32_t i = 0; i < rs->n; i++) {
		const struct vg_sig_rule *r = &rs->rules[i];

		for (uint32_t k = 0; k < r->npats; k++) {
			if (pattern_compiles(&r->pats[k], why, sizeof(why)))
				continue;
			char reason[400];

			snprintf(reason, sizeof(reason),
				"pattern /%.60s/ does not compile for Hyperscan (%s); signature "
				"%s dropped",
				r->pats[k].regex, why, r->id);
			vg_sig_diag_print(rep, r->file, r->line, false, reason);
			bad++;
			break;
		}
	}
	return bad;
}

int
vg_sig_check_run(char *const *files, int n)
{
	struct vg_sig_ruleset rs = {0};
	struct vg_sig_load_report rep = {.out = stderr};

	if (n == 0) {
		fprintf(stderr,
			"vigil: --sig-check needs signature files: vigil --sig-check "
			"FILE...\n");
		return 2;
	}
	int rc = vg_sig_load_files(&rs, files, n, &rep);

	if (rc < 0) {
		fprintf(stderr, "vigil: out of memory loading signatures\n");
		vg_sig_ruleset_free(&rs);
		return 1;
	}
	unsigned bad = rc == 0 ? check_patterns(&rs, &rep) : 0;

	printf("%u signatures loaded from %d files\n", rc == 0 ? rs.n - bad : 0, n);
	vg_sig_ruleset_free(&rs);
	return rc == 0 ? 0 : 1;
}
