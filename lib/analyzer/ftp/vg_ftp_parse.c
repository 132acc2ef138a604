/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The text FTP carries, read the way Zeek reads it: PORT/EPRT arguments and
 * PASV/EPSV replies (src/analyzer/protocol/ftp/functions.bif), addresses
 * (IPAddr::ConvertString), the last number of a reply (extract_count in
 * base/utils/numbers.zeek), paths (build_path_compressed and extract_path in
 * base/utils/paths.zeek, compress_path being util::normalize_path), and
 * which reply codes answer which command (cmd_reply_code in
 * ftp/utils-commands.zeek). Inputs are NUL-terminated where a C string is
 * what Zeek reads (CheckString), else (pointer, length).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "vg_ftp.h"

/*
 * strtol(s, &end, 10) as Zeek's parsers use it: white space, a sign, digits.
 * Without digits *end is s. The value saturates at +-LONG_MAX.
 */
static long
parse_long(const char *s, const char **end)
{
	const char *p = s;
	bool neg = false;
	long v = 0;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p)) {
		*end = s;
		return 0;
	}
	for (; isdigit((unsigned char)*p); p++) {
		int d = *p - '0';

		v = v > (LONG_MAX - d) / 10 ? LONG_MAX : v * 10 + d;
	}
	*end = p;
	return neg ? -v : v;
}

static void
port_invalid(struct vg_ftp_port *r)
{
	memset(r, 0, sizeof(*r));
}

struct vg_ftp_port
vg_ftp_parse_port(const char *s)
{
	struct vg_ftp_port r;
	long b[6];
	const char *p = s;

	port_invalid(&r);
	vg_addr_from_v4(&r.h, (const uint8_t[4]){0, 0, 0, 0});
	/* sscanf("%d,%d,%d,%d,%d,%d") on at least 11 characters. */
	if (strlen(s) < 11)
		return r;
	for (int i = 0; i < 6; i++) {
		const char *e;

		if (i > 0) {
			if (*p != ',')
				return r;
			p++;
		}
		b[i] = parse_long(p, &e);
		if (e == p)
			return r;
		p = e;
	}
	for (int i = 0; i < 6; i++)
		if (b[i] < 0 || b[i] > 255)
			return r;
	uint8_t a[4] = {(uint8_t)b[0], (uint8_t)b[1], (uint8_t)b[2], (uint8_t)b[3]};

	vg_addr_from_v4(&r.h, a);
	r.p = (uint16_t)(b[4] << 8 | b[5]);
	r.valid = true;
	return r;
}

bool
vg_ftp_addr_parse(const char *s, uint32_t len, struct vg_addr *out)
{
	char buf[64];

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (memchr(buf, ':', strlen(buf)) != NULL)
		return inet_pton(AF_INET6, buf, out->b) == 1;
	/* sscanf("%d.%d.%d.%d%n") with nothing after it, each in 0-255. */
	const char *p = buf;
	uint8_t a[4];

	for (int i = 0; i < 4; i++) {
		const char *e;
		long v;

		if (i > 0) {
			if (*p != '.')
				return false;
			p++;
		}
		v = parse_long(p, &e);
		if (e == p || v < 0 || v > 255)
			return false;
		a[i] = (uint8_t)v;
		p = e;
	}
	if (*p != '\0')
		return false;
	vg_addr_from_v4(out, a);
	return true;
}

/* parse_eftp in functions.bif; s may be NULL. */
struct vg_ftp_port
vg_ftp_parse_eprt(const char *s)
{
	struct vg_ftp_port r;
	const char *line = s, *next;

	port_invalid(&r); /* the unspecified IPv6 address, port 0 */
	if (line == NULL)
		return r;
	while (isspace((unsigned char)*line))
		line++;
	char delim = *line;

	if (*line == '\0')
		return r;
	r.valid = true;
	line++;
	parse_long(line, &next); /* the network protocol: not used */
	if (*next != delim)
		r.valid = false;
	line = next;
	if (*line)
		line++;
	if (*line && *line != delim) {
		const char *n = strchr(line, delim);

		if (n == NULL)
			n = line + strlen(line);
		struct vg_addr a;

		r.valid = vg_ftp_addr_parse(line, (uint32_t)(n - line), &a);
		if (r.valid)
			r.h = a;
	}
	line = strchr(line, delim);
	if (line != NULL) {
		long port = parse_long(++line, &next);

		if (*next != delim)
			r.valid = false;
		if (port < 0 || port > 65535) {
			port = 0;
			r.valid = false;
		}
		r.p = (uint16_t)port;
	}
	return r;
}

struct vg_ftp_port
vg_ftp_parse_pasv(const char *s)
{
	size_t len = strlen(s);
	const char *line;
	struct vg_ftp_port bad;

	port_invalid(&bad);
	vg_addr_from_v4(&bad.h, (const uint8_t[4]){0, 0, 0, 0});
	if (len == 0)
		return bad;
	if ((line = strchr(s, '(')) != NULL) {
		line++;
	} else if ((line = strstr(s, "PORT")) != NULL) {
		line += 5;
	} else if ((line = strchr(s, ',')) != NULL) {
		/* Back over the digits before the first comma. */
		size_t i = (size_t)(line - s);

		while (i > 0 && isdigit((unsigned char)s[i - 1]))
			i--;
		line = s + i;
	}
	if (line == NULL || (size_t)(line - s) > len)
		return bad;
	return vg_ftp_parse_port(line);
}

struct vg_ftp_port
vg_ftp_parse_epsv(const char *s)
{
	const char *line = strchr(s, '(');

	return vg_ftp_parse_eprt(line != NULL ? line + 1 : NULL);
}

uint64_t
vg_ftp_last_count(const char *s, uint32_t len)
{
	uint32_t end = len;

	while (end > 0 && !isdigit((unsigned char)s[end - 1]))
		end--;
	if (end == 0)
		return 0;
	uint32_t start = end;

	while (start > 0 && isdigit((unsigned char)s[start - 1]))
		start--;
	uint64_t v = 0;

	for (uint32_t i = start; i < end; i++) {
		uint64_t d = (uint64_t)(s[i] - '0');

		v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d; /* strtoull saturates */
	}
	return v;
}

/* absolute_path_pat: /(\/|[A-Za-z]:[\\\/]).* / */
static bool
is_absolute(const char *s, uint32_t len)
{
	if (len >= 1 && s[0] == '/')
		return true;
	return len >= 3 && isalpha((unsigned char)s[0]) && s[1] == ':' &&
		(s[2] == '\\' || s[2] == '/');
}

static bool
tok_is(const char *t, uint32_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(t, lit, n) == 0;
}

#define MAX_COMPONENTS 128

/* util::normalize_path (zeek/src/util.cc), which compress_path calls. */
static uint32_t
normalize(const char *p, uint32_t len, char *out, uint32_t cap)
{
	bool plain = true;

	for (uint32_t i = 0; i + 1 < len; i++)
		if (p[i] == '/' && (p[i + 1] == '.' || p[i + 1] == '/'))
			plain = false;
	if (plain) {
		if (len > 1 && p[len - 1] == '/')
			len--;
		len = VG_MIN(len, cap);
		memcpy(out, p, len);
		return len;
	}
	const char *tok[MAX_COMPONENTS];
	uint32_t tl[MAX_COMPONENTS], n = 0, o = 0;
	uint32_t start = 0;

	for (uint32_t i = 0; i <= len; i++) {
		if (i < len && p[i] != '/')
			continue;
		const char *t = p + start;
		uint32_t l = i - start;
		bool first = start == 0;

		start = i + 1;
		if (l == 0 || (tok_is(t, l, ".") && !first) || n == MAX_COMPONENTS)
			continue;
		tok[n] = t;
		tl[n++] = l;
		if (!tok_is(t, l, "..") || n == 1)
			continue;
		const char *last = tok[n - 2];
		uint32_t ll = tl[n - 2];

		if (tok_is(last, ll, "/") || tok_is(last, ll, "~") || tok_is(last, ll, ".."))
			continue;
		if (tok_is(last, ll, ".")) {
			tok[n - 2] = "..";
			tl[n - 2] = 2;
			n--;
		} else {
			n -= 2;
		}
	}
	if (len > 0 && p[0] == '/' && o < cap)
		out[o++] = '/';
	for (uint32_t i = 0; i < n; i++) {
		uint32_t l = VG_MIN(tl[i], cap - o);

		memcpy(out + o, tok[i], l);
		o += l;
		if (o < cap)
			out[o++] = '/';
	}
	if (o > 1 && out[o - 1] == '/')
		o--;
	return o;
}

uint32_t
vg_ftp_build_path(const char *dir, uint32_t dir_len, const char *name, uint32_t name_len, char *out,
	uint32_t cap)
{
	char joined[VG_FTP_CWD + VG_FTP_ARG + 2];
	uint32_t n = 0;

	if (is_absolute(name, name_len) || dir_len == 0) {
		n = VG_MIN(name_len, (uint32_t)sizeof(joined));
		memcpy(joined, name, n);
	} else {
		uint32_t d = VG_MIN(dir_len, (uint32_t)VG_FTP_CWD);

		memcpy(joined, dir, d);
		n = d;
		if (dir[dir_len - 1] != '/')
			joined[n++] = '/';
		uint32_t k = VG_MIN(name_len, (uint32_t)sizeof(joined) - n);

		memcpy(joined + n, name, k);
		n += k;
	}
	return normalize(joined, n, out, cap);
}

/* Where (/|[A-Za-z]:[\\/]) starts a path at s[i], its length (0: none). */
static uint32_t
path_start(const char *s, uint32_t len, uint32_t i)
{
	if (s[i] == '/')
		return 1;
	if (i + 2 < len && isalpha((unsigned char)s[i]) && s[i + 1] == ':' &&
		(s[i + 2] == '\\' || s[i + 2] == '/'))
		return 3;
	return 0;
}

uint32_t
vg_ftp_extract_path(const char *in, uint32_t len, char *out, uint32_t cap)
{
	/* quoted_dir_pattern: "(/|X:[\/])[^"]*" , the quotes then removed. */
	for (uint32_t i = 0; i + 1 < len; i++) {
		uint32_t k;

		if (in[i] != '"' || (k = path_start(in, len, i + 1)) == 0)
			continue;
		const char *q = memchr(in + i + 1 + k, '"', len - (i + 1 + k));

		if (q == NULL)
			continue;
		uint32_t n = VG_MIN((uint32_t)(q - (in + i + 1)), cap);

		memcpy(out, in + i + 1, n);
		return n;
	}
	/* dir_pattern: (/|X:[\/])([^" ]|(\\ ))* */
	for (uint32_t i = 0; i < len; i++) {
		uint32_t k = path_start(in, len, i);

		if (k == 0)
			continue;
		uint32_t e = i + k;

		while (e < len) {
			if (in[e] == '\\' && e + 1 < len && in[e + 1] == ' ')
				e += 2;
			else if (in[e] != '"' && in[e] != ' ')
				e++;
			else
				break;
		}
		uint32_t n = VG_MIN(e - i, cap);

		memcpy(out, in + i, n);
		return n;
	}
	return 0;
}

/* cmd_reply_code (ftp/utils-commands.zeek); lists end with 0. */
static const struct {
	const char *cmd;
	uint16_t codes[20];
} reply_codes[] = {
	{"<init>", {120, 220, 421, 0}},
	{"USER", {230, 331, 332, 421, 530, 500, 501}},
	{"PASS", {230, 202, 332, 421, 530, 500, 501, 503}},
	{"ACCT", {230, 202, 421, 530, 500, 501, 503}},
	{"CWD", {250, 421, 500, 501, 502, 530, 550}},
	{"CDUP", {200, 250, 421, 500, 501, 502, 530, 550}},
	{"SMNT", {202, 250, 421, 500, 501, 502, 530, 550}},
	{"REIN", {120, 220, 421, 500, 502}},
	{"QUIT", {221, 500, 0}},
	{"PORT", {200, 421, 500, 501, 530}},
	{"PASV", {227, 421, 500, 501, 502, 530}},
	{"MODE", {200, 421, 500, 501, 502, 504, 530}},
	{"TYPE", {200, 421, 500, 501, 504, 530}},
	{"STRU", {200, 421, 500, 501, 504, 530}},
	{"ALLO", {200, 202, 421, 500, 501, 504, 530}},
	{"REST", {200, 350, 421, 500, 501, 502, 530}},
	{"STOR",
		{110, 125, 150, 226, 250, 421, 425, 426, 451, 551, 552, 532, 450, 452, 553, 500,
			501, 530, 550}},
	{"STOU",
		{110, 125, 150, 226, 250, 421, 425, 426, 451, 551, 552, 532, 450, 452, 553, 500,
			501, 530, 550}},
	{"RETR", {110, 125, 150, 226, 250, 421, 425, 426, 451, 450, 500, 501, 530, 550}},
	{"LIST", {125, 150, 226, 250, 421, 425, 426, 451, 450, 500, 501, 502, 530, 550}},
	{"NLST", {125, 150, 226, 250, 421, 425, 426, 451, 450, 500, 501, 502, 530, 550}},
	{"APPE",
		{125, 150, 226, 250, 421, 425, 426, 451, 551, 552, 532, 450, 550, 452, 553, 500,
			501, 502, 530}},
	{"RNFR", {350, 421, 450, 550, 500, 501, 502, 530}},
	{"RNTO", {250, 421, 532, 553, 500, 501, 502, 503, 530}},
	{"DELE", {250, 421, 450, 550, 500, 501, 502, 530}},
	{"RMD", {250, 421, 500, 501, 502, 530, 550}},
	{"MKD", {257, 421, 500, 501, 502, 530, 550}},
	{"PWD", {257, 421, 500, 501, 502, 550}},
	{"ABOR", {225, 226, 421, 500, 501, 502}},
	{"SYST", {215, 421, 500, 501, 502, 530}},
	{"STAT", {211, 212, 213, 421, 450, 500, 501, 502, 530}},
	{"HELP", {200, 211, 214, 421, 500, 501, 502}},
	{"SITE", {200, 202, 214, 500, 501, 502, 530}},
	{"NOOP", {200, 421, 500}},
	{"LPRT", {500, 501, 521}},
	{"FEAT", {211, 500, 502}},
	{"OPTS", {200, 451, 501}},
	{"EPSV", {229, 500, 501}},
	{"EPRT", {200, 500, 501, 522}},
	{"SIZE", {213, 500, 501, 550}},
	{"MDTM", {213, 500, 501, 550}},
	{"MLST", {150, 226, 250, 500, 501, 550}},
	{"MLSD", {150, 226, 250, 500, 501, 550}},
	{"CLNT", {200, 500}},
	{"MACB", {200, 500, 550}},
};

/* ["<init>", 0], ["<missing>", 0] and ["QUIT", 0]: listed with code 0. */
static bool
zero_listed(const char *cmd)
{
	return strcmp(cmd, "<init>") == 0 || strcmp(cmd, "<missing>") == 0 ||
		strcmp(cmd, "QUIT") == 0;
}

bool
vg_ftp_reply_expected(const char *cmd, uint32_t code)
{
	if (code == 0)
		return zero_listed(cmd);
	for (size_t i = 0; i < sizeof(reply_codes) / sizeof(reply_codes[0]); i++) {
		if (strcmp(reply_codes[i].cmd, cmd) != 0)
			continue;
		for (int k = 0; k < 20 && reply_codes[i].codes[k] != 0; k++)
			if (reply_codes[i].codes[k] == code)
				return true;
		return false;
	}
	return false;
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

bool
vg_ftp_base64(const char *s, uint32_t len, uint8_t *out, uint32_t cap, uint32_t *out_len, int *bad)
{
	uint32_t acc = 0, bits = 0, n = 0;

	*bad = -1;
	for (uint32_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int v = b64_value(c);

		if (c == '=')
			continue; /* padding */
		if (v < 0) {
			if (*bad < 0)
				*bad = c; /* "character %d ignored by Base64 decoding" */
			continue;
		}
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n < cap)
				out[n] = (uint8_t)(acc >> bits);
			n++;
		}
	}
	*out_len = n;
	return *bad < 0;
}
