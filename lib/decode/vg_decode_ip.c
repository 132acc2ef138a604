/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 and IPv6 decoding, IPv6 extension headers (with the Mobile IPv6 home
 * address option, as Zeek applies it), and the hand-off to reassembly.
 */
#include "vg_decode.h"
#include "vg_decode_private.h"

#define IPPROTO_HOPOPTS_  0
#define IPPROTO_ROUTING_  43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_ESP_      50
#define IPPROTO_AH_       51
#define IPPROTO_NONE_     59
#define IPPROTO_DSTOPTS_  60
#define IPPROTO_MOBILITY_ 135

#define IP6_OPT_HOME_ADDR 0xc9

static enum vg_decode_result
decode_ipv4(struct vg_decoder *d, const uint8_t *p, uint32_t cap, struct vg_pkt *pkt)
{
	if (cap < 20) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_IP, VG_WEIRD_SCOPE_NET, "IP");
		return VG_DECODE_DROPPED;
	}
	uint32_t hlen = (uint32_t)(p[0] & 0x0f) * 4;
	uint32_t total = vg_be16(p + 2);

	if (hlen < 20 || hlen > cap) {
		vg_pkt_weird(d, pkt, VG_WEIRD_INVALID_IP_HEADER_SIZE, VG_WEIRD_SCOPE_NET, "IP");
		return VG_DECODE_DROPPED;
	}
	/* The wire may carry the datagram shorter than its header says. */
	uint32_t avail_wire =
		cap + (pkt->wire_len > pkt->cap_len ? pkt->wire_len - pkt->cap_len : 0);

	if (total < hlen) {
		vg_pkt_weird(d, pkt, VG_WEIRD_INVALID_IP_HEADER_SIZE, VG_WEIRD_SCOPE_NET, "IP");
		return VG_DECODE_DROPPED;
	}
	if (total > avail_wire && pkt->mirrored) {
		/* Cut by the mirror source: handled like a snaplen cut. */
		d->stats.mirror_truncated++;
		avail_wire = total;
	}
	if (total > avail_wire) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_IP, VG_WEIRD_SCOPE_NET, "IP");
		return VG_DECODE_DROPPED;
	}
	if (!d->cfg.ignore_checksums && !d->cfg.peek && !(d->cksum_trust & VG_RX_CKSUM_IP_GOOD) &&
		vg_cksum_fold(vg_cksum_add(0, p, hlen)) != 0) {
		vg_pkt_weird(d, pkt, VG_WEIRD_BAD_IP_CHECKSUM, VG_WEIRD_SCOPE_NET, "IP");
		return VG_DECODE_DROPPED;
	}
	d->stats.ip4++;
	pkt->ip_version = 4;
	pkt->ip = p;
	pkt->ip_len = total;
	pkt->ip_hdr_len = hlen;
	pkt->ip_proto = p[9];
	pkt->ttl = p[8];
	vg_addr_from_v4(&pkt->src, p + 12);
	vg_addr_from_v4(&pkt->dst, p + 16);

	uint16_t frag = vg_be16(p + 6);
	bool more = frag & 0x2000;
	uint32_t off = (uint32_t)(frag & 0x1fff) * 8;
	uint32_t body_cap = VG_MIN(cap, total) - hlen;

	if ((more || off != 0) && d->cfg.peek)
		return VG_DECODE_IP; /* addresses are enough */
	if ((more || off != 0) && d->cfg.defer_frags)
		return VG_DECODE_DEFERRED;
	if (more || off != 0) {
		struct vg_frag_key key;
		uint32_t dlen;
		const uint8_t *dgram;

		d->stats.fragments++;
		memset(&key, 0, sizeof(key));
		key.src = pkt->src;
		key.dst = pkt->dst;
		key.id = vg_be16(p + 4);
		key.proto = pkt->ip_proto;
		key.version = 4;
		if (body_cap < total - hlen) {
			/* A fragment cut by the snaplen cannot be reassembled. */
			vg_pkt_weird(d, pkt, VG_WEIRD_INTERNALLY_TRUNCATED_HEADER,
				VG_WEIRD_SCOPE_FLOW, NULL);
			return VG_DECODE_DROPPED;
		}
		dgram = vg_frag_add(d, pkt, &key, p, hlen, p + hlen, body_cap, off, more, &dlen);
		if (dgram == NULL)
			return pkt->nweirds ? VG_DECODE_DROPPED : VG_DECODE_HELD;
		d->stats.reassembled++;
		pkt->reassembled = 1;
		pkt->ip = dgram;
		pkt->ip_len = dlen;
		return vg_decode_l4(d, dgram + hlen, dlen - hlen, dlen - hlen, pkt);
	}
	return vg_decode_l4(d, p + hlen, body_cap, total - hlen, pkt);
}

/*
 * Walks destination options looking for the home address option; Zeek swaps
 * the source address for the home address and reports malformed options.
 */
static void
decode_dst_opts(
	struct vg_decoder *d, const uint8_t *h, uint32_t hlen, bool *have_home, struct vg_pkt *pkt)
{
	uint32_t off = 2;

	while (off < hlen) {
		uint8_t type = h[off];

		if (type == 0) { /* Pad1 */
			off++;
			continue;
		}
		if (off + 2 > hlen) {
			vg_pkt_weird(
				d, pkt, VG_WEIRD_BAD_IPV6_DEST_OPT_LEN, VG_WEIRD_SCOPE_FLOW, NULL);
			return;
		}
		uint8_t olen = h[off + 1];

		if (off + 2 + olen > hlen) {
			vg_pkt_weird(
				d, pkt, VG_WEIRD_BAD_IPV6_DEST_OPT_LEN, VG_WEIRD_SCOPE_FLOW, NULL);
			return;
		}
		if (type == IP6_OPT_HOME_ADDR) {
			if (olen != 16)
				vg_pkt_weird(d, pkt, VG_WEIRD_BAD_HOME_ADDR_LEN,
					VG_WEIRD_SCOPE_FLOW, NULL);
			else if (*have_home)
				vg_pkt_weird(d, pkt, VG_WEIRD_MULTIPLE_HOME_ADDR_OPTS,
					VG_WEIRD_SCOPE_FLOW, NULL);
			else {
				memcpy(pkt->src.b, h + off + 2, 16);
				*have_home = true;
			}
		}
		off += 2u + olen;
	}
}

static enum vg_decode_result decode_ipv6(
	struct vg_decoder *d, const uint8_t *p, uint32_t cap, struct vg_pkt *pkt);

/* Offset 0 and no more fragments: a whole datagram in a fragment header. */
static bool
ipv6_atomic_fragment(const uint8_t *fh)
{
	uint16_t fo = vg_be16(fh + 2);

	return (fo >> 3) == 0 && !(fo & 1);
}

/*
 * Decodes a reassembled datagram as if it had arrived whole. The second pass
 * reports the same header weirds again, and any transport weirds of the whole
 * datagram; reassembly's own are kept.
 */
static enum vg_decode_result
ipv6_decode_reassembled(
	struct vg_decoder *d, const uint8_t *dgram, uint32_t dlen, struct vg_pkt *pkt)
{
	uint8_t *w = (uint8_t *)(uintptr_t)dgram;
	uint32_t wl = pkt->wire_len, cl = pkt->cap_len;
	struct vg_pkt_weird frag_weirds[VG_PKT_MAX_WEIRDS];
	uint8_t nfrag = 0;

	/* Fix the payload length. */
	w[4] = (uint8_t)((dlen - 40) >> 8);
	w[5] = (uint8_t)(dlen - 40);
	for (uint8_t i = 0; i < pkt->nweirds; i++)
		if (pkt->weirds[i].code >= VG_WEIRD_FRAG_OVERLAP &&
			pkt->weirds[i].code <= VG_WEIRD_FRAG_TABLE_FULL)
			frag_weirds[nfrag++] = pkt->weirds[i];
	pkt->nweirds = 0;
	pkt->layers = 0;
	pkt->wire_len = pkt->cap_len = dlen;
	enum vg_decode_result r = decode_ipv6(d, dgram, dlen, pkt);

	pkt->wire_len = wl;
	pkt->cap_len = cl;
	for (uint8_t i = 0; i < nfrag && pkt->nweirds < VG_PKT_MAX_WEIRDS; i++)
		pkt->weirds[pkt->nweirds++] = frag_weirds[i];
	pkt->reassembled = 1;
	d->stats.ip6--;
	return r;
}

/*
 * A real fragment whose header starts at `off` (the next-header byte that
 * names it at `nh_off`): into the fragment table, and the datagram decoded
 * when it completes.
 */
static enum vg_decode_result
ipv6_fragment(struct vg_decoder *d, const uint8_t *p, uint32_t off, uint32_t nh_off, uint32_t total,
	uint32_t lim, struct vg_pkt *pkt)
{
	const uint8_t *h = p + off;
	uint16_t fo = vg_be16(h + 2);
	struct vg_frag_key key;
	const uint8_t *dgram;
	uint32_t dlen;
	uint8_t hdr[40 + 256];

	d->stats.fragments++;
	if (off > sizeof(hdr) || lim < total || off + 8 > total) {
		vg_pkt_weird(
			d, pkt, VG_WEIRD_INTERNALLY_TRUNCATED_HEADER, VG_WEIRD_SCOPE_FLOW, NULL);
		return VG_DECODE_DROPPED;
	}
	/* Unfragmentable part with the next header pointing past the fragment
	 * header, which the reassembled datagram no longer carries. */
	memcpy(hdr, p, off);
	hdr[nh_off] = h[0];
	memset(&key, 0, sizeof(key));
	key.src = pkt->src;
	key.dst = pkt->dst;
	key.id = vg_be32(h + 4);
	key.proto = h[0];
	key.version = 6;
	dgram = vg_frag_add(d, pkt, &key, hdr, off, h + 8, total - off - 8, (uint32_t)(fo >> 3) * 8,
		fo & 1, &dlen);
	if (dgram == NULL)
		return pkt->nweirds ? VG_DECODE_DROPPED : VG_DECODE_HELD;
	d->stats.reassembled++;
	return ipv6_decode_reassembled(d, dgram, dlen, pkt);
}

static enum vg_decode_result
decode_ipv6(struct vg_decoder *d, const uint8_t *p, uint32_t cap, struct vg_pkt *pkt)
{
	if (cap < 40) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_IP, VG_WEIRD_SCOPE_NET, "IP");
		return VG_DECODE_DROPPED;
	}
	uint32_t total = 40u + vg_be16(p + 4);
	uint32_t avail_wire =
		cap + (pkt->wire_len > pkt->cap_len ? pkt->wire_len - pkt->cap_len : 0);

	if (total > avail_wire && pkt->mirrored) {
		d->stats.mirror_truncated++;
		avail_wire = total;
	}
	if (total > avail_wire) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_IP, VG_WEIRD_SCOPE_NET, "IP");
		return VG_DECODE_DROPPED;
	}
	d->stats.ip6++;
	pkt->ip_version = 6;
	pkt->ip = p;
	pkt->ip_len = total;
	pkt->ttl = p[7];
	memcpy(pkt->src.b, p + 8, 16);
	memcpy(pkt->dst.b, p + 24, 16);

	uint32_t lim = VG_MIN(cap, total);
	uint8_t nh = p[6];
	uint32_t off = 40;
	uint32_t nh_off = 6; /* where the current next-header byte lives */
	bool have_home = false;
	uint8_t max = d->cfg.max_layers ? d->cfg.max_layers : 16;

	for (;;) {
		if (nh != IPPROTO_HOPOPTS_ && nh != IPPROTO_ROUTING_ && nh != IPPROTO_FRAGMENT_ &&
			nh != IPPROTO_DSTOPTS_ && nh != IPPROTO_AH_ && nh != IPPROTO_MOBILITY_)
			break;
		if (++pkt->layers > max) {
			vg_pkt_weird(d, pkt, VG_WEIRD_TOO_MANY_LAYERS, VG_WEIRD_SCOPE_NET, "IP");
			return VG_DECODE_DROPPED;
		}
		/* A header cut by the capture ends the chain, as in Zeek. */
		if (off > total || off + 2 > cap)
			break;
		const uint8_t *h = p + off;
		uint32_t hlen;

		if (nh == IPPROTO_FRAGMENT_)
			hlen = 8;
		else if (nh == IPPROTO_AH_)
			hlen = ((uint32_t)h[1] + 2) * 4;
		else
			hlen = ((uint32_t)h[1] + 1) * 8;
		if (off + hlen > cap)
			break;
		if (nh == IPPROTO_DSTOPTS_)
			decode_dst_opts(d, h, hlen, &have_home, pkt);
		if (nh == IPPROTO_MOBILITY_) {
			/* A mobility header ends the chain; no transport follows. */
			pkt->ip_proto = nh;
			pkt->ip_hdr_len = off;
			pkt->l4 = h;
			pkt->l4_cap = lim - off;
			pkt->l4_len = total - off;
			return VG_DECODE_IP;
		}
		if (nh == IPPROTO_FRAGMENT_) {
			if (d->cfg.peek)
				return VG_DECODE_IP;
			if (d->cfg.defer_frags)
				return VG_DECODE_DEFERRED; /* atomic ones too: the owner decides */
			if (!ipv6_atomic_fragment(h))
				return ipv6_fragment(d, p, off, nh_off, total, lim, pkt);
			/* An atomic fragment: nothing to reassemble. */
			nh = h[0];
			nh_off = off;
			off += 8;
			continue;
		}
		nh_off = off;
		nh = h[0];
		off += hlen;
	}
	if (off > total) {
		vg_pkt_weird(d, pkt, VG_WEIRD_INVALID_IP_HEADER_SIZE, VG_WEIRD_SCOPE_NET, "IP");
		return VG_DECODE_DROPPED;
	}
	pkt->ip_proto = nh;
	pkt->ip_hdr_len = off;
	if (nh == IPPROTO_ESP_ || nh == IPPROTO_NONE_) {
		pkt->l4 = p + off;
		pkt->l4_cap = lim - off;
		pkt->l4_len = total - off;
		return VG_DECODE_IP;
	}
	return vg_decode_l4(d, p + off, lim - off, total - off, pkt);
}

enum vg_decode_result
vg_decode_ip(struct vg_decoder *d, const uint8_t *p, uint32_t len, struct vg_pkt *pkt)
{
	if (len < 1) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_IP, VG_WEIRD_SCOPE_NET, "IP");
		return VG_DECODE_DROPPED;
	}
	/* For the wire/capture comparison the IP layer needs the bytes it was handed. */
	uint32_t l2 = pkt->cap_len >= len ? pkt->cap_len - len : 0;
	uint32_t save_cap = pkt->cap_len, save_wire = pkt->wire_len;
	enum vg_decode_result r;

	pkt->cap_len = len;
	pkt->wire_len = save_wire > l2 ? save_wire - l2 : len;
	/* The NIC's verdict covers only the first IP layer of the frame. */
	d->cksum_trust = d->rx_cksum;
	d->rx_cksum = 0;
	switch (p[0] >> 4) {
	case 4:
		r = decode_ipv4(d, p, len, pkt);
		break;
	case 6:
		r = decode_ipv6(d, p, len, pkt);
		break;
	default:
		vg_pkt_weird(d, pkt, VG_WEIRD_IP_VERSION_MISMATCH, VG_WEIRD_SCOPE_NET, "IP");
		r = VG_DECODE_DROPPED;
		break;
	}
	d->cksum_trust = 0;
	pkt->cap_len = save_cap;
	pkt->wire_len = save_wire;
	return r;
}
