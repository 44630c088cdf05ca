/* SPDX-License-Identifier: MIT */
/*
 * sigign: run a command with EVERY signal ignored (but KILL and STOP),
 * including the two glibc reserves for itself (32, 33), set with the raw
 * syscall as an outside environment could leave them. Tests use it to check
 * that services still start with default dispositions.
 *
 *   sigign CMD ARGS...
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		uint64_t mask;
	} ksa = { .handler = SIG_IGN };

	if (argc < 2) {
		fprintf(stderr, "usage: sigign CMD [ARGS...]\n");
		return 100;
	}
	for (int sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.mask));
	execvp(argv[1], argv + 1);
	perror("sigign: exec");
	return 127;
}
