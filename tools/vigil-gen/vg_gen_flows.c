/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen flow table: keeps cfg->nflows flows open, picks one at random for each packet
 * and advances its state machine by one packet. A flow that ends is replaced at once.
 */
#include <stdlib.h>
#include <string.h>

#include "vg_gen.h"

/* TCP flow kinds */
enum {
	VG_TCP_KIND_FIN = 0, /* established, closed with FIN / FIN-ACK / ACK */
	VG_TCP_KIND_RST,     /* established, closed with RST-ACK */
	VG_TCP_KIND_S0,      /* SYN (and retransmissions) never answered */
	VG_TCP_KIND_REJ,     /* SYN answered with RST-ACK */
};

/* UDP flow kinds */
enum {
	VG_UDP_KIND_DNS = 0, /* DNS query / response pairs to port 53 */
	VG_UDP_KIND_RR,      /* request / response pairs between high ports */
	VG_UDP_KIND_ONEWAY,  /* datagrams from the client only */
	VG_UDP_KIND_DHCP,    /* --apps: DISCOVER, OFFER, REQUEST, ACK on 68 -> 67 (IPv4) */
};

/* ICMP flow kinds */
enum {
	VG_ICMP_KIND_ECHO = 0, /* echo request / reply pairs */
	VG_ICMP_KIND_LOST,     /* echo requests never answered */
};

/* States: the next packet a flow sends. */
enum {
	VG_ST_SYN = 0,
	VG_ST_SYNACK,
	VG_ST_REJ,
	VG_ST_ACK3,
	VG_ST_CREQ,
	VG_ST_SRESP,
	VG_ST_CACK,
	VG_ST_FIN1,
	VG_ST_FIN2,
	VG_ST_FIN3,
	VG_ST_RST,
	VG_ST_REQ,
	VG_ST_RESP,
};

static uint64_t
vg_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Servers are drawn with a skew towards low indices: a few hosts are much more popular. */
static uint32_t
vg_pick_server(struct vg_gen *g)
{
	uint32_t a = vg_gen_below(g, VG_GEN_NSERVERS);
	uint32_t b = vg_gen_below(g, VG_GEN_NSERVERS);

	return a < b ? a : b;
}

static uint16_t
vg_tcp_server_port(struct vg_gen *g)
{
	uint32_t r = vg_gen_below(g, 100);

	if (r < 50)
		return 443;
	if (r < 70)
		return 80;
	if (r < 75)
		return 22;
	if (r < 78)
		return 25;
	if (r < 80)
		return 8080;
	if (r < 83)
		return 3306;
	if (r < 85)
		return 5432;
	if (g->cfg->apps && r < 87)
		return 21;
	return (uint16_t)(10000 + vg_gen_below(g, 50000));
}

static void
vg_tcp_new_exchange(struct vg_gen *g, struct vg_gen_flow *f)
{
	uint32_t r = vg_gen_below(g, 100);

	f->req_left = vg_gen_below(g, 10) == 0 ? (uint16_t)(2 + vg_gen_below(g, 2)) : 1;
	if (r < 70)
		f->resp_left = (uint16_t)(1 + vg_gen_below(g, 3));
	else if (r < 95)
		f->resp_left = (uint16_t)(4 + vg_gen_below(g, 13));
	else
		f->resp_left = (uint16_t)(20 + vg_gen_below(g, 80));
	f->unacked = 0;
}

/* --apps: the data connection an FTP session announced, from its client to its server. */
static void
vg_ftp_data_flow(struct vg_gen *g, struct vg_gen_flow *f)
{
	uint32_t r = (uint32_t)vg_gen_rand(g);

	f->proto = VG_GEN_TCP;
	f->kind = VG_TCP_KIND_FIN;
	f->ipv6 = g->ftp_data.ipv6;
	f->cidx = g->ftp_data.cidx;
	f->sidx = g->ftp_data.sidx;
	f->cport = g->cport[f->cidx];
	g->cport[f->cidx] =
		(uint16_t)(f->cport >= VG_GEN_EPHEM_HI ? VG_GEN_EPHEM_LO : f->cport + 1u);
	f->sport = g->ftp_data.port;
	f->cipid = (uint16_t)r;
	f->sipid = (uint16_t)(r >> 16);
	f->label = (uint32_t)(vg_gen_rand(g) & 0xfffff);
	f->cseq = (uint32_t)vg_gen_rand(g);
	f->sseq = (uint32_t)vg_gen_rand(g);
	f->closer = 1; /* the server closes once the file is sent */
	f->left = 1;
	f->state = VG_ST_SYN;
	f->app = VG_APP_FTP_DATA;
	f->id = g->ftp_data.size;
	g->ftp_data.set = 0;
}

static void
vg_flow_new(struct vg_gen *g, struct vg_gen_flow *f)
{
	const struct vg_gen_cfg *cfg = g->cfg;
	uint32_t r;

	memset(f, 0, sizeof(*f));
	g->flows_started++;
	if (g->ftp_data.set) {
		vg_ftp_data_flow(g, f);
		return;
	}

	r = vg_gen_below(g, 100);
	if (r < cfg->mix[VG_GEN_TCP])
		f->proto = VG_GEN_TCP;
	else if (r < cfg->mix[VG_GEN_TCP] + cfg->mix[VG_GEN_UDP])
		f->proto = VG_GEN_UDP;
	else
		f->proto = VG_GEN_ICMP;
	f->ipv6 = vg_gen_below(g, 100) < cfg->ipv6_pct;
	f->cidx = vg_gen_below(g, g->nclients);
	f->cport = g->cport[f->cidx];
	g->cport[f->cidx] =
		(uint16_t)(f->cport >= VG_GEN_EPHEM_HI ? VG_GEN_EPHEM_LO : f->cport + 1u);
	r = (uint32_t)vg_gen_rand(g);
	f->cipid = (uint16_t)r;
	f->sipid = (uint16_t)(r >> 16);
	f->label = (uint32_t)(vg_gen_rand(g) & 0xfffff);
	f->sidx = vg_pick_server(g);

	switch (f->proto) {
	case VG_GEN_TCP:
		r = vg_gen_below(g, 100);
		if (r < 2)
			f->kind = VG_TCP_KIND_S0;
		else if (r < 4)
			f->kind = VG_TCP_KIND_REJ;
		else if (vg_gen_below(g, 100) < cfg->rst_pct)
			f->kind = VG_TCP_KIND_RST;
		else
			f->kind = VG_TCP_KIND_FIN;
		f->sport = vg_tcp_server_port(g);
		f->cseq = (uint32_t)vg_gen_rand(g);
		f->sseq = (uint32_t)vg_gen_rand(g);
		f->closer = (uint8_t)vg_gen_below(g, 2);
		r = vg_gen_below(g, 100);
		if (r < 60)
			f->left = (uint16_t)(1 + vg_gen_below(g, 3));
		else if (r < 95)
			f->left = (uint16_t)(4 + vg_gen_below(g, 7));
		else
			f->left = (uint16_t)(20 + vg_gen_below(g, 81));
		/* S0: number of SYN retransmissions */
		f->req_left = (uint16_t)vg_gen_below(g, 3);
		f->state = VG_ST_SYN;
		vg_app_pick(g, f);
		break;
	case VG_GEN_UDP:
		r = vg_gen_below(g, 100);
		/* --apps: the first UDP flow is a DHCP exchange (so a short
		 * capture shows dhcp.log), then 2% of them. */
		if (cfg->apps && g->udp_started++ == 0)
			r = 50;
		if (r < 50) {
			f->kind = VG_UDP_KIND_DNS;
			f->sidx = vg_gen_below(g, VG_GEN_NDNS_SERVERS);
			f->sport = 53;
			f->left = (uint16_t)(1 + (vg_gen_below(g, 3) == 0));
			f->seq = (uint16_t)vg_gen_rand(g); /* query name */
			f->aux = vg_gen_below(g, 4) == 0;  /* first query: AAAA or A */
		} else if (cfg->apps && r < 52) {
			f->kind = VG_UDP_KIND_DHCP;
			f->ipv6 = 0; /* DHCPv4 */
			f->cport = 68;
			f->sport = 67;
			f->left = 2;                         /* DISCOVER/OFFER, then REQUEST/ACK */
			f->nonce = (uint32_t)vg_gen_rand(g); /* the transaction id */
		} else if (r < 85) {
			f->kind = VG_UDP_KIND_RR;
			f->sport = (uint16_t)(40000 + vg_gen_below(g, 20000));
			f->left = (uint16_t)(1 + vg_gen_below(g, 8));
		} else {
			f->kind = VG_UDP_KIND_ONEWAY;
			f->sport = (uint16_t)(40000 + vg_gen_below(g, 20000));
			f->left = (uint16_t)(1 + vg_gen_below(g, 20));
		}
		f->state = VG_ST_REQ;
		break;
	case VG_GEN_ICMP:
	default:
		f->kind = vg_gen_below(g, 100) < 5 ? VG_ICMP_KIND_LOST : VG_ICMP_KIND_ECHO;
		f->id = (uint16_t)vg_gen_rand(g);
		f->seq = 0;
		f->left = vg_gen_below(g, 4) == 0 ? (uint16_t)(1 + vg_gen_below(g, 8)) : 4;
		f->state = VG_ST_REQ;
		break;
	}
}

/* Sequence numbers of the side that closes the flow and of the other side. */
static inline uint32_t *
vg_closer_seq(struct vg_gen_flow *f)
{
	return f->closer ? &f->sseq : &f->cseq;
}

static inline uint32_t *
vg_other_seq(struct vg_gen_flow *f)
{
	return f->closer ? &f->cseq : &f->sseq;
}

/* --apps: application messages go in full-sized segments, as a TCP stack sends them. */
static uint32_t
vg_app_mss(const struct vg_gen *g, const struct vg_gen_flow *f)
{
	return f->ipv6 ? g->mss6 : g->mss4;
}

/* --apps: the next segment of the client's request; the response follows it. */
static uint32_t
vg_app_req(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame)
{
	uint8_t data[VG_GEN_BUF_SIZE];
	uint32_t pl = vg_app_slice(g, f, VG_GEN_C2S, vg_app_mss(g, f), data);
	bool last = f->moff + pl == f->mlen[VG_GEN_C2S];
	uint8_t fl = VG_TCP_ACK | (last ? VG_TCP_PSH : 0);
	uint32_t len = vg_gen_pkt_tcp_data(g, f, frame, VG_GEN_C2S, fl, f->cseq, f->sseq, data, pl);

	f->cseq += pl;
	f->moff += pl;
	if (last) {
		f->moff = 0;
		f->resp_left = 1;
		f->state = VG_ST_SRESP;
	}
	return len;
}

/* --apps: the next segment of the server's response, acknowledged as usual. */
static uint32_t
vg_app_resp(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame)
{
	uint8_t data[VG_GEN_BUF_SIZE];
	uint32_t pl = vg_app_slice(g, f, VG_GEN_S2C, vg_app_mss(g, f), data);
	bool last = f->moff + pl == f->mlen[VG_GEN_S2C];
	uint8_t fl = VG_TCP_ACK | (last ? VG_TCP_PSH : 0);
	uint32_t len = vg_gen_pkt_tcp_data(g, f, frame, VG_GEN_S2C, fl, f->sseq, f->cseq, data, pl);

	f->sseq += pl;
	f->moff += pl;
	f->unacked++;
	f->resp_left = last ? 0 : 1;
	if (last)
		vg_app_sent(g, f);
	if (last || f->unacked == 2)
		f->state = VG_ST_CACK;
	return len;
}

/* Emit the flow's next TCP packet; *done is set when it was the flow's last packet. */
static uint32_t
vg_tcp_step(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame, bool *done)
{
	uint32_t len;
	uint32_t pl;
	uint8_t fl;
	int cdir = f->closer ? VG_GEN_S2C : VG_GEN_C2S;
	int odir = f->closer ? VG_GEN_C2S : VG_GEN_S2C;

	switch (f->state) {
	case VG_ST_SYN:
		len = vg_gen_pkt_tcp(g, f, frame, VG_GEN_C2S, VG_TCP_SYN, f->cseq, 0, 0);
		if (f->kind == VG_TCP_KIND_S0) {
			if (f->req_left == 0)
				*done = true;
			else
				f->req_left--;
			return len;
		}
		f->cseq++;
		f->state = f->kind == VG_TCP_KIND_REJ ? VG_ST_REJ : VG_ST_SYNACK;
		return len;
	case VG_ST_REJ:
		*done = true;
		return vg_gen_pkt_tcp(
			g, f, frame, VG_GEN_S2C, VG_TCP_RST | VG_TCP_ACK, 0, f->cseq, 0);
	case VG_ST_SYNACK:
		len = vg_gen_pkt_tcp(
			g, f, frame, VG_GEN_S2C, VG_TCP_SYN | VG_TCP_ACK, f->sseq, f->cseq, 0);
		f->sseq++;
		f->state = VG_ST_ACK3;
		return len;
	case VG_ST_ACK3:
		len = vg_gen_pkt_tcp(g, f, frame, VG_GEN_C2S, VG_TCP_ACK, f->cseq, f->sseq, 0);
		vg_tcp_new_exchange(g, f);
		if (f->app != VG_APP_NONE)
			vg_app_exchange(g, f, 0);
		f->state = VG_ST_CREQ;
		return len;
	case VG_ST_CREQ:
		if (f->app != VG_APP_NONE)
			return vg_app_req(g, f, frame);
		pl = vg_gen_paylen(g, f, 20, 1);
		fl = VG_TCP_ACK | (f->req_left == 1 ? VG_TCP_PSH : 0);
		len = vg_gen_pkt_tcp(g, f, frame, VG_GEN_C2S, fl, f->cseq, f->sseq, pl);
		f->cseq += pl;
		if (--f->req_left == 0)
			f->state = VG_ST_SRESP;
		return len;
	case VG_ST_SRESP:
		if (f->app != VG_APP_NONE)
			return vg_app_resp(g, f, frame);
		pl = vg_gen_paylen(g, f, 20, 1);
		fl = VG_TCP_ACK | (f->resp_left == 1 ? VG_TCP_PSH : 0);
		len = vg_gen_pkt_tcp(g, f, frame, VG_GEN_S2C, fl, f->sseq, f->cseq, pl);
		f->sseq += pl;
		f->unacked++;
		/* delayed ACK: the client acknowledges every second segment and the last one */
		if (--f->resp_left == 0 || f->unacked == 2)
			f->state = VG_ST_CACK;
		return len;
	case VG_ST_CACK:
		len = vg_gen_pkt_tcp(g, f, frame, VG_GEN_C2S, VG_TCP_ACK, f->cseq, f->sseq, 0);
		f->unacked = 0;
		if (f->resp_left != 0) {
			f->state = VG_ST_SRESP;
		} else if (--f->left != 0) {
			vg_tcp_new_exchange(g, f);
			if (f->app != VG_APP_NONE)
				vg_app_exchange(g, f, f->xchg + 1u);
			f->state = VG_ST_CREQ;
		} else {
			f->state = f->kind == VG_TCP_KIND_RST ? VG_ST_RST : VG_ST_FIN1;
		}
		return len;
	case VG_ST_FIN1:
		len = vg_gen_pkt_tcp(g, f, frame, cdir, VG_TCP_FIN | VG_TCP_ACK, *vg_closer_seq(f),
			*vg_other_seq(f), 0);
		(*vg_closer_seq(f))++;
		f->state = VG_ST_FIN2;
		return len;
	case VG_ST_FIN2:
		len = vg_gen_pkt_tcp(g, f, frame, odir, VG_TCP_FIN | VG_TCP_ACK, *vg_other_seq(f),
			*vg_closer_seq(f), 0);
		(*vg_other_seq(f))++;
		f->state = VG_ST_FIN3;
		return len;
	case VG_ST_FIN3:
		*done = true;
		return vg_gen_pkt_tcp(
			g, f, frame, cdir, VG_TCP_ACK, *vg_closer_seq(f), *vg_other_seq(f), 0);
	case VG_ST_RST:
	default:
		*done = true;
		return vg_gen_pkt_tcp(g, f, frame, cdir, VG_TCP_RST | VG_TCP_ACK, *vg_closer_seq(f),
			*vg_other_seq(f), 0);
	}
}

static uint32_t
vg_udp_step(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame, bool *done)
{
	uint32_t len;

	if (f->kind == VG_UDP_KIND_DNS) {
		if (f->state == VG_ST_REQ) {
			/* a second query in the same flow asks for the other record type */
			if (f->dlen++ != 0)
				f->aux ^= 1;
			/* about 5% of the answers are NXDOMAIN */
			f->aux = (uint8_t)((f->aux & 1) | (vg_gen_below(g, 100) < 5 ? 2 : 0));
			f->id = (uint16_t)vg_gen_rand(g);
			f->state = VG_ST_RESP;
			return vg_gen_pkt_dns(g, f, frame, VG_GEN_C2S);
		}
		len = vg_gen_pkt_dns(g, f, frame, VG_GEN_S2C);
		f->state = VG_ST_REQ;
		if (--f->left == 0)
			*done = true;
		return len;
	}
	if (f->kind == VG_UDP_KIND_DHCP) {
		len = vg_gen_pkt_dhcp(g, f, frame, f->state == VG_ST_REQ ? VG_GEN_C2S : VG_GEN_S2C);
		if (f->state == VG_ST_REQ) {
			f->state = VG_ST_RESP;
		} else {
			f->state = VG_ST_REQ;
			f->dlen++; /* the next pair: REQUEST and ACK */
			if (--f->left == 0)
				*done = true;
		}
		return len;
	}
	if (f->state == VG_ST_REQ) {
		len = vg_gen_pkt_udp(g, f, frame, VG_GEN_C2S, vg_gen_paylen(g, f, 8, 1));
		if (f->kind == VG_UDP_KIND_ONEWAY) {
			if (--f->left == 0)
				*done = true;
		} else {
			f->state = VG_ST_RESP;
		}
		return len;
	}
	len = vg_gen_pkt_udp(g, f, frame, VG_GEN_S2C, vg_gen_paylen(g, f, 8, 1));
	f->state = VG_ST_REQ;
	if (--f->left == 0)
		*done = true;
	return len;
}

static uint32_t
vg_icmp_step(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame, bool *done)
{
	uint32_t len;

	if (f->state == VG_ST_REQ) {
		f->seq++;
		f->dlen = (uint16_t)vg_gen_paylen(g, f, 8, 0);
		len = vg_gen_pkt_echo(g, f, frame, VG_GEN_C2S);
		if (f->kind == VG_ICMP_KIND_LOST) {
			if (--f->left == 0)
				*done = true;
		} else {
			f->state = VG_ST_RESP;
		}
		return len;
	}
	len = vg_gen_pkt_echo(g, f, frame, VG_GEN_S2C);
	f->state = VG_ST_REQ;
	if (--f->left == 0)
		*done = true;
	return len;
}

/* Build the next packet of the capture into frame; returns its length. */
uint32_t
vg_gen_next(struct vg_gen *g, uint8_t *frame)
{
	struct vg_gen_flow *f = &g->flows[vg_gen_below(g, g->cfg->nflows)];
	bool done = false;
	uint32_t len;

	switch (f->proto) {
	case VG_GEN_TCP:
		len = vg_tcp_step(g, f, frame, &done);
		break;
	case VG_GEN_UDP:
		len = vg_udp_step(g, f, frame, &done);
		break;
	case VG_GEN_ICMP:
	default:
		len = vg_icmp_step(g, f, frame, &done);
		break;
	}
	if (done)
		vg_flow_new(g, f);
	return len;
}

int
vg_gen_init(struct vg_gen *g, const struct vg_gen_cfg *cfg)
{
	uint64_t sm = cfg->seed;
	uint32_t maxwire;
	uint32_t i;

	g->cfg = cfg;
	for (i = 0; i < 4; i++)
		g->rng[i] = vg_splitmix64(&sm);
	g->flows_started = 0;

	maxwire = cfg->size_mode == VG_GEN_SIZE_IMIX ? 1518 : cfg->size_hi;
	/* MTU follows the largest frame asked for, but is never below the usual 1500 */
	g->mss4 = (uint16_t)(maxwire > 1518 ? maxwire - 18 - 40 : 1460);
	g->mss6 = (uint16_t)(maxwire > 1518 ? maxwire - 18 - 60 : 1440);

	/* byte by byte, so that the output does not depend on the host byte order */
	for (i = 0; i < sizeof(g->fill); i += 8) {
		uint64_t r = vg_gen_rand(g);
		uint32_t k;

		for (k = 0; k < 8; k++)
			g->fill[i + k] = (uint8_t)(r >> (8 * k));
	}

	g->nclients = cfg->nflows / 4;
	if (g->nclients < VG_GEN_MIN_CLIENTS)
		g->nclients = VG_GEN_MIN_CLIENTS;
	if (g->nclients > VG_GEN_MAX_CLIENTS)
		g->nclients = VG_GEN_MAX_CLIENTS;
	g->cport = malloc(sizeof(*g->cport) * g->nclients);
	g->flows = malloc(sizeof(*g->flows) * cfg->nflows);
	if (g->cport == NULL || g->flows == NULL) {
		vg_gen_fini(g);
		return -1;
	}
	for (i = 0; i < g->nclients; i++)
		g->cport[i] = (uint16_t)(VG_GEN_EPHEM_LO +
			vg_gen_below(g, VG_GEN_EPHEM_HI - VG_GEN_EPHEM_LO + 1));
	for (i = 0; i < cfg->nflows; i++)
		vg_flow_new(g, &g->flows[i]);
	return 0;
}

void
vg_gen_fini(struct vg_gen *g)
{
	free(g->flows);
	free(g->cport);
	g->flows = NULL;
	g->cport = NULL;
}
