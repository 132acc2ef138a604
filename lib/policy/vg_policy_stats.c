/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * export_stats.log: what each log offered and exported over an interval,
 * one row per log that saw records, so the operator sees what the SIEM is
 * paying for. A log of its own rather than stats.log columns: the figures
 * are per log (a row each, however many logs there are), and stats.log's
 * record has room for 64 columns, nearly all taken.
 */
#include <string.h>

#include "vg_policy_private.h"
#include "vg_record.h"

static const struct vg_field export_stats_fields[] = {
	{"ts", VG_FT_TIME, VG_FEAT_BASE},
	{"ts_delta", VG_FT_INTERVAL, VG_FEAT_BASE},
	{"log", VG_FT_STRING, VG_FEAT_BASE},
	{"enabled", VG_FT_BOOL, VG_FEAT_BASE},
	{"sample", VG_FT_DOUBLE, VG_FEAT_BASE},
	{"offered", VG_FT_COUNT, VG_FEAT_BASE},
	{"offered_bytes", VG_FT_COUNT, VG_FEAT_BASE},
	{"exported", VG_FT_COUNT, VG_FEAT_BASE},
	{"exported_bytes", VG_FT_COUNT, VG_FEAT_BASE},
	{"dropped_off", VG_FT_COUNT, VG_FEAT_BASE},
	{"dropped_filter", VG_FT_COUNT, VG_FEAT_BASE},
	{"dropped_sample", VG_FT_COUNT, VG_FEAT_BASE},
};

struct vg_schema vg_export_stats_schema = {0, "export_stats",
	sizeof(export_stats_fields) / sizeof(export_stats_fields[0]), export_stats_fields};

static uint32_t
stats_record(uint8_t *buf, uint32_t cap, uint64_t ts_ns, uint64_t delta_ns, uint16_t id,
	const struct pol_log *l, const struct vg_policy_counts *d)
{
	struct vg_rec r;

	vg_rec_begin(&r, buf, cap, vg_schema_get(vg_export_stats_schema.id));
	vg_rec_time(&r, ts_ns);
	vg_rec_interval(&r, (int64_t)delta_ns);
	vg_rec_cstr(&r, vg_schema_get(id)->path);
	vg_rec_bool(&r, l->enabled);
	vg_rec_double(&r, l->sample);
	vg_rec_count(&r, d->offered);
	vg_rec_count(&r, d->offered_bytes);
	vg_rec_count(&r, d->exported);
	vg_rec_count(&r, d->exported_bytes);
	vg_rec_count(&r, d->dropped[VG_POLICY_DROP_OFF]);
	vg_rec_count(&r, d->dropped[VG_POLICY_DROP_FILTER]);
	vg_rec_count(&r, d->dropped[VG_POLICY_DROP_SAMPLE]);
	return vg_rec_end(&r);
}

static void
sub(struct vg_policy_counts *d, const struct vg_policy_counts *a, const struct vg_policy_counts *b)
{
	d->offered = a->offered - b->offered;
	d->offered_bytes = a->offered_bytes - b->offered_bytes;
	d->exported = a->exported - b->exported;
	d->exported_bytes = a->exported_bytes - b->exported_bytes;
	for (int v = 0; v < VG_POLICY_NVERDICTS; v++)
		d->dropped[v] = a->dropped[v] - b->dropped[v];
}

void
vg_policy_ctl_stats_rows(struct vg_policy_ctl *c, uint64_t ts_ns, uint64_t mono_ns,
	void (*emit)(void *arg, const uint8_t *rec, uint32_t len), void *arg)
{
	struct vg_policy_counts now[VG_LOG_MAX], d;
	uint64_t delta = c->stats_prev_ns ? mono_ns - c->stats_prev_ns : 0;
	uint8_t buf[512];

	/* The rows written below are counted too: they show in the next interval. */
	memcpy(now, c->count, sizeof(now));
	if (c->stats_prev_ns == 0) { /* the first call starts the first interval */
		memcpy(c->stats_prev, now, sizeof(now));
		c->stats_prev_ns = mono_ns;
		return;
	}
	const struct vg_schema *es = vg_schema_get(vg_export_stats_schema.id);

	/* Not registered (a unit test): only the interval moves. */
	if (es != NULL && strcmp(es->path, "export_stats") == 0) {
		for (uint16_t id = 0; id < vg_schema_count() && id < VG_LOG_MAX; id++) {
			uint32_t len;

			sub(&d, &now[id], &c->stats_prev[id]);
			if (d.offered == 0 || vg_schema_get(id) == NULL)
				continue;
			len = stats_record(
				buf, sizeof(buf), ts_ns, delta, id, &c->cur->log[id], &d);
			if (len != 0)
				emit(arg, buf, len);
		}
	}
	memcpy(c->stats_prev, now, sizeof(now));
	c->stats_prev_ns = mono_ns;
}
