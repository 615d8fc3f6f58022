/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The firmware of `iodbg demo`: a deterministic model of a GPU system
 * processor that consumes the commands queued in its shared memory
 * (typedb/gsp_demo.h). It finds every field by name through typed views, so
 * it follows the header, and it reaches the memory only through the access
 * path, with no policy: the device's own accesses are neither traced nor
 * subject to a dry run.
 *
 * One step consumes one queued command: the oldest of the next queue (round
 * robin) whose head differs from its tail. The session runs a step after
 * every command and at every poll/watch interval, so a script sees the same
 * sequence of states however fast it runs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iodbg/target.h"

#define MAGIC 0x44505347u   /* "GSPD" */
#define VERSION_MAJOR 1
#define VERSION_MINOR 0

enum { FN_NOP, FN_ECHO, FN_GET_VERSION, FN_SET_POWER, FN_RESET_QUEUE };
enum { STATE_OFF = 0, STATE_READY = 2 };
enum { RES_OK = 0, RES_INVALID = -1, RES_UNSUPPORTED = -3 };

struct queue {
	struct iod_view head, tail, entries, ring, enabled, owner;
};

struct iod_gsp_demo {
	struct iod_view gsp;
	struct iod_view seq, state, ready, consumed, last_queue, error_code, heartbeat, log;
	struct iod_view magic, major, minor;
	struct queue *cmdq, *msgq;
	uint64_t nqueues;
	uint64_t next;          /* the queue the round robin looks at first */
	uint64_t steps;
};

/* A path of fields and indices below v ("status.flags.ready", "cmdq", ...). */
static struct iod_error *at(const struct iod_view *v, const char *path, struct iod_view *ret)
{
	char buf[128], *save = NULL, *part;
	struct iod_view cur = *v;
	struct iod_error *err = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, ".", &save); part && !err; part = strtok_r(NULL, ".", &save))
		err = iod_view_field(&cur, part, &cur);
	if (err)
		return iod_error_prefix(err, "gsp_demo: %s", path);
	*ret = cur;
	return NULL;
}

static uint64_t get(const struct iod_view *v)
{
	uint64_t raw = 0;
	struct iod_error *err = iod_read_scalar(NULL, v, &raw);

	/* the layout was checked at boot: memory the firmware owns cannot fail */
	iod_error_free(err);
	return raw;
}

static void put(const struct iod_view *v, uint64_t value)
{
	iod_error_free(iod_write_scalar(NULL, v, value));
}

static void put_log(struct iod_gsp_demo *fw, const char *text)
{
	uint64_t size = iod_view_size(&fw->log);
	char buf[512] = { 0 };

	snprintf(buf, sizeof(buf), "%s", text);
	iod_error_free(iod_copy_to(NULL, fw->log.region, fw->log.offset, buf,
				   size < sizeof(buf) ? size : sizeof(buf)));
}

static struct iod_error *queue_views(const struct iod_view *array, uint64_t i, struct queue *q)
{
	struct iod_view v;
	struct iod_error *err = iod_view_index(array, (int64_t)i, &v);

	if (!err)
		err = at(&v, "head", &q->head);
	if (!err)
		err = at(&v, "tail", &q->tail);
	if (!err)
		err = at(&v, "entries", &q->entries);
	if (!err)
		err = at(&v, "ring", &q->ring);
	if (!err)
		err = at(&v, "flags.enabled", &q->enabled);
	if (!err)
		err = at(&v, "flags.owner", &q->owner);
	return err;
}

void iod_gsp_demo_free(struct iod_gsp_demo *fw)
{
	if (!fw)
		return;
	free(fw->cmdq);
	free(fw->msgq);
	free(fw);
}

struct iod_error *iod_gsp_demo_new(const struct iod_view *gsp, struct iod_gsp_demo **ret)
{
	struct iod_gsp_demo *fw = calloc(1, sizeof(*fw));
	struct iod_view cmdq, msgq;
	struct iod_error *err;

	if (!fw)
		return &iod_error_nomem;
	fw->gsp = *gsp;
	err = at(gsp, "status.seq", &fw->seq);
	if (!err)
		err = at(gsp, "status.state", &fw->state);
	if (!err)
		err = at(gsp, "status.flags.ready", &fw->ready);
	if (!err)
		err = at(gsp, "status.flags.consumed", &fw->consumed);
	if (!err)
		err = at(gsp, "status.flags.last_queue", &fw->last_queue);
	if (!err)
		err = at(gsp, "status.error_code", &fw->error_code);
	if (!err)
		err = at(gsp, "status.heartbeat", &fw->heartbeat);
	if (!err)
		err = at(gsp, "log", &fw->log);
	if (!err)
		err = at(gsp, "magic", &fw->magic);
	if (!err)
		err = at(gsp, "version_major", &fw->major);
	if (!err)
		err = at(gsp, "version_minor", &fw->minor);
	if (!err)
		err = at(gsp, "cmdq", &cmdq);
	if (!err)
		err = at(gsp, "msgq", &msgq);
	if (!err) {
		fw->nqueues = iod_view_count(&cmdq);
		if (iod_view_count(&msgq) < fw->nqueues)
			fw->nqueues = iod_view_count(&msgq);
		fw->cmdq = calloc(fw->nqueues ? fw->nqueues : 1, sizeof(*fw->cmdq));
		fw->msgq = calloc(fw->nqueues ? fw->nqueues : 1, sizeof(*fw->msgq));
		if (!fw->cmdq || !fw->msgq)
			err = &iod_error_nomem;
	}
	for (uint64_t i = 0; !err && i < fw->nqueues; i++) {
		err = queue_views(&cmdq, i, &fw->cmdq[i]);
		if (!err)
			err = queue_views(&msgq, i, &fw->msgq[i]);
	}
	if (err) {
		iod_gsp_demo_free(fw);
		return err;
	}
	/* boot */
	put(&fw->magic, MAGIC);
	put(&fw->major, VERSION_MAJOR);
	put(&fw->minor, VERSION_MINOR);
	for (uint64_t i = 0; i < fw->nqueues; i++) {
		put(&fw->cmdq[i].entries, iod_view_count(&fw->cmdq[i].ring));
		put(&fw->msgq[i].entries, iod_view_count(&fw->msgq[i].ring));
		put(&fw->cmdq[i].enabled, 1);
		put(&fw->msgq[i].enabled, 1);
		put(&fw->msgq[i].owner, 1);
	}
	put(&fw->state, STATE_READY);
	put(&fw->ready, 1);
	put_log(fw, "gsp-demo firmware 1.0: ready");
	*ret = fw;
	return NULL;
}

/* The ring slot of a counter, with a ring size the firmware can trust. */
static uint64_t slot(const struct queue *q, uint64_t counter)
{
	uint64_t n = get(&q->entries), len = iod_view_count(&q->ring);

	if (n == 0 || n > len)
		n = len;
	return n ? counter % n : 0;
}

static struct iod_view msg_field(const struct queue *q, uint64_t i, const char *name)
{
	struct iod_view m = q->ring, f = q->ring;

	if (!iod_view_index(&q->ring, (int64_t)i, &m))
		iod_error_free(at(&m, name, &f));
	return f;
}

static uint64_t get_msg(const struct queue *q, uint64_t i, const char *name)
{
	struct iod_view f = msg_field(q, i, name);

	return get(&f);
}

static void put_msg(const struct queue *q, uint64_t i, const char *name, uint64_t value)
{
	struct iod_view f = msg_field(q, i, name);

	put(&f, value);
}

/* Serves the oldest command of queue i; the reply goes to msgq[i]. */
static void serve(struct iod_gsp_demo *fw, uint64_t i)
{
	const struct queue *in = &fw->cmdq[i], *out = &fw->msgq[i];
	uint64_t tail = slot(in, get(&in->tail)), rhead = get(&out->head);
	uint64_t reply = slot(out, rhead);
	uint64_t fn = get_msg(in, tail, "function");
	struct iod_view payload = msg_field(in, tail, "payload");
	struct iod_view rpayload = msg_field(out, reply, "payload");
	uint64_t words = iod_view_count(&payload);
	int64_t result = RES_OK;
	char line[128];

	put_msg(out, reply, "seq", get_msg(in, tail, "seq"));
	put_msg(out, reply, "function", fn);
	for (uint64_t w = 0; w < words && w < iod_view_count(&rpayload); w++) {
		struct iod_view src, dst;
		uint64_t v = 0;

		if (iod_view_index(&payload, (int64_t)w, &src) ||
		    iod_view_index(&rpayload, (int64_t)w, &dst))
			break;
		switch (fn) {
		case FN_ECHO: v = get(&src); break;
		case FN_GET_VERSION: v = w == 0 ? (VERSION_MAJOR << 16 | VERSION_MINOR) : 0; break;
		default: v = 0; break;
		}
		put(&dst, v);
	}
	switch (fn) {
	case FN_NOP:
	case FN_ECHO:
	case FN_GET_VERSION:
		break;
	case FN_SET_POWER: {
		struct iod_view p0;

		if (iod_view_index(&payload, 0, &p0))
			result = RES_INVALID;
		else
			put(&fw->state, get(&p0) ? STATE_READY : STATE_OFF);
		break;
	}
	case FN_RESET_QUEUE:
		put(&fw->msgq[i].head, 0);
		put(&fw->msgq[i].tail, 0);
		break;
	default:
		result = RES_UNSUPPORTED;
		break;
	}
	put_msg(out, reply, "length", fn == FN_ECHO ? get_msg(in, tail, "length") : 0);
	put_msg(out, reply, "result", (uint64_t)result);
	if (result != RES_OK)
		put(&fw->error_code, (uint64_t)result);
	if (fn != FN_RESET_QUEUE)
		put(&out->head, slot(out, rhead + 1));
	put(&in->tail, slot(in, tail + 1));
	put(&fw->seq, (get(&fw->seq) + 1) & 0xffffffffu);
	put(&fw->consumed, 1);
	put(&fw->last_queue, i & 0xff);
	put(&fw->heartbeat, ++fw->steps);
	snprintf(line, sizeof(line), "cmdq[%" PRIu64 "]: consumed function %" PRIu64 ", result %"
		 PRId64, i, fn, result);
	put_log(fw, line);
}

void iod_gsp_demo_step(struct iod_gsp_demo *fw)
{
	for (uint64_t k = 0; k < fw->nqueues; k++) {
		uint64_t i = (fw->next + k) % fw->nqueues;
		const struct queue *q = &fw->cmdq[i];

		if (slot(q, get(&q->head)) != slot(q, get(&q->tail))) {
			serve(fw, i);
			fw->next = (i + 1) % fw->nqueues;
			return;
		}
	}
}
