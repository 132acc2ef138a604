/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-tap's framing of captured bytes: the first byte picks the link type,
 * the rest is the packet. vg_tap_frame and vg_tap_flow_hash must stay inside
 * the buffer (ASan), and what they return must describe a part of it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vg_tap_encap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int dlts[] = {1, 12, 101, 113, 228, 229, 276, 105};

	if (size < 1 || size > 65536)
		return 0;
	enum vg_tap_link link = vg_tap_link_of(dlts[data[0] % 8]);
	uint32_t len = (uint32_t)size - 1;
	/* A copy of exactly len bytes, so any read past it is caught. */
	uint8_t *pkt = malloc(len ? len : 1);
	uint8_t eth[VG_TAP_ETH_LEN];
	uint32_t hlen = 99;

	memcpy(pkt, data + 1, len);
	int off = vg_tap_frame(link, pkt, len, eth, &hlen);

	if (off >= 0) {
		if ((uint32_t)off > len || (hlen != 0 && hlen != VG_TAP_ETH_LEN))
			abort();
		(void)vg_tap_flow_hash(pkt + off, len - (uint32_t)off, hlen != 0);
	}
	(void)vg_tap_flow_hash(pkt, len, false);
	free(pkt);
	return 0;
}
