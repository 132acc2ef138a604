/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A bounded queue of parsed API events from the reader threads to the
 * draining thread. A mutex guards it: it is taken once per event by a reader
 * and once per batch by the drain, far from any packet path. A push into a
 * full queue waits a moment for room, then fails: the caller counts the drop.
 */
#ifndef VG_K8S_QUEUE_H
#define VG_K8S_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

enum vg_k8s_qwhat { VG_K8S_Q_BEGIN, VG_K8S_Q_EVENT, VG_K8S_Q_END, VG_K8S_Q_MESSAGE };

struct vg_k8s_qev {
	uint8_t what;   /* enum vg_k8s_qwhat */
	uint8_t kind;   /* enum vg_k8s_api_kind */
	uint8_t type;   /* enum vg_k8s_api_ev */
	int64_t now_ns; /* CLOCK_REALTIME when it was read */
	json_t *obj;    /* EVENT: owned */
	char *msg;      /* MESSAGE: owned */
};

struct vg_k8s_queue {
	pthread_mutex_t lock;
	pthread_cond_t room;
	struct vg_k8s_qev *ev;
	uint32_t cap, head, count;
};

int vg_k8s_queue_init(struct vg_k8s_queue *q, uint32_t cap);
/* Frees what is left too. */
void vg_k8s_queue_fini(struct vg_k8s_queue *q);
/*
 * Takes ev (and what it owns) when there is room within wait_ms; -1 when
 * not, and ev's object and message are freed.
 */
int vg_k8s_queue_push(struct vg_k8s_queue *q, struct vg_k8s_qev *ev, uint32_t wait_ms);
/* Up to max events into out, oldest first; how many. */
uint32_t vg_k8s_queue_pop(struct vg_k8s_queue *q, struct vg_k8s_qev *out, uint32_t max);
uint32_t vg_k8s_queue_count(struct vg_k8s_queue *q);
void vg_k8s_qev_free(struct vg_k8s_qev *ev);

#endif /* VG_K8S_QUEUE_H */
