/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-tap's sender: VXLAN datagrams to the sensor, sent in batches with
 * sendmmsg(2). Several UDP sockets, each its own source port, are connected
 * to the sensor; a packet's flow hash picks one, so the outer 5-tuple differs
 * between flows (the sensor's RSS spreads them) and stays fixed within one.
 * Frames are copied into one arena until a socket's batch is full or the
 * arena is, or the caller flushes (on its timer). Sending never blocks: a
 * datagram the kernel refuses (socket buffer full, sensor unreachable) is
 * dropped and counted.
 */
#ifndef VG_TAP_SEND_H
#define VG_TAP_SEND_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "vg_tap_encap.h"

#define VG_TAP_MAX_SOCKETS 64
#define VG_TAP_MAX_BATCH   1024

struct vg_tap_counters {
	uint64_t sent;       /* datagrams the kernel took */
	uint64_t sent_bytes; /* their UDP payload bytes */
	uint64_t send_drops; /* datagrams the kernel refused */
	int last_errno;      /* why the last one was refused */
};

struct mmsghdr;

struct vg_tap_sender {
	int nsock;
	int fds[VG_TAP_MAX_SOCKETS];
	unsigned batch;
	uint8_t vxlan[VG_TAP_VXLAN_LEN]; /* the same for every datagram */
	struct mmsghdr *msgs;            /* nsock * batch, socket s at s * batch */
	struct iovec *iov;               /* two per message: vxlan, frame */
	unsigned pending[VG_TAP_MAX_SOCKETS];
	uint8_t *arena;
	size_t arena_cap, arena_used;
	struct vg_tap_counters c;
};

/*
 * Opens nsock non-blocking UDP sockets connected to dst and sizes the
 * batches; 0, or -1 with errno (and the sender closed).
 */
int vg_tap_sender_open(struct vg_tap_sender *s, const struct sockaddr *dst, socklen_t dlen,
	int nsock, unsigned batch, size_t arena_cap, uint32_t vni);
/*
 * Queues one frame: head (hlen bytes, a made-up Ethernet header, may be 0)
 * then data (len bytes). Sends what must go first. -1 when the frame can
 * never fit a datagram (counted by the caller).
 */
int vg_tap_sender_add(struct vg_tap_sender *s, uint32_t hash, const uint8_t *head, uint32_t hlen,
	const uint8_t *data, uint32_t len);
/* Sends everything queued. */
void vg_tap_sender_flush(struct vg_tap_sender *s);
void vg_tap_sender_close(struct vg_tap_sender *s);

#endif /* VG_TAP_SEND_H */
