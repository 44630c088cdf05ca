/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

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
	/* Not our child (a process adopted after a daemon restart): its
	 * parent reaps it. Alive now (the pidfd says), its group id is its
	 * own; only an exit, a reaping by that parent and a pid wrap-around
	 * all in between these two calls could make it another's. */
	if (r == -ECHILD)
		r = pidref_kill(p, 0);
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

int pidref_open(pid_t pid, struct pidref *ret)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -errno;
	*ret = (struct pidref){ .pid = pid, .fd = fd };
	return 0;
}

int pidref_start_time(pid_t pid, uint64_t *ret)
{
	return pidref_stat(pid, NULL, ret, NULL);
}

int pidref_stat(pid_t pid, pid_t *ret_ppid, uint64_t *ret_start, char *ret_state)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	/* The command name may hold spaces and ')': fields count from the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	unsigned long long v = 0;
	int ppid = 0;
	/* After ')': field 3 (state), 4 (ppid) ... 22 (starttime). */
	for (int field = 3; field <= 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EIO;
		if ((field == 4 && sscanf(p + 1, "%d", &ppid) != 1) ||
		    (field == 22 && sscanf(p + 1, "%llu", &v) != 1))
			return -EIO;
	}
	if (ret_state)
		*ret_state = strrchr(buf, ')')[2];
	if (ret_ppid)
		*ret_ppid = ppid;
	if (ret_start)
		*ret_start = v;
	return 0;
}

int pidref_fork(struct pidref *ret)
{
	struct clone_args args = { .flags = CLONE_PIDFD, .exit_signal = SIGCHLD };
	int pidfd = -EBADF;

	args.pidfd = (uint64_t)(uintptr_t)&pidfd;
	/* clone3 without CLONE_VM or a stack is fork with a pidfd made at
	 * once; where seccomp refuses it, fork + pidfd_open (safe: the loop
	 * alone reaps, and only once this returned). */
	pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && (errno == ENOSYS || errno == EPERM)) {
		pid = fork();
		if (pid > 0) {
			pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
			if (pidfd < 0) {
				int r = -errno;
				(void)kill(pid, SIGKILL);
				return r;
			}
		}
	}
	if (pid < 0)
		return -errno;
	if (pid == 0)
		return 0;
	*ret = (struct pidref){ .pid = pid, .fd = pidfd };
	return 1;
}
