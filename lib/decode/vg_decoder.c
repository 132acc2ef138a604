/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>

#include "vg_decode.h"
#include "vg_decode_private.h"

int
vg_decoder_init(struct vg_decoder *d, const struct vg_decode_cfg *cfg)
{
	memset(d, 0, sizeof(*d));
	if (cfg != NULL)
		d->cfg = *cfg;
	d->frags = vg_frag_table_create(d->cfg.frag_slots, d->cfg.frag_timeout_ns);
	return d->frags == NULL ? -1 : 0;
}

void
vg_decoder_fini(struct vg_decoder *d)
{
	vg_frag_table_free(d->frags);
	d->frags = NULL;
}
