/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen frame builders: Ethernet (+802.1Q), IPv4/IPv6, TCP, UDP, DNS, ICMP/ICMPv6 echo.
 *
 * Every frame is built in place in the caller's buffer. All multi-byte fields are written
 * byte by byte in network order, and checksums are computed over the bytes as laid out in
 * memory, so the output does not depend on the host byte order.
 */
#include <stdio.h>
#include <string.h>

#include "vg_gen.h"
#include "vg_put.h"

#define VG_ETH_LEN         14u
#define VG_VLAN_LEN        4u
#define VG_IP4_LEN         20u
#define VG_IP6_LEN         40u
#define VG_TCP_LEN         20u
#define VG_TCP_SYN_OPT_LEN 12u
#define VG_UDP_LEN         8u
#define VG_ICMP_ECHO_LEN   8u

#define VG_ETHERTYPE_IP4  0x0800u
#define VG_ETHERTYPE_IP6  0x86ddu
#define VG_ETHERTYPE_VLAN 0x8100u

#define VG_IPPROTO_ICMP  1u
#define VG_IPPROTO_TCP   6u
#define VG_IPPROTO_UDP   17u
#define VG_IPPROTO_ICMP6 58u

/*
 * One's complement sum of a buffer, in the host's native 16-bit word order. Folding native
 * words of any width gives the same 16-bit result modulo 0xffff, and storing the final value
 * back natively puts the bytes in network order (RFC 1071).
 */
static uint64_t
vg_sum(const uint8_t *p, size_t len, uint64_t sum)
{
	uint64_t w64;
	uint16_t w16;

	while (len >= 8) {
		memcpy(&w64, p, 8);
		sum += w64;
		sum += (sum < w64);
		p += 8;
		len -= 8;
	}
	while (len >= 2) {
		memcpy(&w16, p, 2);
		sum += w16;
		sum += (sum < w16);
		p += 2;
		len -= 2;
	}
	if (len != 0) {
		uint8_t tail[2] = {p[0], 0};

		memcpy(&w16, tail, 2);
		sum += w16;
		sum += (sum < w16);
	}
	return sum;
}

/* Native-order value whose in-memory bytes are the big-endian 16-bit value v. */
static inline uint16_t
vg_be16_native(uint32_t v)
{
	uint8_t b[2];
	uint16_t w;

	vg_put16(b, v);
	memcpy(&w, b, 2);
	return w;
}

static inline void
vg_sum_store(uint8_t *p, uint64_t sum)
{
	uint16_t c;

	sum = (sum & 0xffffffffull) + (sum >> 32);
	sum = (sum & 0xffffffffull) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	c = (uint16_t)~sum;
	memcpy(p, &c, 2);
}

/*
 * Host pools. Clients live in 10.0.0.0/8 and 192.168.0.0/16 (2001:db8:1::/48 over IPv6).
 * Servers are public-looking (198.51.100.0/24, 203.0.113.0/24) or private (10.100.0.0/16,
 * 192.168.250.0/23); over IPv6 they live in 2001:db8:5::/48. Each index maps to a distinct
 * address.
 */
static uint32_t
vg_client_ip4(uint32_t i)
{
	uint32_t j = i / 8;

	if (i % 8 == 7 && j < 200u * 254u)
		return (192u << 24) | (168u << 16) | ((j / 254) << 8) | (j % 254 + 1);
	j = i / 254;
	return (10u << 24) | ((1 + (j >> 8)) << 16) | ((j & 0xff) << 8) | (i % 254 + 1);
}

static void
vg_client_ip6(uint32_t i, uint8_t *a)
{
	uint64_t h = vg_mix64(i + 0x9e3779b97f4a7c15ull);

	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	vg_put16(a + 4, 1);
	vg_put16(a + 6, i >> 16);
	vg_put32(a + 8, (uint32_t)(h >> 32) & 0xfdffffffu);
	vg_put16(a + 12, (uint32_t)h);
	vg_put16(a + 14, i & 0xffff);
}

/* Spread server indices (which are drawn with a skew towards low values) over the pool. */
static inline uint32_t
vg_server_slot(uint32_t s)
{
	return (s * 389u + 7u) & (VG_GEN_NSERVERS - 1);
}

static inline bool
vg_server_public(uint32_t s)
{
	return vg_server_slot(s) < 508;
}

static uint32_t
vg_server_ip4(uint32_t s)
{
	uint32_t p = vg_server_slot(s);
	uint32_t u;

	if (p < 254)
		return (198u << 24) | (51u << 16) | (100u << 8) | (p + 1);
	if (p < 508)
		return (203u << 24) | (0u << 16) | (113u << 8) | (p - 254 + 1);
	p -= 508;
	u = p / 2;
	if (p % 2 == 0)
		return (10u << 24) | (100u << 16) | ((u / 254) << 8) | (u % 254 + 1);
	return (192u << 24) | (168u << 16) | ((250 + u / 254) << 8) | (u % 254 + 1);
}

static void
vg_server_ip6(uint32_t s, uint8_t *a)
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	vg_put16(a + 4, 5);
	vg_put16(a + 14, vg_server_slot(s) + 1);
}

static void
vg_client_mac(uint32_t i, uint8_t *m)
{
	m[0] = 0x02;
	m[1] = 0xc1;
	vg_put32(m + 2, i);
}

static void
vg_server_mac(uint32_t s, uint8_t *m)
{
	m[0] = 0x02;
	if (vg_server_public(s)) {
		/* public servers are reached through the default gateway */
		m[1] = 0x00;
		vg_put32(m + 2, 0x0000fe01u);
	} else {
		m[1] = 0x5e;
		vg_put32(m + 2, vg_server_slot(s));
	}
}

static uint8_t
vg_client_ttl(uint32_t i)
{
	return (i % 3 == 0) ? 128 : 64;
}

static uint8_t
vg_server_ttl(uint32_t s)
{
	uint32_t p = vg_server_slot(s);
	uint8_t base = (p % 5 == 0) ? 128 : 64;

	return (uint8_t)(base - (vg_server_public(s) ? 6 + p % 13 : 1));
}

/* Write Ethernet and IP headers; lengths and checksums are filled in by vg_finish(). */
static uint8_t *
vg_hdr(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame, int dir, uint8_t proto)
{
	uint8_t *p = frame;

	if (dir == VG_GEN_C2S) {
		vg_server_mac(f->sidx, p);
		vg_client_mac(f->cidx, p + 6);
	} else {
		vg_client_mac(f->cidx, p);
		vg_server_mac(f->sidx, p + 6);
	}
	p += 12;
	if (g->cfg->vlan >= 0) {
		vg_put16(p, VG_ETHERTYPE_VLAN);
		vg_put16(p + 2, (uint32_t)g->cfg->vlan);
		p += VG_VLAN_LEN;
	}
	if (f->ipv6) {
		uint32_t label = f->label;

		if (dir == VG_GEN_S2C)
			label = (label * 2654435761u) >> 12;
		vg_put16(p, VG_ETHERTYPE_IP6);
		p += 2;
		vg_put32(p, (6u << 28) | (label & 0xfffff));
		p[6] = proto;
		p[7] = dir == VG_GEN_C2S ? 64 : vg_server_ttl(f->sidx);
		if (dir == VG_GEN_C2S) {
			vg_client_ip6(f->cidx, p + 8);
			vg_server_ip6(f->sidx, p + 24);
		} else {
			vg_server_ip6(f->sidx, p + 8);
			vg_client_ip6(f->cidx, p + 24);
		}
		return p + VG_IP6_LEN;
	}
	vg_put16(p, VG_ETHERTYPE_IP4);
	p += 2;
	p[0] = 0x45;
	p[1] = 0;
	if (dir == VG_GEN_C2S) {
		vg_put16(p + 4, f->cipid++);
		p[8] = vg_client_ttl(f->cidx);
		vg_put32(p + 12, vg_client_ip4(f->cidx));
		vg_put32(p + 16, vg_server_ip4(f->sidx));
	} else {
		vg_put16(p + 4, f->sipid++);
		p[8] = vg_server_ttl(f->sidx);
		vg_put32(p + 12, vg_server_ip4(f->sidx));
		vg_put32(p + 16, vg_client_ip4(f->cidx));
	}
	vg_put16(p + 6, 0x4000); /* DF */
	p[9] = proto;
	return p + VG_IP4_LEN;
}

/*
 * Fill in IP lengths, the IPv4 header checksum and the L4 checksum at l4 + csum_off, then
 * pad the frame to the Ethernet minimum. Returns the captured frame length.
 */
static uint32_t
vg_finish(const struct vg_gen_flow *f, uint8_t *frame, uint8_t *l4, uint32_t l4len,
	uint32_t csum_off, bool pseudo)
{
	uint64_t sum = 0;
	uint32_t len;
	uint8_t *ip;

	l4[csum_off] = 0;
	l4[csum_off + 1] = 0;
	if (f->ipv6) {
		ip = l4 - VG_IP6_LEN;
		vg_put16(ip + 4, l4len);
		if (pseudo) {
			sum = vg_sum(ip + 8, 32, 0);
			sum += vg_be16_native(l4len >> 16);
			sum += vg_be16_native(l4len & 0xffff);
			sum += vg_be16_native(ip[6]);
		}
	} else {
		ip = l4 - VG_IP4_LEN;
		vg_put16(ip + 2, VG_IP4_LEN + l4len);
		ip[10] = 0;
		ip[11] = 0;
		vg_sum_store(ip + 10, vg_sum(ip, VG_IP4_LEN, 0));
		if (pseudo) {
			sum = vg_sum(ip + 12, 8, 0);
			sum += vg_be16_native(ip[9]);
			sum += vg_be16_native(l4len);
		}
	}
	sum = vg_sum(l4, l4len, sum);
	vg_sum_store(l4 + csum_off, sum);
	/* UDP: a computed checksum of zero is sent as all ones (zero means "no checksum") */
	if (ip[f->ipv6 ? 6 : 9] == VG_IPPROTO_UDP && l4[csum_off] == 0 && l4[csum_off + 1] == 0) {
		l4[csum_off] = 0xff;
		l4[csum_off + 1] = 0xff;
	}
	len = (uint32_t)(l4 - frame) + l4len;
	if (len < VG_GEN_MIN_CAPLEN) {
		memset(frame + len, 0, VG_GEN_MIN_CAPLEN - len);
		len = VG_GEN_MIN_CAPLEN;
	}
	return len;
}

/* On-wire frame size (FCS included, no VLAN tag) for the next data packet. */
uint32_t
vg_gen_wire_size(struct vg_gen *g)
{
	const struct vg_gen_cfg *cfg = g->cfg;
	uint32_t r;

	if (cfg->size_mode == VG_GEN_SIZE_RANGE)
		return cfg->size_lo + vg_gen_below(g, cfg->size_hi - cfg->size_lo + 1);
	if (cfg->size_mode == VG_GEN_SIZE_IMIX) {
		/* simple IMIX: 7 x 64, 4 x 594, 1 x 1518 bytes */
		r = vg_gen_below(g, 12);
		return r < 7 ? 64 : (r < 11 ? 594 : 1518);
	}
	return cfg->size_lo;
}

/* Payload length that makes the next data frame match --sizes, but at least min bytes. */
uint32_t
vg_gen_paylen(struct vg_gen *g, const struct vg_gen_flow *f, uint32_t l4hdr, uint32_t min)
{
	uint32_t wire = vg_gen_wire_size(g);
	uint32_t hdrs = VG_GEN_FCS_LEN + VG_ETH_LEN + (f->ipv6 ? VG_IP6_LEN : VG_IP4_LEN) + l4hdr;

	if (wire < hdrs + min)
		return min;
	return wire - hdrs;
}

static inline void
vg_fill(struct vg_gen *g, uint8_t *p, uint32_t len, uint32_t off)
{
	memcpy(p, g->fill + (off & VG_GEN_FILL_MASK), len);
}

static uint32_t
vg_pkt_tcp(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame, int dir, uint8_t flags,
	uint32_t seq, uint32_t ack, const uint8_t *data, uint32_t paylen)
{
	uint8_t *l4 = vg_hdr(g, f, frame, dir, VG_IPPROTO_TCP);
	uint32_t hlen = VG_TCP_LEN;
	uint32_t win;

	if (dir == VG_GEN_C2S) {
		vg_put16(l4, f->cport);
		vg_put16(l4 + 2, f->sport);
	} else {
		vg_put16(l4, f->sport);
		vg_put16(l4 + 2, f->cport);
	}
	vg_put32(l4 + 4, seq);
	vg_put32(l4 + 8, (flags & VG_TCP_ACK) ? ack : 0);
	if (flags & VG_TCP_SYN) {
		uint8_t *o = l4 + VG_TCP_LEN;

		/* mss, nop, wscale 7, nop, nop, sackOK */
		o[0] = 2;
		o[1] = 4;
		vg_put16(o + 2, f->ipv6 ? g->mss6 : g->mss4);
		o[4] = 1;
		o[5] = 3;
		o[6] = 3;
		o[7] = 7;
		o[8] = 1;
		o[9] = 1;
		o[10] = 4;
		o[11] = 2;
		hlen += VG_TCP_SYN_OPT_LEN;
		win = dir == VG_GEN_C2S ? 64240 : 65160;
	} else if (flags & VG_TCP_RST) {
		win = 0;
	} else {
		win = dir == VG_GEN_C2S ? 502 : 509;
	}
	l4[12] = (uint8_t)((hlen / 4) << 4);
	l4[13] = flags;
	vg_put16(l4 + 14, win);
	l4[18] = 0;
	l4[19] = 0;
	if (data != NULL)
		memcpy(l4 + hlen, data, paylen);
	else if (paylen != 0)
		vg_fill(g, l4 + hlen, paylen, (uint32_t)vg_gen_rand(g));
	return vg_finish(f, frame, l4, hlen + paylen, 16, true);
}

uint32_t
vg_gen_pkt_tcp(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame, int dir, uint8_t flags,
	uint32_t seq, uint32_t ack, uint32_t paylen)
{
	return vg_pkt_tcp(g, f, frame, dir, flags, seq, ack, NULL, paylen);
}

uint32_t
vg_gen_pkt_tcp_data(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame, int dir, uint8_t flags,
	uint32_t seq, uint32_t ack, const uint8_t *data, uint32_t len)
{
	return vg_pkt_tcp(g, f, frame, dir, flags, seq, ack, data, len);
}

uint32_t
vg_gen_pkt_udp(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame, int dir, uint32_t paylen)
{
	uint8_t *l4 = vg_hdr(g, f, frame, dir, VG_IPPROTO_UDP);

	if (dir == VG_GEN_C2S) {
		vg_put16(l4, f->cport);
		vg_put16(l4 + 2, f->sport);
	} else {
		vg_put16(l4, f->sport);
		vg_put16(l4 + 2, f->cport);
	}
	vg_put16(l4 + 4, VG_UDP_LEN + paylen);
	if (paylen != 0)
		vg_fill(g, l4 + VG_UDP_LEN, paylen, (uint32_t)vg_gen_rand(g));
	return vg_finish(f, frame, l4, VG_UDP_LEN + paylen, 6, true);
}

static const char *const vg_dns_words[8] = {
	"www", "api", "cdn", "mail", "img", "static", "login", "app"};
static const char *const vg_dns_tlds[3] = {"com", "net", "org"};

/* Encode the query name selected by sel (e.g. "cdn12.example.net"); returns its length. */
static uint32_t
vg_dns_name(uint8_t *p, uint32_t sel)
{
	const char *word = vg_dns_words[sel & 7];
	const char *tld = vg_dns_tlds[((sel >> 9) & 0x7f) % 3];
	uint32_t num = (sel >> 3) & 63;
	uint32_t wlen = (uint32_t)strlen(word);
	uint32_t n = 0;
	uint32_t lab;

	lab = n++;
	memcpy(p + n, word, wlen);
	n += wlen;
	if (num >= 10)
		p[n++] = (uint8_t)('0' + num / 10);
	if (num != 0)
		p[n++] = (uint8_t)('0' + num % 10);
	p[lab] = (uint8_t)(n - lab - 1);
	p[n++] = 7;
	memcpy(p + n, "example", 7);
	n += 7;
	p[n++] = 3;
	memcpy(p + n, tld, 3);
	n += 3;
	p[n++] = 0;
	return n;
}

/* DNS query (client to server) or its answer (server to client) for the flow's pending query. */
uint32_t
vg_gen_pkt_dns(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame, int dir)
{
	uint8_t *l4 = vg_hdr(g, f, frame, dir, VG_IPPROTO_UDP);
	uint8_t *d = l4 + VG_UDP_LEN;
	bool aaaa = (f->aux & 1) != 0;
	bool nx = (f->aux & 2) != 0;
	uint32_t qtype = aaaa ? 28 : 1;
	uint32_t n;

	vg_put16(d, f->id);
	if (dir == VG_GEN_C2S) {
		vg_put16(l4, f->cport);
		vg_put16(l4 + 2, f->sport);
		vg_put16(d + 2, 0x0100); /* standard query, RD */
		vg_put16(d + 4, 1);
		vg_put16(d + 6, 0);
	} else {
		vg_put16(l4, f->sport);
		vg_put16(l4 + 2, f->cport);
		vg_put16(d + 2, nx ? 0x8183 : 0x8180); /* response, RD, RA, rcode */
		vg_put16(d + 4, 1);
		vg_put16(d + 6, nx ? 0 : 1);
	}
	vg_put16(d + 8, 0);
	vg_put16(d + 10, 0);
	n = 12;
	n += vg_dns_name(d + n, f->seq);
	vg_put16(d + n, qtype);
	vg_put16(d + n + 2, 1);
	n += 4;
	if (dir == VG_GEN_S2C && !nx) {
		vg_put16(d + n, 0xc00c); /* name: pointer to the question */
		vg_put16(d + n + 2, qtype);
		vg_put16(d + n + 4, 1);
		vg_put32(d + n + 6, 300);
		n += 10;
		if (aaaa) {
			vg_put16(d + n, 16);
			memset(d + n + 2, 0, 16);
			d[n + 2] = 0x20;
			d[n + 3] = 0x01;
			d[n + 4] = 0x0d;
			d[n + 5] = 0xb8;
			vg_put16(d + n + 6, 5);
			vg_put16(d + n + 16, f->seq % 254 + 1);
			n += 18;
		} else {
			vg_put16(d + n, 4);
			vg_put32(d + n + 2, (203u << 24) | (113u << 8) | (f->seq % 254 + 1));
			n += 6;
		}
	}
	vg_put16(l4 + 4, VG_UDP_LEN + n);
	return vg_finish(f, frame, l4, VG_UDP_LEN + n, 6, true);
}

/*
 * A DHCP message of the exchange (RFC 2131): the client's DISCOVER then
 * REQUEST, the server's OFFER then ACK (f->dlen: 0 the first pair, 1 the
 * second), one transaction id (f->nonce). The client's own address is the
 * one offered and assigned; the messages travel between the flow's hosts
 * (client port 68, server port 67), as a relay or a renewing client sends
 * them. Options end with 255 and the message is padded to BOOTP's 300 bytes.
 */
uint32_t
vg_gen_pkt_dhcp(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame, int dir)
{
	uint8_t *l4 = vg_hdr(g, f, frame, dir, VG_IPPROTO_UDP);
	uint8_t *d = l4 + VG_UDP_LEN;
	bool c2s = dir == VG_GEN_C2S;
	uint32_t me = vg_client_ip4(f->cidx), srv = vg_server_ip4(f->sidx);
	uint8_t type = c2s ? (f->dlen == 0 ? 1 : 3) : (f->dlen == 0 ? 2 : 5);
	uint32_t n = 240;
	char host[16];

	vg_put16(l4, c2s ? 68 : 67);
	vg_put16(l4 + 2, c2s ? 67 : 68);
	memset(d, 0, 300);
	d[0] = c2s ? 1 : 2; /* BOOTREQUEST, BOOTREPLY */
	d[1] = 1;           /* Ethernet */
	d[2] = 6;
	vg_put32(d + 4, f->nonce);
	if (!c2s)
		vg_put32(d + 16, me); /* yiaddr */
	vg_client_mac(f->cidx, d + 28);
	vg_put32(d + 236, 0x63825363u); /* the magic cookie */
	d[n++] = 53, d[n++] = 1, d[n++] = type;
	if (c2s) {
		int k = snprintf(host, sizeof(host), "host-%u", f->cidx % 100000);

		d[n++] = 12, d[n++] = (uint8_t)k;
		memcpy(d + n, host, (size_t)k);
		n += (uint32_t)k;
		if (type == 3) {
			d[n++] = 50, d[n++] = 4; /* requested address */
			vg_put32(d + n, me);
			n += 4;
			d[n++] = 54, d[n++] = 4; /* the server chosen */
			vg_put32(d + n, srv);
			n += 4;
		}
		d[n++] = 55, d[n++] = 4, d[n++] = 1, d[n++] = 3, d[n++] = 6, d[n++] = 15;
	} else {
		d[n++] = 54, d[n++] = 4;
		vg_put32(d + n, srv);
		n += 4;
		d[n++] = 51, d[n++] = 4; /* lease: an hour */
		vg_put32(d + n, 3600);
		n += 4;
		d[n++] = 1, d[n++] = 4;
		vg_put32(d + n, 0xffffff00u);
		n += 4;
		d[n++] = 3, d[n++] = 4;
		vg_put32(d + n, (me & 0xffffff00u) | 1);
		n += 4;
		d[n++] = 15, d[n++] = 11;
		memcpy(d + n, "example.net", 11);
		n += 11;
	}
	d[n++] = 255;
	if (n < 300)
		n = 300;
	vg_put16(l4 + 4, VG_UDP_LEN + n);
	return vg_finish(f, frame, l4, VG_UDP_LEN + n, 6, true);
}

/* ICMP or ICMPv6 echo request (client to server) or reply (server to client). */
uint32_t
vg_gen_pkt_echo(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame, int dir)
{
	uint8_t proto = f->ipv6 ? VG_IPPROTO_ICMP6 : VG_IPPROTO_ICMP;
	uint8_t *l4 = vg_hdr(g, f, frame, dir, proto);

	if (f->ipv6)
		l4[0] = dir == VG_GEN_C2S ? 128 : 129;
	else
		l4[0] = dir == VG_GEN_C2S ? 8 : 0;
	l4[1] = 0;
	vg_put16(l4 + 4, f->id);
	vg_put16(l4 + 6, f->seq);
	/* the reply echoes the request's data: derive it from identifier and sequence only */
	if (f->dlen != 0)
		vg_fill(g, l4 + VG_ICMP_ECHO_LEN, f->dlen, f->id * 31u + f->seq * 977u);
	return vg_finish(f, frame, l4, VG_ICMP_ECHO_LEN + f->dlen, 2, f->ipv6 != 0);
}
