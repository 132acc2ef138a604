/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --sink URLs: SCHEME://HOST[:PORT][?NAME=VALUE&...], or stdout[?...].
 * Schemes: stdout, syslog+udp, syslog+tcp, syslog+tls, kafka (HOST:PORT may
 * be a comma-separated bootstrap list). Values may be %XX-encoded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vg_common.h"
#include "vg_sink.h"

#define WHAT_TO_WRITE                                                                              \
	"use stdout, syslog+udp://HOST:PORT, syslog+tcp://HOST:PORT, "                             \
	"syslog+tls://HOST:PORT?ca=FILE or kafka://HOST:PORT (doc/vigil-logd.md)"

static const struct {
	const char *scheme;
	enum vg_sink_kind kind;
	uint16_t port; /* default port */
} schemes[] = {
	{"syslog+udp", VG_SINK_SYSLOG_UDP, 514},  /* RFC 5426 */
	{"syslog+tcp", VG_SINK_SYSLOG_TCP, 514},  /* RFC 6587: none assigned; 514 by custom */
	{"syslog+tls", VG_SINK_SYSLOG_TLS, 6514}, /* RFC 5425 */
	{"kafka", VG_SINK_KAFKA, 9092},
};

static const char *const facilities[24] = {"kern", "user", "mail", "daemon", "auth", "syslog",
	"lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"};

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	/* The URL is echoed: its control characters would break the one line. */
	for (char *p = err; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -1;
}

/* Copies s[0..n) into out, %XX decoded; -1 if it does not fit or a %XX is bad. */
static int
decode(char *out, size_t cap, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			int hi = vg_hexval(s[i + 1]), lo = vg_hexval(s[i + 2]);

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

static int
parse_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long x;

	if (*v < '0' || *v > '9')
		return -1;
	x = strtoull(v, &end, 10);
	if (*end != '\0' || x < min || x > max)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

/* One host[:port] (IPv6 in brackets) of n bytes; port 0 when absent. */
static int
parse_hostport(const char *s, size_t n, char *host, size_t hcap, uint32_t *port)
{
	const char *colon = NULL, *hend;

	*port = 0;
	if (n > 0 && s[0] == '[') {
		const char *rb = memchr(s, ']', n);

		if (rb == NULL || rb == s + 1)
			return -1;
		hend = rb + 1;
		if (hend < s + n && *hend != ':')
			return -1;
		colon = hend < s + n ? hend : NULL;
	} else {
		colon = memchr(s, ':', n);
		hend = colon ? colon : s + n;
	}
	if (hend == s || (size_t)(hend - s) >= hcap)
		return -1;
	for (const char *p = s; p < hend; p++)
		if (!(*p == '.' || *p == '-' || *p == '_' || *p == '[' || *p == ']' || *p == ':' ||
			    (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z')))
			return -1;
	memcpy(host, s, (size_t)(hend - s));
	host[hend - s] = '\0';
	if (colon != NULL) {
		char num[8];
		size_t len = (size_t)(s + n - colon - 1);

		if (len == 0 || len >= sizeof(num))
			return -1;
		memcpy(num, colon + 1, len);
		num[len] = '\0';
		if (parse_u32(num, 1, 65535, port) != 0)
			return -1;
	}
	return 0;
}

/* The authority: syslog one host[:port], Kafka a comma-separated list. */
static int
parse_authority(
	struct vg_sink_url *u, const char *s, size_t n, uint16_t defport, char *err, size_t errlen)
{
	if (n == 0)
		return fail(err, errlen, "'%s' needs a HOST:PORT after '//'", u->name);
	if (u->kind != VG_SINK_KAFKA) {
		uint32_t port;

		if (parse_hostport(s, n, u->host, sizeof(u->host), &port) != 0)
			return fail(err, errlen,
				"'%.*s' is not HOST:PORT (a name, an IPv4 address or "
				"[IPv6], port 1-65535)",
				(int)n, s);
		u->port = (uint16_t)(port ? port : defport);
		/* The host keeps its brackets only in the label. */
		if (u->host[0] == '[') {
			size_t l = strlen(u->host);

			memmove(u->host, u->host + 1, l - 2);
			u->host[l - 2] = '\0';
		}
		return 0;
	}
	/* Kafka: each element checked; a missing port gets 9092. */
	size_t o = 0;
	const char *p = s, *end = s + n;

	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		const char *e = c ? c : end;
		char h[256];
		uint32_t port;

		if (parse_hostport(p, (size_t)(e - p), h, sizeof(h), &port) != 0)
			return fail(err, errlen,
				"'%.*s' is not HOST:PORT in the broker list "
				"(HOST:PORT,HOST:PORT...)",
				(int)(e - p), p);
		int w = snprintf(u->host + o, sizeof(u->host) - o, "%s%s:%u", o ? "," : "", h,
			port ? port : defport);

		if (w < 0 || (size_t)w >= sizeof(u->host) - o)
			return fail(err, errlen, "the broker list is too long (%zu bytes at most)",
				sizeof(u->host) - 1);
		o += (size_t)w;
		p = c ? c + 1 : end;
		if (c != NULL && p == end)
			return fail(err, errlen, "the broker list ends in ','");
	}
	return 0;
}

static int
set_facility(struct vg_sink_url *u, const char *v)
{
	uint32_t n;

	for (unsigned int i = 0; i < 24; i++)
		if (strcasecmp(v, facilities[i]) == 0) {
			u->facility = (uint8_t)i;
			return 0;
		}
	if (parse_u32(v, 0, 23, &n) != 0)
		return -1;
	u->facility = (uint8_t)n;
	return 0;
}

static int
set_str(char *dst, size_t cap, const char *v)
{
	if (strlen(v) >= cap || v[0] == '\0')
		return -1;
	strcpy(dst, v);
	return 0;
}

/* What the options of a kind are, for the error message. */
static const char *
options_of(enum vg_sink_kind k)
{
	switch (k) {
	case VG_SINK_STDOUT:
		return "format=json|tsv, queue, queue_bytes, drain_ms";
	case VG_SINK_SYSLOG_UDP:
	case VG_SINK_SYSLOG_TCP:
		return "facility, queue, queue_bytes, drain_ms";
	case VG_SINK_SYSLOG_TLS:
		return "ca, cert, key, facility, queue, queue_bytes, drain_ms";
	case VG_SINK_KAFKA:
		return "topic_prefix, linger_ms, batch, timeout_ms, acks, compression, queue, "
		       "drain_ms, kafka.PROPERTY";
	}
	return "";
}

/* One NAME=VALUE; 1 when the name does not belong to the kind. */
static int
set_option(struct vg_sink_url *u, const char *k, const char *v)
{
	enum vg_sink_kind kind = u->kind;
	bool syslog = kind == VG_SINK_SYSLOG_UDP || kind == VG_SINK_SYSLOG_TCP ||
		kind == VG_SINK_SYSLOG_TLS;
	bool kafka = kind == VG_SINK_KAFKA;
	uint32_t n;

	if (strcmp(k, "queue") == 0)
		return parse_u32(v, 1, 10000000, &u->queue) ? -1 : 0;
	if (strcmp(k, "drain_ms") == 0)
		return parse_u32(v, 0, 600000, &u->drain_ms) ? -1 : 0;
	if (strcmp(k, "queue_bytes") == 0 && !kafka) {
		if (parse_u32(v, 65536, 1u << 30, &n) != 0)
			return -1;
		u->queue_bytes = n;
		return 0;
	}
	if (strcmp(k, "format") == 0 && kind == VG_SINK_STDOUT) {
		if (strcmp(v, "json") != 0 && strcmp(v, "tsv") != 0)
			return -1;
		u->tsv = strcmp(v, "tsv") == 0;
		return 0;
	}
	if (strcmp(k, "facility") == 0 && syslog)
		return set_facility(u, v);
	if (kind == VG_SINK_SYSLOG_TLS && strcmp(k, "ca") == 0)
		return set_str(u->ca, sizeof(u->ca), v);
	if (kind == VG_SINK_SYSLOG_TLS && strcmp(k, "cert") == 0)
		return set_str(u->cert, sizeof(u->cert), v);
	if (kind == VG_SINK_SYSLOG_TLS && strcmp(k, "key") == 0)
		return set_str(u->key, sizeof(u->key), v);
	if (!kafka)
		return 1;
	if (strcmp(k, "topic_prefix") == 0) {
		if (strlen(v) >= sizeof(u->topic_prefix))
			return -1;
		for (const char *p = v; *p; p++)
			if (!(*p == '.' || *p == '-' || *p == '_' || (*p >= '0' && *p <= '9') ||
				    (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
				return -1; /* Kafka's topic characters */
		strcpy(u->topic_prefix, v);
		return 0;
	}
	if (strcmp(k, "linger_ms") == 0)
		return parse_u32(v, 0, 900000, &u->linger_ms) ? -1 : 0;
	if (strcmp(k, "batch") == 0)
		return parse_u32(v, 1, 1000000, &u->batch) ? -1 : 0;
	if (strcmp(k, "timeout_ms") == 0)
		return parse_u32(v, 1, 86400000, &u->timeout_ms) ? -1 : 0;
	if (strcmp(k, "acks") == 0) {
		if (strcmp(v, "all") == 0 || strcmp(v, "-1") == 0)
			u->acks = -1;
		else if (strcmp(v, "0") == 0 || strcmp(v, "1") == 0)
			u->acks = v[0] - '0';
		else
			return -1;
		return 0;
	}
	if (strcmp(k, "compression") == 0) {
		static const char *const c[] = {"none", "gzip", "snappy", "lz4", "zstd"};

		for (unsigned int i = 0; i < 5; i++)
			if (strcmp(v, c[i]) == 0)
				return set_str(u->compression, sizeof(u->compression), v);
		return -1;
	}
	if (strncmp(k, "kafka.", 6) == 0 && k[6] != '\0') {
		if (u->nprops >= VG_SINK_PROP_MAX || strlen(k + 6) >= sizeof(u->prop_name[0]) ||
			strlen(v) >= sizeof(u->prop_value[0]))
			return -1;
		strcpy(u->prop_name[u->nprops], k + 6);
		strcpy(u->prop_value[u->nprops], v);
		u->nprops++;
		return 0;
	}
	return 1;
}

static int
parse_query(struct vg_sink_url *u, const char *q, char *err, size_t errlen)
{
	while (*q != '\0') {
		const char *amp = strchr(q, '&');
		size_t n = amp ? (size_t)(amp - q) : strlen(q);
		const char *eq = memchr(q, '=', n);
		char k[80], v[VG_SINK_PATH_MAX];

		if (eq == NULL || eq == q)
			return fail(err, errlen, "'%.*s' in '%s' is not NAME=VALUE", (int)n, q,
				u->name);
		if (decode(k, sizeof(k), q, (size_t)(eq - q)) != 0 ||
			decode(v, sizeof(v), eq + 1, (size_t)(q + n - eq - 1)) != 0)
			return fail(err, errlen, "option '%.*s' is too long or has a bad %%XX",
				(int)n, q);
		int rc = set_option(u, k, v);

		if (rc > 0)
			return fail(err, errlen, "'%s' takes no option '%s'; its options are %s",
				u->name, k, options_of(u->kind));
		if (rc < 0)
			return fail(err, errlen,
				"option %s=%s of '%s' is not valid (doc/vigil-logd.md lists the "
				"values)",
				k, v, u->name);
		q = amp ? amp + 1 : q + n;
	}
	return 0;
}

static void
defaults(struct vg_sink_url *u)
{
	memset(u, 0, sizeof(*u));
	u->queue = 65536;
	u->queue_bytes = 32u << 20;
	u->drain_ms = 5000;
	u->facility = 16; /* local0 */
	strcpy(u->topic_prefix, "vigil.");
	u->linger_ms = 100;
	u->batch = 10000;
	u->timeout_ms = 30000;
	u->acks = -1;
	strcpy(u->compression, "none");
}

static int
check_tls(const struct vg_sink_url *u, char *err, size_t errlen)
{
	if (u->kind != VG_SINK_SYSLOG_TLS)
		return 0;
	if ((u->cert[0] != '\0') != (u->key[0] != '\0'))
		return fail(err, errlen, "'%s': give cert=FILE and key=FILE together", u->name);
	return 0;
}

int
vg_sink_url_parse(const char *s, struct vg_sink_url *u, char *err, size_t errlen)
{
	const char *q = strchr(s, '?');
	size_t head = q ? (size_t)(q - s) : strlen(s);

	defaults(u);
	if ((head == 6 || head == 7 || head == 9) && strncmp(s, "stdout", 6) == 0 &&
		(head == 6 || strncmp(s + 6, head == 7 ? ":" : "://", head - 6) == 0)) {
		u->kind = VG_SINK_STDOUT;
		strcpy(u->name, "stdout");
		return parse_query(u, q ? q + 1 : "", err, errlen);
	}
	const char *sep = strstr(s, "://");

	if (sep == NULL || sep > s + head)
		return fail(err, errlen, "'%s' is not a sink URL; %s", s, WHAT_TO_WRITE);
	for (unsigned int i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		if (strlen(schemes[i].scheme) != (size_t)(sep - s) ||
			strncasecmp(s, schemes[i].scheme, (size_t)(sep - s)) != 0)
			continue;
		const char *a = sep + 3;
		size_t an = head - (size_t)(a - s);

		if (an > 0 && a[an - 1] == '/')
			an--; /* a trailing slash: no path */
		u->kind = schemes[i].kind;
		if (an >= sizeof(u->name) - 16)
			return fail(err, errlen, "'%.60s...' is too long", s);
		snprintf(u->name, sizeof(u->name), "%s://%.*s", schemes[i].scheme, (int)an, a);
		if (parse_authority(u, a, an, schemes[i].port, err, errlen) != 0)
			return -1;
		if (parse_query(u, q ? q + 1 : "", err, errlen) != 0)
			return -1;
		return check_tls(u, err, errlen);
	}
	return fail(
		err, errlen, "unknown sink scheme '%.*s'; %s", (int)(sep - s), s, WHAT_TO_WRITE);
}
