/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A DIE -> value table: open addressing over the DIE's section offset (refmap.h). */
#include <stdlib.h>

#include "refmap.h"

/* Offsets share their low bits: every bit of the key must reach the low bits of the hash. */
static size_t slot_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= UINT64_C(0xff51afd7ed558ccd);
	k ^= k >> 33;
	k *= UINT64_C(0xc4ceb9fe1a85ec53);
	return (size_t)(k ^ (k >> 33));
}

struct dw_refslot *dw_refmap_get(const struct dw_refmap *m, struct dw_ref ref)
{
	uint64_t k = dw_ref_key(ref);

	if (!m->v)
		return NULL;
	for (size_t i = slot_hash(k) & m->mask;; i = (i + 1) & m->mask) {
		if (!m->v[i].key)
			return NULL;
		if (m->v[i].key == k)
			return &m->v[i];
	}
}

/* Doubles the table (from 64 slots), keeping it at most three quarters full. */
static bool grow(struct dw_refmap *m)
{
	size_t ncap = m->v ? (m->mask + 1) * 2 : 64, i;
	struct dw_refslot *v = calloc(ncap, sizeof(*v));

	if (!v)
		return false;
	for (size_t j = 0; m->v && j <= m->mask; j++) {
		if (!m->v[j].key)
			continue;
		for (i = slot_hash(m->v[j].key) & (ncap - 1); v[i].key; i = (i + 1) & (ncap - 1))
			;
		v[i] = m->v[j];
	}
	free(m->v);
	m->v = v;
	m->mask = ncap - 1;
	return true;
}

struct dw_refslot *dw_refmap_put(struct dw_refmap *m, struct dw_ref ref)
{
	uint64_t k = dw_ref_key(ref);
	struct dw_refslot *s = dw_refmap_get(m, ref);
	size_t i;

	if (s)
		return s;
	if ((!m->v || (m->n + 1) * 4 > (m->mask + 1) * 3) && !grow(m))
		return NULL;
	for (i = slot_hash(k) & m->mask; m->v[i].key; i = (i + 1) & m->mask)
		;
	m->v[i].key = k;
	m->n++;
	return &m->v[i];
}

void dw_refmap_release(struct dw_refmap *m, bool free_vals)
{
	if (free_vals && m->v)
		for (size_t i = 0; i <= m->mask; i++)
			if (m->v[i].key)
				free(m->v[i].val);
	free(m->v);
	m->v = NULL;
	m->mask = m->n = 0;
}
