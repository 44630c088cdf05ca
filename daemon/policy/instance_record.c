/* SPDX-License-Identifier: MIT */
/*
 * instance_record.c: see instance_record.h. Plain text: a person reading
 * it with getfattr sees what the daemon will trust.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "basic/log.h"
#include "config/config_diff.h"
#include "kernel/cgroup.h"
#include "logs/logstream.h"
#include "policy/instance.h"
#include "policy/instance_ready.h"
#include "policy/instance_record.h"

int instance_record_format(const struct instance_record *r, char *buf, size_t len)
{
	int n = snprintf(buf, len,
			 "v1 pid=%d start=%" PRIu64 " restarts=%" PRIu32 " backoff=%" PRIu32 " started=%" PRIu64
			 " ready=%d digest=%016" PRIx64 " out=%" PRIu64 " err=%" PRIu64,
			 (int)r->pid, r->pid_start, r->restarts, r->backoff_n, r->started_ns, r->ready ? 1 : 0,
			 r->digest, r->out_ino, r->err_ino);
	return n < 0 || (size_t)n >= len ? -ENOBUFS : n;
}

int instance_record_parse(const char *s, struct instance_record *ret)
{
	struct instance_record r = { 0 };
	int pid, ready, end = 0;

	if (sscanf(s, "v1 pid=%d start=%" SCNu64 " restarts=%" SCNu32 " backoff=%" SCNu32 " started=%" SCNu64
		   " ready=%d digest=%" SCNx64 " out=%" SCNu64 " err=%" SCNu64 "%n",
		   &pid, &r.pid_start, &r.restarts, &r.backoff_n, &r.started_ns, &ready, &r.digest, &r.out_ino,
		   &r.err_ino, &end) != 9 || s[end] != '\0' || pid <= 0 || (ready != 0 && ready != 1))
		return -EINVAL;
	r.pid = pid;
	r.ready = ready;
	*ret = r;
	return 0;
}

int instance_record_write(int cg_fd, const struct instance_record *r)
{
	char buf[INSTANCE_RECORD_MAX];
	int n = instance_record_format(r, buf, sizeof(buf));
	return n < 0 ? n : cgroup_set_xattr(cg_fd, INSTANCE_RECORD_XATTR, buf, (size_t)n);
}

int instance_record_read(int cg_fd, struct instance_record *ret)
{
	char buf[INSTANCE_RECORD_MAX];
	ssize_t n = cgroup_get_xattr(cg_fd, INSTANCE_RECORD_XATTR, buf, sizeof(buf) - 1);
	if (n < 0)
		return n == -ERANGE ? -EINVAL : (int)n;
	buf[n] = '\0';
	return instance_record_parse(buf, ret);
}

void instance_record_save(struct instance *inst)
{
	struct instance_record r = {
		.pid = inst->pid.pid, .restarts = inst->restarts, .backoff_n = inst->backoff_n,
		.started_ns = inst->started_ns, .ready = inst->rd && inst->rd->ready_ns,
		.digest = config_service_digest(inst->cfg), .out_ino = logstream_pipe_ino(inst->log_out),
		.err_ino = logstream_pipe_ino(inst->log_err),
	};

	if (inst->rt->children_die || inst->cg.fd < 0 || !pidref_is_set(&inst->pid))
		return;
	int e = pidref_start_time(r.pid, &r.pid_start);
	if (e >= 0)
		e = instance_record_write(inst->cg.fd, &r);
	if (e < 0 && !inst->record_warned) {
		/* Said once per instance: without it a restarted daemon stops it
		 * instead of taking it back. */
		inst->record_warned = true;
		log_warn_errno(e, "%s.%u: cannot record it for a later daemon (%s on its cgroup): "
			       "a restarted daemon will stop it", inst->cfg->name, inst->index,
			       INSTANCE_RECORD_XATTR);
	}
}
