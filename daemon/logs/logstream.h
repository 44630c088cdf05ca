/* SPDX-License-Identifier: MIT */
/*
 * logstream.h: capture of one instance's output stream (stdout, or stderr
 * when it is kept separate) and the daemon-wide state all streams share
 * (struct logsys: log directories, the forward sink on our stdout).
 *
 * Data path of a stream (docs/logs.md):
 *
 *   pipe ──read──▶ ring (64 KiB) ──framer──▶ piece ─┬─▶ staging ──write──▶ file
 *                                                   ├─▶ tail (for `logs`)
 *                                                   ├─▶ followers (`logs -f`)
 *                                                   └─▶ forward sink ──▶ our stdout
 *
 * The daemon keeps both ends of the pipe for the life of the instance, so
 * the read end never sees EOF between two runs and nothing written before
 * an exit is lost. Nothing on this path blocks the loop: reads are
 * non-blocking, file writes go through io_uring (loop_write) or, on epoll,
 * are plain write(2) of at most one staging buffer. When an output has no
 * room the stream stops taking lines out of the ring; the ring fills, the
 * daemon stops reading, the pipe fills and the child blocks in write(2):
 * nothing is lost, and the time is counted as held_back. With a rate limit
 * the stream drops instead (whole pieces, counted, and a marker line).
 *
 * Policy lives here as well as mechanism: a stream logs (once per change)
 * why its file cannot be written.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "config/config.h"
#include "logs/linebuf.h"
#include "logs/logfile.h"
#include "kernel/loop.h"

#define LOGSTREAM_RING (64u * 1024)
/* A piece, a timestamp, the " [split]" or drop marker, and the '\n'. */
/* Two pieces: one being written while the next is framed. */
#define LOGSTREAM_STAGING (2 * LINE_MAX_BYTES + 256u)
#define LOGSINK_CAP (256u * 1024)
#define LOGSTREAM_READ_BUDGET (1u << 20)   /* bytes per stream per loop turn */
#define LOGSTREAM_RETRY_MIN_MS 1000
#define LOGSTREAM_RETRY_MAX_MS 10000
#define LOG_TIMESTAMP_LEN 25               /* "2026-11-24T12:00:00.123Z " */
#define LOG_MAX_DIRS 256                   /* distinct log directories */

struct logstream;

/* A `logs -f` client watching one stream: push() gets every piece the
 * framer passes, and must not block or call back into the stream. */
struct log_follower {
	struct logstream *stream;      /* NULL once the stream is gone */
	struct log_follower *next;
	void (*push)(struct log_follower *f, const char *line, size_t n, bool split, uint64_t seq);
	void *userdata;
};

struct log_counters {
	uint64_t bytes_in, lines_in, bytes_written;
	uint64_t dropped_bytes, dropped_lines;
	uint64_t held_back, held_back_ns;
	uint64_t write_errors, forward_dropped_lines;
	int last_error;                /* -errno of the last failed write or open, 0 once it works */
};

struct logsys {
	struct loop *loop;
	bool async;                    /* loop_write() works (io_uring) */
	struct { char *path; int fd; int error; } dirs[LOG_MAX_DIRS];
	size_t n_dirs;
	char *piece;                   /* scratch for one piece: LINE_MAX_BYTES */
	/* The forward sink: whole lines for our stdout, one write at a time. */
	int sink_fd;
	bool sink_async;               /* io_uring writes (stdout not a regular file) */
	bool sink_gated;               /* a pipe or socket on epoll: write on POLLOUT only */
	loop_id sink_source;
	char *sink;
	size_t sink_len;
	bool sink_in_flight;
	int sink_error;                /* logged once; forwarding drops until it works */
	uint64_t sink_dropped_lines;
	struct logstream *waiting;     /* streams held back by a full sink */
	struct loop_timer wake;        /* resumes them, from the loop, once it drained */
	struct logstream *streams;     /* every stream, for status and shutdown */
	size_t n_busy;                 /* streams closing with data still to write */
	bool finishing;                /* shutdown: loop_quit() once n_busy is 0 */
	bool stopped;                  /* the loop runs no more: close frees at once */
};

struct logstream {
	struct logsys *sys;
	const struct log_config *cfg;
	const char *service;           /* the config's name */
	unsigned index;
	bool is_stderr;
	bool merged;                   /* stdout carrying stderr too */
	int rfd, wfd;                  /* both ends of the pipe, kept across restarts */
	loop_id source;
	struct loop_timer kick;        /* read budget spent: go on next turn */
	struct loop_timer retry;       /* a failed file write: try again */
	uint64_t retry_ms;
	struct linebuf in;             /* allocated on the first byte */
	char *out;                     /* staging for the file, LOGSTREAM_STAGING */
	size_t out_len;
	bool write_in_flight;
	bool mid_line;                 /* the file's last piece was split */
	struct logtail tail;
	struct logfile file;
	bool has_file;                 /* a file is configured */
	bool file_ok;                  /* and it was opened */
	char *path;                    /* "<dir>/<name>", for messages; NULL without a file */
	struct ratelimit rl;
	uint64_t pend_drop_bytes, pend_drop_lines;   /* marker not written yet */
	const char *pend_drop_why;
	bool held;
	uint64_t held_since_ns;
	bool waiting_sink;
	bool closing;                  /* no more reads after what is in the pipe */
	bool released;                 /* the instance let go: free once written */
	bool busy;                     /* counted in sys->n_busy */
	bool eof;
	struct log_counters c;
	struct log_follower *followers;
	struct logstream *next_waiting;
	struct logstream *next, *prev;   /* sys->streams */
};

int logsys_init(struct logsys *sys, struct loop *l);
void logsys_done(struct logsys *sys);   /* after loop_free: frees what writes may have used */
/* Shutdown: every stream reads what is left in its pipe and writes it out;
 * returns true when something is still being written (run the loop, it
 * quits once all is written). */
bool logsys_finish(struct logsys *sys);
/* After the last loop_run(): streams closed from now on are freed at once. */
static inline void logsys_stop(struct logsys *sys) { sys->stopped = true; }

/* A stream for one instance: the pipe, and the file opened (or its refusal
 * logged, the stream then has no file). -errno only for what makes capture
 * impossible (no pipe, no memory). */
int logstream_new(struct logsys *sys, const struct log_config *cfg, const char *service,
		  unsigned index, bool is_stderr, struct logstream **ret);
/* Reads what is left, writes it out, then frees (later, if a write is in
 * flight). Closes the daemon's write end at once. NULL is a no-op. */
void logstream_close(struct logstream *s);
json_object *logstream_status(const struct logstream *s);

void logstream_follow(struct logstream *s, struct log_follower *f);
void logstream_unfollow(struct log_follower *f);

/* Between logstream.c and logcap.c. */
void logstream_attach(struct logstream *s);    /* timers, and watch the pipe */
void logstream_detach(struct logstream *s);
void logstream_drain(struct logstream *s);     /* read what is left, write it out */
bool logstream_pending(const struct logstream *s);   /* bytes still on their way */
void logstream_maybe_free(struct logstream *s); /* frees a closed stream once done */

/* logsink.c: the forward sink on our stdout. */
int logsink_init(struct logsys *sys);
void logsink_done(struct logsys *sys);
/* Room for a piece of n bytes from `service` (with prefix and marker)? */
bool logsink_has_room(const struct logsys *sys, const char *service, size_t n);
/* Appends one forward line (the caller checked the room) and starts a write. */
void logsink_put(struct logsys *sys, const char *service, unsigned index, const char *line,
		 size_t n, bool split);
void logsink_flush(struct logsys *sys);
/* logstream.c: a stream waiting for the sink goes on (called by logsink). */
void logstream_resume(struct logstream *s);
