/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every malformed-input condition the decoders and the flow layer report.
 * One X-macro table gives the enum, the weird.log name (Zeek's wording) and
 * the counter name; readers and writers expand the same table. The link
 * layer's names and limits are those of Zeek's packet analyzers
 * (the .cc files under src/packet_analysis/protocol/).
 */
#ifndef VG_WEIRD_H
#define VG_WEIRD_H

/* X(enum suffix, weird.log name) */
#define VG_WEIRD_TABLE(X)                                                                          \
	X(NONE, "-")                                                                               \
	X(TRUNCATED_LINK_HEADER, "truncated_link_header")                                          \
	X(TRUNCATED_ETHERNET, "truncated_ethernet_frame")                                          \
	X(TRUNCATED_VLAN, "truncated_VLAN_header")                                                 \
	X(TRUNCATED_MPLS, "truncated_link_header")                                                 \
	X(TRUNCATED_PPPOE, "truncated_pppoe_header")                                               \
	X(TRUNCATED_80211, "truncated_802_11_header")                                              \
	X(TRUNCATED_RADIOTAP, "truncated_radiotap_header")                                         \
	X(TRUNCATED_NFLOG, "truncated_nflog_header")                                               \
	X(NFLOG_VERSION, "unknown_nflog_version")                                                  \
	X(NFLOG_NO_PAYLOAD, "nflog_no_pcap_payload")                                               \
	X(NFLOG_BAD_TLV_LEN, "nflog_bad_tlv_len")                                                  \
	X(TRUNCATED_SLL, "truncated_Linux_SLL_header")                                             \
	X(TRUNCATED_SLL2, "truncated_Linux_SLL2_header")                                           \
	X(NULL_FAILED, "null_analyzer_failed")                                                     \
	X(TOO_MANY_LAYERS, "exceeded_layer_limit")                                                 \
	X(UNKNOWN_LINK_TYPE, "unknown_link_type")                                                  \
	X(FDDI_FAILED, "FDDI_analyzer_failed")                                                     \
	X(TRUNCATED_IP, "truncated_IP")                                                            \
	X(INVALID_IP_HEADER_SIZE, "invalid_IP_header_size")                                        \
	X(INTERNALLY_TRUNCATED_HEADER, "internally_truncated_header")                              \
	X(BAD_IP_CHECKSUM, "bad_IP_checksum")                                                      \
	X(IP_VERSION_MISMATCH, "invalid_IP_version")                                               \
	X(BAD_IPV6_DEST_OPT_LEN, "bad_ipv6_dest_opt_len")                                          \
	X(MULTIPLE_HOME_ADDR_OPTS, "multiple_home_addr_opts")                                      \
	X(BAD_HOME_ADDR_LEN, "bad_home_addr_len")                                                  \
	X(FRAG_OVERLAP, "fragment_overlap")                                                        \
	X(FRAG_INCONSISTENCY, "fragment_inconsistency")                                            \
	X(FRAG_SIZE_INCONSISTENCY, "fragment_size_inconsistency")                                  \
	X(FRAG_TOO_LARGE, "excessively_large_fragment")                                            \
	X(FRAG_TABLE_FULL, "fragment_table_full")                                                  \
	X(TRUNCATED_HEADER, "truncated_header")                                                    \
	X(BAD_TCP_HEADER_LEN, "bad_TCP_header_len")                                                \
	X(BAD_TCP_CHECKSUM, "bad_TCP_checksum")                                                    \
	X(BAD_UDP_CHECKSUM, "bad_UDP_checksum")                                                    \
	X(BAD_ICMP_CHECKSUM, "bad_ICMP_checksum")                                                  \
	X(UDP_LENGTH_MISMATCH, "UDP_datagram_length_mismatch")                                     \
	X(TUNNEL_DEPTH, "exceeded_tunnel_max_depth")                                               \
	X(GRE_VERSION, "unknown_gre_version")                                                      \
	X(GRE_PROTOCOL, "unknown_gre_protocol")                                                    \
	X(FLOW_TABLE_FULL, "flow_table_full")                                                      \
	X(TIME_OUT_OF_WINDOW, "packet_time_out_of_window")

enum vg_weird {
#define VG_WEIRD_ENUM(id, name) VG_WEIRD_##id,
	VG_WEIRD_TABLE(VG_WEIRD_ENUM)
#undef VG_WEIRD_ENUM
		VG_WEIRD_MAX
};

/* The weird.log name for a code. */
const char *vg_weird_name(enum vg_weird w);

#endif /* VG_WEIRD_H */
