/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shadow listener's answers: Envoy throws them away, so each is the
 * shortest a client accepts. They are owed in order and written as the
 * socket takes them; what was written goes to the worker as the server's
 * packets.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "vg_shadow_private.h"

static const struct {
	const char *text;
	uint16_t len;
	bool closes;
} answers[] = {
#define A(t, c)                                                                                    \
	{                                                                                          \
		t, sizeof(t) - 1, c                                                                \
	}
	[VG_SH_OK] = A("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false),
	[VG_SH_OK_CLOSE] =
		A("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", true),
	[VG_SH_CONTINUE] = A("HTTP/1.1 100 Continue\r\n\r\n", false),
	[VG_SH_BAD] = A(
		"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", true),
	[VG_SH_BIG] = A("HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: "
			"0\r\nConnection: close\r\n\r\n",
		true),
#undef A
};

bool
vg_sh_owe(struct vg_sh_conn *c, enum vg_sh_answer kind)
{
	uint8_t tail = (uint8_t)((c->run_head + c->nruns - 1) % VG_SH_RUNS);

	if (c->nruns > 0 && c->runs[tail].kind == kind) {
		c->runs[tail].count++;
	} else {
		if (c->nruns == VG_SH_RUNS)
			return false;
		tail = (uint8_t)((c->run_head + c->nruns) % VG_SH_RUNS);
		c->runs[tail].kind = (uint8_t)kind;
		c->runs[tail].count = 1;
		c->nruns++;
	}
	c->owed++;
	if (answers[kind].closes)
		c->last = 1;
	return true;
}

/* Lays the owed answers out in buf, from the first one's unsent part; the byte count. */
static uint32_t
lay_out(const struct vg_sh_conn *c, uint8_t *buf, uint32_t cap)
{
	uint32_t n = 0, skip = c->sent;

	for (uint8_t r = 0; r < c->nruns; r++) {
		uint8_t k = c->runs[(c->run_head + r) % VG_SH_RUNS].kind;
		uint32_t count = c->runs[(c->run_head + r) % VG_SH_RUNS].count;
		uint32_t len = answers[k].len;

		for (uint32_t i = 0; i < count; i++) {
			if (n + len - skip > cap)
				return n;
			memcpy(buf + n, answers[k].text + skip, len - skip);
			n += len - skip;
			skip = 0;
		}
	}
	return n;
}

/* n bytes went out: whole answers leave the queue. */
static void
written(struct vg_sh_conn *c, uint32_t n)
{
	n += c->sent;
	while (c->nruns > 0) {
		uint8_t h = c->run_head;
		uint32_t len = answers[c->runs[h].kind].len;

		if (n < len)
			break;
		n -= len;
		c->owed--;
		if (--c->runs[h].count == 0) {
			c->run_head = (uint8_t)((h + 1) % VG_SH_RUNS);
			c->nruns--;
		}
	}
	c->sent = (uint16_t)n;
}

int
vg_sh_answer(struct vg_shadow *s, struct vg_sh_conn *c)
{
	uint8_t buf[16384];

	while (c->owed > 0) {
		uint32_t n = lay_out(c, buf, sizeof(buf));
		ssize_t k = send(c->fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (k < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -1;
		}
		vg_shpkt_add_copy(&s->burst, &c->pk, false, VG_SHPKT_PSH | VG_SHPKT_ACK, buf,
			(uint32_t)k, s->now_ns);
		s->stats.bytes_out += (uint64_t)k;
		written(c, (uint32_t)k);
		if ((uint32_t)k < n)
			return 0;
	}
	return c->last ? 1 : 0;
}
