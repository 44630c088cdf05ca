/* SPDX-License-Identifier: MIT */
/*
 * cli_logs.c: `ringvisor logs TARGET [-n N] [-f]`. The reply is one JSON
 * line with the tail; with -f every following line is one more log line,
 * until the daemon goes away or we are interrupted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/cli.h"
#include "cli/cli_ask.h"
#include "cli/cli_logs.h"
#include "cli/text_escape.h"
#include "basic/macro.h"

static const char *get_str(json_object *o, const char *k, size_t *len)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !v)
		return NULL;
	if (len)
		*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

static bool get_bool(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

/* One log line: raw for one instance, "svc.i| " before it otherwise. A
 * split piece gets no newline, so pieces join back into the line. */
static void print_line(json_object *l, bool prefix, bool json)
{
	size_t n = 0;
	const char *line = get_str(l, "line", &n);
	json_object *v;

	if (json) {
		puts(json_object_to_json_string_ext(l, JSON_C_TO_STRING_PLAIN));
		return;
	}
	if (json_object_object_get_ex(l, "skipped", &v)) {
		fflush(stdout);
		fprintf(stderr, "ringvisor: %lld lines skipped (this reader was too slow)\n",
			(long long)json_object_get_int64(v));
		return;
	}
	if (!line)
		return;
	if (prefix && json_object_object_get_ex(l, "index", &v))
		printf("%s.%d| ", get_str(l, "service", NULL), json_object_get_int(v));
	/* On a terminal, a service's escape sequences are shown, not obeyed;
	 * into a pipe or file the bytes go as they are. */
	if (isatty(STDOUT_FILENO))
		text_escape_write(stdout, line, n);
	else
		fwrite(line, 1, n, stdout);
	if (!get_bool(l, "split"))
		putchar('\n');
}

/* Handles one reply line; returns false when the reply was an error. */
static bool handle(const char *s, size_t n, bool first, const struct rv_request *req, bool json)
{
	json_object *o = json_tokener_parse(s);
	bool ok = true;

	(void)n;
	if (!o) {
		fprintf(stderr, "ringvisor: malformed reply from the daemon\n");
		return false;
	}
	if (first) {
		json_object *lines;
		ok = get_bool(o, "ok");
		if (!ok)
			fprintf(stderr, "ringvisor: logs: %s\n", get_str(o, "error", NULL) ?: "failed");
		else if (json_object_object_get_ex(o, "lines", &lines))
			for (size_t i = 0; i < json_object_array_length(lines); i++)
				print_line(json_object_array_get_idx(lines, i), req->index < 0, json);
	} else {
		print_line(o, req->index < 0, json);
	}
	json_object_put(o);
	return ok;
}

int cli_logs(const char *socket_path, const struct rv_request *req, bool json)
{
	size_t len = 0, cap = 1 << 16;
	bool first = true;
	_cleanup_close_ int fd = cli_send(socket_path, req);

	if (fd < 0)
		return -fd;
	_cleanup_free_ char *buf = malloc(cap + 1);
	if (!buf)
		return CLI_EXIT_TEMP;
	for (;;) {
		if (len == cap) {
			if (cap >= CLI_LOGS_REPLY_MAX) {
				fprintf(stderr, "ringvisor: reply line longer than %u bytes\n", CLI_LOGS_REPLY_MAX);
				return CLI_EXIT_TEMP;
			}
			char *nb = realloc(buf, 2 * cap + 1);
			if (!nb)
				return CLI_EXIT_TEMP;
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (first) {
				fprintf(stderr, "ringvisor: no reply from %s\n", socket_path);
				return CLI_EXIT_TEMP;
			}
			return CLI_EXIT_OK;   /* the daemon went away: the stream ends */
		}
		len += (size_t)r;
		size_t start = 0;
		for (char *nl; (nl = memchr(buf + start, '\n', len - start));) {
			*nl = '\0';
			if (!handle(buf + start, (size_t)(nl - (buf + start)), first, req, json))
				return CLI_EXIT_FAIL;
			first = false;
			start = (size_t)(nl - buf) + 1;
		}
		memmove(buf, buf + start, len - start);
		len -= start;
		fflush(stdout);
		if (!first && !req->follow)
			return CLI_EXIT_OK;
	}
}
