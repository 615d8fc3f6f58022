/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysmem: ordinary memory (anonymous, a regular file, a memfd) mapped once. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "map.h"

static struct iod_error *sysmem_read(void *ctx, uint64_t off, unsigned width, uint64_t *ret)
{
	struct iod_map *m = ctx;

	*ret = iod_volatile_read(m->data + off, width);
	return NULL;
}

static struct iod_error *sysmem_write(void *ctx, uint64_t off, unsigned width, uint64_t val)
{
	struct iod_map *m = ctx;

	iod_volatile_write(m->data + off, width, val);
	return NULL;
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22           /* Linux 5.14 */
#define MADV_POPULATE_WRITE 23
#endif

/*
 * Before a large copy out of a file, its pages are mapped in one call
 * rather than a fault per 64 KiB: a dump of a big file: region spends a
 * fifth of its time in those faults otherwise. Advice only: an older
 * kernel refuses it, and a page past a truncated end still faults in the
 * copy, under the guard.
 */
static void populate(const struct iod_map *m, uint64_t off, size_t len, int advice)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)(m->data + off) & ~(page - 1);
	uintptr_t hi = (uintptr_t)(m->data + off + len);

	if (len >= (64u << 10))
		madvise((void *)lo, hi - lo, advice);
}

/* Plain memory: libc's copies are the right tool (spec: sysmem may use memmove). */
static struct iod_error *sysmem_copy_from(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct iod_map *m = ctx;

	if (m->fd >= 0)
		populate(m, off, len, MADV_POPULATE_READ);
	memcpy(buf, m->data + off, len);
	return NULL;
}

static struct iod_error *sysmem_copy_to(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct iod_map *m = ctx;

	populate(m, off, len, MADV_POPULATE_WRITE);
	memcpy(m->data + off, buf, len);
	return NULL;
}

static struct iod_error *sysmem_move(void *ctx, uint64_t dst, uint64_t src, size_t len)
{
	struct iod_map *m = ctx;

	populate(m, src, len, MADV_POPULATE_READ);
	populate(m, dst, len, MADV_POPULATE_WRITE);
	memmove(m->data + dst, m->data + src, len);
	return NULL;
}

const struct iod_backend_ops iod_sysmem_ops = {
	.name = "sysmem",
	.widths = IOD_W_ALL,
	.aligned_only = false,
	.read = sysmem_read,
	.write = sysmem_write,
	.copy_from = sysmem_copy_from,
	.copy_to = sysmem_copy_to,
	.move = sysmem_move,
	.close = iod_map_free,
};

struct iod_error *iod_region_sim(const char *name, uint64_t size, struct iod_region **ret)
{
	struct iod_error *err = iod_map_region(&iod_sysmem_ops, name, NULL, -1, 0, size, true,
					       "sim", ret);

	if (!err) {
		struct iod_map *m = (*ret)->ctx;

		(*ret)->sim = true;
		madvise(m->base, m->len, MADV_HUGEPAGE);
	}
	return err;
}

struct iod_error *iod_region_sysmem_fd(const char *name, const struct iod_os *os, int fd,
				       uint64_t offset, uint64_t size, bool writable,
				       const char *source, struct iod_region **ret)
{
	return iod_map_region(&iod_sysmem_ops, name, os, fd, offset, size, writable, source, ret);
}
