/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bulk transfers: copy, dump, restore, fill. An output file is written whole
 * or not at all (a temporary file beside it, then rename); a source file is
 * read whole before anything is written.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"

/* Dumps stream through a buffer of this size. */
#define CHUNK (1u << 20)

/* One side of a copy. */
struct operand {
	bool is_file;
	char *path;                /* file */
	struct iod_region *region; /* region */
	uint64_t offset;
	uint64_t len;              /* known length */
	bool has_len;
	struct iod_strbuf canon;   /* how to name it in messages */
};

static void operand_release(struct operand *o)
{
	free(o->path);
	iod_strbuf_release(&o->canon);
}

/*
 * Reads the next operand at *p: a file:PATH word, or a path or location
 * expression. Reports its own errors; on failure *o holds nothing.
 */
static int next_operand(struct session *s, const char **p, bool file_ok, struct operand *o)
{
	const char *q = session_skip(*p);
	struct iod_expr *e = NULL;
	struct iod_error *err;
	size_t used = 0, pos = 0;

	memset(o, 0, sizeof(*o));
	if (file_ok && (!strncmp(q, "file:", 5) || !strncmp(q, "\"file:", 6))) {
		struct iod_strbuf w = { 0 };

		if (!session_word(&q, &w, &err) || err) {
			iod_strbuf_release(&w);
			return session_fail(s, err ? err : &iod_error_nomem);
		}
		o->is_file = true;
		o->path = strdup(w.data + 5);
		iod_strbuf_release(&w);
		*p = q;
		if (!o->path || !*o->path) {
			err = o->path ? iod_error_new(IOD_ERR_SYNTAX, "file: needs a path")
				      : &iod_error_nomem;
			operand_release(o);
			return session_fail(s, err);
		}
		iod_strbuf_printf(&o->canon, "file:%s", o->path);
		return 0;
	}
	err = iod_expr_parse(q, &e, &used, &pos);
	if (err)
		return cmd_syntax(s, err, q, pos);
	*p = q + used;
	if (iod_expr_is_path(e)) {
		struct iod_view v;

		err = iod_expr_eval_view(e, &s->env, &v, &o->canon);
		if (!err && v.bit_size)
			err = iod_error_new(IOD_ERR_TYPE, "%s is a bitfield: copies take whole bytes",
					    iod_strbuf_str(&o->canon));
		if (!err) {
			o->region = v.region;
			o->offset = v.offset;
			o->len = iod_view_size(&v);
			o->has_len = true;
		}
	} else if (iod_expr_is_loc(e)) {
		err = iod_expr_eval_loc(e, &s->env, &o->region, &o->offset);
		if (!err)
			iod_strbuf_printf(&o->canon, "%s+0x%" PRIx64, o->region->name, o->offset);
	} else {
		err = iod_error_new(IOD_ERR_SYNTAX, "expected a path, REGION+OFFSET%s",
				    file_ok ? " or file:PATH" : "");
	}
	iod_expr_free(e);
	if (err) {
		operand_release(o);
		return session_fail(s, err);
	}
	return 0;
}

/* An optional trailing length (or byte) expression; *has says whether one was given. */
static int opt_number(struct session *s, const char **p, const char *what, uint64_t *ret,
		      bool *has)
{
	const char *q = session_skip(*p);
	struct iod_expr *e = NULL;
	struct iod_error *err;
	size_t used = 0, pos = 0;
	int64_t v;

	*has = false;
	if (!*q)
		return 0;
	/* a plain size (4096, 0x1000, 8M) as the spec writes sizes */
	{
		size_t n = strcspn(q, " \t");
		char word[64];
		uint64_t v;

		if (n < sizeof(word)) {
			memcpy(word, q, n);
			word[n] = 0;
			err = iod_parse_number(word, true, &v);
			if (!err) {
				*p = q + n;
				*ret = v;
				*has = true;
				return 0;
			}
			iod_error_free(err);
		}
	}
	err = iod_expr_parse(q, &e, &used, &pos);
	if (err)
		return cmd_syntax(s, err, q, pos);
	err = iod_expr_eval_int(e, &s->env, NULL, &v);
	iod_expr_free(e);
	if (!err && v < 0)
		err = iod_error_new(IOD_ERR_VALUE, "%s %" PRId64 " is negative", what, v);
	if (err)
		return session_fail(s, err);
	*p = q + used;
	*ret = (uint64_t)v;
	*has = true;
	return 0;
}

static int trailing(struct session *s, const char *p, const char *usage)
{
	if (*session_skip(p))
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "unexpected '%s': usage: %s",
						     session_skip(p), usage));
	return 0;
}

/* ---- files ---- */

/*
 * The bytes of a regular file: want of them with has_want, else all. A file
 * that says it has 0 bytes (procfs, some debugfs files) may well have more:
 * it is read to its end, at most want bytes, or limit without has_want.
 */
static struct iod_error *read_file(const char *path, uint64_t want, bool has_want,
				   uint64_t limit, uint8_t **buf, uint64_t *len)
{
	bool unknown;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct iod_error *err = NULL;
	struct stat st;
	uint64_t size, got = 0;
	uint8_t *data;

	if (fd < 0) {
		int e = errno;

		/* A socket cannot be opened at all (ENXIO): it is not a regular file either. */
		if (e == ENXIO && stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			return iod_error_new(IOD_ERR_TYPE, "%s: not a regular file", path);
		return iod_error_os(e, "%s", path);
	}
	if (fstat(fd, &st) < 0) {
		err = iod_error_os(errno, "%s", path);
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return iod_error_new(IOD_ERR_TYPE, "%s: not a regular file", path);
	}
	unknown = st.st_size == 0;
	size = has_want ? want : unknown ? limit : (uint64_t)st.st_size;
	if (has_want && !unknown && (uint64_t)st.st_size < want) {
		close(fd);
		return iod_error_new(IOD_ERR_BOUNDS, "%s is %" PRIu64 " bytes, shorter than the %"
				     PRIu64 " to copy", path, (uint64_t)st.st_size, want);
	}
	if (posix_memalign((void **)&data, 4096, size ? size : 1))
		data = NULL;
	if (!data) {
		close(fd);
		return &iod_error_nomem;
	}
	while (got < size) {
		ssize_t n = pread(fd, data + got, size - got > CHUNK ? CHUNK : size - got,
				  (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 && unknown && !has_want)
			break;
		if (n <= 0) {
			/* the file shrank under us: nothing has been written yet */
			err = n < 0 ? iod_error_os(errno, "%s: read", path)
				    : iod_error_new(IOD_ERR_BOUNDS, "%s ended after %" PRIu64
						    " of %" PRIu64 " bytes", path, got, size);
			break;
		}
		got += (uint64_t)n;
	}
	close(fd);
	if (err) {
		free(data);
		return err;
	}
	*buf = data;
	*len = got;
	return NULL;
}

/* The destination of a dump: in place for devices and FIFOs, else a temporary
   file beside the real one, renamed over it at the end. */
struct outfile {
	int fd;
	int names_fd;          /* the descriptor a /dev/fd/N name stands for, or -1 */
	char *shown;           /* the path as given, for messages */
	char *final;
	char *temp;
};

/*
 * The descriptor a path names when it goes through /dev/fd/N or
 * /proc/self/fd/N (as /dev/stdout does), or -1. Such a name is written
 * through the process's own descriptor: reopening it would start a regular
 * file over at offset 0, and it has no directory to put a temporary in (a
 * pipe's link leads nowhere).
 */
static int names_descriptor(const char *path)
{
	char cur[PATH_MAX], link[PATH_MAX];

	if (snprintf(cur, sizeof(cur), "%s", path) >= (int)sizeof(cur))
		return -1;
	for (int hops = 0; hops < 40; hops++) {
		const char *num = !strncmp(cur, "/dev/fd/", 8) ? cur + 8 :
				  !strncmp(cur, "/proc/self/fd/", 14) ? cur + 14 : NULL;
		ssize_t n;

		if (num && *num >= '0' && *num <= '9' && strspn(num, "0123456789") == strlen(num) &&
		    strlen(num) < 8)
			return atoi(num);
		n = readlink(cur, link, sizeof(link) - 1);
		if (n < 0)
			return -1;
		link[n] = 0;
		if (link[0] == '/') {
			memcpy(cur, link, (size_t)n + 1);
		} else {
			char *slash = strrchr(cur, '/');
			size_t dir = slash ? (size_t)(slash - cur) + 1 : 0;

			if (dir + (size_t)n >= sizeof(cur))
				return -1;
			memcpy(cur + dir, link, (size_t)n + 1);
		}
	}
	return -1;
}

static struct iod_error *outfile_open(const char *path, struct outfile *o)
{
	char resolved[PATH_MAX], *dir_copy, *base_copy;
	struct stat st;
	mode_t mode = 0;
	bool exists;
	int fdnum;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->names_fd = -1;
	o->shown = strdup(path);
	if (!o->shown)
		return &iod_error_nomem;
	exists = stat(path, &st) == 0;
	if (exists && S_ISDIR(st.st_mode))
		return iod_error_new(IOD_ERR_TYPE, "%s: is a directory", path);
	fdnum = exists ? names_descriptor(path) : -1;
	if (fdnum >= 0) {
		o->final = strdup(path);
		if (!o->final)
			return &iod_error_nomem;
		/* What was printed before goes out first. */
		fflush(stdout);
		fflush(stderr);
		o->names_fd = fdnum;
		o->fd = fcntl(fdnum, F_DUPFD_CLOEXEC, 3);
		return o->fd < 0 ? iod_error_os(errno, "%s", path) : NULL;
	}
	if (exists && !S_ISREG(st.st_mode)) {
		o->final = strdup(path);
		if (!o->final)
			return &iod_error_nomem;
		/* A FIFO's open waits for a reader: Ctrl-C ends the wait (EINTR). */
		o->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (o->fd < 0 && errno == EINTR)
			return iod_error_new(IOD_ERR_INTERRUPTED, "interrupted after 0 bytes written");
		return o->fd < 0 ? iod_error_os(errno, "%s", path) : NULL;
	}
	/* Follow a symlink to the file it names, so the link survives. */
	if (exists && !realpath(path, resolved))
		return iod_error_os(errno, "%s", path);
	if (!exists && lstat(path, &st) == 0)
		return iod_error_new(IOD_ERR_OS, "%s: a symbolic link to nothing", path);
	o->final = strdup(exists ? resolved : path);
	if (!o->final)
		return &iod_error_nomem;
	if (exists)
		mode = st.st_mode & 07777;
	dir_copy = strdup(o->final);
	base_copy = strdup(o->final);
	if (!dir_copy || !base_copy ||
	    asprintf(&o->temp, "%s/.%s.iodbg-XXXXXX", dirname(dir_copy), basename(base_copy)) < 0) {
		o->temp = NULL;
		free(dir_copy);
		free(base_copy);
		return &iod_error_nomem;
	}
	free(dir_copy);
	free(base_copy);
	o->fd = mkostemp(o->temp, O_CLOEXEC);
	if (o->fd < 0) {
		struct iod_error *err = iod_error_os(errno, "%s", path);

		free(o->temp);
		o->temp = NULL;
		return err;
	}
	if (!exists) {
		/* mkostemp makes 0600; a new file gets the usual 0666 less the umask */
		mode_t mask = umask(0);

		umask(mask);
		mode = 0666 & ~mask;
	}
	if (fchmod(o->fd, mode) < 0) {
		struct iod_error *err = iod_error_os(errno, "%s", path);

		close(o->fd);
		unlink(o->temp);
		return err;
	}
	return NULL;
}

static struct iod_error *outfile_write(struct outfile *o, const uint8_t *buf, uint64_t len)
{
	while (len) {
		ssize_t n = write(o->fd, buf, len > CHUNK ? CHUNK : len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? iod_error_os(errno, "%s: write", o->shown)
				     : iod_error_new(IOD_ERR_OS, "%s: short write", o->shown);
		buf += n;
		len -= (uint64_t)n;
	}
	return NULL;
}

/* Finishes (commit) or abandons the file; the temporary never stays behind. */
static struct iod_error *outfile_close(struct outfile *o, bool commit)
{
	struct iod_error *err = NULL;

	if (o->fd >= 0 && close(o->fd) < 0 && commit)
		err = iod_error_os(errno, "%s: close", o->shown);
	if (o->temp) {
		if (commit && !err && rename(o->temp, o->final) < 0)
			err = iod_error_os(errno, "%s", o->shown);
		if (!commit || err)
			unlink(o->temp);
	}
	free(o->temp);
	free(o->final);
	free(o->shown);
	return err;
}

/* ---- the commands ---- */

static struct iod_error *region_to_file(struct session *s, struct iod_region *r, uint64_t off,
					uint64_t len, const char *path)
{
	struct outfile out;
	struct iod_error *err = outfile_open(path, &out);
	uint8_t *buf;
	uint64_t done = 0;

	if (err) {
		outfile_close(&out, false);
		return err;
	}
	/* page-aligned, as dd's: a misaligned buffer made the kernel's copies twice as slow */
	if (posix_memalign((void **)&buf, 4096, len < CHUNK ? (len ? len : 1) : CHUNK))
		buf = NULL;
	if (!buf) {
		outfile_close(&out, false);
		return &iod_error_nomem;
	}
	while (!err && done < len) {
		uint64_t n = len - done < CHUNK ? len - done : CHUNK;

		if (s->interrupted)
			err = iod_error_new(IOD_ERR_INTERRUPTED, "interrupted after %" PRIu64
					    " bytes written", done);
		if (!err)
			err = iod_copy_from(&s->io, r, off + done, buf, n);
		if (!err)
			err = outfile_write(&out, buf, n);
		done += n;
	}
	free(buf);
	/* /dev/stdout into a closed pipe is the closed output of spec §6: quietly, status 1 */
	if (err && err->errnum == EPIPE && out.names_fd == STDOUT_FILENO)
		session_stdout_closed(s);
	if (err) {
		outfile_close(&out, false);
		return err;
	}
	return outfile_close(&out, true);
}

static int do_copy(struct session *s, struct operand *src, struct operand *dst, uint64_t len,
		   bool has_len)
{
	struct iod_error *err = NULL;

	if (src->is_file && dst->is_file)
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX,
						     "copy: one side must be a region"));
	if (src->is_file) {
		uint8_t *buf = NULL;
		uint64_t flen = 0;

		if (!has_len && !dst->has_len)
			return session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "copy: give LEN: %s has"
							     " no length", iod_strbuf_str(&dst->canon)));
		if (has_len && dst->has_len && len > dst->len)
			return session_fail(s, iod_error_new(IOD_ERR_BOUNDS, "copy: %" PRIu64 " bytes"
							     " do not fit in %s (%" PRIu64 " bytes)",
							     len, iod_strbuf_str(&dst->canon), dst->len));
		/* a file of unknown size is read up to one byte more than the destination */
		err = read_file(src->path, has_len ? len : 0, has_len,
				dst->len < UINT64_MAX ? dst->len + 1 : dst->len, &buf, &flen);
		if (!err && !has_len && flen > dst->len)
			err = iod_error_new(IOD_ERR_BOUNDS, "%s is longer than %s (%" PRIu64
					    " bytes; give LEN to copy a prefix)", src->path,
					    iod_strbuf_str(&dst->canon), dst->len);
		else if (!err && !has_len && flen != dst->len)
			err = iod_error_new(IOD_ERR_BOUNDS, "%s is %" PRIu64 " bytes but %s is %"
					    PRIu64 " (give LEN to copy a prefix)", src->path, flen,
					    iod_strbuf_str(&dst->canon), dst->len);
		if (!err)
			err = iod_copy_to(&s->io, dst->region, dst->offset, buf, flen);
		free(buf);
		return err ? session_fail(s, err) : 0;
	}
	if (!has_len) {
		if (src->has_len && dst->has_len && src->len != dst->len)
			return session_fail(s, iod_error_new(IOD_ERR_BOUNDS, "copy: %s is %" PRIu64
							     " bytes but %s is %" PRIu64 " (give LEN)",
							     iod_strbuf_str(&src->canon), src->len,
							     iod_strbuf_str(&dst->canon), dst->len));
		if (!src->has_len && !dst->has_len)
			return session_fail(s, iod_error_new(IOD_ERR_SYNTAX,
							     "copy: give LEN: neither side has a"
							     " length"));
		len = src->has_len ? src->len : dst->len;
	} else {
		struct operand *o = src->has_len && len > src->len ? src
				    : !dst->is_file && dst->has_len && len > dst->len ? dst : NULL;

		if (o)
			return session_fail(s, iod_error_new(IOD_ERR_BOUNDS, "copy: %" PRIu64
							     " bytes are more than %s (%" PRIu64
							     " bytes)", len, iod_strbuf_str(&o->canon),
							     o->len));
	}
	if (dst->is_file)
		err = region_to_file(s, src->region, src->offset, len, dst->path);
	else
		err = iod_copy(&s->io, dst->region, dst->offset, src->region, src->offset, len);
	return err ? session_fail(s, err) : 0;
}

int cmd_copy(struct session *s, const char *cmd, const char *args)
{
	struct operand src, dst;
	const char *p = args;
	uint64_t len = 0;
	bool has_len = false;
	int status = 1;

	(void)cmd;
	if (!*session_skip(p))
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "usage: copy SRC DST [LEN]"));
	if (next_operand(s, &p, true, &src))
		return 1;
	if (!*session_skip(p)) {
		operand_release(&src);
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "usage: copy SRC DST [LEN]"));
	}
	if (!next_operand(s, &p, true, &dst)) {
		if (!opt_number(s, &p, "LEN", &len, &has_len) &&
		    !trailing(s, p, "copy SRC DST [LEN]"))
			status = do_copy(s, &src, &dst, len, has_len);
		operand_release(&dst);
	}
	operand_release(&src);
	return status;
}

/* Where the last word of args begins (a "quoted string" counts as one). */
static const char *last_word(const char *args, struct iod_strbuf *word, struct iod_error **err)
{
	struct iod_strbuf w = { 0 };
	const char *p = args, *start = NULL;

	*err = NULL;
	for (;;) {
		const char *at = session_skip(p);

		if (!session_word(&p, &w, err))
			break;
		start = at;
		iod_strbuf_reset(word);
		iod_strbuf_add(word, w.data, w.len);
	}
	iod_strbuf_release(&w);
	return *err ? NULL : start;
}

int cmd_dump(struct session *s, const char *cmd, const char *args)
{
	struct iod_strbuf file = { 0 };
	struct operand src, dst = { .is_file = true };
	struct iod_error *err = NULL;
	const char *at = last_word(args, &file, &err), *p;
	char *path_text;
	int status = 1;

	(void)cmd;
	/* FILE is the last word, so a path to it may hold '/' unquoted */
	if (err || !at || at == session_skip(args)) {
		iod_strbuf_release(&file);
		return session_fail(s, err ? err : iod_error_new(IOD_ERR_SYNTAX,
								 "usage: dump PATH FILE"));
	}
	path_text = cmd_trimmed(args, at);
	if (!path_text) {
		iod_strbuf_release(&file);
		return session_fail(s, &iod_error_nomem);
	}
	p = path_text;
	if (next_operand(s, &p, false, &src)) {
		free(path_text);
		iod_strbuf_release(&file);
		return 1;
	}
	if (trailing(s, p, "dump PATH FILE")) {
		status = 1;
	} else if (!src.has_len) {
		status = session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "dump: %s has no length:"
						       " use copy REGION+OFF file:FILE LEN",
						       iod_strbuf_str(&src.canon)));
	} else {
		dst.path = strdup(file.data);
		status = dst.path ? do_copy(s, &src, &dst, 0, false) : session_fail(s, &iod_error_nomem);
	}
	operand_release(&src);
	operand_release(&dst);
	iod_strbuf_release(&file);
	free(path_text);
	return status;
}

int cmd_restore(struct session *s, const char *cmd, const char *args)
{
	struct iod_strbuf file = { 0 };
	struct operand src = { .is_file = true }, dst;
	const char *p = args;
	struct iod_error *err = NULL;
	int status = 1;

	(void)cmd;
	if (!session_word(&p, &file, &err)) {
		iod_strbuf_release(&file);
		return session_fail(s, err ? err : iod_error_new(IOD_ERR_SYNTAX,
								 "usage: restore FILE PATH"));
	}
	src.path = strdup(file.data);
	iod_strbuf_release(&file);
	if (!src.path)
		return session_fail(s, &iod_error_nomem);
	if (!*session_skip(p)) {
		status = session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "usage: restore FILE PATH"));
	} else if (!next_operand(s, &p, false, &dst)) {
		if (!trailing(s, p, "restore FILE PATH"))
			status = do_copy(s, &src, &dst, 0, false);
		operand_release(&dst);
	}
	operand_release(&src);
	return status;
}

int cmd_fill(struct session *s, const char *cmd, const char *args)
{
	struct operand o;
	const char *p = args;
	uint64_t byte = 0, len = 0;
	bool has_byte = false, has_len = false;
	struct iod_error *err;
	int status = 1;

	(void)cmd;
	if (!*session_skip(p))
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX,
						     "usage: fill LOC|PATH BYTE [LEN]"));
	if (next_operand(s, &p, false, &o))
		return 1;
	if (opt_number(s, &p, "BYTE", &byte, &has_byte) ||
	    opt_number(s, &p, "LEN", &len, &has_len) || trailing(s, p, "fill LOC|PATH BYTE [LEN]"))
		goto out;
	if (!has_byte || byte > 0xff) {
		status = session_fail(s, iod_error_new(IOD_ERR_VALUE, has_byte
						       ? "fill: BYTE must be 0..255"
						       : "usage: fill LOC|PATH BYTE [LEN]"));
		goto out;
	}
	if (!has_len && !o.has_len) {
		status = session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "fill: give LEN: %s has no"
						       " length", iod_strbuf_str(&o.canon)));
		goto out;
	}
	if (has_len && o.has_len && len > o.len) {
		status = session_fail(s, iod_error_new(IOD_ERR_BOUNDS, "fill: %" PRIu64 " bytes are"
						       " more than %s (%" PRIu64 " bytes)", len,
						       iod_strbuf_str(&o.canon), o.len));
		goto out;
	}
	err = iod_fill(&s->io, o.region, o.offset, (uint8_t)byte, has_len ? len : o.len);
	status = err ? session_fail(s, err) : 0;
out:
	operand_release(&o);
	return status;
}
