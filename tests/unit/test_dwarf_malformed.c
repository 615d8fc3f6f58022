/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Regressions of the DWARF loader on malformed input that fuzz_dwarf found: each input hand-assembled here, at test time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iodbg/dwarf.h"
#include "iodbg/format.h"
#include "iodbg/strbuf.h"
#include "iodbg/types.h"

/*
 * Each case is the smallest DWARF that reached the fault, written as
 * assembly (gcc -c turns it into an object with the relocations a compiler
 * would leave), plus a patch of a section header or of a few bytes where
 * assembly cannot say it, so that it says what is wrong with it. The faults
 * showed in fuzz_dwarf's clang build (ASan, UBSan); a leak, an overflow or
 * a NULL access shows here too under make check SANITIZE=1 and make
 * valgrind, while a pointer formed out of bounds and never read is only
 * clang's to see. Every case checks what the loader answers: an error that
 * says what is wrong, or the types it could read.
 */

static char tmp[PATH_MAX];

static const char *tmpdir(void)
{
	if (!tmp[0]) {
		const char *t = getenv("TMPDIR");

		snprintf(tmp, sizeof(tmp), "%s/malformed", t && *t ? t : "/tmp");
		mkdir(tmp, 0700);
	}
	return tmp;
}

/*
 * An abbreviation table for the cases: 1 unit, 2 struct, 3 member with a
 * sibling, 4 base type, 5 enum with a sibling, 6 enumerator, 7 enum with an
 * underlying type and no size, 8 typedef without a type (of void).
 */
static const char abbrevs[] =
	"	.section .debug_abbrev,\"\",@progbits\n"
	".Labbrev:\n"
	"	.uleb128 1, 0x11\n"                          /* compile_unit, children */
	"	.byte 1\n"
	"	.uleb128 0x13, 0x0b, 0x03, 0x08\n"           /* language data1, name string */
	"	.byte 0, 0\n"
	"	.uleb128 2, 0x13\n"                          /* structure_type, children */
	"	.byte 1\n"
	"	.uleb128 0x03, 0x08, 0x0b, 0x0b\n"           /* name string, byte_size data1 */
	"	.byte 0, 0\n"
	"	.uleb128 3, 0x0d\n"                          /* member */
	"	.byte 0\n"
	"	.uleb128 0x03, 0x08, 0x49, 0x13, 0x38, 0x0b, 0x01, 0x13\n" /* name, type ref4,
								       location data1, sibling ref4 */
	"	.byte 0, 0\n"
	"	.uleb128 4, 0x24\n"                          /* base_type */
	"	.byte 0\n"
	"	.uleb128 0x03, 0x08, 0x0b, 0x0b, 0x3e, 0x0b\n" /* name, byte_size, encoding */
	"	.byte 0, 0\n"
	"	.uleb128 5, 0x04\n"                          /* enumeration_type, children */
	"	.byte 1\n"
	"	.uleb128 0x03, 0x08, 0x0b, 0x0b, 0x01, 0x13\n" /* name, byte_size, sibling ref4 */
	"	.byte 0, 0\n"
	"	.uleb128 6, 0x28\n"                          /* enumerator */
	"	.byte 0\n"
	"	.uleb128 0x03, 0x08, 0x1c, 0x0b\n"           /* name, const_value data1 */
	"	.byte 0, 0\n"
	"	.uleb128 7, 0x04\n"                          /* enumeration_type, children */
	"	.byte 1\n"
	"	.uleb128 0x03, 0x08, 0x49, 0x13\n"           /* name, type ref4 */
	"	.byte 0, 0\n"
	"	.uleb128 8, 0x16\n"                          /* typedef */
	"	.byte 0\n"
	"	.uleb128 0x03, 0x08\n"                       /* name */
	"	.byte 0, 0\n"
	"	.byte 0\n";

/*
 * A DWARF 4 unit: header (abbreviations at %s), unit DIE, "int" at .Lint,
 * then the DIEs given (%s), then the null entry that ends the unit's children.
 */
static const char unit_fmt[] =
	"	.section .debug_info,\"\",@progbits\n"
	".Lcu:\n"
	"	.4byte .Lend - .Lstart\n"
	".Lstart:\n"
	"	.2byte 4\n"
	"	.4byte %s\n"
	"	.byte 8\n"
	"	.uleb128 1\n"
	"	.byte 0x0c\n"
	"	.string \"m.c\"\n"
	".Lint:\n"
	"	.uleb128 4\n"
	"	.string \"int\"\n"
	"	.byte 4, 5\n"
	"%s"
	"	.byte 0\n"
	".Lend:\n";

/* struct s { int a; int b; }, the members' DW_AT_sibling pointing at %s and the end. */
static const char struct_fmt[] =
	"	.uleb128 2\n	.string \"s\"\n	.byte 8\n"
	"	.uleb128 3\n	.string \"a\"\n	.4byte .Lint - .Lcu\n	.byte 0\n	.4byte %s\n"
	".Lb:	.uleb128 3\n	.string \"b\"\n	.4byte .Lint - .Lcu\n	.byte 4\n"
	"	.4byte .Lz - .Lcu\n"
	".Lz:	.byte 0\n";

/* Assembles text into tmp/name.o with gcc's flags; returns the object's path (malloc'd). */
static char *assemble_with(const char *name, const char *flags, const char *text)
{
	char *src, *obj, *cmd;
	FILE *f;

	assert_true(asprintf(&src, "%s/%s.s", tmpdir(), name) > 0);
	assert_true(asprintf(&obj, "%s/%s.o", tmpdir(), name) > 0);
	f = fopen(src, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_true(asprintf(&cmd, "gcc -c %s -o '%s' '%s'", flags, obj, src) > 0);
	if (system(cmd))
		fail_msg("cannot assemble %s", src);
	free(cmd);
	free(src);
	return obj;
}

static char *assemble(const char *name, const char *text)
{
	return assemble_with(name, "", text);
}

/* An object of one unit holding dies; with_abbrevs false leaves .debug_abbrev out. */
static char *unit(const char *name, bool with_abbrevs, const char *dies)
{
	char *body, *text, *obj;

	assert_true(asprintf(&body, unit_fmt, with_abbrevs ? ".Labbrev" : "0", dies) > 0);
	assert_true(asprintf(&text, "%s%s", with_abbrevs ? abbrevs : "", body) > 0);
	obj = assemble(name, text);
	free(body);
	free(text);
	return obj;
}

/* struct s with the first member's DW_AT_sibling set to sibling. */
static char *struct_unit(const char *name, const char *sibling)
{
	char *dies, *obj;

	assert_true(asprintf(&dies, struct_fmt, sibling) > 0);
	obj = unit(name, true, dies);
	free(dies);
	return obj;
}

/* The header of section name in the ELF64 object open at fd, and where that header is. */
static Elf64_Shdr section(int fd, const char *name, off_t *at)
{
	Elf64_Ehdr eh;
	Elf64_Shdr strtab, sh;

	assert_int_equal(pread(fd, &eh, sizeof(eh), 0), (ssize_t)sizeof(eh));
	assert_int_equal(pread(fd, &strtab, sizeof(strtab),
			       (off_t)(eh.e_shoff + (uint64_t)eh.e_shstrndx * sizeof(sh))),
			 (ssize_t)sizeof(strtab));
	for (unsigned i = 1; i < eh.e_shnum; i++) {
		char buf[64] = { 0 };

		*at = (off_t)(eh.e_shoff + (uint64_t)i * sizeof(sh));
		assert_int_equal(pread(fd, &sh, sizeof(sh), *at), (ssize_t)sizeof(sh));
		assert_true(pread(fd, buf, sizeof(buf) - 1, (off_t)(strtab.sh_offset + sh.sh_name)) > 0);
		if (!strcmp(buf, name))
			return sh;
	}
	fail_msg("no section %s", name);
	return sh;
}

/* The section header patch of a case: flags or'ed with or_flags, the offset replaced. */
static void patch_section(const char *path, const char *name, uint64_t or_flags, uint64_t offset)
{
	int fd = open(path, O_RDWR);
	Elf64_Shdr sh;
	off_t at;

	assert_true(fd >= 0);
	sh = section(fd, name, &at);
	sh.sh_flags |= or_flags;
	sh.sh_offset = offset;
	assert_int_equal(pwrite(fd, &sh, sizeof(sh), at), (ssize_t)sizeof(sh));
	close(fd);
}

/* The byte patch of a case: n bytes at offset delta into the contents of section name. */
static void patch_contents(const char *path, const char *name, uint64_t delta, const void *bytes,
			   size_t n)
{
	int fd = open(path, O_RDWR);
	Elf64_Shdr sh;
	off_t at;

	assert_true(fd >= 0);
	sh = section(fd, name, &at);
	assert_true(delta + n <= sh.sh_size);
	assert_int_equal(pwrite(fd, bytes, n, (off_t)(sh.sh_offset + delta)), (ssize_t)n);
	close(fd);
}

/* Keeps the first error's message (malloc'd into *first) and frees every error. */
static void keep(char **first, struct iod_error *err)
{
	if (err && !*first)
		*first = strdup(err->message);
	iod_error_free(err);
}

/*
 * What fuzz_dwarf does with an input: load without a cache, materialise every
 * name, lay each type out, look its enumerators and the given names up.
 * Returns the first error's message (malloc'd), or NULL when all went well.
 */
static char *exercise(const char *path, const char *const *names)
{
	struct iod_dwarf_options opts = { .cache_dir = "" };
	struct iod_typedb *db = NULL;
	const struct iod_type *t, *e;
	char *first = NULL;
	size_t it = 0;
	int64_t v;

	if (iod_typedb_new(&db))
		fail_msg("no database");
	keep(&first, iod_dwarf_load(db, path, &opts, NULL));
	if (first) {
		iod_typedb_free(db);
		return first;
	}
	for (; names && *names; names++)
		keep(&first, iod_typedb_lookup(db, *names, &t));
	keep(&first, iod_typedb_materialise(db, NULL));
	while ((t = iod_typedb_next(db, &it))) {
		struct iod_strbuf sb = { 0 };

		keep(&first, iod_format_layout_text(&sb, t));
		iod_strbuf_release(&sb);
		for (size_t i = 0; t->kind == IOD_TYPE_ENUM && i < t->nenumerators; i++)
			keep(&first, iod_typedb_find_enumerator(db, t->enumerators[i].name, &e, &v));
	}
	iod_typedb_free(db);
	return first;
}

static void expect_error(const char *path, const char *const *names, const char *needle)
{
	char *msg = exercise(path, names);

	if (!msg)
		fail_msg("%s: no error", path);
	if (!strstr(msg, needle))
		fail_msg("%s: '%s' does not say '%s'", path, msg, needle);
	free(msg);
}

/* enum e { E_ONE = 1, <a child %s> }, its DW_AT_sibling %s, then struct s. */
static const char enum_fmt[] =
	"	.uleb128 5\n	.string \"e\"\n	.byte 4\n	.4byte %s\n"
	"	.uleb128 6\n	.string \"E_ONE\"\n	.byte 1\n"
	"%s"
	"	.byte 0\n"
	".Lafter:\n";

static char *enum_unit(const char *name, const char *sibling, const char *child)
{
	char *e, *st, *dies, *obj;

	assert_true(asprintf(&e, enum_fmt, sibling, child) > 0);
	assert_true(asprintf(&st, struct_fmt, ".Lb - .Lcu") > 0);
	assert_true(asprintf(&dies, "%s%s", e, st) > 0);
	obj = unit(name, true, dies);
	free(e);
	free(st);
	free(dies);
	return obj;
}

static const char *const struct_s[] = { "struct s", NULL };

/* The well-formed unit the cases start from: loads, and struct s has its two members. */
static void test_well_formed(void **state)
{
	char *obj = struct_unit("good", ".Lb - .Lcu"), *msg;
	struct iod_dwarf_options opts = { .cache_dir = "" };
	struct iod_typedb *db = NULL;
	const struct iod_type *t;

	(void)state;
	msg = exercise(obj, struct_s);
	if (msg)
		fail_msg("well-formed input: %s", msg);
	assert_int_equal(iod_typedb_new(&db), 0);
	assert_null(iod_dwarf_load(db, obj, &opts, NULL));
	assert_null(iod_typedb_lookup(db, "struct s", &t));
	assert_int_equal(t->size, 8);
	assert_int_equal(t->nmembers, 2);
	iod_typedb_free(db);
	free(obj);
}

/* No .debug_abbrev at all: the scan checked the table's offset after forming a pointer from NULL. */
static void test_no_abbrev_section(void **state)
{
	char *obj = unit("no-abbrev", false, "");

	(void)state;
	expect_error(obj, NULL, "abbreviation table outside .debug_abbrev");
	free(obj);
}

/*
 * A member's DW_AT_sibling before the member, or past the unit: libdwarf
 * stops the walk of the struct's children, and the children read until
 * then were lost (a leak under ASan and valgrind).
 */
static void test_bad_sibling(void **state)
{
	char *before = struct_unit("sibling-before", "1");
	char *after = struct_unit("sibling-after", "0x7fff");

	(void)state;
	expect_error(before, struct_s, "reading siblings");
	expect_error(after, struct_s, "reading siblings");
	free(before);
	free(after);
}

static int64_t enumerator_of(const char *path, const char *name, bool *found)
{
	struct iod_dwarf_options opts = { .cache_dir = "" };
	struct iod_typedb *db = NULL;
	const struct iod_type *t = NULL;
	int64_t v = 0;

	assert_int_equal(iod_typedb_new(&db), 0);
	assert_null(iod_dwarf_load(db, path, &opts, NULL));
	assert_null(iod_typedb_find_enumerator(db, name, &t, &v));
	*found = t != NULL;
	iod_typedb_free(db);
	return v;
}

/*
 * Enumerators are read by the index scan. A broken one costs the enum's
 * names when DW_AT_sibling says where the enum ends, as jumping over it did
 * before; without that it is an error of the file, as any broken DIE.
 */
static void test_broken_enumerators(void **state)
{
	char *good = enum_unit("enum-good", ".Lafter - .Lcu", "");
	char *broken = enum_unit("enum-broken", ".Lafter - .Lcu", "	.uleb128 99\n");
	char *lost = enum_unit("enum-lost", "0", "	.uleb128 99\n");
	bool found;

	(void)state;
	assert_int_equal(enumerator_of(good, "E_ONE", &found), 1);
	assert_true(found);
	enumerator_of(broken, "E_ONE", &found);
	assert_false(found);
	/* The rest of the unit is indexed as before; the enum itself is an error to look up. */
	{
		struct iod_dwarf_options opts = { .cache_dir = "" };
		struct iod_typedb *db = NULL;
		const struct iod_type *t;
		struct iod_error *err;

		assert_int_equal(iod_typedb_new(&db), 0);
		assert_null(iod_dwarf_load(db, broken, &opts, NULL));
		assert_null(iod_typedb_lookup(db, "struct s", &t));
		err = iod_typedb_lookup(db, "enum e", &t);
		assert_non_null(err);
		assert_non_null(strstr(err->message, "unknown abbreviation code"));
		iod_error_free(err);
		iod_typedb_free(db);
	}
	expect_error(broken, NULL, "unknown abbreviation code");
	expect_error(lost, NULL, "unknown abbreviation code");
	free(good);
	free(broken);
	free(lost);
}

/*
 * An empty section (.bss) marked compressed, its offset near 2^64: the
 * offset of a section without bytes was added to the file's mapping.
 */
static void test_empty_section_far_away(void **state)
{
	char *obj = struct_unit("far-bss", ".Lb - .Lcu"), *msg;

	(void)state;
	patch_section(obj, ".bss", SHF_COMPRESSED, UINT64_C(0xffffffffffffff40));
	msg = exercise(obj, struct_s);
	if (msg)
		fail_msg("an empty section's offset broke the file: %s", msg);
	free(obj);
}

/*
 * A compressed .debug_info whose header claims 2 GiB: the claim was
 * allocated before inflating (an out-of-memory under the fuzzer). Deflate
 * expands at most 1032 times, so a claim beyond that is an error at once.
 */
static void test_compressed_size_claim(void **state)
{
	char *dies, *text, *body, *obj;
	uint64_t claim = UINT64_C(1) << 31;
	char *msg;

	(void)state;
	/* Repetitive enough that the assembler compresses it. */
	assert_true(asprintf(&dies, struct_fmt, ".Lb - .Lcu") > 0);
	assert_true(asprintf(&body, unit_fmt, ".Labbrev", "	.rept 64\n	.uleb128 4\n"
			     "	.string \"a_base_type_name_that_repeats\"\n	.byte 4, 5\n	.endr\n") > 0);
	assert_true(asprintf(&text, "%s%s", abbrevs, body) > 0);
	obj = assemble_with("claim", "-Wa,--compress-debug-sections=zlib-gabi", text);
	/* Well-formed, it loads: the sections are compressed and read back. */
	msg = exercise(obj, NULL);
	if (msg)
		fail_msg("compressed input: %s", msg);
	free(msg);
	/* Elf64_Chdr: ch_type, ch_reserved, then ch_size. */
	patch_contents(obj, ".debug_info", 8, &claim, sizeof(claim));
	expect_error(obj, NULL, "claims 2147483648 bytes uncompressed");
	free(dies);
	free(body);
	free(text);
	free(obj);
}

/*
 * An enum without DW_AT_byte_size whose underlying type is a typedef of
 * void: its size was taken from the stripped type, a NULL pointer.
 */
static void test_enum_of_void(void **state)
{
	char *obj = unit("enum-void", true,
			 ".Lvoid:	.uleb128 8\n	.string \"nothing_t\"\n"
			 "	.uleb128 7\n	.string \"e2\"\n	.4byte .Lvoid - .Lcu\n"
			 "	.uleb128 6\n	.string \"E2_ONE\"\n	.byte 1\n"
			 "	.byte 0\n");
	static const char *const names[] = { "enum e2", NULL };
	struct iod_dwarf_options opts = { .cache_dir = "" };
	struct iod_typedb *db = NULL;
	const struct iod_type *t, *e;
	int64_t v = 0;

	(void)state;
	/* The first error is the layout of the typedef; the enum before it was fine. */
	expect_error(obj, names, "'nothing_t' is void: it has no layout");
	assert_int_equal(iod_typedb_new(&db), 0);
	assert_null(iod_dwarf_load(db, obj, &opts, NULL));
	assert_null(iod_typedb_lookup(db, "enum e2", &t));
	assert_int_equal(t->size, 0);
	assert_null(iod_typedb_find_enumerator(db, "E2_ONE", &e, &v));
	assert_ptr_equal(e, t);
	assert_int_equal(v, 1);
	iod_typedb_free(db);
	free(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_formed),
		cmocka_unit_test(test_no_abbrev_section),
		cmocka_unit_test(test_bad_sibling),
		cmocka_unit_test(test_broken_enumerators),
		cmocka_unit_test(test_empty_section_far_away),
		cmocka_unit_test(test_compressed_size_claim),
		cmocka_unit_test(test_enum_of_void),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
