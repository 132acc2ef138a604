/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One directory of Zeek logs: a file per log, opened on its first record,
 * rotated by size or age into Zeek's rotated names.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vg_logfmt.h"
#include "vg_policy.h"
#include "vg_logfmt_k8s.h"
#include "vg_record.h"
#include "vg_sink.h"

#define WRITER_BUF (1u << 20)

struct log_file {
	FILE *fp;         /* the open <path>.log, or NULL */
	uint64_t count;   /* records written, over all of this log's files */
	uint64_t bytes;   /* bytes in the open file, header included */
	double open_time; /* wall-clock time the open file was started (its #open) */
};

struct vg_logwriter {
	struct vg_logwriter_cfg cfg;
	char dir[PATH_MAX];
	struct log_file files[VG_LOG_MAX];
	uint64_t drop[VG_LOG_MAX];                  /* columns left out, per log */
	uint64_t policy_gen;                        /* cfg.policy's gen its masks are from */
	struct vg_logfmt_idcols idcols[VG_LOG_MAX]; /* where ts and id are, per log */
	struct vg_logfmt_k8s_cache *k8s_cache;      /* the k8s columns' texts, with cfg.k8s */
	struct vg_buf line;
	struct vg_buf sink_line; /* the line in the sinks' other format */
	uint64_t bad;
	int err;
};

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Zeek's time stamp of #open, #close and rotated names: UTC, to the second. */
static void
zeek_stamp(char *buf, size_t n, double t)
{
	time_t s = (time_t)t;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, n, "%Y-%m-%d-%H-%M-%S", &tm);
}

static void
note_error(struct vg_logwriter *w)
{
	if (w->err == 0)
		w->err = errno ? errno : EIO;
}

struct vg_logwriter *
vg_logwriter_create(const struct vg_logwriter_cfg *cfg)
{
	struct vg_logwriter *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->cfg = *cfg;
	snprintf(w->dir, sizeof(w->dir), "%s", cfg->dir ? cfg->dir : ".");
	w->cfg.dir = w->dir;
	if (cfg->k8s != NULL && (w->k8s_cache = vg_logfmt_k8s_cache_new()) == NULL) {
		free(w);
		return NULL;
	}
	return w;
}

/*
 * Renames <dir>/<log>.log to <dir>/<log>.<stamp of open_time>.log, Zeek's
 * rotated name. Two files opened in the same second (small --rotate-size)
 * would share it, so a taken name gets .1, .2, ... before ".log"; an existing
 * file is never replaced.
 */
static int
rename_rotated(struct vg_logwriter *w, const char *log, double open_time)
{
	char from[PATH_MAX + 64], to[PATH_MAX + 96], stamp[32];

	snprintf(from, sizeof(from), "%s/%s.log", w->dir, log);
	zeek_stamp(stamp, sizeof(stamp), open_time);
	for (unsigned int n = 0; n < 10000; n++) {
		if (n == 0)
			snprintf(to, sizeof(to), "%s/%s.%s.log", w->dir, log, stamp);
		else
			snprintf(to, sizeof(to), "%s/%s.%s.%u.log", w->dir, log, stamp, n);
		if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == EEXIST)
			continue;
		if (errno != EINVAL && errno != ENOSYS)
			return -1;
		/* A file system without RENAME_NOREPLACE: check, then rename. */
		if (access(to, F_OK) == 0)
			continue;
		return rename(from, to);
	}
	errno = EEXIST;
	return -1;
}

/*
 * The open time of a <log>.log left by an earlier run: its #open line (TSV),
 * else (JSON) the time it was last written.
 */
static double
leftover_open_time(const char *path, const struct stat *st)
{
	char head[4096];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(head, 1, sizeof(head) - 1, f);
		fclose(f);
	}
	head[n] = '\0';
	for (char *p = head; p != NULL && *p == '#'; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		struct tm tm;
		char *end;

		if (strncmp(p, "#open\t", 6) != 0)
			continue;
		memset(&tm, 0, sizeof(tm));
		end = strptime(p + 6, "%Y-%m-%d-%H-%M-%S", &tm);
		if (end != NULL && (*end == '\n' || *end == '\0'))
			return (double)timegm(&tm);
		break;
	}
	return (double)st->st_mtime;
}

static const struct vg_logfmt_idcols *
log_idcols(struct vg_logwriter *w, const struct vg_schema *s)
{
	struct vg_logfmt_idcols *ic = &w->idcols[s->id];

	if (!ic->found)
		vg_logfmt_idcols_find(s, w->cfg.features, ic);
	return ic;
}

static FILE *
open_log(struct vg_logwriter *w, const struct vg_schema *s)
{
	struct log_file *lf = &w->files[s->id];
	char path[PATH_MAX + 64];
	struct stat st;

	if (lf->fp != NULL)
		return lf->fp;
	snprintf(path, sizeof(path), "%s/%s.log", w->dir, s->path);
	/* A file of an earlier run (perhaps killed: no #close) is moved aside, never cut. */
	if (w->cfg.keep_old && stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
		rename_rotated(w, s->path, leftover_open_time(path, &st)) != 0)
		return NULL;
	lf->fp = fopen(path, "w");
	if (lf->fp == NULL)
		return NULL;
	setvbuf(lf->fp, NULL, _IOFBF, WRITER_BUF);
	lf->open_time = wall_now();
	lf->bytes = 0;
	if (!w->cfg.json) {
		struct vg_buf hdr = {0};

		bool k8s = w->cfg.k8s != NULL && log_idcols(w, s)->has_id;

		vg_logfmt_tsv_header_cols(&hdr, s, w->cfg.features, w->drop[s->id],
			k8s ? vg_logfmt_k8s_cols : NULL, k8s ? VG_K8S_COLS : 0, lf->open_time);
		if (fwrite(hdr.p, 1, hdr.len, lf->fp) != hdr.len)
			note_error(w);
		lf->bytes = hdr.len;
		vg_buf_free(&hdr);
	}
	return lf->fp;
}

/* Ends the open file of a log: #close (TSV), close, and the rotated name if asked. */
static int
close_log(struct vg_logwriter *w, uint16_t id, double now, bool rotate)
{
	struct log_file *lf = &w->files[id];
	int rc = 0;

	if (lf->fp == NULL)
		return 0;
	if (!w->cfg.json) {
		char stamp[32];

		zeek_stamp(stamp, sizeof(stamp), now);
		fprintf(lf->fp, "#close\t%s\n", stamp);
	}
	if (fclose(lf->fp) != 0) {
		note_error(w);
		rc = -1;
	}
	lf->fp = NULL;
	if (rotate && rename_rotated(w, vg_schema_get(id)->path, lf->open_time) != 0) {
		note_error(w);
		rc = -1;
	}
	return rc;
}

static void
tally_add(struct vg_log_tally *t, uint16_t id, size_t bytes)
{
	if (t == NULL)
		return;
	__atomic_store_n(&t->records[id], t->records[id] + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&t->bytes[id], t->bytes[id] + bytes, __ATOMIC_RELAXED);
}

static bool
too_old(const struct vg_logwriter *w, const struct log_file *lf, double now)
{
	return w->cfg.rotate_secs != 0 && lf->fp != NULL &&
		now - lf->open_time >= (double)w->cfg.rotate_secs;
}

/* 4. the sinks (lib/sink) take the JSON line, and TSV when one asks for it. */
static void
to_sinks(struct vg_logwriter *w, const struct vg_schema *s, const struct vg_k8s_who *who,
	const uint8_t *rec, uint32_t len)
{
	bool tsv = vg_sinks_want_tsv(w->cfg.sinks);
	struct vg_buf *o = &w->sink_line, *json = w->cfg.json ? &w->line : o;

	if (!w->cfg.json || tsv) {
		vg_buf_reset(o);
		if ((w->cfg.json ? vg_logfmt_tsv_drop : vg_logfmt_json_drop)(
			    o, w->cfg.features, w->drop[s->id], rec, len) != 0)
			return;
		if (who != NULL)
			vg_logfmt_k8s_append(w->k8s_cache, o, !w->cfg.json, who);
	}
	const struct vg_buf *t = w->cfg.json ? o : &w->line;

	vg_sinks_put(
		w->cfg.sinks, s->path, json->p, json->len, tsv ? t->p : NULL, tsv ? t->len : 0);
}

/* The policy's columns per log (lib/policy), again after each change of it. */
static void
policy_drops(struct vg_logwriter *w)
{
	w->policy_gen = w->cfg.policy->gen;
	for (uint16_t id = 0; id < VG_LOG_MAX; id++)
		vg_logwriter_set_drop(w, id, vg_policy_drop_mask(w->cfg.policy->cur, id));
}

int
vg_logwriter_write(struct vg_logwriter *w, const uint8_t *rec, uint32_t len)
{
	const struct vg_schema *s;
	const struct vg_logfmt_idcols *ic;
	struct vg_k8s_who who[2];
	struct log_file *lf;
	bool k8s;
	FILE *fp;
	int rc;

	if (len < 8 || (s = vg_schema_get(vg_rec_log_id(rec))) == NULL) {
		w->bad++;
		return -1;
	}
	if (w->cfg.policy != NULL && w->policy_gen != w->cfg.policy->gen)
		policy_drops(w);
	ic = log_idcols(w, s);
	/* 1. enrich: what both addresses were at the record's ts. */
	k8s = w->cfg.k8s != NULL && ic->has_id;
	if (k8s)
		vg_logfmt_k8s_who(w->cfg.k8s, ic, rec, len, who);
	/* 3. format: the log's columns minus its drop mask, then the k8s columns. */
	vg_buf_reset(&w->line);
	if (w->cfg.json)
		rc = vg_logfmt_json_drop(&w->line, w->cfg.features, w->drop[s->id], rec, len);
	else
		rc = vg_logfmt_tsv_drop(&w->line, w->cfg.features, w->drop[s->id], rec, len);
	if (rc != 0) {
		w->bad++;
		return -1;
	}
	if (k8s)
		vg_logfmt_k8s_append(w->k8s_cache, &w->line, w->cfg.json, who);
	/* 2. policy: keep or drop, counted per log as offered (bytes: the whole line). */
	if (w->cfg.policy != NULL &&
		vg_policy_ctl_offer(w->cfg.policy, s->id, rec, len, k8s ? &who[0] : NULL,
			k8s ? &who[1] : NULL, w->line.len) != VG_POLICY_KEEP)
		return 0;
	lf = &w->files[s->id];
	if (w->cfg.rotate_secs != 0) {
		double now = wall_now();

		if (too_old(w, lf, now))
			close_log(w, s->id, now, true);
	}
	fp = open_log(w, s);
	if (fp == NULL || fwrite(w->line.p, 1, w->line.len, fp) != w->line.len ||
		(w->cfg.write_through && fflush(fp) != 0)) {
		note_error(w);
		return -1;
	}
	lf->count++;
	lf->bytes += w->line.len;
	tally_add(w->cfg.tally, s->id, w->line.len);
	if (w->cfg.sinks != NULL)
		to_sinks(w, s, k8s ? who : NULL, rec, len);
	if (w->cfg.policy != NULL)
		vg_policy_ctl_exported(w->cfg.policy, s->id, w->line.len);
	/* The record is written; a failed rotation shows in vg_logwriter_error(). */
	if (w->cfg.rotate_bytes != 0 && lf->bytes >= w->cfg.rotate_bytes)
		close_log(w, s->id, wall_now(), true);
	return 0;
}

int
vg_logwriter_tick(struct vg_logwriter *w, double now)
{
	for (uint16_t i = 0; i < VG_LOG_MAX; i++)
		if (too_old(w, &w->files[i], now))
			close_log(w, i, now, true);
	return w->err ? -1 : 0;
}

int
vg_logwriter_rotate(struct vg_logwriter *w)
{
	double now = wall_now();

	for (uint16_t i = 0; i < VG_LOG_MAX; i++)
		close_log(w, i, now, true);
	return w->err ? -1 : 0;
}

int
vg_logwriter_reopen(struct vg_logwriter *w)
{
	double now = wall_now();

	for (uint16_t i = 0; i < VG_LOG_MAX; i++) {
		struct log_file *lf = &w->files[i];
		char path[PATH_MAX + 64];
		struct stat open_st, path_st;

		if (lf->fp == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s.log", w->dir, vg_schema_get(i)->path);
		if (fstat(fileno(lf->fp), &open_st) == 0 && stat(path, &path_st) == 0 &&
			open_st.st_dev == path_st.st_dev && open_st.st_ino == path_st.st_ino) {
			if (fflush(lf->fp) != 0)
				note_error(w);
			continue;
		}
		close_log(w, i, now, false);
	}
	return w->err ? -1 : 0;
}

int
vg_logwriter_flush(struct vg_logwriter *w)
{
	for (uint16_t i = 0; i < VG_LOG_MAX; i++)
		if (w->files[i].fp != NULL && fflush(w->files[i].fp) != 0)
			note_error(w);
	return w->err ? -1 : 0;
}

int
vg_logwriter_set_drop(struct vg_logwriter *w, uint16_t log_id, uint64_t mask)
{
	if (log_id >= VG_LOG_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (w->drop[log_id] == mask)
		return 0;
	w->drop[log_id] = mask;
	return close_log(w, log_id, wall_now(), true);
}

uint64_t
vg_logwriter_count(const struct vg_logwriter *w, uint16_t log_id)
{
	return log_id < VG_LOG_MAX ? w->files[log_id].count : 0;
}

uint64_t
vg_logwriter_bad(const struct vg_logwriter *w)
{
	return w->bad;
}

int
vg_logwriter_error(const struct vg_logwriter *w)
{
	return w->err;
}

int
vg_logwriter_close(struct vg_logwriter *w)
{
	if (w == NULL)
		return 0;
	double now = wall_now();

	for (uint16_t i = 0; i < VG_LOG_MAX; i++)
		close_log(w, i, now, false);
	int rc = w->err ? -1 : 0;

	vg_buf_free(&w->line);
	vg_buf_free(&w->sink_line);
	vg_logfmt_k8s_cache_free(w->k8s_cache);
	free(w);
	return rc;
}
