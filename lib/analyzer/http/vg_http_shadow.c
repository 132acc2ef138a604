/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Istio (Envoy) shadow copies, as vigil logs them when it is the mirror
 * target itself (--shadow-listen, lib/shadow, doc/shadow.md).
 *
 * Envoy sends a copy of each request to the mirror cluster with its Host
 * (:authority) suffixed "-shadow" and throws the answer away. The copy comes
 * from the Envoy of the calling pod, not from the client: who called is in
 * the headers Envoy forwards. http.log shows
 *   - id.orig_h: x-envoy-external-address (the client Envoy trusted), else the
 *     first x-forwarded-for or Forwarded "for=" address, else the address in
 *     Istio's x-envoy-peer-metadata-id ("sidecar~IP~pod.ns~..."), else the
 *     connection's; orig_p is 0 when the address came from a header (no
 *     header carries the client's port);
 *   - id.resp_h/resp_p: the Host's address when it is one, else the
 *     connection's (vigil's own);
 *   - host without the "-shadow" suffix (before the port, where newer Envoys
 *     put it, or at the very end, where older ones did);
 *   - shadowed T, and nothing of the reply: vigil's own answer is not the
 *     service's.
 */
#include <string.h>

#include "vg_http.h"

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The text between blanks (and one pair of quotes). */
static void
trim(const char **v, uint32_t *len)
{
	while (*len > 0 && is_blank(**v)) {
		(*v)++;
		(*len)--;
	}
	while (*len > 0 && is_blank((*v)[*len - 1]))
		(*len)--;
	if (*len >= 2 && (*v)[0] == '"' && (*v)[*len - 1] == '"') {
		(*v)++;
		*len -= 2;
	}
}

/*
 * An address as proxies write one: "a.b.c.d", "a.b.c.d:port", an IPv6
 * address, or "[IPv6]" and "[IPv6]:port".
 */
static bool
parse_node(const char *v, uint32_t len, struct vg_addr *a)
{
	const char *colon;

	trim(&v, &len);
	if (len > 0 && v[0] == '[') {
		const char *end = memchr(v, ']', len);

		return end != NULL && vg_addr_parse(v + 1, (size_t)(end - v - 1), a);
	}
	colon = memchr(v, ':', len);
	/* One colon: an IPv4 address and a port; more: IPv6 without brackets. */
	if (colon != NULL && memchr(colon + 1, ':', len - (uint32_t)(colon - v) - 1) == NULL)
		len = (uint32_t)(colon - v);
	return vg_addr_parse(v, len, a);
}

/* The first element of a comma-separated list. */
static uint32_t
first_element(const char *v, uint32_t len)
{
	const char *comma = memchr(v, ',', len);

	return comma != NULL ? (uint32_t)(comma - v) : len;
}

/* RFC 7239 Forwarded: the first element's for= parameter. */
static bool
parse_forwarded(const char *v, uint32_t len, struct vg_addr *a)
{
	len = first_element(v, len);
	for (uint32_t i = 0; i + 4 <= len; i++) {
		if ((i == 0 || v[i - 1] == ';' || is_blank(v[i - 1])) &&
			vg_http_ieq(v + i, 4, "for=")) {
			const char *p = v + i + 4;
			const char *end = memchr(p, ';', len - i - 4);

			return parse_node(p, end ? (uint32_t)(end - p) : len - i - 4, a);
		}
	}
	return false;
}

/* Istio's x-envoy-peer-metadata-id: "sidecar~10.44.0.7~pod.namespace~domain". */
static bool
parse_peer_id(const char *v, uint32_t len, struct vg_addr *a)
{
	const char *t1 = memchr(v, '~', len);
	const char *t2;

	if (t1 == NULL)
		return false;
	t1++;
	t2 = memchr(t1, '~', len - (uint32_t)(t1 - v));
	return t2 != NULL && vg_addr_parse(t1, (size_t)(t2 - t1), a);
}

enum client_rank {
	RANK_NONE,
	RANK_PEER_ID,
	RANK_FORWARDED,
	RANK_EXTERNAL,
};

void
vg_http_shadow_header(
	struct vg_http_tx *t, const char *name, uint32_t nlen, const char *value, uint32_t vlen)
{
	struct vg_addr a;
	uint8_t rank = RANK_NONE;

	if (vg_http_ieq(name, nlen, "X-ENVOY-EXTERNAL-ADDRESS")) {
		if (parse_node(value, vlen, &a))
			rank = RANK_EXTERNAL;
	} else if (vg_http_ieq(name, nlen, "X-FORWARDED-FOR")) {
		if (parse_node(value, first_element(value, vlen), &a))
			rank = RANK_FORWARDED;
	} else if (vg_http_ieq(name, nlen, "FORWARDED")) {
		if (parse_forwarded(value, vlen, &a))
			rank = RANK_FORWARDED;
	} else if (vg_http_ieq(name, nlen, "X-ENVOY-PEER-METADATA-ID")) {
		if (parse_peer_id(value, vlen, &a))
			rank = RANK_PEER_ID;
	}
	/* The most trusted source wins; of two alike, the first. */
	if (rank > t->client_rank) {
		t->client = a;
		t->client_rank = rank;
	}
}

uint32_t
vg_http_shadow_host(const char *h, uint32_t len, char *out, uint32_t cap)
{
	static const char sfx[] = "-shadow";
	const uint32_t n = sizeof(sfx) - 1;
	uint32_t port_at = len;

	len = VG_MIN(len, cap);
	memcpy(out, h, len);
	/* "name-shadow:port" (Envoy puts the suffix before the port) */
	for (uint32_t i = len; i > 0; i--) {
		if (out[i - 1] == ':') {
			port_at = i - 1;
			break;
		}
		if (out[i - 1] < '0' || out[i - 1] > '9')
			break;
	}
	if (port_at < len && port_at >= n && memcmp(out + port_at - n, sfx, n) == 0) {
		memmove(out + port_at - n, out + port_at, len - port_at);
		return len - n;
	}
	/* "name-shadow" or "name:port-shadow" */
	if (len >= n && memcmp(out + len - n, sfx, n) == 0)
		return len - n;
	return len;
}

/* The Host's address and port when it names an address ("10.0.0.5:8080", "[::1]"). */
static bool
host_address(const char *h, uint32_t len, struct vg_addr *a, uint16_t *port)
{
	const char *colon = NULL;
	uint32_t alen = len;
	uint32_t p = 0;

	if (len > 0 && h[0] == '[') {
		const char *end = memchr(h, ']', len);

		if (end == NULL || !vg_addr_parse(h + 1, (size_t)(end - h - 1), a))
			return false;
		colon = end + 1 < h + len && end[1] == ':' ? end + 1 : NULL;
	} else {
		colon = memchr(h, ':', len);
		if (colon != NULL)
			alen = (uint32_t)(colon - h);
		if (!vg_addr_parse(h, alen, a))
			return false;
	}
	*port = 80;
	if (colon == NULL)
		return true;
	for (const char *c = colon + 1; c < h + len; c++) {
		if (*c < '0' || *c > '9' || (p = p * 10 + (uint32_t)(*c - '0')) > 65535)
			return false;
	}
	*port = (uint16_t)p;
	return colon + 1 < h + len;
}

void
vg_http_shadow_rec_begin(struct vg_an_ctx *cx, struct vg_rec *r, const struct vg_http_tx *t,
	const char *host, uint32_t hlen)
{
	struct vg_addr oh, rh, ha;
	uint16_t op, rp, hp;

	vg_an_id(cx, &oh, &op, &rh, &rp);
	if (t->client_rank != RANK_NONE) {
		oh = t->client;
		op = 0;
	}
	if (host != NULL && host_address(host, hlen, &ha, &hp)) {
		rh = ha;
		rp = hp;
	}
	vg_an_rec_begin_id(cx, r, vg_http_schema.id, t->ts, &oh, op, &rh, rp);
}
