/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK ports for live capture: one RX queue per worker where the port can
 * spread flows by a symmetric RSS hash, else as many queues as the port
 * offers (up to one per worker) and software dispatch (vg_live.h). Mempools sit on each port's NUMA
 * node. Link changes and ports that disappear are reported, never fatal.
 */
#ifndef VG_DPDK_PORT_H
#define VG_DPDK_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vg_clock.h"

#define VG_MAX_PORTS 16

enum vg_dispatch {
	VG_DISPATCH_AUTO,     /* RSS when the port can, else software */
	VG_DISPATCH_RSS,      /* the NIC's symmetric RSS, one queue per worker */
	VG_DISPATCH_SOFTWARE, /* each queue's poller hashes and re-dispatches */
};

struct vg_port {
	uint16_t id;
	char name[64];
	char driver[32];
	int socket;
	uint16_t nrxq;
	bool rss;          /* flows spread by the NIC */
	bool hw_timestamp; /* RX timestamps from the NIC */
	bool rx_cksum;     /* the NIC verifies IPv4/TCP/UDP checksums */
	bool inner_rss;    /* rte_flow rules spread mirrored flows by their inner headers */
	bool link_up;
	bool gone;          /* removed at run time */
	bool scatter;       /* RX scatter: a frame may span several mbufs */
	bool mtu_clamped;   /* the port's limit is below the MTU asked for */
	uint16_t mtu;       /* 0: the port takes any frame size (net_pcap) */
	uint32_t frame_max; /* the largest frame it receives whole (0: any) */
	uint32_t mbufs;     /* its pool's packet buffers */
	uint16_t mbuf_data; /* bytes of frame per mbuf */
	struct rte_mempool *pool;
};

/* How a port's RX timestamps map to network time (ns since the epoch). */
enum vg_ts_mode {
	VG_TS_NONE,     /* the TSC at receive time */
	VG_TS_EPOCH_US, /* microseconds since the epoch (net_pcap: the capture time) */
	VG_TS_DEVICE,   /* the NIC's clock, calibrated against the wall clock */
};

struct vg_port_ts {
	uint8_t mode;          /* enum vg_ts_mode */
	struct vg_clock clock; /* VG_TS_DEVICE: the NIC's clock, re-pinned by the main lcore */
};

#define VG_PORT_TS_IDS 64

struct vg_ports {
	uint16_t n;
	struct vg_port_ts ts[VG_PORT_TS_IDS]; /* by port id */
	struct vg_port port[VG_MAX_PORTS];
	bool software; /* software dispatch in use */
	int ts_offset; /* mbuf dynfield offset of the RX timestamp, or -1 */
	uint64_t ts_flag;
};

struct vg_ports_cfg {
	uint16_t nworkers;
	uint16_t nlcores; /* every lcore EAL has (each may cache mbufs) */
	enum vg_dispatch dispatch;
	uint32_t mbufs;         /* per port; 0 = sized by vg_port_pool_size */
	uint32_t dispatch_ring; /* mbufs each worker's software dispatch rings hold in all */
	uint16_t mbuf_priv;     /* software dispatch: bytes of private area per mbuf */
	uint16_t mtu;           /* 0 = VG_PORT_DEFAULT_MTU, clamped to what the port allows */
	uint16_t rx_desc;       /* per queue; 0 = default */
	const uint16_t *only;   /* capture only these port ids (NULL = all) */
	uint16_t nonly;
	uint8_t mirror;   /* VG_MIRROR_* bits: ask for inner-header RSS on these */
	bool no_rx_cksum; /* leave RX checksum offload off */
};

#define VG_PORT_DEFAULT_MTU 9000
#define VG_PORT_MIN_MBUFS   16383
#define VG_PORT_MAX_MBUFS   (1u << 26)

/* Where a port's packet buffers can be at once (vg_port_pool_size). */
struct vg_pool_need {
	uint32_t nrxq, rx_desc, tx_desc; /* every descriptor holds one */
	uint32_t nlcores, cache;         /* each lcore's cache holds up to 1.5 x cache */
	uint32_t nworkers, burst;        /* each worker has a burst in flight */
	uint32_t dispatch_ring;          /* software dispatch: each worker's rings in all */
	uint32_t segs;                   /* mbufs per frame (RX scatter) */
};

/*
 * Packet buffers for a port's pool: all of the above at once, with room to
 * spare (a quarter), as 2^n - 1 (the size a mempool stores best), never fewer
 * than VG_PORT_MIN_MBUFS nor more than VG_PORT_MAX_MBUFS.
 */
static inline uint32_t
vg_port_pool_size(const struct vg_pool_need *n)
{
	uint64_t segs = n->segs ? n->segs : 1;
	uint64_t x = (uint64_t)n->nrxq * n->rx_desc + n->tx_desc +
		(uint64_t)n->nlcores * (n->cache + n->cache / 2) +
		((uint64_t)n->nworkers * n->burst +
			(uint64_t)(n->nworkers > 1 ? n->nworkers : 0) * n->dispatch_ring) *
			segs;
	uint64_t size = VG_PORT_MIN_MBUFS;

	x += x / 4;
	while (size < x && size < VG_PORT_MAX_MBUFS - 1)
		size = size * 2 + 1;
	return (uint32_t)size;
}

/* Configures and starts the ports; -1 with a one-line reason in err. */
int vg_ports_setup(struct vg_ports *ps, const struct vg_ports_cfg *cfg, char *err, size_t errlen);
void vg_ports_stop(struct vg_ports *ps);

/* Network time of a packet stamped by port `port` with `ticks` (see ts modes). */
static inline uint64_t
vg_port_ts_ns(const struct vg_ports *ps, uint16_t port, uint64_t ticks, uint64_t fallback)
{
	const struct vg_port_ts *t;

	if (port >= VG_PORT_TS_IDS)
		return fallback;
	t = &ps->ts[port];
	switch (t->mode) {
	case VG_TS_EPOCH_US:
		return ticks * 1000;
	case VG_TS_DEVICE:
		return vg_clock_ns(&t->clock, ticks);
	default:
		return fallback;
	}
}

/* Re-pins every NIC clock that stamps packets to the wall clock (main lcore). */
void vg_ports_repin_clocks(struct vg_ports *ps);

/* Port counters the sensor reports (stats.log, capture_loss.log). */
struct vg_port_counters {
	uint64_t ipackets;
	uint64_t ibytes;
	uint64_t imissed; /* dropped by the NIC: no descriptor free */
	uint64_t ierrors;
	uint64_t nombuf; /* dropped for want of an mbuf */
};

void vg_ports_counters(const struct vg_ports *ps, struct vg_port_counters *sum);

/* Polls link state; prints a line for every change or removal. */
void vg_ports_poll_links(struct vg_ports *ps);

#endif /* VG_DPDK_PORT_H */
