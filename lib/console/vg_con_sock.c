/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console's unix socket (vigil-ctl): non-blocking, served from the main
 * lcore's loop. A client sends command lines; each answer is the command's
 * text, then a NUL byte and "ok\n" or "error\n". At most VG_CON_CLIENTS
 * clients and VG_CON_LINE_MAX bytes a line; a client idle for
 * VG_CON_IDLE_S seconds is closed. A client that sends nothing, garbage, a
 * line too long, or goes away mid-command costs the sensor nothing more.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vg_con.h"

#define VG_CON_CLIENTS 8
#define VG_CON_IDLE_S  600
/* New connections taken per loop. */
#define ACCEPT_PER_POLL 4

struct client {
	int fd; /* -1: free */
	char in[VG_CON_LINE_MAX + 1];
	size_t nin;
	bool too_long; /* the line outgrew in[]: its rest is skipped, then refused */
	bool waiting;  /* its command waits for the workers */
	char *out;     /* an answer being sent */
	size_t nout, sent;
	time_t active; /* the last byte either way */
};

static struct {
	bool ready; /* the clients' slots are set up */
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct client c[VG_CON_CLIENTS];
} sock = {.fd = -1};

static bool
fits(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return false;
	strcpy(sa->sun_path, path);
	return true;
}

/* True when a sensor answers at path. */
static bool
someone_listens(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool yes = fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;

	if (fd >= 0)
		close(fd);
	return yes;
}

int
vg_console_socket_check(const char *path, bool is_default, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	char dir[sizeof(sa.sun_path)];
	struct stat st;

	if (!fits(path, &sa)) {
		snprintf(err, errlen,
			"--console-socket '%s' is longer than %zu bytes; give a shorter path", path,
			sizeof(sa.sun_path) - 1);
		return -1;
	}
	strcpy(dir, path);
	dirname(dir);
	if (is_default && stat(dir, &st) != 0)
		mkdir(dir, 0750);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen,
			"the console socket's directory '%s' does not exist; create it or give "
			"--console-socket PATH",
			dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		snprintf(err, errlen,
			"cannot create the console socket in '%s' (not writable); give "
			"--console-socket PATH",
			dir);
		return -1;
	}
	if (lstat(path, &st) == 0 && (!S_ISSOCK(st.st_mode) || someone_listens(&sa))) {
		snprintf(err, errlen,
			S_ISSOCK(st.st_mode) ? "another sensor listens on '%s'; give it another "
					       "--console-socket PATH"
					     : "'%s' exists and is not a socket; give another "
					       "--console-socket PATH",
			path);
		return -1;
	}
	return 0;
}

int
vg_con_sock_open(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;

	for (int i = 0; i < VG_CON_CLIENTS; i++)
		sock.c[i].fd = -1;
	sock.ready = true;
	if (vg_console_socket_check(path, false, err, errlen) != 0)
		return -1;
	fits(path, &sa);
	unlink(path); /* a stale socket of a sensor that is gone */
	sock.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sock.fd < 0 || bind(sock.fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		listen(sock.fd, VG_CON_CLIENTS) != 0) {
		snprintf(err, errlen,
			"cannot listen on console socket '%s' (%s); give another "
			"--console-socket PATH",
			path, strerror(errno));
		if (sock.fd >= 0)
			close(sock.fd);
		sock.fd = -1;
		return -1;
	}
	chmod(path, 0660);
	strcpy(sock.path, path);
	return 0;
}

static void
drop(struct client *c)
{
	if (c->waiting)
		c->waiting = false; /* the answer, when it comes, goes nowhere */
	close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Queues the console's answer and the status trailer. */
static void
queue_answer(struct client *c, bool ok)
{
	const char *st = ok ? "ok\n" : "error\n";
	size_t n = vg_con.len + 1 + strlen(st) + (vg_con.cut ? 13 : 0);

	free(c->out);
	c->out = malloc(n);
	c->nout = c->sent = 0;
	if (c->out == NULL) {
		drop(c);
		return;
	}
	memcpy(c->out, vg_con.out, vg_con.len);
	c->nout = vg_con.len;
	if (vg_con.cut) {
		memcpy(c->out + c->nout, "(answer cut)\n", 13);
		c->nout += 13;
	}
	c->out[c->nout++] = '\0';
	memcpy(c->out + c->nout, st, strlen(st));
	c->nout += strlen(st);
}

void
vg_con_sock_deliver(int slot)
{
	struct client *c = slot >= 0 && slot < VG_CON_CLIENTS ? &sock.c[slot] : NULL;

	if (!sock.ready || c == NULL || c->fd < 0 || !c->waiting)
		return;
	c->waiting = false;
	queue_answer(c, !vg_con.failed);
}

static void
run_line(struct client *c, int slot, const char *line)
{
	int rc = vg_con_exec(line);

	if (rc == 1) {
		c->waiting = true;
		vg_con.waiter = slot;
		return;
	}
	queue_answer(c, rc == 0);
}

/* Runs the first whole line in c->in, if any; true when one ran. */
static bool
next_line(struct client *c, int slot)
{
	char *nl = memchr(c->in, '\n', c->nin);

	if (nl == NULL) {
		if (c->nin == sizeof(c->in)) { /* no end in sight: skip to it */
			c->too_long = true;
			c->nin = 0;
		}
		return false;
	}
	*nl = '\0';
	if (c->too_long) {
		c->too_long = false;
		vg_con_exec("");
		vg_con_fail("line longer than %d bytes; nothing was run", VG_CON_LINE_MAX);
		queue_answer(c, false);
	} else {
		run_line(c, slot, c->in);
	}
	size_t used = (size_t)(nl - c->in) + 1;

	memmove(c->in, nl + 1, c->nin - used);
	c->nin -= used;
	return true;
}

static void
serve(struct client *c, int slot, time_t now)
{
	if (c->out != NULL) {
		ssize_t w = send(
			c->fd, c->out + c->sent, c->nout - c->sent, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			drop(c);
			return;
		}
		if (w > 0) {
			c->sent += (size_t)w;
			c->active = now;
		}
		if (c->sent < c->nout)
			return;
		free(c->out);
		c->out = NULL;
	}
	if (c->waiting || vg_con.flows.pending)
		return;
	if (next_line(c, slot))
		return;
	ssize_t r = recv(c->fd, c->in + c->nin, sizeof(c->in) - c->nin, MSG_DONTWAIT);

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		drop(c); /* gone, even in the middle of a line */
		return;
	}
	if (r > 0) {
		/* A NUL byte would end the line early: it is taken as a blank. */
		for (ssize_t i = 0; i < r; i++)
			if (c->in[c->nin + (size_t)i] == '\0')
				c->in[c->nin + (size_t)i] = ' ';
		c->nin += (size_t)r;
		c->active = now;
		next_line(c, slot);
	}
}

static void
take_new(time_t now)
{
	for (int k = 0; k < ACCEPT_PER_POLL; k++) {
		int fd = accept4(sock.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int i = 0;

		if (fd < 0)
			return;
		while (i < VG_CON_CLIENTS && sock.c[i].fd >= 0)
			i++;
		if (i == VG_CON_CLIENTS) {
			static const char busy[] =
				"too many console clients (8); close one and try again\n\0error\n";

			send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			close(fd);
			continue;
		}
		memset(&sock.c[i], 0, sizeof(sock.c[i]));
		sock.c[i].fd = fd;
		sock.c[i].active = now;
	}
}

void
vg_con_sock_poll(void)
{
	time_t now = time(NULL);

	if (sock.fd < 0)
		return;
	take_new(now);
	for (int i = 0; i < VG_CON_CLIENTS; i++) {
		struct client *c = &sock.c[i];

		if (c->fd < 0)
			continue;
		if (!c->waiting && now - c->active > VG_CON_IDLE_S) {
			drop(c);
			continue;
		}
		serve(c, i, now);
	}
}

void
vg_con_sock_close(void)
{
	if (!sock.ready)
		return;
	for (int i = 0; i < VG_CON_CLIENTS; i++) {
		struct client *c = &sock.c[i];

		if (c->fd < 0)
			continue;
		/* The last answers (quit's) are small: one try to hand them over. */
		if (c->out != NULL)
			send(c->fd, c->out + c->sent, c->nout - c->sent,
				MSG_DONTWAIT | MSG_NOSIGNAL);
		drop(c);
	}
	if (sock.fd >= 0) {
		close(sock.fd);
		unlink(sock.path);
	}
	sock.fd = -1;
}
