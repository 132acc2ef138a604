/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dns.log: its schema (base/protocols/dns/main.zeek, DNS::Info, the &log
 * fields in order) and the limits of one record.
 */
#ifndef VG_DNS_LOG_H
#define VG_DNS_LOG_H

#include <stdint.h>

#include "vg_schema.h"

/* Query name bytes kept with a pending query (longer ones are cut, counted). */
#define VG_DNS_QNAME_SLOT 255
/* Answers in one record (a set holds at most 255 items); more are counted. */
#define VG_DNS_ANSWERS_MAX 255
/* Bytes of answer text in one record, so that it fits VG_REC_MAX_LEN. */
#define VG_DNS_TEXT_MAX 49152

enum vg_dns_col {
	VG_DNS_COL_TS,
	VG_DNS_COL_UID,
	VG_DNS_COL_ORIG_H,
	VG_DNS_COL_ORIG_P,
	VG_DNS_COL_RESP_H,
	VG_DNS_COL_RESP_P,
	VG_DNS_COL_PROTO,
	VG_DNS_COL_TRANS_ID,
	VG_DNS_COL_RTT,
	VG_DNS_COL_QUERY,
	VG_DNS_COL_QCLASS,
	VG_DNS_COL_QCLASS_NAME,
	VG_DNS_COL_QTYPE,
	VG_DNS_COL_QTYPE_NAME,
	VG_DNS_COL_RCODE,
	VG_DNS_COL_RCODE_NAME,
	VG_DNS_COL_AA,
	VG_DNS_COL_TC,
	VG_DNS_COL_RD,
	VG_DNS_COL_RA,
	VG_DNS_COL_Z,
	VG_DNS_COL_ANSWERS,
	VG_DNS_COL_TTLS,
	VG_DNS_COL_REJECTED,
	VG_DNS_COL_OPCODE,
	VG_DNS_COL_OPCODE_NAME,
	VG_DNS_COL_AUTH,           /* policy/protocols/dns/auth-addl */
	VG_DNS_COL_ADDL,           /* policy/protocols/dns/auth-addl */
	VG_DNS_COL_ORIGINAL_QUERY, /* policy/protocols/dns/log-original-query-case */
	VG_DNS_NCOLS
};

/* The schema, and the id logring gave it when it was registered. */
extern const struct vg_schema vg_dns_log_schema;
extern uint16_t vg_dns_log_id_value;

static inline uint16_t
vg_dns_log_id(void)
{
	return vg_dns_log_id_value;
}

#endif /* VG_DNS_LOG_H */
