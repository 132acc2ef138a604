/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Console commands about ports: show port info|stats|xstats <port>|all,
 * clear port stats, show port rss. They read ethdev's counters (the
 * driver's, as telemetry's /ethdev/stats does); nothing here touches a queue.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "vg_con.h"

/* `clear port stats`: counters are shown from then on; the ports' own are
 * left alone (stats.log, --stats and telemetry count from the start). */
static struct rte_eth_stats cleared[VG_MAX_PORTS];

static const struct vg_port *
find_port(uint16_t id, uint16_t *idx)
{
	const struct vg_ports *ps = vg_con.cfg.live ? vg_con.cfg.live->ports : NULL;

	for (uint16_t i = 0; ps != NULL && i < ps->n; i++)
		if (ps->port[i].id == id) {
			*idx = i;
			return &ps->port[i];
		}
	return NULL;
}

static uint16_t
nports(void)
{
	return vg_con.cfg.live && vg_con.cfg.live->ports ? vg_con.cfg.live->ports->n : 0;
}

static void
port_info(const struct vg_port *p)
{
	struct rte_ether_addr mac;
	struct rte_eth_link link;

	memset(&mac, 0, sizeof(mac));
	memset(&link, 0, sizeof(link));
	rte_eth_macaddr_get(p->id, &mac);
	rte_eth_link_get_nowait(p->id, &link);
	vg_con_printf("port %u: %s driver %s socket %d mac " RTE_ETHER_ADDR_PRT_FMT "\n", p->id,
		p->name, p->driver, p->socket, RTE_ETHER_ADDR_BYTES(&mac));
	vg_con_printf("  link %s speed %u Mbps%s\n", link.link_status ? "up" : "down",
		link.link_speed, p->gone ? " (removed)" : "");
	vg_con_printf("  rx-queues %u rss %s mtu %u frame-max %u scatter %s\n", p->nrxq,
		p->rss ? "yes" : "no", p->mtu, p->frame_max, p->scatter ? "yes" : "no");
	vg_con_printf("  mbufs %u of %u bytes nic-timestamps %s nic-checksums %s\n", p->mbufs,
		p->mbuf_data, p->hw_timestamp ? "yes" : "no", p->rx_cksum ? "yes" : "no");
}

static void
port_stats(const struct vg_port *p, uint16_t idx)
{
	struct rte_eth_stats s, *c = &cleared[idx];

	memset(&s, 0, sizeof(s));
	if (rte_eth_stats_get(p->id, &s) != 0) {
		vg_con_fail("port %u: the driver gave no counters", p->id);
		return;
	}
	vg_con_printf("port %u: rx-packets %" PRIu64 " rx-bytes %" PRIu64 " rx-missed %" PRIu64
		      " rx-errors %" PRIu64 " rx-nombuf %" PRIu64 "\n",
		p->id, s.ipackets - c->ipackets, s.ibytes - c->ibytes, s.imissed - c->imissed,
		s.ierrors - c->ierrors, s.rx_nombuf - c->rx_nombuf);
	for (uint16_t q = 0; q < p->nrxq && q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++)
		vg_con_printf("  queue %u rx-packets %" PRIu64 " rx-bytes %" PRIu64 "\n", q,
			s.q_ipackets[q] - c->q_ipackets[q], s.q_ibytes[q] - c->q_ibytes[q]);
}

static void
port_xstats(const struct vg_port *p)
{
	int n = rte_eth_xstats_get_names(p->id, NULL, 0);

	if (n <= 0) {
		vg_con_printf("port %u: no extended counters\n", p->id);
		return;
	}
	struct rte_eth_xstat_name *names = calloc((size_t)n, sizeof(*names));
	struct rte_eth_xstat *vals = calloc((size_t)n, sizeof(*vals));

	if (names != NULL && vals != NULL && rte_eth_xstats_get_names(p->id, names, n) == n &&
		rte_eth_xstats_get(p->id, vals, (unsigned)n) == n) {
		vg_con_printf("port %u:\n", p->id);
		for (int i = 0; i < n; i++)
			vg_con_printf("  %s %" PRIu64 "\n", names[vals[i].id].name, vals[i].value);
	} else {
		vg_con_fail("port %u: the driver gave no extended counters", p->id);
	}
	free(names);
	free(vals);
}

struct show_port_res {
	cmdline_fixed_string_t show, port, what, all;
	uint16_t id;
};

static void
show_one(const char *what, const struct vg_port *p, uint16_t idx)
{
	if (strcmp(what, "info") == 0)
		port_info(p);
	else if (strcmp(what, "stats") == 0)
		port_stats(p, idx);
	else
		port_xstats(p);
}

static void
show_port_all_parsed(void *res, struct cmdline *cl, void *data)
{
	struct show_port_res *r = res;
	const struct vg_ports *ps = vg_con.cfg.live ? vg_con.cfg.live->ports : NULL;

	(void)cl;
	(void)data;
	if (nports() == 0)
		vg_con_printf("no ports\n");
	for (uint16_t i = 0; i < nports(); i++)
		show_one(r->what, &ps->port[i], i);
}

static void
show_port_one_parsed(void *res, struct cmdline *cl, void *data)
{
	struct show_port_res *r = res;
	uint16_t idx;
	const struct vg_port *p = find_port(r->id, &idx);

	(void)cl;
	(void)data;
	if (p == NULL) {
		vg_con_fail("port %u is not one vigil captures on; 'show port info all' lists them",
			r->id);
		return;
	}
	show_one(r->what, p, idx);
}

static cmdline_parse_token_string_t tk_show =
	TOKEN_STRING_INITIALIZER(struct show_port_res, show, "show");
static cmdline_parse_token_string_t tk_port =
	TOKEN_STRING_INITIALIZER(struct show_port_res, port, "port");
static cmdline_parse_token_string_t tk_what =
	TOKEN_STRING_INITIALIZER(struct show_port_res, what, "info#stats#xstats");
static cmdline_parse_token_string_t tk_all =
	TOKEN_STRING_INITIALIZER(struct show_port_res, all, "all");
static cmdline_parse_token_num_t tk_id =
	TOKEN_NUM_INITIALIZER(struct show_port_res, id, RTE_UINT16);

cmdline_parse_inst_t vg_cmd_show_port_all = {
	.f = show_port_all_parsed,
	.help_str = "show port info|stats|xstats <port>|all: a port's setup, counters or the "
		    "driver's extended counters",
	.tokens = {(void *)&tk_show, (void *)&tk_port, (void *)&tk_what, (void *)&tk_all, NULL},
};

cmdline_parse_inst_t vg_cmd_show_port_one = {
	.f = show_port_one_parsed,
	.help_str = "show port info|stats|xstats <port>|all: a port's setup, counters or the "
		    "driver's extended counters",
	.tokens = {(void *)&tk_show, (void *)&tk_port, (void *)&tk_what, (void *)&tk_id, NULL},
};

/* ---- clear port stats ---- */

struct clear_res {
	cmdline_fixed_string_t clear, port, stats;
};

static void
clear_parsed(void *res, struct cmdline *cl, void *data)
{
	const struct vg_ports *ps = vg_con.cfg.live ? vg_con.cfg.live->ports : NULL;

	(void)res;
	(void)cl;
	(void)data;
	for (uint16_t i = 0; i < nports(); i++)
		rte_eth_stats_get(ps->port[i].id, &cleared[i]);
	vg_con_change("port counters cleared for show port stats (%u ports)", nports());
}

static cmdline_parse_token_string_t tk_clear =
	TOKEN_STRING_INITIALIZER(struct clear_res, clear, "clear");
static cmdline_parse_token_string_t tk_cport =
	TOKEN_STRING_INITIALIZER(struct clear_res, port, "port");
static cmdline_parse_token_string_t tk_cstats =
	TOKEN_STRING_INITIALIZER(struct clear_res, stats, "stats");

cmdline_parse_inst_t vg_cmd_clear_port_stats = {
	.f = clear_parsed,
	.help_str = "clear port stats: show port stats counts from now on (stats.log, --stats and "
		    "telemetry keep counting from the start)",
	.tokens = {(void *)&tk_clear, (void *)&tk_cport, (void *)&tk_cstats, NULL},
};

/* ---- show port rss ---- */

struct rss_res {
	cmdline_fixed_string_t show, port, rss;
};

static void
rss_parsed(void *res, struct cmdline *cl, void *data)
{
	const struct vg_ports *ps = vg_con.cfg.live ? vg_con.cfg.live->ports : NULL;

	(void)res;
	(void)cl;
	(void)data;
	vg_con_printf("dispatch %s\n", ps == NULL ? "none" : ps->software ? "software" : "rss");
	for (uint16_t i = 0; i < nports(); i++) {
		const struct vg_port *p = &ps->port[i];
		uint8_t key[64];
		struct rte_eth_rss_conf conf = {.rss_key = key, .rss_key_len = sizeof(key)};

		vg_con_printf("port %u: rx-queues %u rss %s inner-rss %s", p->id, p->nrxq,
			p->rss ? "yes" : "no", p->inner_rss ? "yes" : "no");
		if (!p->rss || rte_eth_dev_rss_hash_conf_get(p->id, &conf) != 0) {
			vg_con_printf("\n");
			continue;
		}
		vg_con_printf(" hash-functions 0x%" PRIx64 " key ", conf.rss_hf);
		for (uint8_t k = 0; k < conf.rss_key_len && k < sizeof(key); k++)
			vg_con_printf("%02x", key[k]);
		vg_con_printf("\n");
	}
}

static cmdline_parse_token_string_t tk_rshow =
	TOKEN_STRING_INITIALIZER(struct rss_res, show, "show");
static cmdline_parse_token_string_t tk_rport =
	TOKEN_STRING_INITIALIZER(struct rss_res, port, "port");
static cmdline_parse_token_string_t tk_rss = TOKEN_STRING_INITIALIZER(struct rss_res, rss, "rss");

cmdline_parse_inst_t vg_cmd_show_port_rss = {
	.f = rss_parsed,
	.help_str = "show port rss: how flows are spread: dispatch, queues, the RSS hash and key",
	.tokens = {(void *)&tk_rshow, (void *)&tk_rport, (void *)&tk_rss, NULL},
};
