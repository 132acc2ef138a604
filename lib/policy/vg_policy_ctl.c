/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The live policy: reloads (console, SIGHUP, the file changing), console
 * changes, the counts' rates and the `show logs` table. Runs on the
 * writer's thread; what other threads read is published with relaxed
 * stores.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "vg_policy_private.h"

struct vg_policy_ctl *vg_policy_process;

#define WR(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define RD(x)    __atomic_load_n(&(x), __ATOMIC_RELAXED)

static void
tell(struct vg_policy_ctl *c, bool error, const char *msg)
{
	if (c->say != NULL)
		c->say(c->say_arg, error, msg);
	else
		fprintf(stderr, "policy: %s\n", msg);
}

/* The settings other threads show (metrics). */
static void
publish(struct vg_policy_ctl *c)
{
	for (uint16_t id = 0; id < VG_LOG_MAX; id++) {
		const struct pol_log *l = &c->cur->log[id];

		WR(c->sample_ppm[id], (uint32_t)(l->sample * 1e6 + 0.5));
		WR(c->enabled[id], l->enabled ? 1 : 0);
	}
	WR(c->gen, c->gen + 1);
}

static void
note_file(struct vg_policy_ctl *c)
{
	struct stat st;

	c->file.have = c->path[0] != '\0' && stat(c->path, &st) == 0;
	if (!c->file.have)
		return;
	c->file.dev = st.st_dev;
	c->file.ino = st.st_ino;
	c->file.size = st.st_size;
	c->file.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

int
vg_policy_ctl_init(struct vg_policy_ctl *c, const char *path, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	if (path != NULL) {
		if (strlen(path) >= sizeof(c->path)) {
			snprintf(err, errlen, "policy file path is too long");
			return -1;
		}
		strcpy(c->path, path);
		note_file(c);
		c->cur = vg_policy_load(path, err, errlen);
	} else {
		c->cur = vg_policy_keep_all();
		if (c->cur == NULL)
			snprintf(err, errlen, "out of memory");
	}
	if (c->cur == NULL)
		return -1;
	publish(c);
	return 0;
}

void
vg_policy_ctl_fini(struct vg_policy_ctl *c)
{
	if (vg_policy_process == c)
		vg_policy_process = NULL;
	vg_policy_free(c->cur);
	c->cur = NULL;
}

int
vg_policy_ctl_reload(struct vg_policy_ctl *c, const char *why, char *msg, size_t msglen)
{
	char err[512];
	struct vg_policy *p;

	if (c->path[0] == '\0') {
		snprintf(msg, msglen,
			"policy reload (%s): no policy file; start with --export-policy FILE", why);
		tell(c, true, msg);
		return -1;
	}
	note_file(c);
	p = vg_policy_load(c->path, err, sizeof(err));
	if (p == NULL) {
		WR(c->reload_errors, c->reload_errors + 1);
		snprintf(msg, msglen, "policy reload (%s) failed, the running policy stays: %s",
			why, err);
		tell(c, true, msg);
		return -1;
	}
	vg_policy_free(c->cur);
	c->cur = p;
	publish(c);
	WR(c->reloads, c->reloads + 1);
	snprintf(msg, msglen, "policy reload (%s): %s is the policy now", why, c->path);
	tell(c, false, msg);
	return 0;
}

static double
per_sec(uint64_t now, uint64_t then, double secs)
{
	return (double)(now - then) / secs;
}

static void
rates(struct vg_policy_ctl *c, uint64_t now_ns)
{
	double secs = (double)(now_ns - c->prev_ns) / 1e9;

	if (c->prev_ns == 0 || secs <= 0) {
		c->prev_ns = now_ns;
		memcpy(c->prev, c->count, sizeof(c->prev));
		return;
	}
	for (uint16_t id = 0; id < VG_LOG_MAX; id++) {
		const struct vg_policy_counts *a = &c->count[id], *b = &c->prev[id];
		struct vg_policy_rates r = {
			.offered = per_sec(a->offered, b->offered, secs),
			.offered_bytes = per_sec(a->offered_bytes, b->offered_bytes, secs),
			.exported = per_sec(a->exported, b->exported, secs),
			.exported_bytes = per_sec(a->exported_bytes, b->exported_bytes, secs),
		};

		__atomic_store(&c->rate[id].offered, &r.offered, __ATOMIC_RELAXED);
		__atomic_store(&c->rate[id].offered_bytes, &r.offered_bytes, __ATOMIC_RELAXED);
		__atomic_store(&c->rate[id].exported, &r.exported, __ATOMIC_RELAXED);
		__atomic_store(&c->rate[id].exported_bytes, &r.exported_bytes, __ATOMIC_RELAXED);
	}
	c->prev_ns = now_ns;
	memcpy(c->prev, c->count, sizeof(c->prev));
}

static bool
file_changed(struct vg_policy_ctl *c)
{
	struct stat st;

	if (c->path[0] == '\0' || stat(c->path, &st) != 0)
		return false; /* gone: the running policy stays until it is back */
	return !c->file.have || st.st_dev != c->file.dev || st.st_ino != c->file.ino ||
		st.st_size != c->file.size ||
		(int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec != c->file.mtime_ns;
}

void
vg_policy_ctl_tick(struct vg_policy_ctl *c, uint64_t now_ns)
{
	char msg[768];

	rates(c, now_ns);
	if (file_changed(c))
		vg_policy_ctl_reload(c, "file changed", msg, sizeof(msg));
}

int
vg_policy_ctl_set_log(
	struct vg_policy_ctl *c, const char *name, const char *args, char *msg, size_t msglen)
{
	int id = vg_policy_log_id(name);
	const char *path;
	double rate;

	if (id < 0) {
		snprintf(msg, msglen, "no log named '%.40s'; 'show logs' lists them", name);
		return -1;
	}
	path = vg_schema_get((uint16_t)id)->path;
	if (strcmp(args, "on") == 0 || strcmp(args, "off") == 0) {
		vg_policy_set_enabled(c->cur, (uint16_t)id, args[1] == 'n');
		snprintf(msg, msglen, "set log %s %s", path, args);
	} else if (strncmp(args, "sample ", 7) == 0) {
		if (vg_policy_parse_rate(args + 7, &rate) != 0) {
			snprintf(msg, msglen,
				"set log %s sample takes a rate from 0 to 1 (0.1 keeps one "
				"connection in ten), not '%.40s'",
				path, args + 7);
			return -1;
		}
		vg_policy_set_sample(c->cur, (uint16_t)id, rate);
		snprintf(msg, msglen, "set log %s sample %g", path, rate);
	} else {
		snprintf(msg, msglen, "usage: set log <name> on|off|sample <rate 0..1>");
		return -1;
	}
	publish(c);
	tell(c, false, msg);
	return 0;
}

static void
row(vg_policy_print_fn *out, void *arg, const char *name, const char *state, const char *sample,
	const struct vg_policy_rates *r, const struct vg_policy_counts *k)
{
	char line[512];

	snprintf(line, sizeof(line),
		"%-16s %-5s %-7s %10.1f %12.1f %10.1f %12.1f %12" PRIu64 " %14" PRIu64 " %12" PRIu64
		" %14" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
		name, state, sample, r->offered, r->offered_bytes, r->exported, r->exported_bytes,
		k->offered, k->offered_bytes, k->exported, k->exported_bytes,
		k->dropped[VG_POLICY_DROP_OFF], k->dropped[VG_POLICY_DROP_FILTER],
		k->dropped[VG_POLICY_DROP_SAMPLE]);
	out(arg, line);
}

void
vg_policy_ctl_show_logs(const struct vg_policy_ctl *c, vg_policy_print_fn *out, void *arg)
{
	struct vg_policy_counts tot = {0};
	struct vg_policy_rates rtot = {0};
	char line[4608];

	snprintf(line, sizeof(line),
		"%-16s %-5s %-7s %10s %12s %10s %12s %12s %14s %12s %14s %10s %10s %10s\n", "log",
		"state", "sample", "offered/s", "off.bytes/s", "export/s", "exp.bytes/s", "offered",
		"offered_bytes", "exported", "exported_bytes", "drop_off", "drop_filter",
		"drop_sample");
	out(arg, line);
	for (uint16_t id = 0; id < vg_schema_count() && id < VG_LOG_MAX; id++) {
		const struct vg_schema *s = vg_schema_get(id);
		const struct pol_log *l = &c->cur->log[id];
		struct vg_policy_counts k = c->count[id];
		struct vg_policy_rates r = c->rate[id];
		char sample[32];

		if (s == NULL)
			continue;
		snprintf(sample, sizeof(sample), "%g", l->sample);
		row(out, arg, s->path, l->enabled ? "on" : "off", sample, &r, &k);
		tot.offered += k.offered;
		tot.offered_bytes += k.offered_bytes;
		tot.exported += k.exported;
		tot.exported_bytes += k.exported_bytes;
		for (int v = 0; v < VG_POLICY_NVERDICTS; v++)
			tot.dropped[v] += k.dropped[v];
		rtot.offered += r.offered;
		rtot.offered_bytes += r.offered_bytes;
		rtot.exported += r.exported;
		rtot.exported_bytes += r.exported_bytes;
	}
	row(out, arg, "total", "-", "-", &rtot, &tot);
	snprintf(line, sizeof(line), "policy %s, %" PRIu64 " reloads, %" PRIu64 " failed\n",
		c->path[0] ? c->path : "(none)", c->reloads, c->reload_errors);
	out(arg, line);
}
