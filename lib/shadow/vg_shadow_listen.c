/* SPDX-License-Identifier: BSD-3-Clause */
/* --shadow-listen's address, and the listening socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vg_shadow.h"
#include "vg_shadow_private.h"

static int
parse_port(const char *p, uint16_t *port)
{
	char *end;
	long v;

	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	v = strtol(p, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int
vg_shadow_parse_listen(
	const char *text, struct sockaddr_storage *ss, socklen_t *len, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	uint16_t port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	colon = text != NULL ? strrchr(text, ':') : NULL;
	if (colon == NULL || parse_port(colon + 1, &port) != 0)
		goto bad;
	hl = (size_t)(colon - text);
	if (hl >= 2 && text[0] == '[' && text[hl - 1] == ']') {
		text++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		goto bad;
	memcpy(host, text, hl);
	host[hl] = '\0';
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	if (hl == 0 || inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6; /* ":PORT": every address, IPv4 too */
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return 0;
	}
bad:
	snprintf(err, errlen,
		"--shadow-listen '%s' is not ADDR:PORT; give e.g. 0.0.0.0:15080, [::]:15080 or "
		":15080 (every address; port 0: any free one)",
		text != NULL ? text : "");
	return -1;
}

/* ADDR:PORT of a socket address, as Zeek prints addresses. */
void
vg_shadow_sockaddr_text(const struct sockaddr_storage *ss, char *out, size_t len)
{
	struct vg_addr a;
	uint16_t port;
	char buf[INET6_ADDRSTRLEN];

	vg_shadow_sockaddr_addr(ss, &a, &port);
	vg_addr_format(&a, buf, sizeof(buf));
	snprintf(out, len, vg_addr_is_v4(&a) ? "%s:%u" : "[%s]:%u", buf, port);
}

void
vg_shadow_sockaddr_addr(const struct sockaddr_storage *ss, struct vg_addr *a, uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		vg_addr_from_v4(a, (const uint8_t *)&s4->sin_addr);
		*port = ntohs(s4->sin_port);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		memcpy(a->b, &s6->sin6_addr, 16);
		*port = ntohs(s6->sin6_port);
	}
}

int
vg_shadow_listen_socket(
	const struct vg_shadow_cfg *cfg, char *text, size_t textlen, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, zero = 0;

	if (vg_shadow_parse_listen(cfg->listen, &ss, &len, err, errlen) != 0)
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 1024) != 0)
		goto fail;
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	vg_shadow_sockaddr_text(&ss, text, textlen);
	return fd;
fail:
	snprintf(err, errlen,
		"--shadow-listen %s: cannot listen (%s); choose a free port, or an address this "
		"host has",
		cfg->listen, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}
