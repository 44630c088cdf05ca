/* SPDX-License-Identifier: MIT */
/*
 * instance_record.h: what a later daemon needs to take an instance back
 * after this one died (crash, SIGKILL, upgrade): kept on the instance's
 * own cgroup directory as the extended attribute trusted.ringvisor, so it
 * lives exactly as long as the processes it describes, is replaced in one
 * syscall at each start (no file rewritten for the whole daemon, no window
 * where it is stale) and cannot be written by a service (trusted.* needs
 * CAP_SYS_ADMIN). docs/adoption.md.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define INSTANCE_RECORD_XATTR "trusted.ringvisor"
#define INSTANCE_RECORD_MAX 512   /* bytes of text */

struct instance_record {
	pid_t pid;                      /* the main process */
	uint64_t pid_start;             /* its start time (pidref_start_time) */
	uint32_t restarts;
	uint32_t backoff_n;
	uint64_t started_ns;            /* CLOCK_MONOTONIC: the same clock for every process of a boot */
	bool ready;
	uint64_t digest;                /* config_service_digest() of its definition */
	uint64_t out_ino, err_ino;      /* its output pipes (stdout; stderr when separate), 0: none */
};

/* "v1 pid=... start=... restarts=... backoff=... started=... ready=0|1
 * digest=HEX out=... err=..." into buf; its length. */
int instance_record_format(const struct instance_record *r, char *buf, size_t len);
/* -EINVAL when it is not a record this version wrote. */
int instance_record_parse(const char *s, struct instance_record *ret);
int instance_record_write(int cg_fd, const struct instance_record *r);
/* -ENODATA: no record; -EINVAL: malformed. */
int instance_record_read(int cg_fd, struct instance_record *ret);

struct instance;
/* The instance's record, after a start and when it became ready. Nothing
 * where no later daemon could take it back (children die with the daemon,
 * or no cgroup); a failure is said once per instance. */
void instance_record_save(struct instance *inst);
