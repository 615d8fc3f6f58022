/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pci-config: a device's configuration space through libpci. Each access is
 * one libpci block transfer of exactly the width (on sysfs, one pread or
 * pwrite of the config file, which the kernel turns into one config cycle of
 * that size); copies go by naturally aligned units of at most 4 bytes.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "pci_internal.h"

struct cfg {
	struct iod_pci_handle *h;
};

/* A failed transfer says why when libpci did (a warning), and says that the
   bytes are not there otherwise (a short read: past what can be read). */
static struct iod_error *transfer(struct iod_pci_handle *h, bool write, uint64_t off,
				  uint8_t *buf, unsigned len)
{
	struct iod_pci_guard g;
	int ok;

	iod_pci_guard_push(&g);
	if (setjmp(g.env)) {
		iod_pci_guard_pop(&g);
		return iod_error_new(IOD_ERR_OS, "config %s of %u bytes at 0x%" PRIx64 ": %s",
				     write ? "write" : "read", len, off, iod_pci_error());
	}
	ok = write ? pci_write_block(h->dev, (int)off, buf, (int)len)
		   : pci_read_block(h->dev, (int)off, buf, (int)len);
	iod_pci_guard_pop(&g);
	if (ok)
		return NULL;
	if (*iod_pci_warning())
		return iod_error_new(IOD_ERR_OS, "config %s of %u bytes at 0x%" PRIx64 ": %s",
				     write ? "write" : "read", len, off, iod_pci_warning());
	return iod_error_new(IOD_ERR_OS, "config %s of %u bytes at 0x%" PRIx64 " failed%s",
			     write ? "write" : "read", len, off,
			     write ? "" : " (those bytes cannot be read)");
}

bool iod_pci_config_block(struct iod_pci_handle *h, uint64_t off, uint8_t *buf, size_t len)
{
	struct iod_pci_guard g;
	int ok;

	iod_pci_guard_push(&g);
	if (setjmp(g.env)) {
		iod_pci_guard_pop(&g);
		return false;
	}
	ok = pci_read_block(h->dev, (int)off, buf, (int)len);
	iod_pci_guard_pop(&g);
	return ok != 0;
}

struct iod_error *iod_pci_config_read(struct iod_pci_handle *h, uint64_t off, unsigned width,
				      uint64_t *ret)
{
	uint8_t buf[4];
	struct iod_error *err = transfer(h, false, off, buf, width);
	uint64_t v = 0;

	if (err)
		return err;
	/* config space is little-endian whatever the host is */
	for (unsigned i = 0; i < width; i++)
		v |= (uint64_t)buf[i] << (8 * i);
	*ret = v;
	return NULL;
}

static struct iod_error *cfg_read(void *ctx, uint64_t off, unsigned width, uint64_t *ret)
{
	struct cfg *c = ctx;

	return iod_pci_config_read(c->h, off, width, ret);
}

static struct iod_error *cfg_write(void *ctx, uint64_t off, unsigned width, uint64_t val)
{
	struct cfg *c = ctx;
	uint8_t buf[4];

	for (unsigned i = 0; i < width; i++)
		buf[i] = (uint8_t)(val >> (8 * i));
	return transfer(c->h, true, off, buf, width);
}

static unsigned unit_at(uint64_t off, size_t left)
{
	for (unsigned w = 4; w > 1; w >>= 1)
		if (off % w == 0 && left >= w)
			return w;
	return 1;
}

static struct iod_error *cfg_copy_from(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct cfg *c = ctx;
	uint8_t *out = buf;

	while (len) {
		unsigned w = unit_at(off, len);
		struct iod_error *err = transfer(c->h, false, off, out, w);

		if (err)
			return err;
		out += w;
		off += w;
		len -= w;
	}
	return NULL;
}

static struct iod_error *cfg_copy_to(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct cfg *c = ctx;
	const uint8_t *in = buf;

	while (len) {
		unsigned w = unit_at(off, len);
		uint8_t unit[4];
		struct iod_error *err;

		for (unsigned i = 0; i < w; i++)
			unit[i] = in[i];
		err = transfer(c->h, true, off, unit, w);
		if (err)
			return err;
		in += w;
		off += w;
		len -= w;
	}
	return NULL;
}

static void cfg_close(void *ctx)
{
	struct cfg *c = ctx;

	if (!c)
		return;
	iod_pci_handle_put(c->h);
	free(c);
}

const struct iod_backend_ops iod_pci_config_ops = {
	.name = "pci-config",
	.widths = IOD_W8 | IOD_W16 | IOD_W32,
	.aligned_only = true,
	.read = cfg_read,
	.write = cfg_write,
	.copy_from = cfg_copy_from,
	.copy_to = cfg_copy_to,
	.close = cfg_close,
};

struct iod_error *iod_region_pci_config(const char *name, struct iod_pci_handle *h,
					uint64_t size, bool writable, struct iod_region **ret)
{
	struct cfg *c = malloc(sizeof(*c));

	if (!c)
		return &iod_error_nomem;
	c->h = h;
	h->refs++;
	return iod_region_new(name, &iod_pci_config_ops, c, size, writable && !h->dump, h->source,
			      ret);
}
