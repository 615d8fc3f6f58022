/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The interactive loop: readline's callback interface, so that Ctrl-C at the
 * prompt clears the line and Ctrl-C during a command stops only the command;
 * history in $XDG_STATE_HOME/iodbg/history.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "complete.h"
#include "session.h"

#define PROMPT "iodbg> "

/* readline's callback takes no context: the loop below runs one session at a time. */
static struct session *active;
static bool got_eof;
static bool line_done;
static int repl_status;

/* $XDG_STATE_HOME/iodbg/history, or ~/.local/state/iodbg/history; its
   folders are made on the way. NULL when there is no home. */
static char *history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *dir = NULL, *path = NULL;

	if (state && *state == '/') {
		if (asprintf(&dir, "%s/iodbg", state) < 0)
			return NULL;
	} else if (home && *home) {
		if (asprintf(&dir, "%s/.local/state/iodbg", home) < 0)
			return NULL;
	} else {
		return NULL;
	}
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		mkdir(dir, 0700);
		*p = '/';
	}
	mkdir(dir, 0700);
	if (asprintf(&path, "%s/history", dir) < 0)
		path = NULL;
	free(dir);
	return path;
}

static void on_line(char *line)
{
	struct session *s = active;

	/* the command runs with the terminal as the user had it */
	rl_callback_handler_remove();
	line_done = true;
	if (!line) {
		got_eof = true;
		fputc('\n', stdout);
		return;
	}
	if (*line)
		add_history(line);
	s->interrupted = 0;
	repl_status |= session_run_line(s, line);
	session_flush(s);
	free(line);
}

int session_repl(struct session *s)
{
	char *hist = history_path();

	active = s;
	got_eof = false;
	repl_status = 0;
	rl_readline_name = "iodbg";
	/* our SIGINT handler only sets a flag; readline must not take it over */
	rl_catch_signals = 0;
	complete_install(s);
	if (hist) {
		int fd = open(hist, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd >= 0)
			close(fd);
		read_history(hist);
	}
	if (!s->quiet)
		printf("iodbg %s: 'help' lists the commands, 'quit' leaves.\n", IODBG_VERSION);
	while (!s->quit && !got_eof) {
		session_flush(s);
		line_done = false;
		s->interrupted = 0;
		rl_callback_handler_install(PROMPT, on_line);
		while (!line_done) {
			fd_set in;

			/* a simulated device keeps working while the prompt waits */
			struct timeval idle = { 0, 2000 };
			int ready;

			FD_ZERO(&in);
			FD_SET(STDIN_FILENO, &in);
			ready = select(STDIN_FILENO + 1, &in, NULL, NULL, s->tick ? &idle : NULL);
			if (ready == 0) {
				session_tick(s);
				continue;
			}
			if (ready < 0) {
				if (errno != EINTR) {
					got_eof = true;
					break;
				}
				if (s->interrupted) {
					/* Ctrl-C at the prompt: drop the line, new prompt */
					s->interrupted = 0;
					rl_replace_line("", 0);
					rl_crlf();
					rl_on_new_line();
					rl_redisplay();
				}
				continue;
			}
			rl_callback_read_char();
		}
	}
	rl_callback_handler_remove();
	if (hist) {
		write_history(hist);
		chmod(hist, 0600);
		free(hist);
	}
	active = NULL;
	return repl_status;
}
