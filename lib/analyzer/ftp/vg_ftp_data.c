/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ftp-data analyzer: attached only to a connection an FTP control
 * connection announced (vg_an_expect). Zeek's FTP_DATA is a File_Analyzer
 * (analyzer/protocol/file/File.cc): each direction's bytes are one file
 * (files.log source FTP_DATA, ended when the connection is removed), and its
 * first 1024 bytes are typed for the file_transferred event. The scripts
 * then reach the control connection's FTP::Info through ftp_data_expected:
 * conn.log's service gets "ftp-data" (scheduled_analyzer_applied), ftp.log's
 * fuid is set when the file starts (file_over_new_connection), its
 * mime_type when the first 1024 bytes were typed (file_transferred:
 * "<unknown>" without a match) and when the file was sniffed (file_sniff).
 *
 * The control connection's state is reached through vg_an_expect_origin
 * while both live on this worker. When the data connection landed on another
 * worker, the control connection's ftp.log lacks fuid and mime_type, as in
 * a Zeek cluster, where the other worker gets only minimize_info's copy.
 */
#include <string.h>

#include "vg_files.h"
#include "vg_ftp.h"

struct vg_ftp_data {
	struct vg_file *file[2]; /* [0] sent by the originator, [1] by the responder */
	char fuid[2][VG_FUID_LEN];
	bool typed; /* file_transferred was raised */
	bool sniffed[2];
	uint16_t buffered;
	uint8_t buf[VG_FTP_DATA_IDENTIFY];
};

static struct vg_ftp *
control(struct vg_an_ctx *cx)
{
	return vg_an_expect_origin(cx, &vg_ftp_analyzer);
}

static void
set_mime(struct vg_an_ctx *cx, const char *mime)
{
	struct vg_ftp *s = control(cx);

	if (s == NULL)
		return;
	/* split_string1(mime_type, /;/)[0] */
	size_t n = strcspn(mime, ";");

	n = VG_MIN(n, sizeof(s->mime) - 1);
	memcpy(s->mime, mime, n);
	s->mime[n] = '\0';
}

/* File_Analyzer::Identify: the first bytes' type, for file_transferred. */
static void
identify(struct vg_ftp_data *d, struct vg_an_ctx *cx)
{
	const char *m = vg_mime_sniff(d->buf, d->buffered);

	d->typed = true;
	set_mime(cx, m != NULL ? m : "<unknown>");
}

/* file_sniff (ftp/files.zeek): the files framework's type, when it has one. */
static void
check_sniff(struct vg_ftp_data *d, struct vg_an_ctx *cx, int k)
{
	if (d->file[k] == NULL || d->sniffed[k] || !vg_file_sniffed(d->file[k]))
		return;
	d->sniffed[k] = true;
	if (vg_file_mime(d->file[k]) != NULL)
		set_mime(cx, vg_file_mime(d->file[k]));
}

static void
data_init(void *st, struct vg_an_ctx *cx)
{
	(void)st;
	vg_ftp_stats.data_conns++;
	if (control(cx) == NULL)
		vg_ftp_stats.data_remote++;
	/* scheduled_analyzer_applied: add c$service["ftp-data"] */
	vg_an_confirm(cx);
}

static void
data_stream(void *st, struct vg_an_ctx *cx, bool is_orig, const uint8_t *data, uint32_t len)
{
	struct vg_ftp_data *d = st;
	int k = is_orig ? 0 : 1;

	if (len == 0)
		return;
	if (!d->typed) {
		uint32_t n = VG_MIN(len, (uint32_t)(VG_FTP_DATA_IDENTIFY - d->buffered));

		memcpy(d->buf + d->buffered, data, n);
		d->buffered += (uint16_t)n;
		if (d->buffered == VG_FTP_DATA_IDENTIFY)
			identify(d, cx);
	}
	if (d->file[k] == NULL) {
		struct vg_file_info fi = {
			.source = "FTP_DATA",
			.is_orig = is_orig,
			.total_bytes = -1,
			.seq = (uint32_t)k,
		};

		d->file[k] = vg_file_begin(cx, &fi, d->fuid[k]);
		if (d->file[k] == NULL)
			return;
		/* file_over_new_connection: ftp$fuid = f$id */
		struct vg_ftp *s = control(cx);

		if (s != NULL)
			memcpy(s->fuid, d->fuid[k], sizeof(s->fuid));
	}
	vg_file_data(cx, d->file[k], data, len);
	check_sniff(d, cx, k);
}

static void
data_gap(void *st, struct vg_an_ctx *cx, bool is_orig, uint64_t len)
{
	struct vg_ftp_data *d = st;
	int k = is_orig ? 0 : 1;

	if (d->file[k] == NULL)
		return;
	vg_file_gap(cx, d->file[k], len);
	check_sniff(d, cx, k);
}

/* File_Analyzer::Done: the last type, then each file's end. */
static void
data_end(void *st, struct vg_an_ctx *cx, enum vg_an_end why)
{
	struct vg_ftp_data *d = st;

	(void)why;
	if (!d->typed && d->buffered > 0)
		identify(d, cx);
	for (int k = 0; k < 2; k++) {
		if (d->file[k] == NULL)
			continue;
		vg_file_sniff_now(d->file[k]);
		check_sniff(d, cx, k);
		vg_file_end(cx, d->file[k]);
		d->file[k] = NULL;
	}
}

const struct vg_analyzer vg_ftp_data_analyzer = {
	.name = "ftp-data",
	.transports = VG_AN_TCP,
	.loaded_with = "ftp",
	.state_size = sizeof(struct vg_ftp_data),
	.init = data_init,
	.stream = data_stream,
	.gap = data_gap,
	.end = data_end,
};
