/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the inventory: an API object reduced to what the k8s columns need
 * (vg_k8s_obj.c parses it from the API's JSON), keyed by metadata.uid.
 */
#ifndef VG_K8S_OBJ_H
#define VG_K8S_OBJ_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "vg_k8s.h"

#define K8S_MAX_ADDRS     16   /* addresses kept per object (podIPs, clusterIPs, node addresses) */
#define K8S_MAX_PORTS     16   /* declared container ports kept per hostNetwork pod */
#define K8S_MAX_ENDPOINTS 1000 /* endpoints per slice (the API's own limit) */
#define K8S_TIME_NONE     INT64_MIN

/* One endpoint of an EndpointSlice: its first address and the pod it names. */
struct k8s_endpoint {
	struct vg_addr addr;
	char *pod; /* targetRef name when targetRef.kind is Pod, else NULL */
};

struct k8s_holder;

struct k8s_obj {
	uint8_t kind; /* enum vg_k8s_kind */
	bool seen;    /* seen since the kind's list_begin */
	char *uid, *ns, *name;
	char *owner_kind, *owner_name, *owner_uid; /* the controller owner reference */
	int64_t start;                             /* pod: startTime; else creationTimestamp */
	int64_t end;                               /* pod: finished (terminal phase), else NONE */
	int64_t finished;   /* pod: the last container's end when all have ended, else NONE */
	int64_t deleted_at; /* metadata.deletionTimestamp, or NONE */
	struct vg_addr addrs[K8S_MAX_ADDRS];
	uint8_t naddrs;
	/* pod */
	char *node;
	char *labels[VG_K8S_WHO_LABELS]; /* "key=value" */
	uint8_t nlabels;
	bool host_network;
	uint16_t ports[K8S_MAX_PORTS];
	uint8_t nports;
	/* endpoint slice: the Service it belongs to, and its endpoints */
	char *service;
	struct k8s_endpoint *eps;
	uint32_t neps;

	struct k8s_holder *holders;  /* live address intervals of this object */
	struct k8s_obj *hnext;       /* uid hash chain */
	struct k8s_obj *prev, *next; /* the kind's list */
};

/*
 * Parses an object of a kind; NULL with a one-line reason in err when a field
 * the inventory needs is missing or malformed. labels: the keys to keep.
 */
struct k8s_obj *k8s_obj_parse(enum vg_k8s_kind kind, const json_t *o, const char *const *labels,
	unsigned int nlabels, char *err, size_t errlen);
void k8s_obj_free(struct k8s_obj *ob);

/* RFC 3339 time ("2024-05-01T10:00:00Z", fraction and offset allowed) in ns; -1 if bad. */
int k8s_time_parse(const char *s, int64_t *ns);

#endif /* VG_K8S_OBJ_H */
