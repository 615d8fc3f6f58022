/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The persistent index cache: one file per debug file, checked before use, replaced atomically. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static void notef(dw_note_fn note, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void notef(dw_note_fn note, void *ctx, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int n;

	if (!note)
		return;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	note(ctx, msg);
	free(msg);
}

char *dw_cache_dir(const struct iod_dwarf_options *opts)
{
	const char *xdg, *home;
	char *dir;

	if (opts && opts->cache_dir)
		return *opts->cache_dir ? strdup(opts->cache_dir) : NULL;
	/* XDG: a relative XDG_CACHE_HOME is invalid and ignored. */
	xdg = getenv("XDG_CACHE_HOME");
	if (xdg && xdg[0] == '/')
		return asprintf(&dir, "%s/iodbg", xdg) < 0 ? NULL : dir;
	home = getenv("HOME");
	if (home && *home)
		return asprintf(&dir, "%s/.cache/iodbg", home) < 0 ? NULL : dir;
	return NULL;
}

/* One file per debug file: a hash of its path, and its basename for people. */
static char *cache_file_ext(const char *dir, const struct dw_key *key, const char *ext)
{
	const char *base = strrchr(key->path, '/');
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	char *file;

	for (const char *p = key->path; *p; p++) {
		h ^= (unsigned char)*p;
		h *= UINT64_C(0x100000001b3);
	}
	base = base ? base + 1 : key->path;
	if (asprintf(&file, "%s/%016llx-%.64s.%s", dir, (unsigned long long)h, base, ext) < 0)
		return NULL;
	return file;
}

static char *cache_file(const char *dir, const struct dw_key *key)
{
	return cache_file_ext(dir, key, "idx");
}

struct dw_index *dw_cache_read(const char *dir, const struct dw_key *key, dw_note_fn note,
			       void *ctx)
{
	char *file = cache_file(dir, key);
	struct dw_index *ix = NULL;
	struct iod_error *err;
	struct stat st;
	void *buf;
	int fd;

	if (!file)
		return NULL;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			notef(note, ctx, "cache: cannot read %s: %s", file, strerror(errno));
		free(file);
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		notef(note, ctx, "cache: ignoring %s: not a usable file", file);
		goto out;
	}
	buf = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (buf == MAP_FAILED) {
		notef(note, ctx, "cache: cannot map %s: %s", file, strerror(errno));
		goto out;
	}
	err = dw_index_from_buffer(buf, (size_t)st.st_size, true, key, &ix);
	if (err) {
		notef(note, ctx, "cache: ignoring %s: %s", file, err->message);
		iod_error_free(err);
		munmap(buf, (size_t)st.st_size);
		ix = NULL;
		goto out;
	}
	notef(note, ctx, "cache: hit %s", file);
out:
	close(fd);
	free(file);
	return ix;
}

/* mkdir -p with private permissions: the cache says which files a user debugs. */
static int make_dirs(const char *dir)
{
	char *p = strdup(dir);
	int ret = 0;

	if (!p)
		return -1;
	for (char *s = p + 1; ; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) && errno != EEXIST) {
			ret = -1;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return ret;
}

/* Writes size bytes to file through a temporary beside it; false (with a note) on failure. */
static bool write_atomic(const char *dir, const char *file, const void *data, size_t size,
			 dw_note_fn note, void *ctx)
{
	const unsigned char *p = data;
	size_t done = 0;
	char *tmp = NULL;
	int fd = -1, e;

	if (make_dirs(dir)) {
		e = errno;
		notef(note, ctx, "cache: cannot create %s: %s", dir, strerror(e));
		return false;
	}
	/* A private name beside the file: same file system, so rename() is atomic. */
	for (unsigned attempt = 0; fd < 0 && attempt < 16; attempt++) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		free(tmp);
		if (asprintf(&tmp, "%s.%ld.%lx.tmp", file, (long)getpid(),
			     (unsigned long)now.tv_nsec ^ attempt) < 0) {
			tmp = NULL;
			return false;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		e = errno;
		notef(note, ctx, "cache: cannot write %s: %s", file, strerror(e));
		free(tmp);
		return false;
	}
	while (done < size) {
		ssize_t n = write(fd, p + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : ENOSPC;
			notef(note, ctx, "cache: cannot write %s: %s", file, strerror(e));
			goto fail;
		}
		done += (size_t)n;
	}
	if (close(fd)) {
		fd = -1;
		e = errno;
		notef(note, ctx, "cache: cannot write %s: %s", file, strerror(e));
		goto fail;
	}
	fd = -1;
	/* Readers see the old file or the new one, never a part. */
	if (rename(tmp, file)) {
		e = errno;
		notef(note, ctx, "cache: cannot write %s: %s", file, strerror(e));
		goto fail;
	}
	free(tmp);
	return true;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return false;
}

void dw_cache_write(const char *dir, const struct dw_key *key, const struct dw_index *ix,
		    dw_note_fn note, void *ctx)
{
	char *file = cache_file(dir, key);
	const void *data;
	size_t size;

	if (!file)
		return;
	data = dw_index_data(ix, &size);
	if (write_atomic(dir, file, data, size, note, ctx))
		notef(note, ctx, "cache: written %s", file);
	free(file);
}

/* --- what lookups learnt ---------------------------------------------------------- */

/*
 * The .found file: a header, then records of a name and its representative
 * entries (numbers into the index). The checksum covers the whole file with
 * the checksum field zeroed, as for the index.
 */
#define FOUND_MAGIC "IODBGFND"
#define FOUND_VERSION 1u

struct found_header {
	char magic[8];
	uint32_t version;
	uint32_t nrecords;
	uint64_t total_size;
	uint64_t checksum;
	uint64_t index_checksum;
};

struct found_rec {
	char *name;
	uint32_t *reps;
	uint32_t n;
};

struct dw_found {
	char *dir, *file;               /* NULL: memory only */
	uint64_t index_checksum;
	uint32_t nentries;
	dw_note_fn note;
	void *ctx;
	struct found_rec *recs;
	size_t nrecs, cap;
	size_t *slots;                  /* record number + 1, open addressing */
	size_t mask;
	bool dirty;
};

static size_t name_hash(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(0x100000001b3);
	}
	return (size_t)(h ^ (h >> 29));
}

static bool found_rehash(struct dw_found *f)
{
	size_t cap = f->slots ? (f->mask + 1) * 2 : 64;
	size_t *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return false;
	for (size_t r = 0; r < f->nrecs; r++) {
		size_t i = name_hash(f->recs[r].name) & (cap - 1);

		while (slots[i])
			i = (i + 1) & (cap - 1);
		slots[i] = r + 1;
	}
	free(f->slots);
	f->slots = slots;
	f->mask = cap - 1;
	return true;
}

/* Takes ownership of name and reps. */
static bool found_add(struct dw_found *f, char *name, uint32_t *reps, uint32_t n)
{
	size_t i;

	if (f->nrecs == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 32;
		struct found_rec *r = realloc(f->recs, ncap * sizeof(*r));

		if (!r)
			return false;
		f->recs = r;
		f->cap = ncap;
	}
	if ((!f->slots || (f->nrecs + 1) * 2 > f->mask + 1) && !found_rehash(f))
		return false;
	f->recs[f->nrecs] = (struct found_rec){ name, reps, n };
	for (i = name_hash(name) & f->mask; f->slots[i]; i = (i + 1) & f->mask)
		;
	f->slots[i] = ++f->nrecs;
	return true;
}

/* Reads the records of a file written for this very index; anything else is ignored. */
static void found_read(struct dw_found *f)
{
	struct found_header h;
	unsigned char *buf = NULL;
	const char *why = NULL;
	struct stat st;
	size_t off;
	int fd = open(f->file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(h) || st.st_size > (off_t)1 << 30) {
		why = "not a usable file";
		goto out;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf || pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		why = "unreadable";
		goto out;
	}
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, FOUND_MAGIC, 8) || h.version != FOUND_VERSION) {
		why = "not a lookup record";
		goto out;
	}
	if (h.total_size != (uint64_t)st.st_size) {
		why = "truncated";
		goto out;
	}
	{
		uint64_t sum = h.checksum;

		memset(buf + offsetof(struct found_header, checksum), 0, sizeof(h.checksum));
		if (dw_checksum(buf, (size_t)st.st_size) != sum) {
			why = "checksum mismatch";
			goto out;
		}
	}
	/* Written for an earlier index of this file: its entry numbers mean nothing now. */
	if (h.index_checksum != f->index_checksum)
		goto out;
	off = sizeof(h);
	for (uint32_t r = 0; r < h.nrecords && !why; r++) {
		uint32_t len, n;
		char *name;
		uint32_t *reps;

		if ((size_t)st.st_size - off < 8) {
			why = "corrupt";
			break;
		}
		memcpy(&len, buf + off, 4);
		memcpy(&n, buf + off + 4, 4);
		off += 8;
		if (len >= (size_t)st.st_size - off || buf[off + len] != '\0' ||
		    n > ((size_t)st.st_size - off - ((len + 4) & ~(size_t)3)) / 4) {
			why = "corrupt";
			break;
		}
		name = strdup((const char *)buf + off);
		off += (len + 4) & ~(size_t)3;
		reps = malloc((n ? n : 1) * sizeof(*reps));
		if (!name || !reps) {
			free(name);
			free(reps);
			break;
		}
		memcpy(reps, buf + off, (size_t)n * 4);
		off += (size_t)n * 4;
		for (uint32_t k = 0; k < n; k++)
			if (reps[k] >= f->nentries)
				why = "corrupt";
		if (why || !found_add(f, name, reps, n)) {
			free(name);
			free(reps);
		}
	}
out:
	if (why) {
		notef(f->note, f->ctx, "cache: ignoring %s: %s", f->file, why);
		/* What was read before the damage is kept; the file is rewritten whole. */
		f->dirty = true;
	}
	free(buf);
	close(fd);
}

struct iod_error *dw_found_open(const char *dir, const struct dw_key *key,
				const struct dw_index *ix, dw_note_fn note, void *ctx,
				struct dw_found **ret)
{
	struct dw_found *f = calloc(1, sizeof(*f));

	if (!f)
		return &iod_error_nomem;
	f->index_checksum = dw_index_checksum(ix);
	f->nentries = (uint32_t)dw_index_nentries(ix);
	f->note = note;
	f->ctx = ctx;
	if (dir) {
		f->dir = strdup(dir);
		f->file = cache_file_ext(dir, key, "found");
		if (!f->dir || !f->file) {
			dw_found_close(f);
			return &iod_error_nomem;
		}
		found_read(f);
	}
	*ret = f;
	return NULL;
}

const uint32_t *dw_found_get(const struct dw_found *f, const char *name, size_t *n)
{
	if (!f || !f->slots)
		return NULL;
	for (size_t i = name_hash(name) & f->mask; f->slots[i]; i = (i + 1) & f->mask) {
		const struct found_rec *r = &f->recs[f->slots[i] - 1];

		if (!strcmp(r->name, name)) {
			*n = r->n;
			return r->reps;
		}
	}
	return NULL;
}

struct iod_error *dw_found_put(struct dw_found *f, const char *name, const uint32_t *reps,
			       size_t n)
{
	char *copy;
	uint32_t *rcopy;

	if (!f || n > UINT32_MAX)
		return NULL;
	copy = strdup(name);
	rcopy = malloc((n ? n : 1) * sizeof(*rcopy));
	if (!copy || !rcopy || !found_add(f, copy, rcopy, (uint32_t)n)) {
		free(copy);
		free(rcopy);
		return &iod_error_nomem;
	}
	memcpy(rcopy, reps, n * sizeof(*rcopy));
	f->dirty = true;
	return NULL;
}

static void found_write(struct dw_found *f)
{
	struct found_header h;
	size_t size = sizeof(h), off;
	unsigned char *buf;

	for (size_t r = 0; r < f->nrecs; r++)
		size += 8 + ((strlen(f->recs[r].name) + 4) & ~(size_t)3) + 4 * (size_t)f->recs[r].n;
	buf = calloc(1, size);
	if (!buf)
		return;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, FOUND_MAGIC, 8);
	h.version = FOUND_VERSION;
	h.nrecords = (uint32_t)f->nrecs;
	h.total_size = size;
	h.index_checksum = f->index_checksum;
	off = sizeof(h);
	for (size_t r = 0; r < f->nrecs; r++) {
		uint32_t len = (uint32_t)strlen(f->recs[r].name);

		memcpy(buf + off, &len, 4);
		memcpy(buf + off + 4, &f->recs[r].n, 4);
		off += 8;
		memcpy(buf + off, f->recs[r].name, len);
		off += (len + 4) & ~(size_t)3;
		memcpy(buf + off, f->recs[r].reps, 4 * (size_t)f->recs[r].n);
		off += 4 * (size_t)f->recs[r].n;
	}
	memcpy(buf, &h, sizeof(h));
	h.checksum = dw_checksum(buf, size);
	memcpy(buf, &h, sizeof(h));
	write_atomic(f->dir, f->file, buf, size, f->note, f->ctx);
	free(buf);
}

void dw_found_close(struct dw_found *f)
{
	if (!f)
		return;
	if (f->dirty && f->file && f->nrecs)
		found_write(f);
	for (size_t r = 0; r < f->nrecs; r++) {
		free(f->recs[r].name);
		free(f->recs[r].reps);
	}
	free(f->recs);
	free(f->slots);
	free(f->dir);
	free(f->file);
	free(f);
}
