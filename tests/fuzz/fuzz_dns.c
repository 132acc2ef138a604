/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the DNS analyzer: the input is a connection. Its
 * first byte chooses the transport (bit 0: TCP), NetBIOS's port 137 (bit 1)
 * and a multicast responder (bit 2); then come chunks, each a control byte
 * (bit 0: from the responder, bit 1: a gap before it, bit 2: FIN after it,
 * bits 3-4: time passing, bits 5-7: the length's high bits), a length byte
 * and that many bytes: a datagram, or a piece of the TCP
 * stream. The analyzer runs with a fake framework context that builds every
 * record it writes and checks that it closes.
 */
#include <stdint.h>
#include <string.h>

#include "vg_analyzer.h"
#include "vg_dns.h"
#include "vg_dns_log.h"

struct vg_an_ctx {
	uint64_t now;
	bool tcp;
	struct vg_addr oh, rh;
	uint16_t rp;
	uint8_t buf[VG_REC_MAX_LEN];
};

uint64_t
vg_an_now(const struct vg_an_ctx *cx)
{
	return cx->now;
}

const char *
vg_an_uid(const struct vg_an_ctx *cx)
{
	(void)cx;
	return "Cfuzz";
}

void
vg_an_id(const struct vg_an_ctx *cx, struct vg_addr *orig_h, uint16_t *orig_p,
	struct vg_addr *resp_h, uint16_t *resp_p)
{
	*orig_h = cx->oh;
	*orig_p = 40000;
	*resp_h = cx->rh;
	*resp_p = cx->rp;
}

bool
vg_an_is_tcp(const struct vg_an_ctx *cx)
{
	return cx->tcp;
}

void
vg_an_rec_begin(struct vg_an_ctx *cx, struct vg_rec *r, uint16_t log_id, uint64_t ts_ns)
{
	(void)log_id;
	vg_rec_begin(r, cx->buf, sizeof(cx->buf), &vg_dns_log_schema);
	vg_rec_time(r, ts_ns);
	vg_rec_cstr(r, "Cfuzz");
	vg_rec_addr(r, &cx->oh);
	vg_rec_port(r, 40000);
	vg_rec_addr(r, &cx->rh);
	vg_rec_port(r, cx->rp);
}

bool
vg_an_rec_write(struct vg_an_ctx *cx, struct vg_rec *r)
{
	(void)cx;
	if (vg_rec_end(r) == 0)
		__builtin_trap(); /* every dns.log record must fit and be complete */
	return true;
}

void
vg_an_confirm(struct vg_an_ctx *cx)
{
	(void)cx;
}

void
vg_an_violate(struct vg_an_ctx *cx, const char *reason)
{
	(void)cx;
	(void)reason;
}

void
vg_an_weird(struct vg_an_ctx *cx, const char *name, const char *addl)
{
	(void)cx;
	if (name == NULL || name[0] == '\0' || (addl && strlen(addl) > 64))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vg_an_ctx cx;
	static uint64_t state[4096];
	static const uint8_t o4[4] = {10, 0, 0, 1}, r4[4] = {10, 0, 0, 53},
			     m4[4] = {224, 0, 0, 251};

	if (size < 1 || vg_dns_analyzer.state_size > sizeof(state))
		return 0;
	uint8_t mode = data[0];

	data++;
	size--;
	memset(state, 0, vg_dns_analyzer.state_size);
	cx.tcp = mode & 1;
	cx.rp = (mode & 2) ? 137 : 53;
	cx.now = 1000000000000ull;
	vg_addr_from_v4(&cx.oh, o4);
	vg_addr_from_v4(&cx.rh, (mode & 4) ? m4 : r4);
	vg_dns_analyzer.init(state, &cx);
	if (size > 0)
		(void)vg_dns_analyzer.probe(data, (uint32_t)size, true);
	while (size >= 2) {
		uint8_t ctl = data[0];
		size_t n = data[1] | (size_t)(ctl >> 5) << 8;

		data += 2;
		size -= 2;
		if (n > size)
			n = size;
		bool is_orig = !(ctl & 1);

		cx.now += 1000 * ((ctl >> 3) & 3);
		if (cx.tcp) {
			if (ctl & 2)
				vg_dns_analyzer.gap(state, &cx, is_orig, 10);
			vg_dns_analyzer.stream(state, &cx, is_orig, data, (uint32_t)n);
			if (ctl & 4)
				vg_dns_analyzer.eof(state, &cx, is_orig);
		} else {
			vg_dns_analyzer.datagram(state, &cx, is_orig, data, (uint32_t)n);
		}
		data += n;
		size -= n;
	}
	vg_dns_analyzer.end(state, &cx, VG_AN_END_FLUSH);
	return 0;
}
