/* SPDX-License-Identifier: MIT */
/*
 * test_client_events.c: `events -f` subscribers (control/client_events.c,
 * control.c's subscriber slots), on both loop backends, in front of a
 * real supervisor and control socket, the events made by log_event() as
 * the daemon's call sites make them. 64 subscribers fill the subscriber
 * slots and a 65th is refused, while a command still finds a client slot;
 * during a flood of events, 63 that read get every event in order, and
 * one that never reads is cut off once the ring lets go of what it has
 * not had: it finds the events it was sent, then the "dropped" line, and
 * is counted (status, client_events_dropped_total()). The ring is kept
 * small here (256 events) so that the flood is short; the daemon keeps
 * CONTROL_EVENTS_KEPT.
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fault.h"
#include "control_test_util.h"
#include "basic/event_ring.h"
#include "basic/log.h"
#include "control/client_events.h"
#include "control/control.h"
#include "config/config.h"
#include "config/config_errors.h"
#include "policy/supervisor.h"

#define RING 256
#define NSUB CONTROL_MAX_SUBSCRIBERS

/* One subscriber, read by hand: the seqs it saw, in order. */
struct sub {
	int fd;
	char part[8192];          /* a line not whole yet */
	size_t np;
	uint64_t first, last, lines;
	bool gap, dropped, closed;
	char drop_line[256];
};

struct fx {
	const struct env *env;
	char tmp[64], sock[128], cfg[128];
	struct supervisor *sup;
	struct control *ctl;
	struct sub subs[NSUB + 1];
	struct conn cmd;
	json_object *reply;
};

static int rm_one(const char *p, _unused_ const struct stat *st, _unused_ int flag, _unused_ struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->env = *state;
	for (size_t i = 0; i <= NSUB; i++)
		fx->subs[i].fd = -1;
	fx->cmd.fd = -1;
	strcpy(fx->tmp, "/tmp/rv-events-XXXXXX");
	assert_non_null(mkdtemp(fx->tmp));
	snprintf(fx->sock, sizeof(fx->sock), "%s/control.sock", fx->tmp);
	snprintf(fx->cfg, sizeof(fx->cfg), "%s/rv.yaml", fx->tmp);
	log_setup(LOG_FORMAT_TEXT, LOG_LVL_ERROR);
	assert_int_equal(log_keep_events(RING, 1 << 20), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	struct loop_timer t;

	json_object_put(fx->reply);
	for (size_t i = 0; i <= NSUB; i++)
		safe_close(fx->subs[i].fd);
	safe_close(fx->cmd.fd);
	if (fx->sup) {
		supervisor_shutdown(fx->sup, "test");
		loop_timer_init(&t, quit_cb, NULL);
		(void)loop_timer_start(fx->sup->loop, &t, now_ns() + 5000 * MS);
		if (!fx->sup->shutdown_done)
			(void)loop_run(fx->sup->loop);
		loop_timer_stop(fx->sup->loop, &t);
		logsys_stop(&fx->sup->logs);
	}
	fx->ctl = control_free(fx->ctl);
	fx->sup = supervisor_free(fx->sup);
	log_forget_events();
	(void)nftw(fx->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* A supervisor with the control socket; web.0 sleeps. */
static void start(struct fx *fx)
{
	char yaml[512];
	struct config *c = NULL;
	struct config_errors errs = { .n = 0 };

	snprintf(yaml, sizeof(yaml),
		 "supervisor: {cgroup_root: none, state_dir: %s/state, shutdown_timeout: 5s}\n"
		 "services:\n  web: {command: [/bin/sleep, \"1000\"]}\n", fx->tmp);
	FILE *f = fopen(fx->cfg, "we");
	assert_non_null(f);
	assert_true(fputs(yaml, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(config_load(fx->cfg, &c, &errs), 0);
	config_errors_done(&errs);
	struct supervisor_options o = {
		.config_path = fx->cfg, .socket_path = fx->sock, .backend = fx->env->backend,
		.spawn = SPAWN_AUTO, .front_sources = CONTROL_LOOP_SOURCES,
	};
	int r = supervisor_new(&o, c, &fx->sup);
	if (r < 0 && fx->env->backend == LOOP_BACKEND_URING) {
		print_message("no io_uring here (%s): skipping\n", strerror(-r));
		skip();
	}
	assert_int_equal(r, 0);
	assert_int_equal(control_new(fx->sup, fx->sock, &fx->ctl), 0);
}

/* Takes n bytes of the stream: the seqs of whole lines, in order. */
static void sub_feed(struct sub *s, const char *buf, size_t r)
{
		for (size_t i = 0; i < r; i++) {
			if (buf[i] != '\n') {
				assert_true(s->np < sizeof(s->part) - 1);
				s->part[s->np++] = buf[i];
				continue;
			}
			s->part[s->np] = '\0';
			s->np = 0;
			s->lines++;
			if (strncmp(s->part, "{\"seq\":", 7)) {
				s->dropped = s->dropped || strstr(s->part, "\"event\":\"dropped\"");
				snprintf(s->drop_line, sizeof(s->drop_line), "%.200s", s->part);
				continue;
			}
			uint64_t seq = strtoull(s->part + 7, NULL, 10);
			s->gap = s->gap || (s->first && seq != s->last + 1);
			s->first = s->first ? s->first : seq;
			s->last = seq;
		}
}

/* Takes what arrived, without blocking. */
static void sub_read(struct sub *s)
{
	char buf[65536];

	while (!s->closed) {
		ssize_t r = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN)) {
			s->closed = true;
			break;
		}
		if (r < 0)
			break;
		sub_feed(s, buf, (size_t)r);
	}
}

/* Subscribes s and takes the head line. */
static json_object *subscribe(struct fx *fx, struct sub *s)
{
	struct conn c = { .fd = -1 };
	conn_connect(&c, fx->sock);
	conn_send(&c, "{\"cmd\":\"events\",\"follow\":true}\n", 31);
	json_object *o = conn_next_reply(fx->sup->loop, &c, &fx->reply);
	sub_feed(s, c.buf, c.n);   /* what the ring held, after the head */
	s->fd = c.fd;
	return o;
}

static json_object *status(struct fx *fx)
{
	if (fx->cmd.fd < 0)
		conn_connect(&fx->cmd, fx->sock);
	conn_send(&fx->cmd, "{\"cmd\":\"status\"}\n", 17);
	json_object *st = conn_next_reply(fx->sup->loop, &fx->cmd, &fx->reply);
	return get(get(st, "supervisor"), "events");
}

static void flood(struct fx *fx, int n)
{
	static const char pad[] = "a line long enough that a few hundred of them fill a socket buffer fast";

	for (int i = 0; i < n; i++)
		log_event("flood", "web", 0, LOG_NUM("i", i), "pad", pad, NULL);
	run_for(fx->sup->loop, 2);
	for (size_t i = 0; i < NSUB - 1; i++)
		sub_read(&fx->subs[i]);
}

static void test_slow_subscriber_cut_off(void **state)
{
	struct fx *fx = *state;
	struct sub *slow = &fx->subs[NSUB - 1];

	start(fx);
	uint64_t first = event_ring_oldest(log_events());
	for (size_t i = 0; i < NSUB; i++)
		assert_true(is_ok(subscribe(fx, &fx->subs[i])));
	/* The 65th: no subscriber slot; a command still has a client slot. */
	struct conn extra = { .fd = -1 };
	conn_connect(&extra, fx->sock);
	conn_send(&extra, "{\"cmd\":\"events\",\"follow\":true}\n", 31);
	assert_error(conn_next_reply(fx->sup->loop, &extra, &fx->reply), "too many event subscribers");
	close(extra.fd);
	assert_int_equal(json_object_get_int(get(status(fx), "subscribers")), NSUB);

	uint64_t before = client_events_dropped_total();
	int made = 0;
	while (client_events_dropped_total() == before && made < 40000) {
		flood(fx, 32);   /* fewer than the ring holds between two reads */
		made += 32;
	}
	assert_int_equal(client_events_dropped_total(), before + 1);
	flood(fx, 32);
	uint64_t last = log_events()->next_seq - 1;
	print_message("%s: cut off after %d events\n", fx->env->name, made);

	/* Every reader got every event, in order, and nothing else. */
	for (size_t i = 0; i < NSUB - 1; i++) {
		struct sub *s = &fx->subs[i];
		if (s->gap || s->dropped || s->first != first || s->last != last)
			fail_msg("subscriber %zu: seq %llu..%llu (want %llu..%llu), gap %d, dropped %d", i,
				 (unsigned long long)s->first, (unsigned long long)s->last,
				 (unsigned long long)first, (unsigned long long)last, s->gap, s->dropped);
	}
	/* The slow one: what it was sent, in order, then the drop line, then the close. */
	for (int i = 0; i < 2000 && !slow->closed; i++) {
		run_for(fx->sup->loop, 1);
		sub_read(slow);
	}
	assert_true(slow->closed);
	assert_true(slow->dropped);
	assert_false(slow->gap);
	assert_int_equal(slow->first, first);
	assert_true(slow->last < last);
	print_message("%s: the slow one had %llu events, then: %s\n", fx->env->name,
		      (unsigned long long)(slow->last - slow->first + 1), slow->drop_line);
	json_object *d = json_tokener_parse(slow->drop_line);
	assert_non_null(d);
	assert_string_equal(json_object_get_string(get(d, "reason")), "subscriber too slow");
	assert_int_equal(json_object_get_int64(get(d, "next_seq")), (int64_t)slow->last + 1);
	assert_true(json_object_get_int64(get(d, "dropped")) > 0);
	json_object_put(d);
	json_object *ev = status(fx);
	assert_int_equal(json_object_get_int(get(ev, "subscribers")), NSUB - 1);
	assert_int_equal(json_object_get_int64(get(ev, "subscribers_dropped")), (int64_t)before + 1);
}

#define BOTH(fn)                                                                              \
	{ #fn "/uring", fn, setup, teardown, &env_uring },                                    \
	{ #fn "/epoll", fn, setup, teardown, &env_epoll }

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_slow_subscriber_cut_off),
	};

	alarm(300);
	return cmocka_run_group_tests_name("client_events", tests, NULL, NULL);
}
