/* SPDX-License-Identifier: MIT */
/*
 * top.c: `ringvisor top`. Each refresh opens one connection and sends two
 * requests on it, {"cmd":"status"} then {"cmd":"leaks"} (a raw line: a
 * daemon without `leaks` answers an error and top shows `-` for what it
 * would have given). CPU% is the difference of each instance's
 * cgroup.cpu_usage_usec between two refreshes over the time between them,
 * computed once per refresh (top_rows.c); the last refresh is kept, so a
 * key (sort, filter, scroll: top_keys.c) redraws it at once.
 *
 * Batch mode (-b, or stdout not a terminal) prints plain frames; it
 * fetches once an interval before its first frame, so that every frame
 * has CPU% rates.
 *
 * The terminal: alternate screen, cursor hidden, autowrap off, stdin in
 * cbreak mode (no echo, no line buffering, signals kept); every exit path
 * restores all of it. SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH and SIGTSTP
 * are blocked and read from a signalfd, polled with stdin and the refresh
 * deadline, so nothing runs in a signal handler and nothing busy-waits.
 * The frames themselves (layout, columns, sanitizing, cutting lines at the
 * terminal's width) are top_draw.c's.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/cli.h"
#include "cli/cli_ask.h"
#include "basic/macro.h"
#include "basic/time_util.h"
#include "cli/top.h"
#include "cli/top_draw.h"
#include "cli/top_keys.h"
#include "cli/top_rows.h"

#define TOP_REPLY_MAX (64U << 20)
#define TOP_TIMEOUT_MS 5000          /* per reply: a stuck daemon does not freeze the view for long */

/* What waiting in the live view ends with (or a signal's number, > 0). */
#define WAIT_REFRESH 0
#define WAIT_QUIT (-1)
#define WAIT_REDRAW (-2)

/* ---- the control socket ---- */

/* Sends one request line and reads its one-line reply. While waiting, a
 * signal or a key (the fds in wake[]) aborts with -EINTR, so that q and
 * Ctrl-C are seen at once even when the daemon is slow. */
static int ask(int fd, const char *line, const struct pollfd *wake, int nwake, json_object **ret)
{
	_cleanup_free_ char *p = NULL;
	size_t len = 0, cap = 0, n = strlen(line);
	char *nl = NULL;

	if (send(fd, line, n, MSG_NOSIGNAL) != (ssize_t)n)
		return errno ? -errno : -EIO;
	while (!nl) {
		struct pollfd pf[3] = { { .fd = fd, .events = POLLIN } };
		for (int i = 0; i < nwake; i++)
			pf[1 + i] = wake[i];
		int r = poll(pf, (nfds_t)(1 + nwake), TOP_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? -ETIMEDOUT : -errno;
		for (int i = 0; i < nwake; i++)
			if (pf[1 + i].revents)
				return -EINTR;
		if (cap - len < 65536) {
			if (cap >= TOP_REPLY_MAX)
				return -EMSGSIZE;
			cap = cap ? cap * 2 : 65536;
			char *np = realloc(p, cap + 1);
			if (!np)
				return -ENOMEM;
			p = np;
		}
		ssize_t k = read(fd, p + len, cap - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -ECONNRESET;
		nl = memchr(p + len, '\n', (size_t)k);
		len += (size_t)k;
	}
	*nl = '\0';
	json_object *o = json_tokener_parse(p);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -EBADMSG;
	}
	*ret = o;
	return 0;
}

static bool reply_ok(json_object *r)
{
	json_object *v = jget(r, "ok");
	return json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static void snapshot_done(struct snapshot *s)
{
	json_object_put(s->status);
	json_object_put(s->leaks);
	top_rows_free(s);
	*s = (struct snapshot){ 0 };
}

/* 0; CLI_EXIT_TEMP (unreachable, no or malformed reply) or CLI_EXIT_FAIL
 * (status refused) with the reason in err; -EINTR when wake[] fired. */
static int fetch(const struct top *t, const struct pollfd *wake, int nwake, struct snapshot *s,
		 char *err, size_t errlen)
{
	json_object *leaks = NULL;

	*s = (struct snapshot){ 0 };
	_cleanup_close_ int fd = cli_connect(t->socket);
	if (fd < 0) {
		snprintf(err, errlen, "cannot reach the daemon at %s: %s", t->socket, strerror(-fd));
		return CLI_EXIT_TEMP;
	}
	int r = ask(fd, "{\"cmd\":\"status\"}\n", wake, nwake, &s->status);
	if (r == 0) {
		s->at_ns = now_ns();
		s->at_wall = time(NULL);
		/* An error here only costs the fds and threads columns. */
		int lr = ask(fd, "{\"cmd\":\"leaks\"}\n", wake, nwake, &leaks);
		if (lr == -EINTR)
			r = lr;
		else if (lr < 0)
			snprintf(s->leaks_err, sizeof(s->leaks_err), "%s", strerror(-lr));
	}
	if (r == -EINTR) {
		snapshot_done(s);
		return -EINTR;
	}
	if (r < 0) {
		snprintf(err, errlen, "%s from %s: %s", r == -EBADMSG ? "malformed reply" : "no reply",
			 t->socket, strerror(-r));
		snapshot_done(s);
		return CLI_EXIT_TEMP;
	}
	if (!reply_ok(s->status)) {
		snprintf(err, errlen, "status: %s", jstr(s->status, "error") ? jstr(s->status, "error") : "failed");
		snapshot_done(s);
		json_object_put(leaks);
		return CLI_EXIT_FAIL;
	}
	if (reply_ok(leaks)) {
		s->leaks = leaks;
	} else if (leaks) {
		snprintf(s->leaks_err, sizeof(s->leaks_err), "%s", jstr(leaks, "error") ? jstr(leaks, "error") : "failed");
		json_object_put(leaks);
	}
	return 0;
}

/* One refresh: t->snap with its rows, or t->err. Returns fetch's code. */
static int refresh(struct top *t, const struct pollfd *wake, int nwake)
{
	struct snapshot s;
	char err[512];
	int r = fetch(t, wake, nwake, &s, err, sizeof(err));

	if (r == 0 && top_rows_collect(t, &s) < 0) {
		snprintf(err, sizeof(err), "%s", strerror(ENOMEM));
		snapshot_done(&s);
		r = CLI_EXIT_FAIL;
	}
	if (r == -EINTR)
		return r;
	if (r != 0) {
		snprintf(t->err, sizeof(t->err), "%s", err);
		return r;
	}
	snapshot_done(&t->snap);
	t->snap = s;
	t->err[0] = '\0';
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };
			(void)poll(&pf, 1, 1000);
			continue;
		}
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* ---- the terminal ---- */

/* The terminal's size, read at start, on SIGWINCH and on fg. */
static void term_size(struct top *t)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		t->width = ws.ws_col;
		t->height = ws.ws_row;
	}
}

static void term_enter(struct top *t)
{
	term_size(t);
	if (t->keys && tcgetattr(STDIN_FILENO, &t->saved) == 0) {
		struct termios raw = t->saved;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);   /* ISIG stays: Ctrl-C arrives as SIGINT */
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
	} else {
		t->keys = false;
	}
	/* alternate screen, cursor hidden, no autowrap */
	(void)write_all(STDOUT_FILENO, "\033[?1049h\033[?25l\033[?7l", 19);
	t->term_on = true;
	t->clear = true;
}

static void term_leave(struct top *t)
{
	if (!t->term_on)
		return;
	(void)write_all(STDOUT_FILENO, "\033[?7h\033[?25h\033[?1049l", 19);
	if (t->keys)
		(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &t->saved);
	t->term_on = false;
}

static int signals_block(struct top *t)
{
	sigset_t set;
	sigemptyset(&set);
	for (const int *s = (const int[]){ SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGTSTP, 0 }; *s; s++)
		sigaddset(&set, *s);
	if (sigprocmask(SIG_BLOCK, &set, &t->oldmask) < 0)
		return -errno;
	t->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (t->sigfd < 0) {
		int r = -errno;
		(void)sigprocmask(SIG_SETMASK, &t->oldmask, NULL);
		return r;
	}
	return 0;
}

/* Reads pending signals: returns the one that ends top, or 0. */
static int signals_read(struct top *t, bool *redraw)
{
	struct signalfd_siginfo si;
	while (read(t->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGWINCH:
			term_size(t);
			t->clear = *redraw = true;
			break;
		case SIGTSTP:
			/* Ctrl-Z: give the terminal back as it was, stop; on fg, take it again. */
			term_leave(t);
			(void)kill(getpid(), SIGSTOP);
			term_enter(t);
			*redraw = true;
			break;
		case SIGQUIT:
			return WAIT_QUIT;   /* like q */
		default:
			return (int)si.ssi_signo;
		}
	}
	return 0;
}

/* Reads the keys waiting on stdin: WAIT_QUIT, WAIT_REDRAW or WAIT_REFRESH
 * (nothing to do). */
static int keys_read(struct top *t)
{
	char k[64];
	ssize_t n = read(STDIN_FILENO, k, sizeof(k));

	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
		t->keys = false;   /* stdin closed: only signals end top now */
	if (n <= 0)
		return WAIT_REFRESH;
	int r = top_keys_feed(t, k, (size_t)n);
	return r < 0 ? WAIT_QUIT : r > 0 ? WAIT_REDRAW : WAIT_REFRESH;
}

/* Waits for the deadline, a key or a signal. Returns WAIT_REFRESH at the
 * deadline, WAIT_REDRAW after a key or a resize (the same snapshot, drawn
 * again at once), WAIT_QUIT (q), or the signal that ends top. */
static int wait_input(struct top *t, uint64_t deadline)
{
	for (;;) {
		uint64_t now = now_ns();
		uint64_t left = deadline > now ? (deadline - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC : 0;
		struct pollfd pf[2] = { { .fd = t->sigfd, .events = POLLIN },
					{ .fd = t->keys ? STDIN_FILENO : -1, .events = POLLIN } };
		int r = poll(pf, 2, (int)MIN(left, (uint64_t)INT32_MAX));
		if (r < 0 && errno != EINTR)
			return WAIT_QUIT;
		if (r <= 0) {
			if (now_ns() >= deadline)
				return WAIT_REFRESH;
			continue;
		}
		if (pf[0].revents) {
			bool redraw = false;
			int sig = signals_read(t, &redraw);
			if (sig)
				return sig;
			if (redraw)
				return WAIT_REDRAW;
		}
		if (pf[1].revents && (r = keys_read(t)) != WAIT_REFRESH)
			return r;
	}
}

/* The live view's loop: a refresh every interval, a redraw on each key. */
static int live_loop(struct top *t)
{
	uint64_t drawn = 1, deadline = now_ns() + t->interval_ms * NSEC_PER_MSEC;
	int quit;

	for (top_render(t);;) {
		if (write_all(STDOUT_FILENO, t->out.p, t->out.len) < 0)
			return WAIT_QUIT;   /* the terminal is gone */
		quit = wait_input(t, deadline);
		if (quit == WAIT_REDRAW) {
			top_render(t);
			continue;
		}
		if (quit != WAIT_REFRESH)
			return quit;
		if (t->frames && drawn >= t->frames)
			return WAIT_QUIT;   /* -n: the last frame was shown for an interval */
		struct pollfd wake[2] = { { .fd = t->sigfd, .events = POLLIN },
					  { .fd = t->keys ? STDIN_FILENO : -1, .events = POLLIN } };
		if (refresh(t, wake, 2) == -EINTR) {
			t->out.len = 0;   /* a key or signal came first: see to it, then fetch again */
			deadline = 0;
			continue;
		}
		drawn++;
		top_render(t);
		deadline = now_ns() + t->interval_ms * NSEC_PER_MSEC;
	}
}

static int top_live(struct top *t)
{
	int r = signals_block(t);
	if (r < 0) {
		fprintf(stderr, "ringvisor: top: signalfd: %s\n", strerror(-r));
		return CLI_EXIT_FAIL;
	}
	t->keys = isatty(STDIN_FILENO);
	term_enter(t);
	int quit = live_loop(t);
	term_leave(t);
	safe_close(t->sigfd);
	if (quit > 0) {
		/* End by the signal, as the shell expects, with the terminal restored. */
		signal(quit, SIG_DFL);
		(void)sigprocmask(SIG_SETMASK, &t->oldmask, NULL);
		raise(quit);
	}
	(void)sigprocmask(SIG_SETMASK, &t->oldmask, NULL);
	return CLI_EXIT_OK;
}

/* Sleeps until the monotonic deadline: batch mode has nothing else to
 * watch (its signals keep their default actions). */
static void sleep_until(uint64_t deadline)
{
	struct timespec ts = { .tv_sec = (time_t)(deadline / NSEC_PER_SEC), .tv_nsec = (long)(deadline % NSEC_PER_SEC) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Batch: frames (0: until killed) plain frames, an empty line between
 * two. The first comes an interval after the refresh top_run made, so
 * that it has CPU% rates too; a refresh that fails later is printed as
 * its frame ("ringvisor: cannot reach ...") and top goes on. */
static int top_batch(struct top *t, uint64_t frames)
{
	uint64_t deadline = now_ns() + t->interval_ms * NSEC_PER_MSEC;

	for (uint64_t i = 0; frames == 0 || i < frames; i++) {
		sleep_until(deadline);
		deadline = now_ns() + t->interval_ms * NSEC_PER_MSEC;
		(void)refresh(t, NULL, 0);
		top_render(t);
		if ((i > 0 && write_all(STDOUT_FILENO, "\n", 1) < 0) ||
		    write_all(STDOUT_FILENO, t->out.p, t->out.len) < 0)
			return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

int top_run(const struct top_options *o)
{
	struct top t = {
		.socket = o->socket, .interval_ms = o->interval_ms, .frames = o->frames, .sort = o->sort,
		.live = !o->batch && isatty(STDOUT_FILENO), .sigfd = -EBADF, .width = INT32_MAX,
		.height = INT32_MAX,
	};
	int rc;

	/* The first refresh's failure is an exit code, before the screen changes. */
	rc = refresh(&t, NULL, 0);
	if (rc != 0) {
		fprintf(stderr, "ringvisor: %s\n", t.err);
	} else if (t.live) {
		t.width = 80;
		t.height = 24;
		rc = top_live(&t);
	} else {
		/* -b alone runs until killed, as top(1)'s; piped without -b, one frame. */
		rc = top_batch(&t, o->frames ? o->frames : o->batch ? 0 : 1);
	}
	snapshot_done(&t.snap);
	json_object_put(t.prev_cpu);
	free(t.out.p);
	return rc;
}
