/* SPDX-License-Identifier: MIT */
/*
 * instance_adopt.h: an instance's record for a later daemon
 * (instance_record.h), written at each start and when it becomes ready,
 * and taking a process back from that record: its cgroup (limits written
 * again, events watched), its pidfd, its counters and its output pipes.
 * docs/adoption.md.
 */
#pragma once

#include "kernel/pidref.h"
#include "policy/instance.h"
#include "policy/instance_record.h"
#include "policy/instance_spawn.h"

/* Takes pid (moved into inst) as the instance's process; the caller then
 * enters it running (EV_ADOPTED). -errno: pid was left to the caller. */
int instance_adopt_process(struct instance *inst, struct pidref *pid, const struct instance_record *rec,
			   const struct instance_hooks *h);
