/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-logd's console socket: lib/ctlsock serves it from the main loop
 * (the same server and line protocol as the sensor's console); this runs
 * its lines through vigil-logd's commands (vg_logd_cmds.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "vg_ctlsock.h"
#include "vg_logd_console.h"

#define ANSWER_MAX (1u << 20)

void
vg_logd_answer_printf(struct vg_logd_answer *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = a->cap - a->len;

		va_start(ap, fmt);
		n = vsnprintf(a->p ? a->p + a->len : NULL, a->p ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (a->p != NULL && (size_t)n < room) {
			a->len += (size_t)n;
			return;
		}
		size_t cap = (a->cap ? a->cap : 4096) * 2;

		while (cap < a->len + (size_t)n + 1)
			cap *= 2;
		if (cap > ANSWER_MAX)
			return; /* cut: the answer is already huge */
		char *p = realloc(a->p, cap);

		if (p == NULL)
			return;
		a->p = p;
		a->cap = cap;
	}
}

static struct vg_ctlsock *sock;
/* The commands' context, for the lines of this poll. */
static const struct vg_logd_console_ctx *cur;

static enum vg_ctl_exec
logd_exec(void *ctx, int slot, const char *line, struct vg_ctl_answer *a)
{
	struct vg_logd_answer la = {0};

	(void)ctx;
	(void)slot;
	vg_logd_console_exec(cur, line, &la);
	a->p = la.p;
	a->len = la.len;
	a->ok = !la.failed;
	return VG_CTL_ANSWERED;
}

static void
logd_too_long(void *ctx, struct vg_ctl_answer *a)
{
	struct vg_logd_answer la = {0};

	(void)ctx;
	vg_logd_answer_printf(&la, "line longer than %d bytes; nothing was run\n", VG_CTL_LINE_MAX);
	a->p = la.p;
	a->len = la.len;
	a->ok = false;
}

int
vg_logd_console_open(const char *path, bool is_default, char *err, size_t errlen)
{
	static const struct vg_ctlsock_ops ops = {.exec = logd_exec, .too_long = logd_too_long};

	sock = vg_ctlsock_open(path, is_default, "vigil-logd", &ops, err, errlen);
	return sock != NULL ? 0 : -1;
}

void
vg_logd_console_poll(const struct vg_logd_console_ctx *x)
{
	cur = x;
	vg_ctlsock_poll(sock);
}

void
vg_logd_console_close(void)
{
	vg_ctlsock_close(sock);
	sock = NULL;
}
