/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "logs/linebuf.h"
#include "logs/logsys.h"

int logsys_init(struct logsys *sys, struct loop *l, bool splice)
{
	*sys = (struct logsys){ .ctx = { .loop = l, .splice = splice } };
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

/* The sink drained during the shutdown: done once no stream is busy
 * either (the last busy stream checks the sink the same way). */
static void on_sink_drained(struct logsink *k, void *userdata)
{
	struct logsys *sys = userdata;
	(void)k;
	if (sys->finishing && sys->n_busy == 0)
		loop_quit(sys->ctx.loop);
}

bool logsys_finish(struct logsys *sys)
{
	sys->finishing = true;
	sys->ctx.sink.drained = on_sink_drained;
	sys->ctx.sink.drained_userdata = sys;
	for (struct logstream *s = sys->streams; s; s = s->next)
		logstream_finish(s);
	logsink_flush(&sys->ctx.sink);
	/* Streams and the sink each quit the loop when the last of them is
	 * done; something still on its way means the loop must run. */
	return sys->n_busy > 0 || !logsink_idle(&sys->ctx.sink);
}

void logsys_stop(struct logsys *sys)
{
	sys->stopped = true;
}
