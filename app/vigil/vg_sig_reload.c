/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live signature reload (vg_sig_reload.h). States: IDLE; LOADING while the
 * loader thread reads and compiles the files; LOADED or FAILED when it is
 * done (published with release); then the main loop offers each worker its
 * matcher (SWITCHING) and waits for the grace period to end.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "vg_an_worker.h"
#include "vg_live_status.h"
#include "vg_sig.h"
#include "vg_sig_load.h"
#include "vg_sig_reload.h"

enum { IDLE, LOADING, LOADED, FAILED, SWITCHING };

struct vg_sig_reload {
	struct vg_live *live;
	char **files;
	int nfiles;
	int state; /* read and written with atomics: the loader thread sets LOADED/FAILED */
	pthread_t loader;
	bool joinable;
	struct vg_sig_db *db; /* the loader's result */
	uint32_t rules;
	double load_secs;
	uint16_t offered;             /* workers that have their new matcher */
	uint64_t token;               /* the grace period that began with the offers */
	uint32_t refused;             /* the loader's: signatures left out of the new set */
	struct vg_live_sig_status st; /* what show sig and /vigil/sig read */
};

static void
set_state(struct vg_sig_reload *r, enum vg_live_sig_state s)
{
	__atomic_store_n(&r->st.state, (uint32_t)s, __ATOMIC_RELAXED);
}

static double
mono_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The loader thread: the files as -s gave them, parsed and compiled. */
static void *
load_files(void *arg)
{
	struct vg_sig_reload *r = arg;
	struct vg_sig_ruleset rs = {0};
	struct vg_sig_load_report rep = {.out = stderr};
	char err[512];
	double t0 = mono_secs();
	int rc = vg_sig_load_files(&rs, r->files, r->nfiles, &rep);

	r->db = NULL;
	if (rc != 0)
		fprintf(stderr,
			"vigil: signature reload failed: the files have %d error%s (above); the "
			"running signatures stay\n",
			rc < 0 ? 1 : rc, rc == 1 ? "" : "s");
	else if ((r->db = vg_sig_db_build(&rs, vg_sig_diag_print, &rep, err, sizeof(err))) == NULL)
		fprintf(stderr, "vigil: signature reload failed: %s; the running signatures stay\n",
			err);
	vg_sig_ruleset_free(&rs);
	r->refused = rep.dropped;
	r->load_secs = mono_secs() - t0;
	__atomic_store_n(&r->state, r->db != NULL ? LOADED : FAILED, __ATOMIC_RELEASE);
	return NULL;
}

struct vg_sig_reload *
vg_sig_reload_create(struct vg_live *live, const struct vg_options *o)
{
	if (o->sig_db == NULL)
		return NULL;
	struct vg_sig_reload *r = calloc(1, sizeof(*r));
	size_t sz = rte_rcu_qsbr_get_memsize(live->nworkers);
	struct rte_rcu_qsbr *v =
		sz > 0 ? rte_zmalloc("vigil_sig_qsbr", sz, RTE_CACHE_LINE_SIZE) : NULL;

	if (r == NULL || v == NULL || rte_rcu_qsbr_init(v, live->nworkers) != 0) {
		fprintf(stderr, "vigil: no memory for signature reload; SIGHUP will not reload\n");
		free(r);
		rte_free(v);
		return NULL;
	}
	for (uint16_t i = 0; i < live->nworkers; i++)
		rte_rcu_qsbr_thread_register(v, i);
	r->live = live;
	r->files = (char **)o->sig_load;
	r->nfiles = (int)o->nsig_load;
	r->st.files = o->sig_load;
	r->st.nfiles = o->nsig_load;
	r->st.rules = vg_sig_db_rules(o->sig_db);
	r->st.refused = o->sig_refused;
	live->sig_qsbr = v;
	live->sig_status = &r->st;
	return r;
}

void
vg_sig_reload_request(struct vg_sig_reload *r)
{
	if (r == NULL) {
		fprintf(stderr, "vigil: SIGHUP: no signatures to reload (none given with -s)\n");
		return;
	}
	if (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) != IDLE) {
		fprintf(stderr,
			"vigil: SIGHUP: a signature reload is under way; ask again after it\n");
		return;
	}
	if (r->joinable) {
		pthread_join(r->loader, NULL);
		r->joinable = false;
	}
	__atomic_store_n(&r->state, LOADING, __ATOMIC_RELEASE);
	if (pthread_create(&r->loader, NULL, load_files, r) != 0) {
		fprintf(stderr, "vigil: signature reload: cannot start a thread; try again\n");
		__atomic_store_n(&r->state, IDLE, __ATOMIC_RELEASE);
		return;
	}
	r->joinable = true;
	__atomic_store_n(&r->st.asked, r->st.asked + 1, __ATOMIC_RELAXED);
	set_state(r, VG_LIVE_SIG_LOADING);
}

/* Each worker gets a matcher on the new set; the grace period starts after the last. */
static void
offer_all(struct vg_sig_reload *r)
{
	struct vg_live *live = r->live;

	while (r->offered < live->nworkers) {
		struct vg_an_worker *aw = live->workers[r->offered]->w.an;
		struct vg_sig_worker *sw = vg_an_worker_sig_make(aw, r->db);

		if (sw == NULL) {
			fprintf(stderr,
				"vigil: signature reload: no memory for worker %u's matcher; "
				"it keeps the signatures it has\n",
				r->offered);
		} else if (!vg_an_worker_sig_offer(aw, sw)) {
			vg_sig_worker_free(sw); /* the last offer is not taken yet: next tick */
			return;
		}
		r->offered++;
	}
	r->rules = vg_sig_db_rules(r->db);
	vg_sig_db_unref(r->db); /* the workers' matchers hold it now */
	r->db = NULL;
	r->token = rte_rcu_qsbr_start(live->sig_qsbr);
	__atomic_store_n(&r->state, SWITCHING, __ATOMIC_RELEASE);
	set_state(r, VG_LIVE_SIG_SWITCHING);
}

/* Matchers the workers are done with. */
static void
free_retired(struct vg_live *live)
{
	for (uint16_t i = 0; i < live->nworkers; i++) {
		struct vg_sig_worker *sw;

		while ((sw = vg_an_worker_sig_collect(live->workers[i]->w.an)) != NULL)
			vg_sig_worker_free(sw);
	}
}

void
vg_sig_reload_tick(struct vg_sig_reload *r)
{
	if (r == NULL)
		return;
	switch (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE)) {
	case FAILED:
		__atomic_store_n(&r->state, IDLE, __ATOMIC_RELEASE);
		__atomic_store_n(&r->st.failed, r->st.failed + 1, __ATOMIC_RELAXED);
		set_state(r, VG_LIVE_SIG_IDLE);
		break;
	case LOADED:
		offer_all(r);
		break;
	case SWITCHING:
		if (rte_rcu_qsbr_check(r->live->sig_qsbr, r->token, false) == 1) {
			uint64_t gen = r->st.generation + 1;

			fprintf(stderr,
				"vigil: signatures reloaded (%" PRIu64 "): %u rules, compiled in "
				"%.2f s; every worker runs them\n",
				gen, r->rules, r->load_secs);
			__atomic_store_n(&r->st.rules, r->rules, __ATOMIC_RELAXED);
			__atomic_store_n(&r->st.refused, r->refused, __ATOMIC_RELAXED);
			__atomic_store_n(
				&r->st.load_us, (uint64_t)(r->load_secs * 1e6), __ATOMIC_RELAXED);
			__atomic_store_n(&r->st.generation, gen, __ATOMIC_RELAXED);
			r->offered = 0;
			__atomic_store_n(&r->state, IDLE, __ATOMIC_RELEASE);
			set_state(r, VG_LIVE_SIG_IDLE);
		}
		break;
	default:
		break;
	}
	free_retired(r->live);
}

void
vg_sig_reload_free(struct vg_sig_reload *r)
{
	if (r == NULL)
		return;
	if (r->joinable)
		pthread_join(r->loader, NULL);
	vg_sig_db_unref(r->db);
	free_retired(r->live);
	rte_free(r->live->sig_qsbr);
	r->live->sig_qsbr = NULL;
	r->live->sig_status = NULL;
	free(r);
}
