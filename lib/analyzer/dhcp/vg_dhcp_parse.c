/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A DHCP/BOOTP message (RFC 2131): the fixed header, the magic cookie, then
 * options until the end option, as the .pac files of src/analyzer/protocol/dhcp read
 * them. Every read is bounded by the datagram.
 */
#include <stdio.h>
#include <string.h>

#include "vg_dhcp.h"

#define DHCP_FIXED  236 /* op .. file */
#define DHCP_COOKIE 0x63825363u

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Zeek's fmt_mac: six bytes, or eight unless bytes 7 and 8 are zero; "" otherwise. */
static void
fmt_mac(const uint8_t *m, uint32_t len, char *out)
{
	out[0] = '\0';
	if (len < 8 && len != 6)
		return;
	if (len == 6 || (m[6] == 0 && m[7] == 0))
		snprintf(out, 24, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
			m[5]);
	else
		snprintf(out, 24, "%02x:%02x:%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
			m[4], m[5], m[6], m[7]);
}

/* Option 82's sub-options (RFC 3046): code, length, value. */
static void
relay_agent(struct vg_dhcp_msg *m, const uint8_t *v, uint8_t len)
{
	uint32_t off = 0;

	while (off + 2 <= len && v[off + 1] <= len - off - 2) {
		uint8_t code = v[off], n = v[off + 1];
		const uint8_t *val = v + off + 2;

		if (code == 1) {
			m->circuit_id = val;
			m->circuit_id_len = n;
		} else if (code == 2) {
			m->remote_id = val;
			m->remote_id_len = n;
		} else if (code == 6) {
			m->subscriber_id = val;
			m->subscriber_id_len = n;
		}
		off += 2u + n;
	}
}

static void
option(struct vg_dhcp_msg *m, uint8_t code, const uint8_t *v, uint8_t len)
{
	switch (code) {
	case 53:
		if (len >= 1 && m->type == 0)
			m->type = v[0];
		break;
	case 12:
		m->has_host_name = true;
		m->host_name = v;
		m->host_name_len = len;
		break;
	case 15: {
		/* dhcp-options.pac: up to the last non-NUL byte */
		uint32_t last = 0;

		for (uint32_t i = 0; i < len; i++)
			if (v[i] != 0)
				last = i;
		m->has_domain = true;
		m->domain = v;
		m->domain_len = last == 0 ? 0 : last + 1;
		break;
	}
	case 50:
		if (len == 4) {
			m->has_addr_req = true;
			m->addr_request = be32(v);
		}
		break;
	case 51:
		if (len == 4) {
			m->has_lease = true;
			m->lease = be32(v);
		}
		break;
	case 56:
		m->has_message = true;
		m->message = v;
		m->message_len = len;
		break;
	case 61:
		if (len >= 1) {
			m->has_client_id = true;
			m->client_id_hwtype = v[0];
			fmt_mac(v + 1, len - 1u, m->client_id_mac);
		}
		break;
	case 82:
		relay_agent(m, v, len);
		break;
	case 81:
		if (len >= 3) {
			m->has_fqdn = true;
			m->fqdn = v + 3;
			m->fqdn_len = len - 3u;
		}
		break;
	default:
		break;
	}
}

bool
vg_dhcp_parse(const uint8_t *p, uint32_t len, struct vg_dhcp_msg *m)
{
	uint32_t off = DHCP_FIXED + 4;

	memset(m, 0, sizeof(*m));
	if (len < off || be32(p + DHCP_FIXED) != DHCP_COOKIE)
		return false;
	m->op = p[0];
	m->xid = be32(p + 4);
	m->yiaddr = be32(p + 16);
	fmt_mac(p + 28, 16, m->chaddr);
	/* Options until the end option; running out before it is malformed. */
	for (;;) {
		if (off >= len)
			return false;
		uint8_t code = p[off++];

		if (code == 255)
			break;
		if (code == 0)
			continue;
		if (off >= len || p[off] > len - off - 1)
			return false;
		uint8_t olen = p[off++];

		option(m, code, p + off, olen);
		off += olen;
	}
	return true;
}
