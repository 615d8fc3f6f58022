/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysmem: ordinary memory (anonymous, a regular file, a memfd) mapped once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
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
 * Large copies map their pages in one call rather than a fault per 64 KiB
 * (a 1 GiB dump took 16,771 faults). Advice only: an older kernel refuses
 * it, and a page past a truncated end still faults in the copy, under the
 * guard.
 */
static void populate(const struct iod_map *m, uint64_t off, size_t len, int advice)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)(m->data + off) & ~(page - 1);
	uintptr_t hi = (uintptr_t)(m->data + off + len);

	if (len >= (64u << 10))
		madvise((void *)lo, hi - lo, advice);
}

/*
 * Plain memory: libc's copies are the right tool (spec: sysmem may use
 * memmove). A large copy out of a regular file is read from it instead: the
 * same bytes (the mapping is shared with the page cache), copied once by the
 * kernel with no page-table work. What pread cannot give (a file shorter
 * than the region now) is copied from the mapping, where it faults under
 * the guard as any access would.
 */
static struct iod_error *sysmem_copy_from(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct iod_map *m = ctx;
	size_t done = 0;

	if (m->fd >= 0 && len >= (64u << 10) && m->regular < 0) {
		struct stat st;

		/* a device's read(2) need not be its mapping's bytes: regular files only */
		m->regular = m->os->fstat(m->fd, &st) == 0 && S_ISREG(st.st_mode);
	}
	if (m->fd >= 0 && len >= (64u << 10) && m->regular) {
		while (done < len) {
			ssize_t n = m->os->pread(m->fd, (uint8_t *)buf + done, len - done,
						 (off_t)(m->offset + off + done));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			done += (size_t)n;
		}
		if (done < len)
			populate(m, off + done, len - done, MADV_POPULATE_READ);
	}
	memcpy((uint8_t *)buf + done, m->data + off + done, len - done);
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
