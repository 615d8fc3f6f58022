/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Everything the materialiser asks libdwarf: an object interface over our sections, and one DIE's attributes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

#include <elf.h>

#include "die.h"
#include "image.h"
#include "internal.h"

/*
 * One libdwarf handle. A window shows libdwarf a single unit as if it were
 * the whole of its section: libdwarf reaches a DIE by building a context
 * for every unit before it (in a kernel, thousands), while a window's only
 * unit is at offset 0. Offsets in and out are shifted by lo; everything
 * but that section is shown whole, so the unit's references into
 * .debug_abbrev, .debug_str and the rest are unchanged.
 */
struct dw_obj {
	struct dw_dbg *d;
	Dwarf_Debug dbg;
	bool window;
	bool is_info;                   /* a window's section */
	uint64_t lo, hi;                /* a window's unit: [lo, hi) of that section */
	uint64_t used;                  /* when last read, for eviction */
	Dwarf_Obj_Access_Interface iface;
};

#define DW_WINDOWS 8                    /* units kept open; a type's DIEs are mostly in one */

struct dw_dbg {
	struct dw_image *img;
	const char *path;               /* the image's, for messages */
	dw_prepare_fn prepare;          /* makes a DIE's unit readable (relocations) */
	void *prepare_ctx;
	const struct dw_index *ix;      /* where the units are; NULL: no windows */
	int info, types;                /* section numbers of .debug_info and .debug_types, or -1 */
	struct dw_obj *full;            /* the whole file, opened when a window cannot serve */
	struct dw_obj *win[DW_WINDOWS];
	uint64_t clock;
};

/*
 * libdwarf's errors become ours. dwarf_errmsg of a NULL error (failed
 * opens hand out none) is not safe, hence the guard; every error is freed.
 */
static struct iod_error *dwerr(struct dw_obj *o, Dwarf_Error e, const char *what)
{
	const char *msg = e ? dwarf_errmsg(e) : NULL;
	struct iod_error *err;

	/* The caller names the file. */
	err = iod_error_new(IOD_ERR_TYPE, "%s: %s", what, msg && *msg ? msg : "malformed DWARF");
	if (e)
		dwarf_dealloc_error(o->dbg, e);
	return err;
}

/* --- libdwarf reads our sections ---------------------------------------------- */

/*
 * Through the object interface libdwarf takes section bytes from the
 * image: mapped, decompressed and (for .debug_info of a relocatable file)
 * relocated unit by unit by us, so it never copies or relocates a section
 * itself. Relocation sections are hidden from it for that reason.
 */
static bool hidden(const struct dw_isec *s)
{
	return s->type == SHT_RELA || s->type == SHT_REL || s->type == SHT_NOBITS ||
	       s->type == SHT_GROUP;
}

static int obj_section_info(void *obj, Dwarf_Half idx, Dwarf_Obj_Access_Section *ret, int *error)
{
	struct dw_obj *o = obj;
	const struct dw_image *img = o->d->img;
	const struct dw_isec *s;

	if (idx >= img->n) {
		*error = DW_DLE_MDE;
		return DW_DLV_NO_ENTRY;
	}
	s = &img->s[idx];
	memset(ret, 0, sizeof(*ret));
	if (!idx || hidden(s)) {
		ret->name = "";
		ret->type = SHT_NULL;
		return DW_DLV_OK;
	}
	ret->addr = s->addr;
	ret->type = s->type;
	ret->size = s->size;
	if (o->window && idx == (o->is_info ? o->d->info : o->d->types))
		ret->size = o->hi - o->lo;
	ret->name = s->name;
	ret->link = s->link;
	ret->info = s->info;
	ret->entrysize = s->entsize;
	return DW_DLV_OK;
}

static Dwarf_Endianness obj_byte_order(void *obj)
{
	(void)obj;
	return DW_OBJECT_LSB;
}

static Dwarf_Small obj_length_size(void *obj)
{
	(void)obj;
	return 4;
}

static Dwarf_Small obj_pointer_size(void *obj)
{
	struct dw_obj *o = obj;

	return o->d->img->is64 ? 8 : 4;
}

static Dwarf_Unsigned obj_section_count(void *obj)
{
	struct dw_obj *o = obj;

	return o->d->img->n;
}

static int obj_load_section(void *obj, Dwarf_Half idx, Dwarf_Small **ret, int *error)
{
	struct dw_obj *o = obj;
	struct dw_image *img = o->d->img;
	struct dw_isec *s;
	struct iod_error *err;

	if (idx >= img->n || hidden(&img->s[idx])) {
		*error = DW_DLE_MDE;
		return DW_DLV_NO_ENTRY;
	}
	s = &img->s[idx];
	err = dw_image_load(img, idx);
	/*
	 * .debug_info is relocated by unit (prepare). Of the rest only what
	 * types are read through: libdwarf loads location and range lists for
	 * every unit DIE it reads, and relocating those costs more than the
	 * lookup they serve; their contents are never used here.
	 */
	if (!err && !s->relocated &&
	    (!strcmp(s->name, ".debug_str_offsets") || !strcmp(s->name, ".debug_types")))
		err = dw_image_relocate_range(img, idx, 0, UINT64_MAX);
	if (err) {
		iod_error_free(err);
		*error = DW_DLE_ELF_SECT_ERR;
		return DW_DLV_ERROR;
	}
	*ret = s->data;
	if (o->window && idx == (o->is_info ? o->d->info : o->d->types))
		*ret = s->data + o->lo;
	return DW_DLV_OK;
}

static const Dwarf_Obj_Access_Methods obj_methods = {
	.get_section_info = obj_section_info,
	.get_byte_order = obj_byte_order,
	.get_length_size = obj_length_size,
	.get_pointer_size = obj_pointer_size,
	.get_section_count = obj_section_count,
	.load_section = obj_load_section,
	.relocate_a_section = NULL,
};

static void obj_close(struct dw_obj *o)
{
	Dwarf_Error e = NULL;

	if (!o)
		return;
	if (o->dbg && dwarf_object_finish(o->dbg, &e) == DW_DLV_ERROR && e)
		dwarf_dealloc_error(NULL, e);
	free(o);
}

static struct iod_error *obj_open(struct dw_dbg *d, bool window, bool is_info, uint64_t lo,
				  uint64_t hi, struct dw_obj **ret)
{
	struct dw_obj *o = calloc(1, sizeof(*o));
	Dwarf_Error e = NULL;
	int res;

	if (!o)
		return &iod_error_nomem;
	o->d = d;
	o->window = window;
	o->is_info = is_info;
	o->lo = lo;
	o->hi = hi;
	o->iface.object = o;
	o->iface.methods = &obj_methods;
	res = dwarf_object_init_b(&o->iface, NULL, NULL, DW_GROUPNUMBER_ANY, &o->dbg, &e);
	if (res != DW_DLV_OK) {
		const char *msg = res == DW_DLV_ERROR && e ? dwarf_errmsg(e) : NULL;
		struct iod_error *err;

		/* The caller names the file. */
		if (res == DW_DLV_NO_ENTRY)
			err = iod_error_new(IOD_ERR_TYPE, "no DWARF debug info");
		else
			err = iod_error_new(IOD_ERR_TYPE, "cannot read DWARF: %s",
					    msg && *msg ? msg : "malformed file");
		if (e)
			dwarf_dealloc_error(NULL, e);
		free(o);
		return err;
	}
	*ret = o;
	return NULL;
}

struct iod_error *dw_dbg_open(struct dw_image *img, const struct dw_index *ix,
			      dw_prepare_fn prepare, void *ctx, struct dw_dbg **ret)
{
	struct dw_dbg *d = calloc(1, sizeof(*d));
	struct iod_error *err;

	if (!d)
		return &iod_error_nomem;
	d->img = img;
	d->path = img->path;
	d->prepare = prepare;
	d->prepare_ctx = ctx;
	d->ix = ix;
	d->info = dw_image_find(img, ".debug_info");
	d->types = dw_image_find(img, ".debug_types");
	/* The whole file once, so that a file libdwarf refuses is refused here. */
	err = obj_open(d, false, true, 0, 0, &d->full);
	if (err) {
		free(d);
		return err;
	}
	*ret = d;
	return NULL;
}

void dw_dbg_close(struct dw_dbg *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < DW_WINDOWS; i++)
		obj_close(d->win[i]);
	obj_close(d->full);
	free(d);
}

void dw_refs_release(struct dw_refs *r)
{
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

static bool refs_push(struct dw_refs *r, struct dw_ref ref)
{
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 16;
		struct dw_ref *v = realloc(r->v, ncap * sizeof(*v));

		if (!v)
			return false;
		r->v = v;
		r->cap = ncap;
	}
	r->v[r->n++] = ref;
	return true;
}

/* --- attribute values ------------------------------------------------------ */

static uint64_t sig_value(const Dwarf_Sig8 *s)
{
	uint64_t v;

	memcpy(&v, s->signature, sizeof(v));
	return v;
}

/* A ULEB128 in [p, end); false when it runs off the end or overflows. */
static bool uleb(const unsigned char **p, const unsigned char *end, uint64_t *ret)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (*p < end) {
		unsigned char b = *(*p)++;

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		else if (b & 0x7f)
			return false;
		shift += 7;
		if (!(b & 0x80)) {
			*ret = v;
			return true;
		}
	}
	return false;
}

/* DW_OP_plus_uconst N (DWARF 2/3 member locations) or DW_OP_constu N; anything else is not a constant. */
static bool loc_expr_const(const void *data, uint64_t len, uint64_t *ret)
{
	const unsigned char *p = data, *end = p + len;
	uint64_t v;

	if (!len || (p[0] != DW_OP_plus_uconst && p[0] != DW_OP_constu))
		return false;
	p++;
	if (!uleb(&p, end, &v) || p != end)
		return false;
	*ret = v;
	return true;
}

enum num_kind { NUM_NONE, NUM_UNSIGNED, NUM_SIGNED };

/*
 * A constant attribute by its form: data1..8, udata and implicit_const
 * are unsigned (formsdata would sign-extend data1: 200 -> -56), sdata is
 * signed. Other forms (expressions, references) are not constants.
 */
static struct iod_error *attr_num(struct dw_obj *o, Dwarf_Attribute a, Dwarf_Half form,
				  enum num_kind *kind, uint64_t *ret)
{
	Dwarf_Error e = NULL;
	Dwarf_Unsigned u;
	Dwarf_Signed s;

	switch (form) {
	case DW_FORM_data1:
	case DW_FORM_data2:
	case DW_FORM_data4:
	case DW_FORM_data8:
	case DW_FORM_udata:
		if (dwarf_formudata(a, &u, &e) != DW_DLV_OK)
			return dwerr(o, e, "reading a constant");
		*kind = NUM_UNSIGNED;
		*ret = u;
		return NULL;
	case DW_FORM_sdata:
	case DW_FORM_implicit_const:
		/* implicit_const is an SLEB128 in the abbreviation; formudata refuses it here. */
		if (dwarf_formsdata(a, &s, &e) != DW_DLV_OK)
			return dwerr(o, e, "reading a constant");
		*kind = NUM_SIGNED;
		*ret = (uint64_t)s;
		return NULL;
	default:
		*kind = NUM_NONE;
		return NULL;
	}
}

static struct iod_error *attr_flag(struct dw_obj *o, Dwarf_Attribute a, bool *ret)
{
	Dwarf_Error e = NULL;
	Dwarf_Bool b = 0;

	if (dwarf_formflag(a, &b, &e) != DW_DLV_OK)
		return dwerr(o, e, "reading a flag");
	*ret = b != 0;
	return NULL;
}

/* A reference: section offset plus section; ref_sig8 gives a signature instead. */
static struct iod_error *attr_ref(struct dw_obj *o, Dwarf_Attribute a, Dwarf_Half form,
				  struct dw_die *r, struct dw_ref *ref, bool *is_sig, uint64_t *sig)
{
	Dwarf_Error e = NULL;
	Dwarf_Off off;

	*is_sig = false;
	if (form == DW_FORM_ref_sig8) {
		Dwarf_Sig8 s;

		if (dwarf_formsig8(a, &s, &e) != DW_DLV_OK)
			return dwerr(o, e, "reading a type signature");
		*is_sig = true;
		*sig = sig_value(&s);
		return NULL;
	}
	switch (form) {
	case DW_FORM_ref1:
	case DW_FORM_ref2:
	case DW_FORM_ref4:
	case DW_FORM_ref8:
	case DW_FORM_ref_udata:
	case DW_FORM_ref_addr:
		break;
	default:
		return iod_error_new(IOD_ERR_TYPE,
				     "unsupported reference form 0x%x (dwz or split DWARF?)",
				     (unsigned)form);
	}
	if (o->window && form == DW_FORM_ref_addr) {
		/*
		 * An offset into the whole section, past a window's end: libdwarf
		 * 20210528 hands it back unchecked; a later one may refuse it. The
		 * caller reads the DIE again through the whole file.
		 */
		r->window_ref_addr = true;
		return NULL;
	}
	if (dwarf_global_formref(a, &off, &e) != DW_DLV_OK)
		return dwerr(o, e, "reading a reference");
	/* ref_addr always points into .debug_info; unit-local forms stay in the DIE's section. */
	ref->off = form == DW_FORM_ref_addr ? off : off + o->lo;
	ref->is_info = form == DW_FORM_ref_addr ? true : r->ref.is_info;
	return NULL;
}

static struct iod_error *read_attr(struct dw_obj *o, Dwarf_Attribute a, struct dw_die *r)
{
	Dwarf_Error e = NULL;
	Dwarf_Half at, form;
	enum num_kind kind;
	struct iod_error *err;
	uint64_t v;

	if (dwarf_whatattr(a, &at, &e) != DW_DLV_OK)
		return dwerr(o, e, "reading an attribute");
	if (dwarf_whatform(a, &form, &e) != DW_DLV_OK)
		return dwerr(o, e, "reading an attribute form");

	switch (at) {
	case DW_AT_name: {
		char *s = NULL;

		if (dwarf_formstring(a, &s, &e) != DW_DLV_OK)
			return dwerr(o, e, "reading a name");
		r->name = s;
		return NULL;
	}
	case DW_AT_declaration:
		return attr_flag(o, a, &r->declaration);
	case DW_AT_artificial:
		return attr_flag(o, a, &r->artificial);
	case DW_AT_enum_class:
		return attr_flag(o, a, &r->enum_class);
	case DW_AT_type:
		err = attr_ref(o, a, form, r, &r->type, &r->type_is_sig, &r->type_sig);
		if (!err)
			r->has_type = true;
		return err;
	case DW_AT_discr: {
		bool is_sig;
		uint64_t sig;

		err = attr_ref(o, a, form, r, &r->discr, &is_sig, &sig);
		if (!err && !is_sig)
			r->has_discr = true;
		return err;
	}
	case DW_AT_signature: {
		Dwarf_Sig8 s;

		if (form != DW_FORM_ref_sig8)
			return NULL;
		if (dwarf_formsig8(a, &s, &e) != DW_DLV_OK)
			return dwerr(o, e, "reading a type signature");
		r->has_signature = true;
		r->signature = sig_value(&s);
		return NULL;
	}
	case DW_AT_data_member_location:
		if (form == DW_FORM_block1 || form == DW_FORM_block2 || form == DW_FORM_block4 ||
		    form == DW_FORM_block) {
			/* DWARF 2/3: a block holding DW_OP_plus_uconst; formexprloc refuses blocks. */
			Dwarf_Block *b = NULL;

			if (dwarf_formblock(a, &b, &e) != DW_DLV_OK)
				return dwerr(o, e, "reading a member location");
			r->loc_kind = loc_expr_const(b->bl_data, b->bl_len, &r->loc) ? DW_LOC_CONST :
										     DW_LOC_OTHER;
			dwarf_dealloc(o->dbg, b, DW_DLA_BLOCK);
			return NULL;
		}
		if (form == DW_FORM_exprloc) {
			Dwarf_Unsigned len = 0;
			Dwarf_Ptr p = NULL;

			if (dwarf_formexprloc(a, &len, &p, &e) != DW_DLV_OK)
				return dwerr(o, e, "reading a member location");
			r->loc_kind = loc_expr_const(p, len, &r->loc) ? DW_LOC_CONST : DW_LOC_OTHER;
			return NULL;
		}
		err = attr_num(o, a, form, &kind, &v);
		if (err)
			return err;
		r->loc_kind = kind == NUM_NONE ? DW_LOC_OTHER : DW_LOC_CONST;
		r->loc = v;
		if (kind == NUM_SIGNED && (int64_t)v < 0)
			r->loc_kind = DW_LOC_OTHER;
		return NULL;
	default:
		break;
	}

	/* The rest are numbers. */
	err = attr_num(o, a, form, &kind, &v);
	if (err)
		return err;
	switch (at) {
	case DW_AT_byte_size:
		if (kind != NUM_NONE && !(kind == NUM_SIGNED && (int64_t)v < 0)) {
			r->has_byte_size = true;
			r->byte_size = v;
		}
		break;
	case DW_AT_bit_size:
		if (kind != NUM_NONE && !(kind == NUM_SIGNED && (int64_t)v < 0)) {
			r->has_bit_size = true;
			r->bit_size = v;
		}
		break;
	case DW_AT_data_bit_offset:
		if (kind != NUM_NONE && !(kind == NUM_SIGNED && (int64_t)v < 0)) {
			r->has_data_bit_offset = true;
			r->data_bit_offset = v;
		}
		break;
	case DW_AT_bit_offset:
		if (kind != NUM_NONE) {
			/*
			 * Negative in packed structs, and clang writes -23 as data8
			 * 0xff..e9: a width's top bit is a sign here, since a real
			 * offset is below 64.
			 */
			unsigned bits = form == DW_FORM_data1 ? 8 : form == DW_FORM_data2 ? 16 :
					form == DW_FORM_data4 ? 32 : 64;

			if (kind == NUM_UNSIGNED && bits < 64 && (v >> (bits - 1)) & 1)
				v |= ~UINT64_C(0) << bits;
			r->has_bit_offset = true;
			r->bit_offset = (int64_t)v;
		}
		break;
	case DW_AT_count:
		r->has_count = true;
		r->count_const = kind != NUM_NONE && !(kind == NUM_SIGNED && (int64_t)v < 0);
		r->count = v;
		break;
	case DW_AT_upper_bound:
		r->has_upper = true;
		r->upper_const = kind != NUM_NONE;
		r->upper = (int64_t)v;
		break;
	case DW_AT_lower_bound:
		if (kind != NUM_NONE) {
			r->has_lower = true;
			r->lower = (int64_t)v;
		}
		break;
	case DW_AT_const_value:
		if (kind != NUM_NONE) {
			r->has_const_value = true;
			r->const_sdata = kind == NUM_SIGNED;
			r->const_value = v;
		}
		break;
	case DW_AT_encoding:
		if (kind != NUM_NONE) {
			r->has_encoding = true;
			r->encoding = (unsigned)v;
		}
		break;
	case DW_AT_alignment:
		if (kind != NUM_NONE) {
			r->has_alignment = true;
			r->alignment = v;
		}
		break;
	case DW_AT_language:
		if (kind != NUM_NONE) {
			r->has_language = true;
			r->language = (unsigned)v;
		}
		break;
	default:
		break;
	}
	return NULL;
}

static struct iod_error *fill_die(struct dw_obj *o, Dwarf_Die die, struct dw_ref ref,
				  struct dw_die *r)
{
	Dwarf_Attribute *attrs = NULL;
	Dwarf_Signed n = 0;
	Dwarf_Error e = NULL;
	Dwarf_Half tag;
	Dwarf_Half kids = 0;
	struct iod_error *err = NULL;
	int res;

	memset(r, 0, sizeof(*r));
	r->ref = ref;
	if (dwarf_tag(die, &tag, &e) != DW_DLV_OK)
		return dwerr(o, e, "reading a tag");
	r->tag = tag;
	if (dwarf_die_abbrev_children_flag(die, &kids) == DW_DLV_OK)
		r->has_children = kids != 0;
	res = dwarf_attrlist(die, &attrs, &n, &e);
	if (res == DW_DLV_ERROR)
		return dwerr(o, e, "reading attributes");
	if (res == DW_DLV_NO_ENTRY)
		return NULL;
	for (Dwarf_Signed i = 0; i < n; i++) {
		if (!err)
			err = read_attr(o, attrs[i], r);
		dwarf_dealloc_attribute(attrs[i]);
	}
	dwarf_dealloc(o->dbg, attrs, DW_DLA_LIST);
	return err;
}

static struct iod_error *die_offset(struct dw_obj *o, Dwarf_Die die, uint64_t *ret)
{
	Dwarf_Error e = NULL;
	Dwarf_Off off;

	if (dwarf_dieoffset(die, &off, &e) != DW_DLV_OK)
		return dwerr(o, e, "reading a DIE offset");
	*ret = off + o->lo;
	return NULL;
}

/* The children of die into r, deallocating each DIE as it goes. */
static struct iod_error *collect_children(struct dw_obj *o, Dwarf_Die die, bool is_info,
					  struct dw_refs *r)
{
	Dwarf_Die child = NULL, next;
	Dwarf_Error e = NULL;
	struct iod_error *err = NULL;
	int res;

	res = dwarf_child(die, &child, &e);
	if (res == DW_DLV_ERROR)
		return dwerr(o, e, "reading children");
	while (res == DW_DLV_OK) {
		struct dw_ref ref = { 0, is_info };

		err = die_offset(o, child, &ref.off);
		if (!err && !refs_push(r, ref))
			err = &iod_error_nomem;
		if (err)
			break;
		next = NULL;
		res = dwarf_siblingof_b(o->dbg, child, is_info, &next, &e);
		dwarf_dealloc_die(child);
		child = next;
		if (res == DW_DLV_ERROR)
			return dwerr(o, e, "reading siblings");
	}
	if (res == DW_DLV_OK && child)
		dwarf_dealloc_die(child);
	return err;
}

/*
 * The handle to read ref with: the window on its unit (opened, or reused
 * from the last DW_WINDOWS), or the whole file when the index does not
 * place it.
 */
static struct iod_error *obj_for(struct dw_dbg *d, struct dw_ref ref, struct dw_obj **ret)
{
	const struct dw_ix_cu *cu = d->ix ? dw_index_cu_at(d->ix, ref) : NULL;
	size_t victim = 0;
	struct iod_error *err;

	if (!cu || (ref.is_info ? d->info : d->types) < 0) {
		*ret = d->full;
		return NULL;
	}
	for (size_t i = 0; i < DW_WINDOWS; i++) {
		struct dw_obj *o = d->win[i];

		if (o && o->is_info == ref.is_info && o->lo == cu->hdr_off) {
			o->used = ++d->clock;
			*ret = o;
			return NULL;
		}
		if (!o || (d->win[victim] && o->used < d->win[victim]->used))
			victim = i;
	}
	obj_close(d->win[victim]);
	d->win[victim] = NULL;
	err = obj_open(d, true, ref.is_info, cu->hdr_off, cu->end_off, &d->win[victim]);
	if (err)
		return err;
	d->win[victim]->used = ++d->clock;
	*ret = d->win[victim];
	return NULL;
}

static struct iod_error *read_with(struct dw_obj *o, struct dw_ref ref, struct dw_die *ret,
				   struct dw_refs *children)
{
	Dwarf_Die die = NULL;
	Dwarf_Error e = NULL;
	struct iod_error *err;
	int res;

	res = dwarf_offdie_b(o->dbg, ref.off - o->lo, ref.is_info, &die, &e);
	if (res == DW_DLV_ERROR)
		return dwerr(o, e, "reading a DIE");
	if (res == DW_DLV_NO_ENTRY)
		return iod_error_new(IOD_ERR_TYPE, "no DIE at offset 0x%llx",
				     (unsigned long long)ref.off);
	err = fill_die(o, die, ref, ret);
	if (!err && children && ret->has_children)
		err = collect_children(o, die, ref.is_info, children);
	dwarf_dealloc_die(die);
	/* The children read before a bad sibling are not the caller's to free. */
	if (err && children)
		dw_refs_release(children);
	return err;
}

struct iod_error *dw_die_read(struct dw_dbg *d, struct dw_ref ref, struct dw_die *ret,
			      struct dw_refs *children)
{
	struct dw_obj *o;
	struct iod_error *err;

	err = obj_for(d, ref, &o);
	if (!err && d->prepare)
		err = d->prepare(d->prepare_ctx, ref, o == d->full);
	if (err)
		return err;
	err = read_with(o, ref, ret, children);
	if (err || !ret->window_ref_addr)
		return err;
	/* A window cannot tell where a DW_FORM_ref_addr points: the whole file can. */
	if (children)
		dw_refs_release(children);
	if (d->prepare)
		err = d->prepare(d->prepare_ctx, ref, true);
	return err ? err : read_with(d->full, ref, ret, children);
}
