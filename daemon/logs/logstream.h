/* SPDX-License-Identifier: MIT */
/*
 * logstream.h: capture of one instance's output stream (stdout, or stderr
 * when it is kept separate): its life (logstream.c) and the state its data
 * path (logpump.c) works on; struct logctx is what all streams share (the
 * loop, the forward sink on our stdout), held by struct logsys (logsys.c).
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
 *
 * Calls go one way: logsys -> logstream -> logpump -> logsink. Upward news
 * is a callback: a closing stream tells logstream.c it is idle through
 * s->idle, and the sink wakes a held-back stream through its waiter.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config/config.h"
#include "kernel/fdstore.h"
#include "kernel/inherited_fds.h"
#include "kernel/loop.h"
#include "logs/linebuf.h"
#include "logs/logdirs.h"
#include "logs/logfile.h"
#include "logs/logread.h"
#include "logs/logsink.h"

#define LOGSTREAM_RING (64u * 1024)
/* A piece, a timestamp, the " [split]" or drop marker, and the '\n'. */
/* Two pieces: one being written while the next is framed. */
#define LOGSTREAM_STAGING (2 * LINE_MAX_BYTES + 256u)
#define LOGSTREAM_READ_BUDGET (1u << 20)   /* bytes per stream per loop turn */
/* A read or splice of this much found the pipe (64 KiB) nearly full: the
 * pipe grows to LOGSTREAM_PIPE_MAX, the unprivileged pipe-max-size. */
#define LOGSTREAM_PIPE_FULL (60u * 1024)
#define LOGSTREAM_PIPE_MAX (1u << 20)
#define LOGSTREAM_BULK_MIN (4u * 1024)   /* a turn that takes less is quiet... */
#define LOGSTREAM_BULK_QUIET_TURNS 8     /* ...and this many in a row end a flood */
#define LOGSTREAM_RETRY_MIN_MS 1000
#define LOGSTREAM_RETRY_MAX_MS 10000

struct logstream;

/* A `logs -f` client watching one stream: push() gets every piece the
 * framer passes, and must not block or call back into the stream. */
struct log_follower {
	struct logstream *stream;      /* NULL once the stream is gone */
	struct log_follower *next;
	void (*push)(struct log_follower *f, const char *line, size_t n, bool split, uint64_t seq,
		     uint64_t ts_ms);
	void *userdata;
};

struct log_counters {
	uint64_t bytes_in, lines_in, bytes_written;
	uint64_t dropped_bytes, dropped_lines;
	uint64_t held_back, held_back_ns;
	uint64_t write_errors, forward_dropped_lines;
	uint64_t spliced_bytes;        /* of bytes_in, moved by the direct path (no lines counted) */
	int last_error;                /* -errno of the last failed write or open, 0 once it works */
};

/* What every stream's data path shares. */
struct logctx {
	struct loop *loop;
	bool async;                    /* loop_write() works (io_uring) */
	bool splice;                   /* the direct path may be taken (logdirect.h) */
	char *piece;                   /* scratch for one piece: LINE_MAX_BYTES */
	struct logsink sink;
};

/* Every stream, their directories, and the shutdown bookkeeping. */
struct logsys {
	struct logctx ctx;
	struct logdirs dirs;
	struct logstream *streams;     /* every stream, for status and shutdown */
	struct inherited_fds *inherited;   /* pipes our previous image passed (reexec); NULL: none */
	struct fdstore *store;         /* holds each pipe's read end beyond our death; NULL: none */
	size_t n_busy;                 /* streams closing with data still to write */
	bool finishing;                /* shutdown: loop_quit() once n_busy is 0 */
	bool stopped;                  /* the loop runs no more: close frees at once */
};

struct logstream {
	struct logsys *sys;
	struct logctx *ctx;            /* &sys->ctx */
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
	bool write_in_flight;          /* a write, or a splice (splicing), in flight */
	bool splicing;                 /* the direct path's splice: nothing reads the pipe meanwhile */
	bool direct_off;               /* the file refused splice(2): the framed path only */
	bool pipe_grown;               /* F_SETPIPE_SZ was tried (logdirect_turn_end) */
	bool bulk;                     /* its last turns found the pipe nearly full */
	bool handover;                 /* logdirect_wanted(), as of this turn of the pump */
	bool direct_failed;            /* a splice failed: the framed path until a write works */
	bool rotate_pending;           /* an operator's rotation, once the write in flight is done */
	struct logtail tail;
	struct logfile file;
	bool has_file;                 /* a file is configured */
	bool file_ok;                  /* and it was opened */
	char *path;                    /* "<dir>/<name>", for messages; NULL without a file */
	struct ratelimit rl;
	uint64_t pend_drop_bytes, pend_drop_lines;   /* marker not written yet */
	const char *pend_drop_why;
	bool held;
	bool mid_line;                 /* the file's last piece was split */
	bool mid_line_unsure;          /* bytes were spliced since: logdirect_settle() */
	uint8_t quiet_turns;           /* bulk, and turns below LOGSTREAM_BULK_MIN in a row */
	uint64_t held_since_ns;
	struct logsink_waiter sink_waiter;   /* held back by a full sink */
	bool closing;                  /* no more reads after what is in the pipe */
	bool released;                 /* the instance let go: free once written */
	bool busy;                     /* counted in sys->n_busy */
	bool eof;
	uint32_t turn_bytes;           /* taken from the pipe in this turn of the pump (saturates) */
	void (*idle)(struct logstream *s);   /* closing, and nothing left on its way */
	struct log_counters c;
	struct log_follower *followers;
	struct logstream *next, *prev;   /* sys->streams */
};

/* A stream for one instance: the pipe, and the file opened (or its refusal
 * logged, the stream then has no file). -errno only for what makes capture
 * impossible (no pipe, no memory). */
int logstream_new(struct logsys *sys, const struct log_config *cfg, const char *service,
		  unsigned index, bool is_stderr, struct logstream **ret);
/* Reads what is left, writes it out, then frees (later, if a write is in
 * flight). Closes the daemon's write end at once. NULL is a no-op. */
/* Adoption: takes the pipe that process pid has as fd fdnum (its stdout
 * or stderr), if it is the pipe whose inode is ino, in place of the
 * stream's own. -ESTALE when it is not. */
int logstream_adopt_pipe(struct logstream *s, pid_t pid, int fdnum, uint64_t ino);
/* The inode of the stream's pipe (what a later daemon recognises it by);
 * 0 when unknown. */
uint64_t logstream_pipe_ino(const struct logstream *s);
/* reload: the same settings from a new config (the old one is freed). */
void logstream_use_config(struct logstream *s, const struct log_config *cfg, const char *service);
void logstream_close(struct logstream *s);
/* Frees at once, whatever is left (logsys_done, once the loop is gone). */
void logstream_free(struct logstream *s);
/* Shutdown: stop reading new data, write out what is buffered. */
void logstream_finish(struct logstream *s);

/* `logs --rotate`: rotates the stream's file now (once a write in flight
 * is done); -ENOENT when the stream has no file. */
int logstream_rotate(struct logstream *s);
/* `logs -n/--since` past the tail: the stream's last lines from its files
 * (logs/logread.h); -ENOENT when it has no file. req's file fields are
 * filled in here. */
int logstream_read_back(struct logstream *s, struct logread_req *req, logread_fn fn, void *userdata,
			struct logread_result *ret);

void logstream_follow(struct logstream *s, struct log_follower *f);
void logstream_unfollow(struct log_follower *f);
