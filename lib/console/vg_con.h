/* SPDX-License-Identifier: BSD-3-Clause */
/* The console's inside: its state, the answer being built, the command table. */
#ifndef VG_CON_H
#define VG_CON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>

#include "vg_console.h"
#include "vg_live_totals.h"

/* Longest command line taken (longer ones are refused whole). */
#define VG_CON_LINE_MAX 512
/* The largest answer; a longer one is cut and says so. */
#define VG_CON_OUT_MAX (1u << 20)

/* Worker counters as they were a moment ago: rates are per second between two. */
struct vg_con_sample {
	uint64_t tsc;
	uint64_t pkts[VG_LIVE_MAX_WORKERS], bytes[VG_LIVE_MAX_WORKERS];
	uint64_t work[VG_LIVE_MAX_WORKERS];
};

/* A `show flows` waiting for the workers' answers. */
struct vg_con_flows {
	bool pending;
	uint32_t req;      /* the request number sent to every worker */
	uint64_t deadline; /* TSC: give up then */
	uint8_t order;
	uint16_t top;
};

struct vg_con {
	struct vg_console_cfg cfg;
	bool open;
	struct cmdline *cl; /* cmdline's parser state (no terminal of its own) */
	char *out;          /* the answer being built */
	size_t len;
	bool cut;         /* the answer outgrew VG_CON_OUT_MAX */
	bool failed;      /* the command was refused */
	uint64_t log_off; /* bit per log id: `set log NAME off` */
	uint64_t hz;
	struct vg_con_sample prev, last; /* taken a second apart */
	struct vg_con_flows flows;
	int waiter; /* whose command waits: VG_CON_TTY or a socket client's slot */
};

#define VG_CON_TTY (-1)

extern struct vg_con vg_con;

/* Where a command's words end (cmdline's rule; its own test is not exported). */
static inline bool
vg_con_end_of_command(char c)
{
	return c == '\0' || c == '#' || c == '\n' || c == '\r';
}

/* The one command table (vg_con_table.c), NULL-terminated. */
extern cmdline_parse_ctx_t vg_con_table[];

/* Appends to the answer. */
void vg_con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A refusal: one line, and the command's status becomes an error. */
void vg_con_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A change made from the console: on stderr and in reporter.log. */
void vg_con_change(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Runs one line: 0 done, -1 refused (a usage line in the answer), 1 started
 * and still waiting for the workers (vg_con_pending_poll finishes it).
 */
int vg_con_exec(const char *line);
/* While a command waits: true once it finished (its answer complete). */
bool vg_con_pending_poll(void);

/* Once a second: the rates' samples. */
void vg_con_sample_take(struct vg_con_sample *s);

/* The usage line of the command closest to a refused line. */
void vg_con_usage(const char *line);

/* Per area: the flows' answer once every worker replied (vg_cmd_flows.c). */
bool vg_cmd_flows_poll(void);

/* Terminal and socket (vg_con_tty.c, vg_con_sock.c). */
int vg_con_tty_open(char *err, size_t errlen);
void vg_con_tty_poll(void);
void vg_con_tty_close(void);
void vg_con_tty_deliver(void);
int vg_con_sock_open(const char *path, char *err, size_t errlen);
void vg_con_sock_poll(void);
void vg_con_sock_close(void);
void vg_con_sock_deliver(int slot);

/* Instances of each area, listed in vg_con_table.c. */
#define VG_CON_INST(name) extern cmdline_parse_inst_t name
VG_CON_INST(vg_cmd_show_port_all);
VG_CON_INST(vg_cmd_show_port_one);
VG_CON_INST(vg_cmd_clear_port_stats);
VG_CON_INST(vg_cmd_show_port_rss);
VG_CON_INST(vg_cmd_show_workers);
VG_CON_INST(vg_cmd_show_worker);
VG_CON_INST(vg_cmd_show_rings);
VG_CON_INST(vg_cmd_show_memory);
VG_CON_INST(vg_cmd_show_flows);
VG_CON_INST(vg_cmd_show_flows_args);
VG_CON_INST(vg_cmd_show_config);
VG_CON_INST(vg_cmd_show_logs);
VG_CON_INST(vg_cmd_set_log);
VG_CON_INST(vg_cmd_set_stats_interval);
VG_CON_INST(vg_cmd_reload_sig);
VG_CON_INST(vg_cmd_reload_config);
VG_CON_INST(vg_cmd_reload_pods);
VG_CON_INST(vg_cmd_show_sig);
VG_CON_INST(vg_cmd_show_logd);
VG_CON_INST(vg_cmd_show_exception);
VG_CON_INST(vg_cmd_stop);
VG_CON_INST(vg_cmd_start);
VG_CON_INST(vg_cmd_quit);
VG_CON_INST(vg_cmd_help);
VG_CON_INST(vg_cmd_help_on);
#undef VG_CON_INST

#endif /* VG_CON_H */
