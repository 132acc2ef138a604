/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <strings.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vg_bpf.h"
#include "vg_config.h"
#include "vg_flow.h"
#include "vg_hash.h"
#include "vg_metrics_http.h"
#include "vg_options.h"
#include "vg_policy.h"
#include "vg_schema.h"

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "unknown"
#endif

enum {
	OPT_JSON = 256,
	OPT_COMMUNITY_ID,
	OPT_ANALYZERS,
	OPT_CONN_VLAN,
	OPT_CONN_L2,
	OPT_NO_LOCAL,
	OPT_LOCAL_NETS,
	OPT_MAX_FLOWS,
	OPT_SEED,
	OPT_NODE_ID,
	OPT_STATS,
	OPT_RING_SIZE,
	OPT_VERSION,
	OPT_MIRROR,
	OPT_MIRROR_COLLECTOR,
	OPT_MIRROR_PORT,
	OPT_WORKERS,
	OPT_PORT,
	OPT_DISPATCH,
	OPT_LOGD,
	OPT_STATS_INTERVAL,
	OPT_EXIT_IDLE,
	OPT_DURATION,
	OPT_MBUFS,
	OPT_MTU,
	OPT_CONFIG,
	OPT_NO_NIC_CHECKSUM,
	OPT_POLICY,
	OPT_HASH_SEED,
	OPT_REASM_MEMORY,
	OPT_REASM_DEPTH,
	OPT_LOGD_WAIT,
	OPT_TIME_WINDOW,
	OPT_SIG_CHECK,
	OPT_SIG_DEPTH,
	OPT_SINK,
	OPT_METRICS_LISTEN,
	OPT_CONSOLE_SOCKET,
	OPT_CMDFILE,
	OPT_EXPORT_POLICY,
	OPT_EXCEPTION,
	OPT_HOST_ADDR,
	OPT_HEALTH_PORT,
	OPT_HEALTH_HTTP,
	OPT_SHADOW_LISTEN,
	OPT_SHADOW_MAX_CONNS,
	OPT_SHADOW_REQUEST_TIMEOUT,
	OPT_SHADOW_IDLE_TIMEOUT,
};

static const struct option long_opts[] = {
	{"read", required_argument, NULL, 'r'},
	{"output", required_argument, NULL, 'o'},
	{"json", no_argument, NULL, OPT_JSON},
	{"ignore-checksums", no_argument, NULL, 'C'},
	{"community-id", no_argument, NULL, OPT_COMMUNITY_ID},
	{"analyzers", required_argument, NULL, OPT_ANALYZERS},
	{"conn-vlan", no_argument, NULL, OPT_CONN_VLAN},
	{"conn-l2", no_argument, NULL, OPT_CONN_L2},
	{"no-local", no_argument, NULL, OPT_NO_LOCAL},
	{"local-nets", required_argument, NULL, OPT_LOCAL_NETS},
	{"no-nic-checksum", no_argument, NULL, OPT_NO_NIC_CHECKSUM},
	{"policy", required_argument, NULL, OPT_POLICY},
	{"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
	{"reassembly-memory", required_argument, NULL, OPT_REASM_MEMORY},
	{"reassembly-depth", required_argument, NULL, OPT_REASM_DEPTH},
	{"seed", required_argument, NULL, OPT_SEED},
	{"node-id", required_argument, NULL, OPT_NODE_ID},
	{"hash-seed", required_argument, NULL, OPT_HASH_SEED},
	{"time-window", required_argument, NULL, OPT_TIME_WINDOW},
	{"stats", no_argument, NULL, OPT_STATS},

	{"ring-size", required_argument, NULL, OPT_RING_SIZE},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{"mirror", required_argument, NULL, OPT_MIRROR},
	{"mirror-collector", required_argument, NULL, OPT_MIRROR_COLLECTOR},
	{"mirror-port", required_argument, NULL, OPT_MIRROR_PORT},
	{"workers", required_argument, NULL, OPT_WORKERS},
	{"port", required_argument, NULL, OPT_PORT},
	{"dispatch", required_argument, NULL, OPT_DISPATCH},
	{"logd", required_argument, NULL, OPT_LOGD},
	{"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
	{"exit-idle", required_argument, NULL, OPT_EXIT_IDLE},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"mbufs", required_argument, NULL, OPT_MBUFS},
	{"mtu", required_argument, NULL, OPT_MTU},
	{"config", required_argument, NULL, OPT_CONFIG},
	{"filter", required_argument, NULL, 'f'},
	{"interface", required_argument, NULL, 'i'},
	{"check-config", no_argument, NULL, 'T'},
	{"logd-wait", required_argument, NULL, OPT_LOGD_WAIT},
	{"sig-check", no_argument, NULL, OPT_SIG_CHECK},
	{"sig-depth", required_argument, NULL, OPT_SIG_DEPTH},
	{"sink", required_argument, NULL, OPT_SINK},
	{"metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN},
	{"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},
	{"cmdfile", required_argument, NULL, OPT_CMDFILE},
	VG_K8S_LONG_OPTIONS,
	{"export-policy", required_argument, NULL, OPT_EXPORT_POLICY},
	{"exception", required_argument, NULL, OPT_EXCEPTION},
	{"host-addr", required_argument, NULL, OPT_HOST_ADDR},
	{"health-port", required_argument, NULL, OPT_HEALTH_PORT},
	{"health-http", required_argument, NULL, OPT_HEALTH_HTTP},
	{"shadow-listen", required_argument, NULL, OPT_SHADOW_LISTEN},
	{"shadow-max-conns", required_argument, NULL, OPT_SHADOW_MAX_CONNS},
	{"shadow-request-timeout", required_argument, NULL, OPT_SHADOW_REQUEST_TIMEOUT},
	{"shadow-idle-timeout", required_argument, NULL, OPT_SHADOW_IDLE_TIMEOUT},
	{NULL, 0, NULL, 0},
};

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: vigil -r FILE [options]            read a capture file (- for stdin)\n"
		"       vigil -i IFACE [options]           capture a kernel interface "
		"(net_af_packet)\n"
		"       vigil [EAL options] -- [options]   capture live from DPDK ports\n"
		"       vigil -i [EAL options] -- [options] the same, with a console on the "
		"terminal\n"
		"Reads a pcap or pcapng file and writes Zeek logs (conn.log, weird.log,\n"
		"tunnel.log).\n"
		"\n"
		"  -r, --read FILE        capture file to read (pcap or pcapng; - is stdin)\n"
		"  -i, --interface IFACE  capture IFACE live through DPDK's net_af_packet;\n"
		"                         vigil writes the EAL options (no hugepages needed)\n"
		"  -f, --filter EXPR      BPF capture filter, tcpdump's syntax (e.g. 'not port "
		"22')\n"
		"  -T, --check-config     load and check the options and config file, then exit\n"
		"      --sig-check FILE...  parse signature files (Zeek's language), print each\n"
		"                         problem, then exit (1 when one is fatal)\n"
		"  -o, --output DIR       directory for the logs (default: current directory)\n"
		"      --json             write Zeek's JSON lines instead of TSV\n"
		"  -C, --ignore-checksums do not verify checksums (like zeek -C)\n"
		"      --community-id     add community_id to conn.log\n"
		"      --conn-vlan        add vlan and inner_vlan to conn.log\n"
		"      --conn-l2          add orig_l2_addr and resp_l2_addr to conn.log\n"
		"      --policy LIST      the columns these Zeek policy scripts add, e.g.\n"
		"                         protocols/ssl/log-certs-base64 (see doc/logs.md)\n"
		"      --analyzers LIST   protocols loaded, as Zeek scripts would be:\n"
		"                         all (default), none, or e.g. http,dns,ssl\n"
		"  -s FILE                load a signature file in Zeek's signature language\n"
		"                         (repeatable); matches go to signatures.log\n"
		"      --sig-depth BYTES  bytes of each connection matched against the\n"
		"                         signatures (default 1024, Zeek's dpd_buffer_size;\n"
		"                         0: all of it)\n"
		"      --local-nets CIDRS local networks (Zeek's Site::local_nets), e.g.\n"
		"                         10.1.0.0/16,2001:db8::/32 (repeatable, up to 64);\n"
		"                         local_orig/local_resp are T inside them or in the\n"
		"                         private address space\n"
		"      --no-local         the private address space is not local; with no\n"
		"                         --local-nets, local_orig/local_resp stay unset\n"
		"      --max-flows N      connections tracked at once (default 1048576)\n"
		"      --reassembly-memory BYTES\n"
		"                         TCP reassembly buffers per worker (default 64M)\n"
		"      --reassembly-depth BYTES\n"
		"                         bytes kept above a hole per direction (default 1M)\n"
		"      --seed N           seed for connection uids (default: 0 reading a\n"
		"                         file, random per run for live capture)\n"
		"      --node-id NAME     this sensor's name, mixed into the uid seed: sensors\n"
		"                         sharing a --seed still hand out distinct uids\n"
		"      --hash-seed N      fixed flow hash key, for repeatable tests (default:\n"
		"                         random per process)\n"
		"      --time-window S    packets further than S seconds from network time\n"
		"                         do not move it (default 3600)\n"
		"      --logd NAME        hand records to vigil-logd through /dev/shm/NAME\n"
		"                         instead of writing logs in-process\n"
		"      --sink URL         with -r: also send every record there (repeatable):\n"
		"                         stdout, syslog+udp://HOST:PORT, syslog+tcp://...,\n"
		"                         syslog+tls://HOST:PORT?ca=FILE, kafka://HOST:PORT\n"
		"                         (doc/vigil-logd.md; live: vigil-logd --sink)\n"
		"      --export-policy FILE  which records the in-process writer lets out:\n"
		"                         per log on/off, sampling, filters, columns (YAML,\n"
		"                         doc/policy.md; with --logd give it to vigil-logd)\n"
		"      --logd-wait S      with -r: how long a full ring waits for vigil-logd\n"
		"                         before vigil stops and fails (default 10)\n"
		"      --ring-size BYTES  log ring size (default 4M)\n"
		"      --mirror LIST      treat these encapsulations as mirror transport:\n"
		"                         vxlan, geneve, erspan or auto (all three); the\n"
		"                         outer headers are stripped and the session id\n"
		"                         (VNI, GENEVE network id, ERSPAN session) keys flows\n"
		"                         and is logged as conn.log's mirror_session\n"
		"      --mirror-collector ADDR  only packets sent to ADDR (repeatable, up to 8)\n"
		"      --mirror-port PORT only UDP packets to PORT (default 4789 / 6081)\n"
		"      --stats            print counters when done\n" VG_K8S_USAGE
		"Live capture (after EAL's options and --):\n"
		"      --workers N        worker lcores to use (default: every worker lcore)\n"
		"      --port ID          capture on this port (repeatable; default: all)\n"
		"      --dispatch MODE    auto (default), rss or software\n"
		"      --stats-interval S stats.log and capture_loss.log every S seconds (300)\n"
		"      --exit-idle S      stop after S seconds without packets (tests, replay)\n"
		"      --duration S       stop after S seconds\n"
		"      --mbufs N          packet buffers per port (default: sized from the\n"
		"                         queues, descriptors, lcore caches and bursts)\n"
		"      --mtu N            largest packet a port takes whole (default 9000,\n"
		"                         or the port's limit)\n"
		"      --no-nic-checksum  verify every checksum in software, even where the\n"
		"                         NIC offers RX checksum offload\n"
		"      --metrics-listen ADDR:PORT  serve Prometheus metrics at /metrics\n"
		"                         (e.g. 127.0.0.1:9100; doc/metrics.md)\n"
		"      --console-socket PATH  the console's unix socket, for vigil-ctl (default\n"
		"                         /run/vigil/<EAL file prefix, or vigil>.sock)\n"
		"      --cmdfile FILE     run the console commands in FILE at start\n"
		"      --exception IFACE  a collector VM's own traffic (to its addresses, not\n"
		"                         mirror transport) goes to the kernel interface\n"
		"                         IFACE (net_tap), and its answers out of the port;\n"
		"                         the addresses IFACE gets are learned\n"
		"      --host-addr ADDR   another address of the host, not on IFACE\n"
		"                         (repeatable, up to 16)\n"
		"      --health-port N    a TCP port that listens while the sensor is healthy\n"
		"                         (repeatable, up to 4; load balancer TCP checks)\n"
		"      --health-http PORT[:PATH]  HTTP checks: 200 while healthy, 503 not\n"
		"Istio traffic shadowing (doc/shadow.md), without -r or capture:\n"
		"      --shadow-listen ADDR:PORT  be Envoy's mirror target: answer each copied\n"
		"                         request at once and log it in http.log (shadowed T)\n"
		"      --shadow-max-conns N  connections at once (default 1024; the longest\n"
		"                         waiting one gives its slot to a new one)\n"
		"      --shadow-request-timeout S  a request must arrive whole in S seconds\n"
		"                         (default 10)\n"
		"      --shadow-idle-timeout S  idle keep-alive connections close (default 60)\n"
		"  -c, --config FILE      read options from a YAML file (keys: the long options;\n"
		"                         see config/vigil.conf); a value on the command line\n"
		"                         wins, lists (--port, --mirror-collector,\n"
		"                         --local-nets) add up\n"
		"  -q, --quiet            no progress display\n"
		"  -h, --help             this text\n"
		"      --version          print the version\n");
}

static int
parse_mirror(struct vg_options *o, const char *list)
{
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 5 && strncasecmp(p, "vxlan", n) == 0)
			o->mirror |= VG_MIRROR_VXLAN;
		else if (n == 6 && strncasecmp(p, "geneve", n) == 0)
			o->mirror |= VG_MIRROR_GENEVE;
		else if (n == 6 && strncasecmp(p, "erspan", n) == 0)
			o->mirror |= VG_MIRROR_ERSPAN;
		else if (n == 4 && strncasecmp(p, "auto", n) == 0)
			o->mirror |= VG_MIRROR_ALL;
		else {
			fprintf(stderr,
				"vigil: unknown mirror source '%.*s' in --mirror; use vxlan, "
				"geneve, erspan or auto\n",
				(int)n, p);
			return -1;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* Zeek policy scripts whose only effect vigil has is columns they add. */
static const struct {
	const char *script;
	uint8_t feature; /* enum vg_feature */
} policy_scripts[] = {
	{"protocols/conn/community-id-logging", VG_FEAT_COMMUNITY_ID},
	{"protocols/conn/vlan-logging", VG_FEAT_VLAN},
	{"protocols/conn/mac-logging", VG_FEAT_L2_ADDR},
	{"protocols/ssl/log-certs-base64", VG_FEAT_X509_CERT},
	{"protocols/ssl/certificate-request-info", VG_FEAT_SSL_CERT_REQ},
	{"protocols/dhcp/sub-opts", VG_FEAT_DHCP_SUB_OPTS},
	{"protocols/dns/auth-addl", VG_FEAT_DNS_AUTH_ADDL},
	{"protocols/dns/log-original-query-case", VG_FEAT_DNS_ORIGINAL_QUERY},
};

/* --policy a,b,...: names as Zeek loads them, with or without policy/ and .zeek. */
static int
parse_policy(struct vg_options *o, const char *list)
{
	char buf[256];
	const char *p = list;

	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		size_t k = 0;

		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, p, n);
		buf[n] = '\0';
		p += n + (p[n] == ',');
		char *name = buf;

		if (strncmp(name, "policy/", 7) == 0)
			name += 7;
		if (strlen(name) > 5 && strcmp(name + strlen(name) - 5, ".zeek") == 0)
			name[strlen(name) - 5] = '\0';
		for (k = 0; k < sizeof(policy_scripts) / sizeof(policy_scripts[0]); k++)
			if (strcmp(name, policy_scripts[k].script) == 0)
				break;
		if (k == sizeof(policy_scripts) / sizeof(policy_scripts[0])) {
			fprintf(stderr,
				"vigil: --policy: '%s' is not a script vigil follows; it knows "
				"protocols/conn/{community-id,vlan,mac}-logging, "
				"protocols/ssl/log-certs-base64, "
				"protocols/ssl/certificate-request-info, protocols/dhcp/sub-opts, "
				"protocols/dns/auth-addl, protocols/dns/log-original-query-case\n",
				buf);
			return -1;
		}
		o->policy_features |= 1u << policy_scripts[k].feature;
	}
	return 0;
}

static int
parse_collector(struct vg_options *o, const char *s)
{
	uint8_t b[16];

	if (o->ncollectors >= VG_MIRROR_MAX_COLLECTORS) {
		fprintf(stderr, "vigil: at most %d --mirror-collector addresses\n",
			VG_MIRROR_MAX_COLLECTORS);
		return -1;
	}
	if (inet_pton(AF_INET, s, b) == 1) {
		vg_addr_from_v4(&o->collectors[o->ncollectors++], b);
		return 0;
	}
	if (inet_pton(AF_INET6, s, b) == 1) {
		memcpy(o->collectors[o->ncollectors++].b, b, 16);
		return 0;
	}
	fprintf(stderr, "vigil: --mirror-collector needs an IPv4 or IPv6 address, not '%s'\n", s);
	return -1;
}

static int
parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	uint64_t mult = 1;

	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);

	if (end != s && (*end == 'k' || *end == 'K')) {
		mult = 1024;
		end++;
	} else if (end != s && (*end == 'm' || *end == 'M')) {
		mult = 1024 * 1024;
		end++;
	}
	if (errno || end == s || *end != '\0' || s[0] == '-' || v > max / mult || v * mult < min) {
		fprintf(stderr,
			"vigil: %s needs a number from %" PRIu64 " to %" PRIu64 ", not '%s'\n", opt,
			min, max, s);
		return -1;
	}
	*out = v * mult;
	return 0;
}

/* Finds -c FILE / --config FILE / --config=FILE in argv; NULL if absent. */
static const char *
config_path(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) &&
			i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], "--config=", 9) == 0)
			return argv[i] + 9;
	}
	return NULL;
}

static int parse_argv(struct vg_options *o, int argc, char **argv, bool live);
/* True while reload config parses again: the flow hash key stays as it is. */
static bool reparsing;
static int check_combinations(const struct vg_options *o, bool live);
static int resolve_uid_seed(struct vg_options *o, bool live_capture);

/* EAL's options (DPDK 22.11) that vigil does not have itself. */
static const char *const eal_long[] = {"vdev", "no-huge", "no-pci", "file-prefix", "lcores",
	"socket-mem", "socket-limit", "huge-dir", "huge-unlink", "log-level", "iova-mode",
	"proc-type", "main-lcore", "in-memory", "allow", "block", "legacy-mem",
	"single-file-segments", "base-virtaddr", "syslog", "telemetry", "no-telemetry",
	"match-allocations", "no-shconf", "create-uio-dev", "vfio-intr", "vfio-vf-token",
	"service-corelist", "service-coremask", "trace", "trace-dir", "trace-bufsz", "trace-mode",
	"force-max-simd-bitwidth", "master-lcore", "mbuf-pool-ops-name", "pci-whitelist",
	"pci-blacklist", "no-hpet", "vmware-tsc-map", NULL};

bool
vg_options_is_eal(const char *arg)
{
	if (arg[0] == '-' && arg[1] != '-' && arg[1] != '\0')
		return strchr("labnmdsw", arg[1]) != NULL;
	if (strncmp(arg, "--", 2) != 0)
		return false;
	size_t n = strcspn(arg + 2, "=");

	for (int i = 0; eal_long[i] != NULL; i++)
		if (strlen(eal_long[i]) == n && strncmp(arg + 2, eal_long[i], n) == 0)
			return true;
	return false;
}

static int
unknown_option(const char *arg, int opt, bool live)
{
	char shortopt[3] = {'-', (char)opt, '\0'};
	const char *name = opt != 0 ? shortopt : arg;

	if (!live && vg_options_is_eal(name)) {
		fprintf(stderr,
			"vigil: '%s' is a DPDK (EAL) option and the -- is missing: give EAL's "
			"options, then --, then vigil's (vigil --no-huge -m 1024 ... -- -o DIR)\n",
			name);
		return 2;
	}
	if (live && vg_options_is_eal(name)) {
		fprintf(stderr,
			"vigil: '%s' is a DPDK (EAL) option: put it before the --, vigil's "
			"options after it\n",
			name);
		return 2;
	}
	fprintf(stderr, "vigil: unknown option '%s'; see 'vigil --help'\n", name);
	return 2;
}

int
vg_options_check_eal_part(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *a = argv[i];

		if (strncmp(a, "--", 2) != 0 || vg_options_is_eal(a))
			continue;
		size_t n = strcspn(a + 2, "=");

		for (const struct option *lo = long_opts; lo->name != NULL; lo++) {
			if (strlen(lo->name) == n && strncmp(a + 2, lo->name, n) == 0) {
				fprintf(stderr,
					"vigil: '%s' is vigil's option, not DPDK's: put it after "
					"the -- (EAL's options first, then --, then vigil's)\n",
					a);
				return 2;
			}
		}
	}
	return 0;
}

/* The file's tokens first, then the command line's: the last one wins. */
static int
parse_with_file(struct vg_options *o, int argc, char **argv, int cargc, char **cargv, bool live)
{
	char **all = calloc((size_t)(argc + cargc + 1), sizeof(*all));
	int rc;

	if (all == NULL)
		return 2;
	all[0] = argv[0];
	for (int i = 0; i < cargc; i++)
		all[1 + i] = cargv[i];
	for (int i = 1; i < argc; i++)
		all[cargc + i] = argv[i];
	rc = parse_argv(o, argc + cargc, all, live);
	free(all);
	return rc;
}

int
vg_options_parse(struct vg_options *o, int argc, char **argv, bool live)
{
	const char *cfg = config_path(argc, argv);
	int cargc = 0, rc;
	char **cargv = NULL, **keep;

	if (cfg == NULL)
		return parse_argv(o, argc, argv, live);
	if (vg_config_load(cfg, long_opts, &cargc, &cargv) != 0)
		return 2;
	rc = parse_with_file(o, argc, argv, cargc, cargv, live);
	/* Option values point into the file's tokens: they stay for the run, and
	 * so does the command line, for reload config. */
	keep = calloc((size_t)argc + 1, sizeof(*keep));
	if (rc == 0 && keep != NULL) {
		memcpy(keep, argv, (size_t)argc * sizeof(*keep));
		o->config_file = cfg;
		o->config_ntok = cargc;
		o->config_tok = cargv;
		o->cmd_argc = argc;
		o->cmd_argv = keep;
	} else {
		free(keep);
	}
	return rc;
}

int
vg_options_config_tokens(const char *file, int *ntok, char ***tok)
{
	return vg_config_load(file, long_opts, ntok, tok);
}

int
vg_options_reparse(struct vg_options *o, const struct vg_options *run, int ntok, char **tok)
{
	int rc;

	reparsing = true;
	rc = parse_with_file(o, run->cmd_argc, run->cmd_argv, ntok, tok, run->live);
	reparsing = false;
	return rc;
}

/* Options that only set a flag or keep their argument. */
#define OFF(f) offsetof(struct vg_options, f)
#define NUMBER(opt, name, min, max, f)                                                             \
	{                                                                                          \
		opt, name, min, max, OFF(f), sizeof(((struct vg_options *)0)->f)                   \
	}
static const struct {
	int opt;
	size_t off;
} flag_opts[] =
	{
		{'T', OFF(check_only)},
		{'C', OFF(ignore_checksums)},
		{'q', OFF(quiet)},
		{OPT_JSON, OFF(json)},
		{OPT_COMMUNITY_ID, OFF(community_id)},
		{OPT_CONN_VLAN, OFF(conn_vlan)},
		{OPT_CONN_L2, OFF(conn_l2)},
		{OPT_NO_NIC_CHECKSUM, OFF(no_nic_checksum)},
		{OPT_NO_LOCAL, OFF(no_local)},
		{OPT_STATS, OFF(stats)},
		{OPT_SIG_CHECK, OFF(sig_check)},
},
  string_opts[] = {
	  {'f', OFF(filter)},
	  {'i', OFF(iface)},
	  {'r', OFF(read_file)},
	  {'o', OFF(out_dir)},
	  {OPT_LOGD, OFF(logd)},
	  {OPT_METRICS_LISTEN, OFF(metrics)},
	  {OPT_CONSOLE_SOCKET, OFF(console_socket)},
	  {OPT_CMDFILE, OFF(cmdfile)},
	  {OPT_NODE_ID, OFF(node_id)},
	  {OPT_EXPORT_POLICY, OFF(export_policy)},
	  {OPT_EXCEPTION, OFF(exc_iface)},
	  {OPT_SHADOW_LISTEN, OFF(shadow.listen)},
};

/* Options that take a number in a range, stored in a field of `size` bytes. */
static const struct {
	int opt;
	const char *name;
	uint64_t min, max;
	size_t off;
	uint8_t size;
} number_opts[] = {
	NUMBER(OPT_LOGD_WAIT, "--logd-wait", 1, 86400, logd_wait),
	NUMBER(OPT_MAX_FLOWS, "--max-flows", 16, 1u << 28, max_flows),
	NUMBER(OPT_REASM_MEMORY, "--reassembly-memory", 65536, 1ULL << 40, reasm_memory),
	NUMBER(OPT_REASM_DEPTH, "--reassembly-depth", 1024, 1u << 30, reasm_depth),
	NUMBER(OPT_SEED, "--seed", 0, UINT64_MAX / 1024, seed),
	NUMBER(OPT_HASH_SEED, "--hash-seed", 0, UINT64_MAX / 1024, hash_seed),
	NUMBER(OPT_TIME_WINDOW, "--time-window", 1, 315360000, time_window),
	NUMBER(OPT_RING_SIZE, "--ring-size", 65536, 1ULL << 31, ring_size),
	NUMBER(OPT_MIRROR_PORT, "--mirror-port", 1, 65535, mirror_port),
	NUMBER(OPT_WORKERS, "--workers", 1, 64, workers),
	NUMBER(OPT_STATS_INTERVAL, "--stats-interval", 1, 86400, stats_interval),
	NUMBER(OPT_EXIT_IDLE, "--exit-idle", 1, 86400, exit_idle),
	NUMBER(OPT_DURATION, "--duration", 1, 31536000, duration),
	NUMBER(OPT_MBUFS, "--mbufs", 1023, 1u << 26, mbufs),
	NUMBER(OPT_MTU, "--mtu", 576, 65535, mtu),
	NUMBER(OPT_SHADOW_MAX_CONNS, "--shadow-max-conns", 1, 1u << 20, shadow.max_conns),
	NUMBER(OPT_SHADOW_REQUEST_TIMEOUT, "--shadow-request-timeout", 1, 3600, shadow_request_s),
	NUMBER(OPT_SHADOW_IDLE_TIMEOUT, "--shadow-idle-timeout", 1, 86400, shadow_idle_s),
};
#undef NUMBER
#undef OFF

static void
store_number(void *field, uint8_t size, uint64_t v)
{
	uint16_t v16 = (uint16_t)v;
	uint32_t v32 = (uint32_t)v;

	if (size == 2)
		memcpy(field, &v16, 2);
	else if (size == 4)
		memcpy(field, &v32, 4);
	else
		memcpy(field, &v, 8);
}

/* A flag, string or number option: 0 done, 2 a bad value, -1 not one of those. */
static int
set_simple_option(struct vg_options *o, int c, const char *arg)
{
	char *base = (char *)o;

	for (size_t i = 0; i < sizeof(flag_opts) / sizeof(flag_opts[0]); i++)
		if (flag_opts[i].opt == c) {
			*(bool *)(base + flag_opts[i].off) = true;
			return 0;
		}
	for (size_t i = 0; i < sizeof(string_opts) / sizeof(string_opts[0]); i++)
		if (string_opts[i].opt == c) {
			*(const char **)(base + string_opts[i].off) = arg;
			return 0;
		}
	for (size_t i = 0; i < sizeof(number_opts) / sizeof(number_opts[0]); i++)
		if (number_opts[i].opt == c) {
			uint64_t v;

			if (parse_u64(number_opts[i].name, arg, number_opts[i].min,
				    number_opts[i].max, &v) != 0)
				return 2;
			store_number(base + number_opts[i].off, number_opts[i].size, v);
			if (c == OPT_HASH_SEED)
				o->hash_seed_set = true;
			if (c == OPT_SEED)
				o->seed_set = true;
			return 0;
		}
	return -1;
}

static int
set_analyzers(struct vg_options *o, const char *arg)
{
	struct vg_port_set ps;
	const char *bad = NULL;

	if (vg_port_set_from_analyzers(&ps, arg, &bad) != 0) {
		fprintf(stderr,
			"vigil: unknown analyzer '%s' in --analyzers; use names like http,dns,ssl, "
			"'all' or 'none'\n",
			bad ? bad : arg);
		return 2;
	}
	o->analyzers = arg;
	return 0;
}

static int
add_port(struct vg_options *o, const char *arg)
{
	uint64_t v;

	if (o->nports >= 16) {
		fprintf(stderr, "vigil: at most 16 --port options\n");
		return 2;
	}
	if (parse_u64("--port", arg, 0, 65535, &v) != 0)
		return 2;
	o->ports[o->nports++] = (uint16_t)v;
	return 0;
}

static int
set_dispatch(struct vg_options *o, const char *arg)
{
	static const char *const names[] = {"auto", "rss", "software"};

	for (uint8_t i = 0; i < 3; i++)
		if (strcmp(arg, names[i]) == 0) {
			o->dispatch = i;
			return 0;
		}
	fprintf(stderr, "vigil: --dispatch takes auto, rss or software, not '%s'\n", arg);
	return 2;
}

static int
add_local_nets(struct vg_options *o, const char *arg)
{
	char why[160];

	if (vg_local_nets_add(&o->local_nets, arg, why, sizeof(why)) != 0) {
		fprintf(stderr, "vigil: --local-nets: %s\n", why);
		return 2;
	}
	return 0;
}

static int
add_sig_file(struct vg_options *o, const char *arg)
{
	if (o->nsig_load == VG_SIG_FILES_MAX) {
		fprintf(stderr, "vigil: more than %d -s files; put the signatures in fewer files\n",
			VG_SIG_FILES_MAX);
		return 2;
	}
	o->sig_load[o->nsig_load++] = arg;
	return 0;
}

/* --sink URL: its syntax now; the run starts it (vigil.c). */
static int
add_sink(struct vg_options *o, const char *arg)
{
	struct vg_sink_url u;
	char err[512];

	if (o->nsinks == VG_SINK_MAX) {
		fprintf(stderr, "vigil: more than %d --sink options; send to fewer outputs\n",
			VG_SINK_MAX);
		return 2;
	}
	if (vg_sink_url_parse(arg, &u, err, sizeof(err)) != 0) {
		fprintf(stderr, "vigil: --sink: %s\n", err);
		return 2;
	}
	o->sinks[o->nsinks++] = arg;
	return 0;
}

static int
set_sig_depth(struct vg_options *o, const char *arg)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v > (1ULL << 30)) {
		fprintf(stderr,
			"vigil: --sig-depth needs a number of bytes from 0 (all) to 1073741824, "
			"not '%s'\n",
			arg);
		return 2;
	}
	o->sig_depth = (uint32_t)v;
	o->sig_depth_set = true;
	return 0;
}

/*
 * The options with more to them than a flag, a string or a number: 0 done,
 * 1 done and exit 0 (--help, --version), 2 an error.
 */
/* --host-addr, --health-port, --health-http. */
static int
set_exception_option(struct vg_options *o, int c, const char *arg)
{
	uint64_t v;

	if (c == OPT_HOST_ADDR && vg_exc_add_addr(&o->exc, arg) != 0) {
		fprintf(stderr,
			"vigil: --host-addr needs an IPv4 or IPv6 address (at most %d), not "
			"'%s'\n",
			VG_EXC_MAX_ADDRS, arg);
		return 2;
	}
	if (c == OPT_HEALTH_PORT) {
		if (parse_u64("--health-port", arg, 1, 65535, &v) != 0)
			return 2;
		if (o->health.ntcp >= VG_HEALTH_MAX_TCP) {
			fprintf(stderr, "vigil: at most %d --health-port\n", VG_HEALTH_MAX_TCP);
			return 2;
		}
		o->health.tcp_port[o->health.ntcp++] = (uint16_t)v;
	}
	if (c == OPT_HEALTH_HTTP && vg_health_parse_http(&o->health, arg) != 0) {
		fprintf(stderr,
			"vigil: --health-http needs PORT or PORT:/PATH (e.g. 8080:/healthz), not "
			"'%s'\n",
			arg);
		return 2;
	}
	return 0;
}

/* The exception path's options go together, on DPDK ports only. */
static int
check_exception(const struct vg_options *o)
{
	if (o->exc_iface == NULL && o->exc.naddrs == 0)
		return 0;
	if (o->exc_iface == NULL) {
		fprintf(stderr,
			"vigil: --host-addr needs --exception IFACE (the kernel interface that "
			"gets the host's traffic)\n");
		return 2;
	}
	if (o->exc_iface[0] == '\0' || strpbrk(o->exc_iface, ",= /") != NULL ||
		strlen(o->exc_iface) >= 16) {
		fprintf(stderr,
			"vigil: --exception needs an interface name of 1 to 15 characters, not "
			"'%s'\n",
			o->exc_iface);
		return 2;
	}
	if (o->iface != NULL) {
		fprintf(stderr,
			"vigil: --exception is for a NIC DPDK owns; with -i the kernel keeps the "
			"interface and needs none\n");
		return 2;
	}
	return 0;
}

static int
set_other_option(struct vg_options *o, int c, char **argv, bool live)
{
	switch (c) {
	case 'h':
		usage(stdout);
		return 1;
	case OPT_VERSION:
		printf("vigil %s\n", VIGIL_VERSION);
		return 1;
	case OPT_ANALYZERS:
		return set_analyzers(o, optarg);
	case 's':
		return add_sig_file(o, optarg);
	case OPT_SIG_DEPTH:
		return set_sig_depth(o, optarg);
	case OPT_SINK:
		return add_sink(o, optarg);
	case OPT_POLICY:
		return parse_policy(o, optarg) != 0 ? 2 : 0;
	case OPT_MIRROR:
		return parse_mirror(o, optarg) != 0 ? 2 : 0;
	case OPT_LOCAL_NETS:
		return add_local_nets(o, optarg);
	case OPT_MIRROR_COLLECTOR:
		return parse_collector(o, optarg) != 0 ? 2 : 0;
	case OPT_PORT:
		return add_port(o, optarg);
	case OPT_HOST_ADDR:
	case OPT_HEALTH_PORT:
	case OPT_HEALTH_HTTP:
		return set_exception_option(o, c, optarg);
	case OPT_DISPATCH:
		return set_dispatch(o, optarg);
	case 'c':
	case OPT_CONFIG:
		return 0; /* read before the command line */
	case ':':
		fprintf(stderr, "vigil: option '%s' needs a value; see 'vigil --help'\n",
			argv[optind - 1]);
		return 2;
	default: {
		int rc = vg_k8s_opt(&o->k8s, c, optarg, "vigil");

		return rc != 1 ? rc : unknown_option(argv[optind - 1], optopt, live);
	}
	}
}

static int
parse_argv(struct vg_options *o, int argc, char **argv, bool live)
{
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->ring_size = 4u << 20;
	o->live = live;
	o->stats_interval = 300;
	o->logd_wait = 10;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:o:c:f:i:s:CTqh", long_opts, NULL)) != -1) {
		rc = set_simple_option(o, c, optarg);
		if (rc < 0)
			rc = set_other_option(o, c, argv, live);
		if (rc != 0)
			return rc;
	}
	if (o->sig_check) { /* the rest are signature files; kept for the run */
		o->nsig_files = argc - optind;
		o->sig_files = calloc((size_t)o->nsig_files + 1, sizeof(char *));
		if (o->sig_files == NULL)
			return 2;
		memcpy(o->sig_files, argv + optind, (size_t)o->nsig_files * sizeof(char *));
		return 0;
	}
	if (optind < argc) {
		fprintf(stderr, "vigil: unexpected argument '%s'; give the capture file with -r\n",
			argv[optind]);
		return 2;
	}
	if (check_combinations(o, live) != 0)
		return 2;
	return resolve_uid_seed(o, live || o->iface != NULL || o->shadow.listen != NULL);
}

/* A 64-bit hash of a node name (FNV-1a, then a finalizer that spreads it). */
static uint64_t
node_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/*
 * The seed of the run's uids: --seed N; else 0 when reading a file (the same
 * uids for the same input, as tests want) and a random one for live capture,
 * so that sensors behind one load balancer, or one sensor across restarts,
 * never hand out the same uid (Zeek's uids are random unless seeded, too).
 * --node-id is mixed in, for sensors that share a fixed --seed.
 */
static int
resolve_uid_seed(struct vg_options *o, bool live_capture)
{
	uint64_t s = o->seed;

	if (o->node_id != NULL) {
		size_t n = strlen(o->node_id);

		if (n == 0 || n > 63 || strpbrk(o->node_id, " \t\n\r") != NULL) {
			fprintf(stderr,
				"vigil: --node-id takes a name of 1 to 63 characters without "
				"spaces (e.g. the host name), not '%s'\n",
				o->node_id);
			return 2;
		}
	}
	if (!o->seed_set && live_capture && getrandom(&s, sizeof(s), 0) != (ssize_t)sizeof(s)) {
		fprintf(stderr,
			"vigil: no random uid seed (getrandom: %s); pass one with --seed N\n",
			strerror(errno));
		return 2;
	}
	if (o->node_id != NULL)
		s ^= node_hash(o->node_id);
	o->uid_seed = s;
	return 0;
}

static int
check_combinations(const struct vg_options *o, bool live)
{
	if (o->iface != NULL && (live || o->read_file != NULL)) {
		fprintf(stderr,
			"vigil: -i writes DPDK's options itself; use it without -r and without "
			"EAL options and --\n");
		return 2;
	}
	if (o->iface != NULL &&
		(o->iface[0] == '\0' || strpbrk(o->iface, ",= /") != NULL ||
			strlen(o->iface) >= 16)) {
		fprintf(stderr,
			"vigil: -i needs an interface name (as 'ip link' shows), not '%s'\n",
			o->iface);
		return 2;
	}
	if ((o->ncollectors || o->mirror_port) && !o->mirror) {
		fprintf(stderr,
			"vigil: --mirror-collector and --mirror-port need --mirror "
			"(e.g. --mirror auto)\n");
		return 2;
	}
	if (live && o->read_file != NULL) {
		fprintf(stderr,
			"vigil: -r reads a file and takes no EAL options; drop one or the "
			"other\n");
		return 2;
	}
	if (o->logd != NULL && vg_k8s_opts_set(&o->k8s)) {
		fprintf(stderr,
			"vigil: with --logd, vigil-logd writes the logs: give it the --k8s "
			"options instead\n");
		return 2;
	}
	if (o->shadow.listen != NULL && (live || o->iface != NULL || o->read_file != NULL)) {
		fprintf(stderr,
			"vigil: --shadow-listen runs as a vigil of its own, without -r, -i or EAL "
			"options; start a second one for capture (doc/shadow.md)\n");
		return 2;
	}
	if ((o->shadow.max_conns || o->shadow_request_s || o->shadow_idle_s) &&
		o->shadow.listen == NULL) {
		fprintf(stderr,
			"vigil: --shadow-max-conns and the --shadow-*-timeout options need "
			"--shadow-listen ADDR:PORT\n");
		return 2;
	}
	if (!live && o->read_file == NULL && o->iface == NULL && o->shadow.listen == NULL) {
		fprintf(stderr,
			"vigil: no input; give a capture file with -r FILE, EAL options and -- "
			"for live capture, or --shadow-listen ADDR:PORT\n");
		return 2;
	}
	if (!live && o->iface == NULL &&
		(o->workers || o->nports || o->dispatch || o->exit_idle || o->duration ||
			o->mbufs || o->mtu || o->metrics || o->console_socket || o->cmdfile ||
			o->exc_iface || o->exc.naddrs || o->health.ntcp || o->health.http_port)) {
		fprintf(stderr,
			"vigil: --workers, --port, --dispatch, --exit-idle, --duration, "
			"--mbufs, --mtu, --metrics-listen, --console-socket, --cmdfile, "
			"--exception, --host-addr, --health-port and --health-http are for "
			"live capture (-i IFACE, or EAL options and --)\n");
		return 2;
	}
	if (o->nsinks > 0 && (live || o->iface != NULL || o->logd != NULL)) {
		fprintf(stderr,
			"vigil: --sink works with -r and its in-process writer; with "
			"--logd or live capture give --sink to vigil-logd\n");
		return 2;
	}
	if (check_exception(o) != 0)
		return 2;
	/* The flow hash key, for every flow table and software dispatch alike. */
	if (!reparsing && vg_hash_key_init(o->hash_seed_set, o->hash_seed) != 0) {
		fprintf(stderr,
			"vigil: no random hash key (getrandom: %s); pass a fixed one with "
			"--hash-seed N\n",
			strerror(errno));
		return 2;
	}
	return 0;
}

/* --metrics-listen's ADDR:PORT parses (-T; binding comes later, in live runs). */
static int
check_metrics_listen(const char *spec)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[300];

	if (vg_metrics_parse_listen(spec, &ss, &len, err, sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "vigil: --metrics-listen %s\n", err);
	return 1;
}

int
vg_options_check(const struct vg_options *o, int link)
{
	const char *dir = o->out_dir ? o->out_dir : ".";
	struct stat st;
	char err[PCAP_ERRBUF_SIZE + 64];

	if (o->logd == NULL && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
		fprintf(stderr,
			"vigil: output directory '%s' does not exist; create it or "
			"choose another with -o\n",
			dir);
		return 1;
	}
	if (o->logd == NULL && access(dir, W_OK) != 0) {
		fprintf(stderr, "vigil: cannot write to '%s'; choose another directory with -o\n",
			dir);
		return 1;
	}
	if (o->logd != NULL && o->export_policy != NULL) {
		fprintf(stderr,
			"vigil: --export-policy is for the in-process writer; with --logd "
			"give it to vigil-logd (vigil-logd --export-policy FILE)\n");
		return 1;
	}
	if (o->export_policy != NULL) {
		char perr[640];
		struct vg_policy *p = vg_policy_load(o->export_policy, perr, sizeof(perr));

		if (p == NULL) {
			fprintf(stderr, "vigil: %s\n", perr);
			return 1;
		}
		vg_policy_free(p);
	}
	if (o->logd != NULL) {
		const char *bare = o->logd[0] == '/' ? o->logd + 1 : o->logd;

		if (bare[0] == '\0' || strchr(bare, '/') != NULL || strlen(bare) > 62) {
			fprintf(stderr,
				"vigil: --logd name '%s' is not valid; use 1 to 62 characters "
				"without '/'\n",
				o->logd);
			return 1;
		}
	}
	if (o->metrics != NULL && check_metrics_listen(o->metrics) != 0)
		return 1;
	if (o->filter != NULL) {
		struct vg_bpf f;

		if (vg_bpf_compile(&f, o->filter, link, err, sizeof(err)) != 0) {
			fprintf(stderr,
				"vigil: capture filter '%s' does not compile (%s); use tcpdump's "
				"syntax\n",
				o->filter, err);
			return 1;
		}
		vg_bpf_free(&f);
	}
	return 0;
}
