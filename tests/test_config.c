/* SPDX-License-Identifier: MIT */
/*
 * test_config.c: config_load() on files written to a private temp dir.
 *
 * A valid file must come back as the exact struct, field by field, with the
 * defaults of config.h where a key is absent. Every rejected file must come
 * back as -errno, no struct, and error lines "FILE: KEY.PATH: message" naming
 * the key; schema errors (the document's shape) stop at the first one and
 * give the source line, validation errors are all reported together. The
 * ASan build of this test checks that no path leaks. The resource keys
 * (limits:, memory_oom_group, on_violation, cgroup_root, strict_limits) have
 * their own tests in test_config_limits.c; the helpers are config_test_util.h.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>

#include <cmocka.h>

#define CONFIG_TEST_ALLOC_FAILURES
#include "config/config.h"
#include "config/config_errors.h"
#include "config_test_util.h"
#include "basic/macro.h"
#include "config/config_names.h"

static void test_full_valid(void **state)
{
	static const char text[] =
		"supervisor:\n"
		"  control_socket: /run/ringvisor/control.sock\n"
		"  shutdown_timeout: 45s\n"
		"  admin_group: adm\n"
		"  cgroup_root: /sys/fs/cgroup/ringvisor.test\n"
		"  strict_limits: true\n"
		"services:\n"
		"  web:\n"
		"    command: [/usr/bin/python3, -m, http.server, \"8080\"]\n"
		"    instances: 2\n"
		"    env: {PYTHONUNBUFFERED: \"1\", EMPTY: \"\", SPACED: a b c}\n"
		"    cwd: /tmp\n"
		"    user: nobody\n"
		"    group: nogroup\n"
		"    umask: \"0027\"\n"
		"    capabilities: [CAP_NET_BIND_SERVICE, kill]\n"
		"    restart: {policy: on-failure, backoff_initial: 250ms, backoff_max: 1m,\n"
		"              reset_after: 20s, max_restarts: 7, window: 5m, half_open_after: 2m}\n"
		"    stop: {signal: SIGINT, timeout: 3s}\n"
		"    limits:\n"
		"      nofile: 1024\n"
		"      memory_max: 64M\n"
		"      memory_high: 48M\n"
		"      memory_swap_max: 0\n"
		"      pids_max: 128\n"
		"      cpu_max: 20ms/50ms\n"
		"      cpu_weight: 250\n"
		"      io_max:\n"
		"        - \"8:0   rbps=1048576\\twbps=max \"\n"
		"        - 259:0 riops=100 wiops=50 rbps=0\n"
		"    memory_oom_group: false\n"
		"    on_violation: {oom: stop, pids: freeze, memory_high: restart}\n";
	const struct service_config *s;
	const struct limits_config *lim;
	uid_t nobody_uid;
	gid_t adm_gid, nogroup_gid;
	struct loaded l;
	struct config *c;
	bool in_groups = false;

	(void)state;
	/* getpwnam/getgrnam share static buffers: copy each result at once. */
	assert_non_null(getpwnam("nobody"));
	nobody_uid = getpwnam("nobody")->pw_uid;
	assert_non_null(getgrnam("adm"));
	adm_gid = getgrnam("adm")->gr_gid;
	assert_non_null(getgrnam("nogroup"));
	nogroup_gid = getgrnam("nogroup")->gr_gid;

	c = expect_valid(&l, "full", text);
	assert_string_equal(c->path, l.path);
	assert_string_equal(c->supervisor.control_socket, "/run/ringvisor/control.sock");
	assert_int_equal(c->supervisor.shutdown_timeout_ms, 45000);
	assert_string_equal(c->supervisor.admin_group, "adm");
	assert_true(c->supervisor.has_admin_gid);
	assert_int_equal(c->supervisor.admin_gid, adm_gid);
	assert_string_equal(c->supervisor.cgroup_root, "/sys/fs/cgroup/ringvisor.test");
	assert_true(c->supervisor.strict_limits);
	assert_int_equal(c->n_services, 1);
	assert_int_equal(c->total_instances, 2);

	s = &c->services[0];
	assert_string_equal(s->name, "web");
	assert_int_equal(s->argc, 4);
	assert_string_equal(s->argv[0], "/usr/bin/python3");
	assert_string_equal(s->argv[1], "-m");
	assert_string_equal(s->argv[2], "http.server");
	assert_string_equal(s->argv[3], "8080");
	assert_null(s->argv[4]);
	assert_int_equal(s->instances, 2);
	assert_int_equal(s->n_env, 3);
	assert_string_equal(s->env[0], "PYTHONUNBUFFERED=1");
	assert_string_equal(s->env[1], "EMPTY=");
	assert_string_equal(s->env[2], "SPACED=a b c");
	assert_null(s->env[3]);
	assert_string_equal(s->cwd, "/tmp");
	assert_string_equal(s->user, "nobody");
	assert_string_equal(s->group, "nogroup");
	assert_true(s->has_uid);
	assert_true(s->has_gid);
	assert_int_equal(s->uid, nobody_uid);
	assert_int_equal(s->gid, nogroup_gid); /* the explicit group, not nobody's */
	assert_true(s->n_groups >= 1 && s->n_groups <= 64);
	for (size_t i = 0; i < s->n_groups; i++)
		in_groups = in_groups || s->groups[i] == nogroup_gid;
	assert_true(in_groups);
	assert_true(s->has_umask);
	assert_int_equal(s->umask, 0027);
	assert_int_equal(s->n_caps, 2);
	assert_int_equal(s->caps[0], CAP_NET_BIND_SERVICE);
	assert_int_equal(s->caps[1], CAP_KILL);
	assert_int_equal(s->restart.policy, RESTART_ON_FAILURE);
	assert_int_equal(s->restart.backoff_initial_ms, 250);
	assert_int_equal(s->restart.backoff_max_ms, 60000);
	assert_int_equal(s->restart.reset_after_ms, 20000);
	assert_int_equal(s->restart.max_restarts, 7);
	assert_int_equal(s->restart.window_ms, 300000);
	assert_int_equal(s->restart.half_open_after_ms, 120000);
	assert_int_equal(s->stop.signal, SIGINT);
	assert_int_equal(s->stop.timeout_ms, 3000);
	assert_int_equal(s->nofile, 1024);
	lim = &s->limits;
	assert_int_equal(lim->memory_max, 64ULL << 20);
	assert_int_equal(lim->memory_high, 48ULL << 20);
	assert_int_equal(lim->memory_swap_max, 0);
	assert_true(lim->has_memory_swap_max);
	assert_int_equal(lim->pids_max, 128);
	assert_int_equal(lim->cpu_quota_us, 20000);
	assert_int_equal(lim->cpu_period_us, 50000);
	assert_int_equal(lim->cpu_weight, 250);
	assert_int_equal(lim->n_io_max, 2);
	assert_string_equal(lim->io_max[0], "8:0 rbps=1048576 wbps=max");
	assert_string_equal(lim->io_max[1], "259:0 riops=100 wiops=50 rbps=0");
	assert_false(lim->memory_oom_group);
	assert_int_equal(s->on_violation.oom, VIOLATION_STOP);
	assert_int_equal(s->on_violation.pids, VIOLATION_FREEZE);
	assert_int_equal(s->on_violation.memory_high, VIOLATION_RESTART);

	assert_ptr_equal(config_find_service(c, "web"), s);
	assert_null(config_find_service(c, "api"));
	assert_null(config_find_service(NULL, "web"));
	loaded_done(&l);
}

static void test_defaults(void **state)
{
	const struct service_config *s;
	struct loaded l;
	struct config *c;

	(void)state;
	c = expect_valid(&l, "defaults", WEB(""));
	assert_null(c->supervisor.control_socket);
	assert_int_equal(c->supervisor.shutdown_timeout_ms, 30000);
	assert_null(c->supervisor.admin_group);
	assert_false(c->supervisor.has_admin_gid);
	assert_null(c->supervisor.cgroup_root);
	assert_false(c->supervisor.strict_limits);
	assert_int_equal(c->n_services, 1);
	assert_int_equal(c->total_instances, 1);
	s = &c->services[0];
	assert_string_equal(s->name, "web");
	assert_int_equal(s->argc, 1);
	assert_string_equal(s->argv[0], "/bin/true");
	assert_null(s->argv[1]);
	assert_int_equal(s->instances, 1);
	assert_int_equal(s->n_env, 0);
	assert_true(!s->env || !s->env[0]);
	assert_null(s->cwd);
	assert_null(s->user);
	assert_null(s->group);
	assert_false(s->has_uid);
	assert_false(s->has_gid);
	assert_null(s->groups);
	assert_int_equal(s->n_groups, 0);
	assert_false(s->has_umask);
	assert_int_equal(s->n_caps, 0);
	assert_int_equal(s->restart.policy, RESTART_ALWAYS);
	assert_int_equal(s->restart.backoff_initial_ms, 100);
	assert_int_equal(s->restart.backoff_max_ms, 30000);
	assert_int_equal(s->restart.reset_after_ms, 10000);
	assert_int_equal(s->restart.max_restarts, 10);
	assert_int_equal(s->restart.window_ms, 60000);
	assert_int_equal(s->restart.half_open_after_ms, 0);
	assert_int_equal(s->stop.signal, SIGTERM);
	assert_int_equal(s->stop.timeout_ms, 10000);
	assert_int_equal(s->nofile, 0);
	assert_int_equal(s->limits.memory_max, 0);
	assert_int_equal(s->limits.memory_high, 0);
	assert_int_equal(s->limits.memory_swap_max, 0);
	assert_false(s->limits.has_memory_swap_max);
	assert_int_equal(s->limits.pids_max, 0);
	assert_int_equal(s->limits.cpu_quota_us, 0);
	assert_int_equal(s->limits.cpu_period_us, 100000);
	assert_int_equal(s->limits.cpu_weight, 0);
	assert_null(s->limits.io_max);
	assert_int_equal(s->limits.n_io_max, 0);
	assert_true(s->limits.memory_oom_group);
	assert_int_equal(s->on_violation.oom, VIOLATION_RESTART);
	assert_int_equal(s->on_violation.pids, VIOLATION_LOG);
	assert_int_equal(s->on_violation.memory_high, VIOLATION_LOG);
	loaded_done(&l);

	/* An empty limits, io_max or on_violation changes nothing either. */
	c = expect_valid(&l, "defaults_empty",
			 "supervisor: {cgroup_root: auto}\n"
			 WEB("    limits: {io_max: []}\n    on_violation: {}\n"));
	s = &c->services[0];
	assert_null(c->supervisor.cgroup_root); /* auto is stored as NULL */
	assert_int_equal(s->limits.n_io_max, 0);
	assert_true(s->limits.memory_oom_group);
	assert_int_equal(s->on_violation.oom, VIOLATION_RESTART);
	assert_int_equal(s->on_violation.pids, VIOLATION_LOG);
	assert_int_equal(s->on_violation.memory_high, VIOLATION_LOG);
	loaded_done(&l);
}

static void test_block_style_and_order(void **state)
{
	static const char text[] =
		"# services come back in file order\n"
		"services:\n"
		"  zeta:\n"
		"    command:\n"
		"      - /bin/sh\n"
		"      - -c\n"
		"      - |\n"
		"        echo one\n"
		"        echo two\n"
		"    env:\n"
		"      B: 2\n"
		"      A: '1'\n"
		"    user: root\n"
		"    instances: 3\n"
		"  alpha_1:\n"
		"    command: [/bin/true]\n"
		"    restart:\n"
		"      policy: never\n"
		"      max_restarts: 0\n"
		"      window: 0\n"
		"    stop: {signal: 9}\n";
	const struct service_config *z, *a;
	struct loaded l;
	struct config *c;

	(void)state;
	c = expect_valid(&l, "order", text);
	assert_int_equal(c->n_services, 2);
	assert_int_equal(c->total_instances, 4);
	z = &c->services[0];
	a = &c->services[1];
	assert_string_equal(z->name, "zeta");
	assert_string_equal(z->argv[2], "echo one\necho two\n");
	assert_string_equal(z->env[0], "B=2");
	assert_string_equal(z->env[1], "A=1");
	assert_true(z->has_uid && z->has_gid);
	assert_int_equal(z->uid, 0);
	assert_int_equal(z->gid, 0); /* root's primary group */
	assert_string_equal(a->name, "alpha_1");
	assert_int_equal(a->restart.policy, RESTART_NEVER);
	assert_int_equal(a->restart.max_restarts, 0);
	assert_int_equal(a->restart.window_ms, 0);
	assert_int_equal(a->stop.signal, SIGKILL);
	assert_ptr_equal(config_find_service(c, "alpha_1"), a);
	assert_string_equal(restart_policy_to_string(RESTART_ALWAYS), "always");
	assert_string_equal(restart_policy_to_string(RESTART_ON_FAILURE), "on-failure");
	assert_string_equal(restart_policy_to_string(RESTART_NEVER), "never");
	loaded_done(&l);
}

/* `key:` and `key: ~` mean "not set"; a quoted "~" is a string. */
static void test_null_is_unset(void **state)
{
	struct loaded l;
	struct config *c;

	(void)state;
	c = expect_valid(&l, "null", "supervisor:\n" WEB("    cwd: ~\n    user:\n    env:\n"
							   "    restart: null\n    limits: {nofile: ~, io_max: ~,\n"
							   "             memory_swap_max: ~}\n"
							   "    memory_oom_group: ~\n    on_violation: {oom: ~}\n"));
	assert_null(c->supervisor.control_socket);
	assert_null(c->services[0].cwd);
	assert_null(c->services[0].user);
	assert_int_equal(c->services[0].n_env, 0);
	assert_int_equal(c->services[0].restart.backoff_max_ms, 30000);
	assert_int_equal(c->services[0].nofile, 0);
	assert_int_equal(c->services[0].limits.n_io_max, 0);
	assert_false(c->services[0].limits.has_memory_swap_max);
	assert_true(c->services[0].limits.memory_oom_group);
	assert_int_equal(c->services[0].on_violation.oom, VIOLATION_RESTART);
	loaded_done(&l);
	expect_error("null_quoted", WEB("    cwd: \"~\"\n"),
		     "services.web.cwd: \"~\" is not an absolute path");
	expect_error("null_cmd", WEB("") "  api:\n    command:\n",
		     "services.api.command: expected a list");
}

static void test_bounds_accepted(void **state)
{
	char name64[65];
	char text[512];
	struct loaded l;
	struct config *c;

	(void)state;
	memset(name64, 'n', 64);
	name64[64] = '\0';
	snprintf(text, sizeof(text),
		 "supervisor: {shutdown_timeout: 1h}\n"
		 "services:\n"
		 "  %s:\n"
		 "    command: [/bin/true]\n"
		 "    instances: 10000\n"
		 "    umask: 0777\n"
		 "    restart: {backoff_initial: 1h, backoff_max: 60m, reset_after: 3600s,\n"
		 "              max_restarts: 10000, window: 24h, half_open_after: 3600000ms}\n"
		 "    stop: {timeout: 1h}\n"
		 "    limits: {nofile: 1048576}\n",
		 name64);
	c = expect_valid(&l, "bounds", text);
	assert_int_equal(strlen(c->services[0].name), 64);
	assert_int_equal(c->services[0].instances, 10000);
	assert_int_equal(c->services[0].umask, 0777);
	assert_int_equal(c->services[0].restart.backoff_max_ms, 3600000);
	assert_int_equal(c->services[0].restart.window_ms, 86400000);
	assert_int_equal(c->services[0].restart.max_restarts, 10000);
	assert_int_equal(c->services[0].nofile, 1U << 20);
	assert_int_equal(c->supervisor.shutdown_timeout_ms, 3600000);
	loaded_done(&l);
}

static void test_instances(void **state)
{
	(void)state;
	expect_error("inst0", WEB("    instances: 0\n"),
		     "services.web.instances: 0 is below the minimum of 1");
	expect_error("inst_max", WEB("    instances: 10001\n"),
		     "services.web.instances: 10001 exceeds the maximum of 10000");
	expect_error("inst_neg", WEB("    instances: -1\n"),
		     "services.web.instances: \"-1\" is not a whole number");
	expect_error("inst_junk", WEB("    instances: 3x\n"),
		     "services.web.instances: \"3x\" is not a whole number");
	expect_error("inst_huge", WEB("    instances: 99999999999999999999999\n"),
		     "services.web.instances: 99999999999999999999999 exceeds the maximum");
}

static void test_total_instances(void **state)
{
	char text[4096];
	size_t used = 0;

	(void)state;
	used += (size_t)snprintf(text, sizeof(text), "services:\n");
	for (int i = 0; i < 11; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "  s%d:\n    command: [/bin/true]\n    instances: 10000\n", i);
	expect_error("total", text,
		     "services: the instances add up to 110000, more than the maximum of 100000");
}

static void test_restart_errors(void **state)
{
	(void)state;
	expect_error("bmax", WEB("    restart: {backoff_max: 2h}\n"),
		     "services.web.restart.backoff_max: 2h exceeds the maximum of 1h");
	expect_error("binit", WEB("    restart: {backoff_initial: 61m}\n"),
		     "services.web.restart.backoff_initial: 61m exceeds the maximum of 1h");
	expect_error("border", WEB("    restart: {backoff_initial: 10s, backoff_max: 5s}\n"),
		     "services.web.restart.backoff_max: 5s is below backoff_initial (10s)");
	expect_error("bdefault", WEB("    restart: {backoff_initial: 1m}\n"),
		     "services.web.restart.backoff_max: 30s (the default) is below backoff_initial");
	expect_error("reset", WEB("    restart: {reset_after: 2h}\n"),
		     "services.web.restart.reset_after: 2h exceeds the maximum of 1h");
	expect_error("halfopen", WEB("    restart: {half_open_after: 3601s}\n"),
		     "services.web.restart.half_open_after: 3601s exceeds the maximum of 1h");
	expect_error("window", WEB("    restart: {window: 25h}\n"),
		     "services.web.restart.window: 25h exceeds the maximum of 24h");
	expect_error("window0", WEB("    restart: {window: 0}\n"),
		     "services.web.restart.window: must be greater than 0");
	expect_error("maxr", WEB("    restart: {max_restarts: 10001}\n"),
		     "services.web.restart.max_restarts: 10001 exceeds the maximum of 10000");
	expect_error("policy", WEB("    restart: {policy: sometimes}\n"),
		     "services.web.restart.policy: \"sometimes\" is not one of always, on-failure, never");
	expect_error("dur", WEB("    restart: {reset_after: 10 s}\n"),
		     "services.web.restart.reset_after: \"10 s\" is not a duration");
	expect_error("dur_nounit", WEB("    restart: {reset_after: 10}\n"),
		     "services.web.restart.reset_after: \"10\" is not a duration");
	expect_error("dur_overflow", WEB("    restart: {reset_after: 99999999999999999999h}\n"),
		     "services.web.restart.reset_after: 99999999999999999999h exceeds the maximum of 1h");
}

static void test_stop_and_limits_errors(void **state)
{
	(void)state;
	expect_error("sig", WEB("    stop: {signal: SIGFOO}\n"),
		     "services.web.stop.signal: \"SIGFOO\" is not a signal name or number");
	expect_error("sig0", WEB("    stop: {signal: 0}\n"),
		     "services.web.stop.signal: \"0\" is not a signal name or number");
	expect_error("stoptimeout", WEB("    stop: {timeout: 2h}\n"),
		     "services.web.stop.timeout: 2h exceeds the maximum of 1h");
	expect_error("nofile0", WEB("    limits: {nofile: 0}\n"),
		     "services.web.limits.nofile: 0 is below the minimum of 1");
	expect_error("nofile_max", WEB("    limits: {nofile: 1048577}\n"),
		     "services.web.limits.nofile: 1048577 exceeds the maximum of 1048576");
	expect_error("nofile_size", WEB("    limits: {nofile: 1K}\n"),
		     "services.web.limits.nofile: \"1K\" is not a whole number");
}

static void test_supervisor_errors(void **state)
{
	(void)state;
	expect_error("shut0", "supervisor: {shutdown_timeout: 0}\n" WEB(""),
		     "supervisor.shutdown_timeout: must be greater than 0");
	expect_error("shutmax", "supervisor: {shutdown_timeout: 2h}\n" WEB(""),
		     "supervisor.shutdown_timeout: 2h exceeds the maximum of 1h");
	expect_error("admin", "supervisor: {admin_group: no-such-group-rv}\n" WEB(""),
		     "supervisor.admin_group: unknown group \"no-such-group-rv\"");
	expect_error("sock_rel", "supervisor: {control_socket: run/x.sock}\n" WEB(""),
		     "supervisor.control_socket: \"run/x.sock\" is not an absolute path");
	expect_error("sock_long",
		     "supervisor: {control_socket: /run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock}\n" WEB(""),
		     "supervisor.control_socket: is 118 bytes long, a unix socket path holds at most 107");
}

static void test_service_errors(void **state)
{
	(void)state;
	expect_error("name_chars", "services:\n  \"web server\":\n    command: [/bin/true]\n",
		     "services.web server: invalid service name");
	expect_error("name_long",
		     "services:\n  nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn:\n"
		     "    command: [/bin/true]\n",
		     "invalid service name: use 1 to 64");
	expect_error("name_empty", "services:\n  \"\":\n    command: [/bin/true]\n",
		     "services.\"\": invalid service name");
	expect_error("argv0", "services:\n  web:\n    command: [\"\", x]\n",
		     "services.web.command[0]: the program must not be empty");
	expect_error("cwd", WEB("    cwd: tmp\n"), "services.web.cwd: \"tmp\" is not an absolute path");
	expect_error("umask", WEB("    umask: \"0999\"\n"),
		     "services.web.umask: \"0999\" is not an octal mode from 0 to 0777");
	expect_error("umask_big", WEB("    umask: \"1000\"\n"),
		     "services.web.umask: \"1000\" is not an octal mode");
	expect_error("user", WEB("    user: no-such-user-rv\n"),
		     "services.web.user: unknown user \"no-such-user-rv\"");
	expect_error("group", WEB("    group: no-such-group-rv\n"),
		     "services.web.group: unknown group \"no-such-group-rv\"");
	expect_error("group_empty", WEB("    group: \"\"\n"), "services.web.group: must not be empty");
	expect_error("cap", WEB("    capabilities: [CAP_NET_BIND_SERVICE, CAP_BOGUS]\n"),
		     "services.web.capabilities[1]: unknown capability \"CAP_BOGUS\"");
	expect_error("cap_number", WEB("    capabilities: [\"12\"]\n"),
		     "services.web.capabilities[0]: unknown capability \"12\"");
	expect_error("cap_list", WEB("    capabilities: [\"cap_chown,cap_kill\"]\n"),
		     "services.web.capabilities[0]: unknown capability");
	expect_error("cap_dup", WEB("    capabilities: [net_bind_service, CAP_NET_BIND_SERVICE]\n"),
		     "services.web.capabilities[1]: CAP_NET_BIND_SERVICE is listed more than once");
}

static void test_env_errors(void **state)
{
	(void)state;
	expect_error("env_key", WEB("    env: {1BAD: x}\n"),
		     "services.web.env.1BAD: invalid variable name");
	expect_error("env_key_eq", WEB("    env: {\"A=B\": x}\n"),
		     "services.web.env.A=B: invalid variable name");
	expect_error("env_dup", WEB("    env:\n      A: 1\n      A: 2\n"),
		     "services.web.env.A: defined more than once");
	expect_error("env_list", WEB("    env: [A=1]\n"),
		     "services.web.env: expected a mapping of variable names to values (line 4, column 10)");
	expect_error("env_nested", WEB("    env: {A: {B: 1}}\n"),
		     "services.web.env.A: expected a string, not a mapping");
}

static void test_argv_bounds(void **state)
{
	char *text = malloc(8192);
	size_t used;

	(void)state;
	assert_non_null(text);
	used = (size_t)snprintf(text, 8192, "services:\n  web:\n    command: [/bin/echo");
	for (int i = 0; i < 256; i++)
		used += (size_t)snprintf(text + used, 8192 - used, ", a");
	snprintf(text + used, 8192 - used, "]\n");
	expect_error("argv_many", text, "services.web.command: has more than 256 entries (line 3");

	used = (size_t)snprintf(text, 8192, "services:\n  web:\n    command: [/bin/echo, ");
	memset(text + used, 'x', 4097);
	used += 4097;
	snprintf(text + used, 8192 - used, "]\n");
	expect_error("argv_long", text, "services.web.command[1]: is longer than 4096 bytes");
	expect_error("argv_empty", WEB("") "  api:\n    command: []\n",
		     "services.api.command: must not be empty");
	expect_error("argv_scalar", "services:\n  web:\n    command: /bin/true\n",
		     "services.web.command: expected a list, not a single value (line 3, column 5)");
	free(text);
}

static void test_env_bounds(void **state)
{
	char *text = malloc(16384);
	size_t used;

	(void)state;
	assert_non_null(text);
	used = (size_t)snprintf(text, 16384, WEB("    env:\n"));
	for (int i = 0; i < 257; i++)
		used += (size_t)snprintf(text + used, 16384 - used, "      K%d: v\n", i);
	expect_error("env_many", text, "services.web.env: has more than 256 entries");
	free(text);
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_error("unk_top", WEB("") "bogus: 1\n", "bogus: unknown key (line 4, column 1)");
	expect_error("unk_sup", "supervisor:\n  shutdown_timeout: 1s\n  colour: red\n" WEB(""),
		     "supervisor.colour: unknown key (line 3, column 3)");
	expect_error("unk_svc", WEB("    restrat: {}\n"),
		     "services.web.restrat: unknown key (line 4, column 5)");
	expect_error("unk_restart", WEB("    restart:\n      policy: always\n      backof: 1s\n"),
		     "services.web.restart.backof: unknown key (line 6, column 7)");
	expect_error("unk_second", WEB("") "  api:\n    command: [x]\n    nme: x\n",
		     "services.api.nme: unknown key (line 6, column 5)");
	expect_error("unk_limits", WEB("    limits:\n      memory_max: 1M\n      memory: 1M\n"),
		     "services.web.limits.memory: unknown key (line 6, column 7)");
	expect_error("unk_violation", WEB("    on_violation:\n      oom: stop\n      leek: restart\n"),
		     "services.web.on_violation.leek: unknown key (line 6, column 7)");
	/* The cgroup keys belong where docs/config.md puts them. */
	expect_error("unk_oom_group", WEB("    limits: {memory_oom_group: true}\n"),
		     "services.web.limits.memory_oom_group: unknown key");
	expect_error("unk_strict", WEB("    strict_limits: true\n"),
		     "services.web.strict_limits: unknown key");
	/* The rewrite passes the service's key as `name`: not a user key. */
	expect_error("unk_name", WEB("    name: x\n"),
		     "services.web.name: unknown key (line 4, column 5)");
}

static void test_schema_shape_errors(void **state)
{
	(void)state;
	expect_error("no_services", "supervisor: {}\n", "services: required key is missing");
	expect_error("no_command", WEB("") "  api:\n    instances: 2\n",
		     "services.api.command: required key is missing (line 4, column 3)");
	expect_error("services_empty", "services: {}\n", "services: needs at least one service");
	expect_error("services_list", "services: [web]\n",
		     "services: expected a mapping of service names to services");
	expect_error("service_scalar", "services:\n  web: /bin/true\n",
		     "services.web: expected a mapping of settings");
	expect_error("top_list", "- a\n- b\n", "the top level must be a mapping (line 1, column 1)");
	expect_error("dup_key", WEB("    instances: 1\n    instances: 2\n"),
		     "services.web.instances: duplicate key (line 5, column 5)");
	expect_error("instances_list", WEB("    instances: [1]\n"),
		     "services.web.instances: expected a single value, not a list");
	expect_error("restart_list", WEB("    restart: [always]\n"),
		     "services.web.restart: expected a mapping, not a list");
	expect_error("alias", "services:\n  web: &w\n    command: [/bin/true]\n  api: *w\n",
		     "services.api: aliases (*w) are not supported (line 4, column 8)");
	expect_error("two_docs", WEB("") "---\nservices: {}\n", "only one YAML document is allowed");
	expect_error("nul", "services:\n  web:\n    command: [\"a\\0b\"]\n",
		     "services.web.command[0]: a value contains a NUL byte");
}

static void test_duplicate_service(void **state)
{
	(void)state;
	expect_error("dup_service", WEB("") "  web:\n    command: [/bin/false]\n",
		     "services.web: service defined more than once");
}

static void test_many_errors_all_reported(void **state)
{
	static const char text[] =
		"supervisor: {shutdown_timeout: 0}\n"
		"services:\n"
		"  web:\n"
		"    command: [/bin/true]\n"
		"    instances: 0\n"
		"    umask: \"8\"\n"
		"    restart: {backoff_max: 2h, policy: maybe}\n"
		"  api:\n"
		"    command: [/bin/true]\n"
		"    stop: {signal: NOPE, timeout: 1d}\n"
		"    limits: {nofile: 0}\n";
	static const char *const want[] = {
		"supervisor.shutdown_timeout: must be greater than 0",
		"services.web.instances: 0 is below the minimum of 1",
		"services.web.umask: \"8\" is not an octal mode",
		"services.web.restart.backoff_max: 2h exceeds the maximum of 1h",
		"services.web.restart.policy: \"maybe\" is not one of",
		"services.api.stop.signal: \"NOPE\" is not a signal",
		"services.api.stop.timeout: \"1d\" is not a duration",
		"services.api.limits.nofile: 0 is below the minimum of 1",
	};
	struct loaded l;

	(void)state;
	expect_errors(&l, "many", text, want, ELEMENTSOF(want));
	assert_int_equal(l.errs.dropped, 0);
	loaded_done(&l);
}

static void test_errors_bounded(void **state)
{
	char *text = malloc(8192);
	struct loaded l;
	size_t used;

	(void)state;
	assert_non_null(text);
	used = (size_t)snprintf(text, 8192, "services:\n");
	for (int i = 0; i < CONFIG_MAX_ERRORS + 6; i++)
		used += (size_t)snprintf(text + used, 8192 - used,
					 "  s%d:\n    command: [x]\n    instances: x\n", i);
	load_text(&l, "bounded", text);
	assert_int_equal(l.r, -EINVAL);
	assert_int_equal(l.errs.n, CONFIG_MAX_ERRORS);
	assert_int_equal(l.errs.dropped, 6);
	assert_has_error(&l, "services.s0.instances");
	loaded_done(&l);
	free(text);
}

static void test_yaml_syntax_error(void **state)
{
	(void)state;
	expect_error("syntax", "services:\n  web:\n    command: [a\n  x: y\n",
		     "YAML syntax error: did not find expected ',' or ']' (line 4, column 4)");
	expect_error("syntax_indent", "services:\n  web:\n   command: [a]\n  bad: : :\n",
		     "YAML syntax error: mapping values are not allowed in this context (line 4, column 8)");
	expect_error("syntax_tab", "services:\n\tweb: 1\n",
		     "YAML syntax error: found character that cannot start any token (line 2, column 1)");
}

static void test_empty_file(void **state)
{
	(void)state;
	expect_error("empty", "", "the file is empty");
	expect_error("comments", "# nothing here\n\n", "the file is empty");
}

static void test_missing_file(void **state)
{
	struct config_errors errs = { .n = 0 };
	struct config *c = NULL;
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/does-not-exist.yaml", tmpdir);
	assert_int_equal(config_load(path, &c, &errs), -ENOENT);
	assert_null(c);
	assert_int_equal(errs.n, 1);
	assert_true(strncmp(errs.lines[0], path, strlen(path)) == 0);
	assert_non_null(strstr(errs.lines[0], "cannot open: No such file or directory"));
	config_errors_done(&errs);
	config_errors_done(&errs); /* idempotent */

	assert_int_equal(config_load(tmpdir, &c, &errs), -EISDIR);
	assert_non_null(strstr(errs.lines[0], "is a directory"));
	config_errors_done(&errs);
	/* errs is optional. */
	assert_int_equal(config_load(path, &c, NULL), -ENOENT);
	assert_null(config_free(NULL));
}

static void test_file_too_big(void **state)
{
	static const char head[] = "services:\n  web:\n    command: [/bin/true]\n";
	size_t len = CONFIG_MAX_FILE_SIZE;
	struct config_errors errs = { .n = 0 };
	struct config *c = NULL;
	char path[128];
	char *buf = malloc(len + 1);

	(void)state;
	assert_non_null(buf);
	/* Exactly the limit, padded with comment lines, still loads. */
	memset(buf, '#', len + 1);
	memcpy(buf, head, strlen(head));
	for (size_t i = strlen(head) + 100; i < len; i += 100)
		buf[i] = '\n';
	buf[len - 1] = '\n';
	snprintf(path, sizeof(path), "%s/limit.yaml", tmpdir);
	write_file(path, buf, len);
	assert_int_equal(config_load(path, &c, &errs), 0);
	assert_int_equal(errs.n, 0);
	c = config_free(c);
	/* One byte more does not. */
	buf[len] = '\n';
	snprintf(path, sizeof(path), "%s/big.yaml", tmpdir);
	write_file(path, buf, len + 1);
	assert_int_equal(config_load(path, &c, &errs), -EFBIG);
	assert_null(c);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.lines[0], "is larger than 4 MiB"));
	config_errors_done(&errs);
	free(buf);
}

/* The shipped example must stay valid; run from the project root. */
static void test_example_config(void **state)
{
	struct loaded l;
	struct config *c;

	(void)state;
	c = load_example(&l);
	assert_non_null(config_find_service(c, "web"));
	assert_int_equal(config_find_service(c, "web")->n_caps, 1);
	/* Every new key is used there, with a value other than its default
	 * where the default is not the sensible example. */
	assert_int_equal(config_find_service(c, "web")->limits.memory_max, 256ULL << 20);
	assert_int_equal(config_find_service(c, "web")->limits.cpu_quota_us, 150000);
	assert_int_equal(config_find_service(c, "web")->limits.n_io_max, 2);
	assert_true(config_find_service(c, "web")->limits.has_memory_swap_max);
	assert_null(c->supervisor.cgroup_root);
	loaded_done(&l);
}

/* config_test_util.h's harness: every allocation of each load fails in turn
 * (skipped in the ASan build). */
static void test_allocation_failures(void **state)
{
	(void)state;
	check_allocation_failures("oom_valid",
				  "supervisor: {control_socket: /run/x.sock, shutdown_timeout: 5s,\n"
				  "             cgroup_root: /sys/fs/cgroup/rv, strict_limits: true}\n"
				  WEB("    instances: 3\n    env: {A: \"1\", B: x}\n    cwd: /\n"
				      "    umask: \"022\"\n    capabilities: [kill, chown]\n"
				      "    restart: {policy: never, backoff_max: 1m}\n"
				      "    stop: {signal: INT}\n"
				      "    limits: {nofile: 10, memory_max: 1G, cpu_max: 50%,\n"
				      "             io_max: [\"8:0 rbps=1\", \"8:16  wiops=max\"]}\n"
				      "    memory_oom_group: false\n    on_violation: {pids: stop}\n")
				  "  api:\n    command: [/bin/sh, -c, \"exit 0\"]\n");
	check_allocation_failures("oom_invalid", WEB("    instances: 0\n    env: {1A: x}\n"
						     "    limits: {io_max: [\"8:0 rbps=1\", x, \"8:0 wbps=1\"]}\n")
				  "  web:\n    command: [x]\n");
	check_allocation_failures("oom_schema", WEB("    restart: {policy: always, bogus: 1}\n"));
	check_allocation_failures("oom_syntax", WEB("    env: {A: [}\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_valid),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_block_style_and_order),
		cmocka_unit_test(test_null_is_unset),
		cmocka_unit_test(test_bounds_accepted),
		cmocka_unit_test(test_instances),
		cmocka_unit_test(test_total_instances),
		cmocka_unit_test(test_restart_errors),
		cmocka_unit_test(test_stop_and_limits_errors),
		cmocka_unit_test(test_supervisor_errors),
		cmocka_unit_test(test_service_errors),
		cmocka_unit_test(test_env_errors),
		cmocka_unit_test(test_argv_bounds),
		cmocka_unit_test(test_env_bounds),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_schema_shape_errors),
		cmocka_unit_test(test_duplicate_service),
		cmocka_unit_test(test_many_errors_all_reported),
		cmocka_unit_test(test_errors_bounded),
		cmocka_unit_test(test_yaml_syntax_error),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_file_too_big),
		cmocka_unit_test(test_example_config),
		cmocka_unit_test(test_allocation_failures),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
