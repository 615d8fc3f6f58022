/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The built-in type names that exist before any DWARF is loaded (spec §4). */
#include <stdbool.h>
#include <stdint.h>

#include "iodbg/types.h"
#include "internal.h"

static const struct builtin {
	const char *name;
	uint8_t size;
	bool is_signed;
	enum iod_base_enc enc;
} builtins[] = {
	{ "u8", 1, false, IOD_ENC_INT },
	{ "u16", 2, false, IOD_ENC_INT },
	{ "u32", 4, false, IOD_ENC_INT },
	{ "u64", 8, false, IOD_ENC_INT },
	{ "s8", 1, true, IOD_ENC_INT },
	{ "s16", 2, true, IOD_ENC_INT },
	{ "s32", 4, true, IOD_ENC_INT },
	{ "s64", 8, true, IOD_ENC_INT },
	{ "uint8_t", 1, false, IOD_ENC_INT },
	{ "uint16_t", 2, false, IOD_ENC_INT },
	{ "uint32_t", 4, false, IOD_ENC_INT },
	{ "uint64_t", 8, false, IOD_ENC_INT },
	{ "int8_t", 1, true, IOD_ENC_INT },
	{ "int16_t", 2, true, IOD_ENC_INT },
	{ "int32_t", 4, true, IOD_ENC_INT },
	{ "int64_t", 8, true, IOD_ENC_INT },
	/* Plain char is signed on x86-64, the ABI the drivers we debug are built for. */
	{ "char", 1, true, IOD_ENC_CHAR },
	{ "bool", 1, false, IOD_ENC_BOOL },
};

struct iod_error *iod_typedb_register_builtins(struct iod_typedb *db)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		const struct builtin *b = &builtins[i];
		struct iod_error *err;
		struct iod_type *t;

		err = iod_type_create(db, IOD_TYPE_BASE, b->name, &t);
		if (err)
			return err;
		t->size = b->size;
		t->is_signed = b->is_signed;
		t->enc = b->enc;
		err = iod_typedb_add_builtin(db, t);
		if (err)
			return err;
	}
	return NULL;
}
