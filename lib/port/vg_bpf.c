/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "vg_bpf.h"

int
vg_bpf_compile(struct vg_bpf *f, const char *expr, int link, char *err, size_t errlen)
{
	pcap_t *dead = pcap_open_dead(link, 262144);

	memset(f, 0, sizeof(*f));
	if (dead == NULL) {
		snprintf(err, errlen, "libpcap cannot compile filters for link type %d", link);
		return -1;
	}
	if (pcap_compile(dead, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "%s", pcap_geterr(dead));
		pcap_close(dead);
		return -1;
	}
	pcap_close(dead);
	f->set = true;
	return 0;
}

void
vg_bpf_free(struct vg_bpf *f)
{
	if (f->set)
		pcap_freecode(&f->prog);
	f->set = false;
}
