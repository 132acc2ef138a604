/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers the parser and the rule-set checks share (not part of the API). */
#ifndef VG_SIG_BUILD_H
#define VG_SIG_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vg_sig_rule.h"

/* Appends one element of `size` bytes to *arr (n elements); false: no memory. */
bool vg_sig_push(void *arr, uint32_t *n, size_t size, const void *elem);
/* A NUL-terminated copy of len bytes, or NULL. */
char *vg_sig_strndup(const char *s, size_t len);
void vg_sig_rule_free(struct vg_sig_rule *r);
/* Records an id as dropped (requires-* naming it drop the rule that names it). */
bool vg_sig_ruleset_note_dropped(struct vg_sig_ruleset *rs, const char *id);

/* A set of signature ids (open addressing; the strings are not owned). */
struct vg_sig_idset {
	const char **slot;
	uint32_t cap, n;
};

bool vg_sig_idset_add(struct vg_sig_idset *s, const char *id);
bool vg_sig_idset_has(const struct vg_sig_idset *s, const char *id);
void vg_sig_idset_free(struct vg_sig_idset *s);

/*
 * vg_sig_regex_to_hs with one more outcome: *unsupported is set when the
 * pattern is valid in Zeek's syntax but has no Hyperscan equivalent (the
 * rule is dropped, not the file).
 */
bool vg_sig_regex_translate(const struct vg_sig_pattern *p, char *out, size_t cap, unsigned *flags,
	char *why, size_t whycap, bool *unsupported);

#endif /* VG_SIG_BUILD_H */
