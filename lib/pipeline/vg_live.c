/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "vg_hash.h"
#include "vg_live.h"
#include "vg_live_exc.h"

#define BURST VG_LIVE_BURST
/* Entries per consumer over all its dispatch rings (split among the pollers
 * feeding it, at least DISPATCH_RING_MIN each). */
#define DISPATCH_RING     VG_LIVE_DISPATCH_RING
#define DISPATCH_RING_MIN 512
/* A poller under load hands packets over in batches of at least this many. */
#define DISPATCH_BATCH 32

void
vg_live_clock_init(struct vg_live *live)
{
	live->tsc_hz = rte_get_tsc_hz();
	/* A multiply and a shift per conversion instead of a 128-bit division. */
	live->tsc_mult = vg_clock_mult(live->tsc_hz);
	vg_clock_start(&live->tsc_clock, rte_rdtsc(), vg_wall_ns(), live->tsc_hz);
	const char *delay = getenv("VIGIL_TEST_DISPATCH_DELAY_US");

	live->test_dispatch_delay_us = delay != NULL ? (uint32_t)strtoul(delay, NULL, 10) : 0;
}

void
vg_live_clock_repin(struct vg_live *live)
{
	vg_clock_repin(&live->tsc_clock, rte_rdtsc(), vg_wall_ns());
	vg_ports_repin_clocks(live->ports);
}

static inline uint64_t
tsc_to_ns(const struct vg_live *live, uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * live->tsc_mult) >> VG_CLOCK_SHIFT);
}

uint64_t
vg_live_now_ns(const struct vg_live *live)
{
	return vg_clock_ns(&live->tsc_clock, rte_rdtsc());
}

/* RX queues over all ports. */
static uint32_t
total_queues(const struct vg_ports *ps)
{
	uint32_t k = 0;

	for (uint16_t p = 0; p < ps->n; p++)
		k += ps->port[p].nrxq;
	return k;
}

/*
 * The queues a worker polls: the k-th (port, queue) over all ports goes to
 * worker k % nworkers. With RSS every port has a queue per worker, so worker
 * i polls queue i of each; in software dispatch a port has as many queues as
 * it offers, up to one per worker.
 */
static void
assign_queues(struct vg_live_worker *lw)
{
	const struct vg_ports *ps = lw->live->ports;
	uint32_t k = 0;

	lw->nrxq = 0;
	for (uint16_t p = 0; p < ps->n; p++)
		for (uint16_t q = 0; q < ps->port[p].nrxq; q++, k++)
			if (k % lw->live->nworkers == lw->index && lw->nrxq < VG_LIVE_MAX_RXQ)
				lw->rxq[lw->nrxq++] = (struct vg_live_rxq){.port = p, .queue = q};
}

/* The ring from poller `from` to worker `to`, on the consumer's NUMA node. */
static int
pair_ring(struct vg_live_worker *from, struct vg_live_worker *to)
{
	char name[RTE_RING_NAMESIZE];
	uint32_t size = rte_align32pow2(
		VG_MAX(DISPATCH_RING_MIN, DISPATCH_RING / VG_MAX(1u, from->live->npollers)));
	struct rte_ring *r;

	snprintf(name, sizeof(name), "vg_disp_%u_%u", from->index, to->index);
	r = rte_ring_create(
		name, size, (int)rte_lcore_to_socket_id(to->lcore), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (r == NULL) {
		errno = rte_errno;
		return -1;
	}
	to->in[to->nin++] = r;
	from->out[to->index] = r;
	return 0;
}

/* Software dispatch: the poller's decoder and the rings to and from the
 * workers set up before this one. */
static int
dispatch_init(struct vg_live_worker *lw, const struct vg_worker_cfg *cfg)
{
	struct vg_live *live = lw->live;

	lw->dispatching = true;
	/* The decode travels in the mbufs: every pool must have room for it. */
	for (uint16_t p = 0; p < live->ports->n; p++) {
		if (rte_pktmbuf_priv_size(live->ports->port[p].pool) < sizeof(struct vg_decoded)) {
			errno = EINVAL;
			return -1;
		}
	}
	if (lw->nrxq > 0) {
		struct vg_decode_cfg dc = cfg->decode;

		/* The packet's one full decode; fragments are the owner's. */
		dc.defer_frags = true;
		dc.frag_slots = 1;
		if (vg_decoder_init(&lw->poll_dec, &dc) != 0)
			return -1;
	}
	for (uint16_t j = 0; j < lw->index; j++) {
		struct vg_live_worker *o = live->workers[j];

		if (o->nrxq > 0 && pair_ring(o, lw) != 0)
			return -1;
		if (lw->nrxq > 0 && pair_ring(lw, o) != 0)
			return -1;
	}
	return 0;
}

int
vg_live_worker_init(
	struct vg_live *live, uint16_t index, unsigned lcore, const struct vg_worker_cfg *cfg)
{
	int socket = (int)rte_lcore_to_socket_id(lcore);
	struct vg_live_worker *lw = rte_zmalloc_socket("vg_worker", sizeof(*lw), 64, socket);

	if (lw == NULL) {
		errno = ENOMEM;
		return -1;
	}
	lw->index = index;
	lw->lcore = lcore;
	lw->live = live;
	live->npollers = (uint16_t)VG_MIN(total_queues(live->ports), live->nworkers);
	assign_queues(lw);
	/* The flow table and reassembly buffers are touched first by this thread on
	 * its lcore; prefer its node so the pages land there. */
	if (numa_available() >= 0)
		numa_set_preferred(socket);
	if (vg_worker_init(&lw->w, cfg) != 0) {
		rte_free(lw);
		return -1;
	}
	if (live->ports->software && live->nworkers > 1 && dispatch_init(lw, cfg) != 0) {
		vg_live_worker_fini(lw);
		return -1;
	}
	if (numa_available() >= 0)
		numa_set_localalloc();
	live->workers[index] = lw;
	return 0;
}

void
vg_live_worker_fini(struct vg_live_worker *lw)
{
	if (lw == NULL)
		return;
	vg_worker_fini(&lw->w);
	vg_decoder_fini(&lw->poll_dec);
	/* A worker owns the rings it receives from; the pollers only point at them. */
	for (uint16_t i = 0; i < lw->nin; i++)
		rte_ring_free(lw->in[i]);
	if (lw->live != NULL && lw->live->workers[lw->index] == lw)
		lw->live->workers[lw->index] = NULL;
	rte_free(lw);
}

/* The checksums the NIC found good (RX checksum offload, where the port has it). */
static inline uint8_t
rx_cksum_of(uint64_t ol)
{
	uint8_t v = 0;

	if ((ol & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		v |= VG_RX_CKSUM_IP_GOOD;
	if ((ol & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		v |= VG_RX_CKSUM_L4_GOOD;
	return v;
}

/*
 * The counters of a poller's decode that its owner counts again when it
 * decodes a deferred packet whole; the rest (fragments, reassembly) only the
 * owner counts.
 */
struct decode_marks {
	uint64_t ip4, ip6, not_ip, dropped, mirror, mirror_cut, nic;
};

static inline void
marks_take(const struct vg_decode_stats *st, struct decode_marks *k)
{
	*k = (struct decode_marks){st->ip4, st->ip6, st->not_ip, st->dropped, st->mirror_packets,
		st->mirror_truncated, st->nic_cksum};
}

static void
marks_undo(struct vg_decode_stats *st, const struct decode_marks *k, const struct vg_pkt *pkt)
{
	st->ip4 = k->ip4;
	st->ip6 = k->ip6;
	st->not_ip = k->not_ip;
	st->dropped = k->dropped;
	st->mirror_packets = k->mirror;
	st->mirror_truncated = k->mirror_cut;
	st->nic_cksum = k->nic;
	for (uint8_t i = 0; i < pkt->nweirds; i++)
		st->weird[pkt->weirds[i].code]--;
}

/*
 * A poller's decode of one packet, left in the mbuf's private area for its
 * owner: the whole decode, mirror transport stripped, except for an IP
 * fragment or a frame over several mbufs, which the owner decodes whole.
 */
static enum vg_decode_result
decode_for_owner(struct vg_live_worker *lw, struct rte_mbuf *m, struct vg_decoded *d)
{
	struct vg_decoder *dec = &lw->poll_dec;
	struct decode_marks k;
	enum vg_decode_result r;

	marks_take(&dec->stats, &k);
	dec->rx_cksum = rx_cksum_of(m->ol_flags);
	r = vg_decode(
		dec, 1, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, m->pkt_len, 0, &d->pkt);
	d->stripped = 0;
	for (int i = 0; i < 4 && r == VG_DECODE_IP && vg_mirror_strip(dec, &d->pkt, &r); i++)
		d->stripped = 1;
	d->result = (uint8_t)r;
	if (vg_unlikely(m->nb_segs > 1 || dec->more_len > 0))
		d->result = VG_DECODE_DEFERRED; /* decoded from a linear copy by the owner */
	if (vg_unlikely(d->result == VG_DECODE_DEFERRED)) {
		marks_undo(&dec->stats, &k, &d->pkt);
		dec->more_len = 0;
	}
	return r;
}

/*
 * Which worker owns a decoded packet: a symmetric hash of the (inner, once
 * mirror transport is stripped) address pair and the mirror session. The
 * decode goes into IP and GRE tunnels; the hash takes the outermost tunnel's
 * addresses then, so a tunnel and the flows inside it stay on one worker,
 * and ports are left out so fragments stay with their flow: the flow tables
 * need both. A packet with no addresses goes to worker 0.
 */
static uint16_t
owner(const struct vg_live_worker *lw, enum vg_decode_result r, const struct vg_pkt *pkt)
{
	const struct vg_addr *a = &pkt->src, *b = &pkt->dst;

	if (pkt->ntunnels > 0) {
		a = &pkt->tunnels[0].src;
		b = &pkt->tunnels[0].dst;
	} else if (r != VG_DECODE_IP && r != VG_DECODE_DEFERRED) {
		return 0;
	}
	/* The flow table's keyed hash (vg_hash.h), ports left out. */
	uint64_t h = vg_hash_addr_pair(a, b, pkt->session);

	/* The high half times the worker count: a multiply instead of a division. */
	return (uint16_t)(((h >> 32) * lw->live->nworkers) >> 32);
}

/*
 * The packet's network time: the NIC's stamp, else the TSC read once per burst
 * (the packets arrived together), one nanosecond apart so that every packet's
 * time is distinct and increasing. Clock stamps (NIC or TSC) never step back
 * in a worker, whichever port or clock they come from; a replayed file's
 * capture times (net_pcap) are taken as they are, as vigil -r takes them.
 */
static uint64_t
pkt_time(struct vg_live_worker *lw, const struct rte_mbuf *m, uint64_t *burst_ns)
{
	const struct vg_ports *ps = lw->live->ports;

	if (ps->ts_offset >= 0 && (m->ol_flags & ps->ts_flag)) {
		uint64_t t = vg_port_ts_ns(ps, m->port,
			*RTE_MBUF_DYNFIELD(m, ps->ts_offset, rte_mbuf_timestamp_t *), 0);

		if (t != 0)
			return ps->ts[m->port].mode == VG_TS_EPOCH_US
				? t
				: vg_clock_forward(&lw->last_clock_ns, t);
	}
	uint64_t t = *burst_ns != 0 ? *burst_ns + 1 : vg_live_now_ns(lw->live);

	if (t <= lw->last_clock_ns)
		t = lw->last_clock_ns + 1;
	*burst_ns = lw->last_clock_ns = t;
	return t;
}

/*
 * The capture filter (-f): keeps the packets it passes, in order; counts the
 * rest. Packets a poller decoded passed it there (pre[i] set).
 */
static uint16_t
filter_burst(struct vg_live_worker *lw, struct vg_raw_pkt *raw, struct vg_decoded **pre, uint16_t n)
{
	uint16_t kept = 0;

	for (uint16_t i = 0; i < n; i++) {
		if ((pre != NULL && pre[i] != NULL) ||
			vg_bpf_match(
				lw->live->filter, raw[i].data, raw[i].wire_len, raw[i].cap_len)) {
			raw[kept] = raw[i];
			if (pre != NULL)
				pre[kept] = pre[i];
			kept++;
		}
	}
	lw->cnt.filtered += (uint64_t)(n - kept);
	return kept;
}

static void
process(struct vg_live_worker *lw, struct rte_mbuf **m, uint16_t n)
{
	const uint16_t total = n;
	struct vg_raw_pkt raw[BURST];
	struct vg_decoded *pre_buf[BURST];
	struct vg_decoded **pre = lw->dispatching ? pre_buf : NULL;
	uint32_t used = 0;
	uint64_t burst_ns = 0;

	for (uint16_t i = 0; i < n; i++) {
		raw[i].data = rte_pktmbuf_mtod(m[i], const uint8_t *);
		raw[i].cap_len = m[i]->data_len;
		if (m[i]->nb_segs > 1) {
			/* A frame larger than one mbuf (jumbo): decoded from a linear copy. */
			uint32_t len = VG_MIN(m[i]->pkt_len, (uint32_t)sizeof(lw->linear) - used);
			const void *p = rte_pktmbuf_read(m[i], 0, len, lw->linear + used);

			if (p != NULL) {
				raw[i].data = p;
				raw[i].cap_len = len;
				used += len;
			}
		}
		raw[i].wire_len = m[i]->pkt_len;
		raw[i].rx_cksum = rx_cksum_of(m[i]->ol_flags);
		raw[i].ts_ns = pkt_time(lw, m[i], &burst_ns);
		if (pre != NULL) {
			/* Software dispatch: the poller's decode, unless it left it here. */
			struct vg_decoded *d = rte_mbuf_to_priv(m[i]);

			pre[i] = d->result != VG_DECODE_DEFERRED ? d : NULL;
		}
	}
	if (lw->live->filter != NULL)
		n = filter_burst(lw, raw, pre, n);
	if (n == 0) {
		rte_pktmbuf_free_bulk(m, total);
		return;
	}
	lw->last_rx_tsc = rte_rdtsc();
	if (vg_unlikely(lw->first_rx_tsc == 0))
		lw->first_rx_tsc = lw->last_rx_tsc;
	vg_worker_burst_decoded(&lw->w, 1, raw, pre, n);
	lw->done_rx_tsc = rte_rdtsc();
	lw->cnt.work_tsc += lw->done_rx_tsc - lw->last_rx_tsc;
	/* Network time as the flow table took it (a stray stamp does not move it). */
	__atomic_store_n(&lw->last_ts_ns, vg_flow_clock(lw->w.flows),
		__ATOMIC_RELAXED); /* read by stats.log */
	rte_pktmbuf_free_bulk(m, total);
}

/*
 * Hands staged packets over to their workers: stages holding at least `min`
 * packets; with `wait`, what does not fit stays staged (the stop), else it is
 * dropped and counted.
 */
static void
hand_over(struct vg_live_worker *lw, uint16_t min, bool wait)
{
	uint64_t pend = lw->staged;

	while (pend != 0) {
		unsigned w = (unsigned)__builtin_ctzll(pend);
		uint16_t k = lw->nstage[w];

		pend &= pend - 1;
		if (k < min)
			continue;
		if (vg_unlikely(lw->live->test_dispatch_delay_us != 0))
			rte_delay_us_block(lw->live->test_dispatch_delay_us);
		unsigned sent = rte_ring_enqueue_burst(lw->out[w], (void **)lw->stage[w], k, NULL);

		lw->cnt.dispatched += sent;
		if (sent < k && wait) {
			memmove(lw->stage[w], lw->stage[w] + sent,
				(k - sent) * sizeof(lw->stage[w][0]));
			lw->nstage[w] = (uint16_t)(k - sent);
			continue;
		}
		if (sent < k) {
			lw->cnt.dispatch_drops += k - sent;
			lw->cnt.ring_full_to[w] += k - sent;
			rte_pktmbuf_free_bulk(lw->stage[w] + sent, k - sent);
		}
		lw->nstage[w] = 0;
		lw->staged &= ~(1ULL << w);
	}
}

/*
 * Software dispatch of one RX burst: the capture filter, then the packets'
 * one decode (into their mbufs, for their owners), then each packet's owner:
 * keeps this worker's share in m (returns its count) and stages the rest per
 * owner. Under load (full bursts) a stage goes to its ring once it holds
 * DISPATCH_BATCH packets, so a ring operation carries a batch whatever the
 * number of workers; a short burst means the queue is drained, and
 * everything staged goes at once.
 */
static uint16_t
dispatch(struct vg_live_worker *lw, struct rte_mbuf **m, uint16_t n)
{
	const struct vg_bpf *filter = lw->live->filter;
	uint8_t res[BURST];
	uint16_t keep = 0, k = 0;
	uint64_t t0 = rte_rdtsc(), t1, t2;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *x = m[i];

		if (i + 2 < n) {
			rte_prefetch0(rte_pktmbuf_mtod(m[i + 2], const void *));
			rte_prefetch0(rte_mbuf_to_priv(m[i + 2]));
		}
		/* A chained frame is filtered by its owner, from a linear copy. */
		if (filter != NULL && x->nb_segs == 1 &&
			!vg_bpf_match(filter, rte_pktmbuf_mtod(x, const uint8_t *), x->pkt_len,
				x->data_len)) {
			lw->cnt.filtered++;
			rte_pktmbuf_free(x);
			continue;
		}
		res[k] = (uint8_t)decode_for_owner(lw, x, rte_mbuf_to_priv(x));
		m[k++] = x;
	}
	t1 = rte_rdtsc();
	for (uint16_t i = 0; i < k; i++) {
		const struct vg_decoded *d = rte_mbuf_to_priv(m[i]);
		uint16_t o = owner(lw, (enum vg_decode_result)res[i], &d->pkt);

		if (o == lw->index) {
			m[keep++] = m[i];
		} else {
			lw->stage[o][lw->nstage[o]++] = m[i];
			lw->staged |= 1ULL << o;
		}
	}
	hand_over(lw, n < BURST ? 1 : DISPATCH_BATCH, false);
	t2 = rte_rdtsc();
	lw->cnt.decode_tsc += t1 - t0;
	lw->cnt.dispatch_tsc += t2 - t1;
	return keep;
}

/* Takes one burst from each dispatch ring; returns the packets taken. */
static uint16_t
receive(struct vg_live_worker *lw)
{
	struct rte_mbuf *m[BURST];
	uint16_t got = 0;

	for (uint16_t i = 0; i < lw->nin; i++) {
		uint64_t t0 = rte_rdtsc();
		uint16_t n = (uint16_t)rte_ring_dequeue_burst(lw->in[i], (void **)m, BURST, NULL);

		if (n == 0)
			continue;
		lw->cnt.receive_tsc += rte_rdtsc() - t0;
		got += n;
		lw->cnt.rx += n;
		process(lw, m, n);
	}
	return got;
}

/*
 * The stop order of software dispatch: a poller hands over everything it
 * read (waiting for room, and receiving meanwhile, so two pollers cannot wait
 * on each other) and says so; a worker's last receive comes after every
 * poller said so, so nothing can reach its rings after it.
 */
static void
stop_dispatch(struct vg_live_worker *lw)
{
	struct vg_live *live = lw->live;

	if (lw->nrxq > 0) {
		while (lw->staged != 0) {
			hand_over(lw, 1, true);
			receive(lw);
		}
		__atomic_fetch_add(&live->pollers_done, 1, __ATOMIC_RELEASE);
	}
	while (__atomic_load_n(&live->pollers_done, __ATOMIC_ACQUIRE) < live->npollers)
		if (receive(lw) == 0)
			rte_pause();
	while (receive(lw) != 0)
		;
}

int
vg_live_worker_main(void *arg)
{
	struct vg_live_worker *lw = arg;
	struct vg_live *live = lw->live;
	struct vg_ports *ps = live->ports;
	struct rte_mbuf *m[BURST];
	uint64_t last_advance = 0;
	bool timers_left = false; /* the flow table has due timer work left over */

	if (live->sig_qsbr != NULL)
		rte_rcu_qsbr_thread_online(live->sig_qsbr, lw->index);
	while (!__atomic_load_n(&live->stop, __ATOMIC_RELAXED)) {
		uint16_t got = 0;
		/* The console's `stop`: no port is read (the rings still are), except
		 * with the exception path, which must go on carrying the host's own
		 * traffic (SSH to the VM): the rest of what is read is then dropped. */
		bool paused = __atomic_load_n(&live->paused, __ATOMIC_RELAXED);
		uint16_t nrxq = paused && live->exc == NULL ? 0 : lw->nrxq;

		if (live->exc != NULL)
			vg_live_exc_quiesce(live, lw->index);
		if (live->sig_qsbr != NULL) {
			rte_rcu_qsbr_quiescent(live->sig_qsbr, lw->index);
			vg_an_worker_sig_poll(lw->w.an);
		}
		if (vg_unlikely(
			    __atomic_load_n(&lw->query.req, __ATOMIC_ACQUIRE) != lw->query.done))
			vg_live_query_step(lw->w.flows, &lw->query);
		for (uint16_t r = 0; r < nrxq; r++) {
			const struct vg_port *pt = &ps->port[lw->rxq[r].port];
			uint16_t n;

			if (pt->gone)
				continue;
			n = rte_eth_rx_burst(pt->id, lw->rxq[r].queue, m, BURST);
			if (n == 0) {
				/* The queue ran dry: nothing waits for a fuller batch. */
				if (lw->staged != 0)
					hand_over(lw, 1, false);
				continue;
			}
			got += n;
			if (live->exc != NULL && pt->id == vg_live_exc_port(live))
				n = vg_live_exc_divert(lw, m, n);
			if (vg_unlikely(paused)) {
				lw->cnt.paused_drops += n;
				rte_pktmbuf_free_bulk(m, n);
				continue;
			}
			lw->cnt.rx += n;
			lw->cnt.port_rx += n;
			if (lw->dispatching)
				n = dispatch(lw, m, n);
			if (n > 0)
				process(lw, m, n);
		}
		if (lw->nin > 0)
			got += receive(lw);
		__atomic_store_n(&lw->cnt.loops, lw->cnt.loops + 1, __ATOMIC_RELAXED);
		if (got == 0) {
			lw->cnt.idle_polls++;
			/*
			 * Idle: network time goes on from the last packet's stamp at the
			 * wall clock's pace (stamps may come from the NIC or a replayed
			 * file), and the timers run now and then, at every idle poll
			 * while the packets' budget left work over (vg_flow_idle).
			 */
			uint64_t tsc = rte_rdtsc();

			if (lw->last_ts_ns != 0 &&
				(timers_left || tsc - last_advance > live->tsc_hz / 10)) {
				uint64_t now =
					lw->last_ts_ns + tsc_to_ns(live, tsc - lw->last_rx_tsc);

				timers_left = vg_flow_idle(lw->w.flows, now);
				last_advance = tsc;
			}
			rte_pause();
		}
	}
	if (live->sig_qsbr != NULL)
		rte_rcu_qsbr_thread_offline(live->sig_qsbr, lw->index);
	if (lw->dispatching)
		stop_dispatch(lw);
	vg_live_worker_flush(lw);
	return 0;
}

void
vg_live_reap(struct vg_live *live)
{
	struct rte_mbuf *m[BURST];

	for (uint16_t i = 0; i < live->nworkers; i++) {
		struct vg_live_worker *lw = live->workers[i];
		unsigned n;

		for (uint16_t r = 0; lw != NULL && r < lw->nin; r++) {
			while ((n = rte_ring_dequeue_burst(lw->in[r], (void **)m, BURST, NULL)) >
				0) {
				live->stop_drops += n;
				rte_pktmbuf_free_bulk(m, n);
			}
		}
		for (uint16_t w = 0; lw != NULL && w < live->nworkers; w++) {
			if (lw->nstage[w] == 0)
				continue;
			live->stop_drops += lw->nstage[w];
			rte_pktmbuf_free_bulk(lw->stage[w], lw->nstage[w]);
			lw->nstage[w] = 0;
		}
	}
}
