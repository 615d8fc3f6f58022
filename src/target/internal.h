/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside src/target: one attach function per kind of target, called by target.c. */
#ifndef IODBG_TARGET_INTERNAL_H
#define IODBG_TARGET_INTERNAL_H

#include "iodbg/target.h"

/* pci.c: cfg (pci_config.c's backend), bar0..bar5, the device and its view. */
struct iod_error *iod_attach_pci(const struct iod_target *t, const char *prefix,
				 const struct iod_attach *opts, struct iod_attached *ret);
/* devmem.c: mem:ADDR,SIZE over /dev/mem. */
struct iod_error *iod_attach_mem(const struct iod_target *t, const char *name,
				 const struct iod_attach *opts, struct iod_attached *ret);
/* dmabuf.c: dmabuf:PATH and udmabuf:NAME over the coherent backend. */
struct iod_error *iod_attach_dmabuf(const struct iod_target *t, const char *name,
				    const struct iod_attach *opts, struct iod_attached *ret);
struct iod_error *iod_attach_udmabuf(const struct iod_target *t, const char *name,
				     const struct iod_attach *opts, struct iod_attached *ret);

#endif
