/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-ctl: the console of a running sensor over its unix socket
 * (doc/console.md). With a command, runs it and exits 1 when the sensor
 * refused it; alone, reads commands from the terminal until EOF or `exit`.
 * Each answer on the socket ends with a NUL byte and "ok" or "error".
 * With --logd it talks to vigil-logd's console instead (its export policy:
 * show logs, set log, policy reload, show policy), found as the one
 * /run/vigil/<shm>.logd socket when --socket is not given.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/vigil/vigil.sock"
#define LINE_MAX_BYTES 512
#define ANSWER_WAIT_MS 10000

#define SOCKET_DIR "/run/vigil"

static const char *sock_path; /* --socket; NULL: found in SOCKET_DIR */
static bool logd;             /* --logd: vigil-logd's console */

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: vigil-ctl [--logd] [--socket PATH] [COMMAND...]\n"
		"Runs COMMAND on a running vigil through its console socket "
		"(default\n" DEFAULT_SOCKET
		"; vigil --console-socket sets it) and exits 1 when the\n"
		"sensor refuses it. Without COMMAND, reads commands from the terminal\n"
		"('exit' or Ctrl-D ends vigil-ctl; 'quit' stops the sensor). 'help' lists\n"
		"the commands.\n"
		"With --logd, talks to vigil-logd's console instead (default: the one\n" SOCKET_DIR
		"/*.logd; vigil-logd --console-socket sets it): show logs,\n"
		"show policy, set log <name> on|off|sample <rate>, policy reload.\n");
}

/*
 * Without --socket: /run/vigil/vigil.sock when it is there, else the one
 * socket in /run/vigil (a sensor with its own EAL --file-prefix); NULL
 * after a one-line error when there is none or more than one.
 */
/* --logd without --socket: the one <shm>.logd socket in SOCKET_DIR. */
static const char *
find_logd_socket(void)
{
	static char found[512];
	DIR *d = opendir(SOCKET_DIR);
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (l < 6 || strcmp(e->d_name + l - 5, ".logd") != 0)
			continue;
		if (n++ == 0)
			snprintf(found, sizeof(found), "%s/%s", SOCKET_DIR, e->d_name);
	}
	if (d != NULL)
		closedir(d);
	if (n == 1)
		return found;
	fprintf(stderr,
		n == 0 ? "vigil-ctl: no vigil-logd console in " SOCKET_DIR
			 "; is vigil-logd running? give its --console-socket with --socket PATH\n"
		       : "vigil-ctl: several vigil-logd consoles in " SOCKET_DIR
			 "; pick one with --socket PATH\n");
	return NULL;
}

static const char *
find_socket(void)
{
	static char found[512];
	char names[256] = "";
	DIR *d;
	struct dirent *e;
	int n = 0;

	if (access(DEFAULT_SOCKET, F_OK) == 0 || (d = opendir(SOCKET_DIR)) == NULL)
		return DEFAULT_SOCKET;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (l < 6 || strcmp(e->d_name + l - 5, ".sock") != 0)
			continue;
		if (n++ == 0)
			snprintf(found, sizeof(found), "%s/%s", SOCKET_DIR, e->d_name);
		if (strlen(names) + l + 3 < sizeof(names))
			strcat(strcat(names, n > 1 ? ", " : ""), e->d_name);
	}
	closedir(d);
	if (n == 1)
		return found;
	if (n > 1)
		fprintf(stderr,
			"vigil-ctl: several sensors listen in " SOCKET_DIR " (%s); pick one with "
			"--socket PATH\n",
			names);
	return n > 1 ? NULL : DEFAULT_SOCKET;
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vigil-ctl: socket path '%s' is too long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr,
			"vigil-ctl: cannot connect to '%s' (%s); is %s running? give its "
			"--console-socket with --socket PATH\n",
			path, strerror(errno), logd ? "vigil-logd" : "vigil");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static bool
send_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		buf += w;
		n -= (size_t)w;
	}
	return true;
}

/*
 * Reads one answer: its text to out (stdout, or stderr when refused), then
 * the status. 0 ok, 1 refused, 2 the sensor went away or did not answer.
 */
static int
read_answer(int fd)
{
	char buf[4096], status[16];
	size_t nst = 0;
	bool in_status = false;
	/* The text is held until the status says where it goes. */
	char *text = NULL;
	size_t ntext = 0;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (poll(&p, 1, ANSWER_WAIT_MS) != 1) {
			fprintf(stderr, "vigil-ctl: no answer within %d s\n",
				ANSWER_WAIT_MS / 1000);
			free(text);
			return 2;
		}
		ssize_t r = recv(fd, buf, sizeof(buf), 0);

		if (r <= 0) {
			fprintf(stderr, "vigil-ctl: the sensor closed the console connection\n");
			free(text);
			return 2;
		}
		for (ssize_t i = 0; i < r; i++) {
			if (in_status) {
				if (buf[i] == '\n') {
					status[nst] = '\0';
					bool ok = strcmp(status, "ok") == 0;

					fwrite(text, 1, ntext, ok ? stdout : stderr);
					fflush(ok ? stdout : stderr);
					free(text);
					return ok ? 0 : 1;
				}
				if (nst < sizeof(status) - 1)
					status[nst++] = buf[i];
				continue;
			}
			if (buf[i] == '\0') {
				in_status = true;
				continue;
			}
			char *t = realloc(text, ntext + 1);

			if (t == NULL) {
				free(text);
				return 2;
			}
			text = t;
			text[ntext++] = buf[i];
		}
	}
}

static int
run_one(int fd, const char *line)
{
	size_t n = strlen(line);

	if (n > LINE_MAX_BYTES) {
		fprintf(stderr, "vigil-ctl: command longer than %d bytes\n", LINE_MAX_BYTES);
		return 1;
	}
	if (!send_all(fd, line, n) || !send_all(fd, "\n", 1)) {
		fprintf(stderr, "vigil-ctl: the sensor closed the console connection\n");
		return 2;
	}
	return read_answer(fd);
}

static int
interactive(int fd)
{
	char line[LINE_MAX_BYTES + 2];
	bool tty = isatty(STDIN_FILENO);
	int rc = 0;

	for (;;) {
		if (tty) {
			fputs("vigil> ", stdout);
			fflush(stdout);
		}
		if (fgets(line, sizeof(line), stdin) == NULL)
			break;
		line[strcspn(line, "\r\n")] = '\0';
		if (strcmp(line, "exit") == 0)
			break;
		rc = run_one(fd, line);
		if (rc == 2)
			return 2;
	}
	if (tty)
		fputc('\n', stdout);
	return tty ? 0 : rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"logd", no_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char line[LINE_MAX_BYTES + 2];
	size_t used = 0;
	int c, fd, rc;

	opterr = 0;
	/* '+': the command's own words are never taken for options. */
	while ((c = getopt_long(argc, argv, "+s:hl", opts, NULL)) != -1) {
		if (c == 's')
			sock_path = optarg;
		else if (c == 'l')
			logd = true;
		else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "vigil-ctl: unknown option '%s'; see 'vigil-ctl --help'\n",
				argv[optind - 1]);
			return 2;
		}
	}
	line[0] = '\0';
	for (int i = optind; i < argc; i++) {
		int n = snprintf(
			line + used, sizeof(line) - used, "%s%s", i > optind ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(line) - used) {
			fprintf(stderr, "vigil-ctl: command longer than %d bytes\n",
				LINE_MAX_BYTES);
			return 2;
		}
		used += (size_t)n;
	}
	if (sock_path == NULL && (sock_path = logd ? find_logd_socket() : find_socket()) == NULL)
		return 2;
	if ((fd = connect_to(sock_path)) < 0)
		return 2;
	rc = optind < argc ? run_one(fd, line) : interactive(fd);
	close(fd);
	return rc;
}
