/* SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_prom.h"

void
vg_prom_init(struct vg_prom *p)
{
	memset(p, 0, sizeof(*p));
}

void
vg_prom_free(struct vg_prom *p)
{
	free(p->p);
	vg_prom_init(p);
}

char *
vg_prom_take(struct vg_prom *p, size_t *len)
{
	char *t = p->p;

	*len = p->len;
	p->p = NULL;
	vg_prom_free(p);
	return t;
}

static bool
reserve(struct vg_prom *p, size_t more)
{
	size_t cap = p->cap ? p->cap : 16384;
	char *n;

	if (p->oom)
		return false;
	if (p->len + more + 1 <= p->cap)
		return true;
	while (cap < p->len + more + 1)
		cap *= 2;
	n = realloc(p->p, cap);
	if (n == NULL) {
		p->oom = true;
		return false;
	}
	p->p = n;
	p->cap = cap;
	return true;
}

static void
put(struct vg_prom *p, const char *s, size_t n)
{
	if (!reserve(p, n))
		return;
	memcpy(p->p + p->len, s, n);
	p->len += n;
	p->p[p->len] = '\0';
}

static void
puts_(struct vg_prom *p, const char *s)
{
	put(p, s, strlen(s));
}

/*
 * Escapes as the format says: backslash and newline everywhere, the double
 * quote too inside a label value.
 */
static void
put_escaped(struct vg_prom *p, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			puts_(p, "\\\\");
		else if (*s == '\n')
			puts_(p, "\\n");
		else if (quote && *s == '"')
			puts_(p, "\\\"");
		else
			put(p, s, 1);
	}
}

static bool
is_alpha_(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool
vg_prom_name_ok(const char *name)
{
	if (name == NULL || !(is_alpha_(name[0]) || name[0] == ':'))
		return false;
	for (const char *c = name + 1; *c != '\0'; c++)
		if (!is_alpha_(*c) && !is_digit(*c) && *c != ':')
			return false;
	return true;
}

bool
vg_prom_label_name_ok(const char *name)
{
	if (name == NULL || !is_alpha_(name[0]) || strncmp(name, "__", 2) == 0)
		return false;
	for (const char *c = name + 1; *c != '\0'; c++)
		if (!is_alpha_(*c) && !is_digit(*c))
			return false;
	return true;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static uint64_t
name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	return h;
}

/* Records the family; false when it was written before (or too many). */
static bool
first_time(struct vg_prom *p, const char *name)
{
	uint64_t h = name_hash(name);

	for (uint32_t i = 0; i < p->nfamilies; i++)
		if (p->seen[i] == h)
			return false;
	if (p->nfamilies == VG_PROM_MAX_FAMILIES)
		return false;
	p->seen[p->nfamilies++] = h;
	return true;
}

int
vg_prom_family(struct vg_prom *p, const char *name, enum vg_prom_type type, const char *help)
{
	bool counter = type == VG_PROM_COUNTER;

	p->family[0] = '\0';
	if (!vg_prom_name_ok(name) || strlen(name) >= sizeof(p->family) ||
		counter != ends_with(name, "_total") || !first_time(p, name)) {
		p->refused++;
		return -1;
	}
	snprintf(p->family, sizeof(p->family), "%s", name);
	puts_(p, "# HELP ");
	puts_(p, name);
	puts_(p, " ");
	put_escaped(p, help ? help : "", false);
	puts_(p, "\n# TYPE ");
	puts_(p, name);
	puts_(p, counter ? " counter\n" : " gauge\n");
	return 0;
}

/* The sample's name and labels; false (nothing written) when refused. */
static bool
sample_start(struct vg_prom *p, const struct vg_prom_label *l, unsigned n)
{
	if (p->family[0] == '\0') {
		p->refused++;
		return false;
	}
	for (unsigned i = 0; i < n; i++)
		if (!vg_prom_label_name_ok(l[i].name) || l[i].value == NULL) {
			p->refused++;
			return false;
		}
	puts_(p, p->family);
	for (unsigned i = 0; i < n; i++) {
		puts_(p, i == 0 ? "{" : ",");
		puts_(p, l[i].name);
		puts_(p, "=\"");
		put_escaped(p, l[i].value, true);
		puts_(p, "\"");
	}
	puts_(p, n > 0 ? "} " : " ");
	return true;
}

void
vg_prom_u64(struct vg_prom *p, const struct vg_prom_label *l, unsigned n, uint64_t v)
{
	char num[32];

	if (!sample_start(p, l, n))
		return;
	snprintf(num, sizeof(num), "%llu\n", (unsigned long long)v);
	puts_(p, num);
}

void
vg_prom_double(struct vg_prom *p, const struct vg_prom_label *l, unsigned n, double v)
{
	char num[40];

	if (!sample_start(p, l, n))
		return;
	if (isnan(v))
		snprintf(num, sizeof(num), "NaN\n");
	else if (isinf(v))
		snprintf(num, sizeof(num), "%sInf\n", v > 0 ? "+" : "-");
	else {
		/* The shortest of 15 or 17 digits that reads back as the same double. */
		snprintf(num, sizeof(num), "%.15g", v);
		if (strtod(num, NULL) != v)
			snprintf(num, sizeof(num), "%.17g", v);
		strcat(num, "\n");
	}
	puts_(p, num);
}
