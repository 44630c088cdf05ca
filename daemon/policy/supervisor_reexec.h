/* SPDX-License-Identifier: MIT */
/*
 * supervisor_reexec.h: `ringvisor reexec` and SIGUSR2: the daemon exec()s
 * its binary again (the file on disk: a new version after an upgrade)
 * with the same arguments. No service is stopped: the loop ends, what the
 * log streams hold is written out, their pipes' read ends cross the exec
 * open (so a writing service never sees EPIPE and no line is lost), and
 * the new image takes every instance back from its cgroup and record as
 * after a crash (supervisor_adopt.h), still as its children.
 * docs/adoption.md.
 */
#pragma once

#include <stddef.h>

struct supervisor;

#define REEXEC_ENV "RINGVISOR_REEXEC"

/* Whether it can be done (the binary is there and executable), why not in
 * why. 0: the loop ends shortly (after the reply is written) and
 * supervisor_run() execs. */
int supervisor_reexec(struct supervisor *s, const char *who, char *why, size_t len);
/* From supervisor_run(), once the loop and the logs are done: returns only
 * if exec failed (said); the services keep running for a later daemon. */
void supervisor_reexec_now(struct supervisor *s);
