/* SPDX-License-Identifier: MIT */
/*
 * instance_free.c: the end of an instance's record (scale down, reload,
 * teardown): its process if one is still there (only at teardown after
 * the shutdown deadline), its cgroup, its checks, its log streams.
 */
#include <signal.h>
#include <stdlib.h>

#include "logs/logsys.h"
#include "policy/instance_free.h"
#include "policy/instance_exit.h"
#include "policy/instance_ready.h"
#include "policy/instance_spawn.h"

static void leak_state_done(struct leak_state *ls)
{
	leak_history_done(&ls->hist);
	free(ls->procs);
	*ls = (struct leak_state){ 0 };
}

void instance_free(struct instance *inst)
{
	if (!inst)
		return;
	struct instance_cgroup_place p = instance_place(inst, NULL);
	loop_timer_stop(inst->rt->loop, &inst->timer);
	instance_close_errpipe(inst);
	if (pidref_is_set(&inst->pid)) {
		/* Only at daemon teardown after the shutdown deadline: do not
		 * leave it running unsupervised. */
		(void)pidref_kill_group(&inst->pid, SIGKILL);
		instance_drop_process(inst);
	}
	if (inst->awaiting_empty) {
		inst->awaiting_empty = false;
		inst->rt->live_processes--;
	}
	(void)instance_cgroup_kill(&inst->cg, p.has_kill);
	instance_cgroup_release(&inst->cg, &p);
	leak_state_done(&inst->leak);
	instance_ready_free(inst);
	breaker_done(&inst->breaker);
	exit_info_done(&inst->last_exit);
	logstream_close(inst->log_out);
	logstream_close(inst->log_err);
	free(inst);
}
