/* SPDX-License-Identifier: MIT */
/*
 * test_config_leak.c: config_load() on the leak keys: a service's leak:
 * (sample_every, window, fds_max, threads_max, min_growth) and
 * on_violation.leak, the supervisor's probe and state_dir. Files go to a
 * private temp dir with the helpers of config_test_util.h: a valid value must
 * come back as its number, a bad one as -EINVAL and an error line naming the
 * key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define CONFIG_TEST_TMPDIR "/tmp/test_config_leak.XXXXXX"
#define CONFIG_TEST_ALLOC_FAILURES
#include "config/config.h"
#include "config_test_util.h"
#include "basic/macro.h"
#include "config/config_names.h"

#define SUP(extra) "supervisor: {" extra "}\n" WEB("")

static void test_full_valid(void **state)
{
	struct loaded l;
	struct config *c;
	const struct service_config *web, *api;

	(void)state;
	c = expect_valid(&l, "full",
			 "supervisor: {probe: procfs, state_dir: /var/lib/rv-test}\n"
			 WEB("    leak: {sample_every: 2s, window: 15m, fds_max: 10000,\n"
			     "           threads_max: 500, min_growth: 12.5/h}\n"
			     "    on_violation: {oom: stop, leak: freeze}\n")
			 "  api:\n"
			 "    command: [/bin/true]\n"
			 "    leak:\n"
			 "      sample_every: 1h\n"
			 "      window: 24h\n"
			 "      fds_max: 0\n"
			 "      threads_max: \"4194304\"\n"
			 "      min_growth: \"1000000\"\n"
			 "    on_violation:\n"
			 "      leak: stop\n");
	assert_int_equal(c->supervisor.probe, PROBE_CHOICE_PROCFS);
	assert_string_equal(c->supervisor.state_dir, "/var/lib/rv-test");

	web = config_find_service(c, "web");
	assert_non_null(web);
	assert_int_equal(web->leak.sample_every_ms, 2000);
	assert_int_equal(web->leak.window_ms, 15 * 60 * 1000);
	assert_int_equal(web->leak.fds_max, 10000);
	assert_int_equal(web->leak.threads_max, 500);
	assert_true(web->leak.min_growth[0] == 12.5);
	assert_int_equal(web->on_violation.leak, VIOLATION_FREEZE);
	assert_int_equal(web->on_violation.oom, VIOLATION_STOP); /* still set beside it */

	api = config_find_service(c, "api");
	assert_non_null(api);
	assert_int_equal(api->leak.sample_every_ms, 3600ULL * 1000);
	assert_int_equal(api->leak.window_ms, 24ULL * 3600 * 1000);
	assert_int_equal(api->leak.fds_max, 0);
	assert_int_equal(api->leak.threads_max, CONFIG_MAX_LEAK_THREADS);
	assert_true(api->leak.min_growth[0] == 1e6);
	assert_int_equal(api->on_violation.leak, VIOLATION_STOP);
	assert_int_equal(api->on_violation.oom, VIOLATION_RESTART);
	loaded_done(&l);
}

static void assert_leak_defaults(const struct service_config *s)
{
	assert_int_equal(s->leak.sample_every_ms, 5000);
	assert_int_equal(s->leak.window_ms, 10 * 60 * 1000);
	assert_int_equal(s->leak.fds_max, 0);
	assert_int_equal(s->leak.threads_max, 0);
	assert_true(s->leak.min_growth[0] == 60.0);
	assert_int_equal(s->on_violation.leak, VIOLATION_LOG);
}

static void test_defaults(void **state)
{
	static const char *const texts[] = {
		WEB(""),
		"supervisor: {}\n" WEB("    leak: {}\n    on_violation: {}\n"),
		"supervisor:\n  probe:\n  state_dir: ~\n"
		WEB("    leak:\n    on_violation: {oom: ignore, leak: null}\n"),
		"supervisor: {shutdown_timeout: 1s}\n" WEB("    leak: {fds_max: ~, window: }\n"),
	};
	struct loaded l;
	struct config *c;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
		c = expect_valid(&l, "defaults", texts[i]);
		assert_int_equal(c->supervisor.probe, PROBE_CHOICE_AUTO);
		assert_null(c->supervisor.state_dir);
		assert_leak_defaults(&c->services[0]);
		loaded_done(&l);
	}
	/* One key set, the others keep their defaults. */
	c = expect_valid(&l, "one_key", WEB("    leak: {threads_max: 7}\n"));
	assert_int_equal(c->services[0].leak.threads_max, 7);
	assert_int_equal(c->services[0].leak.sample_every_ms, 5000);
	assert_int_equal(c->services[0].leak.window_ms, 600000);
	assert_true(c->services[0].leak.min_growth[0] == 60.0);
	loaded_done(&l);
}

static void test_values_accepted(void **state)
{
	static const struct {
		const char *text;
		double want;
	} growth[] = {
		{ "60", 60 }, { "60/h", 60 }, { "\"60/h\"", 60 }, { "0.5", 0.5 },
		{ "0.25/h", 0.25 }, { "1000000/h", 1e6 }, { "1000000.0", 1e6 }, { "007", 7 },
	};
	static const char *const probes[] = { "auto", "bpf", "procfs" };
	static const char *const actions[] = { "log", "freeze", "restart", "stop" };
	struct loaded l;
	struct config *c;
	char text[256];

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(growth); i++) {
		snprintf(text, sizeof(text), WEB("    leak: {min_growth: %s}\n"), growth[i].text);
		c = expect_valid(&l, "growth", text);
		assert_true(c->services[0].leak.min_growth[0] == growth[i].want);
		loaded_done(&l);
	}
	/* window exactly 6 samples; sample_every at its minimum. */
	c = expect_valid(&l, "window_6",
			 WEB("    leak: {sample_every: 1s, window: 6s, fds_max: 1048576}\n"));
	assert_int_equal(c->services[0].leak.sample_every_ms, 1000);
	assert_int_equal(c->services[0].leak.window_ms, 6000);
	assert_int_equal(c->services[0].leak.fds_max, 1U << 20);
	loaded_done(&l);
	/* The default window (10m) holds 6 samples of 100s. */
	c = expect_valid(&l, "window_default_6", WEB("    leak: {sample_every: 100s}\n"));
	assert_int_equal(c->services[0].leak.window_ms, 600000);
	loaded_done(&l);
	c = expect_valid(&l, "window_ms", WEB("    leak: {sample_every: 1500ms, window: 9000ms}\n"));
	assert_int_equal(c->services[0].leak.sample_every_ms, 1500);
	assert_int_equal(c->services[0].leak.window_ms, 9000);
	loaded_done(&l);

	for (size_t i = 0; i < ELEMENTSOF(probes); i++) {
		snprintf(text, sizeof(text), SUP("probe: %s"), probes[i]);
		c = expect_valid(&l, "probe", text);
		assert_int_equal(c->supervisor.probe, (enum probe_choice)i);
		loaded_done(&l);
	}
	for (size_t i = 0; i < ELEMENTSOF(actions); i++) {
		snprintf(text, sizeof(text), WEB("    on_violation: {leak: %s}\n"), actions[i]);
		c = expect_valid(&l, "action", text);
		assert_int_equal(c->services[0].on_violation.leak, violation_action_from_string(actions[i]));
		loaded_done(&l);
	}
	c = expect_valid(&l, "state_root", SUP("state_dir: /"));
	assert_string_equal(c->supervisor.state_dir, "/");
	loaded_done(&l);
	c = expect_valid(&l, "state_dots", SUP("state_dir: \"/var/lib/..rv/x../.y/\""));
	assert_string_equal(c->supervisor.state_dir, "/var/lib/..rv/x../.y/");
	loaded_done(&l);
}

static void test_sample_every_errors(void **state)
{
	(void)state;
	expect_error("se_zero", WEB("    leak: {sample_every: 0}\n"),
		     "services.web.leak.sample_every: 0 is below the minimum of 1s");
	expect_error("se_short", WEB("    leak: {sample_every: 999ms}\n"),
		     "services.web.leak.sample_every: 999ms is below the minimum of 1s");
	expect_error("se_long", WEB("    leak: {sample_every: 61m}\n"),
		     "services.web.leak.sample_every: 61m exceeds the maximum of 1h");
	expect_error("se_overflow", WEB("    leak: {sample_every: 99999999999999999999h}\n"),
		     "services.web.leak.sample_every: 99999999999999999999h exceeds the maximum of 1h");
	expect_error("se_unit", WEB("    leak: {sample_every: 5}\n"),
		     "services.web.leak.sample_every: \"5\" is not a duration");
	expect_error("se_mixed", WEB("    leak: {sample_every: 1m30s}\n"),
		     "services.web.leak.sample_every: \"1m30s\" is not a duration");
}

static void test_window_errors(void **state)
{
	(void)state;
	expect_error("win_6", WEB("    leak: {sample_every: 5s, window: 20s}\n"),
		     "services.web.leak.window: 20s is less than 6 samples of sample_every (5s)");
	expect_error("win_6_default_se", WEB("    leak: {window: 29s}\n"),
		     "services.web.leak.window: 29s is less than 6 samples of sample_every (5s)");
	expect_error("win_default", WEB("    leak: {sample_every: 101s}\n"),
		     "services.web.leak.window: 10m (the default) is less than 6 samples of "
		     "sample_every (101s)");
	expect_error("win_zero", WEB("    leak: {window: 0}\n"),
		     "services.web.leak.window: 0 is less than 6 samples of sample_every (5s)");
	expect_error("win_long", WEB("    leak: {window: 25h}\n"),
		     "services.web.leak.window: 25h exceeds the maximum of 24h");
	expect_error("win_bad", WEB("    leak: {window: ten minutes}\n"),
		     "services.web.leak.window: \"ten minutes\" is not a duration");
}

static void test_count_errors(void **state)
{
	(void)state;
	expect_error("fds_big", WEB("    leak: {fds_max: 1048577}\n"),
		     "services.web.leak.fds_max: 1048577 exceeds the maximum of 1048576");
	expect_error("fds_neg", WEB("    leak: {fds_max: -1}\n"),
		     "services.web.leak.fds_max: \"-1\" is not a whole number");
	expect_error("fds_size", WEB("    leak: {fds_max: 10K}\n"),
		     "services.web.leak.fds_max: \"10K\" is not a whole number");
	expect_error("threads_big", WEB("    leak: {threads_max: 4194305}\n"),
		     "services.web.leak.threads_max: 4194305 exceeds the maximum of 4194304");
	expect_error("threads_frac", WEB("    leak: {threads_max: 1.5}\n"),
		     "services.web.leak.threads_max: \"1.5\" is not a whole number");
	expect_error("threads_overflow", WEB("    leak: {threads_max: 99999999999999999999}\n"),
		     "services.web.leak.threads_max: 99999999999999999999 exceeds the maximum");
}

static void test_min_growth_errors(void **state)
{
	static const char *const bad[] = {
		"60/m", "60/hour", "1e3", "-5", "+5", ".5", "5.", "5..0", "1.2.3",
		"\"60 /h\"", "\" 60\"", "/h", "\"\"", "sixty", "0x10", "1_000",
	};
	char text[256], needle[256];

	(void)state;
	expect_error("growth_zero", WEB("    leak: {min_growth: 0}\n"),
		     "services.web.leak.min_growth: must be greater than 0");
	expect_error("growth_zero_h", WEB("    leak: {min_growth: 0.000/h}\n"),
		     "services.web.leak.min_growth: must be greater than 0");
	expect_error("growth_big", WEB("    leak: {min_growth: 1000001}\n"),
		     "services.web.leak.min_growth: 1000001 exceeds the maximum of 1000000 per hour");
	expect_error("growth_big_frac", WEB("    leak: {min_growth: 1000000.5/h}\n"),
		     "services.web.leak.min_growth: 1000000.5/h exceeds the maximum of 1000000");
	expect_error("growth_overflow", WEB("    leak: {min_growth: 99999999999999999999}\n"),
		     "services.web.leak.min_growth: 99999999999999999999 exceeds the maximum");
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		const char *shown = bad[i];
		size_t n = strlen(shown);

		snprintf(text, sizeof(text), WEB("    leak: {min_growth: %s}\n"), bad[i]);
		if (shown[0] == '"') { /* quoted in YAML: the message shows the string */
			shown++;
			n -= 2;
		}
		snprintf(needle, sizeof(needle),
			 "services.web.leak.min_growth: \"%.*s\" is not a number per hour", (int)n,
			 shown);
		expect_error("growth_bad", text, needle);
	}
}

static void test_choice_errors(void **state)
{
	(void)state;
	expect_error("action_kill", WEB("    on_violation: {leak: kill}\n"),
		     "services.web.on_violation.leak: \"kill\" is not one of log, freeze, restart, stop");
	expect_error("action_case", WEB("    on_violation: {leak: Log}\n"),
		     "services.web.on_violation.leak: \"Log\" is not one of");
	expect_error("probe_ebpf", SUP("probe: ebpf"),
		     "supervisor.probe: \"ebpf\" is not one of auto, bpf, procfs");
	expect_error("probe_case", SUP("probe: AUTO"),
		     "supervisor.probe: \"AUTO\" is not one of auto, bpf, procfs");
	expect_error("probe_none", SUP("probe: none"),
		     "supervisor.probe: \"none\" is not one of");
}

static void test_state_dir_errors(void **state)
{
	char *text;
	size_t n = CONFIG_MAX_PATH + 1, used;

	(void)state;
	expect_error("sd_rel", SUP("state_dir: var/lib/ringvisor"),
		     "supervisor.state_dir: \"var/lib/ringvisor\" is not an absolute path");
	expect_error("sd_empty", SUP("state_dir: \"\""),
		     "supervisor.state_dir: \"\" is not an absolute path");
	expect_error("sd_tilde", SUP("state_dir: \"~/rv\""),
		     "supervisor.state_dir: \"~/rv\" is not an absolute path");
	expect_error("sd_dotdot", SUP("state_dir: /var/lib/../rv"),
		     "supervisor.state_dir: \"/var/lib/../rv\" must not contain \"..\"");
	expect_error("sd_dotdot_end", SUP("state_dir: /var/.."),
		     "supervisor.state_dir: \"/var/..\" must not contain \"..\"");
	expect_error("sd_dotdot_slash", SUP("state_dir: /../"),
		     "supervisor.state_dir: \"/../\" must not contain \"..\"");

	/* CONFIG_MAX_PATH bytes are allowed, one more is not. */
	text = malloc(n + 128);
	assert_non_null(text);
	used = (size_t)sprintf(text, "supervisor:\n  state_dir: ");
	for (size_t i = 0; i < n; i++)
		text[used++] = i % 2 ? 'a' : '/';
	strcpy(text + used, "\n" WEB(""));
	expect_error("sd_long", text,
		     "2:3: supervisor.state_dir: is longer than 4096 bytes");
	text[used - 1] = '\n';
	strcpy(text + used, WEB(""));
	{
		struct loaded l;
		struct config *c = expect_valid(&l, "sd_max", text);

		assert_int_equal(strlen(c->supervisor.state_dir), CONFIG_MAX_PATH);
		loaded_done(&l);
	}
	free(text);
}

static void test_unknown_and_shape(void **state)
{
	(void)state;
	expect_error("unk_leak", WEB("    leak:\n      window: 10m\n      fds: 100\n"),
		     "6:7: services.web.leak.fds: unknown key");
	expect_error("unk_leak_flow", WEB("    leak: {sample_every: 5s, interval: 5s}\n"),
		     "4:30: services.web.leak.interval: unknown key");
	expect_error("unk_leak_second", WEB("") "  api:\n    command: [x]\n"
						"    leak: {min_growth_per_hour: 60}\n",
		     "6:12: services.api.leak.min_growth_per_hour: unknown key");
	/* on_violation's key, not leak:'s */
	expect_error("unk_leak_action", WEB("    leak: {on_violation: stop}\n"),
		     "services.web.leak.on_violation: unknown key");
	/* leak: belongs to a service, probe and state_dir to the supervisor. */
	expect_error("unk_leak_top", WEB("") "leak: {window: 10m}\n", "leak: unknown key");
	expect_error("unk_leak_sup", SUP("leak: {window: 10m}"), "supervisor.leak: unknown key");
	expect_error("unk_probe_svc", WEB("    probe: bpf\n"), "services.web.probe: unknown key");
	expect_error("unk_state_svc", WEB("    state_dir: /x\n"),
		     "services.web.state_dir: unknown key");
	expect_error("unk_leak_limits", WEB("    limits: {fds_max: 1}\n"),
		     "services.web.limits.fds_max: unknown key");
	expect_error("dup_leak", WEB("    leak:\n      window: 10m\n      window: 20m\n"),
		     "6:7: services.web.leak.window: duplicate key");
	expect_error("leak_list", WEB("    leak: [5s, 10m]\n"),
		     "services.web.leak: expected a mapping, not a list");
	expect_error("leak_scalar", WEB("    leak: true\n"),
		     "services.web.leak: expected a mapping, not a single value");
	expect_error("leak_value_list", WEB("    leak: {fds_max: [1]}\n"),
		     "services.web.leak.fds_max: expected a single value, not a list");
	expect_error("probe_list", SUP("probe: [bpf]"),
		     "supervisor.probe: expected a single value, not a list");
	expect_error("leak_long", WEB("    leak: {min_growth: 000000000000000000000000000000060}\n"),
		     "services.web.leak.min_growth: is longer than 32 bytes");
}

/* Every bad value is reported in one run, each with its key path. */
static void test_all_errors_at_once(void **state)
{
	static const char *const want[] = {
		"supervisor.probe: \"x\" is not one of",
		"supervisor.state_dir: \"rel\" is not an absolute path",
		"services.web.leak.sample_every: 0 is below the minimum of 1s",
		"services.web.leak.window: 48h exceeds the maximum of 24h",
		"services.web.leak.fds_max: \"x\" is not a whole number",
		"services.web.leak.threads_max: 4194305 exceeds the maximum",
		"services.web.leak.min_growth: must be greater than 0",
		"services.web.on_violation.leak: \"x\" is not one of",
		"services.web.on_violation.oom: \"x\" is not one of",
		"services.api.leak.window: 1m is less than 6 samples of sample_every (11s)",
	};
	struct loaded l;

	(void)state;
	expect_errors(&l, "all", "supervisor: {probe: x, state_dir: rel}\n"
		      WEB("    leak: {sample_every: 0, window: 48h, fds_max: x, threads_max: 4194305,\n"
			  "           min_growth: 0}\n"
			  "    on_violation: {oom: x, leak: x}\n")
		      "  api:\n    command: [x]\n    leak: {sample_every: 11s, window: 1m}\n",
		      want, ELEMENTSOF(want));
	loaded_done(&l);
}

static void test_example_config(void **state)
{
	const struct service_config *web;
	struct loaded l;
	struct config *c;

	(void)state;
	c = load_example(&l);
	assert_int_equal(c->supervisor.probe, PROBE_CHOICE_AUTO);
	assert_string_equal(c->supervisor.state_dir, "/var/lib/ringvisor");
	web = config_find_service(c, "web");
	assert_non_null(web);
	assert_int_equal(web->leak.sample_every_ms, 5000);
	assert_int_equal(web->leak.window_ms, 600000);
	assert_int_equal(web->leak.fds_max, 10000);
	assert_int_equal(web->leak.threads_max, 500);
	assert_true(web->leak.min_growth[0] == 60.0);
	assert_int_equal(web->on_violation.leak, VIOLATION_FREEZE);
	assert_leak_defaults(config_find_service(c, "worker"));
	loaded_done(&l);
}

/* config_test_util.h's harness, as in test_config.c: every allocation of
 * each load fails in turn (skipped in the ASan build). */
static void test_allocation_failures(void **state)
{
	(void)state;
	check_allocation_failures("oom_valid",
				  "supervisor: {probe: bpf, state_dir: /var/lib/rv}\n"
				  WEB("    leak: {sample_every: 1s, window: 1m, fds_max: 1,\n"
				      "           threads_max: 2, min_growth: 0.5/h}\n"
				      "    on_violation: {leak: restart}\n"));
	check_allocation_failures("oom_invalid",
				  "supervisor: {probe: x, state_dir: /a/../b}\n"
				  WEB("    leak: {window: 1s, min_growth: x}\n"
				      "    on_violation: {leak: x}\n"));
	check_allocation_failures("oom_unknown", WEB("    leak: {window: 1m, bogus: 1}\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_valid),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values_accepted),
		cmocka_unit_test(test_sample_every_errors),
		cmocka_unit_test(test_window_errors),
		cmocka_unit_test(test_count_errors),
		cmocka_unit_test(test_min_growth_errors),
		cmocka_unit_test(test_choice_errors),
		cmocka_unit_test(test_state_dir_errors),
		cmocka_unit_test(test_unknown_and_shape),
		cmocka_unit_test(test_all_errors_at_once),
		cmocka_unit_test(test_example_config),
		cmocka_unit_test(test_allocation_failures),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
