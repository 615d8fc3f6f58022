/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One DIE as the materialiser sees it, read through libdwarf (die.c). */
#ifndef IODBG_DWARF_DIE_H
#define IODBG_DWARF_DIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* The attributes the loader uses, decoded once per DIE. */
struct dw_die {
	struct dw_ref ref;
	unsigned tag;
	bool has_children;
	const char *name;               /* valid while the dw_dbg is open */
	bool declaration;
	bool artificial;
	bool enum_class;
	bool has_type;
	bool type_is_sig;               /* DW_FORM_ref_sig8: resolve type_sig */
	struct dw_ref type;
	uint64_t type_sig;
	bool has_signature;             /* DW_AT_signature of a declaration */
	uint64_t signature;
	bool has_byte_size;
	uint64_t byte_size;
	bool has_bit_size;
	uint64_t bit_size;
	bool has_data_bit_offset;
	uint64_t data_bit_offset;
	bool has_bit_offset;            /* DWARF 2/3, counted from the MSB; may be negative */
	int64_t bit_offset;
	enum { DW_LOC_NONE, DW_LOC_CONST, DW_LOC_OTHER } loc_kind;
	uint64_t loc;                   /* DW_AT_data_member_location, bytes */
	bool has_count, count_const;
	uint64_t count;
	bool has_upper, upper_const;
	int64_t upper;                  /* sign from the form: sdata -1 means "no elements" */
	bool has_lower;
	int64_t lower;
	bool has_const_value;
	bool const_sdata;               /* DW_FORM_sdata: value is signed */
	uint64_t const_value;
	bool has_encoding;
	unsigned encoding;
	bool has_alignment;
	uint64_t alignment;
	bool has_discr;
	struct dw_ref discr;
	bool has_language;
	unsigned language;
	bool window_ref_addr;           /* die.c's: read through a window, which cannot place a ref_addr */
};

struct dw_refs {
	struct dw_ref *v;
	size_t n, cap;
};

void dw_refs_release(struct dw_refs *r);

/* Reads the DIE at ref; children, when not NULL, receives its children's refs in order
   (and is left empty on an error). */
struct iod_error *dw_die_read(struct dw_dbg *d, struct dw_ref ref, struct dw_die *ret,
			      struct dw_refs *children);

#endif
