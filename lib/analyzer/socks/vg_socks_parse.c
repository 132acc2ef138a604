/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SOCKS messages as Zeek's grammar reads them (socks-protocol.pac,
 * socks-analyzer.pac). Every delivery is one message. A message the bytes
 * do not hold entirely is what binpac calls an out-of-bound exception,
 * which SOCKS_Analyzer::DeliverStream reports as a violation.
 *
 * The grammar reads a version byte before every message but the v5
 * username/password sub-negotiation's, in both directions. A SOCKS4 reply
 * starts with its VN byte, 0 by the protocol, so Zeek takes a standard v4
 * reply for an unknown version (a violation) and reads SOCKS4_Reply only
 * after a 4; vigil does the same.
 */
#include <stdio.h>
#include <string.h>

#include "vg_socks.h"

/* A bounds-checked reader over one message. */
struct rd {
	const uint8_t *p, *end;
	bool bad; /* read past the end: binpac's out-of-bound exception */
};

static uint8_t
u8(struct rd *r)
{
	if (r->bad || r->p >= r->end) {
		r->bad = true;
		return 0;
	}
	return *r->p++;
}

static uint16_t
u16(struct rd *r)
{
	uint16_t hi = u8(r);

	return (uint16_t)(hi << 8 | u8(r));
}

/* n bytes in place, or NULL when there are fewer. */
static const uint8_t *
bytes(struct rd *r, uint32_t n)
{
	if (r->bad || (uint32_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *b = r->p;

	r->p += n;
	return b;
}

/* uint8[] &until($element == 0): the bytes before the NUL, which is consumed. */
static const uint8_t *
until_nul(struct rd *r, uint32_t *len)
{
	const uint8_t *b = r->p;
	const uint8_t *z;

	*len = 0;
	if (r->bad)
		return NULL;
	z = memchr(b, 0, (size_t)(r->end - b));
	if (z == NULL) {
		r->bad = true;
		return NULL;
	}
	*len = (uint32_t)(z - b);
	r->p = z + 1;
	return b;
}

static void
exception(struct vg_an_ctx *cx)
{
	vg_an_violate(cx, "Binpac exception: out of bound");
}

static void
set_name(struct vg_socks_addr *a, const uint8_t *p, uint32_t len)
{
	/* array_to_string drops trailing NULs (socks-analyzer.pac). */
	while (len > 0 && p[len - 1] == '\0')
		len--;
	if (len > VG_SOCKS_NAME_MAX) {
		len = VG_SOCKS_NAME_MAX;
		vg_socks_stats.names_cut++;
	}
	a->has_name = true;
	a->name_len = (uint8_t)len;
	memcpy(a->name, p, len);
}

/* SOCKS5_Address: false for an address type the grammar does not know. */
static bool
v5_address(struct rd *r, struct vg_socks_addr *a, uint8_t *type)
{
	const uint8_t *b;

	memset(a, 0, sizeof(*a));
	*type = u8(r);
	switch (*type) {
	case 1:
		b = bytes(r, 4);
		if (b != NULL) {
			vg_addr_from_v4(&a->host, b);
			a->has_host = true;
		}
		return true;
	case 3: {
		uint8_t n = u8(r);

		b = bytes(r, n);
		if (b != NULL) {
			/* a Domain_Name is taken whole, NULs and all */
			a->has_name = true;
			a->name_len = n;
			memcpy(a->name, b, n);
		}
		return true;
	}
	case 4:
		b = bytes(r, 16);
		if (b != NULL) {
			memcpy(a->host.b, b, 16);
			a->has_host = true;
		}
		return true;
	default:
		/* err: &restofdata, after which the port cannot be read */
		r->p = r->end;
		return false;
	}
}

/* ---- SOCKS 4 and 4a ---- */

static void
v4_request(struct vg_socks *s, struct vg_an_ctx *cx, struct rd *r)
{
	struct vg_socks_addr sa;
	uint32_t ulen, nlen = 0;
	const uint8_t *addr, *name = NULL;

	memset(&sa, 0, sizeof(sa));
	(void)u8(r); /* command */
	uint16_t port = u16(r);

	addr = bytes(r, 4);
	(void)until_nul(r, &ulen); /* the user id: socks_request's, not logged */
	/* v4a: an address of 0.0.0.x means a name follows */
	bool v4a = addr != NULL && addr[0] == 0 && addr[1] == 0 && addr[2] == 0;

	if (v4a)
		name = until_nul(r, &nlen);
	if (r->bad) {
		exception(cx);
		return;
	}
	vg_addr_from_v4(&sa.host, addr);
	sa.has_host = true;
	if (v4a)
		set_name(&sa, name, nlen);
	vg_socks_on_request(s, cx, 4, &sa, port);
	s->orig_done = true;
}

static void
v4_reply(struct vg_socks *s, struct vg_an_ctx *cx, struct rd *r)
{
	struct vg_socks_addr sa;

	memset(&sa, 0, sizeof(sa));
	(void)u8(r); /* zero */
	uint8_t status = u8(r);
	uint16_t port = u16(r);
	const uint8_t *addr = bytes(r, 4);

	if (r->bad) {
		exception(cx);
		return;
	}
	vg_addr_from_v4(&sa.host, addr);
	sa.has_host = true;
	vg_socks_on_reply(s, cx, 4, status, &sa, port);
	vg_an_confirm(cx);
	s->resp_done = true;
}

/* ---- SOCKS 5 ---- */

static void
v5_negotiation(struct vg_socks *s, struct vg_an_ctx *cx, bool is_orig, struct rd *r)
{
	if (is_orig) {
		uint8_t n = u8(r);

		(void)bytes(r, n); /* the methods offered */
		if (r->bad)
			exception(cx);
		return;
	}
	uint8_t m = u8(r);

	if (r->bad) {
		exception(cx);
		return;
	}
	/* SOCKS5_Auth_Negotiation_Reply's &let */
	s->v5_in_auth_sub = m != 0 && m != 0xff;
	s->v5_past_auth = true;
	s->v5_method = m;
}

static void
v5_request(struct vg_socks *s, struct vg_an_ctx *cx, struct rd *r)
{
	struct vg_socks_addr sa;
	uint8_t type;
	char why[64];

	uint8_t command = u8(r);
	uint8_t reserved = u8(r);
	bool known = v5_address(r, &sa, &type);
	uint16_t port = u16(r);

	if (r->bad || !known) {
		exception(cx);
		return;
	}
	if (reserved != 0) {
		snprintf(why, sizeof(why), "invalid value in reserved field: %u", reserved);
		vg_an_violate(cx, why);
		return;
	}
	if (command == 0 || command > 3) {
		snprintf(why, sizeof(why), "undefined value in command field: %u", command);
		vg_an_violate(cx, why);
		return;
	}
	vg_socks_on_request(s, cx, 5, &sa, port);
	s->orig_done = true;
}

static void
v5_reply(struct vg_socks *s, struct vg_an_ctx *cx, struct rd *r)
{
	struct vg_socks_addr sa;
	uint8_t type;

	uint8_t reply = u8(r);
	(void)u8(r); /* reserved: not checked in a reply */
	bool known = v5_address(r, &sa, &type);
	uint16_t port = u16(r);

	if (r->bad || !known) {
		exception(cx);
		return;
	}
	vg_socks_on_reply(s, cx, 5, reply, &sa, port);
	vg_an_confirm(cx);
	s->resp_done = true;
}

/* SOCKS5_Auth_Message: the sub-negotiation the chosen method starts. */
static void
v5_auth(struct vg_socks *s, struct vg_an_ctx *cx, bool is_orig, struct rd *r)
{
	char addl[48];

	if (s->v5_method != 2) {
		/* SOCKS5_Unsupported_Authentication_Method: the rest of the data */
		snprintf(addl, sizeof(addl), "%u", s->v5_method);
		vg_an_weird_src(cx, "socks5_unsupported_authentication_method", addl, NULL);
	} else {
		uint8_t ver = u8(r);

		if (r->bad) {
			exception(cx);
			return;
		}
		if (ver != 1) {
			snprintf(addl, sizeof(addl), "method %u, version %u", s->v5_method, ver);
			vg_an_weird_src(cx, "socks5_unsupported_authentication", addl, NULL);
		} else if (is_orig) {
			uint8_t ulen = u8(r);
			const uint8_t *user = bytes(r, ulen);
			uint8_t plen = u8(r);

			(void)bytes(r, plen); /* the password: main.zeek keeps it only on request */
			if (r->bad) {
				exception(cx);
				return;
			}
			vg_socks_on_login(s, cx, user, ulen);
		} else {
			uint8_t code = u8(r);

			if (r->bad) {
				exception(cx);
				return;
			}
			vg_socks_on_login_reply(s, cx, code);
		}
	}
	if (!is_orig)
		s->v5_in_auth_sub = false; /* SOCKS5_Auth_Reply's &let */
}

void
vg_socks_message(
	struct vg_socks *s, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len)
{
	struct rd r = {data, data + len, false};
	char why[48];

	if (s->v5_in_auth_sub) {
		v5_auth(s, cx, is_orig, &r);
		return;
	}
	uint8_t version = u8(&r);

	if (r.bad) {
		exception(cx);
		return;
	}
	switch (version) {
	case 4:
		if (is_orig)
			v4_request(s, cx, &r);
		else
			v4_reply(s, cx, &r);
		break;
	case 5:
		if (!s->v5_past_auth)
			v5_negotiation(s, cx, is_orig, &r);
		else if (is_orig)
			v5_request(s, cx, &r);
		else
			v5_reply(s, cx, &r);
		break;
	default:
		snprintf(why, sizeof(why), "unsupported/unknown SOCKS version %u", version);
		vg_an_violate(cx, why);
		break;
	}
}
