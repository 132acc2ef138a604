/* SPDX-License-Identifier: BSD-3-Clause */
/* Command-line options of the vigil sensor. */
#ifndef VG_OPTIONS_H
#define VG_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_decode.h"
#include "vg_exc_class.h"
#include "vg_health.h"
#include "vg_flow.h"
#include "vg_k8s_opts.h"
#include "vg_shadow.h"
#include "vg_sink.h"

/* Signature files (-s) at most. */
#define VG_SIG_FILES_MAX 64

struct vg_sig_db;

struct vg_options {
	const char *read_file; /* -r: offline input */
	const char *out_dir;   /* -o: log directory */
	const char *analyzers; /* --analyzers: NULL = all */
	const char *filter;    /* -f: BPF capture filter, NULL = none */
	const char *iface;     /* -i: kernel interface captured through net_af_packet */
	bool check_only;       /* -T: validate everything, then exit */
	bool sig_check;        /* --sig-check FILE...: parse signature files, exit */
	char **sig_files;
	int nsig_files;
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
	bool seed_set;        /* --seed given */
	const char *node_id;  /* --node-id: mixed into the uid seed */
	uint64_t uid_seed;    /* the seed the run uses (resolve_uid_seed) */
	uint64_t hash_seed;   /* --hash-seed: a fixed flow hash key */
	bool hash_seed_set;   /* else the key is random per process */
	uint32_t time_window; /* --time-window seconds (0: the default) */
	uint64_t ring_size;
	/* Signatures: -s FILE (repeatable, Zeek's flag) and --sig-depth. */
	const char *sig_load[VG_SIG_FILES_MAX];
	uint32_t nsig_load;
	uint32_t sig_depth; /* bytes of a connection matched (0: Zeek's 1024) */
	bool sig_depth_set;
	/* The compiled signatures (set by the run after loading them; NULL none). */
	const struct vg_sig_db *sig_db;
	uint32_t sig_refused; /* signatures of the -s files left out (warnings) */
	/* Live capture (DPDK). */
	bool live;
	uint16_t workers; /* 0 = one per worker lcore */
	uint16_t nports;
	uint16_t ports[16];
	int dispatch;                   /* enum vg_dispatch */
	const char *logd;               /* --logd NAME: records go to vigil-logd */
	const char *sinks[VG_SINK_MAX]; /* --sink URL (-r only), checked */
	uint32_t nsinks;
	const char *metrics;     /* --metrics-listen ADDR:PORT: Prometheus metrics */
	uint32_t logd_wait;      /* -r --logd: seconds to wait for vigil-logd to make room */
	uint32_t stats_interval; /* seconds between stats.log records */
	uint32_t exit_idle;      /* stop after this many seconds without packets */
	uint32_t duration;       /* stop after this many seconds */
	uint32_t mbufs;          /* packet buffers per port (0 = default) */
	uint32_t mtu;            /* live: the largest L3 packet a port takes whole (0 = 9000) */
	uint8_t mirror;          /* VG_MIRROR_* bits */
	uint16_t mirror_port;
	uint8_t ncollectors;
	const char *console_socket; /* --console-socket: NULL = the default path */
	const char *cmdfile;        /* --cmdfile: console commands run at start */
	const char *export_policy;  /* --export-policy FILE: the in-process writer's (lib/policy) */
	bool interactive;           /* vigil -i [EAL] --: the console on the terminal */
	struct vg_addr collectors[VG_MIRROR_MAX_COLLECTORS];
	/* The exception path and health checks (doc/live.md, "Exception path"). */
	const char *exc_iface;       /* --exception IFACE: the host's traffic to this tap */
	struct vg_exc_cfg exc;       /* --host-addr ADDR (repeatable) */
	struct vg_health_cfg health; /* --health-port N, --health-http PORT[:PATH] */
	/* -c FILE: the file, its tokens ("--workers=4") and vigil's command line,
	 * kept for reload config (NULL/0 without -c). */
	const char *config_file;
	int config_ntok;
	char **config_tok;
	int cmd_argc;
	char **cmd_argv;
	struct vg_k8s_opts k8s; /* --k8s...: the Kubernetes inventory (doc/k8s.md) */
	/* --shadow-listen and its limits (doc/shadow.md); the timeouts in seconds. */
	struct vg_shadow_cfg shadow;
	uint32_t shadow_request_s, shadow_idle_s;
};

/*
 * Parses argv (for a live run: argv[0] and vigil's options after --).
 * Returns 0 to run, 1 when --help/--version was handled, or 2 after printing
 * a one-line error.
 */
int vg_options_parse(struct vg_options *o, int argc, char **argv, bool live);

/* reload config: the -c file's tokens read again (-1 after a one-line error). */
int vg_options_config_tokens(const char *file, int *ntok, char ***tok);
/*
 * reload config: the options with the file's new tokens in front of the
 * command line of run, as at start (the flow hash key is left alone).
 * 0, or 2 after a one-line error.
 */
int vg_options_reparse(struct vg_options *o, const struct vg_options *run, int ntok, char **tok);

/*
 * The checks that need no packet source and no DPDK: the log directory, the
 * --logd name, the capture filter's syntax (for link, a DLT_* value). 0, or
 * 1 after printing a one-line error.
 */
int vg_options_check(const struct vg_options *o, int link);

/*
 * Live argv (EAL options, --, vigil's): a one-line error and 2 when vigil's
 * own long options stand before the -- (EAL would refuse them), else 0.
 */
int vg_options_check_eal_part(int argc, char **argv);

/* True when an argument is one of EAL's options (a live run missing its --). */
bool vg_options_is_eal(const char *arg);

#endif /* VG_OPTIONS_H */
