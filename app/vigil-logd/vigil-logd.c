/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-logd: the log writer as its own process. Attaches to the sensor's
 * shared-memory segment (--shm NAME, the sensor's --logd NAME), drains every
 * ring round-robin and writes Zeek logs through lib/logfmt, with rotation.
 * The consumer cursor lives in the segment and a record is released only
 * after its line went to write(2), so killing this process loses nothing;
 * the record being released at that moment may be written again by the next
 * run. doc/vigil-logd.md has the whole lifecycle.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vg_common.h"
#include "vg_analyzer.h"
#include "vg_k8s_opts.h"
#include "vg_logd_k8s.h"
#include "vg_logd_console.h"
#include "vg_logd_metrics.h"
#include "vg_logfmt.h"
#include "vg_logfmt_k8s.h"
#include "vg_logring.h"
#include "vg_policy.h"
#include "vg_reporter.h"
#include "vg_schema.h"
#include "vg_sink.h"

#define BATCH        64            /* records per ring per turn */
#define IDLE_MIN_NS  1000000       /* first sleep when every ring is empty: 1 ms */
#define IDLE_MAX_NS  50000000      /* doubling up to 50 ms */
#define ATTACH_NS    50000000      /* retry attaching every 50 ms */
#define HALF_MADE_NS 1000000000ULL /* how long a segment may lack its version */
#define K8S_BATCH    4096          /* Kubernetes API events per turn */
#define CONSOLE_NS   10000000      /* serve the console socket every 10 ms under load */

struct logd_opts {
	const char *shm;                       /* --shm NAME */
	const char *dir;                       /* -o DIR */
	bool json;                             /* --json: JSON whatever the segment says */
	uint64_t rotate_secs;                  /* --rotate-interval */
	uint64_t rotate_bytes;                 /* --rotate-size */
	bool exit_when_done;                   /* --exit-when-done */
	uint64_t wait_secs;                    /* --wait */
	bool quiet;                            /* -q */
	bool stats;                            /* --stats */
	const char *metrics;                   /* --metrics-listen ADDR:PORT */
	struct vg_logd_k8s_opts k8s;           /* --k8s-api and its options */
	struct vg_k8s_opts k8sf;               /* --k8s, --k8s-watch, --k8s-labels, --k8s-history */
	struct vg_sink_url sinks[VG_SINK_MAX]; /* --sink URL, repeatable */
	unsigned int nsinks;
	const char *policy;         /* --export-policy FILE */
	const char *console;        /* --console-socket PATH (NULL: the default) */
	bool no_console;            /* --console-socket none */
	uint64_t export_stats_secs; /* --export-stats-interval; 0: none */
	bool check_policy;          /* --check-policy: compile the policy file and exit */
};

struct logd {
	struct logd_opts o;
	struct vg_logshm *shm;
	struct vg_logwriter *w; /* NULL until the first record */
	struct vg_sinks *sinks; /* --sink: outlives the writers */
	uint32_t w_features;    /* what w was made with */
	bool w_json;
	uint64_t gen;               /* producer generation last seen */
	struct vg_logd_figures fig; /* records written and more, for --metrics-listen */
	uint64_t old_drops;         /* drop counters of segments read before this one */
	bool *corrupt;              /* per ring: already reported as corrupt */
	struct vg_k8s_inv *inv;     /* the Kubernetes inventory, with --k8s-api or --k8s... */
	struct vg_logd_k8s k8s;     /* the API client feeding it */
	struct vg_k8s_run k8sr;     /* the inventory, and its files and streams */
	struct vg_k8s_reporter k8s_rep;
	struct vg_policy_ctl policy; /* the export policy (lib/policy) */
	struct vg_logd_console_ctx con;
	uint64_t next_export_stats; /* CLOCK_MONOTONIC of the next export_stats.log rows */
};

/* Set by the signal handlers; the only state they touch. */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t rotate_requested;
static volatile sig_atomic_t reload_requested;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
on_hup(int sig)
{
	(void)sig;
	rotate_requested = 1;
	reload_requested = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: vigil-logd --shm NAME [options]\n"
		"Writes the Zeek logs of a vigil sensor that runs with --logd NAME.\n"
		"\n"
		"      --shm NAME            the sensor's shared memory (/dev/shm/NAME)\n"
		"  -o, --output DIR          directory for the logs (default: current "
		"directory)\n"
		"      --json                Zeek's JSON lines, whatever the sensor asked for\n"
		"      --rotate-interval S   rotate a log file S seconds after it was opened\n"
		"      --rotate-size BYTES   rotate a log file at this size (K, M, G allowed)\n"
		"                            (rotated: conn.YYYY-MM-DD-HH-MM-SS.log, UTC, "
		"the\n"
		"                            file's #open time; 0 = never, the default)\n"
		"      --exit-when-done      exit once the sensor has finished and every ring\n"
		"                            is drained, and remove the segment\n"
		"      --wait S              wait up to S seconds for the segment (default 10)\n"
		"  -q, --quiet               only errors on stderr\n"
		"      --stats               print counters at exit\n"
		"      --metrics-listen ADDR:PORT  serve Prometheus metrics at /metrics\n"
		"                            (e.g. 127.0.0.1:9101; doc/metrics.md)\n"
		"      --sink URL            also send every record there (repeatable): stdout,\n"
		"                            syslog+udp://HOST:PORT, syslog+tcp://HOST:PORT,\n"
		"                            syslog+tls://HOST:PORT?ca=FILE,\n"
		"                            kafka://HOST:PORT?topic_prefix=vigil.\n"
		"                            (options and counters: doc/vigil-logd.md)\n"
		"      --k8s-api             enrich the logs from the Kubernetes API, in-cluster\n"
		"                            (the service account's token and CA; doc/k8s-api.md)\n"
		"      --k8s-api-url URL     the API server (default: the in-cluster one)\n"
		"      --k8s-token FILE      the bearer token, re-read when it changes\n"
		"      --k8s-ca FILE         the CA of the API server's certificate\n" VG_K8S_USAGE
		"      --export-policy FILE  which records go out: per log on/off, sampling,\n"
		"                            filters, columns (YAML, doc/policy.md); reread\n"
		"                            when it changes, on SIGHUP and 'policy reload'\n"
		"      --export-stats-interval S  an export_stats.log row per log every S\n"
		"                            seconds and at exit (default 60 with\n"
		"                            --export-policy, else 0 = none)\n"
		"      --check-policy        only compile the --export-policy file: exit 0\n"
		"                            when it is good, else 1 with its file:line\n"
		"      --console-socket PATH the console for 'vigil-ctl --logd' (default\n"
		"                            " VG_LOGD_SOCKET_DIR
		"/<shm>.logd; 'none': no console)\n"
		"  -h, --help                this text\n"
		"Signals: SIGTERM/SIGINT drain the rings, close the files and exit; SIGHUP\n"
		"rotates every open file now and reads the --export-policy file again.\n");
}

/* One line for the user, prefixed with the program's name. */
static void
say(const char *fmt, ...)
{
	va_list ap;

	fputs("vigil-logd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A decimal number, with a K/M/G (1024-based) suffix when allowed. */
static int
parse_num(const char *opt, const char *s, bool suffix, uint64_t max, uint64_t *out)
{
	const char *what = suffix ? "a number of bytes, like 1048576 or 100M"
				  : "a number of seconds, like 3600";
	uint64_t v = 0, mul = 1;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			goto bad;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		goto bad;
	if (suffix && *p != '\0' && p[1] == '\0') {
		switch (*p) {
		case 'k':
		case 'K':
			mul = 1ULL << 10;
			break;
		case 'm':
		case 'M':
			mul = 1ULL << 20;
			break;
		case 'g':
		case 'G':
			mul = 1ULL << 30;
			break;
		default:
			goto bad;
		}
		p++;
	}
	if (*p != '\0' || v > max / mul)
		goto bad;
	*out = v * mul;
	return 0;
bad:
	say("%s needs %s (at most %" PRIu64 "), not '%s'; see 'vigil-logd --help'", opt, what, max,
		s);
	return -1;
}

/* --sink URL: checked now, started once every option is read. */
static int
add_sink(struct logd_opts *o, const char *url)
{
	char err[512];

	if (o->nsinks == VG_SINK_MAX) {
		say("more than %d --sink options; send fewer outputs from one vigil-logd",
			VG_SINK_MAX);
		return -1;
	}
	if (vg_sink_url_parse(url, &o->sinks[o->nsinks], err, sizeof(err)) != 0) {
		say("--sink: %s", err);
		return -1;
	}
	o->nsinks++;
	return 0;
}

/* --sink: the sinks start before anything else; 0, or -1 after a one-line error. */
static int
start_sinks(struct logd *d)
{
	char err[512];

	if (d->o.nsinks == 0)
		return 0;
	d->sinks = vg_sinks_create(d->o.sinks, d->o.nsinks, err, sizeof(err));
	if (d->sinks == NULL) {
		say("--sink: %s", err);
		return -1;
	}
	d->fig.sinks = d->sinks;
	return 0;
}

enum {
	OPT_SHM = 256,
	OPT_JSON,
	OPT_ROTATE_INTERVAL,
	OPT_ROTATE_SIZE,
	OPT_EXIT_WHEN_DONE,
	OPT_WAIT,
	OPT_STATS,
	OPT_METRICS_LISTEN,
	OPT_K8S_API,
	OPT_K8S_API_URL,
	OPT_K8S_TOKEN,
	OPT_K8S_CA,
	OPT_SINK,
	OPT_EXPORT_POLICY,
	OPT_EXPORT_STATS_INTERVAL,
	OPT_CONSOLE_SOCKET,
	OPT_CHECK_POLICY,
};

static const struct option long_opts[] = {
	{"shm", required_argument, NULL, OPT_SHM},
	{"output", required_argument, NULL, 'o'},
	{"json", no_argument, NULL, OPT_JSON},
	{"rotate-interval", required_argument, NULL, OPT_ROTATE_INTERVAL},
	{"rotate-size", required_argument, NULL, OPT_ROTATE_SIZE},
	{"exit-when-done", no_argument, NULL, OPT_EXIT_WHEN_DONE},
	{"wait", required_argument, NULL, OPT_WAIT},
	{"quiet", no_argument, NULL, 'q'},
	{"stats", no_argument, NULL, OPT_STATS},
	{"metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN},
	{"k8s-api", no_argument, NULL, OPT_K8S_API},
	{"k8s-api-url", required_argument, NULL, OPT_K8S_API_URL},
	{"k8s-token", required_argument, NULL, OPT_K8S_TOKEN},
	{"k8s-ca", required_argument, NULL, OPT_K8S_CA},
	VG_K8S_LONG_OPTIONS,
	{"sink", required_argument, NULL, OPT_SINK},
	{"export-policy", required_argument, NULL, OPT_EXPORT_POLICY},
	{"export-stats-interval", required_argument, NULL, OPT_EXPORT_STATS_INTERVAL},
	{"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},
	{"check-policy", no_argument, NULL, OPT_CHECK_POLICY},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* 0 to run, 1 after --help, 2 on a usage error (already reported). */
static int
parse_opts(struct logd_opts *o, int argc, char **argv)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->dir = ".";
	o->wait_secs = 10;
	o->export_stats_secs = UINT64_MAX; /* 60 with --export-policy, else none */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:qh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_SHM:
			o->shm = optarg;
			break;
		case 'o':
			o->dir = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_ROTATE_INTERVAL:
			if (parse_num("--rotate-interval", optarg, false, 366ULL * 86400,
				    &o->rotate_secs) != 0)
				return 2;
			break;
		case OPT_ROTATE_SIZE:
			if (parse_num("--rotate-size", optarg, true, 1ULL << 50,
				    &o->rotate_bytes) != 0)
				return 2;
			break;
		case OPT_EXIT_WHEN_DONE:
			o->exit_when_done = true;
			break;
		case OPT_WAIT:
			if (parse_num("--wait", optarg, false, 86400, &o->wait_secs) != 0)
				return 2;
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_STATS:
			o->stats = true;
			break;
		case OPT_METRICS_LISTEN:
			o->metrics = optarg;
			break;
		case OPT_K8S_API:
		case OPT_K8S_API_URL:
		case OPT_K8S_TOKEN:
		case OPT_K8S_CA:
			/* Any of them asks for the API; the others keep their defaults. */
			o->k8s.api = true;
			if (c == OPT_K8S_API_URL)
				o->k8s.url = optarg;
			else if (c == OPT_K8S_TOKEN)
				o->k8s.token = optarg;
			else if (c == OPT_K8S_CA)
				o->k8s.ca = optarg;
			break;
		case OPT_SINK:
			if (add_sink(o, optarg) != 0)
				return 2;
			break;
		case OPT_EXPORT_POLICY:
			o->policy = optarg;
			break;
		case OPT_EXPORT_STATS_INTERVAL:
			if (parse_num("--export-stats-interval", optarg, false, 86400,
				    &o->export_stats_secs) != 0)
				return 2;
			break;
		case OPT_CHECK_POLICY:
			o->check_policy = true;
			break;
		case OPT_CONSOLE_SOCKET:
			o->no_console = strcmp(optarg, "none") == 0;
			o->console = o->no_console ? NULL : optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case ':':
			say("option '%s' needs a value; see 'vigil-logd --help'", argv[optind - 1]);
			return 2;
		default:
			c = vg_k8s_opt(&o->k8sf, c, optarg, "vigil-logd");
			if (c == 0)
				break;
			if (c == 2)
				return 2;
			say("unknown option '%s'; see 'vigil-logd --help'", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		say("unexpected argument '%s'; see 'vigil-logd --help'", argv[optind]);
		return 2;
	}
	if (o->export_stats_secs == UINT64_MAX)
		o->export_stats_secs = o->policy != NULL ? 60 : 0;
	if (o->check_policy) {
		if (o->policy != NULL)
			return 0;
		say("--check-policy checks the file of --export-policy FILE; give it");
		return 2;
	}
	if (o->shm == NULL) {
		say("give the segment to read with --shm NAME (the sensor's --logd NAME); see "
		    "'vigil-logd --help'");
		return 2;
	}
	const char *bare = o->shm[0] == '/' ? o->shm + 1 : o->shm;

	if (bare[0] == '\0' || strchr(bare, '/') != NULL || strlen(bare) > 62) {
		say("shared memory name '%s' is not valid; use 1 to 62 characters without '/'",
			o->shm);
		return 2;
	}
	o->shm = bare;
	return 0;
}

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ULL), .tv_nsec = (long)(ns % 1000000000ULL)};

	/* A signal cuts the sleep short; the loop then looks at the flags. */
	nanosleep(&ts, NULL);
}

static int
check_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		say("output directory '%s' does not exist; create it or choose another with -o",
			dir);
		return -1;
	}
	if (access(dir, W_OK) != 0) {
		say("cannot write to '%s'; choose another directory with -o", dir);
		return -1;
	}
	return 0;
}

/* Waits up to --wait seconds for the segment; NULL after reporting why not. */
static struct vg_logshm *
attach_wait(const struct logd_opts *o, struct vg_logd_k8s *k8s, struct vg_k8s_src *k8s_src)
{
	uint64_t start = vg_mono_ns(), deadline = start + o->wait_secs * 1000000000ULL;
	uint64_t first_bad = 0;

	for (;;) {
		struct vg_logshm *shm = vg_logshm_attach(o->shm);
		int e = errno;
		uint64_t now = vg_mono_ns();

		if (shm != NULL)
			return shm;
		if (e == EACCES) {
			say("cannot open /dev/shm/%s (%s); run vigil-logd as the sensor's user",
				o->shm, strerror(e));
			return NULL;
		}
		/* A segment being made has no version yet; give it a moment, not --wait. */
		if (e == EPROTO && first_bad == 0)
			first_bad = now;
		if (e == EPROTO && now - first_bad >= HALF_MADE_NS) {
			say("/dev/shm/%s is not a vigil log segment of layout version %u; check "
			    "the "
			    "--shm name",
				o->shm, VG_SHM_VERSION);
			return NULL;
		}
		if (e != ENOENT && e != EPROTO) {
			say("cannot attach to /dev/shm/%s (%s); check the --shm name", o->shm,
				strerror(e));
			return NULL;
		}
		if (now >= deadline || stop_requested) {
			if (!stop_requested)
				say("shared memory %s did not appear within %" PRIu64
				    " s; start the "
				    "sensor with --logd %s or raise --wait",
					o->shm, o->wait_secs, o->shm);
			return NULL;
		}
		vg_logd_k8s_pump(k8s, NULL, SIZE_MAX);
		if (k8s_src != NULL)
			vg_k8s_src_poll(k8s_src, false);
		sleep_ns(ATTACH_NS);
	}
}

static uint64_t
sum_drops(const struct vg_logshm *shm)
{
	uint64_t d = 0;

	for (uint32_t i = 0; i < shm->nrings; i++)
		d += __atomic_load_n(&shm->rings[i].hdr->drops, __ATOMIC_RELAXED);
	return d;
}

static int
use_segment(struct logd *d, struct vg_logshm *shm)
{
	bool *c = calloc(shm->nrings, sizeof(*c));

	if (c == NULL) {
		say("out of memory");
		return -1;
	}
	/* Records of other schema tables would be misread: refuse them. */
	uint64_t theirs = __atomic_load_n(&shm->hdr->schema_hash, __ATOMIC_RELAXED);

	if (theirs != vg_schema_set_hash()) {
		free(c);
		say("shared memory %s was written with other log schemas (hash %016" PRIx64
		    ", this vigil-logd %016" PRIx64 "); run the vigil-logd of the same build "
		    "as the sensor",
			d->o.shm, theirs, vg_schema_set_hash());
		return -1;
	}
	/* One reader per ring: two would release each other's records. */
	if (vg_logshm_claim_consumer(shm) != 0) {
		free(c);
		say("shared memory %s is already read by another vigil-logd; stop that one "
		    "first (one reader per segment)",
			d->o.shm);
		return -1;
	}
	if (d->shm != NULL) {
		d->old_drops += sum_drops(d->shm);
		vg_logshm_close(d->shm, true);
	}
	free(d->corrupt);
	d->corrupt = c;
	d->shm = shm;
	d->gen = vg_logshm_generation(shm);
	vg_logd_figures_rings(&d->fig, shm);
	if (!d->o.quiet)
		say("reading %s: %u rings of %" PRIu64 " bytes, producer %" PRIu64
		    " (generation %" PRIu64 "), logs in %s",
			d->o.shm, shm->nrings, shm->hdr->ring_size, shm->hdr->producer_pid, d->gen,
			d->o.dir);
	return 0;
}

static uint64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int ensure_writer(struct logd *d);

/*
 * A record of vigil-logd's own (reporter.log, export_stats.log) through the
 * writer and the policy, once the segment says which columns and format.
 */
static void
write_own(void *arg, const uint8_t *rec, uint32_t len)
{
	struct logd *d = arg;

	if (d->shm != NULL && ensure_writer(d) == 0)
		vg_logwriter_write(d->w, rec, len);
}

/* A policy change or error: on stderr and in reporter.log. */
static void
policy_say(void *arg, bool error, const char *msg)
{
	uint8_t rec[1536];
	uint32_t len;

	say("policy: %s", msg);
	len = vg_reporter_record(rec, sizeof(rec), wall_ns(),
		error ? VG_REPORTER_ERROR : VG_REPORTER_INFO, msg, "vigil-logd");
	if (len != 0)
		write_own(arg, rec, len);
}

static uint64_t
console_ring_drops(void *arg)
{
	struct logd *d = arg;

	return d->shm != NULL ? d->old_drops + sum_drops(d->shm) : d->old_drops;
}

static int
report_write_error(struct logd *d)
{
	int e = d->w ? vg_logwriter_error(d->w) : 0;

	say("writing logs to '%s' failed (%s); make room and restart vigil-logd: records not "
	    "written stay in the ring",
		d->o.dir, strerror(e ? e : EIO));
	return -1;
}

/*
 * The writer follows the segment's columns and format. They are read after a
 * record was (acquire order), so a producer's settings made before its first
 * record are seen; when they change (a producer restarted with other options)
 * the files are rotated and new ones start with the new header.
 */
static int
ensure_writer(struct logd *d)
{
	const struct vg_shm_header *h = d->shm->hdr;
	uint32_t features = __atomic_load_n(&h->features, __ATOMIC_RELAXED);
	bool json = d->o.json || __atomic_load_n(&h->json, __ATOMIC_RELAXED) != 0;

	if (d->w != NULL && features == d->w_features && json == d->w_json)
		return 0;
	if (d->w != NULL) {
		vg_logwriter_rotate(d->w);
		int bad = vg_logwriter_close(d->w);

		d->w = NULL;
		if (bad != 0)
			return report_write_error(d);
	}
	struct vg_logwriter_cfg cfg = {
		.dir = d->o.dir,
		.json = json,
		.features = features,
		.rotate_secs = d->o.rotate_secs,
		.rotate_bytes = d->o.rotate_bytes,
		.keep_old = true,
		.write_through = true,
		.tally = &d->fig.written,
		.k8s = d->inv,
		.sinks = d->sinks,
		.policy = &d->policy,
	};

	d->w = vg_logwriter_create(&cfg);
	if (d->w == NULL) {
		say("out of memory");
		return -1;
	}
	d->w_features = features;
	d->w_json = json;
	vg_k8s_report_flush(&d->k8s_rep); /* lines said before there was a writer */
	return 0;
}

/*
 * Up to max records of ring i; how many, or -1 on a write error. A record is
 * released only once its line went to write(2); an I/O error leaves it in the
 * ring. stop_at, when not NULL, is a cursor position not to read past.
 */
static int
drain_ring(struct logd *d, uint32_t i, unsigned int max, const uint64_t *stop_at)
{
	struct vg_ring *r = &d->shm->rings[i];
	const uint8_t *rec;
	uint32_t len;
	unsigned int n = 0;

	while (n < max) {
		if (stop_at != NULL && (int64_t)(*stop_at - r->hdr->tail) <= 0)
			break;
		rec = vg_ring_peek(r, &len);
		if (rec == NULL)
			break;
		if (ensure_writer(d) != 0)
			return -1;
		uint64_t bad = vg_logwriter_bad(d->w);

		if (vg_logwriter_write(d->w, rec, len) == 0) {
			vg_logd_bump(&d->fig.records, 1);
		} else if (vg_logwriter_bad(d->w) != bad) {
			vg_logd_bump(&d->fig.malformed, 1);
		} else {
			return report_write_error(d);
		}
		vg_ring_release(r, len);
		n++;
	}
	if (n == 0 && !d->corrupt[i] && vg_ring_corrupt(r)) {
		d->corrupt[i] = true;
		say("ring %u of %s is corrupt at byte %" PRIu64 "; its later records cannot be "
		    "read (stop the sensor and remove /dev/shm/%s)",
			i, d->o.shm, r->hdr->tail, d->o.shm);
	}
	return (int)n;
}

/* The producer is finished and nothing readable is left. */
static bool
all_done(const struct logd *d)
{
	if (!__atomic_load_n(&d->shm->hdr->producer_done, __ATOMIC_ACQUIRE))
		return false;
	for (uint32_t i = 0; i < d->shm->nrings; i++)
		if (!vg_ring_empty(&d->shm->rings[i]) && !d->corrupt[i])
			return false;
	return true;
}

static bool
all_empty(const struct logd *d)
{
	for (uint32_t i = 0; i < d->shm->nrings; i++)
		if (!vg_ring_empty(&d->shm->rings[i]) && !d->corrupt[i])
			return false;
	return true;
}

/*
 * Once a second: push files out, rotate by age, notice a segment that was
 * removed and made anew (a producer with another layout); the old one is left
 * when its producer is gone and it is drained.
 */
static int
housekeeping(struct logd *d)
{
	uint64_t now = vg_mono_ns();

	vg_policy_ctl_tick(&d->policy, now);
	if (d->o.export_stats_secs != 0 && now >= d->next_export_stats) {
		d->next_export_stats = now + d->o.export_stats_secs * 1000000000ULL;
		vg_policy_ctl_stats_rows(&d->policy, wall_ns(), now, write_own, d);
	}
	if (d->w != NULL &&
		(vg_logwriter_flush(d->w) != 0 || vg_logwriter_tick(d->w, wall_now()) != 0))
		return report_write_error(d);
	vg_logd_figures_rings(&d->fig, d->shm);
	if (vg_logshm_replaced(d->shm) && !vg_logshm_producer_alive(d->shm) && all_empty(d)) {
		struct vg_logshm *n = vg_logshm_attach(d->o.shm);

		if (n != NULL) {
			if (!d->o.quiet)
				say("%s was made anew by another producer; following it", d->o.shm);
			if (use_segment(d, n) != 0) {
				vg_logshm_close(n, true);
				return -1;
			}
		}
	}
	return 0;
}

/* SIGTERM/SIGINT: everything in the rings now, not what comes after. */
static int
final_drain(struct logd *d)
{
	uint32_t nr = d->shm->nrings;
	uint64_t *stop_at = calloc(nr, sizeof(*stop_at));
	int total;

	if (stop_at == NULL)
		return 0;
	for (uint32_t i = 0; i < nr; i++)
		stop_at[i] = __atomic_load_n(&d->shm->rings[i].hdr->head, __ATOMIC_ACQUIRE);
	do {
		total = 0;
		for (uint32_t i = 0; i < nr; i++) {
			int n = drain_ring(d, i, BATCH, &stop_at[i]);

			if (n < 0) {
				free(stop_at);
				return -1;
			}
			total += n;
		}
	} while (total > 0);
	free(stop_at);
	return 0;
}

static int
run(struct logd *d)
{
	uint64_t idle = 0, next_house = vg_mono_ns() + 1000000000ULL, next_console = 0;

	for (;;) {
		int total = 0;

		if (stop_requested)
			return final_drain(d);
		if (rotate_requested) {
			rotate_requested = 0;
			if (d->w != NULL && vg_logwriter_rotate(d->w) != 0)
				return report_write_error(d);
		}
		if (reload_requested) {
			char msg[1024];

			reload_requested = 0;
			if (d->policy.path[0] != '\0')
				vg_policy_ctl_reload(&d->policy, "SIGHUP", msg, sizeof(msg));
		}
		for (uint32_t i = 0; i < d->shm->nrings; i++) {
			int n = drain_ring(d, i, BATCH, NULL);

			if (n < 0)
				return -1;
			total += n;
		}
		/* Kubernetes API events into the inventory, between batches. */
		total += (int)vg_logd_k8s_pump(&d->k8s, d->w, K8S_BATCH);
		/* --k8s files that changed, --k8s-watch streams (rate-limited inside). */
		if (d->k8sr.src != NULL)
			total += (int)vg_k8s_src_poll(d->k8sr.src, false);
		uint64_t gen = vg_logshm_generation(d->shm);

		if (gen != d->gen) {
			d->gen = gen;
			if (!d->o.quiet)
				say("producer restarted: process %" PRIu64 ", generation %" PRIu64,
					d->shm->hdr->producer_pid, gen);
			if (d->shm->hdr->schema_hash != vg_schema_set_hash()) {
				say("shared memory %s was taken over by a producer with other log "
				    "schemas; run the vigil-logd of the same build as the sensor",
					d->o.shm);
				return -1;
			}
		}
		uint64_t now = vg_mono_ns();

		if (now >= next_console) {
			next_console = now + CONSOLE_NS;
			vg_logd_console_poll(&d->con);
		}
		if (now >= next_house) {
			next_house = now + 1000000000ULL;
			if (housekeeping(d) != 0)
				return -1;
		}
		if (total > 0) {
			idle = 0;
			continue;
		}
		/* Every ring drained: vigil-logd is caught up (its lag metric). */
		__atomic_store_n(&d->fig.caught_up_ns, now, __ATOMIC_RELAXED);
		if (d->o.exit_when_done && all_done(d)) {
			int removed = vg_logshm_remove_if_done(d->shm);

			/* A producer that took over just now: keep reading for it. */
			if (removed == 0 && !all_done(d))
				continue;
			uint64_t drops = d->old_drops + sum_drops(d->shm);

			/* Drops happen in the sensor (ring full): said even with -q. */
			if (removed == 1 && drops > 0)
				say("sensor done, but it dropped %" PRIu64 " records (its ring was "
				    "full); the rest is written; removed /dev/shm/%s",
					drops, d->o.shm);
			else if (removed == 1 && !d->o.quiet)
				say("sensor done, every record written; removed /dev/shm/%s",
					d->o.shm);
			return 0;
		}
		idle = idle == 0 ? IDLE_MIN_NS : idle * 2;
		if (idle > IDLE_MAX_NS)
			idle = IDLE_MAX_NS;
		sleep_ns(idle);
	}
}

/* --k8s-api, --k8s...: an inventory for the writer and what feeds it. */
static int
k8s_start(struct logd *d)
{
	if (!d->o.k8s.api && !vg_k8s_opts_set(&d->o.k8sf))
		return 0;
	d->k8s_rep.w = &d->w;
	d->k8s_rep.prog = "vigil-logd";
	if (vg_k8s_run_start(&d->k8sr, &d->o.k8sf, vg_k8s_report, &d->k8s_rep, "vigil-logd") != 0)
		return -1;
	d->inv = d->k8sr.inv;
	if (vg_logd_k8s_start(&d->k8s, &d->o.k8s, d->inv, d->o.quiet) != 0)
		return -1;
	d->fig.k8s_api = d->k8s.api;
	return 0;
}

/* After the metrics server, which reads the client's counters, stopped. */
static void
k8s_stop(struct logd *d)
{
	vg_logd_k8s_stop(&d->k8s);
	d->fig.k8s_api = NULL;
	vg_k8s_run_stop(&d->k8sr);
	d->inv = NULL;
}

/* The export policy; -1 after a one-line error. */
static int
start_policy(struct logd *d)
{
	char err[640];

	if (vg_policy_ctl_init(&d->policy, d->o.policy, err, sizeof(err)) != 0) {
		say("%s", err);
		return -1;
	}
	d->policy.say = policy_say;
	d->policy.say_arg = d;
	vg_policy_process = &d->policy;
	d->fig.policy = &d->policy;
	/* Starts export_stats.log's first interval. */
	vg_policy_ctl_stats_rows(&d->policy, wall_ns(), vg_mono_ns(), write_own, d);
	d->next_export_stats = vg_mono_ns() + d->o.export_stats_secs * 1000000000ULL;
	d->con = (struct vg_logd_console_ctx){
		.policy = &d->policy, .fig = &d->fig, .ring_drops = console_ring_drops, .arg = d};
	return 0;
}

/*
 * The console, once the segment is ours (a second vigil-logd on the same
 * segment stops on that, not on the socket); -1 after a one-line error.
 */
static int
start_console(struct logd *d)
{
	char err[640], path[128];
	const char *sock = d->o.console;

	if (d->o.no_console)
		return 0;
	if (sock == NULL) {
		snprintf(path, sizeof(path), VG_LOGD_SOCKET_DIR "/%s.logd", d->o.shm);
		/* Without the rights for the default place: no console, said once. */
		if (vg_logd_console_open(path, true, err, sizeof(err)) != 0 && !d->o.quiet)
			say("no console (%s); give --console-socket PATH for 'vigil-ctl --logd'",
				err);
		return 0;
	}
	if (vg_logd_console_open(sock, false, err, sizeof(err)) != 0) {
		say("%s", err);
		return -1;
	}
	return 0;
}

static void
set_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal ends the sleep. A second SIGTERM kills at once. */
	sa.sa_flags = SA_RESETHAND;
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_flags = 0;
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
}

int
main(int argc, char **argv)
{
	struct logd d;
	struct vg_logshm *shm;
	int rc;

	memset(&d, 0, sizeof(d));
	/* The same log ids and schema hash as the sensor of this build. */
	vg_analyzers_register_logs();
	rc = parse_opts(&d.o, argc, argv);
	if (rc == 1)
		return 0;
	if (rc != 0)
		return 2;
	if (d.o.check_policy) {
		char err[640];

		if (vg_policy_ctl_init(&d.policy, d.o.policy, err, sizeof(err)) != 0) {
			say("%s", err);
			return 1;
		}
		vg_policy_ctl_fini(&d.policy);
		if (!d.o.quiet)
			say("%s: the policy compiles", d.o.policy);
		return 0;
	}
	if (start_sinks(&d) != 0)
		return 2;
	if (check_dir(d.o.dir) != 0 || start_policy(&d) != 0 || k8s_start(&d) != 0 ||
		vg_logd_metrics_start(d.o.metrics, &d.fig) != 0) {
		k8s_stop(&d);
		vg_policy_ctl_fini(&d.policy);
		return 1;
	}
	set_signals();
	shm = attach_wait(&d.o, &d.k8s, d.k8sr.src);
	if (shm == NULL) {
		vg_logd_metrics_stop();
		k8s_stop(&d);
		return stop_requested ? 0 : 1;
	}
	if (use_segment(&d, shm) != 0) {
		vg_logshm_close(shm, true);
		vg_logd_metrics_stop();
		k8s_stop(&d);
		return 1;
	}
	if (start_console(&d) != 0) {
		vg_logshm_close(d.shm, true);
		vg_logd_metrics_stop();
		k8s_stop(&d);
		vg_policy_ctl_fini(&d.policy);
		return 1;
	}
	rc = run(&d) == 0 ? 0 : 1;
	/* The last export_stats.log rows: the counts since the last ones. */
	if (rc == 0 && d.o.export_stats_secs != 0)
		vg_policy_ctl_stats_rows(&d.policy, wall_ns(), vg_mono_ns(), write_own, &d);
	vg_logd_console_close();
	/* #close lines; the files keep their names (the next run rotates them). */
	if (d.w != NULL && vg_logwriter_close(d.w) != 0 && rc == 0) {
		rc = 1;
		say("writing logs to '%s' failed at close (%s); check the disk", d.o.dir,
			strerror(errno));
	}
	d.w = NULL;
	if (d.o.stats)
		fprintf(stderr,
			"vigil-logd: records %" PRIu64 " malformed %" PRIu64 " drops %" PRIu64 "\n",
			d.fig.records, d.fig.malformed, d.old_drops + sum_drops(d.shm));
	if (d.o.stats)
		vg_logd_k8s_stats(&d.k8s, stderr);
	if (d.o.stats)
		vg_k8s_run_print_stats(&d.k8sr, stderr, "vigil-logd");
	/* Each sink sends what it holds, for up to its drain_ms. */
	vg_sinks_stop(d.sinks);
	if (d.o.stats)
		vg_sinks_print(d.sinks, stderr, "vigil-logd");
	vg_logd_metrics_stop();
	k8s_stop(&d);
	vg_sinks_free(d.sinks);
	vg_logshm_close(d.shm, true);
	free(d.corrupt);
	vg_policy_ctl_fini(&d.policy);
	return rc;
}
