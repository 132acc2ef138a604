/* SPDX-License-Identifier: BSD-3-Clause */
/* The control socket (vg_ctlsock.h). */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vg_ctlsock.h"

/* New connections taken per poll. */
#define ACCEPT_PER_POLL 4

struct client {
	int fd; /* -1: free */
	char in[VG_CTL_LINE_MAX + 1];
	size_t nin;
	bool too_long; /* the line outgrew in[]: its rest is skipped, then refused */
	bool waiting;  /* its command's answer comes later */
	char *out;     /* an answer being sent */
	size_t nout, sent;
	time_t active; /* the last byte either way */
};

struct vg_ctlsock {
	int fd;
	struct vg_ctlsock_ops ops;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct client c[VG_CTL_CLIENTS];
};

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

/* True when something answers at the socket's path. */
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
vg_ctlsock_check(const char *path, bool is_default, const char *who, char *err, size_t errlen)
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
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen,
			"'%s' exists and is not a socket; give another --console-socket PATH",
			path);
		return -1;
	}
	if (lstat(path, &st) == 0 && someone_listens(&sa)) {
		snprintf(err, errlen,
			"another %s listens on '%s'; give it another --console-socket PATH", who,
			path);
		return -1;
	}
	return 0;
}

struct vg_ctlsock *
vg_ctlsock_open(const char *path, bool is_default, const char *who,
	const struct vg_ctlsock_ops *ops, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct vg_ctlsock *s;

	if (vg_ctlsock_check(path, is_default, who, err, errlen) != 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "cannot open the console socket (out of memory)");
		return NULL;
	}
	s->ops = *ops;
	for (int i = 0; i < VG_CTL_CLIENTS; i++)
		s->c[i].fd = -1;
	fits(path, &sa);
	unlink(path); /* a stale socket of an owner that is gone */
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		listen(s->fd, VG_CTL_CLIENTS) != 0) {
		snprintf(err, errlen,
			"cannot listen on console socket '%s' (%s); give another "
			"--console-socket PATH",
			path, strerror(errno));
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return NULL;
	}
	chmod(path, 0660);
	strcpy(s->path, path);
	return s;
}

static void
drop(struct client *c)
{
	close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Queues an answer with the status trailer (the text is taken over). */
static void
queue(struct client *c, struct vg_ctl_answer *a)
{
	const char *st = a->ok ? "ok\n" : "error\n";
	size_t n = a->len + 1 + strlen(st);
	char *out = realloc(a->p, n);

	a->p = NULL;
	free(c->out);
	c->out = NULL;
	c->nout = c->sent = 0;
	if (out == NULL) {
		drop(c);
		return;
	}
	out[a->len] = '\0';
	memcpy(out + a->len + 1, st, strlen(st));
	c->out = out;
	c->nout = n;
}

void
vg_ctlsock_deliver(struct vg_ctlsock *s, int slot, struct vg_ctl_answer *a)
{
	struct client *c = s != NULL && slot >= 0 && slot < VG_CTL_CLIENTS ? &s->c[slot] : NULL;

	if (c == NULL || c->fd < 0 || !c->waiting) {
		free(a->p); /* the client went away: the answer goes nowhere */
		a->p = NULL;
		return;
	}
	c->waiting = false;
	queue(c, a);
}

static void
run_line(struct vg_ctlsock *s, struct client *c, int slot, const char *line)
{
	struct vg_ctl_answer a = {0};

	if (s->ops.exec(s->ops.ctx, slot, line, &a) == VG_CTL_LATER)
		c->waiting = true;
	else
		queue(c, &a);
}

/* Runs the first whole line in c->in, if any; true when one ran. */
static bool
next_line(struct vg_ctlsock *s, struct client *c, int slot)
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
	if (nl > c->in && nl[-1] == '\r')
		nl[-1] = '\0';
	if (c->too_long) {
		struct vg_ctl_answer a = {0};

		c->too_long = false;
		s->ops.too_long(s->ops.ctx, &a);
		queue(c, &a);
	} else {
		run_line(s, c, slot, c->in);
	}
	size_t used = (size_t)(nl - c->in) + 1;

	memmove(c->in, nl + 1, c->nin - used);
	c->nin -= used;
	return true;
}

/* Sends what is queued; false when the client had to go. */
static bool
send_out(struct client *c, time_t now)
{
	if (c->out == NULL)
		return true;
	ssize_t w = send(c->fd, c->out + c->sent, c->nout - c->sent, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (w < 0 && errno != EAGAIN && errno != EINTR) {
		drop(c);
		return false;
	}
	if (w > 0) {
		c->sent += (size_t)w;
		c->active = now;
	}
	if (c->sent < c->nout)
		return false;
	free(c->out);
	c->out = NULL;
	return true;
}

static void
serve(struct vg_ctlsock *s, struct client *c, int slot, time_t now)
{
	if (!send_out(c, now))
		return;
	if (c->waiting || (s->ops.busy != NULL && s->ops.busy(s->ops.ctx)))
		return;
	if (next_line(s, c, slot))
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
		next_line(s, c, slot);
	}
}

static void
take_new(struct vg_ctlsock *s, time_t now)
{
	for (int k = 0; k < ACCEPT_PER_POLL; k++) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int i = 0;

		if (fd < 0)
			return;
		while (i < VG_CTL_CLIENTS && s->c[i].fd >= 0)
			i++;
		if (i == VG_CTL_CLIENTS) {
			static const char busy[] =
				"too many console clients (8); close one and try again\n\0error\n";

			send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			close(fd);
			continue;
		}
		memset(&s->c[i], 0, sizeof(s->c[i]));
		s->c[i].fd = fd;
		s->c[i].active = now;
	}
}

void
vg_ctlsock_poll(struct vg_ctlsock *s)
{
	time_t now = time(NULL);

	if (s == NULL)
		return;
	take_new(s, now);
	for (int i = 0; i < VG_CTL_CLIENTS; i++) {
		struct client *c = &s->c[i];

		if (c->fd < 0)
			continue;
		if (!c->waiting && now - c->active > VG_CTL_IDLE_S) {
			drop(c);
			continue;
		}
		serve(s, c, i, now);
	}
}

void
vg_ctlsock_close(struct vg_ctlsock *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < VG_CTL_CLIENTS; i++) {
		struct client *c = &s->c[i];

		if (c->fd < 0)
			continue;
		/* The last answers (quit's) are small: one try to hand them over. */
		if (c->out != NULL)
			send(c->fd, c->out + c->sent, c->nout - c->sent,
				MSG_DONTWAIT | MSG_NOSIGNAL);
		drop(c);
	}
	close(s->fd);
	unlink(s->path);
	free(s);
}
