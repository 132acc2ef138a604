/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The files framework: a per-worker pool of open files, fuids, streaming
 * hashes and files.log (Zeek's base/frameworks/files/main.zeek).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "vg_analyzer.h"
#include "vg_files.h"
#include "vg_flow.h"
#include "vg_record.h"

#define F(n, t)                                                                                    \
	{                                                                                          \
		n, VG_FT_##t, VG_FEAT_BASE                                                         \
	}
static const struct vg_field files_fields[VG_FILES_NCOLS] = {
	[VG_FILES_TS] = F("ts", TIME),
	[VG_FILES_FUID] = F("fuid", STRING),
	[VG_FILES_UID] = F("uid", STRING),
	[VG_FILES_ORIG_H] = F("id.orig_h", ADDR),
	[VG_FILES_ORIG_P] = F("id.orig_p", PORT),
	[VG_FILES_RESP_H] = F("id.resp_h", ADDR),
	[VG_FILES_RESP_P] = F("id.resp_p", PORT),
	[VG_FILES_SOURCE] = F("source", STRING),
	[VG_FILES_DEPTH] = F("depth", COUNT),
	[VG_FILES_ANALYZERS] = F("analyzers", SET_STRING),
	[VG_FILES_MIME_TYPE] = F("mime_type", STRING),
	[VG_FILES_FILENAME] = F("filename", STRING),
	[VG_FILES_DURATION] = F("duration", INTERVAL),
	[VG_FILES_LOCAL_ORIG] = F("local_orig", BOOL),
	[VG_FILES_IS_ORIG] = F("is_orig", BOOL),
	[VG_FILES_SEEN_BYTES] = F("seen_bytes", COUNT),
	[VG_FILES_TOTAL_BYTES] = F("total_bytes", COUNT),
	[VG_FILES_MISSING_BYTES] = F("missing_bytes", COUNT),
	[VG_FILES_OVERFLOW_BYTES] = F("overflow_bytes", COUNT),
	[VG_FILES_TIMEDOUT] = F("timedout", BOOL),
	[VG_FILES_PARENT_FUID] = F("parent_fuid", STRING),
	[VG_FILES_MD5] = F("md5", STRING),
	[VG_FILES_SHA1] = F("sha1", STRING),
	[VG_FILES_SHA256] = F("sha256", STRING),
	[VG_FILES_EXTRACTED] = F("extracted", STRING),
	[VG_FILES_EXTRACTED_CUTOFF] = F("extracted_cutoff", BOOL),
	[VG_FILES_EXTRACTED_SIZE] = F("extracted_size", COUNT),
};
#undef F

struct vg_schema vg_files_schema = {0, "files", VG_FILES_NCOLS, files_fields};

enum { H_MD5, H_SHA1, H_SHA256, H_N };

struct vg_file {
	uint8_t in_use;
	uint8_t is_orig;
	uint8_t sniffed;
	uint8_t hashing; /* EVP contexts initialised */
	uint16_t bof_len;
	uint16_t filename_len;
	uint32_t next_free;
	uint32_t depth;
	int64_t total;
	uint64_t seen, missing;
	uint64_t ts_first, ts_last;
	const char *source;
	const char *mime;
	char fuid[VG_FUID_LEN];
	char parent[VG_FUID_LEN];
	char filename[VG_FILE_NAME];
	EVP_MD_CTX *md[H_N];
	uint8_t bof[VG_FILE_BOF];
};

static struct vg_files_config cfg = {.pool_files = 4096};

struct files_pool {
	struct vg_file *files;
	uint32_t n;
	uint32_t free_head; /* index + 1; 0: empty */
	bool failed;
	struct vg_files_stats stats;
	uint8_t rec[4096];
};
static _Thread_local struct files_pool pool;

void
vg_files_configure(const struct vg_files_config *c)
{
	cfg = *c;
	if (cfg.pool_files == 0)
		cfg.pool_files = 4096;
}

void
vg_files_stats_get(struct vg_files_stats *out)
{
	*out = pool.stats;
}

static const char *const counter_names[] = {
	"files_begun",
	"files_logged",
	"files_pool_full",
	"files_log_drops",
};
VG_AN_COUNTERS(, vg_files_counters, pool.stats, counter_names);

static bool
hashing_on(void)
{
	return cfg.md5 || cfg.sha1 || cfg.sha256;
}

/* The pool is made at the thread's first file: once, never per packet. */
static bool
pool_init(void)
{
	if (pool.files)
		return true;
	if (pool.failed)
		return false;
	pool.files = calloc(cfg.pool_files, sizeof(*pool.files));
	if (!pool.files) {
		pool.failed = true;
		return false;
	}
	pool.n = cfg.pool_files;
	for (uint32_t i = 0; i < pool.n; i++) {
		pool.files[i].next_free = i + 2 <= pool.n ? i + 2 : 0;
		if (hashing_on())
			for (int h = 0; h < H_N; h++)
				pool.files[i].md[h] = EVP_MD_CTX_new();
	}
	pool.free_head = 1;
	return true;
}

static const char b62[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* A fuid from the connection's uid and the file's place in it: deterministic. */
static void
fuid_make(const char *uid, bool is_orig, uint32_t seq, char *out)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ cfg.seed;
	uint32_t n = 0;

	for (const char *p = uid; p && *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
	uint64_t hi = mix64(h ^ ((uint64_t)seq << 1 | is_orig));
	uint64_t lo = mix64(hi ^ 0x9e3779b97f4a7c15ULL);

	out[n++] = 'F';
	uint64_t v = hi >> 32;
	do {
		out[n++] = b62[v % 62];
		v /= 62;
	} while (v);
	v = lo;
	do {
		out[n++] = b62[v % 62];
		v /= 62;
	} while (v);
	out[n] = '\0';
}

struct vg_file *
vg_file_begin(struct vg_an_ctx *cx, const struct vg_file_info *info, char *fuid_out)
{
	if (!pool_init() || pool.free_head == 0) {
		pool.stats.pool_exhausted++;
		return NULL;
	}
	struct vg_file *f = &pool.files[pool.free_head - 1];
	pool.free_head = f->next_free;

	EVP_MD_CTX *md[H_N];
	memcpy(md, f->md, sizeof(md));
	memset(f, 0, offsetof(struct vg_file, bof));
	memcpy(f->md, md, sizeof(md));
	f->in_use = 1;
	f->is_orig = info->is_orig;
	f->depth = info->depth;
	f->total = info->total_bytes;
	f->source = info->source;
	f->ts_first = f->ts_last = vg_an_now(cx);
	if (info->filename) {
		f->filename_len = (uint16_t)VG_MIN(info->filename_len, VG_FILE_NAME);
		memcpy(f->filename, info->filename, f->filename_len);
	}
	if (info->parent_fuid)
		snprintf(f->parent, sizeof(f->parent), "%s", info->parent_fuid);
	fuid_make(vg_an_uid(cx), info->is_orig, info->seq, f->fuid);
	memcpy(fuid_out, f->fuid, VG_FUID_LEN);
	if (hashing_on() && f->md[0] && f->md[1] && f->md[2]) {
		f->hashing = 1;
		EVP_DigestInit_ex(f->md[H_MD5], EVP_md5(), NULL);
		EVP_DigestInit_ex(f->md[H_SHA1], EVP_sha1(), NULL);
		EVP_DigestInit_ex(f->md[H_SHA256], EVP_sha256(), NULL);
	}
	pool.stats.begun++;
	return f;
}

void
vg_file_set_total(struct vg_file *f, int64_t total)
{
	if (f)
		f->total = total;
}

void
vg_file_sniff_now(struct vg_file *f)
{
	if (!f || f->sniffed)
		return;
	f->sniffed = 1;
	f->mime = vg_mime_sniff(f->bof, f->bof_len);
}

void
vg_file_set_untimed_start(struct vg_file *f)
{
	if (f)
		f->ts_first = 0;
}

void
vg_file_touch(struct vg_an_ctx *cx, struct vg_file *f)
{
	if (!f)
		return;
	f->ts_last = vg_an_now(cx);
	if (f->ts_first == 0)
		f->ts_first = f->ts_last;
}

void
vg_file_data(struct vg_an_ctx *cx, struct vg_file *f, const uint8_t *data, uint32_t len)
{
	if (!f || len == 0)
		return;
	vg_file_touch(cx, f);
	vg_file_data_untimed(f, data, len);
}

void
vg_file_data_untimed(struct vg_file *f, const uint8_t *data, uint32_t len)
{
	if (!f || len == 0)
		return;
	f->seen += len;
	if (!f->sniffed) {
		uint32_t n = VG_MIN(len, (uint32_t)(VG_FILE_BOF - f->bof_len));
		memcpy(f->bof + f->bof_len, data, n);
		f->bof_len = (uint16_t)(f->bof_len + n);
		if (f->bof_len == VG_FILE_BOF)
			vg_file_sniff_now(f);
	}
	if (f->hashing)
		for (int h = 0; h < H_N; h++)
			EVP_DigestUpdate(f->md[h], data, len);
}

void
vg_file_gap(struct vg_an_ctx *cx, struct vg_file *f, uint64_t len)
{
	if (!f)
		return;
	f->ts_last = vg_an_now(cx);
	f->missing += len;
	vg_file_sniff_now(f); /* Zeek sniffs what it has when a gap comes */
	f->hashing = 0;       /* a hash over a file with a hole is not logged */
}

bool
vg_file_complete(const struct vg_file *f)
{
	return f && f->total >= 0 && f->seen + f->missing >= (uint64_t)f->total;
}

bool
vg_file_sniffed(const struct vg_file *f)
{
	return f && f->sniffed;
}

const char *
vg_file_mime(const struct vg_file *f)
{
	return f && f->sniffed ? f->mime : NULL;
}

static void
rec_hash(struct vg_rec *r, struct vg_file *f, int h, bool on)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char hex[2 * EVP_MAX_MD_SIZE];

	if (!f->hashing || !on || !EVP_DigestFinal_ex(f->md[h], md, &n)) {
		vg_rec_unset(r);
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		hex[2 * i] = "0123456789abcdef"[md[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[md[i] & 15];
	}
	vg_rec_str(r, hex, 2 * n);
}

static void
rec_analyzers(struct vg_rec *r, const struct vg_file *f)
{
	static const char *names[H_N] = {"MD5", "SHA1", "SHA256"};
	bool on[H_N] = {cfg.md5, cfg.sha1, cfg.sha256};
	uint16_t n = 0;

	for (int h = 0; h < H_N; h++)
		n += f->hashing && on[h];
	vg_rec_set_begin(r, n);
	for (int h = 0; h < H_N; h++)
		if (f->hashing && on[h])
			vg_rec_cstr(r, names[h]);
}

static void
file_log(struct vg_an_ctx *cx, struct vg_file *f)
{
	struct vg_rec r;
	struct vg_addr oh, rh;
	uint16_t op, rp;

	vg_an_id(cx, &oh, &op, &rh, &rp);
	vg_rec_begin(&r, pool.rec, sizeof(pool.rec), &vg_files_schema);
	vg_rec_time(&r, f->ts_first);
	vg_rec_cstr(&r, f->fuid);
	vg_rec_cstr(&r, vg_an_uid(cx));
	vg_rec_addr(&r, &oh);
	vg_rec_port(&r, op);
	vg_rec_addr(&r, &rh);
	vg_rec_port(&r, rp);
	vg_rec_cstr(&r, f->source);
	vg_rec_count(&r, f->depth);
	rec_analyzers(&r, f);
	if (f->mime)
		vg_rec_cstr(&r, f->mime);
	else
		vg_rec_unset(&r);
	if (f->filename_len)
		vg_rec_str(&r, f->filename, f->filename_len);
	else
		vg_rec_unset(&r);
	vg_rec_interval(&r, (int64_t)(f->ts_last - f->ts_first));
	/* Zeek: Site::is_local_addr of the sending side (files/main.zeek). */
	vg_rec_bool(&r, vg_addr_is_private(f->is_orig ? &oh : &rh));
	vg_rec_bool(&r, f->is_orig);
	vg_rec_count(&r, f->seen);
	if (f->total >= 0)
		vg_rec_count(&r, (uint64_t)f->total);
	else
		vg_rec_unset(&r);
	vg_rec_count(&r, f->missing);
	vg_rec_count(&r, 0); /* overflow_bytes: vigil delivers files in order */
	vg_rec_bool(&r, false);
	if (f->parent[0])
		vg_rec_cstr(&r, f->parent);
	else
		vg_rec_unset(&r);
	rec_hash(&r, f, H_MD5, cfg.md5);
	rec_hash(&r, f, H_SHA1, cfg.sha1);
	rec_hash(&r, f, H_SHA256, cfg.sha256);
	vg_rec_unset(&r); /* extracted: no extraction */
	vg_rec_unset(&r);
	vg_rec_unset(&r);
	if (vg_an_rec_write(cx, &r))
		pool.stats.logged++;
	else
		pool.stats.log_drops++;
}

void
vg_file_end(struct vg_an_ctx *cx, struct vg_file *f)
{
	if (!f || !f->in_use)
		return;
	if (f->ts_first == 0)
		vg_file_touch(cx, f);
	vg_file_sniff_now(f);
	file_log(cx, f);
	f->in_use = 0;
	f->next_free = pool.free_head;
	pool.free_head = (uint32_t)(f - pool.files) + 1;
}
