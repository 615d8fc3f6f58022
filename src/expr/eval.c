/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Evaluation: a path to a view through bounds-checked projection, an expression to a 64-bit value. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "expr_internal.h"

/* --- a string on the stack ------------------------------------------------ */

/* Canonical paths are built for every evaluation (error messages need them),
   so they must not cost a malloc unless they are long. */
struct tbuf {
	char *p;
	size_t len, cap;
	bool failed;
	char small[160];
};

static void tb_init(struct tbuf *tb)
{
	tb->p = tb->small;
	tb->len = 0;
	tb->cap = sizeof(tb->small);
	tb->failed = false;
	tb->small[0] = 0;
}

static void tb_free(struct tbuf *tb)
{
	if (tb->p != tb->small)
		free(tb->p);
}

static void tb_add(struct tbuf *tb, const char *s, size_t n)
{
	if (tb->failed)
		return;
	if (n >= tb->cap - tb->len) {
		size_t cap = tb->cap;
		char *q;

		while (cap - tb->len <= n) {
			if (cap > SIZE_MAX / 2) {
				tb->failed = true;
				return;
			}
			cap *= 2;
		}
		q = tb->p == tb->small ? malloc(cap) : realloc(tb->p, cap);
		if (!q) {
			tb->failed = true;
			return;
		}
		if (tb->p == tb->small)
			memcpy(q, tb->small, tb->len + 1);
		tb->p = q;
		tb->cap = cap;
	}
	/* names and indices are short: a byte loop beats a call to memcpy */
	for (size_t i = 0; i < n; i++)
		tb->p[tb->len + i] = s[i];
	tb->len += n;
	tb->p[tb->len] = 0;
}

static void tb_puts(struct tbuf *tb, const char *s)
{
	tb_add(tb, s, strlen(s));
}

/* Decimal without printf: this runs for every index of every path. */
static void tb_dec(struct tbuf *tb, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	tb_add(tb, p, (size_t)(buf + sizeof(buf) - p));
}

/* --- evaluation state ----------------------------------------------------- */

struct ev {
	const struct iod_expr *e;
	const struct iod_expr_env *env;
	const struct iod_type *hint;    /* an enum (stripped) bare names are looked up in first */
	const struct iod_view *desig;   /* offsetof(TYPE, member): the member path's root */
};

static struct iod_error *eval(const struct ev *ev, const struct node *n,
			      const struct node *sibling, int64_t *ret);
static struct iod_error *eval_path(const struct ev *ev, const struct node *n,
				   struct tbuf *canon, struct iod_view *ret);

/* Indices and offsets are values of their own: no enum hint, no designator. */
static struct iod_error *eval_sub(const struct ev *ev, const struct node *n, int64_t *ret)
{
	struct ev sub = { .e = ev->e, .env = ev->env };

	return eval(&sub, n, NULL, ret);
}

static void node_text(const struct ev *ev, const struct node *n, const char **s, int *len)
{
	*s = ev->e->text + n->tstart;
	*len = (int)(n->tend - n->tstart);
}

/* --- names ---------------------------------------------------------------- */

static struct iod_error *find_view(const struct ev *ev, const char *name, struct iod_view *ret)
{
	const struct iod_expr_env *env = ev->env;

	if (!env->view)
		return iod_error_new(IOD_ERR_LOOKUP, "no view named '%s'", name);
	return env->view(env->ctx, name, ret);
}

static bool is_view(const struct ev *ev, const char *name)
{
	struct iod_view v;
	struct iod_error *err = find_view(ev, name, &v);

	iod_error_free(err);
	return !err;
}

static bool is_region(const struct ev *ev, const char *name)
{
	const struct iod_expr_env *env = ev->env;
	struct iod_region *r;
	struct iod_error *err;

	if (!env->region)
		return false;
	err = env->region(env->ctx, name, &r);
	iod_error_free(err);
	return !err;
}

static struct iod_error *find_region(const struct ev *ev, const char *name,
				     struct iod_region **ret)
{
	const struct iod_expr_env *env = ev->env;
	struct iod_error *err;

	if (env->region) {
		err = env->region(env->ctx, name, ret);
		if (!err || err->kind != IOD_ERR_LOOKUP)
			return err;
		iod_error_free(err);
	}
	if (is_view(ev, name))
		return iod_error_new(IOD_ERR_LOOKUP, "'%s' is a view, not a region", name);
	return iod_error_new(IOD_ERR_LOOKUP, "no region named '%s'", name);
}

static struct iod_error *eval_var(const struct ev *ev, const struct node *n, int64_t *ret)
{
	const struct iod_expr_env *env = ev->env;
	struct iod_error *err;

	if (!env->var)
		return iod_error_new(IOD_ERR_LOOKUP, "$%s is not set", n->name);
	err = env->var(env->ctx, n->name, ret);
	if (err && err->kind == IOD_ERR_LOOKUP) {
		iod_error_free(err);
		return iod_error_new(IOD_ERR_LOOKUP, "$%s is not set", n->name);
	}
	return err;
}

/* --- enumerators ---------------------------------------------------------- */

static bool enum_find(const struct iod_type *t, const char *name, int64_t *ret)
{
	for (size_t i = 0; i < t->nenumerators; i++) {
		if (!strcmp(t->enumerators[i].name, name)) {
			*ret = iod_type_enum_value(t, t->enumerators[i].value);
			return true;
		}
	}
	return false;
}

/*
 * Every enum the database knows or its sources have, materialised for this
 * name only when needed. *found false: no enum knows name.
 */
static struct iod_error *enum_in_db(const struct ev *ev, const char *name, bool *found,
				    int64_t *ret)
{
	const struct iod_type *t = NULL;
	struct iod_error *err;

	*found = false;
	if (!ev->env->db)
		return NULL;
	err = iod_typedb_find_enumerator(ev->env->db, name, &t, ret);
	*found = !err && t;
	return err;
}

/* --- paths ---------------------------------------------------------------- */

static struct iod_error *root_view(const struct ev *ev, const char *name, struct iod_view *ret)
{
	struct iod_error *err = find_view(ev, name, ret);

	if (!err || err->kind != IOD_ERR_LOOKUP)
		return err;
	iod_error_free(err);
	if (is_region(ev, name))
		return iod_error_new(IOD_ERR_LOOKUP, "'%s' is a region, not a view: a typed view"
				     " of it is written ({TYPE}%s+OFFSET)", name, name);
	return iod_error_new(IOD_ERR_LOOKUP, "no view named '%s'", name);
}

/* REGION, REGION+EXPR, REGION-EXPR, ...: the offset is signed until the end. */
static struct iod_error *eval_loc_node(const struct ev *ev, const struct node *n,
				       struct iod_region **region, int64_t *off)
{
	struct iod_error *err;
	int64_t v;

	if (n->kind == N_IDENT) {
		*off = 0;
		return find_region(ev, n->name, region);
	}
	err = eval_loc_node(ev, n->a, region, off);
	if (!err)
		err = eval_sub(ev, n->b, &v);
	if (err)
		return err;
	*off = (int64_t)(n->op == OP_PLUS ? (uint64_t)*off + (uint64_t)v
					  : (uint64_t)*off - (uint64_t)v);
	return NULL;
}

static struct iod_error *eval_loc(const struct ev *ev, const struct node *n,
				  struct iod_region **region, uint64_t *offset)
{
	struct iod_region *r = NULL;
	int64_t off = 0;
	struct iod_error *err = eval_loc_node(ev, n, &r, &off);
	const char *s;
	int len;

	if (err)
		return err;
	if (off < 0) {
		node_text(ev, n, &s, &len);
		return iod_error_new(IOD_ERR_BOUNDS, "%.*s: offset %" PRId64
				     " is before the start of %s", len, s, off, r->name);
	}
	*region = r;
	*offset = (uint64_t)off;
	return NULL;
}

static struct iod_error *need_db(const struct ev *ev, const char *type)
{
	if (ev->env->db)
		return NULL;
	return iod_error_new(IOD_ERR_LOOKUP, "unknown type '%s': no types are loaded", type);
}

static struct iod_error *eval_adhoc(const struct ev *ev, const struct node *n,
				    struct iod_view *ret)
{
	const struct iod_type *t = NULL;
	struct iod_region *r;
	uint64_t off;
	struct iod_error *err;

	/* the type first: a misspelt type must not cost the reads of the offset */
	err = need_db(ev, n->name);
	if (!err)
		err = iod_typedb_lookup(ev->env->db, n->name, &t);
	if (!err)
		err = eval_loc(ev, n->a, &r, &off);
	if (!err)
		err = iod_view_init(r, off, t, ret);
	return err;
}

static struct iod_error *prefixed(struct iod_error *err, const struct tbuf *canon)
{
	return err ? iod_error_prefix(err, "%s", canon->p) : NULL;
}

static struct iod_error *eval_path(const struct ev *ev, const struct node *n,
				   struct tbuf *canon, struct iod_view *ret)
{
	struct iod_view base;
	struct iod_error *err;
	int64_t a, b;
	const char *s;
	int len;

	switch ((enum node_kind)n->kind) {
	case N_IDENT:
		tb_puts(canon, n->name);
		if (ev->desig)
			return prefixed(iod_view_field(ev->desig, n->name, ret), canon);
		return root_view(ev, n->name, ret);
	case N_ADHOC:
		node_text(ev, n, &s, &len);
		tb_add(canon, s, (size_t)len);
		return eval_adhoc(ev, n, ret);
	case N_FIELD:
		err = eval_path(ev, n->a, canon, &base);
		if (err)
			return err;
		tb_add(canon, ".", 1);
		tb_puts(canon, n->name);
		return prefixed(iod_view_field(&base, n->name, ret), canon);
	case N_INDEX:
		err = eval_path(ev, n->a, canon, &base);
		if (!err)
			err = eval_sub(ev, n->b, &a);
		if (err)
			return err;
		tb_add(canon, "[", 1);
		tb_dec(canon, a);
		tb_add(canon, "]", 1);
		return prefixed(iod_view_index(&base, a, ret), canon);
	case N_SLICE:
		err = eval_path(ev, n->a, canon, &base);
		if (!err)
			err = eval_sub(ev, n->b, &a);
		if (!err)
			err = eval_sub(ev, n->c, &b);
		if (err)
			return err;
		tb_add(canon, "[", 1);
		tb_dec(canon, a);
		tb_add(canon, "..", 2);
		tb_dec(canon, b);
		tb_add(canon, "]", 1);
		if (!ev->env->db)
			return prefixed(iod_error_new(IOD_ERR_LOOKUP, "a slice needs a type database"),
					canon);
		return prefixed(iod_view_slice(ev->env->db, &base, a, b, ret), canon);
	default:
		node_text(ev, n, &s, &len);
		return iod_error_new(IOD_ERR_TYPE, "%.*s is not a path", len, s);
	}
}

/* --- values --------------------------------------------------------------- */

/* One scalar read through the access path, as a 64-bit value. */
static struct iod_error *read_view(const struct ev *ev, const struct iod_view *v,
				   const char *path, int64_t *ret)
{
	const struct iod_expr_env *env = ev->env;
	const struct iod_type *t = iod_type_strip(v->type);
	struct iod_error *err;
	unsigned bits;
	uint64_t raw;
	char name[256];

	if (!v->bit_size && (!iod_type_is_scalar(v->type) ||
			     (t->kind == IOD_TYPE_BASE && t->enc == IOD_ENC_FLOAT))) {
		iod_type_name(v->type, name, sizeof(name));
		if (iod_type_is_scalar(v->type))
			return iod_error_new(IOD_ERR_TYPE, "%s: '%s' is floating point: expressions"
					     " are integer", path, name);
		return iod_error_new(IOD_ERR_TYPE, "%s: '%s' is not a scalar", path, name);
	}
	err = iod_read_scalar(env->io, v, &raw);
	if (err)
		return iod_error_prefix(err, "%s", path);
	if (env->on_read)
		env->on_read(env->ctx, path, v, raw);
	bits = v->bit_size ? v->bit_size : (unsigned)(t->size >= 8 ? 64 : t->size * 8);
	if (t->kind == IOD_TYPE_BASE && t->enc == IOD_ENC_BOOL)
		*ret = raw != 0;
	else if (iod_type_is_signed(v->type))
		*ret = iod_sext(raw, bits);
	else
		*ret = (int64_t)raw;
	return NULL;
}

static struct iod_error *read_path(const struct ev *ev, const struct node *n, int64_t *ret)
{
	struct tbuf canon;
	struct iod_view v;
	struct iod_error *err;

	tb_init(&canon);
	err = eval_path(ev, n, &canon, &v);
	if (!err)
		err = read_view(ev, &v, canon.p, ret);
	tb_free(&canon);
	return err;
}

/*
 * A bare name: a view (read), else an enumerator of the hint, of the enum
 * the path it is compared with has (gsp.state == READY), or of any enum.
 */
static struct iod_error *eval_ident(const struct ev *ev, const struct node *n,
				    const struct node *sibling, int64_t *ret)
{
	struct iod_view v;
	struct iod_error *err = find_view(ev, n->name, &v);
	bool found;

	if (!err)
		return read_view(ev, &v, n->name, ret);
	if (err->kind != IOD_ERR_LOOKUP)
		return err;
	iod_error_free(err);
	if (ev->hint && enum_find(ev->hint, n->name, ret))
		return NULL;
	if (sibling) {
		struct ev sev = { .e = ev->e, .env = ev->env };
		const struct iod_type *t;
		struct tbuf canon;

		tb_init(&canon);
		err = eval_path(&sev, sibling, &canon, &v);
		tb_free(&canon);
		/* an error here is the sibling's own evaluation's to report */
		iod_error_free(err);
		t = err ? NULL : iod_type_strip(v.type);
		if (t && t->kind == IOD_TYPE_ENUM && enum_find(t, n->name, ret))
			return NULL;
	}
	err = enum_in_db(ev, n->name, &found, ret);
	if (err || found)
		return err;
	if (is_region(ev, n->name))
		return iod_error_new(IOD_ERR_TYPE, "'%s' is a region, not a value: a location"
				     " is written %s+OFFSET", n->name, n->name);
	return iod_error_new(IOD_ERR_LOOKUP, "no view, region or enumerator named '%s'",
			     n->name);
}

static struct iod_error *eval_sizeof(const struct ev *ev, const struct node *n, int64_t *ret)
{
	const struct iod_type *t, *s;
	const struct node *root;
	struct iod_error *terr = NULL, *err;
	struct iod_view v;
	struct tbuf canon;
	char name[256];

	if (n->name) {
		terr = need_db(ev, n->name);
		if (!terr)
			terr = iod_typedb_lookup(ev->env->db, n->name, &t);
		if (!terr) {
			s = iod_type_strip(t);
			if (!s || s->declaration || s->kind == IOD_TYPE_VOID) {
				iod_type_name(t, name, sizeof(name));
				return iod_error_new(IOD_ERR_TYPE, "'%s' is an incomplete type: its"
						     " size is unknown", name);
			}
			*ret = (int64_t)s->size;
			return NULL;
		}
		if (!n->a)
			return terr;
		/* Neither a type nor a view: say both, the type part may list candidates. */
		root = n->a;
		while (root->kind == N_FIELD || root->kind == N_INDEX || root->kind == N_SLICE)
			root = root->a;
		if (root->kind == N_IDENT && !is_view(ev, root->name)) {
			err = iod_error_new(terr->kind, "no view named '%s', and %s", root->name,
					    terr->message);
			iod_error_free(terr);
			return err;
		}
		iod_error_free(terr);
	}
	tb_init(&canon);
	err = eval_path(ev, n->a, &canon, &v);
	tb_free(&canon);
	if (!err)
		*ret = (int64_t)iod_view_size(&v);
	return err;
}

static struct iod_error *eval_offsetof(const struct ev *ev, const struct node *n,
				       int64_t *ret)
{
	struct iod_region whole = { .name = (char *)"", .size = UINT64_MAX };
	struct ev dev = *ev;
	struct iod_view root, v;
	const struct iod_type *t = NULL;
	struct iod_error *err = NULL;
	struct tbuf canon;

	if (n->name) {
		/* A member of a type: project inside a window as large as any. */
		err = need_db(ev, n->name);
		if (!err)
			err = iod_typedb_lookup(ev->env->db, n->name, &t);
		if (!err)
			err = iod_view_init(&whole, 0, t, &root);
		if (err)
			return err;
		dev.desig = &root;
	}
	tb_init(&canon);
	err = eval_path(&dev, n->a, &canon, &v);
	tb_free(&canon);
	if (!err)
		*ret = (int64_t)(v.offset - v.root);
	return err;
}

static struct iod_error *arith(enum op op, int64_t a, int64_t b, int64_t *ret)
{
	/* unsigned arithmetic: wraparound is defined, signed overflow is not */
	uint64_t ua = (uint64_t)a, ub = (uint64_t)b;

	switch (op) {
	case OP_PLUS: *ret = (int64_t)(ua + ub); break;
	case OP_MINUS: *ret = (int64_t)(ua - ub); break;
	case OP_STAR: *ret = (int64_t)(ua * ub); break;
	case OP_SLASH:
	case OP_PERCENT:
		if (!b)
			return iod_error_new(IOD_ERR_VALUE, "division by zero");
		/* INT64_MIN / -1 overflows in C; in 64-bit two's complement it wraps */
		if (b == -1)
			*ret = op == OP_SLASH ? (int64_t)(0 - ua) : 0;
		else
			*ret = op == OP_SLASH ? a / b : a % b;
		break;
	/* A count outside 0..63 shifts every bit out; >> is logical, as on a
	   register's bit pattern. */
	case OP_SHL: *ret = b < 0 || b > 63 ? 0 : (int64_t)(ua << b); break;
	case OP_SHR: *ret = b < 0 || b > 63 ? 0 : (int64_t)(ua >> b); break;
	case OP_LT: *ret = a < b; break;
	case OP_LE: *ret = a <= b; break;
	case OP_GT: *ret = a > b; break;
	case OP_GE: *ret = a >= b; break;
	case OP_EQ: *ret = a == b; break;
	case OP_NE: *ret = a != b; break;
	case OP_AND: *ret = (int64_t)(ua & ub); break;
	case OP_OR: *ret = (int64_t)(ua | ub); break;
	case OP_XOR: *ret = (int64_t)(ua ^ ub); break;
	default: return iod_error_new(IOD_ERR_SYNTAX, "unknown operator");
	}
	return NULL;
}

/* Operators whose operands are compared or combined as bits: where an
   enumerator is named beside a path, that path's enum is the natural hint. */
static bool hint_op(enum op op)
{
	return op == OP_EQ || op == OP_NE || op == OP_LT || op == OP_LE || op == OP_GT ||
	       op == OP_GE || op == OP_AND || op == OP_OR || op == OP_XOR;
}

static struct iod_error *eval(const struct ev *ev, const struct node *n,
			      const struct node *sibling, int64_t *ret)
{
	struct iod_error *err;
	int64_t a, b;

	switch ((enum node_kind)n->kind) {
	case N_NUM:
		*ret = (int64_t)n->value;
		return NULL;
	case N_VAR:
		return eval_var(ev, n, ret);
	case N_IDENT:
		return eval_ident(ev, n, sibling, ret);
	case N_ADHOC:
	case N_FIELD:
	case N_INDEX:
	case N_SLICE:
		return read_path(ev, n, ret);
	case N_SIZEOF:
		return eval_sizeof(ev, n, ret);
	case N_OFFSETOF:
		return eval_offsetof(ev, n, ret);
	case N_UNARY:
		err = eval(ev, n->a, NULL, &a);
		if (err)
			return err;
		switch (n->op) {
		case OP_MINUS: *ret = (int64_t)(0 - (uint64_t)a); break;
		case OP_NOT: *ret = !a; break;
		case OP_TILDE: *ret = (int64_t)~(uint64_t)a; break;
		default: *ret = a; break;
		}
		return NULL;
	case N_BINARY:
		break;
	}
	/* && and || do not evaluate (so do not read) the side they do not need */
	if (n->op == OP_ANDAND || n->op == OP_OROR) {
		err = eval(ev, n->a, NULL, &a);
		if (err)
			return err;
		if ((n->op == OP_ANDAND) == !a) {
			*ret = n->op == OP_OROR;
			return NULL;
		}
		err = eval(ev, n->b, NULL, &b);
		if (!err)
			*ret = b != 0;
		return err;
	}
	if (hint_op((enum op)n->op)) {
		const struct node *sa = node_is_path(n->b) && n->b->pure ? n->b : NULL;
		const struct node *sb = node_is_path(n->a) && n->a->pure ? n->a : NULL;

		err = eval(ev, n->a, sa, &a);
		if (!err)
			err = eval(ev, n->b, sb, &b);
	} else {
		err = eval(ev, n->a, NULL, &a);
		if (!err)
			err = eval(ev, n->b, NULL, &b);
	}
	return err ? err : arith((enum op)n->op, a, b, ret);
}

/* --- the API -------------------------------------------------------------- */

struct iod_error *iod_expr_eval_view(const struct iod_expr *e, const struct iod_expr_env *env,
				     struct iod_view *ret, struct iod_strbuf *canon)
{
	struct ev ev = { .e = e, .env = env };
	struct iod_view v;
	struct tbuf tb;
	struct iod_error *err;

	tb_init(&tb);
	err = eval_path(&ev, e->root, &tb, &v);
	if (!err && tb.failed)
		err = &iod_error_nomem;
	if (!err && canon) {
		bool failed = canon->failed;

		iod_strbuf_add(canon, tb.p, tb.len);
		if (!failed && canon->failed)
			err = &iod_error_nomem;
	}
	if (!err)
		*ret = v;
	tb_free(&tb);
	return err;
}

struct iod_error *iod_expr_eval_int(const struct iod_expr *e, const struct iod_expr_env *env,
				    const struct iod_type *enum_hint, int64_t *ret)
{
	const struct iod_type *hint = iod_type_strip(enum_hint);
	struct ev ev = { .e = e, .env = env };
	struct iod_error *err;
	int64_t v;

	if (hint && hint->kind == IOD_TYPE_ENUM)
		ev.hint = hint;
	err = eval(&ev, e->root, NULL, &v);
	if (!err)
		*ret = v;
	return err;
}

struct iod_error *iod_expr_eval_loc(const struct iod_expr *e, const struct iod_expr_env *env,
				    struct iod_region **region, uint64_t *offset)
{
	struct ev ev = { .e = e, .env = env };

	if (!iod_expr_loc_region(e->root))
		return iod_error_new(IOD_ERR_SYNTAX, "%s is not a location: write REGION or"
				     " REGION+OFFSET", e->text);
	return eval_loc(&ev, e->root, region, offset);
}
