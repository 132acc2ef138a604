/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * signatures.log as Zeek's base/frameworks/signatures/main.zeek writes it
 * for a signature_match with the default action (SIG_ALARM): one
 * Sensitive_Signature row per match, and the framework's scan summaries
 * (Multiple_Signatures, Multiple_Sig_Responders) when an originator reaches
 * one of vert_scan_thresholds / horiz_scan_thresholds. Zeek keeps those
 * tables for the whole process; vigil keeps them per worker, in fixed
 * tables (doc/signatures.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_sig_private.h"
#include "vg_sig_log.h"

#define F(n, t)                                                                                    \
	{                                                                                          \
		n, VG_FT_##t, VG_FEAT_BASE                                                         \
	}
static const struct vg_field sig_fields[VG_SIG_LOG_NCOLS] = {
	[VG_SIG_LOG_TS] = F("ts", TIME),
	[VG_SIG_LOG_UID] = F("uid", STRING),
	[VG_SIG_LOG_SRC_ADDR] = F("src_addr", ADDR),
	[VG_SIG_LOG_SRC_PORT] = F("src_port", PORT),
	[VG_SIG_LOG_DST_ADDR] = F("dst_addr", ADDR),
	[VG_SIG_LOG_DST_PORT] = F("dst_port", PORT),
	[VG_SIG_LOG_NOTE] = F("note", ENUM),
	[VG_SIG_LOG_SIG_ID] = F("sig_id", STRING),
	[VG_SIG_LOG_EVENT_MSG] = F("event_msg", STRING),
	[VG_SIG_LOG_SUB_MSG] = F("sub_msg", STRING),
	[VG_SIG_LOG_SIG_COUNT] = F("sig_count", COUNT),
	[VG_SIG_LOG_HOST_COUNT] = F("host_count", COUNT),
	[VG_SIG_LOG_MIRROR_SESSION] = {"mirror_session", VG_FT_COUNT, VG_FEAT_MIRROR},
};
static const struct vg_field notice_fields[VG_NOTICE_NCOLS] = {
	[VG_NOTICE_TS] = F("ts", TIME),
	[VG_NOTICE_UID] = F("uid", STRING),
	[VG_NOTICE_ORIG_H] = F("id.orig_h", ADDR),
	[VG_NOTICE_ORIG_P] = F("id.orig_p", PORT),
	[VG_NOTICE_RESP_H] = F("id.resp_h", ADDR),
	[VG_NOTICE_RESP_P] = F("id.resp_p", PORT),
	[VG_NOTICE_FUID] = F("fuid", STRING),
	[VG_NOTICE_FILE_MIME_TYPE] = F("file_mime_type", STRING),
	[VG_NOTICE_FILE_DESC] = F("file_desc", STRING),
	[VG_NOTICE_PROTO] = F("proto", ENUM),
	[VG_NOTICE_NOTE] = F("note", ENUM),
	[VG_NOTICE_MSG] = F("msg", STRING),
	[VG_NOTICE_SUB] = F("sub", STRING),
	[VG_NOTICE_SRC] = F("src", ADDR),
	[VG_NOTICE_DST] = F("dst", ADDR),
	[VG_NOTICE_P] = F("p", PORT),
	[VG_NOTICE_N] = F("n", COUNT),
	[VG_NOTICE_PEER_DESCR] = F("peer_descr", STRING),
	[VG_NOTICE_ACTIONS] = F("actions", SET_ENUM),
	[VG_NOTICE_EMAIL_DEST] = F("email_dest", SET_STRING),
	[VG_NOTICE_SUPPRESS_FOR] = F("suppress_for", INTERVAL),
	[VG_NOTICE_COUNTRY_CODE] = F("remote_location.country_code", STRING),
	[VG_NOTICE_REGION] = F("remote_location.region", STRING),
	[VG_NOTICE_CITY] = F("remote_location.city", STRING),
	[VG_NOTICE_LATITUDE] = F("remote_location.latitude", DOUBLE),
	[VG_NOTICE_LONGITUDE] = F("remote_location.longitude", DOUBLE),
};
#undef F

struct vg_schema vg_sig_log_schema = {0, "signatures", VG_SIG_LOG_NCOLS, sig_fields};
struct vg_schema vg_sig_notice_schema = {0, "notice", VG_NOTICE_NCOLS, notice_fields};

static void rec_str_or_unset(struct vg_rec *r, const char *s);

/* Notice::default_suppression_interval (1 hr), what suppress_for shows. */
#define NOTICE_SUPPRESS_NS (3600LL * 1000000000LL)

/* What a NOTICE() call gives (the fields main.zeek's calls set). */
struct notice {
	uint64_t ts;
	const struct vg_conn *c; /* $conn: uid, id, p (resp_p) and proto; NULL none */
	const char *note;
	const char *msg;
	const uint8_t *sub;
	uint32_t sub_len;
	const struct vg_addr *src, *dst;
	uint32_t n; /* 0: unset */
};

static const char *
proto_of(const struct vg_conn *c)
{
	switch (c->kind) {
	case VG_KIND_TCP:
		return "tcp";
	case VG_KIND_UDP:
		return "udp";
	case VG_KIND_ICMP:
		return "icmp";
	}
	return "unknown_transport";
}

/*
 * One notice.log row, as NOTICE() and Notice::apply_policy fill it: uid and
 * id from $conn, p from id.resp_p and proto from p, the default action
 * (Notice::ACTION_LOG), no identifier, so nothing is suppressed.
 */
static void
notice_row(struct vg_sig_worker *sw, struct vg_flow_table *ft, const struct notice *n)
{
	struct vg_rec r;
	char uid[32];

	vg_rec_begin(&r, sw->rec, sizeof(sw->rec), &vg_sig_notice_schema);
	vg_rec_time(&r, n->ts);
	if (n->c != NULL) {
		vg_uid_format(n->c->uid_hi, n->c->uid_lo, uid);
		vg_rec_cstr(&r, uid);
		vg_rec_addr(&r, &n->c->orig_h);
		vg_rec_port(&r, n->c->orig_p);
		vg_rec_addr(&r, &n->c->resp_h);
		vg_rec_port(&r, n->c->resp_p);
	} else {
		for (int i = 0; i < 5; i++)
			vg_rec_unset(&r);
	}
	for (int i = 0; i < 3; i++) /* fuid, file_mime_type, file_desc */
		vg_rec_unset(&r);
	if (n->c != NULL)
		vg_rec_cstr(&r, proto_of(n->c));
	else
		vg_rec_unset(&r);
	vg_rec_cstr(&r, n->note);
	rec_str_or_unset(&r, n->msg);
	if (n->sub != NULL)
		vg_rec_str(&r, (const char *)n->sub, n->sub_len);
	else
		vg_rec_unset(&r);
	if (n->src != NULL)
		vg_rec_addr(&r, n->src);
	else
		vg_rec_unset(&r);
	if (n->dst != NULL)
		vg_rec_addr(&r, n->dst);
	else
		vg_rec_unset(&r);
	if (n->c != NULL)
		vg_rec_port(&r, n->c->resp_p);
	else
		vg_rec_unset(&r);
	if (n->n != 0)
		vg_rec_count(&r, n->n);
	else
		vg_rec_unset(&r);
	vg_rec_unset(&r); /* peer_descr */
	vg_rec_set_begin(&r, 1);
	vg_rec_cstr(&r, "Notice::ACTION_LOG");
	vg_rec_set_begin(&r, 0); /* email_dest */
	vg_rec_interval(&r, NOTICE_SUPPRESS_NS);
	for (int i = 0; i < 5; i++) /* remote_location */
		vg_rec_unset(&r);
	if (vg_flow_emit(ft, r.buf, vg_rec_end(&r)))
		sw->stats->notices++;
	else
		sw->stats->log_dropped++;
}

/* main.zeek trims the data to 140 bytes and appends "...". */
#define SUB_MSG_MAX 140

/* Signatures::vert_scan_thresholds and horiz_scan_thresholds. */
static const uint32_t scan_thresholds[] = {5, 10, 50, 100, 500, 1000};

/* The tables' &read_expire = 1 hr. */
#define SUM_EXPIRE_NS (3600ULL * 1000000000ULL)

static char *
addr_str(const struct vg_addr *a, char *buf, size_t len)
{
	vg_addr_format(a, buf, len);
	return buf;
}

static void
rec_str_or_unset(struct vg_rec *r, const char *s)
{
	if (s == NULL)
		vg_rec_unset(r);
	else
		vg_rec_cstr(r, s);
}

static void
emit(struct vg_sig_worker *sw, struct vg_flow_table *ft, struct vg_rec *r)
{
	if (vg_flow_emit(ft, r->buf, vg_rec_end(r)))
		sw->stats->logged++;
	else
		sw->stats->log_dropped++;
}

/* ---- the summaries ------------------------------------------------------- */

static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t
key_of(char tag, const struct vg_addr *a, const struct vg_addr *b, const char *sig)
{
	uint64_t h = mix(0xcbf29ce484222325ULL, &tag, 1);

	h = mix(h, a->b, 16);
	if (b != NULL)
		h = mix(h, b->b, 16);
	if (sig != NULL)
		h = mix(h, sig, strlen(sig) + 1);
	return h | 1; /* never 0, the free mark */
}

int
vg_sig_summary_init(struct vg_sig_worker *sw)
{
	sw->seen = calloc(VG_SIG_SUM_SLOTS, sizeof(*sw->seen));
	sw->counts = calloc(VG_SIG_SUM_SLOTS, sizeof(*sw->counts));
	return sw->seen == NULL || sw->counts == NULL ? -1 : 0;
}

void
vg_sig_summary_free(struct vg_sig_worker *sw)
{
	free(sw->seen);
	free(sw->counts);
}

/* Adds key to the set; true when it is new. *full when there was no room. */
static bool
seen_add(struct vg_sig_worker *sw, uint64_t key, uint64_t now, bool *full)
{
	uint32_t at = UINT32_MAX;

	for (uint32_t i = 0; i < VG_SIG_SUM_PROBE; i++) {
		struct vg_sig_sum_entry *e = &sw->seen[(key + i) % VG_SIG_SUM_SLOTS];
		bool stale = e->key != 0 && now > e->ts + SUM_EXPIRE_NS;

		if (e->key == key && !stale) {
			e->ts = now;
			return false;
		}
		if ((e->key == 0 || stale) && at == UINT32_MAX)
			at = (uint32_t)((key + i) % VG_SIG_SUM_SLOTS);
	}
	if (at == UINT32_MAX) {
		*full = true;
		return false;
	}
	sw->seen[at].key = key;
	sw->seen[at].ts = now;
	return true;
}

static struct vg_sig_sum_count *
count_get(struct vg_sig_worker *sw, uint64_t key, uint64_t now)
{
	struct vg_sig_sum_count *free_slot = NULL;

	for (uint32_t i = 0; i < VG_SIG_SUM_PROBE; i++) {
		struct vg_sig_sum_count *e = &sw->counts[(key + i) % VG_SIG_SUM_SLOTS];
		bool stale = e->key != 0 && now > e->ts + SUM_EXPIRE_NS;

		if (e->key == key && !stale) {
			e->ts = now;
			return e;
		}
		if ((e->key == 0 || stale) && free_slot == NULL)
			free_slot = e;
	}
	if (free_slot != NULL) {
		memset(free_slot, 0, sizeof(*free_slot));
		free_slot->key = key;
		free_slot->ts = now;
	}
	return free_slot;
}

static bool
is_threshold(uint32_t n)
{
	for (size_t i = 0; i < sizeof(scan_thresholds) / sizeof(scan_thresholds[0]); i++)
		if (scan_thresholds[i] == n)
			return true;
	return false;
}

static void
summary_row(struct vg_sig_worker *sw, struct vg_flow_table *ft, uint64_t ts, const char *note,
	const struct vg_addr *orig, const struct vg_addr *resp, const char *sig, const char *msg,
	const char *sub, uint32_t sig_count, uint32_t host_count)
{
	struct vg_rec r;

	vg_rec_begin(&r, sw->rec, sizeof(sw->rec), &vg_sig_log_schema);
	vg_rec_time(&r, ts);
	vg_rec_unset(&r);
	vg_rec_addr(&r, orig);
	vg_rec_unset(&r);
	if (resp != NULL)
		vg_rec_addr(&r, resp);
	else
		vg_rec_unset(&r);
	vg_rec_unset(&r);
	vg_rec_cstr(&r, note);
	vg_rec_cstr(&r, sig);
	rec_str_or_unset(&r, msg);
	vg_rec_cstr(&r, sub);
	if (sig_count)
		vg_rec_count(&r, sig_count);
	else
		vg_rec_unset(&r);
	if (host_count)
		vg_rec_count(&r, host_count);
	else
		vg_rec_unset(&r);
	vg_rec_unset(&r); /* mirror_session: a summary spans connections */
	sw->stats->summaries++;
	emit(sw, ft, &r);
}

/* The scan tracking at the end of main.zeek's signature_match. */
static void
summaries(struct vg_sig_worker *sw, struct vg_flow_table *ft, const struct vg_conn *c, uint64_t ts,
	const struct vg_sig_crule *r)
{
	const struct vg_addr *orig = &c->orig_h, *resp = &c->resp_h;
	bool full = false;
	char o[64], p[64], sub[512];
	bool new_h = seen_add(sw, key_of('H', orig, resp, r->id), ts, &full);
	bool new_v = seen_add(sw, key_of('V', orig, resp, r->id), ts, &full);
	struct vg_sig_sum_count *h = count_get(sw, key_of('h', orig, NULL, r->id), ts);
	struct vg_sig_sum_count *v = count_get(sw, key_of('v', orig, resp, NULL), ts);
	struct vg_sig_sum_count *lh = count_get(sw, key_of('H', orig, NULL, NULL), ts);
	struct vg_sig_sum_count *lv = count_get(sw, key_of('V', orig, NULL, NULL), ts);

	if (full || h == NULL || v == NULL || lh == NULL || lv == NULL) {
		sw->stats->summary_full++;
		return;
	}
	h->n += new_h;
	v->n += new_v;
	addr_str(orig, o, sizeof(o));
	addr_str(resp, p, sizeof(p));
	if (new_h && is_threshold(h->n) && h->n != lh->last) {
		snprintf(sub, sizeof(sub), "%s has triggered signature %s on %u hosts", o, r->id,
			h->n);
		summary_row(sw, ft, ts, "Signatures::Multiple_Sig_Responders", orig, NULL, r->id,
			r->msg != NULL ? r->msg : "", sub, 0, h->n);
		struct notice n = {.ts = ts,
			.note = "Signatures::Multiple_Sig_Responders",
			.msg = r->msg != NULL ? r->msg : "",
			.sub = (const uint8_t *)sub,
			.sub_len = (uint32_t)strlen(sub),
			.src = orig,
			.n = h->n};

		notice_row(sw, ft, &n);
		lh->last = h->n;
	}
	if (new_v && is_threshold(v->n) && v->n != lv->last) {
		char msg[64];

		snprintf(msg, sizeof(msg), "%u different signatures triggered", v->n);
		snprintf(sub, sizeof(sub), "%s has triggered %u different signatures on host %s", o,
			v->n, p);
		summary_row(sw, ft, ts, "Signatures::Multiple_Signatures", orig, resp, r->id, msg,
			sub, v->n, 0);
		struct notice n = {.ts = ts,
			.note = "Signatures::Multiple_Signatures",
			.msg = msg,
			.sub = (const uint8_t *)sub,
			.sub_len = (uint32_t)strlen(sub),
			.src = orig,
			.dst = resp,
			.n = v->n};

		notice_row(sw, ft, &n);
		lv->last = v->n;
	}
}

/* ---- one match ------------------------------------------------------------ */

void
vg_sig_log_match(struct vg_sig_worker *sw, struct vg_flow_table *ft, const struct vg_conn *c,
	uint64_t ts, const struct vg_sig_crule *r, bool is_orig, const uint8_t *data, uint32_t len)
{
	const struct vg_addr *src = is_orig ? &c->orig_h : &c->resp_h;
	const struct vg_addr *dst = is_orig ? &c->resp_h : &c->orig_h;
	uint16_t sp = is_orig ? c->orig_p : c->resp_p, dp = is_orig ? c->resp_p : c->orig_p;
	char uid[32], a[64], msg[1024];
	uint8_t sub[SUB_MSG_MAX + 3];
	uint32_t n = len;
	struct vg_rec rec;

	vg_uid_format(c->uid_hi, c->uid_lo, uid);
	snprintf(msg, sizeof(msg), "%s: %s", addr_str(src, a, sizeof(a)),
		r->msg != NULL ? r->msg : "");
	if (n > SUB_MSG_MAX) {
		memcpy(sub, data, SUB_MSG_MAX);
		memcpy(sub + SUB_MSG_MAX, "...", 3);
		n = SUB_MSG_MAX + 3;
	} else if (n > 0) {
		memcpy(sub, data, n);
	}
	vg_rec_begin(&rec, sw->rec, sizeof(sw->rec), &vg_sig_log_schema);
	vg_rec_time(&rec, ts);
	vg_rec_cstr(&rec, uid);
	vg_rec_addr(&rec, src);
	vg_rec_port(&rec, sp);
	vg_rec_addr(&rec, dst);
	vg_rec_port(&rec, dp);
	vg_rec_cstr(&rec, "Signatures::Sensitive_Signature");
	vg_rec_cstr(&rec, r->id);
	vg_rec_cstr(&rec, msg);
	vg_rec_str(&rec, (const char *)sub, n);
	vg_rec_unset(&rec);
	vg_rec_unset(&rec);
	if (c->mirrored)
		vg_rec_count(&rec, c->session);
	else
		vg_rec_unset(&rec);
	emit(sw, ft, &rec);
	/* SIG_ALARM: a Sensitive_Signature notice with the trimmed data as sub. */
	struct notice nt = {.ts = ts,
		.c = c,
		.note = "Signatures::Sensitive_Signature",
		.msg = msg,
		.sub = sub,
		.sub_len = len > SUB_MSG_MAX ? SUB_MSG_MAX + 3 : len,
		.src = src,
		.dst = dst};

	notice_row(sw, ft, &nt);
	summaries(sw, ft, c, ts, r);
}
