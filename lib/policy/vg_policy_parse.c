/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy file: YAML (libyaml's document API) into a struct vg_policy.
 * Every error is one line naming the file and line, what is wrong and what
 * to do; nothing of a file that fails is kept.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <yaml.h>

#include "vg_policy_private.h"
#include "vg_record.h"

struct pctx {
	struct vg_policy *p;
	yaml_document_t *doc;
	const char *name;
	char *err;
	size_t errlen;
};

static const char *const kind_names[PK_NKINDS] = {
	[PK_NAMESPACE] = "namespace",
	[PK_WORKLOAD] = "workload",
	[PK_POD] = "pod",
	[PK_LABEL] = "label",
	[PK_K8S_SERVICE] = "k8s_service",
	[PK_CIDR] = "cidr",
	[PK_PORT] = "port",
	[PK_SERVICE] = "service",
	[PK_QUERY_SUFFIX] = "query_suffix",
};

static int fail(struct pctx *x, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct pctx *x, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A value quoted in the message may hold line breaks: the error stays one line. */
	for (char *c = msg; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	snprintf(x->err, x->errlen, "%s:%zu: %s", x->name, n ? n->start_mark.line + 1 : 1, msg);
	return -1;
}

void *
pol_alloc(struct vg_policy *p, size_t n)
{
	void *m;

	if (p->nmem == p->capmem) {
		size_t cap = p->capmem ? p->capmem * 2 : 64;
		void **a = realloc(p->mem, cap * sizeof(*a));

		if (a == NULL)
			return NULL;
		p->mem = a;
		p->capmem = cap;
	}
	m = calloc(1, n ? n : 1);
	if (m != NULL)
		p->mem[p->nmem++] = m;
	return m;
}

char *
pol_strdup(struct vg_policy *p, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = pol_alloc(p, n);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

void
pol_set_sample(struct pol_log *l, double rate)
{
	const double two64 = 18446744073709551616.0;

	l->sample = rate;
	l->sample_all = rate >= 1.0 || rate * two64 >= 18446744073709549568.0;
	l->threshold = l->sample_all ? UINT64_MAX : (uint64_t)(rate * two64);
}

int
vg_policy_parse_rate(const char *s, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0' || strlen(s) > 32)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno != 0 || !isfinite(v) || v < 0.0 || v > 1.0)
		return -1;
	*out = v;
	return 0;
}

int
vg_policy_log_id(const char *name)
{
	size_t n = strlen(name);

	if (n > 4 && strcmp(name + n - 4, ".log") == 0)
		n -= 4;
	for (uint16_t id = 0; id < vg_schema_count() && id < VG_LOG_MAX; id++) {
		const struct vg_schema *s = vg_schema_get(id);

		if (s != NULL && strlen(s->path) == n && strncmp(s->path, name, n) == 0)
			return id;
	}
	return -1;
}

/* ---- YAML helpers ---- */

static const char *
scalar(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *
node(struct pctx *x, yaml_node_item_t i)
{
	return yaml_document_get_node(x->doc, i);
}

static int
parse_bool(struct pctx *x, const yaml_node_t *n, const char *key, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on"},
				 *const no[] = {"false", "no", "off"};
	const char *s = scalar(n);

	for (size_t i = 0; s != NULL && i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = false, 0;
	}
	return fail(
		x, n, "'%s' takes true or false, not '%.40s'", key, s ? s : "a list or mapping");
}

/* A key with nothing after it (every item commented out): "", "~" or "null". */
static bool
is_null(const yaml_node_t *n)
{
	const char *s = scalar(n);

	return s != NULL && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		(*s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0);
}

/* Calls each(x, key node, value node) for every pair of a mapping; keys must be scalars, once. */
static int
each_pair(struct pctx *x, yaml_node_t *map, const char *what, void *arg,
	int (*each)(struct pctx *, const char *, yaml_node_t *, yaml_node_t *, void *))
{
	if (map->type != YAML_MAPPING_NODE)
		return fail(x, map, "%s must be a mapping of key: value", what);
	for (yaml_node_pair_t *a = map->data.mapping.pairs.start; a < map->data.mapping.pairs.top;
		a++) {
		yaml_node_t *k = node(x, a->key), *v = node(x, a->value);
		const char *ks = scalar(k);

		if (ks == NULL || v == NULL)
			return fail(x, k, "a key of %s is not a plain word", what);
		for (yaml_node_pair_t *b = map->data.mapping.pairs.start; b < a; b++) {
			const char *bs = scalar(node(x, b->key));

			if (bs != NULL && strcmp(bs, ks) == 0)
				return fail(
					x, k, "'%.60s' is given twice in %s; keep one", ks, what);
		}
		if (each(x, ks, k, v, arg) != 0)
			return -1;
	}
	return 0;
}

/* The scalars of a value that is one scalar or a list of them. */
static int
values_of(
	struct pctx *x, yaml_node_t *v, const char *key, yaml_node_t **items, size_t max, size_t *n)
{
	*n = 0;
	if (v->type == YAML_SCALAR_NODE) {
		items[(*n)++] = v;
		return 0;
	}
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(x, v, "'%s' takes a value or a list of values", key);
	for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top;
		i++) {
		yaml_node_t *e = node(x, *i);

		if (scalar(e) == NULL)
			return fail(x, e ? e : v,
				"the list of '%s' holds something else than "
				"plain values",
				key);
		if (*n == max)
			return fail(
				x, e, "'%s' has more than %zu values; split the rule", key, max);
		items[(*n)++] = e;
	}
	if (*n == 0)
		return fail(x, v, "'%s' has an empty list; give values or remove the key", key);
	return 0;
}

/* ---- values ---- */

static int
parse_cidr(const char *s, struct pol_cidr *c)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	uint8_t a4[4];
	long bits = -1;
	bool v4;

	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (slash != NULL) {
		char *end;

		if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
			return -1;
		bits = strtol(slash + 1, &end, 10);
		if (*end != '\0')
			return -1;
	}
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, buf, a4) == 1) {
		v4 = true;
		vg_addr_from_v4(&c->net, a4);
	} else if (inet_pton(AF_INET6, buf, c->net.b) == 1) {
		v4 = false;
	} else {
		return -1;
	}
	if (bits < 0)
		bits = v4 ? 32 : 128;
	if (bits > (v4 ? 32 : 128))
		return -1;
	c->len = (uint8_t)(v4 ? bits + 96 : bits);
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = c->len > i * 8 ? c->len - i * 8 : 0;

		if (keep < 8)
			c->net.b[i] &= (uint8_t)(0xff00u >> keep);
	}
	return 0;
}

static int
parse_port_range(const char *s, uint16_t r[2])
{
	unsigned long lo, hi;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	lo = strtoul(s, &end, 10);
	hi = lo;
	if (*end == '-') {
		if (end[1] < '0' || end[1] > '9')
			return -1;
		hi = strtoul(end + 1, &end, 10);
	}
	if (*end != '\0' || lo > 65535 || hi > 65535 || lo > hi)
		return -1;
	r[0] = (uint16_t)lo;
	r[1] = (uint16_t)hi;
	return 0;
}

/* ---- rules ---- */

/* "orig_cidr" -> PK_CIDR, SIDE_ORIG; -1 when not a condition. */
static int
cond_key(const char *key, uint8_t *kind, uint8_t *side)
{
	const char *k = key;

	*side = SIDE_EITHER;
	if (strncmp(k, "orig_", 5) == 0) {
		*side = SIDE_ORIG;
		k += 5;
	} else if (strncmp(k, "resp_", 5) == 0) {
		*side = SIDE_RESP;
		k += 5;
	}
	for (int i = 0; i < PK_NKINDS; i++) {
		if (strcmp(k, kind_names[i]) != 0)
			continue;
		/* The log's own columns have no side. */
		if (*side != SIDE_EITHER && (i == PK_SERVICE || i == PK_QUERY_SUFFIX))
			return -1;
		*kind = (uint8_t)i;
		return 0;
	}
	return -1;
}

struct rule_build {
	struct pol_rule *r;
	int log_id; /* -1: defaults (columns not checked) */
	char text[512];
};

/* Whether a log has what a kind of condition reads. */
static const char *
missing_column(const struct vg_policy *p, int log_id, uint8_t kind)
{
	const struct pol_cols *c = &p->cols[log_id];

	switch (kind) {
	case PK_SERVICE:
		return c->service < 0 ? "a service column" : NULL;
	case PK_QUERY_SUFFIX:
		return c->query < 0 ? "a query column" : NULL;
	case PK_PORT:
		return c->orig_p < 0 ? "id.orig_p/id.resp_p columns" : NULL;
	default: /* addresses: CIDR, and the Kubernetes context looked up from them */
		return c->orig_h < 0 ? "id.orig_h/id.resp_h columns" : NULL;
	}
}

static int
fill_values(struct pctx *x, struct pol_cond *c, const char *key, yaml_node_t **items, size_t n)
{
	struct vg_policy *p = x->p;

	c->n = (uint16_t)n;
	if (c->kind == PK_CIDR)
		c->v.cidr = pol_alloc(p, n * sizeof(*c->v.cidr));
	else if (c->kind == PK_PORT)
		c->v.port = pol_alloc(p, n * sizeof(*c->v.port));
	else
		c->v.str = pol_alloc(p, n * sizeof(*c->v.str));
	if (c->v.str == NULL)
		return fail(x, items[0], "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *s = scalar(items[i]);

		if (c->kind == PK_CIDR && parse_cidr(s, &c->v.cidr[i]) != 0)
			return fail(x, items[i],
				"'%s': '%.60s' is not an address or CIDR (like 10.0.0.0/8 or "
				"fd00::/8)",
				key, s);
		if (c->kind == PK_PORT && parse_port_range(s, c->v.port[i]) != 0)
			return fail(x, items[i],
				"'%s': '%.60s' is not a port or range (like 53 or 8000-8100)", key,
				s);
		if (c->kind == PK_CIDR || c->kind == PK_PORT)
			continue;
		if (*s == '\0' || strlen(s) > POL_MAX_STR)
			return fail(x, items[i], "'%s': values are 1 to %d characters", key,
				POL_MAX_STR);
		if (c->kind == PK_LABEL && strchr(s, '=') == NULL)
			return fail(x, items[i], "'%s': '%.60s' is not key=value", key, s);
		/* A query suffix matches whole labels: a leading dot is implied. */
		if (c->kind == PK_QUERY_SUFFIX && *s == '.' && s[1] != '\0')
			s++;
		if ((c->v.str[i] = pol_strdup(p, s)) == NULL)
			return fail(x, items[i], "out of memory");
	}
	return 0;
}

static void
text_add(char *t, size_t cap, const char *key, yaml_node_t **items, size_t n)
{
	size_t len = strlen(t);

	snprintf(t + len, cap - len, "%s%s=[", len ? " " : "", key);
	for (size_t i = 0; i < n; i++) {
		len = strlen(t);
		snprintf(t + len, cap - len, "%s%s", i ? "," : "", scalar(items[i]));
	}
	len = strlen(t);
	snprintf(t + len, cap - len, "]");
}

static int
rule_pair(struct pctx *x, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
	static yaml_node_t *items[POL_MAX_VALUES];
	struct rule_build *b = arg;
	struct pol_cond *c = &b->r->cond[b->r->ncond];
	size_t n;
	const char *miss;

	if (cond_key(key, &c->kind, &c->side) != 0)
		return fail(x, k,
			"unknown condition '%.60s'; conditions are [orig_|resp_]namespace, "
			"workload, pod, label, k8s_service, cidr, port, and service, query_suffix",
			key);
	if (b->log_id >= 0 && (miss = missing_column(x->p, b->log_id, c->kind)) != NULL)
		return fail(x, k, "%s.log has no %s for '%s'; remove the condition or move it",
			vg_schema_get((uint16_t)b->log_id)->path, miss, key);
	if (values_of(x, v, key, items, POL_MAX_VALUES, &n) != 0 ||
		fill_values(x, c, key, items, n) != 0)
		return -1;
	text_add(b->text, sizeof(b->text), key, items, n);
	b->r->ncond++;
	return 0;
}

static int
parse_rule(struct pctx *x, yaml_node_t *n, int log_id, struct pol_rule *r)
{
	struct rule_build b = {.r = r, .log_id = log_id};

	if (n->type != YAML_MAPPING_NODE)
		return fail(x, n,
			"a rule is a mapping of conditions, like {cidr: 10.0.0.0/8, "
			"port: 80}");
	size_t npairs = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);

	if (npairs == 0)
		return fail(x, n, "an empty rule would match every record; give conditions");
	r->line = (int)n->start_mark.line + 1;
	r->cond = pol_alloc(x->p, npairs * sizeof(*r->cond));
	if (r->cond == NULL)
		return fail(x, n, "out of memory");
	if (each_pair(x, n, "a rule", &b, rule_pair) != 0)
		return -1;
	r->text = pol_strdup(x->p, b.text);
	return r->text != NULL ? 0 : fail(x, n, "out of memory");
}

static int
parse_rules(struct pctx *x, yaml_node_t *v, const char *key, int log_id, struct pol_rule **out,
	uint16_t *nout)
{
	yaml_node_t *one[1] = {v};
	yaml_node_t **list = one;
	size_t n = 1;

	if (v->type == YAML_SEQUENCE_NODE) {
		n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
		if (n == 0)
			return fail(
				x, v, "'%s' has an empty list; give rules or remove the key", key);
		if (n > POL_MAX_RULES)
			return fail(x, v, "'%s' has more than %d rules", key, POL_MAX_RULES);
		list = NULL;
	}
	*out = pol_alloc(x->p, n * sizeof(**out));
	if (*out == NULL)
		return fail(x, v, "out of memory");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *r = list ? list[i] : node(x, v->data.sequence.items.start[i]);

		if (r == NULL)
			return fail(x, v, "a rule of '%s' is missing", key);
		if (parse_rule(x, r, log_id, &(*out)[i]) != 0)
			return -1;
	}
	*nout = (uint16_t)n;
	return 0;
}

/* ---- a log's entry ---- */

struct log_build {
	struct pol_log *l;
	int log_id; /* -1: defaults */
	const char *what;
};

static int
drop_columns(struct pctx *x, yaml_node_t *v, struct log_build *b)
{
	static yaml_node_t *items[VG_REC_MAX_FIELDS];
	const struct vg_schema *s;
	size_t n;

	if (b->log_id < 0)
		return fail(x, v, "drop_columns is per log; give it under logs.<name>");
	if (values_of(x, v, "drop_columns", items, VG_REC_MAX_FIELDS, &n) != 0)
		return -1;
	s = vg_schema_get((uint16_t)b->log_id);
	for (size_t i = 0; i < n; i++) {
		const char *name = scalar(items[i]);
		uint16_t c = 0;

		while (c < s->nfields && strcmp(s->fields[c].name, name) != 0)
			c++;
		if (c == s->nfields || c >= 64)
			return fail(x, items[i],
				"%s.log has no column '%.60s'; see its #fields line", s->path,
				name);
		b->l->drop_mask |= 1ULL << c;
	}
	return 0;
}

static int
log_pair(struct pctx *x, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
	struct log_build *b = arg;
	struct pol_log *l = b->l;

	/* Lists left empty (their items commented out) say nothing. */
	if (is_null(v) &&
		(strcmp(key, "include") == 0 || strcmp(key, "exclude") == 0 ||
			strcmp(key, "drop_columns") == 0))
		return 0;
	if (strcmp(key, "enabled") == 0)
		return parse_bool(x, v, key, &l->enabled);
	if (strcmp(key, "sample") == 0) {
		double r;

		if (vg_policy_parse_rate(scalar(v), &r) != 0)
			return fail(x, v,
				"'sample' takes a rate from 0 to 1 (0.1 keeps one "
				"connection in ten), not '%.40s'",
				scalar(v) ? scalar(v) : "a list or mapping");
		pol_set_sample(l, r);
		return 0;
	}
	if (strcmp(key, "drop_columns") == 0)
		return drop_columns(x, v, b);
	if (strcmp(key, "include") == 0)
		return parse_rules(x, v, key, b->log_id, &l->incl, &l->nincl);
	if (strcmp(key, "exclude") == 0)
		return parse_rules(x, v, key, b->log_id, &l->excl, &l->nexcl);
	return fail(x, k,
		"unknown key '%.60s' in %s; the keys are enabled, sample, drop_columns, include, "
		"exclude",
		key, b->what);
}

static int
parse_log(struct pctx *x, yaml_node_t *v, int log_id, struct pol_log *l, const char *what)
{
	struct log_build b = {.l = l, .log_id = log_id, .what = what};

	return each_pair(x, v, what, &b, log_pair);
}

static int
logs_pair(struct pctx *x, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
	const struct pol_log *defaults = arg;
	int id = vg_policy_log_id(key);
	char what[96];

	if (id < 0)
		return fail(x, k, "no log named '%.60s'; name a log vigil writes (conn, dns, ...)",
			key);
	if (x->p->log[id].listed)
		return fail(x, k, "%s.log is given twice (as '%.60s'); keep one",
			vg_schema_get((uint16_t)id)->path, key);
	/* Unset keys of a listed log come from defaults, except its rules and columns. */
	x->p->log[id] = *defaults;
	x->p->log[id].nincl = x->p->log[id].nexcl = 0;
	x->p->log[id].listed = true;
	x->p->log[id].drop_mask = 0;
	snprintf(what, sizeof(what), "logs.%s", key);
	/* A log named with nothing under it: the defaults. */
	return is_null(v) ? 0 : parse_log(x, v, id, &x->p->log[id], what);
}

struct top {
	yaml_node_t *defaults, *logs;
};

static int
top_pair(struct pctx *x, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
	struct top *t = arg;
	const char *s = scalar(v);

	if (strcmp(key, "version") == 0) {
		if (s == NULL || strcmp(s, "1") != 0)
			return fail(x, v, "this vigil reads policy version 1; say 'version: 1'");
		return 0;
	}
	if (strcmp(key, "sample_seed") == 0) {
		char *end;

		errno = 0;
		x->p->seed = s && *s >= '0' && *s <= '9' ? strtoull(s, &end, 0) : 0;
		if (s == NULL || *s < '0' || *s > '9' || *end != '\0' || errno != 0)
			return fail(x, v, "'sample_seed' takes a number from 0 to 2^64-1");
		return 0;
	}
	if (strcmp(key, "defaults") == 0) {
		t->defaults = v;
		return 0;
	}
	if (strcmp(key, "logs") == 0) {
		t->logs = v;
		return 0;
	}
	return fail(x, k, "unknown key '%.60s'; the keys are version, sample_seed, defaults, logs",
		key);
}

static int
compile(struct pctx *x)
{
	yaml_node_t *root = yaml_document_get_root_node(x->doc);
	struct pol_log defaults = {.enabled = true};
	struct top t = {0};

	pol_set_sample(&defaults, 1.0);
	if (root == NULL)
		return 0; /* an empty file: everything kept */
	if (root->type == YAML_SCALAR_NODE && *scalar(root) == '\0')
		return 0;
	if (each_pair(x, root, "the policy file", &t, top_pair) != 0)
		return -1;
	if (t.defaults != NULL && !is_null(t.defaults) &&
		parse_log(x, t.defaults, -1, &defaults, "defaults") != 0)
		return -1;
	for (uint16_t id = 0; id < VG_LOG_MAX; id++)
		x->p->log[id] = defaults;
	if (t.logs != NULL && !is_null(t.logs) &&
		each_pair(x, t.logs, "logs", &defaults, logs_pair) != 0)
		return -1;
	return 0;
}

static struct vg_policy *
policy_new(void)
{
	struct vg_policy *p = calloc(1, sizeof(*p));
	struct timespec ts;

	if (p == NULL)
		return NULL;
	clock_gettime(CLOCK_REALTIME, &ts);
	p->loaded_at = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	pol_find_cols(p);
	for (uint16_t id = 0; id < VG_LOG_MAX; id++) {
		p->log[id].enabled = true;
		pol_set_sample(&p->log[id], 1.0);
	}
	return p;
}

struct vg_policy *
vg_policy_keep_all(void)
{
	return policy_new();
}

struct vg_policy *
vg_policy_parse(const char *text, size_t len, const char *name, char *err, size_t errlen)
{
	struct vg_policy *p = policy_new();
	yaml_parser_t parser;
	yaml_document_t doc;
	struct pctx x = {.p = p, .doc = &doc, .name = name, .err = err, .errlen = errlen};
	int rc;

	if (p == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	snprintf(p->source, sizeof(p->source), "%s", name);
	if (len > VG_POLICY_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %u bytes; is it the policy file?", name,
			VG_POLICY_MAX_FILE);
		vg_policy_free(p);
		return NULL;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu: %s; fix the YAML", name,
			parser.problem_mark.line + 1,
			parser.problem ? parser.problem : "syntax error");
		yaml_parser_delete(&parser);
		vg_policy_free(p);
		return NULL;
	}
	rc = compile(&x);
	yaml_document_delete(&doc);
	/* A second document is not read: say so rather than ignore it. */
	if (rc == 0 && yaml_parser_load(&parser, &doc)) {
		if (yaml_document_get_root_node(&doc) != NULL) {
			snprintf(err, errlen, "%s:%zu: a second YAML document; keep one", name,
				doc.start_mark.line + 1);
			rc = -1;
		}
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	if (rc != 0) {
		vg_policy_free(p);
		return NULL;
	}
	return p;
}

struct vg_policy *
vg_policy_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	struct vg_policy *p;

	if (f == NULL) {
		snprintf(err, errlen, "cannot read policy file '%s' (%s); check the path", path,
			strerror(errno));
		return NULL;
	}
	buf = malloc(VG_POLICY_MAX_FILE + 1);
	n = buf ? fread(buf, 1, VG_POLICY_MAX_FILE + 1, f) : 0;
	fclose(f);
	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	p = vg_policy_parse(buf, n, path, err, errlen);
	free(buf);
	return p;
}

void
vg_policy_free(struct vg_policy *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nmem; i++)
		free(p->mem[i]);
	free(p->mem);
	free(p);
}
