/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console on the terminal (vigil -i): cmdline's line editor (history,
 * tab completion) in raw mode, fed from the main lcore's loop with whatever
 * the terminal has ready, never waiting for a key. Ctrl-C still stops the
 * sensor (SIGINT), Ctrl-D quits as `quit` does.
 */
/* rdline_new and rdline_free are experimental in DPDK 22.11. */
#define ALLOW_EXPERIMENTAL_API

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmdline_rdline.h>

#include "vg_con.h"

#define PROMPT "vigil> "

static struct {
	struct rdline *rdl;
	struct termios saved;
	bool raw;
	bool waiting;    /* a command waits for the workers: no prompt, no input yet */
	char ahead[256]; /* keys read but not fed (typed while a command waited) */
	size_t nahead, offahead;
} tty;

static void
put(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static int
tty_write_char(struct rdline *rdl, char c)
{
	(void)rdl;
	put(&c, 1);
	return 0;
}

/* The answer, then a new prompt. */
static void
answer_done(void)
{
	put(vg_con.out, vg_con.len);
	if (vg_con.cut)
		put("(answer cut)\n", 13);
	tty.waiting = false;
	/* After quit, no prompt for a command that could not run. */
	if (vg_con.cfg.live == NULL || !__atomic_load_n(&vg_con.cfg.live->stop, __ATOMIC_RELAXED))
		rdline_newline(tty.rdl, PROMPT);
}

static void
tty_validate(struct rdline *rdl, const char *buf, unsigned int size)
{
	char line[VG_CON_LINE_MAX + 2];
	size_t n = strnlen(buf, size < sizeof(line) - 1 ? size : sizeof(line) - 1);

	memcpy(line, buf, n);
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if (line[strspn(line, " \t")] != '\0')
		rdline_add_history(rdl, line);
	tty.waiting = vg_con_exec(line) == 1;
	if (tty.waiting)
		vg_con.waiter = VG_CON_TTY;
}

void
vg_con_tty_deliver(void)
{
	if (tty.waiting)
		answer_done();
}

static int
tty_complete(struct rdline *rdl, const char *buf, char *dst, unsigned int size, int *state)
{
	(void)rdl;
	return cmdline_complete(vg_con.cl, buf, state, dst, size);
}

int
vg_con_tty_open(char *err, size_t errlen)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &tty.saved) != 0) {
		snprintf(err, errlen,
			"the console (vigil -i) needs a terminal; use vigil-ctl or --cmdfile "
			"otherwise");
		return -1;
	}
	tty.rdl = rdline_new(tty_write_char, tty_validate, tty_complete, NULL);
	if (tty.rdl == NULL) {
		snprintf(err, errlen, "cannot start the console's line editor (out of memory)");
		return -1;
	}
	t = tty.saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &t);
	tty.raw = true;
	put("vigil console: 'help' lists the commands, 'quit' stops the sensor\n", 67);
	rdline_newline(tty.rdl, PROMPT);
	return 0;
}

/* Feeds the keys read ahead; stops when a command starts waiting. */
static void
feed(void)
{
	while (!tty.waiting && !vg_con.flows.pending && tty.offahead < tty.nahead) {
		int rc = rdline_char_in(tty.rdl, tty.ahead[tty.offahead++]);

		if (rc == RDLINE_RES_EOF || rc == RDLINE_RES_EXITED) {
			put("\n", 1);
			vg_con_exec("quit");
			put(vg_con.out, vg_con.len);
			tty.nahead = tty.offahead = 0;
			vg_con.cfg.interactive = false;
			return;
		}
		if (rc == RDLINE_RES_VALIDATED && !tty.waiting)
			answer_done();
	}
	if (tty.offahead == tty.nahead)
		tty.nahead = tty.offahead = 0;
}

void
vg_con_tty_poll(void)
{
	struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};

	/* Nothing is read while a command (this one's or a client's) waits. */
	if (tty.rdl == NULL || tty.waiting || vg_con.flows.pending)
		return;
	if (tty.nahead == 0 && poll(&p, 1, 0) == 1) {
		ssize_t n = read(STDIN_FILENO, tty.ahead, sizeof(tty.ahead));

		if (n == 0) {
			/* The terminal went away: the sensor keeps running. */
			vg_con.cfg.interactive = false;
			return;
		}
		if (n > 0)
			tty.nahead = (size_t)n;
	}
	feed();
}

void
vg_con_tty_close(void)
{
	if (tty.raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &tty.saved);
		put("\n", 1);
	}
	tty.raw = false;
	if (tty.rdl != NULL)
		rdline_free(tty.rdl);
	tty.rdl = NULL;
}
