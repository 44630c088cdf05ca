/* SPDX-License-Identifier: MIT */
/*
 * top.c: `ringvisor top`. Each refresh opens one connection and sends two
 * requests on it, {"cmd":"status"} then {"cmd":"leaks"} (a raw line: a
 * daemon without `leaks` answers an error and top shows `-` for what it
 * would have given). CPU% is the difference of each instance's
 * cgroup.cpu_usage_usec between two refreshes over the time between them.
 *
 * The terminal: alternate screen, cursor hidden, autowrap off, stdin in
 * cbreak mode (no echo, no line buffering, signals kept); every exit path
 * restores all of it. SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH and SIGTSTP
 * are blocked and read from a signalfd, polled with stdin and the refresh
 * deadline, so nothing runs in a signal handler and nothing busy-waits.
 * Every string from the daemon is sanitized (no control characters reach
 * the terminal) and every line is cut at the terminal's width.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
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

#include "cli.h"
#include "macro.h"
#include "top.h"
#include "units.h"

#define TOP_REPLY_MAX (64U << 20)
#define TOP_TIMEOUT_MS 5000          /* per reply: a stuck daemon does not freeze the view for long */

struct buf {
	char *p;
	size_t len, cap;
};

struct top {
	const char *socket;
	uint64_t interval_ms;
	bool live;                   /* stdout is a terminal: refresh in place */
	bool keys;                   /* stdin is a terminal, read for q */
	bool term_on;                /* alternate screen entered, termios changed */
	bool clear;                  /* clear the whole screen before the next frame */
	struct termios saved;
	int sigfd;
	sigset_t oldmask;
	int width, height;           /* INT32_MAX when not live */
	json_object *prev_cpu;       /* "svc.idx" -> cpu_usage_usec at prev_ns */
	uint64_t prev_ns;
	struct buf out;              /* the frame being built */
	int cols, lines;             /* of the current line, of the frame */
	bool hidden;                 /* the current line is below the screen */
};

struct snapshot {
	json_object *status, *leaks; /* leaks: NULL when the daemon refused it */
	char leaks_err[128];
	uint64_t at_ns;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->cap - b->len < n + 1) {
		size_t cap = MAX(b->cap * 2, b->len + n + 4096);
		char *p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

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

static json_object *jget(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static const char *jstr(json_object *o, const char *k)
{
	json_object *v = jget(o, k);
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool jnum(json_object *o, const char *k, int64_t *ret)
{
	json_object *v = jget(o, k);
	if (!json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_int64(v);
	return true;
}

static json_object *jarr(json_object *o, const char *k)
{
	json_object *v = jget(o, k);
	return json_object_is_type(v, json_type_array) ? v : NULL;
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
		s->at_ns = mono_ns();
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

/* ---- drawing ---- */

/* One character of s, sanitized: printable ASCII, or a well-formed UTF-8
 * sequence of a code point from U+00A0 up (no C1 controls); anything else
 * becomes '?'. Writes it to out, returns the bytes consumed. */
static size_t u8_char(const char *s, char out[4], size_t *outlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = u[0] < 0xC2 ? 1 : u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : u[0] < 0xF5 ? 4 : 1;
	uint32_t cp = n == 4 ? u[0] & 0x07 : n == 3 ? u[0] & 0x0F : u[0] & 0x1F;

	if (n == 1) {
		out[0] = u[0] >= 0x20 && u[0] < 0x7F ? s[0] : '?';
		*outlen = 1;
		return 1;
	}
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xC0) != 0x80) {
			out[0] = '?';
			*outlen = 1;
			return i;
		}
		cp = cp << 6 | (u[i] & 0x3F);
	}
	bool ok = cp >= 0xA0 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) &&
		  !(n == 3 && cp < 0x800) && !(n == 4 && cp < 0x10000);
	memcpy(out, ok ? s : "?", ok ? n : 1);
	*outlen = ok ? n : 1;
	return n;
}

/* Display columns of s: one per character (names are ASCII, sparklines
 * are block characters U+2581..U+2588, one column each). */
static int text_cols(const char *s)
{
	int c = 0;
	char tmp[4];
	size_t tl;
	while (*s) {
		s += u8_char(s, tmp, &tl);
		c++;
	}
	return c;
}

static void line_begin(struct top *t)
{
	t->cols = 0;
	t->hidden = t->lines >= t->height;
	if (t->hidden)
		return;
	if (t->live)
		(void)buf_add(&t->out, t->lines ? "\r\n\033[2K" : "\033[2K", t->lines ? 6 : 4);
}

static void line_end(struct top *t)
{
	if (t->hidden)
		return;
	if (!t->live)
		(void)buf_add(&t->out, "\n", 1);
	t->lines++;
}

/* Appends s to the current line, sanitized, cut at the width. */
static void put(struct top *t, const char *s)
{
	char c[4];
	size_t cl;
	while (*s && !t->hidden && t->cols < t->width) {
		s += u8_char(s, c, &cl);
		(void)buf_add(&t->out, c, cl);
		t->cols++;
	}
}

_printf_(2, 3) static void putf(struct top *t, const char *fmt, ...)
{
	char b[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	put(t, b);
}

/* A column: a space after the previous one, then s padded to w. */
static void cell(struct top *t, const char *s, int w, bool right)
{
	int pad = MAX(0, w - text_cols(s));
	if (t->cols > 0)
		put(t, " ");
	if (!right)
		put(t, s);
	for (int i = 0; i < pad; i++)
		put(t, " ");
	if (right)
		put(t, s);
}

static void fmt_bytes(uint64_t b, char *buf, size_t n)
{
	static const char units[] = "BKMGTP";
	double v = (double)b;
	int u = 0;
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%lluB", (unsigned long long)b);
	else
		snprintf(buf, n, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

/* The leaks entry of instance (index, at position pos in status). */
static json_object *leaks_instance(json_object *by_name, const char *svc, size_t pos, int64_t index)
{
	json_object *insts = jarr(jget(by_name, svc), "instances");
	int64_t i;
	if (!insts)
		return NULL;
	size_t n = json_object_array_length(insts);
	if (pos < n && jnum(json_object_array_get_idx(insts, pos), "index", &i) && i == index)
		return json_object_array_get_idx(insts, pos);
	for (size_t k = 0; k < n; k++)
		if (jnum(json_object_array_get_idx(insts, k), "index", &i) && i == index)
			return json_object_array_get_idx(insts, k);
	return NULL;
}

static const char *sparkline(json_object *li, const char *k)
{
	const char *s = jstr(jget(li, "sparkline"), k);
	return s && *s ? s : "-";
}

static void header(struct top *t, const struct snapshot *s, json_object *leak_svcs)
{
	json_object *sup = jget(s->status, "supervisor");
	const char *srcs[4] = { jstr(s->leaks, "source") };
	size_t nsrc = 0;
	char now[16], probe[64] = "";
	time_t tt = time(NULL);
	int64_t pid = -1, n = -1;

	/* The probe source: each service's, "bpf+procfs" when they differ;
	 * the reply's own without services; "-" without a leaks reply. */
	for (size_t i = 0; leak_svcs && i < json_object_array_length(leak_svcs); i++) {
		const char *src = jstr(json_object_array_get_idx(leak_svcs, i), "source");
		size_t k = 0;
		while (src && k < nsrc && strcmp(srcs[k], src))
			k++;
		if (src && k == nsrc && nsrc < ELEMENTSOF(srcs))
			srcs[nsrc++] = src;
	}
	nsrc = nsrc ? nsrc : srcs[0] ? 1 : 0;
	for (size_t k = 0; k < nsrc; k++)
		snprintf(probe + strlen(probe), sizeof(probe) - strlen(probe), "%s%s", k ? "+" : "", srcs[k]);
	strftime(now, sizeof(now), "%H:%M:%S", localtime(&tt));
	(void)jnum(sup, "pid", &pid);
	(void)jnum(sup, "instances", &n);
	line_begin(t);
	putf(t, "ringvisor pid %lld, backend %s, %lld instances, probe %s, %s", (long long)pid,
	     jstr(sup, "event_backend") ? jstr(sup, "event_backend") : "?", (long long)n,
	     probe[0] ? probe : "-", now);
	line_end(t);
	line_begin(t);
	if (!s->leaks)
		putf(t, "fds, threads: - (leaks: %s)", s->leaks_err);
	if (t->live)
		putf(t, "%sq quits, refresh every %s", s->leaks ? "" : "; ",
		     format_duration_ms(t->interval_ms, now, sizeof(now)));
	line_end(t);
}

/* Draws one frame of s (or of the error err when s is NULL) into t->out. */
static void render(struct top *t, const struct snapshot *s, const char *err)
{
	static const char *const titles[] = { "INSTANCE", "STATE", "PID", "CPU%", "MEM", "FDS",
					       "THREADS", "VERDICT", "FDS HISTORY", "THREADS HISTORY" };
	int w[ELEMENTSOF(titles)] = { 8, 9, 7, 6, 6, 6, 7, 8, 11, 0 };
	json_object *svcs = s ? jarr(s->status, "services") : NULL;
	json_object *leak_svcs = s ? jarr(s->leaks, "services") : NULL;
	json_object *by_name = json_object_new_object(), *cpu = json_object_new_object();
	size_t total = 0, shown = 0;

	t->out.len = 0;
	t->lines = 0;
	if (t->live) {
		struct winsize ws;
		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
			t->width = ws.ws_col;
			t->height = ws.ws_row;
		}
		(void)buf_add(&t->out, t->clear ? "\033[H\033[2J" : "\033[H", t->clear ? 7 : 3);
		t->clear = false;
	}
	if (!s) {
		line_begin(t);
		putf(t, "ringvisor: %s", err);
		line_end(t);
		goto out;
	}
	for (size_t i = 0; leak_svcs && i < json_object_array_length(leak_svcs); i++) {
		json_object *ls = json_object_array_get_idx(leak_svcs, i);
		if (jstr(ls, "name"))
			json_object_object_add(by_name, jstr(ls, "name"), json_object_get(ls));
	}
	/* Column widths, over every instance (so they do not jump as rows scroll). */
	for (size_t i = 0; svcs && i < json_object_array_length(svcs); i++) {
		json_object *svc = json_object_array_get_idx(svcs, i), *insts = jarr(svc, "instances");
		const char *name = jstr(svc, "name") ? jstr(svc, "name") : "?";
		for (size_t j = 0; insts && j < json_object_array_length(insts); j++) {
			int64_t idx = -1;
			(void)jnum(json_object_array_get_idx(insts, j), "index", &idx);
			json_object *li = leaks_instance(by_name, name, j, idx);
			w[0] = MAX(w[0], (int)strlen(name) + 1 + snprintf(NULL, 0, "%lld", (long long)idx));
			w[8] = MAX(w[8], text_cols(sparkline(li, "fds")));
			total++;
		}
	}
	header(t, s, leak_svcs);
	line_begin(t);
	for (size_t c = 0; c < ELEMENTSOF(titles); c++)
		cell(t, titles[c], w[c], c >= 2 && c <= 6);
	line_end(t);
	size_t room = t->live ? (size_t)MAX(0, t->height - t->lines) : SIZE_MAX;
	size_t rows = total <= room ? total : room > 0 ? room - 1 : 0;
	for (size_t i = 0; svcs && i < json_object_array_length(svcs); i++) {
		json_object *svc = json_object_array_get_idx(svcs, i), *insts = jarr(svc, "instances");
		const char *name = jstr(svc, "name") ? jstr(svc, "name") : "?";
		for (size_t j = 0; insts && j < json_object_array_length(insts); j++) {
			json_object *in = json_object_array_get_idx(insts, j), *li;
			char key[96], pid[24] = "-", pct[24] = "-", mem[24] = "-", fds[24] = "-", thr[24] = "-";
			int64_t idx = -1, v, usec;

			(void)jnum(in, "index", &idx);
			snprintf(key, sizeof(key), "%s.%lld", name, (long long)idx);
			if (jnum(jget(in, "cgroup"), "cpu_usage_usec", &usec)) {
				json_object_object_add(cpu, key, json_object_new_int64(usec));
				if (jnum(t->prev_cpu, key, &v) && usec >= v && s->at_ns > t->prev_ns)
					snprintf(pct, sizeof(pct), "%.1f",
						 (double)(usec - v) * 1e5 / (double)(s->at_ns - t->prev_ns));
			}
			if (shown >= rows)
				continue;   /* still recorded the CPU sample above */
			shown++;
			li = leaks_instance(by_name, name, j, idx);
			if (jnum(in, "pid", &v) && v > 0)
				snprintf(pid, sizeof(pid), "%lld", (long long)v);
			if (jnum(jget(in, "cgroup"), "memory_current", &v) && v >= 0)
				fmt_bytes((uint64_t)v, mem, sizeof(mem));
			if (jnum(li, "fds", &v))
				snprintf(fds, sizeof(fds), "%lld", (long long)v);
			if (jnum(li, "threads", &v))
				snprintf(thr, sizeof(thr), "%lld", (long long)v);
			const char *cells[] = { key, jstr(in, "state") ? jstr(in, "state") : "?", pid, pct, mem,
						fds, thr, jstr(li, "verdict") ? jstr(li, "verdict") : "-",
						sparkline(li, "fds"), sparkline(li, "threads") };
			line_begin(t);
			for (size_t c = 0; c < ELEMENTSOF(cells); c++)
				cell(t, cells[c], w[c], c >= 2 && c <= 6);
			line_end(t);
		}
	}
	if (shown < total) {
		line_begin(t);
		putf(t, "... %zu more", total - shown);
		line_end(t);
	}
	json_object_put(t->prev_cpu);
	t->prev_cpu = TAKE_PTR(cpu);
	t->prev_ns = s->at_ns;
out:
	if (t->live && t->lines < t->height)
		(void)buf_add(&t->out, "\r\n\033[J", 5);   /* what the previous frame left below */
	json_object_put(by_name);
	json_object_put(cpu);
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

static void term_enter(struct top *t)
{
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
			return -1;   /* like q */
		default:
			return (int)si.ssi_signo;
		}
	}
	return 0;
}

/* Waits for the deadline, a key or a signal. Returns 0 to refresh, -1 to
 * quit (q), or the signal that ends top. */
static int wait_input(struct top *t, uint64_t deadline)
{
	for (;;) {
		uint64_t now = mono_ns();
		uint64_t left = deadline > now ? (deadline - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC : 0;
		struct pollfd pf[2] = { { .fd = t->sigfd, .events = POLLIN },
					{ .fd = t->keys ? STDIN_FILENO : -1, .events = POLLIN } };
		int r = poll(pf, 2, (int)MIN(left, (uint64_t)INT32_MAX));
		if (r < 0 && errno != EINTR)
			return -1;
		if (r <= 0) {
			if (mono_ns() >= deadline)
				return 0;
			continue;
		}
		if (pf[0].revents) {
			bool redraw = false;
			int sig = signals_read(t, &redraw);
			if (sig)
				return sig;
			if (redraw)
				return 0;
		}
		if (pf[1].revents) {
			char k[64];
			ssize_t n = read(STDIN_FILENO, k, sizeof(k));
			if (n > 0 && (memchr(k, 'q', (size_t)n) || memchr(k, 'Q', (size_t)n)))
				return -1;
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				t->keys = false;   /* stdin closed: only signals end top now */
		}
	}
}

static int top_live(struct top *t, struct snapshot *first)
{
	int quit = 0, r;
	char err[512];
	struct snapshot s = *first;

	r = signals_block(t);
	if (r < 0) {
		fprintf(stderr, "ringvisor: top: signalfd: %s\n", strerror(-r));
		snapshot_done(&s);
		return CLI_EXIT_FAIL;
	}
	t->keys = isatty(STDIN_FILENO);
	term_enter(t);
	render(t, &s, NULL);
	snapshot_done(&s);
	for (uint64_t deadline = mono_ns() + t->interval_ms * NSEC_PER_MSEC;;) {
		if (write_all(STDOUT_FILENO, t->out.p, t->out.len) < 0) {
			quit = -1;   /* the terminal is gone */
			break;
		}
		quit = wait_input(t, deadline);
		if (quit)
			break;
		struct pollfd wake[2] = { { .fd = t->sigfd, .events = POLLIN },
					  { .fd = t->keys ? STDIN_FILENO : -1, .events = POLLIN } };
		r = fetch(t, wake, 2, &s, err, sizeof(err));
		if (r == -EINTR) {
			t->out.len = 0;   /* a key or signal came first: see to it, then fetch again */
			deadline = 0;
			continue;
		}
		render(t, r == 0 ? &s : NULL, err);
		snapshot_done(&s);
		deadline = mono_ns() + t->interval_ms * NSEC_PER_MSEC;
	}
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

int top_run(const char *socket_path, uint64_t interval_ms)
{
	struct top t = {
		.socket = socket_path, .interval_ms = interval_ms, .live = isatty(STDOUT_FILENO),
		.sigfd = -EBADF, .width = INT32_MAX, .height = INT32_MAX,
	};
	struct snapshot s;
	char err[512];
	int rc;

	/* The first frame's failure is an exit code, before the screen changes. */
	rc = fetch(&t, NULL, 0, &s, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "ringvisor: %s\n", err);
		return rc;
	}
	if (t.live) {
		t.width = 80;
		t.height = 24;
		rc = top_live(&t, &s);
	} else {
		render(&t, &s, NULL);
		snapshot_done(&s);
		rc = write_all(STDOUT_FILENO, t.out.p, t.out.len) < 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
	}
	json_object_put(t.prev_cpu);
	free(t.out.p);
	return rc;
}
