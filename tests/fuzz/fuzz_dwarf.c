/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: any bytes as an ELF object through the DWARF loader: loaded without a cache, every type materialised, laid out, its enumerators looked up, freed. */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iodbg/dwarf.h"
#include "iodbg/format.h"
#include "iodbg/strbuf.h"
#include "iodbg/types.h"

/*
 * The loader opens files by path (it stats them, maps them and looks for
 * separate debug files beside them), so each input is written to one file
 * in a private directory, removed at exit.
 */
static char dir[PATH_MAX], file[PATH_MAX];

static void cleanup(void)
{
	if (file[0])
		unlink(file);
	if (dir[0])
		rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/iodbg-fuzz-dwarf-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(file, sizeof(file), "%s/input.o", dir);
	atexit(cleanup);
	return 0;
}

static void put_input(const uint8_t *data, size_t size)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t done = 0;

	if (fd < 0)
		abort();
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0)
			abort();
		done += (size_t)n;
	}
	if (close(fd))
		abort();
}

/* What a user can do with a loaded file; every error is an answer, not a failure. */
static void exercise(struct iod_typedb *db)
{
	const struct iod_type *t, *e;
	size_t it = 0;
	int64_t v;

	iod_error_free(iod_typedb_materialise(db, NULL));
	/* Lookups below may register more types: the listing takes them as they come. */
	while ((t = iod_typedb_next(db, &it))) {
		struct iod_strbuf sb = { 0 };
		char name[256];

		iod_error_free(iod_format_layout_text(&sb, t));
		iod_strbuf_release(&sb);
		iod_type_name(t, name, sizeof(name));
		if (t->kind == IOD_TYPE_ENUM)
			for (size_t i = 0; i < t->nenumerators && i < 4; i++)
				iod_error_free(iod_typedb_find_enumerator(db, t->enumerators[i].name, &e, &v));
	}
	/* The seeds' enumerators, whose enums nothing else materialises. */
	iod_error_free(iod_typedb_find_enumerator(db, "FZ_ANON", &e, &v));
	iod_error_free(iod_typedb_find_enumerator(db, "FZ_MEMBER", &e, &v));
	iod_error_free(iod_typedb_find_enumerator(db, "ST_B", &e, &v));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iod_dwarf_options opts = { .cache_dir = "" };
	struct iod_typedb *db;
	struct iod_error *err;
	char *read = NULL;

	put_input(data, size);
	if (iod_typedb_new(&db))
		abort();
	err = iod_dwarf_load(db, file, &opts, &read);
	if (err) {
		/* Said, never empty. */
		if (!err->message[0])
			abort();
		iod_error_free(err);
	} else {
		free(read);
		exercise(db);
	}
	iod_typedb_free(db);
	return 0;
}
