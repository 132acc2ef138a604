/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SMTP analyzer: smtp.log, and the messages' MIME entities to the files
 * framework (files.log source SMTP).
 *
 * Layers, as Zeek's SMTP analyzer has them (src/analyzer/protocol/smtp/SMTP.cc):
 * - lines per direction (ContentLine_Analyzer: LF ends a line, CRs before it
 *   are dropped; a partial line at the end is never delivered); a BDAT chunk
 *   is taken as `chunk-size` plain bytes instead (BDAT.cc);
 * - the command/reply state machine with its pipelined command queue
 *   (vg_smtp_proto.c);
 * - the script layer of base/protocols/smtp (main.zeek, entities.zeek,
 *   files.zeek): the transaction record that becomes one smtp.log row
 *   (vg_smtp_log.c);
 * - the MIME parser of each message (vg_smtp_mime.c, MIME.cc's MIME_Mail).
 *
 * All state is in `struct vg_smtp` (the framework's per-connection slot):
 * fixed-size buffers, no allocation; what does not fit is truncated and
 * counted in `truncated`.
 */
#ifndef VG_SMTP_H
#define VG_SMTP_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_analyzer.h"

struct vg_file;

extern const struct vg_analyzer vg_smtp_analyzer;

/* SMTP_cmd.def, in its order (the reply event's cmd names come from it). */
enum vg_smtp_cmd {
	VG_SMTP_EHLO,
	VG_SMTP_HELO,
	VG_SMTP_MAIL,
	VG_SMTP_RCPT,
	VG_SMTP_DATA,
	VG_SMTP_QUIT,
	VG_SMTP_RSET,
	VG_SMTP_VRFY,
	VG_SMTP_EXPN,
	VG_SMTP_HELP,
	VG_SMTP_NOOP,
	VG_SMTP_STARTTLS,
	VG_SMTP_X_ANONYMOUSTLS,
	VG_SMTP_CONN_ESTABLISHMENT,
	VG_SMTP_END_OF_DATA,
	VG_SMTP_SEND,
	VG_SMTP_SOML,
	VG_SMTP_SAML,
	VG_SMTP_TURN,
	VG_SMTP_BDAT,
	VG_SMTP_ETRN,
	VG_SMTP_AUTH,
	VG_SMTP_AUTH_ANSWER,
	VG_SMTP_NCMDS,
	VG_SMTP_NONE = 0xff,
};

/* SMTP.h's SMTP_State. */
enum vg_smtp_state {
	VG_SMTP_ST_CONNECTED,
	VG_SMTP_ST_INITIATED,
	VG_SMTP_ST_NOT_AVAILABLE,
	VG_SMTP_ST_READY,
	VG_SMTP_ST_MAIL_OK,
	VG_SMTP_ST_RCPT_OK,
	VG_SMTP_ST_IN_DATA,
	VG_SMTP_ST_IN_BDAT,
	VG_SMTP_ST_AFTER_DATA,
	VG_SMTP_ST_IN_AUTH,
	VG_SMTP_ST_IN_TLS,
	VG_SMTP_ST_QUIT,
	VG_SMTP_ST_AFTER_GAP,
	VG_SMTP_ST_GAP_RECOVERY,
};

/* ---- MIME (vg_smtp_mime.c) ---- */

#define VG_MIME_MAX_DEPTH 8    /* nested entities kept (Zeek: MIME::max_depth 100) */
#define VG_MIME_BOUNDARY  128  /* boundary bytes kept */
#define VG_MIME_HDR_MAX   1024 /* MIME::max_header_bytes (init-bare.zeek) */
#define VG_MIME_HDR_BUF   2048 /* a header's bytes kept (first line + continuations) */
#define VG_MIME_SEGMENT   1024 /* mime_segment_length: data handed over in pieces of this */

enum vg_mime_type { VG_MIME_MULTIPART, VG_MIME_MESSAGE, VG_MIME_TEXT, VG_MIME_OTHER };
enum vg_mime_enc {
	VG_MIME_7BIT,
	VG_MIME_8BIT,
	VG_MIME_BINARY,
	VG_MIME_QP,
	VG_MIME_BASE64,
	VG_MIME_ENC_OTHER
};

struct vg_mime_entity {
	uint8_t type, enc;
	bool in_header, ended, delay_crlf, has_boundary, has_child;
	uint8_t b64_n;       /* base64 values in b64_q */
	uint8_t b64_pad;     /* '=' in the group */
	uint8_t b64_errored; /* errors of the decoder (the first is a weird) */
	bool b64_after_pad;  /* a padded group was decoded: later ones are ignored */
	uint8_t b64_q[4];
	uint16_t boundary_len;
	char boundary[VG_MIME_BOUNDARY];
};

/* What the MIME parser tells its owner (the SMTP analyzer). */
struct vg_mime_ops {
	void (*begin_entity)(void *owner);
	/* One header of the innermost entity: name (as sent) and value. */
	void (*header)(
		void *owner, const char *name, uint32_t nlen, const char *val, uint32_t vlen);
	/* Decoded body bytes of the innermost entity. */
	void (*data)(void *owner, const uint8_t *p, uint32_t len);
	void (*end_entity)(void *owner);
	/* MIME weirds: the analyzer's (exceeded_mime_max_depth, ...) or, with
	 * conn_level, the connection's (base64_illegal_encoding, no source). */
	void (*weird)(void *owner, const char *name, const char *addl, bool conn_level);
};

struct vg_mime {
	const struct vg_mime_ops *ops;
	void *owner;
	bool active;
	uint8_t depth; /* entities open: ent[0] is the message itself */
	uint8_t dropped_depth;
	uint16_t hdr_len;
	bool hdr_open, hdr_capped;
	uint32_t hdr_total;
	uint16_t out_len; /* decoded bytes waiting in out[] */
	struct vg_mime_entity ent[VG_MIME_MAX_DEPTH];
	char hdr[VG_MIME_HDR_BUF];
	uint8_t out[VG_MIME_SEGMENT];
};

void vg_mime_begin(struct vg_mime *m, const struct vg_mime_ops *ops, void *owner);
/* One line of the message, without its line end; crlf: an implicit CRLF followed it. */
void vg_mime_line(struct vg_mime *m, const char *line, uint32_t len, bool crlf);
/* MIME_Mail::Done: ends every open entity. */
void vg_mime_end(struct vg_mime *m);

/* ---- the transaction record (vg_smtp_log.c) ---- */

#define VG_SMTP_ARENA 6144 /* string bytes of one transaction */
#define VG_SMTP_REFS  160  /* members of rcptto/to/cc in all */
#define VG_SMTP_PATH  16   /* path addresses */
#define VG_SMTP_FUIDS 24   /* fuids of one transaction */

struct vg_smtp_str {
	uint16_t off, len;
	bool set;
};

enum vg_smtp_field {
	VG_SF_HELO,
	VG_SF_MAILFROM,
	VG_SF_DATE,
	VG_SF_FROM,
	VG_SF_REPLY_TO,
	VG_SF_MSG_ID,
	VG_SF_IN_REPLY_TO,
	VG_SF_SUBJECT,
	VG_SF_FIRST_RECEIVED,
	VG_SF_SECOND_RECEIVED,
	VG_SF_LAST_REPLY,
	VG_SF_USER_AGENT,
	VG_SF_NFIELDS
};

enum vg_smtp_set { VG_SS_RCPTTO, VG_SS_TO, VG_SS_CC, VG_SS_NSETS };

struct vg_smtp_info {
	uint64_t ts;
	uint64_t trans_depth;
	struct vg_smtp_str f[VG_SF_NFIELDS];
	bool set_present[VG_SS_NSETS];
	uint16_t nrefs;
	struct {
		uint8_t set;
		struct vg_smtp_str s;
	} refs[VG_SMTP_REFS];
	bool has_xoip;
	struct vg_addr xoip;
	uint8_t npath;
	struct vg_addr path[VG_SMTP_PATH];
	bool tls, has_client_activity, process_smtp_headers, process_received_from;
	uint32_t entity_count;
	uint8_t nfuids;
	char fuids[VG_SMTP_FUIDS][24];
	/* entities.zeek's current Entity: its filename */
	bool entity_open;
	struct vg_smtp_str filename;
	uint16_t arena_used;
	char arena[VG_SMTP_ARENA];
};

/* ---- the connection ---- */

#define VG_SMTP_LINE_ORIG 4096 /* SMTP::bdat_max_line_length too */
#define VG_SMTP_LINE_RESP 1024
#define VG_SMTP_QMAX      1000 /* SMTP.cc's max_pending_cmd_q_size */

struct vg_smtp_line {
	uint32_t len;
	bool last_cr; /* the line ended at a CR: an LF next is part of its end */
};

struct vg_smtp {
	struct vg_an_ctx *cx; /* valid during a callback only */
	uint8_t state;
	bool orig_is_sender;
	bool had_gap[2];
	bool in_mail;   /* a MIME message is open (Zeek's `mail`) */
	bool in_bdat;   /* Zeek's `bdat` */
	bool bdat_last; /* the current chunk is the LAST one */
	bool session;   /* c$smtp exists */
	bool bdat_last_observed;
	bool trans_mail_from_seen, trans_rcpt_to_seen;
	bool tls_handed_off;
	bool mail_is_orig; /* the direction the message came from */
	bool confirmed;
	bool disabled;    /* max_invalid_mail_transactions passed: disable_analyzer */
	bool file_failed; /* the entity's file could not begin (files pool empty) */
	uint8_t first_cmd, last_replied_cmd;
	uint16_t pending_reply;
	uint16_t q_head, q_len;
	uint64_t bdat_remaining; /* bytes of the current chunk still to come */
	uint64_t messages_transferred;
	uint32_t invalid_transactions;
	uint64_t mime_depth; /* smtp_state$mime_depth: entities of the connection */
	uint64_t truncated;  /* strings or entries that did not fit */
	struct vg_smtp_str helo;
	char helo_buf[256];
	/* the current entity's file (files.zeek) */
	struct vg_file *file;
	char fuid[24];
	uint32_t file_seq;
	struct vg_smtp_line line[2];
	struct vg_smtp_line bdat_line; /* a BDAT chunk's partial line, in lbuf_bdat */
	uint8_t q[VG_SMTP_QMAX];
	char lbuf_orig[VG_SMTP_LINE_ORIG];
	char lbuf_resp[VG_SMTP_LINE_RESP];
	char lbuf_bdat[VG_SMTP_LINE_ORIG];
	struct vg_smtp_info info;
	struct vg_mime mime;
};

/* vg_smtp_proto.c */
void vg_smtp_line(struct vg_smtp *s, bool orig, const char *line, uint32_t len);
void vg_smtp_bdat_bytes(struct vg_smtp *s, bool orig, const uint8_t *p, uint32_t len);
void vg_smtp_gap(struct vg_smtp *s, bool orig, uint64_t len);
void vg_smtp_end_data(struct vg_smtp *s);
void vg_smtp_line_end_of_bdat(struct vg_smtp *s, bool orig);
const char *vg_smtp_cmd_name(uint8_t cmd);

/* vg_smtp_log.c: main.zeek's handlers */
void vg_smtp_set_session(struct vg_smtp *s);
void vg_smtp_request(
	struct vg_smtp *s, const char *cmd, uint32_t clen, const char *arg, uint32_t alen);
void vg_smtp_reply(
	struct vg_smtp *s, uint16_t code, uint8_t cmd, const char *msg, uint32_t mlen, bool cont);
void vg_smtp_reply_done(struct vg_smtp *s, uint8_t cmd, bool cont);
void vg_smtp_starttls(struct vg_smtp *s);
void vg_smtp_finalize(struct vg_smtp *s);
void vg_smtp_file_gap(struct vg_smtp *s, uint64_t len);
extern const struct vg_mime_ops vg_smtp_mime_ops;

/* Helpers shared with the tests. */
/* extract_email_addrs: the i-th address (0-based) in s; false when none. */
bool vg_smtp_email_nth(
	const char *s, uint32_t len, uint32_t n, uint32_t *off, uint32_t *alen, uint32_t *next);
/* extract_ip_addresses (IPv4): the addresses, with check_wrapping or not. */
uint32_t vg_smtp_ipv4s(
	const char *s, uint32_t len, bool wrapped, struct vg_addr *out, uint32_t max);
/* parse_bdat_arg: NULL on success, else the error text. */
const char *vg_smtp_bdat_arg(const char *arg, uint32_t len, uint64_t *size, bool *last);

#endif /* VG_SMTP_H */
