/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A DIE -> value table for the fingerprinter and the materialiser (refmap.c). */
#ifndef IODBG_DWARF_REFMAP_H
#define IODBG_DWARF_REFMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

struct dw_refslot {
	uint64_t key;                   /* dw_ref_key of the DIE; 0: empty */
	union {
		uint64_t fp;            /* fp.c: a fingerprint */
		void *val;              /* materialise.c: a type, or a malloc'd path */
	};
	int state;                      /* the user's: busy, done... */
};

struct dw_refmap {
	struct dw_refslot *v;
	size_t mask, n;
};

static inline uint64_t dw_ref_key(struct dw_ref ref)
{
	return (ref.off << 1 | (ref.is_info ? 1 : 0)) + 1;
}

/* The slot of ref, or NULL. */
struct dw_refslot *dw_refmap_get(const struct dw_refmap *m, struct dw_ref ref);
/* The slot of ref, made (zeroed) when there was none; NULL when out of memory. */
struct dw_refslot *dw_refmap_put(struct dw_refmap *m, struct dw_ref ref);
/* Frees the table (and, with free_vals, every slot's val). */
void dw_refmap_release(struct dw_refmap *m, bool free_vals);

#endif
