/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command table, dispatch, and the commands about names, settings and help. */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "iodbg/dwarf.h"

/* ---- small parsing helpers shared by the commands ---- */

struct iod_error *cmd_parse_all(const char *text, struct iod_expr **ret, size_t *err_pos)
{
	size_t used = 0;
	struct iod_error *err = iod_expr_parse(text, ret, &used, err_pos);

	if (err)
		return err;
	if (text[used]) {
		iod_expr_free(*ret);
		*ret = NULL;
		*err_pos = used;
		return iod_error_new(IOD_ERR_SYNTAX, "unexpected '%s'", text + used);
	}
	return NULL;
}

int cmd_syntax(struct session *s, struct iod_error *err, const char *text, size_t pos)
{
	if (err->kind == IOD_ERR_SYNTAX)
		return session_fail_at(s, err, text, pos);
	return session_fail(s, err);
}

/* Words of args: exactly n required (and at most max). */
int cmd_words(struct session *s, const char *args, struct iod_strbuf *w, size_t min, size_t max,
	      const char *synopsis)
{
	const char *p = args;
	size_t n = 0;
	struct iod_error *err;

	for (; n < max; n++)
		if (!session_word(&p, &w[n], &err)) {
			if (err)
				return -session_fail(s, err);
			break;
		}
	if (n < min || *session_skip(p))
		return -session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "usage: %s", synopsis));
	return (int)n;
}

/* ---- naming ---- */

/*
 * After a PCI device's regions are in: keep the device for `info device`,
 * bind its typed view `pci` (or NAME_pci) from the stock pci types, and run
 * its profile unless --no-profile. prefix is "" or "NAME_".
 */
static int attach_pci_extras(struct session *s, struct iod_attached *made, const char *prefix)
{
	struct pci_attachment *grown;
	const struct iod_type *t;
	struct iod_error *err;
	char name[160], rel[64];
	char *profile = NULL;
	int status = 0;

	grown = realloc(s->pci, (s->npci + 1) * sizeof(*grown));
	if (!grown || !(prefix = strdup(prefix))) {
		if (grown)
			s->pci = grown;
		return session_fail(s, &iod_error_nomem);
	}
	s->pci = grown;
	s->pci[s->npci++] = (struct pci_attachment){ made->pci, (char *)prefix };
	made->pci = NULL;
	if (made->view_type && made->view_region) {
		struct iod_view v;

		err = iod_typedb_lookup(s->db, made->view_type, &t);
		if (err) {
			/* the stock library has the config header layouts */
			struct iod_dwarf_options opts = { 0 };

			iod_error_free(err);
			err = iod_load_types(s->db, "pci", &opts, NULL);
			if (!err)
				err = iod_typedb_lookup(s->db, made->view_type, &t);
		}
		if (!err)
			err = iod_view_init(made->view_region, 0, t, &v);
		snprintf(name, sizeof(name), "%spci", prefix);
		if (!err)
			err = session_bind_view(s, name, &v);
		if (err)
			session_warn(s, "no view %s: %s", name, err->message);
		iod_error_free(err);
	}
	if (s->no_profile)
		return 0;
	snprintf(rel, sizeof(rel), "profiles/%04x-%04x.iodbg", made->vendor, made->device);
	err = iod_typedb_find_file(rel, &profile);
	if (err) {
		iod_error_free(err);
		snprintf(rel, sizeof(rel), "profiles/%04x.iodbg", made->vendor);
		err = iod_typedb_find_file(rel, &profile);
	}
	if (err) {
		iod_error_free(err);
		return 0;
	}
	{
		const char *saved = s->alias_prefix;

		session_info(s, NULL, "running profile %s", profile);
		session_emit(s);
		s->alias_prefix = prefix;
		status = session_run_file(s, profile);
		s->alias_prefix = saved;
	}
	free(profile);
	return status;
}

/* dmabuf: and udmabuf: regions are both dma0, dma1...: one counter */
static enum iod_target_kind counter_of(enum iod_target_kind kind)
{
	return kind == IOD_TARGET_UDMABUF ? IOD_TARGET_DMABUF : kind;
}

static int cmd_attach(struct session *s, const char *cmd, const char *args)
{
	struct iod_strbuf w[3] = { 0 };
	struct iod_target t;
	struct iod_attached made = { 0 };
	struct iod_attach opts = { .writable = s->may_write, .sysfs = s->sysfs };
	struct iod_error *err;
	char name[256], prefix[260], probe[270];
	int n, status = 1;

	(void)cmd;
	n = cmd_words(s, args, w, 1, 3, "attach TARGET [as NAME]");
	if (n < 0)
		goto out;
	if (n == 2 || (n == 3 && (strcmp(w[1].data, "as") || !session_name_ok(w[2].data)))) {
		status = session_fail(s, iod_error_new(IOD_ERR_SYNTAX,
						       "usage: attach TARGET [as NAME]"));
		goto out;
	}
	err = iod_target_parse(w[0].data, &t);
	if (err) {
		status = session_fail(s, err);
		goto out;
	}
	if (n == 3)
		snprintf(name, sizeof(name), "%s", w[2].data);
	else if (t.kind == IOD_TARGET_PCI)
		name[0] = 0;   /* a device's regions are cfg, bar0..., or NAME_cfg... */
	else
		snprintf(name, sizeof(name), "%s%u", iod_target_stem(t.kind),
			 s->next_index[counter_of(t.kind)]);
	if (t.kind == IOD_TARGET_PCI) {
		snprintf(prefix, sizeof(prefix), "%s%s", name, *name ? "_" : "");
		snprintf(probe, sizeof(probe), "%scfg", prefix);
	} else {
		snprintf(probe, sizeof(probe), "%s", name);
	}
	if (session_region(s, probe) || session_view(s, probe)) {
		iod_target_release(&t);
		status = session_fail(s, iod_error_new(IOD_ERR_LOOKUP, "the name '%s' is taken%s",
						       probe, t.kind == IOD_TARGET_PCI
						       ? ": attach the device with 'as NAME'" : ""));
		goto out;
	}
	opts.warn = cmd_warn_cb;
	opts.ctx = s;
	err = iod_target_attach(&t, name, &opts, &made);
	iod_target_release(&t);
	if (err) {
		status = session_fail(s, err);
		goto out;
	}
	if (n != 3)
		s->next_index[counter_of(t.kind)]++;
	status = 0;
	for (size_t i = 0; i < made.nregions; i++) {
		struct iod_region *r = made.regions[i];

		r->writable = session_region_writable(s, r);
		err = session_add_region(s, r);
		if (err) {
			status = session_fail(s, err);
			continue;
		}
		if (s->json) {
			struct iod_strbuf doc = { 0 };

			iod_strbuf_puts(&doc, "{\"attached\":[");
			cmd_region_json(&doc, r);
			iod_strbuf_puts(&doc, "]}");
			session_info(s, iod_strbuf_str(&doc), "%s", "");
			iod_strbuf_release(&doc);
		} else {
			struct iod_strbuf line = { 0 };

			cmd_region_text(&line, r);
			session_info(s, NULL, "%s", iod_strbuf_str(&line));
			iod_strbuf_release(&line);
		}
	}
	/* the session owns the regions now */
	free(made.regions);
	made.regions = NULL;
	made.nregions = 0;
	if (made.pci && attach_pci_extras(s, &made, prefix))
		status = 1;
out:
	iod_attached_release(&made);
	for (int i = 0; i < 3; i++)
		iod_strbuf_release(&w[i]);
	return status;
}

static void drop_views_of(struct session *s, const struct iod_region *r)
{
	size_t out = 0;

	for (size_t i = 0; i < s->nviews; i++) {
		if (s->views[i].view.region == r) {
			free(s->views[i].name);
			continue;
		}
		s->views[out++] = s->views[i];
	}
	s->nviews = out;
}

static int cmd_detach(struct session *s, const char *cmd, const char *args)
{
	struct iod_strbuf w = { 0 };
	int status = 1;

	(void)cmd;
	if (cmd_words(s, args, &w, 1, 1, "detach NAME") == 1) {
		struct iod_region *r = session_region(s, w.data);

		if (!r) {
			status = session_fail(s, iod_error_new(IOD_ERR_LOOKUP,
							       "no region named '%s'", w.data));
		} else {
			size_t i = 0;

			while (s->regions[i] != r)
				i++;
			drop_views_of(s, r);
			memmove(&s->regions[i], &s->regions[i + 1],
				(s->nregions - i - 1) * sizeof(*s->regions));
			s->nregions--;
			iod_region_free(r);
			status = 0;
		}
	}
	iod_strbuf_release(&w);
	return status;
}

static int cmd_load(struct session *s, const char *cmd, const char *args)
{
	struct iod_strbuf w = { 0 };
	int status = 1;

	(void)cmd;
	if (cmd_words(s, args, &w, 1, 1, "load FILE|NAME") == 1)
		status = cmd_load_types(s, w.data);
	iod_strbuf_release(&w);
	return status;
}

int cmd_load_types(struct session *s, const char *what)
{
	struct iod_dwarf_options opts = { .note = cmd_note_cb, .ctx = s };
	char *read = NULL;
	struct iod_error *err = iod_load_types(s->db, what, &opts, &read);

	if (err)
		return session_fail(s, iod_error_prefix(err, "load %s", what));
	if (s->json) {
		struct iod_strbuf doc = { 0 };

		iod_strbuf_puts(&doc, "{\"loaded\":");
		iod_json_string(&doc, read, strlen(read));
		iod_strbuf_puts(&doc, "}");
		session_info(s, iod_strbuf_str(&doc), "%s", "");
		iod_strbuf_release(&doc);
	} else {
		session_info(s, NULL, "types from %s", read);
	}
	free(read);
	return 0;
}

/* view NAME = TYPE @ LOC */
static int cmd_view(struct session *s, const char *cmd, const char *args)
{
	const char *p = session_skip(args), *eq, *at;
	char *name = NULL, *type = NULL;
	struct iod_expr *loc = NULL;
	const struct iod_type *t;
	struct iod_region *r;
	struct iod_view v;
	struct iod_error *err;
	uint64_t off;
	size_t pos = 0;
	int status = 1;

	(void)cmd;
	eq = strchr(p, '=');
	at = eq ? strrchr(eq, '@') : NULL;
	if (!eq || !at)
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX,
						     "usage: view NAME = TYPE @ LOC"));
	name = cmd_trimmed(p, eq);
	type = cmd_trimmed(eq + 1, at);
	if (!name || !type) {
		status = session_fail(s, &iod_error_nomem);
		goto out;
	}
	if (!session_name_ok(name)) {
		status = session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "'%s' is not a valid view"
						       " name", name));
		goto out;
	}
	if (session_region(s, name)) {
		status = session_fail(s, iod_error_new(IOD_ERR_LOOKUP,
						       "the name '%s' is taken by a region", name));
		goto out;
	}
	err = iod_typedb_lookup(s->db, type, &t);
	if (err) {
		status = session_fail(s, err);
		goto out;
	}
	err = cmd_parse_all(at + 1, &loc, &pos);
	if (err) {
		status = cmd_syntax(s, err, at + 1, pos);
		goto out;
	}
	if (!iod_expr_is_loc(loc)) {
		status = session_fail(s, iod_error_new(IOD_ERR_SYNTAX,
						       "expected a location REGION or REGION+OFFSET"
						       " after '@'"));
		goto out;
	}
	err = iod_expr_eval_loc(loc, &s->env, &r, &off);
	if (!err)
		err = iod_view_init(r, off, t, &v);
	if (err) {
		status = session_fail(s, iod_error_prefix(err, "view %s", name));
		goto out;
	}
	err = session_bind_view(s, name, &v);
	if (err) {
		status = session_fail(s, err);
		goto out;
	}
	status = 0;
out:
	iod_expr_free(loc);
	free(name);
	free(type);
	return status;
}

static int cmd_unview(struct session *s, const char *cmd, const char *args)
{
	struct iod_strbuf w = { 0 };
	int status = 1;

	(void)cmd;
	if (cmd_words(s, args, &w, 1, 1, "unview NAME") == 1) {
		struct named_view *v = session_view(s, w.data);

		if (!v) {
			status = session_fail(s, iod_error_new(IOD_ERR_LOOKUP,
							       "no view named '%s'", w.data));
		} else {
			size_t i = (size_t)(v - s->views);

			free(v->name);
			memmove(v, v + 1, (s->nviews - i - 1) * sizeof(*v));
			s->nviews--;
			status = 0;
		}
	}
	iod_strbuf_release(&w);
	return status;
}

/* ---- listings ---- */

static void widths_text(struct iod_strbuf *o, unsigned widths, bool json)
{
	const char *sep = "";

	for (unsigned w = 1; w <= 8; w <<= 1)
		if (widths & w) {
			iod_strbuf_printf(o, "%s%u", sep, w * 8);
			sep = json ? "," : "/";
		}
}

void cmd_region_json(struct iod_strbuf *o, const struct iod_region *r)
{
	iod_strbuf_puts(o, "{\"name\":");
	iod_json_string(o, r->name, strlen(r->name));
	iod_strbuf_printf(o, ",\"backend\":\"%s\",\"size\":%" PRIu64 ",\"widths\":[",
			  r->ops->name, r->size);
	widths_text(o, r->widths, true);
	iod_strbuf_printf(o, "],\"writable\":%s,\"source\":", r->writable ? "true" : "false");
	iod_json_string(o, r->source, strlen(r->source));
	iod_strbuf_puts(o, "}");
}

void cmd_region_text(struct iod_strbuf *o, const struct iod_region *r)
{
	iod_strbuf_printf(o, "%s: %s, %" PRIu64 " bytes (0x%" PRIx64 "), widths ", r->name,
			  r->ops->name, r->size, r->size);
	widths_text(o, r->widths, false);
	iod_strbuf_printf(o, ", %s, %s", r->writable ? "writable" : "read-only", r->source);
}

static int cmd_regions(struct session *s, const char *cmd, const char *args)
{
	(void)cmd;
	if (*session_skip(args))
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "usage: regions"));
	if (s->json) {
		iod_strbuf_putc(&s->out, '[');
		for (size_t i = 0; i < s->nregions; i++) {
			if (i)
				iod_strbuf_putc(&s->out, ',');
			cmd_region_json(&s->out, s->regions[i]);
		}
		iod_strbuf_puts(&s->out, "]\n");
		return 0;
	}
	for (size_t i = 0; i < s->nregions; i++) {
		cmd_region_text(&s->out, s->regions[i]);
		iod_strbuf_putc(&s->out, '\n');
	}
	return 0;
}

static int cmd_views(struct session *s, const char *cmd, const char *args)
{
	char type[256];

	(void)cmd;
	if (*session_skip(args))
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "usage: views"));
	if (s->json)
		iod_strbuf_putc(&s->out, '[');
	for (size_t i = 0; i < s->nviews; i++) {
		const struct iod_view *v = &s->views[i].view;

		iod_type_name(v->type, type, sizeof(type));
		if (s->json) {
			if (i)
				iod_strbuf_putc(&s->out, ',');
			iod_strbuf_puts(&s->out, "{\"name\":");
			iod_json_string(&s->out, s->views[i].name, strlen(s->views[i].name));
			iod_strbuf_puts(&s->out, ",\"type\":");
			iod_json_string(&s->out, type, strlen(type));
			iod_strbuf_puts(&s->out, ",\"region\":");
			iod_json_string(&s->out, v->region->name, strlen(v->region->name));
			iod_strbuf_printf(&s->out, ",\"offset\":%" PRIu64 ",\"size\":%" PRIu64 "}",
					  v->offset, iod_view_size(v));
		} else {
			iod_strbuf_printf(&s->out, "%s = %s @ %s+0x%" PRIx64 " (%" PRIu64 " bytes)\n",
					  s->views[i].name, type, v->region->name, v->offset,
					  iod_view_size(v));
		}
	}
	if (s->json)
		iod_strbuf_puts(&s->out, "]\n");
	return 0;
}

static int cmd_types(struct session *s, const char *cmd, const char *args)
{
	struct iod_strbuf w = { 0 };
	const struct iod_type *t;
	struct iod_error *err;
	size_t it = 0;
	bool first = true;
	int n = cmd_words(s, args, &w, 0, 1, "types [GLOB]");

	(void)cmd;
	if (n < 0) {
		iod_strbuf_release(&w);
		return 1;
	}
	err = iod_typedb_materialise(s->db, n ? w.data : NULL);
	if (err) {
		iod_strbuf_release(&w);
		return session_fail(s, err);
	}
	if (s->json)
		iod_strbuf_putc(&s->out, '[');
	while ((t = iod_typedb_next(s->db, &it))) {
		char name[512];
		size_t len;

		if (t->kind == IOD_TYPE_STRUCT || t->kind == IOD_TYPE_UNION ||
		    t->kind == IOD_TYPE_ENUM)
			len = (size_t)snprintf(name, sizeof(name), "%s%s%s", iod_type_keyword(t),
					       *iod_type_keyword(t) ? " " : "", t->name);
		else
			len = (size_t)snprintf(name, sizeof(name), "%s", t->name);
		if (t->ambiguous && len < sizeof(name))
			snprintf(name + len, sizeof(name) - len, "#%u", t->dup_index);
		if (n && !cmd_glob_match(w.data, t->name) && !cmd_glob_match(w.data, name))
			continue;
		if (s->json) {
			if (!first)
				iod_strbuf_putc(&s->out, ',');
			iod_strbuf_puts(&s->out, "{\"name\":");
			iod_json_string(&s->out, name, strlen(name));
			iod_strbuf_printf(&s->out, ",\"size\":%" PRIu64 ",\"cu\":",
					  iod_type_strip(t) ? iod_type_strip(t)->size : 0);
			if (t->cu)
				iod_json_string(&s->out, t->cu, strlen(t->cu));
			else
				iod_strbuf_puts(&s->out, "null");
			iod_strbuf_putc(&s->out, '}');
		} else {
			iod_strbuf_printf(&s->out, "%s (%" PRIu64 " bytes%s%s)\n", name,
					  iod_type_strip(t) ? iod_type_strip(t)->size : 0,
					  t->cu ? ", " : "", t->cu ? t->cu : "");
		}
		first = false;
	}
	if (s->json)
		iod_strbuf_puts(&s->out, "]\n");
	iod_strbuf_release(&w);
	return 0;
}

static int cmd_info(struct session *s, const char *cmd, const char *args)
{
	struct iod_strbuf w = { 0 };
	int n = cmd_words(s, args, &w, 1, 1, "info device");
	int status = 1;

	(void)cmd;
	if (n == 1 && strcmp(w.data, "device"))
		status = session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "usage: info device"));
	else if (n == 1 && !s->npci)
		status = session_fail(s, iod_error_new(IOD_ERR_LOOKUP, "no PCI device is attached"));
	else if (n == 1)
		status = 0;
	/* every attached device, in attach order, with the regions it still has */
	for (size_t d = 0; !status && d < s->npci; d++) {
		const char *prefix = s->pci[d].prefix;
		size_t plen = strlen(prefix), nr = 0;
		struct iod_region **regs = calloc(s->nregions + 1, sizeof(*regs));
		struct iod_error *err;

		if (!regs) {
			status = session_fail(s, &iod_error_nomem);
			break;
		}
		struct iod_region *cfg = NULL;

		for (size_t i = 0; i < s->nregions; i++) {
			const char *rest = s->regions[i]->name + plen;

			if (!strncmp(s->regions[i]->name, prefix, plen) && !strcmp(rest, "cfg"))
				cfg = s->regions[i];
			if (!strncmp(s->regions[i]->name, prefix, plen) &&
			    (!strcmp(rest, "cfg") || (!strncmp(rest, "bar", 3) && rest[3] >= '0' &&
						      rest[3] <= '5' && !rest[4])))
				regs[nr++] = s->regions[i];
		}
		/* Config space is read through its region, as any access is. */
		if (!cfg)
			err = iod_error_new(IOD_ERR_LOOKUP, "%scfg was detached: info device reads "
					    "config space through it", prefix);
		else if (s->json)
			err = iod_pci_info_json(s->pci[d].dev, &s->io, cfg, regs, nr,
						cmd_region_json, &s->out);
		else
			err = iod_pci_info_text(s->pci[d].dev, &s->io, cfg, regs, nr, &s->out);
		free(regs);
		if (err)
			status = session_fail(s, err);
	}
	iod_strbuf_release(&w);
	return status;
}

/* ---- settings and flow ---- */

static int on_off(struct session *s, const char *what, const char *v, bool *ret)
{
	if (v && !strcmp(v, "on"))
		*ret = true;
	else if (v && !strcmp(v, "off"))
		*ret = false;
	else
		return -session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "usage: set %s on|off", what));
	return 0;
}

static void trace_apply(struct session *s)
{
	s->io.trace = s->trace ? cmd_trace_cb : NULL;
}

static int cmd_set(struct session *s, const char *cmd, const char *args)
{
	struct iod_strbuf w[2] = { 0 };
	const char *p = args;
	struct iod_error *err = NULL;
	bool flag = false;
	int status = 1;

	if (!session_word(&p, &w[0], &err) || err) {
		status = err ? session_fail(s, err)
			     : session_fail(s, iod_error_new(IOD_ERR_SYNTAX,
							     "usage: set PATH = EXPR, or set "
							     "write|radix|json|trace VALUE"));
		goto out;
	}
	if (strcmp(w[0].data, "write") && strcmp(w[0].data, "radix") &&
	    strcmp(w[0].data, "json") && strcmp(w[0].data, "trace")) {
		status = cmd_assign_line(s, args);
		goto out;
	}
	if (cmd_words(s, p, &w[1], 1, 1, "set write|radix|json|trace VALUE") != 1)
		goto out;
	status = 0;
	if (!strcmp(w[0].data, "radix")) {
		if (!strcmp(w[1].data, "16") || !strcmp(w[1].data, "10"))
			s->radix = atoi(w[1].data);
		else
			status = session_fail(s, iod_error_new(IOD_ERR_SYNTAX,
							       "usage: set radix 16|10"));
	} else if (on_off(s, w[0].data, w[1].data, &flag) < 0) {
		status = 1;
	} else if (!strcmp(w[0].data, "write")) {
		if (flag && !s->may_write)
			status = session_fail(s, iod_error_new(IOD_ERR_READONLY,
							       "set write on: iodbg was started"
							       " without -w"));
		else {
			s->write_on = flag;
			session_apply_write(s);
		}
	} else if (!strcmp(w[0].data, "json")) {
		s->json = flag;
	} else {
		s->trace = flag;
		trace_apply(s);
	}
out:
	(void)cmd;
	iod_strbuf_release(&w[0]);
	iod_strbuf_release(&w[1]);
	return status;
}

/* for $VAR in A..B CMD */
static int cmd_for(struct session *s, const char *cmd, const char *args)
{
	const char *p = session_skip(args), *dots;
	struct iod_strbuf var = { 0 }, in = { 0 };
	struct iod_expr *a = NULL, *b = NULL;
	struct iod_error *err = NULL;
	int64_t from, to;
	size_t used = 0, pos = 0;
	int status = 1;

	(void)cmd;
	if (!session_word(&p, &var, &err) || var.data[0] != '$' ||
	    !session_name_ok(var.data + 1) || !session_word(&p, &in, &err) ||
	    strcmp(in.data, "in")) {
		status = session_fail(s, err ? err : iod_error_new(IOD_ERR_SYNTAX,
								   "usage: for $VAR in A..B CMD"));
		goto out;
	}
	p = session_skip(p);
	err = iod_expr_parse(p, &a, &used, &pos);
	if (err) {
		status = cmd_syntax(s, err, p, pos);
		goto out;
	}
	dots = p + used;
	if (strncmp(dots, "..", 2)) {
		status = session_fail_at(s, iod_error_new(IOD_ERR_SYNTAX, "expected '..' in A..B"),
					 p, used);
		goto out;
	}
	err = iod_expr_parse(dots + 2, &b, &used, &pos);
	if (err) {
		status = cmd_syntax(s, err, dots + 2, pos);
		goto out;
	}
	p = session_skip(dots + 2 + used);
	if (!*p) {
		status = session_fail(s, iod_error_new(IOD_ERR_SYNTAX,
						       "usage: for $VAR in A..B CMD: CMD is missing"));
		goto out;
	}
	err = iod_expr_eval_int(a, &s->env, NULL, &from);
	if (!err)
		err = iod_expr_eval_int(b, &s->env, NULL, &to);
	if (err) {
		status = session_fail(s, err);
		goto out;
	}
	status = 0;
	for (int64_t i = from; i < to && !s->quit; i++) {
		if (s->interrupted) {
			status = session_fail(s, iod_error_new(IOD_ERR_INTERRUPTED, "interrupted"));
			break;
		}
		err = session_set_var(s, var.data + 1, i);
		if (err) {
			status = session_fail(s, err);
			break;
		}
		if (session_dispatch(s, p)) {
			status = 1;
			if (!s->keep_going)
				break;
		}
		session_emit(s);
		session_tick(s);
	}
	if (s->stdout_closed)
		status = 1;
out:
	iod_expr_free(a);
	iod_expr_free(b);
	iod_strbuf_release(&var);
	iod_strbuf_release(&in);
	return status;
}

static int cmd_source(struct session *s, const char *cmd, const char *args)
{
	struct iod_strbuf w = { 0 };
	int status = 1;

	(void)cmd;
	if (cmd_words(s, args, &w, 1, 1, "source FILE") == 1) {
		session_emit(s);
		status = session_run_file(s, w.data);
	}
	iod_strbuf_release(&w);
	return status;
}

static int cmd_echo(struct session *s, const char *cmd, const char *args)
{
	struct iod_strbuf text = { 0 }, w = { 0 };
	const char *p = args;
	struct iod_error *err = NULL;
	bool first = true;

	(void)cmd;
	while (session_word(&p, &w, &err)) {
		if (!first)
			iod_strbuf_putc(&text, ' ');
		iod_strbuf_add(&text, w.data, w.len);
		first = false;
	}
	iod_strbuf_release(&w);
	if (err) {
		iod_strbuf_release(&text);
		return session_fail(s, err);
	}
	if (s->json) {
		iod_strbuf_puts(&s->out, "{\"echo\":");
		iod_json_string(&s->out, iod_strbuf_str(&text), text.len);
		iod_strbuf_puts(&s->out, "}\n");
	} else {
		iod_strbuf_add(&s->out, iod_strbuf_str(&text), text.len);
		iod_strbuf_putc(&s->out, '\n');
	}
	iod_strbuf_release(&text);
	return 0;
}

static int cmd_quit(struct session *s, const char *cmd, const char *args)
{
	(void)cmd;
	if (*session_skip(args))
		return session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "usage: quit"));
	s->quit = true;
	return 0;
}

static int cmd_help(struct session *s, const char *cmd, const char *args)
{
	struct iod_strbuf w = { 0 };
	int n = cmd_words(s, args, &w, 0, 1, "help [CMD]");
	int status = 0;

	(void)cmd;
	if (n < 0) {
		iod_strbuf_release(&w);
		return 1;
	}
	if (s->json) {
		/* the same text, as one document */
		struct iod_strbuf text = { 0 };
		bool json = s->json;
		struct iod_strbuf saved = s->out;

		s->json = false;
		s->out = text;
		status = cmd_help(s, cmd, args);
		text = s->out;
		s->out = saved;
		s->json = json;
		if (!status) {
			iod_strbuf_puts(&s->out, "{\"help\":");
			iod_json_string(&s->out, iod_strbuf_str(&text), text.len);
			iod_strbuf_puts(&s->out, "}\n");
		}
		iod_strbuf_release(&text);
		iod_strbuf_release(&w);
		return status;
	}
	if (n == 0) {
		for (size_t i = 0; i < session_ncommands; i++)
			iod_strbuf_printf(&s->out, "  %-44s %s\n", session_commands[i].synopsis,
					  session_commands[i].summary);
		iod_strbuf_puts(&s->out,
				"  PATH [=|\\|=|&=|^=] EXPR                     print PATH, or write"
				" it\n"
				"  $NAME = EXPR                                 set a script"
				" variable\n"
				"Type 'help CMD' for more; 'man iodbg' has everything.\n");
	} else {
		const struct command *c = session_command(w.data, w.len);

		if (!c)
			status = session_fail(s, iod_error_new(IOD_ERR_LOOKUP,
							       "no command named '%s'", w.data));
		else
			iod_strbuf_printf(&s->out, "%s\n  %s\n%s%s", c->synopsis, c->summary,
					  c->aliases ? "  Aliases: " : "",
					  c->aliases ? c->aliases : "");
		if (c && c->aliases)
			iod_strbuf_putc(&s->out, '\n');
		if (c && c->help)
			iod_strbuf_printf(&s->out, "%s\n", c->help);
	}
	iod_strbuf_release(&w);
	return status;
}

/* ---- the table ---- */

const struct command session_commands[] = {
	{ "print", "p", "print[/FMT] PATH|EXPR", "read PATH and print it, or evaluate EXPR",
	  "  FMT: x hex, d signed, u unsigned, o octal, t binary, c char.\n"
	  "  A scalar is read with exactly one access of its own width; an aggregate\n"
	  "  by its access plan (see explain).", cmd_print },
	{ "set", NULL, "set PATH = EXPR | set write|radix|json|trace VALUE",
	  "write a scalar, or change a setting",
	  "  set write on|off (on needs -w), set radix 16|10, set json on|off,\n"
	  "  set trace on|off.", cmd_set },
	{ "x", NULL, "x/NFU LOC|PATH", "examine N units of U bytes in format F",
	  "  F: x d u o t c; U: b h w g (1, 2, 4, 8 bytes); each unit is one access.",
	  cmd_x },
	{ "copy", NULL, "copy SRC DST [LEN]", "bulk copy between paths, REGION+OFF and file:PATH",
	  "  memcpy semantics, memmove when the ranges overlap in one region; not atomic.",
	  cmd_copy },
	{ "dump", NULL, "dump PATH FILE", "copy PATH into FILE (written whole or not at all)",
	  NULL, cmd_dump },
	{ "restore", NULL, "restore FILE PATH", "copy FILE into PATH", NULL, cmd_restore },
	{ "fill", NULL, "fill LOC|PATH BYTE [LEN]", "set every byte of PATH or LEN bytes at LOC",
	  NULL, cmd_fill },
	{ "explain", NULL, "explain PATH [= EXPR]",
	  "show the accesses reading or writing PATH would make", NULL, cmd_explain },
	{ "poll", NULL, "poll EXPR [timeout DUR] [every DUR]",
	  "re-evaluate EXPR until it is true (default timeout 1s, every 1ms)", NULL, cmd_poll },
	{ "watch", NULL, "watch PATH [every DUR] [for DUR | count N]",
	  "print PATH now and each time it changes", NULL, cmd_watch },
	{ "ptype", NULL, "ptype TYPE|PATH", "show a layout: members, offsets, sizes, holes",
	  NULL, cmd_ptype },
	{ "sizeof", NULL, "sizeof TYPE|PATH", "print the size in bytes", NULL, cmd_sizeof },
	{ "offsetof", NULL, "offsetof PATH", "print the offset of PATH in its view", NULL,
	  cmd_offsetof },
	{ "whatis", NULL, "whatis PATH|TYPE", "print the type of PATH", NULL, cmd_whatis },
	{ "attach", NULL, "attach TARGET [as NAME]", "attach a target and create its regions",
	  "  TARGET: 0000:01:00.0, 01:00.0, pci:VENDOR:DEVICE[#N], mem:ADDR,SIZE,\n"
	  "  file:PATH[,OFFSET[,SIZE]], dmabuf:PATH, udmabuf:NAME, sim:SIZE.", cmd_attach },
	{ "detach", NULL, "detach NAME", "release a region and every view on it", NULL,
	  cmd_detach },
	{ "load", NULL, "load FILE|NAME", "load types from DWARF or the stock library", NULL,
	  cmd_load },
	{ "view", NULL, "view NAME = TYPE @ LOC", "bind a typed view of a region", NULL,
	  cmd_view },
	{ "unview", NULL, "unview NAME", "drop a view", NULL, cmd_unview },
	{ "regions", NULL, "regions", "list the regions", NULL, cmd_regions },
	{ "views", NULL, "views", "list the views", NULL, cmd_views },
	{ "types", NULL, "types [GLOB]", "list the loaded types", NULL, cmd_types },
	{ "info", NULL, "info device", "show the attached PCI device", NULL, cmd_info },
	{ "for", NULL, "for $VAR in A..B CMD", "run CMD for each value from A up to B (excluded)",
	  NULL, cmd_for },
	{ "source", NULL, "source FILE", "run the commands in FILE", NULL, cmd_source },
	{ "echo", NULL, "echo TEXT", "print TEXT", NULL, cmd_echo },
	{ "help", NULL, "help [CMD]", "list the commands, or explain one", NULL, cmd_help },
	{ "quit", "q exit", "quit", "leave iodbg", NULL, cmd_quit },
};

const size_t session_ncommands = sizeof(session_commands) / sizeof(session_commands[0]);

static bool alias_of(const char *aliases, const char *name, size_t len)
{
	for (const char *a = aliases; a && *a;) {
		size_t n = strcspn(a, " ");

		if (n == len && !strncmp(a, name, len))
			return true;
		a += n;
		while (*a == ' ')
			a++;
	}
	return false;
}

const struct command *session_command(const char *name, size_t len)
{
	for (size_t i = 0; i < session_ncommands; i++) {
		const struct command *c = &session_commands[i];

		if ((strlen(c->name) == len && !strncmp(c->name, name, len)) ||
		    alias_of(c->aliases, name, len))
			return c;
	}
	return NULL;
}

int session_dispatch(struct session *s, const char *line)
{
	size_t len = 0;
	const struct command *c;

	while ((line[len] >= 'a' && line[len] <= 'z') || line[len] == '_')
		len++;
	/* print/FMT, p/FMT and x/NFU carry their format in the command word */
	if (len && (line[len] == ' ' || line[len] == '\t' || line[len] == 0 ||
		    (line[len] == '/' && (!strncmp(line, "print", len) || !strncmp(line, "p", len) ||
					  !strncmp(line, "x", len))))) {
		c = session_command(line, len);
		if (c && line[len] != '/')
			return c->run(s, line, line + len);
		if (c && (c->run == cmd_print || c->run == cmd_x))
			return c->run(s, line, line + len + strcspn(line + len, " \t"));
	}
	if (line[0] == '$')
		return cmd_var_assign(s, line);
	/* "word more..." that is no expression: most likely a mistyped command */
	if (len && (line[len] == ' ' || line[len] == '\t')) {
		struct iod_expr *e = NULL;
		size_t used = 0;
		char op;
		struct iod_error *err = iod_expr_parse(line, &e, &used, NULL);
		bool bad = err || (line[used] && strchr(line, '=') == NULL);

		iod_error_free(err);
		iod_expr_free(e);
		if (bad && find_assignment_at(line, &op) < 0)
			return session_fail(s, iod_error_new(IOD_ERR_SYNTAX, "unknown command '%.*s'"
							     " (help lists the commands)", (int)len,
							     line));
	}
	return cmd_statement(s, line);
}

/* ---- helpers shared by the command files ---- */

char *cmd_trimmed(const char *from, const char *to)
{
	from = session_skip(from);
	while (to > from && (to[-1] == ' ' || to[-1] == '\t'))
		to--;
	return strndup(from, to > from ? (size_t)(to - from) : 0);
}

bool cmd_glob_match(const char *glob, const char *name)
{
	return fnmatch(glob, name, 0) == 0;
}

void cmd_warn_cb(void *ctx, const char *msg)
{
	session_warn(ctx, "%s", msg);
}

void cmd_note_cb(void *ctx, const char *msg)
{
	struct session *s = ctx;

	/* what the cache did is for people watching the accesses, not everyone */
	if (!strncmp(msg, "cache:", 6) && !s->trace)
		return;
	session_info(s, NULL, "%s", msg);
}

/* --trace: every access on stderr, in order with what stdout shows. */
void cmd_trace_cb(void *ctx, const struct iod_access *a)
{
	char line[160];

	session_emit(ctx);
	fflush(stdout);
	iod_access_format(a, true, line, sizeof(line));
	fprintf(stderr, "%s\n", line);
}
