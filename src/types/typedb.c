/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The type database: owns every type, registers named ones, resolves names as users write them. */
#include <ctype.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iodbg/types.h"
#include "internal.h"

/*
 * Name spaces. C keeps struct/union/enum tags apart from ordinary names
 * (typedef struct X X is fine); struct, union and enum are also kept apart
 * from each other so that "union X" never finds a struct X.
 */
enum ns {
	NS_ORD,     /* typedefs, base types, anything else registered by name */
	NS_STRUCT,
	NS_UNION,
	NS_ENUM,
	NS_BUILTIN, /* what a bare built-in name always means */
	NS_SHORT,   /* last segment of a Rust path -> the entries of the full paths */
	NS_ASKED,   /* how many type sources have been asked about a name */
	NS_ENUMERATOR,      /* an enumerator name -> the enums that have it (defs) */
	NS_ENUMERATOR_ASKED, /* how many sources have been asked about an enumerator */
};

struct entry;

/* Every type lives in a node; the type comes first so a type pointer is its node. */
struct node {
	struct iod_type t;
	struct node *next_all;  /* every node, to free member arrays */
	struct entry *entry;    /* where it is registered, or NULL */
	size_t members_cap;
	size_t enumerators_cap;
};

/* One (name space, name): its layouts in registration order. */
struct entry {
	enum ns ns;
	bool rust;              /* holds a Rust type, so the bare name finds it */
	const char *name;       /* interned, NUL-terminated */
	size_t len;
	struct node **defs;     /* distinct definitions: NAME#0, NAME#1, ... */
	size_t ndefs, defs_cap;
	struct node *decl;      /* the first declaration; used while there is no definition */
	struct entry **full;    /* NS_SHORT: full-path entries, in registration order */
	size_t nfull, full_cap;
	size_t nasked;          /* NS_ASKED: sources[0..nasked) have been asked */
};

/* Open addressing; nothing is ever removed, so an empty slot ends a probe. */
struct slot {
	uint64_t hash;
	void *obj;
};

struct table {
	struct slot *slots;
	size_t mask;
	size_t n;
};

struct chunk {
	struct chunk *next;
	size_t size, used;
	max_align_t data[];
};

struct source {
	struct iod_type_source_ops ops;
	void *ctx;
};

struct iod_typedb {
	struct chunk *chunks;   /* arena: nodes, entries and strings, freed at once */
	struct table strings;   /* interned strings */
	struct table names;     /* (name space, name) -> struct entry */
	struct table arrays;    /* (element, count, flexible) -> array node */
	struct node *all;
	struct node **registered;
	size_t nregistered, registered_cap;
	struct source *sources;
	size_t nsources;
	/* The enumerator search: what has been filed under NS_ENUMERATOR so far. */
	size_t enum_walked;             /* registered[0..enum_walked) */
	struct node **enum_roots;       /* more types to walk (iod_typedb_add_enumerators) */
	size_t nenum_roots, enum_roots_cap, enum_roots_walked;
	struct table enum_seen;         /* every enum, struct and union walked */
};

#define CHUNK_BYTES (64 * 1024)
#define MAX_DIMS 32

static struct node *node_of(struct iod_type *t)
{
	return (struct node *)((char *)t - offsetof(struct node, t));
}

/* --- memory ------------------------------------------------------------- */

static void *arena_alloc(struct iod_typedb *db, size_t size, size_t align)
{
	struct chunk *c = db->chunks;
	size_t off;
	void *p;

	if (size > SIZE_MAX / 4)
		return NULL;
	off = c ? (c->used + align - 1) & ~(align - 1) : 0;
	if (!c || off > c->size || c->size - off < size) {
		size_t cap = size > CHUNK_BYTES / 4 ? size : CHUNK_BYTES;
		struct chunk *nc = malloc(sizeof(*nc) + cap);

		if (!nc)
			return NULL;
		nc->size = cap;
		nc->used = 0;
		if (c && cap == size) {
			/* A big block gets a chunk of its own; small ones keep filling the current one. */
			nc->next = c->next;
			c->next = nc;
		} else {
			nc->next = c;
			db->chunks = nc;
		}
		c = nc;
		off = 0;
	}
	p = (char *)c->data + off;
	c->used = off + size;
	return p;
}

/* realloc for vectors: the new array, or NULL with v and *cap untouched. */
static void *grow(void *v, size_t *cap, size_t need, size_t elsize)
{
	size_t ncap;

	if (need <= *cap)
		return v;
	ncap = *cap ? *cap : 4;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return NULL;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / elsize)
		return NULL;
	v = realloc(v, ncap * elsize);
	if (v)
		*cap = ncap;
	return v;
}

/* --- hashing ------------------------------------------------------------ */

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 30;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= UINT64_C(0x94d049bb133111eb);
	h ^= h >> 31;
	return h;
}

/* One string hash serves every name space a lookup probes. */
static uint64_t ns_hash(uint64_t strhash, enum ns ns)
{
	return mix(strhash ^ ((uint64_t)(ns + 1) * UINT64_C(0x9e3779b97f4a7c15)));
}

typedef bool (*eq_fn)(const void *obj, const void *key);

static void *table_get(const struct table *tb, uint64_t hash, eq_fn eq, const void *key)
{
	if (!tb->slots)
		return NULL;
	for (size_t i = hash & tb->mask;; i = (i + 1) & tb->mask) {
		const struct slot *s = &tb->slots[i];

		if (!s->obj)
			return NULL;
		if (s->hash == hash && eq(s->obj, key))
			return s->obj;
	}
}

/* Makes room for one more object, so that table_put cannot fail. */
static bool table_reserve(struct table *tb)
{
	size_t cap = tb->slots ? tb->mask + 1 : 0, ncap;
	struct slot *slots;

	if (cap && (tb->n + 1) * 4 <= cap * 3)
		return true;
	ncap = cap ? cap * 2 : 64;
	slots = calloc(ncap, sizeof(*slots));
	if (!slots)
		return false;
	for (size_t i = 0; i < cap; i++) {
		size_t j;

		if (!tb->slots[i].obj)
			continue;
		for (j = tb->slots[i].hash & (ncap - 1); slots[j].obj; j = (j + 1) & (ncap - 1))
			;
		slots[j] = tb->slots[i];
	}
	free(tb->slots);
	tb->slots = slots;
	tb->mask = ncap - 1;
	return true;
}

static void table_put(struct table *tb, uint64_t hash, void *obj)
{
	size_t i;

	for (i = hash & tb->mask; tb->slots[i].obj; i = (i + 1) & tb->mask)
		;
	tb->slots[i].hash = hash;
	tb->slots[i].obj = obj;
	tb->n++;
}

/* --- strings and entries ------------------------------------------------ */

struct strkey {
	const char *s;
	size_t len;
};

static bool str_eq(const void *obj, const void *key)
{
	const struct strkey *k = key;
	const char *o = obj;

	return !strncmp(o, k->s, k->len) && o[k->len] == '\0';
}

static const char *intern(struct iod_typedb *db, const char *s, size_t len)
{
	struct strkey k = { s, len };
	uint64_t h = hash_bytes(s, len);
	char *p = table_get(&db->strings, h, str_eq, &k);

	if (p)
		return p;
	if (!table_reserve(&db->strings))
		return NULL;
	p = arena_alloc(db, len + 1, 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	table_put(&db->strings, h, p);
	return p;
}

const char *iod_typedb_strdup(struct iod_typedb *db, const char *s)
{
	return s ? intern(db, s, strlen(s)) : NULL;
}

struct namekey {
	enum ns ns;
	const char *s;
	size_t len;
};

static bool entry_eq(const void *obj, const void *key)
{
	const struct entry *e = obj;
	const struct namekey *k = key;

	return e->ns == k->ns && e->len == k->len && !memcmp(e->name, k->s, k->len);
}

static struct entry *entry_get(struct iod_typedb *db, enum ns ns, const char *s, size_t len,
			       uint64_t strhash)
{
	struct namekey k = { ns, s, len };

	return table_get(&db->names, ns_hash(strhash, ns), entry_eq, &k);
}

/* The entry for (ns, name), created when missing; NULL when out of memory. */
static struct entry *entry_make(struct iod_typedb *db, enum ns ns, const char *s, size_t len,
				uint64_t strhash)
{
	struct entry *e = entry_get(db, ns, s, len, strhash);

	if (e)
		return e;
	if (!table_reserve(&db->names))
		return NULL;
	e = arena_alloc(db, sizeof(*e), _Alignof(struct entry));
	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->ns = ns;
	e->len = len;
	e->name = intern(db, s, len);
	if (!e->name)
		return NULL;
	table_put(&db->names, ns_hash(strhash, ns), e);
	return e;
}

static bool entry_live(const struct entry *e)
{
	return e && (e->ndefs || e->decl);
}

/* --- the database ------------------------------------------------------- */

struct iod_error *iod_typedb_new(struct iod_typedb **ret)
{
	struct iod_typedb *db = calloc(1, sizeof(*db));
	struct iod_error *err;

	if (!db)
		return &iod_error_nomem;
	err = iod_typedb_register_builtins(db);
	if (err) {
		iod_typedb_free(db);
		return err;
	}
	*ret = db;
	return NULL;
}

void iod_typedb_free(struct iod_typedb *db)
{
	if (!db)
		return;
	/* Sources first: their contexts may still refer to types they created. */
	for (size_t i = db->nsources; i-- > 0;)
		if (db->sources[i].ops.close)
			db->sources[i].ops.close(db->sources[i].ctx);
	free(db->sources);
	for (struct node *n = db->all; n; n = n->next_all) {
		free(n->t.members);
		free(n->t.enumerators);
	}
	if (db->names.slots) {
		for (size_t i = 0; i <= db->names.mask; i++) {
			struct entry *e = db->names.slots[i].obj;

			if (e) {
				free(e->defs);
				free(e->full);
			}
		}
	}
	free(db->names.slots);
	free(db->strings.slots);
	free(db->arrays.slots);
	free(db->enum_seen.slots);
	free(db->enum_roots);
	free(db->registered);
	while (db->chunks) {
		struct chunk *c = db->chunks;

		db->chunks = c->next;
		free(c);
	}
	free(db);
}

struct iod_error *iod_typedb_add_source(struct iod_typedb *db,
					const struct iod_type_source_ops *ops, void *ctx)
{
	size_t cap = db->nsources;
	struct source *s;

	if (!ops || !ops->find) {
		if (ops && ops->close)
			ops->close(ctx);
		return iod_error_new(IOD_ERR_TYPE, "a type source needs a find operation");
	}
	/* The vector is kept exactly full, so its capacity is its length. */
	s = grow(db->sources, &cap, db->nsources + 1, sizeof(*s));
	if (!s) {
		/* We own ctx from the call on, even when we cannot keep it. */
		if (ops->close)
			ops->close(ctx);
		return &iod_error_nomem;
	}
	db->sources = s;
	s[db->nsources].ops = *ops;
	s[db->nsources].ctx = ctx;
	db->nsources++;
	return NULL;
}

/* --- builders ----------------------------------------------------------- */

struct iod_error *iod_type_create(struct iod_typedb *db, enum iod_type_kind kind,
				  const char *name, struct iod_type **ret)
{
	struct node *n = arena_alloc(db, sizeof(*n), _Alignof(struct node));

	if (!n)
		return &iod_error_nomem;
	memset(n, 0, sizeof(*n));
	n->t.kind = kind;
	n->t.lang = IOD_LANG_C;
	if (name) {
		n->t.name = iod_typedb_strdup(db, name);
		if (!n->t.name)
			return &iod_error_nomem;
	}
	/* x86-64 pointers; DWARF's DW_AT_byte_size overrides. */
	if (kind == IOD_TYPE_POINTER)
		n->t.size = 8;
	n->next_all = db->all;
	db->all = n;
	*ret = &n->t;
	return NULL;
}

static const char *kind_word(enum iod_type_kind k)
{
	switch (k) {
	case IOD_TYPE_BASE: return "base type";
	case IOD_TYPE_ENUM: return "enum";
	case IOD_TYPE_STRUCT: return "struct";
	case IOD_TYPE_UNION: return "union";
	case IOD_TYPE_ARRAY: return "array";
	case IOD_TYPE_TYPEDEF: return "typedef";
	case IOD_TYPE_POINTER: return "pointer";
	case IOD_TYPE_QUAL: return "qualified type";
	case IOD_TYPE_VOID: return "void";
	}
	return "type";
}

struct iod_error *iod_type_add_member(struct iod_typedb *db, struct iod_type *t,
				      const char *name, const struct iod_type *type,
				      uint64_t bit_offset, uint32_t bit_size)
{
	struct node *n = node_of(t);
	const char *iname = NULL;
	struct iod_member *m;

	if (t->kind != IOD_TYPE_STRUCT && t->kind != IOD_TYPE_UNION)
		return iod_error_new(IOD_ERR_TYPE, "cannot add member '%s' to a %s",
				     name ? name : "(anonymous)", kind_word(t->kind));
	if (!type)
		return iod_error_new(IOD_ERR_TYPE, "member '%s' has no type",
				     name ? name : "(anonymous)");
	if (name) {
		iname = iod_typedb_strdup(db, name);
		if (!iname)
			return &iod_error_nomem;
	}
	m = grow(t->members, &n->members_cap, t->nmembers + 1, sizeof(*m));
	if (!m)
		return &iod_error_nomem;
	t->members = m;
	m[t->nmembers++] = (struct iod_member){
		.name = iname, .type = type, .bit_offset = bit_offset, .bit_size = bit_size,
	};
	return NULL;
}

struct iod_error *iod_type_add_enumerator(struct iod_typedb *db, struct iod_type *t,
					  const char *name, uint64_t value)
{
	struct node *n = node_of(t);
	struct iod_enumerator *e;
	const char *iname;

	if (t->kind != IOD_TYPE_ENUM)
		return iod_error_new(IOD_ERR_TYPE, "cannot add enumerator '%s' to a %s",
				     name ? name : "", kind_word(t->kind));
	if (!name)
		return iod_error_new(IOD_ERR_TYPE, "an enumerator needs a name");
	iname = iod_typedb_strdup(db, name);
	if (!iname)
		return &iod_error_nomem;
	e = grow(t->enumerators, &n->enumerators_cap, t->nenumerators + 1, sizeof(*e));
	if (!e)
		return &iod_error_nomem;
	t->enumerators = e;
	e[t->nenumerators++] = (struct iod_enumerator){ .name = iname, .value = value };
	return NULL;
}

/* --- registration ------------------------------------------------------- */

static bool enum_root(struct iod_typedb *db, const struct iod_type *t);

static enum ns ns_of_kind(enum iod_type_kind k)
{
	switch (k) {
	case IOD_TYPE_STRUCT: return NS_STRUCT;
	case IOD_TYPE_UNION: return NS_UNION;
	case IOD_TYPE_ENUM: return NS_ENUM;
	default: return NS_ORD;
	}
}

/*
 * The last segment of a Rust path, "Coherent<a::B>" in "k::dma::Coherent<a::B>":
 * the text after the last "::" outside <>, () and []; NULL when there is none.
 */
const char *iod_rust_last_segment(const char *name, size_t len)
{
	const char *last = NULL;
	int depth = 0;

	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (c == '<' || c == '(' || c == '[')
			depth++;
		else if ((c == ')' || c == ']' || (c == '>' && (i == 0 || name[i - 1] != '-'))) &&
			 depth > 0)
			depth--;
		else if (c == ':' && !depth && i + 1 < len && name[i + 1] == ':')
			last = name + ++i + 1;
	}
	return last && last < name + len ? last : NULL;
}

struct iod_error *iod_typedb_add(struct iod_typedb *db, struct iod_type *t,
				 const struct iod_type **ret)
{
	struct node *n = node_of(t);
	struct entry *e, *sh = NULL;
	size_t len;
	uint64_t h;

	if (!t->name || !*t->name)
		return iod_error_new(IOD_ERR_TYPE, "cannot register an anonymous %s",
				     kind_word(t->kind));
	if (n->entry) {
		*ret = t;
		return NULL;
	}
	len = strlen(t->name);
	h = hash_bytes(t->name, len);
	e = entry_make(db, ns_of_kind(t->kind), t->name, len, h);
	if (!e)
		return &iod_error_nomem;

	if (t->declaration) {
		/* Hand out the definition when there is exactly one: the caller gets a layout. */
		if (e->ndefs == 1) {
			*ret = &e->defs[0]->t;
			return NULL;
		}
		if (e->decl) {
			*ret = &e->decl->t;
			return NULL;
		}
	} else {
		for (size_t i = 0; i < e->ndefs; i++) {
			struct iod_type *d = &e->defs[i]->t;

			if (!iod_type_same_layout(d, t))
				continue;
			/* A typedef seen first over a declaration learns the complete target. */
			if (d->kind == IOD_TYPE_TYPEDEF && d->target && d->target->declaration &&
			    t->target && !t->target->declaration) {
				/* d was walked for enumerators with the old one: walk the new. */
				if (!enum_root(db, t->target))
					return &iod_error_nomem;
				d->target = t->target;
			}
			*ret = d;
			return NULL;
		}
	}

	/* Every allocation before the first change, so a failure changes nothing. */
	if (t->lang == IOD_LANG_RUST && !e->rust) {
		const char *seg = iod_rust_last_segment(e->name, len);

		if (seg) {
			size_t slen = len - (size_t)(seg - e->name);
			struct entry **full;

			sh = entry_make(db, NS_SHORT, seg, slen, hash_bytes(seg, slen));
			if (!sh)
				return &iod_error_nomem;
			full = grow(sh->full, &sh->full_cap, sh->nfull + 1, sizeof(*full));
			if (!full)
				return &iod_error_nomem;
			sh->full = full;
		}
	}
	if (!t->declaration) {
		struct node **defs = grow(e->defs, &e->defs_cap, e->ndefs + 1, sizeof(*defs));

		if (!defs)
			return &iod_error_nomem;
		e->defs = defs;
	}
	{
		struct node **reg = grow(db->registered, &db->registered_cap,
					 db->nregistered + 1, sizeof(*reg));

		if (!reg)
			return &iod_error_nomem;
		db->registered = reg;
	}

	if (t->declaration) {
		e->decl = n;
	} else {
		t->dup_index = (unsigned)e->ndefs;
		e->defs[e->ndefs++] = n;
		if (e->ndefs > 1)
			for (size_t i = 0; i < e->ndefs; i++)
				e->defs[i]->t.ambiguous = true;
	}
	if (t->lang == IOD_LANG_RUST && !e->rust) {
		e->rust = true;
		if (sh)
			sh->full[sh->nfull++] = e;
	}
	/* The database's copy, in case the caller pointed name at its own storage. */
	t->name = e->name;
	n->entry = e;
	db->registered[db->nregistered++] = n;
	*ret = t;
	return NULL;
}

struct iod_error *iod_typedb_add_builtin(struct iod_typedb *db, struct iod_type *t)
{
	size_t len = strlen(t->name);
	struct entry *e = entry_make(db, NS_BUILTIN, t->name, len, hash_bytes(t->name, len));
	struct node **defs;

	if (!e)
		return &iod_error_nomem;
	defs = grow(e->defs, &e->defs_cap, 1, sizeof(*defs));
	if (!defs)
		return &iod_error_nomem;
	e->defs = defs;
	e->defs[0] = node_of(t);
	e->ndefs = 1;
	node_of(t)->entry = e;
	return NULL;
}

const struct iod_type *iod_typedb_next(struct iod_typedb *db, size_t *iter)
{
	while (*iter < db->nregistered) {
		struct node *n = db->registered[(*iter)++];

		/* A declaration is only worth listing while nothing defines the name. */
		if (n->t.declaration && n->entry->ndefs)
			continue;
		return &n->t;
	}
	return NULL;
}

/* --- enumerators ------------------------------------------------------- */

/*
 * NS_ENUMERATOR entries list, per enumerator name, the enums that have it,
 * in the order they were found. The types registered since the last search,
 * and the roots added since, are walked then, each aggregate and enum once;
 * a type never changes once it is complete, so nothing is walked twice.
 */

static bool ptr_eq(const void *obj, const void *key)
{
	return obj == key;
}

static bool enum_root(struct iod_typedb *db, const struct iod_type *t)
{
	struct node **v = grow(db->enum_roots, &db->enum_roots_cap, db->nenum_roots + 1,
			       sizeof(*v));

	if (!v)
		return false;
	db->enum_roots = v;
	db->enum_roots[db->nenum_roots++] = node_of((struct iod_type *)t);
	return true;
}

/* Files each enumerator of enum n under its name. */
static bool enum_file(struct iod_typedb *db, struct node *n)
{
	for (size_t i = 0; i < n->t.nenumerators; i++) {
		const char *name = n->t.enumerators[i].name;
		size_t len = strlen(name);
		struct entry *e = entry_make(db, NS_ENUMERATOR, name, len, hash_bytes(name, len));
		struct node **defs;

		if (!e)
			return false;
		/* An enum that repeats a name, or a walk retried after running out of memory. */
		if (e->ndefs && e->defs[e->ndefs - 1] == n)
			continue;
		defs = grow(e->defs, &e->defs_cap, e->ndefs + 1, sizeof(*defs));
		if (!defs)
			return false;
		e->defs = defs;
		e->defs[e->ndefs++] = n;
	}
	return true;
}

#define ENUM_WALK_DEPTH 1024

static bool enum_walk(struct iod_typedb *db, const struct iod_type *t, unsigned depth)
{
	uint64_t h;

	for (t = iod_type_strip(t); t && t->kind == IOD_TYPE_ARRAY; t = iod_type_strip(t->target))
		;
	if (!t || (t->kind != IOD_TYPE_ENUM && t->kind != IOD_TYPE_STRUCT &&
		   t->kind != IOD_TYPE_UNION) || depth > ENUM_WALK_DEPTH)
		return true;
	h = mix((uint64_t)(uintptr_t)t);
	if (table_get(&db->enum_seen, h, ptr_eq, t))
		return true;
	if (t->kind == IOD_TYPE_ENUM && !enum_file(db, node_of((struct iod_type *)t)))
		return false;
	/* Marked before the members: a broken input whose types contain themselves ends here. */
	if (!table_reserve(&db->enum_seen))
		return false;
	table_put(&db->enum_seen, h, (void *)t);
	for (size_t i = 0; i < t->nmembers; i++)
		if (!enum_walk(db, t->members[i].type, depth + 1))
			return false;
	return true;
}

/* Walks what was registered or added since the last search. */
static struct iod_error *enum_catch_up(struct iod_typedb *db)
{
	for (; db->enum_walked < db->nregistered; db->enum_walked++)
		if (!enum_walk(db, &db->registered[db->enum_walked]->t, 0))
			return &iod_error_nomem;
	for (; db->enum_roots_walked < db->nenum_roots; db->enum_roots_walked++)
		if (!enum_walk(db, &db->enum_roots[db->enum_roots_walked]->t, 0))
			return &iod_error_nomem;
	return NULL;
}

struct iod_error *iod_typedb_add_enumerators(struct iod_typedb *db, const struct iod_type *t)
{
	if (!t || t->kind != IOD_TYPE_ENUM)
		return iod_error_new(IOD_ERR_TYPE, "not an enum");
	return enum_root(db, t) ? NULL : &iod_error_nomem;
}

/* Asks each source about an enumerator once, as ask_sources does for type names. */
static struct iod_error *ask_enum_sources(struct iod_typedb *db, const char *s, size_t len,
					  uint64_t h)
{
	struct entry *e;

	if (!db->nsources)
		return NULL;
	e = entry_make(db, NS_ENUMERATOR_ASKED, s, len, h);
	if (!e)
		return &iod_error_nomem;
	while (e->nasked < db->nsources) {
		size_t i = e->nasked++;
		struct source src = db->sources[i];
		struct iod_error *err;

		if (!src.ops.find_enumerator)
			continue;
		err = src.ops.find_enumerator(src.ctx, db, e->name);
		if (err) {
			if (e->nasked > i)
				e->nasked = i;
			return err;
		}
	}
	return NULL;
}

static int64_t enumerator_in(const struct iod_type *t, const char *name)
{
	for (size_t i = 0; i < t->nenumerators; i++)
		if (!strcmp(t->enumerators[i].name, name))
			return iod_type_enum_value(t, t->enumerators[i].value);
	return 0;
}

/* "enumerator 'X' is ambiguous: 1 in enum a, 2 in enum b": each value once, with its first enum. */
static struct iod_error *enum_ambiguous(const char *name, const struct entry *e)
{
	struct iod_error *err;
	const char *sep = " ";
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return &iod_error_nomem;
	fprintf(f, "enumerator '%s' is ambiguous:", name);
	for (size_t i = 0; i < e->ndefs; i++) {
		const struct iod_type *t = &e->defs[i]->t;
		int64_t v = enumerator_in(t, name);
		bool seen = false;
		char tname[256];

		for (size_t j = 0; j < i && !seen; j++)
			seen = enumerator_in(&e->defs[j]->t, name) == v;
		if (seen)
			continue;
		iod_type_name(t, tname, sizeof(tname));
		fprintf(f, "%s%" PRId64 " in %s", sep, v, tname);
		/* Layouts of one name by number; an anonymous enum by where it comes from. */
		if (t->ambiguous)
			fprintf(f, "#%u", t->dup_index);
		else if (!t->name && t->cu)
			fprintf(f, " (%s)", t->cu);
		sep = ", ";
	}
	if (fclose(f)) {
		free(buf);
		return &iod_error_nomem;
	}
	err = iod_error_new(IOD_ERR_LOOKUP, "%s", buf);
	free(buf);
	return err;
}

struct iod_error *iod_typedb_find_enumerator(struct iod_typedb *db, const char *name,
					     const struct iod_type **enum_type, int64_t *value)
{
	struct iod_error *err;
	struct entry *e;
	size_t len;
	uint64_t h;
	int64_t v;

	*enum_type = NULL;
	if (!name || !*name)
		return NULL;
	len = strlen(name);
	h = hash_bytes(name, len);
	err = ask_enum_sources(db, name, len, h);
	if (!err)
		err = enum_catch_up(db);
	if (err)
		return err;
	e = entry_get(db, NS_ENUMERATOR, name, len, h);
	if (!e || !e->ndefs)
		return NULL;
	v = enumerator_in(&e->defs[0]->t, name);
	for (size_t i = 1; i < e->ndefs; i++)
		if (enumerator_in(&e->defs[i]->t, name) != v)
			return enum_ambiguous(name, e);
	*enum_type = &e->defs[0]->t;
	*value = v;
	return NULL;
}

/* --- arrays ------------------------------------------------------------- */

struct arrkey {
	const struct iod_type *elem;
	uint64_t count;
	bool flexible;
};

static bool arr_eq(const void *obj, const void *key)
{
	const struct iod_type *t = obj;
	const struct arrkey *k = key;

	return t->target == k->elem && t->count == k->count && t->flexible == k->flexible;
}

struct iod_error *iod_typedb_array_of(struct iod_typedb *db, const struct iod_type *elem,
				      uint64_t count, bool flexible, const struct iod_type **ret)
{
	const struct iod_type *s = iod_type_strip(elem);
	struct arrkey k = { elem, count, flexible };
	struct iod_type *t, *hit;
	struct iod_error *err;
	uint64_t h;
	char name[256];

	if (!s || s->kind == IOD_TYPE_VOID)
		return iod_error_new(IOD_ERR_TYPE, "array of void");
	if (s->declaration)
		return iod_error_new(IOD_ERR_TYPE, "array of incomplete type '%s'",
				     (iod_type_name(elem, name, sizeof(name)), name));
	if (!flexible && s->size && count > UINT64_MAX / s->size)
		return iod_error_new(IOD_ERR_VALUE, "'%s[%llu]' is too large",
				     (iod_type_name(elem, name, sizeof(name)), name),
				     (unsigned long long)count);
	h = mix((uint64_t)(uintptr_t)elem ^ mix(count) ^ (flexible ? UINT64_C(0x5bd1e995) : 0));
	hit = table_get(&db->arrays, h, arr_eq, &k);
	if (hit) {
		*ret = hit;
		return NULL;
	}
	if (!table_reserve(&db->arrays))
		return &iod_error_nomem;
	err = iod_type_create(db, IOD_TYPE_ARRAY, NULL, &t);
	if (err)
		return err;
	t->target = elem;
	t->count = count;
	t->flexible = flexible;
	t->size = flexible ? 0 : s->size * count;
	t->lang = elem->lang;
	table_put(&db->arrays, h, t);
	*ret = t;
	return NULL;
}

/* --- lookup ------------------------------------------------------------- */

struct dim {
	uint64_t count;
	bool flexible;
};

/* NAME := [struct|union|enum] BODY ['#' k] ('[' N ']')* */
struct query {
	enum ns ns;             /* NS_ORD when no keyword was written */
	const char *kw;         /* "struct " or "", for messages */
	const char *r;          /* everything after the keyword */
	size_t rlen;
	const char *body;
	size_t blen;
	bool has_k;
	uint64_t k;
	size_t ndims;
	struct dim dims[MAX_DIMS];  /* innermost (rightmost) first */
	const char *cut[MAX_DIMS];  /* cut[i]: where the name ends without dims[0..i] */
};

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* A count in [s, e): decimal, 0x, 0b or 0o, with _ separators, as numbers elsewhere. */
static bool parse_number(const char *s, const char *e, uint64_t *ret)
{
	unsigned base = 10, digits = 0;
	uint64_t v = 0;

	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (e - s > 2 && s[0] == '0') {
		char p = (char)tolower((unsigned char)s[1]);

		base = p == 'x' ? 16 : p == 'b' ? 2 : p == 'o' ? 8 : 10;
		if (base != 10)
			s += 2;
	}
	for (; s < e; s++) {
		unsigned d;

		if (*s == '_' && digits)
			continue;
		d = (unsigned)digit_value(*s);
		if (d >= base || v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
		digits++;
	}
	if (!digits)
		return false;
	*ret = v;
	return true;
}

static struct iod_error *parse_query(const char *name, struct query *q)
{
	static const struct {
		const char *word;
		size_t len;
		enum ns ns;
		const char *kw;
	} kws[] = {
		{ "struct", 6, NS_STRUCT, "struct " },
		{ "union", 5, NS_UNION, "union " },
		{ "enum", 4, NS_ENUM, "enum " },
	};
	const char *s = name, *e, *p;

	q->body = q->r = name;
	q->blen = q->rlen = 0;
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (s == e)
		return iod_error_new(IOD_ERR_SYNTAX, "missing type name");
	q->ns = NS_ORD;
	q->kw = "";
	for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++) {
		if ((size_t)(e - s) > kws[i].len && !memcmp(s, kws[i].word, kws[i].len) &&
		    isspace((unsigned char)s[kws[i].len])) {
			q->ns = kws[i].ns;
			q->kw = kws[i].kw;
			s += kws[i].len;
			while (isspace((unsigned char)*s))
				s++;
			break;
		}
	}
	q->r = s;
	q->rlen = (size_t)(e - s);

	/*
	 * Suffixes are taken from the right, and only when they are numbers, so
	 * a Rust name like "[u8; 4]" or "&[u8]" stays whole.
	 */
	q->ndims = 0;
	q->has_k = false;
	p = e;
	for (;;) {
		const char *t = p, *o;
		struct dim d = { 0, false };
		bool blank = true;

		while (t > s && isspace((unsigned char)t[-1]))
			t--;
		if (t == s || t[-1] != ']')
			break;
		for (o = t - 1; o > s && o[-1] != '[' && o[-1] != ']'; o--)
			;
		if (o == s || o[-1] != '[' || o - 1 == s)
			break;
		for (const char *c = o; c < t - 1; c++)
			blank = blank && isspace((unsigned char)*c);
		if (blank)
			d.flexible = true;
		else if (!parse_number(o, t - 1, &d.count))
			break;
		if (q->ndims == MAX_DIMS)
			return iod_error_new(IOD_ERR_SYNTAX, "too many array dimensions in '%.*s'",
					     (int)(e - s), s);
		p = o - 1;
		q->cut[q->ndims] = p;
		q->dims[q->ndims++] = d;
	}
	{
		const char *t = p, *d, *hash;

		while (t > s && isspace((unsigned char)t[-1]))
			t--;
		for (d = t; d > s && isdigit((unsigned char)d[-1]); d--)
			;
		for (hash = d; hash > s && isspace((unsigned char)hash[-1]); hash--)
			;
		if (d < t && hash > s + 1 && hash[-1] == '#' && parse_number(d, t, &q->k)) {
			q->has_k = true;
			p = hash - 1;
		}
	}
	while (p > s && isspace((unsigned char)p[-1]))
		p--;
	q->body = s;
	q->blen = (size_t)(p - s);
	if (!q->blen) {
		q->body = q->r;
		q->blen = q->rlen;
		q->ndims = 0;
		q->has_k = false;
	}
	return NULL;
}

static struct iod_error *ask_sources(struct iod_typedb *db, const char *s, size_t len,
				     uint64_t h)
{
	struct entry *e;

	if (!db->nsources)
		return NULL;
	e = entry_make(db, NS_ASKED, s, len, h);
	if (!e)
		return &iod_error_nomem;
	/* Counted before the call: a source that looks the name up itself must not recurse. */
	while (e->nasked < db->nsources) {
		size_t i = e->nasked++;
		struct source src = db->sources[i];
		struct iod_error *err = src.ops.find(src.ctx, db, e->name);

		if (err) {
			if (e->nasked > i)
				e->nasked = i;
			return err;
		}
	}
	return NULL;
}

struct materialise {
	struct iod_typedb *db;
	const char *glob;
};

static struct iod_error *materialise_one(void *cbctx, const char *name)
{
	struct materialise *m = cbctx;
	const char *last = name;

	for (const char *p = name; (p = strstr(p, "::")); p += 2)
		last = p + 2;
	if (m->glob && fnmatch(m->glob, name, 0) != 0 && fnmatch(m->glob, last, 0) != 0)
		return NULL;
	return ask_sources(m->db, name, strlen(name), hash_bytes(name, strlen(name)));
}

struct iod_error *iod_typedb_materialise(struct iod_typedb *db, const char *glob)
{
	struct materialise m = { db, glob };

	for (size_t i = 0; i < db->nsources; i++) {
		struct source src = db->sources[i];
		struct iod_error *err;

		if (!src.ops.names)
			continue;
		err = src.ops.names(src.ctx, materialise_one, &m);
		if (err)
			return err;
	}
	return NULL;
}

static uint64_t type_size(const struct iod_type *t)
{
	t = iod_type_strip(t);
	return t ? t->size : 0;
}

static void put_candidate(FILE *f, const char **sep, const struct iod_type *t, bool numbered)
{
	size_t n = iod_type_name(t, NULL, 0);
	char *name = malloc(n + 1);

	fputs(*sep, f);
	*sep = ", ";
	if (name) {
		iod_type_name(t, name, n + 1);
		fputs(name, f);
		free(name);
	}
	if (numbered)
		fprintf(f, "#%u", t->dup_index);
	if (t->declaration)
		fputs(" (incomplete", f);
	else
		fprintf(f, " (%llu bytes", (unsigned long long)type_size(t));
	if (t->cu)
		fprintf(f, ", %s", t->cu);
	fputc(')', f);
}

/* "struct X is ambiguous: struct X#0 (224 bytes, a.c), ..." over the entries that match filter. */
static struct iod_error *ambiguous(const char *kw, const char *s, size_t len,
				   struct entry *const *list, size_t n, enum ns filter)
{
	const char *sep = " ";
	struct iod_error *err;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return &iod_error_nomem;
	fprintf(f, "%s%.*s is ambiguous:", kw, (int)len, s);
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = list[i];

		if (filter != NS_ORD && e->ns != filter)
			continue;
		if (!e->ndefs)
			put_candidate(f, &sep, &e->decl->t, false);
		for (size_t j = 0; j < e->ndefs; j++)
			put_candidate(f, &sep, &e->defs[j]->t, e->ndefs > 1);
	}
	if (fclose(f)) {
		free(buf);
		return &iod_error_nomem;
	}
	err = iod_error_new(IOD_ERR_LOOKUP, "%s", buf);
	free(buf);
	return err;
}

/* One entry's layout: #k when given, else the only definition (or the declaration). */
static struct iod_error *pick(const struct query *q, const char *s, size_t len,
			      struct entry *e, bool has_k, const struct iod_type **ret)
{
	char name[256];

	if (!has_k) {
		if (e->ndefs > 1)
			return ambiguous(q->kw, s, len, &e, 1, NS_ORD);
		*ret = e->ndefs ? &e->defs[0]->t : &e->decl->t;
		return NULL;
	}
	if (q->k < e->ndefs) {
		*ret = &e->defs[q->k]->t;
		return NULL;
	}
	if (!e->ndefs && q->k == 0) {
		*ret = &e->decl->t;
		return NULL;
	}
	iod_type_name(e->ndefs ? &e->defs[0]->t : &e->decl->t, name, sizeof(name));
	if (e->ndefs > 1)
		return iod_error_new(IOD_ERR_LOOKUP,
				     "unknown type '%s%.*s#%llu': only %s#0 to #%zu exist", q->kw,
				     (int)q->blen, q->body, (unsigned long long)q->k, name,
				     e->ndefs - 1);
	return iod_error_new(IOD_ERR_LOOKUP, "unknown type '%s%.*s#%llu': only %s#0 exists",
			     q->kw, (int)q->blen, q->body, (unsigned long long)q->k, name);
}

/*
 * What (q->ns, s) names. *ret stays NULL when nothing does. With no keyword,
 * the ordinary name space and Rust tags are searched; C tags need their
 * keyword. A Rust last segment is only tried when no full name matches.
 */
static struct iod_error *resolve(struct iod_typedb *db, const struct query *q, const char *s,
				 size_t len, bool has_k, const struct iod_type **ret)
{
	static const enum ns tags[] = { NS_STRUCT, NS_UNION, NS_ENUM };
	uint64_t h = hash_bytes(s, len);
	struct entry *list[4], *e, *only = NULL;
	size_t n = 0, nshort = 0;

	*ret = NULL;
	if (q->ns != NS_ORD) {
		e = entry_get(db, q->ns, s, len, h);
		if (entry_live(e))
			list[n++] = e;
	} else {
		e = entry_get(db, NS_ORD, s, len, h);
		if (entry_live(e))
			list[n++] = e;
		for (size_t i = 0; i < 3; i++) {
			e = entry_get(db, tags[i], s, len, h);
			if (entry_live(e) && e->rust)
				list[n++] = e;
		}
	}
	if (n == 1)
		return pick(q, s, len, list[0], has_k, ret);
	if (n > 1)
		return ambiguous(q->kw, s, len, list, n, NS_ORD);

	e = entry_get(db, NS_SHORT, s, len, h);
	if (!e)
		return NULL;
	for (size_t i = 0; i < e->nfull; i++) {
		if (q->ns == NS_ORD || e->full[i]->ns == q->ns) {
			only = e->full[i];
			nshort++;
		}
	}
	if (nshort == 1)
		return pick(q, s, len, only, has_k, ret);
	if (nshort > 1)
		return ambiguous(q->kw, s, len, e->full, e->nfull, q->ns);
	return NULL;
}

static struct iod_error *unknown(struct iod_typedb *db, const struct query *q)
{
	static const struct {
		enum ns ns;
		const char *kw;
	} tags[] = { { NS_STRUCT, "struct " }, { NS_UNION, "union " }, { NS_ENUM, "enum " } };
	uint64_t h = hash_bytes(q->body, q->blen);

	/* The usual slip is a C tag without its keyword, or with the wrong one. */
	for (size_t i = 0; i < 3; i++) {
		if (tags[i].ns == q->ns || !entry_live(entry_get(db, tags[i].ns, q->body, q->blen, h)))
			continue;
		return iod_error_new(IOD_ERR_LOOKUP, "unknown type '%s%.*s' (did you mean '%s%.*s'?)",
				     q->kw, (int)q->blen, q->body, tags[i].kw, (int)q->blen,
				     q->body);
	}
	return iod_error_new(IOD_ERR_LOOKUP, "unknown type '%s%.*s'", q->kw, (int)q->blen,
			     q->body);
}

struct iod_error *iod_typedb_lookup(struct iod_typedb *db, const char *name,
				    const struct iod_type **ret)
{
	const struct iod_type *t = NULL;
	struct iod_error *err;
	struct query q;

	if (!name)
		return iod_error_new(IOD_ERR_SYNTAX, "missing type name");
	err = parse_query(name, &q);
	if (err)
		return err;

	if (q.ns == NS_ORD) {
		struct entry *b = entry_get(db, NS_BUILTIN, q.body, q.blen,
					    hash_bytes(q.body, q.blen));

		/* A bare built-in name needs neither the sources nor the loaded namesakes. */
		if (b && !q.has_k) {
			t = &b->defs[0]->t;
			goto dims;
		}
		if (b) {
			err = ask_sources(db, q.body, q.blen, hash_bytes(q.body, q.blen));
			if (!err)
				err = resolve(db, &q, q.body, q.blen, true, &t);
			if (err)
				return err;
			if (!t && q.k == 0)
				t = &b->defs[0]->t;
			if (!t)
				return iod_error_new(IOD_ERR_LOOKUP,
						     "unknown type '%.*s#%llu': only %.*s#0 exists",
						     (int)q.blen, q.body, (unsigned long long)q.k,
						     (int)q.blen, q.body);
			goto dims;
		}
	}

	err = ask_sources(db, q.body, q.blen, hash_bytes(q.body, q.blen));
	if (err)
		return err;
	/*
	 * A stored name wins over reading its tail as #k or [N]: try the whole
	 * name, then without each [N] from the right ("weird[4]" in "weird[4][2]").
	 */
	if (q.ndims || q.has_k) {
		for (size_t j = 0; j <= q.ndims; j++) {
			const char *end = j ? q.cut[j - 1] : q.r + q.rlen;

			while (end > q.r && isspace((unsigned char)end[-1]))
				end--;
			err = resolve(db, &q, q.r, (size_t)(end - q.r), false, &t);
			if (err)
				return err;
			if (t) {
				q.ndims = j;
				goto dims;
			}
		}
	}
	/* Without #k the loop above has already tried the bare body. */
	if (q.has_k || !q.ndims) {
		err = resolve(db, &q, q.body, q.blen, q.has_k, &t);
		if (err)
			return err;
	}
	if (!t)
		return unknown(db, &q);
dims:
	for (size_t i = 0; i < q.ndims; i++) {
		err = iod_typedb_array_of(db, t, q.dims[i].count, q.dims[i].flexible, &t);
		if (err)
			return err;
	}
	*ret = t;
	return NULL;
}
