/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PCI devices through libpci: the attached device and what `info device` shows. */
#include <stdlib.h>

#include <pci/pci.h>

#include "iodbg/target.h"

struct iod_pci_device {
	struct pci_access *access;
	struct pci_dev *dev;
};

void iod_pci_device_free(struct iod_pci_device *d)
{
	if (!d)
		return;
	if (d->access)
		pci_cleanup(d->access);
	free(d);
}
