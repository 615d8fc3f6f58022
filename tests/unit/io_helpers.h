/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the I/O core's unit tests: an access recorder, files, and a type set. */
#ifndef IODBG_TEST_IO_HELPERS_H
#define IODBG_TEST_IO_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iodbg/io.h"

/* Every access the trace hook and the dry-run hook saw, as text lines. */
struct recorder {
	size_t n, would;
	char lines[64][96];
	char wouldlines[16][96];
};

static inline void rec_trace(void *ctx, const struct iod_access *a)
{
	struct recorder *r = ctx;

	if (r->n < 64)
		iod_access_format(a, true, r->lines[r->n], sizeof(r->lines[0]));
	r->n++;
}

static inline void rec_would(void *ctx, const struct iod_access *a)
{
	struct recorder *r = ctx;

	if (r->would < 16)
		iod_access_format(a, true, r->wouldlines[r->would], sizeof(r->wouldlines[0]));
	r->would++;
}

static inline struct iod_io rec_io(struct recorder *r)
{
	memset(r, 0, sizeof(*r));
	return (struct iod_io){ .trace = rec_trace, .would = rec_would, .ctx = r };
}

/* Asserts that err is set, of that kind, with exactly that message; frees it. */
#define assert_error(err, k, msg)                                              \
	do {                                                                   \
		struct iod_error *e_ = (err);                                  \
		assert_non_null(e_);                                           \
		assert_string_equal(e_->message, (msg));                       \
		assert_int_equal(e_->kind, (k));                               \
		iod_error_free(e_);                                            \
	} while (0)

#define assert_ok(err)                                                         \
	do {                                                                   \
		struct iod_error *e_ = (err);                                  \
		if (e_)                                                        \
			fail_msg("unexpected error: %s", e_->message);         \
	} while (0)

/* A memfd of size bytes filled with the byte pattern i*7+1. */
static inline int pattern_memfd(size_t size)
{
	int fd = memfd_create("iodbg-test", MFD_CLOEXEC);
	uint8_t *buf = malloc(size);

	assert_true(fd >= 0);
	assert_non_null(buf);
	for (size_t i = 0; i < size; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(pwrite(fd, buf, size, 0), (ssize_t)size);
	free(buf);
	return fd;
}

static inline const struct iod_type *lookup(struct iod_typedb *db, const char *name)
{
	const struct iod_type *t = NULL;

	assert_ok(iod_typedb_lookup(db, name, &t));
	return t;
}

/*
 * The layouts the tests use, compiled by the real compiler. The iod types are
 * built from offsetof/sizeof and from bit positions found by setting each
 * bitfield to all ones, so nothing about the layout is typed in by hand.
 */
struct t_msgq {
	uint32_t head;
	uint32_t tail;
	char name[4];
	_Bool ok;
	uint32_t data[2];
};

struct t_status {
	union {
		uint32_t raw;
		struct {
			uint32_t seq : 8;
			uint32_t state : 4;
			int32_t err : 4;
			uint32_t flags : 16;
		};
	};
};

struct t_bits {
	uint8_t a : 3;
	uint8_t b : 5;
	uint16_t c : 7;
	uint16_t d : 9;
	uint32_t e : 5;
	int32_t f : 6;
	uint64_t g : 40;
	uint64_t h : 24;
	int16_t s : 6;
	int64_t w : 33;
};

struct t_gsp {
	uint32_t magic;
	struct t_msgq cmdq[8];
	struct t_status status;
	uint64_t big;
	uint8_t ring[];
};

struct types {
	struct iod_typedb *db;
	const struct iod_type *u8, *u16, *u32, *u64, *s16, *s32, *s64, *chr, *bool_;
	const struct iod_type *msgq, *status, *bits, *gsp;
};

/* First set bit and number of set bits of a zeroed object where one
   bitfield was set to all ones. */
static inline void bit_range(const void *obj, size_t size, uint64_t *first, uint32_t *n)
{
	const uint8_t *p = obj;
	bool seen = false;

	*first = 0;
	*n = 0;
	for (size_t i = 0; i < size * 8; i++) {
		if (p[i / 8] >> (i % 8) & 1) {
			if (!seen)
				*first = i;
			seen = true;
			(*n)++;
		}
	}
}

#define ADD_FIELD(t, T, field, type)                                          \
	assert_ok(iod_type_add_member(types->db, t, #field, type,             \
				      offsetof(T, field) * 8, 0))

#define ADD_BITS(t, T, field, type)                                           \
	do {                                                                  \
		T o_;                                                         \
		volatile int64_t ones_ = -1;                                  \
		uint64_t first_;                                              \
		uint32_t n_;                                                  \
		memset(&o_, 0, sizeof(o_));                                   \
		o_.field = ones_;                                             \
		bit_range(&o_, sizeof(o_), &first_, &n_);                     \
		assert_ok(iod_type_add_member(types->db, t, #field, type,     \
					      first_, n_));                   \
	} while (0)

static inline struct iod_type *new_type(struct types *types, enum iod_type_kind kind,
					const char *name, uint64_t size)
{
	struct iod_type *t = NULL;

	assert_ok(iod_type_create(types->db, kind, name, &t));
	t->size = size;
	return t;
}

static inline const struct iod_type *array_of(struct types *types, const struct iod_type *e,
					      uint64_t n, bool flexible)
{
	const struct iod_type *t = NULL;

	assert_ok(iod_typedb_array_of(types->db, e, n, flexible, &t));
	return t;
}

static inline const struct iod_type *publish(struct types *types, struct iod_type *t)
{
	const struct iod_type *ret = NULL;

	assert_ok(iod_typedb_add(types->db, t, &ret));
	return ret;
}

static inline void build_types(struct types *types)
{
	struct iod_type *t, *anon_s, *anon_u;

	assert_ok(iod_typedb_new(&types->db));
	types->u8 = lookup(types->db, "u8");
	types->u16 = lookup(types->db, "u16");
	types->u32 = lookup(types->db, "u32");
	types->u64 = lookup(types->db, "u64");
	types->s16 = lookup(types->db, "s16");
	types->s32 = lookup(types->db, "s32");
	types->s64 = lookup(types->db, "s64");
	types->chr = lookup(types->db, "char");
	types->bool_ = lookup(types->db, "bool");

	t = new_type(types, IOD_TYPE_STRUCT, "msgq", sizeof(struct t_msgq));
	ADD_FIELD(t, struct t_msgq, head, types->u32);
	ADD_FIELD(t, struct t_msgq, tail, types->u32);
	ADD_FIELD(t, struct t_msgq, name, array_of(types, types->chr, 4, false));
	ADD_FIELD(t, struct t_msgq, ok, types->bool_);
	ADD_FIELD(t, struct t_msgq, data, array_of(types, types->u32, 2, false));
	types->msgq = publish(types, t);

	anon_s = new_type(types, IOD_TYPE_STRUCT, NULL, 4);
	ADD_BITS(anon_s, struct t_status, seq, types->u32);
	ADD_BITS(anon_s, struct t_status, state, types->u32);
	ADD_BITS(anon_s, struct t_status, err, types->s32);
	ADD_BITS(anon_s, struct t_status, flags, types->u32);
	anon_u = new_type(types, IOD_TYPE_UNION, NULL, 4);
	assert_ok(iod_type_add_member(types->db, anon_u, "raw", types->u32, 0, 0));
	assert_ok(iod_type_add_member(types->db, anon_u, NULL, anon_s, 0, 0));
	t = new_type(types, IOD_TYPE_STRUCT, "status", sizeof(struct t_status));
	assert_ok(iod_type_add_member(types->db, t, NULL, anon_u, 0, 0));
	types->status = publish(types, t);

	t = new_type(types, IOD_TYPE_STRUCT, "bits", sizeof(struct t_bits));
	ADD_BITS(t, struct t_bits, a, types->u8);
	ADD_BITS(t, struct t_bits, b, types->u8);
	ADD_BITS(t, struct t_bits, c, types->u16);
	ADD_BITS(t, struct t_bits, d, types->u16);
	ADD_BITS(t, struct t_bits, e, types->u32);
	ADD_BITS(t, struct t_bits, f, types->s32);
	ADD_BITS(t, struct t_bits, g, types->u64);
	ADD_BITS(t, struct t_bits, h, types->u64);
	ADD_BITS(t, struct t_bits, s, types->s16);
	ADD_BITS(t, struct t_bits, w, types->s64);
	types->bits = publish(types, t);

	t = new_type(types, IOD_TYPE_STRUCT, "gsp", sizeof(struct t_gsp));
	ADD_FIELD(t, struct t_gsp, magic, types->u32);
	ADD_FIELD(t, struct t_gsp, cmdq, array_of(types, types->msgq, 8, false));
	ADD_FIELD(t, struct t_gsp, status, types->status);
	ADD_FIELD(t, struct t_gsp, big, types->u64);
	ADD_FIELD(t, struct t_gsp, ring, array_of(types, types->u8, 0, true));
	types->gsp = publish(types, t);
}

/* Projects a path of ".field" and "[i]" steps, asserting success. */
static inline struct iod_view project(const struct iod_view *root, const char *path)
{
	struct iod_view v = *root;
	const char *p = path;

	while (*p) {
		char name[64];
		size_t n;

		if (*p == '[') {
			char *end;
			long long i = strtoll(p + 1, &end, 0);

			assert_int_equal(*end, ']');
			assert_ok(iod_view_index(&v, i, &v));
			p = end + 1;
			continue;
		}
		assert_int_equal(*p, '.');
		p++;
		n = strcspn(p, ".[");
		assert_true(n < sizeof(name));
		memcpy(name, p, n);
		name[n] = 0;
		assert_ok(iod_view_field(&v, name, &v));
		p += n;
	}
	return v;
}

#endif
