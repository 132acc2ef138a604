/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The API client (lib/enrich/api) against a server, for k8s_api_test.py: it
 * runs until SIGTERM (or --run-secs), drains the events into a small store
 * (what an inventory keeps: objects per kind by namespace/name, list_end
 * deleting what a LIST did not bring back; --drain-pause S: not for the
 * first S seconds, as a writer that is behind), then prints the store and the
 * counters:
 *   object KIND NAMESPACE/NAME RV
 *   kind KIND rv RV lists N list_pages N ... begins N ends N
 *   token reloads N errors N
 *   messages N
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vg_k8s_api.h"

#define MAX_OBJ 1024

struct obj {
	int kind;
	char key[256];
	char rv[64];
	unsigned int gen;
};

struct store {
	struct obj o[MAX_OBJ];
	int n;
	unsigned int gen[VG_K8S_API_NKINDS];
	unsigned int begins[VG_K8S_API_NKINDS], ends[VG_K8S_API_NKINDS];
	unsigned int messages;
};

static volatile sig_atomic_t stop;

static void
on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void
key_of(const json_t *obj, char *key, size_t cap, char *rv, size_t rvcap)
{
	const json_t *m = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(m, "namespace"));

	snprintf(key, cap, "%s/%s", ns ? ns : "", json_string_value(json_object_get(m, "name")));
	snprintf(rv, rvcap, "%s", json_string_value(json_object_get(m, "resourceVersion")));
}

static struct obj *
find(struct store *s, int kind, const char *key)
{
	for (int i = 0; i < s->n; i++)
		if (s->o[i].kind == kind && strcmp(s->o[i].key, key) == 0)
			return &s->o[i];
	return NULL;
}

static void
drop_at(struct store *s, int i)
{
	s->o[i] = s->o[--s->n];
}

static void
on_begin(void *ctx, enum vg_k8s_api_kind kind, int64_t now)
{
	struct store *s = ctx;

	(void)now;
	s->gen[kind]++;
	s->begins[kind]++;
}

static void
on_event(void *ctx, enum vg_k8s_api_kind kind, enum vg_k8s_api_ev type, const json_t *obj,
	int64_t now)
{
	struct store *s = ctx;
	char key[256], rv[64];
	struct obj *o;

	(void)now;
	key_of(obj, key, sizeof(key), rv, sizeof(rv));
	o = find(s, kind, key);
	if (type == VG_K8S_API_DELETED) {
		if (o != NULL)
			drop_at(s, (int)(o - s->o));
		return;
	}
	if (o == NULL) {
		if (s->n == MAX_OBJ)
			return;
		o = &s->o[s->n++];
		o->kind = kind;
		snprintf(o->key, sizeof(o->key), "%s", key);
	}
	snprintf(o->rv, sizeof(o->rv), "%s", rv);
	o->gen = s->gen[kind];
}

static void
on_end(void *ctx, enum vg_k8s_api_kind kind, int64_t now)
{
	struct store *s = ctx;

	(void)now;
	s->ends[kind]++;
	for (int i = 0; i < s->n;)
		if (s->o[i].kind == (int)kind && s->o[i].gen != s->gen[kind])
			drop_at(s, i);
		else
			i++;
}

static void
on_message(void *ctx, const char *line, int64_t now)
{
	struct store *s = ctx;

	(void)line, (void)now;
	s->messages++;
}

static int
kinds_of(const char *list, uint32_t *mask)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	*mask = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int i;

		for (i = 0; i < VG_K8S_API_NKINDS; i++)
			if (strcmp(t, vg_k8s_api_kind_name((enum vg_k8s_api_kind)i)) == 0)
				break;
		if (i == VG_K8S_API_NKINDS)
			return -1;
		*mask |= 1u << i;
	}
	return 0;
}

static void
print_state(const struct store *s, const struct vg_k8s_api_stats *st)
{
	static const char *const names[] = {"lists", "list_pages", "relists", "watches", "retries",
		"events", "bookmarks", "error_events", "gone", "http_errors", "tls_errors",
		"net_errors", "stream_cuts", "bad_lines", "bad_objects", "drops"};

	for (int i = 0; i < s->n; i++)
		printf("object %s %s %s\n",
			vg_k8s_api_kind_name((enum vg_k8s_api_kind)s->o[i].kind), s->o[i].key,
			s->o[i].rv);
	for (int k = 0; k < VG_K8S_API_NKINDS; k++) {
		const uint64_t *c = (const uint64_t *)&st->kind[k];

		printf("kind %s rv %s", vg_k8s_api_kind_name((enum vg_k8s_api_kind)k),
			st->kind[k].resource_version[0] ? st->kind[k].resource_version : "-");
		for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++)
			printf(" %s %" PRIu64, names[j], c[j]);
		printf(" begins %u ends %u\n", s->begins[k], s->ends[k]);
	}
	printf("token reloads %" PRIu64 " errors %" PRIu64 "\n", st->token_reloads,
		st->token_errors);
	printf("messages %u\n", s->messages);
}

int
main(int argc, char **argv)
{
	static struct store s;
	struct vg_k8s_api_cfg cfg = {.prog = "k8s_api_probe"};
	struct vg_k8s_api_sink sink = {&s, on_begin, on_event, on_end, on_message};
	struct vg_k8s_api_stats st;
	struct vg_k8s_api *api;
	double run_secs = 0, pause_secs = 0;
	char err[512];
	int c;
	static const struct option opts[] = {{"url", 1, NULL, 'u'}, {"token", 1, NULL, 't'},
		{"ca", 1, NULL, 'c'}, {"kinds", 1, NULL, 'k'}, {"page-limit", 1, NULL, 'l'},
		{"watch-timeout", 1, NULL, 'w'}, {"backoff-min", 1, NULL, 'b'},
		{"backoff-max", 1, NULL, 'B'}, {"queue-cap", 1, NULL, 'q'},
		{"run-secs", 1, NULL, 'r'}, {"drain-pause", 1, NULL, 'p'}, {NULL, 0, NULL, 0}};

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			cfg.url = optarg;
			break;
		case 't':
			cfg.token_file = optarg;
			break;
		case 'c':
			cfg.ca_file = optarg;
			break;
		case 'k':
			if (kinds_of(optarg, &cfg.kinds) != 0) {
				fprintf(stderr, "k8s_api_probe: unknown kind in '%s'\n", optarg);
				return 2;
			}
			break;
		case 'l':
			cfg.page_limit = (uint32_t)atoi(optarg);
			break;
		case 'w':
			cfg.watch_timeout_s = (uint32_t)atoi(optarg);
			break;
		case 'b':
			cfg.backoff_min_ms = (uint32_t)atoi(optarg);
			break;
		case 'B':
			cfg.backoff_max_ms = (uint32_t)atoi(optarg);
			break;
		case 'q':
			cfg.queue_cap = (uint32_t)atoi(optarg);
			break;
		case 'r':
			run_secs = atof(optarg);
			break;
		case 'p':
			pause_secs = atof(optarg);
			break;
		default:
			return 2;
		}
	}
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	api = vg_k8s_api_start(&cfg, err, sizeof(err));
	if (api == NULL) {
		fprintf(stderr, "k8s_api_probe: %s\n", err);
		return 1;
	}
	puts("started");
	fflush(stdout);
	struct timespec t0, t, nap = {0, 10000000L};

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		double el = (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9;

		if (run_secs > 0 && el >= run_secs)
			break;
		/* --drain-pause: a writer that is behind, so the queue fills. */
		if (el >= pause_secs)
			vg_k8s_api_drain(api, &sink, 1024);
		nanosleep(&nap, NULL);
	}
	/* The counters once the threads are done; then what they queued last. */
	vg_k8s_api_stop(api);
	vg_k8s_api_stats(api, &st);
	vg_k8s_api_drain(api, &sink, SIZE_MAX);
	vg_k8s_api_free(api);
	print_state(&s, &st);
	return 0;
}
