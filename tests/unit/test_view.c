/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Views and projection: offsets from the compiler's layout, every step bounds-checked. */
#include "io_helpers.h"

struct fixture {
	struct types types;
	struct iod_region *sim;
	struct iod_view gsp;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	build_types(&f->types);
	/* room for the struct and a 100-byte ring behind it */
	assert_ok(iod_region_sim("sim0", sizeof(struct t_gsp) + 100, &f->sim));
	assert_ok(iod_view_init(f->sim, 0, f->types.gsp, &f->gsp));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	iod_region_free(f->sim);
	iod_typedb_free(f->types.db);
	free(f);
	return 0;
}

static void test_fields_and_indices(void **state)
{
	struct fixture *f = *state;
	struct iod_view v = project(&f->gsp, ".cmdq[3].tail");

	assert_ptr_equal(v.region, f->sim);
	assert_int_equal(v.offset, offsetof(struct t_gsp, cmdq[3].tail));
	assert_ptr_equal(v.type, f->types.u32);
	assert_int_equal(v.bit_size, 0);
	assert_int_equal(iod_view_size(&v), 4);

	v = project(&f->gsp, ".cmdq[7].data[1]");
	assert_int_equal(v.offset, offsetof(struct t_gsp, cmdq[7].data[1]));
	v = project(&f->gsp, ".big");
	assert_int_equal(v.offset, offsetof(struct t_gsp, big));
	assert_int_equal(iod_view_size(&f->gsp), sizeof(struct t_gsp));
}

static void test_anonymous_members(void **state)
{
	struct fixture *f = *state;
	struct iod_view raw = project(&f->gsp, ".status.raw");
	struct iod_view seq = project(&f->gsp, ".status.seq");
	struct iod_view err = project(&f->gsp, ".status.err");

	assert_int_equal(raw.offset, offsetof(struct t_gsp, status.raw));
	assert_int_equal(seq.bit_size, 8);
	assert_int_equal(seq.unit_size, 4);
	assert_int_equal(seq.offset, offsetof(struct t_gsp, status));
	assert_int_equal(seq.bit_offset, 0);
	assert_int_equal(err.bit_size, 4);
	assert_int_equal(err.bit_offset, 12);
	assert_int_equal(iod_view_size(&err), 4);
}

static void test_index_out_of_range(void **state)
{
	struct fixture *f = *state;
	struct iod_view cmdq = project(&f->gsp, ".cmdq"), out = { 0 };

	assert_int_equal(iod_view_count(&cmdq), 8);
	assert_error(iod_view_index(&cmdq, 8, &out), IOD_ERR_BOUNDS, "index 8 out of range 0..8");
	assert_error(iod_view_index(&cmdq, -1, &out), IOD_ERR_BOUNDS,
		     "index -1 out of range 0..8");
	/* *ret is untouched on failure */
	assert_null(out.region);
	assert_ok(iod_view_index(&cmdq, 7, &out));
	assert_int_equal(out.offset, offsetof(struct t_gsp, cmdq[7]));
}

static void test_unknown_field_and_wrong_kinds(void **state)
{
	struct fixture *f = *state;
	struct iod_view head = project(&f->gsp, ".cmdq[0].head"), out;
	struct iod_error *err;

	err = iod_view_field(&f->gsp, "nope", &out);
	assert_non_null(err);
	assert_int_equal(err->kind, IOD_ERR_LOOKUP);
	assert_non_null(strstr(err->message, "nope"));
	iod_error_free(err);
	assert_error(iod_view_field(&head, "x", &out), IOD_ERR_TYPE, "'u32' has no fields");
	assert_error(iod_view_index(&head, 0, &out), IOD_ERR_TYPE, "'u32' is not an array");
	assert_error(iod_view_index(&f->gsp, 0, &out), IOD_ERR_TYPE,
		     "'struct gsp' is not an array");
}

static void test_slices(void **state)
{
	struct fixture *f = *state;
	struct iod_view cmdq = project(&f->gsp, ".cmdq"), s, e;
	char name[64];

	assert_ok(iod_view_slice(f->types.db, &cmdq, 2, 5, &s));
	assert_int_equal(s.offset, offsetof(struct t_gsp, cmdq[2]));
	assert_int_equal(iod_view_count(&s), 3);
	assert_int_equal(iod_view_size(&s), 3 * sizeof(struct t_msgq));
	iod_type_name(s.type, name, sizeof(name));
	assert_string_equal(name, "struct msgq[3]");
	/* index inside the slice counts from its start */
	assert_ok(iod_view_index(&s, 0, &e));
	assert_int_equal(e.offset, offsetof(struct t_gsp, cmdq[2]));
	assert_error(iod_view_index(&s, 3, &e), IOD_ERR_BOUNDS, "index 3 out of range 0..3");

	assert_ok(iod_view_slice(f->types.db, &cmdq, 8, 8, &s));
	assert_int_equal(iod_view_count(&s), 0);
	assert_error(iod_view_slice(f->types.db, &cmdq, 5, 9, &s), IOD_ERR_BOUNDS,
		     "slice 5..9 out of range 0..8");
	assert_error(iod_view_slice(f->types.db, &cmdq, 5, 2, &s), IOD_ERR_BOUNDS,
		     "slice 5..2 out of range 0..8");
	assert_error(iod_view_slice(f->types.db, &cmdq, -1, 2, &s), IOD_ERR_BOUNDS,
		     "slice -1..2 out of range 0..8");
}

static void test_flexible_array_bounded_by_region(void **state)
{
	struct fixture *f = *state;
	struct iod_view ring = project(&f->gsp, ".ring"), e;

	assert_int_equal(iod_view_count(&ring), 100);
	assert_ok(iod_view_index(&ring, 99, &e));
	assert_int_equal(e.offset, sizeof(struct t_gsp) + 99);
	assert_error(iod_view_index(&ring, 100, &e), IOD_ERR_BOUNDS,
		     "index 100 out of range 0..100");
}

static void test_view_must_fit(void **state)
{
	struct fixture *f = *state;
	struct iod_view v;
	struct iod_type *decl = NULL;
	char msg[160];

	snprintf(msg, sizeof(msg),
		 "struct gsp (%zu bytes) does not fit in sim0 at 0x65: the region is %zu bytes",
		 sizeof(struct t_gsp), sizeof(struct t_gsp) + 100);
	assert_error(iod_view_init(f->sim, 101, f->types.gsp, &v), IOD_ERR_BOUNDS, msg);
	assert_ok(iod_view_init(f->sim, 100, f->types.gsp, &v));
	snprintf(msg, sizeof(msg),
		 "u8 (1 bytes) does not fit in sim0 at 0xffffffffffffffff: the region is %zu bytes",
		 sizeof(struct t_gsp) + 100);
	assert_error(iod_view_init(f->sim, UINT64_MAX, f->types.u8, &v), IOD_ERR_BOUNDS, msg);

	assert_ok(iod_type_create(f->types.db, IOD_TYPE_STRUCT, "opaque", &decl));
	decl->declaration = true;
	assert_error(iod_view_init(f->sim, 0, decl, &v), IOD_ERR_TYPE,
		     "'struct opaque' is an incomplete type: its layout is unknown");
}

/* A root that is not at offset 0: bitfield units count from the root. */
static void test_bitfield_units_count_from_root(void **state)
{
	struct fixture *f = *state;
	struct iod_view bits, g, h, w;

	assert_ok(iod_view_init(f->sim, 3, f->types.bits, &bits));
	g = project(&bits, ".g");
	h = project(&bits, ".h");
	w = project(&bits, ".w");
	assert_int_equal(g.unit_size, 8);
	assert_int_equal(g.offset, 3 + 8);
	assert_int_equal(h.offset, g.offset);
	assert_int_equal(h.bit_offset, 40);
	assert_int_equal(w.unit_size, 8);
	assert_int_equal(w.bit_size, 33);
}

static void test_bitfield_unit_rule(void **state)
{
	uint64_t off;
	unsigned size;

	(void)state;
	/* u32 x:5 at bit 35: the aligned 4-byte block at 4 */
	assert_ok(iod_bitfield_unit(35, 5, 4, &off, &size));
	assert_int_equal(off, 4);
	assert_int_equal(size, 4);
	/* packed: bits 30..33 of a u32 leave their block; smallest aligned is 8 at 0 */
	assert_ok(iod_bitfield_unit(30, 4, 4, &off, &size));
	assert_int_equal(off, 0);
	assert_int_equal(size, 8);
	/* bits 60..67: no aligned block; 2 bytes from byte 7 */
	assert_ok(iod_bitfield_unit(60, 8, 8, &off, &size));
	assert_int_equal(off, 7);
	assert_int_equal(size, 2);
	/* a u8 x:1 at bit 7 of byte 5 */
	assert_ok(iod_bitfield_unit(47, 1, 1, &off, &size));
	assert_int_equal(off, 5);
	assert_int_equal(size, 1);
	assert_error(iod_bitfield_unit(4, 64, 8, &off, &size), IOD_ERR_TYPE,
		     "a 64-bit bitfield at bit 4 spans more than 8 bytes and cannot be accessed"
		     " with one access");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fields_and_indices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anonymous_members, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_field_and_wrong_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flexible_array_bounded_by_region, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_view_must_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bitfield_units_count_from_root, setup,
						teardown),
		cmocka_unit_test(test_bitfield_unit_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
