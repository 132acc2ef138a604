/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kubernetes conditions against one end's context. A value matches a name
 * exactly; a workload value may also be "namespace/name". An end without
 * context (no inventory, an address nobody holds) matches no value.
 */
#include <string.h>

#include "vg_k8s.h"

#include "vg_policy_private.h"
#include "vg_policy_who.h"

static bool
one_of(const char *s, char *const *vals, uint16_t n)
{
	if (s == NULL || *s == '\0')
		return false;
	for (uint16_t k = 0; k < n; k++)
		if (strcmp(s, vals[k]) == 0)
			return true;
	return false;
}

static bool
any_of(const char *const *have, uint16_t nhave, char *const *vals, uint16_t n)
{
	for (uint16_t i = 0; i < nhave; i++)
		if (one_of(have[i], vals, n))
			return true;
	return false;
}

/* "name", or "namespace/name" when the value has a slash. */
static bool
workload_is(const struct vg_k8s_who *w, char *const *vals, uint16_t n)
{
	if (w->workload == NULL || *w->workload == '\0')
		return false;
	for (uint16_t k = 0; k < n; k++) {
		const char *slash = strchr(vals[k], '/');
		size_t nslen = slash ? (size_t)(slash - vals[k]) : 0;

		if (slash == NULL) {
			if (strcmp(w->workload, vals[k]) == 0)
				return true;
			continue;
		}
		if (w->ns != NULL && strlen(w->ns) == nslen &&
			strncmp(w->ns, vals[k], nslen) == 0 && strcmp(w->workload, slash + 1) == 0)
			return true;
	}
	return false;
}

static uint16_t
upto(uint8_t n, unsigned max)
{
	return n < max ? n : (uint16_t)max;
}

bool
pol_who_match(const struct vg_k8s_who *who, uint8_t kind, char *const *vals, uint16_t n)
{
	/* Unknown: every field unset (vg_k8s_lookup). */
	if (who == NULL)
		return false;
	switch (kind) {
	case PK_NAMESPACE:
		return one_of(who->ns, vals, n);
	case PK_WORKLOAD:
		return workload_is(who, vals, n);
	case PK_POD:
		return one_of(who->pod, vals, n);
	case PK_LABEL:
		return any_of(who->labels, upto(who->nlabels, VG_K8S_WHO_LABELS), vals, n);
	case PK_K8S_SERVICE:
		return any_of(who->services, upto(who->nservices, VG_K8S_WHO_SERVICES), vals, n);
	default:
		return false;
	}
}
