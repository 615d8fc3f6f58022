/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sections of the file read, mapped once and shared by libdwarf and the scanner: decompressed, relocated on demand. */
#include <errno.h>
#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "image.h"

/*
 * Why not let libdwarf read the file: it copies every section it loads
 * into memory and relocates a .ko's .debug_info as a whole before the
 * first DIE can be read. Here a section is mapped from the file, and a
 * relocatable file's .debug_info is a private copy-on-write mapping whose
 * relocations are applied unit by unit, only where something is read.
 */

static const char *normalize(const char *name, bool *zdebug)
{
	static const char *const known[] = {
		".debug_info", ".debug_types", ".debug_abbrev", ".debug_str", ".debug_line_str",
		".debug_str_offsets", ".debug_line", ".debug_addr", ".debug_ranges",
		".debug_rnglists", ".debug_loc", ".debug_loclists", ".debug_aranges",
		".debug_frame", ".debug_macinfo", ".debug_macro", ".debug_pubnames",
		".debug_pubtypes", ".debug_names", ".debug_sup",
	};

	*zdebug = false;
	if (!strncmp(name, ".zdebug_", 8)) {
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (!strcmp(name + 2, known[i] + 1)) {
				*zdebug = true;
				return known[i];
			}
		return name;
	}
	return name;
}

struct iod_error *dw_image_open(const char *path, int fd, uint64_t file_size,
				struct dw_image **ret)
{
	struct dw_image *img = calloc(1, sizeof(*img));
	struct iod_error *err = NULL;
	size_t shnum = 0, shstrndx = 0;
	GElf_Ehdr eh;
	Elf *elf = NULL;

	if (!img)
		return &iod_error_nomem;
	img->path = path;
	img->fd = fd;
	img->map_size = (size_t)file_size;
	img->map = mmap(NULL, img->map_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img->map == MAP_FAILED) {
		img->map = NULL;
		err = iod_error_os(errno, "%s: cannot map", path);
		goto fail;
	}
	elf = elf_memory((char *)img->map, img->map_size);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
	    elf_getshdrnum(elf, &shnum) || elf_getshdrstrndx(elf, &shstrndx)) {
		err = iod_error_new(IOD_ERR_TYPE, "%s: unreadable ELF headers", path);
		goto fail;
	}
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB) {
		err = iod_error_new(IOD_ERR_TYPE, "%s: big-endian ELF files are not supported", path);
		goto fail;
	}
	img->is64 = eh.e_ident[EI_CLASS] == ELFCLASS64;
	img->is_rel = eh.e_type == ET_REL;
	img->machine = eh.e_machine;
	img->n = shnum;
	img->s = calloc(shnum ? shnum : 1, sizeof(*img->s));
	if (!img->s) {
		err = &iod_error_nomem;
		goto fail;
	}
	for (size_t i = 0; i < shnum; i++) {
		struct dw_isec *s = &img->s[i];
		Elf_Scn *scn = elf_getscn(elf, i);
		GElf_Shdr sh;
		const char *name;

		s->rela = -1;
		if (!scn || !gelf_getshdr(scn, &sh)) {
			err = iod_error_new(IOD_ERR_TYPE, "%s: unreadable section header %zu", path, i);
			goto fail;
		}
		name = i ? elf_strptr(elf, shstrndx, sh.sh_name) : "";
		s->name = normalize(name ? name : "", &s->zdebug);
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->offset = sh.sh_offset;
		s->fsize = sh.sh_type == SHT_NOBITS ? 0 : sh.sh_size;
		s->addr = sh.sh_addr;
		s->link = sh.sh_link;
		s->info = sh.sh_info;
		s->entsize = sh.sh_entsize;
		s->size = s->fsize;
		/* An empty section's offset means nothing: no pointer is ever formed from it. */
		if (!s->fsize)
			s->offset = 0;
		/* dw_target_open checked this already; the mapping must not be trusted blindly. */
		if (s->fsize && (s->offset > img->map_size || s->fsize > img->map_size - s->offset)) {
			err = iod_error_new(IOD_ERR_TYPE, "%s: section %s lies outside the file", path,
					    s->name);
			goto fail;
		}
		if (s->flags & SHF_COMPRESSED) {
			const unsigned char *p = img->map + s->offset;

			if (img->is64 && s->fsize >= sizeof(Elf64_Chdr)) {
				Elf64_Chdr ch;

				memcpy(&ch, p, sizeof(ch));
				s->compressed = ch.ch_type == ELFCOMPRESS_ZLIB;
				s->size = ch.ch_size;
			} else if (!img->is64 && s->fsize >= sizeof(Elf32_Chdr)) {
				Elf32_Chdr ch;

				memcpy(&ch, p, sizeof(ch));
				s->compressed = ch.ch_type == ELFCOMPRESS_ZLIB;
				s->size = ch.ch_size;
			}
			if (!s->compressed)
				s->size = 0;   /* an unknown compression: unusable, not garbage */
		} else if (s->zdebug) {
			const unsigned char *p = img->map + s->offset;

			if (s->fsize >= 12 && !memcmp(p, "ZLIB", 4)) {
				s->compressed = true;
				s->size = 0;
				for (int k = 4; k < 12; k++)
					s->size = s->size << 8 | p[k];
			} else {
				s->size = 0;
			}
		}
	}
	/* Relocations matter only in relocatable files; an executable's are already applied. */
	if (img->is_rel) {
		for (size_t i = 0; i < shnum; i++) {
			struct dw_isec *s = &img->s[i];

			if ((s->type == SHT_RELA || s->type == SHT_REL) && s->info < shnum &&
			    s->link < shnum && s->info && s->fsize)
				img->s[s->info].rela = (int)i;
		}
	}
	elf_end(elf);
	*ret = img;
	return NULL;
fail:
	if (elf)
		elf_end(elf);
	dw_image_close(img);
	return err;
}

void dw_image_close(struct dw_image *img)
{
	if (!img)
		return;
	for (size_t i = 0; img->s && i < img->n; i++) {
		struct dw_isec *s = &img->s[i];

		if (s->mem_mapped)
			munmap(s->mem, s->mem_size);
		else
			free(s->mem);
	}
	free(img->s);
	if (img->map)
		munmap((void *)img->map, img->map_size);
	free(img);
}

int dw_image_find(const struct dw_image *img, const char *name)
{
	for (size_t i = 1; i < img->n; i++)
		if (!strcmp(img->s[i].name, name) && img->s[i].type != SHT_NOBITS)
			return (int)i;
	return -1;
}

static struct iod_error *inflate_section(struct dw_image *img, struct dw_isec *s)
{
	const unsigned char *src = img->map + s->offset;
	size_t hdr = s->zdebug ? 12 : img->is64 ? sizeof(Elf64_Chdr) : sizeof(Elf32_Chdr);
	z_stream z;
	unsigned char *out;
	int zr;

	/*
	 * Deflate expands at most 1032 times (zlib's FAQ): a larger claim is a
	 * damaged header, and must not become an allocation of that size.
	 */
	if (s->size > (uint64_t)1 << 34 || s->size > (s->fsize - hdr) * 1032 + 1024)
		return iod_error_new(IOD_ERR_TYPE, "%s: section %s claims %llu bytes uncompressed",
				     img->path, s->name, (unsigned long long)s->size);
	/* Zeros after the end: string hashing may read a word past a final NUL (fp.c). */
	out = malloc(s->size + 8);
	if (!out)
		return &iod_error_nomem;
	memset(out + s->size, 0, 8);
	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK) {
		free(out);
		return &iod_error_nomem;
	}
	z.next_in = (unsigned char *)src + hdr;
	z.avail_in = (uInt)(s->fsize - hdr);
	z.next_out = out;
	z.avail_out = (uInt)s->size;
	zr = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	if (zr != Z_STREAM_END || z.total_out != s->size) {
		free(out);
		return iod_error_new(IOD_ERR_TYPE, "%s: section %s does not decompress", img->path,
				     s->name);
	}
	s->mem = out;
	s->mem_size = s->size;
	s->data = out;
	return NULL;
}

struct iod_error *dw_image_load(struct dw_image *img, size_t idx)
{
	struct dw_isec *s;
	struct iod_error *err;

	if (idx >= img->n)
		return iod_error_new(IOD_ERR_TYPE, "%s: no section %zu", img->path, idx);
	s = &img->s[idx];
	if (s->loaded)
		return NULL;
	if (s->compressed) {
		err = inflate_section(img, s);
		if (err)
			return err;
	} else if (s->rela >= 0 && s->fsize) {
		/* A private copy-on-write view: relocated pages become ours, the rest stay the file's. */
		long page = sysconf(_SC_PAGESIZE);
		uint64_t start = s->offset & ~(uint64_t)(page - 1);
		size_t len = (size_t)(s->offset - start + s->fsize);
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, img->fd, (off_t)start);

		if (p == MAP_FAILED)
			return iod_error_os(errno, "%s: cannot map section %s", img->path, s->name);
		s->mem = p;
		s->mem_size = len;
		s->mem_mapped = true;
		s->data = (unsigned char *)p + (s->offset - start);
	} else {
		s->data = (unsigned char *)img->map + s->offset;
	}
	if (s->rela < 0)
		s->relocated = true;
	s->loaded = true;
	return NULL;
}

/* --- relocations ------------------------------------------------------------ */

struct reloc {
	uint64_t off;
	uint32_t sym;
	uint32_t type;
	int64_t addend;
	bool has_addend;
};

static size_t reloc_count(const struct dw_image *img, const struct dw_isec *r)
{
	size_t es = r->type == SHT_RELA ? (img->is64 ? sizeof(Elf64_Rela) : sizeof(Elf32_Rela)) :
					  (img->is64 ? sizeof(Elf64_Rel) : sizeof(Elf32_Rel));

	return (size_t)(r->fsize / es);
}

static struct reloc reloc_at(const struct dw_image *img, const struct dw_isec *r, size_t i)
{
	const unsigned char *p = img->map + r->offset;
	struct reloc x = { 0, 0, 0, 0, r->type == SHT_RELA };

	if (img->is64) {
		if (r->type == SHT_RELA) {
			Elf64_Rela e;

			memcpy(&e, p + i * sizeof(e), sizeof(e));
			x.off = e.r_offset;
			x.sym = (uint32_t)ELF64_R_SYM(e.r_info);
			x.type = (uint32_t)ELF64_R_TYPE(e.r_info);
			x.addend = e.r_addend;
		} else {
			Elf64_Rel e;

			memcpy(&e, p + i * sizeof(e), sizeof(e));
			x.off = e.r_offset;
			x.sym = (uint32_t)ELF64_R_SYM(e.r_info);
			x.type = (uint32_t)ELF64_R_TYPE(e.r_info);
		}
	} else {
		if (r->type == SHT_RELA) {
			Elf32_Rela e;

			memcpy(&e, p + i * sizeof(e), sizeof(e));
			x.off = e.r_offset;
			x.sym = ELF32_R_SYM(e.r_info);
			x.type = ELF32_R_TYPE(e.r_info);
			x.addend = e.r_addend;
		} else {
			Elf32_Rel e;

			memcpy(&e, p + i * sizeof(e), sizeof(e));
			x.off = e.r_offset;
			x.sym = ELF32_R_SYM(e.r_info);
			x.type = ELF32_R_TYPE(e.r_info);
		}
	}
	return x;
}

/* Width of an absolute relocation (the only kind debug sections use), 0 for others. */
static unsigned reloc_width(uint16_t machine, uint32_t type)
{
	switch (machine) {
	case EM_X86_64:
		return type == R_X86_64_64 ? 8 : type == R_X86_64_32 || type == R_X86_64_32S ? 4 : 0;
	case EM_AARCH64:
		return type == R_AARCH64_ABS64 ? 8 : type == R_AARCH64_ABS32 ? 4 : 0;
	case EM_386:
		return type == R_386_32 ? 4 : 0;
	case EM_RISCV:
		return type == 2 /* R_RISCV_64 */ ? 8 : type == 1 /* R_RISCV_32 */ ? 4 : 0;
	default:
		return 0;
	}
}

static bool sym_value(const struct dw_image *img, const struct dw_isec *symtab, uint32_t sym,
		      uint64_t *ret)
{
	const unsigned char *p = img->map + symtab->offset;

	if (img->is64) {
		Elf64_Sym s;

		if ((uint64_t)sym >= symtab->fsize / sizeof(s))
			return false;
		memcpy(&s, p + (size_t)sym * sizeof(s), sizeof(s));
		*ret = s.st_value;
	} else {
		Elf32_Sym s;

		if ((uint64_t)sym >= symtab->fsize / sizeof(s))
			return false;
		memcpy(&s, p + (size_t)sym * sizeof(s), sizeof(s));
		*ret = s.st_value;
	}
	return true;
}

/* Applies relocations [from, to) of section idx; *sorted is cleared when offsets go backwards. */
static struct iod_error *apply(struct dw_image *img, size_t idx, size_t from, size_t to,
			       bool *sorted)
{
	struct dw_isec *s = &img->s[idx];
	const struct dw_isec *r = &img->s[s->rela], *symtab = &img->s[r->link];
	uint64_t prev = 0;

	for (size_t i = from; i < to; i++) {
		struct reloc x = reloc_at(img, r, i);
		unsigned w = reloc_width(img->machine, x.type);
		uint64_t v;

		if (sorted && i > from && x.off < prev)
			*sorted = false;
		prev = x.off;
		if (!w)
			continue;
		if (x.off > s->size || w > s->size - x.off)
			return iod_error_new(IOD_ERR_TYPE, "%s: relocation outside section %s",
					     img->path, s->name);
		if (!sym_value(img, symtab, x.sym, &v))
			return iod_error_new(IOD_ERR_TYPE, "%s: relocation with a bad symbol in %s",
					     img->path, s->name);
		if (!x.has_addend) {
			if (w == 8) {
				uint64_t a;

				memcpy(&a, s->data + x.off, 8);
				x.addend = (int64_t)a;
			} else {
				uint32_t a;

				memcpy(&a, s->data + x.off, 4);
				x.addend = (int32_t)a;
			}
		}
		v += (uint64_t)x.addend;
		if (w == 8) {
			memcpy(s->data + x.off, &v, 8);
		} else {
			uint32_t v32 = (uint32_t)v;

			memcpy(s->data + x.off, &v32, 4);
		}
	}
	return NULL;
}

struct iod_error *dw_image_relocate_all(struct dw_image *img, size_t idx, size_t from,
					size_t to, bool *sorted)
{
	struct dw_isec *s = &img->s[idx];
	size_t n;

	if (s->relocated)
		return NULL;
	n = reloc_count(img, &img->s[s->rela]);
	if (to > n)
		to = n;
	if (from >= to)
		return NULL;
	return apply(img, idx, from, to, sorted);
}

size_t dw_image_reloc_count(const struct dw_image *img, size_t idx)
{
	const struct dw_isec *s = &img->s[idx];

	return s->rela < 0 ? 0 : reloc_count(img, &img->s[s->rela]);
}

uint64_t dw_image_reloc_offset(const struct dw_image *img, size_t idx, size_t i)
{
	const struct dw_isec *s = &img->s[idx];

	return reloc_at(img, &img->s[s->rela], i).off;
}

struct iod_error *dw_image_relocate_range(struct dw_image *img, size_t idx, uint64_t lo,
					  uint64_t hi)
{
	struct dw_isec *s = &img->s[idx];
	const struct dw_isec *r;
	size_t n, a, b;

	if (s->relocated)
		return NULL;
	if (!s->relocs_sorted) {
		/* Unknown or unsorted: everything at once, once. */
		bool sorted = true;
		struct iod_error *err = dw_image_relocate_all(img, idx, 0, SIZE_MAX, &sorted);

		if (!err)
			__atomic_store_n(&s->relocated, true, __ATOMIC_RELEASE);
		return err;
	}
	r = &img->s[s->rela];
	n = reloc_count(img, r);
	/* The first relocation at or after lo, then the first at or after hi. */
	for (a = 0, b = n; a < b;) {
		size_t m = a + (b - a) / 2;

		if (reloc_at(img, r, m).off < lo)
			a = m + 1;
		else
			b = m;
	}
	for (b = a; b < n && reloc_at(img, r, b).off < hi; b++)
		;
	return apply(img, idx, a, b, NULL);
}

/* Read without a lock by threads that then skip the lock their writer holds. */
void dw_image_release(const struct dw_image *img, size_t idx, uint64_t lo, uint64_t hi)
{
	const struct dw_isec *s = &img->s[idx];
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), a, b;

	/* Only the file's read-only mapping: dropping a private copy would lose its relocations. */
	if (!s->loaded || s->mem || hi <= lo || hi > s->size)
		return;
	a = ((uintptr_t)(s->data + lo) + page - 1) & ~(page - 1);
	b = (uintptr_t)(s->data + hi) & ~(page - 1);
	if (a < b)
		madvise((void *)a, b - a, MADV_DONTNEED);
}

void dw_image_release_relocs(const struct dw_image *img, size_t idx)
{
	const struct dw_isec *s = &img->s[idx];
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	if (s->rela < 0)
		return;
	for (int k = 0; k < 2; k++) {
		const struct dw_isec *r = k ? &img->s[img->s[s->rela].link] : &img->s[s->rela];
		uintptr_t a = ((uintptr_t)(img->map + r->offset) + page - 1) & ~(page - 1);
		uintptr_t b = (uintptr_t)(img->map + r->offset + r->fsize) & ~(page - 1);

		if (a < b)
			madvise((void *)a, b - a, MADV_DONTNEED);
	}
}

void dw_image_set_relocated(struct dw_image *img, size_t idx)
{
	__atomic_store_n(&img->s[idx].relocated, true, __ATOMIC_RELEASE);
}

void dw_image_set_relocs_sorted(struct dw_image *img, size_t idx, bool sorted)
{
	img->s[idx].relocs_sorted = sorted;
}

bool dw_image_is_relocated(const struct dw_image *img, size_t idx)
{
	return __atomic_load_n(&img->s[idx].relocated, __ATOMIC_ACQUIRE);
}

bool dw_image_section(const struct dw_image *img, const char *name, struct dw_secref *ret)
{
	int i = dw_image_find(img, name);

	if (i < 0 || !img->s[i].loaded) {
		ret->data = NULL;
		ret->size = 0;
		return false;
	}
	ret->data = img->s[i].data;
	ret->size = img->s[i].size;
	return true;
}
