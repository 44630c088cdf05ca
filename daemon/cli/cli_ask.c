/* SPDX-License-Identifier: MIT */
/*
 * cli_ask.c: see cli_ask.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "basic/macro.h"
#include "cli/cli.h"
#include "cli/cli_ask.h"
#include "cli/cli_json.h"

#define CLI_REPLY_MAX (64U << 20)
#define CLI_TIMEOUT_MS 60000
#define CLI_BUSY_RETRY_MS 5000      /* asked again while the daemon has no client slot */
#define CLI_BUSY_POLL_MS 50

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

ssize_t cli_read_reply(int fd, char **buf, bool until_eof, int timeout_ms)
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
	/* A daemon at its client limit writes why and closes at once: the
	 * send may then fail (EPIPE), but the refusal is there to read. */
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n && errno != EPIPE && errno != ECONNRESET) {
		fprintf(stderr, "ringvisor: %s: %s\n", socket_path, strerror(errno));
		return -CLI_EXIT_TEMP;
	}
	return TAKE_FD(fd);
}


int cli_refusal_exit(json_object *reply)
{
	json_object *u;
	return json_object_object_get_ex(reply, "unknown_target", &u) && json_object_get_boolean(u) ?
		CLI_EXIT_UNKNOWN : CLI_EXIT_FAIL;
}

static int ask_once(const char *socket_path, const struct rv_request *req, json_object **ret, int *fd_ret)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = cli_send(socket_path, req);

	if (fd < 0)
		return -fd;
	/* Nothing more to send: the daemon reads the EOF with the request and
	 * closes after its reply, in the same loop turn (docs/protocol.md).
	 * Not for shutdown and reexec, whose end is the daemon's close. */
	if (req->cmd != RV_CMD_SHUTDOWN && req->cmd != RV_CMD_REEXEC)
		(void)shutdown(fd, SHUT_WR);
	ssize_t len = cli_read_reply(fd, &buf, false, CLI_TIMEOUT_MS);
	if (len < 0) {
		fprintf(stderr, "ringvisor: no reply from %s: %s\n", socket_path, strerror((int)-len));
		return CLI_EXIT_TEMP;
	}
	*ret = json_tokener_parse(buf);
	if (!*ret) {
		fprintf(stderr, "ringvisor: malformed reply from the daemon\n");
		return CLI_EXIT_TEMP;
	}
	if (fd_ret)
		*fd_ret = TAKE_FD(fd);
	return CLI_EXIT_OK;
}

/* The daemon refused the connection at its client limit: nothing was
 * done, so asking again is safe. */
static bool refused_busy(json_object *reply)
{
	const char *err = cli_jstr(reply, "error");
	return err && !strncmp(err, "too many clients", 16);
}

int cli_ask(const char *socket_path, const struct rv_request *req, json_object **ret, int *fd_ret)
{
	/* A burst of commands at once (50 restarts from a script, each then
	 * waiting) can find every slot taken for a moment: retried for a
	 * while rather than failed. */
	for (unsigned waited = 0;; waited += CLI_BUSY_POLL_MS) {
		int rc = ask_once(socket_path, req, ret, fd_ret);
		if (rc != CLI_EXIT_OK || waited >= CLI_BUSY_RETRY_MS || !refused_busy(*ret))
			return rc;
		json_object_put(*ret);
		*ret = NULL;
		if (fd_ret)
			*fd_ret = safe_close(*fd_ret);
		(void)poll(NULL, 0, CLI_BUSY_POLL_MS);
	}
}

int cli_refused(const struct rv_request *req, json_object *reply)
{
	json_object *ok;

	if (json_object_object_get_ex(reply, "ok", &ok) && json_object_get_boolean(ok))
		return CLI_EXIT_OK;
	fprintf(stderr, "ringvisor: %s: %s\n", rv_cmd_to_string(req->cmd),
		cli_jstr(reply, "error") ? cli_jstr(reply, "error") : "failed");
	return cli_refusal_exit(reply);
}
