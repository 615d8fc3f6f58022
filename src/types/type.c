/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure helpers over the type model: type strings (spec §8), alignment, members, layouts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iodbg/types.h"

const struct iod_type *iod_type_strip_cv(const struct iod_type *t)
{
	while (t && t->kind == IOD_TYPE_QUAL)
		t = t->target;
	return t;
}

const struct iod_type *iod_type_strip(const struct iod_type *t)
{
	while (t && (t->kind == IOD_TYPE_QUAL || t->kind == IOD_TYPE_TYPEDEF))
		t = t->target;
	return t;
}

bool iod_type_is_scalar(const struct iod_type *t)
{
	t = iod_type_strip(t);
	return t && (t->kind == IOD_TYPE_BASE || t->kind == IOD_TYPE_ENUM ||
		     t->kind == IOD_TYPE_POINTER);
}

bool iod_type_is_signed(const struct iod_type *t)
{
	t = iod_type_strip(t);
	return t && (t->kind == IOD_TYPE_BASE || t->kind == IOD_TYPE_ENUM) && t->is_signed;
}

bool iod_type_is_aggregate(const struct iod_type *t)
{
	t = iod_type_strip(t);
	return t && (t->kind == IOD_TYPE_STRUCT || t->kind == IOD_TYPE_UNION ||
		     t->kind == IOD_TYPE_ARRAY);
}

const char *iod_type_keyword(const struct iod_type *t)
{
	/* Rust type strings are bare paths (spec §8), so Rust types have no keyword. */
	if (!t || t->lang == IOD_LANG_RUST)
		return "";
	switch (t->kind) {
	case IOD_TYPE_STRUCT:
		return "struct";
	case IOD_TYPE_UNION:
		return "union";
	case IOD_TYPE_ENUM:
		return "enum";
	default:
		return "";
	}
}

/* The size a member or element of type t occupies: typedefs and quals have no size of their own. */
static uint64_t type_size(const struct iod_type *t)
{
	t = iod_type_strip(t);
	return t ? t->size : 0;
}

/* --- type strings ------------------------------------------------------- */

/* snprintf-like accumulation: counts what it would write even when truncating. */
struct sb {
	char *buf;
	size_t size;
	size_t len;
	char last;
};

static void sb_put(struct sb *sb, const char *s)
{
	size_t n = strlen(s);

	if (!n)
		return;
	if (sb->len + 1 < sb->size) {
		size_t room = sb->size - 1 - sb->len;

		memcpy(sb->buf + sb->len, s, n < room ? n : room);
	}
	sb->len += n;
	sb->last = s[n - 1];
}

/*
 * A declarator layer is a pointer or array written around the name (C's
 * "u32 (*)[4]"). Named ones (Rust's "&u32", "[u8; 4]") are written by name.
 */
static bool is_layer(const struct iod_type *t)
{
	if (!t || t->name)
		return false;
	if (t->kind == IOD_TYPE_QUAL) {
		t = iod_type_strip_cv(t);
		if (!t || t->name)
			return false;
	}
	return t->kind == IOD_TYPE_POINTER || t->kind == IOD_TYPE_ARRAY;
}

static void put_quals(struct sb *sb, unsigned quals)
{
	if (quals & IOD_Q_CONST)
		sb_put(sb, "const ");
	if (quals & IOD_Q_VOLATILE)
		sb_put(sb, "volatile ");
}

static void put_base(struct sb *sb, const struct iod_type *t, unsigned quals)
{
	while (t && t->kind == IOD_TYPE_QUAL && !t->name) {
		quals |= t->quals;
		t = t->target;
	}
	put_quals(sb, quals);
	if (!t) {
		sb_put(sb, "void");
		return;
	}
	switch (t->kind) {
	case IOD_TYPE_STRUCT:
	case IOD_TYPE_UNION:
	case IOD_TYPE_ENUM: {
		const char *kw = t->kind == IOD_TYPE_STRUCT ? "struct" :
				 t->kind == IOD_TYPE_UNION ? "union" : "enum";

		if (!t->name) {
			sb_put(sb, kw);
			sb_put(sb, " {...}");
			return;
		}
		if (t->lang != IOD_LANG_RUST) {
			sb_put(sb, kw);
			sb_put(sb, " ");
		}
		sb_put(sb, t->name);
		return;
	}
	case IOD_TYPE_VOID:
		sb_put(sb, t->name ? t->name : "void");
		return;
	default:
		sb_put(sb, t->name ? t->name : "?");
		return;
	}
}

/*
 * C declarator order: the base, then the prefixes ("*", "(") from the layer
 * nearest the base out to t, then the suffixes (")", "[N]") from t back in.
 * parent_ptr says the layer nearer the name is a pointer, so an array here
 * needs parentheses. Quals on an array belong to its elements, as in C.
 */
static void put_left(struct sb *sb, const struct iod_type *t, bool parent_ptr, unsigned quals)
{
	unsigned q = 0;

	if (!is_layer(t)) {
		put_base(sb, t, quals);
		return;
	}
	while (t->kind == IOD_TYPE_QUAL) {
		q |= t->quals;
		t = t->target;
	}
	if (t->kind == IOD_TYPE_POINTER) {
		put_left(sb, t->target, true, 0);
		if (sb->last != '*' && sb->last != '(')
			sb_put(sb, " ");
		sb_put(sb, "*");
		if (q & IOD_Q_CONST)
			sb_put(sb, " const");
		if (q & IOD_Q_VOLATILE)
			sb_put(sb, " volatile");
		return;
	}
	put_left(sb, t->target, false, quals | q);
	if (parent_ptr)
		sb_put(sb, sb->last == '(' || sb->last == '*' ? "(" : " (");
}

static void put_right(struct sb *sb, const struct iod_type *t, bool parent_ptr)
{
	char num[32];

	if (!is_layer(t))
		return;
	t = iod_type_strip_cv(t);
	if (t->kind == IOD_TYPE_POINTER) {
		put_right(sb, t->target, true);
		return;
	}
	if (parent_ptr)
		sb_put(sb, ")");
	if (t->flexible) {
		sb_put(sb, "[]");
	} else {
		snprintf(num, sizeof(num), "[%llu]", (unsigned long long)t->count);
		sb_put(sb, num);
	}
	put_right(sb, t->target, false);
}

size_t iod_type_name(const struct iod_type *t, char *buf, size_t size)
{
	struct sb sb = { .buf = buf, .size = size };

	put_left(&sb, t, false, 0);
	put_right(&sb, t, false);
	if (size)
		buf[sb.len < size ? sb.len : size - 1] = '\0';
	return sb.len;
}

/* For messages only: a long name is cut, which is fine there. */
static const char *name_for_msg(const struct iod_type *t, char *buf, size_t size)
{
	iod_type_name(t, buf, size);
	return buf;
}

/* --- alignment ---------------------------------------------------------- */

/* A scalar aligns to its size; for odd sizes, the largest power of two dividing it. */
static uint32_t natural_align(uint64_t size)
{
	uint64_t a = size & -size;

	if (!a)
		return 1;
	return a > (1u << 30) ? 1u << 30 : (uint32_t)a;
}

static uint32_t aggregate_align(const struct iod_type *t)
{
	uint32_t a = 1;

	if (t->declaration)
		return 1;
	for (size_t i = 0; i < t->nmembers; i++) {
		const struct iod_member *m = &t->members[i];
		uint32_t ma = iod_type_align(m->type);

		if (m->bit_size) {
			/* A bitfield that crosses a block of its type's size only exists when packed. */
			uint64_t unit = type_size(m->type) * 8;

			if (unit && m->bit_offset / unit != (m->bit_offset + m->bit_size - 1) / unit)
				return 1;
		} else if (m->bit_offset % 8 || (m->bit_offset / 8) % ma) {
			return 1;
		}
		if (ma > a)
			a = ma;
	}
	if (t->size % a)
		return 1;
	return a;
}

uint32_t iod_type_align(const struct iod_type *t)
{
	if (!t)
		return 1;
	if (t->align)
		return t->align;
	switch (t->kind) {
	case IOD_TYPE_TYPEDEF:
	case IOD_TYPE_QUAL:
	case IOD_TYPE_ARRAY:
		return iod_type_align(t->target);
	case IOD_TYPE_BASE:
	case IOD_TYPE_ENUM:
	case IOD_TYPE_POINTER:
		return natural_align(t->size);
	case IOD_TYPE_STRUCT:
	case IOD_TYPE_UNION:
		return aggregate_align(t);
	default:
		return 1;
	}
}

/* --- enums -------------------------------------------------------------- */

/* Enumerator values are sign-extended 64-bit patterns; compare them in the enum's width. */
static uint64_t enum_mask(const struct iod_type *t)
{
	if (t->size >= 1 && t->size < 8)
		return (UINT64_C(1) << (t->size * 8)) - 1;
	return UINT64_MAX;
}

bool iod_type_enum_is_flags(const struct iod_type *t)
{
	uint64_t seen = 0, mask;

	t = iod_type_strip(t);
	if (!t || t->kind != IOD_TYPE_ENUM || t->nenumerators < 2)
		return false;
	mask = enum_mask(t);
	for (size_t i = 0; i < t->nenumerators; i++) {
		uint64_t v = t->enumerators[i].value & mask;

		if (!v)
			continue;
		if ((v & (v - 1)) || (seen & v))
			return false;
		seen |= v;
	}
	return true;
}

const struct iod_enumerator *iod_type_enum_find_value(const struct iod_type *t, uint64_t v)
{
	uint64_t mask;

	t = iod_type_strip(t);
	if (!t || t->kind != IOD_TYPE_ENUM)
		return NULL;
	mask = enum_mask(t);
	for (size_t i = 0; i < t->nenumerators; i++)
		if ((t->enumerators[i].value & mask) == (v & mask))
			return &t->enumerators[i];
	return NULL;
}

int64_t iod_type_enum_value(const struct iod_type *t, uint64_t bits)
{
	uint64_t mask;

	t = iod_type_strip(t);
	if (!t)
		return (int64_t)bits;
	mask = enum_mask(t);
	bits &= mask;
	if (t->is_signed && mask != UINT64_MAX && (bits & ~(mask >> 1)))
		bits |= ~mask;
	return (int64_t)bits;
}

/* --- members ------------------------------------------------------------ */

static bool search_member(const struct iod_type *t, const char *name, uint64_t base,
			  const struct iod_member **member, uint64_t *bit_offset)
{
	for (size_t i = 0; i < t->nmembers; i++) {
		const struct iod_member *m = &t->members[i];
		const struct iod_type *mt;

		if (m->name) {
			if (strcmp(m->name, name))
				continue;
			*member = m;
			*bit_offset = base + m->bit_offset;
			return true;
		}
		/* C11 anonymous struct/union: its fields are fields of the parent. */
		mt = iod_type_strip(m->type);
		if (mt && (mt->kind == IOD_TYPE_STRUCT || mt->kind == IOD_TYPE_UNION) &&
		    search_member(mt, name, base + m->bit_offset, member, bit_offset))
			return true;
	}
	return false;
}

struct iod_error *iod_type_find_member(const struct iod_type *t, const char *name,
				       const struct iod_member **member, uint64_t *bit_offset)
{
	const struct iod_type *s = iod_type_strip(t);
	const struct iod_member *m;
	uint64_t off;
	char tn[256];

	if (!s || (s->kind != IOD_TYPE_STRUCT && s->kind != IOD_TYPE_UNION))
		return iod_error_new(IOD_ERR_TYPE, "'%s' has no fields",
				     name_for_msg(t, tn, sizeof(tn)));
	if (s->declaration)
		return iod_error_new(IOD_ERR_TYPE, "'%s' is an incomplete type",
				     name_for_msg(t, tn, sizeof(tn)));
	if (!name || !search_member(s, name, 0, &m, &off))
		return iod_error_new(IOD_ERR_LOOKUP, "no field '%s' in %s", name ? name : "",
				     name_for_msg(t, tn, sizeof(tn)));
	if (member)
		*member = m;
	if (bit_offset)
		*bit_offset = off;
	return NULL;
}

/* --- layout equality ---------------------------------------------------- */

/* Two type strings are equal. A name too long for the stack is compared on the heap. */
static bool same_name(const struct iod_type *a, const struct iod_type *b)
{
	char ba[256], bb[256];
	size_t na = iod_type_name(a, ba, sizeof(ba));
	size_t nb = iod_type_name(b, bb, sizeof(bb));
	char *ha, *hb;
	bool same;

	if (na != nb)
		return false;
	if (na < sizeof(ba))
		return !strcmp(ba, bb);
	ha = malloc(na + 1);
	hb = malloc(nb + 1);
	/* Without memory, "different" is the safe answer: it only costs a NAME#k. */
	same = ha && hb;
	if (same) {
		iod_type_name(a, ha, na + 1);
		iod_type_name(b, hb, nb + 1);
		same = !strcmp(ha, hb);
	}
	free(ha);
	free(hb);
	return same;
}

/*
 * Types that read the same name can still lay out differently when they are
 * embedded by value: every anonymous aggregate is "struct {...}", and a named
 * one may have several layouts (struct IP_BASE#0/#1). Pointers are read as
 * integers, so what they point to does not matter.
 */
static bool same_embedded(const struct iod_type *a, const struct iod_type *b)
{
	for (;;) {
		if (a == b)
			return true;
		if (!a || !b || a->kind != b->kind)
			return false;
		switch (a->kind) {
		case IOD_TYPE_QUAL:
		case IOD_TYPE_TYPEDEF:
		case IOD_TYPE_ARRAY:
			if (a->kind == IOD_TYPE_ARRAY &&
			    (a->count != b->count || a->flexible != b->flexible))
				return false;
			a = a->target;
			b = b->target;
			continue;
		case IOD_TYPE_POINTER:
			return a->size == b->size;
		default:
			/* A declaration has no layout to disagree with (a typedef of an opaque struct). */
			if (a->declaration || b->declaration)
				return true;
			return iod_type_same_layout(a, b);
		}
	}
}

static bool same_member_type(const struct iod_type *a, const struct iod_type *b)
{
	if (a == b)
		return true;
	return same_name(a, b) && same_embedded(a, b);
}

static bool same_str(const char *a, const char *b)
{
	if (a == b)
		return true;
	return a && b && !strcmp(a, b);
}

bool iod_type_same_layout(const struct iod_type *a, const struct iod_type *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->kind != b->kind || a->size != b->size || a->align != b->align ||
	    a->declaration != b->declaration)
		return false;
	switch (a->kind) {
	case IOD_TYPE_BASE:
		return a->enc == b->enc && a->is_signed == b->is_signed;
	case IOD_TYPE_ENUM:
		if (a->is_signed != b->is_signed || a->nenumerators != b->nenumerators)
			return false;
		for (size_t i = 0; i < a->nenumerators; i++)
			if (a->enumerators[i].value != b->enumerators[i].value ||
			    !same_str(a->enumerators[i].name, b->enumerators[i].name))
				return false;
		return true;
	case IOD_TYPE_STRUCT:
	case IOD_TYPE_UNION:
		if (a->nmembers != b->nmembers)
			return false;
		for (size_t i = 0; i < a->nmembers; i++) {
			const struct iod_member *ma = &a->members[i], *mb = &b->members[i];

			if (ma->bit_offset != mb->bit_offset || ma->bit_size != mb->bit_size ||
			    !same_str(ma->name, mb->name) || !same_member_type(ma->type, mb->type))
				return false;
		}
		return true;
	case IOD_TYPE_TYPEDEF:
	case IOD_TYPE_QUAL:
	case IOD_TYPE_ARRAY:
		if (a->quals != b->quals || a->count != b->count || a->flexible != b->flexible)
			return false;
		return same_member_type(a->target, b->target);
	case IOD_TYPE_POINTER:
		return same_name(a->target, b->target);
	case IOD_TYPE_VOID:
		return true;
	}
	return false;
}
