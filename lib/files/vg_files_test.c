/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Files framework: MIME sniffing against the types a default Zeek logs,
 * files.log fields, streaming hashes, deterministic fuids, the bounded pool.
 */
#include "vg_an_testctx.h"
#include "vg_files.h"
#include "vg_test.h"

static void
test_mime(void)
{
#define SNIFF(s) vg_mime_sniff((const uint8_t *)(s), sizeof(s) - 1)
#define IS(s, m) CHECK(SNIFF(s) && strcmp(SNIFF(s), m) == 0)
	IS("<!DOCTYPE html><html><body>hi</body></html>", "text/html");
	IS("\n  <html>\n<head>", "text/html");
	IS("<!-- c --> <HTML>", "text/html");
	IS("<?xml version=\"1.0\"?>\n<html xmlns=\"x\">", "text/html");
	IS("<?xml version=\"1.0\"?><doc/>", "application/xml");
	IS("<head><title>x</title></head>", "text/html");
	IS("{\"a\": 1, \"b\": [1,2]}", "text/json");
	IS("  {\n  \"name\": \"x\"}", "text/json");
	IS("[{\"a\":1}]", "text/json");
	IS("[1, 2, 3]", "text/json");
	IS("[]", "text/json");
	IS("hello world, plain text", "text/plain");
	IS("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image/png");
	IS("GIF89a\x01\x00\x01\x00", "image/gif");
	IS("\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg");
	IS("%PDF-1.4\n%abc", "application/pdf");
	IS("PK\x03\x04\x14\x00\x00\x00", "application/zip");
	IS("\x1f\x8b\x08\x00\x00\x00", "application/x-gzip");
	IS("FWS\x09\x00\x00", "application/x-shockwave-flash");
	IS("#!/bin/sh\necho hi\n", "text/x-shellscript");
	IS("#!/usr/bin/env python3\nprint()", "text/x-python");
	IS("(function() {\nvar a;", "application/javascript");
	IS("MZ\x90\x00\x03\x00\x00\x00", "application/x-dosexec");
	CHECK(SNIFF("short") == NULL); /* fewer than 10 printable bytes */
	CHECK(SNIFF("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a") == NULL);
	CHECK(SNIFF("") == NULL);
#undef IS
#undef SNIFF
}

static struct vg_an_ctx cx = {.now = 1000000000ULL * 1700000000ULL, .uid = "CtestUid1"};

static void
test_file_log(void)
{
	char fuid[VG_FUID_LEN], fuid2[VG_FUID_LEN];
	struct vg_file_info fi = {.source = "HTTP",
		.is_orig = false,
		.total_bytes = 11,
		.filename = "a.txt",
		.filename_len = 5,
		.seq = 0};

	tc_reset(&cx);
	struct vg_file *f = vg_file_begin(&cx, &fi, fuid);
	CHECK(f != NULL);
	CHECK(fuid[0] == 'F' && strlen(fuid) > 8);
	vg_file_data(&cx, f, (const uint8_t *)"hello ", 6);
	CHECK(!vg_file_sniffed(f));
	cx.now += 1500000; /* 1.5 ms */
	vg_file_data(&cx, f, (const uint8_t *)"world", 5);
	vg_file_end(&cx, f);
	CHECK_EQ(cx.records, 1);
	char want[512];
	snprintf(want, sizeof(want),
		"files\t1700000000.000000\t%s\tCtestUid1\taddr\t40000\taddr\t80\tHTTP\t0\t"
		"MD5,SHA1,SHA256\ttext/plain\ta.txt\t0.001500\tF\tF\t11\t11\t0\t0\tF\t-\t"
		"5eb63bbbe01eeed093cb22bb8f5acdc3\t2aae6c35c94fcfb415dbe95f408b9ce91ee846ed\t"
		"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9\t-\t-\t-\n",
		fuid);
	CHECK(strcmp(cx.out, want) == 0);
	if (strcmp(cx.out, want) != 0)
		fprintf(stderr, "got  %swant %s", cx.out, want);

	/* The same connection and place give the same fuid; another place not. */
	struct vg_file *g = vg_file_begin(&cx, &fi, fuid2);
	CHECK(strcmp(fuid, fuid2) == 0);
	vg_file_end(&cx, g);
	fi.seq = 1;
	g = vg_file_begin(&cx, &fi, fuid2);
	CHECK(strcmp(fuid, fuid2) != 0);

	/* A gap: missing bytes, sniffed at once, no hashes. */
	tc_reset(&cx);
	vg_file_data(&cx, g, (const uint8_t *)"<html><body>", 12);
	vg_file_gap(&cx, g, 100);
	CHECK(vg_file_sniffed(g));
	CHECK(vg_file_mime(g) && strcmp(vg_file_mime(g), "text/html") == 0);
	vg_file_end(&cx, g);
	CHECK(strstr(cx.out, "\t12\t11\t100\t0\tF\t-\t-\t-\t-\t") != NULL);
}

static void
test_pool_bound(void)
{
	char fuid[VG_FUID_LEN];
	struct vg_file_info fi = {.source = "HTTP", .total_bytes = -1};
	struct vg_file *f[4];
	struct vg_files_stats st;

	for (int i = 0; i < 4; i++) {
		fi.seq = (uint32_t)(100 + i);
		f[i] = vg_file_begin(&cx, &fi, fuid);
	}
	CHECK(f[0] && f[1] && f[2]);
	CHECK(f[3] == NULL);
	vg_files_stats_get(&st);
	CHECK_EQ(st.pool_exhausted, 1);
	vg_file_data(&cx, f[3], (const uint8_t *)"x", 1); /* NULL is harmless */
	vg_file_end(&cx, f[3]);
	for (int i = 0; i < 3; i++)
		vg_file_end(&cx, f[i]);
	f[0] = vg_file_begin(&cx, &fi, fuid);
	CHECK(f[0] != NULL); /* freed slots come back */
	vg_file_end(&cx, f[0]);
}

int
main(void)
{
	struct vg_files_config c = {.pool_files = 3, .md5 = true, .sha1 = true, .sha256 = true};

	vg_files_configure(&c);
	vg_files_schema.id = 101;
	cx.schemas[0] = &vg_files_schema;
	test_mime();
	test_file_log();
	test_pool_bound();
	printf("files: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed != 0;
}
