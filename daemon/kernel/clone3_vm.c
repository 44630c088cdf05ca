/* SPDX-License-Identifier: MIT */
/*
 * clone3_vm.c: the clone3() entry for CLONE_VM children (see clone3_vm.h).
 * Written in assembly because the child must not touch the caller's stack:
 * it runs fn(arg) on its own, which the kernel points %rsp at.
 */
#include <errno.h>
#include <sys/syscall.h>

#include "kernel/clone3_vm.h"

#if defined(__x86_64__)
_Static_assert(SYS_clone3 == 435 && SYS_exit_group == 231, "x86_64 syscall numbers");
/* rdi = args, rsi = size, rdx = fn, rcx = arg. The kernel keeps every
 * register but rax, rcx and r11 across the syscall, in both processes, so
 * fn (rdx) and arg (moved to r8) are still there in the child. */
__asm__(
	".text\n"
	".globl clone3_vm\n"
	".type clone3_vm, @function\n"
	"clone3_vm:\n"
	"	mov %rcx, %r8\n"
	"	mov $435, %eax\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz 1f\n"
	"	ret\n"                  /* parent: the pid or -errno */
	"1:	xor %ebp, %ebp\n"       /* child: the outermost frame */
	"	and $-16, %rsp\n"
	"	mov %r8, %rdi\n"
	"	call *%rdx\n"
	"	mov %eax, %edi\n"
	"	mov $231, %eax\n"
	"	syscall\n"
	"	hlt\n"
	".size clone3_vm, .-clone3_vm\n");
#else
long clone3_vm(struct clone_args *args, size_t size, int (*fn)(void *), void *arg)
{
	(void)args, (void)size, (void)fn, (void)arg;
	return -ENOSYS;
}
#endif
