/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Paths and expressions (spec §5): parsed once into a tree, then evaluated
 * against a session to a view (a path) or a 64-bit value.
 */
#ifndef IODBG_EXPR_H
#define IODBG_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iodbg/error.h"
#include "iodbg/io.h"
#include "iodbg/strbuf.h"
#include "iodbg/types.h"

struct iod_expr;

/*
 * Parses the longest expression at the start of text. *consumed (may be NULL)
 * is where it stopped, after trailing white space: the caller decides whether
 * what follows is allowed (a keyword like "timeout", or nothing). A syntax
 * error is IOD_ERR_SYNTAX and *err_pos (may be NULL) is the byte offset of
 * the offending token, for a caret.
 */
struct iod_error *iod_expr_parse(const char *text, struct iod_expr **ret, size_t *consumed,
				 size_t *err_pos);
void iod_expr_free(struct iod_expr *e);

/* True when the expression is a path: a root followed by .field, [i], [a..b]. */
bool iod_expr_is_path(const struct iod_expr *e);
/* For a location "REGION" or "REGION+EXPR" (also "REGION-EXPR"): the parts.
   A bare name is both a path and a location (see iod_expr_name). */
bool iod_expr_is_loc(const struct iod_expr *e);
/*
 * The name when the expression is one bare identifier, else NULL. Whether it
 * is a view, a region or an enumerator is known only at evaluation: try
 * iod_expr_eval_view (or _loc), and on IOD_ERR_LOOKUP fall back to the other
 * or to iod_expr_eval_int (print GSP_READY, x/4x gsp).
 */
const char *iod_expr_name(const struct iod_expr *e);
/*
 * True when evaluating e touches no region, decided from the tree: as a path
 * (iod_expr_eval_view) when it is one, else as a location (iod_expr_eval_loc)
 * when it is one, else as a value (iod_expr_eval_int). Indices and offsets
 * made of numbers, $variables, sizeof and offsetof read nothing; any other
 * name may be a scalar view and counts as a read. For Tab completion, which
 * must never read a register.
 */
bool iod_expr_reads_nothing(const struct iod_expr *e);

/* What evaluation needs from the session. */
struct iod_expr_env {
	struct iod_typedb *db;
	struct iod_io *io;
	/* A bound view by name; IOD_ERR_LOOKUP when there is none. */
	struct iod_error *(*view)(void *ctx, const char *name, struct iod_view *ret);
	/* A region by name; IOD_ERR_LOOKUP when there is none. */
	struct iod_error *(*region)(void *ctx, const char *name, struct iod_region **ret);
	/* $name; IOD_ERR_LOOKUP when unset. */
	struct iod_error *(*var)(void *ctx, const char *name, int64_t *ret);
	/* Told of every scalar read during evaluation (poll shows the last ones); may be NULL. */
	void (*on_read)(void *ctx, const char *path, const struct iod_view *v, uint64_t raw);
	void *ctx;
};

/*
 * A path to its view. canon (may be NULL) receives the path as spec §8 prints
 * it: no white space outside type names, each index replaced by its decimal
 * value (gsp.cmdq[$i + 1].head -> gsp.cmdq[4].head); it is appended to, and
 * only on success. Projection errors are prefixed with the canonical path up
 * to the offending step ("gsp.cmdq[8]: index 8 out of range 0..8"). Nothing
 * is accessed except scalars read to compute indices. A root name that is no
 * view is IOD_ERR_LOOKUP ("no view named 'x'").
 */
struct iod_error *iod_expr_eval_view(const struct iod_expr *e, const struct iod_expr_env *env,
				     struct iod_view *ret, struct iod_strbuf *canon);

/*
 * An expression to a 64-bit two's complement value; scalar paths are read
 * through the one access path (signed types and bitfields sign-extended,
 * bool 0 or 1), env->on_read told of each. enum_hint (may be NULL) is the
 * type a bare enumerator name is looked up in first (the field being
 * assigned); next, beside a path in a comparison or & | ^, that path's enum
 * (gsp.state == READY); then every enum in env->db, where two different
 * values are an ambiguity error. / and % truncate toward zero, division by
 * zero is an error, INT64_MIN / -1 wraps; >> is logical (the bit pattern of
 * a register); a shift count outside 0..63 gives 0; comparisons are signed;
 * && and || do not evaluate (so do not read) the side they do not need.
 * sizeof(TYPE|PATH); offsetof(PATH) from the root of its view, or
 * offsetof(TYPE, MEMBER) as in C; a bitfield's is that of its storage unit.
 */
struct iod_error *iod_expr_eval_int(const struct iod_expr *e, const struct iod_expr_env *env,
				    const struct iod_type *enum_hint, int64_t *ret);

/* A location to (region, offset). */
struct iod_error *iod_expr_eval_loc(const struct iod_expr *e, const struct iod_expr_env *env,
				    struct iod_region **region, uint64_t *offset);

/* The source text of e with white space removed outside type names. */
void iod_expr_text(const struct iod_expr *e, struct iod_strbuf *out);

/*
 * Numbers as the spec writes them: 0x, 0b, 0o prefixes, '_' separators;
 * with sizes, a K, M or G suffix (binary). The whole of text must be used.
 */
struct iod_error *iod_parse_number(const char *text, bool sizes, uint64_t *ret);
/* Durations: 10us, 5ms, 2s (also ns and m); the result in nanoseconds. */
struct iod_error *iod_parse_duration(const char *text, uint64_t *ret);

#endif
