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
	VG_SIG_LOG_MIRROR_SESSION, /* vigil: the mirror session (--mirror), as conn.log's */
	VG_SIG_LOG_NCOLS,
};

/* Columns of Notice::Info (base/frameworks/notice/main.zeek) as notice.log has them. */
enum {
	VG_NOTICE_TS,
	VG_NOTICE_UID,
	VG_NOTICE_ORIG_H,
	VG_NOTICE_ORIG_P,
	VG_NOTICE_RESP_H,
	VG_NOTICE_RESP_P,
	VG_NOTICE_FUID,
	VG_NOTICE_FILE_MIME_TYPE,
	VG_NOTICE_FILE_DESC,
	VG_NOTICE_PROTO,
	VG_NOTICE_NOTE,
	VG_NOTICE_MSG,
	VG_NOTICE_SUB,
	VG_NOTICE_SRC,
	VG_NOTICE_DST,
	VG_NOTICE_P,
	VG_NOTICE_N,
	VG_NOTICE_PEER_DESCR,
	VG_NOTICE_ACTIONS,
	VG_NOTICE_EMAIL_DEST,
	VG_NOTICE_SUPPRESS_FOR,
	VG_NOTICE_COUNTRY_CODE,
	VG_NOTICE_REGION,
	VG_NOTICE_CITY,
	VG_NOTICE_LATITUDE,
	VG_NOTICE_LONGITUDE,
	VG_NOTICE_NCOLS,
};

/* Registered with the frameworks' logs (vg_analyzers_register_logs). */
extern struct vg_schema vg_sig_log_schema;
/* notice.log: the notices the signature framework raises (NOTICE). */
extern struct vg_schema vg_sig_notice_schema;

#endif /* VG_SIG_LOG_H */
