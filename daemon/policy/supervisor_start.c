/* SPDX-License-Identifier: MIT */
/*
 * supervisor_start.c: see supervisor_start.h.
 */
#include <stdio.h>
#include <string.h>

#include "basic/log.h"
#include "kernel/notify_socket.h"
#include "policy/deps.h"
#include "policy/supervisor.h"
#include "policy/supervisor_reload.h"
#include "policy/supervisor_start.h"

/* Whether each service's queued starts may go, said on the service. */
static unsigned judge_services(struct supervisor *s)
{
	unsigned waiting = 0;

	for (size_t i = 0; i < s->n_services; i++) {
		struct service *svc = &s->services[i];
		bool was = svc->waiting;
		svc->waiting = false;
		if (svc->cfg->n_deps == 0)
			continue;
		bool queued = false;
		for (uint32_t j = 0; j < svc->n_instances && !queued; j++)
			queued = svc->instances[j] && svc->instances[j]->start_pending;
		if (!queued || deps_met(svc, s->services, svc->wait_reason, sizeof(svc->wait_reason), &svc->blocked))
			continue;
		svc->waiting = true;
		waiting++;
		if (!was)
			log_event("waiting", svc->cfg->name, -1, "for", svc->wait_reason, NULL);
	}
	return waiting;
}

static void send_ready(struct supervisor *s)
{
	if (s->ready_sent || !s->own_notify || s->rt.shutting_down)
		return;
	for (size_t i = 0; i < s->n_services; i++) {
		const struct service *svc = &s->services[i];
		if (!(svc->waiting && svc->blocked) && !deps_settled(svc))
			return;
	}
	s->ready_sent = true;
	int r = notify_send(s->own_notify, "READY=1\nSTATUS=every service started");
	if (r < 0)
		log_warn_errno(r, "cannot tell NOTIFY_SOCKET %s that we are ready", s->own_notify);
}

void supervisor_start_due(struct supervisor *s)
{
	unsigned n = 0;

	if (s->n_retired)
		supervisor_reload_settle(s);
	if (s->rt.shutting_down) {
		supervisor_stop_in_order(s);
		return;
	}
	s->n_waiting = judge_services(s);
	for (size_t i = 0; i < s->n_services; i++) {
		struct service *svc = &s->services[i];
		if (svc->waiting)
			continue;
		for (uint32_t j = 0; j < svc->n_instances; j++) {
			struct instance *inst = svc->instances[j];
			if (!inst || !inst->start_pending)
				continue;
			if (n++ == START_BATCH) {
				(void)loop_timer_start(s->loop, &s->rt.start_timer, now_ns());
				return;
			}
			inst->start_pending = false;
			instance_event(inst, EV_START, "scale");
		}
	}
	send_ready(s);
}

void supervisor_stop_in_order(struct supervisor *s)
{
	for (size_t i = 0; i < s->n_services; i++) {
		struct service *svc = &s->services[i];
		if (svc->stop_sent || (s->has_deps && !deps_may_stop(svc, s->services, s->n_services)))
			continue;
		svc->stop_sent = true;
		if (s->has_deps)
			log_event("stopping", svc->cfg->name, -1, NULL);
		for (uint32_t j = 0; j < svc->n_instances; j++) {
			struct instance *inst = svc->instances[j];
			if (inst) {
				inst->start_pending = false;
				instance_event(inst, EV_STOP, "shutdown");
			}
		}
	}
}

void supervisor_note_change(struct supervisor *s)
{
	bool wanted = s->n_waiting > 0 || (s->rt.shutting_down && s->has_deps) ||
		      (s->own_notify && !s->ready_sent);

	if (wanted && !loop_timer_armed(&s->rt.start_timer))
		(void)loop_timer_start(s->loop, &s->rt.start_timer, now_ns());
}

bool supervisor_start_or_queue(struct supervisor *s, struct instance *inst, char *why, size_t len)
{
	struct service *svc = inst->svc;
	bool blocked;

	if (deps_met(svc, s->services, why, len, &blocked)) {
		instance_event(inst, EV_START, "operator");
		return true;
	}
	inst->start_pending = true;
	s->n_waiting++;
	supervisor_note_change(s);
	return false;
}
