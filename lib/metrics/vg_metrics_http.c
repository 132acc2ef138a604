/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "vg_metrics_http.h"

/* The Prometheus text format's media type. */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct vg_metrics_server {
	struct MHD_Daemon *d;
	vg_metrics_fill_fn fill;
	void *ctx;
	unsigned long scrapes;
};

/* Splits "host:port" / "[v6]:port"; the host into host (may be ""). */
static int
split_spec(const char *spec, char *host, size_t hostlen, const char **port)
{
	const char *colon;
	size_t n;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		n = (size_t)(close - spec - 1);
		colon = close + 1;
		spec++;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL || memchr(spec, ':', (size_t)(colon - spec)) != NULL)
			return -1;
		n = (size_t)(colon - spec);
	}
	if (n >= hostlen)
		return -1;
	memcpy(host, spec, n);
	host[n] = '\0';
	*port = colon + 1;
	return 0;
}

static int
parse_port(const char *s)
{
	long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v >= 1 && v <= 65535 ? (int)v : -1;
}

int
vg_metrics_parse_listen(
	const char *spec, struct sockaddr_storage *ss, socklen_t *sslen, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *port;
	int rc;

	if (spec == NULL || split_spec(spec, host, sizeof(host), &port) != 0) {
		snprintf(err, errlen,
			"'%s' is not ADDR:PORT; write e.g. 127.0.0.1:9100, [::1]:9100 or :9100",
			spec ? spec : "");
		return -1;
	}
	if (parse_port(port) < 0) {
		snprintf(err, errlen, "'%s' in '%s' is not a port; give one from 1 to 65535", port,
			spec);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (host[0] == '\0' ? AI_PASSIVE : 0);
	hints.ai_family = host[0] == '\0' ? AF_INET : AF_UNSPEC;
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(err, errlen, "cannot resolve '%s' (%s); give an address such as 127.0.0.1",
			host, gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int
vg_metrics_listen(const char *opt, const char *spec, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char why[300];
	int fd, one = 1;

	if (vg_metrics_parse_listen(spec, &ss, &len, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s %s", opt, why);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s %s: cannot make a socket (%s)", opt, spec,
			strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 64) != 0) {
		int e = errno;

		close(fd);
		if (e == EADDRINUSE)
			snprintf(err, errlen,
				"%s %s: the port is in use; stop what listens there or choose "
				"another port",
				opt, spec);
		else if (e == EADDRNOTAVAIL)
			snprintf(err, errlen,
				"%s %s: no interface of this host has that address; give one it "
				"has (e.g. 127.0.0.1)",
				opt, spec);
		else
			snprintf(err, errlen, "%s %s: cannot listen (%s)", opt, spec, strerror(e));
		return -1;
	}
	return fd;
}

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	char *body = strdup(text);

	return body ? reply(c, status, "text/plain; charset=utf-8", body, strlen(text)) : MHD_NO;
}

static enum MHD_Result
serve_metrics(struct vg_metrics_server *s, struct MHD_Connection *c)
{
	struct vg_prom p;
	size_t len;
	char *body;

	vg_prom_init(&p);
	s->fill(&p, s->ctx);
	if (p.oom) {
		vg_prom_free(&p);
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	body = vg_prom_take(&p, &len);
	if (body == NULL && (body = strdup("")) == NULL)
		return MHD_NO;
	__atomic_store_n(&s->scrapes, s->scrapes + 1, __ATOMIC_RELAXED);
	return reply(c, MHD_HTTP_OK, PROM_CONTENT_TYPE, body, len);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	const char *version, const char *upload, size_t *upload_size, void **req)
{
	struct vg_metrics_server *s = cls;

	(void)version;
	(void)upload;
	/* The first call only announces the request (its headers); answer on the second. */
	if (*req == NULL) {
		*req = s;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0; /* a body is read and ignored */
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
	if (strcmp(url, "/metrics") == 0)
		return serve_metrics(s, c);
	if (strcmp(url, "/") == 0)
		return reply_text(c, MHD_HTTP_OK, "vigil: metrics are at /metrics\n");
	return reply_text(c, MHD_HTTP_NOT_FOUND, "not found; metrics are at /metrics\n");
}

struct vg_metrics_server *
vg_metrics_start(int fd, vg_metrics_fill_fn fill, void *ctx, char *err, size_t errlen)
{
	struct vg_metrics_server *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return NULL;
	}
	s->fill = fill;
	s->ctx = ctx;
	/* One thread polls every connection: a slow or silent client holds nothing up. */
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL,
		on_request, s, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)10, MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_END);
	if (s->d == NULL) {
		snprintf(err, errlen, "the metrics server did not start (libmicrohttpd)");
		close(fd);
		free(s);
		return NULL;
	}
	return s;
}

void
vg_metrics_stop(struct vg_metrics_server *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->d); /* closes the listening socket too */
	free(s);
}

unsigned long
vg_metrics_scrapes(const struct vg_metrics_server *s)
{
	return s ? __atomic_load_n(&s->scrapes, __ATOMIC_RELAXED) : 0;
}
