/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading types from ELF files with DWARF (C and Rust), lazily, with a persistent cache. */
#ifndef IODBG_DWARF_H
#define IODBG_DWARF_H

#include <stdbool.h>

#include "iodbg/error.h"
#include "iodbg/types.h"

struct iod_dwarf_options {
	/* Where the index cache lives. NULL: $XDG_CACHE_HOME/iodbg, else
	   ~/.cache/iodbg. "": no cache. */
	const char *cache_dir;
	/* Informational lines ("types from X (debug file of Y)", "cache ...");
	   may be NULL. */
	void (*note)(void *ctx, const char *msg);
	void *ctx;
};

/*
 * Makes the types of the ELF file at path available in db: builds (or reads
 * from the cache) an index of its type names and registers a type source that
 * materialises a type when it is looked up. A stripped file is followed to
 * its separate debug file (.gnu_debuglink, build-id); *ret_read (malloc'd,
 * may be NULL) is the file really read. A file without DWARF, or whose debug
 * file cannot be found, is an error that says so.
 */
struct iod_error *iod_dwarf_load(struct iod_typedb *db, const char *path,
				 const struct iod_dwarf_options *opts, char **ret_read);

/*
 * The stock type library and profiles: finds relpath ("pci.o",
 * "profiles/10de-2684.iodbg") in $IODBG_TYPEDB, $XDG_DATA_HOME/iodbg/typedb
 * (~/.local/share/iodbg/typedb), <bindir>/../share/iodbg/typedb of the
 * running executable, and the build tree when the binary runs from it.
 * *ret is malloc'd.
 */
struct iod_error *iod_typedb_find_file(const char *relpath, char **ret);

/*
 * `load FILE|NAME` and `-t`: a NAME without '/' that is not an existing
 * file is looked up as NAME.o (or NAME, when it ends in .o) in the stock
 * library.
 */
struct iod_error *iod_load_types(struct iod_typedb *db, const char *file_or_name,
				 const struct iod_dwarf_options *opts, char **ret_read);

#endif
