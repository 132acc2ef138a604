/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters of the live sensor, and the DPDK telemetry commands that show
 * them while it runs (dpdk-telemetry.py -f <file prefix>, then /vigil/stats).
 * Telemetry callbacks run on DPDK's telemetry thread; they read the same
 * relaxed counters the main lcore reads for stats.log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "vg_health.h"
#include "vg_live_exc.h"
#include "vg_live_figures.h"
#include "vg_live_metrics.h"
#include "vg_live_stats.h"
#include "vg_live_status.h"
#include "vg_schema.h"

/* ---- telemetry ---------------------------------------------------------- */

static const struct vg_live *tel_live;
static const struct vg_logshm *tel_shm;
static volatile int tel_open;

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const kind[4] = {"tcp", "udp", "icmp", "other"};
	struct vg_live_totals t;
	struct vg_port_counters pc;
	char name[32];

	(void)cmd;
	(void)params;
	if (!__atomic_load_n(&tel_open, __ATOMIC_ACQUIRE))
		return -1;
	vg_live_totals(tel_live, tel_shm, &t);
	vg_ports_counters(tel_live->ports, &pc);
	uint64_t net = vg_live_net_ns(tel_live), now = vg_live_now_ns(tel_live);

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "packets", t.pkts);
	rte_tel_data_add_dict_u64(d, "bytes", t.bytes);
	rte_tel_data_add_dict_u64(d, "nic_packets", pc.ipackets);
	rte_tel_data_add_dict_u64(d, "nic_missed", pc.imissed + pc.nombuf);
	rte_tel_data_add_dict_u64(d, "dispatch_drops", t.dispatch_drops);
	rte_tel_data_add_dict_u64(d, "ring_drops", t.ring_drops);
	rte_tel_data_add_dict_u64(d, "decode_drops", t.decode_drops);
	rte_tel_data_add_dict_u64(d, "flow_evictions", t.evicted);
	rte_tel_data_add_dict_u64(d, "flow_time_outside", t.time_outside);
	rte_tel_data_add_dict_u64(d, "flow_time_jumps", t.time_jumps);
	rte_tel_data_add_dict_u64(d, "flow_untracked", t.untracked);
	rte_tel_data_add_dict_u64(d, "flow_timers_late", t.timers_late);
	for (int k = 0; k < 4; k++) {
		snprintf(name, sizeof(name), "active_%s_conns", kind[k]);
		rte_tel_data_add_dict_u64(d, name, t.active[k]);
		snprintf(name, sizeof(name), "%s_conns", kind[k]);
		rte_tel_data_add_dict_u64(d, name, t.created[k]);
	}
	rte_tel_data_add_dict_u64(d, "acks", t.acks);
	rte_tel_data_add_dict_u64(d, "gap_acks", t.gap_acks);
	rte_tel_data_add_dict_u64(d, "nic_checksums", t.nic_cksum);
	rte_tel_data_add_dict_u64(d, "mem_mb", vg_rss_mb());
	rte_tel_data_add_dict_u64(d, "pkt_lag_us", net && now > net ? (now - net) / 1000 : 0);
	for (uint32_t i = 0, n = vg_an_counter_count(); i < n; i++)
		rte_tel_data_add_dict_u64(d, vg_an_counter_name(i), t.an[i]);
	bool sig = tel_live->nworkers > 0 && tel_live->workers[0]->w.an != NULL &&
		vg_an_worker_sig_stats(tel_live->workers[0]->w.an) != NULL;

	for (uint32_t i = 0; sig && i < VG_SIG_NCOUNTERS; i++)
		rte_tel_data_add_dict_u64(d, vg_sig_counter_names[i], t.sig[i]);
	return 0;
}

static int
tel_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	if (!__atomic_load_n(&tel_open, __ATOMIC_ACQUIRE))
		return -1;
	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	for (uint16_t i = 0; i < tel_live->nworkers; i++)
		rte_tel_data_add_array_int(d, i);
	return 0;
}

static void
tel_add_kinds(struct rte_tel_data *d, const struct vg_live_worker_figures *f)
{
	char name[32];

	for (unsigned k = 0; k < 4; k++) {
		snprintf(name, sizeof(name), "active_%s_conns", vg_live_kind_name(k));
		rte_tel_data_add_dict_u64(d, name, f->active[k]);
		snprintf(name, sizeof(name), "%s_conns", vg_live_kind_name(k));
		rte_tel_data_add_dict_u64(d, name, f->created[k]);
	}
}

/* The figures the Prometheus series show too (vg_live_figures.h). */
static void
tel_add_worker(struct rte_tel_data *d, const struct vg_live_worker_figures *f)
{
	uint64_t active = 0, created = 0;

	for (unsigned k = 0; k < 4; k++) {
		active += f->active[k];
		created += f->created[k];
	}
	rte_tel_data_add_dict_u64(d, "lcore", f->lcore);
	rte_tel_data_add_dict_u64(d, "rx", f->rx);
	rte_tel_data_add_dict_u64(d, "dispatched", f->dispatched);
	rte_tel_data_add_dict_u64(d, "dispatch_drops", f->dispatch_drops);
	/* Software dispatch: RX queues polled, packets read from them, and packets
	 * the pollers dropped because this worker's rings were full. */
	rte_tel_data_add_dict_u64(d, "rx_queues", f->rx_queues);
	rte_tel_data_add_dict_u64(d, "port_rx", f->port_rx);
	rte_tel_data_add_dict_u64(d, "dispatch_ring_full", f->drops[VG_DROP_RING_FULL]);
	rte_tel_data_add_dict_u64(d, "idle_polls", f->idle_polls);
	rte_tel_data_add_dict_u64(d, "packets", f->packets);
	rte_tel_data_add_dict_u64(d, "bytes", f->bytes);
	rte_tel_data_add_dict_u64(d, "decode_drops", f->drops[VG_DROP_DECODE]);
	rte_tel_data_add_dict_u64(d, "filtered", f->filtered);
	rte_tel_data_add_dict_u64(d, "fragments", f->fragments);
	rte_tel_data_add_dict_u64(d, "reassembled", f->reassembled);
	rte_tel_data_add_dict_u64(d, "frag_timeouts", f->frag_timeouts);
	rte_tel_data_add_dict_u64(d, "frag_evicted", f->frag_evicted);
	rte_tel_data_add_dict_u64(d, "frag_active", f->frag_active);
	rte_tel_data_add_dict_u64(d, "mirror_packets", f->mirror_packets);
	rte_tel_data_add_dict_u64(d, "nic_checksums", f->nic_checksums);
	rte_tel_data_add_dict_u64(d, "active_conns", active);
	rte_tel_data_add_dict_u64(d, "conns", created);
	tel_add_kinds(d, f);
	rte_tel_data_add_dict_u64(d, "flow_evictions", f->evicted);
	rte_tel_data_add_dict_u64(d, "flow_time_outside", f->time_outside);
	rte_tel_data_add_dict_u64(d, "flow_time_jumps", f->time_jumps);
	rte_tel_data_add_dict_u64(d, "flow_untracked", f->drops[VG_DROP_UNTRACKED]);
	rte_tel_data_add_dict_u64(d, "flow_timers_late", f->timers_late);
	rte_tel_data_add_dict_u64(d, "acks", f->acks);
	rte_tel_data_add_dict_u64(d, "gap_acks", f->gap_acks);
	rte_tel_data_add_dict_u64(d, "log_records", f->records);
	rte_tel_data_add_dict_u64(d, "ring_drops", f->ring_drops);
	rte_tel_data_add_dict_u64(d, "log_ring_used", f->ring_used);
	rte_tel_data_add_dict_u64(d, "log_ring_size", f->ring_size);
	rte_tel_data_add_dict_u64(d, "dispatch_ring_used", f->dispatch_used);
	rte_tel_data_add_dict_u64(d, "dispatch_ring_size", f->dispatch_size);
	rte_tel_data_add_dict_u64(d, "flush_waits", f->flush_waits);
	for (uint32_t k = 0, n = vg_an_counter_count(); k < n; k++)
		rte_tel_data_add_dict_u64(d, vg_an_counter_name(k), f->an[k]);
}

static int
tel_worker(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vg_live_worker_figures f; /* a thread per telemetry client: on the stack */
	char *end;
	unsigned long i;

	(void)cmd;
	if (!__atomic_load_n(&tel_open, __ATOMIC_ACQUIRE) || params == NULL || *params == '\0')
		return -1;
	i = strtoul(params, &end, 10);
	if (*end != '\0' || i >= tel_live->nworkers)
		return -1;
	vg_live_worker_figures(tel_live, (uint16_t)i, &tel_shm->rings[i], &f);
	rte_tel_data_start_dict(d);
	tel_add_worker(d, &f);
	return 0;
}

/* Every port by its DPDK id: name, driver, link, RX counters. */
static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	if (!__atomic_load_n(&tel_open, __ATOMIC_ACQUIRE))
		return -1;
	rte_tel_data_start_dict(d);
	for (uint16_t i = 0; i < tel_live->ports->n; i++) {
		const struct vg_port *p = &tel_live->ports->port[i];
		struct rte_tel_data *c = rte_tel_data_alloc();
		struct vg_live_port_figures f;
		char id[8];

		if (c == NULL)
			return -1;
		vg_live_port_figures(tel_live, i, &f);
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_string(c, "name", p->name);
		rte_tel_data_add_dict_string(c, "driver", p->driver);
		rte_tel_data_add_dict_u64(c, "link_up", f.link_up && !f.gone);
		rte_tel_data_add_dict_u64(c, "rx_packets", f.packets);
		rte_tel_data_add_dict_u64(c, "rx_bytes", f.bytes);
		rte_tel_data_add_dict_u64(c, "rx_missed", f.missed);
		rte_tel_data_add_dict_u64(c, "rx_nombuf", f.nombuf);
		rte_tel_data_add_dict_u64(c, "rx_errors", f.errors);
		snprintf(id, sizeof(id), "%u", p->id);
		rte_tel_data_add_dict_container(d, id, c, 0);
	}
	return 0;
}

/* Every log: records the workers made and dropped, and what the in-process writer wrote. */
static int
tel_logs(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	if (!__atomic_load_n(&tel_open, __ATOMIC_ACQUIRE))
		return -1;
	rte_tel_data_start_dict(d);
	for (uint16_t id = 0; id < VG_LOG_MAX; id++) {
		const struct vg_schema *s = vg_schema_get(id);
		struct vg_live_log_figures f;
		struct rte_tel_data *c;

		if (s == NULL)
			continue;
		if ((c = rte_tel_data_alloc()) == NULL)
			return -1;
		vg_live_log_figures(tel_live, vg_live_metrics_tally(), id, &f);
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "records", f.records);
		rte_tel_data_add_dict_u64(c, "dropped", f.dropped);
		rte_tel_data_add_dict_u64(c, "written", f.written);
		rte_tel_data_add_dict_u64(c, "bytes", f.bytes);
		rte_tel_data_add_dict_container(d, s->path, c, 0);
	}
	return 0;
}

/* The signature set (the console's show sig): empty without signatures. */
static int
tel_sig(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vg_live_sig_figures f;
	struct rte_tel_data *files;

	(void)cmd;
	(void)params;
	if (!__atomic_load_n(&tel_open, __ATOMIC_ACQUIRE))
		return -1;
	rte_tel_data_start_dict(d);
	if (!vg_live_sig_figures(tel_live, &f))
		return 0;
	if ((files = rte_tel_data_alloc()) == NULL)
		return -1;
	rte_tel_data_start_array(files, RTE_TEL_STRING_VAL);
	for (uint32_t i = 0; i < f.st.nfiles; i++)
		rte_tel_data_add_array_string(files, f.st.files[i]);
	rte_tel_data_add_dict_container(d, "files", files, 0);
	rte_tel_data_add_dict_u64(d, "rules", f.st.rules);
	rte_tel_data_add_dict_u64(d, "refused", f.st.refused);
	rte_tel_data_add_dict_u64(d, "generation", f.st.generation);
	rte_tel_data_add_dict_u64(d, "reloads", f.st.asked);
	rte_tel_data_add_dict_u64(d, "reloads_failed", f.st.failed);
	rte_tel_data_add_dict_string(d, "state",
		f.st.state == VG_LIVE_SIG_LOADING             ? "loading"
			: f.st.state == VG_LIVE_SIG_SWITCHING ? "switching"
							      : "idle");
	rte_tel_data_add_dict_u64(d, "load_us", f.st.load_us);
	rte_tel_data_add_dict_u64(d, "draining", f.draining);
	for (uint32_t k = 0; k < VG_SIG_NCOUNTERS; k++)
		rte_tel_data_add_dict_u64(d, vg_sig_counter_names[k], f.c[k]);
	return 0;
}

/* vigil-logd's rings (the console's show logd): empty without --logd. */
static int
tel_logd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vg_live_logd_figures f;

	(void)cmd;
	(void)params;
	if (!__atomic_load_n(&tel_open, __ATOMIC_ACQUIRE))
		return -1;
	rte_tel_data_start_dict(d);
	if (!vg_live_logd_figures(tel_live, tel_live->logd, &f))
		return 0;
	rte_tel_data_add_dict_string(d, "segment", f.name);
	rte_tel_data_add_dict_u64(d, "generation", f.generation);
	rte_tel_data_add_dict_u64(d, "reader", f.reader);
	rte_tel_data_add_dict_u64(d, "lag_us", f.lag_us);
	rte_tel_data_add_dict_u64(d, "rings", f.nrings);
	/* Telemetry nests one level: each ring is a dict of its own, "ring0" ... */
	for (uint32_t i = 0; i < f.nrings; i++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		char id[16];

		if (c == NULL)
			return -1;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "used", f.ring[i].used);
		rte_tel_data_add_dict_u64(c, "size", f.ring[i].size);
		rte_tel_data_add_dict_u64(c, "records", f.ring[i].records);
		rte_tel_data_add_dict_u64(c, "drops", f.ring[i].drops);
		rte_tel_data_add_dict_u64(c, "lag_us", f.ring[i].lag_us);
		snprintf(id, sizeof(id), "ring%u", i);
		rte_tel_data_add_dict_container(d, id, c, 0);
	}
	return 0;
}

/* The exception path's and the health checks' counters ({} without either). */
static int
tel_exception(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	if (!__atomic_load_n(&tel_open, __ATOMIC_ACQUIRE))
		return -1;
	rte_tel_data_start_dict(d);
	if (tel_live->exc != NULL) {
		struct vg_live_exc_totals x;

		vg_live_exc_totals(tel_live, &x);
		rte_tel_data_add_dict_string(d, "iface", tel_live->exc->iface);
		rte_tel_data_add_dict_u64(d, "to_kernel", x.to_kernel);
		rte_tel_data_add_dict_u64(d, "to_kernel_drops", x.to_kernel_drops);
		rte_tel_data_add_dict_u64(d, "from_kernel", x.from_kernel);
		rte_tel_data_add_dict_u64(d, "from_kernel_drops", x.from_kernel_drops);
		rte_tel_data_add_dict_u64(d, "host_ignored", x.host_ignored);
		rte_tel_data_add_dict_u64(d, "paused_drops", x.paused_drops);
		rte_tel_data_add_dict_u64(d, "learned_addrs", x.learned_addrs);
		rte_tel_data_add_dict_u64(d, "addr_changes", x.addr_changes);
	}
	if (vg_health_enabled()) {
		struct vg_health_counters h;
		char why[128];

		vg_health_counters(&h);
		rte_tel_data_add_dict_u64(d, "healthy", vg_health_get(why, sizeof(why)));
		rte_tel_data_add_dict_string(d, "health_reason", why);
		rte_tel_data_add_dict_u64(d, "health_tcp_accepted", h.tcp_accepted);
		rte_tel_data_add_dict_u64(d, "health_http_ok", h.http_ok);
		rte_tel_data_add_dict_u64(d, "health_http_unhealthy", h.http_unhealthy);
		rte_tel_data_add_dict_u64(d, "health_http_other", h.http_other);
		rte_tel_data_add_dict_u64(d, "health_changes", h.changes);
	}
	return 0;
}

void
vg_telemetry_open(const struct vg_live *live, const struct vg_logshm *shm)
{
	static bool registered;

	tel_live = live;
	tel_shm = shm;
	__atomic_store_n(&tel_open, 1, __ATOMIC_RELEASE);
	if (registered)
		return;
	registered = true;
	/* Failure (telemetry off with --no-telemetry) only loses the commands. */
	rte_telemetry_register_cmd("/vigil/stats", tel_stats,
		"vigil's counters since the start: packets, drops at each stage, connections. "
		"Takes no parameters");
	rte_telemetry_register_cmd(
		"/vigil/workers", tel_workers, "The worker indexes. Takes no parameters");
	rte_telemetry_register_cmd(
		"/vigil/worker", tel_worker, "One worker's counters. Parameter: the worker index");
	rte_telemetry_register_cmd("/vigil/ports", tel_ports,
		"Every port's name, driver, link and RX counters. Takes no parameters");
	rte_telemetry_register_cmd("/vigil/logs", tel_logs,
		"Every log's records made, dropped and written. Takes no parameters");
	rte_telemetry_register_cmd("/vigil/sig", tel_sig,
		"The running signature set: files, rules, generation, reloads, counters. Takes "
		"no parameters");
	rte_telemetry_register_cmd("/vigil/exception", tel_exception,
		"The exception path (host traffic to and from the kernel) and the health "
		"checks. Takes no parameters");
	rte_telemetry_register_cmd("/vigil/logd", tel_logd,
		"vigil-logd's rings: segment, reader, lag, per ring fill, records, drops. Takes "
		"no parameters");
}

void
vg_telemetry_close(void)
{
	__atomic_store_n(&tel_open, 0, __ATOMIC_RELEASE);
}
