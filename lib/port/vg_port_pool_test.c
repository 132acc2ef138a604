/* SPDX-License-Identifier: BSD-3-Clause */
/* Port pool sizing (vg_port_pool_size): enough packet buffers for every place they can be. */
#include "vg_dpdk_port.h"
#include "vg_test.h"

static uint64_t
need_of(const struct vg_pool_need *n)
{
	uint64_t segs = n->segs ? n->segs : 1;

	return (uint64_t)n->nrxq * n->rx_desc + n->tx_desc +
		(uint64_t)n->nlcores * (n->cache + n->cache / 2) +
		((uint64_t)n->nworkers * n->burst +
			(uint64_t)(n->nworkers > 1 ? n->nworkers : 0) * n->dispatch_ring) *
		segs;
}

static void
test_sizes(void)
{
	struct vg_pool_need n = {.nrxq = 1,
		.rx_desc = 1024,
		.tx_desc = 512,
		.nlcores = 2,
		.cache = 256,
		.nworkers = 1,
		.burst = 64,
		.segs = 1};

	/* One worker: the size it always had. */
	CHECK_EQ(vg_port_pool_size(&n), 16383);
	/* 16 RSS queues of 1024 descriptors: 16,383 could not even fill the rings. */
	n.nrxq = n.nworkers = 16;
	n.nlcores = 17;
	CHECK(vg_port_pool_size(&n) > 16383);
	CHECK(vg_port_pool_size(&n) >= need_of(&n));
	CHECK_EQ(vg_port_pool_size(&n), 32767);
	/* 4096-descriptor rings on 32 queues. */
	n.nrxq = n.nworkers = 32;
	n.nlcores = 33;
	n.rx_desc = 4096;
	CHECK(vg_port_pool_size(&n) >= need_of(&n));
	CHECK_EQ(vg_port_pool_size(&n), 262143);
	/* Software dispatch, 4 workers: their rings (4096 entries each in all) hold mbufs too. */
	struct vg_pool_need sw = {.nrxq = 1,
		.rx_desc = 1024,
		.tx_desc = 512,
		.nlcores = 5,
		.cache = 256,
		.nworkers = 4,
		.burst = 64,
		.dispatch_ring = 4096,
		.segs = 1};

	CHECK(vg_port_pool_size(&sw) >= need_of(&sw));
	CHECK_EQ(vg_port_pool_size(&sw), 32767);
	/* Jumbo frames over 2 KiB mbufs (RX scatter): five mbufs a frame in flight. */
	sw.segs = 5;
	CHECK(vg_port_pool_size(&sw) >= need_of(&sw));
	/* Never past the most a pool may hold; always 2^n - 1. */
	struct vg_pool_need huge = {.nrxq = 1024, .rx_desc = 65535, .nworkers = 64, .burst = 64};

	CHECK_EQ(vg_port_pool_size(&huge), VG_PORT_MAX_MBUFS - 1);
	for (uint32_t q = 1; q <= 64; q++) {
		n.nrxq = n.nworkers = q;
		n.nlcores = q + 1;
		n.rx_desc = 2048;
		uint32_t v = vg_port_pool_size(&n);

		CHECK(v >= need_of(&n) && (v & (v + 1)) == 0);
	}
}

int
main(void)
{
	test_sizes();
	printf("port-pool: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed != 0;
}
