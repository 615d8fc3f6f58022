/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Typed access: what accesses a view's read or write makes (its plan), and
 * making them through the access path: one access of the scalar's width, one
 * of a bitfield's storage unit, the distinct leaves of an aggregate.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "iodbg/io.h"

int64_t iod_sext(uint64_t v, unsigned bits)
{
	if (bits == 0 || bits >= 64)
		return (int64_t)v;
	uint64_t sign = UINT64_C(1) << (bits - 1);

	v &= (sign << 1) - 1;
	return (int64_t)((v ^ sign) - sign);
}

bool iod_value_fits(const struct iod_type *t, unsigned bits, uint64_t value)
{
	int64_t s = (int64_t)value;

	if (bits >= 64)
		return true;
	if (iod_type_is_signed(t))
		return s >= -(INT64_C(1) << (bits - 1)) && s < (INT64_C(1) << (bits - 1));
	return s >= 0 && (uint64_t)s <= (UINT64_C(1) << bits) - 1;
}

static uint64_t mask(unsigned bits)
{
	return bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

/* The width of one access to a scalar view; an error when there is none. */
static struct iod_error *scalar_width(const struct iod_view *v, unsigned *ret)
{
	const struct iod_type *t = iod_type_strip(v->type);
	char name[256];

	if (v->bit_size) {
		*ret = v->unit_size;
		return NULL;
	}
	if (iod_type_is_scalar(t) && (t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8)) {
		*ret = (unsigned)t->size;
		return NULL;
	}
	/* the name is only worth making for the error */
	iod_type_name(v->type, name, sizeof(name));
	if (!iod_type_is_scalar(t))
		return iod_error_new(IOD_ERR_TYPE, "'%s' is not a scalar", name);
	return iod_error_new(IOD_ERR_WIDTH,
			     "'%s' is %" PRIu64 " bytes: no single access has that width",
			     name, t->size);
}

void iod_plan_release(struct iod_plan *p)
{
	free(p->entries);
	memset(p, 0, sizeof(*p));
}

static struct iod_error *plan_add(struct iod_plan *p, enum iod_access_op op, uint64_t off,
				  unsigned width, uint64_t count)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct iod_plan_entry *e = realloc(p->entries, cap * sizeof(*e));

		if (!e)
			return &iod_error_nomem;
		p->entries = e;
		p->cap = cap;
	}
	p->entries[p->n++] = (struct iod_plan_entry){ op, off, width, count };
	return NULL;
}

static struct iod_error *walk(struct iod_plan *p, const struct iod_view *v);

static struct iod_error *walk_members(struct iod_plan *p, const struct iod_view *v,
				      const struct iod_type *t)
{
	for (size_t i = 0; i < t->nmembers; i++) {
		const struct iod_member *m = &t->members[i];
		struct iod_view sub = *v;
		struct iod_error *err;

		sub.type = m->type;
		if (m->bit_size) {
			uint64_t unit_off, bit = (v->offset - v->root) * 8 + m->bit_offset;
			unsigned unit_size;
			const struct iod_type *mt = iod_type_strip(m->type);

			err = iod_bitfield_unit(bit, m->bit_size, mt ? mt->size : 0, &unit_off,
						&unit_size);
			if (err)
				return err;
			err = plan_add(p, IOD_ACC_READ, v->root + unit_off, unit_size, 1);
		} else {
			const struct iod_type *mt = iod_type_strip(m->type);

			/* A flexible array member has no elements inside the struct;
			   its elements are read through a view of the member itself. */
			if (mt && mt->kind == IOD_TYPE_ARRAY && mt->flexible)
				continue;
			sub.offset = v->offset + m->bit_offset / 8;
			err = walk(p, &sub);
		}
		if (err)
			return err;
	}
	return NULL;
}

static struct iod_error *walk(struct iod_plan *p, const struct iod_view *v)
{
	const struct iod_type *t = iod_type_strip(v->type);
	struct iod_error *err;
	unsigned width;

	if (v->bit_size || iod_type_is_scalar(t)) {
		err = scalar_width(v, &width);
		return err ? err : plan_add(p, IOD_ACC_READ, v->offset, width, 1);
	}
	if (!t || t->declaration || t->kind == IOD_TYPE_VOID) {
		char name[256];

		iod_type_name(v->type, name, sizeof(name));
		return iod_error_new(IOD_ERR_TYPE, "'%s' is an incomplete type", name);
	}
	if (t->kind == IOD_TYPE_STRUCT || t->kind == IOD_TYPE_UNION)
		return walk_members(p, v, t);
	/* an array */
	uint64_t n = iod_view_count(v);
	const struct iod_type *e = iod_type_strip(t->target);
	struct iod_view sub = *v;

	if (n == 0 || !e || e->size == 0)
		return NULL;
	sub.type = t->target;
	if (iod_type_is_scalar(e)) {
		err = scalar_width(&sub, &width);
		return err ? err : plan_add(p, IOD_ACC_READ, v->offset, width, n);
	}
	for (uint64_t i = 0; i < n; i++) {
		sub.offset = v->offset + i * e->size;
		err = walk(p, &sub);
		if (err)
			return err;
	}
	return NULL;
}

static int by_offset_width(const void *a, const void *b)
{
	const struct iod_plan_entry *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	if (x->width != y->width)
		return x->width < y->width ? -1 : 1;
	return (x->count > y->count) - (x->count < y->count);
}

static bool sorted(const struct iod_plan *p)
{
	for (size_t i = 1; i < p->n; i++)
		if (by_offset_width(&p->entries[i - 1], &p->entries[i]) > 0)
			return false;
	return true;
}

/* Runs of array elements stay runs unless they overlap something (unions),
   where the order of single accesses must interleave: then expand them. */
static struct iod_error *expand_overlapping_runs(struct iod_plan *p)
{
	struct iod_plan flat = { 0 };
	bool overlap = false;

	for (size_t i = 1; i < p->n && !overlap; i++) {
		const struct iod_plan_entry *a = &p->entries[i - 1], *b = &p->entries[i];

		overlap = (a->count > 1 || b->count > 1) && a->offset + a->width * a->count > b->offset;
	}
	if (!overlap)
		return NULL;
	for (size_t i = 0; i < p->n; i++) {
		for (uint64_t k = 0; k < p->entries[i].count; k++) {
			struct iod_error *err = plan_add(&flat, p->entries[i].op,
							 p->entries[i].offset + k * p->entries[i].width,
							 p->entries[i].width, 1);
			if (err) {
				iod_plan_release(&flat);
				return err;
			}
		}
	}
	iod_plan_release(p);
	*p = flat;
	qsort(p->entries, p->n, sizeof(*p->entries), by_offset_width);
	return NULL;
}

static void dedup(struct iod_plan *p)
{
	size_t out = 0;

	for (size_t i = 0; i < p->n; i++) {
		if (out && !by_offset_width(&p->entries[out - 1], &p->entries[i]))
			continue;
		p->entries[out++] = p->entries[i];
	}
	p->n = out;
}

struct iod_error *iod_plan_read(const struct iod_view *v, struct iod_plan *ret)
{
	struct iod_plan p = { 0 };
	struct iod_error *err = walk(&p, v);

	if (!err && !sorted(&p))
		qsort(p.entries, p.n, sizeof(*p.entries), by_offset_width);
	if (!err)
		err = expand_overlapping_runs(&p);
	if (err) {
		iod_plan_release(&p);
		return err;
	}
	dedup(&p);
	*ret = p;
	return NULL;
}

struct iod_error *iod_plan_write(const struct iod_view *v, bool compound, struct iod_plan *ret)
{
	struct iod_plan p = { 0 };
	struct iod_error *err;
	unsigned width;

	err = scalar_width(v, &width);
	if (!err && (compound || v->bit_size))
		err = plan_add(&p, IOD_ACC_READ, v->offset, width, 1);
	if (!err)
		err = plan_add(&p, IOD_ACC_WRITE, v->offset, width, 1);
	if (err) {
		iod_plan_release(&p);
		return err;
	}
	*ret = p;
	return NULL;
}

struct iod_error *iod_read_scalar(struct iod_io *io, const struct iod_view *v, uint64_t *ret)
{
	unsigned width;
	uint64_t raw;
	struct iod_error *err = scalar_width(v, &width);

	if (!err)
		err = iod_access_read(io, v->region, v->offset, width, &raw);
	if (err)
		return err;
	*ret = v->bit_size ? (raw >> v->bit_offset) & mask(v->bit_size) : raw;
	return NULL;
}

void iod_value_release(struct iod_value *val)
{
	free(val->bytes);
	val->bytes = NULL;
	val->size = 0;
}

struct iod_error *iod_read(struct iod_io *io, const struct iod_view *v, struct iod_value *ret)
{
	struct iod_plan plan;
	struct iod_value val = { .view = *v, .size = iod_view_size(v) };
	struct iod_error *err = iod_plan_read(v, &plan);

	if (err)
		return err;
	val.bytes = calloc(1, val.size ? val.size : 1);
	if (!val.bytes) {
		iod_plan_release(&plan);
		return &iod_error_nomem;
	}
	for (size_t i = 0; i < plan.n && !err; i++) {
		const struct iod_plan_entry *e = &plan.entries[i];

		for (uint64_t k = 0; k < e->count && !err; k++) {
			uint64_t off = e->offset + k * e->width, raw;

			err = iod_access_read(io, v->region, off, e->width, &raw);
			/* a bitfield unit may reach outside the view (packed
			   structs): keep the bytes that are inside */
			for (unsigned b = 0; !err && b < e->width; b++)
				if (off + b >= v->offset && off + b < v->offset + val.size)
					val.bytes[off + b - v->offset] = (uint8_t)(raw >> (8 * b));
		}
	}
	iod_plan_release(&plan);
	if (err) {
		iod_value_release(&val);
		return err;
	}
	*ret = val;
	return NULL;
}

struct iod_error *iod_value_get(const struct iod_value *val, const struct iod_view *sub,
				uint64_t *ret)
{
	unsigned width;
	uint64_t raw = 0;
	struct iod_error *err = scalar_width(sub, &width);

	if (err)
		return err;
	/* The bytes that must be inside the value: the scalar's, or for a
	   bitfield only those holding its bits (its unit may reach outside a
	   packed struct). */
	uint64_t first = sub->offset, last = sub->offset + width;

	if (sub->bit_size) {
		first = sub->offset + sub->bit_offset / 8;
		last = sub->offset + (sub->bit_offset + sub->bit_size + 7u) / 8;
	}
	if (sub->region != val->view.region || first < val->view.offset ||
	    last > val->view.offset + val->size)
		return iod_error_new(IOD_ERR_BOUNDS, "0x%" PRIx64 ": not inside the value read",
				     sub->offset);
	for (unsigned b = 0; b < width; b++) {
		uint64_t at = sub->offset + b;

		if (at >= val->view.offset && at < val->view.offset + val->size)
			raw |= (uint64_t)val->bytes[at - val->view.offset] << (8 * b);
	}
	*ret = sub->bit_size ? (raw >> sub->bit_offset) & mask(sub->bit_size) : raw;
	return NULL;
}

struct iod_error *iod_write_scalar(struct iod_io *io, const struct iod_view *v, uint64_t value)
{
	const struct iod_type *t = iod_type_strip(v->type);
	unsigned width, bits;
	uint64_t unit;
	struct iod_error *err = scalar_width(v, &width);
	char name[256];

	if (err)
		return err;
	iod_type_name(v->type, name, sizeof(name));
	if (t->kind == IOD_TYPE_BASE && t->enc == IOD_ENC_FLOAT)
		return iod_error_new(IOD_ERR_TYPE, "'%s' is floating point: only integers can be"
				     " written", name);
	bits = v->bit_size ? v->bit_size : width * 8;
	if (!iod_value_fits(v->type, bits, value)) {
		if (iod_type_is_signed(v->type))
			return iod_error_new(IOD_ERR_VALUE, "value %" PRId64 " does not fit in %u-bit"
					     " %s (range %" PRId64 "..%" PRId64 ")",
					     (int64_t)value, bits, name, -(int64_t)mask(bits - 1) - 1,
					     (int64_t)mask(bits - 1));
		return iod_error_new(IOD_ERR_VALUE, "value %" PRId64 " does not fit in %u-bit %s"
				     " (range 0..0x%" PRIx64 ")", (int64_t)value, bits, name,
				     mask(bits));
	}
	if (!v->bit_size)
		return iod_access_write(io, v->region, v->offset, width, value & mask(bits));
	err = iod_access_read(io, v->region, v->offset, width, &unit);
	if (err)
		return err;
	unit &= ~(mask(bits) << v->bit_offset);
	unit |= (value & mask(bits)) << v->bit_offset;
	return iod_access_write(io, v->region, v->offset, width, unit);
}
