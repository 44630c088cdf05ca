/* SPDX-License-Identifier: MIT */
/*
 * config_metrics.c: supervisor.metrics, validated. Part of
 * config_validate(): a bad entry is recorded and left out, the others
 * still checked, so one run of `check` names every bad one.
 */
#include <stdio.h>
#include <string.h>

#include "config/config_metrics.h"
#include "config/config_raw.h"

#define UNIX_PREFIX "unix:"
#define KEY "metrics.listen"

static void check_unix(struct config_vctx *v, const char *path, struct metrics_listen_config *ret,
		       bool *ok)
{
	struct config_shown b;

	*ok = false;
	if (path[0] != '/')
		config_verr(v, KEY, "\"%s\": a unix socket needs an absolute path, e.g. "
			    "unix:/run/ringvisor/metrics.sock", config_show(&b, path));
	else if (strlen(path) > CONFIG_UNIX_PATH_MAX)
		config_verr(v, KEY, "\"%s\" is %zu bytes long, a unix socket path holds at most %d",
			    config_show(&b, path), strlen(path), CONFIG_UNIX_PATH_MAX);
	else if (strstr(path, "/../") || (strlen(path) >= 3 && !strcmp(path + strlen(path) - 3, "/..")))
		config_verr(v, KEY, "\"%s\": no \"..\" in the path", config_show(&b, path));
	else {
		ret->is_unix = true;
		snprintf(ret->path, sizeof(ret->path), "%s", path);
		*ok = true;
	}
}

static bool same_listener(const struct metrics_listen_config *a, const struct metrics_listen_config *b)
{
	return a->is_unix == b->is_unix &&
	       (a->is_unix ? !strcmp(a->path, b->path) : !strcmp(a->addr.text, b->addr.text));
}

/* One entry; true when it is good (and not a repeat of an earlier one). */
static bool check_entry(struct config_vctx *v, const char *s, const struct metrics_config *m,
			struct metrics_listen_config *ret)
{
	char err[256];
	struct config_shown b;
	bool ok;

	*ret = (struct metrics_listen_config){ 0 };
	if (!strncmp(s, UNIX_PREFIX, strlen(UNIX_PREFIX)))
		check_unix(v, s + strlen(UNIX_PREFIX), ret, &ok);
	else if (netaddr_parse_hostport(s, &ret->addr, err, sizeof(err)) < 0) {
		config_verr(v, KEY, "%s (a listener is \"unix:/PATH\" or \"HOST:PORT\", e.g. "
			    "127.0.0.1:9464)", err);
		ok = false;
	} else
		ok = true;
	for (size_t i = 0; ok && i < m->n_listen; i++)
		if (same_listener(&m->listen[i], ret)) {
			config_verr(v, KEY, "\"%s\" is listed twice", config_show(&b, s));
			ok = false;
		}
	return ok;
}

void config_validate_supervisor_metrics(struct config_vctx *v, const struct raw_supervisor *rs,
					struct supervisor_config *sc)
{
	struct metrics_config *m = &sc->metrics;

	m->n_listen = 0;
	if (!rs || !rs->metrics || !rs->metrics->listen)
		return;
	if (rs->metrics->n_listen > CONFIG_METRICS_LISTEN_MAX) {
		config_verr(v, KEY, "%u listeners, at most %d", rs->metrics->n_listen,
			    CONFIG_METRICS_LISTEN_MAX);
		return;
	}
	for (unsigned i = 0; i < rs->metrics->n_listen; i++)
		if (check_entry(v, rs->metrics->listen[i], m, &m->listen[m->n_listen]))
			m->n_listen++;
}

bool config_metrics_equal(const struct metrics_config *a, const struct metrics_config *b)
{
	if (a->n_listen != b->n_listen)
		return false;
	for (size_t i = 0; i < a->n_listen; i++)
		if (!same_listener(&a->listen[i], &b->listen[i]))
			return false;
	return true;
}

const char *config_metrics_listen_text(const struct metrics_listen_config *l)
{
	static char buf[sizeof(UNIX_PREFIX) + CONFIG_UNIX_PATH_MAX + 1];

	if (!l->is_unix)
		return l->addr.text;
	snprintf(buf, sizeof(buf), UNIX_PREFIX "%s", l->path);
	return buf;
}
