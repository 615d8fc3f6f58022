/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The backends on real files and memfds: the widths each allows and refuses,
 * alignment, exactly one system call of exactly the width for pio, overlap
 * copies in both directions on every backend, and errnos from the OS table.
 */
#include <errno.h>
#include <fcntl.h>

#include "io_helpers.h"

#define SIZE (3u << 20)   /* more than the access path's 1 MiB copy chunk */

/* An OS table that counts pread/pwrite calls and can fail them. */
static struct {
	unsigned preads, pwrites;
	size_t last_len;
	int fail_errno;         /* 0: pass through */
	int mmap_errno;
} os_log;

static ssize_t log_pread(int fd, void *buf, size_t len, off_t off)
{
	os_log.preads++;
	os_log.last_len = len;
	if (os_log.fail_errno) {
		errno = os_log.fail_errno;
		return -1;
	}
	return pread(fd, buf, len, off);
}

static ssize_t log_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	os_log.pwrites++;
	os_log.last_len = len;
	if (os_log.fail_errno) {
		errno = os_log.fail_errno;
		return -1;
	}
	return pwrite(fd, buf, len, off);
}

static void *log_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (os_log.mmap_errno) {
		errno = os_log.mmap_errno;
		return MAP_FAILED;
	}
	return mmap(addr, len, prot, flags, fd, off);
}

static struct iod_os logging_os(void)
{
	struct iod_os os = iod_os_default;

	memset(&os_log, 0, sizeof(os_log));
	os.pread = log_pread;
	os.pwrite = log_pwrite;
	os.mmap = log_mmap;
	return os;
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + 1);
}

static uint64_t pattern_le(size_t off, unsigned width)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < width; i++)
		v |= (uint64_t)pattern(off + i) << (8 * i);
	return v;
}

static void test_sysmem_widths_and_unaligned(void **state)
{
	struct iod_region *r;
	struct recorder rec;
	struct iod_io io = rec_io(&rec);
	uint64_t v;

	(void)state;
	assert_ok(iod_region_sysmem_fd("file0", NULL, pattern_memfd(4096), 0, 4096, true, "memfd",
				       &r));
	for (unsigned w = 1; w <= 8; w <<= 1) {
		assert_ok(iod_access_read(&io, r, 16, w, &v));
		assert_int_equal(v, pattern_le(16, w));
		/* sysmem accepts unaligned accesses */
		assert_ok(iod_access_read(&io, r, 3, w, &v));
		assert_int_equal(v, pattern_le(3, w));
	}
	assert_int_equal(rec.n, 8);
	assert_ok(iod_access_write(&io, r, 5, 4, 0xdeadbeef));
	assert_ok(iod_access_read(&io, r, 5, 4, &v));
	assert_int_equal(v, 0xdeadbeef);
	/* a region may narrow what its backend can do; the rest is refused */
	r->widths = IOD_W8 | IOD_W16 | IOD_W32;
	assert_error(iod_access_read(&io, r, 8, 8, &v), IOD_ERR_WIDTH,
		     "file0+0x8: 64-bit access not supported by sysmem");
	assert_error(iod_access_write(&io, r, 8, 8, 0), IOD_ERR_WIDTH,
		     "file0+0x8: 64-bit access not supported by sysmem");
	iod_region_free(r);
}

static void test_sysmem_writes_reach_the_file(void **state)
{
	int fd = pattern_memfd(8192);
	struct iod_region *r;
	uint32_t back = 0;

	(void)state;
	/* a window that starts inside a page: offset 0x1004 of the file */
	assert_ok(iod_region_sysmem_fd("file0", NULL, dup(fd), 0x1004, 64, true, "memfd", &r));
	assert_ok(iod_access_write(NULL, r, 8, 4, 0x01020304));
	assert_int_equal(pread(fd, &back, 4, 0x100c), 4);
	assert_int_equal(back, 0x01020304);
	assert_error(iod_access_read(NULL, r, 62, 4, &(uint64_t){ 0 }), IOD_ERR_BOUNDS,
		     "file0+0x3e: 4 bytes reach past the end of the region (64 bytes)");
	iod_region_free(r);
	close(fd);
}

static void test_mmio_alignment_and_widths(void **state)
{
	struct iod_region *r;
	uint64_t v;

	(void)state;
	assert_ok(iod_region_mmio_fd("bar0", NULL, pattern_memfd(8192), 0x1000, 4096, true,
				     "resource0", &r));
	for (unsigned w = 1; w <= 8; w <<= 1) {
		assert_ok(iod_access_read(NULL, r, 8 * w, w, &v));
		assert_int_equal(v, pattern_le(0x1000 + 8 * w, w));
	}
	assert_error(iod_access_read(NULL, r, 2, 4, &v), IOD_ERR_ALIGN,
		     "bar0+0x2: 32-bit access is not naturally aligned, which mmio requires");
	assert_error(iod_access_write(NULL, r, 4, 8, 0), IOD_ERR_ALIGN,
		     "bar0+0x4: 64-bit access is not naturally aligned, which mmio requires");
	assert_ok(iod_access_read(NULL, r, 3, 1, &v));
	assert_string_equal(r->ops->name, "mmio");
	iod_region_free(r);
}

static void test_mmio_copies_by_units(void **state)
{
	struct iod_region *r;
	uint8_t buf[100], back[100];

	(void)state;
	assert_ok(iod_region_mmio_fd("bar0", NULL, pattern_memfd(4096), 0, 4096, true, "x", &r));
	/* odd offset and length: head bytes, 8-byte units, tail bytes */
	assert_ok(iod_copy_from(NULL, r, 13, buf, sizeof(buf)));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], pattern(13 + i));
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(255 - i);
	assert_ok(iod_copy_to(NULL, r, 7, buf, sizeof(buf)));
	assert_ok(iod_copy_from(NULL, r, 7, back, sizeof(back)));
	assert_memory_equal(buf, back, sizeof(buf));
	iod_region_free(r);
}

static void test_pio_exact_width_syscalls(void **state)
{
	struct iod_os os = logging_os();
	struct iod_region *r;
	uint64_t v;

	(void)state;
	assert_ok(iod_region_pio_fd("io0", &os, pattern_memfd(4096), 0x100, 256, IOD_W_ALL, false,
				    true, "blob", &r));
	for (unsigned w = 1; w <= 8; w <<= 1) {
		unsigned before = os_log.preads;

		assert_ok(iod_access_read(NULL, r, 3, w, &v));
		assert_int_equal(v, pattern_le(0x103, w));
		assert_int_equal(os_log.preads, before + 1);
		assert_int_equal(os_log.last_len, w);
		assert_ok(iod_access_write(NULL, r, 32, w, 0x8877665544332211ull));
		assert_int_equal(os_log.last_len, w);
		assert_ok(iod_access_read(NULL, r, 32, w, &v));
		assert_int_equal(v, 0x8877665544332211ull & (w == 8 ? ~0ull : (1ull << 8 * w) - 1));
	}
	assert_int_equal(os_log.pwrites, 4);
	iod_region_free(r);
}

/* An I/O-port BAR takes 1, 2 and 4 bytes: a 64-bit access is refused, not split. */
static void test_pio_port_widths(void **state)
{
	struct iod_os os = logging_os();
	struct iod_region *r;
	uint8_t buf[11];
	uint64_t v;

	(void)state;
	assert_ok(iod_region_pio_fd("bar2", &os, pattern_memfd(64), 0, 64,
				    IOD_W8 | IOD_W16 | IOD_W32, false, true, "resource2", &r));
	assert_error(iod_access_read(NULL, r, 0, 8, &v), IOD_ERR_WIDTH,
		     "bar2+0x0: 64-bit access not supported by pio");
	assert_int_equal(os_log.preads, 0);
	/* a copy goes by aligned units of at most 4 bytes: 1 @1, 2 @2, 4 @4, 4 @8 */
	assert_ok(iod_copy_from(NULL, r, 1, buf, sizeof(buf)));
	assert_int_equal(os_log.preads, 4);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], pattern(1 + i));
	iod_region_free(r);
}

static void test_os_errors_name_the_access(void **state)
{
	struct iod_os os = logging_os();
	struct iod_region *r;
	uint64_t v;

	(void)state;
	assert_ok(iod_region_pio_fd("io0", &os, pattern_memfd(64), 0, 64, IOD_W_ALL, true, true,
				    "blob", &r));
	os_log.fail_errno = EIO;
	assert_error(iod_access_read(NULL, r, 0x10, 4, &v), IOD_ERR_OS,
		     "io0+0x10: pread of 4 bytes at 0x10: Input/output error");
	os_log.fail_errno = EINVAL;
	assert_error(iod_access_write(NULL, r, 0x20, 2, 0), IOD_ERR_OS,
		     "io0+0x20: pwrite of 2 bytes at 0x20: Invalid argument");
	iod_region_free(r);

	/* lockdown refuses the mapping of a BAR with EPERM */
	os_log.mmap_errno = EPERM;
	assert_error(iod_region_mmio_fd("bar0", &os, pattern_memfd(64), 0, 64, false,
					"resource0", &r),
		     IOD_ERR_OS, "resource0: mmap of 64 bytes at offset 0x0: Operation not permitted");
}

static void test_pio_short_file(void **state)
{
	struct iod_region *r;
	uint8_t buf[64];

	(void)state;
	/* the region claims more than the file holds: a read past EOF is an error */
	assert_ok(iod_region_pio_fd("io0", NULL, pattern_memfd(32), 0, 64, IOD_W_ALL, true, false,
				    "blob", &r));
	assert_error(iod_copy_from(NULL, r, 0, buf, 64), IOD_ERR_OS,
		     "io0+0x0: pread at 0x0: end of file after 32 of 64 bytes");
	assert_error(iod_access_read(NULL, r, 40, 4, &(uint64_t){ 0 }), IOD_ERR_OS,
		     "io0+0x28: pread of 4 bytes at 0x28 transferred 0");
	iod_region_free(r);
}

/* memmove semantics within one region, both directions, on each backend;
   lengths above the copy chunk so that chunk order matters. */
static void check_overlap(struct iod_region *r, uint64_t size)
{
	uint8_t *want = malloc(size), *got = malloc(size);
	static const struct { uint64_t dst, src, len; } moves[] = {
		{ 0x40001, 0, (5u << 19) + 3 },   /* dst above src: backwards */
		{ 0, 0x40001, (5u << 19) + 3 },   /* dst below src: forwards */
		{ 100, 90, 50 },                  /* small, both inside one chunk */
		{ 90, 100, 50 },
	};

	assert_non_null(want);
	assert_non_null(got);
	assert_ok(iod_copy_from(NULL, r, 0, want, size));
	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		memmove(want + moves[i].dst, want + moves[i].src, moves[i].len);
		assert_ok(iod_copy(NULL, r, moves[i].dst, r, moves[i].src, moves[i].len));
		assert_ok(iod_copy_from(NULL, r, 0, got, size));
		assert_memory_equal(got, want, size);
	}
	free(want);
	free(got);
}

static void test_overlapping_copies_are_memmove(void **state)
{
	struct iod_region *r;

	(void)state;
	assert_ok(iod_region_sysmem_fd("file0", NULL, pattern_memfd(SIZE), 0, SIZE, true, "m", &r));
	check_overlap(r, SIZE);
	iod_region_free(r);
	assert_ok(iod_region_mmio_fd("bar0", NULL, pattern_memfd(SIZE), 0, SIZE, true, "m", &r));
	check_overlap(r, SIZE);
	iod_region_free(r);
	assert_ok(iod_region_pio_fd("io0", NULL, pattern_memfd(SIZE), 0, SIZE, IOD_W_ALL, true,
				    true, "m", &r));
	check_overlap(r, SIZE);
	iod_region_free(r);
}

static void test_copy_between_regions(void **state)
{
	struct iod_region *sim, *file;
	uint8_t got[64];

	(void)state;
	assert_ok(iod_region_sim("sim0", 4096, &sim));
	assert_ok(iod_region_sysmem_fd("file0", NULL, pattern_memfd(4096), 0, 4096, false, "m",
				       &file));
	assert_string_equal(sim->source, "sim");
	assert_true(sim->writable);
	assert_ok(iod_copy_from(NULL, sim, 0, got, sizeof(got)));
	for (size_t i = 0; i < sizeof(got); i++)
		assert_int_equal(got[i], 0);   /* sim: zeroed */
	assert_ok(iod_copy(NULL, sim, 100, file, 200, 64));
	assert_ok(iod_copy_from(NULL, sim, 100, got, sizeof(got)));
	for (size_t i = 0; i < sizeof(got); i++)
		assert_int_equal(got[i], pattern(200 + i));
	/* a copy that does not fit at the destination writes nothing */
	assert_error(iod_copy(NULL, sim, 4090, file, 0, 64), IOD_ERR_BOUNDS,
		     "sim0+0xffa: 64 bytes reach past the end of the region (4096 bytes)");
	assert_ok(iod_copy_from(NULL, sim, 4032, got, sizeof(got)));
	for (size_t i = 0; i < sizeof(got); i++)
		assert_int_equal(got[i], 0);
	assert_error(iod_region_sim("sim1", 0, &sim), IOD_ERR_BOUNDS,
		     "sim: cannot map 0 bytes");
	iod_region_free(sim);
	iod_region_free(file);
}

/*
 * A large copy out of a file-backed sysmem region reads the file (pread at
 * the region's offset in the file), a small one the mapping; a read that
 * fails or comes up short leaves the rest to the mapping, which faults
 * under the guard past a truncated end.
 */
static void test_sysmem_large_copies_read_the_file(void **state)
{
	struct iod_os os = logging_os();
	int fd = pattern_memfd(SIZE);
	struct iod_region *r;
	uint8_t *buf = malloc(2u << 20);
	struct iod_error *err;

	(void)state;
	assert_non_null(buf);
	assert_ok(iod_region_sysmem_fd("file0", &os, dup(fd), 0x1004, SIZE - 0x2000, false, "m",
				       &r));
	assert_ok(iod_copy_from(NULL, r, 0x10, buf, 2u << 20));
	assert_int_equal(os_log.preads, 2);             /* one per 1 MiB chunk */
	for (size_t i = 0; i < (2u << 20); i++)
		if (buf[i] != pattern(0x1004 + 0x10 + i))
			fail_msg("byte %zu of the copy differs", i);
	assert_ok(iod_copy_from(NULL, r, 0x20, buf, 4096));
	assert_int_equal(os_log.preads, 2);             /* small: from the mapping */
	assert_int_equal(buf[0], pattern(0x1004 + 0x20));
	/* pread refused: the mapping gives the same bytes */
	os_log.fail_errno = EIO;
	assert_ok(iod_copy_from(NULL, r, 0x30, buf, 1u << 20));
	assert_int_equal(os_log.preads, 3);
	assert_int_equal(buf[(1u << 20) - 1], pattern(0x1004 + 0x30 + (1u << 20) - 1));
	os_log.fail_errno = 0;
	/* the file ends 1 MiB into the region: the first chunk reads, the second faults */
	assert_int_equal(ftruncate(fd, 0x1004 + (1u << 20)), 0);
	err = iod_copy_from(NULL, r, 0, buf, 2u << 20);
	assert_non_null(err);
	assert_int_equal(err->kind, IOD_ERR_FAULT);
	assert_string_equal(err->message, "file0+0x100000: copy of 1048576 bytes faulted: SIGBUS"
			    " (no backing storage at that address)");
	iod_error_free(err);
	assert_int_equal(buf[100], pattern(0x1004 + 100));
	iod_region_free(r);
	close(fd);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sysmem_widths_and_unaligned),
		cmocka_unit_test(test_sysmem_writes_reach_the_file),
		cmocka_unit_test(test_mmio_alignment_and_widths),
		cmocka_unit_test(test_mmio_copies_by_units),
		cmocka_unit_test(test_pio_exact_width_syscalls),
		cmocka_unit_test(test_pio_port_widths),
		cmocka_unit_test(test_os_errors_name_the_access),
		cmocka_unit_test(test_pio_short_file),
		cmocka_unit_test(test_overlapping_copies_are_memmove),
		cmocka_unit_test(test_copy_between_regions),
		cmocka_unit_test(test_sysmem_large_copies_read_the_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
