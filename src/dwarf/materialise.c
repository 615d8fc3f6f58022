/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Turns the DIEs filed under a name, and what they embed, into iod types; C and Rust. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdwarf/dwarf.h>

#include "die.h"
#include "fp.h"
#include "image.h"
#include "iodbg/strbuf.h"
#include "internal.h"
#include "refmap.h"

/*
 * What is embedded by value (members, array elements, typedef targets) is
 * materialised completely. What is only pointed to gets a shallow stub:
 * its name, kind and size, marked as a declaration. Pointers are read as
 * integers, and following them would pull most of a kernel's types into
 * a lookup of one struct.
 */
#define MAX_DEPTH 256

enum { ST_BUSY = 1, ST_DONE };

#define MAX_THREADS 4

struct dw_mat {
	struct dw_dbg *d;
	const struct dw_image *img;
	dw_prepare_fn prepare;
	void *prepare_ctx;
	struct dw_fp *fps[MAX_THREADS];  /* one per thread that fingerprints, made when needed */
	struct dw_found *found;
	const struct dw_index *ix;
	const char *file;               /* basename of the file read: the "unit" of type units */
	struct iod_typedb *db;
	struct dw_refmap full;               /* DIE -> complete type */
	struct dw_refmap shallow;            /* DIE -> pointer-target stub */
	struct dw_refmap nested;             /* DIE -> Rust path of a type nested in a type (malloc'd) */
	const char **cu_names;          /* interned in db, per unit, filled lazily */
	bool big_endian;
};

/* --- memo tables ------------------------------------------------------------- */

static struct dw_refslot *memo_put(struct dw_refmap *m, struct dw_ref r, void *val, int state)
{
	struct dw_refslot *s = dw_refmap_put(m, r);

	if (s) {
		s->val = val;
		s->state = state;
	}
	return s;
}

/* --- context ----------------------------------------------------------------- */

struct iod_error *dw_mat_new(const struct dw_mat_config *cfg, struct dw_mat **ret)
{
	struct dw_mat *m = calloc(1, sizeof(*m));
	size_t n = dw_index_ncus(cfg->ix);

	if (!m)
		return &iod_error_nomem;
	m->cu_names = calloc(n ? n : 1, sizeof(*m->cu_names));
	if (!m->cu_names) {
		free(m);
		return &iod_error_nomem;
	}
	m->d = cfg->d;
	m->img = cfg->img;
	m->prepare = cfg->prepare;
	m->prepare_ctx = cfg->prepare_ctx;
	m->found = cfg->found;
	m->ix = cfg->ix;
	m->file = cfg->file;
	m->big_endian = cfg->big_endian;
	*ret = m;
	return NULL;
}

void dw_mat_free(struct dw_mat *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < MAX_THREADS; i++)
		dw_fp_free(m->fps[i]);
	dw_refmap_release(&m->full, false);
	dw_refmap_release(&m->shallow, false);
	dw_refmap_release(&m->nested, true);
	free(m->cu_names);
	free(m);
}

static const struct dw_ix_cu *unit_of(struct dw_mat *m, struct dw_ref ref)
{
	return dw_index_cu_at(m->ix, ref);
}

static bool is_rust(struct dw_mat *m, struct dw_ref ref)
{
	const struct dw_ix_cu *cu = unit_of(m, ref);

	return cu && cu->lang == DW_IX_LANG_RUST;
}

/* The name listings show for the unit of ref. */
static const char *unit_name(struct dw_mat *m, struct dw_ref ref)
{
	const struct dw_ix_cu *cu = unit_of(m, ref);
	size_t i;

	if (!cu)
		return NULL;
	i = (size_t)(cu - dw_index_cu(m->ix, 0));
	if (!m->cu_names[i]) {
		const char *name = cu->name == UINT32_MAX ? NULL : dw_index_str(m->ix, cu->name);

		if (!name || cu->is_type_unit)
			name = m->file;
		m->cu_names[i] = iod_typedb_strdup(m->db, name);
	}
	return m->cu_names[i];
}

/*
 * The name of the type at ref: C uses DW_AT_name; Rust the full path, which
 * the index knows for types in namespaces and the enclosing type's
 * materialisation recorded for types nested in types.
 */
static const char *type_name(struct dw_mat *m, const struct dw_die *die)
{
	if (die->name && is_rust(m, die->ref)) {
		struct dw_refslot *s = dw_refmap_get(&m->nested, die->ref);
		const struct dw_ix_entry *e;

		if (s)
			return s->val;
		e = dw_index_entry_at(m->ix, die->ref);
		if (e)
			return dw_index_str(m->ix, e->name);
	}
	return die->name;
}

static struct iod_error *new_type(struct dw_mat *m, const struct dw_die *die,
				  enum iod_type_kind kind, const char *name, struct iod_type **ret)
{
	struct iod_error *err = iod_type_create(m->db, kind, name, ret);

	if (err)
		return err;
	if (is_rust(m, die->ref))
		(*ret)->lang = IOD_LANG_RUST;
	(*ret)->cu = unit_name(m, die->ref);
	return NULL;
}

static struct iod_error *bad(struct dw_mat *m, const struct dw_die *die, const char *what)
{
	(void)m;
	return iod_error_new(IOD_ERR_TYPE, "DIE 0x%llx%s%s%s: %s", (unsigned long long)die->ref.off,
			     die->name ? " (" : "", die->name ? die->name : "", die->name ? ")" : "",
			     what);
}

/* The DIE a ref_sig8 names: the type DIE of the type unit with that signature. */
static struct iod_error *resolve_sig(struct dw_mat *m, uint64_t sig, struct dw_ref *ret)
{
	const struct dw_ix_cu *tu = dw_index_type_unit(m->ix, sig);

	if (!tu)
		return iod_error_new(IOD_ERR_TYPE, "no type unit with signature 0x%016llx",
				     (unsigned long long)sig);
	ret->off = tu->type_off;
	ret->is_info = tu->is_info;
	return NULL;
}

static struct iod_error *target_ref(struct dw_mat *m, const struct dw_die *die,
				    struct dw_ref *ret)
{
	if (die->type_is_sig)
		return resolve_sig(m, die->type_sig, ret);
	*ret = die->type;
	return NULL;
}

static struct iod_error *mat_full(struct dw_mat *m, struct dw_ref ref, int depth,
				  const struct iod_type **ret);
static struct iod_error *mat_shallow(struct dw_mat *m, struct dw_ref ref, int depth,
				     const struct iod_type **ret);

/* DW_AT_type of die, complete or shallow; NULL (void) when there is none. */
static struct iod_error *target_of(struct dw_mat *m, const struct dw_die *die, bool shallow,
				   int depth, const struct iod_type **ret)
{
	struct iod_error *err;
	struct dw_ref r;

	if (!die->has_type) {
		*ret = NULL;
		return NULL;
	}
	err = target_ref(m, die, &r);
	if (err)
		return err;
	return shallow ? mat_shallow(m, r, depth + 1, ret) : mat_full(m, r, depth + 1, ret);
}

/* --- base, enum, subroutine -------------------------------------------------- */

static struct iod_error *mat_base(struct dw_mat *m, const struct dw_die *die,
				  struct iod_type **ret)
{
	struct iod_error *err;
	struct iod_type *t;

	err = new_type(m, die, IOD_TYPE_BASE, die->name, &t);
	if (err)
		return err;
	t->size = die->byte_size;
	switch (die->has_encoding ? die->encoding : DW_ATE_unsigned) {
	case DW_ATE_boolean:
		t->enc = IOD_ENC_BOOL;
		break;
	case DW_ATE_float:
	case DW_ATE_complex_float:
	case DW_ATE_imaginary_float:
	case DW_ATE_decimal_float:
		t->enc = IOD_ENC_FLOAT;
		t->is_signed = true;
		break;
	case DW_ATE_signed:
		t->is_signed = true;
		break;
	case DW_ATE_signed_char:
		t->enc = IOD_ENC_CHAR;
		t->is_signed = true;
		break;
	case DW_ATE_unsigned_char:
	case DW_ATE_UTF:
		t->enc = IOD_ENC_CHAR;
		break;
	default:
		break;
	}
	*ret = t;
	return NULL;
}

static uint64_t size_mask(uint64_t size)
{
	return size >= 1 && size < 8 ? (UINT64_C(1) << (size * 8)) - 1 : UINT64_MAX;
}

/*
 * An enumerator's bits in the enum's width: sign-extended from that width
 * when the enum is signed, whatever form carried it (gcc writes 200 of a
 * signed enum as data1 0xc8, and -1 as sdata).
 */
static uint64_t enum_value(uint64_t v, uint64_t size, bool is_signed)
{
	uint64_t mask = size_mask(size);

	v &= mask;
	if (is_signed && mask != UINT64_MAX && (v & ~(mask >> 1)))
		v |= ~mask;
	return v;
}

static struct iod_error *mat_enum(struct dw_mat *m, const struct dw_die *die,
				  const struct dw_refs *kids, int depth, struct iod_type *t)
{
	const struct iod_type *under = NULL;
	struct iod_error *err;
	bool negative = false;

	err = target_of(m, die, false, depth, &under);
	if (err)
		return err;
	t->target = under;
	/* A broken file's enum may be "of" a typedef of void: no size to take from it. */
	t->size = die->has_byte_size ? die->byte_size :
		  iod_type_strip(under) ? iod_type_strip(under)->size : 0;
	t->declaration = die->declaration;
	if (die->has_alignment)
		t->align = (uint32_t)die->alignment;
	for (size_t i = 0; i < kids->n; i++) {
		struct dw_die k;

		err = dw_die_read(m->d, kids->v[i], &k, NULL);
		if (err)
			return err;
		if (k.tag == DW_TAG_enumerator && k.has_const_value && k.const_sdata &&
		    (int64_t)k.const_value < 0)
			negative = true;
	}
	/*
	 * The underlying type decides; gcc's DW_AT_encoding on enums is not
	 * reliable (the kernel's enum drm_mode_status, underlying int, says
	 * "unsigned" in some units and "signed" in others).
	 */
	if (under)
		t->is_signed = iod_type_is_signed(under);
	else if (die->has_encoding)
		t->is_signed = die->encoding == DW_ATE_signed || die->encoding == DW_ATE_signed_char;
	else
		t->is_signed = negative;
	for (size_t i = 0; i < kids->n; i++) {
		struct dw_die k;

		err = dw_die_read(m->d, kids->v[i], &k, NULL);
		if (err)
			return err;
		if (k.tag != DW_TAG_enumerator || !k.name || !k.has_const_value)
			continue;
		err = iod_type_add_enumerator(m->db, t, k.name,
					      enum_value(k.const_value, t->size, t->is_signed));
		if (err)
			return err;
	}
	return NULL;
}

/* A function type has no layout; it is named "RET (ARGS)" so "RET (ARGS) *" reads. */
static struct iod_error *mat_subroutine(struct dw_mat *m, const struct dw_die *die,
					const struct dw_refs *kids, int depth,
					struct iod_type **ret)
{
	struct iod_strbuf sb = { 0 };
	const struct iod_type *rt = NULL;
	struct iod_error *err;
	char buf[256];
	bool first = true;

	err = target_of(m, die, true, depth, &rt);
	if (err)
		return err;
	iod_type_name(rt, buf, sizeof(buf));
	iod_strbuf_puts(&sb, buf);
	iod_strbuf_puts(&sb, " (");
	for (size_t i = 0; i < kids->n; i++) {
		const struct iod_type *pt = NULL;
		struct dw_die k;

		err = dw_die_read(m->d, kids->v[i], &k, NULL);
		if (!err && k.tag == DW_TAG_formal_parameter)
			err = target_of(m, &k, true, depth, &pt);
		if (err) {
			iod_strbuf_release(&sb);
			return err;
		}
		if (k.tag == DW_TAG_formal_parameter)
			iod_type_name(pt, buf, sizeof(buf));
		else if (k.tag == DW_TAG_unspecified_parameters)
			snprintf(buf, sizeof(buf), "...");
		else
			continue;
		iod_strbuf_puts(&sb, first ? "" : ", ");
		iod_strbuf_puts(&sb, buf);
		first = false;
	}
	iod_strbuf_puts(&sb, first ? "void)" : ")");
	err = iod_strbuf_error(&sb);
	if (!err)
		err = new_type(m, die, IOD_TYPE_VOID, iod_strbuf_str(&sb), ret);
	iod_strbuf_release(&sb);
	return err;
}

/*
 * A pointer to a function type "RET (ARGS)" is named "RET (*)(ARGS)", as C
 * writes it; the type strings of other pointers are built from their
 * target. NULL (malloc'd otherwise) when target is not a function type.
 */
static char *function_pointer_name(const struct iod_type *target)
{
	const char *name, *open;
	size_t len;
	int depth = 0;
	char *s;

	if (!target || target->kind != IOD_TYPE_VOID || !target->name)
		return NULL;
	name = target->name;
	len = strlen(name);
	if (!len || name[len - 1] != ')')
		return NULL;
	/* The parameter list's "(": the one matching the last ")". */
	for (open = name + len; open > name;) {
		char c = *--open;

		if (c == ')')
			depth++;
		else if (c == '(' && !--depth)
			break;
	}
	if (depth || open == name || open[-1] != ' ')
		return NULL;
	if (asprintf(&s, "%.*s(*)%s", (int)(open - name), name, open) < 0)
		return NULL;
	return s;
}

/* --- arrays -------------------------------------------------------------------- */

struct dim {
	uint64_t count;
	bool flexible;
};

static struct iod_error *array_dims(struct dw_mat *m, const struct dw_refs *kids,
				    struct dim **ret, size_t *n)
{
	struct dim *dims = calloc(kids->n ? kids->n : 1, sizeof(*dims));
	size_t nd = 0;

	if (!dims)
		return &iod_error_nomem;
	for (size_t i = 0; i < kids->n; i++) {
		struct iod_error *err;
		struct dw_die k;
		struct dim d = { 0, true };

		err = dw_die_read(m->d, kids->v[i], &k, NULL);
		if (err) {
			free(dims);
			return err;
		}
		if (k.tag != DW_TAG_subrange_type && k.tag != DW_TAG_enumeration_type)
			continue;
		if (k.has_count && k.count_const) {
			d.count = k.count;
		} else if (k.has_upper && k.upper_const) {
			int64_t lb = k.has_lower ? k.lower : 0;

			/* gcc's old "x[0]" is an upper bound of -1. */
			d.count = k.upper >= lb ? (uint64_t)(k.upper - lb) + 1 : 0;
		} else {
			d.count = 0;        /* no bound, or one known only at run time */
		}
		d.flexible = d.count == 0;
		dims[nd++] = d;
	}
	if (!nd)
		dims[nd++] = (struct dim){ 0, true };
	*ret = dims;
	*n = nd;
	return NULL;
}

/* An array over a stub element (behind a pointer), which iod_typedb_array_of refuses. */
static struct iod_error *stub_array(struct dw_mat *m, const struct dw_die *die,
				    const struct iod_type *elem, struct dim d,
				    const struct iod_type **ret)
{
	const struct iod_type *s = iod_type_strip(elem);
	struct iod_error *err;
	struct iod_type *t;

	err = new_type(m, die, IOD_TYPE_ARRAY, NULL, &t);
	if (err)
		return err;
	t->target = elem;
	t->count = d.count;
	t->flexible = d.flexible;
	t->size = d.flexible || !s ? 0 : s->size * d.count;
	*ret = t;
	return NULL;
}

static struct iod_error *mat_array(struct dw_mat *m, const struct dw_die *die,
				   const struct dw_refs *kids, bool shallow, int depth,
				   const struct iod_type **ret)
{
	const struct iod_type *t = NULL;
	struct iod_error *err;
	struct dim *dims;
	size_t nd;

	if (!die->has_type)
		return bad(m, die, "array without element type");
	err = target_of(m, die, shallow, depth, &t);
	if (err)
		return err;
	if (!t)
		return bad(m, die, "array of void");
	err = array_dims(m, kids, &dims, &nd);
	if (err)
		return err;
	/* Outermost dimension first in DWARF; build from the innermost out. */
	for (size_t i = nd; i-- > 0 && !err;) {
		const struct iod_type *s = iod_type_strip(t);

		if (s && s->declaration)
			err = stub_array(m, die, t, dims[i], &t);
		else
			err = iod_typedb_array_of(m->db, t, dims[i].count, dims[i].flexible, &t);
	}
	free(dims);
	if (err)
		return err;
	*ret = t;
	return NULL;
}

/* --- structs, unions, Rust enums ----------------------------------------------- */

static bool is_type_tag(unsigned tag)
{
	switch (tag) {
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
	case DW_TAG_enumeration_type:
	case DW_TAG_typedef:
		return true;
	default:
		return false;
	}
}

static struct iod_error *add_member(struct dw_mat *m, struct iod_type *t, const struct dw_die *k,
				    const char *name, int depth)
{
	const struct iod_type *mt = NULL;
	struct iod_error *err;
	uint64_t bits, bit_size = k->has_bit_size ? k->bit_size : 0;

	if (!k->has_type)
		return bad(m, k, "member without a type");
	err = target_of(m, k, false, depth, &mt);
	if (err)
		return err;
	if (!mt)
		return bad(m, k, "member of type void");
	if (k->loc_kind == DW_LOC_OTHER)
		return bad(m, k, "member location is not a constant");
	if (k->has_data_bit_offset) {
		bits = k->data_bit_offset;
	} else if (k->has_bit_offset && k->has_bit_size) {
		/* DWARF 2/3: bit_offset counts from the MSB of a storage unit at loc. */
		const struct iod_type *s = iod_type_strip(mt);
		uint64_t storage = k->has_byte_size ? k->byte_size : s ? s->size : 0;
		int64_t b;

		if (m->big_endian)
			b = (int64_t)(8 * k->loc) + k->bit_offset;
		else
			b = (int64_t)(8 * (k->loc + storage)) - k->bit_offset - (int64_t)bit_size;
		if (b < 0)
			return bad(m, k, "bitfield before the start of its struct");
		bits = (uint64_t)b;
	} else {
		bits = 8 * k->loc;
	}
	if (bit_size > 64)
		return bad(m, k, "bitfield wider than 64 bits");
	return iod_type_add_member(m->db, t, name, mt, bits, (uint32_t)bit_size);
}

/* The children of a struct, each read once. */
struct kids {
	struct dw_die *v;
	size_t n;
};

static struct iod_error *read_kids(struct dw_mat *m, const struct dw_refs *refs, struct kids *ret)
{
	ret->v = calloc(refs->n ? refs->n : 1, sizeof(*ret->v));
	ret->n = 0;
	if (!ret->v)
		return &iod_error_nomem;
	for (size_t i = 0; i < refs->n; i++) {
		struct iod_error *err = dw_die_read(m->d, refs->v[i], &ret->v[i], NULL);

		if (err) {
			free(ret->v);
			return err;
		}
		ret->n++;
	}
	return NULL;
}

/*
 * A Rust enum with data: the discriminant (named "__tag" when rustc leaves
 * it unnamed) and one member per variant, named as the variant and typed
 * as its struct, all at their offsets from the start of the enum, so that
 * "x.Variant.field" works.
 */
static struct iod_error *add_variants(struct dw_mat *m, struct iod_type *t,
				      const struct dw_die *vp, int depth)
{
	struct dw_refs refs = { 0 };
	struct iod_error *err;
	struct kids kids;

	err = dw_die_read(m->d, vp->ref, &(struct dw_die){ 0 }, &refs);
	if (!err)
		err = read_kids(m, &refs, &kids);
	dw_refs_release(&refs);
	if (err)
		return err;
	for (size_t i = 0; i < kids.n && !err; i++) {
		const struct dw_die *k = &kids.v[i];

		if (k->tag == DW_TAG_member) {
			err = add_member(m, t, k, k->name ? k->name : "__tag", depth);
		} else if (k->tag == DW_TAG_variant) {
			struct dw_refs vrefs = { 0 };
			struct kids vk;

			err = dw_die_read(m->d, k->ref, &(struct dw_die){ 0 }, &vrefs);
			if (!err)
				err = read_kids(m, &vrefs, &vk);
			dw_refs_release(&vrefs);
			if (err)
				break;
			for (size_t j = 0; j < vk.n && !err; j++)
				if (vk.v[j].tag == DW_TAG_member)
					err = add_member(m, t, &vk.v[j], vk.v[j].name, depth);
			free(vk.v);
		}
	}
	free(kids.v);
	return err;
}

static struct iod_error *mat_struct(struct dw_mat *m, const struct dw_die *die,
				    const struct dw_refs *refs, const char *name, int depth,
				    struct iod_type **ret)
{
	enum iod_type_kind kind = die->tag == DW_TAG_union_type ? IOD_TYPE_UNION : IOD_TYPE_STRUCT;
	size_t nmembers = 0, nparts = 0;
	struct iod_error *err;
	struct iod_type *t;
	struct kids kids;

	err = read_kids(m, refs, &kids);
	if (err)
		return err;
	for (size_t i = 0; i < kids.n; i++) {
		nmembers += kids.v[i].tag == DW_TAG_member && !kids.v[i].declaration;
		nparts += kids.v[i].tag == DW_TAG_variant_part;
	}
	/* A Rust enum with data is a tagged union: its variants overlap. */
	if (nparts && !nmembers)
		kind = IOD_TYPE_UNION;
	err = new_type(m, die, kind, name, &t);
	if (err)
		goto out;
	t->size = die->byte_size;
	t->declaration = die->declaration;
	if (die->has_alignment)
		t->align = (uint32_t)die->alignment;
	if (!memo_put(&m->full, die->ref, t, ST_BUSY)) {
		err = &iod_error_nomem;
		goto out;
	}
	/* Types nested in a Rust type are named by its path. */
	if (name && t->lang == IOD_LANG_RUST) {
		for (size_t i = 0; i < kids.n; i++) {
			char *path;

			if (!is_type_tag(kids.v[i].tag) || !kids.v[i].name ||
			    dw_refmap_get(&m->nested, kids.v[i].ref))
				continue;
			if (asprintf(&path, "%s::%s", name, kids.v[i].name) < 0) {
				err = &iod_error_nomem;
				goto out;
			}
			if (!memo_put(&m->nested, kids.v[i].ref, path, ST_DONE)) {
				free(path);
				err = &iod_error_nomem;
				goto out;
			}
		}
	}
	for (size_t i = 0; i < kids.n && !err; i++) {
		const struct dw_die *k = &kids.v[i];

		if (k->tag == DW_TAG_member && !k->declaration)
			err = add_member(m, t, k, k->name, depth);
		else if (k->tag == DW_TAG_variant_part)
			err = add_variants(m, t, k, depth);
	}
	if (!err)
		*ret = t;
out:
	free(kids.v);
	return err;
}

/* --- which copies differ --------------------------------------------------------- */

static bool is_definition(const struct dw_ix_entry *e)
{
	return !(dw_ix_flags(e) & DW_IX_F_DECL) || (dw_ix_flags(e) & DW_IX_F_SIG);
}

static struct dw_ref entry_ref(const struct dw_ix_entry *e);

struct fp_job {
	struct dw_fp *fp;
	const struct dw_image *img;
	const struct dw_index *ix;
	const uint32_t *defs;           /* entry numbers */
	uint64_t *out;
	size_t from, to;
	struct iod_error *err;
};

#define RELEASE_STEP (32u << 20)

static void *fp_thread(void *arg)
{
	struct fp_job *j = arg;
	int info = dw_image_find(j->img, ".debug_info");
	uint64_t lo = UINT64_MAX, hi = 0;

	for (size_t i = j->from; i < j->to && !j->err; i++) {
		const struct dw_ix_entry *e = dw_index_entry(j->ix, j->defs[i]);
		const struct dw_ix_cu *cu = dw_index_cu(j->ix, dw_ix_cu(e));

		j->err = dw_fp_type(j->fp, entry_ref(e), &j->out[i]);
		/*
		 * Units done with go back to the page cache, in large steps: a
		 * kernel header type has a copy in most units, and reading them
		 * all would count most of vmlinux in the process.
		 */
		if (info < 0 || (dw_ix_flags(e) & DW_IX_F_TYPES))
			continue;
		lo = cu->hdr_off < lo ? cu->hdr_off : lo;
		hi = cu->end_off > hi ? cu->end_off : hi;
		if (hi - lo >= RELEASE_STEP || i + 1 == j->to) {
			dw_image_release(j->img, (size_t)info, lo, hi);
			lo = UINT64_MAX;
			hi = 0;
		}
	}
	return NULL;
}

static unsigned ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

/* Fingerprints of entries defs[0..n), on several cores when there are many (a kernel header's). */
static struct iod_error *fingerprints(struct dw_mat *m, const uint32_t *defs, size_t n,
				      uint64_t *out)
{
	struct fp_job jobs[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	unsigned nt = n >= 32 ? ncpus() : 1, started = 0;
	struct iod_error *err = NULL;

	for (unsigned t = 0; t < nt; t++) {
		if (!m->fps[t]) {
			err = dw_fp_new(m->img, m->ix, m->prepare, m->prepare_ctx, &m->fps[t]);
			if (err) {
				nt = t;
				break;
			}
		}
	}
	if (!nt)
		return err;
	iod_error_free(err);
	for (unsigned t = 0; t < nt; t++) {
		jobs[t] = (struct fp_job){ m->fps[t], m->img, m->ix, defs, out, n * t / nt,
					   n * (t + 1) / nt, NULL };
		if (t + 1 < nt && !pthread_create(&th[t], NULL, fp_thread, &jobs[t]))
			started = t + 1;
		else
			fp_thread(&jobs[t]);
	}
	for (unsigned t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	err = NULL;
	for (unsigned t = 0; t < nt; t++) {
		if (jobs[t].err && !err)
			err = jobs[t].err;
		else if (jobs[t].err)
			iod_error_free(jobs[t].err);
	}
	return err;
}

/*
 * The entries filed under name that are distinct layouts: per fingerprint
 * (and kind and name) the first entry in file order, which gives NAME#k its
 * number and unit, and is also the cheapest to read: libdwarf reaches a DIE
 * through every unit header before it. *ret is malloc'd. Recorded in the
 * found store, so a later run skips the fingerprints.
 */
static struct iod_error *distinct_defs(struct dw_mat *m, const char *name, uint32_t **ret,
				       size_t *nret)
{
	const uint32_t *list, *known;
	uint32_t *defs, *reps;
	uint64_t *fps;
	size_t n, nd = 0, nr = 0;
	struct iod_error *err;

	known = dw_found_get(m->found, name, &n);
	if (known) {
		reps = malloc((n ? n : 1) * sizeof(*reps));
		if (!reps)
			return &iod_error_nomem;
		memcpy(reps, known, n * sizeof(*reps));
		*ret = reps;
		*nret = n;
		return NULL;
	}
	list = dw_index_lookup(m->ix, name, &n);
	defs = malloc((n ? n : 1) * sizeof(*defs));
	fps = malloc((n ? n : 1) * sizeof(*fps));
	reps = malloc((n ? n : 1) * sizeof(*reps));
	if (!defs || !fps || !reps) {
		err = &iod_error_nomem;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (is_definition(dw_index_entry(m->ix, list[i])))
			defs[nd++] = list[i];
	err = fingerprints(m, defs, nd, fps);
	if (err)
		goto out;
	for (size_t i = 0; i < nd; i++) {
		const struct dw_ix_entry *e = dw_index_entry(m->ix, defs[i]);
		bool seen = false;

		/* Few distinct layouts per name: a linear look back is enough. */
		for (size_t j = 0; j < nr && !seen; j++) {
			const struct dw_ix_entry *r = dw_index_entry(m->ix, reps[j]);

			seen = fps[i] == fps[j] && dw_ix_tag(r) == dw_ix_tag(e) && r->name == e->name;
		}
		if (!seen) {
			fps[nr] = fps[i];
			reps[nr++] = defs[i];
		}
	}
	err = dw_found_put(m->found, name, reps, nr);
out:
	free(defs);
	free(fps);
	if (err) {
		free(reps);
		return err;
	}
	*ret = reps;
	*nret = nr;
	return NULL;
}

/* --- declarations ---------------------------------------------------------------- */

static unsigned ix_tag_of(const struct iod_type *t)
{
	switch (t->kind) {
	case IOD_TYPE_STRUCT: return DW_IX_STRUCT;
	case IOD_TYPE_UNION: return DW_IX_UNION;
	case IOD_TYPE_ENUM: return DW_IX_ENUM;
	default: return 0;
	}
}

static struct dw_ref entry_ref(const struct dw_ix_entry *e)
{
	return (struct dw_ref){ e->off, !(dw_ix_flags(e) & DW_IX_F_TYPES) };
}

/*
 * The definition a declaration stands for (a typedef of a struct that its
 * unit only declares): the one layout the file defines under that name, or
 * the declaration itself when there is none or there are several.
 */
static struct iod_error *resolve_decl(struct dw_mat *m, const struct iod_type *decl, int depth,
				      const struct iod_type **ret)
{
	const struct iod_type *best = NULL;
	struct iod_error *err;
	uint32_t *reps;
	size_t n;

	*ret = decl;
	if (!decl->name || !ix_tag_of(decl))
		return NULL;
	err = distinct_defs(m, decl->name, &reps, &n);
	for (size_t i = 0; i < n && !err; i++) {
		const struct dw_ix_entry *e = dw_index_entry(m->ix, reps[i]);
		const struct iod_type *t;

		/* A Rust last segment lists other paths too: only the very name counts. */
		if (dw_ix_tag(e) != ix_tag_of(decl) || strcmp(dw_index_str(m->ix, e->name), decl->name))
			continue;
		err = mat_full(m, entry_ref(e), depth + 1, &t);
		if (err || t->declaration || t->kind != decl->kind)
			continue;
		if (!best) {
			best = t;
		} else if (best != t && !iod_type_same_layout(best, t)) {
			best = NULL;
			break;
		}
	}
	free(reps);
	if (!err && best)
		*ret = best;
	return err;
}

/* --- the dispatcher --------------------------------------------------------------- */

static struct iod_error *mat_full(struct dw_mat *m, struct dw_ref ref, int depth,
				  const struct iod_type **ret)
{
	struct dw_refs kids = { 0 };
	struct iod_error *err;
	struct dw_refslot *s;
	struct iod_type *t = NULL;
	const struct iod_type *ct = NULL;
	struct dw_die die;

	/* State 0 is a slot whose type failed: try again (and fail again). */
	s = dw_refmap_get(&m->full, ref);
	if (s && s->state == ST_BUSY)
		return iod_error_new(IOD_ERR_TYPE, "DIE 0x%llx contains itself",
				     (unsigned long long)ref.off);
	if (s && s->state == ST_DONE) {
		*ret = s->val;
		return NULL;
	}
	if (depth > MAX_DEPTH)
		return iod_error_new(IOD_ERR_TYPE, "DIE 0x%llx: types nested too deeply",
				     (unsigned long long)ref.off);
	err = dw_die_read(m->d, ref, &die, &kids);
	if (err)
		return err;

	switch (die.tag) {
	case DW_TAG_base_type:
		err = mat_base(m, &die, &t);
		break;
	case DW_TAG_unspecified_type:
		err = new_type(m, &die, IOD_TYPE_VOID, die.name, &t);
		break;
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
		/* A stand-in for a type unit's type (gcc leaves DW_AT_declaration off some). */
		if (die.has_signature) {
			struct dw_ref r;

			err = resolve_sig(m, die.signature, &r);
			if (!err)
				err = mat_full(m, r, depth + 1, &ct);
			break;
		}
		err = mat_struct(m, &die, &kids, type_name(m, &die), depth, &t);
		break;
	case DW_TAG_enumeration_type:
		if (die.has_signature) {
			struct dw_ref r;

			err = resolve_sig(m, die.signature, &r);
			if (!err)
				err = mat_full(m, r, depth + 1, &ct);
			break;
		}
		err = new_type(m, &die, IOD_TYPE_ENUM, type_name(m, &die), &t);
		if (!err && !memo_put(&m->full, ref, t, ST_BUSY))
			err = &iod_error_nomem;
		if (!err)
			err = mat_enum(m, &die, &kids, depth, t);
		break;
	case DW_TAG_typedef: {
		const struct iod_type *target = NULL, *s2;

		err = new_type(m, &die, IOD_TYPE_TYPEDEF, type_name(m, &die), &t);
		if (!err && !memo_put(&m->full, ref, t, ST_BUSY))
			err = &iod_error_nomem;
		if (!err)
			err = target_of(m, &die, false, depth, &target);
		/* typedef struct foo foo_t; where this unit only declares struct foo. */
		s2 = iod_type_strip_cv(target);
		if (!err && s2 && s2 == target && s2->declaration)
			err = resolve_decl(m, s2, depth, &target);
		if (!err)
			t->target = target;
		break;
	}
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
	case DW_TAG_ptr_to_member_type: {
		const struct dw_ix_cu *cu = unit_of(m, ref);
		const struct iod_type *target = NULL;
		char *fname = NULL;

		err = target_of(m, &die, true, depth, &target);
		if (!err)
			err = new_type(m, &die, IOD_TYPE_POINTER,
				       die.name ? die.name : (fname = function_pointer_name(target)), &t);
		free(fname);
		if (!err) {
			t->target = die.tag == DW_TAG_ptr_to_member_type ? NULL : target;
			t->size = die.has_byte_size ? die.byte_size :
				  cu && cu->addr_size ? cu->addr_size : 8;
		}
		break;
	}
	case DW_TAG_const_type:
	case DW_TAG_volatile_type: {
		const struct iod_type *target = NULL;

		err = target_of(m, &die, false, depth, &target);
		if (!err)
			err = new_type(m, &die, IOD_TYPE_QUAL, NULL, &t);
		if (!err) {
			t->quals = die.tag == DW_TAG_const_type ? IOD_Q_CONST : IOD_Q_VOLATILE;
			t->target = target;
		}
		break;
	}
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
	case DW_TAG_immutable_type:
	case DW_TAG_shared_type:
		/* Qualifiers that change nothing about the layout or the access. */
		err = target_of(m, &die, false, depth, &ct);
		if (!err && !ct)
			err = new_type(m, &die, IOD_TYPE_VOID, NULL, &t);
		break;
	case DW_TAG_array_type:
		err = mat_array(m, &die, &kids, false, depth, &ct);
		break;
	case DW_TAG_subroutine_type:
		err = mat_subroutine(m, &die, &kids, depth, &t);
		break;
	default:
		err = bad(m, &die, "not a type");
		break;
	}
	dw_refs_release(&kids);
	if (err) {
		/* A failed type is not left half-built in the memo. */
		s = dw_refmap_get(&m->full, ref);
		if (s && s->state == ST_BUSY) {
			s->state = 0;
			s->val = NULL;
		}
		return err;
	}
	if (t)
		ct = t;
	if (!memo_put(&m->full, ref, (void *)ct, ST_DONE))
		return &iod_error_nomem;
	*ret = ct;
	return NULL;
}

static struct iod_error *mat_shallow(struct dw_mat *m, struct dw_ref ref, int depth,
				     const struct iod_type **ret)
{
	struct dw_refs kids = { 0 };
	struct iod_error *err = NULL;
	struct dw_refslot *s;
	struct iod_type *t = NULL;
	const struct iod_type *ct = NULL;
	struct dw_die die;

	s = dw_refmap_get(&m->full, ref);
	if (s && s->state == ST_DONE) {
		*ret = s->val;
		return NULL;
	}
	s = dw_refmap_get(&m->shallow, ref);
	if (s && s->state == ST_BUSY)
		return iod_error_new(IOD_ERR_TYPE, "DIE 0x%llx refers to itself",
				     (unsigned long long)ref.off);
	if (s && s->state == ST_DONE) {
		*ret = s->val;
		return NULL;
	}
	if (depth > MAX_DEPTH)
		return iod_error_new(IOD_ERR_TYPE, "DIE 0x%llx: types nested too deeply",
				     (unsigned long long)ref.off);
	err = dw_die_read(m->d, ref, &die, &kids);
	if (err)
		return err;
	if (!memo_put(&m->shallow, ref, NULL, ST_BUSY)) {
		dw_refs_release(&kids);
		return &iod_error_nomem;
	}

	switch (die.tag) {
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
	case DW_TAG_enumeration_type: {
		enum iod_type_kind kind = die.tag == DW_TAG_union_type ? IOD_TYPE_UNION :
					  die.tag == DW_TAG_enumeration_type ? IOD_TYPE_ENUM :
									   IOD_TYPE_STRUCT;

		if (die.has_signature) {
			struct dw_ref r;

			err = resolve_sig(m, die.signature, &r);
			if (!err)
				err = mat_shallow(m, r, depth + 1, &ct);
			break;
		}
		err = new_type(m, &die, kind, type_name(m, &die), &t);
		if (!err) {
			t->size = die.byte_size;
			t->declaration = true;
		}
		break;
	}
	case DW_TAG_typedef:
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
	case DW_TAG_const_type:
	case DW_TAG_volatile_type: {
		const struct iod_type *target = NULL;
		enum iod_type_kind kind = die.tag == DW_TAG_typedef ? IOD_TYPE_TYPEDEF :
					  die.tag == DW_TAG_const_type ||
							  die.tag == DW_TAG_volatile_type ? IOD_TYPE_QUAL :
											    IOD_TYPE_POINTER;

		char *fname = NULL;

		err = target_of(m, &die, true, depth, &target);
		if (!err)
			err = new_type(m, &die, kind,
				       kind == IOD_TYPE_TYPEDEF ? type_name(m, &die) :
				       kind != IOD_TYPE_POINTER ? NULL :
				       die.name ? die.name : (fname = function_pointer_name(target)), &t);
		free(fname);
		if (err)
			break;
		t->target = target;
		if (kind == IOD_TYPE_QUAL)
			t->quals = die.tag == DW_TAG_const_type ? IOD_Q_CONST : IOD_Q_VOLATILE;
		if (kind == IOD_TYPE_POINTER) {
			const struct dw_ix_cu *cu = unit_of(m, ref);

			t->size = die.has_byte_size ? die.byte_size :
				  cu && cu->addr_size ? cu->addr_size : 8;
		}
		break;
	}
	case DW_TAG_array_type:
		err = mat_array(m, &die, &kids, true, depth, &ct);
		break;
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
	case DW_TAG_immutable_type:
	case DW_TAG_shared_type:
		err = target_of(m, &die, true, depth, &ct);
		if (!err && !ct)
			err = new_type(m, &die, IOD_TYPE_VOID, NULL, &t);
		break;
	default:
		/* Base, unspecified, subroutine and the rest: as complete types. */
		dw_refs_release(&kids);
		memo_put(&m->shallow, ref, NULL, 0);
		err = mat_full(m, ref, depth + 1, &ct);
		if (!err && !memo_put(&m->shallow, ref, (void *)ct, ST_DONE))
			err = &iod_error_nomem;
		if (!err)
			*ret = ct;
		return err;
	}
	dw_refs_release(&kids);
	if (err) {
		s = dw_refmap_get(&m->shallow, ref);
		if (s)
			s->state = 0;
		return err;
	}
	if (t)
		ct = t;
	if (!memo_put(&m->shallow, ref, (void *)ct, ST_DONE))
		return &iod_error_nomem;
	*ret = ct;
	return NULL;
}

/* --- lookups ------------------------------------------------------------------------- */

struct seen {
	unsigned tag;
	uint32_t name;
};

static bool seen_has(const struct seen *v, size_t n, unsigned tag, uint32_t name)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].tag == tag && v[i].name == name)
			return true;
	return false;
}

struct iod_error *dw_mat_find(struct dw_mat *m, struct iod_typedb *db, const char *name)
{
	const uint32_t *list;
	uint32_t *reps = NULL;
	struct seen *defined;
	size_t n, nreps = 0, ndefined = 0;
	struct iod_error *err;

	m->db = db;
	list = dw_index_lookup(m->ix, name, &n);
	if (!n)
		return NULL;
	defined = calloc(n, sizeof(*defined));
	if (!defined)
		return &iod_error_nomem;
	/* Definitions in file order, so that NAME#k numbers follow the units. */
	err = distinct_defs(m, name, &reps, &nreps);
	for (size_t i = 0; i < nreps && !err; i++) {
		const struct dw_ix_entry *e = dw_index_entry(m->ix, reps[i]);
		const struct iod_type *t, *out;

		err = mat_full(m, entry_ref(e), 0, &t);
		if (err || t->declaration)
			continue;
		err = iod_typedb_add(db, (struct iod_type *)t, &out);
		if (!err && !seen_has(defined, ndefined, dw_ix_tag(e), e->name))
			defined[ndefined++] = (struct seen){ dw_ix_tag(e), e->name };
	}
	/* A name only ever declared (used through pointers) is still known: as incomplete. */
	for (size_t i = 0; i < n && !err; i++) {
		const struct dw_ix_entry *e = dw_index_entry(m->ix, list[i]);
		const struct iod_type *t, *out;

		if (seen_has(defined, ndefined, dw_ix_tag(e), e->name))
			continue;
		err = mat_full(m, entry_ref(e), 0, &t);
		if (!err)
			err = iod_typedb_add(db, (struct iod_type *)t, &out);
		if (!err)
			defined[ndefined++] = (struct seen){ dw_ix_tag(e), e->name };
	}
	free(reps);
	free(defined);
	return err;
}

struct iod_error *dw_mat_find_enumerator(struct dw_mat *m, struct iod_typedb *db,
					 const char *name)
{
	const struct dw_ix_entry *recs;
	uint32_t *done;
	size_t n, ndone = 0;
	struct iod_error *err = NULL;

	m->db = db;
	recs = dw_index_enumerators(m->ix, name, &n);
	if (!n)
		return NULL;
	done = malloc(n * sizeof(*done));
	if (!done)
		return &iod_error_nomem;
	for (size_t i = 0; i < n && !err; i++) {
		struct dw_ref ref = entry_ref(&recs[i]);
		const struct dw_ix_entry *e = dw_index_entry_at(m->ix, ref);
		const struct iod_type *t;
		bool seen = false;

		if (e && dw_ix_tag(e) == DW_IX_ENUM) {
			/* By its name: every layout the file has of it, numbered as a lookup numbers them. */
			for (size_t j = 0; j < ndone && !seen; j++)
				seen = done[j] == e->name;
			if (!seen) {
				done[ndone++] = e->name;
				err = dw_mat_find(m, db, dw_index_str(m->ix, e->name));
			}
			continue;
		}
		err = mat_full(m, ref, 0, &t);
		if (!err && t->kind != IOD_TYPE_ENUM)
			err = iod_error_new(IOD_ERR_TYPE, "DIE 0x%llx: not an enum",
					    (unsigned long long)ref.off);
		if (!err)
			err = iod_typedb_add_enumerators(db, t);
	}
	free(done);
	return err;
}
