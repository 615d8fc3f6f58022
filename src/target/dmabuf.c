/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dmabuf:PATH and udmabuf:NAME: buffers shared with a device, attached over
 * the coherent backend, which brackets every access with the kernel's sync.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "internal.h"

static void warn(const struct iod_attach *opts, const char *fmt, const char *a, const char *b)
{
	char msg[4200];

	if (!opts->warn)
		return;
	snprintf(msg, sizeof(msg), fmt, a, b);
	opts->warn(opts->ctx, msg);
}

static struct iod_error *one_region(struct iod_region *r, struct iod_attached *ret)
{
	struct iod_region **regions = malloc(sizeof(*regions));

	if (!regions) {
		iod_region_free(r);
		return &iod_error_nomem;
	}
	regions[0] = r;
	memset(ret, 0, sizeof(*ret));
	ret->regions = regions;
	ret->nregions = 1;
	return NULL;
}

/*
 * A dma-buf held by a process is named by /proc/PID/fd/N, but an open() of
 * that link is refused (ENXIO): a dma-buf's inode cannot be opened again. The
 * same file is had with pidfd_getfd(), which needs the right to ptrace PID.
 * Returns -1 with errno set; errno stays ENXIO for other paths.
 */
static int grab_proc_fd(const char *path)
{
	unsigned long pid, n;
	char tail;
	int pidfd, fd, e;

	if (sscanf(path, "/proc/self/fd/%lu%c", &n, &tail) == 1)
		pid = (unsigned long)getpid();
	else if (sscanf(path, "/proc/%lu/fd/%lu%c", &pid, &n, &tail) != 2) {
		errno = ENXIO;
		return -1;
	}
	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pidfd < 0)
		return -1;
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)n, 0);
	e = errno;
	close(pidfd);
	errno = e;
	return fd;
}

/* The lines "size:" and "exp_name:" of a dma-buf's fdinfo. */
struct fdinfo {
	bool dmabuf;
	char exp_name[64];
	uint64_t size;
};

static void parse_fdinfo(char *text, struct fdinfo *ret)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "exp_name:", 9)) {
			ret->dmabuf = true;
			snprintf(ret->exp_name, sizeof(ret->exp_name), "%s",
				 line + 9 + strspn(line + 9, " \t"));
		} else if (!strncmp(line, "size:", 5)) {
			ret->size = strtoull(line + 5, NULL, 10);
		}
	}
}

static const char *file_kind(mode_t mode)
{
	if (S_ISREG(mode))
		return "a regular file or memfd (attach it with file:)";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "some other kind of file";
}

/*
 * Is fd a dma-buf? The kernel's fdinfo of a dma-buf names its exporter
 * ("exp_name:"), and nothing else has that line. This is asked before any
 * ioctl is sent: DMA_BUF_IOCTL_SYNC's number could mean something else to
 * whatever driver is behind a device file. Once fdinfo says dma-buf, an
 * empty START|READ / END|READ bracket shows that the sync works, so that a
 * buffer that refuses it fails here and not on the first access.
 */
static struct iod_error *check_dmabuf(const struct iod_os *os, const char *path, int fd,
				      struct fdinfo *info)
{
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	char fdinfo_path[64], text[4096];
	struct stat st;

	snprintf(fdinfo_path, sizeof(fdinfo_path), "/proc/self/fdinfo/%d", fd);
	if (iod_read_text(os, fdinfo_path, text, sizeof(text)) < 0)
		return iod_error_os(errno, "dmabuf:%s: cannot tell whether it is a dma-buf: %s",
				    path, fdinfo_path);
	memset(info, 0, sizeof(*info));
	parse_fdinfo(text, info);
	if (!info->dmabuf) {
		if (os->fstat(fd, &st) < 0)
			return iod_error_os(errno, "dmabuf:%s: fstat", path);
		return iod_error_new(IOD_ERR_TYPE, "dmabuf:%s: not a dma-buf: it is %s; its fdinfo"
				     " names no dma-buf exporter", path, file_kind(st.st_mode));
	}
	if (info->size == 0) {
		if (os->fstat(fd, &st) < 0)
			return iod_error_os(errno, "dmabuf:%s: fstat", path);
		info->size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	}
	if (info->size == 0)
		return iod_error_new(IOD_ERR_BOUNDS, "dmabuf:%s: the dma-buf is empty (0 bytes)",
				     path);
	if (os->ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) < 0)
		return iod_error_os(errno, "dmabuf:%s: DMA_BUF_IOCTL_SYNC START|READ", path);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	if (os->ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) < 0)
		return iod_error_os(errno, "dmabuf:%s: DMA_BUF_IOCTL_SYNC END|READ", path);
	return NULL;
}

static struct iod_error *open_dmabuf(const struct iod_attach *opts, const struct iod_os *os,
				     const char *path, bool *writable, int *ret)
{
	int fd = os->open(path, (*writable ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_CLOEXEC, 0);
	int flags;

	if (fd < 0 && *writable && (errno == EACCES || errno == EPERM || errno == EROFS)) {
		warn(opts, "dmabuf:%s: %s: attached read-only", path, strerror(errno));
		*writable = false;
		fd = os->open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
	}
	if (fd >= 0) {
		/* non-blocking only so that a FIFO could not hang the open */
		flags = fcntl(fd, F_GETFL);
		if (flags >= 0)
			fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
		*ret = fd;
		return NULL;
	}
	if (errno != ENXIO)
		return iod_error_os(errno, "dmabuf:%s", path);
	fd = grab_proc_fd(path);
	if (fd < 0)
		return iod_error_os(errno, "dmabuf:%s", path);
	/* The file is shared with its owner: its flags are left alone, and it
	   was opened for whatever its owner needed. */
	flags = fcntl(fd, F_GETFL);
	if (*writable && flags >= 0 && (flags & O_ACCMODE) == O_RDONLY) {
		warn(opts, "dmabuf:%s: %s: attached read-only", path,
		     "its owner opened it read-only");
		*writable = false;
	}
	*ret = fd;
	return NULL;
}

struct iod_error *iod_attach_dmabuf(const struct iod_target *t, const char *name,
				    const struct iod_attach *opts, struct iod_attached *ret)
{
	const struct iod_os *os = opts->os ? opts->os : &iod_os_default;
	bool writable = opts->writable;
	struct iod_region *r = NULL;
	struct iod_error *err;
	struct fdinfo info;
	char source[4200];
	int fd = -1;

	err = open_dmabuf(opts, os, t->path, &writable, &fd);
	if (err)
		return err;
	err = check_dmabuf(os, t->path, fd, &info);
	if (err) {
		os->close(fd);
		return err;
	}
	snprintf(source, sizeof(source), "%s (dma-buf of %s)", t->path, info.exp_name);
	err = iod_region_dmabuf_fd(name, os, fd, info.size, writable, source, &r);
	if (err && err->kind == IOD_ERR_OS) {
		int e = err->errnum;

		iod_error_free(err);
		/* dma_buf_mmap refuses with EINVAL when the exporter has no mmap */
		return iod_errno_error(e, "dmabuf:%s: mmap: %s%s%s%s", t->path, strerror(e),
				       e == EINVAL ? " (" : "", e == EINVAL ? info.exp_name : "",
				       e == EINVAL ? " may not let its buffers be mapped)" : "");
	}
	if (err)
		return iod_error_prefix(err, "dmabuf:%s", t->path);
	return one_region(r, ret);
}

/*
 * One of u-dma-buf's numeric attributes, as the driver prints them (size in
 * decimal, phys_addr in hex with 0x: strtoull's base 0 takes both). A missing
 * attribute is not an error: *found says whether there was one.
 */
static struct iod_error *read_attr(const struct iod_os *os, const char *name, const char *dir,
				   const char *attr, bool *found, uint64_t *ret)
{
	char path[4096], text[128], *end;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	*found = false;
	if (iod_read_text(os, path, text, sizeof(text)) < 0) {
		if (errno == ENOENT)
			return NULL;
		return iod_error_os(errno, "udmabuf:%s: %s", name, path);
	}
	errno = 0;
	*ret = strtoull(text, &end, 0);
	if (errno || end == text || (*end && *end != '\n'))
		return iod_error_new(IOD_ERR_SYNTAX, "udmabuf:%s: %s: not a number: '%.40s'",
				     name, path, text);
	*found = true;
	return NULL;
}

/*
 * The class directory: u-dma-buf's, else the one of its predecessor udmabuf
 * (not the kernel's /dev/udmabuf, which has none).
 */
static struct iod_error *find_class_dir(const struct iod_attach *opts, const struct iod_os *os,
					const char *name, char *dir, size_t size, uint64_t *bytes)
{
	static const char *const classes[] = { "u-dma-buf", "udmabuf" };
	char tried[2][4096];
	struct iod_error *err;
	bool found;

	for (int i = 0; i < 2; i++) {
		snprintf(tried[i], sizeof(tried[i]), "%s/class/%s/%s", iod_sysfs_root(opts),
			 classes[i], name);
		err = read_attr(os, name, tried[i], "size", &found, bytes);
		if (err)
			return err;
		if (found && snprintf(dir, size, "%s", tried[i]) < (int)size)
			return NULL;
	}
	return iod_error_new(IOD_ERR_LOOKUP, "udmabuf:%s: no u-dma-buf device '%s': neither %s"
			     " nor %s exists (is the u-dma-buf module loaded?)", name, name,
			     tried[0], tried[1]);
}

struct iod_error *iod_attach_udmabuf(const struct iod_target *t, const char *name,
				     const struct iod_attach *opts, struct iod_attached *ret)
{
	const struct iod_os *os = opts->os ? opts->os : &iod_os_default;
	const char *dev = t->path;
	bool writable = opts->writable, has_phys, has_coherent, has_mode;
	uint64_t size = 0, phys = 0, coherent = 0, mode = 0;
	char dir[4096], path[4096], source[4200];
	struct iod_region *r = NULL;
	struct iod_error *err;
	bool sync;
	int fd;

	if (!*dev || strchr(dev, '/') || !strcmp(dev, ".") || !strcmp(dev, ".."))
		return iod_error_new(IOD_ERR_SYNTAX, "udmabuf:%s: expected the name of a u-dma-buf"
				     " device (udmabuf:udmabuf0), not a path", dev);
	err = find_class_dir(opts, os, dev, dir, sizeof(dir), &size);
	if (!err)
		err = read_attr(os, dev, dir, "phys_addr", &has_phys, &phys);
	if (!err)
		err = read_attr(os, dev, dir, "dma_coherent", &has_coherent, &coherent);
	if (!err)
		err = read_attr(os, dev, dir, "sync_mode", &has_mode, &mode);
	if (err)
		return err;
	if (size == 0)
		return iod_error_new(IOD_ERR_BOUNDS, "udmabuf:%s: the buffer is empty (%s/size is 0)",
				     dev, dir);
	/*
	 * The device is opened without O_SYNC, so the mapping is cached unless
	 * sync_mode has its "always" bit (4) with an uncached, write-combining or
	 * coherent mode (1-3): 5, 6, 7. Opening with O_SYNC would give this
	 * process an uncached view of pages the driver's user maps cached, a
	 * mismatch some CPUs do not tolerate. A cached view needs the manual
	 * sync unless the hardware is coherent (dma_coherent 1); a driver
	 * without that attribute is assumed not to be.
	 */
	sync = !(has_coherent && coherent == 1) && !(has_mode && (mode & 4) && (mode & 3));

	snprintf(path, sizeof(path), "%s/%s", iod_devdir(), dev);
	fd = os->open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
	if (fd < 0 && writable && (errno == EACCES || errno == EPERM || errno == EROFS)) {
		warn(opts, "udmabuf:%s: %s: attached read-only", dev, strerror(errno));
		writable = false;
		fd = os->open(path, O_RDONLY | O_CLOEXEC, 0);
	}
	if (fd < 0)
		return iod_error_os(errno, "udmabuf:%s: %s", dev, path);
	if (has_phys)
		snprintf(source, sizeof(source), "%s (phys 0x%" PRIx64 ", %s)", path, phys,
			 sync ? "synced" : "coherent");
	else
		snprintf(source, sizeof(source), "%s (%s)", path, sync ? "synced" : "coherent");
	err = iod_region_udmabuf_fd(name, os, fd, size, sync ? dir : NULL, writable, source, &r);
	if (err && err->kind == IOD_ERR_OS) {
		int e = err->errnum;

		iod_error_free(err);
		return iod_errno_error(e, "udmabuf:%s: mmap of %s: %s", dev, path, strerror(e));
	}
	if (err)
		return iod_error_prefix(err, "udmabuf:%s", dev);
	return one_region(r, ret);
}
