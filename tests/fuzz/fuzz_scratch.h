// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the fuzz targets that run commands share to stay inside a scratch
 * directory: one made below the run's own directory (tests/run-fuzz.sh
 * starts there, and empties it), with empty stand-ins for /sys and /dev and
 * a HOME of its own, and a test of whether a command line could name a file
 * outside it; and the input as a string.
 */
#ifndef IODBG_FUZZ_SCRATCH_H
#define IODBG_FUZZ_SCRATCH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Makes scratch-XXXXXX/{sys,dev,home} and enters scratch-XXXXXX/work (also
 * the current directory from then on). IODBG_DEVDIR and HOME point into it;
 * no PCI dump, type library or data directory of this machine is seen. sysdir
 * receives the stand-in for /sys, for the session's sysfs root.
 */
static inline void fuzz_scratch_setup(char *sysdir, size_t size)
{
	char dir[] = "scratch-XXXXXX", cwd[PATH_MAX], devdir[PATH_MAX + 8], home[PATH_MAX + 8];

	if (!mkdtemp(dir) || chdir(dir) || !getcwd(cwd, sizeof(cwd)))
		abort();
	snprintf(sysdir, size, "%s/sys", cwd);
	snprintf(devdir, sizeof(devdir), "%s/dev", cwd);
	snprintf(home, sizeof(home), "%s/home", cwd);
	if (mkdir(sysdir, 0700) || mkdir(devdir, 0700) || mkdir(home, 0700) ||
	    mkdir("work", 0700) || chdir("work"))
		abort();
	if (setenv("IODBG_DEVDIR", devdir, 1) || setenv("HOME", home, 1) ||
	    unsetenv("IODBG_PCI_DUMP") || unsetenv("IODBG_TYPEDB") || unsetenv("XDG_DATA_HOME"))
		abort();
	if (!freopen("/dev/null", "r", stdin))
		abort();
}

/* The input as a NUL-terminated string (malloc'd; NULL when out of memory). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text) {
		memcpy(text, data, size);
		text[size] = 0;
	}
	return text;
}

/* The byte a C escape starting after the backslash at p makes (as session_word
   reads strings), or -1 for an escape that is no number. */
static inline int fuzz_escaped(const uint8_t *p, const uint8_t *end)
{
	int v = 0, n = 0;

	if (p < end && *p == 'x') {
		for (p++; n < 2 && p < end && *p && strchr("0123456789abcdefABCDEF", *p); p++, n++)
			v = v * 16 + (*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
		return n ? v : -1;
	}
	for (; n < 3 && p < end && *p >= '0' && *p <= '7'; p++, n++)
		v = v * 8 + (*p - '0');
	return n ? v : -1;
}

static inline bool fuzz_word_char(uint8_t c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_' ||
	       c == ')' || c == ']';
}

/*
 * Could this line name a file outside the scratch directory? Such a path has a
 * '/' at the start of a word (absolute, "file:/x", "\"/x"), after '.' ("../")
 * or before '.' or '/' ("x/..", "x//"), or a string escape that makes a '/'.
 * Division (6/2, b[1]/2, $i/2) and print/x, x/4xw are none of these, and a
 * relative "a/b" names nothing, as no command can make a directory.
 */
static inline bool fuzz_line_ok(const uint8_t *line, const uint8_t *end)
{
	for (const uint8_t *p = line; p < end; p++) {
		if (*p == '\\' && fuzz_escaped(p + 1, end) == '/')
			return false;
		if (*p == '/' && (p == line || !fuzz_word_char(p[-1]) ||
				  (p + 1 < end && (p[1] == '.' || p[1] == '/'))))
			return false;
	}
	return true;
}

#endif
