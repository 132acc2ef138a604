/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text exposition (format 0.0.4): a builder that writes metric
 * families (# HELP and # TYPE once each, then their samples) into a growable
 * buffer, escapes label values and help text, and refuses what Prometheus
 * would refuse or what breaks its naming conventions: a name outside
 * [a-zA-Z_:][a-zA-Z0-9_:]*, a label name outside [a-zA-Z_][a-zA-Z0-9_]* or
 * starting with "__", a counter whose name does not end in "_total" (or a
 * gauge whose name does), a family given twice, a sample outside a family.
 * A refused family or sample writes nothing and counts in `refused`, so one
 * wrong series never spoils a scrape. Knows nothing of vigil's counters.
 */
#ifndef VG_PROM_H
#define VG_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vg_prom_type {
	VG_PROM_COUNTER,
	VG_PROM_GAUGE,
};

struct vg_prom_label {
	const char *name;
	const char *value;
};

#define VG_PROM_MAX_FAMILIES 1024

struct vg_prom {
	char *p; /* the text so far (NUL-terminated when len > 0) */
	size_t len, cap;
	bool oom;         /* an allocation failed: the text is cut short */
	uint32_t refused; /* families and samples refused (see above) */
	char family[128]; /* the family samples go to now; "" when none */
	uint32_t nfamilies;
	uint64_t seen[VG_PROM_MAX_FAMILIES]; /* hashes of the families written */
};

void vg_prom_init(struct vg_prom *p);
void vg_prom_free(struct vg_prom *p);

/* Hands the text over (the caller frees it with free()); the builder is empty after. */
char *vg_prom_take(struct vg_prom *p, size_t *len);

/* True for a valid metric name / label name. */
bool vg_prom_name_ok(const char *name);
bool vg_prom_label_name_ok(const char *name);

/*
 * Starts a family: its # HELP and # TYPE lines. 0, or -1 when refused (its
 * samples are then refused too).
 */
int vg_prom_family(struct vg_prom *p, const char *name, enum vg_prom_type type, const char *help);

/* One sample of the current family with n labels. */
void vg_prom_u64(struct vg_prom *p, const struct vg_prom_label *l, unsigned n, uint64_t v);
void vg_prom_double(struct vg_prom *p, const struct vg_prom_label *l, unsigned n, double v);

#endif /* VG_PROM_H */
