/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Istio shadow listener (--shadow-listen, doc/shadow.md): vigil as the
 * mirror target of Envoy's request mirroring. Envoy sends a copy of each
 * request, with "-shadow" on its Host, and discards the answer. vigil
 * accepts the copies on an ordinary socket, answers each as soon as it is
 * whole (200, empty), and hands what the connection carried, as the packets
 * it would have been on a wire, to a worker whose flow table is marked
 * shadow: the HTTP analyzer then logs each request in http.log with
 * shadowed T, its host without the suffix and its real client from the
 * forwarding headers (lib/analyzer/http/vg_http_shadow.c).
 *
 * One thread, non-blocking sockets, epoll. Memory is fixed at open: a slot
 * per connection (--shadow-max-conns) and one burst of packet buffers; no
 * request is buffered (vg_shadow_req.h frames it as it passes). A client
 * that is slow to send a request (slow loris) is closed after
 * request_ms; when every slot is taken, the connection that has waited
 * longest gives its slot to the new one. A malformed request gets 400 and
 * a head over head_max 431, then the connection closes; the HTTP analyzer
 * writes the weirds of what it saw, and the listener a shadow_* weird.
 */
#ifndef VG_SHADOW_H
#define VG_SHADOW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "vg_worker.h"

struct vg_shadow_cfg {
	const char *listen;  /* "ADDR:PORT", "[IPv6]:PORT" or ":PORT" (every address) */
	uint32_t max_conns;  /* connections at once (0: 1024) */
	uint32_t request_ms; /* a request must arrive whole within this (0: 10 s) */
	uint32_t idle_ms;    /* an idle keep-alive connection is closed after this (0: 60 s) */
	uint32_t head_max;   /* bytes of a request's line and headers (0: 64 KiB) */
};

struct vg_shadow_stats {
	uint64_t accepted;
	uint64_t closed;
	uint64_t active; /* a gauge: connections open now */
	uint64_t requests;
	uint64_t continues;        /* "100 Continue" answers */
	uint64_t bad_requests;     /* answered 400 */
	uint64_t too_big;          /* answered 431 */
	uint64_t request_timeouts; /* closed: a request did not arrive whole in time */
	uint64_t idle_timeouts;    /* closed: idle keep-alive */
	uint64_t evicted;          /* closed: every slot was taken when another came */
	uint64_t accept_errors;    /* accept failed (out of descriptors, ...) */
	uint64_t resets;           /* the client reset the connection or a write failed */
	uint64_t paused;           /* reading stopped: the client did not read its answers */
	uint64_t unanswered;       /* requests whose answer was never written (closed first) */
	uint64_t bytes_in, bytes_out;
	uint64_t packets; /* made up for the worker */
};

struct vg_shadow;

/*
 * Parses --shadow-listen's ADDR:PORT into *ss (*len its size); 0, or -1
 * with a one-line reason in err.
 */
int vg_shadow_parse_listen(
	const char *text, struct sockaddr_storage *ss, socklen_t *len, char *err, size_t errlen);

/*
 * Listens; the connections' packets go through w, whose flow table must
 * have been made with cfg.flow.shadow set. NULL with a one-line reason.
 */
struct vg_shadow *vg_shadow_open(
	const struct vg_shadow_cfg *cfg, struct vg_worker *w, char *err, size_t errlen);

/* Serves for at most timeout_ms: accepts, reads, answers, closes what timed out. */
void vg_shadow_poll(struct vg_shadow *s, int timeout_ms);

/* Closes every connection (logged as closed by vigil) and the socket. */
void vg_shadow_close(struct vg_shadow *s);

const struct vg_shadow_stats *vg_shadow_stats(const struct vg_shadow *s);

/* The address it listens on, as text ("127.0.0.1:8080"), after open. */
const char *vg_shadow_address(const struct vg_shadow *s);

#endif /* VG_SHADOW_H */
