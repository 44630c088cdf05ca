/* SPDX-License-Identifier: MIT */
/*
 * fd_kind.h: the kinds of fd the leak probe counts apart.
 */
#pragma once

#include <errno.h>

struct stat;

enum fd_kind { FD_SOCKET, FD_PIPE, FD_REGULAR, FD_ANON, FD_OTHER, _FD_KIND_MAX, _FD_KIND_INVALID = -EINVAL };

enum fd_kind fd_kind_from_link(const char *target);      /* readlink of /proc/PID/fd/N */
/* Classifies like fd_kind_from_link(), but with the mode of the file itself
 * (stat of /proc/PID/fd/N, which follows the fd even when the path is gone):
 * st == NULL stats the link target instead. */
enum fd_kind fd_kind_classify(const char *target, const struct stat *st);
const char *fd_kind_to_string(enum fd_kind k);           /* socket pipe regular anon other */
enum fd_kind fd_kind_from_string(const char *s);
