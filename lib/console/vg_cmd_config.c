/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reload config: the sensor reads its -c YAML file again and applies the keys
 * that can change while it runs; a file that changed anything else is
 * refused whole, with one line naming those keys (the sensor's side is
 * app/vigil/vg_live_reload.c).
 */
#include <string.h>

#include "vg_con.h"

struct reload_config_res {
	cmdline_fixed_string_t reload, config;
};

static void
reload_config_parsed(void *res, struct cmdline *cl, void *data)
{
	char msg[512];

	(void)res;
	(void)cl;
	(void)data;
	if (vg_con.cfg.reload_config == NULL) {
		vg_con_fail("this sensor was started without -c FILE: there is no config file "
			    "to reload");
		return;
	}
	msg[0] = '\0';
	int rc = vg_con.cfg.reload_config(msg, sizeof(msg));

	if (rc < 0)
		vg_con_fail("%s", msg);
	else if (rc == 0)
		vg_con_printf("%s\n", msg);
	else
		vg_con_change("%s", msg);
}

static cmdline_parse_token_string_t tk_reload =
	TOKEN_STRING_INITIALIZER(struct reload_config_res, reload, "reload");
static cmdline_parse_token_string_t tk_config =
	TOKEN_STRING_INITIALIZER(struct reload_config_res, config, "config");

cmdline_parse_inst_t vg_cmd_reload_config = {
	.f = reload_config_parsed,
	.help_str = "reload config: read the -c file again and apply stats_interval, duration "
		    "and exit_idle; a file that changes any other key is refused",
	.tokens = {(void *)&tk_reload, (void *)&tk_config, NULL},
};
