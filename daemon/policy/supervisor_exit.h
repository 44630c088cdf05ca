/* SPDX-License-Identifier: MIT */
/*
 * supervisor_exit.h: `on_exit: shutdown`: an instance of such a service
 * that ends on its own (not stopped by an operator, a reload or the
 * daemon) ends the daemon, whose exit code becomes that instance's: its
 * code, or 128 + the signal that killed it, as a shell reports it; 1 when
 * it is unknown (an adopted process, not our child). What tini and
 * process-compose's exit_on_end do for a container's main process.
 */
#pragma once

struct instance;
struct supervisor;

/* rt.exit_shutdown: records the code and why, and arms exit_timer
 * (supervisor.c's, which shuts down): the shutdown starts from the loop,
 * after the instance's own exit is handled. */
void supervisor_on_exit_shutdown(struct instance *inst, int code, void *userdata);
