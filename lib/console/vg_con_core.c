/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console's core: running one command line through cmdline's parser,
 * the answer it builds, the usage line of a refused command, and the record
 * of every change (stderr and reporter.log).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "vg_con.h"
#include "vg_reporter.h"

struct vg_con vg_con;

static void
out_vappend(const char *fmt, va_list ap)
{
	if (vg_con.out == NULL || vg_con.cut)
		return;
	size_t room = VG_CON_OUT_MAX - vg_con.len;
	int n = vsnprintf(vg_con.out + vg_con.len, room, fmt, ap);

	if (n < 0)
		return;
	if ((size_t)n >= room) {
		vg_con.len = VG_CON_OUT_MAX - 1;
		vg_con.cut = true;
		return;
	}
	vg_con.len += (size_t)n;
}

void
vg_con_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_vappend(fmt, ap);
	va_end(ap);
}

void
vg_con_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_vappend(fmt, ap);
	va_end(ap);
	vg_con_printf("\n");
	vg_con.failed = true;
}

void
vg_con_change(const char *fmt, ...)
{
	char msg[256];
	uint8_t rec[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vigil: console: %s\n", msg);
	vg_con_printf("%s\n", msg);
	if (vg_con.cfg.report_ring == NULL || vg_con.cfg.live == NULL)
		return;
	uint32_t len = vg_reporter_record(rec, sizeof(rec), vg_live_now_ns(vg_con.cfg.live),
		VG_REPORTER_INFO, msg, "console");

	if (len != 0)
		vg_ring_write(vg_con.cfg.report_ring, rec, len);
}

/* How many of an instance's tokens the words of a line match, in order. */
static unsigned
tokens_matched(cmdline_parse_inst_t *inst, const char *line)
{
	const char *p = line;
	unsigned i = 0;

	for (; inst->tokens[i] != NULL; i++) {
		cmdline_parse_token_hdr_t *tk = inst->tokens[i];

		while (*p == ' ' || *p == '\t')
			p++;
		if (vg_con_end_of_command(*p))
			break;
		int n = tk->ops->parse(tk, p, NULL, 0);

		if (n < 0)
			break;
		p += n;
	}
	return i;
}

/* The line's first word, printable, cut to fit. */
static void
first_word(const char *line, char *word, size_t cap)
{
	size_t n = 0;

	while (*line == ' ' || *line == '\t')
		line++;
	while (line[n] != '\0' && !isspace((unsigned char)line[n]) && n < cap - 1)
		n++;
	memcpy(word, line, n);
	word[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!isprint((unsigned char)word[i]))
			word[i] = '?';
}

void
vg_con_usage(const char *line)
{
	cmdline_parse_inst_t *best = NULL;
	unsigned most = 0, others = 0;
	char word[32];

	for (cmdline_parse_inst_t **in = vg_con_table; *in != NULL; in++) {
		unsigned m = tokens_matched(*in, line);

		if (m > most) {
			most = m;
			best = *in;
			others = 0;
		} else if (m == most && best != NULL &&
			strcmp(best->help_str, (*in)->help_str) != 0) {
			others++;
		}
	}
	/* One command comes closest: its usage. */
	if (best != NULL && (most > 1 || others == 0)) {
		vg_con_fail("usage: %s", best->help_str);
		return;
	}
	first_word(line, word, sizeof(word));
	if (best != NULL)
		vg_con_fail("no such %s command; 'help %s' lists them", word, word);
	else
		vg_con_fail("unknown command '%s'; 'help' lists the commands", word);
}

/* A blank line, or only a comment: nothing to run. */
static bool
is_blank(const char *line)
{
	for (; *line != '\0' && *line != '#'; line++)
		if (!isspace((unsigned char)*line))
			return false;
	return true;
}

int
vg_con_exec(const char *line)
{
	char buf[VG_CON_LINE_MAX + 2];
	size_t n = strnlen(line, VG_CON_LINE_MAX + 1);

	vg_con.len = 0;
	vg_con.cut = false;
	vg_con.failed = false;
	if (vg_con.out != NULL)
		vg_con.out[0] = '\0';
	if (n > VG_CON_LINE_MAX) {
		vg_con_fail("line longer than %d bytes; nothing was run", VG_CON_LINE_MAX);
		return -1;
	}
	/* cmdline parses a line only once it has its end. */
	memcpy(buf, line, n);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\0' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t')
			buf[i] = ' ';
	buf[n] = '\n';
	buf[n + 1] = '\0';
	if (is_blank(buf))
		return 0;
	int rc = cmdline_parse(vg_con.cl, buf);

	if (rc == CMDLINE_PARSE_AMBIGUOUS || rc == CMDLINE_PARSE_NOMATCH ||
		rc == CMDLINE_PARSE_BAD_ARGS) {
		buf[n] = '\0';
		vg_con_usage(buf);
		return -1;
	}
	if (vg_con.flows.pending)
		return 1;
	return vg_con.failed ? -1 : 0;
}

bool
vg_con_pending_poll(void)
{
	if (!vg_con.flows.pending)
		return true;
	return vg_cmd_flows_poll();
}

void
vg_con_sample_take(struct vg_con_sample *s)
{
	const struct vg_live *live = vg_con.cfg.live;

	s->tsc = rte_rdtsc();
	for (uint16_t i = 0; live != NULL && i < live->nworkers; i++) {
		const struct vg_live_worker *lw = live->workers[i];

		s->pkts[i] = __atomic_load_n(&lw->w.dec.stats.packets, __ATOMIC_RELAXED);
		s->bytes[i] = __atomic_load_n(&lw->w.dec.stats.bytes, __ATOMIC_RELAXED);
		s->work[i] = __atomic_load_n(&lw->cnt.work_tsc, __ATOMIC_RELAXED);
	}
}

bool
vg_console_log_on(uint16_t log_id)
{
	return log_id >= 64 || !((vg_con.log_off >> log_id) & 1);
}

static int
core_open(const struct vg_console_cfg *cfg)
{
	memset(&vg_con, 0, sizeof(vg_con));
	vg_con.cfg = *cfg;
	vg_con.out = malloc(VG_CON_OUT_MAX);
	/* A parser only: no terminal, the answers are built in vg_con.out. */
	vg_con.cl = cmdline_new(vg_con_table, "", -1, -1);
	if (vg_con.out == NULL || vg_con.cl == NULL) {
		free(vg_con.out);
		vg_con.out = NULL;
		return -1;
	}
	vg_con.hz = rte_get_tsc_hz();
	vg_con_sample_take(&vg_con.prev);
	vg_con.last = vg_con.prev;
	vg_con.open = true;
	return 0;
}

static void
core_close(void)
{
	if (vg_con.cl != NULL)
		cmdline_free(vg_con.cl);
	free(vg_con.out);
	vg_con.cl = NULL;
	vg_con.out = NULL;
	vg_con.open = false;
}

/* The commands of a file, in order, as if typed; stops at the first refused. */
static int
run_cmdfile(const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char line[VG_CON_LINE_MAX + 2];
	unsigned lineno = 0;

	if (fp == NULL) {
		snprintf(err, errlen, "cannot read --cmdfile '%s' (%s); give a readable file", path,
			strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		int rc = vg_con_exec(line);

		while (rc == 1 && !vg_con_pending_poll())
			rte_delay_us_sleep(1000);
		fwrite(vg_con.out, 1, vg_con.len, stdout);
		fflush(stdout);
		if (rc < 0) {
			snprintf(err, errlen, "--cmdfile %s line %u refused: %.*s", path, lineno,
				(int)strcspn(vg_con.out, "\n"), vg_con.out);
			fclose(fp);
			return -1;
		}
	}
	fclose(fp);
	return 0;
}

int
vg_console_open(const struct vg_console_cfg *cfg, char *err, size_t errlen)
{
	if (core_open(cfg) != 0) {
		snprintf(err, errlen, "cannot start the console (out of memory)");
		return -1;
	}
	if (cfg->socket_path != NULL && vg_con_sock_open(cfg->socket_path, err, errlen) != 0)
		goto fail;
	if (cfg->cmdfile != NULL && run_cmdfile(cfg->cmdfile, err, errlen) != 0)
		goto fail;
	if (cfg->interactive && vg_con_tty_open(err, errlen) != 0)
		goto fail;
	return 0;
fail:
	vg_console_close();
	return -1;
}

void
vg_console_poll(void)
{
	if (!vg_con.open)
		return;
	uint64_t now = rte_rdtsc();

	/* Rates are per second between the last two samples. */
	if (now - vg_con.last.tsc >= vg_con.hz) {
		vg_con.prev = vg_con.last;
		vg_con_sample_take(&vg_con.last);
	}
	/* A command that waited for the workers: its answer goes to whoever asked. */
	if (vg_con.flows.pending && vg_con_pending_poll()) {
		if (vg_con.waiter == VG_CON_TTY)
			vg_con_tty_deliver();
		else
			vg_con_sock_deliver(vg_con.waiter);
	}
	if (vg_con.cfg.interactive)
		vg_con_tty_poll();
	if (vg_con.cfg.socket_path != NULL)
		vg_con_sock_poll();
}

void
vg_console_close(void)
{
	if (!vg_con.open && vg_con.cl == NULL)
		return;
	vg_con_tty_close();
	vg_con_sock_close();
	core_close();
}

int
vg_console_run_line(const char *line, char *out, size_t cap)
{
	if (!vg_con.open) {
		struct vg_console_cfg none;

		memset(&none, 0, sizeof(none));
		if (core_open(&none) != 0)
			return -1;
	}
	int rc = vg_con_exec(line);

	/* No workers answer here: a waiting command gives up at once. */
	if (rc == 1) {
		vg_con.flows.deadline = 0;
		vg_con_pending_poll();
		rc = vg_con.failed ? -1 : 0;
	}
	if (cap > 0) {
		size_t n = vg_con.len < cap - 1 ? vg_con.len : cap - 1;

		memcpy(out, vg_con.out, n);
		out[n] = '\0';
	}
	return rc;
}
