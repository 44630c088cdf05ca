/* SPDX-License-Identifier: MIT */
/*
 * config_log.c: the log keys of struct raw_config, validated and merged.
 *
 * supervisor.log and services.NAME.log take the same keys (dir, max_bytes,
 * backups, timestamps, stderr, forward, rate_limit.{bytes_per_s,burst},
 * tail). The supervisor's are the defaults of every service; a service's
 * override them key by key, rate_limit's two keys each on its own, and
 * service_config.log is the result. What the keys do is in docs/logs.md.
 *
 * Part of config_validate(): a bad value is recorded under the path where it
 * is written (supervisor.log.X or services.NAME.log.X), once, and the value
 * underneath (the default, or the supervisor's) stays in its place.
 *
 * forward's default depends on the merged dir: without a dir the output has
 * nowhere else to go, so it is `stdout`; with one it is `none`. A forward
 * written at either level wins over that, the service's over the
 * supervisor's. supervisor_config.log.forward holds what a service that
 * sets nothing gets.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config_log.h"

static const struct log_config log_defaults = {
	.dir = NULL,
	.max_bytes = 16ULL << 20,
	.backups = 5,
	.timestamps = false,
	.stderr_mode = LOG_STDERR_MERGE,
	.forward = LOG_FORWARD_STDOUT, /* see default_forward() */
	.rate_bytes_per_s = 0,
	.rate_burst = 0,
	.tail_bytes = 16ULL << 10,
};

static enum log_forward default_forward(const char *dir)
{
	return dir ? LOG_FORWARD_NONE : LOG_FORWARD_STDOUT;
}

/* 0 (never rotate) or CONFIG_MIN_LOG_MAX_BYTES..CONFIG_MAX_LOG_MAX_BYTES:
 * a file smaller than a page would rotate on every few lines. */
static void check_max_bytes(struct config_vctx *v, const char *s, uint64_t *ret)
{
	struct config_shown b;
	char min[32];
	uint64_t n = 0;

	if (config_check_size(v, "log.max_bytes", s, 0, CONFIG_MAX_LOG_MAX_BYTES, &n) <= 0)
		return;
	if (n == 0 || n >= CONFIG_MIN_LOG_MAX_BYTES) {
		*ret = n;
		return;
	}
	config_format_size(CONFIG_MIN_LOG_MAX_BYTES, min, sizeof(min));
	config_verr(v, "log.max_bytes", "%s is below the minimum of %s (or 0: never rotate)",
		    config_show(&b, s), min);
}

static void check_rate_limit(struct config_vctx *v, const struct raw_rate_limit *rr,
			     struct log_config *lc)
{
	if (!rr)
		return;
	config_check_size(v, "log.rate_limit.bytes_per_s", rr->bytes_per_s, 0, CONFIG_MAX_LOG_RATE,
			  &lc->rate_bytes_per_s);
	config_check_size(v, "log.rate_limit.burst", rr->burst, 0, CONFIG_MAX_LOG_RATE,
			  &lc->rate_burst);
}

/* The keys rl sets, over what lc holds. lc->dir must be NULL on entry (an
 * inherited dir is copied by the caller afterwards): a valid dir becomes a
 * copy of its own. *ret_forward: forward was set, and valid. 0 or -ENOMEM. */
static int apply_log(struct config_vctx *v, const struct raw_log *rl, struct log_config *lc,
		     bool *ret_forward)
{
	static const char *const stderr_modes[] = {
		[LOG_STDERR_MERGE] = "merge",
		[LOG_STDERR_SEPARATE] = "separate",
	};
	static const char *const forwards[] = {
		[LOG_FORWARD_NONE] = "none",
		[LOG_FORWARD_STDOUT] = "stdout",
	};
	int mode = (int)lc->stderr_mode, forward = -1;
	uint64_t n = 0;

	*ret_forward = false;
	if (!rl)
		return 0;
	if (config_check_path(v, "log.dir", rl->dir, &lc->dir) == -ENOMEM)
		return -ENOMEM;
	check_max_bytes(v, rl->max_bytes, &lc->max_bytes);
	if (config_check_count(v, "log.backups", rl->backups, 0, CONFIG_MAX_LOG_BACKUPS, &n) > 0)
		lc->backups = (uint32_t)n;
	config_check_bool(v, "log.timestamps", rl->timestamps, &lc->timestamps);
	config_check_choice(v, "log.stderr", rl->stderr_mode, stderr_modes,
			    ELEMENTSOF(stderr_modes), &mode);
	lc->stderr_mode = (enum log_stderr_mode)mode;
	config_check_choice(v, "log.forward", rl->forward, forwards, ELEMENTSOF(forwards),
			    &forward);
	if (forward >= 0) {
		lc->forward = (enum log_forward)forward;
		*ret_forward = true;
	}
	check_rate_limit(v, rl->rate_limit, lc);
	config_check_size(v, "log.tail", rl->tail, CONFIG_MIN_LOG_TAIL, CONFIG_MAX_LOG_TAIL,
			  &lc->tail_bytes);
	return 0;
}

int config_validate_supervisor_log(struct config_vctx *v, const struct raw_supervisor *rs,
				   struct supervisor_config *sc)
{
	bool forward;
	int r;

	sc->log = log_defaults;
	r = apply_log(v, rs ? rs->log : NULL, &sc->log, &forward);
	if (r < 0)
		return r;
	if (!forward)
		sc->log.forward = default_forward(sc->log.dir);
	return 0;
}

int config_validate_service_log(struct config_vctx *v, const struct raw_supervisor *rsup,
				const struct supervisor_config *sc, const struct raw_service *rs,
				struct service_config *s)
{
	/* Written, not necessarily valid: an invalid one fails the load anyway. */
	bool sup_forward = rsup && rsup->log && rsup->log->forward, forward;
	int r;

	s->log = sc->log;
	s->log.dir = NULL; /* sc owns its copy */
	r = apply_log(v, rs->log, &s->log, &forward);
	if (r < 0)
		return r;
	if (!s->log.dir && config_dup_str(&s->log.dir, sc->log.dir) < 0)
		return -ENOMEM;
	if (!forward && !sup_forward)
		s->log.forward = default_forward(s->log.dir);
	return 0;
}
