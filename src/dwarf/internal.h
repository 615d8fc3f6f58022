/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private glue of the DWARF loader: the ELF target, the name index, its cache and the materialiser. */
#ifndef IODBG_DWARF_INTERNAL_H
#define IODBG_DWARF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "iodbg/dwarf.h"
#include "iodbg/error.h"
#include "iodbg/types.h"

/* --- elf.c: the file whose DWARF is read ----------------------------------- */

#define DW_BUILD_ID_MAX 64

/* What one ELF file says about itself. */
struct dw_elf {
	bool has_dwarf;                 /* .debug_info/.zdebug_info/.debug_types with data */
	bool big_endian;
	uint16_t machine;
	uint16_t type;                  /* ET_REL, ET_EXEC, ... */
	unsigned char build_id[DW_BUILD_ID_MAX];
	size_t build_id_len;
	char *debuglink;                /* .gnu_debuglink file name, or NULL */
	uint32_t debuglink_crc;
};

/* The file really read: the one given, or its separate debug file. */
struct dw_target {
	char *given;                    /* the path as given */
	char *path;                     /* canonical path of the file read */
	int fd;                         /* open on path */
	struct stat st;                 /* of path */
	struct dw_elf elf;              /* of path */
	const char *via;                /* NULL, "build-id" or ".gnu_debuglink" */
};

/*
 * Checks path (stat, ELF sanity, truncation) and finds the file to read:
 * the file itself when it has DWARF, else its separate debug file by
 * build-id or .gnu_debuglink. Every failure names the file and the reason.
 */
struct iod_error *dw_target_open(const char *path, struct dw_target *ret);
void dw_target_close(struct dw_target *t);

/* --- index.c: the name index ----------------------------------------------- */

enum dw_tag {                       /* what an index entry is */
	DW_IX_STRUCT = 1,
	DW_IX_UNION,
	DW_IX_ENUM,
	DW_IX_TYPEDEF,
	DW_IX_BASE,
};

#define DW_IX_F_DECL   0x1u         /* a declaration (DW_AT_declaration) */
#define DW_IX_F_SIG    0x2u         /* a declaration whose DW_AT_signature names a type unit */
#define DW_IX_F_TYPES  0x4u         /* in .debug_types (is_info false) */
#define DW_IX_F_RUST   0x8u         /* name is a Rust path */

enum dw_lang { DW_IX_LANG_C = 0, DW_IX_LANG_RUST = 1 };

/* A DIE: its section offset and whether it is in .debug_info. */
struct dw_ref {
	uint64_t off;
	bool is_info;
};

/* On-disk and in-memory layouts are one and the same (see index.c). */
struct dw_ix_cu {
	uint64_t hdr_off;               /* unit header offset in its section */
	uint64_t end_off;               /* one past the unit */
	uint64_t sig;                   /* type units: signature (little-endian bytes as u64) */
	uint64_t type_off;              /* type units: section offset of the type DIE */
	uint32_t name;                  /* string offset, UINT32_MAX when none */
	uint8_t lang;                   /* enum dw_lang */
	uint8_t is_info;
	uint8_t addr_size;
	uint8_t is_type_unit;
};

struct dw_ix_entry {
	uint64_t off;                   /* DIE offset in its section */
	uint32_t name;                  /* string offset of the (full) name */
	uint32_t cu_tag;                /* cu << 8 | flags << 4 | tag */
};

static inline unsigned dw_ix_tag(const struct dw_ix_entry *e) { return e->cu_tag & 0xf; }
static inline unsigned dw_ix_flags(const struct dw_ix_entry *e) { return (e->cu_tag >> 4) & 0xf; }
static inline uint32_t dw_ix_cu(const struct dw_ix_entry *e) { return e->cu_tag >> 8; }

/* The identity of the file an index describes (the cache key). */
struct dw_key {
	const char *path;
	uint64_t size;
	int64_t mtime_sec, mtime_nsec;
	const unsigned char *build_id;
	size_t build_id_len;
};

struct dw_index;

/* Building: units and entries in file order, then dw_index_finish. */
struct dw_ixb;
struct iod_error *dw_ixb_new(struct dw_ixb **ret);
void dw_ixb_free(struct dw_ixb *b);
/* Returns the unit's number. name may be NULL. */
struct iod_error *dw_ixb_add_cu(struct dw_ixb *b, const struct dw_ix_cu *cu, const char *name,
				uint32_t *ret);
/* *ret_name (may be NULL) receives the name's number, for dw_ixb_add_enum. */
struct iod_error *dw_ixb_add_entry(struct dw_ixb *b, uint32_t cu, uint64_t off,
				   unsigned tag, unsigned flags, const char *name, size_t len,
				   uint32_t *ret_name);
/* One enumerator as the scan reads it. */
struct dw_ixb_enumerator {
	const char *name;
	uint64_t value;                 /* the bits as read */
	bool is_signed;                 /* read from a signed form */
};
/*
 * Files the n enumerators of the enum whose DIE is at off. enum_name is the
 * enum's name number (from dw_ixb_add_entry), UINT32_MAX for an anonymous
 * enum, whose enumerators are told apart by value. One record is kept per
 * enumerator name and enum name, or, for anonymous enums, per enumerator
 * name and value: the copies of a header's enum in every unit add nothing,
 * and an exact copy of an enum already filed costs one probe.
 */
struct iod_error *dw_ixb_add_enum(struct dw_ixb *b, uint32_t cu, uint64_t off, unsigned flags,
				  uint32_t enum_name, const struct dw_ixb_enumerator *v, size_t n);
/* Appends every unit and entry of part (built over a later stretch of the file). */
struct iod_error *dw_ixb_append(struct dw_ixb *b, struct dw_ixb *part);
size_t dw_ixb_ncus(const struct dw_ixb *b);
/* Index-wide facts kept with it in the cache. */
#define DW_IX_HF_RELOCS_SORTED 0x1u     /* .debug_info's relocations are in offset order */
struct iod_error *dw_index_finish(struct dw_ixb *b, const struct dw_key *key, unsigned flags,
				  struct dw_index **ret);
unsigned dw_index_flags(const struct dw_index *ix);
/* Identifies the index's content (for files that refer to its entries). */
uint64_t dw_index_checksum(const struct dw_index *ix);
/* The hash the cache files are checked with. */
uint64_t dw_checksum(const void *data, size_t n);

/* Adopts a buffer read from a cache file after checking every field and bound. */
struct iod_error *dw_index_from_buffer(void *buf, size_t size, bool mapped,
				       const struct dw_key *key, struct dw_index **ret);
void dw_index_free(struct dw_index *ix);
const void *dw_index_data(const struct dw_index *ix, size_t *size);

size_t dw_index_ncus(const struct dw_index *ix);
size_t dw_index_nentries(const struct dw_index *ix);
const struct dw_ix_cu *dw_index_cu(const struct dw_index *ix, uint32_t i);
const struct dw_ix_entry *dw_index_entry(const struct dw_index *ix, uint32_t i);
const char *dw_index_str(const struct dw_index *ix, uint32_t off);
/* The entries filed under name (a full name, or a Rust path's last segment), in file order. */
const uint32_t *dw_index_lookup(const struct dw_index *ix, const char *name, size_t *n);
/*
 * The enums that define an enumerator called name: records (tag DW_IX_ENUM)
 * whose off is the enum's DIE and whose name is the enumerator's, in file
 * order; NULL when none does. A named enum appears once per enumerator (its
 * name finds every copy); an anonymous one once per distinct value.
 */
const struct dw_ix_entry *dw_index_enumerators(const struct dw_index *ix, const char *name,
					       size_t *n);
/* The entry of a DIE, or NULL when it is not indexed. */
const struct dw_ix_entry *dw_index_entry_at(const struct dw_index *ix, struct dw_ref ref);
/* The unit holding a DIE, or NULL. */
const struct dw_ix_cu *dw_index_cu_at(const struct dw_index *ix, struct dw_ref ref);
/* The type unit with that signature, or NULL. */
const struct dw_ix_cu *dw_index_type_unit(const struct dw_index *ix, uint64_t sig);
/* Calls cb with every full name, each once. */
struct iod_error *dw_index_names(const struct dw_index *ix,
				 struct iod_error *(*cb)(void *cbctx, const char *name),
				 void *cbctx);

/* --- die.c: libdwarf over an image (die.h has the DIE reader) --------------- */

struct dw_image;
struct dw_dbg;
/*
 * Called before a DIE is read, to relocate its unit when that has not been
 * done; with heads, also the header and unit DIE of every unit before it
 * (libdwarf reads those when it is shown the whole section).
 */
typedef struct iod_error *(*dw_prepare_fn)(void *ctx, struct dw_ref ref, bool heads);
/*
 * libdwarf over img. With ix, a DIE is read through a handle that shows
 * libdwarf its unit alone (see die.c); without, through the whole file.
 */
struct iod_error *dw_dbg_open(struct dw_image *img, const struct dw_index *ix,
			      dw_prepare_fn prepare, void *ctx, struct dw_dbg **ret);
void dw_dbg_close(struct dw_dbg *d);

/* --- cache.c: the persistent index cache ----------------------------------- */

typedef void (*dw_note_fn)(void *ctx, const char *msg);

/* The cache directory for opts (malloc'd), or NULL when caching is off. */
char *dw_cache_dir(const struct iod_dwarf_options *opts);
/* The index cached for key, or NULL (with a note saying why when a file was there). */
struct dw_index *dw_cache_read(const char *dir, const struct dw_key *key,
			       dw_note_fn note, void *ctx);
/* Writes atomically; failures become notes, never errors. */
void dw_cache_write(const char *dir, const struct dw_key *key, const struct dw_index *ix,
		    dw_note_fn note, void *ctx);

/*
 * Beside each index, what earlier lookups learnt: for a name, which of its
 * entries are the distinct layouts (one per fingerprint), so a later run
 * materialises those without comparing every unit's copy again. Tied to
 * one index by its checksum; dir NULL keeps it in memory only.
 */
struct dw_found;
struct iod_error *dw_found_open(const char *dir, const struct dw_key *key,
				const struct dw_index *ix, dw_note_fn note, void *ctx,
				struct dw_found **ret);
/* The representatives of name, or NULL when no lookup recorded it. */
const uint32_t *dw_found_get(const struct dw_found *f, const char *name, size_t *n);
struct iod_error *dw_found_put(struct dw_found *f, const char *name, const uint32_t *reps,
			       size_t n);
/* Writes what was added (atomically) and frees. */
void dw_found_close(struct dw_found *f);

/* --- materialise.c: DIEs to iod types --------------------------------------- */

struct dw_mat;
struct dw_mat_config {
	struct dw_dbg *d;               /* libdwarf materialises */
	const struct dw_image *img;     /* the reader fingerprints */
	const struct dw_index *ix;
	dw_prepare_fn prepare;          /* called before any DIE is read, from any thread */
	void *prepare_ctx;
	struct dw_found *found;         /* what earlier lookups learnt; may be NULL */
	const char *file;               /* basename of the file read */
	bool big_endian;                /* DWARF 2/3 bit offsets count from the MSB */
};
struct iod_error *dw_mat_new(const struct dw_mat_config *cfg, struct dw_mat **ret);
void dw_mat_free(struct dw_mat *m);
/* Registers in db every definition (else one declaration) filed under name. */
struct iod_error *dw_mat_find(struct dw_mat *m, struct iod_typedb *db, const char *name);
/*
 * Makes every enum that defines an enumerator called name known to db: a
 * named one by registering its name (as dw_mat_find), an anonymous one
 * through iod_typedb_add_enumerators.
 */
struct iod_error *dw_mat_find_enumerator(struct dw_mat *m, struct iod_typedb *db,
					 const char *name);

#endif
