/* SPDX-License-Identifier: MIT */
/*
 * logsink.c: `forward: stdout`, whole prefixed lines on the daemon's stdout.
 *
 * One bounded buffer of whole lines ("web.0| text\n") and one write in
 * flight at a time. We are the only writer of our stdout and single-
 * threaded, so a line cannot be cut by another service's line: a short
 * write leaves its rest at the front, and it goes out before anything
 * appended later. Nothing blocks the loop:
 *  - io_uring, stdout not a regular file: loop_write(), the kernel waits on
 *    a full pipe, not us. A regular file is written plainly instead: an
 *    asynchronous write at the file position would race with our own
 *    synchronous writes to stderr when both share one open file (`>f 2>&1`
 *    without O_APPEND) and could overwrite them;
 *  - epoll, stdout a pipe or socket: write on POLLOUT only, at most
 *    PIPE_BUF bytes, which POLLOUT guarantees room for;
 *  - epoll, stdout a file, terminal or /dev/null: plain write(2) (epoll
 *    cannot watch a regular file; such writes do not wait on a reader).
 * O_NONBLOCK is never set on fd 1: the open file description may be shared
 * with stderr (2>&1) and our own diagnostics would then be cut short.
 * A full sink holds back the streams that forward (they wait in
 * sys->waiting and go on once it drained).
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/log.h"
#include "logs/logstream.h"
#include "basic/macro.h"

static void sink_wake_waiters(struct logsys *sys)
{
	struct logstream *w = sys->waiting;

	sys->waiting = NULL;
	while (w) {
		struct logstream *next = w->next_waiting;
		w->next_waiting = NULL;
		w->waiting_sink = false;
		logstream_resume(w);
		w = next;
	}
}

static void on_wake(struct loop *l, void *userdata)
{
	(void)l;
	sink_wake_waiters(userdata);
}

/* Room was made: waiters go on in the next loop turn, never from inside
 * another stream's framing (which is where a synchronous write runs). */
static void sink_account(struct logsys *sys, int64_t res)
{
	if (sys->waiting)   /* written, or dropped on an error: room either way */
		(void)loop_timer_start(sys->loop, &sys->wake, 0);
	if (res < 0) {
		/* EPIPE: nobody reads our stdout any more. What is queued is
		 * dropped and counted; forwarding goes on trying. */
		if (sys->sink_error != (int)res)
			log_error_errno((int)res, "log forwarding to stdout failed, dropping lines");
		sys->sink_error = (int)res;
		for (size_t i = 0; i < sys->sink_len; i++)
			sys->sink_dropped_lines += sys->sink[i] == '\n';
		sys->sink_len = 0;
		return;
	}
	if (sys->sink_error)
		log_info("log forwarding to stdout works again");
	sys->sink_error = 0;
	memmove(sys->sink, sys->sink + res, sys->sink_len - (size_t)res);
	sys->sink_len -= (size_t)res;
}

static void on_sink_written(struct loop *l, int64_t res, void *userdata)
{
	struct logsys *sys = userdata;
	(void)l;

	sys->sink_in_flight = false;
	sink_account(sys, res);
	logsink_flush(sys);
}

static void on_sink_writable(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	struct logsys *sys = userdata;
	(void)l, (void)revents;

	ssize_t w = write(fd, sys->sink, MIN(sys->sink_len, (size_t)PIPE_BUF));
	if (w < 0 && errno == EINTR)
		return;
	sink_account(sys, w < 0 ? -errno : w);
	if (sys->sink_len == 0) {
		loop_remove(sys->loop, sys->sink_source);
		sys->sink_source = LOOP_ID_NONE;
	}
}

void logsink_flush(struct logsys *sys)
{
	if (sys->sink_len == 0 || sys->sink_in_flight)
		return;
	if (sys->sink_async) {
		if (loop_write(sys->loop, sys->sink_fd, sys->sink, sys->sink_len, on_sink_written,
			       sys) >= 0) {
			sys->sink_in_flight = true;
			return;
		}
		/* No slot or SQE: the next put or completion tries again. */
		return;
	}
	if (sys->sink_gated) {
		if (sys->sink_source == LOOP_ID_NONE &&
		    loop_add(sys->loop, sys->sink_fd, POLLOUT, on_sink_writable, sys,
			     &sys->sink_source) < 0)
			sys->sink_source = LOOP_ID_NONE;
		return;
	}
	ssize_t w;
	do
		w = write(sys->sink_fd, sys->sink, sys->sink_len);
	while (w < 0 && errno == EINTR);
	sink_account(sys, w < 0 ? -errno : w);
}

int logsink_init(struct logsys *sys)
{
	struct stat st;

	sys->sink_fd = STDOUT_FILENO;
	sys->sink_source = LOOP_ID_NONE;
	loop_timer_init(&sys->wake, on_wake, sys);
	sys->sink = malloc(LOGSINK_CAP);
	if (!sys->sink)
		return -ENOMEM;
	bool is_reg = fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode);
	sys->sink_async = sys->async && !is_reg;
	sys->sink_gated = !sys->sink_async && !is_reg &&
			  (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
	return 0;
}

void logsink_done(struct logsys *sys)
{
	free(sys->sink);
	sys->sink = NULL;
}

static size_t forward_len(const char *service, size_t n)
{
	return strlen(service) + sizeof(".4294967295| ") + n + sizeof(LINEBUF_SPLIT_MARKER) + 1;
}

bool logsink_has_room(const struct logsys *sys, const char *service, size_t n)
{
	return LOGSINK_CAP - sys->sink_len >= forward_len(service, n);
}

void logsink_put(struct logsys *sys, const char *service, unsigned index, const char *line,
		 size_t n, bool split)
{
	int r = format_forward_line(sys->sink + sys->sink_len, LOGSINK_CAP - sys->sink_len, service,
				    index, line, n, split);
	if (r < 0) {
		sys->sink_dropped_lines++;
		return;
	}
	sys->sink_len += (size_t)r;
}
