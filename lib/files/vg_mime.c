/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MIME type sniffing with vigil's own magic table. Like Zeek's file magic
 * (the .sig files of base/frameworks/files/magic), every entry that matches the first
 * bytes of a file is a candidate and the strongest one wins; the type names
 * are the ones a default Zeek logs. Byte signatures are plain prefixes at an
 * offset; the text formats (HTML, JSON, XML, scripts, plain text) are small
 * hand-written matchers.
 */
#include <stddef.h>
#include <string.h>

#include "vg_common.h"
#include "vg_files.h"

struct magic {
	const char *mime;
	int strength;
	uint16_t off;
	uint8_t len;
	const char *bytes;
};

#define M(mime, s, off, b)                                                                         \
	{                                                                                          \
		mime, s, off, sizeof(b) - 1, b                                                     \
	}
static const struct magic magic[] = {
	M("image/png", 70, 0, "\x89PNG\r\n\x1a\n"),
	M("image/gif", 70, 0, "GIF87a"),
	M("image/gif", 70, 0, "GIF89a"),
	M("image/jpeg", 52, 0, "\xff\xd8\xff"),
	M("image/tiff", 70, 0, "II*\x00"),
	M("image/tiff", 70, 0, "MM\x00*"),
	M("image/x-icon", 30, 0, "\x00\x00\x01\x00"),
	M("image/webp", 70, 8, "WEBP"),
	M("application/pdf", 80, 0, "%PDF-"),
	M("application/zip", 70, 0, "PK\x03\x04"),
	M("application/x-gzip", 100, 0, "\x1f\x8b"),
	M("application/x-bzip2", 40, 0, "BZh"),
	M("application/x-7z-compressed", 80, 0, "7z\xbc\xaf\x27\x1c"),
	M("application/x-rar", 70, 0, "Rar!\x1a\x07"),
	M("application/x-xz", 90, 0,
		"\xfd"
		"7zXZ\x00"),
	M("application/x-tar", 100, 257, "ustar"),
	M("application/x-dosexec", 51, 0, "MZ"),
	M("application/x-shockwave-flash", 60, 0, "FWS"),
	M("application/x-shockwave-flash", 60, 0, "CWS"),
	M("application/x-shockwave-flash", 60, 0, "ZWS"),
	M("application/x-java-applet", 71, 0, "\xca\xfe\xba\xbe"),
	M("application/vnd.ms-office", 60, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
	M("application/vnd.tcpdump.pcap", 70, 0, "\xa1\xb2\xc3\xd4"),
	M("application/vnd.tcpdump.pcap", 70, 0, "\xd4\xc3\xb2\xa1"),
	M("application/x-pem", 0, 0, "-----BEGIN CERTIFICATE-----"),
	M("audio/mpeg", 70, 0, "ID3"),
	M("application/ogg", 70, 0, "OggS"),
	M("video/webm", 70, 0, "\x1a\x45\xdf\xa3"),
	M("audio/x-wav", 70, 8, "WAVE"),
	M("video/avi", 70, 8, "AVI "),
	M("video/mp4", 70, 4, "ftyp"),
	M("application/x-java-jnlp-file", 100, 0, "<jnlp "),
};
#undef M

/* A text cursor over the first bytes. */
struct cur {
	const uint8_t *p;
	const uint8_t *end;
};

static bool
is_blank_nl(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
skip_ws(struct cur *c)
{
	while (c->p < c->end && is_blank_nl(*c->p))
		c->p++;
}

static void
skip_bom(struct cur *c)
{
	if (c->end - c->p >= 3 && c->p[0] == 0xef && c->p[1] == 0xbb && c->p[2] == 0xbf)
		c->p += 3;
}

/* Case-insensitive prefix; advances past it. */
static bool
take_ci(struct cur *c, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t a = c->p[i], b = (uint8_t)s[i];
		if (a >= 'A' && a <= 'Z')
			a = (uint8_t)(a + 32);
		if (a != b)
			return false;
	}
	c->p += n;
	return true;
}

static bool
take(struct cur *c, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* Finds s on the current line (no newline crossed); advances past it. */
static bool
find_on_line(struct cur *c, const char *s)
{
	size_t n = strlen(s);

	for (const uint8_t *q = c->p; q + n <= c->end && *q != '\n'; q++)
		if (memcmp(q, s, n) == 0) {
			c->p = q + n;
			return true;
		}
	return false;
}

/* Whitespace and <!-- comments --> (each on one line, as the regex's '.'). */
static void
skip_ws_comments(struct cur *c)
{
	for (;;) {
		skip_ws(c);
		struct cur t = *c;
		if (!take(&t, "<!--") || !find_on_line(&t, "-->"))
			return;
		*c = t;
	}
}

/* Zeek's markup prefix: BOM, comments, an optional <?xml ...?> declaration. */
static struct cur
markup_start(const uint8_t *d, uint32_t len, bool *xml_decl)
{
	struct cur c = {d, d + len};

	skip_bom(&c);
	skip_ws_comments(&c);
	*xml_decl = false;
	struct cur t = c;
	if (take(&t, "<?xml ") && find_on_line(&t, "?>")) {
		c = t;
		*xml_decl = true;
		skip_ws_comments(&c);
	}
	return c;
}

static int
html_strength(const uint8_t *d, uint32_t len)
{
	bool decl;
	struct cur c = markup_start(d, len, &decl);
	struct cur t = c;

	if (take_ci(&t, "<!doctype ")) {
		while (t.p < t.end && *t.p == ' ')
			t.p++;
		if (take_ci(&t, "html"))
			return 100;
	}
	t = c;
	if (take_ci(&t, "<html"))
		return 100;
	t = c;
	if (take_ci(&t, "<meta ")) {
		while (t.p < t.end && *t.p == ' ')
			t.p++;
		if (take_ci(&t, "http-equiv"))
			return 100;
	}
	t = c;
	if (take_ci(&t, "<rss"))
		return -2; /* text/rss, below */
	t = c;
	if (take_ci(&t, "<head") || take_ci(&t, "<title") || take_ci(&t, "<body"))
		return 20;
	return -1;
}

static bool
xml_match(const uint8_t *d, uint32_t len)
{
	struct cur c = {d, d + len};

	skip_bom(&c);
	skip_ws_comments(&c);
	return take(&c, "<?xml ");
}

/* A JSON string or bare key, then the rest of a "key: value" start. */
static bool
json_object(struct cur c)
{
	skip_ws(&c);
	if (!take(&c, "{"))
		return false;
	skip_ws(&c);
	if (take(&c, "\"")) {
		const uint8_t *q = c.p;
		while (q < c.end && *q != '"')
			q++;
		if (q == c.p || q == c.end)
			return false;
		c.p = q + 1;
	} else {
		if (c.p >= c.end || !((*c.p | 32) >= 'a' && (*c.p | 32) <= 'z'))
			return false;
		while (c.p < c.end &&
			(((*c.p | 32) >= 'a' && (*c.p | 32) <= 'z') ||
				(*c.p >= '0' && *c.p <= '9') || *c.p == '\\' || *c.p == '_'))
			c.p++;
	}
	skip_ws(&c);
	if (!take(&c, ":"))
		return false;
	skip_ws(&c);
	if (c.p >= c.end)
		return false;
	uint8_t ch = *c.p;
	return ch == '"' || ch == '[' || ch == '{' || (ch >= '0' && ch <= '9') ||
		take(&c, "true") || take(&c, "false");
}

static bool
json_array(struct cur c)
{
	skip_ws(&c);
	if (!take(&c, "["))
		return false;
	skip_ws(&c);
	if (c.p >= c.end)
		return false;
	if (*c.p == '{' || *c.p == '[')
		return true;
	if (*c.p == '"') {
		const uint8_t *q = c.p + 1;
		while (q < c.end && *q != '"')
			q++;
		if (q == c.p + 1 || q == c.end)
			return false;
		c.p = q + 1;
	} else if (*c.p >= '0' && *c.p <= '9') {
		while (c.p < c.end && *c.p >= '0' && *c.p <= '9')
			c.p++;
		if (c.p + 1 < c.end && *c.p == '.' && c.p[1] >= '0' && c.p[1] <= '9') {
			c.p++;
			while (c.p < c.end && *c.p >= '0' && *c.p <= '9')
				c.p++;
		}
	} else if (!take(&c, "true") && !take(&c, "false")) {
		return false;
	}
	skip_ws(&c);
	return take(&c, ",");
}

static bool
json_empty(struct cur c)
{
	skip_ws(&c);
	if (!take(&c, "[]") && !take(&c, "{}"))
		return false;
	skip_ws(&c);
	return c.p == c.end;
}

static bool
json_match(const uint8_t *d, uint32_t len)
{
	struct cur c = {d, d + len};

	skip_bom(&c);
	return json_object(c) || json_array(c) || json_empty(c);
}

/* Zeek's file-plaintext: an optional BOM, then ten printable or space bytes. */
static bool
plain_match(const uint8_t *d, uint32_t len)
{
	struct cur c = {d, d + len};

	if (!take(&c, "\xef\xbb\xbf") && !take(&c, "\x00\x00\xfe\xff") && !take(&c, "\xfe\xff") &&
		!take(&c, "\xff\xfe\x00\x00"))
		take(&c, "\xff\xfe");
	if (c.end - c.p < 10)
		return false;
	for (int i = 0; i < 10; i++) {
		uint8_t ch = c.p[i];
		if (!(ch >= 0x20 && ch <= 0x7e) && !(ch >= '\t' && ch <= '\r'))
			return false;
	}
	return true;
}

static bool
javascript_match(const uint8_t *d, uint32_t len)
{
	struct cur c = {d, d + len};
	struct cur t;

	t = c;
	if (take(&t, "(function()")) {
		while (t.p < t.end && (*t.p == ' ' || *t.p == '\t' || *t.p == '\n'))
			t.p++;
		if (take(&t, "{"))
			return true;
	}
	skip_ws(&c);
	t = c;
	if (take(&t, "for (;;);"))
		return true;
	t = c;
	if (take(&t, "document.write")) {
		take(&t, "ln");
		if (t.p < t.end && (*t.p == ' ' || *t.p == '\t'))
			t.p++;
		if (take(&t, "("))
			return true;
	}
	t = c;
	if (take_ci(&t, "<script>")) {
		skip_ws(&t);
		return take(&t, "var ") || take(&t, "function ");
	}
	t = c;
	if (take_ci(&t, "<script") && t.p < t.end && (*t.p == ' ' || *t.p == '\t')) {
		while (t.p < t.end && (*t.p == ' ' || *t.p == '\t'))
			t.p++;
		if (!take_ci(&t, "type=") && !take_ci(&t, "language="))
			return false;
		if (t.p < t.end && (*t.p == '\'' || *t.p == '"'))
			t.p++;
		take_ci(&t, "text/");
		return take_ci(&t, "javascript");
	}
	return false;
}

/* "#!" and, within 15 bytes, "bin/" and an optional "env ": the interpreter. */
static const char *
shebang_mime(const uint8_t *d, uint32_t len, int *strength)
{
	static const struct {
		const char *name;
		const char *mime;
		int strength;
	} interp[] = {
		{"bash", "text/x-shellscript", 250},
		{"tcsh", "text/x-shellscript", 250},
		{"csh", "text/x-shellscript", 250},
		{"zsh", "text/x-shellscript", 250},
		{"ksh", "text/x-shellscript", 250},
		{"sh", "text/x-shellscript", 250},
		{"perl", "text/x-perl", 60},
		{"ruby", "text/x-ruby", 60},
		{"python", "text/x-python", 60},
		{"awk", "text/x-awk", 60},
		{"gawk", "text/x-awk", 60},
		{"nawk", "text/x-awk", 60},
		{"php", "text/x-php", 60},
		{"node", "application/javascript", 60},
		{"lua", "text/x-lua", 49},
		{"tcl", "text/x-tcl", 60},
		{"wish", "text/x-tcl", 60},
	};
	if (len < 3 || d[0] != '#' || d[1] != '!')
		return NULL;
	for (uint32_t i = 3; i <= 17 && i + 4 <= len; i++) {
		if (d[i - 1] == '\n')
			return NULL;
		if (memcmp(d + i, "bin/", 4) != 0)
			continue;
		struct cur c = {d + i + 4, d + len};
		if (take(&c, "env")) {
			if (c.p >= c.end || !is_blank_nl(*c.p))
				c.p -= 3;
			else
				skip_ws(&c);
		}
		for (size_t k = 0; k < VG_ARRAY_SIZE(interp); k++) {
			struct cur t = c;
			if (take(&t, interp[k].name)) {
				*strength = interp[k].strength;
				return interp[k].mime;
			}
		}
	}
	return NULL;
}

static void
consider(const char **best, int *best_s, const char *mime, int s)
{
	if (mime && (!*best || s > *best_s)) {
		*best = mime;
		*best_s = s;
	}
}

const char *
vg_mime_sniff(const uint8_t *d, uint32_t len)
{
	const char *best = NULL;
	int best_s = 0;

	if (!d || len == 0)
		return NULL;
	for (size_t i = 0; i < VG_ARRAY_SIZE(magic); i++) {
		const struct magic *m = &magic[i];
		if ((uint32_t)m->off + m->len <= len && memcmp(d + m->off, m->bytes, m->len) == 0)
			consider(&best, &best_s, m->mime, m->strength);
	}
	/* ELF: the object type picks the name (Zeek's file-elf*). */
	if (len >= 18 &&
		memcmp(d,
			"\x7f"
			"ELF",
			4) == 0 &&
		(d[4] == 1 || d[4] == 2)) {
		static const char *elf[] = {NULL, "application/x-object",
			"application/x-executable", "application/x-sharedlib",
			"application/x-coredump"};
		uint16_t type = d[5] == 2 ? vg_be16(d + 16) : vg_le16(d + 16);
		if (type >= 1 && type <= 4)
			consider(&best, &best_s, elf[type], 50);
	}
	/* BMP: "BM", then a header size at offset 14 that a BMP can have. */
	if (len >= 16 && d[0] == 'B' && d[1] == 'M' && d[15] == 0 &&
		(d[14] == 0x0c || d[14] == 0x28 || d[14] == 0x40 || d[14] == 0x6c ||
			d[14] == 0x7c || d[14] == 0x80))
		consider(&best, &best_s, "image/x-ms-bmp", 50);

	int s = html_strength(d, len);
	if (s >= 0)
		consider(&best, &best_s, "text/html", s);
	else if (s == -2)
		consider(&best, &best_s, "text/rss", 90);
	if (xml_match(d, len))
		consider(&best, &best_s, "application/xml", 10);
	if (json_match(d, len))
		consider(&best, &best_s, "text/json", 1);
	if (javascript_match(d, len))
		consider(&best, &best_s, "application/javascript", 60);
	struct cur c = {d, d + len};
	if (find_on_line(&c, "<?php"))
		consider(&best, &best_s, "text/x-php", 40);
	int ss = 0;
	const char *sh = shebang_mime(d, len, &ss);
	consider(&best, &best_s, sh, ss);
	if (plain_match(d, len))
		consider(&best, &best_s, "text/plain", -20);
	return best;
}
