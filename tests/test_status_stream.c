/* SPDX-License-Identifier: MIT */
/*
 * test_status_stream.c: the streamed `status` reply (control/status_stream.c)
 * in front of a real supervisor (cgroups off, 100 instances of one service,
 * stopped, a second service with none, on both loop backends):
 * each chunk holds at most STATUS_CHUNK_INSTANCES instances; the chunks
 * together are one JSON line with every instance in order, as the
 * supervisor holds them, and the same text as the one-piece reply
 * (status_stream_reply); every object has the members docs/protocol.md
 * lists, in its order (the clients' and scripts' shape); the state filter keeps only
 * the instances in it and the services that have one; a page keeps
 * `limit` from `offset` and says what it kept; an unknown state is
 * refused with the list; a service that disappears mid-stream still
 * leaves the line whole.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "control_test_util.h"
#include "control/status_stream.h"
#include "config/config.h"
#include "config/config_errors.h"
#include "policy/state.h"
#include "policy/supervisor.h"

#define N_WEB 100

struct fx {
	const struct env *env;
	char tmp[64], cfg[128];
	struct supervisor *sup;
	char *text;                 /* what the stream wrote so far */
	size_t len, cap;
	unsigned chunk_insts;       /* instance objects in the current chunk */
};

static int rm_one(const char *p, _unused_ const struct stat *st, _unused_ int flag,
		  _unused_ struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->env = *state;
	strcpy(fx->tmp, "/tmp/rv-status-stream-XXXXXX");
	assert_non_null(mkdtemp(fx->tmp));
	snprintf(fx->cfg, sizeof(fx->cfg), "%s/rv.yaml", fx->tmp);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	if (fx->sup) {
		supervisor_shutdown(fx->sup, "test");
		struct loop_timer t;
		loop_timer_init(&t, quit_cb, NULL);
		(void)loop_timer_start(fx->sup->loop, &t, now_ns() + 5000 * MS);
		(void)loop_run(fx->sup->loop);
		loop_timer_stop(fx->sup->loop, &t);
		logsys_stop(&fx->sup->logs);
	}
	fx->sup = supervisor_free(fx->sup);
	(void)nftw(fx->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx->text);
	free(fx);
	return 0;
}

static void start(struct fx *fx)
{
	char yaml[1024];
	struct config *c = NULL;
	struct config_errors errs = { .n = 0 };

	snprintf(yaml, sizeof(yaml),
		 "supervisor:\n  cgroup_root: none\n  state_dir: %s/state\n  shutdown_timeout: 5s\n"
		 "  log: {dir: %s/logs}\n"
		 "services:\n  web:\n    command: [/bin/sleep, \"1000\"]\n"
		 "  idle:\n    command: [/bin/sleep, \"1000\"]\n", fx->tmp, fx->tmp);
	FILE *f = fopen(fx->cfg, "we");
	assert_non_null(f);
	assert_true(fputs(yaml, f) >= 0);
	assert_int_equal(fclose(f), 0);
	int r = config_load(fx->cfg, &c, &errs);
	for (size_t i = 0; i < errs.n; i++)
		print_message("%s\n", errs.lines[i]);
	config_errors_done(&errs);
	assert_int_equal(r, 0);
	struct supervisor_options o = { .config_path = fx->cfg, .backend = fx->env->backend, .spawn = SPAWN_AUTO };
	r = supervisor_new(&o, c, &fx->sup);
	if (r < 0 && fx->env->backend == LOOP_BACKEND_URING) {
		print_message("no io_uring here (%s): skipping\n", strerror(-r));
		skip();
	}
	assert_int_equal(r, 0);
	/* The instances exist at once, stopped, their starts queued for the
	 * loop, which these tests never run: no process is needed to show
	 * them, and every state is known. */
	assert_int_equal(service_scale(&fx->sup->services[0], N_WEB), 0);
	assert_int_equal(fx->sup->services[0].n_instances, N_WEB);
}

static int emit(const char *s, size_t n, void *userdata)
{
	struct fx *fx = userdata;

	if (fx->len + n + 1 > fx->cap) {
		fx->cap = (fx->len + n + 1) * 2;
		fx->text = realloc(fx->text, fx->cap);
		assert_non_null(fx->text);
	}
	memcpy(fx->text + fx->len, s, n);
	fx->len += n;
	fx->text[fx->len] = '\0';
	/* An instance object is the only one with a "state_ms" key. */
	for (const char *p = s; (p = memmem(p, n - (size_t)(p - s), "\"state_ms\"", 10)); p++)
		fx->chunk_insts++;
	return 0;
}

/* The whole reply to req, chunk by chunk; the number of chunks. */
static json_object *stream(struct fx *fx, const struct rv_request *req, unsigned *ret_chunks)
{
	struct status_stream *st = status_stream_new(req);
	unsigned chunks = 0;
	int r;

	assert_non_null(st);
	fx->len = 0;
	do {
		fx->chunk_insts = 0;
		r = status_stream_next(st, fx->sup, 1, emit, fx);
		assert_true(r >= 0);
		assert_true(fx->chunk_insts <= STATUS_CHUNK_INSTANCES);
		chunks++;
	} while (r == 0);
	status_stream_free(st);
	assert_true(fx->len > 0 && fx->text[fx->len - 1] == '\n');
	assert_null(memchr(fx->text, '\n', fx->len - 1));   /* one line */
	if (ret_chunks)
		*ret_chunks = chunks;
	json_object *o = json_tokener_parse(fx->text);
	if (!o)
		fail_msg("not JSON: %.200s", fx->text);
	return o;
}

static json_object *instances_of(json_object *reply, size_t i)
{
	return get(json_object_array_get_idx(get(reply, "services"), i), "instances");
}

static void test_chunks_make_the_whole_reply(void **state)
{
	struct fx *fx = *state;
	struct rv_request req = { .cmd = RV_CMD_STATUS, .index = -1 };
	unsigned chunks;

	start(fx);
	json_object *o = stream(fx, &req, &chunks);
	/* The daemon's object and 64 instances, then the last 36. */
	assert_int_equal(chunks, (N_WEB + STATUS_CHUNK_INSTANCES - 1) / STATUS_CHUNK_INSTANCES);
	json_object *whole = status_stream_reply(fx->sup, &req, 1);
	assert_non_null(whole);
	assert_int_equal(json_object_array_length(get(o, "services")), 2);
	json_object *a = instances_of(o, 0), *b = instances_of(whole, 0);
	const struct service *web = &fx->sup->services[0];
	assert_int_equal(json_object_array_length(a), N_WEB);
	assert_int_equal(json_object_array_length(b), N_WEB);
	for (size_t i = 0; i < N_WEB; i++) {
		json_object *x = json_object_array_get_idx(a, i), *y = json_object_array_get_idx(b, i);
		const struct instance *inst = web->instances[i];
		assert_int_equal(json_object_get_int(get(x, "index")), inst->index);
		assert_int_equal(json_object_get_int(get(y, "index")), inst->index);
		assert_string_equal(json_object_get_string(get(x, "state")), instance_state_to_string(inst->state));
		assert_string_equal(json_object_get_string(get(y, "state")), instance_state_to_string(inst->state));
		assert_int_equal(json_object_get_type(get(x, "pid")), json_type_null);   /* stopped */
	}
	/* The stopped service shows, with no instance, as before. */
	assert_string_equal(json_object_get_string(get(json_object_array_get_idx(get(o, "services"), 1), "name")),
			    "idle");
	assert_int_equal(json_object_array_length(instances_of(o, 1)), 0);
	assert_int_equal(json_object_get_int(get(get(o, "supervisor"), "instances")), N_WEB);
	json_object_put(whole);
	json_object_put(o);
}

static void test_state_filter_and_page(void **state)
{
	struct fx *fx = *state;
	struct rv_request req = { .cmd = RV_CMD_STATUS, .index = -1 };
	char why[256];

	start(fx);
	strcpy(req.state, "stopped");
	json_object *o = stream(fx, &req, NULL);
	assert_int_equal(json_object_array_length(get(o, "services")), 1);   /* not idle */
	assert_int_equal(json_object_array_length(instances_of(o, 0)), N_WEB);
	json_object_put(o);

	strcpy(req.state, "running");
	o = stream(fx, &req, NULL);
	assert_int_equal(json_object_array_length(get(o, "services")), 0);
	json_object_put(o);

	strcpy(req.state, "nosuch");
	const char *no = status_stream_refused(&req, why, sizeof(why));
	assert_non_null(no);
	assert_non_null(strstr(no, "unknown state \"nosuch\": one of stopped, starting, running"));

	req.state[0] = '\0';
	req.paged = true;
	req.offset = N_WEB - 5;
	req.limit = 10;
	o = stream(fx, &req, NULL);
	json_object *a = instances_of(o, 0), *page = get(o, "page");
	assert_int_equal(json_object_array_length(a), 5);
	assert_int_equal(json_object_get_int(get(json_object_array_get_idx(a, 0), "index")), N_WEB - 5);
	assert_int_equal(json_object_get_int(get(page, "returned")), 5);
	assert_int_equal(json_object_get_int(get(page, "matched")), N_WEB);
	assert_int_equal(json_object_get_int(get(page, "offset")), N_WEB - 5);
	json_object_put(o);

	/* A target and an index: that one instance. */
	req = (struct rv_request){ .cmd = RV_CMD_STATUS, .index = 7 };
	strcpy(req.service, "web");
	o = stream(fx, &req, NULL);
	assert_int_equal(json_object_array_length(instances_of(o, 0)), 1);
	assert_int_equal(json_object_get_int(get(json_object_array_get_idx(instances_of(o, 0), 0), "index")), 7);
	json_object_put(o);
}

/* o's members, in order, are exactly the NULL-ended list. */
static void assert_members(json_object *o, const char *const *want)
{
	size_t i = 0;

	assert_int_equal(json_object_get_type(o), json_type_object);
	json_object_object_foreach(o, k, v) {
		(void)v;
		if (!want[i])
			fail_msg("member \"%s\" past the last expected", k);
		assert_string_equal(k, want[i]);
		i++;
	}
	if (want[i])
		fail_msg("member \"%s\" missing", want[i]);
}

/* The shape clients read (docs/protocol.md): every member, in order. */
static void test_members_in_order(void **state)
{
	static const char *const top[] = { "ok", "supervisor", "services", NULL };
	static const char *const sup[] = { "pid", "event_backend", "spawn", "fds", "rss_kib", "uptime_ms",
					   "services", "instances", "live_processes", "orphans_reaped",
					   "fdstore", "wakeups", "control_clients", "shutting_down", "config",
					   "cgroups", "usage_source", "degraded", "log", "events", "notify",
					   "checks", NULL };
	static const char *const events[] = { "kept", "subscribers", "subscribers_max", "subscribers_dropped",
					      NULL };
	static const char *const kept[] = { "events", "max_events", "bytes", "max_bytes", "evicted",
					    "next_seq", NULL };
	static const char *const svc[] = { "name", "restart_policy", "type", "limits", "instances", NULL };
	/* Taken before the loop ran: web.0's start is still queued. */
	static const char *const inst[] = { "index", "state", "pid", "restarts", "adopted", "queued",
					    "uptime_ms", "state_ms", "last_exit", "cgroup", "usage", "log", NULL };
	static const char *const cg[] = { "violations", NULL };
	static const char *const out[] = { "bytes_in", "lines_in", "bytes_written", "spliced_bytes", "dropped_bytes",
					   "dropped_lines", "held_back", "held_back_ms", "held", "write_errors",
					   "rotations", "buffered", "file", "last_error", "merged", NULL };
	struct fx *fx = *state;
	struct rv_request req = { .cmd = RV_CMD_STATUS, .index = -1 };

	start(fx);
	json_object *o = stream(fx, &req, NULL), *s = get(o, "supervisor");
	assert_members(o, top);
	assert_members(s, sup);
	assert_members(get(s, "events"), events);
	/* The ring is the daemon's log's: none in this test. */
	if (get(get(s, "events"), "kept"))
		assert_members(get(get(s, "events"), "kept"), kept);
	assert_true(json_object_get_boolean(get(o, "ok")));
	assert_int_equal(json_object_get_type(get(s, "fds")), json_type_int);
	assert_int_equal(json_object_get_type(get(s, "degraded")), json_type_array);
	json_object *w = json_object_array_get_idx(get(o, "services"), 0);
	assert_members(w, svc);
	json_object *i0 = json_object_array_get_idx(get(w, "instances"), 0);
	assert_members(i0, inst);
	assert_members(get(i0, "cgroup"), cg);
	assert_members(get(get(i0, "log"), "stdout"), out);
	assert_int_equal(json_object_get_type(get(i0, "last_exit")), json_type_null);
	assert_int_equal(json_object_get_type(get(i0, "adopted")), json_type_boolean);
	json_object_put(o);
}

/* A service gone between two chunks (a reload removed it): the reply is
 * still one whole JSON line. */
static void test_service_gone_mid_stream(void **state)
{
	struct fx *fx = *state;
	struct rv_request req = { .cmd = RV_CMD_STATUS, .index = -1 };

	start(fx);
	strcpy(req.service, "web");
	struct status_stream *st = status_stream_new(&req);
	fx->len = 0;
	assert_int_equal(status_stream_next(st, fx->sup, 1, emit, fx), 0);
	/* What a reload does to a removed service's lookups. */
	fx->sup->services[0].removed = true;
	assert_int_equal(supervisor_index_services(fx->sup), 0);
	assert_int_equal(status_stream_next(st, fx->sup, 1, emit, fx), 1);
	status_stream_free(st);
	fx->sup->services[0].removed = false;
	json_object *o = json_tokener_parse(fx->text);
	assert_non_null(o);
	assert_int_equal(json_object_array_length(instances_of(o, 0)), STATUS_CHUNK_INSTANCES);
	json_object_put(o);
}

#define BOTH(fn)                                                                              \
	{ #fn "/uring", fn, setup, teardown, &env_uring },                                    \
	{ #fn "/epoll", fn, setup, teardown, &env_epoll }

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_chunks_make_the_whole_reply),
		BOTH(test_state_filter_and_page),
		BOTH(test_members_in_order),
		BOTH(test_service_gone_mid_stream),
	};

	alarm(300);
	return cmocka_run_group_tests_name("status_stream", tests, NULL, NULL);
}
