/* SPDX-License-Identifier: BSD-3-Clause */
/* DHCP analyzer unit tests, through the test context (vg_an_testctx.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_an_testctx.h"
#include "vg_dhcp.h"
#include "vg_test.h"

#define SEC 1000000000ull

static struct vg_an_ctx cx;
static uint8_t st[64];

/* A BOOTP message with the given options (code, len, bytes...) then the end option. */
static uint32_t
msg(uint8_t *p, uint8_t op, uint32_t xid, uint32_t yiaddr, const uint8_t *opts, uint32_t olen)
{
	memset(p, 0, 300 + olen);
	p[0] = op;
	p[1] = 1;
	p[2] = 6;
	p[4] = (uint8_t)(xid >> 24);
	p[5] = (uint8_t)(xid >> 16);
	p[6] = (uint8_t)(xid >> 8);
	p[7] = (uint8_t)xid;
	p[16] = (uint8_t)(yiaddr >> 24);
	p[17] = (uint8_t)(yiaddr >> 16);
	p[18] = (uint8_t)(yiaddr >> 8);
	p[19] = (uint8_t)yiaddr;
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x17, 0x03, 0xa1};
	memcpy(p + 28, mac, 6);
	p[236] = 0x63;
	p[237] = 0x82;
	p[238] = 0x53;
	p[239] = 0x63;
	memcpy(p + 240, opts, olen);
	p[240 + olen] = 255;
	return 241 + olen;
}

static void
send(bool orig, uint64_t t, const uint8_t *p, uint32_t len)
{
	cx.now = t;
	vg_dhcp_analyzer.datagram(st, &cx, orig, p, len);
}

static void
test_exchange(void)
{
	uint8_t p[600];
	static const uint8_t discover[] = {53, 1, 1, 12, 8, 'l', 'a', 'p', 't', 'o', 'p', '-', '3'};
	static const uint8_t offer[] = {53, 1, 2, 51, 4, 0, 0, 0, 120, 15, 4, 'l', 'a', 'n', 0};
	static const uint8_t request[] = {53, 1, 3, 50, 4, 10, 23, 2, 110};
	static const uint8_t ack[] = {53, 1, 5, 51, 4, 0, 0, 0, 120};
	uint64_t t0 = 1700000000ull * SEC;
	uint32_t n;

	tc_reset(&cx);
	n = msg(p, 1, 0x1234, 0, discover, sizeof(discover));
	send(true, t0, p, n);
	n = msg(p, 2, 0x1234, 0x0a17026e, offer, sizeof(offer));
	send(false, t0 + SEC / 100, p, n);
	n = msg(p, 1, 0x1234, 0, request, sizeof(request));
	send(true, t0 + SEC, p, n);
	n = msg(p, 2, 0x1234, 0x0a17026e, ack, sizeof(ack));
	send(false, t0 + SEC + SEC / 50, p, n);
	CHECK_EQ(cx.records, 0); /* still being watched */
	CHECK(cx.confirms == 4);

	/* 10 s after it was made, quiet for more than 5 s: written. */
	cx.now = t0 + 10 * SEC;
	vg_dhcp_analyzer.end(st, &cx, VG_AN_END_TIMEOUT);
	CHECK_EQ(cx.records, 1);
	const char *want =
		"dhcp\t1700000000.000000\tCtest\taddr\taddr\t52:54:00:17:03:a1\tlaptop-3\t-\t"
		"lan\taddr\taddr\t120.000000\t-\t-\tDISCOVER,OFFER,REQUEST,ACK\t1.020000\t-\t-\t-"
		"\n";
	CHECK(cx.out && strcmp(cx.out, want) == 0);
	if (cx.out && strcmp(cx.out, want) != 0)
		fprintf(stderr, "got  %swant %s", cx.out, want);
}

static void
test_busy_and_flush(void)
{
	uint8_t p[600];
	static const uint8_t inform[] = {53, 1, 8};
	uint64_t t0 = 1700001000ull * SEC;
	uint32_t n = msg(p, 1, 0x99, 0, inform, sizeof(inform));

	/* A message every 4 s keeps the id open until it has been watched 30 s. */
	tc_reset(&cx);
	for (int i = 0; i <= 9; i++)
		send(true, t0 + (uint64_t)i * 4 * SEC, p, n);
	CHECK_EQ(cx.records, 1);
	CHECK(cx.out &&
		strstr(cx.out,
			"\tINFORM,INFORM,INFORM,INFORM,INFORM,INFORM,INFORM,INFORM,INFORM\t") !=
			NULL);
	/* What is left is written at the end. */
	vg_dhcp_analyzer.end(st, &cx, VG_AN_END_FLUSH);
	CHECK_EQ(cx.records, 2);
}

static void
test_malformed(void)
{
	uint8_t p[600];
	static const uint8_t nomsgtype[] = {12, 1, 'x'};
	static const uint8_t runaway[] = {53, 1, 1, 12, 200, 'x'};
	uint32_t n;

	tc_reset(&cx);
	n = msg(p, 1, 7, 0, nomsgtype, sizeof(nomsgtype));
	send(true, 1, p, n);
	CHECK_EQ(cx.violations, 1);
	n = msg(p, 1, 7, 0, runaway, sizeof(runaway));
	send(true, 2, p, n - 1); /* the option runs past the datagram */
	CHECK_EQ(cx.violations, 2);
	for (uint32_t len = 0; len < n; len++)
		send(true, 3, p, len); /* every truncation: no crash, never a record */
	vg_dhcp_analyzer.end(st, &cx, VG_AN_END_FLUSH);
	CHECK_EQ(cx.records, 0);
}

/* A full exchange table: the oldest goes out early, and that is counted. */
static void
test_table_full(void)
{
	uint8_t p[600];
	static const uint8_t discover[] = {53, 1, 1};
	uint64_t t0 = 1700002000ull * SEC, early0 = vg_dhcp_exchanges_early();
	uint32_t n;

	tc_reset(&cx);
	for (uint32_t i = 0; i < VG_DHCP_TXIDS; i++) {
		n = msg(p, 1, 0x5000 + i, 0, discover, sizeof(discover));
		send(true, t0 + i * (SEC / 1000), p, n);
	}
	CHECK_EQ(cx.records, 0);
	CHECK_EQ(vg_dhcp_exchanges_early() - early0, 0);
	n = msg(p, 1, 0x6000, 0, discover, sizeof(discover));
	send(true, t0 + SEC, p, n);
	CHECK_EQ(cx.records, 1);
	CHECK_EQ(vg_dhcp_exchanges_early() - early0, 1);
	/* The counter is the one --stats, stats.log and telemetry show. */
	const uint64_t *v = vg_dhcp_analyzer.counters->values();

	CHECK(strcmp(vg_dhcp_analyzer.counters->names[0], "dhcp_exchanges_early") == 0);
	CHECK_EQ(v[0] - early0, 1);
	vg_dhcp_analyzer.end(st, &cx, VG_AN_END_FLUSH);
}

int
main(void)
{
	static const uint8_t zero[4] = {0, 0, 0, 0}, bcast[4] = {255, 255, 255, 255};

	/* The client's broadcast: 0.0.0.0:68 -> 255.255.255.255:67. */
	cx.custom_id = true;
	vg_addr_from_v4(&cx.orig_h, zero);
	vg_addr_from_v4(&cx.resp_h, bcast);
	cx.orig_p = 68;
	cx.resp_p = 67;
	cx.uid = "Ctest";
	cx.schemas[0] = vg_dhcp_analyzer.logs[0].schema;
	*vg_dhcp_analyzer.logs[0].id = cx.schemas[0]->id;
	test_exchange();
	test_busy_and_flush();
	test_malformed();
	test_table_full();
	free(cx.out);
	printf("dhcp: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed != 0;
}
