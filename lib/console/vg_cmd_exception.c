/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * show exception: the exception path's counters and the health checks'
 * state, the figures telemetry's /vigil/exception and --stats give.
 */
#include <inttypes.h>
#include <stdio.h>

#include "vg_con.h"
#include "vg_health.h"
#include "vg_live_exc.h"

static void
show_exception_parsed(void *res, struct cmdline *cl, void *data)
{
	const struct vg_live *live = vg_con.cfg.live;
	bool any = false;

	(void)res;
	(void)cl;
	(void)data;
	if (live != NULL && live->exc != NULL) {
		struct vg_live_exc_totals x;

		vg_live_exc_totals(live, &x);
		vg_con_printf("exception %s: to-kernel %" PRIu64 " to-kernel-drops %" PRIu64
			      " from-kernel %" PRIu64 " from-kernel-drops %" PRIu64
			      " host-ignored %" PRIu64 " paused-drops %" PRIu64
			      " learned-addrs %" PRIu64 " addr-changes %" PRIu64 "\n",
			live->exc->iface, x.to_kernel, x.to_kernel_drops, x.from_kernel,
			x.from_kernel_drops, x.host_ignored, x.paused_drops, x.learned_addrs,
			x.addr_changes);
		any = true;
	}
	if (vg_health_enabled()) {
		struct vg_health_counters h;
		char why[128];
		bool ok = vg_health_get(why, sizeof(why));

		vg_health_counters(&h);
		if (ok)
			snprintf(why, sizeof(why), "healthy");
		vg_con_printf("health %s%s%s: tcp-accepted %" PRIu64 " http-ok %" PRIu64
			      " http-unhealthy %" PRIu64 " http-other %" PRIu64 " changes %" PRIu64
			      "\n",
			ok ? "" : "unhealthy (", why, ok ? "" : ")", h.tcp_accepted, h.http_ok,
			h.http_unhealthy, h.http_other, h.changes);
		any = true;
	}
	if (!any)
		vg_con_printf("no exception path and no health checks (--exception, "
			      "--health-port, --health-http)\n");
}

struct show_exception_res {
	cmdline_fixed_string_t show, exception;
};

static cmdline_parse_token_string_t tk_xshow =
	TOKEN_STRING_INITIALIZER(struct show_exception_res, show, "show");
static cmdline_parse_token_string_t tk_exception =
	TOKEN_STRING_INITIALIZER(struct show_exception_res, exception, "exception");

cmdline_parse_inst_t vg_cmd_show_exception = {
	.f = show_exception_parsed,
	.help_str = "show exception: the host's traffic to and from the kernel (--exception) "
		    "and the health checks' state and answers",
	.tokens = {(void *)&tk_xshow, (void *)&tk_exception, NULL},
};
