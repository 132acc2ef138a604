/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet decoding: link layer, VLAN/QinQ, MPLS, PPPoE, IPv4/IPv6 with
 * extension headers and fragment reassembly, TCP/UDP/ICMP/ICMPv6.
 *
 * The decoder works on plain byte buffers so that the offline reader, the
 * DPDK ports and the unit tests all feed it the same way. It knows nothing
 * of flows: it fills one struct vg_pkt per packet, which the flow layer reads.
 * Every read is bounds-checked; malformed input ends as a weird code and a
 * counter, never as a read past the buffer.
 */
#ifndef VG_DECODE_H
#define VG_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_common.h"
#include "vg_weird.h"

/* Link types, numbered as libpcap's DLT_ values on Linux. */
enum vg_link {
	VG_LINK_NULL = 0,
	VG_LINK_ETHERNET = 1,
	VG_LINK_PPP = 9,
	VG_LINK_FDDI = 10,
	VG_LINK_RAW = 12,
	VG_LINK_RAW_ALT = 14,
	VG_LINK_PPP_SERIAL = 50,
	VG_LINK_LINKTYPE_RAW = 101,
	VG_LINK_IEEE802_11 = 105,
	VG_LINK_LOOP = 108,
	VG_LINK_LINUX_SLL = 113,
	VG_LINK_IEEE802_11_RADIO = 127,
	VG_LINK_IPV4 = 228,
	VG_LINK_IPV6 = 229,
	VG_LINK_NFLOG = 239,
	VG_LINK_LINUX_SLL2 = 276,
};

/* True when the decoder understands this link type. */
bool vg_link_supported(int link);

/* Result of decoding one packet. */
enum vg_decode_result {
	VG_DECODE_IP,       /* an IP packet: the L3/L4 fields are valid */
	VG_DECODE_NOT_IP,   /* a valid frame carrying no IP (ARP, LLDP, ...) */
	VG_DECODE_HELD,     /* an IP fragment kept for reassembly */
	VG_DECODE_DROPPED,  /* malformed: see pkt->weirds */
	VG_DECODE_DEFERRED, /* cfg.defer_frags: an IP fragment, addresses only, left whole */
};

#define VG_PKT_MAX_WEIRDS 4

/*
 * How many decoded packets a caller may hold at once (decoding ahead of the
 * flow table) while reassembled datagrams stay valid: the reassembly buffers
 * rotate, with room for this many plus nested tunnels.
 */
#define VG_DECODE_MAX_HELD 8

/* Scope of a weird: what the weird.log row can name. */
enum vg_weird_scope {
	VG_WEIRD_SCOPE_NET,  /* no addresses: source column names the layer */
	VG_WEIRD_SCOPE_FLOW, /* addresses known, ports 0, no uid */
	VG_WEIRD_SCOPE_CONN, /* belongs to the packet's connection */
};

struct vg_pkt_weird {
	uint16_t code;      /* enum vg_weird */
	uint8_t scope;      /* enum vg_weird_scope */
	const char *source; /* layer name for VG_WEIRD_SCOPE_NET, or NULL */
};

/* TCP flag bits as on the wire. */
#define VG_TCP_FIN 0x01
#define VG_TCP_SYN 0x02
#define VG_TCP_RST 0x04
#define VG_TCP_PSH 0x08
#define VG_TCP_ACK 0x10
#define VG_TCP_URG 0x20

/* How much of the transport header could be read. */
enum vg_l4_state {
	VG_L4_NONE = 0,  /* not even the ports: no connection for it */
	VG_L4_PORTS = 1, /* ports (or ICMP type/code) only: connection, nothing else */
	VG_L4_FULL = 2,  /* the whole header */
};

/* Encapsulations the decoder walked through (tunnel mode, as Zeek logs them). */
enum vg_tunnel_type {
	VG_TUN_NONE,
	VG_TUN_GRE,    /* GRE, including ERSPAN and PPTP's enhanced GRE */
	VG_TUN_IP,     /* IP-in-IP: 4in4, 6in4, 4in6, 6in6 */
	VG_TUN_VXLAN,  /* UDP 4789 */
	VG_TUN_GENEVE, /* UDP 6081 */
	VG_TUN_TEREDO, /* IPv6 in UDP, found by its shape */
	VG_TUN_AYIYA,  /* UDP 5072 */
	VG_TUN_GTPV1,  /* GTPv1-U, UDP 2152 */
	VG_TUN_MAX
};

/* Zeek's Tunnel::Type name ("Tunnel::VXLAN") and service name ("vxlan"). */
const char *vg_tunnel_type_name(enum vg_tunnel_type t);
const char *vg_tunnel_service(enum vg_tunnel_type t);

/* True for the tunnels carried in UDP, whose outer flow is a connection. */
static inline bool
vg_tunnel_is_udp(uint8_t t)
{
	return t >= VG_TUN_VXLAN;
}

/*
 * Encapsulations one packet may pass through: Zeek's Tunnel::max_depth, 4 in
 * scripts/base/init-bare.zeek ("const max_depth: count = 4 &redef").
 */
#define VG_MAX_TUNNELS 4

struct vg_tunnel {
	uint8_t type; /* enum vg_tunnel_type */
	struct vg_addr src;
	struct vg_addr dst;
	uint16_t sport;
	uint16_t dport;
	uint32_t vni;    /* VXLAN/GENEVE network id, GRE key, GTP TEID, ERSPAN session */
	uint64_t uid[2]; /* the tunnel's uid (UDP tunnels: the outer connection's) */
};

/* A tunnel found in a UDP payload, before it is entered. */
struct vg_udp_tunnel {
	uint8_t type;  /* enum vg_tunnel_type; VG_TUN_GRE for GRE over UDP */
	uint8_t inner; /* what follows: 0 Ethernet, 1 IP, 2 GRE */
	uint32_t off;  /* offset of the inner packet in the UDP payload */
	uint32_t vni;
	uint64_t session; /* mirror session id (VNI, or GENEVE's Google network id) */
};

/* Per-packet metadata filled by vg_decode(). */
struct vg_pkt {
	uint64_t ts_ns;     /* network time of the packet */
	uint64_t ts_own_ns; /* its own stamp where that differs (vg_flow_time), else 0 */
	uint32_t cap_len;   /* bytes captured */
	uint32_t wire_len;  /* bytes on the wire */

	/* Layer 2. */
	uint16_t vlan;       /* outer 802.1Q id, valid when nvlan >= 1 */
	uint16_t inner_vlan; /* inner id, valid when nvlan >= 2 */
	uint8_t nvlan;
	uint8_t has_l2; /* l2_src/l2_dst are valid */
	uint8_t l2_src[6];
	uint8_t l2_dst[6];
	uint8_t layers; /* headers walked so far */

	/* Layer 3. */
	uint8_t ip_version; /* 4 or 6 */
	uint8_t ip_proto;   /* transport protocol after extension headers */
	uint8_t ttl;
	uint8_t reassembled; /* L3/L4 point into a reassembly buffer (valid for 3 more decodes) */
	uint8_t flow_hashed; /* flow_hash is set (by vg_flow_prefetch) */
	uint64_t flow_hash;
	struct vg_addr src;
	struct vg_addr dst;
	const uint8_t *ip;   /* start of the IP header */
	uint32_t ip_len;     /* IP total length from the header (or datagram) */
	uint32_t ip_hdr_len; /* IP header plus IPv6 extension headers */

	/* Layer 4: l4 points at the transport header; l4_cap bytes are present. */
	const uint8_t *l4;
	uint32_t l4_cap;
	uint32_t l4_len; /* transport length per the IP header */
	uint16_t sport;
	uint16_t dport;
	uint8_t l4_ok; /* enum vg_l4_state */
	uint8_t tcp_flags;
	uint16_t tcp_win;
	uint32_t tcp_seq;
	uint32_t tcp_ack;
	uint16_t udp_len; /* UDP length field */
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint8_t bad_checksum; /* transport checksum wrong (and not ignored) */
	const uint8_t *payload;
	uint32_t payload_cap; /* payload bytes present in the buffer */
	uint32_t payload_len; /* payload bytes per the headers */

	uint8_t ntunnels;
	uint8_t mirrored; /* arrived through mirror transport */
	uint64_t session; /* mirror session: VNI, GENEVE network id, ERSPAN session */
	uint8_t nweirds;
	struct vg_pkt_weird weirds[VG_PKT_MAX_WEIRDS];
	struct vg_tunnel tunnels[VG_MAX_TUNNELS]; /* outermost first; ntunnels valid */
};

/* Decoder counters, owned by one worker. */
struct vg_decode_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t ip4;
	uint64_t ip6;
	uint64_t not_ip;
	uint64_t dropped;
	uint64_t fragments;
	uint64_t reassembled;
	uint64_t frag_opened;      /* datagrams that took a reassembly slot */
	uint64_t frag_timeouts;    /* of those, dropped incomplete after the timeout */
	uint64_t frag_evicted;     /* of those, dropped incomplete to free a slot (all busy) */
	uint64_t frag_active;      /* slots busy now (at most frag_slots) */
	uint64_t mirror_packets;   /* packets stripped of mirror transport */
	uint64_t mirror_truncated; /* of those, cut short by the source (PacketLength, MTU) */
	uint64_t nic_cksum;        /* TCP/UDP checksums taken from the NIC's verdict */
	uint64_t weird[VG_WEIRD_MAX];
};

/* Encapsulations treated as mirror transport (stripped, never logged). */
#define VG_MIRROR_VXLAN          0x01
#define VG_MIRROR_GENEVE         0x02
#define VG_MIRROR_ERSPAN         0x04
#define VG_MIRROR_ALL            0x07
#define VG_MIRROR_MAX_COLLECTORS 8

struct vg_decode_cfg {
	uint8_t mirror;       /* VG_MIRROR_* bits; 0 = Zeek's tunnel treatment only */
	uint8_t ncollectors;  /* mirror only packets sent to these addresses (0 = any) */
	uint16_t mirror_port; /* and to this UDP port (0 = the standard ports) */
	struct vg_addr collectors[VG_MIRROR_MAX_COLLECTORS];
	bool ignore_checksums; /* like zeek -C */
	bool peek;             /* headers only: no reassembly, no checksums */
	/* A full decode, except that an IP fragment (at any layer) is neither
	 * reassembled nor counted as one: VG_DECODE_DEFERRED once its addresses
	 * are known (a software dispatch poller; the owner reassembles). */
	bool defer_frags;
	uint8_t max_layers;       /* cap on headers per packet, 0 = default (16) */
	uint8_t max_tunnels;      /* tunnel depth, 0 = default (VG_MAX_TUNNELS) */
	uint32_t frag_slots;      /* datagrams under reassembly at once, 0 = default */
	uint64_t frag_timeout_ns; /* a datagram not completed by then is dropped */
};

struct vg_frag_table;

/* Per-worker decoder state. */
struct vg_decoder {
	struct vg_decode_cfg cfg;
	struct vg_frag_table *frags;
	struct vg_decode_stats stats;
	/* Further packets in the frame just decoded (802.11 A-MSDU subframes). */
	const uint8_t *more;
	uint32_t more_len;
	/* Set by the caller before vg_decode(): VG_RX_CKSUM_* bits, the checksums
	 * the NIC verified as good in the frame's outermost IP packet. Consumed by
	 * the first IP layer decoded (inner, reassembled and mirrored packets are
	 * always checked in software). */
	uint8_t rx_cksum;
	uint8_t cksum_trust; /* the current IP layer's share of it */
};

#define VG_RX_CKSUM_IP_GOOD 0x01 /* the IPv4 header checksum */
#define VG_RX_CKSUM_L4_GOOD 0x02 /* the TCP or UDP checksum */

/* Sets up a decoder; returns 0, or -1 with errno set when memory is short. */
int vg_decoder_init(struct vg_decoder *d, const struct vg_decode_cfg *cfg);
void vg_decoder_fini(struct vg_decoder *d);

/*
 * Decodes one captured packet of the given link type. The packet's bytes
 * must stay valid while pkt is used; when pkt->reassembled is set, the
 * L3/L4 pointers refer to the decoder's own buffer, valid until the next
 * call.
 */
enum vg_decode_result vg_decode(struct vg_decoder *d, int link, const uint8_t *data,
	uint32_t cap_len, uint32_t wire_len, uint64_t ts_ns, struct vg_pkt *pkt);

/*
 * After vg_decode() (and any tunnels entered), decodes the next packet the
 * same frame carries, if any, into pkt (keeping its time and tunnels).
 * Returns VG_DECODE_NOT_IP when there is none.
 */
enum vg_decode_result vg_decode_next(struct vg_decoder *d, struct vg_pkt *pkt);

/* Decodes from an IPv4 or IPv6 header on (used by tunnels and tests). */
enum vg_decode_result vg_decode_ip(
	struct vg_decoder *d, const uint8_t *p, uint32_t len, struct vg_pkt *pkt);

/*
 * Looks at a decoded UDP packet's payload for a tunnel (by port, or by shape
 * for Teredo); fills t and returns true when the header is valid. pkt is not
 * changed.
 */
bool vg_udp_tunnel_probe(struct vg_decoder *d, const struct vg_pkt *pkt, struct vg_udp_tunnel *t);

/*
 * Enters a tunnel found by vg_udp_tunnel_probe: records `outer` (filled by
 * the flow layer for UDP tunnels) in pkt->tunnels and decodes the inner
 * packet in pkt's place.
 */
enum vg_decode_result vg_udp_tunnel_enter(struct vg_decoder *d, struct vg_pkt *pkt,
	const struct vg_udp_tunnel *t, const struct vg_tunnel *outer);

/*
 * Mirror mode: when pkt (a decoded UDP packet) is mirror transport as the
 * configuration says, strips it, notes the session and decodes the mirrored
 * packet in its place. Returns false (pkt unchanged) when it is not.
 */
bool vg_mirror_strip(struct vg_decoder *d, struct vg_pkt *pkt, enum vg_decode_result *r);

/* Internet checksum helpers. */
uint32_t vg_cksum_add(uint32_t sum, const uint8_t *p, uint32_t len);
uint16_t vg_cksum_fold(uint32_t sum);
/* Verifies a TCP/UDP/ICMPv6 checksum over a pseudo header; true when right. */
bool vg_cksum_l4_ok(const struct vg_pkt *pkt, const uint8_t *l4, uint32_t len);

/* Records a weird on the packet (and counts it). */
void vg_pkt_weird(struct vg_decoder *d, struct vg_pkt *pkt, enum vg_weird w,
	enum vg_weird_scope scope, const char *source);

#endif /* VG_DECODE_H */
