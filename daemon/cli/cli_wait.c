/* SPDX-License-Identifier: MIT */
/*
 * cli_wait.c: see cli_wait.h. The CLI asks `status TARGET` every 50 ms
 * until each instance the command named has an outcome: the control
 * protocol has no event stream yet (issue 17 adds one), and one small
 * status request per 50 ms while a person or a script waits costs the
 * daemon far less than it saves them. Nothing polls when nobody waits.
 */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/time_util.h"
#include "cli/cli_ask.h"
#include "cli/cli_json.h"
#include "cli/cli_wait.h"

#define WAIT_POLL_MS 50
/* Without a readiness check, "running" only says the exec happened: a
 * process that ends in its first second (a bad flag, a missing file) has
 * not started. supervisord's startsecs is 1 s by default too. */
#define WAIT_SETTLE_MS 1000

enum outcome { PENDING, GOOD, BAD };
static const char *const outcome_names[] = { "timeout", "ok", "failed" };

static bool is(const char *a, const char *b)
{
	return a && !strcmp(a, b);
}

/* Why an instance is not up: its last exit, then what follows it. */
static void why_down(json_object *in, const char *state, char *buf, size_t len)
{
	json_object *le = cli_jget(in, "last_exit");
	const char *cause = cli_jstr(le, "cause");
	const char *detail = cli_jstr(cli_jget(cli_jget(in, "readiness"), "last_check"), "detail");
	char t[32] = "";

	if (!le)
		snprintf(buf, len, "%s", state);
	else if (cli_jint(le, "code") >= 0 && is(cause, "exited"))
		snprintf(buf, len, "exited with code %" PRId64, cli_jint(le, "code"));
	else if (cli_jint(le, "code") >= 0 && cause && strncmp(cause, "exec", 4))
		snprintf(buf, len, "%s, code %" PRId64, cause, cli_jint(le, "code"));
	else if (is(cause, "readiness") && detail)
		snprintf(buf, len, "not ready in time, last check: %s", detail);
	else if (cli_jstr(le, "signal") && is(cause, "killed"))
		snprintf(buf, len, "killed by %s", cli_jstr(le, "signal"));
	else if (cli_jstr(le, "signal"))
		snprintf(buf, len, "%s, %s", cause, cli_jstr(le, "signal"));
	else
		snprintf(buf, len, "%s", cause ? cause : state);
	if (is(state, "backoff") && cli_jint(in, "restart_in_ms") >= 0)
		cli_fmt_ms(cli_jint(in, "restart_in_ms"), t, sizeof(t));
	snprintf(buf + strlen(buf), len - strlen(buf), " (%s%s%s)", state, t[0] ? ", next try in " : "", t);
}

/* After start, restart or scale: up (ready, where a readiness check is
 * configured; completed for a oneshot), or down with a cause. */
static enum outcome judge_start(json_object *svc, json_object *in, char *why, size_t len)
{
	const char *state = cli_jstr(in, "state"), *kind = cli_jstr(cli_jget(in, "readiness"), "kind");
	json_object *w = cli_jget(svc, "waiting");
	bool wants_ready = kind && !is(kind, "none"), oneshot = is(cli_jstr(svc, "type"), "oneshot");

	snprintf(why, len, "%s", state ? state : "?");
	if (is(state, "ready") || is(state, "completed") || is(state, "frozen"))
		return GOOD;
	if (is(state, "running"))
		return wants_ready || oneshot || cli_jint(in, "uptime_ms") < WAIT_SETTLE_MS ? PENDING : GOOD;
	if (is(state, "starting") || is(state, "stopping"))
		return PENDING;
	if (is(state, "stopped") && w) {
		bool blocked = cli_jint(w, "blocked") > 0;
		snprintf(why, len, "%s (%s)", blocked ? "blocked" : "waiting", cli_jstr(w, "for"));
		return blocked ? BAD : PENDING;
	}
	/* Its start is queued (the daemon starts a batch a loop turn; a scale
	 * to 400 takes a few turns), not refused; an older daemon says so
	 * only by a stopped instance never run. A start that never comes ends
	 * at --timeout. */
	if (is(state, "stopped") && (json_object_get_boolean(cli_jget(in, "queued")) ||
				     (!cli_jget(in, "last_exit") && cli_jint(in, "restarts") <= 0))) {
		snprintf(why, len, "queued");
		return PENDING;
	}
	why_down(in, state ? state : "?", why, len);
	return BAD;
}

static enum outcome judge_stop(json_object *in, char *why, size_t len)
{
	const char *state = cli_jstr(in, "state");

	snprintf(why, len, "%s", state ? state : "?");
	return is(state, "stopped") || is(state, "exited") || is(state, "completed") || is(state, "failed") ?
		GOOD : PENDING;
}

struct verdict {
	enum outcome all;       /* BAD if one is, else PENDING if one is, else GOOD */
	size_t counted;         /* scale: the instances that stay */
	bool retiring;          /* scale: some are still going */
};

/* Judges, and (when final) prints each instance of the status reply. */
static struct verdict judge(const struct rv_request *req, int64_t from, json_object *reply, bool print,
			    const struct cli_opts *o, json_object *out)
{
	json_object *svc = json_object_array_get_idx(cli_jget(reply, "services"), 0);
	json_object *insts = cli_jget(svc, "instances");
	struct verdict v = { .all = GOOD };
	char why[320];

	for (size_t i = 0; insts && i < json_object_array_length(insts); i++) {
		json_object *in = json_object_array_get_idx(insts, i);
		if (cli_jget(in, "retiring")) {
			v.retiring = true;
			continue;
		}
		v.counted++;
		if (cli_jint(in, "index") < from)
			continue;   /* scale judges the new instances only */
		enum outcome x = req->cmd == RV_CMD_STOP ? judge_stop(in, why, sizeof(why)) :
							   judge_start(svc, in, why, sizeof(why));
		v.all = x == BAD || v.all == BAD ? BAD : x == PENDING ? PENDING : v.all;
		if (!print)
			continue;
		char name[96];
		snprintf(name, sizeof(name), "%s.%" PRId64, cli_jstr(svc, "name"), cli_jint(in, "index"));
		if (o->json) {
			json_object *e = json_object_new_object();
			json_object_object_add(e, "instance", json_object_new_string(name));
			json_object_object_add(e, "state", json_object_new_string(cli_jstr(in, "state")));
			json_object_object_add(e, "outcome", json_object_new_string(outcome_names[x]));
			json_object_object_add(e, "pid", json_object_get(cli_jget(in, "pid")));
			json_object_object_add(e, "why", json_object_new_string(why));
			json_object_array_add(out, e);
		} else if (x == GOOD && cli_jint(in, "pid") > 0)
			printf("%s: %s (pid %" PRId64 ")\n", name, why, cli_jint(in, "pid"));
		else if (x == GOOD)
			printf("%s: %s\n", name, why);
		else
			fprintf(stderr, "ringvisor: %s: %s%s\n", name, x == PENDING ? "still " : "", why);
	}
	return v;
}

static bool settled(const struct rv_request *req, const struct verdict *v)
{
	if (req->cmd == RV_CMD_SCALE && (v->counted != req->count || v->retiring))
		return false;
	return v->all != PENDING;
}

static int finish(const struct rv_request *req, int64_t from, json_object *reply, const struct cli_opts *o,
		  uint64_t waited_ms)
{
	json_object *out = json_object_new_array();
	struct verdict v = judge(req, from, reply, true, o, out);
	bool ok = settled(req, &v) && v.all == GOOD;
	char t[32];

	if (req->cmd == RV_CMD_SCALE && v.counted != req->count && !o->json)
		fprintf(stderr, "ringvisor: %s: %zu instances, not yet %u\n", req->service, v.counted, req->count);
	if (!settled(req, &v) && !o->json) {
		cli_fmt_ms((int64_t)waited_ms, t, sizeof(t));
		fprintf(stderr, "ringvisor: %s: no outcome after %s (--timeout)\n", req->service, t);
	}
	if (o->json) {
		json_object *r = json_object_new_object();
		json_object_object_add(r, "ok", json_object_new_boolean(ok));
		json_object_object_add(r, "cmd", json_object_new_string(rv_cmd_to_string(req->cmd)));
		json_object_object_add(r, "timed_out", json_object_new_boolean(!settled(req, &v)));
		json_object_object_add(r, "instances", out);
		printf("%s\n", json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN));
		json_object_put(r);
	} else
		json_object_put(out);
	return ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int cli_wait(const char *socket_path, const struct rv_request *req, int64_t from, const struct cli_opts *o)
{
	struct rv_request st = { .cmd = RV_CMD_STATUS, .index = req->index };
	uint64_t start = now_ns();

	memcpy(st.service, req->service, sizeof(st.service));
	for (;;) {
		json_object *reply = NULL;
		int rc = cli_ask(socket_path, &st, &reply, NULL);
		if (rc != CLI_EXIT_OK)
			return rc;
		/* A daemon at its client limit (many waiters at once) is asked
		 * again on the next turn: that is not the command's outcome. */
		const char *err = cli_jstr(reply, "error");
		if (err && !strncmp(err, "too many clients", 16) && (now_ns() - start) / 1000000 < o->timeout_ms) {
			json_object_put(reply);
			(void)poll(NULL, 0, WAIT_POLL_MS);
			continue;
		}
		if ((rc = cli_refused(&st, reply)) != CLI_EXIT_OK) {
			json_object_put(reply);
			return rc;
		}
		uint64_t waited_ms = (now_ns() - start) / 1000000;
		struct verdict v = judge(req, from, reply, false, o, NULL);
		if (settled(req, &v) || waited_ms >= o->timeout_ms) {
			rc = finish(req, from, reply, o, waited_ms);
			json_object_put(reply);
			return rc;
		}
		json_object_put(reply);
		(void)poll(NULL, 0, WAIT_POLL_MS);
	}
}
