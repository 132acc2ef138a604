/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the Kubernetes API's wire formats (lib/enrich/api/
 * vg_k8s_watch.c). The input is a watch stream delivered in pieces whose
 * sizes come from its first byte, as libcurl hands a socket's bytes over:
 * every line goes through the event parser (as a namespaced kind and as a
 * cluster-wide one), and the whole input is also read as a List page. An
 * event's object must satisfy the checks the parser claims it made; the
 * splitter must never hold more than its maximum.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vg_k8s_watch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SPLIT_MAX 4096 /* small, so the too-long path is reached */

static int
on_line(void *ctx, const char *line, size_t len)
{
	struct vg_k8s_wevent ev;
	unsigned int *n = ctx;

	for (int ns = 0; ns < 2; ns++) {
		vg_k8s_watch_parse(line, len, ns != 0, &ev);
		if (ev.object != NULL) {
			if (ev.type > VG_K8S_W_DELETED ||
				vg_k8s_object_check(ev.object, ns) != NULL)
				abort();
			if (strlen(ev.rv) == 0 || strlen(ev.rv) >= VG_K8S_RV_MAX)
				abort();
			json_decref(ev.object);
		} else if (ev.type <= VG_K8S_W_DELETED) {
			abort();
		}
		if ((ev.type == VG_K8S_W_BAD_LINE || ev.type == VG_K8S_W_BAD_OBJECT) &&
			ev.why == NULL)
			abort();
	}
	/* Now and then the caller stops the stream (an ERROR event does). */
	return ++*n % 97 == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_k8s_split s;
	struct vg_k8s_page p;
	const char *why;
	unsigned int lines = 0;

	if (size == 0)
		return 0;
	size_t piece = (size_t)data[0] % 64 + 1;

	data++;
	size--;
	vg_k8s_split_init(&s, SPLIT_MAX);
	for (size_t off = 0; off < size; off += piece) {
		size_t n = size - off < piece ? size - off : piece;
		int rc = vg_k8s_split_feed(&s, (const char *)data + off, n, on_line, &lines);

		if (s.len > SPLIT_MAX)
			abort();
		if (rc != 0)
			vg_k8s_split_reset(&s); /* the client reconnects */
	}
	(void)vg_k8s_split_pending(&s);
	vg_k8s_split_free(&s);
	if (vg_k8s_page_parse((const char *)data, size, &p, &why) == 0) {
		if (!json_is_array(p.items) && !json_is_null(p.items))
			abort();
		for (size_t i = 0; i < json_array_size(p.items); i++)
			(void)vg_k8s_object_check(json_array_get(p.items, i), true);
		vg_k8s_page_free(&p);
	} else if (why == NULL) {
		abort();
	}
	return 0;
}
