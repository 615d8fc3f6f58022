/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The stock type library and profiles (spec §7): the search path, and `load NAME`. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iodbg/dwarf.h"

struct dirs {
	char *v[32];
	size_t n;
};

static void dirs_add(struct dirs *d, char *dir)
{
	if (!dir)
		return;
	if (d->n == sizeof(d->v) / sizeof(d->v[0])) {
		free(dir);
		return;
	}
	d->v[d->n++] = dir;
}

static char *fmt(const char *f, const char *a, const char *b)
{
	char *s;

	return asprintf(&s, f, a, b) < 0 ? NULL : s;
}

/* The directory of the running executable, or NULL. */
static char *exe_dir(void)
{
	char *buf = malloc(PATH_MAX), *slash;
	ssize_t n;

	if (!buf)
		return NULL;
	n = readlink("/proc/self/exe", buf, PATH_MAX - 1);
	if (n <= 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash) {
		free(buf);
		return NULL;
	}
	*slash = '\0';
	return buf;
}

/* The search path of spec §7, in order. */
static void search_path(struct dirs *d)
{
	const char *env = getenv("IODBG_TYPEDB"), *xdg, *home;
	char *exe;

	/* $IODBG_TYPEDB may list several directories, like PATH. */
	if (env && *env) {
		char *copy = strdup(env), *save = NULL;

		for (char *tok = copy ? strtok_r(copy, ":", &save) : NULL; tok;
		     tok = strtok_r(NULL, ":", &save))
			dirs_add(d, strdup(tok));
		free(copy);
	}
	xdg = getenv("XDG_DATA_HOME");
	home = getenv("HOME");
	if (xdg && xdg[0] == '/')
		dirs_add(d, fmt("%s/iodbg/typedb%s", xdg, ""));
	else if (home && *home)
		dirs_add(d, fmt("%s/.local/share/iodbg/typedb%s", home, ""));
	exe = exe_dir();
	if (exe) {
		/* Installed: <bindir>/../share/iodbg/typedb, wherever the tree was put. */
		dirs_add(d, fmt("%s/../share/iodbg/typedb%s", exe, ""));
		/* The build tree: build/iodbg beside the objects in build/typedb, and the sources' typedb/profiles. */
		dirs_add(d, fmt("%s/typedb%s", exe, ""));
		dirs_add(d, fmt("%s/../typedb%s", exe, ""));
		free(exe);
	}
}

struct iod_error *iod_typedb_find_file(const char *relpath, char **ret)
{
	struct dirs d = { .n = 0 };
	struct iod_error *err = NULL;
	char *found = NULL;

	if (!relpath || !*relpath || relpath[0] == '/')
		return iod_error_new(IOD_ERR_LOOKUP, "'%s': not a name in the type library",
				     relpath ? relpath : "");
	search_path(&d);
	for (size_t i = 0; i < d.n && !found; i++) {
		struct stat st;
		char *cand = fmt("%s/%s", d.v[i], relpath);

		if (cand && !stat(cand, &st) && S_ISREG(st.st_mode)) {
			found = realpath(cand, NULL);
			if (!found)
				found = cand, cand = NULL;
		}
		free(cand);
	}
	if (!found) {
		char *list = NULL;
		size_t size = 0;
		FILE *f = open_memstream(&list, &size);

		for (size_t i = 0; f && i < d.n; i++)
			fprintf(f, "%s%s", i ? ", " : "", d.v[i]);
		if (f)
			fclose(f);
		err = iod_error_new(IOD_ERR_LOOKUP, "%s: not found in the type library (searched %s)",
				    relpath, list && *list ? list : "nothing");
		free(list);
	}
	for (size_t i = 0; i < d.n; i++)
		free(d.v[i]);
	if (!err)
		*ret = found;
	return err;
}

struct iod_error *iod_load_types(struct iod_typedb *db, const char *file_or_name,
				 const struct iod_dwarf_options *opts, char **ret_read)
{
	struct iod_error *err;
	char *rel, *path = NULL;
	size_t len;

	if (!file_or_name || !*file_or_name)
		return iod_error_new(IOD_ERR_SYNTAX, "missing file or type library name");
	/* An existing file wins: `load pci` in a directory holding a file "pci" reads that file. */
	if (strchr(file_or_name, '/') || !access(file_or_name, F_OK))
		return iod_dwarf_load(db, file_or_name, opts, ret_read);
	/* `load pci`, and also `load pci.o`. */
	len = strlen(file_or_name);
	if (len > 2 && !strcmp(file_or_name + len - 2, ".o"))
		rel = strdup(file_or_name);
	else if (asprintf(&rel, "%s.o", file_or_name) < 0)
		rel = NULL;
	if (!rel)
		return &iod_error_nomem;
	err = iod_typedb_find_file(rel, &path);
	free(rel);
	if (err)
		return iod_error_prefix(iod_error_prefix(err, "no such file, nor stock type library"),
					"%s", file_or_name);
	err = iod_dwarf_load(db, path, opts, ret_read);
	free(path);
	return err;
}
