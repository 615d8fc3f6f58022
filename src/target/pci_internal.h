/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by pci.c and pci_config.c: one libpci handle per attached device, and the
   guard that turns libpci's exiting error callback into an iodbg error. */
#ifndef IODBG_TARGET_PCI_INTERNAL_H
#define IODBG_TARGET_PCI_INTERNAL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include <pci/pci.h>

#include "iodbg/io.h"

/*
 * libpci reports fatal errors through a->error, which must not return (the
 * library carries on with NULL pointers if it does), and non-fatal ones
 * through a->warning, usually right before a call returns failure. Every
 * libpci call runs inside a guard: the error callback longjmps to the
 * innermost guard; a warning is kept so that the failure it explains can
 * quote it. The messages live in thread-local buffers rather than in the
 * guard, so that nothing the callback writes is a local of the function
 * that called setjmp:
 *
 *	struct iod_pci_guard g;
 *
 *	iod_pci_guard_push(&g);
 *	if (setjmp(g.env)) {
 *		iod_pci_guard_pop(&g);
 *		return iod_error_new(..., "%s", iod_pci_error());
 *	}
 *	...libpci calls; locals they change are used only after the pop...
 *	iod_pci_guard_pop(&g);
 */
struct iod_pci_guard {
	jmp_buf env;
	struct iod_pci_guard *prev;
};

/* push clears both messages. */
void iod_pci_guard_push(struct iod_pci_guard *g);
void iod_pci_guard_pop(struct iod_pci_guard *g);
/* The message of the error that jumped, and the last warning since the push
   ("" when there was none). */
const char *iod_pci_error(void);
const char *iod_pci_warning(void);

/* One libpci access with the one device it was opened for. The attached
   device (pci.c) and the cfg region (pci_config.c) each hold a reference;
   whichever is released last closes libpci, in any order. */
struct iod_pci_handle {
	struct pci_access *access;
	struct pci_dev *dev;
	unsigned refs;
	bool dump;                 /* libpci reads a dump file: config is read-only */
	char slot[32];             /* DDDD:BB:DD.F */
	char *source;              /* what cfg reads: the config file, or the dump */
};

void iod_pci_handle_put(struct iod_pci_handle *h);

/* The pci-config backend: config space through libpci, 8/16/32-bit aligned
   accesses only, so a 64-bit access is refused by capability, never split. */
extern const struct iod_backend_ops iod_pci_config_ops;

/* A cfg region of size bytes over h's device; takes a reference to h. */
struct iod_error *iod_region_pci_config(const char *name, struct iod_pci_handle *h,
					uint64_t size, bool writable, struct iod_region **ret);
/* Reads width (1, 2 or 4) bytes of config space at off, as the backend does:
   a read libpci cannot make is an error, never all-ones. */
struct iod_error *iod_pci_config_read(struct iod_pci_handle *h, uint64_t off, unsigned width,
				      uint64_t *ret);
/* Reads len bytes from off in one libpci call; false when libpci cannot. */
bool iod_pci_config_block(struct iod_pci_handle *h, uint64_t off, uint8_t *buf, size_t len);

#endif
