/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The system calls the backends and targets make, behind one table, so that
 * tests can inject the errnos a test machine cannot produce (EPERM under
 * lockdown, EINVAL from IO_STRICT_DEVMEM) and record the order of calls.
 */
#ifndef IODBG_OS_H
#define IODBG_OS_H

#include <sys/stat.h>
#include <sys/types.h>

struct iod_os {
	int (*open)(const char *path, int flags, mode_t mode);
	int (*close)(int fd);
	int (*fstat)(int fd, struct stat *st);
	void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd, off_t off);
	int (*munmap)(void *addr, size_t len);
	int (*ioctl)(int fd, unsigned long req, void *arg);
	ssize_t (*pread)(int fd, void *buf, size_t len, off_t off);
	ssize_t (*pwrite)(int fd, const void *buf, size_t len, off_t off);
};

/* The real system calls. */
extern const struct iod_os iod_os_default;

#endif
