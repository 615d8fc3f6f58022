/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Error objects: every fallible libiodbg call returns one (NULL = success). */
#ifndef IODBG_ERROR_H
#define IODBG_ERROR_H

#include <stdarg.h>

enum iod_error_kind {
	IOD_ERR_OS,          /* a system call failed; errnum is set */
	IOD_ERR_FAULT,       /* SIGBUS/SIGSEGV during an access */
	IOD_ERR_BOUNDS,      /* outside a region, array or slice */
	IOD_ERR_WIDTH,       /* the backend cannot do that access width */
	IOD_ERR_ALIGN,       /* the backend requires natural alignment */
	IOD_ERR_READONLY,    /* the write gate refused */
	IOD_ERR_TYPE,        /* wrong kind of type for the operation */
	IOD_ERR_LOOKUP,      /* unknown or ambiguous name */
	IOD_ERR_SYNTAX,      /* malformed input */
	IOD_ERR_VALUE,       /* a value that does not fit */
	IOD_ERR_INTERRUPTED, /* stopped by the user (Ctrl-C) */
	IOD_ERR_NOMEM,
};

struct iod_error {
	enum iod_error_kind kind;
	int errnum;          /* errno for IOD_ERR_OS, else 0 */
	char *message;       /* names the thing that went wrong */
};

/* Never returns NULL: an allocation failure yields a static out-of-memory error. */
struct iod_error *iod_error_new(enum iod_error_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
struct iod_error *iod_error_newv(enum iod_error_kind kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* IOD_ERR_OS with errnum; the message ends in ": strerror(errnum)". */
struct iod_error *iod_error_os(int errnum, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prepends "PREFIX: " to err's message and returns err (NULL stays NULL). */
struct iod_error *iod_error_prefix(struct iod_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void iod_error_free(struct iod_error *err);

extern struct iod_error iod_error_nomem;

#endif
