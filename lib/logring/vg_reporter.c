/* SPDX-License-Identifier: BSD-3-Clause */
#include "vg_record.h"
#include "vg_reporter.h"

/* Reporter::Info in scripts/base/frameworks/reporter/main.zeek. */
static const struct vg_field reporter_fields[] = {
	{"ts", VG_FT_TIME, VG_FEAT_BASE},
	{"level", VG_FT_ENUM, VG_FEAT_BASE},
	{"message", VG_FT_STRING, VG_FEAT_BASE},
	{"location", VG_FT_STRING, VG_FEAT_BASE},
};

struct vg_schema vg_reporter_schema = {
	0, "reporter", sizeof(reporter_fields) / sizeof(reporter_fields[0]), reporter_fields};

uint32_t
vg_reporter_record(uint8_t *buf, uint32_t cap, uint64_t ts_ns, enum vg_reporter_level level,
	const char *message, const char *location)
{
	static const char *const names[] = {
		"Reporter::INFO", "Reporter::WARNING", "Reporter::ERROR"};
	struct vg_rec r;

	vg_rec_begin(&r, buf, cap, vg_schema_get(vg_reporter_schema.id));
	vg_rec_time(&r, ts_ns);
	vg_rec_cstr(&r, names[level <= VG_REPORTER_ERROR ? level : VG_REPORTER_ERROR]);
	vg_rec_cstr(&r, message);
	if (location != NULL)
		vg_rec_cstr(&r, location);
	else
		vg_rec_unset(&r);
	return vg_rec_end(&r);
}
