/* SPDX-License-Identifier: MIT */
/*
 * instance_reload.h: what `reload` does to a running instance whose
 * service keeps running: it takes the new definition in place (every
 * pointer into the old config moved to the new one), live limits are
 * written to its cgroup, and a changed leak setting restarts its history.
 */
#pragma once

#include "policy/instance.h"

/* The instance (its log streams and checks) uses cfg from now on. cfg must
 * equal the old definition in every key that is not applied live. */
void instance_use_config(struct instance *inst, const struct service_config *cfg);
/* Writes inst->cfg's limits to its live cgroup, resetting those no longer
 * set in old. 0 when there is no cgroup (the next start writes them). */
int instance_apply_limits(struct instance *inst, const struct limits_config *old);
/* The leak verdict starts over (new window, thresholds or period). */
void instance_leak_restart(struct instance *inst);
