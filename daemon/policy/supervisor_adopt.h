/* SPDX-License-Identifier: MIT */
/*
 * supervisor_adopt.h: at start, the instance cgroups a previous daemon left
 * populated are taken back rather than killed, when each still is what the
 * config describes: the service exists with that index, its definition's
 * digest is the record's (instance_record.h), and the recorded main process
 * is alive, in that cgroup, with the recorded start time (so a reused pid
 * is never taken). Anything else is killed as a whole tree, and said.
 * docs/adoption.md.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "kernel/pidref.h"
#include "policy/instance_record.h"

struct supervisor;

struct adoptee {
	size_t service;                 /* index in supervisor.services */
	unsigned index;
	struct pidref pid;              /* opened and checked at the sweep */
	struct instance_record rec;
};

/* cgroup_sweep_keep_fn: ud is the supervisor. */
bool supervisor_adopt_keep(const char *svc, const char *idx, int fd, void *ud);
/* Once the instances exist (before the loop runs): each kept one is taken
 * back; one that cannot be is killed and starts afresh. */
void supervisor_adopt_all(struct supervisor *s);
/* The fd store (kernel/fdstore.h) in <root>/fdhold, once the leftovers
 * are swept; a previous daemon's store there is noted, to be killed once
 * the pipes it held are taken back. Nothing without cgroups or when
 * children die with the daemon. */
void supervisor_fdstore_start(struct supervisor *s);
void supervisor_fdstore_stop(struct supervisor *s);
bool supervisor_fdstore_owns_pid(const struct supervisor *s, pid_t pid);
/* What supervisor_adopt_keep kept and supervisor_adopt_all did not take. */
void supervisor_adopt_done(struct supervisor *s);
