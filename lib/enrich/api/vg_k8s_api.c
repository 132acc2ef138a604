/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-cluster API client (vg_k8s_api.h): its start, drain, counters and
 * stop. Each kind's LIST/WATCH runs on a thread of its own
 * (vg_k8s_kind.c).
 *
 * A thread per kind rather than one curl multi loop: blocking transfers keep
 * each kind's protocol a plain sequence of steps, one kind's slow LIST or
 * stalled stream never delays another, and six mostly sleeping threads cost
 * nothing worth a state machine. Stop is seen within a second: libcurl's
 * progress callback and the backoff wait both look at the flag.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vg_k8s_api_int.h"

const struct vg_k8s_res vg_k8s_res[VG_K8S_API_NKINDS] = {
	[VG_K8S_API_PODS] = {"pods", "/api/v1/pods", true},
	[VG_K8S_API_SERVICES] = {"services", "/api/v1/services", true},
	[VG_K8S_API_NODES] = {"nodes", "/api/v1/nodes", false},
	[VG_K8S_API_ENDPOINTSLICES] = {"endpointslices", "/apis/discovery.k8s.io/v1/endpointslices",
		true},
	[VG_K8S_API_REPLICASETS] = {"replicasets", "/apis/apps/v1/replicasets", true},
	[VG_K8S_API_JOBS] = {"jobs", "/apis/batch/v1/jobs", true},
};

const char *
vg_k8s_api_kind_name(enum vg_k8s_api_kind kind)
{
	return kind < VG_K8S_API_NKINDS ? vg_k8s_res[kind].name : "?";
}

const char *
vg_k8s_api_ev_name(enum vg_k8s_api_ev type)
{
	static const char *const names[] = {"ADDED", "MODIFIED", "DELETED"};

	return type <= VG_K8S_API_DELETED ? names[type] : "?";
}

int64_t
vg_k8s_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void
vg_k8s_say(struct vg_k8s_api *api, const char *line)
{
	struct vg_k8s_qev ev = {.what = VG_K8S_Q_MESSAGE, .now_ns = vg_k8s_wall_ns()};

	if (!api->quiet)
		fprintf(stderr, "%s: %s\n", api->prog, line);
	ev.msg = strdup(line);
	if (ev.msg != NULL)
		vg_k8s_queue_push(&api->q, &ev, 0);
}

static int
base_url(const struct vg_k8s_api_cfg *cfg, char **out, char *err, size_t errlen)
{
	const char *host, *port;
	int n;

	if (cfg->url != NULL) {
		if (strncmp(cfg->url, "https://", 8) != 0 || cfg->url[8] == '\0') {
			snprintf(
				err, errlen, "the API URL '%s' must start with https://", cfg->url);
			return -1;
		}
		*out = strdup(cfg->url);
		if (*out == NULL)
			return -1;
		size_t l = strlen(*out);

		while (l > 8 && (*out)[l - 1] == '/')
			(*out)[--l] = '\0';
		return 0;
	}
	host = getenv("KUBERNETES_SERVICE_HOST");
	port = getenv("KUBERNETES_SERVICE_PORT");
	if (host == NULL || host[0] == '\0') {
		snprintf(err, errlen,
			"KUBERNETES_SERVICE_HOST is not set (not in a pod?); give the API's URL "
			"with --k8s-api-url");
		return -1;
	}
	if (port == NULL || port[0] == '\0')
		port = "443";
	n = strchr(host, ':') ? asprintf(out, "https://[%s]:%s", host, port)
			      : asprintf(out, "https://%s:%s", host, port);
	return n < 0 ? -1 : 0;
}

static void
api_free(struct vg_k8s_api *api)
{
	for (int i = 0; i < VG_K8S_API_NKINDS; i++)
		if (api->k[i].curl != NULL)
			curl_easy_cleanup(api->k[i].curl);
	if (api->q.ev != NULL)
		vg_k8s_queue_fini(&api->q);
	free(api->base);
	free(api->token_file);
	free(api->ca_file);
	free(api->prog);
	free(api->token);
	free(api);
}

static int
api_setup(struct vg_k8s_api *api, const struct vg_k8s_api_cfg *cfg, char *err, size_t errlen)
{
	api->token_file = strdup(cfg->token_file ? cfg->token_file : VG_K8S_SA_DIR "/token");
	api->ca_file = strdup(cfg->ca_file ? cfg->ca_file : VG_K8S_SA_DIR "/ca.crt");
	api->prog = strdup(cfg->prog ? cfg->prog : "vigil");
	if (api->token_file == NULL || api->ca_file == NULL || api->prog == NULL)
		goto oom;
	if (base_url(cfg, &api->base, err, errlen) != 0)
		return -1;
	if (vg_k8s_token_read(api->token_file, &api->token, &api->token_st) != 0) {
		snprintf(err, errlen,
			"cannot read the service account token %s (%s); run in a pod with a "
			"service account or give --k8s-token FILE",
			api->token_file, strerror(errno));
		return -1;
	}
	if (access(api->ca_file, R_OK) != 0) {
		snprintf(err, errlen, "cannot read the CA file %s (%s); give --k8s-ca FILE",
			api->ca_file, strerror(errno));
		return -1;
	}
	api->page_limit = cfg->page_limit ? cfg->page_limit : 500;
	api->watch_timeout_s = cfg->watch_timeout_s ? cfg->watch_timeout_s : 300;
	api->backoff_min_ms = cfg->backoff_min_ms ? cfg->backoff_min_ms : 500;
	api->backoff_max_ms = cfg->backoff_max_ms ? cfg->backoff_max_ms : 30000;
	if (api->backoff_max_ms < api->backoff_min_ms)
		api->backoff_max_ms = api->backoff_min_ms;
	api->quiet = cfg->quiet;
	if (vg_k8s_queue_init(&api->q, cfg->queue_cap ? cfg->queue_cap : 65536) != 0)
		goto oom;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

struct vg_k8s_api *
vg_k8s_api_start(const struct vg_k8s_api_cfg *cfg, char *err, size_t errlen)
{
	struct vg_k8s_api *api = calloc(1, sizeof(*api));
	pthread_condattr_t ca;
	uint32_t kinds = cfg->kinds ? cfg->kinds : (1u << VG_K8S_API_NKINDS) - 1;

	if (api == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (api_setup(api, cfg, err, errlen) != 0) {
		api_free(api);
		return NULL;
	}
	/* Before any thread: libcurl's global state is not made thread-safely. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	pthread_mutex_init(&api->token_lock, NULL);
	pthread_mutex_init(&api->stat_lock, NULL);
	pthread_mutex_init(&api->nap_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&api->nap_cond, &ca);
	pthread_condattr_destroy(&ca);
	for (int i = 0; i < VG_K8S_API_NKINDS; i++) {
		struct kind_state *k = &api->k[i];

		k->api = api;
		k->kind = (enum vg_k8s_api_kind)i;
		k->rng = (uint64_t)vg_k8s_wall_ns() ^ ((uint64_t)(i + 1) * 0x9e3779b97f4a7c15ULL);
		if (!(kinds & (1u << i)))
			continue;
		k->curl = curl_easy_init();
		if (k->curl == NULL || pthread_create(&k->thread, NULL, vg_k8s_kind_main, k) != 0) {
			snprintf(err, errlen, "cannot start the API reader for %s",
				vg_k8s_res[i].name);
			vg_k8s_api_free(api);
			return NULL;
		}
		k->started = true;
	}
	return api;
}

size_t
vg_k8s_api_drain(struct vg_k8s_api *api, const struct vg_k8s_api_sink *s, size_t max)
{
	struct vg_k8s_qev b[64];
	size_t total = 0;

	while (total < max) {
		uint32_t want = max - total < 64 ? (uint32_t)(max - total) : 64;
		uint32_t n = vg_k8s_queue_pop(&api->q, b, want);

		if (n == 0)
			break;
		for (uint32_t i = 0; i < n; i++) {
			struct vg_k8s_qev *e = &b[i];
			enum vg_k8s_api_kind kind = (enum vg_k8s_api_kind)e->kind;

			if (e->what == VG_K8S_Q_BEGIN && s->list_begin)
				s->list_begin(s->ctx, kind, e->now_ns);
			else if (e->what == VG_K8S_Q_EVENT && s->event)
				s->event(s->ctx, kind, (enum vg_k8s_api_ev)e->type, e->obj,
					e->now_ns);
			else if (e->what == VG_K8S_Q_END && s->list_end)
				s->list_end(s->ctx, kind, e->now_ns);
			else if (e->what == VG_K8S_Q_MESSAGE && s->message)
				s->message(s->ctx, e->msg, e->now_ns);
			vg_k8s_qev_free(e);
		}
		total += n;
	}
	return total;
}

void
vg_k8s_api_stats(struct vg_k8s_api *api, struct vg_k8s_api_stats *out)
{
	const size_t ncount =
		offsetof(struct vg_k8s_api_kind_stats, resource_version) / sizeof(uint64_t);

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < VG_K8S_API_NKINDS; i++) {
		const uint64_t *src = (const uint64_t *)&api->k[i].st;
		uint64_t *dst = (uint64_t *)&out->kind[i];

		for (size_t j = 0; j < ncount; j++)
			dst[j] = __atomic_load_n(&src[j], __ATOMIC_RELAXED);
		pthread_mutex_lock(&api->stat_lock);
		memcpy(out->kind[i].resource_version, api->k[i].st.resource_version,
			sizeof(out->kind[i].resource_version));
		pthread_mutex_unlock(&api->stat_lock);
	}
	out->token_reloads = __atomic_load_n(&api->token_reloads, __ATOMIC_RELAXED);
	out->token_errors = __atomic_load_n(&api->token_errors, __ATOMIC_RELAXED);
	out->queued = vg_k8s_queue_count(&api->q);
}

uint64_t
vg_k8s_api_stats_sum(const struct vg_k8s_api_stats *s, size_t field)
{
	uint64_t sum = 0;

	for (int i = 0; i < VG_K8S_API_NKINDS; i++)
		sum += *(const uint64_t *)((const char *)&s->kind[i] + field);
	return sum;
}

void
vg_k8s_api_stop(struct vg_k8s_api *api)
{
	if (api == NULL || __atomic_exchange_n(&api->stopping, 1, __ATOMIC_RELAXED) != 0)
		return;
	pthread_mutex_lock(&api->nap_lock);
	pthread_cond_broadcast(&api->nap_cond);
	pthread_mutex_unlock(&api->nap_lock);
	for (int i = 0; i < VG_K8S_API_NKINDS; i++)
		if (api->k[i].started)
			pthread_join(api->k[i].thread, NULL);
}

void
vg_k8s_api_free(struct vg_k8s_api *api)
{
	if (api == NULL)
		return;
	vg_k8s_api_stop(api);
	pthread_mutex_destroy(&api->token_lock);
	pthread_mutex_destroy(&api->stat_lock);
	pthread_mutex_destroy(&api->nap_lock);
	pthread_cond_destroy(&api->nap_cond);
	api_free(api);
}
