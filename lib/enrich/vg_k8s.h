/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kubernetes inventory: which pod, Service or node held an address at a given
 * time. Fed with the API's own objects (jansson) from files, a `kubectl get
 * --watch` stream or the in-cluster API client, and read by the log writer to
 * add the k8s columns (doc/k8s.md, doc/logs.md).
 *
 * Thread rule: the inventory is changed and read on one thread (the log
 * writer's). A thread that reads a network stream hands parsed events to that
 * thread through a queue the writer drains.
 */
#ifndef VG_K8S_H
#define VG_K8S_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "vg_common.h"

/* The kinds the inventory keeps. */
enum vg_k8s_kind {
	VG_K8S_POD,
	VG_K8S_SERVICE,
	VG_K8S_NODE,
	VG_K8S_ENDPOINTSLICE,
	VG_K8S_REPLICASET,
	VG_K8S_JOB,
	VG_K8S_NKINDS
};

/* A watch event's type. */
enum vg_k8s_event { VG_K8S_ADDED, VG_K8S_MODIFIED, VG_K8S_DELETED };

#define VG_K8S_WHO_SERVICES 8 /* services kept per address; more are counted */
#define VG_K8S_WHO_LABELS   8 /* selected labels kept per pod */

/*
 * What an address was at a time. Strings belong to the inventory and stay
 * valid until it is next changed; NULL (and 0, false) when not known. An
 * address nobody held is all unset.
 */
struct vg_k8s_who {
	const char *ns;            /* namespace of the pod or Service */
	const char *pod;           /* pod name */
	const char *workload;      /* top owner: Deployment, StatefulSet, DaemonSet, CronJob, ... */
	const char *workload_kind; /* its kind ("Deployment", ...) */
	const char *node;          /* the pod's node, or the node the address belongs to */
	const char
		*services[VG_K8S_WHO_SERVICES]; /* Services: the pod backs, or the cluster IP's */
	uint8_t nservices;
	const char *labels[VG_K8S_WHO_LABELS]; /* the pod's selected labels, "key=value" */
	uint8_t nlabels;
	bool host_network; /* a hostNetwork pod (its address is its node's) */
	bool is_node;      /* the address is a node's */
	bool is_service;   /* the address is a Service cluster IP */
	/*
	 * Two lookups with the same nonzero version gave the same answer (a
	 * writer may keep the columns it made for it); 0: not to be kept.
	 */
	uint64_t version;
};

/* Inventory settings. */
struct vg_k8s_cfg {
	const char *const *labels; /* label keys copied into vg_k8s_who.labels */
	unsigned int nlabels;
	uint32_t max_history; /* ended holder intervals kept in all; 0: the default */
};

#define VG_K8S_DEFAULT_HISTORY 65536

/* Counters (vg_k8s_inv_stats). */
struct vg_k8s_stats {
	uint64_t objects[VG_K8S_NKINDS]; /* objects of each kind held now */
	uint64_t events;                 /* objects applied */
	uint64_t bad_objects;            /* objects refused: missing or wrong fields */
	uint64_t holders;                /* address intervals held (live and ended) */
	uint64_t history_evicted;        /* ended intervals dropped at max_history */
	uint64_t lookups;                /* vg_k8s_lookup calls */
	uint64_t lookup_hits;            /* ... that found a holder */
	uint64_t services_truncated;     /* services past VG_K8S_WHO_SERVICES */
};

struct vg_k8s_inv;

/* A new, empty inventory; NULL when out of memory. */
struct vg_k8s_inv *vg_k8s_inv_create(const struct vg_k8s_cfg *cfg);
void vg_k8s_inv_free(struct vg_k8s_inv *inv);

/*
 * What addr (with port, for a node address shared by hostNetwork pods) was
 * at ts_ns (nanoseconds since the epoch, the record's ts). Fills *out (all
 * unset when unknown); 0 when a holder was found, -1 otherwise. No allocation.
 * inv may be NULL (nothing known).
 */
int vg_k8s_lookup(const struct vg_k8s_inv *inv, const struct vg_addr *addr, uint16_t port,
	int64_t ts_ns, struct vg_k8s_who *out);

/*
 * The event entry. A LIST is list_begin, an ADDED apply per item, list_end:
 * objects of that kind not seen since list_begin are deleted at now_ns. A
 * WATCH is one apply per event. apply returns -1 for an object it cannot use
 * (counted in bad_objects; the reason in vg_k8s_inv_error) and keeps the
 * state it had.
 */
void vg_k8s_inv_list_begin(struct vg_k8s_inv *inv, enum vg_k8s_kind kind);
int vg_k8s_inv_apply(struct vg_k8s_inv *inv, enum vg_k8s_kind kind, enum vg_k8s_event type,
	const json_t *object, int64_t now_ns);
void vg_k8s_inv_list_end(struct vg_k8s_inv *inv, enum vg_k8s_kind kind, int64_t now_ns);

/*
 * The Service a DNS name names as a pod in caller_ns would resolve it
 * ("name", "name.ns", "name.ns.svc[.domain]", a port after a colon
 * ignored): its name and namespace, NUL-terminated; false when the host is
 * not such a name (or is a bare name and caller_ns is NULL or empty).
 */
bool vg_k8s_service_name(const char *host, uint32_t len, const char *caller_ns, char *name,
	size_t name_cap, char *ns, size_t ns_cap);

/*
 * What the Service that host names (vg_k8s_service_name) was at ts_ns: the
 * who of its cluster IP. 0 when found, -1 otherwise (out all unset). A
 * writer's lookups of the same name between two changes of the inventory
 * cost a hash probe.
 */
int vg_k8s_lookup_name(const struct vg_k8s_inv *inv, const char *host, uint32_t len,
	const char *caller_ns, int64_t ts_ns, struct vg_k8s_who *out);

/* The kind named by an object's "kind" ("Pod", ...) or a list's ("PodList"); -1 if none. */
int vg_k8s_kind_parse(const char *kind);
/* "ADDED", "MODIFIED", "DELETED" (also "BOOKMARK": -1, not an object event). */
int vg_k8s_event_parse(const char *type);

/* Why the last apply refused its object (one line, no newline). */
const char *vg_k8s_inv_error(const struct vg_k8s_inv *inv);
void vg_k8s_inv_stats(const struct vg_k8s_inv *inv, struct vg_k8s_stats *out);

#endif /* VG_K8S_H */
