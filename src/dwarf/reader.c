/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small DWARF 2-5 decoder over mapped sections: units, abbreviations, DIEs, and the index scan. */
#include <stdlib.h>
#include <string.h>

#include <libdwarf/dwarf.h>

#include "reader.h"

/*
 * libdwarf costs about a microsecond a DIE; the index of a kernel visits
 * millions. This decoder reads only what the index and the duplicate
 * check need, straight from the mapped bytes, with every read bounded by
 * its unit: malformed input is an error, never a read outside a section.
 */

struct rd_abbrevs {
	uint64_t off;
	unsigned key;                   /* the unit sizes the fixed sizes were computed for */
	struct rd_abbrev *v;            /* indexed by code */
	size_t n;
	struct rd_abbrev_attr *attrs;   /* storage of every entry's attributes */
};

#define AB_SLOTS_MIN 64
#define MAX_CODE (1u << 20)

struct rd {
	const struct dw_image *img;
	struct dw_secref info, types, abbrev, str, line_str, str_offsets;
	bool str_terminated, line_str_terminated;
	/* abbreviation tables by offset: open addressing */
	struct rd_abbrevs **ab;
	size_t ab_mask, ab_n;
	/* the last unit read, since DIEs come unit by unit */
	struct rd_unit last;
	bool have_last;
	uint64_t str_lo, str_hi;        /* .debug_str offsets read since rd_str_range */
};

/* --- bounded reading -------------------------------------------------------- */

struct cur {
	const unsigned char *p, *end;
	bool bad;
};

static inline bool need(struct cur *c, size_t n)
{
	if ((size_t)(c->end - c->p) < n) {
		c->bad = true;
		c->p = c->end;
		return false;
	}
	return true;
}

static inline uint64_t get_u(struct cur *c, unsigned n)
{
	uint64_t v = 0;

	if (!need(c, n))
		return 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)c->p[i] << (8 * i);
	c->p += n;
	return v;
}

static inline uint8_t get_u8(struct cur *c)
{
	if (!need(c, 1))
		return 0;
	return *c->p++;
}

static inline uint64_t get_uleb(struct cur *c)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (c->p < c->end) {
		uint8_t b = *c->p++;

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
	}
	c->bad = true;
	return 0;
}

static inline int64_t get_sleb(struct cur *c)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b = 0;

	while (c->p < c->end) {
		b = *c->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80)) {
			if (shift < 64 && (b & 0x40))
				v |= ~UINT64_C(0) << shift;
			return (int64_t)v;
		}
	}
	c->bad = true;
	return 0;
}

static inline void skip_leb(struct cur *c)
{
	while (c->p < c->end)
		if (!(*c->p++ & 0x80))
			return;
	c->bad = true;
}

static inline void skip(struct cur *c, uint64_t n)
{
	if ((uint64_t)(c->end - c->p) < n) {
		c->bad = true;
		c->p = c->end;
		return;
	}
	c->p += n;
}

static struct iod_error *corrupt(const struct rd *r, const char *what, uint64_t off)
{
	return iod_error_new(IOD_ERR_TYPE, "%s at offset 0x%llx of the DWARF (%s)", what,
			     (unsigned long long)off, r->img->path);
}

/* --- setup ------------------------------------------------------------------- */

static bool ends_in_nul(const struct dw_secref *s)
{
	return s->size && s->data[s->size - 1] == '\0';
}

struct iod_error *rd_new(const struct dw_image *img, struct rd **ret)
{
	struct rd *r = calloc(1, sizeof(*r));

	if (!r)
		return &iod_error_nomem;
	r->img = img;
	dw_image_section(img, ".debug_info", &r->info);
	dw_image_section(img, ".debug_types", &r->types);
	dw_image_section(img, ".debug_abbrev", &r->abbrev);
	dw_image_section(img, ".debug_str", &r->str);
	dw_image_section(img, ".debug_line_str", &r->line_str);
	dw_image_section(img, ".debug_str_offsets", &r->str_offsets);
	r->str_terminated = ends_in_nul(&r->str);
	r->str_lo = UINT64_MAX;
	r->line_str_terminated = ends_in_nul(&r->line_str);
	*ret = r;
	return NULL;
}

static void abbrevs_free(struct rd_abbrevs *a)
{
	if (!a)
		return;
	free(a->v);
	free(a->attrs);
	free(a);
}

void rd_free(struct rd *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->ab && i <= r->ab_mask; i++)
		abbrevs_free(r->ab[i]);
	free(r->ab);
	free(r);
}

void rd_str_range(struct rd *r, uint64_t *lo, uint64_t *hi)
{
	*lo = r->str_lo;
	*hi = r->str_hi;
	r->str_lo = UINT64_MAX;
	r->str_hi = 0;
}

/* --- abbreviations ------------------------------------------------------------ */

static int form_fixed_size(unsigned form, const struct rd_unit *u)
{
	switch (form) {
	case DW_FORM_flag_present:
	case DW_FORM_implicit_const:
		return 0;
	case DW_FORM_data1:
	case DW_FORM_ref1:
	case DW_FORM_flag:
	case DW_FORM_strx1:
	case DW_FORM_addrx1:
		return 1;
	case DW_FORM_data2:
	case DW_FORM_ref2:
	case DW_FORM_strx2:
	case DW_FORM_addrx2:
		return 2;
	case DW_FORM_strx3:
	case DW_FORM_addrx3:
		return 3;
	case DW_FORM_data4:
	case DW_FORM_ref4:
	case DW_FORM_strx4:
	case DW_FORM_addrx4:
	case DW_FORM_ref_sup4:
		return 4;
	case DW_FORM_data8:
	case DW_FORM_ref8:
	case DW_FORM_ref_sig8:
	case DW_FORM_ref_sup8:
		return 8;
	case DW_FORM_data16:
		return 16;
	case DW_FORM_addr:
		return u->addr_size;
	case DW_FORM_strp:
	case DW_FORM_line_strp:
	case DW_FORM_sec_offset:
	case DW_FORM_strp_sup:
	case DW_FORM_GNU_ref_alt:
	case DW_FORM_GNU_strp_alt:
		return u->offset_size;
	case DW_FORM_ref_addr:
		return u->version <= 2 ? u->addr_size : u->offset_size;
	default:
		return -1;
	}
}

/* Parses the abbreviation table at off; fixed sizes depend on the unit's sizes. */
static struct iod_error *parse_abbrevs(const struct rd *r, const struct rd_unit *u,
				       struct rd_abbrevs **ret)
{
	struct cur c;
	struct rd_abbrevs *a;
	size_t nattrs = 0, cap_attrs = 64, cap = AB_SLOTS_MIN;

	/* Checked before any pointer is formed: without .debug_abbrev, data is NULL. */
	if (u->abbrev_off >= r->abbrev.size)
		return corrupt(r, "abbreviation table outside .debug_abbrev", u->off);
	c = (struct cur){ r->abbrev.data + u->abbrev_off, r->abbrev.data + r->abbrev.size, false };
	a = calloc(1, sizeof(*a));
	if (!a)
		return &iod_error_nomem;
	a->off = u->abbrev_off;
	a->v = calloc(cap, sizeof(*a->v));
	a->attrs = malloc(cap_attrs * sizeof(*a->attrs));
	if (!a->v || !a->attrs)
		goto nomem;
	a->n = cap;
	for (;;) {
		uint64_t code = get_uleb(&c), tag;
		struct rd_abbrev *e;
		size_t first = nattrs;
		int32_t fixed = 0;

		if (c.bad)
			goto bad;
		if (!code)
			break;
		tag = get_uleb(&c);
		if (code >= MAX_CODE || !tag || tag > 0xffff) {
			abbrevs_free(a);
			return corrupt(r, "unusable abbreviation", u->abbrev_off);
		}
		if (code >= a->n) {
			size_t ncap = a->n;
			struct rd_abbrev *v;

			while (ncap <= code)
				ncap *= 2;
			v = realloc(a->v, ncap * sizeof(*v));
			if (!v)
				goto nomem;
			memset(v + a->n, 0, (ncap - a->n) * sizeof(*v));
			a->v = v;
			a->n = ncap;
		}
		e = &a->v[code];
		if (e->tag) {
			abbrevs_free(a);
			return corrupt(r, "duplicate abbreviation code", u->abbrev_off);
		}
		e->tag = (uint32_t)tag;
		e->children = get_u8(&c) != 0;
		for (;;) {
			uint64_t at = get_uleb(&c), form = get_uleb(&c);
			int64_t implicit = 0;
			int fs;

			if (c.bad)
				goto bad;
			if (!at && !form)
				break;
			if (form == DW_FORM_implicit_const)
				implicit = get_sleb(&c);
			if (at > 0xffff || form > 0xffff || nattrs - first >= RD_MAX_ATTRS) {
				abbrevs_free(a);
				return corrupt(r, "unusable abbreviation", u->abbrev_off);
			}
			if (nattrs == cap_attrs) {
				struct rd_abbrev_attr *na = realloc(a->attrs, 2 * cap_attrs * sizeof(*na));

				if (!na)
					goto nomem;
				a->attrs = na;
				cap_attrs *= 2;
			}
			a->attrs[nattrs++] = (struct rd_abbrev_attr){ (uint16_t)at, (uint16_t)form, implicit };
			fs = form_fixed_size((unsigned)form, u);
			fixed = fs < 0 || fixed < 0 ? -1 : fixed + fs;
		}
		e->nattrs = (uint16_t)(nattrs - first);
		e->fixed = fixed;
		/* Pointers are set once the attribute storage stops moving. */
		e->attrs = (struct rd_abbrev_attr *)(uintptr_t)first;
	}
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].tag)
			a->v[i].attrs = a->attrs + (uintptr_t)a->v[i].attrs;
	*ret = a;
	return NULL;
bad:
	abbrevs_free(a);
	return corrupt(r, "truncated abbreviation table", u->abbrev_off);
nomem:
	abbrevs_free(a);
	return &iod_error_nomem;
}

static size_t ab_hash(uint64_t off, unsigned key)
{
	off = (off ^ key) * UINT64_C(0x9e3779b97f4a7c15);
	return (size_t)(off >> 20);
}

/*
 * Tables are cached by offset and by the unit sizes that fixed sizes
 * depend on (a table shared by units of different address sizes is legal).
 */
static struct iod_error *abbrevs_for(struct rd *r, const struct rd_unit *u,
				     const struct rd_abbrevs **ret)
{
	unsigned key = u->addr_size | u->offset_size << 8 | (u->version <= 2) << 16;
	struct rd_abbrevs *a = NULL;
	struct iod_error *err;
	size_t i;

	if (r->ab) {
		for (i = ab_hash(u->abbrev_off, key) & r->ab_mask; r->ab[i]; i = (i + 1) & r->ab_mask) {
			a = r->ab[i];
			if (a->off == u->abbrev_off && a->key == key) {
				*ret = a;
				return NULL;
			}
		}
	}
	if (!r->ab || (r->ab_n + 1) * 2 > r->ab_mask + 1) {
		size_t ncap = r->ab ? (r->ab_mask + 1) * 2 : 256;
		struct rd_abbrevs **t = calloc(ncap, sizeof(*t));

		if (!t)
			return &iod_error_nomem;
		for (size_t j = 0; r->ab && j <= r->ab_mask; j++) {
			if (!r->ab[j])
				continue;
			for (i = ab_hash(r->ab[j]->off, r->ab[j]->key) & (ncap - 1); t[i]; i = (i + 1) & (ncap - 1))
				;
			t[i] = r->ab[j];
		}
		free(r->ab);
		r->ab = t;
		r->ab_mask = ncap - 1;
	}
	err = parse_abbrevs(r, u, &a);
	if (err)
		return err;
	a->key = key;
	for (i = ab_hash(a->off, key) & r->ab_mask; r->ab[i]; i = (i + 1) & r->ab_mask)
		;
	r->ab[i] = a;
	r->ab_n++;
	*ret = a;
	return NULL;
}

static void skip_form(const struct rd_unit *u, struct cur *c, unsigned form);

/* --- units --------------------------------------------------------------------- */

/* The unit header at off, without its abbreviations. */
static struct iod_error *unit_header(struct rd *r, bool is_info, uint64_t off, struct rd_unit *ret)
{
	const struct dw_secref *sec = is_info ? &r->info : &r->types;
	struct rd_unit u;
	struct cur c;
	uint64_t len;

	if (off >= sec->size)
		return corrupt(r, "unit header outside the section", off);
	memset(&u, 0, sizeof(u));
	u.off = off;
	u.is_info = is_info;
	c = (struct cur){ sec->data + off, sec->data + sec->size, false };
	len = get_u(&c, 4);
	u.offset_size = 4;
	if (len == 0xffffffff) {
		len = get_u(&c, 8);
		u.offset_size = 8;
	} else if (len >= 0xfffffff0) {
		return corrupt(r, "reserved unit length", off);
	}
	if (c.bad || len > (uint64_t)(c.end - c.p))
		return corrupt(r, "unit runs past the end of the section", off);
	u.end = (uint64_t)(c.p - sec->data) + len;
	c.end = sec->data + u.end;
	u.version = (uint16_t)get_u(&c, 2);
	if (u.version < 2 || u.version > 5)
		return corrupt(r, "unsupported DWARF version", off);
	if (u.version >= 5) {
		u.unit_type = get_u8(&c);
		u.addr_size = get_u8(&c);
		u.abbrev_off = get_u(&c, u.offset_size);
		switch (u.unit_type) {
		case DW_UT_type:
		case DW_UT_split_type:
			u.sig = get_u(&c, 8);
			u.type_off = get_u(&c, u.offset_size);
			break;
		case DW_UT_skeleton:
		case DW_UT_split_compile:
			skip(&c, 8);
			break;
		case DW_UT_compile:
		case DW_UT_partial:
			break;
		default:
			return corrupt(r, "unknown unit type", off);
		}
	} else {
		u.abbrev_off = get_u(&c, u.offset_size);
		u.addr_size = get_u8(&c);
		u.unit_type = DW_UT_compile;
		if (!is_info) {
			u.unit_type = DW_UT_type;
			u.sig = get_u(&c, 8);
			u.type_off = get_u(&c, u.offset_size);
		}
	}
	if (c.bad)
		return corrupt(r, "truncated unit header", off);
	if (u.addr_size != 4 && u.addr_size != 8 && u.addr_size != 2)
		return corrupt(r, "unsupported address size", off);
	if (u.unit_type == DW_UT_type || u.unit_type == DW_UT_split_type) {
		if (u.type_off >= u.end - off)
			return corrupt(r, "type unit's type outside the unit", off);
		u.type_off += off;
	}
	u.first_die = (uint64_t)(c.p - sec->data);
	*ret = u;
	return NULL;
}

struct iod_error *rd_unit(struct rd *r, bool is_info, uint64_t off, struct rd_unit *ret)
{
	const struct dw_secref *sec = is_info ? &r->info : &r->types;
	struct iod_error *err;
	struct rd_unit u;

	if (r->have_last && r->last.off == off && r->last.is_info == is_info) {
		*ret = r->last;
		return NULL;
	}
	err = unit_header(r, is_info, off, &u);
	if (!err)
		err = abbrevs_for(r, &u, &u.ab);
	if (err)
		return err;
	/*
	 * DWARF 5 strx needs the unit DIE's base (without one, the header's
	 * size). Only that attribute is read: the unit DIE's strings may not
	 * be relocated yet.
	 */
	u.str_offsets_base = u.offset_size == 8 ? 16 : 8;
	if (u.first_die < u.end) {
		struct cur dc = { sec->data + u.first_die, sec->data + u.end, false };
		uint64_t code = get_uleb(&dc);
		const struct rd_abbrev *ab;

		if (dc.bad || (code && (code >= u.ab->n || !u.ab->v[code].tag)))
			return corrupt(r, "unusable unit DIE", u.first_die);
		ab = code ? &u.ab->v[code] : NULL;
		for (unsigned i = 0; ab && i < ab->nattrs && !dc.bad; i++) {
			if (ab->attrs[i].at == DW_AT_str_offsets_base &&
			    ab->attrs[i].form == DW_FORM_sec_offset) {
				u.str_offsets_base = get_u(&dc, u.offset_size);
				break;
			}
			skip_form(&u, &dc, ab->attrs[i].form);
		}
		if (dc.bad)
			return corrupt(r, "unusable unit DIE", u.first_die);
	}
	r->last = u;
	r->have_last = true;
	*ret = u;
	return NULL;
}

/* --- DIEs ------------------------------------------------------------------------ */

static const char *str_at(const struct dw_secref *s, bool terminated, uint64_t off)
{
	if (off >= s->size)
		return NULL;
	if (!terminated && !memchr(s->data + off, '\0', s->size - off))
		return NULL;
	return (const char *)s->data + off;
}

static const char *strx(const struct rd *r, const struct rd_unit *u, uint64_t idx)
{
	uint64_t at = u->str_offsets_base + idx * u->offset_size, off;
	struct cur c;

	if (idx > r->str_offsets.size || at > r->str_offsets.size ||
	    u->offset_size > r->str_offsets.size - at)
		return NULL;
	c = (struct cur){ r->str_offsets.data + at, r->str_offsets.data + r->str_offsets.size, false };
	off = get_u(&c, u->offset_size);
	return str_at(&r->str, r->str_terminated, off);
}

/* Decodes one attribute value of form at c. */
static bool read_value(struct rd *r, const struct rd_unit *u, const unsigned char *base,
		       struct cur *c, unsigned form, int64_t implicit, struct rd_attr *a)
{
	uint64_t n;

	a->form = (uint16_t)form;
	a->kind = RV_OTHER;
	a->ref_is_info = false;
	a->u = 0;
	switch (form) {
	case DW_FORM_addr:
		a->u = get_u(c, u->addr_size);
		break;
	case DW_FORM_block1:
		n = get_u8(c);
		goto block;
	case DW_FORM_block2:
		n = get_u(c, 2);
		goto block;
	case DW_FORM_block4:
		n = get_u(c, 4);
		goto block;
	case DW_FORM_block:
	case DW_FORM_exprloc:
		n = get_uleb(c);
	block:
		a->kind = RV_BLOCK;
		a->block = c->p;
		a->len = n;
		skip(c, n);
		break;
	case DW_FORM_data16:
		a->kind = RV_BLOCK;
		a->block = c->p;
		a->len = 16;
		skip(c, 16);
		break;
	case DW_FORM_data1:
	case DW_FORM_data2:
	case DW_FORM_data4:
	case DW_FORM_data8:
		a->kind = RV_UNSIGNED;
		a->u = get_u(c, form == DW_FORM_data1 ? 1 : form == DW_FORM_data2 ? 2 :
			       form == DW_FORM_data4 ? 4 : 8);
		break;
	case DW_FORM_udata:
		a->kind = RV_UNSIGNED;
		a->u = get_uleb(c);
		break;
	case DW_FORM_sdata:
		a->kind = RV_SIGNED;
		a->u = (uint64_t)get_sleb(c);
		break;
	case DW_FORM_implicit_const:
		a->kind = RV_SIGNED;
		a->u = (uint64_t)implicit;
		break;
	case DW_FORM_flag:
		a->kind = RV_UNSIGNED;
		a->u = get_u8(c) != 0;
		break;
	case DW_FORM_flag_present:
		a->kind = RV_UNSIGNED;
		a->u = 1;
		break;
	case DW_FORM_string: {
		const unsigned char *z = memchr(c->p, '\0', (size_t)(c->end - c->p));

		if (!z) {
			c->bad = true;
			return false;
		}
		a->kind = RV_STRING;
		a->s = (const char *)c->p;
		c->p = z + 1;
		break;
	}
	case DW_FORM_strp:
	case DW_FORM_line_strp:
		n = get_u(c, u->offset_size);
		a->u = n;
		a->s = form == DW_FORM_strp ? str_at(&r->str, r->str_terminated, n) :
					      str_at(&r->line_str, r->line_str_terminated, n);
		if (form == DW_FORM_strp && a->s) {
			/* What the scan read of .debug_str, to give back afterwards. */
			r->str_lo = n < r->str_lo ? n : r->str_lo;
			r->str_hi = n + 1 > r->str_hi ? n + 1 : r->str_hi;
		}
		if (!a->s && !c->bad) {
			c->bad = true;
			return false;
		}
		a->kind = RV_STRING;
		break;
	case DW_FORM_strx:
	case DW_FORM_GNU_str_index:
		n = get_uleb(c);
		goto strx;
	case DW_FORM_strx1:
	case DW_FORM_strx2:
	case DW_FORM_strx3:
	case DW_FORM_strx4:
		n = get_u(c, form == DW_FORM_strx1 ? 1 : form == DW_FORM_strx2 ? 2 :
			     form == DW_FORM_strx3 ? 3 : 4);
	strx:
		a->s = strx(r, u, n);
		if (!a->s && !c->bad) {
			c->bad = true;
			return false;
		}
		a->kind = RV_STRING;
		break;
	case DW_FORM_ref1:
	case DW_FORM_ref2:
	case DW_FORM_ref4:
	case DW_FORM_ref8:
		n = get_u(c, form == DW_FORM_ref1 ? 1 : form == DW_FORM_ref2 ? 2 :
			     form == DW_FORM_ref4 ? 4 : 8);
		goto ref;
	case DW_FORM_ref_udata:
		n = get_uleb(c);
	ref:
		a->kind = RV_REF;
		a->u = u->off + n;
		a->ref_is_info = u->is_info;
		break;
	case DW_FORM_ref_addr:
		a->kind = RV_REF;
		a->u = get_u(c, u->version <= 2 ? u->addr_size : u->offset_size);
		a->ref_is_info = true;
		break;
	case DW_FORM_ref_sig8:
		a->kind = RV_SIG8;
		a->u = get_u(c, 8);
		break;
	case DW_FORM_sec_offset:
	case DW_FORM_strp_sup:
	case DW_FORM_GNU_ref_alt:
	case DW_FORM_GNU_strp_alt:
		a->u = get_u(c, u->offset_size);
		break;
	case DW_FORM_ref_sup4:
		a->u = get_u(c, 4);
		break;
	case DW_FORM_ref_sup8:
		a->u = get_u(c, 8);
		break;
	case DW_FORM_addrx:
	case DW_FORM_loclistx:
	case DW_FORM_rnglistx:
	case DW_FORM_GNU_addr_index:
		a->u = get_uleb(c);
		break;
	case DW_FORM_addrx1:
	case DW_FORM_addrx2:
	case DW_FORM_addrx3:
	case DW_FORM_addrx4:
		a->u = get_u(c, form == DW_FORM_addrx1 ? 1 : form == DW_FORM_addrx2 ? 2 :
			       form == DW_FORM_addrx3 ? 3 : 4);
		break;
	default:
		c->bad = true;
		return false;
	}
	(void)base;
	return !c->bad;
}

static const struct dw_secref *unit_sec(const struct rd *r, const struct rd_unit *u)
{
	return u->is_info ? &r->info : &r->types;
}

struct iod_error *rd_die(struct rd *r, const struct rd_unit *u, uint64_t off, struct rd_die *d)
{
	const struct dw_secref *sec = unit_sec(r, u);
	struct cur c;
	const struct rd_abbrev *ab;
	uint64_t code;

	if (off < u->first_die || off >= u->end)
		return corrupt(r, "DIE outside its unit", off);
	c = (struct cur){ sec->data + off, sec->data + u->end, false };
	d->off = off;
	d->nattrs = 0;
	code = get_uleb(&c);
	if (c.bad)
		return corrupt(r, "truncated DIE", off);
	if (!code) {
		d->tag = 0;
		d->children = false;
		d->next = (uint64_t)(c.p - sec->data);
		return NULL;
	}
	if (code >= u->ab->n || !u->ab->v[code].tag)
		return corrupt(r, "unknown abbreviation code", off);
	ab = &u->ab->v[code];
	d->tag = ab->tag;
	d->children = ab->children;
	for (unsigned i = 0; i < ab->nattrs; i++) {
		struct rd_attr *a = &d->attrs[d->nattrs];
		unsigned form = ab->attrs[i].form;

		while (form == DW_FORM_indirect && !c.bad)
			form = (unsigned)get_uleb(&c);
		a->at = ab->attrs[i].at;
		if (!read_value(r, u, sec->data, &c, form, ab->attrs[i].implicit, a))
			return corrupt(r, "malformed attribute", off);
		d->nattrs++;
	}
	d->next = (uint64_t)(c.p - sec->data);
	return NULL;
}

const struct rd_attr *rd_attr(const struct rd_die *d, unsigned at)
{
	for (unsigned i = 0; i < d->nattrs; i++)
		if (d->attrs[i].at == at)
			return &d->attrs[i];
	return NULL;
}

/* Skips one attribute value of form at c. */
static void skip_form(const struct rd_unit *u, struct cur *c, unsigned form)
{
	int fs;

	while (form == DW_FORM_indirect && !c->bad)
		form = (unsigned)get_uleb(c);
	fs = form_fixed_size(form, u);
	if (fs >= 0) {
		skip(c, (uint64_t)fs);
		return;
	}
	switch (form) {
	case DW_FORM_block1:
		skip(c, get_u8(c));
		break;
	case DW_FORM_block2:
		skip(c, get_u(c, 2));
		break;
	case DW_FORM_block4:
		skip(c, get_u(c, 4));
		break;
	case DW_FORM_block:
	case DW_FORM_exprloc:
		skip(c, get_uleb(c));
		break;
	case DW_FORM_string: {
		const unsigned char *z = memchr(c->p, '\0', (size_t)(c->end - c->p));

		if (!z)
			c->bad = true;
		else
			c->p = z + 1;
		break;
	}
	case DW_FORM_udata:
	case DW_FORM_sdata:
	case DW_FORM_ref_udata:
	case DW_FORM_strx:
	case DW_FORM_addrx:
	case DW_FORM_loclistx:
	case DW_FORM_rnglistx:
	case DW_FORM_GNU_addr_index:
	case DW_FORM_GNU_str_index:
		skip_leb(c);
		break;
	default:
		c->bad = true;
		break;
	}
}

/* Skips one DIE's attributes without decoding their values. */
static bool skip_attrs(const struct rd_unit *u, struct cur *c, const struct rd_abbrev *ab)
{
	if (ab->fixed >= 0) {
		skip(c, (uint64_t)ab->fixed);
		return !c->bad;
	}
	for (unsigned i = 0; i < ab->nattrs && !c->bad; i++)
		skip_form(u, c, ab->attrs[i].form);
	return !c->bad;
}

/* From the first child at pos, the offset just past the null entry that ends the children. */
static struct iod_error *skip_children(struct rd *r, const struct rd_unit *u, uint64_t pos,
				       uint64_t *ret)
{
	const struct dw_secref *sec = unit_sec(r, u);
	struct cur c = { sec->data + pos, sec->data + u->end, false };
	size_t depth = 1;

	while (depth) {
		const unsigned char *at = c.p;
		uint64_t code = get_uleb(&c);
		const struct rd_abbrev *ab;

		if (c.bad)
			return corrupt(r, "children run past the end of the unit", pos);
		if (!code) {
			depth--;
			continue;
		}
		if (code >= u->ab->n || !u->ab->v[code].tag)
			return corrupt(r, "unknown abbreviation code", (uint64_t)(at - sec->data));
		ab = &u->ab->v[code];
		if (!skip_attrs(u, &c, ab))
			return corrupt(r, "malformed attribute", (uint64_t)(at - sec->data));
		if (ab->children)
			depth++;
	}
	*ret = (uint64_t)(c.p - sec->data);
	return NULL;
}

struct iod_error *rd_next(struct rd *r, const struct rd_unit *u, uint64_t off, uint32_t *tag,
			  uint64_t *next)
{
	const struct dw_secref *sec = unit_sec(r, u);
	struct cur c;
	const struct rd_abbrev *ab;
	uint64_t code, sibling = 0, after;

	if (off < u->first_die || off >= u->end)
		return corrupt(r, "DIE outside its unit", off);
	c = (struct cur){ sec->data + off, sec->data + u->end, false };
	code = get_uleb(&c);
	if (c.bad)
		return corrupt(r, "truncated DIE", off);
	if (!code) {
		*tag = 0;
		*next = (uint64_t)(c.p - sec->data);
		return NULL;
	}
	if (code >= u->ab->n || !u->ab->v[code].tag)
		return corrupt(r, "unknown abbreviation code", off);
	ab = &u->ab->v[code];
	*tag = ab->tag;
	if (!ab->children) {
		if (!skip_attrs(u, &c, ab))
			return corrupt(r, "malformed attribute", off);
		*next = (uint64_t)(c.p - sec->data);
		return NULL;
	}
	/* With children: DW_AT_sibling, when there is one, saves walking them. */
	for (unsigned i = 0; i < ab->nattrs && !c.bad; i++) {
		if (ab->attrs[i].at == DW_AT_sibling) {
			struct rd_attr a;

			if (!read_value(r, u, sec->data, &c, ab->attrs[i].form, 0, &a))
				break;
			if (a.kind == RV_REF && a.ref_is_info == u->is_info)
				sibling = a.u;
		} else {
			skip_form(u, &c, ab->attrs[i].form);
		}
	}
	if (c.bad)
		return corrupt(r, "malformed attribute", off);
	after = (uint64_t)(c.p - sec->data);
	if (sibling > off && sibling <= u->end) {
		*next = sibling;
		return NULL;
	}
	return skip_children(r, u, after, next);
}

struct iod_error *rd_unit_die_end(struct rd *r, bool is_info, uint64_t off, uint64_t *ret)
{
	const struct dw_secref *sec = is_info ? &r->info : &r->types;
	struct cur c, a;
	struct rd_unit u;
	struct iod_error *err;
	uint64_t code;

	/* Only the unit DIE's own abbreviation is read: libdwarf parses tables itself. */
	err = unit_header(r, is_info, off, &u);
	if (err)
		return err;
	if (u.first_die >= u.end) {
		*ret = u.end;
		return NULL;
	}
	c = (struct cur){ sec->data + u.first_die, sec->data + u.end, false };
	code = get_uleb(&c);
	if (c.bad)
		return corrupt(r, "truncated unit DIE", u.first_die);
	if (!code || u.abbrev_off >= r->abbrev.size) {
		*ret = (uint64_t)(c.p - sec->data);
		return NULL;
	}
	a = (struct cur){ r->abbrev.data + u.abbrev_off, r->abbrev.data + r->abbrev.size, false };
	for (;;) {
		uint64_t acode = get_uleb(&a);

		if (a.bad || !acode)
			return corrupt(r, "unit DIE without an abbreviation", u.first_die);
		get_uleb(&a);
		get_u8(&a);
		for (;;) {
			uint64_t at = get_uleb(&a), form = get_uleb(&a);

			if (a.bad)
				return corrupt(r, "truncated abbreviation table", u.abbrev_off);
			if (!at && !form)
				break;
			if (form == DW_FORM_implicit_const)
				get_sleb(&a);
			if (acode == code)
				skip_form(&u, &c, (unsigned)form);
		}
		if (acode == code)
			break;
	}
	if (c.bad)
		return corrupt(r, "malformed unit DIE", u.first_die);
	*ret = (uint64_t)(c.p - sec->data);
	return NULL;
}

/* --- the index scan ------------------------------------------------------------------ */

static unsigned index_tag(uint32_t tag)
{
	switch (tag) {
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
		return DW_IX_STRUCT;
	case DW_TAG_union_type:
		return DW_IX_UNION;
	case DW_TAG_enumeration_type:
		return DW_IX_ENUM;
	case DW_TAG_typedef:
		return DW_IX_TYPEDEF;
	case DW_TAG_base_type:
		return DW_IX_BASE;
	default:
		return 0;
	}
}

struct scan {
	struct rd *r;
	const struct rd_unit *u;
	struct dw_ixb *b;
	uint32_t cu;
	unsigned base_flags;
	char *path;
	size_t len, cap;
	struct dw_ixb_enumerator *enums;  /* the enum being read */
	size_t nenums, enums_cap;
};

static bool path_put(struct scan *s, const char *str, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t ncap = s->cap ? s->cap : 256;
		char *p;

		while (ncap < s->len + n + 1)
			ncap *= 2;
		p = realloc(s->path, ncap);
		if (!p)
			return false;
		s->path = p;
		s->cap = ncap;
	}
	memcpy(s->path + s->len, str, n);
	s->len += n;
	s->path[s->len] = '\0';
	return true;
}

/*
 * The children of an enum from pos: its enumerators' names and values, into
 * s->enums. *ret is just past the null entry that ends them.
 */
static struct iod_error *read_enumerators(struct scan *s, uint64_t pos, uint64_t *ret)
{
	struct rd *r = s->r;
	const struct rd_unit *u = s->u;
	const struct dw_secref *sec = unit_sec(r, u);
	struct iod_error *err;

	s->nenums = 0;
	for (;;) {
		struct cur c = { sec->data + pos, sec->data + u->end, false };
		const struct rd_abbrev *ab;
		uint64_t code = get_uleb(&c), value = 0;
		const char *name = NULL;
		bool has_value = false, is_signed = false;

		if (c.bad)
			return corrupt(r, "enumerators run past the end of the unit", pos);
		if (!code) {
			*ret = (uint64_t)(c.p - sec->data);
			return NULL;
		}
		if (code >= u->ab->n || !u->ab->v[code].tag)
			return corrupt(r, "unknown abbreviation code", pos);
		ab = &u->ab->v[code];
		if (ab->tag != DW_TAG_enumerator) {
			if (!skip_attrs(u, &c, ab))
				return corrupt(r, "malformed attribute", pos);
		} else {
			for (unsigned i = 0; i < ab->nattrs; i++) {
				unsigned at = ab->attrs[i].at, form = ab->attrs[i].form;
				struct rd_attr a;

				while (form == DW_FORM_indirect && !c.bad)
					form = (unsigned)get_uleb(&c);
				if (at != DW_AT_name && at != DW_AT_const_value) {
					skip_form(u, &c, form);
					if (c.bad)
						return corrupt(r, "malformed attribute", pos);
					continue;
				}
				if (!read_value(r, u, sec->data, &c, form, ab->attrs[i].implicit, &a))
					return corrupt(r, "malformed attribute", pos);
				if (at == DW_AT_name && a.kind == RV_STRING) {
					name = a.s;
				} else if (at == DW_AT_const_value &&
					   (a.kind == RV_UNSIGNED || a.kind == RV_SIGNED)) {
					value = a.u;
					is_signed = a.kind == RV_SIGNED;
					has_value = true;
				}
			}
		}
		pos = (uint64_t)(c.p - sec->data);
		/* What the materialiser would not turn into an enumerator is not filed either. */
		if (name && *name && has_value) {
			if (s->nenums == s->enums_cap) {
				size_t ncap = s->enums_cap ? s->enums_cap * 2 : 64;
				struct dw_ixb_enumerator *v = realloc(s->enums, ncap * sizeof(*v));

				if (!v)
					return &iod_error_nomem;
				s->enums = v;
				s->enums_cap = ncap;
			}
			s->enums[s->nenums++] = (struct dw_ixb_enumerator){
				.name = name,
				.value = value,
				.is_signed = is_signed,
			};
		}
		if (ab->children) {
			err = skip_children(r, u, pos, &pos);
			if (err)
				return err;
		}
	}
}

/*
 * The children of one DIE starting at pos: named types are filed, namespaces
 * descended into, enums' enumerators read, everything else jumped over (by
 * DW_AT_sibling when there is one). Only the attributes the index needs are
 * decoded.
 */
static struct iod_error *scan_children(struct scan *s, uint64_t pos, int depth, uint64_t *ret)
{
	struct rd *r = s->r;
	const struct rd_unit *u = s->u;
	const struct dw_secref *sec = unit_sec(r, u);
	struct iod_error *err;

	if (depth > 64)
		return corrupt(r, "namespaces nested too deeply", pos);
	for (;;) {
		struct cur c = { sec->data + pos, sec->data + u->end, false };
		const struct rd_abbrev *ab;
		uint64_t code = get_uleb(&c), sibling = 0, off = pos;
		const char *name = NULL;
		bool decl = false, sig = false, want;
		uint32_t name_id = UINT32_MAX;
		unsigned itag;

		if (c.bad)
			return corrupt(r, "children run past the end of the unit", pos);
		if (!code) {
			*ret = (uint64_t)(c.p - sec->data);
			return NULL;
		}
		if (code >= u->ab->n || !u->ab->v[code].tag)
			return corrupt(r, "unknown abbreviation code", pos);
		ab = &u->ab->v[code];
		itag = index_tag(ab->tag);
		want = itag || ab->tag == DW_TAG_namespace;
		if (!want && !ab->children) {
			/* Fast path: nothing to learn here but where it ends. */
			if (!skip_attrs(u, &c, ab))
				return corrupt(r, "malformed attribute", pos);
		} else {
			for (unsigned i = 0; i < ab->nattrs; i++) {
				unsigned at = ab->attrs[i].at, form = ab->attrs[i].form;
				struct rd_attr a;

				while (form == DW_FORM_indirect && !c.bad)
					form = (unsigned)get_uleb(&c);
				if (at != DW_AT_name && at != DW_AT_sibling && at != DW_AT_declaration &&
				    at != DW_AT_signature) {
					skip_form(u, &c, form);
					if (c.bad)
						return corrupt(r, "malformed attribute", pos);
					continue;
				}
				memset(&a, 0, sizeof(a));
				if (!read_value(r, u, sec->data, &c, form, ab->attrs[i].implicit, &a))
					return corrupt(r, "malformed attribute", pos);
				if (at == DW_AT_name && a.kind == RV_STRING)
					name = a.s;
				else if (at == DW_AT_sibling && a.kind == RV_REF)
					sibling = a.u;
				else if (at == DW_AT_declaration)
					decl = a.u != 0;
				else if (at == DW_AT_signature)
					sig = a.kind == RV_SIG8;
			}
		}
		pos = (uint64_t)(c.p - sec->data);
		if (itag && name && *name) {
			size_t keep = s->len;
			unsigned flags = s->base_flags | (decl ? DW_IX_F_DECL : 0) |
					 (decl && sig ? DW_IX_F_SIG : 0);

			if (!path_put(s, name, strlen(name)))
				return &iod_error_nomem;
			err = dw_ixb_add_entry(s->b, s->cu, off, itag, flags, s->path, s->len,
					       &name_id);
			s->len = keep;
			s->path[keep] = '\0';
			if (err)
				return err;
		}
		if (!ab->children)
			continue;
		if (itag == DW_IX_ENUM && !decl && !sig) {
			/* Named or not: an enumerator finds its enum without materialising. */
			bool jump = sibling > off && sibling <= u->end;
			uint64_t end = pos;

			err = read_enumerators(s, pos, &end);
			if (!err) {
				err = dw_ixb_add_enum(s->b, s->cu, off, s->base_flags,
						      name && *name ? name_id : UINT32_MAX, s->enums,
						      s->nenums);
			} else if (jump && err != &iod_error_nomem) {
				/* Broken enumerators cost their names, not the index, when the enum's end is known. */
				iod_error_free(err);
				err = NULL;
			}
			if (err)
				return err;
			pos = jump ? sibling : end;
		} else if (ab->tag == DW_TAG_namespace) {
			size_t keep = s->len;
			const char *ns = name && *name ? name : "{anon}";

			if (!path_put(s, ns, strlen(ns)) || !path_put(s, "::", 2))
				return &iod_error_nomem;
			err = scan_children(s, pos, depth + 1, &pos);
			s->len = keep;
			s->path[keep] = '\0';
			if (err)
				return err;
		} else if (sibling > off && sibling <= u->end) {
			pos = sibling;
		} else {
			err = skip_children(r, u, pos, &pos);
			if (err)
				return err;
		}
	}
}

static const char *unit_name(const char *name, char *buf, size_t size)
{
	const char *at, *base;
	size_t n;

	if (!name)
		return NULL;
	/* rustc names units "src/lib.rs/@/crate.hash-cgu.0": the source file is the useful part. */
	at = strstr(name, "/@/");
	n = at ? (size_t)(at - name) : strlen(name);
	for (base = name + n; base > name && base[-1] != '/'; base--)
		;
	n -= (size_t)(base - name);
	if (n >= size)
		n = size - 1;
	memcpy(buf, base, n);
	buf[n] = '\0';
	return buf;
}

struct iod_error *rd_scan_unit(struct rd *r, const struct rd_unit *u, struct dw_ixb *b)
{
	struct scan s = { .r = r, .u = u, .b = b };
	struct rd_die *d;
	struct iod_error *err;
	const struct rd_attr *a;
	struct dw_ix_cu cu;
	char buf[256];
	const char *name = NULL;
	uint64_t end;

	if (u->first_die >= u->end)
		return NULL;
	d = malloc(sizeof(*d));
	if (!d)
		return &iod_error_nomem;
	err = rd_die(r, u, u->first_die, d);
	if (err)
		goto out;
	memset(&cu, 0, sizeof(cu));
	cu.hdr_off = u->off;
	cu.end_off = u->end;
	cu.is_info = u->is_info;
	cu.addr_size = u->addr_size;
	cu.is_type_unit = u->unit_type == DW_UT_type || u->unit_type == DW_UT_split_type;
	cu.sig = u->sig;
	cu.type_off = u->type_off;
	a = rd_attr(d, DW_AT_language);
	cu.lang = a && (a->kind == RV_UNSIGNED || a->kind == RV_SIGNED) && a->u == DW_LANG_Rust ?
			  DW_IX_LANG_RUST : DW_IX_LANG_C;
	a = rd_attr(d, DW_AT_name);
	if (a && a->kind == RV_STRING)
		name = unit_name(a->s, buf, sizeof(buf));
	err = dw_ixb_add_cu(b, &cu, name, &s.cu);
	if (err || !d->children)
		goto out;
	s.base_flags = (u->is_info ? 0 : DW_IX_F_TYPES) | (cu.lang == DW_IX_LANG_RUST ? DW_IX_F_RUST : 0);
	err = scan_children(&s, d->next, 0, &end);
out:
	free(s.path);
	free(s.enums);
	free(d);
	return err;
}
