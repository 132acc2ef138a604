/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "vg_logd_k8s.h"
#include "vg_reporter.h"

#define REFUSAL_EVERY_NS 10000000000LL /* one line about refused objects per 10 s */

/* The client's kinds are the inventory's, one for one. */
static const enum vg_k8s_kind inv_kind[VG_K8S_API_NKINDS] = {
	[VG_K8S_API_PODS] = VG_K8S_POD,
	[VG_K8S_API_SERVICES] = VG_K8S_SERVICE,
	[VG_K8S_API_NODES] = VG_K8S_NODE,
	[VG_K8S_API_ENDPOINTSLICES] = VG_K8S_ENDPOINTSLICE,
	[VG_K8S_API_REPLICASETS] = VG_K8S_REPLICASET,
	[VG_K8S_API_JOBS] = VG_K8S_JOB,
};

static const enum vg_k8s_event inv_event[] = {
	[VG_K8S_API_ADDED] = VG_K8S_ADDED,
	[VG_K8S_API_MODIFIED] = VG_K8S_MODIFIED,
	[VG_K8S_API_DELETED] = VG_K8S_DELETED,
};

struct pump {
	struct vg_logd_k8s *k;
	struct vg_logwriter *w;
};

static void
write_reporter(struct vg_logd_k8s *k, struct vg_logwriter *w, const char *line, int64_t now_ns)
{
	uint8_t rec[512];
	uint32_t len = vg_reporter_record(
		rec, sizeof(rec), (uint64_t)now_ns, VG_REPORTER_WARNING, line, "k8s-api");

	if (len != 0 && vg_logwriter_write(w, rec, len) == 0)
		k->reported++;
	else
		k->unreported++;
}

/* A problem line into reporter.log, or kept until the writer exists. */
static void
to_reporter(struct pump *p, const char *line, int64_t now_ns)
{
	struct vg_logd_k8s *k = p->k;

	if (p->w != NULL) {
		write_reporter(k, p->w, line, now_ns);
		return;
	}
	if (k->npending == VG_LOGD_K8S_PENDING) {
		k->unreported++;
		return;
	}
	snprintf(k->pending[k->npending], sizeof(k->pending[0]), "%s", line);
	k->pending_ns[k->npending++] = now_ns;
}

static void
on_begin(void *ctx, enum vg_k8s_api_kind kind, int64_t now_ns)
{
	struct pump *p = ctx;

	(void)now_ns;
	vg_k8s_inv_list_begin(p->k->inv, inv_kind[kind]);
}

static void
on_event(void *ctx, enum vg_k8s_api_kind kind, enum vg_k8s_api_ev type, const json_t *obj,
	int64_t now_ns)
{
	struct pump *p = ctx;
	struct vg_logd_k8s *k = p->k;
	char line[320];

	if (vg_k8s_inv_apply(k->inv, inv_kind[kind], inv_event[type], obj, now_ns) == 0)
		return;
	/* The inventory keeps its state and counts; say so now and then. */
	k->refused++;
	if (k->refusal_said_ns != 0 && now_ns - k->refusal_said_ns < REFUSAL_EVERY_NS)
		return;
	k->refusal_said_ns = now_ns;
	snprintf(line, sizeof(line),
		"k8s-api: %s: the inventory refused an object (%s; %" PRIu64 " refused so far)",
		vg_k8s_api_kind_name(kind), vg_k8s_inv_error(k->inv), k->refused);
	if (!k->quiet)
		fprintf(stderr, "vigil-logd: %s\n", line);
	to_reporter(p, line, now_ns);
}

static void
on_end(void *ctx, enum vg_k8s_api_kind kind, int64_t now_ns)
{
	struct pump *p = ctx;

	vg_k8s_inv_list_end(p->k->inv, inv_kind[kind], now_ns);
}

static void
on_message(void *ctx, const char *line, int64_t now_ns)
{
	to_reporter(ctx, line, now_ns);
}

int
vg_logd_k8s_start(
	struct vg_logd_k8s *k, const struct vg_logd_k8s_opts *o, struct vg_k8s_inv *inv, bool quiet)
{
	struct vg_k8s_api_cfg cfg = {
		.url = o->url,
		.token_file = o->token,
		.ca_file = o->ca,
		.prog = "vigil-logd",
		.quiet = false, /* problems are said even with -q, as errors are */
	};
	char err[512];

	memset(k, 0, sizeof(*k));
	k->quiet = quiet;
	if (!o->api)
		return 0;
	k->inv = inv;
	k->api = vg_k8s_api_start(&cfg, err, sizeof(err));
	if (k->api == NULL) {
		fprintf(stderr, "vigil-logd: --k8s-api: %s\n", err);
		return -1;
	}
	return 0;
}

size_t
vg_logd_k8s_pump(struct vg_logd_k8s *k, struct vg_logwriter *w, size_t max)
{
	struct pump p = {k, w};
	struct vg_k8s_api_sink sink = {&p, on_begin, on_event, on_end, on_message};

	if (k->api == NULL)
		return 0;
	for (unsigned int i = 0; w != NULL && i < k->npending; i++)
		write_reporter(k, w, k->pending[i], k->pending_ns[i]);
	if (w != NULL)
		k->npending = 0;
	return vg_k8s_api_drain(k->api, &sink, max);
}

#define SUM(s, f) vg_k8s_api_stats_sum(s, offsetof(struct vg_k8s_api_kind_stats, f))

void
vg_logd_k8s_stats(struct vg_logd_k8s *k, FILE *f)
{
	struct vg_k8s_api_stats s;

	if (k->api == NULL)
		return;
	vg_k8s_api_stats(k->api, &s);
	fprintf(f,
		"vigil-logd: k8s-api lists %" PRIu64 " relists %" PRIu64 " watches %" PRIu64
		" events %" PRIu64 " bookmarks %" PRIu64 " retries %" PRIu64 " gone %" PRIu64
		" error-events %" PRIu64 " http-errors %" PRIu64 " tls-errors %" PRIu64
		" net-errors %" PRIu64 " stream-cuts %" PRIu64 " bad-lines %" PRIu64
		" bad-objects %" PRIu64 " drops %" PRIu64 " token-reloads %" PRIu64
		" refused %" PRIu64 " reported %" PRIu64 "\n",
		SUM(&s, lists), SUM(&s, relists), SUM(&s, watches), SUM(&s, events),
		SUM(&s, bookmarks), SUM(&s, retries), SUM(&s, gone), SUM(&s, error_events),
		SUM(&s, http_errors), SUM(&s, tls_errors), SUM(&s, net_errors),
		SUM(&s, stream_cuts), SUM(&s, bad_lines), SUM(&s, bad_objects), SUM(&s, drops),
		s.token_reloads, k->refused, k->reported);
}

void
vg_logd_k8s_prom(struct vg_prom *p, struct vg_k8s_api *api)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} cs[] = {
#define C(f, h) {"vigil_logd_k8s_api_" #f "_total", h, offsetof(struct vg_k8s_api_kind_stats, f)}
		C(lists, "Kubernetes API LISTs completed, by kind."),
		C(relists, "LISTs forced by 410 Gone, an ERROR event or a queue drop."),
		C(watches, "WATCH requests answered 200."),
		C(retries, "Backoff waits after a failure."),
		C(events, "ADDED, MODIFIED and DELETED events received."),
		C(bookmarks, "BOOKMARK events received."),
		C(error_events, "ERROR events received."),
		C(gone, "Answers 410 Gone."),
		C(http_errors, "Answers other than 200 and 410."),
		C(tls_errors, "TLS handshake or certificate failures."),
		C(net_errors, "Connect, timeout and other transfer failures."),
		C(stream_cuts, "Streams or pages that ended inside an object."),
		C(bad_lines, "Watch lines that were not an event."),
		C(bad_objects, "Objects skipped for missing fields."),
		C(drops, "Events the full queue refused."),
#undef C
	};
	struct vg_k8s_api_stats s;

	vg_k8s_api_stats(api, &s);
	for (size_t c = 0; c < sizeof(cs) / sizeof(cs[0]); c++) {
		vg_prom_family(p, cs[c].name, VG_PROM_COUNTER, cs[c].help);
		for (int i = 0; i < VG_K8S_API_NKINDS; i++) {
			struct vg_prom_label l = {
				"kind", vg_k8s_api_kind_name((enum vg_k8s_api_kind)i)};

			vg_prom_u64(p, &l, 1,
				*(const uint64_t *)((const char *)&s.kind[i] + cs[c].off));
		}
	}
	vg_prom_family(p, "vigil_logd_k8s_api_token_reloads_total", VG_PROM_COUNTER,
		"Times the service account token file changed and was read again.");
	vg_prom_u64(p, NULL, 0, s.token_reloads);
	vg_prom_family(p, "vigil_logd_k8s_api_queued_events", VG_PROM_GAUGE,
		"Events waiting for vigil-logd's main loop.");
	vg_prom_u64(p, NULL, 0, s.queued);
}

void
vg_logd_k8s_stop(struct vg_logd_k8s *k)
{
	vg_k8s_api_free(k->api);
	k->api = NULL;
}
