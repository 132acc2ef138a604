/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VG_SIG_CHECK_H
#define VG_SIG_CHECK_H

/*
 * vigil --sig-check FILE...: parses the signature files (like zeek -a),
 * prints each problem as one line to stderr and "N signatures loaded from K
 * files" to stdout. Returns the exit status: 0, or 1 when a problem is fatal.
 */
int vg_sig_check_run(char *const *files, int n);

#endif /* VG_SIG_CHECK_H */
