/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Values as text and JSON, and layouts (ptype), from values read through the real I/O core. */
#include <float.h>
#include <inttypes.h>
#include <math.h>

#include "io_helpers.h"
#include "iodbg/format.h"

/*
 * The layouts under test, compiled by the real compiler; their iod types are
 * built from offsetof/sizeof and measured bitfield positions (io_helpers.h),
 * and their values are real instances copied into a sim region.
 */
enum t_state { ST_IDLE = 0, ST_RUN = 5, ST_NEG = -1 };
enum t_flags { FL_A = 1, FL_B = 2, FL_C = 8 };
enum t_zflags { ZF_NONE = 0, ZF_X = 1, ZF_Y = 4 };
enum t_mode { M_ONE = 1, M_TWO = 2, M_THREE = 3 };

struct t_inner {
	uint32_t a;
	int32_t b;
};

struct t_scalars {
	uint32_t u;
	int32_t i;
	int8_t s8;
	char c;
	_Bool ok;
	uint8_t u8;
	uint16_t u16;
	int16_t sbf : 6;
	uint32_t ubf : 5;
	enum t_state state;
	enum t_flags flags;
	enum t_zflags zflags;
	enum t_mode mode;
	float f;
	double d;
	uint64_t big;
	int64_t sbig;
	void *ptr;
	signed char sc;
	unsigned char uc;
};

struct t_agg {
	uint32_t head;
	uint32_t tail;
	char name[4];
	_Bool ok;
	uint32_t data[2];
	struct t_inner inner;
	struct t_inner pair[2];
	uint32_t grid[2][3];
	union {
		uint32_t word;
		struct {
			uint16_t lo;
			uint16_t hi;
		};
	};
	int16_t sbf : 6;
	enum t_state state;
};

struct t_nest {
	uint32_t x;
	struct t_inner arr2[2][2];
};

typedef char t_mychar;

struct t_chars {
	char plain[12];
	unsigned char uc[3];
	signed char sc[3];
	uint8_t u8s[3];
	const char cname[4];
	char nonul[3];
	t_mychar tdc[3];
	char names[2][4];
};

struct t_pad {
	int32_t a;
	char b;
};

struct t_holes {
	char c;
	int32_t i;
	int16_t s;
	uint32_t a : 3;
	uint32_t b : 5;
	int64_t l;
	union {
		uint32_t raw;
		struct {
			uint32_t lo : 16;
			uint32_t hi : 12;
		};
	};
	struct t_pad p;
	char name[6];
	struct t_inner arr[2];
	uint8_t tail;
};

struct t_bh {
	uint32_t a : 3;
	uint32_t b : 4;
	uint32_t c;
	uint32_t d : 2;
	uint32_t e : 30;
	uint64_t f : 3;
};

struct t_big {
	char a[100];
	int32_t b;
	char c[30];
	int64_t d;
};

struct t_fmsgq {
	uint32_t head;
	uint32_t pad;
	uint32_t ctl;
	uint32_t mode : 5;
	union {
		uint32_t raw;
		struct {
			uint16_t lo;
			uint16_t hi : 9;
		};
	};
};

struct t_s10 {
	char a;
	struct {
		int32_t x;
		char y;
	} named;
	char z;
};

struct t_s2 {
	uint32_t a : 3;
	char b;
};

struct t_flex {
	uint32_t n;
	uint8_t k;
	uint8_t data[];
};

struct t_s7 {
	uint32_t a : 3;
};

struct t_s8 {
	char c;
	uint32_t a : 30;
};

struct t_s9 {
	uint32_t a : 3;
	uint64_t b : 62;
};

union t_un {
	int32_t a;
	char b[7];
};

struct t_anon {
	int32_t a;
	char b;
};

struct fx {
	struct types types;
	struct iod_region *sim;
	struct recorder rec;
	struct iod_io io;
	struct iod_strbuf sb;
	struct iod_value val;
	const struct iod_type *s8, *f32, *f64, *vptr, *schar, *uchar, *mychar, *cchar;
	const struct iod_type *state, *flags, *zflags, *mode;
	const struct iod_type *inner, *scalars, *agg, *nest, *chars, *pad, *holes, *bh, *big;
	const struct iod_type *fmsgq, *holes_t, *incomplete, *s10, *s2, *un, *anon_t;
	const struct iod_type *reg_t, *regs_t, *unsorted, *st7, *st8, *st9, *flex;
};

static const struct iod_type *base(struct types *types, const char *name, uint64_t size,
				   bool is_signed, enum iod_base_enc enc)
{
	struct iod_type *t = new_type(types, IOD_TYPE_BASE, name, size);

	t->is_signed = is_signed;
	t->enc = enc;
	return publish(types, t);
}

static const struct iod_type *enum_type(struct types *types, const char *name, uint64_t size,
					bool is_signed, const char *const *names,
					const int64_t *values, size_t n)
{
	struct iod_type *t = new_type(types, IOD_TYPE_ENUM, name, size);

	t->is_signed = is_signed;
	t->target = is_signed ? types->s32 : types->u32;
	for (size_t i = 0; i < n; i++)
		assert_ok(iod_type_add_enumerator(types->db, t, names[i], (uint64_t)values[i]));
	return publish(types, t);
}

static const struct iod_type *qual(struct types *types, const struct iod_type *target,
				   unsigned quals)
{
	struct iod_type *t = new_type(types, IOD_TYPE_QUAL, NULL, 0);

	t->quals = quals;
	t->target = target;
	return t;
}

static const struct iod_type *typedef_of(struct types *types, const char *name,
					 const struct iod_type *target)
{
	struct iod_type *t = new_type(types, IOD_TYPE_TYPEDEF, name, 0);

	t->target = target;
	return publish(types, t);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void build_format_types(struct fx *f)
{
	struct types *types = &f->types;
	struct iod_type *t, *anon_s, *anon_u, *ptr;
	const struct iod_type *arr;

	build_types(types);
	f->s8 = lookup(types->db, "s8");
	f->f32 = base(types, "float", 4, true, IOD_ENC_FLOAT);
	f->f64 = base(types, "double", 8, true, IOD_ENC_FLOAT);
	f->schar = base(types, "signed char", 1, true, IOD_ENC_CHAR);
	f->uchar = base(types, "unsigned char", 1, false, IOD_ENC_CHAR);
	f->mychar = typedef_of(types, "t_mychar", types->chr);
	f->cchar = qual(types, types->chr, IOD_Q_CONST);
	ptr = new_type(types, IOD_TYPE_POINTER, NULL, sizeof(void *));
	f->vptr = ptr;

	{
		static const char *const n[] = { "ST_IDLE", "ST_RUN", "ST_NEG" };
		static const int64_t v[] = { ST_IDLE, ST_RUN, ST_NEG };

		f->state = enum_type(types, "t_state", sizeof(enum t_state), true, n, v, N(n));
	}
	{
		static const char *const n[] = { "FL_A", "FL_B", "FL_C" };
		static const int64_t v[] = { FL_A, FL_B, FL_C };

		f->flags = enum_type(types, "t_flags", sizeof(enum t_flags), false, n, v, N(n));
	}
	{
		static const char *const n[] = { "ZF_NONE", "ZF_X", "ZF_Y" };
		static const int64_t v[] = { ZF_NONE, ZF_X, ZF_Y };

		f->zflags = enum_type(types, "t_zflags", sizeof(enum t_zflags), false, n, v, N(n));
	}
	{
		static const char *const n[] = { "M_ONE", "M_TWO", "M_THREE" };
		static const int64_t v[] = { M_ONE, M_TWO, M_THREE };

		f->mode = enum_type(types, "t_mode", sizeof(enum t_mode), false, n, v, N(n));
	}

	t = new_type(types, IOD_TYPE_STRUCT, "t_inner", sizeof(struct t_inner));
	ADD_FIELD(t, struct t_inner, a, types->u32);
	ADD_FIELD(t, struct t_inner, b, types->s32);
	f->inner = publish(types, t);

	t = new_type(types, IOD_TYPE_STRUCT, "t_scalars", sizeof(struct t_scalars));
	ADD_FIELD(t, struct t_scalars, u, types->u32);
	ADD_FIELD(t, struct t_scalars, i, types->s32);
	ADD_FIELD(t, struct t_scalars, s8, f->s8);
	ADD_FIELD(t, struct t_scalars, c, types->chr);
	ADD_FIELD(t, struct t_scalars, ok, types->bool_);
	ADD_FIELD(t, struct t_scalars, u8, types->u8);
	ADD_FIELD(t, struct t_scalars, u16, types->u16);
	ADD_BITS(t, struct t_scalars, sbf, types->s16);
	ADD_BITS(t, struct t_scalars, ubf, types->u32);
	ADD_FIELD(t, struct t_scalars, state, f->state);
	ADD_FIELD(t, struct t_scalars, flags, f->flags);
	ADD_FIELD(t, struct t_scalars, zflags, f->zflags);
	ADD_FIELD(t, struct t_scalars, mode, f->mode);
	ADD_FIELD(t, struct t_scalars, f, f->f32);
	ADD_FIELD(t, struct t_scalars, d, f->f64);
	ADD_FIELD(t, struct t_scalars, big, types->u64);
	ADD_FIELD(t, struct t_scalars, sbig, types->s64);
	ADD_FIELD(t, struct t_scalars, ptr, f->vptr);
	ADD_FIELD(t, struct t_scalars, sc, f->schar);
	ADD_FIELD(t, struct t_scalars, uc, f->uchar);
	f->scalars = publish(types, t);

	anon_s = new_type(types, IOD_TYPE_STRUCT, NULL, 2 * sizeof(uint16_t));
	assert_ok(iod_type_add_member(types->db, anon_s, "lo", types->u16, 0, 0));
	assert_ok(iod_type_add_member(types->db, anon_s, "hi", types->u16,
				      (offsetof(struct t_agg, hi) - offsetof(struct t_agg, lo)) * 8,
				      0));
	anon_u = new_type(types, IOD_TYPE_UNION, NULL, sizeof(uint32_t));
	assert_ok(iod_type_add_member(types->db, anon_u, "word", types->u32, 0, 0));
	assert_ok(iod_type_add_member(types->db, anon_u, NULL, anon_s, 0, 0));
	t = new_type(types, IOD_TYPE_STRUCT, "t_agg", sizeof(struct t_agg));
	ADD_FIELD(t, struct t_agg, head, types->u32);
	ADD_FIELD(t, struct t_agg, tail, types->u32);
	ADD_FIELD(t, struct t_agg, name, array_of(types, types->chr, 4, false));
	ADD_FIELD(t, struct t_agg, ok, types->bool_);
	ADD_FIELD(t, struct t_agg, data, array_of(types, types->u32, 2, false));
	ADD_FIELD(t, struct t_agg, inner, f->inner);
	ADD_FIELD(t, struct t_agg, pair, array_of(types, f->inner, 2, false));
	ADD_FIELD(t, struct t_agg, grid, array_of(types, array_of(types, types->u32, 3, false),
						   2, false));
	assert_ok(iod_type_add_member(types->db, t, NULL, anon_u, offsetof(struct t_agg, word) * 8,
				      0));
	ADD_BITS(t, struct t_agg, sbf, types->s16);
	ADD_FIELD(t, struct t_agg, state, f->state);
	f->agg = publish(types, t);

	t = new_type(types, IOD_TYPE_STRUCT, "t_nest", sizeof(struct t_nest));
	ADD_FIELD(t, struct t_nest, x, types->u32);
	ADD_FIELD(t, struct t_nest, arr2, array_of(types, array_of(types, f->inner, 2, false), 2,
						   false));
	f->nest = publish(types, t);

	t = new_type(types, IOD_TYPE_STRUCT, "t_chars", sizeof(struct t_chars));
	ADD_FIELD(t, struct t_chars, plain, array_of(types, types->chr, 12, false));
	ADD_FIELD(t, struct t_chars, uc, array_of(types, f->uchar, 3, false));
	ADD_FIELD(t, struct t_chars, sc, array_of(types, f->schar, 3, false));
	ADD_FIELD(t, struct t_chars, u8s, array_of(types, types->u8, 3, false));
	ADD_FIELD(t, struct t_chars, cname, array_of(types, f->cchar, 4, false));
	ADD_FIELD(t, struct t_chars, nonul, array_of(types, types->chr, 3, false));
	ADD_FIELD(t, struct t_chars, tdc, array_of(types, f->mychar, 3, false));
	ADD_FIELD(t, struct t_chars, names, array_of(types, array_of(types, types->chr, 4, false),
						     2, false));
	f->chars = publish(types, t);

	t = new_type(types, IOD_TYPE_STRUCT, "t_pad", sizeof(struct t_pad));
	ADD_FIELD(t, struct t_pad, a, types->s32);
	ADD_FIELD(t, struct t_pad, b, types->chr);
	f->pad = publish(types, t);

	anon_s = new_type(types, IOD_TYPE_STRUCT, NULL, sizeof(uint32_t));
	{
		struct t_holes o;
		volatile int64_t ones = -1;
		uint64_t first;
		uint32_t n;

		/* positions inside the anonymous struct, which starts where raw does */
		memset(&o, 0, sizeof(o));
		o.lo = ones;
		bit_range(&o, sizeof(o), &first, &n);
		assert_ok(iod_type_add_member(types->db, anon_s, "lo", types->u32,
					      first - offsetof(struct t_holes, raw) * 8, n));
		memset(&o, 0, sizeof(o));
		o.hi = ones;
		bit_range(&o, sizeof(o), &first, &n);
		assert_ok(iod_type_add_member(types->db, anon_s, "hi", types->u32,
					      first - offsetof(struct t_holes, raw) * 8, n));
	}
	anon_u = new_type(types, IOD_TYPE_UNION, NULL, sizeof(uint32_t));
	assert_ok(iod_type_add_member(types->db, anon_u, "raw", types->u32, 0, 0));
	assert_ok(iod_type_add_member(types->db, anon_u, NULL, anon_s, 0, 0));
	t = new_type(types, IOD_TYPE_STRUCT, "t_holes", sizeof(struct t_holes));
	ADD_FIELD(t, struct t_holes, c, types->chr);
	ADD_FIELD(t, struct t_holes, i, types->s32);
	ADD_FIELD(t, struct t_holes, s, types->s16);
	ADD_BITS(t, struct t_holes, a, types->u32);
	ADD_BITS(t, struct t_holes, b, types->u32);
	ADD_FIELD(t, struct t_holes, l, types->s64);
	assert_ok(iod_type_add_member(types->db, t, NULL, anon_u,
				      offsetof(struct t_holes, raw) * 8, 0));
	ADD_FIELD(t, struct t_holes, p, f->pad);
	ADD_FIELD(t, struct t_holes, name, array_of(types, types->chr, 6, false));
	ADD_FIELD(t, struct t_holes, arr, array_of(types, f->inner, 2, false));
	ADD_FIELD(t, struct t_holes, tail, types->u8);
	f->holes = publish(types, t);
	f->holes_t = typedef_of(types, "holes_t", f->holes);

	t = new_type(types, IOD_TYPE_STRUCT, "t_bh", sizeof(struct t_bh));
	ADD_BITS(t, struct t_bh, a, types->u32);
	ADD_BITS(t, struct t_bh, b, types->u32);
	ADD_FIELD(t, struct t_bh, c, types->u32);
	ADD_BITS(t, struct t_bh, d, types->u32);
	ADD_BITS(t, struct t_bh, e, types->u32);
	ADD_BITS(t, struct t_bh, f, types->u64);
	f->bh = publish(types, t);

	t = new_type(types, IOD_TYPE_STRUCT, "t_big", sizeof(struct t_big));
	ADD_FIELD(t, struct t_big, a, array_of(types, types->chr, 100, false));
	ADD_FIELD(t, struct t_big, b, types->s32);
	ADD_FIELD(t, struct t_big, c, array_of(types, types->chr, 30, false));
	ADD_FIELD(t, struct t_big, d, types->s64);
	f->big = publish(types, t);

	anon_s = new_type(types, IOD_TYPE_STRUCT, NULL, sizeof(uint32_t));
	{
		struct t_fmsgq o;
		volatile int64_t ones = -1;
		uint64_t first;
		uint32_t n;

		memset(&o, 0, sizeof(o));
		o.hi = ones;
		bit_range(&o, sizeof(o), &first, &n);
		assert_ok(iod_type_add_member(types->db, anon_s, "lo", types->u16,
					      (offsetof(struct t_fmsgq, lo) -
					       offsetof(struct t_fmsgq, raw)) * 8, 0));
		assert_ok(iod_type_add_member(types->db, anon_s, "hi", types->u16,
					      first - offsetof(struct t_fmsgq, raw) * 8, n));
	}
	anon_u = new_type(types, IOD_TYPE_UNION, NULL, sizeof(uint32_t));
	assert_ok(iod_type_add_member(types->db, anon_u, "raw", types->u32, 0, 0));
	assert_ok(iod_type_add_member(types->db, anon_u, NULL, anon_s, 0, 0));
	t = new_type(types, IOD_TYPE_STRUCT, "f_msgq", sizeof(struct t_fmsgq));
	ADD_FIELD(t, struct t_fmsgq, head, types->u32);
	ADD_FIELD(t, struct t_fmsgq, pad, types->u32);
	ADD_FIELD(t, struct t_fmsgq, ctl, types->u32);
	ADD_BITS(t, struct t_fmsgq, mode, types->u32);
	assert_ok(iod_type_add_member(types->db, t, NULL, anon_u,
				      offsetof(struct t_fmsgq, raw) * 8, 0));
	f->fmsgq = publish(types, t);

	t = new_type(types, IOD_TYPE_STRUCT, "opaque", 0);
	t->declaration = true;
	f->incomplete = publish(types, t);

	anon_s = new_type(types, IOD_TYPE_STRUCT, NULL, sizeof(((struct t_s10 *)0)->named));
	assert_ok(iod_type_add_member(types->db, anon_s, "x", types->s32,
				      (offsetof(struct t_s10, named.x) -
				       offsetof(struct t_s10, named)) * 8, 0));
	assert_ok(iod_type_add_member(types->db, anon_s, "y", types->chr,
				      (offsetof(struct t_s10, named.y) -
				       offsetof(struct t_s10, named)) * 8, 0));
	t = new_type(types, IOD_TYPE_STRUCT, "t_s10", sizeof(struct t_s10));
	ADD_FIELD(t, struct t_s10, a, types->chr);
	ADD_FIELD(t, struct t_s10, named, anon_s);
	ADD_FIELD(t, struct t_s10, z, types->chr);
	f->s10 = publish(types, t);

	t = new_type(types, IOD_TYPE_STRUCT, "t_s2", sizeof(struct t_s2));
	ADD_BITS(t, struct t_s2, a, types->u32);
	ADD_FIELD(t, struct t_s2, b, types->chr);
	f->s2 = publish(types, t);

	t = new_type(types, IOD_TYPE_STRUCT, "t_flex", sizeof(struct t_flex));
	ADD_FIELD(t, struct t_flex, n, types->u32);
	ADD_FIELD(t, struct t_flex, k, types->u8);
	ADD_FIELD(t, struct t_flex, data, array_of(types, types->u8, 0, true));
	f->flex = publish(types, t);

	t = new_type(types, IOD_TYPE_STRUCT, "t_s7", sizeof(struct t_s7));
	ADD_BITS(t, struct t_s7, a, types->u32);
	f->st7 = publish(types, t);
	t = new_type(types, IOD_TYPE_STRUCT, "t_s8", sizeof(struct t_s8));
	ADD_FIELD(t, struct t_s8, c, types->chr);
	ADD_BITS(t, struct t_s8, a, types->u32);
	f->st8 = publish(types, t);
	t = new_type(types, IOD_TYPE_STRUCT, "t_s9", sizeof(struct t_s9));
	ADD_BITS(t, struct t_s9, a, types->u32);
	ADD_BITS(t, struct t_s9, b, types->u64);
	f->st9 = publish(types, t);

	t = new_type(types, IOD_TYPE_UNION, "t_un", sizeof(union t_un));
	ADD_FIELD(t, union t_un, a, types->s32);
	ADD_FIELD(t, union t_un, b, array_of(types, types->chr, 7, false));
	f->un = publish(types, t);

	t = new_type(types, IOD_TYPE_STRUCT, NULL, sizeof(struct t_anon));
	ADD_FIELD(t, struct t_anon, a, types->s32);
	ADD_FIELD(t, struct t_anon, b, types->chr);
	f->anon_t = typedef_of(types, "anon_t", t);

	f->reg_t = typedef_of(types, "reg_t", types->u32);
	f->regs_t = typedef_of(types, "regs_t", array_of(types, types->u32, 4, false));

	/* Rust lists members as declared, whatever their offsets */
	t = new_type(types, IOD_TYPE_STRUCT, "unsorted", sizeof(struct t_inner));
	t->lang = IOD_LANG_RUST;
	ADD_FIELD(t, struct t_inner, b, types->s32);
	ADD_FIELD(t, struct t_inner, a, types->u32);
	f->unsorted = publish(types, t);
	(void)arr;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	build_format_types(f);
	assert_ok(iod_region_sim("sim0", 4096, &f->sim));
	f->io = rec_io(&f->rec);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	iod_value_release(&f->val);
	iod_strbuf_release(&f->sb);
	iod_region_free(f->sim);
	iod_typedb_free(f->types.db);
	free(f);
	return 0;
}

/* Puts a real C object at the start of the region, through the access path. */
static void load(struct fx *f, const void *obj, size_t size)
{
	assert_ok(iod_fill(&f->io, f->sim, 0, 0, f->sim->size));
	assert_ok(iod_copy_to(&f->io, f->sim, 0, obj, size));
}

/* The view of "s" + path: path is ".field[1]..." below a root of type t at offset 0. */
static struct iod_view view_of(struct fx *f, const struct iod_type *t, const char *path)
{
	struct iod_view root;

	assert_ok(iod_view_init(f->sim, 0, t, &root));
	return project(&root, path);
}

/* The fast path: iod_read_scalar, then iod_format_scalar_text. */
static const char *scalar_text(struct fx *f, const struct iod_type *t, const char *path,
			       const struct iod_format_opts *o)
{
	struct iod_view v = view_of(f, t, path);
	char label[64];
	uint64_t raw;

	snprintf(label, sizeof(label), "s%s", path);
	assert_ok(iod_read_scalar(&f->io, &v, &raw));
	iod_strbuf_reset(&f->sb);
	iod_format_scalar_text(&f->sb, label, &v, raw, o);
	assert_ok(iod_strbuf_error(&f->sb));
	return iod_strbuf_str(&f->sb);
}

/* Any view: iod_read by its plan, then iod_format_text. */
static const char *value_text(struct fx *f, const struct iod_type *t, const char *path,
			      const struct iod_format_opts *o)
{
	struct iod_view v = view_of(f, t, path);
	char label[64];

	snprintf(label, sizeof(label), "s%s", path);
	iod_value_release(&f->val);
	assert_ok(iod_read(&f->io, &v, &f->val));
	iod_strbuf_reset(&f->sb);
	iod_format_text(&f->sb, label, &f->val, o);
	assert_ok(iod_strbuf_error(&f->sb));
	return iod_strbuf_str(&f->sb);
}

static const char *value_json(struct fx *f, const struct iod_type *t, const char *path)
{
	struct iod_view v = view_of(f, t, path);
	char label[64];

	snprintf(label, sizeof(label), "s%s", path);
	iod_value_release(&f->val);
	assert_ok(iod_read(&f->io, &v, &f->val));
	iod_strbuf_reset(&f->sb);
	iod_format_json(&f->sb, label, &f->val);
	assert_ok(iod_strbuf_error(&f->sb));
	return iod_strbuf_str(&f->sb);
}

static const char *scalar_json(struct fx *f, const struct iod_type *t, const char *path)
{
	struct iod_view v = view_of(f, t, path);
	char label[64];
	uint64_t raw;

	snprintf(label, sizeof(label), "s%s", path);
	assert_ok(iod_read_scalar(&f->io, &v, &raw));
	iod_strbuf_reset(&f->sb);
	iod_format_scalar_json(&f->sb, label, &v, raw);
	assert_ok(iod_strbuf_error(&f->sb));
	return iod_strbuf_str(&f->sb);
}

static const char *layout_text(struct fx *f, const struct iod_type *t)
{
	iod_strbuf_reset(&f->sb);
	assert_ok(iod_format_layout_text(&f->sb, t));
	return iod_strbuf_str(&f->sb);
}

static const char *layout_json(struct fx *f, const struct iod_type *t)
{
	iod_strbuf_reset(&f->sb);
	assert_ok(iod_format_layout_json(&f->sb, t));
	return iod_strbuf_str(&f->sb);
}


/* The first bit of a bitfield, measured on the compiler's layout. */
#define FIRST_BIT(T, field)                                                   \
	({                                                                    \
		T o_;                                                         \
		volatile int64_t ones_ = -1;                                  \
		uint64_t first_;                                              \
		uint32_t n_;                                                  \
		memset(&o_, 0, sizeof(o_));                                   \
		o_.field = ones_;                                             \
		bit_range(&o_, sizeof(o_), &first_, &n_);                     \
		first_;                                                       \
	})

static const struct iod_format_opts fmt_x = { 'x', 16 }, fmt_d = { 'd', 16 },
				    fmt_u = { 'u', 16 }, fmt_o = { 'o', 16 },
				    fmt_t = { 't', 16 }, fmt_c = { 'c', 16 },
				    radix10 = { 0, 10 };

static struct t_scalars sample_scalars(void)
{
	struct t_scalars s;

	memset(&s, 0, sizeof(s));
	s.u = 16;
	s.i = -2;
	s.s8 = -17;
	s.c = 'A';
	s.ok = 1;
	s.u8 = 200;
	s.u16 = 0xbeef;
	s.sbf = -7;
	s.ubf = 31;
	s.state = ST_RUN;
	s.flags = FL_A | FL_C;
	s.zflags = ZF_NONE;
	s.mode = M_TWO;
	s.f = 1.5f;
	s.d = 0.1;
	s.big = UINT64_MAX;
	s.sbig = INT64_MIN;
	s.ptr = (void *)0x1234;
	s.sc = -3;
	s.uc = 200;
	return s;
}

static void test_scalars_natural(void **state)
{
	struct fx *f = *state;
	struct t_scalars s = sample_scalars();
	static const char *const expect[][2] = {
		{ ".u", "s.u = 0x10\n" },
		{ ".i", "s.i = -2\n" },
		{ ".s8", "s.s8 = -17\n" },
		{ ".c", "s.c = 65 'A'\n" },
		{ ".ok", "s.ok = true\n" },
		{ ".u8", "s.u8 = 0xc8\n" },
		{ ".u16", "s.u16 = 0xbeef\n" },
		{ ".sbf", "s.sbf = -7\n" },
		{ ".ubf", "s.ubf = 0x1f\n" },
		{ ".state", "s.state = ST_RUN (5)\n" },
		{ ".flags", "s.flags = FL_A|FL_C\n" },
		{ ".zflags", "s.zflags = ZF_NONE (0)\n" },
		{ ".mode", "s.mode = M_TWO (2)\n" },
		{ ".f", "s.f = 1.5\n" },
		{ ".d", "s.d = 0.1\n" },
		{ ".big", "s.big = 0xffffffffffffffff\n" },
		{ ".sbig", "s.sbig = -9223372036854775808\n" },
		{ ".ptr", "s.ptr = 0x1234\n" },
		/* only "char" as spelled prints as a character */
		{ ".sc", "s.sc = -3\n" },
		{ ".uc", "s.uc = 0xc8\n" },
	};

	load(f, &s, sizeof(s));
	for (size_t i = 0; i < N(expect); i++) {
		assert_string_equal(scalar_text(f, f->scalars, expect[i][0], NULL), expect[i][1]);
		/* a scalar read by iod_read prints the same */
		assert_string_equal(value_text(f, f->scalars, expect[i][0], NULL), expect[i][1]);
	}
	/* each scalar was read with one access of its own width */
	f->rec.n = 0;
	scalar_text(f, f->scalars, ".sbf", NULL);
	assert_int_equal(f->rec.n, 1);
	assert_true(strncmp(f->rec.lines[0], "R16 ", 4) == 0);
}

static void test_enums(void **state)
{
	struct fx *f = *state;
	struct t_scalars s = sample_scalars();

	s.state = ST_NEG;
	s.flags = FL_A | FL_C | 0x40;
	s.zflags = ZF_X | ZF_Y;
	s.mode = M_THREE;
	load(f, &s, sizeof(s));
	assert_string_equal(scalar_text(f, f->scalars, ".state", NULL), "s.state = ST_NEG (-1)\n");
	assert_string_equal(scalar_text(f, f->scalars, ".flags", NULL),
			    "s.flags = FL_A|FL_C|0x40\n");
	assert_string_equal(scalar_text(f, f->scalars, ".zflags", NULL), "s.zflags = ZF_X|ZF_Y\n");
	assert_string_equal(scalar_text(f, f->scalars, ".mode", NULL), "s.mode = M_THREE (3)\n");

	/* no enumerator: the number as the enum's signedness prints it */
	s.state = (enum t_state)7;
	s.mode = (enum t_mode)7;
	s.flags = (enum t_flags)0;
	s.zflags = ZF_NONE;
	load(f, &s, sizeof(s));
	assert_string_equal(scalar_text(f, f->scalars, ".state", NULL), "s.state = 7\n");
	assert_string_equal(scalar_text(f, f->scalars, ".mode", NULL), "s.mode = 0x7\n");
	assert_string_equal(scalar_text(f, f->scalars, ".mode", &radix10), "s.mode = 7\n");
	/* a flags enum: 0 without a zero enumerator is 0, with one it is that one */
	assert_string_equal(scalar_text(f, f->scalars, ".flags", NULL), "s.flags = 0\n");
	assert_string_equal(scalar_text(f, f->scalars, ".zflags", NULL), "s.zflags = ZF_NONE (0)\n");

	s.state = (enum t_state)-9;
	s.flags = (enum t_flags)0x40;
	load(f, &s, sizeof(s));
	assert_string_equal(scalar_text(f, f->scalars, ".state", NULL), "s.state = -9\n");
	assert_string_equal(scalar_text(f, f->scalars, ".flags", NULL), "s.flags = 0x40\n");

	/* a value that is itself an enumerator is not split into flags */
	s.flags = FL_B;
	load(f, &s, sizeof(s));
	assert_string_equal(scalar_text(f, f->scalars, ".flags", NULL), "s.flags = FL_B (2)\n");
	s.flags = FL_A | FL_B | FL_C;
	load(f, &s, sizeof(s));
	assert_string_equal(scalar_text(f, f->scalars, ".flags", NULL),
			    "s.flags = FL_A|FL_B|FL_C\n");
}

static void test_bool_and_char(void **state)
{
	struct fx *f = *state;
	struct t_scalars s = sample_scalars();
	char json[256];
	static const struct {
		char c;
		const char *text;
	} chars[] = {
		{ '\n', "s.c = 10 '\\n'\n" },
		{ 0, "s.c = 0 '\\000'\n" },
		{ (char)200, "s.c = -56 '\\310'\n" },
		{ '\'', "s.c = 39 '\\''\n" },
		{ '\\', "s.c = 92 '\\\\'\n" },
		{ '"', "s.c = 34 '\"'\n" },
		{ 127, "s.c = 127 '\\177'\n" },
		{ 27, "s.c = 27 '\\033'\n" },
		{ 7, "s.c = 7 '\\a'\n" },
		{ '\t', "s.c = 9 '\\t'\n" },
		{ ' ', "s.c = 32 ' '\n" },
	};

	s.ok = 0;
	load(f, &s, sizeof(s));
	assert_string_equal(scalar_text(f, f->scalars, ".ok", NULL), "s.ok = false\n");
	/* a bool byte that is neither 0 nor 1 prints as the number it holds */
	memset((char *)&s + offsetof(struct t_scalars, ok), 2, 1);
	load(f, &s, sizeof(s));
	assert_string_equal(scalar_text(f, f->scalars, ".ok", NULL), "s.ok = 2\n");
	snprintf(json, sizeof(json),
		 "{\"path\":\"s.ok\",\"region\":\"sim0\",\"offset\":%zu,\"type\":\"bool\","
		 "\"size\":1,\"value\":2}\n", offsetof(struct t_scalars, ok));
	assert_string_equal(scalar_json(f, f->scalars, ".ok"), json);

	for (size_t i = 0; i < N(chars); i++) {
		s.c = chars[i].c;
		load(f, &s, sizeof(s));
		assert_string_equal(scalar_text(f, f->scalars, ".c", NULL), chars[i].text);
	}
}

static void test_print_fmt(void **state)
{
	struct fx *f = *state;
	struct t_scalars s = sample_scalars();

	load(f, &s, sizeof(s));
	/* spec §6's two examples: the declared type's width, not the bitfield's */
	assert_string_equal(scalar_text(f, f->scalars, ".s8", &fmt_x), "s.s8 = 0xef\n");
	assert_string_equal(scalar_text(f, f->scalars, ".sbf", &fmt_x), "s.sbf = 0xfff9\n");

	assert_string_equal(scalar_text(f, f->scalars, ".u", &fmt_x), "s.u = 0x10\n");
	assert_string_equal(scalar_text(f, f->scalars, ".i", &fmt_x), "s.i = 0xfffffffe\n");
	assert_string_equal(scalar_text(f, f->scalars, ".ubf", &fmt_x), "s.ubf = 0x1f\n");
	assert_string_equal(scalar_text(f, f->scalars, ".ubf", &fmt_d), "s.ubf = 31\n");
	assert_string_equal(scalar_text(f, f->scalars, ".sbf", &fmt_d), "s.sbf = -7\n");
	assert_string_equal(scalar_text(f, f->scalars, ".sbf", &fmt_u), "s.sbf = 65529\n");
	assert_string_equal(scalar_text(f, f->scalars, ".s8", &fmt_u), "s.s8 = 239\n");
	assert_string_equal(scalar_text(f, f->scalars, ".i", &fmt_u), "s.i = 4294967294\n");
	assert_string_equal(scalar_text(f, f->scalars, ".u8", &fmt_d), "s.u8 = -56\n");
	assert_string_equal(scalar_text(f, f->scalars, ".s8", &fmt_o), "s.s8 = 0357\n");
	assert_string_equal(scalar_text(f, f->scalars, ".s8", &fmt_t), "s.s8 = 11101111\n");
	assert_string_equal(scalar_text(f, f->scalars, ".u", &fmt_o), "s.u = 020\n");
	assert_string_equal(scalar_text(f, f->scalars, ".u", &fmt_t), "s.u = 10000\n");
	assert_string_equal(scalar_text(f, f->scalars, ".u", &fmt_c), "s.u = 16 '\\020'\n");
	assert_string_equal(scalar_text(f, f->scalars, ".s8", &fmt_c), "s.s8 = -17 '\\357'\n");
	assert_string_equal(scalar_text(f, f->scalars, ".u8", &fmt_c), "s.u8 = 200 '\\310'\n");
	assert_string_equal(scalar_text(f, f->scalars, ".c", &fmt_x), "s.c = 0x41\n");
	assert_string_equal(scalar_text(f, f->scalars, ".c", &fmt_d), "s.c = 65\n");
	assert_string_equal(scalar_text(f, f->scalars, ".big", &fmt_d), "s.big = -1\n");
	assert_string_equal(scalar_text(f, f->scalars, ".sbig", &fmt_x),
			    "s.sbig = 0x8000000000000000\n");
	assert_string_equal(scalar_text(f, f->scalars, ".ptr", &fmt_d), "s.ptr = 4660\n");
	/* enums and bools are plain numbers under a FMT */
	assert_string_equal(scalar_text(f, f->scalars, ".state", &fmt_x), "s.state = 0x5\n");
	assert_string_equal(scalar_text(f, f->scalars, ".state", &fmt_d), "s.state = 5\n");
	assert_string_equal(scalar_text(f, f->scalars, ".flags", &fmt_x), "s.flags = 0x9\n");
	assert_string_equal(scalar_text(f, f->scalars, ".ok", &fmt_x), "s.ok = 0x1\n");
	assert_string_equal(scalar_text(f, f->scalars, ".ok", &fmt_d), "s.ok = 1\n");
	/* a float under /x shows its bits, as gdb does */
	assert_string_equal(scalar_text(f, f->scalars, ".f", &fmt_x), "s.f = 0x3fc00000\n");

	/* zero in octal and binary is 0; /c truncates to a char */
	s.u = 0;
	s.i = 0x141;
	load(f, &s, sizeof(s));
	assert_string_equal(scalar_text(f, f->scalars, ".u", &fmt_o), "s.u = 0\n");
	assert_string_equal(scalar_text(f, f->scalars, ".u", &fmt_t), "s.u = 0\n");
	assert_string_equal(scalar_text(f, f->scalars, ".i", &fmt_c), "s.i = 65 'A'\n");

	/* radix 10: what is naturally hex prints in decimal; signed and FMT unchanged */
	s = sample_scalars();
	load(f, &s, sizeof(s));
	assert_string_equal(scalar_text(f, f->scalars, ".u", &radix10), "s.u = 16\n");
	assert_string_equal(scalar_text(f, f->scalars, ".ptr", &radix10), "s.ptr = 4660\n");
	assert_string_equal(scalar_text(f, f->scalars, ".big", &radix10),
			    "s.big = 18446744073709551615\n");
	assert_string_equal(scalar_text(f, f->scalars, ".i", &radix10), "s.i = -2\n");
	assert_string_equal(scalar_text(f, f->scalars, ".state", &radix10),
			    "s.state = ST_RUN (5)\n");
	{
		const struct iod_format_opts x10 = { 'x', 10 };

		assert_string_equal(scalar_text(f, f->scalars, ".u", &x10), "s.u = 0x10\n");
	}
}

static void test_floats(void **state)
{
	struct fx *f = *state;
	struct t_scalars s = sample_scalars();
	char json[256];
	static const struct {
		double d;
		const char *text;
	} doubles[] = {
		{ 0.1, "s.d = 0.1\n" },
		{ 1.0 / 3, "s.d = 0.3333333333333333\n" },
		{ 1e100, "s.d = 1e+100\n" },
		{ 100, "s.d = 100\n" },
		{ -0.0, "s.d = -0\n" },
		{ 123456789012.0, "s.d = 123456789012\n" },
		{ DBL_MAX, "s.d = 1.7976931348623157e+308\n" },
		/* fixed or exponent as %.17g chooses, as gdb prints */
		{ 1e16, "s.d = 10000000000000000\n" },
		{ 1e17, "s.d = 1e+17\n" },
		{ 0.0001, "s.d = 0.0001\n" },
		{ 1e-05, "s.d = 1e-05\n" },
		{ 123456.789, "s.d = 123456.789\n" },
	};

	for (size_t i = 0; i < N(doubles); i++) {
		s.d = doubles[i].d;
		load(f, &s, sizeof(s));
		assert_string_equal(scalar_text(f, f->scalars, ".d", NULL), doubles[i].text);
	}
	s.f = 0.1f;
	s.d = INFINITY;
	load(f, &s, sizeof(s));
	assert_string_equal(scalar_text(f, f->scalars, ".f", NULL), "s.f = 0.1\n");
	assert_string_equal(scalar_text(f, f->scalars, ".d", NULL), "s.d = inf\n");
	snprintf(json, sizeof(json),
		 "{\"path\":\"s.f\",\"region\":\"sim0\",\"offset\":%zu,\"type\":\"float\","
		 "\"size\":4,\"value\":0.1}\n", offsetof(struct t_scalars, f));
	assert_string_equal(scalar_json(f, f->scalars, ".f"), json);
	/* JSON has no infinity or NaN */
	assert_non_null(strstr(scalar_json(f, f->scalars, ".d"), "\"value\":null}\n"));
	s.f = 3.14159265f;
	s.d = -INFINITY;
	load(f, &s, sizeof(s));
	assert_string_equal(scalar_text(f, f->scalars, ".f", NULL), "s.f = 3.1415927\n");
	s.f = 16777216.0f;
	load(f, &s, sizeof(s));
	assert_string_equal(scalar_text(f, f->scalars, ".f", NULL), "s.f = 16777216\n");
	s.f = 1e9f;
	load(f, &s, sizeof(s));
	assert_string_equal(scalar_text(f, f->scalars, ".f", NULL), "s.f = 1e+09\n");
	assert_string_equal(scalar_text(f, f->scalars, ".d", NULL), "s.d = -inf\n");
	s.d = NAN;
	load(f, &s, sizeof(s));
	assert_string_equal(scalar_text(f, f->scalars, ".d", NULL), "s.d = nan\n");
	assert_non_null(strstr(scalar_json(f, f->scalars, ".d"), "\"value\":null}\n"));
}

static struct t_agg sample_agg(void)
{
	struct t_agg a;

	memset(&a, 0, sizeof(a));
	a.head = 16;
	a.tail = 4;
	memcpy(a.name, "abc", 4);
	a.ok = 1;
	a.data[1] = 7;
	a.inner.a = 1;
	a.inner.b = -2;
	a.pair[0].a = 3;
	a.pair[0].b = -4;
	a.pair[1].a = 5;
	a.pair[1].b = -6;
	for (int i = 0; i < 6; i++)
		a.grid[i / 3][i % 3] = (uint32_t)i + 1;
	a.word = 0x12345678;
	a.sbf = -7;
	a.state = ST_RUN;
	return a;
}

static void test_aggregate_text(void **state)
{
	struct fx *f = *state;
	struct t_agg a = sample_agg();

	load(f, &a, sizeof(a));
	/* gdb's "set print pretty on" layout; the anonymous union and the struct in
	   it are flattened into the parent, and every union member is shown */
	assert_string_equal(value_text(f, f->agg, "", NULL),
			    "s = {\n"
			    "  head = 0x10,\n"
			    "  tail = 0x4,\n"
			    "  name = \"abc\",\n"
			    "  ok = true,\n"
			    "  data = {0x0, 0x7},\n"
			    "  inner = {\n"
			    "    a = 0x1,\n"
			    "    b = -2\n"
			    "  },\n"
			    "  pair = {{\n"
			    "      a = 0x3,\n"
			    "      b = -4\n"
			    "    }, {\n"
			    "      a = 0x5,\n"
			    "      b = -6\n"
			    "    }},\n"
			    "  grid = {{0x1, 0x2, 0x3}, {0x4, 0x5, 0x6}},\n"
			    "  word = 0x12345678,\n"
			    "  lo = 0x5678,\n"
			    "  hi = 0x1234,\n"
			    "  sbf = -7,\n"
			    "  state = ST_RUN (5)\n"
			    "}\n");
	/* print/x applies to every leaf; a char array becomes an array of numbers */
	assert_string_equal(value_text(f, f->agg, "", &fmt_x),
			    "s = {\n"
			    "  head = 0x10,\n"
			    "  tail = 0x4,\n"
			    "  name = {0x61, 0x62, 0x63, 0x0},\n"
			    "  ok = 0x1,\n"
			    "  data = {0x0, 0x7},\n"
			    "  inner = {\n"
			    "    a = 0x1,\n"
			    "    b = 0xfffffffe\n"
			    "  },\n"
			    "  pair = {{\n"
			    "      a = 0x3,\n"
			    "      b = 0xfffffffc\n"
			    "    }, {\n"
			    "      a = 0x5,\n"
			    "      b = 0xfffffffa\n"
			    "    }},\n"
			    "  grid = {{0x1, 0x2, 0x3}, {0x4, 0x5, 0x6}},\n"
			    "  word = 0x12345678,\n"
			    "  lo = 0x5678,\n"
			    "  hi = 0x1234,\n"
			    "  sbf = 0xfff9,\n"
			    "  state = 0x5\n"
			    "}\n");
	/* a nested struct and an array of scalars on their own */
	assert_string_equal(value_text(f, f->agg, ".inner", NULL),
			    "s.inner = {\n  a = 0x1,\n  b = -2\n}\n");
	assert_string_equal(value_text(f, f->agg, ".data", &radix10), "s.data = {0, 7}\n");
}

static void test_arrays_of_aggregates(void **state)
{
	struct fx *f = *state;
	struct t_agg a = sample_agg();
	struct t_nest n;
	char json[1024];

	load(f, &a, sizeof(a));
	assert_string_equal(value_text(f, f->agg, ".pair", NULL),
			    "s.pair = {{\n"
			    "    a = 0x3,\n"
			    "    b = -4\n"
			    "  }, {\n"
			    "    a = 0x5,\n"
			    "    b = -6\n"
			    "  }}\n");
	snprintf(json, sizeof(json),
		 "{\"path\":\"s.pair\",\"region\":\"sim0\",\"offset\":%zu,"
		 "\"type\":\"struct t_inner[2]\",\"size\":%zu,"
		 "\"value\":[{\"a\":3,\"b\":-4},{\"a\":5,\"b\":-6}]}\n",
		 offsetof(struct t_agg, pair), sizeof(a.pair));
	assert_string_equal(value_json(f, f->agg, ".pair"), json);

	/* two dimensions, as gdb lays out "arr2 = {{{" */
	memset(&n, 0, sizeof(n));
	n.x = 1;
	for (int i = 0; i < 4; i++) {
		n.arr2[i / 2][i % 2].a = (uint32_t)i;
		n.arr2[i / 2][i % 2].b = -i;
	}
	load(f, &n, sizeof(n));
	assert_string_equal(value_text(f, f->nest, "", NULL),
			    "s = {\n"
			    "  x = 0x1,\n"
			    "  arr2 = {{{\n"
			    "        a = 0x0,\n"
			    "        b = 0\n"
			    "      }, {\n"
			    "        a = 0x1,\n"
			    "        b = -1\n"
			    "      }}, {{\n"
			    "        a = 0x2,\n"
			    "        b = -2\n"
			    "      }, {\n"
			    "        a = 0x3,\n"
			    "        b = -3\n"
			    "      }}}\n"
			    "}\n");
	snprintf(json, sizeof(json),
		 "{\"path\":\"s\",\"region\":\"sim0\",\"offset\":0,\"type\":\"struct t_nest\","
		 "\"size\":%zu,\"value\":{\"x\":1,\"arr2\":[[{\"a\":0,\"b\":0},{\"a\":1,\"b\":-1}],"
			    "[{\"a\":2,\"b\":-2},{\"a\":3,\"b\":-3}]]}}\n",
		 sizeof(struct t_nest));
	assert_string_equal(value_json(f, f->nest, ""), json);
}

static void test_aggregate_json(void **state)
{
	struct fx *f = *state;
	struct t_agg a = sample_agg();
	char expect[1024];

	load(f, &a, sizeof(a));
	snprintf(expect, sizeof(expect),
		 "{\"path\":\"s\",\"region\":\"sim0\",\"offset\":0,\"type\":\"struct t_agg\","
		 "\"size\":%zu,\"value\":{\"head\":16,\"tail\":4,\"name\":\"abc\",\"ok\":true,"
		 "\"data\":[0,7],\"inner\":{\"a\":1,\"b\":-2},"
		 "\"pair\":[{\"a\":3,\"b\":-4},{\"a\":5,\"b\":-6}],"
		 "\"grid\":[[1,2,3],[4,5,6]],\"word\":305419896,\"lo\":22136,\"hi\":4660,"
		 "\"sbf\":-7,\"state\":5}}\n",
		 sizeof(struct t_agg));
	assert_string_equal(value_json(f, f->agg, ""), expect);
	/* JSON ignores nothing of the value whatever was printed before */
	snprintf(expect, sizeof(expect),
		 "{\"path\":\"s.inner\",\"region\":\"sim0\",\"offset\":%zu,"
		 "\"type\":\"struct t_inner\",\"size\":%zu,\"value\":{\"a\":1,\"b\":-2}}\n",
		 offsetof(struct t_agg, inner), sizeof(struct t_inner));
	assert_string_equal(value_json(f, f->agg, ".inner"), expect);
}

static void test_json_scalars(void **state)
{
	struct fx *f = *state;
	struct t_scalars s = sample_scalars();
	char expect[512];
	uint64_t first;

	load(f, &s, sizeof(s));
	assert_string_equal(scalar_json(f, f->scalars, ".u"),
			    "{\"path\":\"s.u\",\"region\":\"sim0\",\"offset\":0,\"type\":\"u32\","
			    "\"size\":4,\"value\":16}\n");
	/* a bitfield: offset and size of its storage unit, bit_offset inside it */
	first = FIRST_BIT(struct t_scalars, sbf);
	snprintf(expect, sizeof(expect),
		 "{\"path\":\"s.sbf\",\"region\":\"sim0\",\"offset\":%" PRIu64 ",\"type\":\"s16\","
		 "\"size\":2,\"bit_offset\":%" PRIu64 ",\"bit_size\":6,\"value\":-7}\n",
		 first / 16 * 2, first % 16);
	assert_string_equal(scalar_json(f, f->scalars, ".sbf"), expect);
	first = FIRST_BIT(struct t_scalars, ubf);
	snprintf(expect, sizeof(expect),
		 "{\"path\":\"s.ubf\",\"region\":\"sim0\",\"offset\":%" PRIu64 ",\"type\":\"u32\","
		 "\"size\":4,\"bit_offset\":%" PRIu64 ",\"bit_size\":5,\"value\":31}\n",
		 first / 32 * 4, first % 32);
	assert_string_equal(scalar_json(f, f->scalars, ".ubf"), expect);
	snprintf(expect, sizeof(expect),
		 "{\"path\":\"s.state\",\"region\":\"sim0\",\"offset\":%zu,"
		 "\"type\":\"enum t_state\",\"size\":4,\"value\":5,\"enum\":\"ST_RUN\"}\n",
		 offsetof(struct t_scalars, state));
	assert_string_equal(scalar_json(f, f->scalars, ".state"), expect);
	assert_non_null(strstr(scalar_json(f, f->scalars, ".flags"),
			       "\"value\":9,\"enum\":\"FL_A|FL_C\"}\n"));
	assert_non_null(strstr(scalar_json(f, f->scalars, ".ok"),
			       "\"type\":\"bool\",\"size\":1,\"value\":true}\n"));
	assert_non_null(strstr(scalar_json(f, f->scalars, ".c"),
			       "\"type\":\"char\",\"size\":1,\"value\":65}\n"));
	assert_non_null(strstr(scalar_json(f, f->scalars, ".big"),
			       "\"type\":\"u64\",\"size\":8,\"value\":18446744073709551615}\n"));
	assert_non_null(strstr(scalar_json(f, f->scalars, ".sbig"),
			       "\"type\":\"s64\",\"size\":8,\"value\":-9223372036854775808}\n"));
	assert_non_null(strstr(scalar_json(f, f->scalars, ".ptr"),
			       "\"type\":\"void *\",\"size\":8,\"value\":4660}\n"));
	assert_non_null(strstr(scalar_json(f, f->scalars, ".f"), "\"value\":1.5}\n"));
	assert_non_null(strstr(scalar_json(f, f->scalars, ".s8"), "\"value\":-17}\n"));
	/* a scalar read by iod_read gives the same document */
	for (const char *const *p = (const char *const[]){ ".u", ".sbf", ".state", ".ok", NULL };
	     *p; p++) {
		char fast[512];

		snprintf(fast, sizeof(fast), "%s", scalar_json(f, f->scalars, *p));
		assert_string_equal(value_json(f, f->scalars, *p), fast);
	}

	s.state = ST_NEG;
	s.flags = FL_A | FL_C | 0x40;
	s.mode = (enum t_mode)7;
	load(f, &s, sizeof(s));
	assert_non_null(strstr(scalar_json(f, f->scalars, ".state"),
			       "\"value\":-1,\"enum\":\"ST_NEG\"}\n"));
	assert_non_null(strstr(scalar_json(f, f->scalars, ".flags"),
			       "\"value\":73,\"enum\":\"FL_A|FL_C|0x40\"}\n"));
	/* no enumerator matches: no "enum" key */
	assert_non_null(strstr(scalar_json(f, f->scalars, ".mode"), "\"value\":7}\n"));
	s.flags = (enum t_flags)0x40;
	load(f, &s, sizeof(s));
	assert_non_null(strstr(scalar_json(f, f->scalars, ".flags"), "\"value\":64}\n"));
	s.flags = (enum t_flags)0;
	load(f, &s, sizeof(s));
	assert_non_null(strstr(scalar_json(f, f->scalars, ".flags"), "\"value\":0}\n"));
}

/* watch's documents hold only the value part ("value":...) */
static void test_json_value_only(void **state)
{
	struct fx *f = *state;
	struct t_agg a = sample_agg();
	struct iod_view v;
	uint64_t raw;

	load(f, &a, sizeof(a));
	value_json(f, f->agg, ".inner");
	iod_strbuf_reset(&f->sb);
	iod_format_json_value(&f->sb, &f->val);
	assert_string_equal(iod_strbuf_str(&f->sb), "{\"a\":1,\"b\":-2}");
	value_json(f, f->agg, ".name");
	iod_strbuf_reset(&f->sb);
	iod_format_json_value(&f->sb, &f->val);
	assert_string_equal(iod_strbuf_str(&f->sb), "\"abc\"");
	value_json(f, f->agg, ".sbf");
	iod_strbuf_reset(&f->sb);
	iod_format_json_value(&f->sb, &f->val);
	assert_string_equal(iod_strbuf_str(&f->sb), "-7");

	v = view_of(f, f->agg, ".state");
	assert_ok(iod_read_scalar(&f->io, &v, &raw));
	iod_strbuf_reset(&f->sb);
	iod_format_scalar_json_value(&f->sb, &v, raw);
	assert_string_equal(iod_strbuf_str(&f->sb), "5");
	v = view_of(f, f->agg, ".ok");
	assert_ok(iod_read_scalar(&f->io, &v, &raw));
	iod_strbuf_reset(&f->sb);
	iod_format_scalar_json_value(&f->sb, &v, raw);
	assert_string_equal(iod_strbuf_str(&f->sb), "true");
}

static void test_char_arrays(void **state)
{
	struct fx *f = *state;
	struct t_chars c;
	char json[1024];

	memset(&c, 0, sizeof(c));
	memcpy(c.plain, "a\"b\\\x01\n\x7f\xc3\xa9", 10);
	c.uc[0] = 1, c.uc[1] = 2, c.uc[2] = 3;
	c.sc[0] = -1, c.sc[1] = 2, c.sc[2] = 3;
	c.u8s[0] = 10, c.u8s[1] = 11;
	memcpy((char *)c.cname, "xy", 3);
	memcpy(c.nonul, "abc", 3);
	c.tdc[0] = 'a', c.tdc[1] = 'b';
	memcpy(c.names[0], "ab", 3);
	memcpy(c.names[1], "cd", 3);
	load(f, &c, sizeof(c));
	/* only arrays of char as spelled are strings; up to the first NUL, or the
	   whole array when there is none */
	assert_string_equal(value_text(f, f->chars, "", NULL),
			    "s = {\n"
			    "  plain = \"a\\\"b\\\\\\x01\\x0a\\x7f\\xc3\\xa9\",\n"
			    "  uc = {0x1, 0x2, 0x3},\n"
			    "  sc = {-1, 2, 3},\n"
			    "  u8s = {0xa, 0xb, 0x0},\n"
			    "  cname = \"xy\",\n"
			    "  nonul = \"abc\",\n"
			    "  tdc = {97, 98, 0},\n"
			    "  names = {\"ab\", \"cd\"}\n"
			    "}\n");
	snprintf(json, sizeof(json),
		 "{\"path\":\"s\",\"region\":\"sim0\",\"offset\":0,\"type\":\"struct t_chars\","
			    "\"size\":%zu,\"value\":{"
			    "\"plain\":\"a\\\"b\\\\\\u0001\\u000a\\u007f\\u00c3\\u00a9\","
			    "\"uc\":[1,2,3],\"sc\":[-1,2,3],\"u8s\":[10,11,0],\"cname\":\"xy\","
			    "\"nonul\":\"abc\",\"tdc\":[97,98,0],\"names\":[\"ab\",\"cd\"]}}\n",
		 sizeof(struct t_chars));
	assert_string_equal(value_json(f, f->chars, ""), json);
	assert_string_equal(value_text(f, f->chars, ".names[1]", NULL), "s.names[1] = \"cd\"\n");
	assert_string_equal(value_text(f, f->chars, ".cname", &fmt_d), "s.cname = {120, 121, 0, 0}\n");
}

static void test_json_strings(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "plain", 5, "\"plain\"" },
		{ "q\"b\\", 4, "\"q\\\"b\\\\\"" },
		{ "\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"" },
		{ "\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\"" },
		{ "nul\0x", 5, "\"nul\\u0000x\"" },
		/* valid UTF-8 passes: 2, 3 and 4 bytes */
		{ "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"" },
		/* invalid bytes: a stray continuation, a lone lead, overlong, surrogate,
		   past U+10FFFF, truncated at the end */
		{ "\x80", 1, "\"\\u0080\"" },
		{ "\xff", 1, "\"\\u00ff\"" },
		{ "\xc0\x80", 2, "\"\\u00c0\\u0080\"" },
		{ "\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"" },
		{ "\xf4\x90\x80\x80", 4, "\"\\u00f4\\u0090\\u0080\\u0080\"" },
		{ "a\xe2\x82", 3, "\"a\\u00e2\\u0082\"" },
		{ "\xc3x", 2, "\"\\u00c3x\"" },
	};

	for (size_t i = 0; i < N(cases); i++) {
		iod_strbuf_reset(&f->sb);
		iod_json_string(&f->sb, cases[i].in, cases[i].len);
		assert_string_equal(iod_strbuf_str(&f->sb), cases[i].out);
	}
	/* char array bytes: everything outside 0x20..0x7e as \u00NN, UTF-8 or not */
	iod_strbuf_reset(&f->sb);
	iod_json_bytes(&f->sb, "a\"\\\n\x7f\xc3\xa9~ ", 9);
	assert_string_equal(iod_strbuf_str(&f->sb),
			    "\"a\\\"\\\\\\u000a\\u007f\\u00c3\\u00a9~ \"");
	iod_strbuf_reset(&f->sb);
	iod_json_bytes(&f->sb, "", 0);
	assert_string_equal(iod_strbuf_str(&f->sb), "\"\"");
}

static void test_bitfields_in_aggregate(void **state)
{
	struct fx *f = *state;
	struct t_bits b;

	memset(&b, 0, sizeof(b));
	b.a = 5;
	b.b = 17;
	b.c = 100;
	b.d = 300;
	b.e = 31;
	b.f = -32;
	b.g = 0x123456789aULL;
	b.h = 0xabcdef;
	b.s = -7;
	b.w = -1;
	load(f, &b, sizeof(b));
	assert_string_equal(value_text(f, f->types.bits, "", NULL),
			    "s = {\n"
			    "  a = 0x5,\n"
			    "  b = 0x11,\n"
			    "  c = 0x64,\n"
			    "  d = 0x12c,\n"
			    "  e = 0x1f,\n"
			    "  f = -32,\n"
			    "  g = 0x123456789a,\n"
			    "  h = 0xabcdef,\n"
			    "  s = -7,\n"
			    "  w = -1\n"
			    "}\n");
	assert_string_equal(value_text(f, f->types.bits, "", &fmt_x),
			    "s = {\n"
			    "  a = 0x5,\n"
			    "  b = 0x11,\n"
			    "  c = 0x64,\n"
			    "  d = 0x12c,\n"
			    "  e = 0x1f,\n"
			    "  f = 0xffffffe0,\n"
			    "  g = 0x123456789a,\n"
			    "  h = 0xabcdef,\n"
			    "  s = 0xfff9,\n"
			    "  w = 0xffffffffffffffff\n"
			    "}\n");
	assert_non_null(strstr(value_json(f, f->types.bits, ""),
			       "\"value\":{\"a\":5,\"b\":17,\"c\":100,\"d\":300,\"e\":31,\"f\":-32,"
			       "\"g\":78187493530,\"h\":11259375,\"s\":-7,\"w\":-1}}\n"));
}

static void test_flexible_array(void **state)
{
	struct fx *f = *state;
	struct iod_region *r;
	struct iod_view root, ring;
	struct iod_value val;
	uint8_t bytes[3] = { 1, 2, 3 };
	const char *text;
	char expect[256];

	assert_ok(iod_region_sim("sim1", sizeof(struct t_gsp) + 3, &r));
	assert_ok(iod_copy_to(&f->io, r, sizeof(struct t_gsp), bytes, 3));
	assert_ok(iod_view_init(r, 0, f->types.gsp, &root));
	/* inside the struct the flexible member has no elements: the read covers none */
	assert_ok(iod_read(&f->io, &root, &val));
	iod_strbuf_reset(&f->sb);
	iod_format_text(&f->sb, "g", &val, NULL);
	text = iod_strbuf_str(&f->sb);
	assert_non_null(strstr(text, "  big = 0x0,\n  ring = {}\n}\n"));
	iod_strbuf_reset(&f->sb);
	iod_format_json(&f->sb, "g", &val);
	assert_non_null(strstr(iod_strbuf_str(&f->sb), "\"big\":0,\"ring\":[]}}\n"));
	iod_value_release(&val);
	/* on its own it reaches to the end of the region */
	ring = project(&root, ".ring");
	assert_ok(iod_read(&f->io, &ring, &val));
	iod_strbuf_reset(&f->sb);
	iod_format_text(&f->sb, "g.ring", &val, NULL);
	assert_string_equal(iod_strbuf_str(&f->sb), "g.ring = {0x1, 0x2, 0x3}\n");
	iod_strbuf_reset(&f->sb);
	iod_format_json(&f->sb, "g.ring", &val);
	snprintf(expect, sizeof(expect),
		 "{\"path\":\"g.ring\",\"region\":\"sim1\",\"offset\":%zu,\"type\":\"u8[]\","
		 "\"size\":3,\"value\":[1,2,3]}\n", offsetof(struct t_gsp, ring));
	assert_string_equal(iod_strbuf_str(&f->sb), expect);
	iod_value_release(&val);
	iod_region_free(r);

	/* a flexible member over the struct's tail padding: those bytes are not
	   read, so they are not elements */
	assert_true(offsetof(struct t_flex, data) < sizeof(struct t_flex));
	assert_ok(iod_fill(&f->io, f->sim, 0, 0xab, 64));
	assert_string_equal(value_text(f, f->flex, "", NULL),
			    "s = {\n  n = 0xabababab,\n  k = 0xab,\n  data = {}\n}\n");
	assert_non_null(strstr(value_json(f, f->flex, ""), "\"k\":171,\"data\":[]}}\n"));
	assert_true(strncmp(value_text(f, f->flex, ".data", NULL), "s.data = {0xab, 0xab, ", 22) == 0);
}

#define OFF(T, m) offsetof(T, m)
#define END(T, m) (offsetof(T, m) + sizeof(((T *)0)->m))

static void test_layout_holes(void **state)
{
	struct fx *f = *state;
	uint64_t a = FIRST_BIT(struct t_holes, a), b = FIRST_BIT(struct t_holes, b);
	uint64_t lo = FIRST_BIT(struct t_holes, lo), hi = FIRST_BIT(struct t_holes, hi);
	uint64_t unit = a / 32 * 4;
	size_t pad = sizeof(struct t_pad) - END(struct t_pad, b);
	size_t h1 = OFF(struct t_holes, i) - END(struct t_holes, c);
	size_t h2 = OFF(struct t_holes, l) - (unit + 4);
	size_t h3 = OFF(struct t_holes, arr) - END(struct t_holes, name);
	char expect[4096];

	snprintf(expect, sizeof(expect),
		 "struct t_holes {\n"
		 "\tchar                       c;                    /* %5zu %5d */\n"
		 "\n"
		 "\t/* XXX %zu bytes hole, try to pack */\n"
		 "\n"
		 "\ts32                        i;                    /* %5zu %5d */\n"
		 "\ts16                        s;                    /* %5zu %5d */\n"
		 "\n"
		 "\t/* Bitfield combined with previous fields */\n"
		 "\n"
		 "\tu32                        a:3;                  /* %5" PRIu64 ":%2" PRIu64 "  4 */\n"
		 "\tu32                        b:5;                  /* %5" PRIu64 ":%2" PRIu64 "  4 */\n"
		 "\n"
		 "\t/* XXX %" PRIu64 " bits hole, try to pack */\n"
		 "\t/* XXX %zu bytes hole, try to pack */\n"
		 "\n"
		 "\ts64                        l;                    /* %5zu %5d */\n"
		 "\tunion {\n"
		 "\t\tu32                raw;                  /* %5zu %5d */\n"
		 "\t\tstruct {\n"
		 "\t\t\tu32        lo:16;                /* %5" PRIu64 ":%2" PRIu64 "  4 */\n"
		 "\t\t\tu32        hi:12;                /* %5" PRIu64 ":%2" PRIu64 "  4 */\n"
		 "\t\t};                                       /* %5zu %5d */\n"
		 "\t};                                               /* %5zu %5d */\n"
		 "\tstruct t_pad               p;                    /* %5zu %5zu */\n"
		 "\n"
		 "\t/* XXX last struct has %zu bytes of padding */\n"
		 "\n"
		 "\tchar                       name[6];              /* %5zu %5d */\n"
		 "\n"
		 "\t/* XXX %zu bytes hole, try to pack */\n"
		 "\n"
		 "\tstruct t_inner             arr[2];               /* %5zu %5zu */\n"
		 "\tu8                         tail;                 /* %5zu %5d */\n"
		 "\n"
		 "\t/* size: %zu, cachelines: 1, members: 11 */\n"
		 "\t/* sum members: %zu, holes: 3, sum holes: %zu */\n"
		 "\t/* sum bitfield members: 8 bits, bit holes: 1, sum bit holes: %" PRIu64 " bits */\n"
		 "\t/* padding: %zu */\n"
		 "\t/* paddings: 1, sum paddings: %zu */\n"
		 "};\n",
		 OFF(struct t_holes, c), 1, h1, OFF(struct t_holes, i), 4, OFF(struct t_holes, s), 2,
		 unit, a - unit * 8, unit, b - unit * 8, unit * 8 + 32 - (b + 5), h2,
		 OFF(struct t_holes, l), 8, OFF(struct t_holes, raw), 4,
		 lo / 32 * 4, lo % 32, hi / 32 * 4, hi % 32, OFF(struct t_holes, raw), 4,
		 OFF(struct t_holes, raw), 4, OFF(struct t_holes, p), sizeof(struct t_pad), pad,
		 OFF(struct t_holes, name), 6, h3, OFF(struct t_holes, arr),
		 sizeof(((struct t_holes *)0)->arr), OFF(struct t_holes, tail), 1,
		 sizeof(struct t_holes), (size_t)(1 + 4 + 2 + 8 + 4 + 8 + 6 + 16 + 1), h1 + h2 + h3,
		 unit * 8 + 32 - (b + 5), sizeof(struct t_holes) - END(struct t_holes, tail), pad);
	assert_string_equal(layout_text(f, f->holes), expect);
	/* a typedef names its target, then shows it */
	assert_true(strncmp(layout_text(f, f->holes_t), "typedef struct t_holes holes_t;\n", 32) == 0);
	assert_string_equal(iod_strbuf_str(&f->sb) + 32, expect);
}

static void test_layout_bit_holes_and_cachelines(void **state)
{
	struct fx *f = *state;
	uint64_t b = FIRST_BIT(struct t_bh, b), e = FIRST_BIT(struct t_bh, e);
	uint64_t ff = FIRST_BIT(struct t_bh, f);
	char expect[4096];

	snprintf(expect, sizeof(expect),
		 "struct t_bh {\n"
		 "\tu32                        a:3;                  /*     0: 0  4 */\n"
		 "\tu32                        b:4;                  /*     0:%2" PRIu64 "  4 */\n"
		 "\n"
		 "\t/* XXX %zu bits hole, try to pack */\n"
		 "\n"
		 "\tu32                        c;                    /* %5zu     4 */\n"
		 "\tu32                        d:2;                  /* %5" PRIu64 ": 0  4 */\n"
		 "\tu32                        e:30;                 /* %5" PRIu64 ":%2" PRIu64 "  4 */\n"
		 "\tu64                        f:3;                  /* %5" PRIu64 ":%2" PRIu64 "  8 */\n"
		 "\n"
		 "\t/* size: %zu, cachelines: 1, members: 6 */\n"
		 "\t/* sum members: 4 */\n"
		 "\t/* sum bitfield members: 42 bits, bit holes: 1, sum bit holes: %zu bits */\n"
		 "\t/* bit_padding: %" PRIu64 " bits */\n"
		 "\t/* last cacheline: %zu bytes */\n"
		 "};\n",
		 b, OFF(struct t_bh, c) * 8 - (b + 4), OFF(struct t_bh, c), e / 32 * 4, e / 32 * 4,
		 e % 32, ff / 64 * 8, ff % 64, sizeof(struct t_bh),
		 OFF(struct t_bh, c) * 8 - (b + 4), sizeof(struct t_bh) * 8 - (ff + 3),
		 sizeof(struct t_bh));
	assert_string_equal(layout_text(f, f->bh), expect);

	snprintf(expect, sizeof(expect),
		 "struct t_big {\n"
		 "\tchar                       a[100];               /*     0   100 */\n"
		 "\t/* --- cacheline 1 boundary (64 bytes) was %zu bytes ago --- */\n"
		 "\ts32                        b;                    /* %5zu     4 */\n"
		 "\tchar                       c[30];                /* %5zu    30 */\n"
		 "\n"
		 "\t/* XXX %zu bytes hole, try to pack */\n"
		 "\n"
		 "\t/* --- cacheline 2 boundary (128 bytes) was %zu bytes ago --- */\n"
		 "\ts64                        d;                    /* %5zu     8 */\n"
		 "\n"
		 "\t/* size: %zu, cachelines: 3, members: 4 */\n"
		 "\t/* sum members: 142, holes: 1, sum holes: %zu */\n"
		 "\t/* last cacheline: %zu bytes */\n"
		 "};\n",
		 OFF(struct t_big, b) - 64, OFF(struct t_big, b), OFF(struct t_big, c),
		 OFF(struct t_big, d) - END(struct t_big, c), OFF(struct t_big, d) - 128,
		 OFF(struct t_big, d), sizeof(struct t_big),
		 OFF(struct t_big, d) - END(struct t_big, c), sizeof(struct t_big) % 64);
	assert_string_equal(layout_text(f, f->big), expect);
}

static void test_layout_more_text(void **state)
{
	struct fx *f = *state;
	char expect[2048];

	/* a named member of an anonymous struct type is written out in place */
	snprintf(expect, sizeof(expect),
		 "struct t_s10 {\n"
		 "\tchar                       a;                    /*     0     1 */\n"
		 "\n"
		 "\t/* XXX %zu bytes hole, try to pack */\n"
		 "\n"
		 "\tstruct {\n"
		 "\t\ts32                x;                    /* %5zu     4 */\n"
		 "\t\tchar               y;                    /* %5zu     1 */\n"
		 "\t} named;                                         /* %5zu %5zu */\n"
		 "\n"
		 "\t/* XXX last struct has %zu bytes of padding */\n"
		 "\n"
		 "\tchar                       z;                    /* %5zu     1 */\n"
		 "\n"
		 "\t/* size: %zu, cachelines: 1, members: 3 */\n"
		 "\t/* sum members: %zu, holes: 1, sum holes: %zu */\n"
		 "\t/* padding: %zu */\n"
		 "\t/* paddings: 1, sum paddings: %zu */\n"
		 "\t/* last cacheline: %zu bytes */\n"
		 "};\n",
		 OFF(struct t_s10, named) - END(struct t_s10, a), OFF(struct t_s10, named.x),
		 OFF(struct t_s10, named.y),
		 OFF(struct t_s10, named), sizeof(((struct t_s10 *)0)->named),
		 sizeof(((struct t_s10 *)0)->named) - (END(struct t_s10, named.y) -
						       OFF(struct t_s10, named)),
		 OFF(struct t_s10, z), sizeof(struct t_s10),
		 2 + sizeof(((struct t_s10 *)0)->named), OFF(struct t_s10, named) - 1,
		 sizeof(struct t_s10) - END(struct t_s10, z),
		 sizeof(((struct t_s10 *)0)->named) - (END(struct t_s10, named.y) -
						       OFF(struct t_s10, named)),
		 sizeof(struct t_s10));
	assert_string_equal(layout_text(f, f->s10), expect);

	/* a member inside a bitfield's storage unit */
	snprintf(expect, sizeof(expect),
		 "struct t_s2 {\n"
		 "\tu32                        a:3;                  /*     0: 0  4 */\n"
		 "\n"
		 "\t/* XXX %zu bits hole, try to pack */\n"
		 "\t/* Bitfield combined with next fields */\n"
		 "\n"
		 "\tchar                       b;                    /* %5zu     1 */\n"
		 "\n"
		 "\t/* size: %zu, cachelines: 1, members: 2 */\n"
		 "\t/* sum members: 1 */\n"
		 "\t/* sum bitfield members: 3 bits, bit holes: 1, sum bit holes: %zu bits */\n"
		 "\t/* padding: %zu */\n"
		 "\t/* last cacheline: %zu bytes */\n"
		 "};\n",
		 OFF(struct t_s2, b) * 8 - 3, OFF(struct t_s2, b), sizeof(struct t_s2),
		 OFF(struct t_s2, b) * 8 - 3, sizeof(struct t_s2) - END(struct t_s2, b),
		 sizeof(struct t_s2));
	assert_string_equal(layout_text(f, f->s2), expect);

	/* pahole's sums: none for a lone bitfield; "(N bytes)" without bit holes;
	   a byte hole between two bitfields' units is shown but not counted */
	snprintf(expect, sizeof(expect),
		 "struct t_s7 {\n"
		 "\tu32                        a:3;                  /*     0: 0  4 */\n"
		 "\n"
		 "\t/* size: %zu, cachelines: 1, members: 1 */\n"
		 "\t/* bit_padding: %zu bits */\n"
		 "\t/* last cacheline: %zu bytes */\n"
		 "};\n",
		 sizeof(struct t_s7), sizeof(struct t_s7) * 8 - 3, sizeof(struct t_s7));
	assert_string_equal(layout_text(f, f->st7), expect);
	{
		uint64_t a = FIRST_BIT(struct t_s8, a), unit = a / 32 * 4;

		snprintf(expect, sizeof(expect),
			 "struct t_s8 {\n"
			 "\tchar                       c;                    /*     0     1 */\n"
			 "\n"
			 "\t/* XXX %" PRIu64 " bytes hole, try to pack */\n"
			 "\n"
			 "\tu32                        a:30;                 /* %5" PRIu64 ":%2" PRIu64
			 "  4 */\n"
			 "\n"
			 "\t/* size: %zu, cachelines: 1, members: 2 */\n"
			 "\t/* sum members: 1, holes: 1, sum holes: %" PRIu64 " */\n"
			 "\t/* sum bitfield members: 30 bits (3 bytes) */\n"
			 "\t/* bit_padding: %" PRIu64 " bits */\n"
			 "\t/* last cacheline: %zu bytes */\n"
			 "};\n",
			 unit - 1, unit, a - unit * 8, sizeof(struct t_s8), unit - 1,
			 unit * 8 + 32 - (a + 30), sizeof(struct t_s8));
		assert_string_equal(layout_text(f, f->st8), expect);
	}
	{
		uint64_t b = FIRST_BIT(struct t_s9, b), unit = b / 64 * 8;

		snprintf(expect, sizeof(expect),
			 "struct t_s9 {\n"
			 "\tu32                        a:3;                  /*     0: 0  4 */\n"
			 "\n"
			 "\t/* XXX 29 bits hole, try to pack */\n"
			 "\t/* XXX %" PRIu64 " bytes hole, try to pack */\n"
			 "\n"
			 "\tu64                        b:62;                 /* %5" PRIu64 ":%2" PRIu64
			 "  8 */\n"
			 "\n"
			 "\t/* size: %zu, cachelines: 1, members: 2 */\n"
			 "\t/* sum bitfield members: 65 bits, bit holes: 1, sum bit holes: 29 bits */\n"
			 "\t/* bit_padding: %" PRIu64 " bits */\n"
			 "\t/* last cacheline: %zu bytes */\n"
			 "};\n",
			 unit - 4, unit, b - unit * 8, sizeof(struct t_s9),
			 sizeof(struct t_s9) * 8 - (b + 62), sizeof(struct t_s9));
		assert_string_equal(layout_text(f, f->st9), expect);
	}

	/* pahole's union columns; iodbg adds the size summary pahole leaves out */
	snprintf(expect, sizeof(expect),
		 "union t_un {\n"
		 "\ts32                        a;                  /*     0     4 */\n"
		 "\tchar                       b[7];               /*     0     7 */\n"
		 "\n"
		 "\t/* size: %zu, cachelines: 1, members: 2 */\n"
		 "\t/* padding: %zu */\n"
		 "\t/* last cacheline: %zu bytes */\n"
		 "};\n",
		 sizeof(union t_un), sizeof(union t_un) - 7, sizeof(union t_un));
	assert_string_equal(layout_text(f, f->un), expect);

	snprintf(expect, sizeof(expect),
		 "typedef struct {\n"
		 "\ts32                        a;                    /*     0     4 */\n"
		 "\tchar                       b;                    /* %5zu     1 */\n"
		 "\n"
		 "\t/* size: %zu, cachelines: 1, members: 2 */\n"
		 "\t/* padding: %zu */\n"
		 "\t/* last cacheline: %zu bytes */\n"
		 "} anon_t;\n",
		 OFF(struct t_anon, b), sizeof(struct t_anon),
		 sizeof(struct t_anon) - END(struct t_anon, b), sizeof(struct t_anon));
	assert_string_equal(layout_text(f, f->anon_t), expect);

	/* Rust members come in declaration order; the layout lists them by offset */
	assert_non_null(strstr(layout_text(f, f->unsorted),
			       "struct unsorted {\n"
			       "\tu32                        a;                    /*     0     4 */\n"
			       "\ts32                        b;                    /*     4     4 */\n"));

	assert_string_equal(layout_text(f, f->state),
			    "enum t_state {\n"
			    "\tST_IDLE = 0,\n"
			    "\tST_RUN  = 5,\n"
			    "\tST_NEG  = -1,\n"
			    "};\n");
	assert_string_equal(layout_text(f, f->flags),
			    "enum t_flags {\n\tFL_A = 1,\n\tFL_B = 2,\n\tFL_C = 8,\n};\n");
	assert_string_equal(layout_text(f, f->types.u32), "u32 /* size: 4, align: 4 */\n");
	assert_string_equal(layout_text(f, f->vptr), "void * /* size: 8, align: 8 */\n");
	assert_string_equal(layout_text(f, array_of(&f->types, f->types.u32, 4, false)),
			    "u32[4] /* size: 16, align: 4 */\n");
	assert_string_equal(layout_text(f, f->reg_t),
			    "typedef u32                        reg_t; /* size: 4, align: 4 */\n");
	assert_string_equal(layout_text(f, f->regs_t),
			    "typedef u32                        regs_t[4]; /* size: 16, align: 4 */\n");
}

static void test_layout_json(void **state)
{
	struct fx *f = *state;
	uint64_t mode = FIRST_BIT(struct t_fmsgq, mode), hi = FIRST_BIT(struct t_fmsgq, hi);
	size_t raw = OFF(struct t_fmsgq, raw);
	char members[2048], expect[4096];

	/* direct members; an anonymous one has "name":null and its own members,
	   whose offsets and bit offsets count from that member, as DWARF's do */
	snprintf(members, sizeof(members),
		 "[{\"name\":\"head\",\"offset\":%zu,\"size\":4,\"type\":\"u32\"},"
		 "{\"name\":\"pad\",\"offset\":%zu,\"size\":4,\"type\":\"u32\"},"
		 "{\"name\":\"ctl\",\"offset\":%zu,\"size\":4,\"type\":\"u32\"},"
		 "{\"name\":\"mode\",\"offset\":%" PRIu64 ",\"size\":4,\"type\":\"u32\","
		 "\"bit_offset\":%" PRIu64 ",\"bit_size\":5},"
		 "{\"name\":null,\"offset\":%zu,\"size\":4,\"type\":\"union {...}\",\"members\":["
		 "{\"name\":\"raw\",\"offset\":0,\"size\":4,\"type\":\"u32\"},"
		 "{\"name\":null,\"offset\":0,\"size\":4,\"type\":\"struct {...}\",\"members\":["
		 "{\"name\":\"lo\",\"offset\":%zu,\"size\":2,\"type\":\"u16\"},"
		 "{\"name\":\"hi\",\"offset\":%" PRIu64 ",\"size\":2,\"type\":\"u16\","
		 "\"bit_offset\":%" PRIu64 ",\"bit_size\":9}]}]}]",
		 OFF(struct t_fmsgq, head), OFF(struct t_fmsgq, pad), OFF(struct t_fmsgq, ctl),
		 mode / 32 * 4, mode, raw, OFF(struct t_fmsgq, lo) - raw, hi / 16 * 2 - raw,
		 hi - raw * 8);
	snprintf(expect, sizeof(expect),
		 "{\"type\":\"struct f_msgq\",\"size\":%zu,\"align\":4,\"members\":%s}\n",
		 sizeof(struct t_fmsgq), members);
	assert_string_equal(layout_json(f, f->fmsgq), expect);

	assert_string_equal(layout_json(f, f->state),
			    "{\"type\":\"enum t_state\",\"size\":4,\"enumerators\":["
			    "{\"name\":\"ST_IDLE\",\"value\":0},{\"name\":\"ST_RUN\",\"value\":5},"
			    "{\"name\":\"ST_NEG\",\"value\":-1}]}\n");
	assert_string_equal(layout_json(f, f->types.u32),
			    "{\"type\":\"u32\",\"size\":4,\"align\":4}\n");
	assert_string_equal(layout_json(f, array_of(&f->types, f->inner, 3, false)),
			    "{\"type\":\"struct t_inner[3]\",\"size\":24,\"align\":4}\n");
	assert_string_equal(layout_json(f, f->reg_t),
			    "{\"type\":\"reg_t\",\"size\":4,\"align\":4,\"target\":\"u32\"}\n");
	/* a typedef of an aggregate carries the target's members */
	snprintf(expect, sizeof(expect), "{\"type\":\"holes_t\",\"size\":%zu,\"align\":%zu,"
		 "\"target\":\"struct t_holes\",\"members\":[{\"name\":\"c\",\"offset\":0,\"size\":1,"
		 "\"type\":\"char\"},", sizeof(struct t_holes), _Alignof(struct t_holes));
	assert_true(strncmp(layout_json(f, f->holes_t), expect, strlen(expect)) == 0);
	assert_non_null(strstr(layout_json(f, f->anon_t),
			       "\"target\":\"struct {...}\",\"members\":[{\"name\":\"a\""));
	/* a flexible array member has size 0 */
	snprintf(expect, sizeof(expect),
		 "{\"name\":\"ring\",\"offset\":%zu,\"size\":0,\"type\":\"u8[]\"}]}\n",
		 offsetof(struct t_gsp, ring));
	assert_non_null(strstr(layout_json(f, f->types.gsp), expect));
	/* JSON keeps the declaration order */
	assert_non_null(strstr(layout_json(f, f->unsorted),
			       "\"members\":[{\"name\":\"b\",\"offset\":4,"));
}

static void test_layout_errors(void **state)
{
	struct fx *f = *state;
	const struct iod_type *void_t;
	struct iod_type *wide;

	iod_strbuf_reset(&f->sb);
	assert_error(iod_format_layout_text(&f->sb, f->incomplete), IOD_ERR_TYPE,
		     "'struct opaque' is an incomplete type: its layout is unknown");
	assert_error(iod_format_layout_json(&f->sb, f->incomplete), IOD_ERR_TYPE,
		     "'struct opaque' is an incomplete type: its layout is unknown");
	void_t = typedef_of(&f->types, "nothing_t", NULL);
	assert_error(iod_format_layout_text(&f->sb, void_t), IOD_ERR_TYPE,
		     "'nothing_t' is void: it has no layout");
	assert_string_equal(iod_strbuf_str(&f->sb), "");

	/* a failure half way leaves the output as it was */
	wide = new_type(&f->types, IOD_TYPE_STRUCT, "wide", 16);
	assert_ok(iod_type_add_member(f->types.db, wide, "ok", f->types.u32, 0, 0));
	assert_ok(iod_type_add_member(f->types.db, wide, "x", f->types.u64, 36, 64));
	iod_strbuf_puts(&f->sb, "keep");
	assert_error(iod_format_layout_text(&f->sb, wide), IOD_ERR_TYPE,
		     "member 'x': a 64-bit bitfield at bit 36 spans more than 8 bytes and"
		     " cannot be accessed with one access");
	assert_string_equal(iod_strbuf_str(&f->sb), "keep");
	assert_error(iod_format_layout_json(&f->sb, wide), IOD_ERR_TYPE,
		     "member 'x': a 64-bit bitfield at bit 36 spans more than 8 bytes and"
		     " cannot be accessed with one access");
	assert_string_equal(iod_strbuf_str(&f->sb), "keep");
}

/* A type string longer than any stack buffer still comes out whole. */
static void test_long_type_names(void **state)
{
	struct fx *f = *state;
	char name[400], expect[512];
	struct iod_type *t;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	t = new_type(&f->types, IOD_TYPE_STRUCT, name, 4);
	assert_ok(iod_type_add_member(f->types.db, t, "x", f->types.u32, 0, 0));
	snprintf(expect, sizeof(expect), "{\"type\":\"struct %s\",\"size\":4,\"align\":4,", name);
	assert_true(strncmp(layout_json(f, t), expect, strlen(expect)) == 0);
	snprintf(expect, sizeof(expect), "struct %s {\n", name);
	assert_true(strncmp(layout_text(f, t), expect, strlen(expect)) == 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_scalars_natural),
		T(test_enums),
		T(test_bool_and_char),
		T(test_print_fmt),
		T(test_floats),
		T(test_aggregate_text),
		T(test_arrays_of_aggregates),
		T(test_aggregate_json),
		T(test_json_scalars),
		T(test_json_value_only),
		T(test_char_arrays),
		T(test_json_strings),
		T(test_bitfields_in_aggregate),
		T(test_flexible_array),
		T(test_layout_holes),
		T(test_layout_bit_holes_and_cachelines),
		T(test_layout_more_text),
		T(test_layout_json),
		T(test_layout_errors),
		T(test_long_type_names),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
