/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the mapping backends (sysmem, mmio, coherent): one mmap of a window of a file. */
#ifndef IODBG_IO_BACKEND_MAP_H
#define IODBG_IO_BACKEND_MAP_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "iodbg/io.h"

struct iod_map {
	const struct iod_os *os;
	int fd;                 /* -1 for anonymous memory */
	void *base;             /* what mmap returned (page-aligned) */
	size_t len;             /* what was mapped */
	uint8_t *data;          /* base + the offset's distance from its page */
	uint64_t offset;        /* of data[0] in the file */
	int regular;            /* sysmem: fd is a regular file: 1, not: 0, not asked yet: -1 */
};

/* Maps [offset, offset+size) of fd (or anonymous zeroed memory if fd < 0);
   offset need not be page-aligned. Owns fd from the call on. */
struct iod_error *iod_map_open(struct iod_map *m, const struct iod_os *os, int fd,
			       uint64_t offset, uint64_t size, bool writable);
void iod_map_close(struct iod_map *m);
/* ops->close for a heap-allocated struct iod_map. */
void iod_map_free(void *ctx);
/* A region of ops over a new mapping (the constructor of every mapping backend). */
struct iod_error *iod_map_region(const struct iod_backend_ops *ops, const char *name,
				 const struct iod_os *os, int fd, uint64_t offset, uint64_t size,
				 bool writable, const char *source, struct iod_region **ret);

/*
 * Exact-width volatile accesses. The aligned(1) types keep the compiler
 * honest about unaligned pointers (sysmem allows them) while still emitting
 * a single load or store of the width; the backends are only called after
 * the access path has checked the width.
 */
typedef uint16_t __attribute__((aligned(1))) iod_una16;
typedef uint32_t __attribute__((aligned(1))) iod_una32;
typedef uint64_t __attribute__((aligned(1))) iod_una64;

static inline uint64_t iod_volatile_read(const uint8_t *p, unsigned width)
{
	switch (width) {
	case 1: return *(const volatile uint8_t *)p;
	case 2: return *(const volatile iod_una16 *)p;
	case 4: return *(const volatile iod_una32 *)p;
	default: return *(const volatile iod_una64 *)p;
	}
}

static inline void iod_volatile_write(uint8_t *p, unsigned width, uint64_t v)
{
	switch (width) {
	case 1: *(volatile uint8_t *)p = (uint8_t)v; break;
	case 2: *(volatile iod_una16 *)p = (uint16_t)v; break;
	case 4: *(volatile iod_una32 *)p = (uint32_t)v; break;
	default: *(volatile iod_una64 *)p = v; break;
	}
}

/* The widest naturally aligned unit at position pos that fits in left bytes
   and that widths allows (a mask of IOD_W*); 0 when none does. */
static inline unsigned iod_unit_at(uint64_t pos, uint64_t left, unsigned widths)
{
	for (unsigned w = 8; w; w >>= 1)
		if ((widths & w) && w <= left && pos % w == 0)
			return w;
	return 0;
}

#endif
