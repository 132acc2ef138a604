/* SPDX-License-Identifier: BSD-3-Clause */
/* The service account token: read at start, read again whenever its file changes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_k8s_api_int.h"

int
vg_k8s_token_read(const char *path, char **out, struct stat *st)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (f == NULL)
		return -1;
	buf = malloc(TOKEN_MAX + 1);
	if (buf == NULL || fstat(fileno(f), st) != 0) {
		free(buf);
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, TOKEN_MAX + 1, f);
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	if (n == 0 || n > TOKEN_MAX) {
		free(buf);
		errno = n == 0 ? ENODATA : EFBIG;
		return -1;
	}
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x21 || (unsigned char)buf[i] > 0x7e) {
			free(buf);
			errno = EINVAL;
			return -1;
		}
	*out = buf;
	return 0;
}

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
		a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

char *
vg_k8s_auth_header(struct vg_k8s_api *api)
{
	struct stat st;
	char *h;

	pthread_mutex_lock(&api->token_lock);
	/* Projected tokens are rotated by swapping a symlink: stat follows it. */
	if (stat(api->token_file, &st) == 0 && !same_file(&st, &api->token_st)) {
		char *t;
		struct stat tst;

		if (vg_k8s_token_read(api->token_file, &t, &tst) == 0) {
			free(api->token);
			api->token = t;
			api->token_st = tst;
			bump(&api->token_reloads);
		} else {
			api->token_st = st; /* reported once per change of the file */
			bump(&api->token_errors);
			char line[PROBLEM_MAX];

			snprintf(line, sizeof(line),
				"k8s-api: the token file %s changed but cannot be read (%s); "
				"keeping the previous token",
				api->token_file, strerror(errno));
			vg_k8s_say(api, line);
		}
	}
	if (asprintf(&h, "Authorization: Bearer %s", api->token) < 0)
		h = NULL;
	pthread_mutex_unlock(&api->token_lock);
	return h;
}
