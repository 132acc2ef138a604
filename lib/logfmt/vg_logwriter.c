/* SPDX-License-Identifier: BSD-3-Clause */
/* One directory of Zeek logs: a file per log, opened on its first record. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vg_logfmt.h"
#include "vg_record.h"

#define WRITER_BUF (1u << 20)

struct log_file {
	FILE *fp;
	uint64_t count;
};

struct vg_logwriter {
	struct vg_logwriter_cfg cfg;
	char dir[PATH_MAX];
	struct log_file files[VG_LOG_MAX];
	struct vg_buf line;
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

struct vg_logwriter *
vg_logwriter_create(const struct vg_logwriter_cfg *cfg)
{
	struct vg_logwriter *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->cfg = *cfg;
	snprintf(w->dir, sizeof(w->dir), "%s", cfg->dir ? cfg->dir : ".");
	w->cfg.dir = w->dir;
	return w;
}

static FILE *
open_log(struct vg_logwriter *w, const struct vg_schema *s)
{
	struct log_file *lf = &w->files[s->id];
	char path[PATH_MAX + 64];

	if (lf->fp != NULL)
		return lf->fp;
	snprintf(path, sizeof(path), "%s/%s.log", w->dir, s->path);
	lf->fp = fopen(path, "w");
	if (lf->fp == NULL)
		return NULL;
	setvbuf(lf->fp, NULL, _IOFBF, WRITER_BUF);
	if (!w->cfg.json) {
		struct vg_buf hdr = {0};

		vg_logfmt_tsv_header(&hdr, s, w->cfg.features, wall_now());
		fwrite(hdr.p, 1, hdr.len, lf->fp);
		vg_buf_free(&hdr);
	}
	return lf->fp;
}

int
vg_logwriter_write(struct vg_logwriter *w, const uint8_t *rec, uint32_t len)
{
	const struct vg_schema *s;
	FILE *fp;
	int rc;

	if (len < 8 || (s = vg_schema_get(vg_rec_log_id(rec))) == NULL) {
		w->bad++;
		return -1;
	}
	vg_buf_reset(&w->line);
	if (w->cfg.json)
		rc = vg_logfmt_json(&w->line, w->cfg.features, rec, len);
	else
		rc = vg_logfmt_tsv(&w->line, w->cfg.features, rec, len);
	if (rc != 0) {
		w->bad++;
		return -1;
	}
	fp = open_log(w, s);
	if (fp == NULL || fwrite(w->line.p, 1, w->line.len, fp) != w->line.len) {
		if (w->err == 0)
			w->err = errno ? errno : EIO;
		return -1;
	}
	w->files[s->id].count++;
	return 0;
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
	int rc = w->err ? -1 : 0;

	for (unsigned i = 0; i < VG_LOG_MAX; i++) {
		FILE *fp = w->files[i].fp;

		if (fp == NULL)
			continue;
		if (!w->cfg.json) {
			char stamp[32];
			time_t t = (time_t)wall_now();
			struct tm tm;

			gmtime_r(&t, &tm);
			strftime(stamp, sizeof(stamp), "%Y-%m-%d-%H-%M-%S", &tm);
			fprintf(fp, "#close\t%s\n", stamp);
		}
		if (fclose(fp) != 0)
			rc = -1;
	}
	vg_buf_free(&w->line);
	free(w);
	return rc;
}
