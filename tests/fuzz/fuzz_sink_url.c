/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the --sink URL parser (lib/sink/vg_sink_url.c). Any
 * input either parses into a sink whose strings are NUL-terminated within
 * their fields and whose numbers are in range, or is refused with a
 * one-line message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_str(const char *s, size_t cap)
{
	if (memchr(s, '\0', cap) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1);
	struct vg_sink_url u;
	char err[512];

	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	memset(err, 'x', sizeof(err));
	if (vg_sink_url_parse(in, &u, err, sizeof(err)) != 0) {
		check_str(err, sizeof(err));
		if (err[0] == '\0' || strchr(err, '\n') != NULL)
			abort(); /* a refusal says why, on one line */
		free(in);
		return 0;
	}
	check_str(u.name, sizeof(u.name));
	check_str(u.host, sizeof(u.host));
	check_str(u.ca, sizeof(u.ca));
	check_str(u.cert, sizeof(u.cert));
	check_str(u.key, sizeof(u.key));
	check_str(u.topic_prefix, sizeof(u.topic_prefix));
	check_str(u.compression, sizeof(u.compression));
	if (u.nprops > VG_SINK_PROP_MAX || u.queue == 0 || u.facility > 23 ||
		(u.kind != VG_SINK_STDOUT && u.kind != VG_SINK_KAFKA && u.port == 0) ||
		(u.kind != VG_SINK_STDOUT && u.host[0] == '\0'))
		abort();
	for (unsigned int i = 0; i < u.nprops; i++) {
		check_str(u.prop_name[i], sizeof(u.prop_name[i]));
		check_str(u.prop_value[i], sizeof(u.prop_value[i]));
	}
	free(in);
	return 0;
}
