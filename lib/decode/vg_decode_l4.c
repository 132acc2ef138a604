/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transport headers: TCP, UDP, ICMP and ICMPv6, with checksum checks.
 * A header shorter than its minimum is a flow weird and creates no
 * connection; a TCP header whose options are cut keeps its ports, so the
 * connection exists but the packet changes nothing (as in Zeek).
 */
#include "vg_decode.h"
#include "vg_decode_private.h"

#define PROTO_ICMP   1
#define PROTO_TCP    6
#define PROTO_UDP    17
#define PROTO_ICMPV6 58

/* Zeek's CheckHeaderTrunc: true when at least min bytes are there. */
static bool
header_present(struct vg_decoder *d, struct vg_pkt *pkt, uint32_t min, const char *source)
{
	if (pkt->l4_len < min) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_HEADER, VG_WEIRD_SCOPE_FLOW, source);
		return false;
	}
	if (pkt->l4_cap < min) {
		vg_pkt_weird(
			d, pkt, VG_WEIRD_INTERNALLY_TRUNCATED_HEADER, VG_WEIRD_SCOPE_FLOW, source);
		return false;
	}
	return true;
}

static bool
full_l4_present(const struct vg_pkt *pkt)
{
	return pkt->l4_cap >= pkt->l4_len;
}

/*
 * The NIC verified this TCP or UDP checksum (live, with RX checksum offload):
 * only for the frame's outermost IP packet, never for a reassembled datagram.
 */
static inline bool
nic_verified(struct vg_decoder *d, const struct vg_pkt *pkt)
{
	if (!(d->cksum_trust & VG_RX_CKSUM_L4_GOOD) || pkt->reassembled)
		return false;
	d->stats.nic_cksum++;
	return true;
}

static enum vg_decode_result
decode_tcp(struct vg_decoder *d, struct vg_pkt *pkt)
{
	const uint8_t *t = pkt->l4;

	if (!header_present(d, pkt, 20, "TCP"))
		return VG_DECODE_IP;
	pkt->sport = vg_be16(t);
	pkt->dport = vg_be16(t + 2);
	pkt->tcp_seq = vg_be32(t + 4);
	pkt->tcp_ack = vg_be32(t + 8);
	pkt->tcp_flags = t[13];
	pkt->tcp_win = vg_be16(t + 14);
	pkt->l4_ok = VG_L4_PORTS;

	uint32_t hlen = (uint32_t)(t[12] >> 4) * 4;

	if (hlen < 20) {
		vg_pkt_weird(d, pkt, VG_WEIRD_BAD_TCP_HEADER_LEN, VG_WEIRD_SCOPE_CONN, "TCP");
		return VG_DECODE_IP;
	}
	if (hlen > pkt->l4_len || hlen > pkt->l4_cap) {
		vg_pkt_weird(d, pkt, VG_WEIRD_TRUNCATED_HEADER, VG_WEIRD_SCOPE_CONN, "TCP");
		return VG_DECODE_IP;
	}
	pkt->payload = t + hlen;
	pkt->payload_cap = pkt->l4_cap - hlen;
	pkt->payload_len = pkt->l4_len - hlen;
	pkt->l4_ok = VG_L4_FULL;
	if (!d->cfg.ignore_checksums && full_l4_present(pkt) && !nic_verified(d, pkt) &&
		!vg_cksum_l4_ok(pkt, t, pkt->l4_len)) {
		pkt->bad_checksum = 1;
		vg_pkt_weird(d, pkt, VG_WEIRD_BAD_TCP_CHECKSUM, VG_WEIRD_SCOPE_CONN, "TCP");
	}
	return VG_DECODE_IP;
}

static enum vg_decode_result
decode_udp(struct vg_decoder *d, struct vg_pkt *pkt)
{
	const uint8_t *u = pkt->l4;

	if (!header_present(d, pkt, 8, "UDP"))
		return VG_DECODE_IP;
	pkt->sport = vg_be16(u);
	pkt->dport = vg_be16(u + 2);

	uint16_t ulen = vg_be16(u + 4);

	/* Zeek counts the UDP length field's payload, whatever the IP length says. */
	pkt->payload = u + 8;
	pkt->payload_len = (uint32_t)ulen - 8u; /* may wrap: see udp_len */
	pkt->udp_len = ulen;
	pkt->payload_cap = VG_MIN(pkt->l4_cap, pkt->l4_len) - 8;
	if (ulen >= 8 && ulen - 8u < pkt->payload_cap)
		pkt->payload_cap = ulen - 8u;
	pkt->l4_ok = VG_L4_FULL;
	if (!d->cfg.ignore_checksums && !d->cfg.peek && full_l4_present(pkt) &&
		!nic_verified(d, pkt)) {
		uint16_t ck = vg_be16(u + 6);
		uint32_t clen = ulen >= 8 && ulen <= pkt->l4_len ? ulen : pkt->l4_len;

		/* Zero means "no checksum" for UDP over IPv4 only. */
		if ((ck != 0 || pkt->ip_version == 6) && !vg_cksum_l4_ok(pkt, u, clen)) {
			pkt->bad_checksum = 1;
			vg_pkt_weird(d, pkt, VG_WEIRD_BAD_UDP_CHECKSUM, VG_WEIRD_SCOPE_CONN, "UDP");
		}
	}
	return VG_DECODE_IP;
}

static enum vg_decode_result
decode_icmp(struct vg_decoder *d, struct vg_pkt *pkt)
{
	const uint8_t *c = pkt->l4;

	if (!header_present(d, pkt, 8, "ICMP"))
		return VG_DECODE_IP;
	pkt->icmp_type = c[0];
	pkt->icmp_code = c[1];
	pkt->payload = c + 8;
	pkt->payload_len = pkt->l4_len - 8;
	pkt->payload_cap = pkt->l4_cap - 8;
	pkt->l4_ok = VG_L4_FULL;
	if (!d->cfg.ignore_checksums && full_l4_present(pkt)) {
		bool ok;

		if (pkt->ip_proto == PROTO_ICMP)
			ok = vg_cksum_fold(vg_cksum_add(0, c, pkt->l4_len)) == 0;
		else
			ok = vg_cksum_l4_ok(pkt, c, pkt->l4_len);
		if (!ok) {
			pkt->bad_checksum = 1;
			vg_pkt_weird(
				d, pkt, VG_WEIRD_BAD_ICMP_CHECKSUM, VG_WEIRD_SCOPE_CONN, "ICMP");
		}
	}
	return VG_DECODE_IP;
}

enum vg_decode_result
vg_decode_l4(
	struct vg_decoder *d, const uint8_t *l4, uint32_t cap, uint32_t len, struct vg_pkt *pkt)
{
	pkt->l4 = l4;
	pkt->l4_cap = VG_MIN(cap, len);
	pkt->l4_len = len;
	if (d->cfg.peek && pkt->ip_proto != 17 && pkt->ip_proto != 47)
		return VG_DECODE_IP; /* only UDP and GRE (ERSPAN) can be mirror transport */
	switch (pkt->ip_proto) {
	case PROTO_TCP:
		return decode_tcp(d, pkt);
	case PROTO_UDP:
		return decode_udp(d, pkt);
	case PROTO_ICMP:
		if (pkt->ip_version != 4)
			break;
		return decode_icmp(d, pkt);
	case PROTO_ICMPV6:
		if (pkt->ip_version != 6)
			break;
		return decode_icmp(d, pkt);
	case 47:
		return vg_decode_gre(d, pkt);
	case 4:
	case 41:
		return vg_decode_ip_in_ip(d, pkt);
	default:
		break;
	}
	/* Any other protocol is tracked as an unknown transport, without ports. */
	pkt->l4_ok = VG_L4_FULL;
	return VG_DECODE_IP;
}
