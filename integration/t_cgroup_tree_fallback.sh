#!/usr/bin/env bash
# t_cgroup_tree.sh again with --cgroup-kill=fallback: the path kernels older
# than 5.14 take (freeze, SIGKILL every pid in cgroup.procs, thaw, repeat),
# forced on a kernel that has cgroup.kill.
RV_CGROUP_KILL=fallback exec bash "$(dirname "$0")/t_cgroup_tree.sh"
