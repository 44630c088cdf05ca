/* SPDX-License-Identifier: MIT */
/*
 * instance_reload.c: see instance_reload.h.
 */
#include "basic/log.h"
#include "logs/logstream.h"
#include "policy/instance_reload.h"
#include "policy/instance_ready.h"
#include "policy/limits.h"

void instance_use_config(struct instance *inst, const struct service_config *cfg)
{
	inst->cfg = cfg;
	if (inst->log_out)
		logstream_use_config(inst->log_out, &cfg->log, cfg->name);
	if (inst->log_err)
		logstream_use_config(inst->log_err, &cfg->log, cfg->name);
	if (inst->rd && inst->rd->ready_check)
		inst->rd->ready_check->cfg = &cfg->readiness.check;
	if (inst->rd && inst->rd->health_check)
		inst->rd->health_check->cfg = &cfg->health.check;
}

int instance_apply_limits(struct instance *inst, const struct limits_config *old)
{
	enum limit_kind failed = _LIMIT_MAX;

	if (inst->cg.fd < 0 || !runtime_has_cgroups(inst->rt))
		return 0;
	unsigned ctrl = inst->rt->cg->controllers;
	limits_reset(inst->cg.fd, old, &inst->cfg->limits, ctrl);
	int r = limits_apply(inst->cg.fd, &inst->cfg->limits, ctrl, &failed);
	if (r < 0)
		log_warn_errno(r, "%s.%u: reload: limits.%s not written to the live cgroup", inst->cfg->name,
			       inst->index, failed < _LIMIT_MAX ? limit_desc(failed)->key : "?");
	return r;
}

void instance_leak_restart(struct instance *inst)
{
	leak_history_done(&inst->leak.hist);
	inst->leak.last = (struct leak_verdicts){ 0 };
}
