/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-logd's console commands. They run on the main loop between two
 * records, so a change applies from the next record on: nothing is lost or
 * written twice while switching.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vg_logd_console.h"

#define MAX_WORDS 8

static const char usage_text[] = "commands:\n"
				 "  show logs                          per log: on/off, sample, "
				 "offered and exported per second and in all, drops\n"
				 "  show policy                        the policy as it stands\n"
				 "  set log <name> on|off              export a log or stop\n"
				 "  set log <name> sample <rate>       keep that share of "
				 "connections (0 to 1)\n"
				 "  policy reload                      read --export-policy FILE "
				 "again\n"
				 "  help                               this list\n";

static void
print(void *arg, const char *text)
{
	vg_logd_answer_printf(arg, "%s", text);
}

static void
show_logs(const struct vg_logd_console_ctx *x, struct vg_logd_answer *a)
{
	vg_policy_ctl_show_logs(x->policy, print, a);
	vg_logd_answer_printf(a,
		"records %" PRIu64 " malformed %" PRIu64 " ring_drops %" PRIu64
		" (dropped by the sensor: its ring was full)\n",
		__atomic_load_n(&x->fig->records, __ATOMIC_RELAXED),
		__atomic_load_n(&x->fig->malformed, __ATOMIC_RELAXED),
		x->ring_drops ? x->ring_drops(x->arg) : 0);
}

static int
split(char *line, char **w)
{
	int n = 0;

	for (char *t = strtok(line, " \t"); t != NULL; t = strtok(NULL, " \t")) {
		if (n == MAX_WORDS)
			return -1;
		w[n++] = t;
	}
	return n;
}

static void
fail(struct vg_logd_answer *a, const char *msg)
{
	a->failed = true;
	vg_logd_answer_printf(a, "%s\n", msg);
}

void
vg_logd_console_exec(
	const struct vg_logd_console_ctx *x, const char *line, struct vg_logd_answer *a)
{
	char copy[520], *w[MAX_WORDS], msg[1024];
	int n;

	snprintf(copy, sizeof(copy), "%s", line);
	n = split(copy, w);
	if (n == 0)
		return;
	if (n == 1 && strcmp(w[0], "help") == 0) {
		vg_logd_answer_printf(a, "%s", usage_text);
	} else if (n == 2 && strcmp(w[0], "show") == 0 && strcmp(w[1], "logs") == 0) {
		show_logs(x, a);
	} else if (n == 2 && strcmp(w[0], "show") == 0 && strcmp(w[1], "policy") == 0) {
		vg_policy_describe(x->policy->cur, print, a);
	} else if (n == 2 && strcmp(w[0], "policy") == 0 && strcmp(w[1], "reload") == 0) {
		if (vg_policy_ctl_reload(x->policy, "console", msg, sizeof(msg)) != 0)
			fail(a, msg);
		else
			vg_logd_answer_printf(a, "%s\n", msg);
	} else if (n >= 2 && strcmp(w[0], "set") == 0 && strcmp(w[1], "log") == 0) {
		char args[64];

		if (n == 4 && (strcmp(w[3], "on") == 0 || strcmp(w[3], "off") == 0))
			snprintf(args, sizeof(args), "%s", w[3]);
		else if (n == 5 && strcmp(w[3], "sample") == 0)
			snprintf(args, sizeof(args), "sample %.40s", w[4]);
		else {
			fail(a, "usage: set log <name> on|off|sample <rate 0..1>");
			return;
		}
		if (vg_policy_ctl_set_log(x->policy, w[2], args, msg, sizeof(msg)) != 0)
			fail(a, msg);
		else
			vg_logd_answer_printf(a, "%s\n", msg);
	} else {
		a->failed = true;
		vg_logd_answer_printf(a, "unknown command '%.60s'; %s", line, usage_text);
	}
}
