/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An OS table for the target tests: it logs opens, writes, ioctls and mmaps
 * as text lines in the order they happen, fails chosen calls with chosen
 * errnos, and can redirect opens of one path to another file.
 */
#ifndef IODBG_TEST_OS_RECORDER_H
#define IODBG_TEST_OS_RECORDER_H

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "iodbg/os.h"

#define REC_LINES 256
#define REC_FDS 1024

struct os_rec {
	char lines[REC_LINES][160];
	size_t n;
	char *fd_path[REC_FDS];      /* what each fd recorded here was opened as */
	/* Injection: a call on a path whose last component is `*_name` fails
	   with `*_errno` (0: never). */
	const char *open_fail_name;
	int open_errno;
	bool open_fail_rdwr_only;    /* fail only opens for writing */
	const char *open_fail_path;  /* the same, matching the whole path */
	const char *pwrite_fail_name;
	int pwrite_errno;
	int mmap_errno;
	int ioctl_errno;
	uint64_t ioctl_fail_flags;   /* the sync flags that fail; 0: any */
	/* Opens of paths starting with redirect_from are served by redirect_to. */
	const char *redirect_from, *redirect_to;
	/* Called after a logged pwrite (attr = last path component) and after a
	   DMA_BUF_IOCTL_SYNC (attr = NULL, flags set): simulates the device. */
	void (*hook)(const char *attr, uint64_t flags, void *ctx);
	void *hook_ctx;
	/* Last mmap. */
	off_t mmap_off;
	size_t mmap_len;
	int last_open_flags;
};

static struct os_rec rec;

static inline const char *rec_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static inline void rec_line(const char *fmt, const char *a, const char *b)
{
	if (rec.n < REC_LINES && snprintf(rec.lines[rec.n], sizeof(rec.lines[0]), fmt, a, b) < 0)
		rec.lines[rec.n][0] = 0;
	rec.n++;
}

static inline int rec_open(const char *path, int flags, mode_t mode)
{
	const char *real = path;
	int fd;

	if (rec.redirect_from && !strncmp(path, rec.redirect_from, strlen(rec.redirect_from)))
		real = rec.redirect_to;
	if (((rec.open_fail_name && !strcmp(rec_base(path), rec.open_fail_name)) ||
	     (rec.open_fail_path && !strcmp(path, rec.open_fail_path))) &&
	    (!rec.open_fail_rdwr_only || (flags & O_ACCMODE) != O_RDONLY)) {
		rec_line("open %s: fails%s", rec_base(path), "");
		errno = rec.open_errno;
		return -1;
	}
	rec.last_open_flags = flags;
	fd = open(real, flags, mode);
	if (fd >= 0 && fd < REC_FDS) {
		free(rec.fd_path[fd]);
		rec.fd_path[fd] = strdup(path);
	}
	/* a redirected open is logged under the name of the file that serves it */
	rec_line("open %s%s", rec_base(real), fd < 0 ? ": fails" : "");
	return fd;
}

static inline int rec_close(int fd)
{
	if (fd >= 0 && fd < REC_FDS) {
		free(rec.fd_path[fd]);
		rec.fd_path[fd] = NULL;
	}
	return close(fd);
}

static inline const char *rec_fd_name(int fd)
{
	return fd >= 0 && fd < REC_FDS && rec.fd_path[fd] ? rec_base(rec.fd_path[fd]) : "?";
}

static inline ssize_t rec_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	const char *name = rec_fd_name(fd);
	const char *nl = memchr(buf, '\n', len);
	char text[64];
	ssize_t n;

	snprintf(text, sizeof(text), "%.*s", (int)(nl ? (size_t)(nl - (const char *)buf) : len),
		 (const char *)buf);
	if (rec.pwrite_fail_name && !strcmp(name, rec.pwrite_fail_name)) {
		rec_line("write %s %s: fails", name, text);
		errno = rec.pwrite_errno;
		return -1;
	}
	n = pwrite(fd, buf, len, off);
	rec_line("write %s %s", name, text);
	if (rec.hook)
		rec.hook(name, 0, rec.hook_ctx);
	return n;
}

static inline const char *rec_sync_name(uint64_t flags)
{
	static const char *const names[] = { "START|0", "START|READ", "START|WRITE", "START|RW",
					     "END|0", "END|READ", "END|WRITE", "END|RW" };

	return flags < 8 ? names[flags] : "bad flags";
}

static inline int rec_ioctl(int fd, unsigned long req, void *arg)
{
	uint64_t flags = ((struct dma_buf_sync *)arg)->flags;

	(void)fd;
	if (req != DMA_BUF_IOCTL_SYNC) {
		rec_line("ioctl %s%s", "unknown", "");
		errno = ENOTTY;
		return -1;
	}
	if (rec.ioctl_errno && (!rec.ioctl_fail_flags || rec.ioctl_fail_flags == flags)) {
		rec_line("sync %s: fails%s", rec_sync_name(flags), "");
		errno = rec.ioctl_errno;
		return -1;
	}
	rec_line("sync %s%s", rec_sync_name(flags), "");
	if (rec.hook)
		rec.hook(NULL, flags, rec.hook_ctx);
	return 0;
}

static inline void *rec_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	char text[64];

	rec.mmap_off = off;
	rec.mmap_len = len;
	snprintf(text, sizeof(text), "0x%llx", (unsigned long long)off);
	if (rec.mmap_errno) {
		rec_line("mmap %s at %s: fails", rec_fd_name(fd), text);
		errno = rec.mmap_errno;
		return MAP_FAILED;
	}
	rec_line("mmap %s at %s", rec_fd_name(fd), text);
	return mmap(addr, len, prot, flags, fd, off);
}

/* A fresh recorder and the table that logs into it. */
static inline struct iod_os rec_os(void)
{
	struct iod_os os = iod_os_default;

	for (int i = 0; i < REC_FDS; i++)
		free(rec.fd_path[i]);
	memset(&rec, 0, sizeof(rec));
	os.open = rec_open;
	os.close = rec_close;
	os.pwrite = rec_pwrite;
	os.ioctl = rec_ioctl;
	os.mmap = rec_mmap;
	return os;
}

static inline void rec_clear(void)
{
	rec.n = 0;
}

static inline void rec_release(void)
{
	for (int i = 0; i < REC_FDS; i++) {
		free(rec.fd_path[i]);
		rec.fd_path[i] = NULL;
	}
}

/* Asserts that the log since the last rec_clear() is exactly the lines given. */
#define assert_log(...)                                                        \
	do {                                                                   \
		const char *want_[] = { __VA_ARGS__ };                         \
		size_t nw_ = sizeof(want_) / sizeof(want_[0]);                 \
		for (size_t i_ = 0; i_ < rec.n || i_ < nw_; i_++) {            \
			const char *got_ = i_ < rec.n ? rec.lines[i_] : "(end)";   \
			const char *w_ = i_ < nw_ ? want_[i_] : "(end)";        \
			if (strcmp(got_, w_))                                  \
				fail_msg("log line %zu: got '%s', want '%s'",  \
					 i_, got_, w_);                        \
		}                                                              \
	} while (0)

/* Files of the fake trees. */
static inline void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static inline char *get_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* mkdir -p */
static inline void make_dirs(const char *path)
{
	char buf[8192];

	assert_true(snprintf(buf, sizeof(buf), "%s", path) < (int)sizeof(buf));
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		mkdir(buf, 0755);
		*p = '/';
	}
	mkdir(buf, 0755);
}

/* A fresh directory under $TMPDIR. */
static inline char *temp_dir(char *buf, size_t size, const char *stem)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(buf, size, "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", stem);
	assert_non_null(mkdtemp(buf));
	return buf;
}

#endif
