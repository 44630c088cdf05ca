/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "policy/limits.h"
#include "policy/supervisor_cgroup.h"

static void report_leftover(const char *svc, const char *idx, unsigned npids, int error, void *ud)
{
	(void)ud;
	if (error < 0) {
		log_error_errno(error, "leftover cgroup services/%s/%s from a previous run (%u processes) "
				"could not be killed and removed", svc, idx, npids);
		return;
	}
	log_warn("leftover cgroup services/%s/%s from a previous run held %u processes: killed",
		 svc, idx, npids);
	log_event("leftover-killed", svc, atoi(idx), LOG_NUM("processes", npids), NULL);
}

static void disable(struct supervisor_cgroup *sc, const char *fmt, const char *arg, int err)
{
	snprintf(sc->reason, sizeof(sc->reason), fmt, arg, strerror(-err));
	log_warn("running without cgroups: %s", sc->reason);
	cgroup_root_done(&sc->root);
}

static void log_root(const struct cgroup_root *root)
{
	char ctrl[64] = "";
	for (unsigned bit = 1; bit <= CGROUP_CTRL_IO; bit <<= 1)
		if (root->controllers & bit)
			snprintf(ctrl + strlen(ctrl), sizeof(ctrl) - strlen(ctrl), "%s%s",
				 ctrl[0] ? "," : "", cgroup_controller_name(bit));
	log_event("cgroups", NULL, -1, "root", root->path, "controllers", ctrl[0] ? ctrl : "none",
		  "kill", root->has_kill ? "cgroup.kill" : "freeze+kill", NULL);
}

/* The root opened and entered, or 0 with cgroups off (sc->reason says why). */
static int open_root(struct supervisor_cgroup *sc, const char *opt, bool kill_fallback, cgroup_sweep_keep_fn keep,
		     void *keep_ud)
{
	char mnt[512];
	int r;

	if (opt && !strcmp(opt, "none")) {
		snprintf(sc->reason, sizeof(sc->reason), "cgroup_root is none");
		log_info("cgroups disabled by cgroup_root: none");
		return 0;
	}
	if (cgroup2_mount_point(mnt, sizeof(mnt)) < 0) {
		snprintf(sc->reason, sizeof(sc->reason), "cgroup2 is not mounted");
		log_warn("running without cgroups: cgroup2 is not mounted");
		return 0;
	}
	r = cgroup_root_open(opt && strcmp(opt, "auto") ? opt : NULL, &sc->root);
	if (r == -EBUSY)
		return log_error_errno(r, "cgroup root %s is used by another running ringvisor; "
				       "give this one its own supervisor.cgroup_root (or --cgroup-root)",
				       opt ? opt : "(auto)");
	if (r == -EXDEV) {
		snprintf(sc->reason, sizeof(sc->reason), "the cgroup2 mount at %.60s does not show this "
			 "process's cgroup (mounted from outside its cgroup namespace?)", mnt);
		log_warn("running without cgroups: %s", sc->reason);
		return 0;
	}
	if (r < 0) {
		disable(sc, "cannot open the cgroup root %s: %s", opt ? opt : "(auto)", r);
		return 0;
	}
	if (kill_fallback)
		sc->root.has_kill = false;   /* exercise what kernels < 5.14 get */
	r = cgroup_root_enter(&sc->root, CGROUP_CTRL_ALL);
	if (r < 0) {
		disable(sc, "cannot set up %s: %s", sc->root.path, r);
		return 0;
	}
	r = cgroup_root_sweep(&sc->root, report_leftover, keep, keep_ud);
	if (r < 0)
		log_warn_errno(r, "Failed to look for leftover cgroups in %s", sc->root.path);
	return 0;
}

int supervisor_cgroup_setup(struct supervisor_cgroup *sc, struct loop *l, const char *root_opt,
			    bool kill_fallback, size_t max_watches, struct service *services, size_t n,
			    cgroup_sweep_keep_fn keep, void *keep_ud)
{
	int r;

	*sc = (struct supervisor_cgroup){ .root = CGROUP_ROOT_NULL };
	r = open_root(sc, root_opt, kill_fallback, keep, keep_ud);
	if (r < 0 || sc->root.fd < 0)
		return r;
	r = cgroup_watch_new(l, max_watches, &sc->watch);
	if (r < 0)
		return log_error_errno(r, "Failed to watch cgroup events (inotify)");
	for (size_t i = 0; i < n; i++) {
		struct service *svc = &services[i];
		r = cgroup_mkdir_open(sc->root.services_fd, svc->cfg->name, &svc->cg_fd);
		if (r < 0)
			return log_error_errno(r, "Failed to create the cgroup of %s", svc->cfg->name);
		if (sc->root.controllers)
			(void)cgroup_enable(svc->cg_fd, sc->root.controllers);
	}
	log_root(&sc->root);
	return 0;
}

void supervisor_cgroup_done(struct supervisor_cgroup *sc, struct service *services, size_t n)
{
	for (size_t i = 0; services && i < n; i++)
		if (services[i].cg_fd >= 0) {
			services[i].cg_fd = safe_close(services[i].cg_fd);
			if (sc->root.services_fd >= 0)
				(void)cgroup_rmdir(sc->root.services_fd, services[i].cfg->name);
		}
	sc->watch = cgroup_watch_free(sc->watch);
	sc->cpu = cgstat_free(sc->cpu);
	cgroup_root_done(&sc->root);
}

const struct cgstat_usage *supervisor_cgroup_cpu(struct supervisor_cgroup *sc, size_t max, size_t *ret_n)
{
	const struct cgstat_usage *u;
	size_t truncated;
	char why[256];
	int r;

	if (sc->root.fd < 0 || sc->cpu_refused)
		return NULL;
	if (!sc->cpu) {
		r = cgstat_new(sc->root.fd, max, &sc->cpu, why, sizeof(why));
		if (r < 0) {
			sc->cpu_refused = true;
			log_info("metrics: CPU read from each instance's cpu.stat (%s)", why);
			return NULL;
		}
	}
	r = cgstat_pass(sc->cpu, &u, ret_n, &truncated);
	if (r < 0) {
		log_debug("cgroup CPU pass failed (%s): reading cpu.stat files", strerror(-r));
		return NULL;
	}
	if (truncated)
		log_debug("cgroup CPU pass: %zu cgroups beyond its room, read from their files", truncated);
	return u;
}

int supervisor_cgroup_check_limits(const struct supervisor_cgroup *sc, const struct config *c)
{
	char why[512];
	int unenforced = 0;

	for (size_t i = 0; i < c->n_services; i++)
		for (enum limit_kind k = 0; k < _LIMIT_MAX; k++) {
			const struct service_config *s = &c->services[i];
			if (!limit_is_set(&s->limits, k) ||
			    !limit_unenforced_reason(&sc->root, sc->reason, k, why, sizeof(why)))
				continue;
			unenforced++;
			if (c->supervisor.strict_limits)
				log_error("%s: services.%s.limits.%s cannot be enforced: %s", c->path,
					  s->name, limit_desc(k)->key, why);
			else
				log_warn("services.%s.limits.%s is not enforced: %s", s->name,
					 limit_desc(k)->key, why);
		}
	if (unenforced && c->supervisor.strict_limits)
		return log_error_errno(-EOPNOTSUPP, "strict_limits: refusing to start with %d unenforceable limits",
				       unenforced);
	return 0;
}
