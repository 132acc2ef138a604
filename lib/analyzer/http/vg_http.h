/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP/1.x analyzer's private state and the calls between its files.
 * It follows Zeek's HTTP analyzer (src/analyzer/protocol/http/HTTP.cc, with
 * the line splitting of tcp/ContentLine.cc and the multipart handling of
 * mime/MIME.cc) and the script logic of base/protocols/http/main.zeek and
 * entities.zeek, which decide what http.log shows.
 *
 *   vg_http_line.c   bytes -> lines or plain body bytes, per direction
 *   vg_http_msg.c    request and reply lines, messages, headers, bodies
 *   vg_http_body.c   entity bodies: chunked, gzip, multipart, files
 *   vg_http_tx.c     the transaction table of main.zeek and http.log
 *   vg_http_util.c   URI unescaping, base64, tokens
 *   vg_http_analyzer.c the registry entry, probe and hooks
 *
 * Bounds (all per connection, in the state; nothing allocated per packet):
 * a line longer than VG_HTTP_LINE_MAX keeps its head and its last bytes
 * (weird contentline_size_exceeded); at most VG_HTTP_PENDING
 * transactions wait for their replies (the oldest is logged early beyond
 * that, counted); each transaction keeps VG_HTTP_ARENA bytes of strings, a
 * URI at most VG_HTTP_URI_MAX and any other value VG_HTTP_STR_MAX (longer
 * values are cut, counted in strings_cut).
 *
 * What only some connections need for a while is not in the state but in
 * the worker's side buffers (vg_an_buf_get): a transaction's strings while
 * it waits to be logged, and a line that spans deliveries
 * (vg_http_line.c). When none is free the strings are lost (strings_cut)
 * or the line keeps only its tail (lines_cut).
 */
#ifndef VG_HTTP_H
#define VG_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_analyzer.h"
#include "vg_files.h"

#define VG_HTTP_LINE_MAX  4096
#define VG_HTTP_TAIL      64 /* last bytes kept of an over-long line */
#define VG_HTTP_PENDING   4
#define VG_HTTP_ARENA     3072
#define VG_HTTP_URI_MAX   2048 /* bytes of a URI kept */
#define VG_HTTP_STR_MAX   512  /* bytes of any other value kept */
#define VG_HTTP_VEC_MAX   15   /* HTTP::max_files_orig / max_files_resp */
#define VG_HTTP_BOUNDARY  72   /* RFC 2046: at most 70 characters */
#define VG_HTTP_FNAME_MAX 256

/* A string inside a transaction's arena. */
struct vg_http_sref {
	uint16_t off;
	uint16_t len;
};

enum vg_http_sfield {
	VG_HTTP_S_METHOD,
	VG_HTTP_S_HOST,
	VG_HTTP_S_URI,
	VG_HTTP_S_REFERRER,
	VG_HTTP_S_VERSION,
	VG_HTTP_S_USER_AGENT,
	VG_HTTP_S_ORIGIN,
	VG_HTTP_S_STATUS_MSG,
	VG_HTTP_S_INFO_MSG,
	VG_HTTP_S_USERNAME,
	VG_HTTP_S_PASSWORD,
	VG_HTTP_S_N
};

enum vg_http_vfield {
	VG_HTTP_V_PROXIED,
	VG_HTTP_V_ORIG_FUIDS,
	VG_HTTP_V_ORIG_FILENAMES,
	VG_HTTP_V_ORIG_MIME,
	VG_HTTP_V_RESP_FUIDS,
	VG_HTTP_V_RESP_FILENAMES,
	VG_HTTP_V_RESP_MIME,
	VG_HTTP_V_N
};

/* One HTTP::Info record waiting in Zeek's pending table. */
struct vg_http_tx {
	uint8_t in_use;
	uint8_t has_status;
	uint8_t has_info;
	uint8_t vec_set;  /* bit per vfield: the vector exists (even if empty) */
	uint16_t str_set; /* bit per sfield */
	uint16_t status_code;
	uint16_t info_code;
	uint16_t used;
	uint32_t idx;   /* the pending table's index (request/response number) */
	uint32_t depth; /* trans_depth */
	uint64_t ts;
	uint64_t req_body_len;
	uint64_t resp_body_len;
	struct vg_addr client; /* a shadow copy's real client (vg_http_shadow.c) */
	uint8_t client_rank;   /* where client came from; 0: no header named one */
	struct vg_http_sref str[VG_HTTP_S_N];
	uint8_t nvec[VG_HTTP_V_N];
	struct vg_http_txmem *m; /* its strings: a side buffer while it is in use */
};

/* A transaction's strings, in a side buffer of the worker's (vg_an_buf_get). */
struct vg_http_txmem {
	struct vg_http_sref vec[VG_HTTP_V_N][VG_HTTP_VEC_MAX];
	char arena[VG_HTTP_ARENA];
};

/* Zeek's HTTP_ExpectRequest / HTTP_ExpectReply. */
enum vg_http_state {
	VG_HTTP_EXPECT_LINE,
	VG_HTTP_EXPECT_MESSAGE,
	VG_HTTP_EXPECT_TRAILER,
	VG_HTTP_EXPECT_NOTHING,
	VG_HTTP_REPLY_HTTP09,
};

enum vg_http_chunk {
	VG_CHUNK_NONE,
	VG_CHUNK_BEFORE,
	VG_CHUNK_SIZE,
	VG_CHUNK_DATA,
	VG_CHUNK_DATA_CRLF,
	VG_CHUNK_TRAILER,
	VG_CHUNK_NOTHING,
};

enum vg_http_body_expect {
	VG_BODY_NOT_EXPECTED,
	VG_BODY_EXPECTED,
	VG_BODY_MAYBE,
};

enum vg_http_mp {
	VG_MP_PREAMBLE,
	VG_MP_HEADERS,
	VG_MP_BODY,
	VG_MP_DONE,
};

/* A MIME entity: the message's top entity, or one part of a multipart body. */
struct vg_http_ent {
	uint8_t in_header;
	uint8_t end_of_data;
	uint8_t expect_body;
	uint8_t chunk;
	uint8_t encoding; /* 0 identity, 1 gzip, 2 deflate */
	uint8_t multipart;
	uint8_t partial;
	uint8_t send_size;
	int64_t content_length; /* -1 unspecified */
	int64_t expect;         /* Zeek's expect_data_length */
	int64_t range_len;
	int64_t instance_len;
	uint64_t body_len;
	uint64_t header_len;
};

/* One direction of the connection. */
struct vg_http_dir {
	uint8_t state;                /* enum vg_http_state */
	uint8_t last_char;            /* ContentLine's last_char */
	uint8_t crlf_only;            /* only CRLF ends a line (inside a multipart part) */
	uint8_t skip;                 /* deliveries skipped after a content gap */
	uint8_t ongoing;              /* request_ongoing / reply_ongoing */
	uint8_t msg;                  /* a message exists and has not finished */
	uint8_t had_msg;              /* a message was made (Zeek's message pointer is set) */
	uint8_t ver_major, ver_minor; /* request_version / reply_version; 0.0 unset */
	uint8_t mp_state;
	uint8_t mp_first; /* a part's CRLF is owed before its next line */
	uint8_t boundary_len;
	uint8_t mime_done; /* the current file's MIME type went to http.log */
	uint8_t file_tx_ok;
	int8_t zslot; /* inflater in use, or -1 */
	uint16_t fname_len;
	int64_t plain;          /* ContentLine's plain_delivery_length */
	int64_t delivery;       /* ContentLine's delivery_length (-1 none) */
	uint8_t delivery_fresh; /* set by the line just ended */
	uint8_t frag_cont;      /* the line being read began in an earlier piece */
	uint8_t piece_cont;     /* the piece being handled continues an earlier one */
	uint8_t in_piece;       /* file bytes of an unfinished line (no clock) */
	uint32_t line_len;
	uint32_t over;        /* bytes of the current line beyond the buffer */
	uint32_t tail_pos;    /* ring position in tail */
	uint32_t file_tx_idx; /* the transaction the file was announced to */
	uint64_t gap_len;
	struct vg_http_ent top;
	struct vg_http_ent part;
	struct vg_file *file;
	char fuid[VG_FUID_LEN];
	char boundary[VG_HTTP_BOUNDARY];
	char fname[VG_HTTP_FNAME_MAX];
	uint8_t tail[VG_HTTP_TAIL];
	char *line; /* side buffer of VG_HTTP_LINE_MAX bytes while a line spans deliveries */
};

struct vg_http {
	struct vg_http_dir dir[2]; /* [1] originator, [0] responder */
	struct vg_http_tx tx[VG_HTTP_PENDING];
	uint32_t cur_req, cur_resp, trans_depth;
	int32_t cur_tx; /* c$http: the slot last chosen by set_state, -1 none */
	uint32_t num_requests, num_replies;
	uint32_t unanswered; /* unanswered_requests' size */
	uint64_t head_bits;  /* bit i: the i-th unanswered (from the front) was HEAD */
	uint32_t file_seq;
	uint64_t orig_bytes; /* bytes the client sent (Zeek's DPD buffer holds 1024) */
	uint16_t reply_code;
	uint8_t keep_alive;
	uint8_t connection_close;
	uint8_t connect_request;
	uint8_t tunnel; /* CONNECT succeeded: the rest is not HTTP */
	uint8_t upgraded;
	uint8_t upgrade_connection;
	uint8_t upgrade_protocol;
	uint8_t confirmed; /* this analyzer confirmed the protocol */
	uint8_t dpd_again; /* a bad first request: Zeek's DPD would start HTTP anew */
};

/* Counters (this worker). */
struct vg_http_stats {
	uint64_t requests;
	uint64_t replies;
	uint64_t lines_cut;
	uint64_t pending_flushed;
	uint64_t strings_cut;
	uint64_t inflate_busy;
	uint64_t log_drops;
};
void vg_http_stats_get(struct vg_http_stats *out);
extern _Thread_local struct vg_http_stats vg_http_stats;
extern const struct vg_an_counters vg_http_counters;

/* http.log */
extern struct vg_schema vg_http_schema;

/* vg_http_shadow.c: Istio shadow copies (vg_an_shadowed). */
void vg_http_shadow_header(
	struct vg_http_tx *t, const char *name, uint32_t nlen, const char *value, uint32_t vlen);
/* The Host without Envoy's "-shadow" suffix, into out (cap bytes); its length. */
uint32_t vg_http_shadow_host(const char *h, uint32_t len, char *out, uint32_t cap);
/* Starts the http.log record with the real client and destination (host: as logged). */
void vg_http_shadow_rec_begin(struct vg_an_ctx *cx, struct vg_rec *r, const struct vg_http_tx *t,
	const char *host, uint32_t hlen);

/* vg_http_line.c */
void vg_http_deliver(
	struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const uint8_t *d, uint32_t len);
void vg_http_eof_line(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig);
void vg_http_line_release(struct vg_an_ctx *cx, struct vg_http_dir *d);

/* vg_http_msg.c */
void vg_http_line(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const char *line,
	uint32_t len, bool eol);
void vg_http_plain(
	struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const uint8_t *d, uint32_t len);
void vg_http_http09(struct vg_http *h, struct vg_an_ctx *cx, const uint8_t *d, uint32_t len);
void vg_http_made(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, bool interrupted);
void vg_http_gap(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, uint64_t len);
void vg_http_end_message(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig);
void vg_http_msg_deliver(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const char *d,
	uint32_t len, bool crlf);
void vg_http_all_headers(
	struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, struct vg_http_ent *e);
void vg_http_header(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, struct vg_http_ent *e,
	const char *line, uint32_t len);
bool vg_http_version_is(const struct vg_http_dir *d, uint8_t major, uint8_t minor);

/* vg_http_body.c */
void vg_http_body(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const char *d,
	uint32_t len, bool crlf);
void vg_http_part_line(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const char *d,
	uint32_t len, bool crlf);
void vg_http_file_end(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig);
void vg_http_file_gap(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, uint64_t len);
void vg_http_inflate_end(struct vg_http_dir *d);
void vg_http_ent_end(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig);

/* vg_http_tx.c: the script layer (main.zeek, entities.zeek) */
struct vg_http_tx *vg_http_set_state(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig);
struct vg_http_tx *vg_http_cur(struct vg_http *h);
struct vg_http_tx *vg_http_tx_by_idx(struct vg_http *h, uint32_t idx);
void vg_http_ev_request(struct vg_http *h, struct vg_an_ctx *cx, const char *method, uint32_t mlen,
	const char *uri, uint32_t ulen);
void vg_http_ev_reply(
	struct vg_http *h, struct vg_an_ctx *cx, uint16_t code, const char *reason, uint32_t rlen);
void vg_http_ev_header(struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, const char *name,
	uint32_t nlen, const char *value, uint32_t vlen);
void vg_http_ev_message_done(
	struct vg_http *h, struct vg_an_ctx *cx, bool is_orig, uint64_t body_len);
void vg_http_ev_file(
	struct vg_http *h, bool is_orig, const char *fuid, const char *fname, uint32_t flen);
void vg_http_ev_mime(struct vg_http *h, bool is_orig, uint32_t tx_idx, const char *mime);
void vg_http_finalize(struct vg_http *h, struct vg_an_ctx *cx);
void vg_http_tx_set(struct vg_http_tx *t, enum vg_http_sfield f, const char *s, uint32_t len);
void vg_http_tx_push(struct vg_http_tx *t, enum vg_http_vfield f, const char *s, uint32_t len);

/* vg_http_util.c */
uint32_t vg_http_unescape_uri(struct vg_an_ctx *cx, const char *s, uint32_t len, char *out);
uint32_t vg_http_base64(const char *s, uint32_t len, char *out, uint32_t cap);
bool vg_http_ieq(const char *a, uint32_t alen, const char *b);
bool vg_http_atoi(const char *s, uint32_t len, int base, int64_t *out);
uint32_t vg_http_filename(const char *v, uint32_t len, char *out, uint32_t cap);
void vg_http_token(const char *v, uint32_t len, const char **tok, uint32_t *tlen, const char **rest,
	uint32_t *rlen);

/* The analyzer entry (vg_http_analyzer.c). */
extern const struct vg_analyzer vg_http_analyzer;

#endif /* VG_HTTP_H */
