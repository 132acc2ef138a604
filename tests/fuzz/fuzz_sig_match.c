/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: signature matching (lib/sig) on a fixed rule set that
 * uses every kind of condition, with packets, stream bytes and PDUs from
 * the input. The input is a list of commands; the first byte of each:
 *
 *   bits 0-2   0: a connection's first packet (header bytes from the input),
 *              1: TCP stream bytes, 2: a UDP packet, 3: an ICMP packet,
 *              4: an HTTP PDU piece, 5: a gap, 6: a role flip,
 *              7: the connection ends (its slot is reused by the next)
 *   bit 3      direction (responder when set)
 *   bits 4-5   which of four connections
 *   bit 6      PDU: begins; bit 7: PDU ends
 *   then len (1 byte) and len bytes of data.
 *
 * What must hold: no crash, no out-of-bounds access; every state and
 * stream goes back to its pool when the connections end (the table and
 * two matchers, one with a 64-byte depth, live across inputs).
 */
#include <stdlib.h>
#include <string.h>

#include "vg_flow_private.h"
#include "vg_sig.h"
#include "vg_sig_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules[] =
	"signature s-get { ip-proto == tcp dst-port == 80 payload /GET \\/[a-z]+/ event \"get\" }\n"
	"signature s-ok { ip-proto == tcp payload /.*HTTP\\/1\\.[01] 200/ tcp-state responder\n"
	"  requires-reverse-signature s-get event \"ok\" }\n"
	"signature s-not { ip-proto == tcp requires-signature ! s-get event \"no get\" }\n"
	"signature s-udp { ip-proto == udp payload /^[\\x00-\\x20]{2}.*(ab|cd)+/ event \"udp\" }\n"
	"signature s-size { ip-proto == udp payload-size > 10 event \"size\" }\n"
	"signature s-hdr { header ip[9:1] == 1 header icmp[0:1] & 0xf0 == 0 event \"icmp\" }\n"
	"signature s-same { same-ip src-ip == 10.0.0.0/8 dst-port < 1024 event \"same\" }\n"
	"signature s-body { http-request-body /[0-9]{3}$/ http-reply-body /x.*y/i event \"body\" "
	"}\n"
	"signature s-uri { http-request /.*\\.php/ udp-state originator event \"uri\" }\n"
	"signature s-two { payload /a/ payload /.*b/ src-port != 1,2,3 event \"two\" }\n";

static struct vg_sig_db *db;
static uint64_t records;

static bool
sink(void *ctx, const uint8_t *rec, uint32_t len)
{
	(void)ctx;
	(void)rec;
	(void)len;
	records++;
	return true;
}

static void
setup(void)
{
	struct vg_sig_ruleset rs = {0};
	char err[256];

	vg_sig_log_schema.id = (uint16_t)vg_schema_register(&vg_sig_log_schema);
	if (vg_sig_parse_text(&rs, "fuzz.sig", rules, sizeof(rules) - 1, NULL, NULL) != 0 ||
		vg_sig_ruleset_check(&rs, NULL, NULL) != 0)
		abort();
	db = vg_sig_db_build(&rs, NULL, NULL, err, sizeof(err));
	vg_sig_ruleset_free(&rs);
	if (db == NULL || vg_sig_db_rules(db) != 10)
		abort();
}

static uint8_t frame[40 + 256];

/* A packet of connection k with its header bytes partly from the input. */
static void
mk_pkt(struct vg_pkt *p, int k, uint8_t proto, bool resp, const uint8_t *d, uint32_t len)
{
	uint8_t a[4] = {10, 0, 0, (uint8_t)(1 + k)}, b[4] = {10, 0, 1, (uint8_t)(k & 1)};
	uint32_t hl = proto == 6 ? 20 : 8;

	memset(p, 0, sizeof(*p));
	memset(frame, 0, sizeof(frame));
	memcpy(frame, d, len < 40 ? len : 40); /* headers the input chose */
	frame[9] = proto;
	p->ts_ns = 1000000000ULL;
	p->ip_version = 4;
	p->ip_proto = proto;
	vg_addr_from_v4(resp ? &p->dst : &p->src, a);
	vg_addr_from_v4(resp ? &p->src : &p->dst, b);
	p->ip = frame;
	p->ip_hdr_len = 20;
	p->l4 = frame + 20;
	p->l4_ok = VG_L4_FULL;
	p->sport = resp ? 80 : (uint16_t)(1000 + k);
	p->dport = resp ? (uint16_t)(1000 + k) : 80;
	uint32_t n = len > 40 ? len - 40 : 0;

	if (n > sizeof(frame) - 20 - hl)
		n = (uint32_t)(sizeof(frame) - 20 - hl);
	memcpy(frame + 20 + hl, d + (len > 40 ? 40 : len), n);
	p->l4_len = p->l4_cap = hl + n;
	p->payload = frame + 20 + hl;
	p->payload_len = p->payload_cap = n;
	p->udp_len = (uint16_t)(8 + n);
	p->ip_len = 20 + hl + n;
	p->icmp_type = frame[20];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t protos[4] = {6, 6, 17, 1};
	static struct vg_flow_table *ft;
	static struct vg_sig_worker *sw[2];
	struct vg_conn *conns[4] = {0};
	struct vg_pkt p;

	/* Made once: every input must leave the pools as it found them. */
	if (db == NULL) {
		struct vg_flow_cfg fc = {
			.max_flows = 16, .reasm_memory = 65536, .sink = {.write = sink}};
		struct vg_sig_worker_cfg wc = {.max_conns = 3, .max_flows = 16, .max_streams = 3};

		setup();
		ft = vg_flow_table_create(&fc);
		sw[0] = vg_sig_worker_create(db, &wc);
		wc.depth = 64;
		sw[1] = vg_sig_worker_create(db, &wc);
		if (ft == NULL || sw[0] == NULL || sw[1] == NULL)
			abort();
	}
	struct vg_sig_worker *w = sw[size & 1];
	while (size >= 2) {
		uint8_t op = data[0], len = data[1];
		int k = (op >> 4) & 3;
		bool resp = op & 8;

		data += 2;
		size -= 2;
		if (len > size)
			len = (uint8_t)size;
		if (conns[k] == NULL) {
			mk_pkt(&p, k, protos[k], false, data, 0);
			uint32_t h = vg_flow_packet(ft, &p);

			if (h == VG_FLOW_NONE)
				abort();
			conns[k] = &ft->conns[h];
		}
		struct vg_conn *c = conns[k];

		switch (op & 7) {
		case 0:
		case 2:
		case 3:
			mk_pkt(&p, k,
				(op & 7) == 0           ? protos[k]
					: (op & 7) == 2 ? 17
							: 1,
				resp, data, len);
			if (c->kind == VG_KIND_TCP || (op & 7) != 0)
				vg_sig_packet(w, ft, c, &p, !resp);
			break;
		case 1:
			vg_sig_stream(w, ft, c, 1, !resp, data, len);
			break;
		case 4:
			vg_sig_pdu(w, ft, c, 1, (uint8_t)(1 + len % 7), !resp, data, len,
				(op & 0x40 ? VG_SIG_PDU_BEGIN : 0) |
					(op & 0x80 ? VG_SIG_PDU_END : 0));
			break;
		case 5:
			vg_sig_gap(w, ft, c, !resp);
			break;
		case 6:
			vg_conn_flip(c);
			vg_sig_flip(w, ft, c);
			break;
		default:
			vg_sig_conn_end(w, ft, c, 2);
			c->gen++; /* as if the flow table had reused the slot */
			conns[k] = NULL;
			break;
		}
		data += len;
		size -= len;
	}
	for (int k = 0; k < 4; k++)
		if (conns[k] != NULL)
			vg_sig_conn_end(w, ft, conns[k], 3);
	const struct vg_sig_stats *st = vg_sig_worker_stats(w);

	if (st->conns_used != 0 || st->streams_used != 0 || st->scan_errors != 0)
		abort();
	return 0;
}
