/* SPDX-License-Identifier: BSD-3-Clause */
/* The schema tables: Zeek's column names and types, in Zeek's order. */
#include <stddef.h>
#include <string.h>

#include "vg_record.h"
#include "vg_schema.h"

#define F(n, t)                                                                                    \
	{                                                                                          \
		.name = (n), .type = VG_FT_##t, .feature = VG_FEAT_BASE                            \
	}
#define FX(n, t, x)                                                                                \
	{                                                                                          \
		.name = (n), .type = VG_FT_##t, .feature = VG_FEAT_##x                             \
	}

static const struct vg_field conn_fields[VG_CONN_NCOLS] = {
	[VG_CONN_TS] = F("ts", TIME),
	[VG_CONN_UID] = F("uid", STRING),
	[VG_CONN_ORIG_H] = F("id.orig_h", ADDR),
	[VG_CONN_ORIG_P] = F("id.orig_p", PORT),
	[VG_CONN_RESP_H] = F("id.resp_h", ADDR),
	[VG_CONN_RESP_P] = F("id.resp_p", PORT),
	[VG_CONN_PROTO] = F("proto", ENUM),
	[VG_CONN_SERVICE] = F("service", STRING),
	[VG_CONN_DURATION] = F("duration", INTERVAL),
	[VG_CONN_ORIG_BYTES] = F("orig_bytes", COUNT),
	[VG_CONN_RESP_BYTES] = F("resp_bytes", COUNT),
	[VG_CONN_STATE] = F("conn_state", STRING),
	[VG_CONN_LOCAL_ORIG] = F("local_orig", BOOL),
	[VG_CONN_LOCAL_RESP] = F("local_resp", BOOL),
	[VG_CONN_MISSED_BYTES] = F("missed_bytes", COUNT),
	[VG_CONN_HISTORY] = F("history", STRING),
	[VG_CONN_ORIG_PKTS] = F("orig_pkts", COUNT),
	[VG_CONN_ORIG_IP_BYTES] = F("orig_ip_bytes", COUNT),
	[VG_CONN_RESP_PKTS] = F("resp_pkts", COUNT),
	[VG_CONN_RESP_IP_BYTES] = F("resp_ip_bytes", COUNT),
	[VG_CONN_TUNNEL_PARENTS] = F("tunnel_parents", SET_STRING),
	[VG_CONN_IP_PROTO] = F("ip_proto", COUNT),
	[VG_CONN_VLAN] = FX("vlan", INT, VLAN),
	[VG_CONN_INNER_VLAN] = FX("inner_vlan", INT, VLAN),
	[VG_CONN_ORIG_L2_ADDR] = FX("orig_l2_addr", STRING, L2_ADDR),
	[VG_CONN_RESP_L2_ADDR] = FX("resp_l2_addr", STRING, L2_ADDR),
	[VG_CONN_COMMUNITY_ID] = FX("community_id", STRING, COMMUNITY_ID),
	/* vigil's extension: appended after Zeek's columns so Zeek readers keep working. */
	[VG_CONN_MIRROR_SESSION] = FX("mirror_session", COUNT, MIRROR),
};

static const struct vg_field weird_fields[VG_WEIRD_NCOLS] = {
	[VG_WEIRD_COL_TS] = F("ts", TIME),
	[VG_WEIRD_COL_UID] = F("uid", STRING),
	[VG_WEIRD_COL_ORIG_H] = F("id.orig_h", ADDR),
	[VG_WEIRD_COL_ORIG_P] = F("id.orig_p", PORT),
	[VG_WEIRD_COL_RESP_H] = F("id.resp_h", ADDR),
	[VG_WEIRD_COL_RESP_P] = F("id.resp_p", PORT),
	[VG_WEIRD_COL_NAME] = F("name", STRING),
	[VG_WEIRD_COL_ADDL] = F("addl", STRING),
	[VG_WEIRD_COL_NOTICE] = F("notice", BOOL),
	[VG_WEIRD_COL_PEER] = F("peer", STRING),
	[VG_WEIRD_COL_SOURCE] = F("source", STRING),
};

static const struct vg_field tunnel_fields[VG_TUNNEL_NCOLS] = {
	[VG_TUNNEL_COL_TS] = F("ts", TIME),
	[VG_TUNNEL_COL_UID] = F("uid", STRING),
	[VG_TUNNEL_COL_ORIG_H] = F("id.orig_h", ADDR),
	[VG_TUNNEL_COL_ORIG_P] = F("id.orig_p", PORT),
	[VG_TUNNEL_COL_RESP_H] = F("id.resp_h", ADDR),
	[VG_TUNNEL_COL_RESP_P] = F("id.resp_p", PORT),
	[VG_TUNNEL_COL_TYPE] = F("tunnel_type", ENUM),
	[VG_TUNNEL_COL_ACTION] = F("action", ENUM),
};

static const struct vg_field stats_fields[VG_STATS_NCOLS] = {
	[VG_STATS_TS] = F("ts", TIME),
	[VG_STATS_PEER] = F("peer", STRING),
	[VG_STATS_MEM] = F("mem", COUNT),
	[VG_STATS_PKTS_PROC] = F("pkts_proc", COUNT),
	[VG_STATS_BYTES_RECV] = F("bytes_recv", COUNT),
	[VG_STATS_PKTS_DROPPED] = F("pkts_dropped", COUNT),
	[VG_STATS_PKTS_LINK] = F("pkts_link", COUNT),
	[VG_STATS_PKT_LAG] = F("pkt_lag", INTERVAL),
	[VG_STATS_ACTIVE_TCP] = F("active_tcp_conns", COUNT),
	[VG_STATS_ACTIVE_UDP] = F("active_udp_conns", COUNT),
	[VG_STATS_ACTIVE_ICMP] = F("active_icmp_conns", COUNT),
	[VG_STATS_TCP_CONNS] = F("tcp_conns", COUNT),
	[VG_STATS_UDP_CONNS] = F("udp_conns", COUNT),
	[VG_STATS_ICMP_CONNS] = F("icmp_conns", COUNT),
	[VG_STATS_REASSEM_FRAG_SIZE] = F("reassem_frag_size", COUNT),
	[VG_STATS_NIC_MISSED] = F("nic_missed", COUNT),
	[VG_STATS_DISPATCH_DROPS] = F("dispatch_drops", COUNT),
	[VG_STATS_RING_DROPS] = F("ring_drops", COUNT),
	[VG_STATS_DECODE_DROPS] = F("decode_drops", COUNT),
	[VG_STATS_FLOW_EVICTIONS] = F("flow_evictions", COUNT),
	[VG_STATS_FLOW_TIME_OUTSIDE] = F("flow_time_outside", COUNT),
	[VG_STATS_FLOW_UNTRACKED] = F("flow_untracked", COUNT),
};

static const struct vg_field closs_fields[VG_CLOSS_NCOLS] = {
	[VG_CLOSS_TS] = F("ts", TIME),
	[VG_CLOSS_TS_DELTA] = F("ts_delta", INTERVAL),
	[VG_CLOSS_PEER] = F("peer", STRING),
	[VG_CLOSS_GAPS] = F("gaps", COUNT),
	[VG_CLOSS_ACKS] = F("acks", COUNT),
	[VG_CLOSS_PERCENT_LOST] = F("percent_lost", DOUBLE),
};

static struct vg_schema schemas[VG_LOG_MAX] = {
	[VG_LOG_CONN] = {VG_LOG_CONN, "conn", VG_CONN_NCOLS, conn_fields},
	[VG_LOG_WEIRD] = {VG_LOG_WEIRD, "weird", VG_WEIRD_NCOLS, weird_fields},
	[VG_LOG_TUNNEL] = {VG_LOG_TUNNEL, "tunnel", VG_TUNNEL_NCOLS, tunnel_fields},
	[VG_LOG_STATS] = {VG_LOG_STATS, "stats", VG_STATS_NCOLS, stats_fields},
	[VG_LOG_CAPTURE_LOSS] = {VG_LOG_CAPTURE_LOSS, "capture_loss", VG_CLOSS_NCOLS, closs_fields},
};

static uint16_t nschemas = VG_LOG_CORE_COUNT;

/* stats.log's columns once others were appended (vg_schema_stats_extend). */
static struct vg_field stats_all[VG_REC_MAX_FIELDS];

int
vg_schema_stats_extend(const struct vg_field *f, uint16_t n)
{
	struct vg_schema *s = &schemas[VG_LOG_STATS];

	if (n > VG_REC_MAX_FIELDS - s->nfields)
		return -1;
	if (s->fields != stats_all)
		memcpy(stats_all, s->fields, s->nfields * sizeof(*f));
	memcpy(stats_all + s->nfields, f, n * sizeof(*f));
	s->fields = stats_all;
	s->nfields = (uint16_t)(s->nfields + n);
	return 0;
}

const struct vg_schema *
vg_schema_get(uint16_t log_id)
{
	if (log_id >= nschemas)
		return NULL;
	return &schemas[log_id];
}

uint16_t
vg_schema_count(void)
{
	return nschemas;
}

int
vg_schema_register(const struct vg_schema *s)
{
	if (s == NULL || s->path == NULL || s->fields == NULL || s->nfields == 0 ||
		s->nfields > VG_REC_MAX_FIELDS)
		return -1;
	for (uint16_t i = 0; i < nschemas; i++) {
		if (strcmp(schemas[i].path, s->path) != 0)
			continue;
		if (schemas[i].fields == s->fields && schemas[i].nfields == s->nfields)
			return i;
		return -1;
	}
	if (nschemas >= VG_LOG_MAX)
		return -1;
	schemas[nschemas] = *s;
	schemas[nschemas].id = nschemas;
	return nschemas++;
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t
fnv_str(uint64_t h, const char *s)
{
	/* The terminating NUL separates one name from the next. */
	return fnv(h, s, strlen(s) + 1);
}

uint64_t
vg_schema_set_hash(void)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (uint16_t i = 0; i < nschemas; i++) {
		const struct vg_schema *s = &schemas[i];
		uint8_t hdr[4] = {(uint8_t)i, (uint8_t)(i >> 8), (uint8_t)s->nfields,
			(uint8_t)(s->nfields >> 8)};

		h = fnv(h, hdr, sizeof(hdr));
		h = fnv_str(h, s->path);
		for (uint16_t f = 0; f < s->nfields; f++) {
			uint8_t tf[2] = {s->fields[f].type, s->fields[f].feature};

			h = fnv_str(h, s->fields[f].name);
			h = fnv(h, tf, sizeof(tf));
		}
	}
	return h;
}

const char *
vg_ftype_name(enum vg_ftype t)
{
	static const char *const names[] = {
		[VG_FT_TIME] = "time",
		[VG_FT_INTERVAL] = "interval",
		[VG_FT_STRING] = "string",
		[VG_FT_ADDR] = "addr",
		[VG_FT_PORT] = "port",
		[VG_FT_ENUM] = "enum",
		[VG_FT_COUNT] = "count",
		[VG_FT_INT] = "int",
		[VG_FT_BOOL] = "bool",
		[VG_FT_DOUBLE] = "double",
		[VG_FT_SET_STRING] = "set[string]",
		[VG_FT_VECTOR_STRING] = "vector[string]",
		[VG_FT_SET_ENUM] = "set[enum]",
		[VG_FT_VECTOR_ADDR] = "vector[addr]",
		[VG_FT_VECTOR_INTERVAL] = "vector[interval]",
	};
	if ((unsigned)t >= sizeof(names) / sizeof(names[0]))
		return "string";
	return names[t];
}
