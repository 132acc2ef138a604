/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The k8s columns: where a record's addresses and ts are, the lookups, and
 * the values as the formats take them.
 */
#include <stdio.h>
#include <stdlib.h>
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
vg_logfmt_idcols_find(const struct vg_schema *s, uint32_t features, struct vg_logfmt_idcols *ic)
{
	static const char *const names[7] = {
		"ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "host", "shadowed"};
	static const uint8_t types[7] = {VG_FT_TIME, VG_FT_ADDR, VG_FT_PORT, VG_FT_ADDR, VG_FT_PORT,
		VG_FT_STRING, VG_FT_BOOL};
	int8_t idx[7] = {-1, -1, -1, -1, -1, -1, -1};

	for (uint16_t i = 0; i < s->nfields && i < VG_REC_MAX_FIELDS && i < INT8_MAX; i++)
		for (int k = 0; k < 7; k++)
			if (idx[k] < 0 && strcmp(s->fields[i].name, names[k]) == 0 &&
				s->fields[i].type == types[k])
				idx[k] = (int8_t)i;
	ic->found = true;
	ic->ts = idx[0];
	ic->orig_h = idx[1];
	ic->orig_p = idx[2];
	ic->resp_h = idx[3];
	ic->resp_p = idx[4];
	bool shadow = idx[5] >= 0 && idx[6] >= 0 && vg_field_enabled(&s->fields[idx[6]], features);

	ic->host = shadow ? idx[5] : -1;
	ic->shadowed = shadow ? idx[6] : -1;
	ic->has_id = ic->ts >= 0 && ic->orig_h >= 0 && ic->resp_h >= 0;
}

/* What a record's id columns (and a shadow copy's host) say. */
struct id_vals {
	struct vg_addr oh, rh;
	uint16_t op, rp;
	int64_t ts;
	const char *host;
	uint16_t host_len;
	bool shadowed;
};

static int
read_ids(const struct vg_logfmt_idcols *ic, const uint8_t *rec, uint32_t len, struct id_vals *iv)
{
	struct vg_rec_reader rd;
	struct vg_rec_value v;
	int have = 0;
	int last = VG_MAX(VG_MAX(VG_MAX(ic->ts, ic->orig_h), VG_MAX(ic->resp_h, ic->shadowed)),
		VG_MAX(ic->orig_p, VG_MAX(ic->resp_p, ic->host)));

	memset(iv, 0, sizeof(*iv));
	if (vg_rec_read_begin(&rd, rec, len) != 0)
		return -1;
	for (int i = 0; i <= last; i++) {
		if (vg_rec_read_next(&rd, &v) != 0)
			return -1;
		if (v.unset)
			continue;
		if (i == ic->ts) {
			iv->ts = v.v.i;
			have |= 1;
		} else if (i == ic->orig_h) {
			iv->oh = v.v.addr;
			have |= 2;
		} else if (i == ic->resp_h) {
			iv->rh = v.v.addr;
			have |= 4;
		} else if (i == ic->orig_p) {
			iv->op = v.v.port;
		} else if (i == ic->resp_p) {
			iv->rp = v.v.port;
		} else if (i == ic->host) {
			iv->host = (const char *)v.v.str.p;
			iv->host_len = v.v.str.len;
		} else if (i == ic->shadowed) {
			iv->shadowed = v.v.b;
		}
	}
	return have == 7 ? 0 : -1;
}

int
vg_logfmt_k8s_who(const struct vg_k8s_inv *inv, const struct vg_logfmt_idcols *ic,
	const uint8_t *rec, uint32_t len, struct vg_k8s_who who[2])
{
	struct id_vals iv;
	struct vg_k8s_who svc;

	memset(who, 0, 2 * sizeof(*who));
	if (!ic->has_id || read_ids(ic, rec, len, &iv) != 0)
		return -1;
	vg_k8s_lookup(inv, &iv.oh, iv.op, iv.ts, &who[0]);
	vg_k8s_lookup(inv, &iv.rh, iv.rp, iv.ts, &who[1]);
	/* A shadow copy went to vigil, but was meant for the Service its Host names. */
	if (iv.shadowed && iv.host != NULL &&
		vg_k8s_lookup_name(inv, iv.host, iv.host_len, who[0].ns, iv.ts, &svc) == 0)
		who[1] = svc;
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

#define FRAG_SLOTS 8192 /* kept texts per format, direct-mapped by version and side */
#define FRAG_MAX   244  /* longer texts are made each time */

struct frag {
	uint64_t key; /* version * 2 + side; 0 empty */
	uint16_t len;
	char text[FRAG_MAX];
};

struct vg_logfmt_k8s_cache {
	struct vg_buf scratch;
	struct frag *slot[2]; /* TSV, JSON: FRAG_SLOTS each, made on first use */
};

struct vg_logfmt_k8s_cache *
vg_logfmt_k8s_cache_new(void)
{
	return calloc(1, sizeof(struct vg_logfmt_k8s_cache));
}

void
vg_logfmt_k8s_cache_free(struct vg_logfmt_k8s_cache *c)
{
	if (c == NULL)
		return;
	vg_buf_free(&c->scratch);
	free(c->slot[0]);
	free(c->slot[1]);
	free(c);
}

static void side_vals(const struct vg_k8s_who *w, struct vg_logfmt_val *v);

/*
 * One side's columns as text, without a leading separator: TSV values
 * joined by tabs, or JSON members joined by commas (empty when all unset).
 * Made in b; returns where the text starts, its length in *len.
 */
static const char *
side_text(struct vg_buf *b, bool json, const struct vg_k8s_who *w, int side, size_t *len)
{
	struct vg_logfmt_val vals[VG_K8S_SIDE_COLS];
	const struct vg_field *cols = vg_logfmt_k8s_cols + side * VG_K8S_SIDE_COLS;

	side_vals(w, vals);
	vg_buf_reset(b);
	if (json) {
		vg_buf_add(b, "{", 1);
		vg_logfmt_json_append(b, cols, VG_K8S_SIDE_COLS, vals);
		*len = b->len - 3; /* "{" ... "}\n" */
		return b->p + 1;
	}
	vg_logfmt_tsv_append(b, cols, VG_K8S_SIDE_COLS, vals);
	*len = b->len - 1; /* "\n" */
	return b->p;
}

static void
append_side(struct vg_logfmt_k8s_cache *c, struct vg_buf *line, bool json,
	const struct vg_k8s_who *w, int side, bool *first)
{
	const char *text;
	size_t len;

	if (c->slot[json] == NULL)
		c->slot[json] = calloc(FRAG_SLOTS, sizeof(struct frag)); /* NULL: made each time */
	if (w->version != 0 && c->slot[json] != NULL) {
		uint64_t key = w->version * 2 + (uint64_t)side;
		struct frag *f = &c->slot[json][key & (FRAG_SLOTS - 1)];

		if (f->key == key) {
			text = f->text;
			len = f->len;
			goto add;
		}
		text = side_text(&c->scratch, json, w, side, &len);
		f->key = 0;
		if (len <= FRAG_MAX) {
			memcpy(f->text, text, len);
			f->len = (uint16_t)len;
			f->key = key;
		}
	} else {
		text = side_text(&c->scratch, json, w, side, &len);
	}
add:
	if (len == 0)
		return; /* JSON: every column unset */
	if (!*first)
		vg_buf_add(line, json ? "," : "\t", 1);
	vg_buf_add(line, text, len);
	*first = false;
}

void
vg_logfmt_k8s_append(struct vg_logfmt_k8s_cache *c, struct vg_buf *line, bool json,
	const struct vg_k8s_who who[2])
{
	bool first;

	/* Take off the line's end, add both sides, put it back. */
	if (json) {
		line->len -= 2; /* "}\n" */
		first = line->len > 0 && line->p[line->len - 1] == '{';
	} else {
		line->len -= 1; /* "\n" */
		first = line->len == 0;
	}
	append_side(c, line, json, &who[0], 0, &first);
	append_side(c, line, json, &who[1], 1, &first);
	vg_buf_add(line, json ? "}\n" : "\n", json ? 2 : 1);
}

void
vg_logfmt_k8s_vals(const struct vg_k8s_who who[2], struct vg_logfmt_val vals[VG_K8S_COLS])
{
	side_vals(&who[0], vals);
	side_vals(&who[1], vals + VG_K8S_SIDE_COLS);
}

static void
report_write(struct vg_logwriter *w, uint64_t ts, const char *line)
{
	uint8_t rec[1024];
	uint32_t len = vg_reporter_record(rec, sizeof(rec), ts, VG_REPORTER_WARNING, line, "k8s");

	if (len != 0)
		vg_logwriter_write(w, rec, len);
}

void
vg_k8s_report_flush(struct vg_k8s_reporter *r)
{
	if (r->w == NULL || *r->w == NULL)
		return;
	for (unsigned int i = 0; i < r->npending; i++)
		report_write(*r->w, r->pending_ns[i], r->pending[i]);
	r->npending = 0;
}

void
vg_k8s_report(void *reporter, const char *line)
{
	struct vg_k8s_reporter *r = reporter;

	fprintf(stderr, "%s: k8s: %s\n", r->prog, line);
	if (r->w != NULL && *r->w != NULL) {
		vg_k8s_report_flush(r);
		report_write(*r->w, vg_wall_ns(), line);
	} else if (r->npending < VG_K8S_REPORT_PENDING) {
		snprintf(r->pending[r->npending], sizeof(r->pending[0]), "%s", line);
		r->pending_ns[r->npending++] = vg_wall_ns();
	} else {
		r->lost++;
	}
}
