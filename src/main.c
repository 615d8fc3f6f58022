/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line of spec §2: options and command words, then the session (or an error). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "repl/commands.h"

#ifndef IODBG_VERSION
#error "IODBG_VERSION must be defined by the build"
#endif

enum { EXIT_COMMAND = 1, EXIT_USAGE = 2, PARSE_RUN = -1 };

/* Long-only options get values outside the char range. */
enum { OPT_JSON = 0x100, OPT_TRACE, OPT_SYSFS, OPT_NO_PROFILE };

/* "-": words come back in order, interleaved with the options (code 1). */
static const char short_opts[] = "-:t:x:c:iwnkqVh";

static const struct option long_opts[] = {
	{ "types",       required_argument, NULL, 't' },
	{ "script",      required_argument, NULL, 'x' },
	{ "command",     required_argument, NULL, 'c' },
	{ "interactive", no_argument,       NULL, 'i' },
	{ "write",       no_argument,       NULL, 'w' },
	{ "dry-run",     no_argument,       NULL, 'n' },
	{ "keep-going",  no_argument,       NULL, 'k' },
	{ "json",        no_argument,       NULL, OPT_JSON },
	{ "trace",       no_argument,       NULL, OPT_TRACE },
	{ "sysfs",       required_argument, NULL, OPT_SYSFS },
	{ "no-profile",  no_argument,       NULL, OPT_NO_PROFILE },
	{ "quiet",       no_argument,       NULL, 'q' },
	{ "version",     no_argument,       NULL, 'V' },
	{ "help",        no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char usage_text[] =
	"Usage: iodbg [OPTION]... [attach TARGET [as NAME]]...\n"
	"       iodbg [OPTION]... demo\n"
	"       iodbg [OPTION]... ptype TYPE FILE...\n"
	"Look at device registers and shared memory by name, with the driver's own types.\n"
	"\n"
	"Options:\n"
	"  -t, --types FILE     load types from FILE (ELF with DWARF) or a stock type\n"
	"                       library (pci, virtio_pci, gsp_demo); repeatable\n"
	"  -x, --script FILE    run commands from FILE ('-' = stdin), then exit; repeatable\n"
	"  -c, --command CMD    run CMD, then exit; repeatable, in order with -x\n"
	"  -i, --interactive    after -x/-c, stay in the REPL\n"
	"  -w, --write          allow writes (hardware and files are read-only otherwise)\n"
	"  -n, --dry-run        report writes ('would write ...') and do not perform them\n"
	"  -k, --keep-going     in scripts and -c commands, go on after a failing command\n"
	"      --json           machine output: JSON Lines\n"
	"      --trace          log every access made to a region on stderr\n"
	"      --sysfs DIR      use DIR instead of /sys for every sysfs path\n"
	"      --no-profile     do not run the device's profile script on attach\n"
	"  -q, --quiet          no banner, no informational lines\n"
	"  -V, --version        print the version and exit\n"
	"  -h, --help           print this help and exit\n"
	"\n"
	"Targets: 0000:01:00.0, 01:00.0, pci:01:00.0, pci:VENDOR:DEVICE[#N],\n"
	"  mem:ADDR,SIZE, file:PATH[,OFFSET[,SIZE]], dmabuf:PATH, udmabuf:NAME, sim:SIZE\n"
	"\n"
	"Exit status: 0 all commands succeeded, 1 a command failed, 2 usage error.\n";

/* One -x or -c, kept in command-line order. */
struct action {
	bool is_script;
	const char *arg;
};

/* -t and command-line attach, in command-line order: they run first. */
struct early {
	const char *types;         /* -t FILE, or NULL for an attach */
	const char *target, *name; /* attach TARGET [as NAME] */
};

struct options {
	struct early *early;
	size_t nearly;
	char **words;              /* the words, in order */
	int nwords;
	struct action *actions;    /* -x and -c, in order */
	size_t nactions;
	bool demo;
	char **ptype;              /* ptype TYPE FILE...: type words then files */
	int nptype;
	bool interactive, write, dry_run, keep_going, json, trace, no_profile, quiet;
	const char *sysfs;
};

static void *xreallocarray(void *p, size_t n, size_t size)
{
	p = reallocarray(p, n, size);
	if (!p) {
		fputs("iodbg: error: out of memory\n", stderr);
		exit(EXIT_COMMAND);
	}
	return p;
}

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("iodbg: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'iodbg --help'.\n", stderr);
	return EXIT_USAGE;
}

static bool is_option_val(int v)
{
	for (const struct option *o = long_opts; o->name; o++)
		if (o->val == v)
			return true;
	return false;
}

/* Why getopt_long refused WORD ("--name[=value]"): ambiguous, unwanted argument, unknown. */
static int long_option_error(const char *word)
{
	size_t n = strcspn(word, "=");     /* at least 2: WORD starts with "--" */
	int matches = 0;
	bool exact = false;
	char name[64];

	snprintf(name, sizeof(name), "%.*s", (int)n, word);
	for (const struct option *o = long_opts; o->name; o++) {
		if (strncmp(o->name, word + 2, n - 2) != 0)
			continue;
		matches++;
		exact |= strlen(o->name) == n - 2;
	}
	if (!exact && matches > 1)
		return usage_error("option '%s' is ambiguous", name);
	if (matches && word[n] == '=')
		return usage_error("option '%s' takes no argument", name);
	return usage_error("unknown option '%s'", name);
}

static void add_early(struct options *o, struct early e)
{
	o->early = xreallocarray(o->early, o->nearly + 1, sizeof(*o->early));
	o->early[o->nearly++] = e;
}

/*
 * The command words: attach TARGET [as NAME]..., demo, or ptype TYPE FILE....
 * An attach is checked here: a target of the wrong syntax is a usage error.
 */
static int parse_words(struct options *o)
{
	int argc = o->nwords, i = 0;
	char **argv = o->words;

	if (argc > 0 && strcmp(argv[0], "demo") == 0) {
		if (argc > 1)
			return usage_error("unexpected argument '%s' after 'demo'", argv[1]);
		o->demo = true;
		return PARSE_RUN;
	}
	if (argc > 0 && strcmp(argv[0], "ptype") == 0) {
		/* TYPE is one word, or two when it starts with struct/union/enum. */
		int type_words = 1;

		if (argc > 1 && (strcmp(argv[1], "struct") == 0 || strcmp(argv[1], "union") == 0 ||
				 strcmp(argv[1], "enum") == 0))
			type_words = 2;
		if (argc < 1 + type_words)
			return usage_error("ptype: missing TYPE");
		if (argc < 2 + type_words)
			return usage_error("ptype: missing FILE");
		o->ptype = argv + 1;
		o->nptype = argc - 1;
		return PARSE_RUN;
	}
	while (i < argc) {
		if (strcmp(argv[i], "attach") != 0)
			return usage_error("unknown command '%s' (expected attach, demo or ptype)",
					   argv[i]);
		i++;
		if (i >= argc)
			return usage_error("attach: missing TARGET");
		i++;
		if (i < argc && strcmp(argv[i], "as") == 0) {
			if (i + 1 >= argc)
				return usage_error("attach %s as: missing NAME", argv[i - 1]);
			if (!session_name_ok(argv[i + 1]))
				return usage_error("attach %s as %s: not a valid name", argv[i - 1],
						   argv[i + 1]);
			i += 2;
		}
	}
	return PARSE_RUN;
}

/* Once the words are known good: each attach joins -t in command-line order. The
   words are re-walked here with their positions, recorded as they came. */
static int check_target(const char *text)
{
	struct iod_target t;
	struct iod_error *err = iod_target_parse(text, &t);

	if (!err) {
		iod_target_release(&t);
		return 0;
	}
	usage_error("attach: %s", err->message);
	iod_error_free(err);
	return EXIT_USAGE;
}

/* PARSE_RUN: go on and run; otherwise the exit status (help, version, usage error). */
static int parse_options(int argc, char *argv[], struct options *o)
{
	char name[64];
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		switch (c) {
		case 't':
			add_early(o, (struct early){ .types = optarg });
			break;
		case 1: {
			/* a word: keep attach TARGET [as NAME] in order with -t */
			int n = o->nwords;

			o->words = xreallocarray(o->words, (size_t)n + 1, sizeof(*o->words));
			o->words[o->nwords++] = optarg;
			if (strcmp(o->words[0], "attach"))
				break;
			if (n >= 1 && !strcmp(o->words[n - 1], "attach") &&
			    (n < 2 || strcmp(o->words[n - 2], "as")))
				add_early(o, (struct early){ .target = optarg });
			else if (n >= 2 && !strcmp(o->words[n - 1], "as") && o->nearly &&
				 o->early[o->nearly - 1].target == o->words[n - 2])
				o->early[o->nearly - 1].name = optarg;
			break;
		}
		case 'x':
		case 'c':
			o->actions = xreallocarray(o->actions, o->nactions + 1, sizeof(*o->actions));
			o->actions[o->nactions++] = (struct action){ .is_script = c == 'x', .arg = optarg };
			break;
		case 'i': o->interactive = true; break;
		case 'w': o->write = true; break;
		case 'n': o->dry_run = true; break;
		case 'k': o->keep_going = true; break;
		case 'q': o->quiet = true; break;
		case OPT_JSON: o->json = true; break;
		case OPT_TRACE: o->trace = true; break;
		case OPT_NO_PROFILE: o->no_profile = true; break;
		case OPT_SYSFS: o->sysfs = optarg; break;
		case 'V':
			printf("iodbg %s\n", IODBG_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_SUCCESS;
		case ':':
			/* The option is the last word: "--types", "-t" or a cluster "-qt". */
			if (strncmp(argv[optind - 1], "--", 2) == 0)
				snprintf(name, sizeof(name), "%s", argv[optind - 1]);
			else
				snprintf(name, sizeof(name), "-%c", optopt);
			return usage_error("option '%s' requires an argument", name);
		default:
			/* optopt is 0 for an unknown long option and the option's own value
			   for a long option given an argument; otherwise an unknown letter. */
			if (optopt == 0 || is_option_val(optopt))
				return long_option_error(argv[optind - 1]);
			snprintf(name, sizeof(name), "-%c", optopt);
			return usage_error("unknown option '%s'", name);
		}
	}
	c = parse_words(o);
	for (size_t i = 0; c == PARSE_RUN && i < o->nearly; i++)
		if (o->early[i].target && check_target(o->early[i].target))
			c = EXIT_USAGE;
	return c;
}

/* The one pointer a signal handler needs: the session's interruption flag. */
static volatile sig_atomic_t *interrupt_flag;

static void on_sigint(int sig)
{
	(void)sig;
	if (interrupt_flag)
		*interrupt_flag = 1;
}

/* Appends TEXT to a command line as one quoted word. */
static void quoted(struct iod_strbuf *line, const char *text)
{
	iod_strbuf_putc(line, '"');
	for (const char *p = text; *p; p++) {
		if (*p == '"' || *p == '\\')
			iod_strbuf_putc(line, '\\');
		iod_strbuf_putc(line, *p);
	}
	iod_strbuf_putc(line, '"');
}

/* iodbg ptype TYPE FILE...: load the files, print the layout, exit. */
static int run_ptype(struct session *s, const struct options *o)
{
	int type_words = !strcmp(o->ptype[0], "struct") || !strcmp(o->ptype[0], "union") ||
			 !strcmp(o->ptype[0], "enum") ? 2 : 1;
	struct iod_strbuf line = { 0 };
	int status = 0;

	for (int i = type_words; i < o->nptype && !status; i++)
		status = cmd_load_types(s, o->ptype[i]);
	if (!status) {
		iod_strbuf_puts(&line, "ptype ");
		for (int i = 0; i < type_words; i++)
			iod_strbuf_printf(&line, "%s%s", i ? " " : "", o->ptype[i]);
		status = session_run_line(s, iod_strbuf_str(&line));
	}
	iod_strbuf_release(&line);
	return status;
}

static int run(const struct options *o)
{
	struct session *s;
	struct iod_error *err = session_new(&s);
	struct sigaction sa;
	int status = 0;

	if (err) {
		fprintf(stderr, "iodbg: error: %s\n", err->message);
		iod_error_free(err);
		return EXIT_COMMAND;
	}
	s->may_write = s->write_on = o->write;
	s->json = o->json;
	s->trace = o->trace;
	s->io.trace = o->trace ? cmd_trace_cb : NULL;
	s->io.dry_run = o->dry_run;
	s->quiet = o->quiet || o->ptype;
	s->keep_going = o->keep_going;
	s->sysfs = o->sysfs;
	s->no_profile = o->no_profile;
	interrupt_flag = &s->interrupted;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);   /* no SA_RESTART: a wait ends at once */

	for (size_t i = 0; i < o->nearly && (!status || o->keep_going); i++) {
		struct iod_strbuf line = { 0 };

		if (o->early[i].types) {
			status |= cmd_load_types(s, o->early[i].types);
			continue;
		}
		iod_strbuf_puts(&line, "attach ");
		quoted(&line, o->early[i].target);
		if (o->early[i].name)
			iod_strbuf_printf(&line, " as %s", o->early[i].name);
		status |= session_run_line(s, iod_strbuf_str(&line));
		iod_strbuf_release(&line);
	}
	if (o->demo && !status)
		status = session_start_demo(s);
	if (o->ptype) {
		if (!status)
			status = run_ptype(s, o);
	} else if (!status || o->keep_going) {
		for (size_t i = 0; i < o->nactions && !s->quit; i++) {
			int st = o->actions[i].is_script ? session_run_file(s, o->actions[i].arg)
							 : session_run_line(s, o->actions[i].arg);

			status |= st;
			if (st && !o->keep_going)
				break;
		}
		if (!s->quit && (!status || o->keep_going)) {
			if (!o->nactions && !isatty(STDIN_FILENO))
				status |= session_run_stream(s, stdin, "<stdin>");
			else if (!o->nactions || o->interactive)
				status |= session_repl(s);
		}
	}
	session_flush(s);
	interrupt_flag = NULL;
	session_free(s);
	return status ? EXIT_COMMAND : EXIT_SUCCESS;
}

/* A failed write of stdout is a failure; a closed pipe is one too, but quiet (spec §6). */
static int finish(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			fprintf(stderr, "iodbg: error: standard output: %s\n", strerror(errno));
		return EXIT_COMMAND;
	}
	return status;
}

/*
 * stdout's writes, when it is not a terminal. Ctrl-C must end a wait at
 * once, so its handler is installed without SA_RESTART; a write(2) of
 * stdio's buffer that it interrupts fails with EINTR, and stdio drops the
 * buffer and marks the stream failed: output lost, and a closed pipe
 * reported where there was none. This writer finishes the write instead.
 * (A terminal keeps its stdio stream: readline needs its descriptor.)
 */
static ssize_t write_stdout(void *cookie, const char *buf, size_t len)
{
	size_t done = 0;

	(void)cookie;
	while (done < len) {
		ssize_t n = write(STDOUT_FILENO, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return done ? (ssize_t)done : -1;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static void stdout_through_writer(void)
{
	cookie_io_functions_t io = { .write = write_stdout };
	FILE *f;

	if (isatty(STDOUT_FILENO))
		return;
	f = fopencookie(NULL, "w", io);
	if (f && setvbuf(f, NULL, _IOFBF, BUFSIZ) == 0)
		stdout = f;
	else if (f)
		fclose(f);
}

int main(int argc, char *argv[])
{
	struct options o = { 0 };
	int status;

	signal(SIGPIPE, SIG_IGN);
	stdout_through_writer();
	status = parse_options(argc, argv, &o);
	if (status == PARSE_RUN)
		status = run(&o);
	free(o.early);
	free(o.words);
	free(o.actions);
	return finish(status);
}
