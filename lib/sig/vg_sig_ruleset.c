/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A rule set's memory, the checks that span files (Zeek's
 * RuleMatcher::InsertRuleIntoTree: a requires-* naming an unknown id fails
 * the load), and loading files for the command line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vg_sig_build.h"
#include "vg_sig_lex.h"
#include "vg_sig_load.h"

bool
vg_sig_push(void *arr, uint32_t *n, size_t size, const void *elem)
{
	char **a = arr;
	uint32_t k = *n;

	if (k == UINT32_MAX)
		return false;
	if (k == 0 || (k >= 4 && (k & (k - 1)) == 0)) {
		size_t cap = k == 0 ? 4 : (size_t)k * 2;
		char *b = realloc(*a, cap * size);

		if (b == NULL)
			return false;
		*a = b;
	}
	memcpy(*a + (size_t)k * size, elem, size);
	*n = k + 1;
	return true;
}

char *
vg_sig_strndup(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d == NULL)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

static void
free_strings(char **v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
vg_sig_rule_free(struct vg_sig_rule *r)
{
	free(r->id);
	free(r->file);
	for (uint32_t i = 0; i < r->nhdrs; i++) {
		free(r->hdrs[i].vals);
		free(r->hdrs[i].prefixes);
	}
	free(r->hdrs);
	for (uint32_t i = 0; i < r->npats; i++)
		free(r->pats[i].regex);
	free(r->pats);
	for (uint32_t i = 0; i < r->nreqs; i++)
		free(r->reqs[i].id);
	free(r->reqs);
	free(r->event_msg);
	free_strings(r->enable, r->nenable);
	free_strings(r->disable, r->ndisable);
	memset(r, 0, sizeof(*r));
}

void
vg_sig_ruleset_free(struct vg_sig_ruleset *rs)
{
	for (uint32_t i = 0; i < rs->n; i++)
		vg_sig_rule_free(&rs->rules[i]);
	free(rs->rules);
	free_strings(rs->dropped, rs->ndropped);
	memset(rs, 0, sizeof(*rs));
}

bool
vg_sig_ruleset_note_dropped(struct vg_sig_ruleset *rs, const char *id)
{
	char *d = vg_sig_strndup(id, strlen(id));

	if (d == NULL)
		return false;
	if (!vg_sig_push(&rs->dropped, &rs->ndropped, sizeof(d), &d)) {
		free(d);
		return false;
	}
	return true;
}

/* FNV-1a */
static uint32_t
id_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static bool
idset_grow(struct vg_sig_idset *s)
{
	uint32_t cap = s->cap ? s->cap * 2 : 64;
	const char **slot = calloc(cap, sizeof(*slot));

	if (slot == NULL || cap < s->cap)
		return free(slot), false;
	for (uint32_t i = 0; i < s->cap; i++) {
		if (s->slot[i] == NULL)
			continue;
		uint32_t j = id_hash(s->slot[i]) & (cap - 1);

		while (slot[j] != NULL)
			j = (j + 1) & (cap - 1);
		slot[j] = s->slot[i];
	}
	free(s->slot);
	s->slot = slot;
	s->cap = cap;
	return true;
}

bool
vg_sig_idset_has(const struct vg_sig_idset *s, const char *id)
{
	if (s->cap == 0)
		return false;
	for (uint32_t j = id_hash(id) & (s->cap - 1); s->slot[j] != NULL;
		j = (j + 1) & (s->cap - 1))
		if (strcmp(s->slot[j], id) == 0)
			return true;
	return false;
}

bool
vg_sig_idset_add(struct vg_sig_idset *s, const char *id)
{
	if ((s->n + 1) * 2 > s->cap && !idset_grow(s))
		return false;
	uint32_t j = id_hash(id) & (s->cap - 1);

	while (s->slot[j] != NULL) {
		if (strcmp(s->slot[j], id) == 0)
			return true;
		j = (j + 1) & (s->cap - 1);
	}
	s->slot[j] = id;
	s->n++;
	return true;
}

void
vg_sig_idset_free(struct vg_sig_idset *s)
{
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

/* Removes rule i (freed; its id noted as dropped). */
static bool
drop_rule(struct vg_sig_ruleset *rs, uint32_t i)
{
	bool ok = vg_sig_ruleset_note_dropped(rs, rs->rules[i].id);

	vg_sig_rule_free(&rs->rules[i]);
	memmove(&rs->rules[i], &rs->rules[i + 1], (rs->n - i - 1) * sizeof(rs->rules[0]));
	rs->n--;
	return ok;
}

/*
 * One requirement of an active rule: 0 fine, 1 names a dropped rule (drop
 * this one too), 2 names no rule at all (fatal, as in Zeek).
 */
static int
check_require(const struct vg_sig_idset *live, const struct vg_sig_idset *dropped, const char *id)
{
	if (vg_sig_idset_has(live, id))
		return 0;
	return vg_sig_idset_has(dropped, id) ? 1 : 2;
}

/* One pass: drops rules whose requirements were dropped; -1 no memory. */
static int
check_pass(struct vg_sig_ruleset *rs, vg_sig_diag_fn diag, void *arg, int *fatal, bool report)
{
	struct vg_sig_idset live = {0}, dropped = {0};
	int changed = 0;

	for (uint32_t i = 0; i < rs->n; i++)
		if (!vg_sig_idset_add(&live, rs->rules[i].id))
			changed = -1;
	for (uint32_t i = 0; i < rs->ndropped; i++)
		if (!vg_sig_idset_add(&dropped, rs->dropped[i]))
			changed = -1;
	for (uint32_t i = 0; i < rs->n && changed >= 0; i++) {
		struct vg_sig_rule *r = &rs->rules[i];

		for (uint32_t k = 0; r->active && k < r->nreqs; k++) {
			int v = check_require(&live, &dropped, r->reqs[k].id);

			if (v == 2 && report) {
				(*fatal)++;
				vg_sig_report(diag, arg, r->file, r->line, true,
					"signature %s: unknown rule referenced (%s)", r->id,
					r->reqs[k].id);
			}
			if (v == 1) {
				vg_sig_report(diag, arg, r->file, r->line, false,
					"signature %s requires signature %s, which was dropped; "
					"signature %s dropped",
					r->id, r->reqs[k].id, r->id);
				changed = drop_rule(rs, i) ? 1 : -1;
				break;
			}
		}
		if (changed)
			break;
	}
	vg_sig_idset_free(&live);
	vg_sig_idset_free(&dropped);
	return changed;
}

int
vg_sig_ruleset_check(struct vg_sig_ruleset *rs, vg_sig_diag_fn diag, void *arg)
{
	int fatal = 0, rc;

	/* Drop what depends on dropped rules (each pass drops one), then report. */
	while ((rc = check_pass(rs, diag, arg, &fatal, false)) > 0)
		;
	if (rc < 0) {
		errno = ENOMEM;
		return -1;
	}
	if (check_pass(rs, diag, arg, &fatal, true) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return fatal;
}

void
vg_sig_diag_print(void *report, const char *file, uint32_t line, bool fatal, const char *reason)
{
	struct vg_sig_load_report *r = report;
	bool warn = !fatal && strncmp(reason, "warning: ", 9) == 0;

	if (fatal)
		r->fatal++;
	else if (warn)
		r->warnings++;
	else
		r->dropped++;
	fprintf(r->out, "%s in signature (%s:%u): %s\n", fatal ? "Error" : "Warning", file, line,
		warn ? reason + 9 : reason);
}

int
vg_sig_load_files(
	struct vg_sig_ruleset *rs, char *const *paths, int n, struct vg_sig_load_report *report)
{
	int fatal = 0;

	for (int i = 0; i < n; i++) {
		int rc = vg_sig_parse_file(rs, paths[i], vg_sig_diag_print, report);

		if (rc < 0)
			return -1;
		fatal += rc;
	}
	int rc = vg_sig_ruleset_check(rs, vg_sig_diag_print, report);

	return rc < 0 ? -1 : fatal + rc;
}
