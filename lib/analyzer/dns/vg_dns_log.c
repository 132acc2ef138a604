/* SPDX-License-Identifier: BSD-3-Clause */
/* dns.log's columns: base/protocols/dns/main.zeek, DNS::Info (&log fields). */
#include "vg_dns_log.h"
#include "vg_analyzer.h"

/* The six connection columns come first, as vg_an_rec_begin() writes them. */
_Static_assert(VG_DNS_COL_PROTO == 6, "dns.log: proto follows the connection columns");

/* clang-format off */
#define F(n, t) {.name = n, .type = VG_FT_##t, .feature = VG_FEAT_BASE}
#define FX(n, t, ft) {.name = n, .type = VG_FT_##t, .feature = VG_FEAT_##ft}
/* clang-format on */

static const struct vg_field dns_fields[VG_DNS_NCOLS] = {
	VG_AN_CONN_PREFIX_FIELDS,
	[VG_DNS_COL_PROTO] = F("proto", ENUM),
	[VG_DNS_COL_TRANS_ID] = F("trans_id", COUNT),
	[VG_DNS_COL_RTT] = F("rtt", INTERVAL),
	[VG_DNS_COL_QUERY] = F("query", STRING),
	[VG_DNS_COL_QCLASS] = F("qclass", COUNT),
	[VG_DNS_COL_QCLASS_NAME] = F("qclass_name", STRING),
	[VG_DNS_COL_QTYPE] = F("qtype", COUNT),
	[VG_DNS_COL_QTYPE_NAME] = F("qtype_name", STRING),
	[VG_DNS_COL_RCODE] = F("rcode", COUNT),
	[VG_DNS_COL_RCODE_NAME] = F("rcode_name", STRING),
	[VG_DNS_COL_AA] = F("AA", BOOL),
	[VG_DNS_COL_TC] = F("TC", BOOL),
	[VG_DNS_COL_RD] = F("RD", BOOL),
	[VG_DNS_COL_RA] = F("RA", BOOL),
	[VG_DNS_COL_Z] = F("Z", COUNT),
	[VG_DNS_COL_ANSWERS] = F("answers", VECTOR_STRING),
	[VG_DNS_COL_TTLS] = F("TTLs", VECTOR_INTERVAL),
	[VG_DNS_COL_REJECTED] = F("rejected", BOOL),
	[VG_DNS_COL_OPCODE] = F("opcode", COUNT),
	[VG_DNS_COL_OPCODE_NAME] = F("opcode_name", STRING),
	[VG_DNS_COL_AUTH] = FX("auth", SET_STRING, DNS_AUTH_ADDL),
	[VG_DNS_COL_ADDL] = FX("addl", SET_STRING, DNS_AUTH_ADDL),
	[VG_DNS_COL_ORIGINAL_QUERY] = FX("original_query", STRING, DNS_ORIGINAL_QUERY),
};

uint16_t vg_dns_log_id_value = 0xffff; /* set when the logs are registered */

const struct vg_schema vg_dns_log_schema = {
	.id = 0xffff, /* ignored: registration hands out the id */
	.path = "dns",
	.nfields = VG_DNS_NCOLS,
	.fields = dns_fields,
};
