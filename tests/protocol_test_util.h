/* SPDX-License-Identifier: MIT */
/*
 * protocol_test_util.h: what the tests of the control protocol's request
 * parser (test_protocol.c, test_protocol_errors.c) share: a parse that
 * starts from a poisoned *ret and a scribbled err, ok() for a line that
 * must parse, bad() for one that must be refused with a given code, a
 * non-empty one-line explanation and an untouched *ret ("ret_* outputs are
 * set only on success"), and assert_req() for the fields of a request.
 * Header-only, static inline: each test is one translation unit.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control/protocol.h"

#define LIT(s) (s), (sizeof(s) - 1)   /* a literal with its length, NULs included */

static const struct rv_request poison = {
	.cmd = (enum rv_cmd)0x5a5a, .service = "poison", .index = 12345, .count = 777, .signal = 99,
};

static inline void assert_untouched(const struct rv_request *r)
{
	assert_int_equal(r->cmd, poison.cmd);
	assert_string_equal(r->service, poison.service);
	assert_int_equal(r->index, poison.index);
	assert_int_equal(r->count, poison.count);
	assert_int_equal(r->signal, poison.signal);
}

static inline int parse_len(const char *line, size_t len, struct rv_request *ret, char *err, size_t errlen)
{
	*ret = poison;
	memset(err, 'Z', errlen);
	return rv_request_parse(line, len, ret, err, errlen);
}

static inline struct rv_request ok_len(const char *line, size_t len)
{
	struct rv_request r;
	char err[256];
	int rc = parse_len(line, len, &r, err, sizeof(err));
	if (rc != 0)
		fail_msg("'%.*s': want 0, got %d (%s)", (int)len, line, rc,
			 memchr(err, '\0', sizeof(err)) ? err : "(err not terminated)");
	return r;
}

static inline struct rv_request ok(const char *line)
{
	return ok_len(line, strlen(line));
}

/* Checks the code, that err is one terminated non-empty line that contains
 * `needle` (when given), and that *ret was left alone. */
static inline void bad_len(const char *line, size_t len, int code, const char *needle)
{
	struct rv_request r;
	char err[256];
	int rc = parse_len(line, len, &r, err, sizeof(err));

	if (rc != code)
		fail_msg("'%.*s': want %d, got %d", (int)(len > 200 ? 200 : len), line, code, rc);
	assert_non_null(memchr(err, '\0', sizeof(err)));
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
	if (needle && !strstr(err, needle))
		fail_msg("'%.*s': err \"%s\" does not mention \"%s\"", (int)len, line, err, needle);
	assert_untouched(&r);
}

static inline void bad(const char *line, int code, const char *needle)
{
	bad_len(line, strlen(line), code, needle);
}

static inline void assert_req(const struct rv_request *r, enum rv_cmd cmd, const char *service, int index,
		       uint32_t count, int sig)
{
	assert_int_equal(r->cmd, cmd);
	assert_string_equal(r->service, service);
	assert_int_equal(r->index, index);
	assert_int_equal(r->count, count);
	assert_int_equal(r->signal, sig);
}
