/* SPDX-License-Identifier: MIT */
/*
 * test_control.c: the control socket (control.c), its command table
 * (commands.c) and the status builders, on both loop backends, in front of
 * a real supervisor: a config file loaded with config_load, cgroups off, a
 * service running /bin/sleep, and clients on a real unix socket, driven
 * from the same loop (a non-root client is connected by a forked child
 * that drops to uid 65534 first: SO_PEERCRED is taken at connect). What it
 * checks is what docs/protocol.md promises: status for anyone, mutating
 * commands for root only, errors as {"ok":false,"error"}, the bounds
 * (request size, clients) and a listener that survives a failed accept,
 * and shutdown ending the loop.
 */
#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fault.h"
#include "control_test_util.h"
#include "control/commands.h"
#include "control/control.h"
#include "config/config.h"
#include "config/config_errors.h"
#include "policy/supervisor.h"

#define NCONN (CONTROL_MAX_CLIENTS + 2)

struct fx {
	const struct env *env;
	char tmp[64], sock[128], cfg[128];
	struct supervisor *sup;
	struct control *ctl;
	struct instance *web;      /* web.0 */
	struct conn conns[NCONN];
	json_object *reply;        /* the last one, freed by the next or teardown */
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
	for (size_t i = 0; i < NCONN; i++)
		fx->conns[i].fd = -1;
	strcpy(fx->tmp, "/tmp/rv-control-XXXXXX");
	assert_non_null(mkdtemp(fx->tmp));
	assert_int_equal(chmod(fx->tmp, 0711), 0);   /* uid 65534 must reach the socket */
	snprintf(fx->sock, sizeof(fx->sock), "%s/control.sock", fx->tmp);
	snprintf(fx->cfg, sizeof(fx->cfg), "%s/rv.yaml", fx->tmp);
	fault_reset();
	*state = fx;
	return 0;
}

/* Runs the loop until it quits, or ms at most (teardown: no asserts). */
static void run_bounded(struct loop *l, uint64_t ms)
{
	struct loop_timer t;

	loop_timer_init(&t, quit_cb, NULL);
	(void)loop_timer_start(l, &t, now_ns() + ms * MS);
	(void)loop_run(l);
	loop_timer_stop(l, &t);
}

/* The daemon's way out (main.c cmd_run, supervisor_run): stop every
 * service and reap it, write out the logs, then control_free and
 * supervisor_free. Also after a failed test, so no sleep is left behind. */
static int teardown(void **state)
{
	struct fx *fx = *state;

	fault_reset();
	json_object_put(fx->reply);
	for (size_t i = 0; i < NCONN; i++)
		safe_close(fx->conns[i].fd);
	if (fx->sup) {
		supervisor_shutdown(fx->sup, "test");
		if (!fx->sup->shutdown_done)
			run_bounded(fx->sup->loop, 5000);
		if (logsys_finish(&fx->sup->logs))
			run_bounded(fx->sup->loop, 2000);
		logsys_stop(&fx->sup->logs);
	}
	fx->ctl = control_free(fx->ctl);
	fx->sup = supervisor_free(fx->sup);
	(void)nftw(fx->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static bool web_running(void *ud)
{
	return ((struct instance *)ud)->state == STATE_RUNNING;
}

/* A supervisor on this test's backend with the control socket, and web.0
 * (/bin/sleep 1000) running. */
static void start(struct fx *fx)
{
	char yaml[1024];
	struct config *c = NULL;
	struct config_errors errs = { .n = 0 };

	snprintf(yaml, sizeof(yaml),
		 "supervisor:\n"
		 "  cgroup_root: none\n"
		 "  state_dir: %s/state\n"
		 "  shutdown_timeout: 5s\n"
		 "  log: {dir: %s/logs}\n"
		 "services:\n"
		 "  web:\n"
		 "    command: [/bin/sleep, \"1000\"]\n", fx->tmp, fx->tmp);
	FILE *f = fopen(fx->cfg, "we");
	assert_non_null(f);
	assert_int_equal(fputs(yaml, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	int r = config_load(fx->cfg, &c, &errs);
	for (size_t i = 0; i < errs.n; i++)
		print_message("%s\n", errs.lines[i]);
	config_errors_done(&errs);
	assert_int_equal(r, 0);

	struct supervisor_options o = {
		.config_path = fx->cfg, .socket_path = fx->sock, .backend = fx->env->backend,
		.spawn = SPAWN_AUTO, .front_sources = CONTROL_MAX_CLIENTS,
	};
	r = supervisor_new(&o, c, &fx->sup);   /* owns c from here, also on failure */
	if (r < 0 && fx->env->backend == LOOP_BACKEND_URING) {
		print_message("no io_uring here (%s): skipping\n", strerror(-r));
		skip();
	}
	assert_int_equal(r, 0);
	assert_string_equal(loop_backend_name(fx->sup->loop), fx->env->name);
	assert_int_equal(control_new(fx->sup, fx->sock, &fx->ctl), 0);
	assert_int_equal(fx->sup->n_services, 1);
	assert_int_equal(service_scale(&fx->sup->services[0], 1), 0);
	fx->web = fx->sup->services[0].instances[0];
	assert_non_null(fx->web);
	run_until(fx->sup->loop, web_running, fx->web);
}

/* ---- the client side (control_test_util.h), on this fixture ---- */

static struct conn *conn_open(struct fx *fx, size_t i)
{
	conn_connect(&fx->conns[i], fx->sock);
	return &fx->conns[i];
}

static json_object *next_reply(struct fx *fx, struct conn *c)
{
	return conn_next_reply(fx->sup->loop, c, &fx->reply);
}

static json_object *ask(struct fx *fx, struct conn *c, const char *request)
{
	conn_send(c, request, strlen(request));
	return next_reply(fx, c);
}

/* ---- tests ---- */

/* The instances a status reply shows of its first service. */
static size_t n_instances(json_object *status)
{
	json_object *svc = json_object_array_get_idx(get(status, "services"), 0);
	assert_non_null(svc);
	return json_object_array_length(get(svc, "instances"));
}

static bool web_stopped(void *ud)
{
	return ((struct instance *)ud)->state == STATE_STOPPED;
}

static void test_status(void **state)
{
	struct fx *fx = *state;

	start(fx);
	struct conn *c = conn_open(fx, 0);
	json_object *o = ask(fx, c, "{\"cmd\":\"status\"}\n");
	assert_true(is_ok(o));
	json_object *sv = get(o, "supervisor");
	assert_int_equal(json_object_get_int(get(sv, "pid")), getpid());
	assert_string_equal(json_object_get_string(get(sv, "event_backend")), fx->env->name);
	assert_int_equal(json_object_get_int(get(sv, "control_clients")), 1);
	assert_int_equal(json_object_get_int(get(sv, "live_processes")), 1);
	assert_false(json_object_get_boolean(get(sv, "shutting_down")));
	assert_false(json_object_get_boolean(get(get(sv, "cgroups"), "enabled")));
	assert_string_equal(json_object_get_string(get(sv, "config")), fx->cfg);
	json_object *svcs = get(o, "services");
	assert_int_equal(json_object_array_length(svcs), 1);
	json_object *web = json_object_array_get_idx(svcs, 0);
	assert_string_equal(json_object_get_string(get(web, "name")), "web");
	json_object *inst = json_object_array_get_idx(get(web, "instances"), 0);
	assert_non_null(inst);
	assert_string_equal(json_object_get_string(get(inst, "state")), "running");
	assert_int_equal(json_object_get_int(get(inst, "pid")), fx->web->pid.pid);
	assert_true(json_object_is_type(get(inst, "last_exit"), json_type_null));

	/* Several requests on one connection, answered in order; a target. */
	const char *two = "{\"cmd\":\"status\",\"target\":\"web.0\"}\n"
			  "{\"cmd\":\"status\",\"target\":\"web.1\"}\n";
	conn_send(c, two, strlen(two));
	assert_int_equal(n_instances(next_reply(fx, c)), 1);
	o = next_reply(fx, c);
	assert_true(is_ok(o));
	assert_int_equal(n_instances(o), 0);
}

static void test_errors(void **state)
{
	struct fx *fx = *state;

	start(fx);
	struct conn *c = conn_open(fx, 0);
	assert_error(ask(fx, c, "{\"cmd\":\"start\",\"target\":\"x\"}\n"), "no such service: x");
	assert_error(ask(fx, c, "{\"cmd\":\"stop\",\"target\":\"x\"}\n"), "no such service: x");
	assert_error(ask(fx, c, "{\"cmd\":\"stop\",\"target\":\"web.7\"}\n"), "no such instance: web");
	assert_error(ask(fx, c, "{\"cmd\":\"launch\"}\n"), "unknown command \"launch\"");
	assert_error(ask(fx, c, "{\"cmd\":\"stop\"}\n"), "stop needs a \"target\"");
	json_object *o = ask(fx, c, "{\"cmd\":\n");
	assert_false(is_ok(o));
	assert_non_null(strstr(json_object_get_string(get(o, "error")), "malformed JSON"));
	/* None of it closed the connection or touched web. */
	assert_true(is_ok(ask(fx, c, "{\"cmd\":\"status\"}\n")));
	assert_int_equal(fx->web->state, STATE_RUNNING);
}

/* Without cgroups, freeze, thaw and snapshot are refused by the table,
 * after the service is looked up. */
static void test_needs_cgroups(void **state)
{
	struct fx *fx = *state;
	struct rv_request req = { .cmd = RV_CMD_FREEZE, .service = "web", .index = -1 };

	start(fx);
	json_object_put(fx->reply);
	fx->reply = command_run(fx->sup, &req, 0);
	assert_error(fx->reply, "freeze needs cgroups, and this daemon runs without them");
	strcpy(req.service, "x");
	json_object_put(fx->reply);
	fx->reply = command_run(fx->sup, &req, 0);
	assert_error(fx->reply, "no such service: x");
	struct conn *c = conn_open(fx, 0);
	assert_error(ask(fx, c, "{\"cmd\":\"thaw\",\"target\":\"web\"}\n"),
		     "thaw needs cgroups, and this daemon runs without them");
	assert_error(ask(fx, c, "{\"cmd\":\"snapshot\",\"target\":\"web.0\"}\n"),
		     "snapshot needs cgroups, and this daemon runs without them");
	assert_int_equal(fx->web->state, STATE_RUNNING);
}

/* A forked child drops to nobody and connects the test's socket; the
 * kernel records its credentials at connect. */
static struct conn *conn_open_as_nobody(struct fx *fx, size_t i)
{
	struct conn *c = &fx->conns[i];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int status;

	*c = (struct conn){ .fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) };
	assert_true(c->fd >= 0);
	strcpy(sa.sun_path, fx->sock);
	fflush(stdout);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		_exit(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? 3 : 0);
	}
	/* Reaped here, before the loop runs: the supervisor's reaper would
	 * take it as an orphan. */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	return c;
}

static void test_non_root_peer(void **state)
{
	struct fx *fx = *state;

	if (geteuid() != 0)
		skip();
	start(fx);
	struct conn *c = conn_open_as_nobody(fx, 0);
	assert_true(is_ok(ask(fx, c, "{\"cmd\":\"status\"}\n")));
	assert_error(ask(fx, c, "{\"cmd\":\"stop\",\"target\":\"web\"}\n"),
		     "permission denied: \"stop\" needs root or the admin group");
	assert_error(ask(fx, c, "{\"cmd\":\"shutdown\"}\n"),
		     "permission denied: \"shutdown\" needs root or the admin group");
	assert_error(ask(fx, c, "{\"cmd\":\"logs\",\"target\":\"web\"}\n"),
		     "permission denied: \"logs\" needs root or the admin group");
	assert_true(is_ok(ask(fx, c, "{\"cmd\":\"leaks\"}\n")));
	assert_int_equal(fx->web->state, STATE_RUNNING);
	assert_false(fx->sup->rt.shutting_down);
	/* The same request from root is carried out. */
	struct conn *root = conn_open(fx, 1);
	json_object *o = ask(fx, root, "{\"cmd\":\"stop\",\"target\":\"web\"}\n");
	assert_true(is_ok(o));
	assert_int_equal(json_object_get_int(get(o, "instances")), 1);
	run_until(fx->sup->loop, web_stopped, fx->web);
}

static void test_request_too_large(void **state)
{
	struct fx *fx = *state;
	char line[RV_PROTO_MAX_REQUEST + 2];

	start(fx);
	/* The largest line: 4095 bytes and its newline. */
	struct conn *c = conn_open(fx, 0);
	memset(line, ' ', sizeof(line));
	memcpy(line, "{\"cmd\":\"status\"", 15);
	line[RV_PROTO_MAX_REQUEST - 2] = '}';
	line[RV_PROTO_MAX_REQUEST - 1] = '\n';
	conn_send(c, line, RV_PROTO_MAX_REQUEST);
	assert_true(is_ok(next_reply(fx, c)));

	/* 4096 bytes without a newline: the buffer is full. */
	memset(line, 'x', sizeof(line));
	conn_send(c, line, RV_PROTO_MAX_REQUEST);
	assert_error(next_reply(fx, c), "request too large");
	run_until(fx->sup->loop, is_closed, c);
	assert_int_equal(c->n, 0);   /* nothing after the error */

	/* One byte over, with its newline. */
	c = conn_open(fx, 1);
	line[RV_PROTO_MAX_REQUEST] = '\n';
	conn_send(c, line, RV_PROTO_MAX_REQUEST + 1);
	assert_error(next_reply(fx, c), "request too large");
	run_until(fx->sup->loop, is_closed, c);
	assert_true(is_ok(ask(fx, conn_open(fx, 2), "{\"cmd\":\"status\"}\n")));
}

static void test_too_many_clients(void **state)
{
	struct fx *fx = *state;
	json_object *o = NULL;

	start(fx);
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++)
		o = ask(fx, conn_open(fx, i), "{\"cmd\":\"status\"}\n");
	assert_int_equal(json_object_get_int(get(get(o, "supervisor"), "control_clients")),
			 CONTROL_MAX_CLIENTS);
	struct conn *extra = conn_open(fx, CONTROL_MAX_CLIENTS);
	assert_error(next_reply(fx, extra), "too many clients");
	run_until(fx->sup->loop, is_closed, extra);

	/* One leaves: its slot is free again. */
	fx->conns[0].fd = safe_close(fx->conns[0].fd);
	run_for(fx->sup->loop, 50);
	o = ask(fx, conn_open(fx, CONTROL_MAX_CLIENTS + 1), "{\"cmd\":\"status\"}\n");
	assert_true(is_ok(o));
	assert_int_equal(json_object_get_int(get(get(o, "supervisor"), "control_clients")),
			 CONTROL_MAX_CLIENTS);
	assert_true(is_ok(ask(fx, &fx->conns[1], "{\"cmd\":\"status\"}\n")));
}

/* accept4 fails once: the listener stays, the next client is served, and
 * so is the one whose accept failed (it waited in the backlog). */
static void test_accept_fails_once(void **state)
{
	struct fx *fx = *state;

	start(fx);
	fault_arm(FAULT_ACCEPT4, NULL, 0, 1, EMFILE);
	struct conn *first = conn_open(fx, 0);
	conn_send(first, "{\"cmd\":\"status\"}\n", 17);
	run_for(fx->sup->loop, 100);
	assert_int_equal(fault_hits(FAULT_ACCEPT4), 1);
	assert_true(is_ok(ask(fx, conn_open(fx, 1), "{\"cmd\":\"status\"}\n")));
	assert_true(is_ok(next_reply(fx, first)));
}

/* The same without a second client: the failed accept is retried by the
 * listener itself (the connection waits in the backlog), not only when
 * someone else happens to connect. */
static void test_accept_retried_without_new_client(void **state)
{
	struct fx *fx = *state;

	start(fx);
	fault_arm(FAULT_ACCEPT4, NULL, 0, 1, EMFILE);
	struct conn *c = conn_open(fx, 0);
	conn_send(c, "{\"cmd\":\"status\"}\n", 17);
	bool served = run_until_for(fx->sup->loop, has_line, c, 1000);
	assert_int_equal(fault_hits(FAULT_ACCEPT4), 1);
	if (!served)
		print_message("%s: a client whose accept4 failed (EMFILE) got no reply in 1 s\n",
			      fx->env->name);
	assert_true(served);
	assert_true(is_ok(next_reply(fx, c)));
}

static void poll_cb(struct loop *l, void *u)
{
	struct until *w = u;
	(void)w->pred(w->ud);
	(void)loop_timer_start(l, &w->t, now_ns() + 2 * MS);
}

/* shutdown: ok, then every service stops and the loop ends by itself. */
static void test_shutdown(void **state)
{
	struct fx *fx = *state;
	struct until reader = { .pred = has_line };

	start(fx);
	struct conn *c = conn_open(fx, 0);
	reader.ud = c;
	conn_send(c, "{\"cmd\":\"shutdown\"}\n", 19);
	loop_timer_init(&reader.t, poll_cb, &reader);
	assert_int_equal(loop_timer_start(fx->sup->loop, &reader.t, now_ns()), 0);
	run_guarded(fx->sup->loop);   /* fails after 2 s unless the supervisor quits it */
	loop_timer_stop(fx->sup->loop, &reader.t);
	assert_true(fx->sup->rt.shutting_down);
	assert_true(fx->sup->shutdown_done);
	assert_int_equal(fx->sup->rt.live_processes, 0);
	assert_int_equal(fx->web->state, STATE_STOPPED);
	assert_true(is_ok(next_reply(fx, c)));

	/* While shutting down: status still answers, start is refused. */
	json_object *o = ask(fx, c, "{\"cmd\":\"status\"}\n");
	assert_true(json_object_get_boolean(get(get(o, "supervisor"), "shutting_down")));
	assert_error(ask(fx, c, "{\"cmd\":\"start\",\"target\":\"web\"}\n"),
		     "the supervisor is shutting down");
	/* The daemon's exit (main.c): control_free removes the socket file,
	 * and once the loop is gone too the connection is closed (io_uring
	 * lets go of a polled file asynchronously once its ring is closed). */
	struct stat st;
	fx->ctl = control_free(fx->ctl);
	assert_int_equal(stat(fx->sock, &st), -1);
	assert_int_equal(errno, ENOENT);
	logsys_stop(&fx->sup->logs);
	fx->sup = supervisor_free(fx->sup);
	assert_int_equal(poll(&(struct pollfd){ .fd = c->fd, .events = POLLIN }, 1, 2000), 1);
	conn_read(c);
	assert_true(c->closed);
	assert_int_equal(c->n, 0);
}

#define BOTH(fn)                                                                              \
	{ #fn "/uring", fn, setup, teardown, &env_uring },                                    \
	{ #fn "/epoll", fn, setup, teardown, &env_epoll }

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_status),
		BOTH(test_errors),
		BOTH(test_needs_cgroups),
		BOTH(test_non_root_peer),
		BOTH(test_request_too_large),
		BOTH(test_too_many_clients),
		BOTH(test_accept_fails_once),
		BOTH(test_accept_retried_without_new_client),
		BOTH(test_shutdown),
	};

	alarm(300);
	return cmocka_run_group_tests_name("control", tests, NULL, NULL);
}
