/* SPDX-License-Identifier: MIT */
/*
 * protocol.h: reading and writing the control protocol's requests
 * (include/rv_protocol.h, docs/protocol.md). The one part of control/ the
 * CLI links (layer "protocol" in the Makefile).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "rv_protocol.h"

/* Parses one request line (without its newline). On error returns -EINVAL
 * (malformed JSON or field), -E2BIG (too long) or -EOPNOTSUPP (unknown
 * command) and writes a one-line explanation into err. */
int rv_request_parse(const char *line, size_t len, struct rv_request *ret, char *err, size_t errlen);
/* "web" -> {"web", -1}; "web.2" -> {"web", 2}; -EINVAL when malformed. */
int rv_target_parse(const char *s, char service[RV_PROTO_MAX_NAME + 1], int *index);
/* Writes the request as one JSON line (with newline) into buf; returns its
 * length or -ENOBUFS. */
int rv_request_format(const struct rv_request *r, char *buf, size_t len);

const char *rv_cmd_to_string(enum rv_cmd c);
enum rv_cmd rv_cmd_from_string(const char *s);   /* _RV_CMD_INVALID when unknown */
/* Commands that change something need root or the admin group (snapshot
 * freezes the instance for a moment, so it counts; logs may carry secrets,
 * so reading them does too). */
bool rv_cmd_is_mutating(enum rv_cmd c);
