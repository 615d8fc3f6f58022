/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Paths and expressions: parsing, canonical text, projection and reads on a sim region. */
#include "io_helpers.h"

#include <inttypes.h>

#include "iodbg/expr.h"
#include "iodbg/strbuf.h"

/* More layouts from the compiler, for enums and ad-hoc views. */
enum t_any { T_ANY_A };

struct t_ctl {
	uint32_t raw;
	enum t_any state;
	uint8_t level : 4;
	enum t_any mode : 3;
};

struct t_regs {
	uint32_t r;
	enum t_any anon;
};

struct fixture {
	struct types types;
	const struct iod_type *state, *clash1, *clash2, *modes, *ctl, *regs;
	struct iod_region *sim0, *sim1;
	struct recorder rec;
	struct iod_io io;
	struct iod_expr_env env;
	struct {
		const char *name;
		struct iod_view v;
	} views[8];
	size_t nviews;
	/* what on_read saw */
	char reads[8][64];
	uint64_t raws[8];
	size_t nreads;
};

static struct iod_error *env_view(void *ctx, const char *name, struct iod_view *ret)
{
	struct fixture *f = ctx;

	for (size_t i = 0; i < f->nviews; i++) {
		if (!strcmp(f->views[i].name, name)) {
			*ret = f->views[i].v;
			return NULL;
		}
	}
	return iod_error_new(IOD_ERR_LOOKUP, "session: no view %s", name);
}

static struct iod_error *env_region(void *ctx, const char *name, struct iod_region **ret)
{
	struct fixture *f = ctx;

	if (!strcmp(name, "sim0") || !strcmp(name, "sim1")) {
		*ret = !strcmp(name, "sim0") ? f->sim0 : f->sim1;
		return NULL;
	}
	return iod_error_new(IOD_ERR_LOOKUP, "session: no region %s", name);
}

static struct iod_error *env_var(void *ctx, const char *name, int64_t *ret)
{
	(void)ctx;
	if (!strcmp(name, "i")) {
		*ret = 3;
		return NULL;
	}
	if (!strcmp(name, "neg")) {
		*ret = -1;
		return NULL;
	}
	return iod_error_new(IOD_ERR_LOOKUP, "session: unset %s", name);
}

static void env_on_read(void *ctx, const char *path, const struct iod_view *v, uint64_t raw)
{
	struct fixture *f = ctx;

	(void)v;
	if (f->nreads < 8) {
		snprintf(f->reads[f->nreads], sizeof(f->reads[0]), "%s", path);
		f->raws[f->nreads] = raw;
	}
	f->nreads++;
}

static const struct iod_type *make_enum(struct fixture *f, const char *name, bool is_signed,
					const char *const *names, const uint64_t *values,
					size_t n, bool publish_it)
{
	struct iod_type *t = new_type(&f->types, IOD_TYPE_ENUM, name, sizeof(enum t_any));

	t->is_signed = is_signed;
	for (size_t i = 0; i < n; i++)
		assert_ok(iod_type_add_enumerator(f->types.db, t, names[i], values[i]));
	return publish_it ? publish(&f->types, t) : t;
}

static void add_view(struct fixture *f, const char *name, struct iod_region *r, uint64_t off,
		     const struct iod_type *t)
{
	assert_ok(iod_view_init(r, off, t, &f->views[f->nviews].v));
	f->views[f->nviews++].name = name;
}

static void poke(struct iod_region *r, uint64_t off, unsigned width, uint64_t v)
{
	assert_ok(iod_access_write(NULL, r, off, width, v));
}

static int setup(void **state)
{
	static const char *const snames[] = { "GSP_BOOT", "GSP_READY", "GSP_ERR", "GSP_ERR64",
					      "COMMON" };
	static const uint64_t svalues[] = { 0, 2, 0xffffffff, UINT64_MAX, 1 };
	static const char *const c1[] = { "CLASH", "COMMON" };
	static const char *const c2[] = { "CLASH", "CLASH2_ONLY" };
	static const uint64_t v1[] = { 1, 1 }, v2[] = { 2, 9 };
	static const char *const anames[] = { "ANON_ONE" }, *const mnames[] = { "MODE_A",
										  "MODE_B" };
	static const uint64_t avalues[] = { 5 }, mvalues[] = { 0, 3 };
	struct fixture *f = calloc(1, sizeof(*f));
	struct types *types = &f->types;
	struct iod_type *t, *td;

	build_types(types);
	f->state = make_enum(f, "gsp_state", true, snames, svalues, 5, true);
	f->clash1 = make_enum(f, "clash1", false, c1, v1, 2, true);
	f->clash2 = make_enum(f, "clash2", false, c2, v2, 2, true);

	/* an anonymous enum reachable only as a member type */
	t = new_type(types, IOD_TYPE_STRUCT, "regs", sizeof(struct t_regs));
	ADD_FIELD(t, struct t_regs, r, types->u32);
	ADD_FIELD(t, struct t_regs, anon, make_enum(f, NULL, false, anames, avalues, 1, false));
	f->regs = publish(types, t);

	/* a typedef of an anonymous enum */
	td = new_type(types, IOD_TYPE_TYPEDEF, "mode_t2", 0);
	td->target = make_enum(f, NULL, false, mnames, mvalues, 2, false);
	f->modes = publish(types, td);

	t = new_type(types, IOD_TYPE_STRUCT, "ctl", sizeof(struct t_ctl));
	ADD_FIELD(t, struct t_ctl, raw, types->u32);
	ADD_FIELD(t, struct t_ctl, state, f->clash2);
	ADD_BITS(t, struct t_ctl, level, types->u8);
	ADD_BITS(t, struct t_ctl, mode, f->state);
	f->ctl = publish(types, t);

	/* a Rust type and a generic one: type text with '::', '<' and '>' */
	t = new_type(types, IOD_TYPE_STRUCT, "nova_core::gsp::GspMem", 16);
	t->lang = IOD_LANG_RUST;
	assert_ok(iod_type_add_member(types->db, t, "x", types->u32, 32, 0));
	publish(types, t);
	t = new_type(types, IOD_TYPE_STRUCT, "nova_core::dma::Coherent<nova_core::gsp::GspMem>",
		     24);
	t->lang = IOD_LANG_RUST;
	assert_ok(iod_type_add_member(types->db, t, "count", types->u64, 128, 0));
	publish(types, t);

	/* the struct and a 100-byte ring behind it */
	assert_ok(iod_region_sim("sim0", sizeof(struct t_gsp) + 100, &f->sim0));
	assert_ok(iod_region_sim("sim1", 4096, &f->sim1));
	add_view(f, "gsp", f->sim0, 0, types->gsp);
	add_view(f, "magic", f->sim0, 0, types->u32);
	add_view(f, "ctl", f->sim1, 0x100, f->ctl);
	add_view(f, "regs", f->sim1, 0x200, f->regs);

	f->io = rec_io(&f->rec);
	f->env = (struct iod_expr_env){
		.db = types->db,
		.io = &f->io,
		.view = env_view,
		.region = env_region,
		.var = env_var,
		.on_read = env_on_read,
		.ctx = f,
	};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	iod_region_free(f->sim0);
	iod_region_free(f->sim1);
	iod_typedb_free(f->types.db);
	free(f);
	return 0;
}

/* --- helpers -------------------------------------------------------------- */

/* Parses the whole of text. */
static struct iod_expr *parse_all(const char *text)
{
	struct iod_expr *e = NULL;
	size_t consumed = 0, pos = 0;

	assert_ok(iod_expr_parse(text, &e, &consumed, &pos));
	if (consumed != strlen(text))
		fail_msg("'%s': parse stopped at %zu", text, consumed);
	return e;
}

static int64_t eval_hint(struct fixture *f, const char *text, const struct iod_type *hint)
{
	struct iod_expr *e = parse_all(text);
	int64_t v = 0;
	struct iod_error *err = iod_expr_eval_int(e, &f->env, hint, &v);

	if (err)
		fail_msg("'%s': %s", text, err->message);
	iod_expr_free(e);
	return v;
}

static int64_t eval_int(struct fixture *f, const char *text)
{
	return eval_hint(f, text, NULL);
}

#define assert_value(f, text, expected)                                         \
	assert_int_equal(eval_int((f), (text)), (int64_t)(expected))

static struct iod_error *eval_err(struct fixture *f, const char *text)
{
	struct iod_expr *e = parse_all(text);
	int64_t v = 12345;
	struct iod_error *err = iod_expr_eval_int(e, &f->env, NULL, &v);

	assert_int_equal(v, 12345);   /* untouched on failure */
	iod_expr_free(e);
	return err;
}

/* A syntax error, its exact message and its caret. */
static void assert_syntax(const char *text, const char *msg, size_t pos)
{
	struct iod_expr *e = NULL;
	size_t got = 999, consumed = 777;
	struct iod_error *err = iod_expr_parse(text, &e, &consumed, &got);

	if (!err)
		fail_msg("'%s' parsed", text);
	assert_null(e);
	assert_int_equal(consumed, 777);
	assert_string_equal(err->message, msg);
	assert_int_equal(err->kind, IOD_ERR_SYNTAX);
	if (got != pos)
		fail_msg("'%s': caret at %zu, not %zu", text, got, pos);
	iod_error_free(err);
}

/* The view a path names and its canonical text. */
static struct iod_view view_of(struct fixture *f, const char *text, struct iod_strbuf *canon)
{
	struct iod_expr *e = parse_all(text);
	struct iod_view v = { 0 };
	struct iod_error *err;

	iod_strbuf_reset(canon);
	err = iod_expr_eval_view(e, &f->env, &v, canon);
	if (err)
		fail_msg("'%s': %s", text, err->message);
	iod_expr_free(e);
	return v;
}

static struct iod_error *view_err(struct fixture *f, const char *text)
{
	struct iod_expr *e = parse_all(text);
	struct iod_view v = { 0 };
	struct iod_strbuf canon = { 0 };
	struct iod_error *err = iod_expr_eval_view(e, &f->env, &v, &canon);

	assert_null(v.region);
	assert_int_equal(canon.len, 0);
	iod_strbuf_release(&canon);
	iod_expr_free(e);
	return err;
}

static void assert_text(const char *text, const char *expected)
{
	struct iod_expr *e = parse_all(text);
	struct iod_strbuf sb = { 0 };

	iod_expr_text(e, &sb);
	assert_string_equal(iod_strbuf_str(&sb), expected);
	iod_strbuf_release(&sb);
	iod_expr_free(e);
}

/* --- operators ------------------------------------------------------------ */

static void test_precedence(void **state)
{
	struct fixture *f = *state;

	assert_value(f, "1+2*3", 7);
	assert_value(f, "(1+2)*3", 9);
	assert_value(f, "1<<2+1", 8);
	assert_value(f, "10-4-3", 3);
	assert_value(f, "100/10/5", 2);
	assert_value(f, "2*3%4", 2);
	assert_value(f, "1|2^3&4", 3);          /* & before ^ before | */
	assert_value(f, "6&3^1|8", 11);
	assert_value(f, "5&3==1", 0);           /* == binds tighter than & */
	assert_value(f, "1+2==3", 1);
	assert_value(f, "1<2==1", 1);
	assert_value(f, "1<<2<5", 1);
	assert_value(f, "2<1==0", 1);
	assert_value(f, "1||0&&0", 1);
	assert_value(f, "0&&1||1", 1);
	assert_value(f, "3>=3", 1);
	assert_value(f, "3>3", 0);
	assert_value(f, "2<=1", 0);
	assert_value(f, "1!=2", 1);
	assert_value(f, "-2*-3", 6);
	assert_value(f, "- -5", 5);
	assert_value(f, "-(2+3)*2", -10);
	assert_value(f, "+3", 3);
	assert_value(f, "!5", 0);
	assert_value(f, "!0", 1);
	assert_value(f, "!!7", 1);
	assert_value(f, "~0", -1);
	assert_value(f, "~5&0xff", 0xfa);
	assert_value(f, "-~0", 1);
	assert_value(f, "7&&2", 1);
	assert_value(f, "0||-3", 1);
}

static void test_arithmetic_edges(void **state)
{
	struct fixture *f = *state;

	/* truncation toward zero, as in C */
	assert_value(f, "-7/2", -3);
	assert_value(f, "-7%2", -1);
	assert_value(f, "7/-2", -3);
	assert_value(f, "7%-2", 1);
	assert_value(f, "-7/2 == -3", 1);
	/* 64-bit two's complement wraparound */
	assert_value(f, "0x7fffffffffffffff+1", INT64_MIN);
	assert_value(f, "(-9223372036854775807-1)/-1", INT64_MIN);
	assert_value(f, "(-9223372036854775807-1)%-1", 0);
	assert_value(f, "-(-9223372036854775807-1)", INT64_MIN);
	assert_value(f, "0x100000000*0x100000000", 0);
	/* shifts: >> is logical on the 64-bit pattern; counts outside 0..63 give 0 */
	assert_value(f, "0xffffffffffffffff>>4", 0x0fffffffffffffff);
	assert_value(f, "-1>>60", 15);
	assert_value(f, "1<<63", INT64_MIN);
	assert_value(f, "1<<64", 0);
	assert_value(f, "1<<-1", 0);
	assert_value(f, "8>>64", 0);
	assert_value(f, "8>>$neg", 0);
	/* comparisons are signed */
	assert_value(f, "-1<0", 1);
	assert_value(f, "0xffffffffffffffff<0", 1);
	assert_error(eval_err(f, "1/0"), IOD_ERR_VALUE, "division by zero");
	assert_error(eval_err(f, "5%(3-3)"), IOD_ERR_VALUE, "division by zero");
}

static void test_numbers(void **state)
{
	struct fixture *f = *state;

	assert_value(f, "0x1F", 31);
	assert_value(f, "0X1f", 31);
	assert_value(f, "0b1010_1010", 170);
	assert_value(f, "0B11", 3);
	assert_value(f, "0o755", 493);
	assert_value(f, "1_000_000", 1000000);
	assert_value(f, "0x_ff", 255);
	assert_value(f, "0xdead_beef", 0xdeadbeef);
	assert_value(f, "0", 0);
	assert_value(f, "00", 0);
	assert_value(f, "18446744073709551615", -1);
	assert_value(f, "0xffff_ffff_ffff_ffff", -1);
	assert_value(f, "'A'", 65);
	assert_value(f, "'A'+1", 66);
	assert_value(f, "'\\n'", 10);
	assert_value(f, "'\\x7f'", 127);
	assert_value(f, "'\\0'", 0);
	assert_value(f, "'\\377'", 255);
	assert_value(f, "'\\''", 39);
	assert_value(f, "'\\\\'", 92);
	assert_value(f, "' '", 32);
	assert_value(f, "'\"'", 34);
}

/* --- syntax --------------------------------------------------------------- */

static void test_syntax_errors(void **state)
{
	(void)state;
	assert_syntax("1 + * 2", "unexpected '*'", 4);
	assert_syntax("", "missing expression", 0);
	assert_syntax("   ", "missing expression", 3);
	assert_syntax("1 +", "unexpected end of input", 3);
	assert_syntax("()", "unexpected ')'", 1);
	assert_syntax("(1 + 2", "expected ')' after expression, found end of input", 6);
	assert_syntax("(1 2)", "expected ')' after expression, found '2'", 3);
	assert_syntax("gsp.cmdq[1", "expected ']' after index, found end of input", 10);
	assert_syntax("gsp.cmdq[1 2]", "expected ']' after index, found '2'", 11);
	assert_syntax("gsp.cmdq[1..2", "expected ']' after slice, found end of input", 13);
	assert_syntax("gsp.", "expected a field name after '.', found end of input", 4);
	assert_syntax("gsp.3", "expected a field name after '.', found '3'", 4);
	assert_syntax("0x", "invalid number '0x'", 0);
	assert_syntax("1 + 0x1g", "invalid number '0x1g'", 4);
	assert_syntax("0b102", "invalid number '0b102'", 0);
	assert_syntax("12ab", "invalid number '12ab'", 0);
	assert_syntax("99999999999999999999", "number '99999999999999999999' does not fit in"
		      " 64 bits", 0);
	assert_syntax("1 + 0755", "ambiguous number '0755': write 0o755 for octal or 755 for"
		      " decimal", 4);
	assert_syntax("'a", "unterminated character constant", 0);
	assert_syntax("1 + '\\", "unterminated character constant", 4);
	assert_syntax("''", "empty character constant", 0);
	assert_syntax("'ab'", "character constant 'ab' holds more than one character", 0);
	assert_syntax("'\\q'", "invalid escape in character constant '\\q'", 0);
	assert_syntax("'\\400'", "invalid escape in character constant '\\400'", 0);
	assert_syntax("1 + \"abc", "unterminated string", 4);
	assert_syntax("1 + \"abc\"", "unexpected string '\"abc\"'", 4);
	assert_syntax("$", "expected a variable name after '$'", 0);
	assert_syntax("1 + `", "unexpected character '`'", 4);
	assert_syntax("1 + #", "unexpected end of input", 4);
	assert_syntax("{u32}sim1", "unexpected '{': an ad-hoc view is written"
		      " ({TYPE}REGION+OFFSET)", 0);
	assert_syntax("({u32 sim1)", "missing '}' after the type", 1);
	assert_syntax("({ }sim1)", "missing type name in {}", 2);
	assert_syntax("({u32}5)", "expected a location (REGION or REGION+OFFSET) after {u32}", 6);
	assert_syntax("({u32}sim1*4)", "expected a location (REGION or REGION+OFFSET) after"
		      " {u32}", 6);
	assert_syntax("({u32}sim1+4", "expected ')' after the location, found end of input", 12);
	assert_syntax("sizeof x", "expected '(' after sizeof", 7);
	assert_syntax("sizeof(u32", "missing ')' after sizeof(", 6);
	assert_syntax("sizeof( )", "sizeof needs a type or a path", 8);
	assert_syntax("offsetof(1+2)", "offsetof needs a path", 9);
	assert_syntax("offsetof()", "offsetof needs a path", 9);
	assert_syntax("offsetof(gsp.cmdq[)", "unexpected end of input", 18);
	assert_syntax("offsetof(gsp.x 1)", "unexpected '1'", 15);
	assert_syntax("offsetof(struct msgq, )", "offsetof needs a member after ','", 22);
	assert_syntax("offsetof(struct msgq, 1)", "offsetof needs a member after ','", 22);
	assert_syntax("offsetof(, x)", "offsetof needs a type before ','", 9);
}

static void test_nesting_limits(void **state)
{
	char *deep = malloc(5000);
	struct iod_expr *e = NULL;
	size_t n = 0;

	(void)state;
	/* 300 parentheses: refused, not a stack overflow */
	for (int i = 0; i < 300; i++)
		deep[n++] = '(';
	deep[n++] = '1';
	for (int i = 0; i < 300; i++)
		deep[n++] = ')';
	deep[n] = 0;
	assert_syntax(deep, "expression too deeply nested", 200);
	memset(deep, '-', 300);
	strcpy(deep + 300, "1");
	assert_syntax(deep, "expression too deeply nested", 200);
	/* a long left-leaning chain is one loop in the parser but a deep tree */
	for (n = 0; n < 1500; n++)
		memcpy(deep + 2 * n, "1+", 2);
	strcpy(deep + 2 * n, "1");
	assert_syntax(deep, "expression too deeply nested", 2001);
	deep[2 * 400] = 0;
	deep[2 * 400 - 1] = 0;
	assert_ok(iod_expr_parse(deep, &e, NULL, NULL));
	iod_expr_free(e);
	free(deep);
}

static void test_parse_stops(void **state)
{
	struct fixture *f = *state;
	struct iod_expr *e = NULL;
	size_t consumed = 0;
	int64_t v = 0;

	/* the caller checks what follows: a keyword, '=', '..', a string */
	assert_ok(iod_expr_parse("gsp.cmdq[1].head == 1 timeout 2s", &e, &consumed, NULL));
	assert_int_equal(consumed, strlen("gsp.cmdq[1].head == 1 "));
	assert_false(iod_expr_is_path(e));
	iod_expr_free(e);

	assert_ok(iod_expr_parse("gsp.cmdq[1].head = 5", &e, &consumed, NULL));
	assert_int_equal(consumed, strlen("gsp.cmdq[1].head "));
	assert_true(iod_expr_is_path(e));
	iod_expr_free(e);

	assert_ok(iod_expr_parse("gsp.magic |= 1", &e, &consumed, NULL));
	assert_int_equal(consumed, strlen("gsp.magic "));
	iod_expr_free(e);

	assert_ok(iod_expr_parse("0..4 echo", &e, &consumed, NULL));
	assert_int_equal(consumed, 1);
	assert_ok(iod_expr_eval_int(e, &f->env, NULL, &v));
	assert_int_equal(v, 0);
	iod_expr_free(e);
	assert_ok(iod_expr_parse("4 echo", &e, &consumed, NULL));
	assert_int_equal(consumed, 2);
	iod_expr_free(e);

	/* *consumed is after trailing white space */
	assert_ok(iod_expr_parse("1 + 2   ", &e, &consumed, NULL));
	assert_int_equal(consumed, 8);
	iod_expr_free(e);

	assert_ok(iod_expr_parse("gsp # the view", &e, &consumed, NULL));
	assert_int_equal(consumed, 4);
	iod_expr_free(e);

	assert_ok(iod_expr_parse("gsp.cmdq[3] \"a file.bin\"", &e, &consumed, NULL));
	assert_int_equal(consumed, 12);
	iod_expr_free(e);

	assert_ok(iod_expr_parse("1 2", &e, &consumed, NULL));
	assert_int_equal(consumed, 2);
	iod_expr_free(e);

	/* '#' inside a word belongs to it */
	assert_ok(iod_expr_parse("a#1 b", &e, &consumed, NULL));
	assert_int_equal(consumed, 4);
	iod_expr_free(e);

	/* a parenthesised expression takes no path steps: the parse stops at '.' */
	assert_ok(iod_expr_parse("(gsp).magic", &e, &consumed, NULL));
	assert_int_equal(consumed, 5);
	iod_expr_free(e);

	/* an unterminated string after a complete expression is for the caller */
	assert_ok(iod_expr_parse("gsp \"oops", &e, &consumed, NULL));
	assert_int_equal(consumed, 4);
	iod_expr_free(e);
}

static void test_text(void **state)
{
	(void)state;
	assert_text("1 + 2", "1+2");
	assert_text(" gsp . cmdq [ $i + 1 ] . head ", "gsp.cmdq[$i+1].head");
	assert_text("sizeof( struct   msgq )", "sizeof(struct msgq)");
	assert_text("sizeof ( gsp . cmdq )", "sizeof(gsp.cmdq)");
	assert_text("sizeof( u32 [ 4 ] )", "sizeof(u32[4])");
	assert_text("( { struct msgq } sim1 + 0x20 ) . head", "({struct msgq}sim1+0x20).head");
	assert_text("1_000 + 'A' - 0b1", "1_000+'A'-0b1");
	assert_text("offsetof( struct msgq , tail )", "offsetof(struct msgq,tail)");
	assert_text("offsetof( gsp . cmdq [ 1 ] )", "offsetof(gsp.cmdq[1])");
	assert_text("( 1 + 2 ) * - 3", "(1+2)*-3");
	assert_text("sizeof(Coherent< nova_core::gsp::GspMem >)",
		    "sizeof(Coherent< nova_core::gsp::GspMem >)");
}

/* --- paths ---------------------------------------------------------------- */

static void test_paths_and_canon(void **state)
{
	struct fixture *f = *state;
	struct iod_strbuf canon = { 0 };
	struct iod_view v;

	v = view_of(f, "gsp . cmdq [ $i + 1 ] . head", &canon);
	assert_string_equal(iod_strbuf_str(&canon), "gsp.cmdq[4].head");
	assert_ptr_equal(v.region, f->sim0);
	assert_int_equal(v.offset, offsetof(struct t_gsp, cmdq[4].head));
	assert_ptr_equal(v.type, f->types.u32);

	v = view_of(f, "gsp", &canon);
	assert_string_equal(iod_strbuf_str(&canon), "gsp");
	assert_int_equal(v.offset, 0);

	v = view_of(f, "gsp.cmdq[1..3]", &canon);
	assert_string_equal(iod_strbuf_str(&canon), "gsp.cmdq[1..3]");
	assert_int_equal(v.offset, offsetof(struct t_gsp, cmdq[1]));
	assert_int_equal(iod_view_size(&v), 2 * sizeof(struct t_msgq));

	v = view_of(f, "gsp.cmdq[0x1 .. $i][1].tail", &canon);
	assert_string_equal(iod_strbuf_str(&canon), "gsp.cmdq[1..3][1].tail");
	assert_int_equal(v.offset, offsetof(struct t_gsp, cmdq[2].tail));

	v = view_of(f, "gsp.cmdq[-$neg].data[1]", &canon);
	assert_string_equal(iod_strbuf_str(&canon), "gsp.cmdq[1].data[1]");
	assert_int_equal(v.offset, offsetof(struct t_gsp, cmdq[1].data[1]));

	v = view_of(f, "gsp.status.err", &canon);
	assert_string_equal(iod_strbuf_str(&canon), "gsp.status.err");
	assert_int_equal(v.bit_size, 4);
	assert_int_equal(v.offset, offsetof(struct t_gsp, status));

	v = view_of(f, "gsp.ring[99]", &canon);
	assert_int_equal(v.offset, sizeof(struct t_gsp) + 99);

	v = view_of(f, "( { struct msgq } sim1 + 0x20 ) . tail", &canon);
	assert_string_equal(iod_strbuf_str(&canon), "({struct msgq}sim1+0x20).tail");
	assert_ptr_equal(v.region, f->sim1);
	assert_int_equal(v.offset, 0x20 + offsetof(struct t_msgq, tail));
	assert_int_equal(v.root, 0x20);

	v = view_of(f, "({ u32[4] } sim1 + 8)[3]", &canon);
	assert_string_equal(iod_strbuf_str(&canon), "({u32[4]}sim1+8)[3]");
	assert_int_equal(v.offset, 8 + 12);

	v = view_of(f, "({struct msgq}sim1+2*0x10-0x8+$i)", &canon);
	assert_string_equal(iod_strbuf_str(&canon), "({struct msgq}sim1+2*0x10-0x8+$i)");
	assert_int_equal(v.offset, 0x1b);

	v = view_of(f, "({nova_core::gsp::GspMem}sim1+0x40).x", &canon);
	assert_int_equal(v.offset, 0x44);
	v = view_of(f, "({Coherent<nova_core::gsp::GspMem>}sim1).count", &canon);
	assert_int_equal(v.offset, 16);

	/* a parenthesised path is still a path for eval_view */
	v = view_of(f, "(gsp.magic)", &canon);
	assert_string_equal(iod_strbuf_str(&canon), "gsp.magic");

	/* canon is appended to */
	{
		struct iod_expr *e = parse_all("gsp.big");
		struct iod_strbuf sb = { 0 };

		iod_strbuf_puts(&sb, "path: ");
		assert_ok(iod_expr_eval_view(e, &f->env, &v, &sb));
		assert_string_equal(iod_strbuf_str(&sb), "path: gsp.big");
		iod_strbuf_release(&sb);
		iod_expr_free(e);
	}
	/* projection touched nothing */
	assert_int_equal(f->rec.n, 0);
	iod_strbuf_release(&canon);
}

static void test_index_from_a_read(void **state)
{
	struct fixture *f = *state;
	struct iod_strbuf canon = { 0 };
	struct iod_view v;

	poke(f->sim0, offsetof(struct t_gsp, magic), 4, 2);
	v = view_of(f, "gsp.cmdq[gsp.magic].head", &canon);
	assert_string_equal(iod_strbuf_str(&canon), "gsp.cmdq[2].head");
	assert_int_equal(v.offset, offsetof(struct t_gsp, cmdq[2].head));
	assert_int_equal(f->rec.n, 1);
	assert_string_equal(f->rec.lines[0], "R32 sim0+0x0 0x00000002");
	assert_int_equal(f->nreads, 1);
	assert_string_equal(f->reads[0], "gsp.magic");
	iod_strbuf_release(&canon);

	/* the read of the index happens; the projection that fails reads nothing more */
	poke(f->sim0, offsetof(struct t_gsp, magic), 4, 9);
	assert_error(view_err(f, "gsp.cmdq[gsp.magic].head"), IOD_ERR_BOUNDS,
		     "gsp.cmdq[9]: index 9 out of range 0..8");
	assert_int_equal(f->rec.n, 2);
}

static void test_projection_errors(void **state)
{
	struct fixture *f = *state;
	char msg[160];

	assert_error(view_err(f, "gsp.cmdq[8].head"), IOD_ERR_BOUNDS,
		     "gsp.cmdq[8]: index 8 out of range 0..8");
	assert_error(view_err(f, "gsp.cmdq[$neg]"), IOD_ERR_BOUNDS,
		     "gsp.cmdq[-1]: index -1 out of range 0..8");
	assert_error(view_err(f, "gsp.nope"), IOD_ERR_LOOKUP, "gsp.nope: no field 'nope' in struct gsp");
	assert_error(view_err(f, "gsp.cmdq[2].nope.x"), IOD_ERR_LOOKUP,
		     "gsp.cmdq[2].nope: no field 'nope' in struct msgq");
	assert_error(view_err(f, "gsp.cmdq[1..9]"), IOD_ERR_BOUNDS,
		     "gsp.cmdq[1..9]: slice 1..9 out of range 0..8");
	assert_error(view_err(f, "gsp.cmdq[3..2]"), IOD_ERR_BOUNDS,
		     "gsp.cmdq[3..2]: slice 3..2 out of range 0..8");
	assert_error(view_err(f, "gsp.magic.x"), IOD_ERR_TYPE, "gsp.magic.x: 'u32' has no fields");
	assert_error(view_err(f, "gsp.magic[0]"), IOD_ERR_TYPE,
		     "gsp.magic[0]: 'u32' is not an array");
	assert_error(view_err(f, "gsp.ring[100]"), IOD_ERR_BOUNDS,
		     "gsp.ring[100]: index 100 out of range 0..100");
	assert_error(view_err(f, "nosuch.x"), IOD_ERR_LOOKUP, "no view named 'nosuch'");
	assert_error(view_err(f, "sim0.x"), IOD_ERR_LOOKUP,
		     "'sim0' is a region, not a view: a typed view of it is written"
		     " ({TYPE}sim0+OFFSET)");
	assert_error(view_err(f, "({struct nope}sim1).x"), IOD_ERR_LOOKUP,
		     "unknown type 'struct nope'");
	assert_error(view_err(f, "({struct msgq}sim1-4)"), IOD_ERR_BOUNDS,
		     "sim1-4: offset -4 is before the start of sim1");
	assert_error(view_err(f, "({struct msgq}nosuch+4)"), IOD_ERR_LOOKUP,
		     "no region named 'nosuch'");
	assert_error(view_err(f, "({struct msgq}gsp+4)"), IOD_ERR_LOOKUP,
		     "'gsp' is a view, not a region");
	snprintf(msg, sizeof(msg), "struct msgq (%zu bytes) does not fit in sim1 at 0xffa: the"
		 " region is 4096 bytes", sizeof(struct t_msgq));
	assert_error(view_err(f, "({struct msgq}sim1+4090)"), IOD_ERR_BOUNDS, msg);
	assert_error(view_err(f, "gsp.cmdq[$nope]"), IOD_ERR_LOOKUP, "$nope is not set");
	assert_error(view_err(f, "1+2"), IOD_ERR_TYPE, "1+2 is not a path");
	assert_error(view_err(f, "gsp.cmdq[1/0]"), IOD_ERR_VALUE, "division by zero");
	/* nothing was accessed by any of them */
	assert_int_equal(f->rec.n, 0);
	assert_int_equal(f->nreads, 0);
}

/* --- values --------------------------------------------------------------- */

static void test_reads(void **state)
{
	struct fixture *f = *state;
	char line[64];
	struct t_status st;
	struct t_bits bits;

	poke(f->sim0, offsetof(struct t_gsp, cmdq[3].head), 4, 0x10);
	assert_value(f, "gsp.cmdq[3].head", 16);
	assert_int_equal(f->rec.n, 1);
	snprintf(line, sizeof(line), "R32 sim0+0x%zx 0x00000010",
		 offsetof(struct t_gsp, cmdq[3].head));
	assert_string_equal(f->rec.lines[0], line);
	assert_int_equal(f->nreads, 1);
	assert_string_equal(f->reads[0], "gsp.cmdq[3].head");
	assert_int_equal(f->raws[0], 0x10);

	/* signed bitfields are sign-extended, unsigned ones not */
	memset(&st, 0, sizeof(st));
	st.seq = 200;
	st.err = -3;
	poke(f->sim0, offsetof(struct t_gsp, status), 4, st.raw);
	assert_value(f, "gsp.status.err", -3);
	assert_value(f, "gsp.status.seq", 200);

	/* a 64-bit unsigned value is its bit pattern */
	poke(f->sim0, offsetof(struct t_gsp, big), 8, UINT64_MAX);
	assert_value(f, "gsp.big", -1);
	assert_value(f, "gsp.big >> 63", 1);

	/* bool is 0 or 1 whatever the byte holds */
	poke(f->sim0, offsetof(struct t_gsp, cmdq[0].ok), 1, 2);
	assert_value(f, "gsp.cmdq[0].ok", 1);

	/* char arrays are arrays, chars are scalars */
	poke(f->sim0, offsetof(struct t_gsp, cmdq[0].name[1]), 1, 'z');
	assert_value(f, "gsp.cmdq[0].name[1]", 'z');

	/* an ad-hoc view of a scalar, signed bitfields in a packed layout */
	memset(&bits, 0, sizeof(bits));
	bits.s = -7;
	bits.w = -5;
	for (size_t i = 0; i < sizeof(bits); i++)
		poke(f->sim1, 0x400 + i, 1, ((uint8_t *)&bits)[i]);
	assert_value(f, "({struct bits}sim1+0x400).s", -7);
	assert_value(f, "({struct bits}sim1+0x400).w", -5);

	/* a view bound to a scalar */
	poke(f->sim0, 0, 4, 41);
	assert_value(f, "magic + 1", 42);
}

static void test_on_read_paths(void **state)
{
	struct fixture *f = *state;

	poke(f->sim0, offsetof(struct t_gsp, cmdq[3].head), 4, 5);
	poke(f->sim0, offsetof(struct t_gsp, cmdq[3].tail), 4, 7);
	assert_value(f, "gsp.cmdq[3].head + gsp . cmdq [ $i ] . tail", 12);
	assert_int_equal(f->nreads, 2);
	assert_string_equal(f->reads[0], "gsp.cmdq[3].head");
	assert_string_equal(f->reads[1], "gsp.cmdq[3].tail");
	assert_int_equal(f->raws[0], 5);
	assert_int_equal(f->raws[1], 7);
	assert_int_equal(f->rec.n, 2);
}

static void test_value_errors(void **state)
{
	struct fixture *f = *state;

	assert_error(eval_err(f, "gsp.cmdq[3]"), IOD_ERR_TYPE,
		     "gsp.cmdq[3]: 'struct msgq' is not a scalar");
	assert_error(eval_err(f, "gsp + 1"), IOD_ERR_TYPE, "gsp: 'struct gsp' is not a scalar");
	assert_error(eval_err(f, "gsp.cmdq[1..2]"), IOD_ERR_TYPE,
		     "gsp.cmdq[1..2]: 'struct msgq[1]' is not a scalar");
	assert_error(eval_err(f, "sim0"), IOD_ERR_TYPE,
		     "'sim0' is a region, not a value: a location is written sim0+OFFSET");
	assert_error(eval_err(f, "nosuch + 1"), IOD_ERR_LOOKUP,
		     "no view, region or enumerator named 'nosuch'");
	assert_error(eval_err(f, "$nope"), IOD_ERR_LOOKUP, "$nope is not set");
	assert_error(eval_err(f, "gsp.cmdq[8].head"), IOD_ERR_BOUNDS,
		     "gsp.cmdq[8]: index 8 out of range 0..8");
	assert_int_equal(f->rec.n, 0);
	/* the read happens, then the division fails */
	assert_error(eval_err(f, "gsp.magic / 0"), IOD_ERR_VALUE, "division by zero");
	assert_int_equal(f->rec.n, 1);
}

static void test_short_circuit(void **state)
{
	struct fixture *f = *state;

	/* the side not needed is not evaluated: not read, not divided, not looked up */
	assert_value(f, "1 || gsp.magic / 0", 1);
	assert_value(f, "0 && gsp.magic", 0);
	assert_value(f, "0 && $unset", 0);
	assert_value(f, "1 || $unset", 1);
	assert_value(f, "0 && 1/0 || 1", 1);
	assert_int_equal(f->rec.n, 0);
	assert_error(eval_err(f, "1 && $unset"), IOD_ERR_LOOKUP, "$unset is not set");
	assert_error(eval_err(f, "0 || 1/0"), IOD_ERR_VALUE, "division by zero");
	assert_value(f, "1 && gsp.magic == 0", 1);
	assert_int_equal(f->rec.n, 1);
}

/* --- enumerators ---------------------------------------------------------- */

static void test_enumerators(void **state)
{
	struct fixture *f = *state;

	assert_value(f, "GSP_READY", 2);
	assert_value(f, "GSP_READY + 1", 3);
	/* by the enum's signedness and width, however the bits were stored */
	assert_value(f, "GSP_ERR", -1);
	assert_value(f, "GSP_ERR64", -1);
	assert_value(f, "CLASH2_ONLY", 9);
	/* the same value in several enums is no ambiguity */
	assert_value(f, "COMMON", 1);
	/* found as a member type, and through a typedef */
	assert_value(f, "ANON_ONE", 5);
	assert_value(f, "MODE_B", 3);
	assert_error(eval_err(f, "CLASH"), IOD_ERR_LOOKUP,
		     "enumerator 'CLASH' is ambiguous: 1 in enum clash1, 2 in enum clash2");
	/* the hint decides */
	assert_int_equal(eval_hint(f, "CLASH", f->clash2), 2);
	assert_int_equal(eval_hint(f, "CLASH", f->clash1), 1);
	assert_int_equal(eval_hint(f, "CLASH | CLASH2_ONLY", f->clash2), 11);
	/* a hint that is no enum, or does not know the name, is passed over */
	assert_int_equal(eval_hint(f, "GSP_READY", f->types.u32), 2);
	assert_int_equal(eval_hint(f, "GSP_READY", f->clash2), 2);
	assert_int_equal(eval_hint(f, "MODE_B", f->modes), 3);
	/* a view wins over an enumerator of the same name */
	assert_int_equal(eval_hint(f, "magic", f->clash2), 0);
	assert_int_equal(f->rec.n, 1);
}

static void test_enumerator_beside_a_path(void **state)
{
	struct fixture *f = *state;
	uint64_t off = 0x100 + offsetof(struct t_ctl, state);

	/* ctl.state is an enum clash2: CLASH compared with it means clash2's */
	poke(f->sim1, off, 4, 2);
	assert_value(f, "ctl.state == CLASH", 1);
	assert_value(f, "CLASH != ctl.state", 0);
	assert_value(f, "ctl.state & CLASH", 2);
	/* a bitfield of enum type, a signed one: -1 */
	{
		struct t_ctl c;
		uint8_t bytes[sizeof(c)];

		memset(&c, 0, sizeof(c));
		c.mode = (enum t_any)7;
		memcpy(bytes, &c, sizeof(c));
		for (size_t i = offsetof(struct t_ctl, state) + 4; i < sizeof(c); i++)
			poke(f->sim1, 0x100 + i, 1, bytes[i]);
	}
	assert_value(f, "ctl.mode", -1);
	assert_value(f, "ctl.mode == GSP_ERR", 1);
	/* elsewhere there is no path to take the enum from */
	assert_error(eval_err(f, "(ctl.state + 0) == CLASH"), IOD_ERR_LOOKUP,
		     "enumerator 'CLASH' is ambiguous: 1 in enum clash1, 2 in enum clash2");
}

/* --- sizeof and offsetof -------------------------------------------------- */

static void test_sizeof(void **state)
{
	struct fixture *f = *state;

	assert_value(f, "sizeof(struct msgq)", sizeof(struct t_msgq));
	assert_value(f, "sizeof( struct  msgq )", sizeof(struct t_msgq));
	assert_value(f, "sizeof(struct gsp)", sizeof(struct t_gsp));
	assert_value(f, "sizeof(u32[4])", 16);
	assert_value(f, "sizeof(u32[4][2])", 32);
	assert_value(f, "sizeof(u64)", 8);
	assert_value(f, "sizeof(mode_t2)", sizeof(enum t_any));
	assert_value(f, "sizeof(nova_core::gsp::GspMem)", 16);
	assert_value(f, "sizeof(GspMem)", 16);
	assert_value(f, "sizeof(Coherent<nova_core::gsp::GspMem>)", 24);
	assert_value(f, "sizeof(struct msgq) * 2 + 1", 2 * sizeof(struct t_msgq) + 1);
	/* paths: the view's size */
	assert_value(f, "sizeof(gsp)", sizeof(struct t_gsp));
	assert_value(f, "sizeof(gsp.cmdq)", sizeof(((struct t_gsp *)0)->cmdq));
	assert_value(f, "sizeof(gsp.cmdq[1..4])", 3 * sizeof(struct t_msgq));
	assert_value(f, "sizeof(gsp.cmdq[$i].data)", 8);
	assert_value(f, "sizeof(gsp.ring)", 100);                 /* up to the region's end */
	assert_value(f, "sizeof(gsp.status.seq)", 4);             /* its storage unit */
	assert_value(f, "sizeof(({struct msgq}sim1+4).data)", 8);
	assert_error(eval_err(f, "sizeof(nosuch)"), IOD_ERR_LOOKUP,
		     "no view named 'nosuch', and unknown type 'nosuch'");
	assert_error(eval_err(f, "sizeof(msgq)"), IOD_ERR_LOOKUP,
		     "no view named 'msgq', and unknown type 'msgq' (did you mean 'struct msgq'?)");
	assert_error(eval_err(f, "sizeof(struct nope)"), IOD_ERR_LOOKUP,
		     "unknown type 'struct nope'");
	assert_error(eval_err(f, "sizeof(gsp.nope)"), IOD_ERR_LOOKUP,
		     "gsp.nope: no field 'nope' in struct gsp");
	assert_error(eval_err(f, "sizeof(gsp.cmdq[9])"), IOD_ERR_BOUNDS,
		     "gsp.cmdq[9]: index 9 out of range 0..8");
	/* sizeof reads nothing */
	assert_int_equal(f->rec.n, 0);
}

static void test_offsetof(void **state)
{
	struct fixture *f = *state;

	assert_value(f, "offsetof(gsp.cmdq[3].tail)", offsetof(struct t_gsp, cmdq[3].tail));
	assert_value(f, "offsetof(gsp.cmdq[$i].data[1])", offsetof(struct t_gsp, cmdq[3].data[1]));
	assert_value(f, "offsetof(gsp)", 0);
	assert_value(f, "offsetof(gsp.ring[7])", sizeof(struct t_gsp) + 7);
	/* from the root of the view, not from the start of the region */
	assert_value(f, "offsetof(({struct msgq}sim1+0x40).tail)", offsetof(struct t_msgq, tail));
	assert_value(f, "offsetof(ctl.level)", offsetof(struct t_ctl, state) + 4);
	/* a bitfield: its storage unit's offset */
	assert_value(f, "offsetof(gsp.status.err)", offsetof(struct t_gsp, status));
	/* C's form, with a type */
	assert_value(f, "offsetof(struct gsp, cmdq[2].data[1])",
		     offsetof(struct t_gsp, cmdq[2].data[1]));
	assert_value(f, "offsetof(struct msgq, tail)", offsetof(struct t_msgq, tail));
	assert_value(f, "offsetof(Coherent<nova_core::gsp::GspMem>, count)", 16);
	assert_value(f, "offsetof(struct gsp, ring[1000])", sizeof(struct t_gsp) + 1000);
	assert_error(eval_err(f, "offsetof(struct msgq, nope)"), IOD_ERR_LOOKUP,
		     "nope: no field 'nope' in struct msgq");
	assert_error(eval_err(f, "offsetof(struct gsp, cmdq[9])"), IOD_ERR_BOUNDS,
		     "cmdq[9]: index 9 out of range 0..8");
	assert_error(eval_err(f, "offsetof(struct nope, x)"), IOD_ERR_LOOKUP,
		     "unknown type 'struct nope'");
	assert_error(eval_err(f, "offsetof(gsp.nope)"), IOD_ERR_LOOKUP,
		     "gsp.nope: no field 'nope' in struct gsp");
	assert_int_equal(f->rec.n, 0);
}

/* --- locations ------------------------------------------------------------ */

static void test_locations(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *text;
		bool loc, path;
	} shapes[] = {
		{ "sim1", true, true },   /* a bare name is both: the caller tries each */
		{ "sim1+4", true, false },
		{ "sim1 - 4 + 8", true, false },
		{ "sim1+4*2", true, false },
		{ "4+sim1", false, false },
		{ "sim1*2", false, false },
		{ "(sim1)+4", false, false },
		{ "(sim1+4)", false, false },
		{ "gsp.magic", false, true },
		{ "(gsp.magic)", false, false },
		{ "({u32}sim1)", false, true },
	};
	struct iod_region *r = NULL;
	uint64_t off = 99;

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct iod_expr *e = parse_all(shapes[i].text);

		if (iod_expr_is_loc(e) != shapes[i].loc || iod_expr_is_path(e) != shapes[i].path)
			fail_msg("'%s': is_loc %d, is_path %d", shapes[i].text,
				 iod_expr_is_loc(e), iod_expr_is_path(e));
		iod_expr_free(e);
	}

	{
		struct iod_expr *e = parse_all("sim1 + $i * 4 - 2");

		assert_ok(iod_expr_eval_loc(e, &f->env, &r, &off));
		assert_ptr_equal(r, f->sim1);
		assert_int_equal(off, 10);
		iod_expr_free(e);
		e = parse_all("sim0");
		assert_ok(iod_expr_eval_loc(e, &f->env, &r, &off));
		assert_ptr_equal(r, f->sim0);
		assert_int_equal(off, 0);
		iod_expr_free(e);
	}
	r = NULL;
	off = 99;
	{
		static const struct {
			const char *text, *msg;
			enum iod_error_kind kind;
		} bad[] = {
			{ "sim1-1", "sim1-1: offset -1 is before the start of sim1", IOD_ERR_BOUNDS },
			{ "nosuch+1", "no region named 'nosuch'", IOD_ERR_LOOKUP },
			{ "gsp+1", "'gsp' is a view, not a region", IOD_ERR_LOOKUP },
			{ "1+2", "1+2 is not a location: write REGION or REGION+OFFSET",
			  IOD_ERR_SYNTAX },
			{ "sim1+$nope", "$nope is not set", IOD_ERR_LOOKUP },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct iod_expr *e = parse_all(bad[i].text);

			assert_error(iod_expr_eval_loc(e, &f->env, &r, &off), bad[i].kind,
				     bad[i].msg);
			iod_expr_free(e);
		}
	}
	assert_null(r);
	assert_int_equal(off, 99);
}

static void test_names_and_reads(void **state)
{
	static const struct {
		const char *text, *name;
		bool reads_nothing;
	} cases[] = {
		{ "gsp", "gsp", true },
		{ "GSP_READY", "GSP_READY", true },   /* eval_view or eval_loc read nothing */
		{ "(gsp)", NULL, false },             /* a value: gsp may be a scalar view */
		{ "gsp.cmdq[$i + 1].head", NULL, true },
		{ "gsp.cmdq[sizeof(gsp.cmdq[0]) - offsetof(gsp.cmdq[1])].head", NULL, true },
		{ "gsp.cmdq[gsp.magic].head", NULL, false },
		{ "gsp.cmdq[1..n]", NULL, false },
		{ "({u32}sim1+4)", NULL, true },
		{ "({u32}sim1+gsp.magic)", NULL, false },
		{ "sim1 + 4 * $i", NULL, true },
		{ "sim1 + gsp.magic", NULL, false },
		{ "1 + $i * sizeof(struct msgq)", NULL, true },
		{ "1 + x", NULL, false },
		{ "-gsp.magic", NULL, false },
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct iod_expr *e = parse_all(cases[i].text);
		const char *name = iod_expr_name(e);

		if (!name != !cases[i].name || (name && strcmp(name, cases[i].name)))
			fail_msg("'%s': name %s", cases[i].text, name ? name : "(null)");
		if (iod_expr_reads_nothing(e) != cases[i].reads_nothing)
			fail_msg("'%s': reads_nothing %d", cases[i].text, !cases[i].reads_nothing);
		/* and it is true: what claims to read nothing reads nothing */
		if (cases[i].reads_nothing) {
			struct iod_view v;
			struct iod_region *r;
			uint64_t off;

			f->rec.n = 0;
			if (iod_expr_is_path(e))
				iod_error_free(iod_expr_eval_view(e, &f->env, &v, NULL));
			else if (iod_expr_is_loc(e))
				iod_error_free(iod_expr_eval_loc(e, &f->env, &r, &off));
			assert_int_equal(f->rec.n, 0);
		}
		iod_expr_free(e);
	}
}

/* --- numbers, sizes and durations ----------------------------------------- */

static void test_parse_number(void **state)
{
	static const struct {
		const char *text;
		bool sizes;
		uint64_t value;
	} good[] = {
		{ "0x10", false, 16 }, { "0b101", false, 5 }, { "0o17", false, 15 },
		{ "1_000", false, 1000 }, { "0", false, 0 }, { "00", false, 0 },
		{ "18446744073709551615", false, UINT64_MAX },
		{ "0xffff_ffff_ffff_ffff", false, UINT64_MAX },
		{ "4K", true, 4096 }, { "4k", true, 4096 }, { "2M", true, 2 << 20 },
		{ "1G", true, 1 << 30 }, { "0x10K", true, 16384 }, { "4096", true, 4096 },
		{ "16777216G", true, UINT64_C(1) << 54 },
	};
	static const struct {
		const char *text;
		bool sizes;
		enum iod_error_kind kind;
		const char *msg;
	} bad[] = {
		{ "4K", false, IOD_ERR_SYNTAX, "invalid number '4K'" },
		{ "", false, IOD_ERR_SYNTAX, "missing number" },
		{ "", true, IOD_ERR_SYNTAX, "missing size" },
		{ "18446744073709551616", false, IOD_ERR_VALUE,
		  "number '18446744073709551616' is too large" },
		{ "17179869184G", true, IOD_ERR_VALUE, "size '17179869184G' is too large" },
		{ "0755", false, IOD_ERR_SYNTAX,
		  "ambiguous number '0755': write 0o755 for octal or 755 for decimal" },
		{ "-1", false, IOD_ERR_SYNTAX, "invalid number '-1'" },
		{ " 1", false, IOD_ERR_SYNTAX, "invalid number ' 1'" },
		{ "1 ", false, IOD_ERR_SYNTAX, "invalid number '1 '" },
		{ "0x", false, IOD_ERR_SYNTAX, "invalid number '0x'" },
		{ "_1", false, IOD_ERR_SYNTAX, "invalid number '_1'" },
		{ "4Q", true, IOD_ERR_SYNTAX,
		  "invalid size '4Q': write a number, optionally followed by K, M or G" },
		{ "K", true, IOD_ERR_SYNTAX,
		  "invalid size 'K': write a number, optionally followed by K, M or G" },
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 1;
		assert_ok(iod_parse_number(good[i].text, good[i].sizes, &v));
		if (v != good[i].value)
			fail_msg("'%s': %" PRIu64, good[i].text, v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 1;
		assert_error(iod_parse_number(bad[i].text, bad[i].sizes, &v), bad[i].kind,
			     bad[i].msg);
		assert_int_equal(v, 1);
	}
}

static void test_parse_duration(void **state)
{
	static const struct {
		const char *text;
		uint64_t ns;
	} good[] = {
		{ "10us", 10000 }, { "5ms", 5000000 }, { "2s", 2000000000 },
		{ "3m", UINT64_C(180000000000) }, { "7ns", 7 }, { "0s", 0 },
		{ "0.5s", 500000000 }, { "1.5ms", 1500000 }, { "1_000us", 1000000 },
		{ "0.0000000015s", 1 },
		{ "18446744073709551615ns", UINT64_MAX },
		{ "307445734m", UINT64_C(307445734) * 60000000000 },
	};
	static const char *const invalid[] = { "10", "10 s", "s", "1.s", ".5s", "10h", "1e3ms",
					       "0x10ms", "", "-1s" };
	char msg[160];
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 1;
		assert_ok(iod_parse_duration(good[i].text, &v));
		if (v != good[i].ns)
			fail_msg("'%s': %" PRIu64, good[i].text, v);
	}
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		snprintf(msg, sizeof(msg), "invalid duration '%s': write a number and a unit (ns,"
			 " us, ms, s or m), as in 10us, 5ms, 2s", invalid[i]);
		v = 1;
		assert_error(iod_parse_duration(invalid[i], &v), IOD_ERR_SYNTAX, msg);
		assert_int_equal(v, 1);
	}
	assert_error(iod_parse_duration("18446744073709551616ns", &v), IOD_ERR_VALUE,
		     "duration '18446744073709551616ns' is too long");
	assert_error(iod_parse_duration("307445735m", &v), IOD_ERR_VALUE,
		     "duration '307445735m' is too long");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_precedence),
		T(test_arithmetic_edges),
		T(test_numbers),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_nesting_limits),
		T(test_parse_stops),
		cmocka_unit_test(test_text),
		T(test_paths_and_canon),
		T(test_index_from_a_read),
		T(test_projection_errors),
		T(test_reads),
		T(test_on_read_paths),
		T(test_value_errors),
		T(test_short_circuit),
		T(test_enumerators),
		T(test_enumerator_beside_a_path),
		T(test_sizeof),
		T(test_offsetof),
		T(test_locations),
		T(test_names_and_reads),
		cmocka_unit_test(test_parse_number),
		cmocka_unit_test(test_parse_duration),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
