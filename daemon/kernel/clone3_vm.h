/* SPDX-License-Identifier: MIT */
/*
 * clone3_vm.h: clone3() for a child that shares the caller's memory
 * (CLONE_VM) and runs a function on a stack of its own.
 *
 * A CLONE_VM child cannot come back from the syscall on the caller's stack:
 * it would return through frames the caller returns through too (the reason
 * vfork() is written in assembly). So, as glibc's clone3.S and musl's
 * __clone do, the child starts on the given stack and calls fn(arg) there;
 * if fn returns, the child exits with its value. The parent gets the pid,
 * or -errno (errno itself is not touched). x86_64 only for now; elsewhere
 * it answers -ENOSYS and spawn_probe() picks another method.
 */
#pragma once

#include <linux/sched.h>
#include <stddef.h>

/* args->stack and args->stack_size must describe the child's stack. */
long clone3_vm(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);
