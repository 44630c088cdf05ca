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
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "basic/log.h"

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

void log_event(const char *event, const char *service, int index, ...)
{
	char ts[40];
	va_list ap;

	timestamp(ts, sizeof(ts));
	if (log_format == LOG_FORMAT_JSON) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "ts", json_object_new_string(ts));
		json_object_object_add(o, "event", json_object_new_string(event));
		if (service) {
			json_object_object_add(o, "service", json_object_new_string(service));
			if (index >= 0)
				json_object_object_add(o, "index", json_object_new_int(index));
		}
		va_start(ap, index);
		for (const char *k; (k = va_arg(ap, const char *));) {
			const char *v = va_arg(ap, const char *);
			json_object_object_add(o, k, json_object_new_string(v ? v : ""));
		}
		va_end(ap);
		emit_json(o);
		json_object_put(o);
		return;
	}

	char line[LOG_LINE_MAX];
	size_t n = 0;
#define APPEND(...)                                                              \
	do {                                                                     \
		int _m = snprintf(line + n, sizeof(line) - n, __VA_ARGS__);       \
		if (_m > 0)                                                      \
			n = MIN(n + (size_t)_m, sizeof(line) - 2);               \
	} while (0)
	APPEND("%s ", ts);
	if (service && index >= 0)
		APPEND("%s.%d ", service, index);
	else if (service)
		APPEND("%s ", service);
	APPEND("%s", event);
	va_start(ap, index);
	for (const char *k; (k = va_arg(ap, const char *));) {
		const char *v = va_arg(ap, const char *);
		bool quote = v && strpbrk(v, " \t\"") != NULL;
		APPEND(quote ? " %s=\"%s\"" : " %s=%s", k, v ? v : "");
	}
	va_end(ap);
#undef APPEND
	line[n++] = '\n';
	write_line(line, n);
}
