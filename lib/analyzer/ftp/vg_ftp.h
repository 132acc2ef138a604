/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The FTP analyzer (Zeek's FTP analyzer, src/analyzer/protocol/ftp/FTP.cc,
 * and the scripts of base/protocols/ftp): ftp.log from the control
 * connection, and the data connections that PORT/EPRT requests and
 * PASV/EPSV replies announce, expected through the framework (vg_an_expect)
 * so that they get the ftp-data analyzer (vg_ftp_data.c): conn.log service
 * "ftp-data" and their content to the files framework (source FTP_DATA).
 */
#ifndef VG_FTP_H
#define VG_FTP_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_analyzer.h"
#include "vg_common.h"

/* FTP::max_pending_commands (ftp/main.zeek). */
#define VG_FTP_MAX_PENDING 20
/* FTP::max_user_length and FTP::max_password_length (ftp/main.zeek). */
#define VG_FTP_MAX_USER 128
/* FTP::max_command_length (init-bare.zeek): longer commands are ignored. */
#define VG_FTP_MAX_CMD 100
/* Bytes kept of a command word, a command's argument, a line, a reply. */
#define VG_FTP_CMD  24
#define VG_FTP_ARG  512
#define VG_FTP_LINE 2048
#define VG_FTP_MSG  1024
#define VG_FTP_CWD  512
/* An arg as ftp.log shows it: "ftp://" + address + the compressed path. */
#define VG_FTP_URL  (VG_FTP_CWD + VG_FTP_ARG + 64)
#define VG_FTP_MIME 80
/* Zeek's File_Analyzer buffer (analyzer/protocol/file/File.h): file_transferred. */
#define VG_FTP_DATA_IDENTIFY 1024
/* Analyzer::schedule_analyzer's timeout in ftp/main.zeek (5mins). */
#define VG_FTP_EXPECT_NS (300ULL * 1000000000ULL)

/* FTP::CmdArg (ftp/utils-commands.zeek): a command waiting for its reply. */
struct vg_ftp_cmd {
	uint64_t ts;
	uint32_t seq; /* 0: free slot */
	uint16_t arg_len;
	uint8_t cmd_len;
	bool cwd_consumed;
	char cmd[VG_FTP_CMD];
	char arg[VG_FTP_ARG];
};

/* FTP::ExpectedDataChannel (ftp/info.zeek). */
struct vg_ftp_chan {
	bool passive;
	struct vg_addr orig_h, resp_h;
	uint16_t resp_p;
};

/* One direction's line being assembled (ContentLine, LF as end of line). */
struct vg_ftp_line {
	uint16_t len;
	bool overflow; /* the line outgrew the buffer: the rest is dropped */
	char b[VG_FTP_LINE];
};

/* The session: FTP::Info (c$ftp) and the analyzer's own state. */
struct vg_ftp {
	bool session;      /* c$ftp exists (set_ftp_session) */
	bool confirmed;    /* a valid command was seen (AnalyzerConfirmation) */
	bool tls;          /* AUTH TLS was accepted: the rest is not FTP */
	bool auth_tls;     /* the last AUTH asked for TLS */
	bool auth_gssapi;  /* the last AUTH asked for GSSAPI */
	uint8_t adat;      /* FTP_ADAT_Analyzer: 0 none, 1 before the first token, 2 after */
	bool logged_seen;  /* logged_command_seen */
	bool has_reply;    /* c$ftp?$reply_code */
	bool has_password; /* c$ftp?$password */
	bool has_command;
	bool has_arg;
	bool has_file_size;
	bool has_chan;
	bool passive;
	uint16_t pending_reply; /* FTP.cc's pending_reply: a multi-line reply's code */
	uint16_t reply_code;
	int8_t cmdarg; /* c$ftp$cmdarg: its slot in pending, -1 none or removed */
	uint8_t npending;
	uint32_t command_seq;
	uint64_t ts;
	uint64_t file_size;
	uint16_t user_len, password_len, reply_len, cwd_len, command_len, arg_len;
	char user[VG_FTP_MAX_USER];
	char password[VG_FTP_MAX_USER];
	char reply_msg[VG_FTP_MSG];
	char cwd[VG_FTP_CWD];
	char command[VG_FTP_CMD];
	char arg[VG_FTP_URL];
	/* Filled by the data connection (vg_ftp_data.c) on the same worker. */
	char mime[VG_FTP_MIME]; /* "" unset */
	char fuid[24];          /* "" unset */
	struct vg_ftp_chan chan;
	struct vg_ftp_cmd pending[VG_FTP_MAX_PENDING];
	struct vg_ftp_line line[2]; /* [0] orig, [1] resp */
};

/* The analyzers (registry entries). */
extern const struct vg_analyzer vg_ftp_analyzer;
extern const struct vg_analyzer vg_ftp_data_analyzer;

/* Counters of this worker's FTP analyzers. */
struct vg_ftp_stats {
	uint64_t lines_truncated; /* lines longer than VG_FTP_LINE: the rest was dropped */
	uint64_t expects;         /* data connections announced (PORT/EPRT/PASV/EPSV) */
	uint64_t expects_refused; /* announcements the framework could not keep */
	uint64_t data_conns;      /* connections the ftp-data analyzer got */
	uint64_t data_remote;     /* of them, whose control connection was not here */
};
extern _Thread_local struct vg_ftp_stats vg_ftp_stats;

/*
 * Zeek's decode_base64 (Base64Converter) as FTP_ADAT uses it: the decoded
 * length and up to `cap` first bytes; false (with the first illegal
 * character in *bad) when a character outside the alphabet came.
 */
bool vg_ftp_base64(
	const char *s, uint32_t len, uint8_t *out, uint32_t cap, uint32_t *out_len, int *bad);

/* ---- parsing (vg_ftp_parse.c), as Zeek's functions.bif and utils ---- */

/* What parse_ftp_port & co. return (Zeek's ftp_port record). */
struct vg_ftp_port {
	struct vg_addr h;
	uint16_t p;
	bool valid;
};

/* parse_ftp_port: "h1,h2,h3,h4,p1,p2". s is NUL-terminated. */
struct vg_ftp_port vg_ftp_parse_port(const char *s);
/* parse_eftp_port: "<d><proto><d><addr><d><port><d>" (RFC 2428). */
struct vg_ftp_port vg_ftp_parse_eprt(const char *s);
/* parse_ftp_pasv: the address in a 227 reply. */
struct vg_ftp_port vg_ftp_parse_pasv(const char *s);
/* parse_ftp_epsv: the port in a 229 reply. */
struct vg_ftp_port vg_ftp_parse_epsv(const char *s);
/* Zeek's IPAddr::ConvertString: dotted quad or IPv6 text. */
bool vg_ftp_addr_parse(const char *s, uint32_t len, struct vg_addr *out);

/* extract_count(s, F) (base/utils/numbers.zeek): the last number, else 0. */
uint64_t vg_ftp_last_count(const char *s, uint32_t len);
/*
 * build_path_compressed(dir, name) (base/utils/paths.zeek, compress_path's
 * util::normalize_path) into out (cap bytes); returns the length.
 */
uint32_t vg_ftp_build_path(const char *dir, uint32_t dir_len, const char *name, uint32_t name_len,
	char *out, uint32_t cap);
/* extract_path(input) (base/utils/paths.zeek); returns the length (0: none). */
uint32_t vg_ftp_extract_path(const char *in, uint32_t len, char *out, uint32_t cap);
/* cmd_reply_code (ftp/utils-commands.zeek): the pair is listed. */
bool vg_ftp_reply_expected(const char *cmd, uint32_t code);

#endif /* VG_FTP_H */
