/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The files framework (Zeek's Files::): a file is a stream of bytes that an
 * analyzer found inside a connection (an HTTP body, an SMTP MIME part, FTP
 * data, a certificate). The framework gives it a fuid ("F" + base62), hashes
 * it as it streams (md5/sha1/sha256 through libcrypto's EVP, off by default
 * as in a default Zeek, which loads no hash policy), sniffs its MIME type from
 * its first bytes with vigil's own magic table, and writes files.log when it
 * ends.
 *
 * Per-worker state (one pool per thread, allocated at the thread's first
 * file, never per packet): at most `pool_files` files open at once; a file
 * that finds the pool empty is not tracked and is counted in
 * vg_files_stats.pool_exhausted.
 *
 * Contract status: this is the interface analyzers are written against; the
 * files owner may extend it (and updates callers in the same commit).
 */
#ifndef VG_FILES_H
#define VG_FILES_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_schema.h"

struct vg_an_ctx;
struct vg_file;

#define VG_FUID_LEN  24   /* buffer size for a fuid, NUL included */
#define VG_FILE_BOF  1024 /* bytes kept for MIME sniffing (Zeek: 4096) */
#define VG_FILE_NAME 256  /* filename bytes kept */

/* What the analyzer knows when a file starts. */
struct vg_file_info {
	const char *source;   /* files.log source: "HTTP", "SMTP", "FTP_DATA", "SSL" */
	bool is_orig;         /* sent by the connection's originator */
	uint32_t depth;       /* Zeek's depth: the HTTP transaction, the MIME entity, ... */
	int64_t total_bytes;  /* Content-Length or similar; -1 unknown */
	const char *filename; /* from Content-Disposition etc.; NULL none */
	uint32_t filename_len;
	const char *parent_fuid; /* NULL none */
	uint32_t seq;            /* the analyzer's running number of this file in the connection */
};

/* Process-wide settings, set before the workers start. */
struct vg_files_config {
	uint32_t pool_files;    /* files open at once per worker (0: default 4096) */
	bool md5, sha1, sha256; /* hash every file (Zeek: policy/frameworks/files/hash-all-files) */
	uint64_t seed;          /* mixed into fuids (the run's uid seed) */
};
void vg_files_configure(const struct vg_files_config *cfg);

/* This worker's counters. */
struct vg_files_stats {
	uint64_t begun;
	uint64_t logged;
	uint64_t pool_exhausted; /* files not tracked: the pool was empty */
	uint64_t log_drops;      /* files.log records the ring refused */
};
void vg_files_stats_get(struct vg_files_stats *out);
/* The same as named counters (files_begun, ...), for --stats, stats.log, telemetry. */
struct vg_an_counters;
extern const struct vg_an_counters vg_files_counters;

/*
 * Starts a file; NULL when the pool is exhausted (counted, and the analyzer
 * carries on without a file). The fuid is in *fuid_out (VG_FUID_LEN bytes).
 */
struct vg_file *vg_file_begin(
	struct vg_an_ctx *cx, const struct vg_file_info *info, char *fuid_out);
/* Zeek's SetSize: the file's total size became known. */
void vg_file_set_total(struct vg_file *f, int64_t total);
/* The next bytes of the file, in order. */
void vg_file_data(struct vg_an_ctx *cx, struct vg_file *f, const uint8_t *data, uint32_t len);
/*
 * The same without moving the file's clock: the bytes are part of a unit
 * (a line) that Zeek delivers only when it is complete; vg_file_touch()
 * then marks that moment. A file begun this way takes its ts at that touch.
 */
void vg_file_data_untimed(struct vg_file *f, const uint8_t *data, uint32_t len);
void vg_file_touch(struct vg_an_ctx *cx, struct vg_file *f);
/* The file's ts is taken at the next touch (its first bytes were untimed). */
void vg_file_set_untimed_start(struct vg_file *f);
/* `len` bytes of the file are missing (a content gap). */
void vg_file_gap(struct vg_an_ctx *cx, struct vg_file *f, uint64_t len);
/*
 * True once the MIME type was decided (Zeek's file_sniff: the first
 * VG_FILE_BOF bytes were seen, a gap came, or the file ended); the type is
 * then vg_file_mime() (NULL: no signature matched).
 */
bool vg_file_sniffed(const struct vg_file *f);
/* Decides the MIME type now from what was seen (before vg_file_end). */
void vg_file_sniff_now(struct vg_file *f);
const char *vg_file_mime(const struct vg_file *f);
/*
 * True when as many bytes were seen or missed as the file's total size
 * (Zeek's File::IsComplete: the file ends there, whatever the protocol does).
 */
bool vg_file_complete(const struct vg_file *f);
/* Ends the file and writes files.log; f is invalid afterwards. */
void vg_file_end(struct vg_an_ctx *cx, struct vg_file *f);

/* The MIME type of a buffer by vigil's magic table, or NULL. */
const char *vg_mime_sniff(const uint8_t *data, uint32_t len);

/* files.log: its schema (the id is set when the log is registered). */
enum vg_files_col {
	VG_FILES_TS,
	VG_FILES_FUID,
	VG_FILES_UID,
	VG_FILES_ORIG_H,
	VG_FILES_ORIG_P,
	VG_FILES_RESP_H,
	VG_FILES_RESP_P,
	VG_FILES_SOURCE,
	VG_FILES_DEPTH,
	VG_FILES_ANALYZERS,
	VG_FILES_MIME_TYPE,
	VG_FILES_FILENAME,
	VG_FILES_DURATION,
	VG_FILES_LOCAL_ORIG,
	VG_FILES_IS_ORIG,
	VG_FILES_SEEN_BYTES,
	VG_FILES_TOTAL_BYTES,
	VG_FILES_MISSING_BYTES,
	VG_FILES_OVERFLOW_BYTES,
	VG_FILES_TIMEDOUT,
	VG_FILES_PARENT_FUID,
	VG_FILES_MD5,
	VG_FILES_SHA1,
	VG_FILES_SHA256,
	VG_FILES_EXTRACTED,
	VG_FILES_EXTRACTED_CUTOFF,
	VG_FILES_EXTRACTED_SIZE,
	VG_FILES_NCOLS
};
extern struct vg_schema vg_files_schema;

#endif /* VG_FILES_H */
