/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iod_dwarf_load: the index (from the cache or a scan) and a type source that materialises on lookup. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp.h"
#include "image.h"
#include "internal.h"
#include "reader.h"
#include "scan.h"

struct source {
	struct dw_target t;
	struct dw_image *img;
	struct dw_index *ix;
	int info;                       /* .debug_info's section number, or -1 */
	uint64_t *upto;                 /* per unit: relocated below this offset (lazy ET_REL) */
	size_t heads_upto;              /* units below have their header and unit DIE relocated */
	struct rd *rd;                  /* reads the unit DIEs for that */
	pthread_mutex_t lock;           /* prepare runs in the fingerprinting threads */
	struct dw_found *found;
	struct dw_dbg *d;               /* opened on the first lookup that needs DIEs */
	struct dw_mat *m;
	const char *base;               /* basename of t.path */
	bool changed;                   /* the file changed on disk: nothing more is read from it */
};

static void source_close(void *ctx)
{
	struct source *s = ctx;

	if (!s)
		return;
	dw_mat_free(s->m);
	dw_dbg_close(s->d);
	dw_found_close(s->found);
	rd_free(s->rd);
	free(s->upto);
	pthread_mutex_destroy(&s->lock);
	dw_index_free(s->ix);
	dw_image_close(s->img);
	dw_target_close(&s->t);
	free(s);
}

/* --- relocating what is read, when a cached index spared the full pass ------ */

static bool lazy(const struct source *s)
{
	return s->info >= 0 && !dw_image_is_relocated(s->img, (size_t)s->info);
}

static struct iod_error *relocate_upto(struct source *s, size_t i, uint64_t hi)
{
	struct iod_error *err;

	if (s->upto[i] >= hi)
		return NULL;
	err = dw_image_relocate_range(s->img, (size_t)s->info, s->upto[i], hi);
	if (err)
		return err;
	/* Unsorted relocations are applied all at once by the call above. */
	if (dw_image_is_relocated(s->img, (size_t)s->info))
		return NULL;
	s->upto[i] = hi;
	return NULL;
}

/*
 * Shown the whole section, libdwarf reaches a DIE by reading the header
 * and unit DIE of every unit before it, so those are relocated up to the
 * unit asked for; that unit is relocated whole. A window (die.c) needs its
 * unit only.
 */
static struct iod_error *prepare_heads(struct source *s, size_t upto)
{
	struct iod_error *err = NULL;

	if (!s->rd)
		err = rd_new(s->img, &s->rd);
	for (; !err && s->heads_upto <= upto && lazy(s); s->heads_upto++) {
		size_t i = s->heads_upto;
		const struct dw_ix_cu *cu = dw_index_cu(s->ix, (uint32_t)i);
		uint64_t end;

		if (!cu->is_info)
			continue;
		/* The header first (its abbreviation offset is relocated), then the DIE it starts. */
		err = relocate_upto(s, i, cu->hdr_off + 40 < cu->end_off ? cu->hdr_off + 40 : cu->end_off);
		if (!err && lazy(s))
			err = rd_unit_die_end(s->rd, true, cu->hdr_off, &end);
		if (!err && lazy(s))
			err = relocate_upto(s, i, end);
		if (err)
			break;
	}
	return err;
}

static struct iod_error *prepare(void *ctx, struct dw_ref ref, bool heads)
{
	struct source *s = ctx;
	const struct dw_ix_cu *cu;
	struct iod_error *err;
	size_t i;

	/* Once the whole section is relocated (cold runs), no lock is taken. */
	if (!ref.is_info || !lazy(s))
		return NULL;
	cu = dw_index_cu_at(s->ix, ref);
	if (!cu)
		return NULL;
	i = (size_t)(cu - dw_index_cu(s->ix, 0));
	pthread_mutex_lock(&s->lock);
	err = heads && lazy(s) ? prepare_heads(s, i) : NULL;
	if (!err && lazy(s))
		err = relocate_upto(s, i, cu->end_off);
	pthread_mutex_unlock(&s->lock);
	return err;
}

/* --- the type source ------------------------------------------------------------ */

static struct iod_error *open_dwarf(struct source *s)
{
	struct iod_error *err;

	if (!s->d) {
		err = dw_dbg_open(s->img, s->ix, prepare, s, &s->d);
		if (err)
			return err;
	}
	if (!s->m) {
		struct dw_mat_config cfg = {
			.d = s->d,
			.img = s->img,
			.ix = s->ix,
			.prepare = prepare,
			.prepare_ctx = s,
			.found = s->found,
			.file = s->base,
			.big_endian = s->t.elf.big_endian,
		};

		err = dw_mat_new(&cfg, &s->m);
		if (err)
			return err;
	}
	return NULL;
}

/*
 * The file is read through a mapping: written over in place (cp, a linker)
 * it would show other bytes, and past a new end of file reading faults.
 * So before DWARF is read the file must still be what was loaded; once it
 * is not, the source says so, lets go of what it read, and answers nothing
 * more (loading the file again reads the new contents). A file replaced by
 * rename is not a change: the open descriptor keeps the old one.
 */
static struct iod_error *unchanged(struct source *s)
{
	struct stat st;

	if (fstat(s->t.fd, &st) == 0 && st.st_size == s->t.st.st_size &&
	    st.st_mtim.tv_sec == s->t.st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == s->t.st.st_mtim.tv_nsec)
		return NULL;
	s->changed = true;
	dw_mat_free(s->m);
	s->m = NULL;
	dw_dbg_close(s->d);
	s->d = NULL;
	return iod_error_new(IOD_ERR_TYPE, "changed on disk since it was loaded; its types are no"
			     " longer read (load it again)");
}

/* What a lookup that found its name in the index needs before it reads DIEs. */
static struct iod_error *ready(struct source *s)
{
	struct iod_error *err = unchanged(s);

	return err ? err : open_dwarf(s);
}

static struct iod_error *source_find(void *ctx, struct iod_typedb *db, const char *name)
{
	struct source *s = ctx;
	struct iod_error *err;
	size_t n;

	/* A miss costs one hash probe: no DWARF is touched. */
	if (s->changed || !dw_index_lookup(s->ix, name, &n) || !n)
		return NULL;
	err = ready(s);
	if (!err)
		err = dw_mat_find(s->m, db, name);
	return err ? iod_error_prefix(err, "%s", s->t.path) : NULL;
}

static struct iod_error *source_find_enumerator(void *ctx, struct iod_typedb *db,
					       const char *name)
{
	struct source *s = ctx;
	struct iod_error *err;
	size_t n;

	/* As for types: a name no enum of the file has costs one probe. */
	if (s->changed || !dw_index_enumerators(s->ix, name, &n) || !n)
		return NULL;
	err = ready(s);
	if (!err)
		err = dw_mat_find_enumerator(s->m, db, name);
	return err ? iod_error_prefix(err, "%s", s->t.path) : NULL;
}

static struct iod_error *source_names(void *ctx,
				      struct iod_error *(*cb)(void *cbctx, const char *name),
				      void *cbctx)
{
	struct source *s = ctx;

	return s->changed ? NULL : dw_index_names(s->ix, cb, cbctx);
}

static const struct iod_type_source_ops source_ops = {
	.find = source_find,
	.find_enumerator = source_find_enumerator,
	.names = source_names,
	.close = source_close,
};

static void notef(const struct iod_dwarf_options *opts, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void notef(const struct iod_dwarf_options *opts, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int n;

	if (!opts || !opts->note)
		return;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	opts->note(opts->ctx, msg);
	free(msg);
}

struct iod_error *iod_dwarf_load(struct iod_typedb *db, const char *path,
				 const struct iod_dwarf_options *opts, char **ret_read)
{
	dw_note_fn note = opts ? opts->note : NULL;
	void *nctx = opts ? opts->ctx : NULL;
	struct source *s;
	struct iod_error *err;
	struct dw_key key;
	char *dir, *read = NULL;

	if (!db)
		return iod_error_new(IOD_ERR_TYPE, "no type database");
	s = calloc(1, sizeof(*s));
	if (!s)
		return &iod_error_nomem;
	pthread_mutex_init(&s->lock, NULL);
	err = dw_target_open(path, &s->t);
	if (err) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		return err;
	}
	s->base = strrchr(s->t.path, '/') ? strrchr(s->t.path, '/') + 1 : s->t.path;
	if (s->t.via)
		notef(opts, "%s: types from %s (debug file found by %s)", path, s->t.path, s->t.via);
	err = dw_image_open(s->t.path, s->t.fd, (uint64_t)s->t.st.st_size, &s->img);
	if (!err)
		err = dw_scan_prepare_sections(s->img);
	if (err) {
		source_close(s);
		return err;
	}
	s->info = dw_image_find(s->img, ".debug_info");

	key = (struct dw_key){
		.path = s->t.path,
		.size = (uint64_t)s->t.st.st_size,
		.mtime_sec = s->t.st.st_mtim.tv_sec,
		.mtime_nsec = s->t.st.st_mtim.tv_nsec,
		.build_id = s->t.elf.build_id,
		.build_id_len = s->t.elf.build_id_len,
	};
	dir = dw_cache_dir(opts);
	if (dir)
		s->ix = dw_cache_read(dir, &key, note, nctx);
	if (!s->ix) {
		err = iod_error_prefix(dw_scan_build(s->img, &key, &s->ix), "%s", s->t.path);
		if (err) {
			free(dir);
			source_close(s);
			return err;
		}
		/* "No types" is never cached: a file that gains them must not look empty. */
		if (dir && dw_index_nentries(s->ix))
			dw_cache_write(dir, &key, s->ix, note, nctx);
	} else if (lazy(s)) {
		size_t n = dw_index_ncus(s->ix);

		dw_image_set_relocs_sorted(s->img, (size_t)s->info,
					   dw_index_flags(s->ix) & DW_IX_HF_RELOCS_SORTED);
		s->upto = malloc((n ? n : 1) * sizeof(*s->upto));
		if (!s->upto) {
			free(dir);
			source_close(s);
			return &iod_error_nomem;
		}
		for (size_t i = 0; i < n; i++)
			s->upto[i] = dw_index_cu(s->ix, (uint32_t)i)->hdr_off;
	}
	err = dw_found_open(dir, &key, s->ix, note, nctx, &s->found);
	free(dir);
	if (err) {
		source_close(s);
		return err;
	}
	if (ret_read) {
		read = strdup(s->t.path);
		if (!read) {
			source_close(s);
			return &iod_error_nomem;
		}
	}
	/* From here the database owns s, also when it fails to keep it. */
	err = iod_typedb_add_source(db, &source_ops, s);
	if (err) {
		free(read);
		return err;
	}
	if (ret_read)
		*ret_read = read;
	return NULL;
}
