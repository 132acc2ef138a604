/* SPDX-License-Identifier: BSD-3-Clause */
/* Command-line options of the vigil sensor. */
#ifndef VG_OPTIONS_H
#define VG_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_decode.h"
#include "vg_flow.h"

struct vg_options {
	const char *read_file; /* -r: offline input */
	const char *out_dir;   /* -o: log directory */
	const char *analyzers; /* --analyzers: NULL = all */
	bool json;
	bool ignore_checksums;
	bool community_id;
	bool conn_vlan;
	bool conn_l2;
	uint32_t policy_features; /* --policy: Zeek policy scripts' columns (vg_schema.h bits) */
	bool no_local;
	struct vg_local_nets local_nets; /* --local-nets: Site::local_nets */
	bool no_nic_checksum;            /* live: ignore the NIC's RX checksum verdicts */
	bool quiet;
	bool stats;
	uint32_t max_flows;
	uint64_t reasm_memory; /* --reassembly-memory, per worker (0: default) */
	uint32_t reasm_depth;  /* --reassembly-depth (0: default) */
	uint64_t seed;
	uint64_t hash_seed; /* --hash-seed: a fixed flow hash key */
	bool hash_seed_set; /* else the key is random per process */
	uint64_t ring_size;
	/* Live capture (DPDK). */
	bool live;
	uint16_t workers; /* 0 = one per worker lcore */
	uint16_t nports;
	uint16_t ports[16];
	int dispatch;            /* enum vg_dispatch */
	const char *logd;        /* --logd NAME: records go to vigil-logd */
	uint32_t stats_interval; /* seconds between stats.log records */
	uint32_t exit_idle;      /* stop after this many seconds without packets */
	uint32_t duration;       /* stop after this many seconds */
	uint32_t mbufs;          /* packet buffers per port (0 = default) */
	uint8_t mirror;          /* VG_MIRROR_* bits */
	uint16_t mirror_port;
	uint8_t ncollectors;
	struct vg_addr collectors[VG_MIRROR_MAX_COLLECTORS];
};

/*
 * Parses argv. Returns 0 to run, 1 when --help/--version was handled, or
 * 2 after printing a one-line error.
 */
int vg_options_parse(struct vg_options *o, int argc, char **argv, bool live);

#endif /* VG_OPTIONS_H */
