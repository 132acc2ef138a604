/* SPDX-License-Identifier: BSD-3-Clause */
/* The live sensor's console (lib/console) as vg_run_live.c sets it up. */
#ifndef VG_LIVE_CONSOLE_H
#define VG_LIVE_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "vg_live.h"
#include "vg_logring.h"
#include "vg_options.h"

/*
 * vigil -i [EAL options] -- [options]: true when argv[1] is -i, which is
 * then taken out of the arguments EAL sees.
 */
bool vg_live_console_take_i(int *argc, char ***argv);

/*
 * The console socket's path: --console-socket, else
 * /run/vigil/<EAL --file-prefix, or vigil>.sock (eal_argv: EAL's arguments).
 */
const char *vg_live_console_path(const struct vg_options *o, int eal_argc, char **eal_argv);

/* Before EAL: the socket can be made there (a one-line error and 1 if not). */
int vg_live_console_check(const struct vg_options *o, int eal_argc, char **eal_argv);

/*
 * Once the workers run: the socket, --cmdfile, and with -i the terminal.
 * 1 after a one-line error. o stays valid for the run (stats-interval is
 * changed in place).
 */
int vg_live_console_open(struct vg_options *o, struct vg_live *live, struct vg_logshm *shm,
	uint16_t nworkers, int eal_argc, char **eal_argv);

#endif /* VG_LIVE_CONSOLE_H */
