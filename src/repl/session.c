/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session object: names, settings, how output and errors are shown, scripts. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session.h"

/* ---- the expression environment and the I/O hooks ---- */

static struct iod_error *env_view(void *ctx, const char *name, struct iod_view *ret)
{
	struct named_view *v = session_view(ctx, name);

	if (!v)
		return iod_error_new(IOD_ERR_LOOKUP, "no view named '%s'", name);
	*ret = v->view;
	return NULL;
}

static struct iod_error *env_region(void *ctx, const char *name, struct iod_region **ret)
{
	struct iod_region *r = session_region(ctx, name);

	if (!r)
		return iod_error_new(IOD_ERR_LOOKUP, "no region named '%s'", name);
	*ret = r;
	return NULL;
}

static struct iod_error *env_var(void *ctx, const char *name, int64_t *ret)
{
	struct session *s = ctx;

	for (size_t i = 0; i < s->nvars; i++)
		if (!strcmp(s->vars[i].name, name)) {
			*ret = s->vars[i].value;
			return NULL;
		}
	return iod_error_new(IOD_ERR_LOOKUP, "$%s is not set", name);
}

static void env_on_read(void *ctx, const char *path, const struct iod_view *v, uint64_t raw)
{
	struct session *s = ctx;
	struct iod_format_opts o = { 0, s->radix };

	if (!s->collect_reads)
		return;
	if (s->last_reads.len)
		iod_strbuf_puts(&s->last_reads, ", ");
	iod_strbuf_printf(&s->last_reads, "%s = ", path);
	iod_format_scalar(&s->last_reads, v, raw, &o);
}

/* Dry-run reports (spec §8): on stdout, in the order the writes would happen. */
static void io_would(void *ctx, const struct iod_access *a)
{
	struct session *s = ctx;
	struct iod_strbuf *o = &s->out;
	char type[256] = "";

	if (s->writing)
		iod_type_name(s->writing, type, sizeof(type));
	if (a->op == IOD_ACC_WRITE) {
		if (s->json)
			iod_strbuf_printf(o, "{\"would_write\":{\"region\":\"%s\",\"offset\":%" PRIu64
					  ",\"size\":%u,\"value\":%" PRIu64 "}}\n",
					  a->region->name, a->offset, a->width, a->value);
		else
			iod_strbuf_printf(o, "would write 0x%" PRIx64 " to %s+0x%" PRIx64 " (%s)\n",
					  a->value, a->region->name, a->offset,
					  *type ? type : a->width == 1 ? "u8" : a->width == 2 ? "u16"
					  : a->width == 4 ? "u32" : "u64");
	} else if (a->op == IOD_ACC_FILL) {
		if (s->json)
			iod_strbuf_printf(o, "{\"would_fill\":{\"region\":\"%s\",\"offset\":%" PRIu64
					  ",\"size\":%" PRIu64 ",\"byte\":%" PRIu64 "}}\n",
					  a->region->name, a->offset, a->len, a->value);
		else
			iod_strbuf_printf(o, "would fill %" PRIu64 " bytes at %s+0x%" PRIx64
					  " with 0x%02" PRIx64 "\n",
					  a->len, a->region->name, a->offset, a->value);
	} else {
		if (s->json)
			iod_strbuf_printf(o, "{\"would_copy\":{\"region\":\"%s\",\"offset\":%" PRIu64
					  ",\"size\":%" PRIu64 "}}\n",
					  a->region->name, a->offset, a->len);
		else
			iod_strbuf_printf(o, "would copy %" PRIu64 " bytes to %s+0x%" PRIx64 "\n",
					  a->len, a->region->name, a->offset);
	}
}

struct iod_error *session_new(struct session **ret)
{
	struct session *s = calloc(1, sizeof(*s));
	struct iod_error *err;

	if (!s)
		return &iod_error_nomem;
	err = iod_typedb_new(&s->db);
	if (err) {
		free(s);
		return err;
	}
	s->radix = 16;
	s->io.would = io_would;
	s->io.ctx = s;
	s->io.interrupted = &s->interrupted;
	s->env.db = s->db;
	s->env.io = &s->io;
	s->env.view = env_view;
	s->env.region = env_region;
	s->env.var = env_var;
	s->env.on_read = env_on_read;
	s->env.ctx = s;
	*ret = s;
	return NULL;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nviews; i++)
		free(s->views[i].name);
	free(s->views);
	for (size_t i = 0; i < s->nregions; i++)
		iod_region_free(s->regions[i]);
	free(s->regions);
	for (size_t i = 0; i < s->nvars; i++)
		free(s->vars[i].name);
	free(s->vars);
	for (size_t i = 0; i < s->npci; i++) {
		iod_pci_device_free(s->pci[i].dev);
		free(s->pci[i].prefix);
	}
	free(s->pci);
	iod_gsp_demo_free(s->demo);
	iod_strbuf_release(&s->out);
	iod_strbuf_release(&s->line);
	iod_strbuf_release(&s->canon);
	iod_strbuf_release(&s->last_reads);
	iod_typedb_free(s->db);
	free(s);
}

/* ---- output ---- */

void session_emit(struct session *s)
{
	if (s->out.len)
		fwrite(s->out.data, 1, s->out.len, stdout);
	iod_strbuf_reset(&s->out);
	/* A closed pipe (spec §6): loops and waits see quit and stop. */
	if (ferror(stdout))
		session_stdout_closed(s);
}

void session_stdout_closed(struct session *s)
{
	s->stdout_closed = true;
	s->quit = true;
}

void session_flush(struct session *s)
{
	session_emit(s);
	fflush(stdout);
}

void session_tick(struct session *s)
{
	if (s->tick)
		s->tick(s->tick_ctx);
}

static void json_line(struct session *s, const char *key, const char *msg)
{
	struct iod_strbuf doc = { 0 };

	iod_strbuf_printf(&doc, "{\"%s\":", key);
	iod_json_string(&doc, msg, strlen(msg));
	iod_strbuf_puts(&doc, "}\n");
	session_emit(s);
	fputs(iod_strbuf_str(&doc), stdout);
	iod_strbuf_release(&doc);
}

static void where(struct session *s)
{
	if (s->where_file)
		fprintf(stderr, "%s:%u: ", s->where_file, s->where_line);
	else
		fputs("iodbg: ", stderr);
}

int session_fail(struct session *s, struct iod_error *err)
{
	const char *msg = err ? err->message : "failed";

	/* what the command printed before it failed still goes out first */
	session_emit(s);
	/* once the output is a closed pipe, iodbg exits 1 quietly */
	if (s->stdout_closed) {
		iod_error_free(err);
		return 1;
	}
	if (s->json)
		json_line(s, "error", msg);
	fflush(stdout);
	where(s);
	fprintf(stderr, "error: %s\n", msg);
	iod_error_free(err);
	return 1;
}

/* Of a long line, the echo shows this much on each side of the position. */
#define ECHO_SIDE 60

int session_fail_at(struct session *s, struct iod_error *err, const char *text, size_t pos)
{
	size_t len = strlen(text), from, to;

	session_fail(s, err);
	if (s->stdout_closed)
		return 1;
	if (pos > len)
		pos = len;
	/* a 10 MB line is not echoed whole: "..." marks what is left out */
	from = pos > ECHO_SIDE ? pos - ECHO_SIDE : 0;
	to = len - pos > ECHO_SIDE ? pos + ECHO_SIDE : len;
	fprintf(stderr, "    %s%.*s%s\n    %*s^\n", from ? "..." : "", (int)(to - from), text + from,
		to < len ? "..." : "", (int)(pos - from + (from ? 3 : 0)), "");
	return 1;
}

void session_warn(struct session *s, const char *fmt, ...)
{
	char *msg;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (s->json)
		json_line(s, "warning", msg);
	fflush(stdout);
	fprintf(stderr, "iodbg: warning: %s\n", msg);
	free(msg);
}

void session_info(struct session *s, const char *json_doc, const char *fmt, ...)
{
	char *msg;
	va_list ap;
	int n;

	if (s->quiet)
		return;
	if (s->json && json_doc) {
		iod_strbuf_printf(&s->out, "%s\n", json_doc);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (s->json) {
		iod_strbuf_puts(&s->out, "{\"info\":");
		iod_json_string(&s->out, msg, strlen(msg));
		iod_strbuf_puts(&s->out, "}\n");
	} else {
		iod_strbuf_printf(&s->out, "%s\n", msg);
	}
	free(msg);
}

/* ---- names ---- */

bool session_name_ok(const char *name)
{
	if (!*name || !(isalpha((unsigned char)*name) || *name == '_'))
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

/* In a profile, a plain device name means the attaching device's. */
static const char *aliased(struct session *s, const char *name, char *buf, size_t size)
{
	static const char *const plain[] = { "cfg", "pci", "bar0", "bar1", "bar2", "bar3",
					     "bar4", "bar5" };

	if (!s->alias_prefix || !*s->alias_prefix)
		return name;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (!strcmp(name, plain[i])) {
			snprintf(buf, size, "%s%s", s->alias_prefix, name);
			return buf;
		}
	return name;
}

struct iod_region *session_region(struct session *s, const char *name)
{
	char buf[128];

	name = aliased(s, name, buf, sizeof(buf));
	for (size_t i = 0; i < s->nregions; i++)
		if (!strcmp(s->regions[i]->name, name))
			return s->regions[i];
	return NULL;
}

struct named_view *session_view(struct session *s, const char *name)
{
	char buf[128];

	name = aliased(s, name, buf, sizeof(buf));
	for (size_t i = 0; i < s->nviews; i++)
		if (!strcmp(s->views[i].name, name))
			return &s->views[i];
	return NULL;
}

bool session_region_writable(const struct session *s, const struct iod_region *r)
{
	return r->sim || (s->write_on && !r->read_only_backing);
}

void session_apply_write(struct session *s)
{
	for (size_t i = 0; i < s->nregions; i++)
		s->regions[i]->writable = session_region_writable(s, s->regions[i]);
}

struct iod_error *session_add_region(struct session *s, struct iod_region *r)
{
	struct iod_region **grown;

	if (session_region(s, r->name) || session_view(s, r->name)) {
		struct iod_error *err = iod_error_new(IOD_ERR_LOOKUP, "the name '%s' is taken",
						      r->name);

		iod_region_free(r);
		return err;
	}
	grown = realloc(s->regions, (s->nregions + 1) * sizeof(*grown));
	if (!grown) {
		iod_region_free(r);
		return &iod_error_nomem;
	}
	s->regions = grown;
	s->regions[s->nregions++] = r;
	return NULL;
}

struct iod_error *session_bind_view(struct session *s, const char *name, const struct iod_view *v)
{
	struct named_view *nv = session_view(s, name), *grown;
	char *copy;

	if (session_region(s, name))
		return iod_error_new(IOD_ERR_LOOKUP, "the name '%s' is taken by a region", name);
	if (nv) {
		nv->view = *v;
		return NULL;
	}
	copy = strdup(name);
	grown = copy ? realloc(s->views, (s->nviews + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(copy);
		return &iod_error_nomem;
	}
	s->views = grown;
	s->views[s->nviews++] = (struct named_view){ copy, *v };
	return NULL;
}

struct iod_error *session_set_var(struct session *s, const char *name, int64_t value)
{
	struct var *grown;
	char *copy;

	for (size_t i = 0; i < s->nvars; i++)
		if (!strcmp(s->vars[i].name, name)) {
			s->vars[i].value = value;
			return NULL;
		}
	copy = strdup(name);
	grown = copy ? realloc(s->vars, (s->nvars + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(copy);
		return &iod_error_nomem;
	}
	s->vars = grown;
	s->vars[s->nvars++] = (struct var){ copy, value };
	return NULL;
}

/* ---- words, strings and comments ---- */

const char *session_skip(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

static int unescape(const char **p, struct iod_strbuf *w)
{
	const char *q = *p;
	int c = *q++;

	switch (c) {
	case 'n': c = '\n'; break;
	case 't': c = '\t'; break;
	case 'r': c = '\r'; break;
	case 'a': c = '\a'; break;
	case 'b': c = '\b'; break;
	case 'f': c = '\f'; break;
	case 'v': c = '\v'; break;
	case 'e': c = 033; break;
	case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
		c -= '0';
		for (int i = 0; i < 2 && *q >= '0' && *q <= '7'; i++)
			c = c * 8 + (*q++ - '0');
		break;
	case 'x':
		if (!isxdigit((unsigned char)*q))
			return -1;
		c = 0;
		for (int i = 0; i < 2 && isxdigit((unsigned char)*q); i++, q++)
			c = c * 16 + (isdigit((unsigned char)*q) ? *q - '0'
								   : tolower((unsigned char)*q) - 'a' + 10);
		break;
	case '\\': case '"': case '\'': case '?':
		break;
	default:
		return -1;
	}
	iod_strbuf_putc(w, (char)c);
	*p = q;
	return 0;
}

bool session_word(const char **p, struct iod_strbuf *word, struct iod_error **err)
{
	const char *q = session_skip(*p);

	iod_strbuf_reset(word);
	*err = NULL;
	if (!*q || *q == '#') {
		*p = q;
		return false;
	}
	if (*q == '"') {
		q++;
		while (*q && *q != '"') {
			if (*q == '\\') {
				q++;
				if (unescape(&q, word) < 0) {
					*err = iod_error_new(IOD_ERR_SYNTAX, "bad escape '\\%c' in string",
							     *q ? *q : ' ');
					return false;
				}
				continue;
			}
			iod_strbuf_putc(word, *q++);
		}
		if (*q != '"') {
			*err = iod_error_new(IOD_ERR_SYNTAX, "unterminated string");
			return false;
		}
		q++;
		/* an empty "" is a word too */
		if (!word->data)
			iod_strbuf_add(word, "", 0);
	} else {
		const char *start = q;

		while (*q && *q != ' ' && *q != '\t' && *q != '\r' && *q != '\n')
			q++;
		iod_strbuf_add(word, start, (size_t)(q - start));
	}
	*p = q;
	return true;
}

void session_strip_comment(const char *line, struct iod_strbuf *ret)
{
	const char *p = line, *end = line + strlen(line);
	bool in_string = false;

	for (; *p; p++) {
		if (in_string) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				in_string = false;
		} else if (*p == '"') {
			in_string = true;
		} else if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
			end = p;
			break;
		}
	}
	while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' ||
			      end[-1] == '\n'))
		end--;
	line = session_skip(line);
	iod_strbuf_reset(ret);
	iod_strbuf_add(ret, line, end > line ? (size_t)(end - line) : 0);
}

/* ---- running ---- */

int session_run_line(struct session *s, const char *line)
{
	/* for nests (source, for): the outer line's buffer is still in use */
	struct iod_strbuf nested = { 0 }, *clean = s->depth_line ? &nested : &s->line;
	int status = 0;

	session_strip_comment(line, clean);
	s->depth_line++;
	if (clean->len) {
		/* In a stream, a Ctrl-C between lines is kept for the next check there. */
		if (!s->streaming)
			s->interrupted = 0;
		s->watch_interrupted = false;
		status = session_dispatch(s, clean->data);
		session_emit(s);
		if (s->stdout_closed)
			status = 1;
	}
	s->depth_line--;
	iod_strbuf_release(&nested);
	session_tick(s);
	return status;
}

int session_run_stream(struct session *s, FILE *f, const char *name)
{
	const char *old_file = s->where_file;
	unsigned old_line = s->where_line;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int status = 0, st;
	unsigned lineno = 0;

	s->streaming++;
	s->interrupted = 0;
	while (!s->quit && (n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (lineno == 1 && !strncmp(line, "#!", 2))
			continue;
		s->where_file = name;
		s->where_line = lineno;
		if (memchr(line, 0, (size_t)n))
			st = session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "a NUL byte in the line"));
		else
			st = session_run_line(s, line) ? 1 : 0;
		status |= st;
		/*
		 * Ctrl-C stops the command, not the session (spec §6): a poll,
		 * copy or for it interrupted failed, and the failure decides; a
		 * watch it ended succeeded. One that came while a command that
		 * does not look at it ran stops the script here, as an error
		 * (also with -k: it is the user's, not a command's).
		 */
		if (!st && s->interrupted && !s->watch_interrupted && !s->quit) {
			status = session_fail(s, iod_error_new(IOD_ERR_INTERRUPTED, "interrupted"));
			break;
		}
		if (st && !s->keep_going)
			break;
		/* consumed: by the watch it ended, or by the command it failed (-k goes on) */
		s->interrupted = 0;
	}
	s->streaming--;
	if (ferror(f) && !s->quit)
		status = session_fail(s, iod_error_os(errno, "%s: read", name));
	free(line);
	s->where_file = old_file;
	s->where_line = old_line;
	return status;
}

int session_run_file(struct session *s, const char *path)
{
	FILE *f;
	int status;

	if (!strcmp(path, "-"))
		return session_run_stream(s, stdin, "<stdin>");
	if (s->depth >= 32)
		return session_fail(s, iod_error_new(IOD_ERR_VALUE,
						     "%s: scripts nested more than 32 deep", path));
	f = fopen(path, "re");
	if (!f)
		return session_fail(s, iod_error_os(errno, "%s", path));
	/* fopen of a directory succeeds; reading it fails with EISDIR, named below */
	s->depth++;
	status = session_run_stream(s, f, path);
	s->depth--;
	fclose(f);
	return status;
}
