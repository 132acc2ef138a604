/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the export policy: the YAML file's keys and its errors,
 * every kind of condition on crafted records, sampling by uid (rate, logs
 * kept together, nesting, a pinned hash), the live side's reloads, console
 * changes and counts.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vg_k8s.h"
#include "vg_policy.h"
#include "vg_record.h"
#include "vg_schema.h"
#include "vg_test.h"

static const struct vg_field dnst_fields[] = {
	{"ts", VG_FT_TIME, VG_FEAT_BASE},
	{"uid", VG_FT_STRING, VG_FEAT_BASE},
	{"id.orig_h", VG_FT_ADDR, VG_FEAT_BASE},
	{"id.orig_p", VG_FT_PORT, VG_FEAT_BASE},
	{"id.resp_h", VG_FT_ADDR, VG_FEAT_BASE},
	{"id.resp_p", VG_FT_PORT, VG_FEAT_BASE},
	{"query", VG_FT_STRING, VG_FEAT_BASE},
};
static const struct vg_schema dnst_schema = {.path = "dnst", .nfields = 7, .fields = dnst_fields};
static uint16_t dnst;

static uint8_t buf[4096];

static void
addr(struct vg_addr *a, const char *s)
{
	uint8_t v4[4];

	if (inet_pton(AF_INET, s, v4) == 1)
		vg_addr_from_v4(a, v4);
	else
		inet_pton(AF_INET6, s, a->b);
}

/* A conn record: the five-tuple, uid and service; the rest unset. */
static uint32_t
conn(const char *uid, const char *oh, uint16_t op, const char *rh, uint16_t rp, const char *svc)
{
	struct vg_rec r;
	struct vg_addr a, b;
	const struct vg_schema *s = vg_schema_get(VG_LOG_CONN);

	addr(&a, oh);
	addr(&b, rh);
	vg_rec_begin(&r, buf, sizeof(buf), s);
	vg_rec_time(&r, 1700000000000000000ULL);
	vg_rec_cstr(&r, uid);
	vg_rec_addr(&r, &a);
	vg_rec_port(&r, op);
	vg_rec_addr(&r, &b);
	vg_rec_port(&r, rp);
	vg_rec_cstr(&r, "tcp");
	if (svc != NULL)
		vg_rec_cstr(&r, svc);
	else
		vg_rec_unset(&r);
	while (r.field < s->nfields)
		vg_rec_unset(&r);
	return vg_rec_end(&r);
}

static uint32_t
dns(const char *uid, const char *query)
{
	struct vg_rec r;
	struct vg_addr a, b;

	addr(&a, "10.1.0.5");
	addr(&b, "10.96.0.10");
	vg_rec_begin(&r, buf, sizeof(buf), vg_schema_get(dnst));
	vg_rec_time(&r, 1700000000000000000ULL);
	vg_rec_cstr(&r, uid);
	vg_rec_addr(&r, &a);
	vg_rec_port(&r, 40000);
	vg_rec_addr(&r, &b);
	vg_rec_port(&r, 53);
	vg_rec_cstr(&r, query);
	return vg_rec_end(&r);
}

static struct vg_policy *
parse(const char *text)
{
	char err[512] = "";
	struct vg_policy *p = vg_policy_parse(text, strlen(text), "t.yaml", err, sizeof(err));

	if (p == NULL)
		fprintf(stderr, "unexpected parse error: %s\n", err);
	return p;
}

static enum vg_policy_verdict
decide(const struct vg_policy *p, uint32_t len)
{
	return vg_policy_decide(p, buf, len, NULL, NULL);
}

/* Health checks by CIDR and port, a service, include by CIDR. */
static void
test_conn_rules(void)
{
	struct vg_policy *p =
		parse("version: 1\n"
		      "logs:\n"
		      "  conn:\n"
		      "    exclude:\n"
		      "      - {orig_cidr: [130.211.0.0/22, 35.191.0.0/16], resp_port: "
		      "8080}\n"
		      "      - service: ntp\n"
		      "      - {cidr: 'fd00::/8', port: 1000-1010}\n"
		      "  weird:\n"
		      "    include:\n"
		      "      - resp_cidr: 192.0.2.0/24\n");

	CHECK(p != NULL);
	if (p == NULL)
		return;
	/* The health check: source in the LB range and the port. */
	CHECK_EQ(decide(p, conn("C1", "35.191.3.4", 5555, "10.0.0.1", 8080, NULL)),
		VG_POLICY_DROP_FILTER);
	CHECK_EQ(decide(p, conn("C1", "130.211.3.255", 5555, "10.0.0.1", 8080, NULL)),
		VG_POLICY_DROP_FILTER);
	/* Out of the range by one address, another port, the range on the other side. */
	CHECK_EQ(
		decide(p, conn("C1", "130.211.4.0", 5555, "10.0.0.1", 8080, NULL)), VG_POLICY_KEEP);
	CHECK_EQ(decide(p, conn("C1", "35.191.3.4", 5555, "10.0.0.1", 8081, NULL)), VG_POLICY_KEEP);
	CHECK_EQ(decide(p, conn("C1", "10.0.0.1", 8080, "35.191.3.4", 5555, NULL)), VG_POLICY_KEEP);
	/* service is a list: any of its names, any case. */
	CHECK_EQ(decide(p, conn("C2", "10.0.0.1", 123, "10.0.0.2", 123, "dns,NTP")),
		VG_POLICY_DROP_FILTER);
	CHECK_EQ(decide(p, conn("C2", "10.0.0.1", 123, "10.0.0.2", 123, "ntpx")), VG_POLICY_KEEP);
	/* IPv6 CIDR on either end, port range on either end. */
	CHECK_EQ(decide(p, conn("C3", "2001:db8::1", 1005, "fd12::1", 443, NULL)),
		VG_POLICY_DROP_FILTER);
	CHECK_EQ(decide(p, conn("C3", "2001:db8::1", 1011, "fd12::1", 443, NULL)), VG_POLICY_KEEP);
	CHECK_EQ(decide(p, conn("C3", "fe00::1", 1005, "2001:db8::1", 443, NULL)), VG_POLICY_KEEP);
	vg_policy_free(p);
}

static void
test_include(void)
{
	struct vg_policy *p = parse("logs:\n"
				    "  conn:\n"
				    "    include:\n"
				    "      - resp_cidr: 192.0.2.0/24\n"
				    "      - resp_port: [22, 3389]\n");

	CHECK(p != NULL);
	if (p == NULL)
		return;
	CHECK_EQ(decide(p, conn("C1", "10.0.0.1", 1, "192.0.2.77", 80, NULL)), VG_POLICY_KEEP);
	CHECK_EQ(decide(p, conn("C1", "10.0.0.1", 1, "10.0.0.2", 22, NULL)), VG_POLICY_KEEP);
	CHECK_EQ(decide(p, conn("C1", "192.0.2.77", 1, "10.0.0.2", 80, NULL)),
		VG_POLICY_DROP_FILTER);
	/* Other logs are untouched. */
	CHECK(vg_policy_log_enabled(p, VG_LOG_WEIRD));
	vg_policy_free(p);
}

/* Cluster-internal lookups dropped by query suffix (whole labels, any case). */
static void
test_dns_suffix(void)
{
	struct vg_policy *p = parse("logs:\n"
				    "  dnst:\n"
				    "    exclude:\n"
				    "      - query_suffix: [.cluster.local, internal.]\n");

	CHECK(p != NULL);
	if (p == NULL)
		return;
	CHECK_EQ(decide(p, dns("D1", "kube-dns.kube-system.svc.cluster.local")),
		VG_POLICY_DROP_FILTER);
	CHECK_EQ(decide(p, dns("D1", "api.CLUSTER.LOCAL.")), VG_POLICY_DROP_FILTER);
	CHECK_EQ(decide(p, dns("D1", "cluster.local")), VG_POLICY_DROP_FILTER);
	CHECK_EQ(decide(p, dns("D1", "foo.internal")), VG_POLICY_DROP_FILTER);
	CHECK_EQ(decide(p, dns("D1", "mycluster.local")), VG_POLICY_KEEP);
	CHECK_EQ(decide(p, dns("D1", "example.com")), VG_POLICY_KEEP);
	CHECK_EQ(decide(p, dns("D1", "local")), VG_POLICY_KEEP);
	vg_policy_free(p);
}

static void
test_k8s(void)
{
	struct vg_k8s_who web = {.ns = "prod",
		.pod = "web-1",
		.workload = "web",
		.workload_kind = "Deployment",
		.labels = {"app=web", "tier=front"},
		.nlabels = 2,
		.services = {"web"},
		.nservices = 1};
	struct vg_k8s_who sys = {.ns = "kube-system", .workload = "coredns"};
	struct vg_policy *p = parse("logs:\n"
				    "  conn:\n"
				    "    exclude:\n"
				    "      - namespace: kube-system\n"
				    "      - resp_label: tier=back\n"
				    "    include:\n"
				    "      - orig_label: app=web\n"
				    "      - resp_k8s_service: web\n"
				    "      - workload: other/web\n"
				    "      - {resp_pod: db-0, resp_port: 5432}\n");
	uint32_t len;

	CHECK(p != NULL);
	if (p == NULL)
		return;
	len = conn("C1", "10.0.0.1", 1, "10.0.0.2", 80, NULL);
	CHECK_EQ(vg_policy_decide(p, buf, len, &web, NULL), VG_POLICY_KEEP);
	CHECK_EQ(vg_policy_decide(p, buf, len, NULL, &web), VG_POLICY_KEEP); /* service */
	CHECK_EQ(vg_policy_decide(p, buf, len, &web, &sys), VG_POLICY_DROP_FILTER);
	CHECK_EQ(vg_policy_decide(p, buf, len, NULL, NULL), VG_POLICY_DROP_FILTER);
	web.ns = "other"; /* workload other/web, either end */
	web.nlabels = 0;
	CHECK_EQ(vg_policy_decide(p, buf, len, &web, NULL), VG_POLICY_KEEP);
	web.ns = "prod";
	CHECK_EQ(vg_policy_decide(p, buf, len, &web, NULL), VG_POLICY_DROP_FILTER);
	memset(&web, 0, sizeof(web)); /* no context (all unset): matches nothing */
	CHECK_EQ(vg_policy_decide(p, buf, len, NULL, &web), VG_POLICY_DROP_FILTER);
	CHECK_EQ(vg_policy_decide(p, buf, len, &web, &web), VG_POLICY_DROP_FILTER);
	struct vg_k8s_who db = {.ns = "prod", .pod = "db-0"};

	CHECK_EQ(vg_policy_decide(p, buf, len, NULL, &db), VG_POLICY_DROP_FILTER); /* port 80 */
	len = conn("C1", "10.0.0.1", 1, "10.0.0.2", 5432, NULL);
	CHECK_EQ(vg_policy_decide(p, buf, len, NULL, &db), VG_POLICY_KEEP);
	CHECK_EQ(vg_policy_decide(p, buf, len, &db, NULL), VG_POLICY_DROP_FILTER); /* side */
	vg_policy_free(p);
}

/* The hash is pinned: a change would split kept connections between versions. */
static void
test_hash(void)
{
	CHECK_EQ(vg_policy_key_hash("CHhAvVGS1DHFjwGM9", 17, 0), 0x32d9a1a6c7c74895ULL);
	CHECK_EQ(vg_policy_key_hash("", 0, 0), 0xf52a15e9a9b5e89bULL);
	CHECK(vg_policy_key_hash("C1", 2, 0) != vg_policy_key_hash("C1", 2, 1));
}

static void
test_sampling(void)
{
	struct vg_policy *p = parse("defaults:\n  sample: 0.1\n"
				    "logs:\n  dnst:\n    sample: 0.5\n  weird:\n    sample: 0\n"),
			 *half = parse("defaults: {sample: 0.5}\n"),
			 *all = parse("defaults: {sample: 1}\n");
	unsigned kept = 0, n = 100000;
	char uid[32];

	CHECK(p != NULL && half != NULL && all != NULL);
	if (p == NULL || half == NULL || all == NULL)
		return;
	for (unsigned i = 0; i < n; i++) {
		snprintf(uid, sizeof(uid), "C%07u", i);
		enum vg_policy_verdict c = decide(p, conn(uid, "10.0.0.1", 1, "10.0.0.2", 2, NULL));
		enum vg_policy_verdict h =
			decide(half, conn(uid, "10.0.0.1", 1, "10.0.0.2", 2, NULL));
		enum vg_policy_verdict a =
			decide(all, conn(uid, "10.0.0.1", 1, "10.0.0.2", 2, NULL));
		enum vg_policy_verdict d = decide(half, dns(uid, "example.com"));
		enum vg_policy_verdict d2 = decide(p, dns(uid, "example.com"));

		kept += c == VG_POLICY_KEEP;
		/* The same uid, the same rate: the same verdict in every log. */
		if (h != d)
			CHECK_EQ(h, d);
		/* Nested: kept at 0.1 means kept at 0.5 (conn 0.1 and dnst 0.5 in p). */
		if (c == VG_POLICY_KEEP && (h != VG_POLICY_KEEP || d2 != VG_POLICY_KEEP))
			CHECK(!"a uid kept at 0.1 was dropped at 0.5");
		if (a != VG_POLICY_KEEP)
			CHECK_EQ(a, VG_POLICY_KEEP);
		if (c != VG_POLICY_KEEP && c != VG_POLICY_DROP_SAMPLE)
			CHECK_EQ(c, VG_POLICY_DROP_SAMPLE);
	}
	/* 10 % of 100,000 within six standard deviations (about 95). */
	CHECK(kept > 9430 && kept < 10570);
	/* Rate 0: nothing, whatever the uid. */
	CHECK_EQ(vg_policy_decide(p, buf, 0, NULL, NULL), VG_POLICY_KEEP); /* no record */
	{
		struct vg_rec r;

		vg_rec_begin(&r, buf, sizeof(buf), vg_schema_get(VG_LOG_WEIRD));
		while (r.field < vg_schema_get(VG_LOG_WEIRD)->nfields)
			vg_rec_unset(&r);
		CHECK_EQ(decide(p, vg_rec_end(&r)), VG_POLICY_DROP_SAMPLE);
	}
	vg_policy_free(p);
	vg_policy_free(half);
	vg_policy_free(all);
}

static void bad(const char *text, const char *want);

static void
test_settings(void)
{
	struct vg_policy *p =
		parse("defaults: {enabled: false}\n"
		      "logs:\n"
		      "  conn.log: {enabled: yes, sample: 0.25, drop_columns: [history, "
		      "missed_bytes]}\n"
		      "  dnst: {}\n");
	double r;

	CHECK(p != NULL);
	if (p == NULL)
		return;
	CHECK(vg_policy_log_enabled(p, VG_LOG_CONN));
	CHECK(vg_policy_log_enabled(p, dnst) == false); /* a listed log takes the defaults */
	CHECK(!vg_policy_log_enabled(p, VG_LOG_WEIRD));
	CHECK(vg_policy_log_sample(p, VG_LOG_CONN) == 0.25);
	CHECK_EQ(vg_policy_drop_mask(p, VG_LOG_CONN),
		(1ULL << VG_CONN_HISTORY) | (1ULL << VG_CONN_MISSED_BYTES));
	CHECK_EQ(vg_policy_drop_mask(p, VG_LOG_WEIRD), 0);
	CHECK_EQ(decide(p, dns("D", "x")), VG_POLICY_DROP_OFF);
	vg_policy_set_enabled(p, dnst, true);
	CHECK_EQ(decide(p, dns("D", "x")), VG_POLICY_KEEP);
	vg_policy_set_sample(p, dnst, 0);
	CHECK_EQ(decide(p, dns("D", "x")), VG_POLICY_DROP_SAMPLE);
	CHECK_EQ(vg_policy_parse_rate("0.1", &r), 0);
	CHECK(r == 0.1);
	CHECK_EQ(vg_policy_parse_rate("1", &r), 0);
	CHECK_EQ(vg_policy_parse_rate("1.01", &r), -1);
	CHECK_EQ(vg_policy_parse_rate("-0", &r), 0);
	CHECK_EQ(vg_policy_parse_rate("nan", &r), -1);
	CHECK_EQ(vg_policy_parse_rate("0.5x", &r), -1);
	CHECK_EQ(vg_policy_parse_rate("", &r), -1);
	vg_policy_free(p);
	/* An empty file and a comment-only file keep everything. */
	p = parse("");
	CHECK(p != NULL && vg_policy_log_enabled(p, VG_LOG_CONN));
	vg_policy_free(p);
	p = parse("# nothing\n");
	CHECK(p != NULL && vg_policy_log_sample(p, VG_LOG_CONN) == 1.0);
	vg_policy_free(p);
	/* Keys whose items are all commented out: nothing, not an error. */
	p = parse("defaults:\nlogs:\n  weird:\n  conn:\n    exclude:\n    include: ~\n"
		  "    drop_columns:\n");
	CHECK(p != NULL && vg_policy_log_enabled(p, VG_LOG_CONN));
	if (p != NULL)
		CHECK_EQ(decide(p, conn("C", "10.0.0.1", 1, "10.0.0.2", 2, NULL)), VG_POLICY_KEEP);
	vg_policy_free(p);
	/* A quoted empty string is a value, not nothing. */
	bad("logs:\n  conn:\n    exclude: ''\n", "a rule is a mapping");
}

/* Each bad file: no policy, one line that starts with the file and line. */
static void
bad(const char *text, const char *want)
{
	char err[512] = "";
	struct vg_policy *p = vg_policy_parse(text, strlen(text), "t.yaml", err, sizeof(err));

	n_checks++;
	if (p != NULL || strstr(err, want) == NULL || strchr(err, '\n') != NULL ||
		strncmp(err, "t.yaml:", 7) != 0) {
		n_failed++;
		fprintf(stderr, "bad policy %s: got '%s', want '%s'\n", p ? "accepted" : "refused",
			err, want);
	}
	vg_policy_free(p);
}

static void
test_errors(void)
{
	bad("logs: [\n", "t.yaml:2: ");
	bad("versoin: 1\n", "t.yaml:1: unknown key 'versoin'");
	bad("version: 2\n", "policy version 1");
	bad("logs:\n  nosuch: {}\n", "t.yaml:2: no log named 'nosuch'");
	bad("logs:\n  conn: {sample: 2}\n", "t.yaml:2: 'sample' takes a rate from 0 to 1");
	bad("logs:\n  conn: {enabled: maybe}\n", "'enabled' takes true or false");
	bad("logs:\n  conn:\n    drop_columns: [nope]\n",
		"t.yaml:3: conn.log has no column 'nope'");
	bad("defaults:\n  drop_columns: [uid]\n", "drop_columns is per log");
	bad("logs:\n  conn:\n    exclude:\n      - cidr: 10.0.0.0/33\n",
		"t.yaml:4: 'cidr': '10.0.0.0/33' is not an address or CIDR");
	bad("logs:\n  conn:\n    exclude:\n      - port: 70000\n", "is not a port or range");
	bad("logs:\n  conn:\n    exclude:\n      - port: 9-8\n", "is not a port or range");
	bad("logs:\n  conn:\n    exclude:\n      - label: app\n", "'app' is not key=value");
	bad("logs:\n  conn:\n    exclude:\n      - {}\n", "an empty rule would match every");
	bad("logs:\n  conn:\n    exclude:\n      - color: red\n", "unknown condition 'color'");
	bad("logs:\n  conn:\n    exclude:\n      - orig_service: dns\n",
		"unknown condition 'orig_service'");
	bad("logs:\n  conn:\n    exclude:\n      - query_suffix: local\n",
		"t.yaml:4: conn.log has no a query column");
	bad("logs:\n  stats:\n    exclude:\n      - cidr: 10.0.0.0/8\n",
		"stats.log has no id.orig_h/id.resp_h columns");
	bad("logs:\n  conn: {}\n  conn.log: {}\n", "t.yaml:3: conn.log is given twice");
	bad("logs:\n  conn: {sample: 1, sample: 0}\n", "'sample' is given twice");
	bad("logs:\n  conn:\n    exclude: []\n", "empty list");
	bad("logs:\n  conn:\n    exclude:\n      - port: []\n", "empty list");
	bad("- 1\n- 2\n", "the policy file must be a mapping");
	bad("version: 1\n---\nversion: 1\n", "t.yaml:2: a second YAML document");
	bad("sample_seed: -1\n", "'sample_seed' takes a number");
	/* A value with a line break, quoted in the error: still one line (fuzz_policy found it). */
	bad("logs:\n  conn:\n    exclude:\n      - cidr: \"a\\nb\"\n", "'a?b' is not an address");
}

static const char *
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	return path;
}

static int told, told_errors;

static void
say(void *arg, bool error, const char *msg)
{
	(void)arg;
	(void)msg;
	told++;
	told_errors += error;
}

static void
test_ctl(void)
{
	char path[] = "/tmp/vg_policy_test_XXXXXX", msg[1024], err[512];
	struct vg_policy_ctl c;
	int fd = mkstemp(path);
	uint32_t len;

	CHECK(fd >= 0);
	close(fd);
	write_file(path, "logs:\n  dnst: {sample: 0}\n");
	CHECK_EQ(vg_policy_ctl_init(&c, path, err, sizeof(err)), 0);
	c.say = say;
	len = dns("D1", "example.com");
	CHECK_EQ(vg_policy_ctl_offer(&c, dnst, buf, len, NULL, NULL, 100), VG_POLICY_DROP_SAMPLE);
	CHECK_EQ(vg_policy_ctl_set_log(&c, "dnst", "sample 1", msg, sizeof(msg)), 0);
	CHECK(strcmp(msg, "set log dnst sample 1") == 0);
	CHECK_EQ(vg_policy_ctl_offer(&c, dnst, buf, len, NULL, NULL, 100), VG_POLICY_KEEP);
	vg_policy_ctl_exported(&c, dnst, 100);
	CHECK_EQ(vg_policy_ctl_set_log(&c, "dnst", "off", msg, sizeof(msg)), 0);
	CHECK_EQ(vg_policy_ctl_offer(&c, dnst, buf, len, NULL, NULL, 100), VG_POLICY_DROP_OFF);
	CHECK_EQ(c.count[dnst].offered, 3);
	CHECK_EQ(c.count[dnst].offered_bytes, 300);
	CHECK_EQ(c.count[dnst].exported, 1);
	CHECK_EQ(c.count[dnst].dropped[VG_POLICY_DROP_SAMPLE], 1);
	CHECK_EQ(c.count[dnst].dropped[VG_POLICY_DROP_OFF], 1);
	CHECK_EQ(c.enabled[dnst], 0);
	CHECK_EQ(vg_policy_ctl_set_log(&c, "dnst", "sample 7", msg, sizeof(msg)), -1);
	CHECK_EQ(vg_policy_ctl_set_log(&c, "nosuch", "on", msg, sizeof(msg)), -1);
	CHECK_EQ(vg_policy_ctl_set_log(&c, "dnst", "maybe", msg, sizeof(msg)), -1);
	/* A broken file: the running policy (with the console's change) stays. */
	write_file(path, "logs:\n  dnst: {sample: x}\n");
	CHECK_EQ(vg_policy_ctl_reload(&c, "test", msg, sizeof(msg)), -1);
	CHECK(strstr(msg, "the running policy stays") != NULL && strstr(msg, ":2: ") != NULL);
	CHECK_EQ(vg_policy_ctl_offer(&c, dnst, buf, len, NULL, NULL, 100), VG_POLICY_DROP_OFF);
	CHECK_EQ(c.reload_errors, 1);
	/* A good one replaces it, console changes too. */
	write_file(path, "logs:\n  dnst: {sample: 0}\n");
	CHECK_EQ(vg_policy_ctl_reload(&c, "test", msg, sizeof(msg)), 0);
	CHECK_EQ(vg_policy_ctl_offer(&c, dnst, buf, len, NULL, NULL, 100), VG_POLICY_DROP_SAMPLE);
	/* The file changing is noticed by the tick. */
	vg_policy_ctl_tick(&c, 1000000000ULL);
	CHECK_EQ(c.reloads, 1);
	vg_policy_ctl_tick(&c, 2000000000ULL);
	CHECK_EQ(c.reloads, 1);
	write_file(path, "logs:\n  dnst: {sample: 1.0}\n");
	vg_policy_ctl_tick(&c, 3000000000ULL);
	CHECK_EQ(c.reloads, 2);
	CHECK_EQ(vg_policy_ctl_offer(&c, dnst, buf, len, NULL, NULL, 100), VG_POLICY_KEEP);
	CHECK(told == 5 && told_errors == 1);
	vg_policy_ctl_fini(&c);
	unlink(path);
	/* A file that does not compile at start: refused. */
	CHECK_EQ(vg_policy_ctl_init(&c, "/nonexistent/policy.yaml", err, sizeof(err)), -1);
	CHECK(strstr(err, "cannot read policy file") != NULL);
}

int
main(void)
{
	int id = vg_schema_register(&dnst_schema);

	CHECK(id >= 0);
	dnst = (uint16_t)id;
	test_conn_rules();
	test_include();
	test_dns_suffix();
	test_k8s();
	test_hash();
	test_sampling();
	test_settings();
	test_errors();
	test_ctl();
	printf("policy: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
