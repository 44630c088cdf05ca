/* SPDX-License-Identifier: MIT */
/*
 * cli_events.c: `ringvisor events [-f] [--json] [--since DURATION]
 * [TARGET]`. The daemon answers a head line (how many events follow),
 * those events, and with -f every new one until it goes away or we are
 * interrupted. Text: the daemon's own text-log line for each (time,
 * target, event, fields); --json: each event's object as the daemon sent
 * it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/cli.h"
#include "cli/cli_ask.h"
#include "cli/cli_events.h"
#include "cli/cli_json.h"
#include "cli/text_escape.h"
#include "basic/macro.h"
#include "basic/units.h"

/* An event line is short; a head line with a note too. */
#define EVENT_LINE_MAX (64U << 10)

const char *cli_events_request(const char *since, struct rv_request *req, char *err, size_t errlen)
{
	if (!since)
		return NULL;
	if (parse_duration_ms(since, &req->since_ms) < 0 || req->since_ms == 0 ||
	    req->since_ms > RV_PROTO_MAX_SINCE_MS) {
		snprintf(err, errlen, "--since: expected a duration such as 90s, 10m or 1h (at most 8784h), got \"%s\"",
			 since);
		return err;
	}
	return NULL;
}

static void print_value(json_object *v)
{
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		size_t n = (size_t)json_object_get_string_len(v);
		bool quote = n == 0 ? false : strpbrk(s, " \t\"") != NULL;
		if (quote)
			putchar('"');
		text_escape_write(stdout, s, n);
		if (quote)
			putchar('"');
	} else {
		fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), stdout);
	}
}

/* "TS web.0 exit code=1 cause=exited pid=4242", as the text log has it. */
static void print_text(json_object *e)
{
	const char *svc = cli_jstr(e, "service");
	int64_t index = cli_jint(e, "index");

	printf("%s ", cli_jstr(e, "ts") ?: "-");
	if (svc) {
		text_escape_write(stdout, svc, strlen(svc));
		if (index >= 0)
			printf(".%lld", (long long)index);
		putchar(' ');
	}
	printf("%s", cli_jstr(e, "event") ?: "?");
	json_object_object_foreach(e, k, v) {
		if (!strcmp(k, "seq") || !strcmp(k, "ts") || !strcmp(k, "event") || !strcmp(k, "service") ||
		    !strcmp(k, "index"))
			continue;
		printf(" %s=", k);
		print_value(v);
	}
	putchar('\n');
}

struct reader {
	bool json;
	bool follow;
	bool first;               /* the head line is next */
	int64_t left;             /* events of the head's count still to come */
};

/* One line from the daemon: CLI_EXIT_OK to go on, -1 when done, else the
 * exit code. */
static int handle_object(struct reader *rd, json_object *o)
{
	json_object *notes;

	if (rd->first) {
		rd->first = false;
		if (!cli_jget(o, "ok") || !json_object_get_boolean(cli_jget(o, "ok"))) {
			fprintf(stderr, "ringvisor: events: %s\n", cli_jstr(o, "error") ?: "failed");
			return cli_refusal_exit(o);
		}
		if ((notes = cli_jget(o, "notes")))
			for (size_t i = 0; i < json_object_array_length(notes); i++)
				fprintf(stderr, "ringvisor: note: %s\n",
					json_object_get_string(json_object_array_get_idx(notes, i)));
		rd->left = cli_jint(o, "count");
		return rd->left <= 0 && !rd->follow ? -1 : CLI_EXIT_OK;
	}
	bool cut = cli_jstr(o, "event") && !strcmp(cli_jstr(o, "event"), "dropped") && !cli_jget(o, "seq");
	if (rd->json)
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	if (cut) {
		fflush(stdout);
		fprintf(stderr, "ringvisor: events: cut off by the daemon, this reader was too slow: %lld events "
			"missed from seq %lld on (`events --since` shows what the daemon still keeps)\n",
			(long long)cli_jint(o, "dropped"), (long long)cli_jint(o, "next_seq"));
		return CLI_EXIT_FAIL;
	}
	if (!rd->json)
		print_text(o);
	return --rd->left <= 0 && !rd->follow ? -1 : CLI_EXIT_OK;
}

static int handle(struct reader *rd, const char *s)
{
	json_object *o = json_tokener_parse(s);

	if (!o) {
		fprintf(stderr, "ringvisor: malformed reply from the daemon\n");
		return CLI_EXIT_TEMP;
	}
	int rc = handle_object(rd, o);
	json_object_put(o);
	return rc;
}

int cli_events(const char *socket_path, const struct rv_request *req, bool json)
{
	struct reader rd = { .json = json, .follow = req->follow, .first = true };
	_cleanup_close_ int fd = cli_send(socket_path, req);
	_cleanup_free_ char *buf = malloc(EVENT_LINE_MAX);
	size_t len = 0;

	if (fd < 0)
		return -fd;
	if (!buf)
		return CLI_EXIT_TEMP;
	for (;;) {
		ssize_t r = read(fd, buf + len, EVENT_LINE_MAX - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (rd.first)
				fprintf(stderr, "ringvisor: no reply from %s\n", socket_path);
			return rd.first ? CLI_EXIT_TEMP : CLI_EXIT_OK;   /* the daemon went away: the stream ends */
		}
		len += (size_t)r;
		size_t start = 0;
		for (char *nl; (nl = memchr(buf + start, '\n', len - start));) {
			*nl = '\0';
			int rc = handle(&rd, buf + start);
			if (rc != CLI_EXIT_OK)
				return rc < 0 ? CLI_EXIT_OK : rc;
			start = (size_t)(nl - buf) + 1;
		}
		if (start == 0 && len == EVENT_LINE_MAX - 1) {
			fprintf(stderr, "ringvisor: reply line longer than %u bytes\n", EVENT_LINE_MAX);
			return CLI_EXIT_TEMP;
		}
		memmove(buf, buf + start, len - start);
		len -= start;
		fflush(stdout);
	}
}
