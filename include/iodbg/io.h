/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The I/O core: regions served by backends, typed views over them, projection,
 * and the one access path every read, write and copy goes through.
 */
#ifndef IODBG_IO_H
#define IODBG_IO_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iodbg/error.h"
#include "iodbg/os.h"
#include "iodbg/types.h"

/* Access widths, as a mask whose bits are the widths in bytes. */
#define IOD_W8  1u
#define IOD_W16 2u
#define IOD_W32 4u
#define IOD_W64 8u
#define IOD_W_ALL (IOD_W8 | IOD_W16 | IOD_W32 | IOD_W64)

/*
 * One table per backend (src/io/backend/). Offsets are relative to the
 * region; the access path has already checked width, alignment and bounds.
 */
struct iod_backend_ops {
	const char *name;          /* "mmio", "sysmem", "pio", "pci-config", "coherent" */
	unsigned widths;           /* default IOD_W* mask; a region may narrow it */
	bool aligned_only;         /* refuse accesses that are not naturally aligned */
	struct iod_error *(*read)(void *ctx, uint64_t off, unsigned width, uint64_t *ret);
	struct iod_error *(*write)(void *ctx, uint64_t off, unsigned width, uint64_t val);
	struct iod_error *(*copy_from)(void *ctx, uint64_t off, void *buf, size_t len);
	struct iod_error *(*copy_to)(void *ctx, uint64_t off, const void *buf, size_t len);
	/* Optional: copy inside the region with memmove semantics. Without it the
	   access path bounces through a buffer in the overlap-safe direction. */
	struct iod_error *(*move)(void *ctx, uint64_t dst, uint64_t src, size_t len);
	void (*close)(void *ctx);
};

struct iod_region {
	char *name;
	const struct iod_backend_ops *ops;
	void *ctx;
	uint64_t size;
	unsigned widths;           /* what this region can do: ops->widths or fewer */
	bool aligned_only;
	bool writable;             /* the write gate */
	bool sim;                  /* simulated memory: writable whatever -w says */
	bool read_only_backing;    /* opened or mapped read-only: never writable */
	char *source;              /* where it came from: "sim", a path, "0x1000,4096" */
};

/* Takes ownership of ctx (closed through ops->close, also on failure). */
struct iod_error *iod_region_new(const char *name, const struct iod_backend_ops *ops,
				 void *ctx, uint64_t size, bool writable, const char *source,
				 struct iod_region **ret);
void iod_region_free(struct iod_region *r);
struct iod_error *iod_region_rename(struct iod_region *r, const char *name);

/*
 * Backends. Each constructor that takes an fd owns it from then on, also on
 * failure. os NULL means iod_os_default.
 */
extern const struct iod_backend_ops iod_sysmem_ops;
extern const struct iod_backend_ops iod_mmio_ops;
extern const struct iod_backend_ops iod_pio_ops;
extern const struct iod_backend_ops iod_coherent_ops;

/* sysmem over zeroed anonymous memory (sim:SIZE); always writable. */
struct iod_error *iod_region_sim(const char *name, uint64_t size, struct iod_region **ret);
/* sysmem: a shared mapping of a regular file or memfd, [offset, offset+size). */
struct iod_error *iod_region_sysmem_fd(const char *name, const struct iod_os *os, int fd,
				       uint64_t offset, uint64_t size, bool writable,
				       const char *source, struct iod_region **ret);
/* mmio: a shared mapping of a device file (/dev/mem, resourceN); offset need
   not be page-aligned. Copies go by aligned volatile units of at most 8 bytes. */
struct iod_error *iod_region_mmio_fd(const char *name, const struct iod_os *os, int fd,
				     uint64_t offset, uint64_t size, bool writable,
				     const char *source, struct iod_region **ret);
/* pio: pread/pwrite of exactly the access width at offset+off. widths says
   what the file takes (I/O BAR: 8/16/32). bulk: copies may pread/pwrite any
   length (regular files, debugfs blobs); otherwise they go by aligned units. */
struct iod_error *iod_region_pio_fd(const char *name, const struct iod_os *os, int fd,
				    uint64_t offset, uint64_t size, unsigned widths, bool bulk,
				    bool writable, const char *source, struct iod_region **ret);
/* coherent over a dma-buf (mapped whole, MAP_SHARED): every access and copy is
   bracketed by DMA_BUF_IOCTL_SYNC START and END through os->ioctl on fd, with
   READ for what only reads and READ|WRITE for what writes. */
struct iod_error *iod_region_dmabuf_fd(const char *name, const struct iod_os *os, int fd,
				       uint64_t size, bool writable, const char *source,
				       struct iod_region **ret);
/* coherent over a u-dma-buf device file. sysdir NULL: the CPU's view is
   coherent and nothing is synced. Otherwise sysdir is the device's class
   directory: before each access sync_offset, sync_size, sync_direction are set
   to its range and 1 written to sync_for_cpu; after a write, 1 to
   sync_for_device. A failed sync is an error naming the attribute. */
struct iod_error *iod_region_udmabuf_fd(const char *name, const struct iod_os *os, int fd,
					uint64_t size, const char *sysdir, bool writable,
					const char *source, struct iod_region **ret);

/*
 * A view: a typed window of a region. For a bitfield, offset and unit_size
 * describe its storage unit (spec §6) and bit_offset is the position of its
 * lowest bit inside that unit (LSB = 0).
 */
struct iod_view {
	struct iod_region *region;
	uint64_t offset;           /* bytes from the start of the region */
	const struct iod_type *type;
	uint64_t root;             /* region offset of the outermost view */
	uint8_t bit_offset;
	uint8_t bit_size;          /* 0 unless a bitfield */
	uint8_t unit_size;
};

/* A root view; refused unless the type is complete and fits at offset. */
struct iod_error *iod_view_init(struct iod_region *r, uint64_t offset,
				const struct iod_type *t, struct iod_view *ret);
/* Bytes the view covers: the storage unit for a bitfield; for a flexible
   array, whole elements up to the end of the region. */
uint64_t iod_view_size(const struct iod_view *v);
/* Elements of an array view (flexible: as many as fit in the region). */
uint64_t iod_view_count(const struct iod_view *v);

/*
 * The storage unit of a bitfield (spec §6): its first bit is bit_pos counted
 * from the start of the outermost type, type_size the size of its declared
 * type. *unit_off is in bytes from that start; *unit_size is 1, 2, 4 or 8.
 */
struct iod_error *iod_bitfield_unit(uint64_t bit_pos, unsigned bit_size, uint64_t type_size,
				    uint64_t *unit_off, unsigned *unit_size);

/* Projection: pure and bounds-checked; the message names the problem and the
   valid range in half-open notation ("index 8 out of range 0..8"); the caller
   prefixes the path. *ret is changed only on success. */
struct iod_error *iod_view_field(const struct iod_view *v, const char *name,
				 struct iod_view *ret);
struct iod_error *iod_view_index(const struct iod_view *v, int64_t i, struct iod_view *ret);
/* [a..b): the result's type is an array of b-a elements, made in db. */
struct iod_error *iod_view_slice(struct iod_typedb *db, const struct iod_view *v,
				 int64_t a, int64_t b, struct iod_view *ret);

enum iod_access_op {
	IOD_ACC_READ,    /* R8..R64 */
	IOD_ACC_WRITE,   /* W8..W64 */
	IOD_ACC_COPY_FROM, /* CR: bulk copy out of the region */
	IOD_ACC_COPY_TO,   /* CW: bulk copy into the region */
	IOD_ACC_FILL,      /* a memset of the region (traced as CW) */
};

struct iod_access {
	enum iod_access_op op;
	const struct iod_region *region;
	uint64_t offset;
	unsigned width;            /* bytes, for READ/WRITE */
	uint64_t len;              /* bytes, for copies and fills */
	uint64_t value;            /* READ/WRITE: the value; FILL: the byte */
};

/* The trace line of spec §8 ("R32 bar0+0x110010 0x00000010", "CR  bar0+0x0 256");
   without_value drops the value column (explain). Returns as snprintf. */
size_t iod_access_format(const struct iod_access *a, bool with_value, char *buf,
			 size_t size);

/* The policy of an access: dry run, trace sink, interruption. */
struct iod_io {
	bool dry_run;              /* writes, copies to and fills are reported, not done */
	void (*trace)(void *ctx, const struct iod_access *a);
	void (*would)(void *ctx, const struct iod_access *a); /* dry-run reports */
	void *ctx;
	volatile sig_atomic_t *interrupted; /* when it becomes non-zero, copies stop */
};

/* One entry of an access plan: count accesses of width at offset,
   offset+width, ... (a run keeps the plan of a big array small). */
struct iod_plan_entry {
	enum iod_access_op op;
	uint64_t offset;
	unsigned width;
	uint64_t count;
};

struct iod_plan {
	struct iod_plan_entry *entries;
	size_t n;
	size_t cap;
};

/* The accesses a read of v makes: scalar leaves and bitfield storage units,
   distinct (offset, width), ascending offset then width. Padding is absent. */
struct iod_error *iod_plan_read(const struct iod_view *v, struct iod_plan *ret);
/* The accesses a write of scalar v makes: W, or R then W for a bitfield or when
   compound (|=, &=, ^=). */
struct iod_error *iod_plan_write(const struct iod_view *v, bool compound, struct iod_plan *ret);
void iod_plan_release(struct iod_plan *p);

/* A value read from a view: bytes laid out as in the region (padding zero). */
struct iod_value {
	struct iod_view view;
	uint64_t size;
	uint8_t *bytes;
};

/* Scalar or bitfield: exactly one access of the width (the storage unit's for
   a bitfield); *ret is the raw value, zero-extended (a bitfield's bits only). */
struct iod_error *iod_read_scalar(struct iod_io *io, const struct iod_view *v, uint64_t *ret);
/* Any view, by its read plan. */
struct iod_error *iod_read(struct iod_io *io, const struct iod_view *v, struct iod_value *ret);
void iod_value_release(struct iod_value *val);
/* Decode the scalar or bitfield sub (a view inside val's view) from val's bytes. */
struct iod_error *iod_value_get(const struct iod_value *val, const struct iod_view *sub,
				uint64_t *ret);

/*
 * Writes a scalar: one access of its width; a bitfield reads its storage unit,
 * replaces its bits and writes the unit back. value is 64-bit two's complement
 * and must be representable in the field (spec §6), else IOD_ERR_VALUE.
 */
struct iod_error *iod_write_scalar(struct iod_io *io, const struct iod_view *v, uint64_t value);
/* Does value (two's complement) fit a field of that type and bit size? */
bool iod_value_fits(const struct iod_type *t, unsigned bits, uint64_t value);
/* Sign-extends the low bits of v. */
int64_t iod_sext(uint64_t v, unsigned bits);

/* Bulk copies: memcpy semantics, memmove inside one region; no atomicity. */
struct iod_error *iod_copy_from(struct iod_io *io, struct iod_region *r, uint64_t off,
				void *buf, uint64_t len);
struct iod_error *iod_copy_to(struct iod_io *io, struct iod_region *r, uint64_t off,
			      const void *buf, uint64_t len);
struct iod_error *iod_copy(struct iod_io *io, struct iod_region *dst, uint64_t dst_off,
			   struct iod_region *src, uint64_t src_off, uint64_t len);
struct iod_error *iod_fill(struct iod_io *io, struct iod_region *r, uint64_t off,
			   uint8_t byte, uint64_t len);

/* Raw access through the one path (checks, gate, dry run, trace, fault guard):
   used by x/ and by the plan executor. */
struct iod_error *iod_access_read(struct iod_io *io, struct iod_region *r, uint64_t off,
				  unsigned width, uint64_t *ret);
struct iod_error *iod_access_write(struct iod_io *io, struct iod_region *r, uint64_t off,
				   unsigned width, uint64_t val);

#endif
