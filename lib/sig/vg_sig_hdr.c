/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header tests, as Zeek's RuleMatcher::InitEndpoint evaluates them on the
 * packet that opened a direction (src/RuleMatcher.cc): addresses against
 * prefixes, the transport protocol, and `size` bytes at `offset` of a header
 * compared under a mask. A list with == holds when one value does, with !=
 * when none does, and <, <=, >, >= when one does (Zeek's compare()).
 */
#include "vg_sig_private.h"

static bool
cmp_one(uint8_t cmp, uint32_t a, uint32_t b)
{
	switch (cmp) {
	case VG_SIG_EQ:
	case VG_SIG_NE:
		return a == b;
	case VG_SIG_LT:
		return a < b;
	case VG_SIG_LE:
		return a <= b;
	case VG_SIG_GT:
		return a > b;
	case VG_SIG_GE:
		return a >= b;
	}
	return false;
}

bool
vg_sig_cmp_list(const struct vg_sig_hdr *h, uint32_t v)
{
	bool any = false;

	for (uint32_t i = 0; i < h->nvals && !any; i++)
		any = cmp_one(h->cmp, v & h->vals[i].mask, h->vals[i].val);
	return h->cmp == VG_SIG_NE ? !any : any;
}

static bool
in_prefix(const struct vg_sig_prefix *p, const struct vg_addr *a)
{
	uint32_t full = p->len / 8, rest = p->len % 8;

	if (full > 16)
		return false;
	if (memcmp(p->addr, a->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));

	return (p->addr[full] & mask) == (a->b[full] & mask);
}

/* Zeek compares prefixes with == and != only; other comparisons never hold. */
static bool
addr_test(const struct vg_sig_hdr *h, const struct vg_addr *a)
{
	bool any = false;

	if (h->prefixes == NULL || (h->cmp != VG_SIG_EQ && h->cmp != VG_SIG_NE))
		return false;
	for (uint32_t i = 0; i < h->nvals && !any; i++)
		any = in_prefix(&h->prefixes[i], a);
	return h->cmp == VG_SIG_NE ? !any : any;
}

/* size bytes (1, 2 or 4) in network order; false when they are not there. */
static bool
read_be(const uint8_t *p, uint32_t avail, uint32_t off, uint8_t size, uint32_t *v)
{
	if (p == NULL || size == 0 || size > 4 || off > avail || avail - off < size)
		return false;
	uint32_t x = 0;

	for (uint8_t i = 0; i < size; i++)
		x = x << 8 | p[off + i];
	*v = x;
	return true;
}

/* `header proto[off:size]`: Zeek reads the IPv4 or IPv6 header, or the
 * bytes after the IP headers whatever the transport is. */
static bool
byte_test(const struct vg_sig_hdr *h, const struct vg_pkt *pkt)
{
	uint32_t v;
	const uint8_t *base;
	uint32_t avail;

	switch (h->proto) {
	case VG_SIG_PROTO_IP:
		if (pkt->ip_version != 4)
			return false;
		base = pkt->ip;
		avail = pkt->ip_hdr_len;
		break;
	case VG_SIG_PROTO_IP6:
		if (pkt->ip_version != 6)
			return false;
		base = pkt->ip;
		avail = 40;
		break;
	default:
		base = pkt->l4;
		avail = pkt->l4_cap;
		break;
	}
	return read_be(base, avail, h->offset, h->size, &v) && vg_sig_cmp_list(h, v);
}

static bool
port_test(const struct vg_sig_hdr *h, const struct vg_pkt *pkt, uint32_t off)
{
	uint32_t v;

	/* Zeek reads the first transport bytes as TCP's ports, for any protocol. */
	return read_be(pkt->l4, pkt->l4_cap, off, 2, &v) && vg_sig_cmp_list(h, v);
}

static bool
hdr_test(const struct vg_sig_hdr *h, const struct vg_pkt *pkt)
{
	switch (h->kind) {
	case VG_SIG_H_SRC_IP:
		return addr_test(h, &pkt->src);
	case VG_SIG_H_DST_IP:
		return addr_test(h, &pkt->dst);
	case VG_SIG_H_SRC_PORT:
		return port_test(h, pkt, 0);
	case VG_SIG_H_DST_PORT:
		return port_test(h, pkt, 2);
	case VG_SIG_H_IP_PROTO:
		return vg_sig_cmp_list(h, pkt->ip_proto);
	case VG_SIG_H_HEADER:
		return byte_test(h, pkt);
	}
	return false;
}

bool
vg_sig_hdr_match(const struct vg_sig_crule *r, const struct vg_pkt *pkt)
{
	for (uint32_t i = 0; i < r->nhdrs; i++)
		if (!hdr_test(&r->hdrs[i], pkt))
			return false;
	return true;
}

bool
vg_sig_hdr_match_conn(const struct vg_sig_crule *r, const struct vg_conn *c, bool is_orig)
{
	const struct vg_addr *src = is_orig ? &c->orig_h : &c->resp_h;
	const struct vg_addr *dst = is_orig ? &c->resp_h : &c->orig_h;
	uint16_t sp = is_orig ? c->orig_p : c->resp_p, dp = is_orig ? c->resp_p : c->orig_p;

	for (uint32_t i = 0; i < r->nhdrs; i++) {
		const struct vg_sig_hdr *h = &r->hdrs[i];
		bool ok;

		switch (h->kind) {
		case VG_SIG_H_SRC_IP:
			ok = addr_test(h, src);
			break;
		case VG_SIG_H_DST_IP:
			ok = addr_test(h, dst);
			break;
		case VG_SIG_H_SRC_PORT:
			ok = vg_sig_cmp_list(h, sp);
			break;
		case VG_SIG_H_DST_PORT:
			ok = vg_sig_cmp_list(h, dp);
			break;
		case VG_SIG_H_IP_PROTO:
			ok = vg_sig_cmp_list(h, c->ip_proto);
			break;
		default:
			ok = false;
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}
