/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Regions: named, bounded, untyped windows served by one backend. */
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "iodbg/io.h"

struct iod_error *iod_region_new(const char *name, const struct iod_backend_ops *ops,
				 void *ctx, uint64_t size, bool writable, const char *source,
				 struct iod_region **ret)
{
	struct iod_region *r = calloc(1, sizeof(*r));

	if (!r || !(r->name = strdup(name)) || !(r->source = strdup(source ? source : ""))) {
		if (r) {
			free(r->name);
			free(r);
		}
		if (ops->close)
			ops->close(ctx);
		return &iod_error_nomem;
	}
	r->ops = ops;
	r->ctx = ctx;
	r->size = size;
	r->widths = ops->widths;
	r->aligned_only = ops->aligned_only;
	r->writable = writable;
	r->read_only_backing = !writable;
	iod_fault_install();
	*ret = r;
	return NULL;
}

void iod_region_free(struct iod_region *r)
{
	if (!r)
		return;
	if (r->ops->close)
		r->ops->close(r->ctx);
	free(r->name);
	free(r->source);
	free(r);
}

struct iod_error *iod_region_rename(struct iod_region *r, const char *name)
{
	char *copy = strdup(name);

	if (!copy)
		return &iod_error_nomem;
	free(r->name);
	r->name = copy;
	return NULL;
}
