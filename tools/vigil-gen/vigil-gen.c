/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen: write a realistic synthetic Ethernet pcap (TCP, UDP, ICMP; IPv4 and IPv6) for
 * tests and benchmarks. Output is a pure function of the options: the same options always
 * give a byte-identical file. With --wrap, the synthetic traffic or an --in capture is
 * wrapped as a cloud or switch mirror source sends it to a collector (vg_wrap.c).
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "vg_gen.h"
#include "vg_wrap.h"

#define VG_PROG           "vigil-gen"
#define VG_EXIT_FAIL      1
#define VG_EXIT_USAGE     2
#define VG_PROGRESS_NS    250000000ull
#define VG_PROGRESS_EVERY 16384u
#define VG_PCAP_SNAPLEN   65535
#define VG_PCAP_FILE_HDR  24u
#define VG_PCAP_PKT_HDR   16u
#define VG_STDIO_BUF      (1u << 20)

enum {
	VG_OPT_MIX = 256,
	VG_OPT_SIZES,
	VG_OPT_RST,
	VG_OPT_IPV6,
	VG_OPT_VLAN,
	VG_OPT_START,
	VG_OPT_RATE,
	VG_OPT_WRAP,
	VG_OPT_IN,
	VG_OPT_SESSION,
	VG_OPT_TRUNCATE,
	VG_OPT_APPS,
};

/* --wrap and its companions. */
struct vg_wrap_opts {
	enum vg_wrap_fmt fmt;  /* VG_WRAP_NONE: plain synthetic output */
	const char *in;        /* capture to wrap, NULL for the synthetic traffic */
	int64_t session;       /* -1: the default */
	uint32_t truncate;     /* 0: none */
	const char *synth_opt; /* first option given that only applies to synthetic traffic */
	char synth_name[32];
};

#if defined(__GNUC__)
#define VG_PRINTF __attribute__((format(printf, 1, 2)))
#else
#define VG_PRINTF
#endif

static const char vg_short_opts[] = ":o:n:f:s:qh";

static const struct option vg_long_opts[] = {
	{"output", required_argument, NULL, 'o'},
	{"packets", required_argument, NULL, 'n'},
	{"flows", required_argument, NULL, 'f'},
	{"seed", required_argument, NULL, 's'},
	{"mix", required_argument, NULL, VG_OPT_MIX},
	{"sizes", required_argument, NULL, VG_OPT_SIZES},
	{"rst", required_argument, NULL, VG_OPT_RST},
	{"ipv6", required_argument, NULL, VG_OPT_IPV6},
	{"vlan", required_argument, NULL, VG_OPT_VLAN},
	{"start", required_argument, NULL, VG_OPT_START},
	{"rate", required_argument, NULL, VG_OPT_RATE},
	{"wrap", required_argument, NULL, VG_OPT_WRAP},
	{"in", required_argument, NULL, VG_OPT_IN},
	{"session", required_argument, NULL, VG_OPT_SESSION},
	{"truncate", required_argument, NULL, VG_OPT_TRUNCATE},
	{"apps", no_argument, NULL, VG_OPT_APPS},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static struct vg_gen vg_gen_ctx;
static uint8_t vg_frame[VG_GEN_BUF_SIZE];

static void
vg_usage(FILE *out)
{
	fprintf(out,
		"Usage: " VG_PROG " -o FILE [options]\n"
		"       " VG_PROG
		" --wrap FORMAT [--in FILE] -o FILE [--session ID] [--truncate N]\n"
		"                 [options]\n"
		"Write a synthetic Ethernet pcap with many concurrent TCP, UDP and ICMP flows, or\n"
		"wrap it, or a capture, as a mirror source sends it to a collector.\n"
		"\n"
		"  -o, --output FILE   output pcap file, '-' for stdout (required)\n"
		"  -n, --packets N     packets to write (default 100000)\n"
		"  -f, --flows N       concurrent flows (default 1000)\n"
		"  -s, --seed N        PRNG seed; same options give the same bytes (default 1)\n"
		"      --mix SPEC      percent of flows per protocol, must add up to 100\n"
		"                      (default tcp=80,udp=15,icmp=5)\n"
		"      --sizes SPEC    data frame sizes: imix (64/594/1518 at 7:4:1), N (fixed)\n"
		"                      or A-B (uniform); on-wire bytes incl. FCS, 64..9018\n"
		"                      (default imix)\n"
		"      --rst PCT       %% of established TCP flows ending in RST (default 10)\n"
		"      --ipv6 PCT      percent of flows over IPv6 (default 10)\n"
		"      --vlan ID       tag every frame with this 802.1Q VLAN ID (0..4094)\n"
		"      --start EPOCH   first packet time, seconds since 1970 (default 1700000000)\n"
		"      --rate PPS      packets per second for timestamp spacing (default 1000000)\n"
		"      --apps          TCP flows to ports 80, 443, 22 and 21 carry HTTP/1.1, TLS "
		"1.2,\n"
		"                      SSH-2 and FTP with its data connections (payload sizes\n"
		"                      follow the protocol, not --sizes)\n"
		"                      (and some UDP flows are DHCP exchanges, 68 -> 67)\n"
		"\n"
		"      --wrap FORMAT   wrap every packet as this mirror source sends it: "
		"aws-vxlan,\n"
		"                      azure-vxlan, aws-gwlb, gcp-raw, gcp-geneve, erspan2, "
		"erspan3\n"
		"      --in FILE       wrap this pcap/pcapng ('-' for stdin) instead of synthetic\n"
		"                      traffic; the options above (-n .. --rate) then do not "
		"apply\n"
		"      --session ID    VXLAN/GENEVE VNI (0..16777215) or ERSPAN session (0..1023)\n"
		"                      (default 1)\n"
		"      --truncate N    cut each mirrored packet to N bytes (AWS PacketLength)\n"
		"  -q, --quiet         no progress line and no summary\n"
		"  -h, --help          show this help\n"
		"\n"
		"-n, -f and --rate accept k, M and G suffixes (x1000). Exit status: 0 on success,\n"
		"1 on an internal failure (out of memory), 2 on a usage, input or output file "
		"error.\n"
		"Mirror formats: doc/mirror-formats.md.\n");
}

static _Noreturn VG_PRINTF void
vg_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs(VG_PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(VG_EXIT_USAGE);
}

static _Noreturn VG_PRINTF void
vg_fail(const char *fmt, ...)
{
	va_list ap;

	fputs(VG_PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(VG_EXIT_FAIL);
}

/* Parse a decimal number with an optional k/M/G suffix; returns 0, or -1 if it is not one. */
static int
vg_parse_num(const char *s, bool suffix, uint64_t *out)
{
	unsigned long long v;
	uint64_t mult = 1;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (suffix && *end != '\0' && end[1] == '\0') {
		switch (*end) {
		case 'k':
		case 'K':
			mult = 1000ull;
			end++;
			break;
		case 'm':
		case 'M':
			mult = 1000000ull;
			end++;
			break;
		case 'g':
		case 'G':
			mult = 1000000000ull;
			end++;
			break;
		default:
			break;
		}
	}
	if (*end != '\0')
		return -1;
	if (v > UINT64_MAX / mult)
		return -1;
	*out = (uint64_t)v * mult;
	return 0;
}

static uint64_t
vg_opt_num(const char *opt, const char *arg, uint64_t min, uint64_t max, bool suffix)
{
	uint64_t v;

	if (vg_parse_num(arg, suffix, &v) != 0)
		vg_usage_error("%s: '%s' is not a whole number; give one in %" PRIu64 "..%" PRIu64
			       "%s",
			opt, arg, min, max, suffix ? " (k, M, G suffixes allowed)" : "");
	if (v < min || v > max)
		vg_usage_error(
			"%s: %s is out of range; use %" PRIu64 "..%" PRIu64, opt, arg, min, max);
	return v;
}

static void
vg_parse_mix(struct vg_gen_cfg *cfg, const char *arg)
{
	static const char *const names[VG_GEN_NPROTO] = {"tcp", "udp", "icmp"};
	bool seen[VG_GEN_NPROTO] = {false, false, false};
	const char *p = arg;
	unsigned int total = 0;
	int i;

	for (i = 0; i < VG_GEN_NPROTO; i++)
		cfg->mix[i] = 0;
	while (*p != '\0') {
		const char *eq = strchr(p, '=');
		const char *comma = strchr(p, ',');
		size_t klen;
		uint64_t v;
		char num[32];
		size_t nlen;

		if (comma == NULL)
			comma = p + strlen(p);
		if (eq == NULL || eq > comma)
			vg_usage_error("--mix: '%.*s' is not PROTO=PCT; write it like "
				       "tcp=80,udp=15,icmp=5",
				(int)(comma - p), p);
		klen = (size_t)(eq - p);
		for (i = 0; i < VG_GEN_NPROTO; i++)
			if (strlen(names[i]) == klen && strncasecmp(p, names[i], klen) == 0)
				break;
		if (i == VG_GEN_NPROTO)
			vg_usage_error("--mix: unknown protocol '%.*s'; use tcp, udp and icmp",
				(int)klen, p);
		if (seen[i])
			vg_usage_error(
				"--mix: %s is given twice; give each protocol once", names[i]);
		seen[i] = true;
		nlen = (size_t)(comma - eq - 1);
		if (nlen == 0 || nlen >= sizeof(num))
			vg_usage_error("--mix: '%.*s' has no valid percentage; write it like "
				       "%s=50",
				(int)(comma - p), p, names[i]);
		memcpy(num, eq + 1, nlen);
		num[nlen] = '\0';
		if (vg_parse_num(num, false, &v) != 0 || v > 100)
			vg_usage_error("--mix: '%s' is not a percentage for %s; use 0..100", num,
				names[i]);
		cfg->mix[i] = (unsigned int)v;
		total += (unsigned int)v;
		p = *comma == ',' ? comma + 1 : comma;
		if (*comma == ',' && *p == '\0')
			vg_usage_error("--mix: '%s' ends with a comma; remove it", arg);
	}
	if (total != 100)
		vg_usage_error("--mix: percentages add up to %u; make tcp, udp and icmp add up "
			       "to 100",
			total);
}

static uint32_t
vg_parse_size(const char *arg, const char *s)
{
	uint64_t v;

	if (vg_parse_num(s, false, &v) != 0)
		vg_usage_error("--sizes: '%s' is not a size; use imix, N or A-B, e.g. 64-600", arg);
	if (v < VG_GEN_MIN_FRAME || v > VG_GEN_MAX_FRAME)
		vg_usage_error("--sizes: frame size %s is out of range; use %u..%u bytes", s,
			VG_GEN_MIN_FRAME, VG_GEN_MAX_FRAME);
	return (uint32_t)v;
}

static void
vg_parse_sizes(struct vg_gen_cfg *cfg, const char *arg)
{
	const char *dash = strchr(arg, '-');
	char lo[32];
	size_t n;

	if (strcasecmp(arg, "imix") == 0) {
		cfg->size_mode = VG_GEN_SIZE_IMIX;
		cfg->size_lo = 64;
		cfg->size_hi = 1518;
		return;
	}
	if (dash == NULL) {
		cfg->size_mode = VG_GEN_SIZE_FIXED;
		cfg->size_lo = vg_parse_size(arg, arg);
		cfg->size_hi = cfg->size_lo;
		return;
	}
	n = (size_t)(dash - arg);
	if (n == 0 || n >= sizeof(lo))
		vg_usage_error("--sizes: '%s' is not a size; use imix, N or A-B, e.g. 64-600", arg);
	memcpy(lo, arg, n);
	lo[n] = '\0';
	cfg->size_mode = VG_GEN_SIZE_RANGE;
	cfg->size_lo = vg_parse_size(arg, lo);
	cfg->size_hi = vg_parse_size(arg, dash + 1);
	if (cfg->size_lo > cfg->size_hi)
		vg_usage_error("--sizes: range '%s' is backwards; put the smaller size first", arg);
}

static const char *
vg_opt_name(int val, char *buf, size_t len)
{
	const struct option *o;

	for (o = vg_long_opts; o->name != NULL; o++) {
		if (o->val == val) {
			if (val < 256)
				snprintf(buf, len, "-%c", val);
			else
				snprintf(buf, len, "--%s", o->name);
			return buf;
		}
	}
	snprintf(buf, len, "-%c", val);
	return buf;
}

/* Report an option getopt_long() rejected; arg is the last argument it looked at. */
static _Noreturn void
vg_bad_option(const char *arg)
{
	if (strncmp(arg, "--", 2) == 0 && arg[2] != '\0') {
		const char *eq = strchr(arg, '=');
		const struct option *o;
		size_t n = eq != NULL ? (size_t)(eq - arg - 2) : strlen(arg + 2);

		for (o = vg_long_opts; eq != NULL && o->name != NULL; o++)
			if (o->has_arg == no_argument && o->val == optopt &&
				strncmp(o->name, arg + 2, n) == 0)
				vg_usage_error("--%s takes no value; drop '%s'", o->name, eq);
		vg_usage_error(
			"unknown or ambiguous option '%s'; run '" VG_PROG " -h' for usage", arg);
	}
	if (optopt > 0 && optopt < 256)
		vg_usage_error("unknown option '-%c'; run '" VG_PROG " -h' for usage", optopt);
	vg_usage_error("unknown option '%s'; run '" VG_PROG " -h' for usage", arg);
}

/* Check the --wrap options against each other once all options are known. */
static void
vg_check_wrap(struct vg_wrap_opts *wo)
{
	uint32_t max, min;

	if (wo->fmt == VG_WRAP_NONE) {
		if (wo->in != NULL)
			vg_usage_error("--in needs --wrap FORMAT; name the mirror format to wrap "
				       "'%s' in (%s)",
				wo->in, vg_wrap_format_list);
		if (wo->session >= 0)
			vg_usage_error(
				"--session needs --wrap FORMAT; add --wrap or drop --session");
		if (wo->truncate != 0)
			vg_usage_error(
				"--truncate needs --wrap FORMAT; add --wrap or drop --truncate");
		return;
	}
	if (wo->in != NULL && wo->synth_opt != NULL)
		vg_usage_error("%s describes synthetic traffic and does not apply to --in '%s'; "
			       "drop %s or --in",
			wo->synth_opt, wo->in, wo->synth_opt);
	max = vg_wrap_session_max(wo->fmt);
	if (wo->session >= 0 && max == 0)
		vg_usage_error("--session: %s has no session id; drop --session",
			vg_wrap_format_name(wo->fmt));
	if (wo->session > (int64_t)max)
		vg_usage_error("--session: %" PRId64 " is out of range for %s; use 0..%" PRIu32,
			wo->session, vg_wrap_format_name(wo->fmt), max);
	if (wo->session < 0)
		wo->session = 1;
	min = vg_wrap_trunc_min(wo->fmt);
	if (wo->truncate != 0 && wo->truncate < min)
		vg_usage_error("--truncate: %" PRIu32 " bytes is less than the %s header %s needs; "
			       "use %" PRIu32 "..%u",
			wo->truncate, vg_wrap_eth_inner(wo->fmt) ? "Ethernet" : "IPv4",
			vg_wrap_format_name(wo->fmt), min, VG_WRAP_MAX_TRUNC);
}

static void
vg_parse_args(int argc, char **argv, struct vg_gen_cfg *cfg, struct vg_wrap_opts *wo)
{
	char name[32];
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, vg_short_opts, vg_long_opts, NULL)) != -1) {
		switch (c) {
		case 'n':
		case 'f':
		case 's':
		case VG_OPT_MIX:
		case VG_OPT_SIZES:
		case VG_OPT_RST:
		case VG_OPT_IPV6:
		case VG_OPT_VLAN:
		case VG_OPT_START:
		case VG_OPT_RATE:
		case VG_OPT_APPS:
			if (wo->synth_opt == NULL)
				wo->synth_opt =
					vg_opt_name(c, wo->synth_name, sizeof(wo->synth_name));
			break;
		default:
			break;
		}
		switch (c) {
		case 'o':
			if (optarg[0] == '\0')
				vg_usage_error("-o: empty file name; give the pcap file to write");
			cfg->out = optarg;
			break;
		case 'n':
			cfg->npkts = vg_opt_num("-n", optarg, 1, UINT64_C(1) << 40, true);
			break;
		case 'f':
			cfg->nflows = (uint32_t)vg_opt_num("-f", optarg, 1, VG_GEN_MAX_FLOWS, true);
			break;
		case 's':
			cfg->seed = vg_opt_num("-s", optarg, 0, UINT64_MAX, false);
			break;
		case VG_OPT_MIX:
			vg_parse_mix(cfg, optarg);
			break;
		case VG_OPT_SIZES:
			vg_parse_sizes(cfg, optarg);
			break;
		case VG_OPT_RST:
			cfg->rst_pct = (unsigned int)vg_opt_num("--rst", optarg, 0, 100, false);
			break;
		case VG_OPT_IPV6:
			cfg->ipv6_pct = (unsigned int)vg_opt_num("--ipv6", optarg, 0, 100, false);
			break;
		case VG_OPT_VLAN:
			cfg->vlan = (int)vg_opt_num("--vlan", optarg, 0, 4094, false);
			break;
		case VG_OPT_START:
			cfg->start = vg_opt_num("--start", optarg, 0, UINT32_MAX, false);
			break;
		case VG_OPT_RATE:
			cfg->rate = vg_opt_num("--rate", optarg, 1, 1000000000ull, true);
			break;
		case VG_OPT_WRAP: {
			int fmt = vg_wrap_parse_format(optarg);

			if (fmt < 0)
				vg_usage_error("--wrap: unknown format '%s'; use %s", optarg,
					vg_wrap_format_list);
			wo->fmt = (enum vg_wrap_fmt)fmt;
			break;
		}
		case VG_OPT_IN:
			if (optarg[0] == '\0')
				vg_usage_error("--in: empty file name; give the pcap file to wrap");
			wo->in = optarg;
			break;
		case VG_OPT_SESSION:
			wo->session = (int64_t)vg_opt_num("--session", optarg, 0, 0xffffff, false);
			break;
		case VG_OPT_TRUNCATE:
			wo->truncate = (uint32_t)vg_opt_num(
				"--truncate", optarg, 1, VG_WRAP_MAX_TRUNC, false);
			break;
		case VG_OPT_APPS:
			cfg->apps = true;
			break;
		case 'q':
			cfg->quiet = true;
			break;
		case 'h':
			vg_usage(stdout);
			exit(0);
		case ':':
			vg_usage_error("%s needs a value; run '" VG_PROG " -h' for usage",
				vg_opt_name(optopt, name, sizeof(name)));
		case '?':
		default:
			vg_bad_option(argv[optind - 1]);
		}
	}
	if (optind < argc)
		vg_usage_error("unexpected argument '%s'; options take no bare arguments, see "
			       "'" VG_PROG " -h'",
			argv[optind]);
	if (cfg->out == NULL)
		vg_usage_error("no output file given; use -o FILE");
	vg_check_wrap(wo);
	if (cfg->start + cfg->npkts / cfg->rate + 1 > UINT32_MAX)
		vg_usage_error("--start: timestamps would pass the pcap limit (year 2106); use "
			       "an earlier --start, fewer packets or a higher --rate");
}

static uint64_t
vg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static FILE *
vg_open_output(const char *path)
{
	FILE *fp;

	if (strcmp(path, "-") == 0) {
		if (isatty(STDOUT_FILENO))
			vg_usage_error("refusing to write a pcap to a terminal; redirect stdout or "
				       "give -o FILE");
		fp = stdout;
	} else {
		fp = fopen(path, "wb");
		if (fp == NULL)
			vg_usage_error("cannot open '%s' for writing: %s; check the path and "
				       "permissions or choose another -o",
				path, strerror(errno));
	}
	setvbuf(fp, NULL, _IOFBF, VG_STDIO_BUF);
	return fp;
}

/* The output capture and what has gone into it. */
struct vg_out {
	const char *path;
	FILE *fp;
	pcap_t *pd;
	pcap_dumper_t *dumper;
	struct pcap_pkthdr hdr; /* time stamp of the packet being written */
	uint64_t bytes;
	uint64_t pkts;
};

/* Progress line on a terminal, at most every VG_PROGRESS_NS. */
struct vg_progress {
	bool on;
	bool shown;
	uint64_t last;
};

static void
vg_out_open(struct vg_out *o, const char *path, int snaplen, bool nano)
{
	memset(o, 0, sizeof(*o));
	o->path = path;
	o->fp = vg_open_output(path);
	o->pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, snaplen,
		nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	if (o->pd == NULL)
		vg_fail("cannot initialise libpcap; check the libpcap installation");
	o->dumper = pcap_dump_fopen(o->pd, o->fp);
	if (o->dumper == NULL)
		vg_usage_error("cannot write the pcap header to '%s': %s; check free space or "
			       "choose another -o",
			path, pcap_geterr(o->pd));
}

static void
vg_out_check(const struct vg_out *o)
{
	if (ferror(o->fp))
		vg_usage_error("writing '%s' failed: %s; check free space or choose another -o",
			o->path, strerror(errno));
}

static void
vg_out_close(struct vg_out *o)
{
	if (pcap_dump_flush(o->dumper) != 0 || ferror(o->fp))
		vg_usage_error("writing '%s' failed: %s; check free space or choose another -o",
			o->path, strerror(errno));
	pcap_dump_close(o->dumper);
	pcap_close(o->pd);
	o->dumper = NULL;
	o->pd = NULL;
}

/* Write one packet with the time stamp in o->hdr (also the vg_wrap_packet() callback). */
static int
vg_emit(void *ctx, const uint8_t *pkt, uint32_t caplen, uint32_t len)
{
	struct vg_out *o = ctx;

	o->hdr.caplen = caplen;
	o->hdr.len = len;
	pcap_dump((u_char *)o->dumper, &o->hdr, pkt);
	o->bytes += VG_PCAP_PKT_HDR + caplen;
	o->pkts++;
	return 0;
}

/* Update the progress line; total 0 when the number of packets is not known. */
static void
vg_progress(struct vg_progress *pr, uint64_t done, uint64_t total)
{
	uint64_t now;

	if (!pr->on)
		return;
	now = vg_now_ns();
	if (now - pr->last < VG_PROGRESS_NS)
		return;
	pr->last = now;
	pr->shown = true;
	if (total != 0)
		fprintf(stderr, "\r" VG_PROG ": %" PRIu64 "/%" PRIu64 " packets (%u%%)", done,
			total, (unsigned int)(done * 100 / total));
	else
		fprintf(stderr, "\r" VG_PROG ": %" PRIu64 " packets", done);
}

static void
vg_progress_end(const struct vg_progress *pr)
{
	if (pr->shown)
		fputs("\r\033[K", stderr);
}

/* ", N skipped (A without IP, ...)" for the summary line, or "" when nothing was skipped. */
static void
vg_skip_text(const struct vg_wrap_stats *st, char *buf, size_t len)
{
	uint64_t total = st->no_ip + st->no_conv + st->too_big;
	const char *sep = "";
	int n;

	buf[0] = '\0';
	if (total == 0)
		return;
	n = snprintf(buf, len, ", %" PRIu64 " skipped (", total);
	if (st->no_ip != 0 && n >= 0 && (size_t)n < len) {
		n += snprintf(buf + n, len - (size_t)n, "%" PRIu64 " without IP", st->no_ip);
		sep = ", ";
	}
	if (st->no_conv != 0 && n >= 0 && (size_t)n < len) {
		n += snprintf(buf + n, len - (size_t)n, "%s%" PRIu64 " not convertible to Ethernet",
			sep, st->no_conv);
		sep = ", ";
	}
	if (st->too_big != 0 && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "%s%" PRIu64 " too large for IPv4", sep,
			st->too_big);
	if (n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ")");
}

static const char *
vg_out_name(const struct vg_out *o)
{
	return strcmp(o->path, "-") == 0 ? "stdout" : o->path;
}

static struct vg_wrap *
vg_wrap_start(const struct vg_wrap_opts *wo, int link)
{
	struct vg_wrap *w = vg_wrap_new(wo->fmt, (uint32_t)wo->session, wo->truncate, link);

	if (w == NULL)
		vg_fail("out of memory for the mirror wrapper");
	return w;
}

/* Synthetic traffic, written as it is or wrapped. */
static void
vg_run_synth(const struct vg_gen_cfg *cfg, const struct vg_wrap_opts *wo)
{
	struct vg_gen *g = &vg_gen_ctx;
	struct vg_progress pr = {!cfg->quiet && isatty(STDERR_FILENO), false, 0};
	struct vg_wrap *w = NULL;
	struct vg_out out;
	uint64_t sec, nsec, rem, step_q, step_r;
	uint64_t t0;
	uint64_t i;

	vg_out_open(&out, cfg->out,
		wo->fmt != VG_WRAP_NONE ? (int)VG_WRAP_SNAPLEN : VG_PCAP_SNAPLEN, false);
	if (vg_gen_init(g, cfg) != 0)
		vg_fail("out of memory for %" PRIu32 " flows; use a smaller -f", cfg->nflows);
	if (wo->fmt != VG_WRAP_NONE)
		w = vg_wrap_start(wo, VG_LT_EN10MB);

	sec = cfg->start;
	nsec = 0;
	rem = 0;
	step_q = 1000000000ull / cfg->rate;
	step_r = 1000000000ull % cfg->rate;
	t0 = vg_now_ns();
	pr.last = t0;

	for (i = 0; i < cfg->npkts; i++) {
		uint32_t len = vg_gen_next(g, vg_frame);

		out.hdr.ts.tv_sec = (time_t)sec;
		out.hdr.ts.tv_usec = (suseconds_t)(nsec / 1000);
		if (w != NULL)
			vg_wrap_packet(w, sec * 1000000ull + nsec / 1000, vg_frame, len, len,
				vg_emit, &out);
		else
			vg_emit(&out, vg_frame, len, len);

		nsec += step_q;
		rem += step_r;
		if (rem >= cfg->rate) {
			rem -= cfg->rate;
			nsec++;
		}
		while (nsec >= 1000000000ull) {
			nsec -= 1000000000ull;
			sec++;
		}

		if ((i % VG_PROGRESS_EVERY) == VG_PROGRESS_EVERY - 1) {
			vg_out_check(&out);
			vg_progress(&pr, i + 1, cfg->npkts);
		}
	}
	vg_out_close(&out);
	vg_progress_end(&pr);

	if (!cfg->quiet) {
		double secs = (double)(vg_now_ns() - t0) / 1e9;
		char wrapped[64] = "";
		char skipped[160] = "";

		if (w != NULL) {
			snprintf(wrapped, sizeof(wrapped), " wrapped as %s,",
				vg_wrap_format_name(wo->fmt));
			vg_skip_text(vg_wrap_get_stats(w), skipped, sizeof(skipped));
		}
		fprintf(stderr,
			VG_PROG ": %" PRIu64 " packets, %" PRIu64 " flows started,%s%s%s %" PRIu64
				" bytes written to %s in %.1f s\n",
			cfg->npkts, g->flows_started, wrapped, skipped + (skipped[0] ? 1 : 0),
			skipped[0] ? "," : "", out.bytes + VG_PCAP_FILE_HDR, vg_out_name(&out),
			secs);
	}
	vg_wrap_free(w);
	vg_gen_fini(g);
}

/* Refuse to write the output over the input: it would be emptied before it is read. */
static void
vg_check_same_file(const char *in, const char *out)
{
	struct stat si, so;

	if (strcmp(in, "-") == 0 || strcmp(out, "-") == 0)
		return;
	if (stat(in, &si) == 0 && stat(out, &so) == 0 && si.st_dev == so.st_dev &&
		si.st_ino == so.st_ino)
		vg_usage_error(
			"--in '%s' and -o '%s' are the same file; write to another file", in, out);
}

/* An --in capture, wrapped. */
static void
vg_run_input(const struct vg_gen_cfg *cfg, const struct vg_wrap_opts *wo)
{
	struct vg_progress pr = {!cfg->quiet && isatty(STDERR_FILENO), false, 0};
	char errbuf[PCAP_ERRBUF_SIZE];
	const struct vg_wrap_stats *st;
	struct pcap_pkthdr *h;
	const u_char *data;
	struct vg_wrap *w;
	struct vg_out out;
	char err[256];
	uint64_t t0;
	pcap_t *in;
	FILE *ifp;
	bool nano;
	int link;
	int rc;

	vg_check_same_file(wo->in, cfg->out);
	ifp = vg_wrap_open_input(wo->in, &nano, err, sizeof(err));
	if (ifp == NULL)
		vg_usage_error(
			"--in: cannot open '%s': %s; check the path and permissions", wo->in, err);
	errbuf[0] = '\0';
	in = pcap_fopen_offline_with_tstamp_precision(
		ifp, nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (in == NULL)
		vg_usage_error(
			"--in: cannot read '%s' as a capture: %s; give a pcap or pcapng file",
			wo->in, errbuf);
	link = pcap_datalink(in);
	if (!vg_wrap_link_supported(link)) {
		const char *name = pcap_datalink_val_to_name(link);

		vg_usage_error("--in: '%s' has link type %s (%d), which cannot be wrapped; give "
			       "Ethernet, raw IP, Linux cooked, BSD null/loop, PPP, NFLOG or "
			       "802.11/radiotap input",
			wo->in, name != NULL ? name : "unknown", link);
	}
	vg_out_open(&out, cfg->out, (int)VG_WRAP_SNAPLEN, nano);
	w = vg_wrap_start(wo, link);
	t0 = vg_now_ns();
	pr.last = t0;

	while ((rc = pcap_next_ex(in, &h, &data)) == 1) {
		uint64_t sec = (uint64_t)h->ts.tv_sec;
		uint64_t frac = (uint64_t)h->ts.tv_usec;

		out.hdr.ts = h->ts;
		vg_wrap_packet(w, sec * 1000000ull + (nano ? frac / 1000 : frac), data, h->caplen,
			h->len, vg_emit, &out);
		st = vg_wrap_get_stats(w);
		if ((st->in % VG_PROGRESS_EVERY) == 0) {
			vg_out_check(&out);
			vg_progress(&pr, st->in, 0);
		}
	}
	st = vg_wrap_get_stats(w);
	vg_out_close(&out);
	vg_progress_end(&pr);
	if (rc == -1)
		vg_usage_error("--in: reading '%s' failed after %" PRIu64 " packets: %s; the "
			       "capture is damaged or cut off (%s has the packets before it)",
			wo->in, st->in, pcap_geterr(in), vg_out_name(&out));
	pcap_close(in);

	if (!cfg->quiet) {
		double secs = (double)(vg_now_ns() - t0) / 1e9;
		char skipped[160];

		vg_skip_text(st, skipped, sizeof(skipped));
		fprintf(stderr,
			VG_PROG ": %" PRIu64 " packets read from %s, %" PRIu64
				" written as %s%s, %" PRIu64 " bytes written to %s in %.1f s\n",
			st->in, strcmp(wo->in, "-") == 0 ? "stdin" : wo->in, st->out,
			vg_wrap_format_name(wo->fmt), skipped, out.bytes + VG_PCAP_FILE_HDR,
			vg_out_name(&out), secs);
	}
	vg_wrap_free(w);
}

int
main(int argc, char **argv)
{
	struct vg_gen_cfg cfg = {
		.out = NULL,
		.npkts = 100000,
		.nflows = 1000,
		.seed = 1,
		.mix = {80, 15, 5},
		.size_mode = VG_GEN_SIZE_IMIX,
		.size_lo = 64,
		.size_hi = 1518,
		.rst_pct = 10,
		.ipv6_pct = 10,
		.vlan = -1,
		.start = 1700000000,
		.rate = 1000000,
		.quiet = false,
	};
	struct vg_wrap_opts wo = {
		.fmt = VG_WRAP_NONE,
		.in = NULL,
		.session = -1,
		.truncate = 0,
		.synth_opt = NULL,
	};

	vg_parse_args(argc, argv, &cfg, &wo);
	if (wo.in != NULL)
		vg_run_input(&cfg, &wo);
	else
		vg_run_synth(&cfg, &wo);
	return 0;
}
