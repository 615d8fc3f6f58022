/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private glue between typedb.c and builtin.c; not part of libiodbg's API. */
#ifndef IODBG_TYPES_INTERNAL_H
#define IODBG_TYPES_INTERNAL_H

#include "iodbg/types.h"

/* builtin.c: creates u8..u64, s8..s64, uint8_t..int64_t, char and bool in db. */
struct iod_error *iod_typedb_register_builtins(struct iod_typedb *db);

/*
 * typedb.c: makes t the meaning of its bare name, ahead of anything loaded.
 * Built-ins are kept out of NAME#k numbering and out of iod_typedb_next.
 */
struct iod_error *iod_typedb_add_builtin(struct iod_typedb *db, struct iod_type *t);

#endif
