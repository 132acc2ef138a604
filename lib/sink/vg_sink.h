/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sinks: outputs beside the log files that take each record's line — stdout,
 * syslog (RFC 5424) over UDP, TCP (octet counting, RFC 6587) or TLS
 * (RFC 5425), and Kafka (librdkafka). One process feeds any number of them.
 *
 * The record path never waits for a sink: vg_sinks_put copies the line into
 * the sink's bounded queue (stdout and syslog: a single-producer ring drained
 * by the sink's own sender thread; Kafka: librdkafka's queue, whose threads
 * send). A full queue drops the record and counts it, per sink and reason.
 * Delivery is at most once: a record is handed to a connection once; one
 * that was in flight when the connection broke is counted as send_failed and
 * never sent again. doc/vigil-logd.md has the URL scheme and the counters.
 */
#ifndef VG_SINK_H
#define VG_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define VG_SINK_MAX      16  /* sinks per process */
#define VG_SINK_PATH_MAX 512 /* a file named by a URL option */
#define VG_SINK_PROP_MAX 8   /* kafka.* pass-through properties per URL */

enum vg_sink_kind {
	VG_SINK_STDOUT,
	VG_SINK_SYSLOG_UDP,
	VG_SINK_SYSLOG_TCP,
	VG_SINK_SYSLOG_TLS,
	VG_SINK_KAFKA,
};

/* Why a record did not reach a sink; each has its own counter. */
enum vg_sink_drop {
	VG_SINK_DROP_QUEUE_FULL,  /* the sink's queue was full (a stalled peer or broker) */
	VG_SINK_DROP_TOO_LARGE,   /* larger than the sink can take (a datagram, the queue) */
	VG_SINK_DROP_SEND_FAILED, /* in flight when the connection broke; Kafka: delivery failed */
	VG_SINK_DROP_AT_EXIT,     /* still queued when the drain time at exit ran out */
	VG_SINK_DROP_N,
};

/* A parsed --sink URL (vg_sink_url_parse). */
struct vg_sink_url {
	enum vg_sink_kind kind;
	char name[300];              /* scheme://host:port (no options): the sink's label */
	char host[256];              /* syslog: a host name or address; Kafka: bootstrap list */
	uint16_t port;               /* syslog */
	bool tsv;                    /* stdout: format=tsv */
	uint32_t queue;              /* records the queue holds */
	uint64_t queue_bytes;        /* bytes the queue holds (stdout, syslog) */
	uint32_t drain_ms;           /* how long closing waits for the queue to empty */
	uint8_t facility;            /* syslog facility (default local0) */
	char ca[VG_SINK_PATH_MAX];   /* TLS: CA bundle that verifies the server */
	char cert[VG_SINK_PATH_MAX]; /* TLS: client certificate chain (optional) */
	char key[VG_SINK_PATH_MAX];  /* TLS: its private key */
	char topic_prefix[128];      /* Kafka: topic = prefix + log name */
	uint32_t linger_ms;          /* Kafka: linger.ms */
	uint32_t batch;              /* Kafka: batch.num.messages */
	uint32_t timeout_ms;         /* Kafka: message.timeout.ms */
	int acks;                    /* Kafka: acks (-1 all, 0, 1) */
	char compression[16];        /* Kafka: compression.codec */
	unsigned int nprops;         /* Kafka: kafka.NAME=VALUE given to librdkafka as is */
	char prop_name[VG_SINK_PROP_MAX][64];
	char prop_value[VG_SINK_PROP_MAX][256];
};

/*
 * Parses one --sink URL. 0, or -1 with err holding what is wrong and what to
 * write instead (one line, without the program's name).
 */
int vg_sink_url_parse(const char *s, struct vg_sink_url *u, char *err, size_t errlen);

/* Counters of one sink; all monotonic but queued and up. */
struct vg_sink_stats {
	uint64_t offered;    /* records given to the sink */
	uint64_t sent;       /* written to the connection; Kafka: delivery reported */
	uint64_t sent_bytes; /* their bytes as framed on the wire (Kafka: payload) */
	uint64_t dropped[VG_SINK_DROP_N];
	uint64_t queued;        /* records waiting now */
	uint64_t connects;      /* connections made (syslog TCP/TLS, and UDP sockets) */
	uint64_t conn_failures; /* connection attempts that failed, and connections lost */
	bool up;                /* connected now (Kafka: a broker answered lately) */
};

struct vg_sinks;

/*
 * Starts the sinks (their threads connect in the background, with backoff).
 * NULL with err set when one cannot start (a TLS file that does not load, a
 * Kafka property librdkafka refuses).
 */
struct vg_sinks *vg_sinks_create(
	const struct vg_sink_url *urls, unsigned int n, char *err, size_t errlen);
/* True when a sink takes TSV lines (stdout with format=tsv). */
bool vg_sinks_want_tsv(const struct vg_sinks *s);
/*
 * One record for every sink: its log's name, its JSON line and, when
 * vg_sinks_want_tsv, its TSV line (each may end in a newline, not needed).
 * Never blocks: a sink whose queue is full counts a drop.
 */
void vg_sinks_put(struct vg_sinks *s, const char *log, const char *json, size_t jlen,
	const char *tsv, size_t tlen);
unsigned int vg_sinks_count(const struct vg_sinks *s);
/* The label of sink i (the URL without its options). */
const char *vg_sinks_name(const struct vg_sinks *s, unsigned int i);
/* Counters of sink i; safe from any thread while the sinks run. */
void vg_sinks_stats(const struct vg_sinks *s, unsigned int i, struct vg_sink_stats *out);
/*
 * One line per sink for --stats: "PROG: sink NAME offered N sent N queued N
 * queue_full N too_large N send_failed N unsent_at_exit N connects N
 * conn_failures N".
 */
void vg_sinks_print(const struct vg_sinks *s, FILE *f, const char *prog);
/* A drop reason's name: queue_full, too_large, send_failed, unsent_at_exit. */
const char *vg_sink_drop_name(enum vg_sink_drop d);
/*
 * Stops the sinks: each waits up to its drain_ms for its queue to be sent,
 * then what is left is counted as unsent_at_exit. Counters stay readable.
 */
void vg_sinks_stop(struct vg_sinks *s);
void vg_sinks_free(struct vg_sinks *s);

/*
 * Frames one syslog message (RFC 5424): <PRI>1 TIMESTAMP HOSTNAME vigil
 * PROCID MSGID - MSG, with MSGID the log's name and the JSON line as MSG.
 * With octet_count (TCP, TLS: RFC 6587 section 3.4.1, RFC 5425) the frame is
 * preceded by its length and a space. Returns the frame's length, or 0 when
 * it does not fit in cap.
 */
size_t vg_syslog_frame(char *out, size_t cap, bool octet_count, uint8_t facility, int64_t time_us,
	const char *hostname, uint32_t pid, const char *msgid, size_t msgid_len, const char *msg,
	size_t msg_len);

#endif /* VG_SINK_H */
