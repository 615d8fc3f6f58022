/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `iodbg demo`: a simulated GSP on sim: memory, set up by its profile, driven by its firmware. */
#include <stdlib.h>

#include "session.h"

static void firmware_tick(void *ctx)
{
	iod_gsp_demo_step(ctx);
}

int session_start_demo(struct session *s)
{
	struct named_view *gsp;
	struct iod_error *err;
	char *profile = NULL;
	int status;

	/* the device's memory, then its profile: the types and the view gsp */
	status = session_run_line(s, "attach sim:16K");
	if (status)
		return status;
	err = iod_typedb_find_file("profiles/demo.iodbg", &profile);
	if (err)
		return session_fail(s, iod_error_prefix(err, "demo"));
	status = session_run_file(s, profile);
	free(profile);
	if (status)
		return status;
	gsp = session_view(s, "gsp");
	if (!gsp)
		return session_fail(s, iod_error_new(IOD_ERR_LOOKUP, "demo: the profile bound no"
						     " view 'gsp'"));
	err = iod_gsp_demo_new(&gsp->view, &s->demo);
	if (err)
		return session_fail(s, iod_error_prefix(err, "demo"));
	s->tick = firmware_tick;
	s->tick_ctx = s->demo;
	session_info(s, NULL, "demo: a simulated GSP in sim0, its shared memory is the view gsp"
		     " (struct gsp_demo); try: gsp.cmdq[3].head = 1, then gsp.cmdq[3].tail");
	return 0;
}
