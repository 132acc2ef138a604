/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host's addresses the exception path's classifier goes by: those given
 * with --host-addr, which stay, and those the kernel has on the exception
 * interface (an `ip addr add`, a DHCP lease, the IPv6 link-local address ND
 * needs), which the main lcore learns once a second. Pure C, no DPDK.
 *
 * The workers read the set on every burst, without a lock: there are two
 * copies, the workers read set[gen & 1], and the main lcore writes the other
 * copy only once every worker has said (seen[i], stored once per poll loop,
 * outside any read) that it saw the current generation, so that none can
 * still hold the copy about to be written; then it publishes gen + 1.
 */
#ifndef VG_EXC_HOSTS_H
#define VG_EXC_HOSTS_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_exc_class.h"

#define VG_EXC_MAX_LEARNED 32
#define VG_EXC_MAX_HOSTS   (VG_EXC_MAX_ADDRS + VG_EXC_MAX_LEARNED)
#define VG_EXC_MAX_READERS 64

struct vg_exc_hostset {
	uint8_t n;
	struct vg_addr a[VG_EXC_MAX_HOSTS];
};

struct vg_exc_hosts {
	struct vg_exc_hostset set[2]; /* the workers read set[gen & 1] */
	uint32_t gen;
	uint32_t seen[VG_EXC_MAX_READERS]; /* the generation reader i last saw */
	uint16_t nreaders;
	/* The main lcore's own. */
	struct vg_exc_hostset conf; /* --host-addr */
	uint8_t nlearned;
	struct vg_addr learned[VG_EXC_MAX_LEARNED]; /* sorted */
	bool pending;                               /* conf + learned not published yet */
	uint64_t changes;   /* times the learned addresses changed (read by others) */
	uint64_t learned_n; /* nlearned, for other threads */
};

/* Starts with the configured addresses published, for nreaders workers. */
void vg_exc_hosts_init(struct vg_exc_hosts *h, const struct vg_exc_cfg *cfg, uint16_t nreaders);

/* Worker: the set to classify a burst with (valid until its next vg_exc_hosts_quiesce). */
static inline const struct vg_exc_hostset *
vg_exc_hosts_read(const struct vg_exc_hosts *h)
{
	return &h->set[__atomic_load_n(&h->gen, __ATOMIC_ACQUIRE) & 1];
}

/* Worker i, once per poll loop, holding no set: it is past every older generation. */
static inline void
vg_exc_hosts_quiesce(struct vg_exc_hosts *h, uint16_t i)
{
	uint32_t g = __atomic_load_n(&h->gen, __ATOMIC_ACQUIRE);

	if (i < h->nreaders && h->seen[i] != g)
		__atomic_store_n(&h->seen[i], g, __ATOMIC_RELEASE);
}

/*
 * Main lcore: the addresses the kernel has now (any order, duplicates and
 * configured ones allowed; more than VG_EXC_MAX_LEARNED are cut). Returns
 * true when the learned set changed; it is then published as soon as
 * vg_exc_hosts_publish can.
 */
bool vg_exc_hosts_learn(struct vg_exc_hosts *h, const struct vg_addr *a, unsigned n);

/* Main lcore: publishes what waits if every reader is past the old copy; true when nothing waits.
 */
bool vg_exc_hosts_publish(struct vg_exc_hosts *h);

/*
 * The addresses the kernel has on interface iface (IPv4 and IPv6, the
 * link-local one included), at most max; -1 when they cannot be read.
 */
int vg_exc_if_addrs(const char *iface, struct vg_addr *out, unsigned max);

#endif /* VG_EXC_HOSTS_H */
