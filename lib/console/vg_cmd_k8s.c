/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reload pods: the sensor reads its --k8s inventory files again now, changed
 * or not (doc/k8s.md); a file that does not parse keeps the last good
 * inventory. The sensor's side is vg_live_reload_pods (app/vigil).
 */
#include <string.h>

#include "vg_con.h"

struct reload_pods_res {
	cmdline_fixed_string_t reload, pods;
};

static void
reload_pods_parsed(void *res, struct cmdline *cl, void *data)
{
	char msg[512];

	(void)res;
	(void)cl;
	(void)data;
	if (vg_con.cfg.reload_pods == NULL) {
		vg_con_fail("this sensor has no Kubernetes inventory: start it with --k8s FILE "
			    "(without --logd) to reload one");
		return;
	}
	msg[0] = '\0';
	if (vg_con.cfg.reload_pods(msg, sizeof(msg)) != 0)
		vg_con_fail("%s", msg);
	else
		vg_con_change("%s", msg);
}

static cmdline_parse_token_string_t tk_reload =
	TOKEN_STRING_INITIALIZER(struct reload_pods_res, reload, "reload");
static cmdline_parse_token_string_t tk_pods =
	TOKEN_STRING_INITIALIZER(struct reload_pods_res, pods, "pods");

cmdline_parse_inst_t vg_cmd_reload_pods = {
	.f = reload_pods_parsed,
	.help_str = "reload pods: read the --k8s inventory files again now; a file that does not "
		    "parse keeps the last good inventory",
	.tokens = {(void *)&tk_reload, (void *)&tk_pods, NULL},
};
