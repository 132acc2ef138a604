/* SPDX-License-Identifier: BSD-3-Clause */
/* The YAML configuration file, turned into long options (see vg_config.c). */
#ifndef VG_CONFIG_H
#define VG_CONFIG_H

#include <getopt.h>

/*
 * Reads FILE and returns its entries as option tokens ("--workers=4") in a
 * NULL-terminated array (*argv_out, *argc_out entries). -1 after printing a
 * one-line error.
 */
int vg_config_load(const char *file, const struct option *opts, int *argc_out, char ***argv_out);

#endif /* VG_CONFIG_H */
