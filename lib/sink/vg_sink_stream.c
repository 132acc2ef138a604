/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stdout and syslog sinks. The writer's thread only copies a record into the
 * sink's queue (vg_spsc); the sink's sender thread frames it, batches what is
 * waiting, and writes it to the connection, so neither a slow peer, nor
 * connecting, nor TLS ever runs on the writer's thread. A thread, not a
 * non-blocking socket on the writer's thread: TLS handshakes and partial
 * SSL_write, name resolution and backoff would otherwise all be state the
 * record path has to step through.
 *
 * At most once: an entry leaves the queue when it is framed into the batch;
 * the batch goes to one connection. When that connection fails, the message
 * being written is counted send_failed, messages not begun wait for the next
 * connection, and none is written twice. Messages the kernel accepted before
 * a peer vanished are lost without a count (they were sent).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vg_common.h"
#include "vg_sink_int.h"

#define BATCH_BYTES   (256u << 10) /* one write at most */
#define BATCH_MSGS    1024
#define UDP_MAX       65507 /* an IPv4 datagram's payload */
#define SLICE_MS      100   /* a wait's longest slice: stop is seen this often */
#define CONNECT_MS    5000
#define CLOSE_WAIT_MS 2000         /* at exit: how long the peer may take to close */
#define BACKOFF_MIN   100000000ULL /* 100 ms, doubling */
#define BACKOFF_MAX   5000000000ULL
#define FRAME_EXTRA   (48 + 255 + 32 + 64 + 24) /* syslog header and length prefix */

struct stream_sink {
	struct sink base;
	struct vg_spsc q;
	pthread_t thread;
	bool started;
	int stopping;         /* set by stop (atomic) */
	uint64_t deadline_ns; /* with stopping: give up then */
	int idle;             /* the sender waits on efd (atomic) */
	int efd;
	/* The sender thread's own. */
	int fd;
	bool connected;
	SSL_CTX *ctx;
	SSL *ssl;
	uint64_t backoff_ns, next_try_ns;
	char hostname[256];
	uint32_t pid;
	char *batch;
	size_t batch_len, batch_off; /* bytes framed; bytes written */
	uint32_t batch_n;            /* messages framed */
	uint32_t inflight;           /* batch_n, for other threads (queued) */
	size_t ends[BATCH_MSGS];     /* where each framed message ends */
};

/* ---- the writer's side ---- */

static void
stream_put(struct sink *b, const char *log, size_t loglen, const char *line, size_t len,
	int64_t now_us)
{
	struct stream_sink *s = (struct stream_sink *)b;
	uint64_t need = 8 + 1 + loglen + len;
	uint8_t *p;

	if (loglen > 255 || need > vg_spsc_max_len(&s->q)) {
		ADD(b->c.dropped[VG_SINK_DROP_TOO_LARGE], 1);
		return;
	}
	p = vg_spsc_reserve(&s->q, (uint32_t)need);
	if (p == NULL) {
		ADD(b->c.dropped[VG_SINK_DROP_QUEUE_FULL], 1);
		return;
	}
	memcpy(p, &now_us, 8);
	p[8] = (uint8_t)loglen;
	memcpy(p + 9, log, loglen);
	memcpy(p + 9 + loglen, line, len);
	vg_spsc_commit(&s->q, (uint32_t)need);
	/* Wakes a sender that went idle (one write per idle spell, not per record). */
	if (__atomic_load_n(&s->idle, __ATOMIC_SEQ_CST) &&
		__atomic_exchange_n(&s->idle, 0, __ATOMIC_SEQ_CST)) {
		uint64_t one = 1;

		if (write(s->efd, &one, sizeof(one)) < 0) {
			/* The sender wakes within SLICE_MS anyway. */
		}
	}
}

static uint64_t
stream_queued(const struct sink *b)
{
	const struct stream_sink *s = (const struct stream_sink *)b;

	/* The queue and the sender's batch: offered = sent + queued + dropped. */
	return vg_spsc_count(&s->q) + RD(s->inflight);
}

/* ---- the sender thread: framing ---- */

/* Frames one queue entry into the batch; false when it does not fit now. */
static bool
frame_entry(struct stream_sink *s, const uint8_t *e, uint32_t elen)
{
	int64_t t;
	uint8_t loglen = e[8];
	const char *log = (const char *)e + 9, *msg = log + loglen;
	size_t mlen = elen - 9 - loglen, room = BATCH_BYTES - s->batch_len, n;
	char *out = s->batch + s->batch_len;

	memcpy(&t, e, 8);
	if (s->base.url.kind == VG_SINK_STDOUT) {
		n = mlen + 1 + (s->base.url.tsv ? loglen + 1u : 0);
		if (!s->base.url.tsv)
			n += strlen("\"_path\":\"\",") + loglen;
		if (n > room)
			return false;
		if (s->base.url.tsv) {
			/* One stream holds every log: the log's name is the first column. */
			memcpy(out, log, loglen);
			out[loglen] = '\t';
			memcpy(out + loglen + 1, msg, mlen);
		} else if (mlen > 0 && msg[0] == '{') {
			/* Zeek's JSON with the log's name first, as "_path". */
			int h = sprintf(out, "{\"_path\":\"%.*s\",", (int)loglen, log);

			memcpy(out + h, msg + 1, mlen - 1);
			n = (size_t)h + mlen - 1 + 1;
		} else {
			memcpy(out, msg, mlen);
			n = mlen + 1;
		}
		out[n - 1] = '\n';
	} else {
		n = vg_syslog_frame(out, room, s->base.url.kind != VG_SINK_SYSLOG_UDP,
			s->base.url.facility, t, s->hostname, s->pid, log, loglen, msg, mlen);
		if (n == 0)
			return false;
	}
	s->batch_len += n;
	s->ends[s->batch_n++] = s->batch_len;
	SET(s->inflight, s->batch_n); /* before the entry leaves the queue */
	return true;
}

/* Moves queue entries into the batch (UDP: one, a datagram each). */
static void
fill_batch(struct stream_sink *s)
{
	uint32_t max = s->base.url.kind == VG_SINK_SYSLOG_UDP ? 1 : BATCH_MSGS;
	const uint8_t *e;
	uint32_t len;

	while (s->batch_n < max && (e = vg_spsc_peek(&s->q, &len)) != NULL) {
		if (!frame_entry(s, e, len)) {
			if (s->batch_n > 0)
				return; /* next batch */
			/* Too large even alone (UDP: framed beyond a datagram). */
			ADD(s->base.c.dropped[VG_SINK_DROP_TOO_LARGE], 1);
		}
		vg_spsc_release(&s->q, len);
		if (s->base.url.kind == VG_SINK_SYSLOG_UDP && s->batch_len > UDP_MAX) {
			ADD(s->base.c.dropped[VG_SINK_DROP_TOO_LARGE], 1);
			s->batch_len = 0;
			s->batch_n = 0;
			SET(s->inflight, 0);
		}
	}
}

/* Messages written whole since the last call are counted sent; the batch moves up. */
static void
account_written(struct stream_sink *s)
{
	uint32_t done = 0;

	while (done < s->batch_n && s->ends[done] <= s->batch_off)
		done++;
	if (done == 0)
		return;
	size_t bytes = s->ends[done - 1];

	ADD(s->base.c.sent, done);
	ADD(s->base.c.sent_bytes, bytes);
	memmove(s->batch, s->batch + bytes, s->batch_len - bytes);
	s->batch_len -= bytes;
	s->batch_off -= bytes;
	for (uint32_t i = done; i < s->batch_n; i++)
		s->ends[i - done] = s->ends[i] - bytes;
	s->batch_n -= done;
	SET(s->inflight, s->batch_n);
}

/* ---- the sender thread: connections ---- */

/*
 * The end of a stream that worked: our FIN (after TLS's close_notify), then
 * what the peer still sends is read until it closes too, for up to
 * CLOSE_WAIT_MS. Closing a socket with unread bytes (a TLS 1.3 session
 * ticket) would send a reset, and the peer would lose what it had not read.
 */
static void
graceful_close(struct stream_sink *s)
{
	uint64_t end = vg_mono_ns() + CLOSE_WAIT_MS * 1000000ULL;
	struct pollfd p = {.fd = s->fd, .events = POLLIN};
	char scratch[4096];

	if (s->base.url.kind == VG_SINK_SYSLOG_UDP)
		return;
	shutdown(s->fd, SHUT_WR);
	while (vg_mono_ns() < end && poll(&p, 1, 50) >= 0) {
		ssize_t r = recv(s->fd, scratch, sizeof(scratch), MSG_DONTWAIT);

		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			return;
	}
}

static void
disconnect(struct stream_sink *s, bool failed)
{
	if (s->ssl != NULL) {
		if (!failed)
			SSL_shutdown(s->ssl);
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	if (s->fd >= 0 && s->base.url.kind != VG_SINK_STDOUT && !failed)
		graceful_close(s);
	if (s->fd >= 0 && s->base.url.kind != VG_SINK_STDOUT)
		close(s->fd);
	s->fd = -1;
	s->connected = false;
	SET(s->base.c.up, 0);
	if (failed) {
		ADD(s->base.c.conn_failures, 1);
		s->next_try_ns = vg_mono_ns() + s->backoff_ns;
		s->backoff_ns = s->backoff_ns * 2 > BACKOFF_MAX ? BACKOFF_MAX : s->backoff_ns * 2;
	}
}

static bool
should_quit(struct stream_sink *s)
{
	return __atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE) && vg_mono_ns() >= s->deadline_ns;
}

/* Waits for fd to be ready (events), in slices; 1 ready, 0 timeout or quit, -1 error. */
static int
wait_fd(struct stream_sink *s, short events, int timeout_ms)
{
	struct pollfd p = {.fd = s->fd, .events = events};
	int waited = 0;

	while (!should_quit(s)) {
		int r = poll(&p, 1, SLICE_MS);

		if (r > 0)
			return (p.revents & (POLLERR | POLLNVAL)) && !(p.revents & events) ? -1 : 1;
		if (r < 0 && errno != EINTR)
			return -1;
		waited += SLICE_MS;
		if (timeout_ms >= 0 && waited >= timeout_ms)
			return 0;
	}
	return 0;
}

static int
tcp_connect(struct stream_sink *s)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC}, *res = NULL;
	char port[8];
	int rc = -1;

	hints.ai_socktype = s->base.url.kind == VG_SINK_SYSLOG_UDP ? SOCK_DGRAM : SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", s->base.url.port);
	if (getaddrinfo(s->base.url.host, port, &hints, &res) != 0)
		return -1;
	for (struct addrinfo *a = res; a != NULL && rc != 0; a = a->ai_next) {
		s->fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s->fd < 0)
			continue;
		if (connect(s->fd, a->ai_addr, a->ai_addrlen) == 0) {
			rc = 0;
			break;
		}
		if (errno == EINPROGRESS && wait_fd(s, POLLOUT, CONNECT_MS) == 1) {
			int e = 0;
			socklen_t el = sizeof(e);

			if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0) {
				rc = 0;
				break;
			}
		}
		close(s->fd);
		s->fd = -1;
	}
	freeaddrinfo(res);
	return rc;
}

static int
tls_handshake(struct stream_sink *s)
{
	X509_VERIFY_PARAM *vp;
	uint64_t end = vg_mono_ns() + CONNECT_MS * 1000000ULL;

	s->ssl = SSL_new(s->ctx);
	if (s->ssl == NULL || SSL_set_fd(s->ssl, s->fd) != 1)
		return -1;
	SSL_set_mode(s->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	vp = SSL_get0_param(s->ssl);
	/* The name or address of the URL is what the certificate must name. */
	if (X509_VERIFY_PARAM_set1_ip_asc(vp, s->base.url.host) != 1) {
		SSL_set_tlsext_host_name(s->ssl, s->base.url.host);
		if (SSL_set1_host(s->ssl, s->base.url.host) != 1)
			return -1;
	}
	for (;;) {
		int r = SSL_connect(s->ssl), e;

		if (r == 1)
			return 0;
		e = SSL_get_error(s->ssl, r);
		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
			vg_mono_ns() >= end ||
			wait_fd(s, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, CONNECT_MS) != 1) {
			ERR_clear_error();
			return -1;
		}
	}
}

static int
open_conn(struct stream_sink *s)
{
	if (s->base.url.kind == VG_SINK_STDOUT) {
		s->fd = STDOUT_FILENO;
	} else if (tcp_connect(s) != 0 ||
		(s->base.url.kind == VG_SINK_SYSLOG_TLS && tls_handshake(s) != 0)) {
		disconnect(s, true);
		return -1;
	}
	s->connected = true;
	s->backoff_ns = BACKOFF_MIN;
	ADD(s->base.c.connects, 1);
	SET(s->base.c.up, 1);
	return 0;
}

/* A stream peer that closed while we were idle: noticed before writing to it. */
static bool
peer_closed(struct stream_sink *s)
{
	struct pollfd p = {.fd = s->fd, .events = POLLIN};
	char scratch[512];

	if (s->base.url.kind == VG_SINK_STDOUT || s->base.url.kind == VG_SINK_SYSLOG_UDP)
		return false;
	if (poll(&p, 1, 0) <= 0)
		return false;
	if (p.revents & (POLLERR | POLLHUP))
		return true;
	if (s->ssl != NULL) {
		/* TLS 1.3 session tickets come after the handshake: read, ignore. */
		int r = SSL_read(s->ssl, scratch, sizeof(scratch));
		int e = r > 0 ? SSL_ERROR_NONE : SSL_get_error(s->ssl, r);

		ERR_clear_error();
		return e != SSL_ERROR_NONE && e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE;
	}
	ssize_t r = recv(s->fd, scratch, sizeof(scratch), MSG_DONTWAIT);

	return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* Writes part of the batch; bytes written, 0 to wait (events in *ev), -1 broken. */
static ssize_t
write_some(struct stream_sink *s, short *ev)
{
	const char *p = s->batch + s->batch_off;
	size_t n = s->batch_len - s->batch_off;
	ssize_t r;

	*ev = POLLOUT;
	switch (s->base.url.kind) {
	case VG_SINK_STDOUT:
		/* At most PIPE_BUF after POLLOUT: a pipe then takes it without blocking. */
		r = write(s->fd, p, n > 4096 ? 4096 : n);
		break;
	case VG_SINK_SYSLOG_UDP:
		r = send(s->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		/* A datagram the peer refused (ICMP): lost, the socket stays. */
		if (r < 0 && errno == ECONNREFUSED)
			r = send(s->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		break;
	case VG_SINK_SYSLOG_TLS: {
		int w = SSL_write(s->ssl, p, (int)(n > INT32_MAX ? INT32_MAX : n)), e;

		if (w > 0)
			return w;
		e = SSL_get_error(s->ssl, w);
		ERR_clear_error();
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			*ev = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
			return 0;
		}
		return -1;
	}
	default:
		r = send(s->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		break;
	}
	if (r >= 0)
		return r;
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
}

/* Sends the batch; false when the connection broke. */
static bool
send_batch(struct stream_sink *s)
{
	while (s->batch_n > 0) {
		short ev;
		ssize_t r = write_some(s, &ev);

		if (r < 0)
			return false;
		if (r > 0) {
			s->batch_off += (size_t)r;
			account_written(s);
			continue;
		}
		int w = wait_fd(s, ev, -1);

		if (w < 0)
			return false;
		if (w == 0)
			return true; /* quitting: the rest is counted at exit */
	}
	return true;
}

/* A broken connection: the message being written is lost; the rest waits. */
static void
drop_in_flight(struct stream_sink *s)
{
	if (s->batch_off == 0 || s->batch_n == 0)
		return;
	size_t bytes = s->ends[0];

	ADD(s->base.c.dropped[VG_SINK_DROP_SEND_FAILED], 1);
	memmove(s->batch, s->batch + bytes, s->batch_len - bytes);
	s->batch_len -= bytes;
	s->batch_off = 0;
	for (uint32_t i = 1; i < s->batch_n; i++)
		s->ends[i - 1] = s->ends[i] - bytes;
	s->batch_n--;
	SET(s->inflight, s->batch_n);
}

static void
idle_wait(struct stream_sink *s, int ms)
{
	struct pollfd p = {.fd = s->efd, .events = POLLIN};
	uint64_t v;

	__atomic_store_n(&s->idle, 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vg_spsc_count(&s->q) == 0 && poll(&p, 1, ms) > 0 && read(s->efd, &v, sizeof(v)) < 0) {
		/* Nothing to do: woken anyway. */
	}
	__atomic_store_n(&s->idle, 0, __ATOMIC_SEQ_CST);
}

static void *
sender(void *arg)
{
	struct stream_sink *s = arg;

	while (!should_quit(s)) {
		bool stopping = __atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE);

		if (s->batch_n == 0)
			fill_batch(s);
		if (s->batch_n == 0) {
			if (stopping)
				break;
			idle_wait(s, SLICE_MS);
			continue;
		}
		if (s->connected && peer_closed(s))
			disconnect(s, true);
		if (!s->connected) {
			uint64_t now = vg_mono_ns();

			if (now < s->next_try_ns) {
				uint64_t ms = (s->next_try_ns - now) / 1000000 + 1;

				idle_wait(s, ms > SLICE_MS ? SLICE_MS : (int)ms);
				continue;
			}
			if (open_conn(s) != 0)
				continue;
		}
		if (!send_batch(s)) {
			drop_in_flight(s);
			disconnect(s, true);
		}
	}
	/* What is left is never sent. */
	uint64_t left = s->batch_n;
	const uint8_t *e;
	uint32_t len;

	while ((e = vg_spsc_peek(&s->q, &len)) != NULL) {
		vg_spsc_release(&s->q, len);
		left++;
	}
	s->batch_n = 0;
	SET(s->inflight, 0);
	ADD(s->base.c.dropped[VG_SINK_DROP_AT_EXIT], left);
	if (s->connected)
		disconnect(s, false);
	return NULL;
}

/* ---- life cycle ---- */

/* The sender sends what is queued until drain_ms from now, then ends. */
static void
stream_begin_stop(struct sink *b)
{
	struct stream_sink *s = (struct stream_sink *)b;
	uint64_t one = 1;

	if (!s->started || __atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE))
		return;
	s->deadline_ns = vg_mono_ns() + (uint64_t)b->url.drain_ms * 1000000ULL;
	__atomic_store_n(&s->stopping, 1, __ATOMIC_RELEASE);
	if (write(s->efd, &one, sizeof(one)) < 0) {
		/* It sees stopping within SLICE_MS. */
	}
}

static void
stream_stop(struct sink *b)
{
	struct stream_sink *s = (struct stream_sink *)b;

	if (!s->started)
		return;
	stream_begin_stop(b);
	pthread_join(s->thread, NULL);
	s->started = false;
}

static void
stream_free(struct sink *b)
{
	struct stream_sink *s = (struct stream_sink *)b;

	stream_stop(b);
	if (s->ctx != NULL)
		SSL_CTX_free(s->ctx);
	if (s->efd >= 0)
		close(s->efd);
	vg_spsc_fini(&s->q);
	free(s->batch);
	free(s);
}

static int
tls_context(struct stream_sink *s, char *err, size_t errlen)
{
	const struct vg_sink_url *u = &s->base.url;
	const char *what = "make a TLS context";

	s->ctx = SSL_CTX_new(TLS_client_method());
	if (s->ctx == NULL)
		goto bad;
	SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, NULL);
	what = u->ca[0] ? u->ca : "the system's CA certificates";
	if ((u->ca[0] ? SSL_CTX_load_verify_locations(s->ctx, u->ca, NULL)
		      : SSL_CTX_set_default_verify_paths(s->ctx)) != 1)
		goto bad;
	what = u->cert;
	if (u->cert[0] && SSL_CTX_use_certificate_chain_file(s->ctx, u->cert) != 1)
		goto bad;
	what = u->key;
	if (u->key[0] &&
		(SSL_CTX_use_PrivateKey_file(s->ctx, u->key, SSL_FILETYPE_PEM) != 1 ||
			SSL_CTX_check_private_key(s->ctx) != 1))
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "%s: cannot load %s (%s); check the file (PEM)", u->name, what,
		ERR_reason_error_string(ERR_peek_last_error())
			? ERR_reason_error_string(ERR_peek_last_error())
			: "no detail");
	ERR_clear_error();
	return -1;
}

struct sink *
vg_sink_stream_new(const struct vg_sink_url *u, char *err, size_t errlen)
{
	struct stream_sink *s = calloc(1, sizeof(*s));
	sigset_t all, old;

	if (s == NULL)
		goto oom;
	s->base.url = *u;
	s->base.put = stream_put;
	s->base.queued = stream_queued;
	s->base.begin_stop = stream_begin_stop;
	s->base.stop = stream_stop;
	s->base.free = stream_free;
	s->fd = -1;
	s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->backoff_ns = BACKOFF_MIN;
	s->pid = (uint32_t)getpid();
	if (gethostname(s->hostname, sizeof(s->hostname) - 1) != 0 || s->hostname[0] == '\0')
		strcpy(s->hostname, "-");
	s->batch = malloc(BATCH_BYTES);
	if (s->efd < 0 || s->batch == NULL || vg_spsc_init(&s->q, u->queue_bytes, u->queue) != 0)
		goto oom;
	if (u->kind == VG_SINK_SYSLOG_TLS && tls_context(s, err, errlen) != 0) {
		stream_free(&s->base);
		return NULL;
	}
	/* Signals stay with the process's main thread; SIGPIPE stays pending here. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&s->thread, NULL, sender, s);

	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		goto oom;
	s->started = true;
	return &s->base;
oom:
	snprintf(err, errlen, "%s: out of memory or threads (queue_bytes=%llu)", u->name,
		(unsigned long long)u->queue_bytes);
	if (s != NULL)
		stream_free(&s->base);
	return NULL;
}
