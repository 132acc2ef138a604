/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Console commands about logs and configuration: show logs, set log <name>
 * on|off|sample <rate>, set stats-interval <s>, show config. The sample goes
 * to the in-process writer's export policy (lib/policy, vg_policy_process). Each change is logged
 * to stderr and reporter.log (vg_con_change) and takes effect on the main lcore's next loop: the
 * in-process writer skips a log that is off, the stats rows follow the new interval.
 */
#include <inttypes.h>
#include <string.h>

#include "vg_con.h"
#include "vg_policy.h"
#include "vg_schema.h"

/* The log id of a name ("conn" or "conn.log"), or -1. */
static int
log_id(const char *name)
{
	size_t n = strlen(name);

	if (n > 4 && strcmp(name + n - 4, ".log") == 0)
		n -= 4;
	for (uint16_t id = 0; id < vg_schema_count() && id < 64; id++) {
		const struct vg_schema *s = vg_schema_get(id);

		if (s != NULL && strlen(s->path) == n && strncmp(s->path, name, n) == 0)
			return id;
	}
	return -1;
}

struct show_logs_res {
	cmdline_fixed_string_t show, logs;
};

static void
show_logs_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res;
	(void)cl;
	(void)data;
	for (uint16_t id = 0; id < vg_schema_count() && id < 64; id++) {
		const struct vg_schema *s = vg_schema_get(id);

		double r = vg_policy_process != NULL
			? vg_policy_log_sample(vg_policy_process->cur, id)
			: 1.0;

		if (s == NULL)
			continue;
		vg_con_printf("%s %s", s->path, vg_console_log_on(id) ? "on" : "off");
		if (r < 1.0)
			vg_con_printf(" sample %g", r);
		vg_con_printf("\n");
	}
}

static cmdline_parse_token_string_t tk_lshow =
	TOKEN_STRING_INITIALIZER(struct show_logs_res, show, "show");
static cmdline_parse_token_string_t tk_logs =
	TOKEN_STRING_INITIALIZER(struct show_logs_res, logs, "logs");

cmdline_parse_inst_t vg_cmd_show_logs = {
	.f = show_logs_parsed,
	.help_str = "show logs: every log and whether it is written (on) or not (off)",
	.tokens = {(void *)&tk_lshow, (void *)&tk_logs, NULL},
};

/* ---- set log <name> on|off|sample <rate> ---- */

struct set_log_res {
	cmdline_fixed_string_t set, log, name;
	cmdline_multi_string_t rest; /* on, off, or sample <rate> */
};

/* `sample <rate>`: the in-process writer's export policy (doc/policy.md). */
static void
set_log_sample(const char *name, const char *rate)
{
	char args[64], msg[512];

	if (vg_policy_process == NULL) {
		vg_con_fail("this sensor's writer has no export policy to sample with");
		return;
	}
	snprintf(args, sizeof(args), "sample %.40s", rate);
	/* The change is told on stderr and in reporter.log by the policy's owner. */
	if (vg_policy_ctl_set_log(vg_policy_process, name, args, msg, sizeof(msg)) != 0)
		vg_con_fail("%s", msg);
	else
		vg_con_printf("%s\n", msg);
}

static void
set_log_parsed(void *res, struct cmdline *cl, void *data)
{
	struct set_log_res *r = res;
	int id = log_id(r->name);
	char word[16] = "", rate[48] = "", extra[2] = "";
	int n = sscanf(r->rest, "%15s %47s %1s", word, rate, extra);
	bool on = strcmp(word, "on") == 0, sample = strcmp(word, "sample") == 0;

	(void)cl;
	(void)data;
	if (id < 0) {
		vg_con_fail("no log named '%.40s'; 'show logs' lists them", r->name);
		return;
	}
	if (!vg_con.cfg.logs_in_process) {
		vg_con_fail("vigil-logd writes the logs (--logd): use 'vigil-ctl --logd set log %s "
			    "...' there",
			vg_schema_get((uint16_t)id)->path);
		return;
	}
	if (sample && n == 2) {
		set_log_sample(vg_schema_get((uint16_t)id)->path, rate);
		return;
	}
	if (n != 1 || (!on && strcmp(word, "off") != 0)) {
		vg_con_fail("usage: set log <name> on|off|sample <rate 0..1>");
		return;
	}
	if (on == vg_console_log_on((uint16_t)id)) {
		vg_con_printf("%s.log is already %s\n", vg_schema_get((uint16_t)id)->path, word);
		return;
	}
	if (on)
		vg_con.log_off &= ~(1ULL << id);
	else
		vg_con.log_off |= 1ULL << id;
	vg_con_change("set log %s %s", vg_schema_get((uint16_t)id)->path, word);
}

static cmdline_parse_token_string_t tk_set =
	TOKEN_STRING_INITIALIZER(struct set_log_res, set, "set");
static cmdline_parse_token_string_t tk_log =
	TOKEN_STRING_INITIALIZER(struct set_log_res, log, "log");
static cmdline_parse_token_string_t tk_name =
	TOKEN_STRING_INITIALIZER(struct set_log_res, name, NULL);
static cmdline_parse_token_string_t tk_state =
	TOKEN_STRING_INITIALIZER(struct set_log_res, rest, TOKEN_STRING_MULTI);

cmdline_parse_inst_t vg_cmd_set_log = {
	.f = set_log_parsed,
	.help_str = "set log <name> on|off|sample <rate>: write a log or stop writing it, or keep "
		    "that share of its connections, 0 to 1 (in-process writer; with --logd: "
		    "vigil-ctl --logd)",
	.tokens = {(void *)&tk_set, (void *)&tk_log, (void *)&tk_name, (void *)&tk_state, NULL},
};

/* ---- set stats-interval <s> ---- */

struct set_interval_res {
	cmdline_fixed_string_t set, what;
	uint32_t secs;
};

static void
set_interval_parsed(void *res, struct cmdline *cl, void *data)
{
	struct set_interval_res *r = res;

	(void)cl;
	(void)data;
	if (r->secs < 1 || r->secs > 86400) {
		vg_con_fail("set stats-interval takes 1 to 86400 seconds, not %u", r->secs);
		return;
	}
	if (vg_con.cfg.stats_interval == NULL) {
		vg_con_fail("this sensor has no stats interval to set");
		return;
	}
	__atomic_store_n(vg_con.cfg.stats_interval, r->secs, __ATOMIC_RELAXED);
	vg_con_change("set stats-interval %u", r->secs);
}

static cmdline_parse_token_string_t tk_iset =
	TOKEN_STRING_INITIALIZER(struct set_interval_res, set, "set");
static cmdline_parse_token_string_t tk_iwhat =
	TOKEN_STRING_INITIALIZER(struct set_interval_res, what, "stats-interval");
static cmdline_parse_token_num_t tk_isecs =
	TOKEN_NUM_INITIALIZER(struct set_interval_res, secs, RTE_UINT32);

cmdline_parse_inst_t vg_cmd_set_stats_interval = {
	.f = set_interval_parsed,
	.help_str = "set stats-interval <seconds>: a stats.log and capture_loss.log row this often "
		    "(1 to 86400)",
	.tokens = {(void *)&tk_iset, (void *)&tk_iwhat, (void *)&tk_isecs, NULL},
};

/* ---- reload sig ---- */

struct reload_res {
	cmdline_fixed_string_t reload, what;
};

static void
reload_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res;
	(void)cl;
	(void)data;
	if (vg_con.cfg.reload_sig == NULL) {
		vg_con_fail("this sensor runs without signatures: start it with -s FILE to reload "
			    "them");
		return;
	}
	vg_con.cfg.reload_sig();
	vg_con_change(
		"reload sig (asked: vigil says on stderr when every worker runs the new set)");
}

static cmdline_parse_token_string_t tk_reload =
	TOKEN_STRING_INITIALIZER(struct reload_res, reload, "reload");
static cmdline_parse_token_string_t tk_rwhat =
	TOKEN_STRING_INITIALIZER(struct reload_res, what, "sig");

cmdline_parse_inst_t vg_cmd_reload_sig = {
	.f = reload_parsed,
	.help_str = "reload sig: read and compile the -s signature files again and switch to them "
		    "under traffic, as SIGHUP does",
	.tokens = {(void *)&tk_reload, (void *)&tk_rwhat, NULL},
};

/* ---- show config ---- */

struct show_config_res {
	cmdline_fixed_string_t show, config;
};

static void
show_config_parsed(void *res, struct cmdline *cl, void *data)
{
	const struct vg_live *live = vg_con.cfg.live;

	(void)res;
	(void)cl;
	(void)data;
	if (vg_con.cfg.config_text != NULL)
		vg_con_printf("%s", vg_con.cfg.config_text);
	if (vg_con.cfg.stats_interval != NULL)
		vg_con_printf("stats-interval %u\n",
			__atomic_load_n(vg_con.cfg.stats_interval, __ATOMIC_RELAXED));
	vg_con_printf("capture %s\n",
		live && __atomic_load_n(&live->paused, __ATOMIC_RELAXED) ? "stopped" : "running");
	vg_con_printf("logs off:");
	for (uint16_t id = 0; id < vg_schema_count() && id < 64; id++)
		if (!vg_console_log_on(id) && vg_schema_get(id) != NULL)
			vg_con_printf(" %s", vg_schema_get(id)->path);
	vg_con_printf("\n");
}

static cmdline_parse_token_string_t tk_cshow =
	TOKEN_STRING_INITIALIZER(struct show_config_res, show, "show");
static cmdline_parse_token_string_t tk_config =
	TOKEN_STRING_INITIALIZER(struct show_config_res, config, "config");

cmdline_parse_inst_t vg_cmd_show_config = {
	.f = show_config_parsed,
	.help_str = "show config: the options the sensor runs with, as changed from the console",
	.tokens = {(void *)&tk_cshow, (void *)&tk_config, NULL},
};
