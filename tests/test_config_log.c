/* SPDX-License-Identifier: MIT */
/*
 * test_config_log.c: config_load() on supervisor.log (the defaults) and
 * services.NAME.log (per key over them): bounds, the merge (rate_limit key
 * by key, dir copied), forward's default that follows the merged dir, and
 * errors that name the key where it was written (config_test_util.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define CONFIG_TEST_TMPDIR "/tmp/test_config_log.XXXXXX"
#define CONFIG_TEST_ALLOC_FAILURES
#include "config/config.h"
#include "config_test_util.h"
#include "basic/macro.h"

#define K 1024ULL
#define M (1024ULL * K)
#define G (1024ULL * M)
#define T (1024ULL * G)

/* supervisor.log set to `sup`, web's log to `svc` ("" for none). */
#define SUPLOG(sup) "supervisor:\n  log: {" sup "}\n"
#define WEBLOG(svc) WEB("    log: {" svc "}\n")
/* A second service, without log: */
#define API "  api:\n    command: [/bin/true]\n"

/* The number fields of struct log_config, to compare them in a loop. */
enum field { F_MAX_BYTES, F_BACKUPS, F_TIMESTAMPS, F_STDERR, F_FORWARD, F_RATE, F_BURST, F_TAIL,
	     F_COUNT };

static uint64_t field(const struct log_config *lc, enum field f)
{
	switch (f) {
	case F_MAX_BYTES:
		return lc->max_bytes;
	case F_BACKUPS:
		return lc->backups;
	case F_TIMESTAMPS:
		return lc->timestamps;
	case F_STDERR:
		return lc->stderr_mode;
	case F_FORWARD:
		return lc->forward;
	case F_RATE:
		return lc->rate_bytes_per_s;
	case F_BURST:
		return lc->rate_burst;
	case F_TAIL:
		return lc->tail_bytes;
	case F_COUNT:
		break;
	}
	fail();
	return 0;
}

static void assert_string_or_null(const char *got, const char *want)
{
	if (want)
		assert_string_equal(got, want);
	else
		assert_null(got);
}

static void assert_log(const struct log_config *got, const struct log_config *want)
{
	assert_string_or_null(got->dir, want->dir);
	for (enum field f = 0; f < F_COUNT; f++)
		assert_int_equal(field(got, f), field(want, f));
}

/* What docs/config.md promises, forward as without a dir. */
static const struct log_config log_defaults = {
	.dir = NULL,
	.max_bytes = 16 * M,
	.backups = 5,
	.timestamps = false,
	.stderr_mode = LOG_STDERR_MERGE,
	.forward = LOG_FORWARD_STDOUT,
	.rate_bytes_per_s = 0,
	.rate_burst = 0,
	.tail_bytes = 16 * K,
};

/* A log: that sets nothing is the same as no log: at all. */
static void test_defaults(void **state)
{
	static const char *const texts[] = {
		WEB(""),
		"supervisor: {}\n" WEB(""),
		"supervisor:\n  log:\n" WEB("    log:\n"),
		"supervisor: {log: {}}\n" WEB("    log: {}\n"),
		"supervisor: {log: {dir: ~, rate_limit: {}}}\n"
		WEB("    log: {forward: null, rate_limit: {burst: ~}}\n"),
	};
	struct loaded l;
	struct config *c;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
		c = expect_valid(&l, "defaults", texts[i]);
		assert_log(&c->supervisor.log, &log_defaults);
		assert_log(&c->services[0].log, &log_defaults);
		loaded_done(&l);
	}
}

/* The merged dir, and forward: it follows the merged dir unless it is
 * written somewhere; the service's written forward beats the supervisor's. */
static void test_dir_and_forward(void **state)
{
	static const struct {
		const char *text;
		const char *sup_dir, *web_dir, *api_dir;
		enum log_forward sup, web, api;
	} cases[] = {
#define STDOUT LOG_FORWARD_STDOUT
#define NONE LOG_FORWARD_NONE
		{ SUPLOG("dir: /l") WEB("") API, "/l", "/l", "/l", NONE, NONE, NONE },
		{ WEBLOG("dir: /w") API, NULL, "/w", NULL, STDOUT, NONE, STDOUT },
		{ SUPLOG("dir: /l") WEBLOG("dir: /w") API, "/l", "/w", "/l", NONE, NONE, NONE },
		/* With a dir, stdout only when asked for. */
		{ SUPLOG("dir: /l, forward: stdout") WEB("") API, "/l", "/l", "/l", STDOUT, STDOUT,
		  STDOUT },
		/* Without a dir, none only when asked for (output discarded). */
		{ SUPLOG("forward: none") WEB("") API, NULL, NULL, NULL, NONE, NONE, NONE },
		/* The supervisor's written forward beats the service's dir. */
		{ SUPLOG("forward: stdout") WEBLOG("dir: /w") API, NULL, "/w", NULL, STDOUT, STDOUT,
		  STDOUT },
		/* The service's written forward beats the supervisor's. */
		{ SUPLOG("forward: none") WEBLOG("forward: stdout") API, NULL, NULL, NULL, NONE,
		  STDOUT, NONE },
		{ SUPLOG("dir: /l, forward: stdout") WEBLOG("forward: none") API, "/l", "/l", "/l",
		  STDOUT, NONE, STDOUT },
		/* The service's forward beats the default of its own dir. */
		{ WEBLOG("dir: /w, forward: stdout") API, NULL, "/w", NULL, STDOUT, STDOUT,
		  STDOUT },
		{ WEBLOG("forward: none") API, NULL, NULL, NULL, STDOUT, NONE, STDOUT },
#undef STDOUT
#undef NONE
	};
	const struct service_config *web, *api;
	struct loaded l;
	struct config *c;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		c = expect_valid(&l, "fwd", cases[i].text);
		web = config_find_service(c, "web");
		api = config_find_service(c, "api");
		assert_string_or_null(c->supervisor.log.dir, cases[i].sup_dir);
		assert_string_or_null(web->log.dir, cases[i].web_dir);
		assert_string_or_null(api->log.dir, cases[i].api_dir);
		/* Copies of their own: config_free() frees each once. */
		assert_true(!web->log.dir || web->log.dir != c->supervisor.log.dir);
		assert_true(!api->log.dir || (api->log.dir != c->supervisor.log.dir &&
					      api->log.dir != web->log.dir));
		assert_int_equal(c->supervisor.log.forward, cases[i].sup);
		assert_int_equal(web->log.forward, cases[i].web);
		assert_int_equal(api->log.forward, cases[i].api);
		loaded_done(&l);
	}
}

#define SUP_ALL                                                                         \
	"supervisor:\n  log: {dir: /var/log/ringvisor, max_bytes: 64M, backups: 7,\n"      \
	"        timestamps: true, stderr: separate, forward: stdout, tail: 32K,\n"      \
	"        rate_limit: {bytes_per_s: 1M, burst: 4M}}\n"

static char sup_dir[] = "/var/log/ringvisor", web_dir[] = "/srv/web";

static const struct log_config sup_all = {
	.dir = sup_dir,
	.max_bytes = 64 * M,
	.backups = 7,
	.timestamps = true,
	.stderr_mode = LOG_STDERR_SEPARATE,
	.forward = LOG_FORWARD_STDOUT,
	.rate_bytes_per_s = 1 * M,
	.rate_burst = 4 * M,
	.tail_bytes = 32 * K,
};

/* Every supervisor key reaches a service that sets nothing; each service
 * key, alone, replaces that key and leaves the others as the supervisor set
 * them; the other service keeps all of the supervisor's. */
static void test_override_per_key(void **state)
{
	static const struct {
		const char *svc;
		enum field f;
		uint64_t value; /* each differs from SUP_ALL's */
	} keys[] = {
		{ "", F_COUNT, 0 }, /* nothing overridden */
		{ "max_bytes: 0", F_MAX_BYTES, 0 },
		{ "backups: 0", F_BACKUPS, 0 },
		{ "timestamps: false", F_TIMESTAMPS, false },
		{ "stderr: merge", F_STDERR, LOG_STDERR_MERGE },
		{ "forward: none", F_FORWARD, LOG_FORWARD_NONE },
		{ "rate_limit: {bytes_per_s: 2K}", F_RATE, 2 * K },
		{ "rate_limit: {burst: 1G}", F_BURST, 1 * G },
		{ "tail: 1M", F_TAIL, 1 * M },
	};
	struct log_config want;
	char text[1024];
	struct loaded l;
	struct config *c;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		const struct log_config *web;

		snprintf(text, sizeof(text), SUP_ALL WEB("    log: {%s}\n") API, keys[i].svc);
		c = expect_valid(&l, "override", text);
		assert_log(&c->supervisor.log, &sup_all);
		assert_log(&config_find_service(c, "api")->log, &sup_all);
		web = &config_find_service(c, "web")->log;
		assert_string_equal(web->dir, c->supervisor.log.dir);
		for (enum field f = 0; f < F_COUNT; f++)
			assert_int_equal(field(web, f),
					 f == keys[i].f ? keys[i].value : field(&sup_all, f));
		loaded_done(&l);
	}
	/* And the dir. */
	c = expect_valid(&l, "override_dir", SUP_ALL WEBLOG("dir: /srv/web") API);
	want = sup_all;
	want.dir = web_dir;
	assert_log(&config_find_service(c, "web")->log, &want);
	assert_log(&config_find_service(c, "api")->log, &sup_all);
	loaded_done(&l);
}

/* rate_limit's keys merge one by one. */
static void test_rate_limit_merge(void **state)
{
	static const struct {
		const char *svc;
		uint64_t rate, burst;
	} cases[] = {
		{ "rate_limit: {}", 1 * M, 4 * M },
		{ "rate_limit: {burst: 8M}", 1 * M, 8 * M },
		{ "rate_limit: {bytes_per_s: 0}", 0, 4 * M },
		{ "rate_limit: {bytes_per_s: 10K, burst: 0}", 10 * K, 0 },
	};
	struct loaded l;
	struct config *c;
	char text[256];

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		snprintf(text, sizeof(text),
			 SUPLOG("rate_limit: {bytes_per_s: 1M, burst: 4M}") WEB("    log: {%s}\n"),
			 cases[i].svc);
		c = expect_valid(&l, "rate", text);
		assert_int_equal(c->supervisor.log.rate_bytes_per_s, 1 * M);
		assert_int_equal(c->supervisor.log.rate_burst, 4 * M);
		assert_int_equal(c->services[0].log.rate_bytes_per_s, cases[i].rate);
		assert_int_equal(c->services[0].log.rate_burst, cases[i].burst);
		loaded_done(&l);
	}
}

struct bound {
	const char *key, *value; /* as written under log: */
	const char *error;       /* NULL: valid */
	enum field f;            /* valid: the field it sets, to want */
	uint64_t want;
};

/* Every key's bounds and spellings; an error is expected after the path. */
static const struct bound bounds[] = {
	{ "dir", "rel/path", "\"rel/path\" is not an absolute path", 0, 0 },
	{ "dir", "\"\"", "\"\" is not an absolute path", 0, 0 },
	{ "dir", "\"~/log\"", "\"~/log\" is not an absolute path", 0, 0 },
	{ "dir", "/var/log/../etc", "\"/var/log/../etc\" must not contain \"..\"", 0, 0 },
	{ "dir", "/var/log/..", "\"/var/log/..\" must not contain \"..\"", 0, 0 },
	{ "stderr", "separate", NULL, F_STDERR, LOG_STDERR_SEPARATE },
	{ "stderr", "both", "\"both\" is not one of merge, separate", 0, 0 },
	{ "stderr", "Merge", "\"Merge\" is not one of merge, separate", 0, 0 },
	{ "forward", "none", NULL, F_FORWARD, LOG_FORWARD_NONE },
	{ "forward", "stderr", "\"stderr\" is not one of none, stdout", 0, 0 },
	{ "forward", "true", "\"true\" is not one of none, stdout", 0, 0 },
	{ "timestamps", "true", NULL, F_TIMESTAMPS, true },
	{ "timestamps", "yes", "\"yes\" is not true or false", 0, 0 },
	{ "timestamps", "1", "\"1\" is not true or false", 0, 0 },
	{ "max_bytes", "0", NULL, F_MAX_BYTES, 0 },
	{ "max_bytes", "1", "1 is below the minimum of 4K (or 0: never rotate)", 0, 0 },
	{ "max_bytes", "4095", "4095 is below the minimum of 4K (or 0: never rotate)", 0, 0 },
	{ "max_bytes", "4K", NULL, F_MAX_BYTES, 4 * K },
	{ "max_bytes", "1T", NULL, F_MAX_BYTES, 1 * T },
	{ "max_bytes", "1099511627777", "1099511627777 exceeds the maximum of 1T", 0, 0 },
	{ "max_bytes", "1025G", "1025G exceeds the maximum of 1T", 0, 0 },
	{ "max_bytes", "99999999999999999999T", "99999999999999999999T exceeds the maximum of 1T",
	  0, 0 },
	{ "max_bytes", "16MB", "\"16MB\" is not a size", 0, 0 },
	{ "max_bytes", "-1", "\"-1\" is not a size", 0, 0 },
	{ "backups", "0", NULL, F_BACKUPS, 0 },
	{ "backups", "1000", NULL, F_BACKUPS, 1000 },
	{ "backups", "1001", "1001 exceeds the maximum of 1000", 0, 0 },
	{ "backups", "1K", "\"1K\" is not a whole number", 0, 0 },
	{ "tail", "1K", NULL, F_TAIL, 1 * K },
	{ "tail", "1023", "1023 is below the minimum of 1K", 0, 0 },
	{ "tail", "0", "0 is below the minimum of 1K", 0, 0 },
	{ "tail", "1M", NULL, F_TAIL, 1 * M },
	{ "tail", "1048577", "1048577 exceeds the maximum of 1M", 0, 0 },
	{ "tail", "2M", "2M exceeds the maximum of 1M", 0, 0 },
	{ "rate_limit.bytes_per_s", "0", NULL, F_RATE, 0 },
	{ "rate_limit.bytes_per_s", "1G", NULL, F_RATE, 1 * G },
	{ "rate_limit.bytes_per_s", "1073741825", "1073741825 exceeds the maximum of 1G", 0, 0 },
	{ "rate_limit.bytes_per_s", "1M/s", "\"1M/s\" is not a size", 0, 0 },
	{ "rate_limit.burst", "0", NULL, F_BURST, 0 },
	{ "rate_limit.burst", "1G", NULL, F_BURST, 1 * G },
	{ "rate_limit.burst", "1025M", "1025M exceeds the maximum of 1G", 0, 0 },
};

/* "rate_limit.burst: 1G" as YAML under log:, in flow style. */
static void bound_yaml(const struct bound *b, char *buf, size_t len)
{
	const char *dot = strchr(b->key, '.');

	if (dot)
		snprintf(buf, len, "%.*s: {%s: %s}", (int)(dot - b->key), b->key, dot + 1,
			 b->value);
	else
		snprintf(buf, len, "%s: %s", b->key, b->value);
}

/* Each value at both levels: it comes through, or the error names the key
 * where it was written. */
static void test_bounds(void **state)
{
	char yaml[128], text[512], needle[256];
	struct loaded l;
	struct config *c;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(bounds); i++) {
		const struct bound *b = &bounds[i];

		bound_yaml(b, yaml, sizeof(yaml));
		for (int sup = 0; sup <= 1; sup++) {
			snprintf(text, sizeof(text),
				 sup ? SUPLOG("%s") WEB("") : WEBLOG("%s"), yaml);
			if (b->error) {
				snprintf(needle, sizeof(needle), "%s.log.%s: %s",
					 sup ? "supervisor" : "services.web", b->key, b->error);
				expect_error("bound", text, needle);
				continue;
			}
			c = expect_valid(&l, "bound", text);
			assert_int_equal(field(&c->services[0].log, b->f), b->want);
			/* Set on the service: the supervisor keeps the default. */
			assert_int_equal(field(&c->supervisor.log, b->f),
					 sup ? b->want : field(&log_defaults, b->f));
			loaded_done(&l);
		}
	}
}

/* dir's other errors are in bounds[]. */
static void test_dir_length(void **state)
{
	size_t n = CONFIG_MAX_PATH + 1, used;
	struct loaded l;
	struct config *c;
	char *text;

	(void)state;
	/* ".." inside a name is not a component. */
	c = expect_valid(&l, "dir_dots", WEBLOG("dir: /var/..log/x../"));
	assert_string_equal(c->services[0].log.dir, "/var/..log/x../");
	loaded_done(&l);

	/* CONFIG_MAX_PATH bytes are allowed, one more is not (the schema). */
	text = malloc(n + 128);
	assert_non_null(text);
	used = (size_t)sprintf(text, "supervisor:\n  log:\n    dir: ");
	for (size_t i = 0; i < n; i++)
		text[used++] = i % 2 ? 'a' : '/';
	strcpy(text + used, "\n" WEB(""));
	expect_error("dir_long", text, "3:5: supervisor.log.dir: is longer than 4096 bytes");
	text[used - 1] = '\n';
	strcpy(text + used, WEB(""));
	c = expect_valid(&l, "dir_max", text);
	assert_int_equal(strlen(c->supervisor.log.dir), CONFIG_MAX_PATH);
	assert_int_equal(strlen(c->services[0].log.dir), CONFIG_MAX_PATH);
	loaded_done(&l);
	free(text);
}

static void test_unknown_and_shape(void **state)
{
	(void)state;
	expect_error("unk_svc", WEB("    log:\n      dir: /l\n      size: 1M\n"),
		     "6:7: services.web.log.size: unknown key");
	expect_error("unk_sup", "supervisor:\n  log: {max_size: 1M}\n" WEB(""),
		     "2:9: supervisor.log.max_size: unknown key");
	expect_error("unk_rate", WEBLOG("rate_limit: {bytes: 1M}"),
		     "services.web.log.rate_limit.bytes: unknown key");
	/* stderr_mode is the C name, not a key. */
	expect_error("unk_c_name", WEBLOG("stderr_mode: merge"), "log.stderr_mode: unknown key");
	/* rate_limit's keys belong under rate_limit. */
	expect_error("unk_burst", WEBLOG("burst: 1M"), "services.web.log.burst: unknown key");
	expect_error("unk_log_top", WEB("") "log: {dir: /l}\n", "log: unknown key");
	expect_error("dup_log", WEB("    log:\n      tail: 1K\n      tail: 2K\n"),
		     "6:7: services.web.log.tail: duplicate key");
	expect_error("log_list", WEB("    log: [/var/log]\n"),
		     "services.web.log: expected a mapping, not a list");
	expect_error("log_scalar", "supervisor:\n  log: /var/log\n" WEB(""),
		     "supervisor.log: expected a mapping, not a single value");
	expect_error("rate_scalar", WEBLOG("rate_limit: 1M"),
		     "services.web.log.rate_limit: expected a mapping, not a single value");
	expect_error("tail_list", WEBLOG("tail: [1K]"),
		     "services.web.log.tail: expected a single value, not a list");
}

/* Every bad value in one run, each once, where it was written: a bad
 * supervisor value is not repeated for each service that inherits it. */
static void test_all_errors_at_once(void **state)
{
	static const char *const want[] = {
		"supervisor.log.dir: \"rel\" is not an absolute path",
		"supervisor.log.max_bytes: 4095 is below the minimum of 4K",
		"supervisor.log.rate_limit.burst: 2G exceeds the maximum of 1G",
		"services.web.log.backups: 1001 exceeds the maximum of 1000",
		"services.web.log.timestamps: \"no\" is not true or false",
		"services.web.log.stderr: \"both\" is not one of merge, separate",
		"services.web.log.forward: \"stderr\" is not one of none, stdout",
		"services.web.log.rate_limit.bytes_per_s: 2G exceeds the maximum of 1G",
		"services.web.log.tail: 512 is below the minimum of 1K",
		"services.api.log.dir: \"/a/../b\" must not contain \"..\"",
	};
	struct loaded l;

	(void)state;
	expect_errors(&l, "all",
		      "supervisor:\n  log: {dir: rel, max_bytes: 4095, rate_limit: {burst: 2G}}\n"
		      WEBLOG("backups: 1001, timestamps: no, stderr: both, forward: stderr,\n"
			     "           rate_limit: {bytes_per_s: 2G}, tail: 512")
		      API "    log: {dir: /a/../b}\n"
		      "  db:\n    command: [/bin/true]\n",
		      want, ELEMENTSOF(want));
	loaded_done(&l);
}

static void test_example_config(void **state)
{
	struct log_config want = log_defaults;
	struct loaded l;
	struct config *c;

	(void)state;
	c = load_example(&l);
	want.dir = sup_dir;
	want.forward = LOG_FORWARD_NONE;
	assert_log(&c->supervisor.log, &want);
	assert_log(&config_find_service(c, "worker")->log, &want);
	want.max_bytes = 64 * M;
	want.stderr_mode = LOG_STDERR_SEPARATE;
	assert_log(&config_find_service(c, "web")->log, &want);
	loaded_done(&l);
}

/* config_test_util.h's harness: every allocation of each load fails in
 * turn; nothing leaks, the copied dirs included (skipped under ASan). */
static void test_allocation_failures(void **state)
{
	(void)state;
	check_allocation_failures("oom_valid", SUP_ALL WEBLOG("dir: /srv/web, tail: 1M")
					       API "  db:\n    command: [/bin/true]\n");
	check_allocation_failures("oom_invalid",
				  SUPLOG("dir: /l, tail: 0") WEBLOG("dir: x, stderr: x") API);
	check_allocation_failures("oom_unknown", WEBLOG("dir: /l, bogus: 1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_dir_and_forward),
		cmocka_unit_test(test_override_per_key),
		cmocka_unit_test(test_rate_limit_merge),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_dir_length),
		cmocka_unit_test(test_unknown_and_shape),
		cmocka_unit_test(test_all_errors_at_once),
		cmocka_unit_test(test_example_config),
		cmocka_unit_test(test_allocation_failures),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
