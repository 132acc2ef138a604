/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live signature reload, the main lcore's side (doc/signatures.md, "Reload").
 * SIGHUP asks for it; the files given with -s are read and compiled on a
 * thread of their own, so traffic and the main loop go on; the main loop
 * then hands each worker a matcher on the new set and reports when every
 * worker runs it (an RCU grace period, DPDK's rte_rcu_qsbr). A set that
 * fails to load leaves the running one in place and says why.
 */
#ifndef VG_SIG_RELOAD_H
#define VG_SIG_RELOAD_H

#include "vg_live.h"
#include "vg_options.h"

struct vg_sig_reload;

/*
 * For a live run with signatures (o->sig_db set), before the workers are
 * launched: sets live->sig_qsbr. NULL without signatures, or (with a
 * message) when memory cannot be had.
 */
struct vg_sig_reload *vg_sig_reload_create(struct vg_live *live, const struct vg_options *o);
/* SIGHUP: starts a reload unless one is under way (then it is said so). */
void vg_sig_reload_request(struct vg_sig_reload *r);
/* From the main loop: moves a reload on; never blocks. */
void vg_sig_reload_tick(struct vg_sig_reload *r);
/* After the workers have returned. NULL is ignored. */
void vg_sig_reload_free(struct vg_sig_reload *r);

#endif /* VG_SIG_RELOAD_H */
