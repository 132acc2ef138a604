/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header tests, as Zeek's RuleMatcher::InitEndpoint evaluates them on the
 * packet that opened a direction (src/RuleMatcher.cc): addresses against
 * prefixes, the transport protocol, and `size` bytes at `offset` of a header
 * compared under a mask. A list with == holds when one value does, with !=
 * when none does, and <, <=, >, >= when one does (Zeek's compare()).
 */
#include "vg_sig_private.h"

static bool
cmp_one(uint8_t cmp, uint32_t a, uint32_t b)
{
	switch (cmp) {
	case VG_SIG_EQ:
	case VG_SIG_NE:
		return a == b;
	case VG_SIG_LT:
		return a < b;
	case VG_SIG_LE:
		return a <= b;
	case VG_SIG_GT:
		return a > b;
	case VG_SIG_GE:
		return a >= b;
	}
	return false;
}

bool
vg_sig_cmp_list(const struct vg_sig_hdr *h, uint32_t v)
{
	bool any = false;

	for (uint32_t i = 0; i < h->nvals && !any; i++)
		any = cmp_one(h->cmp, v & h->vals[i].mask, h->vals[i].val);
	return h->cmp == VG_SIG_NE ? !any : any;
}

/* The 16 bytes as two big-endian halves. */
static inline void
halves(const uint8_t *b, uint64_t *hi, uint64_t *lo)
{
	memcpy(hi, b, 8);
	memcpy(lo, b + 8, 8);
	*hi = __builtin_bswap64(*hi);
	*lo = __builtin_bswap64(*lo);
}

/* The first len bits agree: two masked 64-bit compares, no byte loop. */
static bool
in_prefix(const struct vg_sig_prefix *p, const struct vg_addr *a)
{
	uint32_t len = p->len;
	uint64_t ph, pl, ah, al;

	if (len > 128)
		return false;
	uint64_t mh = len >= 64 ? ~0ULL : len == 0 ? 0 : ~0ULL << (64 - len);
	uint64_t ml = len <= 64 ? 0 : len >= 128 ? ~0ULL : ~0ULL << (128 - len);

	halves(p->addr, &ph, &pl);
	halves(a->b, &ah, &al);
	return ((ph ^ ah) & mh) == 0 && ((pl ^ al) & ml) == 0;
}

/* Zeek compares prefixes with == and != only; other comparisons never hold. */
static bool
addr_test(const struct vg_sig_hdr *h, const struct vg_addr *a)
{
	bool any = false;

	if (h->prefixes == NULL || (h->cmp != VG_SIG_EQ && h->cmp != VG_SIG_NE))
		return false;
	for (uint32_t i = 0; i < h->nvals && !any; i++)
		any = in_prefix(&h->prefixes[i], a);
	return h->cmp == VG_SIG_NE ? !any : any;
}

/* size bytes (1, 2 or 4) in network order; false when they are not there. */
static bool
read_be(const uint8_t *p, uint32_t avail, uint32_t off, uint8_t size, uint32_t *v)
{
	if (p == NULL || size == 0 || size > 4 || off > avail || avail - off < size)
		return false;
	uint32_t x = 0;

	for (uint8_t i = 0; i < size; i++)
		x = x << 8 | p[off + i];
	*v = x;
	return true;
}

/* `header proto[off:size]`: Zeek reads the IPv4 or IPv6 header, or the
 * bytes after the IP headers whatever the transport is. */
static bool
byte_test(const struct vg_sig_hdr *h, const struct vg_pkt *pkt)
{
	uint32_t v;
	const uint8_t *base;
	uint32_t avail;

	switch (h->proto) {
	case VG_SIG_PROTO_IP:
		if (pkt->ip_version != 4)
			return false;
		base = pkt->ip;
		avail = pkt->ip_hdr_len;
		break;
	case VG_SIG_PROTO_IP6:
		if (pkt->ip_version != 6)
			return false;
		base = pkt->ip;
		avail = 40;
		break;
	default:
		base = pkt->l4;
		avail = pkt->l4_cap;
		break;
	}
	return read_be(base, avail, h->offset, h->size, &v) && vg_sig_cmp_list(h, v);
}

static bool
port_test(const struct vg_sig_hdr *h, const struct vg_pkt *pkt, uint32_t off)
{
	uint32_t v;

	/* Zeek reads the first transport bytes as TCP's ports, for any protocol. */
	return read_be(pkt->l4, pkt->l4_cap, off, 2, &v) && vg_sig_cmp_list(h, v);
}

bool
vg_sig_hdr_test(const struct vg_sig_hdr *h, const struct vg_pkt *pkt)
{
	switch (h->kind) {
	case VG_SIG_H_SRC_IP:
		return addr_test(h, &pkt->src);
	case VG_SIG_H_DST_IP:
		return addr_test(h, &pkt->dst);
	case VG_SIG_H_SRC_PORT:
		return port_test(h, pkt, 0);
	case VG_SIG_H_DST_PORT:
		return port_test(h, pkt, 2);
	case VG_SIG_H_IP_PROTO:
		return vg_sig_cmp_list(h, pkt->ip_proto);
	case VG_SIG_H_HEADER:
		return byte_test(h, pkt);
	}
	return false;
}

bool
vg_sig_hdr_match(const struct vg_sig_crule *r, const struct vg_pkt *pkt)
{
	for (uint32_t i = 0; i < r->nhdrs; i++)
		if (!vg_sig_hdr_test(&r->hdrs[i], pkt))
			return false;
	return true;
}

bool
vg_sig_hdr_test_conn(const struct vg_sig_hdr *h, const struct vg_conn *c, bool is_orig)
{
	switch (h->kind) {
	case VG_SIG_H_SRC_IP:
		return addr_test(h, is_orig ? &c->orig_h : &c->resp_h);
	case VG_SIG_H_DST_IP:
		return addr_test(h, is_orig ? &c->resp_h : &c->orig_h);
	case VG_SIG_H_SRC_PORT:
		return vg_sig_cmp_list(h, is_orig ? c->orig_p : c->resp_p);
	case VG_SIG_H_DST_PORT:
		return vg_sig_cmp_list(h, is_orig ? c->resp_p : c->orig_p);
	case VG_SIG_H_IP_PROTO:
		return vg_sig_cmp_list(h, c->ip_proto);
	default:
		return false;
	}
}

bool
vg_sig_hdr_match_conn(const struct vg_sig_crule *r, const struct vg_conn *c, bool is_orig)
{
	for (uint32_t i = 0; i < r->nhdrs; i++)
		if (!vg_sig_hdr_test_conn(&r->hdrs[i], c, is_orig))
			return false;
	return true;
}

/* ---- distinct tests ------------------------------------------------------ */

static bool
same_test(const struct vg_sig_hdr *a, const struct vg_sig_hdr *b)
{
	if (a->kind != b->kind || a->cmp != b->cmp || a->proto != b->proto || a->size != b->size ||
		a->offset != b->offset || a->nvals != b->nvals ||
		(a->vals == NULL) != (b->vals == NULL) ||
		(a->prefixes == NULL) != (b->prefixes == NULL))
		return false;
	if (a->vals != NULL && memcmp(a->vals, b->vals, a->nvals * sizeof(*a->vals)) != 0)
		return false;
	return a->prefixes == NULL ||
		memcmp(a->prefixes, b->prefixes, a->nvals * sizeof(*a->prefixes)) == 0;
}

static uint64_t
test_hash(const struct vg_sig_hdr *h)
{
	uint64_t x = (uint64_t)h->kind << 56 ^ (uint64_t)h->cmp << 48 ^ (uint64_t)h->proto << 40 ^
		(uint64_t)h->size << 32 ^ h->offset ^ (uint64_t)h->nvals << 20;

	if (h->nvals > 0 && h->vals != NULL)
		x ^= (uint64_t)h->vals[0].val * 0x9e3779b97f4a7c15ULL ^ h->vals[0].mask;
	if (h->nvals > 0 && h->prefixes != NULL) {
		uint64_t a;

		memcpy(&a, h->prefixes[0].addr + 8, sizeof(a));
		x ^= a * 0xff51afd7ed558ccdULL ^ h->prefixes[0].len;
	}
	x ^= x >> 29;
	return x * 0xbf58476d1ce4e5b9ULL;
}

int
vg_sig_tests_index(struct vg_sig_db *db)
{
	uint32_t total = 0;

	for (uint32_t i = 0; i < db->nrules; i++)
		total += db->rules[i].nhdrs;
	uint32_t cap = 16;

	while (cap < 2 * total)
		cap *= 2;
	uint32_t *slot = calloc(cap, sizeof(*slot)); /* test index + 1, 0 empty */

	db->tests = calloc(total ? total : 1, sizeof(*db->tests));
	if (slot == NULL || db->tests == NULL) {
		free(slot);
		return -1;
	}
	db->ntests = 0;
	for (uint32_t i = 0; i < db->nrules; i++) {
		struct vg_sig_crule *r = &db->rules[i];

		r->tests = calloc(r->nhdrs ? r->nhdrs : 1, sizeof(*r->tests));
		if (r->tests == NULL) {
			free(slot);
			return -1;
		}
		for (uint32_t k = 0; k < r->nhdrs; k++) {
			const struct vg_sig_hdr *h = &r->hdrs[k];
			uint32_t s = (uint32_t)(test_hash(h) & (cap - 1));

			while (slot[s] != 0 && !same_test(db->tests[slot[s] - 1], h))
				s = (s + 1) & (cap - 1);
			if (slot[s] == 0) {
				db->tests[db->ntests++] = h;
				slot[s] = db->ntests;
			}
			r->tests[k] = slot[s] - 1;
		}
	}
	free(slot);
	db->words_t = (db->ntests + 63) / 64;
	return 0;
}

/* ---- classes of rules with the same tests --------------------------------- */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Sorts a rule's test indexes and drops repeats: its class key. */
static uint32_t
rule_key(struct vg_sig_crule *r)
{
	uint32_t n = 0;

	qsort(r->tests, r->nhdrs, sizeof(*r->tests), cmp_u32);
	for (uint32_t k = 0; k < r->nhdrs; k++)
		if (n == 0 || r->tests[n - 1] != r->tests[k])
			r->tests[n++] = r->tests[k];
	return n;
}

static uint64_t
key_hash(const uint32_t *t, uint32_t n)
{
	uint64_t x = n * 0x9e3779b97f4a7c15ULL;

	for (uint32_t k = 0; k < n; k++)
		x = (x ^ t[k]) * 0xff51afd7ed558ccdULL;
	return x ^ x >> 31;
}

int
vg_sig_classes_index(struct vg_sig_db *db)
{
	uint32_t cap = 16;

	while (cap < 2 * db->nrules)
		cap *= 2;
	uint32_t *slot = calloc(cap, sizeof(*slot));

	db->classes = calloc(db->nrules ? db->nrules : 1, sizeof(*db->classes));
	if (slot == NULL || db->classes == NULL) {
		free(slot);
		return -1;
	}
	for (uint32_t i = 0; i < db->nrules; i++) {
		struct vg_sig_crule *r = &db->rules[i];
		uint32_t n = rule_key(r);
		uint32_t s = (uint32_t)(key_hash(r->tests, n) & (cap - 1));

		while (slot[s] != 0) {
			struct vg_sig_class *c = &db->classes[slot[s] - 1];

			if (c->ntests == n &&
				memcmp(c->tests, r->tests, n * sizeof(*r->tests)) == 0)
				break;
			s = (s + 1) & (cap - 1);
		}
		if (slot[s] == 0) {
			struct vg_sig_class *c = &db->classes[db->nclasses];

			c->tests = r->tests;
			c->ntests = n;
			c->rules = calloc(db->words_r ? db->words_r : 1, sizeof(uint64_t));
			if (c->rules == NULL) {
				free(slot);
				return -1;
			}
			slot[s] = ++db->nclasses;
		}
		vg_bit_set(db->classes[slot[s] - 1].rules, i);
	}
	free(slot);
	return 0;
}

/* ---- the prefix index of `==` address tests ----------------------------- */

static void
prefix_masks(uint32_t len, uint64_t *mh, uint64_t *ml)
{
	*mh = len >= 64 ? ~0ULL : len == 0 ? 0 : ~0ULL << (64 - len);
	*ml = len <= 64 ? 0 : len >= 128 ? ~0ULL : ~0ULL << (128 - len);
}

static uint32_t
pfx_hash(uint8_t side, uint8_t len, uint64_t hi, uint64_t lo, uint32_t cap)
{
	uint64_t x = (hi * 0x9e3779b97f4a7c15ULL) ^ (lo * 0xc2b2ae3d27d4eb4fULL) ^
		((uint64_t)side << 8 | len) * 0x165667b19e3779f9ULL;

	x ^= x >> 29;
	return (uint32_t)(x & (cap - 1));
}

static bool
pfx_eligible(const struct vg_sig_hdr *h)
{
	return (h->kind == VG_SIG_H_SRC_IP || h->kind == VG_SIG_H_DST_IP) && h->cmp == VG_SIG_EQ &&
		h->prefixes != NULL;
}

static void
pfx_add(struct vg_sig_pfx_index *x, uint32_t test, uint8_t side, const struct vg_sig_prefix *p)
{
	struct vg_sig_pfx *e = &x->e[x->n];
	uint64_t mh, ml;

	halves(p->addr, &e->hi, &e->lo);
	prefix_masks(p->len, &mh, &ml);
	e->hi &= mh;
	e->lo &= ml;
	e->test = test;
	e->side = side;
	e->len = p->len;
	uint32_t b = pfx_hash(side, e->len, e->hi, e->lo, x->cap);

	e->next = x->bucket[b];
	x->bucket[b] = ++x->n;
	bool have = false;

	for (uint32_t k = 0; k < x->nlens[side]; k++)
		have |= x->lens[side][k] == e->len;
	if (!have)
		x->lens[side][x->nlens[side]++] = e->len;
}

int
vg_sig_pfx_index_build(struct vg_sig_db *db)
{
	struct vg_sig_pfx_index *x = &db->pfx;
	uint32_t total = 0;

	x->hashed = calloc(db->ntests ? db->ntests : 1, 1);
	if (x->hashed == NULL)
		return -1;
	for (uint32_t t = 0; t < db->ntests; t++) {
		const struct vg_sig_hdr *h = db->tests[t];
		bool ok = pfx_eligible(h);

		for (uint32_t i = 0; ok && i < h->nvals; i++)
			ok = h->prefixes[i].len <= 128;
		if (ok) {
			x->hashed[t] = 1;
			total += h->nvals;
		}
	}
	x->cap = 16;
	while (x->cap < 2 * total)
		x->cap *= 2;
	x->e = calloc(total ? total : 1, sizeof(*x->e));
	x->bucket = calloc(x->cap, sizeof(*x->bucket));
	if (x->e == NULL || x->bucket == NULL)
		return -1;
	for (uint32_t t = 0; t < db->ntests; t++) {
		const struct vg_sig_hdr *h = db->tests[t];

		for (uint32_t i = 0; x->hashed[t] && i < h->nvals; i++)
			pfx_add(x, t, h->kind == VG_SIG_H_DST_IP, &h->prefixes[i]);
	}
	return 0;
}

void
vg_sig_pfx_index_free(struct vg_sig_pfx_index *x)
{
	free(x->e);
	free(x->bucket);
	free(x->hashed);
}

void
vg_sig_pfx_eval(const struct vg_sig_pfx_index *x, const struct vg_addr *src,
	const struct vg_addr *dst, uint64_t *tok)
{
	for (uint8_t side = 0; side < 2; side++) {
		uint64_t ah, al;

		halves((side ? dst : src)->b, &ah, &al);
		for (uint32_t k = 0; k < x->nlens[side]; k++) {
			uint8_t len = x->lens[side][k];
			uint64_t mh, ml;

			prefix_masks(len, &mh, &ml);
			uint64_t hi = ah & mh, lo = al & ml;

			for (uint32_t i = x->bucket[pfx_hash(side, len, hi, lo, x->cap)]; i != 0;) {
				const struct vg_sig_pfx *e = &x->e[i - 1];

				if (e->side == side && e->len == len && e->hi == hi && e->lo == lo)
					vg_bit_set(tok, e->test);
				i = e->next;
			}
		}
	}
}
