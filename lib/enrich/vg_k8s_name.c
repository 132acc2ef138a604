/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A Service's DNS name as a pod asks for it (Kubernetes DNS for Services and
 * Pods: "name" in the asking pod's namespace, "name.ns", "name.ns.svc" and
 * "name.ns.svc.<cluster domain>"), for the shadow listener's Host headers:
 * the Service a copied request was meant for (doc/shadow.md).
 */
#include <string.h>

#include "vg_k8s.h"

/* The next dot-separated label of s[0..len) from *at; its length. */
static uint32_t
label(const char *s, uint32_t len, uint32_t *at, const char **out)
{
	uint32_t i = *at;

	*out = s + i;
	while (i < len && s[i] != '.')
		i++;
	uint32_t n = i - *at;

	*at = i < len ? i + 1 : i;
	return n;
}

/* A DNS label as Kubernetes names take it: lower case, digits and '-'. */
static bool
dns_label(const char *s, uint32_t n)
{
	if (n == 0 || n > 63)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static bool
copy(char *dst, size_t cap, const char *s, uint32_t n)
{
	if (n >= cap)
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

bool
vg_k8s_service_name(const char *host, uint32_t len, const char *caller_ns, char *name,
	size_t name_cap, char *ns, size_t ns_cap)
{
	const char *l1, *l2 = NULL, *l3 = NULL;
	uint32_t at = 0, n1, n2 = 0, n3 = 0;
	bool two = false, three = false;

	/* The port goes (a name has no colon: an address is not a name). */
	for (uint32_t i = 0; i < len; i++)
		if (host[i] == ':') {
			len = i;
			break;
		}
	if (len > 0 && host[len - 1] == '.')
		len--; /* an absolute name */
	n1 = label(host, len, &at, &l1);
	if ((two = at < len))
		n2 = label(host, len, &at, &l2);
	if ((three = at < len))
		n3 = label(host, len, &at, &l3);
	if (!dns_label(l1, n1))
		return false;
	if (!two) /* "name": the asking pod's namespace */
		return caller_ns != NULL && caller_ns[0] != '\0' && copy(name, name_cap, l1, n1) &&
			copy(ns, ns_cap, caller_ns, (uint32_t)strlen(caller_ns));
	if (!dns_label(l2, n2))
		return false;
	/* "name.ns", or "name.ns.svc[.domain]"; anything else is not a Service's name. */
	if (three && !(n3 == 3 && memcmp(l3, "svc", 3) == 0))
		return false;
	return copy(name, name_cap, l1, n1) && copy(ns, ns_cap, l2, n2);
}
