/* SPDX-License-Identifier: MIT */
/*
 * supervisor_state.c: see supervisor_state.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "kernel/cgroup.h"
#include "policy/supervisor.h"
#include "policy/supervisor_state.h"

#define STATE_TEXT_MAX (64U << 10)   /* an xattr value's bound (XATTR_SIZE_MAX) */

static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* "v1 config=M scale=N stopped=I,J": NULL when it does not fit. */
static char *format_state(const struct service *svc)
{
	char *t = malloc(STATE_TEXT_MAX);
	uint32_t live = 0, stopped = 0;
	size_t n;

	if (!t)
		return NULL;
	for (uint32_t i = 0; i < svc->n_instances; i++)
		live += svc->instances[i] && !svc->instances[i]->retiring;
	n = (size_t)snprintf(t, STATE_TEXT_MAX, "v1 config=%u scale=%u stopped=", svc->cfg->instances, live);
	for (uint32_t i = 0; i < svc->n_instances && n < STATE_TEXT_MAX; i++) {
		const struct instance *inst = svc->instances[i];
		if (!inst || inst->retiring || inst->state != STATE_STOPPED || inst->start_pending)
			continue;
		if (++stopped > SERVICE_STATE_MAX_STOPPED)
			break;
		n += (size_t)snprintf(t + n, STATE_TEXT_MAX - n, "%s%u", stopped > 1 ? "," : "", i);
	}
	if (n >= STATE_TEXT_MAX || stopped > SERVICE_STATE_MAX_STOPPED) {
		free(t);
		return NULL;
	}
	return t;
}

static void flush(struct supervisor *s)
{
	for (size_t i = 0; i < s->n_services; i++) {
		struct service *svc = &s->services[i];
		if (!svc->state_dirty || svc->cg_fd < 0 || svc->removed)
			continue;
		svc->state_dirty = false;
		char *t = format_state(svc);
		if (!t) {
			log_warn("%s: more than %d stopped instances: a restarted daemon will start them",
				 svc->cfg->name, SERVICE_STATE_MAX_STOPPED);
			continue;
		}
		uint64_t h = hash(t);
		if (h != svc->state_hash) {
			int r = cgroup_set_xattr(svc->cg_fd, SERVICE_STATE_XATTR, t, strlen(t));
			if (r < 0)
				log_warn_errno(r, "%s: cannot keep its scale and stopped instances for a later daemon",
					       svc->cfg->name);
			else
				svc->state_hash = h;
		}
		free(t);
	}
}

static void on_state_timer(struct loop *l, void *userdata)
{
	(void)l;
	flush(userdata);
}

void supervisor_state_init(struct supervisor *s)
{
	loop_timer_init(&s->state_timer, on_state_timer, s);
}

void supervisor_state_note(struct supervisor *s, struct instance *inst)
{
	/* A shutdown stops everything on purpose and removes the cgroups. */
	if (s->rt.children_die || s->cg.root.fd < 0 || !inst->svc || s->rt.shutting_down)
		return;
	inst->svc->state_dirty = true;
	if (!loop_timer_armed(&s->state_timer))
		(void)loop_timer_start(s->loop, &s->state_timer, now_ns() + SERVICE_STATE_FLUSH_MS * NSEC_PER_MSEC);
}

static int parse_stopped(struct service *svc, const char *p)
{
	while (*p) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		if (end == p || v >= CONFIG_MAX_INSTANCES || svc->n_restore_stopped >= SERVICE_STATE_MAX_STOPPED)
			return -EINVAL;
		uint32_t *a = reallocarray(svc->restore_stopped, svc->n_restore_stopped + 1, sizeof(*a));
		if (!a)
			return -ENOMEM;
		svc->restore_stopped = a;
		a[svc->n_restore_stopped++] = (uint32_t)v;
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -EINVAL;
	}
	return 0;
}

void supervisor_state_read(struct supervisor *s, const char *name, int fd)
{
	struct service *svc = supervisor_find_service(s, name);
	_cleanup_free_ char *t = svc ? malloc(STATE_TEXT_MAX + 1) : NULL;
	unsigned config, scale;
	int off = 0;

	if (!t)
		return;
	ssize_t n = cgroup_get_xattr(fd, SERVICE_STATE_XATTR, t, STATE_TEXT_MAX);
	if (n <= 0)
		return;
	t[n] = '\0';
	if (sscanf(t, "v1 config=%u scale=%u stopped=%n", &config, &scale, &off) != 2 || !off ||
	    parse_stopped(svc, t + off) < 0) {
		log_warn("%s: the state a previous daemon kept is unreadable: following the config", name);
		free(svc->restore_stopped);
		svc->restore_stopped = NULL;
		svc->n_restore_stopped = 0;
		return;
	}
	/* The operator's scale holds while the config still says what it
	 * said then; a changed config wins. */
	if (config == svc->cfg->instances && scale <= CONFIG_MAX_INSTANCES)
		svc->restore_scale = scale;
}

uint32_t supervisor_state_scale(const struct service *svc)
{
	return svc->restore_scale >= 0 ? (uint32_t)svc->restore_scale : svc->cfg->instances;
}

void supervisor_state_restore_stopped(struct supervisor *s, struct service *svc)
{
	(void)s;
	for (size_t i = 0; i < svc->n_restore_stopped; i++) {
		uint32_t j = svc->restore_stopped[i];
		struct instance *inst = j < svc->n_instances ? svc->instances[j] : NULL;
		if (!inst || !inst->start_pending)
			continue;   /* beyond the scale, or taken back running */
		inst->start_pending = false;
		log_event("kept-stopped", svc->cfg->name, (int)j, "by", "a previous daemon's state", NULL);
	}
	if (svc->restore_scale >= 0 && (uint32_t)svc->restore_scale != svc->cfg->instances)
		log_event("kept-scale", svc->cfg->name, -1, LOG_NUM("instances", svc->restore_scale), NULL);
	free(svc->restore_stopped);
	svc->restore_stopped = NULL;
	svc->n_restore_stopped = 0;
	svc->state_dirty = true;   /* written again by this daemon */
}
