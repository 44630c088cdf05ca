/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sys/resource.h>

#include "basic/fd_util.h"
#include "policy/fd_budget.h"

unsigned fd_budget_per_instance(const struct service_config *c, bool cgroups)
{
	bool files = c->log.dir != NULL;
	unsigned n = 2 + cgroups;              /* pidfd, exec-error pipe, cgroup dir */
	n += 2 + files;                        /* stdout pipe (both ends), its file */
	if (c->log.stderr_mode == LOG_STDERR_SEPARATE)
		n += 2 + files;
	return n;
}

int fd_budget_check(uint64_t need, struct fd_budget *ret)
{
	struct rlimit rl;
	long open = fd_count();

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	*ret = (struct fd_budget){ .limit = rl.rlim_cur, .in_use = open > 0 ? (uint64_t)open : 0, .need = need };
	uint64_t used = ret->in_use + FD_BUDGET_RESERVE;
	ret->left = ret->limit > used ? ret->limit - used : 0;
	return need <= ret->left ? 0 : -EMFILE;
}

int fd_budget_raise(uint64_t *ret_soft)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	*ret_soft = rl.rlim_cur;
	if (rl.rlim_cur == rl.rlim_max)
		return 0;
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl) < 0 ? -errno : 1;
}
