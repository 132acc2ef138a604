/* SPDX-License-Identifier: BSD-3-Clause */
/* What an analyzer may ask of the framework during a call (vg_analyzer.h). */
#include "vg_an_private.h"

_Static_assert((int)VG_AN_END_TIMEOUT == (int)VG_CONN_END_TIMEOUT &&
		(int)VG_AN_END_CLOSE == (int)VG_CONN_END_CLOSE &&
		(int)VG_AN_END_EVICT == (int)VG_CONN_END_EVICT &&
		(int)VG_AN_END_FLUSH == (int)VG_CONN_END_FLUSH,
	"enum vg_an_end and enum vg_conn_end differ");

uint64_t
vg_an_now(const struct vg_an_ctx *cx)
{
	return cx->now;
}

const char *
vg_an_uid(const struct vg_an_ctx *cx)
{
	struct vg_an_ctx *m = (struct vg_an_ctx *)cx; /* formatted once, on first use */

	if (m->uid[0] == '\0')
		vg_uid_format(cx->c->uid_hi, cx->c->uid_lo, m->uid);
	return cx->uid;
}

void
vg_an_id(const struct vg_an_ctx *cx, struct vg_addr *orig_h, uint16_t *orig_p,
	struct vg_addr *resp_h, uint16_t *resp_p)
{
	const struct vg_conn *c = cx->c;

	if (orig_h != NULL)
		*orig_h = c->orig_h;
	if (orig_p != NULL)
		*orig_p = c->orig_p;
	if (resp_h != NULL)
		*resp_h = c->resp_h;
	if (resp_p != NULL)
		*resp_p = c->resp_p;
}

bool
vg_an_is_tcp(const struct vg_an_ctx *cx)
{
	return cx->c->kind == VG_KIND_TCP;
}

bool
vg_an_is_local(const struct vg_an_ctx *cx, const struct vg_addr *a)
{
	bool local = false;

	/* Site::is_local_addr: in Site::local_nets (--local-nets and the private space). */
	return vg_addr_local(&cx->ft->cfg, a, &local) && local;
}

void
vg_an_rec_begin_id(struct vg_an_ctx *cx, struct vg_rec *r, uint16_t log_id, uint64_t ts_ns,
	const struct vg_addr *orig_h, uint16_t orig_p, const struct vg_addr *resp_h,
	uint16_t resp_p)
{
	const char *uid = vg_an_uid(cx);

	vg_rec_begin(r, cx->w->rec, sizeof(cx->w->rec), vg_schema_get(log_id));
	vg_rec_time(r, ts_ns);
	vg_rec_str(r, uid, (uint32_t)strlen(uid));
	vg_rec_addr(r, orig_h);
	vg_rec_port(r, orig_p);
	vg_rec_addr(r, resp_h);
	vg_rec_port(r, resp_p);
}

void
vg_an_rec_begin(struct vg_an_ctx *cx, struct vg_rec *r, uint16_t log_id, uint64_t ts_ns)
{
	const struct vg_conn *c = cx->c;

	vg_an_rec_begin_id(cx, r, log_id, ts_ns, &c->orig_h, c->orig_p, &c->resp_h, c->resp_p);
}

bool
vg_an_shadowed(const struct vg_an_ctx *cx)
{
	return cx->ft->cfg.shadow;
}

void
vg_an_rec_begin_plain(struct vg_an_ctx *cx, struct vg_rec *r, uint16_t log_id)
{
	vg_rec_begin(r, cx->w->rec, sizeof(cx->w->rec), vg_schema_get(log_id));
}

bool
vg_an_rec_write(struct vg_an_ctx *cx, struct vg_rec *r)
{
	cx->w->stats.records++;
	return vg_flow_emit(cx->ft, r->buf, vg_rec_end(r));
}

void
vg_an_confirm(struct vg_an_ctx *cx)
{
	struct vg_an_conn *ac = cx->ac;
	struct vg_an_att *a = &ac->att[cx->att];

	if (a->flags & VG_ATT_CONFIRMED)
		return; /* Zeek confirms an analyzer instance once */
	a->flags |= VG_ATT_CONFIRMED;
	cx->w->stats.confirmed++;
	/* c$service is an ordered set: a name goes in once, at the end. */
	for (uint8_t i = 0; i < ac->nsvc; i++)
		if (ac->svc[i] == a->an)
			return;
	if (ac->nsvc < VG_AN_PER_CONN)
		ac->svc[ac->nsvc++] = a->an;
}

/* Payload bytes both sides sent so far: Zeek's c$orig$size + c$resp$size. */
static uint64_t
conn_size(const struct vg_conn *c)
{
	if (c->kind == VG_KIND_TCP)
		return vg_tcp_size(&c->tcp[0], &c->tcp[1]) + vg_tcp_size(&c->tcp[1], &c->tcp[0]);
	return (uint64_t)(c->orig.size > 0 ? c->orig.size : 0) +
		(uint64_t)(c->resp.size > 0 ? c->resp.size : 0);
}

void
vg_an_violate(struct vg_an_ctx *cx, const char *reason)
{
	struct vg_an_conn *ac = cx->ac;
	struct vg_an_att *a = &ac->att[cx->att];

	(void)reason; /* analyzer.log is not written (yet) */
	if (!(a->flags & VG_ATT_LIVE))
		return;
	if (conn_size(cx->c) > VG_AN_IGNORE_VIOLATIONS_AFTER) {
		cx->w->stats.violations_ignored++;
		return;
	}
	a->flags &= (uint8_t)~VG_ATT_LIVE;
	cx->w->stats.violations++;
	/* analyzer_failed (dpd.zeek): a confirmed service is deleted from c$service. */
	for (uint8_t i = 0; i < ac->nsvc; i++) {
		if (ac->svc[i] != a->an)
			continue;
		memmove(&ac->svc[i], &ac->svc[i + 1], (size_t)(ac->nsvc - i - 1));
		ac->nsvc--;
		break;
	}
}

static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h | 1;
}

void
vg_an_weird_src(struct vg_an_ctx *cx, const char *name, const char *addl, const char *source)
{
	struct vg_an_conn *ac = cx->ac;
	uint32_t h = name_hash(name);

	/* Like the flow table's weirds: a name once per connection. */
	for (uint8_t i = 0; i < ac->nweird; i++) {
		if (ac->weird_seen[i] == h) {
			cx->w->stats.weirds_suppressed++;
			return;
		}
	}
	if (ac->nweird < VG_AN_WEIRDS)
		ac->weird_seen[ac->nweird++] = h;
	vg_flow_conn_weird_named(cx->ft, cx->c, cx->now, name, addl, source);
}

void
vg_an_weird(struct vg_an_ctx *cx, const char *name, const char *addl)
{
	vg_an_weird_src(cx, name, addl, cx->w->source[cx->ac->att[cx->att].an]);
}

bool
vg_an_handoff(struct vg_an_ctx *cx, const char *name, uint32_t from)
{
	struct vg_an_worker *w = cx->w;
	struct vg_an_conn *ac = cx->ac;
	uint8_t caller = cx->att;
	uint32_t i;

	for (i = 0; i < w->nan; i++)
		if (strcmp(w->ans[i]->name, name) == 0)
			break;
	for (uint8_t k = 0; i < w->nan && k < ac->natt; k++)
		if (ac->att[k].an == i)
			i = w->nan; /* already attached */
	if (i >= w->nan || !vg_an_attach(w, cx, i)) {
		cx->att = caller;
		w->stats.handoffs_failed++;
		return false;
	}
	w->stats.handoffs++;
	cx->handoff_att = cx->att;
	cx->handoff_from = from;
	cx->att = caller;
	ac->att[caller].flags |= VG_ATT_HANDED;
	return true;
}

bool
vg_an_in_service(const struct vg_an_ctx *cx)
{
	const struct vg_an_conn *ac = cx->ac;

	for (uint8_t i = 0; i < ac->nsvc; i++)
		if (ac->svc[i] == ac->att[cx->att].an)
			return true;
	return false;
}

void
vg_an_tunnel_register(struct vg_an_ctx *cx, const char *type, const struct vg_addr *orig_h,
	uint16_t orig_p, const struct vg_addr *resp_h, uint16_t resp_p)
{
	vg_flow_tunnel_register(cx->ft, cx->now, type, orig_h, orig_p, resp_h, resp_p);
}

_Static_assert((int)VG_AN_SIG_HTTP_REQUEST == (int)VG_SIG_PAT_HTTP_REQUEST &&
		(int)VG_AN_SIG_HTTP_REQUEST_HEADER == (int)VG_SIG_PAT_HTTP_REQUEST_HEADER &&
		(int)VG_AN_SIG_HTTP_REQUEST_BODY == (int)VG_SIG_PAT_HTTP_REQUEST_BODY &&
		(int)VG_AN_SIG_HTTP_REPLY_HEADER == (int)VG_SIG_PAT_HTTP_REPLY_HEADER &&
		(int)VG_AN_SIG_HTTP_REPLY_BODY == (int)VG_SIG_PAT_HTTP_REPLY_BODY &&
		(int)VG_AN_SIG_FTP == (int)VG_SIG_PAT_FTP &&
		(int)VG_AN_SIG_FINGER == (int)VG_SIG_PAT_FINGER &&
		VG_AN_SIG_BEGIN == VG_SIG_PDU_BEGIN && VG_AN_SIG_END == VG_SIG_PDU_END,
	"enum vg_an_sig_type and enum vg_sig_pat_type differ");

void
vg_an_sig_pdu(struct vg_an_ctx *cx, enum vg_an_sig_type type, bool is_orig, const uint8_t *data,
	uint32_t len, unsigned flags)
{
	if (cx->w->sig != NULL)
		vg_sig_pdu(vg_an_sig_for(cx->w, cx->ft, cx->c), cx->ft, cx->c, cx->now,
			(uint8_t)type, is_orig, data, len, flags);
}
