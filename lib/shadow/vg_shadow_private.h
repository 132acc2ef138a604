/* SPDX-License-Identifier: BSD-3-Clause */
/* The shadow listener's insides, shared by its files. */
#ifndef VG_SHADOW_PRIVATE_H
#define VG_SHADOW_PRIVATE_H

#include "vg_common.h"
#include "vg_shadow.h"
#include "vg_shadow_pkt.h"
#include "vg_shadow_req.h"

/* What a connection is owed, in order (vg_shadow_answer.c). */
enum vg_sh_answer {
	VG_SH_OK,       /* 200, kept open */
	VG_SH_OK_CLOSE, /* 200, then closed (Connection: close, HTTP/1.0) */
	VG_SH_CONTINUE, /* 100 Continue */
	VG_SH_BAD,      /* 400, then closed */
	VG_SH_BIG,      /* 431, then closed */
};

/* Runs of answers owed at once; a client that owes more is not read. */
#define VG_SH_RUNS     8
#define VG_SH_OWED_MAX 4096

/* The two clocks a connection runs on (vg_shadow_clock.c). */
enum vg_sh_clock {
	VG_SH_BUSY, /* a request (or its answers) under way: --shadow-request-timeout */
	VG_SH_IDLE, /* between requests: --shadow-idle-timeout */
	VG_SH_NONE, /* a free slot */
};

#define VG_SH_NIL UINT32_MAX

struct vg_sh_conn {
	int fd; /* -1: a free slot */
	uint32_t next_free;
	uint64_t since_ns;   /* monotonic: when its clock started */
	uint32_t prev, next; /* in its clock's list, oldest first */
	uint8_t clock;       /* enum vg_sh_clock */
	uint8_t run_head, nruns;
	uint8_t last;     /* the last answer is queued: close once it is written */
	uint8_t paused;   /* not read until its answers are written */
	uint8_t want_out; /* EPOLLOUT is on */
	uint16_t sent;    /* bytes of the first owed answer already written */
	uint32_t owed;    /* answers owed in all */
	struct {
		uint8_t kind;
		uint32_t count;
	} runs[VG_SH_RUNS];
	struct vg_shpkt_conn pk;
	struct vg_shreq req;
};

struct vg_shadow {
	struct vg_shadow_cfg cfg;
	struct vg_worker *w;
	int lfd, ep;
	struct vg_sh_conn *conns;
	uint32_t free_head;
	uint32_t head[2], tail[2]; /* each clock's connections, by since_ns */
	uint64_t now_ns;           /* realtime, for the packets */
	uint64_t mono_ns;          /* for the timeouts */
	uint64_t swept_ns;
	uint64_t packets_at_poll;
	struct vg_shpkt_burst burst;
	struct vg_shadow_stats stats;
	char address[64];
};

/* vg_shadow_listen.c */
int vg_shadow_listen_socket(
	const struct vg_shadow_cfg *cfg, char *text, size_t textlen, char *err, size_t errlen);
void vg_shadow_sockaddr_addr(const struct sockaddr_storage *ss, struct vg_addr *a, uint16_t *port);
void vg_shadow_sockaddr_text(const struct sockaddr_storage *ss, char *out, size_t len);

/*
 * vg_shadow_clock.c: the connections on each clock, in the order their
 * clocks started, so that the sweep and the eviction look at list heads
 * only (no scan of every slot).
 */
void vg_sh_clock_init(struct vg_shadow *s);
/* Puts c on the clock its state calls for; restarts it when touch or when
 * that clock is another. */
void vg_sh_clock_set(struct vg_shadow *s, struct vg_sh_conn *c, bool touch);
void vg_sh_clock_stop(struct vg_shadow *s, struct vg_sh_conn *c);
/* The connection whose clock started first (NULL: none). */
struct vg_sh_conn *vg_sh_clock_oldest(struct vg_shadow *s);
/* A connection past its clock's limit (NULL: none); *which its clock. */
struct vg_sh_conn *vg_sh_clock_expired(struct vg_shadow *s, int *which);

/* vg_shadow_answer.c: queues an answer; false when the queue is full. */
bool vg_sh_owe(struct vg_sh_conn *c, enum vg_sh_answer kind);
/*
 * Writes what the connection is owed (made-up packets of what was written);
 * -1 when the socket failed, 1 when the last answer went out (close now),
 * else 0.
 */
int vg_sh_answer(struct vg_shadow *s, struct vg_sh_conn *c);

#endif /* VG_SHADOW_PRIVATE_H */
