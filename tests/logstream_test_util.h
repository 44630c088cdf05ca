/* SPDX-License-Identifier: MIT */
/*
 * logstream_test_util.h: the fixture of the tests that drive the log
 * capture as a whole on a real loop (test_logstream.c, test_logdirect.c):
 * a temp dir with a logs/ dir, a log_config, the loop and logsys; start,
 * finish as the daemon's shutdown does, a stream, and waiting until a file
 * holds what it should. Header-only, static.
 */
#pragma once

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "loop_until_util.h"
#include "logs/logstream.h"
#include "logs/logsys.h"
#include "basic/macro.h"

struct fx {
	const struct env *env;
	char tmp[64];
	char dir[128];              /* tmp/logs: the streams' log.dir */
	struct log_config cfg;
	struct loop *l;
	struct logsys sys;
	bool up;                    /* loop and logsys exist */
	int saved_stdout;           /* >= 0 while fd 1 is a test pipe */
	int out[2];                 /* that pipe */
};

static inline int rm_one(const char *p, _unused_ const struct stat *st, _unused_ int flag,
		  _unused_ struct FTW *ftw)
{
	return remove(p);
}

static inline int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->env = *state;
	fx->saved_stdout = fx->out[0] = fx->out[1] = -1;
	strcpy(fx->tmp, "/tmp/rv-logstream-XXXXXX");
	assert_non_null(mkdtemp(fx->tmp));
	snprintf(fx->dir, sizeof(fx->dir), "%s/logs", fx->tmp);
	fx->cfg = (struct log_config){ .dir = fx->dir, .max_bytes = 1 << 20, .backups = 2,
				       .tail_bytes = 16 * 1024, .forward = LOG_FORWARD_NONE };
	*state = fx;
	return 0;
}

static inline void restore_stdout(struct fx *fx)
{
	if (fx->saved_stdout < 0)
		return;
	fflush(stdout);   /* into the test's pipe: nothing reads it any more */
	(void)dup2(fx->saved_stdout, STDOUT_FILENO);
	fx->saved_stdout = safe_close(fx->saved_stdout);
}

/* Also after a failure: what is left goes as in the daemon (loop first). */
static inline int teardown(void **state)
{
	struct fx *fx = *state;

	fault_reset();
	restore_stdout(fx);
	safe_close(fx->out[0]), safe_close(fx->out[1]);
	if (fx->up) {
		logsys_stop(&fx->sys);
		fx->l = loop_free(fx->l);
		logsys_done(&fx->sys);
	}
	(void)nftw(fx->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static inline void start(struct fx *fx)
{
	int r = loop_new(fx->env->backend, 64, 64, &fx->l);

	if (r < 0 && fx->env->backend == LOOP_BACKEND_URING) {
		print_message("io_uring ring cannot be created here (%s): skipping\n", strerror(-r));
		skip();
	}
	assert_int_equal(r, 0);
	assert_int_equal(logsys_init(&fx->sys, fx->l, true), 0);
	fx->up = true;
	assert_int_equal(fx->sys.ctx.async, fx->env->backend == LOOP_BACKEND_URING);
}

/* The daemon's shutdown: streams write out what they hold (the loop runs
 * until logsys says all is written), then everything is freed. */
static inline void finish(struct fx *fx)
{
	if (logsys_finish(&fx->sys))
		run_guarded(fx->l);
	assert_int_equal(fx->sys.n_busy, 0);
	logsys_stop(&fx->sys);
	for (struct logstream *s = fx->sys.streams, *next; s; s = next) {
		next = s->next;
		logstream_close(s);   /* freed at once, unless a write is in flight */
	}
	assert_null(fx->sys.streams);
	fx->l = loop_free(fx->l);
	logsys_done(&fx->sys);
	fx->up = false;
}

static inline struct logstream *new_stream(struct fx *fx, const char *service, unsigned index, bool err)
{
	struct logstream *s = NULL;
	assert_int_equal(logstream_new(&fx->sys, &fx->cfg, service, index, err, &s), 0);
	assert_non_null(s);
	return s;
}

static inline void put(int fd, const char *text)
{
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

static inline char *log_path(struct fx *fx, const char *name)
{
	static char p[256];
	snprintf(p, sizeof(p), "%s/%s", fx->dir, name);
	return p;
}

static inline bool written_out(void *ud)
{
	return !((struct logstream *)ud)->write_in_flight;
}

/* Until the file holds want and s has accounted for its last write (on
 * io_uring the bytes are in the file before the completion is reaped). */
static inline void wait_file(struct fx *fx, struct logstream *s, const char *name, const char *want)
{
	struct file_is f = { log_path(fx, name), want };
	run_until(fx->l, file_is_pred, &f);
	run_until(fx->l, written_out, s);
}

