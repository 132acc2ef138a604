/* SPDX-License-Identifier: BSD-3-Clause */
#include "vg_decode.h"

static const char *const weird_names[VG_WEIRD_MAX] = {
#define VG_WEIRD_NAME(id, name) [VG_WEIRD_##id] = name,
	VG_WEIRD_TABLE(VG_WEIRD_NAME)
#undef VG_WEIRD_NAME
};

const char *
vg_weird_name(enum vg_weird w)
{
	if ((unsigned)w >= VG_WEIRD_MAX)
		return "unknown_weird";
	return weird_names[w];
}

void
vg_pkt_weird(struct vg_decoder *d, struct vg_pkt *pkt, enum vg_weird w, enum vg_weird_scope scope,
	const char *source)
{
	d->stats.weird[w]++;
	if (pkt->nweirds >= VG_PKT_MAX_WEIRDS)
		return;
	pkt->weirds[pkt->nweirds].code = (uint16_t)w;
	pkt->weirds[pkt->nweirds].scope = (uint8_t)scope;
	pkt->weirds[pkt->nweirds].source = source;
	pkt->nweirds++;
}
