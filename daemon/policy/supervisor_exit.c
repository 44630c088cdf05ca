/* SPDX-License-Identifier: MIT */
/*
 * supervisor_exit.c: see supervisor_exit.h.
 */
#include <stdio.h>

#include "basic/time_util.h"
#include "policy/supervisor.h"
#include "policy/supervisor_exit.h"

void supervisor_on_exit_shutdown(struct instance *inst, int code, void *userdata)
{
	struct supervisor *s = userdata;

	if (s->exit_code_set || s->rt.shutting_down)
		return;
	s->exit_code = code;
	s->exit_code_set = true;
	snprintf(s->exit_why, sizeof(s->exit_why), "%s.%u ended (on_exit: shutdown), exit code %d",
		 inst->cfg->name, inst->index, code);
	/* Not from inside the instance's exit handling: stopping every
	 * instance would reach this one mid-transition. */
	(void)loop_timer_start(s->loop, &s->exit_timer, now_ns());
}
