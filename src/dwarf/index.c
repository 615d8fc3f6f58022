/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The name index: which DIEs define which type names, as one flat buffer that is also the cache file. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

/*
 * Layout (native byte order, every table 8-byte aligned):
 *
 *   header | units | entries | names | lists | buckets |
 *   enumerators | enumerator names | enumerator buckets | strings
 *
 * entries are in file order (.debug_info, then .debug_types), so sorted by
 * (section, offset). names are the lookup keys: each entry is filed under
 * its name and, for a Rust path, also under its last segment; a key's list
 * holds entry numbers in file order. buckets is an open-addressing table
 * of name numbers + 1. enumerators are entries too (tag DW_IX_ENUM, the
 * enum's DIE, the enumerator's name), grouped by name, each group in file
 * order; an enumerator name's first and count point into them directly.
 * The checksum covers the whole buffer with the checksum field zeroed, so
 * a cache file that was cut short or damaged is never used.
 */
#define IX_MAGIC "IODBGIX\n"
#define IX_VERSION 2u               /* 2: enumerators */
#define IX_BYTE_ORDER 0x01020304u

struct ix_header {
	char magic[8];
	uint32_t version;
	uint32_t byte_order;
	uint64_t total_size;
	uint64_t checksum;
	uint32_t flags;                 /* DW_IX_HF_* */
	uint32_t reserved;
	/* the key */
	uint64_t file_size;
	int64_t mtime_sec;
	int64_t mtime_nsec;
	uint32_t path_str;
	uint32_t path_len;
	uint32_t build_id_len;
	uint8_t build_id[DW_BUILD_ID_MAX];
	/* tables */
	uint32_t ncus, nentries, nnames, nlists, nbuckets, strings_size;
	uint32_t nenums, nenames, nebuckets, reserved2;
	uint64_t cus_off, entries_off, names_off, lists_off, buckets_off, strings_off;
	uint64_t enums_off, enames_off, ebuckets_off;
};

struct ix_name {
	uint32_t str;
	uint32_t hash;
	uint32_t first;                 /* into lists */
	uint32_t count;                 /* low 31 bits; IX_FULL: some entry's own name */
};

#define IX_FULL 0x80000000u

struct dw_index {
	unsigned char *buf;
	size_t size;
	bool mapped;
	const struct ix_header *h;
	const struct dw_ix_cu *cus;
	const struct dw_ix_entry *entries;
	const struct ix_name *names;
	const uint32_t *lists;
	const uint32_t *buckets;
	const struct dw_ix_entry *enums;
	const struct ix_name *enames;
	const uint32_t *ebuckets;
	const char *strings;
	/* type units by signature: unit numbers sorted by sig */
	uint32_t *tus;
	size_t ntus;
};

static uint32_t str_hash(const char *s, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= UINT64_C(0x100000001b3);
	}
	return (uint32_t)(h ^ (h >> 32));
}

/* Word-wise: fast enough to check a 20 MB vmlinux index in a few milliseconds. */
uint64_t dw_checksum(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t h = UINT64_C(0x243f6a8885a308d3) ^ n;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h ^= w * UINT64_C(0x9e3779b97f4a7c15);
		h = ((h << 29) | (h >> 35)) * UINT64_C(0xbf58476d1ce4e5b9);
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * UINT64_C(0x100000001b3);
	h ^= h >> 31;
	h *= UINT64_C(0x94d049bb133111eb);
	return h ^ (h >> 29);
}

static uint64_t whole_checksum(const unsigned char *buf, size_t size)
{
	struct ix_header h;
	uint64_t c;

	/* The header with a zero checksum field, then the rest. */
	memcpy(&h, buf, sizeof(h));
	h.checksum = 0;
	c = dw_checksum(&h, sizeof(h));
	return c ^ dw_checksum(buf + sizeof(h), size - sizeof(h));
}

/* --- the builder ------------------------------------------------------------- */

/*
 * Strings are interned once each and numbered; entries refer to names by
 * number, so finishing groups them with a counting pass instead of a sort,
 * and merging a thread's part re-interns each of its strings once.
 */
struct sbuf {
	char *p;
	size_t len, cap;
};

struct ixb_entry {
	uint64_t off;
	uint32_t name;                  /* string number */
	uint32_t cu_tag;
};

/* An enumerator and its enum, with what tells copies apart. */
struct ixb_enum {
	uint64_t off;                   /* the enum's DIE */
	uint64_t value;                 /* anonymous enums: the value's bits */
	uint32_t name;                  /* string number of the enumerator */
	uint32_t enum_name;             /* string number of the enum; UINT32_MAX: anonymous */
	uint32_t cu_tag;
	uint32_t is_signed;
};

struct dw_ixb {
	struct dw_ix_cu *cus;           /* name: a string number, UINT32_MAX for none */
	size_t ncus, cus_cap;
	struct ixb_entry *entries;
	size_t nentries, entries_cap;
	struct sbuf strings;
	uint32_t *str_off;              /* string number -> offset in strings */
	size_t nstr, str_cap;
	uint32_t *slots;                /* string number + 1, open addressing */
	size_t nslots;
	struct ixb_enum *enums;
	size_t nenums, enums_cap;
	uint32_t *eslots;               /* enumerator record + 1, open addressing by key */
	size_t neslots;
	/*
	 * Enums filed whole, to know an exact copy: per enum, in pool, its name
	 * number and count, then each enumerator's name number, value and sign.
	 */
	uint64_t *pool;
	size_t npool, pool_cap;
	struct seq_slot {
		uint64_t hash;
		uint64_t at;            /* pool offset + 1; 0: empty */
	} *qslots;
	size_t nqslots, nseq;
};

static bool vec_grow(void **v, size_t *cap, size_t need, size_t el)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap + *cap / 2 : 64;
	while (ncap < need)
		ncap += ncap / 2;
	p = realloc(*v, ncap * el);
	if (!p)
		return false;
	*v = p;
	*cap = ncap;
	return true;
}

struct iod_error *dw_ixb_new(struct dw_ixb **ret)
{
	struct dw_ixb *b = calloc(1, sizeof(*b));

	if (!b)
		return &iod_error_nomem;
	/* Offset 0 is the empty string, so no name is ever at 0 by accident. */
	b->strings.p = malloc(4096);
	if (!b->strings.p) {
		free(b);
		return &iod_error_nomem;
	}
	b->strings.cap = 4096;
	b->strings.p[0] = '\0';
	b->strings.len = 1;
	*ret = b;
	return NULL;
}

void dw_ixb_free(struct dw_ixb *b)
{
	if (!b)
		return;
	free(b->cus);
	free(b->entries);
	free(b->strings.p);
	free(b->str_off);
	free(b->slots);
	free(b->enums);
	free(b->eslots);
	free(b->pool);
	free(b->qslots);
	free(b);
}

size_t dw_ixb_ncus(const struct dw_ixb *b)
{
	return b->ncus;
}

static const char *ixb_str(const struct dw_ixb *b, uint32_t id)
{
	return b->strings.p + b->str_off[id];
}

static bool intern_rehash(struct dw_ixb *b)
{
	size_t n = b->nslots ? b->nslots * 2 : 1024;
	uint32_t *s = calloc(n, sizeof(*s));

	if (!s)
		return false;
	for (size_t id = 0; id < b->nstr; id++) {
		const char *str = ixb_str(b, (uint32_t)id);
		size_t j = str_hash(str, strlen(str)) & (n - 1);

		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = (uint32_t)id + 1;
	}
	free(b->slots);
	b->slots = s;
	b->nslots = n;
	return true;
}

/* The string's number, adding it once. */
static bool intern(struct dw_ixb *b, const char *s, size_t len, uint32_t *ret)
{
	uint32_t h = str_hash(s, len);
	size_t j;

	if ((b->nstr + 1) * 2 > b->nslots && !intern_rehash(b))
		return false;
	for (j = h & (b->nslots - 1); b->slots[j]; j = (j + 1) & (b->nslots - 1)) {
		const char *o = ixb_str(b, b->slots[j] - 1);

		if (!strncmp(o, s, len) && o[len] == '\0') {
			*ret = b->slots[j] - 1;
			return true;
		}
	}
	if (b->strings.len + len + 1 > UINT32_MAX - 1 || b->nstr >= UINT32_MAX - 1)
		return false;
	if (!vec_grow((void **)&b->strings.p, &b->strings.cap, b->strings.len + len + 1, 1) ||
	    !vec_grow((void **)&b->str_off, &b->str_cap, b->nstr + 1, sizeof(*b->str_off)))
		return false;
	memcpy(b->strings.p + b->strings.len, s, len);
	b->strings.p[b->strings.len + len] = '\0';
	b->str_off[b->nstr] = (uint32_t)b->strings.len;
	b->strings.len += len + 1;
	b->slots[j] = (uint32_t)b->nstr + 1;
	*ret = (uint32_t)b->nstr++;
	return true;
}

struct iod_error *dw_ixb_add_cu(struct dw_ixb *b, const struct dw_ix_cu *cu, const char *name,
				uint32_t *ret)
{
	struct dw_ix_cu c = *cu;

	if (b->ncus >= (1u << 24) - 1)
		return iod_error_new(IOD_ERR_TYPE, "too many compilation units");
	c.name = UINT32_MAX;
	if (name && !intern(b, name, strlen(name), &c.name))
		return &iod_error_nomem;
	if (!vec_grow((void **)&b->cus, &b->cus_cap, b->ncus + 1, sizeof(*b->cus)))
		return &iod_error_nomem;
	b->cus[b->ncus] = c;
	*ret = (uint32_t)b->ncus++;
	return NULL;
}

static struct iod_error *add_entry_id(struct dw_ixb *b, uint32_t cu, uint64_t off, unsigned tag,
				      unsigned flags, uint32_t name)
{
	if (b->nentries >= UINT32_MAX / 2)
		return iod_error_new(IOD_ERR_TYPE, "too many types");
	if (!vec_grow((void **)&b->entries, &b->entries_cap, b->nentries + 1, sizeof(*b->entries)))
		return &iod_error_nomem;
	b->entries[b->nentries++] = (struct ixb_entry){
		.off = off, .name = name, .cu_tag = cu << 8 | (flags & 0xf) << 4 | (tag & 0xf),
	};
	return NULL;
}

struct iod_error *dw_ixb_add_entry(struct dw_ixb *b, uint32_t cu, uint64_t off,
				   unsigned tag, unsigned flags, const char *name, size_t len,
				   uint32_t *ret_name)
{
	uint32_t id;

	if (!intern(b, name, len, &id))
		return &iod_error_nomem;
	if (ret_name)
		*ret_name = id;
	return add_entry_id(b, cu, off, tag, flags, id);
}

/* --- enumerators: one record per (name, enum name) or (name, value) ----------- */

static uint32_t enum_key_hash(const struct ixb_enum *e)
{
	uint64_t h = (uint64_t)e->name * UINT64_C(0x9e3779b97f4a7c15);

	if (e->enum_name != UINT32_MAX)
		h ^= ((uint64_t)e->enum_name + 1) * UINT64_C(0xbf58476d1ce4e5b9);
	else
		h ^= (e->value + e->is_signed) * UINT64_C(0x94d049bb133111eb);
	h ^= h >> 31;
	h *= UINT64_C(0xd6e8feb86659fd93);
	return (uint32_t)(h ^ (h >> 32));
}

static bool enum_key_eq(const struct ixb_enum *a, const struct ixb_enum *b)
{
	if (a->name != b->name || a->enum_name != b->enum_name)
		return false;
	return a->enum_name != UINT32_MAX || (a->value == b->value && a->is_signed == b->is_signed);
}

static bool enum_rehash(struct dw_ixb *b)
{
	size_t n = b->neslots ? b->neslots * 2 : 1024;
	uint32_t *s = calloc(n, sizeof(*s));

	if (!s)
		return false;
	for (size_t i = 0; i < b->nenums; i++) {
		size_t j = enum_key_hash(&b->enums[i]) & (n - 1);

		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = (uint32_t)i + 1;
	}
	free(b->eslots);
	b->eslots = s;
	b->neslots = n;
	return true;
}

/* Adds e unless a record with its key is there already. */
static struct iod_error *add_enum_rec(struct dw_ixb *b, const struct ixb_enum *e)
{
	size_t j;

	if ((b->nenums + 1) * 2 > b->neslots && !enum_rehash(b))
		return &iod_error_nomem;
	for (j = enum_key_hash(e) & (b->neslots - 1); b->eslots[j]; j = (j + 1) & (b->neslots - 1))
		if (enum_key_eq(&b->enums[b->eslots[j] - 1], e))
			return NULL;
	if (b->nenums >= UINT32_MAX / 2)
		return iod_error_new(IOD_ERR_TYPE, "too many enumerators");
	if (!vec_grow((void **)&b->enums, &b->enums_cap, b->nenums + 1, sizeof(*b->enums)))
		return &iod_error_nomem;
	b->enums[b->nenums] = *e;
	b->eslots[j] = (uint32_t)++b->nenums;
	return NULL;
}

static uint64_t seq_mix(uint64_t h, uint64_t v)
{
	h ^= v * UINT64_C(0x9e3779b97f4a7c15);
	return ((h << 27) | (h >> 37)) * UINT64_C(0xbf58476d1ce4e5b9);
}

/*
 * The text of the names counts, not where they are: a .ko keeps a copy of
 * each string per unit. Eight bytes at a time, as most names are longer.
 */
static uint64_t seq_hash(uint32_t enum_name, const struct dw_ixb_enumerator *v, size_t n)
{
	uint64_t h = seq_mix(enum_name, n);

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i].name), k = 0;
		uint64_t w;

		for (; k + 8 <= len; k += 8) {
			memcpy(&w, v[i].name + k, 8);
			h = seq_mix(h, w);
		}
		w = 0;
		memcpy(&w, v[i].name + k, len - k);
		h = seq_mix(h, w ^ (uint64_t)len << 56);
		h = seq_mix(h, v[i].value ^ v[i].is_signed);
	}
	return h;
}

static bool seq_equal(const struct dw_ixb *b, const uint64_t *p, uint32_t enum_name,
		      const struct dw_ixb_enumerator *v, size_t n)
{
	if (p[0] != enum_name || p[1] != n)
		return false;
	p += 2;
	for (size_t i = 0; i < n; i++, p += 3)
		if (p[1] != v[i].value || p[2] != v[i].is_signed ||
		    strcmp(ixb_str(b, (uint32_t)p[0]), v[i].name))
			return false;
	return true;
}

static bool seq_rehash(struct dw_ixb *b)
{
	size_t n = b->nqslots ? b->nqslots * 2 : 256;
	struct seq_slot *s = calloc(n, sizeof(*s));

	if (!s)
		return false;
	for (size_t i = 0; i < b->nqslots; i++) {
		size_t j;

		if (!b->qslots[i].at)
			continue;
		for (j = b->qslots[i].hash & (n - 1); s[j].at; j = (j + 1) & (n - 1))
			;
		s[j] = b->qslots[i];
	}
	free(b->qslots);
	b->qslots = s;
	b->nqslots = n;
	return true;
}

struct iod_error *dw_ixb_add_enum(struct dw_ixb *b, uint32_t cu, uint64_t off, unsigned flags,
				  uint32_t enum_name, const struct dw_ixb_enumerator *v, size_t n)
{
	uint64_t h, *p;
	size_t j, need;

	if (!n)
		return NULL;
	if (enum_name != UINT32_MAX && enum_name >= b->nstr)
		return iod_error_new(IOD_ERR_TYPE, "enum without an interned name");
	h = seq_hash(enum_name, v, n);
	if ((b->nseq + 1) * 2 > b->nqslots && !seq_rehash(b))
		return &iod_error_nomem;
	for (j = h & (b->nqslots - 1); b->qslots[j].at; j = (j + 1) & (b->nqslots - 1))
		if (b->qslots[j].hash == h && seq_equal(b, b->pool + b->qslots[j].at - 1, enum_name, v, n))
			return NULL;
	if (n > SIZE_MAX / 32 || b->npool > SIZE_MAX / 16 - 3 * n)
		return &iod_error_nomem;
	need = b->npool + 2 + 3 * n;
	if (!vec_grow((void **)&b->pool, &b->pool_cap, need, sizeof(*b->pool)))
		return &iod_error_nomem;
	p = b->pool + b->npool;
	p[0] = enum_name;
	p[1] = n;
	for (size_t i = 0; i < n; i++) {
		struct ixb_enum e = {
			.off = off,
			.enum_name = enum_name,
			.cu_tag = cu << 8 | (flags & 0xf) << 4 | DW_IX_ENUM,
		};
		struct iod_error *err;

		if (enum_name == UINT32_MAX) {
			e.value = v[i].value;
			e.is_signed = v[i].is_signed;
		}
		if (!intern(b, v[i].name, strlen(v[i].name), &e.name))
			return &iod_error_nomem;
		err = add_enum_rec(b, &e);
		if (err)
			return err;
		p[2 + 3 * i] = e.name;
		p[3 + 3 * i] = v[i].value;
		p[4 + 3 * i] = v[i].is_signed;
	}
	/* Recorded only now: a failure above leaves no half-filed enum behind. */
	b->qslots[j] = (struct seq_slot){ h, b->npool + 1 };
	b->npool = need;
	b->nseq++;
	return NULL;
}

struct iod_error *dw_ixb_append(struct dw_ixb *b, struct dw_ixb *part)
{
	uint32_t base = (uint32_t)b->ncus, *map;
	struct iod_error *err = NULL;

	/* Each of part's strings is interned once; its entries are renumbered through map. */
	map = malloc((part->nstr ? part->nstr : 1) * sizeof(*map));
	if (!map)
		return &iod_error_nomem;
	for (size_t id = 0; id < part->nstr; id++) {
		const char *str = ixb_str(part, (uint32_t)id);

		if (!intern(b, str, strlen(str), &map[id])) {
			free(map);
			return &iod_error_nomem;
		}
	}
	if (b->ncus + part->ncus >= (1u << 24) - 1) {
		free(map);
		return iod_error_new(IOD_ERR_TYPE, "too many compilation units");
	}
	if (!vec_grow((void **)&b->cus, &b->cus_cap, b->ncus + part->ncus, sizeof(*b->cus)) ||
	    !vec_grow((void **)&b->entries, &b->entries_cap, b->nentries + part->nentries,
		      sizeof(*b->entries))) {
		free(map);
		return &iod_error_nomem;
	}
	for (size_t i = 0; i < part->ncus; i++) {
		struct dw_ix_cu c = part->cus[i];

		if (c.name != UINT32_MAX)
			c.name = map[c.name];
		b->cus[b->ncus++] = c;
	}
	for (size_t i = 0; i < part->nentries && !err; i++) {
		const struct ixb_entry *e = &part->entries[i];

		err = add_entry_id(b, base + (e->cu_tag >> 8), e->off, e->cu_tag & 0xf,
				   (e->cu_tag >> 4) & 0xf, map[e->name]);
	}
	/* The part's records after ours, so the first copy of each key stays the first in the file. */
	for (size_t i = 0; i < part->nenums && !err; i++) {
		struct ixb_enum e = part->enums[i];

		e.name = map[e.name];
		if (e.enum_name != UINT32_MAX)
			e.enum_name = map[e.enum_name];
		e.cu_tag = (base + (e.cu_tag >> 8)) << 8 | (e.cu_tag & 0xff);
		err = add_enum_rec(b, &e);
	}
	free(map);
	return err;
}

/* --- finishing: the flat buffer ---------------------------------------------- */

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static int tu_cmp(const void *a, const void *b, void *ctx)
{
	const struct dw_ix_cu *cus = ctx;
	uint64_t x = cus[*(const uint32_t *)a].sig, y = cus[*(const uint32_t *)b].sig;

	return x < y ? -1 : x > y;
}

/* The sorted table of type units, for ref_sig8. */
static bool index_tus(struct dw_index *ix)
{
	size_t n = 0;

	for (uint32_t i = 0; i < ix->h->ncus; i++)
		n += ix->cus[i].is_type_unit;
	if (!n)
		return true;
	ix->tus = malloc(n * sizeof(*ix->tus));
	if (!ix->tus)
		return false;
	for (uint32_t i = 0; i < ix->h->ncus; i++)
		if (ix->cus[i].is_type_unit)
			ix->tus[ix->ntus++] = i;
	qsort_r(ix->tus, ix->ntus, sizeof(*ix->tus), tu_cmp, (void *)ix->cus);
	return true;
}

static void set_tables(struct dw_index *ix)
{
	const struct ix_header *h = (const struct ix_header *)ix->buf;

	ix->h = h;
	ix->cus = (const struct dw_ix_cu *)(ix->buf + h->cus_off);
	ix->entries = (const struct dw_ix_entry *)(ix->buf + h->entries_off);
	ix->names = (const struct ix_name *)(ix->buf + h->names_off);
	ix->lists = (const uint32_t *)(ix->buf + h->lists_off);
	ix->buckets = (const uint32_t *)(ix->buf + h->buckets_off);
	ix->enums = (const struct dw_ix_entry *)(ix->buf + h->enums_off);
	ix->enames = (const struct ix_name *)(ix->buf + h->enames_off);
	ix->ebuckets = (const uint32_t *)(ix->buf + h->ebuckets_off);
	ix->strings = (const char *)(ix->buf + h->strings_off);
}

static size_t bucket_count(size_t nnames)
{
	size_t n = 16;

	while (n < nnames * 2)
		n *= 2;
	return n;
}

static void put_bucket(uint32_t *buckets, size_t nbuckets, uint32_t hash, uint32_t name)
{
	size_t j;

	for (j = hash & (nbuckets - 1); buckets[j]; j = (j + 1) & (nbuckets - 1))
		;
	buckets[j] = name + 1;
}

/* The enumerator tables: records grouped by name, the names, their buckets. */
static bool finish_enums(const struct dw_ixb *b, unsigned char *buf, const struct ix_header *h)
{
	struct dw_ix_entry *recs = (struct dw_ix_entry *)(buf + h->enums_off);
	struct ix_name *names = (struct ix_name *)(buf + h->enames_off);
	uint32_t *buckets = (uint32_t *)(buf + h->ebuckets_off), *next, n = 0, first = 0;

	next = calloc(b->nstr ? b->nstr : 1, sizeof(*next));
	if (!next)
		return false;
	for (size_t i = 0; i < b->nenums; i++)
		next[b->enums[i].name]++;
	for (size_t id = 0; id < b->nstr; id++) {
		uint32_t c = next[id];
		const char *str;

		if (!c)
			continue;
		str = ixb_str(b, (uint32_t)id);
		names[n] = (struct ix_name){ b->str_off[id], str_hash(str, strlen(str)), first, c };
		put_bucket(buckets, h->nebuckets, names[n].hash, n);
		next[id] = first;
		first += c;
		n++;
	}
	for (size_t i = 0; i < b->nenums; i++) {
		const struct ixb_enum *e = &b->enums[i];

		recs[next[e->name]++] = (struct dw_ix_entry){ e->off, b->str_off[e->name], e->cu_tag };
	}
	free(next);
	return true;
}

struct iod_error *dw_index_finish(struct dw_ixb *b, const struct dw_key *key, unsigned flags,
				  struct dw_index **ret)
{
	size_t pathlen = strlen(key->path), nrefs = 0, nnames = 0, nbuckets, size;
	size_t nenames = 0, nebuckets;
	uint32_t path_id, *seg = NULL, *count = NULL;
	struct ix_header *h;
	struct dw_index *ix;
	struct ix_name *names;
	uint32_t *lists, *buckets;
	unsigned char *buf;

	if (!intern(b, key->path, pathlen, &path_id))
		return &iod_error_nomem;
	/* A Rust path is also filed under its last segment. */
	seg = malloc((b->nentries ? b->nentries : 1) * sizeof(*seg));
	if (!seg)
		return &iod_error_nomem;
	for (size_t i = 0; i < b->nentries; i++) {
		const struct ixb_entry *e = &b->entries[i];
		const char *name, *last;
		size_t len;

		seg[i] = UINT32_MAX;
		if (!((e->cu_tag >> 4) & DW_IX_F_RUST))
			continue;
		name = ixb_str(b, e->name);
		len = strlen(name);
		last = iod_rust_last_segment(name, len);
		if (last && !intern(b, last, len - (size_t)(last - name), &seg[i])) {
			free(seg);
			return &iod_error_nomem;
		}
	}
	/* Per string: bit 31 "some entry's own name", the rest how many entries file under it. */
	count = calloc(b->nstr ? b->nstr : 1, sizeof(*count));
	if (!count) {
		free(seg);
		return &iod_error_nomem;
	}
	for (size_t i = 0; i < b->nentries; i++) {
		count[b->entries[i].name] = (count[b->entries[i].name] + 1) | IX_FULL;
		nrefs++;
		if (seg[i] != UINT32_MAX) {
			count[seg[i]] = ((count[seg[i]] & ~IX_FULL) + 1) | (count[seg[i]] & IX_FULL);
			nrefs++;
		}
	}
	for (size_t id = 0; id < b->nstr; id++)
		nnames += (count[id] & ~IX_FULL) != 0;
	nbuckets = bucket_count(nnames);
	/* Enumerator names: each string counted once, the first time a record uses it. */
	{
		unsigned char *used = calloc(b->nstr ? b->nstr : 1, 1);

		if (!used) {
			free(seg);
			free(count);
			return &iod_error_nomem;
		}
		for (size_t i = 0; i < b->nenums; i++) {
			nenames += !used[b->enums[i].name];
			used[b->enums[i].name] = 1;
		}
		free(used);
	}
	nebuckets = bucket_count(nenames);

	{
		size_t cus_off = align8(sizeof(*h));
		size_t entries_off = cus_off + align8(b->ncus * sizeof(struct dw_ix_cu));
		size_t names_off = entries_off + align8(b->nentries * sizeof(struct dw_ix_entry));
		size_t lists_off = names_off + align8(nnames * sizeof(struct ix_name));
		size_t buckets_off = lists_off + align8(nrefs * sizeof(uint32_t));
		size_t enums_off = buckets_off + align8(nbuckets * sizeof(uint32_t));
		size_t enames_off = enums_off + align8(b->nenums * sizeof(struct dw_ix_entry));
		size_t ebuckets_off = enames_off + align8(nenames * sizeof(struct ix_name));
		size_t strings_off = ebuckets_off + align8(nebuckets * sizeof(uint32_t));

		size = strings_off + align8(b->strings.len);
		buf = calloc(1, size);
		if (!buf) {
			free(seg);
			free(count);
			return &iod_error_nomem;
		}
		h = (struct ix_header *)buf;
		h->cus_off = cus_off;
		h->entries_off = entries_off;
		h->names_off = names_off;
		h->lists_off = lists_off;
		h->buckets_off = buckets_off;
		h->enums_off = enums_off;
		h->enames_off = enames_off;
		h->ebuckets_off = ebuckets_off;
		h->strings_off = strings_off;
	}
	memcpy(h->magic, IX_MAGIC, 8);
	h->version = IX_VERSION;
	h->byte_order = IX_BYTE_ORDER;
	h->total_size = size;
	h->flags = flags;
	h->file_size = key->size;
	h->mtime_sec = key->mtime_sec;
	h->mtime_nsec = key->mtime_nsec;
	h->path_str = b->str_off[path_id];
	h->path_len = (uint32_t)pathlen;
	h->build_id_len = (uint32_t)(key->build_id_len > DW_BUILD_ID_MAX ? DW_BUILD_ID_MAX :
						   key->build_id_len);
	if (h->build_id_len)
		memcpy(h->build_id, key->build_id, h->build_id_len);
	h->ncus = (uint32_t)b->ncus;
	h->nentries = (uint32_t)b->nentries;
	h->nnames = (uint32_t)nnames;
	h->nlists = (uint32_t)nrefs;
	h->nbuckets = (uint32_t)nbuckets;
	h->nenums = (uint32_t)b->nenums;
	h->nenames = (uint32_t)nenames;
	h->nebuckets = (uint32_t)nebuckets;
	h->strings_size = (uint32_t)b->strings.len;

	for (size_t i = 0; i < b->ncus; i++) {
		struct dw_ix_cu *c = (struct dw_ix_cu *)(buf + h->cus_off) + i;

		*c = b->cus[i];
		c->name = c->name == UINT32_MAX ? UINT32_MAX : b->str_off[c->name];
	}
	for (size_t i = 0; i < b->nentries; i++) {
		struct dw_ix_entry *e = (struct dw_ix_entry *)(buf + h->entries_off) + i;

		e->off = b->entries[i].off;
		e->name = b->str_off[b->entries[i].name];
		e->cu_tag = b->entries[i].cu_tag;
	}
	/* Names in string order; count[] becomes each name's next free list slot. */
	names = (struct ix_name *)(buf + h->names_off);
	lists = (uint32_t *)(buf + h->lists_off);
	buckets = (uint32_t *)(buf + h->buckets_off);
	{
		uint32_t n = 0, first = 0;

		for (size_t id = 0; id < b->nstr; id++) {
			uint32_t c = count[id] & ~IX_FULL;
			const char *str;

			if (!c)
				continue;
			str = ixb_str(b, (uint32_t)id);
			names[n] = (struct ix_name){ b->str_off[id], str_hash(str, strlen(str)), first,
						     count[id] };
			put_bucket(buckets, nbuckets, names[n].hash, n);
			count[id] = first;
			first += c;
			n++;
		}
	}
	/* Entries in file order, so every list is in file order. */
	for (size_t i = 0; i < b->nentries; i++) {
		lists[count[b->entries[i].name]++] = (uint32_t)i;
		if (seg[i] != UINT32_MAX)
			lists[count[seg[i]]++] = (uint32_t)i;
	}
	memcpy(buf + h->strings_off, b->strings.p, b->strings.len);
	free(seg);
	free(count);
	if (!finish_enums(b, buf, h)) {
		free(buf);
		return &iod_error_nomem;
	}
	h->checksum = whole_checksum(buf, size);

	ix = calloc(1, sizeof(*ix));
	if (!ix) {
		free(buf);
		return &iod_error_nomem;
	}
	ix->buf = buf;
	ix->size = size;
	set_tables(ix);
	if (!index_tus(ix)) {
		dw_index_free(ix);
		return &iod_error_nomem;
	}
	*ret = ix;
	return NULL;
}

/* --- reading a buffer back ---------------------------------------------------- */

static bool table_ok(const struct ix_header *h, uint64_t off, uint64_t n, size_t el)
{
	return off % 8 == 0 && off >= sizeof(*h) && off <= h->total_size &&
	       n <= (h->total_size - off) / el;
}

/* The enumerator tables, once the rest is known to be sound. */
static const char *check_enums(const unsigned char *buf, const struct ix_header *h)
{
	const struct dw_ix_entry *recs = (const struct dw_ix_entry *)(buf + h->enums_off);
	const struct dw_ix_cu *cus = (const struct dw_ix_cu *)(buf + h->cus_off);
	const struct ix_name *names = (const struct ix_name *)(buf + h->enames_off);
	const uint32_t *buckets = (const uint32_t *)(buf + h->ebuckets_off);

	for (uint32_t i = 0; i < h->nenums; i++) {
		const struct dw_ix_entry *e = &recs[i];
		const struct dw_ix_cu *cu;

		if (e->name >= h->strings_size || dw_ix_cu(e) >= h->ncus ||
		    dw_ix_tag(e) != DW_IX_ENUM || (dw_ix_flags(e) & ~(DW_IX_F_TYPES | DW_IX_F_RUST)))
			return "corrupt enumerators";
		/* The enum's DIE lies inside its unit, in the unit's section. */
		cu = &cus[dw_ix_cu(e)];
		if (e->off < cu->hdr_off || e->off >= cu->end_off ||
		    !cu->is_info != !!(dw_ix_flags(e) & DW_IX_F_TYPES))
			return "corrupt enumerators";
	}
	for (uint32_t i = 0; i < h->nenames; i++)
		if (names[i].str >= h->strings_size || names[i].first > h->nenums ||
		    names[i].count > h->nenums - names[i].first)
			return "corrupt enumerator names";
	for (uint32_t i = 0; i < h->nebuckets; i++)
		if (buckets[i] > h->nenames)
			return "corrupt enumerator buckets";
	return NULL;
}

/* Why buf is not a usable index for key, or NULL when it is. */
static const char *check_buffer(const unsigned char *buf, size_t size, const struct dw_key *key)
{
	const struct ix_header *h = (const struct ix_header *)buf;
	const struct dw_ix_entry *entries;
	const struct ix_name *names;
	const uint32_t *lists, *buckets;
	const struct dw_ix_cu *cus;
	const char *strings;

	if (size < sizeof(*h) || memcmp(h->magic, IX_MAGIC, 8))
		return "not an iodbg index";
	if (h->version != IX_VERSION || h->byte_order != IX_BYTE_ORDER)
		return "written by another version";
	if (h->total_size != size)
		return "truncated";
	if (whole_checksum(buf, size) != h->checksum)
		return "checksum mismatch";
	if (!table_ok(h, h->cus_off, h->ncus, sizeof(struct dw_ix_cu)) ||
	    !table_ok(h, h->entries_off, h->nentries, sizeof(struct dw_ix_entry)) ||
	    !table_ok(h, h->names_off, h->nnames, sizeof(struct ix_name)) ||
	    !table_ok(h, h->lists_off, h->nlists, sizeof(uint32_t)) ||
	    !table_ok(h, h->buckets_off, h->nbuckets, sizeof(uint32_t)) ||
	    !table_ok(h, h->enums_off, h->nenums, sizeof(struct dw_ix_entry)) ||
	    !table_ok(h, h->enames_off, h->nenames, sizeof(struct ix_name)) ||
	    !table_ok(h, h->ebuckets_off, h->nebuckets, sizeof(uint32_t)) ||
	    !table_ok(h, h->strings_off, h->strings_size, 1) || !h->strings_size ||
	    !h->nbuckets || (h->nbuckets & (h->nbuckets - 1)) || h->nbuckets <= h->nnames ||
	    !h->nebuckets || (h->nebuckets & (h->nebuckets - 1)) || h->nebuckets <= h->nenames)
		return "corrupt tables";
	strings = (const char *)buf + h->strings_off;
	if (strings[h->strings_size - 1] != '\0')
		return "corrupt strings";
	if (h->path_str >= h->strings_size || h->path_len >= h->strings_size - h->path_str ||
	    h->build_id_len > DW_BUILD_ID_MAX)
		return "corrupt key";
	/* The key: the very file, unchanged. */
	if (h->path_len != strlen(key->path) || memcmp(strings + h->path_str, key->path, h->path_len) ||
	    strings[h->path_str + h->path_len] != '\0')
		return "written for another file";
	if (h->file_size != key->size || h->mtime_sec != key->mtime_sec ||
	    h->mtime_nsec != key->mtime_nsec || h->build_id_len != key->build_id_len ||
	    (h->build_id_len && memcmp(h->build_id, key->build_id, h->build_id_len)))
		return "stale (the file changed)";
	cus = (const struct dw_ix_cu *)(buf + h->cus_off);
	for (uint32_t i = 0; i < h->ncus; i++)
		if ((cus[i].name != UINT32_MAX && cus[i].name >= h->strings_size) ||
		    cus[i].lang > DW_IX_LANG_RUST)
			return "corrupt units";
	entries = (const struct dw_ix_entry *)(buf + h->entries_off);
	for (uint32_t i = 0; i < h->nentries; i++) {
		const struct dw_ix_entry *e = &entries[i];

		if (e->name >= h->strings_size || dw_ix_cu(e) >= h->ncus || !dw_ix_tag(e) ||
		    dw_ix_tag(e) > DW_IX_BASE)
			return "corrupt entries";
		/* Lookups by offset rely on file order. */
		if (i && ((dw_ix_flags(e) & DW_IX_F_TYPES) <
				  (dw_ix_flags(&e[-1]) & DW_IX_F_TYPES) ||
			  ((dw_ix_flags(e) & DW_IX_F_TYPES) == (dw_ix_flags(&e[-1]) & DW_IX_F_TYPES) &&
			   e->off <= e[-1].off)))
			return "corrupt entry order";
	}
	names = (const struct ix_name *)(buf + h->names_off);
	lists = (const uint32_t *)(buf + h->lists_off);
	for (uint32_t i = 0; i < h->nnames; i++) {
		uint32_t count = names[i].count & ~IX_FULL;

		if (names[i].str >= h->strings_size || names[i].first > h->nlists ||
		    count > h->nlists - names[i].first)
			return "corrupt names";
	}
	for (uint32_t i = 0; i < h->nlists; i++)
		if (lists[i] >= h->nentries)
			return "corrupt lists";
	buckets = (const uint32_t *)(buf + h->buckets_off);
	for (uint32_t i = 0; i < h->nbuckets; i++)
		if (buckets[i] > h->nnames)
			return "corrupt buckets";
	return check_enums(buf, h);
}

struct iod_error *dw_index_from_buffer(void *buf, size_t size, bool mapped,
				       const struct dw_key *key, struct dw_index **ret)
{
	const char *why = check_buffer(buf, size, key);
	struct dw_index *ix;

	if (why)
		return iod_error_new(IOD_ERR_TYPE, "%s", why);
	ix = calloc(1, sizeof(*ix));
	if (!ix)
		return &iod_error_nomem;
	ix->buf = buf;
	ix->size = size;
	ix->mapped = mapped;
	set_tables(ix);
	if (!index_tus(ix)) {
		ix->buf = NULL;
		dw_index_free(ix);
		return &iod_error_nomem;
	}
	*ret = ix;
	return NULL;
}

void dw_index_free(struct dw_index *ix)
{
	if (!ix)
		return;
	if (ix->buf) {
		if (ix->mapped)
			munmap(ix->buf, ix->size);
		else
			free(ix->buf);
	}
	free(ix->tus);
	free(ix);
}

const void *dw_index_data(const struct dw_index *ix, size_t *size)
{
	*size = ix->size;
	return ix->buf;
}

uint64_t dw_index_checksum(const struct dw_index *ix)
{
	return ix->h->checksum;
}

unsigned dw_index_flags(const struct dw_index *ix)
{
	return ix->h->flags;
}

size_t dw_index_ncus(const struct dw_index *ix)
{
	return ix->h->ncus;
}

size_t dw_index_nentries(const struct dw_index *ix)
{
	return ix->h->nentries;
}

const struct dw_ix_cu *dw_index_cu(const struct dw_index *ix, uint32_t i)
{
	return i < ix->h->ncus ? &ix->cus[i] : NULL;
}

const struct dw_ix_entry *dw_index_entry(const struct dw_index *ix, uint32_t i)
{
	return i < ix->h->nentries ? &ix->entries[i] : NULL;
}

const char *dw_index_str(const struct dw_index *ix, uint32_t off)
{
	return off < ix->h->strings_size ? ix->strings + off : NULL;
}

/* The name table entry of name, or NULL. */
static const struct ix_name *find_name(const struct dw_index *ix, const struct ix_name *names,
				       const uint32_t *buckets, uint32_t nbuckets, const char *name)
{
	uint32_t hash = str_hash(name, strlen(name)), mask = nbuckets - 1;

	for (uint32_t j = hash & mask;; j = (j + 1) & mask) {
		uint32_t b = buckets[j];
		const struct ix_name *nm;

		if (!b)
			return NULL;
		nm = &names[b - 1];
		if (nm->hash == hash && !strcmp(ix->strings + nm->str, name))
			return nm;
	}
}

const uint32_t *dw_index_lookup(const struct dw_index *ix, const char *name, size_t *n)
{
	const struct ix_name *nm = find_name(ix, ix->names, ix->buckets, ix->h->nbuckets, name);

	*n = nm ? nm->count & ~IX_FULL : 0;
	return nm ? ix->lists + nm->first : NULL;
}

const struct dw_ix_entry *dw_index_enumerators(const struct dw_index *ix, const char *name,
					       size_t *n)
{
	const struct ix_name *nm = find_name(ix, ix->enames, ix->ebuckets, ix->h->nebuckets, name);

	*n = nm ? nm->count : 0;
	return nm && nm->count ? ix->enums + nm->first : NULL;
}


/* (section, offset) as one ordered key: .debug_info first. */
static int ref_cmp(bool a_info, uint64_t a_off, bool b_info, uint64_t b_off)
{
	if (a_info != b_info)
		return a_info ? -1 : 1;
	return a_off < b_off ? -1 : a_off > b_off;
}

const struct dw_ix_entry *dw_index_entry_at(const struct dw_index *ix, struct dw_ref ref)
{
	size_t lo = 0, hi = ix->h->nentries;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct dw_ix_entry *e = &ix->entries[mid];
		int c = ref_cmp(!(dw_ix_flags(e) & DW_IX_F_TYPES), e->off, ref.is_info, ref.off);

		if (!c)
			return e;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct dw_ix_cu *dw_index_cu_at(const struct dw_index *ix, struct dw_ref ref)
{
	size_t lo = 0, hi = ix->h->ncus;
	const struct dw_ix_cu *best = NULL;

	/* Units are in file order too: the last one starting at or before ref. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct dw_ix_cu *c = &ix->cus[mid];

		if (ref_cmp(c->is_info, c->hdr_off, ref.is_info, ref.off) <= 0) {
			best = c;
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (best && (best->is_info != ref.is_info || ref.off >= best->end_off))
		return NULL;
	return best;
}

const struct dw_ix_cu *dw_index_type_unit(const struct dw_index *ix, uint64_t sig)
{
	size_t lo = 0, hi = ix->ntus;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct dw_ix_cu *c = &ix->cus[ix->tus[mid]];

		if (c->sig == sig)
			return c;
		if (c->sig < sig)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct iod_error *dw_index_names(const struct dw_index *ix,
				 struct iod_error *(*cb)(void *cbctx, const char *name),
				 void *cbctx)
{
	for (uint32_t i = 0; i < ix->h->nnames; i++) {
		struct iod_error *err;

		if (!(ix->names[i].count & IX_FULL))
			continue;
		err = cb(cbctx, ix->strings + ix->names[i].str);
		if (err)
			return err;
	}
	return NULL;
}
