/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conn.log and weird.log records: conn_state from the endpoint states, the
 * "-" rules for duration and byte counts, and weird deduplication the way
 * Zeek's weird framework does it by default.
 */
#include <stdio.h>

#include "vg_flow_private.h"

static bool
tcp_inactive(uint8_t s)
{
	return s == VG_TCP_INACTIVE || s == VG_TCP_PARTIAL;
}

/* History matches ^\^?S[^HAFGIQ]*R.*$ (Zeek's RSTOS0 test). */
static bool
history_is_rstos0(const char *h)
{
	if (*h == '^')
		h++;
	if (*h++ != 'S')
		return false;
	for (; *h; h++) {
		if (*h == 'R')
			return true;
		if (strchr("HAFGIQ", *h) != NULL)
			return false;
	}
	return false;
}

const char *
vg_conn_state_str(const struct vg_conn *c)
{
	if (c->kind == VG_KIND_UDP) {
		bool o = c->orig.size >= 0, r = c->resp.size >= 0;

		if (o)
			return r ? "SF" : "S0";
		return r ? "SHR" : "OTH";
	}
	if (c->kind != VG_KIND_TCP)
		return "OTH";

	uint8_t os = c->tcp[0].state, rs = c->tcp[1].state;
	bool o_inactive = tcp_inactive(os), r_inactive = tcp_inactive(rs);

	if (rs == VG_TCP_RESET) {
		if (os == VG_TCP_SYN_SENT || os == VG_TCP_SYN_ACK_SENT ||
			(os == VG_TCP_RESET && vg_tcp_size(&c->tcp[0], &c->tcp[1]) == 0 &&
				vg_tcp_size(&c->tcp[1], &c->tcp[0]) == 0))
			return "REJ";
		return o_inactive ? "RSTRH" : "RSTR";
	}
	if (os == VG_TCP_RESET) {
		if (r_inactive)
			return history_is_rstos0(c->history) ? "RSTOS0" : "OTH";
		return "RSTO";
	}
	if (os == VG_TCP_CLOSED && rs == VG_TCP_CLOSED)
		return "SF";
	if (os == VG_TCP_CLOSED)
		return r_inactive ? "SH" : "S2";
	if (rs == VG_TCP_CLOSED)
		return o_inactive ? "SHR" : "S3";
	if (os == VG_TCP_SYN_SENT && rs == VG_TCP_INACTIVE)
		return "S0";
	if (os == VG_TCP_ESTABLISHED && rs == VG_TCP_ESTABLISHED)
		return "S1";
	return "OTH";
}

static const char *
proto_name(const struct vg_conn *c)
{
	switch (c->kind) {
	case VG_KIND_TCP:
		return "tcp";
	case VG_KIND_UDP:
		return "udp";
	case VG_KIND_ICMP:
		return "icmp";
	default:
		return "unknown_transport";
	}
}

bool
vg_flow_emit(struct vg_flow_table *ft, const uint8_t *rec, uint32_t len)
{
	if (len == 0 || !ft->cfg.sink.write(ft->cfg.sink.ctx, rec, len)) {
		ft->stats.records_dropped++;
		return false;
	}
	return true;
}

static void
emit(struct vg_flow_table *ft, uint32_t len)
{
	vg_flow_emit(ft, ft->rec, len);
}

/* conn.log's service: the tunnel the connection carries, then the analyzers'. */
static void
service_field(struct vg_rec *r, const struct vg_conn *c, const char *svc, uint32_t svc_len)
{
	const char *tun = vg_tunnel_service(c->tunnel_type);
	char buf[320];
	uint32_t n = 0;

	if (tun == NULL && svc_len == 0) {
		vg_rec_unset(r);
		return;
	}
	if (tun != NULL) {
		n = (uint32_t)strlen(tun);
		memcpy(buf, tun, n);
	}
	if (svc_len > 0 && n + 1 + svc_len <= sizeof(buf)) {
		if (n > 0)
			buf[n++] = ',';
		memcpy(buf + n, svc, svc_len);
		n += svc_len;
	}
	vg_rec_str(r, buf, n);
}

static void
l2_str(const uint8_t *m, char *out)
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* A MAC address column; all zeros (no real address) stays unset, as in Zeek. */
static void
l2_field(struct vg_rec *r, bool on, const uint8_t *m)
{
	static const uint8_t zero[6];
	char s[18];

	if (!on || memcmp(m, zero, 6) == 0) {
		vg_rec_unset(r);
		return;
	}
	l2_str(m, s);
	vg_rec_str(r, s, 17);
}

void
vg_conn_log(struct vg_flow_table *ft, struct vg_conn *c, const char *svc, uint32_t svc_len)
{
	struct vg_rec r;
	char uid[32];
	uint64_t dur = c->last_ns > c->start_ns ? c->last_ns - c->start_ns : 0;
	uint32_t f = ft->cfg.features;

	vg_rec_begin(&r, ft->rec, sizeof(ft->rec), vg_schema_get(VG_LOG_CONN));
	vg_rec_time(&r, c->start_ns);
	vg_rec_str(&r, uid, vg_uid_format(c->uid_hi, c->uid_lo, uid));
	vg_rec_addr(&r, &c->orig_h);
	vg_rec_port(&r, c->orig_p);
	vg_rec_addr(&r, &c->resp_h);
	vg_rec_port(&r, c->resp_p);
	vg_rec_cstr(&r, proto_name(c));
	service_field(&r, c, svc, svc_len);
	if (dur > 0) {
		uint64_t ob, rb;

		if (c->kind == VG_KIND_TCP) {
			ob = vg_tcp_size(&c->tcp[0], &c->tcp[1]);
			rb = vg_tcp_size(&c->tcp[1], &c->tcp[0]);
		} else {
			ob = c->orig.size > 0 ? (uint64_t)c->orig.size : 0;
			rb = c->resp.size > 0 ? (uint64_t)c->resp.size : 0;
		}
		vg_rec_interval(&r, (int64_t)dur);
		vg_rec_count(&r, ob);
		vg_rec_count(&r, rb);
	} else {
		vg_rec_unset(&r);
		vg_rec_unset(&r);
		vg_rec_unset(&r);
	}
	vg_rec_cstr(&r, vg_conn_state_str(c));
	bool lo, lr;

	if (vg_addr_local(&ft->cfg, &c->orig_h, &lo) && vg_addr_local(&ft->cfg, &c->resp_h, &lr)) {
		vg_rec_bool(&r, lo);
		vg_rec_bool(&r, lr);
	} else {
		vg_rec_unset(&r);
		vg_rec_unset(&r);
	}
	vg_rec_count(&r, c->missed_bytes);
	if (c->history_len > 0)
		vg_rec_str(&r, c->history, c->history_len);
	else
		vg_rec_unset(&r);
	vg_rec_count(&r, c->orig.pkts);
	vg_rec_count(&r, c->orig.ip_bytes);
	vg_rec_count(&r, c->resp.pkts);
	vg_rec_count(&r, c->resp.ip_bytes);
	if (c->nparents > 0) {
		vg_rec_set_begin(&r, c->nparents);
		for (uint8_t i = 0; i < c->nparents; i++)
			vg_rec_str(&r, uid,
				vg_uid_format(c->parent_uid[i][0], c->parent_uid[i][1], uid));
	} else {
		vg_rec_unset(&r);
	}
	vg_rec_count(&r, c->ip_proto);
	if (c->nvlan >= 1 && (f >> VG_FEAT_VLAN & 1))
		vg_rec_int(&r, c->vlan);
	else
		vg_rec_unset(&r);
	if (c->nvlan >= 2 && (f >> VG_FEAT_VLAN & 1))
		vg_rec_int(&r, c->inner_vlan);
	else
		vg_rec_unset(&r);
	l2_field(&r, c->has_l2 && (f >> VG_FEAT_L2_ADDR & 1), c->orig_l2);
	l2_field(&r, c->has_l2 && (f >> VG_FEAT_L2_ADDR & 1), c->resp_l2);
	if (f >> VG_FEAT_COMMUNITY_ID & 1) {
		char cid[64];
		uint32_t n = vg_community_id(&c->orig_h, c->orig_p, &c->resp_h, c->resp_p,
			c->ip_proto, c->is_v4, 0, cid, sizeof(cid));

		vg_rec_str(&r, cid, n);
	} else {
		vg_rec_unset(&r);
	}
	if (c->mirrored && (f >> VG_FEAT_MIRROR & 1))
		vg_rec_count(&r, c->session);
	else
		vg_rec_unset(&r);
	emit(ft, vg_rec_end(&r));
	ft->stats.logged++;
}

/* ---- tunnel.log ---------------------------------------------------------- */

void
vg_tunnel_log_named(struct vg_flow_table *ft, uint64_t ts, const uint64_t uid[2], const char *type,
	const struct vg_addr *oh, uint16_t op, const struct vg_addr *rh, uint16_t rp, bool close)
{
	struct vg_rec r;
	char u[32];

	vg_rec_begin(&r, ft->rec, sizeof(ft->rec), vg_schema_get(VG_LOG_TUNNEL));
	vg_rec_time(&r, ts);
	if (uid != NULL)
		vg_rec_str(&r, u, vg_uid_format(uid[0], uid[1], u));
	else
		vg_rec_unset(&r); /* an application tunnel (SOCKS) has no uid of its own */
	vg_rec_addr(&r, oh);
	vg_rec_port(&r, op);
	vg_rec_addr(&r, rh);
	vg_rec_port(&r, rp);
	vg_rec_cstr(&r, type);
	vg_rec_cstr(&r, close ? "Tunnel::CLOSE" : "Tunnel::DISCOVER");
	emit(ft, vg_rec_end(&r));
}

void
vg_tunnel_log(struct vg_flow_table *ft, uint64_t ts, const uint64_t uid[2], uint8_t type,
	const struct vg_addr *oh, uint16_t op, const struct vg_addr *rh, uint16_t rp, bool close)
{
	vg_tunnel_log_named(
		ft, ts, uid, vg_tunnel_type_name((enum vg_tunnel_type)type), oh, op, rh, rp, close);
}

/* ---- weird.log ---------------------------------------------------------- */

/*
 * Zeek ignores a repeat of the same weird for the same flow (or, below IP,
 * the same name) for ten minutes. A small direct-mapped table remembers the
 * recent ones; a collision only costs an extra line.
 */
static bool
weird_is_repeat(struct vg_flow_table *ft, uint64_t ts, const struct vg_addr *src,
	const struct vg_addr *dst, enum vg_weird w)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)w;

	if (src != NULL) {
		for (int i = 0; i < 16; i++) {
			h = (h ^ src->b[i]) * 0x100000001b3ULL;
			h = (h ^ dst->b[i]) * 0x100000001b3ULL;
		}
	}
	h |= 1; /* 0 marks an empty slot */
	struct vg_weird_seen *e = &ft->weird_seen[h % VG_WEIRD_SEEN_SLOTS];

	if (e->key == h && ts >= e->ts && ts - e->ts < VG_WEIRD_REPEAT_WINDOW)
		return true;
	e->key = h;
	e->ts = ts;
	return false;
}

static void
weird_record(struct vg_flow_table *ft, uint64_t ts, const struct vg_conn *c,
	const struct vg_addr *src, const struct vg_addr *dst, const char *name, const char *addl,
	const char *source)
{
	struct vg_rec r;
	char uid[32];

	vg_rec_begin(&r, ft->rec, sizeof(ft->rec), vg_schema_get(VG_LOG_WEIRD));
	vg_rec_time(&r, ts);
	if (c != NULL) {
		vg_rec_str(&r, uid, vg_uid_format(c->uid_hi, c->uid_lo, uid));
		vg_rec_addr(&r, &c->orig_h);
		vg_rec_port(&r, c->orig_p);
		vg_rec_addr(&r, &c->resp_h);
		vg_rec_port(&r, c->resp_p);
	} else if (src != NULL) {
		vg_rec_unset(&r);
		vg_rec_addr(&r, src);
		vg_rec_port(&r, 0);
		vg_rec_addr(&r, dst);
		vg_rec_port(&r, 0);
	} else {
		for (int i = 0; i < 5; i++)
			vg_rec_unset(&r);
	}
	vg_rec_cstr(&r, name);
	if (addl != NULL)
		vg_rec_cstr(&r, addl);
	else
		vg_rec_unset(&r);
	vg_rec_bool(&r, false);
	vg_rec_cstr(&r, "zeek");
	if (source != NULL)
		vg_rec_cstr(&r, source);
	else
		vg_rec_unset(&r);
	emit(ft, vg_rec_end(&r));
	ft->stats.weirds_logged++;
}

void
vg_weird_log(struct vg_flow_table *ft, uint64_t ts, const struct vg_conn *c,
	const struct vg_addr *src, const struct vg_addr *dst, enum vg_weird w, const char *source)
{
	if (c == NULL && weird_is_repeat(ft, ts, src, dst, w)) {
		ft->stats.weirds_suppressed++;
		return;
	}
	weird_record(ft, ts, c, src, dst, vg_weird_name(w), NULL, source);
}

void
vg_flow_conn_weird_named(struct vg_flow_table *ft, const struct vg_conn *c, uint64_t ts,
	const char *name, const char *addl, const char *source)
{
	weird_record(ft, ts, c, NULL, NULL, name, addl, source);
}

void
vg_conn_weird(struct vg_flow_table *ft, struct vg_conn *c, enum vg_weird w, const char *source,
	uint64_t ts)
{
	/* Zeek drops a repeat of the same weird on the same connection. */
	if (c->weird_logged[w / 8] & (1u << (w % 8))) {
		ft->stats.weirds_suppressed++;
		return;
	}
	c->weird_logged[w / 8] |= (uint8_t)(1u << (w % 8));
	vg_weird_log(ft, ts, c, NULL, NULL, w, source);
}
