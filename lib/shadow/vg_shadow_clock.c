/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shadow listener's timeouts (vg_shadow_private.h): each open connection
 * is on one of two lists, busy or idle, appended when its clock starts. The
 * clock is the monotonic time of the poll, which never goes back, so each
 * list stays ordered: the sweep stops at the first head within its limit,
 * and the eviction takes the older of the two heads.
 */
#include "vg_shadow_private.h"

void
vg_sh_clock_init(struct vg_shadow *s)
{
	for (int i = 0; i < 2; i++)
		s->head[i] = s->tail[i] = VG_SH_NIL;
}

static bool
busy(const struct vg_sh_conn *c)
{
	return vg_shreq_busy(&c->req) || c->owed > 0;
}

void
vg_sh_clock_stop(struct vg_shadow *s, struct vg_sh_conn *c)
{
	if (c->clock == VG_SH_NONE)
		return;
	if (c->prev != VG_SH_NIL)
		s->conns[c->prev].next = c->next;
	else
		s->head[c->clock] = c->next;
	if (c->next != VG_SH_NIL)
		s->conns[c->next].prev = c->prev;
	else
		s->tail[c->clock] = c->prev;
	c->clock = VG_SH_NONE;
}

void
vg_sh_clock_set(struct vg_shadow *s, struct vg_sh_conn *c, bool touch)
{
	uint8_t want = busy(c) ? VG_SH_BUSY : VG_SH_IDLE;
	uint32_t idx = (uint32_t)(c - s->conns);

	if (!touch && want == c->clock)
		return;
	vg_sh_clock_stop(s, c);
	c->since_ns = s->mono_ns;
	c->clock = want;
	c->next = VG_SH_NIL;
	c->prev = s->tail[want];
	if (c->prev != VG_SH_NIL)
		s->conns[c->prev].next = idx;
	else
		s->head[want] = idx;
	s->tail[want] = idx;
}

struct vg_sh_conn *
vg_sh_clock_oldest(struct vg_shadow *s)
{
	struct vg_sh_conn *b = s->head[0] != VG_SH_NIL ? &s->conns[s->head[0]] : NULL;
	struct vg_sh_conn *i = s->head[1] != VG_SH_NIL ? &s->conns[s->head[1]] : NULL;

	if (b == NULL || (i != NULL && i->since_ns < b->since_ns))
		return i;
	return b;
}

struct vg_sh_conn *
vg_sh_clock_expired(struct vg_shadow *s, int *which)
{
	uint64_t limit[2] = {
		(uint64_t)s->cfg.request_ms * 1000000ULL, (uint64_t)s->cfg.idle_ms * 1000000ULL};

	for (int k = 0; k < 2; k++) {
		struct vg_sh_conn *c = s->head[k] != VG_SH_NIL ? &s->conns[s->head[k]] : NULL;

		if (c != NULL && s->mono_ns - c->since_ns > limit[k]) {
			*which = k;
			return c;
		}
	}
	return NULL;
}
