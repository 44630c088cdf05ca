/* SPDX-License-Identifier: MIT */
/*
 * config_names.c: the names of the config's enums, as the file spells
 * them and status shows them.
 */
#include "basic/string_table.h"
#include "config/config_names.h"

static const char *const restart_policy_table[_RESTART_POLICY_MAX] = {
	[RESTART_ALWAYS] = "always",
	[RESTART_ON_FAILURE] = "on-failure",
	[RESTART_NEVER] = "never",
};

DEFINE_STRING_TABLE_LOOKUP(restart_policy, enum restart_policy)

static const char *const violation_action_table[_VIOLATION_ACTION_MAX] = {
	[VIOLATION_LOG] = "log",
	[VIOLATION_IGNORE] = "ignore",
	[VIOLATION_RESTART] = "restart",
	[VIOLATION_STOP] = "stop",
	[VIOLATION_FREEZE] = "freeze",
};

DEFINE_STRING_TABLE_LOOKUP(violation_action, enum violation_action)
