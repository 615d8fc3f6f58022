/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Layout fingerprints of DIEs: which of a name's many copies (one per unit) can differ at all. */
#include <stdlib.h>
#include <string.h>

#include <libdwarf/dwarf.h>

#include "fp.h"
#include "refmap.h"
#include "reader.h"

/*
 * A header type is defined again in every unit that includes it: struct
 * task_struct thousands of times in vmlinux. Materialising each copy
 * through libdwarf to compare layouts would take seconds, so copies are
 * first compared by a hash of what spec §4 calls identical: kind, size,
 * and the members' names, offsets, sizes, bit offsets, bit sizes and type
 * names. The hash covers every attribute of the type and of its children
 * except source coordinates and unit-relative offsets; a member's type
 * counts by its name and size when it has a name, by its whole content
 * when it is anonymous (its fields are the parent's), and a pointed-to
 * type by its name alone. Copies with equal fingerprints are one layout;
 * each distinct one is materialised and left to the type database to
 * merge or number.
 */

#define MAX_DEPTH 256

/* What one unit's DIEs hash to: small tables stay in the cache while a unit is walked. */
struct unit_tables {
	struct dw_refmap full, named, shallow;
};

struct dw_fp {
	struct rd *r;
	const struct dw_index *ix;
	dw_prepare_fn prepare;
	void *ctx;
	struct unit_tables *units;      /* per unit of the index */
	const struct dw_ix_cu *last;    /* the unit of the last DIE read */
	/* DIE buffers, one per recursion depth */
	struct rd_die *pool[MAX_DEPTH + 2];
};

struct iod_error *dw_fp_new(const struct dw_image *img, const struct dw_index *ix,
			    dw_prepare_fn prepare, void *ctx, struct dw_fp **ret)
{
	struct dw_fp *f = calloc(1, sizeof(*f));
	struct iod_error *err;

	if (!f)
		return &iod_error_nomem;
	err = rd_new(img, &f->r);
	if (err) {
		free(f);
		return err;
	}
	f->ix = ix;
	f->units = calloc(dw_index_ncus(ix) ? dw_index_ncus(ix) : 1, sizeof(*f->units));
	if (!f->units) {
		dw_fp_free(f);
		return &iod_error_nomem;
	}
	f->ix = ix;
	f->prepare = prepare;
	f->ctx = ctx;
	*ret = f;
	return NULL;
}

void dw_fp_free(struct dw_fp *f)
{
	if (!f)
		return;
	rd_free(f->r);
	for (size_t i = 0; f->units && i < dw_index_ncus(f->ix); i++) {
		dw_refmap_release(&f->units[i].full, false);
		dw_refmap_release(&f->units[i].named, false);
		dw_refmap_release(&f->units[i].shallow, false);
	}
	free(f->units);
	for (size_t i = 0; i < sizeof(f->pool) / sizeof(f->pool[0]); i++)
		free(f->pool[i]);
	free(f);
}

/* --- hashing ----------------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2);
	h *= UINT64_C(0xff51afd7ed558ccd);
	return h ^ (h >> 32);
}

static uint64_t mix_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t x = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < n; i++) {
		x ^= b[i];
		x *= UINT64_C(0x100000001b3);
	}
	return mix(mix(h, n), x);
}

/*
 * One pass over the string in eight-byte chunks counted from its start, so
 * equal strings hash equally wherever they lie. A chunk is loaded whole
 * when it stays inside its page: strings live in sections that are either
 * mapped (whole pages) or decompressed into buffers with 8 spare bytes.
 */
static uint64_t mix_str(uint64_t h, const char *s)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	const unsigned char *p = (const unsigned char *)s;
	uint64_t x = UINT64_C(0xcbf29ce484222325), n = 0;

	if (!s)
		return mix(h, 0x5151);
	for (;;) {
		uint64_t w = 0, zero;
		unsigned len;

		if (((uintptr_t)p & 4095) <= 4096 - 8) {
			memcpy(&w, p, 8);
		} else {
			for (unsigned i = 0; i < 8; i++) {
				w |= (uint64_t)p[i] << (8 * i);
				if (!p[i])
					break;
			}
		}
		zero = (w - ones) & ~w & highs;
		if (zero) {
			/* The lowest flagged byte is the terminating zero (little-endian). */
			len = (unsigned)__builtin_ctzll(zero) / 8;
			w &= len ? (UINT64_C(1) << (8 * len)) - 1 : 0;
			n += len;
		} else {
			n += 8;
		}
		x = (x ^ w) * UINT64_C(0x9e3779b97f4a7c15);
		x ^= x >> 29;
		if (zero)
			break;
		p += 8;
	}
	return mix(mix(h, n), x);
}

/* --- reading ----------------------------------------------------------------- */

static const struct dw_ix_cu *unit_of(struct dw_fp *f, struct dw_ref ref)
{
	const struct dw_ix_cu *cu = f->last;

	if (!cu || cu->is_info != ref.is_info || ref.off < cu->hdr_off || ref.off >= cu->end_off) {
		cu = dw_index_cu_at(f->ix, ref);
		if (cu)
			f->last = cu;
	}
	return cu;
}

static struct unit_tables *tables_of(struct dw_fp *f, struct dw_ref ref)
{
	const struct dw_ix_cu *cu = unit_of(f, ref);

	return cu ? &f->units[cu - dw_index_cu(f->ix, 0)] : NULL;
}

/* The buffer for slot i (see pool): DIEs are large, recursion is deep, malloc is slow. */
static struct rd_die *pool_die(struct dw_fp *f, size_t i)
{
	if (i >= sizeof(f->pool) / sizeof(f->pool[0]))
		return NULL;
	if (!f->pool[i])
		f->pool[i] = malloc(sizeof(*f->pool[i]));
	return f->pool[i];
}

static struct iod_error *read_die(struct dw_fp *f, struct dw_ref ref, struct rd_unit *u,
				  struct rd_die *d)
{
	const struct dw_ix_cu *cu = unit_of(f, ref);
	struct iod_error *err;

	if (!cu)
		return iod_error_new(IOD_ERR_TYPE, "DIE 0x%llx is in no unit",
				     (unsigned long long)ref.off);
	if (f->prepare) {
		err = f->prepare(f->ctx, ref, false);
		if (err)
			return err;
	}
	err = rd_unit(f->r, ref.is_info, cu->hdr_off, u);
	if (!err)
		err = rd_die(f->r, u, ref.off, d);
	return err;
}

static struct iod_error *sig_target(struct dw_fp *f, uint64_t sig, struct dw_ref *ret)
{
	const struct dw_ix_cu *tu = dw_index_type_unit(f->ix, sig);

	if (!tu)
		return iod_error_new(IOD_ERR_TYPE, "no type unit with signature 0x%016llx",
				     (unsigned long long)sig);
	ret->off = tu->type_off;
	ret->is_info = tu->is_info;
	return NULL;
}

/* DW_AT_type of these tags is embedded by value; of the others only named. */
static bool by_value(uint32_t tag)
{
	switch (tag) {
	case DW_TAG_member:
	case DW_TAG_typedef:
	case DW_TAG_array_type:
	case DW_TAG_subrange_type:
	case DW_TAG_enumeration_type:
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
	case DW_TAG_immutable_type:
	case DW_TAG_shared_type:
	case DW_TAG_inheritance:
	case DW_TAG_variant_part:
	case DW_TAG_variant:
		return true;
	default:
		return false;
	}
}

static bool ignored_attr(unsigned at)
{
	switch (at) {
	case DW_AT_decl_file:
	case DW_AT_decl_line:
	case DW_AT_decl_column:
	case DW_AT_sibling:
	case DW_AT_accessibility:
		return true;
	default:
		return false;
	}
}

static struct iod_error *fp_full(struct dw_fp *f, struct dw_ref ref, int depth, uint64_t *ret);
static struct iod_error *fp_named(struct dw_fp *f, struct dw_ref ref, int depth, uint64_t *ret);
static struct iod_error *fp_shallow(struct dw_fp *f, struct dw_ref ref, int depth,
				    uint64_t *ret);

/* The children of a DIE at d->next, in order; subprograms (methods) do not make a layout. */
static struct iod_error *mix_children(struct dw_fp *f, struct rd_unit *u, const struct rd_die *d,
				      bool shallow, int depth, uint64_t *h)
{
	struct iod_error *err = NULL;
	uint64_t pos = d->next;
	struct rd_unit cu = *u;

	for (;;) {
		uint64_t v, next;
		uint32_t tag;

		/* Recursion may have moved the reader to another unit: ours is in cu. */
		err = rd_next(f->r, &cu, pos, &tag, &next);
		if (err || !tag)
			break;
		if (tag != DW_TAG_subprogram) {
			struct dw_ref cr = { pos, cu.is_info };

			err = shallow ? fp_shallow(f, cr, depth + 1, &v) : fp_full(f, cr, depth + 1, &v);
			if (err)
				break;
			*h = mix(*h, v);
		}
		pos = next;
	}
	return err;
}

static struct iod_error *fp_full(struct dw_fp *f, struct dw_ref ref, int depth, uint64_t *ret)
{
	struct unit_tables *ut = tables_of(f, ref);
	struct iod_error *err = NULL;
	struct rd_unit u;
	struct rd_die *d;
	struct dw_refslot *s;
	uint64_t h;

	if (!ut)
		return iod_error_new(IOD_ERR_TYPE, "DIE 0x%llx is in no unit",
				     (unsigned long long)ref.off);
	s = dw_refmap_get(&ut->full, ref);

	if (s && s->state == 2) {
		*ret = s->fp;
		return NULL;
	}
	if (s && s->state == 1) {
		/* Only malformed DWARF embeds a type in itself; the materialiser reports it. */
		*ret = UINT64_C(0xc1c1e);
		return NULL;
	}
	if (depth > MAX_DEPTH)
		return iod_error_new(IOD_ERR_TYPE, "DIE 0x%llx: types nested too deeply",
				     (unsigned long long)ref.off);
	d = pool_die(f, (size_t)depth);
	if (!d)
		return &iod_error_nomem;
	err = read_die(f, ref, &u, d);
	if (err)
		goto out;
	s = dw_refmap_put(&ut->full, ref);
	if (!s) {
		err = &iod_error_nomem;
		goto out;
	}
	s->state = 1;
	h = mix(UINT64_C(0x1234), d->tag);
	h = mix(h, d->children);
	for (unsigned i = 0; i < d->nattrs && !err; i++) {
		const struct rd_attr *a = &d->attrs[i];
		struct dw_ref t;
		uint64_t v;

		if (ignored_attr(a->at))
			continue;
		/* gcc's encoding of an enum varies between units; its underlying type decides. */
		if (a->at == DW_AT_encoding && d->tag == DW_TAG_enumeration_type &&
		    rd_attr(d, DW_AT_type))
			continue;
		h = mix(h, a->at);
		switch (a->kind) {
		case RV_UNSIGNED:
		case RV_SIGNED:
			/*
			 * The same constant comes as data1 in one unit and as
			 * implicit_const in the next; only an enumerator's value
			 * reads differently by form.
			 */
			h = mix(h, a->u);
			if (a->at == DW_AT_const_value)
				h = mix(h, a->kind);
			break;
		case RV_STRING:
			/* By content: a .ko's .debug_str repeats strings, unit by unit. */
			h = mix_str(h, a->s);
			break;
		case RV_BLOCK:
			h = mix_bytes(h, a->block, (size_t)a->len);
			break;
		case RV_SIG8:
		case RV_REF:
			if (a->at != DW_AT_type && a->at != DW_AT_signature) {
				/* A reference inside the DIE's own subtree (DW_AT_discr) by position. */
				h = a->kind == RV_REF && a->ref_is_info == ref.is_info && a->u > ref.off ?
					    mix(mix(h, 'R'), a->u - ref.off) : mix(h, 'r');
				break;
			}
			if (a->kind == RV_SIG8) {
				err = sig_target(f, a->u, &t);
			} else {
				t.off = a->u;
				t.is_info = a->ref_is_info;
			}
			if (!err && a->at == DW_AT_signature)
				err = fp_full(f, t, depth + 1, &v);
			else if (!err && by_value(d->tag))
				err = fp_named(f, t, depth + 1, &v);
			else if (!err)
				err = fp_shallow(f, t, depth + 1, &v);
			if (!err)
				h = mix(h, v);
			break;
		default:
			h = mix(h, a->form);
			break;
		}
	}
	if (!err && d->children)
		err = mix_children(f, &u, d, false, depth, &h);
	/* The table may have grown meanwhile. */
	s = dw_refmap_get(&ut->full, ref);
	if (err) {
		if (s)
			s->state = 0;
		goto out;
	}
	s->fp = h;
	s->state = 2;
	*ret = h;
out:
	return err;
}

/* A type embedded by value: by its (full) name and size when it has a name, else whole. */
static struct iod_error *fp_named(struct dw_fp *f, struct dw_ref ref, int depth, uint64_t *ret)
{
	struct unit_tables *ut = tables_of(f, ref);
	struct iod_error *err = NULL;
	const struct rd_attr *a, *name;
	const struct dw_ix_entry *e;
	struct rd_unit u;
	struct rd_die *d;
	struct dw_refslot *s;
	uint64_t h, v = 0;

	if (!ut)
		return iod_error_new(IOD_ERR_TYPE, "DIE 0x%llx is in no unit",
				     (unsigned long long)ref.off);
	s = dw_refmap_get(&ut->named, ref);
	if (s && s->state == 2) {
		*ret = s->fp;
		return NULL;
	}
	if (depth > MAX_DEPTH)
		return iod_error_new(IOD_ERR_TYPE, "DIE 0x%llx: types nested too deeply",
				     (unsigned long long)ref.off);
	d = pool_die(f, (size_t)depth);
	if (!d)
		return &iod_error_nomem;
	err = read_die(f, ref, &u, d);
	if (err)
		return err;
	name = rd_attr(d, DW_AT_name);
	switch (d->tag) {
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
	case DW_TAG_enumeration_type:
		a = rd_attr(d, DW_AT_signature);
		if (a && a->kind == RV_SIG8) {
			/* A declaration standing for a type unit's type is that type. */
			struct dw_ref t;

			err = sig_target(f, a->u, &t);
			return err ? err : fp_named(f, t, depth + 1, ret);
		}
		/* fall through */
	case DW_TAG_typedef:
	case DW_TAG_base_type:
	case DW_TAG_unspecified_type:
		if (name && name->kind == RV_STRING)
			break;
		/* fall through */
	default:
		/* Anonymous types and unnamed layers (arrays, qualifiers) are part of the layout. */
		return fp_full(f, ref, depth, ret);
	}
	h = mix(UINT64_C(0x9abc), d->tag);
	/* A Rust path is the type's name; DW_AT_name is only its last segment. */
	e = dw_index_entry_at(f->ix, ref);
	h = mix_str(mix(h, v), e && (dw_ix_flags(e) & DW_IX_F_RUST) ? dw_index_str(f->ix, e->name) :
						 name->s);
	a = rd_attr(d, DW_AT_byte_size);
	h = mix(h, a && a->kind == RV_UNSIGNED ? a->u : 0);
	a = rd_attr(d, DW_AT_encoding);
	h = mix(h, a && d->tag != DW_TAG_enumeration_type ? a->u : 0);
	if (d->tag == DW_TAG_typedef) {
		/* Its size is its target's. */
		a = rd_attr(d, DW_AT_type);
		if (a && (a->kind == RV_REF || a->kind == RV_SIG8)) {
			struct dw_ref t = { a->u, a->ref_is_info };

			if (a->kind == RV_SIG8)
				err = sig_target(f, a->u, &t);
			if (!err)
				err = fp_named(f, t, depth + 1, &v);
			if (err)
				return err;
			h = mix(h, v);
		}
	}
	s = dw_refmap_put(&ut->named, ref);
	if (!s)
		return &iod_error_nomem;
	s->fp = h;
	s->state = 2;
	*ret = h;
	return NULL;
}

static struct iod_error *fp_shallow(struct dw_fp *f, struct dw_ref ref, int depth, uint64_t *ret)
{
	struct unit_tables *ut = tables_of(f, ref);
	struct iod_error *err = NULL;
	const struct rd_attr *a;
	struct rd_unit u;
	struct rd_die *d;
	struct dw_refslot *s;
	uint64_t h;

	if (!ut)
		return iod_error_new(IOD_ERR_TYPE, "DIE 0x%llx is in no unit",
				     (unsigned long long)ref.off);
	s = dw_refmap_get(&ut->shallow, ref);

	if (s && s->state == 2) {
		*ret = s->fp;
		return NULL;
	}
	if (depth > MAX_DEPTH)
		return iod_error_new(IOD_ERR_TYPE, "DIE 0x%llx: types nested too deeply",
				     (unsigned long long)ref.off);
	d = pool_die(f, (size_t)depth);
	if (!d)
		return &iod_error_nomem;
	err = read_die(f, ref, &u, d);
	if (err)
		goto out;
	h = mix(UINT64_C(0x5678), d->tag);
	a = rd_attr(d, DW_AT_name);
	h = mix_str(h, a && a->kind == RV_STRING ? a->s : NULL);
	switch (d->tag) {
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
	case DW_TAG_enumeration_type:
		/* By name; a declaration in a type unit stands for the unit's type. */
		a = rd_attr(d, DW_AT_signature);
		if (a && a->kind == RV_SIG8) {
			struct dw_ref t;
			uint64_t v;

			err = sig_target(f, a->u, &t);
			if (!err)
				err = fp_shallow(f, t, depth + 1, &v);
			if (!err)
				h = mix(h, v);
		}
		break;
	case DW_TAG_typedef:
		break;
	case DW_TAG_base_type:
	case DW_TAG_unspecified_type:
		a = rd_attr(d, DW_AT_encoding);
		h = mix(h, a ? a->u : 0);
		a = rd_attr(d, DW_AT_byte_size);
		h = mix(h, a ? a->u : 0);
		break;
	default: {
		/*
		 * Pointers, qualifiers, arrays, functions: their shape and what they
		 * name. A struct counts by name only: it is complete in one unit and
		 * a declaration in the next.
		 */
		uint64_t v = 0;

		a = rd_attr(d, DW_AT_byte_size);
		h = mix(h, a && a->kind == RV_UNSIGNED ? a->u : 0);

		a = rd_attr(d, DW_AT_type);
		if (a && (a->kind == RV_REF || a->kind == RV_SIG8)) {
			struct dw_ref t = { a->u, a->ref_is_info };

			if (a->kind == RV_SIG8)
				err = sig_target(f, a->u, &t);
			if (!err)
				err = fp_shallow(f, t, depth + 1, &v);
		}
		h = mix(h, v);
		if (!err && d->children && (d->tag == DW_TAG_array_type ||
					    d->tag == DW_TAG_subroutine_type)) {
			/* Subranges (counts) and parameters. */
			for (unsigned i = 0; i < d->nattrs; i++)
				if (d->attrs[i].at == DW_AT_prototyped)
					h = mix(h, 'p');
			err = mix_children(f, &u, d, true, depth, &h);
		}
		if (!err && d->tag == DW_TAG_subrange_type) {
			for (unsigned i = 0; i < d->nattrs; i++) {
				const struct rd_attr *b = &d->attrs[i];

				if (b->at == DW_AT_count || b->at == DW_AT_upper_bound ||
				    b->at == DW_AT_lower_bound)
					h = mix(mix(mix(h, b->at), b->kind), b->kind == RV_REF ? 0 : b->u);
			}
		}
		break;
	}
	}
	if (err)
		goto out;
	s = dw_refmap_put(&ut->shallow, ref);
	if (!s) {
		err = &iod_error_nomem;
		goto out;
	}
	s->fp = h;
	s->state = 2;
	*ret = h;
out:
	return err;
}

struct iod_error *dw_fp_type(struct dw_fp *f, struct dw_ref ref, uint64_t *ret)
{
	return fp_full(f, ref, 0, ret);
}
