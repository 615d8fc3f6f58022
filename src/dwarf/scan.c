/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building the name index: relocate, then scan the units with the fast reader, on every core. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"
#include "reader.h"
#include "scan.h"

/* Below this much DWARF a second thread costs more than it saves. */
#define PARALLEL_BYTES (64u << 10)
#define PARALLEL_RELOCS 4096
#define MAX_THREADS 4
#define RELEASE_STEP (32u << 20)

static const char *const needed[] = {
	".debug_info", ".debug_types", ".debug_abbrev", ".debug_str", ".debug_line_str",
	".debug_str_offsets",
};

struct iod_error *dw_scan_prepare_sections(struct dw_image *img)
{
	size_t ntypes = 0;

	/*
	 * gcc -fdebug-types-section puts each type unit of an object file in a
	 * COMDAT group of its own; only the link merges them into one section.
	 */
	for (size_t i = 1; i < img->n; i++)
		ntypes += !strcmp(img->s[i].name, ".debug_types");
	if (ntypes > 1)
		return iod_error_new(IOD_ERR_TYPE,
				     "%s: type units in %zu sections of an object file (built with "
				     "-fdebug-types-section): load the linked program or module instead",
				     img->path, ntypes);
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		int idx = dw_image_find(img, needed[i]);
		struct iod_error *err;

		if (idx < 0)
			continue;
		err = dw_image_load(img, (size_t)idx);
		if (err)
			return err;
		/* Only .debug_info is relocated piecewise; the others are small or rare. */
		if (i >= 1 && !dw_image_is_relocated(img, (size_t)idx)) {
			err = dw_image_relocate_range(img, (size_t)idx, 0, UINT64_MAX);
			if (err)
				return err;
		}
	}
	return NULL;
}

static unsigned ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

/* --- relocation in parallel --------------------------------------------------- */

struct reloc_job {
	struct dw_image *img;
	size_t idx, from, to;
	bool sorted;
	struct iod_error *err;
};

static void *reloc_thread(void *arg)
{
	struct reloc_job *j = arg;

	j->sorted = true;
	j->err = dw_image_relocate_all(j->img, j->idx, j->from, j->to, &j->sorted);
	return NULL;
}

/* Relocates a whole unit section; *sorted says whether its relocations were in offset order. */
static struct iod_error *relocate_section(struct dw_image *img, size_t idx, bool *sorted)
{
	size_t n = dw_image_reloc_count(img, idx);
	unsigned nt = ncpus();
	struct reloc_job jobs[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	struct iod_error *err = NULL;
	unsigned started = 0;

	*sorted = true;
	if (dw_image_is_relocated(img, idx))
		return NULL;
	if (n < PARALLEL_RELOCS)
		nt = 1;
	for (unsigned t = 0; t < nt; t++) {
		jobs[t] = (struct reloc_job){ img, idx, n * t / nt, n * (t + 1) / nt, true, NULL };
		if (t + 1 < nt && !pthread_create(&th[t], NULL, reloc_thread, &jobs[t]))
			started = t + 1;
		else
			reloc_thread(&jobs[t]);
	}
	for (unsigned t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	/* A thread that could not start did its share in this one, above. */
	for (unsigned t = 0; t < nt; t++) {
		if (jobs[t].err && !err)
			err = jobs[t].err;
		else if (jobs[t].err)
			iod_error_free(jobs[t].err);
		*sorted = *sorted && jobs[t].sorted;
		if (t && jobs[t].from < jobs[t].to && jobs[t - 1].from < jobs[t - 1].to &&
		    dw_image_reloc_offset(img, idx, jobs[t].from) <
			    dw_image_reloc_offset(img, idx, jobs[t].from - 1))
			*sorted = false;
	}
	if (!err) {
		dw_image_set_relocated(img, idx);
		dw_image_release_relocs(img, idx);
	}
	return err;
}

/* --- the scan ------------------------------------------------------------------ */

struct unit_ref {
	uint64_t off, size;
	bool is_info;
};

struct scan_job {
	const struct dw_image *img;
	int info, str;                  /* .debug_info's and .debug_str's section numbers */
	const struct unit_ref *units;
	size_t from, to;
	struct dw_ixb *b;
	struct iod_error *err;
};

static void *scan_thread(void *arg)
{
	struct scan_job *j = arg;
	struct rd *r = NULL;

	j->err = dw_ixb_new(&j->b);
	if (!j->err)
		j->err = rd_new(j->img, &r);
	uint64_t done = j->from < j->to ? j->units[j->from].off : 0;

	for (size_t i = j->from; !j->err && i < j->to; i++) {
		const struct unit_ref *ur = &j->units[i];
		uint64_t end = ur->off + ur->size;
		struct rd_unit u;

		j->err = rd_unit(r, ur->is_info, ur->off, &u);
		if (!j->err)
			j->err = rd_scan_unit(r, &u, j->b);
		/*
		 * What was scanned goes back to the page cache in large steps (each
		 * step costs the other threads a TLB flush).
		 */
		if (ur->is_info && j->info >= 0 && (end - done >= RELEASE_STEP || i + 1 == j->to)) {
			uint64_t lo, hi;

			dw_image_release(j->img, (size_t)j->info, done, end);
			done = end;
			if (j->str >= 0) {
				rd_str_range(r, &lo, &hi);
				dw_image_release(j->img, (size_t)j->str, lo, hi);
			}
		}
	}
	rd_free(r);
	return NULL;
}

/* Every unit header's offset and size, reading lengths only. */
static struct iod_error *list_units(const struct dw_image *img, struct unit_ref **ret,
				    size_t *n)
{
	struct unit_ref *v = NULL;
	size_t nv = 0, cap = 0;

	for (int pass = 0; pass < 2; pass++) {
		struct dw_secref sec;
		uint64_t off = 0;

		if (!dw_image_section(img, pass ? ".debug_types" : ".debug_info", &sec))
			continue;
		while (off < sec.size) {
			uint64_t len, hdr;
			uint32_t l32;

			if (sec.size - off < 4)
				break;
			memcpy(&l32, sec.data + off, 4);
			len = l32;
			hdr = 4;
			if (l32 == 0xffffffff) {
				if (sec.size - off < 12)
					break;
				memcpy(&len, sec.data + off + 4, 8);
				hdr = 12;
			}
			if (len > sec.size - off - hdr) {
				free(v);
				return iod_error_new(IOD_ERR_TYPE,
						     "%s: unit at 0x%llx runs past the end of %s", img->path,
						     (unsigned long long)off,
						     pass ? ".debug_types" : ".debug_info");
			}
			if (nv == cap) {
				size_t ncap = cap ? cap * 2 : 256;
				struct unit_ref *nvp = realloc(v, ncap * sizeof(*v));

				if (!nvp) {
					free(v);
					return &iod_error_nomem;
				}
				v = nvp;
				cap = ncap;
			}
			v[nv++] = (struct unit_ref){ off, len + hdr, pass == 0 };
			off += len + hdr;
		}
	}
	*ret = v;
	*n = nv;
	return NULL;
}

struct iod_error *dw_scan_build(struct dw_image *img, const struct dw_key *key,
				struct dw_index **ret)
{
	struct scan_job jobs[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	struct unit_ref *units = NULL;
	struct iod_error *err;
	struct dw_index *ix = NULL;
	size_t nunits = 0;
	uint64_t total = 0, acc = 0;
	unsigned nt = ncpus(), started = 0, flags = 0;
	bool sorted = true;
	int info = dw_image_find(img, ".debug_info");

	err = dw_scan_prepare_sections(img);
	if (err)
		return err;
	if (info >= 0 && !dw_image_is_relocated(img, (size_t)info)) {
		err = relocate_section(img, (size_t)info, &sorted);
		if (err)
			return err;
		if (sorted)
			flags |= DW_IX_HF_RELOCS_SORTED;
	}
	err = list_units(img, &units, &nunits);
	if (err)
		return err;
	for (size_t i = 0; i < nunits; i++)
		total += units[i].size;
	if (total < PARALLEL_BYTES || nunits < 2)
		nt = 1;
	/* Split by bytes: units differ wildly in size. */
	for (unsigned t = 0, i = 0; t < nt; t++) {
		size_t from = i;

		while (i < nunits && (t + 1 == nt || acc + units[i].size / 2 < total * (t + 1) / nt))
			acc += units[i++].size;
		jobs[t] = (struct scan_job){ img, info, dw_image_find(img, ".debug_str"), units, from, i,
					     NULL, NULL };
	}
	for (unsigned t = 0; t < nt; t++) {
		if (t + 1 < nt && !pthread_create(&th[t], NULL, scan_thread, &jobs[t]))
			started = t + 1;
		else
			scan_thread(&jobs[t]);
	}
	for (unsigned t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	for (unsigned t = 0; t < nt; t++)
		if (jobs[t].err && !err)
			err = jobs[t].err;
		else if (jobs[t].err)
			iod_error_free(jobs[t].err);
	/* Units in file order: every later part after the first. */
	for (unsigned t = 1; !err && t < nt; t++)
		err = dw_ixb_append(jobs[0].b, jobs[t].b);
	if (!err && !dw_ixb_ncus(jobs[0].b))
		err = iod_error_new(IOD_ERR_TYPE, "%s: no DWARF compilation units", img->path);
	if (!err)
		err = dw_index_finish(jobs[0].b, key, flags, &ix);
	for (unsigned t = 0; t < nt; t++)
		dw_ixb_free(jobs[t].b);
	free(units);
	if (err)
		return err;
	*ret = ix;
	return NULL;
}
