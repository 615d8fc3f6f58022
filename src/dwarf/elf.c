/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The file to read: sanity checks with libelf, build-id and .gnu_debuglink, and the separate debug file. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"

#ifndef NT_GNU_BUILD_ID
#define NT_GNU_BUILD_ID 3
#endif

/* Where distributions put separate debug files (gdb's default). */
static const char *const debug_roots[] = { "/usr/lib/debug" };

static bool is_debug_section(const char *name)
{
	return !strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info") ||
	       !strcmp(name, ".debug_types") || !strcmp(name, ".zdebug_types");
}

static void elf_release(struct dw_elf *e)
{
	free(e->debuglink);
	e->debuglink = NULL;
}

static void read_build_id(Elf *elf, Elf_Scn *scn, struct dw_elf *r)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	if (!data)
		return;
	while (off < data->d_size &&
	       (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    !memcmp((char *)data->d_buf + name_off, "GNU", 4) && nh.n_descsz &&
		    nh.n_descsz <= DW_BUILD_ID_MAX) {
			memcpy(r->build_id, (char *)data->d_buf + desc_off, nh.n_descsz);
			r->build_id_len = nh.n_descsz;
			return;
		}
	}
	(void)elf;
}

static void read_debuglink(Elf_Scn *scn, bool big_endian, struct dw_elf *r)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	const unsigned char *p;
	size_t len, crc_off;

	if (!data || !data->d_buf || !data->d_size)
		return;
	p = data->d_buf;
	len = strnlen((const char *)p, data->d_size);
	crc_off = (len + 4) & ~(size_t)3;
	/* A name with a '/' could leave the directories we search. */
	if (!len || len == data->d_size || crc_off + 4 > data->d_size || memchr(p, '/', len))
		return;
	r->debuglink = strndup((const char *)p, len);
	if (!r->debuglink)
		return;
	if (big_endian)
		r->debuglink_crc = (uint32_t)p[crc_off] << 24 | (uint32_t)p[crc_off + 1] << 16 |
				   (uint32_t)p[crc_off + 2] << 8 | p[crc_off + 3];
	else
		r->debuglink_crc = (uint32_t)p[crc_off + 3] << 24 | (uint32_t)p[crc_off + 2] << 16 |
				   (uint32_t)p[crc_off + 1] << 8 | p[crc_off];
}

/*
 * Reads the ELF headers of fd. A file that is not ELF, or whose headers or
 * sections run past its end (a truncated copy), is an error naming path:
 * libdwarf would otherwise report nothing useful, or "no entry".
 */
static struct iod_error *inspect(const char *path, int fd, const struct stat *st,
				 struct dw_elf *ret)
{
	struct dw_elf r;
	struct iod_error *err = NULL;
	size_t shnum, shstrndx;
	GElf_Ehdr eh;
	Elf_Scn *scn = NULL;
	Elf *elf;

	memset(&r, 0, sizeof(r));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return iod_error_new(IOD_ERR_TYPE, "%s: libelf is unusable: %s", path,
				     elf_errmsg(-1));
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		return iod_error_new(IOD_ERR_TYPE, "%s: cannot read as ELF: %s", path,
				     elf_errmsg(-1));
	if (elf_kind(elf) != ELF_K_ELF) {
		err = iod_error_new(IOD_ERR_TYPE, "%s: not an ELF file%s", path,
				    elf_kind(elf) == ELF_K_AR ? " (an ar archive)" : "");
		goto out;
	}
	if (!gelf_getehdr(elf, &eh)) {
		err = iod_error_new(IOD_ERR_TYPE, "%s: truncated or corrupt ELF header", path);
		goto out;
	}
	r.big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	r.machine = eh.e_machine;
	r.type = eh.e_type;
	if (elf_getshdrnum(elf, &shnum) || elf_getshdrstrndx(elf, &shstrndx)) {
		err = iod_error_new(IOD_ERR_TYPE, "%s: truncated or corrupt ELF section table", path);
		goto out;
	}
	if (eh.e_shoff > (uint64_t)st->st_size ||
	    (uint64_t)shnum * eh.e_shentsize > (uint64_t)st->st_size - eh.e_shoff) {
		err = iod_error_new(IOD_ERR_TYPE,
				    "%s: truncated ELF file: section headers end past the end of the file",
				    path);
		goto out;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh)) {
			err = iod_error_new(IOD_ERR_TYPE, "%s: corrupt ELF section header", path);
			goto out;
		}
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (sh.sh_type != SHT_NOBITS &&
		    (sh.sh_offset > (uint64_t)st->st_size ||
		     sh.sh_size > (uint64_t)st->st_size - sh.sh_offset)) {
			err = iod_error_new(IOD_ERR_TYPE,
					    "%s: truncated ELF file: section %s ends past the end of the file",
					    path, name ? name : "(unnamed)");
			goto out;
		}
		if (!name || sh.sh_type == SHT_NOBITS)
			continue;
		if (is_debug_section(name) && sh.sh_size)
			r.has_dwarf = true;
		else if (sh.sh_type == SHT_NOTE && !r.build_id_len)
			read_build_id(elf, scn, &r);
		else if (!strcmp(name, ".gnu_debuglink") && !r.debuglink)
			read_debuglink(scn, r.big_endian, &r);
	}
	*ret = r;
	memset(&r, 0, sizeof(r));
out:
	elf_release(&r);
	elf_end(elf);
	return err;
}

/* Opens path read-only as a regular, non-empty file. */
static struct iod_error *open_regular(const char *path, int *fd_ret, struct stat *st)
{
	int fd;

	if (stat(path, st))
		return iod_error_os(errno, "%s", path);
	if (S_ISDIR(st->st_mode))
		return iod_error_os(EISDIR, "%s", path);
	if (!S_ISREG(st->st_mode))
		return iod_error_new(IOD_ERR_TYPE, "%s: not a regular file", path);
	if (st->st_size == 0)
		return iod_error_new(IOD_ERR_TYPE, "%s: empty file, not an ELF object", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return iod_error_os(errno, "%s", path);
	/* What we opened, which may have changed since the stat above. */
	if (fstat(fd, st)) {
		int e = errno;

		close(fd);
		return iod_error_os(e, "%s", path);
	}
	if (!S_ISREG(st->st_mode) || st->st_size == 0) {
		close(fd);
		return iod_error_new(IOD_ERR_TYPE, "%s: not a regular non-empty file", path);
	}
	*fd_ret = fd;
	return NULL;
}

/* The .gnu_debuglink CRC: zlib's crc32 of the whole file. */
static uint32_t file_crc(int fd, bool *ok)
{
	const size_t bufsize = 1 << 16;
	unsigned char *buf = malloc(bufsize);
	uLong crc = crc32(0L, Z_NULL, 0);
	off_t off = 0;

	*ok = false;
	if (!buf)
		return 0;
	for (;;) {
		ssize_t n = pread(fd, buf, bufsize, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return 0;
		}
		if (n == 0)
			break;
		crc = crc32(crc, buf, (uInt)n);
		off += n;
	}
	free(buf);
	*ok = true;
	return (uint32_t)crc;
}

/*
 * A candidate debug file: an ELF file with DWARF that belongs to the
 * stripped one, by build-id when both have one, else by the debuglink CRC.
 */
static bool try_candidate(const char *cand, const struct dw_elf *orig, bool by_build_id,
			  struct dw_target *t)
{
	struct dw_elf e;
	struct stat st;
	struct iod_error *err;
	bool ok;
	int fd;

	if (access(cand, R_OK))
		return false;
	err = open_regular(cand, &fd, &st);
	if (err) {
		iod_error_free(err);
		return false;
	}
	err = inspect(cand, fd, &st, &e);
	if (err) {
		iod_error_free(err);
		close(fd);
		return false;
	}
	ok = e.has_dwarf;
	if (ok && orig->build_id_len && e.build_id_len) {
		ok = e.build_id_len == orig->build_id_len &&
		     !memcmp(e.build_id, orig->build_id, e.build_id_len);
	} else if (ok && !by_build_id) {
		bool read_ok;
		uint32_t crc = file_crc(fd, &read_ok);

		ok = read_ok && crc == orig->debuglink_crc;
	} else if (ok) {
		ok = false;
	}
	if (!ok) {
		elf_release(&e);
		close(fd);
		return false;
	}
	t->path = realpath(cand, NULL);
	if (!t->path) {
		elf_release(&e);
		close(fd);
		return false;
	}
	t->fd = fd;
	t->st = st;
	t->elf = e;
	return true;
}

static char *path_join(const char *a, const char *b, const char *c)
{
	char *s;

	if (asprintf(&s, "%s%s%s", a, b, c) < 0)
		return NULL;
	return s;
}

/* Tries each place gdb would look; *tried lists them for the error message. */
static bool find_debug_file(const char *real, const struct dw_elf *orig, struct dw_target *t,
			    char **tried)
{
	char *dir = strdup(real), *slash, *cand;
	FILE *f;
	size_t size = 0;
	bool found = false;

	*tried = NULL;
	if (!dir)
		return false;
	slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir ? 1 : 0] = '\0';
	f = open_memstream(tried, &size);
	if (!f) {
		free(dir);
		return false;
	}
	if (orig->build_id_len) {
		char hex[2 * DW_BUILD_ID_MAX + 1];

		for (size_t i = 0; i < orig->build_id_len; i++)
			snprintf(hex + 2 * i, 3, "%02x", orig->build_id[i]);
		for (size_t r = 0; !found && r < sizeof(debug_roots) / sizeof(debug_roots[0]); r++) {
			if (asprintf(&cand, "%s/.build-id/%.2s/%s.debug", debug_roots[r], hex,
				     hex + 2) < 0)
				continue;
			fprintf(f, "%s%s", ftell(f) ? ", " : "", cand);
			found = try_candidate(cand, orig, true, t);
			if (found)
				t->via = "build-id";
			free(cand);
		}
	}
	if (!found && orig->debuglink) {
		const char *sep = strcmp(dir, "/") ? "/" : "";
		char *cands[2 + sizeof(debug_roots) / sizeof(debug_roots[0])];
		size_t n = 0;

		cands[n++] = path_join(dir, sep, orig->debuglink);
		{
			char *sub = path_join(dir, sep, ".debug/");

			cands[n++] = sub ? path_join(sub, "", orig->debuglink) : NULL;
			free(sub);
		}
		for (size_t r = 0; r < sizeof(debug_roots) / sizeof(debug_roots[0]); r++) {
			char *d = path_join(debug_roots[r], dir, "/");

			cands[n++] = d ? path_join(d, "", orig->debuglink) : NULL;
			free(d);
		}
		for (size_t i = 0; i < n; i++) {
			if (!cands[i] || found) {
				free(cands[i]);
				continue;
			}
			/* The stripped file names itself when the debug file was never made. */
			if (strcmp(cands[i], real)) {
				fprintf(f, "%s%s", ftell(f) ? ", " : "", cands[i]);
				found = try_candidate(cands[i], orig, false, t);
				if (found)
					t->via = ".gnu_debuglink";
			}
			free(cands[i]);
		}
	}
	fclose(f);
	free(dir);
	return found;
}

struct iod_error *dw_target_open(const char *path, struct dw_target *ret)
{
	struct dw_target t;
	struct iod_error *err;
	struct dw_elf e;
	char *tried = NULL;

	memset(&t, 0, sizeof(t));
	t.fd = -1;
	if (!path || !*path)
		return iod_error_new(IOD_ERR_OS, "missing file name");
	err = open_regular(path, &t.fd, &t.st);
	if (err)
		return err;
	err = inspect(path, t.fd, &t.st, &e);
	if (err) {
		close(t.fd);
		return err;
	}
	t.given = strdup(path);
	if (!t.given) {
		elf_release(&e);
		close(t.fd);
		return &iod_error_nomem;
	}
	if (e.has_dwarf) {
		t.path = realpath(path, NULL);
		if (!t.path) {
			err = iod_error_os(errno, "%s", path);
			elf_release(&e);
			close(t.fd);
			free(t.given);
			return err;
		}
		t.elf = e;
		*ret = t;
		return NULL;
	}

	/* No DWARF here: a stripped file may name its debug file. */
	{
		char *real = realpath(path, NULL);
		int fd = t.fd;
		bool found = false;

		t.fd = -1;
		if (real && (e.build_id_len || e.debuglink))
			found = find_debug_file(real, &e, &t, &tried);
		free(real);
		close(fd);
		if (found) {
			elf_release(&e);
			free(tried);
			*ret = t;
			return NULL;
		}
		if (e.debuglink || e.build_id_len)
			err = iod_error_new(IOD_ERR_TYPE,
					    "%s has no DWARF debug info and its debug file%s%s%s was not found (looked in %s)",
					    path, e.debuglink ? " " : "",
					    e.debuglink ? e.debuglink : "",
					    e.debuglink ? "" : " (by build-id)",
					    tried && *tried ? tried : "nowhere");
		else
			err = iod_error_new(IOD_ERR_TYPE,
					    "%s: no DWARF debug info (built without -g, or stripped)",
					    path);
		free(tried);
		elf_release(&e);
		free(t.given);
		return err;
	}
}

void dw_target_close(struct dw_target *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	elf_release(&t->elf);
	free(t->given);
	free(t->path);
	t->given = t->path = NULL;
}
