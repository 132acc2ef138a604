/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a whole capture file through the offline path, as
 * `vigil -r` runs it: libpcap via vg_pcap_open, then the worker (decode, flow
 * table, log ring) burst by burst.
 *
 * libpcap opens files by name, so the input is written to a memfd and opened
 * as /proc/self/fd/N. Records go to an anonymous in-memory ring that is
 * drained after every burst (and by the worker's ring_full callback); each
 * drained record must read back field by field, or abort() reports it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vg_analyzer.h"
#include "vg_logring.h"
#include "vg_pcap_source.h"
#include "vg_record.h"
#include "vg_schema.h"
#include "vg_worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ALL_FEATURES ((1u << VG_FEAT_COMMUNITY_ID) | (1u << VG_FEAT_VLAN) | (1u << VG_FEAT_L2_ADDR))
#define BURST        32
#define MAX_BURSTS   4096

static int memfd = -1;
static char path[64];
static struct vg_logshm *shm;
static struct vg_port_set ports;

static void
setup(void)
{
	memfd = memfd_create("vg_fuzz_pcap", 0);
	if (memfd < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	shm = vg_logshm_create(NULL, 1, 1u << 16, ALL_FEATURES);
	if (shm == NULL)
		abort();
	if (vg_port_set_from_analyzers(&ports, NULL, NULL) != 0)
		abort();
	vg_analyzers_register_logs(); /* as vigil does at start: analyzers' logs get their ids */
}

/* Reads every record out of the ring; a malformed one is a bug. */
static bool
drain(void *ctx)
{
	struct vg_ring *r = ctx;
	const uint8_t *rec;
	uint32_t len;

	while ((rec = vg_ring_peek(r, &len)) != NULL) {
		struct vg_rec_reader rd;
		struct vg_rec_value v;

		if (vg_rec_read_begin(&rd, rec, len) != 0)
			abort();
		while (rd.field < rd.nfields)
			if (vg_rec_read_next(&rd, &v) != 0)
				abort();
		vg_ring_release(r, len);
	}
	if (vg_ring_used(r) != 0)
		abort();
	return true;
}

static bool
write_input(const uint8_t *data, size_t size)
{
	size_t off = 0;

	if (ftruncate(memfd, 0) != 0)
		return false;
	while (off < size) {
		ssize_t n = pwrite(memfd, data + off, size - off, (off_t)off);

		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_ring *ring;
	struct vg_pcap_source *src;
	struct vg_worker w;
	struct vg_raw_pkt pkts[BURST];
	char err[512];
	uint16_t n;

	if (memfd < 0)
		setup();
	ring = &shm->rings[0];
	if (!write_input(data, size))
		return 0;
	src = vg_pcap_open(path, err, sizeof(err));
	if (src == NULL)
		return 0;

	struct vg_worker_cfg cfg = {
		.decode = {.ignore_checksums = (size & 1) != 0, .frag_slots = 8},
		.flow = {.max_flows = 64,
			.features = ALL_FEATURES,
			.uid_seed = 1,
			.local_private = true,
			.server_ports = &ports},
		.ring = ring,
		.ring_full = drain,
		.ring_full_ctx = ring,
	};

	if (vg_worker_init(&w, &cfg) != 0) {
		vg_pcap_close(src);
		return 0;
	}
	for (int b = 0; b < MAX_BURSTS && (n = vg_pcap_read_burst(src, pkts, BURST)) > 0; b++) {
		vg_worker_burst(&w, vg_pcap_link(src), pkts, n);
		drain(ring);
	}
	(void)vg_pcap_error(src);
	if (vg_pcap_offset(src) > vg_pcap_size(src) + 1)
		abort();
	vg_worker_flush(&w);
	drain(ring);
	vg_worker_fini(&w);
	vg_pcap_close(src);
	return 0;
}
