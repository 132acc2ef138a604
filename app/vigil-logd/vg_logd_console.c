/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-logd's console socket: non-blocking, served from the main loop. At
 * most CLIENTS clients and LINE_MAX_BYTES a line; a client idle for IDLE_S
 * seconds is closed. A client that sends nothing, garbage, a line too long,
 * or goes away mid-command costs vigil-logd nothing more.
 */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vg_logd_console.h"

#define CLIENTS        8
#define LINE_MAX_BYTES 512
#define IDLE_S         600
#define ANSWER_MAX     (1u << 20)

struct client {
	int fd; /* -1: free */
	char in[LINE_MAX_BYTES + 1];
	size_t nin;
	bool too_long;
	char *out;
	size_t nout, sent;
	time_t active;
};

static struct {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct client c[CLIENTS];
} con = {.fd = -1};

void
vg_logd_answer_printf(struct vg_logd_answer *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = a->cap - a->len;

		va_start(ap, fmt);
		n = vsnprintf(a->p ? a->p + a->len : NULL, a->p ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (a->p != NULL && (size_t)n < room) {
			a->len += (size_t)n;
			return;
		}
		size_t cap = (a->cap ? a->cap : 4096) * 2;

		while (cap < a->len + (size_t)n + 1)
			cap *= 2;
		if (cap > ANSWER_MAX)
			return; /* cut: the answer is already huge */
		char *p = realloc(a->p, cap);

		if (p == NULL)
			return;
		a->p = p;
		a->cap = cap;
	}
}

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
vg_logd_console_open(const char *path, bool is_default, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	char dir[sizeof(sa.sun_path)];
	struct stat st;

	for (int i = 0; i < CLIENTS; i++)
		con.c[i].fd = -1;
	if (!fits(path, &sa)) {
		snprintf(err, errlen,
			"--console-socket '%s' is longer than %zu bytes; give a shorter "
			"path",
			path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	strcpy(dir, path);
	dirname(dir);
	if (is_default && stat(dir, &st) != 0)
		mkdir(dir, 0750);
	if (lstat(path, &st) == 0 && (!S_ISSOCK(st.st_mode) || someone_listens(&sa))) {
		snprintf(err, errlen,
			S_ISSOCK(st.st_mode) ? "another vigil-logd listens on '%s'; give another "
					       "--console-socket PATH"
					     : "'%s' exists and is not a socket; give another "
					       "--console-socket PATH",
			path);
		return -1;
	}
	unlink(path); /* a stale socket of a vigil-logd that is gone */
	con.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (con.fd < 0 || bind(con.fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		listen(con.fd, CLIENTS) != 0) {
		snprintf(err, errlen,
			"cannot listen on console socket '%s' (%s); give another --console-socket "
			"PATH",
			path, strerror(errno));
		if (con.fd >= 0)
			close(con.fd);
		con.fd = -1;
		return -1;
	}
	chmod(path, 0660);
	strcpy(con.path, path);
	return 0;
}

static void
drop(struct client *c)
{
	close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void
queue(struct client *c, struct vg_logd_answer *a)
{
	vg_logd_answer_printf(a, "%c%s", '\0', a->failed ? "error\n" : "ok\n");
	free(c->out);
	c->out = a->p;
	c->nout = a->len;
	c->sent = 0;
	a->p = NULL;
}

static bool
next_line(const struct vg_logd_console_ctx *x, struct client *c)
{
	char *nl = memchr(c->in, '\n', c->nin);
	struct vg_logd_answer a = {0};

	if (nl == NULL) {
		if (c->nin == sizeof(c->in)) {
			c->too_long = true;
			c->nin = 0;
		}
		return false;
	}
	*nl = '\0';
	if (nl > c->in && nl[-1] == '\r')
		nl[-1] = '\0';
	if (c->too_long) {
		c->too_long = false;
		a.failed = true;
		vg_logd_answer_printf(
			&a, "line longer than %d bytes; nothing was run\n", LINE_MAX_BYTES);
	} else {
		vg_logd_console_exec(x, c->in, &a);
	}
	queue(c, &a);
	size_t used = (size_t)(nl - c->in) + 1;

	memmove(c->in, nl + 1, c->nin - used);
	c->nin -= used;
	return true;
}

static void
serve(const struct vg_logd_console_ctx *x, struct client *c, time_t now)
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
	if (next_line(x, c))
		return;
	ssize_t r = recv(c->fd, c->in + c->nin, sizeof(c->in) - c->nin, MSG_DONTWAIT);

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		drop(c);
		return;
	}
	if (r > 0) {
		for (ssize_t i = 0; i < r; i++)
			if (c->in[c->nin + (size_t)i] == '\0')
				c->in[c->nin + (size_t)i] = ' ';
		c->nin += (size_t)r;
		c->active = now;
		next_line(x, c);
	}
}

static void
take_new(time_t now)
{
	for (int k = 0; k < 4; k++) {
		int fd = accept4(con.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int i = 0;

		if (fd < 0)
			return;
		while (i < CLIENTS && con.c[i].fd >= 0)
			i++;
		if (i == CLIENTS) {
			static const char busy[] =
				"too many console clients (8); close one and try again\n\0error\n";

			send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			close(fd);
			continue;
		}
		memset(&con.c[i], 0, sizeof(con.c[i]));
		con.c[i].fd = fd;
		con.c[i].active = now;
	}
}

void
vg_logd_console_poll(const struct vg_logd_console_ctx *x)
{
	time_t now;

	if (con.fd < 0)
		return;
	now = time(NULL);
	take_new(now);
	for (int i = 0; i < CLIENTS; i++) {
		struct client *c = &con.c[i];

		if (c->fd < 0)
			continue;
		if (now - c->active > IDLE_S) {
			drop(c);
			continue;
		}
		serve(x, c, now);
	}
}

void
vg_logd_console_close(void)
{
	if (con.fd < 0)
		return;
	for (int i = 0; i < CLIENTS; i++)
		if (con.c[i].fd >= 0)
			drop(&con.c[i]);
	close(con.fd);
	unlink(con.path);
	con.fd = -1;
}
