/* SPDX-License-Identifier: MIT */
/*
 * instance_ready.c: see instance_ready.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fd_util.h"
#include "basic/log.h"
#include "basic/units.h"
#include "policy/instance_record.h"
#include "policy/instance_ready.h"
#include "policy/violation.h"

#define LOG_INST(inst, event, ...) log_event(event, (inst)->cfg->name, (int)(inst)->index, __VA_ARGS__)

static void on_deadline(struct loop *l, void *userdata);

static void cancel(struct check *c)
{
	if (c)
		check_cancel(c);
}
static void on_check(struct check *c, bool ok, const char *detail, void *userdata);
static void on_health(struct check *c, bool ok, const char *detail, void *userdata);
static void probe_params(struct check *c, struct spawn_params *p, void *userdata);

bool instance_ready_wanted(const struct service_config *cfg)
{
	return cfg->readiness.check.kind != CHECK_NONE || cfg->health.check.kind != CHECK_NONE ||
	       cfg->watchdog_ms > 0;
}

int instance_ready_new(struct instance *inst, const struct instance_ready_hooks *h)
{
	const struct runtime *rt = inst->rt;
	struct instance_ready *rd = calloc(1, sizeof(*rd));
	bool kill = rt->cg && rt->cg->has_kill;

	if (!rd)
		return -ENOMEM;
	rd->fd_read = rd->fd_write = -EBADF;
	rd->hooks = h;
	loop_timer_init(&rd->deadline, on_deadline, inst);
	inst->rd = rd;
	/* The checks (about 3 KiB each) only where the daemon polls. */
	enum check_kind k = inst->cfg->readiness.check.kind;
	if (k == CHECK_TCP || k == CHECK_HTTP || k == CHECK_EXEC) {
		if (!(rd->ready_check = malloc(sizeof(*rd->ready_check))))
			return -ENOMEM;
		check_init(rd->ready_check, rt->loop, &inst->cfg->readiness.check, rt->spawn_method,
			   inst->parent_cg_fd, kill, inst->index, on_check, probe_params, inst);
		rd->ready_check->pool = &inst->rt->checks;
	}
	if (inst->cfg->health.check.kind != CHECK_NONE) {
		if (!(rd->health_check = malloc(sizeof(*rd->health_check))))
			return -ENOMEM;
		check_init(rd->health_check, rt->loop, &inst->cfg->health.check, rt->spawn_method,
			   inst->parent_cg_fd, kill, inst->index, on_health, probe_params, inst);
		rd->health_check->pool = &inst->rt->checks;
	}
	return 0;
}

/* An exec check runs as the service does, its output in the service's log. */
static void probe_params(struct check *c, struct spawn_params *p, void *userdata)
{
	static struct env_buf buf;   /* spawn_process() copies nothing: used before it returns */
	(void)c;
	instance_env(userdata, p, &buf);
}

int instance_ready_prepare(struct instance *inst, struct spawn_params *p, struct env_buf *b)
{
	struct instance_ready *rd = inst->rd;
	const struct service_config *cfg = inst->cfg;
	int fds[2];

	/* What the new process says over sd_notify may arrive before the
	 * daemon sees its exec: reset here, before the spawn, not at the exec. */
	rd->ready_seen = false;
	rd->reloading = rd->stopping = false;
	rd->status_text[0] = '\0';
	if (cfg->readiness.check.kind == CHECK_NOTIFY && inst->rt->notify_path) {
		snprintf(b->notify_var, sizeof(b->notify_var), "NOTIFY_SOCKET=%s", inst->rt->notify_path);
		b->envp[b->n++] = b->notify_var;
		if (cfg->watchdog_ms) {
			snprintf(b->watchdog_var, sizeof(b->watchdog_var), "WATCHDOG_USEC=%" PRIu64,
				 cfg->watchdog_ms * 1000);
			b->envp[b->n++] = b->watchdog_var;
		}
		b->envp[b->n] = NULL;
	}
	if (cfg->readiness.check.kind != CHECK_FD)
		return 0;
	/* The read end is ours (non-blocking, watched once exec is seen);
	 * the write end goes to the child and is closed here after spawn. */
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	rd->fd_read = fds[0];
	rd->fd_write = fds[1];
	p->pass_fd = fds[1];
	p->pass_fd_as = cfg->readiness.check.fd;
	return 0;
}

void instance_ready_spawned(struct instance *inst)
{
	inst->rd->fd_write = safe_close(inst->rd->fd_write);
}

static void arm_deadline(struct instance *inst, uint64_t ms)
{
	int r = loop_timer_start(inst->rt->loop, &inst->rd->deadline, now_ns() + ms * NSEC_PER_MSEC);
	if (r < 0)
		log_error_errno(r, "%s.%u: cannot time its readiness or watchdog deadline", inst->cfg->name,
				inst->index);
}

static void start_health(struct instance *inst)
{
	const struct health_config *hc = &inst->cfg->health;

	if (hc->check.kind == CHECK_NONE)
		return;
	/* Spread over the interval: 1000 instances started together do not
	 * all probe in the same instant. */
	uint64_t delay = runtime_random(inst->rt) % hc->check.interval_ms + 1;
	if (check_schedule(inst->rd->health_check, delay) < 0)
		log_error("%s.%u: cannot time its health check", inst->cfg->name, inst->index);
}

/* A newline on readiness.fd (the s6 convention), or its end. */
static void on_ready_fd(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	struct instance *inst = userdata;
	char buf[256];
	ssize_t n;
	bool ready = false;

	(void)l, (void)revents;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		ready |= memchr(buf, '\n', (size_t)n) != NULL;
	if (!ready && n < 0 && errno == EAGAIN)
		return;
	/* Ready, or the fd was closed without a newline (which s6 also takes
	 * as "not ready": the start_timeout decides). Either way, done with it. */
	loop_remove(inst->rt->loop, inst->rd->fd_source);
	inst->rd->fd_source = LOOP_ID_NONE;
	inst->rd->fd_read = safe_close(inst->rd->fd_read);
	if (ready)
		inst->rd->hooks->ready(inst);
}

void instance_ready_exec(struct instance *inst)
{
	struct instance_ready *rd = inst->rd;
	const struct readiness_config *rc = &inst->cfg->readiness;

	/* From the spawn: the exec is seen a loop turn (or a start batch) later,
	 * and READY=1 may even come before it. */
	rd->exec_ns = inst->started_ns ? inst->started_ns : now_ns();
	rd->ready_ns = 0;
	rd->paused = false;
	rd->health = HEALTH_UNKNOWN;
	rd->fails_in_row = rd->oks_in_row = 0;
	rd->watchdog_usec = inst->cfg->watchdog_ms * 1000;
	if (rc->check.kind == CHECK_NONE) {
		/* Up as soon as it runs: the watchdog and health start now. */
		instance_ready_became_ready(inst);
		return;
	}
	/* Armed already only by an EXTEND_TIMEOUT_USEC= that came before the
	 * exec was seen (the deadline is stopped whenever a process ends). */
	if (!loop_timer_armed(&rd->deadline))
		arm_deadline(inst, rc->start_timeout_ms);
	if (rd->ready_seen) {
		rd->hooks->ready(inst);   /* READY=1 came before the exec was seen */
		return;
	}
	if (rc->check.kind == CHECK_FD && rd->fd_read >= 0 &&
	    loop_add(inst->rt->loop, rd->fd_read, POLLIN, on_ready_fd, inst, &rd->fd_source) < 0)
		log_error("%s.%u: cannot watch its readiness fd", inst->cfg->name, inst->index);
	else if (rd->ready_check)
		(void)check_schedule(rd->ready_check, 0);
}

void instance_ready_became_ready(struct instance *inst)
{
	struct instance_ready *rd = inst->rd;
	char t[32];

	cancel(rd->ready_check);
	loop_remove(inst->rt->loop, rd->fd_source);
	rd->fd_source = LOOP_ID_NONE;
	rd->fd_read = safe_close(rd->fd_read);
	loop_timer_stop(inst->rt->loop, &rd->deadline);
	rd->ready_ns = now_ns();
	if (inst->cfg->readiness.check.kind != CHECK_NONE)
		LOG_INST(inst, "ready", "after", format_duration_ms((rd->ready_ns - rd->exec_ns) / NSEC_PER_MSEC,
								    t, sizeof(t)), NULL);
	if (rd->watchdog_usec) {
		rd->last_ping_ns = rd->ready_ns;
		arm_deadline(inst, rd->watchdog_usec / 1000);
	}
	start_health(inst);
	instance_record_save(inst);   /* a later daemon takes it back ready */
}

/* Not ready in time, or a watchdog ping missed. */
static void on_deadline(struct loop *l, void *userdata)
{
	struct instance *inst = userdata;
	struct instance_ready *rd = inst->rd;
	char t[32];

	(void)l;
	if (!rd->ready_ns) {
		LOG_INST(inst, "not-ready", "after",
			 format_duration_ms(inst->cfg->readiness.start_timeout_ms, t, sizeof(t)), "last-check",
			 rd->ready_check && rd->ready_check->runs ? rd->ready_check->last_detail : "none", NULL);
		rd->hooks->not_ready(inst);
		return;
	}
	LOG_INST(inst, "watchdog", "missed", format_duration_ms(rd->watchdog_usec / 1000, t, sizeof(t)), NULL);
	rd->hooks->violation(inst, VIOLATION_WATCHDOG);
}

static void on_check(struct check *c, bool ok, const char *detail, void *userdata)
{
	struct instance *inst = userdata;

	(void)detail;
	if (ok) {
		inst->rd->hooks->ready(inst);
		return;
	}
	(void)check_schedule(c, c->cfg->interval_ms);   /* the start_timeout ends the tries */
}

static void on_health(struct check *c, bool ok, const char *detail, void *userdata)
{
	struct instance *inst = userdata;
	struct instance_ready *rd = inst->rd;
	const struct health_config *hc = &inst->cfg->health;

	if (ok) {
		rd->fails_in_row = 0;
		if (++rd->oks_in_row >= hc->successes && rd->health != HEALTH_HEALTHY) {
			if (rd->health == HEALTH_UNHEALTHY)
				LOG_INST(inst, "healthy", "check", detail, NULL);
			rd->health = HEALTH_HEALTHY;
			/* Not a state change, but a dependent may wait for it
			 * (depends_on: healthy): the waiting starts are judged again. */
			if (inst->rt->changed)
				inst->rt->changed(inst, inst->rt->userdata);
		}
	} else {
		rd->oks_in_row = 0;
		if (++rd->fails_in_row >= hc->failures && rd->health != HEALTH_UNHEALTHY) {
			LOG_INST(inst, "unhealthy", LOG_NUM("failures", rd->fails_in_row), "check", detail, NULL);
			rd->health = HEALTH_UNHEALTHY;
			(void)check_schedule(c, hc->check.interval_ms);
			rd->hooks->violation(inst, VIOLATION_HEALTH);   /* may stop it: after scheduling */
			return;
		}
	}
	(void)check_schedule(c, hc->check.interval_ms);
}

void instance_ready_pause(struct instance *inst, bool paused)
{
	struct instance_ready *rd = inst->rd;

	if (!rd || rd->paused == paused)
		return;
	rd->paused = paused;
	if (paused) {
		/* A frozen process answers nothing: no check, no deadline runs. */
		cancel(rd->ready_check);
		cancel(rd->health_check);
		loop_timer_stop(inst->rt->loop, &rd->deadline);
		return;
	}
	if (!rd->ready_ns) {
		arm_deadline(inst, inst->cfg->readiness.start_timeout_ms);
		if (rd->ready_check)
			(void)check_schedule(rd->ready_check, 0);
		return;
	}
	if (rd->watchdog_usec)
		arm_deadline(inst, rd->watchdog_usec / 1000);
	start_health(inst);
}

/* Readiness, watchdog and health follow the state: they run while the
 * process runs, pause while it is frozen, stop when it stops. */
void instance_ready_follow(struct instance *inst, enum instance_state prev, enum instance_state next)
{
	if (!inst->rd)
		return;
	/* From stopped only by adoption: as if its exec had just been seen. */
	if (next == STATE_RUNNING && (prev == STATE_STARTING || prev == STATE_STOPPED))
		instance_ready_exec(inst);
	else if (next == STATE_READY && prev == STATE_RUNNING)
		instance_ready_became_ready(inst);
	else if (next == STATE_FROZEN)
		instance_ready_pause(inst, true);
	else if (prev == STATE_FROZEN && (next == STATE_RUNNING || next == STATE_READY))
		instance_ready_pause(inst, false);
	else if (next == STATE_STOPPING || !state_has_process(next))
		instance_ready_end(inst);
}

void instance_ready_end(struct instance *inst)
{
	struct instance_ready *rd = inst->rd;

	if (!rd)
		return;
	cancel(rd->ready_check);
	cancel(rd->health_check);
	loop_timer_stop(inst->rt->loop, &rd->deadline);
	loop_remove(inst->rt->loop, rd->fd_source);
	rd->fd_source = LOOP_ID_NONE;
	rd->fd_read = safe_close(rd->fd_read);
	rd->fd_write = safe_close(rd->fd_write);
	rd->ready_ns = 0;
}

void instance_ready_free(struct instance *inst)
{
	if (!inst->rd)
		return;
	instance_ready_end(inst);
	if (inst->rd->ready_check)
		check_done(inst->rd->ready_check);
	if (inst->rd->health_check)
		check_done(inst->rd->health_check);
	free(inst->rd->ready_check);
	free(inst->rd->health_check);
	free(inst->rd);
	inst->rd = NULL;
}

bool instance_ready_reap(struct instance *inst, pid_t pid)
{
	if (!inst->rd)
		return false;
	struct check *checks[] = { inst->rd->ready_check, inst->rd->health_check };

	for (size_t i = 0; i < ELEMENTSOF(checks); i++)
		if (checks[i] && check_child_pid(checks[i]) == pid) {
			check_child_exited(checks[i]);
			return true;
		}
	return false;
}

/* sd_notify, from a process of the instance (the caller checked). What
 * systemd does with each key, where it applies here; MAINPID= is not
 * followed: the main process is the one the daemon started. */
void instance_ready_notify(struct instance *inst, const struct notify_msg *m)
{
	struct instance_ready *rd = inst->rd;
	char t[32];

	if (!rd)
		return;
	rd->notify_messages++;
	if (m->has_status)
		snprintf(rd->status_text, sizeof(rd->status_text), "%s", m->status);
	if (m->reloading)
		rd->reloading = true;
	if (m->ready)
		rd->reloading = false;
	if (m->stopping)
		rd->stopping = true;
	if (m->has_watchdog_usec && rd->ready_ns) {
		/* A new period, counted from now (0 turns the watchdog off). */
		rd->watchdog_usec = m->watchdog_usec;
		rd->last_ping_ns = now_ns();
		if (rd->watchdog_usec)
			arm_deadline(inst, MAX(rd->watchdog_usec / 1000, 1U));
		else
			loop_timer_stop(inst->rt->loop, &rd->deadline);
	}
	if (m->watchdog_ping && rd->ready_ns && rd->watchdog_usec && !rd->paused) {
		rd->last_ping_ns = now_ns();
		arm_deadline(inst, MAX(rd->watchdog_usec / 1000, 1U));
	}
	if (m->has_extend_usec && !rd->ready_ns && m->extend_usec) {
		LOG_INST(inst, "extend-timeout", "by", format_duration_ms(m->extend_usec / 1000, t, sizeof(t)),
			 NULL);
		arm_deadline(inst, MAX(m->extend_usec / 1000, 1U));
	}
	if (m->watchdog_trigger && rd->ready_ns) {
		LOG_INST(inst, "watchdog", "trigger", "WATCHDOG=trigger", NULL);
		rd->hooks->violation(inst, VIOLATION_WATCHDOG);
		return;
	}
	if (m->ready && !rd->ready_ns && inst->cfg->readiness.check.kind == CHECK_NOTIFY) {
		/* It may come before the daemon has seen the exec: kept for it. */
		rd->ready_seen = true;
		rd->hooks->ready(inst);
	}
}
