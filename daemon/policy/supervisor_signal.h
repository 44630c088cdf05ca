/* SPDX-License-Identifier: MIT */
/*
 * supervisor_signal.h: what the daemon does with the signals that are not
 * its shutdown or SIGCHLD: SIGHUP reloads, SIGUSR2 re-executes, every
 * other signal whose default would end it is logged and ignored
 * (kernel/sigfd.c routes them all to the signalfd).
 */
#pragma once

struct supervisor;

void reload_on_signal(struct supervisor *s);
void reexec_on_signal(struct supervisor *s);
void log_ignored(int sig);
