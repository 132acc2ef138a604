/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the API client: the state its files share (vg_k8s_api.c: start,
 * drain, stats, stop; vg_k8s_kind.c: a kind's LIST/WATCH thread;
 * vg_k8s_token.c: the token). Not for other libraries.
 */
#ifndef VG_K8S_API_INT_H
#define VG_K8S_API_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "vg_k8s_api.h"
#include "vg_k8s_queue.h"
#include "vg_k8s_watch.h"

#define TOKEN_MAX   (64u << 10)
#define PROBLEM_MAX 240

/* A kind's resource: its name, its path (all namespaces), whether namespaced. */
struct vg_k8s_res {
	const char *name, *path;
	bool namespaced;
};

extern const struct vg_k8s_res vg_k8s_res[VG_K8S_API_NKINDS];

struct kind_state {
	struct vg_k8s_api *api;
	enum vg_k8s_api_kind kind;
	pthread_t thread;
	bool started;
	CURL *curl;
	char rv[VG_K8S_RV_MAX];
	struct vg_k8s_api_kind_stats st; /* counters: atomic adds; rv under stat_lock */
	unsigned int fails;              /* failures in a row: the backoff's exponent */
	uint64_t rng;
	char last_problem[PROBLEM_MAX]; /* not printed again until the kind works */
};

struct vg_k8s_api {
	char *base, *token_file, *ca_file, *prog;
	uint32_t page_limit, watch_timeout_s, backoff_min_ms, backoff_max_ms;
	bool quiet;
	pthread_mutex_t token_lock; /* token and its file's identity */
	char *token;
	struct stat token_st;
	uint64_t token_reloads, token_errors;
	pthread_mutex_t stat_lock; /* resource_version copies */
	pthread_mutex_t nap_lock;
	pthread_cond_t nap_cond;
	int stopping;
	struct vg_k8s_queue q;
	struct kind_state k[VG_K8S_API_NKINDS];
};

static inline bool
stopping(const struct vg_k8s_api *api)
{
	return __atomic_load_n(&api->stopping, __ATOMIC_RELAXED) != 0;
}

static inline void
bump(uint64_t *v)
{
	__atomic_fetch_add(v, 1, __ATOMIC_RELAXED);
}

/* CLOCK_REALTIME in nanoseconds. */
int64_t vg_k8s_wall_ns(void);
/* A line for stderr (unless quiet) and for the sink's message (reporter.log). */
void vg_k8s_say(struct vg_k8s_api *api, const char *line);
/* Reads a token file: 0, or -1 with errno. */
int vg_k8s_token_read(const char *path, char **out, struct stat *st);
/* "Authorization: Bearer ..." with the current token (re-read if its file changed); malloc'ed. */
char *vg_k8s_auth_header(struct vg_k8s_api *api);
/* A kind's thread. */
void *vg_k8s_kind_main(void *arg);

#endif /* VG_K8S_API_INT_H */
