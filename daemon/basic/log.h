/* SPDX-License-Identifier: MIT */
/*
 * log.h: the daemon's only global state besides parsed arguments.
 *
 * Two kinds of output, both on stderr, one line each:
 *  - diagnostics (log_error/log_warn/log_info/log_debug), for people;
 *  - events (log_event), one per state change of an instance, in text or
 *    JSON as chosen by --log-format, for people and for scripts.
 * Mechanism modules only use log_debug; policy modules log where they decide.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "basic/macro.h"

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

void log_setup(enum log_format format, enum log_level max_level);
/* From now on a line that finds stderr (a pipe or socket) full is dropped
 * and counted instead of blocking the caller. For the daemon. */
int log_open_nonblocking(void);
/* Lines dropped so far (stderr full or gone). */
uint64_t log_dropped(void);
enum log_format log_get_format(void);
void log_set_max_level(enum log_level max_level);

void log_msg(enum log_level level, const char *fmt, ...) _printf_(2, 3);
/* Logs "<message>: <strerror(-err)>" and returns err (negative). */
int log_errno(enum log_level level, int err, const char *fmt, ...) _printf_(3, 4);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_error_errno(e, ...) log_errno(LOG_LVL_ERROR, (e), __VA_ARGS__)
#define log_warn_errno(e, ...) log_errno(LOG_LVL_WARN, (e), __VA_ARGS__)

/*
 * One event line. After index come key, value pairs and a NULL: a value is
 * a string, or, for a key given as LOG_NUM(key, value), a number. In text
 * format they print as key=value, in JSON as string or number members (a
 * number is a JSON number by what the call site said, never by how the
 * text looks). Example:
 *   log_event("exit", "web", 0, LOG_NUM("code", 1), "cause", "exited", NULL);
 */
void log_event(const char *event, const char *service, int index, ...)
	__attribute__((sentinel));
/* The same event at debug level: on stderr only with --debug, but kept
 * and streamed like any other (the state changes: docs/events.md). */
void log_event_debug(const char *event, const char *service, int index, ...)
	__attribute__((sentinel));
/* A number field: its key marked by a first byte no key has. */
#define LOG_NUM_MARK "\001"
#define LOG_NUM(key, value) LOG_NUM_MARK key, (long long)(value)

/*
 * The daemon keeps its recent events (the event ring, docs/events.md):
 * from log_keep_events() on, each event is numbered (seq 1, 2, ...) and
 * kept as its JSON line, at most max_events of them and max_bytes of
 * lines, the oldest going first; then the sink, if one is set, is called
 * (control/ streams them to `events -f` subscribers: a callback, since
 * basic/ is below everyone). The sink must not log events itself.
 */
int log_keep_events(size_t max_events, size_t max_bytes);
void log_forget_events(void);
struct event_ring;
const struct event_ring *log_events(void);   /* NULL when none are kept */
void log_set_event_sink(void (*sink)(void *userdata), void *userdata);
