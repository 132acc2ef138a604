/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "vg_record.h"
#include "vg_worker.h"

static bool
sink_write(void *ctx, const uint8_t *rec, uint32_t len)
{
	struct vg_worker *w = ctx;
	uint16_t id = vg_rec_log_id(rec);
	bool written;

	w->stats.records++;
	if (w->ring_full != NULL && !vg_ring_has_room(w->ring, len)) {
		/* Offline: the in-process writer makes room; nothing is dropped. */
		w->stats.ring_waits++;
		w->ring_full(w->ring_full_ctx);
	}
	written = vg_ring_write(w->ring, rec, len);
	/* Per log, for metrics and telemetry: once per record, not per packet. */
	if (id < VG_LOG_MAX) {
		w->stats.log_records[id]++;
		w->stats.log_drops[id] += !written;
	}
	return written;
}

int
vg_worker_init(struct vg_worker *w, const struct vg_worker_cfg *cfg)
{
	struct vg_flow_cfg fc = cfg->flow;

	memset(w, 0, sizeof(*w));
	w->ring = cfg->ring;
	w->ring_full = cfg->ring_full;
	w->ring_full_ctx = cfg->ring_full_ctx;
	if (vg_decoder_init(&w->dec, &cfg->decode) != 0)
		return -1;
	fc.sink.write = sink_write;
	fc.sink.ctx = w;
	struct vg_an_worker_cfg ac = cfg->analyzers;

	ac.sig.max_flows = fc.max_flows ? fc.max_flows : VG_FLOW_DEFAULT_MAX;
	w->an = vg_an_worker_create(&ac);
	/* Without analyzers or signatures the flow table runs as before: no hooks
	 * at all; the packet hook only with signatures. */
	if (w->an != NULL && vg_an_worker_has_sig(w->an))
		fc.hooks = &vg_an_flow_hooks_sig;
	else if (w->an != NULL && vg_an_worker_count(w->an) > 0)
		fc.hooks = &vg_an_flow_hooks;
	else
		fc.hooks = NULL;
	fc.hooks_ctx = w->an;
	w->flows = w->an != NULL ? vg_flow_table_create(&fc) : NULL;
	if (w->flows == NULL) {
		vg_an_worker_free(w->an);
		w->an = NULL;
		vg_decoder_fini(&w->dec);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
vg_worker_fini(struct vg_worker *w)
{
	vg_flow_table_free(w->flows);
	vg_an_worker_free(w->an);
	vg_decoder_fini(&w->dec);
	w->flows = NULL;
	w->an = NULL;
}

/*
 * An IP packet through the flow table; when it is a UDP tunnel, the outer
 * connection is accounted first, then the inner packet, and so on down.
 */
static void
run_ip(struct vg_worker *w, struct vg_pkt *pkt)
{
	/* Each pass enters one encapsulation; the decoder's caps end it sooner. */
	for (int pass = 0; pass < 2 * VG_MAX_TUNNELS + 4; pass++) {
		enum vg_decode_result r;

		/* Mirror transport is stripped before the flow table sees it. */
		if (vg_mirror_strip(&w->dec, pkt, &r)) {
			if (r == VG_DECODE_IP)
				continue;
			if (pkt->nweirds)
				vg_flow_packet_weirds(w->flows, pkt);
			return;
		}
		uint32_t h = vg_flow_packet(w->flows, pkt);
		struct vg_udp_tunnel t;
		struct vg_tunnel outer;

		if (h == VG_FLOW_NONE || !vg_udp_tunnel_probe(&w->dec, pkt, &t))
			return;
		vg_flow_tunnel_outer(w->flows, h, &t, &outer);
		if (vg_udp_tunnel_enter(&w->dec, pkt, &t, &outer) != VG_DECODE_IP) {
			if (pkt->nweirds)
				vg_flow_packet_weirds(w->flows, pkt);
			return;
		}
	}
}

/* A decoded packet waiting its turn, with the frame's further packets. */
struct pending {
	struct vg_pkt own;  /* decoded here */
	struct vg_pkt *pkt; /* &own, or a software dispatch poller's decode */
	enum vg_decode_result r;
	bool stripped;       /* the poller stripped mirror transport */
	const uint8_t *more; /* 802.11 A-MSDU subframes still in the frame */
	uint32_t more_len;
};

#define AHEAD      6 /* packets decoded before their turn, so their flows can be prefetched */
#define CONN_AHEAD 3 /* how far ahead the connection itself is prefetched */
_Static_assert(AHEAD <= VG_DECODE_MAX_HELD, "decoded packets held beyond the decoder's buffers");

static void
decode_one(struct vg_worker *w, int link, const struct vg_raw_pkt *raw, struct pending *p)
{
	w->dec.rx_cksum = raw->rx_cksum;
	/* A stamp far from network time is taken at network time (vg_flow_time). */
	uint64_t ts = vg_flow_time(w->flows, raw->ts_ns);

	p->pkt = &p->own;
	p->stripped = false;
	p->r = vg_decode(&w->dec, link, raw->data, raw->cap_len, raw->wire_len, ts, p->pkt);
	p->pkt->ts_own_ns = ts != raw->ts_ns ? raw->ts_ns : 0;
	/* The decoder keeps one frame's subframes; each pending packet keeps its own. */
	p->more = w->dec.more;
	p->more_len = w->dec.more_len;
	w->dec.more_len = 0;
	if (p->r == VG_DECODE_IP)
		vg_flow_prefetch(w->flows, p->pkt);
}

/*
 * A packet a software dispatch poller decoded: it is counted here, where it
 * is processed, and gets its network time from this worker's clock.
 */
static void
take_decoded(
	struct vg_worker *w, const struct vg_raw_pkt *raw, struct vg_decoded *d, struct pending *p)
{
	uint64_t ts = vg_flow_time(w->flows, raw->ts_ns);

	w->dec.stats.packets++;
	w->dec.stats.bytes += raw->wire_len;
	w->stats.predecoded++;
	p->pkt = &d->pkt;
	p->pkt->ts_ns = ts;
	p->pkt->ts_own_ns = ts != raw->ts_ns ? raw->ts_ns : 0;
	p->r = (enum vg_decode_result)d->result;
	p->stripped = d->stripped;
	p->more = NULL;
	p->more_len = 0;
	if (p->r == VG_DECODE_IP)
		vg_flow_prefetch(w->flows, p->pkt);
}

static void
run_pending(struct vg_worker *w, struct pending *p)
{
	/* The frame's own subframes; decapsulation in run_ip() may find some too. */
	w->dec.more = p->more;
	w->dec.more_len = p->more_len;
	if (p->r == VG_DECODE_IP) {
		run_ip(w, p->pkt);
	} else if (p->stripped) {
		/* Mirror transport around no IP packet: as run_ip() treats it. */
		if (p->pkt->nweirds)
			vg_flow_packet_weirds(w->flows, p->pkt);
	} else {
		vg_flow_advance(w->flows, p->pkt->ts_ns);
		if (p->pkt->nweirds)
			vg_flow_packet_weirds(w->flows, p->pkt);
	}
	/* More packets in the same frame (802.11 A-MSDU subframes). */
	while (w->dec.more_len > 0) {
		if (vg_decode_next(&w->dec, p->pkt) == VG_DECODE_IP)
			run_ip(w, p->pkt);
		else if (p->pkt->nweirds)
			vg_flow_packet_weirds(w->flows, p->pkt);
	}
}

/*
 * Decoding runs AHEAD - 1 packets in front of the flow table: while packet i
 * goes through the flow table, the connections of the next CONN_AHEAD packets
 * and the hash buckets of those after them are on their way into the cache.
 */
void
vg_worker_burst_decoded(struct vg_worker *w, int link, const struct vg_raw_pkt *pkts,
	struct vg_decoded *const *pre, uint16_t n)
{
	struct pending ring[AHEAD];
	uint16_t next = 0;

	w->stats.bursts++;
	w->stats.packets += n;
	/* Expected connections other workers announced since the last burst. */
	vg_an_worker_poll(w->an, vg_flow_now(w->flows));
	for (uint16_t i = 0; i < n; i++) {
		while (next < n && next < i + AHEAD) {
			if (next + 2 < n) {
				if (pre != NULL && pre[next + 2] != NULL) {
					const uint8_t *d = (const uint8_t *)pre[next + 2];

					__builtin_prefetch(d);
					__builtin_prefetch(d + 64);
					__builtin_prefetch(d + 128);
				} else {
					__builtin_prefetch(pkts[next + 2].data);
				}
			}
			if (pre != NULL && pre[next] != NULL)
				take_decoded(w, &pkts[next], pre[next], &ring[next % AHEAD]);
			else
				decode_one(w, link, &pkts[next], &ring[next % AHEAD]);
			next++;
		}
		if (i + CONN_AHEAD < next)
			vg_flow_prefetch_conn(w->flows, ring[(i + CONN_AHEAD) % AHEAD].pkt);
		run_pending(w, &ring[i % AHEAD]);
	}
}

void
vg_worker_burst(struct vg_worker *w, int link, const struct vg_raw_pkt *pkts, uint16_t n)
{
	vg_worker_burst_decoded(w, link, pkts, NULL, n);
}

void
vg_worker_flush(struct vg_worker *w)
{
	vg_flow_flush(w->flows);
}
