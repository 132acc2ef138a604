/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP as Zeek tracks it: per-endpoint states, sequence bookkeeping with
 * wraps, history letters, content gaps found from ACKs, role flips, close
 * and reuse. The comments name the Zeek behaviour each step reproduces; the
 * code is our own.
 */
#include "vg_flow_private.h"

#define TOO_LARGE_SEQ_DELTA 1048576

/* History masks, shifted left by 16 for the responder. */
#define HIST_SYN    0x0001
#define HIST_FIN    0x0002
#define HIST_RST    0x0004
#define HIST_FINRST 0x0008
#define HIST_DATA   0x0010
#define HIST_ACK    0x0020
#define HIST_MULTI  0x0040

static inline int32_t
seq_delta(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

static void
set_state(struct vg_tcp_ep *ep, uint8_t s)
{
	ep->prev_state = ep->state;
	ep->state = s;
}

static void
update_last_seq_raw(struct vg_tcp_ep *ep, uint32_t s)
{
	if (s < ep->last_seq)
		ep->seq_wraps++;
	ep->last_seq = s;
}

static void
update_ack_seq_raw(struct vg_tcp_ep *ep, uint32_t s)
{
	if (s < ep->ack_seq)
		ep->ack_wraps++;
	ep->ack_seq = s;
}

/* Sequence number relative to the endpoint's start, across wraps. */
static uint64_t
relative_seq(
	const struct vg_tcp_ep *ep, uint32_t cur, uint32_t last, uint32_t wraps, bool *underflow)
{
	int32_t d = seq_delta(cur, last);

	*underflow = false;
	if (d < 0 && wraps > 0 && cur > last)
		wraps--;
	else if (d > 0 && cur < last)
		wraps++;
	if (wraps == 0) {
		int32_t d2 = seq_delta(cur, ep->start_seq);

		*underflow = d2 < 0;
		return (uint64_t)(int64_t)d2;
	}
	return (uint64_t)cur + ((uint64_t)wraps << 32) - ep->start_seq;
}

static void
init_endpoint(struct vg_flow_table *ft, struct vg_conn *c, struct vg_tcp_ep *ep, uint8_t flags,
	uint32_t base, uint32_t end)
{
	(void)ft;
	(void)c;
	switch (ep->state) {
	case VG_TCP_INACTIVE:
		if (flags & VG_TCP_SYN) {
			ep->start_seq = ep->ack_seq = base;
			ep->last_seq = end;
		} else {
			/* A partial connection numbers as if a SYN had been seen. */
			ep->start_seq = ep->ack_seq = base - 1;
			ep->last_seq = base;
		}
		ep->seq_wraps = ep->ack_wraps = 0;
		break;
	case VG_TCP_SYN_SENT:
	case VG_TCP_SYN_ACK_SENT:
		if ((flags & VG_TCP_SYN) && base != ep->start_seq) {
			ep->start_seq = ep->ack_seq = base;
			ep->last_seq = end;
			ep->seq_wraps = ep->ack_wraps = 0;
		}
		break;
	case VG_TCP_ESTABLISHED:
	case VG_TCP_PARTIAL:
		if (flags & VG_TCP_SYN) {
			ep->start_seq = ep->ack_seq = base;
			ep->last_seq = end;
			ep->seq_wraps = ep->ack_wraps = 0;
		}
		break;
	case VG_TCP_RESET:
		if ((flags & VG_TCP_SYN) && ep->prev_state == VG_TCP_INACTIVE) {
			ep->start_seq = ep->ack_seq = base;
			ep->last_seq = end;
			ep->seq_wraps = ep->ack_wraps = 0;
		}
		break;
	default:
		break;
	}
}

static void
update_history(struct vg_conn *c, struct vg_tcp_ep *ep, bool is_orig, uint8_t flags,
	uint64_t rel_seq, uint32_t len)
{
	int n = !!(flags & VG_TCP_SYN) + !!(flags & VG_TCP_FIN) + !!(flags & VG_TCP_RST);
	char code;

	if (n > 1) {
		if ((flags & VG_TCP_FIN) && (flags & VG_TCP_RST))
			vg_conn_check_history(c, HIST_FINRST, 'I', is_orig);
		else
			vg_conn_check_history(c, HIST_MULTI, 'Q', is_orig);
		return;
	}
	if (n == 1) {
		uint32_t at = (uint32_t)rel_seq;

		if (flags & VG_TCP_SYN) {
			code = (flags & VG_TCP_ACK) ? 'H' : 'S';
			if (vg_conn_check_history(c, HIST_SYN, code, is_orig) &&
				at != ep->hist_last_syn)
				vg_conn_add_history(c, is_orig ? code : (char)(code + 32));
			ep->hist_last_syn = at;
		}
		if (flags & VG_TCP_FIN) {
			if (vg_conn_check_history(c, HIST_FIN, 'F', is_orig) &&
				at + len != ep->hist_last_fin)
				vg_conn_add_history(c, is_orig ? 'F' : 'f');
			ep->hist_last_fin = at + len;
		}
		if (flags & VG_TCP_RST) {
			if (vg_conn_check_history(c, HIST_RST, 'R', is_orig) &&
				at != ep->hist_last_rst)
				vg_conn_add_history(c, is_orig ? 'R' : 'r');
			ep->hist_last_rst = at;
		}
		return;
	}
	if (len > 0)
		vg_conn_check_history(c, HIST_DATA, 'D', is_orig);
	else if (flags & VG_TCP_ACK)
		vg_conn_check_history(c, HIST_ACK, 'A', is_orig);
}

/* ---- the reassembler and the analyzers ------------------------------- */

/* Where a direction's in-order bytes go when the connection has analyzers. */
struct tcp_out {
	struct vg_flow_table *ft;
	struct vg_conn *c;
	uint64_t ts;
	bool is_orig;
	struct vg_reasm_out out;
};

static void
out_data(void *ctx, const uint8_t *p, uint32_t len)
{
	struct tcp_out *o = ctx;

	o->ft->cfg.hooks->tcp_data(o->ft->cfg.hooks_ctx, o->ft, o->c, o->ts, o->is_orig, p, len);
}

static void
out_gap(void *ctx, uint64_t len)
{
	struct tcp_out *o = ctx;

	o->ft->cfg.hooks->tcp_gap(o->ft->cfg.hooks_ctx, o->ft, o->c, o->ts, o->is_orig, len);
}

/* The delivery target for one direction, or NULL when nobody analyzes it. */
static const struct vg_reasm_out *
tcp_out(struct tcp_out *o, struct vg_flow_table *ft, struct vg_conn *c, uint64_t ts, bool is_orig)
{
	if (c->an == 0 || ft->cfg.hooks == NULL)
		return NULL;
	o->ft = ft;
	o->c = c;
	o->ts = ts;
	o->is_orig = is_orig;
	o->out.data = out_data;
	o->out.gap = out_gap;
	o->out.ctx = o;
	return &o->out;
}

/* Zeek's CheckEOF: a FIN'd direction ends once every byte before the FIN is out. */
static void
check_eof(struct vg_flow_table *ft, struct vg_conn *c, struct vg_tcp_ep *ep, bool is_orig,
	uint64_t ts)
{
	struct vg_tcp_ep_cold *cold = vg_tcp_cold(c, ep);

	if (c->an == 0 || ft->cfg.hooks == NULL || cold->eof_sent)
		return;
	if (ep->state == VG_TCP_RESET || (ep->fin_cnt > 0 && ep->reasm.next + 1 >= ep->fin_seq)) {
		cold->eof_sent = 1;
		ft->cfg.hooks->tcp_eof(ft->cfg.hooks_ctx, ft, c, ts, is_orig);
	}
}

static bool
clean_state(const struct vg_tcp_ep *ep)
{
	return ep->state == VG_TCP_ESTABLISHED ||
		(ep->state == VG_TCP_CLOSED && ep->prev_state == VG_TCP_ESTABLISHED);
}

/* peer received an ACK at rel_ack for its data: report content gaps. */
static void
ack_received(struct vg_flow_table *ft, struct vg_conn *c, struct vg_tcp_ep *data_ep,
	bool data_is_orig, uint64_t rel_ack, uint64_t ts)
{
	if (data_ep->fin_cnt > 0 && rel_ack >= data_ep->fin_seq)
		rel_ack = data_ep->fin_seq - 1;
	if (rel_ack <= data_ep->reasm.trim)
		return;
	ft->stats.acks++;
	if (rel_ack <= 2 && c->partial) {
		data_ep->reasm.trim = rel_ack;
		if (data_ep->reasm.next < rel_ack)
			data_ep->reasm.next = rel_ack;
		return;
	}
	struct tcp_out o;
	uint64_t missed = vg_reasm_ack(ft->reasm, &data_ep->reasm, &data_ep->rhead, rel_ack,
		tcp_out(&o, ft, c, ts, data_is_orig));

	if (missed > 0 && clean_state(&c->tcp[0]) && clean_state(&c->tcp[1])) {
		ft->stats.gap_acks++;
		c->missed_bytes += missed;
		vg_conn_scaled_history(c, &vg_tcp_cold(c, data_ep)->hist_g, 'G', data_is_orig);
	}
}

/* ---- the state machine ------------------------------------------------ */

static void
inactive_state(struct vg_conn *c, struct vg_tcp_ep *ep, struct vg_tcp_ep **peer_p, bool *is_orig_p,
	uint8_t flags, uint32_t base, uint32_t len, bool *do_close, bool *flipped)
{
	struct vg_tcp_ep *peer = *peer_p;
	bool is_orig = *is_orig_p;

	if (flags & VG_TCP_SYN) {
		if (is_orig) {
			set_state(ep, (flags & VG_TCP_ACK) ? VG_TCP_SYN_ACK_SENT : VG_TCP_SYN_SENT);
		} else {
			if (!(flags & VG_TCP_ACK) && peer->state == VG_TCP_SYN_ACK_SENT &&
				base == ep->start_seq) {
				/* SYN after the SYN-ACK: the roles were the wrong way round. */
				c->partial = 0;
				*flipped = true;
				set_state(peer, VG_TCP_ESTABLISHED);
			}
			if (peer->state == VG_TCP_SYN_SENT)
				set_state(peer, VG_TCP_ESTABLISHED);
			set_state(ep, VG_TCP_ESTABLISHED);
		}
	}
	if (flags & VG_TCP_FIN) {
		set_state(ep, VG_TCP_CLOSED);
		*do_close = true;
	}
	if (flags & VG_TCP_RST) {
		set_state(ep, VG_TCP_RESET);
		*do_close = true;
	}
	if (ep->state == VG_TCP_INACTIVE) {
		struct vg_tcp_ep *orig = is_orig ? ep : peer;

		if (!is_orig && len == 0 && orig->state == VG_TCP_SYN_SENT) {
			/* An ACK before the SYN-ACK does not make the connection partial. */
		} else if ((flags & VG_TCP_ACK) && peer->state == VG_TCP_ESTABLISHED) {
			set_state(ep, VG_TCP_ESTABLISHED);
			c->partial = 0;
		} else {
			set_state(ep, VG_TCP_PARTIAL);
		}
	}
}

static void
syn_sent_state(struct vg_tcp_ep *ep, uint8_t flags, bool *do_close)
{
	if (flags & VG_TCP_FIN) {
		set_state(ep, VG_TCP_CLOSED);
		*do_close = true;
	}
	if (flags & VG_TCP_RST) {
		set_state(ep, VG_TCP_RESET);
		*do_close = true;
	}
}

static void
established_state(struct vg_tcp_ep *ep, struct vg_tcp_ep *peer, uint8_t flags, bool *do_close)
{
	if ((flags & VG_TCP_SYN) && !(flags & VG_TCP_ACK) && ep->state == VG_TCP_PARTIAL &&
		peer->state == VG_TCP_INACTIVE)
		set_state(ep, VG_TCP_SYN_SENT);
	if ((flags & VG_TCP_FIN) && !(flags & VG_TCP_RST)) {
		set_state(ep, VG_TCP_CLOSED);
		if (peer->state == VG_TCP_RESET && peer->prev_state == VG_TCP_CLOSED)
			set_state(peer, VG_TCP_CLOSED);
		*do_close = true;
	}
	if (flags & VG_TCP_RST) {
		set_state(ep, VG_TCP_RESET);
		*do_close = true;
	}
}

static void
closed_state(struct vg_tcp_ep *ep, struct vg_tcp_ep *peer, uint8_t flags, bool *do_close)
{
	if ((flags & VG_TCP_RST) && peer->state != VG_TCP_CLOSED) {
		set_state(ep, VG_TCP_RESET);
		if (!ep->did_close)
			*do_close = true;
	}
}

static bool
in_handshake(uint8_t s)
{
	return s == VG_TCP_INACTIVE || s == VG_TCP_SYN_SENT || s == VG_TCP_SYN_ACK_SENT;
}

/* Zeek's ConnectionClosed: marks the side closed and arms the removal. */
static void
connection_closed(
	struct vg_flow_table *ft, struct vg_conn *c, struct vg_tcp_ep *ep, struct vg_tcp_ep *peer)
{
	ep->did_close = 1;
	if (ep->state == VG_TCP_RESET || peer->did_close || peer->state == VG_TCP_INACTIVE) {
		if (!c->removable_at_close) {
			c->removable_at_close = 1;
			vg_flow_arm_close(ft, c, c->last_ns + VG_TCP_CLOSE_DELAY);
		}
	}
}

bool
vg_tcp_wants_flip(const struct vg_flow_table *ft, const struct vg_pkt *pkt)
{
	const struct vg_port_set *ps = ft->cfg.server_ports;
	uint8_t f = pkt->tcp_flags;

	if ((f & VG_TCP_SYN) && !(f & VG_TCP_ACK))
		return false; /* a bare SYN names its sender the originator */
	if (!vg_port_set_has(ps, VG_PORT_TCP, pkt->sport))
		return false;
	if (vg_port_set_has(ps, VG_PORT_TCP, pkt->dport))
		return !(f & VG_TCP_SYN) && pkt->sport < pkt->dport;
	return true;
}

bool
vg_tcp_is_reuse(const struct vg_conn *c, const struct vg_pkt *pkt)
{
	uint8_t f = pkt->tcp_flags;
	const struct vg_tcp_ep *o = &c->tcp[0], *r = &c->tcp[1];
	const struct vg_tcp_ep *conn_orig = o;

	if (!(f & VG_TCP_SYN))
		return false;
	if (f & VG_TCP_ACK) {
		if (o->state != VG_TCP_INACTIVE)
			return false;
		conn_orig = r;
	}
	if (!(o->did_close || r->did_close)) {
		if (pkt->tcp_seq == conn_orig->start_seq)
			return false; /* a retransmitted SYN */
		if (!(f & VG_TCP_ACK) && conn_orig->state == VG_TCP_SYN_ACK_SENT &&
			r->state == VG_TCP_INACTIVE && pkt->tcp_seq == r->start_seq)
			return false;
		/* A SYN with a new sequence number before anything was established. */
		if (conn_orig->state == VG_TCP_INACTIVE)
			return false;
	}
	return true;
}

uint64_t
vg_tcp_size(const struct vg_tcp_ep *ep, const struct vg_tcp_ep *peer)
{
	uint64_t last = ep->last_seq + ((uint64_t)ep->seq_wraps << 32);
	uint64_t ack = ep->ack_seq + ((uint64_t)ep->ack_wraps << 32);
	uint64_t size;

	if (ep->prev_state == VG_TCP_SYN_SENT && ep->state == VG_TCP_RESET &&
		peer->state == VG_TCP_INACTIVE &&
		!(ack == ep->start_seq || ack == ep->start_seq + 1ULL))
		return 0;
	size = (last > ack ? last : ack) - ep->start_seq;
	if (size != 0)
		size--;
	if (ep->fin_cnt > 0 && size != 0)
		size--;
	return size;
}

/*
 * Before anything else: a packet with a bad checksum is only a letter
 * (false: nothing more to do); a connection whose first packet is its
 * originator's SYN-ACK flips; the first packet sets partial; the packet that
 * opens a direction goes to the signatures' header tests.
 */
static bool
tcp_first_checks(struct vg_flow_table *ft, struct vg_conn *c, struct vg_pkt *pkt, bool *is_orig)
{
	uint8_t flags = pkt->tcp_flags;

	if (pkt->bad_checksum) {
		/* Counted only as a letter; the packet changes nothing else. */
		vg_conn_scaled_history(c, &c->tcp_cold[*is_orig ? 0 : 1].hist_c, 'C', *is_orig);
		return false;
	}
	/* The connection's first packet is a SYN-ACK from its originator: flip. */
	if (*is_orig && (flags & VG_TCP_SYN) && (flags & VG_TCP_ACK) &&
		c->tcp[0].state == VG_TCP_INACTIVE && c->tcp[1].state == VG_TCP_INACTIVE &&
		c->orig.pkts == 0 && c->resp.pkts == 0) {
		vg_flow_flip(ft, c);
		*is_orig = false;
	}
	if (c->orig.pkts == 0 && c->resp.pkts == 0)
		c->partial = !((flags & VG_TCP_SYN) && (!(flags & VG_TCP_ACK) || !*is_orig));
	/* The packet that opens a direction: the signatures' header tests. */
	if ((*is_orig ? c->orig.pkts : c->resp.pkts) == 0)
		vg_flow_packet_hook(ft, c, pkt, *is_orig);
	return true;
}

/* The ACK field: the peer's acknowledged sequence, relative (0: none or not trusted). */
static uint64_t
tcp_ack_field(struct vg_tcp_ep *peer, uint8_t flags, uint32_t ack)
{
	uint64_t rel_ack = 0;
	bool under;

	if (!(flags & VG_TCP_ACK))
		return 0;
	if (peer->state == VG_TCP_INACTIVE) {
		peer->start_seq = peer->ack_seq = peer->last_seq = ack - 1;
		peer->seq_wraps = peer->ack_wraps = 0;
		return 1;
	}
	rel_ack = relative_seq(peer, ack, peer->ack_seq, peer->ack_wraps, &under);
	if (under)
		return 0;
	if (!(flags & VG_TCP_RST)) {
		int32_t d = seq_delta(ack, peer->ack_seq);

		if (!(ack == 0 && d > TOO_LARGE_SEQ_DELTA) && d > 0)
			update_ack_seq_raw(peer, ack);
	}
	return rel_ack;
}

/* Zeek's update_last_seq: advance, or count a retransmission. */
static void
tcp_last_seq(struct vg_conn *c, struct vg_tcp_ep *ep, uint8_t flags, uint32_t end, uint32_t len,
	bool is_orig)
{
	int32_t delta_last = seq_delta(end, ep->last_seq);

	if ((flags & (VG_TCP_SYN | VG_TCP_RST)) &&
		(delta_last > TOO_LARGE_SEQ_DELTA || delta_last < -TOO_LARGE_SEQ_DELTA)) {
		/* untrusted */
	} else if ((flags & VG_TCP_FIN) && ep->last_seq == ep->start_seq + 1) {
		update_last_seq_raw(ep, end);
	} else if (ep->state == VG_TCP_RESET) {
		/* ignored */
	} else if (delta_last > 0) {
		update_last_seq_raw(ep, end);
	} else if (len > 0) {
		vg_conn_scaled_history(c, &vg_tcp_cold(c, ep)->hist_t, 'T', is_orig);
	}
}

/*
 * The endpoint's state machine for this packet, and the timers a change
 * arms; *peer and *is_orig may change with a flip (reported in *flipped).
 */
static bool
tcp_transition(struct vg_flow_table *ft, struct vg_conn *c, struct vg_tcp_ep *ep,
	struct vg_tcp_ep **peer, bool *is_orig, uint8_t flags, uint32_t base, uint32_t len,
	bool *flipped)
{
	bool do_close = false;
	bool was_handshake = in_handshake(ep->state) && in_handshake((*peer)->state);

	switch (ep->state) {
	case VG_TCP_INACTIVE:
		inactive_state(c, ep, peer, is_orig, flags, base, len, &do_close, flipped);
		break;
	case VG_TCP_SYN_SENT:
	case VG_TCP_SYN_ACK_SENT:
		syn_sent_state(ep, flags, &do_close);
		break;
	case VG_TCP_PARTIAL:
	case VG_TCP_ESTABLISHED:
		established_state(ep, *peer, flags, &do_close);
		break;
	case VG_TCP_CLOSED:
		closed_state(ep, *peer, flags, &do_close);
		break;
	default:
		break;
	}
	if (flags & VG_TCP_SYN && *is_orig && ep->state == VG_TCP_SYN_SENT &&
		ep->prev_state == VG_TCP_INACTIVE)
		vg_flow_arm_attempt(ft, c);
	if (was_handshake && !(in_handshake(ep->state) && in_handshake((*peer)->state)))
		vg_flow_set_long_timeout(ft, c);
	return do_close;
}

/* What the packet moves on: the peer's ACKed data, this side's bytes, the ends. */
static void
tcp_deliver(struct vg_flow_table *ft, struct vg_conn *c, struct vg_pkt *pkt, struct vg_tcp_ep *ep,
	struct vg_tcp_ep *peer, bool is_orig, uint64_t rel_seq, uint64_t rel_ack, bool underflow)
{
	uint8_t flags = pkt->tcp_flags;
	uint32_t len = pkt->payload_len;

	if (flags & VG_TCP_ACK) {
		ack_received(ft, c, peer, !is_orig, rel_ack, pkt->ts_ns);
		if (c->an != 0)
			check_eof(ft, c, peer, !is_orig, pkt->ts_ns);
	}
	if (len > 0 && pkt->payload_cap >= len && !(flags & VG_TCP_RST) && !underflow) {
		uint64_t lo = rel_seq + !!(flags & VG_TCP_SYN);
		struct tcp_out o;

		vg_reasm_data(ft->reasm, &ep->reasm, &ep->rhead, lo, lo + len, pkt->payload,
			tcp_out(&o, ft, c, pkt->ts_ns, is_orig));
	}
	if (c->an != 0 && (flags & (VG_TCP_FIN | VG_TCP_RST)))
		check_eof(ft, c, ep, is_orig, pkt->ts_ns);
}

void
vg_tcp_packet(struct vg_flow_table *ft, struct vg_conn *c, struct vg_pkt *pkt, bool is_orig)
{
	uint8_t flags = pkt->tcp_flags;

	if (!tcp_first_checks(ft, c, pkt, &is_orig))
		return;

	struct vg_tcp_ep *ep = &c->tcp[is_orig ? 0 : 1];
	struct vg_tcp_ep *peer = &c->tcp[is_orig ? 1 : 0];
	uint32_t len = pkt->payload_len;
	uint32_t base = pkt->tcp_seq;
	uint32_t seg_len = len + !!(flags & VG_TCP_SYN) + !!(flags & VG_TCP_FIN);
	bool underflow, flipped = false;

	if (flags & VG_TCP_RST)
		seg_len -= len;
	uint32_t end = base + seg_len;

	init_endpoint(ft, c, ep, flags, base, end);
	uint64_t rel_seq = relative_seq(ep, base, ep->last_seq, ep->seq_wraps, &underflow);

	update_history(c, ep, is_orig, flags, rel_seq, len);
	if (pkt->tcp_win == 0 && !(flags & VG_TCP_RST) && peer->state != VG_TCP_CLOSED &&
		ep->state != VG_TCP_RESET)
		vg_conn_scaled_history(c, &vg_tcp_cold(c, ep)->hist_w, 'W', is_orig);
	if (!(c->tcp[0].did_close && c->tcp[1].did_close))
		c->last_ns = pkt->ts_ns;
	if (flags & VG_TCP_FIN) {
		ep->fin_cnt++;
		ep->fin_seq = rel_seq + seg_len;
	}
	if (flags & VG_TCP_RST)
		ep->rst_cnt++;

	uint64_t rel_ack = tcp_ack_field(peer, flags, pkt->tcp_ack);

	tcp_last_seq(c, ep, flags, end, len, is_orig);
	bool do_close = tcp_transition(ft, c, ep, &peer, &is_orig, flags, base, len, &flipped);

	tcp_deliver(ft, c, pkt, ep, peer, is_orig, rel_seq, rel_ack, underflow);
	if (do_close)
		connection_closed(ft, c, ep, peer);

	/* ConnSize counts what passed the checks. */
	struct vg_side *side = is_orig ? &c->orig : &c->resp;

	side->pkts++;
	side->ip_bytes += pkt->ip_len;
	if (flipped) {
		/* Counted under the old roles, then everything swaps. */
		vg_flow_flip(ft, c);
	}
}
