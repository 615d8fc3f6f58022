/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Targets (spec §3): the strings users attach, parsed, and turned into regions. */
#ifndef IODBG_TARGET_H
#define IODBG_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iodbg/error.h"
#include "iodbg/io.h"
#include "iodbg/strbuf.h"

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
	/* The system calls of mem:, dmabuf:, udmabuf: and PCI BARs (config
	   space goes through libpci); NULL for the real ones (tests inject
	   errnos and record the order of calls). */
	const struct iod_os *os;
};

struct iod_pci_device;

/* What attaching made. The caller takes the regions and the device. */
struct iod_attached {
	struct iod_region **regions;
	size_t nregions;
	/* PCI: the device (for `info device`), the typed view to bind over its
	   config space ("struct pci_config_header" or "struct pci_bridge_header"
	   from the stock `pci` types), and the IDs that choose its profile. */
	struct iod_pci_device *pci;
	const char *view_type;
	struct iod_region *view_region;
	unsigned vendor, device;
};

/*
 * Creates the regions of a parsed target. name is the first region's name
 * for numbered kinds (sim0, file1, or the `as NAME`); for PCI it is the
 * prefix of its regions ("" gives cfg, bar0...; "gpu" gives gpu_cfg,
 * gpu_bar0...). Warnings (a BAR that cannot be mapped, a short config space)
 * go through opts->warn; the attach still succeeds.
 */
struct iod_error *iod_target_attach(const struct iod_target *t, const char *name,
				    const struct iod_attach *opts, struct iod_attached *ret);
/* Frees what the caller did not take (set a field to NULL/0 to take it). */
void iod_attached_release(struct iod_attached *a);

/* The attached PCI device (src/target/pci.c). */
void iod_pci_device_free(struct iod_pci_device *d);
/* `info device`, like lspci -v: slot, names from pci.ids, class, BARs with
   size and flags, capabilities and extended capabilities with their names and
   offsets; regions are the device's regions as attached. Config space is
   read through io from cfg, the device's config region. */
struct iod_error *iod_pci_info_text(struct iod_pci_device *d, struct iod_io *io,
				    struct iod_region *cfg, struct iod_region *const *regions,
				    size_t nregions, struct iod_strbuf *out);
/* The JSON document of spec §8 "info device" (+ "\n"); the "regions" member
   is written by region_json for each region. */
struct iod_error *iod_pci_info_json(struct iod_pci_device *d, struct iod_io *io,
				    struct iod_region *cfg, struct iod_region *const *regions,
				    size_t nregions,
				    void (*region_json)(struct iod_strbuf *o, const struct iod_region *r),
				    struct iod_strbuf *out);
/*
 * Why a read of r returned all-ones: call it when a read of width 4 or 8 from
 * a BAR region of d gave value all-ones. It re-reads the vendor ID through
 * io from cfg, d's config region: all-ones there too means the device is
 * gone or in reset; otherwise a BAR whose decoding is off in the command
 * register says so. NULL when there is nothing to add (or r is not one of
 * d's BARs, whatever its name, or cfg is NULL); else a static sentence for
 * the caller to append.
 */
const char *iod_pci_diagnose(struct iod_pci_device *d, struct iod_io *io, struct iod_region *cfg,
			     const struct iod_region *r, unsigned width, uint64_t value);

/*
 * The firmware of `iodbg demo` (src/target/sim.c) over a view of struct
 * gsp_demo: boots the device (magic, version, queue sizes, state READY),
 * then each step consumes one queued command (round robin over the queues),
 * writes its reply to the matching msgq, advances tail and status.seq.
 * Deterministic: no clock, no randomness.
 */
struct iod_gsp_demo;
struct iod_error *iod_gsp_demo_new(const struct iod_view *gsp, struct iod_gsp_demo **ret);
void iod_gsp_demo_step(struct iod_gsp_demo *fw);
void iod_gsp_demo_free(struct iod_gsp_demo *fw);

#endif
