/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the Kubernetes inventory: objects in the API's JSON go in
 * through the event entry, lookups by address and ts come out.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_k8s.h"
#include "vg_test.h"

#define T0 1700000000LL /* 2023-11-14T22:13:20Z */
#define NS 1000000000LL

static struct vg_addr
ip(const char *s)
{
	struct vg_addr a;
	uint8_t b[16];

	if (inet_pton(AF_INET, s, b) == 1)
		vg_addr_from_v4(&a, b);
	else if (inet_pton(AF_INET6, s, a.b) != 1)
		memset(&a, 0, sizeof(a));
	return a;
}

static int
apply(struct vg_k8s_inv *inv, enum vg_k8s_event type, const char *json, int64_t now)
{
	json_error_t e;
	json_t *o = json_loads(json, 0, &e);
	int rc;

	if (o == NULL) {
		fprintf(stderr, "bad test JSON: %s: %s\n", e.text, json);
		return -2;
	}
	rc = vg_k8s_inv_apply(inv, vg_k8s_kind_parse(json_string_value(json_object_get(o, "kind"))),
		type, o, now);
	json_decref(o);
	return rc;
}

static bool
streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int
look(const struct vg_k8s_inv *inv, const char *addr, uint16_t port, int64_t ts,
	struct vg_k8s_who *w)
{
	struct vg_addr a = ip(addr);

	return vg_k8s_lookup(inv, &a, port, ts, w);
}

static const char *
who_pod(struct vg_k8s_inv *inv, const char *addr, uint16_t port, int64_t ts)
{
	struct vg_k8s_who w;

	look(inv, addr, port, ts, &w);
	return w.pod;
}

static const char rs_web[] =
	"{\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"web-7d4b\",\"namespace\":\"shop\","
	"\"uid\":\"rs-1\",\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
	"\"name\":\"web\",\"uid\":\"dep-1\",\"controller\":true}]}}";

static const char pod_a[] =
	"{\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-7d4b-aaaaa\",\"namespace\":\"shop\","
	"\"uid\":\"pod-a\",\"labels\":{\"app\":\"web\",\"pod-template-hash\":\"7d4b\"},"
	"\"ownerReferences\":[{\"kind\":\"ReplicaSet\",\"name\":\"web-7d4b\",\"uid\":\"rs-1\","
	"\"controller\":true}]},\"spec\":{\"nodeName\":\"node-1\"},"
	"\"status\":{\"phase\":\"Running\",\"startTime\":\"2023-11-14T22:13:20Z\","
	"\"podIP\":\"10.0.0.5\",\"podIPs\":[{\"ip\":\"10.0.0.5\"},{\"ip\":\"fd00::5\"}]}}";

/* Another pod takes 10.0.0.5 a minute after pod-a is deleted. */
static const char pod_b[] =
	"{\"kind\":\"Pod\",\"metadata\":{\"name\":\"batch-1-xyz\",\"namespace\":\"jobs\","
	"\"uid\":\"pod-b\",\"ownerReferences\":[{\"kind\":\"Job\",\"name\":\"batch-1\","
	"\"uid\":\"job-1\",\"controller\":true}]},\"spec\":{\"nodeName\":\"node-2\"},"
	"\"status\":{\"phase\":\"Running\",\"startTime\":\"2023-11-14T22:15:20Z\","
	"\"podIPs\":[{\"ip\":\"10.0.0.5\"}]}}";

static const char job_1[] =
	"{\"kind\":\"Job\",\"metadata\":{\"name\":\"batch-1\",\"namespace\":\"jobs\",\"uid\":\"job-"
	"1\","
	"\"ownerReferences\":[{\"kind\":\"CronJob\",\"name\":\"batch\",\"uid\":\"cj-1\","
	"\"controller\":true}]}}";

static void
test_owner_and_reuse(void)
{
	struct vg_k8s_inv *inv = vg_k8s_inv_create(NULL);
	struct vg_k8s_who w;
	struct vg_k8s_stats st;

	CHECK(inv != NULL);
	CHECK_EQ(apply(inv, VG_K8S_ADDED, rs_web, T0 * NS), 0);
	CHECK_EQ(apply(inv, VG_K8S_ADDED, pod_a, T0 * NS), 0);
	CHECK_EQ(look(inv, "10.0.0.5", 80, (T0 + 10) * NS, &w), 0);
	CHECK(streq(w.ns, "shop") && streq(w.pod, "web-7d4b-aaaaa") && streq(w.node, "node-1"));
	CHECK(streq(w.workload, "web") && streq(w.workload_kind, "Deployment"));
	CHECK(w.nlabels == 1 && streq(w.labels[0], "app=web"));
	CHECK(!w.host_network && !w.is_node && !w.is_service);
	/* Both families of status.podIPs; nothing before the pod started. */
	CHECK(streq(who_pod(inv, "fd00::5", 80, (T0 + 10) * NS), "web-7d4b-aaaaa"));
	CHECK(who_pod(inv, "10.0.0.5", 80, (T0 - 1) * NS) == NULL);
	CHECK(who_pod(inv, "10.0.0.6", 80, (T0 + 10) * NS) == NULL);

	/* pod-a deleted at T0+60 (the event's time), pod-b starts at T0+120. */
	CHECK_EQ(apply(inv, VG_K8S_DELETED, pod_a, (T0 + 60) * NS), 0);
	CHECK_EQ(apply(inv, VG_K8S_ADDED, job_1, (T0 + 100) * NS), 0);
	CHECK_EQ(apply(inv, VG_K8S_ADDED, pod_b, (T0 + 120) * NS), 0);
	/* Drained late: a record from before the reuse still finds pod-a, with its owner. */
	CHECK_EQ(look(inv, "10.0.0.5", 80, (T0 + 30) * NS, &w), 0);
	CHECK(streq(w.pod, "web-7d4b-aaaaa") && streq(w.workload, "web"));
	CHECK(who_pod(inv, "10.0.0.5", 80, (T0 + 90) * NS) == NULL); /* nobody held it */
	CHECK_EQ(look(inv, "10.0.0.5", 80, (T0 + 130) * NS, &w), 0);
	CHECK(streq(w.pod, "batch-1-xyz") && streq(w.workload, "batch"));
	CHECK(streq(w.workload_kind, "CronJob") && streq(w.node, "node-2"));
	/* The deleted RS is not needed by the history: it was copied when pod-a ended. */
	CHECK_EQ(apply(inv, VG_K8S_DELETED, rs_web, (T0 + 140) * NS), 0);
	CHECK(streq(who_pod(inv, "10.0.0.5", 80, (T0 + 30) * NS), "web-7d4b-aaaaa"));
	CHECK(who_pod(inv, "fd00::5", 80, (T0 + 130) * NS) == NULL);
	vg_k8s_inv_stats(inv, &st);
	CHECK_EQ(st.objects[VG_K8S_POD], 1);
	CHECK_EQ(st.objects[VG_K8S_JOB], 1);
	CHECK_EQ(st.bad_objects, 0);
	vg_k8s_inv_free(inv);
}

/* A finished Job pod still shows its IP; the running pod that reuses it wins after. */
static void
test_finished_pod(void)
{
	struct vg_k8s_inv *inv = vg_k8s_inv_create(NULL);
	static const char done[] =
		"{\"kind\":\"Pod\",\"metadata\":{\"name\":\"old\",\"namespace\":\"a\",\"uid\":"
		"\"u1\"},"
		"\"status\":{\"phase\":\"Succeeded\",\"startTime\":\"2023-11-14T22:13:20Z\","
		"\"podIPs\":[{\"ip\":\"10.1.0.9\"}],\"containerStatuses\":[{\"name\":\"c\","
		"\"state\":{\"terminated\":{\"exitCode\":0,\"finishedAt\":\"2023-11-14T22:14:20Z\"}"
		"}}]}}";
	static const char running[] =
		"{\"kind\":\"Pod\",\"metadata\":{\"name\":\"new\",\"namespace\":\"a\",\"uid\":"
		"\"u2\"},"
		"\"status\":{\"phase\":\"Running\",\"startTime\":\"2023-11-14T22:14:50Z\","
		"\"podIPs\":[{\"ip\":\"10.1.0.9\"}]}}";

	/* Both in one listing, as `kubectl get pods -o json` shows them. */
	vg_k8s_inv_list_begin(inv, VG_K8S_POD);
	CHECK_EQ(apply(inv, VG_K8S_ADDED, done, (T0 + 3600) * NS), 0);
	CHECK_EQ(apply(inv, VG_K8S_ADDED, running, (T0 + 3600) * NS), 0);
	vg_k8s_inv_list_end(inv, VG_K8S_POD, (T0 + 3600) * NS);
	CHECK(streq(who_pod(inv, "10.1.0.9", 0, (T0 + 59) * NS), "old"));
	CHECK(who_pod(inv, "10.1.0.9", 0, (T0 + 61) * NS) == NULL);
	CHECK(streq(who_pod(inv, "10.1.0.9", 0, (T0 + 90) * NS), "new"));
	/* The same listing again changes nothing (no second history entry). */
	vg_k8s_inv_list_begin(inv, VG_K8S_POD);
	CHECK_EQ(apply(inv, VG_K8S_ADDED, done, (T0 + 3601) * NS), 0);
	CHECK_EQ(apply(inv, VG_K8S_ADDED, running, (T0 + 3601) * NS), 0);
	vg_k8s_inv_list_end(inv, VG_K8S_POD, (T0 + 3601) * NS);
	struct vg_k8s_stats st;

	vg_k8s_inv_stats(inv, &st);
	CHECK_EQ(st.holders, 2);
	/* A listing without them deletes both at its time. */
	vg_k8s_inv_list_begin(inv, VG_K8S_POD);
	vg_k8s_inv_list_end(inv, VG_K8S_POD, (T0 + 4000) * NS);
	CHECK(streq(who_pod(inv, "10.1.0.9", 0, (T0 + 3900) * NS), "new"));
	CHECK(who_pod(inv, "10.1.0.9", 0, (T0 + 4001) * NS) == NULL);
	vg_k8s_inv_free(inv);
}

static void
test_services_nodes_hostnet(void)
{
	struct vg_k8s_inv *inv = vg_k8s_inv_create(NULL);
	struct vg_k8s_who w;
	int64_t ts = (T0 + 10) * NS;
	static const char svc[] =
		"{\"kind\":\"Service\",\"metadata\":{\"name\":\"kube-dns\",\"namespace\":\"kube-"
		"system\","
		"\"uid\":\"s1\",\"creationTimestamp\":\"2023-11-01T00:00:00Z\"},"
		"\"spec\":{\"clusterIP\":\"10.96.0.10\",\"clusterIPs\":[\"10.96.0.10\"]}}";
	static const char headless[] =
		"{\"kind\":\"Service\",\"metadata\":{\"name\":\"db\",\"namespace\":\"a\",\"uid\":"
		"\"s2\"},"
		"\"spec\":{\"clusterIP\":\"None\",\"clusterIPs\":[\"None\"]}}";
	static const char node[] =
		"{\"kind\":\"Node\",\"metadata\":{\"name\":\"node-1\",\"uid\":\"n1\","
		"\"creationTimestamp\":\"2023-11-01T00:00:00Z\"},\"status\":{\"addresses\":["
		"{\"type\":\"InternalIP\",\"address\":\"192.168.1.10\"},"
		"{\"type\":\"Hostname\",\"address\":\"node-1\"}]}}";
	static const char proxy[] =
		"{\"kind\":\"Pod\",\"metadata\":{\"name\":\"kube-proxy-x\",\"namespace\":\"kube-"
		"system\","
		"\"uid\":\"p1\",\"ownerReferences\":[{\"kind\":\"DaemonSet\",\"name\":\"kube-"
		"proxy\","
		"\"uid\":\"ds1\",\"controller\":true}]},\"spec\":{\"nodeName\":\"node-1\","
		"\"hostNetwork\":true,\"containers\":[{\"name\":\"p\",\"ports\":[{"
		"\"containerPort\":"
		"10249}]}]},\"status\":{\"startTime\":\"2023-11-01T00:00:00Z\",\"podIPs\":[{\"ip\":"
		"\"192.168.1.10\"}]}}";
	static const char dns_pod[] = "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"coredns-1\","
				      "\"namespace\":\"kube-system\","
				      "\"uid\":\"p2\",\"labels\":{\"k8s-app\":\"kube-dns\"}},"
				      "\"spec\":{\"nodeName\":\"node-1\"},"
				      "\"status\":{\"startTime\":\"2023-11-01T00:00:00Z\","
				      "\"podIPs\":[{\"ip\":\"10.0.1.2\"}]}}";
	static const char slice[] =
		"{\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"kube-dns-abc\",\"namespace\":"
		"\"kube-system\",\"uid\":\"es1\",\"labels\":{\"kubernetes.io/"
		"service-name\":\"kube-dns\"}},"
		"\"addressType\":\"IPv4\",\"endpoints\":[{\"addresses\":[\"10.0.1.2\"],"
		"\"targetRef\":{\"kind\":\"Pod\",\"name\":\"coredns-1\",\"namespace\":\"kube-"
		"system\"}}],"
		"\"ports\":[{\"name\":\"dns\",\"port\":53,\"protocol\":\"UDP\"}]}";

	CHECK_EQ(apply(inv, VG_K8S_ADDED, svc, ts), 0);
	CHECK_EQ(apply(inv, VG_K8S_ADDED, headless, ts), 0);
	CHECK_EQ(apply(inv, VG_K8S_ADDED, node, ts), 0);
	CHECK_EQ(apply(inv, VG_K8S_ADDED, proxy, ts), 0);
	CHECK_EQ(apply(inv, VG_K8S_ADDED, dns_pod, ts), 0);
	CHECK_EQ(apply(inv, VG_K8S_ADDED, slice, ts), 0);

	CHECK_EQ(look(inv, "10.96.0.10", 53, ts, &w), 0);
	CHECK(w.is_service && streq(w.ns, "kube-system") && w.pod == NULL);
	CHECK(w.nservices == 1 && streq(w.services[0], "kube-dns"));
	CHECK_EQ(look(inv, "10.0.1.2", 53, ts, &w), 0);
	CHECK(streq(w.pod, "coredns-1") && w.nservices == 1 && streq(w.services[0], "kube-dns"));
	CHECK(w.nlabels == 1 && streq(w.labels[0], "k8s-app=kube-dns") && w.workload == NULL);
	/* The node address: the hostNetwork pod by its port, else the node. */
	CHECK_EQ(look(inv, "192.168.1.10", 10249, ts, &w), 0);
	CHECK(streq(w.pod, "kube-proxy-x") && w.host_network && w.is_node);
	CHECK(streq(w.workload, "kube-proxy") && streq(w.workload_kind, "DaemonSet"));
	CHECK_EQ(look(inv, "192.168.1.10", 22, ts, &w), 0);
	CHECK(w.pod == NULL && w.is_node && streq(w.node, "node-1") && !w.host_network);
	/* The slice changes: the pod no longer backs kube-dns. */
	CHECK_EQ(apply(inv, VG_K8S_MODIFIED,
			 "{\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"kube-dns-abc\","
			 "\"namespace\":\"kube-system\",\"uid\":\"es1\",\"labels\":{"
			 "\"kubernetes.io/service-name\":\"kube-dns\"}},\"addressType\":\"IPv4\","
			 "\"endpoints\":[]}",
			 ts),
		0);
	CHECK_EQ(look(inv, "10.0.1.2", 53, ts, &w), 0);
	CHECK_EQ(w.nservices, 0);
	vg_k8s_inv_free(inv);
}

/* Bad objects are refused with a reason and counted; the last good state stays. */
static void
test_bad_objects(void)
{
	struct vg_k8s_inv *inv = vg_k8s_inv_create(NULL);
	struct vg_k8s_stats st;
	static const char *const bad[] = {
		"{\"kind\":\"Pod\"}",
		"{\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\",\"namespace\":\"a\"}}",
		"{\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\",\"uid\":\"u\"}}",
		"{\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-7d4b-aaaaa\",\"namespace\":"
		"\"shop\","
		"\"uid\":\"pod-a\"},\"status\":{\"podIPs\":[{\"ip\":\"10.0.0.500\"}]}}",
		"{\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-7d4b-aaaaa\",\"namespace\":"
		"\"shop\","
		"\"uid\":\"pod-a\"},\"status\":{\"podIPs\":\"10.0.0.5\"}}",
		"{\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\",\"namespace\":\"a\",\"uid\":\"u\"},"
		"\"status\":{\"startTime\":\"yesterday\"}}",
		"{\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"x\",\"namespace\":\"a\",\"uid\":"
		"\"pod-a\"}}",
	};

	CHECK_EQ(apply(inv, VG_K8S_ADDED, pod_a, T0 * NS), 0);
	for (unsigned int i = 0; i < VG_ARRAY_SIZE(bad); i++) {
		CHECK_EQ(apply(inv, VG_K8S_MODIFIED, bad[i], T0 * NS), -1);
		CHECK(vg_k8s_inv_error(inv)[0] != '\0');
	}
	CHECK(strstr(vg_k8s_inv_error(inv), "another kind") != NULL);
	CHECK(streq(who_pod(inv, "10.0.0.5", 0, (T0 + 1) * NS), "web-7d4b-aaaaa"));
	vg_k8s_inv_stats(inv, &st);
	CHECK_EQ(st.bad_objects, VG_ARRAY_SIZE(bad));
	CHECK_EQ(vg_k8s_inv_apply(inv, VG_K8S_POD, VG_K8S_ADDED, NULL, 0), -1);
	vg_k8s_inv_free(inv);
}

/* History is bounded: the oldest ended intervals go first, counted. */
static void
test_history_bound(void)
{
	struct vg_k8s_cfg cfg = {.max_history = 3};
	struct vg_k8s_inv *inv = vg_k8s_inv_create(&cfg);
	struct vg_k8s_stats st;
	char json[512];

	for (int i = 0; i < 5; i++) {
		snprintf(json, sizeof(json),
			"{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p%d\",\"namespace\":\"a\","
			"\"uid\":\"u%d\"},\"status\":{\"startTime\":\"2023-11-14T22:1%d:20Z\","
			"\"podIPs\":[{\"ip\":\"10.2.0.1\"}]}}",
			i, i, 3 + i);
		CHECK_EQ(apply(inv, VG_K8S_ADDED, json, (T0 + 60 * i) * NS), 0);
		CHECK_EQ(apply(inv, VG_K8S_DELETED, json, (T0 + 60 * i + 50) * NS), 0);
	}
	vg_k8s_inv_stats(inv, &st);
	CHECK_EQ(st.history_evicted, 2);
	CHECK_EQ(st.holders, 3);
	CHECK(who_pod(inv, "10.2.0.1", 0, (T0 + 10) * NS) == NULL);       /* p0: evicted */
	CHECK(streq(who_pod(inv, "10.2.0.1", 0, (T0 + 130) * NS), "p2")); /* kept */
	CHECK(streq(who_pod(inv, "10.2.0.1", 0, (T0 + 250) * NS), "p4"));
	vg_k8s_inv_free(inv);
}

static void
test_parse_helpers(void)
{
	CHECK_EQ(vg_k8s_kind_parse("PodList"), VG_K8S_POD);
	CHECK_EQ(vg_k8s_kind_parse("EndpointSlice"), VG_K8S_ENDPOINTSLICE);
	CHECK_EQ(vg_k8s_kind_parse("Podx"), -1);
	CHECK_EQ(vg_k8s_kind_parse("ConfigMap"), -1);
	CHECK_EQ(vg_k8s_event_parse("DELETED"), VG_K8S_DELETED);
	CHECK_EQ(vg_k8s_event_parse("BOOKMARK"), -1);
	CHECK(look(NULL, "1.2.3.4", 0, 0, &(struct vg_k8s_who){0}) == -1);
}

/* A shadow copy's Host: which Service it names, as a pod of caller_ns would resolve it. */
static void
test_service_names(void)
{
	static const struct {
		const char *host, *caller, *name, *ns;
	} ok[] = {
		{"reviews", "bookinfo", "reviews", "bookinfo"},
		{"reviews:9080", "bookinfo", "reviews", "bookinfo"},
		{"reviews.bookinfo", NULL, "reviews", "bookinfo"},
		{"reviews.bookinfo.svc:80", "x", "reviews", "bookinfo"},
		{"reviews.bookinfo.svc.cluster.local", NULL, "reviews", "bookinfo"},
		{"reviews.bookinfo.svc.cluster.local.", NULL, "reviews", "bookinfo"},
	};
	static const struct {
		const char *host, *caller;
	} no[] = {{"reviews", NULL}, {"reviews", ""}, {"www.example.com", "a"}, {"Reviews", "a"},
		{"a..b", "a"}, {"", "a"}, {"10.0.0.1", NULL}, {"under_score", "a"}};
	char name[64], ns[64];

	for (size_t i = 0; i < VG_ARRAY_SIZE(ok); i++) {
		bool r = vg_k8s_service_name(ok[i].host, (uint32_t)strlen(ok[i].host), ok[i].caller,
			name, sizeof(name), ns, sizeof(ns));

		CHECK(r && streq(name, ok[i].name) && streq(ns, ok[i].ns));
	}
	for (size_t i = 0; i < VG_ARRAY_SIZE(no); i++)
		CHECK(!vg_k8s_service_name(no[i].host, (uint32_t)strlen(no[i].host), no[i].caller,
			name, sizeof(name), ns, sizeof(ns)));

	struct vg_k8s_inv *inv = vg_k8s_inv_create(NULL);
	struct vg_k8s_who w;
	int64_t ts = (T0 + 10) * NS;
	static const char svc[] =
		"{\"kind\":\"Service\",\"metadata\":{\"name\":\"reviews\",\"namespace\":"
		"\"bookinfo\",\"uid\":\"s9\",\"creationTimestamp\":\"2023-11-01T00:00:00Z\"},"
		"\"spec\":{\"clusterIP\":\"10.96.9.9\",\"clusterIPs\":[\"10.96.9.9\"]}}";

	CHECK_EQ(apply(inv, VG_K8S_ADDED, svc, ts - NS), 0);
	CHECK_EQ(vg_k8s_lookup_name(inv, "reviews:9080", 12, "bookinfo", ts, &w), 0);
	CHECK(w.is_service && streq(w.ns, "bookinfo") && w.nservices == 1 &&
		streq(w.services[0], "reviews"));
	/* Again from the cache; another namespace does not have it. */
	CHECK_EQ(vg_k8s_lookup_name(inv, "reviews", 7, "bookinfo", ts, &w), 0);
	CHECK_EQ(vg_k8s_lookup_name(inv, "reviews", 7, "other", ts, &w), -1);
	CHECK(w.ns == NULL);
	/* Deleted: the cache follows the change. */
	CHECK_EQ(apply(inv, VG_K8S_DELETED, svc, ts), 0);
	CHECK_EQ(vg_k8s_lookup_name(inv, "reviews.bookinfo", 16, NULL, ts + NS, &w), -1);
	vg_k8s_inv_free(inv);
}

int
main(void)
{
	test_owner_and_reuse();
	test_finished_pod();
	test_services_nodes_hostnet();
	test_bad_objects();
	test_history_bound();
	test_parse_helpers();
	test_service_names();
	printf("k8s: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
