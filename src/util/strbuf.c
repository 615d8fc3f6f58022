/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A growable string buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iodbg/strbuf.h"

static bool reserve(struct iod_strbuf *sb, size_t more)
{
	size_t need, cap;
	char *p;

	if (sb->failed)
		return false;
	if (more >= (size_t)-1 - sb->len - 1) {
		sb->failed = true;
		return false;
	}
	need = sb->len + more + 1;
	if (need <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	p = realloc(sb->data, cap);
	if (!p) {
		sb->failed = true;
		return false;
	}
	sb->data = p;
	sb->cap = cap;
	return true;
}

void iod_strbuf_add(struct iod_strbuf *sb, const char *s, size_t len)
{
	if (!reserve(sb, len))
		return;
	memcpy(sb->data + sb->len, s, len);
	sb->len += len;
	sb->data[sb->len] = 0;
}

void iod_strbuf_puts(struct iod_strbuf *sb, const char *s)
{
	iod_strbuf_add(sb, s, strlen(s));
}

void iod_strbuf_putc(struct iod_strbuf *sb, char c)
{
	iod_strbuf_add(sb, &c, 1);
}

void iod_strbuf_printf(struct iod_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void iod_strbuf_reset(struct iod_strbuf *sb)
{
	sb->len = 0;
	sb->failed = false;
	if (sb->data)
		sb->data[0] = 0;
}

void iod_strbuf_release(struct iod_strbuf *sb)
{
	free(sb->data);
	memset(sb, 0, sizeof(*sb));
}

struct iod_error *iod_strbuf_error(const struct iod_strbuf *sb)
{
	return sb->failed ? &iod_error_nomem : NULL;
}

const char *iod_strbuf_str(const struct iod_strbuf *sb)
{
	return sb->data ? sb->data : "";
}
