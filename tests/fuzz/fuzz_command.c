// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: command lines through the session, as a script would run
 * them, over a sim: region with a small type set built through the API.
 * Lines that could reach files outside a scratch directory (fuzz_scratch.h:
 * a '/' that could start or climb a path, or an escape that makes one) or wait
 * (poll, watch, for) are skipped, not run; /sys and /dev are empty stand-ins.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "repl/session.h"

#include "fuzz_scratch.h"

static struct session *s;
static char sysdir[PATH_MAX + 8];

static void add(struct iod_type *t, const char *name, const char *type, uint64_t bit,
		uint32_t bits)
{
	const struct iod_type *mt;

	if (iod_typedb_lookup(s->db, type, &mt) || iod_type_add_member(s->db, t, name, mt, bit, bits))
		abort();
}

static void setup(void)
{
	struct iod_type *q, *e;
	const struct iod_type *done;

	fuzz_scratch_setup(sysdir, sizeof(sysdir));
	if (session_new(&s))
		abort();
	s->keep_going = true;
	s->sysfs = sysdir;
	if (iod_type_create(s->db, IOD_TYPE_ENUM, "st", &e))
		abort();
	e->size = 4;
	if (iod_type_add_enumerator(s->db, e, "ST_A", 0) ||
	    iod_type_add_enumerator(s->db, e, "ST_B", 2) || iod_typedb_add(s->db, e, &done))
		abort();
	if (iod_type_create(s->db, IOD_TYPE_STRUCT, "q", &q))
		abort();
	q->size = 24;
	add(q, "head", "u32", 0, 0);
	add(q, "tail", "u32", 32, 0);
	add(q, "name", "char[4]", 64, 0);
	add(q, "st", "enum st", 96, 0);
	add(q, "mode", "u32", 128, 5);
	add(q, "lvl", "s16", 133, 6);
	add(q, "data", "u16[2]", 160, 0);
	if (iod_typedb_add(s->db, q, &done))
		abort();
	session_run_line(s, "attach sim:4K");
	session_run_line(s, "view g = struct q[8] @ sim0");
	session_run_line(s, "view b = u8[64] @ sim0+0x100");
}

static bool allowed(const char *line)
{
	if (strstr(line, "poll") || strstr(line, "watch") || strstr(line, "for") ||
	    strstr(line, "quit") || strstr(line, "exit") || strstr(line, "source"))
		return false;
	return fuzz_line_ok((const uint8_t *)line, (const uint8_t *)line + strlen(line));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *line, *save = NULL;

	if (!s)
		setup();
	text = fuzz_text(data, size);
	if (!text)
		return 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (allowed(line))
			session_run_line(s, line);
	s->quit = false;
	s->json = false;
	s->trace = false;
	s->io.trace = NULL;
	free(text);
	return 0;
}
