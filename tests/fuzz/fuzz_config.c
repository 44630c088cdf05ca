/* SPDX-License-Identifier: MIT */
/*
 * fuzz_config.c: config_load() (daemon/config/) on arbitrary file contents.
 *
 * The bytes are the whole config file: they are written to a memfd and
 * loaded through its /proc/self/fd/N path, so the real read path (open,
 * fstat, bounded read) runs, then the rewrite (libyaml), the schema
 * (libcyaml) and validation.
 *
 * Checks, beyond the sanitizers and the leak checker (everything returned
 * is freed with config_free() and config_errors_done()):
 *  - either a config comes back (r == 0, no error lines) or none does
 *    (r < 0, *ret untouched) with at least one error line;
 *  - the error list is bounded: at most CONFIG_MAX_ERRORS lines, the rest
 *    counted in `dropped`; each line is "FILE: ...", one line (no '\n'),
 *    of bounded length whatever the input;
 *  - a config that loads honours the bounds of config.h: 1..MAX_SERVICES
 *    services with valid, distinct names, argv/env NULL-terminated and
 *    within their counts, instances and their total within bounds, backoff
 *    and timeouts within theirs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config_errors.h"
#include "fuzz_check.h"

/* An error line: the file name, ": ", a key path (CONFIG_PATH_MAX) and a
 * message of a few hundred bytes, values shown cut to CONFIG_PATH_PART_MAX.
 * Four key paths' worth is far above any legitimate line. */
#define ERROR_LINE_MAX (4 * CONFIG_PATH_MAX)

static int memfd = -1;
static char path[64];

static void write_all(const uint8_t *data, size_t size)
{
	CHECK(ftruncate(memfd, 0) == 0);
	for (size_t off = 0; off < size;) {
		ssize_t n = pwrite(memfd, data + off, size - off, (off_t)off);
		CHECK(n > 0);
		off += (size_t)n;
	}
}

static bool name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= CONFIG_MAX_NAME_LEN &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static void check_service(const struct service_config *s)
{
	CHECK(name_ok(s->name));
	CHECK(s->argv && s->argc >= 1 && s->argc <= CONFIG_MAX_ARGV && !s->argv[s->argc]);
	for (size_t i = 0; i < s->argc; i++)
		CHECK(s->argv[i] && strlen(s->argv[i]) <= CONFIG_MAX_ARG_LEN);
	CHECK(s->argv[0][0] != '\0');
	CHECK(s->instances >= 1 && s->instances <= CONFIG_MAX_INSTANCES);
	CHECK(s->n_env <= CONFIG_MAX_ENV && (!s->env || !s->env[s->n_env]));
	for (size_t i = 0; i < s->n_env; i++)
		CHECK(s->env[i] && strchr(s->env[i], '=') && s->env[i][0] != '=');
	CHECK(!s->cwd || s->cwd[0] == '/');
	CHECK(s->n_caps <= CONFIG_MAX_CAPS && (s->n_caps == 0 || s->caps));
	CHECK(s->restart.policy >= 0 && s->restart.policy < _RESTART_POLICY_MAX);
	CHECK(s->restart.backoff_initial_ms <= s->restart.backoff_max_ms);
	CHECK(s->restart.backoff_max_ms <= CONFIG_MAX_TIMEOUT_MS);
	CHECK(s->restart.reset_after_ms <= CONFIG_MAX_TIMEOUT_MS);
	CHECK(s->restart.half_open_after_ms <= CONFIG_MAX_TIMEOUT_MS);
	CHECK(s->restart.window_ms <= CONFIG_MAX_WINDOW_MS);
	CHECK(s->restart.max_restarts <= CONFIG_MAX_RESTARTS);
	CHECK(s->stop.signal > 0 && s->stop.timeout_ms <= CONFIG_MAX_TIMEOUT_MS);
	CHECK(s->nofile <= CONFIG_MAX_NOFILE);
	CHECK(s->limits.n_io_max <= CONFIG_MAX_IO_RULES);
	CHECK(s->limits.memory_max <= CONFIG_MAX_MEMORY && s->limits.memory_high <= CONFIG_MAX_MEMORY);
	CHECK(s->limits.pids_max <= CONFIG_MAX_PIDS);
	CHECK(s->limits.cpu_weight <= CONFIG_MAX_CPU_WEIGHT);
	CHECK(s->leak.window_ms <= CONFIG_MAX_LEAK_WINDOW_MS);
	CHECK(!s->log.dir || s->log.dir[0] == '/');
	CHECK(s->log.backups <= CONFIG_MAX_LOG_BACKUPS);
}

static void check_config(const struct config *c)
{
	uint64_t total = 0;

	CHECK(c->path && strcmp(c->path, path) == 0);
	CHECK(c->n_services >= 1 && c->n_services <= CONFIG_MAX_SERVICES && c->services);
	for (size_t i = 0; i < c->n_services; i++) {
		check_service(&c->services[i]);
		total += c->services[i].instances;
		CHECK(config_find_service(c, c->services[i].name) == &c->services[i]);
	}
	CHECK(total == c->total_instances && total <= CONFIG_MAX_INSTANCES_TOTAL);
	CHECK(c->supervisor.shutdown_timeout_ms <= CONFIG_MAX_TIMEOUT_MS);
	CHECK(!c->supervisor.state_dir || c->supervisor.state_dir[0] == '/');
}

static void check_errors(const struct config_errors *e)
{
	size_t plen = strlen(path);

	CHECK(e->n + e->dropped >= 1);
	CHECK(e->n <= CONFIG_MAX_ERRORS);
	CHECK(e->dropped == 0 || e->n == CONFIG_MAX_ERRORS);
	for (size_t i = 0; i < e->n; i++) {
		const char *l = e->lines[i];
		CHECK(l);
		const struct config_mark *m = &e->notes[i].mark;
		char where[48];

		/* "FILE: " or "FILE:LINE:COL: ", the position the note's own. */
		snprintf(where, sizeof(where), m->line ? ":%zu:%zu: " : ": ", m->line, m->column);
		CHECK(strncmp(l, path, plen) == 0 && strncmp(l + plen, where, strlen(where)) == 0);
		CHECK(!m->line == !m->column && e->notes[i].message);
		CHECK(strlen(l) <= plen + ERROR_LINE_MAX);
		if (strchr(l, '\n'))
			fprintf(stderr, "error line with a newline: %s\n", l);
		CHECK(!strchr(l, '\n'));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors errs = { .n = 0 };
	struct config *c = NULL;
	int r;

	/* The file content is bounded by config_load() itself; larger inputs
	 * than that are only a slower -EFBIG. */
	if (size > CONFIG_MAX_FILE_SIZE + 1)
		return -1;
	if (memfd < 0) {
		memfd = memfd_create("fuzz_config.yaml", MFD_CLOEXEC);
		CHECK(memfd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	}
	write_all(data, size);

	r = config_load(path, &c, &errs);
	CHECK(r <= 0);
	if (r == 0) {
		CHECK(c);
		CHECK(errs.n == 0 && errs.dropped == 0);
		check_config(c);
	} else {
		CHECK(!c);
		check_errors(&errs);
	}
	config_free(c);
	config_errors_done(&errs);
	CHECK(errs.n == 0);
	return 0;
}
