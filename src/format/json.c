/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Values as JSON Lines (spec §8): one document per value printed, integers exact. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char hexdigits[] = "0123456789abcdef";

/* --- strings ------------------------------------------------------------ */

/* Appends the run of bytes that needed no escape (none from an empty input). */
static void flush(struct iod_strbuf *out, const char *base, size_t off, size_t n)
{
	if (n)
		iod_strbuf_add(out, base + off, n);
}

static void put_u00(struct iod_strbuf *out, uint8_t b)
{
	char esc[6] = { '\\', 'u', '0', '0', hexdigits[b >> 4], hexdigits[b & 15] };

	iod_strbuf_add(out, esc, sizeof(esc));
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms,
   no surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	size_t len;
	uint8_t lo = 0x80, hi = 0xbf;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/*
 * As JSON.stringify and Python's json.dumps(ensure_ascii=False) write it:
 * short escapes for \b \f \n \r \t, \u00NN for the other control characters;
 * a byte that is not part of valid UTF-8 becomes \u00NN as well.
 */
void iod_fmt_json_escape(struct iod_strbuf *out, const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, run = 0;

	while (i < len) {
		uint8_t b = p[i];
		const char *esc = NULL;
		size_t n;

		if (b >= 0x20 && b < 0x80 && b != '"' && b != '\\') {
			run++;
			i++;
			continue;
		}
		if (b >= 0x80 && (n = utf8_len(p + i, len - i))) {
			run += n;
			i += n;
			continue;
		}
		flush(out, s, i - run, run);
		run = 0;
		switch (b) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default: break;
		}
		if (esc)
			iod_strbuf_add(out, esc, 2);
		else
			put_u00(out, b);
		i++;
	}
	flush(out, s, len - run, run);
}

void iod_json_string(struct iod_strbuf *out, const char *s, size_t len)
{
	iod_strbuf_putc(out, '"');
	iod_fmt_json_escape(out, s, len);
	iod_strbuf_putc(out, '"');
}

void iod_json_bytes(struct iod_strbuf *out, const char *s, size_t len)
{
	size_t run = 0;

	iod_strbuf_putc(out, '"');
	for (size_t i = 0; i < len; i++) {
		uint8_t b = (uint8_t)s[i];

		if (b >= 0x20 && b <= 0x7e && b != '"' && b != '\\') {
			run++;
			continue;
		}
		flush(out, s, i - run, run);
		run = 0;
		if (b == '"' || b == '\\') {
			char esc[2] = { '\\', (char)b };

			iod_strbuf_add(out, esc, 2);
		} else {
			put_u00(out, b);
		}
	}
	flush(out, s, len - run, run);
	iod_strbuf_putc(out, '"');
}

void iod_fmt_type_name(struct iod_strbuf *out, const struct iod_type *t)
{
	char buf[256], *p;
	size_t n = iod_type_name(t, buf, sizeof(buf));

	if (n < sizeof(buf)) {
		iod_strbuf_add(out, buf, n);
		return;
	}
	p = malloc(n + 1);
	if (!p) {
		out->failed = true;
		return;
	}
	iod_type_name(t, p, n + 1);
	iod_strbuf_add(out, p, n);
	free(p);
}

void iod_json_type(struct iod_strbuf *out, const struct iod_type *t)
{
	char buf[256], *p;
	size_t n = iod_type_name(t, buf, sizeof(buf));

	if (n < sizeof(buf)) {
		iod_json_string(out, buf, n);
		return;
	}
	p = malloc(n + 1);
	if (!p) {
		out->failed = true;
		return;
	}
	iod_type_name(t, p, n + 1);
	iod_json_string(out, p, n);
	free(p);
}

/* --- values ------------------------------------------------------------- */

static void put_u64(struct iod_strbuf *out, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	iod_strbuf_puts(out, buf);
}

static void put_s64(struct iod_strbuf *out, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	iod_strbuf_puts(out, buf);
}

/* A scalar as a JSON value: exact integers, true/false, numbers or null for floats. */
static void json_scalar(struct iod_strbuf *out, const struct iod_fmt_scalar *sc,
			const struct iod_view *v)
{
	char buf[40];

	if (sc->t && sc->t->kind == IOD_TYPE_BASE) {
		if (sc->t->enc == IOD_ENC_BOOL && sc->bits <= 1) {
			iod_strbuf_puts(out, sc->bits ? "true" : "false");
			return;
		}
		if (sc->t->enc == IOD_ENC_FLOAT && !v->bit_size) {
			iod_strbuf_puts(out, iod_fmt_float(buf, sizeof(buf), sc->bits, sc->width / 8) ?
					     buf : "null");
			return;
		}
	}
	if (sc->is_signed)
		put_s64(out, sc->s);
	else
		put_u64(out, sc->bits);
}

/* ,"enum":"NAME" or ,"enum":"A|B"; nothing when the value matches no enumerator. */
static void json_enum(struct iod_strbuf *out, const struct iod_fmt_scalar *sc)
{
	const struct iod_enumerator *e;
	size_t mark = out->len;

	if (!sc->t || sc->t->kind != IOD_TYPE_ENUM)
		return;
	e = iod_type_enum_find_value(sc->t, sc->bits);
	if (e) {
		iod_strbuf_puts(out, ",\"enum\":");
		iod_json_string(out, e->name, strlen(e->name));
		return;
	}
	if (!iod_type_enum_is_flags(sc->t))
		return;
	iod_strbuf_puts(out, ",\"enum\":\"");
	if (!iod_fmt_enum_flags(out, sc->t, sc->bits, true)) {
		/* no enumerator bit set: take back the key */
		if (!out->failed && out->data) {
			out->len = mark;
			out->data[mark] = 0;
		}
		return;
	}
	iod_strbuf_putc(out, '"');
}

struct json {
	struct iod_strbuf *out;
	const struct iod_value *val;
};

static void json_value(struct json *c, const struct iod_view *v);

static void json_fields(struct json *c, const struct iod_view *v, const struct iod_type *s,
			size_t *n)
{
	for (size_t i = 0; i < s->nmembers; i++) {
		const struct iod_member *m = &s->members[i];
		struct iod_view sub;
		struct iod_error *err = iod_fmt_member_view(v, m, &sub);

		if (!err && iod_fmt_is_anonymous(m)) {
			json_fields(c, &sub, iod_type_strip(m->type), n);
			continue;
		}
		if (!m->name) {
			iod_error_free(err);
			continue;
		}
		if ((*n)++)
			iod_strbuf_putc(c->out, ',');
		iod_json_string(c->out, m->name, strlen(m->name));
		iod_strbuf_putc(c->out, ':');
		if (err) {
			iod_error_free(err);
			iod_strbuf_puts(c->out, "null");
		} else {
			json_value(c, &sub);
		}
	}
}

static void json_value(struct json *c, const struct iod_view *v)
{
	const struct iod_type *t = iod_type_strip(v->type);
	struct iod_fmt_scalar sc;
	struct iod_view sub;
	uint64_t raw, n, esize;
	size_t nf = 0;

	if (v->bit_size || iod_type_is_scalar(t)) {
		struct iod_error *err = iod_value_get(c->val, v, &raw);

		if (err) {
			iod_error_free(err);
			iod_strbuf_puts(c->out, "null");
			return;
		}
		iod_fmt_scalar_decode(v, raw, &sc);
		json_scalar(c->out, &sc, v);
		return;
	}
	if (!t) {
		iod_strbuf_puts(c->out, "null");
		return;
	}
	switch (t->kind) {
	case IOD_TYPE_STRUCT:
	case IOD_TYPE_UNION:
		iod_strbuf_putc(c->out, '{');
		json_fields(c, v, t, &nf);
		iod_strbuf_putc(c->out, '}');
		return;
	case IOD_TYPE_ARRAY:
		n = iod_fmt_array_count(c->val, v);
		if (iod_fmt_is_char_array(t)) {
			const char *p = (const char *)c->val->bytes + (v->offset - c->val->view.offset);

			iod_json_bytes(c->out, p, iod_fmt_strnlen((const uint8_t *)p, n));
			return;
		}
		sub = *v;
		sub.type = iod_type_strip(t->target);
		esize = sub.type ? sub.type->size : 0;
		sub.type = t->target;
		sub.type = t->target;
		iod_strbuf_putc(c->out, '[');
		for (uint64_t i = 0; i < n; i++) {
			if (i)
				iod_strbuf_putc(c->out, ',');
			sub.offset = v->offset + i * esize;
			json_value(c, &sub);
		}
		iod_strbuf_putc(c->out, ']');
		return;
	default:
		iod_strbuf_puts(c->out, "null");
		return;
	}
}

/* {"path":...,"region":...,"offset":...,"type":...,"size":...[,"bit_offset":...,"bit_size":...] */
static void json_head(struct iod_strbuf *out, const char *path, const struct iod_view *v)
{
	iod_strbuf_puts(out, "{\"path\":");
	iod_json_string(out, path ? path : "", path ? strlen(path) : 0);
	iod_strbuf_puts(out, ",\"region\":");
	iod_json_string(out, v->region->name, strlen(v->region->name));
	iod_strbuf_puts(out, ",\"offset\":");
	put_u64(out, v->offset);
	iod_strbuf_puts(out, ",\"type\":");
	iod_json_type(out, v->type);
	iod_strbuf_puts(out, ",\"size\":");
	put_u64(out, iod_view_size(v));
	if (v->bit_size)
		iod_strbuf_printf(out, ",\"bit_offset\":%u,\"bit_size\":%u", v->bit_offset,
				  v->bit_size);
}

void iod_format_scalar_json(struct iod_strbuf *out, const char *path, const struct iod_view *v,
			    uint64_t raw)
{
	struct iod_fmt_scalar sc;

	iod_fmt_scalar_decode(v, raw, &sc);
	json_head(out, path, v);
	iod_strbuf_puts(out, ",\"value\":");
	json_scalar(out, &sc, v);
	json_enum(out, &sc);
	iod_strbuf_puts(out, "}\n");
}

void iod_format_json(struct iod_strbuf *out, const char *path, const struct iod_value *val)
{
	const struct iod_view *v = &val->view;
	struct json c = { out, val };
	uint64_t raw;

	if (v->bit_size || iod_type_is_scalar(v->type)) {
		struct iod_error *err = iod_value_get(val, v, &raw);

		if (!err) {
			iod_format_scalar_json(out, path, v, raw);
			return;
		}
		iod_error_free(err);
	}
	json_head(out, path, v);
	iod_strbuf_puts(out, ",\"value\":");
	json_value(&c, v);
	iod_strbuf_puts(out, "}\n");
}

void iod_format_json_value(struct iod_strbuf *out, const struct iod_value *val)
{
	struct json c = { out, val };

	json_value(&c, &val->view);
}

void iod_format_scalar_json_value(struct iod_strbuf *out, const struct iod_view *v, uint64_t raw)
{
	struct iod_fmt_scalar sc;

	iod_fmt_scalar_decode(v, raw, &sc);
	json_scalar(out, &sc, v);
}
