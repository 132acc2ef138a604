/* SPDX-License-Identifier: BSD-3-Clause */
#include "vg_tap_send.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The largest UDP payload over IPv4 (65535 - 20 - 8). */
#define UDP_MAX_PAYLOAD 65507u
/* Socket send buffer asked for: room for bursts, kernel memory, not ours. */
#define SNDBUF_BYTES (4 << 20)

static int
open_socket(const struct sockaddr *dst, socklen_t dlen)
{
	int fd = socket(dst->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int v = SNDBUF_BYTES;

	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	/* Frames larger than the path MTU are fragmented, not refused. */
	v = IP_PMTUDISC_DONT;
	if (dst->sa_family == AF_INET)
		(void)setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v));
	else
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof(v));
	if (connect(fd, dst, dlen) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
vg_tap_sender_open(struct vg_tap_sender *s, const struct sockaddr *dst, socklen_t dlen, int nsock,
	unsigned batch, size_t arena_cap, uint32_t vni)
{
	memset(s, 0, sizeof(*s));
	if (nsock < 1 || nsock > VG_TAP_MAX_SOCKETS || batch < 1 || batch > VG_TAP_MAX_BATCH ||
		arena_cap < UDP_MAX_PAYLOAD) {
		errno = EINVAL;
		return -1;
	}
	s->batch = batch;
	s->arena_cap = arena_cap;
	vg_tap_vxlan_header(s->vxlan, vni);
	s->msgs = calloc((size_t)nsock * batch, sizeof(*s->msgs));
	s->iov = calloc((size_t)nsock * batch * 2, sizeof(*s->iov));
	s->arena = malloc(arena_cap);
	if (s->msgs == NULL || s->iov == NULL || s->arena == NULL) {
		vg_tap_sender_close(s);
		errno = ENOMEM;
		return -1;
	}
	for (int i = 0; i < nsock; i++) {
		s->fds[i] = open_socket(dst, dlen);
		if (s->fds[i] < 0) {
			int e = errno;

			vg_tap_sender_close(s);
			errno = e;
			return -1;
		}
		s->nsock = i + 1;
	}
	return 0;
}

/* Sends the queued datagrams of socket i; what the kernel refuses is counted. */
static void
flush_socket(struct vg_tap_sender *s, int i)
{
	struct mmsghdr *m = s->msgs + (size_t)i * s->batch;
	unsigned n = s->pending[i], done = 0;

	while (done < n) {
		int r = sendmmsg(s->fds[i], m + done, n - done, MSG_DONTWAIT);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* The first of the rest was refused: count it, go on after it. */
			s->c.last_errno = errno;
			s->c.send_drops++;
			done++;
			continue;
		}
		for (int k = 0; k < r; k++)
			s->c.sent_bytes += m[done + k].msg_len;
		s->c.sent += (uint64_t)r;
		done += (unsigned)r;
	}
	s->pending[i] = 0;
}

void
vg_tap_sender_flush(struct vg_tap_sender *s)
{
	for (int i = 0; i < s->nsock; i++)
		if (s->pending[i] > 0)
			flush_socket(s, i);
	s->arena_used = 0;
}

int
vg_tap_sender_add(struct vg_tap_sender *s, uint32_t hash, const uint8_t *head, uint32_t hlen,
	const uint8_t *data, uint32_t len)
{
	size_t flen = (size_t)hlen + len;

	if (flen + VG_TAP_VXLAN_LEN > UDP_MAX_PAYLOAD)
		return -1;
	if (s->arena_used + flen > s->arena_cap)
		vg_tap_sender_flush(s);

	int i = (int)(hash % (uint32_t)s->nsock);
	unsigned k = s->pending[i];
	size_t slot = (size_t)i * s->batch + k;
	uint8_t *f = s->arena + s->arena_used;

	if (hlen > 0)
		memcpy(f, head, hlen);
	memcpy(f + hlen, data, len);
	s->arena_used += flen;

	struct iovec *v = s->iov + slot * 2;

	v[0].iov_base = s->vxlan;
	v[0].iov_len = VG_TAP_VXLAN_LEN;
	v[1].iov_base = f;
	v[1].iov_len = flen;
	memset(&s->msgs[slot], 0, sizeof(s->msgs[slot]));
	s->msgs[slot].msg_hdr.msg_iov = v;
	s->msgs[slot].msg_hdr.msg_iovlen = 2;
	s->pending[i] = k + 1;
	/*
	 * A full batch goes now; its frames stay in the arena (other sockets'
	 * queued frames still point into it) until the next whole flush.
	 */
	if (s->pending[i] == s->batch)
		flush_socket(s, i);
	return 0;
}

void
vg_tap_sender_close(struct vg_tap_sender *s)
{
	for (int i = 0; i < s->nsock; i++)
		close(s->fds[i]);
	s->nsock = 0;
	free(s->msgs);
	free(s->iov);
	free(s->arena);
	s->msgs = NULL;
	s->iov = NULL;
	s->arena = NULL;
}
