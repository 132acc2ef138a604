/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-tap's framing: a captured packet becomes the payload of one UDP
 * datagram to the sensor, as AWS VPC Traffic Mirroring sends it (VXLAN, RFC
 * 7348, VNI = the mirror session id, an Ethernet frame inside). Captures whose
 * link layer is not Ethernet (the "any" device, raw IP) get an Ethernet header
 * made up for them, so the sensor's aws-vxlan decoder reads every frame alike.
 * No allocation, every read bounds-checked.
 */
#ifndef VG_TAP_ENCAP_H
#define VG_TAP_ENCAP_H

#include <stdbool.h>
#include <stdint.h>

#define VG_TAP_VXLAN_LEN 8
#define VG_TAP_ETH_LEN   14
#define VG_TAP_VNI_MAX   0xffffffu /* 24 bits */

/* The link layers vigil-tap takes (pcap's DLT_ values it maps to these). */
enum vg_tap_link {
	VG_TAP_LINK_ETHERNET, /* DLT_EN10MB: sent as captured */
	VG_TAP_LINK_SLL,      /* DLT_LINUX_SLL: 16-byte cooked header */
	VG_TAP_LINK_SLL2,     /* DLT_LINUX_SLL2: 20-byte cooked header */
	VG_TAP_LINK_RAW,      /* DLT_RAW, DLT_IPV4, DLT_IPV6: an IP packet */
	VG_TAP_LINK_UNKNOWN,
};

/* Maps a pcap data link type; VG_TAP_LINK_UNKNOWN for one vigil-tap cannot wrap. */
enum vg_tap_link vg_tap_link_of(int dlt);

/* Writes the 8-byte VXLAN header: flags 0x08 (VNI valid), the 24-bit VNI. */
void vg_tap_vxlan_header(uint8_t out[VG_TAP_VXLAN_LEN], uint32_t vni);

/*
 * The Ethernet frame to send for one captured packet: for Ethernet, the
 * packet itself (*hdr_len 0); otherwise the packet without its cooked header,
 * after a made-up Ethernet header written to eth (*hdr_len 14): zero
 * addresses (the cooked header's source address when it has one) and the
 * packet's protocol as EtherType. Returns the offset in pkt where the part to
 * send starts, or -1 when the packet is too short or its protocol unknown.
 */
int vg_tap_frame(enum vg_tap_link link, const uint8_t *pkt, uint32_t caplen,
	uint8_t eth[VG_TAP_ETH_LEN], uint32_t *hdr_len);

/*
 * A hash of the packet's flow that is the same for both directions
 * (addresses and ports ordered), from the Ethernet frame (after any 802.1Q
 * tags) or the IP packet. Picks the sender socket, hence the outer UDP source
 * port, so that the sensor's RSS keeps a flow on one queue and spreads flows
 * over queues, as AWS's flow-hash source port does. Non-IP frames hash to 0.
 */
uint32_t vg_tap_flow_hash(const uint8_t *frame, uint32_t len, bool is_ip);

#endif /* VG_TAP_ENCAP_H */
