/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Kafka sink against librdkafka's in-process mock cluster (no broker is
 * packaged in Debian): records go to a topic per log and are consumed back,
 * each exactly once; a broker that is down fills the sink's bounded queue,
 * then every further record is dropped and counted exactly, and a put stays
 * short (measured); back up, the queued records are delivered, none twice;
 * records whose delivery times out count as send_failed; records still queued
 * at exit as unsent_at_exit. Prints "kafka: N checks, M failed".
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vg_sink.h"
#include "vg_test.h"

#define N1    3000 /* records with the broker up */
#define QUEUE 1000 /* the sink's queue */
#define N2    5000 /* records put while the broker is down */
#define NMAX  (N1 + N2 + 200)

static unsigned int seen[NMAX];

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct vg_sinks *
kafka_sink(const char *bootstraps, const char *opts)
{
	struct vg_sink_url u;
	char url[512], err[512];
	struct vg_sinks *s;

	snprintf(url, sizeof(url), "kafka://%s?%s", bootstraps, opts);
	if (vg_sink_url_parse(url, &u, err, sizeof(err)) != 0) {
		fprintf(stderr, "kafka: %s\n", err);
		return NULL;
	}
	s = vg_sinks_create(&u, 1, err, sizeof(err));
	if (s == NULL)
		fprintf(stderr, "kafka: %s\n", err);
	return s;
}

/* Record seq goes to conn (even) or dns (odd); returns the put's duration. */
static uint64_t
put(struct vg_sinks *s, unsigned int seq)
{
	char line[256];
	int n = snprintf(
		line, sizeof(line), "{\"ts\":1700000000.0,\"seq\":%u,\"uid\":\"C%u\"}\n", seq, seq);
	uint64_t t0 = mono_ns();

	vg_sinks_put(s, seq % 2 ? "dns" : "conn", line, (size_t)n, NULL, 0);
	return mono_ns() - t0;
}

static struct vg_sink_stats
stats(struct vg_sinks *s)
{
	struct vg_sink_stats st;

	vg_sinks_stats(s, 0, &st);
	return st;
}

/* Waits up to ms for sent (or a drop reason when d >= 0) to reach want. */
static bool
wait_for(struct vg_sinks *s, int d, uint64_t want, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		struct vg_sink_stats st = stats(s);

		if ((d < 0 ? st.sent : st.dropped[d]) >= want)
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * Consumes both topics from the start into seen[] until want messages came or
 * 15 s passed; a message on the wrong topic or not ours counts as bad.
 */
static unsigned int
consume(const char *bootstraps, unsigned int want, unsigned int *bad)
{
	char err[512];
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	rd_kafka_t *rk;
	rd_kafka_topic_partition_list_t *parts;
	unsigned int got = 0;

	memset(seen, 0, sizeof(seen));
	*bad = 0;
	rd_kafka_conf_set(c, "bootstrap.servers", bootstraps, err, sizeof(err));
	rd_kafka_conf_set(c, "group.id", "vigil-test", err, sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
	if (rk == NULL)
		return 0;
	parts = rd_kafka_topic_partition_list_new(2);
	rd_kafka_topic_partition_list_add(parts, "vigil.conn", 0)->offset =
		RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_topic_partition_list_add(parts, "vigil.dns", 0)->offset =
		RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	for (uint64_t end = mono_ns() + 15000000000ULL; got < want && mono_ns() < end;) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
		unsigned int seq;
		char text[256];

		if (m == NULL)
			continue;
		if (m->err == 0) {
			size_t l = m->len < sizeof(text) - 1 ? m->len : sizeof(text) - 1;

			memcpy(text, m->payload, l);
			text[l] = '\0';
			const char *topic = rd_kafka_topic_name(m->rkt);

			if (sscanf(text, "{\"ts\":1700000000.0,\"seq\":%u,", &seq) == 1 &&
				seq < NMAX && text[l - 1] == '}' &&
				strcmp(topic, seq % 2 ? "vigil.dns" : "vigil.conn") == 0) {
				seen[seq]++;
				got++;
			} else {
				(*bad)++;
			}
		}
		rd_kafka_message_destroy(m);
	}
	/* A moment for anything beyond want (a duplicate) to show. */
	for (uint64_t end = mono_ns() + 300000000ULL; mono_ns() < end;) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 50);

		if (m != NULL) {
			if (m->err == 0)
				(*bad)++;
			rd_kafka_message_destroy(m);
		}
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return got;
}

static unsigned int
count_seen(unsigned int from, unsigned int to, unsigned int times)
{
	unsigned int n = 0;

	for (unsigned int i = from; i < to; i++)
		n += seen[i] == times;
	return n;
}

int
main(void)
{
	char err[512];
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	rd_kafka_t *owner;
	rd_kafka_mock_cluster_t *mc;
	const char *boot;
	struct vg_sinks *s, *t;
	struct vg_sink_stats st;
	unsigned int bad;

	rd_kafka_conf_set(c, "log_level", "2", err, sizeof(err));
	owner = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
	mc = owner ? rd_kafka_mock_cluster_new(owner, 1) : NULL;
	CHECK(mc != NULL);
	if (mc == NULL)
		return 1;
	boot = rd_kafka_mock_cluster_bootstraps(mc);
	rd_kafka_mock_topic_create(mc, "vigil.conn", 1, 1);
	rd_kafka_mock_topic_create(mc, "vigil.dns", 1, 1);

	/* s: the sink under test; t: short delivery timeout, for send_failed. */
	s = kafka_sink(boot,
		"topic_prefix=vigil.&linger_ms=5&batch=500&queue=1000&"
		"drain_ms=1000&kafka.reconnect.backoff.max.ms=200");
	t = kafka_sink(boot,
		"topic_prefix=vigil.&linger_ms=5&queue=1000&timeout_ms=1000&"
		"drain_ms=200");
	CHECK(s != NULL && t != NULL);
	if (s == NULL || t == NULL)
		return 1;

	/* 1. Broker up: every record delivered, consumed back once. */
	for (unsigned int i = 0; i < N1; i++) {
		put(s, i);
		if (i % 500 == 499)
			CHECK(wait_for(s, -1, i + 1, 10000));
	}
	CHECK(wait_for(s, -1, N1, 10000));
	st = stats(s);
	CHECK_EQ(st.sent, N1);
	CHECK_EQ(st.dropped[VG_SINK_DROP_QUEUE_FULL], 0);
	CHECK_EQ(consume(boot, N1, &bad), N1);
	CHECK_EQ(count_seen(0, N1, 1), N1);
	CHECK_EQ(bad, 0);
	printf("kafka: broker up: %u records delivered and consumed back once\n", N1);

	/* 2. Broker down: the queue takes QUEUE, every later record is a counted drop. */
	CHECK_EQ(rd_kafka_mock_broker_set_down(mc, 1), 0);
	usleep(300000);
	uint64_t worst = 0, total = 0;

	for (unsigned int i = N1; i < N1 + N2; i++) {
		uint64_t d = put(s, i);

		total += d;
		worst = d > worst ? d : worst;
	}
	for (unsigned int i = 0; i < 10; i++)
		put(t, NMAX - 10 + i);
	st = stats(s);
	printf("kafka: broker down: %u puts, mean %.0f ns, worst %.3f ms; queued %llu, "
	       "queue_full %llu\n",
		N2, (double)total / N2, worst / 1e6, (unsigned long long)st.queued,
		(unsigned long long)st.dropped[VG_SINK_DROP_QUEUE_FULL]);
	CHECK_EQ(st.dropped[VG_SINK_DROP_QUEUE_FULL], N2 - QUEUE);
	CHECK_EQ(st.queued, QUEUE);
	CHECK_EQ(st.sent, N1);
	/* A put never waits for the broker: a copy into librdkafka's queue. */
	CHECK(total / N2 < 50000);
	/* t's records time out (1 s) while the broker is down: send_failed. */
	CHECK(wait_for(t, VG_SINK_DROP_SEND_FAILED, 10, 8000));
	CHECK_EQ(stats(t).dropped[VG_SINK_DROP_SEND_FAILED], 10);

	/* 3. Back up: the queued records are delivered, none twice, the dropped never. */
	CHECK_EQ(rd_kafka_mock_broker_set_up(mc, 1), 0);
	CHECK(wait_for(s, -1, N1 + QUEUE, 15000));
	CHECK_EQ(consume(boot, N1 + QUEUE, &bad), N1 + QUEUE);
	CHECK_EQ(count_seen(0, N1 + QUEUE, 1), N1 + QUEUE);
	CHECK_EQ(count_seen(N1 + QUEUE, N1 + N2, 0), N2 - QUEUE);
	CHECK_EQ(bad, 0);
	printf("kafka: broker back: %u queued records delivered once, %u dropped never sent\n",
		QUEUE, N2 - QUEUE);

	/* 4. Down again at exit: what is queued is counted unsent_at_exit. */
	CHECK_EQ(rd_kafka_mock_broker_set_down(mc, 1), 0);
	usleep(300000);
	for (unsigned int i = 0; i < 100; i++)
		put(s, N1 + N2 + i);
	vg_sinks_stop(s);
	vg_sinks_stop(t);
	st = stats(s);
	CHECK_EQ(st.dropped[VG_SINK_DROP_AT_EXIT], 100);
	CHECK_EQ(st.offered, N1 + N2 + 100);
	uint64_t all = st.sent;

	for (int d = 0; d < VG_SINK_DROP_N; d++)
		all += st.dropped[d];
	CHECK_EQ(all, st.offered);
	vg_sinks_print(s, stdout, "kafka");
	vg_sinks_print(t, stdout, "kafka");
	vg_sinks_free(s);
	vg_sinks_free(t);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(owner);
	printf("kafka: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed != 0;
}
