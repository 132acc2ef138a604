/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keeping vigil-tap small in memory (doc/vigil-tap.md, "Memory").
 *
 * vigil-tap is built statically where Debian ships the archives (libpcap.a
 * and the libdbus-1.a it needs): no shared library pages are mapped, and the
 * binary's pages are the only file pages it has. When it starts, the kernel
 * maps the binary's pages around each one it touches (fault-around), most of
 * which the capture loop never uses again: vg_tap_trim_rss() lets go of the
 * read-only ones once setup is done, and the loop faults back only its own.
 * The mappings are marked random, so a page the loop touches brings no
 * read-ahead with it (fault-around still maps the cached pages near it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vg_tap_mem.h"

/* One line of /proc/self/maps: a read-only mapping of path? Its range. */
static int
own_readonly(const char *line, const char *exe, unsigned long *lo, unsigned long *hi)
{
	char perms[8];
	int at = 0;

	if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", lo, hi, perms, &at) != 3 || at == 0)
		return 0;
	if (perms[1] == 'w')
		return 0;
	const char *path = line + at;
	size_t n = strcspn(path, "\n");

	return n == strlen(exe) && memcmp(path, exe, n) == 0;
}

unsigned long
vg_tap_trim_rss(void)
{
	char exe[4096], line[4352];
	unsigned long lo, hi, bytes = 0;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f;

	if (n <= 0)
		return 0;
	exe[n] = '\0';
	f = fopen("/proc/self/maps", "re");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (!own_readonly(line, exe, &lo, &hi))
			continue;
		madvise((void *)lo, hi - lo, MADV_RANDOM);
		if (madvise((void *)lo, hi - lo, MADV_DONTNEED) == 0)
			bytes += hi - lo;
	}
	fclose(f);
	return bytes;
}

#ifdef VG_TAP_STATIC
/*
 * libdbus-1.a (which libpcap.a's D-Bus capture needs) refers to systemd's
 * socket activation, used only by a D-Bus daemon; Debian ships no
 * libsystemd.a. vigil-tap never opens a D-Bus capture: these answer as
 * systemd does for a process started without sockets.
 */
int sd_listen_fds(int unset_environment);
int sd_is_socket(int fd, int family, int type, int listening);

int
sd_listen_fds(int unset_environment)
{
	(void)unset_environment;
	return 0; /* no sockets passed */
}

int
sd_is_socket(int fd, int family, int type, int listening)
{
	(void)fd;
	(void)family;
	(void)type;
	(void)listening;
	return 0; /* not one of the passed sockets */
}
#endif
