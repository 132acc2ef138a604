/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DHCP analyzer (dhcp.log). DHCP does not follow the connection model:
 * one exchange (a transaction id) crosses several "connections" (broadcasts
 * from 0.0.0.0, the server's replies, unicast renewals), so, as
 * scripts/base/protocols/dhcp/main.zeek does, messages are aggregated per
 * transaction id into one record, written when the id has been quiet for 5
 * seconds or watched for 30 (DHCP::max_txid_watch_time), when it holds 10
 * uids or 50 message types, or at the end.
 *
 * The aggregation table belongs to the worker (thread-local, a fixed number
 * of entries: VG_DHCP_TXIDS); when it is full the oldest entry is written
 * early. Messages of one transaction that different workers see are logged
 * by each (the flow hash spreads a client's broadcasts and the server's
 * replies by address).
 */
#ifndef VG_DHCP_H
#define VG_DHCP_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_analyzer.h"

#define VG_DHCP_TXIDS     256 /* transactions watched at once per worker */
#define VG_DHCP_UIDS      10  /* DHCP::max_uids_per_log_entry */
#define VG_DHCP_MSG_TYPES 50  /* DHCP::max_msg_types_per_log_entry */
#define VG_DHCP_STR_MAX   128 /* host_name, client_fqdn, domain, messages as logged */

/* A DHCP message's fields that dhcp.log uses (dhcp-protocol.pac, dhcp-options.pac). */
struct vg_dhcp_msg {
	uint8_t op, type;
	uint32_t xid;
	uint32_t yiaddr;
	char chaddr[24]; /* fmt_mac of the 16-byte chaddr field */
	bool has_host_name, has_fqdn, has_domain, has_message, has_client_id, has_addr_req,
		has_lease;
	uint8_t client_id_hwtype;
	char client_id_mac[24];
	uint32_t addr_request;
	uint32_t lease;
	const uint8_t *host_name, *fqdn, *domain, *message;
	uint32_t host_name_len, fqdn_len, domain_len, message_len;
	/* Relay agent information (option 82) sub-options 1, 2 and 6. */
	const uint8_t *circuit_id, *remote_id, *subscriber_id;
	uint8_t circuit_id_len, remote_id_len, subscriber_id_len;
};

/* Parses one datagram; false when it is not a DHCP message Zeek would report. */
bool vg_dhcp_parse(const uint8_t *p, uint32_t len, struct vg_dhcp_msg *m);

extern const struct vg_analyzer vg_dhcp_analyzer;
/* Exchanges the calling worker wrote early because its table was full. */
uint64_t vg_dhcp_exchanges_early(void);

#endif /* VG_DHCP_H */
