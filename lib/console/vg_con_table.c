/* SPDX-License-Identifier: BSD-3-Clause */
/* The console's one command table: every command, by area, as `help` lists them. */
#include "vg_con.h"

cmdline_parse_ctx_t vg_con_table[] = {
	/* ports (vg_cmd_ports.c) */
	&vg_cmd_show_port_all,
	&vg_cmd_show_port_one,
	&vg_cmd_clear_port_stats,
	&vg_cmd_show_port_rss,
	/* workers, rings, memory (vg_cmd_workers.c) */
	&vg_cmd_show_workers,
	&vg_cmd_show_worker,
	&vg_cmd_show_rings,
	&vg_cmd_show_memory,
	/* flows (vg_cmd_flows.c) */
	&vg_cmd_show_flows,
	&vg_cmd_show_flows_args,
	/* logs and configuration (vg_cmd_logs.c) */
	&vg_cmd_show_logs,
	&vg_cmd_set_log,
	&vg_cmd_set_stats_interval,
	&vg_cmd_reload_sig,
	&vg_cmd_show_config,
	/* signatures, vigil-logd, the config file (vg_cmd_status.c, vg_cmd_config.c) */
	&vg_cmd_show_sig,
	&vg_cmd_show_logd,
	/* the exception path and health checks (vg_cmd_exception.c) */
	&vg_cmd_show_exception,
	&vg_cmd_reload_config,
	&vg_cmd_reload_pods, /* vg_cmd_k8s.c */
	/* running the sensor (vg_cmd_run.c) */
	&vg_cmd_stop,
	&vg_cmd_start,
	&vg_cmd_quit,
	&vg_cmd_help,
	&vg_cmd_help_on,
	NULL,
};
