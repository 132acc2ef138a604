/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <stdio.h>

#include "vg_common.h"

/* Dotted quad by hand: inet_ntop goes through sprintf, most of a log line's cost. */
static size_t
format_v4(const uint8_t *q, char *buf, size_t len)
{
	char tmp[16];
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		uint8_t v = q[i];

		if (i)
			tmp[n++] = '.';
		if (v >= 100)
			tmp[n++] = (char)('0' + v / 100);
		if (v >= 10)
			tmp[n++] = (char)('0' + v / 10 % 10);
		tmp[n++] = (char)('0' + v % 10);
	}
	if (n + 1 > len) {
		if (len > 0)
			buf[0] = '\0';
		return 0;
	}
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return n;
}

size_t
vg_addr_format(const struct vg_addr *a, char *buf, size_t len)
{
	if (vg_addr_is_v4(a))
		return format_v4(a->b + 12, buf, len);
	if (inet_ntop(AF_INET6, a->b, buf, (socklen_t)len) == NULL) {
		if (len > 0)
			buf[0] = '\0';
		return 0;
	}
	return strlen(buf);
}

bool
vg_addr_parse(const char *text, size_t len, struct vg_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 1];
	uint8_t q[4];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, q) == 1) {
		vg_addr_from_v4(a, q);
		return true;
	}
	return inet_pton(AF_INET6, buf, a->b) == 1;
}
