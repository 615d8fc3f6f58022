/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fault guard: a thread-local jump buffer armed around each access. */
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "fault.h"

/* The one sanctioned piece of global state: per-thread guard, and the
   handlers we replaced so that a fault outside a guarded access still
   reaches whoever handled it before (the default action, or ASan). */
static __thread struct iod_fault guard;
static __thread volatile sig_atomic_t armed;
static struct sigaction previous[2];
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;

static int slot(int signo)
{
	return signo == SIGBUS ? 0 : 1;
}

static void handler(int signo, siginfo_t *info, void *uctx)
{
	(void)uctx;
	if (!armed) {
		/* Not ours: put the previous disposition back and return; the
		   faulting instruction runs again and meets it. */
		sigaction(signo, &previous[slot(signo)], NULL);
		return;
	}
	armed = 0;
	guard.signo = signo;
	guard.code = info->si_code;
	guard.addr = (uintptr_t)info->si_addr;
	siglongjmp(guard.env, 1);
}

void iod_fault_install(void)
{
	static const int signals[] = { SIGBUS, SIGSEGV };
	struct sigaction sa, cur;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	pthread_mutex_lock(&install_lock);
	for (int i = 0; i < 2; i++) {
		/* Keep the handler we found as the one to fall back to, unless it
		   is ours already (falling back to ourselves would loop). */
		if (sigaction(signals[i], NULL, &cur) == 0 &&
		    (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == handler)
			continue;
		sigaction(signals[i], &sa, &previous[slot(signals[i])]);
	}
	pthread_mutex_unlock(&install_lock);
}

struct iod_fault *iod_fault_arm(void)
{
	guard.signo = 0;
	armed = 1;
	return &guard;
}

void iod_fault_disarm(void)
{
	armed = 0;
}

const char *iod_fault_describe(const struct iod_fault *f)
{
	if (f->signo == SIGBUS) {
		switch (f->code) {
		case BUS_ADRERR: return "SIGBUS (no backing storage at that address)";
		case BUS_ADRALN: return "SIGBUS (misaligned address)";
		case BUS_OBJERR: return "SIGBUS (hardware error)";
		default: return "SIGBUS";
		}
	}
	if (f->code == SEGV_ACCERR)
		return "SIGSEGV (mapping does not permit this access)";
	return "SIGSEGV (address not mapped)";
}
