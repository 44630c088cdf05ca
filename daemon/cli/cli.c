/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/cli.h"
#include "cli/cli_leaks.h"
#include "basic/macro.h"

#define CLI_REPLY_MAX (64U << 20)
#define CLI_TIMEOUT_MS 60000

int cli_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return TAKE_FD(fd);
}

/* Reads until a full line (the reply) or, with until_eof, until the daemon
 * closes the connection. Returns the length, or -errno. */
static ssize_t read_reply(int fd, char **buf, bool until_eof, int timeout_ms)
{
	size_t len = 0, cap = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? -ETIMEDOUT : -errno;
		if (cap - len < 65536) {
			if (cap >= CLI_REPLY_MAX)
				return -EMSGSIZE;
			cap = cap ? cap * 2 : 65536;
			char *n = realloc(*buf, cap + 1);
			if (!n)
				return -ENOMEM;
			*buf = n;
		}
		ssize_t n = read(fd, *buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return len > 0 ? (ssize_t)len : -ECONNRESET;
		len += (size_t)n;
		(*buf)[len] = '\0';
		if (!until_eof && memchr(*buf, '\n', len))
			return (ssize_t)len;
	}
}

static void fmt_ms(int64_t ms, char *b, size_t n)
{
	if (ms < 1000)
		snprintf(b, n, "%lldms", (long long)ms);
	else if (ms < 60000)
		snprintf(b, n, "%.1fs", (double)ms / 1000);
	else if (ms < 3600000)
		snprintf(b, n, "%lldm%llds", (long long)ms / 60000, (long long)(ms / 1000) % 60);
	else
		snprintf(b, n, "%lldh%lldm", (long long)ms / 3600000, (long long)(ms / 60000) % 60);
}

static const char *jstr(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : NULL;
}

static int64_t jint(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) && v ? json_object_get_int64(v) : -1;
}

/* A stopped instance whose start waits for depends_on says so: its state
 * is "waiting" (or "blocked"), and what for replaces the last exit. */
static const char *waiting_state(json_object *svc, json_object *in, char *last, size_t len)
{
	json_object *w;
	const char *state = jstr(in, "state");

	if (!json_object_object_get_ex(svc, "waiting", &w) || !w || strcmp(state, "stopped") != 0)
		return state;
	bool blocked = jint(w, "blocked") != 0;
	snprintf(last, len, "%s (%s)", blocked ? "blocked" : "waiting", jstr(w, "for"));
	return blocked ? "blocked" : "waiting";
}

static void print_status(json_object *reply)
{
	json_object *sup, *services, *deg;
	if (json_object_object_get_ex(reply, "supervisor", &sup)) {
		printf("ringvisor pid %lld, backend %s, spawn %s, %lld instances, %lld processes, up %s\n",
		       (long long)jint(sup, "pid"), jstr(sup, "event_backend"), jstr(sup, "spawn"),
		       (long long)jint(sup, "instances"), (long long)jint(sup, "live_processes"),
		       ({ static char b[32]; fmt_ms(jint(sup, "uptime_ms"), b, sizeof(b)); b; }));
		if (json_object_object_get_ex(sup, "degraded", &deg))
			for (size_t i = 0; i < json_object_array_length(deg); i++)
				printf("degraded: %s\n", json_object_get_string(json_object_array_get_idx(deg, i)));
	}
	printf("%-24s %-9s %-8s %-9s %-8s %s\n", "INSTANCE", "STATE", "PID", "UPTIME", "RESTARTS", "LAST EXIT");
	if (!json_object_object_get_ex(reply, "services", &services))
		return;
	for (size_t i = 0; i < json_object_array_length(services); i++) {
		json_object *svc = json_object_array_get_idx(services, i), *insts;
		if (!json_object_object_get_ex(svc, "instances", &insts))
			continue;
		for (size_t j = 0; j < json_object_array_length(insts); j++) {
			json_object *in = json_object_array_get_idx(insts, j), *le;
			char name[96], pid[16] = "-", up[32] = "-", last[160] = "-";
			snprintf(name, sizeof(name), "%s.%lld", jstr(svc, "name"), (long long)jint(in, "index"));
			if (jint(in, "pid") > 0) {
				snprintf(pid, sizeof(pid), "%lld", (long long)jint(in, "pid"));
				fmt_ms(jint(in, "uptime_ms"), up, sizeof(up));
			}
			if (json_object_object_get_ex(in, "last_exit", &le) && le) {
				if (jstr(le, "code"))
					snprintf(last, sizeof(last), "code=%s (%s)", jstr(le, "code"), jstr(le, "cause"));
				else if (jstr(le, "signal"))
					snprintf(last, sizeof(last), "%s (%s)", jstr(le, "signal"), jstr(le, "cause"));
				else
					snprintf(last, sizeof(last), "%s", jstr(le, "cause"));
			}
			const char *state = waiting_state(svc, in, last, sizeof(last));
			printf("%-24s %-9s %-8s %-9s %-8lld %s\n", name, state, pid, up,
			       (long long)jint(in, "restarts"), last);
		}
	}
}

static void print_paths(json_object *reply, const char *key, const char *field)
{
	json_object *a;
	if (!json_object_object_get_ex(reply, key, &a))
		return;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);
		if (field)
			printf("%s  %lld bytes\n", jstr(e, field), (long long)jint(e, "bytes"));
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
			printf("%s %s (", acts[k], jstr(e, "service"));
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
	if (jint(reply, "errors_dropped") > 0)
		fprintf(stderr, "... and %lld more errors\n", (long long)jint(reply, "errors_dropped"));
}

int cli_send(const char *socket_path, const struct rv_request *req)
{
	char line[RV_PROTO_MAX_REQUEST];
	int n = rv_request_format(req, line, sizeof(line));

	if (n < 0)
		return -CLI_EXIT_USAGE;
	_cleanup_close_ int fd = cli_connect(socket_path);
	if (fd < 0) {
		fprintf(stderr, "ringvisor: cannot reach the daemon at %s: %s\n", socket_path, strerror(-fd));
		return -CLI_EXIT_TEMP;
	}
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n) {
		fprintf(stderr, "ringvisor: %s: %s\n", socket_path, strerror(errno));
		return -CLI_EXIT_TEMP;
	}
	return TAKE_FD(fd);
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

	(void)read_reply(fd, &rest, true, REEXEC_WAIT_MS);
	for (int waited = 0; waited < REEXEC_WAIT_MS; waited += 50) {
		_cleanup_close_ int c = cli_connect(socket_path);
		_cleanup_free_ char *buf = NULL;
		if (c >= 0 && send(c, line, (size_t)n, MSG_NOSIGNAL) == n && read_reply(c, &buf, false, 5000) > 0 &&
		    strstr(buf, "\"ok\":true")) {
			printf("reexec complete: the daemon answers again\n");
			return CLI_EXIT_OK;
		}
		(void)poll(NULL, 0, 50);
	}
	fprintf(stderr, "ringvisor: reexec: the daemon did not answer again within %d s\n", REEXEC_WAIT_MS / 1000);
	return CLI_EXIT_FAIL;
}

int cli_request(const char *socket_path, const struct rv_request *req, bool json)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = cli_send(socket_path, req);

	if (fd < 0)
		return -fd;
	ssize_t len = read_reply(fd, &buf, false, CLI_TIMEOUT_MS);
	if (len < 0) {
		fprintf(stderr, "ringvisor: no reply from %s: %s\n", socket_path, strerror((int)-len));
		return CLI_EXIT_TEMP;
	}
	json_object *reply = json_tokener_parse(buf);
	if (!reply) {
		fprintf(stderr, "ringvisor: malformed reply from the daemon\n");
		return CLI_EXIT_TEMP;
	}
	json_object *ok;
	bool good = json_object_object_get_ex(reply, "ok", &ok) && json_object_get_boolean(ok);
	int rc = good ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	if (!good) {
		fprintf(stderr, "ringvisor: %s: %s\n", rv_cmd_to_string(req->cmd),
			jstr(reply, "error") ? jstr(reply, "error") : "failed");
		print_errors(reply);
	} else if (json)
		printf("%s\n", json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN));
	else if (req->cmd == RV_CMD_STATUS)
		print_status(reply);
	else if (req->cmd == RV_CMD_LEAKS)
		cli_print_leaks(reply);
	else if (req->cmd == RV_CMD_SNAPSHOT)
		print_paths(reply, "paths", NULL);
	else if (req->cmd == RV_CMD_RELOAD)
		print_reload(reply);
	else if (req->cmd == RV_CMD_SNAPSHOTS)
		print_paths(reply, "snapshots", "path");
	else if (req->cmd == RV_CMD_START && jstr(reply, "waiting"))
		printf("%s: queued, waiting for %s\n", req->service, jstr(reply, "waiting"));
	if (good && req->cmd == RV_CMD_REEXEC)
		rc = wait_back(socket_path, fd);
	if (good && req->cmd == RV_CMD_SHUTDOWN) {
		/* The daemon closes every connection as it exits: wait for that. */
		_cleanup_free_ char *rest = NULL;
		(void)read_reply(fd, &rest, true, -1);
		if (!json)
			printf("shutdown complete\n");
	}
	json_object_put(reply);
	return rc;
}
