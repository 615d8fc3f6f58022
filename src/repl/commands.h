/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the command files share: the handlers of the table and their helpers. */
#ifndef IODBG_REPL_COMMANDS_H
#define IODBG_REPL_COMMANDS_H

#include "session.h"

/* Handlers: cmd is the line from the command word on, args what follows it. */
int cmd_print(struct session *s, const char *cmd, const char *args);
int cmd_x(struct session *s, const char *cmd, const char *args);
int cmd_explain(struct session *s, const char *cmd, const char *args);
int cmd_poll(struct session *s, const char *cmd, const char *args);
int cmd_watch(struct session *s, const char *cmd, const char *args);
int cmd_ptype(struct session *s, const char *cmd, const char *args);
int cmd_sizeof(struct session *s, const char *cmd, const char *args);
int cmd_offsetof(struct session *s, const char *cmd, const char *args);
int cmd_whatis(struct session *s, const char *cmd, const char *args);
int cmd_copy(struct session *s, const char *cmd, const char *args);
int cmd_dump(struct session *s, const char *cmd, const char *args);
int cmd_restore(struct session *s, const char *cmd, const char *args);
int cmd_fill(struct session *s, const char *cmd, const char *args);

/* PATH = EXPR (and |= &= ^=), also after `set`. */
int cmd_assign_line(struct session *s, const char *line);
/* $NAME = EXPR */
int cmd_var_assign(struct session *s, const char *line);
/* A line that is no command: an assignment, or a path or expression to print. */
int cmd_statement(struct session *s, const char *line);
/* `load` and -t. */
int cmd_load_types(struct session *s, const char *what);

/* The position of a top-level assignment operator (=, |=, &=, ^=) in line,
   or -1; *op is '=', '|', '&' or '^'. */
long find_assignment_at(const char *line, char *op);
/* Parses the whole of text as one expression (trailing text is an error). */
struct iod_error *cmd_parse_all(const char *text, struct iod_expr **ret, size_t *err_pos);
/* Reports err; a syntax error with the line and a caret. */
int cmd_syntax(struct session *s, struct iod_error *err, const char *text, size_t pos);
/* Splits args into between min and max words; on misuse reports "usage:
   synopsis" and returns a negative number. */
int cmd_words(struct session *s, const char *args, struct iod_strbuf *w, size_t min, size_t max,
	      const char *synopsis);
/* A malloc'd copy of [from, to) without surrounding white space. */
char *cmd_trimmed(const char *from, const char *to);
bool cmd_glob_match(const char *glob, const char *name);

/* Callbacks: warnings from targets, notes from the loader, trace lines. */
void cmd_warn_cb(void *ctx, const char *msg);
void cmd_note_cb(void *ctx, const char *msg);
void cmd_trace_cb(void *ctx, const struct iod_access *a);

/* A region as `regions` and `attach` show it. */
void cmd_region_json(struct iod_strbuf *o, const struct iod_region *r);
void cmd_region_text(struct iod_strbuf *o, const struct iod_region *r);

#endif
