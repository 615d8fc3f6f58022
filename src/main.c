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

#ifndef IODBG_VERSION
#error "IODBG_VERSION must be defined by the build"
#endif

enum { EXIT_COMMAND = 1, EXIT_USAGE = 2, PARSE_RUN = -1 };

/* Long-only options get values outside the char range. */
enum { OPT_JSON = 0x100, OPT_TRACE, OPT_SYSFS, OPT_NO_PROFILE };

static const char short_opts[] = ":t:x:c:iwnkqVh";

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

struct options {
	const char **types;        /* -t, in order */
	size_t ntypes;
	struct action *actions;    /* -x and -c, in order */
	size_t nactions;
	const char **attach;       /* command-line attach TARGET, in order */
	size_t nattach;
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

/* Command words after the options: attach TARGET [as NAME]..., demo, ptype TYPE FILE... */
static int parse_words(int argc, char *argv[], struct options *o)
{
	int i = 0;

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
		if (i + 1 >= argc)
			return usage_error("attach: missing TARGET");
		o->attach = xreallocarray(o->attach, o->nattach + 1, sizeof(*o->attach));
		o->attach[o->nattach++] = argv[i + 1];
		i += 2;
		if (i < argc && strcmp(argv[i], "as") == 0) {
			if (i + 1 >= argc)
				return usage_error("attach %s as: missing NAME", argv[i - 1]);
			i += 2;
		}
	}
	return PARSE_RUN;
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
			o->types = xreallocarray(o->types, o->ntypes + 1, sizeof(*o->types));
			o->types[o->ntypes++] = optarg;
			break;
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
	return parse_words(argc - optind, argv + optind, o);
}

/*
 * What this build can do is the command line itself: every request that needs the
 * session is refused by name, in the order the session would have run it.
 */
static int run(const struct options *o)
{
	if (o->ntypes) {
		fprintf(stderr, "iodbg: error: -t %s: loading types is not available in this build\n",
			o->types[0]);
		return EXIT_COMMAND;
	}
	if (o->nattach) {
		fprintf(stderr, "iodbg: error: attach %s: attaching targets is not available in this build\n",
			o->attach[0]);
		return EXIT_COMMAND;
	}
	if (o->demo) {
		fputs("iodbg: error: demo: the simulated device is not available in this build\n",
		      stderr);
		return EXIT_COMMAND;
	}
	if (o->ptype) {
		fprintf(stderr, "iodbg: error: ptype: reading types from DWARF is not available in this build\n");
		return EXIT_COMMAND;
	}
	if (o->nactions) {
		fprintf(stderr, "iodbg: error: %s %s: the command language is not available in this build\n",
			o->actions[0].is_script ? "-x" : "-c", o->actions[0].arg);
		return EXIT_COMMAND;
	}
	fputs("iodbg: error: the command language (interactive or from standard input) is not available in this build\n",
	      stderr);
	return EXIT_COMMAND;
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

int main(int argc, char *argv[])
{
	struct options o = { 0 };
	int status;

	signal(SIGPIPE, SIG_IGN);
	status = parse_options(argc, argv, &o);
	if (status == PARSE_RUN)
		status = run(&o);
	free(o.types);
	free(o.actions);
	free(o.attach);
	return finish(status);
}
