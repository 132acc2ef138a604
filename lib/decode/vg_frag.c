/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 and IPv6 fragment reassembly with bounded memory and time.
 *
 * A fixed number of slots, each with a 64 KiB buffer, is allocated once; a
 * datagram that is not complete within the timeout, or that loses its slot to
 * a newer one when all are busy, is dropped and counted. The received byte
 * ranges of a slot are kept merged, so completion is one comparison.
 */
#include <errno.h>
#include <stdlib.h>

#include "vg_decode.h"
#include "vg_decode_private.h"

#define FRAG_MAX_DGRAM       65535u
#define FRAG_MAX_HDR         (40u + 256u)
#define FRAG_MAX_RANGES      32
#define FRAG_DEFAULT_SLOTS   128
#define FRAG_DEFAULT_TIMEOUT (30ULL * VG_NS_PER_SEC)

struct frag_range {
	uint32_t lo, hi; /* [lo, hi) of the payload received */
};

struct frag_slot {
	struct vg_frag_key key;
	uint8_t used;
	uint8_t nranges;
	uint32_t hdr_len;
	uint32_t total; /* payload length once the last fragment is seen, else 0 */
	uint64_t first_ns;
	struct frag_range ranges[FRAG_MAX_RANGES];
	uint8_t *buf; /* header then payload */
};

#define FRAG_OUT_BUFS (VG_DECODE_MAX_HELD + 8) /* plus tunnels nested in one packet */

struct vg_frag_table {
	uint32_t nslots;
	uint64_t timeout_ns;
	struct frag_slot *slots;
	uint8_t *mem;
	uint8_t *out[FRAG_OUT_BUFS];
	uint32_t out_next;
};

struct vg_frag_table *
vg_frag_table_create(uint32_t slots, uint64_t timeout_ns)
{
	struct vg_frag_table *t;

	if (slots == 0)
		slots = FRAG_DEFAULT_SLOTS;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->nslots = slots;
	t->timeout_ns = timeout_ns ? timeout_ns : FRAG_DEFAULT_TIMEOUT;
	t->slots = calloc(slots, sizeof(*t->slots));
	t->mem = malloc((size_t)(slots + FRAG_OUT_BUFS) * (FRAG_MAX_HDR + FRAG_MAX_DGRAM));
	if (t->slots == NULL || t->mem == NULL) {
		vg_frag_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	for (uint32_t i = 0; i < slots; i++)
		t->slots[i].buf = t->mem + (size_t)i * (FRAG_MAX_HDR + FRAG_MAX_DGRAM);
	for (uint32_t i = 0; i < FRAG_OUT_BUFS; i++)
		t->out[i] = t->mem + (size_t)(slots + i) * (FRAG_MAX_HDR + FRAG_MAX_DGRAM);
	return t;
}

void
vg_frag_table_free(struct vg_frag_table *t)
{
	if (t == NULL)
		return;
	free(t->slots);
	free(t->mem);
	free(t);
}

static bool
key_eq(const struct vg_frag_key *a, const struct vg_frag_key *b)
{
	return a->id == b->id && a->proto == b->proto && a->version == b->version &&
		vg_addr_cmp(&a->src, &b->src) == 0 && vg_addr_cmp(&a->dst, &b->dst) == 0;
}

static struct frag_slot *
slot_find(
	struct vg_decoder *d, struct vg_frag_table *t, const struct vg_frag_key *key, uint64_t now)
{
	struct frag_slot *free_slot = NULL, *oldest = NULL;

	for (uint32_t i = 0; i < t->nslots; i++) {
		struct frag_slot *s = &t->slots[i];

		if (s->used && now - s->first_ns > t->timeout_ns && now >= s->first_ns) {
			s->used = 0; /* timed out: the datagram is lost */
			d->stats.weird[VG_WEIRD_FRAG_TABLE_FULL]++;
		}
		if (!s->used) {
			if (free_slot == NULL)
				free_slot = s;
			continue;
		}
		if (key_eq(&s->key, key))
			return s;
		if (oldest == NULL || s->first_ns < oldest->first_ns)
			oldest = s;
	}
	if (free_slot == NULL) {
		free_slot = oldest;
		d->stats.weird[VG_WEIRD_FRAG_TABLE_FULL]++;
	}
	memset(free_slot->ranges, 0, sizeof(free_slot->ranges));
	free_slot->key = *key;
	free_slot->used = 1;
	free_slot->nranges = 0;
	free_slot->hdr_len = 0;
	free_slot->total = 0;
	free_slot->first_ns = now;
	return free_slot;
}

/* Adds [lo, hi) to the merged range list; false when the list is full. */
static bool
range_add(struct frag_slot *s, uint32_t lo, uint32_t hi)
{
	struct frag_range merged = {lo, hi};
	uint8_t out = 0;
	struct frag_range tmp[FRAG_MAX_RANGES + 1];
	bool placed = false;

	for (uint8_t i = 0; i < s->nranges; i++) {
		struct frag_range r = s->ranges[i];

		if (r.hi < merged.lo) {
			tmp[out++] = r;
		} else if (r.lo > merged.hi) {
			if (!placed) {
				tmp[out++] = merged;
				placed = true;
			}
			tmp[out++] = r;
		} else {
			merged.lo = VG_MIN(merged.lo, r.lo);
			merged.hi = VG_MAX(merged.hi, r.hi);
		}
	}
	if (!placed)
		tmp[out++] = merged;
	if (out > FRAG_MAX_RANGES)
		return false;
	memcpy(s->ranges, tmp, out * sizeof(tmp[0]));
	s->nranges = out;
	return true;
}

static bool
range_overlaps(const struct frag_slot *s, uint32_t lo, uint32_t hi)
{
	for (uint8_t i = 0; i < s->nranges; i++)
		if (s->ranges[i].lo < hi && lo < s->ranges[i].hi)
			return true;
	return false;
}

const uint8_t *
vg_frag_add(struct vg_decoder *d, struct vg_pkt *pkt, const struct vg_frag_key *key,
	const uint8_t *hdr, uint32_t hdr_len, const uint8_t *data, uint32_t data_len, uint32_t off,
	bool more, uint32_t *out_len)
{
	struct vg_frag_table *t = d->frags;
	struct frag_slot *s;

	if (t == NULL || hdr_len > FRAG_MAX_HDR) {
		vg_pkt_weird(d, pkt, VG_WEIRD_FRAG_TABLE_FULL, VG_WEIRD_SCOPE_FLOW, NULL);
		return NULL;
	}
	if ((uint64_t)off + data_len + hdr_len > FRAG_MAX_DGRAM) {
		vg_pkt_weird(d, pkt, VG_WEIRD_FRAG_TOO_LARGE, VG_WEIRD_SCOPE_FLOW, NULL);
		return NULL;
	}
	if (more && (data_len % 8) != 0) {
		vg_pkt_weird(d, pkt, VG_WEIRD_FRAG_SIZE_INCONSISTENCY, VG_WEIRD_SCOPE_FLOW, NULL);
		return NULL;
	}
	s = slot_find(d, t, key, pkt->ts_ns);
	/* The first fragment's header becomes the datagram's header; until it
	 * arrives, a later fragment's unfragmentable part stands in (same length). */
	if (s->hdr_len == 0 || (off == 0 && s->hdr_len == hdr_len)) {
		memcpy(s->buf, hdr, hdr_len);
		s->hdr_len = hdr_len;
	}
	if (s->hdr_len != hdr_len) {
		vg_pkt_weird(d, pkt, VG_WEIRD_FRAG_INCONSISTENCY, VG_WEIRD_SCOPE_FLOW, NULL);
		s->used = 0;
		return NULL;
	}
	if (!more) {
		uint32_t total = off + data_len;

		if (s->total != 0 && s->total != total) {
			vg_pkt_weird(
				d, pkt, VG_WEIRD_FRAG_INCONSISTENCY, VG_WEIRD_SCOPE_FLOW, NULL);
			s->used = 0;
			return NULL;
		}
		s->total = total;
	}
	if (data_len > 0) {
		if (range_overlaps(s, off, off + data_len)) {
			vg_pkt_weird(d, pkt, VG_WEIRD_FRAG_OVERLAP, VG_WEIRD_SCOPE_FLOW, NULL);
			/* The later copy of overlapping bytes wins. */
		}
		memcpy(s->buf + s->hdr_len + off, data, data_len);
		if (!range_add(s, off, off + data_len)) {
			vg_pkt_weird(d, pkt, VG_WEIRD_FRAG_TABLE_FULL, VG_WEIRD_SCOPE_FLOW, NULL);
			s->used = 0;
			return NULL;
		}
	}
	if (s->total == 0 || s->nranges != 1 || s->ranges[0].lo != 0 || s->ranges[0].hi != s->total)
		return NULL;
	/* Complete: fix the IPv4 length and fragment fields, hand the datagram out. */
	uint32_t dlen = s->hdr_len + s->total;

	if (key->version == 4) {
		s->buf[2] = (uint8_t)(dlen >> 8);
		s->buf[3] = (uint8_t)dlen;
		s->buf[6] = 0;
		s->buf[7] = 0;
	}
	s->used = 0;
	*out_len = dlen;
	/*
	 * The datagram is handed out from one of a few rotating buffers, not from
	 * the slot (which the next fragment may take): a worker may hold several
	 * decoded packets at once (vg_worker_burst decodes ahead).
	 */
	uint8_t *out = t->out[t->out_next++ % FRAG_OUT_BUFS];

	memcpy(out, s->buf, dlen);
	return out;
}
