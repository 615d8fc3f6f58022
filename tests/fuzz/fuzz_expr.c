/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: any bytes as an expression, a location, a number and a duration; parsed, evaluated on a sim region, freed. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iodbg/expr.h"
#include "iodbg/io.h"
#include "iodbg/strbuf.h"
#include "iodbg/types.h"

/* Layouts from the compiler, as the unit tests build them. */
struct f_msgq {
	uint32_t head;
	uint32_t tail;
	char name[4];
	_Bool ok;
	uint32_t data[2];
};

struct f_status {
	uint32_t seq : 8;
	uint32_t state : 4;
	int32_t err : 4;
	uint32_t flags : 16;
};

struct f_gsp {
	uint32_t magic;
	struct f_msgq cmdq[8];
	struct f_status status;
	int64_t big;
	uint8_t ring[];
};

struct world {
	struct iod_typedb *db;
	struct iod_region *sim0, *sim1;
	struct iod_view gsp, magic;
	const struct iod_type *state;
	struct iod_io io;
	unsigned runs;
	unsigned long accesses;
};

static struct world w;

static void count_access(void *ctx, const struct iod_access *a)
{
	(void)ctx;
	(void)a;
	w.accesses++;
}

/* Setup cannot fail in a working build; a failure ends the run loudly. */
static void must(struct iod_error *err)
{
	if (err)
		abort();
}

static const struct iod_type *get(const char *name)
{
	const struct iod_type *t;

	must(iod_typedb_lookup(w.db, name, &t));
	return t;
}

static struct iod_type *make(enum iod_type_kind kind, const char *name, uint64_t size)
{
	struct iod_type *t;

	must(iod_type_create(w.db, kind, name, &t));
	t->size = size;
	return t;
}

static const struct iod_type *publish(struct iod_type *t)
{
	const struct iod_type *ret;

	must(iod_typedb_add(w.db, t, &ret));
	return ret;
}

static const struct iod_type *array(const struct iod_type *e, uint64_t n, bool flexible)
{
	const struct iod_type *t;

	must(iod_typedb_array_of(w.db, e, n, flexible, &t));
	return t;
}

static void member(struct iod_type *t, const char *name, const struct iod_type *mt,
		   uint64_t bit, uint32_t bits)
{
	must(iod_type_add_member(w.db, t, name, mt, bit, bits));
}

static void build(void)
{
	const struct iod_type *u32, *s32, *msgq;
	struct iod_type *t, *e;

	must(iod_typedb_new(&w.db));
	u32 = get("u32");
	s32 = get("s32");

	e = make(IOD_TYPE_ENUM, "gsp_state", 4);
	e->is_signed = true;
	must(iod_type_add_enumerator(w.db, e, "GSP_BOOT", 0));
	must(iod_type_add_enumerator(w.db, e, "GSP_READY", 2));
	must(iod_type_add_enumerator(w.db, e, "GSP_ERR", 0xffffffff));
	w.state = publish(e);
	e = make(IOD_TYPE_ENUM, "other", 4);
	must(iod_type_add_enumerator(w.db, e, "GSP_READY", 7));
	publish(e);

	t = make(IOD_TYPE_STRUCT, "msgq", sizeof(struct f_msgq));
	member(t, "head", u32, offsetof(struct f_msgq, head) * 8, 0);
	member(t, "tail", u32, offsetof(struct f_msgq, tail) * 8, 0);
	member(t, "name", array(get("char"), 4, false), offsetof(struct f_msgq, name) * 8, 0);
	member(t, "ok", get("bool"), offsetof(struct f_msgq, ok) * 8, 0);
	member(t, "data", array(u32, 2, false), offsetof(struct f_msgq, data) * 8, 0);
	msgq = publish(t);

	/* bit positions of the x86-64 layout of struct f_status */
	t = make(IOD_TYPE_STRUCT, "status", sizeof(struct f_status));
	member(t, "seq", u32, 0, 8);
	member(t, "state", w.state, 8, 4);
	member(t, "err", s32, 12, 4);
	member(t, "flags", u32, 16, 16);
	publish(t);

	t = make(IOD_TYPE_STRUCT, "gsp", sizeof(struct f_gsp));
	member(t, "magic", u32, offsetof(struct f_gsp, magic) * 8, 0);
	member(t, "cmdq", array(msgq, 8, false), offsetof(struct f_gsp, cmdq) * 8, 0);
	member(t, "status", get("struct status"), offsetof(struct f_gsp, status) * 8, 0);
	member(t, "big", get("s64"), offsetof(struct f_gsp, big) * 8, 0);
	member(t, "ring", array(get("u8"), 0, true), offsetof(struct f_gsp, ring) * 8, 0);
	publish(t);

	t = make(IOD_TYPE_STRUCT, "nova_core::gsp::GspMem", 8);
	t->lang = IOD_LANG_RUST;
	member(t, "x", u32, 32, 0);
	publish(t);

	must(iod_region_sim("sim0", sizeof(struct f_gsp) + 64, &w.sim0));
	must(iod_region_sim("sim1", 4096, &w.sim1));
	must(iod_view_init(w.sim0, 0, get("struct gsp"), &w.gsp));
	must(iod_view_init(w.sim1, 16, u32, &w.magic));
	w.io = (struct iod_io){ .trace = count_access };
	/* something other than zeros to read */
	for (uint64_t off = 0; off + 4 <= w.sim0->size; off += 4)
		must(iod_access_write(NULL, w.sim0, off, 4, off * 0x01010101u));
}

static void teardown(void)
{
	iod_region_free(w.sim0);
	iod_region_free(w.sim1);
	iod_typedb_free(w.db);
	w.db = NULL;
}

static struct iod_error *env_view(void *ctx, const char *name, struct iod_view *ret)
{
	(void)ctx;
	if (!strcmp(name, "gsp") || !strcmp(name, "magic")) {
		*ret = name[0] == 'g' ? w.gsp : w.magic;
		return NULL;
	}
	return iod_error_new(IOD_ERR_LOOKUP, "no view %s", name);
}

static struct iod_error *env_region(void *ctx, const char *name, struct iod_region **ret)
{
	(void)ctx;
	if (!strcmp(name, "sim0") || !strcmp(name, "sim1")) {
		*ret = name[3] == '0' ? w.sim0 : w.sim1;
		return NULL;
	}
	return iod_error_new(IOD_ERR_LOOKUP, "no region %s", name);
}

static struct iod_error *env_var(void *ctx, const char *name, int64_t *ret)
{
	(void)ctx;
	if (!strcmp(name, "i"))
		*ret = 3;
	else if (!strcmp(name, "neg"))
		*ret = -1;
	else if (!strcmp(name, "big"))
		*ret = INT64_MAX;
	else
		return iod_error_new(IOD_ERR_LOOKUP, "unset %s", name);
	return NULL;
}

static void env_on_read(void *ctx, const char *path, const struct iod_view *v, uint64_t raw)
{
	/* touch what is handed over, so a dangling path shows under ASan */
	(void)ctx;
	(void)v;
	(void)raw;
	if (strlen(path) == (size_t)-1)
		abort();
}

/* Everything a caller may do with an expression. */
static void exercise(const char *text)
{
	struct iod_expr_env env = {
		.db = w.db, .io = &w.io, .view = env_view, .region = env_region,
		.var = env_var, .on_read = env_on_read,
	};
	struct iod_strbuf sb = { 0 };
	struct iod_expr *e;
	struct iod_region *r;
	struct iod_view v;
	size_t consumed, pos;
	uint64_t off;
	int64_t x;
	struct iod_error *err = iod_expr_parse(text, &e, &consumed, &pos);

	if (err) {
		if (pos > strlen(text))
			abort();
		iod_error_free(err);
		return;
	}
	if (consumed > strlen(text))
		abort();
	iod_expr_text(e, &sb);
	if (iod_expr_name(e) && !iod_expr_is_path(e))
		abort();
	/* a promise the completion code relies on: checked by the trace */
	w.accesses = 0;
	if (iod_expr_is_path(e))
		iod_error_free(iod_expr_eval_view(e, &env, &v, &sb));
	else if (iod_expr_is_loc(e))
		iod_error_free(iod_expr_eval_loc(e, &env, &r, &off));
	else
		iod_error_free(iod_expr_eval_int(e, &env, NULL, &x));
	if (iod_expr_reads_nothing(e) && w.accesses)
		abort();
	iod_error_free(iod_expr_eval_int(e, &env, NULL, &x));
	iod_error_free(iod_expr_eval_int(e, &env, w.state, &x));
	if (iod_expr_is_loc(e))
		iod_error_free(iod_expr_eval_loc(e, &env, &r, &off));
	iod_strbuf_release(&sb);
	iod_expr_free(e);
	/* what follows a stop, as a caller parses "A..B" or "EXPR timeout DUR" */
	if (consumed && text[consumed] && consumed < strlen(text))
		exercise(text + consumed + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct iod_expr *e;
	size_t pos;
	uint64_t n;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	/* slices and "T[N]" lookups add array types to the database for good: start
	   afresh now and then so a long run does not grow without bound */
	if (!w.db || ++w.runs % 4096 == 0) {
		if (w.db)
			teardown();
		build();
	}
	{
		struct iod_error *err = iod_expr_parse(text, &e, NULL, &pos);

		if (err) {
			if (pos > size)
				abort();
			iod_error_free(err);
		} else {
			iod_expr_free(e);
		}
	}
	exercise(text);
	iod_error_free(iod_parse_number(text, false, &n));
	iod_error_free(iod_parse_number(text, true, &n));
	iod_error_free(iod_parse_duration(text, &n));
	free(text);
	return 0;
}
