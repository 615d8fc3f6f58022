/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Error objects: a kind, an errno where one applies, and a message naming the thing. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iodbg/error.h"

struct iod_error iod_error_nomem = {
	.kind = IOD_ERR_NOMEM,
	.errnum = ENOMEM,
	.message = (char *)"out of memory",
};

struct iod_error *iod_error_newv(enum iod_error_kind kind, const char *fmt, va_list ap)
{
	struct iod_error *err = malloc(sizeof(*err));

	if (!err)
		return &iod_error_nomem;
	err->kind = kind;
	err->errnum = 0;
	if (vasprintf(&err->message, fmt, ap) < 0) {
		free(err);
		return &iod_error_nomem;
	}
	return err;
}

struct iod_error *iod_error_new(enum iod_error_kind kind, const char *fmt, ...)
{
	struct iod_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = iod_error_newv(kind, fmt, ap);
	va_end(ap);
	return err;
}

struct iod_error *iod_error_os(int errnum, const char *fmt, ...)
{
	struct iod_error *err;
	char *text;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return &iod_error_nomem;
	err = iod_error_new(IOD_ERR_OS, "%s: %s", text, strerror(errnum));
	free(text);
	if (err != &iod_error_nomem)
		err->errnum = errnum;
	return err;
}

struct iod_error *iod_error_prefix(struct iod_error *err, const char *fmt, ...)
{
	char *prefix, *joined;
	va_list ap;
	int n;

	if (!err || err == &iod_error_nomem)
		return err;
	va_start(ap, fmt);
	n = vasprintf(&prefix, fmt, ap);
	va_end(ap);
	if (n < 0)
		return err;
	if (asprintf(&joined, "%s: %s", prefix, err->message) >= 0) {
		free(err->message);
		err->message = joined;
	}
	free(prefix);
	return err;
}

void iod_error_free(struct iod_error *err)
{
	if (!err || err == &iod_error_nomem)
		return;
	free(err->message);
	free(err);
}
