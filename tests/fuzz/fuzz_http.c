/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the HTTP analyzer and the files framework fed the two
 * byte streams of a connection as the reassembler would, with a fake
 * analyzer context (lib/analyzer/vg_an_testctx.h) that renders every record.
 *
 * The input is a list of steps. A step starts with a control byte:
 *   bit 0      direction (1: originator)
 *   bits 1-2   0, 1: the next n bytes are stream data; 2: a content gap of
 *              n bytes (nothing consumed); 3: end of that direction (FIN)
 *   bits 3-7   n = (bits 3-7) * 37 + 1 (up to 1148), cut to what is left
 * The connection ends (end hook) after the last step. Records must be well
 * formed, nothing may read outside its buffers, and state must stay bounded.
 */
#include <stdlib.h>
#include <string.h>

#include "vg_an_testctx.h"
#include "vg_files.h"
#include "vg_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vg_an_ctx cx = {.now = 1000000000ULL * 1700000000ULL, .uid = "CFuzz"};
static struct vg_http *h;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (h == NULL) {
		struct vg_files_config fc = {.pool_files = 8, .md5 = true};
		vg_files_configure(&fc);
		vg_http_schema.id = 100;
		vg_files_schema.id = 101;
		cx.schemas[0] = &vg_http_schema;
		cx.schemas[1] = &vg_files_schema;
		h = malloc(sizeof(*h));
	}
	memset(h, 0, sizeof(*h));
	tc_reset(&cx);
	/* Every other input as an Istio shadow copy (--shadow-listen). */
	cx.shadow = size > 0 && (data[size - 1] & 0x80);
	vg_http_analyzer.init(h, &cx);
	size_t i = 0;
	while (i < size) {
		uint8_t c = data[i++];
		bool is_orig = c & 1;
		uint32_t n = (uint32_t)(c >> 3) * 37 + 1;
		cx.now += 1000;
		switch ((c >> 1) & 3) {
		case 0:
		case 1:
			if (n > size - i)
				n = (uint32_t)(size - i);
			vg_http_analyzer.stream(h, &cx, is_orig, data + i, n);
			i += n;
			break;
		case 2:
			vg_http_analyzer.gap(h, &cx, is_orig, n);
			break;
		default:
			vg_http_analyzer.eof(h, &cx, is_orig);
			break;
		}
		if (cx.out_len > (1u << 20))
			tc_reset(&cx); /* keep the rendered text small */
	}
	vg_http_analyzer.end(h, &cx, VG_AN_END_FLUSH);
	if (cx.bufs_out != 0)
		abort(); /* a side buffer the analyzer did not give back */
	return 0;
}
