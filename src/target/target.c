/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Target strings (spec §3) parsed, and the file: and sim: targets attached. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iodbg/expr.h"
#include "iodbg/target.h"
#include "internal.h"

#define EXPECTED "0000:01:00.0, 01:00.0, pci:VENDOR:DEVICE[#N], mem:ADDR,SIZE, " \
		 "file:PATH[,OFFSET[,SIZE]], dmabuf:PATH, udmabuf:NAME or sim:SIZE"

const char *iod_target_stem(enum iod_target_kind kind)
{
	switch (kind) {
	case IOD_TARGET_PCI: return "";
	case IOD_TARGET_MEM: return "mem";
	case IOD_TARGET_FILE: return "file";
	case IOD_TARGET_DMABUF:
	case IOD_TARGET_UDMABUF: return "dma";
	case IOD_TARGET_SIM: return "sim";
	}
	return "region";
}

static bool hex_field(const char *s, size_t len, unsigned max_digits, unsigned *ret)
{
	unsigned v = 0;

	if (len == 0 || len > max_digits)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
		v = v * 16 + (unsigned)(isdigit((unsigned char)s[i]) ? s[i] - '0'
								 : tolower((unsigned char)s[i]) - 'a' + 10);
	}
	*ret = v;
	return true;
}

/* [DDDD:]BB:DD.F */
static bool parse_slot(const char *s, struct iod_target *t)
{
	const char *c1 = strchr(s, ':'), *c2, *dot;

	if (!c1)
		return false;
	c2 = strchr(c1 + 1, ':');
	t->domain = 0;
	if (c2) {
		if (!hex_field(s, (size_t)(c1 - s), 4, &t->domain))
			return false;
		s = c1 + 1;
		c1 = c2;
	}
	dot = strchr(c1 + 1, '.');
	return dot && hex_field(s, (size_t)(c1 - s), 2, &t->bus) &&
	       hex_field(c1 + 1, (size_t)(dot - c1 - 1), 2, &t->dev) && t->dev < 32 &&
	       hex_field(dot + 1, strlen(dot + 1), 1, &t->func) && t->func < 8;
}

static bool number(const char *s, size_t len, bool sizes, uint64_t *ret);

/* VENDOR:DEVICE[#N] */
static bool parse_ids(const char *s, struct iod_target *t)
{
	const char *c = strchr(s, ':'), *hash = strchr(s, '#');
	size_t dlen;
	uint64_t n = 0;

	if (!c || strchr(c + 1, ':'))
		return false;
	dlen = hash ? (size_t)(hash - c - 1) : strlen(c + 1);
	if (hash && !number(hash + 1, strlen(hash + 1), false, &n))
		return false;
	t->by_id = true;
	t->index = (unsigned)n;
	return n <= 0xffff && hex_field(s, (size_t)(c - s), 4, &t->vendor) &&
	       hex_field(c + 1, dlen, 4, &t->device);
}

static struct iod_error *bad(const char *text, const char *expected)
{
	return iod_error_new(IOD_ERR_SYNTAX, "bad target '%s': expected %s", text, expected);
}

static bool number(const char *s, size_t len, bool sizes, uint64_t *ret)
{
	char buf[64];
	struct iod_error *err;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = 0;
	err = iod_parse_number(buf, sizes, ret);
	iod_error_free(err);
	return !err;
}

static struct iod_error *parse_file(const char *text, const char *arg, struct iod_target *t)
{
	const char *c1 = strrchr(arg, ','), *c2 = NULL;
	size_t plen = strlen(arg);

	/* Commas may be part of a path: only numeric trailing parts are options. */
	if (c1 && number(c1 + 1, strlen(c1 + 1), true, &t->size)) {
		plen = (size_t)(c1 - arg);
		for (const char *p = c1; p > arg; p--)
			if (p[-1] == ',') {
				c2 = p - 1;
				break;
			}
		if (c2 && number(c2 + 1, (size_t)(c1 - c2 - 1), true, &t->offset)) {
			t->has_size = true;
			plen = (size_t)(c2 - arg);
		} else {
			t->offset = t->size;
			t->size = 0;
		}
	}
	if (plen == 0)
		return bad(text, "file:PATH[,OFFSET[,SIZE]]");
	t->path = strndup(arg, plen);
	return t->path ? NULL : &iod_error_nomem;
}

struct iod_error *iod_target_parse(const char *text, struct iod_target *ret)
{
	struct iod_target t;
	struct iod_error *err = NULL;
	const char *arg;

	memset(&t, 0, sizeof(t));
	if (!strncmp(text, "sim:", 4)) {
		t.kind = IOD_TARGET_SIM;
		arg = text + 4;
		if (!number(arg, strlen(arg), true, &t.size) || t.size == 0)
			return bad(text, "sim:SIZE with SIZE > 0 (e.g. sim:4K)");
	} else if (!strncmp(text, "mem:", 4)) {
		const char *comma;

		t.kind = IOD_TARGET_MEM;
		arg = text + 4;
		comma = strchr(arg, ',');
		if (!comma || !number(arg, (size_t)(comma - arg), false, &t.addr) ||
		    !number(comma + 1, strlen(comma + 1), true, &t.size) || t.size == 0)
			return bad(text, "mem:ADDR,SIZE (e.g. mem:0xfe000000,4K)");
	} else if (!strncmp(text, "file:", 5)) {
		t.kind = IOD_TARGET_FILE;
		err = parse_file(text, text + 5, &t);
	} else if (!strncmp(text, "dmabuf:", 7) || !strncmp(text, "udmabuf:", 8)) {
		t.kind = text[0] == 'd' ? IOD_TARGET_DMABUF : IOD_TARGET_UDMABUF;
		arg = strchr(text, ':') + 1;
		if (!*arg)
			return bad(text, t.kind == IOD_TARGET_DMABUF ? "dmabuf:PATH" : "udmabuf:NAME");
		t.path = strdup(arg);
		if (!t.path)
			return &iod_error_nomem;
	} else if (!strncmp(text, "pci:", 4)) {
		t.kind = IOD_TARGET_PCI;
		if (!parse_slot(text + 4, &t) && !parse_ids(text + 4, &t))
			return bad(text, "pci:[DOMAIN:]BUS:DEV.FN or pci:VENDOR:DEVICE[#N]"
				   " (e.g. pci:01:00.0, pci:10de:2684#1)");
	} else if (parse_slot(text, &t)) {
		t.kind = IOD_TARGET_PCI;
	} else {
		return iod_error_new(IOD_ERR_SYNTAX, "unknown target '%s': expected %s", text,
				     EXPECTED);
	}
	if (err)
		return err;
	*ret = t;
	return NULL;
}

void iod_target_release(struct iod_target *t)
{
	free(t->path);
	t->path = NULL;
}

static struct iod_error *push(struct iod_region *r, struct iod_attached *a)
{
	struct iod_region **grown = realloc(a->regions, (a->nregions + 1) * sizeof(*grown));

	if (!grown) {
		iod_region_free(r);
		return &iod_error_nomem;
	}
	grown[a->nregions++] = r;
	a->regions = grown;
	return NULL;
}

void iod_attached_release(struct iod_attached *a)
{
	for (size_t i = 0; i < a->nregions; i++)
		iod_region_free(a->regions[i]);
	free(a->regions);
	iod_pci_device_free(a->pci);
	memset(a, 0, sizeof(*a));
}

static void warn(const struct iod_attach *opts, const char *fmt, const char *a, const char *b)
{
	char msg[512];

	if (!opts->warn)
		return;
	snprintf(msg, sizeof(msg), fmt, a, b);
	opts->warn(opts->ctx, msg);
}

/* Files that cannot be mapped (debugfs blobs report size 0): how much there is. */
static struct iod_error *size_by_reading(int fd, const char *path, uint64_t offset,
					 uint64_t *ret)
{
	char buf[65536];
	uint64_t total = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), (off_t)(offset + total))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return iod_error_os(errno, "file:%s: read", path);
		total += (uint64_t)n;
	}
	*ret = total;
	return NULL;
}

static struct iod_error *attach_file(const struct iod_target *t, const char *name,
				     const struct iod_attach *opts, struct iod_region **ret)
{
	const char *path = t->path;
	bool writable = opts->writable;
	int fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_CLOEXEC);
	uint64_t size = t->size;
	struct iod_error *err;
	struct stat st;

	if (fd < 0 && writable && (errno == EACCES || errno == EROFS || errno == EPERM)) {
		warn(opts, "file:%s: %s: attached read-only", path, strerror(errno));
		writable = false;
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	}
	if (fd < 0) {
		int e = errno;

		/* A socket cannot be opened at all (ENXIO): say what it is. */
		if (e == ENXIO && stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			return iod_error_new(IOD_ERR_TYPE, "file:%s: is a socket, not a file", path);
		return iod_error_os(e, "file:%s", path);
	}
	if (fstat(fd, &st) < 0) {
		err = iod_error_os(errno, "file:%s: fstat", path);
		close(fd);
		return err;
	}
	if (S_ISDIR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
		close(fd);
		return iod_error_new(IOD_ERR_TYPE, "file:%s: is a %s, not a file", path,
				     S_ISDIR(st.st_mode) ? "directory"
				     : S_ISFIFO(st.st_mode) ? "FIFO" : "socket");
	}
	/* Opened non-blocking only so that a FIFO could not hang us; from here on
	   reads of device files should block as usual. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		if (t->offset > (uint64_t)st.st_size) {
			close(fd);
			return iod_error_new(IOD_ERR_BOUNDS, "file:%s: offset 0x%" PRIx64
					     " is past the end of the file (%" PRIu64 " bytes)",
					     path, t->offset, (uint64_t)st.st_size);
		}
		if (!t->has_size)
			size = (uint64_t)st.st_size - t->offset;
		if (size > (uint64_t)st.st_size - t->offset) {
			close(fd);
			return iod_error_new(IOD_ERR_BOUNDS, "file:%s: 0x%" PRIx64 " bytes at 0x%"
					     PRIx64 " reach past the end of the file (%" PRIu64
					     " bytes)", path, size, t->offset, (uint64_t)st.st_size);
		}
	} else if (!t->has_size) {
		err = size_by_reading(fd, path, t->offset, &size);
		if (err) {
			close(fd);
			return err;
		}
	}
	if (size == 0) {
		close(fd);
		return iod_error_new(IOD_ERR_BOUNDS, "file:%s: nothing to attach (0 bytes)", path);
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		err = iod_region_sysmem_fd(name, NULL, dup(fd), t->offset, size, writable, path, ret);
		if (!err) {
			close(fd);
			return NULL;
		}
		iod_error_free(err);
	}
	/* Not mappable: pread/pwrite of each access. */
	return iod_region_pio_fd(name, NULL, fd, t->offset, size, IOD_W_ALL, true, writable,
				 path, ret);
}

struct iod_error *iod_target_attach(const struct iod_target *t, const char *name,
				    const struct iod_attach *opts, struct iod_attached *ret)
{
	struct iod_attached a = { 0 };
	struct iod_region *r = NULL;
	struct iod_error *err;

	switch (t->kind) {
	case IOD_TARGET_SIM:
		err = iod_region_sim(name, t->size, &r);
		break;
	case IOD_TARGET_FILE:
		err = attach_file(t, name, opts, &r);
		break;
	case IOD_TARGET_PCI:
		return iod_attach_pci(t, name, opts, ret);
	case IOD_TARGET_MEM:
		return iod_attach_mem(t, name, opts, ret);
	case IOD_TARGET_DMABUF:
		return iod_attach_dmabuf(t, name, opts, ret);
	case IOD_TARGET_UDMABUF:
		return iod_attach_udmabuf(t, name, opts, ret);
	default:
		return iod_error_new(IOD_ERR_LOOKUP, "%s targets cannot be attached by this build"
				     " of iodbg yet",
				     t->kind == IOD_TARGET_PCI ? "PCI"
				     : t->kind == IOD_TARGET_MEM ? "mem:"
				     : t->kind == IOD_TARGET_DMABUF ? "dmabuf:" : "udmabuf:");
	}
	if (!err)
		err = push(r, &a);
	if (err) {
		iod_attached_release(&a);
		return err;
	}
	*ret = a;
	return NULL;
}
