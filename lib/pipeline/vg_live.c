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
#include <rte_ring.h>

#include "vg_hash.h"
#include "vg_live.h"

#define BURST         VG_LIVE_BURST
#define DISPATCH_RING 4096

void
vg_live_clock_init(struct vg_live *live)
{
	live->tsc_hz = rte_get_tsc_hz();
	/* A multiply and a shift per conversion instead of a 128-bit division. */
	live->tsc_mult =
		(uint64_t)(((unsigned __int128)1000000000ULL << VG_LIVE_TSC_SHIFT) / live->tsc_hz);
	live->base_tsc = rte_rdtsc();
	live->base_ns = vg_wall_ns();
	const char *delay = getenv("VIGIL_TEST_DISPATCH_DELAY_US");

	live->test_dispatch_delay_us = delay != NULL ? (uint32_t)strtoul(delay, NULL, 10) : 0;
}

static inline uint64_t
tsc_to_ns(const struct vg_live *live, uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * live->tsc_mult) >> VG_LIVE_TSC_SHIFT);
}

uint64_t
vg_live_now_ns(const struct vg_live *live)
{
	return live->base_ns + tsc_to_ns(live, rte_rdtsc() - live->base_tsc);
}

int
vg_live_worker_init(
	struct vg_live *live, uint16_t index, unsigned lcore, const struct vg_worker_cfg *cfg)
{
	int socket = (int)rte_lcore_to_socket_id(lcore);
	struct vg_live_worker *lw = rte_zmalloc_socket("vg_worker", sizeof(*lw), 64, socket);
	char name[RTE_RING_NAMESIZE];

	if (lw == NULL) {
		errno = ENOMEM;
		return -1;
	}
	lw->index = index;
	lw->lcore = lcore;
	lw->live = live;
	/* The flow table and reassembly buffers are touched first by this thread on
	 * its lcore; prefer its node so the pages land there. */
	if (numa_available() >= 0)
		numa_set_preferred(socket);
	if (vg_worker_init(&lw->w, cfg) != 0) {
		rte_free(lw);
		return -1;
	}
	if (live->ports->software && live->nworkers > 1) {
		live->npollers = 1; /* worker 0 */
		if (index > 0) {
			snprintf(name, sizeof(name), "vg_disp_%u", index);
			lw->in = rte_ring_create(
				name, DISPATCH_RING, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (lw->in == NULL) {
				errno = rte_errno;
				vg_live_worker_fini(lw);
				return -1;
			}
		} else {
			struct vg_decode_cfg dc = cfg->decode;

			dc.peek = true;
			dc.frag_slots = 1;
			if (vg_decoder_init(&lw->hash_dec, &dc) != 0) {
				vg_live_worker_fini(lw);
				return -1;
			}
		}
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
	vg_decoder_fini(&lw->hash_dec);
	rte_ring_free(lw->in);
	if (lw->live != NULL && lw->live->workers[lw->index] == lw)
		lw->live->workers[lw->index] = NULL;
	rte_free(lw);
}

/*
 * Which worker owns a packet: a symmetric hash of the (inner, once mirror
 * transport is stripped) address pair and the mirror session. Ports are left
 * out so fragments, and a tunnel's outer flow with the flows inside it, stay
 * together; the flow tables need both.
 */
static uint16_t
owner(struct vg_live_worker *lw, const uint8_t *data, uint32_t cap, uint32_t wire)
{
	struct vg_pkt pkt;
	enum vg_decode_result r = vg_decode(&lw->hash_dec, 1, data, cap, wire, 0, &pkt);

	if (r != VG_DECODE_IP)
		return 0;
	for (int i = 0; i < 4 && vg_mirror_strip(&lw->hash_dec, &pkt, &r); i++)
		if (r != VG_DECODE_IP)
			return 0;
	/* The flow table's keyed hash (vg_hash.h), ports left out. */
	uint64_t h = vg_hash_addr_pair(&pkt.src, &pkt.dst, pkt.session);

	return (uint16_t)(h % lw->live->nworkers);
}

/*
 * The packet's network time: the NIC's stamp, else the TSC read once per burst
 * (the packets arrived together), one nanosecond apart so that every packet's
 * time is distinct and increasing.
 */
static uint64_t
pkt_time(struct vg_live_worker *lw, const struct rte_mbuf *m, uint64_t *burst_ns)
{
	const struct vg_ports *ps = lw->live->ports;

	if (ps->ts_offset >= 0 && (m->ol_flags & ps->ts_flag)) {
		uint64_t t = vg_port_ts_ns(ps, m->port,
			*RTE_MBUF_DYNFIELD(m, ps->ts_offset, rte_mbuf_timestamp_t *), 0);

		if (t != 0)
			return t;
	}
	if (*burst_ns == 0) {
		*burst_ns = vg_live_now_ns(lw->live);
		if (*burst_ns <= lw->last_tsc_ns)
			*burst_ns = lw->last_tsc_ns + 1;
	} else {
		(*burst_ns)++;
	}
	lw->last_tsc_ns = *burst_ns;
	return *burst_ns;
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

static void
process(struct vg_live_worker *lw, struct rte_mbuf **m, uint16_t n)
{
	struct vg_raw_pkt raw[BURST];
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
	}
	__atomic_store_n(
		&lw->last_ts_ns, raw[n - 1].ts_ns, __ATOMIC_RELAXED); /* read by stats.log */
	lw->last_rx_tsc = rte_rdtsc();
	vg_worker_burst(&lw->w, 1, raw, n);
	rte_pktmbuf_free_bulk(m, n);
}

/* Software dispatch: keeps worker 0's share in m (returns its count). */
static uint16_t
dispatch(struct vg_live_worker *lw, struct rte_mbuf **m, uint16_t n)
{
	struct vg_live *live = lw->live;
	struct rte_mbuf *out[VG_LIVE_MAX_WORKERS][BURST];
	uint16_t nout[VG_LIVE_MAX_WORKERS] = {0};
	uint16_t keep = 0;

	for (uint16_t i = 0; i < n; i++) {
		uint16_t o = owner(
			lw, rte_pktmbuf_mtod(m[i], const uint8_t *), m[i]->data_len, m[i]->pkt_len);

		if (o == 0)
			m[keep++] = m[i];
		else
			out[o][nout[o]++] = m[i];
	}
	for (uint16_t w = 1; w < live->nworkers; w++) {
		if (nout[w] == 0)
			continue;
		if (vg_unlikely(live->test_dispatch_delay_us != 0))
			rte_delay_us_block(live->test_dispatch_delay_us);
		unsigned sent = rte_ring_enqueue_burst(
			live->workers[w]->in, (void **)out[w], nout[w], NULL);

		lw->cnt.dispatched += sent;
		if (sent < nout[w]) {
			lw->cnt.dispatch_drops += nout[w] - sent;
			rte_pktmbuf_free_bulk(out[w] + sent, nout[w] - sent);
		}
	}
	return keep;
}

static uint16_t
drain_in(struct vg_live_worker *lw)
{
	struct rte_mbuf *m[BURST];
	uint16_t n, got = 0;

	if (lw->in == NULL)
		return 0;
	while ((n = (uint16_t)rte_ring_dequeue_burst(lw->in, (void **)m, BURST, NULL)) > 0) {
		got += n;
		lw->cnt.rx += n;
		process(lw, m, n);
	}
	return got;
}

/*
 * The stop order of software dispatch: a poller has handed over everything
 * it read once it leaves its loop, and says so; a worker's last drain comes
 * after every poller said so, so nothing can reach its ring after it.
 */
static void
stop_dispatch(struct vg_live_worker *lw, bool poller)
{
	struct vg_live *live = lw->live;

	if (poller)
		__atomic_fetch_add(&live->pollers_done, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&live->pollers_done, __ATOMIC_ACQUIRE) < live->npollers)
		if (drain_in(lw) == 0)
			rte_pause();
	drain_in(lw);
}

int
vg_live_worker_main(void *arg)
{
	struct vg_live_worker *lw = arg;
	struct vg_live *live = lw->live;
	struct vg_ports *ps = live->ports;
	struct rte_mbuf *m[BURST];
	uint64_t last_advance = 0;
	bool reads_port = !ps->software || lw->index == 0;

	while (!__atomic_load_n(&live->stop, __ATOMIC_RELAXED)) {
		uint16_t got = 0;

		if (reads_port) {
			for (uint16_t p = 0; p < ps->n; p++) {
				uint16_t q = ps->software ? 0 : lw->index;
				uint16_t n;

				if (ps->port[p].gone || q >= ps->port[p].nrxq)
					continue;
				n = rte_eth_rx_burst(ps->port[p].id, q, m, BURST);
				if (n == 0)
					continue;
				got += n;
				lw->cnt.rx += n;
				lw->cnt.port_rx += n;
				if (ps->software && live->nworkers > 1)
					n = dispatch(lw, m, n);
				if (n > 0)
					process(lw, m, n);
			}
		}
		if (lw->in != NULL) {
			uint16_t n =
				(uint16_t)rte_ring_dequeue_burst(lw->in, (void **)m, BURST, NULL);

			if (n > 0) {
				got += n;
				lw->cnt.rx += n;
				process(lw, m, n);
			}
		}
		if (got == 0) {
			lw->cnt.idle_polls++;
			/*
			 * Idle: network time goes on from the last packet's stamp at the
			 * wall clock's pace (stamps may come from the NIC or a replayed
			 * file), and the timers run now and then.
			 */
			uint64_t tsc = rte_rdtsc();

			if (lw->last_ts_ns != 0 && tsc - last_advance > live->tsc_hz / 10) {
				uint64_t now =
					lw->last_ts_ns + tsc_to_ns(live, tsc - lw->last_rx_tsc);

				vg_flow_advance(lw->w.flows, now);
				last_advance = tsc;
			}
			rte_pause();
		}
	}
	if (ps->software && live->nworkers > 1)
		stop_dispatch(lw, reads_port);
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

		if (lw == NULL || lw->in == NULL)
			continue;
		while ((n = rte_ring_dequeue_burst(lw->in, (void **)m, BURST, NULL)) > 0) {
			live->stop_drops += n;
			rte_pktmbuf_free_bulk(m, n);
		}
	}
}
