/* SPDX-License-Identifier: MIT */
/*
 * supervisor_reexec.c: see supervisor_reexec.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/log.h"
#include "policy/supervisor.h"
#include "policy/supervisor_reexec.h"

/* Time for the reply to the client to be written before the loop ends. */
#define REEXEC_DELAY_MS 20

/* The binary as it is on disk now: after a package upgrade replaced it,
 * /proc/self/exe reads "<path> (deleted)" and the path has the new one. */
static int binary_path(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	const char *del = " (deleted)";
	size_t dl = strlen(del);
	if ((size_t)n > dl && !strcmp(buf + n - dl, del))
		buf[n - dl] = '\0';
	return access(buf, X_OK) < 0 ? -errno : 0;
}

static void on_reexec_timer(struct loop *l, void *userdata)
{
	(void)userdata;
	loop_quit(l);
}

int supervisor_reexec(struct supervisor *s, const char *who, char *why, size_t len)
{
	char path[4096];

	if (s->rt.shutting_down) {
		snprintf(why, len, "the supervisor is shutting down");
		return -EBUSY;
	}
	if (!s->argv) {
		snprintf(why, len, "the daemon's arguments are unknown");
		return -EINVAL;
	}
	int r = binary_path(path, sizeof(path));
	if (r < 0) {
		snprintf(why, len, "the daemon's binary cannot be executed: %s", strerror(-r));
		return r;
	}
	if (s->reexec)
		return 0;
	s->reexec = true;
	log_event("reexec", NULL, -1, "by", who, "binary", path, NULL);
	loop_timer_init(&s->reexec_timer, on_reexec_timer, s);
	(void)loop_timer_start(s->loop, &s->reexec_timer, now_ns() + REEXEC_DELAY_MS * NSEC_PER_MSEC);
	return 0;
}

void supervisor_reexec_now(struct supervisor *s)
{
	char path[4096];

	int r = binary_path(path, sizeof(path));
	if (r < 0)
		goto fail;
	/* The read end of every output pipe crosses the exec: the new image
	 * finds them by inode (kernel/inherited_fds.h). */
	for (struct logstream *ls = s->logs.streams; ls; ls = ls->next)
		if (ls->rfd >= 0)
			(void)fcntl(ls->rfd, F_SETFD, 0);
	if (setenv(REEXEC_ENV, "1", 1) < 0) {
		r = -errno;
		goto fail;
	}
	log_info("reexec: executing %s", path);
	execv(path, s->argv);
	r = -errno;
fail:
	log_error_errno(r, "reexec failed; exiting without stopping the services: the next ringvisor run "
			"takes them back");
}
