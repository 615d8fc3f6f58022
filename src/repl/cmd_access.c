/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The commands that read and write through paths: print, assignments, x, explain, poll, watch. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sleeps ns (interrupted early by Ctrl-C). */
static void pause_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

	nanosleep(&ts, NULL);
}

/* Parses and evaluates a path; reports its own errors (returns 1). */
static int eval_path(struct session *s, const char *text, struct iod_view *v,
		     struct iod_strbuf *canon)
{
	struct iod_expr *e = NULL;
	size_t pos = 0;
	struct iod_error *err = cmd_parse_all(text, &e, &pos);

	if (err)
		return cmd_syntax(s, err, text, pos);
	if (!iod_expr_is_path(e)) {
		iod_expr_free(e);
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "'%s' is not a path", text));
	}
	err = iod_expr_eval_view(e, &s->env, v, canon);
	iod_expr_free(e);
	return err ? session_fail(s, err) : 0;
}

static bool is_scalar_view(const struct iod_view *v)
{
	return v->bit_size || iod_type_is_scalar(iod_type_strip(v->type));
}

/* All-ones from a device BAR often means the device is gone, in reset or not
   decoding: ask the device that owns the region, and warn. */
static void all_ones_check(struct session *s, const char *what, const struct iod_region *r,
			   unsigned width, uint64_t value)
{
	if (width < 4 || value != (width == 8 ? UINT64_MAX : UINT64_C(0xffffffff)))
		return;
	for (size_t i = 0; i < s->npci; i++) {
		char cfg_name[128];
		const char *why;

		snprintf(cfg_name, sizeof(cfg_name), "%scfg", s->pci[i].prefix);
		why = iod_pci_diagnose(s->pci[i].dev, &s->io, session_region(s, cfg_name), r, width,
				       value);

		if (why) {
			session_warn(s, "%s read all-ones: %s", what, why);
			return;
		}
	}
}

/* Reads and prints a path (print, a bare path, watch's first value). */
static int print_view(struct session *s, const char *path, const struct iod_view *v, char fmt)
{
	struct iod_format_opts o = { fmt, s->radix };
	struct iod_error *err;

	if (is_scalar_view(v)) {
		uint64_t raw;

		err = iod_read_scalar(&s->io, v, &raw);
		if (err)
			return session_fail(s, iod_error_prefix(err, "%s", path));
		if (!v->bit_size)
			all_ones_check(s, path, v->region, (unsigned)iod_view_size(v), raw);
		if (s->json)
			iod_format_scalar_json(&s->out, path, v, raw);
		else
			iod_format_scalar_text(&s->out, path, v, raw, &o);
	} else {
		struct iod_value val;

		err = iod_read(&s->io, v, &val);
		if (err)
			return session_fail(s, iod_error_prefix(err, "%s", path));
		if (s->json)
			iod_format_json(&s->out, path, &val);
		else
			iod_format_text(&s->out, path, &val, &o);
		iod_value_release(&val);
	}
	return 0;
}

/* An integer in a print format (print/FMT of a non-path expression). */
static void int_in_format(struct iod_strbuf *o, int64_t v, char fmt)
{
	uint64_t u = (uint64_t)v;

	switch (fmt) {
	case 'x': iod_strbuf_printf(o, "0x%" PRIx64, u); break;
	case 'u': iod_strbuf_printf(o, "%" PRIu64, u); break;
	case 'o': iod_strbuf_printf(o, u ? "0%" PRIo64 : "0", u); break;
	case 't': {
		int top = 63;

		while (top > 0 && !(u >> top & 1))
			top--;
		for (int i = top; i >= 0; i--)
			iod_strbuf_putc(o, (char)('0' + (u >> i & 1)));
		break;
	}
	case 'c': {
		unsigned char c = (unsigned char)u;

		iod_strbuf_printf(o, "%d ", (int)(signed char)c);
		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
			iod_strbuf_printf(o, "'%c'", c);
		else
			iod_strbuf_printf(o, "'\\%03o'", c);
		break;
	}
	default: iod_strbuf_printf(o, "%" PRId64, v); break;
	}
}

/* A lone name that is no view: an enum constant, or an error that says so. */
static bool bare_non_view(struct session *s, const struct iod_expr *e)
{
	const char *name = iod_expr_name(e);

	return name && !session_view(s, name);
}

static int print_text(struct session *s, const char *text, char fmt)
{
	struct iod_expr *e = NULL;
	size_t pos = 0;
	struct iod_error *err = cmd_parse_all(text, &e, &pos);
	int status;

	if (err)
		return cmd_syntax(s, err, text, pos);
	if (iod_expr_is_path(e) && !bare_non_view(s, e)) {
		struct iod_view v;

		iod_strbuf_reset(&s->canon);
		err = iod_expr_eval_view(e, &s->env, &v, &s->canon);
		status = err ? session_fail(s, err) : print_view(s, iod_strbuf_str(&s->canon), &v, fmt);
	} else {
		struct iod_strbuf etext = { 0 };
		int64_t v;

		err = iod_expr_eval_int(e, &s->env, NULL, &v);
		if (err) {
			status = session_fail(s, err);
		} else {
			iod_expr_text(e, &etext);
			if (s->json) {
				iod_strbuf_puts(&s->out, "{\"expr\":");
				iod_json_string(&s->out, iod_strbuf_str(&etext), etext.len);
				iod_strbuf_printf(&s->out, ",\"value\":%" PRId64 "}\n", v);
			} else {
				iod_strbuf_printf(&s->out, "%s = ", iod_strbuf_str(&etext));
				int_in_format(&s->out, v, fmt);
				if (!fmt)
					iod_strbuf_printf(&s->out, " (0x%" PRIx64 ")", (uint64_t)v);
				iod_strbuf_putc(&s->out, '\n');
			}
			status = 0;
		}
		iod_strbuf_release(&etext);
	}
	iod_expr_free(e);
	return status;
}

static int parse_fmt(struct session *s, const char *cmd, const char **args, char *fmt)
{
	const char *slash = strchr(cmd, '/');

	*fmt = 0;
	if (!slash || slash > *args)
		return 0;
	slash++;
	if (!*slash || !strchr("xduotc", *slash) ||
	    (slash[1] && slash[1] != ' ' && slash[1] != '\t'))
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX,
						     "unknown print format '/%.*s': use /x /d /u /o"
						     " /t or /c", (int)strcspn(slash, " \t"), slash));
	*fmt = *slash;
	*args = slash + 1;
	return 0;
}

int cmd_print(struct session *s, const char *cmd, const char *args)
{
	char fmt;

	if (parse_fmt(s, cmd, &args, &fmt))
		return 1;
	args = session_skip(args);
	if (!*args)
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX,
						     "usage: print[/FMT] PATH|EXPR"));
	return print_text(s, args, fmt);
}

/*
 * The assignment operator at depth 0 of line: '=' not part of == != <= >=,
 * with its compound prefix | & ^. Returns its position or -1.
 */
long find_assignment_at(const char *line, char *op)
{
	int depth = 0;

	for (const char *p = line; *p; p++) {
		switch (*p) {
		case '"':
		case '\'': {
			char q = *p;

			for (p++; *p && *p != q; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				return -1;
			break;
		}
		case '(': case '[': case '{': depth++; break;
		case ')': case ']': case '}': depth--; break;
		case '=':
			if (p[1] == '=') {
				p++;
				break;
			}
			if (depth || (p > line && strchr("=!<>", p[-1])))
				break;
			*op = (p > line && strchr("|&^", p[-1])) ? p[-1] : '=';
			return (long)(p - line) - (*op != '=');
		}
	}
	return -1;
}

static int assign(struct session *s, const char *left, char op, const char *right)
{
	struct iod_strbuf canon = { 0 };
	struct iod_expr *e = NULL;
	struct iod_view v;
	struct iod_error *err;
	size_t pos = 0;
	int64_t value;
	int status = 1;

	if (eval_path(s, left, &v, &canon))
		goto out;
	if (!is_scalar_view(&v)) {
		char name[256];

		iod_type_name(v.type, name, sizeof(name));
		status = session_fail(s, iod_error_new(IOD_ERR_TYPE, "%s: '%s' is not a scalar:"
						       " only scalars can be assigned",
						       iod_strbuf_str(&canon), name));
		goto out;
	}
	err = cmd_parse_all(right, &e, &pos);
	if (err) {
		status = cmd_syntax(s, err, right, pos);
		goto out;
	}
	err = iod_expr_eval_int(e, &s->env, v.type, &value);
	if (err) {
		status = session_fail(s, err);
		goto out;
	}
	s->writing = v.type;
	if (op == '=') {
		err = iod_write_scalar(&s->io, &v, (uint64_t)value);
	} else {
		/* one read of the scalar (or its storage unit), then one write */
		unsigned width = v.bit_size ? v.unit_size : (unsigned)iod_view_size(&v);
		unsigned bits = v.bit_size ? v.bit_size : width * 8;
		uint64_t mask = bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
		uint64_t raw, cur, next;

		const struct iod_type *st = iod_type_strip(v.type);

		if (st->kind == IOD_TYPE_BASE && st->enc == IOD_ENC_FLOAT) {
			err = iod_error_new(IOD_ERR_TYPE, "floating-point fields take only integers"
					    " written with '='");
			goto done;
		}
		/* the operand is a bit pattern: it may be written signed or unsigned */
		if (bits < 64 && (value < -(INT64_C(1) << (bits - 1)) ||
				  (value >= 0 && (uint64_t)value > mask))) {
			err = iod_error_new(IOD_ERR_VALUE, "value %" PRId64 " does not fit in %u bits",
					    value, bits);
			goto done;
		}
		err = iod_access_read(&s->io, v.region, v.offset, width, &raw);
		if (err)
			goto done;
		cur = v.bit_size ? raw >> v.bit_offset & mask : raw;
		next = op == '|' ? cur | (uint64_t)value : op == '&' ? cur & (uint64_t)value
								  : cur ^ (uint64_t)value;
		next &= mask;
		if (v.bit_size)
			next = (raw & ~(mask << v.bit_offset)) | next << v.bit_offset;
		err = iod_access_write(&s->io, v.region, v.offset, width, next);
	}
done:
	s->writing = NULL;
	status = err ? session_fail(s, iod_error_prefix(err, "%s", iod_strbuf_str(&canon))) : 0;
out:
	iod_expr_free(e);
	iod_strbuf_release(&canon);
	return status;
}

int cmd_assign_line(struct session *s, const char *line)
{
	char op = '=';
	long at = find_assignment_at(line, &op);
	char *left;
	int status;

	if (at < 0)
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "usage: set PATH = EXPR"));
	left = cmd_trimmed(line, line + at);
	if (!left)
		return session_fail(s, &iod_error_nomem);
	status = assign(s, left, op, line + at + (op == '=' ? 1 : 2));
	free(left);
	return status;
}

int cmd_var_assign(struct session *s, const char *line)
{
	const char *p = line + 1, *name_end;
	struct iod_expr *e = NULL;
	struct iod_error *err;
	char *name;
	size_t pos = 0;
	int64_t v;
	int status;

	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	name_end = p;
	p = session_skip(p);
	if (*p != '=' || p[1] == '=')
		return cmd_statement(s, line);
	name = cmd_trimmed(line + 1, name_end);
	if (!name)
		return session_fail(s, &iod_error_nomem);
	if (!session_name_ok(name)) {
		status = session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "'$%s' is not a valid"
						       " variable name", name));
		free(name);
		return status;
	}
	err = cmd_parse_all(p + 1, &e, &pos);
	if (err) {
		free(name);
		return cmd_syntax(s, err, p + 1, pos);
	}
	err = iod_expr_eval_int(e, &s->env, NULL, &v);
	if (!err)
		err = session_set_var(s, name, v);
	iod_expr_free(e);
	free(name);
	return err ? session_fail(s, err) : 0;
}

int cmd_statement(struct session *s, const char *line)
{
	char op;

	if (find_assignment_at(line, &op) >= 0)
		return cmd_assign_line(s, line);
	return print_text(s, line, 0);
}

/* ---- x/NFU ---- */

static void x_value(struct iod_strbuf *o, uint64_t v, unsigned unit, char fmt)
{
	switch (fmt) {
	case 'x': iod_strbuf_printf(o, "0x%0*" PRIx64, (int)unit * 2, v); break;
	case 'd': iod_strbuf_printf(o, "%" PRId64, iod_sext(v, unit * 8)); break;
	case 'u': iod_strbuf_printf(o, "%" PRIu64, v); break;
	case 'o': iod_strbuf_printf(o, v ? "0%" PRIo64 : "0", v); break;
	case 't':
		for (int i = (int)unit * 8 - 1; i >= 0; i--)
			iod_strbuf_putc(o, (char)('0' + (v >> i & 1)));
		break;
	default: int_in_format(o, (int64_t)v, 'c'); break;
	}
}

int cmd_x(struct session *s, const char *cmd, const char *args)
{
	const char *p = strchr(cmd, '/');
	unsigned long long count = 1;
	char fmt = 'x', unitc = 'w';
	unsigned unit, per_line;
	struct iod_expr *e = NULL;
	struct iod_region *r;
	uint64_t off, *vals = NULL;
	struct iod_error *err = NULL;
	size_t pos = 0;
	int status = 1;

	if (p && p < args) {
		p++;
		if (isdigit((unsigned char)*p)) {
			errno = 0;
			count = strtoull(p, (char **)&p, 10);
			if (errno || count == 0)
				return session_fail(s, iod_error_new(IOD_ERR_SYNTAX,
								     "x/NFU: N must be at least 1"));
		}
		for (; *p && *p != ' ' && *p != '\t'; p++) {
			if (strchr("xduotc", *p))
				fmt = *p;
			else if (strchr("bhwg", *p))
				unitc = *p;
			else
				return session_fail(s, iod_error_new(IOD_ERR_SYNTAX,
								     "x/NFU: unknown letter '%c' (F: x d u"
								     " o t c; U: b h w g)", *p));
		}
		args = p;
	}
	unit = unitc == 'b' ? 1 : unitc == 'h' ? 2 : unitc == 'w' ? 4 : 8;
	per_line = fmt == 'c' || unit <= 2 ? 8 : unit == 4 ? 4 : 2;
	args = session_skip(args);
	if (!*args)
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "usage: x/NFU LOC|PATH"));
	err = cmd_parse_all(args, &e, &pos);
	if (err)
		return cmd_syntax(s, err, args, pos);
	if (iod_expr_is_loc(e) && !(iod_expr_name(e) && session_view(s, iod_expr_name(e)))) {
		err = iod_expr_eval_loc(e, &s->env, &r, &off);
	} else if (iod_expr_is_path(e)) {
		struct iod_view v;

		err = iod_expr_eval_view(e, &s->env, &v, NULL);
		r = v.region;
		off = v.offset;
	} else {
		err = iod_error_new(IOD_ERR_SYNTAX, "x: expected REGION+OFFSET or a path");
	}
	if (!err && (off > r->size || count > (r->size - off) / unit))
		err = iod_error_new(IOD_ERR_BOUNDS, "%s+0x%" PRIx64 ": %llu units of %u bytes reach"
				    " past the end of the region (%" PRIu64 " bytes)",
				    r->name, off, count, unit, r->size);
	if (!err && !(vals = malloc(count * sizeof(*vals))))
		err = &iod_error_nomem;
	for (unsigned long long i = 0; !err && i < count; i++)
		err = iod_access_read(&s->io, r, off + (uint64_t)i * unit, unit, &vals[i]);
	if (err) {
		status = session_fail(s, err);
		goto out;
	}
	for (unsigned long long i = 0; i < count; i++)
		if (vals[i] == (unit == 8 ? UINT64_MAX : UINT64_C(0xffffffff))) {
			char what[160];

			snprintf(what, sizeof(what), "%s+0x%" PRIx64, r->name, off + (uint64_t)i * unit);
			all_ones_check(s, what, r, unit, vals[i]);
			break;
		}
	if (s->json) {
		iod_strbuf_puts(&s->out, "{\"region\":");
		iod_json_string(&s->out, r->name, strlen(r->name));
		iod_strbuf_printf(&s->out, ",\"offset\":%" PRIu64 ",\"unit\":%u,\"values\":[", off,
				  unit);
		for (unsigned long long i = 0; i < count; i++) {
			if (fmt == 'd')
				iod_strbuf_printf(&s->out, "%s%" PRId64, i ? "," : "",
						  iod_sext(vals[i], unit * 8));
			else
				iod_strbuf_printf(&s->out, "%s%" PRIu64, i ? "," : "", vals[i]);
		}
		iod_strbuf_puts(&s->out, "]}\n");
	} else {
		for (unsigned long long i = 0; i < count; i++) {
			if (i % per_line == 0)
				iod_strbuf_printf(&s->out, "%s%s+0x%" PRIx64 ":", i ? "\n" : "",
						  r->name, off + (uint64_t)i * unit);
			iod_strbuf_putc(&s->out, '\t');
			x_value(&s->out, vals[i], unit, fmt);
		}
		iod_strbuf_putc(&s->out, '\n');
	}
	status = 0;
out:
	free(vals);
	iod_expr_free(e);
	return status;
}

/* ---- explain ---- */

int cmd_explain(struct session *s, const char *cmd, const char *args)
{
	char op = 0;
	long at = find_assignment_at(args, &op);
	char *left = at >= 0 ? cmd_trimmed(args, args + at) : strdup(session_skip(args));
	struct iod_strbuf canon = { 0 };
	struct iod_expr *rhs = NULL;
	struct iod_plan plan = { 0 };
	struct iod_view v;
	struct iod_error *err;
	size_t pos = 0;
	int status = 1;

	(void)cmd;
	if (!left)
		return session_fail(s, &iod_error_nomem);
	if (!*left) {
		status = session_fail(s, iod_error_new(IOD_ERR_SYNTAX,
						       "usage: explain PATH [= EXPR]"));
		goto out;
	}
	if (eval_path(s, left, &v, &canon))
		goto out;
	if (at >= 0) {
		const char *right = args + at + (op == '=' ? 1 : 2);

		/* the value is checked for syntax, never evaluated: that could read */
		err = cmd_parse_all(right, &rhs, &pos);
		if (err) {
			status = cmd_syntax(s, err, right, pos);
			goto out;
		}
		err = iod_plan_write(&v, op != '=', &plan);
	} else {
		err = iod_plan_read(&v, &plan);
	}
	if (err) {
		status = session_fail(s, iod_error_prefix(err, "%s", iod_strbuf_str(&canon)));
		goto out;
	}
	if (s->json)
		iod_strbuf_puts(&s->out, "{\"plan\":[");
	for (size_t i = 0, n = 0; i < plan.n; i++) {
		for (uint64_t k = 0; k < plan.entries[i].count; k++, n++) {
			struct iod_access a = { plan.entries[i].op, v.region,
						plan.entries[i].offset + k * plan.entries[i].width,
						plan.entries[i].width, 0, 0 };
			char line[160];

			iod_access_format(&a, false, line, sizeof(line));
			if (s->json)
				iod_strbuf_printf(&s->out, "%s\"%s\"", n ? "," : "", line);
			else
				iod_strbuf_printf(&s->out, "%s\n", line);
		}
	}
	if (s->json)
		iod_strbuf_puts(&s->out, "]}\n");
	status = 0;
out:
	iod_plan_release(&plan);
	iod_expr_free(rhs);
	iod_strbuf_release(&canon);
	free(left);
	return status;
}

/* ---- poll and watch ---- */

/* Keywords after an expression: "timeout DUR", "every DUR", "for DUR", "count N". */
struct wait_opts {
	uint64_t timeout_ns, every_ns, for_ns, count;
	bool has_for, has_count;
	char timeout_text[32];
};

static int wait_keywords(struct session *s, const char *p, bool watch, struct wait_opts *w)
{
	struct iod_strbuf key = { 0 }, val = { 0 };
	struct iod_error *err = NULL;
	int status = 0;

	while (session_word(&p, &key, &err)) {
		if (!session_word(&p, &val, &err)) {
			err = err ? err : iod_error_new(IOD_ERR_SYNTAX, "'%s' needs a value", key.data);
			break;
		}
		if (!strcmp(key.data, "every")) {
			err = iod_parse_duration(val.data, &w->every_ns);
		} else if (!watch && !strcmp(key.data, "timeout")) {
			err = iod_parse_duration(val.data, &w->timeout_ns);
			snprintf(w->timeout_text, sizeof(w->timeout_text), "%s", val.data);
		} else if (watch && !strcmp(key.data, "for") && !w->has_count) {
			err = iod_parse_duration(val.data, &w->for_ns);
			w->has_for = true;
		} else if (watch && !strcmp(key.data, "count") && !w->has_for) {
			err = iod_parse_number(val.data, false, &w->count);
			if (!err && w->count == 0)
				err = iod_error_new(IOD_ERR_VALUE, "count must be at least 1");
			w->has_count = true;
		} else {
			err = iod_error_new(IOD_ERR_SYNTAX, watch
					    ? "usage: watch PATH [every DUR] [for DUR | count N]"
					    : "usage: poll EXPR [timeout DUR] [every DUR]");
		}
		if (err)
			break;
	}
	if (err)
		status = session_fail(s, err);
	iod_strbuf_release(&key);
	iod_strbuf_release(&val);
	return status;
}

/*
 * One interval of a poll or watch: the tick hook runs once (so the demo
 * firmware takes one step per interval, whatever the machine's speed), then
 * the wait; Ctrl-C ends it early.
 */
static void wait_ticking(struct session *s, uint64_t ns)
{
	uint64_t end;

	session_flush(s);
	session_tick(s);
	end = now_ns() + ns;
	for (;;) {
		uint64_t t = now_ns();

		if (s->interrupted || t >= end)
			return;
		pause_ns(end - t);
	}
}

int cmd_poll(struct session *s, const char *cmd, const char *args)
{
	struct wait_opts w = { .timeout_ns = 1000000000u, .every_ns = 1000000u,
			       .timeout_text = "1s" };
	struct iod_expr *e = NULL;
	struct iod_error *err;
	size_t used = 0, pos = 0;
	uint64_t start;
	int status = 1;

	(void)cmd;
	args = session_skip(args);
	err = iod_expr_parse(args, &e, &used, &pos);
	if (err)
		return cmd_syntax(s, err, args, pos);
	if (wait_keywords(s, args + used, false, &w))
		goto out;
	start = now_ns();
	s->collect_reads = true;
	for (;;) {
		int64_t v;

		iod_strbuf_reset(&s->last_reads);
		err = iod_expr_eval_int(e, &s->env, NULL, &v);
		if (err) {
			status = session_fail(s, err);
			break;
		}
		if (v) {
			if (s->json)
				iod_strbuf_printf(&s->out, "{\"poll\":\"ok\",\"elapsed_us\":%" PRIu64
						  "}\n", (now_ns() - start) / 1000);
			status = 0;
			break;
		}
		if (s->interrupted) {
			status = session_fail(s, iod_error_new(IOD_ERR_INTERRUPTED, "interrupted"));
			break;
		}
		if (now_ns() - start >= w.timeout_ns) {
			status = session_fail(s, iod_error_new(IOD_ERR_VALUE,
							       "poll timed out after %s%s%s",
							       w.timeout_text,
							       s->last_reads.len ? ": " : "",
							       iod_strbuf_str(&s->last_reads)));
			break;
		}
		wait_ticking(s, w.every_ns);
	}
	s->collect_reads = false;
out:
	iod_expr_free(e);
	return status;
}

/* One watched value: its bytes, to tell a change. */
static struct iod_error *watch_read(struct session *s, const struct iod_view *v,
				    struct iod_value *val, uint64_t *raw)
{
	if (is_scalar_view(v))
		return iod_read_scalar(&s->io, v, raw);
	return iod_read(&s->io, v, val);
}

static void watch_print(struct session *s, const char *path, const struct iod_view *v,
			const struct iod_value *val, uint64_t raw, uint64_t t_ns)
{
	struct iod_format_opts o = { 0, s->radix };

	if (s->json) {
		iod_strbuf_puts(&s->out, "{\"path\":");
		iod_json_string(&s->out, path, strlen(path));
		iod_strbuf_puts(&s->out, ",\"value\":");
		if (is_scalar_view(v))
			iod_format_scalar_json_value(&s->out, v, raw);
		else
			iod_format_json_value(&s->out, val);
		iod_strbuf_printf(&s->out, ",\"t_us\":%" PRIu64 "}\n", t_ns / 1000);
	} else if (is_scalar_view(v)) {
		iod_format_scalar_text(&s->out, path, v, raw, &o);
	} else {
		iod_format_text(&s->out, path, val, &o);
	}
	session_flush(s);
}

int cmd_watch(struct session *s, const char *cmd, const char *args)
{
	struct wait_opts w = { .every_ns = 1000000u };
	struct iod_strbuf canon = { 0 };
	struct iod_expr *e = NULL;
	struct iod_value prev = { 0 }, cur = { 0 };
	uint64_t prev_raw = 0, raw = 0, start, printed = 0;
	struct iod_view v;
	struct iod_error *err;
	size_t used = 0, pos = 0;
	int status = 1;

	(void)cmd;
	args = session_skip(args);
	err = iod_expr_parse(args, &e, &used, &pos);
	if (err)
		return cmd_syntax(s, err, args, pos);
	if (!iod_expr_is_path(e)) {
		status = session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "usage: watch PATH [every"
						       " DUR] [for DUR | count N]"));
		goto out;
	}
	if (wait_keywords(s, args + used, true, &w))
		goto out;
	err = iod_expr_eval_view(e, &s->env, &v, &canon);
	start = now_ns();
	if (!err)
		err = watch_read(s, &v, &prev, &prev_raw);
	if (err) {
		status = session_fail(s, err);
		goto out;
	}
	watch_print(s, iod_strbuf_str(&canon), &v, &prev, prev_raw, 0);
	printed = 1;
	status = 0;
	while (!(w.has_count && printed >= w.count)) {
		uint64_t t = now_ns() - start;
		bool changed;

		if (w.has_for && t >= w.for_ns)
			break;
		wait_ticking(s, w.has_for && w.for_ns - t < w.every_ns ? w.for_ns - t : w.every_ns);
		/* Ctrl-C ends the watch, not the session: a watch on its own succeeds */
		if (s->interrupted) {
			s->watch_interrupted = true;
			break;
		}
		if (s->quit)
			break;
		err = watch_read(s, &v, &cur, &raw);
		if (err) {
			status = session_fail(s, err);
			break;
		}
		changed = is_scalar_view(&v) ? raw != prev_raw
					     : memcmp(cur.bytes, prev.bytes, cur.size) != 0;
		if (changed) {
			watch_print(s, iod_strbuf_str(&canon), &v, &cur, raw, now_ns() - start);
			printed++;
		}
		iod_value_release(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
		prev_raw = raw;
	}
out:
	iod_value_release(&prev);
	iod_value_release(&cur);
	iod_strbuf_release(&canon);
	iod_expr_free(e);
	return status;
}

/* ---- types of things ---- */

/* TYPE or PATH: a type name wins; otherwise the path's view. */
static int type_or_path(struct session *s, const char *text, const struct iod_type **t,
			struct iod_view *v, struct iod_strbuf *canon)
{
	struct iod_error *terr = iod_typedb_lookup(s->db, text, t);
	struct iod_expr *e = NULL;
	struct iod_error *err;
	size_t pos = 0;

	if (!terr)
		return 0;
	*t = NULL;
	err = cmd_parse_all(text, &e, &pos);
	if (err || !iod_expr_is_path(e)) {
		iod_error_free(err);
		iod_expr_free(e);
		return session_fail(s, terr);
	}
	err = iod_expr_eval_view(e, &s->env, v, canon);
	iod_expr_free(e);
	if (err && err->kind == IOD_ERR_LOOKUP && terr->kind == IOD_ERR_LOOKUP &&
	    strchr(text, '.') == NULL && strchr(text, '[') == NULL) {
		/* a bare word that is neither: say both */
		struct iod_error *both = iod_error_new(IOD_ERR_LOOKUP,
						       "no type, view or region named '%s'", text);

		iod_error_free(err);
		iod_error_free(terr);
		return session_fail(s, both);
	}
	iod_error_free(terr);
	return err ? session_fail(s, err) : 0;
}

int cmd_ptype(struct session *s, const char *cmd, const char *args)
{
	struct iod_strbuf canon = { 0 };
	const struct iod_type *t;
	struct iod_view v;
	struct iod_error *err;
	int status;

	(void)cmd;
	args = session_skip(args);
	if (!*args)
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "usage: ptype TYPE|PATH"));
	status = type_or_path(s, args, &t, &v, &canon);
	if (!status) {
		if (!t)
			t = v.type;
		err = s->json ? iod_format_layout_json(&s->out, t)
			      : iod_format_layout_text(&s->out, t);
		status = err ? session_fail(s, err) : 0;
	}
	iod_strbuf_release(&canon);
	return status;
}

static void print_number(struct session *s, uint64_t n)
{
	if (s->json)
		iod_strbuf_printf(&s->out, "{\"value\":%" PRIu64 "}\n", n);
	else
		iod_strbuf_printf(&s->out, "%" PRIu64 "\n", n);
}

int cmd_sizeof(struct session *s, const char *cmd, const char *args)
{
	struct iod_strbuf canon = { 0 };
	const struct iod_type *t;
	struct iod_view v;
	int status;

	(void)cmd;
	args = session_skip(args);
	if (!*args)
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "usage: sizeof TYPE|PATH"));
	status = type_or_path(s, args, &t, &v, &canon);
	if (!status)
		print_number(s, t ? (iod_type_strip(t) ? iod_type_strip(t)->size : 0)
				  : iod_view_size(&v));
	iod_strbuf_release(&canon);
	return status;
}

int cmd_offsetof(struct session *s, const char *cmd, const char *args)
{
	struct iod_strbuf canon = { 0 };
	struct iod_view v;
	int status;

	(void)cmd;
	args = session_skip(args);
	if (!*args)
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "usage: offsetof PATH"));
	status = eval_path(s, args, &v, &canon);
	if (!status)
		print_number(s, v.offset - v.root);
	iod_strbuf_release(&canon);
	return status;
}

int cmd_whatis(struct session *s, const char *cmd, const char *args)
{
	struct iod_strbuf canon = { 0 };
	const struct iod_type *t;
	struct iod_view v;
	char name[512];
	int status;

	(void)cmd;
	args = session_skip(args);
	if (!*args)
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "usage: whatis PATH|TYPE"));
	status = type_or_path(s, args, &t, &v, &canon);
	if (!status) {
		iod_type_name(t ? t : v.type, name, sizeof(name));
		if (s->json) {
			if (!t) {
				iod_strbuf_puts(&s->out, "{\"path\":");
				iod_json_string(&s->out, iod_strbuf_str(&canon), canon.len);
				iod_strbuf_puts(&s->out, ",\"type\":");
			} else {
				iod_strbuf_puts(&s->out, "{\"type\":");
			}
			iod_json_string(&s->out, name, strlen(name));
			iod_strbuf_puts(&s->out, "}\n");
		} else {
			iod_strbuf_printf(&s->out, "type = %s\n", name);
		}
	}
	iod_strbuf_release(&canon);
	return status;
}
