/* SPDX-License-Identifier: BSD-3-Clause */
/* Made-up packets of shadow connections (vg_shadow_pkt.h). */
#include <stdlib.h>
#include <string.h>

#include "vg_decode.h"
#include "vg_shadow_pkt.h"

#define SLOT (VG_SHPKT_HDR + VG_SHPKT_PAYLOAD)

int
vg_shpkt_init(struct vg_shpkt_burst *b, struct vg_worker *w)
{
	memset(b, 0, sizeof(*b));
	b->w = w;
	b->mem = malloc((size_t)VG_SHPKT_BURST * SLOT);
	return b->mem != NULL ? 0 : -1;
}

void
vg_shpkt_fini(struct vg_shpkt_burst *b)
{
	free(b->mem);
	b->mem = NULL;
}

void
vg_shpkt_flush(struct vg_shpkt_burst *b)
{
	if (b->n == 0)
		return;
	vg_worker_burst(b->w, VG_LINK_RAW, b->pkts, b->n);
	b->n = 0;
}

uint8_t *
vg_shpkt_room(struct vg_shpkt_burst *b)
{
	if (b->n == VG_SHPKT_BURST)
		vg_shpkt_flush(b);
	return b->mem + (size_t)b->n * SLOT + VG_SHPKT_HDR;
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* The TCP header just before the payload. */
static void
tcp_header(uint8_t *t, const struct vg_shpkt_conn *c, int from, uint8_t flags)
{
	int to = !from;

	memset(t, 0, 20);
	put16(t, c->port[from]);
	put16(t + 2, c->port[to]);
	put32(t + 4, c->seq[from]);
	put32(t + 8, (flags & VG_SHPKT_ACK) ? c->seq[to] : 0);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
}

/* The IP header before the TCP header; returns where the packet starts. */
static uint8_t *
ip_header(uint8_t *tcp, const struct vg_shpkt_conn *c, int from, uint32_t l4_len)
{
	int to = !from;
	uint8_t *ip;

	if (c->v4) {
		ip = tcp - 20;
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, 20 + l4_len);
		put16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, c->addr[from].b + 12, 4);
		memcpy(ip + 16, c->addr[to].b + 12, 4);
		return ip;
	}
	ip = tcp - 40;
	memset(ip, 0, 8);
	ip[0] = 0x60;
	put16(ip + 4, l4_len);
	ip[6] = 6;
	ip[7] = 64;
	memcpy(ip + 8, c->addr[from].b, 16);
	memcpy(ip + 24, c->addr[to].b, 16);
	return ip;
}

void
vg_shpkt_add(struct vg_shpkt_burst *b, struct vg_shpkt_conn *c, bool from_client, uint8_t flags,
	uint32_t len, uint64_t ts_ns)
{
	uint8_t *payload = vg_shpkt_room(b);
	int from = from_client ? 1 : 0;
	uint8_t *tcp = payload - 20;
	uint8_t *start;
	struct vg_raw_pkt *r = &b->pkts[b->n++];

	tcp_header(tcp, c, from, flags);
	start = ip_header(tcp, c, from, 20 + len);
	r->data = start;
	r->cap_len = r->wire_len = (uint32_t)(payload + len - start);
	r->ts_ns = ts_ns;
	/* Made here, not received: nothing to verify. */
	r->rx_cksum = VG_RX_CKSUM_IP_GOOD | VG_RX_CKSUM_L4_GOOD;
	/* SYN and FIN take a sequence number each, as the payload's bytes do. */
	c->seq[from] += len + ((flags & (VG_SHPKT_SYN | VG_SHPKT_FIN)) ? 1 : 0);
	b->packets++;
	b->bytes += r->wire_len;
}

void
vg_shpkt_add_copy(struct vg_shpkt_burst *b, struct vg_shpkt_conn *c, bool from_client,
	uint8_t flags, const uint8_t *p, uint32_t len, uint64_t ts_ns)
{
	while (len > 0) {
		uint32_t n = VG_MIN(len, (uint32_t)VG_SHPKT_PAYLOAD);

		memcpy(vg_shpkt_room(b), p, n);
		vg_shpkt_add(b, c, from_client, flags, n, ts_ns);
		p += n;
		len -= n;
	}
}

void
vg_shpkt_open(struct vg_shpkt_burst *b, struct vg_shpkt_conn *c, uint64_t ts_ns)
{
	/* Fixed initial sequence numbers: the logs count bytes from them, nothing else. */
	c->seq[1] = 0x10000000u;
	c->seq[0] = 0x20000000u;
	vg_shpkt_add(b, c, true, VG_SHPKT_SYN, 0, ts_ns);
	vg_shpkt_add(b, c, false, VG_SHPKT_SYN | VG_SHPKT_ACK, 0, ts_ns);
	vg_shpkt_add(b, c, true, VG_SHPKT_ACK, 0, ts_ns);
}

void
vg_shpkt_close(struct vg_shpkt_burst *b, struct vg_shpkt_conn *c, bool client_first, uint64_t ts_ns)
{
	const uint8_t fin = VG_SHPKT_FIN | VG_SHPKT_ACK;

	vg_shpkt_add(b, c, client_first, fin, 0, ts_ns);
	vg_shpkt_add(b, c, !client_first, fin, 0, ts_ns);
	vg_shpkt_add(b, c, client_first, VG_SHPKT_ACK, 0, ts_ns);
}
