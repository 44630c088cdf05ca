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
 * One event line. `fields` is a NULL-terminated list of key, value string
 * pairs; in text format they print as key=value, in JSON as string members.
 * Example: log_event("exit", "web", 0, "code", "1", "cause", "exited", NULL);
 */
void log_event(const char *event, const char *service, int index, ...)
	__attribute__((sentinel));
