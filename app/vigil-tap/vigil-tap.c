/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-tap: the sidecar / host agent. Sniffs interfaces with libpcap (a
 * pod's eth0 as a sidecar, a node's veths as a host agent), wraps each packet
 * as AWS VPC Traffic Mirroring does (VXLAN, VNI = a session id) and sends it
 * to a vigil sensor running with --mirror vxlan. Rate-limited, batched with
 * sendmmsg, every packet not sent counted by reason. Needs CAP_NET_RAW to
 * open the capture and drops every capability once it is open.
 * doc/vigil-tap.md.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <netdb.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vg_common.h"
#include "vg_tap_encap.h"
#include "vg_tap_mem.h"
#include "vg_tap_rate.h"
#include "vg_tap_send.h"

#define MAX_IFACES   64
#define DEFAULT_PORT 4789
#define DISPATCH_MAX 512 /* packets per source per round */
#define FILTER_MAX   4096
#define IDLE_POLL_MS 200

struct tap_opts {
	const char *ifaces[MAX_IFACES];
	int nif;
	const char *file;   /* -r: a pcap file instead of interfaces */
	const char *to;     /* --to ADDR[:PORT] */
	uint32_t vni;       /* --vni */
	const char *filter; /* -f */
	int snaplen;        /* --snaplen */
	double max_pps;     /* --max-pps, 0 none */
	double max_mbps;    /* --max-mbps, 0 none */
	unsigned batch;     /* --batch */
	int sockets;        /* --sockets */
	int buffer_kib;     /* --buffer */
	int timeout_ms;     /* --flush-ms: the capture's delivery timeout */
	pcap_direction_t dir;
	bool promisc;
	const char *user;    /* --user */
	unsigned stats_secs; /* --stats-interval */
	uint64_t count;      /* --count */
	bool quiet;
};

struct tap;

struct tap_src {
	pcap_t *p;
	enum vg_tap_link link;
	const char *name;
	struct tap *t;
};

struct tap_figures {
	uint64_t captured;    /* packets libpcap handed over */
	uint64_t truncated;   /* of those, cut by --snaplen (sent cut) */
	uint64_t rate_drops;  /* over --max-pps / --max-mbps */
	uint64_t unwrappable; /* too short, or not IP on a cooked / raw link */
	uint64_t too_big;     /* larger than a UDP datagram can carry */
};

struct tap {
	struct tap_opts o;
	struct tap_src src[MAX_IFACES];
	int nsrc;
	struct vg_tap_sender tx;
	struct vg_tap_bucket pps, bps;
	struct tap_figures f;
	char dst_host[NI_MAXHOST];
	unsigned dst_port;
	struct sockaddr_storage dst;
	socklen_t dst_len;
};

static volatile sig_atomic_t stop_requested;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
say(const char *fmt, ...)
{
	va_list ap;

	fputs("vigil-tap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
usage(FILE *f)
{
	fputs("usage: vigil-tap -i IFACE [-i IFACE ...] --to ADDR[:PORT] [options]\n"
	      "       vigil-tap -r FILE --to ADDR[:PORT] [options]\n"
	      "Sends what it captures to a vigil sensor as AWS VXLAN mirror traffic\n"
	      "(run the sensor with --mirror vxlan).\n"
	      "  -i, --interface IFACE  capture here (repeatable, up to 64; 'any' works)\n"
	      "  -r, --read FILE        send a pcap file's packets instead, then exit\n"
	      "      --to ADDR[:PORT]   the sensor (default port 4789; [v6]:PORT)\n"
	      "      --vni N            VXLAN VNI, the mirror session id (default 1; < 2^24)\n"
	      "  -f, --filter EXPR      BPF capture filter (tcpdump syntax); the tap's\n"
	      "                         own datagrams to the sensor are always left out\n"
	      "      --snaplen N        bytes kept of each packet (default 9216)\n"
	      "      --max-pps N        send at most N packets a second (default: no limit)\n"
	      "      --max-mbps N       send at most N megabits a second (default: no limit)\n"
	      "      --direction D      in, out or inout (default inout)\n"
	      "      --no-promisc       do not put the interfaces in promiscuous mode\n"
	      "      --batch N          datagrams per sendmmsg (default 64, up to 1024)\n"
	      "      --sockets N        UDP sockets, i.e. outer source ports (default 8)\n"
	      "      --buffer KIB       kernel capture buffer per interface (default 512)\n"
	      "      --flush-ms N       longest a captured packet waits (default 10)\n"
	      "      --user NAME        run as this user once the capture is open\n"
	      "      --stats-interval S print the counters every S seconds\n"
	      "      --count N          stop after N packets captured\n"
	      "  -q, --quiet            no counters line at exit\n"
	      "  -h, --help             this text\n",
		f);
}

enum {
	OPT_TO = 256,
	OPT_VNI,
	OPT_SNAPLEN,
	OPT_MAX_PPS,
	OPT_MAX_MBPS,
	OPT_DIRECTION,
	OPT_NO_PROMISC,
	OPT_BATCH,
	OPT_SOCKETS,
	OPT_BUFFER,
	OPT_FLUSH_MS,
	OPT_USER,
	OPT_STATS,
	OPT_COUNT,
};

static const struct option long_opts[] = {
	{"interface", required_argument, NULL, 'i'},
	{"read", required_argument, NULL, 'r'},
	{"filter", required_argument, NULL, 'f'},
	{"to", required_argument, NULL, OPT_TO},
	{"vni", required_argument, NULL, OPT_VNI},
	{"snaplen", required_argument, NULL, OPT_SNAPLEN},
	{"max-pps", required_argument, NULL, OPT_MAX_PPS},
	{"max-mbps", required_argument, NULL, OPT_MAX_MBPS},
	{"direction", required_argument, NULL, OPT_DIRECTION},
	{"no-promisc", no_argument, NULL, OPT_NO_PROMISC},
	{"batch", required_argument, NULL, OPT_BATCH},
	{"sockets", required_argument, NULL, OPT_SOCKETS},
	{"buffer", required_argument, NULL, OPT_BUFFER},
	{"flush-ms", required_argument, NULL, OPT_FLUSH_MS},
	{"user", required_argument, NULL, OPT_USER},
	{"stats-interval", required_argument, NULL, OPT_STATS},
	{"count", required_argument, NULL, OPT_COUNT},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* A whole number in [min, max] for option name, or a message and exit 2. */
static uint64_t
num_arg(const char *name, const char *s, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min || v > max) {
		say("--%s takes a whole number from %" PRIu64 " to %" PRIu64 ", not '%s'", name,
			min, max, s);
		exit(2);
	}
	return v;
}

static pcap_direction_t
direction_arg(const char *s)
{
	if (strcmp(s, "in") == 0)
		return PCAP_D_IN;
	if (strcmp(s, "out") == 0)
		return PCAP_D_OUT;
	if (strcmp(s, "inout") == 0)
		return PCAP_D_INOUT;
	say("--direction takes in, out or inout, not '%s'", s);
	exit(2);
}

static void
defaults(struct tap_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->vni = 1;
	o->snaplen = 9216;
	o->batch = 64;
	o->sockets = 8;
	o->buffer_kib = 512;
	o->timeout_ms = 10;
	o->dir = PCAP_D_INOUT;
	o->promisc = true;
}

/* One option; false when it is not one of ours. */
static bool
take_opt(struct tap_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'i':
		if (o->nif == MAX_IFACES) {
			say("at most %d interfaces (-i); run a second vigil-tap for more",
				MAX_IFACES);
			exit(2);
		}
		o->ifaces[o->nif++] = arg;
		return true;
	case 'r':
		o->file = arg;
		return true;
	case 'f':
		o->filter = arg;
		return true;
	case OPT_TO:
		o->to = arg;
		return true;
	case OPT_VNI:
		o->vni = (uint32_t)num_arg("vni", arg, 0, VG_TAP_VNI_MAX);
		return true;
	case OPT_SNAPLEN:
		o->snaplen = (int)num_arg("snaplen", arg, 64, 65535);
		return true;
	case OPT_MAX_PPS:
		o->max_pps = (double)num_arg("max-pps", arg, 1, 100000000);
		return true;
	case OPT_MAX_MBPS:
		o->max_mbps = (double)num_arg("max-mbps", arg, 1, 400000);
		return true;
	case OPT_DIRECTION:
		o->dir = direction_arg(arg);
		return true;
	case OPT_NO_PROMISC:
		o->promisc = false;
		return true;
	case OPT_BATCH:
		o->batch = (unsigned)num_arg("batch", arg, 1, VG_TAP_MAX_BATCH);
		return true;
	case OPT_SOCKETS:
		o->sockets = (int)num_arg("sockets", arg, 1, VG_TAP_MAX_SOCKETS);
		return true;
	case OPT_BUFFER:
		o->buffer_kib = (int)num_arg("buffer", arg, 64, 1048576);
		return true;
	case OPT_FLUSH_MS:
		o->timeout_ms = (int)num_arg("flush-ms", arg, 1, 1000);
		return true;
	case OPT_USER:
		o->user = arg;
		return true;
	case OPT_STATS:
		o->stats_secs = (unsigned)num_arg("stats-interval", arg, 1, 86400);
		return true;
	case OPT_COUNT:
		o->count = num_arg("count", arg, 1, UINT64_MAX);
		return true;
	case 'q':
		o->quiet = true;
		return true;
	default:
		return false;
	}
}

/* getopt's '?' for an option of ours that lacks its value (optopt is it). */
static bool
missing_value(int c)
{
	return c == '?' && optopt != 0 && (optopt > 255 || strchr("irf", optopt) != NULL);
}

static void
parse_opts(struct tap_opts *o, int argc, char **argv)
{
	int c;

	defaults(o);
	opterr = 0; /* our own one-line messages */
	while ((c = getopt_long(argc, argv, "i:r:f:qh", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (!take_opt(o, c, optarg)) {
			say("%s '%s'; vigil-tap --help lists the options",
				missing_value(c) ? "missing value for" : "unknown option",
				argv[optind - 1]);
			exit(2);
		}
	}
	if (optind < argc) {
		say("unexpected argument '%s'; the filter goes after -f, quoted", argv[optind]);
		exit(2);
	}
	if ((o->nif == 0) == (o->file == NULL)) {
		say("give the interfaces to capture (-i IFACE) or a pcap file (-r FILE), not both");
		exit(2);
	}
	if (o->to == NULL) {
		say("--to ADDR[:PORT] is required: the sensor's address (vigil --mirror vxlan)");
		exit(2);
	}
}

/* Splits ADDR[:PORT] / [V6]:PORT / V6 into host and port. */
static int
split_dst(const char *to, char *host, size_t hcap, unsigned *port)
{
	const char *colon = strrchr(to, ':');
	size_t hl;

	*port = DEFAULT_PORT;
	if (to[0] == '[') {
		const char *close = strchr(to, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return -1;
		hl = (size_t)(close - to - 1);
		if (close[1] == ':')
			*port = (unsigned)num_arg("to's port", close + 2, 1, 65535);
		to++;
	} else if (colon != NULL && strchr(to, ':') == colon) {
		hl = (size_t)(colon - to);
		*port = (unsigned)num_arg("to's port", colon + 1, 1, 65535);
	} else {
		hl = strlen(to);
	}
	if (hl == 0 || hl >= hcap)
		return -1;
	memcpy(host, to, hl);
	host[hl] = '\0';
	return 0;
}

static int
resolve_dst(struct tap *t)
{
	char host[NI_MAXHOST];
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *ai;

	if (split_dst(t->o.to, host, sizeof(host), &t->dst_port) != 0) {
		say("--to '%s' is not ADDR, ADDR:PORT or [IPV6]:PORT", t->o.to);
		return -1;
	}
	int rc = getaddrinfo(host, NULL, &hints, &ai);

	if (rc != 0) {
		say("--to '%s': %s; give the sensor's address", host, gai_strerror(rc));
		return -1;
	}
	memcpy(&t->dst, ai->ai_addr, ai->ai_addrlen);
	t->dst_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	if (t->dst.ss_family == AF_INET)
		((struct sockaddr_in *)&t->dst)->sin_port = htons((uint16_t)t->dst_port);
	else
		((struct sockaddr_in6 *)&t->dst)->sin6_port = htons((uint16_t)t->dst_port);
	getnameinfo((struct sockaddr *)&t->dst, t->dst_len, t->dst_host, sizeof(t->dst_host), NULL,
		0, NI_NUMERICHOST);
	return 0;
}

/* The user's filter, and never the tap's own datagrams (they would loop). */
static int
make_filter(const struct tap *t, char *out, size_t cap)
{
	int n;

	if (t->o.filter != NULL && t->o.filter[0] != '\0')
		n = snprintf(out, cap, "(%s) and not (udp and dst host %s and dst port %u)",
			t->o.filter, t->dst_host, t->dst_port);
	else
		n = snprintf(out, cap, "not (udp and dst host %s and dst port %u)", t->dst_host,
			t->dst_port);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

static int
apply_filter(struct tap *t, struct tap_src *s)
{
	char expr[FILTER_MAX];
	struct bpf_program prog;

	if (make_filter(t, expr, sizeof(expr)) != 0) {
		say("the filter is too long (at most %d characters)", FILTER_MAX - 100);
		return -1;
	}
	if (pcap_compile(s->p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		say("filter '%s' on %s: %s; check its tcpdump syntax",
			t->o.filter ? t->o.filter : "", s->name, pcap_geterr(s->p));
		return -1;
	}
	int rc = pcap_setfilter(s->p, &prog);

	pcap_freecode(&prog);
	if (rc != 0)
		say("filter on %s: %s", s->name, pcap_geterr(s->p));
	return rc;
}

/* Whether the source's link layer can be wrapped; a message if not. */
static int
check_link(struct tap_src *s)
{
	int dlt = pcap_datalink(s->p);

	s->link = vg_tap_link_of(dlt);
	if (s->link == VG_TAP_LINK_UNKNOWN) {
		say("%s has link type %s, which vigil-tap cannot wrap; capture an Ethernet, "
		    "cooked ('any') or raw IP interface",
			s->name,
			pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "?");
		return -1;
	}
	return 0;
}

static int
activate_live(const struct tap_opts *o, struct tap_src *s)
{
	char err[PCAP_ERRBUF_SIZE] = "";

	s->p = pcap_create(s->name, err);
	if (s->p == NULL) {
		say("cannot capture on %s: %s", s->name, err);
		return -1;
	}
	pcap_set_snaplen(s->p, o->snaplen);
	pcap_set_promisc(s->p, o->promisc);
	pcap_set_timeout(s->p, o->timeout_ms);
	pcap_set_buffer_size(s->p, o->buffer_kib * 1024);
	int rc = pcap_activate(s->p);

	if (rc < 0) {
		say("cannot capture on %s: %s; check the name (ip link) and that vigil-tap has "
		    "CAP_NET_RAW (setcap cap_net_raw+ep vigil-tap, or run it as root)",
			s->name, pcap_geterr(s->p));
		return -1;
	}
	if (pcap_setdirection(s->p, o->dir) != 0 && o->dir != PCAP_D_INOUT) {
		say("--direction on %s: %s", s->name, pcap_geterr(s->p));
		return -1;
	}
	if (pcap_setnonblock(s->p, 1, err) != 0) {
		say("%s: %s", s->name, err);
		return -1;
	}
	return 0;
}

static int
open_sources(struct tap *t)
{
	char err[PCAP_ERRBUF_SIZE] = "";

	if (t->o.file != NULL) {
		struct tap_src *s = &t->src[0];

		s->name = t->o.file;
		s->t = t;
		s->p = pcap_open_offline(t->o.file, err);
		if (s->p == NULL) {
			say("cannot read %s: %s; give a pcap file", t->o.file, err);
			return -1;
		}
		t->nsrc = 1;
		return check_link(s) == 0 && apply_filter(t, s) == 0 ? 0 : -1;
	}
	for (int i = 0; i < t->o.nif; i++) {
		struct tap_src *s = &t->src[i];

		s->name = t->o.ifaces[i];
		s->t = t;
		t->nsrc = i + 1;
		if (activate_live(&t->o, s) != 0 || check_link(s) != 0 || apply_filter(t, s) != 0)
			return -1;
	}
	return 0;
}

/*
 * Once the capture and the sockets are open nothing more needs privilege:
 * become --user if asked, then give up every capability for good.
 */
static int
drop_privileges(const struct tap_opts *o)
{
	if (o->user != NULL) {
		struct passwd *pw = getpwnam(o->user);

		if (pw == NULL) {
			say("--user %s: no such user", o->user);
			return -1;
		}
		if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
			setuid(pw->pw_uid) != 0) {
			say("--user %s: cannot switch to it (%s); run vigil-tap as root to use "
			    "--user",
				o->user, strerror(errno));
			return -1;
		}
	}
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (syscall(SYS_capset, &h, d) != 0) {
		say("cannot drop capabilities (%s)", strerror(errno));
		return -1;
	}
	return 0;
}

/* A frame's bytes on the wire to the sensor, for --max-mbps. */
static bool
within_rate(struct tap *t, uint32_t bytes)
{
	uint64_t now = vg_mono_ns();

	if (!vg_tap_bucket_take(&t->pps, 1, now))
		return false;
	if (!vg_tap_bucket_take(&t->bps, (double)bytes * 8, now)) {
		t->pps.tokens += 1; /* not sent: the packet's token back */
		return false;
	}
	return true;
}

static void
on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct tap_src *s = (struct tap_src *)user;
	struct tap *t = s->t;
	uint8_t eth[VG_TAP_ETH_LEN];
	uint32_t hlen;

	t->f.captured++;
	if (h->caplen < h->len)
		t->f.truncated++;
	int off = vg_tap_frame(s->link, bytes, h->caplen, eth, &hlen);

	if (off < 0) {
		t->f.unwrappable++;
		return;
	}
	const uint8_t *data = bytes + off;
	uint32_t len = h->caplen - (uint32_t)off;

	/* 50 bytes of outer Ethernet, IP, UDP and VXLAN headers on the wire. */
	if (!within_rate(t, hlen + len + 50)) {
		t->f.rate_drops++;
		return;
	}
	uint32_t hash = vg_tap_flow_hash(hlen ? data : bytes, len, hlen != 0);

	if (vg_tap_sender_add(&t->tx, hash, eth, hlen, data, len) != 0)
		t->f.too_big++;
}

static void
kernel_drops(const struct tap *t, uint64_t *drop, uint64_t *ifdrop)
{
	*drop = *ifdrop = 0;
	if (t->o.file != NULL)
		return;
	for (int i = 0; i < t->nsrc; i++) {
		struct pcap_stat ps;

		if (pcap_stats(t->src[i].p, &ps) == 0) {
			*drop += ps.ps_drop;
			*ifdrop += ps.ps_ifdrop;
		}
	}
}

static void
print_figures(const struct tap *t, FILE *f)
{
	uint64_t drop, ifdrop;

	kernel_drops(t, &drop, &ifdrop);
	fprintf(f,
		"vigil-tap: captured %" PRIu64 " sent %" PRIu64 " bytes %" PRIu64
		" rate_drops %" PRIu64 " send_drops %" PRIu64 " kernel_drops %" PRIu64
		" if_drops %" PRIu64 " unwrappable %" PRIu64 " too_big %" PRIu64
		" truncated %" PRIu64 "\n",
		t->f.captured, t->tx.c.sent, t->tx.c.sent_bytes, t->f.rate_drops,
		t->tx.c.send_drops, drop, ifdrop, t->f.unwrappable, t->f.too_big, t->f.truncated);
	fflush(f);
}

static bool
count_reached(const struct tap *t)
{
	return t->o.count != 0 && t->f.captured >= t->o.count;
}

/* One pass over every source; how many packets, or -1 at the file's end. */
static int
dispatch_round(struct tap *t)
{
	int total = 0;

	for (int i = 0; i < t->nsrc && !count_reached(t); i++) {
		int cnt = DISPATCH_MAX;

		if (t->o.count != 0 && t->o.count - t->f.captured < (uint64_t)cnt)
			cnt = (int)(t->o.count - t->f.captured);
		int n = pcap_dispatch(t->src[i].p, cnt, on_packet, (u_char *)&t->src[i]);

		if (n == PCAP_ERROR) {
			say("capture on %s failed: %s", t->src[i].name, pcap_geterr(t->src[i].p));
			return -2;
		}
		if (n == 0 && t->o.file != NULL)
			return -1;
		total += n > 0 ? n : 0;
	}
	vg_tap_sender_flush(&t->tx);
	return total;
}

/* Waits for any source to have packets, up to ms. */
static void
wait_ready(const struct tap *t, int ms)
{
	struct pollfd pfd[MAX_IFACES];
	int n = 0;

	for (int i = 0; i < t->nsrc; i++) {
		int fd = pcap_get_selectable_fd(t->src[i].p);

		if (fd >= 0)
			pfd[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
	}
	(void)poll(pfd, (nfds_t)n, ms);
}

static int
run(struct tap *t)
{
	uint64_t next_stats = vg_mono_ns() + (uint64_t)t->o.stats_secs * 1000000000ull;

	while (!stop_requested && !count_reached(t)) {
		int n = dispatch_round(t);

		if (n == -2)
			return 1;
		if (n == -1)
			break;
		if (n == 0)
			wait_ready(
				t, t->o.timeout_ms > IDLE_POLL_MS ? t->o.timeout_ms : IDLE_POLL_MS);
		if (t->o.stats_secs != 0 && vg_mono_ns() >= next_stats) {
			print_figures(t, stderr);
			next_stats += (uint64_t)t->o.stats_secs * 1000000000ull;
		}
	}
	vg_tap_sender_flush(&t->tx);
	return 0;
}

static void
set_signals(void)
{
	struct sigaction sa = {.sa_handler = on_stop};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int
setup(struct tap *t)
{
	if (resolve_dst(t) != 0 || open_sources(t) != 0)
		return -1;
	/* 64 KiB of batch per socket, at least one largest datagram. */
	size_t arena = (size_t)t->o.sockets * 65536;

	if (vg_tap_sender_open(&t->tx, (struct sockaddr *)&t->dst, t->dst_len, t->o.sockets,
		    t->o.batch, arena, t->o.vni) != 0) {
		say("cannot send to %s port %u: %s", t->dst_host, t->dst_port, strerror(errno));
		return -1;
	}
	uint64_t now = vg_mono_ns();

	/* A tenth of a second of burst, at least one packet / one jumbo frame. */
	vg_tap_bucket_init(&t->pps, t->o.max_pps, t->o.max_pps / 10 + 1, now);
	vg_tap_bucket_init(&t->bps, t->o.max_mbps * 1e6, t->o.max_mbps * 1e5 + 9300 * 8, now);
	return drop_privileges(&t->o);
}

static void
teardown(struct tap *t)
{
	for (int i = 0; i < t->nsrc; i++)
		if (t->src[i].p != NULL)
			pcap_close(t->src[i].p);
	vg_tap_sender_close(&t->tx);
}

int
main(int argc, char **argv)
{
	static struct tap t;

	parse_opts(&t.o, argc, argv);
	set_signals();
	if (setup(&t) != 0) {
		teardown(&t);
		return 1;
	}
	if (!t.o.quiet && t.o.file == NULL)
		say("capturing on %d interface%s, sending to %s port %u as VXLAN VNI %u", t.nsrc,
			t.nsrc == 1 ? "" : "s", t.dst_host, t.dst_port, t.o.vni);
	/* Set up: what start-up touched of the binary need not stay resident. */
	vg_tap_trim_rss();
	int rc = run(&t);

	if (!t.o.quiet)
		print_figures(&t, stderr);
	teardown(&t);
	return rc;
}
