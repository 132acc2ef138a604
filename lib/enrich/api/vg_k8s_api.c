/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-cluster API client (vg_k8s_api.h). Each kind has its own thread and
 * its own libcurl easy handle (kept across requests, so a paginated LIST
 * reuses its connection):
 *
 *   LIST  GET <path>?limit=N[&continue=TOKEN] until a page has no continue;
 *         list_begin, every item as ADDED, list_end; resourceVersion from the
 *         List's metadata.
 *   WATCH GET <path>?watch=1&resourceVersion=RV&allowWatchBookmarks=true
 *         &timeoutSeconds=T; each event line queued, RV taken from every
 *         object and BOOKMARK. The server ends the stream after T seconds:
 *         watch again from RV at once.
 *   410 Gone (HTTP or an ERROR event with code 410), any other ERROR event,
 *   an event the full queue refused: LIST again (list_end then deletes what
 *   vanished meanwhile).
 *   Any other failure (HTTP error, TLS, network, a stream cut inside an
 *   object): the state so far stays, one line says why (repeats of the same
 *   line are not printed again until the kind works again), the kind waits
 *   an exponential backoff with jitter and watches again from its RV.
 *
 * A thread per kind rather than one curl multi loop: blocking transfers keep
 * each kind's protocol a plain sequence of steps, one kind's slow LIST or
 * stalled stream never delays another, and six mostly sleeping threads cost
 * nothing worth a state machine. Stop is seen within a second: libcurl's
 * progress callback and the backoff wait both look at the flag.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "vg_k8s_api.h"
#include "vg_k8s_queue.h"
#include "vg_k8s_watch.h"

#define LIST_BODY_MAX  (256u << 20) /* one List page */
#define ERR_BODY_MAX   (64u << 10)  /* the Status body of an error answer */
#define TOKEN_MAX      (64u << 10)
#define PUSH_WAIT_MS   1000 /* how long a reader waits for room in the queue */
#define LIST_TIMEOUT_S 120
#define PROBLEM_MAX    240

static const struct {
	const char *name, *path;
	bool namespaced;
} res[VG_K8S_API_NKINDS] = {
	[VG_K8S_API_PODS] = {"pods", "/api/v1/pods", true},
	[VG_K8S_API_SERVICES] = {"services", "/api/v1/services", true},
	[VG_K8S_API_NODES] = {"nodes", "/api/v1/nodes", false},
	[VG_K8S_API_ENDPOINTSLICES] = {"endpointslices", "/apis/discovery.k8s.io/v1/endpointslices",
		true},
	[VG_K8S_API_REPLICASETS] = {"replicasets", "/apis/apps/v1/replicasets", true},
	[VG_K8S_API_JOBS] = {"jobs", "/apis/batch/v1/jobs", true},
};

/* What a request ended with, for the kind's loop. */
enum outcome {
	O_OK,      /* LIST read whole / WATCH ended by the server between events */
	O_FAIL,    /* counted and reported: back off, keep the RV */
	O_RELIST,  /* 410 Gone, an ERROR event, a dropped event: LIST again */
	O_STOPPED, /* vg_k8s_api_stop */
};

struct kind_state {
	struct vg_k8s_api *api;
	enum vg_k8s_api_kind kind;
	pthread_t thread;
	bool started;
	CURL *curl;
	char rv[VG_K8S_RV_MAX];
	struct vg_k8s_api_kind_stats st; /* counters: atomic adds; rv under stat_lock */
	unsigned int fails;              /* failures in a row: the backoff's exponent */
	uint64_t rng;
	char last_problem[PROBLEM_MAX]; /* not printed again until the kind works */
};

struct vg_k8s_api {
	char *base, *token_file, *ca_file, *prog;
	uint32_t page_limit, watch_timeout_s, backoff_min_ms, backoff_max_ms;
	bool quiet;
	pthread_mutex_t token_lock; /* token and its file's identity */
	char *token;
	struct stat token_st;
	uint64_t token_reloads, token_errors;
	pthread_mutex_t stat_lock; /* resource_version copies */
	pthread_mutex_t nap_lock;
	pthread_cond_t nap_cond;
	int stopping;
	struct vg_k8s_queue q;
	struct kind_state k[VG_K8S_API_NKINDS];
};

/* One transfer's state, for libcurl's callbacks. */
struct xfer {
	struct kind_state *k;
	bool watch;
	long status; /* 0 until the first body byte */
	char *body;  /* LIST, or an error's Status */
	size_t len, cap, max;
	struct vg_k8s_split split; /* WATCH */
	enum { X_GOING, X_ERROR_EVENT, X_DROPPED, X_TOO_LONG } stop;
	uint64_t seen; /* WATCH: events and bookmarks */
	int err_code;
	char err_reason[48], err_msg[VG_K8S_MSG_MAX];
};

const char *
vg_k8s_api_kind_name(enum vg_k8s_api_kind kind)
{
	return kind < VG_K8S_API_NKINDS ? res[kind].name : "?";
}

const char *
vg_k8s_api_ev_name(enum vg_k8s_api_ev type)
{
	static const char *const names[] = {"ADDED", "MODIFIED", "DELETED"};

	return type <= VG_K8S_API_DELETED ? names[type] : "?";
}

static int64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool
stopping(const struct vg_k8s_api *api)
{
	return __atomic_load_n(&api->stopping, __ATOMIC_RELAXED) != 0;
}

static void
bump(uint64_t *v)
{
	__atomic_fetch_add(v, 1, __ATOMIC_RELAXED);
}

static void
set_rv(struct kind_state *k, const char *rv)
{
	snprintf(k->rv, sizeof(k->rv), "%s", rv);
	pthread_mutex_lock(&k->api->stat_lock);
	snprintf(k->st.resource_version, sizeof(k->st.resource_version), "%s", rv);
	pthread_mutex_unlock(&k->api->stat_lock);
}

/* A line for stderr (unless quiet) and for the sink's message (reporter.log). */
static void
say_line(struct vg_k8s_api *api, const char *line)
{
	struct vg_k8s_qev ev = {.what = VG_K8S_Q_MESSAGE, .now_ns = wall_ns()};

	if (!api->quiet)
		fprintf(stderr, "%s: %s\n", api->prog, line);
	ev.msg = strdup(line);
	if (ev.msg != NULL)
		vg_k8s_queue_push(&api->q, &ev, 0);
}

/* A kind's problem, in one line; the same line again is only counted. */
static void
problem(struct kind_state *k, const char *fmt, ...)
{
	char line[PROBLEM_MAX];
	int n = snprintf(line, sizeof(line), "k8s-api: %s: ", res[k->kind].name);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (strcmp(line, k->last_problem) == 0)
		return;
	memcpy(k->last_problem, line, sizeof(line));
	say_line(k->api, line);
}

static void
working(struct kind_state *k)
{
	k->last_problem[0] = '\0';
}

/* Sleeps ms unless stopped; false when stopped. */
static bool
nap(struct vg_k8s_api *api, uint32_t ms)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&api->nap_lock);
	while (!stopping(api) &&
		pthread_cond_timedwait(&api->nap_cond, &api->nap_lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&api->nap_lock);
	return !stopping(api);
}

/* The wait after a failure: min * 2^fails up to max, the upper half at random. */
static bool
back_off(struct kind_state *k)
{
	struct vg_k8s_api *api = k->api;
	uint64_t d = api->backoff_min_ms;

	for (unsigned int i = 0; i < k->fails && d < api->backoff_max_ms; i++)
		d *= 2;
	if (d > api->backoff_max_ms)
		d = api->backoff_max_ms;
	k->fails++;
	k->rng ^= k->rng << 13;
	k->rng ^= k->rng >> 7;
	k->rng ^= k->rng << 17;
	bump(&k->st.retries);
	return nap(api, (uint32_t)(d / 2 + k->rng % (d / 2 + 1)));
}

/* --- the token: read at start, read again whenever its file changes --- */

static int
token_read(const char *path, char **out, struct stat *st)
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

/* "Authorization: Bearer ..." with the current token; malloc'ed. */
static char *
auth_header(struct vg_k8s_api *api)
{
	struct stat st;
	char *h;

	pthread_mutex_lock(&api->token_lock);
	/* Projected tokens are rotated by swapping a symlink: stat follows it. */
	if (stat(api->token_file, &st) == 0 && !same_file(&st, &api->token_st)) {
		char *t;
		struct stat tst;

		if (token_read(api->token_file, &t, &tst) == 0) {
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
			say_line(api, line);
		}
	}
	if (asprintf(&h, "Authorization: Bearer %s", api->token) < 0)
		h = NULL;
	pthread_mutex_unlock(&api->token_lock);
	return h;
}

/* --- transfers --- */

static int
on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct xfer *x = ud;

	(void)a, (void)b, (void)c, (void)d;
	return stopping(x->k->api) ? 1 : 0;
}

static int
keep_body(struct xfer *x, const char *p, size_t n)
{
	if (n > x->max - x->len)
		return -1;
	if (x->len + n > x->cap) {
		size_t cap = x->cap ? x->cap : 16384;

		while (cap < x->len + n)
			cap *= 2;
		char *b = realloc(x->body, cap);

		if (b == NULL)
			return -1;
		x->body = b;
		x->cap = cap;
	}
	memcpy(x->body + x->len, p, n);
	x->len += n;
	return 0;
}

static int
push(struct kind_state *k, enum vg_k8s_qwhat what, enum vg_k8s_api_ev type, json_t *obj)
{
	struct vg_k8s_qev ev = {
		.what = what, .kind = k->kind, .type = type, .now_ns = wall_ns(), .obj = obj};

	if (vg_k8s_queue_push(&k->api->q, &ev, PUSH_WAIT_MS) == 0)
		return 0;
	bump(&k->st.drops);
	problem(k,
		"the event queue is full (the writer is behind); events dropped, listing "
		"again");
	return -1;
}

/* One watch line. */
static int
on_line(void *ud, const char *line, size_t len)
{
	struct xfer *x = ud;
	struct kind_state *k = x->k;
	struct vg_k8s_wevent ev;

	vg_k8s_watch_parse(line, len, res[k->kind].namespaced, &ev);
	switch (ev.type) {
	case VG_K8S_W_EMPTY:
		return 0;
	case VG_K8S_W_BAD_LINE:
		bump(&k->st.bad_lines);
		problem(k, "skipped a watch line: %s", ev.why);
		return 0;
	case VG_K8S_W_BAD_OBJECT:
		bump(&k->st.bad_objects);
		problem(k, "skipped a watch event: %s", ev.why);
		return 0;
	case VG_K8S_W_BOOKMARK:
		bump(&k->st.bookmarks);
		x->seen++;
		set_rv(k, ev.rv);
		return 0;
	case VG_K8S_W_ERROR:
		bump(&k->st.error_events);
		x->err_code = ev.code;
		memcpy(x->err_reason, ev.reason, sizeof(x->err_reason));
		memcpy(x->err_msg, ev.message, sizeof(x->err_msg));
		x->stop = X_ERROR_EVENT;
		return 1;
	default:
		break;
	}
	/* ADDED, MODIFIED, DELETED share their order with vg_k8s_api_ev. */
	if (push(k, VG_K8S_Q_EVENT, (enum vg_k8s_api_ev)ev.type, ev.object) != 0) {
		x->stop = X_DROPPED;
		return 1;
	}
	bump(&k->st.events);
	x->seen++;
	set_rv(k, ev.rv);
	return 0;
}

static size_t
on_data(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;

	if (x->status == 0)
		curl_easy_getinfo(x->k->curl, CURLINFO_RESPONSE_CODE, &x->status);
	if (!x->watch || x->status != 200) {
		if (keep_body(x, p, n) != 0) {
			x->stop = X_TOO_LONG;
			return 0;
		}
		return n;
	}
	int rc = vg_k8s_split_feed(&x->split, p, n, on_line, x);

	if (rc < 0)
		x->stop = X_TOO_LONG;
	return rc == 0 ? n : 0;
}

static CURLcode
perform(struct kind_state *k, const char *url, struct xfer *x)
{
	struct vg_k8s_api *api = k->api;
	struct curl_slist *hdrs = NULL;
	char *auth = auth_header(api);
	CURL *c = k->curl;
	CURLcode rc;

	if (auth == NULL)
		return CURLE_OUT_OF_MEMORY;
	hdrs = curl_slist_append(hdrs, auth);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_CAINFO, api->ca_file);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT,
		"vigil/"
		"k8s-api");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(
		c, CURLOPT_TIMEOUT, (long)(x->watch ? api->watch_timeout_s + 30 : LIST_TIMEOUT_S));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
	rc = curl_easy_perform(c);
	if (x->status == 0)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &x->status);
	curl_slist_free_all(hdrs);
	free(auth);
	return rc;
}

static bool
tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_USE_SSL_FAILED:
		return true;
	default:
		return false;
	}
}

/* An answer other than 200: its Status message when the body has one. */
static void
status_text(struct xfer *x, char *msg, size_t cap)
{
	json_t *st = x->body ? json_loadb(x->body, x->len, 0, NULL) : NULL;
	int code;
	char reason[48];

	vg_k8s_status_parse(st, &code, reason, sizeof(reason), msg, cap);
	json_decref(st);
	if (msg[0] == '\0')
		snprintf(msg, cap, "no Status message");
}

/*
 * A transfer that did not end well, counted and said; O_RELIST for 410 Gone.
 * what: "LIST" or "WATCH".
 */
static enum outcome
failed(struct kind_state *k, struct xfer *x, CURLcode rc, const char *what, bool cut)
{
	char msg[VG_K8S_MSG_MAX];

	if (x->status == 410) {
		bump(&k->st.gone);
		status_text(x, msg, sizeof(msg));
		problem(k, "%s answered 410 Gone (%s); listing again", what, msg);
		return O_RELIST;
	}
	if (x->status != 0 && x->status != 200) {
		bump(&k->st.http_errors);
		status_text(x, msg, sizeof(msg));
		problem(k, "%s answered HTTP %ld (%s)%s; retrying with backoff", what, x->status,
			msg,
			x->status == 401 || x->status == 403
				? ", check the token and the RBAC rules (config/k8s/rbac.yaml)"
				: "");
		return O_FAIL;
	}
	if (rc != CURLE_OK && tls_error(rc)) {
		bump(&k->st.tls_errors);
		problem(k, "%s: TLS failed (%s); check the CA file %s; retrying with backoff", what,
			curl_easy_strerror(rc), k->api->ca_file);
		return O_FAIL;
	}
	if (cut) {
		bump(&k->st.stream_cuts);
		problem(k, "the %s stream ended inside an object; keeping what was read, retrying",
			what);
		return O_FAIL;
	}
	bump(&k->st.net_errors);
	problem(k, "%s failed (%s); retrying with backoff", what,
		rc == CURLE_OK ? "empty answer" : curl_easy_strerror(rc));
	return O_FAIL;
}

static char *
url_of(struct kind_state *k, const char *query)
{
	char *u;

	if (asprintf(&u, "%s%s?%s", k->api->base, res[k->kind].path, query) < 0)
		return NULL;
	return u;
}

/* One page: its body parsed into p; O_OK, or how it failed. */
static enum outcome
list_page(struct kind_state *k, const char *cont, struct vg_k8s_page *p)
{
	struct xfer x = {.k = k, .max = LIST_BODY_MAX};
	char *q = NULL, *esc = NULL, *url;
	enum outcome o = O_OK;
	const char *why;
	CURLcode rc;

	if (cont != NULL)
		esc = curl_easy_escape(k->curl, cont, 0);
	if (asprintf(&q, "limit=%u%s%s", k->api->page_limit, esc ? "&continue=" : "",
		    esc ? esc : "") < 0)
		q = NULL;
	curl_free(esc);
	url = q ? url_of(k, q) : NULL;
	free(q);
	if (url == NULL)
		return O_FAIL;
	rc = perform(k, url, &x);
	free(url);
	if (stopping(k->api))
		o = O_STOPPED;
	else if (rc != CURLE_OK || x.status != 200 || x.stop != X_GOING)
		o = failed(k, &x, rc, "LIST", x.status == 200 && x.len > 0);
	else if (vg_k8s_page_parse(x.body, x.len, p, &why) != 0) {
		bump(&k->st.stream_cuts);
		problem(k, "LIST page unusable: %s; keeping the last state, retrying", why);
		o = O_FAIL;
	}
	free(x.body);
	return o;
}

/* A whole LIST into the queue between list_begin and list_end. */
static enum outcome
do_list(struct kind_state *k)
{
	struct vg_k8s_page p;
	char *cont = NULL;
	bool begun = false;
	enum outcome o;

	for (;;) {
		o = list_page(k, cont, &p);
		free(cont);
		cont = NULL;
		if (o != O_OK)
			return o == O_RELIST ? O_FAIL : o; /* an expired continue: list anew */
		bump(&k->st.list_pages);
		if (!begun && push(k, VG_K8S_Q_BEGIN, 0, NULL) != 0)
			goto drop;
		begun = true;
		for (size_t i = 0; i < json_array_size(p.items); i++) {
			json_t *obj = json_array_get(p.items, i);
			const char *why = vg_k8s_object_check(obj, res[k->kind].namespaced);

			if (why != NULL) {
				bump(&k->st.bad_objects);
				problem(k, "skipped a listed object: %s", why);
				continue;
			}
			if (push(k, VG_K8S_Q_EVENT, VG_K8S_API_ADDED, json_incref(obj)) != 0)
				goto drop;
		}
		cont = p.cont;
		p.cont = NULL;
		if (cont == NULL)
			break;
		vg_k8s_page_free(&p);
	}
	if (push(k, VG_K8S_Q_END, 0, NULL) != 0)
		goto drop;
	set_rv(k, p.rv);
	vg_k8s_page_free(&p);
	bump(&k->st.lists);
	working(k);
	return O_OK;
drop:
	vg_k8s_page_free(&p);
	return O_FAIL;
}

static enum outcome
do_watch(struct kind_state *k, uint64_t *seen)
{
	struct vg_k8s_api *api = k->api;
	struct xfer x = {.k = k, .watch = true, .max = ERR_BODY_MAX};
	char *q = NULL, *esc = curl_easy_escape(k->curl, k->rv, 0), *url = NULL;
	enum outcome o;
	CURLcode rc;

	if (esc != NULL &&
		asprintf(&q,
			"watch=1&resourceVersion=%s&allowWatchBookmarks=true&timeoutSeconds=%u",
			esc, api->watch_timeout_s) >= 0)
		url = url_of(k, q);
	curl_free(esc);
	free(q);
	if (url == NULL)
		return O_FAIL;
	vg_k8s_split_init(&x.split, VG_K8S_LINE_MAX);
	rc = perform(k, url, &x);
	free(url);
	*seen = x.seen;
	if (x.status == 200)
		bump(&k->st.watches);
	if (x.seen > 0)
		working(k);
	bool cut = vg_k8s_split_pending(&x.split);

	vg_k8s_split_free(&x.split);
	if (stopping(api))
		o = O_STOPPED;
	else if (x.stop == X_ERROR_EVENT) {
		problem(k, "the watch sent an ERROR (%d %s: %s); listing again", x.err_code,
			x.err_reason[0] ? x.err_reason : "no reason", x.err_msg);
		o = O_RELIST;
	} else if (x.stop == X_DROPPED)
		o = O_RELIST;
	else if (x.stop == X_TOO_LONG && x.status == 200) {
		bump(&k->st.bad_lines);
		problem(k, "a watch line longer than %u bytes; watching again", VG_K8S_LINE_MAX);
		o = O_FAIL;
	} else if (rc != CURLE_OK || x.status != 200 || cut)
		o = failed(k, &x, rc, "WATCH", cut);
	else
		o = O_OK;
	free(x.body);
	return o;
}

static void *
kind_main(void *arg)
{
	struct kind_state *k = arg;
	struct vg_k8s_api *api = k->api;
	bool need_list = true;

	while (!stopping(api)) {
		enum outcome o;
		uint64_t seen = 0;
		struct timespec t0, t1;

		if (need_list) {
			o = do_list(k);
			if (o == O_STOPPED)
				break;
			if (o != O_OK) {
				if (!back_off(k))
					break;
				continue;
			}
			need_list = false;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		o = do_watch(k, &seen);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (o == O_STOPPED)
			break;
		if (seen > 0)
			k->fails = 0;
		if (o == O_RELIST) {
			need_list = true;
			bump(&k->st.relists);
			/* A relist right after a LIST that went nowhere: wait first. */
			if (seen == 0 && !back_off(k))
				break;
			continue;
		}
		/* The server ended the watch (timeoutSeconds): again at once, unless it
		 * keeps ending streams that carry nothing. */
		if (o == O_OK && (seen > 0 || t1.tv_sec - t0.tv_sec >= 1))
			continue;
		if (!back_off(k))
			break;
	}
	return NULL;
}

/* --- start, drain, stats, stop --- */

static int
base_url(const struct vg_k8s_api_cfg *cfg, char **out, char *err, size_t errlen)
{
	const char *host, *port;
	int n;

	if (cfg->url != NULL) {
		if (strncmp(cfg->url, "https://", 8) != 0 || cfg->url[8] == '\0') {
			snprintf(
				err, errlen, "the API URL '%s' must start with https://", cfg->url);
			return -1;
		}
		*out = strdup(cfg->url);
		if (*out == NULL)
			return -1;
		size_t l = strlen(*out);

		while (l > 8 && (*out)[l - 1] == '/')
			(*out)[--l] = '\0';
		return 0;
	}
	host = getenv("KUBERNETES_SERVICE_HOST");
	port = getenv("KUBERNETES_SERVICE_PORT");
	if (host == NULL || host[0] == '\0') {
		snprintf(err, errlen,
			"KUBERNETES_SERVICE_HOST is not set (not in a pod?); give the API's URL "
			"with --k8s-api-url");
		return -1;
	}
	if (port == NULL || port[0] == '\0')
		port = "443";
	n = strchr(host, ':') ? asprintf(out, "https://[%s]:%s", host, port)
			      : asprintf(out, "https://%s:%s", host, port);
	return n < 0 ? -1 : 0;
}

static void
api_free(struct vg_k8s_api *api)
{
	for (int i = 0; i < VG_K8S_API_NKINDS; i++)
		if (api->k[i].curl != NULL)
			curl_easy_cleanup(api->k[i].curl);
	if (api->q.ev != NULL)
		vg_k8s_queue_fini(&api->q);
	free(api->base);
	free(api->token_file);
	free(api->ca_file);
	free(api->prog);
	free(api->token);
	free(api);
}

static int
api_setup(struct vg_k8s_api *api, const struct vg_k8s_api_cfg *cfg, char *err, size_t errlen)
{
	api->token_file = strdup(cfg->token_file ? cfg->token_file : VG_K8S_SA_DIR "/token");
	api->ca_file = strdup(cfg->ca_file ? cfg->ca_file : VG_K8S_SA_DIR "/ca.crt");
	api->prog = strdup(cfg->prog ? cfg->prog : "vigil");
	if (api->token_file == NULL || api->ca_file == NULL || api->prog == NULL)
		goto oom;
	if (base_url(cfg, &api->base, err, errlen) != 0)
		return -1;
	if (token_read(api->token_file, &api->token, &api->token_st) != 0) {
		snprintf(err, errlen,
			"cannot read the service account token %s (%s); run in a pod with a "
			"service account or give --k8s-token FILE",
			api->token_file, strerror(errno));
		return -1;
	}
	if (access(api->ca_file, R_OK) != 0) {
		snprintf(err, errlen, "cannot read the CA file %s (%s); give --k8s-ca FILE",
			api->ca_file, strerror(errno));
		return -1;
	}
	api->page_limit = cfg->page_limit ? cfg->page_limit : 500;
	api->watch_timeout_s = cfg->watch_timeout_s ? cfg->watch_timeout_s : 300;
	api->backoff_min_ms = cfg->backoff_min_ms ? cfg->backoff_min_ms : 500;
	api->backoff_max_ms = cfg->backoff_max_ms ? cfg->backoff_max_ms : 30000;
	if (api->backoff_max_ms < api->backoff_min_ms)
		api->backoff_max_ms = api->backoff_min_ms;
	api->quiet = cfg->quiet;
	if (vg_k8s_queue_init(&api->q, cfg->queue_cap ? cfg->queue_cap : 65536) != 0)
		goto oom;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

struct vg_k8s_api *
vg_k8s_api_start(const struct vg_k8s_api_cfg *cfg, char *err, size_t errlen)
{
	struct vg_k8s_api *api = calloc(1, sizeof(*api));
	pthread_condattr_t ca;
	uint32_t kinds = cfg->kinds ? cfg->kinds : (1u << VG_K8S_API_NKINDS) - 1;

	if (api == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (api_setup(api, cfg, err, errlen) != 0) {
		api_free(api);
		return NULL;
	}
	/* Before any thread: libcurl's global state is not made thread-safely. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	pthread_mutex_init(&api->token_lock, NULL);
	pthread_mutex_init(&api->stat_lock, NULL);
	pthread_mutex_init(&api->nap_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&api->nap_cond, &ca);
	pthread_condattr_destroy(&ca);
	for (int i = 0; i < VG_K8S_API_NKINDS; i++) {
		struct kind_state *k = &api->k[i];

		k->api = api;
		k->kind = (enum vg_k8s_api_kind)i;
		k->rng = (uint64_t)wall_ns() ^ ((uint64_t)(i + 1) * 0x9e3779b97f4a7c15ULL);
		if (!(kinds & (1u << i)))
			continue;
		k->curl = curl_easy_init();
		if (k->curl == NULL || pthread_create(&k->thread, NULL, kind_main, k) != 0) {
			snprintf(err, errlen, "cannot start the API reader for %s", res[i].name);
			vg_k8s_api_free(api);
			return NULL;
		}
		k->started = true;
	}
	return api;
}

size_t
vg_k8s_api_drain(struct vg_k8s_api *api, const struct vg_k8s_api_sink *s, size_t max)
{
	struct vg_k8s_qev b[64];
	size_t total = 0;

	while (total < max) {
		uint32_t want = max - total < 64 ? (uint32_t)(max - total) : 64;
		uint32_t n = vg_k8s_queue_pop(&api->q, b, want);

		if (n == 0)
			break;
		for (uint32_t i = 0; i < n; i++) {
			struct vg_k8s_qev *e = &b[i];
			enum vg_k8s_api_kind kind = (enum vg_k8s_api_kind)e->kind;

			if (e->what == VG_K8S_Q_BEGIN && s->list_begin)
				s->list_begin(s->ctx, kind, e->now_ns);
			else if (e->what == VG_K8S_Q_EVENT && s->event)
				s->event(s->ctx, kind, (enum vg_k8s_api_ev)e->type, e->obj,
					e->now_ns);
			else if (e->what == VG_K8S_Q_END && s->list_end)
				s->list_end(s->ctx, kind, e->now_ns);
			else if (e->what == VG_K8S_Q_MESSAGE && s->message)
				s->message(s->ctx, e->msg, e->now_ns);
			vg_k8s_qev_free(e);
		}
		total += n;
	}
	return total;
}

void
vg_k8s_api_stats(struct vg_k8s_api *api, struct vg_k8s_api_stats *out)
{
	const size_t ncount =
		offsetof(struct vg_k8s_api_kind_stats, resource_version) / sizeof(uint64_t);

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < VG_K8S_API_NKINDS; i++) {
		const uint64_t *src = (const uint64_t *)&api->k[i].st;
		uint64_t *dst = (uint64_t *)&out->kind[i];

		for (size_t j = 0; j < ncount; j++)
			dst[j] = __atomic_load_n(&src[j], __ATOMIC_RELAXED);
		pthread_mutex_lock(&api->stat_lock);
		memcpy(out->kind[i].resource_version, api->k[i].st.resource_version,
			sizeof(out->kind[i].resource_version));
		pthread_mutex_unlock(&api->stat_lock);
	}
	out->token_reloads = __atomic_load_n(&api->token_reloads, __ATOMIC_RELAXED);
	out->token_errors = __atomic_load_n(&api->token_errors, __ATOMIC_RELAXED);
	out->queued = vg_k8s_queue_count(&api->q);
}

uint64_t
vg_k8s_api_stats_sum(const struct vg_k8s_api_stats *s, size_t field)
{
	uint64_t sum = 0;

	for (int i = 0; i < VG_K8S_API_NKINDS; i++)
		sum += *(const uint64_t *)((const char *)&s->kind[i] + field);
	return sum;
}

void
vg_k8s_api_stop(struct vg_k8s_api *api)
{
	if (api == NULL || __atomic_exchange_n(&api->stopping, 1, __ATOMIC_RELAXED) != 0)
		return;
	pthread_mutex_lock(&api->nap_lock);
	pthread_cond_broadcast(&api->nap_cond);
	pthread_mutex_unlock(&api->nap_lock);
	for (int i = 0; i < VG_K8S_API_NKINDS; i++)
		if (api->k[i].started)
			pthread_join(api->k[i].thread, NULL);
}

void
vg_k8s_api_free(struct vg_k8s_api *api)
{
	if (api == NULL)
		return;
	vg_k8s_api_stop(api);
	pthread_mutex_destroy(&api->token_lock);
	pthread_mutex_destroy(&api->stat_lock);
	pthread_mutex_destroy(&api->nap_lock);
	pthread_cond_destroy(&api->nap_cond);
	api_free(api);
}
