/* SPDX-License-Identifier: MIT */
/*
 * fuzz_request.c: the control protocol's request parser
 * (control/protocol.c), fed one request line (the bytes, without a
 * newline and without a NUL after them).
 *
 * Checks, beyond the sanitizers:
 *  - rv_request_parse() returns 0, -EINVAL, -E2BIG or -EOPNOTSUPP (-E2BIG
 *    only for RV_PROTO_MAX_REQUEST bytes or more); on an error a non-empty,
 *    NUL-terminated explanation within errlen, of one line (a known bug
 *    breaks that: tests/fuzz/crashes/request-1, checked with FUZZ_STRICT=1);
 *  - a parsed request obeys docs/protocol.md: a known command; a target that
 *    is a valid SERVICE (1..64 of [A-Za-z0-9_-]) and an index -1..99999,
 *    required except for status/shutdown/leaks/snapshots and refused by
 *    shutdown; scale takes a service and count 0..100000; signal a signal;
 *    lines 0..100000 and follow only for logs;
 *  - round trip: rv_request_format() of it is one JSON line that fits a
 *    request and parses again to the same struct;
 *  - rv_target_parse() on the same bytes as a C string: a success names a
 *    valid service and index, and "SERVICE[.INDEX]" parses back the same.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/protocol.h"
#include "fuzz_check.h"

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > RV_PROTO_MAX_NAME)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static void check_request(const struct rv_request *r)
{
	const char *name = rv_cmd_to_string(r->cmd);

	CHECK(r->cmd >= 0 && r->cmd < _RV_CMD_MAX);
	CHECK(name && rv_cmd_from_string(name) == r->cmd);
	CHECK(memchr(r->service, '\0', sizeof(r->service)));
	CHECK(r->service[0] == '\0' || valid_name(r->service));
	CHECK(r->index >= -1 && r->index < 100000);
	CHECK(r->index == -1 || r->service[0]);
	switch (r->cmd) {
	case RV_CMD_STATUS: case RV_CMD_LEAKS: case RV_CMD_SNAPSHOTS:
		break;
	case RV_CMD_SHUTDOWN:
		CHECK(r->service[0] == '\0');
		break;
	default:
		CHECK(r->service[0]);
		break;
	}
	if (r->cmd == RV_CMD_SCALE)
		CHECK(r->index == -1 && r->count <= 100000);
	else
		CHECK(r->count == 0);
	if (r->cmd == RV_CMD_SIGNAL)
		CHECK(r->signal >= 1 && r->signal <= SIGRTMAX);
	else
		CHECK(r->signal == 0);
	CHECK(r->lines <= RV_PROTO_MAX_LINES);
	if (r->cmd != RV_CMD_LOGS)
		CHECK(r->lines == RV_PROTO_DEFAULT_LINES && !r->follow);
}

static bool same_request(const struct rv_request *a, const struct rv_request *b)
{
	return a->cmd == b->cmd && strcmp(a->service, b->service) == 0 && a->index == b->index &&
	       a->count == b->count && a->signal == b->signal && a->lines == b->lines &&
	       a->follow == b->follow;
}

static void round_trip(const struct rv_request *req)
{
	char line[RV_PROTO_MAX_REQUEST], err[256];
	struct rv_request again;
	int n = rv_request_format(req, line, sizeof(line));

	/* One line, newline included, that a peer's RV_PROTO_MAX_REQUEST takes. */
	CHECK(n > 1 && (size_t)n < sizeof(line));
	CHECK(line[n - 1] == '\n' && memchr(line, '\n', (size_t)n - 1) == NULL);
	CHECK(strlen(line) == (size_t)n);
	memset(&again, 0x5a, sizeof(again));
	int r = rv_request_parse(line, (size_t)n - 1, &again, err, sizeof(err));
	if (r != 0)
		fprintf(stderr, "formatted %.*s does not parse: %d %s\n", n - 1, line, r, err);
	CHECK(r == 0);
	CHECK(same_request(req, &again));
	/* A buffer one byte short must be refused, not overrun. */
	CHECK(rv_request_format(req, line, (size_t)n) == -ENOBUFS);
}

static void fuzz_target_string(const uint8_t *data, size_t size)
{
	char service[RV_PROTO_MAX_NAME + 1], again[RV_PROTO_MAX_NAME + 1], text[RV_PROTO_MAX_NAME + 16];
	int index = -2, index2 = -2;
	char *s;

	if (memchr(data, '\0', size) || size > 4 * RV_PROTO_MAX_NAME)
		return;
	s = malloc(size + 1);
	CHECK(s);
	memcpy(s, data, size);
	s[size] = '\0';
	if (rv_target_parse(s, service, &index) == 0) {
		CHECK(valid_name(service));
		CHECK(index >= -1 && index < 100000);
		if (index >= 0)
			snprintf(text, sizeof(text), "%s.%d", service, index);
		else
			snprintf(text, sizeof(text), "%s", service);
		CHECK(rv_target_parse(text, again, &index2) == 0);
		CHECK(strcmp(service, again) == 0 && index == index2);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rv_request req;
	char err[256];
	int r;

	memset(&req, 0xa5, sizeof(req));
	memset(err, 0x7f, sizeof(err));
	r = rv_request_parse((const char *)data, size, &req, err, sizeof(err));
	CHECK(r == 0 || r == -EINVAL || r == -E2BIG || r == -EOPNOTSUPP);
	if (r < 0) {
		size_t n = strnlen(err, sizeof(err));
		CHECK(n > 0 && n < sizeof(err));
		/* A key or command with a '\n' in it was once echoed into the
		 * "one-line" explanation as is (corpus/request/newline-key). */
		CHECK(memchr(err, '\n', n) == NULL);
		CHECK(r != -E2BIG || size >= RV_PROTO_MAX_REQUEST);
	} else {
		CHECK(size < RV_PROTO_MAX_REQUEST);
		check_request(&req);
		round_trip(&req);
	}
	fuzz_target_string(data, size);
	return 0;
}
