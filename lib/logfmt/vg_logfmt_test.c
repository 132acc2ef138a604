/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the Zeek text formats: records built with vg_rec_* are
 * formatted as TSV and JSON and compared with exact expected lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vg_test.h"
#include "vg_k8s.h"
#include "vg_logfmt.h"
#include "vg_logfmt_k8s.h"
#include "vg_record.h"
#include "vg_schema.h"

/* Compares a formatted buffer with the expected text and shows both on a mismatch. */
#define CHECK_STR(buf, exp)                                                                        \
	do {                                                                                       \
		const char *e_ = (exp);                                                            \
		n_checks++;                                                                        \
		if ((buf)->p == NULL || (buf)->len != strlen(e_) || strcmp((buf)->p, e_) != 0) {   \
			n_failed++;                                                                \
			fprintf(stderr,                                                            \
				"%s:%d: %s: check failed: output differs\n  got:  ", __FILE__,     \
				__LINE__, __func__);                                               \
			show((buf)->p ? (buf)->p : "(null)");                                      \
			fprintf(stderr, "  want: ");                                               \
			show(e_);                                                                  \
		}                                                                                  \
	} while (0)

/* Prints a string with its control bytes visible. */
static void
show(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\t')
			fputs("<TAB>", stderr);
		else if (c == '\n')
			fputs("<NL>", stderr);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(stderr, "<%02x>", c);
		else
			fputc(c, stderr);
	}
	fputc('\n', stderr);
}

#define ALL_FEATURES ((1u << VG_FEAT_COMMUNITY_ID) | (1u << VG_FEAT_VLAN) | (1u << VG_FEAT_L2_ADDR))

static struct vg_addr
v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t q[4] = {a, b, c, d};
	struct vg_addr r;

	vg_addr_from_v4(&r, q);
	return r;
}

static struct vg_addr
v6(const uint8_t *b)
{
	struct vg_addr r;

	memcpy(r.b, b, 16);
	return r;
}

/* A typical UDP conn record. */
static uint32_t
conn_a(uint8_t *buf, uint32_t cap)
{
	struct vg_rec r;
	struct vg_addr o = v4(141, 142, 220, 202), d = v4(224, 0, 0, 251);

	vg_rec_begin(&r, buf, cap, vg_schema_get(VG_LOG_CONN));
	vg_rec_time(&r, 1300475167096535000ULL);
	vg_rec_cstr(&r, "CHhAvVGS1DHFjwGM9");
	vg_rec_addr(&r, &o);
	vg_rec_port(&r, 5353);
	vg_rec_addr(&r, &d);
	vg_rec_port(&r, 5353);
	vg_rec_cstr(&r, "udp");
	vg_rec_unset(&r);                  /* service */
	vg_rec_interval(&r, 2500000000LL); /* duration */
	vg_rec_count(&r, 0);               /* orig_bytes */
	vg_rec_unset(&r);                  /* resp_bytes */
	vg_rec_cstr(&r, "S0");
	vg_rec_bool(&r, true);
	vg_rec_bool(&r, false);
	vg_rec_count(&r, 0);
	vg_rec_cstr(&r, "Dd");
	vg_rec_count(&r, 1);
	vg_rec_count(&r, 73);
	vg_rec_count(&r, 0);
	vg_rec_count(&r, 0);
	vg_rec_set_begin(&r, 2); /* tunnel_parents */
	vg_rec_cstr(&r, "a");
	vg_rec_cstr(&r, "b");
	vg_rec_count(&r, 17);
	vg_rec_int(&r, 100);      /* vlan */
	vg_rec_unset(&r);         /* inner_vlan */
	vg_rec_str(&r, "", 0);    /* orig_l2_addr: empty */
	vg_rec_cstr(&r, "-");     /* resp_l2_addr: looks like unset */
	vg_rec_cstr(&r, "1:xyz"); /* community_id */
	/* Columns added after these (vigil's own) stay unset. */
	for (int i = VG_CONN_COMMUNITY_ID + 1; i < VG_CONN_NCOLS; i++)
		vg_rec_unset(&r);
	return vg_rec_end(&r);
}

static const uint8_t ip6_1[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
static const uint8_t ip6_2[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

/* IPv6, escapes, marker look-alikes, an empty set, negative numbers. */
static uint32_t
conn_b(uint8_t *buf, uint32_t cap)
{
	struct vg_rec r;
	struct vg_addr o = v6(ip6_1), d = v6(ip6_2);

	vg_rec_begin(&r, buf, cap, vg_schema_get(VG_LOG_CONN));
	vg_rec_time(&r, 1000000000ULL);
	vg_rec_cstr(&r, "C1");
	vg_rec_addr(&r, &o);
	vg_rec_port(&r, 0);
	vg_rec_addr(&r, &d);
	vg_rec_port(&r, 65535);
	vg_rec_cstr(&r, "tcp");
	vg_rec_cstr(&r, "a\tb\nc\\d");       /* service */
	vg_rec_interval(&r, 1500);           /* duration: 1.5 us rounds up */
	vg_rec_count(&r, 12345678901234ULL); /* orig_bytes */
	vg_rec_count(&r, 0);                 /* resp_bytes */
	vg_rec_cstr(&r, "-");                /* conn_state */
	vg_rec_unset(&r);
	vg_rec_unset(&r);
	vg_rec_count(&r, 0);
	vg_rec_cstr(&r, "(empty)"); /* history */
	vg_rec_count(&r, 0);
	vg_rec_count(&r, 0);
	vg_rec_count(&r, 0);
	vg_rec_count(&r, 0);
	vg_rec_set_begin(&r, 0); /* tunnel_parents: empty */
	vg_rec_count(&r, 6);
	vg_rec_int(&r, -1);                /* vlan */
	vg_rec_int(&r, 4095);              /* inner_vlan */
	vg_rec_str(&r, "\x01\x7f\xff", 3); /* orig_l2_addr */
	vg_rec_cstr(&r, "sp ace");         /* resp_l2_addr */
	vg_rec_cstr(&r, "x,y");            /* community_id */
	/* Columns added after these (vigil's own) stay unset. */
	for (int i = VG_CONN_COMMUNITY_ID + 1; i < VG_CONN_NCOLS; i++)
		vg_rec_unset(&r);
	return vg_rec_end(&r);
}

static const char tsv_a0[] = "1300475167.096535\tCHhAvVGS1DHFjwGM9\t141.142.220.202\t5353\t"
			     "224.0.0.251\t5353\tudp\t-\t2.500000\t0\t-\tS0\tT\tF\t0\tDd\t1\t73\t"
			     "0\t0\ta,b\t17\n";
static const char tsv_a_all[] = "1300475167.096535\tCHhAvVGS1DHFjwGM9\t141.142.220.202\t5353\t"
				"224.0.0.251\t5353\tudp\t-\t2.500000\t0\t-\tS0\tT\tF\t0\tDd\t1\t"
				"73\t0\t0\ta,b\t17\t100\t-\t(empty)\t\\x2d\t1:xyz\n";
static const char tsv_a_cid[] = "1300475167.096535\tCHhAvVGS1DHFjwGM9\t141.142.220.202\t5353\t"
				"224.0.0.251\t5353\tudp\t-\t2.500000\t0\t-\tS0\tT\tF\t0\tDd\t1\t"
				"73\t0\t0\ta,b\t17\t1:xyz\n";
static const char json_a0[] =
	"{\"ts\":1300475167.096535,\"uid\":\"CHhAvVGS1DHFjwGM9\",\"id.orig_h\":\"141.142.220.202\","
	"\"id.orig_p\":5353,\"id.resp_h\":\"224.0.0.251\",\"id.resp_p\":5353,\"proto\":\"udp\","
	"\"duration\":2.5,\"orig_bytes\":0,\"conn_state\":\"S0\",\"local_orig\":true,"
	"\"local_resp\":false,\"missed_bytes\":0,\"history\":\"Dd\",\"orig_pkts\":1,"
	"\"orig_ip_bytes\":73,\"resp_pkts\":0,\"resp_ip_bytes\":0,\"tunnel_parents\":[\"a\",\"b\"],"
	"\"ip_proto\":17}\n";
static const char json_a_all[] =
	"{\"ts\":1300475167.096535,\"uid\":\"CHhAvVGS1DHFjwGM9\",\"id.orig_h\":\"141.142.220.202\","
	"\"id.orig_p\":5353,\"id.resp_h\":\"224.0.0.251\",\"id.resp_p\":5353,\"proto\":\"udp\","
	"\"duration\":2.5,\"orig_bytes\":0,\"conn_state\":\"S0\",\"local_orig\":true,"
	"\"local_resp\":false,\"missed_bytes\":0,\"history\":\"Dd\",\"orig_pkts\":1,"
	"\"orig_ip_bytes\":73,\"resp_pkts\":0,\"resp_ip_bytes\":0,\"tunnel_parents\":[\"a\",\"b\"],"
	"\"ip_proto\":17,\"vlan\":100,\"orig_l2_addr\":\"\",\"resp_l2_addr\":\"-\","
	"\"community_id\":\"1:xyz\"}\n";

static const char tsv_b_all[] = "1.000000\tC1\t2001:db8::1:0:0:1\t0\tfe80::1\t65535\ttcp\t"
				"a\\x09b\\x0ac\\x5cd\t0.000002\t12345678901234\t0\t\\x2d\t-\t-\t0\t"
				"\\x28empty)\t0\t0\t0\t0\t(empty)\t6\t-1\t4095\t\\x01\\x7f\\xff\t"
				"sp ace\tx,y\n";

static void
test_conn_tsv_json(void)
{
	uint8_t rec[1024];
	uint32_t len = conn_a(rec, sizeof(rec));
	struct vg_buf b = {0};

	CHECK(len > 0);
	CHECK_EQ(vg_logfmt_tsv(&b, 0, rec, len), 0);
	CHECK_STR(&b, tsv_a0);
	vg_buf_reset(&b);
	CHECK_EQ(b.len, 0);
	CHECK_EQ(vg_logfmt_tsv(&b, ALL_FEATURES, rec, len), 0);
	CHECK_STR(&b, tsv_a_all);
	vg_buf_reset(&b);
	CHECK_EQ(vg_logfmt_tsv(&b, 1u << VG_FEAT_COMMUNITY_ID, rec, len), 0);
	CHECK_STR(&b, tsv_a_cid);
	vg_buf_reset(&b);
	CHECK_EQ(vg_logfmt_json(&b, 0, rec, len), 0);
	CHECK_STR(&b, json_a0);
	vg_buf_reset(&b);
	CHECK_EQ(vg_logfmt_json(&b, ALL_FEATURES, rec, len), 0);
	CHECK_STR(&b, json_a_all);

	/* Output is appended, not replaced. */
	vg_buf_reset(&b);
	CHECK_EQ(vg_logfmt_tsv(&b, 0, rec, len), 0);
	CHECK_EQ(vg_logfmt_tsv(&b, 0, rec, len), 0);
	CHECK_EQ(b.len, 2 * strlen(tsv_a0));
	CHECK(b.p != NULL && strncmp(b.p + strlen(tsv_a0), tsv_a0, strlen(tsv_a0)) == 0);

	len = conn_b(rec, sizeof(rec));
	CHECK(len > 0);
	vg_buf_reset(&b);
	CHECK_EQ(vg_logfmt_tsv(&b, ALL_FEATURES, rec, len), 0);
	CHECK_STR(&b, tsv_b_all);

	/* JSON: unset fields are left out, marker look-alikes are plain strings. */
	vg_buf_reset(&b);
	CHECK_EQ(vg_logfmt_json(&b, ALL_FEATURES, rec, len), 0);
	static const char b_head[] = "{\"ts\":1.0,\"uid\":\"C1\",\"id.orig_h\":"
				     "\"2001:db8::1:0:0:1\",\"id.orig_p\":0,\"id.resp_h\":"
				     "\"fe80::1\",\"id.resp_p\":65535,\"proto\":\"tcp\",";

	CHECK(b.p != NULL && strncmp(b.p, b_head, strlen(b_head)) == 0);
	CHECK(b.p != NULL && strstr(b.p, "\"duration\":0.000002,") != NULL);
	CHECK(b.p != NULL &&
		strstr(b.p, "\"orig_bytes\":12345678901234,\"resp_bytes\":0,") != NULL);
	CHECK(b.p != NULL && strstr(b.p, "\"conn_state\":\"-\",\"missed_bytes\":0,") != NULL);
	CHECK(b.p != NULL && strstr(b.p, "local_orig") == NULL);
	CHECK(b.p != NULL && strstr(b.p, "\"history\":\"(empty)\"") != NULL);
	CHECK(b.p != NULL && strstr(b.p, "\"tunnel_parents\":[],") != NULL);
	CHECK(b.p != NULL && strstr(b.p, "\"vlan\":-1,\"inner_vlan\":4095,") != NULL);
	CHECK(b.p != NULL && strstr(b.p, "\"community_id\":\"x,y\"}\n") != NULL);
	/* The service's tab, newline and backslash are escaped (either JSON form). */
	CHECK(b.p != NULL &&
		(strstr(b.p, "\"service\":\"a\\tb\\nc\\\\d\"") != NULL ||
			strstr(b.p, "\"service\":\"a\\u0009b\\u000ac\\\\d\"") != NULL));
	vg_buf_free(&b);
	CHECK(b.p == NULL && b.len == 0 && b.cap == 0);
}

/* A weird record with a free-form name, for string-escaping cases. */
static uint32_t
weird_named(uint8_t *buf, uint32_t cap, uint64_t ts, const char *name, uint32_t name_len)
{
	struct vg_rec r;

	vg_rec_begin(&r, buf, cap, vg_schema_get(VG_LOG_WEIRD));
	vg_rec_time(&r, ts);
	for (int i = 0; i < 5; i++)
		vg_rec_unset(&r);
	vg_rec_str(&r, name, name_len);
	vg_rec_unset(&r);
	vg_rec_bool(&r, false);
	vg_rec_cstr(&r, "zeek");
	vg_rec_unset(&r);
	return vg_rec_end(&r);
}

/* Formats a weird record named name; the check is made at the caller's line. */
static void
fmt_named(struct vg_buf *b, bool json, uint64_t ts, const char *name, uint32_t n)
{
	uint8_t rec[512];
	uint32_t len = weird_named(rec, sizeof(rec), ts, name, n);

	CHECK(len > 0);
	if (json)
		CHECK_EQ(vg_logfmt_json(b, 0, rec, len), 0);
	else
		CHECK_EQ(vg_logfmt_tsv(b, 0, rec, len), 0);
}

#define CHECK_NAMED(json, ts, name, n, want)                                                       \
	do {                                                                                       \
		struct vg_buf b_ = {0};                                                            \
		fmt_named(&b_, json, ts, name, n);                                                 \
		CHECK_STR(&b_, want);                                                              \
		vg_buf_free(&b_);                                                                  \
	} while (0)
#define check_tsv_name(ts, name, n, want)  CHECK_NAMED(false, ts, name, n, want)
#define check_json_name(ts, name, n, want) CHECK_NAMED(true, ts, name, n, want)

static void
test_weird_strings(void)
{
	/* Times: six decimals, rounded to the microsecond. */
	check_tsv_name(1300475167096535499ULL, "x", 1,
		"1300475167.096535\t-\t-\t-\t-\t-\tx\t-\tF\tzeek\t-\n");
	check_tsv_name(1300475167096535500ULL, "x", 1,
		"1300475167.096536\t-\t-\t-\t-\t-\tx\t-\tF\tzeek\t-\n");
	check_tsv_name(999999999500ULL, "x", 1, "1000.000000\t-\t-\t-\t-\t-\tx\t-\tF\tzeek\t-\n");
	check_tsv_name(0, "x", 1, "0.000000\t-\t-\t-\t-\t-\tx\t-\tF\tzeek\t-\n");

	/* Unset, empty and the look-alikes. */
	check_tsv_name(0, "", 0, "0.000000\t-\t-\t-\t-\t-\t(empty)\t-\tF\tzeek\t-\n");
	check_tsv_name(0, "-", 1, "0.000000\t-\t-\t-\t-\t-\t\\x2d\t-\tF\tzeek\t-\n");
	check_tsv_name(0, "--", 2, "0.000000\t-\t-\t-\t-\t-\t--\t-\tF\tzeek\t-\n");
	check_tsv_name(0, "(empty)", 7, "0.000000\t-\t-\t-\t-\t-\t\\x28empty)\t-\tF\tzeek\t-\n");

	/* Separators, backslash and non-printable bytes; commas only matter in sets. */
	check_tsv_name(0, "a\tb", 3, "0.000000\t-\t-\t-\t-\t-\ta\\x09b\t-\tF\tzeek\t-\n");
	check_tsv_name(
		0, "l1\nl2\r", 6, "0.000000\t-\t-\t-\t-\t-\tl1\\x0al2\\x0d\t-\tF\tzeek\t-\n");
	check_tsv_name(0, "c:\\dir", 6, "0.000000\t-\t-\t-\t-\t-\tc:\\x5cdir\t-\tF\tzeek\t-\n");
	check_tsv_name(0, "\x00\x1f\x7f\x80\xff", 5,
		"0.000000\t-\t-\t-\t-\t-\t\\x00\\x1f\\x7f\\x80\\xff\t-\tF\tzeek\t-\n");
	check_tsv_name(0, "a,b c", 5, "0.000000\t-\t-\t-\t-\t-\ta,b c\t-\tF\tzeek\t-\n");

	/* JSON: unset fields omitted, bool as false, quotes and backslashes escaped. */
	check_json_name(1300475167096535000ULL, "x", 1,
		"{\"ts\":1300475167.096535,\"name\":\"x\",\"notice\":false,\"peer\":\"zeek\"}\n");
	check_json_name(5000000000ULL, "say \"hi\"\\", 9,
		"{\"ts\":5.0,\"name\":\"say "
		"\\\"hi\\\"\\\\\",\"notice\":false,\"peer\":\"zeek\"}\n");
	check_json_name(1500000000ULL, "", 0,
		"{\"ts\":1.5,\"name\":\"\",\"notice\":false,\"peer\":\"zeek\"}\n");
	check_json_name(1000ULL, "-", 1,
		"{\"ts\":0.000001,\"name\":\"-\",\"notice\":false,\"peer\":\"zeek\"}\n");
	/*
	 * Valid UTF-8 stays as it is, as Zeek writes it (its JSON writer only
	 * escapes bytes that are not valid UTF-8): "\u00c3\u00a9" would decode
	 * as the two characters "Ã©", not "é".
	 */
	check_json_name(0, "caf\xc3\xa9", 5,
		"{\"ts\":0.0,\"name\":\"caf\xc3\xa9\",\"notice\":false,\"peer\":\"zeek\"}\n");
}

/* Sets: items escaped, commas inside items escaped, "-" item escaped. */
static void
test_sets(void)
{
	uint8_t rec[512];
	struct vg_rec r;
	struct vg_buf b = {0};
	uint32_t len;

	vg_rec_begin(&r, rec, sizeof(rec), vg_schema_get(VG_LOG_CONN));
	for (int i = 0; i < VG_CONN_TUNNEL_PARENTS; i++)
		vg_rec_unset(&r);
	vg_rec_set_begin(&r, 4);
	vg_rec_cstr(&r, "x,y");
	vg_rec_cstr(&r, "-");
	vg_rec_str(&r, "", 0);
	vg_rec_cstr(&r, "t\tz");
	for (int i = VG_CONN_TUNNEL_PARENTS + 1; i < VG_CONN_NCOLS; i++)
		vg_rec_unset(&r);
	len = vg_rec_end(&r);
	CHECK(len > 0);
	CHECK_EQ(vg_logfmt_tsv(&b, 0, rec, len), 0);
	CHECK_STR(&b,
		"-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t"
		"x\\x2cy,\\x2d,(empty),t\\x09z\t-\n");
	vg_buf_reset(&b);
	CHECK_EQ(vg_logfmt_json(&b, ALL_FEATURES, rec, len), 0);
	/* The tab may be written "\t" or "\u0009": both are the same JSON string. */
	CHECK(b.p != NULL &&
		(strcmp(b.p, "{\"tunnel_parents\":[\"x,y\",\"-\",\"\",\"t\\tz\"]}\n") == 0 ||
			strcmp(b.p, "{\"tunnel_parents\":[\"x,y\",\"-\",\"\",\"t\\u0009z\"]}\n") ==
				0));
	vg_buf_free(&b);
}

static void
test_malformed(void)
{
	uint8_t rec[1024];
	uint32_t len = conn_a(rec, sizeof(rec));
	struct vg_buf b = {0};

	CHECK_EQ(vg_logfmt_tsv(&b, 0, rec, 8), -1);
	CHECK_EQ(vg_logfmt_json(&b, 0, rec, 8), -1);
	/* Cut in the middle of the uid string. */
	CHECK_EQ(vg_logfmt_tsv(&b, 0, rec, 30), -1);
	CHECK_EQ(vg_logfmt_json(&b, 0, rec, 30), -1);
	/* Cut inside the last fields. */
	CHECK_EQ(vg_logfmt_tsv(&b, 0, rec, len - 40), -1);
	rec[4] = 9; /* unknown log id */
	CHECK_EQ(vg_logfmt_tsv(&b, 0, rec, len), -1);
	CHECK_EQ(vg_logfmt_json(&b, 0, rec, len), -1);
	vg_buf_free(&b);
}

static const char conn_fields[] =
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\t"
	"duration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\t"
	"history\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\tip_proto";
static const char conn_types[] =
	"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\t"
	"string\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\tcount";

static void
test_header(void)
{
	struct vg_buf b = {0};
	char want[2048];

	vg_logfmt_tsv_header(&b, vg_schema_get(VG_LOG_CONN), 0, 1300475167.5);
	snprintf(want, sizeof(want),
		"#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
		"#unset_field\t-\n#path\tconn\n#open\t2011-03-18-19-06-07\n%s\n%s\n",
		conn_fields, conn_types);
	CHECK_STR(&b, want);
	CHECK(b.p != NULL && strstr(b.p, "#fields\tts\tuid\t") != NULL);
	CHECK(b.p != NULL && strstr(b.p, "community_id") == NULL);

	/* The community_id column only with its feature bit, and only it. */
	vg_buf_reset(&b);
	vg_logfmt_tsv_header(
		&b, vg_schema_get(VG_LOG_CONN), 1u << VG_FEAT_COMMUNITY_ID, 1300475167.0);
	snprintf(want, sizeof(want), "\n%s\tcommunity_id\n%s\tstring\n", conn_fields, conn_types);
	CHECK(b.p != NULL && strstr(b.p, want) != NULL);
	CHECK(b.p != NULL && strstr(b.p, "vlan") == NULL);
	CHECK(b.p != NULL && strstr(b.p, "l2_addr") == NULL);

	vg_buf_reset(&b);
	vg_logfmt_tsv_header(&b, vg_schema_get(VG_LOG_CONN), ALL_FEATURES, 0);
	snprintf(want, sizeof(want),
		"\n%s\tvlan\tinner_vlan\torig_l2_addr\tresp_l2_addr\tcommunity_id\n"
		"%s\tint\tint\tstring\tstring\tstring\n",
		conn_fields, conn_types);
	CHECK(b.p != NULL && strstr(b.p, want) != NULL);
	CHECK(b.p != NULL && strstr(b.p, "#open\t1970-01-01-00-00-00\n") != NULL);

	vg_buf_reset(&b);
	vg_logfmt_tsv_header(&b, vg_schema_get(VG_LOG_WEIRD), ALL_FEATURES, 0);
	CHECK(b.p != NULL && strstr(b.p, "#path\tweird\n") != NULL);
	CHECK(b.p != NULL &&
		strstr(b.p,
			"\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\t"
			"id.resp_p\tname\taddl\tnotice\tpeer\tsource\n#types\t"
			"time\tstring\taddr\tport\taddr\tport\tstring\tstring\t"
			"bool\tstring\tstring\n") != NULL);
	vg_buf_free(&b);
}

/* Reads a whole small file into a NUL-terminated buffer. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	size_t n;

	if (f == NULL)
		return NULL;
	s = calloc(1, 65536);
	if (s == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(s, 1, 65535, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

static void
test_logwriter(void)
{
	char dir[] = "/tmp/vg_logfmt_test.XXXXXX";
	char path[256];
	uint8_t rec[1024];
	uint32_t len = conn_a(rec, sizeof(rec));

	if (mkdtemp(dir) == NULL) {
		CHECK(!"mkdtemp");
		return;
	}
	/* TSV: header, records, #close. */
	struct vg_logwriter_cfg cfg = {.dir = dir, .json = false, .features = 0};
	struct vg_logwriter *w = vg_logwriter_create(&cfg);

	CHECK(w != NULL);
	if (w == NULL)
		return;
	CHECK_EQ(vg_logwriter_write(w, rec, len), 0);
	CHECK_EQ(vg_logwriter_write(w, rec, len), 0);
	CHECK_EQ(vg_logwriter_write(w, rec, 20), -1);
	CHECK_EQ(vg_logwriter_count(w, VG_LOG_CONN), 2);
	CHECK_EQ(vg_logwriter_count(w, VG_LOG_WEIRD), 0);
	CHECK_EQ(vg_logwriter_bad(w), 1);
	CHECK_EQ(vg_logwriter_close(w), 0);

	snprintf(path, sizeof(path), "%s/conn.log", dir);
	char *s = slurp(path);

	CHECK(s != NULL);
	if (s != NULL) {
		char *fields = strstr(s, "#fields\t");
		char *close_line = strstr(s, "\n#close\t");

		CHECK(strncmp(s, "#separator \\x09\n", 16) == 0);
		CHECK(fields != NULL);
		CHECK(close_line != NULL);
		CHECK(fields != NULL && close_line != NULL && fields < close_line);
		/* The two records follow the #types line. */
		char *types_end = strstr(s, "#types\t");

		types_end = types_end ? strchr(types_end, '\n') : NULL;
		CHECK(types_end != NULL && strncmp(types_end + 1, tsv_a0, strlen(tsv_a0)) == 0);
		CHECK(types_end != NULL &&
			strncmp(types_end + 1 + strlen(tsv_a0), tsv_a0, strlen(tsv_a0)) == 0);
		free(s);
	}
	snprintf(path, sizeof(path), "%s/weird.log", dir);
	CHECK(access(path, F_OK) != 0);
	snprintf(path, sizeof(path), "%s/conn.log", dir);
	unlink(path);

	/* JSON: no header block, one object per line. */
	cfg.json = true;
	w = vg_logwriter_create(&cfg);
	CHECK(w != NULL);
	if (w == NULL)
		return;
	CHECK_EQ(vg_logwriter_write(w, rec, len), 0);
	CHECK_EQ(vg_logwriter_close(w), 0);
	s = slurp(path);
	CHECK(s != NULL && strcmp(s, json_a0) == 0);
	free(s);
	unlink(path);
	rmdir(dir);
}

/* The drop mask leaves columns out of lines and of the header, first column included. */
static void
test_drop(void)
{
	uint8_t rec[1024];
	uint32_t len = conn_a(rec, sizeof(rec));
	struct vg_buf b = {0};
	uint64_t mask = 1ull << VG_CONN_UID | 1ull << VG_CONN_PROTO;

	CHECK_EQ(vg_logfmt_tsv_drop(&b, 0, mask, rec, len), 0);
	CHECK_STR(&b,
		"1300475167.096535\t141.142.220.202\t5353\t224.0.0.251\t5353\t-\t"
		"2.500000\t0\t-\tS0\tT\tF\t0\tDd\t1\t73\t0\t0\ta,b\t17\n");
	vg_buf_reset(&b);
	CHECK_EQ(vg_logfmt_tsv_drop(&b, 0, 1ull << VG_CONN_TS, rec, len), 0);
	CHECK(strncmp(b.p, "CHhAvVGS1DHFjwGM9\t141.", 22) == 0);
	vg_buf_reset(&b);
	CHECK_EQ(vg_logfmt_json_drop(&b, 0, mask | 1ull << VG_CONN_TS, rec, len), 0);
	CHECK_STR(&b,
		"{\"id.orig_h\":\"141.142.220.202\",\"id.orig_p\":5353,"
		"\"id.resp_h\":\"224.0.0.251\",\"id.resp_p\":5353,\"duration\":2.5,"
		"\"orig_bytes\":0,\"conn_state\":\"S0\",\"local_orig\":true,"
		"\"local_resp\":false,\"missed_bytes\":0,\"history\":\"Dd\",\"orig_pkts\":1,"
		"\"orig_ip_bytes\":73,\"resp_pkts\":0,\"resp_ip_bytes\":0,"
		"\"tunnel_parents\":[\"a\",\"b\"],\"ip_proto\":17}\n");
	vg_buf_reset(&b);
	vg_logfmt_tsv_header_cols(&b, vg_schema_get(VG_LOG_WEIRD), 0, 1ull << VG_WEIRD_COL_UID,
		vg_logfmt_k8s_cols, 2, 0);
	CHECK(strstr(b.p,
		      "\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tname\t"
		      "addl\tnotice\tpeer\tsource\torig_k8s.namespace\torig_k8s.pod\n"
		      "#types\ttime\taddr\tport\taddr\tport\tstring\tstring\tbool\tstring\t"
		      "string\tstring\tstring\n") != NULL);
	vg_buf_free(&b);
}

/* The k8s columns after Zeek's: TSV and JSON, a known and an unknown address. */
static void
test_k8s_columns(void)
{
	uint8_t rec[1024];
	uint32_t len = conn_a(rec, sizeof(rec));
	struct vg_buf b = {0};
	struct vg_k8s_who who[2];
	struct vg_logfmt_val vals[VG_K8S_COLS];
	struct vg_logfmt_idcols ic;

	vg_logfmt_idcols_find(vg_schema_get(VG_LOG_CONN), 0, &ic);
	CHECK(ic.has_id);
	CHECK_EQ(ic.ts, VG_CONN_TS);
	CHECK_EQ(ic.resp_p, VG_CONN_RESP_P);
	vg_logfmt_idcols_find(vg_schema_get(VG_LOG_STATS), 0, &ic);
	CHECK(!ic.has_id);

	memset(who, 0, sizeof(who));
	who[0].ns = "shop";
	who[0].pod = "web-1";
	who[0].workload = "web";
	who[0].workload_kind = "Deployment";
	who[0].node = "n1";
	who[0].services[0] = "web";
	who[0].services[1] = "a,b";
	who[0].nservices = 2;
	who[0].labels[0] = "app=web";
	who[0].nlabels = 1;
	vg_logfmt_k8s_vals(who, vals);
	CHECK_EQ(vg_logfmt_tsv(&b, 0, rec, len), 0);
	vg_logfmt_tsv_append(&b, vg_logfmt_k8s_cols, VG_K8S_COLS, vals);
	CHECK_STR(&b,
		"1300475167.096535\tCHhAvVGS1DHFjwGM9\t141.142.220.202\t5353\t"
		"224.0.0.251\t5353\tudp\t-\t2.500000\t0\t-\tS0\tT\tF\t0\tDd\t1\t73\t"
		"0\t0\ta,b\t17\tshop\tweb-1\tweb\tDeployment\tn1\tweb,a\\x2cb\tapp=web\tF\tpod\t"
		"-\t-\t-\t-\t-\t-\t-\t-\t-\n");
	vg_buf_reset(&b);
	CHECK_EQ(vg_logfmt_json(&b, 0, rec, len), 0);
	vg_logfmt_json_append(&b, vg_logfmt_k8s_cols, VG_K8S_COLS, vals);
	CHECK(strstr(b.p,
		      "\"tunnel_parents\":[\"a\",\"b\"],\"ip_proto\":17,"
		      "\"orig_k8s.namespace\":\"shop\",\"orig_k8s.pod\":\"web-1\","
		      "\"orig_k8s.workload\":\"web\",\"orig_k8s.workload_kind\":\"Deployment\","
		      "\"orig_k8s.node\":\"n1\",\"orig_k8s.services\":[\"web\",\"a,b\"],"
		      "\"orig_k8s.labels\":[\"app=web\"],\"orig_k8s.host_network\":false,"
		      "\"orig_k8s.type\":\"pod\"}\n") != NULL);

	/* A Service address: no pod, so no host_network; the type says service. */
	memset(who, 0, sizeof(who));
	who[1].ns = "kube-system";
	who[1].services[0] = "kube-dns";
	who[1].nservices = 1;
	who[1].is_service = true;
	vg_logfmt_k8s_vals(who, vals);
	vg_buf_reset(&b);
	CHECK_EQ(vg_logfmt_tsv_drop(&b, 0, ~0ull, rec, len), 0);
	vg_logfmt_tsv_append(&b, vg_logfmt_k8s_cols, VG_K8S_COLS, vals);
	CHECK_STR(&b,
		"-\t-\t-\t-\t-\t-\t-\t-\t-\tkube-system\t-\t-\t-\t-\tkube-dns\t-\t-\t"
		"service\n");
	vg_buf_free(&b);
}

/* The kept texts: a version seen again gives the same columns; a new version new ones. */
static void
test_k8s_cache(void)
{
	struct vg_logfmt_k8s_cache *c = vg_logfmt_k8s_cache_new();
	struct vg_k8s_who who[2];
	struct vg_buf b = {0};

	memset(who, 0, sizeof(who));
	who[0].ns = "shop";
	who[0].pod = "web-1";
	who[0].version = 7;
	for (int round = 0; round < 2; round++) {
		vg_buf_reset(&b);
		vg_buf_add(&b, "x\n", 2);
		vg_logfmt_k8s_append(c, &b, false, who);
		CHECK_STR(&b, "x\tshop\tweb-1\t-\t-\t-\t-\t-\tF\tpod\t-\t-\t-\t-\t-\t-\t-\t-\t-\n");
		vg_buf_reset(&b);
		vg_buf_add(&b, "{\"a\":1}\n", 8);
		vg_logfmt_k8s_append(c, &b, true, who);
		CHECK_STR(&b,
			"{\"a\":1,\"orig_k8s.namespace\":\"shop\",\"orig_k8s.pod\":\"web-1\","
			"\"orig_k8s.host_network\":false,\"orig_k8s.type\":\"pod\"}\n");
	}
	/* Same version, other strings: still the kept text (the version is the promise). */
	who[0].pod = "web-2";
	vg_buf_reset(&b);
	vg_buf_add(&b, "x\n", 2);
	vg_logfmt_k8s_append(c, &b, false, who);
	CHECK(strstr(b.p, "web-1") != NULL);
	/* A new version: made again. Responder only, JSON, all columns dropped before. */
	who[1] = who[0];
	who[1].version = 8;
	memset(&who[0], 0, sizeof(who[0]));
	vg_buf_reset(&b);
	vg_buf_add(&b, "{}\n", 3);
	vg_logfmt_k8s_append(c, &b, true, who);
	CHECK_STR(&b,
		"{\"resp_k8s.namespace\":\"shop\",\"resp_k8s.pod\":\"web-2\","
		"\"resp_k8s.host_network\":false,\"resp_k8s.type\":\"pod\"}\n");
	vg_buf_reset(&b);
	vg_buf_add(&b, "\n", 1);
	vg_logfmt_k8s_append(c, &b, false, who);
	CHECK_STR(&b, "-\t-\t-\t-\t-\t-\t-\t-\t-\tshop\tweb-2\t-\t-\t-\t-\t-\tF\tpod\n");
	vg_buf_free(&b);
	vg_logfmt_k8s_cache_free(c);
}

/* Counts the files of a directory whose names start with prefix. */
static int
count_files(const char *dir, const char *prefix)
{
	char cmd[512];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -1 %s | grep -c '^%s'", dir, prefix);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}

/* vg_logwriter_set_drop rotates the log so #fields stays true; k8s columns in the header. */
static void
test_writer_drop_k8s(void)
{
	char dir[] = "/tmp/vg_logfmt_drop.XXXXXX";
	char path[256], cmd[300];
	uint8_t rec[1024];
	uint32_t len = conn_a(rec, sizeof(rec));
	struct vg_k8s_inv *inv = vg_k8s_inv_create(NULL);

	if (mkdtemp(dir) == NULL || inv == NULL) {
		CHECK(!"mkdtemp");
		return;
	}
	struct vg_logwriter_cfg cfg = {.dir = dir, .k8s = inv};
	struct vg_logwriter *w = vg_logwriter_create(&cfg);

	CHECK_EQ(vg_logwriter_write(w, rec, len), 0);
	CHECK_EQ(vg_logwriter_set_drop(w, VG_LOG_CONN, 0), 0); /* unchanged: no rotation */
	CHECK_EQ(count_files(dir, "conn\\."), 1);
	CHECK_EQ(vg_logwriter_set_drop(w, VG_LOG_CONN, 1ull << VG_CONN_UID), 0);
	CHECK_EQ(count_files(dir, "conn\\."), 1); /* conn.log rotated, not yet reopened */
	CHECK_EQ(vg_logwriter_write(w, rec, len), 0);
	CHECK_EQ(count_files(dir, "conn\\."), 2);
	CHECK_EQ(vg_logwriter_set_drop(w, VG_LOG_MAX, 0), -1);
	CHECK_EQ(vg_logwriter_close(w), 0);

	snprintf(path, sizeof(path), "%s/conn.log", dir);
	char *s = slurp(path);

	CHECK(s != NULL && strstr(s, "#fields\tts\tid.orig_h\t") != NULL);
	CHECK(s != NULL && strstr(s, "\tmirror_session\t") == NULL);
	CHECK(s != NULL && strstr(s, "\tip_proto\torig_k8s.namespace\torig_k8s.pod\t") != NULL);
	CHECK(s != NULL && strstr(s, "\tresp_k8s.host_network\tresp_k8s.type\n#types\t") != NULL);
	CHECK(s != NULL &&
		strstr(s, "\ta,b\t17\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\n") !=
			NULL);
	free(s);
	vg_k8s_inv_free(inv);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
}

int
main(void)
{
	test_drop();
	test_k8s_columns();
	test_k8s_cache();
	test_writer_drop_k8s();
	test_conn_tsv_json();
	test_weird_strings();
	test_sets();
	test_malformed();
	test_header();
	test_logwriter();

	printf("logfmt: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
