/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One mmap of a window of a file or of anonymous memory, for the mapping backends. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "map.h"

struct iod_error *iod_map_open(struct iod_map *m, const struct iod_os *os, int fd,
			       uint64_t offset, uint64_t size, bool writable)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t start = offset & ~(page - 1);
	uint64_t inner = offset - start;
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	int flags = fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED;
	void *base;

	m->os = os ? os : &iod_os_default;
	m->fd = fd;
	m->base = NULL;
	m->offset = offset;
	m->regular = -1;
	if (size == 0 || size > SIZE_MAX - inner - page) {
		iod_map_close(m);
		return iod_error_new(IOD_ERR_BOUNDS, "cannot map %llu bytes",
				     (unsigned long long)size);
	}
	m->len = (size_t)((inner + size + page - 1) & ~(page - 1));
	base = m->os->mmap(NULL, m->len, prot, flags, fd, (off_t)start);
	if (base == MAP_FAILED) {
		int e = errno;

		iod_map_close(m);
		return iod_error_os(e, "mmap of %llu bytes at offset 0x%llx",
				    (unsigned long long)size, (unsigned long long)offset);
	}
	m->base = base;
	m->data = (uint8_t *)base + inner;
	return NULL;
}

void iod_map_close(struct iod_map *m)
{
	if (m->base)
		m->os->munmap(m->base, m->len);
	m->base = NULL;
	if (m->fd >= 0)
		m->os->close(m->fd);
	m->fd = -1;
}

void iod_map_free(void *ctx)
{
	struct iod_map *m = ctx;

	if (!m)
		return;
	iod_map_close(m);
	free(m);
}

struct iod_error *iod_map_region(const struct iod_backend_ops *ops, const char *name,
				 const struct iod_os *os, int fd, uint64_t offset, uint64_t size,
				 bool writable, const char *source, struct iod_region **ret)
{
	struct iod_map *m = malloc(sizeof(*m));
	struct iod_error *err;

	if (!m) {
		if (fd >= 0)
			(os ? os : &iod_os_default)->close(fd);
		return &iod_error_nomem;
	}
	err = iod_map_open(m, os, fd, offset, size, writable);
	if (err) {
		free(m);
		return iod_error_prefix(err, "%s", source);
	}
	return iod_region_new(name, ops, m, size, writable, source, ret);
}
