/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pio: pread/pwrite of exactly the access width, for files that cannot be
 * mapped (I/O-port BARs take only 1, 2 or 4 bytes at a time; debugfs blobs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"

struct pio {
	const struct iod_os *os;
	int fd;
	uint64_t base;          /* file offset of region offset 0 */
	unsigned widths;
	bool bulk;              /* copies may transfer any length per call */
};

static struct iod_error *xfer(struct pio *p, bool write, uint64_t off, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n;

		if (write)
			n = p->os->pwrite(p->fd, (uint8_t *)buf + done, len - done,
					  (off_t)(p->base + off + done));
		else
			n = p->os->pread(p->fd, (uint8_t *)buf + done, len - done,
					 (off_t)(p->base + off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return iod_error_os(errno, "%s of %zu bytes at 0x%llx",
					    write ? "pwrite" : "pread", len - done,
					    (unsigned long long)(p->base + off + done));
		if (n == 0)
			return iod_error_new(IOD_ERR_OS,
					     "%s at 0x%llx: end of file after %zu of %zu bytes",
					     write ? "pwrite" : "pread",
					     (unsigned long long)(p->base + off), done, len);
		done += (size_t)n;
	}
	return NULL;
}

/* One call of exactly the width: a device file would refuse or split a
   partial transfer, so a short one is an error rather than retried. */
static struct iod_error *xfer_unit(struct pio *p, bool write, uint64_t off, unsigned width,
				   uint64_t *v)
{
	off_t pos = (off_t)(p->base + off);
	ssize_t n;

	do {
		n = write ? p->os->pwrite(p->fd, v, width, pos) : p->os->pread(p->fd, v, width, pos);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return iod_error_os(errno, "%s of %u bytes at 0x%llx", write ? "pwrite" : "pread",
				    width, (unsigned long long)pos);
	if ((size_t)n != width)
		return iod_error_new(IOD_ERR_OS, "%s of %u bytes at 0x%llx transferred %zd",
				     write ? "pwrite" : "pread", width,
				     (unsigned long long)pos, n);
	return NULL;
}

static struct iod_error *pio_read(void *ctx, uint64_t off, unsigned width, uint64_t *ret)
{
	uint64_t v = 0;
	struct iod_error *err = xfer_unit(ctx, false, off, width, &v);

	if (!err)
		*ret = v;
	return err;
}

static struct iod_error *pio_write(void *ctx, uint64_t off, unsigned width, uint64_t val)
{
	return xfer_unit(ctx, true, off, width, &val);
}

static struct iod_error *by_units(struct pio *p, bool write, uint64_t off, uint8_t *buf,
				  size_t len)
{
	while (len) {
		unsigned w = iod_unit_at(off, len, p->widths);
		uint64_t v = 0;
		struct iod_error *err;

		if (!w)
			w = 1;  /* every pio region takes single bytes */
		if (write)
			memcpy(&v, buf, w);
		err = xfer_unit(p, write, off, w, &v);
		if (err)
			return err;
		if (!write)
			memcpy(buf, &v, w);
		buf += w;
		off += w;
		len -= w;
	}
	return NULL;
}

static struct iod_error *pio_copy_from(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct pio *p = ctx;

	return p->bulk ? xfer(p, false, off, buf, len) : by_units(p, false, off, buf, len);
}

static struct iod_error *pio_copy_to(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct pio *p = ctx;

	return p->bulk ? xfer(p, true, off, (void *)buf, len)
		       : by_units(p, true, off, (uint8_t *)buf, len);
}

static void pio_close(void *ctx)
{
	struct pio *p = ctx;

	if (!p)
		return;
	if (p->fd >= 0)
		p->os->close(p->fd);
	free(p);
}

const struct iod_backend_ops iod_pio_ops = {
	.name = "pio",
	.widths = IOD_W_ALL,
	.aligned_only = false,
	.read = pio_read,
	.write = pio_write,
	.copy_from = pio_copy_from,
	.copy_to = pio_copy_to,
	.close = pio_close,
};

struct iod_error *iod_region_pio_fd(const char *name, const struct iod_os *os, int fd,
				    uint64_t offset, uint64_t size, unsigned widths, bool bulk,
				    bool writable, const char *source, struct iod_region **ret)
{
	struct pio *p = malloc(sizeof(*p));
	struct iod_error *err;

	if (!os)
		os = &iod_os_default;
	if (!p) {
		os->close(fd);
		return &iod_error_nomem;
	}
	widths &= IOD_W_ALL;
	p->os = os;
	p->fd = fd;
	p->base = offset;
	p->widths = widths | IOD_W8;
	p->bulk = bulk;
	err = iod_region_new(name, &iod_pio_ops, p, size, writable, source, ret);
	if (!err)
		(*ret)->widths = p->widths;
	return err;
}
