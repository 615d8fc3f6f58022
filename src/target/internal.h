/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside src/target: one attach function per kind of target, called by target.c. */
#ifndef IODBG_TARGET_INTERNAL_H
#define IODBG_TARGET_INTERNAL_H

#include <sys/types.h>

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

/* devmem.c, shared by the targets of devices and buffers: */
/* Where device files are: $IODBG_DEVDIR, a testing aid, else /dev. */
const char *iod_devdir(void);
/* opts->sysfs, else /sys. */
const char *iod_sysfs_root(const struct iod_attach *opts);
/* A small text file read whole through os, NUL-terminated; -1 with errno set. */
ssize_t iod_read_text(const struct iod_os *os, const char *path, char *buf, size_t size);
/* IOD_ERR_OS with errnum and a message the caller writes whole (strerror included). */
struct iod_error *iod_errno_error(int errnum, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
