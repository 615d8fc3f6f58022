/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI devices through libpci: finding the device, its cfg region and BAR
 * regions, the typed view it gets, what `info device` shows, and why a BAR
 * read all-ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "iodbg/format.h"
#include "internal.h"
#include "pci_internal.h"

/* ---- libpci's callbacks --------------------------------------------------- */

/* The innermost guard of this thread and the messages (see pci_internal.h). */
static _Thread_local struct iod_pci_guard *current_guard;
static _Thread_local char error_text[512], warning_text[512];

void iod_pci_guard_push(struct iod_pci_guard *g)
{
	g->prev = current_guard;
	error_text[0] = 0;
	warning_text[0] = 0;
	current_guard = g;
}

void iod_pci_guard_pop(struct iod_pci_guard *g)
{
	current_guard = g->prev;
}

const char *iod_pci_error(void)
{
	return error_text;
}

const char *iod_pci_warning(void)
{
	return warning_text;
}

static __attribute__((noreturn, format(printf, 1, 2))) void on_error(char *fmt, ...)
{
	va_list ap;

	/* Every libpci call runs in a guard; returning would let libpci go on
	   with NULL pointers, so an unguarded call is a bug worth a crash. */
	if (!current_guard)
		abort();
	va_start(ap, fmt);
	vsnprintf(error_text, sizeof(error_text), fmt, ap);
	va_end(ap);
	longjmp(current_guard->env, 1);
}

static __attribute__((format(printf, 1, 2))) void on_warning(char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(warning_text, sizeof(warning_text), fmt, ap);
	va_end(ap);
}

static __attribute__((format(printf, 1, 2))) void on_debug(char *fmt, ...)
{
	(void)fmt;
}

/* ---- the shared handle ---------------------------------------------------- */

void iod_pci_handle_put(struct iod_pci_handle *h)
{
	struct iod_pci_guard g;

	if (!h || --h->refs)
		return;
	if (h->access) {
		iod_pci_guard_push(&g);
		if (!setjmp(g.env))
			pci_cleanup(h->access);
		iod_pci_guard_pop(&g);
	}
	free(h->source);
	free(h);
}

/* libpci over sysfs (sysfs.path = ROOT/bus/pci), or over the lspci dump named
   by $IODBG_PCI_DUMP, a testing aid. */
static struct iod_error *open_bus(const char *root, const char *dump, struct iod_pci_handle *h)
{
	struct iod_pci_guard g;
	char path[4096];

	snprintf(path, sizeof(path), "%s/bus/pci", root);
	iod_pci_guard_push(&g);
	if (setjmp(g.env)) {
		iod_pci_guard_pop(&g);
		if (dump)
			return iod_error_new(IOD_ERR_OS, "cannot read the PCI dump %s: %s", dump,
					     iod_pci_error());
		return iod_error_new(IOD_ERR_OS, "cannot list PCI devices under %s: %s", path,
				     iod_pci_error());
	}
	h->access = pci_alloc();
	h->access->error = on_error;
	h->access->warning = on_warning;
	h->access->debug = on_debug;
	/* config is opened read-write by libpci only when something is written */
	h->access->writeable = 0;
	if (dump) {
		h->access->method = PCI_ACCESS_DUMP;
		pci_set_param(h->access, "dump.name", (char *)dump);
	} else {
		h->access->method = PCI_ACCESS_SYS_BUS_PCI;
		pci_set_param(h->access, "sysfs.path", path);
	}
	pci_init(h->access);
	pci_scan_bus(h->access);
	iod_pci_guard_pop(&g);
	return NULL;
}

static int slot_cmp(const void *a, const void *b)
{
	const struct pci_dev *x = *(struct pci_dev *const *)a, *y = *(struct pci_dev *const *)b;

	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	if (x->bus != y->bus)
		return x->bus < y->bus ? -1 : 1;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->func < y->func ? -1 : x->func > y->func;
}

/* The vendor and device IDs of d; false (with the message) when libpci failed. */
static bool read_ident(struct pci_dev *d)
{
	struct iod_pci_guard g;

	iod_pci_guard_push(&g);
	if (setjmp(g.env)) {
		iod_pci_guard_pop(&g);
		return false;
	}
	pci_fill_info(d, PCI_FILL_IDENT);
	iod_pci_guard_pop(&g);
	return true;
}

/* The device the target names; by IDs, the Nth in domain:bus:dev.fn order. */
static struct iod_error *find_device(const struct iod_target *t, struct iod_pci_handle *h)
{
	struct pci_dev **found = NULL;
	size_t n = 0, cap = 0;
	char index[16] = "";

	for (struct pci_dev *d = h->access->devices; d; d = d->next) {
		if (!t->by_id) {
			if ((unsigned)d->domain == t->domain && d->bus == t->bus &&
			    d->dev == t->dev && d->func == t->func) {
				h->dev = d;
				break;
			}
			continue;
		}
		if (!read_ident(d)) {
			free(found);
			return iod_error_new(IOD_ERR_OS, "PCI device lookup: %s", iod_pci_error());
		}
		if (d->vendor_id != t->vendor || d->device_id != t->device)
			continue;
		if (n == cap) {
			struct pci_dev **grown = realloc(found, (cap ? cap * 2 : 8) * sizeof(*grown));

			if (!grown) {
				free(found);
				return &iod_error_nomem;
			}
			found = grown;
			cap = cap ? cap * 2 : 8;
		}
		found[n++] = d;
	}
	if (t->by_id) {
		if (n)
			qsort(found, n, sizeof(*found), slot_cmp);
		if (t->index < n)
			h->dev = found[t->index];
		free(found);
		if (t->index)
			snprintf(index, sizeof(index), "#%u", t->index);
		if (!h->dev && n)
			return iod_error_new(IOD_ERR_LOOKUP, "no PCI device %04x:%04x%s (%zu found)",
					     t->vendor, t->device, index, n);
		if (!h->dev)
			return iod_error_new(IOD_ERR_LOOKUP, "no PCI device %04x:%04x%s", t->vendor,
					     t->device, index);
	} else if (!h->dev) {
		return iod_error_new(IOD_ERR_LOOKUP, "no PCI device %04x:%02x:%02x.%u", t->domain,
				     t->bus, t->dev, t->func);
	}
	snprintf(h->slot, sizeof(h->slot), "%04x:%02x:%02x.%u", (unsigned)h->dev->domain,
		 h->dev->bus, h->dev->dev, h->dev->func);
	return NULL;
}

/* ---- the attached device -------------------------------------------------- */

struct bar {
	bool present;
	bool io, is64, prefetchable, below1m;
	bool decoding;             /* the command register enables its space */
	uint64_t addr, size;       /* size 0: not known (a dump) */
	char *path;                /* the resourceN file, NULL for a dump */
};

struct iod_pci_device {
	struct iod_pci_handle *h;
	uint64_t cfg_size;
	char *devdir;              /* <sysfs>/bus/pci/devices/<slot>, NULL for a dump */
	struct bar bars[6];
	unsigned nbars;            /* by header type: 6, 2 for a bridge, 1 for CardBus */
	unsigned header_type;
	char *driver;
};

void iod_pci_device_free(struct iod_pci_device *d)
{
	if (!d)
		return;
	for (unsigned i = 0; i < 6; i++)
		free(d->bars[i].path);
	free(d->devdir);
	free(d->driver);
	iod_pci_handle_put(d->h);
	free(d);
}

static struct iod_error *fill_info(struct iod_pci_device *d)
{
	struct pci_dev *dev = d->h->dev;
	struct iod_pci_guard g;
	char *driver;

	iod_pci_guard_push(&g);
	if (setjmp(g.env)) {
		iod_pci_guard_pop(&g);
		return iod_error_new(IOD_ERR_OS, "%s: %s", d->h->slot, iod_pci_error());
	}
	pci_fill_info(dev, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_IRQ | PCI_FILL_BASES |
		      PCI_FILL_SIZES | PCI_FILL_IO_FLAGS | PCI_FILL_CLASS_EXT | PCI_FILL_SUBSYS |
		      (d->h->dump ? 0 : PCI_FILL_DRIVER));
	driver = d->h->dump ? NULL : pci_get_string_property(dev, PCI_FILL_DRIVER);
	iod_pci_guard_pop(&g);
	if (driver && !(d->driver = strdup(driver)))
		return &iod_error_nomem;
	return NULL;
}

static bool have_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	return data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN);
}

static void warnf(const struct iod_attach *opts, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warnf(const struct iod_attach *opts, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!opts->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	opts->warn(opts->ctx, msg);
}

/* As much config space as can really be read: 4096 with extended config
   space, else 256, else the 64 bytes the kernel gives the unprivileged. */
static struct iod_error *config_size(struct iod_pci_device *d, const char *name,
				     const struct iod_attach *opts)
{
	uint8_t b[4];

	if (!iod_pci_config_block(d->h, 0, b, 4)) {
		struct iod_error *err;
		uint64_t v;

		err = iod_pci_config_read(d->h, 0, 4, &v);
		if (!err)
			err = iod_error_new(IOD_ERR_OS, "config space cannot be read");
		return iod_error_prefix(err, "%s", d->h->slot);
	}
	if (iod_pci_config_block(d->h, 0x100, b, 4)) {
		d->cfg_size = 4096;
	} else if (iod_pci_config_block(d->h, 0x40, b, 4)) {
		d->cfg_size = 256;
	} else {
		d->cfg_size = 64;
		if (d->h->dump)
			warnf(opts, "%s: the dump holds only 64 bytes of config space of %s",
			      name, d->h->slot);
		else if (!have_cap_sys_admin())
			warnf(opts, "%s: only the first 64 bytes of config space of %s can be read"
			      " without root (CAP_SYS_ADMIN); %s is 64 bytes", name, d->h->slot,
			      name);
		else
			warnf(opts, "%s: only the first 64 bytes of config space of %s can be read;"
			      " %s is 64 bytes", name, d->h->slot, name);
	}
	return NULL;
}

static void region_name(char *buf, size_t size, const char *prefix, const char *stem)
{
	snprintf(buf, size, "%s%s%s", prefix, *prefix ? "_" : "", stem);
}

/* The BARs libpci reports (sysfs: from the kernel's resource file, with
   sizes; a dump: from the BAR registers, sizes unknown). */
static void read_bars(struct iod_pci_device *d, uint16_t command)
{
	struct pci_dev *dev = d->h->dev;

	for (unsigned i = 0; i < d->nbars; i++) {
		struct bar *b = &d->bars[i];
		pciaddr_t base = dev->base_addr[i];

		if (d->h->dump ? !(base & ~(pciaddr_t)0xf) : !dev->size[i])
			continue;
		b->present = true;
		b->io = base & 1;
		if (dev->known_fields & PCI_FILL_IO_FLAGS && dev->flags[i])
			b->io = (dev->flags[i] & 0x100) != 0;   /* IORESOURCE_IO */
		b->addr = base & (b->io ? PCI_ADDR_IO_MASK : PCI_ADDR_MEM_MASK);
		b->size = dev->size[i];
		b->is64 = !b->io && (base & 6) == 4;
		b->below1m = !b->io && (base & 6) == 2;
		b->prefetchable = !b->io && (base & 8);
		b->decoding = command & (b->io ? 1 : 2);
		if (b->is64 && i + 1 < d->nbars)
			i++;
	}
}

/* The remedy for a BAR file the kernel would not open or map. */
static void bar_refused(struct iod_pci_device *d, const struct iod_attach *opts,
			const char *name, unsigned i, const char *op, int e)
{
	const char *file = strrchr(d->bars[i].path, '/') + 1;

	switch (e) {
	case ENOENT:
		warnf(opts, "%s: no %s file: this kernel or VM does not expose BAR files"
		      " (lockdown or a virtual machine)", name, file);
		break;
	case EPERM:
		warnf(opts, "%s: kernel lockdown refuses mapping %s (EPERM); boot without"
		      " lockdown/Secure Boot", name, file);
		break;
	case EINVAL:
		if (d->driver)
			warnf(opts, "%s: the kernel refuses mapping %s (EINVAL): with IO_STRICT_DEVMEM"
			      " a BAR that a driver has claimed (here %s) cannot be mapped; unbind"
			      " the driver or boot with iomem=relaxed", name, file, d->driver);
		else
			warnf(opts, "%s: the kernel refuses mapping %s (EINVAL): with IO_STRICT_DEVMEM"
			      " a BAR that a driver has claimed cannot be mapped; unbind the driver"
			      " or boot with iomem=relaxed", name, file);
		break;
	case EACCES:
		warnf(opts, "%s: cannot open %s (EACCES): mapping a BAR needs root", name, file);
		break;
	default:
		warnf(opts, "%s: cannot %s %s: %s", name, op, file, strerror(e));
		break;
	}
}

static struct iod_error *push(struct iod_attached *a, struct iod_region *r)
{
	struct iod_region **grown = realloc(a->regions, (a->nregions + 1) * sizeof(*grown));

	if (!grown) {
		iod_region_free(r);
		return &iod_error_nomem;
	}
	grown[a->nregions++] = r;
	a->regions = grown;
	return NULL;
}

/* bar0..bar5: memory BARs mapped (mmio), I/O BARs by pread/pwrite (pio).
   A BAR that cannot be had is a warning; only running out of memory fails. */
static struct iod_error *attach_bars(struct iod_pci_device *d, const char *prefix,
				     const struct iod_attach *opts, struct iod_attached *a)
{
	const struct iod_os *os = opts->os ? opts->os : &iod_os_default;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	for (unsigned i = 0; i < 6; i++) {
		struct bar *b = &d->bars[i];
		struct iod_region *r = NULL;
		struct iod_error *err;
		char name[300], stem[8];
		int fd;

		if (!b->present)
			continue;
		snprintf(stem, sizeof(stem), "bar%u", i);
		region_name(name, sizeof(name), prefix, stem);
		fd = os->open(b->path, (opts->writable ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
		if (fd < 0) {
			bar_refused(d, opts, name, i, "open", errno);
			continue;
		}
		if (b->io)
			err = iod_region_pio_fd(name, os, fd, 0, b->size, IOD_W8 | IOD_W16 | IOD_W32,
						false, opts->writable, b->path, &r);
		else
			/* a BAR smaller than a page maps from the page it starts in */
			err = iod_region_mmio_fd(name, os, fd, b->addr & (page - 1), b->size,
						 opts->writable, b->path, &r);
		if (err) {
			if (err == &iod_error_nomem)
				return err;
			if (err->kind == IOD_ERR_OS && err->errnum)
				bar_refused(d, opts, name, i, "map", err->errnum);
			else
				warnf(opts, "%s: %s", name, err->message);
			iod_error_free(err);
			continue;
		}
		err = push(a, r);
		if (err)
			return err;
		if (!b->decoding)
			warnf(opts, "%s: %s decoding is disabled in the command register of %s: reads"
			      " would return all-ones until it is enabled (bit %u of command)", name,
			      b->io ? "I/O" : "memory", d->h->slot, b->io ? 0 : 1);
	}
	return NULL;
}

static char *path_join(const char *a, const char *b)
{
	char *s = NULL;

	return asprintf(&s, "%s/%s", a, b) < 0 ? NULL : s;
}

struct iod_error *iod_attach_pci(const struct iod_target *t, const char *prefix,
				 const struct iod_attach *opts, struct iod_attached *ret)
{
	const char *dump = getenv("IODBG_PCI_DUMP");
	struct iod_attached a = { 0 };
	struct iod_pci_device *d = calloc(1, sizeof(*d));
	struct iod_region *cfg = NULL;
	struct iod_error *err;
	char name[300];
	uint64_t v;

	if (dump && !*dump)
		dump = NULL;
	if (!d || !(d->h = calloc(1, sizeof(*d->h)))) {
		free(d);
		return &iod_error_nomem;
	}
	d->h->refs = 1;
	d->h->dump = dump != NULL;
	err = open_bus(iod_sysfs_root(opts), dump, d->h);
	if (!err)
		err = find_device(t, d->h);
	if (err)
		goto fail;
	if (dump) {
		if (asprintf(&d->h->source, "%s (dump), %s", dump, d->h->slot) < 0)
			d->h->source = NULL;
	} else {
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", iod_sysfs_root(opts), d->h->slot);
		d->devdir = strdup(dir);
		d->h->source = path_join(dir, "config");
	}
	if (!d->h->source || (!dump && !d->devdir)) {
		err = &iod_error_nomem;
		goto fail;
	}
	err = fill_info(d);
	if (err)
		goto fail;
	region_name(name, sizeof(name), prefix, "cfg");
	err = config_size(d, name, opts);
	if (!err)
		err = iod_pci_config_read(d->h, 0x0e, 1, &v);
	if (err)
		goto fail;
	d->header_type = (unsigned)v & 0x7f;
	/* type 0: six BARs; type 1 (bridge): two; type 2 (CardBus): one */
	d->nbars = d->header_type == 0 ? 6 : d->header_type == 1 ? 2 : d->header_type == 2;
	err = iod_region_pci_config(name, d->h, d->cfg_size, opts->writable, &cfg);
	if (!err)
		err = push(&a, cfg);
	if (!err)
		err = iod_pci_config_read(d->h, 0x04, 2, &v);
	if (err)
		goto fail;
	read_bars(d, (uint16_t)v);
	for (unsigned i = 0; i < 6 && d->devdir; i++) {
		char file[16];

		snprintf(file, sizeof(file), "resource%u", i);
		if (d->bars[i].present && !(d->bars[i].path = path_join(d->devdir, file))) {
			err = &iod_error_nomem;
			goto fail;
		}
	}
	if (!dump) {
		err = attach_bars(d, prefix, opts, &a);
		if (err)
			goto fail;
	}
	a.view_region = cfg;
	a.view_type = d->header_type == 0 ? "struct pci_config_header"
		      : d->header_type == 1 ? "struct pci_bridge_header" : NULL;
	if (!a.view_type)
		warnf(opts, "%s: header type %u has no typed view (only types 0 and 1 have one)",
		      d->h->slot, d->header_type);
	a.vendor = d->h->dev->vendor_id;
	a.device = d->h->dev->device_id;
	a.pci = d;
	*ret = a;
	return NULL;
fail:
	iod_attached_release(&a);
	iod_pci_device_free(d);
	return err;
}

/* ---- all-ones --------------------------------------------------------------- */

/* A little-endian config register of 1, 2 or 4 bytes through the access path. */
static struct iod_error *cfg_get(struct iod_io *io, struct iod_region *cfg, uint64_t off,
				 unsigned width, uint64_t *ret)
{
	uint8_t b[4];
	struct iod_error *err = iod_copy_from(io, cfg, off, b, width);

	*ret = 0;
	for (unsigned i = 0; !err && i < width; i++)
		*ret |= (uint64_t)b[i] << (8 * i);
	return err;
}

const char *iod_pci_diagnose(struct iod_pci_device *d, struct iod_io *io, struct iod_region *cfg,
			     const struct iod_region *r, unsigned width, uint64_t value)
{
	const struct bar *b = NULL;
	uint64_t v;
	struct iod_error *err;

	if (!d || !cfg || !r || width < 4 ||
	    value != (width == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * width)) - 1))
		return NULL;
	for (unsigned i = 0; i < 6; i++)
		if (d->bars[i].path && r->source && !strcmp(d->bars[i].path, r->source))
			b = &d->bars[i];
	if (!b)
		return NULL;
	err = cfg_get(io, cfg, 0, 2, &v);
	if (err || v == 0xffff) {
		iod_error_free(err);
		return "the device is gone or in reset: its vendor ID reads all-ones through"
		       " config space too";
	}
	err = cfg_get(io, cfg, 0x04, 2, &v);
	if (err) {
		iod_error_free(err);
		return NULL;
	}
	if (!b->io && !(v & 2))
		return "memory decoding is disabled in the command register (bit 1): the device"
		       " does not answer, reads return all-ones";
	if (b->io && !(v & 1))
		return "I/O decoding is disabled in the command register (bit 0): the device does"
		       " not answer, reads return all-ones";
	return NULL;
}

/* ---- info device ------------------------------------------------------------ */

static const char *const std_caps[] = {
	[0x01] = "Power Management",
	[0x02] = "AGP",
	[0x03] = "Vital Product Data",
	[0x04] = "Slot Identification",
	[0x05] = "MSI",
	[0x06] = "CompactPCI Hot Swap",
	[0x07] = "PCI-X",
	[0x08] = "HyperTransport",
	[0x09] = "Vendor Specific",
	[0x0a] = "Debug Port",
	[0x0b] = "CompactPCI Central Resource Control",
	[0x0c] = "PCI Hot-Plug",
	[0x0d] = "Bridge Subsystem Vendor ID",
	[0x0e] = "AGP 8x",
	[0x0f] = "Secure Device",
	[0x10] = "PCI Express",
	[0x11] = "MSI-X",
	[0x12] = "SATA Data/Index Configuration",
	[0x13] = "Advanced Features",
	[0x14] = "Enhanced Allocation",
	[0x15] = "Flattening Portal Bridge",
};

static const char *const ext_caps[] = {
	[0x01] = "Advanced Error Reporting",
	[0x02] = "Virtual Channel",
	[0x03] = "Device Serial Number",
	[0x04] = "Power Budgeting",
	[0x05] = "Root Complex Link Declaration",
	[0x06] = "Root Complex Internal Link Control",
	[0x07] = "Root Complex Event Collector Endpoint Association",
	[0x08] = "Multi-Function Virtual Channel",
	[0x09] = "Virtual Channel (MFVC)",
	[0x0a] = "Root Complex Register Block",
	[0x0b] = "Vendor Specific Extended",
	[0x0c] = "Configuration Access Correlation",
	[0x0d] = "Access Control Services",
	[0x0e] = "Alternative Routing-ID Interpretation",
	[0x0f] = "Address Translation Services",
	[0x10] = "Single Root I/O Virtualization",
	[0x11] = "Multi-Root I/O Virtualization",
	[0x12] = "Multicast",
	[0x13] = "Page Request Interface",
	[0x15] = "Resizable BAR",
	[0x16] = "Dynamic Power Allocation",
	[0x17] = "TPH Requester",
	[0x18] = "Latency Tolerance Reporting",
	[0x19] = "Secondary PCI Express",
	[0x1a] = "Protocol Multiplexing",
	[0x1b] = "Process Address Space ID",
	[0x1c] = "LN Requester",
	[0x1d] = "Downstream Port Containment",
	[0x1e] = "L1 PM Substates",
	[0x1f] = "Precision Time Measurement",
	[0x20] = "PCI Express over M-PHY",
	[0x21] = "FRS Queueing",
	[0x22] = "Readiness Time Reporting",
	[0x23] = "Designated Vendor-Specific",
	[0x24] = "VF Resizable BAR",
	[0x25] = "Data Link Feature",
	[0x26] = "Physical Layer 16.0 GT/s",
	[0x27] = "Lane Margining at the Receiver",
	[0x28] = "Hierarchy ID",
	[0x29] = "Native PCIe Enclosure Management",
	[0x2a] = "Physical Layer 32.0 GT/s",
	[0x2b] = "Alternate Protocol",
	[0x2c] = "System Firmware Intermediary",
	[0x2d] = "Shadow Functions",
	[0x2e] = "Data Object Exchange",
	[0x2f] = "Device 3",
	[0x30] = "Integrity and Data Encryption",
	[0x31] = "Physical Layer 64.0 GT/s",
	[0x32] = "Flit Logging",
};

struct cap {
	unsigned id, offset, version;
	bool extended;
};

struct caps {
	struct cap list[64 + 960];   /* at most one per dword of each space */
	size_t n;
	char problem[160];           /* why the walk stopped early, "" if it did not */
};

static const char *cap_name(const struct cap *c, char *buf, size_t size)
{
	const char *const *table = c->extended ? ext_caps : std_caps;
	size_t n = c->extended ? sizeof(ext_caps) / sizeof(*ext_caps)
			       : sizeof(std_caps) / sizeof(*std_caps);

	if (c->id < n && table[c->id])
		return table[c->id];
	snprintf(buf, size, c->extended ? "Unknown extended capability 0x%04x"
					: "Unknown capability 0x%02x", c->id);
	return buf;
}

/*
 * The capability lists, walked from capabilities_ptr and from 0x100. Every
 * pointer is checked: one that leaves its space, is misaligned, or comes
 * back to a capability already seen ends the walk with the reason, so a
 * broken or hostile device cannot make the walk loop.
 */
static void walk_caps(const uint8_t *cfg, size_t len, unsigned header_type, struct caps *out)
{
	bool seen[4096 / 4] = { false };
	uint16_t status = (uint16_t)(cfg[6] | cfg[7] << 8);
	unsigned ptr;

	out->n = 0;
	out->problem[0] = 0;
	if (status & 0x10) {           /* capabilities list */
		ptr = cfg[header_type == 2 ? 0x14 : 0x34];
		while (ptr) {
			if (ptr < 0x40 || ptr > 0xfc || ptr & 3) {
				snprintf(out->problem, sizeof(out->problem),
					 "capability pointer 0x%02x is out of range", ptr);
				return;
			}
			if (ptr + 2 > len) {
				snprintf(out->problem, sizeof(out->problem),
					 "capability at 0x%02x is past the %zu bytes of config space that"
				 " can be read", ptr, len);
				return;
			}
			if (seen[ptr / 4]) {
				snprintf(out->problem, sizeof(out->problem),
					 "the capability list loops back to 0x%02x", ptr);
				return;
			}
			seen[ptr / 4] = true;
			out->list[out->n++] = (struct cap){ cfg[ptr], ptr, 0, false };
			ptr = cfg[ptr + 1];
		}
	}
	if (len < 4096)
		return;
	ptr = 0x100;
	for (;;) {
		uint32_t hdr = (uint32_t)cfg[ptr] | (uint32_t)cfg[ptr + 1] << 8 |
			       (uint32_t)cfg[ptr + 2] << 16 | (uint32_t)cfg[ptr + 3] << 24;

		/* nothing at 0x100 (or all-ones): no extended capabilities */
		if (hdr == 0 || hdr == 0xffffffff)
			return;
		if (seen[ptr / 4]) {
			snprintf(out->problem, sizeof(out->problem),
				 "the extended capability list loops back to 0x%03x", ptr);
			return;
		}
		seen[ptr / 4] = true;
		out->list[out->n++] = (struct cap){ hdr & 0xffff, ptr, (hdr >> 16) & 0xf, true };
		ptr = hdr >> 20;
		if (!ptr)
			return;
		if (ptr < 0x100 || ptr & 3) {
			snprintf(out->problem, sizeof(out->problem),
				 "extended capability pointer 0x%03x is out of range", ptr);
			return;
		}
	}
}

/* What info device shows, read once. */
struct info {
	uint8_t cfg[4096];
	size_t len;                /* readable bytes of cfg */
	struct caps caps;
	/* JSON: the names alone, "Vendor 10de"/"Device 2684" when unknown */
	char vendor[256], device[256];
	/* text, as lspci -nn: libpci's names with the IDs in brackets */
	char class_name[256], title[512], subsystem[512], progif[256];
	bool has_progif;
};

/* A name from pci.ids, or fallback when there is none. Runs inside the
   caller's guard (a broken pci.ids is a libpci error). udev's hwdb is not
   asked: where it is missing, libpci 3.9 leaks a udev context per lookup. */
static void lookup(struct pci_access *a, char *buf, size_t size, const char *fallback,
		   int flags, unsigned a0, unsigned a1, unsigned a2, unsigned a3)
{
	flags |= PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB;
	if (!pci_lookup_name(a, buf, (int)size, flags, a0, a1, a2, a3))
		snprintf(buf, size, "%s", fallback);
}

/* A name and its ID in brackets ("PCI bridge [0604]"), numbers alone when
   pci.ids does not know it; inside the caller's guard. */
static void mixed(struct pci_access *a, char *buf, size_t size, int flags, unsigned a0,
		  unsigned a1, unsigned a2, unsigned a3)
{
	flags |= PCI_LOOKUP_MIXED | PCI_LOOKUP_NO_HWDB;
	if (!pci_lookup_name(a, buf, (int)size, flags, a0, a1, a2, a3))
		buf[0] = 0;
}

/* The names of the device, its class and subsystem (sv:sd, 0 when none). */
static struct iod_error *names(struct iod_pci_device *d, struct info *in, unsigned sv,
			       unsigned sd)
{
	struct pci_dev *dev = d->h->dev;
	struct pci_access *a = d->h->access;
	struct iod_pci_guard g;
	char fb[32];

	in->subsystem[0] = 0;
	iod_pci_guard_push(&g);
	if (setjmp(g.env)) {
		iod_pci_guard_pop(&g);
		return iod_error_new(IOD_ERR_OS, "%s: looking up names: %s", d->h->slot,
				     iod_pci_error());
	}
	snprintf(fb, sizeof(fb), "Vendor %04x", dev->vendor_id);
	lookup(a, in->vendor, sizeof(in->vendor), fb, PCI_LOOKUP_VENDOR, dev->vendor_id, 0, 0, 0);
	snprintf(fb, sizeof(fb), "Device %04x", dev->device_id);
	lookup(a, in->device, sizeof(in->device), fb, PCI_LOOKUP_DEVICE, dev->vendor_id,
	       dev->device_id, 0, 0);
	mixed(a, in->class_name, sizeof(in->class_name), PCI_LOOKUP_CLASS, dev->device_class, 0,
	      0, 0);
	mixed(a, in->title, sizeof(in->title), PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE,
	      dev->vendor_id, dev->device_id, 0, 0);
	if (sv && sv != 0xffff)
		mixed(a, in->subsystem, sizeof(in->subsystem),
		      PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE, dev->vendor_id,
		      dev->device_id, sv, sd);
	in->has_progif = pci_lookup_name(a, in->progif, sizeof(in->progif),
					 PCI_LOOKUP_PROGIF | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB,
					 dev->device_class, in->cfg[9]) != NULL;
	iod_pci_guard_pop(&g);
	return NULL;
}

/* Config space as far as it can be read (through the access path: --trace shows
   it), the capabilities and the names. */
static struct iod_error *gather(struct iod_pci_device *d, struct iod_io *io,
				struct iod_region *cfg, struct info *in)
{
	struct iod_error *err;

	memset(in->cfg, 0xff, sizeof(in->cfg));
	in->len = d->cfg_size < cfg->size ? d->cfg_size : cfg->size;
	if (in->len > sizeof(in->cfg))
		in->len = sizeof(in->cfg);
	err = iod_copy_from(io, cfg, 0, in->cfg, in->len);
	if (err) {
		size_t max = in->len;

		/* dword by dword: keep what can be read */
		iod_error_free(err);
		for (in->len = 0; in->len < max; in->len += 4) {
			err = iod_copy_from(io, cfg, in->len, in->cfg + in->len, 4);
			if (err) {
				iod_error_free(err);
				break;
			}
		}
		if (in->len < 64)
			return iod_error_new(IOD_ERR_OS, "%s: config space cannot be read", d->h->slot);
	}
	walk_caps(in->cfg, in->len, d->header_type, &in->caps);
	if (d->header_type != 0)
		return names(d, in, 0, 0);
	return names(d, in, in->cfg[0x2c] | in->cfg[0x2d] << 8, in->cfg[0x2e] | in->cfg[0x2f] << 8);
}

/* lspci's [size=...]: the largest unit that divides the size. */
static void put_size(struct iod_strbuf *out, uint64_t size)
{
	static const char units[] = "KMGTPE";
	int u = -1;

	while (u < 5 && size && size % 1024 == 0) {
		size /= 1024;
		u++;
	}
	if (u < 0)
		iod_strbuf_printf(out, " [size=%" PRIu64 "]", size);
	else
		iod_strbuf_printf(out, " [size=%" PRIu64 "%c]", size, units[u]);
}

struct iod_error *iod_pci_info_text(struct iod_pci_device *d, struct iod_io *io,
				    struct iod_region *cfg, struct iod_region *const *regions,
				    size_t nregions, struct iod_strbuf *out)
{
	struct info *in = malloc(sizeof(*in));
	struct pci_dev *dev = d->h->dev;
	struct iod_error *err;
	uint16_t command, status;
	static const char *const devsel[] = { "fast", "medium", "slow", "unknown" };
	static const struct { bool status; uint16_t bit; const char *text; } flag_bits[] = {
		{ false, 0x0004, "bus master" },
		{ false, 0x0020, "VGA palette snoop" },
		{ false, 0x0080, "stepping" },
		{ false, 0x0200, "fast Back2Back" },
		{ true, 0x0020, "66MHz" },
		{ true, 0x0040, "user-definable features" },
	};

	if (!in)
		return &iod_error_nomem;
	err = gather(d, io, cfg, in);
	if (err) {
		free(in);
		return err;
	}
	command = (uint16_t)(in->cfg[4] | in->cfg[5] << 8);
	status = (uint16_t)(in->cfg[6] | in->cfg[7] << 8);
	iod_strbuf_printf(out, "%s %s: %s", d->h->slot, in->class_name, in->title);
	if (in->cfg[8])
		iod_strbuf_printf(out, " (rev %02x)", in->cfg[8]);
	if (in->cfg[9] || in->has_progif) {
		iod_strbuf_printf(out, " (prog-if %02x", in->cfg[9]);
		if (in->has_progif)
			iod_strbuf_printf(out, " [%s]", in->progif);
		iod_strbuf_puts(out, ")");
	}
	iod_strbuf_puts(out, "\n");
	if (in->subsystem[0])
		iod_strbuf_printf(out, "\tSubsystem: %s\n", in->subsystem);
	iod_strbuf_puts(out, "\tFlags: ");
	for (unsigned i = 0; i < sizeof(flag_bits) / sizeof(*flag_bits); i++)
		if ((flag_bits[i].status ? status : command) & flag_bits[i].bit)
			iod_strbuf_printf(out, "%s, ", flag_bits[i].text);
	iod_strbuf_printf(out, "%s devsel", devsel[(status >> 9) & 3]);
	/* the latency timer only means something for a bus master */
	if (command & 4)
		iod_strbuf_printf(out, ", latency %u", in->cfg[0x0d]);
	if (dev->irq)
		iod_strbuf_printf(out, ", IRQ %d", dev->irq);
	iod_strbuf_puts(out, "\n");
	for (unsigned i = 0; i < 6; i++) {
		const struct bar *b = &d->bars[i];

		if (!b->present)
			continue;
		if (b->io)
			iod_strbuf_printf(out, "\tRegion %u: I/O ports at %04" PRIx64, i, b->addr);
		else
			iod_strbuf_printf(out, "\tRegion %u: Memory at %08" PRIx64 " (%s, %s)", i,
					  b->addr, b->is64 ? "64-bit" : b->below1m ? "low-1M" : "32-bit",
					  b->prefetchable ? "prefetchable" : "non-prefetchable");
		if (!b->decoding)
			iod_strbuf_puts(out, " [disabled]");
		if (b->size)
			put_size(out, b->size);
		iod_strbuf_puts(out, "\n");
	}
	for (size_t i = 0; i < in->caps.n; i++) {
		const struct cap *c = &in->caps.list[i];
		char buf[64];

		if (c->extended)
			iod_strbuf_printf(out, "\tCapabilities: [%03x v%u] %s\n", c->offset, c->version,
					  cap_name(c, buf, sizeof(buf)));
		else
			iod_strbuf_printf(out, "\tCapabilities: [%02x] %s\n", c->offset,
					  cap_name(c, buf, sizeof(buf)));
	}
	if (in->caps.problem[0])
		iod_strbuf_printf(out, "\tCapabilities: <%s>\n", in->caps.problem);
	if (d->driver)
		iod_strbuf_printf(out, "\tKernel driver in use: %s\n", d->driver);
	if (nregions) {
		iod_strbuf_puts(out, "\tRegions:");
		for (size_t i = 0; i < nregions; i++)
			iod_strbuf_printf(out, "%s %s (%s, %" PRIu64 " bytes)", i ? "," : "",
					  regions[i]->name, regions[i]->ops->name, regions[i]->size);
		iod_strbuf_puts(out, "\n");
	}
	free(in);
	return iod_strbuf_error(out);
}

static void json_str(struct iod_strbuf *out, const char *key, const char *value)
{
	iod_strbuf_printf(out, ",\"%s\":", key);
	iod_json_string(out, value, strlen(value));
}

struct iod_error *iod_pci_info_json(struct iod_pci_device *d, struct iod_io *io,
				    struct iod_region *cfg, struct iod_region *const *regions,
				    size_t nregions,
				    void (*region_json)(struct iod_strbuf *o, const struct iod_region *r),
				    struct iod_strbuf *out)
{
	struct info *in = malloc(sizeof(*in));
	struct pci_dev *dev = d->h->dev;
	struct iod_error *err;
	bool first = true;

	if (!in)
		return &iod_error_nomem;
	err = gather(d, io, cfg, in);
	if (err) {
		free(in);
		return err;
	}
	iod_strbuf_printf(out, "{\"slot\":\"%s\",\"vendor_id\":%u,\"device_id\":%u", d->h->slot,
			  dev->vendor_id, dev->device_id);
	json_str(out, "vendor", in->vendor);
	json_str(out, "device", in->device);
	iod_strbuf_printf(out, ",\"class\":%u,\"revision\":%u", dev->device_class, in->cfg[8]);
	if (d->header_type == 0)
		iod_strbuf_printf(out, ",\"subsystem_vendor_id\":%u,\"subsystem_id\":%u",
				  in->cfg[0x2c] | in->cfg[0x2d] << 8, in->cfg[0x2e] | in->cfg[0x2f] << 8);
	iod_strbuf_printf(out, ",\"config_size\":%" PRIu64 ",\"bars\":[", d->cfg_size);
	for (unsigned i = 0; i < 6; i++) {
		const struct bar *b = &d->bars[i];

		if (!b->present)
			continue;
		iod_strbuf_printf(out, "%s{\"index\":%u,\"type\":\"%s\",\"address\":%" PRIu64, first ? "" : ",",
				  i, b->io ? "io" : "memory", b->addr);
		if (b->size)
			iod_strbuf_printf(out, ",\"size\":%" PRIu64, b->size);
		if (!b->io)
			iod_strbuf_printf(out, ",\"64bit\":%s,\"prefetchable\":%s",
					  b->is64 ? "true" : "false", b->prefetchable ? "true" : "false");
		iod_strbuf_printf(out, ",\"enabled\":%s}", b->decoding ? "true" : "false");
		first = false;
	}
	iod_strbuf_puts(out, "],\"regions\":[");
	for (size_t i = 0; i < nregions; i++) {
		if (i)
			iod_strbuf_puts(out, ",");
		region_json(out, regions[i]);
	}
	iod_strbuf_puts(out, "],\"capabilities\":[");
	for (size_t i = 0; i < in->caps.n; i++) {
		const struct cap *c = &in->caps.list[i];
		char buf[64];
		const char *name = cap_name(c, buf, sizeof(buf));

		iod_strbuf_printf(out, "%s{\"id\":%u,\"name\":", i ? "," : "", c->id);
		iod_json_string(out, name, strlen(name));
		iod_strbuf_printf(out, ",\"offset\":%u", c->offset);
		if (c->extended)
			iod_strbuf_printf(out, ",\"extended\":true,\"version\":%u", c->version);
		iod_strbuf_puts(out, "}");
	}
	iod_strbuf_puts(out, "]");
	if (in->caps.problem[0])
		json_str(out, "capabilities_problem", in->caps.problem);
	if (d->driver)
		json_str(out, "driver", d->driver);
	iod_strbuf_puts(out, "}\n");
	free(in);
	return iod_strbuf_error(out);
}
