/* SPDX-License-Identifier: MIT */
/*
 * spawn_slots.h: fd numbers the daemon keeps, low in its table, for a
 * vfork child to move the fds it needs into before it unshares the table
 * (spawn.c, spawn_child.c). Why: a child that copies the daemon's whole
 * table pays one reference per fd the daemon holds (about 5 per instance)
 * at the clone, and one close per fd at exec: starting N services cost N
 * times the table, growing as N^2 (docs/design.md, "Spawn").
 */
#pragma once

#define SPAWN_SLOTS 5   /* stdin, stdout, stderr, the passed fd, the error pipe */

/* Takes the SPAWN_SLOTS lowest free fds (and one more, /dev/null, to put
 * back in them), close-on-exec. At start, before other fds: the lower,
 * the less a child copies. 0 or -errno (then no slots: a child copies the
 * whole table, as before). */
int spawn_slots_reserve(void);
/* At the daemon's start: fds 0, 1 and 2 opened on /dev/null where closed,
 * then spawn_slots_reserve() (its result). */
int spawn_slots_prepare(void);
/* The slots, or NULL when none were reserved; *top is the highest. */
const int *spawn_slots(int *top);
/* In the daemon, once the child unshared (vfork: the clone returned):
 * each slot of used (bit i: slot i) back on /dev/null, dropping what the
 * child moved there; the others still hold it. */
void spawn_slots_reset(unsigned used);
