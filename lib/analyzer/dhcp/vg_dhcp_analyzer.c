/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dhcp.log: messages aggregated per transaction id as
 * scripts/base/protocols/dhcp/main.zeek does (DHCP::aggregate_msgs,
 * join_data_expiration), in a per-worker table.
 */
#include <stdio.h>
#include <string.h>

#include "vg_dhcp.h"

#define NS_PER_SEC     1000000000ull
#define CREATE_EXPIRE  (10 * NS_PER_SEC) /* join_data's &create_expire */
#define RECHECK        (5 * NS_PER_SEC)  /* join_data_expiration's answer */
#define QUIET          (5 * NS_PER_SEC)  /* no message for this long: logged */
#define MAX_WATCH_TIME (30 * NS_PER_SEC) /* DHCP::max_txid_watch_time */

enum {
	COL_TS,
	COL_UIDS,
	COL_CLIENT_ADDR,
	COL_SERVER_ADDR,
	COL_MAC,
	COL_HOST_NAME,
	COL_CLIENT_FQDN,
	COL_DOMAIN,
	COL_REQUESTED_ADDR,
	COL_ASSIGNED_ADDR,
	COL_LEASE_TIME,
	COL_CLIENT_MESSAGE,
	COL_SERVER_MESSAGE,
	COL_MSG_TYPES,
	COL_DURATION,
	COL_CIRCUIT_ID,
	COL_AGENT_REMOTE_ID,
	COL_SUBSCRIBER_ID,
	NCOLS
};

static const struct vg_field dhcp_fields[NCOLS] = {
	[COL_TS] = {"ts", VG_FT_TIME, VG_FEAT_BASE},
	[COL_UIDS] = {"uids", VG_FT_SET_STRING, VG_FEAT_BASE},
	[COL_CLIENT_ADDR] = {"client_addr", VG_FT_ADDR, VG_FEAT_BASE},
	[COL_SERVER_ADDR] = {"server_addr", VG_FT_ADDR, VG_FEAT_BASE},
	[COL_MAC] = {"mac", VG_FT_STRING, VG_FEAT_BASE},
	[COL_HOST_NAME] = {"host_name", VG_FT_STRING, VG_FEAT_BASE},
	[COL_CLIENT_FQDN] = {"client_fqdn", VG_FT_STRING, VG_FEAT_BASE},
	[COL_DOMAIN] = {"domain", VG_FT_STRING, VG_FEAT_BASE},
	[COL_REQUESTED_ADDR] = {"requested_addr", VG_FT_ADDR, VG_FEAT_BASE},
	[COL_ASSIGNED_ADDR] = {"assigned_addr", VG_FT_ADDR, VG_FEAT_BASE},
	[COL_LEASE_TIME] = {"lease_time", VG_FT_INTERVAL, VG_FEAT_BASE},
	[COL_CLIENT_MESSAGE] = {"client_message", VG_FT_STRING, VG_FEAT_BASE},
	[COL_SERVER_MESSAGE] = {"server_message", VG_FT_STRING, VG_FEAT_BASE},
	[COL_MSG_TYPES] = {"msg_types", VG_FT_VECTOR_STRING, VG_FEAT_BASE},
	[COL_DURATION] = {"duration", VG_FT_INTERVAL, VG_FEAT_BASE},
	/* policy/protocols/dhcp/sub-opts */
	[COL_CIRCUIT_ID] = {"circuit_id", VG_FT_STRING, VG_FEAT_DHCP_SUB_OPTS},
	[COL_AGENT_REMOTE_ID] = {"agent_remote_id", VG_FT_STRING, VG_FEAT_DHCP_SUB_OPTS},
	[COL_SUBSCRIBER_ID] = {"subscriber_id", VG_FT_STRING, VG_FEAT_DHCP_SUB_OPTS},
};

static const struct vg_schema dhcp_schema = {
	.path = "dhcp",
	.nfields = NCOLS,
	.fields = dhcp_fields,
};

static uint16_t dhcp_log_id;

static const struct vg_an_log dhcp_logs[] = {
	{&dhcp_schema, &dhcp_log_id},
	{NULL, NULL},
};

/* main.zeek: ports = { 67/udp, 68/udp, 4011/udp } */
static const uint16_t dhcp_udp_ports[] = {67, 68, 4011, 0};

/* A bounded string as the log keeps it. */
struct str {
	uint16_t len;
	bool set;
	char s[VG_DHCP_STR_MAX];
};

/* One transaction being watched (DHCP::Info plus its bookkeeping). */
struct txid {
	bool used;
	uint32_t xid;
	uint64_t ts, last, next_check;
	uint8_t nuids, ntypes;
	char uids[VG_DHCP_UIDS][24];
	uint8_t types[VG_DHCP_MSG_TYPES];
	bool has_client_addr, has_server_addr, has_req, has_assigned, has_lease;
	struct vg_addr client_addr, server_addr, requested, assigned;
	uint32_t lease;
	char mac[24], client_chaddr[24];
	bool has_mac, has_chaddr;
	struct str host_name, fqdn, domain, client_msg, server_msg;
	struct str circuit_id, remote_id, subscriber_id;
};

/* The worker's table (each worker is one thread). */
static __thread struct txid table[VG_DHCP_TXIDS];
/* Exchanges written before their time because the table was full (this worker). */
static __thread uint64_t written_early;

/* What a connection's analyzer keeps: nothing but a marker. */
struct dhcp_state {
	uint8_t seen;
};

static void
set_str(struct str *d, const uint8_t *p, uint32_t len)
{
	if (len > sizeof(d->s))
		len = sizeof(d->s);
	memcpy(d->s, p, len);
	d->len = (uint16_t)len;
	d->set = true;
}

static void
rec_str(struct vg_rec *r, const struct str *s)
{
	if (s->set)
		vg_rec_str(r, s->s, s->len);
	else
		vg_rec_unset(r);
}

static void
rec_addr(struct vg_rec *r, bool set, const struct vg_addr *a)
{
	if (set)
		vg_rec_addr(r, a);
	else
		vg_rec_unset(r);
}

/* consts.zeek's DHCP::message_types, with its default for the others. */
static const char *
type_name(uint8_t t, char *buf)
{
	static const char *const names[] = {NULL, "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK",
		"NAK", "RELEASE", "INFORM", "FORCERENEW", "LEASEQUERY", "LEASEUNASSIGNED",
		"LEASEUNKNOWN", "LEASEACTIVE", "BULKLEASEQUERY", "LEASEQUERYDONE",
		"ACTIVELEASEQUERY", "LEASEQUERYSTATUS", "TLS"};

	if (t < sizeof(names) / sizeof(names[0]) && names[t] != NULL)
		return names[t];
	snprintf(buf, 32, "unknown-message-type-%u", t);
	return buf;
}

static void
write_entry(struct vg_an_ctx *cx, struct txid *t)
{
	struct vg_rec r;
	char tb[32];

	/* join_data_expiration: the client's chaddr when no mac was found. */
	if (!t->has_mac && t->has_chaddr) {
		memcpy(t->mac, t->client_chaddr, sizeof(t->mac));
		t->has_mac = true;
	}
	vg_an_rec_begin_plain(cx, &r, dhcp_log_id);
	vg_rec_time(&r, t->ts);
	vg_rec_set_begin(&r, t->nuids);
	for (uint8_t i = 0; i < t->nuids; i++)
		vg_rec_cstr(&r, t->uids[i]);
	rec_addr(&r, t->has_client_addr, &t->client_addr);
	rec_addr(&r, t->has_server_addr, &t->server_addr);
	if (t->has_mac)
		vg_rec_cstr(&r, t->mac);
	else
		vg_rec_unset(&r);
	rec_str(&r, &t->host_name);
	rec_str(&r, &t->fqdn);
	rec_str(&r, &t->domain);
	rec_addr(&r, t->has_req, &t->requested);
	rec_addr(&r, t->has_assigned, &t->assigned);
	if (t->has_lease)
		vg_rec_interval(&r, (int64_t)t->lease * (int64_t)NS_PER_SEC);
	else
		vg_rec_unset(&r);
	rec_str(&r, &t->client_msg);
	rec_str(&r, &t->server_msg);
	vg_rec_set_begin(&r, t->ntypes);
	for (uint8_t i = 0; i < t->ntypes; i++)
		vg_rec_cstr(&r, type_name(t->types[i], tb));
	vg_rec_interval(&r, (int64_t)(t->last - t->ts));
	rec_str(&r, &t->circuit_id);
	rec_str(&r, &t->remote_id);
	rec_str(&r, &t->subscriber_id);
	vg_an_rec_write(cx, &r);
	t->used = false;
}

/*
 * Runs join_data's expiration up to now: an entry is first looked at 10 s
 * after it was made, then every 5 s, and written once it was quiet for 5 s
 * or watched for 30 s. force writes every entry (zeek_done).
 */
static void
expire(struct vg_an_ctx *cx, uint64_t now, bool force)
{
	for (uint32_t i = 0; i < VG_DHCP_TXIDS; i++) {
		struct txid *t = &table[i];

		if (!t->used)
			continue;
		if (force) {
			write_entry(cx, t);
			continue;
		}
		while (t->used && t->next_check <= now) {
			uint64_t at = t->next_check;

			if (at - t->last > QUIET || at - t->ts > MAX_WATCH_TIME)
				write_entry(cx, t);
			else
				t->next_check += RECHECK;
		}
	}
}

static struct txid *
lookup(struct vg_an_ctx *cx, uint32_t xid, uint64_t now)
{
	struct txid *free_slot = NULL, *oldest = NULL;

	for (uint32_t i = 0; i < VG_DHCP_TXIDS; i++) {
		struct txid *t = &table[i];

		if (!t->used) {
			if (free_slot == NULL)
				free_slot = t;
			continue;
		}
		if (t->xid == xid)
			return t;
		if (oldest == NULL || t->ts < oldest->ts)
			oldest = t;
	}
	if (free_slot == NULL) {
		write_entry(cx, oldest); /* the table is full: the oldest goes out early */
		written_early++;
		free_slot = oldest;
	}
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	free_slot->xid = xid;
	free_slot->ts = now;
	free_slot->next_check = now + CREATE_EXPIRE;
	return free_slot;
}

static bool
addr_is(const struct vg_addr *a, const uint8_t v4[4])
{
	struct vg_addr b;

	vg_addr_from_v4(&b, v4);
	return memcmp(a, &b, sizeof(b)) == 0;
}

static void
add_uid(struct txid *t, const char *uid)
{
	for (uint8_t i = 0; i < t->nuids; i++)
		if (strcmp(t->uids[i], uid) == 0)
			return;
	if (t->nuids < VG_DHCP_UIDS)
		snprintf(t->uids[t->nuids++], sizeof(t->uids[0]), "%s", uid);
}

static void
client_message(struct txid *t, const struct vg_dhcp_msg *m, const struct vg_addr *oh)
{
	static const uint8_t zero[4] = {0, 0, 0, 0}, bcast[4] = {255, 255, 255, 255};

	if (!addr_is(oh, zero) && !addr_is(oh, bcast)) {
		t->client_addr = *oh;
		t->has_client_addr = true;
	}
	if (m->has_host_name)
		set_str(&t->host_name, m->host_name, m->host_name_len);
	if (m->has_fqdn)
		set_str(&t->fqdn, m->fqdn, m->fqdn_len);
	if (m->has_client_id && m->client_id_hwtype == 1) {
		memcpy(t->mac, m->client_id_mac, sizeof(t->mac));
		t->has_mac = true;
	} else {
		memcpy(t->client_chaddr, m->chaddr, sizeof(t->client_chaddr));
		t->has_chaddr = true;
	}
	if (m->has_addr_req) {
		uint8_t a[4] = {(uint8_t)(m->addr_request >> 24), (uint8_t)(m->addr_request >> 16),
			(uint8_t)(m->addr_request >> 8), (uint8_t)m->addr_request};

		vg_addr_from_v4(&t->requested, a);
		t->has_req = true;
	}
}

static void
server_message(struct txid *t, const struct vg_dhcp_msg *m, bool is_orig, const struct vg_addr *oh,
	const struct vg_addr *rh)
{
	if (m->yiaddr != 0) {
		uint8_t a[4] = {(uint8_t)(m->yiaddr >> 24), (uint8_t)(m->yiaddr >> 16),
			(uint8_t)(m->yiaddr >> 8), (uint8_t)m->yiaddr};

		/* A server broadcasting is the originator; one sending unicast is
		 * the responder after Zeek's role flip. */
		t->server_addr = is_orig ? *oh : *rh;
		t->has_server_addr = true;
		vg_addr_from_v4(&t->assigned, a);
		t->has_assigned = true;
	}
	if (m->chaddr[0] != '\0' && !t->has_mac) {
		memcpy(t->mac, m->chaddr, sizeof(t->mac));
		t->has_mac = true;
	}
	if (!t->has_client_addr && t->has_assigned) {
		t->client_addr = t->assigned;
		t->has_client_addr = true;
	}
	if (m->has_domain)
		set_str(&t->domain, m->domain, m->domain_len);
	if (m->has_lease) {
		t->lease = m->lease;
		t->has_lease = true;
	}
}

/* DHCP::aggregate_msgs, both handlers. */
static void
aggregate(struct vg_an_ctx *cx, bool is_orig, const struct vg_dhcp_msg *m)
{
	uint64_t now = vg_an_now(cx);
	struct vg_addr oh, rh;
	uint16_t op, rp;
	struct txid *t;

	expire(cx, now, false);
	t = lookup(cx, m->xid, now);
	vg_an_id(cx, &oh, &op, &rh, &rp);
	add_uid(t, vg_an_uid(cx));
	if (t->ntypes < VG_DHCP_MSG_TYPES)
		t->types[t->ntypes++] = m->type;

	static const uint8_t zero[4] = {0, 0, 0, 0};
	bool is_client = is_orig && (addr_is(&oh, zero) || op == 68 || rp == 67);

	if (m->has_message)
		set_str(is_client ? &t->client_msg : &t->server_msg, m->message, m->message_len);
	/* sub-opts.zeek: the relay agent's sub-options, from any message. */
	if (m->circuit_id != NULL)
		set_str(&t->circuit_id, m->circuit_id, m->circuit_id_len);
	if (m->remote_id != NULL)
		set_str(&t->remote_id, m->remote_id, m->remote_id_len);
	if (m->subscriber_id != NULL)
		set_str(&t->subscriber_id, m->subscriber_id, m->subscriber_id_len);
	t->last = now;
	if (is_client)
		client_message(t, m, &oh);
	else
		server_message(t, m, is_orig, &oh, &rh);
	if (t->nuids >= VG_DHCP_UIDS || t->ntypes >= VG_DHCP_MSG_TYPES)
		write_entry(cx, t);
}

static void
dhcp_datagram(void *st, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len)
{
	struct dhcp_state *s = st;
	struct vg_dhcp_msg m;

	if (!vg_dhcp_parse(data, len, &m)) {
		vg_an_violate(cx, "not a DHCP message");
		return;
	}
	if (m.type == 0) {
		vg_an_violate(cx, "no DHCP message type option");
		return;
	}
	s->seen = 1;
	aggregate(cx, is_orig, &m);
	/* One message is enough: a DHCP "connection" often has just one. */
	vg_an_confirm(cx);
}

static void
dhcp_end(void *st, struct vg_an_ctx *cx, enum vg_an_end why)
{
	(void)st;
	/* zeek_done logs what is left; otherwise expiry runs up to now. */
	expire(cx, vg_an_now(cx), why == VG_AN_END_FLUSH);
}

static const char *const counter_names[] = {"dhcp_exchanges_early"};

VG_AN_COUNTERS(static, dhcp_counters, written_early, counter_names);

uint64_t
vg_dhcp_exchanges_early(void)
{
	return written_early;
}

const struct vg_analyzer vg_dhcp_analyzer = {
	.name = "dhcp",
	.transports = VG_AN_UDP,
	.udp_ports = dhcp_udp_ports,
	.state_size = sizeof(struct dhcp_state),
	.logs = dhcp_logs,
	.counters = &dhcp_counters,
	.datagram = dhcp_datagram,
	.end = dhcp_end,
};
