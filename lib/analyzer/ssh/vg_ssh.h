/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SSH analyzer (ssh.log), after Zeek's: the version banners, the
 * unencrypted key exchange of SSH-2 (KEXINIT, the DH / DH-GEX / ECDH / GSS /
 * RSA replies carrying the server's host key, NEWKEYS), SSH-1's key packets,
 * then the sizes of the encrypted packets to guess whether authentication
 * succeeded (src/analyzer/protocol/ssh/SSH.cc, ssh-protocol.pac;
 * scripts/base/protocols/ssh/main.zeek).
 *
 * State is bounded: each direction assembles at most VG_SSH_PKT_KEEP bytes
 * of an unencrypted packet (the rest is skipped), and the first KEXINIT's
 * name lists are kept only until the other side's arrives.
 */
#ifndef VG_SSH_H
#define VG_SSH_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_analyzer.h"

#define VG_SSH_LINE_MAX  256    /* a banner longer than this is cut (RFC 4253: 255) */
#define VG_SSH_PKT_KEEP  3072   /* bytes of an unencrypted packet kept for parsing */
#define VG_SSH_PKT_MAX   262144 /* a longer SSH-2 packet length is a protocol violation */
#define VG_SSH_NAME_MAX  160    /* a negotiated algorithm as logged */
#define VG_SSH_FP_MAX    64     /* "SHA256:" + base64 */
#define VG_SSH_PRE_BYTES 65536  /* bytes of other lines before the banner (RFC 4253 4.2) */

/* Where a direction is (ssh-protocol.pac's states). */
enum vg_ssh_state {
	VG_SSH_VERSION,   /* reading the banner line */
	VG_SSH_KEX,       /* unencrypted binary packets */
	VG_SSH_ENCRYPTED, /* after NEWKEYS (SSH-2) or the first key packet (SSH-1) */
};

/* The protocol version of a side and of the connection (ssh-protocol.pac). */
enum vg_ssh_ver {
	VG_SSH_UNK,
	VG_SSH_1,
	VG_SSH_199,
	VG_SSH_2,
};

/* Which key exchange was negotiated: where the host key is found. */
enum vg_ssh_kex {
	VG_KEX_NONE,
	VG_KEX_DH,
	VG_KEX_DH_GEX,
	VG_KEX_ECC,
	VG_KEX_GSS,
	VG_KEX_RSA,
	VG_KEX_UNKNOWN,
};

struct vg_ssh_dir {
	uint8_t state; /* enum vg_ssh_state */
	uint8_t ver;   /* enum vg_ssh_ver, from this side's banner */

	uint8_t hdr_have; /* bytes of the 4-byte length word read */
	uint8_t hdr[4];
	uint32_t need; /* bytes of the current packet still to come */
	uint32_t have; /* bytes of it kept in pkt */
	uint32_t line_len;
	uint32_t pre_bytes; /* other lines before the banner */
	uint8_t pkt[VG_SSH_PKT_KEEP];
};

/* The name lists of a KEXINIT (offsets into kex_cache) that negotiation needs. */
enum {
	VG_SSH_L_KEX,
	VG_SSH_L_HOSTKEY,
	VG_SSH_L_ENC_CS,
	VG_SSH_L_ENC_SC,
	VG_SSH_L_MAC_CS,
	VG_SSH_L_MAC_SC,
	VG_SSH_L_CMP_CS,
	VG_SSH_L_CMP_SC,
	VG_SSH_NLISTS,
};

struct vg_ssh_lists {
	const uint8_t *p[VG_SSH_NLISTS];
	uint32_t len[VG_SSH_NLISTS];
};

struct vg_ssh {
	struct vg_ssh_dir dir[2]; /* [0] orig, [1] resp */
	uint64_t ts;              /* ssh.log ts: when the session was first seen */
	bool session;             /* c$ssh exists */
	bool logged;
	bool had_gap;
	bool kex_seen;        /* one KEXINIT cached */
	bool kex_cached_orig; /* which side sent it */
	bool caps_done;
	bool auth_decision_made;
	bool skipped_banner;
	bool saw_encrypted_client_data;
	bool auth_set;
	bool auth_success;
	uint8_t version; /* enum vg_ssh_ver of the connection */
	uint8_t kex;     /* enum vg_ssh_kex */
	uint32_t auth_attempts;
	int32_t service_accept_size;
	int32_t userauth_failure_size;
	uint32_t kex_cache_len;
	char client[VG_SSH_LINE_MAX + 1], server[VG_SSH_LINE_MAX + 1];
	char cipher[VG_SSH_NAME_MAX], mac[VG_SSH_NAME_MAX], compression[VG_SSH_NAME_MAX];
	char kex_alg[VG_SSH_NAME_MAX], host_key_alg[VG_SSH_NAME_MAX];
	char host_key[VG_SSH_FP_MAX];
	uint8_t kex_cache[VG_SSH_PKT_KEEP]; /* the first KEXINIT's payload */
};

extern const struct vg_analyzer vg_ssh_analyzer;

/* vg_ssh_parse.c: a direction's bytes in order; returns encrypted bytes seen. */
uint32_t vg_ssh_feed(
	struct vg_ssh *s, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len);
/* vg_ssh_kex.c */
void vg_ssh_kexinit(
	struct vg_ssh *s, struct vg_an_ctx *cx, bool is_orig, const uint8_t *payload, uint32_t len);
void vg_ssh_kex_msg(
	struct vg_ssh *s, struct vg_an_ctx *cx, uint8_t type, const uint8_t *payload, uint32_t len);
/* vg_ssh_analyzer.c */
void vg_ssh_set_session(struct vg_ssh *s, struct vg_an_ctx *cx);
void vg_ssh_version(
	struct vg_ssh *s, struct vg_an_ctx *cx, bool is_orig, const char *line, uint32_t len);
void vg_ssh_confirm(struct vg_ssh *s, struct vg_an_ctx *cx);

#endif /* VG_SSH_H */
