/* SPDX-License-Identifier: BSD-3-Clause */
/* The compiled policy's inside, shared by the parser, the matcher and the describer. */
#ifndef VG_POLICY_PRIVATE_H
#define VG_POLICY_PRIVATE_H

#include <limits.h>

#include "vg_common.h"
#include "vg_policy.h"

#define POL_MAX_RULES  256  /* per include or exclude list */
#define POL_MAX_VALUES 1024 /* per condition */
#define POL_MAX_STR    253  /* a value's length (a DNS name's) */

/* What a condition looks at. */
enum pol_kind {
	PK_NAMESPACE,
	PK_WORKLOAD,
	PK_POD,
	PK_LABEL,
	PK_K8S_SERVICE,
	PK_CIDR,
	PK_PORT,
	PK_SERVICE,      /* the log's service column (conn.log: "dns", "ssl,http") */
	PK_QUERY_SUFFIX, /* the log's query column (dns.log), by DNS label suffix */
	PK_NKINDS
};

/* Which end a condition looks at. */
enum pol_side { SIDE_EITHER, SIDE_ORIG, SIDE_RESP };

struct pol_cidr {
	struct vg_addr net; /* masked */
	uint8_t len;        /* prefix bits of the 128 */
};

struct pol_cond {
	uint8_t kind, side;
	uint16_t n;
	union {
		char **str;
		struct pol_cidr *cidr;
		uint16_t (*port)[2]; /* inclusive ranges */
	} v;
};

/* A rule: every condition holds (each one: any of its values). */
struct pol_rule {
	uint16_t ncond;
	struct pol_cond *cond;
	int line;
	char *text; /* as shown by `show policy` */
};

struct pol_log {
	bool listed; /* named under logs: in the file */
	bool enabled;
	bool sample_all; /* rate 1 */
	bool changed;    /* by the console since the file was read */
	double sample;
	uint64_t threshold; /* kept when the hash is below (sample_all aside) */
	uint64_t drop_mask;
	uint16_t nincl, nexcl;
	struct pol_rule *incl, *excl;
};

/* Where the columns a rule may look at sit in a log's schema (-1: none). */
struct pol_cols {
	int16_t uid, fuid, orig_h, orig_p, resp_h, resp_p, service, query;
	int16_t last; /* the highest of them */
};

struct vg_policy {
	uint64_t seed;
	char source[PATH_MAX]; /* the file, or "" */
	double loaded_at;      /* wall clock */
	struct pol_log log[VG_LOG_MAX];
	struct pol_cols cols[VG_LOG_MAX];
	/* Every allocation, freed together. */
	void **mem;
	size_t nmem, capmem;
};

void *pol_alloc(struct vg_policy *p, size_t n);
char *pol_strdup(struct vg_policy *p, const char *s);
void pol_set_sample(struct pol_log *l, double rate);
void pol_find_cols(struct vg_policy *p);

#endif /* VG_POLICY_PRIVATE_H */
