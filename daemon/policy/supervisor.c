/* SPDX-License-Identifier: MIT */
/*
 * supervisor.c: the set of services, the daemon's signals, reaping of
 * orphans, scale, and shutdown.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/log.h"
#include "kernel/sigfd.h"
#include "policy/supervisor.h"

/* Spawns per loop turn when many instances start at once (boot, scale):
 * between batches the loop answers signals, exits and the control socket,
 * so a SIGTERM or a status during the start of 1000 services is not held
 * up behind all of them. */
#define START_BATCH 16

/* Room for scale-up, fixed at start: twice the configured instances, at
 * least 1024 more, never above CONFIG_MAX_INSTANCES_TOTAL. */
static uint64_t instance_capacity(const struct config *c)
{
	uint64_t cap = MAX(c->total_instances * 2, c->total_instances + 1024);
	return MIN(cap, (uint64_t)CONFIG_MAX_INSTANCES_TOTAL);
}

uint32_t supervisor_random(struct supervisor *s)
{
	/* xorshift32: jitter needs spread, not secrecy. */
	uint32_t x = s->rnd_state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return s->rnd_state = x;
}

struct service *supervisor_find_service(struct supervisor *s, const char *name)
{
	for (size_t i = 0; i < s->n_services; i++)
		if (!strcmp(s->services[i].cfg->name, name))
			return &s->services[i];
	return NULL;
}

struct instance *supervisor_find_pid(struct supervisor *s, pid_t pid)
{
	/* Linear: called once per reaped child; 1000 instances cost ~1 µs. */
	for (size_t i = 0; i < s->n_services; i++)
		for (uint32_t j = 0; j < s->services[i].n_instances; j++) {
			struct instance *inst = s->services[i].instances[j];
			if (inst && inst->pid.pid == pid && pidref_is_set(&inst->pid))
				return inst;
		}
	return NULL;
}

static void trim_instances(struct service *svc)
{
	while (svc->n_instances > 0 && !svc->instances[svc->n_instances - 1])
		svc->n_instances--;
}

/* Ends the loop once a shutdown has nothing left running; once. */
static void supervisor_maybe_done(struct supervisor *s)
{
	if (!s->shutting_down || s->live_processes > 0 || s->shutdown_done)
		return;
	s->shutdown_done = true;
	log_event("shutdown-complete", NULL, -1, NULL);
	loop_quit(s->loop);
}

void supervisor_instance_settled(struct instance *inst)
{
	struct service *svc = inst->svc;
	struct supervisor *s = svc->sup;

	if (inst->retiring && inst->state == STATE_STOPPED) {
		svc->instances[inst->index] = NULL;
		instance_free(inst);
		s->total_instances--;
		trim_instances(svc);
	}
	supervisor_maybe_done(s);
}

int service_scale(struct service *svc, uint32_t n)
{
	struct supervisor *s = svc->sup;
	uint32_t live = 0;

	if (n > CONFIG_MAX_INSTANCES)
		return -ERANGE;
	for (uint32_t i = 0; i < svc->n_instances; i++)
		live += svc->instances[i] && !svc->instances[i]->retiring;
	if (n > live && s->total_instances + (n - live) > instance_capacity(s->config))
		return -ENOSPC;
	if (n > svc->cap) {
		uint32_t cap = MIN(MAX(n, svc->cap * 2), (uint32_t)CONFIG_MAX_INSTANCES);
		struct instance **a = reallocarray(svc->instances, cap, sizeof(*a));
		if (!a)
			return -ENOMEM;
		memset(a + svc->cap, 0, (cap - svc->cap) * sizeof(*a));
		svc->instances = a;
		svc->cap = cap;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct instance *inst = svc->instances[i];
		if (!inst) {
			int r = instance_new(svc, i, &inst);
			if (r < 0)
				return r;
			svc->instances[i] = inst;
			svc->n_instances = MAX(svc->n_instances, i + 1);
			s->total_instances++;
		} else if (!inst->retiring) {
			continue;
		}
		inst->retiring = false;
		inst->start_pending = true;
	}
	(void)loop_timer_start(s->loop, &s->start_timer, now_ns());
	/* Retire from the top; each is freed when it has stopped. */
	for (uint32_t i = svc->n_instances; i > n; i--) {
		struct instance *inst = svc->instances[i - 1];
		if (!inst || inst->retiring)
			continue;
		inst->retiring = true;
		instance_event(inst, EV_STOP, "scale");
		if (i - 1 < svc->n_instances && svc->instances[i - 1] == inst &&
		    inst->state == STATE_STOPPED)
			supervisor_instance_settled(inst);
	}
	return 0;
}

static void on_start_timer(struct loop *l, void *userdata)
{
	struct supervisor *s = userdata;
	unsigned n = 0;

	if (s->shutting_down)
		return;
	for (size_t i = 0; i < s->n_services; i++)
		for (uint32_t j = 0; j < s->services[i].n_instances; j++) {
			struct instance *inst = s->services[i].instances[j];
			if (!inst || !inst->start_pending)
				continue;
			if (n++ == START_BATCH) {
				(void)loop_timer_start(l, &s->start_timer, now_ns());
				return;
			}
			inst->start_pending = false;
			instance_event(inst, EV_START, "scale");
		}
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
		siginfo_t gone;
		if (waitid(P_PID, (id_t)si.si_pid, &gone, WEXITED | WNOHANG) < 0)
			return;
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
			log_warn("SIGHUP: configuration reload is not implemented yet, ignoring");
			break;
		default:
			break;
		}
	}
}

static void on_shutdown_kill(struct loop *l, void *userdata)
{
	struct supervisor *s = userdata;
	(void)l;
	log_warn("shutdown: %llu processes still running, sending SIGKILL",
		 (unsigned long long)s->live_processes);
	for (size_t i = 0; i < s->n_services; i++)
		for (uint32_t j = 0; j < s->services[i].n_instances; j++) {
			struct instance *inst = s->services[i].instances[j];
			if (inst && (pidref_is_set(&inst->pid) || inst->awaiting_empty)) {
				inst->kill_sent = true;
				(void)pidref_kill_group(&inst->pid, SIGKILL);
				instance_cgroup_kill(inst);
			}
		}
}

static void on_shutdown_deadline(struct loop *l, void *userdata)
{
	struct supervisor *s = userdata;
	log_error("shutdown deadline reached with %llu processes not yet reaped; exiting",
		  (unsigned long long)s->live_processes);
	s->exit_code = 1;
	loop_quit(l);
}

void supervisor_shutdown(struct supervisor *s, const char *why)
{
	if (s->shutting_down)
		return;
	s->shutting_down = true;
	log_event("shutdown", NULL, -1, "reason", why, NULL);

	uint64_t t = s->config->supervisor.shutdown_timeout_ms * NSEC_PER_MSEC, now = now_ns();
	/* SIGKILL what is left with a tenth of the time (at most 1 s) to spare
	 * for the kernel to tear it down, so we still exit within the timeout. */
	uint64_t margin = MIN(t / 10, NSEC_PER_SEC);
	(void)loop_timer_start(s->loop, &s->shutdown_kill_timer, now + t - margin);
	(void)loop_timer_start(s->loop, &s->shutdown_deadline_timer, now + t);

	for (size_t i = 0; i < s->n_services; i++)
		for (uint32_t j = 0; j < s->services[i].n_instances; j++)
			if (s->services[i].instances[j])
				instance_event(s->services[i].instances[j], EV_STOP, "shutdown");
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

int supervisor_new(const struct supervisor_options *o, struct config *c, struct supervisor **ret)
{
	struct supervisor *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->config = c;
	s->sigfd = -EBADF;
	s->inotify_fd = -EBADF;
	s->state_dir_fd = -EBADF;
	s->cg = CGROUP_ROOT_NULL;
	s->started_ns = now_ns();
	s->socket_path = o->socket_path;
	if (getrandom(&s->rnd_state, sizeof(s->rnd_state), GRND_NONBLOCK) != sizeof(s->rnd_state) ||
	    s->rnd_state == 0)
		s->rnd_state = (uint32_t)s->started_ns | 1;
	loop_timer_init(&s->start_timer, on_start_timer, s);
	loop_timer_init(&s->shutdown_kill_timer, on_shutdown_kill, s);
	loop_timer_init(&s->shutdown_deadline_timer, on_shutdown_deadline, s);

	/* Signals first: blocked before any child exists. */
	s->sigfd = sigfd_open();
	if (s->sigfd < 0) {
		r = log_error_errno(s->sigfd, "Failed to set up the signalfd");
		goto fail;
	}
	uint64_t cap = instance_capacity(c);
	/* Per instance: pidfd, exec-error pipe, two output pipes and a write
	 * in flight for each; timers: its own, and two per output stream. */
	r = loop_new(o->backend, 6 * cap + o->front_sources + 16, 5 * cap + o->front_sources + 16,
		     &s->loop);
	if (r < 0) {
		log_error_errno(r, "Failed to create the event loop");
		goto fail;
	}
	r = logsys_init(&s->logs, s->loop);
	if (r < 0)
		goto fail;
	s->logs_ready = true;
	r = loop_add(s->loop, s->sigfd, POLLIN, on_signal, s, &s->sig_source);
	if (r < 0)
		goto fail;
	s->spawn_method = spawn_probe(o->spawn);
	if (o->spawn == SPAWN_AUTO && s->spawn_method == SPAWN_FORK)
		log_warn("clone3 is refused here; spawning with fork + pidfd_open");

	/* Orphaned grandchildren are re-parented to us and reaped; as PID 1
	 * that happens anyway. */
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		log_warn_errno(-errno, "Failed to become a child subreaper, orphans go to init");

	s->services = calloc(c->n_services, sizeof(*s->services));
	if (!s->services) {
		r = -ENOMEM;
		goto fail;
	}
	s->n_services = c->n_services;
	for (size_t i = 0; i < c->n_services; i++)
		s->services[i] = (struct service){ .cfg = &c->services[i], .sup = s, .cg_fd = -EBADF };

	r = supervisor_cgroup_setup(s, o->cgroup_root, o->cgroup_kill_fallback);
	if (r < 0)
		goto fail;
	r = supervisor_check_limits(s);
	if (r < 0)
		goto fail;
	s->state_dir = o->state_dir ? o->state_dir : c->supervisor.state_dir;
	r = supervisor_leak_setup(s, o);
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
	for (size_t i = 0; s->services && i < s->n_services; i++) {
		for (uint32_t j = 0; j < s->services[i].n_instances; j++)
			instance_free(s->services[i].instances[j]);
		free(s->services[i].instances);
	}
	supervisor_leak_done(s);
	supervisor_cgroup_done(s);
	free(s->services);
	if (s->loop) {
		loop_timer_stop(s->loop, &s->start_timer);
		loop_timer_stop(s->loop, &s->shutdown_kill_timer);
		loop_timer_stop(s->loop, &s->shutdown_deadline_timer);
		loop_remove(s->loop, s->sig_source);
	}
	s->loop = loop_free(s->loop);
	if (s->logs_ready)
		logsys_done(&s->logs);
	safe_close(s->sigfd);
	config_free(s->config);
	free(s);
	return NULL;
}

int supervisor_run(struct supervisor *s)
{
	char n[32];
	snprintf(n, sizeof(n), "%zu", s->n_services);
	log_event("ready", NULL, -1, "backend", loop_backend_name(s->loop),
		  "spawn", spawn_method_name(s->spawn_method), "services", n,
		  "socket", s->socket_path, NULL);
	for (size_t i = 0; i < s->n_services; i++) {
		int r = service_scale(&s->services[i], s->services[i].cfg->instances);
		if (r < 0)
			return log_error_errno(r, "%s: failed to start", s->services[i].cfg->name), 1;
	}
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
	return s->exit_code;
}
