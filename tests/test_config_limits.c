/* SPDX-License-Identifier: MIT */
/*
 * test_config_limits.c: config_load() on the resource keys: a service's
 * limits: (memory_*, pids_max, cpu_max, cpu_weight, io_max),
 * memory_oom_group and on_violation, the supervisor's cgroup_root and
 * strict_limits. Files go to a private temp dir as in test_config.c, with the
 * helpers of config_test_util.h: a valid value must come back as its number,
 * a bad one as -EINVAL and an error line naming the key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#define CONFIG_TEST_TMPDIR "/tmp/test_config_limits.XXXXXX"
#include "config/config.h"
#include "config_test_util.h"
#include "basic/macro.h"

static void test_memory_limits(void **state)
{
	struct loaded l;
	struct config *c;

	(void)state;
	c = expect_valid(&l, "mem_bounds",
			 WEB("    limits: {memory_max: 1T, memory_high: 1T, memory_swap_max: 1T}\n"));
	assert_int_equal(c->services[0].limits.memory_max, 1ULL << 40);
	assert_int_equal(c->services[0].limits.memory_high, 1ULL << 40);
	assert_int_equal(c->services[0].limits.memory_swap_max, 1ULL << 40);
	assert_true(c->services[0].limits.has_memory_swap_max);
	loaded_done(&l);
	c = expect_valid(&l, "mem_bytes", WEB("    limits: {memory_high: 4096, memory_swap_max: 1K}\n"));
	assert_int_equal(c->services[0].limits.memory_max, 0);
	assert_int_equal(c->services[0].limits.memory_high, 4096); /* no memory_max: no order */
	assert_int_equal(c->services[0].limits.memory_swap_max, 1024);
	loaded_done(&l);

	expect_error("mem_size", WEB("    limits: {memory_max: 32MB}\n"),
		     "services.web.limits.memory_max: \"32MB\" is not a size");
	expect_error("mem_frac", WEB("    limits: {memory_high: 1.5G}\n"),
		     "services.web.limits.memory_high: \"1.5G\" is not a size");
	expect_error("mem_swap_neg", WEB("    limits: {memory_swap_max: -1}\n"),
		     "services.web.limits.memory_swap_max: \"-1\" is not a size");
	expect_error("mem_zero", WEB("    limits: {memory_max: 0}\n"),
		     "services.web.limits.memory_max: must be greater than 0");
	expect_error("mem_high_zero", WEB("    limits: {memory_high: 0K}\n"),
		     "services.web.limits.memory_high: must be greater than 0");
	expect_error("mem_big", WEB("    limits: {memory_max: 1025G}\n"),
		     "services.web.limits.memory_max: 1025G exceeds the maximum of 1T");
	expect_error("mem_swap_big", WEB("    limits: {memory_swap_max: 2T}\n"),
		     "services.web.limits.memory_swap_max: 2T exceeds the maximum of 1T");
	expect_error("mem_overflow", WEB("    limits: {memory_max: 99999999999T}\n"),
		     "services.web.limits.memory_max: 99999999999T exceeds the maximum of 1T");
	expect_error("mem_order", WEB("    limits: {memory_max: 32M, memory_high: 64M}\n"),
		     "services.web.limits.memory_high: 64M is above memory_max (32M)");
}

static void test_pids_and_weight(void **state)
{
	struct loaded l;
	struct config *c;

	(void)state;
	c = expect_valid(&l, "pids_bounds", WEB("    limits: {pids_max: 4194304, cpu_weight: 10000}\n"));
	assert_int_equal(c->services[0].limits.pids_max, 4194304);
	assert_int_equal(c->services[0].limits.cpu_weight, 10000);
	loaded_done(&l);
	c = expect_valid(&l, "pids_min", WEB("    limits: {pids_max: 1, cpu_weight: 1}\n"));
	assert_int_equal(c->services[0].limits.pids_max, 1);
	assert_int_equal(c->services[0].limits.cpu_weight, 1);
	loaded_done(&l);

	expect_error("pids0", WEB("    limits: {pids_max: 0}\n"),
		     "services.web.limits.pids_max: 0 is below the minimum of 1");
	expect_error("pids_big", WEB("    limits: {pids_max: 4194305}\n"),
		     "services.web.limits.pids_max: 4194305 exceeds the maximum of 4194304");
	expect_error("pids_max_word", WEB("    limits: {pids_max: max}\n"),
		     "services.web.limits.pids_max: \"max\" is not a whole number");
	expect_error("weight0", WEB("    limits: {cpu_weight: 0}\n"),
		     "services.web.limits.cpu_weight: 0 is below the minimum of 1");
	expect_error("weight_big", WEB("    limits: {cpu_weight: 10001}\n"),
		     "services.web.limits.cpu_weight: 10001 exceeds the maximum of 10000");
}

static void expect_cpu_max(const char *name, const char *value, uint64_t quota, uint64_t period)
{
	char text[256];
	struct loaded l;
	struct config *c;

	snprintf(text, sizeof(text), WEB("    limits: {cpu_max: \"%s\"}\n"), value);
	c = expect_valid(&l, name, text);
	assert_int_equal(c->services[0].limits.cpu_quota_us, quota);
	assert_int_equal(c->services[0].limits.cpu_period_us, period);
	loaded_done(&l);
}

static void test_cpu_max(void **state)
{
	(void)state;
	expect_cpu_max("cpu_50", "50%", 50000, 100000);
	expect_cpu_max("cpu_1", "1%", 1000, 100000);
	expect_cpu_max("cpu_200", "200%", 200000, 100000);
	expect_cpu_max("cpu_max_pct", "100000%", 100000000, 100000);
	expect_cpu_max("cpu_qp", "20ms/100ms", 20000, 100000);
	expect_cpu_max("cpu_qp_min", "1ms/1ms", 1000, 1000);
	expect_cpu_max("cpu_qp_max", "1000s/1s", 1000000000, 1000000);
	expect_cpu_max("cpu_qp_multi", "2s/500ms", 2000000, 500000);

	expect_error("cpu_bare", WEB("    limits: {cpu_max: \"150\"}\n"),
		     "services.web.limits.cpu_max: \"150\" is not a percentage (\"50%\") or a "
		     "quota/period (\"20ms/100ms\")");
	expect_error("cpu_0pct", WEB("    limits: {cpu_max: 0%}\n"),
		     "services.web.limits.cpu_max: 0% is below the minimum of 1%");
	expect_error("cpu_big_pct", WEB("    limits: {cpu_max: 100001%}\n"),
		     "services.web.limits.cpu_max: 100001% exceeds the maximum of 100000%");
	expect_error("cpu_huge_pct", WEB("    limits: {cpu_max: 99999999999999999999%}\n"),
		     "services.web.limits.cpu_max: 99999999999999999999% exceeds the maximum");
	expect_error("cpu_frac_pct", WEB("    limits: {cpu_max: 12.5%}\n"),
		     "services.web.limits.cpu_max: \"12.5%\" is not a percentage");
	expect_error("cpu_pct_only", WEB("    limits: {cpu_max: \"%\"}\n"),
		     "services.web.limits.cpu_max: \"%\" is not a percentage");
	expect_error("cpu_period0", WEB("    limits: {cpu_max: 20ms/0ms}\n"),
		     "services.web.limits.cpu_max: the period 0ms is below the minimum of 1ms");
	expect_error("cpu_period_long", WEB("    limits: {cpu_max: 20ms/2s}\n"),
		     "services.web.limits.cpu_max: the period 2s exceeds the maximum of 1s");
	expect_error("cpu_quota0", WEB("    limits: {cpu_max: 0/100ms}\n"),
		     "services.web.limits.cpu_max: the quota 0 is below the minimum of 1ms");
	expect_error("cpu_quota_big", WEB("    limits: {cpu_max: 101s/100ms}\n"),
		     "services.web.limits.cpu_max: the quota 101s is more than 1000 times the period");
	expect_error("cpu_no_period", WEB("    limits: {cpu_max: 20ms/}\n"),
		     "services.web.limits.cpu_max: \"20ms/\" is not a percentage");
	expect_error("cpu_no_unit", WEB("    limits: {cpu_max: 20/100}\n"),
		     "services.web.limits.cpu_max: \"20/100\" is not a percentage");
	expect_error("cpu_three", WEB("    limits: {cpu_max: 1ms/2ms/3ms}\n"),
		     "services.web.limits.cpu_max: \"1ms/2ms/3ms\" is not a percentage");
	expect_error("cpu_empty", WEB("    limits: {cpu_max: \"\"}\n"),
		     "services.web.limits.cpu_max: \"\" is not a percentage");
}

static void test_io_max(void **state)
{
	char text[2048];
	size_t used;

	(void)state;
	expect_error("io_dev", WEB("    limits: {io_max: [\"sda rbps=1\"]}\n"),
		     "services.web.limits.io_max[0]: \"sda\" is not a device number MAJ:MIN");
	expect_error("io_dev_half", WEB("    limits: {io_max: [\"8: rbps=1\"]}\n"),
		     "services.web.limits.io_max[0]: \"8:\" is not a device number MAJ:MIN");
	expect_error("io_key", WEB("    limits: {io_max: [\"8:0 rbps=1\", \"8:16 rbytes=1\"]}\n"),
		     "services.web.limits.io_max[1]: \"rbytes=1\" is not rbps=N, wbps=N, riops=N or "
		     "wiops=N (N a whole number or max)");
	expect_error("io_value", WEB("    limits: {io_max: [\"8:0 wbps=1M\"]}\n"),
		     "services.web.limits.io_max[0]: \"wbps=1M\" is not rbps=N");
	expect_error("io_no_value", WEB("    limits: {io_max: [\"8:0 wbps\"]}\n"),
		     "services.web.limits.io_max[0]: \"wbps\" is not rbps=N");
	expect_error("io_no_limit", WEB("    limits: {io_max: [\"8:0\"]}\n"),
		     "services.web.limits.io_max[0]: \"8:0\" sets no limit");
	expect_error("io_empty", WEB("    limits: {io_max: [\"  \"]}\n"),
		     "services.web.limits.io_max[0]: is empty");
	expect_error("io_twice", WEB("    limits: {io_max: [\"8:0 riops=1 riops=2\"]}\n"),
		     "services.web.limits.io_max[0]: \"riops=2\": that limit is already set");
	expect_error("io_dup_dev", WEB("    limits: {io_max: [\"8:0 rbps=1\", \"8:16 rbps=1\", "
				       "\"8:0 wbps=1\"]}\n"),
		     "services.web.limits.io_max[2]: device 8:0 already has a rule in io_max[0]");
	expect_error("io_scalar", WEB("    limits: {io_max: \"8:0 rbps=1\"}\n"),
		     "services.web.limits.io_max: expected a list, not a single value");

	used = (size_t)snprintf(text, sizeof(text), WEB("    limits:\n      io_max:\n"));
	for (int i = 0; i <= CONFIG_MAX_IO_RULES; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "        - \"8:%d rbps=1\"\n", i);
	expect_error("io_many", text, "services.web.limits.io_max: has more than 16 entries");
}

static void test_on_violation(void **state)
{
	(void)state;
	expect_error("oom_policy", WEB("    on_violation: {oom: kill}\n"),
		     "services.web.on_violation.oom: \"kill\" is not one of restart, stop, ignore");
	expect_error("pids_policy", WEB("    on_violation: {pids: ignore}\n"),
		     "services.web.on_violation.pids: \"ignore\" is not one of log, restart, stop, freeze");
	expect_error("memhigh_policy", WEB("    on_violation: {memory_high: stop}\n"),
		     "services.web.on_violation.memory_high: \"stop\" is not one of log, freeze, restart");
	expect_error("policy_case", WEB("    on_violation: {oom: Restart}\n"),
		     "services.web.on_violation.oom: \"Restart\" is not one of");
	expect_error("violation_list", WEB("    on_violation: [restart]\n"),
		     "services.web.on_violation: expected a mapping, not a list");
}

static void test_bools(void **state)
{
	struct loaded l;
	struct config *c;

	(void)state;
	c = expect_valid(&l, "bool_true", "supervisor: {strict_limits: \"true\"}\n"
					  WEB("    memory_oom_group: true\n"));
	assert_true(c->supervisor.strict_limits);
	assert_true(c->services[0].limits.memory_oom_group);
	loaded_done(&l);
	c = expect_valid(&l, "bool_false", "supervisor: {strict_limits: false}\n" WEB(""));
	assert_false(c->supervisor.strict_limits);
	loaded_done(&l);

	expect_error("bool_yes", WEB("    memory_oom_group: yes\n"),
		     "services.web.memory_oom_group: \"yes\" is not true or false");
	expect_error("bool_1", "supervisor: {strict_limits: 1}\n" WEB(""),
		     "supervisor.strict_limits: \"1\" is not true or false");
	expect_error("bool_case", "supervisor: {strict_limits: True}\n" WEB(""),
		     "supervisor.strict_limits: \"True\" is not true or false");
}

static void test_cgroup_root(void **state)
{
	static const char *const good[] = { "none", "/", "/sys/fs/cgroup/rv", "/a/..b/c./.x/" };
	char text[256];
	struct loaded l;
	struct config *c;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(good); i++) {
		snprintf(text, sizeof(text), "supervisor: {cgroup_root: \"%s\"}\n" WEB(""), good[i]);
		c = expect_valid(&l, "root_good", text);
		assert_string_equal(c->supervisor.cgroup_root, good[i]);
		loaded_done(&l);
	}
	expect_error("root_rel", "supervisor: {cgroup_root: sys/fs/cgroup}\n" WEB(""),
		     "supervisor.cgroup_root: \"sys/fs/cgroup\" is not auto, none or an absolute path");
	expect_error("root_empty", "supervisor: {cgroup_root: \"\"}\n" WEB(""),
		     "supervisor.cgroup_root: \"\" is not auto, none or an absolute path");
	expect_error("root_case", "supervisor: {cgroup_root: Auto}\n" WEB(""),
		     "supervisor.cgroup_root: \"Auto\" is not auto, none or an absolute path");
	expect_error("root_dotdot", "supervisor: {cgroup_root: /sys/fs/cgroup/../x}\n" WEB(""),
		     "supervisor.cgroup_root: \"/sys/fs/cgroup/../x\" must not contain \"..\"");
	expect_error("root_dotdot_end", "supervisor: {cgroup_root: /sys/..}\n" WEB(""),
		     "supervisor.cgroup_root: \"/sys/..\" must not contain \"..\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_limits),
		cmocka_unit_test(test_pids_and_weight),
		cmocka_unit_test(test_cpu_max),
		cmocka_unit_test(test_io_max),
		cmocka_unit_test(test_on_violation),
		cmocka_unit_test(test_bools),
		cmocka_unit_test(test_cgroup_root),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
