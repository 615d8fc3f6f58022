// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: whole scripts, run as `iodbg -x FILE` runs them
 * (session_run_file), each in a fresh session over a sim: region with a small
 * type set built through the API, in a scratch directory emptied before each.
 *
 * Input: the script; a line "%%" ends it, and what follows becomes the file
 * "inc" beside it (for `source inc`). A 64-byte file "blob" is there too. A
 * first line "#!..." is skipped by the runner, and its words -k -w -n -q
 * --json --trace set the options of the same names; without -k a script stops
 * at its first error, as iodbg's do.
 *
 * Bounds: the session's tick hook, run after every command and every `for`
 * iteration, ends the script (as Ctrl-C and quit would) after 1000 of them or
 * as soon as a region is larger than 64K; inputs with poll or watch (which
 * sleep) are skipped, and so are those that could name a file outside the
 * scratch directory (see fuzz_scratch.h). /sys and /dev are redirected to empty
 * directories of the scratch directory (--sysfs, $IODBG_DEVDIR), and HOME to
 * another.
 */
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "repl/commands.h"
#include "repl/session.h"

#include "fuzz_scratch.h"

#define MAX_TICKS 1000
#define REGION_MAX (64 * 1024)

static char sysdir[PATH_MAX + 8];
static bool ready;
static unsigned ticks;

static void must(struct iod_error *err)
{
	if (err)
		abort();
}

static void setup(void)
{
	fuzz_scratch_setup(sysdir, sizeof(sysdir));
	ready = true;
}

static const struct iod_type *lookup(struct session *s, const char *name)
{
	const struct iod_type *t;

	must(iod_typedb_lookup(s->db, name, &t));
	return t;
}

static struct iod_type *create(struct session *s, enum iod_type_kind kind, const char *name,
			       uint64_t size)
{
	struct iod_type *t;

	must(iod_type_create(s->db, kind, name, &t));
	t->size = size;
	return t;
}

static void member(struct session *s, struct iod_type *t, const char *name, const char *type,
		   uint64_t bit, uint32_t bits)
{
	must(iod_type_add_member(s->db, t, name, lookup(s, type), bit, bits));
}

static void publish(struct session *s, struct iod_type *t)
{
	const struct iod_type *done;

	must(iod_typedb_add(s->db, t, &done));
}

/*
 * enum ring_state { RS_IDLE, RS_RUN, RS_ERR = -1 } (signed, 4 bytes);
 * union reg { u32 raw; u8 b[4]; u16 half[2]; };
 * struct desc { u64 addr; u32 len; u16 flags; u16 owner:4; s16 prio:3;
 *               enum ring_state state:4; };  16 bytes, the enum in bits 120..123
 * struct ring { u32 head, tail; struct desc d[4]; union reg r; char tag[4];
 *               u8 data[]; };  80 bytes
 */
static void types(struct session *s)
{
	const struct iod_type *data;
	struct iod_type *t;

	t = create(s, IOD_TYPE_ENUM, "ring_state", 4);
	t->is_signed = true;
	must(iod_type_add_enumerator(s->db, t, "RS_IDLE", 0));
	must(iod_type_add_enumerator(s->db, t, "RS_RUN", 1));
	must(iod_type_add_enumerator(s->db, t, "RS_ERR", UINT64_MAX));
	publish(s, t);

	t = create(s, IOD_TYPE_UNION, "reg", 4);
	member(s, t, "raw", "u32", 0, 0);
	member(s, t, "b", "u8[4]", 0, 0);
	member(s, t, "half", "u16[2]", 0, 0);
	publish(s, t);

	t = create(s, IOD_TYPE_STRUCT, "desc", 16);
	member(s, t, "addr", "u64", 0, 0);
	member(s, t, "len", "u32", 64, 0);
	member(s, t, "flags", "u16", 96, 0);
	member(s, t, "owner", "u16", 112, 4);
	member(s, t, "prio", "s16", 116, 3);
	member(s, t, "state", "enum ring_state", 120, 4);
	publish(s, t);

	t = create(s, IOD_TYPE_STRUCT, "ring", 80);
	member(s, t, "head", "u32", 0, 0);
	member(s, t, "tail", "u32", 32, 0);
	member(s, t, "d", "struct desc[4]", 64, 0);
	member(s, t, "r", "union reg", 576, 0);
	member(s, t, "tag", "char[4]", 608, 0);
	must(iod_typedb_array_of(s->db, lookup(s, "u8"), 0, true, &data));
	must(iod_type_add_member(s->db, t, "data", data, 640, 0));
	publish(s, t);
}

/* Ends the script when it has run long enough or made a region too big to walk. */
static void tick(void *ctx)
{
	struct session *s = ctx;
	bool stop = ++ticks > MAX_TICKS;

	for (size_t i = 0; i < s->nregions && !stop; i++)
		stop = s->regions[i]->size > REGION_MAX;
	if (stop) {
		s->interrupted = 1;
		s->quit = true;
	}
}

/* A file's lines; its first is not run when it starts with "#!". */
static bool file_ok(const uint8_t *p, const uint8_t *end)
{
	for (bool first = true; p < end; first = false) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end;

		if (!(first && eol - p >= 2 && p[0] == '#' && p[1] == '!') && !fuzz_line_ok(p, eol))
			return false;
		p = eol + 1;
	}
	return true;
}

static void write_file(const char *name, const void *data, size_t size)
{
	FILE *f = fopen(name, "w");

	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f))
		abort();
}

/* Empties the working directory: what the last script dumped is gone. */
static void clean(void)
{
	DIR *d = opendir(".");
	struct dirent *de;

	if (!d)
		abort();
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlink(de->d_name);
	closedir(d);
}

/* The options of a "#!" first line: its words -k -w -n -q --json --trace. */
static void options(struct session *s, const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	char line[256], *save = NULL;
	size_t len = nl ? (size_t)(nl - data) : size;

	if (size < 2 || memcmp(data, "#!", 2) || len >= sizeof(line))
		return;
	memcpy(line, data, len);
	line[len] = 0;
	for (char *w = strtok_r(line, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(w, "-k"))
			s->keep_going = true;
		else if (!strcmp(w, "-w"))
			s->may_write = s->write_on = true;
		else if (!strcmp(w, "-n"))
			s->io.dry_run = true;
		else if (!strcmp(w, "-q"))
			s->quiet = true;
		else if (!strcmp(w, "--json"))
			s->json = true;
		else if (!strcmp(w, "--trace")) {
			s->trace = true;
			s->io.trace = cmd_trace_cb;
		}
	}
}

static void run_setup(struct session *s, const char *line)
{
	if (session_run_line(s, line))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n%%\n";
	const uint8_t *end = data + size, *inc = NULL;
	uint8_t blob[64];
	struct session *s;
	size_t main_size = size;
	int status;

	if (!ready)
		setup();
	/* "%%" as the first line, or a later one; the last line may lack its '\n' */
	if (size >= 3 && !memcmp(data, "%%\n", 3))
		main_size = 0, inc = data + 3;
	else if ((inc = memmem(data, size, sep, 4)))
		main_size = (size_t)(inc - data) + 1, inc += 4;
	else if (size >= 3 && !memcmp(end - 3, "\n%%", 3))
		main_size = size - 2, inc = end;
	if (!file_ok(data, data + main_size) || (inc && !file_ok(inc, end)) ||
	    memmem(data, size, "poll", 4) || memmem(data, size, "watch", 5))
		return -1;
	clean();
	write_file("main.iodbg", data, main_size);
	if (inc)
		write_file("inc", inc, (size_t)(end - inc));
	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)(i * 5 + 1);
	write_file("blob", blob, sizeof(blob));

	must(session_new(&s));
	s->sysfs = sysdir;
	s->no_profile = true;
	types(s);
	run_setup(s, "attach sim:4K");
	run_setup(s, "view r = struct ring @ sim0");
	run_setup(s, "view d = struct desc[8] @ sim0+0x100");
	run_setup(s, "view b = u8[64] @ sim0+0x200");
	run_setup(s, "view w = u32[16] @ sim0+0x240");
	options(s, data, main_size);
	ticks = 0;
	s->tick = tick;
	s->tick_ctx = s;
	clearerr(stdout);
	status = session_run_file(s, "main.iodbg");
	/* whatever ran, the runner's own state is back where it was */
	if ((status != 0 && status != 1) || s->depth || s->depth_line || s->where_file ||
	    s->alias_prefix)
		abort();
	session_free(s);
	return 0;
}
