/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one access path: every read, write, copy and fill of a region passes
 * here, through the same checks in the same order (width capability,
 * alignment, bounds, write gate, dry run, trace, fault guard, backend).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "iodbg/io.h"

/* Copies go in chunks so that Ctrl-C is noticed and buffers stay small. */
#define CHUNK (1u << 20)

enum call { CALL_READ, CALL_WRITE, CALL_COPY_FROM, CALL_COPY_TO, CALL_MOVE };

size_t iod_access_format(const struct iod_access *a, bool with_value, char *buf, size_t size)
{
	char op[8];
	int n;

	switch (a->op) {
	case IOD_ACC_READ:
	case IOD_ACC_WRITE:
		snprintf(op, sizeof(op), "%c%u", a->op == IOD_ACC_READ ? 'R' : 'W', a->width * 8);
		if (with_value)
			n = snprintf(buf, size, "%-3s %s+0x%" PRIx64 " 0x%0*" PRIx64, op,
				     a->region->name, a->offset, (int)a->width * 2, a->value);
		else
			n = snprintf(buf, size, "%-3s %s+0x%" PRIx64, op, a->region->name,
				     a->offset);
		break;
	default:
		n = snprintf(buf, size, "%-3s %s+0x%" PRIx64 " %" PRIu64,
			     a->op == IOD_ACC_COPY_FROM ? "CR" : "CW", a->region->name, a->offset,
			     a->len);
		break;
	}
	return n < 0 ? 0 : (size_t)n;
}

static void trace(struct iod_io *io, enum iod_access_op op, const struct iod_region *r,
		  uint64_t off, unsigned width, uint64_t len, uint64_t value)
{
	struct iod_access a = { op, r, off, width, len, value };

	if (io && io->trace)
		io->trace(io->ctx, &a);
}

/* Reports a write that a dry run does not make; true when it was one. */
static bool dry(struct iod_io *io, enum iod_access_op op, const struct iod_region *r,
		uint64_t off, unsigned width, uint64_t len, uint64_t value)
{
	struct iod_access a = { op, r, off, width, len, value };

	if (!io || !io->dry_run)
		return false;
	if (io->would)
		io->would(io->ctx, &a);
	return true;
}

static struct iod_error *check_range(const struct iod_region *r, uint64_t off, uint64_t len)
{
	if (off > r->size || len > r->size - off)
		return iod_error_new(IOD_ERR_BOUNDS,
				     "%s+0x%" PRIx64 ": %" PRIu64 " bytes reach past the end"
				     " of the region (%" PRIu64 " bytes)",
				     r->name, off, len, r->size);
	return NULL;
}

static struct iod_error *check_gate(const struct iod_io *io, const struct iod_region *r)
{
	if (r->writable || (io && io->dry_run))
		return NULL;
	return iod_error_new(IOD_ERR_READONLY,
			     "%s is read-only: writes need iodbg -w (or -n to see them)",
			     r->name);
}

static struct iod_error *check_scalar(const struct iod_region *r, uint64_t off, unsigned width)
{
	if ((width != 1 && width != 2 && width != 4 && width != 8) || !(r->widths & width))
		return iod_error_new(IOD_ERR_WIDTH, "%s+0x%" PRIx64
				     ": %u-bit access not supported by %s",
				     r->name, off, width * 8, r->ops->name);
	if (r->aligned_only && off % width)
		return iod_error_new(IOD_ERR_ALIGN, "%s+0x%" PRIx64
				     ": %u-bit access is not naturally aligned, which %s requires",
				     r->name, off, width * 8, r->ops->name);
	return check_range(r, off, width);
}

/*
 * The only place a backend is called. The fault guard is armed around the
 * call: a SIGBUS or SIGSEGV becomes an error naming region, offset and width.
 */
static struct iod_error *backend(struct iod_region *r, enum call call, uint64_t off,
				 unsigned width, uint64_t *val, void *buf, size_t len,
				 uint64_t src)
{
	const struct iod_backend_ops *ops = r->ops;
	struct iod_fault *f = iod_fault_arm();
	struct iod_error *err = NULL;

	if (sigsetjmp(f->env, 0)) {
		iod_fault_disarm();
		if (call == CALL_READ || call == CALL_WRITE)
			return iod_error_new(IOD_ERR_FAULT, "%s+0x%" PRIx64 ": %u-bit %s faulted: %s",
					     r->name, off, width * 8,
					     call == CALL_READ ? "read" : "write",
					     iod_fault_describe(f));
		return iod_error_new(IOD_ERR_FAULT, "%s+0x%" PRIx64 ": copy of %zu bytes faulted: %s",
				     r->name, off, len, iod_fault_describe(f));
	}
	switch (call) {
	case CALL_READ: err = ops->read(r->ctx, off, width, val); break;
	case CALL_WRITE: err = ops->write(r->ctx, off, width, *val); break;
	case CALL_COPY_FROM: err = ops->copy_from(r->ctx, off, buf, len); break;
	case CALL_COPY_TO: err = ops->copy_to(r->ctx, off, buf, len); break;
	case CALL_MOVE: err = ops->move(r->ctx, off, src, len); break;
	}
	iod_fault_disarm();
	return err ? iod_error_prefix(err, "%s+0x%" PRIx64, r->name, off) : NULL;
}

struct iod_error *iod_access_read(struct iod_io *io, struct iod_region *r, uint64_t off,
				  unsigned width, uint64_t *ret)
{
	struct iod_error *err = check_scalar(r, off, width);
	uint64_t v = 0;

	if (!err)
		err = backend(r, CALL_READ, off, width, &v, NULL, 0, 0);
	if (err)
		return err;
	trace(io, IOD_ACC_READ, r, off, width, 0, v);
	*ret = v;
	return NULL;
}

struct iod_error *iod_access_write(struct iod_io *io, struct iod_region *r, uint64_t off,
				   unsigned width, uint64_t val)
{
	struct iod_error *err = check_scalar(r, off, width);

	if (!err)
		err = check_gate(io, r);
	if (err)
		return err;
	if (width < 8)
		val &= (UINT64_C(1) << (width * 8)) - 1;
	if (dry(io, IOD_ACC_WRITE, r, off, width, 0, val))
		return NULL;
	trace(io, IOD_ACC_WRITE, r, off, width, 0, val);
	return backend(r, CALL_WRITE, off, width, &val, NULL, 0, 0);
}

static bool interrupted(const struct iod_io *io)
{
	return io && io->interrupted && *io->interrupted;
}

static struct iod_error *stopped(uint64_t done, bool written)
{
	return iod_error_new(IOD_ERR_INTERRUPTED, "interrupted after %" PRIu64 " bytes %s",
			     done, written ? "written" : "read");
}

struct iod_error *iod_copy_from(struct iod_io *io, struct iod_region *r, uint64_t off,
				void *buf, uint64_t len)
{
	struct iod_error *err = check_range(r, off, len);
	uint64_t done = 0;

	if (err)
		return err;
	trace(io, IOD_ACC_COPY_FROM, r, off, 0, len, 0);
	while (done < len) {
		size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;

		if (interrupted(io))
			return stopped(done, false);
		err = backend(r, CALL_COPY_FROM, off + done, 0, NULL, (uint8_t *)buf + done, n, 0);
		if (err)
			return err;
		done += n;
	}
	return NULL;
}

struct iod_error *iod_copy_to(struct iod_io *io, struct iod_region *r, uint64_t off,
			      const void *buf, uint64_t len)
{
	struct iod_error *err = check_range(r, off, len);
	uint64_t done = 0;

	if (!err)
		err = check_gate(io, r);
	if (err)
		return err;
	if (dry(io, IOD_ACC_COPY_TO, r, off, 0, len, 0))
		return NULL;
	trace(io, IOD_ACC_COPY_TO, r, off, 0, len, 0);
	while (done < len) {
		size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;

		if (interrupted(io))
			return stopped(done, true);
		err = backend(r, CALL_COPY_TO, off + done, 0, NULL, (void *)((const uint8_t *)buf + done),
			      n, 0);
		if (err)
			return err;
		done += n;
	}
	return NULL;
}

struct iod_error *iod_copy(struct iod_io *io, struct iod_region *dst, uint64_t dst_off,
			   struct iod_region *src, uint64_t src_off, uint64_t len)
{
	struct iod_error *err = check_range(src, src_off, len);
	/* Within one region, a destination above an overlapping source must be
	   copied from the end backwards, as memmove does. */
	bool backwards = dst == src && dst_off > src_off && dst_off - src_off < len;
	uint8_t *bounce = NULL;
	uint64_t done = 0;

	if (!err)
		err = check_range(dst, dst_off, len);
	if (!err)
		err = check_gate(io, dst);
	if (err)
		return err;
	if (dry(io, IOD_ACC_COPY_TO, dst, dst_off, 0, len, 0) || len == 0)
		return NULL;
	trace(io, IOD_ACC_COPY_FROM, src, src_off, 0, len, 0);
	trace(io, IOD_ACC_COPY_TO, dst, dst_off, 0, len, 0);
	if (!(dst == src && dst->ops->move)) {
		/* page-aligned: the kernel's copies to and from it run at full speed */
		if (posix_memalign((void **)&bounce, 4096, len < CHUNK ? (size_t)len : CHUNK))
			return &iod_error_nomem;
	}
	while (done < len) {
		size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
		uint64_t at = backwards ? len - done - n : done;

		if (interrupted(io)) {
			err = stopped(done, true);
			break;
		}
		if (!bounce) {
			err = backend(dst, CALL_MOVE, dst_off + at, 0, NULL, NULL, n, src_off + at);
		} else {
			err = backend(src, CALL_COPY_FROM, src_off + at, 0, NULL, bounce, n, 0);
			if (!err)
				err = backend(dst, CALL_COPY_TO, dst_off + at, 0, NULL, bounce, n, 0);
		}
		if (err)
			break;
		done += n;
	}
	free(bounce);
	return err;
}

struct iod_error *iod_fill(struct iod_io *io, struct iod_region *r, uint64_t off,
			   uint8_t byte, uint64_t len)
{
	struct iod_error *err = check_range(r, off, len);
	uint64_t done = 0;
	uint8_t *pattern;

	if (!err)
		err = check_gate(io, r);
	if (err)
		return err;
	if (dry(io, IOD_ACC_FILL, r, off, 0, len, byte) || len == 0)
		return NULL;
	trace(io, IOD_ACC_FILL, r, off, 0, len, byte);
	pattern = malloc(len < CHUNK ? (size_t)len : CHUNK);
	if (!pattern)
		return &iod_error_nomem;
	memset(pattern, byte, len < CHUNK ? (size_t)len : CHUNK);
	while (done < len) {
		size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;

		if (interrupted(io)) {
			err = stopped(done, true);
			break;
		}
		err = backend(r, CALL_COPY_TO, off + done, 0, NULL, pattern, n, 0);
		if (err)
			break;
		done += n;
	}
	free(pattern);
	return err;
}
