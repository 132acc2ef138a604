/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration file: a YAML mapping whose keys are vigil's long options
 * (with _ or -), read with libyaml. Each entry becomes the option it names, in
 * front of the command line's, so flags given on the command line win.
 *
 *   workers: 4            ->  --workers=4
 *   json: true            ->  --json          (false: left out)
 *   mirror: [vxlan, geneve] -> --mirror=vxlan --mirror=geneve
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "vg_config.h"

struct argv_buf {
	char **v;
	int n, cap;
};

static int
push(struct argv_buf *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		int cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, (size_t)cap * sizeof(*v));

		if (v == NULL)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n] = strdup(s);
	if (a->v[a->n] == NULL)
		return -1;
	a->n++;
	a->v[a->n] = NULL;
	return 0;
}

static const struct option *
find_opt(const struct option *opts, const char *key)
{
	char name[64];
	size_t n = strlen(key);

	if (n >= sizeof(name))
		return NULL;
	for (size_t i = 0; i <= n; i++)
		name[i] = key[i] == '_' ? '-' : key[i];
	for (; opts->name != NULL; opts++)
		if (strcmp(opts->name, name) == 0)
			return opts;
	return NULL;
}

static bool
is_true(const char *v)
{
	return strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "on") == 0;
}

static bool
is_false(const char *v)
{
	return strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "off") == 0;
}

/* One key's value: adds its option(s); -1 after printing what is wrong. */
static int
add_value(struct argv_buf *a, const char *file, size_t line, const struct option *o, const char *v)
{
	char tok[1024];

	if (o->has_arg == no_argument) {
		if (is_true(v))
			return push(a, (snprintf(tok, sizeof(tok), "--%s", o->name), tok));
		if (is_false(v))
			return 0;
		fprintf(stderr, "vigil: %s line %zu: '%s' takes true or false, not '%s'\n", file,
			line, o->name, v);
		return -1;
	}
	snprintf(tok, sizeof(tok), "--%s=%s", o->name, v);
	return push(a, tok);
}

/* A key given twice (also as '_' and '-' spellings) is refused: which one wins is a guess. */
static bool
key_seen(const struct option *const *seen, const size_t *seen_line, size_t nseen,
	const struct option *key, const char *file, size_t line, const char *v)
{
	for (size_t i = 0; i < nseen; i++) {
		if (seen[i] == key) {
			fprintf(stderr,
				"vigil: %s line %zu: '%s' is given twice (first on line %zu); "
				"keep one\n",
				file, line, v, seen_line[i]);
			return true;
		}
	}
	return false;
}

int
vg_config_load(const char *file, const struct option *opts, int *argc_out, char ***argv_out)
{
	FILE *fp = fopen(file, "r");
	yaml_parser_t parser;
	yaml_event_t ev;
	struct argv_buf a = {0};
	const struct option *key = NULL;
	const struct option *seen[128]; /* keys already given: a second one is refused */
	size_t nseen = 0, seen_line[128];
	char keyname[128] = "";
	int depth = 0, rc = -1;
	bool in_seq = false, done = false;

	if (fp == NULL) {
		fprintf(stderr, "vigil: cannot read config %s: %s\n", file, strerror(errno));
		return -1;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			fprintf(stderr, "vigil: %s line %zu: %s; fix the YAML\n", file,
				parser.problem_mark.line + 1,
				parser.problem ? parser.problem : "syntax error");
			goto out;
		}
		size_t line = ev.start_mark.line + 1;

		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_MAPPING_START_EVENT:
			if (++depth > 1) {
				fprintf(stderr,
					"vigil: %s line %zu: '%s' takes a value or a list, not "
					"a mapping\n",
					file, line, keyname);
				yaml_event_delete(&ev);
				goto out;
			}
			break;
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_SEQUENCE_START_EVENT:
			if (key == NULL || in_seq) {
				fprintf(stderr,
					"vigil: %s line %zu: a list is only allowed as a "
					"key's value\n",
					file, line);
				yaml_event_delete(&ev);
				goto out;
			}
			in_seq = true;
			break;
		case YAML_SEQUENCE_END_EVENT:
			in_seq = false;
			key = NULL;
			break;
		case YAML_SCALAR_EVENT: {
			const char *v = (const char *)ev.data.scalar.value;

			if (depth != 1) {
				fprintf(stderr,
					"vigil: %s line %zu: the file must be a mapping of "
					"option: value\n",
					file, line);
				yaml_event_delete(&ev);
				goto out;
			}
			if (key == NULL) {
				snprintf(keyname, sizeof(keyname), "%s", v);
				key = find_opt(opts, v);
				if (key == NULL || strcmp(key->name, "config") == 0 ||
					strcmp(key->name, "help") == 0 ||
					strcmp(key->name, "version") == 0) {
					fprintf(stderr,
						"vigil: %s line %zu: unknown key '%s'; the keys "
						"are vigil's long options (see "
						"config/vigil.conf)\n",
						file, line, v);
					yaml_event_delete(&ev);
					goto out;
				}
				if (key_seen(seen, seen_line, nseen, key, file, line, v)) {
					yaml_event_delete(&ev);
					goto out;
				}
				if (nseen < sizeof(seen) / sizeof(seen[0])) {
					seen_line[nseen] = line;
					seen[nseen++] = key;
				}
				break;
			}
			if (add_value(&a, file, line, key, v) != 0) {
				yaml_event_delete(&ev);
				goto out;
			}
			if (!in_seq)
				key = NULL;
			break;
		}
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	*argc_out = a.n;
	*argv_out = a.v;
	a.v = NULL;
	rc = 0;
out:
	if (a.v != NULL) {
		for (int i = 0; i < a.n; i++)
			free(a.v[i]);
		free(a.v);
	}
	yaml_parser_delete(&parser);
	fclose(fp);
	return rc;
}
