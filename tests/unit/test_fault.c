/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fault guard: a file truncated under a live mapping faults; the process survives. */
#include "io_helpers.h"

static void test_sigbus_becomes_an_error(void **state)
{
	int fd = pattern_memfd(3 * 4096);
	struct iod_region *r;
	uint8_t buf[64];
	uint64_t v;

	(void)state;
	assert_ok(iod_region_sysmem_fd("file0", NULL, dup(fd), 0, 3 * 4096, true, "memfd", &r));
	assert_int_equal(ftruncate(fd, 4096), 0);
	for (int round = 0; round < 3; round++) {
		/* every fault is caught, not only the first */
		assert_error(iod_access_read(NULL, r, 0x1010, 4, &v), IOD_ERR_FAULT,
			     "file0+0x1010: 32-bit read faulted: SIGBUS (no backing storage at"
			     " that address)");
		assert_ok(iod_access_read(NULL, r, 0x10, 4, &v));
		/* bytes 0x10..0x13 of the pattern i*7+1, little-endian */
		assert_int_equal(v, 0x71u | 0x78u << 8 | 0x7fu << 16 | 0x86u << 24);
	}
	assert_error(iod_access_write(NULL, r, 0x2000, 8, 1), IOD_ERR_FAULT,
		     "file0+0x2000: 64-bit write faulted: SIGBUS (no backing storage at"
		     " that address)");
	assert_error(iod_copy_from(NULL, r, 4096 - 32, buf, 64), IOD_ERR_FAULT,
		     "file0+0xfe0: copy of 64 bytes faulted: SIGBUS (no backing storage at"
		     " that address)");
	iod_region_free(r);
	close(fd);
}

static void test_mmio_fault(void **state)
{
	int fd = pattern_memfd(2 * 4096);
	struct iod_region *r;
	uint64_t v;

	(void)state;
	assert_ok(iod_region_mmio_fd("bar0", NULL, dup(fd), 0, 2 * 4096, false, "memfd", &r));
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_error(iod_access_read(NULL, r, 0x1000, 2, &v), IOD_ERR_FAULT,
		     "bar0+0x1000: 16-bit read faulted: SIGBUS (no backing storage at"
		     " that address)");
	/* the file grows back: the same mapping works again */
	assert_int_equal(ftruncate(fd, 2 * 4096), 0);
	assert_ok(iod_access_read(NULL, r, 0x1000, 2, &v));
	assert_int_equal(v, 0);
	iod_region_free(r);
	close(fd);
}

/*
 * Scalars that end exactly where the backing file ends: a read or write
 * widened past its width would touch the truncated page and fault.
 */
static void check_not_widened(struct iod_region *r, uint64_t end)
{
	uint64_t v;

	for (unsigned w = 1; w <= 8; w <<= 1) {
		assert_ok(iod_access_read(NULL, r, end - w, w, &v));
		if (r->writable)
			assert_ok(iod_access_write(NULL, r, end - w, w, v));
	}
}

static void test_accesses_are_not_widened(void **state)
{
	int fd = pattern_memfd(2 * 4096);
	struct iod_region *sys, *mmio;

	(void)state;
	assert_ok(iod_region_sysmem_fd("file0", NULL, dup(fd), 0, 2 * 4096, true, "m", &sys));
	assert_ok(iod_region_mmio_fd("bar0", NULL, dup(fd), 0, 2 * 4096, true, "m", &mmio));
	assert_int_equal(ftruncate(fd, 4096), 0);
	check_not_widened(sys, 4096);
	check_not_widened(mmio, 4096);
	/* the page behind really faults */
	{
		struct iod_error *err = iod_access_read(NULL, sys, 4096, 1, &(uint64_t){ 0 });

		assert_non_null(err);
		assert_int_equal(err->kind, IOD_ERR_FAULT);
		iod_error_free(err);
	}
	iod_region_free(sys);
	iod_region_free(mmio);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigbus_becomes_an_error),
		cmocka_unit_test(test_mmio_fault),
		cmocka_unit_test(test_accesses_are_not_widened),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
