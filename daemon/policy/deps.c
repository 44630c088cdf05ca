/* SPDX-License-Identifier: MIT */
/*
 * deps.c: see deps.h.
 */
#include <stdio.h>

#include "config/config_deps.h"
#include "policy/deps.h"
#include "policy/instance_ready.h"

static bool instance_meets(const struct instance *inst, enum dep_condition c)
{
	const struct service_config *cfg = inst->cfg;
	enum instance_state s = inst->state;
	bool runs = s == STATE_RUNNING || s == STATE_READY || s == STATE_FROZEN;

	switch (c) {
	case DEP_STARTED:
		return runs || s == STATE_COMPLETED;
	case DEP_READY:
		if (s == STATE_COMPLETED)
			return true;
		return cfg->readiness.check.kind == CHECK_NONE ? runs : s == STATE_READY ||
			(s == STATE_FROZEN && inst->rd && inst->rd->ready_ns);
	case DEP_HEALTHY:
		return runs && inst->rd && inst->rd->health == HEALTH_HEALTHY;
	case DEP_COMPLETED:
		return s == STATE_COMPLETED;
	case _DEP_CONDITION_MAX:
	case _DEP_CONDITION_INVALID:
		break;
	}
	return false;
}

/* The first instance of dep that does not meet c, in words. */
static bool service_meets(const struct service *dep, enum dep_condition c, char *why, size_t len,
			  bool *blocked)
{
	const char *name = dep->cfg->name;
	uint32_t present = 0;

	for (uint32_t i = 0; i < dep->n_instances; i++) {
		const struct instance *inst = dep->instances[i];
		if (!inst)
			continue;
		present++;
		if (instance_meets(inst, c))
			continue;
		const struct exit_info *x = &inst->last_exit;
		*blocked = inst->state == STATE_FAILED || inst->state == STATE_EXITED ||
			   inst->state == STATE_STOPPED || inst->state == STATE_COMPLETED;
		if (*blocked && !inst->start_pending && x->valid && x->has_code)
			snprintf(why, len, "%s: %s, exit %d", name, instance_state_to_string(inst->state), x->code);
		else if (*blocked && !inst->start_pending)
			snprintf(why, len, "%s: %s", name, instance_state_to_string(inst->state));
		else {
			*blocked = false;   /* on its way */
			snprintf(why, len, "%s: not %s", name, dep_condition_to_string(c));
		}
		return false;
	}
	if (present > 0)
		return true;
	*blocked = true;
	snprintf(why, len, "%s: no instances", name);
	return false;
}

bool deps_met(const struct service *svc, const struct service *all, char *why, size_t len, bool *blocked)
{
	*blocked = false;
	for (size_t i = 0; i < svc->cfg->n_deps; i++) {
		const struct dependency *d = &svc->cfg->deps[i];
		if (!service_meets(&all[d->service], d->condition, why, len, blocked))
			return false;
	}
	if (len)
		why[0] = '\0';
	return true;
}

bool deps_settled(const struct service *svc)
{
	for (uint32_t i = 0; i < svc->n_instances; i++) {
		const struct instance *inst = svc->instances[i];
		if (!inst)
			continue;
		if (svc->cfg->type == SERVICE_ONESHOT) {
			if (inst->state != STATE_COMPLETED && inst->state != STATE_FAILED &&
			    inst->state != STATE_EXITED)
				return false;
		} else if (!instance_meets(inst, DEP_READY) && inst->state != STATE_FAILED &&
			   inst->state != STATE_EXITED) {
			/* Failed (breaker open) or exited for good: as far as it
			 * goes without an operator; waiting for it would hold the
			 * daemon's READY=1 (and a systemd boot) for ever. Not
			 * stopped: so is an instance whose start is still queued. */
			return false;
		}
	}
	return true;
}

bool deps_may_stop(const struct service *svc, const struct service *all, size_t n)
{
	size_t self = (size_t)(svc - all);

	for (size_t i = 0; i < n; i++) {
		const struct service *other = &all[i];
		bool depends = false;
		if (other->removed)
			continue;   /* its deps index the config a reload replaced */
		for (size_t d = 0; d < other->cfg->n_deps && !depends; d++)
			depends = other->cfg->deps[d].service == self;
		if (!depends)
			continue;
		for (uint32_t j = 0; j < other->n_instances; j++)
			if (other->instances[j] && state_has_process(other->instances[j]->state))
				return false;
	}
	return true;
}
