/* SPDX-License-Identifier: MIT */
/*
 * rv_protocol.h: the control protocol's types, shared by the daemon and the
 * CLI; parsing and formatting are daemon/control/protocol.h. See
 * docs/protocol.md. One JSON object per line each way:
 *
 *   request: {"cmd": "status"|"start"|"stop"|"restart"|"scale"|"signal"|"shutdown"|"freeze"|"thaw"|"metrics"|...,
 *             "target": "web" | "web.1",   (service commands)
 *             "count": 3,                   (scale)
 *             "signal": "SIGHUP",           (signal)
 *             "lines": 10, "follow": true,  (logs)
 *             "since_ms": 600000, "rotate": true, (logs; events: follow, since_ms)
 *             "path": "/etc/ringvisor.yaml"} (reload: optional)
 *   reply:   {"ok": true, ...} or {"ok": false, "error": "text"}
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RV_PROTO_MAX_REQUEST 4096   /* bytes in one request line, newline included */
#define RV_PROTO_MAX_NAME 64
#define RV_PROTO_MAX_PATH 4000       /* reload's "path": absolute, fits in one request */

enum rv_cmd {
	RV_CMD_STATUS,
	RV_CMD_START,
	RV_CMD_STOP,
	RV_CMD_RESTART,
	RV_CMD_SCALE,
	RV_CMD_SIGNAL,
	RV_CMD_SHUTDOWN,
	RV_CMD_FREEZE,
	RV_CMD_THAW,
	RV_CMD_LEAKS,
	RV_CMD_SNAPSHOT,
	RV_CMD_SNAPSHOTS,
	RV_CMD_LOGS,
	RV_CMD_RELOAD,
	RV_CMD_REEXEC,
	RV_CMD_METRICS,
	RV_CMD_EVENTS,
	_RV_CMD_MAX,
	_RV_CMD_INVALID = -EINVAL,
};

#define RV_PROTO_MAX_STATE 15
#define RV_PROTO_MAX_PAGE 1000000             /* status: offset and limit */

struct rv_request {
	enum rv_cmd cmd;
	char service[RV_PROTO_MAX_NAME + 1];   /* "" = all (status only) */
	int index;                             /* -1 = every instance */
	uint32_t count;                        /* scale */
	int signal;                            /* signal */
	uint32_t lines;                        /* logs: how many, 0..RV_PROTO_MAX_LINES */
	bool follow;                           /* logs, events: then stream what comes */
	uint64_t since_ms;                     /* logs, events: only this recent; 0 = any */
	bool rotate;                           /* logs: rotate the target's files instead */
	char path[RV_PROTO_MAX_PATH + 1];      /* reload: the file to read; "" = the daemon's own */
	/* status: only instances in this state ("" = any), and a page of
	 * them: `limit` from the `offset`-th on (paged: either was given). */
	char state[RV_PROTO_MAX_STATE + 1];
	uint32_t offset, limit;
	bool paged;
};

#define RV_PROTO_MAX_LINES 100000
#define RV_PROTO_DEFAULT_LINES 10
#define RV_PROTO_MAX_SINCE_MS (366ULL * 24 * 3600 * 1000)   /* a year: --since 8784h */
