/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker answers the console's `show flows` from its own flow table, a
 * bounded number of slots per loop, keeping the top entries in its query
 * block; the main lcore reads them once the worker publishes `done`.
 */
#include <string.h>
#include <strings.h>

#include "vg_live.h"

static bool
prefix_match(const struct vg_addr *a, const struct vg_addr *net, uint8_t bits)
{
	uint8_t whole = bits / 8, rest = bits % 8;

	if (memcmp(a->b, net->b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));

	return (a->b[whole] & mask) == (net->b[whole] & mask);
}

/* name is one of the comma-separated list's entries. */
static bool
has_service(const char *list, const char *name)
{
	size_t n = strlen(name);

	while (*list != '\0') {
		size_t l = strcspn(list, ",");

		if (l == n && strncasecmp(list, name, n) == 0)
			return true;
		list += l + (list[l] == ',');
	}
	return false;
}

bool
vg_flow_filter_match(const struct vg_flow_filter *f, const struct vg_flow_view *v)
{
	if ((f->have & VG_FF_HOST) && memcmp(&v->orig_h, &f->host, sizeof(f->host)) != 0 &&
		memcmp(&v->resp_h, &f->host, sizeof(f->host)) != 0)
		return false;
	if ((f->have & VG_FF_NET) && !prefix_match(&v->orig_h, &f->net, f->net_bits) &&
		!prefix_match(&v->resp_h, &f->net, f->net_bits))
		return false;
	if ((f->have & VG_FF_PORT) && v->orig_p != f->port && v->resp_p != f->port)
		return false;
	if ((f->have & VG_FF_PROTO) && v->ip_proto != f->proto)
		return false;
	if ((f->have & VG_FF_SERVICE) && !has_service(v->service, f->service))
		return false;
	if ((f->have & VG_FF_SESSION) && v->session != f->session)
		return false;
	return true;
}

static uint64_t
key_of(const struct vg_flow_view *v, uint8_t order)
{
	switch (order) {
	case VG_ORDER_PACKETS:
		return v->pkts;
	case VG_ORDER_DURATION:
		return v->last_ns > v->start_ns ? v->last_ns - v->start_ns : 0;
	default:
		return v->bytes;
	}
}

/* Keeps view[] sorted by key, largest first, at most q->top entries. */
static void
take(void *ctx, const struct vg_flow_view *v)
{
	struct vg_live_query *q = ctx;
	uint64_t k = key_of(v, q->order);
	uint32_t at = q->n;

	q->walked++;
	if (!vg_flow_filter_match(&q->filter, v))
		return;
	q->matched++;
	while (at > 0 && key_of(&q->view[at - 1], q->order) < k)
		at--;
	if (at >= q->top)
		return;
	uint32_t keep = q->n < q->top ? q->n : q->top - 1u;

	memmove(&q->view[at + 1], &q->view[at], (keep - at) * sizeof(q->view[0]));
	q->view[at] = *v;
	if (q->n < q->top)
		q->n++;
}

void
vg_live_query_step(struct vg_flow_table *ft, struct vg_live_query *q)
{
	uint32_t req = q->req; /* acquired by the caller */

	if (q->seen != req) {
		q->seen = req;
		q->cursor = 0;
		q->n = 0;
		q->matched = q->walked = 0;
		if (q->top > VG_LIVE_QUERY_TOP)
			q->top = VG_LIVE_QUERY_TOP;
	}
	q->cursor = vg_flow_scan(ft, q->cursor, VG_LIVE_QUERY_BUDGET, take, q);
	if (q->cursor == 0)
		__atomic_store_n(&q->done, req, __ATOMIC_RELEASE);
}
