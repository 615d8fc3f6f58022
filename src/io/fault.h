/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fault guard: SIGBUS/SIGSEGV during an access becomes an error, not a death. */
#ifndef IODBG_IO_FAULT_H
#define IODBG_IO_FAULT_H

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>

struct iod_fault {
	sigjmp_buf env;
	int signo;
	int code;
	uintptr_t addr;
};

/*
 * Usage, in the frame that makes the access:
 *     struct iod_fault *f = iod_fault_arm();
 *     if (sigsetjmp(f->env, 0)) { iod_fault_disarm(); ...f->signo... }
 *     access;
 *     iod_fault_disarm();
 * The handler runs with SA_NODEFER, so sigsetjmp need not save the signal
 * mask (which would cost a system call per access).
 */
/* Puts the guard's handlers in place (again, if a host program replaced
   them). Called whenever a region is created, so arming stays free of
   system calls. */
void iod_fault_install(void);
struct iod_fault *iod_fault_arm(void);
void iod_fault_disarm(void);
const char *iod_fault_describe(const struct iod_fault *f);

#endif
