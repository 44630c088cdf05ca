#!/usr/bin/env bash
# t_probe_exec.sh again without cgroups (--cgroup-root=none): a check runs
# in a session of its own, only its process group is killed; what that
# leaves (a setsid grandchild) is what docs/readiness.md says it leaves.
RV_NOCG=1 exec bash "$(dirname "$0")/t_probe_exec.sh"
