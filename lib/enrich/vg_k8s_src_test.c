/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the inventory's sources: files reloaded when they change
 * (and kept when they do not parse), and a watch stream on a FIFO (objects
 * and {type, object} events, split anywhere, broken mid-object).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vg_k8s_src.h"
#include "vg_test.h"

#define T0 1700000000LL
#define NS 1000000000LL

static char said[8][512];
static unsigned int nsaid;

static void
report(void *ctx, const char *line)
{
	(void)ctx;
	snprintf(said[nsaid % 8], sizeof(said[0]), "%s", line);
	nsaid++;
}

static const char *
pod_at(struct vg_k8s_inv *inv, const char *addr, int64_t ts)
{
	struct vg_k8s_who w;
	struct vg_addr a;
	uint8_t b[4];

	inet_pton(AF_INET, addr, b);
	vg_addr_from_v4(&a, b);
	vg_k8s_lookup(inv, &a, 0, ts, &w);
	return w.pod ? w.pod : w.services[0] ? w.services[0] : "-";
}

static void
put(const char *path, const char *text)
{
	char tmp[300];
	FILE *f;

	/* Replaced by rename, as a tool writing the file should; mtime and inode change. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
	CHECK_EQ(rename(tmp, path), 0);
}

#define POD(name, uid, ip)                                                                         \
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" name "\","             \
	"\"namespace\":\"a\",\"uid\":\"" uid "\"},\"status\":{\"phase\":\"Running\","              \
	"\"startTime\":\"2023-11-14T22:13:20Z\",\"podIPs\":[{\"ip\":\"" ip "\"}]}}"

static void
test_files(void)
{
	char dir[] = "/tmp/vg_k8s_src.XXXXXX", f1[300], f2[300];
	struct vg_k8s_inv *inv = vg_k8s_inv_create(NULL);
	struct vg_k8s_src_cfg cfg = {.report = report};
	struct vg_k8s_src_stats st;
	struct vg_k8s_src *s;
	const char *files[2];
	char err[400];

	CHECK(mkdtemp(dir) != NULL);
	snprintf(f1, sizeof(f1), "%s/pods.json", dir);
	snprintf(f2, sizeof(f2), "%s/svc.json", dir);
	files[0] = f1;
	files[1] = f2;
	cfg.files = files;
	cfg.nfiles = 2;
	/* A List of mixed kinds, and an API PodList whose items have no kind. */
	put(f1,
		"{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[" POD(
			"p1", "u1", "10.0.0.1") "," POD("p2", "u2",
			"10.0.0.2") ",{\"kind\":\"ConfigMap\",\"metadata\":{}}]}");
	put(f2,
		"{\"kind\":\"ServiceList\",\"items\":[{\"metadata\":{\"name\":\"s\",\"namespace\":"
		"\"a\",\"uid\":\"s1\",\"creationTimestamp\":\"2023-11-01T00:00:00Z\"},\"spec\":{"
		"\"clusterIPs\":[\"10.96.0.1\"]}}]}");
	/* A missing file is a user error at start. */
	unlink(f2);
	s = vg_k8s_src_open(inv, &cfg, err, sizeof(err));
	CHECK(s == NULL && strstr(err, "svc.json") != NULL);
	put(f2,
		"{\"kind\":\"ServiceList\",\"items\":[{\"metadata\":{\"name\":\"s\",\"namespace\":"
		"\"a\",\"uid\":\"s1\",\"creationTimestamp\":\"2023-11-01T00:00:00Z\"},\"spec\":{"
		"\"clusterIPs\":[\"10.96.0.1\"]}}]}");
	s = vg_k8s_src_open(inv, &cfg, err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK(strcmp(pod_at(inv, "10.0.0.1", (T0 + 1) * NS), "p1") == 0);
	CHECK(strcmp(pod_at(inv, "10.96.0.1", (T0 + 1) * NS), "s") == 0);
	vg_k8s_src_stats(s, &st);
	CHECK_EQ(st.loads, 1);
	CHECK_EQ(st.ignored, 1);

	/* p2 gone, p3 new, p1 has a field of the wrong type: p1 stays as it was. */
	put(f1,
		"{\"kind\":\"List\",\"items\":[{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p1\","
		"\"namespace\":\"a\",\"uid\":\"u1\"},\"status\":{\"podIPs\":7}}," POD(
			"p3", "u3", "10.0.0.3") "]}");
	nsaid = 0;
	CHECK_EQ(vg_k8s_src_poll(s, true), 2); /* p3 and the Service */
	CHECK(strcmp(pod_at(inv, "10.0.0.1", (T0 + 1) * NS), "p1") == 0);
	CHECK(strcmp(pod_at(inv, "10.0.0.3", (T0 + 1) * NS), "p3") == 0);
	CHECK(strcmp(pod_at(inv, "10.0.0.2", (int64_t)vg_wall_ns() + NS), "-") == 0);
	CHECK(strcmp(pod_at(inv, "10.0.0.2", (T0 + 1) * NS), "p2") == 0); /* history */
	CHECK_EQ(nsaid, 1);
	CHECK(strstr(said[0], "Pod p1 refused: status.podIPs is not a list") != NULL);

	/* A file that does not parse changes nothing, is said once and counted. */
	put(f1, "{\"kind\":\"List\",\"items\":[" POD("p9", "u9", "10.0.0.9"));
	nsaid = 0;
	vg_k8s_src_poll(s, true);
	CHECK_EQ(nsaid, 1);
	CHECK(strstr(said[0], "pods.json: line 1") != NULL);
	CHECK(strstr(said[0], "keeping the last good inventory") != NULL);
	CHECK(strcmp(pod_at(inv, "10.0.0.3", (T0 + 1) * NS), "p3") == 0);
	CHECK(strcmp(pod_at(inv, "10.0.0.9", (T0 + 1) * NS), "-") == 0);
	vg_k8s_src_stats(s, &st);
	CHECK_EQ(st.load_errors, 1);
	CHECK_EQ(st.bad_objects, 0);
	struct vg_k8s_stats ist;

	vg_k8s_inv_stats(inv, &ist);
	CHECK_EQ(ist.bad_objects, 1);
	/* Unchanged since: not read again (at most once a second, and only on a change). */
	CHECK_EQ(vg_k8s_src_poll(s, false), 0);
	vg_k8s_src_stats(s, &st);
	CHECK_EQ(st.loads, 2);

	vg_k8s_src_close(s);
	vg_k8s_inv_free(inv);
	unlink(f1);
	unlink(f2);
	rmdir(dir);
}

/* A finished Job pod listed before its Job still resolves to the CronJob. */
static void
test_list_order(void)
{
	char dir[] = "/tmp/vg_k8s_order.XXXXXX", f1[300];
	struct vg_k8s_inv *inv = vg_k8s_inv_create(NULL);
	struct vg_k8s_src_cfg cfg = {.report = report};
	const char *files[1] = {f1};
	struct vg_k8s_src *s;
	struct vg_k8s_who w;
	struct vg_addr a;
	char err[400];

	CHECK(mkdtemp(dir) != NULL);
	snprintf(f1, sizeof(f1), "%s/all.json", dir);
	cfg.files = files;
	cfg.nfiles = 1;
	put(f1,
		"{\"kind\":\"List\",\"items\":[{\"kind\":\"Pod\",\"metadata\":{\"name\":\"j-1-x\","
		"\"namespace\":\"a\",\"uid\":\"p\",\"ownerReferences\":[{\"kind\":\"Job\",\"name\":"
		"\"j-1\",\"uid\":\"j\",\"controller\":true}]},\"status\":{\"phase\":\"Succeeded\","
		"\"startTime\":\"2023-11-14T22:13:20Z\",\"podIPs\":[{\"ip\":\"10.0.0.7\"}],"
		"\"containerStatuses\":[{\"state\":{\"terminated\":{\"finishedAt\":"
		"\"2023-11-14T22:14:20Z\"}}}]}},{\"kind\":\"Job\",\"metadata\":{\"name\":\"j-1\","
		"\"namespace\":\"a\",\"uid\":\"j\",\"ownerReferences\":[{\"kind\":\"CronJob\","
		"\"name\":\"j\",\"uid\":\"c\",\"controller\":true}]}}]}");
	s = vg_k8s_src_open(inv, &cfg, err, sizeof(err));
	CHECK(s != NULL);
	vg_addr_from_v4(&a, (const uint8_t[]){10, 0, 0, 7});
	CHECK_EQ(vg_k8s_lookup(inv, &a, 0, (T0 + 30) * NS, &w), 0);
	CHECK(w.workload != NULL && strcmp(w.workload, "j") == 0);
	CHECK(w.workload_kind != NULL && strcmp(w.workload_kind, "CronJob") == 0);
	vg_k8s_src_close(s);
	vg_k8s_inv_free(inv);
	unlink(f1);
	rmdir(dir);
}

static void
feed(int fd, const char *text)
{
	CHECK_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

static void
test_stream(void)
{
	char dir[] = "/tmp/vg_k8s_fifo.XXXXXX", fifo[300];
	struct vg_k8s_inv *inv = vg_k8s_inv_create(NULL);
	struct vg_k8s_src_cfg cfg = {.report = report};
	struct vg_k8s_src_stats st;
	struct vg_k8s_src *s;
	const char *streams[1];
	char err[400];
	int wfd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(fifo, sizeof(fifo), "%s/watch", dir);
	CHECK_EQ(mkfifo(fifo, 0600), 0);
	streams[0] = fifo;
	cfg.streams = streams;
	cfg.nstreams = 1;
	s = vg_k8s_src_open(inv, &cfg, err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL)
		return;
	wfd = open(fifo, O_WRONLY);
	CHECK(wfd >= 0);
	/* A bare object (kubectl --watch -o json), pretty-printed, split mid-value. */
	feed(wfd,
		"{\n    \"kind\": \"Pod\",\n    \"metadata\": {\"name\": \"p1\", \"namespace\": "
		"\"a\","
		" \"uid\": \"u1\"},\n    \"status\": {\"startTime\": \"2023-11-14T22:13:20Z\",");
	CHECK_EQ(vg_k8s_src_poll(s, true), 0);
	feed(wfd, " \"podIPs\": [{\"ip\": \"10.0.0.1\"}]}\n}\n");
	CHECK_EQ(vg_k8s_src_poll(s, true), 1);
	CHECK(strcmp(pod_at(inv, "10.0.0.1", (T0 + 1) * NS), "p1") == 0);
	/* Events (--output-watch-events): a deletion with its deadline, then a reuse. */
	feed(wfd,
		"{\"type\":\"DELETED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p1\","
		"\"namespace\":\"a\",\"uid\":\"u1\",\"deletionTimestamp\":"
		"\"2023-11-14T22:14:20Z\"}}}\n{\"type\":\"ADDED\",\"object\":"
		"{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p2\",\"namespace\":\"a\",\"uid\":"
		"\"u2\"},"
		"\"status\":{\"startTime\":\"2023-11-14T22:15:20Z\",\"podIPs\":[{\"ip\":"
		"\"10.0.0.1\"}]}}}{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"metadata\":"
		"{\"resourceVersion\":\"12\"}}}");
	CHECK_EQ(vg_k8s_src_poll(s, true), 2);
	CHECK(strcmp(pod_at(inv, "10.0.0.1", (T0 + 59) * NS), "p1") == 0);
	CHECK(strcmp(pod_at(inv, "10.0.0.1", (T0 + 61) * NS), "-") == 0);
	CHECK(strcmp(pod_at(inv, "10.0.0.1", (T0 + 121) * NS), "p2") == 0);
	/* Garbage, then an object: skipped to the next line that starts an object. */
	nsaid = 0;
	feed(wfd, "not json\n{\"type\":\"ADDED\",\"object\":" POD("p3", "u3", "10.0.0.3") "}\n");
	CHECK_EQ(vg_k8s_src_poll(s, true), 1);
	CHECK(nsaid == 1 && strstr(said[0], "not JSON") != NULL);
	CHECK(strcmp(pod_at(inv, "10.0.0.3", (T0 + 1) * NS), "p3") == 0);
	/* The writer leaves mid-object: said, counted, and the state stays. */
	feed(wfd, "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\"");
	close(wfd);
	nsaid = 0;
	CHECK_EQ(vg_k8s_src_poll(s, true), 0);
	CHECK(nsaid == 1 && strstr(said[0], "ended in the middle of a value") != NULL);
	CHECK(strcmp(pod_at(inv, "10.0.0.3", (T0 + 1) * NS), "p3") == 0);
	vg_k8s_src_stats(s, &st);
	CHECK_EQ(st.stream_errors, 2);
	CHECK_EQ(st.stream_values, 5);

	vg_k8s_src_close(s);
	vg_k8s_inv_free(inv);
	unlink(fifo);
	rmdir(dir);
}

int
main(void)
{
	test_files();
	test_list_order();
	test_stream();
	printf("k8s-src: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
