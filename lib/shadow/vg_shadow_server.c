/* SPDX-License-Identifier: BSD-3-Clause */
/* The shadow listener's connections: accept, read, answer, close (vg_shadow.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "vg_shadow_private.h"

#define LISTEN_TAG UINT64_MAX
#define EVENTS     64
#define ACCEPTS    64           /* per wake-up, so reading is not starved */
#define SWEEP_NS   100000000ULL /* timeouts are looked at 10 times a second */
#define WEIRD_SRC  "SHADOW"

static void
set_events(struct vg_shadow *s, struct vg_sh_conn *c)
{
	struct epoll_event ev = {.data.u64 = (uint64_t)(c - s->conns)};

	ev.events = (c->paused ? 0 : EPOLLIN) | (c->want_out ? EPOLLOUT : 0);
	epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* A weird.log line on the connection (the worker has it once its packets went through). */
static void
weird(struct vg_shadow *s, struct vg_sh_conn *c, const char *name, const char *addl)
{
	vg_shpkt_flush(&s->burst);
	vg_flow_tcp_weird(s->w->flows, &c->pk.addr[1], c->pk.port[1], &c->pk.addr[0], c->pk.port[0],
		s->now_ns, name, addl, WEIRD_SRC);
}

static void
conn_close(struct vg_shadow *s, struct vg_sh_conn *c, bool client_first, bool reset)
{
	uint32_t idx = (uint32_t)(c - s->conns);

	if (reset)
		vg_shpkt_add(&s->burst, &c->pk, client_first, VG_SHPKT_RST, 0, s->now_ns);
	else
		vg_shpkt_close(&s->burst, &c->pk, client_first, s->now_ns);
	s->stats.unanswered += c->owed;
	vg_sh_clock_stop(s, c);
	close(c->fd);
	c->fd = -1;
	c->next_free = s->free_head;
	s->free_head = idx;
	s->stats.closed++;
	s->stats.active--;
}

/* The slot of the connection that has waited longest: a new one takes it. */
static struct vg_sh_conn *
evict_one(struct vg_shadow *s)
{
	struct vg_sh_conn *old = vg_sh_clock_oldest(s);

	if (old != NULL) {
		weird(s, old, "shadow_connection_evicted", NULL);
		conn_close(s, old, false, false);
		s->stats.evicted++;
	}
	return old;
}

static void
conn_open(struct vg_shadow *s, int fd, const struct sockaddr_storage *peer)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	struct vg_sh_conn *c;
	struct epoll_event ev = {.events = EPOLLIN};

	if (s->free_head == UINT32_MAX)
		evict_one(s);
	c = &s->conns[s->free_head];
	s->free_head = c->next_free;
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->clock = VG_SH_NONE;
	vg_sh_clock_set(s, c, true);
	vg_shreq_init(&c->req, s->cfg.head_max);
	getsockname(fd, (struct sockaddr *)&local, &len);
	vg_shadow_sockaddr_addr(peer, &c->pk.addr[1], &c->pk.port[1]);
	vg_shadow_sockaddr_addr(&local, &c->pk.addr[0], &c->pk.port[0]);
	c->pk.v4 = vg_addr_is_v4(&c->pk.addr[1]) && vg_addr_is_v4(&c->pk.addr[0]);
	ev.data.u64 = (uint64_t)(c - s->conns);
	epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev);
	vg_shpkt_open(&s->burst, &c->pk, s->now_ns);
	s->stats.accepted++;
	s->stats.active++;
}

static void
accept_some(struct vg_shadow *s)
{
	for (int i = 0; i < ACCEPTS; i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		int fd = accept4(
			s->lfd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
				errno != ECONNABORTED)
				s->stats.accept_errors++;
			return;
		}
		conn_open(s, fd, &peer);
	}
}

/* What the framer made of the bytes: answers owed; false when the connection must go. */
static bool
frame(struct vg_shadow *s, struct vg_sh_conn *c, const uint8_t *p, uint32_t n)
{
	/* A queue of answers that is full takes no more: the rest is not framed. */
	while (n > 0 && !c->last && c->nruns < VG_SH_RUNS && c->owed < VG_SH_OWED_MAX) {
		uint32_t used = 0;
		enum vg_shreq_event ev = vg_shreq_feed(&c->req, p, n, &used);

		p += used;
		n -= used;
		switch (ev) {
		case VG_SHREQ_MORE:
			break;
		case VG_SHREQ_CONTINUE:
			s->stats.continues++;
			vg_sh_owe(c, VG_SH_CONTINUE);
			break;
		case VG_SHREQ_DONE:
			s->stats.requests++;
			vg_sh_owe(c, c->req.close ? VG_SH_OK_CLOSE : VG_SH_OK);
			break;
		case VG_SHREQ_BAD:
			s->stats.bad_requests++;
			weird(s, c, "shadow_bad_request", c->req.why);
			vg_sh_owe(c, VG_SH_BAD);
			break;
		case VG_SHREQ_TOO_BIG:
			s->stats.too_big++;
			weird(s, c, "shadow_request_head_too_large", NULL);
			vg_sh_owe(c, VG_SH_BIG);
			break;
		}
	}
	/* Bytes left over only when the queue filled: this client does not
	 * read its answers; it is closed rather than buffered for. */
	return n == 0 || c->last;
}

/* Writes what is owed; false when the connection was closed. */
static bool
answer(struct vg_shadow *s, struct vg_sh_conn *c)
{
	int r = vg_sh_answer(s, c);

	if (r < 0) {
		s->stats.resets++;
		conn_close(s, c, false, true);
		return false;
	}
	if (r > 0) {
		conn_close(s, c, false, false);
		return false;
	}
	bool out = c->owed > 0;
	/* Not read: a backlog of answers, or nothing more to read after the last one. */
	bool backlog = c->owed >= VG_SH_OWED_MAX || c->nruns == VG_SH_RUNS;
	bool pause = backlog || c->last;

	if (out != c->want_out || pause != c->paused) {
		if (backlog && !c->paused)
			s->stats.paused++;
		c->want_out = out;
		c->paused = pause;
		set_events(s, c);
	}
	vg_sh_clock_set(s, c, false); /* its answers all written: the idle clock */
	return true;
}

static void
conn_read(struct vg_shadow *s, struct vg_sh_conn *c)
{
	uint8_t *p = vg_shpkt_room(&s->burst);
	ssize_t n = recv(c->fd, p, VG_SHPKT_PAYLOAD, 0);
	bool was_busy = vg_shreq_busy(&c->req);

	if (n == 0) {
		conn_close(s, c, true, false);
		return;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		s->stats.resets++;
		conn_close(s, c, true, true);
		return;
	}
	vg_shpkt_add(&s->burst, &c->pk, true, VG_SHPKT_PSH | VG_SHPKT_ACK, (uint32_t)n, s->now_ns);
	s->stats.bytes_in += (uint64_t)n;
	if (!frame(s, c, p, (uint32_t)n)) {
		weird(s, c, "shadow_answers_unread", NULL);
		conn_close(s, c, false, true);
		return;
	}
	/* A request that began here starts its clock; an idle connection, its idle clock;
	 * a request still coming keeps the clock it had. */
	bool touch = !was_busy || !vg_shreq_busy(&c->req);

	if (answer(s, c))
		vg_sh_clock_set(s, c, touch);
}

/*
 * Slow clients and idle connections, a tenth of a second apart: only the
 * connections past their limit are looked at (the heads of the clocks).
 */
static void
sweep(struct vg_shadow *s)
{
	struct vg_sh_conn *c;
	int which;

	if (s->mono_ns - s->swept_ns < SWEEP_NS)
		return;
	s->swept_ns = s->mono_ns;
	while ((c = vg_sh_clock_expired(s, &which)) != NULL) {
		if (which == VG_SH_BUSY) {
			s->stats.request_timeouts++;
			weird(s, c, "shadow_request_timeout", NULL);
		} else {
			s->stats.idle_timeouts++;
		}
		conn_close(s, c, false, false);
	}
}

void
vg_shadow_poll(struct vg_shadow *s, int timeout_ms)
{
	struct epoll_event ev[EVENTS];
	int n = epoll_wait(s->ep, ev, EVENTS, timeout_ms);

	s->now_ns = vg_wall_ns();
	s->mono_ns = vg_mono_ns();
	for (int i = 0; i < n; i++) {
		struct vg_sh_conn *c;

		if (ev[i].data.u64 == LISTEN_TAG) {
			accept_some(s);
			continue;
		}
		c = &s->conns[ev[i].data.u64];
		if (c->fd < 0)
			continue; /* closed earlier in this batch (evicted) */
		if ((ev[i].events & EPOLLOUT) && !answer(s, c))
			continue;
		if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			conn_read(s, c);
	}
	sweep(s);
	vg_shpkt_flush(&s->burst);
	s->stats.packets = s->burst.packets;
	/* No packets: the flow table's timers still run on the clock. */
	if (s->burst.packets == s->packets_at_poll)
		vg_flow_idle(s->w->flows, s->now_ns);
	s->packets_at_poll = s->burst.packets;
}

struct vg_shadow *
vg_shadow_open(const struct vg_shadow_cfg *cfg, struct vg_worker *w, char *err, size_t errlen)
{
	struct vg_shadow *s = calloc(1, sizeof(*s));
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = LISTEN_TAG};

	if (s == NULL)
		goto oom;
	s->cfg = *cfg;
	s->cfg.max_conns = cfg->max_conns ? cfg->max_conns : 1024;
	s->cfg.request_ms = cfg->request_ms ? cfg->request_ms : 10000;
	s->cfg.idle_ms = cfg->idle_ms ? cfg->idle_ms : 60000;
	s->w = w;
	s->lfd = s->ep = -1;
	s->conns = calloc(s->cfg.max_conns, sizeof(*s->conns));
	vg_sh_clock_init(s);
	if (s->conns == NULL || vg_shpkt_init(&s->burst, w) != 0)
		goto oom;
	for (uint32_t i = 0; i < s->cfg.max_conns; i++) {
		s->conns[i].fd = -1;
		s->conns[i].clock = VG_SH_NONE;
		s->conns[i].next_free = i + 1 < s->cfg.max_conns ? i + 1 : UINT32_MAX;
	}
	s->lfd = vg_shadow_listen_socket(cfg, s->address, sizeof(s->address), err, errlen);
	if (s->lfd < 0)
		goto fail;
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->ep < 0 || epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &ev) != 0) {
		snprintf(err, errlen, "--shadow-listen: epoll failed (%s)", strerror(errno));
		goto fail;
	}
	s->mono_ns = s->swept_ns = vg_mono_ns();
	return s;
oom:
	snprintf(err, errlen, "--shadow-listen: out of memory; give a smaller --shadow-max-conns");
fail:
	vg_shadow_close(s);
	return NULL;
}

void
vg_shadow_close(struct vg_shadow *s)
{
	if (s == NULL)
		return;
	s->now_ns = vg_wall_ns();
	for (uint32_t i = 0; s->conns != NULL && i < s->cfg.max_conns; i++)
		if (s->conns[i].fd >= 0)
			conn_close(s, &s->conns[i], false, false);
	if (s->burst.mem != NULL)
		vg_shpkt_flush(&s->burst);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->ep >= 0)
		close(s->ep);
	vg_shpkt_fini(&s->burst);
	free(s->conns);
	free(s);
}

const struct vg_shadow_stats *
vg_shadow_stats(const struct vg_shadow *s)
{
	return &s->stats;
}

const char *
vg_shadow_address(const struct vg_shadow *s)
{
	return s->address;
}
