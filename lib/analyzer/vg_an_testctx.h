/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A tiny stand-in for the analyzer framework's context, for analyzer unit
 * tests only: it implements the vg_an_* calls an analyzer makes, and renders
 * every record and weird as one text line into a buffer the test compares.
 * Include it in exactly one test file.
 */
#ifndef VG_AN_TESTCTX_H
#define VG_AN_TESTCTX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_analyzer.h"
#include "vg_flow.h"
#include "vg_record.h"

struct vg_an_ctx {
	uint64_t now;
	const char *uid;
	const struct vg_schema *schemas[4];
	uint8_t rec[VG_REC_MAX_LEN];
	char *out; /* rendered lines */
	size_t out_len, out_cap;
	unsigned confirms, violations, weirds, records, redetects;
	bool with_weirds; /* weirds go to out too */
	bool shadow;      /* vg_an_shadowed's answer */
	bool custom_id;   /* the endpoints below instead of 10.0.0.1:40000 -> 93.184.216.34:80 */
	struct vg_addr orig_h, resp_h;
	uint16_t orig_p, resp_p;
	/* vg_an_handoff: the analyzer asked for ("" none), the offset, and the answer */
	char handoff[16];
	uint32_t handoff_from;
	bool handoff_refuse;
	/* vg_an_expect: how many, the last one; vg_an_expect_origin's answer. */
	unsigned expects;
	bool expect_any_orig;
	struct vg_addr expect_orig_h, expect_resp_h;
	uint16_t expect_resp_p;
	const struct vg_analyzer *expect_an;
	void *origin;
	/* vg_an_buf_get: buffers out now (malloc'd and filled with junk, so a
	 * reader of bytes never written shows), and whether it refuses (a full pool). */
	int bufs_out;
	bool bufs_refuse;
};

static void
tc_reset(struct vg_an_ctx *cx)
{
	cx->out_len = 0;
	if (cx->out)
		cx->out[0] = '\0';
	cx->confirms = cx->violations = cx->weirds = cx->records = cx->redetects = 0;
}

static void
tc_put(struct vg_an_ctx *cx, const char *s, size_t n)
{
	if (cx->out_len + n + 1 > cx->out_cap) {
		cx->out_cap = (cx->out_len + n + 1) * 2;
		cx->out = realloc(cx->out, cx->out_cap);
	}
	memcpy(cx->out + cx->out_len, s, n);
	cx->out_len += n;
	cx->out[cx->out_len] = '\0';
}

void *
vg_an_buf_get(struct vg_an_ctx *cx, uint32_t size)
{
	void *b;

	if (size > VG_AN_BUF_MAX || cx->bufs_refuse)
		return NULL;
	b = malloc(size);
	if (b == NULL)
		return NULL;
	memset(b, 0xa5, size);
	cx->bufs_out++;
	return b;
}

void
vg_an_buf_put(struct vg_an_ctx *cx, void *buf, uint32_t size)
{
	(void)size;
	if (buf == NULL)
		return;
	cx->bufs_out--;
	free(buf);
}

static void
tc_puts(struct vg_an_ctx *cx, const char *s)
{
	tc_put(cx, s, strlen(s));
}

uint64_t
vg_an_now(const struct vg_an_ctx *cx)
{
	return cx->now;
}

const char *
vg_an_uid(const struct vg_an_ctx *cx)
{
	return cx->uid;
}

void
vg_an_id(const struct vg_an_ctx *cx, struct vg_addr *oh, uint16_t *op, struct vg_addr *rh,
	uint16_t *rp)
{
	static const uint8_t o[4] = {10, 0, 0, 1}, r[4] = {93, 184, 216, 34};

	if (cx->custom_id) {
		if (oh)
			*oh = cx->orig_h;
		if (rh)
			*rh = cx->resp_h;
		if (op)
			*op = cx->orig_p;
		if (rp)
			*rp = cx->resp_p;
		return;
	}
	if (oh)
		vg_addr_from_v4(oh, o);
	if (rh)
		vg_addr_from_v4(rh, r);
	if (op)
		*op = 40000;
	if (rp)
		*rp = 80;
}

bool
vg_an_is_tcp(const struct vg_an_ctx *cx)
{
	(void)cx;
	return true;
}

/* The test's addresses: 10.0.0.1 (orig) is local, 93.184.216.34 (resp) is not. */
bool
vg_an_is_local(const struct vg_an_ctx *cx, const struct vg_addr *a)
{
	(void)cx;
	return vg_addr_is_private(a);
}

static const struct vg_schema *
tc_schema(const struct vg_an_ctx *cx, uint16_t id)
{
	for (int i = 0; i < 4; i++)
		if (cx->schemas[i] && cx->schemas[i]->id == id)
			return cx->schemas[i];
	return NULL;
}

void
vg_an_rec_begin_id(struct vg_an_ctx *cx, struct vg_rec *r, uint16_t log_id, uint64_t ts_ns,
	const struct vg_addr *oh, uint16_t op, const struct vg_addr *rh, uint16_t rp)
{
	vg_rec_begin(r, cx->rec, sizeof(cx->rec), tc_schema(cx, log_id));
	vg_rec_time(r, ts_ns);
	vg_rec_cstr(r, cx->uid);
	vg_rec_addr(r, oh);
	vg_rec_port(r, op);
	vg_rec_addr(r, rh);
	vg_rec_port(r, rp);
}

void
vg_an_rec_begin(struct vg_an_ctx *cx, struct vg_rec *r, uint16_t log_id, uint64_t ts_ns)
{
	struct vg_addr oh, rh;
	uint16_t op, rp;

	vg_an_id(cx, &oh, &op, &rh, &rp);
	vg_an_rec_begin_id(cx, r, log_id, ts_ns, &oh, op, &rh, rp);
}

bool
vg_an_shadowed(const struct vg_an_ctx *cx)
{
	return cx->shadow;
}

void
vg_an_rec_begin_plain(struct vg_an_ctx *cx, struct vg_rec *r, uint16_t log_id)
{
	vg_rec_begin(r, cx->rec, sizeof(cx->rec), tc_schema(cx, log_id));
}

static uint64_t
tc_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Renders a record: "path<TAB>field<TAB>...", addresses as "addr". */
static void
tc_render(struct vg_an_ctx *cx, const uint8_t *rec, uint32_t len)
{
	const struct vg_schema *s = tc_schema(cx, (uint16_t)tc_le(rec + 4, 2));
	const uint8_t *p = rec + VG_REC_HDR_LEN + 8, *end = rec + len;
	char b[64];

	tc_puts(cx, s->path);
	for (uint16_t f = 0; f < s->nfields; f++) {
		tc_puts(cx, "\t");
		if (rec[VG_REC_HDR_LEN + f / 8] & (1u << (f % 8))) {
			tc_puts(cx, "-");
			continue;
		}
		switch (s->fields[f].type) {
		case VG_FT_TIME:
		case VG_FT_INTERVAL:
			snprintf(b, sizeof(b), "%.6f", (double)(int64_t)tc_le(p, 8) / 1e9);
			tc_puts(cx, b);
			p += 8;
			break;
		case VG_FT_COUNT:
		case VG_FT_INT:
			snprintf(b, sizeof(b), "%llu", (unsigned long long)tc_le(p, 8));
			tc_puts(cx, b);
			p += 8;
			break;
		case VG_FT_PORT:
			snprintf(b, sizeof(b), "%u", (unsigned)tc_le(p, 2));
			tc_puts(cx, b);
			p += 2;
			break;
		case VG_FT_BOOL:
			tc_puts(cx, *p ? "T" : "F");
			p += 1;
			break;
		case VG_FT_DOUBLE:
			p += 8;
			tc_puts(cx, "double");
			break;
		case VG_FT_ADDR:
			p += 16;
			tc_puts(cx, "addr");
			break;
		case VG_FT_STRING:
		case VG_FT_ENUM: {
			uint16_t n = (uint16_t)tc_le(p, 2);
			tc_put(cx, (const char *)p + 2, n);
			p += 2 + n;
			break;
		}
		default: {
			uint16_t n = (uint16_t)tc_le(p, 2);
			p += 2;
			if (n == 0)
				tc_puts(cx, "(empty)");
			for (uint16_t i = 0; i < n && p < end; i++) {
				uint16_t l = (uint16_t)tc_le(p, 2);
				if (i)
					tc_puts(cx, ",");
				tc_put(cx, (const char *)p + 2, l);
				p += 2 + l;
			}
			break;
		}
		}
	}
	tc_puts(cx, "\n");
}

bool
vg_an_rec_write(struct vg_an_ctx *cx, struct vg_rec *r)
{
	uint32_t len = vg_rec_end(r);

	if (len == 0)
		return false;
	cx->records++;
	tc_render(cx, r->buf, len);
	return true;
}

void
vg_an_confirm(struct vg_an_ctx *cx)
{
	cx->confirms++;
}

void
vg_an_violate(struct vg_an_ctx *cx, const char *reason)
{
	(void)reason;
	cx->violations++;
}

/* Confirmed and never violated, as the framework's service list would say. */
bool
vg_an_in_service(const struct vg_an_ctx *cx)
{
	return cx->confirms > 0 && cx->violations == 0;
}

void
vg_an_redetect(struct vg_an_ctx *cx)
{
	cx->redetects++;
}

void
vg_an_sig_pdu(struct vg_an_ctx *cx, enum vg_an_sig_type type, bool is_orig, const uint8_t *data,
	uint32_t len, unsigned flags)
{
	(void)cx;
	(void)type;
	(void)is_orig;
	(void)data;
	(void)len;
	(void)flags;
}

/* Renders "tunnel<TAB>type<TAB>orig_p<TAB>resp_p". */
void
vg_an_tunnel_register(struct vg_an_ctx *cx, const char *type, const struct vg_addr *orig_h,
	uint16_t orig_p, const struct vg_addr *resp_h, uint16_t resp_p)
{
	char b[96];

	(void)orig_h;
	(void)resp_h;
	snprintf(b, sizeof(b), "tunnel\t%s\t%u\t%u\n", type, orig_p, resp_p);
	tc_puts(cx, b);
}

void
vg_an_weird_src(struct vg_an_ctx *cx, const char *name, const char *addl, const char *source)
{
	(void)source;
	vg_an_weird(cx, name, addl);
}

bool
vg_an_handoff(struct vg_an_ctx *cx, const char *name, uint32_t from)
{
	snprintf(cx->handoff, sizeof(cx->handoff), "%s", name);
	cx->handoff_from = from;
	return !cx->handoff_refuse;
}

void
vg_an_weird(struct vg_an_ctx *cx, const char *name, const char *addl)
{
	cx->weirds++;
	if (!cx->with_weirds)
		return;
	tc_puts(cx, "weird\t");
	tc_puts(cx, name);
	tc_puts(cx, "\t");
	tc_puts(cx, addl ? addl : "-");
	tc_puts(cx, "\n");
}

bool
vg_an_expect(struct vg_an_ctx *cx, const struct vg_addr *orig_h, const struct vg_addr *resp_h,
	uint16_t resp_p, const struct vg_analyzer *an, uint64_t timeout_ns)
{
	(void)timeout_ns;
	cx->expects++;
	cx->expect_any_orig = orig_h == NULL;
	if (orig_h != NULL)
		cx->expect_orig_h = *orig_h;
	cx->expect_resp_h = *resp_h;
	cx->expect_resp_p = resp_p;
	cx->expect_an = an;
	return true;
}

void *
vg_an_expect_origin(struct vg_an_ctx *cx, const struct vg_analyzer *origin)
{
	(void)origin;
	return cx->origin;
}

#endif /* VG_AN_TESTCTX_H */
