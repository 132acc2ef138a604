/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The export policy (doc/policy.md): per log, whether a record goes out at
 * all. A policy is read from YAML (config/policy.yaml documents every key):
 * per log on/off, a sampling rate by connection, include/exclude rules on the
 * record's addresses, ports, service and DNS query and on the Kubernetes
 * context of both ends, and columns to drop.
 *
 * Sampling is by connection: the key is the record's uid (else its fuid,
 * else its bytes), hashed with FNV-1a 64 from a seed (sample_seed, default
 * 0) and finished with the splitmix64 mixer; a record is kept when the hash
 * is below rate * 2^64. Every process and every log computes the same hash
 * for a uid, so all logs of a kept connection are kept together, and a uid
 * kept at a lower rate is also kept at any higher one.
 *
 * The live side (struct vg_policy_ctl) is what a writer consults and the
 * console changes: the current policy, the counts per log (offered,
 * exported, dropped by reason, events and bytes) and their rates. The
 * writer, the console and reloads run on one thread; other threads (the
 * metrics server) only read the published figures, with relaxed loads.
 */
#ifndef VG_POLICY_H
#define VG_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vg_schema.h"

/* A compiled policy file. */
struct vg_policy;
/* One end's Kubernetes context (lib/enrich/vg_k8s.h). */
struct vg_k8s_who;

/* Why a record was not exported. */
enum vg_policy_verdict {
	VG_POLICY_KEEP,
	VG_POLICY_DROP_OFF,    /* the log is off */
	VG_POLICY_DROP_FILTER, /* an exclude rule matched, or no include rule did */
	VG_POLICY_DROP_SAMPLE, /* its connection was not sampled */
	VG_POLICY_NVERDICTS
};

/* The largest policy file read. */
#define VG_POLICY_MAX_FILE (1u << 20)

/*
 * Compiles a policy from YAML text; name is what errors call it (the file
 * name). The logs must be registered (their names and columns are checked).
 * NULL with one line in err: "NAME:LINE: what is wrong; what to do".
 */
struct vg_policy *vg_policy_parse(
	const char *text, size_t len, const char *name, char *err, size_t errlen);
/* Reads and compiles a file; NULL with one line in err. */
struct vg_policy *vg_policy_load(const char *path, char *err, size_t errlen);
/* The policy without a file: every log on, everything kept. */
struct vg_policy *vg_policy_keep_all(void);
void vg_policy_free(struct vg_policy *p);

/* The decision for one binary record and the two ends' context (NULL: unknown). */
enum vg_policy_verdict vg_policy_decide(const struct vg_policy *p, const uint8_t *rec, uint32_t len,
	const struct vg_k8s_who *orig, const struct vg_k8s_who *resp);

/* The sampling hash of a key (see above). */
uint64_t vg_policy_key_hash(const void *key, size_t n, uint64_t seed);
/* The columns dropped from a log: bit i is the schema's column i. */
uint64_t vg_policy_drop_mask(const struct vg_policy *p, uint16_t log_id);
bool vg_policy_log_enabled(const struct vg_policy *p, uint16_t log_id);
double vg_policy_log_sample(const struct vg_policy *p, uint16_t log_id);
/* Console changes to one log (the policy stays otherwise as loaded). */
void vg_policy_set_enabled(struct vg_policy *p, uint16_t log_id, bool on);
void vg_policy_set_sample(struct vg_policy *p, uint16_t log_id, double rate);
/* "0.1", "1", "0": a rate in [0, 1]; -1 otherwise. */
int vg_policy_parse_rate(const char *s, double *out);
/* The log id of "dns" or "dns.log", or -1. */
int vg_policy_log_id(const char *name);

/* Text out: the console's answer or a file, a line at a time. */
typedef void vg_policy_print_fn(void *arg, const char *text);

/* The policy as it stands: its source, each log's settings and rules. */
void vg_policy_describe(const struct vg_policy *p, vg_policy_print_fn *out, void *arg);

/* ---- the live policy ---- */

/* One log's counts; relaxed atomics, one writer. */
struct vg_policy_counts {
	uint64_t offered, offered_bytes;       /* records that reached the policy */
	uint64_t exported, exported_bytes;     /* records written */
	uint64_t dropped[VG_POLICY_NVERDICTS]; /* by verdict (KEEP unused) */
};

/* Rates over the last second or so, per log. */
struct vg_policy_rates {
	double offered, offered_bytes, exported, exported_bytes;
};

struct vg_policy_ctl {
	struct vg_policy *cur; /* never NULL once initialised */
	uint64_t gen;          /* bumped on every change: writers re-read the drop masks */
	char path[4096];       /* the policy file, or "" */
	struct vg_policy_counts count[VG_LOG_MAX];
	/* Published for other threads (relaxed): rates and settings. */
	struct vg_policy_rates rate[VG_LOG_MAX];
	uint32_t sample_ppm[VG_LOG_MAX]; /* rate * 1e6 */
	uint8_t enabled[VG_LOG_MAX];
	uint64_t reloads, reload_errors;
	/* Where changes and errors are told (stderr, reporter.log); NULL: stderr. */
	void (*say)(void *arg, bool error, const char *msg);
	void *say_arg;
	/* Private: the file as last read, and the rates' last sample. */
	struct {
		bool have;
		dev_t dev;
		ino_t ino;
		off_t size;
		int64_t mtime_ns;
	} file;
	uint64_t prev_ns;
	struct vg_policy_counts prev[VG_LOG_MAX];
	uint64_t stats_prev_ns;
	struct vg_policy_counts stats_prev[VG_LOG_MAX];
};

/*
 * Starts with the file at path (NULL: keep everything). -1 with one line in
 * err when the file does not compile (nothing is running yet: the caller
 * stops).
 */
int vg_policy_ctl_init(struct vg_policy_ctl *c, const char *path, char *err, size_t errlen);
void vg_policy_ctl_fini(struct vg_policy_ctl *c);

/*
 * The writer, for each record: counts it offered (bytes: its formatted
 * line) and returns the verdict, counting a drop by its reason. A kept
 * record is counted exported by vg_policy_ctl_exported once written.
 */
static inline enum vg_policy_verdict
vg_policy_ctl_offer(struct vg_policy_ctl *c, uint16_t log_id, const uint8_t *rec, uint32_t len,
	const struct vg_k8s_who *orig, const struct vg_k8s_who *resp, size_t line_bytes)
{
	struct vg_policy_counts *k = &c->count[log_id];
	enum vg_policy_verdict v = vg_policy_decide(c->cur, rec, len, orig, resp);

	__atomic_store_n(&k->offered, k->offered + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&k->offered_bytes, k->offered_bytes + line_bytes, __ATOMIC_RELAXED);
	if (v != VG_POLICY_KEEP)
		__atomic_store_n(&k->dropped[v], k->dropped[v] + 1, __ATOMIC_RELAXED);
	return v;
}

static inline void
vg_policy_ctl_exported(struct vg_policy_ctl *c, uint16_t log_id, size_t line_bytes)
{
	struct vg_policy_counts *k = &c->count[log_id];

	__atomic_store_n(&k->exported, k->exported + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&k->exported_bytes, k->exported_bytes + line_bytes, __ATOMIC_RELAXED);
}

/*
 * Reads the file again. On success the new policy applies from the next
 * record (console changes are replaced by the file) and 0 is returned; on
 * a parse error the running policy stays, the error is told and counted,
 * and -1 is returned. why says who asked ("SIGHUP", "console", "file
 * changed"). msg gets the one-line outcome.
 */
int vg_policy_ctl_reload(struct vg_policy_ctl *c, const char *why, char *msg, size_t msglen);
/*
 * Once a second: the rates, and a reload when the file changed (its
 * size, mtime or inode). now_ns: CLOCK_MONOTONIC.
 */
void vg_policy_ctl_tick(struct vg_policy_ctl *c, uint64_t now_ns);
/*
 * `set log NAME on|off|sample RATE`: args is "on", "off" or "sample 0.1".
 * 0 with the change told (and in msg), -1 with a one-line reason in msg.
 */
int vg_policy_ctl_set_log(
	struct vg_policy_ctl *c, const char *name, const char *args, char *msg, size_t msglen);
/* `show logs`: per log on/off, sample, rates and totals offered and exported, drops. */
void vg_policy_ctl_show_logs(const struct vg_policy_ctl *c, vg_policy_print_fn *out, void *arg);

/*
 * export_stats.log (registered with the sensor's logs): one row per log
 * that offered records since the last call, the counts over that interval.
 * ts_ns: the rows' ts (wall clock); mono_ns: CLOCK_MONOTONIC for ts_delta.
 * The first call only starts the interval. Each row goes to emit.
 */
extern struct vg_schema vg_export_stats_schema;
void vg_policy_ctl_stats_rows(struct vg_policy_ctl *c, uint64_t ts_ns, uint64_t mono_ns,
	void (*emit)(void *arg, const uint8_t *rec, uint32_t len), void *arg);

/*
 * The process's live policy for consoles that are not handed one (the
 * sensor's `set log NAME sample R`); NULL when the process has none.
 */
extern struct vg_policy_ctl *vg_policy_process;

#endif /* VG_POLICY_H */
