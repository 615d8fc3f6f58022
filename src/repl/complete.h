/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tab completion for the interactive loop. */
#ifndef IODBG_REPL_COMPLETE_H
#define IODBG_REPL_COMPLETE_H

#include "session.h"

/* Installs the completer for s (readline is process-wide). */
void complete_install(struct session *s);

/*
 * The completions of the word [start, end) of line, as the REPL offers them
 * (without readline, for tests): calls add for each; returns false when the
 * word is a file name, left to readline's own file completion.
 */
bool complete_candidates(struct session *s, const char *line, size_t start, size_t end,
			 void (*add)(void *ctx, const char *candidate), void *ctx);

#endif
