/* SPDX-License-Identifier: MIT */
#include "basic/string_table.h"
#include "policy/violation.h"

static const char *const violation_kind_table[_VIOLATION_KIND_MAX] = {
	[VIOLATION_OOM_KILL] = "oom-kill",
	[VIOLATION_PIDS_MAX] = "pids-max",
	[VIOLATION_MEMORY_HIGH] = "memory-high",
	[VIOLATION_LEAK] = "leak",
	[VIOLATION_WATCHDOG] = "watchdog",
	[VIOLATION_HEALTH] = "health",
	[VIOLATION_READINESS] = "readiness",
};

DEFINE_STRING_TABLE_LOOKUP(violation_kind, enum violation_kind)

enum violation_action violation_action_for(const struct violation_config *c, enum violation_kind k)
{
	switch (k) {
	case VIOLATION_OOM_KILL:
		return c->oom;
	case VIOLATION_PIDS_MAX:
		return c->pids;
	case VIOLATION_MEMORY_HIGH:
		return c->memory_high;
	case VIOLATION_LEAK:
		return c->leak;
	case VIOLATION_WATCHDOG:
		return VIOLATION_RESTART;
	case VIOLATION_HEALTH:
		return c->health;
	case VIOLATION_READINESS:   /* instance_fail_start(): judged, not a policy */
	case _VIOLATION_KIND_MAX:
	case _VIOLATION_KIND_INVALID:
		break;
	}
	return VIOLATION_LOG;
}
