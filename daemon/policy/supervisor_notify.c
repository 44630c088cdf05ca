/* SPDX-License-Identifier: MIT */
/*
 * supervisor_notify.c: see supervisor_notify.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fd_util.h"
#include "basic/log.h"
#include "basic/notify_msg.h"
#include "kernel/cgroup.h"
#include "kernel/notify_socket.h"
#include "policy/instance_ready.h"
#include "policy/supervisor_notify.h"

bool supervisor_notify_wanted(const struct config *c)
{
	for (size_t i = 0; i < c->n_services; i++)
		if (c->services[i].readiness.check.kind == CHECK_NOTIFY)
			return true;
	return false;
}

/* "<root>/services/": the daemon sits in <root>/supervisor. */
static int find_prefix(struct supervisor_notify *n)
{
	char self[sizeof(n->cg_prefix)];
	int r = cgroup_self_path(self, sizeof(self));
	size_t len = strlen(self), tail = strlen("/supervisor");

	if (r < 0)
		return r;
	if (len < tail || strcmp(self + len - tail, "/supervisor") != 0)
		return -ENOENT;
	self[len - tail] = '\0';
	return (size_t)snprintf(n->cg_prefix, sizeof(n->cg_prefix), "%s/services/", self) < sizeof(n->cg_prefix)
		       ? 0 : -ENAMETOOLONG;
}

/* A small /proc file, read whole into buf (NUL-terminated). */
static int read_proc(pid_t pid, const char *file, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t r = read(fd, buf, len - 1);
	if (r < 0)
		return -errno;
	buf[r] = '\0';
	return 0;
}

static struct instance *instance_at(struct supervisor_notify *n, const char *svc, size_t svc_len,
				    unsigned long idx)
{
	for (size_t i = 0; i < n->n_services; i++) {
		struct service *s = &n->services[i];
		if (strlen(s->cfg->name) == svc_len && !memcmp(s->cfg->name, svc, svc_len))
			return idx < s->n_instances ? s->instances[idx] : NULL;
	}
	return NULL;
}

/* With cgroups: "0::<prefix><svc>/<idx>[/...]" in /proc/<pid>/cgroup. A
 * probe's cgroup ("probe-...") is not the instance. */
static struct instance *by_cgroup(struct supervisor_notify *n, pid_t pid)
{
	char buf[1024], *line, *end;
	size_t plen = strlen(n->cg_prefix);

	if (read_proc(pid, "cgroup", buf, sizeof(buf)) < 0 || !(line = strstr(buf, "0::")))
		return NULL;
	line += 3;
	line[strcspn(line, "\n")] = '\0';
	if (strncmp(line, n->cg_prefix, plen) != 0)
		return NULL;
	const char *svc = line + plen, *slash = strchr(svc, '/');
	if (!slash || slash[1] < '0' || slash[1] > '9')
		return NULL;
	unsigned long idx = strtoul(slash + 1, &end, 10);
	if (*end != '\0' && *end != '/')
		return NULL;
	return instance_at(n, svc, (size_t)(slash - svc), idx);
}

/* Without cgroups: the sender is in the session the main process leads
 * (every instance's process starts one with setsid). */
static struct instance *by_session(struct supervisor_notify *n, pid_t pid)
{
	char buf[1024];
	const char *p;
	int sid = 0;

	if (read_proc(pid, "stat", buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ')')))
		return NULL;
	/* ") S ppid pgrp session": comm may hold anything, so after its ')'. */
	if (sscanf(p + 1, " %*c %*d %*d %d", &sid) != 1 || sid <= 0)
		return NULL;
	for (size_t i = 0; i < n->n_services; i++)
		for (uint32_t j = 0; j < n->services[i].n_instances; j++) {
			struct instance *inst = n->services[i].instances[j];
			if (inst && pidref_is_set(&inst->pid) && inst->pid.pid == sid)
				return inst;
		}
	return NULL;
}

static void drop(struct supervisor_notify *n, const char *why, pid_t pid)
{
	n->dropped++;
	snprintf(n->last_drop, sizeof(n->last_drop), "pid %d: %s", (int)pid, why);
	log_debug("notify: dropped a message of pid %d: %s", (int)pid, why);
}

static void handle(struct supervisor_notify *n, const char *buf, size_t len, const struct ucred *cred)
{
	struct notify_msg m;
	struct instance *inst;

	if (notify_msg_parse(buf, len, &m) < 0) {
		drop(n, "malformed", cred->pid);
		return;
	}
	inst = n->cg_prefix[0] ? by_cgroup(n, cred->pid) : by_session(n, cred->pid);
	if (!inst || !inst->rd || inst->cfg->readiness.check.kind != CHECK_NOTIFY) {
		drop(n, inst ? "its service does not use notify" : "not a process of any instance", cred->pid);
		return;
	}
	if (!state_has_process(inst->state)) {
		drop(n, "its instance is not running", cred->pid);
		return;
	}
	n->accepted++;
	instance_ready_notify(inst, &m);
}

static void on_readable(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	struct supervisor_notify *n = userdata;
	char buf[NOTIFY_MSG_MAX + 1];
	struct ucred cred;

	(void)l, (void)revents;
	for (unsigned i = 0; i < NOTIFY_PER_TURN; i++) {
		int r = notify_socket_recv(fd, buf, sizeof(buf) - 1, &cred);
		if (r == -EAGAIN)
			return;
		n->received++;
		if (r == -EMSGSIZE || r == -EPERM) {
			drop(n, r == -EPERM ? "no credentials" : "too long", 0);
			continue;
		}
		if (r < 0) {
			log_warn_errno(r, "notify socket: receive failed");
			return;
		}
		handle(n, buf, (size_t)r, &cred);
	}
	/* More may be queued: level-triggered, the loop comes back for it. */
}

int supervisor_notify_open(struct supervisor_notify *n, struct loop *l, const char *socket_path,
			   bool have_cgroups, struct service *services, size_t n_services)
{
	int r;

	*n = (struct supervisor_notify){ .fd = -EBADF, .services = services, .n_services = n_services };
	if ((size_t)snprintf(n->path, sizeof(n->path), "%s.notify", socket_path) >= sizeof(n->path))
		return log_error_errno(-ENAMETOOLONG, "the notify socket path %s.notify is too long for a unix socket",
				       socket_path);
	if (have_cgroups && (r = find_prefix(n)) < 0)
		return log_error_errno(r, "notify socket: cannot tell where the services' cgroups are");
	r = notify_socket_open(n->path, &n->fd);
	if (r < 0)
		return log_error_errno(r, "cannot open the notify socket %s", n->path);
	r = loop_add(l, n->fd, POLLIN, on_readable, n, &n->source);
	if (r < 0)
		return log_error_errno(r, "cannot watch the notify socket");
	return 0;
}

void supervisor_notify_close(struct supervisor_notify *n, struct loop *l)
{
	if (n->fd < 0)
		return;
	loop_remove(l, n->source);
	n->fd = safe_close(n->fd);
	(void)unlink(n->path);
}
