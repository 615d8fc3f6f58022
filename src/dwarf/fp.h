/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Layout fingerprints of DIEs (fp.c). */
#ifndef IODBG_DWARF_FP_H
#define IODBG_DWARF_FP_H

#include <stdint.h>

#include "image.h"
#include "internal.h"

struct dw_fp;

struct iod_error *dw_fp_new(const struct dw_image *img, const struct dw_index *ix,
			    dw_prepare_fn prepare, void *ctx, struct dw_fp **ret);
void dw_fp_free(struct dw_fp *f);
/* Equal for two type DIEs whose materialised layouts are sure to be equal. */
struct iod_error *dw_fp_type(struct dw_fp *f, struct dw_ref ref, uint64_t *ret);

#endif
