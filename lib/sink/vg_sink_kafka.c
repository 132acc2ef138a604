/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Kafka sink: one librdkafka producer, a topic per log (topic_prefix +
 * the log's name), the JSON line as the value, no key (librdkafka spreads
 * records over the partitions). The bounded queue is librdkafka's own
 * (queue.buffering.max.messages = queue): produce never blocks and answers
 * QUEUE_FULL when it is full, which is a counted drop. librdkafka's threads
 * batch (linger.ms, batch.num.messages) and send; a thread of ours serves the
 * delivery reports (rd_kafka_poll), which count delivered and failed records.
 * librdkafka does not retry past message.timeout.ms, and with
 * enable.idempotence off a retried batch may in rare cases be written twice
 * by the broker; the default here turns idempotence on so it is not.
 */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vg_sink_int.h"

#define TOPICS_MAX 64

struct kafka_sink {
	struct sink base;
	rd_kafka_t *rk;
	pthread_t thread;
	bool started;
	int stopping;
	unsigned int ntopics;
	struct {
		char name[64];
		rd_kafka_topic_t *rkt;
	} topics[TOPICS_MAX];
	time_t last_log; /* librdkafka's log lines: one each 30 s at most */
};

static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct kafka_sink *k = opaque;

	(void)rk;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		ADD(k->base.c.sent, 1);
		ADD(k->base.c.sent_bytes, m->len);
		SET(k->base.c.up, 1);
	} else if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
		m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
		ADD(k->base.c.dropped[VG_SINK_DROP_AT_EXIT], 1);
	} else {
		ADD(k->base.c.dropped[VG_SINK_DROP_SEND_FAILED], 1);
	}
}

static void
on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kafka_sink *k = opaque;

	(void)rk;
	(void)reason;
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
		SET(k->base.c.up, 0);
		ADD(k->base.c.conn_failures, 1);
	}
}

static void
on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	struct kafka_sink *k = rd_kafka_opaque(rk);
	time_t now = time(NULL);

	(void)level;
	if (k == NULL || now - __atomic_load_n(&k->last_log, __ATOMIC_RELAXED) < 30)
		return;
	__atomic_store_n(&k->last_log, now, __ATOMIC_RELAXED);
	fprintf(stderr, "vigil: sink %s: %s: %s (more such lines muted for 30 s)\n",
		k->base.url.name, fac, buf);
}

static rd_kafka_topic_t *
topic_for(struct kafka_sink *k, const char *log, size_t loglen)
{
	char name[sizeof(k->topics[0].name)];

	if (snprintf(name, sizeof(name), "%s%.*s", k->base.url.topic_prefix, (int)loglen, log) >=
		(int)sizeof(name))
		return NULL;
	for (unsigned int i = 0; i < k->ntopics; i++)
		if (strcmp(k->topics[i].name, name) == 0)
			return k->topics[i].rkt;
	if (k->ntopics == TOPICS_MAX)
		return NULL;
	rd_kafka_topic_t *t = rd_kafka_topic_new(k->rk, name, NULL);

	if (t == NULL)
		return NULL;
	strcpy(k->topics[k->ntopics].name, name);
	k->topics[k->ntopics++].rkt = t;
	return t;
}

static void
kafka_put(struct sink *b, const char *log, size_t loglen, const char *line, size_t len,
	int64_t now_us)
{
	struct kafka_sink *k = (struct kafka_sink *)b;
	rd_kafka_topic_t *t = topic_for(k, log, loglen);
	rd_kafka_resp_err_t e;

	(void)now_us;
	if (t == NULL) {
		ADD(b->c.dropped[VG_SINK_DROP_SEND_FAILED], 1);
		return;
	}
	if (rd_kafka_produce(t, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)line, len, NULL,
		    0, NULL) == 0)
		return;
	e = rd_kafka_last_error();
	if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL)
		ADD(b->c.dropped[VG_SINK_DROP_QUEUE_FULL], 1);
	else if (e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
		ADD(b->c.dropped[VG_SINK_DROP_TOO_LARGE], 1);
	else
		ADD(b->c.dropped[VG_SINK_DROP_SEND_FAILED], 1);
}

static uint64_t
kafka_queued(const struct sink *b)
{
	const struct kafka_sink *k = (const struct kafka_sink *)b;

	return k->rk ? (uint64_t)rd_kafka_outq_len(k->rk) : 0;
}

static void *
poller(void *arg)
{
	struct kafka_sink *k = arg;

	while (!__atomic_load_n(&k->stopping, __ATOMIC_ACQUIRE))
		rd_kafka_poll(k->rk, 100);
	return NULL;
}

static void
kafka_stop(struct sink *b)
{
	struct kafka_sink *k = (struct kafka_sink *)b;

	if (!k->started)
		return;
	__atomic_store_n(&k->stopping, 1, __ATOMIC_RELEASE);
	pthread_join(k->thread, NULL);
	k->started = false;
	/* Delivery reports are served here from now on. */
	rd_kafka_flush(k->rk, (int)b->url.drain_ms);
	rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	/* The purged records' reports (counted unsent_at_exit). */
	for (int i = 0; i < 50 && rd_kafka_outq_len(k->rk) > 0; i++)
		rd_kafka_poll(k->rk, 20);
	rd_kafka_poll(k->rk, 0);
}

static void
kafka_free(struct sink *b)
{
	struct kafka_sink *k = (struct kafka_sink *)b;

	kafka_stop(b);
	for (unsigned int i = 0; i < k->ntopics; i++)
		rd_kafka_topic_destroy(k->topics[i].rkt);
	if (k->rk != NULL)
		rd_kafka_destroy(k->rk);
	free(k);
}

static int
conf(rd_kafka_conf_t *c, const char *name, const char *value, char *err, size_t errlen,
	const char *sink)
{
	char why[256];

	if (rd_kafka_conf_set(c, name, value, why, sizeof(why)) == RD_KAFKA_CONF_OK)
		return 0;
	snprintf(err, errlen, "%s: librdkafka refuses %s=%s (%s); fix or drop that option", sink,
		name, value, why);
	return -1;
}

static rd_kafka_conf_t *
make_conf(struct kafka_sink *k, char *err, size_t errlen)
{
	const struct vg_sink_url *u = &k->base.url;
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	char n[6][24];

	snprintf(n[0], sizeof(n[0]), "%u", u->linger_ms);
	snprintf(n[1], sizeof(n[1]), "%u", u->batch);
	snprintf(n[2], sizeof(n[2]), "%u", u->queue);
	snprintf(n[3], sizeof(n[3]), "%u", u->timeout_ms);
	snprintf(n[4], sizeof(n[4]), "%d", u->acks);
	const char *kv[][2] = {
		{"bootstrap.servers", u->host},
		{"linger.ms", n[0]},
		{"batch.num.messages", n[1]},
		{"queue.buffering.max.messages", n[2]},
		{"queue.buffering.max.kbytes", "65536"},
		{"message.timeout.ms", n[3]},
		{"acks", n[4]},
		{"compression.codec", u->compression},
		{"enable.idempotence", u->acks == -1 ? "true" : "false"},
		{"client.id", "vigil"},
	};

	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		if (conf(c, kv[i][0], kv[i][1], err, errlen, u->name) != 0)
			goto bad;
	for (unsigned int i = 0; i < u->nprops; i++)
		if (conf(c, u->prop_name[i], u->prop_value[i], err, errlen, u->name) != 0)
			goto bad;
	rd_kafka_conf_set_opaque(c, k);
	rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
	rd_kafka_conf_set_error_cb(c, on_error);
	rd_kafka_conf_set_log_cb(c, on_log);
	return c;
bad:
	rd_kafka_conf_destroy(c);
	return NULL;
}

struct sink *
vg_sink_kafka_new(const struct vg_sink_url *u, char *err, size_t errlen)
{
	struct kafka_sink *k = calloc(1, sizeof(*k));
	rd_kafka_conf_t *c;
	sigset_t all, old;
	char why[512];
	int rc;

	if (k == NULL) {
		snprintf(err, errlen, "%s: out of memory", u->name);
		return NULL;
	}
	k->base.url = *u;
	k->base.put = kafka_put;
	k->base.queued = kafka_queued;
	k->base.stop = kafka_stop;
	k->base.free = kafka_free;
	c = make_conf(k, err, errlen);
	if (c == NULL) {
		free(k);
		return NULL;
	}
	/* librdkafka's threads and ours take no signal: the main thread's own. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, why, sizeof(why));
	rc = k->rk ? pthread_create(&k->thread, NULL, poller, k) : -1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (k->rk == NULL) {
		rd_kafka_conf_destroy(c);
		snprintf(err, errlen, "%s: cannot start the Kafka producer (%s)", u->name, why);
		free(k);
		return NULL;
	}
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot start a thread", u->name);
		kafka_free(&k->base);
		return NULL;
	}
	k->started = true;
	return &k->base;
}
