/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen mirror wrapping, output side: put each packet in the headers a mirror source adds
 * (AWS VPC Traffic Mirroring, Azure vTAP, AWS GWLB, GCP Packet Mirroring, ERSPAN II/III).
 *
 * All multi-byte fields are written byte by byte in network order, so the output does not
 * depend on the host byte order. A small flow table tells which side of each flow spoke first,
 * for the direction bits of gcp-geneve and erspan3 and the synthesized MAC addresses.
 */
#include <stdlib.h>
#include <string.h>

#include "vg_put.h"
#include "vg_wrap.h"

#define VG_IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

#define VG_ETH_LEN     14u
#define VG_IP4_LEN     20u
#define VG_UDP_LEN     8u
#define VG_VXLAN_LEN   8u
#define VG_GENEVE_LEN  8u
#define VG_GRE_LEN     8u /* with the sequence number */
#define VG_ERSPAN2_LEN 8u
#define VG_ERSPAN3_LEN 12u
#define VG_GWLB_OPTS   32u /* 3 options: 4 + 8, 4 + 8, 4 + 4 */
#define VG_GCP_OPTS    32u /* 3 options: 4 + 8, 4 + 8, 4 + 4 */
#define VG_IP4_MAX     65535u

/* IPv4 and UDP, then VXLAN or GENEVE (without options) */
#define VG_VXLAN_IP  (VG_IP4_LEN + VG_UDP_LEN + VG_VXLAN_LEN)
#define VG_GENEVE_IP (VG_IP4_LEN + VG_UDP_LEN + VG_GENEVE_LEN)
/* All outer headers of each format, before the mirrored packet. */
#define VG_VXLAN_HDRS   (VG_ETH_LEN + VG_VXLAN_IP)
#define VG_GWLB_HDRS    (VG_ETH_LEN + VG_GENEVE_IP + VG_GWLB_OPTS + VG_VXLAN_IP)
#define VG_GCP_HDRS     (VG_ETH_LEN + VG_GENEVE_IP + VG_GCP_OPTS)
#define VG_ERSPAN2_HDRS (VG_ETH_LEN + VG_IP4_LEN + VG_GRE_LEN + VG_ERSPAN2_LEN)
#define VG_ERSPAN3_HDRS (VG_ETH_LEN + VG_IP4_LEN + VG_GRE_LEN + VG_ERSPAN3_LEN)

#define VG_PORT_VXLAN  4789u
#define VG_PORT_GENEVE 6081u
#define VG_HPORT_BASE  49152u
#define VG_HPORT_MASK  0x3fffu

#define VG_ET_IP4      0x0800u
#define VG_ET_IP6      0x86ddu
#define VG_ET_VLAN     0x8100u
#define VG_GRE_S       0x1000u
#define VG_GRE_ERSPAN2 0x88beu
#define VG_GRE_ERSPAN3 0x22ebu
#define VG_IPPROTO_UDP 17u
#define VG_IPPROTO_GRE 47u
#define VG_OUTER_TTL   64u

/* AWS GWLB's GENEVE option class and the values vigil-gen puts in its options. */
#define VG_GWLB_CLASS       0x0108u
#define VG_GWLB_ENDPOINT_ID 0x0123456789abcdefull
#define VG_GWLB_ATTACH_ID   0x0000000000000001ull
/* GCP mirroring's GENEVE option class and values (the network id carries the session). */
#define VG_GCP_CLASS       0x0132u
#define VG_GCP_ENDPOINT_ID 0x00000000000a0001ull
#define VG_GCP_PROFILE_ID  0x00000001u

/* Flow table: open addressing, grown at half load, cleared when it reaches its largest size. */
#define VG_FT_INIT 4096u
#define VG_FT_MAX  (1u << 22)
/* Ports below this are servers' when the flow's first packet does not tell. */
#define VG_WELL_KNOWN 1024u

struct vg_fmt_info {
	const char *name;
	uint32_t src;         /* outer IPv4 source */
	uint32_t dst;         /* outer IPv4 destination (the collector) */
	uint32_t hlen;        /* bytes of outer headers before the mirrored packet */
	uint32_t session_max; /* largest session id; 0: the format has none */
	bool eth_inner;       /* the mirrored packet is an Ethernet frame */
};

static const struct vg_fmt_info vg_fmts[VG_WRAP_NFMT] = {
	[VG_WRAP_AWS_VXLAN] = {"aws-vxlan", VG_IP4(10, 0, 1, 10), VG_IP4(10, 0, 100, 10),
		VG_VXLAN_HDRS, 0xffffff, true},
	[VG_WRAP_AZURE_VXLAN] = {"azure-vxlan", VG_IP4(10, 1, 0, 4), VG_IP4(10, 1, 0, 100),
		VG_VXLAN_HDRS, 0xffffff, true},
	[VG_WRAP_AWS_GWLB] = {"aws-gwlb", VG_IP4(10, 0, 200, 5), VG_IP4(10, 0, 200, 20),
		VG_GWLB_HDRS, 0xffffff, true},
	[VG_WRAP_GCP_RAW] = {"gcp-raw", 0, 0, 0, 0, true},
	[VG_WRAP_GCP_GENEVE] = {"gcp-geneve", VG_IP4(10, 128, 0, 2), VG_IP4(10, 128, 0, 100),
		VG_GCP_HDRS, 0xffffff, false},
	[VG_WRAP_ERSPAN2] = {"erspan2", VG_IP4(192, 0, 2, 1), VG_IP4(192, 0, 2, 100),
		VG_ERSPAN2_HDRS, 1023, true},
	[VG_WRAP_ERSPAN3] = {"erspan3", VG_IP4(192, 0, 2, 1), VG_IP4(192, 0, 2, 100),
		VG_ERSPAN3_HDRS, 1023, true},
};

/* The aws-vxlan addresses also form the inner packet of aws-gwlb. */
#define VG_AWS_SRC VG_IP4(10, 0, 1, 10)
#define VG_AWS_DST VG_IP4(10, 0, 100, 10)

const char vg_wrap_format_list[] =
	"aws-vxlan, azure-vxlan, aws-gwlb, gcp-raw, gcp-geneve, erspan2 or erspan3";

/* Canonical flow key: endpoint a sorts before endpoint b. */
struct vg_fkey {
	uint8_t a[16];
	uint8_t b[16];
	uint8_t pa[2];
	uint8_t pb[2];
	uint8_t ver;
	uint8_t proto;
	uint8_t pad[2];
};

struct vg_fent {
	struct vg_fkey k;
	uint32_t h;
	uint8_t used;
	uint8_t orig_b; /* 1 if endpoint b spoke first */
	uint8_t pad[2];
};

/* What the flow of one packet gives the headers. */
struct vg_finfo {
	uint64_t hash; /* the same for both directions */
	int dir;       /* 0: from the flow's originator, 1: from its responder */
};

struct vg_wrap {
	enum vg_wrap_fmt fmt;
	uint32_t session;
	uint32_t trunc; /* 0: no truncation */
	int link;
	uint16_t ipid;
	uint32_t gre_seq;
	struct vg_fent *ft;
	uint32_t ft_mask;
	uint32_t ft_count;
	struct vg_wrap_stats st;
	struct vg_wrap_l3 units[VG_WRAP_MAX_UNITS];
	uint8_t buf[VG_WRAP_SNAPLEN + 256];
};

static inline void
vg_put64(uint8_t *p, uint64_t v)
{
	vg_put32(p, (uint32_t)(v >> 32));
	vg_put32(p + 4, (uint32_t)v);
}

static inline uint16_t
vg_get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* FNV-1a over bytes, then a strong finalizer. */
static uint64_t
vg_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return vg_mix64(h);
}

int
vg_wrap_parse_format(const char *name)
{
	int i;

	for (i = 1; i < VG_WRAP_NFMT; i++)
		if (strcmp(name, vg_fmts[i].name) == 0)
			return i;
	return -1;
}

const char *
vg_wrap_format_name(enum vg_wrap_fmt fmt)
{
	return fmt > VG_WRAP_NONE && fmt < VG_WRAP_NFMT ? vg_fmts[fmt].name : "none";
}

bool
vg_wrap_eth_inner(enum vg_wrap_fmt fmt)
{
	return vg_fmts[fmt].eth_inner;
}

uint32_t
vg_wrap_session_max(enum vg_wrap_fmt fmt)
{
	return vg_fmts[fmt].session_max;
}

/* Smallest --truncate: an Ethernet header, or an IPv4 header for gcp-geneve. */
uint32_t
vg_wrap_trunc_min(enum vg_wrap_fmt fmt)
{
	return vg_fmts[fmt].eth_inner ? VG_ETH_LEN : VG_IP4_LEN;
}

struct vg_wrap *
vg_wrap_new(enum vg_wrap_fmt fmt, uint32_t session, uint32_t truncate, int link)
{
	struct vg_wrap *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->fmt = fmt;
	w->session = session;
	w->trunc = truncate;
	w->link = link;
	w->ft = calloc(VG_FT_INIT, sizeof(*w->ft));
	if (w->ft == NULL) {
		free(w);
		return NULL;
	}
	w->ft_mask = VG_FT_INIT - 1;
	return w;
}

void
vg_wrap_free(struct vg_wrap *w)
{
	if (w == NULL)
		return;
	free(w->ft);
	free(w);
}

const struct vg_wrap_stats *
vg_wrap_get_stats(const struct vg_wrap *w)
{
	return &w->st;
}

/* ---- flows ------------------------------------------------------------------------------ */

static bool
vg_l4_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 33 || proto == 132 || proto == 136;
}

/*
 * The 5-tuple of an IP packet, and a hint on who is speaking: +2 the sender opens the flow (TCP
 * SYN, echo request), -2 the sender answers (SYN-ACK, echo reply); +1 / -1 the same guessed from
 * the ports (a port below 1024 on one side only is the server's); 0 unknown. Fragments carry no
 * ports, so that all fragments of a datagram belong to the same flow. *swapped is set when the
 * sender is endpoint b of the canonical key.
 */
static bool
vg_flow_key(const struct vg_wrap_l3 *u, struct vg_fkey *k, int *hint, bool *swapped)
{
	const uint8_t *ip = u->ip;
	uint32_t cap = u->ip_cap;
	uint8_t sport[2] = {0, 0}, dport[2] = {0, 0};
	uint8_t src[16], dst[16];
	uint32_t off;
	uint8_t proto;
	bool frag = false;
	int c;

	memset(k, 0, sizeof(*k));
	memset(src, 0, sizeof(src));
	memset(dst, 0, sizeof(dst));
	*hint = 0;
	if (u->ipver == 4) {
		if (cap < 20)
			return false;
		off = (uint32_t)(ip[0] & 0x0f) * 4;
		if (off < 20)
			return false;
		proto = ip[9];
		frag = (vg_get16(ip + 6) & 0x3fff) != 0;
		memcpy(src, ip + 12, 4);
		memcpy(dst, ip + 16, 4);
	} else {
		int ext;

		if (cap < 40)
			return false;
		proto = ip[6];
		off = 40;
		memcpy(src, ip + 8, 16);
		memcpy(dst, ip + 24, 16);
		for (ext = 0; ext < 8; ext++) {
			if (proto == 0 || proto == 43 || proto == 60) {
				if (cap < off + 2)
					break;
				proto = ip[off];
				off += ((uint32_t)ip[off + 1] + 1) * 8;
			} else if (proto == 51) {
				if (cap < off + 2)
					break;
				proto = ip[off];
				off += ((uint32_t)ip[off + 1] + 2) * 4;
			} else if (proto == 44) {
				if (cap < off + 8)
					break;
				proto = ip[off];
				frag = frag || (vg_get16(ip + off + 2) & 0xfff9) != 0;
				off += 8;
			} else {
				break;
			}
		}
	}
	if (!frag && vg_l4_ports(proto) && cap >= off + 4) {
		uint16_t sp = vg_get16(ip + off), dp = vg_get16(ip + off + 2);

		memcpy(sport, ip + off, 2);
		memcpy(dport, ip + off + 2, 2);
		if (sp < VG_WELL_KNOWN && dp >= VG_WELL_KNOWN)
			*hint = -1;
		else if (dp < VG_WELL_KNOWN && sp >= VG_WELL_KNOWN)
			*hint = 1;
		if (proto == 6 && cap >= off + 14) {
			uint8_t fl = ip[off + 13] & 0x12; /* SYN, ACK */

			if (fl == 0x02)
				*hint = 2;
			else if (fl == 0x12)
				*hint = -2;
		}
	} else if (!frag && (proto == 1 || proto == 58) && cap >= off + 6) {
		uint8_t t = ip[off];
		bool req = proto == 1 ? t == 8 : t == 128;
		bool rep = proto == 1 ? t == 0 : t == 129;

		/* echo request and reply: the identifier on both sides */
		if (req || rep) {
			memcpy(sport, ip + off + 4, 2);
			memcpy(dport, ip + off + 4, 2);
			*hint = req ? 2 : -2;
		}
	}
	c = memcmp(src, dst, sizeof(src));
	if (c == 0)
		c = memcmp(sport, dport, 2);
	*swapped = c > 0;
	memcpy(k->a, *swapped ? dst : src, 16);
	memcpy(k->b, *swapped ? src : dst, 16);
	memcpy(k->pa, *swapped ? dport : sport, 2);
	memcpy(k->pb, *swapped ? sport : dport, 2);
	k->ver = u->ipver;
	k->proto = proto;
	return true;
}

static void
vg_ft_insert(struct vg_fent *ft, uint32_t mask, const struct vg_fent *e)
{
	uint32_t i = e->h & mask;

	while (ft[i].used)
		i = (i + 1) & mask;
	ft[i] = *e;
}

/* Make room for one more flow: double the table, or start afresh at the largest size. */
static void
vg_ft_grow(struct vg_wrap *w)
{
	uint32_t size = w->ft_mask + 1;
	struct vg_fent *nt;
	uint32_t i;

	if ((w->ft_count + 1) * 2 <= size)
		return;
	if (size >= VG_FT_MAX || (nt = calloc((size_t)size * 2, sizeof(*nt))) == NULL) {
		memset(w->ft, 0, sizeof(*w->ft) * size);
		w->ft_count = 0;
		return;
	}
	for (i = 0; i < size; i++)
		if (w->ft[i].used)
			vg_ft_insert(nt, size * 2 - 1, &w->ft[i]);
	free(w->ft);
	w->ft = nt;
	w->ft_mask = size * 2 - 1;
}

static void
vg_flow_info(struct vg_wrap *w, const struct vg_wrap_l3 *u, struct vg_finfo *fi)
{
	struct vg_fent e;
	bool swapped;
	int hint;
	uint32_t i;

	fi->hash = 0;
	fi->dir = 0;
	if (u->ip == NULL || !vg_flow_key(u, &e.k, &hint, &swapped))
		return;
	fi->hash = vg_hash((const uint8_t *)&e.k, sizeof(e.k));
	e.h = (uint32_t)fi->hash;
	for (i = e.h & w->ft_mask; w->ft[i].used; i = (i + 1) & w->ft_mask) {
		struct vg_fent *f = &w->ft[i];

		if (f->h != e.h || memcmp(&f->k, &e.k, sizeof(e.k)) != 0)
			continue;
		/* a new connection on the same tuple may be opened by the other side */
		if (hint == 2)
			f->orig_b = swapped;
		fi->dir = f->orig_b != swapped;
		return;
	}
	vg_ft_grow(w);
	e.used = 1;
	e.orig_b = hint < 0 ? !swapped : swapped;
	e.pad[0] = e.pad[1] = 0;
	vg_ft_insert(w->ft, w->ft_mask, &e);
	w->ft_count++;
	fi->dir = hint < 0;
}

/* Packets without IP: hash the unordered pair of MAC addresses and the Ethernet type. */
static uint64_t
vg_mac_hash(const uint8_t *frame, uint32_t cap)
{
	uint8_t k[14];
	bool sw;

	if (cap < VG_ETH_LEN)
		return 0;
	sw = memcmp(frame, frame + 6, 6) > 0;
	memcpy(k, sw ? frame + 6 : frame, 6);
	memcpy(k + 6, sw ? frame : frame + 6, 6);
	memcpy(k + 12, frame + 12, 2);
	return vg_hash(k, sizeof(k));
}

/* ---- headers ---------------------------------------------------------------------------- */

/* Locally administered MAC address made of an IPv4 address: 02:00:a.b.c.d. */
static uint8_t *
vg_put_eth(uint8_t *p, uint32_t src, uint32_t dst, uint32_t type)
{
	p[0] = 0x02;
	p[1] = 0x00;
	vg_put32(p + 2, dst);
	p[6] = 0x02;
	p[7] = 0x00;
	vg_put32(p + 8, src);
	vg_put16(p + 12, type);
	return p + VG_ETH_LEN;
}

static uint8_t *
vg_put_ip4(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, uint32_t total, uint16_t id)
{
	uint32_t sum = 0;
	int i;

	p[0] = 0x45;
	p[1] = 0;
	vg_put16(p + 2, total);
	vg_put16(p + 4, id);
	vg_put16(p + 6, 0x4000); /* DF */
	p[8] = VG_OUTER_TTL;
	p[9] = proto;
	p[10] = 0;
	p[11] = 0;
	vg_put32(p + 12, src);
	vg_put32(p + 16, dst);
	for (i = 0; i < (int)VG_IP4_LEN; i += 2)
		sum += vg_get16(p + i);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	vg_put16(p + 10, ~sum & 0xffff);
	return p + VG_IP4_LEN;
}

/* UDP with checksum 0, as AWS sends it (allowed for IPv4). */
static uint8_t *
vg_put_udp(uint8_t *p, uint32_t sport, uint32_t dport, uint32_t len)
{
	vg_put16(p, sport);
	vg_put16(p + 2, dport);
	vg_put16(p + 4, len);
	vg_put16(p + 6, 0);
	return p + VG_UDP_LEN;
}

static uint8_t *
vg_put_vxlan(uint8_t *p, uint32_t vni)
{
	vg_put32(p, 0x08000000u); /* I flag: the VNI is valid */
	vg_put32(p + 4, vni << 8);
	return p + VG_VXLAN_LEN;
}

static uint8_t *
vg_put_geneve(uint8_t *p, uint32_t optlen, uint32_t proto, uint32_t vni)
{
	p[0] = (uint8_t)(optlen / 4); /* version 0, option length in 4-byte words */
	p[1] = 0;                     /* O and C flags clear */
	vg_put16(p + 2, proto);
	vg_put32(p + 4, vni << 8);
	return p + VG_GENEVE_LEN;
}

/* One GENEVE option: class, type, length in 4-byte words, data (8 or 4 bytes). */
static uint8_t *
vg_put_opt(uint8_t *p, uint32_t cls, uint8_t type, uint64_t data, uint32_t dlen)
{
	vg_put16(p, cls);
	p[2] = type;
	p[3] = (uint8_t)(dlen / 4);
	if (dlen == 8)
		vg_put64(p + 4, data);
	else
		vg_put32(p + 4, (uint32_t)data);
	return p + 4 + dlen;
}

static uint8_t *
vg_put_gre(uint8_t *p, uint32_t proto, uint32_t seq)
{
	vg_put16(p, VG_GRE_S);
	vg_put16(p + 2, proto);
	vg_put32(p + 4, seq);
	return p + VG_GRE_LEN;
}

/* VLAN and class of service of the mirrored frame, for the ERSPAN headers. */
static void
vg_erspan_vlan(const uint8_t *frame, uint32_t cap, const struct vg_wrap_l3 *u, uint32_t *vlan,
	uint32_t *cos, bool *tagged)
{
	*vlan = 0;
	*cos = 0;
	*tagged = false;
	if (cap >= VG_ETH_LEN + 4 && vg_get16(frame + 12) == VG_ET_VLAN) {
		uint16_t tci = vg_get16(frame + 14);

		*vlan = tci & 0x0fff;
		*cos = tci >> 13;
		*tagged = true;
	} else if (u->ip != NULL && u->ip_cap >= 2) {
		/* IP precedence: the top 3 bits of the TOS / traffic class */
		*cos = u->ipver == 4 ? u->ip[1] >> 5 : (u->ip[0] >> 1) & 0x7;
	}
}

/*
 * Write the outer headers of fmt before the mirrored packet at w->buf + hlen. iwire is the
 * mirrored packet's length on the wire after any truncation, owire its length before.
 */
static void
vg_put_outer(struct vg_wrap *w, const struct vg_wrap_l3 *u, const struct vg_finfo *fi,
	uint64_t usec, uint32_t icap, uint32_t iwire, uint32_t owire)
{
	const struct vg_fmt_info *f = &vg_fmts[w->fmt];
	uint32_t hport = VG_HPORT_BASE + (uint32_t)(fi->hash & VG_HPORT_MASK);
	uint32_t ipl = f->hlen - VG_ETH_LEN + iwire; /* outer IPv4 total length */
	uint8_t *inner = w->buf + f->hlen;
	uint8_t *p = w->buf;
	uint16_t id = w->ipid++;
	uint32_t vlan, cos, sess = w->session;
	bool tagged, cut = iwire < owire;

	if (w->fmt == VG_WRAP_GCP_RAW)
		return;
	p = vg_put_eth(p, f->src, f->dst, VG_ET_IP4);
	switch (w->fmt) {
	case VG_WRAP_AWS_VXLAN:
	case VG_WRAP_AZURE_VXLAN:
		p = vg_put_ip4(p, f->src, f->dst, VG_IPPROTO_UDP, ipl, id);
		p = vg_put_udp(p, hport, VG_PORT_VXLAN, ipl - VG_IP4_LEN);
		vg_put_vxlan(p, sess);
		break;
	case VG_WRAP_AWS_GWLB:
		p = vg_put_ip4(p, f->src, f->dst, VG_IPPROTO_UDP, ipl, id);
		p = vg_put_udp(p, hport, VG_PORT_GENEVE, ipl - VG_IP4_LEN);
		p = vg_put_geneve(p, VG_GWLB_OPTS, VG_ET_IP4, 0);
		p = vg_put_opt(p, VG_GWLB_CLASS, 1, VG_GWLB_ENDPOINT_ID, 8);
		p = vg_put_opt(p, VG_GWLB_CLASS, 2, VG_GWLB_ATTACH_ID, 8);
		p = vg_put_opt(p, VG_GWLB_CLASS, 3, fi->hash >> 32, 4);
		/* the GENEVE payload: the packet aws-vxlan would have sent */
		ipl = VG_VXLAN_IP + iwire;
		p = vg_put_ip4(p, VG_AWS_SRC, VG_AWS_DST, VG_IPPROTO_UDP, ipl, id);
		p = vg_put_udp(p, hport, VG_PORT_VXLAN, ipl - VG_IP4_LEN);
		vg_put_vxlan(p, sess);
		break;
	case VG_WRAP_GCP_GENEVE:
		p = vg_put_ip4(p, f->src, f->dst, VG_IPPROTO_UDP, ipl, id);
		p = vg_put_udp(p, hport, VG_PORT_GENEVE, ipl - VG_IP4_LEN);
		p = vg_put_geneve(p, VG_GCP_OPTS, u->ipver == 6 ? VG_ET_IP6 : VG_ET_IP4, sess);
		/* network id: top bit the direction (1: egress, the responder's side) */
		p = vg_put_opt(p, VG_GCP_CLASS, 1, (uint64_t)fi->dir << 63 | sess, 8);
		p = vg_put_opt(p, VG_GCP_CLASS, 2, VG_GCP_ENDPOINT_ID, 8);
		vg_put_opt(p, VG_GCP_CLASS, 3, VG_GCP_PROFILE_ID, 4);
		break;
	case VG_WRAP_ERSPAN2:
		vg_erspan_vlan(inner, icap, u, &vlan, &cos, &tagged);
		p = vg_put_ip4(p, f->src, f->dst, VG_IPPROTO_GRE, ipl, id);
		p = vg_put_gre(p, VG_GRE_ERSPAN2, w->gre_seq++);
		/* ver 1, VLAN; COS, En (3: VLAN tag kept in the frame), T, session; index 0 */
		vg_put16(p, 1u << 12 | vlan);
		vg_put16(p + 2, cos << 13 | (tagged ? 3u : 0u) << 11 | (uint32_t)cut << 10 | sess);
		vg_put32(p + 4, 0);
		break;
	case VG_WRAP_ERSPAN3:
	default: {
		/* BSO: 1 short (< 60 bytes), 2 oversized (over 1514, 1518 tagged), 0 good */
		uint32_t bso;

		vg_erspan_vlan(inner, icap, u, &vlan, &cos, &tagged);
		bso = owire < 60 ? 1 : owire > (tagged ? 1518u : 1514u) ? 2 : 0;
		p = vg_put_ip4(p, f->src, f->dst, VG_IPPROTO_GRE, ipl, id);
		p = vg_put_gre(p, VG_GRE_ERSPAN3, w->gre_seq++);
		vg_put16(p, 2u << 12 | vlan);
		vg_put16(p + 2, cos << 13 | bso << 11 | (uint32_t)cut << 10 | sess);
		/* Gra 01b: the timestamp counts 100-nanosecond units. */
		vg_put32(p + 4, (uint32_t)(usec * 10));
		/* SGT 0; P 1 (Ethernet), FT 0, HW ID 0, D direction, Gra 1, O 0 */
		vg_put16(p + 8, 0);
		vg_put16(p + 10, 1u << 15 | (uint32_t)fi->dir << 3 | 1u << 1);
		break;
	}
	}
}

/* ---- packets ---------------------------------------------------------------------------- */

static int
vg_wrap_unit(struct vg_wrap *w, uint64_t usec, const uint8_t *pkt, uint32_t caplen, uint32_t len,
	const struct vg_wrap_l3 *u, vg_wrap_emit_t emit, void *ctx)
{
	const struct vg_fmt_info *f = &vg_fmts[w->fmt];
	uint32_t room = VG_WRAP_SNAPLEN - f->hlen;
	uint8_t *inner = w->buf + f->hlen;
	const uint8_t *src;
	uint32_t icap, iwire, owire, hdr = 0;
	struct vg_finfo fi;

	if (!f->eth_inner) {
		if (u->ip == NULL) {
			w->st.no_ip++;
			return 0;
		}
		src = u->ip;
		icap = u->ip_cap;
		iwire = u->ip_wire;
	} else if (w->link == VG_LT_EN10MB) {
		src = pkt;
		icap = caplen;
		iwire = len < caplen ? caplen : len;
	} else if (u->etype != 0) {
		/* converted: a synthesized Ethernet header, then the L3 bytes unchanged */
		hdr = VG_ETH_LEN;
		src = u->pay;
		icap = VG_ETH_LEN + u->pay_cap;
		iwire = VG_ETH_LEN + u->pay_wire;
	} else {
		w->st.no_conv++;
		return 0;
	}
	vg_flow_info(w, u, &fi);

	owire = iwire;
	if (w->trunc != 0 && iwire > w->trunc)
		iwire = w->trunc;
	if (icap > iwire)
		icap = iwire;
	if (f->hlen != 0 && f->hlen - VG_ETH_LEN + iwire > VG_IP4_MAX) {
		w->st.too_big++;
		return 0;
	}
	if (icap > room)
		icap = room;

	if (hdr != 0) {
		uint32_t a = fi.dir ? 2 : 1, b = fi.dir ? 1 : 2;

		vg_put_eth(inner, a, b, u->etype);
		if (icap > hdr)
			memcpy(inner + hdr, src, icap - hdr);
	} else {
		memcpy(inner, src, icap);
	}
	if (u->ip == NULL)
		fi.hash = vg_mac_hash(inner, icap);
	vg_put_outer(w, u, &fi, usec, icap, iwire, owire);
	w->st.out++;
	return emit(ctx, w->buf, f->hlen + icap, f->hlen + iwire);
}

/*
 * Wrap one input packet of the link type given to vg_wrap_new(); usec is its time stamp in
 * microseconds. emit is called for each packet written (none if it is skipped, several for an
 * 802.11 A-MSDU). Returns 0, or what a failing emit returned.
 */
int
vg_wrap_packet(struct vg_wrap *w, uint64_t usec, const uint8_t *pkt, uint32_t caplen, uint32_t len,
	vg_wrap_emit_t emit, void *ctx)
{
	unsigned int n, i;
	int rc;

	w->st.in++;
	n = vg_wrap_link(w->link, pkt, caplen, len, w->units, VG_WRAP_MAX_UNITS);
	for (i = 0; i < n; i++) {
		rc = vg_wrap_unit(w, usec, pkt, caplen, len, &w->units[i], emit, ctx);
		if (rc != 0)
			return rc;
	}
	return 0;
}
