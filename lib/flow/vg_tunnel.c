/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tunnels as Zeek's tunnel framework logs them: a tunnel is announced
 * (DISCOVER) when the first connection inside it appears; a UDP tunnel is
 * closed (CLOSE) when its outer connection ends. Inner connections carry the
 * uids of the tunnels they came through in tunnel_parents; when a connection's
 * packets arrive through changing tunnels (one per direction, say), the new
 * parent is added, up to five changes, after which history gets an 'X'.
 */
#include "vg_flow_private.h"

#define MAX_TUNNEL_CHANGES 5

/*
 * The uid of an IP tunnel follows from its endpoint pair, in either direction
 * (Zeek keys IP tunnels by the ordered address pair): same tunnel, same uid.
 */
static void
ip_tunnel_uid(const struct vg_flow_table *ft, struct vg_tunnel *t)
{
	uint64_t w[4];
	bool swap = vg_addr_cmp(&t->src, &t->dst) > 0;

	memcpy(w, swap ? t->dst.b : t->src.b, 16);
	memcpy(w + 2, swap ? t->src.b : t->dst.b, 16);
	uint64_t h = vg_flow_mix64(
		w[0] ^ vg_flow_mix64(w[1] ^ vg_flow_mix64(w[2] ^ vg_flow_mix64(w[3] ^ t->type))));

	t->uid[0] = vg_flow_mix64(h ^ ft->cfg.uid_seed);
	t->uid[1] = vg_flow_mix64(h + 0x632be59bd9b4e019ULL);
}

/*
 * The registry is an open-addressing set with linear probing; deletion shifts
 * later entries back, so no tombstones pile up. 0 marks an empty slot.
 */
static inline uint32_t
reg_slot(uint64_t key)
{
	return (uint32_t)vg_flow_mix64(key) & (VG_TUNNEL_REG_SLOTS - 1);
}

/* Adds a uid; true when it was not there (announce it). */
static bool
reg_add(struct vg_flow_table *ft, uint64_t key)
{
	uint32_t i = reg_slot(key |= 1);

	for (uint32_t n = 0; n < VG_TUNNEL_REG_SLOTS;
		n++, i = (i + 1) & (VG_TUNNEL_REG_SLOTS - 1)) {
		if (ft->tunnel_reg[i] == key)
			return false;
		if (ft->tunnel_reg[i] == 0) {
			if (ft->tunnel_reg_count + 1 < VG_TUNNEL_REG_SLOTS) {
				ft->tunnel_reg[i] = key;
				ft->tunnel_reg_count++;
			}
			return true;
		}
	}
	return true; /* full: announce again rather than never */
}

static bool
reg_remove(struct vg_flow_table *ft, uint64_t key)
{
	const uint32_t mask = VG_TUNNEL_REG_SLOTS - 1;
	uint32_t i = reg_slot(key |= 1);

	for (uint32_t n = 0; n < VG_TUNNEL_REG_SLOTS; n++, i = (i + 1) & mask) {
		if (ft->tunnel_reg[i] == 0)
			return false;
		if (ft->tunnel_reg[i] != key)
			continue;
		/* Shift back every later entry whose home slot allows it. */
		uint32_t hole = i, j = i;

		for (;;) {
			j = (j + 1) & mask;
			if (ft->tunnel_reg[j] == 0)
				break;
			uint32_t home = reg_slot(ft->tunnel_reg[j]);

			if (((j - home) & mask) >= ((j - hole) & mask)) {
				ft->tunnel_reg[hole] = ft->tunnel_reg[j];
				hole = j;
			}
		}
		ft->tunnel_reg[hole] = 0;
		ft->tunnel_reg_count--;
		return true;
	}
	return false;
}

static void
announce(struct vg_flow_table *ft, const struct vg_tunnel *t, uint64_t ts)
{
	if (reg_add(ft, t->uid[0]))
		vg_tunnel_log(ft, ts, t->uid, t->type, &t->src, t->sport, &t->dst, t->dport, false);
}

static void
add_parent(struct vg_conn *c, const uint64_t uid[2])
{
	for (uint8_t i = 0; i < c->nparents; i++)
		if (c->parent_uid[i][0] == uid[0] && c->parent_uid[i][1] == uid[1])
			return;
	if (c->nparents < VG_MAX_TUNNELS) {
		c->parent_uid[c->nparents][0] = uid[0];
		c->parent_uid[c->nparents][1] = uid[1];
		c->nparents++;
	}
}

void
vg_tunnels_on_packet(struct vg_flow_table *ft, struct vg_conn *c, struct vg_pkt *pkt, bool created)
{
	uint64_t h = 0;

	if (pkt->ntunnels == 0 && c->encap_hash == 0)
		return;
	for (uint8_t i = 0; i < pkt->ntunnels; i++) {
		struct vg_tunnel *t = &pkt->tunnels[i];

		if (t->uid[0] == 0 && t->uid[1] == 0)
			ip_tunnel_uid(ft, t);
		h = vg_flow_mix64(h ^ t->uid[0] ^ vg_flow_mix64(t->uid[1]));
	}
	if (created) {
		for (uint8_t i = 0; i < pkt->ntunnels; i++)
			announce(ft, &pkt->tunnels[i], pkt->ts_ns);
		if (pkt->ntunnels > 0)
			add_parent(c, pkt->tunnels[pkt->ntunnels - 1].uid);
		c->encap_hash = h;
		return;
	}
	if (h == c->encap_hash)
		return;
	c->encap_hash = h;
	if (c->tunnel_changes < MAX_TUNNEL_CHANGES) {
		c->tunnel_changes++;
		for (uint8_t i = 0; i < pkt->ntunnels; i++)
			announce(ft, &pkt->tunnels[i], pkt->ts_ns);
		if (pkt->ntunnels > 0)
			add_parent(c, pkt->tunnels[pkt->ntunnels - 1].uid);
	} else if (!c->hist_x) {
		c->hist_x = 1;
		vg_conn_add_history(c, 'X');
	}
}

void
vg_tunnels_on_remove(struct vg_flow_table *ft, struct vg_conn *c)
{
	if (c->tunnel_type == VG_TUN_NONE || !vg_tunnel_is_udp(c->tunnel_type))
		return;
	if (reg_remove(ft, c->uid_hi))
		vg_tunnel_log(ft, ft->now_ns, (const uint64_t[2]){c->uid_hi, c->uid_lo},
			c->tunnel_type, &c->orig_h, c->orig_p, &c->resp_h, c->resp_p, true);
}

/*
 * An application-layer tunnel (SOCKS): Tunnel::register keys Tunnel::active
 * by the conn_id the analyzer's script built, so the key here is a hash of
 * the endpoints and the type's name, kept in the same registry as the
 * tunnels' uids. No connection has that id, so nothing ever closes it.
 */
bool
vg_flow_tunnel_register(struct vg_flow_table *ft, uint64_t ts, const char *type,
	const struct vg_addr *orig_h, uint16_t orig_p, const struct vg_addr *resp_h,
	uint16_t resp_p)
{
	uint64_t w[4], h = 0x9e3779b97f4a7c15ULL;

	memcpy(w, orig_h->b, 16);
	memcpy(w + 2, resp_h->b, 16);
	for (int i = 0; i < 4; i++)
		h = vg_flow_mix64(h ^ w[i]);
	h = vg_flow_mix64(h ^ ((uint64_t)orig_p << 16 | resp_p));
	for (const char *p = type; *p; p++)
		h = vg_flow_mix64(h ^ (uint8_t)*p);
	if (!reg_add(ft, h))
		return false;
	vg_tunnel_log_named(ft, ts, NULL, type, orig_h, orig_p, resp_h, resp_p, false);
	return true;
}

void
vg_flow_tunnel_outer(
	struct vg_flow_table *ft, uint32_t h, const struct vg_udp_tunnel *t, struct vg_tunnel *out)
{
	struct vg_conn *c = &ft->conns[h];

	memset(out, 0, sizeof(*out));
	out->type = t->type;
	out->vni = t->vni;
	if (!vg_tunnel_is_udp(t->type))
		return;
	c->tunnel_type = t->type;
	out->src = c->orig_h;
	out->dst = c->resp_h;
	out->sport = c->orig_p;
	out->dport = c->resp_p;
	out->uid[0] = c->uid_hi;
	out->uid[1] = c->uid_lo;
}
