/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Walking the connection pool a few slots at a time, for the owner of the
 * table only (the console's `show flows` asks each worker to do it at the end
 * of a burst, so no other thread ever reads the table).
 */
#include <string.h>

#include "vg_flow_private.h"

/* As conn.log's service: the tunnel first, then the analyzers'. */
static void
service_of(struct vg_flow_table *ft, struct vg_conn *c, struct vg_flow_view *v)
{
	const char *tun = c->tunnel_type ? vg_tunnel_service(c->tunnel_type) : NULL;
	uint32_t n = 0, cap = sizeof(v->service) - 1;

	if (tun != NULL) {
		n = (uint32_t)strnlen(tun, cap);
		memcpy(v->service, tun, n);
	}
	const struct vg_flow_hooks *h = ft->cfg.hooks;

	if (h != NULL && h->services != NULL && c->an != 0 && n + 1 < cap) {
		char *at = v->service + n + (n > 0);
		uint32_t got = h->services(ft->cfg.hooks_ctx, ft, c, at, cap - n - (n > 0));

		if (got > 0) {
			if (n > 0)
				v->service[n] = ',';
			n += got + (n > 0);
		}
	}
	v->service[n] = '\0';
}

static void
view_of(struct vg_flow_table *ft, struct vg_conn *c, struct vg_flow_view *v)
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
	service_of(ft, c, v);
}

uint32_t
vg_flow_scan(struct vg_flow_table *ft, uint32_t from, uint32_t budget,
	void (*fn)(void *ctx, const struct vg_flow_view *v), void *ctx)
{
	uint32_t end = ft->high_water, i = from;
	struct vg_flow_view v;

	for (; i < end && budget > 0; i++, budget--) {
		struct vg_conn *c = &ft->conns[i];

		if (!c->in_use)
			continue;
		view_of(ft, c, &v);
		fn(ctx, &v);
	}
	return i < end ? i : 0;
}
