/* SPDX-License-Identifier: MIT */
/*
 * logstream.c: the life of one log stream: created with its pipe and file,
 * closed when its instance goes (what is left is still written out), freed
 * once idle; and its followers. The data path is logpump.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/time_util.h"
#include "logs/logpump.h"
#include "logs/logstream.h"

void logstream_free(struct logstream *s)
{
	struct logsys *sys = s->sys;

	if (s->prev)
		s->prev->next = s->next;
	else if (sys->streams == s)
		sys->streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
	logsink_unwait(&sys->ctx.sink, &s->sink_waiter);
	linebuf_done(&s->in);
	logtail_done(&s->tail);
	free(s->out);
	logfile_close(&s->file);
	free(s->path);
	fdstore_drop(sys->store, logstream_pipe_ino(s));
	safe_close(s->rfd);
	safe_close(s->wfd);
	free(s);
}

static const char *refusal(int r)
{
	switch (r) {
	case -ELOOP: return "is a symlink, refusing it";
	case -EINVAL: return "is not a regular file (a FIFO, socket or device), refusing it";
	case -EMLINK: return "has more than one hard link, refusing it";
	case -EISDIR: return "is a directory, refusing it";
	default: return "cannot open it";
	}
}

static void open_file(struct logstream *s)
{
	char name[LOGFILE_NAME_MAX + 1];
	const struct log_config *cfg = s->cfg;

	snprintf(name, sizeof(name), "%s.%u%s.log", s->service, s->index, s->is_stderr ? ".err" : "");
	s->has_file = true;
	if (asprintf(&s->path, "%s/%s", cfg->dir, name) < 0) {
		s->path = NULL;
		log_error("%s.%u: out of memory for its log file", s->service, s->index);
		s->c.last_error = -ENOMEM;
		return;
	}
	int dfd = logdirs_get(&s->sys->dirs, cfg->dir);
	int r = dfd < 0 ? dfd : logfile_open(dfd, name, cfg->max_bytes, cfg->backups, &s->file);
	if (r < 0) {
		/* The service runs anyway; its lines still reach the tail and
		 * any forward, and are counted as dropped from the file. */
		log_error_errno(r, "%s.%u: log file %s %s", s->service, s->index, s->path, refusal(r));
		s->c.last_error = r;
		return;
	}
	s->file_ok = true;
}

/* Closing and nothing left on its way (called by logpump.c). */
static void on_idle(struct logstream *s)
{
	struct logsys *sys = s->sys;

	if (s->busy) {
		s->busy = false;
		/* The last busy stream at shutdown: done, unless forwarded
		 * lines are still on their way (the sink then says when). */
		if (--sys->n_busy == 0 && sys->finishing && logsink_idle(&sys->ctx.sink))
			loop_quit(sys->ctx.loop);
	}
	if (s->released)
		logstream_free(s);
}

int logstream_new(struct logsys *sys, const struct log_config *cfg, const char *service,
		  unsigned index, bool is_stderr, struct logstream **ret)
{
	_cleanup_close_ int rfd = -EBADF, wfd = -EBADF;
	int p[2];

	/* Blocking for the child, which expects an ordinary stdout; our end is
	 * non-blocking. */
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	rfd = p[0];
	wfd = p[1];
	if (fcntl(rfd, F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	struct logstream *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	*s = (struct logstream){
		.sys = sys, .ctx = &sys->ctx, .cfg = cfg, .service = service, .index = index,
		.is_stderr = is_stderr, .merged = !is_stderr && cfg->stderr_mode == LOG_STDERR_MERGE,
		.rfd = TAKE_FD(rfd), .wfd = TAKE_FD(wfd), .file = LOGFILE_NULL, .idle = on_idle,
	};
	ratelimit_init(&s->rl, cfg->rate_bytes_per_s, cfg->rate_burst, now_ns());
	if (cfg->dir)
		open_file(s);
	s->next = sys->streams;
	if (sys->streams)
		sys->streams->prev = s;
	sys->streams = s;
	fdstore_add(sys->store, logstream_pipe_ino(s), s->rfd);
	logpump_attach(s);
	*ret = s;
	return 0;
}

static void mark_busy(struct logstream *s)
{
	if (logpump_pending(s) && !s->busy) {
		s->busy = true;
		s->sys->n_busy++;
	}
}

void logstream_use_config(struct logstream *s, const struct log_config *cfg, const char *service)
{
	s->cfg = cfg;
	s->service = service;
}

int logstream_adopt_pipe(struct logstream *s, pid_t pid, int fdnum, uint64_t ino)
{
	char path[64];
	struct stat st;

	/* After a reexec our own read end came across exec; after a crash,
	 * opening a pipe through /proc/PID/fd gives a new end of that same
	 * pipe, with the mode asked for. */
	_cleanup_close_ int rfd = inherited_fds_take(s->sys->inherited, ino);
	if (rfd >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", rfd);
		if (fcntl(rfd, F_SETFL, O_NONBLOCK) < 0)
			return -errno;
	} else {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fdnum);
		rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (rfd < 0)
			return -errno;
	}
	if (fstat(rfd, &st) < 0)
		return -errno;
	if (!S_ISFIFO(st.st_mode) || !ino || st.st_ino != ino)
		return -ESTALE;   /* not the pipe we gave it */
	_cleanup_close_ int wfd = open(path, O_WRONLY | O_CLOEXEC);
	if (wfd < 0)
		return -errno;
	logpump_detach(s);
	fdstore_drop(s->sys->store, logstream_pipe_ino(s));
	safe_close(s->rfd);
	safe_close(s->wfd);
	s->rfd = TAKE_FD(rfd);
	s->wfd = TAKE_FD(wfd);
	fdstore_add(s->sys->store, ino, s->rfd);
	logpump_attach(s);
	return 0;
}

/* The pipe's inode, from either end: logstream_close() closes the write
 * end first, and the fd store's drop (logstream_free) comes after; by the
 * write end alone that drop was never sent, and the helper held every
 * scaled-down instance's pipe for good. */
uint64_t logstream_pipe_ino(const struct logstream *s)
{
	struct stat st;
	int fd = !s ? -1 : s->rfd >= 0 ? s->rfd : s->wfd;
	return fd >= 0 && fstat(fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

void logstream_close(struct logstream *s)
{
	if (!s)
		return;
	for (struct log_follower *f = s->followers; f; f = f->next)
		f->stream = NULL;
	s->followers = NULL;
	s->wfd = safe_close(s->wfd);
	if (!s->closing) {
		logpump_detach(s);
		logpump_drain(s);
	}
	s->released = true;
	if (s->sys->stopped) {
		/* The loop runs no more: a write still in flight keeps its
		 * buffer until logsys_done(), after the ring is gone. */
		if (!s->write_in_flight)
			logstream_free(s);
		return;
	}
	mark_busy(s);
	if (!logpump_pending(s))
		on_idle(s);
}

void logstream_finish(struct logstream *s)
{
	if (s->closing)
		return;
	logpump_detach(s);
	logpump_drain(s);
	mark_busy(s);
}

int logstream_rotate(struct logstream *s)
{
	return logpump_rotate(s);
}

int logstream_read_back(struct logstream *s, struct logread_req *req, logread_fn fn, void *userdata,
			struct logread_result *ret)
{
	if (!s->file_ok)
		return -ENOENT;
	req->dirfd = s->file.dirfd;
	req->name = s->file.name;
	req->backups = s->file.backups;
	req->live_size = s->file.size;
	req->live_fd = s->file.fd >= 0 ? s->file.fd : -1;
	/* Not yet in the file (a write in flight included: live_size leaves
	 * it out there). */
	req->pending = s->out;
	req->pending_len = s->out ? s->out_len : 0;
	req->timestamps = s->cfg->timestamps;
	return logread_last(req, fn, userdata, ret);
}

void logstream_follow(struct logstream *s, struct log_follower *f)
{
	f->stream = s;
	f->next = s->followers;
	s->followers = f;
}

void logstream_unfollow(struct log_follower *f)
{
	if (!f->stream)
		return;
	for (struct log_follower **p = &f->stream->followers; *p; p = &(*p)->next)
		if (*p == f) {
			*p = f->next;
			break;
		}
	f->stream = NULL;
}
