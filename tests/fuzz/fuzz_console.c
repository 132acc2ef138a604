/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the console's command parser (lib/console: DPDK's
 * cmdline tokens, the usage lines of refused commands, show flows' own
 * argument parser and filters) and every command's answer, on a sensor
 * without EAL: two workers with real (empty) flow tables and no ports. The
 * input is split into lines, each run as a command; a command that asks the
 * workers (show flows) is answered here by walking their tables as a worker
 * would (vg_live_query_step). Every answer must be NUL-free text that ends
 * with a newline, and a refused command must say so in one line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_analyzer.h"
#include "vg_console.h"
#include "vg_flow.h"
#include "vg_live.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NWORKERS 2

static struct vg_live live;
static struct vg_ports ports;
static uint32_t stats_interval = 300;
static char answer[1 << 16];
static bool ready;

static void
setup(void)
{
	struct vg_console_cfg cc;
	char err[256];

	vg_analyzers_register_logs(); /* set log takes the names the sensor knows */
	live.ports = &ports;
	live.nworkers = NWORKERS;
	for (uint16_t i = 0; i < NWORKERS; i++) {
		struct vg_flow_cfg fc;

		memset(&fc, 0, sizeof(fc));
		fc.max_flows = 64;
		live.workers[i] = calloc(1, sizeof(*live.workers[i]));
		if (live.workers[i] == NULL)
			abort();
		live.workers[i]->index = i;
		live.workers[i]->live = &live;
		live.workers[i]->w.flows = vg_flow_table_create(&fc);
		if (live.workers[i]->w.flows == NULL)
			abort();
	}
	memset(&cc, 0, sizeof(cc));
	cc.live = &live;
	cc.stats_interval = &stats_interval;
	cc.logs_in_process = true;
	cc.config_text = "output .\n";
	if (vg_console_open(&cc, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_console: %s\n", err);
		abort();
	}
	ready = true;
}

/* The workers' side of show flows: each walks its table to the end. */
static void
answer_queries(void)
{
	for (uint16_t i = 0; i < NWORKERS; i++) {
		struct vg_live_query *q = &live.workers[i]->query;

		for (int steps = 0; q->req != q->done && steps < 1000; steps++)
			vg_live_query_step(live.workers[i]->w.flows, q);
		if (q->req != q->done)
			abort(); /* an empty table must be walked in one step */
	}
}

static void
run(const char *line)
{
	int rc = vg_console_run_line(line, answer, sizeof(answer));
	size_t n = strlen(answer);

	answer_queries();
	if (n > 0 && answer[n - 1] != '\n')
		abort(); /* every answer ends its last line */
	if (rc != 0 && memchr(answer, '\n', n) != answer + n - 1)
		abort(); /* a refusal is one line */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[1024];
	size_t start = 0;

	if (!ready)
		setup();
	/* A sensor that quit or stopped is made to run again for the next input. */
	live.stop = 0;
	live.paused = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		size_t n = i - start < sizeof(line) - 1 ? i - start : sizeof(line) - 1;

		memcpy(line, data + start, n);
		line[n] = '\0';
		run(line);
		start = i + 1;
	}
	return 0;
}
