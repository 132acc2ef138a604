/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A control socket: the unix socket server that the sensor's console
 * (lib/console) and vigil-logd's share, with vigil-ctl's line protocol: a
 * client sends command lines; each answer is the command's text, a NUL byte,
 * then "ok\n" or "error\n". Non-blocking, served from the owner's loop,
 * no DPDK. At most VG_CTL_CLIENTS clients and VG_CTL_LINE_MAX bytes a line;
 * a client idle for VG_CTL_IDLE_S seconds is closed. A client that sends
 * nothing, garbage, a line too long, or goes away mid-command costs the
 * owner nothing more.
 */
#ifndef VG_CTLSOCK_H
#define VG_CTLSOCK_H

#include <stdbool.h>
#include <stddef.h>

#define VG_CTL_CLIENTS  8
#define VG_CTL_LINE_MAX 512
#define VG_CTL_IDLE_S   600

/* An answer: text (malloc'd, handed over; NULL for none) and its verdict. */
struct vg_ctl_answer {
	char *p;
	size_t len;
	bool ok;
};

/* What the owner does with a line. */
enum vg_ctl_exec {
	VG_CTL_ANSWERED, /* the answer is in *a */
	VG_CTL_LATER,    /* it comes later: vg_ctlsock_deliver(slot, ...) */
};

struct vg_ctlsock_ops {
	/* Runs one command line (NUL-terminated, without its newline) for client slot. */
	enum vg_ctl_exec (*exec)(void *ctx, int slot, const char *line, struct vg_ctl_answer *a);
	/* True while no new command may start (NULL: never). */
	bool (*busy)(void *ctx);
	/* The answer to a line longer than VG_CTL_LINE_MAX. */
	void (*too_long)(void *ctx, struct vg_ctl_answer *a);
	void *ctx;
};

/*
 * Checks that path can be listened on: it fits, its directory exists (is
 * made when is_default) and is writable, and nothing listens there (who:
 * "sensor", "vigil-logd", for the message). 0, or -1 with one line in err.
 */
int vg_ctlsock_check(const char *path, bool is_default, const char *who, char *err, size_t errlen);

struct vg_ctlsock;

/* Listens on path (vg_ctlsock_check first); NULL with a one-line reason in err. */
struct vg_ctlsock *vg_ctlsock_open(const char *path, bool is_default, const char *who,
	const struct vg_ctlsock_ops *ops, char *err, size_t errlen);
/* Every loop: new clients, their lines, their answers; never blocks. */
void vg_ctlsock_poll(struct vg_ctlsock *s);
/* The answer of a VG_CTL_LATER line (dropped when that client is gone). */
void vg_ctlsock_deliver(struct vg_ctlsock *s, int slot, struct vg_ctl_answer *a);
/* Hands over what is left to send (one try), closes the clients and removes the socket. */
void vg_ctlsock_close(struct vg_ctlsock *s);

#endif /* VG_CTLSOCK_H */
