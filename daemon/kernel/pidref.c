/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/wait.h>

#include "basic/macro.h"
#include "kernel/pidref.h"

void pidref_done(struct pidref *p)
{
	p->fd = safe_close(p->fd);
	p->pid = 0;
}

int pidref_kill(const struct pidref *p, int sig)
{
	if (!pidref_is_set(p))
		return -ESRCH;
	return RET_NERRNO(pidfd_send_signal(p->fd, sig, NULL, 0));
}

int pidref_kill_group(const struct pidref *p, int sig)
{
	siginfo_t si = { 0 };

	if (!pidref_is_set(p))
		return -ESRCH;
	/* While the leader is unreaped (alive or zombie) its pid, and so the
	 * group id it created with setsid(), cannot be taken by anyone else.
	 * WNOWAIT only peeks; reaping stays with the event loop. */
	int r = RET_NERRNO(waitid((idtype_t)P_PIDFD, (id_t)p->fd, &si,
				  WEXITED | WNOHANG | WNOWAIT));
	if (r < 0)
		return r;
	r = RET_NERRNO(kill(-p->pid, sig));
	if (r == -ESRCH)   /* the group has no member left but the leader */
		r = pidref_kill(p, sig);
	return r;
}

int pidref_reap(const struct pidref *p, siginfo_t *ret)
{
	siginfo_t si = { 0 };

	if (!pidref_is_set(p))
		return -ECHILD;
	int r = RET_NERRNO(waitid((idtype_t)P_PIDFD, (id_t)p->fd, &si, WEXITED | WNOHANG));
	if (r < 0)
		return r;
	if (si.si_pid == 0)
		return 0;
	*ret = si;
	return 1;
}
