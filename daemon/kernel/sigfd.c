/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basic/macro.h"
#include "kernel/sigfd.h"

/* glibc refuses (EINVAL) to touch the two real-time signals it reserves
 * for itself (32 and 33), but an ignored disposition for them survives exec
 * like any other and was seen inherited on a fresh Debian root: reset them
 * with the raw syscall, which takes the kernel's struct. The daemon is
 * single-threaded and never cancels a thread, so glibc does not need them. */
static void reset_reserved(int sig)
{
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		uint64_t mask;
	} ksa = { .handler = SIG_DFL };
	(void)syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.mask));
}

int sigfd_open(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t mask;

	/* Whatever our parent ignored (nohup: SIGHUP; shells: SIGPIPE) goes
	 * back to default once, here, so a child inherits clean dispositions
	 * and does not need to reset them one by one. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, &dfl, NULL) < 0)
			reset_reserved(sig);
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
	/* Every other signal whose default is to end the process, read and
	 * logged instead: a `kill -USR1` from a logrotate habit, a stray
	 * SIGALRM or real-time signal must not take every service down with
	 * the daemon. (SIGSEGV and the other faults keep their default.) */
	static const int ignored[] = { SIGUSR1, SIGUSR2 /* reexec */, SIGALRM, SIGVTALRM, SIGPROF, SIGIO, SIGPWR,
				       SIGSTKFLT, SIGXCPU, SIGXFSZ };
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		sigaddset(&mask, ignored[i]);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaddset(&mask, sig);
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
