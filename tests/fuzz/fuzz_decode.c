/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the packet decoder, the flow table behind it, and the
 * text formats of every record the flow table writes.
 *
 * Input layout:
 *   byte 0, low 4 bits   link type: index into links[]
 *   byte 0, bit 4        verify checksums (else ignored, like zeek -C)
 *   byte 0, bit 5        framed: the rest is a sequence of packets, each
 *                        [len lo][len hi][dt] then len bytes (bit 15 of len:
 *                        the wire carried 100 bytes more than captured; dt:
 *                        time step, < 0xf0 in 10 ms units, else 30 s units);
 *                        without it the rest is one packet.
 *   byte 0, bits 6-7     the NIC's checksum verdict given with every packet
 *                        (bit 6: IPv4 header good, bit 7: TCP/UDP good)
 *
 * Each packet is copied to a buffer of its exact size, so ASan sees any read
 * past the captured bytes. Records must always format: a record the flow
 * table wrote that the formatter refuses is a bug, reported with abort().
 *
 * The decoders are set up once. Their fragment tables outlive an input, so
 * each input runs at a network time 10000 s past the previous one: anything
 * an earlier input left for reassembly has timed out, and every input runs
 * the same way alone as in a campaign.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_analyzer.h"
#include "vg_decode.h"
#include "vg_flow.h"
#include "vg_logfmt.h"
#include "vg_record.h"
#include "vg_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[16] = {
	VG_LINK_ETHERNET,
	VG_LINK_NULL,
	VG_LINK_PPP,
	VG_LINK_RAW,
	VG_LINK_RAW_ALT,
	VG_LINK_PPP_SERIAL,
	VG_LINK_LINKTYPE_RAW,
	VG_LINK_IEEE802_11,
	VG_LINK_LOOP,
	VG_LINK_LINUX_SLL,
	VG_LINK_IEEE802_11_RADIO,
	VG_LINK_IPV4,
	VG_LINK_IPV6,
	VG_LINK_NFLOG,
	VG_LINK_LINUX_SLL2,
	VG_LINK_FDDI,
};

#define OPT_CHECKSUMS 0x10
#define OPT_FRAMED    0x20
#define OPT_NIC_IP    0x40
#define OPT_NIC_L4    0x80

static uint8_t nic_verdict; /* VG_RX_CKSUM_* for every packet of this input */

#define ALL_FEATURES ((1u << VG_FEAT_COMMUNITY_ID) | (1u << VG_FEAT_VLAN) | (1u << VG_FEAT_L2_ADDR))

#define INPUT_STEP_NS (10000ULL * 1000000000ULL)
#define INPUT_SPAN_NS (3000ULL * 1000000000ULL)
#define FIRST_BASE_NS (1000000000ULL * 1000000000ULL)

static struct vg_decoder dec_lax, dec_strict;
static struct vg_port_set ports;
static struct vg_buf text;
static uint64_t base_ns;
static bool ready;

static void
setup(void)
{
	struct vg_decode_cfg lax = {.ignore_checksums = true, .frag_slots = 8};
	struct vg_decode_cfg strict = {.ignore_checksums = false, .frag_slots = 8};

	if (ready) {
		vg_decoder_fini(&dec_lax);
		vg_decoder_fini(&dec_strict);
	}
	if (vg_decoder_init(&dec_lax, &lax) != 0 || vg_decoder_init(&dec_strict, &strict) != 0)
		abort();
	if (vg_port_set_from_analyzers(&ports, NULL, NULL) != 0)
		abort();
	vg_analyzers_register_logs(); /* as vigil does at start: analyzers' logs get their ids */
	base_ns = FIRST_BASE_NS;
	ready = true;
}

/* The flow table's sink: every record must read back and format. */
static bool
sink_write(void *ctx, const uint8_t *rec, uint32_t len)
{
	struct vg_rec_reader rd;
	struct vg_rec_value v;

	(void)ctx;
	if (vg_rec_read_begin(&rd, rec, len) != 0)
		abort();
	while (rd.field < rd.nfields)
		if (vg_rec_read_next(&rd, &v) != 0)
			abort();
	vg_buf_reset(&text);
	if (vg_logfmt_tsv(&text, ALL_FEATURES, rec, len) != 0)
		abort();
	if (vg_logfmt_tsv(&text, 0, rec, len) != 0)
		abort();
	if (vg_logfmt_json(&text, ALL_FEATURES, rec, len) != 0)
		abort();
	return true;
}

/* Reads every byte the decoder says is there, so ASan checks the claim. */
static volatile uint8_t sink_byte;

static void
touch(const uint8_t *p, uint32_t n)
{
	uint8_t x = 0;

	if (p == NULL)
		return;
	for (uint32_t i = 0; i < n; i++)
		x ^= p[i];
	sink_byte = x;
}

static void
check_pkt(const struct vg_pkt *pkt, const uint8_t *buf, uint32_t cap)
{
	const uint8_t *end = buf + cap;

	touch(pkt->l4, pkt->l4_cap);
	touch(pkt->payload, pkt->payload_cap);
	if (pkt->reassembled || pkt->ntunnels > 0)
		return;
	/* Straight from the capture: every pointer stays inside it. */
	if (pkt->ip != NULL && (pkt->ip < buf || pkt->ip > end))
		abort();
	if (pkt->l4 != NULL && (pkt->l4 < buf || pkt->l4_cap > (uint32_t)(end - pkt->l4)))
		abort();
	if (pkt->payload != NULL &&
		(pkt->payload < buf || pkt->payload_cap > (uint32_t)(end - pkt->payload)))
		abort();
}

/* As the worker does: the packet, then any UDP tunnels inside it, down. */
static void
run_ip(struct vg_decoder *d, struct vg_flow_table *ft, struct vg_pkt *pkt, const uint8_t *buf,
	uint32_t cap)
{
	for (int depth = 0; depth < 8; depth++) {
		struct vg_udp_tunnel t;
		struct vg_tunnel outer;
		uint32_t h;

		check_pkt(pkt, buf, cap);
		h = vg_flow_packet(ft, pkt);
		if (h == VG_FLOW_NONE || !vg_udp_tunnel_probe(d, pkt, &t))
			return;
		vg_flow_tunnel_outer(ft, h, &t, &outer);
		if (vg_udp_tunnel_enter(d, pkt, &t, &outer) != VG_DECODE_IP) {
			if (pkt->nweirds)
				vg_flow_packet_weirds(ft, pkt);
			return;
		}
	}
}

static void
one_packet(struct vg_decoder *d, struct vg_flow_table *ft, int link, const uint8_t *p, uint32_t cap,
	uint32_t wire, uint64_t ts)
{
	/* An exact-size copy: a read past cap is a heap overflow ASan reports. */
	uint8_t *buf = malloc(cap ? cap : 1);
	struct vg_pkt pkt;
	enum vg_decode_result r;

	if (buf == NULL)
		return;
	memcpy(buf, p, cap);
	d->rx_cksum = nic_verdict;
	r = vg_decode(d, link, buf, cap, wire, ts, &pkt);
	switch (r) {
	case VG_DECODE_IP:
		run_ip(d, ft, &pkt, buf, cap);
		for (int i = 0; i < 64 && d->more_len > 0; i++)
			if (vg_decode_next(d, &pkt) == VG_DECODE_IP)
				run_ip(d, ft, &pkt, buf, cap);
		break;
	default:
		vg_flow_advance(ft, pkt.ts_ns);
		if (pkt.nweirds)
			vg_flow_packet_weirds(ft, &pkt);
		break;
	}
	d->more = NULL;
	d->more_len = 0;
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_flow_cfg cfg = {
		.max_flows = 16, /* small, so eviction runs too */
		.features = ALL_FEATURES,
		.uid_seed = 7,
		.local_private = true,
		.server_ports = &ports,
		.sink = {.write = sink_write, .ctx = NULL},
	};
	struct vg_flow_table *ft;
	struct vg_decoder *d;
	int link;
	uint64_t t0, ts;

	if (!ready || base_ns > UINT64_MAX - 2 * INPUT_STEP_NS)
		setup();
	base_ns += INPUT_STEP_NS;
	if (size < 1)
		return 0;
	link = links[data[0] & 0x0f];
	d = (data[0] & OPT_CHECKSUMS) ? &dec_strict : &dec_lax;
	nic_verdict = (uint8_t)(((data[0] & OPT_NIC_IP) ? VG_RX_CKSUM_IP_GOOD : 0) |
		((data[0] & OPT_NIC_L4) ? VG_RX_CKSUM_L4_GOOD : 0));
	ft = vg_flow_table_create(&cfg);
	if (ft == NULL)
		return 0;
	t0 = ts = base_ns;
	data++;
	size--;
	if (!(data[-1] & OPT_FRAMED)) {
		one_packet(d, ft, link, data, (uint32_t)size, (uint32_t)size, ts);
	} else {
		while (size >= 3) {
			uint16_t len = (uint16_t)(data[0] | data[1] << 8);
			uint8_t dt = data[2];
			uint32_t cap = len & 0x7fff;
			uint32_t wire;

			data += 3;
			size -= 3;
			if (cap > size)
				cap = (uint32_t)size;
			wire = (len & 0x8000) ? cap + 100 : cap;
			if (ts - t0 < INPUT_SPAN_NS)
				ts += dt < 0xf0 ? dt * 10000000ULL
						: (dt - 0xefULL) * 30000000000ULL;
			one_packet(d, ft, link, data, cap, wire, ts);
			data += cap;
			size -= cap;
		}
	}
	vg_flow_flush(ft);
	vg_flow_table_free(ft);
	return 0;
}
