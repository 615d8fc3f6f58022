/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mem:ADDR,SIZE: the mapping of a fake /dev/mem (a regular file found through
 * IODBG_DEVDIR), the open flags and the page-aligned offset, and each refusal
 * the kernel can give, injected through the OS table, with its explanation
 * and the PCI BAR to use instead from a fake sysfs tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "io_helpers.h"
#include "os_recorder.h"
#include "iodbg/target.h"

#define MEM_SIZE (64u << 10)

struct fixture {
	char root[4096];
	char dev[4200], sys[4200], mem[4300];
	int mem_fd;
	struct iod_os os;
};

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + 1);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint8_t *bytes = malloc(MEM_SIZE);

	assert_non_null(f);
	assert_non_null(bytes);
	temp_dir(f->root, sizeof(f->root), "devmem");
	snprintf(f->dev, sizeof(f->dev), "%s/dev", f->root);
	snprintf(f->sys, sizeof(f->sys), "%s/sys", f->root);
	snprintf(f->mem, sizeof(f->mem), "%s/mem", f->dev);
	make_dirs(f->dev);
	make_dirs(f->sys);
	for (size_t i = 0; i < MEM_SIZE; i++)
		bytes[i] = pattern(i);
	f->mem_fd = open(f->mem, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(f->mem_fd >= 0);
	assert_int_equal(pwrite(f->mem_fd, bytes, MEM_SIZE, 0), MEM_SIZE);
	free(bytes);
	assert_int_equal(setenv("IODBG_DEVDIR", f->dev, 1), 0);
	f->os = rec_os();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->mem_fd);
	unsetenv("IODBG_DEVDIR");
	rec_release();
	free(f);
	return 0;
}

static struct iod_error *attach(struct fixture *f, const char *text, bool writable,
				bool with_sysfs, struct iod_region **ret)
{
	struct iod_attach opts = { .writable = writable, .sysfs = with_sysfs ? f->sys : NULL,
				   .os = &f->os };
	struct iod_attached made = { 0 };
	struct iod_target t;
	struct iod_error *err = iod_target_parse(text, &t);

	if (err)
		return err;
	err = iod_target_attach(&t, "mem0", &opts, &made);
	iod_target_release(&t);
	if (err)
		return err;
	assert_int_equal(made.nregions, 1);
	assert_null(made.pci);
	*ret = made.regions[0];
	made.regions[0] = NULL;
	made.nregions = 0;
	iod_attached_release(&made);
	return NULL;
}

/* Asserts an error of kind OS with that errno and message. */
static void assert_os_error(struct iod_error *err, int errnum, const char *msg)
{
	assert_non_null(err);
	assert_string_equal(err->message, msg);
	assert_int_equal(err->kind, IOD_ERR_OS);
	assert_int_equal(err->errnum, errnum);
	iod_error_free(err);
}

static void test_mem_maps_page_below(void **state)
{
	struct fixture *f = *state;
	struct recorder trace;
	struct iod_io io = rec_io(&trace);
	struct iod_region *r = NULL;
	uint64_t v;
	long page = sysconf(_SC_PAGESIZE);
	char want[4400];

	/* 0x2010 is not page-aligned: the mapping starts at 0x2000 and keeps 0x10 */
	assert_ok(attach(f, "mem:0x2010,0x100", false, false, &r));
	assert_log("open mem", "mmap mem at 0x2000");
	assert_int_equal(rec.last_open_flags & (O_ACCMODE | O_SYNC), O_RDONLY | O_SYNC);
	assert_true(rec.last_open_flags & O_CLOEXEC);
	assert_int_equal(rec.mmap_len, (size_t)page);
	assert_string_equal(r->name, "mem0");
	assert_string_equal(r->ops->name, "mmio");
	assert_int_equal(r->size, 0x100);
	assert_int_equal(r->widths, IOD_W_ALL);
	assert_true(r->aligned_only);
	assert_false(r->writable);
	snprintf(want, sizeof(want), "%s at 0x2010", f->mem);
	assert_string_equal(r->source, want);
	assert_ok(iod_access_read(&io, r, 0, 1, &v));
	assert_int_equal(v, pattern(0x2010));
	assert_ok(iod_access_read(&io, r, 8, 8, &v));
	assert_int_equal(v & 0xff, pattern(0x2018));
	assert_int_equal(v >> 56, pattern(0x201f));
	/* mmio: natural alignment only, and the end of the range is the end */
	assert_error(iod_access_read(&io, r, 2, 4, &v), IOD_ERR_ALIGN,
		     "mem0+0x2: 32-bit access is not naturally aligned, which mmio requires");
	assert_error(iod_access_read(&io, r, 0x100, 1, &v), IOD_ERR_BOUNDS,
		     "mem0+0x100: 1 bytes reach past the end of the region (256 bytes)");
	iod_region_free(r);
}

static void test_mem_writable(void **state)
{
	struct fixture *f = *state;
	struct recorder trace;
	struct iod_io io = rec_io(&trace);
	struct iod_region *r = NULL;
	uint32_t back = 0;

	/* crossing a page boundary: two pages mapped */
	assert_ok(attach(f, "mem:0x3ff8,16", true, false, &r));
	assert_int_equal(rec.last_open_flags & (O_ACCMODE | O_SYNC), O_RDWR | O_SYNC);
	assert_int_equal(rec.mmap_off, 0x3000);
	assert_int_equal(rec.mmap_len, 2 * (size_t)sysconf(_SC_PAGESIZE));
	assert_true(r->writable);
	assert_ok(iod_access_write(&io, r, 8, 4, 0x12345678));
	assert_int_equal(pread(f->mem_fd, &back, 4, 0x4000), 4);
	assert_int_equal(back, 0x12345678);
	iod_region_free(r);
}

static void test_mem_range_checked(void **state)
{
	struct fixture *f = *state;
	struct iod_region *r = NULL;

	assert_error(attach(f, "mem:0xffffffffffff0000,0x20000", false, false, &r),
		     IOD_ERR_BOUNDS, "mem:0xffffffffffff0000,0x20000: the range is outside the"
		     " physical address space");
	assert_error(attach(f, "mem:0x8000000000000000,4", false, false, &r), IOD_ERR_BOUNDS,
		     "mem:0x8000000000000000,0x4: the range is outside the physical address"
		     " space");
	assert_int_equal(rec.n, 0);
}

/* No /dev/mem at all: a real ENOENT from an empty device directory. */
static void test_mem_no_devmem(void **state)
{
	struct fixture *f = *state;
	struct iod_region *r = NULL;
	char empty[4300], want[4600];

	snprintf(empty, sizeof(empty), "%s/empty", f->root);
	make_dirs(empty);
	assert_int_equal(setenv("IODBG_DEVDIR", empty, 1), 0);
	snprintf(want, sizeof(want), "mem:0x1000,0x1000: %s/mem: No such file or directory: this"
		 " kernel has no /dev/mem (CONFIG_DEVMEM is off)", empty);
	assert_os_error(attach(f, "mem:0x1000,4K", false, false, &r), ENOENT, want);
	assert_int_equal(setenv("IODBG_DEVDIR", f->dev, 1), 0);
}

static void test_mem_open_refused(void **state)
{
	struct fixture *f = *state;
	struct iod_region *r = NULL;
	char lockdown[4400], want[4800];

	rec.open_fail_name = "mem";

	rec.open_errno = EACCES;
	snprintf(want, sizeof(want), "mem:0x1000,0x1000: %s: Permission denied: reading physical"
		 " memory needs root (CAP_SYS_RAWIO)", f->mem);
	assert_os_error(attach(f, "mem:0x1000,4K", false, true, &r), EACCES, want);

	/* EPERM: the lockdown state says which of the two it is */
	rec.open_errno = EPERM;
	snprintf(want, sizeof(want), "mem:0x1000,0x1000: %s: Operation not permitted: needs"
		 " CAP_SYS_RAWIO (run as root), and a kernel that is not locked down (lockdown"
		 " refuses /dev/mem even to root)", f->mem);
	assert_os_error(attach(f, "mem:0x1000,4K", false, true, &r), EPERM, want);

	snprintf(lockdown, sizeof(lockdown), "%s/kernel/security", f->sys);
	make_dirs(lockdown);
	snprintf(lockdown, sizeof(lockdown), "%s/kernel/security/lockdown", f->sys);
	put_file(lockdown, "none [integrity] confidentiality\n");
	snprintf(want, sizeof(want), "mem:0x1000,0x1000: %s: Operation not permitted: the kernel"
		 " is locked down (integrity), which refuses /dev/mem even to root", f->mem);
	assert_os_error(attach(f, "mem:0x1000,4K", false, true, &r), EPERM, want);

	put_file(lockdown, "[none] integrity confidentiality\n");
	snprintf(want, sizeof(want), "mem:0x1000,0x1000: %s: Operation not permitted: needs"
		 " CAP_SYS_RAWIO (run as root)", f->mem);
	assert_os_error(attach(f, "mem:0x1000,4K", false, true, &r), EPERM, want);
	/* without --sysfs the lockdown file is /sys's: not the fake one */
	unlink(lockdown);

	/* anything else: the errno as it is */
	rec.open_errno = EBUSY;
	snprintf(want, sizeof(want), "mem:0x1000,0x1000: %s: Device or resource busy", f->mem);
	assert_os_error(attach(f, "mem:0x1000,4K", false, true, &r), EBUSY, want);
	/* nothing was mapped */
	for (size_t i = 0; i < rec.n; i++)
		assert_null(strstr(rec.lines[i], "mmap"));
}

static void test_mem_mmap_refused(void **state)
{
	struct fixture *f = *state;
	struct iod_region *r = NULL;
	char want[4800];

	rec.mmap_errno = EPERM;
	snprintf(want, sizeof(want), "mem:0x1000,0x1000: mmap of %s: Operation not permitted:"
		 " STRICT_DEVMEM refuses this range: it is System RAM or claimed by a driver"
		 " (see /proc/iomem)", f->mem);
	assert_os_error(attach(f, "mem:0x1000,4K", false, true, &r), EPERM, want);

	rec.mmap_errno = EINVAL;
	snprintf(want, sizeof(want), "mem:0x1000,0x1000: mmap of %s: Invalid argument: the range"
		 " is already mapped with another cache type (a PAT conflict: dmesg says"
		 " \"conflicting memory types\"), or IO_STRICT_DEVMEM refuses it while a driver"
		 " holds it (unbind the driver or boot with iomem=relaxed)", f->mem);
	assert_os_error(attach(f, "mem:0x1000,4K", false, true, &r), EINVAL, want);

	rec.mmap_errno = ENOMEM;
	snprintf(want, sizeof(want), "mem:0x1000,0x1000: mmap of %s: Cannot allocate memory",
		 f->mem);
	assert_os_error(attach(f, "mem:0x1000,4K", false, true, &r), ENOMEM, want);
	/* the fd was closed each time: every open has its close */
	for (int fd = 0; fd < REC_FDS; fd++)
		assert_null(rec.fd_path[fd]);
}

/* A fake PCI tree: two devices, memory BARs (32- and 64-bit), an I/O BAR. */
static void pci_tree(struct fixture *f)
{
	static const char gpu[] =
		"0x00000000fe000000 0x00000000feffffff 0x0000000000040200\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		"0x00000000e0000000 0x00000000efffffff 0x000000000014220c\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		"0x000000000000e000 0x000000000000e07f 0x0000000000040101\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		"0x00000000ff000000 0x00000000ff07ffff 0x0000000000046200\n";
	static const char nic[] =
		"0x00000000fd000000 0x00000000fd003fff 0x0000000000040200\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n";
	char dir[4400], file[4500];

	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/0000:01:00.0", f->sys);
	make_dirs(dir);
	snprintf(file, sizeof(file), "%s/resource", dir);
	put_file(file, gpu);
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/0000:00:03.0", f->sys);
	make_dirs(dir);
	snprintf(file, sizeof(file), "%s/resource", dir);
	put_file(file, nic);
}

static void test_mem_suggests_bar(void **state)
{
	struct fixture *f = *state;
	struct iod_region *r = NULL;
	char want[4800];

	pci_tree(f);
	rec.mmap_errno = EINVAL;
	snprintf(want, sizeof(want), "mem:0xfe000000,0x1000: mmap of %s: Invalid argument: the"
		 " range is already mapped with another cache type (a PAT conflict: dmesg says"
		 " \"conflicting memory types\"), or IO_STRICT_DEVMEM refuses it while a driver"
		 " holds it (unbind the driver or boot with iomem=relaxed); 0xfe000000 is BAR0 of"
		 " 0000:01:00.0: attach 0000:01:00.0 and use bar0", f->mem);
	assert_os_error(attach(f, "mem:0xfe000000,4K", false, true, &r), EINVAL, want);

	/* inside a 64-bit BAR */
	rec.mmap_errno = EPERM;
	snprintf(want, sizeof(want), "mem:0xe0001000,0x100: mmap of %s: Operation not permitted:"
		 " STRICT_DEVMEM refuses this range: it is System RAM or claimed by a driver (see"
		 " /proc/iomem); 0xe0001000 is in BAR2 of 0000:01:00.0: attach 0000:01:00.0 and"
		 " use bar2+0x1000", f->mem);
	assert_os_error(attach(f, "mem:0xe0001000,256", false, true, &r), EPERM, want);

	/* the other device, at its last byte */
	snprintf(want, sizeof(want), "mem:0xfd003fff,0x1: mmap of %s: Operation not permitted:"
		 " STRICT_DEVMEM refuses this range: it is System RAM or claimed by a driver (see"
		 " /proc/iomem); 0xfd003fff is in BAR0 of 0000:00:03.0: attach 0000:00:03.0 and"
		 " use bar0+0x3fff", f->mem);
	assert_os_error(attach(f, "mem:0xfd003fff,1", false, true, &r), EPERM, want);

	/* past its end, an I/O BAR's port number, the expansion ROM: no BAR to suggest */
	snprintf(want, sizeof(want), "mem:0xfd004000,0x1: mmap of %s: Operation not permitted:"
		 " STRICT_DEVMEM refuses this range: it is System RAM or claimed by a driver (see"
		 " /proc/iomem)", f->mem);
	assert_os_error(attach(f, "mem:0xfd004000,1", false, true, &r), EPERM, want);
	snprintf(want, sizeof(want), "mem:0xe000,0x1: mmap of %s: Operation not permitted:"
		 " STRICT_DEVMEM refuses this range: it is System RAM or claimed by a driver (see"
		 " /proc/iomem)", f->mem);
	assert_os_error(attach(f, "mem:0xe000,1", false, true, &r), EPERM, want);
	snprintf(want, sizeof(want), "mem:0xff000000,0x1: mmap of %s: Operation not permitted:"
		 " STRICT_DEVMEM refuses this range: it is System RAM or claimed by a driver (see"
		 " /proc/iomem)", f->mem);
	assert_os_error(attach(f, "mem:0xff000000,1", false, true, &r), EPERM, want);

	/* a refused open suggests the BAR too (no /dev/mem: resourceN may still exist) */
	rec.mmap_errno = 0;
	rec.open_fail_name = "mem";
	rec.open_errno = ENOENT;
	snprintf(want, sizeof(want), "mem:0xfe000010,0x4: %s: No such file or directory: this"
		 " kernel has no /dev/mem (CONFIG_DEVMEM is off); 0xfe000010 is in BAR0 of"
		 " 0000:01:00.0: attach 0000:01:00.0 and use bar0+0x10", f->mem);
	assert_os_error(attach(f, "mem:0xfe000010,4", false, true, &r), ENOENT, want);

	/* a mapping that works needs no suggestion */
	rec.open_fail_name = NULL;
	assert_ok(attach(f, "mem:0x1000,4", false, true, &r));
	iod_region_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mem_maps_page_below, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mem_writable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mem_range_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mem_no_devmem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mem_open_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mem_mmap_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mem_suggests_bar, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
