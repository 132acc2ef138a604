/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the flow table under hostile input: the keyed flow hash,
 * network time that jumps, bounded timer work and timers that are never lost.
 * Records are kept in memory, compared byte for byte or counted by log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_flow.h"
#include "vg_hash.h"
#include "vg_record.h"
#include "vg_schema.h"
#include "vg_test.h"

/* ---- the record sink ---------------------------------------------------- */

struct sink {
	uint64_t n, conns, weirds;
	uint64_t digest; /* over every record's bytes, in order */
	uint8_t last_weird[64];
};

static bool
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

static struct vg_flow_table *
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

static void
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
static void
syn(struct vg_flow_table *ft, uint64_t ts, uint32_t i)
{
	struct vg_pkt p;

	tcp_pkt(&p, ts, i, (uint16_t)(1024 + i % 60000), 0x10000 + i % 7, 80, VG_TCP_SYN);
	vg_flow_packet(ft, &p);
}

/* ---- the keyed hash ------------------------------------------------------ */

static void
test_hash_keyed(void)
{
	struct vg_addr a, b;
	uint8_t va[4] = {192, 168, 1, 1}, vb[4] = {8, 8, 4, 4};
	uint32_t moved = 0;

	vg_addr_from_v4(&a, va);
	vg_addr_from_v4(&b, vb);
	CHECK(vg_hash_key_init(true, 1) == 0);
	/* Symmetric for two-way keys, directed for one-way ones. */
	CHECK_EQ(vg_hash_flow(&a, 1234, &b, 80, 6, 0, false),
		vg_hash_flow(&b, 80, &a, 1234, 6, 0, false));
	CHECK(vg_hash_flow(&a, 8, &b, 0, 1, 0, true) != vg_hash_flow(&b, 0, &a, 8, 1, 0, true));
	CHECK_EQ(vg_hash_addr_pair(&a, &b, 3), vg_hash_addr_pair(&b, &a, 3));
	CHECK(vg_hash_addr_pair(&a, &b, 3) != vg_hash_addr_pair(&a, &b, 4));

	/* The key decides the hash: another key moves (nearly) every flow's bucket. */
	uint64_t h1[256];

	for (uint32_t i = 0; i < 256; i++)
		h1[i] = vg_hash_flow(&a, (uint16_t)i, &b, 80, 6, 0, false);
	CHECK(vg_hash_key_init(true, 2) == 0);
	for (uint32_t i = 0; i < 256; i++)
		moved += (h1[i] & 0xffff) !=
			(vg_hash_flow(&a, (uint16_t)i, &b, 80, 6, 0, false) & 0xffff);
	CHECK(moved >= 250);
	/* A fixed seed gives the same key again; a random one another. */
	CHECK(vg_hash_key_init(true, 1) == 0);
	CHECK_EQ(h1[5], vg_hash_flow(&a, 5, &b, 80, 6, 0, false));
	CHECK(vg_hash_key_init(false, 0) == 0);
	CHECK(h1[5] != vg_hash_flow(&a, 5, &b, 80, 6, 0, false));
}

/* The same input gives the same records (uids, order) whatever the hash key. */
static uint64_t
run_flows_with_key(uint64_t seed)
{
	struct sink s;
	struct vg_flow_table *ft;

	vg_hash_key_init(true, seed);
	ft = mk_table(&s, 64); /* small: evictions and chains both happen */
	CHECK(ft != NULL);
	if (ft == NULL)
		return 0;
	for (uint32_t i = 0; i < 500; i++)
		syn(ft, T0 + i * 10 * MS, i * 7919 % 300);
	vg_flow_flush(ft);
	CHECK(s.conns > 64);
	vg_flow_table_free(ft);
	return s.digest;
}

static void
test_hash_key_keeps_output(void)
{
	uint64_t d1 = run_flows_with_key(11), d2 = run_flows_with_key(12);

	CHECK(d1 != 0);
	CHECK_EQ(d1, d2);
}

int
main(void)
{
	test_hash_keyed();
	test_hash_key_keeps_output();
	printf("flow-hard: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
