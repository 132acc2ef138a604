/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-logd --k8s-api: the in-cluster API client (lib/enrich/api) feeding
 * the Kubernetes inventory (lib/enrich/vg_k8s.h) that the writer enriches
 * records with. The client's threads read the API; the main loop pumps their
 * events into the inventory (its only writer and reader), and their problem
 * lines into reporter.log. doc/k8s-api.md.
 */
#ifndef VG_LOGD_K8S_H
#define VG_LOGD_K8S_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vg_k8s.h"
#include "vg_k8s_api.h"
#include "vg_logfmt.h"
#include "vg_prom.h"

#define VG_LOGD_K8S_PENDING 32 /* problem lines kept for reporter.log until a writer */

struct vg_logd_k8s_opts {
	bool api;          /* --k8s-api (also implied by the three below) */
	const char *url;   /* --k8s-api-url URL */
	const char *token; /* --k8s-token FILE */
	const char *ca;    /* --k8s-ca FILE */
};

struct vg_logd_k8s {
	struct vg_k8s_api *api;
	struct vg_k8s_inv *inv;  /* fed here; read by the writer */
	uint64_t refused;        /* objects the inventory refused */
	int64_t refusal_said_ns; /* when the last refusal was said */
	uint64_t reported;       /* problem lines written to reporter.log */
	uint64_t unreported;     /* ... lost: no room while waiting for a writer */
	/* Lines that came before the writer (made on the first record). */
	char pending[VG_LOGD_K8S_PENDING][320];
	int64_t pending_ns[VG_LOGD_K8S_PENDING];
	unsigned int npending;
	bool quiet;
};

/*
 * Starts the client into inv (which the caller made and frees after
 * vg_logd_k8s_stop); 0, also without --k8s-api, or -1 after one line.
 */
int vg_logd_k8s_start(struct vg_logd_k8s *k, const struct vg_logd_k8s_opts *o,
	struct vg_k8s_inv *inv, bool quiet);

/* On the main loop: up to max queued events into the inventory; how many. */
size_t vg_logd_k8s_pump(struct vg_logd_k8s *k, struct vg_logwriter *w, size_t max);

/* "vigil-logd: k8s-api ..." for --stats. */
void vg_logd_k8s_stats(struct vg_logd_k8s *k, FILE *f);

/* The client's counters as Prometheus series (the metrics thread). */
void vg_logd_k8s_prom(struct vg_prom *p, struct vg_k8s_api *api);

void vg_logd_k8s_stop(struct vg_logd_k8s *k);

#endif /* VG_LOGD_K8S_H */
