/* SPDX-License-Identifier: BSD-3-Clause */
/* The set of sinks a process feeds: each record goes to every one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vg_sink_int.h"

struct vg_sinks {
	unsigned int n;
	bool want_tsv;
	struct sink *s[VG_SINK_MAX];
};

static const char *const drop_names[VG_SINK_DROP_N] = {
	[VG_SINK_DROP_QUEUE_FULL] = "queue_full",
	[VG_SINK_DROP_TOO_LARGE] = "too_large",
	[VG_SINK_DROP_SEND_FAILED] = "send_failed",
	[VG_SINK_DROP_AT_EXIT] = "unsent_at_exit",
};

const char *
vg_sink_drop_name(enum vg_sink_drop d)
{
	return d < VG_SINK_DROP_N ? drop_names[d] : "?";
}

struct vg_sinks *
vg_sinks_create(const struct vg_sink_url *urls, unsigned int n, char *err, size_t errlen)
{
	struct vg_sinks *set = calloc(1, sizeof(*set));

	if (set == NULL || n > VG_SINK_MAX) {
		snprintf(err, errlen, "at most %d sinks, or out of memory", VG_SINK_MAX);
		free(set);
		return NULL;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct sink *s = urls[i].kind == VG_SINK_KAFKA
			? vg_sink_kafka_new(&urls[i], err, errlen)
			: vg_sink_stream_new(&urls[i], err, errlen);

		if (s == NULL) {
			vg_sinks_free(set);
			return NULL;
		}
		set->s[set->n++] = s;
		if (urls[i].kind == VG_SINK_STDOUT && urls[i].tsv)
			set->want_tsv = true;
	}
	return set;
}

bool
vg_sinks_want_tsv(const struct vg_sinks *set)
{
	return set != NULL && set->want_tsv;
}

static size_t
chomp(const char *p, size_t n)
{
	return n > 0 && p[n - 1] == '\n' ? n - 1 : n;
}

void
vg_sinks_put(struct vg_sinks *set, const char *log, const char *json, size_t jlen, const char *tsv,
	size_t tlen)
{
	struct timespec ts;
	size_t loglen = strlen(log);
	int64_t now_us;

	if (set == NULL || set->n == 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	now_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	jlen = chomp(json, jlen);
	if (tsv != NULL)
		tlen = chomp(tsv, tlen);
	for (unsigned int i = 0; i < set->n; i++) {
		struct sink *s = set->s[i];
		bool t = s->url.kind == VG_SINK_STDOUT && s->url.tsv && tsv != NULL;

		ADD(s->c.offered, 1);
		s->put(s, log, loglen, t ? tsv : json, t ? tlen : jlen, now_us);
	}
}

unsigned int
vg_sinks_count(const struct vg_sinks *set)
{
	return set ? set->n : 0;
}

const char *
vg_sinks_name(const struct vg_sinks *set, unsigned int i)
{
	return set && i < set->n ? set->s[i]->url.name : "";
}

void
vg_sinks_stats(const struct vg_sinks *set, unsigned int i, struct vg_sink_stats *o)
{
	memset(o, 0, sizeof(*o));
	if (set == NULL || i >= set->n)
		return;
	struct sink *s = set->s[i];

	o->offered = RD(s->c.offered);
	o->sent = RD(s->c.sent);
	o->sent_bytes = RD(s->c.sent_bytes);
	for (int d = 0; d < VG_SINK_DROP_N; d++)
		o->dropped[d] = RD(s->c.dropped[d]);
	o->queued = s->queued(s);
	o->connects = RD(s->c.connects);
	o->conn_failures = RD(s->c.conn_failures);
	o->up = RD(s->c.up) != 0;
}

void
vg_sinks_print(const struct vg_sinks *set, FILE *f, const char *prog)
{
	for (unsigned int i = 0; i < vg_sinks_count(set); i++) {
		struct vg_sink_stats st;

		vg_sinks_stats(set, i, &st);
		fprintf(f, "%s: sink %s offered %llu sent %llu queued %llu", prog,
			vg_sinks_name(set, i), (unsigned long long)st.offered,
			(unsigned long long)st.sent, (unsigned long long)st.queued);
		for (int d = 0; d < VG_SINK_DROP_N; d++)
			fprintf(f, " %s %llu", drop_names[d], (unsigned long long)st.dropped[d]);
		fprintf(f, " connects %llu conn_failures %llu\n", (unsigned long long)st.connects,
			(unsigned long long)st.conn_failures);
	}
}

void
vg_sinks_stop(struct vg_sinks *set)
{
	if (set == NULL)
		return;
	/* Every sink drains at once: the longest drain_ms bounds the wait. */
	for (unsigned int i = 0; i < set->n; i++)
		if (set->s[i]->begin_stop != NULL)
			set->s[i]->begin_stop(set->s[i]);
	for (unsigned int i = 0; i < set->n; i++)
		set->s[i]->stop(set->s[i]);
}

void
vg_sinks_free(struct vg_sinks *set)
{
	if (set == NULL)
		return;
	for (unsigned int i = 0; i < set->n; i++)
		set->s[i]->free(set->s[i]);
	free(set);
}
