/* SPDX-License-Identifier: MIT */
/*
 * supervisor.c: the set of services, the daemon's signals, reaping of
 * orphans, scale, and shutdown.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "kernel/sigfd.h"
#include "kernel/notify_socket.h"
#include "policy/fd_budget.h"
#include "policy/instance_ready.h"
#include "policy/instance_spawn.h"
#include "policy/supervisor.h"
#include "policy/supervisor_exit.h"
#include "policy/supervisor_reexec.h"
#include "policy/supervisor_signal.h"
#include "policy/supervisor_state.h"
#include "policy/supervisor_start.h"

/* Room for scale-up, fixed at start: twice the configured instances, at
 * least 1024 more, never above CONFIG_MAX_INSTANCES_TOTAL. */
static uint64_t instance_capacity(const struct config *c)
{
	uint64_t cap = MAX(c->total_instances * 2, c->total_instances + 1024);
	return MIN(cap, (uint64_t)CONFIG_MAX_INSTANCES_TOTAL);
}

/* Ends the loop once a shutdown has nothing left running; once. */
static void supervisor_maybe_done(struct supervisor *s)
{
	if (!s->rt.shutting_down || s->rt.live_processes > 0 || s->shutdown_done)
		return;
	s->shutdown_done = true;
	log_event("shutdown-complete", NULL, -1, NULL);
	loop_quit(s->loop);
}

/* rt.settled: an instance has no process any more. */
static void on_settled(struct instance *inst, void *userdata)
{
	struct supervisor *s = userdata;

	(void)service_settle(inst->svc, inst);   /* may free inst */
	/* A reload's stopping instances: the next turn finishes what they
	 * held up (supervisor_reload_settle). */
	if (s->n_retired && !loop_timer_armed(&s->rt.start_timer))
		(void)loop_timer_start(s->loop, &s->rt.start_timer, now_ns());
	supervisor_maybe_done(s);
}

/* Spawns per loop turn when many instances start at once (boot, scale):
 * between batches of START_BATCH the loop answers signals, exits and the
 * control socket, so a SIGTERM or a status during the start of 1000
 * services is not held up behind all of them. Starts wait for their
 * depends_on there too (supervisor_start.c). */
static void on_start_timer(struct loop *l, void *userdata)
{
	(void)l;
	supervisor_start_due(userdata);
}

/* rt.changed: a state changed; dependents, the shutdown order or the
 * daemon's own readiness may move. */
static void on_changed(struct instance *inst, void *userdata)
{
	supervisor_state_note(userdata, inst);
	supervisor_note_change(userdata);
}

/* An exec check of some instance (readiness or health probe)? */
static bool reap_probe(struct supervisor *s, pid_t pid)
{
	struct check *c = check_pool_find(&s->rt.checks, pid);

	if (!c)
		return false;
	check_child_exited(c);
	return true;
}

static void reap_children(struct supervisor *s)
{
	for (;;) {
		siginfo_t si = { 0 };
		/* Peek first: a managed child must be reaped through its pidfd
		 * by its instance, which takes its status. */
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
			return;
		struct instance *inst = supervisor_find_pid(s, si.si_pid);
		if (inst) {
			instance_handle_exit(inst);
			continue;
		}
		if (s->has_checks && reap_probe(s, si.si_pid))
			continue;
		siginfo_t gone;
		if (waitid(P_PID, (id_t)si.si_pid, &gone, WEXITED | WNOHANG) < 0)
			return;
		if (leakwatch_owns_pid(&s->leaks, si.si_pid) || supervisor_fdstore_owns_pid(s, si.si_pid))
			continue;   /* a snapshot writer or the fd store of ours, not an orphan */
		s->orphans_reaped++;
		log_debug("reaped orphan %d", (int)si.si_pid);
	}
}

static void on_signal(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	struct supervisor *s = userdata;
	int sig;
	(void)l, (void)revents;

	while (sigfd_read(fd, &sig) > 0) {
		switch (sig) {
		case SIGCHLD:
			reap_children(s);
			break;
		case SIGTERM:
		case SIGINT:
		case SIGQUIT:
			supervisor_shutdown(s, strsignal(sig));
			break;
		case SIGHUP:
			reload_on_signal(s);
			break;
		case SIGUSR2:
			reexec_on_signal(s);
			break;
		default:
			log_ignored(sig);
			break;
		}
	}
}

static void on_shutdown_kill(struct loop *l, void *userdata)
{
	struct supervisor *s = userdata;
	(void)l;
	log_warn("shutdown: %llu processes still running, sending SIGKILL",
		 (unsigned long long)s->rt.live_processes);
	for (size_t i = 0; i < s->n_services; i++)
		for (uint32_t j = 0; j < s->services[i].n_instances; j++)
			if (s->services[i].instances[j])
				instance_kill(s->services[i].instances[j]);
}

/* exit_timer: an on_exit: shutdown service ended (supervisor_exit.c). */
static void on_exit_timer(struct loop *l, void *userdata)
{
	struct supervisor *s = userdata;

	(void)l;
	supervisor_shutdown(s, s->exit_why);
}

static void on_shutdown_deadline(struct loop *l, void *userdata)
{
	struct supervisor *s = userdata;
	log_error("shutdown deadline reached with %llu processes not yet reaped; exiting",
		  (unsigned long long)s->rt.live_processes);
	if (!s->exit_code_set)
		s->exit_code = 1;
	loop_quit(l);
}

void supervisor_shutdown(struct supervisor *s, const char *why)
{
	if (s->rt.shutting_down)
		return;
	s->rt.shutting_down = true;
	log_event("shutdown", NULL, -1, "reason", why, NULL);

	uint64_t t = s->config->supervisor.shutdown_timeout_ms * NSEC_PER_MSEC, now = now_ns();
	/* SIGKILL what is left with a tenth of the time (at most 1 s) to spare
	 * for the kernel to tear it down, so we still exit within the timeout. */
	uint64_t margin = MIN(t / 10, NSEC_PER_SEC);
	(void)loop_timer_start(s->loop, &s->shutdown_kill_timer, now + t - margin);
	(void)loop_timer_start(s->loop, &s->shutdown_deadline_timer, now + t);

	if (s->own_notify) {
		int r = notify_send(s->own_notify, "STOPPING=1");
		if (r < 0)
			log_warn_errno(r, "cannot tell NOTIFY_SOCKET %s that we are stopping", s->own_notify);
	}
	/* Dependents first, each level once the one above has stopped. */
	supervisor_stop_in_order(s);
	supervisor_maybe_done(s);
}

#define LOGS_FINISH_TIMEOUT_MS 5000

static void on_logs_deadline(struct loop *l, void *userdata)
{
	struct supervisor *s = userdata;

	log_warn("%zu log streams still writing after %d ms at exit; dropping the rest",
		 s->logs.n_busy, LOGS_FINISH_TIMEOUT_MS);
	loop_quit(l);
}

static enum probe_mode probe_mode_of(const struct supervisor_options *o, const struct config *c)
{
	const char *choice = o->probe;

	if (choice ? !strcmp(choice, "bpf") : c->supervisor.probe == PROBE_CHOICE_BPF)
		return PROBE_BPF;
	if (choice ? !strcmp(choice, "procfs") : c->supervisor.probe == PROBE_CHOICE_PROCFS)
		return PROBE_PROCFS;
	return PROBE_AUTO;
}

/* Every configured instance running must fit under RLIMIT_NOFILE with the
 * reserve kept: said at start, not found out one failed spawn at a time. */
static int check_fd_budget(struct supervisor *s)
{
	struct fd_budget b;
	uint64_t need = 0;

	int r = fd_budget_raise(&s->rt.child_nofile_soft);
	if (r < 0)
		log_warn_errno(r, "cannot raise RLIMIT_NOFILE to its hard limit");
	for (size_t i = 0; i < s->n_services; i++)
		need += (uint64_t)s->services[i].cfg->instances *
			fd_budget_per_instance(s->services[i].cfg, s->cg.root.fd >= 0);
	if (fd_budget_check(need, &b) >= 0)
		return 0;
	return log_error_errno(-EMFILE, "%llu instances need about %llu file descriptors and %llu are left "
			       "(RLIMIT_NOFILE %llu, %llu open, %u kept in reserve): raise the limit "
			       "(ulimit -n, LimitNOFILE=) or run fewer instances",
			       (unsigned long long)s->config->total_instances, (unsigned long long)need,
			       (unsigned long long)b.left, (unsigned long long)b.limit,
			       (unsigned long long)b.in_use, FD_BUDGET_RESERVE);
}

static void runtime_init(struct supervisor *s, const struct config *c)
{
	s->rt = (struct runtime){
		.loop = s->loop, .logs = &s->logs, .cg = &s->cg.root, .cg_reason = s->cg.reason,
		.strict_limits = c->supervisor.strict_limits, .instance_capacity = instance_capacity(c),
		.settled = on_settled, .changed = on_changed, .userdata = s,
		.exit_shutdown = supervisor_on_exit_shutdown,
	};
	if (getrandom(&s->rt.rnd_state, sizeof(s->rt.rnd_state), GRND_NONBLOCK) != sizeof(s->rt.rnd_state) ||
	    s->rt.rnd_state == 0)
		s->rt.rnd_state = (uint32_t)s->started_ns | 1;
	check_pool_init(&s->rt.checks);
	loop_timer_init(&s->rt.start_timer, on_start_timer, s);
}

/* The loop, its signals and log capture: what everything else sits on. */
static int setup_loop(struct supervisor *s, const struct supervisor_options *o, uint64_t cap)
{
	int r;

	/* Signals first: blocked before any child exists. */
	s->sigfd = sigfd_open();
	if (s->sigfd < 0)
		return log_error_errno(s->sigfd, "Failed to set up the signalfd");
	/* Per instance: pidfd, exec-error pipe, two output pipes and a write
	 * in flight for each; timers: its own, and two per output stream.
	 * With checks: the readiness fd and a socket or a probe's pidfd for
	 * each of two checks; timers: the deadline, and two per check. */
	size_t checks = s->has_checks ? 3 : 0;
	r = loop_new(o->backend, (6 + checks) * cap + o->front_sources + 16,
		     (5 + 2 * checks) * cap + o->front_sources + 16, &s->loop);
	if (r < 0)
		return log_error_errno(r, "Failed to create the event loop");
	r = logsys_init(&s->logs, s->loop, !o->no_log_splice);
	if (r < 0)
		return r;
	s->logs_ready = true;
	s->logs.inherited = o->inherited;
	return loop_add(s->loop, s->sigfd, POLLIN, on_signal, s, &s->sig_source);
}

/* What the config asks of the daemon as a whole. */
static int scan_config(struct supervisor *s, const struct config *c)
{
	for (size_t i = 0; i < c->n_services; i++) {
		s->has_checks |= instance_ready_wanted(&c->services[i]);
		s->has_deps |= c->services[i].n_deps > 0;
	}
	/* Under systemd (Type=notify): READY=1 once started, STOPPING=1. */
	const char *own = getenv("NOTIFY_SOCKET");
	if (own && own[0] && !(s->own_notify = strdup(own)))
		return -ENOMEM;
	return 0;
}

static int open_notify(struct supervisor *s, const struct config *c)
{
	if (!supervisor_notify_wanted(c))
		return 0;
	int r = supervisor_notify_open(&s->notify, s->loop, s->socket_path, s->cg.root.fd >= 0, s->services,
				       s->n_services);
	if (r >= 0)
		s->rt.notify_path = s->notify.path;
	return r;
}

static int make_services(struct supervisor *s, const struct config *c)
{
	s->services = calloc(c->n_services, sizeof(*s->services));
	if (!s->services)
		return -ENOMEM;
	s->n_services = c->n_services;
	for (size_t i = 0; i < c->n_services; i++)
		service_init(&s->services[i], &s->rt, &c->services[i]);
	return supervisor_index_services(s);
}

static void init_timers(struct supervisor *s)
{
	loop_timer_init(&s->shutdown_kill_timer, on_shutdown_kill, s);
	loop_timer_init(&s->shutdown_deadline_timer, on_shutdown_deadline, s);
	supervisor_state_init(s);
	loop_timer_init(&s->exit_timer, on_exit_timer, s);
}

/* Absolute: reload reads it again whatever the daemon's cwd by then. */
static char *config_path_of(const struct supervisor_options *o)
{
	char *p = o->config_path ? realpath(o->config_path, NULL) : NULL;
	return p || !o->config_path ? p : strdup(o->config_path);
}

int supervisor_new(const struct supervisor_options *o, struct config *c, struct supervisor **ret)
{
	struct supervisor *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	*s = (struct supervisor){
		.config = c, .sigfd = -EBADF, .cg.root = CGROUP_ROOT_NULL, .notify.fd = -EBADF,
		.started_ns = now_ns(), .socket_path = o->socket_path, .argv = o->argv, .self_exe = o->self_exe,
		.config_path = config_path_of(o), .fdstore = FDSTORE_NULL,
	};
	self_stat_open(&s->self);
	snapshots_init(&s->snapshots, o->state_dir ? o->state_dir : c->supervisor.state_dir);
	init_timers(s);   /* before anything may fail: supervisor_free stops them */
	r = scan_config(s, c);
	if (r >= 0)
		r = setup_loop(s, o, instance_capacity(c));
	if (r < 0)
		goto fail;
	runtime_init(s, c);
	s->rt.spawn_method = spawn_probe(o->spawn);
	if (o->spawn == SPAWN_AUTO && s->rt.spawn_method != SPAWN_VFORK)
		log_warn("%s", spawn_fallback_reason(s->rt.spawn_method));

	/* Orphaned grandchildren are re-parented to us and reaped; as PID 1
	 * that happens anyway. */
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		log_warn_errno(-errno, "Failed to become a child subreaper, orphans go to init");

	r = make_services(s, c);
	if (r < 0)
		goto fail;
	r = supervisor_cgroup_setup(&s->cg, s->loop, o->cgroup_root ? o->cgroup_root : c->supervisor.cgroup_root,
				    o->cgroup_kill_fallback, 3 * s->rt.instance_capacity, s->services,
				    s->n_services, supervisor_adopt_keep, s);
	if (r < 0)
		goto fail;
	s->rt.watch = s->cg.watch;
	s->rt.children_die = c->supervisor.children_die_with_daemon || s->cg.root.fd < 0;
	supervisor_fdstore_start(s);
	r = supervisor_cgroup_check_limits(&s->cg, c);
	if (r < 0)
		goto fail;
	r = check_fd_budget(s);
	if (r < 0)
		goto fail;
	r = open_notify(s, c);
	if (r < 0)
		goto fail;
	r = leakwatch_start(&s->leaks, s->loop, s->services, s->n_services, &s->snapshots,
			    s->cg.root.fd >= 0, s->cg.reason, probe_mode_of(o, c), s->cg.root.services_fd);
	if (r < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	supervisor_free(s);
	return r;
}

struct supervisor *supervisor_free(struct supervisor *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; s->services && i < s->n_services; i++)
		service_done(&s->services[i]);
	supervisor_fdstore_stop(s);
	leakwatch_stop(&s->leaks);
	supervisor_adopt_done(s);
	if (s->loop)
		supervisor_notify_close(&s->notify, s->loop);
	free(s->own_notify);
	snapshots_done(&s->snapshots);
	self_stat_close(&s->self);
	supervisor_cgroup_done(&s->cg, s->services, s->n_services);
	free(s->services);
	idmap_done(&s->by_name);
	idmap_done(&s->rt.pids);
	check_pool_done(&s->rt.checks);
	if (s->loop) {
		loop_timer_stop(s->loop, &s->rt.start_timer);
		loop_timer_stop(s->loop, &s->shutdown_kill_timer);
		loop_timer_stop(s->loop, &s->shutdown_deadline_timer);
		loop_timer_stop(s->loop, &s->state_timer);
		loop_remove(s->loop, s->sig_source);
	}
	s->loop = loop_free(s->loop);
	if (s->logs_ready)
		logsys_done(&s->logs);
	safe_close(s->sigfd);
	config_free(s->config);
	for (size_t i = 0; i < s->n_retired; i++)
		config_free(s->retired[i]);
	free(s->config_path);
	free(s);
	return NULL;
}

int supervisor_run(struct supervisor *s)
{
	log_event("ready", NULL, -1, "backend", loop_backend_name(s->loop),
		  "spawn", spawn_method_to_string(s->rt.spawn_method), LOG_NUM("services", s->n_services),
		  "socket", s->socket_path, NULL);
	for (size_t i = 0; i < s->n_services; i++) {
		struct service *svc = &s->services[i];
		int r = service_scale(svc, supervisor_state_scale(svc));
		if (r < 0 && svc->restore_scale >= 0) {
			log_warn_errno(r, "%s: the scale a previous daemon kept (%lld) does not fit: following the config",
				       svc->cfg->name, (long long)svc->restore_scale);
			svc->restore_scale = -1;
			r = service_scale(svc, svc->cfg->instances);
		}
		if (r < 0)
			return log_error_errno(r, "%s: failed to start", svc->cfg->name), 1;
	}
	supervisor_adopt_all(s);
	/* After the first batch of spawns (leakwatch_start says why). */
	leakwatch_open_probe_later(&s->leaks);
	int r = loop_run(s->loop);
	if (r < 0) {
		log_error_errno(r, "Event loop failed");
		return 1;
	}
	/* Every service is stopped: what they wrote last is still in the pipes
	 * and staging buffers. Write it out, within a bound. */
	if (logsys_finish(&s->logs)) {
		struct loop_timer deadline;
		loop_timer_init(&deadline, on_logs_deadline, s);
		(void)loop_timer_start(s->loop, &deadline,
				       now_ns() + LOGS_FINISH_TIMEOUT_MS * NSEC_PER_MSEC);
		r = loop_run(s->loop);
		if (r < 0)
			log_error_errno(r, "Event loop failed while writing the last logs");
		loop_timer_stop(s->loop, &deadline);
	}
	logsys_stop(&s->logs);
	if (s->reexec) {
		supervisor_reexec_now(s);   /* returns only if it failed */
		_exit(1);                   /* no teardown: it would stop the services */
	}
	return s->exit_code;
}
