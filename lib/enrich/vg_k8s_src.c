/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inventory files and watch streams (vg_k8s_src.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vg_common.h"
#include "vg_k8s_src.h"

#define FILE_MAX        (256u << 20) /* an inventory file larger than this is refused */
#define STREAM_MAX      (64u << 20)  /* a stream value larger than this is dropped */
#define READ_PER_POLL   (4u << 20)   /* stream bytes read per poll */
#define REPORTS_MAX     5            /* bad-object lines per file load */
#define FILE_EVERY_NS   1000000000LL
#define STREAM_EVERY_NS 100000000LL

struct file_state {
	const char *path;
	struct stat st; /* as last looked at */
	bool known;
};

struct stream {
	const char *path;
	int fd;
	char *buf;
	size_t len, cap;
	int64_t next_open; /* monotonic ns: when to reopen after the writer left */
};

struct vg_k8s_src {
	struct vg_k8s_inv *inv;
	struct vg_k8s_src_cfg cfg;
	struct file_state *files;
	struct stream *streams;
	uint32_t list_kinds;  /* kinds a List in the files held: listed on each load */
	bool listing;         /* applying a file load (items join the listing) */
	unsigned int reports; /* bad-object lines said in this load */
	unsigned int unsaid;  /* ... and not said */
	int64_t next_files, next_streams;
	struct vg_k8s_src_stats st;
};

static void
say(struct vg_k8s_src *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (s->cfg.report != NULL)
		s->cfg.report(s->cfg.ctx, line);
	else
		fprintf(stderr, "k8s: %s\n", line);
}

/* ---- one JSON value ---- */

static const char *
obj_name(const json_t *o)
{
	const char *n = json_string_value(json_object_get(json_object_get(o, "metadata"), "name"));

	return n ? n : "?";
}

static unsigned int
apply_one(
	struct vg_k8s_src *s, int kind, enum vg_k8s_event type, const json_t *o, const char *where)
{
	if (kind < 0) {
		s->st.ignored++;
		return 0;
	}
	if (vg_k8s_inv_apply(s->inv, (enum vg_k8s_kind)kind, type, o, (int64_t)vg_wall_ns()) == 0)
		return 1;
	if (s->reports < REPORTS_MAX) {
		s->reports++;
		say(s, "%s: %s %s refused: %s; keeping its last good state", where,
			json_string_value(json_object_get(o, "kind")) ?: "object", obj_name(o),
			vg_k8s_inv_error(s->inv));
	} else {
		s->unsaid++;
	}
	return 0;
}

static int
kind_of(const json_t *o, int dflt)
{
	const char *k = json_string_value(json_object_get(o, "kind"));

	return k != NULL ? vg_k8s_kind_parse(k) : dflt;
}

/*
 * A List's items, owners and endpoint slices before pods: a pod that is
 * already finished goes straight into the history with what it resolves to
 * then, so its ReplicaSet or Job and its slices must be known first.
 */
static unsigned int
apply_list(struct vg_k8s_src *s, const json_t *v, const char *where)
{
	static const int order[] = {VG_K8S_REPLICASET, VG_K8S_JOB, VG_K8S_NODE, VG_K8S_SERVICE,
		VG_K8S_ENDPOINTSLICE, VG_K8S_POD, -1};
	const char *lk = json_string_value(json_object_get(v, "kind"));
	int list_kind = lk != NULL ? vg_k8s_kind_parse(lk) : -1;
	const json_t *items = json_object_get(v, "items");
	const json_t *it;
	unsigned int n = 0;
	size_t i;

	for (unsigned int pass = 0; pass < VG_ARRAY_SIZE(order); pass++) {
		/* Items of a typed list (the API's PodList) carry no kind of their own. */
		json_array_foreach(items, i, it)
		{
			int k = kind_of(it, list_kind);

			if (k != order[pass])
				continue;
			if (s->listing && k >= 0 && !(s->list_kinds >> k & 1)) {
				/* A kind the files did not list before: list it from now on. */
				s->list_kinds |= 1u << k;
				vg_k8s_inv_list_begin(s->inv, (enum vg_k8s_kind)k);
			}
			n += apply_one(s, k, VG_K8S_ADDED, it, where);
		}
	}
	return n;
}

unsigned int
vg_k8s_src_apply_value(struct vg_k8s_src *s, const json_t *v, const char *where)
{
	const json_t *obj = json_object_get(v, "object");
	const char *type = json_string_value(json_object_get(v, "type"));

	s->st.stream_values += !s->listing;
	if (!json_is_object(v)) {
		say(s, "%s: a JSON value that is not an object; skipped", where);
		s->st.bad_objects++;
		return 0;
	}
	if (json_is_array(json_object_get(v, "items")))
		return apply_list(s, v, where);
	if (type != NULL && json_is_object(obj)) {
		int ev = vg_k8s_event_parse(type);

		if (strcmp(type, "BOOKMARK") == 0)
			return 0;
		if (ev < 0) {
			const char *msg = json_string_value(json_object_get(obj, "message"));

			say(s, "%s: watch event %s%s%s; keeping the last good state", where, type,
				msg ? ": " : "", msg ? msg : "");
			s->st.bad_objects++;
			return 0;
		}
		return apply_one(s, kind_of(obj, -1), (enum vg_k8s_event)ev, obj, where);
	}
	if (json_object_get(v, "kind") == NULL) {
		s->st.bad_objects++;
		say(s, "%s: a JSON object without kind (not an API object); skipped", where);
		return 0;
	}
	return apply_one(s, kind_of(v, -1), VG_K8S_ADDED, v, where);
}

/*
 * Splits buf into concatenated JSON values. Each whole value goes to the
 * inventory; *used says how far that went. Returns -1 at input that is not
 * JSON (*used then points at it, the reason in e), 0 otherwise (an unfinished
 * value at the end waits for more).
 */
static int
parse_values(struct vg_k8s_src *s, const char *buf, size_t len, size_t *used, const char *where,
	json_error_t *e, unsigned int *applied)
{
	size_t off = 0;

	for (;;) {
		json_t *v;

		while (off < len &&
			(buf[off] == ' ' || buf[off] == '\n' || buf[off] == '\r' ||
				buf[off] == '\t'))
			off++;
		*used = off;
		if (off == len)
			return 0;
		v = json_loadb(buf + off, len - off, JSON_DISABLE_EOF_CHECK, e);
		if (v == NULL)
			return json_error_code(e) == json_error_premature_end_of_input ? 0 : -1;
		off += (size_t)e->position;
		*applied += vg_k8s_src_apply_value(s, v, where);
		json_decref(v);
	}
}

/* ---- files ---- */

static char *
read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			char *nb;

			cap = cap ? cap * 2 : 65536;
			if (cap > FILE_MAX) {
				snprintf(err, errlen, "%s: larger than %u MiB", path,
					FILE_MAX >> 20);
				break;
			}
			nb = realloc(buf, cap);
			if (nb == NULL) {
				snprintf(err, errlen, "%s: out of memory", path);
				break;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n, f);

		n += r;
		if (r == 0) {
			if (ferror(f)) {
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
				break;
			}
			fclose(f);
			*len = n;
			return buf;
		}
	}
	fclose(f);
	free(buf);
	return NULL;
}

/* Every file as JSON values, all or none: NULL with the reason when one fails. */
static json_t *
load_values(struct vg_k8s_src *s, char *err, size_t errlen)
{
	json_t *all = json_array();

	for (unsigned int i = 0; all != NULL && i < s->cfg.nfiles; i++) {
		const char *path = s->cfg.files[i];
		size_t len = 0, off = 0;
		char *buf = read_file(path, &len, err, errlen);

		if (buf == NULL) {
			json_decref(all);
			return NULL;
		}
		while (off < len) {
			json_error_t e;
			json_t *v;

			while (off < len &&
				(buf[off] == ' ' || buf[off] == '\n' || buf[off] == '\r' ||
					buf[off] == '\t'))
				off++;
			if (off == len)
				break;
			v = json_loadb(buf + off, len - off, JSON_DISABLE_EOF_CHECK, &e);
			if (v == NULL) {
				snprintf(err, errlen, "%s: line %d column %d: %s", path, e.line,
					e.column, e.text);
				free(buf);
				json_decref(all);
				return NULL;
			}
			off += (size_t)e.position;
			json_array_append_new(all, json_pack("{s:s,s:o}", "file", path, "v", v));
		}
		free(buf);
	}
	return all;
}

static unsigned int
apply_files(struct vg_k8s_src *s, json_t *all)
{
	const json_t *d;
	unsigned int n = 0;
	size_t i;

	s->listing = true;
	s->reports = s->unsaid = 0;
	for (int k = 0; k < VG_K8S_NKINDS; k++)
		if (s->list_kinds >> k & 1)
			vg_k8s_inv_list_begin(s->inv, (enum vg_k8s_kind)k);
	json_array_foreach(all, i, d) n += vg_k8s_src_apply_value(
		s, json_object_get(d, "v"), json_string_value(json_object_get(d, "file")));
	for (int k = 0; k < VG_K8S_NKINDS; k++)
		if (s->list_kinds >> k & 1)
			vg_k8s_inv_list_end(s->inv, (enum vg_k8s_kind)k, (int64_t)vg_wall_ns());
	s->listing = false;
	if (s->unsaid > 0)
		say(s, "... and %u more objects refused in this load", s->unsaid);
	s->st.loads++;
	return n;
}

/* Reads every file; the inventory is changed only when all of them parse. */
static int
load_files(struct vg_k8s_src *s, unsigned int *applied, char *err, size_t errlen)
{
	json_t *all;

	for (unsigned int i = 0; i < s->cfg.nfiles; i++) {
		s->files[i].known = stat(s->files[i].path, &s->files[i].st) == 0;
	}
	all = load_values(s, err, errlen);
	if (all == NULL) {
		s->st.load_errors++;
		return -1;
	}
	*applied += apply_files(s, all);
	json_decref(all);
	return 0;
}

static bool
files_changed(struct vg_k8s_src *s)
{
	for (unsigned int i = 0; i < s->cfg.nfiles; i++) {
		struct file_state *f = &s->files[i];
		struct stat st;
		bool ok = stat(f->path, &st) == 0;

		if (ok != f->known)
			return true;
		if (ok &&
			(st.st_size != f->st.st_size || st.st_ino != f->st.st_ino ||
				st.st_mtim.tv_sec != f->st.st_mtim.tv_sec ||
				st.st_mtim.tv_nsec != f->st.st_mtim.tv_nsec))
			return true;
	}
	return false;
}

/* ---- streams ---- */

static void
stream_open(struct stream *st)
{
	st->fd = open(st->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

/* The writer went away: what is left unfinished is lost. */
static void
stream_ended(struct vg_k8s_src *s, struct stream *st)
{
	bool pending = false;

	for (size_t i = 0; i < st->len && !pending; i++)
		pending = st->buf[i] != ' ' && st->buf[i] != '\n' && st->buf[i] != '\r' &&
			st->buf[i] != '\t';
	if (pending) {
		s->st.stream_errors++;
		say(s,
			"%s: the stream ended in the middle of a value (%zu bytes lost); keeping "
			"the last good state",
			st->path, st->len);
	}
	st->len = 0;
	close(st->fd);
	st->fd = -1;
	st->next_open = (int64_t)vg_mono_ns() + FILE_EVERY_NS;
}

/* After input that is not JSON: on from the next line that starts an object. */
static size_t
resync(const char *buf, size_t len, size_t from)
{
	for (size_t i = from + 1; i < len; i++)
		if (buf[i] == '{' && buf[i - 1] == '\n')
			return i;
	return len;
}

static unsigned int
stream_parse(struct vg_k8s_src *s, struct stream *st)
{
	unsigned int applied = 0;
	size_t used = 0;
	json_error_t e;

	while (parse_values(s, st->buf, st->len, &used, st->path, &e, &applied) != 0) {
		size_t next = resync(st->buf, st->len, used);

		s->st.stream_errors++;
		say(s, "%s: not JSON (%s); skipped %zu bytes to the next object", st->path, e.text,
			next - used);
		memmove(st->buf, st->buf + next, st->len - next);
		st->len -= next;
	}
	memmove(st->buf, st->buf + used, st->len - used);
	st->len -= used;
	if (st->len > STREAM_MAX) {
		s->st.stream_errors++;
		say(s, "%s: a value longer than %u MiB; dropped", st->path, STREAM_MAX >> 20);
		st->len = 0;
	}
	return applied;
}

static unsigned int
stream_poll(struct vg_k8s_src *s, struct stream *st)
{
	size_t got = 0;
	unsigned int applied = 0;

	if (st->fd < 0) {
		if ((int64_t)vg_mono_ns() < st->next_open)
			return 0;
		stream_open(st);
		if (st->fd < 0) {
			st->next_open = (int64_t)vg_mono_ns() + FILE_EVERY_NS;
			return 0;
		}
	}
	while (got < READ_PER_POLL) {
		ssize_t r;

		if (st->cap - st->len < 65536) {
			size_t cap = st->cap ? st->cap * 2 : 262144;
			char *nb = realloc(st->buf, cap);

			if (nb == NULL)
				break;
			st->buf = nb;
			st->cap = cap;
		}
		r = read(st->fd, st->buf + st->len, st->cap - st->len);
		if (r > 0) {
			st->len += (size_t)r;
			got += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (got > 0)
			applied += stream_parse(s, st);
		if (r == 0 || (r < 0 && errno != EAGAIN))
			stream_ended(s, st);
		return applied;
	}
	return applied + stream_parse(s, st);
}

/* ---- the sources ---- */

struct vg_k8s_src *
vg_k8s_src_open(struct vg_k8s_inv *inv, const struct vg_k8s_src_cfg *cfg, char *err, size_t errlen)
{
	struct vg_k8s_src *s = calloc(1, sizeof(*s));
	unsigned int applied = 0;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->inv = inv;
	s->cfg = *cfg;
	s->files = calloc(cfg->nfiles + 1, sizeof(*s->files));
	s->streams = calloc(cfg->nstreams + 1, sizeof(*s->streams));
	if (s->files == NULL || s->streams == NULL) {
		snprintf(err, errlen, "out of memory");
		vg_k8s_src_close(s);
		return NULL;
	}
	for (unsigned int i = 0; i < cfg->nfiles; i++)
		s->files[i].path = cfg->files[i];
	for (unsigned int i = 0; i < cfg->nstreams; i++)
		s->streams[i].fd = -1;
	for (unsigned int i = 0; i < cfg->nstreams; i++) {
		struct stream *st = &s->streams[i];

		st->path = cfg->streams[i];
		stream_open(st);
		if (st->fd < 0) {
			snprintf(err, errlen, "%s: %s", st->path, strerror(errno));
			vg_k8s_src_close(s);
			return NULL;
		}
	}
	if (cfg->nfiles > 0 && load_files(s, &applied, err, errlen) != 0) {
		vg_k8s_src_close(s);
		return NULL;
	}
	s->next_files = (int64_t)vg_mono_ns() + FILE_EVERY_NS;
	return s;
}

int
vg_k8s_src_reload(struct vg_k8s_src *s, char *err, size_t errlen)
{
	unsigned int applied = 0;

	if (s->cfg.nfiles == 0)
		return 0;
	if (load_files(s, &applied, err, errlen) != 0) {
		say(s, "%s; keeping the last good inventory", err);
		return -1;
	}
	return 0;
}

unsigned int
vg_k8s_src_poll(struct vg_k8s_src *s, bool force)
{
	int64_t now = (int64_t)vg_mono_ns();
	unsigned int applied = 0;

	if (s->cfg.nfiles > 0 && (force || now >= s->next_files)) {
		s->next_files = now + FILE_EVERY_NS;
		if (force || files_changed(s)) {
			char err[400];

			if (load_files(s, &applied, err, sizeof(err)) != 0)
				say(s, "%s; keeping the last good inventory", err);
		}
	}
	if (s->cfg.nstreams > 0 && (force || now >= s->next_streams)) {
		s->next_streams = now + STREAM_EVERY_NS;
		for (unsigned int i = 0; i < s->cfg.nstreams; i++)
			applied += stream_poll(s, &s->streams[i]);
	}
	return applied;
}

void
vg_k8s_src_stats(const struct vg_k8s_src *s, struct vg_k8s_src_stats *out)
{
	*out = s->st;
}

void
vg_k8s_src_close(struct vg_k8s_src *s)
{
	if (s == NULL)
		return;
	for (unsigned int i = 0; s->streams != NULL && i < s->cfg.nstreams; i++) {
		if (s->streams[i].fd >= 0)
			close(s->streams[i].fd);
		free(s->streams[i].buf);
	}
	free(s->streams);
	free(s->files);
	free(s);
}
