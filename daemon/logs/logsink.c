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
 * A full sink holds back the streams that forward: each waits as a
 * struct logsink_waiter and its wake() is called, from the loop, once the
 * sink drained.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "logs/linebuf.h"
#include "logs/logsink.h"

static void sink_wake_waiters(struct logsink *k)
{
	struct logsink_waiter *w = k->waiting;

	k->waiting = NULL;
	while (w) {
		struct logsink_waiter *next = w->next;
		w->next = NULL;
		w->queued = false;
		w->wake(w);
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
static void sink_account(struct logsink *k, int64_t res)
{
	if (k->waiting)   /* written, or dropped on an error: room either way */
		(void)loop_timer_start(k->loop, &k->wake, 0);
	if (res < 0) {
		/* EPIPE: nobody reads our stdout any more. What is queued is
		 * dropped and counted; forwarding goes on trying. */
		if (k->error != (int)res)
			log_error_errno((int)res, "log forwarding to stdout failed, dropping lines");
		k->error = (int)res;
		for (size_t i = 0; i < k->len; i++)
			k->dropped_lines += k->buf[i] == '\n';
		k->len = 0;
		return;
	}
	if (k->error)
		log_info("log forwarding to stdout works again");
	k->error = 0;
	memmove(k->buf, k->buf + res, k->len - (size_t)res);
	k->len -= (size_t)res;
}

bool logsink_idle(const struct logsink *k)
{
	return k->len == 0 && !k->in_flight;
}

static void notify_drained(struct logsink *k)
{
	if (k->drained && logsink_idle(k))
		k->drained(k, k->drained_userdata);
}

static void on_sink_written(struct loop *l, int64_t res, void *userdata)
{
	struct logsink *k = userdata;
	(void)l;

	k->in_flight = false;
	sink_account(k, res);
	logsink_flush(k);
	notify_drained(k);
}

static void on_sink_writable(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	struct logsink *k = userdata;
	(void)l, (void)revents;

	ssize_t w = write(fd, k->buf, MIN(k->len, (size_t)PIPE_BUF));
	if (w < 0 && errno == EINTR)
		return;
	sink_account(k, w < 0 ? -errno : w);
	if (k->len == 0) {
		loop_remove(k->loop, k->source);
		k->source = LOOP_ID_NONE;
	}
	notify_drained(k);
}

void logsink_flush(struct logsink *k)
{
	if (k->len == 0 || k->in_flight)
		return;
	if (k->async) {
		if (loop_write(k->loop, k->fd, k->buf, k->len, on_sink_written, k) >= 0) {
			k->in_flight = true;
			return;
		}
		/* No slot or SQE: the next put or completion tries again. */
		return;
	}
	if (k->gated) {
		if (k->source == LOOP_ID_NONE &&
		    loop_add(k->loop, k->fd, POLLOUT, on_sink_writable, k, &k->source) < 0)
			k->source = LOOP_ID_NONE;
		return;
	}
	ssize_t w;
	do
		w = write(k->fd, k->buf, k->len);
	while (w < 0 && errno == EINTR);
	sink_account(k, w < 0 ? -errno : w);
}

int logsink_init(struct logsink *k, struct loop *l, bool async)
{
	struct stat st;

	*k = (struct logsink){ .loop = l, .fd = STDOUT_FILENO, .source = LOOP_ID_NONE };
	loop_timer_init(&k->wake, on_wake, k);
	k->buf = malloc(LOGSINK_CAP);
	if (!k->buf)
		return -ENOMEM;
	bool is_reg = fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode);
	k->async = async && !is_reg;
	k->gated = !k->async && !is_reg && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
	return 0;
}

void logsink_done(struct logsink *k)
{
	if (k->loop) {
		loop_timer_stop(k->loop, &k->wake);
		loop_remove(k->loop, k->source);
	}
	k->source = LOOP_ID_NONE;
	free(k->buf);
	k->buf = NULL;
}

static size_t forward_len(const char *service, size_t n)
{
	return strlen(service) + sizeof(".4294967295| ") + n + sizeof(LINEBUF_SPLIT_MARKER) + 1;
}

bool logsink_has_room(const struct logsink *k, const char *service, size_t n)
{
	return LOGSINK_CAP - k->len >= forward_len(service, n);
}

void logsink_put(struct logsink *k, const char *service, unsigned index, const char *line,
		 size_t n, bool split)
{
	int r = format_forward_line(k->buf + k->len, LOGSINK_CAP - k->len, service, index, line, n,
				    split);
	if (r < 0) {
		k->dropped_lines++;
		return;
	}
	k->len += (size_t)r;
}

void logsink_wait(struct logsink *k, struct logsink_waiter *w)
{
	if (w->queued)
		return;
	w->queued = true;
	w->next = k->waiting;
	k->waiting = w;
}

void logsink_unwait(struct logsink *k, struct logsink_waiter *w)
{
	for (struct logsink_waiter **p = &k->waiting; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	w->next = NULL;
	w->queued = false;
}
