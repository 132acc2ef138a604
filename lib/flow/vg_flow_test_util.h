/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers of the flow-table tests under load: a counting sink and TCP/UDP packets. */
#ifndef VG_FLOW_TEST_UTIL_H
#define VG_FLOW_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_flow.h"
#include "vg_record.h"
#include "vg_schema.h"

/* ---- the record sink ---------------------------------------------------- */

struct sink {
	uint64_t n, conns, weirds;
	uint64_t digest; /* over every record's bytes, in order */
};

static inline bool
sink_write(void *ctx, const uint8_t *rec, uint32_t len)
{
	struct sink *s = ctx;

	s->n++;
	if (vg_rec_log_id(rec) == VG_LOG_CONN)
		s->conns++;
	if (vg_rec_log_id(rec) == VG_LOG_WEIRD)
		s->weirds++;
	for (uint32_t i = 0; i < len; i++)
		s->digest = (s->digest ^ rec[i]) * 0x100000001b3ULL;
	return true;
}

static inline struct vg_flow_table *
mk_table(struct sink *s, uint32_t max_flows)
{
	struct vg_flow_cfg cfg = {
		.max_flows = max_flows,
		.uid_seed = 7,
		.local_private = true,
		.sink = {.write = sink_write, .ctx = s},
	};

	memset(s, 0, sizeof(*s));
	s->digest = 0xcbf29ce484222325ULL;
	return vg_flow_table_create(&cfg);
}

/* ---- packets ------------------------------------------------------------ */

#define T0  1300475167000000000ULL
#define MS  1000000ULL
#define SEC 1000000000ULL

static const uint8_t zeros[128];

static inline void
tcp_pkt(struct vg_pkt *p, uint64_t ts, uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp,
	uint8_t flags)
{
	uint8_t s[4] = {10, (uint8_t)(src >> 16), (uint8_t)(src >> 8), (uint8_t)src};
	uint8_t d[4] = {10, (uint8_t)(dst >> 16), (uint8_t)(dst >> 8), (uint8_t)dst};

	memset(p, 0, sizeof(*p));
	p->ts_ns = ts;
	p->ip_version = 4;
	p->ip_proto = 6;
	p->ttl = 64;
	vg_addr_from_v4(&p->src, s);
	vg_addr_from_v4(&p->dst, d);
	p->ip = zeros;
	p->ip_hdr_len = 20;
	p->l4 = zeros + 20;
	p->l4_ok = VG_L4_FULL;
	p->sport = sp;
	p->dport = dp;
	p->tcp_flags = flags;
	p->tcp_seq = 1000;
	p->tcp_win = 65535;
	p->l4_len = p->l4_cap = 20;
	p->ip_len = 40;
	p->cap_len = p->wire_len = 54;
	p->payload = zeros + 40;
}

/* A client's SYN (flow i of a set), optionally answered and closed. */
static inline void
syn(struct vg_flow_table *ft, uint64_t ts, uint32_t i)
{
	struct vg_pkt p;

	tcp_pkt(&p, ts, i, (uint16_t)(1024 + i % 60000), 0x10000 + i % 7, 80, VG_TCP_SYN);
	vg_flow_packet(ft, &p);
}

/* A UDP packet of flow i (one client port per flow). */
static inline void
udp(struct vg_flow_table *ft, uint64_t ts, uint32_t i)
{
	struct vg_pkt p;

	tcp_pkt(&p, ts, i, (uint16_t)(1024 + i % 60000), 0x10000 + i % 7, 53, 0);
	p.ip_proto = 17;
	p.tcp_flags = 0;
	p.udp_len = 8;
	p.l4_len = p.l4_cap = 8;
	p.ip_len = 28;
	p.cap_len = p.wire_len = 42;
	p.payload = zeros + 28;
	vg_flow_packet(ft, &p);
}

#endif /* VG_FLOW_TEST_UTIL_H */
