/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The decision for one record: on/off, then exclude and include rules, then
 * sampling by connection. The record is walked once, up to the last column a
 * rule or the sampling key needs; no allocation, bounded work.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "vg_policy_private.h"
#include "vg_policy_who.h"
#include "vg_record.h"

static int16_t
col(const struct vg_schema *s, const char *name)
{
	for (uint16_t i = 0; i < s->nfields && i < VG_REC_MAX_FIELDS; i++)
		if (strcmp(s->fields[i].name, name) == 0)
			return (int16_t)i;
	return -1;
}

void
pol_find_cols(struct vg_policy *p)
{
	for (uint16_t id = 0; id < VG_LOG_MAX; id++) {
		const struct vg_schema *s = vg_schema_get(id);
		struct pol_cols *c = &p->cols[id];

		memset(c, 0xff, sizeof(*c)); /* -1 everywhere */
		if (s == NULL)
			continue;
		c->uid = col(s, "uid");
		c->fuid = col(s, "fuid");
		c->orig_h = col(s, "id.orig_h");
		c->orig_p = col(s, "id.orig_p");
		c->resp_h = col(s, "id.resp_h");
		c->resp_p = col(s, "id.resp_p");
		c->service = col(s, "service");
		c->query = col(s, "query");
		int16_t all[] = {c->uid, c->fuid, c->orig_h, c->orig_p, c->resp_h, c->resp_p,
			c->service, c->query};

		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			if (all[i] > c->last)
				c->last = all[i];
	}
}

/* What the rules and the sampling key read from one record. */
struct pol_fields {
	struct vg_rec_value uid, fuid, orig_h, orig_p, resp_h, resp_p, service, query;
};

static void
unset_all(struct pol_fields *f)
{
	f->uid.unset = f->fuid.unset = f->orig_h.unset = f->orig_p.unset = true;
	f->resp_h.unset = f->resp_p.unset = f->service.unset = f->query.unset = true;
}

static void
read_fields(const struct pol_cols *c, const uint8_t *rec, uint32_t len, struct pol_fields *f)
{
	struct vg_rec_reader rd;
	struct vg_rec_value v;

	unset_all(f);
	if (c->last < 0 || vg_rec_read_begin(&rd, rec, len) != 0)
		return;
	for (int16_t i = 0; i <= c->last; i++) {
		if (vg_rec_read_next(&rd, &v) != 0)
			return;
		if (i == c->uid)
			f->uid = v;
		else if (i == c->fuid)
			f->fuid = v;
		else if (i == c->orig_h)
			f->orig_h = v;
		else if (i == c->orig_p)
			f->orig_p = v;
		else if (i == c->resp_h)
			f->resp_h = v;
		else if (i == c->resp_p)
			f->resp_p = v;
		else if (i == c->service)
			f->service = v;
		else if (i == c->query)
			f->query = v;
	}
}

static bool
in_cidr(const struct vg_rec_value *a, const struct pol_cidr *c, uint16_t n)
{
	if (a->unset)
		return false;
	for (uint16_t k = 0; k < n; k++) {
		unsigned bits = c[k].len, i = 0;

		for (; bits >= 8; i++, bits -= 8)
			if (a->v.addr.b[i] != c[k].net.b[i])
				break;
		if (bits >= 8)
			continue;
		if (bits == 0 || ((a->v.addr.b[i] ^ c[k].net.b[i]) & (0xff00u >> bits)) == 0)
			return true;
	}
	return false;
}

static bool
in_ports(const struct vg_rec_value *p, uint16_t (*r)[2], uint16_t n)
{
	if (p->unset)
		return false;
	for (uint16_t k = 0; k < n; k++)
		if (p->v.port >= r[k][0] && p->v.port <= r[k][1])
			return true;
	return false;
}

/* conn.log's service is a list ("ssl,http"): any of its names. */
static bool
service_is(const struct vg_rec_value *s, char **vals, uint16_t n)
{
	const char *p, *end;

	if (s->unset)
		return false;
	p = (const char *)s->v.str.p;
	end = p + s->v.str.len;
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t len = (size_t)((comma ? comma : end) - p);

		for (uint16_t k = 0; k < n; k++)
			if (strlen(vals[k]) == len && strncasecmp(vals[k], p, len) == 0)
				return true;
		p += len + 1;
	}
	return false;
}

/* The query is the suffix or ends in "." and the suffix; case and a final dot aside. */
static bool
query_ends(const struct vg_rec_value *q, char **vals, uint16_t n)
{
	const char *name;
	size_t len;

	if (q->unset)
		return false;
	name = (const char *)q->v.str.p;
	len = q->v.str.len;
	if (len > 0 && name[len - 1] == '.')
		len--;
	for (uint16_t k = 0; k < n; k++) {
		size_t sl = strlen(vals[k]);

		if (sl > 0 && vals[k][sl - 1] == '.')
			sl--;
		if (sl > len || strncasecmp(name + len - sl, vals[k], sl) != 0)
			continue;
		if (sl == len || name[len - sl - 1] == '.')
			return true;
	}
	return false;
}

static bool
side_match(const struct pol_cond *c, const struct pol_fields *f, const struct vg_k8s_who *who,
	bool orig)
{
	switch (c->kind) {
	case PK_CIDR:
		return in_cidr(orig ? &f->orig_h : &f->resp_h, c->v.cidr, c->n);
	case PK_PORT:
		return in_ports(orig ? &f->orig_p : &f->resp_p, c->v.port, c->n);
	default:
		return pol_who_match(who, c->kind, c->v.str, c->n);
	}
}

static bool
cond_match(const struct pol_cond *c, const struct pol_fields *f, const struct vg_k8s_who *orig,
	const struct vg_k8s_who *resp)
{
	if (c->kind == PK_SERVICE)
		return service_is(&f->service, c->v.str, c->n);
	if (c->kind == PK_QUERY_SUFFIX)
		return query_ends(&f->query, c->v.str, c->n);
	return (c->side != SIDE_RESP && side_match(c, f, orig, true)) ||
		(c->side != SIDE_ORIG && side_match(c, f, resp, false));
}

static bool
any_rule(const struct pol_rule *r, uint16_t n, const struct pol_fields *f,
	const struct vg_k8s_who *orig, const struct vg_k8s_who *resp)
{
	for (uint16_t i = 0; i < n; i++) {
		uint16_t k = 0;

		while (k < r[i].ncond && cond_match(&r[i].cond[k], f, orig, resp))
			k++;
		if (k == r[i].ncond)
			return true;
	}
	return false;
}

uint64_t
vg_policy_key_hash(const void *key, size_t n, uint64_t seed)
{
	const uint8_t *b = key;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed; /* FNV-1a 64's offset basis */

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL; /* FNV-1a 64's prime */
	}
	/* splitmix64's finisher: FNV's low bits alone are poorly spread. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

static bool
sampled(const struct vg_policy *p, const struct pol_log *l, const struct pol_fields *f,
	const uint8_t *rec, uint32_t len)
{
	uint64_t h;

	if (!f->uid.unset && f->uid.v.str.len > 0)
		h = vg_policy_key_hash(f->uid.v.str.p, f->uid.v.str.len, p->seed);
	else if (!f->fuid.unset && f->fuid.v.str.len > 0)
		h = vg_policy_key_hash(f->fuid.v.str.p, f->fuid.v.str.len, p->seed);
	else /* no connection to keep together: the record on its own */
		h = vg_policy_key_hash(rec + VG_REC_HDR_LEN, len - VG_REC_HDR_LEN, p->seed);
	return h < l->threshold;
}

enum vg_policy_verdict
vg_policy_decide(const struct vg_policy *p, const uint8_t *rec, uint32_t len,
	const struct vg_k8s_who *orig, const struct vg_k8s_who *resp)
{
	uint16_t id;
	const struct pol_log *l;
	struct pol_fields f;

	if (p == NULL || len < VG_REC_HDR_LEN || (id = vg_rec_log_id(rec)) >= VG_LOG_MAX)
		return VG_POLICY_KEEP;
	l = &p->log[id];
	if (!l->enabled)
		return VG_POLICY_DROP_OFF;
	if (l->nincl == 0 && l->nexcl == 0 && l->sample_all)
		return VG_POLICY_KEEP;
	read_fields(&p->cols[id], rec, len, &f);
	if (l->nexcl != 0 && any_rule(l->excl, l->nexcl, &f, orig, resp))
		return VG_POLICY_DROP_FILTER;
	if (l->nincl != 0 && !any_rule(l->incl, l->nincl, &f, orig, resp))
		return VG_POLICY_DROP_FILTER;
	if (!l->sample_all && !sampled(p, l, &f, rec, len))
		return VG_POLICY_DROP_SAMPLE;
	return VG_POLICY_KEEP;
}

uint64_t
vg_policy_drop_mask(const struct vg_policy *p, uint16_t log_id)
{
	return p != NULL && log_id < VG_LOG_MAX ? p->log[log_id].drop_mask : 0;
}

bool
vg_policy_log_enabled(const struct vg_policy *p, uint16_t log_id)
{
	return p == NULL || log_id >= VG_LOG_MAX || p->log[log_id].enabled;
}

double
vg_policy_log_sample(const struct vg_policy *p, uint16_t log_id)
{
	return p != NULL && log_id < VG_LOG_MAX ? p->log[log_id].sample : 1.0;
}

void
vg_policy_set_enabled(struct vg_policy *p, uint16_t log_id, bool on)
{
	if (log_id < VG_LOG_MAX) {
		p->log[log_id].enabled = on;
		p->log[log_id].changed = true;
	}
}

void
vg_policy_set_sample(struct vg_policy *p, uint16_t log_id, double rate)
{
	if (log_id < VG_LOG_MAX) {
		pol_set_sample(&p->log[log_id], rate);
		p->log[log_id].changed = true;
	}
}

static void
describe_rules(
	const char *what, const struct pol_rule *r, uint16_t n, vg_policy_print_fn *out, void *arg)
{
	char line[640];

	for (uint16_t i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "    %s (line %d): %s\n", what, r[i].line, r[i].text);
		out(arg, line);
	}
}

void
vg_policy_describe(const struct vg_policy *p, vg_policy_print_fn *out, void *arg)
{
	char line[PATH_MAX + 128];

	snprintf(line, sizeof(line), "policy %s, sample_seed %llu\n",
		p->source[0] ? p->source : "(none: every record kept)",
		(unsigned long long)p->seed);
	out(arg, line);
	for (uint16_t id = 0; id < vg_schema_count() && id < VG_LOG_MAX; id++) {
		const struct vg_schema *s = vg_schema_get(id);
		const struct pol_log *l = &p->log[id];
		int n;

		if (s == NULL)
			continue;
		n = snprintf(line, sizeof(line), "%s %s sample %g", s->path,
			l->enabled ? "on" : "off", l->sample);
		if (l->drop_mask != 0) {
			n += snprintf(line + n, sizeof(line) - (size_t)n, " drop_columns");
			for (uint16_t c = 0; c < s->nfields && c < 64; c++)
				if ((l->drop_mask >> c & 1) && (size_t)n < sizeof(line))
					n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%s",
						c == 0 || !(l->drop_mask & ((1ULL << c) - 1)) ? " "
											      : ",",
						s->fields[c].name);
		}
		if ((size_t)n < sizeof(line))
			snprintf(line + n, sizeof(line) - (size_t)n, "%s%s\n",
				l->listed ? "" : " (defaults)",
				l->changed ? " (changed from the console)" : "");
		out(arg, line);
		describe_rules("exclude", l->excl, l->nexcl, out, arg);
		describe_rules("include", l->incl, l->nincl, out, arg);
	}
}
