/* SPDX-License-Identifier: MIT */
/*
 * supervisor_reload.c: see supervisor_reload.h. In three steps, so that a
 * refusal never leaves anything half done: plan (read, validate, compare,
 * check the room), prepare (cgroups of the new services), then commit (the
 * services array rebuilt in the new file's order, every pointer into it
 * moved, the actions taken). Services a reload removes go at the end of
 * the array and leave it once stopped; another reload waits for that.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "config/config_diff.h"
#include "config/config_errors.h"
#include "config/config_metrics.h"
#include "policy/fd_budget.h"
#include "policy/instance_ready.h"
#include "logs/logstream.h"
#include "policy/instance_reload.h"
#include "policy/supervisor_reload.h"

static const char *const action_names[_RELOAD_ACTION_MAX] = {
	[RELOAD_KEPT] = "kept", [RELOAD_UPDATED] = "updated", [RELOAD_RESTARTED] = "restarted",
	[RELOAD_STOPPED] = "stopped", [RELOAD_STARTED] = "started",
};

const char *reload_action_to_string(enum reload_action a)
{
	return (unsigned)a < _RELOAD_ACTION_MAX ? action_names[a] : NULL;
}

void reload_report_done(struct reload_report *rep)
{
	free(rep->entries);
	rep->entries = NULL;
	config_errors_done(&rep->errs);
}

bool supervisor_reload_busy(const struct supervisor *s)
{
	for (size_t i = 0; i < s->n_services; i++)
		if (s->services[i].removed || s->services[i].replacing)
			return true;
	return false;
}

/* One service of the plan: where it was, what becomes of it. */
struct plan_item {
	struct service *old;            /* NULL: new */
	const struct service_config *old_cfg;
	int cg_fd;                      /* a new service's cgroup, made in prepare */
};

struct plan {
	struct config *nc;
	struct plan_item *items;        /* n_items: nc->n_services */
	size_t n_items;
	struct service **removed;       /* n_removed */
	size_t n_removed;
};

static void plan_done(struct plan *p)
{
	for (size_t i = 0; i < p->n_items; i++)
		safe_close(p->items[i].cg_fd);
	free(p->items);
	free(p->removed);
	config_free(p->nc);
	*p = (struct plan){ 0 };
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* What the daemon was set up with at start cannot follow the file. */
static int check_fixed_keys(const struct config *a, const struct config *b, char *why, size_t len)
{
	const char *key = !str_eq(a->supervisor.control_socket, b->supervisor.control_socket) ? "control_socket" :
			  !str_eq(a->supervisor.cgroup_root, b->supervisor.cgroup_root) ? "cgroup_root" :
			  !str_eq(a->supervisor.state_dir, b->supervisor.state_dir) ? "state_dir" :
			  a->supervisor.probe != b->supervisor.probe ? "probe" :
			  !str_eq(a->supervisor.admin_group, b->supervisor.admin_group) ? "admin_group" :
			  !config_metrics_equal(&a->supervisor.metrics, &b->supervisor.metrics) ? "metrics.listen" :
			  NULL;
	if (!key)
		return 0;
	snprintf(why, len, "%s: supervisor.%s cannot change by reload (the daemon set it up at start): "
		 "put it back, or restart the daemon for it", b->path, key);
	return -EPERM;
}

static void add_entry(struct reload_report *rep, const char *name, enum reload_action a, unsigned keys)
{
	struct reload_entry *e = &rep->entries[rep->n++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->action = a;
	e->keys = keys;
	rep->count[a]++;
}

static uint32_t live_instances(const struct service *svc)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < svc->n_instances; i++)
		n += svc->instances[i] && !svc->instances[i]->retiring;
	return n;
}

/* Each new service against the old one of its name; the old ones missing
 * from the file. */
static int plan_compare(struct supervisor *s, struct plan *p, struct reload_report *rep)
{
	struct config *nc = p->nc;

	p->items = calloc(nc->n_services, sizeof(*p->items));
	p->removed = calloc(s->n_services, sizeof(*p->removed));
	rep->entries = calloc(nc->n_services + s->n_services, sizeof(*rep->entries));
	if (!p->items || !p->removed || !rep->entries)
		return -ENOMEM;
	p->n_items = nc->n_services;
	for (size_t i = 0; i < nc->n_services; i++) {
		struct plan_item *it = &p->items[i];
		it->cg_fd = -EBADF;
		it->old = supervisor_find_service(s, nc->services[i].name);
		if (!it->old) {
			add_entry(rep, nc->services[i].name, RELOAD_STARTED, 0);
			continue;
		}
		it->old_cfg = it->old->cfg;
		unsigned keys = config_service_diff(it->old_cfg, &nc->services[i]);
		add_entry(rep, nc->services[i].name,
			  !keys ? RELOAD_KEPT : (keys & ~CK_LIVE) ? RELOAD_RESTARTED : RELOAD_UPDATED, keys);
	}
	for (size_t i = 0; i < s->n_services; i++)
		if (!config_find_service(nc, s->services[i].cfg->name)) {
			p->removed[p->n_removed++] = &s->services[i];
			add_entry(rep, s->services[i].cfg->name, RELOAD_STOPPED, 0);
		}
	return 0;
}

/* Bounds fixed at start: the instance capacity, the loop's room for
 * checks, the fd budget. */
static int plan_check_room(struct supervisor *s, struct plan *p, const struct reload_report *rep, char *why,
			   size_t len)
{
	uint64_t total = p->nc->total_instances, need = 0;
	bool cg = s->cg.root.fd >= 0;
	struct fd_budget b;

	for (size_t i = 0; i < p->nc->n_services; i++) {
		const struct service_config *c = &p->nc->services[i];
		struct service *old = p->items[i].old;
		bool fresh = !old || rep->entries[i].action == RELOAD_RESTARTED;
		uint32_t have = fresh ? 0 : live_instances(old);
		if (!s->has_checks && instance_ready_wanted(c)) {
			snprintf(why, len, "%s: services.%s: readiness, health or a watchdog appear in this reload "
				 "and no service had them at start, so the event loop has no room for checks: "
				 "restart the daemon for it", p->nc->path, c->name);
			return -EPERM;
		}
		if (old && rep->entries[i].action == RELOAD_RESTARTED)
			total += live_instances(old);   /* still there while they stop */
		if (c->instances > have)
			need += (uint64_t)(c->instances - have) * fd_budget_per_instance(c, cg);
	}
	for (size_t i = 0; i < p->n_removed; i++)
		total += live_instances(p->removed[i]);
	if (total > s->rt.instance_capacity) {
		snprintf(why, len, "%s: %llu instances (counting those still stopping) exceed the capacity fixed "
			 "at start (%llu): restart the daemon for it", p->nc->path, (unsigned long long)total,
			 (unsigned long long)s->rt.instance_capacity);
		return -ENOSPC;
	}
	if (fd_budget_check(need, &b) < 0) {
		snprintf(why, len, "%s: the new instances need about %llu file descriptors and %llu are left "
			 "(RLIMIT_NOFILE %llu)", p->nc->path, (unsigned long long)need, (unsigned long long)b.left,
			 (unsigned long long)b.limit);
		return -EMFILE;
	}
	return 0;
}

/* The cgroups of the new services: made before anything changes. */
static int plan_prepare(struct supervisor *s, struct plan *p, char *why, size_t len)
{
	if (s->cg.root.fd < 0)
		return 0;
	for (size_t i = 0; i < p->nc->n_services; i++) {
		if (p->items[i].old)
			continue;
		const char *name = p->nc->services[i].name;
		int r = cgroup_mkdir_open(s->cg.root.services_fd, name, &p->items[i].cg_fd);
		if (r < 0) {
			snprintf(why, len, "cannot create the cgroup of %s: %s", name, strerror(-r));
			return r;
		}
		if (s->cg.root.controllers)
			(void)cgroup_enable(p->items[i].cg_fd, s->cg.root.controllers);
	}
	return 0;
}

static int plan_make(struct supervisor *s, const char *path, struct plan *p, struct reload_report *rep)
{
	struct config_errors warns = { .warnings = true };
	int r = config_load_warn(path, &p->nc, &rep->errs, &warns);
	/* A missing program or cwd does not refuse the reload, but the
	 * operator hears of it now rather than at the failed exec. */
	for (size_t i = 0; i < warns.n; i++)
		log_warn("%s", warns.lines[i]);
	config_errors_done(&warns);
	if (r < 0) {
		if (rep->errs.n == 0)
			snprintf(rep->why, sizeof(rep->why), "%.400s: %s", path, strerror(-r));
		else
			snprintf(rep->why, sizeof(rep->why), "%.400s: %zu error(s), nothing changed",
				 path, rep->errs.n + rep->errs.dropped);
		return -EINVAL;
	}
	r = check_fixed_keys(s->config, p->nc, rep->why, sizeof(rep->why));
	if (r >= 0)
		r = plan_compare(s, p, rep);
	if (r >= 0)
		r = plan_check_room(s, p, rep, rep->why, sizeof(rep->why));
	if (r >= 0)
		r = plan_prepare(s, p, rep->why, sizeof(rep->why));
	if (r == -ENOMEM)
		snprintf(rep->why, sizeof(rep->why), "out of memory");
	return r;
}

/* The new array: the file's services in its order (deps name them by that
 * index), then the removed ones. Every instance's svc pointer follows. */
static int commit_array(struct supervisor *s, struct plan *p)
{
	size_t n = p->nc->n_services + p->n_removed;
	struct service *arr = calloc(n, sizeof(*arr));

	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < p->nc->n_services; i++) {
		struct plan_item *it = &p->items[i];
		if (it->old) {
			arr[i] = *it->old;
			arr[i].cfg = &p->nc->services[i];
		} else {
			service_init(&arr[i], &s->rt, &p->nc->services[i]);
			arr[i].cg_fd = TAKE_FD(it->cg_fd);
		}
	}
	for (size_t i = 0; i < p->n_removed; i++) {
		arr[p->nc->n_services + i] = *p->removed[i];
		arr[p->nc->n_services + i].removed = true;
	}
	for (size_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < arr[i].n_instances; j++)
			if (arr[i].instances[j])
				arr[i].instances[j]->svc = &arr[i];
	free(s->services);
	s->services = arr;
	s->n_services = n;
	/* Out of memory: a plain search, still right. */
	(void)supervisor_index_services(s);
	leakwatch_set_services(&s->leaks, arr, n);
	s->notify.services = arr;
	s->notify.n_services = n;
	return 0;
}

/* What pointed into the old config's supervisor section. */
static void commit_supervisor(struct supervisor *s, struct config *nc)
{
	struct config *old = s->config;

	if (s->snapshots.state_dir == old->supervisor.state_dir)
		s->snapshots.state_dir = nc->supervisor.state_dir;
	if (s->socket_path == old->supervisor.control_socket)
		s->socket_path = nc->supervisor.control_socket;
	s->retired[s->n_retired++] = old;
	s->config = nc;
	s->rt.strict_limits = nc->supervisor.strict_limits;
	s->rt.children_die = nc->supervisor.children_die_with_daemon || s->cg.root.fd < 0;
	s->has_deps = false;
	for (size_t i = 0; i < nc->n_services; i++)
		s->has_deps |= nc->services[i].n_deps > 0;
	if (supervisor_notify_wanted(nc) && s->notify.fd < 0 &&
	    supervisor_notify_open(&s->notify, s->loop, s->socket_path, s->cg.root.fd >= 0, s->services,
				   s->n_services) >= 0)
		s->rt.notify_path = s->notify.path;
}

/* A service the file kept: its instances take the new definition. */
static void update_service(struct service *svc, const struct service_config *old, unsigned keys)
{
	for (uint32_t j = 0; j < svc->n_instances; j++) {
		struct instance *inst = svc->instances[j];
		if (!inst)
			continue;
		instance_use_config(inst, svc->cfg);
		if (keys & CK_BIT(CK_LIMITS))
			(void)instance_apply_limits(inst, &old->limits);
		if (keys & CK_BIT(CK_LEAK))
			instance_leak_restart(inst);
	}
	if (keys & CK_BIT(CK_INSTANCES)) {
		int r = service_scale(svc, svc->cfg->instances);
		if (r < 0)
			log_error_errno(r, "%s: reload: cannot scale to %u", svc->cfg->name, svc->cfg->instances);
	}
}

static void log_entry(const struct reload_entry *e)
{
	char keys[256];

	config_key_groups_format(e->keys, keys, sizeof(keys));
	if (keys[0])
		log_event("reload", e->name, -1, "action", action_names[e->action], "keys", keys, NULL);
	else
		log_event("reload", e->name, -1, "action", action_names[e->action], NULL);
}

static void commit_actions(struct supervisor *s, struct plan *p, const struct reload_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct reload_entry *e = &rep->entries[i];
		struct service *svc = &s->services[i];   /* the same order, removed last */
		int r = 0;

		log_entry(e);   /* every service, kept ones too: the "an event for each" */
		switch (e->action) {
		case RELOAD_KEPT:
		case RELOAD_UPDATED:
			update_service(svc, p->items[i].old_cfg, e->keys);
			break;
		case RELOAD_RESTARTED:
			/* The old instances stop (they keep the old definition
			 * meanwhile); supervisor_reload_settle starts the new. */
			svc->replacing = true;
			r = service_scale(svc, 0);
			break;
		case RELOAD_STOPPED:
			r = service_scale(svc, 0);
			break;
		case RELOAD_STARTED:
			r = service_scale(svc, svc->cfg->instances);
			break;
		case _RELOAD_ACTION_MAX:
			break;
		}
		if (r < 0)
			log_error_errno(r, "%s: reload: cannot %s it", e->name, action_names[e->action]);
	}
}

int supervisor_reload(struct supervisor *s, const char *path, struct reload_report *rep)
{
	struct plan p = { 0 };
	int r;

	*rep = (struct reload_report){ 0 };
	snprintf(rep->path, sizeof(rep->path), "%s", path ? path : s->config_path);
	if (s->rt.shutting_down) {
		snprintf(rep->why, sizeof(rep->why), "the supervisor is shutting down");
		return -EBUSY;
	}
	supervisor_reload_settle(s);
	if (supervisor_reload_busy(s) || s->n_retired == ELEMENTSOF(s->retired)) {
		snprintf(rep->why, sizeof(rep->why), "the last reload is still being applied (instances of "
			 "changed or removed services are stopping): try again when they have stopped");
		return -EBUSY;
	}
	r = plan_make(s, rep->path, &p, rep);
	if (r < 0) {
		log_warn("reload of %s refused: %s", rep->path, rep->why);
		for (size_t i = 0; i < rep->errs.n; i++)
			log_warn("%s", rep->errs.lines[i]);
		plan_done(&p);
		return r;
	}
	char *np = strdup(rep->path);
	if (!np || commit_array(s, &p) < 0) {
		free(np);
		snprintf(rep->why, sizeof(rep->why), "out of memory");
		plan_done(&p);
		return -ENOMEM;
	}
	free(s->config_path);
	s->config_path = np;
	commit_supervisor(s, p.nc);
	commit_actions(s, &p, rep);
	p.nc = NULL;   /* s->config now */
	plan_done(&p);
	s->reloads++;

	const size_t *c = rep->count;
	log_event("reload", NULL, -1, LOG_NUM("kept", c[RELOAD_KEPT]), LOG_NUM("updated", c[RELOAD_UPDATED]),
		  LOG_NUM("restarted", c[RELOAD_RESTARTED]), LOG_NUM("stopped", c[RELOAD_STOPPED]),
		  LOG_NUM("started", c[RELOAD_STARTED]), "config", s->config_path, NULL);
	(void)loop_timer_start(s->loop, &s->rt.start_timer, now_ns());
	return 0;
}

static bool points_into(const void *ptr, const struct config *c)
{
	const char *p = ptr, *lo = (const char *)c->services, *hi = (const char *)(c->services + c->n_services);
	return p >= lo && p < hi;
}

static bool config_in_use(const struct supervisor *s, const struct config *c)
{
	for (size_t i = 0; i < s->n_services; i++) {
		const struct service *svc = &s->services[i];
		if (points_into(svc->cfg, c))
			return true;
		for (uint32_t j = 0; j < svc->n_instances; j++)
			if (svc->instances[j] && points_into(svc->instances[j]->cfg, c))
				return true;
	}
	for (const struct logstream *ls = s->logs.streams; ls; ls = ls->next)
		if (points_into(ls->cfg, c))
			return true;
	return false;
}

void supervisor_reload_settle(struct supervisor *s)
{
	size_t n = s->n_services;

	for (size_t i = 0; i < s->n_services; i++) {
		struct service *svc = &s->services[i];
		if (!svc->replacing || svc->n_instances > 0)
			continue;
		svc->replacing = false;
		if (s->rt.shutting_down)
			continue;
		int r = service_scale(svc, svc->cfg->instances);
		if (r < 0)
			log_error_errno(r, "%s: reload: cannot start its new definition", svc->cfg->name);
	}
	/* The removed are last: they leave from the end, nothing moves. */
	while (n > 0 && s->services[n - 1].removed && s->services[n - 1].n_instances == 0) {
		struct service *svc = &s->services[--n];
		if (svc->cg_fd >= 0) {
			svc->cg_fd = safe_close(svc->cg_fd);
			(void)cgroup_rmdir(s->cg.root.services_fd, svc->cfg->name);
		}
		service_done(svc);
	}
	if (n != s->n_services) {
		s->n_services = n;
		leakwatch_set_services(&s->leaks, s->services, n);
		s->notify.n_services = n;
	}
	for (size_t i = 0; i < s->n_retired;) {
		if (config_in_use(s, s->retired[i])) {
			i++;
			continue;
		}
		config_free(s->retired[i]);
		s->retired[i] = s->retired[--s->n_retired];
	}
}
