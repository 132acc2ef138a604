/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SOCKS analyzer (socks.log), after Zeek's: SOCKS 4, 4a and 5 with
 * username/password authentication (src/analyzer/protocol/socks/, the
 * binpac grammar socks-protocol.pac and socks-analyzer.pac;
 * scripts/base/protocols/socks/main.zeek and consts.zeek).
 *
 * As in Zeek's grammar, each delivery of a direction is one message (the
 * flow is a datagram flow): a message cut short is a violation, bytes after
 * a message are ignored. Once the request and the reply have both been
 * seen, the rest of the connection is the tunnelled application's: it goes
 * to content detection (vg_an_redetect), as Zeek's SOCKS_Analyzer hands it to
 * a PIA, and the request's endpoints are announced in tunnel.log
 * (Tunnel::SOCKS).
 */
#ifndef VG_SOCKS_H
#define VG_SOCKS_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_analyzer.h"

#define VG_SOCKS_NAME_MAX 255 /* a name, user or password as logged (v5's length byte) */

/* SOCKS::Address (consts.zeek's record): an address, a name, or both. */
struct vg_socks_addr {
	bool has_host;
	bool has_name;
	uint8_t name_len;
	struct vg_addr host;
	char name[VG_SOCKS_NAME_MAX];
};

/* Which table of consts.zeek names the status. */
enum vg_socks_status {
	VG_SOCKS_ST_NONE,
	VG_SOCKS_ST_V4, /* SOCKS::v4_status */
	VG_SOCKS_ST_V5, /* SOCKS::v5_status */
};

struct vg_socks {
	uint64_t ts;  /* set_session: when the first event came */
	bool session; /* c$socks exists */
	bool orig_done, resp_done;
	bool v5_in_auth_sub; /* socks-protocol.pac: v5_in_auth_sub_negotiation */
	bool v5_past_auth;   /* v5_past_authentication */
	uint8_t v5_method;   /* selected_auth_method, 255 until the server chose */
	uint8_t version;
	uint8_t status_kind; /* enum vg_socks_status */
	uint8_t status_code;
	bool has_request, has_bound;
	uint8_t user_len;
	bool has_user;
	uint16_t request_p, bound_p;
	struct vg_socks_addr request, bound;
	char user[VG_SOCKS_NAME_MAX];
};

extern const struct vg_analyzer vg_socks_analyzer;

/* What SOCKS gives up, per thread (--stats, stats.log). */
struct vg_socks_stats {
	uint64_t names_cut; /* a v4a name longer than VG_SOCKS_NAME_MAX, logged cut */
};
extern _Thread_local struct vg_socks_stats vg_socks_stats;

/* vg_socks_parse.c: one delivery of a direction, as one message. */
void vg_socks_message(
	struct vg_socks *s, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len);

/* vg_socks_analyzer.c: the script's event handlers (main.zeek). */
void vg_socks_session(struct vg_socks *s, struct vg_an_ctx *cx, uint8_t version);
void vg_socks_on_request(struct vg_socks *s, struct vg_an_ctx *cx, uint8_t version,
	const struct vg_socks_addr *sa, uint16_t port);
void vg_socks_on_reply(struct vg_socks *s, struct vg_an_ctx *cx, uint8_t version, uint8_t reply,
	const struct vg_socks_addr *sa, uint16_t port);
void vg_socks_on_login(struct vg_socks *s, struct vg_an_ctx *cx, const uint8_t *user, uint8_t len);
void vg_socks_on_login_reply(struct vg_socks *s, struct vg_an_ctx *cx, uint8_t code);
/* SOCKS::v4_status / v5_status, "unknown-N" for the others. */
const char *vg_socks_status_name(uint8_t kind, uint8_t code, char *buf, uint32_t cap);

#endif /* VG_SOCKS_H */
