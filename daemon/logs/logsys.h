/* SPDX-License-Identifier: MIT */
/*
 * logsys.h: capture of every instance's output as a whole: the shared
 * context, the set of streams (struct logsys, logstream.h) and the
 * shutdown, when what every stream still holds is written out.
 */
#pragma once

#include <stdbool.h>

#include "logs/logstream.h"

/* splice: streams may take the direct path (logdirect.h) when nothing
 * needs their lines. */
int logsys_init(struct logsys *sys, struct loop *l, bool splice);
void logsys_done(struct logsys *sys);   /* after loop_free: frees what writes may have used */
/* Shutdown: every stream reads what is left in its pipe and writes it out;
 * returns true when something is still being written (run the loop, it
 * quits once all is written). */
bool logsys_finish(struct logsys *sys);
/* After the last loop_run(): streams closed from now on are freed at once. */
void logsys_stop(struct logsys *sys);
