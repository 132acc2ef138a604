/* SPDX-License-Identifier: BSD-3-Clause */
/* Building and reading binary log records (layout in vg_record.h). */
#include <assert.h>
#include <string.h>

#include "vg_record.h"

static uint8_t *
reserve(struct vg_rec *r, uint32_t n)
{
	if (r->overflow || r->off + n > r->cap) {
		r->overflow = 1;
		return NULL;
	}
	uint8_t *p = r->buf + r->off;

	r->off += n;
	return p;
}

static void
put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Checks the next field's type (in debug builds) and moves past it. */
static bool
next_field(struct vg_rec *r, enum vg_ftype t)
{
	if (r->field >= r->schema->nfields) {
		r->overflow = 1;
		return false;
	}
	assert(r->schema->fields[r->field].type == t ||
		(t == VG_FT_STRING && r->schema->fields[r->field].type == VG_FT_ENUM));
	(void)t;
	r->field++;
	return true;
}

void
vg_rec_begin(struct vg_rec *r, uint8_t *buf, uint32_t cap, const struct vg_schema *s)
{
	/* A log that was never registered: every write is refused, nothing is read. */
	static const struct vg_schema none = {.path = "-", .nfields = 0};

	r->buf = buf;
	r->cap = cap;
	r->field = 0;
	r->overflow = s == NULL;
	r->in_set = 0;
	r->schema = s != NULL ? s : &none;
	if (s == NULL)
		return;
	r->off = VG_REC_HDR_LEN + 8;
	if (cap < r->off || s->nfields > VG_REC_MAX_FIELDS) {
		r->overflow = 1;
		return;
	}
	memset(buf, 0, r->off);
	put_le(buf + 4, s->id, 2);
	put_le(buf + 6, s->nfields, 2);
}

void
vg_rec_unset(struct vg_rec *r)
{
	if (r->field >= r->schema->nfields) {
		r->overflow = 1;
		return;
	}
	if (!r->overflow)
		r->buf[VG_REC_HDR_LEN + r->field / 8] |= (uint8_t)(1u << (r->field % 8));
	r->field++;
}

static void
put_fixed(struct vg_rec *r, enum vg_ftype t, uint64_t v, unsigned n)
{
	if (!next_field(r, t))
		return;
	uint8_t *p = reserve(r, n);

	if (p != NULL)
		put_le(p, v, n);
}

void
vg_rec_time(struct vg_rec *r, uint64_t ns)
{
	put_fixed(r, VG_FT_TIME, ns, 8);
}

void
vg_rec_interval(struct vg_rec *r, int64_t ns)
{
	put_fixed(r, VG_FT_INTERVAL, (uint64_t)ns, 8);
}

void
vg_rec_count(struct vg_rec *r, uint64_t v)
{
	put_fixed(r, VG_FT_COUNT, v, 8);
}

void
vg_rec_int(struct vg_rec *r, int64_t v)
{
	put_fixed(r, VG_FT_INT, (uint64_t)v, 8);
}

void
vg_rec_port(struct vg_rec *r, uint16_t port)
{
	put_fixed(r, VG_FT_PORT, port, 2);
}

void
vg_rec_bool(struct vg_rec *r, bool v)
{
	put_fixed(r, VG_FT_BOOL, v ? 1 : 0, 1);
}

void
vg_rec_double(struct vg_rec *r, double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	put_fixed(r, VG_FT_DOUBLE, u, 8);
}

void
vg_rec_addr(struct vg_rec *r, const struct vg_addr *a)
{
	if (!next_field(r, VG_FT_ADDR))
		return;
	uint8_t *p = reserve(r, 16);

	if (p != NULL)
		memcpy(p, a->b, 16);
}

void
vg_rec_str(struct vg_rec *r, const char *s, uint32_t len)
{
	if (len > 0xffff)
		len = 0xffff;
	if (r->in_set > 0)
		r->in_set--;
	else if (!next_field(r, VG_FT_STRING))
		return;
	uint8_t *p = reserve(r, 2 + len);

	if (p == NULL)
		return;
	put_le(p, len, 2);
	memcpy(p + 2, s, len);
}

void
vg_rec_cstr(struct vg_rec *r, const char *s)
{
	vg_rec_str(r, s, (uint32_t)strlen(s));
}

void
vg_rec_set_begin(struct vg_rec *r, uint16_t n)
{
	if (r->field >= r->schema->nfields) {
		r->overflow = 1;
		return;
	}
	r->field++;
	uint8_t *p = reserve(r, 2);

	if (p != NULL)
		put_le(p, n, 2);
	r->in_set = (uint8_t)VG_MIN(n, 255);
}

void
vg_rec_interval_vec(struct vg_rec *r, const int64_t *ns, uint16_t n)
{
	if (!next_field(r, VG_FT_VECTOR_INTERVAL))
		return;
	uint8_t *p = reserve(r, 2 + 8u * n);

	if (p == NULL)
		return;
	put_le(p, n, 2);
	for (uint16_t i = 0; i < n; i++)
		put_le(p + 2 + 8u * i, (uint64_t)ns[i], 8);
}

uint32_t
vg_rec_end(struct vg_rec *r)
{
	if (r->overflow || r->field != r->schema->nfields || r->in_set != 0)
		return 0;
	uint32_t len = (r->off + 7u) & ~7u;

	if (len > r->cap || len > VG_REC_MAX_LEN)
		return 0;
	memset(r->buf + r->off, 0, len - r->off);
	put_le(r->buf, len, 4);
	return len;
}

int
vg_rec_read_begin(struct vg_rec_reader *rd, const uint8_t *rec, uint32_t len)
{
	if (len < VG_REC_HDR_LEN + 8)
		return -1;
	rd->rec = rec;
	rd->len = len;
	rd->schema = vg_schema_get((uint16_t)get_le(rec + 4, 2));
	rd->nfields = (uint16_t)get_le(rec + 6, 2);
	if (rd->schema == NULL || rd->nfields != rd->schema->nfields)
		return -1;
	rd->unset_bits = get_le(rec + VG_REC_HDR_LEN, 8);
	rd->off = VG_REC_HDR_LEN + 8;
	rd->field = 0;
	return 0;
}

static const uint8_t *
take(struct vg_rec_reader *rd, uint32_t n)
{
	if (rd->off + n > rd->len)
		return NULL;
	const uint8_t *p = rd->rec + rd->off;

	rd->off += n;
	return p;
}

int
vg_rec_read_next(struct vg_rec_reader *rd, struct vg_rec_value *val)
{
	const uint8_t *p;

	if (rd->field >= rd->nfields)
		return -1;
	enum vg_ftype t = rd->schema->fields[rd->field].type;

	memset(val, 0, sizeof(*val));
	if ((rd->unset_bits >> rd->field) & 1) {
		rd->field++;
		val->unset = true;
		return 0;
	}
	rd->field++;
	switch (t) {
	case VG_FT_TIME:
	case VG_FT_INTERVAL:
	case VG_FT_INT:
	case VG_FT_COUNT:
	case VG_FT_DOUBLE:
		if ((p = take(rd, 8)) == NULL)
			return -1;
		val->v.u = get_le(p, 8);
		return 0;
	case VG_FT_PORT:
		if ((p = take(rd, 2)) == NULL)
			return -1;
		val->v.port = (uint16_t)get_le(p, 2);
		return 0;
	case VG_FT_BOOL:
		if ((p = take(rd, 1)) == NULL)
			return -1;
		val->v.b = p[0] != 0;
		return 0;
	case VG_FT_ADDR:
		if ((p = take(rd, 16)) == NULL)
			return -1;
		memcpy(val->v.addr.b, p, 16);
		return 0;
	case VG_FT_STRING:
	case VG_FT_ENUM:
		if ((p = take(rd, 2)) == NULL)
			return -1;
		val->v.str.len = (uint16_t)get_le(p, 2);
		if ((val->v.str.p = take(rd, val->v.str.len)) == NULL)
			return -1;
		return 0;
	case VG_FT_SET_STRING:
	case VG_FT_SET_ENUM:
	case VG_FT_VECTOR_STRING:
	case VG_FT_VECTOR_ADDR:
		if ((p = take(rd, 2)) == NULL)
			return -1;
		val->v.set.n = (uint16_t)get_le(p, 2);
		val->v.set.p = rd->rec + rd->off;
		for (uint16_t i = 0; i < val->v.set.n; i++) {
			const uint8_t *l = take(rd, 2);

			if (l == NULL || take(rd, (uint32_t)get_le(l, 2)) == NULL)
				return -1;
		}
		return 0;
	case VG_FT_VECTOR_INTERVAL:
		if ((p = take(rd, 2)) == NULL)
			return -1;
		val->v.set.n = (uint16_t)get_le(p, 2);
		if ((val->v.set.p = take(rd, 8u * val->v.set.n)) == NULL)
			return -1;
		return 0;
	}
	return -1;
}

int64_t
vg_rec_interval_item(const struct vg_rec_value *vec, uint16_t i)
{
	return (int64_t)get_le(vec->v.set.p + 8u * i, 8);
}

int
vg_rec_set_item(const struct vg_rec_value *set, const uint8_t *end, uint16_t i, const uint8_t **p,
	uint16_t *len)
{
	const uint8_t *q = set->v.set.p;

	if (i >= set->v.set.n)
		return -1;
	for (uint16_t k = 0;; k++) {
		if (q + 2 > end)
			return -1;
		uint16_t l = (uint16_t)get_le(q, 2);

		if (q + 2 + l > end)
			return -1;
		if (k == i) {
			*p = q + 2;
			*len = l;
			return 0;
		}
		q += 2 + l;
	}
}
