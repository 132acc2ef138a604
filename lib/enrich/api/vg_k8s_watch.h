/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Kubernetes API's wire formats, without any network: the watch stream
 * split into lines (the API server writes one JSON event per line), a watch
 * event parsed into its type, object and resourceVersion, a List page into
 * its items, resourceVersion and continue token, and a Status body into its
 * code, reason and message. Everything here is bounded and never trusts the
 * input: a line that is not JSON, an event without a type or an object
 * without metadata is an error the caller counts, never a crash. Used by
 * vg_k8s_api.c and fuzzed by tests/fuzz/fuzz_k8s_watch.c.
 */
#ifndef VG_K8S_WATCH_H
#define VG_K8S_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define VG_K8S_RV_MAX   64          /* resourceVersion bytes kept (with the NUL) */
#define VG_K8S_LINE_MAX (16u << 20) /* longest watch event line accepted */
#define VG_K8S_MSG_MAX  160         /* a Status message kept for one stderr line */

/* Splits a byte stream into lines; a line longer than max is an error. */
struct vg_k8s_split {
	char *buf; /* bytes of the line not yet ended */
	size_t len, cap, max;
};

/* Called for each complete line (without its '\n'); nonzero stops the feed. */
typedef int (*vg_k8s_line_fn)(void *ctx, const char *line, size_t len);

void vg_k8s_split_init(struct vg_k8s_split *s, size_t max);
void vg_k8s_split_reset(struct vg_k8s_split *s);
void vg_k8s_split_free(struct vg_k8s_split *s);
/*
 * Feeds n bytes: 0 when all were taken, the callback's nonzero value when it
 * stopped the feed, -1 when a line grew past max or memory ran out (the
 * stream cannot go on).
 */
int vg_k8s_split_feed(
	struct vg_k8s_split *s, const char *data, size_t n, vg_k8s_line_fn fn, void *ctx);
/* True when bytes other than white space wait for their end of line. */
bool vg_k8s_split_pending(const struct vg_k8s_split *s);

enum vg_k8s_wtype {
	VG_K8S_W_ADDED,
	VG_K8S_W_MODIFIED,
	VG_K8S_W_DELETED,
	VG_K8S_W_BOOKMARK,
	VG_K8S_W_ERROR,     /* the server's ERROR event: code/reason/message set */
	VG_K8S_W_EMPTY,     /* a blank line: nothing to do */
	VG_K8S_W_BAD_LINE,  /* not a JSON object, or no known type */
	VG_K8S_W_BAD_OBJECT /* known type, object missing or without needed fields */
};

struct vg_k8s_wevent {
	enum vg_k8s_wtype type;
	json_t *object;         /* ADDED/MODIFIED/DELETED: a reference the caller owns */
	char rv[VG_K8S_RV_MAX]; /* the object's metadata.resourceVersion ("" if none) */
	int code;               /* ERROR: the Status code (0 if none) */
	char reason[48];        /* ERROR: the Status reason */
	char message[VG_K8S_MSG_MAX];
	const char *why; /* BAD_*: what was wrong, for the one-line report */
};

/*
 * Parses one watch line. namespaced: the kind's objects must carry
 * metadata.namespace. ev->object, when set, must be json_decref'ed.
 */
void vg_k8s_watch_parse(const char *line, size_t len, bool namespaced, struct vg_k8s_wevent *ev);

/*
 * Checks an object of a List or an event: metadata with a string name (and
 * namespace when namespaced) and resourceVersion. NULL when good, else what
 * is missing.
 */
const char *vg_k8s_object_check(const json_t *obj, bool namespaced);

struct vg_k8s_page {
	json_t *root;  /* the whole List; json_decref when done */
	json_t *items; /* borrowed from root: the array */
	char rv[VG_K8S_RV_MAX];
	char *cont; /* metadata.continue, malloc'ed; NULL on the last page */
};

/* Parses a List body: 0, or -1 with *why set (not JSON, no items, ...). */
int vg_k8s_page_parse(const char *body, size_t len, struct vg_k8s_page *p, const char **why);
void vg_k8s_page_free(struct vg_k8s_page *p);

/*
 * A Status body (an HTTP error's or an ERROR event's object): fills code,
 * reason and message when present, leaves them empty otherwise.
 */
void vg_k8s_status_parse(const json_t *st, int *code, char *reason, size_t reason_len,
	char *message, size_t message_len);

#endif /* VG_K8S_WATCH_H */
