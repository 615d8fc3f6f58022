/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The coherent backend and the dmabuf:/udmabuf: targets: the sync bracket
 * around every access (DMA_BUF_IOCTL_SYNC flags, u-dma-buf's attributes and
 * their order, checked against the buffer's contents at each step), the
 * refusal of what is not a dma-buf, and a real dma-buf where the kernel
 * offers /dev/udmabuf.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/udmabuf.h>

#include "io_helpers.h"
#include "os_recorder.h"
#include "iodbg/target.h"

#define BUF_SIZE 8192u

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + 1);
}

static uint32_t pattern32(size_t off)
{
	return (uint32_t)pattern(off) | (uint32_t)pattern(off + 1) << 8 |
	       (uint32_t)pattern(off + 2) << 16 | (uint32_t)pattern(off + 3) << 24;
}

static struct iod_error *attach(const char *text, bool writable, const char *sysfs,
				const struct iod_os *os, struct iod_region **ret)
{
	struct iod_attach opts = { .writable = writable, .sysfs = sysfs, .os = os };
	struct iod_attached made = { 0 };
	struct iod_target t;
	struct iod_error *err = iod_target_parse(text, &t);

	if (err)
		return err;
	err = iod_target_attach(&t, "dma0", &opts, &made);
	iod_target_release(&t);
	if (err)
		return err;
	assert_int_equal(made.nregions, 1);
	*ret = made.regions[0];
	made.regions[0] = NULL;
	made.nregions = 0;
	iod_attached_release(&made);
	return NULL;
}

/* ---- dma-buf: the sync sequence, recorded through the OS table ---- */

/*
 * The device's side of a dma-buf test: on START it writes `dev_value` at
 * `dev_off` (so a read after START sees it), on END it writes `late_value`
 * (so a read before END does not), and it notes what the buffer held at each
 * step.
 */
struct device_sim {
	int fd;
	off_t off;
	uint32_t at_start, at_end;
	bool write_at_start;
	uint32_t start_value, end_value;
	const char *attr_start, *attr_end;  /* u-dma-buf: the attributes that count */
};

static uint32_t peek(int fd, off_t off)
{
	uint32_t v = 0;

	assert_int_equal(pread(fd, &v, 4, off), 4);
	return v;
}

static void poke(int fd, off_t off, uint32_t v)
{
	assert_int_equal(pwrite(fd, &v, 4, off), 4);
}

static void device_hook(const char *attr, uint64_t flags, void *ctx)
{
	struct device_sim *d = ctx;
	bool start, end;

	if (attr) {
		start = d->attr_start && !strcmp(attr, d->attr_start);
		end = d->attr_end && !strcmp(attr, d->attr_end);
	} else {
		start = !(flags & DMA_BUF_SYNC_END);
		end = !start;
	}
	if (start) {
		d->at_start = peek(d->fd, d->off);
		if (d->write_at_start)
			poke(d->fd, d->off, d->start_value);
	}
	if (end) {
		d->at_end = peek(d->fd, d->off);
		if (d->write_at_start)
			poke(d->fd, d->off, d->end_value);
	}
}

/* A memfd dressed as a dma-buf: fdinfo is served from a file that names an exporter. */
struct fake_dmabuf {
	int memfd;
	char path[64], target[80];
	char dir[4096];
	char fdinfo[4200];
	struct iod_os os;
};

static void fake_dmabuf_init(struct fake_dmabuf *f)
{
	f->memfd = pattern_memfd(BUF_SIZE);
	snprintf(f->path, sizeof(f->path), "/proc/self/fd/%d", f->memfd);
	snprintf(f->target, sizeof(f->target), "dmabuf:%s", f->path);
	temp_dir(f->dir, sizeof(f->dir), "dmabuf");
	snprintf(f->fdinfo, sizeof(f->fdinfo), "%s/fdinfo", f->dir);
	put_file(f->fdinfo, "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1234\n"
		 "size:\t8192\ncount:\t1\nexp_name:\tudmabuf\nname:\t\n");
	f->os = rec_os();
	rec.redirect_from = "/proc/self/fdinfo/";
	rec.redirect_to = f->fdinfo;
}

static void fake_dmabuf_release(struct fake_dmabuf *f)
{
	close(f->memfd);
	rec_release();
}

static void test_dmabuf_attach_probes_sync(void **state)
{
	struct fake_dmabuf f;
	struct iod_region *r = NULL;
	char want[128], mmap_line[64];

	(void)state;
	fake_dmabuf_init(&f);
	assert_ok(attach(f.target, false, NULL, &f.os, &r));
	/* fdinfo first (no ioctl reaches a file before it is known to be a dma-buf),
	   then an empty bracket, then the whole buffer mapped */
	snprintf(want, sizeof(want), "open %d", f.memfd);
	snprintf(mmap_line, sizeof(mmap_line), "mmap %d at 0x0", f.memfd);
	assert_log(want, "open fdinfo", "sync START|READ", "sync END|READ", mmap_line);
	assert_string_equal(r->ops->name, "coherent");
	assert_int_equal(r->size, BUF_SIZE);
	assert_int_equal(r->widths, IOD_W_ALL);
	assert_false(r->aligned_only);
	assert_false(r->writable);
	snprintf(want, sizeof(want), "%s (dma-buf of udmabuf)", f.path);
	assert_string_equal(r->source, want);
	iod_region_free(r);
	fake_dmabuf_release(&f);
}

static void test_dmabuf_read_write_brackets(void **state)
{
	struct device_sim d = { 0 };
	struct fake_dmabuf f;
	struct iod_region *r = NULL;
	struct recorder trace;
	struct iod_io io = rec_io(&trace);
	uint64_t v;

	(void)state;
	fake_dmabuf_init(&f);
	assert_ok(attach(f.target, true, NULL, &f.os, &r));
	d.fd = f.memfd;
	d.off = 0x10;
	rec.hook = device_hook;
	rec.hook_ctx = &d;

	/* a read: READ, and the load happens inside the bracket */
	d.write_at_start = true;
	d.start_value = 0x11223344;
	d.end_value = 0x55667788;
	rec_clear();
	assert_ok(iod_access_read(&io, r, 0x10, 4, &v));
	assert_log("sync START|READ", "sync END|READ");
	assert_int_equal(v, 0x11223344);

	/* a write: READ|WRITE (see coherent.c), the store inside the bracket */
	d.write_at_start = false;
	poke(f.memfd, 0x20, 0);
	d.off = 0x20;
	rec_clear();
	assert_ok(iod_access_write(&io, r, 0x20, 4, 0xcafef00d));
	assert_log("sync START|RW", "sync END|RW");
	assert_int_equal(d.at_start, 0);
	assert_int_equal(d.at_end, 0xcafef00d);
	assert_int_equal(peek(f.memfd, 0x20), 0xcafef00d);

	/* every width, unaligned too */
	rec_clear();
	assert_ok(iod_access_read(&io, r, 0x101, 8, &v));
	assert_ok(iod_access_write(&io, r, 0x203, 2, 0xbeef));
	assert_log("sync START|READ", "sync END|READ", "sync START|RW", "sync END|RW");
	assert_int_equal(v, (uint64_t)pattern32(0x105) << 32 | pattern32(0x101));

	iod_region_free(r);
	fake_dmabuf_release(&f);
}

static void test_dmabuf_copies_bracketed(void **state)
{
	struct device_sim d = { 0 };
	struct fake_dmabuf f;
	struct iod_region *r = NULL;
	struct recorder trace;
	struct iod_io io = rec_io(&trace);
	uint8_t buf[256], back[256];

	(void)state;
	fake_dmabuf_init(&f);
	assert_ok(attach(f.target, true, NULL, &f.os, &r));
	rec.hook = device_hook;
	rec.hook_ctx = &d;
	d.fd = f.memfd;

	rec_clear();
	assert_ok(iod_copy_from(&io, r, 0x100, buf, sizeof(buf)));
	assert_log("sync START|READ", "sync END|READ");
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], pattern(0x100 + i));

	memset(buf, 0xa5, sizeof(buf));
	d.off = 0x400;
	rec_clear();
	assert_ok(iod_copy_to(&io, r, 0x400, buf, sizeof(buf)));
	assert_log("sync START|RW", "sync END|RW");
	assert_int_equal(d.at_start, pattern32(0x400));
	assert_int_equal(d.at_end, 0xa5a5a5a5);
	assert_int_equal(pread(f.memfd, back, sizeof(back), 0x400), (ssize_t)sizeof(back));
	assert_memory_equal(back, buf, sizeof(buf));

	/* inside the region: one bracket over both ranges */
	rec_clear();
	assert_ok(iod_copy(&io, r, 0x800, r, 0x100, 0x80));
	assert_log("sync START|RW", "sync END|RW");
	assert_int_equal(pread(f.memfd, back, 0x80, 0x800), 0x80);
	for (size_t i = 0; i < 0x80; i++)
		assert_int_equal(back[i], pattern(0x100 + i));

	/* a fill is a copy to the region */
	rec_clear();
	assert_ok(iod_fill(&io, r, 0x1000, 0x3c, 64));
	assert_log("sync START|RW", "sync END|RW");
	assert_int_equal(peek(f.memfd, 0x1000), 0x3c3c3c3c);

	iod_region_free(r);
	fake_dmabuf_release(&f);
}

static void test_dmabuf_sync_failures(void **state)
{
	struct fake_dmabuf f;
	struct iod_region *r = NULL;
	struct recorder trace;
	struct iod_io io = rec_io(&trace);
	uint64_t v;
	char want[256];

	(void)state;
	fake_dmabuf_init(&f);
	assert_ok(attach(f.target, true, NULL, &f.os, &r));

	/* START refused: nothing is accessed, no END */
	rec.ioctl_errno = EIO;
	rec.ioctl_fail_flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
	poke(f.memfd, 0x30, 1);
	rec_clear();
	assert_error(iod_access_write(&io, r, 0x30, 4, 2), IOD_ERR_OS,
		     "dma0+0x30: DMA_BUF_IOCTL_SYNC START|RW: Input/output error");
	assert_log("sync START|RW: fails");
	assert_int_equal(peek(f.memfd, 0x30), 1);

	/* END refused after a read: the read is reported failed */
	rec.ioctl_fail_flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	rec_clear();
	assert_error(iod_access_read(&io, r, 0x30, 4, &v), IOD_ERR_OS,
		     "dma0+0x30: DMA_BUF_IOCTL_SYNC END|READ: Input/output error");
	assert_log("sync START|READ", "sync END|READ: fails");
	iod_region_free(r);

	/* a buffer whose sync fails is refused at attach */
	rec.ioctl_fail_flags = 0;
	rec.ioctl_errno = EINVAL;
	snprintf(want, sizeof(want), "dmabuf:%s: DMA_BUF_IOCTL_SYNC START|READ: Invalid argument",
		 f.path);
	assert_error(attach(f.target, false, NULL, &f.os, &r), IOD_ERR_OS, want);
	fake_dmabuf_release(&f);
}

static void test_dmabuf_mmap_refused(void **state)
{
	struct fake_dmabuf f;
	struct iod_region *r = NULL;
	char want[256];

	(void)state;
	fake_dmabuf_init(&f);
	rec.mmap_errno = EINVAL;
	snprintf(want, sizeof(want), "dmabuf:%s: mmap: Invalid argument (udmabuf may not let its"
		 " buffers be mapped)", f.path);
	assert_error(attach(f.target, false, NULL, &f.os, &r), IOD_ERR_OS, want);
	fake_dmabuf_release(&f);
}

/* A memfd is not a dma-buf: refused by its real fdinfo, before any ioctl. */
static void test_dmabuf_refuses_memfd(void **state)
{
	int fd = pattern_memfd(4096);
	struct iod_os os = rec_os();
	struct iod_region *r = NULL;
	char target[80], want[256], open_line[64];

	(void)state;
	snprintf(target, sizeof(target), "dmabuf:/proc/self/fd/%d", fd);
	snprintf(want, sizeof(want), "%s: not a dma-buf: it is a regular file or memfd"
		 " (attach it with file:); its fdinfo names no dma-buf exporter", target);
	assert_error(attach(target, false, NULL, &os, &r), IOD_ERR_TYPE, want);
	/* the file, then its fdinfo (through the table too); no ioctl, no mmap */
	snprintf(open_line, sizeof(open_line), "open %d", fd);
	assert_int_equal(rec.n, 2);
	assert_string_equal(rec.lines[0], open_line);
	assert_int_equal(strncmp(rec.lines[1], "open ", 5), 0);
	assert_string_not_equal(rec.lines[1], open_line);
	/* and through the real system calls */
	assert_error(attach(target, false, NULL, NULL, &r), IOD_ERR_TYPE, want);
	close(fd);
	rec_release();
}

static void test_dmabuf_refuses_other_files(void **state)
{
	struct iod_region *r = NULL;
	char dir[4096], file[4200], want[8500];

	(void)state;
	assert_error(attach("dmabuf:/dev/null", false, NULL, NULL, &r), IOD_ERR_TYPE,
		     "dmabuf:/dev/null: not a dma-buf: it is a character device; its fdinfo"
		     " names no dma-buf exporter");
	temp_dir(dir, sizeof(dir), "notdma");
	snprintf(file, sizeof(file), "%s/plain.bin", dir);
	put_file(file, "0123456789abcdef");
	snprintf(want, sizeof(want), "dmabuf:%s: not a dma-buf: it is a regular file or memfd"
		 " (attach it with file:); its fdinfo names no dma-buf exporter", file);
	snprintf(file, sizeof(file), "dmabuf:%s/plain.bin", dir);
	assert_error(attach(file, false, NULL, NULL, &r), IOD_ERR_TYPE, want);
	snprintf(want, sizeof(want), "dmabuf:%s: Is a directory", dir);
	snprintf(file, sizeof(file), "dmabuf:%s", dir);
	assert_error(attach(file, true, NULL, NULL, &r), IOD_ERR_OS, want);
	snprintf(want, sizeof(want), "dmabuf:%s/none: No such file or directory", dir);
	snprintf(file, sizeof(file), "dmabuf:%s/none", dir);
	assert_error(attach(file, false, NULL, NULL, &r), IOD_ERR_OS, want);
}

/*
 * /proc/PID/fd/N of a real dma-buf cannot be opened again (ENXIO); the file
 * is then taken with pidfd_getfd. Simulated: the table's open says ENXIO.
 */
static void test_dmabuf_proc_fd_by_pidfd(void **state)
{
	struct fake_dmabuf f;
	struct iod_region *r = NULL;
	struct recorder trace;
	struct iod_io io = rec_io(&trace);
	char path[80];
	uint64_t v;
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0), ro;

	(void)state;
	if (pidfd < 0) {
		print_message("pidfd_open is not available here (%s)\n", strerror(errno));
		skip();
	}
	close(pidfd);
	fake_dmabuf_init(&f);
	rec.open_fail_path = f.path;
	rec.open_errno = ENXIO;
	assert_ok(attach(f.target, true, NULL, &f.os, &r));
	assert_ok(iod_access_read(&io, r, 0x40, 4, &v));
	assert_int_equal(v, pattern32(0x40));
	/* the owner's very file: a write shows through the owner's fd */
	assert_true(r->writable);
	assert_ok(iod_access_write(&io, r, 0x40, 4, 0x0badcafe));
	assert_int_equal(peek(f.memfd, 0x40), 0x0badcafe);
	iod_region_free(r);

	/* a file its owner opened read-only gives a read-only region */
	ro = open(f.path, O_RDONLY | O_CLOEXEC);
	assert_true(ro >= 0);
	snprintf(path, sizeof(path), "dmabuf:/proc/self/fd/%d", ro);
	rec.open_fail_path = path + 7;
	assert_ok(attach(path, true, NULL, &f.os, &r));
	assert_false(r->writable);
	assert_true(r->read_only_backing);
	iod_region_free(r);
	close(ro);

	/* another path that cannot be opened stays an error */
	rec.open_fail_path = "/tmp/elsewhere";
	assert_error(attach("dmabuf:/tmp/elsewhere", false, NULL, &f.os, &r), IOD_ERR_OS,
		     "dmabuf:/tmp/elsewhere: No such device or address");
	fake_dmabuf_release(&f);
}

/* Where the kernel has /dev/udmabuf: a real dma-buf made from a memfd. */
static void test_dmabuf_real_udmabuf(void **state)
{
	struct udmabuf_create create = { 0 };
	struct iod_region *r = NULL;
	struct recorder trace;
	struct iod_io io = rec_io(&trace);
	char path[64];
	uint64_t v;
	int dev, memfd, buf;

	(void)state;
	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		print_message("no /dev/udmabuf here (%s): the kernel offers no udmabuf device"
			      " (CONFIG_UDMABUF off, or the module not loaded), so no real"
			      " dma-buf can be made\n", strerror(errno));
		skip();
	}
	memfd = memfd_create("iodbg-dmabuf", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	assert_true(memfd >= 0);
	assert_int_equal(ftruncate(memfd, BUF_SIZE), 0);
	assert_int_equal(fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	poke(memfd, 0x10, 0x12345678);
	create.memfd = (uint32_t)memfd;
	create.flags = UDMABUF_FLAGS_CLOEXEC;
	create.size = BUF_SIZE;
	buf = ioctl(dev, UDMABUF_CREATE, &create);
	assert_true(buf >= 0);
	snprintf(path, sizeof(path), "dmabuf:/proc/self/fd/%d", buf);
	assert_ok(attach(path, true, NULL, NULL, &r));
	assert_int_equal(r->size, BUF_SIZE);
	assert_ok(iod_access_read(&io, r, 0x10, 4, &v));
	assert_int_equal(v, 0x12345678);
	assert_ok(iod_access_write(&io, r, 0x14, 4, 0xfeedface));
	assert_int_equal(peek(memfd, 0x14), 0xfeedface);
	iod_region_free(r);
	close(buf);
	close(memfd);
	close(dev);
}

/* ---- u-dma-buf: a fake class directory and a regular file as /dev/NAME ---- */

struct fake_udmabuf {
	char root[4096];
	char sys[4200], cls[4400], dev[4200], data[4400];
	int data_fd;
	struct iod_os os;
};

static const char *const sync_attrs[] = { "sync_offset", "sync_size", "sync_direction",
					  "sync_for_cpu", "sync_for_device", "sync_owner" };

static void attr_path(const struct fake_udmabuf *u, const char *attr, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", u->cls, attr);
}

static void set_attr(const struct fake_udmabuf *u, const char *attr, const char *text)
{
	char path[4600];

	attr_path(u, attr, path, sizeof(path));
	if (text)
		put_file(path, text);
	else
		unlink(path);
}

static char *attr(const struct fake_udmabuf *u, const char *name, char *buf, size_t size)
{
	char path[4600];

	attr_path(u, name, path, sizeof(path));
	return get_file(path, buf, size);
}

/* class: "u-dma-buf" or the older "udmabuf" */
static void fake_udmabuf_init(struct fake_udmabuf *u, const char *class, const char *coherent)
{
	uint8_t *bytes = malloc(BUF_SIZE);

	temp_dir(u->root, sizeof(u->root), "udmabuf");
	snprintf(u->sys, sizeof(u->sys), "%s/sys", u->root);
	snprintf(u->cls, sizeof(u->cls), "%s/class/%s/udmabuf0", u->sys, class);
	snprintf(u->dev, sizeof(u->dev), "%s/dev", u->root);
	snprintf(u->data, sizeof(u->data), "%s/udmabuf0", u->dev);
	make_dirs(u->cls);
	make_dirs(u->dev);
	set_attr(u, "size", "8192\n");
	set_attr(u, "phys_addr", "0x000000001e900000\n");
	set_attr(u, "sync_mode", "1\n");
	set_attr(u, "dma_coherent", coherent);
	for (size_t i = 0; i < sizeof(sync_attrs) / sizeof(sync_attrs[0]); i++)
		set_attr(u, sync_attrs[i], "0\n");
	assert_non_null(bytes);
	for (size_t i = 0; i < BUF_SIZE; i++)
		bytes[i] = pattern(i);
	u->data_fd = open(u->data, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(u->data_fd >= 0);
	assert_int_equal(pwrite(u->data_fd, bytes, BUF_SIZE, 0), BUF_SIZE);
	free(bytes);
	assert_int_equal(setenv("IODBG_DEVDIR", u->dev, 1), 0);
	u->os = rec_os();
}

static void fake_udmabuf_release(struct fake_udmabuf *u)
{
	close(u->data_fd);
	unsetenv("IODBG_DEVDIR");
	rec_release();
}

static void test_udmabuf_attach(void **state)
{
	struct fake_udmabuf u;
	struct iod_region *r = NULL;
	char want[4600];

	(void)state;
	fake_udmabuf_init(&u, "u-dma-buf", "0\n");
	assert_ok(attach("udmabuf:udmabuf0", false, u.sys, &u.os, &r));
	assert_log("open size", "open phys_addr", "open dma_coherent", "open sync_mode",
		   "open udmabuf0", "mmap udmabuf0 at 0x0");
	assert_int_equal(rec.last_open_flags & (O_ACCMODE | O_SYNC), O_RDONLY);
	assert_string_equal(r->ops->name, "coherent");
	assert_int_equal(r->size, BUF_SIZE);
	assert_int_equal(r->widths, IOD_W_ALL);
	assert_false(r->writable);
	snprintf(want, sizeof(want), "%s (phys 0x1e900000, synced)", u.data);
	assert_string_equal(r->source, want);
	iod_region_free(r);

	rec_clear();
	assert_ok(attach("udmabuf:udmabuf0", true, u.sys, &u.os, &r));
	assert_int_equal(rec.last_open_flags & (O_ACCMODE | O_SYNC), O_RDWR);
	assert_true(r->writable);
	iod_region_free(r);
	fake_udmabuf_release(&u);
}

static void test_udmabuf_read_syncs_for_cpu(void **state)
{
	struct device_sim d = { 0 };
	struct fake_udmabuf u;
	struct iod_region *r = NULL;
	struct recorder trace;
	struct iod_io io = rec_io(&trace);
	char buf[64];
	uint64_t v;
	uint8_t out[100];

	(void)state;
	fake_udmabuf_init(&u, "u-dma-buf", "0\n");
	assert_ok(attach("udmabuf:udmabuf0", false, u.sys, &u.os, &r));
	/* the "device" writes the buffer when the CPU takes it: a read must come after */
	d.fd = u.data_fd;
	d.off = 0x10;
	d.attr_start = "sync_for_cpu";
	d.write_at_start = true;
	d.start_value = 0xa1b2c3d4;
	rec.hook = device_hook;
	rec.hook_ctx = &d;
	rec_clear();
	assert_ok(iod_access_read(&io, r, 0x10, 4, &v));
	assert_int_equal(v, 0xa1b2c3d4);
	assert_log("open sync_offset", "write sync_offset 0x10",
		   "open sync_size", "write sync_size 4",
		   "open sync_direction", "write sync_direction 2",
		   "open sync_for_cpu", "write sync_for_cpu 1");
	assert_string_equal(attr(&u, "sync_offset", buf, sizeof(buf)), "0x10\n");
	assert_string_equal(attr(&u, "sync_size", buf, sizeof(buf)), "4\n");
	assert_string_equal(attr(&u, "sync_direction", buf, sizeof(buf)), "2\n");
	assert_string_equal(attr(&u, "sync_for_cpu", buf, sizeof(buf)), "1\n");
	/* a read leaves nothing to flush */
	assert_string_equal(attr(&u, "sync_for_device", buf, sizeof(buf)), "0\n");

	/* a bulk read: the whole range in one sync */
	rec.hook = NULL;
	rec_clear();
	assert_ok(iod_copy_from(&io, r, 0x1234, out, sizeof(out)));
	assert_log("open sync_offset", "write sync_offset 0x1234",
		   "open sync_size", "write sync_size 100",
		   "open sync_direction", "write sync_direction 2",
		   "open sync_for_cpu", "write sync_for_cpu 1");
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], pattern(0x1234 + i));
	iod_region_free(r);
	fake_udmabuf_release(&u);
}

static void test_udmabuf_write_syncs_both_ways(void **state)
{
	struct device_sim d = { 0 };
	struct fake_udmabuf u;
	struct iod_region *r = NULL;
	struct recorder trace;
	struct iod_io io = rec_io(&trace);
	uint8_t in[48];
	char buf[64];

	(void)state;
	fake_udmabuf_init(&u, "u-dma-buf", "0\n");
	assert_ok(attach("udmabuf:udmabuf0", true, u.sys, &u.os, &r));
	d.fd = u.data_fd;
	d.off = 0x20;
	d.attr_start = "sync_for_cpu";
	d.attr_end = "sync_for_device";
	rec.hook = device_hook;
	rec.hook_ctx = &d;
	rec_clear();
	assert_ok(iod_access_write(&io, r, 0x20, 4, 0xdeadbeef));
	/* CPU owner first (invalidating: bidirectional), the store, then the flush */
	assert_log("open sync_offset", "write sync_offset 0x20",
		   "open sync_size", "write sync_size 4",
		   "open sync_direction", "write sync_direction 0",
		   "open sync_for_cpu", "write sync_for_cpu 1",
		   "open sync_for_device", "write sync_for_device 1");
	assert_int_equal(d.at_start, pattern32(0x20));
	assert_int_equal(d.at_end, 0xdeadbeef);
	assert_int_equal(peek(u.data_fd, 0x20), 0xdeadbeef);
	assert_string_equal(attr(&u, "sync_direction", buf, sizeof(buf)), "0\n");
	assert_string_equal(attr(&u, "sync_for_device", buf, sizeof(buf)), "1\n");

	/* a bulk write */
	memset(in, 0x5a, sizeof(in));
	d.off = 0x1000;
	rec_clear();
	assert_ok(iod_copy_to(&io, r, 0x1000, in, sizeof(in)));
	assert_log("open sync_offset", "write sync_offset 0x1000",
		   "open sync_size", "write sync_size 48",
		   "open sync_direction", "write sync_direction 0",
		   "open sync_for_cpu", "write sync_for_cpu 1",
		   "open sync_for_device", "write sync_for_device 1");
	assert_int_equal(d.at_start, pattern32(0x1000));
	assert_int_equal(d.at_end, 0x5a5a5a5a);

	/* a move inside the buffer: one sync over both ranges */
	rec.hook = NULL;
	rec_clear();
	assert_ok(iod_copy(&io, r, 0x300, r, 0x100, 0x80));
	assert_log("open sync_offset", "write sync_offset 0x100",
		   "open sync_size", "write sync_size 640",
		   "open sync_direction", "write sync_direction 0",
		   "open sync_for_cpu", "write sync_for_cpu 1",
		   "open sync_for_device", "write sync_for_device 1");
	assert_int_equal(peek(u.data_fd, 0x300), pattern32(0x100));
	iod_region_free(r);
	fake_udmabuf_release(&u);
}

static void test_udmabuf_coherent_needs_no_sync(void **state)
{
	struct fake_udmabuf u;
	struct iod_region *r = NULL;
	struct recorder trace;
	struct iod_io io = rec_io(&trace);
	char want[4600];
	uint64_t v;

	(void)state;
	/* hardware-coherent */
	fake_udmabuf_init(&u, "u-dma-buf", "1\n");
	assert_ok(attach("udmabuf:udmabuf0", true, u.sys, &u.os, &r));
	snprintf(want, sizeof(want), "%s (phys 0x1e900000, coherent)", u.data);
	assert_string_equal(r->source, want);
	rec_clear();
	assert_ok(iod_access_read(&io, r, 0x10, 4, &v));
	assert_ok(iod_access_write(&io, r, 0x10, 4, 7));
	assert_int_equal(rec.n, 0);
	assert_int_equal(peek(u.data_fd, 0x10), 7);
	iod_region_free(r);

	/* not coherent, but sync_mode maps it uncached whatever the open flags (5: always) */
	set_attr(&u, "dma_coherent", "0\n");
	set_attr(&u, "sync_mode", "5\n");
	assert_ok(attach("udmabuf:udmabuf0", true, u.sys, &u.os, &r));
	rec_clear();
	assert_ok(iod_access_read(&io, r, 0x10, 4, &v));
	assert_int_equal(rec.n, 0);
	iod_region_free(r);

	/* sync_mode 4 is "always cached": synced */
	set_attr(&u, "sync_mode", "4\n");
	assert_ok(attach("udmabuf:udmabuf0", true, u.sys, &u.os, &r));
	rec_clear();
	assert_ok(iod_access_read(&io, r, 0x10, 4, &v));
	assert_int_equal(rec.n, 8);
	iod_region_free(r);

	/* no dma_coherent attribute (older kernels): assumed not coherent */
	set_attr(&u, "dma_coherent", NULL);
	set_attr(&u, "sync_mode", "1\n");
	assert_ok(attach("udmabuf:udmabuf0", true, u.sys, &u.os, &r));
	rec_clear();
	assert_ok(iod_access_read(&io, r, 0x10, 4, &v));
	assert_int_equal(rec.n, 8);
	iod_region_free(r);
	fake_udmabuf_release(&u);
}

static void test_udmabuf_old_class_and_errors(void **state)
{
	struct fake_udmabuf u;
	struct iod_region *r = NULL;
	struct recorder trace;
	struct iod_io io = rec_io(&trace);
	char want[9000];
	uint64_t v;

	(void)state;
	/* the driver's predecessor: /sys/class/udmabuf */
	fake_udmabuf_init(&u, "udmabuf", "0\n");
	assert_ok(attach("udmabuf:udmabuf0", true, u.sys, &u.os, &r));
	rec_clear();
	assert_ok(iod_access_read(&io, r, 0x10, 4, &v));
	assert_int_equal(v, pattern32(0x10));
	assert_string_equal(rec.lines[1], "write sync_offset 0x10");

	/* a refused sync names the attribute, and the access is not made */
	rec.pwrite_fail_name = "sync_for_cpu";
	rec.pwrite_errno = EINVAL;
	snprintf(want, sizeof(want), "dma0+0x10: u-dma-buf sync: %s/sync_for_cpu: Invalid argument",
		 u.cls);
	assert_error(iod_access_write(&io, r, 0x10, 4, 0x99), IOD_ERR_OS, want);
	assert_int_equal(peek(u.data_fd, 0x10), pattern32(0x10));
	rec.pwrite_fail_name = "sync_for_device";
	snprintf(want, sizeof(want), "dma0+0x10: u-dma-buf sync: %s/sync_for_device:"
		 " Invalid argument", u.cls);
	assert_error(iod_access_write(&io, r, 0x10, 4, 0x99), IOD_ERR_OS, want);
	rec.pwrite_fail_name = NULL;
	/* an attribute that cannot be opened */
	rec.open_fail_name = "sync_size";
	rec.open_errno = EACCES;
	snprintf(want, sizeof(want), "dma0+0x8: u-dma-buf sync: %s/sync_size: Permission denied",
		 u.cls);
	assert_error(iod_access_read(&io, r, 8, 1, &v), IOD_ERR_OS, want);
	rec.open_fail_name = NULL;
	iod_region_free(r);

	/* no such device */
	snprintf(want, sizeof(want), "udmabuf:nope: no u-dma-buf device 'nope': neither"
		 " %s/class/u-dma-buf/nope nor %s/class/udmabuf/nope exists (is the u-dma-buf"
		 " module loaded?)", u.sys, u.sys);
	assert_error(attach("udmabuf:nope", false, u.sys, &u.os, &r), IOD_ERR_LOOKUP, want);
	/* a path is not a name */
	assert_error(attach("udmabuf:../../etc", false, u.sys, &u.os, &r), IOD_ERR_SYNTAX,
		     "udmabuf:../../etc: expected the name of a u-dma-buf device"
		     " (udmabuf:udmabuf0), not a path");
	/* a class directory without its device file */
	unlink(u.data);
	snprintf(want, sizeof(want), "udmabuf:udmabuf0: %s: No such file or directory", u.data);
	assert_error(attach("udmabuf:udmabuf0", false, u.sys, &u.os, &r), IOD_ERR_OS, want);
	/* an unreadable size */
	set_attr(&u, "size", "lots\n");
	snprintf(want, sizeof(want), "udmabuf:udmabuf0: %s/size: not a number: 'lots\n'", u.cls);
	assert_error(attach("udmabuf:udmabuf0", false, u.sys, &u.os, &r), IOD_ERR_SYNTAX, want);
	fake_udmabuf_release(&u);
}

/* The device file refused for writing: attached read-only with a warning. */
static void warn_cb(void *ctx, const char *msg)
{
	snprintf(ctx, 4600, "%s", msg);
}

static void test_udmabuf_read_only_fallback(void **state)
{
	struct fake_udmabuf u;
	struct iod_attach opts = { .writable = true };
	struct iod_attached made = { 0 };
	struct iod_target t;
	char warned[4600] = "";

	(void)state;
	fake_udmabuf_init(&u, "u-dma-buf", "1\n");
	opts.sysfs = u.sys;
	opts.os = &u.os;
	opts.warn = warn_cb;
	opts.ctx = warned;
	rec.open_fail_name = "udmabuf0";
	rec.open_fail_rdwr_only = true;
	rec.open_errno = EACCES;
	assert_ok(iod_target_parse("udmabuf:udmabuf0", &t));
	assert_ok(iod_target_attach(&t, "dma0", &opts, &made));
	assert_string_equal(warned, "udmabuf:udmabuf0: Permission denied: attached read-only");
	assert_int_equal(made.nregions, 1);
	assert_false(made.regions[0]->writable);
	assert_int_equal(rec.last_open_flags & O_ACCMODE, O_RDONLY);
	iod_attached_release(&made);
	iod_target_release(&t);
	fake_udmabuf_release(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dmabuf_attach_probes_sync),
		cmocka_unit_test(test_dmabuf_read_write_brackets),
		cmocka_unit_test(test_dmabuf_copies_bracketed),
		cmocka_unit_test(test_dmabuf_sync_failures),
		cmocka_unit_test(test_dmabuf_mmap_refused),
		cmocka_unit_test(test_dmabuf_refuses_memfd),
		cmocka_unit_test(test_dmabuf_refuses_other_files),
		cmocka_unit_test(test_dmabuf_proc_fd_by_pidfd),
		cmocka_unit_test(test_dmabuf_real_udmabuf),
		cmocka_unit_test(test_udmabuf_attach),
		cmocka_unit_test(test_udmabuf_read_syncs_for_cpu),
		cmocka_unit_test(test_udmabuf_write_syncs_both_ways),
		cmocka_unit_test(test_udmabuf_coherent_needs_no_sync),
		cmocka_unit_test(test_udmabuf_old_class_and_errors),
		cmocka_unit_test(test_udmabuf_read_only_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
