/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sensor's Prometheus series. Each scrape takes one snapshot of every
 * worker (vg_live_worker_figures, relaxed reads) and writes the families from
 * it; names follow Prometheus' conventions: vigil_ first, the unit in the
 * name, counters ending in _total, port/worker/log/reason/proto as labels.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vg_analyzer.h"
#include "vg_health.h"
#include "vg_live_exc.h"
#include "vg_live_figures.h"
#include "vg_live_metrics.h"
#include "vg_live_stats.h"
#include "vg_metrics_http.h"
#include "vg_schema.h"

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "unknown"
#endif

static struct {
	int fd; /* bound before EAL, served from vg_live_metrics_start */
	struct vg_metrics_server *server;
	const struct vg_live *live;
	const struct vg_logshm *shm;
	bool writer; /* the in-process writer fills tally */
	struct vg_log_tally tally;
	double started;
} mx = {.fd = -1};

int
vg_live_metrics_bind(const char *listen)
{
	char err[512];

	if (listen == NULL)
		return 0;
	mx.fd = vg_metrics_listen("--metrics-listen", listen, err, sizeof(err));
	if (mx.fd < 0) {
		fprintf(stderr, "vigil: %s\n", err);
		return 1;
	}
	return 0;
}

struct vg_log_tally *
vg_live_metrics_tally(void)
{
	return &mx.tally;
}

/* ---- one scrape ---------------------------------------------------------- */

struct scrape {
	struct vg_prom *p;
	uint16_t n;
	struct vg_live_worker_figures *w; /* n of them */
	char idx[VG_LIVE_MAX_WORKERS][8]; /* "0", "1", ... */
};

/* A per-worker counter or gauge that is one field of the figures. */
struct worker_series {
	const char *name;
	enum vg_prom_type type;
	size_t off;
	const char *help;
};

#define WF(f) offsetof(struct vg_live_worker_figures, f)
static const struct worker_series worker_series[] = {
	{"vigil_worker_rx_packets_total", VG_PROM_COUNTER, WF(rx),
		"Packets the worker took from its RX queues or dispatch rings."},
	{"vigil_worker_queue_rx_packets_total", VG_PROM_COUNTER, WF(port_rx),
		"Packets the worker read from the RX queues it polls."},
	{"vigil_worker_dispatched_packets_total", VG_PROM_COUNTER, WF(dispatched),
		"Packets the worker, as a poller, handed to other workers (software dispatch)."},
	{"vigil_worker_packets_total", VG_PROM_COUNTER, WF(packets),
		"Packets the worker processed."},
	{"vigil_worker_bytes_total", VG_PROM_COUNTER, WF(bytes),
		"Bytes of the packets the worker processed."},
	{"vigil_worker_filtered_packets_total", VG_PROM_COUNTER, WF(filtered),
		"Packets the capture filter (-f) did not pass."},
	{"vigil_worker_idle_polls_total", VG_PROM_COUNTER, WF(idle_polls),
		"Polls that found no packet."},
	{"vigil_worker_flow_evictions_total", VG_PROM_COUNTER, WF(evicted),
		"Connections ended early because the flow table was full."},
	{"vigil_worker_packets_outside_time_window_total", VG_PROM_COUNTER, WF(time_outside),
		"Packets stamped outside --time-window, taken at network time."},
	{"vigil_worker_time_jumps_total", VG_PROM_COUNTER, WF(time_jumps),
		"Jumps of network time that packets agreed on."},
	{"vigil_worker_timers_late_total", VG_PROM_COUNTER, WF(timers_late),
		"Times the per-packet timer budget left due timers for later."},
	{"vigil_worker_tcp_acks_total", VG_PROM_COUNTER, WF(acks),
		"TCP ACKs that advanced (capture_loss.log's acks)."},
	{"vigil_worker_tcp_gap_acks_total", VG_PROM_COUNTER, WF(gap_acks),
		"TCP ACKs that revealed a content gap (capture_loss.log's gaps)."},
	{"vigil_worker_fragments_total", VG_PROM_COUNTER, WF(fragments), "IP fragments seen."},
	{"vigil_worker_fragments_reassembled_total", VG_PROM_COUNTER, WF(reassembled),
		"IP datagrams put together from fragments."},
	{"vigil_worker_fragment_timeouts_total", VG_PROM_COUNTER, WF(frag_timeouts),
		"Incomplete datagrams dropped after the reassembly timeout."},
	{"vigil_worker_fragment_evictions_total", VG_PROM_COUNTER, WF(frag_evicted),
		"Incomplete datagrams dropped to free a reassembly slot."},
	{"vigil_worker_fragments_pending", VG_PROM_GAUGE, WF(frag_active),
		"Reassembly slots in use now."},
	{"vigil_worker_mirror_packets_total", VG_PROM_COUNTER, WF(mirror_packets),
		"Packets stripped of mirror transport."},
	{"vigil_worker_nic_checksums_total", VG_PROM_COUNTER, WF(nic_checksums),
		"TCP/UDP checksums taken from the NIC's verdict."},
	{"vigil_worker_log_records_total", VG_PROM_COUNTER, WF(records),
		"Log records the worker put into its log ring."},
	{"vigil_worker_log_dropped_records_total", VG_PROM_COUNTER, WF(ring_drops),
		"Log records dropped because the worker's log ring was full."},
	{"vigil_worker_log_flush_waits_total", VG_PROM_COUNTER, WF(flush_waits),
		"Times the worker waited for room in its log ring while stopping."},
	{"vigil_worker_log_ring_used_bytes", VG_PROM_GAUGE, WF(ring_used),
		"Bytes waiting in the worker's log ring."},
	{"vigil_worker_log_ring_size_bytes", VG_PROM_GAUGE, WF(ring_size),
		"Size of the worker's log ring."},
	{"vigil_worker_dispatch_ring_packets", VG_PROM_GAUGE, WF(dispatch_used),
		"Packets waiting in the rings that bring the worker its share (software "
		"dispatch)."},
	{"vigil_worker_dispatch_ring_size_packets", VG_PROM_GAUGE, WF(dispatch_size),
		"Room of those rings, in packets."},
};
#undef WF

static struct vg_prom_label
worker_label(const struct scrape *s, uint16_t i)
{
	return (struct vg_prom_label){"worker", s->idx[i]};
}

static void
emit_worker_field(struct scrape *s, const struct worker_series *ws)
{
	if (vg_prom_family(s->p, ws->name, ws->type, ws->help) != 0)
		return;
	for (uint16_t i = 0; i < s->n; i++) {
		struct vg_prom_label l = worker_label(s, i);
		uint64_t v;

		memcpy(&v, (const char *)&s->w[i] + ws->off, sizeof(v));
		vg_prom_u64(s->p, &l, 1, v);
	}
}

static double
ratio(uint64_t used, uint64_t size)
{
	return size ? (double)used / (double)size : 0.0;
}

static void
emit_worker_labelled(struct scrape *s)
{
	char lcore[16];

	vg_prom_family(s->p, "vigil_worker_info", VG_PROM_GAUGE,
		"A worker and the lcore it runs on (always 1).");
	for (uint16_t i = 0; i < s->n; i++) {
		snprintf(lcore, sizeof(lcore), "%u", s->w[i].lcore);
		struct vg_prom_label l[] = {worker_label(s, i), {"lcore", lcore}};

		vg_prom_u64(s->p, l, 2, 1);
	}
	vg_prom_family(s->p, "vigil_worker_drops_total", VG_PROM_COUNTER,
		"Packets lost, by reason: ring_full (its dispatch rings were full), decode "
		"(malformed), untracked (no connection could take it).");
	for (uint16_t i = 0; i < s->n; i++)
		for (unsigned d = 0; d < VG_DROP_COUNT; d++) {
			struct vg_prom_label l[] = {
				worker_label(s, i), {"reason", vg_live_drop_name(d)}};

			vg_prom_u64(s->p, l, 2, s->w[i].drops[d]);
		}
	vg_prom_family(s->p, "vigil_worker_flows_active", VG_PROM_GAUGE,
		"Connections open now, by protocol.");
	for (uint16_t i = 0; i < s->n; i++)
		for (unsigned k = 0; k < 4; k++) {
			struct vg_prom_label l[] = {
				worker_label(s, i), {"proto", vg_live_kind_name(k)}};

			vg_prom_u64(s->p, l, 2, s->w[i].active[k]);
		}
	vg_prom_family(s->p, "vigil_worker_flows_total", VG_PROM_COUNTER,
		"Connections created, by protocol.");
	for (uint16_t i = 0; i < s->n; i++)
		for (unsigned k = 0; k < 4; k++) {
			struct vg_prom_label l[] = {
				worker_label(s, i), {"proto", vg_live_kind_name(k)}};

			vg_prom_u64(s->p, l, 2, s->w[i].created[k]);
		}
}

static void
emit_worker_ratios(struct scrape *s)
{
	vg_prom_family(s->p, "vigil_worker_log_ring_fill_ratio", VG_PROM_GAUGE,
		"How full the worker's log ring is (0 to 1).");
	for (uint16_t i = 0; i < s->n; i++) {
		struct vg_prom_label l = worker_label(s, i);

		vg_prom_double(s->p, &l, 1, ratio(s->w[i].ring_used, s->w[i].ring_size));
	}
	vg_prom_family(s->p, "vigil_worker_dispatch_ring_fill_ratio", VG_PROM_GAUGE,
		"How full the rings that bring the worker its share are (0 to 1; 0 without "
		"software dispatch).");
	for (uint16_t i = 0; i < s->n; i++) {
		struct vg_prom_label l = worker_label(s, i);

		vg_prom_double(s->p, &l, 1, ratio(s->w[i].dispatch_used, s->w[i].dispatch_size));
	}
}

/* The analyzers' and files' counters, per worker, under their own names. */
static void
emit_analyzer_counters(struct scrape *s)
{
	char name[128], help[192];

	for (uint32_t k = 0, n = vg_an_counter_count(); k < n; k++) {
		bool gauge = vg_an_counter_is_gauge(k);

		snprintf(name, sizeof(name), "vigil_%s%s", vg_an_counter_name(k),
			gauge ? "" : "_total");
		snprintf(help, sizeof(help), "Analyzer %s %s (doc/logs.md).",
			gauge ? "level" : "counter", vg_an_counter_name(k));
		if (vg_prom_family(s->p, name, gauge ? VG_PROM_GAUGE : VG_PROM_COUNTER, help) != 0)
			continue;
		for (uint16_t i = 0; i < s->n; i++) {
			struct vg_prom_label l = worker_label(s, i);

			vg_prom_u64(s->p, &l, 1, s->w[i].an[k]);
		}
	}
}

/* ---- ports ---------------------------------------------------------------- */

static void
emit_ports(struct vg_prom *p, const struct vg_live *live)
{
	uint16_t n = live->ports->n;
	struct vg_live_port_figures f[VG_MAX_PORTS];
	bool ok[VG_MAX_PORTS];
	char id[VG_MAX_PORTS][8];

	for (uint16_t i = 0; i < n; i++) {
		ok[i] = vg_live_port_figures(live, i, &f[i]) == 0;
		snprintf(id[i], sizeof(id[i]), "%u", live->ports->port[i].id);
	}
	vg_prom_family(p, "vigil_port_info", VG_PROM_GAUGE,
		"A port vigil captures on, its name and driver (always 1).");
	for (uint16_t i = 0; i < n; i++) {
		struct vg_prom_label l[] = {{"port", id[i]}, {"name", live->ports->port[i].name},
			{"driver", live->ports->port[i].driver}};

		vg_prom_u64(p, l, 3, 1);
	}
	vg_prom_family(p, "vigil_port_link_up", VG_PROM_GAUGE, "1 while the port's link is up.");
	for (uint16_t i = 0; i < n; i++) {
		struct vg_prom_label l = {"port", id[i]};

		vg_prom_u64(p, &l, 1, f[i].link_up && !f[i].gone);
	}
	const struct {
		const char *name, *help;
		size_t off;
	} fs[] = {
		{"vigil_port_rx_packets_total", "Packets the port received.",
			offsetof(struct vg_live_port_figures, packets)},
		{"vigil_port_rx_bytes_total", "Bytes the port received.",
			offsetof(struct vg_live_port_figures, bytes)},
		{"vigil_port_rx_errors_total", "Erroneous packets the port received.",
			offsetof(struct vg_live_port_figures, errors)},
	};

	for (size_t k = 0; k < sizeof(fs) / sizeof(fs[0]); k++) {
		vg_prom_family(p, fs[k].name, VG_PROM_COUNTER, fs[k].help);
		for (uint16_t i = 0; i < n; i++) {
			struct vg_prom_label l = {"port", id[i]};
			uint64_t v;

			memcpy(&v, (const char *)&f[i] + fs[k].off, sizeof(v));
			if (ok[i])
				vg_prom_u64(p, &l, 1, v);
		}
	}
	vg_prom_family(p, "vigil_port_rx_dropped_packets_total", VG_PROM_COUNTER,
		"Packets the port dropped, by reason: missed (no RX descriptor free), no_mbuf "
		"(no packet buffer).");
	for (uint16_t i = 0; i < n; i++) {
		struct vg_prom_label m[] = {{"port", id[i]}, {"reason", "missed"}};
		struct vg_prom_label b[] = {{"port", id[i]}, {"reason", "no_mbuf"}};

		if (!ok[i])
			continue;
		vg_prom_u64(p, m, 2, f[i].missed);
		vg_prom_u64(p, b, 2, f[i].nombuf);
	}
}

/* ---- logs ----------------------------------------------------------------- */

static void
emit_log_family(struct vg_prom *p, const char *name, const char *help, size_t off)
{
	vg_prom_family(p, name, VG_PROM_COUNTER, help);
	for (uint16_t id = 0; id < VG_LOG_MAX; id++) {
		const struct vg_schema *sc = vg_schema_get(id);
		struct vg_live_log_figures f;
		uint64_t v;

		if (sc == NULL)
			continue;
		vg_live_log_figures(mx.live, mx.writer ? &mx.tally : NULL, id, &f);
		memcpy(&v, (const char *)&f + off, sizeof(v));

		struct vg_prom_label l = {"log", sc->path};

		vg_prom_u64(p, &l, 1, v);
	}
}

static void
emit_logs(struct vg_prom *p)
{
	emit_log_family(p, "vigil_log_records_total",
		"Log records the workers made, by log (stats and capture_loss come from the "
		"main lcore and are not counted here).",
		offsetof(struct vg_live_log_figures, records));
	emit_log_family(p, "vigil_log_dropped_records_total",
		"Log records dropped because a worker's log ring was full, by log.",
		offsetof(struct vg_live_log_figures, dropped));
	if (!mx.writer)
		return; /* vigil-logd writes them and says so on its own --metrics-listen */
	emit_log_family(p, "vigil_log_written_records_total",
		"Log records the in-process writer wrote, by log.",
		offsetof(struct vg_live_log_figures, written));
	emit_log_family(p, "vigil_log_written_bytes_total",
		"Bytes the in-process writer wrote, by log.",
		offsetof(struct vg_live_log_figures, bytes));
}

/* ---- the exception path and the health checks ---------------------------- */

static void
emit_counter(struct vg_prom *p, const char *name, const char *help, uint64_t v)
{
	if (vg_prom_family(p, name, VG_PROM_COUNTER, help) == 0)
		vg_prom_u64(p, NULL, 0, v);
}

static void
emit_exception(struct vg_prom *p, const struct vg_live *live)
{
	struct vg_live_exc_totals x;
	struct vg_prom_label iface = {"iface", live->exc->iface};

	vg_live_exc_totals(live, &x);
	vg_prom_family(p, "vigil_exception_info", VG_PROM_GAUGE,
		"The exception path's kernel interface (always 1).");
	vg_prom_u64(p, &iface, 1, 1);
	emit_counter(p, "vigil_exception_to_kernel_frames_total",
		"Host frames written to the kernel interface.", x.to_kernel);
	emit_counter(p, "vigil_exception_from_kernel_frames_total",
		"Frames the kernel wrote, sent out of the capture port.", x.from_kernel);
	vg_prom_family(p, "vigil_exception_dropped_frames_total", VG_PROM_COUNTER,
		"Host frames lost, by reason: ring_full (a worker's ring to the main lcore), "
		"tap_refused (the kernel interface did not take them), port_tx_full (the "
		"capture port's TX queue did not take the kernel's).");
	const struct {
		const char *reason;
		uint64_t v;
	} d[] = {{"ring_full", x.to_kernel_ring_full}, {"tap_refused", x.to_kernel_refused},
		{"port_tx_full", x.from_kernel_drops}};

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		struct vg_prom_label l = {"reason", d[i].reason};

		vg_prom_u64(p, &l, 1, d[i].v);
	}
	emit_counter(p, "vigil_exception_host_ignored_frames_total",
		"Frames from a host address or the port's own MAC: neither analysed nor "
		"forwarded.",
		x.host_ignored);
	emit_counter(p, "vigil_exception_paused_dropped_packets_total",
		"Packets read for capture while the console stopped it, dropped.", x.paused_drops);
	vg_prom_family(p, "vigil_exception_host_addresses", VG_PROM_GAUGE,
		"The host's addresses, by source: configured (--host-addr), learned (on the "
		"kernel interface now).");
	struct vg_prom_label c = {"source", "configured"}, l = {"source", "learned"};

	vg_prom_u64(p, &c, 1, x.host_addrs);
	vg_prom_u64(p, &l, 1, x.learned_addrs);
	emit_counter(p, "vigil_exception_host_address_changes_total",
		"Times the addresses learned from the kernel interface changed.", x.addr_changes);
}

static void
emit_health(struct vg_prom *p)
{
	struct vg_health_counters h;
	enum vg_health_state st = vg_health_get_state();

	vg_health_counters(&h);
	vg_prom_family(p, "vigil_health_healthy", VG_PROM_GAUGE,
		"1 while the sensor answers the load balancer's checks as healthy.");
	vg_prom_u64(p, NULL, 0, st == VG_HEALTH_HEALTHY);
	vg_prom_family(p, "vigil_health_state", VG_PROM_GAUGE,
		"1 for the sensor's health state now (healthy or why not), 0 for the others.");
	for (int s = 0; s < VG_HEALTH_STATES; s++) {
		struct vg_prom_label l = {"state", vg_health_state_name((enum vg_health_state)s)};

		vg_prom_u64(p, &l, 1, st == (enum vg_health_state)s);
	}
	vg_prom_family(p, "vigil_health_checks_total", VG_PROM_COUNTER,
		"Health checks answered, by answer: tcp_accepted (--health-port handshake), "
		"http_ok (200), http_unhealthy (503), http_other (404, 400 or cut off).");
	const struct {
		const char *answer;
		uint64_t v;
	} a[] = {{"tcp_accepted", h.tcp_accepted}, {"http_ok", h.http_ok},
		{"http_unhealthy", h.http_unhealthy}, {"http_other", h.http_other}};

	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
		struct vg_prom_label l = {"answer", a[i].answer};

		vg_prom_u64(p, &l, 1, a[i].v);
	}
	emit_counter(p, "vigil_health_changes_total", "Times health changed.", h.changes);
}

/* ---- the process ---------------------------------------------------------- */

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
emit_process(struct vg_prom *p, const struct vg_live *live)
{
	struct vg_prom_label v = {"version", VIGIL_VERSION};
	uint64_t net = vg_live_net_ns(live), now = vg_live_now_ns(live);

	vg_prom_family(p, "vigil_build_info", VG_PROM_GAUGE, "vigil's version (always 1).");
	vg_prom_u64(p, &v, 1, 1);
	vg_prom_family(p, "vigil_start_time_seconds", VG_PROM_GAUGE,
		"When capture started, seconds since the epoch.");
	vg_prom_double(p, NULL, 0, mx.started);
	vg_prom_family(
		p, "vigil_resident_memory_bytes", VG_PROM_GAUGE, "Resident memory of the sensor.");
	vg_prom_u64(p, NULL, 0, vg_rss_mb() * 1024 * 1024);
	vg_prom_family(p, "vigil_workers", VG_PROM_GAUGE, "Worker lcores.");
	vg_prom_u64(p, NULL, 0, live->nworkers);
	vg_prom_family(p, "vigil_packet_lag_seconds", VG_PROM_GAUGE,
		"The clock minus network time (the newest packet's); 0 before the first packet.");
	vg_prom_double(p, NULL, 0, net && now > net ? (double)(now - net) / 1e9 : 0.0);
}

static void
fill(struct vg_prom *p, void *ctx)
{
	struct scrape s = {.p = p, .n = mx.live->nworkers};

	(void)ctx;
	s.w = calloc(s.n ? s.n : 1, sizeof(*s.w));
	if (s.w == NULL) {
		p->oom = true;
		return;
	}
	for (uint16_t i = 0; i < s.n; i++) {
		snprintf(s.idx[i], sizeof(s.idx[i]), "%u", i);
		vg_live_worker_figures(mx.live, i, &mx.shm->rings[i], &s.w[i]);
	}
	emit_process(p, mx.live);
	emit_ports(p, mx.live);
	emit_worker_labelled(&s);
	for (size_t k = 0; k < sizeof(worker_series) / sizeof(worker_series[0]); k++)
		emit_worker_field(&s, &worker_series[k]);
	emit_worker_ratios(&s);
	emit_analyzer_counters(&s);
	emit_logs(p);
	if (mx.live->exc != NULL)
		emit_exception(p, mx.live);
	if (vg_health_enabled())
		emit_health(p);
	free(s.w);
}

void
vg_live_metrics_start(const struct vg_live *live, const struct vg_logshm *shm, bool writer)
{
	char err[512];

	if (mx.fd < 0)
		return;
	mx.live = live;
	mx.shm = shm;
	mx.writer = writer;
	mx.started = wall_now();
	mx.server = vg_metrics_start(mx.fd, fill, NULL, err, sizeof(err));
	mx.fd = -1; /* the server has it now, or closed it */
	if (mx.server == NULL)
		fprintf(stderr, "vigil: %s; capture goes on without metrics\n", err);
}

void
vg_live_metrics_stop(void)
{
	vg_metrics_stop(mx.server);
	mx.server = NULL;
}
