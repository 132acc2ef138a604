/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sink unit tests: URL parsing, RFC 5424 framing with RFC 6587 octet
 * counting, the queue, and the syslog sinks against sockets of this test on
 * loopback (every record once, in order; a peer that stops reading fills the
 * queue, then drops are counted exactly and a put stays short; a peer that
 * closes is reconnected to, and no record arrives twice).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vg_common.h"
#include "vg_sink.h"
#include "vg_sink_int.h"
#include "vg_test.h"

static void
test_url(void)
{
	struct vg_sink_url u;
	char err[512];

	CHECK_EQ(vg_sink_url_parse("stdout", &u, err, sizeof(err)), 0);
	CHECK_EQ(u.kind, VG_SINK_STDOUT);
	CHECK(!u.tsv);
	CHECK_EQ(vg_sink_url_parse("stdout?format=tsv&queue=10", &u, err, sizeof(err)), 0);
	CHECK(u.tsv);
	CHECK_EQ(u.queue, 10);
	CHECK_EQ(vg_sink_url_parse("syslog+udp://127.0.0.1:5514", &u, err, sizeof(err)), 0);
	CHECK_EQ(u.kind, VG_SINK_SYSLOG_UDP);
	CHECK_EQ(u.port, 5514);
	CHECK(strcmp(u.host, "127.0.0.1") == 0);
	CHECK(strcmp(u.name, "syslog+udp://127.0.0.1:5514") == 0);
	CHECK_EQ(vg_sink_url_parse("syslog+tcp://[::1]:601/?facility=daemon", &u, err, sizeof(err)),
		0);
	CHECK(strcmp(u.host, "::1") == 0);
	CHECK_EQ(u.port, 601);
	CHECK_EQ(u.facility, 3);
	CHECK_EQ(vg_sink_url_parse(
			 "syslog+tls://logs.example?ca=/etc/a%20b.pem", &u, err, sizeof(err)),
		0);
	CHECK_EQ(u.port, 6514);
	CHECK(strcmp(u.ca, "/etc/a b.pem") == 0);
	CHECK_EQ(vg_sink_url_parse("kafka://a:1,b?topic_prefix=z.&linger_ms=5&batch=7&acks=1&"
				   "kafka.security.protocol=ssl",
			 &u, err, sizeof(err)),
		0);
	CHECK(strcmp(u.host, "a:1,b:9092") == 0);
	CHECK(strcmp(u.topic_prefix, "z.") == 0);
	CHECK_EQ(u.linger_ms, 5);
	CHECK_EQ(u.batch, 7);
	CHECK_EQ(u.acks, 1);
	CHECK_EQ(u.nprops, 1);
	CHECK(strcmp(u.prop_name[0], "security.protocol") == 0);

	static const char *const bad[] = {"", "stdoutx", "file:///tmp", "syslog+udp://",
		"syslog+udp://h:0", "syslog+udp://h:70000", "syslog+udp://h:1?bogus=1",
		"stdout?format=xml", "syslog+tcp://h?facility=local9", "syslog+tls://h?cert=/c",
		"stdout?queue=0", "syslog+udp://[::1", "syslog+udp://a b:1", "kafka://a,",
		"kafka://a?topic_prefix=a/b", "syslog+udp://h?ca=/x", "stdout?queue=1%2",
		"stdout?queue", "kafka://h?acks=2", "stdout?format=tsv&facility=user"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK_EQ(vg_sink_url_parse(bad[i], &u, err, sizeof(err)), -1);
		CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
	}
}

static void
test_frame(void)
{
	char out[1024];
	const char *msg = "{\"ts\":1.0,\"uid\":\"C1\"}";
	/* 2026-12-05T18:55:01.000042Z */
	int64_t t = 1796496901LL * 1000000 + 42;
	size_t n = vg_syslog_frame(
		out, sizeof(out), false, 16, t, "sensor-1", 42, "conn", 4, msg, strlen(msg));
	const char *want = "<134>1 2026-12-05T18:55:01.000042Z sensor-1 vigil 42 conn - "
			   "{\"ts\":1.0,\"uid\":\"C1\"}";

	CHECK_EQ(n, strlen(want));
	CHECK(n == strlen(want) && memcmp(out, want, n) == 0);
	/* Octet counting: the length of what follows the space. */
	n = vg_syslog_frame(
		out, sizeof(out), true, 16, t, "sensor-1", 42, "conn", 4, msg, strlen(msg));
	char prefix[16];

	snprintf(prefix, sizeof(prefix), "%zu ", strlen(want));
	CHECK_EQ(n, strlen(prefix) + strlen(want));
	CHECK(memcmp(out, prefix, strlen(prefix)) == 0);
	CHECK(memcmp(out + strlen(prefix), want, strlen(want)) == 0);
	/* Fields: no spaces, MSGID at most 32, PRI = facility * 8 + 6. */
	n = vg_syslog_frame(out, sizeof(out), false, 3, t, "a b", 1,
		"0123456789012345678901234567890123456789", 40, "x", 1);
	out[n] = '\0';
	CHECK(strcmp(out,
		      "<30>1 2026-12-05T18:55:01.000042Z ab vigil 1 "
		      "01234567890123456789012345678901 - x") == 0);
	/* Too small: nothing. */
	CHECK_EQ(vg_syslog_frame(out, 20, true, 16, t, "h", 1, "conn", 4, msg, strlen(msg)), 0);
}

static void
test_queue(void)
{
	struct vg_spsc q;
	uint32_t len;
	const uint8_t *e;

	CHECK_EQ(vg_spsc_init(&q, 4096, 3), 0);
	CHECK(vg_spsc_peek(&q, &len) == NULL);
	for (unsigned int i = 0; i < 3; i++) {
		uint8_t *p = vg_spsc_reserve(&q, 10);

		CHECK(p != NULL);
		memset(p, 'a' + i, 10);
		vg_spsc_commit(&q, 10);
	}
	CHECK(vg_spsc_reserve(&q, 10) == NULL); /* 3 entries at most */
	CHECK_EQ(vg_spsc_count(&q), 3);
	e = vg_spsc_peek(&q, &len);
	CHECK(e != NULL && len == 10 && e[0] == 'a');
	vg_spsc_release(&q, len);
	/* Bytes: 2000 + 1000 + the rest; the next 2000 skips to byte 0. */
	CHECK(vg_spsc_reserve(&q, vg_spsc_max_len(&q) + 1) == NULL);
	vg_spsc_fini(&q);

	CHECK_EQ(vg_spsc_init(&q, 4096, 1000), 0);
	unsigned int put = 0, got = 0;

	for (int round = 0; round < 20; round++) {
		uint8_t *p;

		while ((p = vg_spsc_reserve(&q, 1500)) != NULL) {
			memcpy(p, &put, sizeof(put));
			vg_spsc_commit(&q, 1500);
			put++;
		}
		CHECK(vg_spsc_count(&q) >= 1);
		while ((e = vg_spsc_peek(&q, &len)) != NULL) {
			unsigned int v;

			memcpy(&v, e, sizeof(v));
			CHECK_EQ(v, got);
			CHECK_EQ(len, 1500);
			got++;
			vg_spsc_release(&q, len);
			if (got % 2 == (unsigned int)round % 2)
				break; /* leave some behind: the ring wraps at different places */
		}
	}
	CHECK(put > 20);
	vg_spsc_fini(&q);
}

/* A listening socket on 127.0.0.1 (type TCP or UDP); its port in *port. */
static int
listen_on(int type, uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, type, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
		(type == SOCK_STREAM && listen(fd, 4) != 0))
		return -1;
	getsockname(fd, (struct sockaddr *)&a, &al);
	*port = ntohs(a.sin_port);
	return fd;
}

static struct vg_sinks *
one_sink(const char *fmt, uint16_t port)
{
	struct vg_sink_url u;
	char url[256], err[512];
	struct vg_sinks *s;

	snprintf(url, sizeof(url), fmt, port);
	if (vg_sink_url_parse(url, &u, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return NULL;
	}
	s = vg_sinks_create(&u, 1, err, sizeof(err));
	if (s == NULL)
		fprintf(stderr, "%s\n", err);
	return s;
}

static void
put_seq(struct vg_sinks *s, unsigned int seq, unsigned int pad)
{
	char line[4096];
	int n = snprintf(line, sizeof(line), "{\"seq\":%u,\"pad\":\"%0*u\"}\n", seq, (int)pad, 0);

	vg_sinks_put(s, "conn", line, (size_t)n, NULL, 0);
}

/*
 * Reads octet-counted frames from fd until timeout_ms pass without data or
 * the peer closes; each frame's "seq" is counted in seen[]. Frames read.
 */
static unsigned int
read_frames(int fd, unsigned int *seen, unsigned int max_seq, int timeout_ms, int max_frames)
{
	static char buf[1 << 20];
	static size_t have;
	unsigned int frames = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};

	have = 0;
	while ((max_frames < 0 || frames < (unsigned int)max_frames) &&
		poll(&p, 1, timeout_ms) > 0) {
		ssize_t r = read(fd, buf + have, sizeof(buf) - have);

		if (r <= 0)
			break;
		have += (size_t)r;
		for (;;) {
			char *sp = memchr(buf, ' ', have);
			size_t len, hdr;

			if (sp == NULL)
				break;
			len = strtoul(buf, NULL, 10);
			hdr = (size_t)(sp - buf) + 1;
			if (have < hdr + len)
				break;
			char *seq = memmem(buf + hdr, len, "{\"seq\":", 7);

			CHECK(seq != NULL);
			CHECK(memmem(buf + hdr, len, " vigil ", 7) != NULL);
			if (seq != NULL) {
				unsigned int v = (unsigned int)strtoul(seq + 7, NULL, 10);

				CHECK(v < max_seq);
				if (v < max_seq)
					seen[v]++;
			}
			frames++;
			memmove(buf, buf + hdr + len, have - hdr - len);
			have -= hdr + len;
		}
	}
	CHECK_EQ(have, 0); /* no frame cut */
	return frames;
}

/* Every record once and in order over TCP. */
static void
test_tcp_all(void)
{
	uint16_t port;
	int lfd = listen_on(SOCK_STREAM, &port);
	struct vg_sinks *s = one_sink("syslog+tcp://127.0.0.1:%u", port);
	enum { N = 5000 };
	static unsigned int seen[N];
	struct vg_sink_stats st;

	CHECK(lfd >= 0 && s != NULL);
	if (lfd < 0 || s == NULL)
		return;
	for (unsigned int i = 0; i < N; i++)
		put_seq(s, i, 100);
	int c = accept(lfd, NULL, NULL);

	CHECK_EQ(read_frames(c, seen, N, 1000, N), N);
	for (unsigned int i = 0; i < N; i++)
		CHECK_EQ(seen[i], 1);
	vg_sinks_stop(s);
	vg_sinks_stats(s, 0, &st);
	CHECK_EQ(st.offered, N);
	CHECK_EQ(st.sent, N);
	CHECK_EQ(st.connects, 1);
	vg_sinks_free(s);
	close(c);
	close(lfd);
}

/*
 * A peer that accepts and never reads: the kernel's buffers, then the queue
 * (1000 records) fill; every later record is a counted drop, and a put stays
 * a copy. Then the peer reads: everything counted sent arrives, once.
 */
static void
test_tcp_stall(void)
{
	uint16_t port;
	int lfd = listen_on(SOCK_STREAM, &port);
	struct vg_sinks *s = one_sink("syslog+tcp://127.0.0.1:%u?queue=1000&drain_ms=3000", port);
	enum { N = 100000 };
	static unsigned int seen[N];
	struct vg_sink_stats st;
	uint64_t worst = 0, total = 0;

	CHECK(lfd >= 0 && s != NULL);
	if (lfd < 0 || s == NULL)
		return;
	/* Connected through the backlog: accepted later, never read until then. */
	for (unsigned int i = 0; i < N; i++) {
		uint64_t t0 = vg_mono_ns();

		put_seq(s, i, 900);
		uint64_t d = vg_mono_ns() - t0;

		total += d;
		worst = d > worst ? d : worst;
	}
	usleep(300000);
	vg_sinks_stats(s, 0, &st);
	printf("stalled tcp peer: %u puts, mean %.0f ns, worst %.3f ms; sent %llu queued %llu "
	       "dropped %llu\n",
		N, (double)total / N, worst / 1e6, (unsigned long long)st.sent,
		(unsigned long long)st.queued,
		(unsigned long long)st.dropped[VG_SINK_DROP_QUEUE_FULL]);
	CHECK(st.dropped[VG_SINK_DROP_QUEUE_FULL] > N / 2);
	/* The queue is full, and the sender holds a batch the kernel did not take. */
	CHECK(st.queued >= 1000 && st.queued <= 1000 + 1024);
	CHECK_EQ(st.offered, N);
	/* Every record is sent, queued or dropped: nothing unaccounted. */
	CHECK_EQ(st.sent + st.queued + st.dropped[VG_SINK_DROP_QUEUE_FULL], N);
	/* A put is a copy into the queue: far below a millisecond on average. */
	CHECK(total / N < 20000);
	/* Whatever was not dropped is in the kernel (sent), in the batch, or queued. */
	uint64_t dropped = st.dropped[VG_SINK_DROP_QUEUE_FULL];

	CHECK(st.sent + st.queued + dropped <= N);
	/* The peer reads now: every record not dropped arrives exactly once. */
	int c = accept(lfd, NULL, NULL);
	unsigned int frames = read_frames(c, seen, N, 500, -1);

	vg_sinks_stop(s);

	vg_sinks_stats(s, 0, &st);
	CHECK_EQ(st.sent + st.dropped[VG_SINK_DROP_QUEUE_FULL], N);
	CHECK_EQ(frames, st.sent);
	unsigned int twice = 0;

	for (unsigned int i = 0; i < N; i++)
		twice += seen[i] > 1;
	CHECK_EQ(twice, 0);
	vg_sinks_free(s);
	close(c);
	close(lfd);
}

/* The peer closes; the sink connects again; no record arrives twice. */
static void
test_tcp_reconnect(void)
{
	uint16_t port;
	int lfd = listen_on(SOCK_STREAM, &port);
	struct vg_sinks *s = one_sink("syslog+tcp://127.0.0.1:%u", port);
	enum { N = 2000 };
	static unsigned int seen[N];
	struct vg_sink_stats st;

	CHECK(lfd >= 0 && s != NULL);
	if (lfd < 0 || s == NULL)
		return;
	for (unsigned int i = 0; i < N / 2; i++)
		put_seq(s, i, 50);
	int c = accept(lfd, NULL, NULL);

	CHECK_EQ(read_frames(c, seen, N, 1000, N / 2), N / 2);
	close(c);
	usleep(100000);
	for (unsigned int i = N / 2; i < N; i++) {
		put_seq(s, i, 50);
		if (i == N / 2 + 10)
			usleep(200000); /* the first writes after the close meet the RST */
	}
	c = accept(lfd, NULL, NULL);
	unsigned int second = read_frames(c, seen, N, 1000, -1);

	vg_sinks_stop(s);
	vg_sinks_stats(s, 0, &st);
	unsigned int twice = 0, got = 0;

	for (unsigned int i = 0; i < N; i++) {
		twice += seen[i] > 1;
		got += seen[i] > 0;
	}
	printf("reconnect: %u + %u arrived of %u; connects %llu, failures %llu, send_failed "
	       "%llu\n",
		N / 2, second, N, (unsigned long long)st.connects,
		(unsigned long long)st.conn_failures,
		(unsigned long long)st.dropped[VG_SINK_DROP_SEND_FAILED]);
	CHECK_EQ(twice, 0);
	CHECK_EQ(st.connects, 2);
	/* Lost only what went into the dead connection; the last records all arrive. */
	CHECK(got >= N - 20);
	for (unsigned int i = N - 100; i < N; i++)
		CHECK_EQ(seen[i], 1);
	vg_sinks_free(s);
	close(c);
	close(lfd);
}

static void
test_udp(void)
{
	uint16_t port;
	int fd = listen_on(SOCK_DGRAM, &port);
	struct vg_sinks *s = one_sink("syslog+udp://127.0.0.1:%u", port);
	char buf[70000];
	unsigned int n = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	struct vg_sink_stats st;

	CHECK(fd >= 0 && s != NULL);
	if (fd < 0 || s == NULL)
		return;
	for (unsigned int i = 0; i < 100; i++)
		put_seq(s, i, 10);
	/* One too large for a datagram: counted, not sent. */
	put_seq(s, 100, 0);
	{
		static char big[70000];

		memset(big, 'x', sizeof(big));
		vg_sinks_put(s, "conn", big, sizeof(big), NULL, 0);
	}
	while (poll(&p, 1, 1000) > 0) {
		ssize_t r = recv(fd, buf, sizeof(buf) - 1, 0);

		if (r <= 0)
			break;
		buf[r] = '\0';
		/* A datagram is one message, no length before it. */
		CHECK(strncmp(buf, "<134>1 ", 7) == 0);
		char want[64];

		snprintf(want, sizeof(want), " conn - {\"seq\":%u,", n);
		CHECK(strstr(buf, want) != NULL);
		n++;
	}
	CHECK_EQ(n, 101);
	vg_sinks_stop(s);
	vg_sinks_stats(s, 0, &st);
	CHECK_EQ(st.sent, 101);
	CHECK_EQ(st.dropped[VG_SINK_DROP_TOO_LARGE], 1);
	vg_sinks_free(s);
	close(fd);
}

/* Nobody listens and the drain time runs out: the queue is counted at exit. */
static void
test_unsent_at_exit(void)
{
	uint16_t port;
	int fd = listen_on(SOCK_STREAM, &port);
	struct vg_sinks *s;
	struct vg_sink_stats st;

	close(fd); /* the port is closed now: connections are refused */
	s = one_sink("syslog+tcp://127.0.0.1:%u?drain_ms=300", port);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	for (unsigned int i = 0; i < 50; i++)
		put_seq(s, i, 10);
	usleep(200000);
	vg_sinks_stop(s);
	vg_sinks_stats(s, 0, &st);
	CHECK_EQ(st.sent, 0);
	CHECK_EQ(st.dropped[VG_SINK_DROP_AT_EXIT], 50);
	CHECK(st.conn_failures >= 1);
	CHECK(!st.up);
	vg_sinks_free(s);
}

int
main(void)
{
	test_url();
	test_frame();
	test_queue();
	test_tcp_all();
	test_tcp_stall();
	test_tcp_reconnect();
	test_udp();
	test_unsent_at_exit();
	printf("sink: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed != 0;
}
