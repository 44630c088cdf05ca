/* SPDX-License-Identifier: MIT */
/*
 * supervisor_signal.c: see supervisor_signal.h.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "basic/log.h"
#include "policy/supervisor.h"
#include "policy/supervisor_reexec.h"
#include "policy/supervisor_reload.h"
#include "policy/supervisor_signal.h"

/* SIGHUP: `reload` of the daemon's own file; the outcome is in the log. */
void reload_on_signal(struct supervisor *s)
{
	struct reload_report rep;

	log_info("SIGHUP: reloading %s", s->config_path);
	(void)supervisor_reload(s, NULL, &rep);
	reload_report_done(&rep);
}

/* sigfd.c routes every other terminating signal here. */
void log_ignored(int sig)
{
	char name[32];

	if (sig >= SIGRTMIN)
		snprintf(name, sizeof(name), "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(name, sizeof(name), "SIG%s", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	log_info("signal %s (%d) ignored: SIGHUP reloads, SIGTERM/SIGINT/SIGQUIT stop", name, sig);
}

void reexec_on_signal(struct supervisor *s)
{
	char why[256];

	if (supervisor_reexec(s, "SIGUSR2", why, sizeof(why)) < 0)
		log_error("SIGUSR2: cannot reexec: %s", why);
}
