/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Values and layouts as text and as JSON (spec §8). */
#ifndef IODBG_FORMAT_H
#define IODBG_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

#include "iodbg/io.h"
#include "iodbg/strbuf.h"
#include "iodbg/types.h"

struct iod_format_opts {
	char fmt;        /* 0: natural; or 'x' 'd' 'u' 'o' 't' 'c' (print/FMT) */
	int radix;       /* 16 (default) or 10: how unsigned values print naturally */
};

/*
 * One scalar or bitfield value: the raw bits of view v (as iod_read_scalar
 * returns them) formatted per spec §8: unsigned and pointers in hex, signed
 * in decimal, enums "NAME (value)", flags enums "A|B", bool true/false,
 * char as gdb does (65 'A'); with fmt as print/FMT does.
 */
void iod_format_scalar(struct iod_strbuf *out, const struct iod_view *v, uint64_t raw,
		       const struct iod_format_opts *o);

/* "PATH = VALUE\n" for any value read with iod_read (aggregates as
   indented blocks). */
void iod_format_text(struct iod_strbuf *out, const char *path, const struct iod_value *val,
		     const struct iod_format_opts *o);
/* The same for a scalar read with iod_read_scalar (the fast path). */
void iod_format_scalar_text(struct iod_strbuf *out, const char *path, const struct iod_view *v,
			    uint64_t raw, const struct iod_format_opts *o);

/* One JSON document + "\n" (spec §8 "print scalar", "bitfield", "enum",
   "bool", "aggregate"). */
void iod_format_json(struct iod_strbuf *out, const char *path, const struct iod_value *val);
void iod_format_scalar_json(struct iod_strbuf *out, const char *path, const struct iod_view *v,
			    uint64_t raw);

/* Only the value part of those documents (what follows "value":), for
   watch's {"path":...,"value":...,"t_us":...}. */
void iod_format_json_value(struct iod_strbuf *out, const struct iod_value *val);
void iod_format_scalar_json_value(struct iod_strbuf *out, const struct iod_view *v, uint64_t raw);

/* Layouts, pahole-style text and spec §8 "ptype" JSON (+ "\n"). */
struct iod_error *iod_format_layout_text(struct iod_strbuf *out, const struct iod_type *t);
struct iod_error *iod_format_layout_json(struct iod_strbuf *out, const struct iod_type *t);

/* JSON helpers. */
/* A quoted JSON string of text, escaped as JSON.stringify does: valid UTF-8
   passes, \" \\ \b \f \n \r \t, other control characters and bytes that
   are not valid UTF-8 become \u00NN. */
void iod_json_string(struct iod_strbuf *out, const char *s, size_t len);
/* A quoted JSON string of a char array's bytes (spec §8): every byte outside
   0x20..0x7e becomes \u00NN. */
void iod_json_bytes(struct iod_strbuf *out, const char *s, size_t len);
/* The type string of t as a JSON string. */
void iod_json_type(struct iod_strbuf *out, const struct iod_type *t);

#endif
