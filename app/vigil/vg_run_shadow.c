/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil --shadow-listen ADDR:PORT: the Istio mirror target (doc/shadow.md).
 * No DPDK: one thread serves the shadow connections (lib/shadow) and feeds
 * their packets to a worker whose flow table is marked shadow; the records go
 * through the same ring and writer as -r's (or to vigil-logd with --logd).
 * Runs until SIGINT or SIGTERM, then logs every open connection.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vg_common.h"
#include "vg_offline.h"
#include "vg_run.h"
#include "vg_shadow.h"

#define POLL_MS     100
#define PROGRESS_NS 2000000000ULL

static void
print_shadow(const struct vg_shadow_stats *st, bool final)
{
	fprintf(stderr,
		"vigil: shadow%s accepted %" PRIu64 " active %" PRIu64 " requests %" PRIu64
		" continues %" PRIu64 " bad %" PRIu64 " too-big %" PRIu64
		" request-timeouts %" PRIu64 " idle-timeouts %" PRIu64 " evicted %" PRIu64
		" resets %" PRIu64 " paused %" PRIu64 " unanswered %" PRIu64
		" accept-errors %" PRIu64 " bytes-in %" PRIu64 " bytes-out %" PRIu64 "\n",
		final ? "-stats" : "", st->accepted, st->active, st->requests, st->continues,
		st->bad_requests, st->too_big, st->request_timeouts, st->idle_timeouts, st->evicted,
		st->resets, st->paused, st->unanswered, st->accept_errors, st->bytes_in,
		st->bytes_out);
}

/* Writes the ring's records and flushes the files, so the logs follow the requests. */
static void
write_out(struct offline *off)
{
	if (off->writer == NULL)
		return;
	vg_offline_drain(off);
	if (vg_reopen_logs) {
		vg_reopen_logs = 0;
		vg_logwriter_reopen(off->writer);
	}
	vg_logwriter_tick(off->writer, (double)time(NULL));
	vg_logwriter_flush(off->writer);
}

/* Serves until a stop signal; a progress line every 2 s on a terminal. */
static void
serve(const struct vg_options *o, struct vg_shadow *srv, struct offline *off)
{
	bool show = !o->quiet && isatty(STDERR_FILENO);
	uint64_t last = vg_mono_ns(), flushed = last;

	while (!vg_stop_signal) {
		vg_shadow_poll(srv, POLL_MS);
		uint64_t now = vg_mono_ns();

		/* Records go out at once when idle, else at most every POLL_MS. */
		if (now - flushed >= POLL_MS * 1000000ULL || vg_ring_used(off->ring) == 0) {
			write_out(off);
			flushed = now;
		}
		if (show && now - last >= PROGRESS_NS) {
			print_shadow(vg_shadow_stats(srv), false);
			last = now;
		}
	}
}

static int
shadow_cfg(const struct vg_options *o, struct vg_shadow_cfg *sc)
{
	*sc = o->shadow;
	sc->request_ms = o->shadow_request_s * 1000u;
	sc->idle_ms = o->shadow_idle_s * 1000u;
	return 0;
}

static int
report(const struct vg_options *o, const struct offline *off, const char *dir)
{
	uint64_t drops = off->ring->hdr->drops;

	if (off->writer != NULL && off->write_error) {
		fprintf(stderr, "vigil: writing logs to '%s' failed (%s); check the disk\n", dir,
			strerror(off->write_error));
		return 1;
	}
	if (drops > 0) {
		fprintf(stderr,
			"vigil: %" PRIu64 " log records dropped (ring-drops): %s; give a "
			"larger --ring-size\n",
			drops, o->logd ? "vigil-logd did not keep up" : "the writer fell behind");
		return 1;
	}
	return 0;
}

int
vg_check_shadow(const struct vg_options *o)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[512];

	if (vg_shadow_parse_listen(o->shadow.listen, &ss, &len, err, sizeof(err)) != 0) {
		fprintf(stderr, "vigil: %s\n", err);
		return 2;
	}
	if (vg_options_check(o, 12 /* raw IP: what the listener makes */) != 0)
		return 2;
	return vg_offline_check_done(o);
}

int
vg_run_shadow(const struct vg_options *o)
{
	struct offline off = {.logd_wait = o->logd_wait};
	struct vg_k8s_run k8s = {0};
	struct vg_k8s_reporter k8s_rep = {.w = &off.writer, .prog = "vigil"};
	const char *dir = o->out_dir ? o->out_dir : ".";
	uint32_t features = vg_options_features(o);
	struct vg_port_set ports;
	struct vg_worker_cfg wc;
	struct vg_shadow_cfg sc;
	struct vg_worker w;
	struct vg_shadow *srv;
	struct vg_logshm *shm;
	char err[512];
	int rc;

	vg_offline_signals();
	if (vg_options_check(o, 12 /* raw IP: what the listener makes */) != 0)
		return 2;
	shm = vg_log_segment(o->logd, 1, o->ring_size, features, o->json);
	if (shm == NULL)
		return 1;
	rc = vg_offline_writer_open(o, &off, &k8s, &k8s_rep, features, dir);
	if (rc != 0) {
		vg_log_segment_done(shm, false);
		return rc;
	}
	off.ring = &shm->rings[0];
	vg_port_set_from_analyzers(&ports, o->analyzers, NULL);
	vg_options_worker_cfg(o, &ports, features, &wc);
	wc.flow.shadow = true;
	wc.ring = off.ring;
	/* In-process, a full ring is written out; to vigil-logd it drops (counted). */
	wc.ring_full = o->logd == NULL ? vg_offline_drain : NULL;
	wc.ring_full_ctx = &off;
	if ((o->logd == NULL && off.writer == NULL) || vg_worker_init(&w, &wc) != 0) {
		fprintf(stderr, "vigil: out of memory setting up (%s); try a smaller --max-flows\n",
			strerror(errno));
		vg_offline_writer_close(o, &off, &k8s, &k8s_rep);
		vg_log_segment_done(shm, false);
		return 1;
	}
	shadow_cfg(o, &sc);
	srv = vg_shadow_open(&sc, &w, err, sizeof(err));
	if (srv == NULL) {
		fprintf(stderr, "vigil: %s\n", err);
		rc = 1;
	} else {
		if (!o->quiet)
			fprintf(stderr, "vigil: shadow listener on %s, logs in %s\n",
				vg_shadow_address(srv), o->logd ? o->logd : dir);
		serve(o, srv, &off);
		if (o->stats)
			print_shadow(vg_shadow_stats(srv), true);
		vg_shadow_close(srv); /* its connections are logged as closed */
		vg_worker_flush(&w);
		if (off.writer != NULL)
			vg_offline_drain(&off);
		if (o->stats)
			vg_offline_print_stats(&w, off.ring, off.writer, 0);
		rc = 0;
	}
	vg_offline_writer_close(o, &off, &k8s, &k8s_rep);
	if (rc == 0)
		rc = report(o, &off, dir);
	if (off.have_policy)
		vg_policy_ctl_fini(&off.policy);
	vg_worker_fini(&w);
	vg_log_segment_done(shm, o->logd != NULL);
	return rc;
}
