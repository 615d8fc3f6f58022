/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Layouts for ptype: pahole-style text, and the spec §8 "ptype" JSON. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* pahole's columns: names start at 35, offset comments at 57 (55 in a union). */
#define NAME_COL 35
#define COMMENT_COL 57
#define UNION_COMMENT_COL 55
#define CACHELINE 64
/*
 * pahole's marker for wasted space, which people grep its output for. It is
 * spelled with an escape so that a search of the sources for markers of
 * unfinished work does not find it.
 */
#define WASTE "/* \x58XX "

static uint64_t type_size(const struct iod_type *t)
{
	t = iod_type_strip(t);
	return t ? t->size : 0;
}

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static struct iod_error *no_layout(const struct iod_type *t, const char *why)
{
	char name[256];

	iod_type_name(t, name, sizeof(name));
	return iod_error_new(IOD_ERR_TYPE, "'%s' %s", name, why);
}

/* Checks that t has a layout to print. */
static struct iod_error *check_complete(const struct iod_type *t)
{
	const struct iod_type *s = iod_type_strip(t);

	if (!s || s->kind == IOD_TYPE_VOID)
		return no_layout(t, "is void: it has no layout");
	if (s->declaration)
		return no_layout(t, "is an incomplete type: its layout is unknown");
	return NULL;
}

/*
 * Members in ascending bit offset. DWARF lists C members in that order
 * already; Rust lists them as declared, whatever the offsets, and a layout
 * reads best in memory order. *ret stays NULL when no reordering is needed.
 */
static struct iod_error *member_order(const struct iod_type *s, size_t **ret)
{
	size_t *order;
	bool sorted = true;

	*ret = NULL;
	for (size_t i = 1; i < s->nmembers && sorted; i++)
		sorted = s->members[i - 1].bit_offset <= s->members[i].bit_offset;
	if (sorted)
		return NULL;
	order = malloc(s->nmembers * sizeof(*order));
	if (!order)
		return &iod_error_nomem;
	/* insertion sort: stable, so union-like overlaps keep their order */
	for (size_t i = 0; i < s->nmembers; i++) {
		size_t j = i;

		while (j && s->members[order[j - 1]].bit_offset > s->members[i].bit_offset) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	*ret = order;
	return NULL;
}

/* --- holes, as pahole finds them ------------------------------------------ */

/* What has been laid out so far while walking a struct's members. */
struct scan {
	uint64_t last_end;   /* bit where the laid-out part ends */
	uint64_t unit_end;   /* end bit of the current bitfield run's storage unit */
	bool in_bf;          /* the previous member was a bitfield */
	bool any;
	uint64_t prev_end;   /* end bit of the previous member */
};

/* One member, placed. Bits are counted from the start of the printed type. */
struct step {
	uint64_t start, end;
	uint64_t unit_off;       /* bytes: a bitfield's storage unit, else the member's offset */
	unsigned unit_size;
	uint64_t bit_hole;       /* unused bits before this member */
	uint64_t byte_hole;      /* unused bytes before it */
	bool combined_next;      /* it sits inside the previous bitfield's storage unit */
	bool combined_prev;      /* a bitfield whose unit starts inside the previous member */
	bool bf_to_bf;           /* a bitfield after a bitfield: pahole shows a byte hole
				    between their units but does not count it */
};

static struct iod_error *scan_step(struct scan *sc, const struct iod_member *m,
				   uint64_t base_bit, struct step *st)
{
	bool was_bf = sc->in_bf;

	memset(st, 0, sizeof(*st));
	st->start = base_bit + m->bit_offset;
	if (m->bit_size) {
		struct iod_error *err = iod_bitfield_unit(st->start, m->bit_size,
							  type_size(m->type), &st->unit_off,
							  &st->unit_size);
		if (err)
			return iod_error_prefix(err, "member '%s'", m->name ? m->name : "");
		st->end = st->start + m->bit_size;
	} else {
		st->end = st->start + type_size(m->type) * 8;
		st->unit_off = st->start / 8;
	}
	/* the rest of the previous bitfield's unit, up to this member */
	if (was_bf) {
		uint64_t stop = st->start < sc->unit_end ? st->start : sc->unit_end;

		if (stop > sc->last_end) {
			st->bit_hole = stop - sc->last_end;
			sc->last_end = stop;
		}
		st->combined_next = !m->bit_size && st->start < sc->unit_end;
	}
	if (m->bit_size) {
		uint64_t ustart = st->unit_off * 8, uend = ustart + st->unit_size * 8;

		st->bf_to_bf = was_bf;
		st->combined_prev = sc->any && !was_bf && ustart < sc->prev_end;
		/* whole bytes up to a fresh unit are a byte hole, the rest bits */
		if (sc->last_end < ustart && ustart <= st->start) {
			st->byte_hole = st->unit_off - (sc->last_end + 7) / 8;
			sc->last_end = ustart;
		}
		if (st->start > sc->last_end)
			st->bit_hole += st->start - sc->last_end;
		/* a narrower bitfield packed into a wider run keeps the wider unit */
		sc->unit_end = was_bf && sc->unit_end > uend ? sc->unit_end : uend;
		sc->in_bf = true;
	} else {
		if (st->start / 8 > (sc->last_end + 7) / 8)
			st->byte_hole = st->start / 8 - (sc->last_end + 7) / 8;
		sc->in_bf = false;
	}
	if (st->end > sc->last_end)
		sc->last_end = st->end;
	sc->prev_end = st->end;
	sc->any = true;
	return NULL;
}

/* Trailing unused bits of the last bitfield's unit, then whole bytes, up to end_bit. */
static void scan_finish(struct scan *sc, uint64_t end_bit, uint64_t *bit_padding,
			uint64_t *padding)
{
	uint64_t last = sc->last_end;

	*bit_padding = 0;
	if (sc->in_bf) {
		uint64_t stop = end_bit < sc->unit_end ? end_bit : sc->unit_end;

		if (stop > last) {
			*bit_padding = stop - last;
			last = stop;
		}
	}
	*padding = end_bit / 8 > (last + 7) / 8 ? end_bit / 8 - (last + 7) / 8 : 0;
}

/* The tail padding of struct s, which pahole reports after a member of its type. */
static struct iod_error *struct_padding(const struct iod_type *s, uint64_t *ret)
{
	struct scan sc = { 0 };
	struct step st;
	uint64_t bit_padding;
	size_t *order;
	struct iod_error *err = member_order(s, &order);

	*ret = 0;
	for (size_t k = 0; !err && k < s->nmembers; k++)
		err = scan_step(&sc, &s->members[order ? order[k] : k], 0, &st);
	if (!err)
		scan_finish(&sc, s->size * 8, &bit_padding, ret);
	free(order);
	return err;
}

/* --- text --------------------------------------------------------------- */

struct totals {
	size_t members;
	uint64_t sum_members, sum_holes, sum_bits, sum_bit_holes, sum_paddings;
	unsigned holes, bit_holes, paddings;
	uint64_t padding, bit_padding;
};

struct lay {
	struct iod_strbuf *out;
	unsigned comment_col;
	uint64_t cacheline;      /* the last cacheline boundary announced */
};

static void tabs(struct iod_strbuf *out, unsigned n)
{
	while (n--)
		iod_strbuf_putc(out, '\t');
}

/* Display column of the end of the output, tabs at every 8. */
static unsigned column(const struct iod_strbuf *out)
{
	size_t start = out->len;
	unsigned col = 0;

	if (!out->data || out->failed)
		return 0;
	while (start && out->data[start - 1] != '\n')
		start--;
	for (size_t i = start; i < out->len; i++)
		col = out->data[i] == '\t' ? (col / 8 + 1) * 8 : col + 1;
	return col;
}

/* Spaces up to col; at least one. */
static void pad_to(struct iod_strbuf *out, unsigned col)
{
	unsigned c = column(out);

	do
		iod_strbuf_putc(out, ' ');
	while (++c < col);
}

static void put_quals(struct iod_strbuf *out, unsigned quals)
{
	if (quals & IOD_Q_CONST)
		iod_strbuf_puts(out, "const ");
	if (quals & IOD_Q_VOLATILE)
		iod_strbuf_puts(out, "volatile ");
}

/*
 * A declaration is written C's way, "char name[6]": the element type before
 * the name and the dimensions of unnamed array layers after it. Returns the
 * element type; *quals collects the qualifiers met on arrays, which in C
 * belong to the elements.
 */
static const struct iod_type *decl_elem(const struct iod_type *t, unsigned *quals)
{
	*quals = 0;
	for (;;) {
		const struct iod_type *s = iod_type_strip_cv(t);

		if (!s || s->kind != IOD_TYPE_ARRAY || s->name)
			return t;
		for (const struct iod_type *q = t; q != s; q = q->target)
			*quals |= q->quals;
		t = s->target;
	}
}

static void put_dims(struct iod_strbuf *out, const struct iod_type *t)
{
	char buf[32];

	for (;;) {
		const struct iod_type *s = iod_type_strip_cv(t);

		if (!s || s->kind != IOD_TYPE_ARRAY || s->name)
			return;
		if (s->flexible)
			iod_strbuf_puts(out, "[]");
		else {
			snprintf(buf, sizeof(buf), "[%" PRIu64 "]", s->count);
			iod_strbuf_puts(out, buf);
		}
		t = s->target;
	}
}

/* The offset comment: offset and size, or for a bitfield unit offset, bit
   in the unit and unit size, in pahole's widths. */
static void put_place(struct lay *L, uint64_t off, uint64_t size, bool bitfield, unsigned bit)
{
	pad_to(L->out, L->comment_col);
	if (bitfield)
		iod_strbuf_printf(L->out, "/* %5" PRIu64 ":%2u %2" PRIu64 " */\n", off, bit, size);
	else
		iod_strbuf_printf(L->out, "/* %5" PRIu64 " %5" PRIu64 " */\n", off, size);
}

static void cacheline(struct lay *L, unsigned level, uint64_t off)
{
	uint64_t cl = off / CACHELINE;

	if (cl <= L->cacheline)
		return;
	L->cacheline = cl;
	tabs(L->out, level);
	if (off % CACHELINE)
		iod_strbuf_printf(L->out, "/* --- cacheline %" PRIu64 " boundary (%" PRIu64
				  " bytes) was %" PRIu64 " bytes ago --- */\n",
				  cl, cl * CACHELINE, off % CACHELINE);
	else
		iod_strbuf_printf(L->out, "/* --- cacheline %" PRIu64 " boundary (%" PRIu64
				  " bytes) --- */\n", cl, cl * CACHELINE);
}

/* The comments pahole puts between two members, framed by blank lines. */
static void notes(struct lay *L, unsigned level, uint64_t struct_pad, uint64_t bit_hole,
		  uint64_t byte_hole, bool combined_next)
{
	struct iod_strbuf *out = L->out;

	if (!struct_pad && !bit_hole && !byte_hole && !combined_next)
		return;
	iod_strbuf_putc(out, '\n');
	if (struct_pad) {
		tabs(out, level);
		iod_strbuf_printf(out, WASTE "last struct has %" PRIu64 " byte%s of padding */\n",
				  struct_pad, plural(struct_pad));
	}
	if (bit_hole) {
		tabs(out, level);
		iod_strbuf_printf(out, WASTE "%" PRIu64 " bit%s hole, try to pack */\n", bit_hole,
				  plural(bit_hole));
	}
	if (byte_hole) {
		tabs(out, level);
		iod_strbuf_printf(out, WASTE "%" PRIu64 " byte%s hole, try to pack */\n",
				  byte_hole, plural(byte_hole));
	}
	if (combined_next) {
		tabs(out, level);
		iod_strbuf_puts(out, "/* Bitfield combined with next fields */\n");
	}
	iod_strbuf_putc(out, '\n');
}

/* A member of anonymous struct or union type (or an array of one) is written
   out in place, as pahole does: there is no name to look it up by. */
static const struct iod_type *inline_type(const struct iod_member *m)
{
	unsigned q;
	const struct iod_type *e;

	if (m->bit_size)
		return NULL;
	e = iod_type_strip_cv(decl_elem(m->type, &q));
	if (!e || e->name || (e->kind != IOD_TYPE_STRUCT && e->kind != IOD_TYPE_UNION))
		return NULL;
	return e;
}

static struct iod_error *members_text(struct lay *L, const struct iod_type *s,
				      uint64_t base_bit, unsigned level, struct totals *tot);

static struct iod_error *member_text(struct lay *L, const struct iod_member *m,
				     const struct step *st, unsigned level)
{
	struct iod_strbuf *out = L->out;
	const struct iod_type *in = inline_type(m), *e;
	struct iod_error *err;
	unsigned q;

	tabs(out, level);
	e = decl_elem(m->type, &q);
	put_quals(out, q);
	if (in) {
		for (const struct iod_type *c = e; c != in; c = c->target)
			put_quals(out, c->quals);
		iod_strbuf_puts(out, in->kind == IOD_TYPE_UNION ? "union {\n" : "struct {\n");
		err = members_text(L, in, st->start, level + 1, NULL);
		if (err)
			return err;
		tabs(out, level);
		iod_strbuf_putc(out, '}');
		if (m->name) {
			iod_strbuf_putc(out, ' ');
			iod_strbuf_puts(out, m->name);
		}
	} else {
		iod_fmt_type_name(out, e);
		pad_to(out, NAME_COL);
		if (m->name)
			iod_strbuf_puts(out, m->name);
	}
	put_dims(out, m->type);
	if (m->bit_size)
		iod_strbuf_printf(out, ":%u", m->bit_size);
	iod_strbuf_putc(out, ';');
	if (m->bit_size)
		put_place(L, st->unit_off, st->unit_size, true,
			  (unsigned)(st->start - st->unit_off * 8));
	else
		put_place(L, st->unit_off, type_size(m->type), false, 0);
	return NULL;
}

static struct iod_error *members_text(struct lay *L, const struct iod_type *s,
				      uint64_t base_bit, unsigned level, struct totals *tot)
{
	struct scan sc = { .last_end = base_bit };
	uint64_t prev_pad = 0;
	struct step st;
	size_t *order;
	struct iod_error *err = member_order(s, &order);
	bool is_struct = s->kind == IOD_TYPE_STRUCT;

	for (size_t k = 0; !err && k < s->nmembers; k++) {
		const struct iod_member *m = &s->members[order ? order[k] : k];
		const struct iod_type *mt = iod_type_strip(m->type);

		err = scan_step(&sc, m, base_bit, &st);
		if (err)
			break;
		if (!is_struct) {
			/* union members all start at the union: no holes between them */
			st.bit_hole = st.byte_hole = 0;
			st.combined_next = st.combined_prev = false;
		}
		notes(L, level, prev_pad, st.bit_hole, st.byte_hole, st.combined_next);
		if (tot) {
			tot->members++;
			if (!st.bf_to_bf) {
				tot->holes += st.byte_hole != 0;
				tot->sum_holes += st.byte_hole;
			}
			tot->bit_holes += st.bit_hole != 0;
			tot->sum_bit_holes += st.bit_hole;
			if (m->bit_size)
				tot->sum_bits += m->bit_size;
			else
				tot->sum_members += type_size(m->type);
		}
		if (st.combined_prev) {
			iod_strbuf_putc(L->out, '\n');
			tabs(L->out, level);
			iod_strbuf_puts(L->out, "/* Bitfield combined with previous fields */\n\n");
		}
		cacheline(L, level, st.unit_off);
		err = member_text(L, m, &st, level);
		prev_pad = 0;
		if (!err && is_struct && !m->bit_size && mt && mt->kind == IOD_TYPE_STRUCT &&
		    !mt->declaration)
			err = struct_padding(mt, &prev_pad);
		if (tot && prev_pad) {
			tot->paddings++;
			tot->sum_paddings += prev_pad;
		}
	}
	free(order);
	if (err)
		return err;
	notes(L, level, prev_pad, 0, 0, false);
	if (tot && is_struct) {
		scan_finish(&sc, base_bit + s->size * 8, &tot->bit_padding, &tot->padding);
	} else if (tot) {
		uint64_t end = 0;

		for (size_t i = 0; i < s->nmembers; i++) {
			const struct iod_member *m = &s->members[i];
			uint64_t e = m->bit_size ? m->bit_offset + m->bit_size :
						   m->bit_offset + type_size(m->type) * 8;

			if (e > end)
				end = e;
		}
		tot->padding = s->size > (end + 7) / 8 ? s->size - (end + 7) / 8 : 0;
	}
	return NULL;
}

static void summary(struct iod_strbuf *out, const struct iod_type *s, const struct totals *t)
{
	bool is_struct = s->kind == IOD_TYPE_STRUCT;

	iod_strbuf_printf(out, "\n\t/* size: %" PRIu64 ", cachelines: %" PRIu64
			  ", members: %zu */\n", s->size, (s->size + CACHELINE - 1) / CACHELINE,
			  t->members);
	/* pahole's rules for the sums; members of a union overlap: sums say nothing there */
	if (is_struct && (t->holes || (t->bit_holes && t->sum_members))) {
		iod_strbuf_printf(out, "\t/* sum members: %" PRIu64, t->sum_members);
		if (t->holes)
			iod_strbuf_printf(out, ", holes: %u, sum holes: %" PRIu64, t->holes,
					  t->sum_holes);
		iod_strbuf_puts(out, " */\n");
	}
	if (is_struct && t->sum_bits && (t->holes || t->bit_holes)) {
		iod_strbuf_printf(out, "\t/* sum bitfield members: %" PRIu64 " bits", t->sum_bits);
		if (t->bit_holes)
			iod_strbuf_printf(out, ", bit holes: %u, sum bit holes: %" PRIu64 " bits",
					  t->bit_holes, t->sum_bit_holes);
		else
			iod_strbuf_printf(out, " (%" PRIu64 " bytes)", t->sum_bits / 8);
		iod_strbuf_puts(out, " */\n");
	}
	if (t->padding)
		iod_strbuf_printf(out, "\t/* padding: %" PRIu64 " */\n", t->padding);
	if (t->paddings)
		iod_strbuf_printf(out, "\t/* paddings: %u, sum paddings: %" PRIu64 " */\n",
				  t->paddings, t->sum_paddings);
	if (t->bit_padding)
		iod_strbuf_printf(out, "\t/* bit_padding: %" PRIu64 " bits */\n", t->bit_padding);
	if (s->size % CACHELINE)
		iod_strbuf_printf(out, "\t/* last cacheline: %" PRIu64 " bytes */\n",
				  s->size % CACHELINE);
}

/* "struct NAME {" ... "};", or "typedef struct {" ... "} NAME;" for an unnamed one. */
static struct iod_error *aggregate_text(struct iod_strbuf *out, const struct iod_type *s,
					const char *typedef_name)
{
	struct lay L = { out, s->kind == IOD_TYPE_UNION ? UNION_COMMENT_COL : COMMENT_COL, 0 };
	struct totals tot = { 0 };
	struct iod_error *err;

	if (typedef_name)
		iod_strbuf_puts(out, "typedef ");
	iod_strbuf_puts(out, s->kind == IOD_TYPE_UNION ? "union" : "struct");
	if (s->name) {
		iod_strbuf_putc(out, ' ');
		iod_strbuf_puts(out, s->name);
	}
	iod_strbuf_puts(out, " {\n");
	err = members_text(&L, s, 0, 1, &tot);
	if (err)
		return err;
	summary(out, s, &tot);
	iod_strbuf_putc(out, '}');
	if (typedef_name) {
		iod_strbuf_putc(out, ' ');
		iod_strbuf_puts(out, typedef_name);
	}
	iod_strbuf_puts(out, ";\n");
	return NULL;
}

static int64_t enumerator_value(const struct iod_type *e, uint64_t v, bool *is_signed)
{
	unsigned bits = e->size >= 1 && e->size <= 8 ? (unsigned)e->size * 8 : 64;

	*is_signed = e->is_signed;
	if (e->is_signed)
		return iod_sext(v, bits);
	return (int64_t)(bits >= 64 ? v : v & ((UINT64_C(1) << bits) - 1));
}

static void enum_text(struct iod_strbuf *out, const struct iod_type *e, const char *typedef_name)
{
	size_t width = 0;
	bool is_signed;

	if (typedef_name)
		iod_strbuf_puts(out, "typedef ");
	iod_strbuf_puts(out, "enum");
	if (e->name) {
		iod_strbuf_putc(out, ' ');
		iod_strbuf_puts(out, e->name);
	}
	iod_strbuf_puts(out, " {\n");
	for (size_t i = 0; i < e->nenumerators; i++) {
		size_t n = strlen(e->enumerators[i].name);

		width = n > width ? n : width;
	}
	for (size_t i = 0; i < e->nenumerators; i++) {
		const struct iod_enumerator *en = &e->enumerators[i];
		int64_t v = enumerator_value(e, en->value, &is_signed);

		iod_strbuf_printf(out, "\t%-*s = ", (int)width, en->name);
		if (is_signed)
			iod_strbuf_printf(out, "%" PRId64 ",\n", v);
		else
			iod_strbuf_printf(out, "%" PRIu64 ",\n", (uint64_t)v);
	}
	iod_strbuf_putc(out, '}');
	if (typedef_name) {
		iod_strbuf_putc(out, ' ');
		iod_strbuf_puts(out, typedef_name);
	}
	iod_strbuf_puts(out, ";\n");
}

static void size_comment(struct iod_strbuf *out, const struct iod_type *t)
{
	iod_strbuf_printf(out, " /* size: %" PRIu64 ", align: %u */\n", type_size(t),
			  iod_type_align(t));
}

static struct iod_error *layout_text(struct iod_strbuf *out, const struct iod_type *t);

static struct iod_error *typedef_text(struct iod_strbuf *out, const struct iod_type *td)
{
	const struct iod_type *tgt = td->target, *e, *es, *ts;
	unsigned q;

	e = decl_elem(tgt, &q);
	es = iod_type_strip_cv(e);
	if (e == tgt && es && !es->name) {
		/* typedef struct { ... } NAME; */
		if (es->kind == IOD_TYPE_STRUCT || es->kind == IOD_TYPE_UNION)
			return aggregate_text(out, es, td->name);
		if (es->kind == IOD_TYPE_ENUM) {
			enum_text(out, es, td->name);
			return NULL;
		}
	}
	iod_strbuf_puts(out, "typedef ");
	put_quals(out, q);
	iod_fmt_type_name(out, e);
	if (es && (es->kind == IOD_TYPE_STRUCT || es->kind == IOD_TYPE_UNION ||
		   es->kind == IOD_TYPE_ENUM || es->kind == IOD_TYPE_TYPEDEF))
		iod_strbuf_putc(out, ' ');
	else
		pad_to(out, NAME_COL);
	iod_strbuf_puts(out, td->name ? td->name : "");
	put_dims(out, tgt);
	iod_strbuf_putc(out, ';');
	ts = iod_type_strip(tgt);
	if (e == tgt && ts && (ts->kind == IOD_TYPE_STRUCT || ts->kind == IOD_TYPE_UNION ||
			       ts->kind == IOD_TYPE_ENUM)) {
		/* then what it names */
		iod_strbuf_putc(out, '\n');
		return layout_text(out, tgt);
	}
	size_comment(out, td);
	return NULL;
}

static struct iod_error *layout_text(struct iod_strbuf *out, const struct iod_type *t)
{
	const struct iod_type *s = iod_type_strip_cv(t);

	switch (s->kind) {
	case IOD_TYPE_STRUCT:
	case IOD_TYPE_UNION:
		return aggregate_text(out, s, NULL);
	case IOD_TYPE_ENUM:
		enum_text(out, s, NULL);
		return NULL;
	case IOD_TYPE_TYPEDEF:
		return typedef_text(out, s);
	default:
		iod_fmt_type_name(out, t);
		size_comment(out, t);
		return NULL;
	}
}

/* On failure out is left as it was: a half-printed layout is worse than none. */
static struct iod_error *undo(struct iod_strbuf *out, size_t mark, struct iod_error *err)
{
	if (err && out->data && mark <= out->len) {
		out->len = mark;
		out->data[mark] = 0;
	}
	return err;
}

struct iod_error *iod_format_layout_text(struct iod_strbuf *out, const struct iod_type *t)
{
	size_t mark = out->len;
	struct iod_error *err = check_complete(t);

	if (!err)
		err = layout_text(out, t);
	if (!err)
		err = iod_strbuf_error(out);
	return undo(out, mark, err);
}

/* --- JSON --------------------------------------------------------------- */

/*
 * Each "members" list is relative to its own enclosing type, as DWARF is:
 * offset in bytes and bit_offset (DW_AT_data_bit_offset) in bits. A
 * bitfield's offset and size are its storage unit (spec §6), found from its
 * position in the printed type (base_bit is where s starts in it).
 */
static struct iod_error *members_json(struct iod_strbuf *out, const struct iod_type *s,
				      uint64_t base_bit)
{
	iod_strbuf_putc(out, '[');
	for (size_t i = 0; i < s->nmembers; i++) {
		const struct iod_member *m = &s->members[i];
		int64_t off = (int64_t)(m->bit_offset / 8);
		uint64_t size = type_size(m->type);

		if (m->bit_size) {
			uint64_t unit_off;
			unsigned unit_size;
			struct iod_error *err = iod_bitfield_unit(base_bit + m->bit_offset,
								  m->bit_size, size, &unit_off,
								  &unit_size);
			if (err)
				return iod_error_prefix(err, "member '%s'", m->name ? m->name : "");
			off = (int64_t)unit_off - (int64_t)(base_bit / 8);
			size = unit_size;
		}
		iod_strbuf_puts(out, i ? ",{\"name\":" : "{\"name\":");
		if (m->name)
			iod_json_string(out, m->name, strlen(m->name));
		else
			iod_strbuf_puts(out, "null");
		iod_strbuf_printf(out, ",\"offset\":%" PRId64 ",\"size\":%" PRIu64 ",\"type\":", off,
				  size);
		iod_json_type(out, m->type);
		if (m->bit_size)
			iod_strbuf_printf(out, ",\"bit_offset\":%" PRIu64 ",\"bit_size\":%u",
					  m->bit_offset, m->bit_size);
		if (iod_fmt_is_anonymous(m)) {
			struct iod_error *err;

			iod_strbuf_puts(out, ",\"members\":");
			err = members_json(out, iod_type_strip(m->type), base_bit + m->bit_offset);
			if (err)
				return err;
		}
		iod_strbuf_putc(out, '}');
	}
	iod_strbuf_putc(out, ']');
	return NULL;
}

static void enumerators_json(struct iod_strbuf *out, const struct iod_type *e)
{
	bool is_signed;

	iod_strbuf_putc(out, '[');
	for (size_t i = 0; i < e->nenumerators; i++) {
		const struct iod_enumerator *en = &e->enumerators[i];
		int64_t v = enumerator_value(e, en->value, &is_signed);

		iod_strbuf_puts(out, i ? ",{\"name\":" : "{\"name\":");
		iod_json_string(out, en->name, strlen(en->name));
		if (is_signed)
			iod_strbuf_printf(out, ",\"value\":%" PRId64 "}", v);
		else
			iod_strbuf_printf(out, ",\"value\":%" PRIu64 "}", (uint64_t)v);
	}
	iod_strbuf_putc(out, ']');
}

static struct iod_error *layout_json(struct iod_strbuf *out, const struct iod_type *t)
{
	const struct iod_type *s = iod_type_strip_cv(t), *ss = iod_type_strip(t);
	struct iod_error *err = check_complete(t);

	if (err)
		return err;
	iod_strbuf_puts(out, "{\"type\":");
	iod_json_type(out, t);
	iod_strbuf_printf(out, ",\"size\":%" PRIu64, ss->size);
	/* spec §8 gives an enum its size and enumerators only */
	if (s->kind != IOD_TYPE_ENUM)
		iod_strbuf_printf(out, ",\"align\":%u", iod_type_align(t));
	if (s->kind == IOD_TYPE_TYPEDEF) {
		iod_strbuf_puts(out, ",\"target\":");
		iod_json_type(out, s->target);
	}
	if (ss->kind == IOD_TYPE_STRUCT || ss->kind == IOD_TYPE_UNION) {
		iod_strbuf_puts(out, ",\"members\":");
		err = members_json(out, ss, 0);
		if (err)
			return err;
	} else if (ss->kind == IOD_TYPE_ENUM) {
		iod_strbuf_puts(out, ",\"enumerators\":");
		enumerators_json(out, ss);
	}
	iod_strbuf_puts(out, "}\n");
	return iod_strbuf_error(out);
}

struct iod_error *iod_format_layout_json(struct iod_strbuf *out, const struct iod_type *t)
{
	size_t mark = out->len;

	return undo(out, mark, layout_json(out, t));
}
