/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the certificate path of the TLS analyzer
 * (lib/analyzer/tls/vg_tls_x509.c): raw DER as a Certificate message hands
 * it over, parsed with libcrypto, its x509.log row built and read back by
 * the stand-in context (lib/analyzer/vg_an_testctx.h), the host name check
 * against a server name, and the distinguished-name renderer.
 *
 * Input: one control byte, then the certificate's DER.
 *   bit 0      1: the originator sent it (a client certificate)
 *   bit 1      1: the connection had a server name: the first byte of the
 *              DER part is its length n (up to 63), then n bytes of name
 *   bits 2-4   the certificate's index in its chain (0: the host's)
 *   bit 5      1: the roles were flipped before the Certificate message
 * Seeds: tests/fuzz/corpus/fuzz_x509 (certificates of the parity traces and
 * vigil-gen's own).
 */
#include <stdlib.h>
#include <string.h>

#include "vg_an_testctx.h"
#include "vg_tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* More than X509::relog_known_certificates_after, so every input is logged. */
#define DAY_AND_MORE (86401ULL * 1000000000ULL)

static struct vg_an_ctx cx = {.now = 1000000000ULL * 1700000000ULL, .uid = "CFuzz"};
static struct vg_schema schema;
static struct vg_tls *t;

static void
setup(void)
{
	schema = vg_x509_schema;
	schema.id = 0;
	vg_x509_log_id = 0;
	cx.schemas[0] = &schema;
	cx.with_weirds = true;
	t = malloc(sizeof(*t));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (t == NULL)
		setup();
	if (size < 1)
		return 0;
	uint8_t c = data[0];
	const uint8_t *der = data + 1;
	size_t len = size - 1;

	memset(t, 0, sizeof(*t));
	t->sni_matches = -1;
	t->flipped = (c >> 5) & 1;
	if ((c & 2) && len > 0) {
		size_t n = der[0] & 63;

		if (n > len - 1)
			n = len - 1;
		memcpy(t->sni, der + 1, n);
		t->sni[n] = '\0';
		der += 1 + n;
		len -= 1 + n;
	}
	if (len > VG_TLS_CERT_KEEP)
		len = VG_TLS_CERT_KEEP; /* what a Certificate message can hand over */
	tc_reset(&cx);
	cx.now += DAY_AND_MORE;
	vg_tls_certificate(t, &cx, c & 1, (c >> 2) & 7, der, (uint32_t)len, true);

	char dn[1024];

	vg_tls_dn_text(der, (uint32_t)len, dn, sizeof(dn));
	return 0;
}
