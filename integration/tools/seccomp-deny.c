/* SPDX-License-Identifier: MIT */
/*
 * seccomp-deny: run a command with some syscalls refused, as a container
 * runtime's seccomp profile would refuse them, to test the real fallback
 * paths (io_uring -> epoll, clone3 -> fork + pidfd_open, a vfork child
 * that cannot unshare its fd table -> one that copies it).
 *
 *   seccomp-deny io_uring_setup=EPERM clone3=ENOSYS -- CMD ARGS...
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

struct name { const char *s; int v; };

static const struct name syscalls[] = {
	{ "io_uring_setup", __NR_io_uring_setup },
	{ "clone3", __NR_clone3 },
	{ "pidfd_open", __NR_pidfd_open },
	{ "close_range", __NR_close_range },
	{ "unshare", __NR_unshare },
};
static const struct name errnos[] = {
	{ "EPERM", EPERM }, { "ENOSYS", ENOSYS }, { "EACCES", EACCES }, { "ENOMEM", ENOMEM },
};

static int lookup(const struct name *t, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(t[i].s) == len && !strncmp(t[i].s, s, len))
			return t[i].v;
	return -1;
}

int main(int argc, char **argv)
{
	struct sock_filter f[64];
	size_t n = 0;
	int i;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *eq = strchr(argv[i], '=');
		int nr = eq ? lookup(syscalls, sizeof(syscalls) / sizeof(*syscalls), argv[i], (size_t)(eq - argv[i])) : -1;
		int e = eq ? lookup(errnos, sizeof(errnos) / sizeof(*errnos), eq + 1, strlen(eq + 1)) : -1;
		if (nr < 0 || e < 0 || n + 2 > sizeof(f) / sizeof(*f) - 1) {
			fprintf(stderr, "seccomp-deny: bad rule \"%s\" (SYSCALL=ERRNO)\n", argv[i]);
			return 100;
		}
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)e & SECCOMP_RET_DATA));
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	if (i >= argc - 1) {
		fprintf(stderr, "usage: seccomp-deny SYSCALL=ERRNO... -- CMD [ARGS...]\n");
		return 100;
	}
	struct sock_fprog prog = { .len = (unsigned short)n, .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("seccomp-deny: prctl");
		return 111;
	}
	execvp(argv[i + 1], argv + i + 1);
	perror("seccomp-deny: exec");
	return 127;
}
