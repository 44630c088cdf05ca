/* SPDX-License-Identifier: MIT */
/*
 * logcap.c: the life of log streams (create with their pipe and file, close,
 * free), the log directories they share, shutdown, status and followers.
 * The data path itself is logstream.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/log.h"
#include "logs/logstream.h"
#include "basic/macro.h"

int logsys_init(struct logsys *sys, struct loop *l)
{
	*sys = (struct logsys){ .loop = l, .sink_fd = -EBADF };
	/* An async write the ring refuses outright tells us epoll is in use. */
	sys->async = strcmp(loop_backend_name(l), "uring") == 0;
	sys->piece = malloc(LINE_MAX_BYTES);
	if (!sys->piece)
		return -ENOMEM;
	return logsink_init(sys);
}

static void stream_free(struct logstream *s)
{
	linebuf_done(&s->in);
	logtail_done(&s->tail);
	free(s->out);
	logfile_close(&s->file);
	free(s->path);
	safe_close(s->rfd);
	safe_close(s->wfd);
	free(s);
}

void logsys_done(struct logsys *sys)
{
	/* Only streams whose write never completed are left: the ring that
	 * held them is gone now, so their buffers can go too. */
	while (sys->streams) {
		struct logstream *s = sys->streams;
		sys->streams = s->next;
		stream_free(s);
	}
	for (size_t i = 0; i < sys->n_dirs; i++) {
		free(sys->dirs[i].path);
		safe_close(sys->dirs[i].fd);
	}
	sys->n_dirs = 0;
	logsink_done(sys);
	free(sys->piece);
	sys->piece = NULL;
}

/* The directory fd for path, opened (and created) once, its failure
 * remembered and logged once. */
static int logsys_dir(struct logsys *sys, const char *path)
{
	for (size_t i = 0; i < sys->n_dirs; i++)
		if (strcmp(sys->dirs[i].path, path) == 0)
			return sys->dirs[i].fd >= 0 ? sys->dirs[i].fd : sys->dirs[i].error;
	if (sys->n_dirs == LOG_MAX_DIRS)
		return -EMFILE;
	int fd = -EBADF, r = logdir_open(path, &fd);
	char *copy = strdup(path);
	if (!copy) {
		safe_close(fd);
		return -ENOMEM;
	}
	if (r < 0)
		log_error_errno(r, "log directory %s: %s", path,
				r == -ELOOP ? "is a symlink, refusing it" : "cannot open it");
	sys->dirs[sys->n_dirs++] = (typeof(sys->dirs[0])){ copy, r < 0 ? -EBADF : fd, r };
	return r < 0 ? r : fd;
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
	int dfd = logsys_dir(s->sys, cfg->dir);
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

int logstream_new(struct logsys *sys, const struct log_config *cfg, const char *service,
		  unsigned index, bool is_stderr, struct logstream **ret)
{
	int p[2];
	struct logstream *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	/* Blocking for the child, which expects an ordinary stdout; our end is
	 * non-blocking. */
	if (pipe2(p, O_CLOEXEC) < 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) {
		int r = -errno;
		free(s);
		return r;
	}
	*s = (struct logstream){
		.sys = sys, .cfg = cfg, .service = service, .index = index,
		.is_stderr = is_stderr, .merged = !is_stderr && cfg->stderr_mode == LOG_STDERR_MERGE,
		.rfd = p[0], .wfd = p[1], .file = LOGFILE_NULL,
	};
	ratelimit_init(&s->rl, cfg->rate_bytes_per_s, cfg->rate_burst, now_ns());
	if (cfg->dir)
		open_file(s);
	s->next = sys->streams;
	if (sys->streams)
		sys->streams->prev = s;
	sys->streams = s;
	logstream_attach(s);
	*ret = s;
	return 0;
}

static void unlink_stream(struct logstream *s)
{
	struct logsys *sys = s->sys;

	if (s->prev)
		s->prev->next = s->next;
	else
		sys->streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
	for (struct logstream **w = &sys->waiting; *w; w = &(*w)->next_waiting)
		if (*w == s) {
			*w = s->next_waiting;
			break;
		}
}

void logstream_maybe_free(struct logstream *s)
{
	struct logsys *sys = s->sys;

	if (!s->closing || logstream_pending(s))
		return;
	if (s->busy) {
		s->busy = false;
		if (--sys->n_busy == 0 && sys->finishing)
			loop_quit(sys->loop);
	}
	if (s->released) {
		unlink_stream(s);
		stream_free(s);
	}
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
		logstream_detach(s);
		logstream_drain(s);
	}
	s->released = true;
	if (s->sys->stopped) {
		/* The loop runs no more: a write still in flight keeps its
		 * buffer until logsys_done(), after the ring is gone. */
		if (!s->write_in_flight) {
			unlink_stream(s);
			stream_free(s);
		}
		return;
	}
	if (logstream_pending(s) && !s->busy) {
		s->busy = true;
		s->sys->n_busy++;
	}
	logstream_maybe_free(s);
}

bool logsys_finish(struct logsys *sys)
{
	for (struct logstream *s = sys->streams; s; s = s->next) {
		if (s->closing)
			continue;
		logstream_detach(s);
		logstream_drain(s);
		if (logstream_pending(s) && !s->busy) {
			s->busy = true;
			sys->n_busy++;
		}
	}
	logsink_flush(sys);
	sys->finishing = true;
	return sys->n_busy > 0 || sys->sink_in_flight;
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

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)MIN(v, (uint64_t)INT64_MAX)));
}

json_object *logstream_status(const struct logstream *s)
{
	json_object *o = json_object_new_object();
	uint64_t held_ns = s->c.held_back_ns + (s->held ? now_ns() - s->held_since_ns : 0);

	add_u64(o, "bytes_in", s->c.bytes_in);
	add_u64(o, "lines_in", s->c.lines_in);
	add_u64(o, "bytes_written", s->c.bytes_written);
	add_u64(o, "dropped_bytes", s->c.dropped_bytes);
	add_u64(o, "dropped_lines", s->c.dropped_lines);
	add_u64(o, "held_back", s->c.held_back);
	add_u64(o, "held_back_ms", held_ns / NSEC_PER_MSEC);
	json_object_object_add(o, "held", json_object_new_boolean(s->held));
	add_u64(o, "write_errors", s->c.write_errors);
	add_u64(o, "rotations", s->file.rotations);
	add_u64(o, "buffered", linebuf_len(&s->in) + s->out_len);
	json_object_object_add(o, "file", s->path ? json_object_new_string(s->path) : NULL);
	json_object_object_add(o, "last_error",
			       s->c.last_error ? json_object_new_string(strerror(-s->c.last_error)) : NULL);
	if (s->merged)
		json_object_object_add(o, "merged", json_object_new_boolean(1));
	return o;
}
