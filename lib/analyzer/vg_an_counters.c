/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every analyzer and files counter under one list of names, for --stats,
 * stats.log and telemetry: the framework's own (struct vg_an_stats), the
 * frameworks' (files), then each analyzer's (struct vg_an_counters), in
 * registry order. Counters kept per thread are found through the address
 * each worker took on its own thread (vg_an_counters_bind).
 */
#include <stddef.h>

#include "vg_an_private.h"

/* struct vg_an_stats, field by field. */
static const char *const an_names[] = {
	"an_attached",
	"an_confirmed",
	"an_violations",
	"an_violations_ignored",
	"an_conns_full",
	"an_states_full",
	"an_stale",
	"an_records",
	"an_weirds_suppressed",
	"an_probed",
	"an_probe_attached",
	"an_probes_full",
	"an_handoffs",
	"an_handoffs_failed",
	"an_redetects",
	"an_conns_used",
	"an_conns_high",
	"an_probes_used",
	"an_probes_high",
	"an_states_used",
	"an_states_high",
};
#define AN_N (uint32_t)(sizeof(an_names) / sizeof(an_names[0]))
/* an_conns_used and the rest are levels */
#define AN_GAUGE_0 (uint32_t)(offsetof(struct vg_an_stats, conns_used) / sizeof(uint64_t))
_Static_assert(sizeof(struct vg_an_stats) == sizeof(an_names) / sizeof(an_names[0]) * 8,
	"a counter of struct vg_an_stats without a name");

/* The counter sets after the framework's own, in order; their number. */
static uint32_t
sets(const struct vg_an_counters **out)
{
	uint32_t n = 0, na;
	const struct vg_analyzer *const *a = vg_analyzers(&na);

	for (const struct vg_an_counters *const *f = vg_framework_counters; *f != NULL; f++)
		out[n++] = *f;
	for (uint32_t i = 0; i < na; i++)
		if (a[i]->counters != NULL)
			out[n++] = a[i]->counters;
	return n;
}

uint32_t
vg_an_counter_count(void)
{
	const struct vg_an_counters *s[VG_AN_COUNTER_SETS];
	uint32_t ns = sets(s), n = AN_N;

	for (uint32_t k = 0; k < ns; k++)
		n += s[k]->n;
	return n;
}

const char *
vg_an_counter_name(uint32_t i)
{
	const struct vg_an_counters *s[VG_AN_COUNTER_SETS];
	uint32_t ns = sets(s);

	if (i < AN_N)
		return an_names[i];
	i -= AN_N;
	for (uint32_t k = 0; k < ns; i -= s[k]->n, k++)
		if (i < s[k]->n)
			return s[k]->names[i];
	return NULL;
}

bool
vg_an_counter_is_gauge(uint32_t i)
{
	return i >= AN_GAUGE_0 && i < AN_N;
}

void
vg_an_counters_bind(struct vg_an_worker *w)
{
	const struct vg_an_counters *s[VG_AN_COUNTER_SETS];
	uint32_t ns = sets(s);

	for (uint32_t k = 0; k < ns; k++)
		w->set_vals[k] = s[k]->values();
	__atomic_store_n(&w->bound, 1, __ATOMIC_RELEASE);
}

void
vg_an_worker_counters_add(const struct vg_an_worker *w, uint64_t *vals)
{
	const uint64_t *st = (const uint64_t *)&w->stats;
	const struct vg_an_counters *s[VG_AN_COUNTER_SETS];
	uint32_t ns = sets(s), i = 0;

	for (; i < AN_N; i++)
		vals[i] += __atomic_load_n(&st[i], __ATOMIC_RELAXED);
	if (!__atomic_load_n(&w->bound, __ATOMIC_ACQUIRE))
		return;
	for (uint32_t k = 0; k < ns; k++)
		for (uint32_t j = 0; j < s[k]->n; j++, i++)
			vals[i] += __atomic_load_n(&w->set_vals[k][j], __ATOMIC_RELAXED);
}
