/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil live: EAL, ports, one worker per worker lcore, and the main lcore
 * for everything that is not the data path: the in-process log writer (unless
 * vigil-logd does that), stats.log and capture_loss.log, link checks, the
 * progress line, and a clean stop on SIGINT/SIGTERM.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "vg_sig_reload.h"
#include "vg_common.h"
#include "vg_console.h"
#include "vg_dpdk_port.h"
#include "vg_live.h"
#include "vg_live_exc.h"
#include "vg_health.h"
#include "vg_live_metrics.h"
#include "vg_live_console.h"
#include "vg_live_stats.h"
#include "vg_live_status.h"
#include "vg_logfmt.h"
#include "vg_policy.h"
#include "vg_reporter.h"
#include "vg_logfmt_k8s.h"
#include "vg_record.h"
#include "vg_run.h"
#include "vg_schema.h"

static struct vg_live live;
static volatile sig_atomic_t reopen_logs; /* SIGHUP: logrotate moved the files */
static volatile sig_atomic_t reload_sigs; /* SIGHUP: and the -s files may have changed */
static struct vg_sig_reload *sig_reload;  /* NULL: no signatures */
static struct vg_live_logd logd_watch;    /* --logd: show logd's view of the rings */
static struct vg_k8s_run *live_k8s;       /* --k8s: the in-process writer's inventory */

static void
on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&live.stop, 1, __ATOMIC_RELAXED);
}

void
vg_live_ask_sig_reload(void)
{
	reload_sigs = 1;
}

/* The console runs on the main lcore, the writer's thread: the reload is done here. */
int
vg_live_reload_pods(char *msg, size_t len)
{
	struct vg_k8s_stats st;
	char err[400];

	if (live_k8s == NULL || live_k8s->src == NULL) {
		snprintf(msg, len, "no Kubernetes inventory to reload (start with --k8s FILE)");
		return -1;
	}
	if (vg_k8s_src_reload(live_k8s->src, err, sizeof(err)) != 0) {
		snprintf(msg, len, "reload pods: %s; kept the last good inventory", err);
		return -1;
	}
	vg_k8s_inv_stats(live_k8s->inv, &st);
	snprintf(msg, len,
		"reload pods: read the --k8s files again: %" PRIu64 " pods, %" PRIu64
		" services, %" PRIu64 " nodes",
		st.objects[VG_K8S_POD], st.objects[VG_K8S_SERVICE], st.objects[VG_K8S_NODE]);
	return 0;
}

static void
on_hup(int sig)
{
	(void)sig;
	reopen_logs = 1;
	reload_sigs = 1;
}

/*
 * DPDK's log lines go to stderr as EAL would write them; the first error
 * among them is kept, so that a failure names its cause (a vdev that could
 * not open its file, no hugepages) instead of only its consequence.
 */
static char eal_error[256];

static ssize_t
eal_log_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	fwrite(buf, 1, n, stderr);
	int level = rte_log_cur_msg_loglevel();

	if (eal_error[0] == '\0' && level > 0 && level <= (int)RTE_LOG_ERR) {
		size_t len = strcspn(buf, "\n");

		if (len > n)
			len = n;
		if (len >= sizeof(eal_error))
			len = sizeof(eal_error) - 1;
		memcpy(eal_error, buf, len);
		eal_error[len] = '\0';
	}
	return (ssize_t)n;
}

static void
eal_log_capture(void)
{
	cookie_io_functions_t io = {.write = eal_log_write};
	FILE *fp = fopencookie(NULL, "w", io);

	if (fp != NULL) {
		setvbuf(fp, NULL, _IOLBF, 0);
		rte_openlog_stream(fp);
	}
}

/* Free hugepages of every size the kernel offers (sysfs); 0 when none. */
static uint64_t
free_hugepages(void)
{
	const char *base = "/sys/kernel/mm/hugepages";
	DIR *d = opendir(base);
	struct dirent *e;
	uint64_t total = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[512];
		unsigned long long v = 0;
		FILE *fp;

		if (strncmp(e->d_name, "hugepages-", 10) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/free_hugepages", base, e->d_name);
		fp = fopen(path, "r");
		if (fp == NULL)
			continue;
		if (fscanf(fp, "%llu", &v) == 1)
			total += v;
		fclose(fp);
	}
	closedir(d);
	return total;
}

static bool
has_arg(int argc, char **argv, const char *arg)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], arg) == 0)
			return true;
	return false;
}

/*
 * The bytes of records the main loop takes from one ring per pass, so that
 * a long backlog does not keep the console, the stats rows and the reload
 * steps waiting: the loop comes back at once while any ring has more.
 */
#define DRAIN_PASS_BYTES (256u << 10)

/* Writes what the rings hold, at most budget bytes per ring (0: all);
 * true when a ring was left with records. */
static bool
drain_all(struct vg_logshm *shm, struct vg_logwriter *writer, uint64_t budget)
{
	bool more = false;

	for (uint32_t i = 0; i < shm->nrings; i++) {
		const uint8_t *rec;
		uint32_t len;
		uint64_t taken = 0;

		while ((rec = vg_ring_peek(&shm->rings[i], &len)) != NULL) {
			if (budget != 0 && taken >= budget) {
				more = true;
				break;
			}
			/* A log the console turned off is not written. */
			if (vg_console_log_on(vg_rec_log_id(rec)))
				vg_logwriter_write(writer, rec, len);
			vg_ring_release(&shm->rings[i], len);
			taken += len;
		}
	}
	return more;
}

/* stats.log and capture_loss.log rows for the interval that just ended. */
static void
write_stats(struct vg_ring *ring, struct vg_logshm *shm, struct vg_live_totals *prev, uint64_t now,
	uint64_t prev_ns)
{
	static uint8_t buf[8192];
	struct vg_live_totals t;
	struct vg_port_counters pc;
	struct vg_rec r;
	uint32_t len;

	vg_live_totals(&live, shm, &t);
	vg_ports_counters(live.ports, &pc);
	t.nic_missed = VG_MAX(pc.imissed + pc.nombuf, prev->nic_missed);
	t.link = VG_MAX(pc.ipackets + pc.imissed, prev->link);
	/* Every count is for the interval, as in Zeek's stats.log. */
	uint64_t nic = t.nic_missed - prev->nic_missed,
		 disp = t.dispatch_drops - prev->dispatch_drops;

	vg_rec_begin(&r, buf, sizeof(buf), vg_schema_get(VG_LOG_STATS));
	vg_rec_time(&r, now);
	vg_rec_cstr(&r, "vigil");
	vg_rec_count(&r, vg_rss_mb());
	vg_rec_count(&r, t.pkts - prev->pkts);
	vg_rec_count(&r, t.bytes - prev->bytes);
	vg_rec_count(&r, nic + disp);
	vg_rec_count(&r, t.link - prev->link);
	/* pkt_lag, as Zeek: the clock now minus network time (the newest packet's). */
	uint64_t net = vg_live_net_ns(&live);

	if (net == 0)
		vg_rec_unset(&r);
	else
		vg_rec_interval(&r, now > net ? (int64_t)(now - net) : 0);
	vg_rec_count(&r, t.active[0]);
	vg_rec_count(&r, t.active[1]);
	vg_rec_count(&r, t.active[2]);
	vg_rec_count(&r, t.created[0] - prev->created[0]);
	vg_rec_count(&r, t.created[1] - prev->created[1]);
	vg_rec_count(&r, t.created[2] - prev->created[2]);
	vg_rec_unset(&r); /* reassem_frag_size: slots are fixed, not counted in bytes */
	vg_rec_count(&r, nic);
	vg_rec_count(&r, disp);
	vg_rec_count(&r, t.ring_drops - prev->ring_drops);
	vg_rec_count(&r, t.decode_drops - prev->decode_drops);
	vg_rec_count(&r, t.evicted - prev->evicted);
	vg_rec_count(&r, t.time_outside - prev->time_outside);
	vg_rec_count(&r, t.untracked - prev->untracked);
	/* The analyzers' and files': counts for the interval, levels as they are. */
	for (uint32_t i = 0, n = vg_an_counter_count(); i < n; i++)
		vg_rec_count(&r, vg_an_counter_is_gauge(i) ? t.an[i] : t.an[i] - prev->an[i]);
	if ((len = vg_rec_end(&r)) != 0)
		vg_ring_write(ring, buf, len);

	uint64_t acks = t.acks - prev->acks, gaps = t.gap_acks - prev->gap_acks;

	vg_rec_begin(&r, buf, sizeof(buf), vg_schema_get(VG_LOG_CAPTURE_LOSS));
	vg_rec_time(&r, now);
	vg_rec_interval(&r, (int64_t)(now - prev_ns));
	vg_rec_cstr(&r, "vigil");
	vg_rec_count(&r, gaps);
	vg_rec_count(&r, acks);
	vg_rec_double(&r, acks ? 100.0 * (double)gaps / (double)acks : 0.0);
	if ((len = vg_rec_end(&r)) != 0)
		vg_ring_write(ring, buf, len);
	*prev = t;
}

/*
 * Once a second: on a terminal, the progress line with every drop counter as
 * it grows; elsewhere (a service's journal), one line when log records were
 * dropped, at most every PROGRESS_DROP_EVERY seconds.
 */
#define PROGRESS_DROP_EVERY 10

struct progress {
	bool show, quiet;
	uint64_t last, pkts, ring_drops, said_drops, said_at;
};

static void
progress(struct progress *pg, const struct vg_logshm *shm, uint64_t now, uint64_t hz)
{
	struct vg_live_totals t;
	struct vg_port_counters pc;

	vg_live_totals(&live, shm, &t);
	vg_ports_counters(live.ports, &pc);
	if (pg->show)
		fprintf(stderr,
			"\rvigil: %" PRIu64 " packets  %.3f Mpps  %" PRIu64
			" conns  nic-missed %" PRIu64 "  dispatch-drops %" PRIu64
			"  ring-drops %" PRIu64 " ",
			t.pkts,
			(double)(t.pkts - pg->pkts) * (double)hz / (double)(now - pg->last) / 1e6,
			t.active[0] + t.active[1] + t.active[2] + t.active[3],
			pc.imissed + pc.nombuf, t.dispatch_drops, t.ring_drops);
	else if (!pg->quiet && t.ring_drops > pg->said_drops &&
		(pg->said_at == 0 || now - pg->said_at >= PROGRESS_DROP_EVERY * hz)) {
		fprintf(stderr,
			"vigil: ring-drops %" PRIu64 " (+%" PRIu64 "): log records dropped, a "
			"log ring was full; a larger --ring-size or a faster disk helps\n",
			t.ring_drops, t.ring_drops - pg->said_drops);
		pg->said_drops = t.ring_drops;
		pg->said_at = now;
	}
	pg->ring_drops = t.ring_drops;
	pg->pkts = t.pkts;
	pg->last = now;
}

static void
port_line(const struct vg_port *p, uint32_t mtu_asked)
{
	char mtu[64];

	if (p->mtu == 0)
		snprintf(mtu, sizeof(mtu), "any frame size");
	else
		snprintf(mtu, sizeof(mtu), "MTU %u%s", p->mtu,
			p->mtu_clamped ? " (the port's largest)" : "");
	fprintf(stderr,
		"vigil: port %u (%s): NIC timestamps %s, NIC checksums %s, %s, RX scatter %s, "
		"%u mbufs of %u bytes\n",
		p->id, p->driver, p->hw_timestamp ? "yes" : "no", p->rx_cksum ? "yes" : "no", mtu,
		p->scatter ? "yes" : "no", p->mbufs, p->mbuf_data);
	if (p->mtu_clamped && mtu_asked != 0)
		fprintf(stderr,
			"vigil: port %u (%s): --mtu %u is more than the port takes; larger "
			"frames are dropped by the NIC\n",
			p->id, p->driver, mtu_asked);
}

/* A worker on another NUMA node than its port reads every packet across nodes. */
static void
numa_check(const struct vg_live *lv, const struct vg_ports *ps)
{
	for (uint16_t w = 0; w < lv->nworkers; w++) {
		unsigned lcore = lv->workers[w]->lcore;
		int node = (int)rte_lcore_to_socket_id(lcore);

		for (uint16_t i = 0; i < ps->n; i++) {
			int pn = rte_eth_dev_socket_id(ps->port[i].id);

			if (pn >= 0 && node >= 0 && pn != node)
				fprintf(stderr,
					"vigil: worker %u (lcore %u) is on NUMA node %d, port %u "
					"(%s) on node %d: every packet crosses nodes; give EAL "
					"lcores of node %d (-l)\n",
					w, lcore, node, ps->port[i].id, ps->port[i].name, pn, pn);
		}
	}
}

static uint64_t
flush_waits(const struct vg_live *lv)
{
	uint64_t n = 0;

	for (uint16_t i = 0; i < lv->nworkers; i++)
		n += lv->workers[i]->cnt.flush_waits;
	return n;
}

/* A run that lost log records says so on its last line. */
static void
drops_said_last(const struct vg_live *lv, const struct vg_logshm *shm, const char *logd)
{
	struct vg_live_totals t;

	vg_live_totals(lv, shm, &t);
	if (t.ring_drops == 0)
		return;
	if (logd != NULL)
		fprintf(stderr,
			"vigil: %" PRIu64 " log records dropped (ring-drops): vigil-logd did not "
			"drain /dev/shm/%s in time; keep it running (vigil-logd --shm %s) or give "
			"a larger --ring-size\n",
			t.ring_drops, logd, logd);
	else
		fprintf(stderr,
			"vigil: %" PRIu64 " log records dropped (ring-drops): the writer fell "
			"behind; give a larger --ring-size or a faster disk\n",
			t.ring_drops);
}

/*
 * Software dispatch's account (read = decoded + dispatch-drops + stop-drops)
 * and its cost: TSC ticks per packet read, spent choosing owners and handing
 * over (pollers) and taking packets from the rings (workers).
 */
static void
print_dispatch(const struct vg_live *lv)
{
	uint64_t read = 0, sent = 0, drops = 0, tsc = 0, dtsc = 0, rtsc = 0, decodes = 0;

	for (uint16_t i = 0; i < lv->nworkers; i++) {
		const struct vg_live_counters *c = &lv->workers[i]->cnt;

		read += c->port_rx;
		sent += c->dispatched;
		drops += c->dispatch_drops;
		tsc += c->dispatch_tsc + c->receive_tsc;
		dtsc += c->decode_tsc;
		rtsc += c->receive_tsc;
		/* Every vg_decode() of a packet read: the pollers', and the workers'
		 * own (of the packets they did not get decoded). */
		decodes += lv->workers[i]->poll_dec.stats.packets +
			lv->workers[i]->w.dec.stats.packets - lv->workers[i]->w.stats.predecoded;
		if (lv->workers[i]->nrxq > 0)
			fprintf(stderr,
				"vigil: poller %u queues %u read %" PRIu64 " dispatched %" PRIu64
				" dispatch-drops %" PRIu64 "\n",
				i, lv->workers[i]->nrxq, c->port_rx, c->dispatched,
				c->dispatch_drops);
	}
	/* cycles/packet: choosing owners, handing over and taking from the rings
	 * (receive-cycles/packet: the taking alone); decode-cycles/packet: the
	 * pollers' decode, the packets' only one. */
	fprintf(stderr,
		"vigil: dispatch read %" PRIu64 " dispatched %" PRIu64 " dispatch-drops %" PRIu64
		" stop-drops %" PRIu64 " pollers %u cycles/packet %.1f decode-cycles/packet %.1f"
		" decodes %" PRIu64 " receive-cycles/packet %.1f\n",
		read, sent, drops, lv->stop_drops, lv->npollers,
		read ? (double)tsc / (double)read : 0.0, read ? (double)dtsc / (double)read : 0.0,
		decodes, read ? (double)rtsc / (double)read : 0.0);
}

/*
 * From the first burst any worker processed to the end of the last one: a
 * rate over it leaves out the start and an idle tail (--exit-idle, or a
 * replay that ended before --duration). 0 when no packet was processed.
 */
static double
flowed_secs(const struct vg_live *lv)
{
	uint64_t first = UINT64_MAX, last = 0;

	for (uint16_t i = 0; i < lv->nworkers; i++) {
		const struct vg_live_worker *w = lv->workers[i];

		if (w->first_rx_tsc == 0)
			continue;
		first = VG_MIN(first, w->first_rx_tsc);
		last = VG_MAX(last, w->done_rx_tsc);
	}
	return last > first ? (double)(last - first) / (double)lv->tsc_hz : 0.0;
}

static int
fail(const char *fmt, const char *a)
{
	fprintf(stderr, "vigil: ");
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	return 1;
}

/* What one live run set up, so a failure part way undoes exactly that. */
struct live_run {
	struct vg_options o;
	const char *dir;
	struct vg_ports ports;
	struct vg_logshm *shm;
	struct vg_logwriter *writer;
	struct vg_bpf filter;
	struct vg_port_set server_ports; /* the workers' flow tables point here */
	uint16_t nworkers;
	uint16_t workers_ready; /* workers initialised (fini'd on the way out) */
	bool eal, ports_up;
	struct vg_an_bus *bus;       /* expected connections between the workers */
	struct vg_policy_ctl policy; /* the in-process writer's export policy */
	bool have_policy;
	struct vg_exc exc; /* --exception */
	bool exc_open, health_on;
	struct vg_live_health health;
	struct vg_k8s_run k8s;          /* --k8s: the inventory the writer enriches with */
	struct vg_k8s_reporter k8s_rep; /* its lines: stderr and reporter.log */
};

/* Undoes what was set up, in reverse; `clean` says the segment ended well. */
static void
live_teardown(struct live_run *lr, bool clean)
{
	if (lr->health_on)
		vg_health_stop();
	lr->health_on = false;
	if (lr->exc_open)
		vg_exc_close(&lr->exc);
	lr->exc_open = false;
	live.exc = NULL;
	for (uint16_t i = 0; i < lr->workers_ready; i++)
		vg_live_worker_fini(live.workers[i]);
	lr->workers_ready = 0;
	vg_an_bus_free(lr->bus);
	lr->bus = NULL;
	vg_bpf_free(&lr->filter);
	if (lr->writer != NULL)
		vg_logwriter_close(lr->writer);
	lr->writer = NULL;
	if (lr->have_policy)
		vg_policy_ctl_fini(&lr->policy);
	lr->have_policy = false;
	live_k8s = NULL;
	vg_k8s_run_stop(&lr->k8s);
	if (lr->shm != NULL)
		vg_log_segment_done(lr->shm, clean);
	lr->shm = NULL;
	if (lr->ports_up)
		vg_ports_stop(&lr->ports);
	lr->ports_up = false;
	if (lr->eal)
		rte_eal_cleanup();
	lr->eal = false;
}

static int
live_fail(struct live_run *lr, const char *fmt, const char *a)
{
	live_teardown(lr, false);
	return fmt != NULL ? fail(fmt, a) : 1;
}

static int
start_eal(struct live_run *lr, int argc, char **argv)
{
	char err[512];

	/* From here on SIGHUP only asks for the logs to be reopened. */
	signal(SIGHUP, on_hup);
	eal_log_capture();
	if (rte_eal_init(argc, argv) < 0) {
		snprintf(err, sizeof(err), "%s%s%s",
			rte_errno ? rte_strerror(rte_errno) : "see EAL's messages above",
			eal_error[0] ? ": " : "", eal_error);
		return fail("DPDK could not start (%s); check the EAL options (e.g. --no-huge "
			    "-m 1024 --no-pci --vdev net_pcap0,rx_pcap=FILE); EAL needs root",
			err);
	}
	lr->eal = true;
	if (rte_eth_dev_count_avail() == 0 && eal_error[0] != '\0')
		return live_fail(
			lr, "DPDK made no port: %s; fix the --vdev or device arguments", eal_error);
	return 0;
}

/* One worker per worker lcore, or --workers of them. */
static int
pick_workers(struct live_run *lr)
{
	unsigned nlcores = rte_lcore_count();
	char err[128];

	if (nlcores < 2)
		return live_fail(lr, "%s",
			"live capture needs a main lcore and at least one worker; give "
			"EAL two lcores or more, e.g. -l 0-1");
	lr->nworkers = (uint16_t)(nlcores - 1);
	if (lr->o.workers > lr->nworkers) {
		snprintf(err, sizeof(err), "--workers %u needs %u worker lcores; EAL has %u",
			lr->o.workers, lr->o.workers, nlcores - 1);
		return live_fail(lr, "%s", err);
	}
	if (lr->o.workers)
		lr->nworkers = lr->o.workers;
	if (lr->nworkers > VG_LIVE_MAX_WORKERS)
		lr->nworkers = VG_LIVE_MAX_WORKERS;
	return 0;
}

static int
open_ports(struct live_run *lr)
{
	struct vg_ports_cfg pc;
	char err[512];

	memset(&pc, 0, sizeof(pc));
	pc.nworkers = lr->nworkers;
	pc.nlcores = (uint16_t)rte_lcore_count();
	pc.mbufs = lr->o.mbufs;
	pc.mtu = (uint16_t)lr->o.mtu;
	pc.dispatch_ring = VG_LIVE_DISPATCH_RING;
	pc.mbuf_priv = VG_LIVE_MBUF_PRIV;
	pc.no_rx_cksum = lr->o.no_nic_checksum;
	pc.mirror = lr->o.mirror;
	pc.dispatch = (enum vg_dispatch)lr->o.dispatch;
	pc.only = lr->o.nports ? lr->o.ports : NULL;
	pc.nonly = lr->o.nports;
	if (vg_ports_setup(&lr->ports, &pc, err, sizeof(err)) != 0)
		return live_fail(lr, "%s", err);
	lr->ports_up = true;
	return 0;
}

/* A change of the export policy (console, the file): stderr and reporter.log. */
static void
policy_say(void *arg, bool error, const char *msg)
{
	struct live_run *lr = arg;
	uint8_t rec[1536];
	uint32_t len;

	fprintf(stderr, "vigil: policy: %s\n", msg);
	len = vg_reporter_record(rec, sizeof(rec), vg_live_now_ns(&live),
		error ? VG_REPORTER_ERROR : VG_REPORTER_INFO, msg, "console");
	if (len != 0)
		vg_ring_write(&lr->shm->rings[lr->nworkers], rec, len);
}

/*
 * The in-process writer's export policy: --export-policy FILE, or one that
 * keeps everything, which `set log NAME sample R` changes (doc/policy.md).
 */
static int
open_policy(struct live_run *lr)
{
	char err[640];

	if (vg_policy_ctl_init(&lr->policy, lr->o.export_policy, err, sizeof(err)) != 0)
		return live_fail(lr, "%s", err);
	lr->have_policy = true;
	lr->policy.say = policy_say;
	lr->policy.say_arg = lr;
	vg_policy_process = &lr->policy;
	return 0;
}

/* The log segment (one ring per worker and one for stats), the writer, the filter. */
static int
open_logs(struct live_run *lr)
{
	uint32_t features = vg_options_features(&lr->o);
	char err[512];

	lr->shm = vg_log_segment(
		lr->o.logd, lr->nworkers + 1u, lr->o.ring_size, features, lr->o.json);
	if (lr->shm == NULL)
		return live_fail(lr, NULL, NULL);
	if (lr->o.logd == NULL && vg_k8s_opts_set(&lr->o.k8s)) {
		lr->k8s_rep.w = &lr->writer;
		lr->k8s_rep.prog = "vigil";
		if (vg_k8s_run_start(&lr->k8s, &lr->o.k8s, vg_k8s_report, &lr->k8s_rep, "vigil") !=
			0)
			return live_fail(lr, NULL, NULL);
		live_k8s = &lr->k8s;
	}
	if (lr->o.logd == NULL) {
		struct vg_logwriter_cfg lc = {.dir = lr->dir,
			.json = lr->o.json,
			.features = features,
			.tally = vg_live_metrics_tally(),
			.k8s = lr->k8s.inv};

		if (open_policy(lr) != 0)
			return 1;
		lc.policy = &lr->policy;
		lr->writer = vg_logwriter_create(&lc);
		vg_k8s_report_flush(&lr->k8s_rep); /* bad objects of the first load */
		if (lr->writer == NULL || access(lr->dir, W_OK) != 0)
			return live_fail(lr,
				"cannot write logs to '%s'; choose another directory with -o",
				lr->dir);
	}
	/* DPDK ports deliver Ethernet frames: the filter is compiled for that link. */
	if (lr->o.filter != NULL &&
		vg_bpf_compile(&lr->filter, lr->o.filter, DLT_EN10MB, err, sizeof(err)) != 0)
		return live_fail(lr, "capture filter does not compile (%s)", err);
	return 0;
}

static int
init_workers(struct live_run *lr)
{
	uint32_t features = vg_options_features(&lr->o);
	unsigned lcore;
	char err[512];

	memset(&live, 0, sizeof(live));
	live.ports = &lr->ports;
	live.nworkers = lr->nworkers;
	vg_live_clock_init(&live);
	vg_port_set_from_analyzers(&lr->server_ports, lr->o.analyzers, NULL);
	/* An expected connection (FTP data) may hash to another worker than the
	 * connection that announced it: the workers share expectations on a bus. */
	if (lr->nworkers > 1 && (lr->bus = vg_an_bus_create(lr->nworkers)) == NULL)
		return live_fail(lr, "%s",
			"cannot set up the workers' expectation bus (out of memory); try fewer "
			"--workers");
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		uint16_t idx = lr->workers_ready;
		struct vg_worker_cfg wc;

		if (idx == lr->nworkers)
			break;
		vg_options_worker_cfg(&lr->o, &lr->server_ports, features, &wc);
		/* Each worker's uids come from a sequence of its own. */
		wc.flow.uid_seed = lr->o.uid_seed + 0x9e3779b97f4a7c15ULL * (idx + 1u);
		wc.ring = &lr->shm->rings[idx];
		wc.analyzers.bus = lr->bus;
		wc.analyzers.index = idx;
		if (vg_live_worker_init(&live, idx, lcore, &wc) != 0) {
			snprintf(err, sizeof(err),
				"cannot set up worker %u (%s); try a smaller --max-flows", idx,
				strerror(errno));
			return live_fail(lr, "%s", err);
		}
		lr->workers_ready++;
	}
	live.filter = lr->filter.set ? &lr->filter : NULL;
	return 0;
}

_Static_assert(VG_EXC_MIRROR_VXLAN == VG_MIRROR_VXLAN && VG_EXC_MIRROR_GENEVE == VG_MIRROR_GENEVE &&
		VG_EXC_MIRROR_ERSPAN == VG_MIRROR_ERSPAN,
	"the exception classifier's mirror bits are --mirror's");

/*
 * --exception: the tap for the host's traffic, on the first capture port;
 * --health-port/--health-http: the responder (unhealthy until the first
 * judgement, a second after the workers start).
 */
static int
open_exception(struct live_run *lr)
{
	char err[512];

	if (lr->o.exc_iface != NULL) {
		lr->exc.cls = lr->o.exc;
		lr->exc.cls.mirror = lr->o.mirror;
		lr->exc.cls.mirror_port = lr->o.mirror_port;
		lr->exc_open = true;
		if (vg_exc_open(&lr->exc, lr->o.exc_iface, lr->ports.port[0].id, lr->nworkers, err,
			    sizeof(err)) != 0)
			return live_fail(lr, "%s", err);
		live.exc = &lr->exc;
		if (lr->o.exc.naddrs == 0 && !lr->o.quiet)
			fprintf(stderr,
				"vigil: --exception %s: no --host-addr; the host's addresses are "
				"learned from %s once a second: give it one (ip addr add ADDR/LEN "
				"dev %s, or dhclient %s)\n",
				lr->o.exc_iface, lr->o.exc_iface, lr->o.exc_iface, lr->o.exc_iface);
	}
	if (lr->o.health.ntcp > 0 || lr->o.health.http_port != 0) {
		vg_health_set(VG_HEALTH_STARTING, "starting");
		if (vg_health_start(&lr->o.health, err, sizeof(err)) != 0)
			return live_fail(lr, "%s", err);
		lr->health_on = true;
	}
	return 0;
}

/* Once a second: the addresses the kernel has on the exception interface. */
static void
learn_host_addrs(const struct live_run *lr)
{
	const struct vg_exc_hosts *h = &live.exc->hosts;
	char line[1024], a[64];
	size_t off = 0;

	if (!vg_exc_learn(live.exc) || lr->o.quiet)
		return;
	line[0] = '\0';
	for (uint8_t i = 0; i < h->nlearned && off < sizeof(line) - 1; i++) {
		vg_addr_format(&h->learned[i], a, sizeof(a));
		off += (size_t)snprintf(line + off, sizeof(line) - off, " %s", a);
	}
	fprintf(stderr, "vigil: exception %s: %u address(es) learned:%s\n", live.exc->iface,
		h->nlearned, h->nlearned ? line : " none");
}

/* Once a second: the sensor's health for the load balancer's checks. */
static void
judge_health(struct live_run *lr)
{
	struct vg_live_totals t;
	struct vg_port_counters pc;
	char why[128];

	if (!lr->health_on)
		return;
	vg_live_totals(&live, lr->shm, &t);
	vg_ports_counters(live.ports, &pc);
	enum vg_health_state st = vg_live_health_tick(&lr->health, &live, t.pkts,
		pc.imissed + pc.nombuf + t.dispatch_drops, why, sizeof(why));

	vg_health_set(st, why);
}

static void
launch_workers(struct live_run *lr)
{
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* SIGHUP reopens the logs logrotate moved and reloads the signatures (-s); a
	 * closed terminal must not kill the sensor. */
	signal(SIGHUP, on_hup);
	sig_reload = vg_sig_reload_create(&live, &lr->o);
	if (lr->o.logd != NULL) {
		memset(&logd_watch, 0, sizeof(logd_watch));
		logd_watch.shm = lr->shm;
		vg_live_logd_tick(&logd_watch, rte_rdtsc());
		live.logd = &logd_watch;
	}
	for (uint16_t i = 0; i < lr->nworkers; i++)
		rte_eal_remote_launch(vg_live_worker_main, live.workers[i], live.workers[i]->lcore);
	vg_telemetry_open(&live, lr->shm);
	vg_live_metrics_start(&live, lr->shm, lr->writer != NULL);
	if (!lr->o.quiet) {
		fprintf(stderr, "vigil: %u port(s), %u worker(s), %s dispatch\n", lr->ports.n,
			lr->nworkers,
			lr->nworkers == 1            ? "no"
				: lr->ports.software ? "software"
						     : "RSS");
		for (uint16_t i = 0; i < lr->ports.n; i++)
			port_line(&lr->ports.port[i], lr->o.mtu);
	}
	numa_check(&live, &lr->ports);
}

/*
 * While the host's frames move, the main lcore's idle passes come every
 * EXC_BUSY_SLEEP_US instead of every millisecond, for EXC_BUSY_MS after the
 * last frame: a round trip through the kernel (a ping, an SSH keystroke, a
 * TCP ACK) waits for the next pass on each side.
 */
#define EXC_BUSY_MS       20
#define EXC_BUSY_SLEEP_US 50

/* The main lcore's clocks while the workers run. */
struct live_loop {
	struct progress pg;
	struct vg_live_totals prev_tot;
	uint64_t hz, last_sec, last_stats, started, last_pin, idle_since, stats_prev_ns;
	uint64_t exc_busy_until; /* TSC: host frames moved lately, poll the tap sooner */
};

/* Once a second: links, the NIC clock pin, progress, --exit-idle and --duration. */
static void
each_second(struct live_run *lr, struct live_loop *lp, uint64_t now)
{
	uint64_t before = lp->pg.pkts, hz = lp->hz;

	vg_ports_poll_links(&lr->ports);
	if (lr->have_policy) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		vg_policy_ctl_tick(
			&lr->policy, (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
	}
	if (now - lp->last_pin >= VG_CLOCK_REPIN_S * hz) {
		vg_live_clock_repin(&live);
		lp->last_pin = now;
	}
	progress(&lp->pg, lr->shm, now, hz);
	if (live.exc != NULL)
		learn_host_addrs(lr);
	judge_health(lr);
	if (lp->pg.pkts != before)
		lp->idle_since = now;
	lp->last_sec = now;
	if (lr->o.exit_idle && lp->pg.pkts > 0 &&
		now - lp->idle_since >= (uint64_t)lr->o.exit_idle * hz)
		__atomic_store_n(&live.stop, 1, __ATOMIC_RELAXED);
	if (lr->o.duration && now - lp->started >= (uint64_t)lr->o.duration * hz)
		__atomic_store_n(&live.stop, 1, __ATOMIC_RELAXED);
}

/* Runs until a signal, --exit-idle or --duration; returns the seconds it ran. */
static double
run_until_stop(struct live_run *lr, struct live_loop *lp)
{
	memset(lp, 0, sizeof(*lp));
	lp->hz = rte_get_tsc_hz();
	lp->started = lp->last_sec = lp->last_stats = lp->last_pin = lp->idle_since = rte_rdtsc();
	lp->stats_prev_ns = vg_live_now_ns(&live);
	/* The console (-i) has the terminal: no progress line there. */
	lp->pg.show = !lr->o.quiet && !lr->o.interactive && isatty(STDERR_FILENO);
	lp->pg.quiet = lr->o.quiet;
	lp->pg.last = lp->last_sec;
	while (!__atomic_load_n(&live.stop, __ATOMIC_RELAXED)) {
		bool more = lr->writer != NULL && drain_all(lr->shm, lr->writer, DRAIN_PASS_BYTES);

		/* The host's traffic both ways: a pass after every drain, at most 1 ms apart. */
		if (live.exc != NULL && vg_exc_poll(live.exc)) {
			more = true;
			lp->exc_busy_until = rte_rdtsc() + lp->hz / 1000 * EXC_BUSY_MS;
		}
		/* --k8s files that changed, --k8s-watch streams (rate-limited inside). */
		if (lr->k8s.src != NULL)
			vg_k8s_src_poll(lr->k8s.src, false);

		vg_live_logd_tick(live.logd, rte_rdtsc());
		vg_console_poll();
		if (reopen_logs) {
			reopen_logs = 0;
			if (lr->writer != NULL)
				vg_logwriter_reopen(lr->writer);
		}
		if (reload_sigs) {
			reload_sigs = 0;
			if (sig_reload != NULL)
				vg_sig_reload_request(sig_reload);
		}
		vg_sig_reload_tick(sig_reload);
		uint64_t now = rte_rdtsc();

		if (now - lp->last_sec >= lp->hz)
			each_second(lr, lp, now);
		if (now - lp->last_stats >= (uint64_t)lr->o.stats_interval * lp->hz) {
			uint64_t ns = vg_live_now_ns(&live);

			write_stats(&lr->shm->rings[lr->nworkers], lr->shm, &lp->prev_tot, ns,
				lp->stats_prev_ns);
			lp->stats_prev_ns = ns;
			lp->last_stats = now;
		}
		if (!more)
			usleep(rte_rdtsc() < lp->exc_busy_until ? EXC_BUSY_SLEEP_US : 1000);
	}
	if (lr->health_on)
		vg_health_set(VG_HEALTH_STOPPING, "stopping");
	return (double)(rte_rdtsc() - lp->started) / (double)lp->hz;
}

/*
 * The workers end every connection now, which can fill their rings many
 * times over: the writer keeps draining them until all have flushed (with
 * vigil-logd, the workers wait for it instead). Returns non-zero when the
 * logs could not be written.
 */
static int
stop_and_flush(struct live_run *lr, struct live_loop *lp)
{
	int rc = 0;

	while (!vg_live_flushed(&live)) {
		if (lr->writer != NULL)
			drain_all(lr->shm, lr->writer, 0);
		uint64_t now = rte_rdtsc();

		if (now - lp->last_sec >= lp->hz) {
			progress(&lp->pg, lr->shm, now, lp->hz);
			lp->last_sec = now;
		}
		usleep(lr->writer != NULL ? 200 : 1000);
	}
	rte_eal_mp_wait_lcore();
	vg_live_reap(&live);
	write_stats(&lr->shm->rings[lr->nworkers], lr->shm, &lp->prev_tot, vg_live_now_ns(&live),
		lp->stats_prev_ns);
	if (lp->pg.show) {
		progress(&lp->pg, lr->shm, rte_rdtsc(), lp->hz);
		fputc('\n', stderr);
	}
	if (lr->writer != NULL) {
		drain_all(lr->shm, lr->writer, 0);
		int closed = vg_logwriter_close(lr->writer);

		lr->writer = NULL;
		lr->k8s_rep.w = NULL;
		if (closed != 0) {
			fprintf(stderr, "vigil: writing logs to '%s' failed; check the disk\n",
				lr->dir);
			rc = 1;
		}
	}
	return rc;
}

/* --stats: the exception path's and the health checks' counters. */
static void
print_exception(const struct live_run *lr)
{
	if (lr->exc_open) {
		struct vg_live_exc_totals x;

		vg_live_exc_totals(&live, &x);
		fprintf(stderr,
			"vigil: exception to-kernel %" PRIu64 " to-kernel-drops %" PRIu64
			" from-kernel %" PRIu64 " from-kernel-drops %" PRIu64
			" host-ignored %" PRIu64 " paused-drops %" PRIu64 " learned-addrs %" PRIu64
			" addr-changes %" PRIu64 "\n",
			x.to_kernel, x.to_kernel_drops, x.from_kernel, x.from_kernel_drops,
			x.host_ignored, x.paused_drops, x.learned_addrs, x.addr_changes);
	}
	if (lr->health_on) {
		struct vg_health_counters h;

		vg_health_counters(&h);
		fprintf(stderr,
			"vigil: health tcp-accepted %" PRIu64 " http-ok %" PRIu64
			" http-unhealthy %" PRIu64 " http-other %" PRIu64 " changes %" PRIu64 "\n",
			h.tcp_accepted, h.http_ok, h.http_unhealthy, h.http_other, h.changes);
	}
}

/* --stats: the run's counters on stderr. */
static void
print_stats(struct live_run *lr, double run_secs)
{
	struct vg_live_totals t;
	struct vg_port_counters c;
	uint64_t filtered = 0;

	vg_live_totals(&live, lr->shm, &t);
	vg_ports_counters(&lr->ports, &c);
	fprintf(stderr,
		"vigil: packets %" PRIu64 " nic-missed %" PRIu64 " dispatch-drops %" PRIu64
		" ring-drops %" PRIu64 " flush-waits %" PRIu64 " decode-drops %" PRIu64
		" conns %" PRIu64 " nic-checksums %" PRIu64 "\n",
		t.pkts, c.imissed + c.nombuf, t.dispatch_drops, t.ring_drops, flush_waits(&live),
		t.decode_drops, t.created[0] + t.created[1] + t.created[2] + t.created[3],
		t.nic_cksum);
	fprintf(stderr,
		"vigil: fragments %" PRIu64 " reassembled %" PRIu64 " frag-timeouts %" PRIu64
		" frag-evicted %" PRIu64 " frag-active %" PRIu64 "\n",
		t.fragments, t.reassembled, t.frag_timeouts, t.frag_evicted, t.frag_active);
	fprintf(stderr,
		"vigil: evicted %" PRIu64 " time-outside %" PRIu64 " time-jumps %" PRIu64
		" untracked %" PRIu64 " timers-late %" PRIu64 "\n",
		t.evicted, t.time_outside, t.time_jumps, t.untracked, t.timers_late);
	vg_print_an_counters(t.an);
	if (lr->o.sig_db != NULL)
		vg_print_sig_counters(t.sig);
	if (lr->ports.software && lr->nworkers > 1)
		print_dispatch(&live);
	print_exception(lr);
	for (uint16_t i = 0; i < lr->nworkers; i++) {
		fprintf(stderr, "vigil: worker %u lcore %u packets %" PRIu64 "\n", i,
			live.workers[i]->lcore, live.workers[i]->w.dec.stats.packets);
		filtered += live.workers[i]->cnt.filtered;
	}
	/* TSC ticks of the bursts (decode, flows, analyzers) per packet: what a
	 * packet costs the worker, the time it was not scheduled aside. */
	for (uint16_t i = 0; i < lr->nworkers; i++) {
		uint64_t p = live.workers[i]->w.dec.stats.packets;

		fprintf(stderr, "vigil: worker %u cycles/packet %.1f\n", i,
			p ? (double)live.workers[i]->cnt.work_tsc / (double)p : 0.0);
	}
	if (lr->o.filter != NULL)
		fprintf(stderr, "vigil: filtered %" PRIu64 " (not passed by -f)\n", filtered);
	double flowed = flowed_secs(&live);

	/* The rate while packets flowed; the run's whole time comes first. */
	fprintf(stderr, "vigil: live %.3f s, %.3f Mpps, packets flowed %.3f s\n", run_secs,
		flowed > 0 ? (double)t.pkts / flowed / 1e6 : 0.0, flowed);
}

static int
live_main(struct vg_options *op, int argc, char **argv)
{
	static struct live_run lr;
	struct live_loop lp;
	int rc;

	memset(&lr, 0, sizeof(lr));
	lr.o = *op;
	lr.dir = lr.o.out_dir ? lr.o.out_dir : ".";
	if (vg_live_metrics_bind(lr.o.metrics) != 0 || start_eal(&lr, argc, argv) != 0 ||
		pick_workers(&lr) != 0 || open_ports(&lr) != 0 || open_logs(&lr) != 0 ||
		init_workers(&lr) != 0 || open_exception(&lr) != 0)
		return 1;
	launch_workers(&lr);
	/* A console that cannot start stops the sensor at once, cleanly. */
	int rc_console = vg_live_console_open(&lr.o, &live, lr.shm, lr.nworkers, argc, argv);

	if (rc_console != 0)
		__atomic_store_n(&live.stop, 1, __ATOMIC_RELAXED);

	double run_secs = run_until_stop(&lr, &lp);

	vg_console_close();
	rc = stop_and_flush(&lr, &lp) | rc_console;
	vg_sig_reload_free(sig_reload);
	sig_reload = NULL;
	if (lr.o.stats)
		print_stats(&lr, run_secs);
	if (lr.o.stats)
		vg_k8s_run_print_stats(&lr.k8s, stderr, "vigil");
	drops_said_last(&live, lr.shm, lr.o.logd);
	vg_telemetry_close();
	vg_live_metrics_stop();
	live_teardown(&lr, lr.o.logd != NULL);
	return rc;
}

/* Before EAL starts: vigil's own options, the log directory, the filter, hugepages. */
static int
check_before_eal(const struct vg_options *o, int argc, char **argv)
{
	if (vg_options_check(o, DLT_EN10MB) != 0)
		return 1;
	if (!has_arg(argc, argv, "--no-huge") && free_hugepages() == 0) {
		fprintf(stderr,
			"vigil: no free hugepages (HugePages_Free in /proc/meminfo is 0); reserve "
			"some (echo 1024 > /proc/sys/vm/nr_hugepages) or run without them: "
			"--no-huge -m 1024 before the --\n");
		return 1;
	}
	return 0;
}

int
vg_run_live(int argc, char **argv)
{
	struct vg_options o;
	int dd = 1, rc;
	bool interactive = vg_live_console_take_i(&argc, &argv);

	while (dd < argc && strcmp(argv[dd], "--") != 0)
		dd++;
	if (vg_options_check_eal_part(dd, argv) != 0)
		return 2;
	/* vigil's options are parsed and checked before EAL probes anything. */
	char **vargv = calloc((size_t)(argc - dd + 1), sizeof(*vargv));

	if (vargv == NULL)
		return 1;
	vargv[0] = argv[0];
	for (int i = dd + 1; i < argc; i++)
		vargv[i - dd] = argv[i];
	rc = vg_options_parse(&o, argc - dd, vargv, true);
	free(vargv);
	if (rc != 0)
		return rc == 1 ? 0 : 2;
	if (o.check_only) {
		if (vg_options_check(&o, DLT_EN10MB) != 0)
			return 1;
		if (!o.quiet)
			fprintf(stderr,
				"vigil: configuration OK (EAL's options are checked when "
				"DPDK starts)\n");
		return 0;
	}
	o.interactive = interactive;
	if (check_before_eal(&o, dd, argv) != 0 || vg_live_console_check(&o, dd, argv) != 0)
		return 1;
	if (vg_sig_setup(&o) != 0)
		return 1;
	rc = live_main(&o, dd, argv);
	vg_sig_db_unref(o.sig_db);
	return rc;
}

/*
 * -i IFACE: a kernel interface through DPDK's net_af_packet, with the EAL
 * options written here: no PCI probing, no runtime files (--in-memory with
 * hugepages when there are free ones, else --no-shconf and 1 GiB of ordinary
 * memory); one
 * lcore for the main loop and one per worker (--workers, default 1), spread
 * over the CPUs vigil may run on; one af_packet queue pair per worker
 * (PACKET_FANOUT by flow hash: RSS dispatch).
 */
int
vg_run_iface(const struct vg_options *o, const char *prog)
{
	char lcores[512], vdev[128];
	char *eal[16];
	int n = 0, ncpu = 0, cpus[256], nworkers = o->workers ? o->workers : 1;
	cpu_set_t set;
	size_t used = 0;

	if (o->check_only) {
		if (vg_options_check(o, DLT_EN10MB) != 0)
			return 1;
		if (!o->quiet)
			fprintf(stderr, "vigil: configuration OK\n");
		return 0;
	}
	if (vg_options_check(o, DLT_EN10MB) != 0)
		return 1;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE && ncpu < 256; c++)
			if (CPU_ISSET(c, &set))
				cpus[ncpu++] = c;
	if (ncpu == 0)
		cpus[ncpu++] = 0;
	lcores[0] = '\0';
	for (int l = 0; l <= nworkers && used < sizeof(lcores) - 16; l++)
		used += (size_t)snprintf(lcores + used, sizeof(lcores) - used, "%s%d@%d",
			l ? "," : "", l, cpus[l % ncpu]);
	snprintf(vdev, sizeof(vdev), "net_af_packet0,iface=%s,qpairs=%d", o->iface, nworkers);
	eal[n++] = (char *)prog;
	eal[n++] = "--lcores";
	eal[n++] = lcores;
	eal[n++] = "--no-pci";
	eal[n++] = "--log-level";
	eal[n++] = "lib.eal:error";
	eal[n++] = "--vdev";
	eal[n++] = vdev;
	/* No runtime files either way (--in-memory needs hugepages; --no-shconf does not). */
	if (free_hugepages() == 0) {
		eal[n++] = "--no-huge";
		eal[n++] = "-m";
		eal[n++] = "1024";
		eal[n++] = "--no-shconf";
	} else {
		eal[n++] = "--in-memory";
	}
	eal[n] = NULL;

	struct vg_options live_o = *o;

	live_o.live = true;
	if (vg_sig_setup(&live_o) != 0)
		return 1;
	int rc = live_main(&live_o, n, eal);

	vg_sig_db_unref(live_o.sig_db);
	return rc;
}
