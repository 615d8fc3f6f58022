/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mem:ADDR,SIZE: physical memory through /dev/mem, and, when the kernel says
 * no, why it did and what to attach instead.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *iod_devdir(void)
{
	const char *dir = getenv("IODBG_DEVDIR");

	return dir && *dir ? dir : "/dev";
}

const char *iod_sysfs_root(const struct iod_attach *opts)
{
	return opts->sysfs && *opts->sysfs ? opts->sysfs : "/sys";
}

struct iod_error *iod_errno_error(int errnum, const char *fmt, ...)
{
	struct iod_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = iod_error_newv(IOD_ERR_OS, fmt, ap);
	va_end(ap);
	if (err != &iod_error_nomem)
		err->errnum = errnum;
	return err;
}

ssize_t iod_read_text(const struct iod_os *os, const char *path, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n = 0;
	int fd = os->open(path, O_RDONLY | O_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	while (got + 1 < size && (n = os->pread(fd, buf + got, size - 1 - got, (off_t)got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += (size_t)n;
	}
	if (n < 0) {
		int e = errno;

		os->close(fd);
		errno = e;
		return -1;
	}
	os->close(fd);
	buf[got] = 0;
	return (ssize_t)got;
}

struct bar_match {
	char slot[256];
	int bar;
	uint64_t start;
};

/* The memory BARs of one device, from its `resource` file: "start end flags"
   per line, the six BARs first. */
static void match_device(const struct iod_os *os, const char *devices, const char *slot,
			 uint64_t addr, struct bar_match *best)
{
	char path[4096], text[4096], *line, *save = NULL;
	int bar = 0;

	if (snprintf(path, sizeof(path), "%s/%s/resource", devices, slot) >= (int)sizeof(path) ||
	    iod_read_text(os, path, text, sizeof(text)) < 0)
		return;
	for (line = strtok_r(text, "\n", &save); line && bar < 6;
	     line = strtok_r(NULL, "\n", &save), bar++) {
		unsigned long long start, end, flags;

		if (sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3)
			return;
		if (!(flags & 0x200) || start == 0 || end < start)  /* IORESOURCE_MEM */
			continue;
		if (addr < start || addr > end)
			continue;
		/* readdir's order is arbitrary: the lowest slot wins, always the same one */
		if (best->bar < 0 || strcmp(slot, best->slot) < 0) {
			snprintf(best->slot, sizeof(best->slot), "%s", slot);
			best->bar = bar;
			best->start = start;
		}
	}
}

/* "; 0xfe000000 is BAR0 of 0000:01:00.0: attach 0000:01:00.0 and use bar0", or "". */
static void bar_hint(const struct iod_attach *opts, const struct iod_os *os, uint64_t addr,
		     char *out, size_t size)
{
	struct bar_match best = { .bar = -1 };
	char devices[4096];
	int n;
	struct dirent *de;
	DIR *dir;

	out[0] = 0;
	snprintf(devices, sizeof(devices), "%s/bus/pci/devices", iod_sysfs_root(opts));
	dir = opendir(devices);
	if (!dir)
		return;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			match_device(os, devices, de->d_name, addr, &best);
	closedir(dir);
	if (best.bar < 0)
		return;
	if (addr == best.start)
		n = snprintf(out, size, "; 0x%" PRIx64 " is BAR%d of %s: attach %s and use bar%d",
			     addr, best.bar, best.slot, best.slot, best.bar);
	else
		n = snprintf(out, size, "; 0x%" PRIx64 " is in BAR%d of %s: attach %s and use"
			     " bar%d+0x%" PRIx64, addr, best.bar, best.slot, best.slot, best.bar,
			     addr - best.start);
	if (n < 0 || (size_t)n >= size)
		out[0] = 0;
}

/*
 * The kernel's lockdown state, from securityfs ("none [integrity]
 * confidentiality"): the bracketed word, or "" when it cannot be read.
 */
static void lockdown_mode(const struct iod_attach *opts, const struct iod_os *os, char *out,
			  size_t size)
{
	char path[4096], text[256], *open_br, *close_br;

	out[0] = 0;
	snprintf(path, sizeof(path), "%s/kernel/security/lockdown", iod_sysfs_root(opts));
	if (iod_read_text(os, path, text, sizeof(text)) < 0)
		return;
	open_br = strchr(text, '[');
	close_br = open_br ? strchr(open_br, ']') : NULL;
	if (close_br && (size_t)(close_br - open_br - 1) < size)
		snprintf(out, size, "%.*s", (int)(close_br - open_br - 1), open_br + 1);
}

static struct iod_error *open_error(const struct iod_target *t, const struct iod_attach *opts,
				    const struct iod_os *os, const char *path, int e)
{
	char hint[512], mode[64], why[256];

	switch (e) {
	case ENOENT:
		snprintf(why, sizeof(why), "this kernel has no /dev/mem (CONFIG_DEVMEM is off)");
		break;
	case EACCES:
		snprintf(why, sizeof(why), "reading physical memory needs root (CAP_SYS_RAWIO)");
		break;
	case EPERM:
		/* Both a missing CAP_SYS_RAWIO and lockdown give EPERM: securityfs tells. */
		lockdown_mode(opts, os, mode, sizeof(mode));
		if (mode[0] && strcmp(mode, "none"))
			snprintf(why, sizeof(why), "the kernel is locked down (%s), which refuses"
				 " /dev/mem even to root", mode);
		else if (mode[0])
			snprintf(why, sizeof(why), "needs CAP_SYS_RAWIO (run as root)");
		else
			snprintf(why, sizeof(why), "needs CAP_SYS_RAWIO (run as root), and a kernel"
				 " that is not locked down (lockdown refuses /dev/mem even to root)");
		break;
	default:
		return iod_error_os(e, "mem:0x%" PRIx64 ",0x%" PRIx64 ": %s", t->addr, t->size,
				    path);
	}
	bar_hint(opts, os, t->addr, hint, sizeof(hint));
	return iod_errno_error(e, "mem:0x%" PRIx64 ",0x%" PRIx64 ": %s: %s: %s%s",
			       t->addr, t->size, path, strerror(e), why, hint);
}

static struct iod_error *mmap_error(const struct iod_target *t, const struct iod_attach *opts,
				    const struct iod_os *os, const char *path,
				    struct iod_error *err)
{
	int e = err->errnum;
	char hint[512];
	const char *why;

	switch (e) {
	case EPERM:
		why = "STRICT_DEVMEM refuses this range: it is System RAM or claimed by a"
		      " driver (see /proc/iomem)";
		break;
	case EINVAL:
		why = "the range is already mapped with another cache type (a PAT conflict:"
		      " dmesg says \"conflicting memory types\"), or IO_STRICT_DEVMEM refuses it"
		      " while a driver holds it (unbind the driver or boot with iomem=relaxed)";
		break;
	default:
		iod_error_free(err);
		return iod_errno_error(e, "mem:0x%" PRIx64 ",0x%" PRIx64 ": mmap of %s: %s",
				       t->addr, t->size, path, strerror(e));
	}
	iod_error_free(err);
	bar_hint(opts, os, t->addr, hint, sizeof(hint));
	return iod_errno_error(e, "mem:0x%" PRIx64 ",0x%" PRIx64 ": mmap of %s: %s: %s%s",
			       t->addr, t->size, path, strerror(e), why, hint);
}

struct iod_error *iod_attach_mem(const struct iod_target *t, const char *name,
				 const struct iod_attach *opts, struct iod_attached *ret)
{
	const struct iod_os *os = opts->os ? opts->os : &iod_os_default;
	struct iod_region *r = NULL;
	struct iod_region **regions;
	char path[4096], source[4200];
	struct iod_error *err;
	int fd;

	/* mmap takes a signed off_t */
	if (t->size == 0 || t->addr > (uint64_t)INT64_MAX || t->size > (uint64_t)INT64_MAX - t->addr)
		return iod_error_new(IOD_ERR_BOUNDS, "mem:0x%" PRIx64 ",0x%" PRIx64
				     ": the range is outside the physical address space",
				     t->addr, t->size);
	snprintf(path, sizeof(path), "%s/mem", iod_devdir());
	/* O_SYNC: the kernel maps the range uncached, as device memory must be */
	fd = os->open(path, (opts->writable ? O_RDWR : O_RDONLY) | O_SYNC | O_CLOEXEC, 0);
	if (fd < 0)
		return open_error(t, opts, os, path, errno);
	snprintf(source, sizeof(source), "%s at 0x%" PRIx64, path, t->addr);
	/* The mapping starts on the page below addr and keeps the inner offset. */
	err = iod_region_mmio_fd(name, os, fd, t->addr, t->size, opts->writable, source, &r);
	if (err && err->kind == IOD_ERR_OS)
		return mmap_error(t, opts, os, path, err);
	if (err)
		return iod_error_prefix(err, "mem:0x%" PRIx64 ",0x%" PRIx64, t->addr, t->size);
	regions = malloc(sizeof(*regions));
	if (!regions) {
		iod_region_free(r);
		return &iod_error_nomem;
	}
	regions[0] = r;
	memset(ret, 0, sizeof(*ret));
	ret->regions = regions;
	ret->nregions = 1;
	return NULL;
}
