/* SPDX-License-Identifier: BSD-3-Clause */
/* signatures.log: its schema, declared here as every log's owner declares it. */
#ifndef VG_SIG_LOG_H
#define VG_SIG_LOG_H

#include "vg_schema.h"

/* Columns of Signatures::Info (base/frameworks/signatures/main.zeek). */
enum {
	VG_SIG_LOG_TS,
	VG_SIG_LOG_UID,
	VG_SIG_LOG_SRC_ADDR,
	VG_SIG_LOG_SRC_PORT,
	VG_SIG_LOG_DST_ADDR,
	VG_SIG_LOG_DST_PORT,
	VG_SIG_LOG_NOTE,
	VG_SIG_LOG_SIG_ID,
	VG_SIG_LOG_EVENT_MSG,
	VG_SIG_LOG_SUB_MSG,
	VG_SIG_LOG_SIG_COUNT,
	VG_SIG_LOG_HOST_COUNT,
	VG_SIG_LOG_NCOLS,
};

/* Registered with the frameworks' logs (vg_analyzers_register_logs). */
extern struct vg_schema vg_sig_log_schema;

#endif /* VG_SIG_LOG_H */
