/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen mirror wrapping: open the --in capture and tell whether its time stamps have
 * nanosecond resolution, so that the output keeps them. libpcap scales every file to the
 * precision it is asked for and does not say which one the file has, so the file's first bytes
 * are read here: the pcap magic number, or the if_tsresol option of the pcapng interfaces
 * described before the first packet. A pipe cannot be rewound, so those bytes are then given
 * back through a cookie stream.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vg_wrap.h"

#define VG_SNIFF_LEN (64u * 1024u)

#define VG_PCAP_MAGIC_NS 0xa1b23c4du
#define VG_PCAPNG_SHB    0x0a0d0d0au
#define VG_PCAPNG_BOM    0x1a2b3c4du
#define VG_PCAPNG_IDB    1u
#define VG_PCAPNG_PB     2u /* obsolete packet block */
#define VG_PCAPNG_SPB    3u
#define VG_PCAPNG_EPB    6u
#define VG_OPT_TSRESOL   9u

struct vg_replay {
	FILE *fp;
	uint8_t *buf;
	size_t len;
	size_t pos;
};

static uint32_t
vg_rd32(const uint8_t *p, bool be)
{
	if (be)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t
vg_rd16(const uint8_t *p, bool be)
{
	return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

/* if_tsresol: 10^-v, or 2^-v with the top bit set; finer than 1 us needs nanoseconds. */
static bool
vg_tsresol_fine(uint8_t v)
{
	if (v & 0x80)
		return (v & 0x7f) >= 20;
	return v > 6;
}

/* Does this pcapng interface description block (body of blen bytes) have a fine resolution? */
static bool
vg_idb_fine(const uint8_t *b, uint32_t blen, bool be)
{
	uint32_t off = 8; /* link type, reserved, snaplen */

	while (off + 4 <= blen) {
		uint16_t code = vg_rd16(b + off, be);
		uint16_t olen = vg_rd16(b + off + 2, be);

		if (code == 0)
			break;
		if (code == VG_OPT_TSRESOL && olen == 1 && off + 5 <= blen)
			return vg_tsresol_fine(b[off + 4]);
		off += 4 + ((olen + 3u) & ~3u);
	}
	return false;
}

/* Nanosecond time stamps in a capture that starts with these bytes? */
static bool
vg_sniff_nano(const uint8_t *b, size_t n)
{
	uint32_t off;
	bool be;

	if (n < 4)
		return false;
	if (vg_rd32(b, true) == VG_PCAP_MAGIC_NS || vg_rd32(b, false) == VG_PCAP_MAGIC_NS)
		return true;
	if (vg_rd32(b, true) != VG_PCAPNG_SHB || n < 12)
		return false;
	be = vg_rd32(b + 8, true) == VG_PCAPNG_BOM;
	off = 0;
	while (off + 12 <= n) {
		uint32_t type = vg_rd32(b + off, be);
		uint32_t blen = vg_rd32(b + off + 4, be);

		if (blen < 12 || blen > n - off)
			break;
		if (type == VG_PCAPNG_PB || type == VG_PCAPNG_SPB || type == VG_PCAPNG_EPB)
			break;
		if (type == VG_PCAPNG_IDB && vg_idb_fine(b + off + 8, blen - 12, be))
			return true;
		off += blen;
	}
	return false;
}

static ssize_t
vg_replay_read(void *cookie, char *buf, size_t size)
{
	struct vg_replay *r = cookie;
	size_t n;

	if (r->pos < r->len) {
		n = r->len - r->pos;
		if (n > size)
			n = size;
		memcpy(buf, r->buf + r->pos, n);
		r->pos += n;
		return (ssize_t)n;
	}
	n = fread(buf, 1, size, r->fp);
	if (n == 0 && ferror(r->fp))
		return -1;
	return (ssize_t)n;
}

static int
vg_replay_close(void *cookie)
{
	struct vg_replay *r = cookie;
	int rc = r->fp == stdin ? 0 : fclose(r->fp);

	free(r->buf);
	free(r);
	return rc;
}

/*
 * Open path ("-" for stdin) for pcap_fopen_offline(), and set *nano when its time stamps have
 * nanosecond resolution. Returns NULL with a message in err on failure.
 */
FILE *
vg_wrap_open_input(const char *path, bool *nano, char *err, size_t errlen)
{
	cookie_io_functions_t io = {.read = vg_replay_read, .close = vg_replay_close};
	struct vg_replay *r;
	uint8_t *buf;
	FILE *fp, *cf;
	size_t n;

	*nano = false;
	fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (fp == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	buf = malloc(VG_SNIFF_LEN);
	if (buf == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	n = fread(buf, 1, VG_SNIFF_LEN, fp);
	if (n == 0 && ferror(fp)) {
		snprintf(err, errlen, "%s", strerror(errno));
		free(buf);
		goto fail;
	}
	*nano = vg_sniff_nano(buf, n);
	if (fp != stdin && fseeko(fp, 0, SEEK_SET) == 0) {
		free(buf);
		return fp;
	}
	r = malloc(sizeof(*r));
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		free(buf);
		goto fail;
	}
	r->fp = fp;
	r->buf = buf;
	r->len = n;
	r->pos = 0;
	cf = fopencookie(r, "rb", io);
	if (cf == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		free(buf);
		free(r);
		goto fail;
	}
	return cf;
fail:
	if (fp != stdin)
		fclose(fp);
	return NULL;
}
