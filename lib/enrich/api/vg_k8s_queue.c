/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "vg_k8s_queue.h"

int
vg_k8s_queue_init(struct vg_k8s_queue *q, uint32_t cap)
{
	pthread_condattr_t ca;

	q->ev = calloc(cap, sizeof(*q->ev));
	if (q->ev == NULL)
		return -1;
	q->cap = cap;
	q->head = q->count = 0;
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->room, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

void
vg_k8s_qev_free(struct vg_k8s_qev *ev)
{
	json_decref(ev->obj);
	free(ev->msg);
	ev->obj = NULL;
	ev->msg = NULL;
}

void
vg_k8s_queue_fini(struct vg_k8s_queue *q)
{
	for (uint32_t i = 0; i < q->count; i++)
		vg_k8s_qev_free(&q->ev[(q->head + i) % q->cap]);
	free(q->ev);
	q->ev = NULL;
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->room);
}

int
vg_k8s_queue_push(struct vg_k8s_queue *q, struct vg_k8s_qev *ev, uint32_t wait_ms)
{
	struct timespec until;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q->lock);
	while (q->count == q->cap && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&q->room, &q->lock, &until);
	if (q->count == q->cap) {
		pthread_mutex_unlock(&q->lock);
		vg_k8s_qev_free(ev);
		return -1;
	}
	q->ev[(q->head + q->count) % q->cap] = *ev;
	q->count++;
	pthread_mutex_unlock(&q->lock);
	return 0;
}

uint32_t
vg_k8s_queue_pop(struct vg_k8s_queue *q, struct vg_k8s_qev *out, uint32_t max)
{
	uint32_t n = 0;

	pthread_mutex_lock(&q->lock);
	while (n < max && q->count > 0) {
		out[n++] = q->ev[q->head];
		q->head = (q->head + 1) % q->cap;
		q->count--;
	}
	if (n > 0)
		pthread_cond_broadcast(&q->room);
	pthread_mutex_unlock(&q->lock);
	return n;
}

uint32_t
vg_k8s_queue_count(struct vg_k8s_queue *q)
{
	uint32_t n;

	pthread_mutex_lock(&q->lock);
	n = q->count;
	pthread_mutex_unlock(&q->lock);
	return n;
}
