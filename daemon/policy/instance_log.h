/* SPDX-License-Identifier: MIT */
/*
 * instance_log.h: the `state` event, one per change of an instance's
 * state (docs/events.md). On stderr only with --debug (there would be
 * two lines more per restart for people); always in the event ring and
 * the stream, where a script follows an instance through its states.
 */
#pragma once

#include "policy/instance.h"

void instance_log_state(const struct instance *inst, enum instance_state prev, enum instance_event e,
			const char *why);
