/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Walking the connection pool a few slots at a time, for the owner of the
 * table only (the console's `show flows` asks each worker to do it at the end
 * of a burst, so no other thread ever reads the table).
 */
#include "vg_flow_private.h"

static void
view_of(const struct vg_conn *c, struct vg_flow_view *v)
{
	v->orig_h = c->orig_h;
	v->resp_h = c->resp_h;
	v->orig_p = c->orig_p;
	v->resp_p = c->resp_p;
	v->ip_proto = c->ip_proto;
	v->is_v4 = c->is_v4;
	v->session = c->session;
	v->pkts = c->orig.pkts + c->resp.pkts;
	v->bytes = c->orig.ip_bytes + c->resp.ip_bytes;
	v->start_ns = c->start_ns;
	v->last_ns = c->last_ns;
	v->uid_hi = c->uid_hi;
	v->uid_lo = c->uid_lo;
	v->tunnel = c->tunnel_type ? vg_tunnel_service(c->tunnel_type) : NULL;
}

uint32_t
vg_flow_scan(const struct vg_flow_table *ft, uint32_t from, uint32_t budget,
	void (*fn)(void *ctx, const struct vg_flow_view *v), void *ctx)
{
	uint32_t end = ft->high_water, i = from;
	struct vg_flow_view v;

	for (; i < end && budget > 0; i++, budget--) {
		const struct vg_conn *c = &ft->conns[i];

		if (!c->in_use)
			continue;
		view_of(c, &v);
		fn(ctx, &v);
	}
	return i < end ? i : 0;
}
