/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exception port: a kernel interface (DPDK's net_tap) that receives the
 * host's own traffic from the capture port the workers read, and whose
 * output goes back out of that port. The workers classify (vg_exc_class.h)
 * and hand the host's frames to the main lcore through one ring each (one
 * producer, one consumer, no lock, no system call on a worker); the main
 * lcore writes them to the tap and sends what the kernel wrote out of the
 * capture port's TX queue 0, which nothing else uses. net_tap's RX and TX
 * are read()/write() calls: they belong on the main lcore, never a worker.
 */
#ifndef VG_EXC_PORT_H
#define VG_EXC_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vg_exc_class.h"
#include "vg_exc_hosts.h"

#define VG_EXC_MAX_RINGS 64
#define VG_EXC_RING      1024 /* frames waiting for the main lcore, per worker */

struct rte_ring;
struct rte_mempool;

struct vg_exc {
	struct vg_exc_cfg cls;
	struct vg_exc_hosts hosts; /* --host-addr and the addresses learned from iface */
	char iface[16];            /* the kernel interface (the tap's name) */
	uint16_t port_id;          /* the capture port (DPDK id) whose host traffic is diverted */
	uint16_t tap_id;           /* the exception port (DPDK id) */
	bool tap_up;
	struct rte_mempool *pool; /* the tap's RX buffers */
	uint16_t nrings;
	struct rte_ring *ring[VG_EXC_MAX_RINGS]; /* worker i -> main */
	/* Written by the main lcore only. */
	uint64_t to_kernel;         /* frames written to the tap */
	uint64_t to_kernel_refused; /* the tap did not take them */
	uint64_t from_kernel;       /* frames the kernel wrote, sent out of the port */
	uint64_t from_kernel_drops; /* the port's TX queue did not take them */
};

/*
 * Creates the tap IFACE with the capture port's MAC (the kernel answers ARP
 * and ND with the address the network already sends to), starts it and
 * makes one ring per worker; the workers classify with x->cls's addresses
 * (--host-addr) until the first vg_exc_learn. -1 with a one-line reason in err.
 */
int vg_exc_open(struct vg_exc *x, const char *iface, uint16_t capture_port, uint16_t nworkers,
	char *err, size_t errlen);

/*
 * Main lcore, once a second: reads the addresses the kernel has on the tap
 * and, when they changed, publishes them to the workers (vg_exc_hosts.h).
 * Returns true when they changed.
 */
bool vg_exc_learn(struct vg_exc *x);

/* Main lcore: moves what waits in either direction (bounded per call); true when it moved any. */
bool vg_exc_poll(struct vg_exc *x);

/* After the workers returned: frees what the rings hold, stops and removes the tap. */
void vg_exc_close(struct vg_exc *x);

#endif /* VG_EXC_PORT_H */
