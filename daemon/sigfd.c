/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "macro.h"
#include "sigfd.h"

int sigfd_open(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t mask;

	/* Whatever our parent ignored (nohup: SIGHUP; shells: SIGPIPE) goes
	 * back to default once, here, so a child inherits clean dispositions
	 * and does not need to reset them one by one. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &dfl, NULL);
	sigemptyset(&mask);
	/* SIGPIPE blocked, not read: a write to a closed stderr pipe or
	 * client socket fails with EPIPE instead of killing the daemon. */
	sigaddset(&mask, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	return RET_NERRNO(signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
}

int sigfd_read(int fd, int *ret_signo)
{
	struct signalfd_siginfo si;
	ssize_t n;

	do
		n = read(fd, &si, sizeof(si));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if ((size_t)n != sizeof(si))
		return -EIO;
	*ret_signo = (int)si.ssi_signo;
	return 1;
}
