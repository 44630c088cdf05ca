/* SPDX-License-Identifier: MIT */
/*
 * logdirect.c: see logdirect.h. Why: a relay that copies every byte into
 * user space and out again costs two copies per byte on top of the page
 * cache's; splice(2) hands the pipe's pages to the file's write with none
 * (docs/performance.md, "Log capture").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/time_util.h"
#include "logs/logdirect.h"

bool logdirect_wanted(const struct logstream *s)
{
	const struct log_config *c = s->cfg;
	const struct logfile *f = &s->file;

	if (!s->ctx->splice || !s->bulk || s->direct_off || s->direct_failed || !s->out || s->closing ||
	    s->eof || s->rfd < 0)
		return false;
	/* A failing file, or drops to mark: the framed path deals with them. */
	if (s->c.last_error || loop_timer_armed(&s->retry) || s->pend_drop_bytes)
		return false;
	if (c->timestamps || c->rate_bytes_per_s || c->forward == LOG_FORWARD_STDOUT || s->followers)
		return false;
	/* Within a ring of max_bytes the framed path writes, so that the
	 * rotation falls between two lines (logfile_write_size). */
	return f->max_bytes == 0 || (f->rotate_error == 0 && f->size + LOGSTREAM_RING < f->max_bytes);
}

bool logdirect_drained(const struct logstream *s)
{
	return !s->out_len && !s->write_in_flight && !s->rotate_pending && !linebuf_len(&s->in);
}

static size_t move_size(const struct logstream *s, size_t budget)
{
	const struct logfile *f = &s->file;

	if (f->max_bytes == 0)
		return budget;
	return (size_t)MIN((uint64_t)budget, f->max_bytes - LOGSTREAM_RING - f->size);
}

/* n bytes went from the pipe to the file. */
static void moved(struct logstream *s, size_t n)
{
	s->c.bytes_in += n;
	s->c.bytes_written += n;
	s->c.spliced_bytes += n;
	s->turn_bytes = (uint32_t)MIN((uint64_t)s->turn_bytes + n, (uint64_t)UINT32_MAX);
	logfile_commit(&s->file, (ssize_t)n);
	/* The tail would show older lines as the newest: `logs` reads the
	 * file back instead, which has these bytes too. */
	logtail_clear(&s->tail);
	s->mid_line_unsure = true;
}

/* What a failed splice means: -EAGAIN nothing to move; a file that cannot
 * take splices at all: the framed path from now on; else (a full disk) the
 * framed path until one of its writes succeeds: it meets the error itself,
 * and reports, retries, holds back or drops as it always does. */
static int refused(struct logstream *s, int err)
{
	if (err == -EAGAIN)
		return 0;
	s->direct_failed = true;
	if (err == -EINVAL || err == -EOPNOTSUPP || err == -ENOSYS) {
		s->direct_off = true;
		log_info("%s.%u: log file %s refuses splice (%s): copying its bytes instead", s->service,
			 s->index, s->path, strerror(-err));
	}
	return err;
}

/* The log file for reading, through a reopen of the stream's own
 * (write-only) fd: the same inode, whatever its name holds now. -1 when
 * there is none or /proc is not there. */
static int reopen_for_reading(const struct logstream *s)
{
	char path[32];

	if (s->file.fd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", s->file.fd);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* One piece to the tail and the followers, as the framer's emit() does. */
static void catch_up_piece(struct logstream *s, const char *p, size_t n, bool split, uint64_t ts_ms)
{
	logtail_push(&s->tail, p, n, split, ts_ms);
	for (struct log_follower *f = s->followers; f; f = f->next)
		f->push(f, p, n, split, s->tail.next_seq - 1, ts_ms);
}

/* Followers that came while a splice was in flight (none can come to a
 * stream being spliced and stay without ending the direct path): the
 * bytes it moved, file[from, from + n), are in no tail they were shown.
 * Read back, through a reopen of the file's fd, in pieces as the framer
 * cuts them. */
static void catch_up(struct logstream *s, uint64_t from, size_t n)
{
	char *buf = s->ctx->piece, *p, *nl;
	uint64_t ts_ms = realtime_ns() / NSEC_PER_MSEC;
	size_t have = 0;
	ssize_t r;
	int fd;

	if ((fd = reopen_for_reading(s)) < 0)
		return;
	while (n > 0 && (r = pread(fd, buf + have, MIN(n, LINE_MAX_BYTES - have), (off_t)from)) > 0) {
		from += (uint64_t)r, n -= (size_t)r, have += (size_t)r;
		for (p = buf; (nl = memchr(p, '\n', (size_t)(buf + have - p))); p = nl + 1)
			catch_up_piece(s, p, (size_t)(nl - p), false, ts_ms);
		have = (size_t)(buf + have - p);
		/* A piece's worth without a '\n', or the splice's end inside a
		 * line: a split piece, as the framer would pass it on. */
		if (have && (have == LINE_MAX_BYTES || n == 0)) {
			catch_up_piece(s, p, have, true, ts_ms);
			have = 0;
		}
		memmove(buf, p, have);
	}
	close(fd);
}

void logdirect_spliced(struct logstream *s, int64_t res)
{
	uint64_t from = s->file.size;

	if (res > 0)
		moved(s, (size_t)res);
	if (res > 0 && s->followers)
		catch_up(s, from, (size_t)res);
	else if (res < 0)
		(void)refused(s, (int)res);
	/* 0: every writer gone; the framed path reads the EOF itself. */
}

/* Queued on the ring: only for bytes the pipe holds now (only we read it,
 * so they stay), or an empty pipe would send the splice back with EAGAIN
 * after the poll had already fired for the next write. */
static int queue_splice(struct logstream *s, size_t *n)
{
	int avail = 0;

	if (ioctl(s->rfd, FIONREAD, &avail) < 0)
		return -errno;
	if (avail <= 0)
		return 0;
	*n = MIN(*n, (size_t)avail);
	return 1;
}

int logdirect_move(struct logstream *s, size_t *budget, loop_write_fn done)
{
	size_t n = move_size(s, *budget);
	int fd, q;
	ssize_t r;

	if (s->ctx->async && (q = queue_splice(s, &n)) <= 0)
		return q;
	fd = logfile_prepare_splice(&s->file, n);
	if (fd < 0)
		return refused(s, fd);
	if (s->ctx->async && loop_splice(s->ctx->loop, s->rfd, fd, n, done, s) >= 0) {
		s->write_in_flight = s->splicing = true;
		*budget -= n;   /* what it may move, counted now */
		return 1;
	}
	do
		r = splice(s->rfd, NULL, fd, NULL, n, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return refused(s, -errno);
	if (r == 0)
		return -ENODATA;   /* every writer gone: the framed path sees the EOF */
	moved(s, (size_t)r);
	*budget -= (size_t)r;
	return 1;
}

/* Once per hand-over to the framed path, so the file's own fd stays
 * write-only: the last byte through a read-only reopen. */
void logdirect_settle(struct logstream *s)
{
	char last = '\n';
	int fd;

	s->mid_line_unsure = false;
	if (s->file.size > 0 && (fd = reopen_for_reading(s)) >= 0) {
		if (pread(fd, &last, 1, (off_t)s->file.size - 1) != 1)
			last = '\n';   /* unknown: as after a whole line */
		close(fd);
	}
	s->mid_line = last != '\n';
}

void logdirect_turn_end(struct logstream *s)
{
	/* A flood's bursts end with a small turn or two: only a run of them
	 * ends it, so each burst does not start on the framed path again. */
	if (s->turn_bytes >= LOGSTREAM_PIPE_FULL)
		s->bulk = true;
	if (s->turn_bytes >= LOGSTREAM_BULK_MIN)
		s->quiet_turns = 0;
	else if (s->bulk && ++s->quiet_turns >= LOGSTREAM_BULK_QUIET_TURNS)
		s->bulk = false;
	s->turn_bytes = 0;
	/* One larger pipe, once: fewer turns (and on io_uring fewer hand-offs
	 * to a worker) per byte; its pages are only taken while bytes wait. */
	if (!s->bulk || s->pipe_grown)
		return;
	s->pipe_grown = true;
	if (fcntl(s->rfd, F_SETPIPE_SZ, LOGSTREAM_PIPE_MAX) < 0)
		log_debug("%s.%u: cannot grow the output pipe to %u KiB: %m", s->service, s->index,
			  LOGSTREAM_PIPE_MAX >> 10);
}
