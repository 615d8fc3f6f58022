/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to src/expr/: tokens, the parse tree and the helpers lex.c, parse.c, eval.c share. */
#ifndef IODBG_EXPR_INTERNAL_H
#define IODBG_EXPR_INTERNAL_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iodbg/expr.h"

/* --- tokens (lex.c) ----------------------------------------------------- */

enum tok_kind {
	T_END,      /* end of input, or a '#' comment: nothing more to parse */
	T_NUM,      /* integer or character constant; value holds it */
	T_IDENT,
	T_VAR,      /* $name */
	T_STRING,   /* "..." is not a value, but a parse may stop at one */
	T_PUNCT,    /* op says which */
	T_BAD,      /* malformed; bad says why */
};

enum op {
	OP_NONE,
	OP_LPAREN, OP_RPAREN, OP_LBRACK, OP_RBRACK, OP_LBRACE, OP_RBRACE,
	OP_DOT, OP_DOTDOT, OP_COMMA,
	OP_PLUS, OP_MINUS, OP_STAR, OP_SLASH, OP_PERCENT,
	OP_SHL, OP_SHR, OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
	OP_AND, OP_XOR, OP_OR, OP_ANDAND, OP_OROR, OP_NOT, OP_TILDE,
	/* Never part of an expression; lexed whole so that a parse stops in
	   front of "|=" rather than taking the '|' and failing on the '='. */
	OP_ASSIGN, OP_OPASSIGN, OP_OTHER,
};

enum bad {
	BAD_NONE,
	BAD_CHARACTER,        /* a byte that starts no token */
	BAD_NUMBER,
	BAD_NUMBER_RANGE,
	BAD_LEADING_ZERO,
	BAD_CHAR_UNTERMINATED,
	BAD_CHAR_EMPTY,
	BAD_CHAR_LONG,
	BAD_CHAR_ESCAPE,
	BAD_STRING_UNTERMINATED,
	BAD_VAR,              /* '$' without a name */
};

struct token {
	enum tok_kind kind;
	enum op op;
	enum bad bad;
	size_t pos;            /* byte offset in the source */
	size_t len;
	uint64_t value;
};

struct lexer {
	const char *src;
	size_t pos;            /* next byte to look at */
	size_t end;            /* a sub-lexer (inside sizeof(...)) stops early */
	bool no_comments;      /* inside sizeof(...), '#' is no comment: "X #1" is a type */
};

/* Skips white space, then reads one token. */
void iod_lex_next(struct lexer *lx, struct token *ret);
/* The spelling of an operator ("<<", "..."). */
const char *iod_lex_op_text(enum op op);

/* --- numbers (number.c) ------------------------------------------------- */

enum num_status { NUM_OK, NUM_INVALID, NUM_RANGE, NUM_LEADING_ZERO };

/* The whole of [s, s+len) as an integer: 0x, 0b, 0o or decimal, '_' separators. */
enum num_status iod_num_scan(const char *s, size_t len, uint64_t *ret);

/* --- the tree (parse.c) ------------------------------------------------- */

enum node_kind {
	N_NUM,
	N_VAR,        /* name */
	N_IDENT,      /* name: a view, an enumerator, or (in a location) a region */
	N_ADHOC,      /* ({name}a): name is the type text, a the location */
	N_FIELD,      /* a.name */
	N_INDEX,      /* a[b] */
	N_SLICE,      /* a[b..c] */
	N_UNARY,      /* op a */
	N_BINARY,     /* a op b */
	N_SIZEOF,     /* name: type text (NULL when only a path fits); a: the path, or NULL */
	N_OFFSETOF,   /* a: a path; with name (a type), a is a member designator */
};

struct node {
	uint8_t kind;          /* enum node_kind */
	uint8_t op;            /* enum op, for N_UNARY and N_BINARY */
	bool parens;           /* written inside ( ) */
	bool noread;           /* its value can be had without reading a region */
	bool pure;             /* a path whose projection reads nothing */
	uint16_t depth;        /* height of the subtree, bounded so evaluation cannot
	                          exhaust the stack */
	uint32_t tstart, tend; /* its span in the normalised text */
	uint64_t value;        /* N_NUM */
	const char *name;
	struct node *a, *b, *c;
};

/* Nodes and strings live in chunks owned by the expression; the first chunk
   is inside the expression's own allocation, sized from the length of the
   input, so a command's expression costs one malloc. */
struct chunk {
	struct chunk *next;
	size_t size;
	alignas(max_align_t) unsigned char data[];
};

struct iod_expr {
	struct node *root;
	char *text;            /* normalised source: no white space outside type names */
	size_t textlen;
	struct chunk *chunks;  /* beyond the inline space */
	unsigned char *cur;    /* free space of the current chunk */
	size_t left;
	alignas(max_align_t) unsigned char inline_space[];
};

static inline bool node_is_path(const struct node *n)
{
	return n->kind == N_IDENT || n->kind == N_ADHOC || n->kind == N_FIELD ||
	       n->kind == N_INDEX || n->kind == N_SLICE;
}

/* The identifier at the bottom of a location's + / - chain, else NULL. */
const struct node *iod_expr_loc_region(const struct node *n);

#endif
