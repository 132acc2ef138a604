/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the signature parser: the input is a signature file.
 * It is parsed twice into one rule set (the second time every id is a
 * duplicate), checked across files, and every pattern of the loaded rules is
 * translated for Hyperscan into a buffer of the size vg_sig_regex_hs_size
 * promises; the translation must fit and be NUL-terminated. ASan checks
 * that nothing leaks and nothing is read outside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vg_sig_load.h"
#include "vg_sig_rule.h"

static void
diag(void *arg, const char *file, uint32_t line, bool fatal, const char *reason)
{
	size_t *n = arg;

	(void)line, (void)fatal;
	*n += strlen(file) + strlen(reason);
}

static void
translate_all(const struct vg_sig_ruleset *rs)
{
	for (uint32_t i = 0; i < rs->n; i++)
		for (uint32_t k = 0; k < rs->rules[i].npats; k++) {
			const struct vg_sig_pattern *p = &rs->rules[i].pats[k];
			size_t cap = vg_sig_regex_hs_size(p);
			char *out = malloc(cap), why[128];
			unsigned flags;

			if (out == NULL)
				continue;
			if (vg_sig_regex_to_hs(p, out, cap, &flags, why, sizeof(why)) &&
				strnlen(out, cap) >= cap)
				abort();
			free(out);
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_sig_ruleset rs = {0};
	size_t n = 0;

	vg_sig_parse_text(&rs, "fuzz.sig", (const char *)data, size, diag, &n);
	vg_sig_parse_text(&rs, "again.sig", (const char *)data, size, diag, &n);
	vg_sig_ruleset_check(&rs, diag, &n);
	translate_all(&rs);
	vg_sig_ruleset_free(&rs);
	return 0;
}
