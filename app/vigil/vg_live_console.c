/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console of a live sensor: where its socket goes, what `show config`
 * says, and the hook into the main lcore's loop (vg_console_poll, called by
 * vg_run_live.c). The console itself is lib/console.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vg_console.h"
#include "vg_live_console.h"
#include "vg_live_reload.h"
#include "vg_run.h"

bool
vg_live_console_take_i(int *argc, char ***argv)
{
	char **v = *argv;

	if (*argc < 2 || strcmp(v[1], "-i") != 0)
		return false;
	v[1] = v[0];
	(*argv)++;
	(*argc)--;
	return true;
}

static const char *
file_prefix(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--file-prefix") == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], "--file-prefix=", 14) == 0)
			return argv[i] + 14;
	}
	return NULL;
}

/* True when a sensor listens at path. */
static bool
taken(const char *path)
{
	char err[256];

	return vg_console_socket_check(path, true, err, sizeof(err)) != 0 &&
		strstr(err, "another sensor listens") != NULL;
}

/*
 * The default is /run/vigil/<prefix>.sock; when another sensor listens there
 * (several vigil -i IFACE at once, none with a prefix), this one takes
 * <prefix>-<pid>.sock and says so. Decided again when the socket is made
 * (another sensor may have started meanwhile).
 */
const char *
vg_live_console_path(const struct vg_options *o, int eal_argc, char **eal_argv)
{
	static char path[160];
	static bool said;
	const char *prefix = file_prefix(eal_argc, eal_argv);

	if (o->console_socket != NULL)
		return o->console_socket;
	if (prefix == NULL || prefix[0] == '\0' || strchr(prefix, '/') != NULL ||
		strlen(prefix) > 64)
		prefix = "vigil";
	snprintf(path, sizeof(path), "%s/%s.sock", VG_CONSOLE_SOCKET_DIR, prefix);
	if (taken(path)) {
		char first[160];

		memcpy(first, path, sizeof(first));
		snprintf(path, sizeof(path), "%s/%s-%ld.sock", VG_CONSOLE_SOCKET_DIR, prefix,
			(long)getpid());
		if (!o->quiet && !said)
			fprintf(stderr,
				"vigil: another sensor listens on %s; this one's console is %s\n",
				first, path);
		said = true;
	}
	return path;
}

int
vg_live_console_check(const struct vg_options *o, int eal_argc, char **eal_argv)
{
	char err[512];

	if (vg_console_socket_check(vg_live_console_path(o, eal_argc, eal_argv),
		    o->console_socket == NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "vigil: %s\n", err);
		return 1;
	}
	return 0;
}

/* `show config`: what the options set, one "name value" a line. */
static void
config_text(const struct vg_options *o, uint16_t nworkers, const char *sock, char *buf, size_t len)
{
	static const char *const dispatch[] = {"auto", "rss", "software"};

	char flows[16], mtu[16], mbufs[16];

	snprintf(flows, sizeof(flows), o->max_flows ? "%u" : "default", o->max_flows);
	snprintf(mtu, sizeof(mtu), o->mtu ? "%u" : "default", o->mtu);
	snprintf(mbufs, sizeof(mbufs), o->mbufs ? "%u" : "default", o->mbufs);
	snprintf(buf, len,
		"output %s\nlogd %s\nworkers %u\ndispatch %s\nanalyzers %s\nfilter %s\n"
		"max-flows %s\nring-size %llu\nmtu %s\nmbufs %s\nduration %u\nexit-idle %u\n"
		"console-socket %s\n",
		o->out_dir ? o->out_dir : ".", o->logd ? o->logd : "-", nworkers,
		dispatch[o->dispatch >= 0 && o->dispatch < 3 ? o->dispatch : 0],
		o->analyzers ? o->analyzers : "all", o->filter ? o->filter : "-", flows,
		(unsigned long long)o->ring_size, mtu, mbufs, o->duration, o->exit_idle, sock);
}

/* reload config writes the live keys here; show config's text follows. */
static struct vg_options *run_opts;
static uint16_t run_workers;
static const char *run_sock;
static char text[2048];

static int
reload_config(char *msg, size_t len)
{
	int rc = vg_live_reload_config(run_opts, msg, len);

	if (rc > 0)
		config_text(run_opts, run_workers, run_sock, text, sizeof(text));
	return rc;
}

int
vg_live_console_open(struct vg_options *o, struct vg_live *live, struct vg_logshm *shm,
	uint16_t nworkers, int eal_argc, char **eal_argv)
{
	char err[512];
	struct vg_console_cfg cc;

	/* vigil -i IFACE comes here without the check before EAL. */
	if (vg_live_console_check(o, eal_argc, eal_argv) != 0)
		return 1;
	memset(&cc, 0, sizeof(cc));
	cc.live = live;
	cc.shm = shm;
	cc.report_ring = &shm->rings[nworkers]; /* the main lcore's: stats.log's too */
	cc.socket_path = vg_live_console_path(o, eal_argc, eal_argv);
	cc.interactive = o->interactive;
	cc.cmdfile = o->cmdfile;
	cc.logs_in_process = o->logd == NULL;
	cc.stats_interval = &o->stats_interval;
	cc.reload_sig = o->nsig_load > 0 ? vg_live_ask_sig_reload : NULL;
	run_opts = o;
	run_workers = nworkers;
	run_sock = cc.socket_path;
	cc.reload_config = o->config_file != NULL ? reload_config : NULL;
	cc.reload_pods = o->logd == NULL && o->k8s.nfiles > 0 ? vg_live_reload_pods : NULL;
	config_text(o, nworkers, cc.socket_path, text, sizeof(text));
	cc.config_text = text;
	cc.eal = true;
	if (vg_console_open(&cc, err, sizeof(err)) != 0) {
		fprintf(stderr, "vigil: %s\n", err);
		return 1;
	}
	return 0;
}
