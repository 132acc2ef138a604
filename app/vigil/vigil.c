/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil: reads a capture file and writes Zeek logs. The same worker code
 * that runs on DPDK ports runs here on libpcap's packets; records go through
 * a log ring and an in-process writer, as they would to vigil-logd.
 */
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vg_common.h"
#include "vg_files.h"
#include "vg_ftp.h"
#include "vg_http.h"
#include "vg_dns.h"
#include "vg_logfmt.h"
#include "vg_logfmt_k8s.h"
#include "vg_logring.h"
#include "vg_offline.h"
#include "vg_options.h"
#include "vg_sig_check.h"
#include "vg_pcap_source.h"
#include "vg_policy.h"
#include "vg_record.h"
#include "vg_run.h"
#include "vg_schema.h"
#include "vg_sig.h"
#include "vg_sig_load.h"
#include "vg_sink.h"
#include "vg_worker.h"

#define BURST 32
#define drain vg_offline_drain

/* SIGINT/SIGTERM: stop reading, log every connection, close the logs (as Zeek). */
volatile sig_atomic_t vg_stop_signal;
/* SIGHUP: reopen log files that logrotate moved away. */
volatile sig_atomic_t vg_reopen_logs;
#define stop_signal vg_stop_signal
#define reopen_logs vg_reopen_logs

static void
on_stop(int sig)
{
	stop_signal = sig;
}

static void
on_hup(int sig)
{
	(void)sig;
	reopen_logs = 1;
}

void
vg_offline_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/*
	 * A second SIGINT/SIGTERM ends vigil at once (the default action). No
	 * SA_RESTART: a read blocked on a pipe (-r -) ends, and the run with it.
	 * SIGHUP restarts the read: it takes effect with the next burst.
	 */
	sa.sa_flags = SA_RESETHAND;
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
}

/* --stats with --export-policy: a line per log that offered records. */
static void
print_policy(const struct vg_policy_ctl *c)
{
	for (uint16_t id = 0; id < vg_schema_count() && id < VG_LOG_MAX; id++) {
		const struct vg_policy_counts *k = &c->count[id];

		if (k->offered == 0 || vg_schema_get(id) == NULL)
			continue;
		fprintf(stderr,
			"vigil: policy %s offered %" PRIu64 " (%" PRIu64 " bytes) exported %" PRIu64
			" (%" PRIu64 " bytes) dropped off %" PRIu64 " filter %" PRIu64
			" sample %" PRIu64 "\n",
			vg_schema_get(id)->path, k->offered, k->offered_bytes, k->exported,
			k->exported_bytes, k->dropped[VG_POLICY_DROP_OFF],
			k->dropped[VG_POLICY_DROP_FILTER], k->dropped[VG_POLICY_DROP_SAMPLE]);
	}
}

/* Drains the ring into the log files; the offline stand-in for vigil-logd. */
bool
vg_offline_drain(void *ctx)
{
	struct offline *off = ctx;
	const uint8_t *rec;
	uint32_t len;

	if (off->k8s != NULL)
		vg_k8s_src_poll(off->k8s, false);
	while ((rec = vg_ring_peek(off->ring, &len)) != NULL) {
		vg_logwriter_write(off->writer, rec, len);
		vg_ring_release(off->ring, len);
	}
	if (off->write_error == 0)
		off->write_error = vg_logwriter_error(off->writer);
	return true;
}

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Offline with --logd: a file has no deadline, so a full ring waits for
 * vigil-logd to make room (it may start after vigil) for up to --logd-wait
 * seconds without any room made. Then vigil gives up: the record is dropped
 * (counted), the read loop stops, and the run fails. A signal also ends the wait.
 */
static bool
wait_for_logd(void *ctx)
{
	struct offline *off = ctx;
	struct timespec pause = {0, 200000};
	double deadline = mono_now() + off->logd_wait;
	/* Room for the largest record, or half of a ring smaller than twice that. */
	uint64_t need = VG_MIN((uint64_t)VG_REC_MAX_LEN + 16, off->ring->size / 2);

	while (!off->logd_gone && !stop_signal) {
		if (vg_ring_used(off->ring) + need <= off->ring->size)
			return true;
		if (mono_now() >= deadline)
			break;
		nanosleep(&pause, NULL);
	}
	/* Once it did not come, the rest is dropped at once: no wait per record. */
	off->logd_gone = true;
	return false;
}

static void
progress(const struct vg_pcap_source *src, uint64_t pkts, double t0, bool final)
{
	uint64_t size = vg_pcap_size(src), off = vg_pcap_offset(src);
	double el = mono_now() - t0;
	int pct = size ? (int)(100.0 * (double)off / (double)size) : 0;

	if (final)
		pct = 100;
	if (size == 0) /* a pipe: no size to compare with */
		fprintf(stderr, "\rvigil: %" PRIu64 " packets  %.2f Mpps ", pkts,
			el > 0 ? (double)pkts / el / 1e6 : 0.0);
	else
		fprintf(stderr, "\rvigil: %3d%%  %" PRIu64 " packets  %.2f Mpps ", pct, pkts,
			el > 0 ? (double)pkts / el / 1e6 : 0.0);
	if (final)
		fputc('\n', stderr);
}

static const char *
link_name(int link)
{
	const char *n = pcap_datalink_val_to_name(link);

	return n ? n : "unknown";
}

void
vg_offline_print_stats(const struct vg_worker *w, const struct vg_ring *ring,
	const struct vg_logwriter *writer, double secs)
{
	const struct vg_decode_stats *d = &w->dec.stats;
	const struct vg_flow_stats *f = vg_flow_stats(w->flows);

	fprintf(stderr,
		"vigil: packets %" PRIu64 " bytes %" PRIu64 " ipv4 %" PRIu64 " ipv6 %" PRIu64
		" not-ip %" PRIu64 " dropped %" PRIu64 " fragments %" PRIu64 " reassembled %" PRIu64
		" mirror %" PRIu64 " mirror-truncated %" PRIu64 "\n",
		d->packets, d->bytes, d->ip4, d->ip6, d->not_ip, d->dropped, d->fragments,
		d->reassembled, d->mirror_packets, d->mirror_truncated);
	fprintf(stderr,
		"vigil: fragments %" PRIu64 " reassembled %" PRIu64 " frag-timeouts %" PRIu64
		" frag-evicted %" PRIu64 " frag-active %" PRIu64 "\n",
		d->fragments, d->reassembled, d->frag_timeouts, d->frag_evicted, d->frag_active);
	fprintf(stderr,
		"vigil: conns %" PRIu64 " logged %" PRIu64 " evicted %" PRIu64 " reused %" PRIu64
		" weirds %" PRIu64 " (suppressed %" PRIu64 ") ring-records %" PRIu64
		" ring-drops %" PRIu64 "\n",
		f->created, f->logged, f->evicted, f->reused, f->weirds_logged,
		f->weirds_suppressed, ring->hdr->records, ring->hdr->drops);
	const struct vg_an_stats *a = vg_an_worker_stats(w->an);
	const struct vg_reasm_stats *rs = vg_flow_reasm_stats(w->flows);

	fprintf(stderr,
		"vigil: analyzers attached %" PRIu64 " (by probe %" PRIu64 ") confirmed %" PRIu64
		" violations %" PRIu64 " records %" PRIu64 " pool-full %" PRIu64 " stale %" PRIu64
		"\n",
		a->attached, a->probe_attached, a->confirmed, a->violations, a->records,
		a->conns_full + a->states_full + a->probes_full, a->stale);
	fprintf(stderr,
		"vigil: analyzer-pools conns %" PRIu64 " (high %" PRIu64 ") probes %" PRIu64
		" (high %" PRIu64 ") states %" PRIu64 " (high %" PRIu64 ") conns-full %" PRIu64
		" probes-full %" PRIu64 " states-full %" PRIu64 "\n",
		a->conns_used, a->conns_high, a->probes_used, a->probes_high, a->states_used,
		a->states_high, a->conns_full, a->probes_full, a->states_full);
	const struct vg_an_mem_stats *am = vg_an_worker_mem_stats(w->an);

	struct rusage ru;

	/* The process's peak resident memory too: with it, a run with analyzers
	 * and one without show what everything else per connection costs. */
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		ru.ru_maxrss = 0;
	fprintf(stderr,
		"vigil: analyzer-memory bufs %" PRIu64 " (high %" PRIu64 ") bufs-full %" PRIu64
		" state-bytes %" PRIu64 " per-conn %" PRIu64 " conns-high %" PRIu64
		" max-rss-kb %ld\n",
		am->bufs_used, am->bufs_high, am->bufs_full, am->state_bytes,
		a->conns_high ? am->state_bytes / a->conns_high : 0, a->conns_high, ru.ru_maxrss);
	const struct vg_an_expect_stats *ex = vg_an_worker_expect_stats(w->an);

	fprintf(stderr,
		"vigil: expected-conns announced %" PRIu64 " used %" PRIu64 " expired %" PRIu64
		" table-full %" PRIu64 " bus-full %" PRIu64 " ftp-lines-cut %" PRIu64 "\n",
		ex->expects, ex->expect_used, ex->expect_expired, ex->expect_full,
		ex->expect_bus_full, vg_ftp_stats.lines_truncated);
	struct vg_http_stats hs;
	struct vg_files_stats fs;

	vg_http_stats_get(&hs);
	vg_files_stats_get(&fs);
	fprintf(stderr,
		"vigil: http requests %" PRIu64 " replies %" PRIu64 " lines-cut %" PRIu64
		" strings-cut %" PRIu64 " pending-flushed %" PRIu64 " inflate-busy %" PRIu64
		" files %" PRIu64 " files-logged %" PRIu64 " files-pool-full %" PRIu64 "\n",
		hs.requests, hs.replies, hs.lines_cut, hs.strings_cut, hs.pending_flushed,
		hs.inflate_busy, fs.begun, fs.logged, fs.pool_exhausted);
	uint64_t vals[VG_REC_MAX_FIELDS] = {0};

	vg_an_worker_counters_add(w->an, vals);
	vg_print_an_counters(vals);
	if (vg_an_worker_sig_stats(w->an) != NULL)
		vg_print_sig_counters((const uint64_t *)vg_an_worker_sig_stats(w->an));
	fprintf(stderr,
		"vigil: reassembly evicted-bytes %" PRIu64 " depth-bytes %" PRIu64
		" inconsistent %" PRIu64 " long-lists %" PRIu64 "\n",
		rs->evicted_bytes, rs->depth_bytes, rs->inconsistent, rs->long_lists);
	fprintf(stderr,
		"vigil: time-outside %" PRIu64 " time-jumps %" PRIu64 " untracked %" PRIu64
		" timers-late %" PRIu64 "\n",
		f->time_outside, f->time_jumps, f->untracked, f->timers_late);
	if (writer != NULL)
		fprintf(stderr, "vigil: malformed-records %" PRIu64 "\n", vg_logwriter_bad(writer));
	fprintf(stderr, "vigil: %.3f s, %.3f Mpps\n", secs,
		secs > 0 ? (double)d->packets / secs / 1e6 : 0.0);
}

void
vg_print_an_counters(const uint64_t *vals)
{
	uint32_t n = vg_an_counter_count();

	fprintf(stderr, "vigil: analyzer-counters");
	for (uint32_t i = 0; i < n; i++)
		fprintf(stderr, " %s %" PRIu64, vg_an_counter_name(i), vals[i]);
	fputc('\n', stderr);
}

struct vg_logshm *
vg_log_segment(const char *name, uint32_t nrings, uint64_t ring_size, uint32_t features, bool json)
{
	char err[256];
	struct vg_logshm *shm;

	if (name == NULL) {
		shm = vg_logshm_create(NULL, nrings, ring_size, features);
		if (shm == NULL) {
			fprintf(stderr,
				"vigil: cannot create the log rings (%s); try a smaller "
				"--ring-size\n",
				strerror(errno));
			return NULL;
		}
	} else {
		/* A segment left by an earlier sensor is taken over, its unread records kept. */
		shm = vg_logshm_open_producer(name, nrings, ring_size, features, err, sizeof(err));
		if (shm == NULL) {
			fprintf(stderr, "vigil: %s\n", err);
			return NULL;
		}
	}
	shm->hdr->json = json;
	return shm;
}

void
vg_log_segment_done(struct vg_logshm *shm, bool keep)
{
	/* A named segment stays for vigil-logd to drain; it sees the producer done. */
	if (keep)
		vg_logshm_producer_done(shm);
	vg_logshm_close(shm, keep);
}

uint32_t
vg_options_features(const struct vg_options *o)
{
	uint32_t features = 0;

	if (o->community_id)
		features |= 1u << VG_FEAT_COMMUNITY_ID;
	if (o->conn_vlan)
		features |= 1u << VG_FEAT_VLAN;
	if (o->conn_l2)
		features |= 1u << VG_FEAT_L2_ADDR;
	if (o->mirror)
		features |= 1u << VG_FEAT_MIRROR;
	if (o->shadow.listen != NULL)
		features |= 1u << VG_FEAT_SHADOW;
	features |= o->policy_features;
	/* The DNS analyzer reads the sections those columns need only when they are written. */
	struct vg_dns_config dns = {
		.auth_addl = (features >> VG_FEAT_DNS_AUTH_ADDL) & 1,
		.original_query = (features >> VG_FEAT_DNS_ORIGINAL_QUERY) & 1,
	};

	vg_dns_configure(&dns);
	return features;
}

void
vg_options_worker_cfg(const struct vg_options *o, const struct vg_port_set *ports,
	uint32_t features, struct vg_worker_cfg *wc)
{
	memset(wc, 0, sizeof(*wc));
	wc->decode.ignore_checksums = o->ignore_checksums;
	wc->decode.mirror = o->mirror;
	wc->decode.mirror_port = o->mirror_port;
	wc->decode.ncollectors = o->ncollectors;
	memcpy(wc->decode.collectors, o->collectors, sizeof(o->collectors));
	wc->flow.max_flows = o->max_flows;
	wc->flow.reasm_memory = o->reasm_memory;
	wc->flow.reasm_depth = o->reasm_depth;
	wc->flow.features = features;
	wc->flow.uid_seed = o->uid_seed;
	wc->flow.time_window_ns = (uint64_t)o->time_window * 1000000000ULL;
	wc->flow.local_private = !o->no_local;
	wc->flow.local_nets = &o->local_nets;
	wc->flow.server_ports = ports;
	/* As many connection records as connections: pages are backed when used. */
	wc->analyzers.max_conns = o->max_flows ? o->max_flows : 1u << 20;
	/* The analyzers --analyzers loads (Zeek: the protocol scripts loaded). */
	static const struct vg_analyzer *selected[VG_AN_MAX];

	wc->analyzers.nanalyzers = vg_analyzers_select(o->analyzers, selected);
	wc->analyzers.analyzers = selected;
	wc->analyzers.sig_db = o->sig_db;
	/* --sig-depth 0 matches everything (dpd_match_only_beginning off). */
	wc->analyzers.sig.depth = o->sig_depth_set && o->sig_depth == 0 ? UINT32_MAX : o->sig_depth;
	wc->analyzers.sig.max_conns = o->max_flows ? o->max_flows : 1u << 20;
}

int
vg_sig_setup(struct vg_options *o)
{
	struct vg_sig_ruleset rs = {0};
	struct vg_sig_load_report rep = {.out = stderr};
	char err[512];

	if (o->nsig_load == 0)
		return 0;
	int rc = vg_sig_load_files(&rs, (char *const *)o->sig_load, (int)o->nsig_load, &rep);

	if (rc != 0) {
		if (rc < 0)
			fprintf(stderr, "vigil: out of memory reading the signature files\n");
		else
			fprintf(stderr,
				"vigil: the signature files have %d error%s (above); fix them or "
				"leave their -s out\n",
				rc, rc == 1 ? "" : "s");
		vg_sig_ruleset_free(&rs);
		return 1;
	}
	o->sig_db = vg_sig_db_build(&rs, vg_sig_diag_print, &rep, err, sizeof(err));
	o->sig_refused = rep.dropped;
	vg_sig_ruleset_free(&rs);
	if (o->sig_db == NULL) {
		fprintf(stderr, "vigil: %s\n", err);
		return 1;
	}
	return 0;
}

void
vg_print_sig_counters(const uint64_t *vals)
{
	fprintf(stderr, "vigil: signatures");
	for (uint32_t i = 0; i < VG_SIG_NCOUNTERS; i++)
		fprintf(stderr, " %s %" PRIu64, vg_sig_counter_names[i] + 4, vals[i]);
	fprintf(stderr, "\n");
}

/* Opens -r's capture and checks it can be decoded; NULL after a one-line error. */
static struct vg_pcap_source *
open_input(const struct vg_options *o, int *link)
{
	char err[PCAP_ERRBUF_SIZE + 600];
	const char *name = strcmp(o->read_file, "-") == 0 ? "standard input" : o->read_file;
	struct vg_pcap_source *src = vg_pcap_open(o->read_file, err, sizeof(err));

	if (src == NULL) {
		fprintf(stderr, "vigil: %s\n", err);
		return NULL;
	}
	*link = vg_pcap_link(src);
	if (!vg_link_supported(*link)) {
		fprintf(stderr,
			"vigil: %s has link type %d (%s), which vigil cannot decode; "
			"Ethernet, raw IP, Linux cooked, loopback, PPP, NFLOG, FDDI and 802.11 "
			"are supported\n",
			name, *link, link_name(*link));
		vg_pcap_close(src);
		return NULL;
	}
	if (vg_options_check(o, *link) != 0) {
		vg_pcap_close(src);
		return NULL;
	}
	if (o->filter != NULL && vg_pcap_set_filter(src, o->filter, err, sizeof(err)) != 0) {
		fprintf(stderr, "vigil: capture filter '%s' cannot be used (%s)\n", o->filter, err);
		vg_pcap_close(src);
		return NULL;
	}
	return src;
}

/* The read loop: until the end of the file, a stop signal, or vigil-logd gone. */
static void
read_all(const struct vg_options *o, struct vg_pcap_source *src, int link, struct vg_worker *w,
	struct offline *off, double t0)
{
	struct vg_raw_pkt pkts[BURST];
	bool show = !o->quiet && isatty(STDERR_FILENO);
	double last_shown = t0;
	uint16_t n;

	while (!stop_signal && !off->logd_gone && (n = vg_pcap_read_burst(src, pkts, BURST)) > 0) {
		vg_worker_burst(w, link, pkts, n);
		if (reopen_logs) {
			reopen_logs = 0;
			if (off->writer != NULL) {
				drain(off);
				vg_logwriter_reopen(off->writer);
			}
		}
		if (show && (w->stats.bursts & 255) == 0) {
			double now = mono_now();

			if (now - last_shown >= 0.5) {
				progress(src, w->stats.packets, t0, false);
				last_shown = now;
			}
		}
	}
}

/* What is wrong after the run, each on one line, the last line saying so; 1 if any. */
static int
report_end(const struct vg_options *o, struct vg_pcap_source *src, const struct offline *off,
	const struct vg_worker *w, const char *dir)
{
	uint64_t drops = off->ring->hdr->drops;
	int rc = 0;

	/* A read that a stop signal interrupted is no error: the stop is. */
	if (vg_pcap_error(src) != NULL && !stop_signal) {
		fprintf(stderr,
			"vigil: %s: read stopped early (%s); logs cover the packets "
			"before that point\n",
			o->read_file, vg_pcap_error(src));
		rc = 1;
	}
	if (off->writer != NULL && off->write_error) {
		fprintf(stderr, "vigil: writing logs to '%s' failed (%s); check the disk\n", dir,
			strerror(off->write_error));
		rc = 1;
	}
	if (stop_signal && !o->quiet)
		fprintf(stderr,
			"vigil: stopped by %s after %" PRIu64 " packets; every connection "
			"seen is logged\n",
			stop_signal == SIGINT ? "SIGINT" : "SIGTERM", w->stats.packets);
	if (o->logd != NULL && (off->logd_gone || drops > 0)) {
		fprintf(stderr,
			"vigil: vigil-logd did not read /dev/shm/%s for %u s (--logd-wait): "
			"stopped after %" PRIu64 " packets, %" PRIu64 " records dropped; "
			"start vigil-logd --shm %s, or raise --logd-wait\n",
			o->logd, o->logd_wait, w->stats.packets, drops, o->logd);
		rc = 1;
	} else if (drops > 0) {
		fprintf(stderr, "vigil: %" PRIu64 " log records dropped; the logs are incomplete\n",
			drops);
		rc = 1;
	}
	return rc;
}

/* --sink: started before the first record; 0, or -1 after a one-line error. */
static int
start_sinks(const struct vg_options *o, struct offline *off)
{
	struct vg_sink_url u[VG_SINK_MAX];
	char err[512];

	if (o->nsinks == 0)
		return 0;
	for (uint32_t i = 0; i < o->nsinks; i++)
		if (vg_sink_url_parse(o->sinks[i], &u[i], err, sizeof(err)) != 0)
			goto bad;
	off->sinks = vg_sinks_create(u, o->nsinks, err, sizeof(err));
	if (off->sinks != NULL)
		return 0;
bad:
	fprintf(stderr, "vigil: --sink: %s\n", err);
	return -1;
}

/* -T: everything is loaded and checked; nothing is read or written. */
static int
check_offline(const struct vg_options *o)
{
	int link;
	struct vg_pcap_source *src = open_input(o, &link);

	if (src == NULL)
		return 1;
	vg_pcap_close(src);
	return vg_offline_check_done(o);
}

int
vg_offline_check_done(const struct vg_options *o)
{
	if (vg_k8s_opts_set(&o->k8s)) {
		struct vg_k8s_run k8s;

		if (vg_k8s_run_start(&k8s, &o->k8s, NULL, NULL, "vigil") != 0)
			return 1;
		vg_k8s_run_stop(&k8s);
	}
	if (!o->quiet)
		fprintf(stderr, "vigil: configuration OK\n");
	return 0;
}

/*
 * The record path after the ring, as vigil-logd would run it: --k8s, the
 * sinks, the export policy and the writer (with --logd, only --k8s is
 * refused earlier and nothing is opened). 0, or the exit status after a
 * one-line error, with nothing left open.
 */
int
vg_offline_writer_open(const struct vg_options *o, struct offline *off, struct vg_k8s_run *k8s,
	struct vg_k8s_reporter *rep, uint32_t features, const char *dir)
{
	/* --k8s: the inventory is read before the first record. */
	if (vg_k8s_opts_set(&o->k8s) &&
		vg_k8s_run_start(k8s, &o->k8s, vg_k8s_report, rep, "vigil") != 0)
		return 1;
	off->k8s = k8s->src;
	/* With --logd, vigil-logd writes the logs; else the writer runs in-process. */
	if (o->logd != NULL)
		return 0;
	struct vg_logwriter_cfg lc = {
		.dir = dir, .json = o->json, .features = features, .k8s = k8s->inv};
	char perr[640];

	if (start_sinks(o, off) != 0) {
		vg_k8s_run_stop(k8s);
		return 2;
	}
	lc.sinks = off->sinks;
	/* The file compiled in vg_options_check; read again here, as the run's. */
	if (o->export_policy != NULL) {
		if (vg_policy_ctl_init(&off->policy, o->export_policy, perr, sizeof(perr)) != 0) {
			fprintf(stderr, "vigil: %s\n", perr);
			vg_k8s_run_stop(k8s);
			vg_sinks_free(off->sinks);
			return 1;
		}
		off->have_policy = true;
		lc.policy = &off->policy;
	}
	off->writer = vg_logwriter_create(&lc);
	vg_k8s_report_flush(rep); /* bad objects of the first load */
	return 0;
}

/* Closes what vg_offline_writer_open opened; --stats prints their counters. */
void
vg_offline_writer_close(const struct vg_options *o, struct offline *off, struct vg_k8s_run *k8s,
	struct vg_k8s_reporter *rep)
{
	if (o->stats && off->have_policy)
		print_policy(&off->policy);
	if (off->writer != NULL && vg_logwriter_close(off->writer) != 0 && off->write_error == 0)
		off->write_error = errno ? errno : EIO;
	rep->w = NULL; /* the writer is closed: later lines only to stderr */
	if (o->stats)
		vg_k8s_run_print_stats(k8s, stderr, "vigil");
	vg_k8s_run_stop(k8s);
	/* Each sink sends what it holds, for up to its drain_ms. */
	vg_sinks_stop(off->sinks);
	if (o->stats)
		vg_sinks_print(off->sinks, stderr, "vigil");
	vg_sinks_free(off->sinks);
	off->sinks = NULL;
}

int
vg_run_offline(const struct vg_options *o)
{
	struct vg_pcap_source *src;
	struct vg_logshm *shm;
	struct vg_port_set ports;
	struct vg_worker w;
	struct vg_worker_cfg wc;
	struct offline off = {.logd_wait = o->logd_wait};
	struct vg_k8s_run k8s = {0};
	struct vg_k8s_reporter k8s_rep = {.w = &off.writer, .prog = "vigil"};
	uint32_t features = 0;
	const char *dir = o->out_dir ? o->out_dir : ".";
	int link, rc = 0;

	/* Before the file is opened: a stop from then on ends the run cleanly. */
	vg_offline_signals();
	src = open_input(o, &link);
	if (src == NULL)
		return 1;
	features = vg_options_features(o);
	shm = vg_log_segment(o->logd, 1, o->ring_size, features, o->json);
	if (shm == NULL) {
		vg_pcap_close(src);
		return 1;
	}
	rc = vg_offline_writer_open(o, &off, &k8s, &k8s_rep, features, dir);
	if (rc != 0) {
		vg_log_segment_done(shm, false);
		vg_pcap_close(src);
		return rc;
	}
	off.ring = &shm->rings[0];
	vg_port_set_from_analyzers(&ports, o->analyzers, NULL);
	vg_options_worker_cfg(o, &ports, features, &wc);
	wc.ring = off.ring;
	wc.ring_full = o->logd == NULL ? drain : wait_for_logd;
	wc.ring_full_ctx = &off;
	if ((o->logd == NULL && off.writer == NULL) || vg_worker_init(&w, &wc) != 0) {
		fprintf(stderr,
			"vigil: out of memory setting up (%s); try a smaller "
			"--max-flows\n",
			strerror(errno));
		vg_logshm_close(shm, false);
		vg_pcap_close(src);
		vg_k8s_run_stop(&k8s);
		return 1;
	}

	double t0 = mono_now();

	read_all(o, src, link, &w, &off, t0);
	vg_worker_flush(&w);
	if (off.writer != NULL)
		drain(&off);
	double secs = mono_now() - t0;

	if (!o->quiet && isatty(STDERR_FILENO))
		progress(src, w.stats.packets, t0, true);
	if (o->stats)
		vg_offline_print_stats(&w, off.ring, off.writer, secs);
	vg_offline_writer_close(o, &off, &k8s, &k8s_rep);
	rc = report_end(o, src, &off, &w, dir);
	if (off.have_policy)
		vg_policy_ctl_fini(&off.policy);
	vg_worker_fini(&w);
	vg_log_segment_done(shm, o->logd != NULL);
	vg_pcap_close(src);
	return rc;
}

int
main(int argc, char **argv)
{
	struct vg_options o;

	/* Log ids of the analyzers' logs, the same in vigil-logd (doc/logring.md). */
	vg_analyzers_register_logs();
	/* EAL's options end with "--": that makes it a live run. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return vg_run_live(argc, argv);

	int rc = vg_options_parse(&o, argc, argv, false);

	if (rc == 1)
		return 0;
	if (rc != 0)
		return 2;
	if (o.sig_check)
		return vg_sig_check_run(o.sig_files, o.nsig_files);
	if (o.iface != NULL)
		return vg_run_iface(&o, argv[0]);
	if (o.shadow.listen != NULL)
		return o.check_only ? vg_check_shadow(&o) : vg_run_shadow(&o);
	if (vg_sig_setup(&o) != 0)
		return 1;
	if (o.check_only)
		rc = check_offline(&o);
	else
		rc = vg_run_offline(&o);
	vg_sig_db_unref(o.sig_db);
	return rc;
}
