/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The operator's console (doc/console.md): commands declared as data with
 * DPDK's cmdline library, served on the terminal (vigil -i) and on a unix
 * socket (vigil-ctl), both from the main lcore's loop and never blocking it.
 * Commands read the workers' counters relaxed, as stats.log does; `show
 * flows` asks each worker to walk its own table (vg_live_query). Workers
 * never wait for the console.
 */
#ifndef VG_CONSOLE_H
#define VG_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vg_live.h"
#include "vg_logring.h"

#define VG_CONSOLE_SOCKET_DIR "/run/vigil"

struct vg_console_cfg {
	struct vg_live *live;
	const struct vg_logshm *shm;
	struct vg_ring *report_ring; /* reporter.log records go here (main lcore's ring) */
	const char *socket_path;     /* NULL: no socket */
	bool interactive;            /* a console on the terminal */
	const char *cmdfile;         /* commands run once at start, or NULL */
	bool logs_in_process;        /* false with --logd: `set log` is vigil-logd's */
	uint32_t *stats_interval;    /* `set stats-interval` writes here */
	/* `reload sig`: asks the main loop to reload the -s files, as SIGHUP
	 * does (doc/signatures.md); NULL: the sensor runs without signatures. */
	void (*reload_sig)(void);
	/* `reload config`: re-reads the -c file; 1 applied (msg says what), 0
	 * nothing to apply, -1 refused (msg: one line why). NULL: no -c. */
	int (*reload_config)(char *msg, size_t len);
	/* `reload pods`: reads the --k8s files again (0, or -1 and why in msg);
	 * NULL: no inventory (doc/k8s.md). */
	int (*reload_pods)(char *msg, size_t len);
	const char *config_text; /* `show config`: the options the sensor runs with */
	bool eal;                /* DPDK's EAL runs: its heaps can be asked about */
};

/*
 * Checks, before EAL starts, that the socket can be made at path: its
 * directory exists and is writable (the default one, VG_CONSOLE_SOCKET_DIR, is
 * created) and no sensor is listening there. 0, or -1 with a one-line
 * reason in err.
 */
int vg_console_socket_check(const char *path, bool is_default, char *err, size_t errlen);

/* Starts the console; -1 with a one-line reason in err. */
int vg_console_open(const struct vg_console_cfg *cfg, char *err, size_t errlen);

/* Main lcore, every loop: serves the terminal and the socket without blocking. */
void vg_console_poll(void);

/* Closes the socket (removing its file) and restores the terminal. */
void vg_console_close(void);

/* False when `set log NAME off` turned the log off (the in-process writer skips it). */
bool vg_console_log_on(uint16_t log_id);

/*
 * Runs one command line on a console without a terminal or socket, its answer
 * into out (NUL-terminated, cut to cap); returns 0, or -1 when the command
 * was refused. For the fuzz target and unit tests.
 */
int vg_console_run_line(const char *line, char *out, size_t cap);

#endif /* VG_CONSOLE_H */
