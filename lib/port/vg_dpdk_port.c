/* SPDX-License-Identifier: BSD-3-Clause */
/* rte_eth_read_clock() is still marked experimental in DPDK 22.11. */
#define ALLOW_EXPERIMENTAL_API 1

#include <stdio.h>
#include <string.h>

#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#include "vg_common.h"
#include "vg_dpdk_port.h"

#define DEFAULT_RX_DESC 1024
#define MBUF_CACHE      256

/*
 * A Toeplitz key of one repeated 16-bit word hashes (a, b) and (b, a) alike,
 * so both directions of a flow land on the same queue.
 */
static uint8_t symmetric_key[40] = {
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
};

/*
 * The RX timestamp field has no fixed unit. net_pcap stores the capture time
 * in microseconds; a NIC stores its own clock, which is read twice 100 ms apart
 * to learn its rate and pinned to the wall clock, then re-pinned every
 * VG_CLOCK_REPIN_S by the main lcore (vg_ports_repin_clocks). The port is
 * already started, so packets stamped during these 100 ms precede the pin:
 * vg_clock maps them to times before it.
 */
static void
calibrate_ts(struct vg_ports *ps, struct vg_port *p)
{
	struct vg_port_ts *t;
	uint64_t c0, c1, w0, w1, hz;

	if (p->id >= VG_PORT_TS_IDS || ps->ts_offset < 0)
		return;
	t = &ps->ts[p->id];
	if (strcmp(p->driver, "net_pcap") == 0) {
		t->mode = VG_TS_EPOCH_US;
		p->hw_timestamp = true;
		return;
	}
	if (!p->hw_timestamp || rte_eth_read_clock(p->id, &c0) != 0)
		return;
	w0 = vg_wall_ns();
	rte_delay_ms(100);
	if (rte_eth_read_clock(p->id, &c1) != 0 || c1 <= c0)
		return;
	w1 = vg_wall_ns();
	hz = (uint64_t)((unsigned __int128)(c1 - c0) * 1000000000ULL / (w1 - w0));
	if (hz == 0)
		return;
	vg_clock_start(&t->clock, c1, w1, hz);
	t->mode = VG_TS_DEVICE;
}

void
vg_ports_repin_clocks(struct vg_ports *ps)
{
	for (uint16_t i = 0; i < ps->n; i++) {
		struct vg_port *p = &ps->port[i];
		uint64_t ticks;

		if (p->gone || p->id >= VG_PORT_TS_IDS || ps->ts[p->id].mode != VG_TS_DEVICE ||
			rte_eth_read_clock(p->id, &ticks) != 0)
			continue;
		vg_clock_repin(&ps->ts[p->id].clock, ticks, vg_wall_ns());
	}
}

/*
 * Mirror transport hashed by the outer header puts every mirrored flow of a
 * session on one queue. Where the NIC can hash the inner headers (rte_flow RSS
 * at encapsulation level 2), one rule per mirror encapsulation asks for it.
 * Returns true when every rule the configuration needs was accepted.
 */
static bool
inner_rss_rules(const struct vg_port *p, uint8_t mirror)
{
	static const struct {
		uint8_t bit;
		uint16_t udp_port; /* 0: ERSPAN over GRE */
	} encaps[] = {
		{0x01, 4789}, /* VG_MIRROR_VXLAN */
		{0x02, 6081}, /* VG_MIRROR_GENEVE */
		{0x04, 0},    /* VG_MIRROR_ERSPAN */
	};
	uint16_t queues[RTE_MAX_QUEUES_PER_PORT];
	bool all = true;

	for (uint16_t q = 0; q < p->nrxq; q++)
		queues[q] = q;
	for (size_t i = 0; i < sizeof(encaps) / sizeof(encaps[0]); i++) {
		struct rte_flow_attr attr = {.ingress = 1};
		struct rte_flow_item_udp udp_spec = {
			.hdr.dst_port = rte_cpu_to_be_16(encaps[i].udp_port)};
		struct rte_flow_item_udp udp_mask = {.hdr.dst_port = RTE_BE16(0xffff)};
		struct rte_flow_item pattern[] = {
			{.type = RTE_FLOW_ITEM_TYPE_ETH},
			{.type = RTE_FLOW_ITEM_TYPE_IPV4},
			{.type = encaps[i].udp_port ? RTE_FLOW_ITEM_TYPE_UDP
						    : RTE_FLOW_ITEM_TYPE_GRE,
				.spec = encaps[i].udp_port ? &udp_spec : NULL,
				.mask = encaps[i].udp_port ? &udp_mask : NULL},
			{.type = RTE_FLOW_ITEM_TYPE_END},
		};
		struct rte_flow_action_rss rss = {
			.func = RTE_ETH_HASH_FUNCTION_TOEPLITZ,
			.level = 2,
			.types = RTE_ETH_RSS_IP,
			.key_len = sizeof(symmetric_key),
			.queue_num = p->nrxq,
			.key = symmetric_key,
			.queue = queues,
		};
		struct rte_flow_action actions[] = {
			{.type = RTE_FLOW_ACTION_TYPE_RSS, .conf = &rss},
			{.type = RTE_FLOW_ACTION_TYPE_END},
		};
		struct rte_flow_error ferr;

		if (!(mirror & encaps[i].bit))
			continue;
		if (rte_flow_validate(p->id, &attr, pattern, actions, &ferr) != 0 ||
			rte_flow_create(p->id, &attr, pattern, actions, &ferr) == NULL)
			all = false;
	}
	return all;
}

/*
 * The largest frame the port must take whole: a mirror frame (VXLAN, GENEVE,
 * ERSPAN around a full-size packet) and jumbo frames are larger than 1518
 * bytes. The MTU asked for (--mtu, VG_PORT_DEFAULT_MTU) is clamped to what
 * the port allows. A frame larger than one mbuf spans several (RX scatter)
 * where the driver can, else each mbuf is made large enough. A port with no
 * size limit (net_pcap) is left as it is: it chains mbufs itself.
 */
static void
frame_size(struct vg_port *p, const struct rte_eth_dev_info *info, const struct vg_ports_cfg *cfg,
	struct rte_eth_conf *conf)
{
	uint32_t want = cfg->mtu ? cfg->mtu : VG_PORT_DEFAULT_MTU;
	uint32_t overhead = RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;

	p->mbuf_data = RTE_MBUF_DEFAULT_DATAROOM;
	if (info->max_rx_pktlen == UINT32_MAX)
		return;
	/* As ethdev reckons it: the driver's own frame overhead where it tells. */
	if (info->max_mtu != UINT16_MAX && info->max_rx_pktlen > info->max_mtu)
		overhead = info->max_rx_pktlen - info->max_mtu;
	uint32_t max = VG_MIN((uint32_t)info->max_mtu,
		info->max_rx_pktlen > overhead ? info->max_rx_pktlen - overhead : 0);

	if (want > max) {
		want = VG_MAX(max, (uint32_t)RTE_ETHER_MIN_MTU);
		p->mtu_clamped = true;
	}
	if (want < info->min_mtu)
		want = info->min_mtu;
	p->mtu = (uint16_t)want;
	p->frame_max = want + overhead;
	conf->rxmode.mtu = want;
	if (p->frame_max <= p->mbuf_data)
		return;
	if (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) {
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
		p->scatter = true;
	} else {
		/* Whole frames in one mbuf, in 1 KiB steps. */
		p->mbuf_data = (uint16_t)((p->frame_max + 1023) & ~1023u);
	}
}

static bool
wanted(const struct vg_ports_cfg *cfg, uint16_t id)
{
	if (cfg->only == NULL)
		return true;
	for (uint16_t i = 0; i < cfg->nonly; i++)
		if (cfg->only[i] == id)
			return true;
	return false;
}

/*
 * Software dispatch polls every RX queue the port offers, up to one per
 * worker (one worker, one queue).
 */
static uint16_t
sw_queues(const struct rte_eth_dev_info *info, const struct vg_ports_cfg *cfg)
{
	uint16_t n = VG_MIN(info->max_rx_queues, cfg->nworkers);

	return n > 0 ? n : 1;
}

static int
setup_port(struct vg_ports *ps, struct vg_port *p, const struct vg_ports_cfg *cfg, bool software,
	char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(p->id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: cannot read its capabilities (%s)", p->id,
			rte_strerror(-rc));
		return -1;
	}
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name);
	rte_eth_dev_get_name_by_port(p->id, p->name);
	p->socket = rte_eth_dev_socket_id(p->id);
	if (p->socket < 0)
		p->socket = (int)rte_socket_id();
	p->nrxq = software ? sw_queues(&info, cfg) : cfg->nworkers;
	if (software && p->nrxq > 1 && (info.flow_type_rss_offloads & RTE_ETH_RSS_IP)) {
		/* Queues for software dispatch: RSS by whatever the NIC hashes (the
		 * outer header: mirror transport spreads by its outer UDP ports);
		 * the pollers re-dispatch by the inner addresses. */
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = symmetric_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = sizeof(symmetric_key);
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP) &
			info.flow_type_rss_offloads;
	}
	if (!software) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = symmetric_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = sizeof(symmetric_key);
		/* Addresses only: fragments and the tunnels around a flow go with it. */
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
		p->rss = true;
	}
	/* Checksums the NIC verifies need not be summed again (vg_decode.h, rx_cksum). */
	uint64_t cksum = info.rx_offload_capa &
		(RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM |
			RTE_ETH_RX_OFFLOAD_TCP_CKSUM);

	if (cksum != 0 && !cfg->no_rx_cksum) {
		conf.rxmode.offloads |= cksum;
		p->rx_cksum = true;
	}
	if ((info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP) && ps->ts_offset >= 0) {
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
		p->hw_timestamp = true;
	}
	frame_size(p, &info, cfg, &conf);
	rc = rte_eth_dev_configure(p->id, p->nrxq, 1, &conf);
	if (rc != 0) {
		snprintf(err, errlen,
			"port %u (%s): cannot configure %u RX queues (%s); try "
			"--dispatch software",
			p->id, p->driver, p->nrxq, rte_strerror(-rc));
		return -1;
	}
	uint16_t nrx = cfg->rx_desc ? cfg->rx_desc : DEFAULT_RX_DESC, ntx = 512;

	rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &nrx, &ntx);
	struct vg_pool_need need = {
		.nrxq = p->nrxq,
		.rx_desc = nrx,
		.tx_desc = ntx,
		.nlcores = cfg->nlcores ? cfg->nlcores : rte_lcore_count(),
		.cache = MBUF_CACHE,
		.nworkers = cfg->nworkers,
		.burst = 64,
		.dispatch_ring = software ? cfg->dispatch_ring : 0,
		.segs = p->frame_max ? (p->frame_max + p->mbuf_data - 1) / p->mbuf_data : 1,
	};

	p->mbufs = cfg->mbufs ? cfg->mbufs : vg_port_pool_size(&need);
	/* Software dispatch: a poller leaves its decode of the packet there. */
	uint16_t priv = ps->software && cfg->nworkers > 1 ? cfg->mbuf_priv : 0;

	/* A retry (software dispatch after all) may need a larger pool than the
	 * one set up before: the old one is freed once no queue uses it. */
	struct rte_mempool *old = NULL;

	for (unsigned gen = 0; gen < 2; gen++) {
		snprintf(pool_name, sizeof(pool_name), "vg_pool_%u%s", p->id, gen ? "b" : "");
		p->pool = rte_mempool_lookup(pool_name);
		if (p->pool == NULL ||
			(p->pool->size >= p->mbufs && rte_pktmbuf_priv_size(p->pool) >= priv &&
				rte_pktmbuf_data_room_size(p->pool) >=
					p->mbuf_data + RTE_PKTMBUF_HEADROOM))
			break;
		old = p->pool;
		p->pool = NULL;
	}
	if (p->pool == NULL)
		p->pool = rte_pktmbuf_pool_create(pool_name, p->mbufs, MBUF_CACHE, priv,
			(uint16_t)(p->mbuf_data + RTE_PKTMBUF_HEADROOM), p->socket);
	if (p->pool == NULL) {
		snprintf(err, errlen,
			"port %u: no memory for %u packet buffers of %u bytes on NUMA node %d "
			"(%s); "
			"give EAL more memory (-m, or hugepages) or set fewer with --mbufs",
			p->id, p->mbufs, p->mbuf_data, p->socket, rte_strerror(rte_errno));
		return -1;
	}
	for (uint16_t q = 0; q < p->nrxq; q++) {
		rc = rte_eth_rx_queue_setup(p->id, q, nrx, (unsigned)p->socket, NULL, p->pool);
		if (rc != 0) {
			snprintf(err, errlen, "port %u: RX queue %u setup failed (%s)", p->id, q,
				rte_strerror(-rc));
			return -1;
		}
	}
	if (old != NULL && old != p->pool)
		rte_mempool_free(old);
	rc = rte_eth_tx_queue_setup(p->id, 0, ntx, (unsigned)p->socket, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: TX queue setup failed (%s)", p->id,
			rte_strerror(-rc));
		return -1;
	}
	rc = rte_eth_dev_start(p->id);
	if (rc != 0) {
		snprintf(err, errlen, "port %u (%s): cannot start (%s)", p->id, p->driver,
			rte_strerror(-rc));
		return -1;
	}
	rte_eth_promiscuous_enable(p->id); /* mirrored traffic is not for our MAC */
	calibrate_ts(ps, p);
	if (p->rss && p->nrxq > 1 && cfg->mirror) {
		p->inner_rss = inner_rss_rules(p, cfg->mirror);
		if (!p->inner_rss) {
			/* Outer-header RSS would pile a mirror session onto one queue. */
			snprintf(err, errlen,
				"port %u (%s): no inner-header RSS for mirror "
				"transport",
				p->id, p->driver);
			return 1;
		}
	}
	struct rte_eth_link link;

	if (rte_eth_link_get_nowait(p->id, &link) == 0)
		p->link_up = link.link_status == RTE_ETH_LINK_UP;
	return 0;
}

/* Whether every wanted port can spread flows over nworkers queues. */
static bool
rss_possible(const struct vg_ports_cfg *cfg)
{
	uint16_t id;

	RTE_ETH_FOREACH_DEV(id)
	{
		struct rte_eth_dev_info info;

		if (!wanted(cfg, id))
			continue;
		if (rte_eth_dev_info_get(id, &info) != 0 || info.max_rx_queues < cfg->nworkers ||
			(info.flow_type_rss_offloads & RTE_ETH_RSS_IP) == 0)
			return false;
	}
	return true;
}

int
vg_ports_setup(struct vg_ports *ps, const struct vg_ports_cfg *cfg, char *err, size_t errlen)
{
	uint16_t id;
	bool software;

	memset(ps, 0, sizeof(*ps));
	/* Registered whatever the ports say: drivers that stamp packets without
	 * the offload flag (net_pcap stamps them with the capture time) set the
	 * mbuf flag, and that flag is what the workers test. */
	if (rte_mbuf_dyn_rx_timestamp_register(&ps->ts_offset, &ps->ts_flag) != 0)
		ps->ts_offset = -1;
	if (rte_eth_dev_count_avail() == 0) {
		snprintf(err, errlen,
			"no DPDK ports; bind a NIC to a DPDK driver or give a vdev, "
			"e.g. --vdev net_pcap0,rx_pcap=trace.pcap");
		return -1;
	}
	for (uint16_t i = 0; cfg->only != NULL && i < cfg->nonly; i++) {
		if (!rte_eth_dev_is_valid_port(cfg->only[i])) {
			snprintf(err, errlen, "port %u does not exist (%u ports available)",
				cfg->only[i], rte_eth_dev_count_avail());
			return -1;
		}
	}
	switch (cfg->dispatch) {
	case VG_DISPATCH_RSS:
		if (cfg->nworkers > 1 && !rss_possible(cfg)) {
			snprintf(err, errlen,
				"--dispatch rss: a port cannot spread flows over %u "
				"queues by RSS; use --dispatch software or auto",
				cfg->nworkers);
			return -1;
		}
		software = false;
		break;
	case VG_DISPATCH_SOFTWARE:
		software = true;
		break;
	default:
		software = cfg->nworkers > 1 && !rss_possible(cfg);
		break;
	}
	ps->software = software;
	RTE_ETH_FOREACH_DEV(id)
	{
		if (!wanted(cfg, id))
			continue;
		if (ps->n == VG_MAX_PORTS) {
			snprintf(err, errlen, "more than %d ports; choose some with --port",
				VG_MAX_PORTS);
			return -1;
		}
		struct vg_port *p = &ps->port[ps->n++];

		p->id = id;
		int rc = setup_port(ps, p, cfg, software || cfg->nworkers == 1, err, errlen);

		if (rc == 1 && cfg->dispatch == VG_DISPATCH_AUTO) {
			/* Mirror mode on a NIC that hashes only outer headers: software
			 * dispatch hashes the inner ones. Start over that way. */
			for (uint16_t i = 0; i < ps->n; i++) {
				struct rte_flow_error ferr;

				rte_flow_flush(ps->port[i].id, &ferr);
				rte_eth_dev_stop(ps->port[i].id);
			}
			struct vg_ports_cfg sw = *cfg;

			sw.dispatch = VG_DISPATCH_SOFTWARE;
			return vg_ports_setup(ps, &sw, err, errlen);
		}
		if (rc != 0) {
			if (rc == 1)
				strncat(err, "; use --dispatch software or auto",
					errlen - strlen(err) - 1);
			return -1;
		}
		if (cfg->nworkers == 1)
			p->rss = false;
	}
	return 0;
}

void
vg_ports_stop(struct vg_ports *ps)
{
	for (uint16_t i = 0; i < ps->n; i++) {
		if (ps->port[i].gone)
			continue;
		rte_eth_dev_stop(ps->port[i].id);
		rte_eth_dev_close(ps->port[i].id);
	}
}

void
vg_ports_counters(const struct vg_ports *ps, struct vg_port_counters *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (uint16_t i = 0; i < ps->n; i++) {
		struct rte_eth_stats st;

		if (ps->port[i].gone || rte_eth_stats_get(ps->port[i].id, &st) != 0)
			continue;
		sum->ipackets += st.ipackets;
		sum->ibytes += st.ibytes;
		sum->imissed += st.imissed;
		sum->ierrors += st.ierrors;
		sum->nombuf += st.rx_nombuf;
	}
}

void
vg_ports_poll_links(struct vg_ports *ps)
{
	for (uint16_t i = 0; i < ps->n; i++) {
		struct vg_port *p = &ps->port[i];
		struct rte_eth_link link;

		if (p->gone)
			continue;
		if (!rte_eth_dev_is_valid_port(p->id)) {
			p->gone = true;
			fprintf(stderr,
				"vigil: port %u (%s) disappeared; capturing on the others\n", p->id,
				p->name);
			continue;
		}
		if (rte_eth_link_get_nowait(p->id, &link) != 0)
			continue;
		bool up = link.link_status == RTE_ETH_LINK_UP;

		if (up != p->link_up) {
			p->link_up = up;
			fprintf(stderr, "vigil: port %u (%s) link %s\n", p->id, p->name,
				up ? "up" : "down");
		}
	}
}
