/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI targets on fake sysfs trees built from recorded captures
 * (tests/tools/make-sysfs-tree.py, tests/fixtures/pci/) and on libpci's dump
 * method: regions and their backends, cfg bytes against the capture, typed
 * accesses through BARs landing in the resource files, every BAR refusal
 * and its warning, lookup by IDs, info device, the all-ones diagnosis.
 *
 * The program first moves into its own mount namespace with an empty tmpfs
 * over /sys/bus/pci, so that a plumbing bug that ignored the fake tree could
 * not reach a real device; tests that write are skipped (saying why) if that
 * cannot be done.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "io_helpers.h"
#include "iodbg/format.h"
#include "iodbg/strbuf.h"
#include "iodbg/target.h"

#define FIX "tests/fixtures/pci"
#define TOOL "/usr/bin/python3 tests/tools/make-sysfs-tree.py"
#define NOBODY 65534

static bool isolated;

/* ---- fixtures --------------------------------------------------------------- */

struct warnings {
	size_t n;
	char msg[8][600];
};

static void on_warn(void *ctx, const char *msg)
{
	struct warnings *w = ctx;

	if (w->n < 8)
		snprintf(w->msg[w->n], sizeof(w->msg[0]), "%s", msg);
	w->n++;
}

/* A fresh directory under TMPDIR for one fake /sys. */
static void new_root(char *root, size_t size)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(root, size, "%s/sysXXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(root));
	assert_int_equal(chmod(root, 0755), 0);
}

/* Adds a device to the tree at root: make-sysfs-tree.py ROOT CAPTURE ARGS. */
static void tree(const char *root, const char *capture, const char *args)
{
	char cmd[PATH_MAX * 2 + 4096];

	snprintf(cmd, sizeof(cmd), TOOL " '%s' " FIX "/%s %s", root, capture, args);
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
}

/* The Fiji GPU of cap-rebar.txt at 0000:01:00.0: 64-bit prefetchable BAR0
   and BAR2, I/O BAR4, 32-bit BAR5; capabilities and extended ones. */
static void gpu_tree(const char *root, const char *extra)
{
	char args[1024];

	snprintf(args, sizeof(args),
		 "--slot 0000:01:00.0 --bar 0:1M --bar 2:2M --bar 4:256 --bar 5:256K %s",
		 extra ? extra : "");
	tree(root, "cap-rebar.txt", args);
}

static struct iod_error *attach(const char *target, const char *root, const char *prefix,
				bool writable, const struct iod_os *os, struct warnings *w,
				struct iod_attached *ret)
{
	struct iod_target t;
	struct iod_attach opts = { .writable = writable, .sysfs = root, .warn = on_warn,
				   .ctx = w, .os = os };
	struct iod_error *err;

	memset(w, 0, sizeof(*w));
	memset(ret, 0, sizeof(*ret));
	assert_ok(iod_target_parse(target, &t));
	err = iod_target_attach(&t, prefix, &opts, ret);
	iod_target_release(&t);
	return err;
}

static struct iod_region *region(const struct iod_attached *a, const char *name)
{
	for (size_t i = 0; i < a->nregions; i++)
		if (!strcmp(a->regions[i]->name, name))
			return a->regions[i];
	return NULL;
}

/* The config bytes of slot (as the capture writes it, "09:00.0") in a
   capture file, parsed here independently of the tree builder. */
static size_t capture_bytes(const char *file, const char *slot, uint8_t *buf, size_t size)
{
	char path[PATH_MAX], line[512];
	FILE *f;
	bool in = false;
	size_t len = 0;

	snprintf(path, sizeof(path), FIX "/%s", file);
	f = fopen(path, "r");
	assert_non_null(f);
	memset(buf, 0xff, size);
	while (fgets(line, sizeof(line), f)) {
		unsigned off;
		int used = 0;
		char *p;

		if (!strncmp(line, slot, strlen(slot)) && line[strlen(slot)] == ' ') {
			in = true;
			continue;
		}
		if (line[0] == '\n' || (line[0] != '\t' && strchr(line, '.') && !strstr(line, ": ")))
			in = false;
		if (!in || sscanf(line, "%x: %n", &off, &used) != 1 || used < 2 ||
		    line[used - 2] != ':')
			continue;
		for (p = line + used; off < size; off++) {
			unsigned byte;
			int n;

			if (sscanf(p, "%2x%n", &byte, &n) != 1)
				break;
			buf[off] = (uint8_t)byte;
			if (off + 1 > len)
				len = off + 1;
			p += n;
			while (*p == ' ')
				p++;
		}
	}
	fclose(f);
	return len;
}

static char *device_file(const char *root, const char *slot, const char *file)
{
	static char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/%s", root, slot, file);
	return path;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void poke_config(const char *root, const char *slot, off_t off, const void *bytes,
			size_t len)
{
	int fd = open(device_file(root, slot, "config"), O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, bytes, len, off), (ssize_t)len);
	close(fd);
}

/* ---- regions ------------------------------------------------------------------ */

static void test_gpu_regions(void **state)
{
	char root[PATH_MAX];
	struct iod_attached a;
	struct warnings w;
	static const struct { const char *name, *backend; uint64_t size; unsigned widths; } want[] = {
		{ "cfg", "pci-config", 4096, IOD_W8 | IOD_W16 | IOD_W32 },
		{ "bar0", "mmio", 1 << 20, IOD_W_ALL },
		{ "bar2", "mmio", 2 << 20, IOD_W_ALL },
		{ "bar4", "pio", 256, IOD_W8 | IOD_W16 | IOD_W32 },
		{ "bar5", "mmio", 256 << 10, IOD_W_ALL },
	};

	(void)state;
	new_root(root, sizeof(root));
	gpu_tree(root, NULL);
	assert_ok(attach("0000:01:00.0", root, "", false, NULL, &w, &a));
	assert_int_equal(w.n, 0);
	assert_int_equal(a.nregions, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(a.regions[i]->name, want[i].name);
		assert_string_equal(a.regions[i]->ops->name, want[i].backend);
		assert_int_equal(a.regions[i]->size, want[i].size);
		assert_int_equal(a.regions[i]->widths, want[i].widths);
		assert_false(a.regions[i]->writable);
	}
	assert_true(a.regions[0]->aligned_only);
	assert_string_equal(a.regions[1]->source, device_file(root, "0000:01:00.0", "resource0"));
	assert_string_equal(a.regions[0]->source, device_file(root, "0000:01:00.0", "config"));
	assert_non_null(a.pci);
	assert_string_equal(a.view_type, "struct pci_config_header");
	assert_ptr_equal(a.view_region, a.regions[0]);
	assert_int_equal(a.vendor, 0x1002);
	assert_int_equal(a.device, 0x7300);
	iod_attached_release(&a);

	/* the short forms name the same device; a prefix names every region */
	assert_ok(attach("pci:01:00.0", root, "gpu", false, NULL, &w, &a));
	assert_int_equal(a.nregions, 5);
	assert_string_equal(a.regions[0]->name, "gpu_cfg");
	assert_string_equal(a.regions[1]->name, "gpu_bar0");
	assert_string_equal(a.regions[4]->name, "gpu_bar5");
	iod_attached_release(&a);
	assert_ok(attach("01:00.0", root, "", false, NULL, &w, &a));
	assert_int_equal(a.nregions, 5);
	iod_attached_release(&a);
}

static void test_cfg_reads_equal_the_capture(void **state)
{
	char root[PATH_MAX];
	uint8_t want[4096];
	struct iod_attached a;
	struct warnings w;
	struct iod_region *cfg;
	uint64_t v;

	(void)state;
	assert_int_equal(capture_bytes("cap-rebar.txt", "09:00.0", want, sizeof(want)), 4096);
	new_root(root, sizeof(root));
	gpu_tree(root, NULL);
	assert_ok(attach("0000:01:00.0", root, "", false, NULL, &w, &a));
	cfg = region(&a, "cfg");
	for (unsigned width = 1; width <= 4; width <<= 1)
		for (uint64_t off = 0; off < 4096; off += width) {
			uint64_t expect = 0;

			for (unsigned i = 0; i < width; i++)
				expect |= (uint64_t)want[off + i] << (8 * i);
			assert_ok(iod_access_read(NULL, cfg, off, width, &v));
			assert_int_equal(v, expect);
		}
	/* bulk copies go by units and see the same bytes */
	{
		uint8_t got[4096];

		assert_ok(iod_copy_from(NULL, cfg, 1, got + 1, 4093));
		assert_memory_equal(got + 1, want + 1, 4093);
	}
	iod_attached_release(&a);
}

static void test_cfg_refuses_64_bit_unaligned_and_past_the_end(void **state)
{
	char root[PATH_MAX];
	struct iod_attached a;
	struct warnings w;
	struct iod_region *cfg;
	uint64_t v;

	(void)state;
	new_root(root, sizeof(root));
	gpu_tree(root, NULL);
	assert_ok(attach("0000:01:00.0", root, "", false, NULL, &w, &a));
	cfg = region(&a, "cfg");
	assert_error(iod_access_read(NULL, cfg, 0, 8, &v), IOD_ERR_WIDTH,
		     "cfg+0x0: 64-bit access not supported by pci-config");
	assert_error(iod_access_write(NULL, cfg, 0x40, 8, 0), IOD_ERR_WIDTH,
		     "cfg+0x40: 64-bit access not supported by pci-config");
	assert_error(iod_access_read(NULL, cfg, 2, 4, &v), IOD_ERR_ALIGN,
		     "cfg+0x2: 32-bit access is not naturally aligned, which pci-config requires");
	assert_error(iod_access_read(NULL, cfg, 4096, 4, &v), IOD_ERR_BOUNDS,
		     "cfg+0x1000: 4 bytes reach past the end of the region (4096 bytes)");
	/* read-only without -w */
	assert_error(iod_access_write(NULL, cfg, 0x40, 4, 0), IOD_ERR_READONLY,
		     "cfg is read-only: writes need iodbg -w (or -n to see them)");
	iod_attached_release(&a);
}

static void test_cfg_writes_reach_config(void **state)
{
	char root[PATH_MAX];
	struct iod_attached a;
	struct warnings w;
	struct recorder rec;
	struct iod_io io = rec_io(&rec);
	uint8_t back[4];
	int fd;

	(void)state;
	if (!isolated)
		skip();
	new_root(root, sizeof(root));
	gpu_tree(root, NULL);
	assert_ok(attach("0000:01:00.0", root, "", true, NULL, &w, &a));
	assert_true(a.regions[0]->writable);
	assert_ok(iod_access_write(&io, a.regions[0], 0x4c, 2, 0xbeef));
	assert_ok(iod_access_write(&io, a.regions[0], 0x4e, 1, 0x5a));
	assert_string_equal(rec.lines[0], "W16 cfg+0x4c 0xbeef");
	assert_string_equal(rec.lines[1], "W8  cfg+0x4e 0x5a");
	fd = open(device_file(root, "0000:01:00.0", "config"), O_RDONLY);
	assert_int_equal(pread(fd, back, 3, 0x4c), 3);
	close(fd);
	assert_int_equal(back[0], 0xef);
	assert_int_equal(back[1], 0xbe);
	assert_int_equal(back[2], 0x5a);
	iod_attached_release(&a);
}

/* What a file holds at off, little-endian, width bytes. */
static uint64_t file_le(const char *path, off_t off, unsigned width)
{
	uint8_t b[8];
	uint64_t v = 0;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, b, width, off), (ssize_t)width);
	close(fd);
	for (unsigned i = 0; i < width; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static void test_typed_accesses_through_bar0(void **state)
{
	char root[PATH_MAX], line[96];
	const char *res0;
	struct iod_attached a;
	struct warnings w;
	struct types types;
	struct recorder rec;
	struct iod_io io = rec_io(&rec);
	struct iod_view gsp, v;
	uint64_t got;
	const uint64_t base = 0x10000;

	(void)state;
	if (!isolated)
		skip();
	build_types(&types);
	new_root(root, sizeof(root));
	gpu_tree(root, NULL);
	assert_ok(attach("0000:01:00.0", root, "", true, NULL, &w, &a));
	res0 = strdup(device_file(root, "0000:01:00.0", "resource0"));
	assert_ok(iod_view_init(region(&a, "bar0"), base, types.gsp, &gsp));

	v = project(&gsp, ".cmdq[3].head");
	assert_ok(iod_write_scalar(&io, &v, 0x10));
	assert_int_equal(file_le(res0, base + offsetof(struct t_gsp, cmdq[3].head), 4), 0x10);
	snprintf(line, sizeof(line), "W32 bar0+0x%zx 0x00000010",
		 (size_t)(base + offsetof(struct t_gsp, cmdq[3].head)));
	assert_string_equal(rec.lines[0], line);

	v = project(&gsp, ".big");
	assert_ok(iod_write_scalar(&io, &v, 0x1122334455667788));
	assert_int_equal(file_le(res0, base + offsetof(struct t_gsp, big), 8), 0x1122334455667788);
	snprintf(line, sizeof(line), "W64 bar0+0x%zx 0x1122334455667788",
		 (size_t)(base + offsetof(struct t_gsp, big)));
	assert_string_equal(rec.lines[1], line);

	/* a bitfield: its 32-bit unit read, then written whole */
	v = project(&gsp, ".status.seq");
	assert_ok(iod_write_scalar(&io, &v, 0x7e));
	assert_int_equal(rec.n, 4);
	snprintf(line, sizeof(line), "R32 bar0+0x%zx 0x00000000",
		 (size_t)(base + offsetof(struct t_gsp, status)));
	assert_string_equal(rec.lines[2], line);
	snprintf(line, sizeof(line), "W32 bar0+0x%zx 0x0000007e",
		 (size_t)(base + offsetof(struct t_gsp, status)));
	assert_string_equal(rec.lines[3], line);
	assert_int_equal(file_le(res0, base + offsetof(struct t_gsp, status), 4), 0x7e);

	/* raw accesses of each width at their offsets, read back through the region */
	assert_ok(iod_access_write(&io, region(&a, "bar0"), 0x101, 1, 0xab));
	assert_ok(iod_access_write(&io, region(&a, "bar0"), 0x102, 2, 0xcdef));
	assert_int_equal(file_le(res0, 0x101, 1), 0xab);
	assert_int_equal(file_le(res0, 0x102, 2), 0xcdef);
	assert_ok(iod_access_read(&io, region(&a, "bar0"), 0x100, 4, &got));
	assert_int_equal(got, 0xcdefab00);
	assert_string_equal(rec.lines[6], "R32 bar0+0x100 0xcdefab00");
	/* mmio is aligned-only */
	assert_error(iod_access_read(&io, region(&a, "bar0"), 0x102, 4, &got), IOD_ERR_ALIGN,
		     "bar0+0x102: 32-bit access is not naturally aligned, which mmio requires");
	free((void *)res0);
	iod_attached_release(&a);
	iod_typedb_free(types.db);
}

static void test_io_bar_is_pio(void **state)
{
	char root[PATH_MAX];
	struct iod_attached a;
	struct warnings w;
	struct recorder rec;
	struct iod_io io = rec_io(&rec);
	struct iod_region *bar4;
	uint64_t v;

	(void)state;
	if (!isolated)
		skip();
	new_root(root, sizeof(root));
	gpu_tree(root, NULL);
	assert_ok(attach("0000:01:00.0", root, "", true, NULL, &w, &a));
	bar4 = region(&a, "bar4");
	assert_non_null(bar4);
	assert_ok(iod_access_write(&io, bar4, 0x10, 4, 0x01020304));
	assert_ok(iod_access_write(&io, bar4, 0x20, 2, 0xbeef));
	assert_ok(iod_access_write(&io, bar4, 0x31, 1, 0x7f));
	assert_int_equal(file_le(device_file(root, "0000:01:00.0", "resource4"), 0x10, 4),
			 0x01020304);
	assert_int_equal(file_le(device_file(root, "0000:01:00.0", "resource4"), 0x20, 2), 0xbeef);
	assert_int_equal(file_le(device_file(root, "0000:01:00.0", "resource4"), 0x31, 1), 0x7f);
	assert_ok(iod_access_read(&io, bar4, 0x10, 4, &v));
	assert_int_equal(v, 0x01020304);
	assert_string_equal(rec.lines[3], "R32 bar4+0x10 0x01020304");
	/* I/O ports are 8, 16 or 32 bits wide */
	assert_error(iod_access_read(&io, bar4, 0x10, 8, &v), IOD_ERR_WIDTH,
		     "bar4+0x10: 64-bit access not supported by pio");
	iod_attached_release(&a);
}

/* A 1K BAR at 0x...400 (the EHCI controller of tree-asus-p6t6.txt, moved): the
   kernel maps it from the page below, so BAR offset 0 is file offset 0x400. */
static void test_bar_not_page_aligned(void **state)
{
	char root[PATH_MAX];
	struct iod_attached a;
	struct warnings w;
	uint64_t v;
	const char *res0;
	int fd;
	uint32_t marker = 0xa5a5f00d;

	(void)state;
	new_root(root, sizeof(root));
	tree(root, "tree-asus-p6t6.txt", "--pick 00:1a.7 --bar 0:1K --bar-addr 0:f9eff400");
	res0 = device_file(root, "0000:00:1a.7", "resource0");
	fd = open(res0, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &marker, 4, 0x400 + 0x3fc), 4);
	close(fd);
	assert_ok(attach("00:1a.7", root, "", false, NULL, &w, &a));
	assert_int_equal(w.n, 0);
	assert_non_null(region(&a, "bar0"));
	assert_int_equal(region(&a, "bar0")->size, 1024);
	assert_ok(iod_access_read(NULL, region(&a, "bar0"), 0x3fc, 4, &v));
	assert_int_equal(v, marker);
	assert_error(iod_access_read(NULL, region(&a, "bar0"), 0x400, 4, &v), IOD_ERR_BOUNDS,
		     "bar0+0x400: 4 bytes reach past the end of the region (1024 bytes)");
	iod_attached_release(&a);
}

static void test_bridge_gets_the_type1_view(void **state)
{
	char root[PATH_MAX];
	struct iod_attached a;
	struct warnings w;

	(void)state;
	new_root(root, sizeof(root));
	tree(root, "cap-aer-log.txt", "");
	assert_ok(attach("00:1c.0", root, "", false, NULL, &w, &a));
	assert_string_equal(a.view_type, "struct pci_bridge_header");
	assert_int_equal(a.nregions, 1);
	assert_string_equal(a.regions[0]->name, "cfg");
	assert_int_equal(a.regions[0]->size, 4096);
	assert_int_equal(w.n, 0);
	iod_attached_release(&a);
}

/* ---- BARs that cannot be had ---------------------------------------------------- */

static void test_missing_resource_file(void **state)
{
	char root[PATH_MAX];
	struct iod_attached a;
	struct warnings w;

	(void)state;
	new_root(root, sizeof(root));
	gpu_tree(root, "--bar 0:1M:nofile");
	assert_ok(attach("0000:01:00.0", root, "", false, NULL, &w, &a));
	assert_int_equal(w.n, 1);
	assert_string_equal(w.msg[0], "bar0: no resource0 file: this kernel or VM does not expose"
			    " BAR files (lockdown or a virtual machine)");
	assert_null(region(&a, "bar0"));
	assert_non_null(region(&a, "cfg"));
	assert_non_null(region(&a, "bar2"));
	assert_int_equal(a.nregions, 4);
	iod_attached_release(&a);
}

/* mmap and open fail as the kernel would make them; counted to prove the seam is used. */
static struct {
	int mmap_errno, open_errno;
	unsigned mmaps, opens;
} inject;

static void *inject_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	inject.mmaps++;
	if (inject.mmap_errno) {
		errno = inject.mmap_errno;
		return MAP_FAILED;
	}
	return mmap(addr, len, prot, flags, fd, off);
}

static int inject_open(const char *path, int flags, mode_t mode)
{
	inject.opens++;
	if (inject.open_errno && strstr(path, "/resource0")) {
		errno = inject.open_errno;
		return -1;
	}
	return open(path, flags, mode);
}

static void check_refusal(const char *root, const char *prefix, int open_errno,
			  int mmap_errno, const char *want)
{
	struct iod_os os = iod_os_default;
	struct iod_attached a;
	struct warnings w;
	char bar0[64];

	os.mmap = inject_mmap;
	os.open = inject_open;
	memset(&inject, 0, sizeof(inject));
	inject.open_errno = open_errno;
	inject.mmap_errno = mmap_errno;
	assert_ok(attach("0000:01:00.0", root, prefix, false, &os, &w, &a));
	assert_true(inject.opens >= 1);
	/* every memory BAR fails the same way; the first warning is bar0's */
	assert_true(w.n >= 1);
	assert_string_equal(w.msg[0], want);
	snprintf(bar0, sizeof(bar0), "%s%sbar0", prefix, *prefix ? "_" : "");
	assert_null(region(&a, bar0));
	/* config space still attached, and the I/O BAR (not mapped) too */
	assert_non_null(a.regions[0]);
	assert_int_equal(a.regions[0]->size, 4096);
	iod_attached_release(&a);
}

static void test_mmap_refusals_explained(void **state)
{
	char root[PATH_MAX];

	(void)state;
	new_root(root, sizeof(root));
	gpu_tree(root, NULL);
	check_refusal(root, "", 0, EPERM,
		      "bar0: kernel lockdown refuses mapping resource0 (EPERM); boot without"
		      " lockdown/Secure Boot");
	assert_true(inject.mmaps >= 1);
	check_refusal(root, "gpu", 0, EINVAL,
		      "gpu_bar0: the kernel refuses mapping resource0 (EINVAL): with"
		      " IO_STRICT_DEVMEM a BAR that a driver has claimed cannot be mapped; unbind"
		      " the driver or boot with iomem=relaxed");
	check_refusal(root, "", EACCES, 0,
		      "bar0: cannot open resource0 (EACCES): mapping a BAR needs root");
	check_refusal(root, "", EPERM, 0,
		      "bar0: kernel lockdown refuses mapping resource0 (EPERM); boot without"
		      " lockdown/Secure Boot");
	check_refusal(root, "", 0, ENOMEM, "bar0: cannot map resource0: Cannot allocate memory");
	/* with a driver bound, EINVAL names it */
	gpu_tree(root, "--driver amdgpu");
	check_refusal(root, "", 0, EINVAL,
		      "bar0: the kernel refuses mapping resource0 (EINVAL): with IO_STRICT_DEVMEM a"
		      " BAR that a driver has claimed (here amdgpu) cannot be mapped; unbind the"
		      " driver or boot with iomem=relaxed");
}

/* Runs fn as nobody in a child; returns what it wrote to the pipe. */
static void as_nobody(void (*fn)(int out, const char *root), const char *root, char *buf,
		      size_t size)
{
	int p[2];
	pid_t pid;
	ssize_t n;
	size_t got = 0;
	int status;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(3);
		fn(p[1], root);
		_exit(0);
	}
	close(p[1]);
	while (got + 1 < size && (n = read(p[0], buf + got, size - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = 0;
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void attach_and_report(int out, const char *root)
{
	struct iod_attached a;
	struct warnings w;
	struct iod_error *err = attach("0000:01:00.0", root, "", false, NULL, &w, &a);

	if (err) {
		dprintf(out, "error: %s\n", err->message);
		iod_error_free(err);
		return;
	}
	for (size_t i = 0; i < w.n && i < 8; i++)
		dprintf(out, "warning: %s\n", w.msg[i]);
	for (size_t i = 0; i < a.nregions; i++)
		dprintf(out, "region %s %llu\n", a.regions[i]->name,
			(unsigned long long)a.regions[i]->size);
	iod_attached_release(&a);
}

/* The file modes of the kernel (resourceN 0600 root), read by someone else. */
static void test_eacces_as_nobody(void **state)
{
	char root[PATH_MAX], out[4096], parent[PATH_MAX];

	(void)state;
	new_root(root, sizeof(root));
	/* nobody must be able to walk down to the tree */
	snprintf(parent, sizeof(parent), "%s", getenv("TMPDIR"));
	assert_int_equal(chmod(parent, 0755), 0);
	*strrchr(parent, '/') = 0;
	assert_int_equal(chmod(parent, 0755), 0);
	gpu_tree(root, "--bar 0:1M:mode=600");
	as_nobody(attach_and_report, root, out, sizeof(out));
	assert_string_equal(out,
			    "warning: bar0: cannot open resource0 (EACCES): mapping a BAR needs root\n"
			    "region cfg 4096\n"
			    "region bar2 2097152\n"
			    "region bar4 256\n"
			    "region bar5 262144\n");
}

/* A config file that gives only 64 bytes, as the kernel does to the unprivileged. */
static void test_64_byte_config(void **state)
{
	char root[PATH_MAX], out[4096];
	struct iod_attached a;
	struct warnings w;
	uint64_t v;

	(void)state;
	new_root(root, sizeof(root));
	gpu_tree(root, "--config-size 64");
	assert_ok(attach("0000:01:00.0", root, "", false, NULL, &w, &a));
	assert_int_equal(a.regions[0]->size, 64);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.msg[0], "cfg: only the first 64 bytes of config space of"
			    " 0000:01:00.0 can be read; cfg is 64 bytes");
	assert_ok(iod_access_read(NULL, a.regions[0], 60, 4, &v));
	assert_error(iod_access_read(NULL, a.regions[0], 64, 4, &v), IOD_ERR_BOUNDS,
		     "cfg+0x40: 4 bytes reach past the end of the region (64 bytes)");
	/* past what can be read, the backend itself refuses rather than inventing all-ones */
	assert_error(a.regions[0]->ops->read(a.regions[0]->ctx, 64, 4, &v), IOD_ERR_OS,
		     "config read of 4 bytes at 0x40 failed (those bytes cannot be read)");
	iod_attached_release(&a);

	/* someone without CAP_SYS_ADMIN is told why */
	snprintf(out, sizeof(out), "%s", getenv("TMPDIR"));
	assert_int_equal(chmod(out, 0755), 0);
	*strrchr(out, '/') = 0;
	assert_int_equal(chmod(out, 0755), 0);
	as_nobody(attach_and_report, root, out, sizeof(out));
	assert_non_null(strstr(out, "warning: cfg: only the first 64 bytes of config space of"
			       " 0000:01:00.0 can be read without root (CAP_SYS_ADMIN); cfg is 64"
			       " bytes\n"));
	assert_non_null(strstr(out, "region cfg 64\n"));
}

/* ---- decoding off, and the all-ones diagnosis --------------------------------- */

static void test_decoding_disabled_and_all_ones(void **state)
{
	char root[PATH_MAX];
	struct iod_attached a;
	struct warnings w;
	struct iod_region *bar0, *bar4, *cfg;
	uint32_t ones = 0xffffffff;
	uint16_t command = 0x0407, gone = 0xffff, vendor = 0x1002;
	uint64_t v;
	int fd;

	(void)state;
	new_root(root, sizeof(root));
	/* memory decoding off, I/O on */
	gpu_tree(root, "--command 0405");
	fd = open(device_file(root, "0000:01:00.0", "resource0"), O_WRONLY);
	assert_int_equal(pwrite(fd, &ones, 4, 0x20), 4);
	close(fd);
	assert_ok(attach("0000:01:00.0", root, "", false, NULL, &w, &a));
	assert_int_equal(w.n, 3);
	assert_string_equal(w.msg[0], "bar0: memory decoding is disabled in the command register"
			    " of 0000:01:00.0: reads would return all-ones until it is enabled (bit 1"
			    " of command)");
	assert_non_null(strstr(w.msg[1], "bar2: memory decoding is disabled"));
	assert_non_null(strstr(w.msg[2], "bar5: memory decoding is disabled"));
	bar0 = region(&a, "bar0");
	bar4 = region(&a, "bar4");
	cfg = region(&a, "cfg");
	assert_non_null(bar0);
	assert_non_null(cfg);
	assert_ok(iod_access_read(NULL, bar0, 0x20, 4, &v));
	assert_int_equal(v, 0xffffffff);
	assert_string_equal(iod_pci_diagnose(a.pci, NULL, cfg, bar0, 4, v),
			    "memory decoding is disabled in the command register (bit 1): the device"
			    " does not answer, reads return all-ones");
	/* only all-ones of 32 or 64 bits, only the device's own BARs */
	assert_null(iod_pci_diagnose(a.pci, NULL, cfg, bar0, 4, 0xfffffffe));
	assert_null(iod_pci_diagnose(a.pci, NULL, cfg, bar0, 2, 0xffff));
	assert_null(iod_pci_diagnose(a.pci, NULL, cfg, a.regions[0], 4, 0xffffffff));
	/* the I/O BAR decodes: nothing to say */
	assert_null(iod_pci_diagnose(a.pci, NULL, cfg, bar4, 4, 0xffffffff));
	/* without its config region (detached) there is nothing to ask */
	assert_null(iod_pci_diagnose(a.pci, NULL, NULL, bar0, 4, 0xffffffff));

	/* decoding on again: all-ones is the device's answer */
	poke_config(root, "0000:01:00.0", 4, &command, 2);
	assert_null(iod_pci_diagnose(a.pci, NULL, cfg, bar0, 4, 0xffffffff));
	/* the vendor ID reads all-ones: gone (surprise removal, or in reset) */
	poke_config(root, "0000:01:00.0", 0, &gone, 2);
	assert_string_equal(iod_pci_diagnose(a.pci, NULL, cfg, bar0, 8, UINT64_MAX),
			    "the device is gone or in reset: its vendor ID reads all-ones through"
			    " config space too");
	poke_config(root, "0000:01:00.0", 0, &vendor, 2);
	/* renamed regions are still recognised by where they come from */
	assert_ok(iod_region_rename(bar0, "gpu_bar0"));
	command = 0x0405;
	poke_config(root, "0000:01:00.0", 4, &command, 2);
	assert_non_null(iod_pci_diagnose(a.pci, NULL, cfg, bar0, 4, 0xffffffff));
	iod_attached_release(&a);
}

/* ---- lookup ---------------------------------------------------------------------- */

static void test_lookup_by_ids_in_slot_order(void **state)
{
	char root[PATH_MAX];
	struct iod_attached a;
	struct warnings w;
	static const char *const order[] = { "0000:01:00.0", "0000:03:00.0", "0001:00:00.0" };

	(void)state;
	new_root(root, sizeof(root));
	/* created out of order: readdir order must not matter */
	tree(root, "cap-rebar.txt", "--slot 0001:00:00.0 --ids 1002:7300");
	tree(root, "cap-rebar.txt", "--slot 0000:03:00.0");
	tree(root, "cap-rebar.txt", "--slot 0000:01:00.0");
	tree(root, "cap-aer-log.txt", "--slot 0000:00:1c.0");
	for (unsigned i = 0; i < 3; i++) {
		char target[32];

		snprintf(target, sizeof(target), "pci:1002:7300#%u", i);
		assert_ok(attach(target, root, "", false, NULL, &w, &a));
		assert_string_equal(a.regions[0]->source, device_file(root, order[i], "config"));
		iod_attached_release(&a);
	}
	assert_ok(attach("pci:1002:7300", root, "", false, NULL, &w, &a));
	assert_string_equal(a.regions[0]->source, device_file(root, order[0], "config"));
	iod_attached_release(&a);
	assert_error(attach("pci:1002:7300#3", root, "", false, NULL, &w, &a), IOD_ERR_LOOKUP,
		     "no PCI device 1002:7300#3 (3 found)");
	assert_error(attach("pci:10de:2684", root, "", false, NULL, &w, &a), IOD_ERR_LOOKUP,
		     "no PCI device 10de:2684");
	assert_error(attach("pci:10de:2684#1", root, "", false, NULL, &w, &a), IOD_ERR_LOOKUP,
		     "no PCI device 10de:2684#1");
	assert_error(attach("0000:05:00.0", root, "", false, NULL, &w, &a), IOD_ERR_LOOKUP,
		     "no PCI device 0000:05:00.0");
	assert_error(attach("0001:01:00.0", root, "", false, NULL, &w, &a), IOD_ERR_LOOKUP,
		     "no PCI device 0001:01:00.0");
}

static void test_no_bus(void **state)
{
	char root[PATH_MAX], want[PATH_MAX * 3];
	struct iod_attached a;
	struct warnings w;

	(void)state;
	new_root(root, sizeof(root));
	snprintf(want, sizeof(want), "cannot list PCI devices under %s/bus/pci: Cannot open"
		 " %s/bus/pci/devices", root, root);
	assert_error(attach("0000:01:00.0", root, "", false, NULL, &w, &a), IOD_ERR_OS, want);
}

/* ---- libpci's dump method ----------------------------------------------------------- */

static int forget_dump(void **state)
{
	(void)state;
	unsetenv("IODBG_PCI_DUMP");
	return 0;
}

static void test_dump_method(void **state)
{
	struct iod_attached a;
	struct warnings w;
	uint8_t want[4096];
	uint64_t v;
	struct iod_region *cfg;

	(void)state;
	setenv("IODBG_PCI_DUMP", FIX "/tree-asus-p6t6.txt", 1);
	/* the two RTL8111 at 07:00.0 and 08:00.0 */
	assert_ok(attach("pci:10ec:8168#1", NULL, "", true, NULL, &w, &a));
	assert_int_equal(w.n, 0);
	cfg = a.regions[0];
	assert_int_equal(a.nregions, 1);
	assert_string_equal(cfg->source, FIX "/tree-asus-p6t6.txt (dump), 0000:08:00.0");
	assert_string_equal(a.view_type, "struct pci_config_header");
	assert_int_equal(capture_bytes("tree-asus-p6t6.txt", "08:00.0", want, sizeof(want)), 4096);
	assert_int_equal(cfg->size, 4096);
	for (uint64_t off = 0; off < 4096; off += 4) {
		assert_ok(iod_access_read(NULL, cfg, off, 4, &v));
		assert_int_equal(v, (uint64_t)want[off] | want[off + 1] << 8 |
				    want[off + 2] << 16 | (uint64_t)want[off + 3] << 24);
	}
	/* read-only even with -w; a write that reaches libpci is an error, not an exit */
	assert_false(cfg->writable);
	assert_error(iod_access_write(NULL, cfg, 0x40, 4, 0), IOD_ERR_READONLY,
		     "cfg is read-only: writes need iodbg -w (or -n to see them)");
	assert_error(cfg->ops->write(cfg->ctx, 0x40, 4, 0), IOD_ERR_OS,
		     "config write of 4 bytes at 0x40: Writing to dump files is not supported.");
	cfg->writable = true;
	assert_error(iod_access_write(NULL, cfg, 0x40, 2, 0), IOD_ERR_OS,
		     "cfg+0x40: config write of 2 bytes at 0x40: Writing to dump files is not"
		     " supported.");
	/* and libpci is still usable after the jump */
	assert_ok(iod_access_read(NULL, cfg, 0, 4, &v));
	assert_int_equal(v, 0x816810ec);
	iod_attached_release(&a);

	/* a bridge of the same dump */
	assert_ok(attach("00:1c.0", NULL, "", false, NULL, &w, &a));
	assert_string_equal(a.view_type, "struct pci_bridge_header");
	iod_attached_release(&a);

	/* an lspci -xxx dump: 256 bytes */
	setenv("IODBG_PCI_DUMP", FIX "/cap-vendor-virtio.txt", 1);
	assert_ok(attach("00:09.0", NULL, "", false, NULL, &w, &a));
	assert_int_equal(a.regions[0]->size, 256);
	assert_int_equal(capture_bytes("cap-vendor-virtio.txt", "00:09.0", want, sizeof(want)),
			 256);
	assert_ok(iod_access_read(NULL, a.regions[0], 0xfc, 4, &v));
	assert_int_equal(v, (uint64_t)want[0xfc] | want[0xfd] << 8 | want[0xfe] << 16 |
			    (uint64_t)want[0xff] << 24);
	iod_attached_release(&a);

	setenv("IODBG_PCI_DUMP", FIX "/no-such-dump.txt", 1);
	assert_error(attach("00:1c.0", NULL, "", false, NULL, &w, &a), IOD_ERR_OS,
		     "cannot read the PCI dump " FIX "/no-such-dump.txt: dump: Cannot open "
		     FIX "/no-such-dump.txt: No such file or directory");
}

/* ---- info device ------------------------------------------------------------------- */

static void region_json(struct iod_strbuf *o, const struct iod_region *r)
{
	iod_strbuf_printf(o, "{\"name\":\"%s\"}", r->name);
}

struct traced {
	size_t n;
	struct iod_access last;
};

static void trace_cb(void *ctx, const struct iod_access *acc)
{
	struct traced *t = ctx;

	t->n++;
	t->last = *acc;
}

static void test_info_device(void **state)
{
	char root[PATH_MAX];
	struct iod_attached a;
	struct warnings w;
	struct iod_strbuf text = { 0 }, json = { 0 };
	struct traced traced = { 0 };
	struct iod_io io = { .trace = trace_cb, .ctx = &traced };

	(void)state;
	new_root(root, sizeof(root));
	gpu_tree(root, "--driver amdgpu");
	assert_ok(attach("0000:01:00.0", root, "", false, NULL, &w, &a));
	assert_ok(iod_pci_info_text(a.pci, &io, region(&a, "cfg"), a.regions, a.nregions, &text));
	/* config space was read through the access path: one traced copy of all of it */
	assert_int_equal(traced.n, 1);
	assert_int_equal(traced.last.op, IOD_ACC_COPY_FROM);
	assert_ptr_equal(traced.last.region, region(&a, "cfg"));
	assert_int_equal(traced.last.offset, 0);
	assert_int_equal(traced.last.len, 4096);
	assert_string_equal(iod_strbuf_str(&text),
		"0000:01:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc. [AMD/ATI]"
		" Fiji [Radeon R9 FURY / NANO Series] [1002:7300] (rev ca) (prog-if 00 [VGA"
		" controller])\n"
		"\tSubsystem: Advanced Micro Devices, Inc. [AMD/ATI] Radeon R9 FURY X / NANO"
		" [1002:0b36]\n"
		"\tFlags: bus master, fast devsel, latency 0, IRQ 10\n"
		"\tRegion 0: Memory at e0000000 (64-bit, prefetchable) [size=1M]\n"
		"\tRegion 2: Memory at f0000000 (64-bit, prefetchable) [size=2M]\n"
		"\tRegion 4: I/O ports at e000 [size=256]\n"
		"\tRegion 5: Memory at fe800000 (32-bit, non-prefetchable) [size=256K]\n"
		"\tCapabilities: [48] Vendor Specific\n"
		"\tCapabilities: [50] Power Management\n"
		"\tCapabilities: [58] PCI Express\n"
		"\tCapabilities: [a0] MSI\n"
		"\tCapabilities: [100 v1] Vendor Specific Extended\n"
		"\tCapabilities: [150 v2] Advanced Error Reporting\n"
		"\tCapabilities: [200 v1] Resizable BAR\n"
		"\tCapabilities: [270 v1] Secondary PCI Express\n"
		"\tCapabilities: [2b0 v1] Address Translation Services\n"
		"\tCapabilities: [2c0 v1] Page Request Interface\n"
		"\tCapabilities: [2d0 v1] Process Address Space ID\n"
		"\tCapabilities: [328 v1] Alternative Routing-ID Interpretation\n"
		"\tKernel driver in use: amdgpu\n"
		"\tRegions: cfg (pci-config, 4096 bytes), bar0 (mmio, 1048576 bytes), bar2 (mmio,"
		" 2097152 bytes), bar4 (pio, 256 bytes), bar5 (mmio, 262144 bytes)\n");
	assert_ok(iod_pci_info_json(a.pci, NULL, region(&a, "cfg"), a.regions, 2, region_json,
				    &json));
	assert_string_equal(iod_strbuf_str(&json),
		"{\"slot\":\"0000:01:00.0\",\"vendor_id\":4098,\"device_id\":29440,"
		"\"vendor\":\"Advanced Micro Devices, Inc. [AMD/ATI]\","
		"\"device\":\"Fiji [Radeon R9 FURY / NANO Series]\",\"class\":768,\"revision\":202,"
		"\"subsystem_vendor_id\":4098,\"subsystem_id\":2870,\"config_size\":4096,"
		"\"bars\":[{\"index\":0,\"type\":\"memory\",\"address\":3758096384,\"size\":1048576,"
		"\"64bit\":true,\"prefetchable\":true,\"enabled\":true},"
		"{\"index\":2,\"type\":\"memory\",\"address\":4026531840,\"size\":2097152,"
		"\"64bit\":true,\"prefetchable\":true,\"enabled\":true},"
		"{\"index\":4,\"type\":\"io\",\"address\":57344,\"size\":256,\"enabled\":true},"
		"{\"index\":5,\"type\":\"memory\",\"address\":4269801472,\"size\":262144,"
		"\"64bit\":false,\"prefetchable\":false,\"enabled\":true}],"
		"\"regions\":[{\"name\":\"cfg\"},{\"name\":\"bar0\"}],"
		"\"capabilities\":[{\"id\":9,\"name\":\"Vendor Specific\",\"offset\":72},"
		"{\"id\":1,\"name\":\"Power Management\",\"offset\":80},"
		"{\"id\":16,\"name\":\"PCI Express\",\"offset\":88},"
		"{\"id\":5,\"name\":\"MSI\",\"offset\":160},"
		"{\"id\":11,\"name\":\"Vendor Specific Extended\",\"offset\":256,\"extended\":true,"
		"\"version\":1},"
		"{\"id\":1,\"name\":\"Advanced Error Reporting\",\"offset\":336,\"extended\":true,"
		"\"version\":2},"
		"{\"id\":21,\"name\":\"Resizable BAR\",\"offset\":512,\"extended\":true,\"version\":1},"
		"{\"id\":25,\"name\":\"Secondary PCI Express\",\"offset\":624,\"extended\":true,"
		"\"version\":1},"
		"{\"id\":15,\"name\":\"Address Translation Services\",\"offset\":688,"
		"\"extended\":true,\"version\":1},"
		"{\"id\":19,\"name\":\"Page Request Interface\",\"offset\":704,\"extended\":true,"
		"\"version\":1},"
		"{\"id\":27,\"name\":\"Process Address Space ID\",\"offset\":720,\"extended\":true,"
		"\"version\":1},"
		"{\"id\":14,\"name\":\"Alternative Routing-ID Interpretation\",\"offset\":808,"
		"\"extended\":true,\"version\":1}],\"driver\":\"amdgpu\"}\n");
	iod_strbuf_release(&text);
	iod_strbuf_release(&json);
	iod_attached_release(&a);
}

static void test_unknown_ids_fall_back_to_hex(void **state)
{
	char root[PATH_MAX];
	struct iod_attached a;
	struct warnings w;
	struct iod_strbuf text = { 0 }, json = { 0 };

	(void)state;
	new_root(root, sizeof(root));
	tree(root, "cap-aer-log.txt", "--ids f00d:0bad");
	assert_ok(attach("pci:f00d:0bad", root, "", false, NULL, &w, &a));
	/* text as lspci -nn writes it, JSON with the IDs in hex */
	assert_ok(iod_pci_info_text(a.pci, NULL, region(&a, "cfg"), NULL, 0, &text));
	assert_true(starts_with(iod_strbuf_str(&text), "0000:00:1c.0 PCI bridge [0604]: Device"
				" [f00d:0bad] (rev f1) (prog-if 00 [Normal decode])\n"));
	assert_ok(iod_pci_info_json(a.pci, NULL, region(&a, "cfg"), NULL, 0, region_json, &json));
	assert_true(starts_with(iod_strbuf_str(&json), "{\"slot\":\"0000:00:1c.0\",\"vendor_id\""
				":61453,\"device_id\":2989,\"vendor\":\"Vendor f00d\",\"device\":"
				"\"Device 0bad\",\"class\":1540,"));
	iod_strbuf_release(&text);
	iod_strbuf_release(&json);
	iod_attached_release(&a);
}

/* Capability lists that loop or point outside config space end with the reason. */
static void test_broken_capability_lists(void **state)
{
	char root[PATH_MAX];
	struct iod_attached a;
	struct warnings w;
	struct iod_strbuf text = { 0 };
	uint8_t to_50 = 0x50, to_20 = 0x20;
	uint32_t ext_loop = 0x0e | 1u << 16 | 0x150u << 20, ext_bad = 0x0e | 1u << 16 | 0x0c0u << 20;
	const char *s;

	(void)state;
	new_root(root, sizeof(root));
	gpu_tree(root, NULL);
	poke_config(root, "0000:01:00.0", 0xa1, &to_50, 1);       /* MSI -> PM again */
	poke_config(root, "0000:01:00.0", 0x328, &ext_loop, 4);   /* ARI -> AER again */
	assert_ok(attach("0000:01:00.0", root, "", false, NULL, &w, &a));
	assert_ok(iod_pci_info_text(a.pci, NULL, region(&a, "cfg"), NULL, 0, &text));
	s = iod_strbuf_str(&text);
	assert_non_null(strstr(s, "\tCapabilities: [a0] MSI\n\tCapabilities: <the capability list"
			       " loops back to 0x50>\n"));
	assert_null(strstr(s, "[100 v1]"));
	iod_strbuf_reset(&text);
	iod_attached_release(&a);

	poke_config(root, "0000:01:00.0", 0xa1, &to_20, 1);
	assert_ok(attach("0000:01:00.0", root, "", false, NULL, &w, &a));
	assert_ok(iod_pci_info_text(a.pci, NULL, region(&a, "cfg"), NULL, 0, &text));
	assert_non_null(strstr(iod_strbuf_str(&text), "\tCapabilities: [a0] MSI\n\tCapabilities:"
			       " <capability pointer 0x20 is out of range>\n"));
	iod_strbuf_reset(&text);
	iod_attached_release(&a);

	/* the standard list fixed; the extended one loops */
	to_20 = 0;
	poke_config(root, "0000:01:00.0", 0xa1, &to_20, 1);
	assert_ok(attach("0000:01:00.0", root, "", false, NULL, &w, &a));
	assert_ok(iod_pci_info_text(a.pci, NULL, region(&a, "cfg"), NULL, 0, &text));
	s = iod_strbuf_str(&text);
	assert_non_null(strstr(s, "\tCapabilities: [328 v1] Alternative Routing-ID Interpretation\n"
			       "\tCapabilities: <the extended capability list loops back to"
			       " 0x150>\n"));
	iod_strbuf_reset(&text);
	iod_attached_release(&a);

	poke_config(root, "0000:01:00.0", 0x328, &ext_bad, 4);
	assert_ok(attach("0000:01:00.0", root, "", false, NULL, &w, &a));
	assert_ok(iod_pci_info_text(a.pci, NULL, region(&a, "cfg"), NULL, 0, &text));
	assert_non_null(strstr(iod_strbuf_str(&text), "\tCapabilities: <extended capability"
			       " pointer 0x0c0 is out of range>\n"));
	iod_strbuf_release(&text);
	iod_attached_release(&a);
}

/* The device and its cfg region share libpci: either may be released first. */
static void test_release_in_any_order(void **state)
{
	char root[PATH_MAX];
	struct iod_attached a;
	struct warnings w;
	struct iod_region *cfg;
	struct iod_pci_device *dev;
	uint64_t v;

	(void)state;
	new_root(root, sizeof(root));
	gpu_tree(root, NULL);
	assert_ok(attach("0000:01:00.0", root, "", false, NULL, &w, &a));
	cfg = a.regions[0];
	a.regions[0] = NULL;
	for (size_t i = 1; i < a.nregions; i++)
		iod_region_free(a.regions[i]);
	free(a.regions);
	a.regions = NULL;
	a.nregions = 0;
	dev = a.pci;
	a.pci = NULL;
	iod_pci_device_free(dev);
	assert_ok(iod_access_read(NULL, cfg, 0, 4, &v));
	assert_int_equal(v, 0x73001002);
	iod_region_free(cfg);
	iod_attached_release(&a);

	assert_ok(attach("0000:01:00.0", root, "", false, NULL, &w, &a));
	cfg = region(&a, "cfg");
	assert_ptr_equal(cfg, a.regions[0]);
	for (size_t i = 1; i < a.nregions; i++)
		iod_region_free(a.regions[i]);
	a.nregions = 1;
	{
		struct iod_strbuf text = { 0 };

		assert_ok(iod_pci_info_text(a.pci, NULL, cfg, NULL, 0, &text));
		assert_true(starts_with(iod_strbuf_str(&text), "0000:01:00.0 VGA"));
		iod_strbuf_release(&text);
	}
	iod_attached_release(&a);
}

/* An empty tmpfs over /sys/bus/pci in a mount namespace of our own. */
static bool isolate(void)
{
	struct stat st;

	if (unshare(CLONE_NEWNS) || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL)) {
		printf("# not isolated (%s): the tests that write are skipped\n", strerror(errno));
		return false;
	}
	if (stat("/sys/bus/pci", &st) == 0 &&
	    mount("iodbg-test", "/sys/bus/pci", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k")) {
		printf("# cannot hide /sys/bus/pci (%s): the tests that write are skipped\n",
		       strerror(errno));
		return false;
	}
	return true;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gpu_regions),
		cmocka_unit_test(test_cfg_reads_equal_the_capture),
		cmocka_unit_test(test_cfg_refuses_64_bit_unaligned_and_past_the_end),
		cmocka_unit_test(test_cfg_writes_reach_config),
		cmocka_unit_test(test_typed_accesses_through_bar0),
		cmocka_unit_test(test_io_bar_is_pio),
		cmocka_unit_test(test_bar_not_page_aligned),
		cmocka_unit_test(test_bridge_gets_the_type1_view),
		cmocka_unit_test(test_missing_resource_file),
		cmocka_unit_test(test_mmap_refusals_explained),
		cmocka_unit_test(test_eacces_as_nobody),
		cmocka_unit_test(test_64_byte_config),
		cmocka_unit_test(test_decoding_disabled_and_all_ones),
		cmocka_unit_test(test_lookup_by_ids_in_slot_order),
		cmocka_unit_test(test_no_bus),
		cmocka_unit_test_teardown(test_dump_method, forget_dump),
		cmocka_unit_test(test_info_device),
		cmocka_unit_test(test_unknown_ids_fall_back_to_hex),
		cmocka_unit_test(test_broken_capability_lists),
		cmocka_unit_test(test_release_in_any_order),
	};

	isolated = isolate();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
