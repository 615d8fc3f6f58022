/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The real system calls behind struct iod_os (tests substitute their own). */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iodbg/os.h"

static int os_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

static int os_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

const struct iod_os iod_os_default = {
	.open = os_open,
	.close = close,
	.fstat = fstat,
	.mmap = mmap,
	.munmap = munmap,
	.ioctl = os_ioctl,
	.pread = pread,
	.pwrite = pwrite,
};
