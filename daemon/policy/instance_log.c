/* SPDX-License-Identifier: MIT */
#include "basic/log.h"
#include "policy/instance_log.h"

/* inst->state is the new state; the pid is there while it has a process. */
void instance_log_state(const struct instance *inst, enum instance_state prev, enum instance_event e,
			const char *why)
{
	const char *name = inst->cfg->name, *from = instance_state_to_string(prev),
		   *to = instance_state_to_string(inst->state), *on = instance_event_to_string(e);
	int index = (int)inst->index;

	if (inst->pid.pid > 0)
		log_event_debug("state", name, index, "from", from, "to", to, "on", on, "why", why,
				LOG_NUM("pid", inst->pid.pid), NULL);
	else
		log_event_debug("state", name, index, "from", from, "to", to, "on", on, "why", why, NULL);
}
