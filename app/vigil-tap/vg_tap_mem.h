/* SPDX-License-Identifier: BSD-3-Clause */
/* vigil-tap's resident memory (vg_tap_mem.c). */
#ifndef VG_TAP_MEM_H
#define VG_TAP_MEM_H

/*
 * Drops the binary's read-only pages from the process's resident set (they
 * stay in the page cache and fault back when used); the bytes let go.
 */
unsigned long vg_tap_trim_rss(void);

#endif /* VG_TAP_MEM_H */
