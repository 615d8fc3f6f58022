/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Dumps every struct, union and enum iodbg loads from ELF files, one fact per line, for compare_layouts.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iodbg/dwarf.h"
#include "iodbg/types.h"

/*
 * Output, tab-separated:
 *   T  KIND  NAME  K  SIZE  CU      a named struct/union (K: its NAME#k, or -)
 *   M  PATH  OFFSET  SIZE  BITPOS  BITSIZE  TYPE
 *                                   a member; anonymous aggregates are expanded
 *                                   in place as pahole does, PATH joins names with
 *                                   '.' (an anonymous one is empty), offsets and bit
 *                                   positions count from the start of the outer type
 *   E  KIND  NAME  K  SIZE  SIGNED  an enum, then
 *   V  NAME  VALUE                  its enumerators (VALUE signed when the enum is)
 * With --type NAME (repeatable, up to 64), only those types are looked up
 * and dumped, as a lookup would find them (no listing of the whole file); a
 * failed lookup prints "X  NAME  MESSAGE" and makes the exit status 1.
 * Errors go to stderr and make the exit status 1.
 */

static void note(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "note: %s\n", msg);
}

static uint64_t size_of(const struct iod_type *t)
{
	t = iod_type_strip(t);
	return t ? t->size : 0;
}

static void dump_type(const struct iod_type *t);

static void members(const struct iod_type *t, const char *prefix, uint64_t base)
{
	for (size_t i = 0; i < t->nmembers; i++) {
		const struct iod_member *m = &t->members[i];
		const struct iod_type *mt = iod_type_strip_cv(m->type);
		uint64_t bits = base + m->bit_offset;
		char path[1024], tn[512];

		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "",
			 m->name ? m->name : "");
		iod_type_name(m->type, tn, sizeof(tn));
		printf("M\t%s\t%llu\t%llu\t%llu\t%u\t%s\n", path, (unsigned long long)(bits / 8),
		       (unsigned long long)size_of(m->type), (unsigned long long)bits, m->bit_size, tn);
		/*
		 * pahole prints the members of an unnamed struct or union type in
		 * place, for an array of them those of the first element.
		 */
		while (mt && mt->kind == IOD_TYPE_ARRAY)
			mt = iod_type_strip_cv(mt->target);
		if (mt && !mt->name && (mt->kind == IOD_TYPE_STRUCT || mt->kind == IOD_TYPE_UNION))
			members(mt, path, bits);
	}
}

static void dump_type(const struct iod_type *t)
{
	char k[32];

	snprintf(k, sizeof(k), "%u", t->dup_index);
	if (!t->ambiguous)
		strcpy(k, "-");
	if (t->kind == IOD_TYPE_STRUCT || t->kind == IOD_TYPE_UNION) {
		printf("T\t%s\t%s\t%s\t%llu\t%s\n", t->kind == IOD_TYPE_STRUCT ? "struct" : "union",
		       t->name, k, (unsigned long long)t->size, t->cu ? t->cu : "");
		members(t, "", 0);
	} else if (t->kind == IOD_TYPE_ENUM) {
		printf("E\tenum\t%s\t%s\t%llu\t%d\n", t->name, k, (unsigned long long)t->size,
		       t->is_signed);
		for (size_t i = 0; i < t->nenumerators; i++) {
			const struct iod_enumerator *e = &t->enumerators[i];

			if (t->is_signed)
				printf("V\t%s\t%lld\n", e->name, (long long)e->value);
			else
				printf("V\t%s\t%llu\n", e->name, (unsigned long long)e->value);
		}
	}
}

int main(int argc, char **argv)
{
	struct iod_dwarf_options opts = { .cache_dir = NULL, .note = note };
	struct iod_typedb *db = NULL;
	const struct iod_type *t;
	struct iod_error *err;
	size_t iter = 0;
	int argi = 1, status = 0;

	const char *types[64];
	size_t ntypes = 0;

	while (argi + 1 < argc && argv[argi][0] == '-' && argv[argi][1] == '-') {
		if (!strcmp(argv[argi], "--cache-dir"))
			opts.cache_dir = argv[argi + 1];
		else if (!strcmp(argv[argi], "--type") && ntypes < 64)
			types[ntypes++] = argv[argi + 1];
		else
			break;
		argi += 2;
	}
	if (argi >= argc) {
		fprintf(stderr, "usage: %s [--cache-dir DIR] [--type NAME]... FILE...\n", argv[0]);
		return 2;
	}
	err = iod_typedb_new(&db);
	for (; !err && argi < argc; argi++) {
		char *read = NULL;

		err = iod_load_types(db, argv[argi], &opts, &read);
		if (!err)
			fprintf(stderr, "read: %s\n", read);
		free(read);
	}
	for (size_t i = 0; !err && i < ntypes; i++) {
		struct iod_error *lerr = iod_typedb_lookup(db, types[i], &t);

		/* A failed lookup is reported in place, and the others still run. */
		if (lerr) {
			printf("X\t%s\t%s\n", types[i], lerr->message);
			iod_error_free(lerr);
			status = 1;
			continue;
		}
		dump_type(iod_type_strip(t));
	}
	if (!err && !ntypes)
		err = iod_typedb_materialise(db, NULL);
	if (err) {
		fprintf(stderr, "error: %s\n", err->message);
		iod_error_free(err);
		iod_typedb_free(db);
		return 1;
	}
	while (!ntypes && (t = iod_typedb_next(db, &iter)))
		if (!t->declaration)
			dump_type(t);
	iod_typedb_free(db);
	return status;
}
