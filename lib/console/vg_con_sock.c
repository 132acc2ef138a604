/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console's unix socket (vigil-ctl): lib/ctlsock serves it from the main
 * lcore's loop; this runs its lines through the console's commands. A
 * command that waits for the workers (show flows) answers later, and no
 * client's next line starts before it did.
 */
#include <stdlib.h>
#include <string.h>

#include "vg_con.h"
#include "vg_ctlsock.h"

static struct vg_ctlsock *sock;

/* The console's text as an answer, with a note when it was cut. */
static void
take_answer(struct vg_ctl_answer *a, bool ok)
{
	static const char cut[] = "(answer cut)\n";
	size_t n = vg_con.len + (vg_con.cut ? sizeof(cut) - 1 : 0);

	a->ok = ok;
	a->len = 0;
	a->p = malloc(n + 1);
	if (a->p == NULL)
		return;
	memcpy(a->p, vg_con.out, vg_con.len);
	if (vg_con.cut)
		memcpy(a->p + vg_con.len, cut, sizeof(cut) - 1);
	a->len = n;
}

static enum vg_ctl_exec
con_exec(void *ctx, int slot, const char *line, struct vg_ctl_answer *a)
{
	int rc = vg_con_exec(line);

	(void)ctx;
	if (rc == 1) {
		vg_con.waiter = slot;
		return VG_CTL_LATER;
	}
	take_answer(a, rc == 0);
	return VG_CTL_ANSWERED;
}

/* While a command waits for the workers, no other starts. */
static bool
con_busy(void *ctx)
{
	(void)ctx;
	return vg_con.flows.pending;
}

static void
con_too_long(void *ctx, struct vg_ctl_answer *a)
{
	(void)ctx;
	vg_con_exec("");
	vg_con_fail("line longer than %d bytes; nothing was run", VG_CON_LINE_MAX);
	take_answer(a, false);
}

int
vg_console_socket_check(const char *path, bool is_default, char *err, size_t errlen)
{
	return vg_ctlsock_check(path, is_default, "sensor", err, errlen);
}

int
vg_con_sock_open(const char *path, char *err, size_t errlen)
{
	static const struct vg_ctlsock_ops ops = {
		.exec = con_exec, .busy = con_busy, .too_long = con_too_long};

	sock = vg_ctlsock_open(path, false, "sensor", &ops, err, errlen);
	return sock != NULL ? 0 : -1;
}

void
vg_con_sock_deliver(int slot)
{
	struct vg_ctl_answer a;

	if (sock == NULL)
		return;
	take_answer(&a, !vg_con.failed);
	vg_ctlsock_deliver(sock, slot, &a);
}

void
vg_con_sock_poll(void)
{
	vg_ctlsock_poll(sock);
}

void
vg_con_sock_close(void)
{
	vg_ctlsock_close(sock);
	sock = NULL;
}
