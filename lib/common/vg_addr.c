/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <stdio.h>

#include "vg_common.h"

size_t
vg_addr_format(const struct vg_addr *a, char *buf, size_t len)
{
	const char *r;

	if (vg_addr_is_v4(a))
		r = inet_ntop(AF_INET, a->b + 12, buf, (socklen_t)len);
	else
		r = inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
	if (r == NULL) {
		if (len > 0)
			buf[0] = '\0';
		return 0;
	}
	return strlen(buf);
}
