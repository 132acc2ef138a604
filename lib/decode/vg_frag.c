/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 and IPv6 fragment reassembly with bounded memory and time.
 *
 * A fixed number of slots, each with a 64 KiB buffer, is allocated once; a
 * datagram that is not complete within the timeout, or that loses its slot to
 * a newer one when all are busy, is dropped and counted (frag_timeouts,
 * frag_evicted). The received byte ranges of a slot are kept merged, so
 * completion is one comparison.
 *
 * Every fragment costs O(1) whatever the number of slots: a slot is found
 * through a hash table (chained, keyed with the process's hash key so that
 * nobody can aim fragments at one chain), and busy slots sit on a list in the
 * order they were opened, so the ones to time out and the one to evict are
 * at its head. A flood of fragments that never complete therefore costs a
 * lookup, an insert and at most one eviction per fragment.
 */
#include <errno.h>
#include <stdlib.h>

#include "vg_decode.h"
#include "vg_decode_private.h"
#include "vg_hash.h"

#define FRAG_MAX_DGRAM       65535u
#define FRAG_MAX_HDR         (40u + 256u)
#define FRAG_MAX_RANGES      32
#define FRAG_DEFAULT_SLOTS   128
#define FRAG_DEFAULT_TIMEOUT (30ULL * VG_NS_PER_SEC)
#define FRAG_NIL             UINT32_MAX

struct frag_range {
	uint32_t lo, hi; /* [lo, hi) of the payload received */
};

struct frag_slot {
	struct vg_frag_key key;
	uint8_t used;
	uint8_t nranges;
	uint32_t hdr_len;
	uint32_t total; /* payload length once the last fragment is seen, else 0 */
	uint32_t bucket;
	uint32_t hnext;              /* hash chain; free list when unused */
	uint32_t age_prev, age_next; /* busy slots, oldest first */
	uint64_t first_ns;
	struct frag_range ranges[FRAG_MAX_RANGES];
	uint8_t *buf; /* header then payload */
};

#define FRAG_OUT_BUFS (VG_DECODE_MAX_HELD + 8) /* plus tunnels nested in one packet */

struct vg_frag_table {
	uint32_t nslots;
	uint32_t mask; /* buckets - 1 */
	uint64_t timeout_ns;
	struct frag_slot *slots;
	uint32_t *buckets;
	uint32_t free_head;
	uint32_t age_head, age_tail;
	uint8_t *mem;
	uint8_t *out[FRAG_OUT_BUFS];
	uint32_t out_next;
};

struct vg_frag_table *
vg_frag_table_create(uint32_t slots, uint64_t timeout_ns)
{
	struct vg_frag_table *t;
	uint32_t nb = 1;

	if (slots == 0)
		slots = FRAG_DEFAULT_SLOTS;
	if (slots > (1u << 20)) {
		errno = EINVAL;
		return NULL;
	}
	while (nb < 2 * slots)
		nb <<= 1;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->nslots = slots;
	t->mask = nb - 1;
	t->timeout_ns = timeout_ns ? timeout_ns : FRAG_DEFAULT_TIMEOUT;
	t->slots = calloc(slots, sizeof(*t->slots));
	t->buckets = malloc(nb * sizeof(*t->buckets));
	t->mem = malloc((size_t)(slots + FRAG_OUT_BUFS) * (FRAG_MAX_HDR + FRAG_MAX_DGRAM));
	if (t->slots == NULL || t->buckets == NULL || t->mem == NULL) {
		vg_frag_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	for (uint32_t i = 0; i < nb; i++)
		t->buckets[i] = FRAG_NIL;
	for (uint32_t i = 0; i < slots; i++) {
		t->slots[i].buf = t->mem + (size_t)i * (FRAG_MAX_HDR + FRAG_MAX_DGRAM);
		t->slots[i].hnext = i + 1 < slots ? i + 1 : FRAG_NIL;
	}
	t->free_head = 0;
	t->age_head = t->age_tail = FRAG_NIL;
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
	free(t->buckets);
	free(t->mem);
	free(t);
}

static bool
key_eq(const struct vg_frag_key *a, const struct vg_frag_key *b)
{
	return a->id == b->id && a->proto == b->proto && a->version == b->version &&
		vg_addr_cmp(&a->src, &b->src) == 0 && vg_addr_cmp(&a->dst, &b->dst) == 0;
}

static uint32_t
key_bucket(const struct vg_frag_table *t, const struct vg_frag_key *k)
{
	uint64_t h = vg_hash_flow(
		&k->src, 0, &k->dst, 0, k->proto, ((uint64_t)k->version << 32) | k->id, true);

	return (uint32_t)(h ^ (h >> 32)) & t->mask;
}

/* Takes slot i off its hash chain and the age list and frees it. */
static void
slot_release(struct vg_decoder *d, struct vg_frag_table *t, uint32_t i)
{
	struct frag_slot *s = &t->slots[i];
	uint32_t *pp = &t->buckets[s->bucket];

	while (*pp != i)
		pp = &t->slots[*pp].hnext;
	*pp = s->hnext;
	if (s->age_prev != FRAG_NIL)
		t->slots[s->age_prev].age_next = s->age_next;
	else
		t->age_head = s->age_next;
	if (s->age_next != FRAG_NIL)
		t->slots[s->age_next].age_prev = s->age_prev;
	else
		t->age_tail = s->age_prev;
	s->used = 0;
	s->hnext = t->free_head;
	t->free_head = i;
	d->stats.frag_active--;
}

static bool
slot_expired(const struct vg_frag_table *t, const struct frag_slot *s, uint64_t now)
{
	return now - s->first_ns > t->timeout_ns && now >= s->first_ns;
}

static struct frag_slot *
slot_find(
	struct vg_decoder *d, struct vg_frag_table *t, const struct vg_frag_key *key, uint64_t now)
{
	uint32_t b = key_bucket(t, key);

	/* Datagrams past the timeout are lost; they are the oldest, at the head. */
	while (t->age_head != FRAG_NIL && slot_expired(t, &t->slots[t->age_head], now)) {
		slot_release(d, t, t->age_head);
		d->stats.frag_timeouts++;
		d->stats.weird[VG_WEIRD_FRAG_TABLE_FULL]++;
	}
	for (uint32_t i = t->buckets[b]; i != FRAG_NIL; i = t->slots[i].hnext)
		if (key_eq(&t->slots[i].key, key))
			return &t->slots[i];
	if (t->free_head == FRAG_NIL) {
		/* All busy: the oldest datagram gives way. */
		slot_release(d, t, t->age_head);
		d->stats.frag_evicted++;
		d->stats.weird[VG_WEIRD_FRAG_TABLE_FULL]++;
	}
	uint32_t i = t->free_head;
	struct frag_slot *s = &t->slots[i];

	t->free_head = s->hnext;
	s->hnext = t->buckets[b];
	t->buckets[b] = i;
	s->bucket = b;
	s->age_next = FRAG_NIL;
	s->age_prev = t->age_tail;
	if (t->age_tail != FRAG_NIL)
		t->slots[t->age_tail].age_next = i;
	else
		t->age_head = i;
	t->age_tail = i;
	s->key = *key;
	s->used = 1;
	s->nranges = 0;
	s->hdr_len = 0;
	s->total = 0;
	s->first_ns = now;
	d->stats.frag_opened++;
	d->stats.frag_active++;
	return s;
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
		slot_release(d, t, (uint32_t)(s - t->slots));
		return NULL;
	}
	if (!more) {
		uint32_t total = off + data_len;

		if (s->total != 0 && s->total != total) {
			vg_pkt_weird(
				d, pkt, VG_WEIRD_FRAG_INCONSISTENCY, VG_WEIRD_SCOPE_FLOW, NULL);
			slot_release(d, t, (uint32_t)(s - t->slots));
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
			slot_release(d, t, (uint32_t)(s - t->slots));
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
	*out_len = dlen;
	/*
	 * The datagram is handed out from one of a few rotating buffers, not from
	 * the slot (which the next fragment may take): a worker may hold several
	 * decoded packets at once (vg_worker_burst decodes ahead).
	 */
	uint8_t *out = t->out[t->out_next++ % FRAG_OUT_BUFS];

	memcpy(out, s->buf, dlen);
	slot_release(d, t, (uint32_t)(s - t->slots));
	return out;
}
