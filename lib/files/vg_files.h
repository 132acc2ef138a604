/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The files framework (Zeek's Files::): a file is a stream of bytes that an
 * analyzer found inside a connection (an HTTP body, an SMTP MIME part, FTP
 * data, a certificate). The framework gives it a fuid ("F" + base62), hashes
 * it as it streams (md5/sha1/sha256 through libcrypto's EVP, as a default
 * Zeek logs them), sniffs its MIME type from its first bytes with vigil's own
 * magic table, and writes files.log when it ends.
 *
 * Per-worker state from a pool allocated at start; no allocation per packet.
 *
 * Contract status: this is the interface analyzers are written against; the
 * files owner may extend it (and updates callers in the same commit).
 */
#ifndef VG_FILES_H
#define VG_FILES_H

#include <stdbool.h>
#include <stdint.h>

struct vg_an_ctx;
struct vg_file;

/* What the analyzer knows when a file starts. */
struct vg_file_info {
	const char *source;   /* files.log source: "HTTP", "SMTP", "FTP_DATA", "SSL" */
	bool is_orig;         /* sent by the connection's originator */
	uint32_t depth;       /* Zeek's depth: the HTTP transaction, the MIME entity, ... */
	int64_t total_bytes;  /* Content-Length or similar; -1 unknown */
	const char *filename; /* from Content-Disposition etc.; NULL none */
	uint32_t filename_len;
	const char *parent_fuid; /* NULL none */
};

/*
 * Starts a file; NULL when the pool is exhausted (counted, and the analyzer
 * carries on without a file). The fuid is in *fuid_out (at least 24 bytes).
 */
struct vg_file *vg_file_begin(struct vg_an_ctx *cx, const struct vg_file_info *info,
	char *fuid_out);
/* The next bytes of the file, in order. */
void vg_file_data(struct vg_file *f, const uint8_t *data, uint32_t len);
/* `len` bytes of the file are missing (a content gap). */
void vg_file_gap(struct vg_file *f, uint64_t len);
/* The MIME type sniffed so far (NULL until enough bytes were seen). */
const char *vg_file_mime(const struct vg_file *f);
/* Ends the file and writes files.log; f is invalid afterwards. */
void vg_file_end(struct vg_an_ctx *cx, struct vg_file *f);

/* The MIME type of a buffer by vigil's magic table, or NULL. */
const char *vg_mime_sniff(const uint8_t *data, uint32_t len);

#endif /* VG_FILES_H */
