/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BPF capture filters (tcpdump's expressions, `vigil -f`) for packets that do
 * not come through libpcap: compiled once by libpcap for a link type, then run
 * per packet with libpcap's bpf_filter(), which is plain computation (no
 * syscall, no allocation) and bounded: classic BPF jumps only forward, so a
 * program runs at most its length in instructions.
 */
#ifndef VG_BPF_H
#define VG_BPF_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_bpf {
	struct bpf_program prog;
	bool set;
};

/* Compiles expr for the link type (DLT_*); -1 with libpcap's reason in err. */
int vg_bpf_compile(struct vg_bpf *f, const char *expr, int link, char *err, size_t errlen);
void vg_bpf_free(struct vg_bpf *f);

/* True when the packet passes the filter. */
static inline bool
vg_bpf_match(const struct vg_bpf *f, const uint8_t *data, uint32_t wire_len, uint32_t cap_len)
{
	return bpf_filter(f->prog.bf_insns, data, wire_len, cap_len) != 0;
}

#endif /* VG_BPF_H */
