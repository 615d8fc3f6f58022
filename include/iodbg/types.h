/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The type model (C and Rust layouts as DWARF describes them) and the type database. */
#ifndef IODBG_TYPES_H
#define IODBG_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iodbg/error.h"

enum iod_type_kind {
	IOD_TYPE_BASE,     /* integer, bool, char, float */
	IOD_TYPE_ENUM,
	IOD_TYPE_STRUCT,
	IOD_TYPE_UNION,
	IOD_TYPE_ARRAY,    /* one dimension; T[2][3] is an array of 2 arrays of 3 T */
	IOD_TYPE_TYPEDEF,
	IOD_TYPE_POINTER,  /* read as an unsigned integer of its size */
	IOD_TYPE_QUAL,     /* const and/or volatile around target */
	IOD_TYPE_VOID,     /* only as a pointer target or typedef target */
};

enum iod_base_enc {
	IOD_ENC_INT,
	IOD_ENC_BOOL,
	IOD_ENC_CHAR,      /* char, signed char, unsigned char, Rust char */
	IOD_ENC_FLOAT,
};

enum iod_lang { IOD_LANG_C, IOD_LANG_RUST };

#define IOD_Q_CONST    1u
#define IOD_Q_VOLATILE 2u

struct iod_type;

struct iod_member {
	const char *name;              /* NULL for an anonymous struct/union member */
	const struct iod_type *type;
	uint64_t bit_offset;           /* from the start of the enclosing type, as
	                                  DW_AT_data_bit_offset counts */
	uint32_t bit_size;             /* 0 unless a bitfield */
};

struct iod_enumerator {
	const char *name;
	uint64_t value;                /* two's complement bits; signedness is the enum's */
};

struct iod_type {
	enum iod_type_kind kind;
	const char *name;              /* without struct/union/enum; Rust: full path;
	                                  NULL when anonymous */
	uint64_t size;                 /* bytes; a flexible array has size 0 */
	uint32_t align;                /* DW_AT_alignment, 0 when not given */
	enum iod_lang lang;
	bool is_signed;                /* base and enum */
	bool declaration;              /* incomplete: no layout known */
	enum iod_base_enc enc;         /* base */
	unsigned quals;                /* qual: IOD_Q_* */
	const struct iod_type *target; /* typedef, qual, pointer (NULL = void), array
	                                  element, enum underlying type (may be NULL) */
	uint64_t count;                /* array: number of elements */
	bool flexible;                 /* array: no bound, or zero length */
	struct iod_member *members;    /* struct, union */
	size_t nmembers;
	struct iod_enumerator *enumerators;
	size_t nenumerators;
	const char *cu;                /* compilation unit (or file) that defined it */
	unsigned dup_index;            /* k of NAME#k when the name has several layouts */
	bool ambiguous;                /* the name has several distinct layouts */
};

struct iod_typedb;

/*
 * A type source materialises types on demand: when a lookup of NAME (as
 * written, without keyword, #k or [N]) misses or may have more layouts, the
 * database asks each source once to add every definition it has of that name.
 * NAME may be a Rust path's last segment ("GspMem"): add every type whose full
 * path ends in it.
 */
struct iod_type_source_ops {
	struct iod_error *(*find)(void *ctx, struct iod_typedb *db, const char *name);
	/* Optional: adds every enum that has an enumerator called name, a named
	   one as find would, an anonymous one with iod_typedb_add_enumerators.
	   Asked once per name, by the first iod_typedb_find_enumerator of it. */
	struct iod_error *(*find_enumerator)(void *ctx, struct iod_typedb *db, const char *name);
	/* Optional, for listings: calls cb with every name find would know
	   (Rust: full paths); stops at the first error cb returns. */
	struct iod_error *(*names)(void *ctx,
				   struct iod_error *(*cb)(void *cbctx, const char *name),
				   void *cbctx);
	void (*close)(void *ctx);
};

struct iod_error *iod_typedb_new(struct iod_typedb **ret);
void iod_typedb_free(struct iod_typedb *db);
/* The database owns ctx from now on and calls ops->close at free. */
struct iod_error *iod_typedb_add_source(struct iod_typedb *db,
					const struct iod_type_source_ops *ops, void *ctx);

/* Builders. Strings are copied; types live as long as the database. */
struct iod_error *iod_type_create(struct iod_typedb *db, enum iod_type_kind kind,
				  const char *name, struct iod_type **ret);
struct iod_error *iod_type_add_member(struct iod_typedb *db, struct iod_type *t,
				      const char *name, const struct iod_type *type,
				      uint64_t bit_offset, uint32_t bit_size);
struct iod_error *iod_type_add_enumerator(struct iod_typedb *db, struct iod_type *t,
					  const char *name, uint64_t value);
/* Interns a string in the database's arena (for cu names and the like). */
const char *iod_typedb_strdup(struct iod_typedb *db, const char *s);

/*
 * Registers a complete named type (struct, union, enum, typedef, base) for
 * lookup. A definition identical to one already registered under the same
 * kind and name is merged: *ret is the earlier one. Otherwise both are kept,
 * numbered NAME#0, NAME#1 in registration order, and the bare name becomes
 * ambiguous. A declaration never shadows a definition: adding one returns the
 * definition when there is exactly one, else the first declaration of the name.
 */
struct iod_error *iod_typedb_add(struct iod_typedb *db, struct iod_type *t,
				 const struct iod_type **ret);

/*
 * Lookup of a type name as users write it: "struct X", "union X", "enum X",
 * a typedef or base name, a Rust path (full, or its last segment when that is
 * unique, with or without a keyword), each optionally followed by "#k" and
 * then any number of "[N]". Built-in names (u8..u64, s8..s64, uint8_t..int64_t,
 * char, bool) always mean the built-in. An ambiguous name is an error listing
 * the candidates with their sizes and compilation units. A stored name is
 * matched whole before its tail is read as #k or [N] (Rust's "[u8; 4]"); "[]"
 * gives a flexible array.
 */
struct iod_error *iod_typedb_lookup(struct iod_typedb *db, const char *name,
				    const struct iod_type **ret);
/* The array type "elem[count]" (count 0 and flexible: "elem[]"). */
struct iod_error *iod_typedb_array_of(struct iod_typedb *db, const struct iod_type *elem,
				      uint64_t count, bool flexible, const struct iod_type **ret);

/* Materialises, from every source, each type whose name (or, for a Rust
   path, last segment) matches the fnmatch(3) pattern glob (NULL: all), so
   that iod_typedb_next lists them. */
struct iod_error *iod_typedb_materialise(struct iod_typedb *db, const char *glob);

/*
 * The enumerator called name, as an expression means it. The sources are
 * asked once per name (find_enumerator); then every enum the database
 * knows is searched: registered ones, those reachable from a registered
 * type through members, typedefs and arrays (anonymous enums of members),
 * and those given to iod_typedb_add_enumerators. *enum_type is the first
 * enum that has it and *value its value in that enum's width and
 * signedness. When no enum has it, *enum_type is NULL and that is no
 * error. Enums that give it different values make it ambiguous: an
 * IOD_ERR_LOOKUP error listing each value with the first enum that has it.
 */
struct iod_error *iod_typedb_find_enumerator(struct iod_typedb *db, const char *name,
					     const struct iod_type **enum_type, int64_t *value);
/* Makes the enumerators of enum t (one of db's types, registered or not,
   named or not) found by iod_typedb_find_enumerator. */
struct iod_error *iod_typedb_add_enumerators(struct iod_typedb *db, const struct iod_type *t);

/* Registered named types in registration order; *iter starts at 0. NULL at the end.
   Built-ins are not listed, nor a declaration once its name has a definition. */
const struct iod_type *iod_typedb_next(struct iod_typedb *db, size_t *iter);

/* The last segment of a Rust path ("Coherent<a::B>" in "k::dma::Coherent<a::B>"):
   the text after the last "::" outside <>, () and []; NULL when there is none. */
const char *iod_rust_last_segment(const char *name, size_t len);

/* Helpers over the model. */
const struct iod_type *iod_type_strip(const struct iod_type *t);     /* typedefs, quals */
const struct iod_type *iod_type_strip_cv(const struct iod_type *t);  /* quals only */
bool iod_type_is_scalar(const struct iod_type *t);  /* base, enum, pointer (after strip) */
bool iod_type_is_signed(const struct iod_type *t);
bool iod_type_is_aggregate(const struct iod_type *t);
/* The keyword a type string puts before the name: "struct", "union" or "enum"
   for C tags, "" otherwise (Rust types, typedefs, base types). NAME#k is not
   part of any type string; listings add it from dup_index and ambiguous. */
const char *iod_type_keyword(const struct iod_type *t);
/*
 * The type string of spec §8: declared name (typedefs kept), "struct X",
 * "T[N][M]", "T *", "const volatile T", Rust full paths, "struct {...}" for an
 * anonymous aggregate. Writes at most size bytes (NUL included); returns the
 * length it wanted, like snprintf.
 */
size_t iod_type_name(const struct iod_type *t, char *buf, size_t size);
/* Alignment for layouts: DW_AT_alignment, else the largest member/element
   alignment, or 1 when a member is misaligned or the size is not a multiple. */
uint32_t iod_type_align(const struct iod_type *t);
/* A flags enum: >= 2 enumerators, each zero or a distinct power of two. */
bool iod_type_enum_is_flags(const struct iod_type *t);
const struct iod_enumerator *iod_type_enum_find_value(const struct iod_type *t, uint64_t v);
/* An enumerator's bits as a number: cut to the enum's width, and sign-extended
   from it when the enum is signed (an enum of 8 bytes or no size: all 64 bits). */
int64_t iod_type_enum_value(const struct iod_type *t, uint64_t bits);

/*
 * Finds a named member, descending into anonymous struct/union members.
 * *bit_offset is from the start of t (t stripped of typedefs and quals).
 */
struct iod_error *iod_type_find_member(const struct iod_type *t, const char *name,
				       const struct iod_member **member, uint64_t *bit_offset);

/* The two layouts agree in kind, size, and members (names, offsets, sizes,
   bit offsets, bit sizes, type names) or enumerators. */
bool iod_type_same_layout(const struct iod_type *a, const struct iod_type *b);

#endif
