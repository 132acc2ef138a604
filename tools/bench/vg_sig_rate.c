/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-sig-rate: what Hyperscan alone costs for a signature set, as the
 * reference the signature benchmark (tools/bench/bench-sig) puts vigil's
 * rates next to. It parses the signature files as vigil does (lib/sig),
 * translates every pattern (vg_sig_regex_to_hs), compiles them once in block
 * mode and once in streaming mode (timing each), and scans the transport
 * payload of every packet of a capture in block mode, RUNS times, timing
 * the scans alone. One line:
 *
 *   sig-rate: R rules P patterns, compile block B ms stream S ms,
 *     db block X bytes stream Y bytes, stream state Z bytes,
 *     scan M MB/s K Mpps (N payloads, T bytes), matches Q
 *
 * The scan rate is the median run's. Payloads are copied out of the capture
 * first, so the timing holds no pcap reading and no decoding.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hs/hs.h>
#include <pcap/pcap.h>

#include "vg_decode.h"
#include "vg_sig_rule.h"

#define VG_PROG     "vigil-sig-rate"
#define MAX_RUNS    15
#define EXPR_MAX    8192
#define MAX_PAYLOAD 65535u

struct payloads {
	uint8_t *bytes;
	uint32_t *off; /* n + 1 offsets into bytes */
	uint64_t n, cap, len, bytes_cap;
};

struct patterns {
	char **expr;
	unsigned *flags;
	unsigned *ids;
	uint32_t n;
};

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *msg)
{
	fprintf(stderr, VG_PROG ": %s\n", msg);
	exit(1);
}

static void
diag(void *arg, const char *file, uint32_t line, bool fatal, const char *reason)
{
	(void)arg;
	fprintf(stderr, "%s:%u: %s%s\n", file, line, fatal ? "" : "(rule dropped) ", reason);
}

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL)
		die("out of memory");
	return q;
}

static void
payload_add(struct payloads *pl, const uint8_t *p, uint32_t n)
{
	if (pl->n + 2 > pl->cap) {
		pl->cap = pl->cap ? pl->cap * 2 : 65536;
		pl->off = xrealloc(pl->off, pl->cap * sizeof(*pl->off));
	}
	if (pl->len + n > pl->bytes_cap) {
		pl->bytes_cap = (pl->bytes_cap + n) * 2;
		pl->bytes = xrealloc(pl->bytes, pl->bytes_cap);
	}
	if (pl->n == 0)
		pl->off[0] = 0;
	memcpy(pl->bytes + pl->len, p, n);
	pl->len += n;
	pl->off[++pl->n] = (uint32_t)pl->len;
}

/* Every TCP or UDP payload of the capture, decoded as vigil decodes it. */
static void
load_payloads(const char *path, struct payloads *pl)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	struct vg_decode_cfg cfg = {.ignore_checksums = true};
	struct vg_decoder d;
	struct pcap_pkthdr *h;
	const u_char *data;

	if (p == NULL) {
		fprintf(stderr, VG_PROG ": cannot read %s: %s\n", path, err);
		exit(1);
	}
	if (vg_decoder_init(&d, &cfg) != 0)
		die("out of memory");
	while (pcap_next_ex(p, &h, &data) == 1) {
		struct vg_pkt pkt;
		uint64_t ts =
			(uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec * 1000u;

		if (vg_decode(&d, pcap_datalink(p), data, h->caplen, h->len, ts, &pkt) !=
			VG_DECODE_IP)
			continue;
		if ((pkt.ip_proto == 6 || pkt.ip_proto == 17) && pkt.payload_cap > 0)
			payload_add(pl, pkt.payload, pkt.payload_cap);
	}
	vg_decoder_fini(&d);
	pcap_close(p);
	if (pl->len > UINT32_MAX)
		die("capture too large (over 4 GiB of payload)");
}

static void
collect_patterns(const struct vg_sig_ruleset *rs, struct patterns *pt)
{
	char expr[EXPR_MAX], why[256];

	for (uint32_t i = 0; i < rs->n; i++) {
		const struct vg_sig_rule *r = &rs->rules[i];

		for (uint32_t j = 0; r->active && j < r->npats; j++) {
			unsigned flags = 0;

			if (!vg_sig_regex_to_hs(
				    &r->pats[j], expr, sizeof(expr), &flags, why, sizeof(why))) {
				fprintf(stderr, "%s:%u: pattern left out: %s\n", r->file, r->line,
					why);
				continue;
			}
			pt->expr = xrealloc(pt->expr, (pt->n + 1) * sizeof(*pt->expr));
			pt->flags = xrealloc(pt->flags, (pt->n + 1) * sizeof(*pt->flags));
			pt->ids = xrealloc(pt->ids, (pt->n + 1) * sizeof(*pt->ids));
			pt->expr[pt->n] = strdup(expr);
			if (pt->expr[pt->n] == NULL)
				die("out of memory");
			pt->flags[pt->n] = flags;
			pt->ids[pt->n] = pt->n;
			pt->n++;
		}
	}
}

static hs_database_t *
compile(const struct patterns *pt, unsigned mode, double *ms)
{
	hs_database_t *db = NULL;
	hs_compile_error_t *ce = NULL;
	double t0 = now_sec();

	if (hs_compile_multi((const char *const *)pt->expr, pt->flags, pt->ids, pt->n, mode, NULL,
		    &db, &ce) != HS_SUCCESS) {
		fprintf(stderr, VG_PROG ": Hyperscan refused pattern %d: %s\n", ce->expression,
			ce->message);
		exit(1);
	}
	*ms = (now_sec() - t0) * 1000.0;
	return db;
}

static int
on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
	(void)id, (void)from, (void)to, (void)flags;
	++*(uint64_t *)ctx;
	return 0;
}

static double
scan_all(const hs_database_t *db, hs_scratch_t *s, const struct payloads *pl, uint64_t *matches)
{
	double t0 = now_sec();

	for (uint64_t i = 0; i < pl->n; i++) {
		uint32_t a = pl->off[i], b = pl->off[i + 1];

		if (hs_scan(db, (const char *)pl->bytes + a, b - a, 0, s, on_match, matches) !=
			HS_SUCCESS)
			die("hs_scan failed");
	}
	return now_sec() - t0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: " VG_PROG " [-r RUNS] PCAP SIGFILE...\n"
		"Compile the signature files' patterns with Hyperscan and scan every TCP/UDP\n"
		"payload of PCAP with them (block mode), RUNS times (default 3, median).\n");
}

int
main(int argc, char **argv)
{
	struct vg_sig_ruleset rs = {0};
	struct patterns pt = {0};
	struct payloads pl = {0};
	int runs = 3, a = 1;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "-r")) {
		runs = atoi(argv[2]);
		a = 3;
	}
	if (runs < 1 || runs > MAX_RUNS || argc - a < 2) {
		usage(stderr);
		return 2;
	}
	for (int i = a + 1; i < argc; i++)
		if (vg_sig_parse_file(&rs, argv[i], diag, NULL) != 0)
			die("the signature files do not load; check them with vigil --sig-check");
	if (vg_sig_ruleset_check(&rs, diag, NULL) != 0)
		die("the signature files do not load; check them with vigil --sig-check");
	collect_patterns(&rs, &pt);
	if (pt.n == 0)
		die("no patterns to compile (header-only rules cost Hyperscan nothing)");
	load_payloads(argv[a], &pl);

	double ms_block, ms_stream;
	hs_database_t *blk = compile(&pt, HS_MODE_BLOCK, &ms_block);
	hs_database_t *str = compile(&pt, HS_MODE_STREAM, &ms_stream);
	size_t blk_bytes = 0, str_bytes = 0, state = 0;
	hs_scratch_t *s = NULL;

	hs_database_size(blk, &blk_bytes);
	hs_database_size(str, &str_bytes);
	hs_stream_size(str, &state);
	if (hs_alloc_scratch(blk, &s) != HS_SUCCESS)
		die("hs_alloc_scratch failed");

	double secs[MAX_RUNS];
	uint64_t matches = 0;
	for (int r = 0; r < runs; r++) {
		matches = 0;
		secs[r] = scan_all(blk, s, &pl, &matches);
	}
	qsort(secs, (size_t)runs, sizeof(secs[0]), cmp_double);
	double med = secs[runs / 2] > 0 ? secs[runs / 2] : 1e-9;
	printf("sig-rate: %u rules %u patterns, compile block %.1f ms stream %.1f ms, "
	       "db block %zu bytes stream %zu bytes, stream state %zu bytes, "
	       "scan %.1f MB/s %.3f Mpps (%" PRIu64 " payloads, %" PRIu64
	       " bytes), matches %" PRIu64 "\n",
		rs.n, pt.n, ms_block, ms_stream, blk_bytes, str_bytes, state, pl.len / med / 1e6,
		pl.n / med / 1e6, pl.n, pl.len, matches);
	hs_free_scratch(s);
	hs_free_database(blk);
	hs_free_database(str);
	vg_sig_ruleset_free(&rs);
	return 0;
}
