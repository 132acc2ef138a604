/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for binary log records and the shared-memory rings: records are
 * built with vg_rec_* and read back field by field; rings are filled, drained
 * and wrapped many times with every record's bytes checked. Then the segment's
 * lifecycle (a producer taking over, a killed producer's ring repaired) and
 * the log writer's rotation, which vigil-logd puts on top of the rings (this
 * test is built in lib/logfmt/meson.build so it links lib/logfmt).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vg_test.h"
#include "vg_logfmt.h"
#include "vg_logring.h"
#include "vg_record.h"
#include "vg_schema.h"

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

/* ---- segment lifecycle ------------------------------------------------- */

static void
shm_remove(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/dev/shm/%s", name);
	unlink(path);
}

/* Writes raw bytes as /dev/shm/NAME (a foreign or damaged object). */
static void
shm_put(const char *name, const void *p, size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/dev/shm/%s", name);
	f = fopen(path, "w");
	if (f == NULL)
		return;
	fwrite(p, 1, n, f);
	fclose(f);
}

/* A pid that certainly exited: a child reaped at once. */
static pid_t
dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

/* Reads every record of a ring, checking they carry seq first, first + 1, ... */
static uint32_t
read_seqs(struct vg_ring *r, uint32_t first, uint32_t rec_len)
{
	const uint8_t *p;
	uint32_t len, n = 0;

	while ((p = vg_ring_peek(r, &len)) != NULL) {
		if (!check_quiet(rec_matches(p, len, rec_len, first + n), "record in order", n))
			return UINT32_MAX;
		vg_ring_release(r, len);
		n++;
	}
	return n;
}

static void
test_open_producer(void)
{
	char name[64], err[256], want[160];
	struct vg_logshm *p1, *p2, *cons;
	uint8_t rec[64];

	snprintf(name, sizeof(name), "vigil-logring-prod-%ld", (long)getpid());
	shm_remove(name);
	p1 = vg_logshm_open_producer(name, 2, 8192, 0, err, sizeof(err));
	CHECK(p1 != NULL);
	if (p1 == NULL)
		return;
	CHECK(p1->owner);
	CHECK(p1->fd >= 0);
	CHECK_EQ(p1->hdr->generation, 1);
	CHECK_EQ(p1->hdr->version, VG_SHM_VERSION);
	CHECK_EQ(p1->hdr->producer_pid, getpid());
	CHECK(p1->hdr->flags & VG_SHM_F_LIVE_LOCK);
	CHECK_EQ(p1->nrings, 2);
	cons = vg_logshm_attach(name);
	CHECK(cons != NULL);
	if (cons == NULL) {
		vg_logshm_close(p1, false);
		return;
	}
	CHECK(vg_logshm_producer_alive(cons));
	CHECK(!vg_logshm_done(cons));
	CHECK(!vg_logshm_replaced(cons));
	/* One consumer at a time. */
	struct vg_logshm *cons2 = vg_logshm_attach(name);

	CHECK_EQ(vg_logshm_claim_consumer(cons), 0);
	CHECK(cons2 != NULL);
	if (cons2 != NULL) {
		errno = 0;
		CHECK_EQ(vg_logshm_claim_consumer(cons2), -1);
		CHECK_EQ(errno, EBUSY);
		vg_logshm_close(cons2, false);
	}
	for (uint32_t i = 0; i < 10; i++) {
		make_rec(rec, 64, i);
		CHECK(vg_ring_write(&p1->rings[1], rec, 64));
	}

	/* A live producer holds it: refused with the pid, whatever the layout. */
	snprintf(want, sizeof(want),
		"shared memory %s is in use by process %ld; stop it or choose another --logd name",
		name, (long)getpid());
	errno = 0;
	p2 = vg_logshm_open_producer(name, 2, 8192, 0, err, sizeof(err));
	CHECK(p2 == NULL);
	CHECK_EQ(errno, EBUSY);
	CHECK(strcmp(err, want) == 0);
	p2 = vg_logshm_open_producer(name, 1, 4096, 0, err, sizeof(err));
	CHECK(p2 == NULL && strcmp(err, want) == 0);

	/* The consumer reads 4 of the 10; the producer finishes. */
	for (int i = 0; i < 4; i++) {
		uint32_t len;
		const uint8_t *p = vg_ring_peek(&cons->rings[1], &len);

		CHECK(p != NULL && rec_matches(p, len, 64, (uint32_t)i));
		if (p != NULL)
			vg_ring_release(&cons->rings[1], len);
	}
	vg_logshm_producer_done(p1);
	CHECK_EQ(p1->hdr->producer_done, 1);
	CHECK(!vg_logshm_producer_alive(cons));
	CHECK(!vg_logshm_done(cons)); /* 6 records still in the ring */
	vg_logshm_close(p1, true);
	CHECK(shm_exists(name));

	/* Same layout: taken over, records and cursors kept, head continues. */
	p2 = vg_logshm_open_producer(name, 2, 8192, 1u << VG_FEAT_VLAN, err, sizeof(err));
	CHECK(p2 != NULL);
	if (p2 == NULL) {
		vg_logshm_close(cons, false);
		shm_remove(name);
		return;
	}
	CHECK_EQ(vg_logshm_generation(cons), 2);
	CHECK_EQ(cons->hdr->producer_done, 0);
	CHECK_EQ(cons->hdr->features, 1u << VG_FEAT_VLAN);
	CHECK(vg_logshm_producer_alive(cons));
	CHECK(!vg_logshm_replaced(cons));
	CHECK_EQ(p2->rings[1].hdr->records, 10);
	for (uint32_t i = 10; i < 15; i++) {
		make_rec(rec, 64, i);
		CHECK(vg_ring_write(&p2->rings[1], rec, 64));
	}
	CHECK_EQ(read_seqs(&cons->rings[1], 4, 64), 11);
	CHECK_EQ(cons->rings[1].hdr->drops, 0);
	vg_logshm_producer_done(p2);
	CHECK(vg_logshm_done(cons));

	/* A producer that dies without producer_done: its lock goes with it. */
	pid_t child = fork();

	if (child == 0) {
		struct vg_logshm *c = vg_logshm_open_producer(name, 2, 8192, 0, err, sizeof(err));

		if (c == NULL) {
			fprintf(stderr, "child: %s\n", err);
			_exit(1);
		}
		make_rec(rec, 64, 15);
		vg_ring_write(&c->rings[1], rec, 64);
		_exit(0); /* no producer_done, no close: as if killed */
	}
	int status = -1;

	waitpid(child, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(vg_logshm_generation(cons), 3);
	CHECK_EQ(cons->hdr->producer_pid, child);
	CHECK(!vg_logshm_producer_alive(cons));
	CHECK(!vg_logshm_done(cons));
	vg_logshm_close(p2, true);
	p2 = vg_logshm_open_producer(name, 2, 8192, 0, err, sizeof(err));
	CHECK(p2 != NULL);
	CHECK_EQ(vg_logshm_generation(cons), 4);
	CHECK_EQ(read_seqs(&cons->rings[1], 15, 64), 1);

	/* Without the live lock (an older producer) the pid decides. */
	if (p2 != NULL) {
		p2->hdr->flags = 0;
		p2->hdr->producer_pid = (uint64_t)getppid();
		vg_logshm_close(p2, true);
	}
	p2 = vg_logshm_open_producer(name, 2, 8192, 0, err, sizeof(err));
	CHECK(p2 == NULL);
	CHECK(strstr(err, "is in use by process") != NULL);
	cons->hdr->producer_pid = (uint64_t)dead_pid();
	p2 = vg_logshm_open_producer(name, 2, 8192, 0, err, sizeof(err));
	CHECK(p2 != NULL);
	CHECK_EQ(vg_logshm_generation(cons), 5);
	CHECK(p2 == NULL || (p2->hdr->flags & VG_SHM_F_LIVE_LOCK));
	vg_logshm_close(p2, true);

	/* Another layout, nobody using it: made anew; the old mapping sees that. */
	p2 = vg_logshm_open_producer(name, 1, 16384, 0, err, sizeof(err));
	CHECK(p2 != NULL);
	CHECK(vg_logshm_replaced(cons));
	if (p2 != NULL) {
		CHECK_EQ(p2->hdr->generation, 1);
		CHECK_EQ(p2->hdr->ring_size, 16384);
		CHECK_EQ(p2->rings[0].hdr->head, 0);
		vg_logshm_producer_done(p2);
	}
	CHECK_EQ(vg_logshm_remove_if_done(cons), 0); /* not the object under the name */
	vg_logshm_close(cons, false);
	CHECK(shm_exists(name));

	/* Consumer side removal: only when done and drained. */
	cons = vg_logshm_attach(name);
	CHECK(cons != NULL);
	if (cons != NULL && p2 != NULL) {
		make_rec(rec, 64, 1);
		p2->hdr->producer_done = 0;
		CHECK(vg_ring_write(&p2->rings[0], rec, 64));
		vg_logshm_producer_done(p2);
		CHECK_EQ(vg_logshm_remove_if_done(cons), 0);
		CHECK(shm_exists(name));
		CHECK_EQ(read_seqs(&cons->rings[0], 1, 64), 1);
		CHECK_EQ(vg_logshm_remove_if_done(cons), 1);
		CHECK(!shm_exists(name));
		CHECK(vg_logshm_replaced(cons));
	}
	vg_logshm_close(cons, false);
	vg_logshm_close(p2, true);
	shm_remove(name);

	/* Objects that are not ours, or not of this version, are left alone. */
	shm_put(name, "some other program's data\n", 26);
	p2 = vg_logshm_open_producer(name, 1, 4096, 0, err, sizeof(err));
	CHECK(p2 == NULL);
	CHECK(strstr(err, "is not a vigil log segment") != NULL);
	CHECK(shm_exists(name));
	struct vg_shm_header h;
	uint8_t page[8192];

	memset(page, 0, sizeof(page));
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, VG_SHM_MAGIC, 8);
	h.version = 9;
	memcpy(page, &h, sizeof(h));
	shm_put(name, page, sizeof(page));
	p2 = vg_logshm_open_producer(name, 1, 4096, 0, err, sizeof(err));
	CHECK(p2 == NULL);
	CHECK(strstr(err, "has layout version 9") != NULL);
	CHECK(vg_logshm_attach(name) == NULL);
	/* Version 0: a creator that died half-way; made anew. */
	h.version = 0;
	memcpy(page, &h, sizeof(h));
	shm_put(name, page, sizeof(page));
	p2 = vg_logshm_open_producer(name, 1, 4096, 0, err, sizeof(err));
	CHECK(p2 != NULL);
	CHECK(p2 == NULL || p2->hdr->version == VG_SHM_VERSION);
	vg_logshm_close(p2, false);
	CHECK(!shm_exists(name));

	/* Bad names and sizes; the anonymous segment as before. */
	CHECK(vg_logshm_open_producer("a/b", 1, 4096, 0, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "is not valid") != NULL);
	CHECK(vg_logshm_open_producer(name, 0, 4096, 0, err, sizeof(err)) == NULL);
	CHECK(!shm_exists(name));
	p2 = vg_logshm_open_producer(NULL, 1, 4096, 0, err, sizeof(err));
	CHECK(p2 != NULL && p2->name[0] == '\0' && p2->hdr->generation == 1);
	vg_logshm_close(p2, false);
}

/*
 * A producer killed between publishing a record's length word and storing
 * head: the next producer must step over that record (and a pad before it),
 * and must continue from the consumer's cursor if the consumer already read it.
 */
static void
test_take_over_repair(void)
{
	char name[64], err[256];
	struct vg_logshm *p, *cons;
	uint8_t rec[1024];
	uint64_t head0;
	uint32_t seq = 0;

	snprintf(name, sizeof(name), "vigil-logring-repair-%ld", (long)getpid());
	shm_remove(name);
	p = vg_logshm_open_producer(name, 1, 8192, 0, err, sizeof(err));
	cons = vg_logshm_attach(name);
	CHECK(p != NULL && cons != NULL);
	if (p == NULL || cons == NULL) {
		vg_logshm_close(p, false);
		vg_logshm_close(cons, false);
		return;
	}
	struct vg_ring_hdr *h = p->rings[0].hdr;

	/* 1. A published record, head not moved; the consumer has not read it. */
	make_rec(rec, 256, seq);
	head0 = h->head;
	CHECK(vg_ring_write(&p->rings[0], rec, 256));
	h->head = head0;
	h->records--;
	vg_logshm_close(p, true); /* dies: the live lock goes */
	p = vg_logshm_open_producer(name, 1, 8192, 0, err, sizeof(err));
	CHECK(p != NULL);
	if (p == NULL)
		goto out;
	h = p->rings[0].hdr;
	CHECK_EQ(h->head, head0 + 256);
	CHECK_EQ(h->records, 1);
	make_rec(rec, 256, ++seq);
	CHECK(vg_ring_write(&p->rings[0], rec, 256));
	CHECK_EQ(read_seqs(&cons->rings[0], 0, 256), 2);

	/* 2. The same, with a pad before the record (it did not fit before the end). */
	while (8192 - (h->head & 8191) >= 1024) {
		make_rec(rec, 256, ++seq);
		CHECK(vg_ring_write(&p->rings[0], rec, 256));
	}
	CHECK_EQ(read_seqs(&cons->rings[0], 2, 256), seq - 1);
	uint32_t first = ++seq;

	make_rec(rec, 1024, first);
	head0 = h->head;
	CHECK(vg_ring_write(&p->rings[0], rec, 1024));
	uint64_t head_ok = h->head;

	CHECK(head_ok > head0 + 1024); /* a pad went first */
	h->head = head0;
	vg_logshm_close(p, true);
	p = vg_logshm_open_producer(name, 1, 8192, 0, err, sizeof(err));
	CHECK(p != NULL);
	if (p == NULL)
		goto out;
	h = p->rings[0].hdr;
	CHECK_EQ(h->head, head_ok);
	CHECK_EQ(read_seqs(&cons->rings[0], first, 1024), 1);

	/* 3. The consumer read that record before the take-over looked. */
	make_rec(rec, 256, ++seq);
	head0 = h->head;
	CHECK(vg_ring_write(&p->rings[0], rec, 256));
	h->head = head0;
	CHECK_EQ(read_seqs(&cons->rings[0], seq, 256), 1);
	CHECK_EQ(vg_ring_used(&cons->rings[0]), (uint64_t)-256); /* tail ahead of head */
	vg_logshm_close(p, true);
	p = vg_logshm_open_producer(name, 1, 8192, 0, err, sizeof(err));
	CHECK(p != NULL);
	if (p == NULL)
		goto out;
	h = p->rings[0].hdr;
	CHECK_EQ(h->head, h->tail);
	make_rec(rec, 256, ++seq);
	CHECK(vg_ring_write(&p->rings[0], rec, 256));
	CHECK_EQ(read_seqs(&cons->rings[0], seq, 256), 1);

	/* 4. If that race is missed, the producer itself continues from the cursor. */
	make_rec(rec, 256, ++seq);
	head0 = h->head;
	CHECK(vg_ring_write(&p->rings[0], rec, 256));
	h->head = head0;
	CHECK_EQ(read_seqs(&cons->rings[0], seq, 256), 1);
	CHECK(vg_ring_has_room(&p->rings[0], 256));
	make_rec(rec, 256, ++seq);
	CHECK(vg_ring_write(&p->rings[0], rec, 256));
	CHECK_EQ(read_seqs(&cons->rings[0], seq, 256), 1);
	CHECK_EQ(h->drops, 0);
	CHECK_EQ(vg_ring_used(&cons->rings[0]), 0);
	CHECK(vg_ring_empty(&cons->rings[0]));
	CHECK(!vg_ring_corrupt(&cons->rings[0]));

	/* A word at the cursor that is no record: corrupt, never read. */
	uint32_t bad = 12;

	memcpy(cons->rings[0].data + (h->tail & 8191), &bad, 4);
	CHECK(vg_ring_corrupt(&cons->rings[0]));
	CHECK(!vg_ring_empty(&cons->rings[0]));
	uint32_t len;

	CHECK(vg_ring_peek(&cons->rings[0], &len) == NULL);
out:
	vg_logshm_close(p, false);
	vg_logshm_close(cons, false);
	shm_remove(name);
}

/* ---- log rotation (lib/logfmt) ------------------------------------------ */

/* Files in dir named conn.<19-char stamp>[.N].log; their data rows in *rows. */
static int
rotated_files(const char *dir, unsigned int *rows, bool *all_closed)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	*rows = 0;
	*all_closed = true;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		const char *s = e->d_name;
		size_t l = strlen(s);
		char path[512], line[4096];
		bool closed = false;
		FILE *f;

		if (strncmp(s, "conn.", 5) != 0 || l < 5 + 19 + 4 || strcmp(s, "conn.log") == 0 ||
			strcmp(s + l - 4, ".log") != 0 || s[9] != '-' || s[24] != '.')
			continue;
		n++;
		snprintf(path, sizeof(path), "%s/%s", dir, s);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			if (line[0] != '#')
				(*rows)++;
			closed = strncmp(line, "#close\t", 7) == 0;
		}
		fclose(f);
		*all_closed = *all_closed && closed;
	}
	closedir(d);
	return n;
}

static unsigned int
file_rows(const char *path)
{
	char line[4096];
	unsigned int n = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n += line[0] != '#';
	fclose(f);
	return n;
}

static long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void
clear_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_rotation(void)
{
	char dir[] = "/tmp/vg_logring_rotate.XXXXXX";
	char conn[256];
	uint8_t rec[1024];
	uint32_t len = build_conn(rec, sizeof(rec));
	unsigned int rows;
	bool closed;
	int n;

	if (mkdtemp(dir) == NULL) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(conn, sizeof(conn), "%s/conn.log", dir);

	/*
	 * By size: 40 rows into files of about 2 KiB, none lost, each closed; all
	 * opened within a second or two, so most names carry a .N.
	 */
	struct vg_logwriter_cfg cfg = {.dir = dir, .rotate_bytes = 2048};
	struct vg_logwriter *w = vg_logwriter_create(&cfg);

	CHECK(w != NULL);
	if (w == NULL)
		return;
	for (int i = 0; i < 40; i++)
		CHECK_EQ(vg_logwriter_write(w, rec, len), 0);
	CHECK_EQ(vg_logwriter_count(w, VG_LOG_CONN), 40);
	CHECK_EQ(vg_logwriter_close(w), 0);
	n = rotated_files(dir, &rows, &closed);
	CHECK(n >= 3);
	CHECK(closed);
	CHECK_EQ(rows + file_rows(conn), 40);

	/* By age, through tick: not before rotate_secs, then named by #open. */
	clear_dir(dir);
	cfg.rotate_bytes = 0;
	cfg.rotate_secs = 60;
	w = vg_logwriter_create(&cfg);
	CHECK(w != NULL);
	if (w == NULL)
		return;
	double t0 = wall_now();

	CHECK_EQ(vg_logwriter_tick(w, t0), 0); /* no file yet: nothing to do */
	CHECK_EQ(vg_logwriter_write(w, rec, len), 0);
	CHECK_EQ(vg_logwriter_tick(w, t0 + 30), 0);
	CHECK(file_size(conn) >= 0);
	CHECK_EQ(rotated_files(dir, &rows, &closed), 0);
	CHECK_EQ(vg_logwriter_tick(w, t0 + 61), 0);
	CHECK(file_size(conn) < 0);
	CHECK_EQ(rotated_files(dir, &rows, &closed), 1);
	CHECK(rows == 1 && closed);
	/* The rotated name is the #open time of the file, which it repeats. */
	char stamp[32], rotated[320], line[256];
	time_t t = (time_t)t0;
	struct tm tm;
	FILE *f;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d-%H-%M-%S", &tm);
	snprintf(rotated, sizeof(rotated), "%s/conn.%s.log", dir, stamp);
	f = fopen(rotated, "r");
	if (f == NULL) {
		/* The second turned between t0 and the file's opening. */
		t += 1;
		gmtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%d-%H-%M-%S", &tm);
		snprintf(rotated, sizeof(rotated), "%s/conn.%s.log", dir, stamp);
		f = fopen(rotated, "r");
	}
	CHECK(f != NULL);
	bool open_line = false;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "#open\t", 6) == 0)
			open_line = strncmp(line + 6, stamp, 19) == 0;
	if (f != NULL)
		fclose(f);
	CHECK(open_line);
	/* The next record starts a new file; rotate() (SIGHUP) ends it at once. */
	CHECK_EQ(vg_logwriter_write(w, rec, len), 0);
	CHECK_EQ(vg_logwriter_flush(w), 0);
	CHECK_EQ(file_rows(conn), 1);
	CHECK_EQ(vg_logwriter_rotate(w), 0);
	CHECK(file_size(conn) < 0);
	/* Opened in the same second as the first, it is conn.<stamp>.1.log. */
	CHECK_EQ(rotated_files(dir, &rows, &closed), 2);
	CHECK(rows == 2 && closed);
	CHECK_EQ(vg_logwriter_close(w), 0);
	CHECK(file_size(conn) < 0);

	/* Buffered unless write_through; flush hands it over. */
	clear_dir(dir);
	cfg.rotate_secs = 0;
	w = vg_logwriter_create(&cfg);
	CHECK(w != NULL);
	if (w == NULL)
		return;
	CHECK_EQ(vg_logwriter_write(w, rec, len), 0);
	CHECK_EQ(file_rows(conn), 0);
	CHECK_EQ(vg_logwriter_flush(w), 0);
	CHECK_EQ(file_rows(conn), 1);
	CHECK_EQ(vg_logwriter_close(w), 0);
	cfg.write_through = true;
	w = vg_logwriter_create(&cfg);
	CHECK(w != NULL);
	if (w == NULL)
		return;
	CHECK_EQ(vg_logwriter_write(w, rec, len), 0); /* overwrites: keep_old is off */
	CHECK_EQ(file_rows(conn), 1);
	CHECK_EQ(vg_logwriter_write(w, rec, len), 0);
	CHECK_EQ(file_rows(conn), 2);
	/* Killed here: no #close. The next writer with keep_old moves the file aside. */
	CHECK_EQ(vg_logwriter_flush(w), 0);
	long killed_size = file_size(conn);

	cfg.keep_old = true;
	struct vg_logwriter *w2 = vg_logwriter_create(&cfg);

	CHECK(w2 != NULL);
	if (w2 != NULL) {
		CHECK_EQ(vg_logwriter_write(w2, rec, len), 0);
		CHECK_EQ(file_rows(conn), 1);
		CHECK_EQ(rotated_files(dir, &rows, &closed), 1);
		CHECK_EQ(rows, 2);
		CHECK(!closed);
		CHECK_EQ(vg_logwriter_close(w2), 0);
	}
	(void)killed_size;
	/* The first writer's stream now points at the moved file; let it go. */
	vg_logwriter_close(w);
	clear_dir(dir);
	rmdir(dir);
}

/* The segment carries the schema set's hash; other schemas are another layout. */
static void
test_schema_hash(void)
{
	char name[64], err[256];
	struct vg_logshm *p;
	uint64_t h0 = vg_schema_set_hash();

	snprintf(name, sizeof(name), "vigil-logring-hash-%ld", (long)getpid());
	shm_remove(name);
	p = vg_logshm_open_producer(name, 1, 8192, 0, err, sizeof(err));
	CHECK(p != NULL);
	if (p == NULL)
		return;
	CHECK_EQ(p->hdr->schema_hash, h0);
	CHECK_EQ(p->hdr->version, 2);
	vg_logshm_producer_done(p);
	vg_logshm_close(p, true);
	/* Same schemas: taken over (generation 2). */
	p = vg_logshm_open_producer(name, 1, 8192, 0, err, sizeof(err));
	CHECK(p != NULL && p->hdr->generation == 2);
	if (p == NULL)
		return;
	vg_logshm_producer_done(p);
	vg_logshm_close(p, true);
	/* One more log: another hash, so the segment is made anew (generation 1). */
	static const struct vg_field f[] = {{"ts", VG_FT_TIME, VG_FEAT_BASE}};
	static const struct vg_schema extra = {0, "logring_test_extra", 1, f};

	CHECK(vg_schema_register(&extra) >= VG_LOG_CORE_COUNT);
	CHECK(vg_schema_set_hash() != h0);
	p = vg_logshm_open_producer(name, 1, 8192, 0, err, sizeof(err));
	CHECK(p != NULL && p->hdr->generation == 1);
	if (p != NULL) {
		CHECK_EQ(p->hdr->schema_hash, vg_schema_set_hash());
		vg_logshm_close(p, false);
	}
	shm_remove(name);
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
	test_open_producer();
	test_take_over_repair();
	test_rotation();
	test_schema_hash(); /* last: it registers a log, which changes the hash */

	printf("logring: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
