/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sections of one ELF file for libdwarf and the scanner (image.c). */
#ifndef IODBG_DWARF_IMAGE_H
#define IODBG_DWARF_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iodbg/error.h"

struct dw_isec {
	const char *name;               /* .zdebug_x reads as .debug_x */
	uint32_t type;
	uint64_t flags, offset, fsize, addr, entsize;
	uint32_t link, info;
	bool compressed, zdebug;
	uint64_t size;                  /* usable (uncompressed) size */
	unsigned char *data;            /* once loaded */
	void *mem;                      /* what we allocated or mapped for it */
	size_t mem_size;
	bool mem_mapped;
	int rela;                       /* relocations applying to it (ET_REL only), or -1 */
	bool relocs_sorted;             /* by offset: ranges can be relocated alone */
	bool relocated;                 /* every relocation applied */
	bool loaded;
};

struct dw_image {
	const char *path;               /* for messages; the caller's */
	int fd;                         /* the caller's */
	const unsigned char *map;       /* the whole file, read-only */
	size_t map_size;
	bool is64, is_rel;
	uint16_t machine;
	size_t n;
	struct dw_isec *s;              /* indexed like the ELF section table */
};

struct dw_secref {
	const unsigned char *data;
	uint64_t size;
};

struct iod_error *dw_image_open(const char *path, int fd, uint64_t file_size,
				struct dw_image **ret);
void dw_image_close(struct dw_image *img);
/* The section with that (normalized) name, or -1. */
int dw_image_find(const struct dw_image *img, const char *name);
/* Makes the data of section idx available: mapped, decompressed, or a private copy. */
struct iod_error *dw_image_load(struct dw_image *img, size_t idx);
/* A loaded section's bytes; false when it is absent or not loaded. */
bool dw_image_section(const struct dw_image *img, const char *name, struct dw_secref *ret);

/* Relocations of a loaded section (ET_REL): by number, for threads that split them... */
size_t dw_image_reloc_count(const struct dw_image *img, size_t idx);
uint64_t dw_image_reloc_offset(const struct dw_image *img, size_t idx, size_t i);
struct iod_error *dw_image_relocate_all(struct dw_image *img, size_t idx, size_t from,
					size_t to, bool *sorted);
/* ...or by section offsets [lo, hi), which needs them sorted (else: all of them, once). */
struct iod_error *dw_image_relocate_range(struct dw_image *img, size_t idx, uint64_t lo,
					  uint64_t hi);
/*
 * Gives back the memory of bytes [lo, hi) of a section read from the file
 * (the page cache keeps them): a scan of a whole kernel would otherwise
 * count every page of it in the process. Private copies are kept.
 */
void dw_image_release(const struct dw_image *img, size_t idx, uint64_t lo, uint64_t hi);
/* The same for the relocation and symbol tables of section idx, once applied. */
void dw_image_release_relocs(const struct dw_image *img, size_t idx);
void dw_image_set_relocated(struct dw_image *img, size_t idx);
void dw_image_set_relocs_sorted(struct dw_image *img, size_t idx, bool sorted);
bool dw_image_is_relocated(const struct dw_image *img, size_t idx);

#endif
