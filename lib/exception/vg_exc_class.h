/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exception path's classifier: on a collector VM whose only NIC DPDK
 * owns, which received frames are the VM's own traffic (for its kernel) and
 * which are capture (mirror transport and anything else). Pure C, no DPDK:
 * the workers call it on each frame of the exception port's bursts, before
 * any decode; it reads at most the Ethernet, VLAN, ARP/IP and UDP headers.
 */
#ifndef VG_EXC_CLASS_H
#define VG_EXC_CLASS_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_common.h"

#define VG_EXC_MAX_ADDRS 16

/* VG_MIRROR_* bits, as lib/decode's (repeated so this stays DPDK- and decode-free). */
#define VG_EXC_MIRROR_VXLAN  0x01
#define VG_EXC_MIRROR_GENEVE 0x02
#define VG_EXC_MIRROR_ERSPAN 0x04

struct vg_exc_cfg {
	uint8_t naddrs;
	struct vg_addr addrs[VG_EXC_MAX_ADDRS]; /* the host's (IPv4 as ::ffff:a.b.c.d) */
	uint8_t mirror;                         /* --mirror: VG_EXC_MIRROR_* */
	uint16_t mirror_port;                   /* --mirror-port (0: 4789 / 6081) */
	bool has_mac;
	uint8_t mac[6]; /* the port's (and the tap's) MAC address */
};

enum vg_exc_class {
	VG_EXC_CAPTURE = 0, /* analysed as mirrored traffic */
	VG_EXC_KERNEL,      /* addressed to the host: handed to the kernel */
	VG_EXC_IGNORE,      /* sent by the host (seen on a port that loops it back): neither */
};

/*
 * The class of one Ethernet frame (len bytes available). To the kernel:
 * ARP whose target is a host address; IPv4/IPv6 to a host address that is
 * not mirror transport (UDP to the VXLAN/GENEVE port, GRE for ERSPAN, as
 * --mirror says); DHCP to a client (UDP to port 68, any address: the lease
 * is not known yet); IPv6 neighbour discovery and router advertisements to
 * link multicast (ff02::/16). Frames from a host address that are not
 * mirror transport, and frames with the port's own source MAC address (the
 * kernel's own output, where a port shows what it sends, as AF_PACKET does),
 * are ignored. Everything else, and every frame too short
 * to tell, is capture. The host's addresses are cfg's addrs (--host-addr).
 */
enum vg_exc_class vg_exc_classify(const struct vg_exc_cfg *cfg, const uint8_t *f, uint32_t len);

/* The same with the host's addresses given apart (cfg's addrs not used): the
 * configured and the learned ones (vg_exc_hosts.h). */
enum vg_exc_class vg_exc_classify_hosts(const struct vg_exc_cfg *cfg, const struct vg_addr *host,
	uint8_t nhost, const uint8_t *f, uint32_t len);

/* Adds a host address given as text (IPv4 or IPv6); -1 when it does not parse or is one too many.
 */
int vg_exc_add_addr(struct vg_exc_cfg *cfg, const char *text);

#endif /* VG_EXC_CLASS_H */
