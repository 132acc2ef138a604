/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the Kubernetes inventory's parser and history
 * (lib/enrich). The input is read as an inventory file or watch stream is:
 * concatenated JSON values (Lists, objects, {type, object} events), each
 * applied to the inventory, some inside a listing of a kind chosen by the
 * first byte. After each value, addresses are looked up at several times;
 * what a lookup returns must be whole (every string readable, counts within
 * their arrays). A small history bound makes eviction happen.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vg_k8s_src.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

static void
check_who(const struct vg_k8s_who *w)
{
	size_t n = 0;

	if (w->nservices > VG_K8S_WHO_SERVICES || w->nlabels > VG_K8S_WHO_LABELS)
		abort();
	n += w->ns ? strlen(w->ns) : 0;
	n += w->pod ? strlen(w->pod) : 0;
	n += w->workload ? strlen(w->workload) : 0;
	n += w->workload_kind ? strlen(w->workload_kind) : 0;
	n += w->node ? strlen(w->node) : 0;
	for (unsigned int i = 0; i < w->nservices; i++)
		n += strlen(w->services[i]);
	for (unsigned int i = 0; i < w->nlabels; i++)
		n += strlen(w->labels[i]);
	if ((w->workload == NULL) != (w->workload_kind == NULL))
		abort();
	(void)n;
}

static void
lookups(const struct vg_k8s_inv *inv)
{
	static const uint8_t v4[][4] = {
		{10, 0, 0, 1}, {10, 0, 0, 2}, {10, 96, 0, 10}, {192, 168, 1, 10}};
	static const int64_t ts[] = {
		0, 1700000000LL * 1000000000LL, 1700000100LL * 1000000000LL, INT64_MAX - 1};
	struct vg_k8s_who w;
	struct vg_addr a;

	for (unsigned int i = 0; i < 4; i++) {
		vg_addr_from_v4(&a, v4[i]);
		for (unsigned int t = 0; t < 4; t++) {
			vg_k8s_lookup(inv, &a, (uint16_t)(t * 53), ts[t], &w);
			check_who(&w);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_k8s_cfg cfg = {.max_history = 4};
	struct vg_k8s_src_cfg scfg = {.report = quiet};
	struct vg_k8s_inv *inv;
	struct vg_k8s_src *src;
	char err[256];
	size_t off = 1;
	int kind;

	if (size == 0)
		return 0;
	kind = data[0] % (VG_K8S_NKINDS + 1) - 1; /* -1: no listing */
	inv = vg_k8s_inv_create(&cfg);
	src = inv ? vg_k8s_src_open(inv, &scfg, err, sizeof(err)) : NULL;
	if (src == NULL)
		abort();
	if (kind >= 0)
		vg_k8s_inv_list_begin(inv, (enum vg_k8s_kind)kind);
	while (off < size) {
		json_error_t e;
		json_t *v = json_loadb(
			(const char *)data + off, size - off, JSON_DISABLE_EOF_CHECK, &e);

		if (v == NULL)
			break;
		if (e.position <= 0)
			abort();
		off += (size_t)e.position;
		vg_k8s_src_apply_value(src, v, "fuzz");
		json_decref(v);
		lookups(inv);
	}
	if (kind >= 0)
		vg_k8s_inv_list_end(inv, (enum vg_k8s_kind)kind, 1700000050LL * 1000000000LL);
	lookups(inv);
	vg_k8s_src_close(src);
	vg_k8s_inv_free(inv);
	return 0;
}
