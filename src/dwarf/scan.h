/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building the name index from an image (scan.c). */
#ifndef IODBG_DWARF_SCAN_H
#define IODBG_DWARF_SCAN_H

#include "image.h"
#include "internal.h"

/* Loads the sections the reader and libdwarf use (unit sections unrelocated). */
struct iod_error *dw_scan_prepare_sections(struct dw_image *img);
/* Relocates the unit sections whole (in parallel) and scans every unit. */
struct iod_error *dw_scan_build(struct dw_image *img, const struct dw_key *key,
				struct dw_index **ret);

#endif
