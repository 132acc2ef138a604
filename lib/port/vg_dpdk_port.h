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
	bool gone; /* removed at run time */
	struct rte_mempool *pool;
};

/* How a port's RX timestamps map to network time (ns since the epoch). */
enum vg_ts_mode {
	VG_TS_NONE,     /* the TSC at receive time */
	VG_TS_EPOCH_US, /* microseconds since the epoch (net_pcap: the capture time) */
	VG_TS_DEVICE,   /* the NIC's clock, calibrated against the wall clock */
};

struct vg_port_ts {
	uint8_t mode; /* enum vg_ts_mode */
	uint64_t base_ticks;
	uint64_t base_ns;
	uint64_t hz;
	uint64_t mult; /* ns per tick, fixed point (VG_PORT_TS_SHIFT bits) */
};

#define VG_PORT_TS_SHIFT 32

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
	enum vg_dispatch dispatch;
	uint32_t mbufs;       /* per port; 0 = default */
	uint16_t rx_desc;     /* per queue; 0 = default */
	const uint16_t *only; /* capture only these port ids (NULL = all) */
	uint16_t nonly;
	uint8_t mirror;   /* VG_MIRROR_* bits: ask for inner-header RSS on these */
	bool no_rx_cksum; /* leave RX checksum offload off */
};

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
		return t->base_ns +
			(uint64_t)(((unsigned __int128)(ticks - t->base_ticks) * t->mult) >>
				VG_PORT_TS_SHIFT);
	default:
		return fallback;
	}
}

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
