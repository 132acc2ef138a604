/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vg_common.h"
#include "vg_logd_k8s.h"
#include "vg_logd_metrics.h"
#include "vg_metrics_http.h"
#include "vg_schema.h"

#define RD(x)    __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WR(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static struct vg_metrics_server *server;
static double started;

void
vg_logd_figures_rings(struct vg_logd_figures *f, const struct vg_logshm *shm)
{
	uint32_t n = shm->nrings < VG_LOGD_MAX_RINGS ? shm->nrings : VG_LOGD_MAX_RINGS;

	for (uint32_t i = 0; i < n; i++) {
		const struct vg_ring *r = &shm->rings[i];

		WR(f->ring[i].used, vg_ring_used(r));
		WR(f->ring[i].size, r->size);
		WR(f->ring[i].records, __atomic_load_n(&r->hdr->records, __ATOMIC_RELAXED));
		WR(f->ring[i].drops, __atomic_load_n(&r->hdr->drops, __ATOMIC_RELAXED));
	}
	WR(f->nrings, n);
	WR(f->attached, 1);
	WR(f->producer_alive, vg_logshm_producer_alive(shm) ? 1 : 0);
}

static void
emit_logs(struct vg_prom *p, struct vg_logd_figures *f, bool bytes)
{
	if (bytes)
		vg_prom_family(p, "vigil_logd_written_bytes_total", VG_PROM_COUNTER,
			"Bytes vigil-logd wrote, by log.");
	else
		vg_prom_family(p, "vigil_logd_written_records_total", VG_PROM_COUNTER,
			"Records vigil-logd wrote, by log.");
	for (uint16_t id = 0; id < VG_LOG_MAX; id++) {
		const struct vg_schema *s = vg_schema_get(id);
		struct vg_prom_label l = {"log", s ? s->path : ""};

		if (s != NULL)
			vg_prom_u64(p, &l, 1,
				bytes ? RD(f->written.bytes[id]) : RD(f->written.records[id]));
	}
}

static void
emit_rings(struct vg_prom *p, struct vg_logd_figures *f)
{
	static const struct {
		const char *name, *help;
		enum vg_prom_type type;
		size_t off;
	} rs[] = {
		{"vigil_logd_ring_backlog_bytes", "Bytes waiting in the ring for vigil-logd.",
			VG_PROM_GAUGE, offsetof(struct vg_logd_ring_figures, used)},
		{"vigil_logd_ring_size_bytes", "The ring's size.", VG_PROM_GAUGE,
			offsetof(struct vg_logd_ring_figures, size)},
		{"vigil_logd_ring_records_total",
			"Records the sensor put into the ring (kept in the segment across "
			"restarts).",
			VG_PROM_COUNTER, offsetof(struct vg_logd_ring_figures, records)},
		{"vigil_logd_ring_dropped_records_total",
			"Records the sensor dropped because the ring was full.", VG_PROM_COUNTER,
			offsetof(struct vg_logd_ring_figures, drops)},
	};
	uint32_t n = RD(f->nrings);
	char idx[12];

	for (size_t k = 0; k < sizeof(rs) / sizeof(rs[0]); k++) {
		vg_prom_family(p, rs[k].name, rs[k].type, rs[k].help);
		for (uint32_t i = 0; i < n; i++) {
			struct vg_prom_label l = {"ring", idx};
			uint64_t v;

			snprintf(idx, sizeof(idx), "%u", i);
			v = __atomic_load_n(
				(const uint64_t *)((const char *)&f->ring[i] + rs[k].off),
				__ATOMIC_RELAXED);
			vg_prom_u64(p, &l, 1, v);
		}
	}
}

/* Per --sink: records offered, sent, dropped by reason, queued; connections. */
static void
emit_sinks(struct vg_prom *p, struct vg_logd_figures *f)
{
	static const struct {
		const char *name, *help;
		enum vg_prom_type type;
		size_t off;
	} fs[] = {
		{"vigil_logd_sink_offered_records_total", "Records given to the sink.",
			VG_PROM_COUNTER, offsetof(struct vg_sink_stats, offered)},
		{"vigil_logd_sink_sent_records_total",
			"Records the sink wrote to its connection (Kafka: delivered).",
			VG_PROM_COUNTER, offsetof(struct vg_sink_stats, sent)},
		{"vigil_logd_sink_sent_bytes_total", "Bytes of those records as sent.",
			VG_PROM_COUNTER, offsetof(struct vg_sink_stats, sent_bytes)},
		{"vigil_logd_sink_queued_records", "Records waiting in the sink's queue.",
			VG_PROM_GAUGE, offsetof(struct vg_sink_stats, queued)},
		{"vigil_logd_sink_connects_total", "Connections the sink made.", VG_PROM_COUNTER,
			offsetof(struct vg_sink_stats, connects)},
		{"vigil_logd_sink_connection_failures_total",
			"Connection attempts that failed and connections lost.", VG_PROM_COUNTER,
			offsetof(struct vg_sink_stats, conn_failures)},
	};
	unsigned int n = vg_sinks_count(f->sinks);
	struct vg_sink_stats st[VG_SINK_MAX];

	if (n == 0)
		return;
	for (unsigned int i = 0; i < n; i++)
		vg_sinks_stats(f->sinks, i, &st[i]);
	for (size_t k = 0; k < sizeof(fs) / sizeof(fs[0]); k++) {
		vg_prom_family(p, fs[k].name, fs[k].type, fs[k].help);
		for (unsigned int i = 0; i < n; i++) {
			struct vg_prom_label l = {"sink", vg_sinks_name(f->sinks, i)};
			uint64_t v;

			memcpy(&v, (const char *)&st[i] + fs[k].off, sizeof(v));
			vg_prom_u64(p, &l, 1, v);
		}
	}
	vg_prom_family(p, "vigil_logd_sink_dropped_records_total", VG_PROM_COUNTER,
		"Records the sink dropped, by reason (queue_full, too_large, send_failed, "
		"unsent_at_exit).");
	for (unsigned int i = 0; i < n; i++)
		for (int d = 0; d < VG_SINK_DROP_N; d++) {
			struct vg_prom_label l[2] = {{"sink", vg_sinks_name(f->sinks, i)},
				{"reason", vg_sink_drop_name((enum vg_sink_drop)d)}};

			vg_prom_u64(p, l, 2, st[i].dropped[d]);
		}
	vg_prom_family(p, "vigil_logd_sink_up", VG_PROM_GAUGE,
		"1 while the sink is connected (Kafka: a broker answered lately).");
	for (unsigned int i = 0; i < n; i++) {
		struct vg_prom_label l = {"sink", vg_sinks_name(f->sinks, i)};

		vg_prom_u64(p, &l, 1, st[i].up ? 1 : 0);
	}
}

/* The export policy's counts per log (lib/policy): counters, then rates and settings. */
static void
emit_policy(struct vg_prom *p, const struct vg_policy_ctl *c)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} cs[] = {
		{"vigil_logd_offered_records_total",
			"Records that reached the export policy, by log.",
			offsetof(struct vg_policy_counts, offered)},
		{"vigil_logd_offered_bytes_total",
			"Bytes of the lines of the records offered to the export policy, by log.",
			offsetof(struct vg_policy_counts, offered_bytes)},
		{"vigil_logd_exported_records_total", "Records the export policy let out, by log.",
			offsetof(struct vg_policy_counts, exported)},
		{"vigil_logd_exported_bytes_total", "Bytes exported, by log.",
			offsetof(struct vg_policy_counts, exported_bytes)},
	};
	static const struct {
		const char *name, *help;
		size_t off;
	} rs[] = {
		{"vigil_logd_offered_records_per_second",
			"Records offered per second over the last second, by log.",
			offsetof(struct vg_policy_rates, offered)},
		{"vigil_logd_offered_bytes_per_second",
			"Bytes offered per second over the last second, by log.",
			offsetof(struct vg_policy_rates, offered_bytes)},
		{"vigil_logd_exported_records_per_second",
			"Records exported per second over the last second, by log.",
			offsetof(struct vg_policy_rates, exported)},
		{"vigil_logd_exported_bytes_per_second",
			"Bytes exported per second over the last second, by log.",
			offsetof(struct vg_policy_rates, exported_bytes)},
	};
	static const char *const reasons[VG_POLICY_NVERDICTS] = {
		[VG_POLICY_DROP_OFF] = "off",
		[VG_POLICY_DROP_FILTER] = "filter",
		[VG_POLICY_DROP_SAMPLE] = "sample",
	};
	uint16_t nlogs = vg_schema_count();

	for (size_t k = 0; k < sizeof(cs) / sizeof(cs[0]); k++) {
		vg_prom_family(p, cs[k].name, VG_PROM_COUNTER, cs[k].help);
		for (uint16_t id = 0; id < nlogs && id < VG_LOG_MAX; id++) {
			const struct vg_schema *s = vg_schema_get(id);
			struct vg_prom_label l = {"log", s ? s->path : ""};

			if (s != NULL)
				vg_prom_u64(p, &l, 1,
					__atomic_load_n(
						(const uint64_t *)((const char *)&c->count[id] +
							cs[k].off),
						__ATOMIC_RELAXED));
		}
	}
	vg_prom_family(p, "vigil_logd_policy_dropped_records_total", VG_PROM_COUNTER,
		"Records the export policy did not let out, by log and reason (off: the log is "
		"off; filter: an include/exclude rule; sample: not sampled).");
	for (uint16_t id = 0; id < nlogs && id < VG_LOG_MAX; id++) {
		const struct vg_schema *s = vg_schema_get(id);

		for (int v = VG_POLICY_DROP_OFF; s != NULL && v < VG_POLICY_NVERDICTS; v++) {
			struct vg_prom_label l[2] = {{"log", s->path}, {"reason", reasons[v]}};

			vg_prom_u64(p, l, 2, RD(c->count[id].dropped[v]));
		}
	}
	for (size_t k = 0; k < sizeof(rs) / sizeof(rs[0]); k++) {
		vg_prom_family(p, rs[k].name, VG_PROM_GAUGE, rs[k].help);
		for (uint16_t id = 0; id < nlogs && id < VG_LOG_MAX; id++) {
			const struct vg_schema *s = vg_schema_get(id);
			struct vg_prom_label l = {"log", s ? s->path : ""};
			double v;

			if (s == NULL)
				continue;
			__atomic_load((const double *)((const char *)&c->rate[id] + rs[k].off), &v,
				__ATOMIC_RELAXED);
			vg_prom_double(p, &l, 1, v);
		}
	}
	vg_prom_family(p, "vigil_logd_log_sample_ratio", VG_PROM_GAUGE,
		"The share of connections the export policy keeps, by log (1: all).");
	for (uint16_t id = 0; id < nlogs && id < VG_LOG_MAX; id++) {
		const struct vg_schema *s = vg_schema_get(id);
		struct vg_prom_label l = {"log", s ? s->path : ""};

		if (s != NULL)
			vg_prom_double(p, &l, 1, RD(c->sample_ppm[id]) / 1e6);
	}
	vg_prom_family(p, "vigil_logd_log_enabled", VG_PROM_GAUGE,
		"1 when the export policy lets the log out, 0 when it is off.");
	for (uint16_t id = 0; id < nlogs && id < VG_LOG_MAX; id++) {
		const struct vg_schema *s = vg_schema_get(id);
		struct vg_prom_label l = {"log", s ? s->path : ""};

		if (s != NULL)
			vg_prom_u64(p, &l, 1, RD(c->enabled[id]));
	}
	vg_prom_family(p, "vigil_logd_policy_reloads_total", VG_PROM_COUNTER,
		"Export policy files read again and taken.");
	vg_prom_u64(p, NULL, 0, RD(c->reloads));
	vg_prom_family(p, "vigil_logd_policy_reload_errors_total", VG_PROM_COUNTER,
		"Export policy files that failed to compile on a reload (the running policy "
		"stayed).");
	vg_prom_u64(p, NULL, 0, RD(c->reload_errors));
}

/* Seconds since vigil-logd last had every ring drained; 0 while it keeps up. */
static double
lag_seconds(struct vg_logd_figures *f)
{
	uint64_t at = RD(f->caught_up_ns), now = vg_mono_ns();

	/* The main loop marks it on each idle turn (at most 50 ms apart). */
	if (at == 0 || now - at < 200000000ULL)
		return 0.0;
	return (double)(now - at) / 1e9;
}

static void
fill(struct vg_prom *p, void *ctx)
{
	struct vg_logd_figures *f = ctx;

	vg_prom_family(p, "vigil_logd_start_time_seconds", VG_PROM_GAUGE,
		"When vigil-logd started, seconds since the epoch.");
	vg_prom_double(p, NULL, 0, started);
	vg_prom_family(p, "vigil_logd_attached", VG_PROM_GAUGE,
		"1 once vigil-logd reads the sensor's segment.");
	vg_prom_u64(p, NULL, 0, RD(f->attached));
	vg_prom_family(p, "vigil_logd_producer_up", VG_PROM_GAUGE,
		"1 while the sensor is attached to the segment.");
	vg_prom_u64(p, NULL, 0, RD(f->producer_alive));
	vg_prom_family(p, "vigil_logd_records_total", VG_PROM_COUNTER,
		"Records vigil-logd wrote, all logs.");
	vg_prom_u64(p, NULL, 0, RD(f->records));
	vg_prom_family(p, "vigil_logd_malformed_records_total", VG_PROM_COUNTER,
		"Records skipped as malformed.");
	vg_prom_u64(p, NULL, 0, RD(f->malformed));
	vg_prom_family(p, "vigil_logd_lag_seconds", VG_PROM_GAUGE,
		"Seconds since every ring was last drained (0 while vigil-logd keeps up).");
	vg_prom_double(p, NULL, 0, lag_seconds(f));
	emit_logs(p, f, false);
	emit_logs(p, f, true);
	emit_rings(p, f);
	if (f->k8s_api != NULL)
		vg_logd_k8s_prom(p, f->k8s_api);
	emit_sinks(p, f);
	if (f->policy != NULL)
		emit_policy(p, f->policy);
}

int
vg_logd_metrics_start(const char *listen, struct vg_logd_figures *f)
{
	char err[512];
	struct timespec ts;
	int fd;

	if (listen == NULL)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	started = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	fd = vg_metrics_listen("--metrics-listen", listen, err, sizeof(err));
	if (fd >= 0)
		server = vg_metrics_start(fd, fill, f, err, sizeof(err));
	if (fd < 0 || server == NULL) {
		fprintf(stderr, "vigil-logd: %s\n", err);
		return -1;
	}
	return 0;
}

void
vg_logd_metrics_stop(void)
{
	vg_metrics_stop(server);
	server = NULL;
}
