/* SPDX-License-Identifier: MIT */
/*
 * cli_status_args.c: see cli_status_args.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_status_args.h"

bool cli_status_option(int c, const char *arg, struct cli_status_args *a)
{
	switch (c) {
	case CLI_STATUS_OPT_STATE:
		a->state = arg;
		return true;
	case CLI_STATUS_OPT_LIMIT:
		a->limit = arg;
		return true;
	case CLI_STATUS_OPT_OFFSET:
		a->offset = arg;
		return true;
	}
	return false;
}

const char *cli_status_refusal(const struct cli_status_args *a, const char *verb)
{
	if ((a->state || a->limit || a->offset) && strcmp(verb, "status"))
		return "--state, --limit and --offset are options of status, not of %s";
	return NULL;
}

static bool parse_count(const char *s, unsigned long min, uint32_t *ret)
{
	char *end;

	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || v < min || v > RV_PROTO_MAX_PAGE)
		return false;
	*ret = (uint32_t)v;
	return true;
}

const char *cli_status_request(const struct cli_status_args *a, struct rv_request *req, char *err, size_t errlen)
{
	if (a->state) {
		if (!a->state[0] || strlen(a->state) > RV_PROTO_MAX_STATE) {
			snprintf(err, errlen, "--state: expected a state such as failed or backoff, got \"%s\"", a->state);
			return err;
		}
		memcpy(req->state, a->state, strlen(a->state) + 1);
	}
	if (a->limit && !parse_count(a->limit, 1, &req->limit)) {
		snprintf(err, errlen, "--limit: expected a number from 1 to %d, got \"%s\"", RV_PROTO_MAX_PAGE, a->limit);
		return err;
	}
	if (a->offset && !parse_count(a->offset, 0, &req->offset)) {
		snprintf(err, errlen, "--offset: expected a number from 0 to %d, got \"%s\"", RV_PROTO_MAX_PAGE, a->offset);
		return err;
	}
	req->paged = a->limit || a->offset;
	return NULL;
}
