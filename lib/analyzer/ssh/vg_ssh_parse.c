/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SSH framing: the banner line, then SSH-2 binary packets (uint32 length,
 * padding length, type, payload, padding; RFC 4253 6) or SSH-1 packets
 * (uint32 length, 8 - length % 8 bytes of padding, type, data, CRC), until
 * the direction turns encrypted. Every read is bounded by what arrived;
 * packets are assembled across deliveries.
 */
#include <string.h>

#include "vg_ssh.h"

/* SSH-2 message types (RFC 4253 12). */
#define SSH_MSG_KEXINIT 20
#define SSH_MSG_NEWKEYS 21

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A whole banner line (without its line end) arrived. */
static void
line_done(struct vg_ssh *s, struct vg_an_ctx *cx, bool is_orig)
{
	struct vg_ssh_dir *d = &s->dir[!is_orig];
	uint32_t n = d->line_len > VG_SSH_PKT_KEEP ? VG_SSH_PKT_KEEP : d->line_len;
	const char *line = (const char *)d->pkt;
	uint32_t total = d->line_len;

	d->line_len = 0;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (n >= 4 && memcmp(line, "SSH-", 4) == 0) {
		d->state = VG_SSH_KEX;
		vg_ssh_version(s, cx, is_orig, line, n > VG_SSH_LINE_MAX ? VG_SSH_LINE_MAX : n);
		return;
	}
	/* RFC 4253 4.2: a server may send other lines before its version. */
	d->pre_bytes += total + 1;
	if (d->pre_bytes > VG_SSH_PRE_BYTES) {
		vg_an_weird(cx, "malformed_ssh_identification", NULL);
		vg_an_violate(cx, "no SSH identification");
	}
}

/* Reads banner bytes; returns how many were used. */
static uint32_t
feed_line(struct vg_ssh *s, struct vg_an_ctx *cx, bool is_orig, const uint8_t *p, uint32_t len)
{
	struct vg_ssh_dir *d = &s->dir[!is_orig];
	const uint8_t *nl = memchr(p, '\n', len);
	uint32_t take = nl != NULL ? (uint32_t)(nl - p) : len;
	uint32_t room =
		VG_SSH_PKT_KEEP - (d->line_len < VG_SSH_PKT_KEEP ? d->line_len : VG_SSH_PKT_KEEP);
	uint32_t keep = take < room ? take : room;

	memcpy(d->pkt + (d->line_len < VG_SSH_PKT_KEEP ? d->line_len : VG_SSH_PKT_KEEP), p, keep);
	d->line_len += take;
	if (nl == NULL)
		return len;
	line_done(s, cx, is_orig);
	return take + 1;
}

/* Bytes of the packet that follow the length word, by the connection's version. */
static bool
packet_size(const struct vg_ssh *s, uint32_t plen, uint32_t *rest)
{
	if (s->version == VG_SSH_1) {
		/* ssh-protocol.pac get_kex_length(): length + padding to 8, CRC included. */
		if (plen < 5 || plen > VG_SSH_PKT_MAX)
			return false;
		*rest = plen + 8 - plen % 8;
		return true;
	}
	if (plen < 2 || plen > VG_SSH_PKT_MAX)
		return false;
	*rest = plen;
	return true;
}

/* A whole SSH-2 packet (its first VG_SSH_PKT_KEEP bytes in d->pkt) arrived. */
static void
ssh2_packet(struct vg_ssh *s, struct vg_an_ctx *cx, bool is_orig, uint32_t plen)
{
	struct vg_ssh_dir *d = &s->dir[!is_orig];
	uint8_t pad = d->pkt[0], type = d->pkt[1];
	uint32_t payload_len = plen >= (uint32_t)pad + 2 ? plen - pad - 2 : 0;
	uint32_t kept = d->have > 2 ? d->have - 2 : 0;

	if (payload_len > kept)
		payload_len = kept; /* parsed from what was kept; the rest was skipped */
	if (type == SSH_MSG_NEWKEYS) {
		d->state = VG_SSH_ENCRYPTED;
		vg_ssh_confirm(s, cx);
		return;
	}
	if (type == SSH_MSG_KEXINIT)
		vg_ssh_kexinit(s, cx, is_orig, d->pkt + 2, payload_len);
	else
		vg_ssh_kex_msg(s, cx, type, d->pkt + 2, payload_len);
}

/* A whole SSH-1 packet arrived: its key messages end the clear part. */
static void
ssh1_packet(struct vg_ssh *s, struct vg_an_ctx *cx, bool is_orig)
{
	s->dir[!is_orig].state = VG_SSH_ENCRYPTED;
	if (!is_orig)
		vg_ssh_confirm(s, cx);
}

/* Reads packet bytes; returns how many were used. */
static uint32_t
feed_packet(struct vg_ssh *s, struct vg_an_ctx *cx, bool is_orig, const uint8_t *p, uint32_t len)
{
	struct vg_ssh_dir *d = &s->dir[!is_orig];
	uint32_t used = 0;

	if (d->hdr_have < 4) {
		uint32_t n = 4u - d->hdr_have < len ? 4u - d->hdr_have : len;

		memcpy(d->hdr + d->hdr_have, p, n);
		d->hdr_have = (uint8_t)(d->hdr_have + n);
		used = n;
		if (d->hdr_have < 4)
			return used;
		/* ssh-protocol.pac frames key exchange packets by the version both
		 * banners agree on; without it (one side's banner missing, or 1.x
		 * against 2.0) the parser fails. */
		if (s->version == VG_SSH_UNK) {
			vg_an_violate(cx, "SSH version unknown");
			s->had_gap = true;
			return len;
		}
		if (!packet_size(s, be32(d->hdr), &d->need)) {
			vg_an_violate(cx, "bad SSH packet length");
			s->had_gap = true; /* nothing more can be framed */
			return len;
		}
		d->have = 0;
	}
	uint32_t n = len - used < d->need ? len - used : d->need;
	uint32_t room = VG_SSH_PKT_KEEP - d->have;

	memcpy(d->pkt + d->have, p + used, n < room ? n : room);
	d->have += n < room ? n : room;
	d->need -= n;
	used += n;
	if (d->need > 0)
		return used;
	d->hdr_have = 0;
	if (s->version == VG_SSH_1)
		ssh1_packet(s, cx, is_orig);
	else
		ssh2_packet(s, cx, is_orig, be32(d->hdr));
	return used;
}

uint32_t
vg_ssh_feed(struct vg_ssh *s, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len)
{
	struct vg_ssh_dir *d = &s->dir[!is_orig];
	uint32_t off = 0;

	while (off < len && !s->had_gap) {
		if (d->state == VG_SSH_ENCRYPTED)
			return len - off; /* the rest of this delivery is encrypted */
		if (d->state == VG_SSH_VERSION)
			off += feed_line(s, cx, is_orig, data + off, len - off);
		else
			off += feed_packet(s, cx, is_orig, data + off, len - off);
	}
	return 0;
}
