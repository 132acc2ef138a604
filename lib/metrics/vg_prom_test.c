/* SPDX-License-Identifier: BSD-3-Clause */
/* The exposition text: names, labels, escaping, counters' _total, refusals. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vg_prom.h"
#include "vg_test.h"

static const char *
text(const struct vg_prom *p)
{
	return p->p ? p->p : "";
}

static void
test_family_and_samples(void)
{
	struct vg_prom p;
	struct vg_prom_label port0[] = {{"port", "0"}};
	struct vg_prom_label drop[] = {{"worker", "1"}, {"reason", "ring_full"}};

	vg_prom_init(&p);
	CHECK(vg_prom_family(&p, "vigil_port_rx_packets_total", VG_PROM_COUNTER,
		      "Packets the port received.") == 0);
	vg_prom_u64(&p, port0, 1, 12345);
	CHECK(vg_prom_family(&p, "vigil_worker_drops_total", VG_PROM_COUNTER,
		      "Packets dropped, by reason.") == 0);
	vg_prom_u64(&p, drop, 2, 7);
	CHECK(vg_prom_family(&p, "vigil_workers", VG_PROM_GAUGE, "Worker lcores.") == 0);
	vg_prom_u64(&p, NULL, 0, 2);
	CHECK_EQ(p.refused, 0);
	CHECK(strcmp(text(&p),
		      "# HELP vigil_port_rx_packets_total Packets the port received.\n"
		      "# TYPE vigil_port_rx_packets_total counter\n"
		      "vigil_port_rx_packets_total{port=\"0\"} 12345\n"
		      "# HELP vigil_worker_drops_total Packets dropped, by reason.\n"
		      "# TYPE vigil_worker_drops_total counter\n"
		      "vigil_worker_drops_total{worker=\"1\",reason=\"ring_full\"} 7\n"
		      "# HELP vigil_workers Worker lcores.\n"
		      "# TYPE vigil_workers gauge\n"
		      "vigil_workers 2\n") == 0);
	vg_prom_free(&p);
}

static void
test_escaping(void)
{
	struct vg_prom p;
	struct vg_prom_label l[] = {{"name", "a\"b\\c\nd"}};

	vg_prom_init(&p);
	CHECK(vg_prom_family(&p, "x_info", VG_PROM_GAUGE, "back\\slash and\nnewline \"kept\"") ==
		0);
	vg_prom_u64(&p, l, 1, 1);
	CHECK(strcmp(text(&p),
		      "# HELP x_info back\\\\slash and\\nnewline \"kept\"\n"
		      "# TYPE x_info gauge\n"
		      "x_info{name=\"a\\\"b\\\\c\\nd\"} 1\n") == 0);
	vg_prom_free(&p);
}

static void
test_doubles(void)
{
	struct vg_prom p;

	vg_prom_init(&p);
	vg_prom_family(&p, "r_ratio", VG_PROM_GAUGE, "r");
	vg_prom_double(&p, NULL, 0, 0.25);
	vg_prom_double(&p, NULL, 0, 0.1);
	vg_prom_double(&p, NULL, 0, NAN);
	vg_prom_double(&p, NULL, 0, INFINITY);
	vg_prom_double(&p, NULL, 0, -INFINITY);
	vg_prom_double(&p, NULL, 0, 1e300);
	CHECK(strstr(text(&p),
		      "r_ratio 0.25\nr_ratio 0.1\nr_ratio NaN\nr_ratio +Inf\nr_ratio -Inf\n"
		      "r_ratio 1e+300\n") != NULL);
	vg_prom_free(&p);
}

static void
test_refusals(void)
{
	struct vg_prom p;
	struct vg_prom_label bad_label[] = {{"1port", "0"}};
	struct vg_prom_label reserved[] = {{"__name__", "x"}};
	struct vg_prom_label null_value[] = {{"port", NULL}};

	vg_prom_init(&p);
	/* A counter without _total, a gauge with it, bad names. */
	CHECK(vg_prom_family(&p, "vigil_packets", VG_PROM_COUNTER, "") != 0);
	vg_prom_u64(&p, NULL, 0, 1); /* no family: refused */
	CHECK(vg_prom_family(&p, "vigil_level_total", VG_PROM_GAUGE, "") != 0);
	CHECK(vg_prom_family(&p, "9lives_total", VG_PROM_COUNTER, "") != 0);
	CHECK(vg_prom_family(&p, "vigil-packets_total", VG_PROM_COUNTER, "") != 0);
	CHECK(vg_prom_family(&p, "", VG_PROM_GAUGE, "") != 0);
	CHECK_EQ(p.refused, 6);
	CHECK_EQ(p.len, 0);
	/* Good family, bad labels: the family stays, the samples go. */
	CHECK(vg_prom_family(&p, "vigil:rec_total", VG_PROM_COUNTER, "") == 0);
	vg_prom_u64(&p, bad_label, 1, 1);
	vg_prom_u64(&p, reserved, 1, 1);
	vg_prom_u64(&p, null_value, 1, 1);
	CHECK_EQ(p.refused, 9);
	CHECK(strstr(text(&p), "vigil:rec_total{") == NULL);
	/* The same family twice would make Prometheus drop the whole scrape. */
	CHECK(vg_prom_family(&p, "vigil:rec_total", VG_PROM_COUNTER, "") != 0);
	vg_prom_u64(&p, NULL, 0, 5);
	CHECK_EQ(p.refused, 11);
	CHECK(strstr(text(&p), "vigil:rec_total 5") == NULL);
	vg_prom_free(&p);
}

static void
test_names(void)
{
	CHECK(vg_prom_name_ok("a"));
	CHECK(vg_prom_name_ok("_a:b_9"));
	CHECK(vg_prom_name_ok(":a"));
	CHECK(!vg_prom_name_ok("a.b"));
	CHECK(!vg_prom_name_ok("0a"));
	CHECK(!vg_prom_name_ok(NULL));
	CHECK(vg_prom_label_name_ok("worker"));
	CHECK(vg_prom_label_name_ok("_x1"));
	CHECK(!vg_prom_label_name_ok("a:b"));
	CHECK(!vg_prom_label_name_ok("__x"));
	CHECK(!vg_prom_label_name_ok(""));
}

static void
test_large_and_take(void)
{
	struct vg_prom p;
	char v[16];
	size_t len;

	vg_prom_init(&p);
	vg_prom_family(&p, "many_total", VG_PROM_COUNTER, "many");
	for (unsigned i = 0; i < 5000; i++) {
		struct vg_prom_label l[] = {{"i", v}};

		snprintf(v, sizeof(v), "%u", i);
		vg_prom_u64(&p, l, 1, i);
	}
	CHECK(!p.oom);
	CHECK(strstr(text(&p), "many_total{i=\"4999\"} 4999\n") != NULL);
	char *t = vg_prom_take(&p, &len);

	CHECK(t != NULL && len == strlen(t));
	CHECK(p.p == NULL && p.len == 0 && p.nfamilies == 0);
	free(t);
}

int
main(void)
{
	test_family_and_samples();
	test_escaping();
	test_doubles();
	test_refusals();
	test_names();
	test_large_and_take();
	printf("prom: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed != 0;
}
