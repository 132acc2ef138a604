/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reload config (doc/console.md): the -c file read again, as at start, with
 * the command line still winning. Keys that can change while the sensor
 * runs are applied; a file that changes any other key is refused whole.
 */
#ifndef VG_LIVE_RELOAD_H
#define VG_LIVE_RELOAD_H

#include <stddef.h>

#include "vg_options.h"

/*
 * Main lcore. run: the options the sensor runs with (the live keys are
 * written there). 1 applied (msg: what), 0 nothing changed, -1 refused
 * (msg: one line).
 */
int vg_live_reload_config(struct vg_options *run, char *msg, size_t len);

#endif /* VG_LIVE_RELOAD_H */
