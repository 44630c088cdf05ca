/* SPDX-License-Identifier: MIT */
/*
 * limits.c: the `limits` of a service as cgroup v2 files, whether each can be
 * enforced here, and writing them on an instance's cgroup.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy/limits.h"
#include "basic/macro.h"

static const struct limit_desc descs[] = {
	{ LIMIT_MEMORY_MAX, "memory_max", "memory.max", CGROUP_CTRL_MEMORY },
	{ LIMIT_MEMORY_HIGH, "memory_high", "memory.high", CGROUP_CTRL_MEMORY },
	{ LIMIT_MEMORY_SWAP_MAX, "memory_swap_max", "memory.swap.max", CGROUP_CTRL_MEMORY },
	{ LIMIT_PIDS_MAX, "pids_max", "pids.max", CGROUP_CTRL_PIDS },
	{ LIMIT_CPU_MAX, "cpu_max", "cpu.max", CGROUP_CTRL_CPU },
	{ LIMIT_CPU_WEIGHT, "cpu_weight", "cpu.weight", CGROUP_CTRL_CPU },
	{ LIMIT_IO_MAX, "io_max", "io.max", CGROUP_CTRL_IO },
};

const struct limit_desc *limit_desc(enum limit_kind k)
{
	return (unsigned)k < ELEMENTSOF(descs) ? &descs[k] : NULL;
}

bool limit_is_set(const struct limits_config *l, enum limit_kind k)
{
	switch (k) {
	case LIMIT_MEMORY_MAX: return l->memory_max > 0;
	case LIMIT_MEMORY_HIGH: return l->memory_high > 0;
	case LIMIT_MEMORY_SWAP_MAX: return l->has_memory_swap_max;
	case LIMIT_PIDS_MAX: return l->pids_max > 0;
	case LIMIT_CPU_MAX: return l->cpu_quota_us > 0;
	case LIMIT_CPU_WEIGHT: return l->cpu_weight > 0;
	case LIMIT_IO_MAX: return l->n_io_max > 0;
	case _LIMIT_MAX: break;
	}
	return false;
}

/* The value as written to the file; io_max gives its first rule (the others
 * are written one by one by limits_apply). */
int limit_format(const struct limits_config *l, enum limit_kind k, char *buf, size_t len)
{
	switch (k) {
	case LIMIT_MEMORY_MAX: return snprintf(buf, len, "%llu", (unsigned long long)l->memory_max);
	case LIMIT_MEMORY_HIGH: return snprintf(buf, len, "%llu", (unsigned long long)l->memory_high);
	case LIMIT_MEMORY_SWAP_MAX: return snprintf(buf, len, "%llu", (unsigned long long)l->memory_swap_max);
	case LIMIT_PIDS_MAX: return snprintf(buf, len, "%llu", (unsigned long long)l->pids_max);
	case LIMIT_CPU_MAX:
		return snprintf(buf, len, "%llu %llu", (unsigned long long)l->cpu_quota_us,
				(unsigned long long)(l->cpu_period_us ? l->cpu_period_us : 100000));
	case LIMIT_CPU_WEIGHT: return snprintf(buf, len, "%u", l->cpu_weight);
	case LIMIT_IO_MAX: return snprintf(buf, len, "%s", l->n_io_max ? l->io_max[0] : "");
	case _LIMIT_MAX: break;
	}
	return -EINVAL;
}

int limits_apply(int fd, const struct limits_config *l, unsigned controllers,
		 enum limit_kind *ret_failed)
{
	char v[128];
	int r;

	/* The group kill on OOM first: it must hold before memory.max can bite. */
	if (controllers & CGROUP_CTRL_MEMORY)
		(void)cgroup_write(fd, "memory.oom.group", l->memory_oom_group ? "1" : "0");
	for (enum limit_kind k = 0; k < _LIMIT_MAX; k++) {
		if (!limit_is_set(l, k) || !(controllers & descs[k].controller))
			continue;
		if (k == LIMIT_IO_MAX) {
			for (size_t i = 0; i < l->n_io_max; i++)
				if ((r = cgroup_write(fd, "io.max", l->io_max[i])) < 0)
					goto fail;
			continue;
		}
		limit_format(l, k, v, sizeof(v));
		if ((r = cgroup_write(fd, descs[k].file, v)) < 0)
			goto fail;
		continue;
fail:
		*ret_failed = k;
		return r;
	}
	return 0;
}

static bool has_device_rule(const struct limits_config *l, const char *rule)
{
	size_t n = strcspn(rule, " ");
	for (size_t i = 0; i < l->n_io_max; i++)
		if (!strncmp(l->io_max[i], rule, n) && l->io_max[i][n] == ' ')
			return true;
	return false;
}

void limits_reset(int fd, const struct limits_config *old, const struct limits_config *new, unsigned controllers)
{
	static const char *const dflt[_LIMIT_MAX] = {
		[LIMIT_MEMORY_MAX] = "max", [LIMIT_MEMORY_HIGH] = "max", [LIMIT_MEMORY_SWAP_MAX] = "max",
		[LIMIT_PIDS_MAX] = "max", [LIMIT_CPU_MAX] = "max", [LIMIT_CPU_WEIGHT] = "100",
	};
	char v[128];

	for (enum limit_kind k = 0; k < _LIMIT_MAX; k++) {
		if (!limit_is_set(old, k) || !(controllers & descs[k].controller))
			continue;
		if (k != LIMIT_IO_MAX) {
			if (!limit_is_set(new, k))
				(void)cgroup_write(fd, descs[k].file, dflt[k]);
			continue;
		}
		for (size_t i = 0; i < old->n_io_max; i++) {
			if (has_device_rule(new, old->io_max[i]))
				continue;
			snprintf(v, sizeof(v), "%.*s rbps=max wbps=max riops=max wiops=max",
				 (int)strcspn(old->io_max[i], " "), old->io_max[i]);
			(void)cgroup_write(fd, "io.max", v);
		}
	}
}

const char *limit_unenforced_reason(const struct cgroup_root *cg, const char *cg_reason,
				    enum limit_kind k, char *buf, size_t len)
{
	const struct limit_desc *d = limit_desc(k);
	char avail[128] = "";

	if (cg->fd < 0) {
		snprintf(buf, len, "no cgroups: %s", cg_reason);
		return buf;
	}
	if (cg->controllers & d->controller)
		return NULL;
	if (cgroup_read(cg->fd, "cgroup.controllers", avail, sizeof(avail)) > 0)
		avail[strcspn(avail, "\n")] = '\0';
	snprintf(buf, len, "the %s controller is not available in %s (cgroup.controllers: %s)",
		 cgroup_controller_name(d->controller), cg->path, avail[0] ? avail : "empty");
	return buf;
}
