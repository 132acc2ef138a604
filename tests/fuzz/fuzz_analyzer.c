/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for one analyzer, chosen at build time
 * (-DFUZZ_ANALYZER=vg_ssh_analyzer, ...): the analyzer is fed through its
 * table entry with a fake context (lib/analyzer/vg_an_testctx.h) that
 * renders every record, so what it writes is read back too.
 *
 * The input is a list of steps. A step starts with a control byte:
 *   bit 0      direction (1: originator)
 *   bits 1-2   0, 1: the next n bytes are stream data (a datagram for a
 *              UDP analyzer); 2: a content gap of n bytes (nothing
 *              consumed); 3: end of that direction (FIN)
 *   bits 3-7   n = (bits 3-7) * 37 + 1 (up to 1148), cut to what is left
 * The connection ends (end hook) after the last step; a flip may come
 * between steps (control byte 0xff). Nothing may read outside its buffers.
 */
#include <stdlib.h>
#include <string.h>

#include "vg_an_testctx.h"
#include "vg_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const struct vg_analyzer FUZZ_ANALYZER;
static const struct vg_analyzer *an = &FUZZ_ANALYZER;

static struct vg_an_ctx cx = {.now = 1000000000ULL * 1700000000ULL, .uid = "CFuzz"};
static struct vg_schema schemas[4], files_schema;
static void *state;

static void
setup(void)
{
	for (int i = 0; i < 3 && an->logs != NULL && an->logs[i].schema != NULL; i++) {
		schemas[i] = *an->logs[i].schema; /* ids of their own, as registration gives */
		schemas[i].id = (uint16_t)i;
		*an->logs[i].id = (uint16_t)i;
		cx.schemas[i] = &schemas[i];
	}
	/* files.log too (analyzers that hand bodies to the files framework) */
	files_schema = vg_files_schema;
	files_schema.id = 3;
	vg_files_schema.id = 3;
	cx.schemas[3] = &files_schema;
	state = malloc(an->state_size);
}

static void
deliver(bool is_orig, const uint8_t *p, uint32_t n)
{
	if (an->stream != NULL)
		an->stream(state, &cx, is_orig, p, n);
	else if (an->datagram != NULL)
		an->datagram(state, &cx, is_orig, p, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (state == NULL)
		setup();
	memset(state, 0, an->state_size);
	tc_reset(&cx);
	if (an->init != NULL)
		an->init(state, &cx);
	size_t i = 0;
	while (i < size) {
		uint8_t c = data[i++];
		bool is_orig = c & 1;
		uint32_t n = (uint32_t)(c >> 3) * 37 + 1;

		cx.now += 1000000;
		if (c == 0xff) {
			if (an->flip != NULL)
				an->flip(state);
			continue;
		}
		switch ((c >> 1) & 3) {
		case 0:
		case 1:
			if (n > size - i)
				n = (uint32_t)(size - i);
			deliver(is_orig, data + i, n);
			i += n;
			break;
		case 2:
			if (an->gap != NULL)
				an->gap(state, &cx, is_orig, n);
			break;
		default:
			if (an->eof != NULL)
				an->eof(state, &cx, is_orig);
			break;
		}
		if (cx.out_len > (1u << 20))
			tc_reset(&cx);
	}
	if (an->end != NULL)
		an->end(state, &cx, VG_AN_END_FLUSH);
	if (cx.bufs_out != 0)
		abort(); /* a side buffer the analyzer did not give back */
	return 0;
}
