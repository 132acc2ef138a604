/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A rule set into an immutable database: the rules' conditions as arrays,
 * their patterns into Hyperscan databases with one id per pattern (streaming
 * mode for TCP payload and for PDUs, block mode for packets). Built once at
 * load, never on the data path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_sig_private.h"

#define HS_EXPR_MAX 8192

struct build {
	struct vg_sig_db *db;
	const struct vg_sig_ruleset *rs;
	uint32_t *src; /* compiled rule → index in rs */
	bool *dropped; /* rs index → left out */
	char **expr;   /* pattern id → Hyperscan expression */
	unsigned *flags;
	uint32_t *depth;
	vg_sig_diag_fn diag;
	void *arg;
};

static void
diag_rule(struct build *b, const struct vg_sig_rule *r, const char *fmt, const char *what)
{
	char reason[512];

	snprintf(reason, sizeof(reason), fmt, r->id, what);
	if (b->diag != NULL)
		b->diag(b->arg, r->file != NULL ? r->file : "-", r->line, false, reason);
}

static char *
dup_str(const char *s)
{
	return s == NULL ? NULL : strdup(s);
}

static void
free_enable(struct vg_sig_crule *r)
{
	for (uint32_t k = 0; k < r->nenable; k++)
		free(r->enable[k]);
	free(r->enable);
	r->enable = NULL;
	r->nenable = 0;
}

static int
copy_hdrs(struct vg_sig_crule *cr, const struct vg_sig_rule *r)
{
	if (r->nhdrs == 0)
		return 0;
	cr->hdrs = calloc(r->nhdrs, sizeof(*cr->hdrs));
	if (cr->hdrs == NULL)
		return -1;
	cr->nhdrs = r->nhdrs;
	for (uint32_t i = 0; i < r->nhdrs; i++) {
		const struct vg_sig_hdr *h = &r->hdrs[i];
		struct vg_sig_hdr *o = &cr->hdrs[i];

		*o = *h;
		o->vals = NULL;
		o->prefixes = NULL;
		if (h->vals != NULL && h->nvals > 0) {
			o->vals = malloc(h->nvals * sizeof(*o->vals));
			if (o->vals == NULL)
				return -1;
			memcpy(o->vals, h->vals, h->nvals * sizeof(*o->vals));
		}
		if (h->prefixes != NULL && h->nvals > 0) {
			o->prefixes = malloc(h->nvals * sizeof(*o->prefixes));
			if (o->prefixes == NULL)
				return -1;
			memcpy(o->prefixes, h->prefixes, h->nvals * sizeof(*o->prefixes));
		}
	}
	return 0;
}

static int
rule_index_of(const struct build *b, const char *id)
{
	for (uint32_t i = 0; i < b->db->nrules; i++)
		if (strcmp(b->db->rules[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* Translates every pattern of rule r; false (reported) when one cannot be. */
static bool
rule_patterns_ok(struct build *b, const struct vg_sig_rule *r)
{
	char *out = malloc(HS_EXPR_MAX);
	char why[256];
	bool ok = out != NULL;

	for (uint32_t k = 0; ok && k < r->npats; k++) {
		unsigned fl = 0;

		if (r->pats[k].type >= VG_SIG_PAT_TYPES) {
			diag_rule(b, r, "signature %s: %s", "pattern type not supported");
			ok = false;
		} else if (!vg_sig_regex_to_hs(
				   &r->pats[k], out, HS_EXPR_MAX, &fl, why, sizeof(why))) {
			diag_rule(b, r, "signature %s: pattern not supported: %s", why);
			ok = false;
		}
	}
	free(out);
	return ok;
}

/* The rules that load: active, with patterns Hyperscan can take. */
static int
take_rules(struct build *b)
{
	const struct vg_sig_ruleset *rs = b->rs;
	struct vg_sig_db *db = b->db;

	db->rules = calloc(rs->n ? rs->n : 1, sizeof(*db->rules));
	b->src = calloc(rs->n ? rs->n : 1, sizeof(*b->src));
	b->dropped = calloc(rs->n ? rs->n : 1, sizeof(*b->dropped));
	if (db->rules == NULL || b->src == NULL || b->dropped == NULL)
		return -1;
	for (uint32_t i = 0; i < rs->n; i++) {
		const struct vg_sig_rule *r = &rs->rules[i];

		if (!r->active || !rule_patterns_ok(b, r)) {
			b->dropped[i] = true;
			continue;
		}
		struct vg_sig_crule *cr = &db->rules[db->nrules];

		cr->id = dup_str(r->id);
		cr->msg = dup_str(r->event_msg);
		if (cr->id == NULL || (r->event_msg != NULL && cr->msg == NULL) ||
			copy_hdrs(cr, r) != 0)
			return -1;
		cr->has_event = r->has_event;
		if (r->nenable > 0) {
			cr->enable = calloc(r->nenable, sizeof(*cr->enable));
			if (cr->enable == NULL)
				return -1;
			for (uint32_t k = 0; k < r->nenable; k++)
				if ((cr->enable[cr->nenable++] = dup_str(r->enable[k])) == NULL)
					return -1;
		}
		cr->same_ip = r->same_ip;
		cr->has_psize = r->has_payload_size;
		cr->psize_cmp = r->payload_size_cmp;
		cr->psize = r->payload_size;
		cr->tcp_state = r->tcp_state;
		cr->udp_state = r->udp_state;
		cr->npats = r->npats;
		b->src[db->nrules++] = i;
	}
	return 0;
}

/*
 * requires-* to rule indexes. A rule that needs a rule which did not load
 * cannot load either (repeated until nothing changes: chains drop whole).
 */
static int
resolve_requires(struct build *b)
{
	struct vg_sig_db *db = b->db;
	bool changed = true;

	while (changed) {
		changed = false;
		for (uint32_t i = 0; i < db->nrules; i++) {
			const struct vg_sig_rule *r = &b->rs->rules[b->src[i]];

			for (uint32_t k = 0; k < r->nreqs; k++) {
				if (rule_index_of(b, r->reqs[k].id) >= 0)
					continue;
				diag_rule(b, r, "signature %s: requires %s, which did not load",
					r->reqs[k].id);
				/* Drop rule i: move the last one into its place. */
				struct vg_sig_crule gone = db->rules[i];

				free(gone.id);
				free(gone.msg);
				for (uint32_t h = 0; h < gone.nhdrs; h++) {
					free(gone.hdrs[h].vals);
					free(gone.hdrs[h].prefixes);
				}
				free(gone.hdrs);
				free_enable(&gone);
				memmove(&db->rules[i], &db->rules[i + 1],
					(db->nrules - i - 1) * sizeof(*db->rules));
				memmove(&b->src[i], &b->src[i + 1],
					(db->nrules - i - 1) * sizeof(*b->src));
				db->nrules--;
				changed = true;
				break;
			}
			if (changed)
				break;
		}
	}
	for (uint32_t i = 0; i < db->nrules; i++) {
		const struct vg_sig_rule *r = &b->rs->rules[b->src[i]];
		struct vg_sig_crule *cr = &db->rules[i];

		if (r->nreqs == 0)
			continue;
		cr->reqs = calloc(r->nreqs, sizeof(*cr->reqs));
		if (cr->reqs == NULL)
			return -1;
		cr->nreqs = r->nreqs;
		for (uint32_t k = 0; k < r->nreqs; k++) {
			uint32_t dep = (uint32_t)rule_index_of(b, r->reqs[k].id);
			struct vg_sig_crule *d = &db->rules[dep];
			uint32_t *nd = realloc(d->deps, (d->ndeps + 1) * sizeof(*nd));

			if (nd == NULL)
				return -1;
			nd[d->ndeps++] = i;
			d->deps = nd;
			cr->reqs[k].rule = dep;
			cr->reqs[k].reverse = r->reqs[k].reverse;
			cr->reqs[k].negated = r->reqs[k].negated;
		}
	}
	return 0;
}

/* Pattern ids in rule order; each rule's are contiguous. */
static int
number_patterns(struct build *b)
{
	struct vg_sig_db *db = b->db;
	uint32_t n = 0, npure = 0;

	for (uint32_t i = 0; i < db->nrules; i++) {
		db->rules[i].pat_first = n;
		n += db->rules[i].npats;
		npure += db->rules[i].npats == 0;
	}
	db->npats = n;
	db->pat_rule = calloc(n ? n : 1, sizeof(*db->pat_rule));
	db->pat_type = calloc(n ? n : 1, 1);
	db->pure = calloc(npure ? npure : 1, sizeof(*db->pure));
	b->expr = calloc(n ? n : 1, sizeof(*b->expr));
	b->flags = calloc(n ? n : 1, sizeof(*b->flags));
	b->depth = calloc(n ? n : 1, sizeof(*b->depth));
	if (!db->pat_rule || !db->pat_type || !db->pure || !b->expr || !b->flags || !b->depth)
		return -1;
	for (uint32_t i = 0; i < db->nrules; i++) {
		const struct vg_sig_rule *r = &b->rs->rules[b->src[i]];
		char why[256];

		if (r->npats == 0)
			db->pure[db->npure++] = i;
		for (uint32_t k = 0; k < r->npats; k++) {
			uint32_t id = db->rules[i].pat_first + k;

			b->expr[id] = malloc(HS_EXPR_MAX);
			if (b->expr[id] == NULL)
				return -1;
			vg_sig_regex_to_hs(&r->pats[k], b->expr[id], HS_EXPR_MAX, &b->flags[id],
				why, sizeof(why));
			/* One report per pattern and stream is enough: the hit is kept. */
			b->flags[id] |= HS_FLAG_SINGLEMATCH;
			b->depth[id] = r->pats[k].depth;
			db->pat_rule[id] = i;
			db->pat_type[id] = r->pats[k].type;
		}
	}
	db->words_r = (db->nrules + 63) / 64;
	db->words_p = (db->npats + 63) / 64;
	return 0;
}

static bool
kind_has(enum vg_sig_dbkind k, uint8_t type)
{
	if (k >= VG_SIG_DB_PDU)
		return type != VG_SIG_PAT_PAYLOAD && type == k - VG_SIG_DB_PDU;
	return type == VG_SIG_PAT_PAYLOAD;
}

/* One Hyperscan database over the patterns of kind k; NULL hs when none. */
static int
compile_kind(struct build *b, enum vg_sig_dbkind k, char *err, size_t errlen)
{
	struct vg_sig_db *db = b->db;
	uint32_t n = 0;
	const char **ex = calloc(db->npats ? db->npats : 1, sizeof(*ex));
	unsigned *fl = calloc(db->npats ? db->npats : 1, sizeof(*fl));
	unsigned *ids = calloc(db->npats ? db->npats : 1, sizeof(*ids));
	hs_expr_ext_t *ext = calloc(db->npats ? db->npats : 1, sizeof(*ext));
	const hs_expr_ext_t **extp = calloc(db->npats ? db->npats : 1, sizeof(*extp));
	int rc = -1;

	if (!ex || !fl || !ids || !ext || !extp)
		goto out;
	for (uint32_t id = 0; id < db->npats; id++) {
		if (!kind_has(k, db->pat_type[id]))
			continue;
		ex[n] = b->expr[id];
		fl[n] = b->flags[id];
		ids[n] = id;
		if (b->depth[id] != UINT32_MAX) {
			ext[n].flags = HS_EXT_FLAG_MAX_OFFSET;
			ext[n].max_offset = b->depth[id];
			extp[n] = &ext[n];
		}
		n++;
	}
	rc = 0;
	if (n == 0)
		goto out;
	hs_compile_error_t *ce = NULL;
	unsigned mode = k == VG_SIG_DB_PACKET ? HS_MODE_BLOCK : HS_MODE_STREAM;

	if (hs_compile_ext_multi(ex, fl, ids, extp, n, mode, NULL, &db->hs[k], &ce) != HS_SUCCESS) {
		snprintf(err, errlen, "Hyperscan cannot compile the signatures: %s",
			ce != NULL ? ce->message : "unknown error");
		hs_free_compile_error(ce);
		rc = -1;
		goto out;
	}
	size_t sz = 0;

	hs_database_size(db->hs[k], &sz);
	db->hs_bytes += sz;
	if (hs_alloc_scratch(db->hs[k], &db->scratch) != HS_SUCCESS) {
		snprintf(err, errlen, "Hyperscan cannot allocate scratch space");
		rc = -1;
	}
out:
	free(ex);
	free(fl);
	free(ids);
	free(ext);
	free(extp);
	return rc;
}

/*
 * A pattern Hyperscan refuses on its own: reported against its rule, which
 * is then left out. Each pattern is tried alone, so one bad rule does not
 * take the others with it.
 */
static void
drop_unusable(struct build *b)
{
	const struct vg_sig_ruleset *rs = b->rs;

	for (uint32_t i = 0; i < rs->n; i++) {
		const struct vg_sig_rule *r = &rs->rules[i];
		char *out = malloc(HS_EXPR_MAX);
		char why[256];

		for (uint32_t k = 0; !b->dropped[i] && out != NULL && k < r->npats; k++) {
			unsigned fl = 0;
			hs_database_t *one = NULL;
			hs_compile_error_t *ce = NULL;

			if (!vg_sig_regex_to_hs(
				    &r->pats[k], out, HS_EXPR_MAX, &fl, why, sizeof(why)))
				continue; /* reported by take_rules */
			if (hs_compile(out, fl | HS_FLAG_SINGLEMATCH, HS_MODE_STREAM, NULL, &one,
				    &ce) == HS_SUCCESS) {
				hs_free_database(one);
				continue;
			}
			diag_rule(b, r, "signature %s: Hyperscan refuses a pattern: %s",
				ce != NULL ? ce->message : "unknown error");
			hs_free_compile_error(ce);
			b->dropped[i] = true;
		}
		free(out);
	}
}

static void
db_free(struct vg_sig_db *db)
{
	if (db == NULL)
		return;
	for (uint32_t i = 0; i < db->nrules; i++) {
		struct vg_sig_crule *r = &db->rules[i];

		free(r->id);
		free(r->msg);
		for (uint32_t h = 0; h < r->nhdrs; h++) {
			free(r->hdrs[h].vals);
			free(r->hdrs[h].prefixes);
		}
		free(r->hdrs);
		free(r->tests);
		free_enable(r);
		free(r->reqs);
		free(r->deps);
	}
	free(db->rules);
	free(db->pat_rule);
	free(db->pat_type);
	free(db->pure);
	free(db->tests);
	for (uint32_t i = 0; i < db->nclasses; i++)
		free(db->classes[i].rules);
	free(db->classes);
	vg_sig_pfx_index_free(&db->pfx);
	for (int k = 0; k < VG_SIG_DB_N; k++)
		hs_free_database(db->hs[k]);
	hs_free_scratch(db->scratch);
	free(db);
}

static void
build_free(struct build *b)
{
	for (uint32_t i = 0; b->expr != NULL && i < b->db->npats; i++)
		free(b->expr[i]);
	free(b->expr);
	free(b->flags);
	free(b->depth);
	free(b->src);
	free(b->dropped);
}

struct vg_sig_db *
vg_sig_db_build(
	const struct vg_sig_ruleset *rs, vg_sig_diag_fn diag, void *arg, char *err, size_t errlen)
{
	struct build b = {.rs = rs, .diag = diag, .arg = arg};

	b.db = calloc(1, sizeof(*b.db));
	if (b.db == NULL)
		goto nomem;
	atomic_init(&b.db->refs, 1);
	if (take_rules(&b) != 0)
		goto nomem;
	/* Patterns Hyperscan refuses alone leave their rules out first. */
	bool any_dropped = false;

	drop_unusable(&b);
	for (uint32_t i = 0; i < rs->n; i++)
		any_dropped |= b.dropped[i] && rs->rules[i].active;
	if (any_dropped) {
		/* Start over with the rules that are left. */
		bool *keep = b.dropped;

		b.dropped = NULL;
		db_free(b.db);
		free(b.src);
		b.src = NULL;
		b.db = calloc(1, sizeof(*b.db));
		if (b.db == NULL) {
			free(keep);
			goto nomem;
		}
		atomic_init(&b.db->refs, 1);
		struct vg_sig_ruleset sub = {calloc(rs->n ? rs->n : 1, sizeof(*rs->rules)), 0};

		if (sub.rules == NULL) {
			free(keep);
			goto nomem;
		}
		for (uint32_t i = 0; i < rs->n; i++)
			if (!keep[i])
				sub.rules[sub.n++] = rs->rules[i];
		free(keep);
		b.rs = &sub;
		int rc = take_rules(&b);

		if (rc == 0)
			rc = resolve_requires(&b);
		if (rc == 0)
			rc = number_patterns(&b);
		b.rs = rs;
		free(sub.rules);
		if (rc != 0)
			goto nomem;
	} else if (resolve_requires(&b) != 0 || number_patterns(&b) != 0) {
		goto nomem;
	}
	if (vg_sig_tests_index(b.db) != 0 || vg_sig_classes_index(b.db) != 0 ||
		vg_sig_pfx_index_build(b.db) != 0)
		goto nomem;
	for (int k = 0; k < VG_SIG_DB_N; k++)
		if (compile_kind(&b, (enum vg_sig_dbkind)k, err, errlen) != 0)
			goto fail;
	for (int k = 0; k < VG_SIG_DB_N; k++)
		if (b.db->hs[k] != NULL && k != VG_SIG_DB_PACKET)
			hs_stream_size(b.db->hs[k], &b.db->stream_bytes[k]);
	build_free(&b);
	return b.db;
nomem:
	snprintf(err, errlen, "out of memory compiling the signatures");
fail:
	if (b.db != NULL)
		build_free(&b);
	db_free(b.db);
	errno = ENOMEM;
	return NULL;
}

const struct vg_sig_db *
vg_sig_db_ref(const struct vg_sig_db *db)
{
	atomic_fetch_add_explicit(&((struct vg_sig_db *)db)->refs, 1, memory_order_relaxed);
	return db;
}

void
vg_sig_db_unref(const struct vg_sig_db *db)
{
	if (db == NULL)
		return;
	struct vg_sig_db *m = (struct vg_sig_db *)db;

	if (atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) == 1)
		db_free(m);
}

uint32_t
vg_sig_db_rules(const struct vg_sig_db *db)
{
	return db->nrules;
}

uint32_t
vg_sig_db_patterns(const struct vg_sig_db *db)
{
	return db->npats;
}

size_t
vg_sig_db_bytes(const struct vg_sig_db *db)
{
	return db->hs_bytes;
}

size_t
vg_sig_db_stream_bytes(const struct vg_sig_db *db)
{
	return db->stream_bytes[VG_SIG_DB_TCP];
}
