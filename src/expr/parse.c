/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Paths and expressions to a tree (spec §5): C precedence, stopping at the first token that cannot continue. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_internal.h"

/* Parser recursion (parentheses, unary operators, sizeof) and tree height:
   far beyond any real expression, low enough for any stack. */
#define MAX_NEST 200
#define MAX_DEPTH 1000

struct parser {
	struct lexer lx;
	struct token tok;      /* the next token, not yet taken */
	struct iod_expr *e;
	char *text;            /* the normalised text, never longer than the source */
	size_t tlen, tcap;
	unsigned nest;
	bool failed, nomem;
	size_t err_pos;
	char err[256];
};

/* --- memory --------------------------------------------------------------- */

static void *alloc(struct parser *p, size_t size)
{
	struct iod_expr *e = p->e;
	unsigned char *ret;

	size = (size + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
	if (size > e->left) {
		size_t csize = size > 4096 ? size : 4096;
		struct chunk *c = malloc(sizeof(*c) + csize);

		if (!c) {
			p->failed = p->nomem = true;
			return NULL;
		}
		c->next = e->chunks;
		c->size = csize;
		e->chunks = c;
		e->cur = c->data;
		e->left = csize;
	}
	ret = e->cur;
	e->cur += size;
	e->left -= size;
	return ret;
}

static char *strndup_arena(struct parser *p, const char *s, size_t n)
{
	char *r = alloc(p, n + 1);

	if (r) {
		memcpy(r, s, n);
		r[n] = 0;
	}
	return r;
}

void iod_expr_free(struct iod_expr *e)
{
	struct chunk *c, *next;

	if (!e)
		return;
	for (c = e->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(e);
}

/* --- errors --------------------------------------------------------------- */

static void *fail(struct parser *p, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void *fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return NULL;
	p->failed = true;
	p->err_pos = pos;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return NULL;
}

/* A token as a message shows it: quoted, and cut when long. */
static const char *tok_text(const struct parser *p, const struct token *t, char *buf,
			    size_t size)
{
	int n = t->len > 40 ? 40 : (int)t->len;

	if (t->kind == T_END)
		return "end of input";
	snprintf(buf, size, "%s'%.*s%s'", t->kind == T_STRING ? "string " : "", n,
		 p->lx.src + t->pos, t->len > 40 ? "..." : "");
	return buf;
}

static void *bad_token(struct parser *p, const struct token *t)
{
	const char *s = p->lx.src + t->pos, *digits = s;
	int n = t->len > 40 ? 40 : (int)t->len;
	unsigned char c = (unsigned char)*s;

	switch (t->bad) {
	case BAD_CHARACTER:
		if (c > 0x20 && c < 0x7f)
			return fail(p, t->pos, "unexpected character '%c'", c);
		return fail(p, t->pos, "unexpected character '\\x%02x'", c);
	case BAD_NUMBER:
		return fail(p, t->pos, "invalid number '%.*s'", n, s);
	case BAD_NUMBER_RANGE:
		return fail(p, t->pos, "number '%.*s' does not fit in 64 bits", n, s);
	case BAD_LEADING_ZERO:
		while (*digits == '0' || *digits == '_')
			digits++;
		n -= (int)(digits - s);
		return fail(p, t->pos, "ambiguous number '%.*s': write 0o%.*s for octal or"
			    " %.*s for decimal", (int)(digits - s) + n, s, n, digits, n, digits);
	case BAD_CHAR_UNTERMINATED:
		return fail(p, t->pos, "unterminated character constant");
	case BAD_CHAR_EMPTY:
		return fail(p, t->pos, "empty character constant");
	case BAD_CHAR_LONG:
		return fail(p, t->pos, "character constant %.*s holds more than one character",
			    n, s);
	case BAD_CHAR_ESCAPE:
		return fail(p, t->pos, "invalid escape in character constant %.*s", n, s);
	case BAD_STRING_UNTERMINATED:
		return fail(p, t->pos, "unterminated string");
	case BAD_VAR:
		return fail(p, t->pos, "expected a variable name after '$'");
	case BAD_NONE:
		break;
	}
	return fail(p, t->pos, "unexpected token");
}

/* Where a value was expected. */
static void *unexpected(struct parser *p)
{
	char buf[64];

	if (p->tok.kind == T_BAD)
		return bad_token(p, &p->tok);
	if (p->tok.kind == T_PUNCT && p->tok.op == OP_LBRACE)
		return fail(p, p->tok.pos, "unexpected '{': an ad-hoc view is written"
			    " ({TYPE}REGION+OFFSET)");
	return fail(p, p->tok.pos, "unexpected %s", tok_text(p, &p->tok, buf, sizeof(buf)));
}

/* --- tokens and text ------------------------------------------------------ */

static void put_text(struct parser *p, const char *s, size_t n)
{
	/* cannot happen: the normalised text is never longer than the source */
	if (n > p->tcap - p->tlen) {
		fail(p, p->tok.pos, "expression text overflow");
		return;
	}
	/* tokens are short: a byte loop beats a call to memcpy */
	for (size_t i = 0; i < n; i++)
		p->text[p->tlen + i] = s[i];
	p->tlen += n;
}

/* Takes the current token into the text and reads the next one. */
static void advance(struct parser *p)
{
	put_text(p, p->lx.src + p->tok.pos, p->tok.len);
	iod_lex_next(&p->lx, &p->tok);
}

static bool is_op(const struct parser *p, enum op op)
{
	return p->tok.kind == T_PUNCT && p->tok.op == op;
}

static bool is_word(const struct parser *p, const char *w)
{
	size_t n = strlen(w);

	return p->tok.kind == T_IDENT && p->tok.len == n && !memcmp(p->lx.src + p->tok.pos, w, n);
}

static bool expect(struct parser *p, enum op op, const char *what)
{
	char buf[64];

	if (is_op(p, op)) {
		advance(p);
		return true;
	}
	if (p->tok.kind == T_BAD && p->tok.bad != BAD_CHARACTER) {
		bad_token(p, &p->tok);
		return false;
	}
	fail(p, p->tok.pos, "expected '%s' %s, found %s", iod_lex_op_text(op), what,
	     tok_text(p, &p->tok, buf, sizeof(buf)));
	return false;
}

/* Type text: trimmed, each run of white space one blank, as users write types. */
static size_t collapse(const char *s, size_t n, char *out)
{
	size_t len = 0;
	bool blank = false;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
			blank = len > 0;
			continue;
		}
		if (blank)
			out[len++] = ' ';
		blank = false;
		out[len++] = c;
	}
	return len;
}

/* The type text of [from, to) into the arena, and with put into the normalised text. */
static const char *type_text(struct parser *p, size_t from, size_t to, bool put)
{
	char *t = alloc(p, to - from + 1);
	size_t n;

	if (!t)
		return NULL;
	n = collapse(p->lx.src + from, to - from, t);
	t[n] = 0;
	if (put)
		put_text(p, t, n);
	return t;
}

/* The offset of the bracket closing the one at open, inside what the lexer may read. */
static bool matching(const struct parser *p, size_t open, char o, char c, size_t *ret)
{
	unsigned depth = 0;

	for (size_t i = open; i < p->lx.end; i++) {
		if (p->lx.src[i] == o) {
			depth++;
		} else if (p->lx.src[i] == c && --depth == 0) {
			*ret = i;
			return true;
		}
	}
	return false;
}

/* Continues after a bracket the parser skipped over by hand. */
static void resume_at(struct parser *p, size_t pos)
{
	p->lx.pos = pos;
	iod_lex_next(&p->lx, &p->tok);
}

/* --- nodes ---------------------------------------------------------------- */

static struct node *new_node(struct parser *p, enum node_kind kind, size_t tstart)
{
	struct node *n = alloc(p, sizeof(*n));

	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->kind = (uint8_t)kind;
	n->tstart = (uint32_t)tstart;
	return n;
}

/* Ends a node: its text span, height and what evaluating it may read. */
static struct node *finish(struct parser *p, struct node *n)
{
	unsigned depth = 0;

	/* one child at a time: loading a, b and c together as a vector right
	   after they were stored one by one stalls store forwarding */
	if (n->a)
		depth = n->a->depth;
	if (n->b && n->b->depth > depth)
		depth = n->b->depth;
	if (n->c && n->c->depth > depth)
		depth = n->c->depth;
	if (depth + 1 > MAX_DEPTH)
		return fail(p, p->tok.pos, "expression too deeply nested");
	n->depth = (uint16_t)(depth + 1);
	n->tend = (uint32_t)p->tlen;
	switch ((enum node_kind)n->kind) {
	case N_NUM:
	case N_VAR:
		n->noread = true;
		break;
	case N_IDENT:
		n->pure = true;
		break;
	case N_ADHOC: {
		/* the region at the bottom is named, not read */
		const struct node *l = n->a;

		n->pure = true;
		while (l->kind == N_BINARY) {
			n->pure = n->pure && l->b->noread;
			l = l->a;
		}
		break;
	}
	case N_FIELD:
		n->pure = n->a->pure;
		break;
	case N_INDEX:
		n->pure = n->a->pure && n->b->noread;
		break;
	case N_SLICE:
		n->pure = n->a->pure && n->b->noread && n->c->noread;
		break;
	case N_UNARY:
		n->noread = n->a->noread;
		break;
	case N_BINARY:
		n->noread = n->a->noread && n->b->noread;
		break;
	case N_SIZEOF:
	case N_OFFSETOF:
		n->noread = !n->a || n->a->pure;
		break;
	}
	return n;
}

const struct node *iod_expr_loc_region(const struct node *n)
{
	while (n->kind == N_BINARY && !n->parens && (n->op == OP_PLUS || n->op == OP_MINUS))
		n = n->a;
	return n->kind == N_IDENT && !n->parens ? n : NULL;
}

static const struct node *path_root(const struct node *n)
{
	while (n->kind == N_FIELD || n->kind == N_INDEX || n->kind == N_SLICE)
		n = n->a;
	return n;
}

static bool has_field_step(const struct node *n)
{
	for (; n->kind == N_FIELD || n->kind == N_INDEX || n->kind == N_SLICE; n = n->a)
		if (n->kind == N_FIELD)
			return true;
	return false;
}

/* --- grammar -------------------------------------------------------------- */

static struct node *parse_expr(struct parser *p, int min_prec);

static int binary_prec(const struct parser *p)
{
	if (p->tok.kind != T_PUNCT)
		return 0;
	switch (p->tok.op) {
	case OP_OROR: return 1;
	case OP_ANDAND: return 2;
	case OP_OR: return 3;
	case OP_XOR: return 4;
	case OP_AND: return 5;
	case OP_EQ: case OP_NE: return 6;
	case OP_LT: case OP_LE: case OP_GT: case OP_GE: return 7;
	case OP_SHL: case OP_SHR: return 8;
	case OP_PLUS: case OP_MINUS: return 9;
	case OP_STAR: case OP_SLASH: case OP_PERCENT: return 10;
	default: return 0;
	}
}

/*
 * Parses [from, to) of the source on its own, sharing arena and text. With
 * must, errors stand and the result must be a whole path. Without, a failure
 * only means "not a path": the text written is taken back and NULL returned.
 */
static struct node *subparse(struct parser *p, size_t from, size_t to, bool must,
			     const char *need)
{
	struct lexer saved = p->lx;
	size_t tlen = p->tlen;
	unsigned nest = p->nest;
	struct node *n = NULL;

	if (++p->nest > MAX_NEST)
		return fail(p, from, "expression too deeply nested");
	p->lx.pos = from;
	p->lx.end = to;
	p->lx.no_comments = true;
	iod_lex_next(&p->lx, &p->tok);
	if (p->tok.kind == T_END) {
		if (must)
			fail(p, p->tok.pos, "%s", need);
	} else {
		size_t start = p->tok.pos;

		n = parse_expr(p, 1);
		if (n && p->tok.kind != T_END) {
			n = NULL;
			if (must)
				unexpected(p);
		}
		if (n && !node_is_path(n)) {
			n = NULL;
			if (must)
				fail(p, start, "%s", need);
		}
	}
	p->nest = nest;
	if (!must && !p->nomem) {
		p->failed = false;
		if (!n)
			p->tlen = tlen;
	}
	p->lx.end = saved.end;
	p->lx.no_comments = saved.no_comments;
	return n;
}

/* sizeof(TYPE) or sizeof(PATH): which one is decided at evaluation, when
   types and views are known; the text is kept for the type lookup. */
static struct node *parse_sizeof(struct parser *p, size_t start)
{
	struct node *n = new_node(p, N_SIZEOF, start);
	size_t open, close;

	if (!n)
		return NULL;
	advance(p);
	if (!is_op(p, OP_LPAREN))
		return fail(p, p->tok.pos, "expected '(' after sizeof");
	open = p->tok.pos;
	if (!matching(p, open, '(', ')', &close))
		return fail(p, open, "missing ')' after sizeof(");
	put_text(p, "(", 1);
	n->a = subparse(p, open + 1, close, false, NULL);
	if (p->failed)
		return NULL;
	/*
	 * A field step or an ad-hoc root is never a type; anything else may be.
	 * When the content parsed as a path, its normalised text is already in.
	 */
	if (!n->a || (!has_field_step(n->a) && path_root(n->a)->kind != N_ADHOC)) {
		n->name = type_text(p, open + 1, close, !n->a);
		if (!n->name)
			return NULL;
		if (!*n->name)
			return fail(p, close, "sizeof needs a type or a path");
	}
	put_text(p, ")", 1);
	resume_at(p, close + 1);
	return finish(p, n);
}

/* offsetof(PATH), or offsetof(TYPE, MEMBER) as in C. */
static struct node *parse_offsetof(struct parser *p, size_t start)
{
	struct node *n = new_node(p, N_OFFSETOF, start);
	size_t open, close, comma = 0;
	unsigned depth = 0;

	if (!n)
		return NULL;
	advance(p);
	if (!is_op(p, OP_LPAREN))
		return fail(p, p->tok.pos, "expected '(' after offsetof");
	open = p->tok.pos;
	if (!matching(p, open, '(', ')', &close))
		return fail(p, open, "missing ')' after offsetof(");
	put_text(p, "(", 1);
	/* The last comma outside brackets: a Rust type may hold commas of its own. */
	for (size_t i = open + 1; i < close; i++) {
		char c = p->lx.src[i];

		if (c == '(' || c == '[' || c == '{')
			depth++;
		else if ((c == ')' || c == ']' || c == '}') && depth)
			depth--;
		else if (c == ',' && !depth)
			comma = i;
	}
	if (comma) {
		n->name = type_text(p, open + 1, comma, true);
		if (!n->name)
			return NULL;
		if (!*n->name)
			return fail(p, open + 1, "offsetof needs a type before ','");
		put_text(p, ",", 1);
		n->a = subparse(p, comma + 1, close, true, "offsetof needs a member after ','");
		if (n->a && path_root(n->a)->kind != N_IDENT)
			return fail(p, comma + 1, "offsetof needs a member after ','");
	} else {
		n->a = subparse(p, open + 1, close, true, "offsetof needs a path");
	}
	if (!n->a)
		return NULL;
	put_text(p, ")", 1);
	resume_at(p, close + 1);
	return finish(p, n);
}

/* ({TYPE}LOC): the '(' is taken, the current token is the '{'. */
static struct node *parse_adhoc(struct parser *p, size_t start)
{
	struct node *n = new_node(p, N_ADHOC, start);
	size_t brace = p->tok.pos, close, locpos;

	if (!n)
		return NULL;
	if (!matching(p, brace, '{', '}', &close))
		return fail(p, brace, "missing '}' after the type");
	put_text(p, "{", 1);
	n->name = type_text(p, brace + 1, close, true);
	if (!n->name)
		return NULL;
	if (!*n->name)
		return fail(p, brace + 1, "missing type name in {}");
	put_text(p, "}", 1);
	resume_at(p, close + 1);
	locpos = p->tok.pos;
	if (++p->nest > MAX_NEST)
		return fail(p, locpos, "expression too deeply nested");
	n->a = parse_expr(p, 1);
	p->nest--;
	if (!n->a)
		return NULL;
	if (!iod_expr_loc_region(n->a))
		return fail(p, locpos, "expected a location (REGION or REGION+OFFSET) after"
			    " {%s}", n->name);
	if (!expect(p, OP_RPAREN, "after the location"))
		return NULL;
	return finish(p, n);
}

static struct node *parse_primary(struct parser *p)
{
	size_t start = p->tlen, pos;
	struct node *n;

	switch (p->tok.kind) {
	case T_NUM:
		n = new_node(p, N_NUM, start);
		if (!n)
			return NULL;
		n->value = p->tok.value;
		advance(p);
		return finish(p, n);
	case T_VAR:
		n = new_node(p, N_VAR, start);
		if (!n || !(n->name = strndup_arena(p, p->lx.src + p->tok.pos + 1,
						     p->tok.len - 1)))
			return NULL;
		advance(p);
		return finish(p, n);
	case T_IDENT:
		if (is_word(p, "sizeof"))
			return parse_sizeof(p, start);
		if (is_word(p, "offsetof"))
			return parse_offsetof(p, start);
		n = new_node(p, N_IDENT, start);
		if (!n || !(n->name = strndup_arena(p, p->lx.src + p->tok.pos, p->tok.len)))
			return NULL;
		advance(p);
		return finish(p, n);
	case T_PUNCT:
		if (p->tok.op != OP_LPAREN)
			break;
		pos = p->tok.pos;
		advance(p);
		if (is_op(p, OP_LBRACE))
			return parse_adhoc(p, start);
		if (++p->nest > MAX_NEST)
			return fail(p, pos, "expression too deeply nested");
		n = parse_expr(p, 1);
		p->nest--;
		if (!n || !expect(p, OP_RPAREN, "after expression"))
			return NULL;
		n->parens = true;
		n->tstart = (uint32_t)start;
		n->tend = (uint32_t)p->tlen;
		return n;
	default:
		break;
	}
	return unexpected(p);
}

static struct node *parse_postfix(struct parser *p)
{
	struct node *n = parse_primary(p), *s;

	while (n && node_is_path(n) && !n->parens) {
		size_t start = n->tstart;
		char buf[64];

		if (is_op(p, OP_DOT)) {
			advance(p);
			if (p->tok.kind != T_IDENT)
				return fail(p, p->tok.pos, "expected a field name after '.', found %s",
					    tok_text(p, &p->tok, buf, sizeof(buf)));
			s = new_node(p, N_FIELD, start);
			if (!s || !(s->name = strndup_arena(p, p->lx.src + p->tok.pos, p->tok.len)))
				return NULL;
			advance(p);
		} else if (is_op(p, OP_LBRACK)) {
			advance(p);
			s = new_node(p, N_INDEX, start);
			if (!s || !(s->b = parse_expr(p, 1)))
				return NULL;
			if (is_op(p, OP_DOTDOT)) {
				advance(p);
				s->kind = N_SLICE;
				if (!(s->c = parse_expr(p, 1)) || !expect(p, OP_RBRACK, "after slice"))
					return NULL;
			} else if (!expect(p, OP_RBRACK, "after index")) {
				return NULL;
			}
		} else {
			break;
		}
		s->a = n;
		n = finish(p, s);
	}
	return n;
}

static struct node *parse_unary(struct parser *p)
{
	size_t start = p->tlen;
	struct node *n;

	if (p->tok.kind != T_PUNCT || (p->tok.op != OP_MINUS && p->tok.op != OP_PLUS &&
				       p->tok.op != OP_NOT && p->tok.op != OP_TILDE))
		return parse_postfix(p);
	if (++p->nest > MAX_NEST)
		return fail(p, p->tok.pos, "expression too deeply nested");
	n = new_node(p, N_UNARY, start);
	if (!n)
		return NULL;
	n->op = (uint8_t)p->tok.op;
	advance(p);
	n->a = parse_unary(p);
	p->nest--;
	return n->a ? finish(p, n) : NULL;
}

/* Precedence climbing; every binary operator is left-associative, as in C. */
static struct node *parse_expr(struct parser *p, int min_prec)
{
	struct node *lhs = parse_unary(p);
	int prec;

	while (lhs && (prec = binary_prec(p)) >= min_prec && prec > 0) {
		struct node *n = new_node(p, N_BINARY, lhs->tstart);

		if (!n)
			return NULL;
		n->op = (uint8_t)p->tok.op;
		advance(p);
		n->a = lhs;
		n->b = parse_expr(p, prec + 1);
		if (!n->b)
			return NULL;
		lhs = finish(p, n);
	}
	return lhs;
}

struct iod_error *iod_expr_parse(const char *text, struct iod_expr **ret, size_t *consumed,
				 size_t *err_pos)
{
	struct parser p;
	size_t len = strlen(text), inline_size;
	struct iod_expr *e;
	struct node *root = NULL;

	if (len >= UINT32_MAX) {
		if (err_pos)
			*err_pos = 0;
		return iod_error_new(IOD_ERR_SYNTAX, "expression too long");
	}
	/*
	 * Room for the text and the nodes of a typical command in one block
	 * that glibc serves from its per-thread cache (up to 1032 bytes);
	 * longer inputs get a block in proportion, dense ones a chunk more.
	 */
	inline_size = len <= 40 ? 1024 - sizeof(*e) : len < 680 ? len * 24 : 16384;
	e = malloc(sizeof(*e) + inline_size);
	if (!e)
		return &iod_error_nomem;
	e->chunks = NULL;
	e->cur = e->inline_space;
	e->left = inline_size;
	/* field by field: zeroing the message buffer costs more than a short parse */
	p.e = e;
	p.lx = (struct lexer){ .src = text, .end = len };
	p.tlen = 0;
	p.tcap = len;
	p.nest = 0;
	p.failed = p.nomem = false;
	p.err_pos = 0;
	p.err[0] = 0;
	p.text = alloc(&p, len + 1);
	if (p.text) {
		iod_lex_next(&p.lx, &p.tok);
		if (p.tok.kind == T_END)
			fail(&p, p.tok.pos, "missing expression");
		else
			root = parse_expr(&p, 1);
	}
	if (p.failed || !root) {
		iod_expr_free(e);
		if (p.nomem)
			return &iod_error_nomem;
		if (err_pos)
			*err_pos = p.err_pos;
		return iod_error_new(IOD_ERR_SYNTAX, "%s", p.err);
	}
	p.text[p.tlen] = 0;
	e->root = root;
	e->text = p.text;
	e->textlen = p.tlen;
	if (consumed)
		*consumed = p.tok.pos;
	*ret = e;
	return NULL;
}

bool iod_expr_is_path(const struct iod_expr *e)
{
	return node_is_path(e->root) && !e->root->parens;
}

bool iod_expr_is_loc(const struct iod_expr *e)
{
	return iod_expr_loc_region(e->root) != NULL;
}

void iod_expr_text(const struct iod_expr *e, struct iod_strbuf *out)
{
	iod_strbuf_add(out, e->text, e->textlen);
}

const char *iod_expr_name(const struct iod_expr *e)
{
	return e->root->kind == N_IDENT && !e->root->parens ? e->root->name : NULL;
}

bool iod_expr_reads_nothing(const struct iod_expr *e)
{
	const struct node *n = e->root;

	if (iod_expr_is_path(e))
		return n->pure;
	if (iod_expr_loc_region(n)) {
		for (; n->kind == N_BINARY; n = n->a)
			if (!n->b->noread)
				return false;
		return true;
	}
	return n->noread;
}
