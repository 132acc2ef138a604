/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * logd_producer: writes synthetic conn.log records into a named log segment,
 * as the sensor would, for the vigil-logd tests. Record i carries the
 * sequence number s = start + i in its uid ("Ls" and s in decimal, 12 digits)
 * and in orig_p (s % 65536), so a test can tell which records arrived.
 *
 *   logd_producer --shm NAME [-n N] [--start S] [--rate R] [--rings K]
 *                 [--ring-size BYTES] [--features MASK] [--json] [--no-done]
 *                 [--weird-every K] [--other-schemas] [--dns] [--hosts H]
 *
 * --hosts H: the originators cycle through H addresses (10.0.0.0 + s % H),
 * so that an inventory of H pods can know them all (the k8s benchmark).
 *
 * Its log ids and schema hash are those of vigil (vg_analyzers_register_logs);
 * --other-schemas registers one more log first, as a build with other tables
 * would, so vigil-logd must refuse the segment.
 *
 * --dns: before each conn record, a dns.log record of the same uid and
 * addresses, query "kube-dns.kube-system.svc.cluster.local" for even
 * sequence numbers and "h<seq>.example.com" for odd ones (the policy
 * tests).
 *
 * A full ring drops the record (and the ring counts it); the producer never
 * waits. Prints "generation G pid P" once the segment is open, and
 * "written W dropped D" at the end; unless --no-done it then sets
 * producer_done and leaves the segment in place.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vg_analyzer.h"
#include "vg_logring.h"
#include "vg_record.h"
#include "vg_schema.h"

struct opts {
	const char *shm;
	uint64_t n, start, rate, ring_size, weird_every;
	uint32_t rings, features;
	bool json, done, other_schemas, dns;
};

static uint64_t hosts; /* --hosts: 0 = one address per record */

static uint32_t
conn_record(uint8_t *buf, uint32_t cap, uint64_t seq)
{
	struct vg_rec r;
	struct vg_addr a, b;
	uint64_t h = hosts ? seq % hosts : seq;
	uint8_t oa[4] = {10, (uint8_t)(h >> 16), (uint8_t)(h >> 8), (uint8_t)h};
	uint8_t ra[4] = {192, 0, 2, (uint8_t)(seq % 250 + 1)};
	char uid[32];

	vg_addr_from_v4(&a, oa);
	vg_addr_from_v4(&b, ra);
	snprintf(uid, sizeof(uid), "L%012" PRIu64, seq);
	vg_rec_begin(&r, buf, cap, vg_schema_get(VG_LOG_CONN));
	vg_rec_time(&r, 1700000000000000000ULL + seq * 1000000ULL);
	vg_rec_cstr(&r, uid);
	vg_rec_addr(&r, &a);
	vg_rec_port(&r, (uint16_t)(seq & 0xffff));
	vg_rec_addr(&r, &b);
	vg_rec_port(&r, 443);
	vg_rec_cstr(&r, "tcp");
	vg_rec_unset(&r); /* service */
	vg_rec_interval(&r, 1500000);
	vg_rec_count(&r, seq % 1000);
	vg_rec_count(&r, 2 * (seq % 1000));
	vg_rec_cstr(&r, "SF");
	vg_rec_bool(&r, true);
	vg_rec_bool(&r, false);
	vg_rec_count(&r, 0);
	vg_rec_cstr(&r, "ShADadFf");
	vg_rec_count(&r, 6);
	vg_rec_count(&r, 400);
	vg_rec_count(&r, 5);
	vg_rec_count(&r, 800);
	vg_rec_unset(&r); /* tunnel_parents */
	vg_rec_count(&r, 6);
	for (int i = VG_CONN_IP_PROTO + 1; i < VG_CONN_NCOLS; i++)
		vg_rec_unset(&r);
	return vg_rec_end(&r);
}

static uint32_t
weird_record(uint8_t *buf, uint32_t cap, uint64_t seq)
{
	struct vg_rec r;

	vg_rec_begin(&r, buf, cap, vg_schema_get(VG_LOG_WEIRD));
	vg_rec_time(&r, 1700000000000000000ULL + seq * 1000000ULL);
	for (int i = VG_WEIRD_COL_UID; i < VG_WEIRD_COL_NAME; i++)
		vg_rec_unset(&r);
	vg_rec_cstr(&r, "logd_test_weird");
	vg_rec_unset(&r);
	vg_rec_bool(&r, false);
	vg_rec_cstr(&r, "zeek");
	vg_rec_unset(&r);
	return vg_rec_end(&r);
}

/* dns.log by its column names: the five-tuple, uid and query; the rest unset. */
static uint32_t
dns_record(uint8_t *buf, uint32_t cap, uint64_t seq)
{
	const struct vg_schema *s = NULL;
	struct vg_rec r;
	struct vg_addr a, b;
	uint8_t oa[4] = {10, (uint8_t)(seq >> 16), (uint8_t)(seq >> 8), (uint8_t)seq};
	uint8_t ra[4] = {192, 0, 2, (uint8_t)(seq % 250 + 1)};
	char uid[32], query[64];

	for (uint16_t id = 0; id < vg_schema_count() && s == NULL; id++)
		if (vg_schema_get(id) != NULL && strcmp(vg_schema_get(id)->path, "dns") == 0)
			s = vg_schema_get(id);
	vg_addr_from_v4(&a, oa);
	vg_addr_from_v4(&b, ra);
	snprintf(uid, sizeof(uid), "L%012" PRIu64, seq);
	if (seq % 2 == 0)
		snprintf(query, sizeof(query), "kube-dns.kube-system.svc.cluster.local");
	else
		snprintf(query, sizeof(query), "h%" PRIu64 ".example.com", seq);
	vg_rec_begin(&r, buf, cap, s);
	for (uint16_t i = 0; s != NULL && i < s->nfields; i++) {
		const char *n = s->fields[i].name;

		if (strcmp(n, "ts") == 0)
			vg_rec_time(&r, 1700000000000000000ULL + seq * 1000000ULL);
		else if (strcmp(n, "uid") == 0)
			vg_rec_cstr(&r, uid);
		else if (strcmp(n, "id.orig_h") == 0)
			vg_rec_addr(&r, &a);
		else if (strcmp(n, "id.orig_p") == 0)
			vg_rec_port(&r, (uint16_t)(seq & 0xffff));
		else if (strcmp(n, "id.resp_h") == 0)
			vg_rec_addr(&r, &b);
		else if (strcmp(n, "id.resp_p") == 0)
			vg_rec_port(&r, 53);
		else if (strcmp(n, "proto") == 0)
			vg_rec_cstr(&r, "udp");
		else if (strcmp(n, "query") == 0)
			vg_rec_cstr(&r, query);
		else
			vg_rec_unset(&r);
	}
	return vg_rec_end(&r);
}

static int
num(const char *opt, const char *s, uint64_t *v)
{
	char *end;

	*v = strtoull(s, &end, 10);
	if (*end == 'K' || *end == 'M' || *end == 'G') {
		*v <<= *end == 'K' ? 10 : *end == 'M' ? 20 : 30;
		end++;
	}
	if (*s == '\0' || *s == '-' || *end != '\0') {
		fprintf(stderr, "logd_producer: %s needs a number, not '%s'\n", opt, s);
		return -1;
	}
	return 0;
}

static int
parse(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{"shm", required_argument, NULL, 's'},
		{"start", required_argument, NULL, 'S'},
		{"rate", required_argument, NULL, 'R'},
		{"rings", required_argument, NULL, 'k'},
		{"ring-size", required_argument, NULL, 'z'},
		{"features", required_argument, NULL, 'f'},
		{"weird-every", required_argument, NULL, 'w'},
		{"json", no_argument, NULL, 'j'},
		{"no-done", no_argument, NULL, 'D'},
		{"other-schemas", no_argument, NULL, 'O'},
		{"dns", no_argument, NULL, 'd'},
		{"hosts", required_argument, NULL, 'H'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->n = 1000;
	o->rings = 1;
	o->ring_size = 1u << 20;
	o->done = true;
	while ((c = getopt_long(argc, argv, "n:", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			o->shm = optarg;
			break;
		case 'n':
			if (num("-n", optarg, &o->n) != 0)
				return -1;
			break;
		case 'S':
			if (num("--start", optarg, &o->start) != 0)
				return -1;
			break;
		case 'R':
			if (num("--rate", optarg, &o->rate) != 0)
				return -1;
			break;
		case 'k':
			if (num("--rings", optarg, &v) != 0 || v == 0 || v > 64)
				return -1;
			o->rings = (uint32_t)v;
			break;
		case 'z':
			if (num("--ring-size", optarg, &o->ring_size) != 0)
				return -1;
			break;
		case 'f':
			if (num("--features", optarg, &v) != 0)
				return -1;
			o->features = (uint32_t)v;
			break;
		case 'w':
			if (num("--weird-every", optarg, &o->weird_every) != 0)
				return -1;
			break;
		case 'j':
			o->json = true;
			break;
		case 'D':
			o->done = false;
			break;
		case 'H':
			if (num("--hosts", optarg, &hosts) != 0)
				return -1;
			break;
		case 'O':
			o->other_schemas = true;
			break;
		case 'd':
			o->dns = true;
			break;
		default:
			fprintf(stderr,
				"logd_producer: bad usage; see the top of logd_producer.c\n");
			return -1;
		}
	}
	if (o->shm == NULL) {
		fprintf(stderr, "logd_producer: give --shm NAME\n");
		return -1;
	}
	return 0;
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct vg_logshm *shm;
	char err[256];
	uint8_t buf[1024];
	uint64_t written = 0, dropped = 0, dns_written = 0, t0;

	if (parse(&o, argc, argv) != 0)
		return 2;
	if (o.other_schemas) {
		static const struct vg_field f[] = {{"ts", VG_FT_TIME, VG_FEAT_BASE}};
		static const struct vg_schema extra = {0, "logd_test_extra", 1, f};

		vg_schema_register(&extra);
	}
	vg_analyzers_register_logs();
	shm = vg_logshm_open_producer(o.shm, o.rings, o.ring_size, o.features, err, sizeof(err));
	if (shm == NULL) {
		fprintf(stderr, "logd_producer: %s\n", err);
		return 1;
	}
	/* Set before the first record: its release publishes this too. */
	shm->hdr->json = o.json;
	printf("generation %" PRIu64 " pid %ld\n", shm->hdr->generation, (long)getpid());
	fflush(stdout);
	t0 = mono_ns();
	for (uint64_t i = 0; i < o.n; i++) {
		uint64_t seq = o.start + i;
		struct vg_ring *r = &shm->rings[seq % o.rings];
		uint32_t len;

		if (o.dns) {
			len = dns_record(buf, sizeof(buf), seq);
			dns_written += len != 0 && vg_ring_write(r, buf, len);
		}
		len = conn_record(buf, sizeof(buf), seq);
		if (vg_ring_write(r, buf, len))
			written++;
		else
			dropped++;
		if (o.weird_every != 0 && seq % o.weird_every == 0) {
			len = weird_record(buf, sizeof(buf), seq);
			vg_ring_write(r, buf, len);
		}
		/* Paced: sleep until record i + 1 is due. */
		if (o.rate != 0) {
			uint64_t due = t0 + (i + 1) * 1000000000ULL / o.rate, now = mono_ns();

			if (due > now + 200000) {
				struct timespec ts = {
					.tv_sec = (time_t)((due - now) / 1000000000ULL),
					.tv_nsec = (long)((due - now) % 1000000000ULL)};

				nanosleep(&ts, NULL);
			}
		}
	}
	printf("written %" PRIu64 " dropped %" PRIu64 "\n", written, dropped);
	if (o.dns)
		printf("dns_written %" PRIu64 "\n", dns_written);
	fflush(stdout);
	if (o.done)
		vg_logshm_producer_done(shm);
	vg_logshm_close(shm, true);
	return 0;
}
