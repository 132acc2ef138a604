/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "vg_exc_port.h"

#define TAP_VDEV    "net_tap_vgexc"
#define POOL_MBUFS  4095
#define POOL_CACHE  64
#define DESC        512
#define BURST       32
#define BURSTS_PASS 8 /* per direction and ring, per call */

static int
fail(char *err, size_t errlen, const char *what, const char *iface)
{
	snprintf(err, errlen, "--exception %s: %s (%s)", iface, what,
		rte_errno ? rte_strerror(rte_errno) : "see DPDK's messages above");
	return -1;
}

static int
tap_create(struct vg_exc *x, const char *iface, char *err, size_t errlen)
{
	struct rte_ether_addr mac;
	char args[128];

	if (rte_eth_macaddr_get(x->port_id, &mac) != 0)
		return fail(err, errlen, "cannot read the capture port's MAC address", iface);
	memcpy(x->cls.mac, mac.addr_bytes, 6);
	x->cls.has_mac = true;
	snprintf(args, sizeof(args), "iface=%s,mac=" RTE_ETHER_ADDR_PRT_FMT, iface,
		RTE_ETHER_ADDR_BYTES(&mac));
	if (rte_eal_hotplug_add("vdev", TAP_VDEV, args) != 0)
		return fail(err, errlen,
			"cannot create the tap interface; is the name free and net_tap built in",
			iface);
	if (rte_eth_dev_get_port_by_name(TAP_VDEV, &x->tap_id) != 0)
		return fail(err, errlen, "the tap port did not appear", iface);
	x->tap_up = true;
	return 0;
}

static int
tap_start(struct vg_exc *x, const char *iface, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nrx = DESC, ntx = DESC;

	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_info_get(x->tap_id, &info) == 0 &&
		(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	x->pool = rte_pktmbuf_pool_create("vg_exc_pool", POOL_MBUFS, POOL_CACHE, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (x->pool == NULL)
		return fail(err, errlen, "no memory for the tap's buffers", iface);
	if (rte_eth_dev_configure(x->tap_id, 1, 1, &conf) != 0 ||
		rte_eth_dev_adjust_nb_rx_tx_desc(x->tap_id, &nrx, &ntx) != 0 ||
		rte_eth_rx_queue_setup(x->tap_id, 0, nrx, rte_socket_id(), NULL, x->pool) != 0 ||
		rte_eth_tx_queue_setup(x->tap_id, 0, ntx, rte_socket_id(), NULL) != 0 ||
		rte_eth_dev_start(x->tap_id) != 0)
		return fail(err, errlen, "cannot start the tap port", iface);
	rte_eth_dev_set_link_up(x->tap_id);
	return 0;
}

int
vg_exc_open(struct vg_exc *x, const char *iface, uint16_t capture_port, uint16_t nworkers,
	char *err, size_t errlen)
{
	snprintf(x->iface, sizeof(x->iface), "%s", iface);
	x->port_id = capture_port;
	vg_exc_hosts_init(&x->hosts, &x->cls, nworkers);
	rte_errno = 0;
	if (tap_create(x, iface, err, errlen) != 0 || tap_start(x, iface, err, errlen) != 0)
		return -1;
	for (uint16_t i = 0; i < nworkers && i < VG_EXC_MAX_RINGS; i++) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "vg_exc_%u", i);
		x->ring[i] = rte_ring_create(
			name, VG_EXC_RING, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (x->ring[i] == NULL)
			return fail(err, errlen, "no memory for the exception rings", iface);
		x->nrings = (uint16_t)(i + 1);
	}
	return 0;
}

/* The workers' host frames to the kernel. */
static bool
to_kernel(struct vg_exc *x)
{
	struct rte_mbuf *m[BURST];
	bool moved = false;

	for (uint16_t r = 0; r < x->nrings; r++) {
		for (int b = 0; b < BURSTS_PASS; b++) {
			unsigned n = rte_ring_dequeue_burst(x->ring[r], (void **)m, BURST, NULL);

			if (n == 0)
				break;
			moved = true;
			uint16_t sent = rte_eth_tx_burst(x->tap_id, 0, m, (uint16_t)n);

			__atomic_store_n(&x->to_kernel, x->to_kernel + sent, __ATOMIC_RELAXED);
			if (sent < n) {
				__atomic_store_n(&x->to_kernel_refused,
					x->to_kernel_refused + (n - sent), __ATOMIC_RELAXED);
				rte_pktmbuf_free_bulk(m + sent, n - sent);
			}
		}
	}
	return moved;
}

/* What the kernel wrote, out of the capture port. */
static bool
from_kernel(struct vg_exc *x)
{
	struct rte_mbuf *m[BURST];
	bool moved = false;

	for (int b = 0; b < BURSTS_PASS; b++) {
		uint16_t n = rte_eth_rx_burst(x->tap_id, 0, m, BURST);

		if (n == 0)
			break;
		moved = true;
		uint16_t sent = rte_eth_tx_burst(x->port_id, 0, m, n);

		__atomic_store_n(&x->from_kernel, x->from_kernel + sent, __ATOMIC_RELAXED);
		if (sent < n) {
			__atomic_store_n(&x->from_kernel_drops,
				x->from_kernel_drops + (uint64_t)(n - sent), __ATOMIC_RELAXED);
			rte_pktmbuf_free_bulk(m + sent, (unsigned)(n - sent));
		}
	}
	return moved;
}

bool
vg_exc_learn(struct vg_exc *x)
{
	struct vg_addr a[VG_EXC_MAX_LEARNED];
	int n = vg_exc_if_addrs(x->iface, a, VG_EXC_MAX_LEARNED);
	bool changed = n >= 0 && vg_exc_hosts_learn(&x->hosts, a, (unsigned)n);

	vg_exc_hosts_publish(&x->hosts);
	return changed;
}

bool
vg_exc_poll(struct vg_exc *x)
{
	/* A change the workers were not all past yet goes out on a later pass. */
	vg_exc_hosts_publish(&x->hosts);
	bool a = to_kernel(x);
	bool b = from_kernel(x);

	return a || b;
}

void
vg_exc_close(struct vg_exc *x)
{
	struct rte_mbuf *m[BURST];
	unsigned n;

	for (uint16_t r = 0; r < x->nrings; r++) {
		while ((n = rte_ring_dequeue_burst(x->ring[r], (void **)m, BURST, NULL)) > 0)
			rte_pktmbuf_free_bulk(m, n);
		rte_ring_free(x->ring[r]);
		x->ring[r] = NULL;
	}
	x->nrings = 0;
	if (x->tap_up) {
		rte_eth_dev_stop(x->tap_id);
		rte_eth_dev_close(x->tap_id);
		rte_eal_hotplug_remove("vdev", TAP_VDEV);
		x->tap_up = false;
	}
	rte_mempool_free(x->pool);
	x->pool = NULL;
}
