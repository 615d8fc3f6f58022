/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private glue of the formatters (text.c, json.c, layout.c); not part of libiodbg's API. */
#ifndef IODBG_FORMAT_INTERNAL_H
#define IODBG_FORMAT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iodbg/format.h"

/* One scalar or bitfield value, decoded once for every way of printing it. */
struct iod_fmt_scalar {
	const struct iod_type *t;   /* the view's type without typedefs and quals */
	unsigned width;             /* bits of the declared type (1..64): what /x shows */
	bool is_signed;
	uint64_t bits;              /* the value in width bits, two's complement */
	int64_t s;                  /* the value as a number when signed */
};

void iod_fmt_scalar_decode(const struct iod_view *v, uint64_t raw, struct iod_fmt_scalar *ret);

/* A base type spelled exactly "char", after const/volatile but not through a typedef. */
bool iod_fmt_is_char(const struct iod_type *t);
/* An array (possibly behind typedefs) of 1-byte such chars: printed as a string. */
bool iod_fmt_is_char_array(const struct iod_type *t);
/* The bytes of a char array up to the first NUL. */
size_t iod_fmt_strnlen(const uint8_t *p, size_t n);

/* The view of member m inside the struct or union view v; a bitfield gets its
   storage unit (spec §6), counted from v's root as iod_view_field does. */
struct iod_error *iod_fmt_member_view(const struct iod_view *v, const struct iod_member *m,
				      struct iod_view *ret);
/* Elements of the array view sub that lie inside val (a flexible array member
   of a struct has none: the struct's read does not cover it). */
uint64_t iod_fmt_array_count(const struct iod_value *val, const struct iod_view *sub);
/* A member whose fields print as fields of its parent: an anonymous struct or union. */
bool iod_fmt_is_anonymous(const struct iod_member *m);

/* "A|B|0x40" for a flags enum value that has at least one enumerator bit set;
   false (nothing written) otherwise. bits is the value in the enum's width;
   json: the names are escaped for the inside of a JSON string. */
bool iod_fmt_enum_flags(struct iod_strbuf *out, const struct iod_type *e, uint64_t bits,
			bool json);
/* The inside of a JSON string (no quotes) for text s (see iod_json_string). */
void iod_fmt_json_escape(struct iod_strbuf *out, const char *s, size_t len);

/* Shortest text that reads back as the same float (size 4) or double (size
   8), as %g writes it; "inf", "-inf", "nan", "-nan" for the others. Returns
   false when the value is not finite (JSON has no such numbers). */
bool iod_fmt_float(char *buf, size_t size, uint64_t raw, unsigned bytes);

/* The type string of t appended to out (spec §8). */
void iod_fmt_type_name(struct iod_strbuf *out, const struct iod_type *t);

#endif
