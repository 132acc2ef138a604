/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every connection has: the history string (Zeek's CheckHistory and
 * scaled letters), role flips, and the UDP/ICMP/other-protocol accounting.
 */
#include "vg_flow_private.h"

void
vg_conn_add_history(struct vg_conn *c, char code)
{
	if (c->history_len + 1 < VG_HISTORY_MAX) {
		c->history[c->history_len++] = code;
		c->history[c->history_len] = '\0';
	}
}

/* Appends code the first time mask is seen; true when it was seen before. */
bool
vg_conn_check_history(struct vg_conn *c, uint32_t mask, char code, bool is_orig)
{
	if (!is_orig) {
		mask <<= 16;
		if (code >= 'A' && code <= 'Z')
			code = (char)(code + 32);
	}
	if ((c->hist_seen & mask) == 0) {
		c->hist_seen |= mask;
		vg_conn_add_history(c, code);
		return false;
	}
	return true;
}

/* The letter goes in at the 1st, 10th, 100th, ... occurrence. */
void
vg_conn_scaled_history(struct vg_conn *c, struct vg_scaled *s, char code, bool is_orig)
{
	if (++s->count != s->threshold)
		return;
	vg_conn_add_history(c, is_orig ? code : (char)(code + 32));
	uint32_t next = s->threshold * 10;

	if (next <= s->threshold)
		s->count = 0;
	else
		s->threshold = next;
}

void
vg_conn_flip(struct vg_conn *c)
{
	struct vg_addr a = c->orig_h;
	uint16_t p = c->orig_p;
	uint8_t l2[6];
	struct vg_side s = c->orig;
	struct vg_tcp_ep t = c->tcp[0];
	struct vg_tcp_ep_cold tc = c->tcp_cold[0];

	c->orig_h = c->resp_h;
	c->resp_h = a;
	c->orig_p = c->resp_p;
	c->resp_p = p;
	memcpy(l2, c->orig_l2, 6);
	memcpy(c->orig_l2, c->resp_l2, 6);
	memcpy(c->resp_l2, l2, 6);
	c->orig = c->resp;
	c->resp = s;
	c->tcp[0] = c->tcp[1];
	c->tcp[1] = t;
	c->tcp_cold[0] = c->tcp_cold[1];
	c->tcp_cold[1] = tc;
	vg_conn_add_history(c, '^');
}

void
vg_udp_packet(struct vg_flow_table *ft, struct vg_conn *c, struct vg_pkt *pkt, bool is_orig)
{
	struct vg_side *side = is_orig ? &c->orig : &c->resp;

	if (pkt->bad_checksum) {
		vg_conn_scaled_history(c, &side->hist_c, 'C', is_orig);
		return;
	}
	vg_flow_packet_hook(ft, c, pkt, is_orig);
	if (pkt->udp_len != pkt->l4_len)
		vg_conn_weird(ft, c, VG_WEIRD_UDP_LENGTH_MISMATCH, "UDP", pkt->ts_ns);
	c->last_ns = pkt->ts_ns;
	vg_conn_check_history(c, 0x1, 'D', is_orig);

	int64_t plen = (int64_t)pkt->udp_len - 8;

	side->size = side->size < 0 ? plen : side->size + plen;
	/* Counted even when the snaplen cut it (core.tunnels.geneve-vxlan-truncated). */
	side->pkts++;
	side->ip_bytes += pkt->ip_len;
	if (c->an != 0 && ft->cfg.hooks != NULL)
		ft->cfg.hooks->udp_payload(ft->cfg.hooks_ctx, ft, c, pkt, is_orig);
}

/* ICMP and every protocol without ports. */
void
vg_icmp_packet(struct vg_flow_table *ft, struct vg_conn *c, struct vg_pkt *pkt, bool is_orig)
{
	struct vg_side *side = is_orig ? &c->orig : &c->resp;

	if (pkt->bad_checksum)
		return;
	if (c->kind == VG_KIND_ICMP)
		vg_flow_packet_hook(ft, c, pkt, is_orig);
	c->last_ns = pkt->ts_ns;
	if (c->kind == VG_KIND_ICMP) {
		int64_t plen = (int64_t)pkt->l4_len - 8;

		side->size = side->size < 0 ? plen : side->size + plen;
		if (pkt->l4_cap < pkt->l4_len)
			return;
	} else if (side->size < 0) {
		side->size = 0;
	}
	side->pkts++;
	side->ip_bytes += pkt->ip_len;
}
