/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zeek log formats: turns binary records (vg_record.h) into Zeek's TSV lines
 * or JSON objects, and manages the files of one log directory (header block,
 * #open/#close lines). Runs without DPDK: used in-process by `vigil -r` and by
 * the separate vigil-logd.
 */
#ifndef VG_LOGFMT_H
#define VG_LOGFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vg_schema.h"

/* A growable output buffer. */
struct vg_buf {
	char *p;
	size_t len;
	size_t cap;
};

void vg_buf_reset(struct vg_buf *b);
void vg_buf_add(struct vg_buf *b, const char *s, size_t n);
void vg_buf_free(struct vg_buf *b);

/* Appends one record as a TSV line (with the newline); -1 if malformed. */
int vg_logfmt_tsv(struct vg_buf *out, uint32_t features, const uint8_t *rec, uint32_t len);
/* Appends one record as a JSON object line; -1 if malformed. */
int vg_logfmt_json(struct vg_buf *out, uint32_t features, const uint8_t *rec, uint32_t len);
/* Appends the TSV header block of a log (#separator ... #types). */
void vg_logfmt_tsv_header(
	struct vg_buf *out, const struct vg_schema *s, uint32_t features, double open_time);

/*
 * The same with a drop mask (schema column i is left out when bit i is set;
 * a record has at most 64 columns) and columns appended after the log's own.
 */
int vg_logfmt_tsv_drop(
	struct vg_buf *out, uint32_t features, uint64_t drop, const uint8_t *rec, uint32_t len);
int vg_logfmt_json_drop(
	struct vg_buf *out, uint32_t features, uint64_t drop, const uint8_t *rec, uint32_t len);
void vg_logfmt_tsv_header_cols(struct vg_buf *out, const struct vg_schema *s, uint32_t features,
	uint64_t drop, const struct vg_field *extra, uint16_t nextra, double open_time);

/* The value of an appended column: a string or enum, a bool, or a set of strings. */
struct vg_logfmt_val {
	bool unset;
	bool b;
	uint16_t n;               /* set: item count */
	const char *s;            /* string, enum (NUL-terminated) */
	const char *const *items; /* set: n NUL-terminated strings */
};

/*
 * Appends n columns (names and types in cols) to a line vg_logfmt_tsv_drop or
 * vg_logfmt_json_drop just wrote into out, keeping the line's end.
 */
void vg_logfmt_tsv_append(struct vg_buf *out, const struct vg_field *cols, uint16_t n,
	const struct vg_logfmt_val *vals);
void vg_logfmt_json_append(struct vg_buf *out, const struct vg_field *cols, uint16_t n,
	const struct vg_logfmt_val *vals);

struct vg_logwriter;
struct vg_policy_ctl; /* lib/policy/vg_policy.h */
struct vg_k8s_inv;
struct vg_sinks;

/*
 * Rotation: a file is ended (#close) and renamed to Zeek's rotated name
 * <path>.<YYYY-MM-DD-HH-MM-SS of its #open, UTC>.log (".N" added before ".log"
 * when that name is taken) once it holds rotate_bytes bytes, or once
 * rotate_secs have passed on the wall clock since it was opened (checked on
 * write and by vg_logwriter_tick); the next record starts a new <path>.log.
 */
/*
 * Records and bytes written per log (by log id), kept where another thread
 * can read them while the writer runs (relaxed loads; one writer at a time
 * adds to a tally). It belongs to the caller and may outlive writers.
 */
struct vg_log_tally {
	uint64_t records[VG_LOG_MAX];
	uint64_t bytes[VG_LOG_MAX];
};

struct vg_logwriter_cfg {
	const char *dir;            /* directory for the log files */
	bool json;                  /* JSON lines instead of TSV */
	uint32_t features;          /* optional columns */
	uint64_t rotate_secs;       /* rotate files this old; 0 never */
	uint64_t rotate_bytes;      /* rotate files this large; 0 never */
	bool keep_old;              /* a <path>.log found on opening is renamed, not overwritten */
	bool write_through;         /* each record reaches the kernel before write returns */
	struct vg_log_tally *tally; /* also counted here when not NULL (metrics) */
	/*
	 * Kubernetes inventory (lib/enrich): when not NULL, every log with ts,
	 * id.orig_h and id.resp_h gets the k8s columns (vg_logfmt_k8s.h).
	 */
	const struct vg_k8s_inv *k8s;
	/*
	 * Sinks (lib/sink, vg_sink.h): when not NULL, every record written to
	 * its file also goes to them as its JSON line. They belong to the
	 * caller and outlive the writer.
	 */
	struct vg_sinks *sinks;
	/* The export policy: records it drops are not written (lib/policy); NULL keeps all. */
	struct vg_policy_ctl *policy;
};

/* Opens a writer; files are created on their first record. NULL + errno. */
struct vg_logwriter *vg_logwriter_create(const struct vg_logwriter_cfg *cfg);
/*
 * Writes one record, or counts it dropped when the policy says so (0 as
 * well); -1 on a malformed record (counted in vg_logwriter_bad)
 * or an I/O error (errno, and vg_logwriter_error). With write_through the
 * line has been handed to write(2) when this returns 0.
 */
int vg_logwriter_write(struct vg_logwriter *w, const uint8_t *rec, uint32_t len);
/* Rotates the files older than rotate_secs at wall-clock time now; -1 after an I/O error. */
int vg_logwriter_tick(struct vg_logwriter *w, double now);
/* Rotates every open file now (SIGHUP); -1 after an I/O error. */
int vg_logwriter_rotate(struct vg_logwriter *w);
/*
 * After an outside rotation (logrotate renamed or removed the files, then
 * sent SIGHUP): every open file whose path no longer names it is ended
 * (#close) and closed; the next record starts a new file under the path.
 * Files still in place are only flushed. -1 after an I/O error.
 */
int vg_logwriter_reopen(struct vg_logwriter *w);
/* Hands everything buffered to the kernel; -1 after an I/O error. */
int vg_logwriter_flush(struct vg_logwriter *w);
/*
 * Leaves out a log's columns: bit i of mask drops schema column i (the k8s
 * columns stay). A change of mask ends that log's open file (#close, rotated
 * name) so that the next file's #fields is true; 0 keeps every column.
 */
int vg_logwriter_set_drop(struct vg_logwriter *w, uint16_t log_id, uint64_t mask);
/* Records written per log, and malformed records seen. */
uint64_t vg_logwriter_count(const struct vg_logwriter *w, uint16_t log_id);
uint64_t vg_logwriter_bad(const struct vg_logwriter *w);
/* The errno of the first I/O error, or 0. */
int vg_logwriter_error(const struct vg_logwriter *w);
/* Writes the #close lines, closes the files (not rotated); -1 on an I/O error. */
int vg_logwriter_close(struct vg_logwriter *w);

#endif /* VG_LOGFMT_H */
