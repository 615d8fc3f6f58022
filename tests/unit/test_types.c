/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the type model and database (src/types/), building types only through the API. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iodbg/types.h"

/* --- helpers ------------------------------------------------------------ */

static int setup(void **state)
{
	struct iod_typedb *db = NULL;

	if (iod_typedb_new(&db))
		return -1;
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	iod_typedb_free(*state);
	return 0;
}

static void ok(struct iod_error *err)
{
	if (err)
		fail_msg("unexpected error: %s", err->message);
}

static const struct iod_type *lookup(struct iod_typedb *db, const char *name)
{
	const struct iod_type *t = NULL;
	struct iod_error *err = iod_typedb_lookup(db, name, &t);

	if (err)
		fail_msg("lookup '%s': %s", name, err->message);
	assert_non_null(t);
	return t;
}

/* The message of the expected error, in a buffer the caller frees. */
static char *lookup_err(struct iod_typedb *db, const char *name, enum iod_error_kind kind)
{
	const struct iod_type *t = (const struct iod_type *)(uintptr_t)0x1;
	struct iod_error *err = iod_typedb_lookup(db, name, &t);
	char *msg;

	if (!err)
		fail_msg("lookup '%s' succeeded", name);
	assert_int_equal(err->kind, kind);
	/* The out-parameter is changed only on success. */
	assert_ptr_equal(t, (const struct iod_type *)(uintptr_t)0x1);
	msg = strdup(err->message);
	iod_error_free(err);
	return msg;
}

static void expect_lookup_err(struct iod_typedb *db, const char *name, enum iod_error_kind kind,
			      const char *message)
{
	char *msg = lookup_err(db, name, kind);

	assert_string_equal(msg, message);
	free(msg);
}

static const char *tname(const struct iod_type *t)
{
	static char buf[512];

	iod_type_name(t, buf, sizeof(buf));
	return buf;
}

static struct iod_type *mk(struct iod_typedb *db, enum iod_type_kind kind, const char *name,
			   uint64_t size)
{
	struct iod_type *t;

	ok(iod_type_create(db, kind, name, &t));
	t->size = size;
	return t;
}

static struct iod_type *mk_base(struct iod_typedb *db, const char *name, uint64_t size,
				bool is_signed)
{
	struct iod_type *t = mk(db, IOD_TYPE_BASE, name, size);

	t->is_signed = is_signed;
	return t;
}

static struct iod_type *mk_wrap(struct iod_typedb *db, enum iod_type_kind kind, const char *name,
				const struct iod_type *target)
{
	struct iod_type *t;

	ok(iod_type_create(db, kind, name, &t));
	t->target = target;
	return t;
}

static void member(struct iod_typedb *db, struct iod_type *t, const char *name,
		   const struct iod_type *type, uint64_t byte_offset)
{
	ok(iod_type_add_member(db, t, name, type, byte_offset * 8, 0));
}

static const struct iod_type *add(struct iod_typedb *db, struct iod_type *t)
{
	const struct iod_type *r = NULL;

	ok(iod_typedb_add(db, t, &r));
	assert_non_null(r);
	return r;
}

static const struct iod_type *arr(struct iod_typedb *db, const struct iod_type *elem,
				  uint64_t count)
{
	const struct iod_type *r;

	ok(iod_typedb_array_of(db, elem, count, false, &r));
	return r;
}

/* struct msgq { u32 head; u32 tail; } from cu. */
static struct iod_type *mk_msgq(struct iod_typedb *db, const char *cu)
{
	struct iod_type *t = mk(db, IOD_TYPE_STRUCT, "msgq", 8);

	member(db, t, "head", lookup(db, "u32"), 0);
	member(db, t, "tail", lookup(db, "u32"), 4);
	t->cu = iod_typedb_strdup(db, cu);
	return t;
}

static struct iod_type *mk_rust_struct(struct iod_typedb *db, const char *name, uint64_t size,
				       const char *cu)
{
	struct iod_type *t = mk(db, IOD_TYPE_STRUCT, name, size);

	t->lang = IOD_LANG_RUST;
	t->cu = iod_typedb_strdup(db, cu);
	if (size >= 8)
		member(db, t, "word", lookup(db, "u64"), 0);
	return t;
}

/* --- built-ins ---------------------------------------------------------- */

static void test_builtins(void **state)
{
	static const struct {
		const char *name;
		uint64_t size;
		bool is_signed;
		enum iod_base_enc enc;
	} want[] = {
		{ "u8", 1, false, IOD_ENC_INT },      { "u16", 2, false, IOD_ENC_INT },
		{ "u32", 4, false, IOD_ENC_INT },     { "u64", 8, false, IOD_ENC_INT },
		{ "s8", 1, true, IOD_ENC_INT },       { "s16", 2, true, IOD_ENC_INT },
		{ "s32", 4, true, IOD_ENC_INT },      { "s64", 8, true, IOD_ENC_INT },
		{ "uint8_t", 1, false, IOD_ENC_INT }, { "uint16_t", 2, false, IOD_ENC_INT },
		{ "uint32_t", 4, false, IOD_ENC_INT }, { "uint64_t", 8, false, IOD_ENC_INT },
		{ "int8_t", 1, true, IOD_ENC_INT },   { "int16_t", 2, true, IOD_ENC_INT },
		{ "int32_t", 4, true, IOD_ENC_INT },  { "int64_t", 8, true, IOD_ENC_INT },
		{ "char", 1, true, IOD_ENC_CHAR },    { "bool", 1, false, IOD_ENC_BOOL },
	};
	struct iod_typedb *db = *state;
	size_t iter = 0;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct iod_type *t = lookup(db, want[i].name);

		assert_int_equal(t->kind, IOD_TYPE_BASE);
		assert_string_equal(t->name, want[i].name);
		assert_string_equal(tname(t), want[i].name);
		assert_int_equal(t->size, want[i].size);
		assert_int_equal(t->is_signed, want[i].is_signed);
		assert_int_equal(iod_type_is_signed(t), want[i].is_signed);
		assert_int_equal(t->enc, want[i].enc);
		assert_false(t->ambiguous);
		assert_true(iod_type_is_scalar(t));
		assert_false(iod_type_is_aggregate(t));
		assert_int_equal(iod_type_align(t), want[i].size);
	}
	/* Distinct names are distinct types, even of equal layout. */
	assert_ptr_not_equal(lookup(db, "u32"), lookup(db, "uint32_t"));
	/* Built-ins are not listed among registered (loaded) types. */
	assert_null(iod_typedb_next(db, &iter));
}

static void test_builtin_wins_over_namesakes(void **state)
{
	struct iod_typedb *db = *state;
	const struct iod_type *u32 = lookup(db, "u32"), *ch = lookup(db, "char");
	struct iod_type *uint = mk_base(db, "unsigned int", 4, false);
	struct iod_type *ktd = mk_wrap(db, IOD_TYPE_TYPEDEF, "u32", uint);
	struct iod_type *rchar = mk_base(db, "char", 4, false);
	struct iod_type *ru32 = mk_base(db, "u32", 4, false);
	const struct iod_type *t;
	size_t iter = 0;

	ktd->cu = iod_typedb_strdup(db, "kernel/pci.c");
	assert_ptr_equal(add(db, uint), uint);
	assert_ptr_equal(add(db, ktd), ktd);
	rchar->enc = IOD_ENC_CHAR;
	rchar->lang = IOD_LANG_RUST;
	assert_ptr_equal(add(db, rchar), rchar);

	assert_ptr_equal(lookup(db, "u32"), u32);
	assert_ptr_equal(lookup(db, "char"), ch);
	assert_int_equal(lookup(db, "char")->size, 1);
	/* The namesakes are stored and reachable by number. */
	assert_ptr_equal(lookup(db, "u32#0"), ktd);
	assert_ptr_equal(lookup(db, "char#0"), rchar);
	expect_lookup_err(db, "u32#1", IOD_ERR_LOOKUP, "unknown type 'u32#1': only u32#0 exists");

	/* A second, different namesake makes the loaded u32 ambiguous, not the bare name. */
	ru32->lang = IOD_LANG_RUST;
	assert_ptr_equal(add(db, ru32), ru32);
	assert_true(ktd->ambiguous);
	assert_ptr_equal(lookup(db, "u32"), u32);
	assert_false(u32->ambiguous);
	assert_ptr_equal(lookup(db, "u32#1"), ru32);
	t = lookup(db, "u32[2]");
	assert_ptr_equal(t->target, u32);

	/* With no namesake loaded, #0 is the built-in itself. */
	assert_ptr_equal(lookup(db, "bool#0"), lookup(db, "bool"));
	expect_lookup_err(db, "bool#1", IOD_ERR_LOOKUP, "unknown type 'bool#1': only bool#0 exists");

	/* Loaded namesakes are listed; built-ins are not. */
	assert_ptr_equal(iod_typedb_next(db, &iter), uint);
	assert_ptr_equal(iod_typedb_next(db, &iter), ktd);
	assert_ptr_equal(iod_typedb_next(db, &iter), rchar);
	assert_ptr_equal(iod_typedb_next(db, &iter), ru32);
	assert_null(iod_typedb_next(db, &iter));
}

/* --- lookup by kind ----------------------------------------------------- */

static void test_struct_union_enum_lookup(void **state)
{
	struct iod_typedb *db = *state;
	struct iod_type *s = mk_msgq(db, "a.c");
	struct iod_type *u = mk(db, IOD_TYPE_UNION, "reg", 4);
	struct iod_type *e = mk(db, IOD_TYPE_ENUM, "state", 4);

	member(db, u, "raw", lookup(db, "u32"), 0);
	member(db, u, "lo", lookup(db, "u16"), 0);
	ok(iod_type_add_enumerator(db, e, "IDLE", 0));
	ok(iod_type_add_enumerator(db, e, "BUSY", 1));
	add(db, s);
	add(db, u);
	add(db, e);

	assert_ptr_equal(lookup(db, "struct msgq"), s);
	assert_ptr_equal(lookup(db, "  struct \t msgq  "), s);
	assert_ptr_equal(lookup(db, "union reg"), u);
	assert_ptr_equal(lookup(db, "enum state"), e);

	/* C tags need their keyword, and the right one. */
	expect_lookup_err(db, "msgq", IOD_ERR_LOOKUP,
			  "unknown type 'msgq' (did you mean 'struct msgq'?)");
	expect_lookup_err(db, "union msgq", IOD_ERR_LOOKUP,
			  "unknown type 'union msgq' (did you mean 'struct msgq'?)");
	expect_lookup_err(db, "struct reg", IOD_ERR_LOOKUP,
			  "unknown type 'struct reg' (did you mean 'union reg'?)");
	expect_lookup_err(db, "struct state", IOD_ERR_LOOKUP,
			  "unknown type 'struct state' (did you mean 'enum state'?)");
	expect_lookup_err(db, "struct nope", IOD_ERR_LOOKUP, "unknown type 'struct nope'");
	expect_lookup_err(db, "nope[4]", IOD_ERR_LOOKUP, "unknown type 'nope'");
	expect_lookup_err(db, "structmsgq", IOD_ERR_LOOKUP, "unknown type 'structmsgq'");
	expect_lookup_err(db, "", IOD_ERR_SYNTAX, "missing type name");
	expect_lookup_err(db, "  \t ", IOD_ERR_SYNTAX, "missing type name");
}

static void test_typedef_and_tag_namespaces(void **state)
{
	struct iod_typedb *db = *state;
	struct iod_type *s = mk_msgq(db, "a.c");
	struct iod_type *td = mk_wrap(db, IOD_TYPE_TYPEDEF, "msgq", s);
	struct iod_type *td2 = mk_wrap(db, IOD_TYPE_TYPEDEF, "msgq_t", s);

	/* typedef struct msgq msgq; is legal C: two names that do not collide. */
	add(db, s);
	add(db, td);
	add(db, td2);
	assert_ptr_equal(lookup(db, "struct msgq"), s);
	assert_ptr_equal(lookup(db, "msgq"), td);
	assert_ptr_equal(lookup(db, "msgq_t"), td2);
	assert_false(td->ambiguous);
	assert_string_equal(tname(td2), "msgq_t");
	assert_ptr_equal(iod_type_strip(td2), s);
	assert_true(iod_type_is_aggregate(td2));
	assert_false(iod_type_is_scalar(td2));
	expect_lookup_err(db, "struct msgq_t", IOD_ERR_LOOKUP, "unknown type 'struct msgq_t'");
}

/* --- arrays ------------------------------------------------------------- */

static void test_array_lookup(void **state)
{
	struct iod_typedb *db = *state;
	const struct iod_type *u32 = lookup(db, "u32"), *t, *inner, *r;
	struct iod_type *s = mk_msgq(db, "a.c");
	char *msg;

	add(db, s);
	t = lookup(db, "u32[16]");
	assert_int_equal(t->kind, IOD_TYPE_ARRAY);
	assert_int_equal(t->count, 16);
	assert_false(t->flexible);
	assert_int_equal(t->size, 64);
	assert_ptr_equal(t->target, u32);
	assert_string_equal(tname(t), "u32[16]");
	/* One type per (element, count): the same pointer every time. */
	assert_ptr_equal(lookup(db, "u32[16]"), t);
	assert_ptr_equal(lookup(db, "u32 [ 0x10 ]"), t);
	assert_ptr_equal(lookup(db, "u32[0b1_0000]"), t);
	assert_ptr_equal(arr(db, u32, 16), t);
	assert_ptr_not_equal(arr(db, u32, 15), t);

	/* C order: an array of 4 arrays of 2. */
	t = lookup(db, "struct msgq[4][2]");
	assert_int_equal(t->count, 4);
	inner = t->target;
	assert_int_equal(inner->kind, IOD_TYPE_ARRAY);
	assert_int_equal(inner->count, 2);
	assert_ptr_equal(inner->target, s);
	assert_int_equal(inner->size, 16);
	assert_int_equal(t->size, 64);
	assert_string_equal(tname(t), "struct msgq[4][2]");
	assert_ptr_equal(lookup(db, "struct msgq [4] [2]"), t);
	assert_true(iod_type_is_aggregate(t));
	assert_int_equal(iod_type_align(t), 4);

	t = lookup(db, "u32[]");
	assert_true(t->flexible);
	assert_int_equal(t->size, 0);
	assert_string_equal(tname(t), "u32[]");
	ok(iod_typedb_array_of(db, u32, 0, true, &r));
	assert_ptr_equal(r, t);

	/* A suffix that is not a number is part of the name. */
	expect_lookup_err(db, "u32[abc]", IOD_ERR_LOOKUP, "unknown type 'u32[abc]'");
	msg = lookup_err(db, "u64[0x2000000000000000]", IOD_ERR_VALUE);
	assert_string_equal(msg, "'u64[2305843009213693952]' is too large");
	free(msg);
}

static void test_array_of_errors(void **state)
{
	struct iod_typedb *db = *state;
	struct iod_type *decl = mk(db, IOD_TYPE_STRUCT, "opaque", 0);
	const struct iod_type *r = (const struct iod_type *)(uintptr_t)0x1;
	struct iod_error *err;

	decl->declaration = true;
	add(db, decl);
	err = iod_typedb_array_of(db, decl, 2, false, &r);
	assert_non_null(err);
	assert_int_equal(err->kind, IOD_ERR_TYPE);
	assert_string_equal(err->message, "array of incomplete type 'struct opaque'");
	iod_error_free(err);
	err = iod_typedb_array_of(db, NULL, 2, false, &r);
	assert_non_null(err);
	assert_int_equal(err->kind, IOD_ERR_TYPE);
	iod_error_free(err);
	assert_ptr_equal(r, (const struct iod_type *)(uintptr_t)0x1);
	expect_lookup_err(db, "struct opaque[2]", IOD_ERR_TYPE,
			  "array of incomplete type 'struct opaque'");
}

/* --- several layouts ---------------------------------------------------- */

static struct iod_type *mk_ip_base(struct iod_typedb *db, uint64_t words, const char *cu)
{
	struct iod_type *t = mk(db, IOD_TYPE_STRUCT, "IP_BASE", words * 4);

	member(db, t, "regs", arr(db, lookup(db, "u32"), words), 0);
	t->cu = iod_typedb_strdup(db, cu);
	return t;
}

static void test_ambiguous_and_numbered(void **state)
{
	struct iod_typedb *db = *state;
	struct iod_type *a = mk_ip_base(db, 56, "a.c");
	struct iod_type *b = mk_ip_base(db, 64, "b.c");
	struct iod_type *c = mk_ip_base(db, 56, "c.c");
	const struct iod_type *t;
	size_t iter = 0;

	assert_ptr_equal(add(db, a), a);
	assert_false(a->ambiguous);
	assert_ptr_equal(lookup(db, "struct IP_BASE"), a);
	assert_ptr_equal(lookup(db, "struct IP_BASE#0"), a);

	assert_ptr_equal(add(db, b), b);
	/* An identical third definition merges into the first. */
	assert_ptr_equal(add(db, c), a);
	assert_false(c->ambiguous);

	assert_true(a->ambiguous);
	assert_true(b->ambiguous);
	assert_int_equal(a->dup_index, 0);
	assert_int_equal(b->dup_index, 1);
	expect_lookup_err(db, "struct IP_BASE", IOD_ERR_LOOKUP,
			  "struct IP_BASE is ambiguous: struct IP_BASE#0 (224 bytes, a.c), "
			  "struct IP_BASE#1 (256 bytes, b.c)");
	expect_lookup_err(db, "struct IP_BASE[2]", IOD_ERR_LOOKUP,
			  "struct IP_BASE is ambiguous: struct IP_BASE#0 (224 bytes, a.c), "
			  "struct IP_BASE#1 (256 bytes, b.c)");
	assert_ptr_equal(lookup(db, "struct IP_BASE#0"), a);
	assert_ptr_equal(lookup(db, "struct IP_BASE#1"), b);
	assert_ptr_equal(lookup(db, "struct  IP_BASE # 1 "), b);
	expect_lookup_err(db, "struct IP_BASE#2", IOD_ERR_LOOKUP,
			  "unknown type 'struct IP_BASE#2': only struct IP_BASE#0 to #1 exist");
	t = lookup(db, "struct IP_BASE#1[2]");
	assert_int_equal(t->count, 2);
	assert_ptr_equal(t->target, b);
	assert_int_equal(t->size, 512);
	/* The type string stays the declared spelling; #k is for lookups and listings. */
	assert_string_equal(tname(b), "struct IP_BASE");

	assert_ptr_equal(iod_typedb_next(db, &iter), a);
	assert_ptr_equal(iod_typedb_next(db, &iter), b);
	assert_null(iod_typedb_next(db, &iter));
}

static void test_merge_identical(void **state)
{
	struct iod_typedb *db = *state;
	struct iod_type *a = mk_msgq(db, "a.c"), *b = mk_msgq(db, "b.c");
	struct iod_type *ea = mk(db, IOD_TYPE_ENUM, "mode", 4), *eb = mk(db, IOD_TYPE_ENUM, "mode", 4);
	struct iod_type *ec = mk(db, IOD_TYPE_ENUM, "mode", 4);
	size_t iter = 0;

	add(db, a);
	assert_ptr_equal(add(db, b), a);
	assert_ptr_equal(lookup(db, "struct msgq"), a);
	assert_false(a->ambiguous);

	ok(iod_type_add_enumerator(db, ea, "OFF", 0));
	ok(iod_type_add_enumerator(db, ea, "ON", 1));
	ok(iod_type_add_enumerator(db, eb, "OFF", 0));
	ok(iod_type_add_enumerator(db, eb, "ON", 1));
	ok(iod_type_add_enumerator(db, ec, "OFF", 0));
	ok(iod_type_add_enumerator(db, ec, "ON", 2));
	add(db, ea);
	assert_ptr_equal(add(db, eb), ea);
	assert_ptr_equal(add(db, ec), ec);
	assert_true(ea->ambiguous);
	assert_ptr_equal(lookup(db, "enum mode#1"), ec);

	/* Adding the same type again is harmless. */
	assert_ptr_equal(add(db, a), a);
	assert_ptr_equal(iod_typedb_next(db, &iter), a);
	assert_ptr_equal(iod_typedb_next(db, &iter), ea);
	assert_ptr_equal(iod_typedb_next(db, &iter), ec);
	assert_null(iod_typedb_next(db, &iter));
}

static void test_declaration_and_definition(void **state)
{
	struct iod_typedb *db = *state;
	struct iod_type *d1 = mk(db, IOD_TYPE_STRUCT, "foo", 0);
	struct iod_type *d2 = mk(db, IOD_TYPE_STRUCT, "foo", 0);
	struct iod_type *def = mk(db, IOD_TYPE_STRUCT, "foo", 4);
	struct iod_type *bar = mk(db, IOD_TYPE_STRUCT, "bar", 4);
	struct iod_type *bar_decl = mk(db, IOD_TYPE_STRUCT, "bar", 0);
	struct iod_type *td_decl = mk_wrap(db, IOD_TYPE_TYPEDEF, "foo_t", d1);
	struct iod_type *td_def = mk_wrap(db, IOD_TYPE_TYPEDEF, "foo_t", def);
	size_t iter = 0;

	d1->declaration = d2->declaration = bar_decl->declaration = true;
	member(db, def, "x", lookup(db, "u32"), 0);
	member(db, bar, "y", lookup(db, "u32"), 0);

	assert_ptr_equal(add(db, d1), d1);
	assert_ptr_equal(add(db, td_decl), td_decl);
	assert_ptr_equal(lookup(db, "struct foo"), d1);
	assert_true(lookup(db, "struct foo")->declaration);
	assert_ptr_equal(add(db, d2), d1);

	/* The definition replaces the declaration for lookups... */
	assert_ptr_equal(add(db, def), def);
	assert_ptr_equal(lookup(db, "struct foo"), def);
	assert_false(def->ambiguous);
	assert_int_equal(def->dup_index, 0);
	/* ...a later declaration hands out the definition... */
	assert_ptr_equal(add(db, d2), def);
	{
		struct iod_type *d3 = mk(db, IOD_TYPE_STRUCT, "foo", 0);

		d3->declaration = true;
		assert_ptr_equal(add(db, d3), def);
	}
	/* ...and a typedef first seen over the declaration learns the definition. */
	assert_ptr_equal(add(db, td_def), td_decl);
	assert_ptr_equal(td_decl->target, def);
	assert_ptr_equal(iod_type_strip(lookup(db, "foo_t")), def);

	/* Definition first: the declaration never shadows it. */
	add(db, bar);
	assert_ptr_equal(add(db, bar_decl), bar);
	assert_ptr_equal(lookup(db, "struct bar"), bar);

	/* The listing shows no declaration once a definition exists. */
	assert_ptr_equal(iod_typedb_next(db, &iter), td_decl);
	assert_ptr_equal(iod_typedb_next(db, &iter), def);
	assert_ptr_equal(iod_typedb_next(db, &iter), bar);
	assert_null(iod_typedb_next(db, &iter));
}

/* --- Rust --------------------------------------------------------------- */

static void test_rust_paths(void **state)
{
	struct iod_typedb *db = *state;
	struct iod_type *gsp = mk_rust_struct(db, "nova_core::gsp::GspMem", 64, "nova_core.rs");
	struct iod_type *other = mk_rust_struct(db, "other::GspMem", 32, "other.rs");
	struct iod_type *coh = mk_rust_struct(db, "kernel::dma::Coherent<nova_core::gsp::GspMem>",
					      16, "nova_core.rs");
	struct iod_type *slice = mk_rust_struct(db, "&[u8]", 16, "nova_core.rs");
	struct iod_type *tuple = mk_rust_struct(db, "(u32, u64)", 16, "nova_core.rs");
	struct iod_type *rarr = mk(db, IOD_TYPE_ARRAY, "[u8; 4]", 4);
	struct iod_type *renum = mk(db, IOD_TYPE_ENUM, "nova_core::gsp::State", 1);
	const struct iod_type *t;
	char *msg;

	rarr->lang = IOD_LANG_RUST;
	rarr->target = lookup(db, "u8");
	rarr->count = 4;
	renum->lang = IOD_LANG_RUST;
	ok(iod_type_add_enumerator(db, renum, "Ready", 0));
	add(db, gsp);
	add(db, coh);
	add(db, slice);
	add(db, tuple);
	add(db, rarr);
	add(db, renum);

	assert_ptr_equal(lookup(db, "nova_core::gsp::GspMem"), gsp);
	assert_ptr_equal(lookup(db, "struct nova_core::gsp::GspMem"), gsp);
	/* A unique last segment finds it, with or without the keyword. */
	assert_ptr_equal(lookup(db, "GspMem"), gsp);
	assert_ptr_equal(lookup(db, "struct GspMem"), gsp);
	assert_ptr_equal(lookup(db, "GspMem#0"), gsp);
	assert_ptr_equal(lookup(db, "State"), renum);
	assert_ptr_equal(lookup(db, "enum State"), renum);
	expect_lookup_err(db, "union GspMem", IOD_ERR_LOOKUP, "unknown type 'union GspMem'");
	assert_string_equal(tname(gsp), "nova_core::gsp::GspMem");
	assert_string_equal(iod_type_keyword(gsp), "");
	t = lookup(db, "GspMem[2]");
	assert_ptr_equal(t->target, gsp);
	assert_string_equal(tname(t), "nova_core::gsp::GspMem[2]");

	/* Names with <>, ::, spaces, &, commas and brackets are whole names. */
	assert_ptr_equal(lookup(db, "kernel::dma::Coherent<nova_core::gsp::GspMem>"), coh);
	assert_ptr_equal(lookup(db, "Coherent<nova_core::gsp::GspMem>"), coh);
	assert_ptr_equal(lookup(db, "&[u8]"), slice);
	assert_ptr_equal(lookup(db, "(u32, u64)"), tuple);
	assert_ptr_equal(lookup(db, "[u8; 4]"), rarr);
	t = lookup(db, "[u8; 4][2]");
	assert_int_equal(t->count, 2);
	assert_ptr_equal(t->target, rarr);
	assert_string_equal(tname(t), "[u8; 4][2]");
	t = lookup(db, "Coherent<nova_core::gsp::GspMem>[3]");
	assert_ptr_equal(t->target, coh);

	/* A second GspMem: the last segment is ambiguous, full paths are not. */
	add(db, other);
	expect_lookup_err(db, "GspMem", IOD_ERR_LOOKUP,
			  "GspMem is ambiguous: nova_core::gsp::GspMem (64 bytes, nova_core.rs), "
			  "other::GspMem (32 bytes, other.rs)");
	msg = lookup_err(db, "struct GspMem", IOD_ERR_LOOKUP);
	assert_string_equal(msg, "struct GspMem is ambiguous: nova_core::gsp::GspMem (64 bytes, "
				 "nova_core.rs), other::GspMem (32 bytes, other.rs)");
	free(msg);
	assert_ptr_equal(lookup(db, "other::GspMem"), other);
	assert_ptr_equal(lookup(db, "nova_core::gsp::GspMem"), gsp);
	assert_false(gsp->ambiguous);
}

static void test_rust_full_path_layouts(void **state)
{
	struct iod_typedb *db = *state;
	struct iod_type *a = mk_rust_struct(db, "drv::regs::Bar0", 64, "a.rs");
	struct iod_type *b = mk_rust_struct(db, "drv::regs::Bar0", 32, "b.rs");

	add(db, a);
	add(db, b);
	/* One full path with two layouts: numbered like C, by full name or last segment. */
	expect_lookup_err(db, "Bar0", IOD_ERR_LOOKUP,
			  "Bar0 is ambiguous: drv::regs::Bar0#0 (64 bytes, a.rs), "
			  "drv::regs::Bar0#1 (32 bytes, b.rs)");
	assert_ptr_equal(lookup(db, "Bar0#1"), b);
	assert_ptr_equal(lookup(db, "drv::regs::Bar0#0"), a);
}

static void test_whole_name_before_suffixes(void **state)
{
	struct iod_typedb *db = *state;
	struct iod_type *plain = mk_base(db, "weird", 4, false);
	struct iod_type *bracket = mk_base(db, "weird[4]", 16, false);
	struct iod_type *hash = mk_base(db, "weird#1", 2, false);
	const struct iod_type *t;

	add(db, plain);
	add(db, bracket);
	add(db, hash);
	/* A stored name is matched whole before its tail is read as [N] or #k. */
	assert_ptr_equal(lookup(db, "weird[4]"), bracket);
	assert_ptr_equal(lookup(db, "weird#1"), hash);
	t = lookup(db, "weird[4][2]");
	assert_int_equal(t->count, 2);
	assert_ptr_equal(t->target, bracket);
	t = lookup(db, "weird[3]");
	assert_ptr_equal(t->target, plain);
}

static void test_c_keyword_needed_rust_not(void **state)
{
	struct iod_typedb *db = *state;
	struct iod_type *c = mk(db, IOD_TYPE_STRUCT, "Bar", 4);
	struct iod_type *r = mk_rust_struct(db, "m::Bar", 8, "m.rs");

	member(db, c, "x", lookup(db, "u32"), 0);
	add(db, c);
	add(db, r);
	/* The C tag needs "struct"; a full C name wins over a Rust last segment. */
	assert_ptr_equal(lookup(db, "struct Bar"), c);
	assert_ptr_equal(lookup(db, "Bar"), r);
	assert_ptr_equal(lookup(db, "m::Bar"), r);
}

/* --- type strings ------------------------------------------------------- */

static void test_type_names(void **state)
{
	struct iod_typedb *db = *state;
	const struct iod_type *u32 = lookup(db, "u32");
	struct iod_type *s = mk_msgq(db, "a.c");
	struct iod_type *anon_s = mk(db, IOD_TYPE_STRUCT, NULL, 4);
	struct iod_type *anon_u = mk(db, IOD_TYPE_UNION, NULL, 4);
	struct iod_type *anon_e = mk(db, IOD_TYPE_ENUM, NULL, 4);
	struct iod_type *e = mk(db, IOD_TYPE_ENUM, "state", 4);
	struct iod_type *u = mk(db, IOD_TYPE_UNION, "reg", 4);
	struct iod_type *p = mk_wrap(db, IOD_TYPE_POINTER, NULL, u32);
	struct iod_type *pp = mk_wrap(db, IOD_TYPE_POINTER, NULL, p);
	struct iod_type *vp = mk_wrap(db, IOD_TYPE_POINTER, NULL, NULL);
	struct iod_type *void_t = mk(db, IOD_TYPE_VOID, NULL, 0);
	struct iod_type *vp2 = mk_wrap(db, IOD_TYPE_POINTER, NULL, void_t);
	struct iod_type *cv = mk_wrap(db, IOD_TYPE_QUAL, NULL, u32);
	struct iod_type *c = mk_wrap(db, IOD_TYPE_QUAL, NULL, u32);
	struct iod_type *pc = mk_wrap(db, IOD_TYPE_POINTER, NULL, c);
	struct iod_type *cp = mk_wrap(db, IOD_TYPE_QUAL, NULL, p);
	struct iod_type *ps = mk_wrap(db, IOD_TYPE_POINTER, NULL, s);
	struct iod_type *pa = mk_wrap(db, IOD_TYPE_POINTER, NULL, arr(db, u32, 4));
	struct iod_type *td = mk_wrap(db, IOD_TYPE_TYPEDEF, "msgq_t", s);
	struct iod_type *ctd = mk_wrap(db, IOD_TYPE_QUAL, NULL, td);
	struct iod_type *rptr = mk_wrap(db, IOD_TYPE_POINTER, "&mut u32", u32);
	const struct iod_type *flex;
	char small[4];

	cv->quals = IOD_Q_CONST | IOD_Q_VOLATILE;
	c->quals = IOD_Q_CONST;
	cp->quals = IOD_Q_CONST;
	ctd->quals = IOD_Q_VOLATILE;
	ok(iod_typedb_array_of(db, u32, 0, true, &flex));

	assert_string_equal(tname(u32), "u32");
	assert_string_equal(tname(s), "struct msgq");
	assert_string_equal(tname(u), "union reg");
	assert_string_equal(tname(e), "enum state");
	assert_string_equal(tname(anon_s), "struct {...}");
	assert_string_equal(tname(anon_u), "union {...}");
	assert_string_equal(tname(anon_e), "enum {...}");
	assert_string_equal(tname(p), "u32 *");
	assert_string_equal(tname(pp), "u32 **");
	assert_string_equal(tname(vp), "void *");
	assert_string_equal(tname(vp2), "void *");
	assert_string_equal(tname(NULL), "void");
	assert_string_equal(tname(cv), "const volatile u32");
	assert_string_equal(tname(pc), "const u32 *");
	assert_string_equal(tname(cp), "u32 * const");
	assert_string_equal(tname(ps), "struct msgq *");
	assert_string_equal(tname(arr(db, u32, 16)), "u32[16]");
	assert_string_equal(tname(arr(db, arr(db, s, 2), 4)), "struct msgq[4][2]");
	assert_string_equal(tname(flex), "u32[]");
	assert_string_equal(tname(arr(db, p, 4)), "u32 *[4]");
	assert_string_equal(tname(pa), "u32 (*)[4]");
	assert_string_equal(tname(arr(db, pa, 3)), "u32 (*[3])[4]");
	assert_string_equal(tname(arr(db, anon_u, 2)), "union {...}[2]");
	assert_string_equal(tname(td), "msgq_t");
	assert_string_equal(tname(ctd), "volatile msgq_t");
	assert_string_equal(tname(rptr), "&mut u32");

	assert_string_equal(iod_type_keyword(s), "struct");
	assert_string_equal(iod_type_keyword(u), "union");
	assert_string_equal(iod_type_keyword(e), "enum");
	assert_string_equal(iod_type_keyword(td), "");
	assert_string_equal(iod_type_keyword(u32), "");

	/* snprintf contract: the length it wanted, a truncated NUL-terminated prefix. */
	assert_int_equal(iod_type_name(s, small, sizeof(small)), strlen("struct msgq"));
	assert_string_equal(small, "str");
	assert_int_equal(iod_type_name(s, NULL, 0), strlen("struct msgq"));

	assert_ptr_equal(iod_type_strip_cv(cv), u32);
	assert_ptr_equal(iod_type_strip_cv(ctd), td);
	assert_ptr_equal(iod_type_strip(ctd), s);
	assert_true(iod_type_is_scalar(cv));
	assert_true(iod_type_is_scalar(p));
	assert_false(iod_type_is_signed(p));
	assert_false(iod_type_is_scalar(void_t));
	assert_false(iod_type_is_scalar(NULL));
}

/* --- alignment ---------------------------------------------------------- */

static void test_align(void **state)
{
	struct iod_typedb *db = *state;
	const struct iod_type *u8 = lookup(db, "u8"), *u32 = lookup(db, "u32");
	const struct iod_type *u64 = lookup(db, "u64");
	struct iod_type *natural = mk(db, IOD_TYPE_STRUCT, "natural", 16);
	struct iod_type *packed = mk(db, IOD_TYPE_STRUCT, "packed", 5);
	struct iod_type *packed8 = mk(db, IOD_TYPE_STRUCT, "packed8", 8);
	struct iod_type *short_tail = mk(db, IOD_TYPE_STRUCT, "short_tail", 5);
	struct iod_type *explicit = mk(db, IOD_TYPE_STRUCT, "explicit", 64);
	struct iod_type *bits = mk(db, IOD_TYPE_STRUCT, "bits", 4);
	struct iod_type *crossing = mk(db, IOD_TYPE_STRUCT, "crossing", 8);
	struct iod_type *holder = mk(db, IOD_TYPE_STRUCT, "holder", 128);
	struct iod_type *un = mk(db, IOD_TYPE_UNION, "un", 8);
	struct iod_type *p = mk_wrap(db, IOD_TYPE_POINTER, NULL, u8);
	struct iod_type *td = mk_wrap(db, IOD_TYPE_TYPEDEF, "natural_t", natural);
	struct iod_type *e = mk(db, IOD_TYPE_ENUM, "e16", 2);

	member(db, natural, "a", u8, 0);
	member(db, natural, "b", u32, 4);
	member(db, natural, "c", u64, 8);
	assert_int_equal(iod_type_align(natural), 8);
	assert_int_equal(iod_type_align(td), 8);
	assert_int_equal(iod_type_align(arr(db, natural, 3)), 8);

	member(db, packed, "a", u8, 0);
	member(db, packed, "b", u32, 1);
	assert_int_equal(iod_type_align(packed), 1);

	/* Size a multiple of 4, but b sits at 1: only a packed struct does that. */
	member(db, packed8, "a", u8, 0);
	member(db, packed8, "b", u32, 1);
	member(db, packed8, "c", arr(db, u8, 3), 5);
	assert_int_equal(iod_type_align(packed8), 1);

	member(db, short_tail, "a", u32, 0);
	member(db, short_tail, "b", u8, 4);
	assert_int_equal(iod_type_align(short_tail), 1);

	/* DW_AT_alignment wins, and propagates to whatever contains the type. */
	member(db, explicit, "a", u32, 0);
	explicit->align = 64;
	assert_int_equal(iod_type_align(explicit), 64);
	member(db, holder, "x", explicit, 0);
	member(db, holder, "y", explicit, 64);
	assert_int_equal(iod_type_align(holder), 64);

	ok(iod_type_add_member(db, bits, "lo", u32, 0, 5));
	ok(iod_type_add_member(db, bits, "hi", u32, 5, 27));
	assert_int_equal(iod_type_align(bits), 4);

	/* A u32 bitfield crossing a 4-byte boundary only exists in a packed struct. */
	ok(iod_type_add_member(db, crossing, "lo", u32, 0, 30));
	ok(iod_type_add_member(db, crossing, "hi", u32, 30, 4));
	assert_int_equal(iod_type_align(crossing), 1);

	member(db, un, "a", u64, 0);
	member(db, un, "b", u8, 0);
	assert_int_equal(iod_type_align(un), 8);

	assert_int_equal(iod_type_align(p), 8);
	assert_int_equal(iod_type_align(e), 2);
	assert_int_equal(iod_type_align(u8), 1);
	assert_int_equal(iod_type_align(NULL), 1);
}

/* --- enums -------------------------------------------------------------- */

static struct iod_type *mk_enum(struct iod_typedb *db, uint64_t size, size_t n,
				const uint64_t *values)
{
	struct iod_type *e = mk(db, IOD_TYPE_ENUM, NULL, size);
	char name[32];

	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "E%zu", i);
		ok(iod_type_add_enumerator(db, e, name, values[i]));
	}
	return e;
}

static void test_enum_flags(void **state)
{
	struct iod_typedb *db = *state;
	static const uint64_t flags[] = { 1, 2, 4, 0x80 };
	static const uint64_t with_zero[] = { 0, 1, 2 };
	static const uint64_t not_pow2[] = { 1, 2, 3 };
	static const uint64_t dup[] = { 1, 2, 2 };
	static const uint64_t one[] = { 4 };
	static const uint64_t plain[] = { 0, 1, 2, 3 };
	/* Bit 31 of a signed 4-byte enum is stored sign-extended. */
	static const uint64_t sign[] = { 1, UINT64_C(0xffffffff80000000) };
	static const uint64_t neg[] = { 1, UINT64_MAX };
	struct iod_type *e = mk_enum(db, 4, 4, flags);
	struct iod_type *td = mk_wrap(db, IOD_TYPE_TYPEDEF, "flags_t", e);

	assert_true(iod_type_enum_is_flags(e));
	assert_true(iod_type_enum_is_flags(td));
	assert_true(iod_type_enum_is_flags(mk_enum(db, 4, 3, with_zero)));
	assert_false(iod_type_enum_is_flags(mk_enum(db, 4, 3, not_pow2)));
	assert_false(iod_type_enum_is_flags(mk_enum(db, 4, 3, dup)));
	assert_false(iod_type_enum_is_flags(mk_enum(db, 4, 1, one)));
	assert_false(iod_type_enum_is_flags(mk_enum(db, 4, 4, plain)));
	assert_true(iod_type_enum_is_flags(mk_enum(db, 4, 2, sign)));
	assert_false(iod_type_enum_is_flags(mk_enum(db, 4, 2, neg)));
	assert_false(iod_type_enum_is_flags(lookup(db, "u32")));

	assert_string_equal(iod_type_enum_find_value(e, 4)->name, "E2");
	assert_string_equal(iod_type_enum_find_value(td, 0x80)->name, "E3");
	assert_null(iod_type_enum_find_value(e, 8));
	/* Values compare in the enum's width: -1 of an s32 is 0xffffffff. */
	{
		static const uint64_t m1[] = { UINT64_MAX };
		struct iod_type *s = mk_enum(db, 4, 1, m1);

		assert_non_null(iod_type_enum_find_value(s, 0xffffffff));
	}
}

/* --- members ------------------------------------------------------------ */

static void test_find_member(void **state)
{
	struct iod_typedb *db = *state;
	const struct iod_type *u16 = lookup(db, "u16"), *u32 = lookup(db, "u32");
	struct iod_type *outer = mk(db, IOD_TYPE_STRUCT, "outer", 16);
	struct iod_type *anon_u = mk(db, IOD_TYPE_UNION, NULL, 4);
	struct iod_type *anon_s = mk(db, IOD_TYPE_STRUCT, NULL, 4);
	struct iod_type *named = mk(db, IOD_TYPE_STRUCT, "inner", 4);
	struct iod_type *td = mk_wrap(db, IOD_TYPE_TYPEDEF, "outer_t", outer);
	struct iod_type *cq = mk_wrap(db, IOD_TYPE_QUAL, NULL, td);
	const struct iod_member *m = (const struct iod_member *)(uintptr_t)0x1;
	uint64_t off = 77;
	struct iod_error *err;

	member(db, anon_s, "c", u16, 0);
	ok(iod_type_add_member(db, anon_s, "d", u16, 16, 3));
	member(db, anon_u, "b", u32, 0);
	member(db, anon_u, NULL, anon_s, 0);
	member(db, named, "z", u32, 0);
	member(db, outer, "a", u32, 0);
	member(db, outer, NULL, anon_u, 4);
	member(db, outer, "in", named, 8);
	cq->quals = IOD_Q_CONST;

	ok(iod_type_find_member(outer, "a", &m, &off));
	assert_string_equal(m->name, "a");
	assert_int_equal(off, 0);
	ok(iod_type_find_member(outer, "b", &m, &off));
	assert_string_equal(m->name, "b");
	assert_int_equal(off, 32);
	ok(iod_type_find_member(cq, "d", &m, &off));
	assert_string_equal(m->name, "d");
	assert_int_equal(m->bit_size, 3);
	assert_int_equal(off, 32 + 16);
	ok(iod_type_find_member(outer, "in", &m, &off));
	assert_int_equal(off, 64);

	/* Only anonymous members are looked through. */
	m = (const struct iod_member *)(uintptr_t)0x1;
	off = 77;
	err = iod_type_find_member(outer, "z", &m, &off);
	assert_non_null(err);
	assert_int_equal(err->kind, IOD_ERR_LOOKUP);
	assert_string_equal(err->message, "no field 'z' in struct outer");
	iod_error_free(err);
	assert_ptr_equal(m, (const struct iod_member *)(uintptr_t)0x1);
	assert_int_equal(off, 77);

	err = iod_type_find_member(td, "x", &m, &off);
	assert_non_null(err);
	assert_string_equal(err->message, "no field 'x' in outer_t");
	iod_error_free(err);

	err = iod_type_find_member(u32, "x", &m, &off);
	assert_non_null(err);
	assert_int_equal(err->kind, IOD_ERR_TYPE);
	assert_string_equal(err->message, "'u32' has no fields");
	iod_error_free(err);
}

/* --- layout equality ---------------------------------------------------- */

static struct iod_type *mk_layout(struct iod_typedb *db, const char *mname, const char *mtype,
				  uint64_t moff, uint32_t bits, uint64_t size)
{
	struct iod_type *t = mk(db, IOD_TYPE_STRUCT, "L", size);

	member(db, t, "first", lookup(db, "u32"), 0);
	ok(iod_type_add_member(db, t, mname, lookup(db, mtype), moff, bits));
	return t;
}

static void test_same_layout(void **state)
{
	struct iod_typedb *db = *state;
	struct iod_type *ref = mk_layout(db, "x", "u32", 32, 0, 8);
	struct iod_type *au1 = mk(db, IOD_TYPE_UNION, NULL, 4), *au2 = mk(db, IOD_TYPE_UNION, NULL, 4);
	struct iod_type *wa = mk(db, IOD_TYPE_STRUCT, "W", 4), *wb = mk(db, IOD_TYPE_STRUCT, "W", 4);
	struct iod_type *ta, *tb;

	assert_true(iod_type_same_layout(ref, mk_layout(db, "x", "u32", 32, 0, 8)));
	assert_false(iod_type_same_layout(ref, mk_layout(db, "y", "u32", 32, 0, 8)));
	assert_false(iod_type_same_layout(ref, mk_layout(db, "x", "s32", 32, 0, 8)));
	assert_false(iod_type_same_layout(ref, mk_layout(db, "x", "uint32_t", 32, 0, 8)));
	assert_false(iod_type_same_layout(ref, mk_layout(db, "x", "u32", 40, 0, 8)));
	assert_false(iod_type_same_layout(ref, mk_layout(db, "x", "u32", 32, 5, 8)));
	assert_false(iod_type_same_layout(ref, mk_layout(db, "x", "u32", 32, 0, 12)));
	assert_false(iod_type_same_layout(ref, mk_layout(db, "x", "u64", 32, 0, 8)));
	{
		struct iod_type *u = mk(db, IOD_TYPE_UNION, "L", 8);

		member(db, u, "first", lookup(db, "u32"), 0);
		member(db, u, "x", lookup(db, "u32"), 4);
		assert_false(iod_type_same_layout(ref, u));
	}

	/* Anonymous members all read "union {...}": their insides decide. */
	member(db, au1, "a", lookup(db, "u32"), 0);
	member(db, au2, "b", lookup(db, "u32"), 0);
	member(db, wa, NULL, au1, 0);
	member(db, wb, NULL, au2, 0);
	assert_false(iod_type_same_layout(wa, wb));
	{
		struct iod_type *au3 = mk(db, IOD_TYPE_UNION, NULL, 4);
		struct iod_type *wc = mk(db, IOD_TYPE_STRUCT, "W", 4);

		member(db, au3, "a", lookup(db, "u32"), 0);
		member(db, wc, NULL, au3, 0);
		assert_true(iod_type_same_layout(wa, wc));
	}

	/* Typedefs compare their target's name; base types their encoding. */
	ta = mk_wrap(db, IOD_TYPE_TYPEDEF, "T", lookup(db, "u32"));
	tb = mk_wrap(db, IOD_TYPE_TYPEDEF, "T", lookup(db, "u32"));
	assert_true(iod_type_same_layout(ta, tb));
	tb->target = lookup(db, "s32");
	assert_false(iod_type_same_layout(ta, tb));
	assert_false(iod_type_same_layout(mk_base(db, "b", 4, true), mk_base(db, "b", 4, false)));
	assert_true(iod_type_same_layout(mk_base(db, "b", 4, true), mk_base(db, "b", 4, true)));
}

/* --- type sources ------------------------------------------------------- */

struct fake_source {
	int calls;
	int closed;
	char last[64];
	bool fail_next;
	bool recurse;
};

static struct iod_error *fake_find(void *ctx, struct iod_typedb *db, const char *name)
{
	struct fake_source *fs = ctx;

	fs->calls++;
	snprintf(fs->last, sizeof(fs->last), "%s", name);
	if (fs->fail_next) {
		fs->fail_next = false;
		return iod_error_new(IOD_ERR_OS, "reading types for '%s' failed", name);
	}
	if (fs->recurse) {
		const struct iod_type *t;
		struct iod_error *err = iod_typedb_lookup(db, "struct lazy", &t);

		iod_error_free(err);
	}
	if (!strcmp(name, "lazy")) {
		struct iod_type *t;
		const struct iod_type *r;
		struct iod_error *err = iod_type_create(db, IOD_TYPE_STRUCT, "lazy", &t);

		if (err)
			return err;
		t->size = 8;
		t->cu = iod_typedb_strdup(db, "lazy.c");
		return iod_typedb_add(db, t, &r);
	}
	return NULL;
}

static void fake_close(void *ctx)
{
	((struct fake_source *)ctx)->closed++;
}

static const struct iod_type_source_ops fake_ops = { .find = fake_find, .close = fake_close };

static void test_type_source(void **state)
{
	struct fake_source fs = { 0 }, fs2 = { 0 };
	struct iod_typedb *db = NULL;
	const struct iod_type *t, *t2;
	char *msg;

	(void)state;
	ok(iod_typedb_new(&db));
	ok(iod_typedb_add_source(db, &fake_ops, &fs));

	/* Built-in names need no source. */
	lookup(db, "u32");
	lookup(db, "u32[4]");
	assert_int_equal(fs.calls, 0);

	t = lookup(db, "struct lazy");
	assert_int_equal(fs.calls, 1);
	assert_string_equal(fs.last, "lazy");
	assert_int_equal(t->size, 8);
	/* Once per name, whatever the keyword, #k or [N]. */
	assert_ptr_equal(lookup(db, "struct lazy#0"), t);
	t2 = lookup(db, "struct lazy[2]");
	assert_ptr_equal(t2->target, t);
	expect_lookup_err(db, "lazy", IOD_ERR_LOOKUP,
			  "unknown type 'lazy' (did you mean 'struct lazy'?)");
	assert_int_equal(fs.calls, 1);

	/* Misses are remembered too. */
	expect_lookup_err(db, "struct ghost", IOD_ERR_LOOKUP, "unknown type 'struct ghost'");
	expect_lookup_err(db, "ghost[3]", IOD_ERR_LOOKUP, "unknown type 'ghost'");
	assert_int_equal(fs.calls, 2);
	assert_string_equal(fs.last, "ghost");

	/* A failing source fails the lookup, and is asked again next time. */
	fs.fail_next = true;
	msg = lookup_err(db, "struct other", IOD_ERR_OS);
	assert_string_equal(msg, "reading types for 'other' failed");
	free(msg);
	assert_int_equal(fs.calls, 3);
	expect_lookup_err(db, "struct other", IOD_ERR_LOOKUP, "unknown type 'struct other'");
	assert_int_equal(fs.calls, 4);

	/* A source added later is asked about names the first one already answered. */
	ok(iod_typedb_add_source(db, &fake_ops, &fs2));
	fs2.recurse = true;
	assert_ptr_equal(lookup(db, "struct lazy"), t);
	assert_int_equal(fs.calls, 4);
	/* fs2 looks "struct lazy" up from inside its find: asked once, no recursion. */
	assert_int_equal(fs2.calls, 1);
	assert_string_equal(fs2.last, "lazy");
	/* Its identical definition merged: still one layout. */
	assert_ptr_equal(lookup(db, "struct lazy"), t);
	assert_false(t->ambiguous);

	iod_typedb_free(db);
	assert_int_equal(fs.closed, 1);
	assert_int_equal(fs2.closed, 1);
}

/* --- enumerators, through sources -------------------------------------- */

struct enum_source {
	int calls;
	char last[64];
	bool fail_next;
	uint64_t red;                   /* not 0: a source with only "enum paint { RED = red }" */
};

static struct iod_error *no_types(void *ctx, struct iod_typedb *db, const char *name)
{
	(void)ctx;
	(void)db;
	(void)name;
	return NULL;
}

static struct iod_error *enum_source_find(void *ctx, struct iod_typedb *db, const char *name)
{
	struct enum_source *es = ctx;
	const struct iod_type *r;
	struct iod_type *t;

	es->calls++;
	snprintf(es->last, sizeof(es->last), "%s", name);
	if (es->fail_next) {
		es->fail_next = false;
		return iod_error_new(IOD_ERR_OS, "cannot read enumerator '%s'", name);
	}
	if (es->red) {
		if (strcmp(name, "RED"))
			return NULL;
		t = mk(db, IOD_TYPE_ENUM, "paint", 4);
		ok(iod_type_add_enumerator(db, t, "RED", es->red));
		return iod_typedb_add(db, t, &r);
	}
	if (!strcmp(name, "RED") || !strcmp(name, "GREEN")) {
		/* Both names give the same enum: the second is merged into the first. */
		t = mk(db, IOD_TYPE_ENUM, "colour", 4);
		ok(iod_type_add_enumerator(db, t, "RED", 1));
		ok(iod_type_add_enumerator(db, t, "GREEN", 2));
		return iod_typedb_add(db, t, &r);
	}
	if (!strcmp(name, "ANON_X")) {
		/* Anonymous, one byte, signed: known to the search, never registered. */
		t = mk(db, IOD_TYPE_ENUM, NULL, 1);
		t->is_signed = true;
		ok(iod_type_add_enumerator(db, t, "ANON_X", 0xff));
		return iod_typedb_add_enumerators(db, t);
	}
	return NULL;
}

static const struct iod_type_source_ops enum_ops = {
	.find = no_types, .find_enumerator = enum_source_find,
};

static const struct iod_type *enumerator(struct iod_typedb *db, const char *name, int64_t *v)
{
	const struct iod_type *t = NULL;
	struct iod_error *err = iod_typedb_find_enumerator(db, name, &t, v);

	if (err)
		fail_msg("enumerator '%s': %s", name, err->message);
	return t;
}

static void test_enumerator_source(void **state)
{
	struct enum_source es = { 0 }, es2 = { .red = 5 };
	struct iod_typedb *db = NULL;
	const struct iod_type *t, *colour;
	struct iod_error *err;
	size_t it = 0;
	int64_t v = 0;

	(void)state;
	ok(iod_typedb_new(&db));
	ok(iod_typedb_add_source(db, &enum_ops, &es));

	/* Asked once per name; the enum comes with every name it has. */
	colour = enumerator(db, "RED", &v);
	assert_non_null(colour);
	assert_string_equal(colour->name, "colour");
	assert_int_equal(v, 1);
	assert_int_equal(es.calls, 1);
	assert_string_equal(es.last, "RED");
	assert_ptr_equal(enumerator(db, "RED", &v), colour);
	assert_int_equal(es.calls, 1);
	assert_ptr_equal(enumerator(db, "GREEN", &v), colour);
	assert_int_equal(v, 2);
	assert_int_equal(es.calls, 2);
	/* The registered enum is the one a type lookup gives. */
	assert_ptr_equal(lookup(db, "enum colour"), colour);

	/* An anonymous enum: its width and sign decide, and it is not listed. */
	t = enumerator(db, "ANON_X", &v);
	assert_non_null(t);
	assert_null(t->name);
	assert_int_equal(v, -1);
	assert_ptr_equal(iod_typedb_next(db, &it), colour);
	assert_null(iod_typedb_next(db, &it));

	/* Unknown: no enum and no error; the miss is remembered. */
	v = 77;
	assert_null(enumerator(db, "NOPE", &v));
	assert_int_equal(v, 77);
	assert_int_equal(es.calls, 4);
	assert_null(enumerator(db, "NOPE", &v));
	assert_int_equal(es.calls, 4);
	assert_null(enumerator(db, "", &v));
	assert_int_equal(es.calls, 4);

	/* A failing source fails the search, and is asked again next time. */
	es.fail_next = true;
	err = iod_typedb_find_enumerator(db, "BLUE", &t, &v);
	assert_non_null(err);
	assert_int_equal(err->kind, IOD_ERR_OS);
	assert_string_equal(err->message, "cannot read enumerator 'BLUE'");
	iod_error_free(err);
	assert_null(enumerator(db, "BLUE", &v));
	assert_int_equal(es.calls, 6);

	/* A source added later is asked about names the first one answered: another value. */
	ok(iod_typedb_add_source(db, &enum_ops, &es2));
	err = iod_typedb_find_enumerator(db, "RED", &t, &v);
	assert_non_null(err);
	assert_int_equal(err->kind, IOD_ERR_LOOKUP);
	assert_string_equal(err->message,
			    "enumerator 'RED' is ambiguous: 1 in enum colour, 5 in enum paint");
	iod_error_free(err);
	assert_int_equal(es.calls, 6);
	assert_int_equal(es2.calls, 1);
	assert_ptr_equal(enumerator(db, "GREEN", &v), colour);
	assert_int_equal(es2.calls, 2);

	/* Only enums have enumerators. */
	err = iod_typedb_add_enumerators(db, lookup(db, "u32"));
	assert_non_null(err);
	assert_int_equal(err->kind, IOD_ERR_TYPE);
	iod_error_free(err);
	iod_typedb_free(db);
}

/*
 * A typedef registered over a declaration learns the complete target from a
 * later copy: the enums of that target are found, even when the typedef was
 * searched through before.
 */
static void test_enumerator_learnt_target(void **state)
{
	struct iod_typedb *db = *state;
	struct iod_type *decl = mk(db, IOD_TYPE_STRUCT, "S", 0), *full, *e, *td1, *td2;
	const struct iod_type *r;
	int64_t v = 0;

	decl->declaration = true;
	td1 = mk_wrap(db, IOD_TYPE_TYPEDEF, "S_t", decl);
	ok(iod_typedb_add(db, td1, &r));
	assert_null(enumerator(db, "LEARNT", &v));

	e = mk(db, IOD_TYPE_ENUM, NULL, 4);
	ok(iod_type_add_enumerator(db, e, "LEARNT", 9));
	full = mk(db, IOD_TYPE_STRUCT, "S", 4);
	ok(iod_type_add_member(db, full, "kind", e, 0, 0));
	td2 = mk_wrap(db, IOD_TYPE_TYPEDEF, "S_t", full);
	ok(iod_typedb_add(db, td2, &r));
	assert_ptr_equal(r, td1);
	assert_ptr_equal(td1->target, full);
	assert_ptr_equal(enumerator(db, "LEARNT", &v), e);
	assert_int_equal(v, 9);
}

static void test_enum_value(void **state)
{
	struct iod_typedb *db = *state;
	struct iod_type *s1 = mk(db, IOD_TYPE_ENUM, NULL, 1), *u1 = mk(db, IOD_TYPE_ENUM, NULL, 1);
	struct iod_type *s4 = mk(db, IOD_TYPE_ENUM, NULL, 4), *u4 = mk(db, IOD_TYPE_ENUM, NULL, 4);
	struct iod_type *s8 = mk(db, IOD_TYPE_ENUM, NULL, 8), *none = mk(db, IOD_TYPE_ENUM, NULL, 0);

	s1->is_signed = s4->is_signed = s8->is_signed = true;
	assert_int_equal(iod_type_enum_value(s1, 0xff), -1);
	assert_int_equal(iod_type_enum_value(s1, (uint64_t)-128), -128);
	assert_int_equal(iod_type_enum_value(s1, 0x7f), 127);
	assert_int_equal(iod_type_enum_value(u1, 0xff), 255);
	assert_int_equal(iod_type_enum_value(u1, (uint64_t)-1), 255);
	assert_int_equal(iod_type_enum_value(s4, 0xffffffff), -1);
	assert_int_equal(iod_type_enum_value(u4, 0x100000005), 5);
	assert_int_equal(iod_type_enum_value(u4, 0xfffffff0), 0xfffffff0);
	assert_int_equal(iod_type_enum_value(s8, (uint64_t)-2), -2);
	assert_int_equal(iod_type_enum_value(none, (uint64_t)-2), -2);
	/* Through a typedef, as a member type has it. */
	assert_int_equal(iod_type_enum_value(mk_wrap(db, IOD_TYPE_TYPEDEF, "e1", s1), 0x80), -128);
}

/* --- builders ----------------------------------------------------------- */

static void test_builders(void **state)
{
	struct iod_typedb *db = *state;
	const char *a = iod_typedb_strdup(db, "drivers/gpu/nova.c");
	char copy[] = "drivers/gpu/nova.c";
	struct iod_type *base = mk_base(db, "word", 4, false);
	struct iod_type *s = mk(db, IOD_TYPE_STRUCT, NULL, 4);
	struct iod_type *p;
	const struct iod_type *r = (const struct iod_type *)(uintptr_t)0x1;
	struct iod_error *err;

	/* Interned: equal strings share storage, and the copy is independent. */
	assert_ptr_equal(iod_typedb_strdup(db, copy), a);
	copy[0] = 'X';
	assert_string_equal(a, "drivers/gpu/nova.c");
	assert_null(iod_typedb_strdup(db, NULL));

	ok(iod_type_create(db, IOD_TYPE_POINTER, NULL, &p));
	assert_int_equal(p->size, 8);
	assert_int_equal(p->lang, IOD_LANG_C);

	err = iod_type_add_member(db, base, "x", base, 0, 0);
	assert_non_null(err);
	assert_int_equal(err->kind, IOD_ERR_TYPE);
	iod_error_free(err);
	assert_int_equal(base->nmembers, 0);

	err = iod_type_add_enumerator(db, s, "A", 1);
	assert_non_null(err);
	assert_int_equal(err->kind, IOD_ERR_TYPE);
	iod_error_free(err);

	err = iod_typedb_add(db, s, &r);
	assert_non_null(err);
	assert_int_equal(err->kind, IOD_ERR_TYPE);
	iod_error_free(err);
	assert_ptr_equal(r, (const struct iod_type *)(uintptr_t)0x1);

	/* Many members: the vector grows and keeps order. */
	for (int i = 0; i < 100; i++) {
		char name[16];

		snprintf(name, sizeof(name), "m%d", i);
		ok(iod_type_add_member(db, s, name, base, (uint64_t)i * 32, 0));
	}
	assert_int_equal(s->nmembers, 100);
	assert_string_equal(s->members[99].name, "m99");
	assert_int_equal(s->members[42].bit_offset, 42 * 32);
	iod_typedb_free(NULL);
}

/* Many names: the tables grow without losing any. */
static void test_many_types(void **state)
{
	struct iod_typedb *db = *state;
	struct iod_type *ts[2000];
	char name[32];
	size_t iter = 0, n = 0;

	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		ts[i] = mk(db, i % 2 ? IOD_TYPE_STRUCT : IOD_TYPE_TYPEDEF, name, 4);
		if (i % 2)
			member(db, ts[i], "v", lookup(db, "u32"), 0);
		else
			ts[i]->target = lookup(db, "u32");
		add(db, ts[i]);
	}
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "%st%d", i % 2 ? "struct " : "", i);
		assert_ptr_equal(lookup(db, name), ts[i]);
	}
	while (iod_typedb_next(db, &iter))
		n++;
	assert_int_equal(n, 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_builtins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builtin_wins_over_namesakes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_struct_union_enum_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_typedef_and_tag_namespaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_array_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_array_of_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ambiguous_and_numbered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_identical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_declaration_and_definition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rust_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rust_full_path_layouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whole_name_before_suffixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_c_keyword_needed_rust_not, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_align, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enum_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_member, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_layout, setup, teardown),
		cmocka_unit_test(test_type_source),
		cmocka_unit_test(test_enumerator_source),
		cmocka_unit_test_setup_teardown(test_enumerator_learnt_target, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enum_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_types, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
