/* SPDX-License-Identifier: MIT */
/*
 * log.c: diagnostics and event lines on stderr. Each line is formatted in
 * full and written with one write(2), so lines from this process never
 * interleave mid-line with each other.
 *
 * The daemon must never wait for whoever reads its stderr: after
 * log_open_nonblocking(), a line that finds a pipe or socket full is
 * dropped and counted (log_dropped()), never waited for. A regular file,
 * a terminal or /dev/null is written as before: they do not wait on a
 * reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "basic/event.h"
#include "basic/event_ring.h"
#include "basic/log.h"
#include "basic/time_util.h"

#define LOG_LINE_MAX 4096

static enum log_format log_format = LOG_FORMAT_TEXT;
static enum log_level log_max_level = LOG_LVL_INFO;
/* Where lines go: stderr, or a non-blocking open of the same pipe. */
static int log_fd = STDERR_FILENO;
static bool log_is_socket;
static uint64_t log_dropped_lines;

static const char *const level_names[] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARN] = "warning",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

void log_setup(enum log_format format, enum log_level max_level)
{
	log_format = format;
	log_max_level = max_level;
}

enum log_format log_get_format(void) { return log_format; }
void log_set_max_level(enum log_level max_level) { log_max_level = max_level; }

static void timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

int log_open_nonblocking(void)
{
	struct stat st;

	if (fstat(STDERR_FILENO, &st) < 0)
		return -errno;
	if (S_ISSOCK(st.st_mode)) {
		log_is_socket = true;   /* send(MSG_DONTWAIT), fd 2 untouched */
		return 0;
	}
	if (!S_ISFIFO(st.st_mode))
		return 0;
	/* A new open file description of the same pipe: O_NONBLOCK on it does
	 * not change fd 2's, which may be shared with stdout or other
	 * processes that expect blocking writes. */
	int fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	log_fd = fd;
	return 0;
}

uint64_t log_dropped(void)
{
	return log_dropped_lines;
}

static void write_line(const char *s, size_t n)
{
	/* At most PIPE_BUF bytes: a pipe takes them whole or not at all. */
	n = MIN(n, (size_t)PIPE_BUF);
	for (;;) {
		ssize_t w = log_is_socket ? send(log_fd, s, n, MSG_DONTWAIT | MSG_NOSIGNAL) :
					    write(log_fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		/* Full (EAGAIN), or a reader that is gone: nothing better to do
		 * than count it. */
		if (w < (ssize_t)n)
			log_dropped_lines++;
		return;
	}
}

static void emit_json(json_object *o)
{
	size_t n;
	const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
	char line[LOG_LINE_MAX];
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	memcpy(line, s, n);
	line[n++] = '\n';
	write_line(line, n);
}

static void log_vmsg(enum log_level level, const char *suffix, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX], ts[40];

	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if (suffix && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", suffix);
	timestamp(ts, sizeof(ts));

	if (log_format == LOG_FORMAT_JSON) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "ts", json_object_new_string(ts));
		json_object_object_add(o, "level", json_object_new_string(level_names[level]));
		json_object_object_add(o, "msg", json_object_new_string(msg));
		emit_json(o);
		json_object_put(o);
		return;
	}
	char line[LOG_LINE_MAX + 64];
	int m = snprintf(line, sizeof(line), "%s ringvisor %s: %s\n", ts, level_names[level], msg);
	if (m > 0)
		write_line(line, MIN((size_t)m, sizeof(line) - 1));
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	if (level > log_max_level)
		return;
	va_start(ap, fmt);
	log_vmsg(level, NULL, fmt, ap);
	va_end(ap);
}

int log_errno(enum log_level level, int err, const char *fmt, ...)
{
	va_list ap;
	if (level <= log_max_level) {
		va_start(ap, fmt);
		log_vmsg(level, strerror(err < 0 ? -err : err), fmt, ap);
		va_end(ap);
	}
	return err < 0 ? err : -err;
}

/* The ring of recent events (log_keep_events) and who hears of each. */
static struct event_ring *event_log;
static uint64_t event_seq;
static void (*event_sink)(void *userdata);
static void *event_sink_userdata;

int log_keep_events(size_t max_events, size_t max_bytes)
{
	struct event_ring *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	int err = event_ring_init(r, max_events, max_bytes);
	if (err < 0) {
		free(r);
		return err;
	}
	/* An empty ring's next_seq is the next event's number: a subscriber
	 * that comes before any event (a ring kept again, events already
	 * numbered) would otherwise wait at 1 and be "behind" at the first. */
	r->next_seq = event_seq + 1;
	log_forget_events();
	event_log = r;
	return 0;
}

void log_forget_events(void)
{
	if (event_log)
		event_ring_done(event_log);
	free(event_log);
	event_log = NULL;
}

const struct event_ring *log_events(void) { return event_log; }

void log_set_event_sink(void (*sink)(void *userdata), void *userdata)
{
	event_sink = sink;
	event_sink_userdata = userdata;
}

/* Numbered, kept as its JSON line, and the sink told. An event that
 * cannot be kept (out of memory) leaves a gap in the numbers. */
static void keep_event(struct event *e)
{
	if (!event_log)
		return;
	e->seq = ++event_seq;
	json_object *o = event_to_json(e);
	size_t n = 0;
	const char *s = o ? json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n) : NULL;
	int r = s ? event_ring_push(event_log, e->seq, now_ns(), e->service, e->index, s, n) : -ENOMEM;
	json_object_put(o);
	if (r >= 0 && event_sink)
		event_sink(event_sink_userdata);
}

/* The pairs after index: a key, then a string, or for a key marked
 * LOG_NUM_MARK a long long. */
static void collect_fields(struct event *e, va_list ap)
{
	for (const char *k; (k = va_arg(ap, const char *));) {
		struct event_field f = { .key = k };
		if (k[0] == LOG_NUM_MARK[0]) {
			f.key = k + 1;
			f.is_num = true;
			f.num = va_arg(ap, long long);
		} else {
			f.str = va_arg(ap, const char *);
		}
		if (e->n_fields < EVENT_MAX_FIELDS)
			e->fields[e->n_fields++] = f;
	}
}

static void log_eventv(enum log_level level, const char *name, const char *service, int index, va_list ap)
{
	struct event e = { .wall_ns = realtime_ns(), .name = name, .service = service, .index = index };
	char line[LOG_LINE_MAX];

	collect_fields(&e, ap);
	if (level <= log_max_level && log_format == LOG_FORMAT_JSON) {
		json_object *o = event_to_json(&e);
		if (o)
			emit_json(o);
		json_object_put(o);
	} else if (level <= log_max_level) {
		write_line(line, event_format_text(&e, line, sizeof(line)));
	}
	keep_event(&e);
}

void log_event(const char *event, const char *service, int index, ...)
{
	va_list ap;

	va_start(ap, index);
	log_eventv(LOG_LVL_ERROR, event, service, index, ap);
	va_end(ap);
}

void log_event_debug(const char *event, const char *service, int index, ...)
{
	va_list ap;

	va_start(ap, index);
	log_eventv(LOG_LVL_DEBUG, event, service, index, ap);
	va_end(ap);
}
