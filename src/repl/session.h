/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session: everything one iodbg run holds, and the command layer's shared helpers. */
#ifndef IODBG_REPL_SESSION_H
#define IODBG_REPL_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "iodbg/dwarf.h"
#include "iodbg/error.h"
#include "iodbg/expr.h"
#include "iodbg/format.h"
#include "iodbg/io.h"
#include "iodbg/strbuf.h"
#include "iodbg/target.h"
#include "iodbg/types.h"

struct named_view {
	char *name;
	struct iod_view view;
};

struct var {
	char *name;
	int64_t value;
};

/* An attached PCI device and the prefix of its names ("" or "gpu_"). */
struct pci_attachment {
	struct iod_pci_device *dev;
	char *prefix;
};

struct session {
	struct iod_typedb *db;
	struct iod_region **regions;
	size_t nregions;
	struct named_view *views;
	size_t nviews;
	struct var *vars;
	size_t nvars;
	unsigned next_index[IOD_TARGET_SIM + 1];  /* sim0, sim1, ... per kind */
	struct pci_attachment *pci;
	size_t npci;
	/* While a device's profile runs, the plain names cfg, bar0..bar5 and pci
	   mean that device's (prefixed) names. */
	const char *alias_prefix;

	struct iod_io io;
	struct iod_expr_env env;

	/* settings */
	bool may_write;        /* started with -w */
	bool write_on;         /* set write on|off */
	bool json;
	bool trace;
	bool quiet;
	bool keep_going;
	int radix;
	const char *sysfs;
	bool no_profile;

	/* where commands come from, for FILE:LINE: errors */
	const char *where_file;
	unsigned where_line;
	int depth;             /* source nesting */
	int depth_line;        /* session_run_line nesting */
	int streaming;         /* session_run_stream nesting */
	bool quit;
	bool stdout_closed;    /* the output is a closed pipe: quit, and say nothing more */
	volatile sig_atomic_t interrupted;
	bool watch_interrupted; /* the line's watch ended on Ctrl-C: that is its success */

	/* per-command state */
	struct iod_strbuf out;         /* the output of the command being run */
	struct iod_strbuf line;        /* the line being run, without its comment */
	struct iod_strbuf canon;       /* print's canonical path (kept: no malloc per print) */
	const struct iod_type *writing; /* the type a dry-run report names */
	struct iod_strbuf last_reads;  /* "path = value" of the last poll evaluation */
	bool collect_reads;

	/* run after every command and once per poll/watch interval (the demo firmware) */
	void (*tick)(void *ctx);
	void *tick_ctx;
	struct iod_gsp_demo *demo;
};

struct iod_error *session_new(struct session **ret);
void session_free(struct session *s);

/* Runs one command line; 0 on success, 1 when it failed (error reported). */
int session_run_line(struct session *s, const char *line);
/* Runs a script file ("-" = stdin); stops at the first failure unless -k. */
int session_run_file(struct session *s, const char *path);
int session_run_stream(struct session *s, FILE *f, const char *name);
/* `iodbg demo`: attaches the simulated GSP and starts its firmware. */
int session_start_demo(struct session *s);
/* The interactive loop (readline). */
int session_repl(struct session *s);

/* Reporting. Each takes ownership of err and returns 1. */
int session_fail(struct session *s, struct iod_error *err);
/* A syntax error in text at byte pos: the message, then the line and a caret. */
int session_fail_at(struct session *s, struct iod_error *err, const char *text, size_t pos);
void session_warn(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An informational line (hidden by -q); json_doc is its JSON form (NULL: {"info":...}). */
void session_info(struct session *s, const char *json_doc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Writes s->out to stdout and empties it. */
void session_emit(struct session *s);
/* The output turned out to be a closed pipe: quit, and say nothing more. */
void session_stdout_closed(struct session *s);
void session_flush(struct session *s);
/* Calls the tick hook. */
void session_tick(struct session *s);

/* Names. */
struct iod_region *session_region(struct session *s, const char *name);
struct named_view *session_view(struct session *s, const char *name);
struct iod_error *session_add_region(struct session *s, struct iod_region *r);
struct iod_error *session_set_var(struct session *s, const char *name, int64_t value);
/* Binds (or rebinds) the view NAME. */
struct iod_error *session_bind_view(struct session *s, const char *name, const struct iod_view *v);
bool session_name_ok(const char *name);
/* The region writable flag as -w and `set write` make it. */
bool session_region_writable(const struct session *s, const struct iod_region *r);
void session_apply_write(struct session *s);

/* Words: the next white-space separated word or "quoted string" (C escapes)
   of *p into word; false at the end. A # that begins a word ends the line. */
bool session_word(const char **p, struct iod_strbuf *word, struct iod_error **err);
/* Skips white space. */
const char *session_skip(const char *p);
/* The line without its comment (a # beginning a word outside a string). */
void session_strip_comment(const char *line, struct iod_strbuf *ret);

/* Commands (commands.c). */
struct command {
	const char *name;
	const char *aliases;   /* space separated, may be NULL */
	const char *synopsis;
	const char *summary;   /* one line, as help and the man page say it */
	const char *help;      /* more lines, may be NULL */
	int (*run)(struct session *s, const char *cmd, const char *args);
};

extern const struct command session_commands[];
extern const size_t session_ncommands;
const struct command *session_command(const char *name, size_t len);
/* Dispatches a comment-free, non-empty line. */
int session_dispatch(struct session *s, const char *line);

#endif
