/* SPDX-License-Identifier: BSD-3-Clause */
/* Console commands that run the sensor: stop, start, quit, help. */
#include <string.h>

#include "vg_con.h"

struct word_res {
	cmdline_fixed_string_t word;
};

static void
set_paused(bool paused)
{
	struct vg_live *live = vg_con.cfg.live;

	if (live == NULL) {
		vg_con_fail("no capture to %s", paused ? "stop" : "start");
		return;
	}
	if (__atomic_load_n(&live->paused, __ATOMIC_RELAXED) == (int)paused) {
		vg_con_printf("capture is already %s\n", paused ? "stopped" : "running");
		return;
	}
	__atomic_store_n(&live->paused, paused, __ATOMIC_RELAXED);
	vg_con_change(
		paused ? "stop: capture stopped, no packet is read" : "start: capture running");
}

static void
stop_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res;
	(void)cl;
	(void)data;
	set_paused(true);
}

static void
start_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res;
	(void)cl;
	(void)data;
	set_paused(false);
}

static void
quit_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res;
	(void)cl;
	(void)data;
	if (vg_con.cfg.live == NULL) {
		vg_con_fail("no sensor to quit");
		return;
	}
	vg_con_change("quit: the sensor stops and logs every open connection");
	__atomic_store_n(&vg_con.cfg.live->stop, 1, __ATOMIC_RELAXED);
}

static cmdline_parse_token_string_t tk_stop =
	TOKEN_STRING_INITIALIZER(struct word_res, word, "stop");
static cmdline_parse_token_string_t tk_start =
	TOKEN_STRING_INITIALIZER(struct word_res, word, "start");
static cmdline_parse_token_string_t tk_quit =
	TOKEN_STRING_INITIALIZER(struct word_res, word, "quit");

cmdline_parse_inst_t vg_cmd_stop = {
	.f = stop_parsed,
	.help_str = "stop: stop reading packets (connections stay open, timers run)",
	.tokens = {(void *)&tk_stop, NULL},
};

cmdline_parse_inst_t vg_cmd_start = {
	.f = start_parsed,
	.help_str = "start: read packets again after stop",
	.tokens = {(void *)&tk_start, NULL},
};

cmdline_parse_inst_t vg_cmd_quit = {
	.f = quit_parsed,
	.help_str = "quit: stop the sensor as SIGTERM does (every open connection is logged)",
	.tokens = {(void *)&tk_quit, NULL},
};

/* ---- help [command words] ---- */

struct help_res {
	cmdline_fixed_string_t help;
	cmdline_multi_string_t words;
};

static void
help_parsed(void *res, struct cmdline *cl, void *data)
{
	const char *last = NULL;

	(void)res;
	(void)cl;
	(void)data;
	for (cmdline_parse_inst_t **in = vg_con_table; *in != NULL; in++) {
		if (last != NULL && strcmp(last, (*in)->help_str) == 0)
			continue;
		vg_con_printf("%s\n", (*in)->help_str);
		last = (*in)->help_str;
	}
}

/* The words match the start of an instance's tokens. */
static bool
words_lead(cmdline_parse_inst_t *inst, const char *words)
{
	const char *p = words;

	for (unsigned i = 0;; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (vg_con_end_of_command(*p))
			return i > 0;
		cmdline_parse_token_hdr_t *tk = inst->tokens[i];

		if (tk == NULL)
			return false;
		int n = tk->ops->parse(tk, p, NULL, 0);

		if (n < 0)
			return false;
		p += n;
	}
}

static void
help_on_parsed(void *res, struct cmdline *cl, void *data)
{
	struct help_res *r = res;
	const char *last = NULL;

	(void)cl;
	(void)data;
	for (cmdline_parse_inst_t **in = vg_con_table; *in != NULL; in++) {
		if (!words_lead(*in, r->words) ||
			(last != NULL && strcmp(last, (*in)->help_str) == 0))
			continue;
		vg_con_printf("%s\n", (*in)->help_str);
		last = (*in)->help_str;
	}
	if (last == NULL)
		vg_con_fail("no command starts with '%.40s'; 'help' lists them", r->words);
}

static cmdline_parse_token_string_t tk_help =
	TOKEN_STRING_INITIALIZER(struct help_res, help, "help");
static cmdline_parse_token_string_t tk_words =
	TOKEN_STRING_INITIALIZER(struct help_res, words, TOKEN_STRING_MULTI);

cmdline_parse_inst_t vg_cmd_help = {
	.f = help_parsed,
	.help_str = "help [command]: the commands, or those starting with the words given",
	.tokens = {(void *)&tk_help, NULL},
};

cmdline_parse_inst_t vg_cmd_help_on = {
	.f = help_on_parsed,
	.help_str = "help [command]: the commands, or those starting with the words given",
	.tokens = {(void *)&tk_help, (void *)&tk_words, NULL},
};
