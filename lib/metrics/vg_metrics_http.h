/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The metrics endpoint: an HTTP server (libmicrohttpd, one thread of its own
 * polling every connection) that answers GET /metrics with the text a fill
 * function builds for that scrape. The fill runs on the server's thread and
 * must only read (relaxed) what others write: a scrape never holds up the
 * code it reports on.
 *
 * Listening is split from serving so that a bad address or a port in use is
 * reported before anything else starts (the sensor: before EAL probes the
 * ports), while the thread is started later (the sensor: once the workers
 * run, from the main lcore, so the thread inherits the main lcore's CPU and
 * never the workers').
 */
#ifndef VG_METRICS_HTTP_H
#define VG_METRICS_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

#include "vg_prom.h"

/*
 * ADDR:PORT: an IPv4 address, a bracketed IPv6 address ([::1]:9100), a host
 * name that resolves (localhost:9100), or nothing before the colon (:9100,
 * every IPv4 address). 0, or -1 with a one-line reason in err.
 */
int vg_metrics_parse_listen(
	const char *spec, struct sockaddr_storage *ss, socklen_t *sslen, char *err, size_t errlen);

/*
 * Parses spec, binds and listens; the socket, or -1 with a one-line reason in
 * err (what is wrong and what to do; opt names the option for the message).
 */
int vg_metrics_listen(const char *opt, const char *spec, char *err, size_t errlen);

/* Builds one scrape's text. */
typedef void (*vg_metrics_fill_fn)(struct vg_prom *p, void *ctx);

struct vg_metrics_server;

/*
 * Serves /metrics on a socket from vg_metrics_listen (taken over: closed by
 * vg_metrics_stop). NULL with a one-line reason in err.
 */
struct vg_metrics_server *vg_metrics_start(
	int fd, vg_metrics_fill_fn fill, void *ctx, char *err, size_t errlen);

/* Stops the thread (after the scrape in progress) and closes the socket; NULL is fine. */
void vg_metrics_stop(struct vg_metrics_server *s);

/* Scrapes answered so far. */
unsigned long vg_metrics_scrapes(const struct vg_metrics_server *s);

#endif /* VG_METRICS_HTTP_H */
