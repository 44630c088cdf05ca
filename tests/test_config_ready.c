/* SPDX-License-Identifier: MIT */
/*
 * test_config_ready.c: type, readiness, watchdog, health, depends_on and
 * on_violation.health (config_ready.c, config_deps.c): every kind and its
 * defaults, every error with its key path, cycles named whole, and the
 * allocation-failure harness over all of it.
 */
#define CONFIG_TEST_ALLOC_FAILURES
#include <arpa/inet.h>
#include <netinet/in.h>

#include "config/config.h"
#include "config_test_util.h"
#include "basic/macro.h"
#include "config/config_deps.h"

#define SVC(name, extra) "  " name ":\n    command: [/bin/true]\n" extra
#define FILE_OF(...) "services:\n" __VA_ARGS__

static const struct service_config *svc(const struct config *c, const char *name)
{
	const struct service_config *s = config_find_service(c, name);
	assert_non_null(s);
	return s;
}

static void test_every_kind(void **state)
{
	struct loaded l;
	(void)state;
	struct config *c = expect_valid(&l, "kinds", FILE_OF(
		SVC("n", "    readiness: {notify: true, start_timeout: 5s}\n    watchdog: 2s\n")
		SVC("f", "    readiness: {fd: 3}\n")
		SVC("t", "    readiness: {tcp: \"127.0.0.1:8080\", interval: 50ms, timeout: 20ms}\n")
		SVC("h", "    health: {http: \"http://[::1]:9090/healthz?x=1\", failures: 2, successes: 3}\n"
			 "    on_violation: {health: stop}\n")
		SVC("e", "    health: {exec: [/bin/check, -q]}\n")
		SVC("o", "    type: oneshot\n")));
	const struct service_config *n = svc(c, "n"), *f = svc(c, "f"), *t = svc(c, "t");
	const struct service_config *h = svc(c, "h"), *e = svc(c, "e"), *o = svc(c, "o");

	assert_int_equal(n->readiness.check.kind, CHECK_NOTIFY);
	assert_int_equal(n->readiness.start_timeout_ms, 5000);
	assert_int_equal(n->watchdog_ms, 2000);
	assert_int_equal(f->readiness.check.kind, CHECK_FD);
	assert_int_equal(f->readiness.check.fd, 3);
	assert_int_equal(t->readiness.check.kind, CHECK_TCP);
	assert_string_equal(t->readiness.check.target, "127.0.0.1:8080");
	assert_int_equal(t->readiness.check.interval_ms, 50);
	assert_int_equal(t->readiness.check.timeout_ms, 20);
	const struct sockaddr_in *in = (const struct sockaddr_in *)&t->readiness.check.addr;
	assert_int_equal(in->sin_family, AF_INET);
	assert_int_equal(ntohs(in->sin_port), 8080);
	assert_int_equal(h->health.check.kind, CHECK_HTTP);
	assert_string_equal(h->health.check.path, "/healthz?x=1");
	assert_int_equal(((const struct sockaddr_in6 *)&h->health.check.addr)->sin6_family, AF_INET6);
	assert_int_equal(h->health.failures, 2);
	assert_int_equal(h->health.successes, 3);
	assert_int_equal(h->on_violation.health, VIOLATION_STOP);
	assert_int_equal(e->health.check.kind, CHECK_EXEC);
	assert_int_equal(e->health.check.argc, 2);
	assert_string_equal(e->health.check.argv[1], "-q");
	assert_null(e->health.check.argv[2]);
	assert_int_equal(o->type, SERVICE_ONESHOT);
	assert_int_equal(o->restart.policy, RESTART_NEVER);   /* a oneshot's default */
	loaded_done(&l);
}

static void test_defaults(void **state)
{
	struct loaded l;
	(void)state;
	struct config *c = expect_valid(&l, "defaults", FILE_OF(
		SVC("plain", "")
		SVC("r", "    readiness: {tcp: \"localhost:1\"}\n")
		SVC("h", "    health: {tcp: \"127.0.0.1:1\"}\n")
		SVC("o", "    type: oneshot\n    restart: {policy: on-failure}\n")));
	const struct service_config *p = svc(c, "plain"), *r = svc(c, "r"), *h = svc(c, "h");

	assert_int_equal(p->type, SERVICE_SIMPLE);
	assert_int_equal(p->readiness.check.kind, CHECK_NONE);
	assert_int_equal(p->health.check.kind, CHECK_NONE);
	assert_int_equal(p->watchdog_ms, 0);
	assert_int_equal(p->n_deps, 0);
	assert_int_equal(p->on_violation.health, VIOLATION_RESTART);
	assert_int_equal(r->readiness.check.interval_ms, 250);
	assert_int_equal(r->readiness.check.timeout_ms, 1000);
	assert_int_equal(r->readiness.start_timeout_ms, 60000);
	assert_int_equal(h->health.check.interval_ms, 10000);
	assert_int_equal(h->health.check.timeout_ms, 2000);
	assert_int_equal(h->health.failures, 3);
	assert_int_equal(h->health.successes, 1);
	assert_int_equal(svc(c, "o")->restart.policy, RESTART_ON_FAILURE);   /* given: kept */
	loaded_done(&l);
}

static void test_check_errors(void **state)
{
	(void)state;
	expect_error("two", FILE_OF(SVC("w", "    readiness: {tcp: \"127.0.0.1:1\", exec: [/x]}\n")),
		     "services.w.readiness: give one check, not tcp and exec");
	expect_error("none", FILE_OF(SVC("w", "    readiness: {start_timeout: 1s}\n")),
		     "services.w.readiness: needs one of notify: true, fd, tcp, http or exec");
	expect_error("notify_false", FILE_OF(SVC("w", "    readiness: {notify: false}\n")),
		     "services.w.readiness: needs one of");
	expect_error("health_notify", FILE_OF(SVC("w", "    health: {notify: true}\n")),
		     "services.w.health.notify: unknown key");
	expect_error("fd_low", FILE_OF(SVC("w", "    readiness: {fd: 2}\n")), "services.w.readiness.fd:");
	expect_error("fd_high", FILE_OF(SVC("w", "    readiness: {fd: 256}\n")), "services.w.readiness.fd:");
	expect_error("name", FILE_OF(SVC("w", "    readiness: {tcp: \"db.local:5432\"}\n")),
		     "services.w.readiness.tcp: \"db.local:5432\": ");
	expect_error("https", FILE_OF(SVC("w", "    health: {http: \"https://127.0.0.1/\"}\n")),
		     "services.w.health.http: \"https://127.0.0.1/\": ");
	expect_error("interval_notify", FILE_OF(SVC("w", "    readiness: {notify: true, timeout: 1s}\n")),
		     "services.w.readiness.timeout: only for tcp, http and exec checks");
	expect_error("interval_low", FILE_OF(SVC("w", "    health: {tcp: \"127.0.0.1:1\", interval: 1ms}\n")),
		     "services.w.health.interval: 1ms is below the minimum of 10ms");
	expect_error("failures", FILE_OF(SVC("w", "    health: {tcp: \"127.0.0.1:1\", failures: 0}\n")),
		     "services.w.health.failures:");
	expect_error("empty_exec", FILE_OF(SVC("w", "    health: {exec: [\"\"]}\n")),
		     "services.w.health.exec[0]: the program must not be empty");
	expect_error("watchdog", FILE_OF(SVC("w", "    watchdog: 5s\n")),
		     "services.w.watchdog: needs readiness: {notify: true}");
	expect_error("type", FILE_OF(SVC("w", "    type: forking\n")), "services.w.type: \"forking\" is not one of");
	expect_error("oneshot_ready", FILE_OF(SVC("w", "    type: oneshot\n    readiness: {fd: 3}\n")),
		     "services.w.readiness: a oneshot service");
	expect_error("health_action", FILE_OF(SVC("w", "    on_violation: {health: ignore}\n")),
		     "services.w.on_violation.health:");
}

static void test_depends(void **state)
{
	struct loaded l;
	(void)state;
	struct config *c = expect_valid(&l, "deps", FILE_OF(
		SVC("web", "    depends_on: {db: healthy, migrate: completed, cache: started}\n")
		SVC("db", "    health: {tcp: \"127.0.0.1:5432\"}\n")
		SVC("migrate", "    type: oneshot\n    depends_on: {db: ready}\n")
		SVC("cache", "")));
	const struct service_config *web = svc(c, "web");

	assert_int_equal(web->n_deps, 3);
	assert_string_equal(web->deps[0].name, "db");
	assert_int_equal(web->deps[0].condition, DEP_HEALTHY);
	assert_ptr_equal(&c->services[web->deps[0].service], svc(c, "db"));
	assert_int_equal(web->deps[1].condition, DEP_COMPLETED);
	assert_ptr_equal(&c->services[web->deps[1].service], svc(c, "migrate"));
	assert_int_equal(web->deps[2].condition, DEP_STARTED);
	assert_string_equal(dep_condition_to_string(DEP_READY), "ready");
	loaded_done(&l);
}

static void test_depends_errors(void **state)
{
	struct loaded l;
	static const char *const want[] = {
		"services.a.depends_on.nosuch: no service is named nosuch",
		"services.a.depends_on.a: a service cannot depend on itself",
		"services.b.depends_on.c: healthy needs services.c.health",
		"services.b.depends_on.d: completed needs services.d.type: oneshot",
		"services.c.depends_on.b: \"soon\" is not one of started, ready, healthy, completed",
		"services.a.depends_on: cycle a -> b -> c -> a",
		"services.b.depends_on: cycle b -> c -> b",   /* an edge, whatever its condition */
	};
	(void)state;
	expect_errors(&l, "deps_bad", FILE_OF(
		SVC("a", "    depends_on: {b: ready, nosuch: started, a: started}\n")
		SVC("b", "    depends_on: {c: healthy, d: completed}\n")
		SVC("c", "    depends_on: {a: ready, b: soon}\n")
		SVC("d", "")), want, ELEMENTSOF(want));
	loaded_done(&l);
	/* b <-> c is a second cycle: named from b, the first in the file. */
	expect_error("deps_bad2", FILE_OF(
		SVC("a", "    depends_on: {b: ready}\n")
		SVC("b", "    depends_on: {c: ready}\n")
		SVC("c", "    depends_on: {a: ready, b: ready}\n")), "services.a.depends_on: cycle a -> b -> c -> a");
	expect_error("cycle2", FILE_OF(
		SVC("x", "")
		SVC("z", "    depends_on: {y: started}\n")
		SVC("y", "    depends_on: {z: started}\n")), "services.z.depends_on: cycle z -> y -> z");
	expect_error("shape", FILE_OF(SVC("w", "    depends_on: [db]\n")),
		     "services.w.depends_on: expected a mapping of service names to conditions");
	expect_error("twice", FILE_OF(SVC("w", "    depends_on: {db: ready, db: started}\n") SVC("db", "")),
		     "services.w.depends_on.db: ");
}

static void test_allocation_failures(void **state)
{
	(void)state;
	check_allocation_failures("oom_ready", FILE_OF(
		SVC("web", "    readiness: {http: \"http://127.0.0.1:1/x\"}\n"
			   "    health: {exec: [/bin/true, a, b]}\n"
			   "    depends_on: {db: ready, job: completed}\n")
		SVC("db", "    readiness: {notify: true}\n    watchdog: 1s\n")
		SVC("job", "    type: oneshot\n")));
	check_allocation_failures("oom_cycle", FILE_OF(
		SVC("a", "    depends_on: {b: ready}\n") SVC("b", "    depends_on: {a: ready}\n")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_check_errors),
		cmocka_unit_test(test_depends),
		cmocka_unit_test(test_depends_errors),
		cmocka_unit_test(test_allocation_failures),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
