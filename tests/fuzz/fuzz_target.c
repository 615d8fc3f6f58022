// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: any bytes as a target string (spec §3), parsed as
 * `attach TARGET` parses it. A successful parse must give fields in range and
 * read back the same from a canonical spelling of them. Then the target is
 * attached, hermetically: sim: up to 64K; file: and dmabuf: only for names
 * without '/' in a scratch directory holding a 256-byte file "f" and an empty
 * file "e"; mem:, udmabuf: and PCI with IODBG_DEVDIR and the sysfs root set
 * to empty directories of it, so nothing outside it is opened.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iodbg/io.h"
#include "iodbg/strbuf.h"
#include "iodbg/target.h"

#include "fuzz_scratch.h"

#define FILE_SIZE 256
#define SIM_MAX (64 * 1024)

static char sysdir[PATH_MAX + 8];
static bool ready;

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 7 + 3);
}

/* A broken promise: say which, where a person reproducing it can see it. */
static void fail(const char *what, const char *text)
{
	fprintf(stderr, "fuzz_target: %s: '%s'\n", what, text);
	abort();
}

static void setup(void)
{
	uint8_t buf[FILE_SIZE];
	FILE *f;

	fuzz_scratch_setup(sysdir, sizeof(sysdir));
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = pattern(i);
	f = fopen("f", "w");
	if (!f || fwrite(buf, 1, sizeof(buf), f) != sizeof(buf) || fclose(f))
		abort();
	f = fopen("e", "w");
	if (!f || fclose(f))
		abort();
	ready = true;
}

/* What every successful parse promises, whatever the input. */
static void check_fields(const struct iod_target *t, const char *text)
{
	size_t len = strlen(text);

	if (!iod_target_stem(t->kind))
		fail("no stem", text);
	switch (t->kind) {
	case IOD_TARGET_SIM:
	case IOD_TARGET_MEM:
		if (t->size == 0 || t->path)
			fail("sim:/mem: with size 0 or a path", text);
		break;
	case IOD_TARGET_FILE:
		/* the path is what follows "file:", less numeric ,OFFSET[,SIZE] */
		if (!t->path || !*t->path || strlen(t->path) > len - 5 ||
		    strncmp(t->path, text + 5, strlen(t->path)))
			fail("file: path is not a prefix of the argument", text);
		if (!t->has_size && t->size)
			fail("file: size without has_size", text);
		break;
	case IOD_TARGET_DMABUF:
	case IOD_TARGET_UDMABUF:
		if (!t->path || !*t->path || strcmp(t->path, strchr(text, ':') + 1))
			fail("dmabuf:/udmabuf: path is not the argument", text);
		break;
	case IOD_TARGET_PCI:
		if (t->path)
			fail("PCI with a path", text);
		if (t->by_id ? t->vendor > 0xffff || t->device > 0xffff || t->index > 0xffff
			     : t->domain > 0xffff || t->bus > 0xff || t->dev > 31 || t->func > 7)
			fail("PCI field out of range", text);
		break;
	default:
		fail("unknown kind", text);
	}
}

static bool same(const struct iod_target *a, const struct iod_target *b)
{
	if (a->kind != b->kind || !a->path != !b->path || (a->path && strcmp(a->path, b->path)))
		return false;
	if (a->kind == IOD_TARGET_PCI)
		return a->by_id == b->by_id &&
		       (a->by_id ? a->vendor == b->vendor && a->device == b->device &&
				   a->index == b->index
				 : a->domain == b->domain && a->bus == b->bus && a->dev == b->dev &&
				   a->func == b->func);
	return a->addr == b->addr && a->offset == b->offset && a->size == b->size &&
	       a->has_size == b->has_size;
}

/* Parses a spelling made from t's fields: it must give t again. */
static void reparse(const struct iod_target *t, const char *spelling, const char *text)
{
	struct iod_target u;
	struct iod_error *err = iod_target_parse(spelling, &u);

	if (err) {
		fprintf(stderr, "fuzz_target: '%s' -> '%s': %s\n", text, spelling, err->message);
		abort();
	}
	if (!same(t, &u)) {
		fprintf(stderr, "fuzz_target: '%s' -> '%s' parses differently\n", text, spelling);
		abort();
	}
	iod_target_release(&u);
}

static void round_trip(const struct iod_target *t, const char *text)
{
	struct iod_strbuf sb = { 0 };

	switch (t->kind) {
	case IOD_TARGET_SIM:
		iod_strbuf_printf(&sb, "sim:%" PRIu64, t->size);
		break;
	case IOD_TARGET_MEM:
		iod_strbuf_printf(&sb, "mem:0x%" PRIx64 ",%" PRIu64, t->addr, t->size);
		break;
	case IOD_TARGET_FILE:
		iod_strbuf_printf(&sb, "file:%s,%" PRIu64, t->path, t->offset);
		if (t->has_size)
			iod_strbuf_printf(&sb, ",%" PRIu64, t->size);
		break;
	case IOD_TARGET_DMABUF:
	case IOD_TARGET_UDMABUF:
		iod_strbuf_printf(&sb, "%s:%s", t->kind == IOD_TARGET_DMABUF ? "dmabuf" : "udmabuf",
				  t->path);
		break;
	case IOD_TARGET_PCI:
		if (t->by_id) {
			iod_strbuf_printf(&sb, "pci:%04x:%04x#%u", t->vendor, t->device, t->index);
			break;
		}
		/* every spelling of a slot: with and without pci:, with and without domain */
		iod_strbuf_printf(&sb, "%04x:%02x:%02x.%x", t->domain, t->bus, t->dev, t->func);
		reparse(t, iod_strbuf_str(&sb), text);
		if (!t->domain) {
			iod_strbuf_reset(&sb);
			iod_strbuf_printf(&sb, "%x:%x.%x", t->bus, t->dev, t->func);
			reparse(t, iod_strbuf_str(&sb), text);
			iod_strbuf_reset(&sb);
			iod_strbuf_printf(&sb, "pci:%02x:%02x.%x", t->bus, t->dev, t->func);
			reparse(t, iod_strbuf_str(&sb), text);
		}
		iod_strbuf_reset(&sb);
		iod_strbuf_printf(&sb, "pci:%04x:%02x:%02x.%x", t->domain, t->bus, t->dev, t->func);
		break;
	}
	if (iod_strbuf_error(&sb))
		abort();
	reparse(t, iod_strbuf_str(&sb), text);
	iod_strbuf_release(&sb);
}

/* The byte at off of r, or -1 when it cannot be read. */
static int byte_at(struct iod_region *r, uint64_t off)
{
	uint64_t v = 0;
	struct iod_error *err = iod_access_read(NULL, r, off, 1, &v);

	if (err) {
		iod_error_free(err);
		return -1;
	}
	return (int)v;
}

/* What attaching file:f or file:e must give (spec §3): the bytes of the file. */
static void check_file(const struct iod_target *t, struct iod_error *err,
		       const struct iod_attached *a, const char *text)
{
	bool in_f = !strcmp(t->path, "f");
	uint64_t want = 0;
	bool fits;

	if (!in_f && strcmp(t->path, "e")) {
		if (!err)
			fail("a file that does not exist attached", text);
		return;
	}
	if (in_f) {
		want = t->offset <= FILE_SIZE ? FILE_SIZE - t->offset : 0;
		if (t->has_size)
			want = t->size <= want ? t->size : 0;
		fits = t->offset <= FILE_SIZE && want;
	} else {
		/* an empty file is read to its end: nothing, unless SIZE says how much */
		want = t->has_size ? t->size : 0;
		fits = want != 0;
	}
	if (!fits != !!err)
		fail(err ? "file: refused a range inside the file"
			 : "file: attached a range outside the file", text);
	if (err)
		return;
	if (a->nregions != 1 || a->regions[0]->size != want)
		fail("file: region of the wrong size", text);
	if (in_f && (byte_at(a->regions[0], 0) != pattern(t->offset) ||
		     byte_at(a->regions[0], want - 1) != pattern(t->offset + want - 1)))
		fail("file: region does not show the file's bytes", text);
	if (!in_f && byte_at(a->regions[0], want - 1) != -1)
		fail("file: read past the end of an empty file succeeded", text);
}

static void attach(const struct iod_target *t, const char *text)
{
	struct iod_attach opts = { .writable = t->size & 1, .sysfs = sysdir };
	struct iod_attached a = { 0 };
	struct iod_error *err;
	struct iod_region *r;

	if (t->kind == IOD_TARGET_SIM && t->size > SIM_MAX)
		return;
	/* only names in the scratch directory */
	if ((t->kind == IOD_TARGET_FILE || t->kind == IOD_TARGET_DMABUF) &&
	    (strchr(t->path, '/') || !strcmp(t->path, "..")))
		return;
	err = iod_target_attach(t, "t0", &opts, &a);
	switch (t->kind) {
	case IOD_TARGET_SIM:
		if (err || a.nregions != 1 || a.regions[0]->size != t->size)
			fail("sim: not attached whole", text);
		r = a.regions[0];
		if (byte_at(r, t->size - 1) != 0)
			fail("sim: not zeroed", text);
		iod_error_free(iod_access_write(NULL, r, t->size - 1, 1, 0x5a));
		if (byte_at(r, t->size - 1) != 0x5a || byte_at(r, t->size) != -1)
			fail("sim: bounds", text);
		break;
	case IOD_TARGET_FILE:
		check_file(t, err, &a, text);
		break;
	default:
		/* no dma-buf, /dev/mem, u-dma-buf or PCI device in the scratch directory */
		if (!err)
			fail("attached something that is not there", text);
	}
	if (err)
		iod_error_free(err);
	else
		iod_attached_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iod_target t, before;
	struct iod_error *err;
	char *text;

	if (!ready)
		setup();
	text = fuzz_text(data, size);
	if (!text)
		return 0;
	memset(&t, 0xa5, sizeof(t));
	memcpy(&before, &t, sizeof(t));
	err = iod_target_parse(text, &t);
	if (err) {
		/* a syntax error, and the result untouched */
		if (err->kind != IOD_ERR_SYNTAX || !err->message || memcmp(&t, &before, sizeof(t)))
			fail("bad error", text);
		iod_error_free(err);
	} else {
		check_fields(&t, text);
		round_trip(&t, text);
		attach(&t, text);
		iod_target_release(&t);
	}
	free(text);
	return 0;
}
