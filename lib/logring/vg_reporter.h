/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reporter.log, as Zeek's scripts/base/frameworks/reporter/main.zeek writes
 * it (Reporter::Info: ts, level, message, location &optional): the sensor's
 * own messages, such as changes made from the console.
 */
#ifndef VG_REPORTER_H
#define VG_REPORTER_H

#include <stdint.h>

#include "vg_schema.h"

/* Reporter::Level, written as Zeek writes the enum. */
enum vg_reporter_level { VG_REPORTER_INFO, VG_REPORTER_WARNING, VG_REPORTER_ERROR };

/* Registered with the analyzers' logs (vg_analyzers_register_logs). */
extern struct vg_schema vg_reporter_schema;

/* Builds a reporter.log record into buf; its length, 0 when it does not fit. */
uint32_t vg_reporter_record(uint8_t *buf, uint32_t cap, uint64_t ts_ns,
	enum vg_reporter_level level, const char *message, const char *location);

#endif /* VG_REPORTER_H */
