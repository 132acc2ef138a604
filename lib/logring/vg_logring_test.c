/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for binary log records and the shared-memory rings: records are
 * built with vg_rec_* and read back field by field; rings are filled, drained
 * and wrapped many times with every record's bytes checked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vg_logring.h"
#include "vg_record.h"
#include "vg_schema.h"

static unsigned int n_checks;
static unsigned int n_failed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		n_checks++;                                                                        \
		if (!(cond)) {                                                                     \
			n_failed++;                                                                \
			fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__,       \
				__func__, #cond);                                                  \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		unsigned long long va_ = (unsigned long long)(a);                                  \
		unsigned long long vb_ = (unsigned long long)(b);                                  \
		n_checks++;                                                                        \
		if (va_ != vb_) {                                                                  \
			n_failed++;                                                                \
			fprintf(stderr, "%s:%d: %s: check failed: %s == %s (%llu != %llu)\n",      \
				__FILE__, __LINE__, __func__, #a, #b, va_, vb_);                   \
		}                                                                                  \
	} while (0)

/* Same as CHECK but counted once for a whole loop: reports only the first failure. */
static bool
check_quiet(bool ok, const char *what, unsigned long long i)
{
	if (!ok)
		fprintf(stderr, "%s:%d: check failed: %s (at %llu)\n", __FILE__, __LINE__, what, i);
	return ok;
}

static bool
str_is(const struct vg_rec_value *v, const char *s)
{
	size_t n = strlen(s);

	return !v->unset && v->v.str.len == n && memcmp(v->v.str.p, s, n) == 0;
}

/* ---- records ------------------------------------------------------------ */

static const uint8_t v4_a[4] = {192, 168, 0, 1};
static const uint8_t v6_b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};

/* A conn record with every base field type, some unset, and a two-item set. */
static uint32_t
build_conn(uint8_t *buf, uint32_t cap)
{
	struct vg_rec r;
	struct vg_addr a, b;

	vg_addr_from_v4(&a, v4_a);
	memcpy(b.b, v6_b, 16);
	vg_rec_begin(&r, buf, cap, vg_schema_get(VG_LOG_CONN));
	vg_rec_time(&r, 1300475167096535000ULL); /* ts */
	vg_rec_cstr(&r, "CHhAvVGS1DHFjwGM9");    /* uid */
	vg_rec_addr(&r, &a);                     /* id.orig_h */
	vg_rec_port(&r, 54321);                  /* id.orig_p */
	vg_rec_addr(&r, &b);                     /* id.resp_h */
	vg_rec_port(&r, 443);                    /* id.resp_p */
	vg_rec_cstr(&r, "tcp");                  /* proto (enum) */
	vg_rec_unset(&r);                        /* service */
	vg_rec_interval(&r, -1500000);           /* duration */
	vg_rec_count(&r, 0);                     /* orig_bytes */
	vg_rec_count(&r, UINT64_MAX);            /* resp_bytes */
	vg_rec_cstr(&r, "SF");                   /* conn_state */
	vg_rec_bool(&r, true);                   /* local_orig */
	vg_rec_bool(&r, false);                  /* local_resp */
	vg_rec_count(&r, 7);                     /* missed_bytes */
	vg_rec_str(&r, "ShAD\0dFf", 8);          /* history, with a NUL */
	vg_rec_count(&r, 10);                    /* orig_pkts */
	vg_rec_count(&r, 1000);                  /* orig_ip_bytes */
	vg_rec_count(&r, 11);                    /* resp_pkts */
	vg_rec_count(&r, 2000);                  /* resp_ip_bytes */
	vg_rec_set_begin(&r, 2);                 /* tunnel_parents */
	vg_rec_cstr(&r, "CparentA");
	vg_rec_str(&r, "", 0);
	vg_rec_count(&r, 6);                  /* ip_proto */
	vg_rec_int(&r, -42);                  /* vlan */
	vg_rec_unset(&r);                     /* inner_vlan */
	vg_rec_cstr(&r, "00:11:22:33:44:55"); /* orig_l2_addr */
	vg_rec_str(&r, "", 0);                /* resp_l2_addr */
	vg_rec_unset(&r);                     /* community_id */
	/* Columns added after these (vigil's own) stay unset. */
	for (int i = VG_CONN_COMMUNITY_ID + 1; i < VG_CONN_NCOLS; i++)
		vg_rec_unset(&r);
	return vg_rec_end(&r);
}

static void
test_conn_record(void)
{
	uint8_t buf[1024];
	uint32_t len = build_conn(buf, sizeof(buf));
	struct vg_rec_reader rd;
	struct vg_rec_value v[VG_CONN_NCOLS], extra;
	const uint8_t *ip;
	uint16_t il;

	CHECK(len > 0);
	CHECK_EQ(len % 8, 0);
	CHECK_EQ(buf[0] | buf[1] << 8 | buf[2] << 16 | (uint32_t)buf[3] << 24, len);
	CHECK_EQ(vg_rec_log_id(buf), VG_LOG_CONN);
	CHECK_EQ(vg_rec_read_begin(&rd, buf, len), 0);
	CHECK(rd.schema == vg_schema_get(VG_LOG_CONN));
	CHECK_EQ(rd.nfields, VG_CONN_NCOLS);
	for (int i = 0; i < VG_CONN_NCOLS; i++)
		CHECK_EQ(vg_rec_read_next(&rd, &v[i]), 0);
	CHECK_EQ(vg_rec_read_next(&rd, &extra), -1);

	CHECK(!v[VG_CONN_TS].unset);
	CHECK_EQ(v[VG_CONN_TS].v.u, 1300475167096535000ULL);
	CHECK(str_is(&v[VG_CONN_UID], "CHhAvVGS1DHFjwGM9"));
	CHECK(vg_addr_is_v4(&v[VG_CONN_ORIG_H].v.addr));
	CHECK(memcmp(v[VG_CONN_ORIG_H].v.addr.b + 12, v4_a, 4) == 0);
	CHECK_EQ(v[VG_CONN_ORIG_P].v.port, 54321);
	CHECK(memcmp(v[VG_CONN_RESP_H].v.addr.b, v6_b, 16) == 0);
	CHECK_EQ(v[VG_CONN_RESP_P].v.port, 443);
	CHECK(str_is(&v[VG_CONN_PROTO], "tcp"));
	CHECK(v[VG_CONN_SERVICE].unset);
	CHECK(!v[VG_CONN_DURATION].unset);
	CHECK_EQ(v[VG_CONN_DURATION].v.i, -1500000);
	CHECK(!v[VG_CONN_ORIG_BYTES].unset);
	CHECK_EQ(v[VG_CONN_ORIG_BYTES].v.u, 0);
	CHECK_EQ(v[VG_CONN_RESP_BYTES].v.u, UINT64_MAX);
	CHECK(str_is(&v[VG_CONN_STATE], "SF"));
	CHECK(!v[VG_CONN_LOCAL_ORIG].unset && v[VG_CONN_LOCAL_ORIG].v.b);
	CHECK(!v[VG_CONN_LOCAL_RESP].unset && !v[VG_CONN_LOCAL_RESP].v.b);
	CHECK_EQ(v[VG_CONN_MISSED_BYTES].v.u, 7);
	CHECK_EQ(v[VG_CONN_HISTORY].v.str.len, 8);
	CHECK(memcmp(v[VG_CONN_HISTORY].v.str.p, "ShAD\0dFf", 8) == 0);
	CHECK_EQ(v[VG_CONN_ORIG_PKTS].v.u, 10);
	CHECK_EQ(v[VG_CONN_ORIG_IP_BYTES].v.u, 1000);
	CHECK_EQ(v[VG_CONN_RESP_PKTS].v.u, 11);
	CHECK_EQ(v[VG_CONN_RESP_IP_BYTES].v.u, 2000);
	CHECK(!v[VG_CONN_TUNNEL_PARENTS].unset);
	CHECK_EQ(v[VG_CONN_TUNNEL_PARENTS].v.set.n, 2);
	CHECK_EQ(vg_rec_set_item(&v[VG_CONN_TUNNEL_PARENTS], buf + len, 0, &ip, &il), 0);
	CHECK(il == 8 && memcmp(ip, "CparentA", 8) == 0);
	CHECK_EQ(vg_rec_set_item(&v[VG_CONN_TUNNEL_PARENTS], buf + len, 1, &ip, &il), 0);
	CHECK_EQ(il, 0);
	CHECK_EQ(vg_rec_set_item(&v[VG_CONN_TUNNEL_PARENTS], buf + len, 2, &ip, &il), -1);
	CHECK_EQ(v[VG_CONN_IP_PROTO].v.u, 6);
	CHECK_EQ(v[VG_CONN_VLAN].v.i, -42);
	CHECK(v[VG_CONN_INNER_VLAN].unset);
	CHECK(str_is(&v[VG_CONN_ORIG_L2_ADDR], "00:11:22:33:44:55"));
	CHECK(!v[VG_CONN_RESP_L2_ADDR].unset);
	CHECK_EQ(v[VG_CONN_RESP_L2_ADDR].v.str.len, 0);
	CHECK(v[VG_CONN_COMMUNITY_ID].unset);
	for (int i = VG_CONN_COMMUNITY_ID + 1; i < VG_CONN_NCOLS; i++)
		CHECK(v[i].unset);

	/* Every cut before the last field's end is refused, never read past. */
	uint32_t used = rd.off;
	bool all_refused = true;

	CHECK(used <= len && used + 8 > len);
	for (uint32_t cut = 0; cut < used; cut++) {
		int rc = vg_rec_read_begin(&rd, buf, cut);

		for (int i = 0; rc == 0 && i < VG_CONN_NCOLS; i++)
			rc = vg_rec_read_next(&rd, &extra);
		if (rc == 0) {
			all_refused =
				check_quiet(false, "truncated record read", cut) && all_refused;
			break;
		}
	}
	CHECK(all_refused);

	/* A record of an unknown log, or with the wrong field count, is refused. */
	uint8_t bad[1024];

	memcpy(bad, buf, len);
	bad[4] = 0x7f;
	CHECK_EQ(vg_rec_read_begin(&rd, bad, len), -1);
	memcpy(bad, buf, len);
	bad[6] = VG_CONN_NCOLS - 1;
	CHECK_EQ(vg_rec_read_begin(&rd, bad, len), -1);
	CHECK_EQ(vg_rec_read_begin(&rd, buf, 15), -1);
}

/* weird.log: time, unset uid, addresses, ports, strings, a bool. */
static uint32_t
build_weird(uint8_t *buf, uint32_t cap, const char *name, const char *source)
{
	struct vg_rec r;
	struct vg_addr a;

	vg_addr_from_v4(&a, v4_a);
	vg_rec_begin(&r, buf, cap, vg_schema_get(VG_LOG_WEIRD));
	vg_rec_time(&r, 5);
	vg_rec_unset(&r);
	vg_rec_addr(&r, &a);
	vg_rec_port(&r, 0);
	vg_rec_addr(&r, &a);
	vg_rec_port(&r, 65535);
	vg_rec_cstr(&r, name);
	vg_rec_unset(&r);
	vg_rec_bool(&r, false);
	vg_rec_cstr(&r, "zeek");
	if (source != NULL)
		vg_rec_cstr(&r, source);
	else
		vg_rec_unset(&r);
	return vg_rec_end(&r);
}

static void
test_weird_record(void)
{
	uint8_t buf[512];
	uint32_t len = build_weird(buf, sizeof(buf), "truncated_IP", "IP");
	struct vg_rec_reader rd;
	struct vg_rec_value v[VG_WEIRD_NCOLS];

	CHECK(len > 0);
	CHECK_EQ(vg_rec_log_id(buf), VG_LOG_WEIRD);
	CHECK_EQ(vg_rec_read_begin(&rd, buf, len), 0);
	for (int i = 0; i < VG_WEIRD_NCOLS; i++)
		CHECK_EQ(vg_rec_read_next(&rd, &v[i]), 0);
	CHECK_EQ(v[VG_WEIRD_COL_TS].v.u, 5);
	CHECK(v[VG_WEIRD_COL_UID].unset);
	CHECK(memcmp(v[VG_WEIRD_COL_ORIG_H].v.addr.b + 12, v4_a, 4) == 0);
	CHECK(!v[VG_WEIRD_COL_ORIG_P].unset);
	CHECK_EQ(v[VG_WEIRD_COL_ORIG_P].v.port, 0);
	CHECK_EQ(v[VG_WEIRD_COL_RESP_P].v.port, 65535);
	CHECK(str_is(&v[VG_WEIRD_COL_NAME], "truncated_IP"));
	CHECK(v[VG_WEIRD_COL_ADDL].unset);
	CHECK(!v[VG_WEIRD_COL_NOTICE].unset && !v[VG_WEIRD_COL_NOTICE].v.b);
	CHECK(str_is(&v[VG_WEIRD_COL_PEER], "zeek"));
	CHECK(str_is(&v[VG_WEIRD_COL_SOURCE], "IP"));

	/*
	 * Exact size: 16 header + 8 ts + 16+2+16+2 + (2+3 "abc") + 1 + (2+4) = 72,
	 * already 8-aligned. The same fields with name "abcd" need 73, padded to 80.
	 */
	len = build_weird(buf, sizeof(buf), "abc", NULL);
	CHECK_EQ(len, 72);
	CHECK_EQ(build_weird(buf, 72, "abc", NULL), 72);
	CHECK_EQ(build_weird(buf, 71, "abc", NULL), 0);
	CHECK_EQ(build_weird(buf, sizeof(buf), "abcd", NULL), 80);
	/* All fields fit in 73 bytes, but the padded record does not. */
	CHECK_EQ(build_weird(buf, 73, "abcd", NULL), 0);
	CHECK_EQ(build_weird(buf, 79, "abcd", NULL), 0);
	CHECK_EQ(build_weird(buf, 80, "abcd", NULL), 80);
	/* Far too small: not even the header. */
	CHECK_EQ(build_weird(buf, 12, "abc", NULL), 0);
	CHECK_EQ(build_conn(buf, 64), 0);
}

static void
test_record_misuse(void)
{
	uint8_t buf[512];
	struct vg_rec r;

	/* Too few fields. */
	vg_rec_begin(&r, buf, sizeof(buf), vg_schema_get(VG_LOG_WEIRD));
	vg_rec_time(&r, 1);
	CHECK_EQ(vg_rec_end(&r), 0);

	/* Too many fields. */
	vg_rec_begin(&r, buf, sizeof(buf), vg_schema_get(VG_LOG_WEIRD));
	for (int i = 0; i < VG_WEIRD_NCOLS + 1; i++)
		vg_rec_unset(&r);
	CHECK_EQ(vg_rec_end(&r), 0);

	/* All unset: just the header and the bitmap. */
	vg_rec_begin(&r, buf, sizeof(buf), vg_schema_get(VG_LOG_WEIRD));
	for (int i = 0; i < VG_WEIRD_NCOLS; i++)
		vg_rec_unset(&r);
	CHECK_EQ(vg_rec_end(&r), 16);
	CHECK_EQ(buf[8], 0xff);
	CHECK_EQ(buf[9], (1u << (VG_WEIRD_NCOLS - 8)) - 1);

	/* A set that announced more items than it got. */
	vg_rec_begin(&r, buf, sizeof(buf), vg_schema_get(VG_LOG_CONN));
	for (int i = 0; i < VG_CONN_TUNNEL_PARENTS; i++)
		vg_rec_unset(&r);
	vg_rec_set_begin(&r, 3);
	vg_rec_cstr(&r, "a");
	CHECK_EQ(vg_rec_end(&r), 0);

	/* An empty set reads back as zero items. */
	struct vg_rec_reader rd;
	struct vg_rec_value v;
	uint32_t len;

	vg_rec_begin(&r, buf, sizeof(buf), vg_schema_get(VG_LOG_CONN));
	for (int i = 0; i < VG_CONN_TUNNEL_PARENTS; i++)
		vg_rec_unset(&r);
	vg_rec_set_begin(&r, 0);
	for (int i = VG_CONN_TUNNEL_PARENTS + 1; i < VG_CONN_NCOLS; i++)
		vg_rec_unset(&r);
	len = vg_rec_end(&r);
	CHECK_EQ(len, 24);
	CHECK_EQ(vg_rec_read_begin(&rd, buf, len), 0);
	for (int i = 0; i <= VG_CONN_TUNNEL_PARENTS; i++)
		CHECK_EQ(vg_rec_read_next(&rd, &v), 0);
	CHECK(!v.unset);
	CHECK_EQ(v.v.set.n, 0);
}

/* ---- rings -------------------------------------------------------------- */

/* A test record: its length word, then a sequence number and a pattern. */
static void
make_rec(uint8_t *buf, uint32_t len, uint32_t seq)
{
	buf[0] = (uint8_t)len;
	buf[1] = (uint8_t)(len >> 8);
	buf[2] = buf[3] = 0;
	memcpy(buf + 4, &seq, 4);
	for (uint32_t i = 8; i < len; i++)
		buf[i] = (uint8_t)(seq * 31 + i * 7);
}

static bool
rec_matches(const uint8_t *p, uint32_t len, uint32_t exp_len, uint32_t seq)
{
	uint8_t want[1024];

	if (len != exp_len || exp_len > sizeof(want))
		return false;
	make_rec(want, exp_len, seq);
	return memcmp(p, want, len) == 0;
}

static void
test_ring_fill_and_drain(void)
{
	struct vg_logshm *shm = vg_logshm_create(NULL, 2, 65536, 0);
	uint8_t rec[1024];
	uint32_t n = 0, len;

	CHECK(shm != NULL);
	if (shm == NULL)
		return;
	CHECK_EQ(shm->nrings, 2);
	CHECK_EQ(shm->hdr->nrings, 2);
	CHECK_EQ(shm->hdr->ring_size, 65536);
	CHECK_EQ(shm->hdr->version, VG_SHM_VERSION);
	CHECK(memcmp(shm->hdr->magic, VG_SHM_MAGIC, 8) == 0);
	CHECK_EQ(shm->name[0], '\0');

	struct vg_ring *r = &shm->rings[0];

	CHECK_EQ(r->size, 65536);
	CHECK(vg_ring_peek(r, &len) == NULL);
	CHECK_EQ(vg_ring_used(r), 0);

	/* Fill with 1 KiB records until one is refused. */
	for (;;) {
		make_rec(rec, sizeof(rec), n);
		bool room = vg_ring_has_room(r, sizeof(rec));
		bool ok = vg_ring_write(r, rec, sizeof(rec));

		CHECK_EQ(room, ok);
		if (!ok)
			break;
		n++;
		if (n > 100)
			break;
	}
	/* 64 KiB minus the 8 bytes kept free: 63 records. */
	CHECK_EQ(n, 63);
	CHECK_EQ(r->hdr->records, n);
	CHECK_EQ(r->hdr->drops, 1);
	CHECK_EQ(r->hdr->drop_bytes, 1024);
	CHECK(!vg_ring_write(r, rec, sizeof(rec)));
	CHECK_EQ(r->hdr->drops, 2);
	/* A smaller record still fits in the space left. */
	make_rec(rec, 512, n);
	CHECK(vg_ring_write(r, rec, 512));
	CHECK_EQ(r->hdr->drops, 2);
	make_rec(rec, 512, n + 1);
	CHECK(!vg_ring_write(r, rec, 512));
	CHECK_EQ(r->hdr->drops, 3);
	CHECK_EQ(r->hdr->drop_bytes, 2048 + 512);
	/* Lengths that are not a positive multiple of 8 are refused and counted. */
	CHECK(!vg_ring_write(&shm->rings[1], rec, 12));
	CHECK(!vg_ring_write(&shm->rings[1], rec, 0));
	CHECK_EQ(shm->rings[1].hdr->drops, 2);
	CHECK_EQ(r->hdr->records, n + 1);
	CHECK_EQ(vg_ring_used(r), (uint64_t)n * 1024 + 512);

	/* The other ring is independent. */
	CHECK(vg_ring_peek(&shm->rings[1], &len) == NULL);
	make_rec(rec, 64, 777);
	CHECK(vg_ring_write(&shm->rings[1], rec, 64));

	/* Drain in order. */
	uint32_t got = 0;
	bool ok = true;
	const uint8_t *p;

	while ((p = vg_ring_peek(r, &len)) != NULL) {
		uint32_t exp = got < n ? 1024 : 512;

		if (ok && !check_quiet(rec_matches(p, len, exp, got), "drained record", got))
			ok = false;
		vg_ring_release(r, len);
		got++;
		if (got > n + 1)
			break;
	}
	CHECK(ok);
	CHECK_EQ(got, n + 1);
	CHECK_EQ(vg_ring_used(r), 0);
	CHECK(vg_ring_peek(r, &len) == NULL);

	p = vg_ring_peek(&shm->rings[1], &len);
	CHECK(p != NULL && rec_matches(p, len, 64, 777));
	if (p != NULL)
		vg_ring_release(&shm->rings[1], len);
	CHECK(vg_ring_peek(&shm->rings[1], &len) == NULL);

	vg_logshm_close(shm, false);
}

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void
test_ring_wrap(void)
{
	struct vg_logshm *shm = vg_logshm_create(NULL, 1, 4096, 0);
	enum { N = 10000, QCAP = 1024 };
	static uint32_t q_len[QCAP], q_seq[QCAP];
	uint32_t q_head = 0, q_count = 0;
	uint32_t written = 0, read = 0, refused = 0;
	uint8_t rec[1024];
	bool ok = true;
	uint32_t pending_len = 0;

	CHECK(shm != NULL);
	if (shm == NULL)
		return;
	struct vg_ring *r = &shm->rings[0];

	CHECK_EQ(r->size, 4096);
	while (read < N) {
		/* Bias toward writing so the ring is often full. */
		bool do_write = written < N && (rnd() % 8 < 5 || q_count == 0);

		if (do_write) {
			if (pending_len == 0)
				pending_len = 16 + 8 * (rnd() % 74); /* 16 .. 600 */
			make_rec(rec, pending_len, written);
			bool room = vg_ring_has_room(r, pending_len);

			if (vg_ring_write(r, rec, pending_len)) {
				if (!room)
					ok = check_quiet(false, "has_room said no, write took it",
						     written) &&
						ok;
				q_len[(q_head + q_count) % QCAP] = pending_len;
				q_seq[(q_head + q_count) % QCAP] = written;
				q_count++;
				written++;
				pending_len = 0;
			} else {
				if (room)
					ok = check_quiet(false, "has_room said yes, write refused",
						     written) &&
						ok;
				refused++;
			}
		} else {
			uint32_t len;
			const uint8_t *p = vg_ring_peek(r, &len);

			if (q_count == 0) {
				ok = check_quiet(p == NULL, "record past the last write", read) &&
					ok;
				continue;
			}
			if (!check_quiet(p != NULL, "missing record", read)) {
				ok = false;
				break;
			}
			uint32_t exp_len = q_len[q_head], exp_seq = q_seq[q_head];

			if (!check_quiet(rec_matches(p, len, exp_len, exp_seq), "record content",
				    read)) {
				ok = false;
				break;
			}
			vg_ring_release(r, len);
			q_head = (q_head + 1) % QCAP;
			q_count--;
			read++;
		}
	}
	CHECK(ok);
	CHECK_EQ(written, N);
	CHECK_EQ(read, N);
	CHECK(refused > 0);
	CHECK_EQ(r->hdr->drops, refused);
	CHECK_EQ(r->hdr->records, N);
	CHECK_EQ(vg_ring_used(r), 0);
	/* The ring wrapped many times. */
	CHECK(r->hdr->head > 100 * r->size);
	vg_logshm_close(shm, false);
}

static bool
shm_exists(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/shm/%s", name);
	return stat(path, &st) == 0;
}

static void
test_named_segment(void)
{
	char name[64];
	struct vg_logshm *prod, *cons, *none;
	uint8_t rec[256];
	uint32_t len;
	const uint8_t *p;

	snprintf(
		name, sizeof(name), "vigil-logring-test-%ld-%ld", (long)getpid(), (long)time(NULL));
	prod = vg_logshm_create(name, 2, 8192, 1u << VG_FEAT_COMMUNITY_ID);
	CHECK(prod != NULL);
	if (prod == NULL)
		return;
	CHECK(prod->owner);
	CHECK(shm_exists(name));

	cons = vg_logshm_attach(name);
	CHECK(cons != NULL);
	if (cons == NULL) {
		vg_logshm_close(prod, false);
		return;
	}
	CHECK(!cons->owner);
	CHECK_EQ(cons->nrings, 2);
	CHECK_EQ(cons->hdr->ring_size, 8192);
	CHECK_EQ(cons->hdr->features, 1u << VG_FEAT_COMMUNITY_ID);
	CHECK_EQ(cons->size, prod->size);

	/* Written by the creator, read through the attached mapping. */
	for (uint32_t i = 0; i < 20; i++) {
		make_rec(rec, 24 + 8 * i, 1000 + i);
		CHECK(vg_ring_write(&prod->rings[1], rec, 24 + 8 * i));
	}
	CHECK(vg_ring_peek(&cons->rings[0], &len) == NULL);
	bool ok = true;

	for (uint32_t i = 0; i < 20; i++) {
		p = vg_ring_peek(&cons->rings[1], &len);
		if (!check_quiet(p != NULL && rec_matches(p, len, 24 + 8 * i, 1000 + i),
			    "attached read", i)) {
			ok = false;
			break;
		}
		vg_ring_release(&cons->rings[1], len);
	}
	CHECK(ok);
	CHECK(vg_ring_peek(&cons->rings[1], &len) == NULL);
	/* The consumer's cursor is shared: the producer sees the ring empty. */
	CHECK_EQ(vg_ring_used(&prod->rings[1]), 0);

	/* Closing the attached handle leaves the segment; the creator removes it. */
	vg_logshm_close(cons, false);
	CHECK(shm_exists(name));
	vg_logshm_close(prod, false);
	CHECK(!shm_exists(name));

	/* Attaching to what is gone fails with errno set. */
	errno = 0;
	none = vg_logshm_attach(name);
	CHECK(none == NULL);
	CHECK(errno != 0);
	if (none != NULL)
		vg_logshm_close(none, false);

	/* keep = true leaves the segment for a later attach. */
	prod = vg_logshm_create(name, 1, 4096, 0);
	CHECK(prod != NULL);
	if (prod != NULL) {
		make_rec(rec, 32, 5);
		CHECK(vg_ring_write(&prod->rings[0], rec, 32));
		vg_logshm_close(prod, true);
		CHECK(shm_exists(name));
		cons = vg_logshm_attach(name);
		CHECK(cons != NULL);
		if (cons != NULL) {
			p = vg_ring_peek(&cons->rings[0], &len);
			CHECK(p != NULL && rec_matches(p, len, 32, 5));
			vg_logshm_close(cons, false);
		}
		char path[128];

		snprintf(path, sizeof(path), "/dev/shm/%s", name);
		unlink(path);
	}

	/* Bad arguments. */
	CHECK(vg_logshm_create(NULL, 0, 65536, 0) == NULL);
	CHECK(vg_logshm_create(NULL, 1, 100, 0) == NULL);
}

int
main(void)
{
	test_conn_record();
	test_weird_record();
	test_record_misuse();
	test_ring_fill_and_drain();
	test_ring_wrap();
	test_named_segment();

	printf("logring: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
