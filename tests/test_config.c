/* SPDX-License-Identifier: MIT */
/*
 * test_config.c: config_load() on valid files written to a private temp dir,
 * and on files it cannot read.
 *
 * A valid file must come back as the exact struct, field by field: one full
 * file (every key set) checked a part at a time, block style and service
 * order, the largest accepted values and the shipped example. A missing
 * file, a directory or an oversize file must come back as -errno, no struct
 * and one error line. Every allocation of a load fails in turn once (the harness of
 * config_test_util.h). The ASan build of this test checks that no path
 * leaks. The defaults (keys absent or null) are in test_config_defaults.c,
 * the rejected files (validation and schema errors) in
 * test_config_errors.c, the resource keys (limits:, memory_oom_group,
 * on_violation, cgroup_root, strict_limits) in test_config_limits.c; the
 * helpers are config_test_util.h.
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

/* Every key set, most to a value other than its default; the test_full_*
 * cases each load it and check one part of the struct. */
static const char full_text[] =
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
	"    inherit_env: [LANG, TZ]\n"
	"    on_exit: shutdown\n"
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

static void test_full_supervisor(void **state)
{
	gid_t adm_gid;
	struct loaded l;
	struct config *c;

	(void)state;
	/* getpwnam/getgrnam share static buffers: copy each result at once. */
	assert_non_null(getgrnam("adm"));
	adm_gid = getgrnam("adm")->gr_gid;

	c = expect_valid(&l, "full", full_text);
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
	loaded_done(&l);
}

static void test_full_command_env(void **state)
{
	const struct service_config *s;
	struct loaded l;
	struct config *c;

	(void)state;
	c = expect_valid(&l, "full", full_text);
	s = &c->services[0];
	assert_string_equal(s->name, "web");
	assert_int_equal(s->argc, 4);
	assert_string_equal(s->argv[0], "/usr/bin/python3");
	assert_string_equal(s->argv[1], "-m");
	assert_string_equal(s->argv[2], "http.server");
	assert_string_equal(s->argv[3], "8080");
	assert_null(s->argv[4]);
	assert_int_equal(s->instances, 2);
	/* env, then what `user: nobody` adds. */
	struct passwd *pw = getpwnam("nobody");
	char home[256], shell[256];
	assert_non_null(pw);
	snprintf(home, sizeof(home), "HOME=%s", pw->pw_dir);
	snprintf(shell, sizeof(shell), "SHELL=%s", pw->pw_shell);
	assert_int_equal(s->n_env, 7);
	assert_string_equal(s->env[0], "PYTHONUNBUFFERED=1");
	assert_string_equal(s->env[1], "EMPTY=");
	assert_string_equal(s->env[2], "SPACED=a b c");
	assert_string_equal(s->env[3], home);
	assert_string_equal(s->env[4], "USER=nobody");
	assert_string_equal(s->env[5], "LOGNAME=nobody");
	assert_string_equal(s->env[6], shell);
	assert_null(s->env[7]);
	assert_int_equal(s->inherit_env, INHERIT_ENV_NAMES);
	assert_int_equal(s->n_inherit_names, 2);
	assert_string_equal(s->inherit_names[0], "LANG");
	assert_string_equal(s->inherit_names[1], "TZ");
	assert_int_equal(s->on_exit, ON_EXIT_SHUTDOWN);
	assert_string_equal(s->cwd, "/tmp");
	loaded_done(&l);
}

static void test_full_identity(void **state)
{
	const struct service_config *s;
	uid_t nobody_uid;
	gid_t nogroup_gid;
	struct loaded l;
	struct config *c;
	bool in_groups = false;

	(void)state;
	/* getpwnam/getgrnam share static buffers: copy each result at once. */
	assert_non_null(getpwnam("nobody"));
	nobody_uid = getpwnam("nobody")->pw_uid;
	assert_non_null(getgrnam("nogroup"));
	nogroup_gid = getgrnam("nogroup")->gr_gid;

	c = expect_valid(&l, "full", full_text);
	s = &c->services[0];
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
	loaded_done(&l);
}

static void test_full_restart_stop(void **state)
{
	const struct service_config *s;
	struct loaded l;
	struct config *c;

	(void)state;
	c = expect_valid(&l, "full", full_text);
	s = &c->services[0];
	assert_int_equal(s->restart.policy, RESTART_ON_FAILURE);
	assert_int_equal(s->restart.backoff_initial_ms, 250);
	assert_int_equal(s->restart.backoff_max_ms, 60000);
	assert_int_equal(s->restart.reset_after_ms, 20000);
	assert_int_equal(s->restart.max_restarts, 7);
	assert_int_equal(s->restart.window_ms, 300000);
	assert_int_equal(s->restart.half_open_after_ms, 120000);
	assert_int_equal(s->stop.signal, SIGINT);
	assert_int_equal(s->stop.timeout_ms, 3000);
	loaded_done(&l);
}

static void test_full_limits(void **state)
{
	const struct service_config *s;
	const struct limits_config *lim;
	struct loaded l;
	struct config *c;

	(void)state;
	c = expect_valid(&l, "full", full_text);
	s = &c->services[0];
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
	loaded_done(&l);
}

static void test_full_find_service(void **state)
{
	struct loaded l;
	struct config *c;

	(void)state;
	c = expect_valid(&l, "full", full_text);
	assert_ptr_equal(config_find_service(c, "web"), &c->services[0]);
	assert_null(config_find_service(c, "api"));
	assert_null(config_find_service(NULL, "web"));
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
		cmocka_unit_test(test_full_supervisor),
		cmocka_unit_test(test_full_command_env),
		cmocka_unit_test(test_full_identity),
		cmocka_unit_test(test_full_restart_stop),
		cmocka_unit_test(test_full_limits),
		cmocka_unit_test(test_full_find_service),
		cmocka_unit_test(test_block_style_and_order),
		cmocka_unit_test(test_bounds_accepted),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_file_too_big),
		cmocka_unit_test(test_example_config),
		cmocka_unit_test(test_allocation_failures),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
