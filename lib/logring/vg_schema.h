/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One schema table per log: the column names and Zeek types, defined once.
 * The TSV header (#fields/#types), the JSON keys and the binary record layout
 * are all derived from these tables, so they cannot drift apart.
 *
 * Columns that Zeek adds only when a policy script is loaded (community_id,
 * vlan, l2 addresses, ...) are in the table with a feature bit; a run enables
 * the features it wants and every writer and reader skips the others.
 */
#ifndef VG_SCHEMA_H
#define VG_SCHEMA_H

#include <stdint.h>

/* Zeek's field types, as they appear on the #types line. */
enum vg_ftype {
	VG_FT_TIME,
	VG_FT_INTERVAL,
	VG_FT_STRING,
	VG_FT_ADDR,
	VG_FT_PORT,
	VG_FT_ENUM,
	VG_FT_COUNT,
	VG_FT_INT,
	VG_FT_BOOL,
	VG_FT_DOUBLE,
	VG_FT_SET_STRING,
	VG_FT_VECTOR_STRING,
	VG_FT_SET_ENUM,        /* set[enum]: encoded and written as set[string] */
	VG_FT_VECTOR_ADDR,     /* stored as a vector of formatted addresses */
	VG_FT_VECTOR_INTERVAL, /* dns.log TTLs: int64 nanoseconds each */
};

/* Optional column groups; bit positions in a feature mask. */
enum vg_feature {
	VG_FEAT_BASE = 0,               /* always present */
	VG_FEAT_COMMUNITY_ID = 1,       /* policy/protocols/conn/community-id-logging */
	VG_FEAT_VLAN = 2,               /* policy/protocols/conn/vlan-logging */
	VG_FEAT_L2_ADDR = 3,            /* policy/protocols/conn/mac-logging */
	VG_FEAT_MIRROR = 4,             /* vigil: mirror session column (--mirror) */
	VG_FEAT_X509_CERT = 5,          /* policy/protocols/ssl/log-certs-base64 */
	VG_FEAT_SSL_CERT_REQ = 6,       /* policy/protocols/ssl/certificate-request-info */
	VG_FEAT_DHCP_SUB_OPTS = 7,      /* policy/protocols/dhcp/sub-opts */
	VG_FEAT_DNS_AUTH_ADDL = 8,      /* policy/protocols/dns/auth-addl */
	VG_FEAT_DNS_ORIGINAL_QUERY = 9, /* policy/protocols/dns/log-original-query-case */
	VG_FEAT_SHADOW = 10,            /* vigil: http.log's shadowed column (--shadow-listen) */
};

struct vg_field {
	const char *name;
	uint8_t type;    /* enum vg_ftype */
	uint8_t feature; /* enum vg_feature */
};

/*
 * Log identifiers: the index of a schema in the table. The sensor's own logs
 * have fixed ids; every other log (dns, http, files, ...) is declared by the
 * code that writes it and gets the next id when it registers
 * (vg_schema_register), so logring knows no protocol. Ids are handed out in
 * registration order, which the analyzer registry keeps fixed
 * (vg_analyzers_register_logs), so a sensor and a vigil-logd of the same build
 * agree on every id.
 */
enum vg_log_id {
	VG_LOG_CONN,
	VG_LOG_WEIRD,
	VG_LOG_TUNNEL,
	VG_LOG_STATS,
	VG_LOG_CAPTURE_LOSS,
	VG_LOG_CORE_COUNT, /* the first id vg_schema_register hands out */
};

/* At most this many logs (core and registered) in one process. */
#define VG_LOG_MAX 64

struct vg_schema {
	uint16_t id;      /* the log id (set by the table; ignored by vg_schema_register) */
	const char *path; /* "conn" for conn.log */
	uint16_t nfields;
	const struct vg_field *fields;
};

/* Column indexes of conn.log, in schema order. */
enum vg_conn_col {
	VG_CONN_TS,
	VG_CONN_UID,
	VG_CONN_ORIG_H,
	VG_CONN_ORIG_P,
	VG_CONN_RESP_H,
	VG_CONN_RESP_P,
	VG_CONN_PROTO,
	VG_CONN_SERVICE,
	VG_CONN_DURATION,
	VG_CONN_ORIG_BYTES,
	VG_CONN_RESP_BYTES,
	VG_CONN_STATE,
	VG_CONN_LOCAL_ORIG,
	VG_CONN_LOCAL_RESP,
	VG_CONN_MISSED_BYTES,
	VG_CONN_HISTORY,
	VG_CONN_ORIG_PKTS,
	VG_CONN_ORIG_IP_BYTES,
	VG_CONN_RESP_PKTS,
	VG_CONN_RESP_IP_BYTES,
	VG_CONN_TUNNEL_PARENTS,
	VG_CONN_IP_PROTO,
	VG_CONN_VLAN,
	VG_CONN_INNER_VLAN,
	VG_CONN_ORIG_L2_ADDR,
	VG_CONN_RESP_L2_ADDR,
	VG_CONN_COMMUNITY_ID,
	VG_CONN_MIRROR_SESSION,
	VG_CONN_NCOLS
};

enum vg_weird_col {
	VG_WEIRD_COL_TS,
	VG_WEIRD_COL_UID,
	VG_WEIRD_COL_ORIG_H,
	VG_WEIRD_COL_ORIG_P,
	VG_WEIRD_COL_RESP_H,
	VG_WEIRD_COL_RESP_P,
	VG_WEIRD_COL_NAME,
	VG_WEIRD_COL_ADDL,
	VG_WEIRD_COL_NOTICE,
	VG_WEIRD_COL_PEER,
	VG_WEIRD_COL_SOURCE,
	VG_WEIRD_NCOLS
};

enum vg_tunnel_col {
	VG_TUNNEL_COL_TS,
	VG_TUNNEL_COL_UID,
	VG_TUNNEL_COL_ORIG_H,
	VG_TUNNEL_COL_ORIG_P,
	VG_TUNNEL_COL_RESP_H,
	VG_TUNNEL_COL_RESP_P,
	VG_TUNNEL_COL_TYPE,
	VG_TUNNEL_COL_ACTION,
	VG_TUNNEL_NCOLS
};

/* stats.log: Zeek's columns that vigil has a counter for, then its own. */
enum vg_stats_col {
	VG_STATS_TS,
	VG_STATS_PEER,
	VG_STATS_MEM,
	VG_STATS_PKTS_PROC,
	VG_STATS_BYTES_RECV,
	VG_STATS_PKTS_DROPPED,
	VG_STATS_PKTS_LINK,
	VG_STATS_PKT_LAG,
	VG_STATS_ACTIVE_TCP,
	VG_STATS_ACTIVE_UDP,
	VG_STATS_ACTIVE_ICMP,
	VG_STATS_TCP_CONNS,
	VG_STATS_UDP_CONNS,
	VG_STATS_ICMP_CONNS,
	VG_STATS_REASSEM_FRAG_SIZE,
	VG_STATS_NIC_MISSED,     /* vigil: dropped by the NIC (imissed + no mbuf) */
	VG_STATS_DISPATCH_DROPS, /* vigil: software dispatch ring full */
	VG_STATS_RING_DROPS,     /* vigil: log records dropped, log ring full */
	VG_STATS_DECODE_DROPS,   /* vigil: malformed packets */
	VG_STATS_FLOW_EVICTIONS, /* vigil: connections ended early, table full */
	/* vigil: packets outside the time window, taken at network time */
	VG_STATS_FLOW_TIME_OUTSIDE,
	/* vigil: packets no connection could take (table full, none idle) */
	VG_STATS_FLOW_UNTRACKED,
	VG_STATS_NCOLS
};

enum vg_capture_loss_col {
	VG_CLOSS_TS,
	VG_CLOSS_TS_DELTA,
	VG_CLOSS_PEER,
	VG_CLOSS_GAPS,
	VG_CLOSS_ACKS,
	VG_CLOSS_PERCENT_LOST,
	VG_CLOSS_NCOLS
};

/* The schema of a log, or NULL for an id nobody registered. */
const struct vg_schema *vg_schema_get(uint16_t log_id);

/*
 * Declares a log: copies the schema (its path and fields must stay valid, as
 * static tables do) into the table under the next free id and returns that id.
 * Registering the same path with the same fields again returns the id it
 * already has. -1 when the table is full (VG_LOG_MAX), the path is taken by
 * other fields, or the schema has no fields or more than a record can carry.
 * Call it at start, before any worker or reader runs (it is not thread-safe).
 */
int vg_schema_register(const struct vg_schema *s);
/*
 * Appends columns to stats.log after its own (VG_STATS_NCOLS), at start and
 * before any record: the counters of the layers above logring (the
 * analyzers'), named by them. vigil and vigil-logd append the same, so the
 * schema-set hash covers them. -1 when more than VG_REC_MAX_FIELDS in all.
 */
int vg_schema_stats_extend(const struct vg_field *f, uint16_t n);

/* Ids in use: core logs and registered ones are below this. */
uint16_t vg_schema_count(void);

/*
 * A 64-bit hash of every schema in id order (ids, paths, column names, types
 * and feature bits). The shared-memory segment carries the producer's, so a
 * reader built from other tables refuses it instead of misreading records.
 */
uint64_t vg_schema_set_hash(void);

/* Zeek's name of a type ("time", "set[string]", ...). */
const char *vg_ftype_name(enum vg_ftype t);

/* True when a column is written under the given feature mask. */
static inline int
vg_field_enabled(const struct vg_field *f, uint32_t features)
{
	return f->feature == VG_FEAT_BASE || (features >> f->feature) & 1;
}

#endif /* VG_SCHEMA_H */
