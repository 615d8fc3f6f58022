/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A growable string: what the formatters write into and the REPL prints. */
#ifndef IODBG_STRBUF_H
#define IODBG_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

#include "iodbg/error.h"

struct iod_strbuf {
	char *data;      /* NUL-terminated once anything was added; NULL before */
	size_t len;
	size_t cap;
	bool failed;     /* an allocation failed: the content is incomplete */
};

/* Appends; on allocation failure sets failed and keeps what it had. */
void iod_strbuf_add(struct iod_strbuf *sb, const char *s, size_t len);
void iod_strbuf_puts(struct iod_strbuf *sb, const char *s);
void iod_strbuf_putc(struct iod_strbuf *sb, char c);
void iod_strbuf_printf(struct iod_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void iod_strbuf_reset(struct iod_strbuf *sb);      /* empty, keeps the memory */
void iod_strbuf_release(struct iod_strbuf *sb);    /* frees */
/* NULL when nothing failed, else the out-of-memory error. */
struct iod_error *iod_strbuf_error(const struct iod_strbuf *sb);
/* The content ("" when empty). */
const char *iod_strbuf_str(const struct iod_strbuf *sb);

#endif
