/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "logs/linebuf.h"
#include "logs/logsys.h"

int logsys_init(struct logsys *sys, struct loop *l)
{
	*sys = (struct logsys){ .ctx = { .loop = l } };
	/* An async write the ring refuses outright tells us epoll is in use. */
	sys->ctx.async = strcmp(loop_backend_name(l), "uring") == 0;
	sys->ctx.piece = malloc(LINE_MAX_BYTES);
	if (!sys->ctx.piece)
		return -ENOMEM;
	return logsink_init(&sys->ctx.sink, l, sys->ctx.async);
}

void logsys_done(struct logsys *sys)
{
	/* Only streams whose write never completed are left: the ring that
	 * held them is gone now, so their buffers can go too. */
	while (sys->streams)
		logstream_free(sys->streams);
	logdirs_done(&sys->dirs);
	sys->ctx.sink.loop = NULL;   /* gone before us (see logsys.h) */
	logsink_done(&sys->ctx.sink);
	free(sys->ctx.piece);
	sys->ctx.piece = NULL;
}

bool logsys_finish(struct logsys *sys)
{
	for (struct logstream *s = sys->streams; s; s = s->next)
		logstream_finish(s);
	logsink_flush(&sys->ctx.sink);
	sys->finishing = true;
	return sys->n_busy > 0 || sys->ctx.sink.in_flight;
}

void logsys_stop(struct logsys *sys)
{
	sys->stopped = true;
}
