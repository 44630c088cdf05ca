/* SPDX-License-Identifier: MIT */
/*
 * logpump.c: one captured stream, from its pipe to its outputs. The shape
 * of the data path and its rules are in logstream.h; the reasons in
 * docs/logs.md. Its owner (logstream.c) learns through s->idle() that a
 * closing stream has nothing left on its way.
 *
 * Invariants: out[0..out_len) holds whole pieces as they go to the file
 * (timestamp, bytes, '\n' unless split); while a write is in flight it reads
 * from out[0..), and pieces are only appended behind it, so one write per
 * file is ever in flight and the file gets the bytes in order. `held` is
 * true exactly while the ring is full and nothing could leave it.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/time_util.h"
#include "logs/logblock.h"
#include "logs/logdirect.h"
#include "logs/logpump.h"
#include "basic/macro.h"

#define MARKER_MAX 128

static void stream_pump(struct logstream *s);

/* A closing stream with nothing left on its way: tell the owner. */
static void notify_idle(struct logstream *s)
{
	if (s->closing && s->idle && !logpump_pending(s))
		s->idle(s);
}

static bool has_rate(const struct logstream *s) { return s->cfg->rate_bytes_per_s > 0; }
static bool forwards(const struct logstream *s) { return s->cfg->forward == LOG_FORWARD_STDOUT; }
/* A file that takes bytes: configured, opened, and not being retried. */
static bool file_usable(const struct logstream *s) { return s->out != NULL; }

static void set_error(struct logstream *s, int err, const char *what)
{
	if (err == s->c.last_error)
		return;
	if (err)
		log_error_errno(err, "%s.%u: log file %s: %s", s->service, s->index, s->path, what);
	else
		log_info("%s.%u: log file %s: writing again", s->service, s->index, s->path);
	s->c.last_error = err;
}

/* ---- file output ---- */

static void on_kick(struct loop *l, void *userdata);   /* also the write retry's */

static void written(struct logstream *s, int64_t w)
{
	if (w < 0) {
		s->c.write_errors++;
		if (s->closing) {
			/* No retries once closing: what is left is dropped, counted. */
			for (size_t i = 0; i < s->out_len; i++)
				s->c.dropped_lines += s->out[i] == '\n';
			s->c.dropped_bytes += s->out_len;
			s->out_len = 0;
			set_error(s, (int)w, "dropping what is left at close");
			return;
		}
		bool full = w == -ENOSPC || w == -EDQUOT;
		set_error(s, (int)w, has_rate(s) ? (full ? "disk full, dropping new lines (rate_limit set)" :
						      "write failed, dropping new lines (rate_limit set)") :
				      full ? "disk full, holding the service back" :
					     "write failed, holding the service back");
		s->retry_ms = s->retry_ms ? MIN(s->retry_ms * 2, (uint64_t)LOGSTREAM_RETRY_MAX_MS) :
					    LOGSTREAM_RETRY_MIN_MS;
		(void)loop_timer_start(s->ctx->loop, &s->retry, now_ns() + s->retry_ms * NSEC_PER_MSEC);
		return;
	}
	logfile_commit(&s->file, w);
	s->c.bytes_written += (uint64_t)w;
	memmove(s->out, s->out + w, s->out_len - (size_t)w);
	s->out_len -= (size_t)w;
	s->retry_ms = 0;
	s->direct_failed = false;
	set_error(s, 0, NULL);
}

static void on_written(struct loop *l, int64_t res, void *userdata)
{
	struct logstream *s = userdata;
	(void)l;

	s->write_in_flight = false;
	if (s->splicing) {
		s->splicing = false;
		logdirect_spliced(s, res);
	} else {
		written(s, res);
	}
	if (s->rotate_pending)
		(void)logpump_rotate(s);
	stream_pump(s);
	notify_idle(s);
}

/* An operator's rotation: now, or, while a write is in flight (its fd is
 * the live file's), as soon as it completes, so no byte lands in the file
 * that just became name.1 after the live one was reopened. */
int logpump_rotate(struct logstream *s)
{
	if (!s->file_ok)
		return -ENOENT;
	s->rotate_pending = s->write_in_flight;
	if (s->rotate_pending)
		return 0;
	int r = logfile_rotate(&s->file);
	if (r < 0)
		set_error(s, r, "cannot rotate on request");
	return r;
}

static void file_flush(struct logstream *s)
{
	if (!file_usable(s) || s->out_len == 0 || s->write_in_flight || loop_timer_armed(&s->retry))
		return;
	size_t n = logfile_write_size(&s->file, s->out, s->out_len);
	int fd = logfile_prepare(&s->file, n);
	if (fd < 0) {
		written(s, fd);
		return;
	}
	if (s->file.rotate_error && s->file.rotate_error != s->c.last_error)
		set_error(s, s->file.rotate_error, "cannot rotate, appending past max_bytes");
	if (s->ctx->async && loop_write(s->ctx->loop, fd, s->out, n, on_written, s) >= 0) {
		s->write_in_flight = true;
		return;
	}
	/* epoll (or no room in the ring for the write): at most one staging
	 * buffer, into the page cache normally; docs/logs.md says when this
	 * can block. */
	ssize_t w;
	do
		w = write(fd, s->out, n);
	while (w < 0 && errno == EINTR);
	written(s, w < 0 ? -errno : w);
	/* A short write (the disk filled) goes on too: the next one then
	 * fails and arms the retry, or nothing would ever write the rest. */
	if (w > 0 && s->out_len > 0)
		file_flush(s);
}

/* ---- framing: from the ring to the outputs ---- */

static void drop(struct logstream *s, size_t n, bool split, const char *why)
{
	s->c.lines_in += !split;   /* read, even if not kept */
	s->c.dropped_bytes += n + !split;
	s->pend_drop_bytes += n + !split;
	if (!split) {
		s->c.dropped_lines++;
		s->pend_drop_lines++;
	}
	s->pend_drop_why = why;
}

/* The marker, on a line of its own, before the first piece after drops. */
static void put_marker(struct logstream *s, bool to_file, bool to_sink, uint64_t ts_ms)
{
	char m[MARKER_MAX];
	int n = format_drop_marker(m, sizeof(m), s->pend_drop_bytes, MAX(s->pend_drop_lines, 1u),
				   s->pend_drop_why);
	if (n < 0)
		return;
	if (to_file) {
		if (s->mid_line)
			s->out[s->out_len++] = '\n';
		memcpy(s->out + s->out_len, m, (size_t)n);
		s->out_len += (size_t)n;
		s->out[s->out_len++] = '\n';
		s->mid_line = false;
	}
	if (to_sink)
		logsink_put(&s->ctx->sink, s->service, s->index, m, (size_t)n, false);
	logtail_push(&s->tail, m, (size_t)n, false, ts_ms);
	s->pend_drop_bytes = s->pend_drop_lines = 0;
}

/* The next piece out of the ring: 1 and its size, or 0 when none is whole
 * (at EOF the unterminated rest counts, as a split piece). */
static int next_piece(struct logstream *s, size_t *n, bool *split)
{
	int r = linebuf_next_piece(&s->in, n, split);
	/* At EOF, or handing over to the direct path: nothing more is read
	 * into the ring, so its unfinished line goes now, as a split piece. */
	if (r == 0 && (s->eof || s->handover) && linebuf_len(&s->in) > 0) {
		*n = linebuf_len(&s->in);
		*split = true;   /* no '\n' follows it in the file */
		r = 1;
	}
	return r;
}

/* Room for a piece of n bytes in every output? If not, the stream holds
 * back, or (a rate limit, an output that fails) the piece is dropped. */
enum room { ROOM, HOLD, DROPPED };

static enum room check_room(struct logstream *s, size_t n, bool split)
{
	size_t need = n + 1 + (s->cfg->timestamps && !s->mid_line ? LOG_TIMESTAMP_LEN : 0) +
		      (s->pend_drop_bytes ? MARKER_MAX + 1 : 0);
	bool file_ok = !file_usable(s) || LOGSTREAM_STAGING - s->out_len >= need;
	bool sink_ok = !forwards(s) || logsink_has_room(&s->ctx->sink, s->service, n + MARKER_MAX);

	if (file_ok && sink_ok)
		return ROOM;
	/* An output that is only busy (a write in flight) holds the stream
	 * back; one that fails drops, if a rate limit says output may be lost
	 * rather than the service slowed. */
	bool failing = (!file_ok && s->c.last_error) || (!sink_ok && s->ctx->sink.error);
	if (!has_rate(s) || !failing) {
		if (!sink_ok)
			logsink_wait(&s->ctx->sink, &s->sink_waiter);
		return HOLD;
	}
	linebuf_take_piece(&s->in, s->ctx->piece, n, split);
	drop(s, n, split, file_ok ? "stdout full" : "log file full");
	return DROPPED;
}

/* The piece goes to the file's staging buffer (or is counted as dropped
 * from a file refused at start), the tail, the followers and the sink. */
static void emit(struct logstream *s, size_t n, bool split, uint64_t *rt)
{
	char *piece = s->ctx->piece;

	/* Every piece carries its receive time (the tail, followers, the
	 * file's prefix): one clock read per framing pass. */
	if (!*rt)
		*rt = realtime_ns();
	uint64_t ts_ms = *rt / NSEC_PER_MSEC;
	if (s->pend_drop_bytes)
		put_marker(s, file_usable(s), forwards(s), ts_ms);
	if (file_usable(s)) {
		if (s->cfg->timestamps && !s->mid_line)
			s->out_len += format_line_timestamp(s->out + s->out_len, ts_ms);
		piece = s->out + s->out_len;
		linebuf_take_piece(&s->in, piece, n, split);
		s->out_len += n;
		if (!split)
			s->out[s->out_len++] = '\n';
		s->mid_line = split;
	} else {
		linebuf_take_piece(&s->in, piece, n, split);
		/* The file was refused at start (logged then): count, no marker. */
		s->c.dropped_bytes += s->has_file ? n + !split : 0;
		s->c.dropped_lines += s->has_file && !split;
	}
	s->c.lines_in += !split;
	logtail_push(&s->tail, piece, n, split, ts_ms);
	for (struct log_follower *f = s->followers; f; f = f->next)
		f->push(f, piece, n, split, s->tail.next_seq - 1, ts_ms);
	if (forwards(s))
		logsink_put(&s->ctx->sink, s->service, s->index, piece, n, split);
}

/* Returns true when a piece could not leave the ring for want of room. */
static bool frame(struct logstream *s)
{
	uint64_t rt = 0;
	size_t n;
	bool split;

	if (s->mid_line_unsure && linebuf_len(&s->in))
		logdirect_settle(s);
	/* The fast path first, each time round (logblock.h); then a piece. */
	while (logblock_frame(s, &rt), next_piece(s, &n, &split)) {
		enum room room = check_room(s, n, split);
		if (room == HOLD)
			return true;
		if (room == DROPPED)
			continue;
		/* Charged only once the piece can go: a piece held back is
		 * looked at again, and must not pay twice. */
		size_t cost = n + !split;
		if (has_rate(s) && ratelimit_take(&s->rl, cost, now_ns()) < cost) {
			s->rl.tokens = 0;   /* what it did take is spent on nothing */
			linebuf_take_piece(&s->in, s->ctx->piece, n, split);
			drop(s, n, split, "rate limit");
			continue;
		}
		emit(s, n, split, &rt);
	}
	return false;
}

/* ---- reading ---- */

static void on_readable(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	(void)l, (void)fd, (void)revents;
	stream_pump(userdata);
}

static void hold(struct logstream *s, bool on)
{
	if (on == s->held)
		return;
	s->held = on;
	if (on) {
		s->c.held_back++;
		s->held_since_ns = now_ns();
	} else {
		s->c.held_back_ns += now_ns() - s->held_since_ns;
	}
	/* epoll is level-triggered: a full ring must not be watched, or every
	 * turn would wake for data we cannot take. io_uring's poll fires on
	 * new data only, so it stays armed. */
	if (s->ctx->async || s->closing)
		return;
	if (on) {
		loop_remove(s->ctx->loop, s->source);
		s->source = LOOP_ID_NONE;
	} else if (s->source == LOOP_ID_NONE &&
		   loop_add(s->ctx->loop, s->rfd, POLLIN, on_readable, s, &s->source) < 0) {
		s->source = LOOP_ID_NONE;
		log_error("%s.%u: cannot watch the output pipe", s->service, s->index);
	}
}

static int ensure_buffers(struct logstream *s)
{
	if (!s->in.buf && linebuf_init(&s->in, LOGSTREAM_RING) < 0)
		return -ENOMEM;
	if (!s->tail.buf && logtail_init(&s->tail, s->cfg->tail_bytes) < 0)
		return -ENOMEM;
	if (s->file_ok && !s->out && !(s->out = malloc(LOGSTREAM_STAGING)))
		return -ENOMEM;
	return 0;
}

/* The pipe is drained: drops since the last piece that passed are marked
 * now (given room), not left in memory for a next piece that may never come. */
static void mark_drops(struct logstream *s)
{
	if (!s->pend_drop_bytes || (file_usable(s) && LOGSTREAM_STAGING - s->out_len < MARKER_MAX + 1) ||
	    (forwards(s) && !logsink_has_room(&s->ctx->sink, s->service, MARKER_MAX)))
		return;
	put_marker(s, file_usable(s), forwards(s), realtime_ns() / NSEC_PER_MSEC);
	file_flush(s);
	logsink_flush(&s->ctx->sink);
}

/* The next bytes from the pipe: by splice when handing over to the direct
 * path (the framed bytes first: a write in flight pumps on when it ends),
 * else into the ring. false: wait for news. */
static bool take(struct logstream *s, size_t *budget)
{
	if (s->handover && s->write_in_flight)
		return false;
	if (s->handover && logdirect_drained(s)) {
		int r = logdirect_move(s, budget, on_written);
		if (r > 0)
			return true;
		if (r == 0) {
			logdirect_turn_end(s);
			return false;   /* the pipe is empty */
		}
	}
	char *area;
	size_t room = MIN(linebuf_write_area(&s->in, &area), *budget);
	ssize_t r = read(s->rfd, area, room);
	int err = r < 0 ? errno : 0;
	if (err == EINTR)
		return true;
	if (r > 0) {
		s->turn_bytes = (uint32_t)MIN((uint64_t)s->turn_bytes + (size_t)r, (uint64_t)UINT32_MAX);
		linebuf_commit(&s->in, (size_t)r);
		s->c.bytes_in += (uint64_t)r;
		*budget -= (size_t)r;
		return true;
	}
	/* EOF, closing and nothing left now, or an error that would repeat. */
	if (err && err != EAGAIN)
		log_error_errno(-err, "%s.%u: reading its output failed", s->service, s->index);
	if (r == 0 || s->closing || err != EAGAIN) {
		s->eof = true;
		if (!s->closing) {
			loop_remove(s->ctx->loop, s->source);
			s->source = LOOP_ID_NONE;
		}
		return true;
	}
	logdirect_turn_end(s);
	mark_drops(s);
	return false;
}

static void stream_pump(struct logstream *s)
{
	size_t budget = LOGSTREAM_READ_BUDGET;

	if (ensure_buffers(s) < 0) {
		log_error("%s.%u: out of memory for its log buffers", s->service, s->index);
		return;
	}
	for (;;) {
		s->handover = logdirect_wanted(s);
		bool blocked = frame(s);
		size_t staged = s->out_len, sunk = s->ctx->sink.len;
		file_flush(s);
		logsink_flush(&s->ctx->sink);
		/* A synchronous write (epoll) made room: frame on, nothing
		 * else would bring us back. */
		if (blocked && (s->out_len < staged || s->ctx->sink.len < sunk))
			continue;
		if (blocked && linebuf_full(&s->in)) {
			hold(s, true);
			return;
		}
		hold(s, false);
		if (s->eof || s->rfd < 0) {
			mark_drops(s);
			return;
		}
		if (budget == 0) {
			logdirect_turn_end(s);
			(void)loop_timer_start(s->ctx->loop, &s->kick, 0);
			return;
		}
		if (s->splicing)
			return;   /* nothing reads the pipe meanwhile; its end pumps on */
		if (!take(s, &budget))
			return;
	}
}

static void on_kick(struct loop *l, void *userdata)
{
	(void)l;
	stream_pump(userdata);
}

/* The sink drained: frame on. */
static void on_sink_room(struct logsink_waiter *w)
{
	struct logstream *s = (struct logstream *)((char *)w - offsetof(struct logstream, sink_waiter));

	stream_pump(s);
	notify_idle(s);
}

void logpump_attach(struct logstream *s)
{
	s->sink_waiter.wake = on_sink_room;
	loop_timer_init(&s->kick, on_kick, s);
	loop_timer_init(&s->retry, on_kick, s);
	if (loop_add(s->ctx->loop, s->rfd, POLLIN, on_readable, s, &s->source) < 0) {
		s->source = LOOP_ID_NONE;
		log_error("%s.%u: cannot watch the output pipe; output is not read",
			  s->service, s->index);
	}
}

void logpump_detach(struct logstream *s)
{
	loop_remove(s->ctx->loop, s->source);
	s->source = LOOP_ID_NONE;
	loop_timer_stop(s->ctx->loop, &s->kick);
	loop_timer_stop(s->ctx->loop, &s->retry);
}

/* Closing: read what is left now, write it all out. */
void logpump_drain(struct logstream *s)
{
	if (s->held)
		hold(s, false);
	s->closing = true;
	loop_timer_stop(s->ctx->loop, &s->kick);
	stream_pump(s);
	/* A failing file gets no more retries: what cannot be written now is
	 * dropped and counted when the stream is freed. */
}

bool logpump_pending(const struct logstream *s)
{
	return s->write_in_flight || (file_usable(s) && s->out_len > 0 && s->c.last_error == 0);
}
