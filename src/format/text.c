/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Values as text (spec §8): gdb's "set print pretty on" layout with iodbg's number formats. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char hexdigits[] = "0123456789abcdef";

static uint64_t mask_bits(unsigned bits)
{
	return bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

static uint64_t type_size(const struct iod_type *t)
{
	t = iod_type_strip(t);
	return t ? t->size : 0;
}

/* --- shared with json.c and layout.c ------------------------------------ */

void iod_fmt_scalar_decode(const struct iod_view *v, uint64_t raw, struct iod_fmt_scalar *ret)
{
	const struct iod_type *t = iod_type_strip(v->type);
	uint64_t size = t ? t->size : 0;
	unsigned width = size >= 1 && size <= 8 ? (unsigned)size * 8 : 64;
	unsigned nbits = v->bit_size ? v->bit_size : width;

	ret->t = t;
	ret->width = width;
	ret->is_signed = iod_type_is_signed(t);
	if (ret->is_signed) {
		ret->s = iod_sext(raw, nbits);
		/* /x shows the declared type's width, not the bitfield's (spec §6) */
		ret->bits = (uint64_t)ret->s & mask_bits(width);
	} else {
		ret->bits = raw & mask_bits(nbits) & mask_bits(width);
		ret->s = (int64_t)ret->bits;
	}
}

bool iod_fmt_is_char(const struct iod_type *t)
{
	t = iod_type_strip_cv(t);
	return t && t->kind == IOD_TYPE_BASE && t->name && !strcmp(t->name, "char");
}

bool iod_fmt_is_char_array(const struct iod_type *t)
{
	const struct iod_type *e;

	t = iod_type_strip(t);
	if (!t || t->kind != IOD_TYPE_ARRAY)
		return false;
	e = iod_type_strip_cv(t->target);
	/* Rust's char is also spelled "char" but holds 4-byte code points */
	return iod_fmt_is_char(e) && e->size == 1;
}

size_t iod_fmt_strnlen(const uint8_t *p, size_t n)
{
	const uint8_t *nul = memchr(p, 0, n);

	return nul ? (size_t)(nul - p) : n;
}

bool iod_fmt_is_anonymous(const struct iod_member *m)
{
	const struct iod_type *t = iod_type_strip(m->type);

	return !m->name && !m->bit_size && t &&
	       (t->kind == IOD_TYPE_STRUCT || t->kind == IOD_TYPE_UNION);
}

struct iod_error *iod_fmt_member_view(const struct iod_view *v, const struct iod_member *m,
				      struct iod_view *ret)
{
	struct iod_view out = *v;
	uint64_t bit, unit_off;
	unsigned unit_size;
	struct iod_error *err;

	out.type = m->type;
	out.bit_offset = 0;
	out.bit_size = 0;
	out.unit_size = 0;
	if (!m->bit_size) {
		out.offset = v->offset + m->bit_offset / 8;
		*ret = out;
		return NULL;
	}
	bit = (v->offset - v->root) * 8 + m->bit_offset;
	err = iod_bitfield_unit(bit, m->bit_size, type_size(m->type), &unit_off, &unit_size);
	if (err)
		return err;
	out.offset = v->root + unit_off;
	out.bit_offset = (uint8_t)(bit - unit_off * 8);
	out.bit_size = (uint8_t)m->bit_size;
	out.unit_size = (uint8_t)unit_size;
	*ret = out;
	return NULL;
}

uint64_t iod_fmt_array_count(const struct iod_value *val, const struct iod_view *sub)
{
	const struct iod_type *t = iod_type_strip(sub->type);
	uint64_t n, esize, end = val->view.offset + val->size;

	if (!t || t->kind != IOD_TYPE_ARRAY || sub->bit_size)
		return 0;
	esize = type_size(t->target);
	if (!esize || sub->offset >= end)
		return 0;
	/* a flexible member's elements are not part of its struct's read, even
	   where they overlap the struct's tail padding */
	if (t->flexible && (sub->offset != val->view.offset || sub->type != val->view.type))
		return 0;
	n = t->flexible ? iod_view_count(sub) : t->count;
	return n < (end - sub->offset) / esize ? n : (end - sub->offset) / esize;
}

bool iod_fmt_enum_flags(struct iod_strbuf *out, const struct iod_type *e, uint64_t bits,
			bool json)
{
	uint64_t m, known = 0;
	bool first = true;
	char hex[24];

	e = iod_type_strip(e);
	m = e->size >= 1 && e->size < 8 ? (UINT64_C(1) << (e->size * 8)) - 1 : UINT64_MAX;
	bits &= m;
	for (size_t i = 0; i < e->nenumerators; i++)
		known |= e->enumerators[i].value & m & bits;
	if (!known)
		return false;
	/* declaration order, as gdb lists flags */
	for (size_t i = 0; i < e->nenumerators; i++) {
		const struct iod_enumerator *en = &e->enumerators[i];
		uint64_t v = en->value & m;

		if (!v || !(bits & v))
			continue;
		if (!first)
			iod_strbuf_putc(out, '|');
		first = false;
		if (json)
			iod_fmt_json_escape(out, en->name, strlen(en->name));
		else
			iod_strbuf_puts(out, en->name);
	}
	if (bits & ~known) {
		snprintf(hex, sizeof(hex), "|0x%" PRIx64, bits & ~known);
		iod_strbuf_puts(out, hex);
	}
	return true;
}

bool iod_fmt_float(char *buf, size_t size, uint64_t raw, unsigned bytes)
{
	int prec, exp10, maxprec = bytes == 4 ? 9 : 17;
	const char *e;
	double d;

	if (bytes == 4) {
		uint32_t u = (uint32_t)raw;
		float f;

		memcpy(&f, &u, sizeof(f));
		d = f;
	} else if (bytes == 8) {
		memcpy(&d, &raw, sizeof(d));
	} else {
		/* no C type to decode it with: show the bits */
		snprintf(buf, size, "0x%" PRIx64, raw);
		return false;
	}
	if (isnan(d)) {
		snprintf(buf, size, "%s", signbit(d) ? "-nan" : "nan");
		return false;
	}
	if (isinf(d)) {
		snprintf(buf, size, "%s", d < 0 ? "-inf" : "inf");
		return false;
	}
	/* the fewest digits that read back as the same value: 1.5, not 1.5000000000000000 */
	for (prec = 1; prec < maxprec; prec++) {
		snprintf(buf, size, "%.*e", prec - 1, d);
		if (bytes == 4 ? strtof(buf, NULL) == (float)d : strtod(buf, NULL) == d)
			break;
	}
	e = strchr(buf, 'e');
	exp10 = e ? atoi(e + 1) : 0;
	/* then laid out as gdb's %g with 9 or 17 digits does: 100, not 1e+02 */
	if (exp10 >= -4 && exp10 < maxprec && exp10 + 1 > prec)
		prec = exp10 + 1;
	snprintf(buf, size, "%.*g", prec, d);
	return true;
}

/* --- scalars ------------------------------------------------------------ */

static void put_unsigned(struct iod_strbuf *out, uint64_t v, bool decimal)
{
	char buf[24];

	snprintf(buf, sizeof(buf), decimal ? "%" PRIu64 : "0x%" PRIx64, v);
	iod_strbuf_puts(out, buf);
}

static void put_signed(struct iod_strbuf *out, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	iod_strbuf_puts(out, buf);
}

/* A character constant as gdb writes it: 'A', '\n', '\000', '\310'. */
static void put_char_literal(struct iod_strbuf *out, uint64_t c)
{
	char buf[32];
	const char *esc = NULL;

	switch (c) {
	case 7: esc = "\\a"; break;
	case 8: esc = "\\b"; break;
	case 9: esc = "\\t"; break;
	case 10: esc = "\\n"; break;
	case 11: esc = "\\v"; break;
	case 12: esc = "\\f"; break;
	case 13: esc = "\\r"; break;
	case '\\': esc = "\\\\"; break;
	case '\'': esc = "\\'"; break;
	default: break;
	}
	if (esc)
		snprintf(buf, sizeof(buf), "'%s'", esc);
	else if (c >= 0x20 && c <= 0x7e)
		snprintf(buf, sizeof(buf), "'%c'", (char)c);
	else if (c <= 0xff)
		snprintf(buf, sizeof(buf), "'\\%03" PRIo64 "'", c);
	else
		snprintf(buf, sizeof(buf), "'\\u{%" PRIx64 "}'", c);
	iod_strbuf_puts(out, buf);
}

/* "65 'A'": the number, then the character. */
static void put_char(struct iod_strbuf *out, int64_t n, uint64_t c)
{
	put_signed(out, n);
	iod_strbuf_putc(out, ' ');
	put_char_literal(out, c);
}

/* print/FMT of an integer held in width bits; false for an unknown FMT. */
static bool put_fmt(struct iod_strbuf *out, char fmt, uint64_t bits, unsigned width,
		    bool is_signed)
{
	char buf[72];
	size_t n = 0;

	switch (fmt) {
	case 'x':
		snprintf(buf, sizeof(buf), "0x%" PRIx64, bits);
		break;
	case 'd':
		snprintf(buf, sizeof(buf), "%" PRId64, iod_sext(bits, width));
		break;
	case 'u':
		snprintf(buf, sizeof(buf), "%" PRIu64, bits);
		break;
	case 'o':
		/* gdb: a leading 0 marks octal, except for zero itself */
		snprintf(buf, sizeof(buf), "%s%" PRIo64, bits ? "0" : "", bits);
		break;
	case 't':
		do {
			buf[sizeof(buf) - 1 - ++n] = (char)('0' + (bits & 1));
			bits >>= 1;
		} while (bits);
		buf[sizeof(buf) - 1] = 0;
		iod_strbuf_add(out, buf + sizeof(buf) - 1 - n, n);
		return true;
	case 'c': {
		/* gdb casts to a char of the value's signedness */
		uint64_t c = bits & 0xff;

		put_char(out, is_signed ? (int64_t)(int8_t)c : (int64_t)c, c);
		return true;
	}
	default:
		return false;
	}
	iod_strbuf_puts(out, buf);
	return true;
}

static void put_enum(struct iod_strbuf *out, const struct iod_fmt_scalar *sc, bool decimal)
{
	const struct iod_enumerator *e = iod_type_enum_find_value(sc->t, sc->bits);
	char buf[24];

	if (e) {
		iod_strbuf_puts(out, e->name);
		if (sc->is_signed)
			snprintf(buf, sizeof(buf), " (%" PRId64 ")", sc->s);
		else
			snprintf(buf, sizeof(buf), " (%" PRIu64 ")", sc->bits);
		iod_strbuf_puts(out, buf);
		return;
	}
	if (iod_type_enum_is_flags(sc->t)) {
		if (iod_fmt_enum_flags(out, sc->t, sc->bits, false))
			return;
		/* no known bit: the leftover term alone, or 0 */
		if (sc->bits)
			put_unsigned(out, sc->bits, false);
		else
			iod_strbuf_putc(out, '0');
		return;
	}
	if (sc->is_signed)
		put_signed(out, sc->s);
	else
		put_unsigned(out, sc->bits, decimal);
}

void iod_format_scalar(struct iod_strbuf *out, const struct iod_view *v, uint64_t raw,
		       const struct iod_format_opts *o)
{
	struct iod_fmt_scalar sc;
	bool decimal = o && o->radix == 10;
	char buf[40];

	iod_fmt_scalar_decode(v, raw, &sc);
	if (!sc.t || (!v->bit_size && !iod_type_is_scalar(sc.t))) {
		iod_strbuf_puts(out, "<not a scalar>");
		return;
	}
	if (o && o->fmt && put_fmt(out, o->fmt, sc.bits, sc.width, sc.is_signed))
		return;
	switch (sc.t->kind) {
	case IOD_TYPE_POINTER:
		put_unsigned(out, sc.bits, decimal);
		return;
	case IOD_TYPE_ENUM:
		put_enum(out, &sc, decimal);
		return;
	case IOD_TYPE_BASE:
		break;
	default:
		put_unsigned(out, sc.bits, decimal);
		return;
	}
	switch (sc.t->enc) {
	case IOD_ENC_BOOL:
		if (sc.bits <= 1)
			iod_strbuf_puts(out, sc.bits ? "true" : "false");
		else
			put_signed(out, sc.s);
		return;
	case IOD_ENC_FLOAT:
		if (!v->bit_size) {
			iod_fmt_float(buf, sizeof(buf), sc.bits, sc.width / 8);
			iod_strbuf_puts(out, buf);
			return;
		}
		break;
	default:
		break;
	}
	if (iod_fmt_is_char(v->type)) {
		put_char(out, sc.s, sc.t->size == 1 ? sc.bits & 0xff : sc.bits);
		return;
	}
	if (sc.is_signed)
		put_signed(out, sc.s);
	else
		put_unsigned(out, sc.bits, decimal);
}

void iod_format_scalar_text(struct iod_strbuf *out, const char *path, const struct iod_view *v,
			    uint64_t raw, const struct iod_format_opts *o)
{
	iod_strbuf_puts(out, path);
	iod_strbuf_add(out, " = ", 3);
	iod_format_scalar(out, v, raw, o);
	iod_strbuf_putc(out, '\n');
}

/* --- aggregates --------------------------------------------------------- */

struct text {
	struct iod_strbuf *out;
	const struct iod_value *val;
	const struct iod_format_opts *o;
};

static void put_error(struct iod_strbuf *out, struct iod_error *err)
{
	iod_strbuf_printf(out, "<error: %s>", err->message);
	iod_error_free(err);
}

static void spaces(struct iod_strbuf *out, unsigned n)
{
	static const char sp[] = "                                ";

	while (n) {
		unsigned k = n < sizeof(sp) - 1 ? n : (unsigned)sizeof(sp) - 1;

		iod_strbuf_add(out, sp, k);
		n -= k;
	}
}

/* Appends the run of bytes that needed no escape (none from an empty input). */
static void flush(struct iod_strbuf *out, const char *base, size_t off, size_t n)
{
	if (n)
		iod_strbuf_add(out, base + off, n);
}

/* A char array: quoted, up to the first NUL, \xNN outside printable ASCII. */
static void put_string(struct iod_strbuf *out, const uint8_t *p, size_t n)
{
	char esc[4] = { '\\', 'x', 0, 0 };
	size_t run = 0;

	iod_strbuf_putc(out, '"');
	for (size_t i = 0; i < n; i++) {
		uint8_t b = p[i];

		if (b >= 0x20 && b <= 0x7e && b != '"' && b != '\\') {
			run++;
			continue;
		}
		flush(out, (const char *)p, i - run, run);
		run = 0;
		if (b == '"' || b == '\\') {
			esc[1] = (char)b;
			iod_strbuf_add(out, esc, 2);
			esc[1] = 'x';
		} else {
			esc[2] = hexdigits[b >> 4];
			esc[3] = hexdigits[b & 15];
			iod_strbuf_add(out, esc, 4);
		}
	}
	flush(out, (const char *)p, n - run, run);
	iod_strbuf_putc(out, '"');
}

static void text_value(struct text *c, const struct iod_view *v, unsigned level);

/*
 * gdb's pretty layout: a struct at nesting level L puts each field on its own
 * line indented 2(L+1), its closing brace at 2L; array elements stay on one
 * line but count one level deeper, which is what gives "{{" and "}, {".
 */
static void text_fields(struct text *c, const struct iod_view *v, const struct iod_type *s,
			unsigned level, size_t *n)
{
	for (size_t i = 0; i < s->nmembers; i++) {
		const struct iod_member *m = &s->members[i];
		struct iod_view sub;
		struct iod_error *err = iod_fmt_member_view(v, m, &sub);

		if (!err && iod_fmt_is_anonymous(m)) {
			/* spec §8: fields of anonymous members are fields of the parent */
			text_fields(c, &sub, iod_type_strip(m->type), level, n);
			continue;
		}
		if (!m->name) {
			/* nothing to call it by */
			iod_error_free(err);
			continue;
		}
		iod_strbuf_puts(c->out, *n ? ",\n" : "\n");
		spaces(c->out, 2 * (level + 1));
		iod_strbuf_puts(c->out, m->name);
		iod_strbuf_add(c->out, " = ", 3);
		if (err)
			put_error(c->out, err);
		else
			text_value(c, &sub, level + 1);
		(*n)++;
	}
}

static void text_array(struct text *c, const struct iod_view *v, const struct iod_type *t,
		       unsigned level)
{
	uint64_t n = iod_fmt_array_count(c->val, v), esize = type_size(t->target);
	struct iod_view sub = *v;

	if (!(c->o && c->o->fmt) && iod_fmt_is_char_array(t)) {
		const uint8_t *p = c->val->bytes + (v->offset - c->val->view.offset);

		put_string(c->out, p, iod_fmt_strnlen(p, n));
		return;
	}
	sub.type = t->target;
	iod_strbuf_putc(c->out, '{');
	for (uint64_t i = 0; i < n; i++) {
		if (i)
			iod_strbuf_add(c->out, ", ", 2);
		sub.offset = v->offset + i * esize;
		text_value(c, &sub, level + 1);
	}
	iod_strbuf_putc(c->out, '}');
}

static void text_value(struct text *c, const struct iod_view *v, unsigned level)
{
	const struct iod_type *t = iod_type_strip(v->type);
	struct iod_error *err;
	uint64_t raw;
	size_t n = 0;

	if (v->bit_size || iod_type_is_scalar(t)) {
		err = iod_value_get(c->val, v, &raw);
		if (err)
			put_error(c->out, err);
		else
			iod_format_scalar(c->out, v, raw, c->o);
		return;
	}
	if (!t) {
		iod_strbuf_puts(c->out, "<void>");
		return;
	}
	switch (t->kind) {
	case IOD_TYPE_STRUCT:
	case IOD_TYPE_UNION:
		iod_strbuf_putc(c->out, '{');
		text_fields(c, v, t, level, &n);
		if (n) {
			iod_strbuf_putc(c->out, '\n');
			spaces(c->out, 2 * level);
		}
		iod_strbuf_putc(c->out, '}');
		return;
	case IOD_TYPE_ARRAY:
		text_array(c, v, t, level);
		return;
	default:
		iod_strbuf_puts(c->out, "<no value>");
		return;
	}
}

void iod_format_text(struct iod_strbuf *out, const char *path, const struct iod_value *val,
		     const struct iod_format_opts *o)
{
	struct text c = { out, val, o };

	iod_strbuf_puts(out, path);
	iod_strbuf_add(out, " = ", 3);
	text_value(&c, &val->view, 0);
	iod_strbuf_putc(out, '\n');
}
