/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * likely_server_ports: the ports each of Zeek's base protocol scripts adds
 * to that set ("redef likely_server_ports += { ports }" in
 * scripts/base/protocols/<name>/main.zeek). Which analyzers are loaded decides
 * which connections started mid-stream get their roles flipped, so the set
 * follows --analyzers. Only ports a script adds to likely_server_ports count,
 * not every port it registers an analyzer for: quic/main.zeek registers
 * 443, 784 and 853/udp but adds none; 443/udp is ssl/main.zeek's dtls_ports.
 */
#include <string.h>
#include <strings.h>

#include "vg_flow.h"

struct analyzer_ports {
	const char *name;
	uint16_t tcp[12];
	uint16_t udp[8];
};

static const struct analyzer_ports analyzer_ports[] = {
	{"dce-rpc", {135}, {0}},
	{"dhcp", {0}, {67}}, /* dhcp/main.zeek: likely_server_ports += { 67/udp } */
	{"dnp3", {20000}, {20000}},
	{"dns", {53}, {53, 137, 5353, 5355}},
	{"ftp", {21, 2811}, {0}},
	{"http", {80, 81, 631, 1080, 3128, 8000, 8080, 8888}, {0}},
	{"imap", {143}, {0}},
	{"irc", {6666, 6667, 6668, 6669}, {0}},
	{"krb", {88}, {88}},
	{"ldap", {389, 3268}, {389}},
	{"modbus", {502}, {0}},
	{"mqtt", {1883}, {0}},
	{"mysql", {1434, 3306}, {0}},
	{"ntp", {0}, {123}},
	{"pop3", {110}, {0}},
	{"postgresql", {5432}, {0}},
	{"quic", {0}, {0}},
	{"radius", {0}, {1812}},
	{"rdp", {3389}, {0}},
	{"redis", {6379}, {0}},
	{"sip", {0}, {5060}},
	{"smb", {139, 445}, {0}},
	{"smtp", {25, 587}, {0}},
	{"snmp", {0}, {161, 162}},
	{"socks", {1080}, {0}},
	{"ssh", {22}, {0}},
	{"ssl", {443, 563, 585, 614, 636, 989, 990, 992, 993, 995, 5223}, {443}},
	{"syslog", {0}, {514}},
	{"xmpp", {5222, 5269}, {0}},
	{"tunnels", {0}, {2123, 2152, 3544, 4789, 5072, 6081}},
};

static void
add(struct vg_port_set *ps, int proto, uint16_t port)
{
	ps->bits[proto][port / 64] |= 1ULL << (port % 64);
}

static void
load(struct vg_port_set *ps, const struct analyzer_ports *a)
{
	for (size_t i = 0; i < VG_ARRAY_SIZE(a->tcp) && a->tcp[i]; i++)
		add(ps, VG_PORT_TCP, a->tcp[i]);
	for (size_t i = 0; i < VG_ARRAY_SIZE(a->udp) && a->udp[i]; i++)
		add(ps, VG_PORT_UDP, a->udp[i]);
}

int
vg_port_set_from_analyzers(struct vg_port_set *ps, const char *list, const char **bad)
{
	static char badname[64];

	memset(ps, 0, sizeof(*ps));
	if (list == NULL || strcasecmp(list, "all") == 0) {
		for (size_t i = 0; i < VG_ARRAY_SIZE(analyzer_ports); i++)
			load(ps, &analyzer_ports[i]);
		return 0;
	}
	if (strcasecmp(list, "none") == 0 || list[0] == '\0')
		return 0;
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");
		bool found = false;

		for (size_t i = 0; i < VG_ARRAY_SIZE(analyzer_ports); i++) {
			if (strlen(analyzer_ports[i].name) == n &&
				strncasecmp(analyzer_ports[i].name, p, n) == 0) {
				load(ps, &analyzer_ports[i]);
				found = true;
			}
		}
		if (!found && n > 0) {
			if (bad != NULL) {
				size_t m = n < sizeof(badname) - 1 ? n : sizeof(badname) - 1;

				memcpy(badname, p, m);
				badname[m] = '\0';
				*bad = badname;
			}
			return -1;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

bool
vg_port_set_has(const struct vg_port_set *ps, int proto, uint16_t port)
{
	return ps != NULL && (ps->bits[proto][port / 64] >> (port % 64)) & 1;
}
