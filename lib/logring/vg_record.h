/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Binary log records. A record is built field by field in schema order and
 * read back the same way; its layout comes from the schema alone:
 *
 *   0        4        6        8                     8+8*W
 *   +--------+--------+--------+---------------------+------------------+
 *   | length | log id | nfields| unset bitmap (W u64) | fields, in order |
 *   +--------+--------+--------+---------------------+------------------+
 *
 * length counts the whole record, padded to 8 bytes. A field whose bit is set
 * in the bitmap is unset ('-') and takes no bytes. Field encodings
 * (little-endian, unaligned):
 *   time, interval, int        int64, nanoseconds for time/interval
 *   count                      uint64
 *   port                       uint16
 *   bool                       uint8 (0 or 1)
 *   double                     IEEE 754 binary64
 *   addr                       16 bytes, IPv4 as ::ffff:a.b.c.d
 *   string, enum               uint16 length, then the bytes
 *   set/vector[string]         uint16 count, then each as a string
 *   vector[interval]           uint16 count, then each as int64 nanoseconds
 * The length word is written last by the ring (see vg_logring.h).
 */
#ifndef VG_RECORD_H
#define VG_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_common.h"
#include "vg_schema.h"

#define VG_REC_HDR_LEN    8
#define VG_REC_MAX_FIELDS 64 /* one bitmap word */
#define VG_REC_MAX_LEN    65536

/* A record under construction. */
struct vg_rec {
	uint8_t *buf;
	uint32_t cap;
	uint32_t off;
	uint16_t field; /* next field index */
	uint8_t overflow;
	uint8_t in_set; /* items left in the set being written */
	const struct vg_schema *schema;
};

void vg_rec_begin(struct vg_rec *r, uint8_t *buf, uint32_t cap, const struct vg_schema *s);
void vg_rec_unset(struct vg_rec *r);
void vg_rec_time(struct vg_rec *r, uint64_t ns);
void vg_rec_interval(struct vg_rec *r, int64_t ns);
void vg_rec_count(struct vg_rec *r, uint64_t v);
void vg_rec_int(struct vg_rec *r, int64_t v);
void vg_rec_port(struct vg_rec *r, uint16_t port);
void vg_rec_bool(struct vg_rec *r, bool v);
void vg_rec_double(struct vg_rec *r, double v);
void vg_rec_addr(struct vg_rec *r, const struct vg_addr *a);
void vg_rec_str(struct vg_rec *r, const char *s, uint32_t len);
void vg_rec_cstr(struct vg_rec *r, const char *s);
/* A set or vector of strings: the count, then that many vg_rec_str calls. */
void vg_rec_set_begin(struct vg_rec *r, uint16_t n);
/* A vector of intervals (nanoseconds), written whole. */
void vg_rec_interval_vec(struct vg_rec *r, const int64_t *ns, uint16_t n);
/* Finishes the record; returns its padded length, or 0 when it did not fit. */
uint32_t vg_rec_end(struct vg_rec *r);

/* A decoded field value (pointers into the record). */
struct vg_rec_value {
	bool unset;
	union {
		int64_t i;
		uint64_t u;
		double d;
		bool b;
		uint16_t port;
		struct vg_addr addr;
		struct {
			const uint8_t *p;
			uint16_t len;
		} str;
		struct {
			const uint8_t
				*p; /* the first item's length word (intervals: the first item) */
			uint16_t n;
		} set;
	} v;
};

/* Walks a record's fields in order. */
struct vg_rec_reader {
	const uint8_t *rec;
	uint32_t len;
	uint32_t off;
	uint16_t field;
	uint16_t nfields;
	uint64_t unset_bits;
	const struct vg_schema *schema;
};

/* Starts reading; -1 when the record is malformed or of an unknown log. */
int vg_rec_read_begin(struct vg_rec_reader *rd, const uint8_t *rec, uint32_t len);
/* Reads the next field; -1 past the end or on a malformed record. */
int vg_rec_read_next(struct vg_rec_reader *rd, struct vg_rec_value *val);
/* Item i of a vector[interval] value, in nanoseconds. */
int64_t vg_rec_interval_item(const struct vg_rec_value *vec, uint16_t i);
/* Reads item i of a set value (walks from the start). */
int vg_rec_set_item(const struct vg_rec_value *set, const uint8_t *end, uint16_t i,
	const uint8_t **p, uint16_t *len);

static inline uint16_t
vg_rec_log_id(const uint8_t *rec)
{
	return (uint16_t)(rec[4] | rec[5] << 8);
}

#endif /* VG_RECORD_H */
