/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-cluster Kubernetes API client: LIST then WATCH of pods, services,
 * nodes, endpointslices (discovery.k8s.io/v1), replicasets (apps/v1) and
 * jobs (batch/v1) in all namespaces, over HTTPS with the service account's
 * token and CA. One reader thread per kind (blocking libcurl); the parsed
 * events reach the caller's thread through a bounded queue, drained there
 * with vg_k8s_api_drain into a sink (the inventory of vg_k8s.h, or a test's
 * store). The caller's thread is the only one that sees the objects after
 * the queue, so the inventory needs no lock. doc/enrich.md has the protocol
 * (pagination, resourceVersion, bookmarks, 410 Gone, backoff).
 */
#ifndef VG_K8S_API_H
#define VG_K8S_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum vg_k8s_api_kind {
	VG_K8S_API_PODS,
	VG_K8S_API_SERVICES,
	VG_K8S_API_NODES,
	VG_K8S_API_ENDPOINTSLICES,
	VG_K8S_API_REPLICASETS,
	VG_K8S_API_JOBS,
	VG_K8S_API_NKINDS
};

/* "pods", "services", ...: the resource's name in its URL. */
const char *vg_k8s_api_kind_name(enum vg_k8s_api_kind kind);

enum vg_k8s_api_ev { VG_K8S_API_ADDED, VG_K8S_API_MODIFIED, VG_K8S_API_DELETED };

/* "ADDED", "MODIFIED", "DELETED". */
const char *vg_k8s_api_ev_name(enum vg_k8s_api_ev type);

/*
 * Where drained events go, on the draining thread. A LIST arrives as
 * list_begin, one ADDED event per object, list_end: objects of that kind not
 * seen since list_begin are gone. A LIST that fails half-way sends no
 * list_end (its objects are current, nothing is deleted); the next LIST
 * begins anew. message: one line about a problem (stderr has it already),
 * for reporter.log. Any callback may be NULL.
 */
struct vg_k8s_api_sink {
	void *ctx;
	void (*list_begin)(void *ctx, enum vg_k8s_api_kind kind, int64_t now_ns);
	void (*event)(void *ctx, enum vg_k8s_api_kind kind, enum vg_k8s_api_ev type,
		const json_t *obj, int64_t now_ns);
	void (*list_end)(void *ctx, enum vg_k8s_api_kind kind, int64_t now_ns);
	void (*message)(void *ctx, const char *line, int64_t now_ns);
};

#define VG_K8S_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

struct vg_k8s_api_cfg {
	const char *url;          /* https://HOST:PORT; NULL: KUBERNETES_SERVICE_HOST/_PORT */
	const char *token_file;   /* NULL: VG_K8S_SA_DIR/token; re-read when it changes */
	const char *ca_file;      /* NULL: VG_K8S_SA_DIR/ca.crt */
	uint32_t kinds;           /* bit (1 << kind) per kind to follow; 0: all */
	uint32_t page_limit;      /* LIST ?limit=; 0: 500 */
	uint32_t watch_timeout_s; /* WATCH ?timeoutSeconds=; 0: 300 */
	uint32_t backoff_min_ms;  /* first wait after a failure; 0: 500 */
	uint32_t backoff_max_ms;  /* doubling (with jitter) up to this; 0: 30000 */
	uint32_t queue_cap;       /* events waiting for the drain; 0: 65536 */
	bool quiet;               /* no lines on stderr (the sink's message still gets them) */
	const char *prog;         /* prefix of stderr lines; NULL: "vigil" */
};

struct vg_k8s_api_kind_stats {
	uint64_t lists;            /* LISTs completed (every page read) */
	uint64_t list_pages;       /* pages read */
	uint64_t relists;          /* LISTs forced by 410 Gone, an ERROR event or a queue drop */
	uint64_t watches;          /* WATCH requests answered 200 (as the answer comes) */
	uint64_t retries;          /* waits (backoff) after a failure */
	uint64_t events;           /* ADDED, MODIFIED, DELETED queued */
	uint64_t bookmarks;        /* BOOKMARK events */
	uint64_t error_events;     /* ERROR events */
	uint64_t gone;             /* HTTP 410 answers */
	uint64_t http_errors;      /* other answers than 200 and 410 */
	uint64_t tls_errors;       /* TLS handshake or certificate failures */
	uint64_t net_errors;       /* connect, timeout and other transfer failures */
	uint64_t stream_cuts;      /* streams or pages that ended inside an object */
	uint64_t bad_lines;        /* watch lines that are not an event */
	uint64_t bad_objects;      /* objects without the fields needed (skipped) */
	uint64_t drops;            /* events the full queue refused (then a relist) */
	char resource_version[64]; /* the last one known ("" before the first LIST) */
};

struct vg_k8s_api_stats {
	struct vg_k8s_api_kind_stats kind[VG_K8S_API_NKINDS];
	uint64_t token_reloads; /* the token file changed and was read again */
	uint64_t token_errors;  /* it could not be read (the old token is kept) */
	uint64_t queued;        /* events waiting for the drain now */
};

struct vg_k8s_api;

/*
 * Checks the configuration (URL, token, CA readable), starts one thread per
 * kind and returns; NULL with a one-line reason in err (what to do included).
 */
struct vg_k8s_api *vg_k8s_api_start(const struct vg_k8s_api_cfg *cfg, char *err, size_t errlen);

/* Hands up to max queued events to sink on this thread; how many. */
size_t vg_k8s_api_drain(struct vg_k8s_api *api, const struct vg_k8s_api_sink *sink, size_t max);

/* A copy of the counters (any thread). */
void vg_k8s_api_stats(struct vg_k8s_api *api, struct vg_k8s_api_stats *out);

/* Sums a field over the kinds; offsetof a uint64_t of vg_k8s_api_kind_stats. */
uint64_t vg_k8s_api_stats_sum(const struct vg_k8s_api_stats *s, size_t field);

/*
 * Stops the threads (within about a second); what they queued can still be
 * drained and the counters read.
 */
void vg_k8s_api_stop(struct vg_k8s_api *api);
/* Stops if needed, drops what is still queued, frees. */
void vg_k8s_api_free(struct vg_k8s_api *api);

#endif /* VG_K8S_API_H */
