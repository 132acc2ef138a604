/* SPDX-License-Identifier: BSD-3-Clause */
/* The API's wire formats (vg_k8s_watch.c) and the event queue (vg_k8s_queue.c). */
#include <string.h>

#include "vg_k8s_queue.h"
#include "vg_k8s_watch.h"
#include "vg_test.h"

struct lines {
	int n;
	char got[8][128];
	int stop_at; /* return 1 on this line (1-based), 0: never */
};

static int
take_line(void *ctx, const char *line, size_t len)
{
	struct lines *l = ctx;

	if (l->n < 8 && len < sizeof(l->got[0])) {
		memcpy(l->got[l->n], line, len);
		l->got[l->n][len] = '\0';
	}
	l->n++;
	return l->n == l->stop_at ? 1 : 0;
}

static void
test_split(void)
{
	struct vg_k8s_split s;
	struct lines l = {0};

	vg_k8s_split_init(&s, 16);
	/* Lines split anywhere across deliveries, several in one. */
	CHECK_EQ(vg_k8s_split_feed(&s, "ab", 2, take_line, &l), 0);
	CHECK_EQ(l.n, 0);
	CHECK(vg_k8s_split_pending(&s));
	CHECK_EQ(vg_k8s_split_feed(&s, "c\nde\nf", 6, take_line, &l), 0);
	CHECK_EQ(l.n, 2);
	CHECK(strcmp(l.got[0], "abc") == 0);
	CHECK(strcmp(l.got[1], "de") == 0);
	CHECK(vg_k8s_split_pending(&s));
	CHECK_EQ(vg_k8s_split_feed(&s, "\n\n", 2, take_line, &l), 0);
	CHECK_EQ(l.n, 4);
	CHECK(strcmp(l.got[2], "f") == 0);
	CHECK(strcmp(l.got[3], "") == 0);
	CHECK(!vg_k8s_split_pending(&s));
	/* White space alone is not an object cut short. */
	CHECK_EQ(vg_k8s_split_feed(&s, " \r", 2, take_line, &l), 0);
	CHECK(!vg_k8s_split_pending(&s));
	vg_k8s_split_reset(&s);
	/* A line longer than max, whether kept or seen whole. */
	CHECK_EQ(vg_k8s_split_feed(&s, "0123456789abcdefg", 17, take_line, &l), -1);
	vg_k8s_split_reset(&s);
	CHECK_EQ(vg_k8s_split_feed(&s, "0123456789abcdefg\n", 18, take_line, &l), -1);
	vg_k8s_split_reset(&s);
	CHECK_EQ(vg_k8s_split_feed(&s, "0123456789", 10, take_line, &l), 0);
	CHECK_EQ(vg_k8s_split_feed(&s, "abcdefg\n", 8, take_line, &l), -1);
	/* The callback stops the feed: the rest is not seen. */
	vg_k8s_split_reset(&s);
	l.n = 0;
	l.stop_at = 1;
	CHECK_EQ(vg_k8s_split_feed(&s, "x\ny\n", 4, take_line, &l), 1);
	CHECK_EQ(l.n, 1);
	vg_k8s_split_free(&s);
}

static void
parse(const char *line, bool ns, struct vg_k8s_wevent *ev)
{
	vg_k8s_watch_parse(line, strlen(line), ns, ev);
}

static void
test_events(void)
{
	struct vg_k8s_wevent ev;

	parse("{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\","
	      "\"namespace\":\"default\",\"resourceVersion\":\"17\"}}}",
		true, &ev);
	CHECK_EQ(ev.type, VG_K8S_W_ADDED);
	CHECK(ev.object != NULL);
	CHECK(strcmp(ev.rv, "17") == 0);
	json_decref(ev.object);
	parse("{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"n1\","
	      "\"resourceVersion\":\"9\"}}}",
		false, &ev);
	CHECK_EQ(ev.type, VG_K8S_W_DELETED);
	json_decref(ev.object);
	/* A namespaced kind's object without a namespace is refused. */
	parse("{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"n1\","
	      "\"resourceVersion\":\"9\"}}}",
		true, &ev);
	CHECK_EQ(ev.type, VG_K8S_W_BAD_OBJECT);
	CHECK(ev.object == NULL);
	parse("{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"namespace\":\"x\","
	      "\"resourceVersion\":\"9\"}}}",
		true, &ev);
	CHECK_EQ(ev.type, VG_K8S_W_BAD_OBJECT);
	parse("{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"a\",\"namespace\":\"x\"}"
	      "}}",
		true, &ev);
	CHECK_EQ(ev.type, VG_K8S_W_BAD_OBJECT);
	parse("{\"type\":\"ADDED\"}", true, &ev);
	CHECK_EQ(ev.type, VG_K8S_W_BAD_OBJECT);
	parse("{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"metadata\":{"
	      "\"resourceVersion\":\"12345\"}}}",
		true, &ev);
	CHECK_EQ(ev.type, VG_K8S_W_BOOKMARK);
	CHECK(strcmp(ev.rv, "12345") == 0);
	CHECK(ev.object == NULL);
	parse("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"status\":\"Failure\","
	      "\"message\":\"too old resource version: 1 (2)\",\"reason\":\"Expired\","
	      "\"code\":410}}",
		true, &ev);
	CHECK_EQ(ev.type, VG_K8S_W_ERROR);
	CHECK_EQ(ev.code, 410);
	CHECK(strcmp(ev.reason, "Expired") == 0);
	CHECK(strcmp(ev.message, "too old resource version: 1 (2)") == 0);
	parse("{\"type\":\"RENAMED\",\"object\":{}}", true, &ev);
	CHECK_EQ(ev.type, VG_K8S_W_BAD_LINE);
	parse("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\",\"namesp", true, &ev);
	CHECK_EQ(ev.type, VG_K8S_W_BAD_LINE);
	parse("[1,2]", true, &ev);
	CHECK_EQ(ev.type, VG_K8S_W_BAD_LINE);
	parse("  \r", true, &ev);
	CHECK_EQ(ev.type, VG_K8S_W_EMPTY);
}

static void
test_pages(void)
{
	struct vg_k8s_page p;
	const char *why = NULL;
	const char *page = "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{"
			   "\"resourceVersion\":\"110\",\"continue\":\"eyJ2IjoxfQ\"},"
			   "\"items\":[{\"metadata\":{\"name\":\"a\"}},{}]}";

	CHECK_EQ(vg_k8s_page_parse(page, strlen(page), &p, &why), 0);
	CHECK(strcmp(p.rv, "110") == 0);
	CHECK(p.cont != NULL && strcmp(p.cont, "eyJ2IjoxfQ") == 0);
	CHECK_EQ(json_array_size(p.items), 2);
	CHECK(vg_k8s_object_check(json_array_get(p.items, 1), false) != NULL);
	vg_k8s_page_free(&p);
	page = "{\"kind\":\"NodeList\",\"metadata\":{\"resourceVersion\":\"5\",\"continue\":\"\"},"
	       "\"items\":[]}";
	CHECK_EQ(vg_k8s_page_parse(page, strlen(page), &p, &why), 0);
	CHECK(p.cont == NULL);
	vg_k8s_page_free(&p);
	page = "{\"kind\":\"NodeList\",\"metadata\":{},\"items\":[]}";
	CHECK_EQ(vg_k8s_page_parse(page, strlen(page), &p, &why), -1);
	page = "{\"kind\":\"NodeList\",\"metadata\":{\"resourceVersion\":\"5\"}}";
	CHECK_EQ(vg_k8s_page_parse(page, strlen(page), &p, &why), -1);
	page = "{\"kind\":\"NodeList\",\"metadata\":{\"resourceVersion\":\"5\"},\"items\":[{\"meta";
	CHECK_EQ(vg_k8s_page_parse(page, strlen(page), &p, &why), -1);
	CHECK(why != NULL);
}

static void
test_queue(void)
{
	struct vg_k8s_queue q;
	struct vg_k8s_qev ev, out[4];

	CHECK_EQ(vg_k8s_queue_init(&q, 2), 0);
	for (int i = 0; i < 2; i++) {
		ev = (struct vg_k8s_qev){
			.what = VG_K8S_Q_EVENT, .kind = (uint8_t)i, .obj = json_integer(i)};
		CHECK_EQ(vg_k8s_queue_push(&q, &ev, 0), 0);
	}
	/* Full: refused after the wait, and what it held freed (ASan sees a leak). */
	ev = (struct vg_k8s_qev){.what = VG_K8S_Q_EVENT, .obj = json_integer(9)};
	CHECK_EQ(vg_k8s_queue_push(&q, &ev, 20), -1);
	CHECK(ev.obj == NULL);
	CHECK_EQ(vg_k8s_queue_count(&q), 2);
	CHECK_EQ(vg_k8s_queue_pop(&q, out, 1), 1);
	CHECK_EQ(out[0].kind, 0);
	vg_k8s_qev_free(&out[0]);
	ev = (struct vg_k8s_qev){.what = VG_K8S_Q_MESSAGE, .kind = 5, .msg = strdup("m")};
	CHECK_EQ(vg_k8s_queue_push(&q, &ev, 0), 0);
	CHECK_EQ(vg_k8s_queue_pop(&q, out, 4), 2);
	CHECK_EQ(out[0].kind, 1);
	CHECK_EQ(out[1].kind, 5);
	vg_k8s_qev_free(&out[0]);
	vg_k8s_qev_free(&out[1]);
	/* Left in the queue at the end: freed by fini. */
	ev = (struct vg_k8s_qev){.what = VG_K8S_Q_EVENT, .obj = json_integer(3)};
	CHECK_EQ(vg_k8s_queue_push(&q, &ev, 0), 0);
	vg_k8s_queue_fini(&q);
}

int
main(void)
{
	test_split();
	test_events();
	test_pages();
	test_queue();
	printf("k8s-watch: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
