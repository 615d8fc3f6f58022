/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small DWARF 2-5 decoder over mapped sections (reader.c): the fast path of the index and of duplicate detection. */
#ifndef IODBG_DWARF_READER_H
#define IODBG_DWARF_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "internal.h"

struct rd_abbrev_attr {
	uint16_t at;
	uint16_t form;
	int64_t implicit;               /* DW_FORM_implicit_const */
};

struct rd_abbrev {
	uint32_t tag;                   /* 0: no such code */
	bool children;
	uint16_t nattrs;
	int32_t fixed;                  /* bytes of attributes when every form has a fixed size, else -1 */
	struct rd_abbrev_attr *attrs;
};

struct rd_abbrevs;

struct rd_unit {
	uint64_t off, end;              /* the unit, header included */
	uint64_t first_die;
	uint16_t version;
	uint8_t offset_size, addr_size, unit_type;
	bool is_info;
	uint64_t abbrev_off;
	uint64_t sig, type_off;         /* type units */
	uint64_t str_offsets_base;      /* DWARF 5 strx */
	const struct rd_abbrevs *ab;
};

enum rd_kind { RV_NONE, RV_UNSIGNED, RV_SIGNED, RV_STRING, RV_BLOCK, RV_REF, RV_SIG8, RV_OTHER };

struct rd_attr {
	uint16_t at, form;
	uint8_t kind;                   /* enum rd_kind */
	bool ref_is_info;
	uint64_t u;                     /* value; RV_REF: section offset; RV_SIG8: signature;
					   DW_FORM_strp: the string's offset */
	const char *s;                  /* RV_STRING */
	const unsigned char *block;     /* RV_BLOCK */
	uint64_t len;
};

#define RD_MAX_ATTRS 48

struct rd_die {
	uint64_t off;
	uint64_t next;                  /* just after the attributes: first child, or what follows */
	uint32_t tag;                   /* 0: a null entry (end of siblings) */
	bool children;
	uint16_t nattrs;
	struct rd_attr attrs[RD_MAX_ATTRS];
};

struct rd;

/* A reader over img's loaded .debug_info/.debug_types/.debug_abbrev/.debug_str/... */
struct iod_error *rd_new(const struct dw_image *img, struct rd **ret);
void rd_free(struct rd *r);

/* The unit whose header is at off (in .debug_info, or .debug_types when !is_info). */
struct iod_error *rd_unit(struct rd *r, bool is_info, uint64_t off, struct rd_unit *ret);
/* The DIE at off inside u. */
struct iod_error *rd_die(struct rd *r, const struct rd_unit *u, uint64_t off, struct rd_die *ret);
const struct rd_attr *rd_attr(const struct rd_die *d, unsigned at);
/* The tag of the DIE at off and the offset past it and its children, decoding little. */
struct iod_error *rd_next(struct rd *r, const struct rd_unit *u, uint64_t off, uint32_t *tag,
			  uint64_t *next);

/* The span of .debug_str strings were read from since the last call. */
void rd_str_range(struct rd *r, uint64_t *lo, uint64_t *hi);


/* Index scan of one unit: files its named types (and Rust namespaces) into b. */
struct iod_error *rd_scan_unit(struct rd *r, const struct rd_unit *u, struct dw_ixb *b);

/* The end of the first DIE of the unit at off: what libdwarf reads of every unit. */
struct iod_error *rd_unit_die_end(struct rd *r, bool is_info, uint64_t off, uint64_t *ret);

#endif
