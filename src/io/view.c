/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Views and projection: pure arithmetic on (region, offset, type), checked at every step. */
#include <inttypes.h>

#include "iodbg/io.h"

static uint64_t type_size(const struct iod_type *t)
{
	t = iod_type_strip(t);
	return t ? t->size : 0;
}

static struct iod_error *type_error(const char *what, const struct iod_type *t)
{
	char name[256];

	iod_type_name(t, name, sizeof(name));
	return iod_error_new(IOD_ERR_TYPE, "'%s' %s", name, what);
}

struct iod_error *iod_view_init(struct iod_region *r, uint64_t offset,
				const struct iod_type *t, struct iod_view *ret)
{
	const struct iod_type *s = iod_type_strip(t);
	uint64_t size;
	char name[256];

	if (!s || s->kind == IOD_TYPE_VOID || s->declaration)
		return type_error("is an incomplete type: its layout is unknown", t);
	size = s->size;
	if (offset > r->size || size > r->size - offset) {
		iod_type_name(t, name, sizeof(name));
		return iod_error_new(IOD_ERR_BOUNDS,
				     "%s (%" PRIu64 " bytes) does not fit in %s at 0x%" PRIx64
				     ": the region is %" PRIu64 " bytes",
				     name, size, r->name, offset, r->size);
	}
	*ret = (struct iod_view){ .region = r, .offset = offset, .type = t, .root = offset };
	return NULL;
}

uint64_t iod_view_count(const struct iod_view *v)
{
	const struct iod_type *t = iod_type_strip(v->type);
	uint64_t esize;

	if (!t || t->kind != IOD_TYPE_ARRAY || v->bit_size)
		return 0;
	if (!t->flexible)
		return t->count;
	esize = type_size(t->target);
	if (!esize || v->offset >= v->region->size)
		return 0;
	return (v->region->size - v->offset) / esize;
}

uint64_t iod_view_size(const struct iod_view *v)
{
	const struct iod_type *t = iod_type_strip(v->type);

	if (v->bit_size)
		return v->unit_size;
	if (t && t->kind == IOD_TYPE_ARRAY && t->flexible)
		return iod_view_count(v) * type_size(t->target);
	return t ? t->size : 0;
}

struct iod_error *iod_bitfield_unit(uint64_t bit_pos, unsigned bit_size, uint64_t type_size,
				    uint64_t *unit_off, unsigned *unit_size)
{
	uint64_t end = bit_pos + bit_size;   /* one past the last bit */
	unsigned w;

	/* The declared type's block, aligned from the start of the outermost type. */
	if (type_size == 1 || type_size == 2 || type_size == 4 || type_size == 8) {
		uint64_t start = bit_pos / (8 * type_size) * type_size;

		if (end <= (start + type_size) * 8) {
			*unit_off = start;
			*unit_size = (unsigned)type_size;
			return NULL;
		}
	}
	/* Packed: the smallest aligned block that holds it whole... */
	for (w = 1; w <= 8; w <<= 1) {
		uint64_t start = bit_pos / (8 * w) * w;

		if (end <= (start + w) * 8) {
			*unit_off = start;
			*unit_size = w;
			return NULL;
		}
	}
	/* ...else the smallest unaligned one from the byte of its first bit. */
	for (w = 1; w <= 8; w <<= 1) {
		if (end <= (bit_pos / 8 + w) * 8) {
			*unit_off = bit_pos / 8;
			*unit_size = w;
			return NULL;
		}
	}
	return iod_error_new(IOD_ERR_TYPE, "a %u-bit bitfield at bit %" PRIu64
			     " spans more than 8 bytes and cannot be accessed with one access",
			     bit_size, bit_pos);
}

struct iod_error *iod_view_field(const struct iod_view *v, const char *name,
				 struct iod_view *ret)
{
	const struct iod_type *t = iod_type_strip(v->type);
	const struct iod_member *m;
	uint64_t bit, unit_off;
	unsigned unit_size;
	struct iod_error *err;
	struct iod_view out;

	if (v->bit_size || !t || (t->kind != IOD_TYPE_STRUCT && t->kind != IOD_TYPE_UNION))
		return type_error("has no fields", v->type);
	err = iod_type_find_member(t, name, &m, &bit);
	if (err)
		return err;
	out = *v;
	out.type = m->type;
	if (!m->bit_size) {
		out.offset = v->offset + bit / 8;
		if (out.offset + type_size(m->type) > v->region->size)
			return iod_error_new(IOD_ERR_BOUNDS, "field '%s' at 0x%" PRIx64
					     " is past the end of %s (%" PRIu64 " bytes)",
					     name, out.offset, v->region->name, v->region->size);
		*ret = out;
		return NULL;
	}
	bit += (v->offset - v->root) * 8;
	err = iod_bitfield_unit(bit, m->bit_size, type_size(m->type), &unit_off, &unit_size);
	if (err)
		return iod_error_prefix(err, "field '%s'", name);
	if (unit_off + unit_size > v->region->size - v->root)
		return iod_error_new(IOD_ERR_BOUNDS,
				     "the %u-byte storage unit of '%s' at 0x%" PRIx64
				     " is past the end of %s (%" PRIu64 " bytes)",
				     unit_size, name, v->root + unit_off, v->region->name,
				     v->region->size);
	out.offset = v->root + unit_off;
	out.bit_offset = (uint8_t)(bit - unit_off * 8);
	out.bit_size = (uint8_t)m->bit_size;
	out.unit_size = (uint8_t)unit_size;
	*ret = out;
	return NULL;
}

static struct iod_error *need_array(const struct iod_view *v, const struct iod_type **ret)
{
	const struct iod_type *t = iod_type_strip(v->type);

	if (v->bit_size || !t || t->kind != IOD_TYPE_ARRAY)
		return type_error("is not an array", v->type);
	*ret = t;
	return NULL;
}

struct iod_error *iod_view_index(const struct iod_view *v, int64_t i, struct iod_view *ret)
{
	const struct iod_type *t;
	struct iod_error *err = need_array(v, &t);
	uint64_t n;

	if (err)
		return err;
	n = iod_view_count(v);
	if (i < 0 || (uint64_t)i >= n)
		return iod_error_new(IOD_ERR_BOUNDS, "index %" PRId64 " out of range 0..%" PRIu64,
				     i, n);
	*ret = *v;
	ret->type = t->target;
	ret->offset = v->offset + (uint64_t)i * type_size(t->target);
	return NULL;
}

struct iod_error *iod_view_slice(struct iod_typedb *db, const struct iod_view *v,
				 int64_t a, int64_t b, struct iod_view *ret)
{
	const struct iod_type *t, *sliced;
	struct iod_error *err = need_array(v, &t);
	uint64_t n;

	if (err)
		return err;
	n = iod_view_count(v);
	if (a < 0 || b < a || (uint64_t)b > n)
		return iod_error_new(IOD_ERR_BOUNDS,
				     "slice %" PRId64 "..%" PRId64 " out of range 0..%" PRIu64,
				     a, b, n);
	err = iod_typedb_array_of(db, t->target, (uint64_t)(b - a), false, &sliced);
	if (err)
		return err;
	*ret = *v;
	ret->type = sliced;
	ret->offset = v->offset + (uint64_t)a * type_size(t->target);
	return NULL;
}
