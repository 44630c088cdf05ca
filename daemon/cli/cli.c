/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/cli.h"
#include "cli/cli_ask.h"
#include "cli/cli_json.h"
#include "cli/cli_leaks.h"
#include "cli/cli_status.h"
#include "cli/cli_wait.h"
#include "basic/macro.h"

static void print_paths(json_object *reply, const char *key, const char *field)
{
	json_object *a;
	if (!json_object_object_get_ex(reply, key, &a))
		return;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);
		if (field)
			printf("%s  %lld bytes\n", cli_jstr(e, field), (long long)cli_jint(e, "bytes"));
		else
			printf("%s\n", json_object_get_string(e));
	}
}

/* kept as a count (there may be hundreds), every change by name. */
static void print_reload(json_object *reply)
{
	static const char *const acts[] = { "updated", "restarted", "stopped", "started" };
	json_object *a;

	if (json_object_object_get_ex(reply, "kept", &a))
		printf("kept %zu\n", json_object_array_length(a));
	for (size_t k = 0; k < ELEMENTSOF(acts); k++) {
		if (!json_object_object_get_ex(reply, acts[k], &a))
			continue;
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			json_object *e = json_object_array_get_idx(a, i), *keys;
			if (!json_object_object_get_ex(e, "keys", &keys)) {
				printf("%s %s\n", acts[k], json_object_get_string(e));
				continue;
			}
			printf("%s %s (", acts[k], cli_jstr(e, "service"));
			for (size_t j = 0; j < json_object_array_length(keys); j++)
				printf("%s%s", j ? ", " : "", json_object_get_string(json_object_array_get_idx(keys, j)));
			printf(")\n");
		}
	}
}

/* A reload's file errors, one a line, as `check` prints them. */
static void print_errors(json_object *reply)
{
	json_object *a;

	if (!json_object_object_get_ex(reply, "errors", &a))
		return;
	for (size_t i = 0; i < json_object_array_length(a); i++)
		fprintf(stderr, "%s\n", json_object_get_string(json_object_array_get_idx(a, i)));
	if (cli_jint(reply, "errors_dropped") > 0)
		fprintf(stderr, "... and %lld more errors\n", (long long)cli_jint(reply, "errors_dropped"));
}

#define REEXEC_WAIT_MS 30000

/* After a reexec: the old image closed our connection at exec; the new one
 * answers once it has taken every instance back. */
static int wait_back(const char *socket_path, int fd)
{
	_cleanup_free_ char *rest = NULL;
	struct rv_request st = { .cmd = RV_CMD_STATUS, .index = -1 };
	char line[RV_PROTO_MAX_REQUEST];
	int n = rv_request_format(&st, line, sizeof(line));

	(void)cli_read_reply(fd, &rest, true, REEXEC_WAIT_MS);
	for (int waited = 0; waited < REEXEC_WAIT_MS; waited += 50) {
		_cleanup_close_ int c = cli_connect(socket_path);
		_cleanup_free_ char *buf = NULL;
		if (c >= 0 && send(c, line, (size_t)n, MSG_NOSIGNAL) == n && cli_read_reply(c, &buf, false, 5000) > 0 &&
		    strstr(buf, "\"ok\":true")) {
			printf("reexec complete: the daemon answers again\n");
			return CLI_EXIT_OK;
		}
		(void)poll(NULL, 0, 50);
	}
	fprintf(stderr, "ringvisor: reexec: the daemon did not answer again within %d s\n", REEXEC_WAIT_MS / 1000);
	return CLI_EXIT_FAIL;
}
static bool waits(enum rv_cmd cmd)
{
	return cmd == RV_CMD_START || cmd == RV_CMD_STOP || cmd == RV_CMD_RESTART || cmd == RV_CMD_SCALE;
}

static void print_reply(const struct rv_request *req, json_object *reply, const struct cli_opts *o)
{
	if (o->json && !(waits(req->cmd) && !o->no_wait))
		printf("%s\n", json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN));
	else if (o->json)
		return;   /* the wait prints the outcome */
	else if (req->cmd == RV_CMD_STATUS)
		cli_print_status(reply, o->wide);
	else if (req->cmd == RV_CMD_LEAKS)
		cli_print_leaks(reply);
	else if (req->cmd == RV_CMD_SNAPSHOT)
		print_paths(reply, "paths", NULL);
	else if (req->cmd == RV_CMD_RELOAD)
		print_reload(reply);
	else if (req->cmd == RV_CMD_SNAPSHOTS)
		print_paths(reply, "snapshots", "path");
	else if (req->cmd == RV_CMD_METRICS && cli_jstr(reply, "text"))
		fputs(cli_jstr(reply, "text"), stdout);   /* exactly: it ends with its newline */
	else if (req->cmd == RV_CMD_START && cli_jstr(reply, "waiting"))
		printf("%s: queued, waiting for %s\n", req->service, cli_jstr(reply, "waiting"));
}

int cli_request(const char *socket_path, const struct rv_request *req, const struct cli_opts *o)
{
	json_object *reply = NULL;
	_cleanup_close_ int fd = -EBADF;
	int rc = cli_ask(socket_path, req, &reply, &fd);

	if (rc != CLI_EXIT_OK)
		return rc;
	if ((rc = cli_refused(req, reply)) != CLI_EXIT_OK) {
		print_errors(reply);
		json_object_put(reply);
		return rc;
	}
	if (req->cmd == RV_CMD_STATUS)
		rc = cli_status_exit(reply, req->index >= 0);
	if (rc == CLI_EXIT_UNKNOWN)
		fprintf(stderr, "ringvisor: status: no such instance: %s.%d\n", req->service, req->index);
	else
		print_reply(req, reply, o);
	if (waits(req->cmd) && !o->no_wait) {
		fflush(stdout);   /* "queued" before what the wait says on stderr */
		fd = safe_close(fd);   /* a client slot is all a waiter holds */
		rc = cli_wait(socket_path, req, req->cmd == RV_CMD_SCALE ? cli_jint(reply, "from") : -1, o);
	}
	if (req->cmd == RV_CMD_REEXEC)
		rc = wait_back(socket_path, fd);
	if (req->cmd == RV_CMD_SHUTDOWN) {
		/* The daemon closes every connection as it exits: wait for that. */
		_cleanup_free_ char *rest = NULL;
		(void)cli_read_reply(fd, &rest, true, -1);
		if (!o->json)
			printf("shutdown complete\n");
	}
	json_object_put(reply);
	return rc;
}
