/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reload config (vg_live_reload.h). The file's entries are option tokens
 * ("--stats-interval=60"); a key changed when its tokens differ between the
 * file as it was at start (or at the last reload) and as it is now.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_live_reload.h"

/* The keys applied while the sensor runs: their field in vg_options. */
static const struct {
	const char *key; /* the long option, as the tokens have it */
	size_t off;
} live_keys[] = {
	{"stats-interval", offsetof(struct vg_options, stats_interval)},
	{"duration", offsetof(struct vg_options, duration)},
	{"exit-idle", offsetof(struct vg_options, exit_idle)},
};
#define NLIVE (sizeof(live_keys) / sizeof(live_keys[0]))

/* A token's key: "--name=value" or "--name" → name, its length in *n. */
static const char *
tok_key(const char *t, size_t *n)
{
	t += 2;
	*n = strcspn(t, "=");
	return t;
}

/* The tokens of key, in order, joined (a list key has several). */
static void
key_values(char **tok, int ntok, const char *key, size_t klen, char *out, size_t cap)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < ntok; i++) {
		size_t n;
		const char *k = tok_key(tok[i], &n);

		if (n == klen && strncmp(k, key, n) == 0 && used < cap)
			used += (size_t)snprintf(out + used, cap - used, "%s\n", tok[i]);
	}
}

static bool
key_changed(char **a, int na, char **b, int nb, const char *key, size_t klen)
{
	char va[2048], vb[2048];

	key_values(a, na, key, klen, va, sizeof(va));
	key_values(b, nb, key, klen, vb, sizeof(vb));
	return strcmp(va, vb) != 0;
}

static int
live_key(const char *key, size_t klen)
{
	for (size_t i = 0; i < NLIVE; i++)
		if (strlen(live_keys[i].key) == klen && strncmp(live_keys[i].key, key, klen) == 0)
			return (int)i;
	return -1;
}

/* Appends ", name" (YAML spelling, with _) once per key. */
static void
add_name(char *buf, size_t cap, const char *key, size_t klen)
{
	char name[64];
	size_t used = strlen(buf);

	if (klen >= sizeof(name))
		klen = sizeof(name) - 1;
	for (size_t i = 0; i < klen; i++)
		name[i] = key[i] == '-' ? '_' : key[i];
	name[klen] = '\0';
	if (strstr(buf, name) != NULL)
		return;
	snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", name);
}

/*
 * The keys whose tokens changed, split into the live ones (bit i of
 * *live_changed) and the others (named in other).
 */
static void
changed_keys(
	char **old, int nold, char **tok, int ntok, unsigned *live_changed, char *other, size_t cap)
{
	char **lists[2] = {old, tok};
	int counts[2] = {nold, ntok};

	*live_changed = 0;
	other[0] = '\0';
	for (int l = 0; l < 2; l++) {
		for (int i = 0; i < counts[l]; i++) {
			size_t n;
			const char *k = tok_key(lists[l][i], &n);

			if (!key_changed(old, nold, tok, ntok, k, n))
				continue;
			int lk = live_key(k, n);

			if (lk >= 0)
				*live_changed |= 1u << lk;
			else
				add_name(other, cap, k, n);
		}
	}
}

static void
free_tokens(char **tok, int ntok)
{
	for (int i = 0; i < ntok; i++)
		free(tok[i]);
	free(tok);
}

/*
 * Runs f with stderr caught: what it printed goes to stderr afterwards, and
 * its first line, without "vigil: ", into line.
 */
static int
caught(int (*f)(void *), void *arg, char *line, size_t cap)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len), *err = stderr;
	int rc;

	if (mem == NULL)
		return f(arg);
	stderr = mem;
	rc = f(arg);
	stderr = err;
	fclose(mem);
	if (buf != NULL && len > 0) {
		const char *p = strncmp(buf, "vigil: ", 7) == 0 ? buf + 7 : buf;

		fputs(buf, stderr);
		snprintf(line, cap, "%.*s", (int)strcspn(p, "\n"), p);
	}
	free(buf);
	return rc;
}

struct reload_args {
	struct vg_options *run, *next;
	int ntok;
	char **tok;
};

static int
read_tokens(void *arg)
{
	struct reload_args *a = arg;

	return vg_options_config_tokens(a->run->config_file, &a->ntok, &a->tok);
}

static int
parse_again(void *arg)
{
	struct reload_args *a = arg;

	return vg_options_reparse(a->next, a->run, a->ntok, a->tok);
}

/* The live keys that changed take the new value; msg says which. */
static void
apply(struct vg_options *run, const struct vg_options *next, unsigned changed, char *msg,
	size_t len)
{
	size_t used = (size_t)snprintf(msg, len, "reload config:");
	const char *sep = " ";

	for (size_t i = 0; i < NLIVE; i++) {
		uint32_t v;

		if (!(changed & (1u << i)))
			continue;
		memcpy(&v, (const char *)next + live_keys[i].off, sizeof(v));
		__atomic_store_n((uint32_t *)((char *)run + live_keys[i].off), v, __ATOMIC_RELAXED);
		if (used < len) {
			char name[32];

			snprintf(name, sizeof(name), "%s", live_keys[i].key);
			for (char *c = name; *c; c++)
				*c = *c == '-' ? '_' : *c;
			used += (size_t)snprintf(msg + used, len - used, "%s%s %u", sep, name, v);
			sep = ", ";
		}
	}
}

int
vg_live_reload_config(struct vg_options *run, char *msg, size_t len)
{
	struct vg_options *next = calloc(1, sizeof(*next));
	struct reload_args a = {.run = run, .next = next};
	char other[256], why[400] = "the file cannot be read (stderr says why)";
	unsigned changed;

	if (next == NULL) {
		snprintf(msg, len, "reload config: out of memory; try again");
		return -1;
	}
	if (caught(read_tokens, &a, why, sizeof(why)) != 0) {
		snprintf(msg, len, "reload config: %s; nothing applied", why);
		free(next);
		return -1;
	}
	changed_keys(
		run->config_tok, run->config_ntok, a.tok, a.ntok, &changed, other, sizeof(other));
	if (other[0] != '\0') {
		snprintf(msg, len,
			"reload config: %s changed in %s and can only change with a restart; "
			"nothing applied",
			other, run->config_file);
		goto refused;
	}
	if (changed == 0) {
		snprintf(msg, len, "reload config: nothing changed in %s", run->config_file);
		free_tokens(a.tok, a.ntok);
		free(next);
		return 0;
	}
	snprintf(why, sizeof(why), "the file's values are refused (stderr says why)");
	if (caught(parse_again, &a, why, sizeof(why)) != 0) {
		snprintf(msg, len, "reload config: %s; nothing applied", why);
		goto refused;
	}
	apply(run, next, changed, msg, len);
	/* The values the run holds may point into the old tokens: they stay. */
	run->config_tok = a.tok;
	run->config_ntok = a.ntok;
	free(next);
	return 1;
refused:
	free_tokens(a.tok, a.ntok);
	free(next);
	return -1;
}
