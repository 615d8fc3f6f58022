/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Targets (spec §3): the strings users attach, parsed, and turned into regions. */
#ifndef IODBG_TARGET_H
#define IODBG_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iodbg/error.h"
#include "iodbg/io.h"

enum iod_target_kind {
	IOD_TARGET_PCI,       /* 0000:01:00.0, 01:00.0, pci:01:00.0, pci:10de:2684[#N] */
	IOD_TARGET_MEM,       /* mem:ADDR,SIZE */
	IOD_TARGET_FILE,      /* file:PATH[,OFFSET[,SIZE]] */
	IOD_TARGET_DMABUF,    /* dmabuf:PATH */
	IOD_TARGET_UDMABUF,   /* udmabuf:NAME */
	IOD_TARGET_SIM,       /* sim:SIZE */
};

struct iod_target {
	enum iod_target_kind kind;
	char *path;           /* file, dmabuf: the path; udmabuf: the name */
	uint64_t addr;        /* mem */
	uint64_t offset;      /* file */
	uint64_t size;        /* mem, sim; file when has_size */
	bool has_size;
	/* pci: by slot, or by vendor:device and index */
	bool by_id;
	unsigned domain, bus, dev, func;
	unsigned vendor, device, index;
};

/* Parses TARGET; a syntax error shows the expected syntax. */
struct iod_error *iod_target_parse(const char *text, struct iod_target *ret);
void iod_target_release(struct iod_target *t);
/* The region-name stem a target kind numbers its regions with ("sim", "file", ...). */
const char *iod_target_stem(enum iod_target_kind kind);

struct iod_attach {
	bool writable;                 /* -w: regions of real things may be written */
	const char *sysfs;             /* --sysfs DIR, NULL for /sys */
	void (*warn)(void *ctx, const char *msg);
	void *ctx;
};

/*
 * Creates the regions of a parsed target. name is the first region's name
 * (the caller numbers them: sim0, file1, or the `as NAME`). The regions are
 * appended to *regions (realloc'd), *n updated.
 */
struct iod_error *iod_target_attach(const struct iod_target *t, const char *name,
				    const struct iod_attach *opts, struct iod_region ***regions,
				    size_t *n);

#endif
