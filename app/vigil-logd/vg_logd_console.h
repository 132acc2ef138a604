/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-logd's console (doc/console.md, `vigil-ctl --logd`): a unix socket
 * served from the main loop without blocking it, with the sensor console's
 * line protocol: a command line in; its answer, a NUL byte and "ok\n" or
 * "error\n" out. Commands: show logs, show policy, set log NAME
 * on|off|sample RATE, policy reload, help.
 */
#ifndef VG_LOGD_CONSOLE_H
#define VG_LOGD_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "vg_logd_metrics.h"
#include "vg_policy.h"

#define VG_LOGD_SOCKET_DIR "/run/vigil"

/* What the commands read and change; all on the main loop's thread. */
struct vg_logd_console_ctx {
	struct vg_policy_ctl *policy;
	const struct vg_logd_figures *fig;
	uint64_t (*ring_drops)(void *arg); /* the sensor's drops (ring full), all rings */
	void *arg;
};

/* The answer being built. */
struct vg_logd_answer {
	char *p;
	size_t len, cap;
	bool failed;
};

void vg_logd_answer_printf(struct vg_logd_answer *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Runs one command line into a (commands: vg_logd_cmds.c). */
void vg_logd_console_exec(
	const struct vg_logd_console_ctx *x, const char *line, struct vg_logd_answer *a);

/*
 * Listens on path (is_default: the directory may be created). 0, or -1
 * with a one-line reason in err.
 */
int vg_logd_console_open(const char *path, bool is_default, char *err, size_t errlen);
/* Every loop: new clients, their lines, their answers; never blocks. */
void vg_logd_console_poll(const struct vg_logd_console_ctx *x);
/* Closes the clients and the socket and removes its file. */
void vg_logd_console_close(void);

#endif /* VG_LOGD_CONSOLE_H */
