/* SPDX-License-Identifier: MIT */
/*
 * config_limits.c: the resource keys of struct raw_config, validated.
 *
 * A service's `limits:` (nofile and the cgroup limits memory_*, pids_max,
 * cpu_max, cpu_weight, io_max), memory_oom_group and on_violation; the
 * supervisor's cgroup_root and strict_limits. Part of config_validate(): the
 * same rules apply, a bad value is recorded and its default stays in place.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/units.h"
#include "config/config_limits.h"

#define CPU_MAX_HINT "a percentage (\"50%\") or a quota/period (\"20ms/100ms\")"
#define CPU_PERIOD_DEFAULT_US 100000
#define IO_LIMIT_HINT "rbps=N, wbps=N, riops=N or wiops=N (N a whole number or max)"

/* A memory size, min..CONFIG_MAX_MEMORY; returns as config_check_count(). */
static int check_size(struct config_vctx *v, const char *key, const char *s, uint64_t min,
		      uint64_t *ret)
{
	return config_check_size(v, key, s, min, CONFIG_MAX_MEMORY, ret);
}

/* "50%": of the default period. false when s is not a percentage at all. */
static bool cpu_max_percent(struct config_vctx *v, const char *s, size_t n,
			    struct limits_config *l)
{
	struct config_shown b;
	char num[48];
	uint64_t q = 0;
	int r;

	snprintf(num, sizeof(num), "%.*s", (int)(n - 1), s);
	r = config_parse_uint(num, &q);
	if (r == -EINVAL)
		return false;
	if (r == -ERANGE || q > CONFIG_MAX_CPU_PERCENT)
		config_verr(v, "limits.cpu_max", "%s exceeds the maximum of %d%%",
			    config_show(&b, s), CONFIG_MAX_CPU_PERCENT);
	else if (q == 0)
		config_verr(v, "limits.cpu_max", "%s is below the minimum of 1%%",
			    config_show(&b, s));
	else {
		l->cpu_period_us = CPU_PERIOD_DEFAULT_US;
		l->cpu_quota_us = q * CPU_PERIOD_DEFAULT_US / 100;
	}
	return true;
}

/* "50%" or "20ms/100ms" (quota/period). */
static void validate_cpu_max(struct config_vctx *v, const char *s, struct limits_config *l)
{
	const uint64_t min_ms = CONFIG_MIN_CPU_PERIOD_US / USEC_PER_MSEC;
	const uint64_t max_ms = CONFIG_MAX_CPU_PERIOD_US / USEC_PER_MSEC;
	char num[48], period[48];
	size_t n = s ? strlen(s) : 0, cut = s ? strcspn(s, "/") : 0;
	struct config_shown b;
	uint64_t q = 0, p = 0;
	int rq, rp;

	if (!s)
		return;
	if (n >= sizeof(num) || n < 2) /* the schema allows 32 */
		goto bad;
	if (s[n - 1] == '%' && cut == n) {
		if (!cpu_max_percent(v, s, n, l))
			goto bad;
		return;
	}
	if (cut == n)
		goto bad;
	snprintf(num, sizeof(num), "%.*s", (int)cut, s);
	snprintf(period, sizeof(period), "%s", s + cut + 1);
	rq = parse_duration_ms(num, &q);
	rp = parse_duration_ms(period, &p);
	if (rq == -EINVAL || rp == -EINVAL)
		goto bad;
	if (rp == -ERANGE || p > max_ms)
		config_verr(v, "limits.cpu_max", "the period %s exceeds the maximum of 1s",
			    config_show(&b, period));
	else if (p < min_ms)
		config_verr(v, "limits.cpu_max", "the period %s is below the minimum of 1ms",
			    config_show(&b, period));
	else if (rq == -ERANGE || q > p * (CONFIG_MAX_CPU_PERCENT / 100))
		config_verr(v, "limits.cpu_max",
			    "the quota %s is more than %d times the period (%d%%)",
			    config_show(&b, num), CONFIG_MAX_CPU_PERCENT / 100,
			    CONFIG_MAX_CPU_PERCENT);
	else if (q < min_ms)
		config_verr(v, "limits.cpu_max", "the quota %s is below the minimum of 1ms",
			    config_show(&b, num));
	else {
		l->cpu_quota_us = q * USEC_PER_MSEC;
		l->cpu_period_us = p * USEC_PER_MSEC;
	}
	return;
bad:
	config_verr(v, "limits.cpu_max", "\"%s\" is not %s", config_show(&b, s), CPU_MAX_HINT);
}

/* "MAJ:MIN", both decimal, as the kernel's io.max reads them. */
static bool parse_dev(const char *t, uint64_t *ret_major, uint64_t *ret_minor)
{
	char major[24];
	size_t n = strcspn(t, ":");

	if (t[n] != ':' || n >= sizeof(major))
		return false;
	snprintf(major, sizeof(major), "%.*s", (int)n, t);
	return config_parse_uint(major, ret_major) == 0 && *ret_major <= UINT32_MAX &&
	       config_parse_uint(t + n + 1, ret_minor) == 0 && *ret_minor <= UINT32_MAX;
}

/* "rbps=N" and the like: its bit in *seen, or -EINVAL, -EEXIST. */
static int parse_io_limit(const char *t, unsigned *seen)
{
	static const char *const keys[] = { "rbps", "wbps", "riops", "wiops" };
	size_t n = strcspn(t, "=");
	uint64_t val;

	if (t[n] != '=' ||
	    (strcmp(t + n + 1, "max") != 0 && config_parse_uint(t + n + 1, &val) < 0))
		return -EINVAL;
	for (unsigned i = 0; i < ELEMENTSOF(keys); i++)
		if (strlen(keys[i]) == n && strncmp(t, keys[i], n) == 0) {
			if (*seen & (1U << i))
				return -EEXIST;
			*seen |= 1U << i;
			return 0;
		}
	return -EINVAL;
}

struct io_dev {
	uint64_t major, minor;
	size_t index; /* in io_max */
};

/* One io_max rule, written to out (strlen(rule) + 1 bytes) with single
 * spaces. devs[0..n_devs) are the devices of the valid rules before it, its
 * own goes to devs[n_devs]. One rule per device: the kernel would merge two,
 * and status shows the first one only. */
static bool check_io_rule(struct config_vctx *v, const char *key, const char *rule, char *out,
			  struct io_dev *devs, size_t n_devs)
{
	struct io_dev *d = &devs[n_devs];
	struct config_shown b;
	unsigned seen = 0, n_tok = 0;
	char tok[CONFIG_IO_RULE_LEN_MAX + 1];
	int r;

	out[0] = '\0';
	if (strlen(rule) >= sizeof(tok)) { /* the schema's bound */
		config_verr(v, key, "is longer than %d bytes", CONFIG_IO_RULE_LEN_MAX);
		return false;
	}
	for (const char *p = rule + strspn(rule, " \t"); *p; p += strspn(p, " \t"), n_tok++) {
		size_t n = strcspn(p, " \t");

		snprintf(tok, sizeof(tok), "%.*s", (int)n, p);
		p += n;
		if (n_tok == 0 && !parse_dev(tok, &d->major, &d->minor)) {
			config_verr(v, key, "\"%s\" is not a device number MAJ:MIN, e.g. 8:0",
				    config_show(&b, tok));
			return false;
		}
		r = n_tok == 0 ? 0 : parse_io_limit(tok, &seen);
		if (r < 0) {
			config_verr(v, key, r == -EEXIST ? "\"%s\": that limit is already set" :
				    "\"%s\" is not " IO_LIMIT_HINT, config_show(&b, tok));
			return false;
		}
		strcat(strcat(out, n_tok ? " " : ""), tok);
	}
	if (n_tok == 0) {
		config_verr(v, key, "is empty: write \"MAJ:MIN\" and one or more of " IO_LIMIT_HINT);
		return false;
	}
	if (seen == 0) {
		config_verr(v, key, "\"%s\" sets no limit: add one or more of " IO_LIMIT_HINT,
			    config_show(&b, rule));
		return false;
	}
	for (size_t i = 0; i < n_devs; i++)
		if (devs[i].major == d->major && devs[i].minor == d->minor) {
			config_verr(v, key,
				    "device %" PRIu64 ":%" PRIu64 " already has a rule in io_max[%zu]",
				    d->major, d->minor, devs[i].index);
			return false;
		}
	return true;
}

static int validate_io_max(struct config_vctx *v, const struct raw_limits *rl,
			   struct limits_config *l)
{
	struct io_dev devs[CONFIG_MAX_IO_RULES];

	if (rl->n_io_max == 0)
		return 0;
	l->io_max = calloc((size_t)rl->n_io_max + 1, sizeof(char *));
	if (!l->io_max)
		return -ENOMEM;
	for (size_t i = 0; i < rl->n_io_max && i < CONFIG_MAX_IO_RULES; i++) {
		_cleanup_free_ char *out = malloc(strlen(rl->io_max[i]) + 1);
		char key[32];

		if (!out)
			return -ENOMEM;
		snprintf(key, sizeof(key), "limits.io_max[%zu]", i);
		devs[l->n_io_max].index = i;
		if (check_io_rule(v, key, rl->io_max[i], out, devs, l->n_io_max))
			l->io_max[l->n_io_max++] = TAKE_PTR(out);
	}
	return 0;
}

static int validate_limits(struct config_vctx *v, const struct raw_limits *rl,
			   struct service_config *s)
{
	struct limits_config *l = &s->limits;
	char t1[32], t2[32];
	uint64_t n = 0;
	int a, b;

	l->cpu_period_us = CPU_PERIOD_DEFAULT_US;
	if (!rl)
		return 0;
	if (config_check_count(v, "limits.nofile", rl->nofile, 1, CONFIG_MAX_NOFILE, &n) > 0)
		s->nofile = n;
	a = check_size(v, "limits.memory_max", rl->memory_max, 1, &l->memory_max);
	b = check_size(v, "limits.memory_high", rl->memory_high, 1, &l->memory_high);
	if (a > 0 && b > 0 && l->memory_high > l->memory_max)
		config_verr(v, "limits.memory_high", "%s is above memory_max (%s)",
			    config_format_size(l->memory_high, t1, sizeof(t1)),
			    config_format_size(l->memory_max, t2, sizeof(t2)));
	if (check_size(v, "limits.memory_swap_max", rl->memory_swap_max, 0,
		       &l->memory_swap_max) > 0)
		l->has_memory_swap_max = true;
	config_check_count(v, "limits.pids_max", rl->pids_max, 1, CONFIG_MAX_PIDS, &l->pids_max);
	validate_cpu_max(v, rl->cpu_max, l);
	if (config_check_count(v, "limits.cpu_weight", rl->cpu_weight, 1, CONFIG_MAX_CPU_WEIGHT,
			       &n) > 0)
		l->cpu_weight = (uint32_t)n;
	return validate_io_max(v, rl, l);
}

static void validate_violation(struct config_vctx *v, const struct raw_violation *rv,
			       struct violation_config *vc)
{
	static const enum violation_action oom[] = { VIOLATION_RESTART, VIOLATION_STOP, VIOLATION_IGNORE };
	static const enum violation_action pids[] = { VIOLATION_LOG, VIOLATION_RESTART, VIOLATION_STOP,
						      VIOLATION_FREEZE };
	static const enum violation_action memhigh[] = { VIOLATION_LOG, VIOLATION_FREEZE, VIOLATION_RESTART };

	*vc = (struct violation_config){ .oom = VIOLATION_RESTART, .pids = VIOLATION_LOG,
					 .memory_high = VIOLATION_LOG, .leak = VIOLATION_LOG };
	if (!rv)
		return;
	config_check_action(v, "on_violation.oom", rv->oom, oom, ELEMENTSOF(oom), &vc->oom);
	config_check_action(v, "on_violation.pids", rv->pids, pids, ELEMENTSOF(pids), &vc->pids);
	config_check_action(v, "on_violation.memory_high", rv->memory_high, memhigh,
			    ELEMENTSOF(memhigh), &vc->memory_high);
}

int config_validate_service_limits(struct config_vctx *v, const struct raw_service *rs,
				   struct service_config *s)
{
	int r;

	r = validate_limits(v, rs->limits, s);
	if (r < 0)
		return r;
	s->limits.memory_oom_group = true;
	config_check_bool(v, "memory_oom_group", rs->memory_oom_group,
			  &s->limits.memory_oom_group);
	validate_violation(v, rs->on_violation, &s->on_violation);
	return 0;
}

/* auto (stored as NULL), none, or an absolute path without "..". */
static int validate_cgroup_root(struct config_vctx *v, const char *s, char **ret)
{
	struct config_shown b;

	if (!s || strcmp(s, "auto") == 0)
		return 0;
	if (strcmp(s, "none") != 0 && s[0] != '/') {
		config_verr(v, "cgroup_root", "\"%s\" is not auto, none or an absolute path",
			    config_show(&b, s));
		return 0;
	}
	for (const char *p = s; *p; p += strspn(p, "/")) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			config_verr(v, "cgroup_root", "\"%s\" must not contain \"..\"",
				    config_show(&b, s));
			return 0;
		}
		p += n;
	}
	return config_dup_str(ret, s);
}

int config_validate_supervisor_limits(struct config_vctx *v, const struct raw_supervisor *rs,
				      struct supervisor_config *sc)
{
	int r;

	r = validate_cgroup_root(v, rs->cgroup_root, &sc->cgroup_root);
	if (r < 0)
		return r;
	config_check_bool(v, "strict_limits", rs->strict_limits, &sc->strict_limits);
	config_check_bool(v, "children_die_with_daemon", rs->children_die_with_daemon,
			  &sc->children_die_with_daemon);
	return 0;
}
