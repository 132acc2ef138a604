/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "vg_health.h"

#define TICK_MS 100 /* how soon a change of health opens or closes the TCP ports */

static struct {
	struct vg_health_cfg cfg;
	int tcp_fd[VG_HEALTH_MAX_TCP]; /* -1 while closed (unhealthy) */
	int http_fd;
	pthread_t thread;
	bool running;
	int stop;
	pthread_mutex_t lock; /* why[] and the state, between main and the thread */
	bool healthy;
	enum vg_health_state state;
	char why[128];
	struct vg_health_counters cnt;
} hs = {.lock = PTHREAD_MUTEX_INITIALIZER, .state = VG_HEALTH_STARTING};

int
vg_health_parse_http(struct vg_health_cfg *cfg, const char *spec)
{
	char *end;
	unsigned long port = strtoul(spec, &end, 10);

	if (end == spec || port == 0 || port > 65535 || (*end != '\0' && *end != ':'))
		return -1;
	cfg->http_port = (uint16_t)port;
	if (*end == ':') {
		if (end[1] != '/' || strlen(end + 1) >= sizeof(cfg->http_path) ||
			strpbrk(end + 1, " \t\r\n") != NULL)
			return -1;
		snprintf(cfg->http_path, sizeof(cfg->http_path), "%s", end + 1);
	} else {
		snprintf(cfg->http_path, sizeof(cfg->http_path), "/");
	}
	return 0;
}

/* A listening TCP socket on every address (IPv6 and IPv4 where the host has IPv6). */
static int
listen_on(uint16_t port)
{
	int one = 1, zero = 0;
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};

		a6.sin6_addr = in6addr_any;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (bind(fd, (struct sockaddr *)&a6, sizeof(a6)) == 0 && listen(fd, 64) == 0)
			return fd;
		close(fd);
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(port)};

	a4.sin_addr.s_addr = htonl(INADDR_ANY);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a4, sizeof(a4)) == 0 && listen(fd, 64) == 0)
		return fd;
	int e = errno;

	close(fd);
	errno = e;
	return -1;
}

static void
count(uint64_t *c)
{
	pthread_mutex_lock(&hs.lock);
	(*c)++;
	pthread_mutex_unlock(&hs.lock);
}

/* The TCP ports listen while healthy, and are closed (a SYN gets a RST) while not. */
static void
tcp_follow(bool healthy)
{
	for (uint8_t i = 0; i < hs.cfg.ntcp; i++) {
		if (healthy && hs.tcp_fd[i] < 0)
			hs.tcp_fd[i] = listen_on(hs.cfg.tcp_port[i]);
		else if (!healthy && hs.tcp_fd[i] >= 0) {
			close(hs.tcp_fd[i]);
			hs.tcp_fd[i] = -1;
		}
	}
}

/* Reads one request head (bounded in size and time); its path in path[]. */
static bool
read_request(int fd, char *path, size_t plen)
{
	char buf[2048];
	size_t got = 0;

	while (got < sizeof(buf) - 1) {
		ssize_t n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);

		if (n <= 0)
			return false;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL || strstr(buf, "\n\n") != NULL)
			break;
	}
	buf[got] = '\0';
	char *sp = strchr(buf, ' ');

	if (sp == NULL || (strncmp(buf, "GET ", 4) != 0 && strncmp(buf, "HEAD ", 5) != 0))
		return false;
	size_t n = strcspn(sp + 1, " ?\r\n");

	if (n >= plen)
		return false;
	memcpy(path, sp + 1, n);
	path[n] = '\0';
	return true;
}

static void
answer_http(int fd)
{
	struct timeval tv = {
		.tv_sec = VG_HEALTH_IO_MS / 1000, .tv_usec = (VG_HEALTH_IO_MS % 1000) * 1000};
	char path[256], why[128], out[512];
	const char *status;
	int n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (!read_request(fd, path, sizeof(path))) {
		status = "400 Bad Request";
		snprintf(why, sizeof(why), "bad request");
		count(&hs.cnt.http_other);
	} else if (strcmp(path, hs.cfg.http_path) != 0) {
		status = "404 Not Found";
		snprintf(why, sizeof(why), "no such path");
		count(&hs.cnt.http_other);
	} else if (vg_health_get(why, sizeof(why))) {
		status = "200 OK";
		snprintf(why, sizeof(why), "ok");
		count(&hs.cnt.http_ok);
	} else {
		status = "503 Service Unavailable";
		count(&hs.cnt.http_unhealthy);
	}
	n = snprintf(out, sizeof(out),
		"HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
		"Connection: close\r\nCache-Control: no-store\r\n\r\n%s\n",
		status, strlen(why) + 1, why);
	if (n > 0 && send(fd, out, (size_t)n, MSG_NOSIGNAL) < 0)
		count(&hs.cnt.http_other);
}

static void
accept_on(int lfd, bool http)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (http)
		answer_http(fd);
	else
		count(&hs.cnt.tcp_accepted);
	close(fd);
}

static void *
health_thread(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&hs.stop, __ATOMIC_RELAXED)) {
		struct pollfd p[VG_HEALTH_MAX_TCP + 1];
		int idx[VG_HEALTH_MAX_TCP + 1], n = 0;

		tcp_follow(vg_health_get(NULL, 0));
		for (uint8_t i = 0; i < hs.cfg.ntcp; i++)
			if (hs.tcp_fd[i] >= 0) {
				idx[n] = i;
				p[n++] = (struct pollfd){.fd = hs.tcp_fd[i], .events = POLLIN};
			}
		if (hs.http_fd >= 0) {
			idx[n] = -1;
			p[n++] = (struct pollfd){.fd = hs.http_fd, .events = POLLIN};
		}
		if (poll(p, (nfds_t)n, TICK_MS) <= 0)
			continue;
		for (int i = 0; i < n; i++)
			if (p[i].revents & POLLIN)
				accept_on(p[i].fd, idx[i] < 0);
	}
	return NULL;
}

int
vg_health_start(const struct vg_health_cfg *cfg, char *err, size_t errlen)
{
	hs.cfg = *cfg;
	hs.http_fd = -1;
	for (uint8_t i = 0; i < VG_HEALTH_MAX_TCP; i++)
		hs.tcp_fd[i] = -1;
	/* Every port is bound once now, so that a port in use stops vigil at start. */
	for (uint8_t i = 0; i < cfg->ntcp; i++) {
		if ((hs.tcp_fd[i] = listen_on(cfg->tcp_port[i])) < 0) {
			snprintf(err, errlen,
				"--health-port %u: cannot listen (%s); choose a free port",
				cfg->tcp_port[i], strerror(errno));
			vg_health_stop();
			return -1;
		}
	}
	if (cfg->http_port != 0 && (hs.http_fd = listen_on(cfg->http_port)) < 0) {
		snprintf(err, errlen, "--health-http %u: cannot listen (%s); choose a free port",
			cfg->http_port, strerror(errno));
		vg_health_stop();
		return -1;
	}
	__atomic_store_n(&hs.stop, 0, __ATOMIC_RELAXED);
	if (pthread_create(&hs.thread, NULL, health_thread, NULL) != 0) {
		snprintf(err, errlen, "cannot start the health check thread");
		vg_health_stop();
		return -1;
	}
	hs.running = true;
	return 0;
}

const char *
vg_health_state_name(enum vg_health_state s)
{
	static const char *const names[VG_HEALTH_STATES] = {
		"healthy", "starting", "not_polling", "capture_stopped", "dropping", "stopping"};

	return s < VG_HEALTH_STATES ? names[s] : "unknown";
}

void
vg_health_set(enum vg_health_state s, const char *why)
{
	bool healthy = s == VG_HEALTH_HEALTHY;

	pthread_mutex_lock(&hs.lock);
	if (healthy != hs.healthy)
		hs.cnt.changes++;
	hs.healthy = healthy;
	hs.state = s;
	snprintf(hs.why, sizeof(hs.why), "%s", why != NULL ? why : "");
	pthread_mutex_unlock(&hs.lock);
}

bool
vg_health_get(char *why, size_t len)
{
	bool ok;

	pthread_mutex_lock(&hs.lock);
	ok = hs.healthy;
	if (why != NULL && len > 0)
		snprintf(why, len, "%s", hs.why);
	pthread_mutex_unlock(&hs.lock);
	return ok;
}

enum vg_health_state
vg_health_get_state(void)
{
	enum vg_health_state s;

	pthread_mutex_lock(&hs.lock);
	s = hs.state;
	pthread_mutex_unlock(&hs.lock);
	return s;
}

void
vg_health_counters(struct vg_health_counters *c)
{
	pthread_mutex_lock(&hs.lock);
	*c = hs.cnt;
	pthread_mutex_unlock(&hs.lock);
}

void
vg_health_stop(void)
{
	if (hs.running) {
		__atomic_store_n(&hs.stop, 1, __ATOMIC_RELAXED);
		pthread_join(hs.thread, NULL);
		hs.running = false;
	}
	for (uint8_t i = 0; i < VG_HEALTH_MAX_TCP; i++)
		if (hs.tcp_fd[i] >= 0) {
			close(hs.tcp_fd[i]);
			hs.tcp_fd[i] = -1;
		}
	if (hs.http_fd >= 0)
		close(hs.http_fd);
	hs.http_fd = -1;
}

bool
vg_health_enabled(void)
{
	return hs.running;
}
