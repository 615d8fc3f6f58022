/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tokens of paths and expressions: one at a time, on demand, so a parse can stop anywhere. */
#include "expr_internal.h"

static const char *const op_text[] = {
	[OP_NONE] = "",
	[OP_LPAREN] = "(", [OP_RPAREN] = ")", [OP_LBRACK] = "[", [OP_RBRACK] = "]",
	[OP_LBRACE] = "{", [OP_RBRACE] = "}", [OP_DOT] = ".", [OP_DOTDOT] = "..",
	[OP_COMMA] = ",", [OP_PLUS] = "+", [OP_MINUS] = "-", [OP_STAR] = "*",
	[OP_SLASH] = "/", [OP_PERCENT] = "%", [OP_SHL] = "<<", [OP_SHR] = ">>",
	[OP_LT] = "<", [OP_LE] = "<=", [OP_GT] = ">", [OP_GE] = ">=", [OP_EQ] = "==",
	[OP_NE] = "!=", [OP_AND] = "&", [OP_XOR] = "^", [OP_OR] = "|", [OP_ANDAND] = "&&",
	[OP_OROR] = "||", [OP_NOT] = "!", [OP_TILDE] = "~", [OP_ASSIGN] = "=",
	[OP_OPASSIGN] = "", [OP_OTHER] = "",
};

const char *iod_lex_op_text(enum op op)
{
	return op_text[op];
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Character classes by table: the lexer looks at every byte of every command. */
enum { C_START = 1, C_DIGIT = 2, C_HASH = 4 };

static const unsigned char cclass[256] = {
	['0' ... '9'] = C_DIGIT,
	['a' ... 'z'] = C_START, ['A' ... 'Z'] = C_START, ['_'] = C_START,
	/* bytes of UTF-8 sequences count as letters, so a view may have a non-ASCII name */
	[0x80 ... 0xff] = C_START,
	['#'] = C_HASH,
};

static bool is_ident_start(char c)
{
	return cclass[(unsigned char)c] & C_START;
}

/*
 * How many bytes from the current one on are in the classes (the first is
 * taken as it is). '#' inside a word is part of it (spec §2: struct IP_BASE#1).
 */
static size_t span(const struct lexer *lx, unsigned classes)
{
	const char *s = lx->src + lx->pos, *q = s + 1, *end = lx->src + lx->end;

	while (q < end && (cclass[(unsigned char)*q] & classes))
		q++;
	return (size_t)(q - s);
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned hex_value(char c)
{
	return is_digit(c) ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* The byte at pos+i, or 0 past the end of what this lexer may read. */
static char at(const struct lexer *lx, size_t i)
{
	return lx->pos + i < lx->end ? lx->src[lx->pos + i] : 0;
}

/* One character of a character constant at *i (after the quote): its byte value. */
static enum bad char_value(const struct lexer *lx, size_t *i, uint64_t *ret)
{
	char c = at(lx, *i);
	unsigned v = 0, n;

	if (c != '\\') {
		*ret = (unsigned char)c;
		(*i)++;
		return BAD_NONE;
	}
	c = at(lx, *i + 1);
	*i += 2;
	switch (c) {
	case 'n': *ret = '\n'; return BAD_NONE;
	case 't': *ret = '\t'; return BAD_NONE;
	case 'r': *ret = '\r'; return BAD_NONE;
	case 'a': *ret = '\a'; return BAD_NONE;
	case 'b': *ret = '\b'; return BAD_NONE;
	case 'f': *ret = '\f'; return BAD_NONE;
	case 'v': *ret = '\v'; return BAD_NONE;
	case 'e': *ret = 0x1b; return BAD_NONE;
	case '\\': case '\'': case '"': case '?': *ret = (unsigned char)c; return BAD_NONE;
	case 'x':
		for (n = 0; n < 2 && is_hex(at(lx, *i)); n++, (*i)++)
			v = v * 16 + hex_value(at(lx, *i));
		if (!n)
			return BAD_CHAR_ESCAPE;
		*ret = v;
		return BAD_NONE;
	default:
		if (c < '0' || c > '7')
			return BAD_CHAR_ESCAPE;
		(*i)--;
		for (n = 0; n < 3 && at(lx, *i) >= '0' && at(lx, *i) <= '7'; n++, (*i)++)
			v = v * 8 + (unsigned)(at(lx, *i) - '0');
		if (v > 0xff)
			return BAD_CHAR_ESCAPE;
		*ret = v;
		return BAD_NONE;
	}
}

/* Where a quoted item that is not closed on its line ends, for the message. */
static size_t rest_of_line(const struct lexer *lx, size_t i)
{
	while (at(lx, i) && at(lx, i) != '\n')
		i++;
	return i;
}

static void lex_char(const struct lexer *lx, struct token *t)
{
	size_t i = 1;
	char c = at(lx, 1);

	if (!c || c == '\n') {
		t->bad = BAD_CHAR_UNTERMINATED;
		t->len = 1;
		return;
	}
	if (c == '\'') {
		t->bad = BAD_CHAR_EMPTY;
		t->len = 2;
		return;
	}
	t->bad = char_value(lx, &i, &t->value);
	if (t->bad == BAD_NONE && at(lx, i) == '\'') {
		t->kind = T_NUM;
		t->len = i + 1;
		return;
	}
	/* Find the closing quote to show the whole constant in the message. */
	while (at(lx, i) && at(lx, i) != '\n' && at(lx, i) != '\'')
		i += at(lx, i) == '\\' && at(lx, i + 1) && at(lx, i + 1) != '\n' ? 2 : 1;
	if (at(lx, i) != '\'') {
		t->bad = BAD_CHAR_UNTERMINATED;
		t->len = i;
		return;
	}
	if (t->bad == BAD_NONE)
		t->bad = BAD_CHAR_LONG;
	t->len = i + 1;
}

static void lex_string(const struct lexer *lx, struct token *t)
{
	size_t i = 1;

	while (at(lx, i) && at(lx, i) != '\n' && at(lx, i) != '"')
		i += at(lx, i) == '\\' && at(lx, i + 1) && at(lx, i + 1) != '\n' ? 2 : 1;
	if (at(lx, i) != '"') {
		t->bad = BAD_STRING_UNTERMINATED;
		t->len = rest_of_line(lx, i);
		return;
	}
	t->kind = T_STRING;
	t->len = i + 1;
}

/* An operator at the start of the token: its kind and length; false for none. */
static bool lex_punct(const struct lexer *lx, enum op *op, size_t *len)
{
	char c = at(lx, 0), d = at(lx, 1);

	*len = 1;
	switch (c) {
	case '(': *op = OP_LPAREN; return true;
	case ')': *op = OP_RPAREN; return true;
	case '[': *op = OP_LBRACK; return true;
	case ']': *op = OP_RBRACK; return true;
	case '{': *op = OP_LBRACE; return true;
	case '}': *op = OP_RBRACE; return true;
	case ',': *op = OP_COMMA; return true;
	case '~': *op = OP_TILDE; return true;
	case '@': case ';': case '?': *op = OP_OTHER; return true;
	case ':': *op = OP_OTHER; *len = d == ':' ? 2 : 1; return true;
	case '.': *op = d == '.' ? OP_DOTDOT : OP_DOT; *len = d == '.' ? 2 : 1; return true;
	case '+': case '-': case '*': case '/': case '%': case '^': case '=': case '!':
		if (d == '=') {
			*len = 2;
			*op = c == '=' ? OP_EQ : c == '!' ? OP_NE : OP_OPASSIGN;
			return true;
		}
		*op = c == '+' ? OP_PLUS : c == '-' ? OP_MINUS : c == '*' ? OP_STAR :
		      c == '/' ? OP_SLASH : c == '%' ? OP_PERCENT : c == '^' ? OP_XOR :
		      c == '=' ? OP_ASSIGN : OP_NOT;
		return true;
	case '&': case '|':
		if (d == c) {
			*len = 2;
			*op = c == '&' ? OP_ANDAND : OP_OROR;
		} else if (d == '=') {
			*len = 2;
			*op = OP_OPASSIGN;
		} else {
			*op = c == '&' ? OP_AND : OP_OR;
		}
		return true;
	case '<': case '>':
		if (d == c) {
			/* "<<=" is an assignment, so that a parse stops in front of it */
			if (at(lx, 2) == '=') {
				*len = 3;
				*op = OP_OPASSIGN;
			} else {
				*len = 2;
				*op = c == '<' ? OP_SHL : OP_SHR;
			}
		} else if (d == '=') {
			*len = 2;
			*op = c == '<' ? OP_LE : OP_GE;
		} else {
			*op = c == '<' ? OP_LT : OP_GT;
		}
		return true;
	default:
		return false;
	}
}

void iod_lex_next(struct lexer *lx, struct token *t)
{
	char c;
	size_t i;

	while (lx->pos < lx->end && is_space(lx->src[lx->pos]))
		lx->pos++;
	*t = (struct token){ .kind = T_BAD, .pos = lx->pos };
	c = at(lx, 0);
	if (!c || (c == '#' && !lx->no_comments &&
		   (lx->pos == 0 || is_space(lx->src[lx->pos - 1])))) {
		/* A comment ends what there is to parse, as the end of input does. */
		t->kind = T_END;
		return;
	}
	if (is_digit(c)) {
		/* Like C's pp-number: "0x10g" is one bad number, not 0x10 then "g". */
		i = span(lx, C_START | C_DIGIT);
		t->len = i;
		switch (iod_num_scan(lx->src + lx->pos, i, &t->value)) {
		case NUM_OK: t->kind = T_NUM; break;
		case NUM_INVALID: t->bad = BAD_NUMBER; break;
		case NUM_RANGE: t->bad = BAD_NUMBER_RANGE; break;
		case NUM_LEADING_ZERO: t->bad = BAD_LEADING_ZERO; break;
		}
	} else if (is_ident_start(c)) {
		t->kind = T_IDENT;
		t->len = span(lx, C_START | C_DIGIT | C_HASH);
	} else if (c == '$') {
		i = span(lx, C_START | C_DIGIT | C_HASH);
		t->len = i;
		if (i > 1)
			t->kind = T_VAR;
		else
			t->bad = BAD_VAR;
	} else if (c == '\'') {
		lex_char(lx, t);
	} else if (c == '"') {
		lex_string(lx, t);
	} else if (lex_punct(lx, &t->op, &t->len)) {
		t->kind = T_PUNCT;
	} else {
		t->bad = BAD_CHARACTER;
		t->len = 1;
	}
	/* an unterminated constant may have looked past what this lexer owns */
	if (t->len > lx->end - lx->pos)
		t->len = lx->end - lx->pos;
	lx->pos += t->len;
}
