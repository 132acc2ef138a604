/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Syslog framing, RFC 5424 section 6:
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG
 * with APP-NAME "vigil", MSGID the log's name (conn, dns, ...), no
 * structured data ("-": the log's name is the MSGID, the rest is in the JSON)
 * and the record's JSON line as MSG. MSG carries no BOM: vigil's JSON is
 * ASCII (bytes beyond it are \u-escaped), which RFC 5424's MSG-ANY allows.
 * Severity is informational (6) for every log.
 * Over a stream (TCP, RFC 6587 section 3.4.1; TLS, RFC 5425 section 4.3)
 * each message is preceded by its length in octets and a space.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vg_sink.h"

#define SEVERITY_INFO 6

/* The timestamp of RFC 5424 section 6.2.3: UTC, microseconds. */
static int
stamp(char *out, size_t cap, int64_t time_us)
{
	time_t secs = (time_t)(time_us / 1000000);
	long us = (long)(time_us % 1000000);
	struct tm tm;

	if (us < 0) {
		us += 1000000;
		secs--;
	}
	gmtime_r(&secs, &tm);
	return snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
}

/* Appends an RFC 5424 header field: printable ASCII, at most max bytes, "-" if empty. */
static size_t
field(char *out, const char *s, size_t n, size_t max)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o < max; i++)
		if (s[i] > 32 && s[i] < 127)
			out[o++] = s[i];
	if (o == 0)
		out[o++] = '-';
	return o;
}

size_t
vg_syslog_frame(char *out, size_t cap, bool octet_count, uint8_t facility, int64_t time_us,
	const char *hostname, uint32_t pid, const char *msgid, size_t msgid_len, const char *msg,
	size_t msg_len)
{
	char hdr[48 + 255 + 32 + 64];
	size_t h = 0;
	int n;

	n = snprintf(hdr, sizeof(hdr), "<%u>1 ", (unsigned int)facility * 8 + SEVERITY_INFO);
	h += (size_t)n;
	h += (size_t)stamp(hdr + h, sizeof(hdr) - h, time_us);
	hdr[h++] = ' ';
	h += field(hdr + h, hostname, strlen(hostname), 255); /* RFC 5424: HOSTNAME 1*255 */
	n = snprintf(hdr + h, sizeof(hdr) - h, " vigil %u ", pid);
	h += (size_t)n;
	h += field(hdr + h, msgid, msgid_len, 32); /* MSGID 1*32 */
	memcpy(hdr + h, " - ", 3);
	h += 3;

	size_t total = h + msg_len;
	char len[24];
	int ln = octet_count ? snprintf(len, sizeof(len), "%zu ", total) : 0;

	if ((size_t)ln + total > cap)
		return 0;
	memcpy(out, len, (size_t)ln);
	memcpy(out + ln, hdr, h);
	memcpy(out + ln + h, msg, msg_len);
	return (size_t)ln + total;
}
