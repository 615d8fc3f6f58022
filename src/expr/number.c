/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Numbers, sizes and durations as the command language writes them (spec §3, §6). */
#include <string.h>

#include "expr_internal.h"

static unsigned digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'z')
		return (unsigned)(c - 'a' + 10);
	if (c >= 'A' && c <= 'Z')
		return (unsigned)(c - 'A' + 10);
	return 99;
}

enum num_status iod_num_scan(const char *s, size_t len, uint64_t *ret)
{
	unsigned base = 10, digits = 0;
	bool overflow = false;
	size_t i = 0;
	uint64_t v = 0;

	if (len >= 2 && s[0] == '0') {
		switch (s[1]) {
		case 'x': case 'X': base = 16; i = 2; break;
		case 'b': case 'B': base = 2; i = 2; break;
		case 'o': case 'O': base = 8; i = 2; break;
		default: break;
		}
	}
	for (; i < len; i++) {
		unsigned d;

		/* a separator may follow a prefix or a digit, never start a number */
		if (s[i] == '_' && (digits || base != 10))
			continue;
		d = digit_value(s[i]);
		if (d >= base)
			return NUM_INVALID;
		/* no division per digit: this runs for every number of every command */
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v))
			overflow = true;
		digits++;
	}
	if (!digits)
		return NUM_INVALID;
	if (overflow)
		return NUM_RANGE;
	/*
	 * C reads 0755 as octal and Rust as decimal: a register value must not
	 * depend on which one the user had in mind, so refuse to guess.
	 */
	if (base == 10 && s[0] == '0' && v != 0)
		return NUM_LEADING_ZERO;
	*ret = v;
	return NUM_OK;
}

struct iod_error *iod_parse_number(const char *text, bool sizes, uint64_t *ret)
{
	const char *what = sizes ? "size" : "number";
	size_t len = strlen(text);
	unsigned shift = 0;
	const char *digits;
	uint64_t v = 0;

	if (!len)
		return iod_error_new(IOD_ERR_SYNTAX, "missing %s", what);
	if (sizes) {
		switch (text[len - 1]) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		default: break;
		}
		if (shift)
			len--;
	}
	switch (iod_num_scan(text, len, &v)) {
	case NUM_OK:
		break;
	case NUM_INVALID:
		if (sizes)
			return iod_error_new(IOD_ERR_SYNTAX, "invalid size '%s': write a number,"
					     " optionally followed by K, M or G", text);
		return iod_error_new(IOD_ERR_SYNTAX, "invalid number '%s'", text);
	case NUM_RANGE:
		return iod_error_new(IOD_ERR_VALUE, "%s '%s' is too large", what, text);
	case NUM_LEADING_ZERO:
		for (digits = text; *digits == '0' || *digits == '_'; digits++)
			;
		return iod_error_new(IOD_ERR_SYNTAX, "ambiguous number '%s': write 0o%s for"
				     " octal or %s for decimal", text, digits, digits);
	}
	if (shift && v > UINT64_MAX >> shift)
		return iod_error_new(IOD_ERR_VALUE, "%s '%s' is too large", what, text);
	*ret = v << shift;
	return NULL;
}

struct iod_error *iod_parse_duration(const char *text, uint64_t *ret)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
		{ "ns", 1 },
		{ "us", 1000 },
		{ "ms", 1000000 },
		{ "s", 1000000000 },
		{ "m", UINT64_C(60000000000) },
	};
	const char *p = text;
	unsigned __int128 whole = 0, frac = 0, scale = 1, total;
	unsigned ndigits = 0;

	/* Decimal only, with an optional fraction: "0.5s", "1_500us". */
	for (; (*p >= '0' && *p <= '9') || (*p == '_' && ndigits); p++) {
		if (*p == '_')
			continue;
		whole = whole * 10 + (unsigned)(*p - '0');
		if (whole > UINT64_MAX)
			goto too_long;
		ndigits++;
	}
	if (!ndigits)
		goto invalid;
	if (*p == '.') {
		unsigned fdigits = 0;

		for (p++; (*p >= '0' && *p <= '9') || (*p == '_' && fdigits); p++) {
			if (*p == '_')
				continue;
			/* digits past the 19th are below a nanosecond even for minutes */
			if (fdigits < 19) {
				frac = frac * 10 + (unsigned)(*p - '0');
				scale *= 10;
			}
			fdigits++;
		}
		if (!fdigits)
			goto invalid;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].name))
			continue;
		total = whole * units[i].ns + frac * units[i].ns / scale;
		if (total > UINT64_MAX)
			goto too_long;
		*ret = (uint64_t)total;
		return NULL;
	}
invalid:
	return iod_error_new(IOD_ERR_SYNTAX, "invalid duration '%s': write a number and a unit"
			     " (ns, us, ms, s or m), as in 10us, 5ms, 2s", text);
too_long:
	return iod_error_new(IOD_ERR_VALUE, "duration '%s' is too long", text);
}
