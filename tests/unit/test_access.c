/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one access path: exact widths, bitfields, aggregate plans, the write
 * gate, dry run and the trace, on a memfd that the test also maps itself so
 * it can compare against what the compiler's own layout says.
 */
#include "io_helpers.h"

#define SIZE 4096

struct fixture {
	struct types types;
	struct iod_region *file;   /* sysmem over the memfd, writable */
	struct iod_region *ro;     /* the same memfd, read-only */
	uint8_t *mem;              /* the test's own mapping of it */
	struct recorder rec;
	struct iod_io io;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fd = pattern_memfd(SIZE);

	build_types(&f->types);
	f->mem = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(f->mem != MAP_FAILED);
	assert_ok(iod_region_sysmem_fd("file0", NULL, dup(fd), 0, SIZE, false, "memfd", &f->ro));
	assert_ok(iod_region_sysmem_fd("sim0", NULL, fd, 0, SIZE, true, "memfd", &f->file));
	f->io = rec_io(&f->rec);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	munmap(f->mem, SIZE);
	iod_region_free(f->file);
	iod_region_free(f->ro);
	iod_typedb_free(f->types.db);
	free(f);
	return 0;
}

static struct iod_view root(struct fixture *f, const struct iod_type *t, uint64_t off)
{
	struct iod_view v;

	assert_ok(iod_view_init(f->file, off, t, &v));
	return v;
}

static void test_scalar_is_one_access_of_its_width(void **state)
{
	struct fixture *f = *state;
	struct t_gsp *g = (struct t_gsp *)f->mem;
	struct iod_view gsp = root(f, f->types.gsp, 0), v;
	uint64_t val;

	g->cmdq[3].head = 0x10;
	g->big = 0x1122334455667788;
	g->cmdq[3].ok = 1;
	v = project(&gsp, ".cmdq[3].head");
	assert_ok(iod_read_scalar(&f->io, &v, &val));
	assert_int_equal(val, 0x10);
	v = project(&gsp, ".big");
	assert_ok(iod_read_scalar(&f->io, &v, &val));
	assert_int_equal(val, 0x1122334455667788);
	v = project(&gsp, ".cmdq[3].ok");
	assert_ok(iod_read_scalar(&f->io, &v, &val));
	assert_int_equal(f->rec.n, 3);
	assert_string_equal(f->rec.lines[0], "R32 sim0+0x4c 0x00000010");
	assert_string_equal(f->rec.lines[1], "R64 sim0+0xc8 0x1122334455667788");
	assert_string_equal(f->rec.lines[2], "R8  sim0+0x58 0x01");
	/* 0x4c is offsetof(struct t_gsp, cmdq[3].head): keep the lines honest */
	assert_int_equal(offsetof(struct t_gsp, cmdq[3].head), 0x4c);
	assert_int_equal(offsetof(struct t_gsp, big), 0xc8);
}

static void test_aggregate_plan_skips_padding(void **state)
{
	struct fixture *f = *state;
	struct t_msgq *q = (struct t_msgq *)(f->mem + 0x100);
	struct iod_view v = root(f, f->types.msgq, 0x100);
	struct iod_value val;
	struct iod_plan plan;
	static const char *want[] = {
		"R32 sim0+0x100 0x00000011", "R32 sim0+0x104 0x00000022",
		"R8  sim0+0x108 0x61", "R8  sim0+0x109 0x62", "R8  sim0+0x10a 0x63",
		"R8  sim0+0x10b 0x00", "R8  sim0+0x10c 0x01", "R32 sim0+0x110 0x00000005",
		"R32 sim0+0x114 0x00000006",
	};

	memset(q, 0xee, sizeof(*q));  /* padding bytes hold 0xee */
	q->head = 0x11;
	q->tail = 0x22;
	memcpy(q->name, "abc", 4);
	q->ok = 1;
	q->data[0] = 5;
	q->data[1] = 6;
	assert_ok(iod_read(&f->io, &v, &val));
	assert_int_equal(f->rec.n, 9);
	for (size_t i = 0; i < 9; i++)
		assert_string_equal(f->rec.lines[i], want[i]);
	/* the value holds what was read; padding was never read, so stays 0 */
	assert_int_equal(val.size, sizeof(struct t_msgq));
	assert_memory_equal(val.bytes, q, offsetof(struct t_msgq, ok) + 1);
	assert_int_equal(val.bytes[offsetof(struct t_msgq, ok) + 1], 0);
	iod_value_release(&val);

	/* the plan says the same without touching anything; arrays stay runs */
	f->rec.n = 0;
	assert_ok(iod_plan_read(&v, &plan));
	assert_int_equal(f->rec.n, 0);
	assert_int_equal(plan.n, 5);
	assert_int_equal(plan.entries[2].offset, 0x108);
	assert_int_equal(plan.entries[2].width, 1);
	assert_int_equal(plan.entries[2].count, 4);
	assert_int_equal(plan.entries[4].count, 2);
	iod_plan_release(&plan);

	/* a struct's flexible array has no elements inside the struct: reading
	   struct gsp stops at its size although the region goes on */
	v = root(f, f->types.gsp, 0);
	assert_ok(iod_plan_read(&v, &plan));
	assert_true(plan.n > 0);
	assert_int_equal(plan.entries[plan.n - 1].offset, offsetof(struct t_gsp, big));
	iod_plan_release(&plan);
}

static void test_bitfields_sharing_a_unit_are_one_read(void **state)
{
	struct fixture *f = *state;
	struct t_gsp *g = (struct t_gsp *)f->mem;
	struct iod_view gsp = root(f, f->types.gsp, 0);
	struct iod_view status = project(&gsp, ".status"), err = project(&gsp, ".status.err");
	struct iod_value val;
	uint64_t raw;

	g->status.seq = 200;
	g->status.state = 9;
	g->status.err = -3;
	g->status.flags = 0xbeef;
	assert_ok(iod_read(&f->io, &status, &val));
	assert_int_equal(f->rec.n, 1);
	assert_ok(iod_value_get(&val, &err, &raw));
	assert_int_equal(iod_sext(raw, err.bit_size), -3);
	assert_error(iod_value_get(&val, &status, &raw), IOD_ERR_TYPE,
		     "'struct status' is not a scalar");
	iod_value_release(&val);
}

/* Every bitfield of struct t_bits (u8, u16, u32, u64 and signed storage)
   reads what the compiler wrote and writes only its own bits. */
static void test_bitfield_read_and_rmw(void **state)
{
	struct fixture *f = *state;
	struct t_bits *b = (struct t_bits *)(f->mem + 0x200), want;
	struct iod_view bits = root(f, f->types.bits, 0x200);
	static const struct { const char *name; int64_t value; unsigned unit; } cases[] = {
		{ "a", 5, 1 }, { "b", 17, 1 }, { "c", 100, 2 }, { "d", 300, 2 },
		{ "e", 31, 4 }, { "f", -32, 4 }, { "g", 0xabcdef0123, 8 },
		{ "h", 0x123456, 8 }, { "s", -7, 2 }, { "w", -4294967296, 8 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct iod_view v = bits;
		char path[8];
		uint64_t raw;

		snprintf(path, sizeof(path), ".%s", cases[i].name);
		v = project(&bits, path);
		assert_int_equal(v.unit_size, cases[i].unit);
		/* start from a noisy background, let the compiler make the reference */
		memset(b, 0xa5, sizeof(*b));
		memcpy(&want, b, sizeof(want));
		switch (cases[i].name[0]) {
		case 'a': want.a = (uint8_t)cases[i].value; break;
		case 'b': want.b = (uint8_t)cases[i].value; break;
		case 'c': want.c = (uint16_t)cases[i].value; break;
		case 'd': want.d = (uint16_t)cases[i].value; break;
		case 'e': want.e = (uint32_t)cases[i].value; break;
		case 'f': want.f = (int32_t)cases[i].value; break;
		case 'g': want.g = (uint64_t)cases[i].value; break;
		case 'h': want.h = (uint64_t)cases[i].value; break;
		case 's': want.s = (int16_t)cases[i].value; break;
		case 'w': want.w = cases[i].value; break;
		}
		f->rec.n = 0;
		assert_ok(iod_write_scalar(&f->io, &v, (uint64_t)cases[i].value));
		/* read-modify-write of the unit: one read, one write, same place */
		assert_int_equal(f->rec.n, 2);
		assert_int_equal(f->rec.lines[0][0], 'R');
		assert_int_equal(f->rec.lines[1][0], 'W');
		assert_int_equal(atoi(f->rec.lines[0] + 1), cases[i].unit * 8);
		{
			char at_r[32], at_w[32], want_at[32];

			assert_int_equal(sscanf(f->rec.lines[0], "%*s %31s", at_r), 1);
			assert_int_equal(sscanf(f->rec.lines[1], "%*s %31s", at_w), 1);
			snprintf(want_at, sizeof(want_at), "sim0+0x%x", (unsigned)v.offset);
			assert_string_equal(at_r, want_at);
			assert_string_equal(at_w, want_at);
		}
		assert_memory_equal(b, &want, sizeof(want));
		assert_ok(iod_read_scalar(&f->io, &v, &raw));
		if (cases[i].value < 0)
			assert_int_equal(iod_sext(raw, v.bit_size), cases[i].value);
		else
			assert_int_equal(raw, (uint64_t)cases[i].value);
	}
}

static void test_values_that_do_not_fit(void **state)
{
	struct fixture *f = *state;
	struct iod_view bits = root(f, f->types.bits, 0x200), gsp = root(f, f->types.gsp, 0);
	struct iod_view a = project(&bits, ".a"), fld = project(&bits, ".f");
	struct iod_view head = project(&gsp, ".magic"), big = project(&gsp, ".big");

	memset(f->mem + 0x200, 0, sizeof(struct t_bits));
	assert_error(iod_write_scalar(&f->io, &a, 8), IOD_ERR_VALUE,
		     "value 8 does not fit in 3-bit u8 (range 0..0x7)");
	assert_error(iod_write_scalar(&f->io, &a, (uint64_t)-1), IOD_ERR_VALUE,
		     "value -1 does not fit in 3-bit u8 (range 0..0x7)");
	assert_error(iod_write_scalar(&f->io, &fld, 32), IOD_ERR_VALUE,
		     "value 32 does not fit in 6-bit s32 (range -32..31)");
	assert_error(iod_write_scalar(&f->io, &fld, (uint64_t)-33), IOD_ERR_VALUE,
		     "value -33 does not fit in 6-bit s32 (range -32..31)");
	assert_error(iod_write_scalar(&f->io, &head, UINT64_C(1) << 32), IOD_ERR_VALUE,
		     "value 4294967296 does not fit in 32-bit u32 (range 0..0xffffffff)");
	/* nothing was accessed by the refused writes */
	assert_int_equal(f->rec.n, 0);
	assert_ok(iod_write_scalar(&f->io, &fld, (uint64_t)-32));
	assert_ok(iod_write_scalar(&f->io, &big, UINT64_MAX));
	assert_true(iod_value_fits(f->types.u8, 8, 255));
	assert_false(iod_value_fits(f->types.u8, 8, 256));
	assert_true(iod_value_fits(f->types.s64, 64, (uint64_t)INT64_MIN));
}

static void test_write_gate(void **state)
{
	struct fixture *f = *state;
	struct iod_view v;
	uint8_t before[64], buf[16] = { 0 };

	memcpy(before, f->mem, sizeof(before));
	assert_ok(iod_view_init(f->ro, 0, f->types.u32, &v));
	assert_error(iod_write_scalar(&f->io, &v, 1), IOD_ERR_READONLY,
		     "file0 is read-only: writes need iodbg -w (or -n to see them)");
	assert_error(iod_access_write(&f->io, f->ro, 8, 2, 1), IOD_ERR_READONLY,
		     "file0 is read-only: writes need iodbg -w (or -n to see them)");
	assert_error(iod_copy_to(&f->io, f->ro, 0, buf, sizeof(buf)), IOD_ERR_READONLY,
		     "file0 is read-only: writes need iodbg -w (or -n to see them)");
	assert_error(iod_fill(&f->io, f->ro, 0, 0, 16), IOD_ERR_READONLY,
		     "file0 is read-only: writes need iodbg -w (or -n to see them)");
	assert_error(iod_copy(&f->io, f->ro, 0, f->file, 32, 16), IOD_ERR_READONLY,
		     "file0 is read-only: writes need iodbg -w (or -n to see them)");
	assert_memory_equal(f->mem, before, sizeof(before));
	assert_int_equal(f->rec.n, 0);
	/* reads are fine */
	assert_ok(iod_copy_from(&f->io, f->ro, 0, buf, sizeof(buf)));
	assert_memory_equal(buf, before, sizeof(buf));
}

static void test_dry_run_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct iod_view bits = root(f, f->types.bits, 0x200), e = project(&bits, ".e"), v;
	uint8_t before[SIZE], buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	char want[64];
	uint32_t unit;

	memset(f->mem + 0x200, 0, sizeof(struct t_bits));
	memcpy(before, f->mem, SIZE);
	f->io.dry_run = true;
	assert_ok(iod_write_scalar(&f->io, &e, 31));
	/* the bitfield's report is the whole storage unit that would be written */
	memcpy(&unit, f->mem + e.offset, 4);
	unit |= 31u << e.bit_offset;
	snprintf(want, sizeof(want), "W32 sim0+0x%x 0x%08x", (unsigned)e.offset, unit);
	assert_int_equal(f->rec.would, 1);
	assert_string_equal(f->rec.wouldlines[0], want);
	/* a dry run is allowed on a read-only region and reports there too */
	assert_ok(iod_view_init(f->ro, 16, f->types.u16, &v));
	assert_ok(iod_write_scalar(&f->io, &v, 0x1234));
	assert_string_equal(f->rec.wouldlines[1], "W16 file0+0x10 0x1234");
	assert_ok(iod_copy_to(&f->io, f->file, 0, buf, sizeof(buf)));
	assert_ok(iod_fill(&f->io, f->file, 0x40, 0xab, 64));
	assert_ok(iod_copy(&f->io, f->file, 0, f->file, 8, 100));
	assert_int_equal(f->rec.would, 5);
	assert_string_equal(f->rec.wouldlines[2], "CW  sim0+0x0 8");
	assert_string_equal(f->rec.wouldlines[3], "CW  sim0+0x40 64");
	assert_memory_equal(f->mem, before, SIZE);
	/* the only accesses made were the reads of the bitfield's unit */
	assert_int_equal(f->rec.n, 1);
	assert_int_equal(f->rec.lines[0][0], 'R');
}

static void test_bounds_of_raw_accesses(void **state)
{
	struct fixture *f = *state;
	uint64_t v;
	uint8_t buf[32];

	assert_error(iod_access_read(&f->io, f->file, SIZE - 2, 4, &v), IOD_ERR_BOUNDS,
		     "sim0+0xffe: 4 bytes reach past the end of the region (4096 bytes)");
	assert_error(iod_access_read(&f->io, f->file, 0, 3, &v), IOD_ERR_WIDTH,
		     "sim0+0x0: 24-bit access not supported by sysmem");
	assert_error(iod_copy_from(&f->io, f->file, SIZE - 16, buf, 32), IOD_ERR_BOUNDS,
		     "sim0+0xff0: 32 bytes reach past the end of the region (4096 bytes)");
	assert_error(iod_copy_from(&f->io, f->file, UINT64_MAX, buf, 2), IOD_ERR_BOUNDS,
		     "sim0+0xffffffffffffffff: 2 bytes reach past the end of the region (4096 bytes)");
	assert_int_equal(f->rec.n, 0);
	assert_ok(iod_access_read(&f->io, f->file, SIZE - 4, 4, &v));
}

static void test_trace_of_copies_and_fill(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[256];

	assert_ok(iod_copy_from(&f->io, f->file, 0x100, buf, 256));
	assert_ok(iod_fill(&f->io, f->file, 0x10, 0x5a, 32));
	assert_ok(iod_copy(&f->io, f->file, 0x800, f->file, 0x10, 32));
	assert_int_equal(f->rec.n, 4);
	assert_string_equal(f->rec.lines[0], "CR  sim0+0x100 256");
	assert_string_equal(f->rec.lines[1], "CW  sim0+0x10 32");
	assert_string_equal(f->rec.lines[2], "CR  sim0+0x10 32");
	assert_string_equal(f->rec.lines[3], "CW  sim0+0x800 32");
	for (size_t i = 0; i < 32; i++) {
		assert_int_equal(f->mem[0x10 + i], 0x5a);
		assert_int_equal(f->mem[0x800 + i], 0x5a);
	}
}

static void test_interrupted_copy(void **state)
{
	struct fixture *f = *state;
	volatile sig_atomic_t stop = 1;
	uint8_t buf[64] = { 0 }, before[64];

	memcpy(before, f->mem, 64);
	f->io.interrupted = &stop;
	assert_error(iod_copy_to(&f->io, f->file, 0, buf, 64), IOD_ERR_INTERRUPTED,
		     "interrupted after 0 bytes written");
	assert_error(iod_fill(&f->io, f->file, 0, 0, 64), IOD_ERR_INTERRUPTED,
		     "interrupted after 0 bytes written");
	assert_memory_equal(f->mem, before, 64);
}

static void test_write_plan(void **state)
{
	struct fixture *f = *state;
	struct iod_view gsp = root(f, f->types.gsp, 0);
	struct iod_view head = project(&gsp, ".cmdq[1].head"), seq = project(&gsp, ".status.seq");
	struct iod_view q = project(&gsp, ".cmdq[1]");
	struct iod_plan p;

	assert_ok(iod_plan_write(&head, false, &p));
	assert_int_equal(p.n, 1);
	assert_int_equal(p.entries[0].op, IOD_ACC_WRITE);
	assert_int_equal(p.entries[0].width, 4);
	iod_plan_release(&p);
	assert_ok(iod_plan_write(&head, true, &p));
	assert_int_equal(p.n, 2);
	assert_int_equal(p.entries[0].op, IOD_ACC_READ);
	iod_plan_release(&p);
	assert_ok(iod_plan_write(&seq, false, &p));
	assert_int_equal(p.n, 2);
	assert_int_equal(p.entries[1].offset, offsetof(struct t_gsp, status));
	iod_plan_release(&p);
	assert_error(iod_plan_write(&q, false, &p), IOD_ERR_TYPE, "'struct msgq' is not a scalar");
	assert_error(iod_write_scalar(&f->io, &q, 1), IOD_ERR_TYPE,
		     "'struct msgq' is not a scalar");
}

/* A union of an array and scalars: runs are expanded so the accesses still
   come in ascending offset, then width, order, each distinct one once. */
static void test_plan_of_overlapping_union(void **state)
{
	struct fixture *f = *state;
	struct iod_type *u;
	const struct iod_type *ut;
	struct iod_view v;
	struct iod_plan p;
	static const unsigned want[][2] = { { 0, 1 }, { 0, 4 }, { 1, 1 }, { 2, 1 }, { 3, 1 },
					    { 4, 1 }, { 4, 4 }, { 5, 1 } };

	u = new_type(&f->types, IOD_TYPE_UNION, "overlay", 8);
	assert_ok(iod_type_add_member(f->types.db, u, "b", array_of(&f->types, f->types.u8, 6, false),
				      0, 0));
	assert_ok(iod_type_add_member(f->types.db, u, "w", array_of(&f->types, f->types.u32, 2, false),
				      0, 0));
	assert_ok(iod_type_add_member(f->types.db, u, "first", f->types.u8, 0, 0));
	ut = publish(&f->types, u);
	assert_ok(iod_view_init(f->file, 0, ut, &v));
	assert_ok(iod_plan_read(&v, &p));
	assert_int_equal(p.n, 8);
	for (size_t i = 0; i < p.n; i++) {
		assert_int_equal(p.entries[i].offset, want[i][0]);
		assert_int_equal(p.entries[i].width, want[i][1]);
		assert_int_equal(p.entries[i].count, 1);
	}
	iod_plan_release(&p);
}

/* A packed bitfield whose storage unit reaches past the end of the struct
   read: the value still decodes it, from the bytes inside. */
struct __attribute__((packed)) t_inner {
	char a;
	int b : 20;
};

struct __attribute__((packed)) t_outer {
	char x;
	struct t_inner p;
};

static void test_packed_bitfield_unit_outside_value(void **state)
{
	struct fixture *f = *state;
	struct t_outer *o = (struct t_outer *)(f->mem + 0x300);
	struct iod_type *inner, *outer;
	const struct iod_type *it, *ot;
	struct iod_view v, b;
	struct iod_value val;
	uint64_t raw;
	struct types *types = &f->types;

	inner = new_type(types, IOD_TYPE_STRUCT, "t_inner", sizeof(struct t_inner));
	ADD_FIELD(inner, struct t_inner, a, types->chr);
	ADD_BITS(inner, struct t_inner, b, types->s32);
	it = publish(types, inner);
	outer = new_type(types, IOD_TYPE_STRUCT, "t_outer", sizeof(struct t_outer));
	ADD_FIELD(outer, struct t_outer, x, types->chr);
	assert_ok(iod_type_add_member(types->db, outer, "p", it, offsetof(struct t_outer, p) * 8,
				      0));
	ot = publish(types, outer);

	memset(f->mem + 0x300, 0xff, 16);
	o->x = 1;
	o->p.a = 2;
	o->p.b = -5;
	assert_ok(iod_view_init(f->file, 0x300, ot, &v));
	b = project(&v, ".p.b");
	/* the unit is 8 bytes from the outermost struct's start, past its 5 bytes */
	assert_int_equal(b.unit_size, 8);
	assert_true(b.offset + b.unit_size > 0x300 + sizeof(struct t_outer));
	assert_ok(iod_read(&f->io, &v, &val));
	assert_ok(iod_value_get(&val, &b, &raw));
	assert_int_equal(iod_sext(raw, b.bit_size), -5);
	iod_value_release(&val);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_scalar_is_one_access_of_its_width),
		T(test_aggregate_plan_skips_padding),
		T(test_bitfields_sharing_a_unit_are_one_read),
		T(test_bitfield_read_and_rmw),
		T(test_values_that_do_not_fit),
		T(test_write_gate),
		T(test_dry_run_changes_nothing),
		T(test_bounds_of_raw_accesses),
		T(test_trace_of_copies_and_fill),
		T(test_interrupted_copy),
		T(test_write_plan),
		T(test_plan_of_overlapping_union),
		T(test_packed_bitfield_unit_outside_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
