/* SPDX-License-Identifier: BSD-3-Clause */
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vg_exc_hosts.h"

void
vg_exc_hosts_init(struct vg_exc_hosts *h, const struct vg_exc_cfg *cfg, uint16_t nreaders)
{
	memset(h, 0, sizeof(*h));
	h->nreaders = nreaders < VG_EXC_MAX_READERS ? nreaders : VG_EXC_MAX_READERS;
	for (uint8_t i = 0; i < cfg->naddrs && i < VG_EXC_MAX_ADDRS; i++)
		h->conf.a[h->conf.n++] = cfg->addrs[i];
	h->set[0] = h->conf;
}

static int
addr_order(const void *a, const void *b)
{
	return vg_addr_cmp(a, b);
}

/* Sorts a and drops repeats; the count left. */
static unsigned
sort_unique(struct vg_addr *a, unsigned n)
{
	unsigned k = 0;

	qsort(a, n, sizeof(*a), addr_order);
	for (unsigned i = 0; i < n; i++)
		if (k == 0 || vg_addr_cmp(&a[k - 1], &a[i]) != 0)
			a[k++] = a[i];
	return k;
}

bool
vg_exc_hosts_learn(struct vg_exc_hosts *h, const struct vg_addr *a, unsigned n)
{
	struct vg_addr now[VG_EXC_MAX_LEARNED];

	if (n > VG_EXC_MAX_LEARNED)
		n = VG_EXC_MAX_LEARNED;
	memcpy(now, a, n * sizeof(*a));
	n = sort_unique(now, n);
	if (n == h->nlearned && memcmp(now, h->learned, n * sizeof(*now)) == 0)
		return false;
	memcpy(h->learned, now, n * sizeof(*now));
	h->nlearned = (uint8_t)n;
	h->pending = true;
	__atomic_store_n(&h->learned_n, (uint64_t)n, __ATOMIC_RELAXED);
	__atomic_store_n(&h->changes, h->changes + 1, __ATOMIC_RELAXED);
	return true;
}

static bool
in_set(const struct vg_exc_hostset *s, const struct vg_addr *a)
{
	for (uint8_t i = 0; i < s->n; i++)
		if (vg_addr_cmp(&s->a[i], a) == 0)
			return true;
	return false;
}

bool
vg_exc_hosts_publish(struct vg_exc_hosts *h)
{
	uint32_t g = h->gen;

	if (!h->pending)
		return true;
	/* A reader that has not seen g may still hold set[(g + 1) & 1]. */
	for (uint16_t i = 0; i < h->nreaders; i++)
		if (__atomic_load_n(&h->seen[i], __ATOMIC_ACQUIRE) != g)
			return false;

	struct vg_exc_hostset *next = &h->set[(g + 1) & 1];

	*next = h->conf;
	for (uint8_t i = 0; i < h->nlearned; i++)
		if (!in_set(&h->conf, &h->learned[i]))
			next->a[next->n++] = h->learned[i];
	__atomic_store_n(&h->gen, g + 1, __ATOMIC_RELEASE);
	h->pending = false;
	return true;
}

/* The interface's name, or an IPv4 label of it ("vg0:1"). */
static bool
same_iface(const char *name, const char *iface)
{
	size_t n = strlen(iface);

	return name != NULL && strncmp(name, iface, n) == 0 && (name[n] == '\0' || name[n] == ':');
}

int
vg_exc_if_addrs(const char *iface, struct vg_addr *out, unsigned max)
{
	struct ifaddrs *all, *i;
	unsigned n = 0;

	if (getifaddrs(&all) != 0)
		return -1;
	for (i = all; i != NULL && n < max; i = i->ifa_next) {
		if (i->ifa_addr == NULL || !same_iface(i->ifa_name, iface))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *s = (const void *)i->ifa_addr;

			vg_addr_from_v4(&out[n++], (const uint8_t *)&s->sin_addr);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct sockaddr_in6 *s = (const void *)i->ifa_addr;

			memcpy(out[n++].b, &s->sin6_addr, 16);
		}
	}
	freeifaddrs(all);
	return (int)n;
}
