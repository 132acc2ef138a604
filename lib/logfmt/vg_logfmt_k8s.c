/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The k8s columns: where a record's addresses and ts are, the lookups, and
 * the values as the formats take them.
 */
#include <stdio.h>
#include <string.h>

#include "vg_logfmt_k8s.h"
#include "vg_record.h"
#include "vg_reporter.h"

#define SIDE(p)                                                                                    \
	{p "namespace", VG_FT_STRING, VG_FEAT_BASE}, {p "pod", VG_FT_STRING, VG_FEAT_BASE},        \
		{p "workload", VG_FT_STRING, VG_FEAT_BASE},                                        \
		{p "workload_kind", VG_FT_STRING, VG_FEAT_BASE},                                   \
		{p "node", VG_FT_STRING, VG_FEAT_BASE},                                            \
		{p "services", VG_FT_SET_STRING, VG_FEAT_BASE},                                    \
		{p "labels", VG_FT_SET_STRING, VG_FEAT_BASE},                                      \
		{p "host_network", VG_FT_BOOL, VG_FEAT_BASE},                                      \
	{                                                                                          \
		p "type", VG_FT_ENUM, VG_FEAT_BASE                                                 \
	}

const struct vg_field vg_logfmt_k8s_cols[VG_K8S_COLS] = {SIDE("orig_k8s."), SIDE("resp_k8s.")};

void
vg_logfmt_idcols_find(const struct vg_schema *s, struct vg_logfmt_idcols *ic)
{
	static const char *const names[5] = {
		"ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"};
	int8_t idx[5] = {-1, -1, -1, -1, -1};

	for (uint16_t i = 0; i < s->nfields && i < VG_REC_MAX_FIELDS; i++)
		for (int k = 0; k < 5; k++)
			if (idx[k] < 0 && strcmp(s->fields[i].name, names[k]) == 0)
				idx[k] = (int8_t)i;
	ic->found = true;
	ic->ts = idx[0];
	ic->orig_h = idx[1];
	ic->orig_p = idx[2];
	ic->resp_h = idx[3];
	ic->resp_p = idx[4];
	ic->has_id = ic->ts >= 0 && s->fields[ic->ts].type == VG_FT_TIME && ic->orig_h >= 0 &&
		s->fields[ic->orig_h].type == VG_FT_ADDR && ic->resp_h >= 0 &&
		s->fields[ic->resp_h].type == VG_FT_ADDR;
}

int
vg_logfmt_k8s_who(const struct vg_k8s_inv *inv, const struct vg_logfmt_idcols *ic,
	const uint8_t *rec, uint32_t len, struct vg_k8s_who who[2])
{
	struct vg_rec_reader rd;
	struct vg_rec_value v;
	struct vg_addr oh = {{0}}, rh = {{0}};
	uint16_t op = 0, rp = 0;
	int64_t ts = 0;
	int have = 0,
	    last = VG_MAX(
		    VG_MAX(ic->ts, ic->orig_h), VG_MAX(ic->resp_h, VG_MAX(ic->orig_p, ic->resp_p)));

	memset(who, 0, 2 * sizeof(*who));
	if (!ic->has_id || vg_rec_read_begin(&rd, rec, len) != 0)
		return -1;
	for (int i = 0; i <= last; i++) {
		if (vg_rec_read_next(&rd, &v) != 0)
			return -1;
		if (v.unset)
			continue;
		if (i == ic->ts) {
			ts = v.v.i;
			have |= 1;
		} else if (i == ic->orig_h) {
			oh = v.v.addr;
			have |= 2;
		} else if (i == ic->resp_h) {
			rh = v.v.addr;
			have |= 4;
		} else if (i == ic->orig_p) {
			op = v.v.port;
		} else if (i == ic->resp_p) {
			rp = v.v.port;
		}
	}
	if (have != 7)
		return -1;
	vg_k8s_lookup(inv, &oh, op, ts, &who[0]);
	vg_k8s_lookup(inv, &rh, rp, ts, &who[1]);
	return 0;
}

static void
str_val(struct vg_logfmt_val *v, const char *s)
{
	v->unset = s == NULL;
	v->s = s;
}

static void
side_vals(const struct vg_k8s_who *w, struct vg_logfmt_val *v)
{
	const char *type = w->pod ? "pod" : w->is_service ? "service" : w->is_node ? "node" : NULL;

	memset(v, 0, VG_K8S_SIDE_COLS * sizeof(*v));
	str_val(&v[0], w->ns);
	str_val(&v[1], w->pod);
	str_val(&v[2], w->workload);
	str_val(&v[3], w->workload_kind);
	str_val(&v[4], w->node);
	v[5].unset = w->nservices == 0;
	v[5].n = w->nservices;
	v[5].items = w->services;
	v[6].unset = w->nlabels == 0;
	v[6].n = w->nlabels;
	v[6].items = w->labels;
	v[7].unset = w->pod == NULL;
	v[7].b = w->host_network;
	str_val(&v[8], type);
}

void
vg_logfmt_k8s_vals(const struct vg_k8s_who who[2], struct vg_logfmt_val vals[VG_K8S_COLS])
{
	side_vals(&who[0], vals);
	side_vals(&who[1], vals + VG_K8S_SIDE_COLS);
}

void
vg_k8s_report(void *reporter, const char *line)
{
	const struct vg_k8s_reporter *r = reporter;
	uint8_t rec[1024];
	uint32_t len;

	fprintf(stderr, "%s: k8s: %s\n", r->prog, line);
	if (r->w == NULL || *r->w == NULL)
		return;
	len = vg_reporter_record(rec, sizeof(rec), vg_wall_ns(), VG_REPORTER_WARNING, line, "k8s");
	if (len != 0)
		vg_logwriter_write(*r->w, rec, len);
}
