/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * coherent: DMA buffers shared with a device (a dma-buf, a u-dma-buf). The
 * memory is ordinary memory, so the accesses are sysmem's; what this backend
 * adds is the cache maintenance the kernel asks for around every CPU access,
 * as the kernel's Coherent allocation is SysMem plus a DMA discipline.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/dma-buf.h>

#include "map.h"

enum sync_kind {
	SYNC_NONE,     /* the hardware keeps the buffer coherent */
	SYNC_DMABUF,   /* DMA_BUF_IOCTL_SYNC on the mapped fd */
	SYNC_UDMABUF,  /* u-dma-buf's sysfs attributes */
};

/* What the CPU does between the two halves of a bracket. */
enum cpu_use { CPU_READS, CPU_WRITES, CPU_BOTH };

/* u-dma-buf's sync_direction values (the kernel's enum dma_data_direction). */
enum { UDMABUF_BIDIRECTIONAL = 0, UDMABUF_FROM_DEVICE = 2 };

struct coherent {
	struct iod_map map;
	enum sync_kind kind;
	char *sysdir;          /* SYNC_UDMABUF: the class directory of the device */
};

/*
 * A write of a few bytes dirties whole cache lines. If such a line was still
 * cached from an earlier read and the device has written its other bytes since,
 * the flush at the end would put the stale bytes back over the device's. So a
 * write starts by invalidating as a read does: READ|WRITE (dma-buf) and
 * DMA_BIDIRECTIONAL (u-dma-buf), never the write-only flag.
 */
static uint64_t dmabuf_flags(enum cpu_use use)
{
	return use == CPU_READS ? DMA_BUF_SYNC_READ : DMA_BUF_SYNC_RW;
}

static const char *dmabuf_flags_name(uint64_t flags)
{
	switch (flags) {
	case DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ: return "START|READ";
	case DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW: return "START|RW";
	case DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ: return "END|READ";
	default: return "END|RW";
	}
}

static struct iod_error *dmabuf_sync(struct coherent *c, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };
	int rc;

	/* The kernel may wait for the device's fences and be interrupted. */
	do
		rc = c->map.os->ioctl(c->map.fd, DMA_BUF_IOCTL_SYNC, &sync);
	while (rc < 0 && (errno == EINTR || errno == EAGAIN));
	if (rc < 0)
		return iod_error_os(errno, "DMA_BUF_IOCTL_SYNC %s", dmabuf_flags_name(flags));
	return NULL;
}

/*
 * One attribute written as `echo VALUE > ATTR` does: a fresh open, one write.
 * The driver acts in the write (sync_for_cpu, sync_for_device) and reports
 * its refusal there.
 */
static struct iod_error *attr_write(struct coherent *c, const char *attr, const char *fmt,
				    uint64_t value)
{
	const struct iod_os *os = c->map.os;
	char path[4096], text[32];
	int n = snprintf(text, sizeof(text), fmt, value);
	struct iod_error *err = NULL;
	ssize_t done;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", c->sysdir, attr);
	fd = os->open(path, O_WRONLY | O_TRUNC | O_CLOEXEC, 0);
	if (fd < 0)
		return iod_error_os(errno, "u-dma-buf sync: %s", path);
	done = os->pwrite(fd, text, (size_t)n, 0);
	if (done < 0)
		err = iod_error_os(errno, "u-dma-buf sync: %s", path);
	else if (done != n)
		err = iod_error_new(IOD_ERR_OS, "u-dma-buf sync: %s: short write", path);
	os->close(fd);
	return err;
}

/*
 * The manual cache management of u-dma-buf's documentation: the range and
 * direction go into sync_offset, sync_size and sync_direction, then writing 1
 * to sync_for_cpu makes the CPU the owner (invalidating the range). All three
 * are written every time: another user of the buffer may have changed them.
 */
static struct iod_error *udmabuf_for_cpu(struct coherent *c, uint64_t off, uint64_t len,
					 enum cpu_use use)
{
	struct iod_error *err = attr_write(c, "sync_offset", "0x%" PRIx64 "\n", off);

	if (!err)
		err = attr_write(c, "sync_size", "%" PRIu64 "\n", len);
	if (!err)
		err = attr_write(c, "sync_direction", "%" PRIu64 "\n",
				 use == CPU_READS ? UDMABUF_FROM_DEVICE : UDMABUF_BIDIRECTIONAL);
	if (!err)
		err = attr_write(c, "sync_for_cpu", "%" PRIu64 "\n", 1);
	return err;
}

/* Before the CPU touches [off, off+len). */
static struct iod_error *begin(struct coherent *c, uint64_t off, uint64_t len, enum cpu_use use)
{
	switch (c->kind) {
	case SYNC_DMABUF:
		return dmabuf_sync(c, DMA_BUF_SYNC_START | dmabuf_flags(use));
	case SYNC_UDMABUF:
		return udmabuf_for_cpu(c, off, len, use);
	case SYNC_NONE:
		break;
	}
	return NULL;
}

/*
 * After it. u-dma-buf: a read leaves nothing to flush; after a write,
 * sync_for_device (with the range and direction begin() set) flushes the
 * range and hands the buffer back to the device.
 */
static struct iod_error *end(struct coherent *c, enum cpu_use use)
{
	switch (c->kind) {
	case SYNC_DMABUF:
		return dmabuf_sync(c, DMA_BUF_SYNC_END | dmabuf_flags(use));
	case SYNC_UDMABUF:
		if (use != CPU_READS)
			return attr_write(c, "sync_for_device", "%" PRIu64 "\n", 1);
		break;
	case SYNC_NONE:
		break;
	}
	return NULL;
}

/*
 * The access itself is sysmem's. If it faults, the access path's guard jumps
 * out before end() and the bracket is left open: a fault means the buffer is
 * gone or cut short, and the next access opens a bracket of its own.
 */
static struct iod_error *coherent_read(void *ctx, uint64_t off, unsigned width, uint64_t *ret)
{
	struct coherent *c = ctx;
	struct iod_error *err = begin(c, off, width, CPU_READS);

	if (err)
		return err;
	err = iod_sysmem_ops.read(&c->map, off, width, ret);
	if (err)
		return err;
	return end(c, CPU_READS);
}

static struct iod_error *coherent_write(void *ctx, uint64_t off, unsigned width, uint64_t val)
{
	struct coherent *c = ctx;
	struct iod_error *err = begin(c, off, width, CPU_WRITES);

	if (err)
		return err;
	err = iod_sysmem_ops.write(&c->map, off, width, val);
	if (err)
		return err;
	return end(c, CPU_WRITES);
}

static struct iod_error *coherent_copy_from(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct coherent *c = ctx;
	struct iod_error *err = begin(c, off, len, CPU_READS);

	if (err)
		return err;
	err = iod_sysmem_ops.copy_from(&c->map, off, buf, len);
	if (err)
		return err;
	return end(c, CPU_READS);
}

static struct iod_error *coherent_copy_to(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct coherent *c = ctx;
	struct iod_error *err = begin(c, off, len, CPU_WRITES);

	if (err)
		return err;
	err = iod_sysmem_ops.copy_to(&c->map, off, buf, len);
	if (err)
		return err;
	return end(c, CPU_WRITES);
}

/* One bracket over both ranges: the CPU reads one and writes the other. */
static struct iod_error *coherent_move(void *ctx, uint64_t dst, uint64_t src, size_t len)
{
	struct coherent *c = ctx;
	uint64_t lo = dst < src ? dst : src, hi = (dst > src ? dst : src) + len;
	struct iod_error *err = begin(c, lo, hi - lo, CPU_BOTH);

	if (err)
		return err;
	err = iod_sysmem_ops.move(&c->map, dst, src, len);
	if (err)
		return err;
	return end(c, CPU_BOTH);
}

static void coherent_close(void *ctx)
{
	struct coherent *c = ctx;

	if (!c)
		return;
	iod_map_close(&c->map);
	free(c->sysdir);
	free(c);
}

const struct iod_backend_ops iod_coherent_ops = {
	.name = "coherent",
	.widths = IOD_W_ALL,
	.aligned_only = false,
	.read = coherent_read,
	.write = coherent_write,
	.copy_from = coherent_copy_from,
	.copy_to = coherent_copy_to,
	.move = coherent_move,
	.close = coherent_close,
};

static struct iod_error *coherent_region(enum sync_kind kind, const char *sysdir,
					 const char *name, const struct iod_os *os, int fd,
					 uint64_t size, bool writable, const char *source,
					 struct iod_region **ret)
{
	struct coherent *c = calloc(1, sizeof(*c));
	struct iod_error *err;

	if (!c || (sysdir && !(c->sysdir = strdup(sysdir)))) {
		free(c);
		if (fd >= 0)
			(os ? os : &iod_os_default)->close(fd);
		return &iod_error_nomem;
	}
	c->kind = kind;
	err = iod_map_open(&c->map, os, fd, 0, size, writable);
	if (err) {
		free(c->sysdir);
		free(c);
		return iod_error_prefix(err, "%s", source);
	}
	return iod_region_new(name, &iod_coherent_ops, c, size, writable, source, ret);
}

struct iod_error *iod_region_dmabuf_fd(const char *name, const struct iod_os *os, int fd,
				       uint64_t size, bool writable, const char *source,
				       struct iod_region **ret)
{
	return coherent_region(SYNC_DMABUF, NULL, name, os, fd, size, writable, source, ret);
}

struct iod_error *iod_region_udmabuf_fd(const char *name, const struct iod_os *os, int fd,
					uint64_t size, const char *sysdir, bool writable,
					const char *source, struct iod_region **ret)
{
	return coherent_region(sysdir ? SYNC_UDMABUF : SYNC_NONE, sysdir, name, os, fd, size,
			       writable, source, ret);
}
