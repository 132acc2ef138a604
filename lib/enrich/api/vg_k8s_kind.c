/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A kind's thread of the API client (vg_k8s_api.h), with its own libcurl
 * easy handle (kept across requests, so a paginated LIST reuses its
 * connection):
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
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vg_k8s_api_int.h"

#define LIST_BODY_MAX  (256u << 20) /* one List page */
#define ERR_BODY_MAX   (64u << 10)  /* the Status body of an error answer */
#define PUSH_WAIT_MS   1000         /* how long a reader waits for room in the queue */
#define LIST_TIMEOUT_S 120

/* What a request ended with, for the kind's loop. */
enum outcome {
	O_OK,      /* LIST read whole / WATCH ended by the server between events */
	O_FAIL,    /* counted and reported: back off, keep the RV */
	O_RELIST,  /* 410 Gone, an ERROR event, a dropped event: LIST again */
	O_STOPPED, /* vg_k8s_api_stop */
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
	bool counted;  /* WATCH: counted in watches (once its 200 came) */
	int err_code;
	char err_reason[48], err_msg[VG_K8S_MSG_MAX];
};

static void
set_rv(struct kind_state *k, const char *rv)
{
	snprintf(k->rv, sizeof(k->rv), "%s", rv);
	pthread_mutex_lock(&k->api->stat_lock);
	snprintf(k->st.resource_version, sizeof(k->st.resource_version), "%s", rv);
	pthread_mutex_unlock(&k->api->stat_lock);
}

/* A kind's problem, in one line; the same line again is only counted. */
static void
problem(struct kind_state *k, const char *fmt, ...)
{
	char line[PROBLEM_MAX];
	int n = snprintf(line, sizeof(line), "k8s-api: %s: ", vg_k8s_res[k->kind].name);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (strcmp(line, k->last_problem) == 0)
		return;
	memcpy(k->last_problem, line, sizeof(line));
	vg_k8s_say(k->api, line);
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

static int
on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct xfer *x = ud;

	(void)a, (void)b, (void)c, (void)d;
	/* A watch is counted once its answer is 200, not when it ends. */
	if (x->watch && !x->counted) {
		long code = 0;

		curl_easy_getinfo(x->k->curl, CURLINFO_RESPONSE_CODE, &code);
		if (code == 200) {
			x->counted = true;
			bump(&x->k->st.watches);
		}
	}
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
	struct vg_k8s_qev ev = {.what = what,
		.kind = k->kind,
		.type = type,
		.now_ns = vg_k8s_wall_ns(),
		.obj = obj};

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

	vg_k8s_watch_parse(line, len, vg_k8s_res[k->kind].namespaced, &ev);
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
	char *auth = vg_k8s_auth_header(api);
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

	if (asprintf(&u, "%s%s?%s", k->api->base, vg_k8s_res[k->kind].path, query) < 0)
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
			const char *why = vg_k8s_object_check(obj, vg_k8s_res[k->kind].namespaced);

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
	if (x.status == 200 && !x.counted)
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

void *
vg_k8s_kind_main(void *arg)
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
