/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "policy/fd_budget.h"
#include "policy/instance_free.h"
#include "policy/service.h"

void service_init(struct service *svc, struct runtime *rt, const struct service_config *cfg)
{
	*svc = (struct service){ .cfg = cfg, .rt = rt, .cg_fd = -EBADF, .restore_scale = -1 };
}

void service_done(struct service *svc)
{
	for (uint32_t j = 0; j < svc->n_instances; j++)
		instance_free(svc->instances[j]);
	free(svc->instances);
	svc->instances = NULL;
	free(svc->restore_stopped);
	svc->restore_stopped = NULL;
	svc->n_instances = svc->cap = 0;
}

static void trim(struct service *svc)
{
	while (svc->n_instances > 0 && !svc->instances[svc->n_instances - 1])
		svc->n_instances--;
}

bool service_settle(struct service *svc, struct instance *inst)
{
	if (!inst->retiring || inst->state != STATE_STOPPED)
		return false;
	svc->instances[inst->index] = NULL;
	instance_free(inst);
	svc->rt->total_instances--;
	trim(svc);
	return true;
}

static int grow(struct service *svc, uint32_t n)
{
	if (n <= svc->cap)
		return 0;
	uint32_t cap = MIN(MAX(n, svc->cap * 2), (uint32_t)CONFIG_MAX_INSTANCES);
	struct instance **a = reallocarray(svc->instances, cap, sizeof(*a));
	if (!a)
		return -ENOMEM;
	memset(a + svc->cap, 0, (cap - svc->cap) * sizeof(*a));
	svc->instances = a;
	svc->cap = cap;
	return 0;
}

int service_scale(struct service *svc, uint32_t n)
{
	struct runtime *rt = svc->rt;
	uint32_t live = 0;
	int r;

	if (n > CONFIG_MAX_INSTANCES)
		return -ERANGE;
	for (uint32_t i = 0; i < svc->n_instances; i++)
		live += svc->instances[i] && !svc->instances[i]->retiring;
	if (n > live && rt->total_instances + (n - live) > rt->instance_capacity)
		return -ENOSPC;
	if (n > live) {
		struct fd_budget b;
		r = fd_budget_check((uint64_t)(n - live) * fd_budget_per_instance(svc->cfg, runtime_has_cgroups(rt)), &b);
		if (r < 0) {
			svc->last_budget = b;
			return r;
		}
	}
	if ((r = grow(svc, n)) < 0)
		return r;
	for (uint32_t i = 0; i < n; i++) {
		struct instance *inst = svc->instances[i];
		if (!inst) {
			r = instance_new(rt, svc, svc->cfg, svc->cg_fd, i, &inst);
			if (r < 0) {
				/* Those made so far start; the rest is the error. */
				(void)loop_timer_start(rt->loop, &rt->start_timer, now_ns());
				return r;
			}
			svc->instances[i] = inst;
			svc->n_instances = MAX(svc->n_instances, i + 1);
			rt->total_instances++;
		} else if (!inst->retiring) {
			continue;
		}
		inst->retiring = false;
		inst->start_pending = true;
	}
	(void)loop_timer_start(rt->loop, &rt->start_timer, now_ns());
	/* Retire from the top; each is freed when it has stopped (at once if
	 * it is stopped already: the stop settles it). */
	for (uint32_t i = svc->n_instances; i > n; i--) {
		struct instance *inst = svc->instances[i - 1];
		if (!inst || inst->retiring)
			continue;
		inst->retiring = true;
		instance_event(inst, EV_STOP, "scale");
	}
	return 0;
}
