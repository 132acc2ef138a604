/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The registry: every analyzer vigil has, in a fixed order. The order is part
 * of the build's identity: log ids are handed out in it (so the schema-set
 * hash in the log segment follows it), and ports and probes are tried in it.
 * An analyzer is added by listing its `struct vg_analyzer` here, nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vg_an_private.h"
#include "vg_analyzer.h"
#include "vg_dhcp.h"
#include "vg_dns.h"
#include "vg_files.h"
#include "vg_sig_log.h"
#include "vg_ftp.h"
#include "vg_http.h"
#include "vg_policy.h"
#include "vg_reporter.h"
#include "vg_smtp.h"
#include "vg_socks.h"
#include "vg_ssh.h"
#include "vg_tls.h"

/* Analyzers, in registry order (NULL-terminated). */
static const struct vg_analyzer *const registry[] = {
	&vg_ssh_analyzer,
	&vg_dhcp_analyzer,
	&vg_http_analyzer,
	&vg_tls_analyzer,
	&vg_dns_analyzer,
	&vg_smtp_analyzer,
	&vg_socks_analyzer,
	&vg_ftp_analyzer,
	&vg_ftp_data_analyzer,
	NULL,
};

/*
 * Logs of the frameworks rather than of one analyzer (files.log, ...),
 * registered before the analyzers' own; ends with {NULL, NULL}.
 */
static const struct vg_an_log framework_logs[] = {
	{&vg_files_schema, &vg_files_schema.id},
	/* base/frameworks/signatures and the notices it raises (lib/sig); a run
	 * without -s writes neither. */
	{&vg_sig_log_schema, &vg_sig_log_schema.id},
	{&vg_sig_notice_schema, &vg_sig_notice_schema.id},
	{NULL, NULL},
};

/* The sensor's own logs that are not core logs: after every analyzer's. */
static const struct vg_an_log sensor_logs[] = {
	{&vg_reporter_schema, &vg_reporter_schema.id},
	/* vigil-logd's per-log export counts (lib/policy, doc/policy.md) */
	{&vg_export_stats_schema, &vg_export_stats_schema.id},
	{NULL, NULL},
};

/* Counters of the frameworks (files), before the analyzers'; NULL-terminated. */
const struct vg_an_counters *const vg_framework_counters[] = {
	&vg_files_counters,
	NULL,
};

_Static_assert(
	sizeof(registry) / sizeof(registry[0]) - 1 <= VG_AN_MAX, "more analyzers than VG_AN_MAX");

const struct vg_analyzer *const *
vg_analyzers(uint32_t *n)
{
	*n = (uint32_t)(sizeof(registry) / sizeof(registry[0]) - 1);
	return registry;
}

const struct vg_analyzer *
vg_analyzer_find(const char *name)
{
	for (const struct vg_analyzer *const *a = registry; *a != NULL; a++)
		if (strcmp((*a)->name, name) == 0)
			return *a;
	return NULL;
}

static bool
listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p;) {
		size_t k = strcspn(p, ",");

		if (k == n && strncasecmp(p, name, n) == 0)
			return true;
		p += k;
		if (*p == ',')
			p++;
	}
	return false;
}

uint32_t
vg_analyzers_select(const char *list, const struct vg_analyzer **out)
{
	uint32_t n = 0;
	bool all = list == NULL || strcasecmp(list, "all") == 0;

	for (const struct vg_analyzer *const *a = registry; *a != NULL && n < VG_AN_MAX; a++)
		if (all || listed(list, (*a)->name) ||
			((*a)->loaded_with != NULL && listed(list, (*a)->loaded_with)))
			out[n++] = *a;
	return n;
}

static void
register_list(const struct vg_an_log *logs)
{
	for (; logs != NULL && logs->schema != NULL; logs++) {
		int id = vg_schema_register(logs->schema);

		if (id < 0) {
			fprintf(stderr,
				"vigil: log '%s' cannot be registered (more than %d logs, or a "
				"second schema of that name); this build is broken\n",
				logs->schema->path, VG_LOG_MAX);
			exit(70);
		}
		if (logs->id != NULL)
			*logs->id = (uint16_t)id;
	}
}

void
vg_analyzers_register_logs(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	register_list(framework_logs);
	for (const struct vg_analyzer *const *a = registry; *a != NULL; a++)
		register_list((*a)->logs);
	register_list(sensor_logs);

	/* stats.log: every analyzer and files counter, after the sensor's own. */
	static struct vg_field cols[VG_REC_MAX_FIELDS];
	uint32_t n = vg_an_counter_count();

	for (uint32_t i = 0; i < n && i < VG_REC_MAX_FIELDS; i++)
		cols[i] = (struct vg_field){vg_an_counter_name(i), VG_FT_COUNT, VG_FEAT_BASE};
	if (n > VG_REC_MAX_FIELDS || vg_schema_stats_extend(cols, (uint16_t)n) != 0) {
		fprintf(stderr,
			"vigil: %u analyzer counters do not fit in stats.log (%d columns at "
			"most); this build is broken\n",
			n, VG_REC_MAX_FIELDS);
		exit(70);
	}
}
