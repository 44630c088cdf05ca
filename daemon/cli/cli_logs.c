/* SPDX-License-Identifier: MIT */
/*
 * cli_logs.c: `ringvisor logs TARGET [-n N] [--since D] [-f] [-t] [--raw]`
 * and `logs --rotate TARGET`. The reply is one JSON line with the lines;
 * with -f every following line is one more log line, until the daemon goes
 * away or we are interrupted.
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
#include "basic/base64.h"
#include "basic/macro.h"
#include "basic/units.h"

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

bool cli_logs_option(int c, const char *arg, struct cli_logs_args *a)
{
	switch (c) {
	case 'f':
		a->follow = true;
		return true;
	case 't':
		a->timestamps = true;
		return true;
	case CLI_LOGS_OPT_RAW:
		a->raw = true;
		return true;
	case CLI_LOGS_OPT_ROTATE:
		a->rotate = true;
		return true;
	case CLI_LOGS_OPT_SINCE:
		a->since = arg;
		return true;
	}
	return false;
}

const char *cli_logs_refusal(const struct cli_logs_args *a, const char *verb)
{
	if (!strcmp(verb, "logs"))
		return NULL;
	return a->follow && strcmp(verb, "events") ? "-f is an option of logs and events, not of %s" :
	       a->timestamps ? "-t is an option of logs, not of %s" :
	       a->since && strcmp(verb, "events") ? "--since is an option of logs and events, not of %s" :
	       a->raw ? "--raw is an option of logs, not of %s" :
	       a->rotate ? "--rotate is an option of logs, not of %s" : NULL;
}

/* --rotate reads nothing, so takes none of the options that shape what is
 * read; --raw is text output's. */
const char *cli_logs_request(const struct cli_logs_args *a, bool lines_given, bool json,
			     struct rv_request *req, char *err, size_t errlen)
{
	req->rotate = a->rotate;
	if (a->rotate && (lines_given || req->follow || a->since || a->timestamps || a->raw))
		return "--rotate goes without -n, -f, -t, --since and --raw";
	if (a->raw && json)
		return "--raw is for text output, not with --json";
	if (!a->since)
		return NULL;
	if (parse_duration_ms(a->since, &req->since_ms) < 0 || req->since_ms == 0 ||
	    req->since_ms > RV_PROTO_MAX_SINCE_MS) {
		snprintf(err, errlen, "--since: expected a duration such as 90s, 10m or 1h (at most 8784h), got \"%s\"",
			 a->since);
		return err;
	}
	if (!lines_given)
		req->lines = RV_PROTO_MAX_LINES;
	return NULL;
}

struct printer {
	const struct rv_request *req;
	const struct cli_logs_args *a;
	bool json;
	bool mid_line;          /* the last piece printed was split: no time or prefix now */
};

/* The line's bytes as written: "bytes" (base64) when the daemon had to
 * repair "line" (not UTF-8), else "line". *ret_buf is what to free. */
static const char *line_bytes(json_object *l, size_t *n, char **ret_buf)
{
	size_t bn = 0;
	const char *b64 = get_str(l, "bytes", &bn);

	*ret_buf = NULL;
	if (b64 && (*ret_buf = malloc(bn / 4 * 3 + 1))) {
		ssize_t k = base64_decode(b64, bn, *ret_buf);
		if (k >= 0) {
			*n = (size_t)k;
			return *ret_buf;
		}
	}
	return get_str(l, "line", n);
}

/* One log line: "svc.i| " before it for a whole service, its time first
 * with -t. A split piece gets no newline, so pieces join back into the
 * line. Text is escaped (control characters, bytes that are not UTF-8, as
 * \xHH) unless --raw: a service's output must not drive the terminal or
 * garble what reads ours. */
static void print_line(struct printer *p, json_object *l)
{
	size_t n = 0;
	_cleanup_free_ char *buf = NULL;
	const char *line;
	json_object *v;

	if (p->json) {
		puts(json_object_to_json_string_ext(l, JSON_C_TO_STRING_PLAIN));
		return;
	}
	if (json_object_object_get_ex(l, "skipped", &v)) {
		fflush(stdout);
		fprintf(stderr, "ringvisor: %lld lines skipped (this reader was too slow)\n",
			(long long)json_object_get_int64(v));
		return;
	}
	if (!(line = line_bytes(l, &n, &buf)))
		return;
	if (!p->mid_line && p->a->timestamps)   /* a line read back without a time: '-' */
		printf("%-24s ", get_str(l, "ts", NULL) ?: "-");
	if (!p->mid_line && p->req->index < 0 && json_object_object_get_ex(l, "index", &v))
		printf("%s.%d| ", get_str(l, "service", NULL), json_object_get_int(v));
	if (p->a->raw)
		fwrite(line, 1, n, stdout);
	else
		text_escape_write(stdout, line, n);
	p->mid_line = get_bool(l, "split");
	if (!p->mid_line)
		putchar('\n');
}

/* The first reply: the lines (and notes on what could not be reached), or
 * for --rotate the files rotated. */
static void print_first(struct printer *p, json_object *o)
{
	json_object *a;

	if (json_object_object_get_ex(o, "notes", &a))
		for (size_t i = 0; i < json_object_array_length(a); i++)
			fprintf(stderr, "ringvisor: note: %s\n", json_object_get_string(json_object_array_get_idx(a, i)));
	if (p->req->rotate && p->json)
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	else if (p->req->rotate && json_object_object_get_ex(o, "rotated", &a))
		for (size_t i = 0; i < json_object_array_length(a); i++)
			printf("rotated %s\n", json_object_get_string(json_object_array_get_idx(a, i)));
	else if (json_object_object_get_ex(o, "lines", &a))
		for (size_t i = 0; i < json_object_array_length(a); i++)
			print_line(p, json_object_array_get_idx(a, i));
}

/* Handles one reply line: CLI_EXIT_OK, or the exit code of the error. */
static int handle(struct printer *p, const char *s, bool first)
{
	json_object *o = json_tokener_parse(s);
	int rc = CLI_EXIT_OK;

	if (!o) {
		fprintf(stderr, "ringvisor: malformed reply from the daemon\n");
		return CLI_EXIT_TEMP;
	}
	if (first && !get_bool(o, "ok")) {
		fprintf(stderr, "ringvisor: logs: %s\n", get_str(o, "error", NULL) ?: "failed");
		rc = cli_refusal_exit(o);   /* 4 for an unknown target */
	} else if (first)
		print_first(p, o);
	else
		print_line(p, o);
	json_object_put(o);
	return rc;
}

int cli_logs(const char *socket_path, const struct rv_request *req, bool json, const struct cli_logs_args *a)
{
	struct printer p = { .req = req, .a = a, .json = json };
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
			int rc = handle(&p, buf + start, first);
			if (rc != CLI_EXIT_OK)
				return rc;
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
