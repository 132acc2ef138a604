/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * API objects to k8s_obj. Field meanings from the Kubernetes API reference
 * (kubernetes.io/docs/reference/kubernetes-api): ObjectMeta (uid, name,
 * namespace, creationTimestamp, labels, ownerReferences with controller),
 * Pod (spec.nodeName, spec.hostNetwork, spec.containers[].ports[].containerPort,
 * status.podIPs[].ip, status.startTime "acknowledged by the Kubelet", before
 * the sandbox and its IP; status.phase, containerStatuses[].state.terminated.
 * finishedAt), Service (spec.clusterIPs, "None" for headless), Node
 * (status.addresses[] {type, address}), EndpointSlice (addressType,
 * endpoints[].addresses, endpoints[].targetRef, the kubernetes.io/service-name
 * label). A field the inventory needs that is present with the wrong type, or
 * an address that does not parse, refuses the object.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vg_k8s_obj.h"

struct parse {
	struct k8s_obj *ob;
	char *err;
	size_t errlen;
	bool bad;
};

static void
fail(struct parse *p, const char *what)
{
	if (!p->bad)
		snprintf(p->err, p->errlen, "%s", what);
	p->bad = true;
}

/* A string member: NULL when absent or null; wrong type fails. */
static const char *
get_str(struct parse *p, const json_t *o, const char *key, const char *what)
{
	const json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		fail(p, what);
		return NULL;
	}
	return json_string_value(v);
}

static const json_t *
get_typed(struct parse *p, const json_t *o, const char *key, json_type type, const char *what)
{
	const json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return NULL;
	if (json_typeof(v) != type) {
		fail(p, what);
		return NULL;
	}
	return v;
}

static char *
dup_str(struct parse *p, const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		fail(p, "out of memory");
	return d;
}

int
k8s_time_parse(const char *s, int64_t *ns)
{
	struct tm tm;
	const char *e;
	int64_t frac = 0, off = 0;

	memset(&tm, 0, sizeof(tm));
	e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (e == NULL)
		return -1;
	if (*e == '.') {
		int64_t scale = 100000000;

		for (e++; *e >= '0' && *e <= '9'; e++) {
			frac += (*e - '0') * scale;
			scale /= 10;
		}
	}
	if (*e == 'Z' || *e == 'z') {
		e++;
	} else if ((*e == '+' || *e == '-') && strlen(e) == 6 && e[3] == ':') {
		int h = (e[1] - '0') * 10 + (e[2] - '0'), m = (e[4] - '0') * 10 + (e[5] - '0');

		off = (int64_t)(h * 3600 + m * 60) * (*e == '-' ? -1 : 1);
		e += 6;
	} else {
		return -1;
	}
	if (*e != '\0')
		return -1;
	*ns = ((int64_t)timegm(&tm) - off) * (int64_t)VG_NS_PER_SEC + frac;
	return 0;
}

static int64_t
get_time(struct parse *p, const json_t *o, const char *key, const char *what)
{
	const char *s = get_str(p, o, key, what);
	int64_t t;

	if (s == NULL)
		return K8S_TIME_NONE;
	if (k8s_time_parse(s, &t) != 0) {
		fail(p, what);
		return K8S_TIME_NONE;
	}
	return t;
}

static int
addr_parse(const char *s, struct vg_addr *a)
{
	uint8_t b[16];

	if (inet_pton(AF_INET, s, b) == 1) {
		vg_addr_from_v4(a, b);
		return 0;
	}
	if (inet_pton(AF_INET6, s, b) == 1) {
		memcpy(a->b, b, 16);
		return 0;
	}
	return -1;
}

static void
add_addr(struct parse *p, const char *s, const char *what)
{
	struct k8s_obj *ob = p->ob;
	struct vg_addr a;

	if (s == NULL || s[0] == '\0' || strcmp(s, "None") == 0)
		return;
	if (addr_parse(s, &a) != 0) {
		fail(p, what);
		return;
	}
	for (unsigned int i = 0; i < ob->naddrs; i++)
		if (vg_addr_cmp(&ob->addrs[i], &a) == 0)
			return;
	if (ob->naddrs < K8S_MAX_ADDRS)
		ob->addrs[ob->naddrs++] = a;
}

/* metadata: uid, name, namespace, creationTimestamp, the controller owner. */
static const json_t *
parse_meta(struct parse *p, const json_t *o, bool namespaced)
{
	const json_t *md = get_typed(p, o, "metadata", JSON_OBJECT, "metadata is not an object");
	const json_t *refs, *ref;
	const char *uid, *name, *ns;
	size_t i;

	if (md == NULL) {
		fail(p, "metadata missing");
		return NULL;
	}
	uid = get_str(p, md, "uid", "metadata.uid is not a string");
	name = get_str(p, md, "name", "metadata.name is not a string");
	ns = get_str(p, md, "namespace", "metadata.namespace is not a string");
	if (uid == NULL || uid[0] == '\0')
		fail(p, "metadata.uid missing");
	if (name == NULL || name[0] == '\0')
		fail(p, "metadata.name missing");
	if (namespaced && (ns == NULL || ns[0] == '\0'))
		fail(p, "metadata.namespace missing");
	if (p->bad)
		return NULL;
	p->ob->uid = dup_str(p, uid);
	p->ob->name = dup_str(p, name);
	p->ob->ns = namespaced ? dup_str(p, ns) : NULL;
	p->ob->start = get_time(p, md, "creationTimestamp", "metadata.creationTimestamp is bad");
	p->ob->deleted_at =
		get_time(p, md, "deletionTimestamp", "metadata.deletionTimestamp is bad");
	refs = get_typed(p, md, "ownerReferences", JSON_ARRAY, "ownerReferences is not a list");
	json_array_foreach(refs, i, ref)
	{
		const json_t *ctl = json_object_get(ref, "controller");

		if (!json_is_true(ctl))
			continue;
		p->ob->owner_kind = dup_str(p, get_str(p, ref, "kind", "ownerReferences.kind"));
		p->ob->owner_name = dup_str(p, get_str(p, ref, "name", "ownerReferences.name"));
		p->ob->owner_uid = dup_str(p, get_str(p, ref, "uid", "ownerReferences.uid"));
		if (p->ob->owner_kind == NULL || p->ob->owner_name == NULL)
			fail(p, "controller ownerReference without kind or name");
		break;
	}
	return md;
}

static void
parse_labels(struct parse *p, const json_t *md, const char *const *keys, unsigned int nkeys)
{
	const json_t *labels = get_typed(p, md, "labels", JSON_OBJECT, "metadata.labels is bad");

	for (unsigned int k = 0; labels != NULL && k < nkeys; k++) {
		const char *v = get_str(p, labels, keys[k], "a label is not a string");
		size_t n;
		char *kv;

		if (v == NULL || p->ob->nlabels >= VG_K8S_WHO_LABELS)
			continue;
		n = strlen(keys[k]) + strlen(v) + 2;
		kv = malloc(n);
		if (kv == NULL) {
			fail(p, "out of memory");
			return;
		}
		snprintf(kv, n, "%s=%s", keys[k], v);
		p->ob->labels[p->ob->nlabels++] = kv;
	}
}

/* A hostNetwork pod's declared ports (its containers listen on the node's address). */
static void
parse_ports(struct parse *p, const json_t *spec)
{
	const json_t *cs = get_typed(p, spec, "containers", JSON_ARRAY, "spec.containers is bad");
	const json_t *c, *ports, *port;
	size_t i, j;

	json_array_foreach(cs, i, c)
	{
		ports = get_typed(p, c, "ports", JSON_ARRAY, "containers.ports is bad");
		json_array_foreach(ports, j, port)
		{
			json_int_t n = json_integer_value(json_object_get(port, "containerPort"));

			if (n > 0 && n < 65536 && p->ob->nports < K8S_MAX_PORTS)
				p->ob->ports[p->ob->nports++] = (uint16_t)n;
		}
	}
}

/*
 * The latest finishedAt of the terminated containers, or NONE; *all: every
 * container listed has terminated.
 */
static int64_t
last_finish(struct parse *p, const json_t *status, bool *all)
{
	const json_t *cs = get_typed(
		p, status, "containerStatuses", JSON_ARRAY, "status.containerStatuses is bad");
	const json_t *c;
	int64_t end = K8S_TIME_NONE;
	size_t i;

	*all = json_array_size(cs) > 0;
	json_array_foreach(cs, i, c)
	{
		const json_t *t = json_object_get(json_object_get(c, "state"), "terminated");
		int64_t f;

		if (!json_is_object(t)) {
			*all = false;
			continue;
		}
		f = get_time(p, t, "finishedAt", "terminated.finishedAt is bad");
		if (f != K8S_TIME_NONE && f > end)
			end = f;
	}
	return end;
}

static void
parse_pod(struct parse *p, const json_t *o, const json_t *md, const char *const *labels,
	unsigned int nlabels)
{
	const json_t *spec = get_typed(p, o, "spec", JSON_OBJECT, "spec is not an object");
	const json_t *status = get_typed(p, o, "status", JSON_OBJECT, "status is not an object");
	const json_t *ips, *ip;
	const char *phase;
	int64_t t, fin;
	bool all;
	size_t i;

	parse_labels(p, md, labels, nlabels);
	if (spec != NULL) {
		p->ob->node = dup_str(p, get_str(p, spec, "nodeName", "spec.nodeName is bad"));
		p->ob->host_network = json_is_true(json_object_get(spec, "hostNetwork"));
		if (p->ob->host_network)
			parse_ports(p, spec);
	}
	if (status == NULL)
		return;
	ips = get_typed(p, status, "podIPs", JSON_ARRAY, "status.podIPs is not a list");
	json_array_foreach(ips, i, ip)
		add_addr(p, get_str(p, ip, "ip", "podIPs.ip is bad"), "a pod IP does not parse");
	add_addr(p, get_str(p, status, "podIP", "status.podIP is bad"),
		"status.podIP does not parse");
	t = get_time(p, status, "startTime", "status.startTime is bad");
	if (t != K8S_TIME_NONE)
		p->ob->start = t;
	phase = get_str(p, status, "phase", "status.phase is bad");
	fin = last_finish(p, status, &all);
	if (all)
		p->ob->finished = fin;
	/* A finished pod's IP is free again: its interval ends at its last container's end. */
	if (phase != NULL && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0)) {
		p->ob->end = fin;
		if (p->ob->end == K8S_TIME_NONE)
			p->ob->end = p->ob->start; /* no time known: it holds nothing from now on */
	}
}

static void
parse_service(struct parse *p, const json_t *o)
{
	const json_t *spec = get_typed(p, o, "spec", JSON_OBJECT, "spec is not an object");
	const json_t *ips, *ip;
	size_t i;

	if (spec == NULL)
		return;
	ips = get_typed(p, spec, "clusterIPs", JSON_ARRAY, "spec.clusterIPs is not a list");
	json_array_foreach(ips, i, ip)
	{
		if (!json_is_string(ip)) {
			fail(p, "a cluster IP is not a string");
			return;
		}
		add_addr(p, json_string_value(ip), "a cluster IP does not parse");
	}
	add_addr(p, get_str(p, spec, "clusterIP", "spec.clusterIP is bad"),
		"spec.clusterIP does not parse");
}

static void
parse_node(struct parse *p, const json_t *o)
{
	const json_t *status = get_typed(p, o, "status", JSON_OBJECT, "status is not an object");
	const json_t *addrs, *a;
	size_t i;

	addrs = status ? get_typed(p, status, "addresses", JSON_ARRAY, "status.addresses is bad")
		       : NULL;
	json_array_foreach(addrs, i, a)
	{
		const char *type = get_str(p, a, "type", "addresses.type is bad");

		if (type != NULL &&
			(strcmp(type, "InternalIP") == 0 || strcmp(type, "ExternalIP") == 0))
			add_addr(p, get_str(p, a, "address", "addresses.address is bad"),
				"a node address does not parse");
	}
}

static void
parse_slice(struct parse *p, const json_t *o, const json_t *md)
{
	const json_t *labels = json_object_get(md, "labels");
	const json_t *eps = get_typed(p, o, "endpoints", JSON_ARRAY, "endpoints is not a list");
	const char *type = get_str(p, o, "addressType", "addressType is bad");
	const json_t *ep;
	size_t i, n = json_array_size(eps);

	p->ob->service = dup_str(
		p, json_string_value(json_object_get(labels, "kubernetes.io/service-name")));
	/* Only IP slices name addresses (FQDN slices have no defined meaning). */
	if (type == NULL || (strcmp(type, "IPv4") != 0 && strcmp(type, "IPv6") != 0) || n == 0)
		return;
	if (n > K8S_MAX_ENDPOINTS)
		n = K8S_MAX_ENDPOINTS;
	p->ob->eps = calloc(n, sizeof(*p->ob->eps));
	if (p->ob->eps == NULL) {
		fail(p, "out of memory");
		return;
	}
	json_array_foreach(eps, i, ep)
	{
		const json_t *addrs =
			get_typed(p, ep, "addresses", JSON_ARRAY, "endpoint addresses bad");
		const json_t *ref = get_typed(p, ep, "targetRef", JSON_OBJECT, "targetRef is bad");
		struct k8s_endpoint *e = &p->ob->eps[p->ob->neps];
		const char *a0 = json_string_value(json_array_get(addrs, 0));

		if (i >= n || p->bad)
			break;
		if (a0 == NULL || addr_parse(a0, &e->addr) != 0) {
			fail(p, "an endpoint address does not parse");
			break;
		}
		if (ref != NULL && json_is_string(json_object_get(ref, "kind")) &&
			strcmp(json_string_value(json_object_get(ref, "kind")), "Pod") == 0)
			e->pod = dup_str(p, get_str(p, ref, "name", "targetRef.name is bad"));
		p->ob->neps++;
	}
}

struct k8s_obj *
k8s_obj_parse(enum vg_k8s_kind kind, const json_t *o, const char *const *labels,
	unsigned int nlabels, char *err, size_t errlen)
{
	struct parse p = {.err = err, .errlen = errlen};
	const json_t *md;

	if (!json_is_object(o)) {
		snprintf(err, errlen, "not a JSON object");
		return NULL;
	}
	p.ob = calloc(1, sizeof(*p.ob));
	if (p.ob == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p.ob->kind = (uint8_t)kind;
	p.ob->end = p.ob->finished = p.ob->deleted_at = K8S_TIME_NONE;
	md = parse_meta(&p, o, kind != VG_K8S_NODE);
	if (!p.bad) {
		switch (kind) {
		case VG_K8S_POD:
			parse_pod(&p, o, md, labels, nlabels);
			break;
		case VG_K8S_SERVICE:
			parse_service(&p, o);
			break;
		case VG_K8S_NODE:
			parse_node(&p, o);
			break;
		case VG_K8S_ENDPOINTSLICE:
			parse_slice(&p, o, md);
			break;
		default: /* ReplicaSet, Job: the owner reference is all */
			break;
		}
	}
	if (p.bad) {
		k8s_obj_free(p.ob);
		return NULL;
	}
	return p.ob;
}

void
k8s_obj_free(struct k8s_obj *ob)
{
	if (ob == NULL)
		return;
	free(ob->uid);
	free(ob->ns);
	free(ob->name);
	free(ob->owner_kind);
	free(ob->owner_name);
	free(ob->owner_uid);
	free(ob->node);
	for (unsigned int i = 0; i < ob->nlabels; i++)
		free(ob->labels[i]);
	free(ob->service);
	for (uint32_t i = 0; i < ob->neps; i++)
		free(ob->eps[i].pod);
	free(ob->eps);
	free(ob);
}
