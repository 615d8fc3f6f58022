/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the DWARF loader (src/dwarf/): fixtures compiled now, the compiler as the oracle. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iodbg/dwarf.h"
#include "iodbg/types.h"

/*
 * Layout correctness against pahole and pyelftools is the comparison suite's
 * job (tests/tools/run-dwarf-compare.sh). Here: the API's behaviour on good
 * and bad files, numbering, declarations, the cache and the stock library.
 * Expected sizes come from programs compiled from the same sources.
 */

#define FIX "tests/fixtures/dwarf/"

static char tmp[PATH_MAX];

/* --- helpers -------------------------------------------------------------------- */

static void ok(struct iod_error *err)
{
	if (err)
		fail_msg("unexpected error: %s", err->message);
}

static const char *tmpdir(void)
{
	if (!tmp[0]) {
		const char *t = getenv("TMPDIR");

		snprintf(tmp, sizeof(tmp), "%s/dwarf", t && *t ? t : "/tmp");
		mkdir(tmp, 0700);
	}
	return tmp;
}

static char *path_in_tmp(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", tmpdir(), name) > 0);
	return p;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int st;

	va_start(ap, fmt);
	assert_true(vasprintf(&cmd, fmt, ap) > 0);
	va_end(ap);
	st = system(cmd);
	free(cmd);
	return st;
}

/* Compiles C sources (relative to the tree) with flags into tmp/out. */
static char *cc(const char *out, const char *flags, const char *sources)
{
	char *p = path_in_tmp(out);

	if (sh("gcc %s -o '%s' %s", flags, p, sources))
		fail_msg("cannot compile %s", sources);
	return p;
}

/* Runs a program printing one number: the oracle for sizes. */
static unsigned long long oracle(const char *name, const char *includes, const char *expr)
{
	char *src = path_in_tmp("oracle.c"), *exe = path_in_tmp(name), *cmd;
	unsigned long long v = 0;
	FILE *f = fopen(src, "w");

	assert_non_null(f);
	fprintf(f, "%s\n#include <stdio.h>\nint main(void) { printf(\"%%llu\\n\", "
		"(unsigned long long)(%s)); return 0; }\n", includes, expr);
	fclose(f);
	char *top = getcwd(NULL, 0);

	/* Sources are named from the top of the tree, where the tests run. */
	if (sh("gcc -w -I'%s' -o '%s' '%s'", top, exe, src))
		fail_msg("cannot build the oracle for %s", expr);
	free(top);
	assert_true(asprintf(&cmd, "'%s'", exe) > 0);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%llu", &v), 1);
	pclose(f);
	free(cmd);
	free(src);
	free(exe);
	return v;
}

struct notes {
	char buf[8192];
	size_t len;
};

static void note(void *ctx, const char *msg)
{
	struct notes *n = ctx;
	int w = snprintf(n->buf + n->len, sizeof(n->buf) - n->len, "%s\n", msg);

	if (w > 0 && (size_t)w < sizeof(n->buf) - n->len)
		n->len += (size_t)w;
}

static struct iod_typedb *newdb(void)
{
	struct iod_typedb *db = NULL;

	ok(iod_typedb_new(&db));
	return db;
}

static const struct iod_type *lookup(struct iod_typedb *db, const char *name)
{
	const struct iod_type *t = NULL;
	struct iod_error *err = iod_typedb_lookup(db, name, &t);

	if (err)
		fail_msg("lookup '%s': %s", name, err->message);
	return t;
}

/* Loading path must fail with kind and a message holding every needle. */
static void expect_load_error(const char *path, enum iod_error_kind kind, const char *needle1,
			      const char *needle2)
{
	struct iod_dwarf_options opts = { .cache_dir = "" };
	struct iod_typedb *db = newdb();
	char *read = (char *)(uintptr_t)0x1;
	const struct iod_type *t;
	struct iod_error *err = iod_dwarf_load(db, path, &opts, &read);

	if (!err)
		fail_msg("loading %s succeeded", path);
	if (err->kind != kind || !strstr(err->message, needle1) ||
	    (needle2 && !strstr(err->message, needle2)))
		fail_msg("loading %s: kind %d, message '%s'", path, err->kind, err->message);
	/* Changed only on success; nothing registered. */
	assert_ptr_equal(read, (char *)(uintptr_t)0x1);
	iod_error_free(err);
	err = iod_typedb_lookup(db, "struct shared", &t);
	assert_non_null(err);
	iod_error_free(err);
	iod_typedb_free(db);
}

/* Writes the first len bytes of src to tmp/name. */
static char *truncated_copy(const char *src, const char *name, off_t len)
{
	char *dst = path_in_tmp(name);

	if (sh("head -c %lld '%s' > '%s'", (long long)len, src, dst))
		fail_msg("cannot copy %s", src);
	return dst;
}

static off_t file_size(const char *p)
{
	struct stat st;

	assert_int_equal(stat(p, &st), 0);
	return st.st_size;
}

/* --- bad input --------------------------------------------------------------------- */

static void test_bad_files(void **state)
{
	char *text = path_in_tmp("text.txt"), *empty = path_in_tmp("empty"), *dir = path_in_tmp("a-dir");
	char *noddbg = cc("nodwarf.o", "-c", FIX "units_a.c");
	char *full = cc("bad-full.o", "-g -c", FIX "kinds.c");
	char *randomf = path_in_tmp("random.bin");
	FILE *f;

	(void)state;
	f = fopen(text, "w");
	fputs("just some text, not an object\n", f);
	fclose(f);
	f = fopen(empty, "w");
	fclose(f);
	mkdir(dir, 0700);
	assert_int_equal(sh("head -c 4096 /dev/urandom > '%s'", randomf), 0);

	expect_load_error("/nonexistent/file.ko", IOD_ERR_OS, "/nonexistent/file.ko",
			  "No such file");
	expect_load_error(dir, IOD_ERR_OS, dir, "directory");
	expect_load_error(empty, IOD_ERR_TYPE, empty, "empty");
	expect_load_error(text, IOD_ERR_TYPE, text, "not an ELF file");
	expect_load_error(randomf, IOD_ERR_TYPE, randomf, "not an ELF file");
	expect_load_error(noddbg, IOD_ERR_TYPE, noddbg, "no DWARF");
	{
		/* Type units of an object file sit in COMDAT groups: only a link merges them. */
		char *tu = cc("tu-object.o", "-gdwarf-4 -fdebug-types-section -c", FIX "kinds.c");

		expect_load_error(tu, IOD_ERR_TYPE, tu, "-fdebug-types-section");
		free(tu);
	}

	/* Truncated at several points: in the ELF header, in the middle, near the end. */
	{
		off_t size = file_size(full), cuts[] = { 20, 63, 64, size / 3, size / 2, size - 1 };

		for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
			char name[64], *p;

			snprintf(name, sizeof(name), "truncated-%zu.o", i);
			p = truncated_copy(full, name, cuts[i]);
			expect_load_error(p, IOD_ERR_TYPE, p, cuts[i] < 64 ? "ELF" : "truncated");
			free(p);
		}
	}
	free(text);
	free(empty);
	free(dir);
	free(noddbg);
	free(full);
	free(randomf);
}

/* A stripped file whose debug file is gone: the error names what was looked for. */
static void test_missing_debug_file(void **state)
{
	char *exe = cc("orphan", "-g", FIX "units_a.c " FIX "units_b.c");
	char *dbg, *stripped;

	(void)state;
	assert_true(asprintf(&dbg, "%s.debug", exe) > 0);
	assert_true(asprintf(&stripped, "%s.stripped", exe) > 0);
	assert_int_equal(sh("objcopy --only-keep-debug '%s' '%s' && objcopy --strip-debug "
			    "--add-gnu-debuglink='%s' '%s' '%s' && rm '%s'",
			    exe, dbg, dbg, exe, stripped, dbg), 0);
	expect_load_error(stripped, IOD_ERR_TYPE, "orphan.debug", "not found");
	free(exe);
	free(dbg);
	free(stripped);
}

/* --- loading and looking up ------------------------------------------------------------ */

static void test_units_and_numbering(void **state)
{
	char *exe = cc("units", "-gdwarf-5", FIX "units_a.c " FIX "units_b.c");
	struct iod_dwarf_options opts = { .cache_dir = "" };
	struct iod_typedb *db = newdb();
	const struct iod_type *d0, *d1, *t, *td;
	struct iod_error *err;
	char *read = NULL, *real = realpath(exe, NULL);

	(void)state;
	ok(iod_dwarf_load(db, exe, &opts, &read));
	assert_string_equal(read, real);

	/* Identical in both units: merged into one. */
	t = lookup(db, "struct shared");
	assert_false(t->ambiguous);
	assert_int_equal(t->size, oracle("o1", "#include \"" FIX "units_a.c\"", "sizeof(struct shared)"));

	/* Different: an error that lists both, then #0 (first unit) and #1. */
	err = iod_typedb_lookup(db, "struct differs", &t);
	assert_non_null(err);
	assert_int_equal(err->kind, IOD_ERR_LOOKUP);
	assert_non_null(strstr(err->message, "units_a.c"));
	assert_non_null(strstr(err->message, "units_b.c"));
	iod_error_free(err);
	d0 = lookup(db, "struct differs#0");
	d1 = lookup(db, "struct differs#1");
	assert_string_equal(d0->cu, "units_a.c");
	assert_string_equal(d1->cu, "units_b.c");
	assert_int_equal(d0->size, oracle("o2", "#include \"" FIX "units_a.c\"", "sizeof(struct differs)"));
	/* units_b.c brings its own main: renamed for the oracle's. */
	assert_int_equal(d1->size, oracle("o3", "#define main units_b_main\n#include \"" FIX
					  "units_b.c\"\n#undef main", "sizeof(struct differs)"));

	/* Only declared in units_a.c: the typedef there reaches units_b.c's definition. */
	td = lookup(db, "decl_td");
	assert_int_equal(td->kind, IOD_TYPE_TYPEDEF);
	t = iod_type_strip(td);
	assert_false(t->declaration);
	assert_string_equal(t->cu, "units_b.c");
	t = lookup(db, "struct only_here_declared");
	assert_false(t->declaration);
	assert_ptr_equal(t, iod_type_strip(td));

	/* A member's type is the unit's own: user_a embeds the first differs. */
	t = lookup(db, "struct user_a");
	{
		const struct iod_member *m;
		uint64_t off;

		ok(iod_type_find_member(t, "d", &m, &off));
		assert_int_equal(iod_type_strip(m->type)->size, d0->size);
	}
	free(read);
	free(real);
	free(exe);
	iod_typedb_free(db);
}

static void test_kinds(void **state)
{
	char *obj = cc("kinds.o", "-g -c", FIX "kinds.c");
	struct iod_dwarf_options opts = { .cache_dir = "" };
	struct iod_typedb *db = newdb();
	const struct iod_type *t, *e;
	const struct iod_member *m;
	uint64_t off;
	size_t iter = 0, nbf = 0;
	char name[128];

	(void)state;
	ok(iod_dwarf_load(db, obj, &opts, NULL));
	/* Fields of anonymous members are fields of the parent. */
	t = lookup(db, "struct anon_nest");
	ok(iod_type_find_member(t, "flags", &m, &off));
	assert_int_equal(off, 8 * oracle("o4", "#include <stddef.h>\n#include \"" FIX "kinds.c\"",
					 "offsetof(struct anon_nest, code)") + 16 + 4);
	/* x[0] and x[] are flexible; multi-dimensional arrays nest, outermost first. */
	t = lookup(db, "struct arrays");
	ok(iod_type_find_member(t, "zero_len", &m, &off));
	assert_true(iod_type_strip(m->type)->flexible);
	ok(iod_type_find_member(t, "cube", &m, &off));
	assert_int_equal(iod_type_strip(m->type)->count, 2);
	assert_int_equal(iod_type_strip(m->type)->target->count, 3);
	iod_type_name(m->type, name, sizeof(name));
	assert_string_equal(name, "u8[2][3][4]");
	/* Enum signedness and values as the compiler has them. */
	e = lookup(db, "enum byte_enum");
	assert_false(e->is_signed);
	assert_int_equal(iod_type_enum_find_value(e, 200)->value,
			 oracle("o5", "#include \"" FIX "kinds.c\"", "B_HIGH"));
	e = lookup(db, "enum small_signed");
	assert_true(e->is_signed);
	assert_int_equal((int64_t)iod_type_enum_find_value(e, (uint64_t)-128)->value,
			 (int64_t)(int)oracle("o6", "#include \"" FIX "kinds.c\"", "NEG_BIG"));
	/* A typedef chain keeps every name. */
	t = lookup(db, "hw_reg_t");
	assert_string_equal(t->target->name, "reg32_t");
	assert_string_equal(t->target->target->name, "u32");
	/* Only ever declared: known, incomplete. */
	t = lookup(db, "struct opaque");
	assert_true(t->declaration);
	/* The listing holds what the file defines. */
	ok(iod_typedb_materialise(db, "bf_*"));
	while ((t = iod_typedb_next(db, &iter)))
		nbf += t->name && !strncmp(t->name, "bf_", 3);
	assert_int_equal(nbf, 2);
	free(obj);
	iod_typedb_free(db);
}

static void test_type_units(void **state)
{
	char *exe = cc("tu", "-gdwarf-4 -fdebug-types-section",
		       FIX "kinds.c " FIX "units_a.c " FIX "units_b.c");
	struct iod_dwarf_options opts = { .cache_dir = "" };
	struct iod_typedb *db = newdb();
	const struct iod_type *t;
	struct iod_error *err;

	(void)state;
	ok(iod_dwarf_load(db, exe, &opts, NULL));
	t = lookup(db, "struct enums_inside");
	assert_int_equal(t->size, oracle("o7", "#include \"" FIX "kinds.c\"", "sizeof(struct enums_inside)"));
	err = iod_typedb_lookup(db, "struct differs", &t);
	assert_non_null(err);
	iod_error_free(err);
	lookup(db, "struct differs#1");
	free(exe);
	iod_typedb_free(db);
}

static void test_debuglink(void **state)
{
	char *exe = cc("linked", "-g", FIX "units_a.c " FIX "units_b.c");
	struct notes n = { .len = 0 };
	struct iod_dwarf_options opts = { .cache_dir = "", .note = note, .ctx = &n };
	struct iod_typedb *db = newdb();
	char *dbg, *stripped, *read = NULL, *real;

	(void)state;
	assert_true(asprintf(&dbg, "%s.debug", exe) > 0);
	assert_true(asprintf(&stripped, "%s.stripped", exe) > 0);
	assert_int_equal(sh("objcopy --only-keep-debug '%s' '%s' && objcopy --strip-debug "
			    "--add-gnu-debuglink='%s' '%s' '%s'", exe, dbg, dbg, exe, stripped), 0);
	ok(iod_dwarf_load(db, stripped, &opts, &read));
	real = realpath(dbg, NULL);
	assert_string_equal(read, real);
	assert_non_null(strstr(n.buf, real));
	assert_int_equal(lookup(db, "struct shared")->size,
			 oracle("o8", "#include \"" FIX "units_a.c\"", "sizeof(struct shared)"));
	free(real);
	free(read);
	free(dbg);
	free(stripped);
	free(exe);
	iod_typedb_free(db);
}

static void test_rust(void **state)
{
	const char *home = getenv("HOME");
	struct iod_dwarf_options opts = { .cache_dir = "" };
	const struct iod_type *t, *mv;
	const struct iod_member *m;
	struct iod_typedb *db;
	char *obj = path_in_tmp("rust.o");
	uint64_t off;

	(void)state;
	(void)home;
	/* rustc: PATH, else the invoking user's rustup (run-unit.sh moved HOME). */
	if (sh("{ command -v rustc || ls \"$(getent passwd $(id -u) | cut -d: -f6)\"/.cargo/bin/rustc; } "
	       ">/dev/null 2>&1")) {
		printf("skipped: rustc is not installed\n");
		free(obj);
		skip();
	}
	if (sh("h=$(getent passwd $(id -u) | cut -d: -f6); PATH=$PATH:$h/.cargo/bin "
	       "RUSTUP_HOME=${RUSTUP_HOME:-$h/.rustup} CARGO_HOME=${CARGO_HOME:-$h/.cargo} "
	       "env -u MAKEFLAGS -u MFLAGS rustc -g --emit=obj --crate-type=lib -o '%s' " FIX "rust_types.rs", obj)) {
		printf("skipped: rustc cannot compile here\n");
		free(obj);
		skip();
	}
	db = newdb();
	ok(iod_dwarf_load(db, obj, &opts, NULL));
	/* By full path, and by the last segment when it is unique. */
	t = lookup(db, "rust_types::hw::gsp::GspMem");
	assert_int_equal(t->lang, IOD_LANG_RUST);
	assert_ptr_equal(lookup(db, "GspMem"), t);
	ok(iod_type_find_member(t, "cmdq", &m, &off));
	/* Generics as DWARF spells them. */
	lookup(db, "rust_types::hw::Wrapper<u32>");
	/* A data-carrying enum: the tag and each variant's fields. */
	t = lookup(db, "Msg");
	assert_true(t->nmembers > 1);
	ok(iod_type_find_member(t, "Move", &m, &off));
	mv = m->type;
	ok(iod_type_find_member(mv, "y", &m, &off));
	ok(iod_type_find_member(t, "__tag", &m, &off));
	/* Tuples. */
	ok(iod_type_find_member(lookup(db, "Tuple"), "__2", &m, &off));
	/* Field-less enums keep udata values. */
	t = lookup(db, "rust_types::hw::State");
	assert_non_null(iod_type_enum_find_value(t, 200));
	free(obj);
	iod_typedb_free(db);
}

/* --- the cache -------------------------------------------------------------------------- */

static char *cache_file_in(const char *dir)
{
	char *cmd, *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	assert_true(asprintf(&cmd, "ls -d '%s'/*.idx 2>/dev/null", dir) > 0);
	f = popen(cmd, "r");
	n = getline(&line, &cap, f);
	pclose(f);
	free(cmd);
	if (n <= 0) {
		free(line);
		return NULL;
	}
	line[n - 1] = '\0';
	return line;
}

static void load_noting(const char *dir, const char *file, struct notes *n)
{
	struct iod_dwarf_options opts = { .cache_dir = dir, .note = note, .ctx = n };
	struct iod_typedb *db = newdb();

	n->len = 0;
	n->buf[0] = '\0';
	ok(iod_dwarf_load(db, file, &opts, NULL));
	assert_false(lookup(db, "struct shared")->declaration);
	iod_typedb_free(db);
}

static void test_cache(void **state)
{
	char *exe = cc("cached", "-g", FIX "units_a.c " FIX "units_b.c");
	char *dir = path_in_tmp("cache"), *idx;
	struct notes n = { .len = 0 };
	struct timespec times[2] = { { 0, UTIME_OMIT }, { 1000000000, 0 } };
	int fd;

	(void)state;
	load_noting(dir, exe, &n);
	assert_non_null(strstr(n.buf, "cache: written"));
	idx = cache_file_in(dir);
	assert_non_null(idx);

	/* The second load reads the index from the cache. */
	load_noting(dir, exe, &n);
	assert_non_null(strstr(n.buf, "cache: hit"));
	assert_null(strstr(n.buf, "written"));

	/* A changed file (mtime) invalidates it. */
	assert_int_equal(utimensat(AT_FDCWD, exe, times, 0), 0);
	load_noting(dir, exe, &n);
	assert_non_null(strstr(n.buf, "stale"));
	assert_non_null(strstr(n.buf, "cache: written"));
	load_noting(dir, exe, &n);
	assert_non_null(strstr(n.buf, "cache: hit"));

	/* A damaged byte is caught by the checksum; the index is rebuilt. */
	fd = open(idx, O_RDWR);
	assert_true(fd >= 0);
	{
		off_t at = file_size(idx) / 2;
		unsigned char b;

		assert_int_equal(pread(fd, &b, 1, at), 1);
		b ^= 0x5a;
		assert_int_equal(pwrite(fd, &b, 1, at), 1);
	}
	close(fd);
	load_noting(dir, exe, &n);
	assert_non_null(strstr(n.buf, "checksum"));
	assert_non_null(strstr(n.buf, "cache: written"));

	/* A cut-short file is not trusted either. */
	assert_int_equal(truncate(idx, file_size(idx) - 100), 0);
	load_noting(dir, exe, &n);
	assert_non_null(strstr(n.buf, "truncated"));
	assert_non_null(strstr(n.buf, "cache: written"));
	load_noting(dir, exe, &n);
	assert_non_null(strstr(n.buf, "cache: hit"));

	/* So is a file that is not an index at all. */
	assert_int_equal(sh("echo garbage > '%s'", idx), 0);
	load_noting(dir, exe, &n);
	assert_non_null(strstr(n.buf, "ignoring"));
	assert_non_null(strstr(n.buf, "cache: written"));

	/*
	 * Beside the index, what the lookups learnt (which copies differ): a
	 * damaged record file is ignored, rewritten, and changes no answer.
	 */
	{
		char *found;
		const struct iod_type *t;
		struct iod_typedb *db;
		struct iod_dwarf_options opts = { .cache_dir = dir, .note = note, .ctx = &n };

		assert_true(asprintf(&found, "%.*s.found", (int)(strlen(idx) - 4), idx) > 0);
		assert_int_equal(access(found, F_OK), 0);
		assert_int_equal(sh("printf 'IODBGFND garbage' > '%s'", found), 0);
		n.len = 0;
		db = newdb();
		ok(iod_dwarf_load(db, exe, &opts, NULL));
		t = lookup(db, "struct differs#1");
		assert_string_equal(t->cu, "units_b.c");
		iod_typedb_free(db);
		assert_non_null(strstr(n.buf, "ignoring"));
		assert_non_null(strstr(n.buf, ".found"));
		/* Rewritten whole: read back without complaint, same answers. */
		n.len = 0;
		n.buf[0] = '\0';
		db = newdb();
		ok(iod_dwarf_load(db, exe, &opts, NULL));
		t = lookup(db, "struct differs#1");
		assert_string_equal(t->cu, "units_b.c");
		iod_typedb_free(db);
		assert_null(strstr(n.buf, "ignoring"));
		free(found);
	}
	free(idx);
	free(dir);
	free(exe);
}

/* "No types" is never cached. */
static void test_no_types_not_cached(void **state)
{
	char *src = path_in_tmp("notypes.c"), *obj, *dir = path_in_tmp("cache-empty"), *idx;
	struct notes n = { .len = 0 };
	struct iod_dwarf_options opts = { .cache_dir = dir, .note = note, .ctx = &n };
	struct iod_typedb *db = newdb();
	FILE *f = fopen(src, "w");

	(void)state;
	/* DWARF with a unit and a function, and no type at all. */
	fputs("void nothing(void) { }\n", f);
	fclose(f);
	obj = cc("notypes.o", "-g -c", src);
	ok(iod_dwarf_load(db, obj, &opts, NULL));
	assert_null(strstr(n.buf, "written"));
	idx = cache_file_in(dir);
	assert_null(idx);
	iod_typedb_free(db);
	free(src);
	free(obj);
	free(dir);
}

/* The default cache directory is $XDG_CACHE_HOME/iodbg (run-unit.sh points it at a temp dir). */
static void test_default_cache_dir(void **state)
{
	char *exe = cc("default-cache", "-g", FIX "units_a.c " FIX "units_b.c");
	const char *xdg = getenv("XDG_CACHE_HOME");
	struct notes n = { .len = 0 };
	struct iod_dwarf_options opts = { .note = note, .ctx = &n };
	struct iod_typedb *db = newdb();
	char *dir;

	(void)state;
	if (!xdg || xdg[0] != '/') {
		printf("skipped: XDG_CACHE_HOME is not set\n");
		free(exe);
		iod_typedb_free(db);
		skip();
	}
	assert_true(asprintf(&dir, "%s/iodbg/", xdg) > 0);
	ok(iod_dwarf_load(db, exe, &opts, NULL));
	assert_non_null(strstr(n.buf, dir));
	free(dir);
	free(exe);
	iod_typedb_free(db);
}

/* --- enumerators, found without materialising their enums ----------------------------- */

#define ENUM_SRCS FIX "enums_a.c " FIX "enums_b.c"
#define ENUM_KEEP "-fno-eliminate-unused-debug-types "

/* An enumerator's value as the compiler has it, from the unit that defines it. */
static int64_t enum_oracle(const char *unit, const char *name)
{
	char *inc, *exe;
	int64_t v;

	assert_true(asprintf(&inc, "#include \"" FIX "%s\"", unit) > 0);
	assert_true(asprintf(&exe, "oe-%s", name) > 0);
	v = (int64_t)oracle(exe, inc, name);
	free(inc);
	free(exe);
	return v;
}

/* name must be found, with the oracle's value, in an enum called enum_name (NULL: anonymous). */
static void expect_enumerator(struct iod_typedb *db, const char *name, const char *unit,
			      const char *enum_name)
{
	const struct iod_type *t = NULL;
	int64_t v = 0;
	struct iod_error *err = iod_typedb_find_enumerator(db, name, &t, &v);

	if (err)
		fail_msg("enumerator %s: %s", name, err->message);
	if (!t)
		fail_msg("enumerator %s: not found", name);
	assert_int_equal(t->kind, IOD_TYPE_ENUM);
	if (enum_name)
		assert_string_equal(t->name, enum_name);
	else
		assert_null(t->name);
	assert_int_equal(v, enum_oracle(unit, name));
}

static void expect_enumerator_error(struct iod_typedb *db, const char *name, const char *msg)
{
	const struct iod_type *t = NULL;
	int64_t v = 0;
	struct iod_error *err = iod_typedb_find_enumerator(db, name, &t, &v);

	if (!err)
		fail_msg("enumerator %s: no error", name);
	assert_int_equal(err->kind, IOD_ERR_LOOKUP);
	assert_string_equal(err->message, msg);
	iod_error_free(err);
}

static size_t registered(struct iod_typedb *db, const char **names, size_t max)
{
	const struct iod_type *t;
	size_t it = 0, n = 0;

	while ((t = iod_typedb_next(db, &it)))
		if (n < max)
			names[n++] = t->name;
	return n;
}

/* Every enumerator of the fixture, looked up in db; the ambiguous ones list both values. */
static void expect_all_enumerators(struct iod_typedb *db)
{
	const struct iod_type *t = (const struct iod_type *)(uintptr_t)0x1;
	int64_t v = 77;

	expect_enumerator(db, "LAZY_READY", "enums_a.c", "lazy_state");
	expect_enumerator(db, "LAZY_BOOT", "enums_a.c", "lazy_state");
	expect_enumerator(db, "LAZY_ANON_B", "enums_a.c", NULL);
	expect_enumerator(db, "LAZY_TD_Y", "enums_a.c", NULL);
	expect_enumerator(db, "LAZY_NEG", "enums_a.c", "lazy_small");
	expect_enumerator(db, "LAZY_SMALL_BIG", "enums_a.c", "lazy_small");
	expect_enumerator(db, "LAZY_WIDE", "enums_a.c", "lazy_wide");
	expect_enumerator(db, "LAZY_MEMBER_ONLY", "enums_a.c", NULL);
	expect_enumerator(db, "LAZY_SHARED_B", "enums_a.c", "lazy_common");
	expect_enumerator(db, "LAZY_SHARED_ANON", "enums_a.c", NULL);
	expect_enumerator(db, "LAZY_SAME", "enums_a.c", "lazy_alias");
	expect_enumerator(db, "LAZY_MODE_B_ONLY", "enums_b.c", "lazy_mode");
	expect_enumerator_error(db, "LAZY_MODE", "enumerator 'LAZY_MODE' is ambiguous: "
				"1 in enum lazy_mode#0, 2 in enum lazy_mode#1");
	expect_enumerator_error(db, "LAZY_PER_UNIT", "enumerator 'LAZY_PER_UNIT' is ambiguous: "
				"1 in enum {...} (enums_a.c), 2 in enum {...} (enums_b.c)");
	/* Not an enumerator: no error, no enum. */
	ok(iod_typedb_find_enumerator(db, "LAZY_NONE", &t, &v));
	assert_null(t);
	assert_int_equal(v, 77);
	/* A type name is not an enumerator name. */
	ok(iod_typedb_find_enumerator(db, "lazy_state", &t, &v));
	assert_null(t);
}

static void test_enumerators_lazy(void **state)
{
	static const char *const variants[] = {
		"-gdwarf-2", "-gdwarf-4", "-gdwarf-5", "-gdwarf-5 -gz", "-gdwarf-4 -gz=zlib-gnu",
	};
	struct iod_dwarf_options opts = { .cache_dir = "" };

	(void)state;
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		char out[64], flags[128], *obj;
		const char *names[8];
		struct iod_typedb *db = newdb();
		const struct iod_type *t;
		int64_t v;

		/* Both units in one relocatable object, as a .ko has them. */
		snprintf(out, sizeof(out), "enums-%zu.o", i);
		snprintf(flags, sizeof(flags), ENUM_KEEP "%s -r -nostdlib", variants[i]);
		obj = cc(out, flags, ENUM_SRCS);
		ok(iod_dwarf_load(db, obj, &opts, NULL));
		/* Loading materialises nothing; one lookup, only the enum that has the name. */
		assert_int_equal(registered(db, names, 8), 0);
		ok(iod_typedb_find_enumerator(db, "LAZY_READY", &t, &v));
		assert_non_null(t);
		assert_int_equal(registered(db, names, 8), 1);
		assert_string_equal(names[0], "lazy_state");
		/* An anonymous enum is known, not registered. */
		ok(iod_typedb_find_enumerator(db, "LAZY_ANON_A", &t, &v));
		assert_int_equal(registered(db, names, 8), 1);
		expect_all_enumerators(db);
		/* What a lookup found is the type the name gives. */
		ok(iod_typedb_find_enumerator(db, "LAZY_NEG", &t, &v));
		assert_ptr_equal(t, lookup(db, "enum lazy_small"));
		assert_true(t->is_signed);
		assert_int_equal(t->size, 1);
		iod_typedb_free(db);
		free(obj);
	}
}

static void test_enumerators_cached(void **state)
{
	char *exe = cc("enums-cached.o", ENUM_KEEP "-gdwarf-5 -r -nostdlib", ENUM_SRCS);
	char *dir = path_in_tmp("cache-enums"), *idx;
	struct notes n = { .len = 0 };
	struct iod_dwarf_options opts = { .cache_dir = dir, .note = note, .ctx = &n };
	struct iod_typedb *db;
	uint32_t version = 1;
	int fd;

	(void)state;
	/* Built and written... */
	db = newdb();
	ok(iod_dwarf_load(db, exe, &opts, NULL));
	assert_non_null(strstr(n.buf, "cache: written"));
	expect_all_enumerators(db);
	iod_typedb_free(db);
	idx = cache_file_in(dir);
	assert_non_null(idx);

	/* ...then read back: the enumerators come from the cache file. */
	n.len = 0;
	n.buf[0] = '\0';
	db = newdb();
	ok(iod_dwarf_load(db, exe, &opts, NULL));
	assert_non_null(strstr(n.buf, "cache: hit"));
	assert_null(strstr(n.buf, "written"));
	expect_all_enumerators(db);
	iod_typedb_free(db);

	/* A file of the format before enumerators is rebuilt, never read as this one. */
	fd = open(idx, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &version, sizeof(version), 8), (ssize_t)sizeof(version));
	close(fd);
	n.len = 0;
	n.buf[0] = '\0';
	db = newdb();
	ok(iod_dwarf_load(db, exe, &opts, NULL));
	assert_non_null(strstr(n.buf, "written by another version"));
	assert_non_null(strstr(n.buf, "cache: written"));
	expect_all_enumerators(db);
	iod_typedb_free(db);
	free(idx);
	free(dir);
	free(exe);
}

/* --- the stock library ------------------------------------------------------------------- */

static char *build_typedb(void)
{
	char exe[PATH_MAX], *dir;
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	assert_true(len > 0);
	exe[len] = '\0';
	/* build/tests/unit/test_dwarf -> build/typedb */
	*strrchr(exe, '/') = '\0';
	assert_true(asprintf(&dir, "%s/../../typedb", exe) > 0);
	return dir;
}

static void test_stock_library(void **state)
{
	char *lib = build_typedb(), *found = NULL, *read = NULL, *expect, *data, *cwd;
	struct iod_dwarf_options opts = { .cache_dir = "" };
	struct iod_typedb *db = newdb();
	const struct iod_type *t;
	struct iod_error *err;

	(void)state;
	setenv("IODBG_TYPEDB", lib, 1);
	ok(iod_typedb_find_file("pci.o", &found));
	assert_true(asprintf(&expect, "%s/pci.o", lib) > 0);
	{
		char *a = realpath(expect, NULL);

		assert_string_equal(found, a);
		free(a);
	}
	ok(iod_load_types(db, "pci", &opts, &read));
	assert_string_equal(read, found);
	t = lookup(db, "struct pci_config_header");
	assert_int_equal(t->size, oracle("o9", "#include \"typedb/pci.h\"",
					 "sizeof(struct pci_config_header)"));
	t = lookup(db, "struct pci_bridge_header");
	assert_int_equal(t->size, oracle("o10", "#include \"typedb/pci.h\"",
					 "sizeof(struct pci_bridge_header)"));
	ok(iod_load_types(db, "gsp_demo", &opts, NULL));
	ok(iod_type_find_member(lookup(db, "struct gsp_demo"), "cmdq", NULL, NULL));

	/* Unknown names list where they were looked for. */
	err = iod_load_types(db, "no_such_library", &opts, NULL);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "no_such_library"));
	assert_non_null(strstr(err->message, lib));
	iod_error_free(err);
	unsetenv("IODBG_TYPEDB");

	/* $XDG_DATA_HOME/iodbg/typedb is searched too. */
	data = getenv("XDG_DATA_HOME");
	if (data && data[0] == '/') {
		assert_int_equal(sh("mkdir -p '%s/iodbg/typedb' && cp '%s/virtio_pci.o' "
				    "'%s/iodbg/typedb/'", data, lib, data), 0);
		ok(iod_load_types(db, "virtio_pci", &opts, NULL));
		lookup(db, "struct virtio_pci_common_cfg");
	}

	/* An existing file is loaded as a file, whatever its name. */
	cwd = getcwd(NULL, 0);
	assert_int_equal(chdir(tmpdir()), 0);
	assert_int_equal(sh("cp '%s/pci.o' pci", lib), 0);
	free(read);
	read = NULL;
	ok(iod_load_types(db, "pci", &opts, &read));
	assert_non_null(strstr(read, tmpdir()));
	assert_int_equal(chdir(cwd), 0);

	free(cwd);
	free(read);
	free(expect);
	free(found);
	free(lib);
	iod_typedb_free(db);
}


/*
 * Units read alone (die.c shows libdwarf one unit at a time, keeping the
 * last few open): hand-assembled units u0..u11, each with struct sN
 * { int a; long b; }, so that reading them all reuses and evicts windows;
 * from u1 on, struct rN reaches into u0 and u11 with DW_FORM_ref_addr (gcc
 * writes those under LTO), which a window cannot place and the whole file can.
 */
#define NUNITS 12

static char *cross_unit_object(void)
{
	char *src = path_in_tmp("units.s"), *obj;
	FILE *f = fopen(src, "w");

	assert_non_null(f);
	fputs("	.section .debug_abbrev,\"\",@progbits\n.Labbrev:\n"
	      "	.uleb128 1, 0x11\n	.byte 1\n	.uleb128 0x13, 0x0b, 0x03, 0x08\n	.byte 0, 0\n"
	      "	.uleb128 2, 0x13\n	.byte 1\n	.uleb128 0x03, 0x08, 0x0b, 0x0b\n	.byte 0, 0\n"
	      "	.uleb128 3, 0x0d\n	.byte 0\n	.uleb128 0x03, 0x08, 0x49, 0x13, 0x38, 0x0b\n"
	      "	.byte 0, 0\n"
	      "	.uleb128 4, 0x24\n	.byte 0\n	.uleb128 0x03, 0x08, 0x0b, 0x0b, 0x3e, 0x0b\n"
	      "	.byte 0, 0\n"
	      "	.uleb128 5, 0x0d\n	.byte 0\n	.uleb128 0x03, 0x08, 0x49, 0x10, 0x38, 0x0b\n"
	      "	.byte 0, 0\n"
	      "	.byte 0\n"
	      "	.section .debug_info,\"\",@progbits\n", f);
	for (int i = 0; i < NUNITS; i++) {
		fprintf(f, ".Lcu%d:	.4byte .Lend%d - .Lstart%d\n.Lstart%d:	.2byte 4\n"
			"	.4byte .Labbrev\n	.byte 8\n"
			"	.uleb128 1\n	.byte 0x0c\n	.string \"u%d.c\"\n"
			".Lint%d:	.uleb128 4\n	.string \"int\"\n	.byte 4, 5\n"
			".Llong%d:	.uleb128 4\n	.string \"long int\"\n	.byte 8, 5\n"
			".Ls%d:	.uleb128 2\n	.string \"s%d\"\n	.byte 16\n"
			"	.uleb128 3\n	.string \"a\"\n	.4byte .Lint%d - .Lcu%d\n	.byte 0\n"
			"	.uleb128 3\n	.string \"b\"\n	.4byte .Llong%d - .Lcu%d\n	.byte 8\n"
			"	.byte 0\n", i, i, i, i, i, i, i, i, i, i, i, i, i);
		if (i == 0)
			fputs("	.uleb128 2\n	.string \"t0\"\n	.byte 4\n"
			      "	.uleb128 3\n	.string \"x\"\n	.4byte .Lint0 - .Lcu0\n	.byte 0\n"
			      "	.byte 0\n", f);
		else
			fprintf(f, "	.uleb128 2\n	.string \"r%d\"\n	.byte 24\n"
				"	.uleb128 5\n	.string \"x\"\n	.4byte .Lint0\n	.byte 0\n"
				"	.uleb128 5\n	.string \"s\"\n	.4byte .Ls%d\n	.byte 8\n"
				"	.byte 0\n", i, NUNITS - 1);
		fprintf(f, "	.byte 0\n.Lend%d:\n", i);
	}
	fclose(f);
	obj = path_in_tmp("units.o");
	if (sh("gcc -c -o '%s' '%s'", obj, src))
		fail_msg("cannot assemble %s", src);
	free(src);
	return obj;
}

static void expect_member(const struct iod_type *t, const char *name, uint64_t bit_off,
			  const char *type)
{
	const struct iod_member *m;
	uint64_t off;
	char tn[64];

	ok(iod_type_find_member(t, name, &m, &off));
	assert_int_equal(off, bit_off);
	iod_type_name(m->type, tn, sizeof(tn));
	assert_string_equal(tn, type);
}

static void test_units_read_alone(void **state)
{
	char *obj = cross_unit_object(), name[16];
	struct iod_dwarf_options opts = { .cache_dir = "" };
	struct iod_typedb *db = newdb();
	const struct iod_type *t;
	const struct iod_member *m;
	uint64_t off;

	(void)state;
	ok(iod_dwarf_load(db, obj, &opts, NULL));
	for (int i = 0; i < NUNITS; i++) {
		snprintf(name, sizeof(name), "struct s%d", i);
		t = lookup(db, name);
		assert_int_equal(t->size, 16);
		expect_member(t, "a", 0, "int");
		expect_member(t, "b", 64, "long int");
	}
	/* u0's window was evicted by now: it opens again. */
	t = lookup(db, "struct t0");
	assert_int_equal(t->size, 4);
	expect_member(t, "x", 0, "int");
	for (int i = 1; i < NUNITS; i += NUNITS - 2) {
		snprintf(name, sizeof(name), "struct r%d", i);
		t = lookup(db, name);
		assert_int_equal(t->size, 24);
		expect_member(t, "x", 0, "int");
		expect_member(t, "s", 64, "struct s11");
		ok(iod_type_find_member(t, "s", &m, &off));
		expect_member(iod_type_strip(m->type), "b", 64, "long int");
	}
	free(obj);
	iod_typedb_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_missing_debug_file),
		cmocka_unit_test(test_units_and_numbering),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_type_units),
		cmocka_unit_test(test_debuglink),
		cmocka_unit_test(test_rust),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_no_types_not_cached),
		cmocka_unit_test(test_default_cache_dir),
		cmocka_unit_test(test_enumerators_lazy),
		cmocka_unit_test(test_enumerators_cached),
		cmocka_unit_test(test_stock_library),
		cmocka_unit_test(test_units_read_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
