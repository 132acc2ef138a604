/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Kubernetes API's wire formats (vg_k8s_watch.h). The API server writes a
 * watch as one JSON object per line, {"type":"ADDED","object":{...}}; types
 * are ADDED, MODIFIED, DELETED, BOOKMARK (an object holding only
 * metadata.resourceVersion) and ERROR (a Status object, e.g. code 410, reason
 * Expired). A List is {"kind":"PodList","metadata":{"resourceVersion":"..",
 * "continue":".."},"items":[...]}.
 */
#include <stdlib.h>
#include <string.h>

#include "vg_k8s_watch.h"

void
vg_k8s_split_init(struct vg_k8s_split *s, size_t max)
{
	memset(s, 0, sizeof(*s));
	s->max = max;
}

void
vg_k8s_split_reset(struct vg_k8s_split *s)
{
	s->len = 0;
}

void
vg_k8s_split_free(struct vg_k8s_split *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
}

static int
split_keep(struct vg_k8s_split *s, const char *data, size_t n)
{
	if (n > s->max - s->len)
		return -1;
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;

		while (cap < s->len + n)
			cap *= 2;
		if (cap > s->max)
			cap = s->max;
		char *b = realloc(s->buf, cap);

		if (b == NULL)
			return -1;
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return 0;
}

int
vg_k8s_split_feed(struct vg_k8s_split *s, const char *data, size_t n, vg_k8s_line_fn fn, void *ctx)
{
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);

		if (nl == NULL)
			return split_keep(s, data, n);
		size_t part = (size_t)(nl - data);
		int rc;

		if (s->len == 0) {
			/* The whole line lies in this delivery: no copy. */
			if (part > s->max)
				return -1;
			rc = fn(ctx, data, part);
		} else {
			if (split_keep(s, data, part) != 0)
				return -1;
			rc = fn(ctx, s->buf, s->len);
			s->len = 0;
		}
		data = nl + 1;
		n -= part + 1;
		if (rc != 0)
			return rc;
	}
	return 0;
}

bool
vg_k8s_split_pending(const struct vg_k8s_split *s)
{
	for (size_t i = 0; i < s->len; i++)
		if (s->buf[i] != ' ' && s->buf[i] != '\t' && s->buf[i] != '\r')
			return true;
	return false;
}

static void
copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static const char *
meta_str(const json_t *meta, const char *key)
{
	const json_t *v = json_object_get(meta, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *
vg_k8s_object_check(const json_t *obj, bool namespaced)
{
	const json_t *meta;
	const char *s;

	if (!json_is_object(obj))
		return "the object is not a JSON object";
	meta = json_object_get(obj, "metadata");
	if (!json_is_object(meta))
		return "the object has no metadata";
	s = meta_str(meta, "name");
	if (s == NULL || s[0] == '\0')
		return "the object has no metadata.name";
	s = meta_str(meta, "namespace");
	if (namespaced && (s == NULL || s[0] == '\0'))
		return "the object has no metadata.namespace";
	s = meta_str(meta, "resourceVersion");
	if (s == NULL || s[0] == '\0' || strlen(s) >= VG_K8S_RV_MAX)
		return "the object has no usable metadata.resourceVersion";
	return NULL;
}

void
vg_k8s_status_parse(const json_t *st, int *code, char *reason, size_t reason_len, char *message,
	size_t message_len)
{
	const json_t *v;

	*code = 0;
	reason[0] = '\0';
	message[0] = '\0';
	if (!json_is_object(st))
		return;
	v = json_object_get(st, "code");
	if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < 1000)
		*code = (int)json_integer_value(v);
	v = json_object_get(st, "reason");
	if (json_is_string(v))
		copy_str(reason, reason_len, json_string_value(v));
	v = json_object_get(st, "message");
	if (json_is_string(v)) {
		copy_str(message, message_len, json_string_value(v));
		/* One line on stderr: no line breaks from the server. */
		for (char *p = message; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	}
}

static bool
blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return false;
	return true;
}

static void
bad(struct vg_k8s_wevent *ev, enum vg_k8s_wtype t, const char *why)
{
	ev->type = t;
	ev->why = why;
}

/* The event's type name to its value; -1 for none we know. */
static int
event_type(const char *t)
{
	static const char *const names[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"};

	for (int i = 0; i < 5; i++)
		if (strcmp(t, names[i]) == 0)
			return i;
	return -1;
}

static void
parse_event(json_t *root, bool namespaced, struct vg_k8s_wevent *ev)
{
	const json_t *t = json_object_get(root, "type");
	json_t *obj = json_object_get(root, "object");
	int type;

	if (!json_is_string(t) || (type = event_type(json_string_value(t))) < 0)
		return bad(ev, VG_K8S_W_BAD_LINE, "an event without a known type");
	if (!json_is_object(obj))
		return bad(ev, VG_K8S_W_BAD_OBJECT, "an event without an object");
	ev->type = (enum vg_k8s_wtype)type;
	if (type == VG_K8S_W_ERROR) {
		vg_k8s_status_parse(obj, &ev->code, ev->reason, sizeof(ev->reason), ev->message,
			sizeof(ev->message));
		return;
	}
	if (type == VG_K8S_W_BOOKMARK) {
		/* Only the resourceVersion matters; a bookmark has no name. */
		const char *rv = meta_str(json_object_get(obj, "metadata"), "resourceVersion");

		if (rv == NULL || rv[0] == '\0' || strlen(rv) >= VG_K8S_RV_MAX)
			return bad(ev, VG_K8S_W_BAD_OBJECT, "a BOOKMARK without a resourceVersion");
		copy_str(ev->rv, sizeof(ev->rv), rv);
		return;
	}
	const char *why = vg_k8s_object_check(obj, namespaced);

	if (why != NULL)
		return bad(ev, VG_K8S_W_BAD_OBJECT, why);
	copy_str(ev->rv, sizeof(ev->rv),
		meta_str(json_object_get(obj, "metadata"), "resourceVersion"));
	ev->object = json_incref(obj);
}

void
vg_k8s_watch_parse(const char *line, size_t len, bool namespaced, struct vg_k8s_wevent *ev)
{
	json_error_t err;
	json_t *root;

	memset(ev, 0, sizeof(*ev));
	if (blank(line, len)) {
		ev->type = VG_K8S_W_EMPTY;
		return;
	}
	root = json_loadb(line, len, 0, &err);
	if (root == NULL)
		return bad(ev, VG_K8S_W_BAD_LINE, "a line that is not JSON");
	if (!json_is_object(root))
		bad(ev, VG_K8S_W_BAD_LINE, "a line that is not a JSON object");
	else
		parse_event(root, namespaced, ev);
	json_decref(root);
}

int
vg_k8s_page_parse(const char *body, size_t len, struct vg_k8s_page *p, const char **why)
{
	json_error_t err;
	const json_t *meta;
	const char *rv, *cont;

	memset(p, 0, sizeof(*p));
	p->root = json_loadb(body, len, 0, &err);
	if (p->root == NULL) {
		*why = "the List is not JSON (cut short?)";
		return -1;
	}
	p->items = json_object_get(p->root, "items");
	meta = json_object_get(p->root, "metadata");
	rv = meta_str(meta, "resourceVersion");
	if (!json_is_array(p->items) && !json_is_null(p->items)) {
		*why = "the List has no items array";
		goto fail;
	}
	if (rv == NULL || rv[0] == '\0' || strlen(rv) >= VG_K8S_RV_MAX) {
		*why = "the List has no usable metadata.resourceVersion";
		goto fail;
	}
	copy_str(p->rv, sizeof(p->rv), rv);
	cont = meta_str(meta, "continue");
	if (cont != NULL && cont[0] != '\0') {
		p->cont = strdup(cont);
		if (p->cont == NULL) {
			*why = "out of memory";
			goto fail;
		}
	}
	return 0;
fail:
	vg_k8s_page_free(p);
	return -1;
}

void
vg_k8s_page_free(struct vg_k8s_page *p)
{
	json_decref(p->root);
	free(p->cont);
	memset(p, 0, sizeof(*p));
}
