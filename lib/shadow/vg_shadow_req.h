/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where each HTTP/1.x request of a byte stream ends, so the shadow listener
 * can answer it at once (vg_shadow_server.c). It keeps no bytes: the request
 * line and the headers are checked as they pass, a byte at a time, and only
 * the headers that frame a message (Content-Length, Transfer-Encoding,
 * Connection, Expect) are read, from their first VG_SHREQ_VALUE_MAX bytes.
 * What a request says is logged by the HTTP analyzer, which sees the same
 * bytes; this only decides the answer.
 */
#ifndef VG_SHADOW_REQ_H
#define VG_SHADOW_REQ_H

#include <stdbool.h>
#include <stdint.h>

#define VG_SHREQ_NAME_MAX  24 /* longest framing header name, with room */
#define VG_SHREQ_VALUE_MAX 64 /* bytes of a framing header's value read */

/* What the stream asks of the listener after a call. */
enum vg_shreq_event {
	VG_SHREQ_MORE,     /* nothing yet: all bytes taken */
	VG_SHREQ_CONTINUE, /* a head with "Expect: 100-continue" and a body: 100 now */
	VG_SHREQ_DONE,     /* a request ended: answer it (vg_shreq.close: then close) */
	VG_SHREQ_BAD,      /* malformed: answer 400 and close (vg_shreq.why) */
	VG_SHREQ_TOO_BIG,  /* the head passed the limit: answer 431 and close */
};

struct vg_shreq {
	uint8_t state;
	uint8_t sub; /* position inside the state (e.g. which part of the request line) */
	uint8_t ver_major, ver_minor;
	uint8_t chunked;    /* Transfer-Encoding: chunked */
	uint8_t has_length; /* Content-Length was given */
	uint8_t close;      /* the connection closes after this request's answer */
	uint8_t keep_alive; /* Connection: keep-alive (HTTP/1.0) */
	uint8_t expect_continue;
	uint8_t name_len, value_len;
	uint8_t saw_cr;
	uint32_t head_len;  /* bytes of this request's head so far */
	uint32_t head_max;  /* the limit (0: 64 KiB) */
	uint64_t remaining; /* body bytes left (Content-Length, or the chunk) */
	uint64_t length;    /* Content-Length */
	const char *why;    /* after VG_SHREQ_BAD: what was wrong */
	char name[VG_SHREQ_NAME_MAX];
	char value[VG_SHREQ_VALUE_MAX];
};

/* A stream's framer, at the start of its first request. */
void vg_shreq_init(struct vg_shreq *q, uint32_t head_max);

/*
 * Takes bytes until something happens; *used says how many it took (the
 * rest go in the next call). After DONE the next request starts; after BAD
 * and TOO_BIG nothing more is taken.
 */
enum vg_shreq_event vg_shreq_feed(
	struct vg_shreq *q, const uint8_t *p, uint32_t len, uint32_t *used);

/* True while a request has begun and not ended (its head or body is coming). */
bool vg_shreq_busy(const struct vg_shreq *q);

#endif /* VG_SHADOW_REQ_H */
