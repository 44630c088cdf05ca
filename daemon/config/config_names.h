/* SPDX-License-Identifier: MIT */
/*
 * config_names.h: enum <-> name for the config's enums (config_names.c).
 */
#pragma once

#include "config/config.h"

const char *restart_policy_to_string(enum restart_policy p);
enum restart_policy restart_policy_from_string(const char *s);
const char *violation_action_to_string(enum violation_action a);
enum violation_action violation_action_from_string(const char *s);
