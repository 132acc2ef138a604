/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Console commands about the signature set and vigil-logd's rings: show sig,
 * show logd. Both read what DPDK telemetry's /vigil/sig and /vigil/logd read
 * (vg_live_status.h), so the figures agree.
 */
#include <inttypes.h>
#include <string.h>

#include "vg_con.h"
#include "vg_live_status.h"

static const char *
sig_state_name(uint32_t s)
{
	return s == VG_LIVE_SIG_LOADING      ? "loading"
		: s == VG_LIVE_SIG_SWITCHING ? "switching"
					     : "idle";
}

/* The counter's name without its "sig_" prefix, as --stats writes it. */
static const char *
sig_counter(uint32_t k)
{
	const char *n = vg_sig_counter_names[k];

	return strncmp(n, "sig_", 4) == 0 ? n + 4 : n;
}

static void
show_sig_parsed(void *res, struct cmdline *cl, void *data)
{
	struct vg_live_sig_figures f;

	(void)res;
	(void)cl;
	(void)data;
	if (vg_con.cfg.live == NULL || !vg_live_sig_figures(vg_con.cfg.live, &f)) {
		vg_con_printf("no signatures (the sensor runs without -s FILE)\n");
		return;
	}
	vg_con_printf("files");
	for (uint32_t i = 0; i < f.st.nfiles; i++)
		vg_con_printf(" %s", f.st.files[i]);
	vg_con_printf("\nrules %u refused %u generation %" PRIu64 " reloads %" PRIu64
		      " failed %" PRIu64 " state %s load-ms %.1f\n",
		f.st.rules, f.st.refused, f.st.generation, f.st.asked, f.st.failed,
		sig_state_name(f.st.state), (double)f.st.load_us / 1000.0);
	vg_con_printf("draining %" PRIu64 " matches %" PRIu64 "\n", f.draining, f.c[0]);
	vg_con_printf("counters");
	for (uint32_t k = 0; k < VG_SIG_NCOUNTERS; k++)
		vg_con_printf(" %s %" PRIu64, sig_counter(k), f.c[k]);
	vg_con_printf("\n");
}

struct show_sig_res {
	cmdline_fixed_string_t show, sig;
};

static cmdline_parse_token_string_t tk_sshow =
	TOKEN_STRING_INITIALIZER(struct show_sig_res, show, "show");
static cmdline_parse_token_string_t tk_sig =
	TOKEN_STRING_INITIALIZER(struct show_sig_res, sig, "sig");

cmdline_parse_inst_t vg_cmd_show_sig = {
	.f = show_sig_parsed,
	.help_str = "show sig: the running signature set: files, rules loaded and refused, "
		    "generation, reloads, sets still draining, matches and the other counters",
	.tokens = {(void *)&tk_sshow, (void *)&tk_sig, NULL},
};

/* ---- show logd ---- */

static void
show_logd_parsed(void *res, struct cmdline *cl, void *data)
{
	const struct vg_live *live = vg_con.cfg.live;
	struct vg_live_logd_figures f;

	(void)res;
	(void)cl;
	(void)data;
	if (live == NULL || !vg_live_logd_figures(live, live->logd, &f)) {
		vg_con_fail("this sensor writes its logs itself (no --logd); 'show rings' shows "
			    "its log rings");
		return;
	}
	vg_con_printf("segment /dev/shm/%s generation %" PRIu64 " rings %u reader %s lag-ms %.1f\n",
		f.name, f.generation, f.nrings, f.reader ? "attached" : "none",
		(double)f.lag_us / 1000.0);
	for (uint32_t i = 0; i < f.nrings; i++) {
		const struct vg_live_logd_ring *r = &f.ring[i];

		vg_con_printf("ring %u (%s): used %" PRIu64 " of %" PRIu64 " bytes fill %.1f%% "
			      "records %" PRIu64 " drops %" PRIu64 " lag-ms %.1f\n",
			i, i < live->nworkers ? "worker" : "main", r->used, r->size,
			r->size ? 100.0 * (double)r->used / (double)r->size : 0.0, r->records,
			r->drops, (double)r->lag_us / 1000.0);
	}
}

struct show_logd_res {
	cmdline_fixed_string_t show, logd;
};

static cmdline_parse_token_string_t tk_dshow =
	TOKEN_STRING_INITIALIZER(struct show_logd_res, show, "show");
static cmdline_parse_token_string_t tk_logd =
	TOKEN_STRING_INITIALIZER(struct show_logd_res, logd, "logd");

cmdline_parse_inst_t vg_cmd_show_logd = {
	.f = show_logd_parsed,
	.help_str = "show logd: with --logd, the segment, whether vigil-logd reads it and its "
		    "lag, and per ring its fill, records and drops",
	.tokens = {(void *)&tk_dshow, (void *)&tk_logd, NULL},
};
