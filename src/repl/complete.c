/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tab completion: commands, region and view names, field names after '.',
 * type names after struct/union/enum, file names after file:, load, source,
 * dump and restore.
 */
#include <stdlib.h>
#include <string.h>

#include <readline/readline.h>

#include "complete.h"

static bool starts(const char *s, const char *prefix, size_t n)
{
	return strncmp(s, prefix, n) == 0;
}

/* The word before [start): its bounds in line. */
static size_t previous_word(const char *line, size_t start, size_t *len)
{
	size_t e = start, b;

	while (e > 0 && (line[e - 1] == ' ' || line[e - 1] == '\t'))
		e--;
	b = e;
	while (b > 0 && line[b - 1] != ' ' && line[b - 1] != '\t')
		b--;
	*len = e - b;
	return b;
}

static void add_fields(const struct iod_type *t, const char *path, const char *part, size_t plen,
		       void (*add)(void *, const char *), void *ctx)
{
	t = iod_type_strip(t);
	if (!t || (t->kind != IOD_TYPE_STRUCT && t->kind != IOD_TYPE_UNION))
		return;
	for (size_t i = 0; i < t->nmembers; i++) {
		const struct iod_member *m = &t->members[i];
		char *cand;

		if (!m->name) {
			/* anonymous members' fields are fields of the parent */
			add_fields(m->type, path, part, plen, add, ctx);
			continue;
		}
		if (!starts(m->name, part, plen) || asprintf(&cand, "%s.%s", path, m->name) < 0)
			continue;
		add(ctx, cand);
		free(cand);
	}
}

bool complete_candidates(struct session *s, const char *line, size_t start, size_t end,
			 void (*add)(void *ctx, const char *candidate), void *ctx)
{
	char *word = strndup(line + start, end - start);
	size_t plen, wlen = end - start, b = previous_word(line, start, &plen);
	const char *prev = line + b;
	const char *dot;

	if (!word)
		return true;
	if (starts(word, "file:", 5) ||
	    (plen && (starts(prev, "load", plen) && plen == 4)) ||
	    (plen == 6 && starts(prev, "source", 6)) ||
	    (plen == 7 && starts(prev, "restore", 7)) ||
	    (plen && b > 0 && previous_word(line, b, &(size_t){ 0 }) < b &&
	     starts(line + previous_word(line, b, &(size_t){ 0 }), "dump ", 5))) {
		free(word);
		return false;
	}
	if (plen && (starts(prev, "struct", plen) || starts(prev, "union", plen) ||
		     starts(prev, "enum", plen)) && (plen == 6 || plen == 5 || plen == 4)) {
		const char *kw = plen == 6 ? "struct" : plen == 5 ? "union" : "enum";
		const struct iod_type *t;
		size_t it = 0;

		while ((t = iod_typedb_next(s->db, &it)))
			if (t->name && !strcmp(iod_type_keyword(t), kw) && starts(t->name, word, wlen))
				add(ctx, t->name);
		free(word);
		return true;
	}
	dot = strrchr(word, '.');
	if (dot) {
		char *path = strndup(word, (size_t)(dot - word));
		struct iod_expr *e = NULL;
		struct iod_view v;
		size_t used = 0;
		struct iod_error *err = path ? iod_expr_parse(path, &e, &used, NULL) : NULL;

		/* Tab must never touch a device: only paths whose evaluation reads
		   nothing (an index may itself be a path, which would be read) */
		if (path && !err && !path[used] && iod_expr_reads_nothing(e) && iod_expr_is_path(e) &&
		    !(err = iod_expr_eval_view(e, &s->env, &v, NULL)))
			add_fields(v.type, path, dot + 1, strlen(dot + 1), add, ctx);
		iod_error_free(err);
		iod_expr_free(e);
		free(path);
		free(word);
		return true;
	}
	if (!*session_skip(line) || session_skip(line) == line + start)
		for (size_t i = 0; i < session_ncommands; i++)
			if (starts(session_commands[i].name, word, wlen))
				add(ctx, session_commands[i].name);
	for (size_t i = 0; i < s->nviews; i++)
		if (starts(s->views[i].name, word, wlen))
			add(ctx, s->views[i].name);
	for (size_t i = 0; i < s->nregions; i++)
		if (starts(s->regions[i]->name, word, wlen))
			add(ctx, s->regions[i]->name);
	free(word);
	return true;
}

/* readline wants a generator; we collect everything first. */
static struct session *completing;
static char **found;
static size_t nfound, next_found;

static void collect(void *ctx, const char *cand)
{
	char **grown;

	(void)ctx;
	for (size_t i = 0; i < nfound; i++)
		if (!strcmp(found[i], cand))
			return;
	grown = realloc(found, (nfound + 1) * sizeof(*found));
	if (!grown)
		return;
	found = grown;
	if ((found[nfound] = strdup(cand)))
		nfound++;
}

static char *generate(const char *text, int state)
{
	(void)text;
	if (state == 0)
		next_found = 0;
	return next_found < nfound ? strdup(found[next_found++]) : NULL;
}

static char **attempt(const char *text, int start, int end)
{
	char **matches;

	(void)text;
	for (size_t i = 0; i < nfound; i++)
		free(found[i]);
	nfound = 0;
	if (!strncmp(text, "file:", 5)) {
		/* readline's file-name completer, on what follows file: */
		char *m;

		for (int state = 0; (m = rl_filename_completion_function(text + 5, state)); state++) {
			char *cand;

			if (asprintf(&cand, "file:%s", m) >= 0) {
				collect(NULL, cand);
				free(cand);
			}
			free(m);
		}
		rl_attempted_completion_over = 1;
		return nfound ? rl_completion_matches(text, generate) : NULL;
	}
	if (!complete_candidates(completing, rl_line_buffer, (size_t)start, (size_t)end, collect,
				 NULL)) {
		/* file names after load, source, dump and restore: readline's own */
		rl_attempted_completion_over = 0;
		return NULL;
	}
	rl_attempted_completion_over = 1;
	matches = rl_completion_matches(text, generate);
	return matches;
}

void complete_install(struct session *s)
{
	completing = s;
	rl_attempted_completion_function = attempt;
	/* paths like gsp.cmdq[3].head and file:/x are one word */
	rl_completer_word_break_characters = (char *)" \t";
}
