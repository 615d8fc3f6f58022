/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mmio: device memory mapped from /dev/mem or a sysfs resourceN file. Every
 * access is one volatile load or store; copies go by naturally aligned units
 * of at most 8 bytes, never libc memcpy (which may use vector moves or
 * rep movsb on device memory).
 */
#include "map.h"

static struct iod_error *mmio_read(void *ctx, uint64_t off, unsigned width, uint64_t *ret)
{
	struct iod_map *m = ctx;

	*ret = iod_volatile_read(m->data + off, width);
	return NULL;
}

static struct iod_error *mmio_write(void *ctx, uint64_t off, unsigned width, uint64_t val)
{
	struct iod_map *m = ctx;

	iod_volatile_write(m->data + off, width, val);
	return NULL;
}

static struct iod_error *mmio_copy_from(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct iod_map *m = ctx;
	uint8_t *out = buf;

	while (len) {
		unsigned w = iod_unit_at((uintptr_t)(m->data + off), len, IOD_W_ALL);
		uint64_t v = iod_volatile_read(m->data + off, w);

		/* little-endian: the low bytes of v are the first bytes */
		memcpy(out, &v, w);
		out += w;
		off += w;
		len -= w;
	}
	return NULL;
}

static struct iod_error *mmio_copy_to(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct iod_map *m = ctx;
	const uint8_t *in = buf;

	while (len) {
		unsigned w = iod_unit_at((uintptr_t)(m->data + off), len, IOD_W_ALL);
		uint64_t v = 0;

		memcpy(&v, in, w);
		iod_volatile_write(m->data + off, w, v);
		in += w;
		off += w;
		len -= w;
	}
	return NULL;
}

const struct iod_backend_ops iod_mmio_ops = {
	.name = "mmio",
	.widths = IOD_W_ALL,
	.aligned_only = true,
	.read = mmio_read,
	.write = mmio_write,
	.copy_from = mmio_copy_from,
	.copy_to = mmio_copy_to,
	.close = iod_map_free,
};

struct iod_error *iod_region_mmio_fd(const char *name, const struct iod_os *os, int fd,
				     uint64_t offset, uint64_t size, bool writable,
				     const char *source, struct iod_region **ret)
{
	return iod_map_region(&iod_mmio_ops, name, os, fd, offset, size, writable, source, ret);
}
