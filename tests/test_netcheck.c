/* SPDX-License-Identifier: MIT */
/*
 * test_netcheck.c: tcp and http checks (kernel/netcheck.h) against real
 * sockets on 127.0.0.1 and ::1, once per loop backend (loop_test_util.h).
 * The http server is a listening socket served by the same loop as the
 * check (netcheck_test_util.h): it reads the request whole, then answers,
 * stays silent, or closes, as each test asks. No child process, no network.
 *
 * Every test also checks the contract around the callback: called once,
 * from the loop (never inside netcheck_start), with the check already idle;
 * and that what a check opened is closed again (fault_count_fds).
 * SIGPIPE is left at its default: a send to a closed peer must not kill us.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fault.h"
#include "kernel/netcheck.h"
#include "netcheck_test_util.h"

static void test_tcp_connected(void **state)
{
	struct loop *l = new_loop(state, 8, 8);
	struct netcheck_target t;
	struct netcheck c;
	struct result res;
	int fds = fault_count_fds();

	netcheck_init(&c);
	for (int family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0) {
		int lfd = listen_on(family, 16, &t, NETCHECK_TCP);
		if (lfd < 0) {
			print_message("no ::1 here: IPv6 part skipped\n");
			continue;
		}
		check_once(l, &c, &t, 1000, &res);
		assert_int_equal(res.result, 0);
		assert_string_equal(res.detail, "connected");
		close(lfd);
	}
	assert_int_equal(fault_count_fds(), fds);
	loop_free(l);
}

static void test_tcp_refused(void **state)
{
	struct loop *l = new_loop(state, 8, 8);
	struct netcheck_target t;
	struct netcheck c;
	struct result res;
	int fds = fault_count_fds();

	close(listen_on(AF_INET, 1, &t, NETCHECK_TCP));   /* a port that was bound, now closed */
	netcheck_init(&c);
	check_once(l, &c, &t, 1000, &res);
	assert_int_equal(res.result, -ECONNREFUSED);
	assert_string_equal(res.detail, "connection refused");
	assert_int_equal(fault_count_fds(), fds);
	assert_int_equal(loop_n_sources(l), 0);
	loop_free(l);
}

/* A connect that fails inside netcheck_start() is still reported from the
 * loop, by the timer. */
static void test_fails_at_once(void **state)
{
	struct loop *l = new_loop(state, 8, 8);
	struct netcheck_target t;
	struct netcheck c;
	struct result res;
	int fds = fault_count_fds();

	unreachable_target(&t, NETCHECK_HTTP);
	netcheck_init(&c);
	check_once(l, &c, &t, 1000, &res);
	assert_int_equal(res.result, -ENETUNREACH);
	assert_string_equal(res.detail, "network is unreachable");
	assert_int_equal(fault_count_fds(), fds);
	loop_free(l);
}

struct http_case {
	enum serve_mode mode;
	const char *reply;
	int result;
	const char *detail;
};

static void run_http_case(void **state, int family, const struct http_case *k)
{
	struct loop *l = new_loop(state, 8, 8);
	struct netcheck_target t;
	struct netcheck c;
	struct result res;
	struct server s;
	char want[256];
	int fds = fault_count_fds();

	if (!serve(&s, l, family, k->mode, k->reply, &t)) {
		print_message("no ::1 here: skipped\n");
		loop_free(l);
		return;
	}
	netcheck_init(&c);
	check_once(l, &c, &t, 1000, &res);
	if (res.result != k->result || strcmp(res.detail, k->detail) != 0)
		fail_msg("reply \"%s\": got %d \"%s\", want %d \"%s\"", k->reply, res.result, res.detail,
			 k->result, k->detail);
	snprintf(want, sizeof(want), "GET /healthz HTTP/1.0\r\nHost: %s\r\nUser-Agent: ringvisor\r\n"
		 "Connection: close\r\n\r\n", t.addr.text);
	assert_string_equal(s.request, want);
	assert_int_equal(s.accepted, 1);
	server_close(&s);
	assert_int_equal(fault_count_fds(), fds);
	assert_int_equal(loop_n_sources(l), 0);
	loop_free(l);
}

static void test_http_replies(void **state)
{
	static const struct http_case cases[] = {
		{ SERVE_REPLY, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, "HTTP 200" },
		{ SERVE_REPLY, "HTTP/1.0 204 No Content\r\n\r\n", 0, "HTTP 204" },
		{ SERVE_REPLY, "HTTP/1.1 503 Service Unavailable\r\n\r\n", -EPROTO, "HTTP 503" },
		{ SERVE_REPLY, "HTTP/1.1 404 Not Found\r\n\r\n", -EPROTO, "HTTP 404" },
		{ SERVE_REPLY, "HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\n", -EPROTO, "HTTP 301" },
		{ SERVE_SPLIT, "HTTP/1.1 200 OK\r\n\r\n", 0, "HTTP 200" },
		{ SERVE_REPLY, "SSH-2.0-OpenSSH_9.2p1\r\n", -EBADMSG,
		  "not an HTTP/1.x status line: \"SSH-2.0-OpenSSH_9.2p1??\"" },
		{ SERVE_REPLY, "HTTP/1.1 2", -EBADMSG, "connection closed before a status line" },
		{ SERVE_CLOSE, "", -EBADMSG, "connection closed before a status line" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		run_http_case(state, AF_INET, &cases[i]);
	run_http_case(state, AF_INET6, &cases[0]);
	run_http_case(state, AF_INET6, &cases[2]);
}

/* A status line that never ends: refused at the bound, not read forever. */
static void test_http_oversize(void **state)
{
	static char reply[HTTP_STATUS_LINE_MAX + 200];
	struct http_case k = { SERVE_REPLY, reply, -EBADMSG, "no status line within 1024 bytes" };

	memset(reply, 'x', sizeof(reply) - 1);
	memcpy(reply, "HTTP/1.1 200 ", 13);
	run_http_case(state, AF_INET, &k);
}

static void test_http_silent_times_out(void **state)
{
	struct loop *l = new_loop(state, 8, 8);
	struct netcheck_target t;
	struct netcheck c;
	struct result res;
	struct server s;
	uint64_t start = now_ns();

	assert_true(serve(&s, l, AF_INET, SERVE_SILENT, "", &t));
	netcheck_init(&c);
	check_once(l, &c, &t, 100, &res);
	assert_int_equal(res.result, -ETIMEDOUT);
	assert_string_equal(res.detail, "timed out after 100 ms");
	assert_true(res.at_ns - start >= 100 * MS);
	assert_true(res.at_ns - start < 600 * MS);
	assert_int_equal(s.accepted, 1);
	server_close(&s);
	loop_free(l);
}

/* A listener whose accept queue is full drops the SYN: the timeout must
 * cover the connect as well. */
static void test_connect_times_out(void **state)
{
	struct loop *l = new_loop(state, 8, 8);
	struct netcheck_target t;
	struct netcheck c;
	struct result res;
	int fillers[4], lfd = listen_on(AF_INET, 0, &t, NETCHECK_TCP);

	for (size_t i = 0; i < ELEMENTSOF(fillers); i++) {
		fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		assert_true(fillers[i] >= 0);
		(void)connect(fillers[i], (struct sockaddr *)&t.addr.sa, t.addr.len);
	}
	netcheck_init(&c);
	check_once(l, &c, &t, 80, &res);
	assert_int_equal(res.result, -ETIMEDOUT);
	assert_string_equal(res.detail, "timed out after 80 ms");
	for (size_t i = 0; i < ELEMENTSOF(fillers); i++)
		close(fillers[i]);
	close(lfd);
	loop_free(l);
}

static void test_cancel_in_flight(void **state)
{
	struct loop *l = new_loop(state, 8, 8);
	struct netcheck_target t;
	struct netcheck c;
	struct result res = {};
	int lfd = listen_on(AF_INET, 16, &t, NETCHECK_HTTP);   /* connects, never answers */
	int fds = fault_count_fds();

	netcheck_init(&c);
	netcheck_cancel(&c);   /* idle: a no-op */
	assert_int_equal(netcheck_start(&c, l, &t, 50, record_cb, &res), 0);
	assert_int_equal(netcheck_start(&c, l, &t, 50, record_cb, &res), -EBUSY);
	run_for(l, 10);        /* connected, request sent, waiting for the reply */
	assert_true(netcheck_busy(&c));
	assert_int_equal(fault_count_fds(), fds + 1);
	netcheck_cancel(&c);
	netcheck_cancel(&c);
	assert_false(netcheck_busy(&c));
	assert_int_equal(fault_count_fds(), fds);
	assert_int_equal(loop_n_sources(l), 0);
	run_for(l, 100);       /* past the timeout: nothing comes */
	assert_int_equal(res.calls, 0);

	/* Cancelled before the loop ever ran, and a failed connect whose
	 * failure waits on the timer: no callback either. */
	assert_int_equal(netcheck_start(&c, l, &t, 50, record_cb, &res), 0);
	netcheck_cancel(&c);
	unreachable_target(&t, NETCHECK_HTTP);
	assert_int_equal(netcheck_start(&c, l, &t, 50, record_cb, &res), 0);
	assert_int_equal(fault_count_fds(), fds);
	netcheck_cancel(&c);
	run_for(l, 100);
	assert_int_equal(res.calls, 0);
	assert_int_equal(fault_count_fds(), fds);
	close(lfd);
	loop_free(l);
}

static void idle_io_cb(struct loop *l _unused_, int fd _unused_, uint32_t revents _unused_, void *u _unused_)
{
}

/* A failed start leaves nothing open and nothing armed: each table is
 * full to the last slot, and the slot the check took must be free again. */
static void test_start_fails_cleanly(void **state)
{
	struct loop *l = new_loop(state, 1, 1);
	struct netcheck_target t, bad;
	struct netcheck c;
	struct result res = {};
	struct loop_timer dummy;
	int p[2], lfd = listen_on(AF_INET, 16, &t, NETCHECK_TCP);
	loop_id pipe_src;
	int fds = fault_count_fds();

	netcheck_init(&c);
	fault_arm(FAULT_SOCKET, NULL, 0, 1, EMFILE);
	assert_int_equal(netcheck_start(&c, l, &t, 100, record_cb, &res), -EMFILE);
	assert_int_equal(fault_hits(FAULT_SOCKET), 1);
	fault_reset();
	assert_false(netcheck_busy(&c));
	assert_int_equal(fault_count_fds(), fds);

	make_pipe(p);
	assert_int_equal(loop_add(l, p[0], POLLIN, idle_io_cb, NULL, &pipe_src), 0);
	assert_int_equal(netcheck_start(&c, l, &t, 100, record_cb, &res), -ENOSPC);
	assert_false(netcheck_busy(&c));
	loop_timer_init(&dummy, never_cb, NULL);
	assert_int_equal(loop_timer_start(l, &dummy, now_ns() + 10000 * MS), 0);   /* its timer is free */
	loop_remove(l, pipe_src);
	close_pair(p);
	assert_int_equal(netcheck_start(&c, l, &t, 100, record_cb, &res), -ENOSPC);
	assert_false(netcheck_busy(&c));
	loop_timer_stop(l, &dummy);
	assert_int_equal(fault_count_fds(), fds);

	const struct { enum netcheck_kind kind; int family; const char *path; uint64_t ms; int err; } bads[] = {
		{ NETCHECK_TCP, AF_INET, "/", 0, -EINVAL },
		{ NETCHECK_TCP, AF_INET, "/", NETCHECK_TIMEOUT_MAX_MS + 1, -EINVAL },
		{ NETCHECK_HTTP, AF_INET, "", 100, -EINVAL },
		{ NETCHECK_HTTP, AF_INET, "healthz", 100, -EINVAL },
		{ NETCHECK_HTTP, AF_INET, "/a b", 100, -EINVAL },
		{ NETCHECK_HTTP, AF_INET, "/a\r\nX: y", 100, -EINVAL },
		{ (enum netcheck_kind)7, AF_INET, "/", 100, -EINVAL },
		{ NETCHECK_TCP, AF_UNIX, "/", 100, -EAFNOSUPPORT },
	};
	for (size_t i = 0; i < ELEMENTSOF(bads); i++) {
		bad = t;
		bad.kind = bads[i].kind;
		bad.addr.sa.ss_family = (sa_family_t)bads[i].family;
		snprintf(bad.path, sizeof(bad.path), "%s", bads[i].path);
		assert_int_equal(netcheck_start(&c, l, &bad, bads[i].ms, record_cb, &res), bads[i].err);
		assert_false(netcheck_busy(&c));
	}
	assert_int_equal(fault_count_fds(), fds);

	/* And both tables are free for a check that starts. */
	assert_int_equal(netcheck_start(&c, l, &t, 100, record_cb, &res), 0);
	netcheck_cancel(&c);
	assert_int_equal(res.calls, 0);
	close(lfd);
	loop_free(l);
}

/* The callback starts the next check on the same struct: the http server
 * sees three requests in turn. */
struct chain {
	struct loop *loop;
	const struct netcheck_target *t;
	int calls, ok;
};

static void chain_cb(struct netcheck *c, int result, const char *detail, void *userdata)
{
	struct chain *ch = userdata;

	assert_false(netcheck_busy(c));
	ch->calls++;
	if (result == 0 && strcmp(detail, "HTTP 200") == 0)
		ch->ok++;
	if (ch->calls < 3)
		assert_int_equal(netcheck_start(c, ch->loop, ch->t, 1000, chain_cb, ch), 0);
}

static bool chain_done(void *userdata)
{
	return ((struct chain *)userdata)->calls >= 3;
}

static void test_restart_from_callback(void **state)
{
	struct loop *l = new_loop(state, 8, 8);
	struct netcheck_target t;
	struct netcheck c;
	struct server s;
	int fds = fault_count_fds();

	assert_true(serve(&s, l, AF_INET, SERVE_REPLY, "HTTP/1.1 200 OK\r\n\r\n", &t));
	struct chain ch = { .loop = l, .t = &t };
	netcheck_init(&c);
	assert_int_equal(netcheck_start(&c, l, &t, 1000, chain_cb, &ch), 0);
	run_until(l, chain_done, &ch);
	run_for(l, 10);
	assert_int_equal(ch.calls, 3);
	assert_int_equal(ch.ok, 3);
	assert_int_equal(s.accepted, 3);
	assert_false(netcheck_busy(&c));
	server_close(&s);
	assert_int_equal(fault_count_fds(), fds);
	loop_free(l);
}

/* The callback frees the struct (under ASan, any later use is a report):
 * after a connect, and after a failure delivered by the timer. */
static void free_cb(struct netcheck *c, int result, const char *detail _unused_, void *userdata)
{
	struct result *res = userdata;

	res->calls++;
	res->result = result;
	free(c);
}

static void test_free_in_callback(void **state)
{
	struct loop *l = new_loop(state, 8, 8);
	struct netcheck_target t;
	int lfd = listen_on(AF_INET, 16, &t, NETCHECK_TCP);
	int fds = fault_count_fds();

	for (int round = 0; round < 2; round++) {
		struct netcheck *c = malloc(sizeof(*c));
		struct result res = {};

		assert_non_null(c);
		netcheck_init(c);
		assert_int_equal(netcheck_start(c, l, &t, 1000, free_cb, &res), 0);
		run_until(l, called, &res);
		run_for(l, 10);
		assert_int_equal(res.calls, 1);
		assert_int_equal(res.result, round == 0 ? 0 : -ENETUNREACH);
		unreachable_target(&t, NETCHECK_TCP);   /* next round */
	}
	assert_int_equal(fault_count_fds(), fds);
	close(lfd);
	loop_free(l);
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(netcheck_kind_to_string(NETCHECK_TCP), "tcp");
	assert_string_equal(netcheck_kind_to_string(NETCHECK_HTTP), "http");
	assert_int_equal(netcheck_kind_from_string("http"), NETCHECK_HTTP);
	assert_int_equal(netcheck_kind_from_string("https"), -EINVAL);
}

#define BACKEND_TESTS(env)                                                     \
	cmocka_unit_test_prestate(test_tcp_connected, &(env)),                 \
	cmocka_unit_test_prestate(test_tcp_refused, &(env)),                   \
	cmocka_unit_test_prestate(test_fails_at_once, &(env)),                 \
	cmocka_unit_test_prestate(test_http_replies, &(env)),                  \
	cmocka_unit_test_prestate(test_http_oversize, &(env)),                 \
	cmocka_unit_test_prestate(test_http_silent_times_out, &(env)),         \
	cmocka_unit_test_prestate(test_connect_times_out, &(env)),             \
	cmocka_unit_test_prestate(test_cancel_in_flight, &(env)),              \
	cmocka_unit_test_prestate(test_start_fails_cleanly, &(env)),           \
	cmocka_unit_test_prestate(test_restart_from_callback, &(env)),         \
	cmocka_unit_test_prestate(test_free_in_callback, &(env))

int main(void)
{
	const struct CMUnitTest common[] = {
		cmocka_unit_test(test_kind_names),
	};
	const struct CMUnitTest uring[] = {
		BACKEND_TESTS(env_uring),
	};
	const struct CMUnitTest epoll[] = {
		BACKEND_TESTS(env_epoll),
	};

	/* Last resort against a hung loop; each run also has its own watchdog. */
	alarm(60);
	int failed = cmocka_run_group_tests_name("netcheck", common, NULL, NULL);
	failed += cmocka_run_group_tests_name("netcheck/uring", uring, NULL, NULL);
	failed += cmocka_run_group_tests_name("netcheck/epoll", epoll, NULL, NULL);
	return failed;
}
