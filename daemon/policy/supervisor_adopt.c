/* SPDX-License-Identifier: MIT */
/*
 * supervisor_adopt.c: see supervisor_adopt.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/fd_util.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "config/config_diff.h"
#include "kernel/cgroup.h"
#include "policy/instance_spawn.h"
#include "policy/supervisor.h"
#include "policy/supervisor_adopt.h"
#include "policy/supervisor_state.h"

static bool parse_index(const char *s, unsigned *ret)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned)(*p - '0');
	}
	*ret = (unsigned)v;
	return true;
}

static long find_service(struct supervisor *s, const char *name)
{
	struct service *svc = supervisor_find_service(s, name);
	return svc ? svc - s->services : -1;
}

/* Why the leftover is not the instance the config describes; NULL: it is,
 * and *pid holds its main process. */
static const char *check(struct supervisor *s, long svc, unsigned index, int fd, struct instance_record *rec,
			 struct pidref *pid)
{
	uint64_t start;
	char state = 0;

	if (svc < 0)
		return "service not in the config";
	const struct service_config *c = s->services[svc].cfg;
	/* The scale a previous daemon kept counts (read first, from the
	 * service's own directory). */
	if (index >= supervisor_state_scale(&s->services[svc]))
		return "index beyond the configured instances (or the kept scale)";
	int r = instance_record_read(fd, rec);
	if (r < 0)
		return r == -ENODATA ? "no record (children_die_with_daemon, or an older daemon)" : "unreadable record";
	if (rec->digest != config_service_digest(c))
		return "definition changed";
	if (pidref_open(rec->pid, pid) < 0)
		return "main process gone";
	/* The pidfd pins the number from here: check it is still that process. */
	if (pidref_stat(rec->pid, NULL, &start, &state) < 0 || start != rec->pid_start) {
		pidref_done(pid);
		return "main process gone (its pid is another process's now)";
	}
	if (state == 'Z') {
		pidref_done(pid);
		return "main process gone";   /* ended, not yet reaped by its new parent */
	}
	if (cgroup_has_pid(fd, rec->pid) != 1) {
		pidref_done(pid);
		return "main process not in its cgroup";
	}
	return NULL;
}

bool supervisor_adopt_keep(const char *svc, const char *idx, int fd, void *ud)
{
	struct supervisor *s = ud;
	struct instance_record rec;
	struct pidref pid = PIDREF_NULL;
	unsigned index;

	if (s->config->supervisor.children_die_with_daemon)
		return false;
	if (!idx) {
		supervisor_state_read(s, svc, fd);   /* services/<svc> itself */
		return false;
	}
	if (!parse_index(idx, &index))
		return false;   /* exec probes' cgroups: never taken back */
	long i = find_service(s, svc);
	const char *why = check(s, i, index, fd, &rec, &pid);
	if (why) {
		log_event("adopt-refused", svc, (int)index, "reason", why, NULL);
		return false;
	}
	if (s->n_adoptees == s->cap_adoptees) {
		size_t cap = s->cap_adoptees ? 2 * s->cap_adoptees : 64;
		struct adoptee *a = reallocarray(s->adoptees, cap, sizeof(*a));
		if (!a) {
			pidref_done(&pid);
			return false;
		}
		s->adoptees = a;
		s->cap_adoptees = cap;
	}
	s->adoptees[s->n_adoptees++] = (struct adoptee){ .service = (size_t)i, .index = index, .pid = pid, .rec = rec };
	return true;
}

/* Not taken after all: the whole tree goes, and the instance starts afresh. */
static void give_up(struct supervisor *s, struct adoptee *a, struct instance *inst, int r)
{
	log_error_errno(r, "%s.%u: cannot take it back; killing what it left", s->services[a->service].cfg->name,
			a->index);
	(void)pidref_kill(&a->pid, SIGKILL);
	if (inst && inst->cg.fd >= 0) {
		(void)instance_cgroup_kill(&inst->cg, s->cg.root.has_kill);
		inst->cg.killed = true;   /* a fresh cgroup for its next start */
	}
}

static void kill_old_holders(struct supervisor *s);

void supervisor_adopt_all(struct supervisor *s)
{
	size_t ok = 0;

	for (size_t i = 0; i < s->n_adoptees; i++) {
		struct adoptee *a = &s->adoptees[i];
		struct service *svc = &s->services[a->service];
		struct instance *inst = a->index < svc->n_instances ? svc->instances[a->index] : NULL;
		int r = inst ? instance_adopt(inst, &a->pid, &a->rec) : -ENOENT;
		if (r < 0) {
			give_up(s, a, inst, r);
			continue;
		}
		inst->start_pending = false;
		/* Frozen by the previous daemon (freeze, a violation policy): it
		 * stays frozen, and says so. */
		if (instance_cgroup_frozen(&inst->cg) == 1)
			(void)instance_freeze(inst, true);
		ok++;
	}
	if (s->n_adoptees)
		log_event("adoption", NULL, -1, LOG_NUM("adopted", ok), LOG_NUM("failed", s->n_adoptees - ok), NULL);
	for (size_t i = 0; i < s->n_services; i++)
		supervisor_state_restore_stopped(s, &s->services[i]);
	supervisor_adopt_done(s);
	kill_old_holders(s);
	/* Pipes our previous image passed that no instance took: closed. */
	if (s->logs.inherited) {
		inherited_fds_done(s->logs.inherited);
		s->logs.inherited = NULL;
	}
}

void supervisor_adopt_done(struct supervisor *s)
{
	for (size_t i = 0; i < s->n_adoptees; i++)
		pidref_done(&s->adoptees[i].pid);
	free(s->adoptees);
	s->adoptees = NULL;
	s->n_adoptees = s->cap_adoptees = 0;
}

/* Those of a previous daemon, found in the cgroup before ours joins it. */
static void note_old_holders(struct supervisor *s, int fd)
{
	_cleanup_close_ int f = openat(fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	_cleanup_fclose_ FILE *in = f >= 0 ? take_fdopen(&f, "re") : NULL;

	for (long pid; in && s->n_old_holders < ELEMENTSOF(s->old_holders) && fscanf(in, "%ld", &pid) == 1;)
		if (pidref_open((pid_t)pid, &s->old_holders[s->n_old_holders]) >= 0)
			s->n_old_holders++;
}

void supervisor_fdstore_start(struct supervisor *s)
{
	_cleanup_close_ int fd = -EBADF;

	s->fdstore = FDSTORE_NULL;
	if (s->cg.root.fd < 0 || s->rt.children_die || !s->self_exe)
		return;
	int r = cgroup_mkdir_open(s->cg.root.fd, FDSTORE_CGROUP, &fd);
	if (r >= 0) {
		note_old_holders(s, fd);
		r = fdstore_start(&s->fdstore, s->self_exe, fd);
		fdstore_set_loop(&s->fdstore, s->loop);
	}
	if (r < 0) {
		log_warn_errno(r, "cannot start the fd store: if the daemon dies, a service writing its output "
			       "meanwhile gets EPIPE");
		return;
	}
	s->logs.store = &s->fdstore;
}

/* The previous store held the pipes until now: they are ours again. */
static void kill_old_holders(struct supervisor *s)
{
	for (size_t i = 0; i < s->n_old_holders; i++) {
		struct pidref *p = &s->old_holders[i];
		pid_t ppid = 0;
		(void)pidref_kill(p, SIGKILL);
		/* After a reexec it is our own child: reaped here, not counted
		 * as an orphan. */
		if (pidref_stat(p->pid, &ppid, NULL, NULL) >= 0 && ppid == getpid()) {
			siginfo_t si;
			(void)waitid((idtype_t)P_PIDFD, (id_t)p->fd, &si, WEXITED);
		}
		pidref_done(p);
	}
	s->n_old_holders = 0;
}

void supervisor_fdstore_stop(struct supervisor *s)
{
	kill_old_holders(s);
	s->logs.store = NULL;
	fdstore_stop(&s->fdstore);
	if (s->cg.root.fd >= 0)
		(void)cgroup_rmdir(s->cg.root.fd, FDSTORE_CGROUP);
}

bool supervisor_fdstore_owns_pid(const struct supervisor *s, pid_t pid)
{
	return fdstore_owns_pid(&s->fdstore, pid);
}
